//! Shared by the test files: the bundled scenarios as a dashboard model,
//! and driving the real binary in a pseudo-terminal and reading its screen.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use downhill::app::{Action, Entry, Model, update};
use downhill::scenario::{self, bundled};
use downhill::track::Slot;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Every bundled scenario in a model, `current` on screen, its race stepped
/// `epochs` times (or to its end), running unless `paused`.
pub fn bundled_model(current: usize, epochs: u64, paused: bool) -> Model {
    let entries = bundled::ALL
        .iter()
        .map(|(n, t)| Entry::new(bundled::label(n), scenario::parse(&bundled::label(n), t)))
        .collect();
    let mut m = Model::new(entries);
    m.current = current;
    m.entries[current].paused = paused;
    let sc = m.entries[current].scenario.as_ref().unwrap().clone();
    let mut slot = Slot::new(current, 0, sc);
    for _ in 0..epochs {
        if !slot.step() {
            break;
        }
    }
    let snap = Arc::new(slot.snapshot());
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    m
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).unwrap()
}

/// The binary running in a pty, with a vt100 screen fed from its output.
pub struct Pty {
    pub child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    master: Box<dyn MasterPty + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote.
    pub bytes: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Start `downhill ARGS` in a `cols`×`rows` terminal.
    pub fn spawn(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_downhill"));
        cmd.args(args);
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(nz(rows), nz(cols), 0)));
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let (s, b) = (screen.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        s.lock().unwrap().process(&buf[..n]);
                        b.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                }
            }
        });
        Pty {
            child,
            writer,
            master: pair.master,
            screen,
            bytes,
        }
    }

    /// The screen's text.
    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Wait until `pred(screen text)` holds; panic with the screen after `secs`.
    pub fn wait_for(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let t = self.text();
            if pred(&t) {
                return t;
            }
            if Instant::now() > end {
                panic!("timed out waiting for {what}; screen:\n{t}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Type bytes.
    pub fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Resize the terminal.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.screen.lock().unwrap().set_size(nz(rows), nz(cols));
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// Wait for the process to end; its exit code.
    pub fn wait_exit(&mut self, secs: u64) -> u32 {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("the process did not exit; screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The output written after byte offset `from`.
    pub fn bytes_since(&self, from: usize) -> Vec<u8> {
        self.bytes.lock().unwrap()[from..].to_vec()
    }

    pub fn byte_count(&self) -> usize {
        self.bytes.lock().unwrap().len()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The `epoch N/M` counter on screen (`1,234` reads 1234).
pub fn epoch(text: &str) -> Option<u64> {
    let at = text.find("epoch ")?;
    let rest = &text[at + 6..];
    rest.split('/').next()?.trim().replace(',', "").parse().ok()
}

/// True when the text holds braille dots (a drawn curve).
pub fn has_braille(text: &str) -> bool {
    text.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c))
}

/// What a terminal sends when the left button clicks the marked minimum
/// (`✕`) of the Peaks map on `screen`: an SGR report of the press, then
/// of the release, at the 1-based cell.
pub fn click_on_the_minimum(screen: &str) -> String {
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains('✕') && l.contains('▀'))
        .unwrap_or_else(|| panic!("no minimum on the map:\n{screen}"));
    let col = line.chars().position(|c| c == '✕').unwrap();
    format!("\x1b[<0;{c};{r}M\x1b[<0;{c};{r}m", c = col + 1, r = row + 1)
}

/// The start a click placed, from "every run restarts at (x, y) = (…)";
/// checked to be within a cell of Peaks' marked minimum, (0.228279,
/// -1.625535) (a cell is about 0.12 × 0.15 at 120×40).
pub fn assert_placed_at_the_minimum(screen: &str) {
    let msg = screen
        .lines()
        .find(|l| l.contains("every run restarts at (x, y) = ("))
        .unwrap_or_else(|| panic!("the click placed no start:\n{screen}"));
    let coords: Vec<f64> = msg
        .split("= (")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap()
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        (coords[0] - 0.228279).abs() < 0.2 && (coords[1] + 1.625535).abs() < 0.3,
        "{coords:?}: {msg}"
    );
}

/// Whether the terminal was put back: the alternate screen left after it
/// was last entered, and the cursor shown after it was last hidden.
pub fn restored(bytes: &[u8]) -> bool {
    let s = String::from_utf8_lossy(bytes);
    let leave = s.rfind("\x1b[?1049l");
    let enter = s.rfind("\x1b[?1049h");
    let show = s.rfind("\x1b[?25h");
    let hide = s.rfind("\x1b[?25l");
    leave.is_some() && show.is_some() && leave > enter && show > hide
}

/// The bundled scenarios, `current` on screen, stepped `epochs` times, paused.
pub fn model_at(current: usize, epochs: u64) -> Model {
    bundled_model(current, epochs, true)
}

/// The bundled scenario `name` on screen with its sweep filled up to
/// `fraction` of the points and the sweep view open.
pub fn sweep_model(name: &str, fraction: f64, cursor: (i64, i64)) -> downhill::app::Model {
    use downhill::app::{Action, update};
    use downhill::scenario::bundled;
    let idx = bundled::ALL.iter().position(|(n, _)| *n == name).unwrap();
    let mut m = model_at(idx, 0);
    let sc = m.entries[idx].scenario.as_ref().unwrap().clone();
    let full = downhill::sweep::compute(&sc, |_, _| {}).unwrap();
    update(&mut m, Action::OpenSweep);
    let n = (full.len() as f64 * fraction) as usize;
    let results: Vec<_> = full.points[..n]
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p.clone().unwrap()))
        .collect();
    update(
        &mut m,
        Action::SweepResults {
            id: idx,
            generation: 0,
            results: Arc::new(results),
        },
    );
    update(&mut m, Action::SweepCursor(cursor.0, cursor.1));
    // Without colour the heatmap's levels are shading characters, which a
    // text snapshot can show.
    m.color = downhill::app::ColorDepth::None;
    m
}

/// A fresh directory under the system's temporary one, its own for one
/// test (named after the process, the thread and `tag`), removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "downhill-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Write `text` to `name` in the directory; its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
