//! "Explain this step": each run's last update written out as arithmetic
//! with the numbers the run really used (straight from the core's
//! [`Update`] record), in the lessons' notation:
//!
//! ```text
//! fixed · constant · update 13
//!   x_new = x_old − η·f'(x_old)
//!   0.4553 = 0.4608 − 0.01 × 0.2795
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::scroll::{self, Limits, Row};
use super::theme::Theme;
use crate::descent::run::Update;
use crate::descent::schedule::{BbRule, UpdateDetail};
use crate::text::num;
use crate::track::Snapshot;

/// Significant digits in the panel.
const SIG: usize = 4;

fn n(v: f64) -> String {
    num::sig(v, SIG)
}

/// An operand after `−` or `×`: in parentheses when negative, so that two
/// signs never meet (`− (-0.004251)`, not `− -0.004251`).
fn operand(v: f64) -> String {
    if v < 0.0 { format!("({})", n(v)) } else { n(v) }
}

fn list(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| n(*x)).collect();
    if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("({})", parts.join(", "))
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// How η of this update was computed (one or more lines).
fn rate_lines(detail: &UpdateDetail, lr: f64, dim: usize) -> Vec<String> {
    let g = if dim == 1 { "|g|" } else { "‖g‖" };
    match detail {
        UpdateDetail::Plain => vec![format!("η = {} (constant)", n(lr))],
        UpdateDetail::GradientScaled { base, grad_norm } => vec![format!(
            "η = {} × {g} = {} × {} = {}",
            n(*base),
            n(*base),
            n(*grad_norm),
            n(lr)
        )],
        UpdateDetail::Rate {
            base,
            k,
            n: total,
            grad_norm,
        } => vec![format!(
            "η = rate(k = {k}, N = {total}, eta = {}, gnorm = {}) = {}",
            n(*base),
            n(*grad_norm),
            n(lr)
        )],
        UpdateDetail::LinearDecay { base, k, n: total } => {
            vec![format!("η = {} × (1 − {k}/{total}) = {}", n(*base), n(lr))]
        }
        UpdateDetail::Step {
            base,
            gamma,
            exponent,
            ..
        } => vec![format!(
            "η = {} × {}^{exponent} = {}",
            n(*base),
            n(*gamma),
            n(lr)
        )],
        UpdateDetail::Exponential { base, gamma, i, .. } => {
            vec![format!("η = {} × {}^{i} = {}", n(*base), n(*gamma), n(lr))]
        }
        UpdateDetail::InverseTime { base, gamma, i } => vec![format!(
            "η = {} / (1 + {} × {i}) = {}",
            n(*base),
            n(*gamma),
            n(lr)
        )],
        UpdateDetail::Cosine {
            base,
            lr_min,
            i,
            n: total,
            factor,
        } => vec![format!(
            "η = {} + ({} − {}) × (1 + cos(π·{i}/{total}))/2 = {} + {} × {} = {}",
            n(*lr_min),
            n(*base),
            n(*lr_min),
            n(*lr_min),
            n(base - lr_min),
            n(*factor),
            n(lr)
        )],
        UpdateDetail::WarmupCosine {
            base,
            lr_min,
            warmup,
            k,
            n: total,
            warming_up,
            factor,
        } => {
            if *warming_up {
                vec![format!(
                    "warm-up: η = {} × {k}/{warmup} = {}",
                    n(*base),
                    n(lr)
                )]
            } else {
                vec![format!(
                    "cosine: η = {} + ({} − {}) × (1 + cos(π·{}/{}))/2 = {} (factor {})",
                    n(*lr_min),
                    n(*base),
                    n(*lr_min),
                    k - warmup - 1,
                    total - warmup,
                    n(lr),
                    n(*factor)
                )]
            }
        }
        UpdateDetail::Backtracking {
            c,
            grad_sq,
            trials,
            accepted,
            ..
        } => {
            let mut out = vec![format!(
                "Armijo: accept t when f(x − t·g) ≤ f(x) − {}·t·{}",
                n(*c),
                n(*grad_sq)
            )];
            let shown: Vec<String> = trials
                .iter()
                .map(|t| format!("t={} → f={}", n(t.t), n(t.loss)))
                .collect();
            out.push(format!(
                "trials: {}{}",
                shown.join(", "),
                if *accepted {
                    " ✓"
                } else {
                    " (none accepted: no step)"
                }
            ));
            out.push(format!("η = {}", n(lr)));
            out
        }
        UpdateDetail::BarzilaiBorwein {
            s_dot_s,
            s_dot_y,
            rule,
            ..
        } => vec![match rule {
            BbRule::First => format!("first update: η = {}", n(lr)),
            BbRule::Ratio => format!(
                "η = s·s / s·y = {} / {} = {}",
                n(*s_dot_s),
                n(*s_dot_y),
                n(lr)
            ),
            BbRule::Fallback => format!("s·y = {} ≤ 0: fall back to η = {}", n(*s_dot_y), n(lr)),
        }],
        UpdateDetail::Adagrad { base, eps, sum_sq } => vec![
            format!("G = Σg² = {}", list(sum_sq)),
            format!("Δ = {}·g/(√G + {}) per coordinate", n(*base), n(*eps)),
        ],
        UpdateDetail::RmsProp {
            base,
            alpha,
            eps,
            sq_avg,
        } => vec![
            format!(
                "v = {}·v + {}·g² = {}",
                n(*alpha),
                n(1.0 - alpha),
                list(sq_avg)
            ),
            format!("Δ = {}·g/(√v + {}) per coordinate", n(*base), n(*eps)),
        ],
        UpdateDetail::Adam {
            base,
            beta1,
            beta2,
            eps,
            m_hat,
            v_hat,
        } => vec![
            format!(
                "m̂ = {}, v̂ = {}  (β = {}, {})",
                list(m_hat),
                list(v_hat),
                n(*beta1),
                n(*beta2)
            ),
            format!("Δ = {}·m̂/(√v̂ + {}) per coordinate", n(*base), n(*eps)),
        ],
        UpdateDetail::Momentum {
            beta,
            nesterov,
            step,
            buffer,
            inner,
        } => {
            let mut out = rate_lines(inner, f64::NAN, dim)
                .into_iter()
                .filter(|l| !l.contains("= —"))
                .collect::<Vec<_>>();
            out.push(format!("d = {} (the schedule's step)", list(step)));
            out.push(format!("b = {}·b + d = {}", n(*beta), list(buffer)));
            out.push(if *nesterov {
                format!("Δ = d + {}·b (Nesterov)", n(*beta))
            } else {
                "Δ = b".to_string()
            });
            out
        }
    }
}

/// True when the update is exactly `x − η·g`.
fn is_plain_step(detail: &UpdateDetail) -> bool {
    !matches!(
        detail,
        UpdateDetail::Adagrad { .. }
            | UpdateDetail::RmsProp { .. }
            | UpdateDetail::Adam { .. }
            | UpdateDetail::Momentum { .. }
    )
}

/// The base rate η an update used, where its record says.
fn base_of(detail: &UpdateDetail, lr: f64) -> Option<f64> {
    match detail.schedule_part() {
        // With momentum the update's lr is the effective rate, not η.
        UpdateDetail::Plain if matches!(detail, UpdateDetail::Momentum { .. }) => None,
        UpdateDetail::Plain => Some(lr),
        UpdateDetail::GradientScaled { base, .. }
        | UpdateDetail::LinearDecay { base, .. }
        | UpdateDetail::Step { base, .. }
        | UpdateDetail::Exponential { base, .. }
        | UpdateDetail::InverseTime { base, .. }
        | UpdateDetail::Cosine { base, .. }
        | UpdateDetail::WarmupCosine { base, .. }
        | UpdateDetail::Rate { base, .. }
        | UpdateDetail::Backtracking { base, .. }
        | UpdateDetail::BarzilaiBorwein { base, .. }
        | UpdateDetail::Adagrad { base, .. }
        | UpdateDetail::RmsProp { base, .. }
        | UpdateDetail::Adam { base, .. } => Some(*base),
        UpdateDetail::Momentum { .. } => None,
    }
}

/// The lines explaining one run's last update.
pub fn explain(name: &str, schedule: &str, u: &Update, vars: &[String]) -> Vec<String> {
    let dim = vars.len();
    let mut out = vec![format!("{name} · {schedule} · update {}", u.epoch)];
    for l in rate_lines(&u.detail, u.lr, dim) {
        out.push(format!("  {l}"));
    }
    if !u.noise.is_empty() {
        // The step used g = ∇f + ξ (noisy gradients).
        for (i, v) in vars.iter().enumerate() {
            let label = if dim == 1 {
                "g".to_string()
            } else {
                format!("g_{v}")
            };
            out.push(format!(
                "  {label} = ∇f + ξ = {} + {} = {}",
                n(u.grad_f[i]),
                operand(u.noise[i]),
                n(u.grad_old[i])
            ));
        }
    }
    let plain = is_plain_step(&u.detail);
    if plain {
        if dim == 1 {
            out.push(format!("  {v}_new = {v}_old − η·f'({v}_old)", v = vars[0]));
        } else {
            out.push("  new = old − η·∂f/∂(var), per variable".to_string());
        }
    } else {
        out.push("  new = old − Δ, per variable".to_string());
    }
    for (i, v) in vars.iter().enumerate() {
        let label = if dim == 1 {
            String::new()
        } else {
            format!("{v}: ")
        };
        if plain {
            out.push(format!(
                "  {label}{} = {} − {} × {}",
                n(u.x_new[i]),
                n(u.x_old[i]),
                operand(u.lr),
                operand(u.grad_old[i])
            ));
        } else {
            out.push(format!(
                "  {label}{} = {} − {}",
                n(u.x_new[i]),
                n(u.x_old[i]),
                operand(u.x_old[i] - u.x_new[i])
            ));
        }
    }
    out.push(format!(
        "  loss {} → {}   |g| {}",
        n(u.loss_old),
        n(u.loss_new),
        n(norm(&u.grad_old))
    ));
    out
}

/// Draw the panel over `area` from line `offset`; it scrolls when the
/// runs' lines do not fit.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    vars: &[String],
    offset: u16,
    theme: Theme,
) -> Limits {
    let mut rows: Vec<Row> = Vec::new();
    for (i, r) in snap.runs.iter().enumerate() {
        match &r.last_update {
            Some(u) => {
                for (j, l) in explain(&r.name, &r.schedule, u, vars)
                    .into_iter()
                    .enumerate()
                {
                    let style = if j == 0 {
                        theme.run(i).add_modifier(theme.title().add_modifier)
                    } else {
                        Style::new()
                    };
                    rows.push(Row::text(l, style));
                }
                if base_of(&u.detail, u.lr).is_some_and(|b| b != r.base_lr) {
                    rows.push(Row::text(
                        format!(
                            "  η is now {} (changed): from the next update on",
                            n(r.base_lr)
                        ),
                        theme.title(),
                    ));
                }
            }
            None => rows.push(Row::led(
                r.name.clone(),
                theme.run(i),
                " · no update yet (press s)",
            )),
        }
    }
    scroll::render(
        frame,
        area,
        100,
        "explain the last step (s steps, x/Esc closes)",
        &rows,
        offset,
        theme,
    )
}
