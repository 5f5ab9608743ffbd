//! Every output path of the headless commands, through the real binary:
//! stdout and stderr closed or full, a 10⁶-point sweep streamed, text from
//! files escaped, numbers in messages short, basins of very wide domains,
//! run names that differ only by invisible characters.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::common::TempDir;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_downhill"));
    c.stdin(Stdio::null());
    c
}

const ONE: &str = "title = \"t\"\n[objective]\nf = \"x^2\"\ndomain = { x = [-1.0, 1.0] }\n\
                   [descent]\nepochs = 5\n[[run]]\nname = \"a\"\nlr = 0.1\n";

/// A scenario with a `[sweep]` of `n` × `n` points of one epoch each.
fn grid(n: usize) -> String {
    format!(
        "title = \"grid\"\n[objective]\nf = \"x^2 + y^2\"\n\
         domain = {{ x = [-1.0, 1.0], y = [-1.0, 1.0] }}\n[descent]\nepochs = 1\n\
         [[run]]\nname = \"a\"\nlr = 0.1\n[sweep]\n\
         x_axis = {{ param = \"start.x\", from = -1, to = 1, steps = {n} }}\n\
         y_axis = {{ param = \"start.y\", from = -1, to = 1, steps = {n} }}\n"
    )
}

fn full() -> Stdio {
    Stdio::from(File::options().write(true).open("/dev/full").unwrap())
}

/// The write end of a pipe nobody reads (its read end is closed).
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

fn no_panic(status: ExitStatus, stderr: &str) {
    assert!(
        !stderr.contains("panicked") && status.code() != Some(101),
        "{status}: {stderr}"
    );
    assert!(status.code().is_some(), "killed by a signal: {status}");
}

/// Run with stdout and stderr as given (each `None` is captured); the
/// status and what was captured.
fn run(args: &[&str], out: Option<Stdio>, err: Option<Stdio>) -> (ExitStatus, String, String) {
    let mut c = bin();
    c.args(args);
    c.stdout(out.unwrap_or_else(Stdio::piped));
    c.stderr(err.unwrap_or_else(Stdio::piped));
    let o = c.output().unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    no_panic(o.status, &se);
    (o.status, so, se)
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let d = TempDir::new("closed");
    for i in 0..1000 {
        d.file(&format!("s{i:03}.toml"), ONE);
    }
    let sweep = d.file("grid.toml", &grid(200));
    let dir = d.0.to_str().unwrap();
    // `| head -1`: the reader goes away after one line.
    for args in [
        vec!["check", dir],
        vec!["list"],
        vec!["run", "peaks", "--format", "csv"],
        vec!["sweep", sweep.to_str().unwrap(), "--format", "json"],
        vec!["sweep", sweep.to_str().unwrap(), "--format", "csv"],
        vec!["--help"],
    ] {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        no_panic(status, &err);
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert!(!first.is_empty(), "{args:?}");
    }
}

#[test]
fn a_full_disk_is_a_message_and_exit_1() {
    let d = TempDir::new("full");
    let f = d.file("one.toml", ONE);
    let sweep = d.file("grid.toml", &grid(3));
    let (f, sweep) = (f.to_str().unwrap(), sweep.to_str().unwrap());
    for args in [
        vec!["check", f],
        vec!["list"],
        vec!["run", f],
        vec!["run", f, "--format", "json"],
        vec!["sweep", sweep],
        vec!["sweep", sweep, "--format", "csv"],
        vec!["--help"],
    ] {
        let (status, _, err) = run(&args, Some(full()), None);
        assert_eq!(status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("cannot write output") && err.contains("No space left"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_closed_or_full_stderr_never_panics() {
    let d = TempDir::new("stderr");
    let bad = d.file("bad.toml", "title = 3\n");
    let plain = d.file("plain.toml", ONE);
    let (bad, plain) = (bad.to_str().unwrap(), plain.to_str().unwrap());
    for args in [
        vec!["check", bad],
        vec!["run", "/no/such/file.toml"],
        vec!["sweep", plain],
        vec!["check", "/no/such/dir"],
    ] {
        for err in [closed_pipe(), full()] {
            let (status, _, _) = run(&args, None, Some(err));
            assert_eq!(status.code(), Some(1), "{args:?}");
        }
    }
    // Bad usage stays 2.
    let (status, _, _) = run(&["--no-such-flag"], None, Some(closed_pipe()));
    assert_eq!(status.code(), Some(2));
}

/// Peak resident memory of `downhill ARGS` in KiB, sampled from /proc while
/// it runs (its stdout counted and thrown away), the bytes it wrote, and
/// their first 64 and last 16.
fn peak_rss(args: &[&str]) -> (u64, u64, String, String) {
    let mut child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let (mut n, mut head) = (0u64, String::new());
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match out.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(k) => {
                    if n == 0 {
                        head = String::from_utf8_lossy(&buf[..k.min(64)]).into_owned();
                    }
                    n += k as u64;
                    bytes.extend_from_slice(&buf[..k]);
                    let keep = bytes.len().saturating_sub(16);
                    bytes.drain(..keep);
                }
            }
        }
        (n, head, String::from_utf8_lossy(&bytes).into_owned())
    });
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        if let Ok(s) = std::fs::read_to_string(&status)
            && let Some(kb) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    assert!(child.wait().unwrap().success(), "{args:?}");
    let (bytes, head, tail) = reader.join().unwrap();
    (peak, bytes, head, tail)
}

#[test]
fn a_million_point_sweep_streams_in_every_format() {
    // JSON at the documented maximum of 10^6 points (it used 3.2 GB); CSV
    // and the table at a quarter of it (56 and 120 MB when the grid was
    // held), all three at once. The table keeps one entry per place a point
    // ended (at most 65 536 of them).
    let d = TempDir::new("stream");
    let million = d.file("million.toml", &grid(1000));
    let quarter = d.file("quarter.toml", &grid(500));
    let jobs: Vec<_> = [
        ("json", &million, 100, 32),
        ("csv", &quarter, 25, 32),
        ("table", &quarter, 0, 64),
    ]
    .into_iter()
    .map(|(format, f, per_point, most_mib)| {
        let f = f.to_str().unwrap().to_string();
        std::thread::spawn(move || {
            let (peak_kib, bytes, head, tail) = peak_rss(&["sweep", &f, "--format", format]);
            assert!(peak_kib < most_mib * 1024, "{format}: {peak_kib} KiB");
            assert!(bytes >= per_point * 1_000_000, "{format}: {bytes} bytes");
            if format == "json" {
                assert!(
                    head.starts_with("{\"axes\":[\"start.x\",\"start.y\"],\"points\":[{"),
                    "{head:?}"
                );
                assert!(tail.ends_with("}]}\n"), "{tail:?}");
            }
            if format == "table" {
                assert!(head.starts_with("grid\n"), "{head:?}");
            }
        })
    })
    .collect();
    for j in jobs {
        j.join().unwrap();
    }
}

#[test]
fn text_from_files_is_escaped_in_every_table_and_message() {
    let d = TempDir::new("escape");
    // CR, VT, FF, NEL and LINE SEPARATOR: whitespace to the parser.
    let text = r#"title = "s"
[objective]
f = "x^2\r\u000B\u000C\u0085\u2028+1"
domain = { x = [-1.0, 1.0] }
[descent]
epochs = 2
[[run]]
name = "a"
lr = 0.1
[sweep]
x_axis = { param = "lr", from = 0.01, to = 0.1, steps = 3 }
"#;
    let p = d.file("ws.toml", text);
    let hostile = ['\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{1b}'];
    for args in [
        vec!["sweep", p.to_str().unwrap()],
        vec!["run", p.to_str().unwrap()],
    ] {
        let (status, out, _) = run(&args, None, None);
        assert!(status.success());
        assert!(!out.contains(hostile), "{args:?}: {out:?}");
        assert!(out.contains(r"x^2\r\u{b}\u{c}\u{85}\u{2028}+1"), "{out:?}");
    }
    // A file name with an escape in it, in the "no [sweep]" message.
    let evil = d.file("esc\u{1b}[2J.toml", ONE);
    let (status, _, err) = run(&["sweep", evil.to_str().unwrap()], None, None);
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("no [sweep] table"), "{err}");
    assert!(
        !err.contains('\u{1b}') && err.contains(r"esc\u{1b}[2J"),
        "{err:?}"
    );
}

#[test]
fn basins_of_very_wide_domains_stay_finite() {
    // Two minima at x = ±1e154 on a domain 6e154 wide: its diagonal squared
    // overflows a float.
    let d = TempDir::new("wide");
    let p = d.file(
        "wide.toml",
        "title = \"wide\"\n[objective]\nf = \"((x/1e154)^2 - 1)^2 + (y/1e154)^2\"\n\
         domain = { x = [-3e154, 3e154], y = [-3e154, 3e154] }\n\
         [descent]\nepochs = 300\nstarts = 20\nseed = 4\nbound = 1e300\n\
         [[run]]\nname = \"a\"\nlr = 5e306\n",
    );
    let p = p.to_str().unwrap();
    let (status, out, _) = run(&["run", p, "--format", "json"], None, None);
    assert!(status.success());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let basins = v["runs"][0]["basins"].as_array().unwrap();
    assert_eq!(basins.len(), 2, "{basins:?}");
    let mut total = 0;
    for b in basins {
        let x = b["at"]["x"].as_f64().expect("a finite mean");
        let y = b["at"]["y"].as_f64().expect("a finite mean");
        assert!(
            (x.abs() / 1e154 - 1.0).abs() < 1e-3 && y.abs() < 1e151,
            "{b}"
        );
        total += b["count"].as_u64().unwrap();
    }
    assert_eq!(total, 20);
    let (_, table, _) = run(&["run", p], None, None);
    assert!(table.contains("within 8.485e152 are one basin"), "{table}");
}

/// The error line `downhill check` prints for a scenario.
fn check_error(d: &TempDir, name: &str, text: &str) -> String {
    let p = d.file(name, text);
    let (status, _, err) = run(&["check", p.to_str().unwrap()], None, None);
    assert_eq!(status.code(), Some(1), "{text}");
    err.lines().next().unwrap().to_string()
}

#[test]
fn names_that_look_the_same_are_the_same_name() {
    let d = TempDir::new("names");
    let with = |names: &[&str]| {
        let mut t = String::from(
            "title = \"n\"\n[objective]\nf = \"x^2\"\ndomain = { x = [-1.0, 1.0] }\n\
             [descent]\nepochs = 3\n",
        );
        for n in names {
            t.push_str(&format!("[[run]]\nname = \"{n}\"\nlr = 0.1\n"));
        }
        t
    };
    let e = check_error(&d, "dup.toml", &with(&["a", r"a\u200b"]));
    assert!(e.contains("two runs are named `a`"), "{e}");
    let e = check_error(&d, "dup2.toml", &with(&[r"\u2060b\ufe0f", "b"]));
    assert!(e.contains("two runs are named `b`"), "{e}");
    let e = check_error(&d, "empty.toml", &with(&[r"\u200b\u200c\u00ad"]));
    assert!(e.contains("must not be empty"), "{e}");
    // Visible differences are differences.
    let p = d.file("ok.toml", &with(&["a", "a2", "A"]));
    let (status, _, err) = run(&["check", p.to_str().unwrap()], None, None);
    assert!(status.success(), "{err}");
}

#[test]
fn numbers_in_messages_are_short_and_exact() {
    let d = TempDir::new("numbers");
    for (name, text, want) in [
        (
            "lr.toml",
            ONE.replace("lr = 0.1", "lr = -1.797e308"),
            "`lr` is -1.797e308",
        ),
        (
            "tiny.toml",
            ONE.replace("epochs = 5", "epochs = 5\nstart = { x = 5e-324 }")
                .replace("[-1.0, 1.0]", "[1.0, 2.0]"),
            "start x = 5e-324 is outside the domain [1, 2]",
        ),
        (
            "range.toml",
            ONE.replace(
                "[-1.0, 1.0]",
                "[1.7976931348623157e308, -1.7976931348623157e308]",
            ),
            "from (1.7976931348623157e308) must be below to (-1.7976931348623157e308)",
        ),
        (
            "momentum.toml",
            ONE.replace("lr = 0.1", "lr = 0.1\nmomentum = -5e-324"),
            "`momentum` is -5e-324",
        ),
    ] {
        let line = check_error(&d, name, &text);
        assert!(line.contains(want), "{line}");
        assert!(line.len() < 200, "{} characters: {line}", line.len());
    }
}
