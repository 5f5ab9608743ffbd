//! The headless commands: `run`, `check`, `list`, `sweep`. Each loads what
//! it is given, asks [`crate::report`] for the text and returns the exit
//! code: 0 ok, 1 bad input or a failed write (the message on stderr). Every
//! number printed is the core's own, with full f64 precision where the
//! format is for machines.
//!
//! Output goes through [`to_stdout`]: a closed stdout (`| head`) is the
//! reader's choice and ends the command quietly with 0; any other write
//! error (a full disk) is a message and 1. Nothing here panics on a write,
//! to stdout or stderr.
//!
//! `run` and `sweep` show a progress bar on stderr when it is a terminal and
//! the work takes over a second, and stop cleanly on Ctrl-C
//! ([`progress`]): they print what they have (runs as far as they got,
//! their status `running`; the points computed so far), say on stderr how
//! far they got, and exit with 130. A second Ctrl-C quits at once (130).

pub mod progress;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use crate::report;
use crate::scenario::{self, Scenario, bundled};
use crate::text::num::grouped;
use crate::text::printable;
use progress::{Bar, INTERRUPTED, Interrupt};

/// Output formats of `downhill run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// A human summary, one line per run.
    Table,
    /// One row per run per epoch, with a header.
    Csv,
    /// One JSON object with every run's final state.
    Json,
}

/// Output formats of `downhill sweep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepFormat {
    /// A human summary: the grid, and where its runs ended.
    Table,
    /// One row per grid point, with a header.
    Csv,
    /// One JSON object with every grid point.
    Json,
}

/// The commands' stdout: buffered and locked.
pub type Stdout = io::BufWriter<io::StdoutLock<'static>>;

/// Run `write` on a buffered, locked stdout and turn the outcome into an
/// exit code: a closed pipe is success, any other error a message and 1.
pub fn to_stdout(write: impl FnOnce(&mut Stdout) -> io::Result<()>) -> ExitCode {
    let mut out = io::BufWriter::new(io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say!("downhill: cannot write output: {e}");
            ExitCode::from(1)
        }
    }
}

/// Load the scenario a command names, or say why not (exit 1).
fn load(file: &Path) -> Result<Scenario, ExitCode> {
    scenario::resolve(file).map_err(|e| {
        say!("{e}");
        ExitCode::from(1)
    })
}

/// `downhill run FILE --format …`
pub fn run(file: &Path, format: RunFormat) -> ExitCode {
    let sc = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let stop = Interrupt::install();
    // CSV streams its rows while it runs; the others print at the end.
    let streams = format == RunFormat::Csv;
    let mut bar = Bar::start(sc.epochs, "epochs", Bar::wanted(streams), &stop);
    let mut stopped = false;
    let mut go_on = |epoch| {
        bar.set(epoch);
        stopped = stop.is_set();
        !stopped
    };
    let code = match format {
        RunFormat::Csv => to_stdout(|out| report::run::write_csv_until(out, &sc, &mut go_on)),
        RunFormat::Json | RunFormat::Table => {
            let race = report::run::finish_until(&sc, &mut go_on);
            bar.finish();
            to_stdout(|out| match format {
                RunFormat::Table => report::run::write_table(out, &sc, &race),
                _ => report::run::write_race_json(out, &sc, &race),
            })
        }
    };
    bar.finish();
    if stopped {
        say!(
            "downhill: interrupted at epoch {} of {} (Ctrl-C); the output is of that epoch",
            grouped(bar.done()),
            grouped(sc.epochs)
        );
        return ExitCode::from(INTERRUPTED);
    }
    code
}

/// `downhill sweep FILE --format …`
pub fn sweep(file: &Path, format: SweepFormat) -> ExitCode {
    let sc = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Points are computed a chunk at a time and written as they come: a
    // grid of any size streams in the memory of one chunk.
    let points = match crate::sweep::stream(&sc) {
        Ok(p) => p,
        Err(e) => {
            say!("{e}");
            return ExitCode::from(1);
        }
    };
    let (axes, total) = (points.axes().to_vec(), points.total());
    let stop = Interrupt::install();
    // The table prints its summary at the end; CSV and JSON stream.
    let streams = format != SweepFormat::Table;
    let mut bar = Bar::start(total as u64, "points", Bar::wanted(streams), &stop);
    let points = points.watched(crate::sweep::Watch {
        done: bar.counter(),
        stop: stop.flag(),
        // The end-to-end tests' stand-in for work that cannot stop soon.
        finish_chunks: std::env::var("DOWNHILL_FAULT").as_deref() == Ok("slow-stop"),
    });
    let points = Finishing {
        points,
        bar: &mut bar,
    };
    let code = to_stdout(|out| match format {
        SweepFormat::Json => report::sweep::write_json(out, &sc, &axes, points),
        SweepFormat::Csv => report::sweep::write_csv(out, &sc, &axes, points),
        SweepFormat::Table => report::sweep::write_table(out, &sc, &axes, total, points),
    });
    bar.finish();
    if stop.is_set() && bar.done() < total as u64 {
        say!(
            "downhill: interrupted after {} of {} points (Ctrl-C); the output holds those points",
            grouped(bar.done()),
            grouped(total as u64)
        );
        return ExitCode::from(INTERRUPTED);
    }
    code
}

/// Points that finish the bar (clearing its line) once they run out, before
/// whatever the writer prints after the last point.
struct Finishing<'b, I> {
    points: I,
    bar: &'b mut Bar,
}

impl<I: Iterator> Iterator for Finishing<'_, I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let p = self.points.next();
        if p.is_none() {
            self.bar.finish();
        }
        p
    }
}

/// `downhill check PATH…`: one line per file (ok lines on stdout, errors on
/// stderr); 1 if any file is bad or none was found.
pub fn check(paths: &[PathBuf]) -> ExitCode {
    let mut bad = 0usize;
    let mut seen = 0usize;
    let written = to_stdout(|out| {
        for entry in scenario::expand_paths(paths) {
            seen += 1;
            match entry.and_then(|p| scenario::load_file(&p).map(|s| (p, s))) {
                Ok((p, s)) => writeln!(
                    out,
                    "ok  {}  {} ({} variable{}, {} run{}{}, {} epochs)",
                    printable(&p.display().to_string()),
                    s.title,
                    s.dim(),
                    if s.dim() == 1 { "" } else { "s" },
                    s.runs.len(),
                    if s.runs.len() == 1 { "" } else { "s" },
                    starts_note(&s),
                    s.epochs
                )?,
                Err(e) => {
                    bad += 1;
                    // Errors go out in order with the ok lines.
                    out.flush()?;
                    say!("{e}");
                }
            }
        }
        Ok(())
    });
    if written != ExitCode::SUCCESS {
        return written;
    }
    if seen == 0 {
        say!("downhill check: no scenario files found (directories are searched for *.toml)");
        return ExitCode::from(1);
    }
    if bad > 0 {
        say!("{bad} of {seen} scenario files have errors");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// ` × 24 starts` for a many-start scenario, else nothing.
fn starts_note(s: &Scenario) -> String {
    s.starts.map_or(String::new(), |n| format!(" × {n} starts"))
}

/// `downhill list`
pub fn list() -> ExitCode {
    let width = bundled::ALL.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    to_stdout(|out| {
        for (r, (name, _)) in bundled::load_all().into_iter().zip(bundled::ALL) {
            match r {
                Ok(s) => writeln!(
                    out,
                    "{name:<width$}  {}D  {} runs{}  {}",
                    s.dim(),
                    s.runs.len(),
                    starts_note(&s),
                    s.title
                )?,
                Err(e) => writeln!(out, "{name:<width$}  error: {e}")?,
            }
        }
        Ok(())
    })
}
