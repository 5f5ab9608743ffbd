//! The local terminal driver: terminal set-up and restore, and the event
//! loop.
//!
//! The loop `select!`s over crossterm's `EventStream` (keys, resizes), the
//! engine's snapshots, the engine task's end (a panic is shown, not hidden),
//! signals (SIGINT, SIGTERM, SIGHUP: restore and exit) and, only while
//! something changed, a frame deadline. So it draws at most `--fps` times a
//! second, and paused and idle it sleeps: no timer runs and nothing is drawn.
//! Every frame is wrapped in a synchronized update, and ratatui only sends
//! the cells that changed.
//!
//! This is the only module that touches the process's own terminal.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{cursor, execute, terminal};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::time::Instant;

use crate::app::{self, Action, Entry, Model, keymap};
use crate::cli::DashboardArgs;
use crate::engine::{self, Event};
use crate::scenario::{self, bundled};

/// The scenarios to show: the given files and directories, or the bundled
/// ones. Files that fail to load are entries with their error.
pub fn load_entries(paths: &[PathBuf]) -> Vec<Entry> {
    if paths.is_empty() {
        return bundled::ALL
            .iter()
            .map(|(name, text)| {
                let label = bundled::label(name);
                let sc = scenario::parse(&label, text);
                Entry::new(label, sc)
            })
            .collect();
    }
    scenario::expand_paths(paths)
        .into_iter()
        .map(|p| match p {
            Ok(p) => Entry::new(p.display().to_string(), scenario::load_file(&p)),
            Err(e) => Entry::new(e.path.clone(), Err(e)),
        })
        .collect()
}

/// Why the loop ended.
enum Exit {
    Quit,
    Signal(i32),
}

/// Open the dashboard; returns the process exit code.
pub fn main(paths: &[PathBuf], args: &DashboardArgs) -> ExitCode {
    let entries = load_entries(paths);
    if entries.is_empty() {
        eprintln!("downhill: no scenario files found (directories are searched for *.toml)");
        return ExitCode::from(1);
    }
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        eprintln!(
            "downhill: the dashboard needs a terminal; for scripts use `downhill run FILE --format json`"
        );
        return ExitCode::from(1);
    }
    let mut model = Model::new(entries);
    model.no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());

    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("downhill: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let mut term = match init() {
        Ok(t) => t,
        Err(e) => {
            restore();
            eprintln!("downhill: cannot set up the terminal: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(event_loop(&mut term, model, args.fps));
    restore();
    rt.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(sig)) => ExitCode::from((128 + sig) as u8),
        Err(e) => {
            eprintln!("downhill: terminal error: {e}");
            ExitCode::from(1)
        }
    }
}

type Term = Terminal<CrosstermBackend<io::Stdout>>;

/// The last panic seen off the UI thread (the engine's), for the status line.
static ENGINE_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn init() -> io::Result<Term> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

/// Leave the terminal as we found it: raw mode off, main screen, cursor shown.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

/// A panic on the UI thread restores the terminal before the message is
/// printed; a panic elsewhere (the engine) is kept for the dashboard to show,
/// because printing it would scribble over the screen.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            restore();
            previous(info);
        } else if let Ok(mut slot) = ENGINE_PANIC.lock() {
            *slot = Some(panic_text(info.payload()));
        }
    }));
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

fn draw(term: &mut Term, model: &Model) -> io::Result<()> {
    let mut out = io::stdout();
    execute!(out, BeginSynchronizedUpdate)?;
    term.draw(|f| crate::ui::draw(f, model))?;
    execute!(out, EndSynchronizedUpdate)?;
    out.flush()
}

async fn event_loop(term: &mut Term, mut model: Model, fps: u32) -> io::Result<Exit> {
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd_tx, mut engine_task) = engine::spawn(fps, ev_tx);
    let mut engine_alive = true;
    let mut keys = EventStream::new();
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;

    for c in app::activate(&model) {
        let _ = cmd_tx.send(c);
    }
    let mut dirty = true;
    let mut last_draw = Instant::now() - period;

    loop {
        let mut action = None;
        tokio::select! {
            ev = keys.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => action = keymap::action_for(k, &model.overlay),
                Some(Ok(TermEvent::Resize(..))) => {
                    term.autoresize()?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                // The terminal is gone (e.g. the SSH connection dropped).
                None => return Ok(Exit::Signal(1)),
            },
            Some(Event::Snapshot(s)) = ev_rx.recv() => action = Some(Action::Snapshot(s)),
            res = &mut engine_task, if engine_alive => {
                engine_alive = false;
                if res.is_err() || !model.quit {
                    let msg = ENGINE_PANIC
                        .lock()
                        .ok()
                        .and_then(|mut p| p.take())
                        .unwrap_or_else(|| "the engine task ended".into());
                    action = Some(Action::EngineFailed(msg));
                }
            }
            _ = sigint.recv() => return Ok(Exit::Signal(2)),
            _ = sigterm.recv() => return Ok(Exit::Signal(15)),
            _ = sighup.recv() => return Ok(Exit::Signal(1)),
            _ = tokio::time::sleep_until(last_draw + period), if dirty => {
                draw(term, &model)?;
                dirty = false;
                last_draw = Instant::now();
            }
        }
        if let Some(a) = action {
            for c in app::update(&mut model, a) {
                let _ = cmd_tx.send(c);
            }
            dirty = true;
        }
        if model.quit {
            return Ok(Exit::Quit);
        }
    }
}
