//! The dashboard session under a non-local driver: an in-memory writer with
//! a fixed viewport (as `serve` uses), read back through a vt100 screen.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use downhill::app::Model;
use downhill::session::{self, Exit, Input};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A terminal of `cols × rows` on `sink`, sized by the driver (as `serve`
/// does), not by asking a real terminal.
fn fixed_terminal(sink: Sink, cols: u16, rows: u16) -> Terminal<CrosstermBackend<Sink>> {
    let viewport = Viewport::Fixed(Rect::new(0, 0, cols, rows));
    Terminal::with_options(CrosstermBackend::new(sink), TerminalOptions { viewport }).unwrap()
}

/// A session on the bundled scenarios drawing `cols × rows` into `sink`
/// at `fps`: its input and its task.
fn start(
    sink: &Sink,
    cols: u16,
    rows: u16,
    fps: u32,
) -> (
    tokio::sync::mpsc::Sender<Input>,
    tokio::task::JoinHandle<std::io::Result<Exit>>,
) {
    let mut term = fixed_terminal(sink.clone(), cols, rows);
    let model = Model::new(downhill::app::load_entries(&[]));
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let task = tokio::spawn(async move { session::run(&mut term, rx, model, fps, None).await });
    (tx, task)
}

fn key(c: char) -> Input {
    Input::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn screen(sink: &Sink, cols: u16, rows: u16) -> String {
    let mut p = vt100::Parser::new(rows.try_into().unwrap(), cols.try_into().unwrap(), 0);
    p.process(&sink.0.lock().unwrap());
    p.screen().contents()
}

fn epoch(text: &str) -> u64 {
    let at = text.find("epoch ").expect("an epoch counter");
    let n = text[at + 6..]
        .split('/')
        .next()
        .unwrap()
        .trim()
        .replace(',', "");
    n.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_on_any_writer() {
    let sink = Sink::default();
    let (tx, task) = start(&sink, 100, 30, 30);

    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = screen(&sink, 100, 30);
    assert!(t.contains("Gradient descent in 1D"), "{t}");
    assert!(epoch(&t) > 0, "{t}");

    tx.send(key(' ')).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let paused_at = epoch(&screen(&sink, 100, 30));
    // Paused and idle: not a byte more.
    let before = sink.0.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        sink.0.lock().unwrap().len(),
        before,
        "paused sessions send nothing"
    );

    tx.send(key('s')).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(epoch(&screen(&sink, 100, 30)), paused_at + 1);

    // A resize reflows the screen to the new size.
    tx.send(Input::Resize(80, 24)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = screen(&sink, 80, 24);
    assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
    assert!(t.contains("epoch"), "{t}");

    tx.send(key('q')).await.unwrap();
    assert_eq!(task.await.unwrap().unwrap(), Exit::Quit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_can_stop_a_session() {
    let (tx, task) = start(&Sink::default(), 80, 24, 30);
    tx.send(Input::Stop(Exit::Timeout)).await.unwrap();
    assert_eq!(task.await.unwrap().unwrap(), Exit::Timeout);
    // Dropping the input ends a session too.
    let mut term = fixed_terminal(Sink::default(), 80, 24);
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let model = Model::new(downhill::app::load_entries(&[]));
    drop(tx);
    let exit = session::run(&mut term, rx, model, 30, None).await.unwrap();
    assert_eq!(exit, Exit::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_shown_before_the_next_regular_frame() {
    // One frame a second: a key pressed just after a frame would wait up
    // to a second at the regular rate; it is answered within a quarter.
    let sink = Sink::default();
    let (tx, task) = start(&sink, 100, 30, 1);
    // Wait for a frame to be written (the byte count moves, then settles).
    let len = || sink.0.lock().unwrap().len();
    let mut seen = len();
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let now = len();
        if now > seen && now > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            break;
        }
        seen = now;
    }
    assert!(screen(&sink, 100, 30).contains("running"));
    let pressed = std::time::Instant::now();
    tx.send(key(' ')).await.unwrap();
    while !screen(&sink, 100, 30).contains("paused") {
        assert!(
            pressed.elapsed() < Duration::from_millis(700),
            "no frame for the key after {:?}",
            pressed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tx.send(Input::Stop(Exit::Timeout)).await.unwrap();
    assert_eq!(task.await.unwrap().unwrap(), Exit::Timeout);
}

fn code(c: KeyCode) -> Input {
    Input::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Help at 60x16 scrolls to its end and back one line: the view reports
/// how far it can go, and the session hands that to `update`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_scrolls_to_its_end_and_back() {
    let sink = Sink::default();
    let (tx, task) = start(&sink, 60, 16, 30);
    tx.send(key(' ')).await.unwrap();
    tx.send(key('?')).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = screen(&sink, 60, 16);
    assert!(t.contains("more (↓ PgDn End)"), "{t}");
    tx.send(code(KeyCode::End)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = screen(&sink, 60, 16);
    assert!(
        t.contains("delete a typed character"),
        "the last line:\n{t}"
    );
    assert!(!t.contains("(↓ PgDn End)"), "nothing below:\n{t}");
    tx.send(code(KeyCode::Up)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = screen(&sink, 60, 16);
    assert!(t.contains("↓ 1 more"), "one line back:\n{t}");
    // Esc closes help; another Esc leaves the dashboard open.
    tx.send(code(KeyCode::Esc)).await.unwrap();
    tx.send(code(KeyCode::Esc)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!task.is_finished(), "Esc quit the session");
    tx.send(key('q')).await.unwrap();
    assert_eq!(task.await.unwrap().unwrap(), Exit::Quit);
}
