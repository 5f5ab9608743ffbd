//! Point-epochs per second per core of a peaks sweep (`benches/peaks-sweep.toml`:
//! starts on a grid over [-3, 3]², constant rate 0.01, 100 epochs per point),
//! three ways on one core, alternately in blocks so the machine's drift
//! cancels:
//!
//! * **lanes**: the sweep's lane-wise kernel (`downhill::sweep::lanes`), two
//!   points per call of the native code;
//! * **scalar path**: one `Run` per point, `Run::step` to the end (what the
//!   sweep does for configurations that cannot go lane-wise);
//! * **hand-written**: a plain Rust loop of the same update over the
//!   hand-derived peaks gradient, one point at a time, no checks.
//!
//! Then the whole sweep of `POINTS` points through `sweep::stream` on all
//! cores (rayon), as `downhill sweep` computes it.
//!
//! ```sh
//! cargo run --release --example sweep_rate [ROUNDS] [POINTS]
//! ```

use std::hint::black_box;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use downhill::descent::run::Run;
use downhill::scenario;
use downhill::sweep::{self, lanes::Job, lanes::Lanes};

const EPOCHS: u64 = 100;
const LR: f64 = 0.01;
/// Points per block of one round.
const BLOCK: usize = 20_000;

#[path = "../benches/common/hand_peaks.rs"]
mod hand_peaks;

/// Start `i` of a `side × side` grid over [-3, 3]².
fn start(i: usize, side: usize) -> [f64; 2] {
    let v = |k: usize| -3.0 + 6.0 * k as f64 / (side - 1) as f64;
    [v(i / side), v(i % side)]
}

fn hand_written(points: std::ops::Range<usize>, side: usize) -> f64 {
    points
        .map(|i| hand_peaks::sweep_point(start(i, side), LR, EPOCHS))
        .sum()
}

fn main() {
    let arg = |n: usize, default: usize| {
        std::env::args()
            .nth(n)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let rounds = arg(1, 10);
    let points = arg(2, 1_000_000);
    let side = 1000;
    let sc = scenario::parse("peaks-sweep", include_str!("../benches/peaks-sweep.toml"))
        .expect("the bench scenario loads");
    let spec = sc.runs[0].spec(&[0.0, 0.0], 0);
    let limits = sc.limits();
    let lanes = Lanes::new(&spec, &sc.expr, &limits).expect("peaks goes lane-wise");
    let never = AtomicBool::new(false);

    let run_lanes = |block: std::ops::Range<usize>| {
        let mut acc = 0.0;
        let jobs = block.map(|i| {
            let job = Job {
                start: start(i, side).to_vec(),
                lr: LR,
                epochs: EPOCHS,
            };
            (i, job)
        });
        lanes.run(jobs, &never, |_, end| acc += end.loss + end.final_pos[0]);
        acc
    };
    let run_scalar = |block: std::ops::Range<usize>| {
        let mut acc = 0.0;
        for i in block {
            let mut s = spec.clone();
            s.start = start(i, side).to_vec();
            let mut run = Run::new(s, sc.expr.evaluator(), limits.clone());
            while run.step() {}
            acc += run.loss() + run.params()[0];
        }
        acc
    };

    let mut totals = [0.0f64; 3];
    let mut per_round: Vec<[f64; 3]> = Vec::new();
    for round in 0..rounds {
        let b = (round * BLOCK) % (side * side - BLOCK);
        let block = b..b + BLOCK;
        let mut secs = [0.0; 3];
        // Rotate the order, so none always follows another.
        for k in 0..3 {
            let which = (k + round) % 3;
            let t = Instant::now();
            let r = match which {
                0 => run_lanes(block.clone()),
                1 => run_scalar(block.clone()),
                _ => hand_written(block.clone(), side),
            };
            black_box(r);
            secs[which] = t.elapsed().as_secs_f64();
        }
        for k in 0..3 {
            totals[k] += secs[k];
        }
        per_round.push(secs);
    }
    let pe = (BLOCK as u64 * EPOCHS) as f64;
    let rate = |s: f64| pe / s / 1e6;
    println!("one core, {rounds} rounds of {BLOCK} points × {EPOCHS} epochs (M point-epochs/s):");
    for (k, name) in ["lanes", "scalar path", "hand-written"].iter().enumerate() {
        let mut r: Vec<f64> = per_round.iter().map(|s| rate(s[k])).collect();
        r.sort_by(f64::total_cmp);
        println!(
            "  {name:13} median {:6.2}  best {:6.2}  all {:6.2}",
            r[r.len() / 2],
            r[r.len() - 1],
            pe * rounds as f64 / totals[k] / 1e6
        );
    }
    let mut ratio: Vec<f64> = per_round.iter().map(|s| s[2] / s[0]).collect();
    ratio.sort_by(f64::total_cmp);
    println!(
        "  lanes / hand-written (rate): median {:.2}, of totals {:.2}",
        ratio[ratio.len() / 2],
        totals[2] / totals[0]
    );

    // The whole sweep, as `downhill sweep` computes it, on every core.
    let threads = rayon::current_num_threads();
    let mut text = include_str!("../benches/peaks-sweep.toml").to_string();
    let n = (points as f64).sqrt().round() as usize;
    text = text.replace("steps = 1000", &format!("steps = {n}"));
    let sc = scenario::parse("peaks-sweep", &text).unwrap();
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let mut acc = 0.0;
    let mut count = 0u64;
    for p in sweep::stream(&sc).unwrap() {
        acc += p.loss;
        count += p.epochs;
    }
    black_box(acc);
    let s = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "whole sweep: {} points, {count} point-epochs in {s:.2} s on {threads} threads ({cpu:.2} CPU-s): {:.2} M point-epochs/s, {:.2} M per core of wall time, {:.2} M per CPU-second",
        n * n,
        count as f64 / s / 1e6,
        count as f64 / s / 1e6 / threads as f64,
        count as f64 / cpu / 1e6
    );
}

/// This process's user + system time so far, from `/proc/self/stat`
/// (0 where there is none).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}
