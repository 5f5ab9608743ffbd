//! One gradient-descent run, advanced one epoch per [`Run::step`].
//!
//! Each update `k = 1..=N` does exactly what the lessons' loops do:
//!
//! ```text
//! x_new = x_old − lr_k · ∇f(x_old)          (rate schedules, backtracking, Barzilai–Borwein)
//! x_new = x_old − Δ_k                       (adaptive optimizers and momentum, see `schedule`)
//! ```
//!
//! then evaluates `f` and `∇f` at `x_new` (a single [`Function::value_grad`] call for every
//! schedule but backtracking, which evaluates `f` alone at each trial and `∇f` at the
//! accepted point). [`Run::f_evals`] and [`Run::g_evals`] count the points where `f` and
//! `∇f` were evaluated (the start included): the cost of a run, for comparing schedules
//! that pay differently per update.
//!
//! **Noise.** With [`RunSpec::noise`] the update uses `g = ∇f(x_old) + ξ_k` instead of
//! `∇f(x_old)` (see [`crate::descent::noise`]); everything the schedule computes from the
//! gradient (its norm, adaptive moments, line search) sees `g`. The run's own
//! [`Run::grad`], and with it convergence, stays the true `∇f`.
//!
//! **Rate formulas.** A [`Schedule::Expr`] rate that is negative or not finite stops the
//! run with [`Status::BadRate`] before any step, keeping its state.
//!
//! After the update the run's status is decided, in this order:
//!
//! 1. the loss, a parameter or a gradient component is not finite, or some `|x_j|` exceeds
//!    [`Limits::bound`] → [`Status::Diverged`] `{ at: k }`; the run stops and keeps its
//!    last good state (see below);
//! 2. a tolerance is set and `‖∇f(x_new)‖ < tolerance` → [`Status::Converged`] `{ at: k }`;
//! 3. `k == N` → [`Status::Finished`].
//!
//! The same checks run at the start (epoch 0): a non-finite or out-of-bound start is
//! `Diverged { at: 0 }`, a zero-gradient start with a tolerance is `Converged { at: 0 }`,
//! and `N = 0` is `Finished`. Without a tolerance, a start with zero gradient (the lesson's
//! "unfortunate start" on a local maximum) simply never moves until `N`.
//!
//! **Divergence keeps the last good state.** When update `k` diverges, [`Run::params`],
//! [`Run::loss`], [`Run::grad`] and [`Run::epoch`] (`= k − 1`) stay those of the last
//! update that passed the checks, so a display never shows NaN; what update `k` tried is in
//! [`Run::last_update`] (its `x_new` / `loss_new` are the offending values) and [`Run::lr`].
//!
//! How each schedule makes its step is in `update.rs`.
//!
//! **Per epoch only what the next epoch needs.** A run of a rate schedule (constant,
//! decays, cosine, …) without momentum or noise steps on a lean path (`lean.rs`): the
//! update, one `f`/`∇f` evaluation, the divergence checks and the status, nothing else.
//! The point and gradient before the update stay in a second pair of buffers (swapped,
//! not copied), and what only a reader needs — the [`Update`] record of the explain
//! panel, [`Run::grad_norm`] — is computed from that state when it is asked for, to the
//! same bits as if it had been kept. Other schedules fill their record as they step
//! (their detail is part of the computation).
//!
//! The hot path allocates nothing: every scratch buffer is allocated in [`Run::new`] and
//! overwritten in place (a lean run's record is built, once per update, only when read).

mod lean;
mod update;
mod vector;

use vector::{copy, dot, in_bounds};
pub use vector::{distance, norm};

use std::cell::OnceCell;

use super::expr::Evaluator;
use super::function::Function;
use super::noise::Noise;
use super::schedule::{AdaptiveState, Momentum, Schedule};

pub use super::schedule::UpdateDetail;

/// The divergence bound callers use by default: a run diverges once some `|x_j| > 1e12`.
pub const DEFAULT_BOUND: f64 = 1e12;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// More updates to do.
    Running,
    /// All `N` updates done.
    Finished,
    /// `‖∇f‖` fell below the tolerance after update `at` (0: at the start).
    Converged { at: u64 },
    /// Update `at` produced a non-finite value or left the bound (0: the start did).
    Diverged { at: u64 },
    /// A rate formula gave update `at` a negative or non-finite rate; the run stopped
    /// before stepping.
    BadRate { at: u64 },
}

impl Status {
    /// True while the run has updates to do.
    pub fn is_running(&self) -> bool {
        matches!(self, Status::Running)
    }

    /// One word: `running`, `finished`, `converged`, `diverged` (as JSON
    /// and CSV print it).
    pub fn word(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Finished => "finished",
            Status::Converged { .. } => "converged",
            Status::Diverged { .. } => "diverged",
            Status::BadRate { .. } => "bad-rate",
        }
    }
}

/// As tables show it: `running`, `finished`, `converged @ 12`, `diverged @ 37`.
impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Converged { at } | Status::Diverged { at } => {
                write!(f, "{} @ {at}", self.word())
            }
            Status::BadRate { at } => write!(f, "bad rate @ {at}"),
            _ => f.write_str(self.word()),
        }
    }
}

/// What to run: a schedule, its base rate, optional momentum, and the starting point.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Display name (e.g. "fixed", "time-based").
    pub name: String,
    /// How each step is chosen.
    pub schedule: Schedule,
    /// The base rate `η`.
    pub lr: f64,
    /// Optional momentum; ignored for backtracking and Barzilai–Borwein
    /// (see [`Schedule::supports_momentum`]).
    pub momentum: Option<Momentum>,
    /// The starting point (resized with zeros / truncated to the function's dimension).
    pub start: Vec<f64>,
    /// Gaussian gradient noise (simulated minibatches), if any.
    pub noise: Option<Noise>,
}

impl RunSpec {
    /// A spec without momentum.
    pub fn new(name: impl Into<String>, schedule: Schedule, lr: f64, start: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            schedule,
            lr,
            momentum: None,
            start,
            noise: None,
        }
    }

    /// The same spec with momentum.
    pub fn with_momentum(mut self, momentum: Momentum) -> Self {
        self.momentum = Some(momentum);
        self
    }

    /// The same spec with gradient noise.
    pub fn with_noise(mut self, noise: Noise) -> Self {
        self.noise = Some(noise);
        self
    }
}

/// When a run stops.
#[derive(Debug, Clone)]
pub struct Limits {
    /// `N`: the number of updates.
    pub epochs: u64,
    /// Stop as converged once `‖∇f‖ < tolerance`.
    pub tolerance: Option<f64>,
    /// A run diverges when any `|x_j| > bound` (callers default to [`DEFAULT_BOUND`]).
    pub bound: f64,
}

impl Limits {
    /// `epochs` updates, no tolerance, the default bound.
    pub fn new(epochs: u64) -> Self {
        Self {
            epochs,
            tolerance: None,
            bound: DEFAULT_BOUND,
        }
    }

    /// The same limits with a convergence tolerance on `‖∇f‖`.
    pub fn with_tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// The same limits with another divergence bound.
    pub fn with_bound(mut self, bound: f64) -> Self {
        self.bound = bound;
        self
    }
}

/// Exactly what one update did (for an "explain this step" panel).
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// `k`, 1-based.
    pub epoch: u64,
    /// The parameters before the update.
    pub x_old: Vec<f64>,
    /// The gradient the update used: `∇f(x_old)`, plus [`Update::noise`] when the run
    /// is noisy.
    pub grad_old: Vec<f64>,
    /// The noise `ξ` added to `∇f(x_old)` (empty for a run without noise).
    pub noise: Vec<f64>,
    /// `∇f(x_old)` itself when the run is noisy (empty otherwise: then it is
    /// `grad_old`).
    pub grad_f: Vec<f64>,
    /// The rate used: `x_new = x_old − lr·grad_old` exactly for the rate schedules,
    /// backtracking and Barzilai–Borwein; for adaptive optimizers and momentum the
    /// effective rate `‖x_new − x_old‖/‖grad_old‖` (0 when `grad_old = 0`).
    pub lr: f64,
    /// The parameters after the update (the offending point if it diverged).
    pub x_new: Vec<f64>,
    /// `f(x_old)`.
    pub loss_old: f64,
    /// `f(x_new)`.
    pub loss_new: f64,
    /// The numbers the schedule used.
    pub detail: UpdateDetail,
}

/// One run of gradient descent on `F`. See the module docs for the semantics.
#[derive(Debug, Clone)]
pub struct Run<F: Function> {
    spec: RunSpec,
    f: F,
    limits: Limits,
    x: Vec<f64>,
    g: Vec<f64>,
    loss: f64,
    epoch: u64,
    lr: f64,
    status: Status,
    /// The record of the last update, filled as it steps (not on the lean path).
    update: Update,
    has_update: bool,
    /// Gradient at the candidate point, swapped with `g` on success (on the lean
    /// path: after a good update, `∇f` of the point before it).
    g_new: Vec<f64>,
    /// Lean path: the candidate point, swapped with `x` on success (then the point
    /// before the update).
    x_alt: Vec<f64>,
    /// Steps on the lean path (`lean.rs`).
    lean: bool,
    /// Lean path: what the last update's record needs besides the buffers.
    lean_last: lean::Last,
    /// Lean path: the last update's record, built when first read.
    explain: OnceCell<Box<Update>>,
    /// The final step `Δ` of adaptive / momentum updates.
    delta: Vec<f64>,
    adaptive: AdaptiveState,
    /// Momentum buffer `b`.
    velocity: Vec<f64>,
    /// Barzilai–Borwein: the previous point and gradient.
    prev_x: Vec<f64>,
    prev_g: Vec<f64>,
    /// The evaluator of a rate formula ([`Schedule::Expr`]).
    rate: Option<Evaluator>,
    /// `‖g‖` of the gradient the current update uses (noise included).
    step_norm: f64,
    f_evals: u64,
    g_evals: u64,
}

impl<F: Function> Run<F> {
    /// A run at `spec.start`, evaluating `f` and `∇f` there (epoch 0) and checking the
    /// start (see the module docs).
    pub fn new(spec: RunSpec, f: F, limits: Limits) -> Self {
        let dim = f.dim();
        let zeros = || vec![0.0; dim];
        let noisy = || {
            if spec.noise.is_some() {
                zeros()
            } else {
                Vec::new()
            }
        };
        let update = Update {
            epoch: 0,
            x_old: zeros(),
            grad_old: zeros(),
            noise: noisy(),
            grad_f: noisy(),
            lr: f64::NAN,
            x_new: zeros(),
            loss_old: f64::NAN,
            loss_new: f64::NAN,
            detail: UpdateDetail::preallocated(&spec.schedule, spec.momentum.as_ref(), dim),
        };
        let start = spec.start.clone();
        let rate = match &spec.schedule {
            Schedule::Expr(r) => Some(r.evaluator()),
            _ => None,
        };
        let mut run = Self {
            spec,
            f,
            limits,
            x: zeros(),
            g: zeros(),
            loss: f64::NAN,
            epoch: 0,
            lr: f64::NAN,
            status: Status::Running,
            update,
            has_update: false,
            g_new: zeros(),
            x_alt: zeros(),
            lean: false,
            lean_last: lean::Last::default(),
            explain: OnceCell::new(),
            delta: zeros(),
            adaptive: AdaptiveState::new(dim),
            velocity: zeros(),
            prev_x: zeros(),
            prev_g: zeros(),
            rate,
            step_norm: f64::NAN,
            f_evals: 0,
            g_evals: 0,
        };
        run.lean = run.can_step_lean();
        run.restart(start);
        run
    }

    /// Back to epoch 0 at `start` (which becomes `spec().start`): clears the schedule's
    /// state, the momentum buffer and the last update, re-evaluates and re-checks the start.
    pub fn restart(&mut self, start: Vec<f64>) {
        let dim = self.x.len();
        self.spec.start = start;
        self.spec.start.resize(dim, 0.0);
        self.x.copy_from_slice(&self.spec.start);
        self.loss = self.f.value_grad(&self.x, &mut self.g);
        self.f_evals = 1;
        self.g_evals = 1;
        self.epoch = 0;
        self.lr = f64::NAN;
        self.has_update = false;
        self.explain.take();
        self.adaptive.reset();
        self.velocity.fill(0.0);
        self.prev_x.fill(0.0);
        self.prev_g.fill(0.0);
        self.status = if !self.loss.is_finite()
            || !in_bounds(&self.x, self.limits.bound)
            || !self.g.iter().all(|v| v.is_finite())
        {
            Status::Diverged { at: 0 }
        } else {
            self.settle(0)
        };
    }

    /// Running / Converged / Finished after `k` good updates.
    fn settle(&self, k: u64) -> Status {
        match self.limits.tolerance {
            Some(tol) if norm(&self.g) < tol => Status::Converged { at: k },
            _ if k >= self.limits.epochs => Status::Finished,
            _ => Status::Running,
        }
    }

    /// One update if the run is [`Status::Running`]; returns true iff it did one (a
    /// diverging update counts: it changes the status and [`Run::last_update`]). A run
    /// that is not running is left untouched.
    pub fn step(&mut self) -> bool {
        if !self.status.is_running() {
            return false;
        }
        if self.lean {
            return self.lean_step();
        }
        self.full_step()
    }

    /// One update keeping the full record as it goes (every run but the lean ones).
    #[inline(never)]
    fn full_step(&mut self) -> bool {
        let k = self.epoch + 1;
        self.update.epoch = k;
        copy(&mut self.update.x_old, &self.x);
        copy(&mut self.update.grad_old, &self.g);
        self.update.loss_old = self.loss;
        self.has_update = true;
        self.step_norm = match self.spec.noise {
            Some(noise) => {
                let u = &mut self.update;
                u.grad_f.copy_from_slice(&self.g);
                noise.fill(k, &mut u.noise);
                for (g, xi) in u.grad_old.iter_mut().zip(&u.noise) {
                    *g += xi;
                }
                norm(&u.grad_old)
            }
            None => norm(&self.g),
        };

        let (lr, loss_new) = match self.spec.schedule {
            Schedule::Backtracking { c, shrink } => self.backtracking_update(c, shrink),
            _ => {
                let lr = self.direct_update(k);
                if !(lr.is_finite() && lr >= 0.0) && self.rate.is_some() {
                    // A rate formula went wrong: stop before stepping.
                    self.update.x_new.copy_from_slice(&self.update.x_old);
                    self.update.lr = lr;
                    self.update.loss_new = self.loss;
                    self.lr = lr;
                    self.status = Status::BadRate { at: k };
                    return true;
                }
                let loss = self.f.value_grad(&self.update.x_new, &mut self.g_new);
                self.f_evals += 1;
                self.g_evals += 1;
                (lr, loss)
            }
        };
        self.update.lr = lr;
        self.update.loss_new = loss_new;
        self.lr = lr;

        if !loss_new.is_finite()
            || !in_bounds(&self.update.x_new, self.limits.bound)
            || !self.g_new.iter().all(|v| v.is_finite())
        {
            self.status = Status::Diverged { at: k };
            return true;
        }
        if matches!(self.spec.schedule, Schedule::BarzilaiBorwein) {
            self.prev_x.copy_from_slice(&self.update.x_old);
            self.prev_g.copy_from_slice(&self.update.grad_old);
        }
        copy(&mut self.x, &self.update.x_new);
        std::mem::swap(&mut self.g, &mut self.g_new);
        self.loss = loss_new;
        self.epoch = k;
        self.status = self.settle(k);
        true
    }

    /// The spec this run was built from (`start` is the latest restart point).
    pub fn spec(&self) -> &RunSpec {
        &self.spec
    }

    /// The run's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The objective.
    pub fn function(&self) -> &F {
        &self.f
    }

    /// The objective, mutably (e.g. to evaluate it elsewhere for a landscape plot).
    pub fn function_mut(&mut self) -> &mut F {
        &mut self.f
    }

    /// Updates applied to [`Run::params`] (a diverging update is not applied).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The current parameters.
    pub fn params(&self) -> &[f64] {
        &self.x
    }

    /// `f(params())`.
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// `∇f(params())`.
    pub fn grad(&self) -> &[f64] {
        &self.g
    }

    /// `‖∇f(params())‖` (in 1D exactly `|f'|`), computed when asked.
    pub fn grad_norm(&self) -> f64 {
        norm(&self.g)
    }

    /// The rate of the last update (NaN before the first): `x_new = x_old − lr·g_old`
    /// exactly for the rate schedules, backtracking (the accepted `t`, 0 for no step) and
    /// Barzilai–Borwein; for adaptive optimizers and momentum, the effective rate
    /// `‖x_new − x_old‖/‖g_old‖` (0 when `g_old = 0`).
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Where the run stands.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Points where `f` was evaluated so far (the start included).
    pub fn f_evals(&self) -> u64 {
        self.f_evals
    }

    /// Points where `∇f` was evaluated so far (the start included).
    pub fn g_evals(&self) -> u64 {
        self.g_evals
    }

    /// Change the base rate `η` from the next update on (the run goes on from where it
    /// is; a stopped run stays stopped). Not for backtracking's or Barzilai–Borwein's
    /// first trial only: `η` is every schedule's base.
    pub fn set_lr(&mut self, lr: f64) {
        self.spec.lr = lr;
    }

    /// This run, keeping the full record of every update as it steps (as every
    /// run did before the lean path): for benchmarks and tests comparing the two.
    #[doc(hidden)]
    pub fn with_full_record(mut self) -> Self {
        self.lean = false;
        self
    }

    /// Exactly what the last update did (None before the first).
    pub fn last_update(&self) -> Option<&Update> {
        if !self.has_update {
            None
        } else if self.lean {
            Some(
                self.explain
                    .get_or_init(|| Box::new(self.lean_record()))
                    .as_ref(),
            )
        } else {
            Some(&self.update)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words() {
        assert_eq!(Status::Finished.word(), "finished");
        assert_eq!(Status::Converged { at: 3 }.word(), "converged");
        assert_eq!(Status::Diverged { at: 3 }.word(), "diverged");
        assert_eq!(Status::Running.to_string(), "running");
        assert_eq!(Status::Converged { at: 280 }.to_string(), "converged @ 280");
        assert_eq!(Status::Diverged { at: 0 }.to_string(), "diverged @ 0");
    }

    /// `f(x) = a x² + b x + c` in 1D.
    struct Quad1(f64, f64, f64);

    impl Function for Quad1 {
        fn dim(&self) -> usize {
            1
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            self.0 * x[0] * x[0] + self.1 * x[0] + self.2
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            g[0] = 2.0 * self.0 * x[0] + self.1;
            self.value(x)
        }
    }

    fn quad_run(schedule: Schedule, lr: f64, x0: f64, limits: Limits) -> Run<Quad1> {
        Run::new(
            RunSpec::new("q", schedule, lr, vec![x0]),
            Quad1(3.0, -3.0, 4.0),
            limits,
        )
    }

    #[test]
    fn norms() {
        assert_eq!(norm(&[-3.0]), 3.0);
        assert_eq!(norm(&[3.0, 4.0]), 5.0);
        assert_eq!(norm(&[]), 0.0);
        assert!((norm(&[3e200, 4e200]) / 5e200 - 1.0).abs() < 1e-15);
        assert!(norm(&[f64::NAN, 1.0]).is_nan());
        assert_eq!(norm(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert_eq!(distance(&[1.0, 1.0], &[4.0, 5.0]), 5.0);
        assert_eq!(distance(&[0.1], &[0.3]), (0.1f64 - 0.3).abs());
    }

    #[test]
    fn epoch_zero_state() {
        let r = quad_run(Schedule::Constant, 0.01, 1.0, Limits::new(10));
        assert_eq!(r.epoch(), 0);
        assert_eq!(r.params(), [1.0]);
        assert_eq!(r.loss(), 4.0);
        assert_eq!(r.grad(), [3.0]);
        assert_eq!(r.grad_norm(), 3.0);
        assert!(r.lr().is_nan());
        assert_eq!(r.status(), Status::Running);
        assert!(r.last_update().is_none());
    }

    #[test]
    fn zero_epochs_is_finished_at_once() {
        let mut r = quad_run(Schedule::Constant, 0.01, 1.0, Limits::new(0));
        assert_eq!(r.status(), Status::Finished);
        assert!(!r.step());
    }

    #[test]
    fn one_plain_step() {
        let mut r = quad_run(Schedule::Constant, 0.01, 1.0, Limits::new(10));
        assert!(r.step());
        let u = r.last_update().unwrap().clone();
        assert_eq!(u.epoch, 1);
        assert_eq!(u.x_old, [1.0]);
        assert_eq!(u.grad_old, [3.0]);
        assert_eq!(u.lr, 0.01);
        assert_eq!(u.x_new, [1.0 - 0.01 * 3.0]);
        assert_eq!(u.loss_old, 4.0);
        assert_eq!(u.loss_new, r.loss());
        assert_eq!(u.detail, UpdateDetail::Plain);
        assert_eq!(r.params(), u.x_new.as_slice());
        assert_eq!(r.epoch(), 1);
    }

    #[test]
    fn momentum_is_ignored_for_line_searches() {
        let spec = RunSpec::new("bb", Schedule::BarzilaiBorwein, 0.01, vec![1.0]).with_momentum(
            Momentum {
                beta: 0.9,
                nesterov: true,
            },
        );
        let mut r = Run::new(spec, Quad1(3.0, -3.0, 4.0), Limits::new(5));
        r.step();
        let u = r.last_update().unwrap();
        assert_eq!(u.x_new, [1.0 - 0.01 * 3.0]);
        assert!(matches!(u.detail, UpdateDetail::BarzilaiBorwein { .. }));
    }
}
