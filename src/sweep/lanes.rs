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

/// A run in a lane.
#[derive(Clone, Copy)]
struct Lane {
    /// The caller's number of the run.
    id: usize,
    x: [f64; MAX_DIM],
    g: [f64; MAX_DIM],
    loss: f64,
    grad_norm: f64,
    epoch: u64,
    epochs: u64,
    lr: f64,
    live: bool,
}

const IDLE: Lane = Lane {
    id: 0,
    x: [0.0; MAX_DIM],
    g: [0.0; MAX_DIM],
    loss: 0.0,
    grad_norm: 0.0,
    epoch: 0,
    epochs: 0,
    lr: 0.0,
    live: false,
};

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

    /// `Run::settle`: running, converged or finished after `k` good updates.
    fn settle(&self, lane: &Lane, k: u64) -> Status {
        match self.tolerance {
            Some(tol) if lane.grad_norm < tol => Status::Converged { at: k },
            _ if k >= lane.epochs => Status::Finished,
            _ => Status::Running,
        }
    }

    fn end(&self, lane: &Lane, status: Status) -> End {
        End {
            final_pos: lane.x[..self.dim].to_vec(),
            loss: lane.loss,
            status,
            epochs: lane.epoch,
        }
    }

    /// Puts run `id` in `lane`, evaluated and checked at its start as
    /// `Run::new` does; `Some` if it ends there.
    fn start(&self, ev: &mut Evaluator, lane: &mut Lane, id: usize, job: &Job) -> Option<End> {
        let d = self.dim;
        *lane = Lane {
            id,
            epochs: job.epochs,
            lr: job.lr,
            ..IDLE
        };
        for (x, s) in lane.x[..d].iter_mut().zip(&job.start) {
            *x = *s;
        }
        lane.loss = ev.value_grad(&lane.x[..d], &mut lane.g[..d]);
        lane.grad_norm = norm(&lane.g[..d]);
        let status = if !lane.loss.is_finite()
            || !in_bounds(&lane.x[..d], self.bound)
            || !lane.g[..d].iter().all(|v| v.is_finite())
        {
            Status::Diverged { at: 0 }
        } else {
            self.settle(lane, 0)
        };
        lane.live = status.is_running();
        (!lane.live).then(|| self.end(lane, status))
    }

    /// Steps every run of `jobs` to its end, [`WIDTH`] at a time, calling
    /// `done(id, end)` as each ends (not in order). Returns false, leaving
    /// the rest undone, soon after `stop` is set.
    #[allow(clippy::needless_range_loop)] // `xs` and `out` are lane-major
    pub fn run(
        &self,
        jobs: impl IntoIterator<Item = (usize, Job)>,
        stop: &AtomicBool,
        mut done: impl FnMut(usize, End),
    ) -> bool {
        let d = self.dim;
        let mut jobs = jobs.into_iter();
        let mut ev = self.expr.evaluator();
        let mut lanes = [IDLE; WIDTH];
        let mut xs = [[0.0; WIDTH]; MAX_DIM];
        let mut out = [[0.0; WIDTH]; MAX_DIM + 1];
        let mut calls = 0u32;
        loop {
            // Every idle lane takes the next run that does not end at once.
            for lane in &mut lanes {
                while !lane.live {
                    let Some((id, job)) = jobs.next() else { break };
                    if let Some(end) = self.start(&mut ev, lane, id, &job) {
                        done(id, end);
                    }
                }
            }
            if !lanes.iter().any(|l| l.live) {
                return true;
            }
            calls = calls.wrapping_add(1);
            if calls.is_multiple_of(STOP_EVERY) && stop.load(Ordering::Relaxed) {
                return false;
            }
            // `Run::direct_update`: x_new = x_old − lr·g.
            for (p, lane) in lanes.iter().enumerate() {
                let lr = if self.constant {
                    lane.lr
                } else {
                    let k = lane.epoch + 1;
                    self.schedule
                        .lr_at(lane.lr, k, lane.epochs, lane.grad_norm)
                        .unwrap_or(f64::NAN)
                };
                for j in 0..d {
                    xs[j][p] = lane.x[j] - lr * lane.g[j];
                }
            }
            self.wide.value_grad(&xs[..d], &mut out[..d + 1]);
            for (p, lane) in lanes.iter_mut().enumerate() {
                if !lane.live {
                    continue;
                }
                let k = lane.epoch + 1;
                let loss = out[0][p];
                let mut x = [0.0; MAX_DIM];
                let mut g = [0.0; MAX_DIM];
                for j in 0..d {
                    x[j] = xs[j][p];
                    g[j] = out[j + 1][p];
                }
                let status = if !loss.is_finite()
                    || !in_bounds(&x[..d], self.bound)
                    || !g[..d].iter().all(|v| v.is_finite())
                {
                    Status::Diverged { at: k }
                } else {
                    lane.x = x;
                    lane.g = g;
                    lane.loss = loss;
                    if self.need_norm {
                        lane.grad_norm = norm(&g[..d]);
                    }
                    lane.epoch = k;
                    self.settle(lane, k)
                };
                if !status.is_running() {
                    lane.live = false;
                    done(lane.id, self.end(lane, status));
                }
            }
        }
    }
}
