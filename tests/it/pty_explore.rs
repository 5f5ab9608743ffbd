//! The knobs, driven through the real binary in a pseudo-terminal: `>`,
//! `p`, `,`, `h`, `S` and a mouse click, each read back off the screen.

use std::time::Duration;

use crate::common::{Pty, assert_placed_at_the_minimum, click_on_the_minimum, epoch};

/// The table row of run `name`.
fn row<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("│{name}")))
        .unwrap_or_else(|| panic!("no row {name}:\n{text}"))
}

/// Start on the bundled scenario whose title holds `title`, paused.
fn paused_on(title: &str, cols: u16, rows: u16, args: &[&str]) -> Pty {
    let mut p = Pty::spawn(args, cols, rows, &[]);
    p.wait_for("first frame", 15, |t| epoch(t).is_some());
    p.send("o");
    p.send(title);
    p.send("\r");
    p.wait_for(title, 5, |t| {
        t.lines().next().is_some_and(|l| l.contains(title))
    });
    p.send(" ");
    // Paused, and the race drawn (a scenario just opened says `starting…`
    // until its first snapshot).
    p.wait_for("paused and drawn", 10, |t| {
        t.contains("· paused") && !t.contains("starting…")
    });
    p
}

/// The lr column of a paused run's row: the word after `paused`.
fn lr_of(row: &str) -> &str {
    let mut words = row.split_whitespace().skip_while(|w| *w != "paused");
    words.nth(1).unwrap_or_else(|| panic!("no lr in {row}"))
}

#[test]
fn doubling_the_selected_runs_rate_shows_in_the_table_at_once() {
    let mut p = paused_on("Gradient descent in 1D", 100, 30, &[]);
    // One step, so that the table and explain have an update to show.
    std::thread::sleep(Duration::from_millis(200));
    let e0 = epoch(&p.text()).unwrap();
    p.send("s");
    let t = p.wait_for("a step", 5, |t| epoch(t) == Some(e0 + 1));
    assert_eq!(lr_of(row(&t, "lr 0.01 (lesson)")), "0.01", "{t}");
    p.send(">");
    let t = p.wait_for("the new rate", 5, |t| t.contains("(lesson) ✎"));
    assert_eq!(lr_of(row(&t, "lr 0.01 (lesson) ✎")), "0.02", "{t}");
    // The other runs keep theirs.
    assert_eq!(lr_of(row(&t, "lr 0.1 ")), "0.1", "{t}");
    // It is the rate of the next step: explain says so.
    p.send("x");
    let t = p.wait_for("explain", 5, |t| t.contains("η is now 0.02"));
    assert!(t.contains("from the next update"), "{t}");
    p.send("x");
    p.send("s");
    p.wait_for("a step", 5, |t| epoch(t) == Some(e0 + 2));
    p.send("x");
    let t = p.wait_for("explain the step", 5, |t| t.contains("η = 0.02 (constant)"));
    assert!(!t.contains("η is now"), "{t}");
    p.send("q");
}

#[test]
fn a_crosshair_places_the_start_and_every_run_restarts_there() {
    let mut p = paused_on("Peaks: descent in 2D", 120, 40, &[]);
    p.send("s");
    p.wait_for("a step", 5, |t| {
        epoch(t) == Some(1) || epoch(t).is_some_and(|e| e > 1)
    });
    p.send("p");
    p.wait_for("the crosshair", 5, |t| t.contains("start (-1.169, 1.134)"));
    // Five to the right (a 50th of 6 each), one down ten times as far.
    p.send("lllll");
    p.send("J");
    p.wait_for("moved", 5, |t| t.contains("start (-0.5686, -0.06648)"));
    p.send("\r");
    let t = p.wait_for("the restart", 5, |t| {
        t.contains("every run restarts at (x, y) = (-0.5686, -0.06648)")
    });
    assert!(!t.contains("┼"), "the crosshair is gone: {t}");
    // A new race from the start: its table starts there.
    p.send(" ");
    p.send("i");
    let t = p.wait_for("details", 5, |t| t.contains("placed here"));
    assert!(t.contains("(-0.5686332, -0.06647547)"), "{t}");
    p.send("q");
}

#[test]
fn one_step_back_returns_to_the_same_numbers() {
    let mut p = paused_on("why learning rates decay", 100, 30, &[]);
    std::thread::sleep(Duration::from_millis(200));
    let first = epoch(&p.text()).unwrap() + 1;
    p.send("s");
    let t = p.wait_for("a step", 5, |t| epoch(t) == Some(first));
    let at_first = row(&t, "fixed 0.3").to_string();
    p.send("s");
    p.wait_for("another", 5, |t| epoch(t) == Some(first + 1));
    p.send(",");
    let t = p.wait_for("back", 5, |t| epoch(t) == Some(first));
    assert_eq!(row(&t, "fixed 0.3"), at_first, "noise included");
    p.send("q");
}

#[test]
fn a_hidden_run_leaves_the_charts_and_stays_in_the_table() {
    let mut p = paused_on("Gradient descent in 1D", 100, 30, &[]);
    let legend = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("└ ━"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(legend(&p.text()).contains("lr 0.1 "), "{}", p.text());
    p.send("j");
    p.send("h");
    let t = p.wait_for("hidden", 5, |t| t.contains("lr 0.1 (hidden)"));
    assert!(!legend(&t).contains("lr 0.1 "), "{t}");
    assert!(legend(&t).contains("lr 0.01 (lesson)"), "{t}");
    p.send("h");
    p.wait_for("shown again", 5, |t| !t.contains("(hidden)"));
    p.send("q");
}

#[test]
fn a_saved_scenario_checks_and_reproduces_the_race_on_screen() {
    let dir = std::env::temp_dir().join(format!("downhill-pty-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_arg = dir.display().to_string();
    let mut p = paused_on("Fixed vs dynamic", 120, 40, &["--export-dir", &dir_arg]);
    p.send(">"); // the fixed run at 0.02
    p.send("r");
    for _ in 0..25 {
        p.send("+");
    }
    let t = p.wait_for("done", 20, |t| t.contains("· done"));
    p.send("S");
    p.wait_for("saved", 5, |t| t.contains("saved "));
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|x| x == "toml"))
        .expect("a saved file");
    let bin = env!("CARGO_BIN_EXE_downhill");
    let check = std::process::Command::new(bin)
        .args(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
    let out = std::process::Command::new(bin)
        .args(["run", file.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in json["runs"].as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        let x = r["final"]["x"].as_f64().unwrap();
        let shown: f64 = row(&t, name)
            .split_whitespace()
            .find_map(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no number for {name}:\n{t}"));
        let digits = downhill::text::num::sig(x, 7);
        assert_eq!(
            shown,
            digits.parse::<f64>().unwrap(),
            "{name}: {x} vs the screen"
        );
    }
    assert_eq!(json["runs"][0]["lr"].as_f64(), Some(0.02));
    p.send("q");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_click_on_the_map_places_the_start() {
    let mut p = paused_on("Peaks: descent in 2D", 120, 40, &[]);
    // Click the known minimum's cell, `✕` at (0.228279, -1.625535).
    p.send(&click_on_the_minimum(&p.text()));
    let t = p.wait_for("the restart", 5, |t| {
        t.contains("every run restarts at (x, y) = (")
    });
    assert_placed_at_the_minimum(&t);
    p.send("q");
}

#[test]
fn no_mouse_asks_the_terminal_for_no_clicks() {
    for (args, wanted) in [(&[][..], true), (&["--no-mouse"][..], false)] {
        let mut p = Pty::spawn(args, 80, 24, &[]);
        p.wait_for("first frame", 15, |t| epoch(t).is_some());
        let asked = String::from_utf8_lossy(&p.bytes_since(0)).contains("\x1b[?1000h");
        assert_eq!(asked, wanted, "{args:?}");
        p.send("q");
        assert_eq!(p.wait_exit(10), 0);
        let off = String::from_utf8_lossy(&p.bytes_since(0)).contains("\x1b[?1000l");
        assert!(off, "mouse reports are always switched off at the end");
    }
}
