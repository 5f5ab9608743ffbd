//! One dashboard over one SSH channel: the driver that turns the client's
//! bytes, window changes and the clock into session [`Input`]s, and the
//! supervisor that runs the shared [`session::run`] loop in its own task,
//! then restores the client's terminal and closes the channel, whatever
//! happened (a panic included).
//!
//! ```text
//!  Conn (russh handler) ─FromClient─▶ drive ─Input─▶ session::run ─▶ SshBackend ─▶ pump ─▶ channel
//!                                      │  keys and left clicks (KeyParser, 30 ms Esc wait)
//!                                      │  idle timer (reset by input bytes only), session timer
//!                                      └  repaint requests from the output (dropped frames)
//! ```

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crossterm::{cursor, queue, style, terminal};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

use super::env::ClientEnv;
use super::input::{ESC_WAIT, KeyParser};

use super::output::{self, Output, SshBackend, Stats};
use super::record::{RecordTo, Recorder};
use super::stream::Kill;
use super::{Log, Slot, fmt_duration};
use crate::app::class::Role;
use crate::app::{Charset, Entry, Model};
use crate::session::class::Member;
use crate::session::{self, Exit, Input};

/// How long closing a channel may take before the connection is cut.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What the connection handler forwards to a running dashboard.
#[derive(Debug)]
pub enum FromClient {
    Data(Vec<u8>),
    /// Already clamped.
    Resize(u16, u16),
}

/// Why a dashboard ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Quit,
    /// The client closed the channel or went away.
    Closed,
    Idle(Duration),
    TimeLimit(Duration),
    Shutdown,
    /// The dashboard task panicked.
    Crashed(String),
    /// Writing to the terminal failed.
    Error(String),
}

impl Ending {
    /// The line shown to the client after its terminal is restored.
    pub fn message(&self) -> Option<String> {
        match self {
            Ending::Quit | Ending::Closed => None,
            Ending::Idle(d) => Some(format!(
                "downhill: no key pressed for {}, so this session was closed. Reconnect any time.",
                fmt_duration(*d)
            )),
            Ending::TimeLimit(d) => Some(format!(
                "downhill: sessions last at most {}; reconnect to start a new one.",
                fmt_duration(*d)
            )),
            Ending::Shutdown => Some("downhill: the server is shutting down.".into()),
            Ending::Crashed(m) => Some(format!(
                "downhill: this dashboard hit an internal error and was closed \
                 (other sessions are unaffected): {}",
                crate::text::clean_text(m)
            )),
            Ending::Error(m) => Some(format!("downhill: {}", crate::text::clean_text(m))),
        }
    }

    /// The exit status sent to the client.
    pub fn status(&self) -> u32 {
        match self {
            Ending::Crashed(_) | Ending::Error(_) => 1,
            _ => 0,
        }
    }

    fn label(&self) -> String {
        match self {
            Ending::Quit => "quit".into(),
            Ending::Closed => "client closed".into(),
            Ending::Idle(_) => "idle timeout".into(),
            Ending::TimeLimit(_) => "session time limit".into(),
            Ending::Shutdown => "server shutdown".into(),
            Ending::Crashed(m) => format!("CRASHED: {m}"),
            Ending::Error(m) => format!("error: {m}"),
        }
    }
}

/// Everything one dashboard needs.
pub struct Spec {
    pub handle: Handle,
    pub channel: ChannelId,
    /// `(cols, rows)`, already clamped.
    pub size: (u16, u16),
    /// The client's `TERM`, for its colours and characters.
    pub term: Option<String>,
    /// The colour variables the client sent (`COLORTERM`, `NO_COLOR`).
    pub env: ClientEnv,
    pub from_client: mpsc::Receiver<FromClient>,
    pub entries: Vec<Entry>,
    pub fps: u32,
    pub idle: Option<Duration>,
    pub max: Option<Duration>,
    pub shutdown: watch::Receiver<bool>,
    /// Cuts the connection if closing the channel hangs.
    pub kill: Arc<Kill>,
    pub log: Log,
    /// Who, for the log.
    pub who: String,
    pub stats: Arc<Stats>,
    /// Ask the client's terminal for mouse clicks (`--no-mouse` unsets it).
    pub mouse: bool,
    /// Record what the client is sent (`--record`), here.
    pub record: Option<RecordTo>,
    /// See [`super::Config::crash_key`].
    pub crash_key: Option<u8>,
    /// Its part in the class, and its link to the others (`None`: no class).
    pub role: Role,
    pub member: Option<Member>,
}

/// Run a dashboard to its end, then restore the client's terminal, say why
/// it ended, send the exit status and close the channel. `slot` is held
/// until then.
pub async fn supervise(spec: Spec, slot: Slot) {
    let Spec {
        handle,
        channel,
        size: (cols, rows),
        term,
        env,
        from_client,
        entries,
        fps,
        idle,
        max,
        shutdown,
        kill,
        log,
        who,
        stats,
        mouse,
        record,
        crash_key,
        role,
        member,
    } = spec;
    let started = Instant::now();
    log.line(format_args!("{who}: dashboard started ({cols}x{rows})"));
    stats
        .sessions_started
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out = Output::with_totals(cols, rows, stats);
    let record = record.map(|to| Recorder::start(&to, (cols, rows), term.as_deref(), &who, log));
    let pump = tokio::spawn(output::pump(out.clone(), handle.clone(), channel, record));
    let (in_tx, in_rx) = mpsc::channel(64);
    let driver = tokio::spawn(drive(
        from_client,
        in_tx,
        out.clone(),
        Limits { idle, max },
        shutdown,
        KeyParser::with_mouse(mouse),
        crash_key,
    ));
    let mut model = Model::new(entries);
    model.color = env.color(term.as_deref());
    model.charset = Charset::detect(term.as_deref());
    model.class.role = role;
    let dash = tokio::spawn(run_dashboard(model, fps, mouse, out.clone(), in_rx, member));

    let result = dash.await;
    // A driver that stopped the session returns right after saying so.
    let mut driver = driver;
    let stopped_by = match &result {
        Ok(Ok(Exit::Timeout | Exit::Closed)) => {
            tokio::time::timeout(Duration::from_secs(1), &mut driver)
                .await
                .ok()
                .and_then(Result::ok)
        }
        _ => None,
    };
    driver.abort();
    let ending = match result {
        Ok(Ok(Exit::Quit)) => Ending::Quit,
        Ok(Ok(_)) => stopped_by.unwrap_or(Ending::Closed),
        Ok(Err(e)) => Ending::Error(format!("terminal error: {e}")),
        Err(e) if e.is_panic() => Ending::Crashed(session::panic_text(e.into_panic().as_ref())),
        Err(_) => Ending::Crashed("cancelled".into()),
    };
    // The dashboard's writer is gone (dropped with its task, even by a
    // panic), so the pump sends what is queued and stops.
    out.close();
    let mut record = None;
    let finish = async {
        record = pump.await.ok().flatten();
        let restore = restore_bytes(&ending);
        if handle.data(channel, restore.clone()).await.is_ok()
            && let Some(r) = &mut record
        {
            r.output(out.size(), restore);
        }
        let _ = handle.exit_status_request(channel, ending.status()).await;
        let _ = handle.eof(channel).await;
        let _ = handle.close(channel).await;
    };
    if tokio::time::timeout(CLOSE_GRACE, finish).await.is_err() {
        kill.kill();
    } else {
        // A connection has one dashboard: a client that stays connected
        // after it is cut a little later.
        tokio::spawn(async move {
            tokio::time::sleep(CLOSE_GRACE).await;
            kill.kill();
        });
    }
    if let Some(r) = record {
        r.finish().await;
    }
    let sent = out.bytes_sent.load(std::sync::atomic::Ordering::Relaxed);
    let dropped = out
        .frames_dropped
        .load(std::sync::atomic::Ordering::Relaxed);
    let skipped = out
        .frames_skipped
        .load(std::sync::atomic::Ordering::Relaxed);
    log.line(format_args!(
        "{who}: dashboard ended ({}) after {}, {sent} bytes sent, \
         {skipped} frames not drawn (client not reading), {dropped} dropped",
        ending.label(),
        fmt_duration(Duration::from_secs(started.elapsed().as_secs())),
    ));
    drop(slot);
}

/// Leave the dashboard: end any half-sent frame, no more mouse reports,
/// reset colours, show the cursor, back to the main screen, then the reason.
fn restore_bytes(ending: &Ending) -> Vec<u8> {
    let mut b = session::MOUSE_OFF.as_bytes().to_vec();
    let _ = queue!(
        b,
        terminal::EndSynchronizedUpdate,
        style::ResetColor,
        style::SetAttribute(style::Attribute::Reset),
        cursor::Show,
        terminal::LeaveAlternateScreen
    );
    if let Some(msg) = ending.message() {
        let _ = write!(b, "{msg}\r\n");
    }
    b
}

/// The dashboard itself: a session on a terminal over the channel.
async fn run_dashboard(
    model: Model,
    fps: u32,
    mouse: bool,
    out: Arc<Output>,
    inputs: mpsc::Receiver<Input>,
    member: Option<Member>,
) -> std::io::Result<Exit> {
    let (cols, rows) = out.size();
    let mut term = Terminal::with_options(
        SshBackend::new(out),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, cols, rows)),
        },
    )?;
    let backend = term.backend_mut();
    queue!(
        backend,
        terminal::EnterAlternateScreen,
        cursor::Hide,
        terminal::Clear(terminal::ClearType::All)
    )?;
    if mouse {
        backend.write_all(session::MOUSE_ON.as_bytes())?;
    }
    Write::flush(backend)?;
    session::run(&mut term, inputs, model, fps, member).await
}

/// A dashboard's time limits.
struct Limits {
    idle: Option<Duration>,
    max: Option<Duration>,
}

/// Turn the client's bytes, resizes and the clock into session inputs.
/// Returns why it stopped the session (dropping `to_session` when the client
/// went away ends the session too).
async fn drive(
    mut from_client: mpsc::Receiver<FromClient>,
    to_session: mpsc::Sender<Input>,
    out: Arc<Output>,
    Limits { idle, max }: Limits,
    mut shutdown: watch::Receiver<bool>,
    mut parser: KeyParser,
    crash_key: Option<u8>,
) -> Ending {
    let start = Instant::now();
    let far = start + Duration::from_secs(10 * 365 * 86_400);
    let max_at = max.and_then(|d| start.checked_add(d)).unwrap_or(far);
    let mut last_input = start;
    let mut esc_at: Option<Instant> = None;
    let mut keys = Vec::new();
    loop {
        let idle_at = idle.and_then(|d| last_input.checked_add(d)).unwrap_or(far);
        let mut input = None;
        tokio::select! {
            msg = from_client.recv() => match msg {
                Some(FromClient::Data(bytes)) => {
                    last_input = Instant::now();
                    if crash_key.is_some_and(|k| bytes.contains(&k)) {
                        out.crash.store(true, std::sync::atomic::Ordering::Relaxed);
                        let (c, r) = out.size();
                        input = Some(Input::Resize(c, r));
                    }
                    parser.feed(&bytes, &mut keys);
                    esc_at = parser.pending().then(|| Instant::now() + ESC_WAIT);
                }
                Some(FromClient::Resize(c, r)) => {
                    out.set_size(c, r);
                    input = Some(Input::Resize(c, r));
                }
                None => return Ending::Closed,
            },
            _ = sleep_until(esc_at.unwrap_or(far)), if esc_at.is_some() => {
                parser.flush(&mut keys);
                esc_at = None;
            }
            _ = out.repaint.notified() => {
                let (c, r) = out.size();
                input = Some(Input::Resize(c, r));
            }
            _ = sleep_until(idle_at), if idle.is_some() => {
                let _ = to_session.send(Input::Stop(Exit::Timeout)).await;
                return Ending::Idle(idle.unwrap_or_default());
            }
            _ = sleep_until(max_at), if max.is_some() => {
                let _ = to_session.send(Input::Stop(Exit::Timeout)).await;
                return Ending::TimeLimit(max.unwrap_or_default());
            }
            _ = super::stopping(&mut shutdown) => {
                let _ = to_session.send(Input::Stop(Exit::Closed)).await;
                return Ending::Shutdown;
            }
        }
        // Keys and clicks the session has no room for are dropped: the
        // driver never waits on them, so its timers and the client's
        // leaving are seen however much is typed (the session limits their
        // rate too).
        for k in keys.drain(..) {
            if let Err(mpsc::error::TrySendError::Closed(_)) = to_session.try_send(k) {
                return Ending::Quit;
            }
        }
        if let Some(i) = input
            && to_session.send(i).await.is_err()
        {
            // The session ended on its own (quit); the supervisor knows.
            return Ending::Quit;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_explain_themselves() {
        assert_eq!(Ending::Quit.message(), None);
        let idle = Ending::Idle(Duration::from_secs(900)).message().unwrap();
        assert!(idle.contains("15m"), "{idle}");
        assert!(
            Ending::TimeLimit(Duration::from_secs(7200))
                .message()
                .unwrap()
                .contains("2h")
        );
        let crash = Ending::Crashed("boom\x1b[2J".into()).message().unwrap();
        assert!(crash.contains("boom") && !crash.contains('\x1b'), "{crash}");
        assert_eq!(Ending::Crashed("x".into()).status(), 1);
        assert_eq!(Ending::Idle(Duration::ZERO).status(), 0);
    }

    #[test]
    fn restoring_leaves_the_alternate_screen_and_shows_the_cursor() {
        let b = String::from_utf8(restore_bytes(&Ending::Shutdown)).unwrap();
        assert!(b.contains("\x1b[?1049l"), "{b:?}");
        assert!(b.contains("\x1b[?25h"), "{b:?}");
        assert!(b.contains(session::MOUSE_OFF), "{b:?}");
        assert!(b.ends_with("shutting down.\r\n"), "{b:?}");
    }
}
