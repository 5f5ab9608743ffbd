//! The sweep's lane-wise kernel against the scalar path: every point of a
//! sweep stepped lane-wise equals, bit for bit, the same point stepped one
//! `Run` at a time ([`sweep::point`]), over the schedules that go lane-wise,
//! tolerances, divergence (non-finite values, the bound, at the start),
//! epoch and rate axes; configurations that cannot go lane-wise fall back;
//! and the binary's CSV is byte-identical with `DOWNHILL_JIT=0`, where
//! every point is stepped by the interpreter one `Run` at a time.

use std::process::Command;

use downhill::descent::run::Status;
use downhill::scenario::{self, Scenario};
use downhill::sweep::{self, PointResult};

use crate::common::TempDir;

const PEAKS: &str =
    "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)";

/// A scenario on `f` over `vars` with one run (`run`: the `[[run]]` body
/// after its name), `descent` lines and a `[sweep]` body.
fn scenario(f: &str, vars: &[&str], descent: &str, run: &str, sweep: &str) -> String {
    let domain: Vec<String> = vars.iter().map(|v| format!("{v} = [-3.0, 3.0]")).collect();
    let start: Vec<String> = vars.iter().map(|v| format!("{v} = 0.25")).collect();
    format!(
        "title = \"lanes\"\n[objective]\nf = \"{f}\"\ndomain = {{ {} }}\n[descent]\nstart = {{ {} }}\n{descent}\n[[run]]\nname = \"r\"\n{run}\n[sweep]\n{sweep}\n",
        domain.join(", "),
        start.join(", ")
    )
}

fn parse(text: &str) -> Scenario {
    scenario::parse("lanes.toml", text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn same_point(got: &PointResult, want: &PointResult, what: &str) {
    assert_eq!(got.params, want.params, "{what}");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got.final_pos), bits(&want.final_pos), "{what}");
    assert_eq!(got.loss.to_bits(), want.loss.to_bits(), "{what}");
    assert_eq!(got.status, want.status, "{what}");
    assert_eq!(got.epochs, want.epochs, "{what}");
}

/// Every point of `sc`'s sweep, lane-wise (asserted), equals the scalar
/// path's; returns the points.
fn check(sc: &Scenario) -> Vec<PointResult> {
    assert!(sweep::lane_wise(sc), "{}: not lane-wise", sc.f);
    let spec = sc.sweep.as_ref().unwrap();
    let grid = sweep::compute(sc, |_, _| {}).unwrap();
    let points: Vec<PointResult> = grid.points.iter().map(|p| p.clone().unwrap()).collect();
    for (i, got) in points.iter().enumerate() {
        let want = sweep::point(sc, spec, &grid.values_at(i));
        same_point(got, &want, &format!("{} point {i} {:?}", sc.f, got.params));
    }
    // Chunks and the stream give the same points.
    let chunk = sweep::compute_chunk(sc, 3..points.len().min(40));
    for (i, p) in chunk {
        same_point(&p, &points[i], "chunk");
    }
    for (i, p) in sweep::stream(sc).unwrap().enumerate() {
        same_point(&p, &points[i], "stream");
    }
    points
}

const GRID: &str = "x_axis = { param = \"start.x\", from = -3.0, to = 3.0, steps = 13 }\ny_axis = { param = \"start.y\", from = -3.0, to = 3.0, steps = 11 }";

#[test]
fn every_lane_wise_schedule_equals_the_scalar_path() {
    let runs = [
        "lr = 0.01",
        "lr = 0.05\nschedule = \"gradient-scaled\"",
        "lr = 0.05\nschedule = \"linear-decay\"",
        "lr = 0.05\nschedule = \"step\"\nstep_size = 7\ngamma = 0.5",
        "lr = 0.05\nschedule = \"exponential\"\ngamma = 0.97",
        "lr = 0.05\nschedule = \"inverse-time\"\ngamma = 0.1",
        "lr = 0.05\nschedule = \"cosine\"\nlr_min = 0.001",
        "lr = 0.05\nschedule = \"warmup-cosine\"\nwarmup = 10\nlr_min = 0.001",
    ];
    for run in runs {
        let sc = parse(&scenario(PEAKS, &["x", "y"], "epochs = 60", run, GRID));
        check(&sc);
    }
}

#[test]
fn lanes_that_stop_early_equal_the_scalar_path() {
    // A tolerance: points converge at different epochs (and at the start).
    let sc = parse(&scenario(
        PEAKS,
        &["x", "y"],
        "epochs = 400\ntolerance = 1e-3",
        "lr = 0.05",
        GRID,
    ));
    let p = check(&sc);
    assert!(
        p.iter()
            .any(|r| matches!(r.status, Status::Converged { .. }))
    );
    assert!(p.iter().any(|r| r.status == Status::Finished));
    // Rates that blow up (non-finite values) and a small bound.
    let lr = "x_axis = { param = \"start.x\", from = -3.0, to = 3.0, steps = 9 }\ny_axis = { param = \"lr\", from = 1e-3, to = 1e14, steps = 13, log = true }";
    for descent in ["epochs = 80", "epochs = 80\nbound = 2.5"] {
        let sc = parse(&scenario(PEAKS, &["x", "y"], descent, "lr = 0.01", lr));
        let p = check(&sc);
        assert!(
            p.iter()
                .any(|r| matches!(r.status, Status::Diverged { .. }))
        );
        assert!(p.iter().any(|r| r.status == Status::Finished));
    }
    // Diverged at the start: ln of a negative number is NaN.
    let ln = "x_axis = { param = \"start.x\", from = -1.0, to = 2.0, steps = 16 }";
    let sc = parse(&scenario(
        "ln(x) + (x-1.5)^2",
        &["x"],
        "epochs = 50",
        "lr = 0.1",
        ln,
    ));
    let p = check(&sc);
    assert!(p.iter().any(|r| r.status == Status::Diverged { at: 0 }));
    // Epoch counts from 1 to 300: lanes end at every epoch.
    let ep = "x_axis = { param = \"lr\", from = 1e-4, to = 0.5, steps = 7, log = true }\ny_axis = { param = \"epochs\", from = 1, to = 300, steps = 17 }";
    let sc = parse(&scenario(
        PEAKS,
        &["x", "y"],
        "epochs = 10",
        "lr = 0.01",
        ep,
    ));
    check(&sc);
}

#[test]
fn one_three_and_four_variables_go_lane_wise_too() {
    let one = "x_axis = { param = \"start.x\", from = -3.0, to = 3.0, steps = 23 }";
    let sc = parse(&scenario(
        "sin(x)*exp(-0.05*x^2) + abs(x)/10 + max(x, 0.5)",
        &["x"],
        "epochs = 70",
        "lr = 0.1",
        one,
    ));
    check(&sc);
    let sc = parse(&scenario(
        "(x-1)^2 + 10*(y-x^2)^2 + sqrt(1 + z^2) + tanh(z)*cos(y)",
        &["x", "y", "z"],
        "epochs = 70",
        "lr = 0.002",
        GRID,
    ));
    check(&sc);
    let sc = parse(&scenario(
        "x^2 + y^2 + ln(1 + z^2) + sigmoid(w)*x + 2^w",
        &["x", "y", "z", "w"],
        "epochs = 70",
        "lr = 0.05",
        GRID,
    ));
    check(&sc);
}

#[test]
fn what_cannot_go_lane_wise_falls_back() {
    let runs = [
        "lr = 0.01\nmomentum = 0.9",
        "lr = 0.01\nschedule = \"adam\"",
        "lr = 0.01\nschedule = \"backtracking\"",
        "lr = 0.01\nschedule = \"barzilai-borwein\"",
        "lr = 0.01\nnoise = 0.5",
        "lr = 0.01\nschedule = \"expr\"\nrate = \"eta/k\"",
    ];
    for run in runs {
        let sc = parse(&scenario(PEAKS, &["x", "y"], "epochs = 30", run, GRID));
        assert!(!sweep::lane_wise(&sc), "{run}");
        let grid = sweep::compute(&sc, |_, _| {}).unwrap();
        let spec = sc.sweep.as_ref().unwrap();
        for i in [0, 7, 100] {
            let want = sweep::point(&sc, spec, &grid.values_at(i));
            same_point(grid.points[i].as_ref().unwrap(), &want, run);
        }
    }
}

fn csv(file: &std::path::Path, jit: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_downhill"));
    cmd.args(["sweep", file.to_str().unwrap(), "--format", "csv"]);
    if let Some(v) = jit {
        cmd.env("DOWNHILL_JIT", v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn the_csv_is_byte_identical_to_the_scalar_path() {
    let dir = TempDir::new("sweep-lanes");
    let grid = "x_axis = { param = \"start.x\", from = -3.0, to = 3.0, steps = 60 }\ny_axis = { param = \"lr\", from = 1e-3, to = 1e14, steps = 50, log = true }";
    let text = scenario(PEAKS, &["x", "y"], "epochs = 200", "lr = 0.01", grid);
    let sc = parse(&text);
    assert!(sweep::lane_wise(&sc));
    let file = dir.file("peaks.toml", &text);
    let lanes = csv(&file, None);
    let scalar = csv(&file, Some("0"));
    assert_eq!(lanes.len(), scalar.len());
    assert!(lanes == scalar, "the CSVs differ");
    let text = String::from_utf8(lanes).unwrap();
    assert_eq!(text.lines().count(), 3001);
    assert!(text.contains(",diverged"), "some points diverge");
    assert!(text.contains(",finished"));
}
