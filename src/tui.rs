//! The local terminal driver: terminal set-up and restore, and the inputs
//! of the process's own terminal (crossterm's `EventStream` for keys and
//! resizes; SIGINT, SIGTERM and SIGHUP) fed to a [`session`].
//!
//! This is the only module that touches the process's own terminal.

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use crossterm::{cursor, execute, terminal};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::Receiver;

use crate::app::{ColorDepth, Entry, Model};
use crate::cli::DashboardArgs;
use crate::scenario::{self, bundled};
use crate::session::{self, Exit, Input};

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
    let var = |k: &str| std::env::var(k).ok();
    model.color = ColorDepth::detect(
        var("NO_COLOR").as_deref(),
        var("COLORTERM").as_deref(),
        var("TERM").as_deref(),
    );

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
    let result = rt.block_on(async {
        let input = spawn_input()?;
        session::run(&mut term, input, model, args.fps).await
    });
    restore();
    rt.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(sig)) => ExitCode::from((128 + sig) as u8),
        Ok(Exit::Closed) => ExitCode::from(129),
        Ok(Exit::Timeout) => ExitCode::from(1),
        Err(e) => {
            eprintln!("downhill: terminal error: {e}");
            ExitCode::from(1)
        }
    }
}

type Term = Terminal<CrosstermBackend<io::Stdout>>;

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
/// printed. A panic elsewhere (the engine) is not printed, since that would
/// scribble over the screen: the session shows its message instead.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            restore();
            previous(info);
        }
    }));
}

/// Keys, resizes and signals of the process's own terminal, as session
/// inputs.
fn spawn_input() -> io::Result<Receiver<Input>> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    tokio::spawn(async move {
        let mut keys = EventStream::new();
        loop {
            let msg = tokio::select! {
                ev = keys.next() => match ev {
                    Some(Ok(TermEvent::Key(k))) => Input::Key(k),
                    Some(Ok(TermEvent::Resize(w, h))) => Input::Resize(w, h),
                    Some(Ok(_)) => continue,
                    // The terminal is gone (e.g. the SSH connection dropped).
                    Some(Err(_)) | None => Input::Stop(Exit::Closed),
                },
                _ = sigint.recv() => Input::Stop(Exit::Signal(2)),
                _ = sigterm.recv() => Input::Stop(Exit::Signal(15)),
                _ = sighup.recv() => Input::Stop(Exit::Signal(1)),
            };
            let stop = matches!(msg, Input::Stop(_));
            if tx.send(msg).await.is_err() || stop {
                return;
            }
        }
    });
    Ok(rx)
}
