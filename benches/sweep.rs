//! The lane-wise sweep kernel next to the scalar path and a hand-written
//! loop, one core each (criterion group `sweep_lanes`): 2 000 starts on a
//! grid over [-3, 3]² of peaks, constant rate 0.01, 100 epochs each
//! (2·10^5 point-epochs per iteration).
//!
//! * `lanes`: the sweep's kernel (`downhill::sweep::lanes`), two points per
//!   call of the native code, vector `exp`;
//! * `scalar path`: one `Run` per point, stepped to the end (what a sweep
//!   does for the configurations that cannot go lane-wise, and did for all);
//! * `hand-written`: a plain Rust loop of the same update over the
//!   hand-derived gradient, one point at a time, no checks.
//!
//! `cargo bench --bench sweep`. Point-epochs per second = 2·10^5 / time.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, criterion_group, criterion_main};
use downhill::descent::run::Run;
use downhill::scenario;
use downhill::sweep::lanes::{Job, Lanes};

const POINTS: usize = 2_000;
const EPOCHS: u64 = 100;
const LR: f64 = 0.01;

#[path = "common/hand_peaks.rs"]
mod hand_peaks;

/// Start `i` of a 50 × 40 grid over [-3, 3]².
fn start(i: usize) -> [f64; 2] {
    let v = |k: usize, n: usize| -3.0 + 6.0 * k as f64 / (n - 1) as f64;
    [v(i / 40, 50), v(i % 40, 40)]
}

fn bench_sweep_lanes(c: &mut Criterion) {
    let sc = scenario::parse("peaks-sweep", include_str!("peaks-sweep.toml"))
        .expect("the bench scenario loads");
    let spec = sc.runs[0].spec(&[0.0, 0.0], 0);
    let limits = sc.limits();
    let lanes = Lanes::new(&spec, &sc.expr, &limits).expect("peaks goes lane-wise");
    let never = AtomicBool::new(false);
    let mut g = c.benchmark_group("sweep_lanes");
    g.sample_size(30);
    g.bench_function("lanes", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            let jobs = (0..POINTS).map(|i| {
                let job = Job {
                    start: start(i).to_vec(),
                    lr: LR,
                    epochs: EPOCHS,
                };
                (i, job)
            });
            lanes.run(jobs, &never, |_, end| acc += end.loss + end.final_pos[0]);
            black_box(acc)
        })
    });
    g.bench_function("scalar path", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for i in 0..POINTS {
                let mut s = spec.clone();
                s.start = start(i).to_vec();
                let mut run = Run::new(s, sc.expr.evaluator(), limits.clone());
                while run.step() {}
                acc += run.loss() + run.params()[0];
            }
            black_box(acc)
        })
    });
    g.bench_function("hand-written", |b| {
        b.iter(|| {
            let acc: f64 = (0..POINTS)
                .map(|i| hand_peaks::sweep_point(start(i), LR, EPOCHS))
                .sum();
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_sweep_lanes);
criterion_main!(benches);
