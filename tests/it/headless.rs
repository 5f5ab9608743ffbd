//! The headless commands, driven through the real binary.

use std::process::{Command, Output};

fn downhill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = downhill(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn run_named<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no run {name}"))
}

#[test]
fn lesson_1d_published_number() {
    let v = json(&["run", "scenarios/01-descent-1d.toml", "--format", "json"]);
    assert_eq!(v["variables"], serde_json::json!(["x"]));
    let r = run_named(&v, "lr 0.01 (lesson)");
    let x = r["final"]["x"].as_f64().unwrap();
    assert!((x - 0.4969218).abs() < 1e-6, "{x}");
    assert_eq!(r["epochs"], 100);
    assert_eq!(r["status"], "finished");
    assert_eq!(r["diverged_at"], serde_json::Value::Null);
    assert_eq!(r["start"]["x"], -0.998);
    // Closed form: every step multiplies the error by 0.94.
    let closed = 0.5 + (-0.998 - 0.5) * 0.94f64.powi(100);
    assert!((x - closed).abs() < 1e-12, "{x} vs {closed}");
}

#[test]
fn lesson_peaks_published_number() {
    let v = json(&["run", "peaks", "--format", "json"]);
    let r = run_named(&v, "fixed 0.01");
    let x = r["final"]["x"].as_f64().unwrap();
    let y = r["final"]["y"].as_f64().unwrap();
    assert!((x - -1.3473962).abs() < 1e-6, "{x}");
    assert!((y - 0.2045189).abs() < 1e-6, "{y}");
    assert_eq!(r["epochs"], 1000);
}

/// The code challenge, re-implemented plainly from the lesson's formulas.
fn challenge(scheme: &str) -> Vec<(f64, f64)> {
    let n = 50.0;
    let mut x: f64 = -2.0;
    let mut out = Vec::new();
    for i in 0..50 {
        let g = 6.0 * x - 3.0;
        let lr = match scheme {
            "fixed" => 0.01,
            "grad-based" => 0.01 * g.abs(),
            "time-based" => 0.1 * (1.0 - (i as f64 + 1.0) / n),
            _ => unreachable!(),
        };
        x -= lr * g;
        out.push((lr, x));
    }
    out
}

#[test]
fn code_challenge_follows_the_formulas_every_epoch() {
    let out = downhill(&[
        "run",
        "scenarios/04-fixed-vs-dynamic.toml",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("run,epoch,lr,loss,grad_norm,x"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3 * 51);
    for scheme in ["fixed", "grad-based", "time-based"] {
        let expect = challenge(scheme);
        let mine: Vec<_> = rows.iter().filter(|r| r[0] == scheme).collect();
        assert_eq!(mine.len(), 51);
        assert_eq!(mine[0][1], "0");
        assert_eq!(mine[0][2], "", "no lr before the first update");
        assert_eq!(mine[0][5], "-2");
        for (k, (lr, x)) in expect.iter().enumerate() {
            let row = mine[k + 1];
            assert_eq!(row[1], (k + 1).to_string());
            let got_lr: f64 = row[2].parse().unwrap();
            let got_x: f64 = row[5].parse().unwrap();
            assert!(
                (got_lr - lr).abs() <= 1e-15 * lr.abs().max(1.0),
                "{scheme} k={k}"
            );
            assert!((got_x - x).abs() <= 1e-12, "{scheme} k={k}: {got_x} vs {x}");
        }
    }
    // Time-based decays to exactly 0 on the last update.
    let last = rows.iter().rfind(|r| r[0] == "time-based").unwrap();
    assert_eq!(last[2], "0");
}

#[test]
fn exploding_rate_is_marked_diverged_and_others_finish() {
    let v = json(&["run", "exploding-lr", "--format", "json"]);
    let boom = run_named(&v, "lr 1");
    assert_eq!(boom["status"], "diverged");
    // |x + ...| grows by 5 per step from 2.5: beyond 1e12 after ~17 epochs.
    let at = boom["diverged_at"].as_u64().unwrap();
    assert!((15..=20).contains(&at), "{at}");
    let crawl = run_named(&v, "lr 0.001");
    assert_eq!(crawl["status"], "finished");
    let x = crawl["final"]["x"].as_f64().unwrap();
    assert!((x - -0.87).abs() < 0.01, "{x}");
}

#[test]
fn table_is_a_readable_summary() {
    let out = downhill(&["run", "descent-1d"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Gradient descent in 1D\n"), "{text}");
    assert!(text.contains("0.4969218"), "{text}");
    assert!(text.contains("finished"), "{text}");
}

#[test]
fn check_accepts_every_bundled_scenario() {
    let out = downhill(&["check", "scenarios"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.lines().count(), 21, "{text}");
    assert!(text.lines().all(|l| l.starts_with("ok  ")), "{text}");
}

#[test]
fn bad_input_exits_1_with_path_line_col() {
    let dir = std::env::temp_dir().join(format!("downhill-headless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "title = \"t\"\n[objective]\nf = \"x^\"\n").unwrap();
    let out = downhill(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let out = downhill(&["run", "no/such/file.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("no/such/file.toml: cannot open"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn list_names_the_bundled_scenarios() {
    let out = downhill(&["list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 21);
    assert!(text.contains("03-peaks"), "{text}");
}

#[test]
fn dashboard_refuses_a_pipe_politely() {
    let out = downhill(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a terminal"), "{err}");
}

/// `downhill run 01` (and `1`) name the scenario the dashboard's key `1`
/// shows and `downhill list` lists first.
#[test]
fn a_bundled_scenario_by_its_number() {
    let by_name = json(&["run", "01-descent-1d", "--format", "json"]);
    for number in ["01", "1"] {
        assert_eq!(
            json(&["run", number, "--format", "json"]),
            by_name,
            "{number}"
        );
    }
    let out = downhill(&["run", "99"]);
    assert_eq!(out.status.code(), Some(1));
}

/// `serve --help` opens with a whole sentence, not one cut mid-way.
#[test]
fn serve_help_summary_is_a_whole_sentence() {
    let out = downhill(&["serve", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "Serve the dashboard over SSH: everyone who connects gets a dashboard of their own"
    );
    let top = String::from_utf8_lossy(&downhill(&["--help"]).stdout).to_string();
    assert!(top.contains("gets a dashboard of their own"), "{top}");
}
