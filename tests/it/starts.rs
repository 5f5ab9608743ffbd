//! Many starts (`starts = N`): reproducible starts, one race of every run
//! from every start, and basins that agree with plain single-start runs.

use std::sync::Arc;

use downhill::descent::basins;
use downhill::descent::run::{Status, distance};
use downhill::report::run as headless;
use downhill::scenario::{self, Scenario, bundled};
use downhill::track::Slot;

fn bundled_scenario(name: &str) -> Scenario {
    let (n, t) = bundled::find(name).unwrap();
    scenario::parse(&bundled::label(n), t).unwrap()
}

/// The bundled peaks-from-24-starts scenario with another seed.
fn peaks_with_seed(seed: u64) -> Scenario {
    let (n, t) = bundled::find("peaks-starts").unwrap();
    let text = t.replacen("seed = 7", &format!("seed = {seed}"), 1);
    let sc = scenario::parse(n, &text).unwrap();
    assert_eq!(sc.seed, seed);
    sc
}

/// Peaks' three minima (LESSONS.md): global, second, shallow.
const PEAKS_MINIMA: [[f64; 2]; 3] = [
    [0.228279, -1.625535],
    [-1.347396, 0.204519],
    [0.296446, 0.320196],
];

#[test]
fn start_zero_is_the_single_start_and_the_rest_are_reproducible() {
    let sc = bundled_scenario("peaks-starts");
    assert_eq!(sc.starts, Some(24));
    assert_eq!(sc.start_count(), 24);
    for generation in [0, 1, 7] {
        let all = sc.start_points(generation);
        assert_eq!(all.len(), 24);
        assert_eq!(all[0], sc.start_point(generation));
        assert_eq!(all, sc.start_points(generation), "reproducible");
        // Inside the start range ([-2, 2]^2), not just the domain.
        assert!(all.iter().flatten().all(|v| (-2.0..=2.0).contains(v)));
        // All different.
        for (i, a) in all.iter().enumerate() {
            assert!(all[i + 1..].iter().all(|b| b != a));
        }
    }
    assert_ne!(sc.start_points(0), sc.start_points(1));
    // Start k depends on the seed, the generation and k only: more starts
    // keep the first ones; a single-start scenario draws start 0.
    let mut more = sc.clone();
    more.starts = Some(100);
    assert_eq!(more.start_points(3)[..24], sc.start_points(3)[..]);
    let mut one = sc.clone();
    one.starts = None;
    assert_eq!(one.start_points(3), vec![sc.start_points(3)[0].clone()]);
}

#[test]
fn the_full_race_is_start_major_and_begins_with_the_plain_race() {
    let sc = bundled_scenario("saddle-starts");
    let full = sc.full_race(2);
    let plain = sc.race(2);
    let r = sc.runs.len();
    assert_eq!(full.runs().len(), r * 24);
    let starts = sc.start_points(2);
    for (j, run) in full.runs().iter().enumerate() {
        let (k, i) = (j / r, j % r);
        assert_eq!(run.spec().name, sc.runs[i].name);
        assert_eq!(run.spec().start, starts[k]);
    }
    for (a, b) in full.runs()[..r].iter().zip(plain.runs()) {
        assert_eq!(a.spec().start, b.spec().start);
        assert_eq!(a.spec().name, b.spec().name);
    }
    // A single-start scenario's full race is its race.
    let one = bundled_scenario("peaks");
    assert_eq!(one.full_race(0).runs().len(), one.race(0).runs().len());
}

/// Which of peaks' minima `p` is at, if any.
fn which_minimum(p: &[f64]) -> Option<usize> {
    PEAKS_MINIMA.iter().position(|m| distance(p, m) < 1e-3)
}

/// Basin counts from the many-start race agree with running every start on
/// its own, start by start.
#[test]
fn peaks_basins_match_direct_single_start_runs() {
    for seed in [7, 1, 2] {
        let sc = peaks_with_seed(seed);
        let race = headless::finish(&sc);
        let sums = headless::basins_of(&sc, &race).unwrap();
        let r = sc.runs.len();
        // Direct: every start as a plain race of its own, to the end.
        let mut direct = vec![[0usize; 3]; r];
        let mut elsewhere = vec![0usize; r];
        let mut not_converged = vec![0usize; r];
        let mut epochs = vec![Vec::new(); r];
        for (k, start) in sc.start_points(0).iter().enumerate() {
            let mut one = sc.race_from(start, 0, k as u64);
            while one.step() {}
            for (i, run) in one.runs().iter().enumerate() {
                match run.status() {
                    Status::Converged { at } => {
                        epochs[i].push(at as f64);
                        match which_minimum(run.params()) {
                            Some(m) => direct[i][m] += 1,
                            None => elsewhere[i] += 1,
                        }
                    }
                    Status::Finished => not_converged[i] += 1,
                    s => panic!("seed {seed}: unexpected {s:?}"),
                }
            }
        }
        for (i, s) in sums.iter().enumerate() {
            let name = &sc.runs[i].name;
            assert_eq!(s.total, 24);
            assert_eq!(s.diverged, 0);
            assert_eq!(s.running, 0);
            assert_eq!(s.not_converged, not_converged[i], "seed {seed} {name}");
            let mut found = [0usize; 3];
            let mut other = 0;
            for b in &s.basins {
                match which_minimum(&b.at) {
                    Some(m) => found[m] = b.count,
                    None => other += b.count,
                }
            }
            assert_eq!(found, direct[i], "seed {seed} {name}: {:?}", s.basins);
            assert_eq!(other, elsewhere[i], "seed {seed} {name}");
            let mean = epochs[i].iter().sum::<f64>() / epochs[i].len() as f64;
            let got = s.mean_epochs_to_converge.unwrap();
            assert!((got - mean).abs() < 1e-9, "{got} vs {mean}");
            // Sorted by loss, lowest first; the global minimum is marked.
            assert!(s.basins.windows(2).all(|w| w[0].loss <= w[1].loss));
            for b in &s.basins {
                assert_eq!(b.global, which_minimum(&b.at) == Some(0), "{b:?}");
            }
        }
    }
}

/// The bundled scenario's numbers, as its `about` tells them.
#[test]
fn the_bundled_peaks_scenario_tells_the_truth() {
    let sc = bundled_scenario("peaks-starts");
    let race = headless::finish(&sc);
    let sums = headless::basins_of(&sc, &race).unwrap();
    let counts = |s: &basins::Summary| {
        let mut c = [0usize; 3];
        for b in &s.basins {
            if let Some(m) = which_minimum(&b.at) {
                c[m] = b.count;
            }
        }
        (c, s.not_converged)
    };
    assert_eq!(counts(&sums[0]), ([8, 9, 4], 3), "fixed 0.01");
    assert_eq!(counts(&sums[1]), ([10, 11, 0], 3), "backtracking");
    assert!(
        sc.about
            .as_deref()
            .unwrap()
            .contains("8 times in the global")
    );
}

#[test]
fn unfortunate_starts_split_between_the_two_global_minima() {
    let sc = bundled_scenario("unfortunate-starts");
    assert!(
        sc.start_points(0)
            .iter()
            .all(|p| p[0].abs() <= 0.01 && p[0] != 0.0)
    );
    let race = headless::finish(&sc);
    let sums = headless::basins_of(&sc, &race).unwrap();
    for s in &sums {
        assert_eq!(s.basins.len(), 2, "{s:?}");
        assert!(s.basins.iter().all(|b| b.global));
        assert!(
            s.basins
                .iter()
                .all(|b| (b.at[0].abs() - 0.47580245).abs() < 1e-6)
        );
        assert_eq!(s.basins.iter().map(|b| b.count).sum::<usize>(), 24);
    }
    // Which minimum is decided by the sign of the start.
    let r = sc.runs.len();
    for (j, run) in race.runs().iter().enumerate() {
        assert_eq!(
            run.spec().start[0].signum(),
            run.params()[0].signum(),
            "start {} of run {}",
            j / r,
            j % r
        );
    }
    let (plain, line_search) = (
        sums[0].mean_epochs_to_converge.unwrap(),
        sums[1].mean_epochs_to_converge.unwrap(),
    );
    assert!((40.0..50.0).contains(&plain), "{plain}");
    assert!(line_search < 15.0, "{line_search}");
}

#[test]
fn on_the_saddle_plain_descent_stalls_and_momentum_escapes() {
    let sc = bundled_scenario("saddle-starts");
    let race = headless::finish(&sc);
    let sums = headless::basins_of(&sc, &race).unwrap();
    let [plain, momentum, adam] = &sums[..] else {
        panic!("three runs")
    };
    assert!(plain.basins.is_empty(), "{plain:?}");
    assert_eq!(plain.not_converged, 24);
    // Stalled: still near the ridge, far from the minima at y = ±1.
    for run in race.runs().iter().step_by(sc.runs.len()) {
        assert!(run.params()[1].abs() < 0.5, "{:?}", run.params());
    }
    for s in [momentum, adam] {
        assert_eq!(s.not_converged, 0);
        assert_eq!(s.basins.len(), 2);
        assert!(
            s.basins
                .iter()
                .all(|b| b.global && (b.loss + 0.25).abs() < 1e-9)
        );
        assert!(
            s.basins
                .iter()
                .all(|b| b.at[0].abs() < 1e-3 && (b.at[1].abs() - 1.0).abs() < 1e-3)
        );
        assert_eq!(s.basins.iter().map(|b| b.count).sum::<usize>(), 24);
    }
}

#[test]
fn the_engine_keeps_histories_for_start_zero_and_shows_every_start() {
    let sc = Arc::new(bundled_scenario("peaks-starts"));
    let mut slot = Slot::new(4, 0, sc.clone());
    assert_eq!(slot.histories.len(), sc.runs.len());
    assert_eq!(slot.width(), sc.runs.len() * 24);
    let snap = slot.snapshot();
    assert_eq!(snap.starts(), Some(24));
    let starts = sc.start_points(0);
    for view in &snap.runs {
        let sv = view.starts.as_ref().unwrap();
        assert_eq!(sv.ends, starts, "epoch 0: every start where it began");
        assert!(sv.statuses.iter().all(|s| *s == Status::Running));
        // With a tolerance, nothing has arrived yet.
        assert!(sv.summary.basins.is_empty());
        assert_eq!(sv.summary.running, 24);
    }
    for _ in 0..1000 {
        slot.step();
    }
    assert!(slot.done());
    let snap = slot.snapshot();
    assert!(snap.done);
    let race = headless::finish(&sc);
    let sums = headless::basins_of(&sc, &race).unwrap();
    for (i, view) in snap.runs.iter().enumerate() {
        let sv = view.starts.as_ref().unwrap();
        assert_eq!(sv.ends[0], view.params, "start 0 is the run's own");
        assert_eq!(sv.statuses[0], view.status);
        assert_eq!(sv.summary, sums[i], "engine and headless agree");
    }
    // A single-start scenario has no starts view.
    let one = Slot::new(0, 0, Arc::new(bundled_scenario("peaks")));
    let snap = one.snapshot();
    assert_eq!(snap.starts(), None);
    assert!(snap.runs.iter().all(|r| r.starts.is_none()));
}

#[test]
fn without_a_tolerance_every_start_counts_where_it_stands() {
    let (n, t) = bundled::find("unfortunate-starts").unwrap();
    let text = t.replacen("tolerance = 1e-6\n", "", 1);
    let sc = Arc::new(scenario::parse(n, &text).unwrap());
    assert_eq!(sc.tolerance, None);
    let slot = Slot::new(0, 0, sc);
    let snap = slot.snapshot();
    let s = &snap.runs[0].starts.as_ref().unwrap().summary;
    // At epoch 0 all 24 starts sit within 0.01 of 0: one basin (radius 0.02).
    assert_eq!(s.basins.len(), 1);
    assert_eq!(s.basins[0].count, 24);
    assert_eq!(s.mean_epochs_to_converge, None);
    assert_eq!(s.tally(), "diverged 0 · mean epochs to converge —");
}

fn downhill(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn stdout(args: &[&str]) -> String {
    let out = downhill(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn run_json_has_every_start_and_the_basins() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["run", "peaks-starts", "--format", "json"])).unwrap();
    let sc = bundled_scenario("peaks-starts");
    let starts = sc.start_points(0);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for r in runs {
        // The usual fields describe start 0.
        for key in [
            "name",
            "schedule",
            "status",
            "epochs",
            "start",
            "final",
            "loss",
            "grad_norm",
            "lr",
            "diverged_at",
        ] {
            assert!(r.get(key).is_some(), "{key} missing");
        }
        let all = r["starts"].as_array().unwrap();
        assert_eq!(all.len(), 24);
        assert_eq!(all[0]["start"], r["start"]);
        assert_eq!(all[0]["final"], r["final"]);
        assert_eq!(all[0]["loss"], r["loss"]);
        assert_eq!(all[0]["status"], r["status"]);
        // (serde_json's parser may be off by an ulp.)
        for (s, want) in all.iter().zip(&starts) {
            assert!((s["start"]["x"].as_f64().unwrap() - want[0]).abs() < 1e-14);
            assert!((s["start"]["y"].as_f64().unwrap() - want[1]).abs() < 1e-14);
        }
        let basins = r["basins"].as_array().unwrap();
        let in_basins: u64 = basins.iter().map(|b| b["count"].as_u64().unwrap()).sum();
        let converged = all.iter().filter(|s| s["status"] == "converged").count() as u64;
        assert_eq!(in_basins, converged);
        let global = &basins[0];
        assert_eq!(global["global"], true);
        assert!((global["at"]["x"].as_f64().unwrap() - 0.228279).abs() < 1e-5);
        assert!((global["loss"].as_f64().unwrap() - -6.551133).abs() < 1e-5);
    }
    // Single-start scenarios are unchanged.
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["run", "peaks", "--format", "json"])).unwrap();
    assert!(v["runs"][0].get("starts").is_none());
    assert!(v["runs"][0].get("basins").is_none());
}

#[test]
fn run_table_adds_a_basins_summary_and_csv_is_start_zero() {
    let text = stdout(&["run", "saddle-starts"]);
    assert!(text.contains("Basins: where the 24 starts"), "{text}");
    assert!(text.contains("not converged 24"), "{text}");
    assert!(text.contains("10/24  ★ global"), "{text}");
    let plain = stdout(&["run", "saddle"]);
    assert!(!plain.contains("Basins"), "{plain}");

    // CSV: start 0 of each run, every epoch it ran.
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["run", "saddle-starts", "--format", "json"])).unwrap();
    let csv = stdout(&["run", "saddle-starts", "--format", "csv"]);
    for r in v["runs"].as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        let rows = csv
            .lines()
            .filter(|l| l.starts_with(&format!("{name},")))
            .count() as u64;
        assert_eq!(rows, r["epochs"].as_u64().unwrap() + 1, "{name}");
    }
}

#[test]
fn list_and_check_name_the_starts() {
    let list = stdout(&["list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("16-peaks-starts") && l.contains("2 runs × 24 starts")),
        "{list}"
    );
    let check = stdout(&["check", "scenarios/18-saddle-starts.toml"]);
    assert!(check.contains("3 runs × 24 starts"), "{check}");
}
