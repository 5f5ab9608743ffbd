//! "What you see is true": every bundled scenario, mid-run and done, at
//! every checked size, rendered into ratatui's TestBackend; every number of
//! the runs table, the basins view and the header's epoch is read back from
//! the screen and must equal the model's value to the digits shown. A
//! number is right or visibly abbreviated, never wrong; a status is never
//! cut; a column is shown whole or named as hidden; the footer always
//! offers `? help` and `q quit`.

use downhill::app::{Action, Model, update};
use downhill::scenario::bundled;
use downhill::track::Snapshot;
use downhill::ui::params_table::status_text;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: &[(u16, u16)] = &[(60, 16), (80, 24), (100, 30), (120, 40), (200, 60)];

/// Every bundled scenario's model with scenario `current` on screen after
/// `epochs` epochs (running, as a user sees it).
fn model_at(current: usize, epochs: u64) -> Model {
    crate::common::bundled_model(current, epochs, false)
}

/// The screen's rows as characters (one per cell; a wide character's
/// second cell is dropped by ratatui's blank symbol).
fn screen(m: &Model, w: u16, h: u16) -> Vec<Vec<String>> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| downhill::ui::draw(f, m, &mut Default::default()))
        .unwrap();
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect()
}

fn text(row: &[String]) -> String {
    row.concat()
}

/// Half a unit of the last digit `shown` has: the most a right value can
/// be off.
fn half_ulp(shown: &str) -> f64 {
    let (mantissa, exp) = match shown.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().expect("a whole exponent")),
        None => (shown, 0),
    };
    let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    0.5 * 10f64.powi(exp - decimals)
}

/// `shown` is `value` to the digits it shows.
fn check(shown: &str, value: f64, what: &str) {
    match shown {
        "—" => assert!(value.is_nan(), "{what}: `—` for {value}"),
        "inf" => assert_eq!(value, f64::INFINITY, "{what}"),
        "-inf" => assert_eq!(value, f64::NEG_INFINITY, "{what}"),
        _ => {
            let v: f64 = shown
                .parse()
                .unwrap_or_else(|_| panic!("{what}: `{shown}` is not a number"));
            let tol = half_ulp(shown) * (1.0 + 1e-9) + value.abs() * 1e-15;
            assert!(
                (v - value).abs() <= tol,
                "{what}: shows `{shown}` for {value:e} (off by {:e}, allowed {tol:e})",
                (v - value).abs()
            );
        }
    }
}

/// The token ending at column `right` of `row` (a right-aligned number),
/// checked to stand whole between spaces or borders.
fn number_ending_at(row: &[String], right: usize, what: &str) -> String {
    let mut start = right + 1;
    while start > 0 && row[start - 1] != " " && row[start - 1] != "│" {
        start -= 1;
    }
    let after = row.get(right + 1).map_or(" ", String::as_str);
    assert!(
        after == " " || after == "│",
        "{what}: the number runs past its column: {}",
        text(row)
    );
    row[start..=right].concat()
}

/// Read the runs table and check it against `snap`.
fn check_runs_table(
    rows: &[Vec<String>],
    snap: &Snapshot,
    vars: &[String],
    paused: bool,
    what: &str,
) {
    let top = rows
        .iter()
        .position(|r| text(r).contains("┌ runs"))
        .unwrap_or_else(|| panic!("{what}: no runs table"));
    let title = text(&rows[top]);
    let header = &rows[top + 1];
    // The table's left border: where its title's corner is (a sidebar may
    // stand left of it).
    let corner = rows[top].iter().position(|c| c == "┌").unwrap();
    let corner = (corner..rows[top].len())
        .find(|&x| text(&rows[top][x..]).starts_with("┌ runs"))
        .unwrap();
    let left = corner + 1;
    // Header tokens: name and [start, end] columns.
    let mut tokens: Vec<(String, usize, usize)> = Vec::new();
    let mut x = left;
    while x < header.len() && header[x] != "│" {
        if header[x] == " " {
            x += 1;
            continue;
        }
        let s = x;
        while x < header.len() && header[x] != " " && header[x] != "│" {
            x += 1;
        }
        tokens.push((header[s..x].concat(), s, x - 1));
    }
    let mut expected: Vec<&str> = vec!["run"];
    expected.extend(vars.iter().map(String::as_str));
    expected.extend(["loss", "status", "lr", "|∇f|"]);
    if snap.runs.iter().any(|r| r.distance.is_some()) {
        expected.push("dist");
    }
    expected.push("schedule");
    let shown: Vec<&str> = tokens.iter().map(|t| t.0.as_str()).collect();
    // Columns are whole or named hidden, rightmost dropped first.
    assert_eq!(
        shown,
        expected[..shown.len()],
        "{what}: columns in order: {}",
        text(header)
    );
    let hidden = &expected[shown.len()..];
    let counted = format!("{} columns hidden", hidden.len());
    for h in hidden {
        assert!(
            title.contains(h) || title.contains(&counted),
            "{what}: hidden column `{h}` not named: {title}"
        );
    }
    for (i, r) in snap.runs.iter().enumerate() {
        let row = &rows[top + 2 + i];
        let line = text(row);
        assert!(
            text(&row[left..]).starts_with(&r.name),
            "{what}: row {i}: {line}"
        );
        for (name, start, end) in &tokens {
            let cell = |v: f64| {
                check(
                    &number_ending_at(row, *end, what),
                    v,
                    &format!("{what}: {} {name}", r.name),
                )
            };
            match name.as_str() {
                "run" | "schedule" => {}
                "loss" => cell(r.loss),
                "lr" => cell(r.lr),
                "|∇f|" => cell(r.grad_norm),
                "dist" => cell(r.distance.unwrap()),
                "status" => {
                    let want = status_text(&r.status, paused);
                    let got = row[*start..(*start + want.chars().count()).min(row.len())].concat();
                    assert_eq!(got, want, "{what}: {line}");
                    let after = row
                        .get(start + want.chars().count())
                        .map_or(" ", String::as_str);
                    assert!(after == " " || after == "│", "{what}: status cut: {line}");
                }
                v => {
                    let d = vars.iter().position(|x| x == v).unwrap();
                    cell(r.params[d]);
                }
            }
        }
    }
}

/// Read the basins view and check every `(at)` and loss against `snap`.
fn check_basins(rows: &[Vec<String>], snap: &Snapshot, what: &str) {
    let top = rows
        .iter()
        .position(|r| text(r).contains("┌ basins"))
        .unwrap_or_else(|| panic!("{what}: no basins view"));
    let left = (0..rows[top].len())
        .find(|&x| text(&rows[top][x..]).starts_with("┌ basins"))
        .unwrap()
        + 1;
    let names: Vec<&str> = snap.runs.iter().map(|r| r.name.as_str()).collect();
    let (mut run, mut k) = (usize::MAX, 0usize);
    let mut seen = 0;
    for row in &rows[top + 2..] {
        let inner = text(&row[left..]);
        let line = text(row);
        if row[left - 1] == "└" {
            break;
        }
        let inner = inner.as_str();
        if let Some(i) = names
            .iter()
            .position(|n| inner.starts_with(&format!("{n} ")))
        {
            run = i;
            k = 0;
        } else if line.contains('(') {
            k += 1;
        }
        let (Some(open), Some(close)) = (inner.find('('), inner.find(')')) else {
            continue;
        };
        let basin = &snap.runs[run].starts.as_ref().unwrap().summary.basins[k];
        let at: Vec<&str> = inner[open + 1..close].split(", ").collect();
        assert_eq!(at.len(), basin.at.len(), "{what}: {line}");
        for (s, v) in at.iter().zip(&basin.at) {
            check(s, *v, &format!("{what}: basin at"));
        }
        let loss = inner[close + 1..].split_whitespace().next().unwrap();
        check(loss, basin.loss, &format!("{what}: basin loss"));
        seen += 1;
    }
    let first = &snap.runs[0].starts.as_ref().unwrap().summary;
    assert!(seen > 0 || first.basins.is_empty(), "{what}: no basin read");
}

fn check_screen(m: &Model, w: u16, h: u16, what: &str) {
    let rows = screen(m, w, h);
    let snap = m.snapshot().unwrap();
    let sc = m.entry().unwrap().scenario.as_ref().unwrap();
    // The header's epoch, separators and all.
    let head = text(&rows[0]);
    let at = head
        .find("epoch ")
        .unwrap_or_else(|| panic!("{what}: {head}"));
    let (n, total) = head[at + 6..].split_once('/').unwrap();
    assert_eq!(
        n.trim().replace(',', "").parse::<u64>().unwrap(),
        snap.epoch,
        "{what}: {head}"
    );
    let total: String = total
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect();
    assert_eq!(
        total.replace(',', "").parse::<u64>().unwrap(),
        sc.epochs,
        "{what}: {head}"
    );
    // The footer.
    let foot = text(&rows[usize::from(h) - 1]);
    assert!(
        foot.contains("? help") && foot.contains("q quit"),
        "{what}: {foot}"
    );
    if m.show_basins {
        check_basins(&rows, snap, what);
    } else {
        check_runs_table(&rows, snap, &sc.vars, m.entry().unwrap().paused, what);
    }
}

#[test]
fn every_number_on_screen_is_the_models() {
    for (i, (name, _)) in bundled::ALL.iter().enumerate() {
        let epochs = model_at(i, 0).entries[i].scenario.as_ref().unwrap().epochs;
        for (stage, at) in [("mid-run", epochs / 3), ("done", epochs)] {
            let mut m = model_at(i, at);
            for &(w, h) in SIZES {
                check_screen(&m, w, h, &format!("{name} {stage} {w}x{h}"));
            }
            m.entries[i].paused = true;
            check_screen(&m, 100, 30, &format!("{name} {stage} paused"));
            if m.snapshot().unwrap().starts().is_some() {
                update(&mut m, Action::ToggleBasins);
                for &(w, h) in SIZES {
                    check_screen(&m, w, h, &format!("{name} {stage} basins {w}x{h}"));
                }
            }
        }
    }
}

#[test]
fn a_paused_running_run_says_paused() {
    let mut m = model_at(0, 10);
    m.entries[0].paused = true;
    let rows = screen(&m, 100, 30);
    let table: String = rows.iter().map(|r| text(r) + "\n").collect();
    assert!(table.contains("paused"), "{table}");
    assert!(!table.contains("running"), "{table}");
}

#[test]
fn half_ulps() {
    assert!((half_ulp("3.086e-29") - 0.5e-32).abs() < 1e-45);
    assert_eq!(half_ulp("12346"), 0.5);
    assert_eq!(half_ulp("0.25"), 0.005);
    // The defect this test exists for: the exponent's last digit cut.
    let caught = std::panic::catch_unwind(|| check("3.0864e-2", 3.0864e-29, "cut"));
    assert!(caught.is_err());
}

/// A value that is long in every form, in a narrow column: fewer digits,
/// never a cut.
#[test]
fn long_values_lose_digits_not_truth() {
    for v in [
        -3.814697265625e11,
        3.0864182e-29,
        -1.234567e-300,
        123_456_789.0,
        -0.000_123_456_7,
        0.999_999_999,
    ] {
        for w in 1..14 {
            let s = downhill::text::num::fit(v, 7, w);
            assert!(s.chars().count() <= w, "{v} in {w}: {s}");
            if s != "…" {
                check(&s, v, &format!("{v} in {w}"));
            }
        }
    }
}

/// The header's status keeps its width as the epoch grows (no jitter), and
/// counts carry separators.
#[test]
fn the_header_keeps_still() {
    let rosenbrock = 6; // 5,000 epochs
    let lines: Vec<String> = [0, 7, 42, 999, 1000, 4999]
        .iter()
        .map(|&e| downhill::ui::header::status_line(&model_at(rosenbrock, e)))
        .collect();
    assert!(lines[3].contains("epoch   999/5,000"), "{lines:?}");
    assert!(lines[4].contains("epoch 1,000/5,000"), "{lines:?}");
    let widths: Vec<usize> = lines.iter().map(|s| s.chars().count()).collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{lines:?}");
}

/// The longest statuses stand whole at every size, and so do extreme
/// numbers (the exploding lr's 10¹¹, 10⁻³⁰⁰), right or abbreviated.
#[test]
fn long_statuses_and_extreme_numbers_stand_whole() {
    use downhill::descent::run::Status;
    let mut m = model_at(6, 300); // Rosenbrock: 2 variables, 4 runs
    let mut snap = m.snapshot().unwrap().clone();
    snap.runs[0].status = Status::Converged { at: 1_000_000 };
    snap.runs[1].status = Status::Diverged { at: 999_999 };
    snap.runs[2].params = vec![-3.814697265625e11, -1.234567e-300];
    snap.runs[2].loss = f64::INFINITY;
    snap.runs[3].lr = f64::NAN;
    snap.runs[3].grad_norm = 5e-324;
    update(
        &mut m,
        Action::Snapshot(std::sync::Arc::new(snap), std::time::Instant::now()),
    );
    for &(w, h) in SIZES {
        check_screen(&m, w, h, &format!("extremes {w}x{h}"));
        let text: String = screen(&m, w, h).iter().map(|r| text(r) + "\n").collect();
        assert!(text.contains("converged @ 1000000"), "{w}x{h}:\n{text}");
    }
}
