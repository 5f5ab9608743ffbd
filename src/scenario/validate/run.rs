//! `[[run]]` tables: names, rates, schedules and their parameters, momentum.

use toml::Spanned;

use super::{Res, Validator};
use crate::descent::schedule::{Momentum, RateExpr, Schedule};
use crate::scenario::raw::RawRun;
use crate::scenario::{MAX_NAME, MAX_RUNS, RunConfig, SCHEDULES, suggest};
use crate::text::num::exact;
use crate::text::{clean_text, display_width, visible};

impl Validator<'_> {
    pub(super) fn runs(
        &self,
        runs: Vec<Spanned<RawRun>>,
        names: &[&str],
        domain: &[(f64, f64)],
        epochs: u64,
        starts: Option<u32>,
        noise: f64,
    ) -> Res<Vec<RunConfig>> {
        if runs.is_empty() {
            return self.err(
                0,
                "the scenario has no runs: add at least one [[run]] with a `name` and an `lr`",
            );
        }
        if runs.len() > MAX_RUNS {
            let at = runs[MAX_RUNS].span().start;
            return self.err(
                at,
                format!(
                    "{} runs are too many to tell apart; at most {MAX_RUNS}",
                    runs.len()
                ),
            );
        }
        let mut out: Vec<RunConfig> = Vec::new();
        for r in runs {
            if let (Some(n), Some(s)) = (starts, &r.get_ref().start) {
                return self.err(
                    s.span().start,
                    format!(
                        "a run's own `start` cannot be combined with `starts = {n}` (every run races from the same {n} random starts); remove it"
                    ),
                );
            }
            let run = self.run(r.get_ref(), names, domain, epochs, noise)?;
            // Names that look the same are the same name.
            let seen = visible(&run.name);
            if out.iter().any(|o| visible(&o.name) == seen) {
                return self.err(
                    r.get_ref().name.span().start,
                    format!("two runs are named `{seen}`; names must differ"),
                );
            }
            out.push(run);
        }
        Ok(out)
    }

    fn run(
        &self,
        r: &RawRun,
        names: &[&str],
        domain: &[(f64, f64)],
        epochs: u64,
        noise: f64,
    ) -> Res<RunConfig> {
        let name = clean_text(r.name.get_ref());
        let name_at = r.name.span().start;
        if visible(&name).is_empty() {
            return self.err(name_at, "a run's `name` must not be empty");
        }
        let width = display_width(&name);
        if width > MAX_NAME {
            return self.err(
                name_at,
                format!(
                    "run name `{name}` is {width} columns wide; at most {MAX_NAME} fit (wide characters such as 火 and most emoji take two)"
                ),
            );
        }
        let lr = *r.lr.get_ref();
        if !(lr.is_finite() && lr > 0.0) {
            return self.err(
                r.lr.span().start,
                format!("`lr` is {}; expected a positive finite number", exact(lr)),
            );
        }
        let sched_name = r
            .schedule
            .as_ref()
            .map_or("constant", |s| s.get_ref().as_str());
        let sched_at = r.schedule.as_ref().map_or(name_at, |s| s.span().start);
        if !SCHEDULES.contains(&sched_name) {
            let hint = suggest(sched_name, SCHEDULES)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return self.err(
                sched_at,
                format!(
                    "unknown schedule `{sched_name}`{hint}; expected one of: {}",
                    SCHEDULES.join(", ")
                ),
            );
        }
        self.check_params_apply(r, sched_name)?;
        let schedule = self.schedule(r, sched_name, lr, epochs, sched_at)?;
        let momentum = self.momentum(r, sched_name)?;
        let start = match &r.start {
            Some(s) => {
                let p = self.point(s, names, "start")?;
                self.inside(&p, names, domain, s.span().start, "start")?;
                Some(p)
            }
            None => None,
        };
        Ok(RunConfig {
            name,
            schedule,
            lr,
            momentum,
            start,
            noise: self.noise(&r.noise, noise)?,
        })
    }

    /// Every parameter given must be one the schedule uses.
    fn check_params_apply(&self, r: &RawRun, sched: &str) -> Res<()> {
        let allowed: &[&str] = match sched {
            "step" => &["gamma", "step_size"],
            "exponential" | "inverse-time" => &["gamma"],
            "cosine" => &["lr_min"],
            "warmup-cosine" => &["warmup", "lr_min"],
            "backtracking" => &["armijo", "shrink"],
            "adagrad" => &["eps"],
            "rmsprop" => &["alpha", "eps"],
            "adam" => &["betas", "eps"],
            "expr" => &["rate"],
            _ => &[],
        };
        let given: [(&str, Option<usize>); 8] = [
            ("gamma", r.gamma.as_ref().map(|v| v.span().start)),
            ("step_size", r.step_size.as_ref().map(|v| v.span().start)),
            ("lr_min", r.lr_min.as_ref().map(|v| v.span().start)),
            ("warmup", r.warmup.as_ref().map(|v| v.span().start)),
            ("armijo", r.armijo.as_ref().map(|v| v.span().start)),
            ("shrink", r.shrink.as_ref().map(|v| v.span().start)),
            ("eps", r.eps.as_ref().map(|v| v.span().start)),
            ("alpha", r.alpha.as_ref().map(|v| v.span().start)),
        ];
        let betas = ("betas", r.betas.as_ref().map(|v| v.span().start));
        let rate = ("rate", r.rate.as_ref().map(|v| v.span().start));
        for (key, at) in given.into_iter().chain([betas, rate]) {
            if let Some(at) = at
                && !allowed.contains(&key)
            {
                let takes = if allowed.is_empty() {
                    "no parameters besides `lr`".to_string()
                } else {
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return self.err(
                    at,
                    format!("`{key}` does not apply to schedule `{sched}` (it takes {takes})"),
                );
            }
        }
        Ok(())
    }

    fn schedule(&self, r: &RawRun, sched: &str, lr: f64, epochs: u64, at: usize) -> Res<Schedule> {
        let lr_min = |v: &Validator<'_>| -> Res<f64> {
            match &r.lr_min {
                Some(s) => {
                    let x = *s.get_ref();
                    if x.is_finite() && x >= 0.0 && x < lr {
                        Ok(x)
                    } else {
                        v.err(
                            s.span().start,
                            format!(
                                "`lr_min` is {}; expected a number from 0 up to (not including) lr = {}",
                                exact(x),
                                exact(lr)
                            ),
                        )
                    }
                }
                None => Ok(0.0),
            }
        };
        Ok(match sched {
            "constant" => Schedule::Constant,
            "gradient-scaled" => Schedule::GradientScaled,
            "linear-decay" => Schedule::LinearDecay,
            "step" => {
                let s = self.required(&r.step_size, "step_size", sched, at)?;
                Schedule::Step {
                    step_size: self.count(s, "step_size", epochs)?,
                    gamma: self.positive(&r.gamma, "gamma", Some(0.1))?,
                }
            }
            "exponential" => {
                self.required(&r.gamma, "gamma", sched, at)?;
                Schedule::Exponential {
                    gamma: self.positive(&r.gamma, "gamma", None)?,
                }
            }
            "inverse-time" => {
                self.required(&r.gamma, "gamma", sched, at)?;
                Schedule::InverseTime {
                    gamma: self.positive(&r.gamma, "gamma", None)?,
                }
            }
            "cosine" => Schedule::Cosine {
                lr_min: lr_min(self)?,
            },
            "warmup-cosine" => {
                let w = self.required(&r.warmup, "warmup", sched, at)?;
                Schedule::WarmupCosine {
                    warmup: self.count(w, "warmup", epochs)?,
                    lr_min: lr_min(self)?,
                }
            }
            "backtracking" => Schedule::Backtracking {
                c: self.fraction(&r.armijo, "armijo", 1e-4)?,
                shrink: self.fraction(&r.shrink, "shrink", 0.5)?,
            },
            "barzilai-borwein" => Schedule::BarzilaiBorwein,
            "adagrad" => Schedule::Adagrad {
                eps: self.positive(&r.eps, "eps", Some(1e-10))?,
            },
            "rmsprop" => Schedule::RmsProp {
                alpha: self.fraction(&r.alpha, "alpha", 0.99)?,
                eps: self.positive(&r.eps, "eps", Some(1e-8))?,
            },
            "adam" => {
                let (beta1, beta2) = match &r.betas {
                    Some(b) => {
                        let v = b.get_ref();
                        if v.len() != 2 {
                            return self.err(
                                b.span().start,
                                format!(
                                    "`betas` has {} numbers, expected two: [beta1, beta2]",
                                    v.len()
                                ),
                            );
                        }
                        for x in v {
                            let y = *x.get_ref();
                            if !(0.0..1.0).contains(&y) {
                                return self.err(
                                    x.span().start,
                                    format!("a beta of {} is outside [0, 1)", exact(y)),
                                );
                            }
                        }
                        (*v[0].get_ref(), *v[1].get_ref())
                    }
                    None => (0.9, 0.999),
                };
                Schedule::Adam {
                    beta1,
                    beta2,
                    eps: self.positive(&r.eps, "eps", Some(1e-8))?,
                }
            }
            "expr" => {
                let f = self.required(&r.rate, "rate", sched, at)?;
                let rate =
                    RateExpr::parse(f.get_ref()).map_err(|e| self.expr_error(f, "rate", e))?;
                Schedule::Expr(rate)
            }
            _ => unreachable!("schedule names were checked against SCHEDULES"),
        })
    }

    fn momentum(&self, r: &RawRun, sched: &str) -> Res<Option<Momentum>> {
        let nesterov = r.nesterov.as_ref().is_some_and(|n| *n.get_ref());
        let Some(m) = &r.momentum else {
            if let Some(n) = &r.nesterov
                && *n.get_ref()
            {
                return self.err(n.span().start, "`nesterov = true` needs `momentum` > 0");
            }
            return Ok(None);
        };
        let beta = *m.get_ref();
        if matches!(sched, "backtracking" | "barzilai-borwein" | "adam") {
            let why = if sched == "adam" {
                "adam keeps its own momentum: set `betas` instead"
            } else {
                "a line-search step is not combined with momentum"
            };
            return self.err(
                m.span().start,
                format!("`momentum` does not apply to schedule `{sched}`: {why}"),
            );
        }
        if !(0.0..1.0).contains(&beta) {
            return self.err(
                m.span().start,
                format!("`momentum` is {}; expected a number in [0, 1)", exact(beta)),
            );
        }
        if beta == 0.0 {
            if nesterov {
                return self.err(m.span().start, "`nesterov = true` needs `momentum` > 0");
            }
            return Ok(None);
        }
        Ok(Some(Momentum { beta, nesterov }))
    }
}
