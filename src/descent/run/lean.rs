//! The lean path: a rate schedule without momentum or noise, stepped with only what the
//! next epoch needs (see the module docs of `run`).
//!
//! Per update: the rate, `x_new = x − lr·g` into the spare point buffer, one
//! `f`/`∇f` evaluation into the spare gradient buffer, the divergence checks, and on
//! success a swap of the buffers (so the spare ones then hold the point and gradient
//! before the update) and the status. The [`Update`] record and `‖∇f‖` are not kept:
//! [`Run::lean_record`] rebuilds the record from the buffers and [`Last`], with the same
//! operations on the same numbers as the full path, so to the same bits.

use super::{Run, Status, Update, in_bounds, norm};
use crate::descent::function::Function;
use crate::descent::schedule::{Schedule, UpdateDetail};

/// What the last lean update's record needs besides the buffers.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Last {
    /// The base rate `η` the update used (it may be changed since).
    base: f64,
    /// `f` before and after the update.
    loss_old: f64,
    loss_new: f64,
}

/// `dst = x − lr·g`, inline for the usual two dimensions.
#[inline(always)]
fn descend(dst: &mut [f64], x: &[f64], g: &[f64], lr: f64) {
    if let (Ok(d), Ok(x), Ok(g)) = (
        <&mut [f64; 2]>::try_from(&mut *dst),
        <&[f64; 2]>::try_from(x),
        <&[f64; 2]>::try_from(g),
    ) {
        d[0] = x[0] - lr * g[0];
        d[1] = x[1] - lr * g[1];
        return;
    }
    for ((d, &x), &g) in dst.iter_mut().zip(x).zip(g) {
        *d = x - lr * g;
    }
}

/// True when the point is finite and within `bound`, and the gradient finite (the
/// full path's checks, inline for the usual two dimensions).
#[inline(always)]
fn good(x: &[f64], g: &[f64], bound: f64) -> bool {
    if let (Ok(x), Ok(g)) = (<&[f64; 2]>::try_from(x), <&[f64; 2]>::try_from(g)) {
        let within = |v: f64| v.is_finite() && (v.abs() <= bound || bound.is_nan());
        return within(x[0]) && within(x[1]) && g[0].is_finite() && g[1].is_finite();
    }
    in_bounds(x, bound) && g.iter().all(|v| v.is_finite())
}

impl<F: Function> Run<F> {
    /// Whether this run steps on the lean path: a rate schedule (a pure function of
    /// the step, the base rate and `‖∇f‖`), no momentum, no noise.
    pub(super) fn can_step_lean(&self) -> bool {
        let s = &self.spec;
        s.noise.is_none()
            && self.rate.is_none()
            && (s.momentum.is_none() || !s.schedule.supports_momentum())
            && s.schedule.lr_at(1.0, 1, 1, 1.0).is_some()
    }

    /// One update on the lean path (the run is running).
    #[inline]
    pub(super) fn lean_step(&mut self) -> bool {
        let k = self.epoch + 1;
        let base = self.spec.lr;
        let lr = match self.spec.schedule {
            Schedule::Constant => base,
            // Only this rate reads `‖∇f‖`.
            Schedule::GradientScaled => base * norm(&self.g),
            ref s => s
                .lr_at(base, k, self.limits.epochs, f64::NAN)
                .unwrap_or(f64::NAN),
        };
        descend(&mut self.x_alt, &self.x, &self.g, lr);
        let loss = self.f.value_grad(&self.x_alt, &mut self.g_new);
        self.f_evals += 1;
        self.g_evals += 1;
        self.lr = lr;
        self.lean_last = Last {
            base,
            loss_old: self.loss,
            loss_new: loss,
        };
        self.has_update = true;
        if self.explain.get().is_some() {
            self.explain.take();
        }
        if !(loss.is_finite() && good(&self.x_alt, &self.g_new, self.limits.bound)) {
            self.status = Status::Diverged { at: k };
            return true;
        }
        std::mem::swap(&mut self.x, &mut self.x_alt);
        std::mem::swap(&mut self.g, &mut self.g_new);
        self.loss = loss;
        self.epoch = k;
        self.status = self.settle(k);
        true
    }

    /// The record of the last lean update, as the full path would have kept it.
    pub(super) fn lean_record(&self) -> Update {
        let (k, x_old, g_old, x_new) = if matches!(self.status, Status::Diverged { .. }) {
            // Not applied: the buffers still hold the point before it.
            (self.epoch + 1, &self.x, &self.g, &self.x_alt)
        } else {
            (self.epoch, &self.x_alt, &self.g_new, &self.x)
        };
        let Last {
            base,
            loss_old,
            loss_new,
        } = self.lean_last;
        let detail = self
            .spec
            .schedule
            .describe(base, k, self.limits.epochs, norm(g_old))
            .unwrap_or(UpdateDetail::Plain);
        Update {
            epoch: k,
            x_old: x_old.clone(),
            grad_old: g_old.clone(),
            noise: Vec::new(),
            grad_f: Vec::new(),
            lr: self.lr,
            x_new: x_new.clone(),
            loss_old,
            loss_new,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Limits, RunSpec};
    use super::*;

    /// `f(x, y) = x² + 10 y² + sin(x y)` (and `x⁴` in 1D): curved enough
    /// for every schedule to move differently.
    #[derive(Clone)]
    struct Bumpy(usize);

    impl Function for Bumpy {
        fn dim(&self) -> usize {
            self.0
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            let mut g = vec![0.0; self.0];
            self.value_grad(x, &mut g)
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            if let [x] = *x {
                g[0] = 4.0 * x * x * x;
                return x * x * x * x;
            }
            let (a, b) = (x[0], x[1]);
            g[0] = 2.0 * a + b * (a * b).cos();
            g[1] = 20.0 * b + a * (a * b).cos();
            a * a + 10.0 * b * b + (a * b).sin()
        }
    }

    fn rate_schedules() -> Vec<Schedule> {
        vec![
            Schedule::Constant,
            Schedule::GradientScaled,
            Schedule::LinearDecay,
            Schedule::Step {
                step_size: 3,
                gamma: 0.5,
            },
            Schedule::Exponential { gamma: 0.9 },
            Schedule::InverseTime { gamma: 0.3 },
            Schedule::Cosine { lr_min: 0.001 },
            Schedule::WarmupCosine {
                warmup: 4,
                lr_min: 0.001,
            },
        ]
    }

    /// Everything a reader can see of a run, to the bit.
    fn seen(r: &Run<Bumpy>) -> String {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        format!(
            "{:?} {} {:?} {:?} {} {} {} {:?} {} {} {:?}",
            r.status(),
            r.epoch(),
            bits(r.params()),
            bits(r.grad()),
            r.loss().to_bits(),
            r.grad_norm().to_bits(),
            r.lr().to_bits(),
            r.last_update(),
            r.f_evals(),
            r.g_evals(),
            r.last_update()
                .map(|u| (bits(&u.x_old), bits(&u.x_new), bits(&u.grad_old))),
        )
    }

    #[test]
    fn the_lean_path_is_the_full_path_to_the_bit() {
        let cases: [(usize, f64, Limits); 4] = [
            (2, 0.04, Limits::new(25)),
            // Diverges (out of the bound, then non-finite).
            (2, 0.3, Limits::new(40).with_bound(1e6)),
            (1, 2.0, Limits::new(40)),
            (2, 0.04, Limits::new(500).with_tolerance(1e-3)),
        ];
        let mut diverged = 0;
        for s in rate_schedules() {
            for (dim, lr, limits) in &cases {
                let spec = RunSpec::new("r", s.clone(), *lr, vec![0.9, -0.7][..*dim].to_vec());
                let mut lean = Run::new(spec.clone(), Bumpy(*dim), limits.clone());
                let mut full = Run::new(spec, Bumpy(*dim), limits.clone());
                assert!(lean.lean, "{s:?} steps lean");
                full.lean = false;
                assert_eq!(seen(&lean), seen(&full));
                let mut k = 0;
                loop {
                    k += 1;
                    if k == 7 {
                        lean.set_lr(lr * 0.5);
                        full.set_lr(lr * 0.5);
                    }
                    let (a, b) = (lean.step(), full.step());
                    assert_eq!(a, b);
                    assert_eq!(seen(&lean), seen(&full), "{s:?} {dim}D lr {lr} update {k}");
                    if !a {
                        break;
                    }
                }
                diverged += usize::from(matches!(lean.status(), Status::Diverged { .. }));
                // A restart forgets the record on both paths.
                lean.restart(vec![0.1; *dim]);
                full.restart(vec![0.1; *dim]);
                assert!(lean.last_update().is_none());
                assert_eq!(seen(&lean), seen(&full));
            }
        }
        assert!(diverged >= 8, "the divergence cases diverge: {diverged}");
    }

    #[test]
    fn only_plain_rate_runs_step_lean() {
        let lean = |spec: RunSpec| Run::new(spec, Bumpy(2), Limits::new(3)).lean;
        let spec = RunSpec::new("r", Schedule::Constant, 0.1, vec![1.0, 1.0]);
        assert!(lean(spec.clone()));
        assert!(!lean(spec.clone().with_momentum(
            crate::descent::schedule::Momentum {
                beta: 0.9,
                nesterov: false,
            }
        )));
        assert!(!lean(spec.clone().with_noise(
            crate::descent::noise::Noise { sigma: 0.1, key: 1 }
        )));
        for s in [Schedule::BarzilaiBorwein, Schedule::ADAM] {
            assert!(!lean(RunSpec::new("r", s, 0.1, vec![1.0, 1.0])));
        }
    }
}
