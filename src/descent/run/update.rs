//! The step of one update: every schedule's rule, and Armijo's line search.

use super::{Run, dot, norm};
use crate::descent::function::Function;
use crate::descent::schedule::{
    BACKTRACKING_MAX_TRIALS, BbRule, RateExpr, Schedule, Trial, UpdateDetail, armijo_accepts,
    bb_rate,
};

impl<F: Function> Run<F> {
    /// Every schedule but backtracking: fills `update.x_new` (and the detail) and returns
    /// the rate to record.
    pub(super) fn direct_update(&mut self, k: u64) -> f64 {
        let base = self.spec.lr;
        let n = self.limits.epochs;
        let schedule = &self.spec.schedule;
        let momentum = self.spec.momentum.filter(|_| schedule.supports_momentum());
        if momentum.is_some() != matches!(self.update.detail, UpdateDetail::Momentum { .. }) {
            // Only if a caller changed the spec's shape behind our back; allocates once.
            self.update.detail =
                UpdateDetail::preallocated(schedule, momentum.as_ref(), self.x.len());
        }
        let u = &mut self.update;

        // The schedule's own step: a rate, or (adaptive) a per-coordinate step in `delta`.
        let gnorm = self.step_norm;
        let rate = if let Some(lr) = schedule.lr_at(base, k, n, gnorm) {
            if let Some(d) = schedule.describe(base, k, n, gnorm) {
                let part = u.detail.schedule_part_mut();
                // A constant rate's detail never changes: skip the rewrite.
                if *part != d {
                    *part = d;
                }
            }
            Some(lr)
        } else if let Some(ev) = &mut self.rate {
            *u.detail.schedule_part_mut() = UpdateDetail::Rate {
                base,
                k,
                n,
                grad_norm: gnorm,
            };
            let lr = RateExpr::rate(ev, k, n, base, gnorm);
            if !(lr.is_finite() && lr >= 0.0) {
                return lr;
            }
            Some(lr)
        } else if matches!(schedule, Schedule::BarzilaiBorwein) {
            let (t, s_dot_s, s_dot_y, rule) = if k == 1 {
                (base, 0.0, 0.0, BbRule::First)
            } else {
                let (mut ss, mut sy) = (0.0, 0.0);
                for j in 0..u.x_old.len() {
                    let s = u.x_old[j] - self.prev_x[j];
                    let y = u.grad_old[j] - self.prev_g[j];
                    ss += s * s;
                    sy += s * y;
                }
                let (t, rule) = bb_rate(base, ss, sy);
                (t, ss, sy, rule)
            };
            *u.detail.schedule_part_mut() = UpdateDetail::BarzilaiBorwein {
                base,
                s_dot_s,
                s_dot_y,
                rule,
            };
            Some(t)
        } else {
            self.adaptive.step(
                schedule,
                base,
                k,
                &u.grad_old,
                &mut self.delta,
                u.detail.schedule_part_mut(),
            );
            None
        };

        match (rate, momentum) {
            (Some(lr), None) => {
                for ((xn, &xo), &g) in u.x_new.iter_mut().zip(&u.x_old).zip(&u.grad_old) {
                    *xn = xo - lr * g;
                }
                return lr;
            }
            (Some(lr), Some(_)) => {
                for (d, &g) in self.delta.iter_mut().zip(&u.grad_old) {
                    *d = lr * g;
                }
            }
            (None, _) => {}
        }
        if let (
            Some(m),
            UpdateDetail::Momentum {
                beta,
                nesterov,
                step,
                buffer,
                ..
            },
        ) = (momentum, &mut u.detail)
        {
            *beta = m.beta;
            *nesterov = m.nesterov;
            step.clear();
            step.extend_from_slice(&self.delta);
            m.apply(k == 1, step, &mut self.velocity, &mut self.delta);
            buffer.clear();
            buffer.extend_from_slice(&self.velocity);
        }
        for ((xn, &xo), &d) in u.x_new.iter_mut().zip(&u.x_old).zip(&self.delta) {
            *xn = xo - d;
        }
        let g_norm = norm(&u.grad_old);
        if g_norm == 0.0 {
            0.0
        } else {
            norm(&self.delta) / g_norm
        }
    }

    /// Armijo backtracking: fills `update.x_new`, `g_new` and the trials; returns
    /// `(t, f(x_new))`, or `(0, f(x_old))` with no step when no trial is accepted.
    pub(super) fn backtracking_update(&mut self, c: f64, shrink: f64) -> (f64, f64) {
        let base = self.spec.lr;
        let u = &mut self.update;
        if !matches!(u.detail, UpdateDetail::Backtracking { .. }) {
            u.detail = UpdateDetail::preallocated(&self.spec.schedule, None, self.x.len());
        }
        let UpdateDetail::Backtracking {
            base: b,
            c: dc,
            shrink: ds,
            grad_sq,
            trials,
            accepted,
        } = &mut u.detail
        else {
            return (0.0, u.loss_old);
        };
        let gsq = dot(&u.grad_old, &u.grad_old);
        *b = base;
        *dc = c;
        *ds = shrink;
        *grad_sq = gsq;
        *accepted = false;
        trials.clear();
        let mut t = base;
        for _ in 0..BACKTRACKING_MAX_TRIALS {
            for ((xn, &xo), &g) in u.x_new.iter_mut().zip(&u.x_old).zip(&u.grad_old) {
                *xn = xo - t * g;
            }
            // `f` alone at each trial; `∇f` only where a trial is accepted
            // (`value` and `value_grad` give the same value, to the bit).
            let loss = self.f.value(&u.x_new);
            self.f_evals += 1;
            trials.push(Trial { t, loss });
            if armijo_accepts(loss, u.loss_old, c, t, gsq) {
                *accepted = true;
                self.f.value_grad(&u.x_new, &mut self.g_new);
                self.g_evals += 1;
                return (t, loss);
            }
            t *= shrink;
        }
        u.x_new.copy_from_slice(&u.x_old);
        // No step: the point and its (true) gradient stay.
        self.g_new.copy_from_slice(&self.g);
        (0.0, u.loss_old)
    }
}
