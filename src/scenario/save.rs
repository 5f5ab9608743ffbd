//! A [`Scenario`] written back as a scenario file: loading the text gives
//! the same races (every number written in shortest round-trip form).
//!
//! What is written: every key the loader would fill in, explicitly — the
//! schedule parameters with their defaults, each run's noise — so the file
//! reads the same whichever defaults a later version has.

use super::{Scenario, Start, SweepAxis};
use crate::descent::schedule::Schedule;

/// A float as TOML reads it back to the same bits (`0.1`, `1e-10`, `2.0`).
fn num(v: f64) -> String {
    format!("{v:?}")
}

/// A TOML basic string, escaped.
fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `{ x = 1.0, y = -2.0 }` over the scenario's variables.
fn point(vars: &[String], p: &[f64]) -> String {
    let parts: Vec<String> = vars
        .iter()
        .zip(p)
        .map(|(v, x)| format!("{v} = {}", num(*x)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// `{ x = [-2.0, 2.0], … }`.
fn ranges(vars: &[String], r: &[(f64, f64)]) -> String {
    let parts: Vec<String> = vars
        .iter()
        .zip(r)
        .map(|(v, (a, b))| format!("{v} = [{}, {}]", num(*a), num(*b)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn axis(a: &SweepAxis) -> String {
    format!(
        "{{ param = {}, from = {}, to = {}, steps = {}, log = {} }}",
        string(&a.name),
        num(a.from),
        num(a.to),
        a.steps,
        a.log
    )
}

/// The schedule's parameters as `key = value` lines.
fn schedule_keys(s: &Schedule) -> Vec<String> {
    match s {
        Schedule::Constant
        | Schedule::GradientScaled
        | Schedule::LinearDecay
        | Schedule::BarzilaiBorwein => vec![],
        Schedule::Step { step_size, gamma } => {
            vec![
                format!("step_size = {step_size}"),
                format!("gamma = {}", num(*gamma)),
            ]
        }
        Schedule::Exponential { gamma } | Schedule::InverseTime { gamma } => {
            vec![format!("gamma = {}", num(*gamma))]
        }
        Schedule::Cosine { lr_min } => vec![format!("lr_min = {}", num(*lr_min))],
        Schedule::WarmupCosine { warmup, lr_min } => {
            vec![
                format!("warmup = {warmup}"),
                format!("lr_min = {}", num(*lr_min)),
            ]
        }
        Schedule::Backtracking { c, shrink } => {
            vec![
                format!("armijo = {}", num(*c)),
                format!("shrink = {}", num(*shrink)),
            ]
        }
        Schedule::Adagrad { eps } => vec![format!("eps = {}", num(*eps))],
        Schedule::RmsProp { alpha, eps } => {
            vec![
                format!("alpha = {}", num(*alpha)),
                format!("eps = {}", num(*eps)),
            ]
        }
        Schedule::Adam { beta1, beta2, eps } => vec![
            format!("betas = [{}, {}]", num(*beta1), num(*beta2)),
            format!("eps = {}", num(*eps)),
        ],
        Schedule::Expr(rate) => vec![format!("rate = {}", string(rate.source()))],
    }
}

/// The scenario as the text of a scenario file. `note` (if any) is written
/// as comment lines at the top.
pub fn to_toml(sc: &Scenario, note: &[String]) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    for n in note {
        line(format!("# {n}"));
    }
    line(format!("title = {}", string(&sc.title)));
    if let Some(a) = &sc.about {
        line(format!("about = {}", string(a)));
    }
    line(String::new());
    line("[objective]".into());
    line(format!("f = {}", string(&sc.f)));
    line(format!("domain = {}", ranges(&sc.vars, &sc.domain)));
    if let Some(m) = &sc.minimum {
        line(format!("minimum = {}", point(&sc.vars, m)));
    }
    line(String::new());
    line("[descent]".into());
    line(format!("epochs = {}", sc.epochs));
    match &sc.start {
        Start::Point(p) => line(format!("start = {}", point(&sc.vars, p))),
        Start::Random => {
            line("start = \"random\"".into());
            if sc.start_range != sc.domain {
                line(format!(
                    "start_range = {}",
                    ranges(&sc.vars, &sc.start_range)
                ));
            }
        }
    }
    line(format!("seed = {}", sc.seed));
    if let Some(t) = sc.tolerance {
        line(format!("tolerance = {}", num(t)));
    }
    line(format!("bound = {}", num(sc.bound)));
    if let Some(n) = sc.starts {
        line(format!("starts = {n}"));
    }
    for r in &sc.runs {
        line(String::new());
        line("[[run]]".into());
        line(format!("name = {}", string(&r.name)));
        line(format!("schedule = {}", string(r.schedule.name())));
        line(format!("lr = {}", num(r.lr)));
        for k in schedule_keys(&r.schedule) {
            line(k);
        }
        if let Some(m) = r.momentum {
            line(format!("momentum = {}", num(m.beta)));
            if m.nesterov {
                line("nesterov = true".into());
            }
        }
        if let Some(p) = &r.start {
            line(format!("start = {}", point(&sc.vars, p)));
        }
        if r.noise > 0.0 {
            line(format!("noise = {}", num(r.noise)));
        }
    }
    if let Some(sw) = &sc.sweep {
        line(String::new());
        line("[sweep]".into());
        if let Some(r) = sc.runs.get(sw.run) {
            line(format!("run = {}", string(&r.name)));
        }
        for (key, a) in ["x_axis", "y_axis"].iter().zip(&sw.axes) {
            line(format!("{key} = {}", axis(a)));
        }
    }
    out
}
