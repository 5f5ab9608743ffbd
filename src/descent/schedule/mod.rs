//! Learning-rate schedules and adaptive optimizers: the formulas, and the numbers each
//! update used.
//!
//! Notation: updates are numbered `k = 1..=N` (`N` = the run's epochs), `i = k - 1` is the
//! 0-based index, `η` is the run's base rate (`lr`), `g` the gradient at the current
//! parameters `x`, and every update is `x ← x − Δ`.
//!
//! | schedule | name | step `Δ` |
//! |---|---|---|
//! | [`Schedule::Constant`] | `constant` | `η g` |
//! | [`Schedule::GradientScaled`] | `gradient-scaled` | `η‖g‖ g` (1D: `η·\|g\|·g`) |
//! | [`Schedule::LinearDecay`] | `linear-decay` | `η (1 − k/N) g` — exactly 0 on update `N` |
//! | [`Schedule::Step`] | `step` | `η γ^⌊i/s⌋ g` |
//! | [`Schedule::Exponential`] | `exponential` | `η γ^i g` |
//! | [`Schedule::InverseTime`] | `inverse-time` | `η/(1 + γ i) g` |
//! | [`Schedule::Cosine`] | `cosine` | `(η_min + (η − η_min)(1 + cos(π i/N))/2) g` |
//! | [`Schedule::WarmupCosine`] | `warmup-cosine` | `η k/W · g` for `k ≤ W`, then cosine over the remaining `N − W` updates |
//! | [`Schedule::Backtracking`] | `backtracking` | `t g`, `t` = first of `η, ηρ, ηρ², …` with `f(x − t g) ≤ f(x) − c t ‖g‖²` |
//! | [`Schedule::BarzilaiBorwein`] | `barzilai-borwein` | `t g`, `t = (s·s)/(s·y)` (first update: `η`) |
//! | [`Schedule::Adagrad`] | `adagrad` | `G ← G + g²`, `Δ = η g/(√G + ε)` per coordinate |
//! | [`Schedule::RmsProp`] | `rmsprop` | `v ← α v + (1 − α) g²`, `Δ = η g/(√v + ε)` per coordinate |
//! | [`Schedule::Adam`] | `adam` | `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `Δ = η m̂/(√v̂ + ε)`, `m̂ = m/(1−β₁^k)`, `v̂ = v/(1−β₂^k)` |
//! | [`Schedule::Expr`] | `expr` | `r(k, N, η, ‖g‖) g`, `r` a formula the user writes (`rate.rs`) |
//!
//! Optional [`Momentum`] (PyTorch SGD semantics, any schedule except backtracking and
//! Barzilai–Borwein) post-processes the schedule's step `d`: `b ← β b + d` (`b₁ = d`),
//! `Δ = d + β b` (Nesterov) or `Δ = b`.
//!
//! The schedules that depend only on `(k, N, ‖g‖)` are pure functions: [`Schedule::lr_at`].
//! The stateful ones keep their per-run state in [`AdaptiveState`] (adaptive optimizers)
//! or in the run itself (the previous point for Barzilai–Borwein; backtracking needs the
//! objective, so its loop lives in [`crate::descent::run`]). What an update used is
//! recorded as an [`UpdateDetail`], for an "explain this step" panel.
//!
//! The formulas are here; the record of an update ([`UpdateDetail`]) is in `detail.rs`,
//! the adaptive optimizers' state in `adaptive.rs`, rate formulas in `rate.rs`.

mod adaptive;
mod detail;
mod rate;

use std::f64::consts::PI;

pub use adaptive::AdaptiveState;
pub use detail::{Trial, UpdateDetail};
pub use rate::RateExpr;

/// How the step of each update is chosen. See the module docs for the table of formulas.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Fixed rate: `lr = η`.
    Constant,
    /// The lesson's "gradient-based" rate: `lr = η‖g‖` (in 1D `η·|g|`), so the step is
    /// `η‖g‖·g`: large where the slope is steep, vanishing near a minimum.
    GradientScaled,
    /// The lesson's "time-based" rate: `lr = η(1 − k/N)`, falling linearly to exactly 0
    /// on the last update `k = N`.
    LinearDecay,
    /// Step decay: `lr = η·γ^⌊i/s⌋` — multiplied by `γ` every `s` updates
    /// (`s = 0` is treated as `s = 1`).
    Step { step_size: u64, gamma: f64 },
    /// Exponential decay: `lr = η·γ^i`.
    Exponential { gamma: f64 },
    /// Inverse-time decay: `lr = η/(1 + γ·i)`.
    InverseTime { gamma: f64 },
    /// Cosine annealing: `lr = η_min + (η − η_min)(1 + cos(π i/N))/2`; `η` at `i = 0`,
    /// approaching `η_min` at the end.
    Cosine { lr_min: f64 },
    /// Linear warm-up then cosine: `lr = η·k/W` for `k ≤ W` (`W = warmup`), then cosine
    /// annealing over the remaining `N − W` updates:
    /// `η_min + (η − η_min)(1 + cos(π j/(N − W)))/2` with `j = k − W − 1`.
    WarmupCosine { warmup: u64, lr_min: f64 },
    /// Armijo backtracking line search: try `t = η`, then `t ← t·shrink`, until
    /// `f(x − t g) ≤ f(x) − c·t·‖g‖²`, at most [`BACKTRACKING_MAX_TRIALS`] trials; if none
    /// is accepted the update takes no step (`t = 0`). Never increases the loss.
    Backtracking { c: f64, shrink: f64 },
    /// Barzilai–Borwein step: the first update uses `η`; later ones `t = (s·s)/(s·y)`
    /// with `s = x_k − x_{k−1}`, `y = g_k − g_{k−1}` (the last two points and their
    /// gradients), falling back to `η` when `s·y ≤ 0` or the ratio is not finite.
    BarzilaiBorwein,
    /// Adagrad: `G ← G + g²`, `Δ = η g/(√G + ε)` per coordinate (PyTorch: `ε = 1e-10`).
    Adagrad { eps: f64 },
    /// RMSprop: `v ← α v + (1 − α) g²`, `Δ = η g/(√v + ε)` per coordinate
    /// (PyTorch: `α = 0.99`, `ε = 1e-8`).
    RmsProp { alpha: f64, eps: f64 },
    /// Adam with bias correction: `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
    /// `m̂ = m/(1 − β₁^k)`, `v̂ = v/(1 − β₂^k)`, `Δ = η m̂/(√v̂ + ε)` per coordinate
    /// (PyTorch: `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`).
    Adam { beta1: f64, beta2: f64, eps: f64 },
    /// A rate formula: `lr = r(k, N, η, ‖g‖)` (see [`RateExpr`]); a negative or
    /// non-finite rate stops the run.
    Expr(RateExpr),
}

/// The kebab-case names of all schedules, in declaration order.
pub const NAMES: [&str; 14] = [
    "constant",
    "gradient-scaled",
    "linear-decay",
    "step",
    "exponential",
    "inverse-time",
    "cosine",
    "warmup-cosine",
    "backtracking",
    "barzilai-borwein",
    "adagrad",
    "rmsprop",
    "adam",
    "expr",
];

/// The most trials one backtracking update makes before giving up (and taking no step).
pub const BACKTRACKING_MAX_TRIALS: usize = 60;

impl Schedule {
    /// Adagrad with PyTorch's default `ε = 1e-10`.
    pub const ADAGRAD: Schedule = Schedule::Adagrad { eps: 1e-10 };
    /// RMSprop with PyTorch's defaults `α = 0.99`, `ε = 1e-8`.
    pub const RMSPROP: Schedule = Schedule::RmsProp {
        alpha: 0.99,
        eps: 1e-8,
    };
    /// Adam with PyTorch's defaults `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.
    pub const ADAM: Schedule = Schedule::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };

    /// The schedule's kebab-case name (one of [`NAMES`]).
    pub fn name(&self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::GradientScaled => "gradient-scaled",
            Schedule::LinearDecay => "linear-decay",
            Schedule::Step { .. } => "step",
            Schedule::Exponential { .. } => "exponential",
            Schedule::InverseTime { .. } => "inverse-time",
            Schedule::Cosine { .. } => "cosine",
            Schedule::WarmupCosine { .. } => "warmup-cosine",
            Schedule::Backtracking { .. } => "backtracking",
            Schedule::BarzilaiBorwein => "barzilai-borwein",
            Schedule::Adagrad { .. } => "adagrad",
            Schedule::RmsProp { .. } => "rmsprop",
            Schedule::Adam { .. } => "adam",
            Schedule::Expr(_) => "expr",
        }
    }

    /// True for the per-coordinate adaptive optimizers (Adagrad, RMSprop, Adam), whose
    /// step is not a multiple of the gradient.
    pub fn is_adaptive(&self) -> bool {
        matches!(
            self,
            Schedule::Adagrad { .. } | Schedule::RmsProp { .. } | Schedule::Adam { .. }
        )
    }

    /// False for backtracking and Barzilai–Borwein, whose step length is chosen from the
    /// objective itself; a run ignores momentum for them.
    pub fn supports_momentum(&self) -> bool {
        !matches!(
            self,
            Schedule::Backtracking { .. } | Schedule::BarzilaiBorwein
        )
    }

    /// The learning rate of update `k` (1-based) of `n`, for base rate `base` and current
    /// gradient norm `grad_norm`, for the schedules that are pure functions of those
    /// (`None` for backtracking, Barzilai–Borwein, the adaptive optimizers and rate
    /// formulas, which need state of their own).
    ///
    /// `n = 0` is treated as `n = 1` (no division by zero); `k = 0` as `i = 0`.
    pub fn lr_at(&self, base: f64, k: u64, n: u64, grad_norm: f64) -> Option<f64> {
        let i = k.saturating_sub(1);
        let lr = match *self {
            Schedule::Constant => base,
            Schedule::GradientScaled => base * grad_norm,
            Schedule::LinearDecay => base * (1.0 - k as f64 / n.max(1) as f64),
            Schedule::Step { step_size, gamma } => base * powu(gamma, i / step_size.max(1)),
            Schedule::Exponential { gamma } => base * powu(gamma, i),
            Schedule::InverseTime { gamma } => base / (1.0 + gamma * i as f64),
            Schedule::Cosine { lr_min } => lr_min + (base - lr_min) * cosine_factor(i, n),
            Schedule::WarmupCosine { warmup, lr_min } => {
                if k <= warmup {
                    base * (k as f64 / warmup as f64)
                } else {
                    let (j, m) = warmup_cosine_phase(k, n, warmup);
                    lr_min + (base - lr_min) * cosine_factor(j, m)
                }
            }
            Schedule::Backtracking { .. }
            | Schedule::BarzilaiBorwein
            | Schedule::Adagrad { .. }
            | Schedule::RmsProp { .. }
            | Schedule::Adam { .. }
            | Schedule::Expr(_) => return None,
        };
        Some(lr)
    }

    /// The numbers [`Schedule::lr_at`] uses for update `k` of `n`, as an
    /// [`UpdateDetail`] (`None` for the stateful schedules). Allocation-free.
    pub fn describe(&self, base: f64, k: u64, n: u64, grad_norm: f64) -> Option<UpdateDetail> {
        let i = k.saturating_sub(1);
        let detail = match *self {
            Schedule::Constant => UpdateDetail::Plain,
            Schedule::GradientScaled => UpdateDetail::GradientScaled { base, grad_norm },
            Schedule::LinearDecay => UpdateDetail::LinearDecay { base, k, n },
            Schedule::Step { step_size, gamma } => {
                let exponent = i / step_size.max(1);
                UpdateDetail::Step {
                    base,
                    gamma,
                    step_size,
                    exponent,
                    factor: powu(gamma, exponent),
                }
            }
            Schedule::Exponential { gamma } => UpdateDetail::Exponential {
                base,
                gamma,
                i,
                factor: powu(gamma, i),
            },
            Schedule::InverseTime { gamma } => UpdateDetail::InverseTime { base, gamma, i },
            Schedule::Cosine { lr_min } => UpdateDetail::Cosine {
                base,
                lr_min,
                i,
                n,
                factor: cosine_factor(i, n),
            },
            Schedule::WarmupCosine { warmup, lr_min } => {
                let warming_up = k <= warmup;
                let factor = if warming_up {
                    k as f64 / warmup as f64
                } else {
                    let (j, m) = warmup_cosine_phase(k, n, warmup);
                    cosine_factor(j, m)
                };
                UpdateDetail::WarmupCosine {
                    base,
                    lr_min,
                    warmup,
                    k,
                    n,
                    warming_up,
                    factor,
                }
            }
            Schedule::Backtracking { .. }
            | Schedule::BarzilaiBorwein
            | Schedule::Adagrad { .. }
            | Schedule::RmsProp { .. }
            | Schedule::Adam { .. }
            | Schedule::Expr(_) => return None,
        };
        Some(detail)
    }
}

/// `x^e` for a non-negative integer exponent: `powi` while `e` fits an `i32`, `powf` beyond.
pub fn powu(x: f64, e: u64) -> f64 {
    match i32::try_from(e) {
        Ok(e) => x.powi(e),
        Err(_) => x.powf(e as f64),
    }
}

/// The cosine-annealing factor `(1 + cos(π i/n))/2`: 1 at `i = 0`, 0 at `i = n`
/// (`n = 0` is treated as `n = 1`).
pub fn cosine_factor(i: u64, n: u64) -> f64 {
    (1.0 + (PI * i as f64 / n.max(1) as f64).cos()) / 2.0
}

/// For warm-up-then-cosine after the warm-up (`k > warmup`): the 0-based index into the
/// cosine phase and its length `N − W`.
fn warmup_cosine_phase(k: u64, n: u64, warmup: u64) -> (u64, u64) {
    (k - warmup - 1, n.saturating_sub(warmup))
}

/// Momentum (PyTorch SGD semantics, no dampening) applied to the schedule's step `d`
/// (`d = η_k g` for the rate schedules, the per-coordinate step for the adaptive ones):
///
/// `b ← β b + d` (on the first update `b₁ = d`), then `Δ = d + β b` with Nesterov,
/// `Δ = b` without, and `x ← x − Δ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Momentum {
    /// `β`, typically 0.9.
    pub beta: f64,
    /// Nesterov's look-ahead variant.
    pub nesterov: bool,
}

impl Momentum {
    /// Updates the buffer `b` from the step `d` and writes the final step `Δ` to `out`.
    /// `first` marks the first update of a run (`b₁ = d`). All slices have the same length.
    pub fn apply(&self, first: bool, d: &[f64], buffer: &mut [f64], out: &mut [f64]) {
        for ((&dj, bj), oj) in d.iter().zip(buffer.iter_mut()).zip(out.iter_mut()) {
            *bj = if first { dj } else { self.beta * *bj + dj };
            *oj = if self.nesterov {
                dj + self.beta * *bj
            } else {
                *bj
            };
        }
    }
}

/// Which rule a Barzilai–Borwein update used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BbRule {
    /// The first update of a run: `t = η`.
    First,
    /// `t = (s·s)/(s·y)`.
    Ratio,
    /// `s·y ≤ 0` or the ratio was not finite: `t = η`.
    Fallback,
}

/// The Barzilai–Borwein step length for `s·s` and `s·y` (see [`Schedule::BarzilaiBorwein`]).
pub fn bb_rate(base: f64, s_dot_s: f64, s_dot_y: f64) -> (f64, BbRule) {
    if s_dot_y > 0.0 {
        let t = s_dot_s / s_dot_y;
        if t.is_finite() {
            return (t, BbRule::Ratio);
        }
    }
    (base, BbRule::Fallback)
}

/// Armijo's sufficient-decrease test: `f(x − t g) ≤ f(x) − c·t·‖g‖²`
/// (false when `trial_loss` is NaN).
pub fn armijo_accepts(trial_loss: f64, loss: f64, c: f64, t: f64, grad_sq: f64) -> bool {
    trial_loss <= loss - c * t * grad_sq
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every schedule, in the order of [`NAMES`].
    fn all() -> Vec<Schedule> {
        vec![
            Schedule::Constant,
            Schedule::GradientScaled,
            Schedule::LinearDecay,
            Schedule::Step {
                step_size: 10,
                gamma: 0.5,
            },
            Schedule::Exponential { gamma: 0.95 },
            Schedule::InverseTime { gamma: 0.1 },
            Schedule::Cosine { lr_min: 0.001 },
            Schedule::WarmupCosine {
                warmup: 5,
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
            Schedule::Expr(RateExpr::parse("eta/k").unwrap()),
        ]
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-15 * (1.0 + a.abs().max(b.abs()))
    }

    fn near(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    #[test]
    fn names_and_kinds() {
        let names: Vec<&str> = all().iter().map(Schedule::name).collect();
        assert_eq!(names, NAMES);
        let adaptive: Vec<&str> = all()
            .iter()
            .filter(|s| s.is_adaptive())
            .map(Schedule::name)
            .collect();
        assert_eq!(adaptive, ["adagrad", "rmsprop", "adam"]);
        let no_momentum: Vec<&str> = all()
            .iter()
            .filter(|s| !s.supports_momentum())
            .map(Schedule::name)
            .collect();
        assert_eq!(no_momentum, ["backtracking", "barzilai-borwein"]);
        let stateful: Vec<&str> = all()
            .iter()
            .filter(|s| s.lr_at(0.1, 1, 10, 1.0).is_none())
            .map(Schedule::name)
            .collect();
        assert_eq!(
            stateful,
            [
                "backtracking",
                "barzilai-borwein",
                "adagrad",
                "rmsprop",
                "adam",
                "expr"
            ]
        );
        for s in &all() {
            assert_eq!(
                s.lr_at(0.1, 3, 10, 2.0).is_some(),
                s.describe(0.1, 3, 10, 2.0).is_some()
            );
        }
    }

    #[test]
    fn constant_and_gradient_scaled() {
        for k in 1..=20 {
            assert_eq!(Schedule::Constant.lr_at(0.01, k, 20, 5.0), Some(0.01));
            assert_eq!(Schedule::GradientScaled.lr_at(0.01, k, 20, 5.0), Some(0.05));
        }
        assert_eq!(Schedule::GradientScaled.lr_at(0.01, 1, 20, 0.0), Some(0.0));
    }

    #[test]
    fn linear_decay_reaches_exactly_zero() {
        let s = Schedule::LinearDecay;
        assert_eq!(s.lr_at(0.1, 1, 50, 0.0), Some(0.1 * (1.0 - 1.0 / 50.0)));
        assert_eq!(s.lr_at(0.1, 25, 50, 0.0), Some(0.05));
        assert_eq!(s.lr_at(0.1, 50, 50, 0.0), Some(0.0));
        // n = 0 does not divide by zero.
        assert!(s.lr_at(0.1, 1, 0, 0.0).unwrap().is_finite());
    }

    #[test]
    fn step_decay() {
        let s = Schedule::Step {
            step_size: 3,
            gamma: 0.5,
        };
        let got: Vec<f64> = (1..=10)
            .map(|k| s.lr_at(1.0, k, 10, 0.0).unwrap())
            .collect();
        assert_eq!(got, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]);
        let zero = Schedule::Step {
            step_size: 0,
            gamma: 0.5,
        };
        assert_eq!(zero.lr_at(1.0, 3, 10, 0.0), Some(0.25));
    }

    #[test]
    fn exponential_and_inverse_time() {
        let e = Schedule::Exponential { gamma: 0.9 };
        let t = Schedule::InverseTime { gamma: 0.5 };
        for k in 1..=30u64 {
            let i = (k - 1) as i32;
            assert_eq!(e.lr_at(0.2, k, 30, 0.0), Some(0.2 * 0.9f64.powi(i)));
            assert_eq!(
                t.lr_at(0.2, k, 30, 0.0),
                Some(0.2 / (1.0 + 0.5 * f64::from(i)))
            );
        }
        assert_eq!(e.lr_at(0.2, 1, 30, 0.0), Some(0.2));
        assert_eq!(t.lr_at(0.2, 1, 30, 0.0), Some(0.2));
        // Huge exponents go through powf without overflow or panic.
        assert_eq!(e.lr_at(0.2, u64::MAX, u64::MAX, 0.0), Some(0.0));
    }

    #[test]
    fn cosine_endpoints_and_midpoint() {
        let s = Schedule::Cosine { lr_min: 0.01 };
        assert_eq!(s.lr_at(0.1, 1, 100, 0.0), Some(0.1));
        assert!(close(s.lr_at(0.1, 51, 100, 0.0).unwrap(), 0.055));
        // i = N would be exactly lr_min; the last update (i = N - 1) is just above it.
        assert!(close(s.lr_at(0.1, 101, 100, 0.0).unwrap(), 0.01));
        let last = s.lr_at(0.1, 100, 100, 0.0).unwrap();
        assert!(last > 0.01 && last < 0.0101);
        let lrs: Vec<f64> = (1..=100)
            .map(|k| s.lr_at(0.1, k, 100, 0.0).unwrap())
            .collect();
        assert!(lrs.windows(2).all(|w| w[1] < w[0]));
    }

    #[test]
    fn warmup_then_cosine() {
        let s = Schedule::WarmupCosine {
            warmup: 4,
            lr_min: 0.0,
        };
        let lr = |k| s.lr_at(1.0, k, 14, 0.0).unwrap();
        assert_eq!([lr(1), lr(2), lr(3), lr(4)], [0.25, 0.5, 0.75, 1.0]);
        // Cosine over the remaining 10 updates, starting at the base rate.
        assert_eq!(lr(5), 1.0);
        assert!(close(lr(10), 0.5));
        for k in 5..=14 {
            assert!(close(lr(k), cosine_factor(k - 5, 10)));
        }
        // No warm-up is plain cosine.
        let plain = Schedule::WarmupCosine {
            warmup: 0,
            lr_min: 0.1,
        };
        let cos = Schedule::Cosine { lr_min: 0.1 };
        for k in 1..=10 {
            assert_eq!(plain.lr_at(1.0, k, 10, 0.0), cos.lr_at(1.0, k, 10, 0.0));
        }
        // Warm-up longer than the run: only the ramp.
        let long = Schedule::WarmupCosine {
            warmup: 20,
            lr_min: 0.0,
        };
        assert_eq!(long.lr_at(1.0, 10, 10, 0.0), Some(0.5));
    }

    #[test]
    fn describe_agrees_with_lr_at() {
        for s in &all() {
            for k in 1..=12 {
                let Some(lr) = s.lr_at(0.3, k, 12, 2.5) else {
                    continue;
                };
                let d = s.describe(0.3, k, 12, 2.5).unwrap();
                let from_detail = match d {
                    UpdateDetail::Plain => 0.3,
                    UpdateDetail::GradientScaled { base, grad_norm } => base * grad_norm,
                    UpdateDetail::LinearDecay { base, k, n } => base * (1.0 - k as f64 / n as f64),
                    UpdateDetail::Step { base, factor, .. }
                    | UpdateDetail::Exponential { base, factor, .. } => base * factor,
                    UpdateDetail::InverseTime { base, gamma, i } => base / (1.0 + gamma * i as f64),
                    UpdateDetail::Cosine {
                        base,
                        lr_min,
                        factor,
                        ..
                    } => lr_min + (base - lr_min) * factor,
                    UpdateDetail::WarmupCosine {
                        base,
                        lr_min,
                        warming_up,
                        factor,
                        ..
                    } => {
                        if warming_up {
                            base * factor
                        } else {
                            lr_min + (base - lr_min) * factor
                        }
                    }
                    other => panic!("unexpected detail {other:?}"),
                };
                assert_eq!(lr, from_detail, "{} k={k}", s.name());
            }
        }
    }

    #[test]
    fn momentum_apply() {
        let m = Momentum {
            beta: 0.5,
            nesterov: false,
        };
        let mut b = [0.0; 2];
        let mut out = [0.0; 2];
        m.apply(true, &[1.0, -2.0], &mut b, &mut out);
        assert_eq!((b, out), ([1.0, -2.0], [1.0, -2.0]));
        m.apply(false, &[1.0, 1.0], &mut b, &mut out);
        assert_eq!((b, out), ([1.5, 0.0], [1.5, 0.0]));
        let n = Momentum {
            beta: 0.5,
            nesterov: true,
        };
        let mut b = [0.0; 1];
        let mut out = [0.0; 1];
        n.apply(true, &[1.0], &mut b, &mut out);
        assert_eq!((b, out), ([1.0], [1.5]));
        n.apply(false, &[1.0], &mut b, &mut out);
        assert_eq!((b, out), ([1.5], [1.75]));
    }

    #[test]
    fn bb_and_armijo_rules() {
        assert_eq!(bb_rate(0.1, 4.0, 2.0), (2.0, BbRule::Ratio));
        assert_eq!(bb_rate(0.1, 4.0, 0.0), (0.1, BbRule::Fallback));
        assert_eq!(bb_rate(0.1, 4.0, -1.0), (0.1, BbRule::Fallback));
        assert_eq!(bb_rate(0.1, f64::NAN, 1.0), (0.1, BbRule::Fallback));
        assert_eq!(bb_rate(0.1, 1.0, f64::NAN), (0.1, BbRule::Fallback));
        assert_eq!(bb_rate(0.1, f64::INFINITY, 1.0), (0.1, BbRule::Fallback));
        assert!(armijo_accepts(0.9, 1.0, 0.5, 0.1, 2.0));
        assert!(!armijo_accepts(0.95, 1.0, 0.5, 0.1, 2.0));
        assert!(!armijo_accepts(f64::NAN, 1.0, 0.5, 0.1, 2.0));
    }

    #[test]
    fn adaptive_first_two_updates_by_hand() {
        // f(x, y) = x² + 10 y² at (1, 1): g = (2, 20), then after the first step by hand.
        let g1 = [2.0, 20.0];
        // Adagrad, η = 0.1, ε = 0: G = (4, 400), Δ = (0.1, 0.1).
        let s = Schedule::Adagrad { eps: 0.0 };
        let mut st = AdaptiveState::new(2);
        let mut d = UpdateDetail::preallocated(&s, None, 2);
        let mut delta = [0.0; 2];
        assert!(st.step(&s, 0.1, 1, &g1, &mut delta, &mut d));
        assert_eq!(delta, [0.1, 0.1]);
        assert_eq!(st.first(), [4.0, 400.0]);
        // Second gradient at (0.9, 0.9): (1.8, 18); G = (7.24, 724); Δ = 0.18/√7.24, 1.8/√724.
        assert!(st.step(&s, 0.1, 2, &[1.8, 18.0], &mut delta, &mut d));
        assert!(close(delta[0], 0.066_896_473_162_244_97));
        assert!(close(delta[1], 0.066_896_473_162_244_97));
        assert_eq!(
            d,
            UpdateDetail::Adagrad {
                base: 0.1,
                eps: 0.0,
                sum_sq: vec![7.24, 724.0]
            }
        );

        // RMSprop, α = 0.9, ε = 0: v = (0.4, 40), Δ = 0.1·2/√0.4 = 0.316227766…
        let s = Schedule::RmsProp {
            alpha: 0.9,
            eps: 0.0,
        };
        let mut st = AdaptiveState::new(2);
        let mut d = UpdateDetail::preallocated(&s, None, 2);
        st.step(&s, 0.1, 1, &g1, &mut delta, &mut d);
        assert!(close(delta[0], 0.316_227_766_016_837_94));
        assert!(close(delta[1], 0.316_227_766_016_837_94));
        // Then g = (1, 3): v = (0.36 + 0.1, 36 + 0.9) = (0.46, 36.9).
        st.step(&s, 0.1, 2, &[1.0, 3.0], &mut delta, &mut d);
        assert!(close(st.first()[0], 0.46));
        assert!(close(st.first()[1], 36.9));
        assert!(close(delta[0], 0.147_441_956_154_897_1));
        assert!(close(delta[1], 0.049_386_479_832_479_48));

        // Adam, η = 0.1, β = (0.9, 0.999), ε = 1e-8: first step is η·g/(|g| + ε) ≈ η.
        let s = Schedule::ADAM;
        let mut st = AdaptiveState::new(2);
        let mut d = UpdateDetail::preallocated(&s, None, 2);
        st.step(&s, 0.1, 1, &g1, &mut delta, &mut d);
        assert!(close(delta[0], 0.1 * 2.0 / (2.0 + 1e-8)));
        assert!(close(delta[1], 0.1 * 20.0 / (20.0 + 1e-8)));
        // Then g = (1, −10): m = (0.28, 0.8), v = (0.004996, 0.4996);
        // m̂ = m/0.19, v̂ = v/0.001999.
        st.step(&s, 0.1, 2, &[1.0, -10.0], &mut delta, &mut d);
        let UpdateDetail::Adam { m_hat, v_hat, .. } = &d else {
            panic!("{d:?}")
        };
        assert!(near(m_hat[0], 0.28 / 0.19, 1e-12));
        assert!(near(m_hat[1], 0.8 / 0.19, 1e-12));
        assert!(near(v_hat[0], 0.004_996 / 0.001_999, 1e-12));
        assert!(near(v_hat[1], 0.4996 / 0.001_999, 1e-12));
        assert!(close(delta[0], 0.093_217_963_291_489_65));
        assert!(close(delta[1], 0.026_633_703_949_192_924));
    }

    #[test]
    fn adaptive_step_ignores_other_schedules() {
        let mut st = AdaptiveState::new(1);
        let mut d = UpdateDetail::Plain;
        let mut delta = [7.0];
        assert!(!st.step(&Schedule::Constant, 0.1, 1, &[1.0], &mut delta, &mut d));
        assert_eq!(delta, [7.0]);
        assert_eq!(d, UpdateDetail::Plain);
        st.step(&Schedule::ADAGRAD, 0.1, 1, &[1.0], &mut delta, &mut d);
        assert!(st.first()[0] > 0.0);
        st.reset();
        assert_eq!(st.first(), [0.0]);
    }

    #[test]
    fn preallocated_shapes() {
        let m = Momentum {
            beta: 0.9,
            nesterov: false,
        };
        let d = UpdateDetail::preallocated(&Schedule::ADAM, Some(&m), 3);
        let UpdateDetail::Momentum { step, inner, .. } = &d else {
            panic!()
        };
        assert_eq!(step.len(), 3);
        assert!(matches!(**inner, UpdateDetail::Adam { .. }));
        assert!(matches!(d.schedule_part(), UpdateDetail::Adam { .. }));
        // Momentum is ignored where unsupported.
        let bt = Schedule::Backtracking {
            c: 0.1,
            shrink: 0.5,
        };
        assert!(matches!(
            UpdateDetail::preallocated(&bt, Some(&m), 3),
            UpdateDetail::Backtracking { .. }
        ));
    }
}
