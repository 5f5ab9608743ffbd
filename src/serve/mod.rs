//! `downhill serve`: the dashboard over SSH, one independent dashboard per
//! connection, for clients that have nothing but OpenSSH.
//!
//! ```text
//!  TcpListener ─accept─▶ limits::connect (per-address / pre-login / total caps; a silent
//!      │                   connection gives way to a newcomer; else a one-line refusal)
//!      └─▶ conn::serve_connection ── russh over stream::Killable (Ed25519/ECDSA host key;
//!             │  public-key or `--open` login; key exchange started within 10 s)
//!             │  Conn handler: one session channel, pty-req, env (COLORTERM, NO_COLOR) and
//!             │  shell only; everything else refused
//!             └─▶ shell ─▶ limits::session ─▶ dashboard::supervise (own task)
//!                    drive: bytes → keys and clicks, window-change → resize, idle / time limits
//!                    session::run (own Model, own engine task) on a fixed-viewport terminal
//!                    output: whole frames, bounded queue, dropped frames → full repaint
//!                    record (--record): what was sent, to an asciicast file, off the pump
//! ```
//!
//! The scenarios are loaded once ([`Config::entries`]); each dashboard gets
//! clones of the entries, which share the parsed scenarios (`Arc`). Text from
//! scenario files is cleaned of control characters before any client sees
//! it ([`sanitize`]).
//!
//! Why a dashboard task per session: a panic in one dashboard is caught at
//! its `JoinHandle` (the client gets a message and its channel is closed),
//! and a slow client only ever blocks its own pump. Why [`output::SshBackend`]:
//! ratatui's crossterm backend asks the process's own terminal for its size
//! when it clears a fixed viewport; a session must use its client's size.

mod command;
mod conn;
mod dashboard;
pub mod env;
pub mod input;
pub mod keys;
pub mod limits;
pub mod output;
pub mod record;
mod stream;

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::{PrivateKey, PublicKey};
use russh::{MethodKind, MethodSet, SshId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::Entry;
use crate::text::clean_text;
pub use command::{ServeArgs, fmt_duration, main, parse_duration};
use limits::Limits;
pub use output::Stats;

/// Widest terminal a client gets (wider claims are clamped).
pub const MAX_COLS: u16 = 500;
/// Tallest terminal a client gets.
pub const MAX_ROWS: u16 = 200;

/// Who may log in.
#[derive(Debug, Clone)]
pub enum Access {
    /// Anyone, with any user name and no authentication.
    Open,
    /// Holders of these keys (public-key authentication only).
    Keys(Vec<PublicKey>),
}

/// A server's settings. [`Config::new`] has the command line's defaults.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub host_key: PrivateKey,
    pub access: Access,
    /// The scenarios every dashboard shows (see [`crate::app::load_entries`]).
    pub entries: Vec<Entry>,
    pub fps: u32,
    pub max_sessions: usize,
    pub max_per_ip: usize,
    /// Close a dashboard after this long without a key press (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// Close a dashboard this long after it started (`None`: never).
    pub max_session: Option<Duration>,
    /// Cut a connection that has not started a dashboard after this long.
    pub login_timeout: Duration,
    /// Cut a connection that has not started the SSH key exchange after
    /// this long (at most `login_timeout`).
    pub kex_timeout: Duration,
    /// How long a failed authentication takes (against guessing).
    pub auth_rejection_time: Duration,
    /// Log connections and sessions on stderr.
    pub log: bool,
    /// Ask clients' terminals for mouse clicks (`--no-mouse` turns it off).
    pub mouse: bool,
    /// Record sessions here (`--record`; which ones: [`record::records`]).
    pub record: Option<record::RecordTo>,
    /// Testing only (no command-line flag): this key makes a dashboard
    /// panic, to check that a panic stays in its session.
    #[doc(hidden)]
    pub crash_key: Option<u8>,
    /// A class (`--teacher-keys`): holders of these keys teach (they are let
    /// in whatever `access` says); everyone else admitted follows.
    pub teachers: Option<Vec<PublicKey>>,
    /// With a class: the user `watch` gets a read-only view without a key.
    pub spectators: bool,
    /// Most spectators at once.
    pub max_spectators: usize,
}

impl Config {
    /// The defaults of `downhill serve`, on 127.0.0.1:2222.
    pub fn new(host_key: PrivateKey, access: Access, entries: Vec<Entry>) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 2222)),
            host_key,
            access,
            entries,
            fps: 30,
            max_sessions: 50,
            max_per_ip: 8,
            idle_timeout: Some(Duration::from_secs(15 * 60)),
            max_session: Some(Duration::from_secs(2 * 3600)),
            login_timeout: Duration::from_secs(60),
            kex_timeout: conn::KEX_START,
            auth_rejection_time: Duration::from_secs(1),
            log: false,
            mouse: true,
            record: None,
            crash_key: None,
            teachers: None,
            spectators: false,
            max_spectators: 100,
        }
    }
}

/// Logging on stderr, when enabled.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    enabled: bool,
}

impl Log {
    pub fn line(&self, args: fmt::Arguments<'_>) {
        if self.enabled {
            say!("downhill serve: {args}");
        }
    }
}

/// What every connection of a server shares.
pub(crate) struct Shared {
    russh: Arc<russh::server::Config>,
    access: Access,
    entries: Vec<Entry>,
    fps: u32,
    idle_timeout: Option<Duration>,
    max_session: Option<Duration>,
    login_timeout: Duration,
    kex_timeout: Duration,
    limits: Arc<Limits>,
    shutdown: watch::Receiver<bool>,
    log: Log,
    stats: Arc<Stats>,
    mouse: bool,
    record: Option<record::RecordTo>,
    crash_key: Option<u8>,
    /// The class, when there is one: its hub and who teaches.
    class: Option<Class>,
}

/// A spectator's seat, given back when dropped.
pub(crate) struct Seat(Arc<std::sync::atomic::AtomicUsize>);

impl Seat {
    /// A seat, if the class has one free.
    fn take(class: &Class) -> Option<Seat> {
        use std::sync::atomic::Ordering;
        class
            .watching
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < class.max_spectators).then_some(n + 1)
            })
            .ok()
            .map(|_| Seat(class.watching.clone()))
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// What a running dashboard holds (until it ends: dropping gives it back):
/// a dashboard's slot, or a spectator's seat (spectators have a cap of
/// their own).
#[allow(dead_code, reason = "held for its drop")]
pub(crate) enum Slot {
    Dashboard(limits::SessionSlot),
    Spectator(Seat),
}

/// A class on a server.
pub(crate) struct Class {
    hub: Arc<crate::session::class::Hub>,
    teachers: Vec<PublicKey>,
    spectators: bool,
    max_spectators: usize,
    /// Spectators now.
    watching: Arc<std::sync::atomic::AtomicUsize>,
}

/// A running server. Dropping it shuts the server down, like
/// [`Server::shutdown`].
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    limits: Arc<Limits>,
    stats: Arc<Stats>,
    task: JoinHandle<()>,
    /// The class, if it teaches one.
    hub: Option<Arc<crate::session::class::Hub>>,
}

impl Server {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Open connections (logged in or not).
    pub fn connections(&self) -> usize {
        self.limits.current().0
    }

    /// Open connections that have not logged in yet.
    pub fn pre_auth(&self) -> usize {
        self.limits.pre_auth()
    }

    /// Running dashboards.
    pub fn sessions(&self) -> usize {
        self.limits.current().1
    }

    /// In a class: frames rendered for followers, and frames they copied
    /// from one another instead (see [`crate::session::share`]).
    pub fn class_frames(&self) -> Option<(u64, u64)> {
        self.hub.as_ref().map(|h| h.frames().counts())
    }

    /// Totals over every dashboard so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Stop accepting connections and end every dashboard (each client is
    /// told why, and its terminal restored).
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }

    /// Shut down and wait (at most `limit`) until every connection is gone.
    pub async fn shutdown_and_wait(self, limit: Duration) {
        self.shutdown();
        let deadline = tokio::time::Instant::now() + limit;
        while self.connections() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.task.abort();
    }
}

/// Start a server: bind `config.listen` (port 0 picks a free port) and serve
/// in the background on the current tokio runtime. An error if the host key
/// is not one clients can be served with (see [`keys::check_host_key`]).
pub async fn start(config: Config) -> std::io::Result<(SocketAddr, Server)> {
    keys::check_host_key(&config.host_key)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let (stop, shutdown) = watch::channel(false);
    let mut caps = limits::Caps::new(config.max_sessions.max(1), config.max_per_ip.max(1));
    if config.spectators && config.teachers.is_some() {
        caps = caps.with_spectators(config.max_spectators.max(1));
    }
    let limits = Limits::with(caps);
    let stats = Arc::new(Stats::default());
    let hub = config
        .teachers
        .is_some()
        .then(crate::session::class::Hub::new);
    let shared = Arc::new(Shared {
        russh: Arc::new(russh_config(&config)),
        access: config.access,
        entries: sanitize(config.entries),
        fps: config.fps.max(1),
        idle_timeout: config.idle_timeout.filter(|d| !d.is_zero()),
        max_session: config.max_session.filter(|d| !d.is_zero()),
        login_timeout: config.login_timeout,
        kex_timeout: config.kex_timeout.min(config.login_timeout),
        limits: limits.clone(),
        shutdown,
        log: Log {
            enabled: config.log,
        },
        stats: stats.clone(),
        mouse: config.mouse,
        record: config.record,
        crash_key: config.crash_key,
        class: config
            .teachers
            .zip(hub.clone())
            .map(|(teachers, hub)| Class {
                hub,
                teachers,
                spectators: config.spectators,
                max_spectators: config.max_spectators.max(1),
                watching: Default::default(),
            }),
    });
    let task = tokio::spawn(accept_loop(listener, shared));
    Ok((
        addr,
        Server {
            addr,
            stop,
            limits,
            stats,
            task,
            hub,
        },
    ))
}

/// Resolves once the server is shutting down (or its handle was dropped).
pub(crate) async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

fn russh_config(config: &Config) -> russh::server::Config {
    let mut methods = MethodSet::empty();
    match config.access {
        Access::Open => {
            methods.push(MethodKind::None);
            methods.push(MethodKind::PublicKey);
        }
        Access::Keys(_) => methods.push(MethodKind::PublicKey),
    }
    russh::server::Config {
        server_id: SshId::Standard(Cow::Borrowed(concat!(
            "SSH-2.0-downhill_",
            env!("CARGO_PKG_VERSION")
        ))),
        methods,
        auth_rejection_time: config.auth_rejection_time,
        // OpenSSH always tries `none` first: no need to make everyone wait.
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![config.host_key.clone()],
        max_auth_attempts: 6,
        // Idle sessions are ended by our own timer (on key presses), not by
        // russh's (which would count any packet); dead peers are found by
        // keepalives.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 4,
        nodelay: true,
        ..Default::default()
    }
}

/// How often a flood of refused connections is logged (one line, then a
/// count of the rest on the next).
const REFUSALS_LOGGED_EVERY: Duration = Duration::from_secs(10);

/// When a refusal is logged: the first at once, then at most one line
/// every [`REFUSALS_LOGGED_EVERY`], saying how many went unlogged between.
#[derive(Debug, Default)]
struct Throttle {
    unlogged: u64,
    logged_at: Option<tokio::time::Instant>,
}

impl Throttle {
    /// A refusal at `now`: `Some(n)` to log it (`n` refused unlogged since
    /// the last line), `None` to count it only.
    fn refused(&mut self, now: tokio::time::Instant) -> Option<u64> {
        if self
            .logged_at
            .is_none_or(|t| now.duration_since(t) >= REFUSALS_LOGGED_EVERY)
        {
            self.logged_at = Some(now);
            Some(std::mem::take(&mut self.unlogged))
        } else {
            self.unlogged += 1;
            None
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    let mut throttle = Throttle::default();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopping(&mut shutdown) => return,
        };
        let (mut tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors, say: do not spin.
                shared.log.line(format_args!("accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let kill = Arc::new(stream::Kill::default());
        match shared.limits.connect(peer, kill.clone()) {
            Ok(limits::Admitted { slot, evicted }) => {
                if let Some(gone) = evicted {
                    shared.log.line(format_args!(
                        "{gone}: silent since it connected, dropped to let {peer} in"
                    ));
                }
                tokio::spawn(conn::serve_connection(
                    shared.clone(),
                    tcp,
                    peer,
                    slot,
                    kill,
                ));
            }
            Err(why) => {
                if let Some(unlogged) = throttle.refused(tokio::time::Instant::now()) {
                    let more = match unlogged {
                        0 => String::new(),
                        n => format!(" ({n} more refused since the last such line)"),
                    };
                    shared
                        .log
                        .line(format_args!("{peer}: refused: {why}{more}"));
                }
                // Before the SSH banner, lines of text are allowed (RFC 4253;
                // OpenSSH shows them with -v). Close gently: a reset would
                // hide even that.
                tokio::spawn(async move {
                    let line = format!("downhill: {why}\r\n");
                    let _ = tokio::time::timeout(Duration::from_secs(1), async {
                        tcp.write_all(line.as_bytes()).await?;
                        tcp.shutdown().await?;
                        let mut sink = [0u8; 1024];
                        while tcp.read(&mut sink).await? > 0 {}
                        Ok::<(), std::io::Error>(())
                    })
                    .await;
                });
            }
        }
    }
}

/// A client's terminal size, clamped: 0 means "unknown" (80×24), and no
/// client gets more than [`MAX_COLS`]×[`MAX_ROWS`].
pub fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    let c = if cols == 0 {
        80
    } else {
        cols.min(u32::from(MAX_COLS))
    };
    let r = if rows == 0 {
        24
    } else {
        rows.min(u32::from(MAX_ROWS))
    };
    (c as u16, r as u16)
}

/// Text from a file, safe to show: no control characters (so no terminal
/// escapes), no invisible bidirectional overrides. Newlines are kept when
/// `lines` is set.
fn clean(s: &str, lines: bool) -> String {
    let keep = |c: char| {
        !(c.is_control() && !(lines && c == '\n'))
            && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    if lines {
        s.lines()
            .map(|l| l.chars().filter(|&c| keep(c)).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        clean_text(s).chars().filter(|&c| keep(c)).collect()
    }
}

/// The entries with every string that reaches the screen cleaned. The
/// loader already cleans titles, `about` and run names; this also covers
/// file names, error messages and the expression as written.
pub fn sanitize(entries: Vec<Entry>) -> Vec<Entry> {
    entries
        .into_iter()
        .map(|mut e| {
            e.label = clean(&e.label, false);
            e.scenario = match e.scenario {
                Ok(sc) => {
                    let mut s = (*sc).clone();
                    s.source = clean(&s.source, false);
                    s.title = clean(&s.title, false);
                    s.about = s.about.as_deref().map(|a| clean(a, false));
                    s.f = clean(&s.f, false);
                    s.vars = s.vars.iter().map(|v| clean(v, false)).collect();
                    for r in &mut s.runs {
                        r.name = clean(&r.name, false);
                    }
                    Ok(Arc::new(s))
                }
                Err(mut err) => {
                    err.path = clean(&err.path, false);
                    err.message = clean(&err.message, true);
                    Err(err)
                }
            };
            e
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_flood_is_one_line_every_ten_seconds_with_a_count() {
        let t0 = tokio::time::Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut th = Throttle::default();
        assert_eq!(th.refused(at(0)), Some(0), "the first is logged");
        for ms in (1..1000).map(|k| k * 9) {
            assert_eq!(th.refused(at(ms)), None, "{ms} ms");
        }
        assert_eq!(
            th.refused(at(10_000)),
            Some(999),
            "then one line with the count"
        );
        assert_eq!(th.refused(at(10_001)), None);
        assert_eq!(th.refused(at(25_000)), Some(1));
        assert_eq!(
            th.refused(at(40_000)),
            Some(0),
            "a lone refusal later: no count"
        );
    }

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(0, 0), (80, 24));
        assert_eq!(clamp_size(65_535, 65_535), (MAX_COLS, MAX_ROWS));
        assert_eq!(clamp_size(u32::MAX, 1), (MAX_COLS, 1));
        assert_eq!(clamp_size(120, 40), (120, 40));
    }

    #[test]
    fn scenario_text_is_cleaned() {
        let text = "title = \"ok\"\n[objective]\nf = \"x^2\"\ndomain = { x = [-1.0, 1.0] }\n\
                    [descent]\nepochs = 5\n[[run]]\nname = \"a\"\nlr = 0.1\n";
        let sc = crate::scenario::parse("evil\x1b[2J\u{202e}.toml", text);
        let broken = crate::scenario::parse("bad\x1b]0;pwned\x07.toml", "title = 3");
        let entries = sanitize(vec![
            Entry::new("evil\x1b[2J\u{202e}.toml".into(), sc),
            Entry::new("bad\x1b]0;pwned\x07.toml".into(), broken),
        ]);
        for e in &entries {
            assert!(
                !e.label.contains(['\x1b', '\x07', '\u{202e}']),
                "{:?}",
                e.label
            );
        }
        let s = entries[0].scenario.as_ref().unwrap();
        assert!(!s.source.contains('\x1b'));
        let err = entries[1].scenario.as_ref().unwrap_err();
        assert!(!err.to_string().contains(['\x1b', '\x07']), "{err}");
    }
}
