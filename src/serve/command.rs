//! The `downhill serve` command: its options, checked by clap, and `main`,
//! which reads the keys and scenarios, prints what it serves and runs the
//! server until a signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use russh::keys::PublicKey;

use super::{Access, Config, keys, start};
use crate::session::DashboardArgs;

/// Parse a duration: `90s`, `15m`, `2h`, `1h30m`, `500ms`, `1d`; a bare
/// number is seconds; `0` is zero (for a timeout: never).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("`{text}` is not a duration (examples: 30s, 15m, 2h, 1h30m, 0 for never)");
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        let part = u32::try_from(n)
            .ok()
            .and_then(|n| unit.checked_mul(n))
            .ok_or_else(bad)?;
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    Ok(total)
}

/// `15m`, `2h`, `1h30m`, `45s`, `0s`.
pub fn fmt_duration(d: Duration) -> String {
    let mut s = d.as_secs();
    if s == 0 {
        return if d.is_zero() {
            "0s".into()
        } else {
            format!("{}ms", d.as_millis())
        };
    }
    let mut out = String::new();
    for (unit, len) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if s >= len {
            out.push_str(&format!("{}{unit}", s / len));
            s %= len;
        }
    }
    out
}

/// Longest duration an option takes: a timeout beyond it is "never" (`0`).
pub const MAX_DURATION: Duration = Duration::from_secs(30 * 86_400);

fn duration_arg(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d > MAX_DURATION => Err(format!(
            "`{text}` is too long: at most {} (0 means never)",
            fmt_duration(MAX_DURATION)
        )),
        d => Ok(d),
    }
}

fn positive_duration_arg(text: &str) -> Result<Duration, String> {
    match duration_arg(text)? {
        d if d.is_zero() => Err("must be more than 0".into()),
        d => Ok(d),
    }
}

/// Options of `downhill serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Scenario files or directories (default: the bundled scenarios).
    pub paths: Vec<PathBuf>,

    /// Address and port to listen on; 0.0.0.0:2222 or [::]:2222 accepts other machines.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2222")]
    pub listen: SocketAddr,

    /// The server's host key (Ed25519 or ECDSA), made (Ed25519, mode 0600) if missing
    /// [default: $XDG_CONFIG_HOME/downhill/ssh_host_ed25519_key, or ~/.config/…].
    #[arg(long, value_name = "FILE")]
    pub host_key: Option<PathBuf>,

    /// Let in only holders of the keys in this OpenSSH authorized_keys file.
    #[arg(long, value_name = "FILE", conflicts_with = "open")]
    pub authorized_keys: Option<PathBuf>,

    /// Let in anyone who can reach the port, with no authentication.
    #[arg(long)]
    pub open: bool,

    /// Most dashboards at once.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_sessions: u32,

    /// Most dashboards at once from one address (raise it for a class behind one NAT).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_per_ip: u32,

    /// Close a dashboard after this long without a key press (0: never).
    #[arg(long, value_name = "DUR", default_value = "15m", value_parser = duration_arg)]
    pub idle_timeout: Duration,

    /// Close a dashboard this long after it started (0: never).
    #[arg(long, value_name = "DUR", default_value = "2h", value_parser = duration_arg)]
    pub max_session: Duration,

    /// Disconnect a client that has not started a dashboard after this long.
    #[arg(long, value_name = "DUR", default_value = "60s", value_parser = positive_duration_arg)]
    pub login_timeout: Duration,

    /// A class: holders of the keys in this authorized_keys file teach,
    /// everyone else admitted follows the teacher (see "Teaching").
    #[arg(long, value_name = "FILE")]
    pub teacher_keys: Option<PathBuf>,

    /// With --teacher-keys: the user name `watch` gets a read-only view of
    /// the teacher's dashboard, without a key.
    #[arg(long, requires = "teacher_keys")]
    pub spectators: bool,

    /// Most spectators at once (apart from --max-sessions).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_spectators: u32,

    /// Record each session's terminal as an asciicast v2 file in DIR (mode 0600; `asciinema play` replays it).
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,

    /// Most bytes of one recording (K, M, G: powers of 1024); there it stops, the session goes on.
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = super::record::limit_arg, requires = "record")]
    pub record_limit: u64,

    #[command(flatten)]
    pub dashboard: DashboardArgs,
}

/// The usable keys of an authorized_keys file at `path` (`what` names it in
/// messages), its warnings said; the exit code when it cannot serve.
fn load_keys(path: &std::path::Path, what: &str) -> Result<Vec<PublicKey>, ExitCode> {
    match keys::load_authorized_keys(path) {
        Ok(f) => {
            for w in &f.warnings {
                say!("downhill serve: warning: {w}");
            }
            if f.keys.is_empty() {
                say!(
                    "downhill serve: {}: no usable public key in this file",
                    path.display()
                );
                return Err(ExitCode::from(1));
            }
            say!(
                "downhill serve: {} {what} key(s) from {}",
                f.keys.len(),
                path.display()
            );
            Ok(f.keys)
        }
        Err(e) => {
            say!("downhill serve: {e}");
            Err(ExitCode::from(1))
        }
    }
}

/// Run `downhill serve`; returns the process exit code.
pub fn main(args: &ServeArgs) -> ExitCode {
    let access = match (&args.authorized_keys, args.open) {
        (Some(path), _) => match load_keys(path, "authorized") {
            Ok(k) => Access::Keys(k),
            Err(code) => return code,
        },
        (None, true) => Access::Open,
        (None, false) => {
            say!(
                "downhill serve: refusing to start without access control.\n\
                 Pass --authorized-keys FILE (only holders of those keys get in)\n\
                 or --open (anyone who can reach the port gets in)."
            );
            return ExitCode::from(2);
        }
    };
    let entries = crate::app::load_entries(&args.paths);
    if entries.is_empty() {
        say!("downhill serve: no scenario files found (directories are searched for *.toml)");
        return ExitCode::from(1);
    }
    let broken = entries.iter().filter(|e| e.scenario.is_err()).count();
    let path = args
        .host_key
        .clone()
        .unwrap_or_else(keys::default_host_key_path);
    let host = match keys::load_or_create_host_key(&path) {
        Ok(h) => h,
        Err(e) => {
            say!("downhill serve: {e}");
            return ExitCode::from(1);
        }
    };
    for w in &host.warnings {
        say!("downhill serve: warning: {w}");
    }
    say!(
        "downhill serve: {} host key {}\ndownhill serve: host key fingerprint {}",
        if host.created {
            "created a new"
        } else {
            "using the"
        },
        path.display(),
        host.fingerprint()
    );
    if matches!(access, Access::Open) {
        say!(
            "downhill serve: --open: anyone who can reach {} gets a dashboard",
            args.listen
        );
    }
    let mut config = Config::new(host.key, access, entries);
    let n = config.entries.len();
    config.listen = args.listen;
    config.fps = args.dashboard.fps;
    config.max_sessions = args.max_sessions as usize;
    config.max_per_ip = args.max_per_ip as usize;
    config.idle_timeout = Some(args.idle_timeout);
    config.max_session = Some(args.max_session);
    config.login_timeout = args.login_timeout;
    config.log = true;
    if let Some(path) = &args.teacher_keys {
        match load_keys(path, "teacher") {
            Ok(k) => config.teachers = Some(k),
            Err(code) => return code,
        }
        config.spectators = args.spectators;
        config.max_spectators = args.max_spectators as usize;
        say!(
            "downhill serve: a class: teachers drive, students follow (f: on their own){}",
            if args.spectators {
                "; `ssh watch@…` watches"
            } else {
                ""
            }
        );
    }
    config.mouse = !args.dashboard.no_mouse;
    if let Some(dir) = &args.record {
        match super::record::prepare(dir, args.record_limit) {
            Ok(to) => {
                say!(
                    "downhill serve: recording sessions to {} (at most {} each)",
                    to.dir.display(),
                    super::record::fmt_size(to.limit)
                );
                config.record = Some(to);
            }
            Err(e) => {
                say!("downhill serve: {e}");
                return ExitCode::from(1);
            }
        }
    }

    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say!("downhill serve: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(async move {
        let (addr, server) = match start(config).await {
            Ok(s) => s,
            Err(e) => {
                say!("downhill serve: cannot listen on {}: {e}", args.listen);
                return ExitCode::from(1);
            }
        };
        say!(
            "downhill serve: {n} scenario(s){}; listening on {addr}\n\
             downhill serve: connect with: ssh -p {} {}",
            if broken > 0 {
                format!(" ({broken} with errors)")
            } else {
                String::new()
            },
            addr.port(),
            if addr.ip().is_unspecified() {
                "THIS-HOST".to_string()
            } else {
                addr.ip().to_string()
            },
        );
        wait_for_signal().await;
        say!("downhill serve: shutting down");
        server.shutdown_and_wait(Duration::from_secs(8)).await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
        _ = hup.recv() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        for bad in ["", "m", "15x", "1.5h", "-3s", "h1", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        // Options take at most 30 days; more is an error, not an overflow.
        assert_eq!(duration_arg("30d"), Ok(MAX_DURATION));
        for long in ["31d", "18446744073709551615", "721h"] {
            let e = duration_arg(long).unwrap_err();
            assert!(e.contains("at most 30d"), "{e}");
        }
        assert!(positive_duration_arg("0").is_err());
        assert_eq!(fmt_duration(Duration::from_secs(900)), "15m");
        assert_eq!(fmt_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(fmt_duration(Duration::ZERO), "0s");
        assert_eq!(fmt_duration(Duration::from_millis(300)), "300ms");
    }
}
