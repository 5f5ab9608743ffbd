//! Long headless work: the progress bar on a terminal (and not on a pipe),
//! and Ctrl-C, through the real binary.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::Pty;

/// A scenario file in a fresh temporary directory.
fn scenario(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("downhill-progress-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Peaks, one fixed-rate run of `epochs` epochs.
fn long_run(name: &str, epochs: u64) -> PathBuf {
    let text = downhill::scenario::bundled::find("peaks").unwrap().1;
    let one: String = text
        .split("[[run]]")
        .take(2)
        .collect::<Vec<_>>()
        .join("[[run]]")
        .replace("epochs = 1000\n", &format!("epochs = {epochs}\n"));
    assert!(one.contains(&format!("epochs = {epochs}\n")), "{one}");
    scenario(name, &one)
}

/// A sweep of `steps` × `steps` starts on peaks, `epochs` epochs each.
fn long_sweep(name: &str, steps: usize, epochs: u64) -> PathBuf {
    let text = format!(
        r#"title = "long sweep"
[objective]
f = "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)"
domain = {{ x = [-3.0, 3.0], y = [-3.0, 3.0] }}
[descent]
epochs = {epochs}
start = {{ x = 0.0, y = 0.0 }}
[[run]]
name = "fixed"
lr = 0.01
[sweep]
x_axis = {{ param = "start.x", from = -2.0, to = 2.0, steps = {steps} }}
y_axis = {{ param = "start.y", from = -2.0, to = 2.0, steps = {steps} }}
"#
    );
    scenario(name, &text)
}

/// The bar's line on a screen: `NN% [###---] …/… unit · …/s · … left`.
fn has_bar(screen: &str, unit: &str) -> bool {
    screen.lines().any(|l| {
        l.contains("% [") && l.contains(unit) && l.contains("/s · ") && l.ends_with("left")
    })
}

#[test]
fn a_long_run_shows_its_progress_and_stops_cleanly_on_ctrl_c() {
    let file = long_run("pty-run", 1_000_000_000);
    let mut p = Pty::spawn(
        &["run", file.to_str().unwrap(), "--format", "json"],
        100,
        20,
        &[],
    );
    let t = p.wait_for("the progress bar", 10, |t| has_bar(t, "epochs"));
    assert!(t.contains("/1,000,000,000 epochs"), "{t}");
    // It moves.
    let first = p.text();
    p.wait_for("the bar moving", 5, |t| has_bar(t, "epochs") && t != first);
    p.send("\x03");
    assert_eq!(p.wait_exit(10), 130, "{}", p.text());
    let t = p.text();
    assert!(!has_bar(&t, "epochs"), "the bar's line is cleared:\n{t}");
    assert!(
        t.contains("downhill: interrupted at epoch ") && t.contains(" of 1,000,000,000 (Ctrl-C)"),
        "{t}"
    );
    // The runs as far as they got, still running.
    assert!(t.contains("\"status\":\"running\""), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn a_long_sweep_shows_its_progress_and_stops_cleanly_on_ctrl_c() {
    let file = long_sweep("pty-sweep", 1000, 1000);
    let mut p = Pty::spawn(&["sweep", file.to_str().unwrap()], 100, 20, &[]);
    let t = p.wait_for("the progress bar", 10, |t| has_bar(t, "points"));
    assert!(t.contains("/1,000,000 points"), "{t}");
    p.send("\x03");
    assert_eq!(p.wait_exit(15), 130, "{}", p.text());
    let t = p.text();
    assert!(!has_bar(&t, "points"), "{t}");
    assert!(
        t.contains("downhill: interrupted after ") && t.contains(" of 1,000,000 points (Ctrl-C)"),
        "{t}"
    );
    // The table of what was done, after the bar.
    let out = String::from_utf8_lossy(&p.bytes_since(0)).to_string();
    assert!(out.contains("long sweep"), "{out}");
}

#[test]
fn short_work_shows_no_bar() {
    let mut p = Pty::spawn(&["run", "peaks"], 100, 30, &[]);
    assert_eq!(p.wait_exit(10), 0);
    let out = String::from_utf8_lossy(&p.bytes_since(0)).to_string();
    assert!(!out.contains("% ["), "{out}");
    assert!(out.contains("fixed 0.01"), "{out}");
}

#[test]
fn on_a_pipe_there_is_no_bar_and_sigint_says_how_far_it_got() {
    let file = long_run("pipe-run", 1_000_000_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(["run", file.to_str().unwrap(), "--format", "table"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Past the second after which a terminal would show the bar.
    std::thread::sleep(Duration::from_millis(1500));
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let end = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "no exit after SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    // One line on stderr, and nothing of a bar.
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(!err.contains('\r') && !err.contains("% ["), "{err:?}");
    assert!(
        err.starts_with("downhill: interrupted at epoch "),
        "{err:?}"
    );
    let epoch: u64 = err["downhill: interrupted at epoch ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(epoch > 0, "{err}");
    // The table, with the run as far as it got.
    assert!(out.contains("running"), "{out}");
    assert!(out.contains(&epoch.to_string()), "{epoch} in\n{out}");
}

#[test]
fn a_second_ctrl_c_quits_work_that_cannot_stop_soon() {
    // Four points of 10⁹ epochs: one chunk, which (DOWNHILL_FAULT=slow-stop)
    // is finished before the sweep stops.
    let file = long_sweep("pty-stuck", 2, 1_000_000_000);
    let mut p = Pty::spawn(
        &["sweep", file.to_str().unwrap()],
        100,
        20,
        &[("DOWNHILL_FAULT", "slow-stop")],
    );
    p.wait_for("the progress bar", 10, |t| has_bar(t, "points"));
    p.send("\x03");
    let t = p.wait_for("the note on stopping", 5, |t| {
        t.contains("downhill: stopping after the work under way… (Ctrl-C again to quit now)")
    });
    assert!(!has_bar(&t, "points"), "{t}");
    p.send("\x03");
    assert_eq!(p.wait_exit(5), 130, "{}", p.text());
    assert!(!p.text().contains("panicked"));
}

#[test]
fn one_ctrl_c_stops_a_sweep_inside_its_chunk() {
    // The same four points of 10⁹ epochs: the chunk under way stops too.
    let file = long_sweep("pty-stops", 2, 1_000_000_000);
    let mut p = Pty::spawn(&["sweep", file.to_str().unwrap()], 100, 20, &[]);
    p.wait_for("the progress bar", 10, |t| has_bar(t, "points"));
    p.send("\x03");
    assert_eq!(p.wait_exit(5), 130, "{}", p.text());
    assert!(!p.text().contains("Ctrl-C again"), "{}", p.text());
    assert!(!p.text().contains("panicked"));
}
