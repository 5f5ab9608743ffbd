//! Parametric sweeps: the numbers against direct runs, the grid's order, the
//! output formats (through the real binary), and the loader's `[sweep]` errors.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use downhill::descent::run::{Limits, Run, RunSpec, Status};
use downhill::report;
use downhill::scenario::SweepParam;
use downhill::scenario::{self, Scenario, bundled, line_col};
use downhill::sweep::{self, PointResult, SweepGrid};

fn downhill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

fn bundled_scenario(name: &str) -> Scenario {
    let (n, text) = bundled::find(name).unwrap();
    scenario::parse(&bundled::label(n), text).unwrap()
}

/// A run built by hand from the scenario's numbers, stepped to the end.
fn direct(sc: &Scenario, run: usize, start: Vec<f64>, lr: f64, limits: Limits) -> PointResult {
    let cfg = &sc.runs[run];
    let spec = RunSpec {
        name: cfg.name.clone(),
        schedule: cfg.schedule.clone(),
        lr,
        momentum: cfg.momentum,
        start,
        noise: None,
    };
    let mut r = Run::new(spec, sc.expr.evaluator(), limits);
    while r.step() {}
    PointResult {
        params: Vec::new(),
        final_pos: r.params().to_vec(),
        loss: r.loss(),
        status: r.status(),
        epochs: r.epoch(),
    }
}

fn same_outcome(got: &PointResult, want: &PointResult) {
    assert_eq!(got.final_pos, want.final_pos);
    assert_eq!(got.loss.to_bits(), want.loss.to_bits());
    assert_eq!(got.status, want.status);
    assert_eq!(got.epochs, want.epochs);
}

fn complete(sc: &Scenario) -> SweepGrid {
    sweep::compute(sc, |_, _| {}).unwrap()
}

fn point(grid: &SweepGrid, i: usize) -> &PointResult {
    grid.points[i].as_ref().unwrap()
}

#[test]
fn start_sweep_matches_direct_runs() {
    let sc = bundled_scenario("sweep-start");
    let grid = complete(&sc);
    assert_eq!(grid.len(), 50);
    assert!(grid.is_complete());
    assert_eq!(grid.axes[0].name, "start.x");
    assert_eq!(grid.axes[0].param, SweepParam::Start(0));
    for i in [0, 1, 17, 25, 48, 49] {
        let p = point(&grid, i);
        let x0 = grid.axes[0].values[i];
        assert_eq!(p.params, [x0]);
        same_outcome(p, &direct(&sc, 0, vec![x0], 0.01, sc.limits()));
    }
}

#[test]
fn lr_sweep_matches_direct_runs() {
    let sc = bundled_scenario("sweep-lr");
    let spec = sc.sweep.as_ref().unwrap();
    assert_eq!(sc.runs[spec.run].name, "lr 0.01");
    let grid = complete(&sc);
    assert_eq!(grid.len(), 50);
    assert_eq!(grid.axes[0].values[0], 1e-10);
    assert_eq!(grid.axes[0].values[49], 0.1);
    for i in [0, 10, 30, 42, 49] {
        let lr = grid.axes[0].values[i];
        same_outcome(
            point(&grid, i),
            &direct(&sc, spec.run, vec![0.0], lr, sc.limits()),
        );
    }
    // The largest rates reach the global minimum from 0; the smallest barely move.
    let last = point(&grid, 49);
    assert!((last.final_pos[0] - -1.42886).abs() < 1e-4, "{last:?}");
    assert!(point(&grid, 0).final_pos[0].abs() < 1e-6);
}

#[test]
fn two_axis_sweep_matches_direct_runs_x_major() {
    let sc = bundled_scenario("sweep-lr-epochs");
    let grid = complete(&sc);
    let (nx, ny) = (grid.axes[0].values.len(), grid.axes[1].values.len());
    assert_eq!((nx, ny), (50, 40));
    assert_eq!(grid.len(), 2000);
    assert_eq!(grid.axes[1].param, SweepParam::Epochs);
    let spec = sc.sweep.as_ref().unwrap();
    for (ix, iy) in [(0, 0), (0, 39), (1, 0), (25, 13), (49, 0), (49, 39)] {
        let i = ix * ny + iy;
        let (lr, e) = (grid.axes[0].values[ix], grid.axes[1].values[iy]);
        let p = point(&grid, i);
        assert_eq!(p.params, [lr, e]);
        assert_eq!(grid.values_at(i), [lr, e]);
        assert_eq!(e.fract(), 0.0);
        let limits = Limits {
            epochs: e as u64,
            ..sc.limits()
        };
        let want = direct(&sc, spec.run, vec![0.0], lr, limits);
        same_outcome(p, &want);
        assert_eq!(p.epochs, e as u64);
    }
}

#[test]
fn second_run_own_start_one_coordinate_swept() {
    // A 2D scenario sweeping start.y of the second run, which has its own
    // start: x keeps that start's value. The start may leave the domain.
    let text = r#"title = "t"
[objective]
f = "(x - 1)^2 + 2*(y + 0.5)^2"
domain = { x = [-2.0, 2.0], y = [-2.0, 2.0] }
[descent]
epochs = 40
start = { x = 0.0, y = 0.0 }
tolerance = 1e-3
[[run]]
name = "a"
lr = 0.01
[[run]]
name = "b"
lr = 0.1
momentum = 0.5
start = { x = 1.5, y = 1.5 }
[sweep]
run = "b"
x_axis = { param = "start.y", from = -3.0, to = 3.0, steps = 7 }
y_axis = { param = "lr", from = 0.01, to = 0.3, steps = 3 }
"#;
    let sc = scenario::parse("t.toml", text).unwrap();
    let spec = sc.sweep.clone().unwrap();
    assert_eq!(spec.run, 1);
    let grid = complete(&sc);
    assert_eq!(grid.len(), 21);
    for i in 0..21 {
        let [y, lr] = grid.values_at(i)[..] else {
            unreachable!()
        };
        let p = point(&grid, i);
        same_outcome(p, &direct(&sc, 1, vec![1.5, y], lr, sc.limits()));
        // The pure one-point function agrees.
        same_outcome(&sweep::point(&sc, &spec, &[y, lr]), p);
    }
    // With a tolerance, fast rates converge early.
    assert!(
        grid.points
            .iter()
            .flatten()
            .any(|p| matches!(p.status, Status::Converged { .. }))
    );
    // The built run is the one the point steps.
    let r = sweep::point_run(&sc, &spec, &[-3.0, 0.3]);
    assert_eq!(r.spec().start, [1.5, -3.0]);
    assert_eq!(r.spec().lr, 0.3);
    assert_eq!(r.epoch(), 0);
}

#[test]
fn start_sweep_finds_the_global_minimum() {
    let sc = bundled_scenario("sweep-start");
    let grid = complete(&sc);
    let xs = &grid.axes[0].values;
    // Starts between the maximum near -4.6 and the one near 1.43 end at the
    // global minimum x ≈ -1.42886.
    let mut reached = 0;
    for (i, &x0) in xs.iter().enumerate() {
        let fin = point(&grid, i).final_pos[0];
        if (-3.5..=1.1).contains(&x0) {
            assert!((fin - -1.42886).abs() < 5e-4, "start {x0} ended at {fin}");
            reached += 1;
        }
        if (-2.0..=0.0).contains(&x0) {
            assert!((fin - -1.42886).abs() < 5e-5, "start {x0} ended at {fin}");
        }
        if x0 > 1.5 {
            assert!(
                fin > 4.0,
                "start {x0} ended at {fin}: the local minimum on the right"
            );
        }
    }
    assert!(reached >= 20, "{reached}");
    assert!(
        point(&grid, 0).final_pos[0] < -6.0,
        "from -5 it slides left"
    );
    let best = grid
        .points
        .iter()
        .flatten()
        .min_by(|a, b| a.loss.total_cmp(&b.loss))
        .unwrap();
    assert!((best.final_pos[0] - -1.42886).abs() < 1e-5, "{best:?}");
}

#[test]
fn compute_is_deterministic_and_chunks_agree() {
    let sc = bundled_scenario("sweep-lr-epochs");
    let calls = AtomicUsize::new(0);
    let last = AtomicUsize::new(0);
    let a = sweep::compute(&sc, |done, total| {
        calls.fetch_add(1, Ordering::Relaxed);
        last.fetch_max(done, Ordering::Relaxed);
        assert_eq!(total, 2000);
    })
    .unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), 2000);
    assert_eq!(last.load(Ordering::Relaxed), 2000);
    let b = complete(&sc);
    assert_eq!(a, b);
    // Filled chunk by chunk, from another thread, in a scrambled order.
    let mut grid = SweepGrid::new(&sc).unwrap();
    assert_eq!(grid.done(), 0);
    let sc2 = sc.clone();
    let chunks = std::thread::spawn(move || {
        [1500..2100, 0..700, 700..1500]
            .into_iter()
            .map(|r| sweep::compute_chunk(&sc2, r))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert_eq!(chunks[0].len(), 500, "clipped to the grid");
    assert!(chunks[1].windows(2).all(|w| w[0].0 + 1 == w[1].0));
    for c in chunks {
        grid.fill(c);
    }
    assert!(grid.is_complete());
    assert_eq!(grid, a);
    assert!(sweep::compute_chunk(&sc, 5000..6000).is_empty());
    // No [sweep]: an error, and empty chunks.
    let peaks = bundled_scenario("peaks");
    let err = sweep::compute(&peaks, |_, _| {}).unwrap_err();
    assert!(err.contains("no [sweep] table"), "{err}");
    assert!(SweepGrid::new(&peaks).is_err());
    assert!(sweep::compute_chunk(&peaks, 0..10).is_empty());
}

/// Every number in a JSON text, read exactly (std's parser rounds correctly;
/// serde_json's default one may be off in the last bits).
fn exact_numbers(text: &str) -> std::collections::HashSet<u64> {
    let mut out = std::collections::HashSet::new();
    let mut token = String::new();
    let mut in_string = false;
    for c in text.chars().chain(std::iter::once(' ')) {
        if c == '"' {
            in_string = !in_string;
        }
        if !in_string && (c.is_ascii_digit() || "+-.eE".contains(c)) {
            token.push(c);
        } else if !token.is_empty() {
            out.insert(token.parse::<f64>().unwrap().to_bits());
            token.clear();
        }
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-14 * b.abs()
}

#[test]
fn json_has_the_documented_shape_and_full_precision() {
    let out = downhill(&["sweep", "sweep-lr-epochs", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["axes"], serde_json::json!(["lr", "epochs"]));
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 2000);
    let sc = bundled_scenario("sweep-lr-epochs");
    let grid = complete(&sc);
    for (i, p) in points.iter().enumerate() {
        let obj = p.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["epochs", "final", "loss", "lr", "status"]);
        let want = point(&grid, i);
        assert_eq!(p["status"], "finished");
        assert_eq!(p["epochs"].as_u64(), Some(want.params[1] as u64));
        // serde_json's default reader may be off in the last bits; the
        // text itself is exact (below).
        assert!(close(p["lr"].as_f64().unwrap(), want.params[0]), "{i}");
        assert!(close(p["final"]["x"].as_f64().unwrap(), want.final_pos[0]));
        assert!(close(p["loss"].as_f64().unwrap(), want.loss), "{i}");
    }
    // Full precision: every value is printed so that it reads back exactly.
    let printed = exact_numbers(&text);
    for p in grid.points.iter().flatten() {
        for x in [p.params[0], p.final_pos[0], p.loss] {
            assert!(
                printed.contains(&x.to_bits()),
                "{x:?} is not printed exactly"
            );
        }
    }
    // And in the shortest form that does (serde_json's own).
    let x = point(&grid, 777).loss;
    assert!(text.contains(&format!("\"loss\":{}", serde_json::to_string(&x).unwrap())));
}

#[test]
fn json_prints_non_finite_as_null() {
    let sc = bundled_scenario("sweep-start");
    let mut grid = SweepGrid::new(&sc).unwrap();
    grid.fill([(
        3,
        PointResult {
            params: vec![grid.axes[0].values[3]],
            final_pos: vec![f64::NAN],
            loss: f64::INFINITY,
            status: Status::Diverged { at: 1 },
            epochs: 0,
        },
    )]);
    let v = report::sweep::to_json(&sc, &grid);
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "points not computed are left out");
    assert_eq!(points[0]["loss"], serde_json::Value::Null);
    assert_eq!(points[0]["final"]["x"], serde_json::Value::Null);
    assert_eq!(points[0]["status"], "diverged");
}

#[test]
fn csv_has_a_header_and_one_row_per_point() {
    let out = downhill(&[
        "sweep",
        "scenarios/15-sweep-lr-epochs.toml",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("lr,epochs,x,loss,status"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2000);
    let sc = bundled_scenario("sweep-lr-epochs");
    let grid = complete(&sc);
    for (i, row) in rows.iter().enumerate() {
        let want = point(&grid, i);
        assert_eq!(row.len(), 5);
        assert_eq!(row[0].parse::<f64>().unwrap(), want.params[0]);
        assert_eq!(row[1], (want.params[1] as u64).to_string());
        assert_eq!(row[2].parse::<f64>().unwrap(), want.final_pos[0]);
        assert_eq!(row[3].parse::<f64>().unwrap(), want.loss);
        assert_eq!(row[4], "finished");
    }
    // The same bytes every time, whatever the thread scheduling.
    let again = downhill(&["sweep", "sweep-lr-epochs", "--format", "csv"]);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), text);
}

#[test]
fn table_summarises_where_runs_ended() {
    let out = downhill(&["sweep", "sweep-start"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("50 points: 50 finished, 0 converged, 0 diverged"),
        "{text}"
    );
    assert!(text.contains("start.x  50 values from -5 to 5"), "{text}");
    // The most common place is the global minimum.
    let first = text
        .lines()
        .skip_while(|l| !l.starts_with("where they ended"))
        .nth(2)
        .unwrap();
    assert!(first.trim_start().starts_with("-1.429"), "{text}");
}

#[test]
fn no_sweep_table_exits_1() {
    let out = downhill(&["sweep", "peaks"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("bundled:03-peaks: the scenario has no [sweep] table"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let out = downhill(&["sweep", "no/such.toml"]);
    assert_eq!(out.status.code(), Some(1));
}

const BASE: &str = r#"title = "sweep errors"
[objective]
f = "x^2 + y^2"
domain = { x = [-2.0, 2.0], y = [-2.0, 2.0] }
[descent]
epochs = 50
start = { x = 1.0, y = 1.0 }
[[run]]
name = "fixed"
lr = 0.1
[[run]]
name = "cos"
schedule = "cosine"
lr = 0.1
lr_min = 0.001
"#;

/// Parse BASE plus `sweep`; the error's message and its position, which must
/// be that of the first occurrence of `at` in the sweep text.
fn sweep_error(sweep: &str, at: &str) -> String {
    let text = format!("{BASE}{sweep}");
    let e = scenario::parse("s.toml", &text).expect_err(sweep);
    let offset = BASE.len() + sweep.find(at).unwrap_or_else(|| panic!("{at} in {sweep}"));
    assert_eq!(e.position, Some(line_col(&text, offset)), "{e}");
    let shown = e.to_string();
    let (line, col) = line_col(&text, offset);
    assert!(
        shown.starts_with(&format!("s.toml:{line}:{col}: ")),
        "{shown}"
    );
    e.message
}

#[test]
fn a_good_sweep_loads() {
    let sc = scenario::parse(
        "s.toml",
        &format!(
            "{BASE}[sweep]\nx_axis = {{ param = \"start.y\", from = -9, to = 9, steps = 3 }}\n"
        ),
    )
    .unwrap();
    let spec = sc.sweep.unwrap();
    assert_eq!(spec.run, 0, "the first run by default");
    assert_eq!(spec.axes.len(), 1);
    assert_eq!(spec.axes[0].param, SweepParam::Start(1));
    assert_eq!((spec.axes[0].from, spec.axes[0].to), (-9.0, 9.0));
    assert!(!spec.axes[0].log);
    assert!(scenario::parse("s.toml", BASE).unwrap().sweep.is_none());
}

#[test]
fn sweep_errors_name_their_place() {
    let x = |axis: &str| format!("[sweep]\nx_axis = {axis}\n");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            "[sweep]\nrun = \"fixd\"\nx_axis = { param = \"lr\", from = 0.1, to = 1.0, steps = 3 }\n"
                .into(),
            "\"fixd\"",
            "`sweep.run` names `fixd`, which is not a run (did you mean `fixed`?); the runs are: fixed, cos",
        ),
        (
            x("{ param = \"momentum\", from = 0.1, to = 1.0, steps = 3 }"),
            "\"momentum\"",
            "unknown sweep parameter `momentum`; expected one of: start.x, start.y, lr, epochs",
        ),
        (
            x("{ param = \"start.z\", from = 0.1, to = 1.0, steps = 3 }"),
            "\"start.z\"",
            "`z` is not a variable; the variables are: x, y",
        ),
        (
            x("{ param = \"lr\", from = 0.1, to = 1.0, steps = 0 }"),
            "0 }",
            "`x_axis.steps` is 0; expected a whole number from 1 to 10000",
        ),
        (
            x("{ param = \"lr\", from = 0.1, to = 1.0, steps = 10001 }"),
            "10001",
            "`x_axis.steps` is 10001; expected a whole number from 1 to 10000",
        ),
        (
            x("{ param = \"start.x\", from = -inf, to = 1.0, steps = 3 }"),
            "-inf",
            "`x_axis.from` is -inf; expected a finite number",
        ),
        (
            x("{ param = \"start.x\", from = 0.0, to = nan, steps = 3 }"),
            "nan",
            "`x_axis.to` is NaN; expected a finite number",
        ),
        (
            x("{ param = \"start.x\", from = -1.0, to = 1.0, steps = 3, log = true }"),
            "-1.0",
            "`x_axis.from` is -1; `log = true` needs both ends above 0",
        ),
        (
            x("{ param = \"lr\", from = 0.1, to = 0.0, steps = 3, log = true }"),
            "0.0,",
            "`x_axis.to` is 0; `log = true` needs both ends above 0",
        ),
        (
            x("{ param = \"lr\", from = 0.0, to = 0.1, steps = 3 }"),
            "0.0",
            "`x_axis.from` is 0; a swept `lr` must be above 0",
        ),
        (
            "[sweep]\nrun = \"cos\"\nx_axis = { param = \"lr\", from = 0.1, to = 0.001, steps = 3 }\n"
                .into(),
            "0.001",
            "`x_axis.to` is 0.001; a swept `lr` must be above the run's `lr_min` (0.001)",
        ),
        (
            x("{ param = \"epochs\", from = 0.2, to = 100, steps = 3 }"),
            "0.2",
            "`x_axis.from` is 0.2; swept `epochs` run from 1 to 1000000000",
        ),
        (
            "[sweep]\nx_axis = { param = \"lr\", from = 0.1, to = 1.0, steps = 3 }\ny_axis = { param = \"lr\", from = 0.2, to = 1.0, steps = 3 }\n"
                .into(),
            "\"lr\", from = 0.2",
            "`y_axis` varies `lr` like `x_axis` does; sweep two different parameters",
        ),
        (
            "[sweep]\nx_axis = { param = \"lr\", from = 0.1, to = 1.0, steps = 3 }\ny_axis = { param = \"start.x\", from = 0.1, to = 1.0, steps = 3, log = -1 }\n"
                .into(),
            "-1 }",
            "invalid type",
        ),
        (
            "[sweep]\nx_axis = { param = \"lr\", from = 0.1, to = 1.0, steps = 2000 }\ny_axis = { param = \"epochs\", from = 1, to = 10, steps = 1000 }\n"
                .into(),
            "1000 }",
            "the sweep has 2000000 points (2000 × 1000); at most 1000000 are allowed",
        ),
        (
            x("{ param = \"lr\", from = 0.1, to = 1.0, steps = 3, spacing = \"log\" }"),
            "spacing",
            "unknown field `spacing`",
        ),
        (
            "[sweep]\nrun = \"fixed\"\nxaxis = 3\n".into(),
            "xaxis",
            "unknown field `xaxis`",
        ),
        (
            x("{ param = \"lr\", from = \"a\", to = 1.0, steps = 3 }"),
            "\"a\"",
            "invalid type",
        ),
    ];
    for (sweep, at, want) in &cases {
        let msg = sweep_error(sweep, at);
        assert!(msg.contains(want), "{sweep}\n got: {msg}\nwant: {want}");
    }
    // A missing x_axis is refused too (the whole [sweep] table is pointed at).
    let text = format!("{BASE}[sweep]\nrun = \"fixed\"\n");
    let e = scenario::parse("s.toml", &text).unwrap_err();
    assert!(e.message.contains("missing field `x_axis`"), "{e}");
    assert!(e.position.is_some(), "{e}");
}

#[test]
fn every_bundled_sweep_is_a_normal_scenario_too() {
    for name in ["sweep-start", "sweep-lr", "sweep-lr-epochs"] {
        let sc = bundled_scenario(name);
        assert!(sc.sweep.is_some(), "{name}");
        assert!(!sc.runs.is_empty());
        assert!(sc.about.is_some());
        assert_eq!(sc.f, "sin(x)*exp(-0.05*x^2)");
        let mut race = sc.race(0);
        while race.step() {}
        assert!(race.is_done());
    }
    let lr = bundled_scenario("sweep-lr");
    assert!(lr.sweep.unwrap().axes[0].log);
    assert!(lr.about.unwrap().contains("log-spaced"));
}

/// The performance target: a 100×100 start grid × 1000 epochs on peaks
/// (10^7 steps). `cargo test --release --test it sweep:: -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_peaks_100x100() {
    let text = r#"title = "peaks grid"
[objective]
f = "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)"
domain = { x = [-3.0, 3.0], y = [-3.0, 3.0] }
[descent]
epochs = 1000
start = { x = 0.0, y = 0.0 }
[[run]]
name = "fixed 0.01"
lr = 0.01
[sweep]
x_axis = { param = "start.x", from = -3.0, to = 3.0, steps = 100 }
y_axis = { param = "start.y", from = -3.0, to = 3.0, steps = 100 }
"#;
    let sc = scenario::parse("peaks-grid.toml", text).unwrap();
    let t = std::time::Instant::now();
    let grid = complete(&sc);
    let took = t.elapsed();
    let steps: u64 = grid.points.iter().flatten().map(|p| p.epochs).sum();
    eprintln!(
        "{} points, {steps} steps in {took:?} on {} threads",
        grid.len(),
        rayon::current_num_threads()
    );
    assert_eq!(steps, 10_000_000);
}
