//! `downhill serve` end to end: an in-process server on 127.0.0.1 (a free
//! port), russh's client, and a vt100 screen per session.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use downhill::serve::{self, Access, Config, Server};
use russh::client::{self, AuthResult};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{Channel, ChannelMsg, MethodKind};
use tokio::time::{Instant, timeout};

pub(crate) fn key(n: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[n; 32]))
}

pub(crate) fn config(access: Access) -> Config {
    let mut c = Config::new(key(1), access, downhill::app::load_entries(&[]));
    c.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    c.auth_rejection_time = Duration::from_millis(50);
    c.login_timeout = Duration::from_secs(10);
    c
}

/// A server that lets in the holder of `key(2)`.
pub(crate) async fn server_with(tweak: impl FnOnce(&mut Config)) -> (SocketAddr, Server) {
    let mut c = config(Access::Keys(vec![key(2).public_key().clone()]));
    tweak(&mut c);
    serve::start(c).await.expect("the server starts")
}

pub(crate) struct Client;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        // The test server's host key.
        Ok(
            matches!(key, PublicKeyOrCertificate::PublicKey { key, .. } if key == self::key(1).public_key()),
        )
    }
}

pub(crate) async fn connect(addr: SocketAddr) -> client::Handle<Client> {
    let cfg = Arc::new(client::Config::default());
    client::connect(cfg, addr, Client).await.expect("connects")
}

pub(crate) async fn login(
    addr: SocketAddr,
    with: PrivateKey,
) -> (client::Handle<Client>, AuthResult) {
    let mut h = connect(addr).await;
    let auth = h
        .authenticate_publickey("student", PrivateKeyWithHashAlg::new(Arc::new(with), None))
        .await
        .expect("auth exchange");
    (h, auth)
}

/// One dashboard as the client sees it.
pub(crate) struct Screen {
    pub(crate) channel: Channel<client::Msg>,
    pub(crate) vt: vt100::Parser,
    pub(crate) exit_status: Option<u32>,
    pub(crate) closed: bool,
    pub(crate) text: String,
}

pub(crate) fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).unwrap()
}

impl Screen {
    /// Log in with the good key and start a `cols × rows` dashboard.
    pub(crate) async fn open(
        addr: SocketAddr,
        cols: u16,
        rows: u16,
    ) -> (client::Handle<Client>, Screen) {
        let (h, auth) = login(addr, key(2)).await;
        assert!(auth.success(), "{auth:?}");
        let s = Screen::start(&h, cols, rows).await;
        (h, s)
    }

    pub(crate) async fn start(h: &client::Handle<Client>, cols: u16, rows: u16) -> Screen {
        Screen::start_term(h, "xterm-256color", cols, rows).await
    }

    /// Start a dashboard on a terminal that says it is `term`.
    async fn start_term(h: &client::Handle<Client>, term: &str, cols: u16, rows: u16) -> Screen {
        let channel = h.channel_open_session().await.expect("a session channel");
        channel
            .request_pty(true, term, u32::from(cols), u32::from(rows), 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        Screen::on(channel, cols, rows)
    }

    /// Every cell of the screen, row by row.
    pub(crate) fn cells(&self) -> Vec<vt100::Cell> {
        let sc = self.vt.screen();
        let (rows, cols) = sc.size();
        (0..rows.get())
            .flat_map(|r| (0..cols.get()).filter_map(move |c| sc.cell(r, c).cloned()))
            .collect()
    }

    /// What comes over `channel`, on a `cols × rows` screen.
    pub(crate) fn on(channel: Channel<client::Msg>, cols: u16, rows: u16) -> Screen {
        Screen {
            channel,
            vt: vt100::Parser::new(nz(rows), nz(cols), 0),
            exit_status: None,
            closed: false,
            text: String::new(),
        }
    }

    /// Read output until `done(screen text)` or `limit`; the screen text.
    pub(crate) async fn until(&mut self, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            self.text = self.vt.screen().contents();
            if done(&self.text) || self.closed {
                return self.text.clone();
            }
            let Ok(msg) = timeout(deadline - Instant::now(), self.channel.wait()).await else {
                return self.text.clone();
            };
            match msg {
                Some(ChannelMsg::Data { data }) => self.vt.process(&data),
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    self.exit_status = Some(exit_status)
                }
                Some(ChannelMsg::Close) | None => self.closed = true,
                Some(_) => {}
            }
        }
    }

    /// Read until the screen stops changing (for 300 ms), at most `limit`.
    pub(crate) async fn settle(&mut self, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        let mut last = self.vt.screen().contents();
        while Instant::now() < deadline {
            let now = self.read_for(Duration::from_millis(300)).await;
            if now == last {
                break;
            }
            last = now;
        }
        last
    }

    /// Read whatever comes for `d`.
    pub(crate) async fn read_for(&mut self, d: Duration) -> String {
        self.until(d, |_| false).await
    }

    pub(crate) async fn wait_closed(&mut self, limit: Duration) {
        self.until(limit, |_| false).await;
        let deadline = Instant::now() + limit;
        while !self.closed && Instant::now() < deadline {
            self.read_for(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn press(&self, keys: &str) {
        self.channel.data(keys.as_bytes()).await.unwrap();
    }
}

/// The server's reply to a request sent with `want_reply`.
pub(crate) async fn reply(ch: &mut Channel<client::Msg>) -> ChannelMsg {
    loop {
        match timeout(Duration::from_secs(3), ch.wait()).await {
            Ok(Some(m @ (ChannelMsg::Success | ChannelMsg::Failure))) => return m,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("channel closed"),
            Err(_) => panic!("no reply"),
        }
    }
}

/// The `N` of `epoch N/M` in the header.
pub(crate) fn epoch(text: &str) -> Option<u64> {
    let at = text.find("epoch ")?;
    let n = text[at + 6..].split('/').next()?.trim().replace(',', "");
    n.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_are_independent() {
    let (addr, server) = server_with(|_| {}).await;
    let (_ha, mut a) = Screen::open(addr, 100, 30).await;
    let (_hb, mut b) = Screen::open(addr, 100, 30).await;
    let t = a
        .until(Duration::from_secs(5), |t| epoch(t).is_some_and(|e| e > 0))
        .await;
    assert!(t.contains("Gradient descent in 1D"), "{t}");
    b.until(Duration::from_secs(5), |t| epoch(t).is_some_and(|e| e > 0))
        .await;
    assert_eq!(server.sessions(), 2);

    // A pauses; B keeps running.
    a.press(" ").await;
    let t = a
        .until(Duration::from_secs(2), |t| t.contains("paused"))
        .await;
    let paused_at = epoch(&t).unwrap();
    let b_before = epoch(&b.read_for(Duration::from_millis(100)).await).unwrap();
    a.read_for(Duration::from_millis(700)).await;
    let b_after = epoch(&b.read_for(Duration::from_millis(100)).await).unwrap();
    assert_eq!(epoch(&a.text), Some(paused_at), "A is paused:\n{}", a.text);
    assert!(b_after > b_before, "B runs on: {b_before} → {b_after}");
    assert!(b.text.contains("running"), "{}", b.text);

    // A steps one epoch; A quits; B is unaffected.
    a.press("s").await;
    a.until(Duration::from_secs(2), |t| epoch(t) == Some(paused_at + 1))
        .await;
    assert_eq!(epoch(&a.text), Some(paused_at + 1), "{}", a.text);
    a.press("q").await;
    a.wait_closed(Duration::from_secs(3)).await;
    assert!(a.closed, "q ends the session");
    assert_eq!(a.exit_status, Some(0));
    assert!(!a.vt.screen().alternate_screen(), "back on the main screen");
    assert!(!a.vt.screen().hide_cursor(), "cursor shown again");
    let b1 = epoch(&b.read_for(Duration::from_millis(300)).await).unwrap();
    let b2 = epoch(&b.read_for(Duration::from_millis(400)).await).unwrap();
    assert!(b2 > b1 && !b.closed, "B still runs: {b1} → {b2}");
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.sessions() != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.sessions(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_authorized_keys_get_in() {
    let (addr, _server) = server_with(|_| {}).await;
    let (_h, auth) = login(addr, key(3)).await;
    match auth {
        AuthResult::Failure {
            remaining_methods, ..
        } => assert_eq!(&remaining_methods[..], &[MethodKind::PublicKey]),
        other => panic!("a wrong key got in: {other:?}"),
    }
    let mut h = connect(addr).await;
    let none = h.authenticate_none("student").await.unwrap();
    assert!(!none.success(), "no key, no entry");
    let mut h = connect(addr).await;
    let pw = h.authenticate_password("student", "hunter2").await.unwrap();
    assert!(!pw.success(), "no passwords");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_access_takes_any_user_without_a_key() {
    let mut c = config(Access::Open);
    c.max_sessions = 2;
    c.log = true;
    let (addr, _server) = serve::start(c).await.unwrap();
    let mut h = connect(addr).await;
    // Any user name, however odd (it only reaches the log, cleaned).
    let odd = format!("{}\x1b[2J", "€".repeat(100));
    assert!(h.authenticate_none(odd).await.unwrap().success());
    let mut s = Screen::start(&h, 80, 24).await;
    let t = s
        .until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    assert!(t.contains("downhill"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_subsystems_and_forwarding_are_refused() {
    let (addr, server) = server_with(|_| {}).await;
    let (h, auth) = login(addr, key(2)).await;
    assert!(auth.success());

    let mut ch = h.channel_open_session().await.unwrap();
    ch.exec(true, "cat /etc/passwd").await.unwrap();
    assert!(matches!(reply(&mut ch).await, ChannelMsg::Failure), "exec");
    ch.request_subsystem(true, "sftp").await.unwrap();
    assert!(matches!(reply(&mut ch).await, ChannelMsg::Failure), "sftp");
    ch.set_env(true, "LD_PRELOAD", "/tmp/x.so").await.unwrap();
    assert!(matches!(reply(&mut ch).await, ChannelMsg::Failure), "env");
    ch.agent_forward(true).await.unwrap();
    assert!(matches!(reply(&mut ch).await, ChannelMsg::Failure), "agent");
    ch.request_x11(true, false, "MIT-MAGIC-COOKIE-1", "00", 0)
        .await
        .unwrap();
    assert!(matches!(reply(&mut ch).await, ChannelMsg::Failure), "x11");

    // A shell without a pty gets told, not a broken screen.
    ch.request_shell(true).await.unwrap();
    let mut s = Screen::on(ch, 80, 24);
    s.wait_closed(Duration::from_secs(3)).await;
    assert!(s.text.contains("needs a terminal"), "{}", s.text);
    assert_eq!(s.exit_status, Some(1));

    // Forwarding, either way.
    assert!(
        h.channel_open_direct_tcpip("127.0.0.1", u32::from(addr.port()), "127.0.0.1", 5555)
            .await
            .is_err(),
        "local forwarding (direct-tcpip)"
    );
    assert!(
        h.tcpip_forward("127.0.0.1", 0).await.is_err(),
        "remote forwarding (tcpip-forward)"
    );
    // One session channel per connection.
    let _first = h.channel_open_session().await;
    assert!(h.channel_open_session().await.is_err(), "a second channel");
    assert_eq!(server.sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_limit_is_explained() {
    let (addr, server) = server_with(|c| c.max_sessions = 2).await;
    let (_h1, mut s1) = Screen::open(addr, 80, 24).await;
    let (_h2, mut s2) = Screen::open(addr, 80, 24).await;
    s1.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    s2.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    let (_h3, mut s3) = Screen::open(addr, 80, 24).await;
    s3.wait_closed(Duration::from_secs(3)).await;
    assert!(s3.closed);
    assert!(s3.text.contains("the server is full"), "{}", s3.text);
    assert_eq!(s3.exit_status, Some(1));
    assert_eq!(server.sessions(), 2);
    // A place frees up when someone leaves.
    s1.press("q").await;
    s1.wait_closed(Duration::from_secs(3)).await;
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.sessions() != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_h4, mut s4) = Screen::open(addr, 80, 24).await;
    let t = s4
        .until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    assert!(epoch(&t).is_some(), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_change_reflows_the_screen() {
    let (addr, _server) = server_with(|_| {}).await;
    let (_h, mut s) = Screen::open(addr, 100, 30).await;
    s.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    let wide = s.vt.screen().rows(0, 100).next().unwrap();
    assert!(wide.trim_end().chars().count() > 80, "{wide:?}");

    // Shrink to 70×20: nothing is left beyond column 70 or row 20, and
    // the dashboard is drawn inside.
    s.channel.window_change(70, 20, 0, 0).await.unwrap();
    s.read_for(Duration::from_millis(600)).await;
    let screen = s.vt.screen();
    for (i, row) in screen.rows(0, 100).enumerate() {
        let len = row.trim_end().chars().count();
        if i >= 20 {
            assert_eq!(len, 0, "row {i} should be blank: {row:?}");
        } else {
            assert!(len <= 70, "row {i} is {len} wide: {row:?}");
        }
    }
    let top: String = screen.rows(0, 70).take(20).collect::<Vec<_>>().join("\n");
    assert!(epoch(&top).is_some(), "{top}");
    let last = screen.rows(0, 70).nth(19).unwrap();
    assert!(
        last.contains("space pause"),
        "the footer is on the last row: {last:?}"
    );

    // Absurd sizes are clamped, and the session lives on.
    s.channel.window_change(65_535, 65_535, 0, 0).await.unwrap();
    s.channel.window_change(0, 0, 0, 0).await.unwrap();
    s.vt.screen_mut().set_size(nz(24), nz(80));
    let t = s
        .until(Duration::from_secs(3), |t| {
            t.lines().last().is_some_and(|l| l.contains("space pause"))
        })
        .await;
    assert!(!s.closed, "{t}");
    assert!(t.lines().count() <= 24 && epoch(&t).is_some(), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_session_times_out_but_typing_keeps_it() {
    let (addr, _server) = server_with(|c| c.idle_timeout = Some(Duration::from_secs(1))).await;
    let started = Instant::now();
    let (_h, mut s) = Screen::open(addr, 80, 24).await;
    s.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    // A key at 0.6 s: the session (which draws all the time) is still open
    // at 1.3 s, then closes about 1 s after that key.
    s.read_for(Duration::from_millis(600).saturating_sub(started.elapsed()))
        .await;
    s.press("l").await;
    let pressed = Instant::now();
    s.read_for(Duration::from_millis(700)).await;
    assert!(!s.closed, "input keeps a session alive");
    s.wait_closed(Duration::from_secs(3)).await;
    assert!(s.closed, "a silent session is closed");
    let after = pressed.elapsed();
    assert!(after >= Duration::from_millis(950), "{after:?}");
    assert!(s.text.contains("no key pressed for 1s"), "{}", s.text);
    assert!(!s.vt.screen().alternate_screen());
    assert_eq!(s.exit_status, Some(0));
}

/// A scenario that keeps changing for a long while.
pub(crate) fn long_running() -> Vec<downhill::app::Entry> {
    let text = "title = \"Long\"\n[objective]\nf = \"sin(3*x) + 0.1*x^2\"\n\
                domain = { x = [-5.0, 5.0] }\n[descent]\nepochs = 100000\nstart = \"random\"\n\
                [[run]]\nname = \"plain\"\nlr = 0.001\n\
                [[run]]\nname = \"cosine\"\nschedule = \"cosine\"\nlr = 0.01\n";
    vec![downhill::app::Entry::new(
        "long.toml".into(),
        downhill::scenario::parse("long.toml", text),
    )]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_stays_in_its_session() {
    let (addr, server) = server_with(|c| c.crash_key = Some(b'!')).await;
    let (_ha, mut a) = Screen::open(addr, 80, 24).await;
    let (_hb, mut b) = Screen::open(addr, 80, 24).await;
    a.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    b.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    a.press("!").await;
    a.wait_closed(Duration::from_secs(3)).await;
    assert!(a.closed);
    assert!(a.text.contains("internal error"), "{}", a.text);
    assert_eq!(a.exit_status, Some(1));
    assert!(!a.vt.screen().alternate_screen());
    let b1 = epoch(&b.read_for(Duration::from_millis(200)).await).unwrap();
    let b2 = epoch(&b.read_for(Duration::from_millis(500)).await).unwrap();
    assert!(
        b2 > b1 && !b.closed,
        "the other session runs on: {b1} → {b2}"
    );
    // And the server still takes new sessions.
    let (_hc, mut c) = Screen::open(addr, 80, 24).await;
    let t = c
        .until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    assert!(epoch(&t).is_some(), "{t}");
    assert_eq!(server.sessions(), 2);
}

/// A TCP proxy to `server` whose server→client direction can be paused.
pub(crate) async fn stalling_proxy(
    server: SocketAddr,
) -> (SocketAddr, tokio::sync::watch::Sender<bool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (pause, paused) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let upstream = tokio::net::TcpStream::connect(server).await.unwrap();
        let (mut cr, mut cw) = client.into_split();
        let (mut sr, mut sw) = upstream.into_split();
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut cr, &mut sw).await;
        });
        let mut paused = paused;
        let mut buf = vec![0u8; 4096];
        loop {
            if paused.wait_for(|p| !*p).await.is_err() {
                return;
            }
            match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if cw.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    (addr, pause)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_costs_no_frames_nor_memory_and_recovers() {
    use std::sync::atomic::Ordering::Relaxed;
    let (addr, server) = server_with(|c| {
        c.entries = long_running();
        c.fps = 120;
    })
    .await;
    let (via, pause) = stalling_proxy(addr).await;
    // A small SSH window: once 64 KiB are unacknowledged the server must
    // hold A's output (flow control) while still reading A's input.
    let cfg = Arc::new(client::Config {
        window_size: 64 * 1024,
        ..Default::default()
    });
    let mut ha = client::connect(cfg, via, Client).await.unwrap();
    let auth = ha
        .authenticate_publickey(
            "student",
            PrivateKeyWithHashAlg::new(Arc::new(key(2)), None),
        )
        .await
        .unwrap();
    assert!(auth.success());
    let mut a = Screen::start(&ha, 500, 200).await;
    let (_hb, mut b) = Screen::open(addr, 80, 24).await;
    a.until(Duration::from_secs(5), |t| epoch(t).is_some_and(|e| e > 0))
        .await;
    b.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;

    // A's network stalls (nothing reaches A, so A acknowledges nothing)
    // while A keeps asking for full redraws (resizes).
    pause.send(true).unwrap();
    let b1 = epoch(&b.read_for(Duration::from_millis(100)).await).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 0u32;
    let sent_before = server.stats().bytes_sent.load(Relaxed);
    while server.stats().frames_skipped.load(Relaxed) == 0 && Instant::now() < deadline {
        a.channel
            .window_change(500 - n % 2, 200, 0, 0)
            .await
            .unwrap();
        n += 1;
        b.read_for(Duration::from_millis(8)).await;
    }
    let skipped = server.stats().frames_skipped.load(Relaxed);
    let sent_during = server.stats().bytes_sent.load(Relaxed) - sent_before;
    // What russh took on for A during the stall: the SSH window and a few
    // buffered messages (the output queue in front of it holds at most
    // 1 MiB more, then drops).
    assert!(
        sent_during < 1 << 20,
        "{sent_during} bytes taken during the stall"
    );
    assert!(
        skipped > 0,
        "a stalled client's frames are not even rendered ({n} resizes)"
    );
    let b2 = epoch(&b.read_for(Duration::from_millis(300)).await).unwrap();
    assert!(b2 > b1 && !b.closed, "B is not held up by A: {b1} → {b2}");

    // A's network recovers: once caught up, its screen is whole. Paused, it
    // must equal a fresh full redraw of the same size.
    a.channel.window_change(500, 200, 0, 0).await.unwrap();
    pause.send(false).unwrap();
    a.press(" ").await;
    a.until(Duration::from_secs(15), |t| t.contains("paused"))
        .await;
    let caught_up = a.settle(Duration::from_secs(10)).await;
    assert!(
        caught_up.contains("paused"),
        "dropped {} sent {}: {caught_up}",
        server.stats().frames_dropped.load(Relaxed),
        server.stats().bytes_sent.load(Relaxed)
    );
    a.channel.window_change(500, 200, 0, 0).await.unwrap();
    a.read_for(Duration::from_millis(300)).await;
    let redrawn = a.settle(Duration::from_secs(10)).await;
    assert!(
        caught_up == redrawn,
        "the screen after the stall differs from a full redraw"
    );
}

/// The client's `TERM` (from its pty request) decides what is drawn: the
/// Linux console gets half blocks, not braille, and 16 colours; an
/// xterm-256color the 256-colour palette.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clients_term_decides_glyphs_and_colours() {
    let (addr, _server) = server_with(|_| {}).await;
    let screen_of = |s: &Screen| {
        s.cells()
            .into_iter()
            .map(|cell| (cell.contents().to_string(), cell.fgcolor()))
            .collect::<Vec<_>>()
    };
    let braille = |s: &str| s.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c));
    for term in ["linux", "xterm-256color"] {
        let (h, auth) = login(addr, key(2)).await;
        assert!(auth.success(), "{auth:?}");
        let mut s = Screen::start_term(&h, term, 100, 30).await;
        s.until(Duration::from_secs(5), |t| epoch(t).is_some_and(|e| e > 5))
            .await;
        let cells = screen_of(&s);
        let text: String = cells.iter().map(|c| c.0.as_str()).collect();
        let indexed = cells
            .iter()
            .any(|c| matches!(c.1, vt100::Color::Idx(i) if i >= 16));
        if term == "linux" {
            assert!(!braille(&text), "{term}: braille\n{}", s.text);
            assert!(text.contains('▀') || text.contains('▄'), "{}", s.text);
            assert!(!indexed, "{term}: 16 colours only");
        } else {
            assert!(braille(&text), "{term}: no braille\n{}", s.text);
            assert!(indexed, "{term}: the 256-colour palette");
        }
    }
}
