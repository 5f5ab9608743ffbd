//! The sweep's lane-wise kernel: many runs of one spec, stepped side by
//! side, [`WIDTH`] runs sharing each call of the objective's wide native
//! code ([`WideEvaluator`]). In a sweep every grid point is a run of the
//! same spec with its own start, base rate or epoch count.
//!
//! # Same numbers as [`Run`]
//!
//! Every lane is a run: it computes exactly what [`Run::step`] computes, in
//! the same order (the rate from [`Schedule::lr_at`], `x − lr·g`, the wide
//! code's value and gradient, which are the scalar code's bits), and stops
//! where `Run` stops, with the same status, epoch and last good state: a
//! non-finite loss, parameter or partial, or a parameter past the bound, is
//! `Diverged` (keeping the state before), then a gradient norm under the
//! tolerance is `Converged`, then the last epoch is `Finished`. The start
//! is evaluated by a scalar [`Evaluator`], as `Run::new` does.
//!
//! A lane whose run ends takes the next run at once, so lanes that stop
//! early (diverged, converged, fewer epochs) leave no hole; when no run is
//! left, idle lanes are fed a dummy point and their results ignored.
//!
//! # What goes lane-wise
//!
//! [`Lanes::new`] says: runs without momentum or noise, whose schedule is a
//! pure function of the step ([`Schedule::lr_at`]: constant, gradient-scaled,
//! linear decay, step, exponential, inverse-time, cosine, warm-up cosine),
//! on objectives of 1 to 4 variables with wide native code. Everything else
//! (backtracking, Barzilai–Borwein, the adaptive optimizers, rate formulas,
//! momentum, noise, `DOWNHILL_JIT=0`) is for the caller to step with `Run`.
//!
//! [`Run`]: crate::descent::run::Run
//! [`Run::step`]: crate::descent::run::Run::step

use std::sync::atomic::{AtomicBool, Ordering};

use crate::descent::Function;
use crate::descent::expr::{Evaluator, Expr, WIDTH, WideEvaluator};
use crate::descent::run::{Limits, RunSpec, Status, norm};
use crate::descent::schedule::Schedule;

/// Most variables of a lane-wise run.
const MAX_DIM: usize = 4;

/// Wide calls between two looks at the stop flag.
const STOP_EVERY: u32 = 4096;

/// What an idle lane is fed (its results are ignored): a plain point, so
/// that no library function takes a slow path for it.
const IDLE_X: f64 = 0.5;

/// One run to make: the base spec's run with these settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The start (resized with zeros / truncated to the dimension, as
    /// `Run` does).
    pub start: Vec<f64>,
    /// The base rate `η`.
    pub lr: f64,
    /// `N`: the number of updates.
    pub epochs: u64,
}

/// Where a run ended: what [`Run`](crate::descent::run::Run) reports after its last
/// step.
#[derive(Debug, Clone, PartialEq)]
pub struct End {
    /// `Run::params`.
    pub final_pos: Vec<f64>,
    /// `Run::loss`.
    pub loss: f64,
    /// `Run::status`.
    pub status: Status,
    /// `Run::epoch`.
    pub epochs: u64,
}

/// Runs of one spec, lane-wise (see the module docs).
#[derive(Debug, Clone)]
pub struct Lanes {
    wide: WideEvaluator,
    expr: Expr,
    schedule: Schedule,
    /// The rate is the base rate at every step.
    constant: bool,
    /// The gradient norm matters (a tolerance, or a gradient-scaled rate).
    need_norm: bool,
    tolerance: Option<f64>,
    bound: f64,
    dim: usize,
}

/// The runs in the lanes, lane-major as the wide code reads them: `x[j][p]`
/// is parameter `j` of the run in lane `p`.
struct State<const D: usize> {
    id: [usize; WIDTH],
    live: [bool; WIDTH],
    x: [[f64; WIDTH]; D],
    g: [[f64; WIDTH]; D],
    loss: [f64; WIDTH],
    grad_norm: [f64; WIDTH],
    epoch: [u64; WIDTH],
    epochs: [u64; WIDTH],
    lr: [f64; WIDTH],
}

/// True when every value is finite and every `|x_j| ≤ bound` (a NaN bound
/// bounds nothing): `Run`'s check.
fn in_bounds(x: &[f64], bound: f64) -> bool {
    x.iter()
        .all(|v| v.is_finite() && (v.abs() <= bound || bound.is_nan()))
}

impl Lanes {
    /// Lane-wise runs of `spec` (its start and rate are the jobs') on
    /// `expr` with `limits` (its epochs are the jobs'), or `None` where
    /// they must be stepped one by one (see the module docs).
    pub fn new(spec: &RunSpec, expr: &Expr, limits: &Limits) -> Option<Lanes> {
        let schedule = &spec.schedule;
        if spec.momentum.is_some()
            || spec.noise.is_some()
            || schedule.lr_at(1.0, 1, 1, 1.0).is_none()
            || !(1..=MAX_DIM).contains(&expr.dim())
        {
            return None;
        }
        Some(Lanes {
            wide: expr.wide()?,
            expr: expr.clone(),
            schedule: schedule.clone(),
            constant: matches!(schedule, Schedule::Constant),
            need_norm: limits.tolerance.is_some() || matches!(schedule, Schedule::GradientScaled),
            tolerance: limits.tolerance,
            bound: limits.bound,
            dim: expr.dim(),
        })
    }

    /// `Run::settle`: running, converged or finished after `k` good updates
    /// of `epochs`, with gradient norm `grad_norm`.
    fn settle(&self, grad_norm: f64, k: u64, epochs: u64) -> Status {
        match self.tolerance {
            Some(tol) if grad_norm < tol => Status::Converged { at: k },
            _ if k >= epochs => Status::Finished,
            _ => Status::Running,
        }
    }

    /// Steps every run of `jobs` to its end, [`WIDTH`] at a time, calling
    /// `done(id, end)` as each ends (not in order). Returns false, leaving
    /// the rest undone, soon after `stop` is set.
    pub fn run(
        &self,
        jobs: impl IntoIterator<Item = (usize, Job)>,
        stop: &AtomicBool,
        done: impl FnMut(usize, End),
    ) -> bool {
        let jobs = jobs.into_iter();
        match self.dim {
            1 => self.run_d::<1>(jobs, stop, done),
            2 => self.run_d::<2>(jobs, stop, done),
            3 => self.run_d::<3>(jobs, stop, done),
            _ => self.run_d::<4>(jobs, stop, done),
        }
    }

    /// Lane `p`'s run as it stands, ended with `status`.
    fn end<const D: usize>(&self, st: &State<D>, p: usize, status: Status) -> End {
        End {
            final_pos: (0..D).map(|j| st.x[j][p]).collect(),
            loss: st.loss[p],
            status,
            epochs: st.epoch[p],
        }
    }

    /// Puts run `id` in lane `p`, evaluated and checked at its start as
    /// `Run::new` does; `Some` if it ends there.
    fn start<const D: usize>(
        &self,
        ev: &mut Evaluator,
        st: &mut State<D>,
        p: usize,
        id: usize,
        job: &Job,
    ) -> Option<End> {
        let mut x = [0.0; D];
        for (x, s) in x.iter_mut().zip(&job.start) {
            *x = *s;
        }
        let mut g = [0.0; D];
        let loss = ev.value_grad(&x, &mut g);
        let grad_norm = norm(&g);
        for j in 0..D {
            st.x[j][p] = x[j];
            st.g[j][p] = g[j];
        }
        st.id[p] = id;
        st.loss[p] = loss;
        st.grad_norm[p] = grad_norm;
        st.epoch[p] = 0;
        st.epochs[p] = job.epochs;
        st.lr[p] = job.lr;
        let status = if !loss.is_finite()
            || !in_bounds(&x, self.bound)
            || !g.iter().all(|v| v.is_finite())
        {
            Status::Diverged { at: 0 }
        } else {
            self.settle(grad_norm, 0, job.epochs)
        };
        st.live[p] = status.is_running();
        (!st.live[p]).then(|| self.end(st, p, status))
    }

    /// Lane `p` idle: fed [`IDLE_X`], not moving.
    fn idle<const D: usize>(st: &mut State<D>, p: usize) {
        st.live[p] = false;
        for j in 0..D {
            st.x[j][p] = IDLE_X;
            st.g[j][p] = 0.0;
        }
        st.lr[p] = 0.0;
    }

    #[allow(clippy::needless_range_loop)] // lane-major arrays, indexed both ways
    fn run_d<const D: usize>(
        &self,
        mut jobs: impl Iterator<Item = (usize, Job)>,
        stop: &AtomicBool,
        mut done: impl FnMut(usize, End),
    ) -> bool {
        let mut ev = self.expr.evaluator();
        let mut st = State::<D> {
            id: [0; WIDTH],
            live: [false; WIDTH],
            x: [[IDLE_X; WIDTH]; D],
            g: [[0.0; WIDTH]; D],
            loss: [0.0; WIDTH],
            grad_norm: [0.0; WIDTH],
            epoch: [0; WIDTH],
            epochs: [0; WIDTH],
            lr: [0.0; WIDTH],
        };
        let mut xn = [[0.0; WIDTH]; D];
        let mut out = [[0.0; WIDTH]; MAX_DIM + 1];
        let mut calls = 0u32;
        let mut refill = true;
        loop {
            if refill {
                // Every idle lane takes the next run that does not end at once.
                for p in 0..WIDTH {
                    while !st.live[p] {
                        let Some((id, job)) = jobs.next() else {
                            Self::idle(&mut st, p);
                            break;
                        };
                        if let Some(end) = self.start(&mut ev, &mut st, p, id, &job) {
                            done(id, end);
                        }
                    }
                }
                if !st.live.iter().any(|&l| l) {
                    return true;
                }
                refill = false;
            }
            calls = calls.wrapping_add(1);
            if calls.is_multiple_of(STOP_EVERY) && stop.load(Ordering::Relaxed) {
                return false;
            }
            // `Run::direct_update`: x_new = x_old − lr·g.
            let mut rate = st.lr;
            if !self.constant {
                for p in 0..WIDTH {
                    if st.live[p] {
                        let k = st.epoch[p] + 1;
                        rate[p] = self
                            .schedule
                            .lr_at(st.lr[p], k, st.epochs[p], st.grad_norm[p])
                            .unwrap_or(f64::NAN);
                    }
                }
            }
            for j in 0..D {
                for p in 0..WIDTH {
                    xn[j][p] = st.x[j][p] - rate[p] * st.g[j][p];
                }
            }
            self.wide.value_grad(&xn, &mut out[..D + 1]);
            // The usual case: every live run goes on (good values, not its
            // last epoch, no norm to look at); idle lanes stay put.
            let mut usual = !self.need_norm;
            for p in 0..WIDTH {
                let mut ok = out[0][p].is_finite();
                for j in 0..D {
                    let v = xn[j][p];
                    ok &= v.is_finite() && (v.abs() <= self.bound || self.bound.is_nan());
                    ok &= out[j + 1][p].is_finite();
                }
                usual &= !st.live[p] || (ok && st.epoch[p] + 1 < st.epochs[p]);
            }
            if usual {
                for p in 0..WIDTH {
                    if st.live[p] {
                        for j in 0..D {
                            st.x[j][p] = xn[j][p];
                            st.g[j][p] = out[j + 1][p];
                        }
                        st.loss[p] = out[0][p];
                        st.epoch[p] += 1;
                    }
                }
                continue;
            }
            // Some run stops, or the norm matters: lane by lane, as `Run::step`.
            for p in 0..WIDTH {
                if !st.live[p] {
                    continue;
                }
                let k = st.epoch[p] + 1;
                let loss = out[0][p];
                let x: [f64; D] = std::array::from_fn(|j| xn[j][p]);
                let g: [f64; D] = std::array::from_fn(|j| out[j + 1][p]);
                let status = if !loss.is_finite()
                    || !in_bounds(&x, self.bound)
                    || !g.iter().all(|v| v.is_finite())
                {
                    Status::Diverged { at: k }
                } else {
                    for j in 0..D {
                        st.x[j][p] = x[j];
                        st.g[j][p] = g[j];
                    }
                    st.loss[p] = loss;
                    if self.need_norm {
                        st.grad_norm[p] = norm(&g);
                    }
                    st.epoch[p] = k;
                    self.settle(st.grad_norm[p], k, st.epochs[p])
                };
                if !status.is_running() {
                    done(st.id[p], self.end(&st, p, status));
                    Self::idle(&mut st, p);
                    refill = true;
                }
            }
        }
    }
}
