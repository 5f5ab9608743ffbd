//! The real binary in a pseudo-terminal, as a person uses it.

use crate::common::{Pty, epoch, has_braille, restored};
use std::time::Duration;

#[test]
fn dashboard_draws_steps_switches_and_quits_cleanly() {
    let mut p = Pty::spawn(&[], 100, 30, &[]);
    let t = p.wait_for("curves and table", 15, |t| {
        has_braille(t)
            && t.contains("run ")
            && t.contains("loss")
            && epoch(t).is_some_and(|e| e > 0)
    });
    assert!(t.contains("Gradient descent in 1D"), "{t}");
    let n = downhill::scenario::bundled::ALL.len();
    assert!(t.contains(&format!("1/{n}")), "{t}");

    // space freezes the epoch counter.
    p.send(" ");
    p.wait_for("paused", 5, |t| t.contains("paused"));
    std::thread::sleep(Duration::from_millis(300));
    let frozen = epoch(&p.text()).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(epoch(&p.text()).unwrap(), frozen, "paused must not advance");

    // s moves it by exactly one.
    p.send("s");
    p.wait_for("one step", 5, |t| epoch(t) == Some(frozen + 1));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(epoch(&p.text()).unwrap(), frozen + 1, "exactly one epoch");
    p.send(".");
    p.wait_for("another step", 5, |t| epoch(t) == Some(frozen + 2));

    // Tab changes the title.
    p.send("\t");
    p.wait_for("next scenario", 5, |t| {
        t.contains("The unfortunate start") && t.contains(&format!("2/{n}"))
    });

    // ? shows the keys; Esc closes it.
    p.send("?");
    p.wait_for("help", 5, |t| t.contains("pause / resume"));
    p.send("\x1b");
    p.wait_for("help closed", 5, |t| !t.contains("pause / resume"));

    let before = p.byte_count();
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
    assert!(restored(&p.bytes_since(before)), "terminal not restored");
}

#[test]
fn resizing_redraws_and_tiny_terminals_get_a_message() {
    let mut p = Pty::spawn(&[], 100, 30, &[]);
    p.wait_for("first frame", 15, |t| t.contains("epoch"));
    p.resize(40, 10);
    p.wait_for("too small", 5, |t| t.contains("terminal too small"));
    p.resize(80, 24);
    p.wait_for("back", 5, |t| {
        t.contains("epoch") && !t.contains("too small")
    });
    p.send("\x03"); // Ctrl-C
    assert_eq!(p.wait_exit(10), 0);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for (sig, code) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let mut p = Pty::spawn(&[], 80, 24, &[]);
        p.wait_for("first frame", 15, |t| t.contains("epoch"));
        let before = p.byte_count();
        let pid = p.child.process_id().unwrap();
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(p.wait_exit(10), code, "SIG{sig}");
        assert!(
            restored(&p.bytes_since(before)),
            "SIG{sig}: terminal not restored"
        );
    }
}

#[test]
fn no_color_draws_without_colour_codes() {
    let mut p = Pty::spawn(&[], 100, 30, &[("NO_COLOR", "1")]);
    p.wait_for("frame", 15, |t| has_braille(t) || t.contains("epoch"));
    std::thread::sleep(Duration::from_millis(300));
    let out = String::from_utf8_lossy(&p.bytes_since(0)).to_string();
    // No foreground colour escapes (38;5 / 3x) at all.
    for code in ["\x1b[36m", "\x1b[33m", "\x1b[35m", "\x1b[31m", "\x1b[38;"] {
        assert!(!out.contains(code), "colour escape {code:?} with NO_COLOR");
    }
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
}

fn scenario_text(title: &str) -> String {
    downhill::scenario::bundled::find("fixed-vs-dynamic")
        .unwrap()
        .1
        .replacen(
            "title = \"Fixed vs dynamic learning rate\"",
            &format!("title = \"{title}\""),
            1,
        )
}

#[test]
fn saving_a_file_reloads_it_under_the_running_dashboard() {
    let dir = std::env::temp_dir().join(format!("downhill-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.toml");
    std::fs::write(&a, scenario_text("First title")).unwrap();
    let mut p = Pty::spawn(&[dir.to_str().unwrap()], 100, 30, &[]);
    p.wait_for("first title", 15, |t| {
        t.contains("First title") && t.contains("1/1")
    });

    std::fs::write(&a, scenario_text("Second title")).unwrap();
    p.wait_for("the new title", 10, |t| t.contains("Second title"));

    std::fs::write(&a, "title = \"broken").unwrap();
    p.wait_for("the reload error", 10, |t| t.contains("reload failed"));
    assert!(
        p.text().contains("Second title"),
        "the last good version stays"
    );

    std::fs::write(&a, scenario_text("Third title")).unwrap();
    p.wait_for("fixed", 10, |t| {
        t.contains("Third title") && !t.contains("reload failed")
    });

    std::fs::write(dir.join("b.toml"), scenario_text("Another")).unwrap();
    p.wait_for("a new file", 10, |t| t.contains("1/2"));
    std::fs::remove_file(dir.join("b.toml")).unwrap();
    p.wait_for("the file gone", 10, |t| t.contains("1/1"));

    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn e_exports_and_says_where() {
    let dir = std::env::temp_dir().join(format!("downhill-pty-export-{}", std::process::id()));
    let mut p = Pty::spawn(&["--export-dir", dir.to_str().unwrap()], 200, 40, &[]);
    p.wait_for("first frame", 15, |t| t.contains("epoch"));
    p.send("e");
    let t = p.wait_for("the export message", 10, |t| t.contains("exported"));
    assert!(t.contains(dir.to_str().unwrap()), "{t}");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_engine_panic_is_reported_on_screen_and_quitting_still_works() {
    let mut p = Pty::spawn(&[], 100, 30, &[("DOWNHILL_FAULT", "engine")]);
    p.wait_for("first frame", 15, |t| t.contains("epoch"));
    p.send("s");
    let t = p.wait_for("the engine error", 10, |t| t.contains("engine stopped"));
    assert!(t.contains("injected engine fault"), "{t}");
    let before = p.byte_count();
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
    assert!(restored(&p.bytes_since(before)), "terminal not restored");
}

#[test]
fn a_ui_panic_restores_the_terminal_and_says_why() {
    let mut p = Pty::spawn(&[], 100, 30, &[("DOWNHILL_FAULT", "ui")]);
    let code = p.wait_exit(15);
    assert_eq!(code, 101, "a panic exits with Rust's panic code");
    let bytes = p.bytes_since(0);
    assert!(restored(&bytes), "terminal not restored");
    let text = String::from_utf8_lossy(&bytes);
    let restore_at = text.rfind("\x1b[?1049l").unwrap();
    let message_at = text
        .find("injected UI fault")
        .expect("the panic message is shown");
    assert!(
        message_at > restore_at,
        "the message comes after the terminal is restored"
    );
}

/// Context switches of every thread of `pid` so far (Linux): a sleeping
/// process makes none.
#[cfg(target_os = "linux")]
fn wakeups(pid: u32) -> u64 {
    let mut n = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let status =
            std::fs::read_to_string(task.unwrap().path().join("status")).unwrap_or_default();
        for l in status.lines() {
            if l.contains("ctxt_switches:") {
                n += l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap();
            }
        }
    }
    n
}

/// Paused, the dashboard writes nothing and sleeps, at its default pace
/// and at `max`, on a 100 000-epoch file, on a many-start scenario, and
/// whatever else is written in the watched directory (a log, an editor's
/// swap file, a terminal recorder: each used to trigger a reload and an
/// empty frame every 200 ms).
#[test]
fn paused_is_silent() {
    let dir = std::env::temp_dir().join(format!("downhill-silent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = downhill::scenario::bundled::find("fixed-vs-dynamic")
        .unwrap()
        .1
        .replacen("epochs = 50", "epochs = 100000", 1);
    assert!(big.contains("epochs = 100000"));
    std::fs::write(dir.join("big.toml"), &big).unwrap();
    // At `max` a 100 000-epoch race ends before it can be paused.
    let huge = big.replacen("epochs = 100000", "epochs = 1000000000", 1);
    std::fs::write(dir.join("huge.toml"), huge).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/16-peaks-starts.toml"
        ),
        dir.join("starts.toml"),
    )
    .unwrap();
    let mut p = Pty::spawn(&[dir.to_str().unwrap()], 100, 30, &[]);
    let pid = p.child.process_id().unwrap();
    let silent = |p: &Pty, what: &str| {
        p.wait_for("paused", 5, |t| t.contains("· paused"));
        std::thread::sleep(Duration::from_millis(400));
        let before = p.byte_count();
        #[cfg(target_os = "linux")]
        let woke = wakeups(pid);
        std::thread::sleep(Duration::from_millis(1200));
        #[cfg(target_os = "linux")]
        assert_eq!(wakeups(pid), woke, "{what}: woke while paused");
        // Other files in the directory come and go.
        for i in 0..6 {
            std::fs::write(dir.join("notes.txt"), format!("{i}\n")).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        let _ = std::fs::remove_file(dir.join("notes.txt"));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(p.byte_count(), before, "{what}: bytes written while paused");
    };
    p.wait_for("running", 15, |t| epoch(t).is_some_and(|e| e > 0));
    p.send(" ");
    silent(&p, "default pace");
    p.send("\t");
    p.wait_for("the 10⁹-epoch file", 5, |t| t.contains("2/3"));
    for _ in 0..20 {
        p.send("+");
    }
    p.wait_for("max", 5, |t| t.contains("· max"));
    std::thread::sleep(Duration::from_millis(300));
    p.send(" ");
    silent(&p, "max");
    p.send("\t");
    p.wait_for("the many-start scenario", 5, |t| {
        t.contains("Peaks from 24 starts")
    });
    p.send(" ");
    silent(&p, "many starts");
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Esc closes what is open and never quits the bare dashboard; q does.
#[test]
fn escape_never_quits() {
    let mut p = Pty::spawn(&[], 80, 24, &[]);
    p.wait_for("first frame", 15, |t| t.contains("epoch"));
    p.send("?");
    p.wait_for("help", 5, |t| t.contains("pause / resume"));
    p.send("\x1b");
    p.wait_for("help closed", 5, |t| !t.contains("pause / resume"));
    std::thread::sleep(Duration::from_millis(200));
    p.send("\x1b");
    std::thread::sleep(Duration::from_millis(200));
    p.send("\x1b");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        p.child.try_wait().unwrap().is_none(),
        "Esc quit the dashboard:\n{}",
        p.text()
    );
    let t = p.text();
    assert!(t.contains("epoch") && t.contains("q quit"), "{t}");
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
}

/// An empty directory opens like a missing file: the dashboard says so,
/// and a scenario saved there appears.
#[test]
fn an_empty_directory_fills_in() {
    let dir = std::env::temp_dir().join(format!("downhill-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut p = Pty::spawn(&[dir.to_str().unwrap()], 100, 30, &[]);
    p.wait_for("the empty directory's message", 15, |t| {
        t.contains("no *.toml scenario file") && t.contains("reloads by itself")
    });
    std::fs::write(dir.join("a.toml"), scenario_text("Saved later")).unwrap();
    p.wait_for("the new file", 10, |t| {
        t.contains("Saved later") && t.contains("1/1")
    });
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
    // A missing file opens the same way, and appears when saved.
    let missing = dir.join("later.toml");
    let mut p = Pty::spawn(&[missing.to_str().unwrap()], 100, 30, &[]);
    p.wait_for("the missing file's message", 15, |t| {
        t.contains("cannot open") && t.contains("reloads by itself")
    });
    std::fs::write(&missing, scenario_text("Saved at last")).unwrap();
    p.wait_for("the saved file", 10, |t| t.contains("Saved at last"));
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
