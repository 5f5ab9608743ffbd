//! The performance targets of BENCHMARKS.md, as criterion groups:
//!
//! * `step`: one gradient-descent step on the peaks surface through the
//!   expression engine, next to a hand-written Rust gradient of the same
//!   function, both driven by the same `Run::step`.
//! * `loop`: 1000 epochs of `downhill run`'s descent (peaks, fixed lr
//!   0.01): `Run::step` keeping the full record of every update (as before
//!   the lean path), `Run::step` on the lean path, and the hand-written loop
//!   of `examples/hand_loop.rs`, side by side.
//! * `frame`: drawing the whole dashboard at 200×60 with 6 runs after 10^3,
//!   10^5 and 10^7 epochs of history (the cost must not grow with history).
//! * `pace`: one epoch of six runs as the engine does it at pace `max`
//!   (stepped and recorded in the bounded histories) and as `downhill run`
//!   does it (stepped only).
//! * `sweep`: a 100×100 grid × 1000 epochs on peaks (10^7 steps), all cores.
//!
//! `cargo bench --bench step` runs them all; `cargo bench --bench step --
//! step` one group.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use downhill::app::{Action, Entry, Model, update};
use downhill::descent::Function;
use downhill::descent::run::{Limits, Run, RunSpec};
use downhill::descent::schedule::Schedule;
use downhill::scenario;
use downhill::track::Slot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PEAKS: &str =
    "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)";

#[path = "common/hand_peaks.rs"]
mod hand_peaks;

use hand_peaks::{HandPeaks, hand_loop};

fn spec() -> RunSpec {
    RunSpec::new(
        "fixed",
        Schedule::Constant,
        0.01,
        vec![-1.16863321, 1.13352453],
    )
}

fn bench_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    let expr = downhill::descent::expr::Expr::parse(PEAKS, &["x", "y"]).unwrap();
    // Far more epochs than iterations: the run never stops under the timer.
    let limits = Limits::new(u64::MAX);
    let mut run = Run::new(spec(), expr.evaluator(), limits.clone());
    g.bench_function("expression", |b| b.iter(|| black_box(run.step())));
    let mut hand = Run::new(spec(), HandPeaks, limits.clone());
    g.bench_function("hand-written", |b| b.iter(|| black_box(hand.step())));
    let mut slow = Run::new(spec(), expr.evaluator().interpreted(), limits);
    g.bench_function("expression, interpreted", |b| {
        b.iter(|| black_box(slow.step()))
    });
    // The step alone, as the lessons write it: value and exact gradient,
    // then `x <- x - lr * grad`; no bookkeeping.
    fn bare(f: &mut impl Function, x: &mut [f64; 2]) -> f64 {
        let mut g = [0.0; 2];
        let loss = f.value_grad(x, &mut g);
        x[0] -= 0.01 * g[0];
        x[1] -= 0.01 * g[1];
        loss
    }
    let mut x = [-1.16863321, 1.13352453];
    let mut ev = expr.evaluator().eager();
    g.bench_function("bare expression", |b| {
        b.iter(|| black_box(bare(&mut ev, black_box(&mut x))))
    });
    let mut x = [-1.16863321, 1.13352453];
    let mut hand_fn = HandPeaks;
    g.bench_function("bare hand-written", |b| {
        b.iter(|| black_box(bare(&mut hand_fn, black_box(&mut x))))
    });
    let mut grad = [0.0; 2];
    let mut ev = expr.evaluator().eager();
    g.bench_function("value_grad only", |b| {
        b.iter(|| black_box(ev.value_grad(black_box(&[0.3, -0.7]), &mut grad)))
    });
    let mut ev = expr.evaluator().interpreted();
    g.bench_function("value_grad only, interpreted", |b| {
        b.iter(|| black_box(ev.value_grad(black_box(&[0.3, -0.7]), &mut grad)))
    });
    let mut hand_fn = HandPeaks;
    g.bench_function("hand value_grad only", |b| {
        b.iter(|| black_box(hand_fn.value_grad(black_box(&[0.3, -0.7]), &mut grad)))
    });
    g.finish();
}

/// The six-run peaks scenario of the frame and pace groups (shared with
/// `scripts/measure.py`), with `epochs` epochs.
fn six_run_scenario(epochs: u64) -> scenario::Scenario {
    let text =
        include_str!("six-runs.toml").replace("epochs = 1000", &format!("epochs = {epochs}"));
    assert!(text.contains(&format!("epochs = {epochs}\n")));
    scenario::parse("bench", &text).unwrap()
}

/// Six runs on peaks for `epochs` epochs, every epoch stepped and recorded.
fn six_run_slot(epochs: u64) -> Slot {
    let mut slot = Slot::new(0, 0, Arc::new(six_run_scenario(epochs)));
    while slot.step() {}
    slot
}

/// What the dashboard's engine does per epoch at pace `max` (step six runs
/// and record each into its bounded history), next to what `downhill run`
/// does (step the same race, nothing recorded). The ratio bounds the max
/// pace's share of the headless rate.
fn bench_pace(c: &mut Criterion) {
    let mut g = c.benchmark_group("pace");
    let sc = Arc::new(six_run_scenario(1_000_000_000));
    let mut slot = Slot::new(0, 0, sc.clone());
    // Past the recent window, so the ring and the buckets are in steady state.
    for _ in 0..10_000 {
        slot.step();
    }
    g.bench_function("engine epoch (6 runs, recorded)", |b| {
        b.iter(|| black_box(slot.step()))
    });
    let mut race = sc.full_race(0);
    for _ in 0..10_000 {
        race.step();
    }
    g.bench_function("headless epoch (6 runs)", |b| {
        b.iter(|| black_box(race.step()))
    });
    g.finish();
}

fn bench_frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    g.sample_size(30);
    for exp in [3u32, 5, 7] {
        let epochs = 10u64.pow(exp);
        // Stepping 6 runs to 10^7 epochs takes a while: only when this
        // group is selected (criterion calls a closure only then).
        let slot = std::cell::OnceCell::new();
        let slot = || slot.get_or_init(|| six_run_slot(epochs));
        let model = std::cell::OnceCell::new();
        let model = || {
            model.get_or_init(|| {
                let slot = slot();
                let entry = Entry::new("bench".into(), Ok((*slot.scenario).clone()));
                let mut model = Model::new(vec![entry]);
                model.entries[0].paused = true;
                let snap = Arc::new(slot.snapshot());
                update(
                    &mut model,
                    Action::Snapshot(snap, std::time::Instant::now()),
                );
                model
            })
        };
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let mut cache = downhill::ui::ViewCache::default();
        g.bench_function(BenchmarkId::new("draw 200x60", epochs), |b| {
            let m = model();
            b.iter(|| {
                term.draw(|f| downhill::ui::draw(f, m, &mut cache))
                    .unwrap()
                    .area
            })
        });
        g.bench_function(BenchmarkId::new("snapshot", epochs), |b| {
            let s = slot();
            b.iter(|| black_box(s.snapshot()))
        });
    }
    g.finish();
}

fn bench_sweep(c: &mut Criterion) {
    let mut g = c.benchmark_group("sweep");
    g.sample_size(10);
    let text = format!(
        r#"title = "sweep 100x100x1000"
[objective]
f = "{PEAKS}"
domain = {{ x = [-3.0, 3.0], y = [-3.0, 3.0] }}
[descent]
epochs = 1000
start = {{ x = 0.0, y = 0.0 }}
[[run]]
name = "fixed"
lr = 0.01
[sweep]
x_axis = {{ param = "start.x", from = -2.0, to = 2.0, steps = 100 }}
y_axis = {{ param = "start.y", from = -2.0, to = 2.0, steps = 100 }}
"#
    );
    let sc = scenario::parse("bench", &text).unwrap();
    g.bench_function("peaks 100x100x1000", |b| {
        b.iter(|| downhill::sweep::compute(&sc, |_, _| {}).unwrap().len())
    });
    g.finish();
}

/// 1000 epochs per iteration, three ways (see the module docs).
fn bench_loop(c: &mut Criterion) {
    let mut g = c.benchmark_group("loop");
    const EPOCHS: u64 = 1000;
    let expr = downhill::descent::expr::Expr::parse(PEAKS, &["x", "y"]).unwrap();
    let limits = Limits::new(u64::MAX);
    let mut full = Run::new(spec(), expr.evaluator(), limits.clone()).with_full_record();
    g.bench_function("Run::step, full record (1000 epochs)", |b| {
        b.iter(|| {
            for _ in 0..EPOCHS {
                full.step();
            }
            black_box(full.loss())
        })
    });
    let mut lean = Run::new(spec(), expr.evaluator(), limits);
    g.bench_function("Run::step, lean (1000 epochs)", |b| {
        b.iter(|| {
            for _ in 0..EPOCHS {
                lean.step();
            }
            black_box(lean.loss())
        })
    });
    let mut x = [-1.16863321, 1.13352453];
    g.bench_function("hand loop (1000 epochs)", |b| {
        b.iter(|| {
            let (end, loss) = hand_loop(black_box(x), 0.01, EPOCHS);
            x = end;
            black_box(loss)
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_step,
    bench_loop,
    bench_pace,
    bench_frame,
    bench_sweep
);
criterion_main!(benches);
