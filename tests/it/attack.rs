//! `downhill serve` under attack: what one client can make the server do,
//! and what the operator's options can make it do. The cost of a flood is
//! read from a real server process (`downhill serve` run as a child, its
//! CPU time and threads from /proc) driven by russh's client; the rest runs
//! in process.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use downhill::scenario::bundled;
use downhill::serve::{self, Access, Config};
use russh::client;
use russh::keys::ssh_key::LineEnding;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, sleep, timeout};

use super::common::TempDir;
use super::serve::{
    Client, Screen, config, connect, epoch, key, login, server_with, stalling_proxy,
};

/// A `downhill serve` process on a free port of 127.0.0.1, with
/// `key(1)` as its host key (so the test client knows it), its stderr
/// collected.
struct Served {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
    _dir: TempDir,
}

impl Served {
    /// `downhill serve --open EXTRA…`.
    fn open(extra: &[&str]) -> Served {
        let mut args = vec!["--open"];
        args.extend(extra);
        Served::start(&args)
    }

    /// `downhill serve ARGS…` (which must say how clients get in).
    fn start(args: &[&str]) -> Served {
        let dir = TempDir::new("served");
        let host = secret(
            &dir,
            "host_key",
            &key(1).to_openssh(LineEnding::LF).unwrap(),
        );
        let mut child = spawn_serve(&host, args);
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.split("listening on ").nth(1) {
                    let _ = tx.send(at.trim().to_string());
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server says where it listens")
            .parse()
            .unwrap();
        Served {
            child,
            addr,
            log,
            _dir: dir,
        }
    }

    fn stat(&self, file: &str) -> String {
        std::fs::read_to_string(format!("/proc/{}/{file}", self.child.id())).unwrap()
    }

    /// CPU time used so far (user + system).
    fn cpu(&self) -> Duration {
        let stat = self.stat("stat");
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let f: Vec<u64> = after
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        // Fields 14 and 15 of /proc/PID/stat, in clock ticks.
        Duration::from_secs_f64((f[11] + f[12]) as f64 / clock_ticks())
    }

    /// The names of its threads, counted (`tokio-runtime-w` × 2, …).
    fn thread_names(&self) -> String {
        let mut names = std::collections::BTreeMap::<String, usize>::new();
        if let Ok(dir) = std::fs::read_dir(format!("/proc/{}/task", self.child.id())) {
            for t in dir.flatten() {
                let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
                *names.entry(comm.trim().to_string()).or_default() += 1;
            }
        }
        format!("{names:?}")
    }

    fn threads(&self) -> usize {
        self.stat("status")
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap()
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    async fn wait_log(&self, what: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.log().contains(what) {
                return true;
            }
            sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// CPU time used over the next `d`.
    async fn cpu_over(&self, d: Duration) -> Duration {
        let before = self.cpu();
        sleep(d).await;
        self.cpu() - before
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file only its owner reads (as a key must be).
fn secret(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.file(name, text);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A dashboard on an `--open` server.
async fn open_dashboard(
    addr: SocketAddr,
    cols: u16,
    rows: u16,
) -> (client::Handle<Client>, Screen) {
    let mut h = connect(addr).await;
    assert!(h.authenticate_none("student").await.unwrap().success());
    let mut s = Screen::start(&h, cols, rows).await;
    let t = s
        .until(Duration::from_secs(10), |t| epoch(t).is_some())
        .await;
    assert!(epoch(&t).is_some(), "{t}");
    (h, s)
}

async fn hang_up(h: client::Handle<Client>, s: Screen) {
    drop(s);
    let _ = h
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
}

/// Most CPU a server that has nothing to do may use in two seconds
/// (timers, the log): far below one busy thread.
const IDLE_CPU: Duration = Duration::from_millis(250);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_flood_leaves_no_work_behind() {
    let srv = Served::open(&[]);
    let (h, s) = open_dashboard(srv.addr, 80, 24).await;
    // A megabyte of restarts, then gone.
    s.channel.data(&vec![b'r'; 1 << 20][..]).await.unwrap();
    hang_up(h, s).await;
    assert!(
        srv.wait_log("dashboard ended", Duration::from_secs(10))
            .await,
        "{}",
        srv.log()
    );
    let spent = srv.cpu_over(Duration::from_secs(2)).await;
    assert!(spent < IDLE_CPU, "{spent:?} of CPU after the client left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_flood_is_one_sweep_on_a_few_threads() {
    let srv = Served::open(&[]);
    let (h, mut s) = open_dashboard(srv.addr, 100, 30).await;
    // To the first sweep scenario (13 of them all).
    s.press(&"\t".repeat(12)).await;
    let t = s
        .until(Duration::from_secs(10), |t| {
            t.contains(&format!("13/{}", bundled::ALL.len()))
        })
        .await;
    assert!(t.contains(&format!("13/{}", bundled::ALL.len())), "{t}");
    // Restart, open the sweep, close it: each opening starts a sweep.
    let flood = "rww".repeat(300_000);
    let send = s.channel.data(flood.as_bytes());
    let mut most = 0;
    let mut names = String::new();
    let watch = async {
        loop {
            let n = srv.threads();
            if n > most {
                most = n;
                names = srv.thread_names();
            }
            sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::select! {
        r = send => r.unwrap(),
        _ = watch => {}
    }
    for _ in 0..40 {
        let n = srv.threads();
        if n > most {
            most = n;
            names = srv.thread_names();
        }
        sleep(Duration::from_millis(50)).await;
    }
    // Runtime workers and rayon's pool (a thread per core each), sweep
    // chunks (at most one per core), an engine batch, the main thread: 3
    // per core and a few. Tokio's blocking pool also starts a thread when
    // work is handed over just before the last task's thread is back in
    // the pool, and idle ones linger 10 s, so on a loaded machine (other
    // builds running) a few more show: once 20 on 2 cores. Before sweeps
    // were bounded this flood made 517.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    assert!(
        most <= 4 * cores + 16,
        "{most} threads during a sweep flood on {cores} cores: {names}"
    );
    hang_up(h, s).await;
    assert!(
        srv.wait_log("dashboard ended", Duration::from_secs(10))
            .await
    );
    sleep(Duration::from_millis(500)).await;
    let spent = srv.cpu_over(Duration::from_secs(2)).await;
    assert!(spent < IDLE_CPU, "{spent:?} of CPU after the client left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_filter_costs_little_and_the_idle_timeout_still_fires() {
    let srv = Served::open(&["--idle-timeout", "2s"]);
    let (_h, mut s) = open_dashboard(srv.addr, 100, 30).await;
    s.press("o").await;
    s.until(Duration::from_secs(5), |t| t.contains("open scenario"))
        .await;
    let before = srv.cpu();
    s.channel.data(&vec![b'a'; 1 << 20][..]).await.unwrap();
    let typed = Instant::now();
    // The last byte counts as a key press: the session closes 2 s later.
    s.wait_closed(Duration::from_secs(10)).await;
    assert!(s.closed, "the idle timeout fired:\n{}", s.text);
    assert!(s.text.contains("no key pressed for 2s"), "{}", s.text);
    assert!(typed.elapsed() < Duration::from_secs(8));
    let spent = srv.cpu() - before;
    assert!(
        spent < Duration::from_secs(3),
        "{spent:?} of CPU for a 1 MB filter"
    );
    assert!(
        srv.wait_log("dashboard ended (idle timeout)", Duration::from_secs(5))
            .await
    );
}

#[test]
fn the_picker_filter_is_bounded() {
    use downhill::app::{Action, MAX_FILTER, Model, Overlay, update};
    let mut m = Model::new(downhill::app::load_entries(&[]));
    update(&mut m, Action::OpenPicker);
    for _ in 0..10_000 {
        update(&mut m, Action::Filter('a'));
    }
    update(&mut m, Action::Filter('\u{1b}'));
    match &m.overlay {
        Overlay::Picker { filter, .. } => assert_eq!(filter, &"a".repeat(MAX_FILTER)),
        other => panic!("{other:?}"),
    }
}

/// A TCP connection to `addr` from `from` (any 127.x.y.z on Linux).
async fn tcp_from(from: [u8; 4], addr: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.bind(SocketAddr::from((from, 0)))?;
    sock.connect(addr).await
}

/// Silent sockets from `addresses` addresses (127.0.0.1, .2, …), `n` from
/// each, reopened as soon as the server closes one: they never send a byte.
fn silent_flood(addr: SocketAddr, addresses: u8, n: usize) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for a in 1..=addresses {
        for _ in 0..n {
            tasks.push(tokio::spawn(async move {
                loop {
                    if let Ok(mut s) = tcp_from([127, 0, 0, a], addr).await {
                        let mut sink = [0u8; 256];
                        while matches!(s.read(&mut sink).await, Ok(k) if k > 0) {}
                    }
                    sleep(Duration::from_millis(20)).await;
                }
            }));
        }
    }
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_sockets_cannot_lock_a_real_client_out() {
    let (addr, server) = server_with(|_| {}).await;
    let caps = serve::limits::Limits::new(50, 8).caps();
    // Four addresses cannot fill what connections that have not logged in
    // may hold (each has its quota); eight can, and do.
    assert!(4 * caps.pre_auth_per_group < caps.pre_auth);
    let flood = silent_flood(addr, 8, 15);
    sleep(Duration::from_millis(500)).await;
    assert_eq!(server.pre_auth(), caps.pre_auth);
    // Its sockets are past their grace: a newcomer from another address
    // takes the place of one (and the flood, reconnecting, cannot take it
    // back: its addresses hold equal shares).
    sleep(serve::limits::SILENT_GRACE + Duration::from_millis(200)).await;
    for round in 0..3 {
        let tcp = tcp_from([127, 0, 0, 20], addr).await.unwrap();
        let cfg = Arc::new(client::Config::default());
        let mut h = client::connect_stream(cfg, tcp, Client)
            .await
            .unwrap_or_else(|e| panic!("round {round}: no handshake: {e}"));
        let auth = h
            .authenticate_publickey(
                "student",
                PrivateKeyWithHashAlg::new(Arc::new(key(2)), None),
            )
            .await
            .unwrap();
        assert!(auth.success(), "round {round}: {auth:?}");
        let mut s = Screen::start(&h, 80, 24).await;
        let t = s
            .until(Duration::from_secs(5), |t| epoch(t).is_some())
            .await;
        assert!(epoch(&t).is_some(), "round {round}: {t}");
        s.press("q").await;
        s.wait_closed(Duration::from_secs(3)).await;
    }
    for t in flood {
        t.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_socket_is_cut_at_the_key_exchange_deadline() {
    let (addr, server) = server_with(|c| c.kex_timeout = Duration::from_millis(500)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    let read = async {
        let mut buf = [0u8; 256];
        while let Ok(k @ 1..) = s.read(&mut buf).await {
            got.extend_from_slice(&buf[..k]);
        }
    };
    timeout(Duration::from_secs(5), read)
        .await
        .expect("the server closes a silent socket");
    let after = start.elapsed();
    assert!(after >= Duration::from_millis(400), "{after:?}");
    assert!(got.starts_with(b"SSH-2.0-downhill"), "{got:?}");
    let deadline = Instant::now() + Duration::from_secs(2);
    while server.connections() > 0 && Instant::now() < deadline {
        sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.connections(), 0);
    // A real client is not cut: it started the exchange at once.
    let (_h, mut screen) = Screen::open(addr, 80, 24).await;
    sleep(Duration::from_millis(800)).await;
    let t = screen
        .until(Duration::from_secs(3), |t| epoch(t).is_some())
        .await;
    assert!(epoch(&t).is_some() && !screen.closed, "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_cost_no_drawing() {
    // Six runs on peaks for a long while, paced down to 20 epochs a second:
    // a new picture every frame, little work to compute it.
    let dir = TempDir::new("stalled");
    let file = dir.file(
        "six.toml",
        &include_str!("../../benches/six-runs.toml").replace("epochs = 1000", "epochs = 100000"),
    );
    let srv = Served::open(&[file.to_str().unwrap()]);
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (via, pause) = stalling_proxy(srv.addr).await;
        let cfg = Arc::new(client::Config {
            window_size: 64 * 1024,
            ..Default::default()
        });
        let mut h = client::connect(cfg, via, Client).await.unwrap();
        assert!(h.authenticate_none("student").await.unwrap().success());
        let mut s = Screen::start(&h, 500, 200).await;
        s.until(Duration::from_secs(10), |t| epoch(t).is_some())
            .await;
        s.press("--------").await;
        let t = s
            .until(Duration::from_secs(5), |t| t.contains("20 ep/s"))
            .await;
        assert!(t.contains("20 ep/s"), "{t}");
        clients.push((h, s, pause));
    }
    // What drawing for them costs while they read.
    let before = srv.cpu();
    futures_util::future::join_all(
        clients
            .iter_mut()
            .map(|(_, s, _)| s.read_for(Duration::from_secs(2))),
    )
    .await;
    let reading = srv.cpu() - before;
    // Their networks stall; a few full redraws fill the SSH windows.
    for (_, s, pause) in &clients {
        pause.send(true).unwrap();
        for w in [499, 500, 499, 500] {
            s.channel.window_change(w, 200, 0, 0).await.unwrap();
        }
    }
    sleep(Duration::from_secs(1)).await;
    let stalled = srv.cpu_over(Duration::from_secs(2)).await;
    // Only the races run on: at most a third of the cost of drawing them.
    assert!(
        stalled * 3 < reading,
        "{stalled:?} of CPU in 2 s for three stalled 500x200 dashboards, {reading:?} reading"
    );
}

/// `downhill serve --listen 127.0.0.1:0 --host-key HOST ARGS`, its stderr
/// piped.
fn spawn_serve(host: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(["serve", "--listen", "127.0.0.1:0", "--host-key"])
        .arg(host)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The stderr of `downhill serve --listen 127.0.0.1:0 --host-key HOST
/// ARGS`, which must exit by itself within ten seconds (a server that
/// starts instead fails the test), and its exit code.
fn serve_fails(host: &Path, args: &[&str]) -> (i32, String) {
    let mut child = spawn_serve(host, args);
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
        err
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("downhill {args:?} did not exit: {}", reader.join().unwrap());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = reader.join().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    (status.code().unwrap(), err)
}

#[test]
fn durations_are_checked_by_the_command_line() {
    let d = TempDir::new("durations");
    let host = d.0.join("host_key");
    for flag in ["--max-session", "--idle-timeout", "--login-timeout"] {
        for value in ["18446744073709551615", "31d", "100000h"] {
            let (code, err) = serve_fails(&host, &["--open", flag, value]);
            assert_eq!(code, 2, "{flag} {value}: {err}");
            assert!(err.contains("at most 30d"), "{err}");
        }
    }
}

const RSA_HOST_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAlwAAAAdzc2gtcn
NhAAAAAwEAAQAAAIEA1L4/RFjxzXvGn5dAIT2d6/4kk5AHjenGcCHDGXZFMNdOGGm74jnI
FgtraWAU/UGcnWLTP8hRJpc75ve5mmZH0LetltFWWYpdhwlCN3F9o6DkL83lo2xQ4qZAix
57efMK3GEurRQwvTYqJ4GCbFMWyHZaVDikc6BzVxsEhQepL3UAAAIAlHIZypRyGcoAAAAH
c3NoLXJzYQAAAIEA1L4/RFjxzXvGn5dAIT2d6/4kk5AHjenGcCHDGXZFMNdOGGm74jnIFg
traWAU/UGcnWLTP8hRJpc75ve5mmZH0LetltFWWYpdhwlCN3F9o6DkL83lo2xQ4qZAix57
efMK3GEurRQwvTYqJ4GCbFMWyHZaVDikc6BzVxsEhQepL3UAAAADAQABAAAAgEI6X5O1ZM
ElUTYJbetrNShsW5Kced2R8zahLA1XJj8IJ8Wt1NGeT02djHincqFMtabBRyZKBAlRd1J1
uA/620vrCQTBnHPTt9hGmpobF6SwvNTBaP3T6W1p61TaOjavvwPCYSabuwiaro2+44gx2N
ZRSIqCkh+86AZwUMDp2jPZAAAAQB48Iv2PBmPPA9eM8Kl74VfFP8tuCCzEC6tqIzbVpjoC
ufusMGDXKUB3zJU39fKly2XxjYrEGa10ya7NmXkjC38AAABBAPUEn9eNbKHOpFQ2bNEx8g
zYV1x0sYn1JrV95lxU7ITqqouXz0H/UjK06RpsKBWt0fnIcQSokNjZrBXhGpEG5AcAAABB
AN5HS51+ReuZTOGHjdLKh4nWn8Y3nGwkdQDjLtCRMnv7dgBkFfLlpnfv59R2a1JNOuu1GW
VDgThh/TqaIKzASaMAAAAEdGVzdAECAwQFBgc=
-----END OPENSSH PRIVATE KEY-----
";

const ECDSA_HOST_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS
1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQSwW2Z3jnjS+vjv/NAJOrTxlQ3MAhn6
nhfQBhwL3aYSGYVRcYYLOAShbjr6Gps3FijUmcGxyupGPcaXVKZw+CxIAAAAoNpm+HPaZv
hzAAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLBbZneOeNL6+O/8
0Ak6tPGVDcwCGfqeF9AGHAvdphIZhVFxhgs4BKFuOvoamzcWKNSZwbHK6kY9xpdUpnD4LE
gAAAAgEkAurkTDkYJxXpT2gz9/4M5NifeViEbWOry5OiQVx7kAAAAEdGVzdAECAwQ=
-----END OPENSSH PRIVATE KEY-----
";

#[test]
fn the_host_key_must_be_one_the_server_signs_with() {
    let d = TempDir::new("rsa");
    let rsa = secret(&d, "rsa_key", RSA_HOST_KEY);
    let (code, err) = serve_fails(&rsa, &["--open"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("only with Ed25519 or ECDSA"), "{err}");
    // The library refuses it too.
    let key = PrivateKey::from_openssh(RSA_HOST_KEY).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let refused = rt.block_on(serve::start(Config::new(
        key,
        Access::Open,
        downhill::app::load_entries(&[]),
    )));
    assert!(refused.is_err());
}

/// A client that accepts any host key.
struct AnyHost;

impl client::Handler for AnyHost {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ecdsa_host_key_serves() {
    let mut c = config(Access::Open);
    c.host_key = PrivateKey::from_openssh(ECDSA_HOST_KEY).unwrap();
    let (addr, _server) = serve::start(c).await.unwrap();
    let mut h = client::connect(Arc::new(client::Config::default()), addr, AnyHost)
        .await
        .expect("a key exchange signed with ECDSA");
    assert!(h.authenticate_none("student").await.unwrap().success());
}

#[test]
fn the_authorized_keys_file_is_read_with_a_hard_limit_and_warnings_shown() {
    let d = TempDir::new("ak");
    let host = d.0.join("host");
    let (code, err) = serve_fails(&host, &["--authorized-keys", "/dev/zero"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("/dev/zero: larger than 1024 KiB"), "{err}");
    // Not one usable key: each line's warning, then the refusal.
    let ak = d.file(
        "authorized_keys",
        "garbage line\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDUvj9EWPHNe8afl0AhPZ3r/iSTkAeN6cZwIcMZdkUw104YabviOcgWC2tpYBT9QZydYtM/yFEmlzvm97maZkfQt62W0VZZil2HCUI3cX2joOQvzeWjbFDipkCLHnt58wrcYS6tFDC9NiongYJsUxbIdlpUOKRzoHNXGwSFB6kvdQ== old@box\n",
    );
    let (code, err) = serve_fails(&host, &["--authorized-keys", ak.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(":1: skipped, not a public key"), "{err}");
    assert!(err.contains(":2: RSA keys are not supported"), "{err}");
    assert!(err.contains("no usable public key"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_logged_with_address_and_key() {
    let d = TempDir::new("log");
    let ak = d.file(
        "authorized_keys",
        &key(2).public_key().to_openssh().unwrap(),
    );
    let srv = Served::start(&["--authorized-keys", ak.to_str().unwrap()]);
    let (_h, auth) = login(srv.addr, key(3)).await;
    assert!(!auth.success());
    let mut h = connect(srv.addr).await;
    assert!(
        !h.authenticate_password("mallory", "hunter2")
            .await
            .unwrap()
            .success()
    );
    let wrong = key(3)
        .public_key()
        .fingerprint(russh::keys::HashAlg::Sha256)
        .to_string();
    let want = "student@127.0.0.1:";
    assert!(
        srv.wait_log(&wrong, Duration::from_secs(5)).await,
        "{}",
        srv.log()
    );
    assert!(
        srv.wait_log("mallory@127.0.0.1:", Duration::from_secs(5))
            .await
    );
    let log = srv.log();
    let line = log.lines().find(|l| l.contains(&wrong)).unwrap();
    assert!(
        line.contains(want) && line.contains("login refused: ssh-ed25519 key SHA256:"),
        "{line}"
    );
    assert!(log.contains("login refused: password"), "{log}");
    assert!(!log.contains("hunter2"), "{log}");
}
