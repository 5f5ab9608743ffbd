//! The per-coordinate state of the adaptive optimizers (Adagrad, RMSprop, Adam) for one
//! run, and their update: [`AdaptiveState`].

use super::{Schedule, UpdateDetail, powu};

/// Overwrites `dst` with `src` without reallocating when the capacity suffices.
fn fill(dst: &mut Vec<f64>, src: &[f64]) {
    dst.clear();
    dst.extend_from_slice(src);
}

/// Per-coordinate state of the adaptive optimizers for one run: Adagrad's `G`,
/// RMSprop's `v`, or Adam's `m` and `v`. Allocated once, zeroed on restart.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveState {
    /// Adagrad `G`, RMSprop `v`, Adam `m`.
    first: Vec<f64>,
    /// Adam `v`.
    second: Vec<f64>,
}

impl AdaptiveState {
    /// Zeroed state for `dim` coordinates.
    pub fn new(dim: usize) -> Self {
        Self {
            first: vec![0.0; dim],
            second: vec![0.0; dim],
        }
    }

    /// Back to zero (a fresh run).
    pub fn reset(&mut self) {
        self.first.fill(0.0);
        self.second.fill(0.0);
    }

    /// Adagrad's `G`, RMSprop's `v` or Adam's `m`.
    pub fn first(&self) -> &[f64] {
        &self.first
    }

    /// Adam's `v`.
    pub fn second(&self) -> &[f64] {
        &self.second
    }

    /// Update `k` (1-based) of an adaptive `schedule` with base rate `base` at gradient
    /// `g`: advances the state, writes the step `Δ` (`x ← x − Δ`) into `delta` and the
    /// numbers used into `detail`. Returns false, touching nothing, for a non-adaptive
    /// schedule. `g` and `delta` have the state's length.
    pub fn step(
        &mut self,
        schedule: &Schedule,
        base: f64,
        k: u64,
        g: &[f64],
        delta: &mut [f64],
        detail: &mut UpdateDetail,
    ) -> bool {
        match *schedule {
            Schedule::Adagrad { eps } => {
                for ((&gj, sj), dj) in g.iter().zip(&mut self.first).zip(delta.iter_mut()) {
                    *sj += gj * gj;
                    *dj = base * gj / (sj.sqrt() + eps);
                }
                if !matches!(detail, UpdateDetail::Adagrad { .. }) {
                    *detail = UpdateDetail::preallocated(schedule, None, g.len());
                }
                if let UpdateDetail::Adagrad {
                    base: b,
                    eps: e,
                    sum_sq,
                } = detail
                {
                    *b = base;
                    *e = eps;
                    fill(sum_sq, &self.first);
                }
            }
            Schedule::RmsProp { alpha, eps } => {
                for ((&gj, vj), dj) in g.iter().zip(&mut self.first).zip(delta.iter_mut()) {
                    *vj = alpha * *vj + (1.0 - alpha) * gj * gj;
                    *dj = base * gj / (vj.sqrt() + eps);
                }
                if !matches!(detail, UpdateDetail::RmsProp { .. }) {
                    *detail = UpdateDetail::preallocated(schedule, None, g.len());
                }
                if let UpdateDetail::RmsProp {
                    base: b,
                    alpha: a,
                    eps: e,
                    sq_avg,
                } = detail
                {
                    *b = base;
                    *a = alpha;
                    *e = eps;
                    fill(sq_avg, &self.first);
                }
            }
            Schedule::Adam { beta1, beta2, eps } => {
                if !matches!(detail, UpdateDetail::Adam { .. }) {
                    *detail = UpdateDetail::preallocated(schedule, None, g.len());
                }
                let UpdateDetail::Adam {
                    base: b,
                    beta1: b1,
                    beta2: b2,
                    eps: e,
                    m_hat,
                    v_hat,
                } = detail
                else {
                    return false;
                };
                *b = base;
                *b1 = beta1;
                *b2 = beta2;
                *e = eps;
                m_hat.resize(g.len(), 0.0);
                v_hat.resize(g.len(), 0.0);
                let c1 = 1.0 - powu(beta1, k);
                let c2 = 1.0 - powu(beta2, k);
                for (j, &gj) in g.iter().enumerate() {
                    let m = beta1 * self.first[j] + (1.0 - beta1) * gj;
                    let v = beta2 * self.second[j] + (1.0 - beta2) * gj * gj;
                    self.first[j] = m;
                    self.second[j] = v;
                    m_hat[j] = m / c1;
                    v_hat[j] = v / c2;
                    delta[j] = base * m_hat[j] / (v_hat[j].sqrt() + eps);
                }
            }
            _ => return false,
        }
        true
    }
}
