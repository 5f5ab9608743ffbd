//! The descent core against closed forms, independent re-implementations and the
//! numbers published in the lessons (see `shared/LESSONS.md`).

use downhill::descent::Function;
use downhill::descent::race::Race;
use downhill::descent::rng::Rng;
use downhill::descent::run::{Limits, Run, RunSpec, Status, Update, UpdateDetail, distance};
use downhill::descent::schedule::{BACKTRACKING_MAX_TRIALS, BbRule, Momentum, Schedule};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Hand-written objectives with exact gradients.

/// Lesson 3: `f(x) = 3x² − 3x + 4`, `f'(x) = 6x − 3`.
#[derive(Debug, Clone)]
struct Quad1;

impl Function for Quad1 {
    fn dim(&self) -> usize {
        1
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        3.0 * x[0] * x[0] - 3.0 * x[0] + 4.0
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = 6.0 * x[0] - 3.0;
        self.value(x)
    }
}

/// Lesson 4: the "peaks" surface with its exact partial derivatives.
#[derive(Debug, Clone)]
struct Peaks;

fn peaks(x: f64, y: f64) -> (f64, f64, f64) {
    let e1 = (-x * x - (y + 1.0) * (y + 1.0)).exp();
    let e2 = (-x * x - y * y).exp();
    let e3 = (-(x + 1.0) * (x + 1.0) - y * y).exp();
    let p = x / 5.0 - x.powi(3) - y.powi(5);
    let z = 3.0 * (1.0 - x).powi(2) * e1 - 10.0 * p * e2 - e3 / 3.0;
    let dx = e1 * (-6.0 * (1.0 - x) - 6.0 * x * (1.0 - x).powi(2))
        - 10.0 * e2 * (0.2 - 3.0 * x * x - 2.0 * x * p)
        + 2.0 / 3.0 * (x + 1.0) * e3;
    let dy = -6.0 * (1.0 - x).powi(2) * (y + 1.0) * e1
        - 10.0 * e2 * (-5.0 * y.powi(4) - 2.0 * y * p)
        + 2.0 / 3.0 * y * e3;
    (z, dx, dy)
}

impl Function for Peaks {
    fn dim(&self) -> usize {
        2
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        peaks(x[0], x[1]).0
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let (z, dx, dy) = peaks(x[0], x[1]);
        g[0] = dx;
        g[1] = dy;
        z
    }
}

/// Rosenbrock: `(1 − x)² + 100(y − x²)²`.
#[derive(Debug, Clone)]
struct Rosenbrock;

impl Function for Rosenbrock {
    fn dim(&self) -> usize {
        2
    }
    fn value(&mut self, v: &[f64]) -> f64 {
        let (x, y) = (v[0], v[1]);
        (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
    }
    fn value_grad(&mut self, v: &[f64], g: &mut [f64]) -> f64 {
        let (x, y) = (v[0], v[1]);
        g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
        g[1] = 200.0 * (y - x * x);
        self.value(v)
    }
}

/// An axis-aligned quadratic `Σ a_j x_j² / 2` (ill-conditioned for unequal `a_j`).
#[derive(Debug, Clone)]
struct Diag(Vec<f64>);

impl Function for Diag {
    fn dim(&self) -> usize {
        self.0.len()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        self.0.iter().zip(x).map(|(a, x)| a * x * x / 2.0).sum()
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        for ((g, a), x) in g.iter_mut().zip(&self.0).zip(x) {
            *g = a * x;
        }
        self.value(x)
    }
}

/// `f(x) = x² + 10 y²`, gradient `(2x, 20y)`.
fn bowl() -> Diag {
    Diag(vec![2.0, 20.0])
}

/// The lesson's "unfortunate start": `cos(2πx) + x²`.
#[derive(Debug, Clone)]
struct CosBowl;

impl Function for CosBowl {
    fn dim(&self) -> usize {
        1
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        (2.0 * std::f64::consts::PI * x[0]).cos() + x[0] * x[0]
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let tau = 2.0 * std::f64::consts::PI;
        g[0] = -tau * (tau * x[0]).sin() + 2.0 * x[0];
        self.value(x)
    }
}

/// What a [`Cliff`] returns past `x = 1`.
#[derive(Debug, Clone, Copy)]
enum Past {
    NanValue,
    InfValue,
    InfGrad,
}

/// `f(x) = −x` (so descent walks right by `lr` per step), broken past `x = 1`.
#[derive(Debug, Clone)]
struct Cliff(Past);

impl Function for Cliff {
    fn dim(&self) -> usize {
        1
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        let mut g = [0.0];
        self.value_grad(x, &mut g)
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = -1.0;
        if x[0] <= 1.0 {
            return -x[0];
        }
        match self.0 {
            Past::NanValue => f64::NAN,
            Past::InfValue => f64::NEG_INFINITY,
            Past::InfGrad => {
                g[0] = f64::INFINITY;
                -x[0]
            }
        }
    }
}

/// `x²` whose reported gradient is a huge uphill lie (`−1e20`): for `x > 0` no Armijo
/// trial can succeed, even after 60 halvings of the step.
#[derive(Debug, Clone)]
struct Liar;

impl Function for Liar {
    fn dim(&self) -> usize {
        1
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        x[0] * x[0]
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = -1e20;
        x[0] * x[0]
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

fn run<F: Function>(f: F, schedule: Schedule, lr: f64, start: &[f64], limits: Limits) -> Run<F> {
    Run::new(RunSpec::new("t", schedule, lr, start.to_vec()), f, limits)
}

fn rel_close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// Steps until the run stops, collecting every update record.
fn run_to_end<F: Function>(r: &mut Run<F>) -> Vec<Update> {
    let mut out = Vec::new();
    while r.step() {
        out.push(r.last_update().unwrap().clone());
    }
    out
}

fn all_schedules() -> Vec<Schedule> {
    vec![
        Schedule::Constant,
        Schedule::GradientScaled,
        Schedule::LinearDecay,
        Schedule::Step {
            step_size: 4,
            gamma: 0.5,
        },
        Schedule::Exponential { gamma: 0.9 },
        Schedule::InverseTime { gamma: 0.3 },
        Schedule::Cosine { lr_min: 0.001 },
        Schedule::WarmupCosine {
            warmup: 3,
            lr_min: 0.0,
        },
        Schedule::Backtracking {
            c: 1e-4,
            shrink: 0.5,
        },
        Schedule::BarzilaiBorwein,
        Schedule::ADAGRAD,
        Schedule::RMSPROP,
        Schedule::ADAM,
    ]
}

// ---------------------------------------------------------------------------------------
// Lesson 3: gradient descent in 1D.

#[test]
fn lesson3_published_run_and_closed_form() {
    let x0 = -0.998;
    let mut r = run(Quad1, Schedule::Constant, 0.01, &[x0], Limits::new(100));
    for k in 1..=100 {
        assert!(r.step());
        // x_k − 0.5 = (x_0 − 0.5)·(1 − 6·0.01)^k: each step multiplies the error by 0.94.
        let closed = 0.5 + (x0 - 0.5) * 0.94f64.powi(k);
        assert!(
            rel_close(r.params()[0], closed, 1e-12),
            "k={k}: {} vs {closed}",
            r.params()[0]
        );
        let u = r.last_update().unwrap();
        let ratio = (u.x_new[0] - 0.5) / (u.x_old[0] - 0.5);
        assert!((ratio - 0.94).abs() < 1e-9, "k={k}: ratio {ratio}");
    }
    assert!(
        (r.params()[0] - 0.496_921_8).abs() < 1e-7,
        "{}",
        r.params()[0]
    );
    assert_eq!(r.status(), Status::Finished);
    assert_eq!(r.epoch(), 100);
    assert!(!r.step());
}

#[test]
fn lesson3_tiny_rate_crawls() {
    let mut r = run(Quad1, Schedule::Constant, 0.001, &[-2.0], Limits::new(100));
    run_to_end(&mut r);
    let x = r.params()[0];
    assert!((x - -0.87).abs() < 5e-3, "{x}");
    assert!(rel_close(x, 0.5 - 2.5 * 0.994f64.powi(100), 1e-12));
}

#[test]
fn lesson3_rate_one_explodes() {
    let mut r = run(
        Quad1,
        Schedule::Constant,
        1.0,
        &[-2.0],
        Limits::new(100).with_bound(1e300),
    );
    run_to_end(&mut r);
    assert_eq!(r.status(), Status::Finished);
    let x = r.params()[0];
    // x_k = 0.5 − 2.5·(−5)^k.
    assert!(rel_close(x, 0.5 - 2.5 * (-5.0f64).powi(100), 1e-12), "{x}");
    assert!((-2.0e70..-1.9e70).contains(&x), "{x}");
}

#[test]
fn lesson3_divergence_at_the_bound_while_others_continue() {
    // First k with |0.5 − 2.5·(−5)^k| > 1e12.
    let expected = (1..)
        .find(|&k| (0.5 - 2.5 * (-5.0f64).powi(k)).abs() > 1e12)
        .unwrap() as u64;
    assert_eq!(expected, 17);
    let limits = Limits::new(100);
    let mut race = Race::new(vec![
        run(Quad1, Schedule::Constant, 1.0, &[-2.0], limits.clone()),
        run(Quad1, Schedule::Constant, 0.01, &[-2.0], limits),
    ]);
    let mut steps = 0;
    while race.step() {
        steps += 1;
    }
    assert_eq!(steps, 100);
    assert_eq!(race.epoch(), 100);
    let [wild, tame] = race.runs() else { panic!() };
    assert_eq!(wild.status(), Status::Diverged { at: expected });
    // The last good state stays on display; the offending update is recorded.
    assert_eq!(wild.epoch(), expected - 1);
    let x16 = 0.5 - 2.5 * (-5.0f64).powi(16);
    assert!(rel_close(wild.params()[0], x16, 1e-12));
    assert_eq!(wild.loss(), Quad1.value(wild.params()));
    let u = wild.last_update().unwrap();
    assert_eq!(u.epoch, expected);
    assert_eq!(u.x_old, wild.params());
    assert!(u.x_new[0].abs() > 1e12);
    assert_eq!(wild.lr(), 1.0);
    assert_eq!(tame.status(), Status::Finished);
    assert_eq!(tame.epoch(), 100);
    assert!(race.is_done());
}

// ---------------------------------------------------------------------------------------
// Lesson 4: the peaks surface.

#[test]
fn peaks_gradient_matches_finite_differences() {
    let mut rng = Rng::new(4);
    for _ in 0..200 {
        let (x, y) = (rng.uniform(-3.0, 3.0), rng.uniform(-3.0, 3.0));
        let (_, dx, dy) = peaks(x, y);
        let h = 1e-6;
        let fdx = (peaks(x + h, y).0 - peaks(x - h, y).0) / (2.0 * h);
        let fdy = (peaks(x, y + h).0 - peaks(x, y - h).0) / (2.0 * h);
        assert!(
            (dx - fdx).abs() < 1e-6 * (1.0 + dx.abs()),
            "{x},{y}: {dx} {fdx}"
        );
        assert!(
            (dy - fdy).abs() < 1e-6 * (1.0 + dy.abs()),
            "{x},{y}: {dy} {fdy}"
        );
    }
}

#[test]
fn peaks_published_minima() {
    for (x, y, z) in [
        (0.228_279, -1.625_535, -6.551_133),
        (-1.347_396, 0.204_519, -3.049_849),
        (0.296_446, 0.320_196, -0.064_936),
    ] {
        let (v, dx, dy) = peaks(x, y);
        assert!((v - z).abs() < 1e-6, "{v} vs {z}");
        assert!(dx.abs() < 1e-4 && dy.abs() < 1e-4, "{dx} {dy}");
    }
}

#[test]
fn lesson4_published_run() {
    let start = [-1.168_633_21, 1.133_524_53];
    let mut r = run(Peaks, Schedule::Constant, 0.01, &start, Limits::new(1000));
    let updates = run_to_end(&mut r);
    assert_eq!(updates.len(), 1000);
    assert_eq!(r.status(), Status::Finished);
    let p = r.params();
    assert!((p[0] - -1.347_396_2).abs() < 1e-6, "{p:?}");
    assert!((p[1] - 0.204_518_9).abs() < 1e-6, "{p:?}");
}

#[test]
fn lesson4_from_0_14() {
    let shallow = [0.296_446, 0.320_196];
    for (lr, epochs) in [(0.01, 1000), (0.01, 10_000), (0.1, 1000)] {
        let mut r = run(
            Peaks,
            Schedule::Constant,
            lr,
            &[0.0, 1.4],
            Limits::new(epochs),
        );
        run_to_end(&mut r);
        assert!(
            distance(r.params(), &shallow) < 1e-3,
            "lr {lr}, {epochs}: {:?}",
            r.params()
        );
    }
    // lr .5 flies off.
    let mut r = run(
        Peaks,
        Schedule::Constant,
        0.5,
        &[0.0, 1.4],
        Limits::new(1000),
    );
    run_to_end(&mut r);
    assert!(distance(r.params(), &[0.0, 0.0]) > 3.0, "{:?}", r.params());
    // lr 1e-5 barely moves.
    let mut r = run(
        Peaks,
        Schedule::Constant,
        1e-5,
        &[0.0, 1.4],
        Limits::new(1000),
    );
    run_to_end(&mut r);
    assert!(distance(r.params(), &[0.0, 1.4]) < 0.1, "{:?}", r.params());
}

// ---------------------------------------------------------------------------------------
// Lesson 5: fixed vs. dynamic learning rate.

#[test]
fn lesson5_three_schedules_against_the_lesson_loop() {
    const N: u64 = 50;
    // One shared start: a random point of the 2001-point grid on [−2, 2].
    let mut rng = Rng::new(5);
    let start = -2.0 + 4.0 * rng.below(2001) as f64 / 2000.0;
    let schemes = [
        ("fixed", Schedule::Constant, 0.01),
        ("grad-based", Schedule::GradientScaled, 0.01),
        ("time-based", Schedule::LinearDecay, 0.1),
    ];
    let mut race = Race::new(
        schemes
            .iter()
            .map(|(name, s, lr)| {
                Run::new(
                    RunSpec::new(*name, s.clone(), *lr, vec![start]),
                    Quad1,
                    Limits::new(N),
                )
            })
            .collect(),
    );
    // The lesson's loop, written plainly.
    let mut xs = [start; 3];
    for i in 0..N {
        assert!(race.step());
        for (s, x) in xs.iter_mut().enumerate() {
            let g = 6.0 * *x - 3.0;
            let lr = match s {
                0 => 0.01,
                1 => 0.01 * g.abs(),
                _ => 0.1 * (1.0 - (i + 1) as f64 / N as f64),
            };
            *x -= lr * g;
            let r = &race.runs()[s];
            assert_eq!(r.params()[0], *x, "{} epoch {}", r.spec().name, i + 1);
            assert_eq!(r.lr(), lr, "{} epoch {}", r.spec().name, i + 1);
            let u = r.last_update().unwrap();
            if s == 1 {
                assert_eq!(u.lr, 0.01 * (6.0 * u.x_old[0] - 3.0).abs());
            }
        }
        if i + 1 == 10 {
            assert!((race.runs()[2].params()[0] - 0.5).abs() < 1e-3);
        }
    }
    assert!(race.is_done());
    let time = &race.runs()[2];
    assert_eq!(time.lr(), 0.0);
    let last = time.last_update().unwrap();
    assert_eq!(last.x_new, last.x_old);
    // The fixed rate has not reached 0.5 after 50 epochs...
    assert!((race.runs()[0].params()[0] - 0.5).abs() > 1e-3);
    // ...but does by 500.
    let mut fixed = run(Quad1, Schedule::Constant, 0.01, &[start], Limits::new(500));
    run_to_end(&mut fixed);
    assert!((fixed.params()[0] - 0.5).abs() < 1e-9);
}

// ---------------------------------------------------------------------------------------
// Schedules inside runs.

#[test]
fn rate_schedules_follow_their_formulas() {
    const N: u64 = 20;
    let eta = 0.05;
    type Formula<'a> = Box<dyn Fn(u64) -> f64 + 'a>;
    let cases: Vec<(Schedule, Formula)> = vec![
        (Schedule::Constant, Box::new(|_| eta)),
        (
            Schedule::LinearDecay,
            Box::new(|k| eta * (1.0 - k as f64 / N as f64)),
        ),
        (
            Schedule::Step {
                step_size: 6,
                gamma: 0.1,
            },
            Box::new(|k| eta * 0.1f64.powi(((k - 1) / 6) as i32)),
        ),
        (
            Schedule::Exponential { gamma: 0.8 },
            Box::new(|k| eta * 0.8f64.powi((k - 1) as i32)),
        ),
        (
            Schedule::InverseTime { gamma: 2.0 },
            Box::new(|k| eta / (1.0 + 2.0 * (k - 1) as f64)),
        ),
        (
            Schedule::Cosine { lr_min: 0.01 },
            Box::new(|k| {
                let i = (k - 1) as f64;
                0.01 + (eta - 0.01) * (1.0 + (std::f64::consts::PI * i / N as f64).cos()) / 2.0
            }),
        ),
        (
            Schedule::WarmupCosine {
                warmup: 5,
                lr_min: 0.0,
            },
            Box::new(|k| {
                if k <= 5 {
                    eta * k as f64 / 5.0
                } else {
                    let j = (k - 6) as f64;
                    eta * (1.0 + (std::f64::consts::PI * j / 15.0).cos()) / 2.0
                }
            }),
        ),
    ];
    for (schedule, formula) in cases {
        let mut r = run(
            Diag(vec![1.0, 30.0]),
            schedule.clone(),
            eta,
            &[1.0, 1.0],
            Limits::new(N),
        );
        let updates = run_to_end(&mut r);
        assert_eq!(updates.len() as u64, N);
        for u in &updates {
            let want = formula(u.epoch);
            assert!(
                rel_close(u.lr, want, 1e-14) || u.lr == want,
                "{} k={}: {} vs {want}",
                schedule.name(),
                u.epoch,
                u.lr
            );
            for j in 0..2 {
                assert_eq!(u.x_new[j], u.x_old[j] - u.lr * u.grad_old[j]);
            }
        }
        match schedule {
            Schedule::Cosine { .. } => assert_eq!(updates[0].lr, eta),
            Schedule::WarmupCosine { .. } => {
                let lrs: Vec<f64> = updates.iter().take(6).map(|u| u.lr).collect();
                for (k, lr) in lrs.iter().enumerate().take(5) {
                    assert!(rel_close(*lr, 0.01 * (k + 1) as f64, 1e-15), "{lrs:?}");
                }
                assert_eq!((lrs[4], lrs[5]), (eta, eta));
            }
            Schedule::LinearDecay => assert_eq!(updates[N as usize - 1].lr, 0.0),
            _ => {}
        }
    }
}

#[test]
fn gradient_scaled_uses_the_gradient_norm() {
    let mut r = run(
        Diag(vec![1.0, 30.0]),
        Schedule::GradientScaled,
        0.01,
        &[1.0, 1.0],
        Limits::new(5),
    );
    for u in run_to_end(&mut r) {
        let gn = (u.grad_old[0].powi(2) + u.grad_old[1].powi(2)).sqrt();
        assert_eq!(u.lr, 0.01 * gn);
        assert_eq!(
            u.detail,
            UpdateDetail::GradientScaled {
                base: 0.01,
                grad_norm: gn
            }
        );
    }
}

#[test]
fn adaptive_first_two_updates_by_hand() {
    // f = x² + 10y² from (1, 1), η = 0.1; the numbers were worked out separately.
    let cases = [
        (
            Schedule::ADAGRAD,
            [0.900_000_000_005, 0.900_000_000_000_5],
            [0.833_103_526_845_035_9, 0.833_103_526_838_483_1],
        ),
        (
            Schedule::RmsProp {
                alpha: 0.9,
                eps: 0.0,
            },
            [0.683_772_233_983_162, 0.683_772_233_983_162],
            [0.498_870_606_896_870_24, 0.498_870_606_896_870_24],
        ),
        (
            Schedule::ADAM,
            [0.900_000_000_5, 0.900_000_000_049_999_9],
            [0.800_412_228_691_792_7, 0.800_412_227_773_302],
        ),
    ];
    for (schedule, x1, x2) in cases {
        let mut r = run(bowl(), schedule.clone(), 0.1, &[1.0, 1.0], Limits::new(10));
        r.step();
        for (got, want) in r.params().iter().zip(x1) {
            assert!(
                rel_close(*got, want, 1e-14),
                "{schedule:?} {:?}",
                r.params()
            );
        }
        // The recorded rate is the effective one, ‖Δx‖/‖g‖.
        let u = r.last_update().unwrap();
        let dx = distance(&u.x_new, &u.x_old);
        let gn = (u.grad_old[0].powi(2) + u.grad_old[1].powi(2)).sqrt();
        assert!(rel_close(r.lr(), dx / gn, 1e-9));
        r.step();
        for (got, want) in r.params().iter().zip(x2) {
            assert!(
                rel_close(*got, want, 1e-14),
                "{schedule:?} {:?}",
                r.params()
            );
        }
    }
    // Adam's first two updates, with m̂ and v̂ recorded.
    let mut r = run(bowl(), Schedule::ADAM, 0.1, &[1.0, 1.0], Limits::new(10));
    r.step();
    let UpdateDetail::Adam { m_hat, v_hat, .. } = &r.last_update().unwrap().detail else {
        panic!()
    };
    // After one update the bias-corrected moments are g and g².
    assert!(rel_close(m_hat[0], 2.0, 1e-12) && rel_close(m_hat[1], 20.0, 1e-12));
    assert!(rel_close(v_hat[0], 4.0, 1e-12) && rel_close(v_hat[1], 400.0, 1e-12));
}

#[test]
fn momentum_and_nesterov_by_hand() {
    // f = x² (Diag(2)), x0 = 1, η = 0.1, β = 0.5.
    //   heavy ball: d = 0.2, b = 0.2 → 0.8; d = 0.16, b = 0.26 → 0.54; d = 0.108, b = 0.238 → 0.302
    //   Nesterov:  d = 0.2, b = 0.2, Δ = 0.3 → 0.7; d = 0.14, b = 0.24, Δ = 0.26 → 0.44;
    //              d = 0.088, b = 0.208, Δ = 0.192 → 0.248
    for (nesterov, xs, bufs) in [
        (false, [0.8, 0.54, 0.302], [0.2, 0.26, 0.238]),
        (true, [0.7, 0.44, 0.248], [0.2, 0.24, 0.208]),
    ] {
        let m = Momentum {
            beta: 0.5,
            nesterov,
        };
        let spec = RunSpec::new("m", Schedule::Constant, 0.1, vec![1.0]).with_momentum(m);
        let mut r = Run::new(spec, Diag(vec![2.0]), Limits::new(10));
        for k in 0..3 {
            r.step();
            assert!(
                (r.params()[0] - xs[k]).abs() < 1e-15,
                "{nesterov} {k}: {}",
                r.params()[0]
            );
            let u = r.last_update().unwrap();
            let UpdateDetail::Momentum {
                beta,
                nesterov: n,
                step,
                buffer,
                inner,
            } = &u.detail
            else {
                panic!("{:?}", u.detail)
            };
            assert_eq!((*beta, *n), (0.5, nesterov));
            assert!((step[0] - 0.1 * u.grad_old[0]).abs() < 1e-15);
            assert!((buffer[0] - bufs[k]).abs() < 1e-15);
            assert_eq!(**inner, UpdateDetail::Plain);
            assert!((r.lr() - (u.x_old[0] - u.x_new[0]) / u.grad_old[0]).abs() < 1e-12);
        }
    }
}

#[test]
fn momentum_on_adaptive_and_decayed_schedules_runs() {
    for schedule in all_schedules() {
        let spec = RunSpec::new(schedule.name(), schedule.clone(), 0.01, vec![-1.0, 1.5])
            .with_momentum(Momentum {
                beta: 0.9,
                nesterov: true,
            });
        let mut r = Run::new(spec, Rosenbrock, Limits::new(200));
        let updates = run_to_end(&mut r);
        assert!(!updates.is_empty());
        let last = updates.last().unwrap();
        match (schedule.supports_momentum(), &last.detail) {
            (true, UpdateDetail::Momentum { inner, .. }) => {
                assert_eq!(inner.as_ref(), last.detail.schedule_part());
            }
            (false, d) => assert!(!matches!(d, UpdateDetail::Momentum { .. })),
            (true, d) => panic!("{}: {d:?}", schedule.name()),
        }
    }
}

#[test]
fn barzilai_borwein_second_step_on_a_quadratic() {
    let a = [1.0, 25.0];
    let eta = 0.01;
    let mut r = run(
        Diag(a.to_vec()),
        Schedule::BarzilaiBorwein,
        eta,
        &[1.0, 1.0],
        Limits::new(10),
    );
    r.step();
    let u1 = r.last_update().unwrap().clone();
    assert_eq!(u1.lr, eta);
    assert!(matches!(
        u1.detail,
        UpdateDetail::BarzilaiBorwein {
            rule: BbRule::First,
            ..
        }
    ));
    r.step();
    let u2 = r.last_update().unwrap().clone();
    let s: Vec<f64> = (0..2).map(|j| u2.x_old[j] - u1.x_old[j]).collect();
    let y: Vec<f64> = (0..2).map(|j| u2.grad_old[j] - u1.grad_old[j]).collect();
    let ss = s[0] * s[0] + s[1] * s[1];
    let sy = s[0] * y[0] + s[1] * y[1];
    assert_eq!(u2.lr, ss / sy);
    // On ½xᵀAx from (1, 1): s = −η·A·1, y = A·s, so t = Σa²/Σa³.
    assert!(rel_close(u2.lr, 626.0 / 15_626.0, 1e-12));
    assert_eq!(
        u2.detail,
        UpdateDetail::BarzilaiBorwein {
            base: eta,
            s_dot_s: ss,
            s_dot_y: sy,
            rule: BbRule::Ratio
        }
    );
    for j in 0..2 {
        assert_eq!(u2.x_new[j], u2.x_old[j] - u2.lr * u2.grad_old[j]);
    }
    // And it converges on this ill-conditioned bowl far faster than the fixed rate.
    let mut r = run(
        Diag(a.to_vec()),
        Schedule::BarzilaiBorwein,
        eta,
        &[1.0, 1.0],
        Limits::new(100).with_tolerance(1e-8),
    );
    run_to_end(&mut r);
    assert!(
        matches!(r.status(), Status::Converged { at } if at < 50),
        "{:?}",
        r.status()
    );
}

#[test]
fn barzilai_borwein_falls_back_on_negative_curvature() {
    // f = −x²/2: s·y < 0, so every update after the first uses η.
    let mut r = run(
        Diag(vec![-1.0]),
        Schedule::BarzilaiBorwein,
        0.1,
        &[1.0],
        Limits::new(5),
    );
    let updates = run_to_end(&mut r);
    assert_eq!(updates.len(), 5);
    for u in &updates[1..] {
        assert_eq!(u.lr, 0.1);
        assert!(matches!(
            u.detail,
            UpdateDetail::BarzilaiBorwein {
                rule: BbRule::Fallback,
                ..
            }
        ));
    }
}

/// Checks one backtracking update against its definition.
fn check_backtracking(u: &Update, f: &mut impl Function, eta: f64, c: f64, shrink: f64) {
    let UpdateDetail::Backtracking {
        base,
        c: dc,
        shrink: ds,
        grad_sq,
        trials,
        accepted,
    } = &u.detail
    else {
        panic!("{:?}", u.detail)
    };
    assert_eq!((*base, *dc, *ds), (eta, c, shrink));
    let gsq: f64 = u.grad_old.iter().map(|g| g * g).sum();
    assert_eq!(*grad_sq, gsq);
    assert!(!trials.is_empty() && trials.len() <= BACKTRACKING_MAX_TRIALS);
    let mut t = eta;
    for (n, trial) in trials.iter().enumerate() {
        assert_eq!(trial.t, t);
        let x: Vec<f64> = (0..u.x_old.len())
            .map(|j| u.x_old[j] - t * u.grad_old[j])
            .collect();
        let fx = f.value(&x);
        assert!(trial.loss == fx || (fx.is_nan() && trial.loss.is_nan()));
        let ok = trial.loss <= u.loss_old - c * t * gsq;
        assert_eq!(ok, *accepted && n + 1 == trials.len(), "trial {n}");
        t *= shrink;
    }
    if *accepted {
        assert_eq!(u.lr, trials.last().unwrap().t);
        assert_eq!(u.loss_new, trials.last().unwrap().loss);
    } else {
        assert_eq!(trials.len(), BACKTRACKING_MAX_TRIALS);
        assert_eq!(u.lr, 0.0);
        assert_eq!(u.x_new, u.x_old);
        assert_eq!(u.loss_new, u.loss_old);
    }
    for j in 0..u.x_old.len() {
        assert_eq!(u.x_new[j], u.x_old[j] - u.lr * u.grad_old[j]);
    }
    assert!(u.loss_new <= u.loss_old);
}

proptest! {
    #[test]
    fn backtracking_never_increases_the_loss(
        x in -2.0f64..2.0,
        y in -2.0f64..2.0,
        eta in 1e-3f64..2.0,
    ) {
        let (c, shrink) = (1e-4, 0.5);
        let mut r = run(Rosenbrock, Schedule::Backtracking { c, shrink }, eta, &[x, y], Limits::new(40));
        let mut prev = r.loss();
        while r.step() {
            let u = r.last_update().unwrap();
            prop_assert_eq!(u.loss_old, prev);
            check_backtracking(u, &mut Rosenbrock, eta, c, shrink);
            prop_assert!(r.loss() <= prev);
            prev = r.loss();
        }
        prop_assert_eq!(r.status(), Status::Finished);
    }
}

#[test]
fn backtracking_takes_no_step_when_no_trial_is_accepted() {
    let mut r = run(
        Liar,
        Schedule::Backtracking {
            c: 0.5,
            shrink: 0.5,
        },
        1.0,
        &[1.0],
        Limits::new(3),
    );
    let updates = run_to_end(&mut r);
    assert_eq!(updates.len(), 3);
    for u in &updates {
        check_backtracking(u, &mut Liar, 1.0, 0.5, 0.5);
        let UpdateDetail::Backtracking { accepted, .. } = u.detail else {
            panic!()
        };
        assert!(!accepted);
    }
    assert_eq!(r.params(), [1.0]);
    assert_eq!(r.status(), Status::Finished);
}

// ---------------------------------------------------------------------------------------
// Update records, status, restart.

#[test]
fn update_records_are_what_happened() {
    let momenta = [
        None,
        Some(Momentum {
            beta: 0.8,
            nesterov: false,
        }),
        Some(Momentum {
            beta: 0.8,
            nesterov: true,
        }),
    ];
    for schedule in all_schedules() {
        for momentum in momenta {
            let mut spec = RunSpec::new("u", schedule.clone(), 0.02, vec![0.3, -0.3]);
            spec.momentum = momentum;
            let mut r = Run::new(spec, Diag(vec![1.0, 10.0]), Limits::new(30));
            let mut prev_x = r.params().to_vec();
            let mut prev_g = r.grad().to_vec();
            let mut prev_loss = r.loss();
            while r.step() {
                let u = r.last_update().unwrap();
                let what = format!("{} {momentum:?} k={}", schedule.name(), u.epoch);
                assert_eq!(u.epoch, r.epoch(), "{what}");
                assert_eq!(u.x_old, prev_x, "{what}");
                assert_eq!(u.grad_old, prev_g, "{what}");
                assert_eq!(u.loss_old, prev_loss, "{what}");
                assert_eq!(u.x_new, r.params(), "{what}");
                assert_eq!(u.loss_new, r.loss(), "{what}");
                assert_eq!(u.lr, r.lr(), "{what}");
                assert_eq!(r.loss(), Diag(vec![1.0, 10.0]).value(r.params()), "{what}");
                let plain = !schedule.is_adaptive()
                    && (momentum.is_none() || !schedule.supports_momentum());
                let gn = (u.grad_old[0].powi(2) + u.grad_old[1].powi(2)).sqrt();
                if plain {
                    for j in 0..2 {
                        assert_eq!(u.x_new[j], u.x_old[j] - u.lr * u.grad_old[j], "{what}");
                    }
                } else if gn > 0.0 {
                    let eff = distance(&u.x_new, &u.x_old) / gn;
                    assert!(rel_close(u.lr, eff, 1e-9), "{what}: {} vs {eff}", u.lr);
                }
                prev_x = r.params().to_vec();
                prev_g = r.grad().to_vec();
                prev_loss = r.loss();
            }
            assert_eq!(
                r.status(),
                Status::Finished,
                "{} {momentum:?}",
                schedule.name()
            );
        }
    }
}

#[test]
fn divergence_on_nan_inf_and_bad_gradients() {
    for past in [Past::NanValue, Past::InfValue, Past::InfGrad] {
        // x: 0 → 0.3 → 0.6 → 0.9 → 1.2 (broken) at update 4.
        let mut r = run(
            Cliff(past),
            Schedule::Constant,
            0.3,
            &[0.0],
            Limits::new(100),
        );
        let updates = run_to_end(&mut r);
        assert_eq!(updates.len(), 4, "{past:?}");
        assert_eq!(r.status(), Status::Diverged { at: 4 }, "{past:?}");
        assert_eq!(r.epoch(), 3);
        assert!((r.params()[0] - 0.9).abs() < 1e-12);
        assert!(r.loss().is_finite() && r.grad()[0].is_finite());
        let u = r.last_update().unwrap().clone();
        assert!((u.x_new[0] - 1.2).abs() < 1e-12);
        match past {
            Past::NanValue => assert!(u.loss_new.is_nan()),
            Past::InfValue => assert_eq!(u.loss_new, f64::NEG_INFINITY),
            Past::InfGrad => assert!(u.loss_new.is_finite()),
        }
        // A stopped run stays put.
        assert!(!r.step());
        // (Debug text, since NaN != NaN.)
        assert_eq!(format!("{:?}", r.last_update()), format!("{:?}", Some(&u)));
        assert_eq!(r.epoch(), 3);
    }
    // A start in the broken region diverges at 0.
    let r = run(
        Cliff(Past::NanValue),
        Schedule::Constant,
        0.3,
        &[2.0],
        Limits::new(10),
    );
    assert_eq!(r.status(), Status::Diverged { at: 0 });
    // A start beyond the bound too.
    let r = run(Quad1, Schedule::Constant, 0.3, &[2e12], Limits::new(10));
    assert_eq!(r.status(), Status::Diverged { at: 0 });
    // Adaptive optimizers diverge as cleanly.
    let mut r = run(
        Cliff(Past::NanValue),
        Schedule::ADAM,
        0.3,
        &[0.0],
        Limits::new(100),
    );
    run_to_end(&mut r);
    assert!(matches!(r.status(), Status::Diverged { .. }));
    assert!(r.params()[0] <= 1.0);
}

#[test]
fn convergence_with_tolerance() {
    // |f'| = 6·1.498·0.94^k < 0.1 first at k = 73.
    let expected = (1..)
        .find(|&k| 6.0 * 1.498 * 0.94f64.powi(k) < 0.1)
        .unwrap() as u64;
    assert_eq!(expected, 73);
    let mut r = run(
        Quad1,
        Schedule::Constant,
        0.01,
        &[-0.998],
        Limits::new(100).with_tolerance(0.1),
    );
    run_to_end(&mut r);
    assert_eq!(r.status(), Status::Converged { at: expected });
    assert_eq!(r.epoch(), expected);
    assert!(r.grad_norm() < 0.1);
    assert!(!r.step());
}

#[test]
fn unfortunate_start() {
    // Start 0 is a local maximum of cos(2πx) + x² with zero gradient.
    let mut r = run(CosBowl, Schedule::Constant, 0.01, &[0.0], Limits::new(100));
    assert_eq!(r.grad(), [0.0]);
    let updates = run_to_end(&mut r);
    assert_eq!(updates.len(), 100);
    assert_eq!(r.params(), [0.0]);
    assert_eq!(r.status(), Status::Finished);
    // With a tolerance it is converged at once.
    let r = run(
        CosBowl,
        Schedule::Constant,
        0.01,
        &[0.0],
        Limits::new(100).with_tolerance(0.1),
    );
    assert_eq!(r.status(), Status::Converged { at: 0 });
    // Starts near 0 reach the global minima ±0.47580245.
    for (x0, want) in [(0.05, 0.475_802_45), (-0.05, -0.475_802_45)] {
        let mut r = run(CosBowl, Schedule::Constant, 0.01, &[x0], Limits::new(100));
        run_to_end(&mut r);
        assert!(
            (r.params()[0] - want).abs() < 1e-6,
            "{x0}: {}",
            r.params()[0]
        );
    }
}

#[test]
fn restart_resets_everything() {
    let spec = RunSpec::new("r", Schedule::ADAM, 0.05, vec![-1.0, 1.5]).with_momentum(Momentum {
        beta: 0.9,
        nesterov: false,
    });
    let limits = Limits::new(30).with_tolerance(1e-9);
    let mut used = Run::new(spec.clone(), Rosenbrock, limits.clone());
    for _ in 0..10 {
        used.step();
    }
    let mut moved = spec.clone();
    moved.start = vec![0.5, 0.5];
    let mut fresh = Run::new(moved, Rosenbrock, limits);
    used.restart(vec![0.5, 0.5]);
    let same = |a: &Run<Rosenbrock>, b: &Run<Rosenbrock>| {
        assert_eq!(a.epoch(), b.epoch());
        assert_eq!(a.params(), b.params());
        assert_eq!(a.loss(), b.loss());
        assert_eq!(a.grad(), b.grad());
        assert_eq!(a.status(), b.status());
        assert_eq!(a.last_update(), b.last_update());
        assert_eq!(a.spec().start, b.spec().start);
        assert!(a.lr() == b.lr() || (a.lr().is_nan() && b.lr().is_nan()));
    };
    same(&used, &fresh);
    assert!(used.last_update().is_none());
    // Adam's moments and the momentum buffer were reset too: the runs stay identical.
    for _ in 0..30 {
        assert_eq!(used.step(), fresh.step());
        same(&used, &fresh);
    }
    // Restarting a stopped run makes it run again.
    assert!(!used.status().is_running());
    used.restart(vec![-1.0, 1.5]);
    assert_eq!(used.status(), Status::Running);
    assert!(used.step());
}

#[test]
fn stepping_a_stopped_run_changes_nothing() {
    let mut r = run(bowl(), Schedule::ADAM, 0.1, &[1.0, 1.0], Limits::new(5));
    run_to_end(&mut r);
    assert_eq!(r.status(), Status::Finished);
    let (x, loss, g, lr, u) = (
        r.params().to_vec(),
        r.loss(),
        r.grad().to_vec(),
        r.lr(),
        r.last_update().cloned(),
    );
    for _ in 0..3 {
        assert!(!r.step());
    }
    assert_eq!(
        (r.params(), r.loss(), r.grad(), r.lr()),
        (x.as_slice(), loss, g.as_slice(), lr)
    );
    assert_eq!(r.last_update().cloned(), u);
    assert_eq!(r.epoch(), 5);
}

#[test]
fn dimension_mismatch_is_padded_not_a_panic() {
    let mut r = run(bowl(), Schedule::Constant, 0.1, &[1.0], Limits::new(3));
    assert_eq!(r.params(), [1.0, 0.0]);
    assert!(r.step());
    let mut r = run(
        Quad1,
        Schedule::Constant,
        0.1,
        &[1.0, 2.0, 3.0],
        Limits::new(3),
    );
    assert_eq!(r.params(), [1.0]);
    r.restart(vec![]);
    assert_eq!(r.params(), [0.0]);
}

// ---------------------------------------------------------------------------------------
// Never panic, whatever the numbers.

fn any_schedule() -> impl Strategy<Value = Schedule> {
    let num = prop_oneof![
        -2.0f64..2.0,
        Just(0.0),
        Just(1.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-1e300),
    ];
    (0usize..13, num.clone(), num, 0u64..5).prop_map(|(which, a, b, s)| match which {
        0 => Schedule::Constant,
        1 => Schedule::GradientScaled,
        2 => Schedule::LinearDecay,
        3 => Schedule::Step {
            step_size: s,
            gamma: a,
        },
        4 => Schedule::Exponential { gamma: a },
        5 => Schedule::InverseTime { gamma: a },
        6 => Schedule::Cosine { lr_min: a },
        7 => Schedule::WarmupCosine {
            warmup: s,
            lr_min: a,
        },
        8 => Schedule::Backtracking { c: a, shrink: b },
        9 => Schedule::BarzilaiBorwein,
        10 => Schedule::Adagrad { eps: a.abs() },
        11 => Schedule::RmsProp { alpha: a, eps: b },
        _ => Schedule::Adam {
            beta1: a,
            beta2: b,
            eps: 1e-8,
        },
    })
}

proptest! {
    #[test]
    fn runs_never_panic(
        schedule in any_schedule(),
        lr in prop_oneof![1e-6f64..10.0, Just(0.0), Just(-1.0), Just(f64::NAN), Just(1e300)],
        momentum in proptest::option::of((0.0f64..1.5, any::<bool>())),
        x in prop_oneof![-3.0f64..3.0, Just(0.0), Just(1e200), Just(f64::NAN)],
        y in -3.0f64..3.0,
        epochs in 0u64..40,
        tol in proptest::option::of(0.0f64..1.0),
    ) {
        let mut spec = RunSpec::new("p", schedule, lr, vec![x, y]);
        spec.momentum = momentum.map(|(beta, nesterov)| Momentum { beta, nesterov });
        let limits = Limits { epochs, tolerance: tol, bound: 1e12 };
        let mut race = Race::new(vec![
            Run::new(spec.clone(), Rosenbrock, limits.clone()),
            Run::new(spec, Rosenbrock, limits),
        ]);
        let mut steps = 0;
        while race.step() {
            steps += 1;
            prop_assert!(steps <= epochs);
        }
        prop_assert!(race.is_done());
        let [a, b] = race.runs() else { panic!() };
        // Deterministic: two identical runs agree.
        prop_assert_eq!(a.params().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        b.params().iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        prop_assert_eq!(a.status(), b.status());
        match a.status() {
            Status::Running => prop_assert!(false, "not stopped"),
            Status::BadRate { .. } => prop_assert!(false, "no rate formula here"),
            Status::Diverged { at } => prop_assert_eq!(a.epoch() + 1, at.max(1)),
            Status::Finished => {
                prop_assert_eq!(a.epoch(), epochs);
                prop_assert!(a.params().iter().all(|v| v.is_finite() && v.abs() <= 1e12));
            }
            Status::Converged { at } => {
                prop_assert_eq!(a.epoch(), at);
                prop_assert!(a.grad_norm() < tol.unwrap());
            }
        }
    }
}
