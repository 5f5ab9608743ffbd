//! The local terminal driver: terminal set-up and restore, and the inputs
//! of the process's own terminal (crossterm's `EventStream` for keys and
//! resizes; SIGINT, SIGTERM and SIGHUP) fed to a [`session`].
//!
//! This is the only module that touches the process's own terminal.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, MouseButton, MouseEventKind};
use crossterm::{cursor, execute, terminal};
use futures_util::StreamExt;
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::Sender;

use crate::app::{Charset, ColorDepth, Entry, Model, load_entries};
use crate::session::{self, DashboardArgs, Exit, Input};

/// Watch the scenario files and directories; after a burst of changes has
/// been quiet for [`DEBOUNCE`], read the list again and send it to the
/// session as [`Input::Rescan`] — only when it differs from the list the
/// session has (`loaded`). Only changes to scenario files wake it (reads,
/// and other files in a watched directory, do not), so that a paused
/// dashboard stays silent whatever else happens in its directory. Nothing
/// is watched for the bundled scenarios. The watcher lives as long as the
/// returned value.
pub fn watch(
    paths: &[PathBuf],
    loaded: &[Entry],
    tx: tokio::sync::mpsc::Sender<Input>,
) -> Option<RecommendedWatcher> {
    if paths.is_empty() {
        return None;
    }
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::unbounded_channel();
    let named: Vec<std::ffi::OsString> = paths
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
        .collect();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && concerns_scenarios(&ev, &named)
        {
            let _ = ev_tx.send(());
        }
    })
    .ok()?;
    for p in paths {
        let target = if p.is_dir() {
            p.clone()
        } else {
            match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            }
        };
        let _ = watcher.watch(&target, RecursiveMode::NonRecursive);
    }
    let paths = paths.to_vec();
    let mut last = signature(loaded);
    tokio::spawn(async move {
        while ev_rx.recv().await.is_some() {
            loop {
                match tokio::time::timeout(DEBOUNCE, ev_rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let p = paths.clone();
            let Ok(entries) = tokio::task::spawn_blocking(move || load_entries(&p)).await else {
                return;
            };
            let now = signature(&entries);
            if now == last {
                continue;
            }
            last = now;
            if tx.send(Input::Rescan(entries)).await.is_err() {
                return;
            }
        }
    });
    Some(watcher)
}

/// Whether a file event can change the scenario list: a change (not a
/// read) to a `*.toml` file or to a path named on the command line.
fn concerns_scenarios(ev: &notify::Event, named: &[std::ffi::OsString]) -> bool {
    use notify::EventKind;
    if matches!(ev.kind, EventKind::Access(_)) {
        return false;
    }
    ev.paths.iter().any(|p| {
        p.extension().is_some_and(|x| x == "toml")
            || p.file_name().is_some_and(|n| named.iter().any(|m| m == n))
    })
}

/// What a reload compares: each entry's file, its time and its error.
fn signature(entries: &[Entry]) -> Vec<(String, Option<std::time::SystemTime>, Option<String>)> {
    entries
        .iter()
        .map(|e| {
            let err = e.scenario.as_ref().err().map(|x| x.to_string());
            (e.label.clone(), e.modified, err)
        })
        .collect()
}

/// Quiet time after the last file event before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// Open the dashboard; returns the process exit code.
pub fn main(paths: &[PathBuf], args: &DashboardArgs) -> ExitCode {
    let entries = load_entries(paths);
    if entries.is_empty() {
        say!("downhill: no scenario files found (directories are searched for *.toml)");
        return ExitCode::from(1);
    }
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        say!(
            "downhill: the dashboard needs a terminal; for scripts use `downhill run FILE --format json`"
        );
        return ExitCode::from(1);
    }
    let mut model = Model::new(entries);
    model.export_dir = Some(args.export_dir.clone());
    model.watching = !paths.is_empty();
    let var = |k: &str| std::env::var(k).ok();
    model.color = ColorDepth::detect(
        var("NO_COLOR").as_deref(),
        var("COLORTERM").as_deref(),
        var("TERM").as_deref(),
    );
    model.charset = Charset::detect(var("TERM").as_deref());

    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say!("downhill: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let mut term = match init(!args.no_mouse) {
        Ok(t) => t,
        Err(e) => {
            restore();
            say!("downhill: cannot set up the terminal: {e}");
            return ExitCode::from(1);
        }
    };
    // Fault injection for the end-to-end tests (see tests/it/pty.rs).
    match std::env::var("DOWNHILL_FAULT").as_deref() {
        Ok("engine") => {
            crate::engine::PANIC_ON_STEP.store(true, std::sync::atomic::Ordering::Relaxed)
        }
        Ok("ui") => panic!("injected UI fault (DOWNHILL_FAULT=ui)"),
        _ => {}
    }
    let result = rt.block_on(async {
        let (tx, input) = tokio::sync::mpsc::channel(256);
        spawn_input(tx.clone())?;
        let _watcher = watch(paths, &model.entries, tx);
        session::run(&mut term, input, model, args.fps, None).await
    });
    restore();
    rt.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(sig)) => ExitCode::from((128 + sig) as u8),
        Ok(Exit::Closed) => ExitCode::from(129),
        Ok(Exit::Timeout) => ExitCode::from(1),
        Err(e) => {
            say!("downhill: terminal error: {e}");
            ExitCode::from(1)
        }
    }
}

type Term = Terminal<CrosstermBackend<io::Stdout>>;

fn init(mouse: bool) -> io::Result<Term> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
    if mouse {
        let mut out = io::stdout();
        out.write_all(session::MOUSE_ON.as_bytes())?;
        out.flush()?;
    }
    Terminal::new(CrosstermBackend::new(io::stdout()))
}

/// Leave the terminal as we found it: mouse reports off, raw mode off, main
/// screen, cursor shown.
pub fn restore() {
    let mut out = io::stdout();
    let _ = out.write_all(session::MOUSE_OFF.as_bytes());
    let _ = terminal::disable_raw_mode();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
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
fn spawn_input(tx: Sender<Input>) -> io::Result<()> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        let mut keys = EventStream::new();
        loop {
            let msg = tokio::select! {
                ev = keys.next() => match ev {
                    Some(Ok(TermEvent::Key(k))) => Input::Key(k),
                    Some(Ok(TermEvent::Mouse(m)))
                        if m.kind == MouseEventKind::Down(MouseButton::Left) =>
                    {
                        Input::Click(m.column, m.row)
                    }
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
    Ok(())
}
