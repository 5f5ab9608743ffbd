//! Long headless work made visible and stoppable: a progress bar on stderr
//! and a clean Ctrl-C.
//!
//! * [`Bar`] draws one line — done of total, the rate, the time left — on
//!   stderr, from a thread of its own, at most every [`REDRAW`], and only
//!   once the work has taken over [`QUIET`]: short commands print nothing.
//!   The command decides whether to draw at all ([`Bar::wanted`]: stderr is a
//!   terminal, and stdout is not that terminal while rows stream to it).
//!   Finishing clears the line, so output that follows starts clean.
//! * [`Interrupt`] turns the first SIGINT into a flag the work loop polls
//!   (the command then stops, prints what it has and says how far it got,
//!   exit 130); a second SIGINT ends the process at once with 130. The bar
//!   clears its line as soon as the flag is up, and says how to quit at once
//!   if stopping takes a while.
//!
//! Nothing here knows what is being counted: the command passes the total
//! and the unit, and moves the shared counter.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::text::num::grouped;

/// Work shorter than this draws no bar.
pub const QUIET: Duration = Duration::from_secs(1);

/// Time between two redraws.
const REDRAW: Duration = Duration::from_millis(100);

/// After Ctrl-C, how long stopping may take before the bar says how to
/// quit at once.
const SLOW_STOP: Duration = Duration::from_millis(700);

/// Exit code after Ctrl-C (128 + SIGINT), as shells report it.
pub const INTERRUPTED: u8 = 130;

/// SIGINT as a flag: the first Ctrl-C sets it, a second ends the process
/// with [`INTERRUPTED`].
#[derive(Clone)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
}

impl Interrupt {
    /// Catch SIGINT from now on. If the handler cannot be installed, Ctrl-C
    /// keeps its default (the process ends) and the flag never rises.
    pub fn install() -> Interrupt {
        let flag = Arc::new(AtomicBool::new(false));
        // Registered first, so it sees the flag as the earlier signals left it.
        let _ = signal_hook::flag::register_conditional_shutdown(
            signal_hook::consts::SIGINT,
            i32::from(INTERRUPTED),
            flag.clone(),
        );
        let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, flag.clone());
        Interrupt { flag }
    }

    /// A flag nothing raises (for work that cannot be interrupted).
    pub fn never() -> Interrupt {
        Interrupt {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True once Ctrl-C was pressed.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// The flag itself, for work that polls an `AtomicBool`.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

/// What the bar's thread and the work share.
struct Shared {
    done: Arc<AtomicU64>,
    total: u64,
    /// What is counted, plural (`epochs`, `points`).
    unit: &'static str,
    finished: AtomicBool,
    interrupt: Interrupt,
    start: Instant,
}

/// A progress line on stderr (see the module docs). Dropping it finishes it.
pub struct Bar {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<bool>>,
}

impl Bar {
    /// Whether a command should draw a bar: stderr is a terminal, and,
    /// when the command streams rows to stdout while it works, stdout is
    /// not one (the rows are the progress there).
    pub fn wanted(streams: bool) -> bool {
        std::io::stderr().is_terminal() && !(streams && std::io::stdout().is_terminal())
    }

    /// Count `total` `unit`s, drawing on stderr if `draw`; `interrupt` is
    /// watched to clear the line at once on Ctrl-C.
    pub fn start(total: u64, unit: &'static str, draw: bool, interrupt: &Interrupt) -> Bar {
        let shared = Arc::new(Shared {
            done: Arc::new(AtomicU64::new(0)),
            total,
            unit,
            finished: AtomicBool::new(false),
            interrupt: interrupt.clone(),
            start: Instant::now(),
        });
        let thread = draw.then(|| {
            let s = shared.clone();
            std::thread::Builder::new()
                .name("progress".into())
                .spawn(move || draw_loop(&s))
                .ok()
        });
        Bar {
            shared,
            thread: thread.flatten(),
        }
    }

    /// The counter the work moves (of `total`).
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.shared.done.clone()
    }

    /// Set the count done.
    pub fn set(&self, done: u64) {
        self.shared.done.store(done, Ordering::Relaxed);
    }

    /// The count done so far.
    pub fn done(&self) -> u64 {
        self.shared.done.load(Ordering::Relaxed)
    }

    /// Stop drawing and clear the line (if one was drawn). Idempotent.
    pub fn finish(&mut self) {
        self.shared.finished.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            if t.join().unwrap_or(false) {
                clear_line();
            }
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `\r`, erase to the end of the line.
fn clear_line() {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(b"\r\x1b[K");
    let _ = err.flush();
}

/// The bar's thread: redraws until finished; true if the line holds a bar
/// when it ends.
fn draw_loop(s: &Shared) -> bool {
    let mut drawn = false;
    let mut stopping: Option<Instant> = None;
    let mut noted = false;
    loop {
        std::thread::park_timeout(REDRAW);
        if s.finished.load(Ordering::Relaxed) {
            return drawn;
        }
        if s.interrupt.is_set() {
            // Ctrl-C: the line is cleared at once; a note if stopping drags.
            let since = *stopping.get_or_insert_with(Instant::now);
            if drawn && !noted {
                clear_line();
                drawn = false;
            }
            if !noted && since.elapsed() >= SLOW_STOP {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(
                    err,
                    "\r\x1b[Kdownhill: stopping after the work under way… (Ctrl-C again to quit now)"
                );
                let _ = err.flush();
                noted = true;
            }
            continue;
        }
        let elapsed = s.start.elapsed();
        if elapsed < QUIET {
            continue;
        }
        let line = render(s.done.load(Ordering::Relaxed), s.total, s.unit, elapsed);
        let width = terminal_width().unwrap_or(80).saturating_sub(1);
        let line: String = line.chars().take(width).collect();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        drawn = true;
    }
}

/// The terminal's width in columns, from stderr.
fn terminal_width() -> Option<usize> {
    crossterm::terminal::size()
        .ok()
        .map(|(w, _)| usize::from(w))
}

/// Cells of the bar itself.
const CELLS: usize = 24;

/// One progress line: `41% [##########--------------] 1,234,567/3,000,000
/// epochs · 12.3 M/s · 3 s left`.
pub fn render(done: u64, total: u64, unit: &str, elapsed: Duration) -> String {
    let done = done.min(total);
    let frac = if total == 0 {
        1.0
    } else {
        done as f64 / total as f64
    };
    let full = ((frac * CELLS as f64) as usize).min(CELLS);
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let left = if done == 0 || rate <= 0.0 {
        "?".to_string()
    } else {
        duration((total - done) as f64 / rate)
    };
    format!(
        "{:>3}% [{}{}] {}/{} {unit} · {}/s · {left} left",
        (frac * 100.0).floor() as u64,
        "#".repeat(full),
        "-".repeat(CELLS - full),
        grouped(done),
        grouped(total),
        si(rate),
    )
}

/// A rate in three significant digits with k, M or G.
fn si(v: f64) -> String {
    let (v, suffix) = if v >= 1e9 {
        (v / 1e9, " G")
    } else if v >= 1e6 {
        (v / 1e6, " M")
    } else if v >= 1e3 {
        (v / 1e3, " k")
    } else {
        (v, " ")
    };
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.digits$}{suffix}").trim_end().to_string()
}

/// Seconds as `42 s`, `3 min 05 s`, `2 h 07 min`, `3 d 4 h`.
fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    let s = secs.ceil() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        3600..86400 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86400, s % 86400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_well() {
        let l = render(1_234_567, 3_000_000, "epochs", Duration::from_millis(100));
        assert_eq!(
            l,
            " 41% [#########---------------] 1,234,567/3,000,000 epochs · 12.3 M/s · 1 s left"
        );
        let l = render(0, 10, "points", Duration::from_secs(2));
        assert!(
            l.starts_with("  0% [------------------------] 0/10 points"),
            "{l}"
        );
        assert!(l.ends_with("? left"), "{l}");
        let l = render(10, 10, "points", Duration::from_secs(2));
        assert!(
            l.starts_with("100% [########################] 10/10"),
            "{l}"
        );
        assert!(render(5, 0, "epochs", Duration::from_secs(1)).starts_with("100%"));
    }

    #[test]
    fn durations_and_rates() {
        assert_eq!(duration(0.2), "1 s");
        assert_eq!(duration(59.0), "59 s");
        assert_eq!(duration(65.0), "1 min 05 s");
        assert_eq!(duration(7300.0), "2 h 01 min");
        assert_eq!(duration(3.0 * 86400.0 + 4.0 * 3600.0), "3 d 4 h");
        assert_eq!(duration(f64::INFINITY), "?");
        assert_eq!(si(12_345_678.0), "12.3 M");
        assert_eq!(si(950.0), "950");
        assert_eq!(si(1.5), "1.50");
        assert_eq!(si(2.5e9), "2.50 G");
    }
}
