//! `update`: the one place the model changes.

use std::sync::Arc;

use super::model::{Model, Overlay};
use crate::engine::{Command, Snapshot};

/// Everything that can happen to the dashboard.
#[derive(Debug, Clone)]
pub enum Action {
    TogglePause,
    /// One epoch for every run (pausing first if running).
    Step,
    /// Restart the scenario on screen (a new random start where it has one).
    Restart,
    Next,
    Prev,
    /// Jump to the scenario at this index.
    Jump(usize),
    Faster,
    Slower,
    ToggleLog,
    /// The landscape full-screen, or back.
    ToggleMap,
    /// The table: the runs, or where every start ended (basins).
    ToggleBasins,
    ToggleHelp,
    /// Cycle the lower chart.
    CycleChart,
    /// Open (pausing) or close the "explain this step" panel.
    ToggleExplain,
    OpenPicker,
    /// A character typed into the picker's filter.
    Filter(char),
    FilterBackspace,
    Up,
    Down,
    Confirm,
    /// Close whatever overlay is open.
    Close,
    Quit,
    /// A picture of a race from the engine.
    Snapshot(Arc<Snapshot>),
    /// The engine stopped with this error.
    EngineFailed(String),
}

/// Apply `action` to `model`; return the commands for the engine.
pub fn update(model: &mut Model, action: Action) -> Vec<Command> {
    match action {
        Action::TogglePause => {
            model.paused = !model.paused;
            vec![Command::SetPaused(model.paused)]
        }
        Action::Step => {
            let mut out = Vec::new();
            if !model.paused {
                model.paused = true;
                out.push(Command::SetPaused(true));
            }
            if let Some(e) = model.entry()
                && e.scenario.is_ok()
            {
                out.push(Command::Step {
                    id: model.current,
                    generation: e.generation,
                });
            }
            out
        }
        Action::Restart => {
            let Some(e) = model.entries.get_mut(model.current) else {
                return vec![];
            };
            if e.scenario.is_err() {
                return vec![];
            }
            e.generation += 1;
            e.snapshot = None;
            activate(model)
        }
        Action::Next => switch(model, model.current as isize + 1),
        Action::Prev => switch(model, model.current as isize - 1),
        Action::Jump(i) if i < model.entries.len() => switch(model, i as isize),
        Action::Jump(_) => vec![],
        Action::Faster | Action::Slower => {
            let id = model.current;
            let Some(e) = model.entries.get_mut(id) else {
                return vec![];
            };
            e.pace = if matches!(action, Action::Faster) {
                e.pace.faster()
            } else {
                e.pace.slower()
            };
            vec![Command::SetPace { id, pace: e.pace }]
        }
        Action::ToggleLog => {
            model.log_scale = !model.log_scale;
            vec![]
        }
        Action::ToggleMap => {
            model.map_full = !model.map_full;
            vec![]
        }
        Action::ToggleBasins => {
            model.show_basins = !model.show_basins;
            vec![]
        }
        Action::CycleChart => {
            model.lower = model.lower.next();
            vec![]
        }
        Action::ToggleExplain => {
            if model.overlay == Overlay::Explain {
                model.overlay = Overlay::None;
                return vec![];
            }
            model.overlay = Overlay::Explain;
            if model.paused {
                vec![]
            } else {
                model.paused = true;
                vec![Command::SetPaused(true)]
            }
        }
        Action::ToggleHelp => {
            model.overlay = if model.overlay == Overlay::Help {
                Overlay::None
            } else {
                Overlay::Help
            };
            vec![]
        }
        Action::OpenPicker => {
            model.overlay = Overlay::Picker {
                filter: String::new(),
                selected: model.current,
            };
            vec![]
        }
        Action::Filter(c) => {
            if let Overlay::Picker { filter, .. } = &mut model.overlay {
                filter.push(c);
            }
            fix_selection(model);
            vec![]
        }
        Action::FilterBackspace => {
            if let Overlay::Picker { filter, .. } = &mut model.overlay {
                filter.pop();
            }
            fix_selection(model);
            vec![]
        }
        Action::Up | Action::Down => {
            let Overlay::Picker { filter, selected } = &model.overlay else {
                return vec![];
            };
            let shown = model.filtered(filter);
            if let Some(pos) = shown.iter().position(|i| i == selected) {
                let next = if matches!(action, Action::Up) {
                    pos.saturating_sub(1)
                } else {
                    (pos + 1).min(shown.len() - 1)
                };
                let new = shown[next];
                if let Overlay::Picker { selected, .. } = &mut model.overlay {
                    *selected = new;
                }
            }
            vec![]
        }
        Action::Confirm => {
            let Overlay::Picker { filter, selected } = &model.overlay else {
                return vec![];
            };
            let target = model
                .filtered(filter)
                .contains(selected)
                .then_some(*selected);
            model.overlay = Overlay::None;
            match target {
                Some(i) => switch(model, i as isize),
                None => vec![],
            }
        }
        Action::Close => {
            model.overlay = Overlay::None;
            vec![]
        }
        Action::Quit => {
            model.quit = true;
            vec![Command::Shutdown]
        }
        Action::Snapshot(s) => {
            if let Some(e) = model.entries.get_mut(s.scenario)
                && e.generation == s.generation
            {
                e.snapshot = Some(s);
            }
            vec![]
        }
        Action::EngineFailed(msg) => {
            model.message = Some(format!("engine stopped: {msg}"));
            vec![]
        }
    }
}

/// The commands that make the current scenario the engine's active one.
pub fn activate(model: &Model) -> Vec<Command> {
    match model.entry() {
        Some(e) => match &e.scenario {
            Ok(s) => vec![Command::Activate {
                id: model.current,
                generation: e.generation,
                scenario: s.clone(),
                pace: e.pace,
            }],
            Err(_) => vec![Command::Idle],
        },
        None => vec![],
    }
}

/// Show entry `to` (wrapping around the list).
fn switch(model: &mut Model, to: isize) -> Vec<Command> {
    let n = model.entries.len() as isize;
    if n == 0 {
        return vec![];
    }
    model.current = to.rem_euclid(n) as usize;
    activate(model)
}

/// Keep the picker's selection on a visible entry.
fn fix_selection(model: &mut Model) {
    if let Overlay::Picker { filter, selected } = &model.overlay {
        let shown = model.filtered(filter);
        if !shown.contains(selected)
            && let Some(&first) = shown.first()
            && let Overlay::Picker { selected, .. } = &mut model.overlay
        {
            *selected = first;
        }
    }
}
