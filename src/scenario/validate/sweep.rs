//! The `[sweep]` table.

use super::{Res, Validator};
use crate::descent::schedule::Schedule;
use crate::scenario::raw::{RawAxis, RawSweep};
use crate::scenario::{
    MAX_EPOCHS, MAX_POINTS, MAX_STEPS, RunConfig, SweepAxis, SweepParam, SweepSpec, suggest,
};
use crate::text::clean_text;
use crate::text::num::exact;

/// The `[sweep]` table. A swept start may lie outside the domain.
impl Validator<'_> {
    pub(super) fn sweep(
        &self,
        raw: &RawSweep,
        names: &[&str],
        runs: &[RunConfig],
    ) -> Res<SweepSpec> {
        let run = match &raw.run {
            None => 0,
            Some(r) => {
                let want = clean_text(r.get_ref());
                match runs.iter().position(|c| c.name == want) {
                    Some(i) => i,
                    None => {
                        let all: Vec<&str> = runs.iter().map(|c| c.name.as_str()).collect();
                        let hint = suggest(&want, &all)
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        return self.err(
                            r.span().start,
                            format!(
                                "`sweep.run` names `{want}`, which is not a run{hint}; the runs are: {}",
                                all.join(", ")
                            ),
                        );
                    }
                }
            }
        };
        let cfg = &runs[run];
        let mut axes = vec![self.sweep_axis(raw.x_axis.get_ref(), "x_axis", names, cfg)?];
        if let Some(y) = &raw.y_axis {
            let axis = self.sweep_axis(y.get_ref(), "y_axis", names, cfg)?;
            if axis.param == axes[0].param {
                return self.err(
                    y.get_ref().param.span().start,
                    format!(
                        "`y_axis` varies `{}` like `x_axis` does; sweep two different parameters",
                        axis.name
                    ),
                );
            }
            let points = axes[0].steps * axis.steps;
            if points > MAX_POINTS {
                return self.err(
                    y.get_ref().steps.span().start,
                    format!(
                        "the sweep has {points} points ({} × {}); at most {} are allowed",
                        axes[0].steps, axis.steps, MAX_POINTS
                    ),
                );
            }
            axes.push(axis);
        }
        Ok(SweepSpec { run, axes })
    }

    fn sweep_axis(
        &self,
        a: &RawAxis,
        which: &str,
        names: &[&str],
        run: &RunConfig,
    ) -> Res<SweepAxis> {
        let name = a.param.get_ref().trim().to_string();
        let param_at = a.param.span().start;
        let param = match name.as_str() {
            "lr" => SweepParam::Lr,
            "epochs" => SweepParam::Epochs,
            _ => match name.strip_prefix("start.") {
                Some(var) => match names.iter().position(|n| *n == var) {
                    Some(i) => SweepParam::Start(i),
                    None => {
                        return self.err(
                            param_at,
                            format!(
                                "`{which}.param` is `{name}`, but `{var}` is not a variable; the variables are: {}",
                                names.join(", ")
                            ),
                        );
                    }
                },
                None => {
                    let mut options: Vec<String> =
                        names.iter().map(|n| format!("start.{n}")).collect();
                    options.extend(["lr".into(), "epochs".into()]);
                    let refs: Vec<&str> = options.iter().map(String::as_str).collect();
                    let hint = suggest(&name, &refs)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    return self.err(
                        param_at,
                        format!(
                            "unknown sweep parameter `{name}`{hint}; expected one of: {}",
                            options.join(", ")
                        ),
                    );
                }
            },
        };
        let steps = *a.steps.get_ref();
        let max = MAX_STEPS;
        if steps < 1 || steps as u64 > max as u64 {
            return self.err(
                a.steps.span().start,
                format!("`{which}.steps` is {steps}; expected a whole number from 1 to {max}"),
            );
        }
        let ends = [("from", &a.from), ("to", &a.to)];
        for (key, v) in ends {
            let x = *v.get_ref();
            if !x.is_finite() {
                return self.err(
                    v.span().start,
                    format!("`{which}.{key}` is {}; expected a finite number", exact(x)),
                );
            }
        }
        let log = a.log.as_ref().is_some_and(|l| *l.get_ref());
        for (key, v) in ends {
            let x = *v.get_ref();
            let at = v.span().start;
            if log && x <= 0.0 {
                return self.err(
                    at,
                    format!(
                        "`{which}.{key}` is {}; `log = true` needs both ends above 0",
                        exact(x)
                    ),
                );
            }
            match param {
                SweepParam::Lr if x <= 0.0 => {
                    return self.err(
                        at,
                        format!(
                            "`{which}.{key}` is {}; a swept `lr` must be above 0",
                            exact(x)
                        ),
                    );
                }
                SweepParam::Lr => {
                    let lr_min = match run.schedule {
                        Schedule::Cosine { lr_min } | Schedule::WarmupCosine { lr_min, .. } => {
                            lr_min
                        }
                        _ => 0.0,
                    };
                    if x <= lr_min {
                        return self.err(
                            at,
                            format!(
                                "`{which}.{key}` is {}; a swept `lr` must be above the run's `lr_min` ({})",
                                exact(x),
                                exact(lr_min)
                            ),
                        );
                    }
                }
                SweepParam::Epochs if !(x.round() >= 1.0 && x.round() <= MAX_EPOCHS as f64) => {
                    return self.err(
                        at,
                        format!(
                            "`{which}.{key}` is {}; swept `epochs` run from 1 to {MAX_EPOCHS} (rounded to whole numbers)",
                            exact(x)
                        ),
                    );
                }
                _ => {}
            }
        }
        Ok(SweepAxis {
            param,
            name,
            from: *a.from.get_ref(),
            to: *a.to.get_ref(),
            steps: steps as usize,
            log,
        })
    }
}
