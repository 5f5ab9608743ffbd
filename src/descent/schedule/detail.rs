//! What an update used: an [`UpdateDetail`] per schedule family, and the [`Trial`]s of a
//! backtracking update (for an "explain this step" panel).

use super::{BACKTRACKING_MAX_TRIALS, BbRule, Momentum, Schedule};

/// One trial of a backtracking update: the step length tried and the loss there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trial {
    /// Step length `t`.
    pub t: f64,
    /// `f(x − t g)`.
    pub loss: f64,
}

/// The numbers one update used, per schedule family (for an "explain this step" panel).
///
/// The variants holding vectors are allocated once per run and overwritten in place.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateDetail {
    /// Constant rate: `lr = η`.
    Plain,
    /// `lr = base · grad_norm`.
    GradientScaled { base: f64, grad_norm: f64 },
    /// `lr = base · (1 − k/n)`.
    LinearDecay { base: f64, k: u64, n: u64 },
    /// `lr = base · factor`, `factor = gamma^exponent`, `exponent = ⌊(k−1)/step_size⌋`.
    Step {
        base: f64,
        gamma: f64,
        step_size: u64,
        exponent: u64,
        factor: f64,
    },
    /// `lr = base · factor`, `factor = gamma^i`.
    Exponential {
        base: f64,
        gamma: f64,
        i: u64,
        factor: f64,
    },
    /// `lr = base / (1 + gamma · i)`.
    InverseTime { base: f64, gamma: f64, i: u64 },
    /// `lr = lr_min + (base − lr_min) · factor`, `factor = (1 + cos(π i/n))/2`.
    Cosine {
        base: f64,
        lr_min: f64,
        i: u64,
        n: u64,
        factor: f64,
    },
    /// While `warming_up` (`k ≤ warmup`): `lr = base · factor`, `factor = k/warmup`;
    /// after: `lr = lr_min + (base − lr_min) · factor`, `factor = (1 + cos(π j/(n − warmup)))/2`,
    /// `j = k − warmup − 1`.
    WarmupCosine {
        base: f64,
        lr_min: f64,
        warmup: u64,
        k: u64,
        n: u64,
        warming_up: bool,
        factor: f64,
    },
    /// Armijo backtracking: the trials in order (the last one accepted, unless
    /// `accepted` is false and the update took no step), with `grad_sq = ‖g‖²`.
    Backtracking {
        base: f64,
        c: f64,
        shrink: f64,
        grad_sq: f64,
        trials: Vec<Trial>,
        accepted: bool,
    },
    /// Barzilai–Borwein: `s·s` and `s·y` (both 0 on the first update) and the rule used.
    BarzilaiBorwein {
        base: f64,
        s_dot_s: f64,
        s_dot_y: f64,
        rule: BbRule,
    },
    /// Adagrad: the accumulated `G = Σ g²` after this update, per coordinate.
    Adagrad {
        base: f64,
        eps: f64,
        sum_sq: Vec<f64>,
    },
    /// RMSprop: the running average `v` of `g²` after this update, per coordinate.
    RmsProp {
        base: f64,
        alpha: f64,
        eps: f64,
        sq_avg: Vec<f64>,
    },
    /// Adam: the bias-corrected moments `m̂` and `v̂` used by this update, per coordinate.
    Adam {
        base: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        m_hat: Vec<f64>,
        v_hat: Vec<f64>,
    },
    /// A rate formula (see [`super::RateExpr`]) evaluated at `k`, `N = n`,
    /// `eta = base`, `gnorm = grad_norm`; the rate is the update's `lr`.
    Rate {
        base: f64,
        k: u64,
        n: u64,
        grad_norm: f64,
    },
    /// Momentum on top of a schedule: the schedule's own step `d` (described by `inner`)
    /// and the momentum buffer `b` after this update (see [`Momentum`]).
    Momentum {
        beta: f64,
        nesterov: bool,
        step: Vec<f64>,
        buffer: Vec<f64>,
        inner: Box<UpdateDetail>,
    },
}

impl UpdateDetail {
    /// A detail of the right shape for runs of `schedule` (with `momentum`, when the
    /// schedule supports it) in `dim` dimensions, with every vector preallocated.
    pub fn preallocated(schedule: &Schedule, momentum: Option<&Momentum>, dim: usize) -> Self {
        let zeros = || vec![0.0; dim];
        let inner = match *schedule {
            Schedule::Backtracking { c, shrink } => UpdateDetail::Backtracking {
                base: 0.0,
                c,
                shrink,
                grad_sq: 0.0,
                trials: Vec::with_capacity(BACKTRACKING_MAX_TRIALS),
                accepted: false,
            },
            Schedule::BarzilaiBorwein => UpdateDetail::BarzilaiBorwein {
                base: 0.0,
                s_dot_s: 0.0,
                s_dot_y: 0.0,
                rule: BbRule::First,
            },
            Schedule::Adagrad { eps } => UpdateDetail::Adagrad {
                base: 0.0,
                eps,
                sum_sq: zeros(),
            },
            Schedule::RmsProp { alpha, eps } => UpdateDetail::RmsProp {
                base: 0.0,
                alpha,
                eps,
                sq_avg: zeros(),
            },
            Schedule::Adam { beta1, beta2, eps } => UpdateDetail::Adam {
                base: 0.0,
                beta1,
                beta2,
                eps,
                m_hat: zeros(),
                v_hat: zeros(),
            },
            _ => UpdateDetail::Plain,
        };
        match momentum {
            Some(m) if schedule.supports_momentum() => UpdateDetail::Momentum {
                beta: m.beta,
                nesterov: m.nesterov,
                step: zeros(),
                buffer: zeros(),
                inner: Box::new(inner),
            },
            _ => inner,
        }
    }

    /// The schedule's own part: `inner` for [`UpdateDetail::Momentum`], else `self`.
    pub fn schedule_part(&self) -> &UpdateDetail {
        match self {
            UpdateDetail::Momentum { inner, .. } => inner,
            other => other,
        }
    }

    /// Mutable [`UpdateDetail::schedule_part`].
    pub fn schedule_part_mut(&mut self) -> &mut UpdateDetail {
        match self {
            UpdateDetail::Momentum { inner, .. } => inner,
            other => other,
        }
    }
}
