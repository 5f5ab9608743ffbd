//! The instrument's knobs: which run is selected, its rate, hiding it,
//! placing the start, stepping back, the charts' x axis, saving. Each is
//! one function of the model, called by [`super::update`], returning the
//! engine commands to send.

use super::Entry;
use super::model::{Model, Overlay};
use crate::engine::Command;

/// Smallest and largest base rate `<` and `>` go to.
pub const LR_LIMITS: (f64, f64) = (1e-12, 1e6);

/// Select the run `delta` rows away in the table (within it).
pub fn select(model: &mut Model, delta: isize) -> Vec<Command> {
    if let Some(e) = model.entries.get_mut(model.current) {
        let n = e.snapshot.as_ref().map_or(0, |s| s.runs.len());
        if n > 0 {
            e.selected = e.selected.saturating_add_signed(delta).min(n - 1);
        }
    }
    vec![]
}

/// Multiply the selected run's base rate by `factor` from its next update
/// on (kept for restarts).
pub fn scale_lr(model: &mut Model, factor: f64) -> Vec<Command> {
    let Some(e) = model.entries.get_mut(model.current) else {
        return vec![];
    };
    let Some(run) = e.snapshot.as_ref().and_then(|s| s.runs.get(e.selected)) else {
        return vec![];
    };
    // From the last rate asked for: keys pressed faster than the engine
    // answers still add up.
    let now = e
        .tweaks
        .lrs
        .get(e.selected)
        .copied()
        .flatten()
        .unwrap_or(run.base_lr);
    let name = run.name.clone();
    let (lo, hi) = LR_LIMITS;
    let lr = (now * factor).clamp(lo, hi);
    if lr == now {
        model.message = Some(format!(
            "the lr of `{name}` stays {now}: rates go from {lo} to {hi}"
        ));
        return vec![];
    }
    let i = e.selected;
    if e.tweaks.lrs.len() <= i {
        e.tweaks.lrs.resize(i + 1, None);
    }
    e.tweaks.lrs[i] = Some(lr);
    model.message = Some(format!("lr of `{name}`: {now} → {lr}, from the next epoch"));
    vec![Command::SetLr {
        id: e.id,
        generation: e.generation,
        run: i,
        lr,
    }]
}

/// Hide the selected run from the charts and the map, or show it again.
pub fn toggle_hidden(model: &mut Model) -> Vec<Command> {
    if let Some(e) = model.entries.get_mut(model.current) {
        let i = e.selected;
        if e.hidden.len() <= i {
            e.hidden.resize(i + 1, false);
        }
        e.hidden[i] = !e.hidden[i];
    }
    vec![]
}

/// Open the crosshair at the selected run's start.
pub fn start_placing(model: &mut Model) -> Vec<Command> {
    let Some(e) = model.entry() else {
        return vec![];
    };
    let at = match (&e.scenario, e.snapshot.as_ref()) {
        (Ok(_), Some(s)) => s.runs.get(e.selected).map(|r| r.start.clone()),
        _ => None,
    };
    if let Some(at) = at {
        model.overlay = Overlay::Place { at };
        // The footer shows the crosshair's keys.
        model.message = None;
    }
    vec![]
}

/// Move the crosshair by `dx`, `dy` steps of a 50th of the domain, within it.
pub fn move_place(model: &mut Model, dx: i32, dy: i32) -> Vec<Command> {
    let Some(Ok(sc)) = model.entry().map(|e| &e.scenario) else {
        return vec![];
    };
    let domain = sc.domain.clone();
    if let Overlay::Place { at } = &mut model.overlay {
        for ((x, d), (lo, hi)) in at.iter_mut().zip([dx, dy]).zip(domain) {
            *x = (*x + f64::from(d) * (hi - lo) / 50.0).clamp(lo, hi);
        }
    }
    vec![]
}

/// Restart every run of the scenario on screen from `at` (kept for later
/// restarts).
pub fn place_at(model: &mut Model, at: Vec<f64>) -> Vec<Command> {
    model.overlay = Overlay::None;
    let Some(e) = model.entries.get_mut(model.current) else {
        return vec![];
    };
    let Ok(sc) = &e.scenario else {
        return vec![];
    };
    // A click on the map names two coordinates: the others stay where the
    // selected run started.
    let rest = e
        .snapshot
        .as_ref()
        .and_then(|s| s.runs.get(e.selected))
        .map(|r| r.start.clone())
        .unwrap_or_else(|| sc.domain.iter().map(|(a, b)| (a + b) / 2.0).collect());
    let at: Vec<f64> = (0..sc.dim())
        .map(|d| at.get(d).or(rest.get(d)).copied().unwrap_or(0.0))
        .zip(&sc.domain)
        .map(|(x, (lo, hi))| {
            if x.is_finite() {
                x.clamp(*lo, *hi)
            } else {
                *lo
            }
        })
        .collect();
    model.message = Some(format!("every run restarts at {}", point(&sc.vars, &at)));
    e.tweaks.start = Some(at);
    restart(e);
    super::activate(model)
}

/// A new race of `e` (it runs).
pub fn restart(e: &mut Entry) {
    e.generation += 1;
    e.snapshot = None;
    e.paused = false;
    e.rate.reset();
}

/// `(x, y) = (0.5, -1)`.
fn point(vars: &[String], p: &[f64]) -> String {
    let vals: Vec<String> = p.iter().map(|v| crate::text::num::sig(*v, 4)).collect();
    if vars.len() == 1 {
        format!("{} = {}", vars[0], vals[0])
    } else {
        format!("({}) = ({})", vars.join(", "), vals.join(", "))
    }
}

/// One epoch back (pausing first): the race replayed, exact to the bit.
pub fn step_back(model: &mut Model) -> Vec<Command> {
    let Some(e) = model.entries.get_mut(model.current) else {
        return vec![];
    };
    if e.scenario.is_err() {
        return vec![];
    }
    if e.snapshot.as_ref().is_some_and(|s| s.epoch == 0) {
        model.message = Some("this is the start: nothing before epoch 0".into());
        return vec![];
    }
    let mut out = Vec::new();
    if !e.paused {
        e.paused = true;
        e.rate.reset();
        out.push(Command::SetPaused(true));
    }
    out.push(Command::StepBack {
        id: e.id,
        generation: e.generation,
    });
    out
}

/// Save the scenario as it stands (`S`).
pub fn save(model: &mut Model) -> Vec<Command> {
    let Some(dir) = model.export_dir.clone() else {
        model.message = Some("saving is disabled here".into());
        return vec![];
    };
    match model.entry() {
        Some(e) if e.scenario.is_ok() => {
            let cmd = Command::Save {
                id: e.id,
                generation: e.generation,
                dir,
            };
            model.message = Some("saving…".into());
            vec![cmd]
        }
        _ => vec![],
    }
}
