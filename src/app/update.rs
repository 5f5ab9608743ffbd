//! `update`: the one place the model changes.

use std::sync::Arc;
use std::time::Instant;

use super::class::{self, Role};
use super::model::{Model, Overlay, Scroll, ScrollMove, SweepState};
use super::{Entry, explore};
use crate::engine::{Command, Pace};
use crate::sweep::{PointResult, SweepGrid};
use crate::track::Snapshot;

/// Everything that can happen to the dashboard.
#[derive(Debug, Clone)]
pub enum Action {
    /// Pause or resume the scenario on screen (a finished one says so
    /// instead).
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
    /// Open or close the details view (everything about the scenario, whole).
    ToggleDetails,
    /// Scroll the open help, explain or details view.
    Scroll(ScrollMove),
    /// The scrolling view was drawn: how far it can scroll, and a page.
    ScrollLimit {
        max: u16,
        page: u16,
    },
    /// Cycle the lower chart.
    CycleChart,
    /// Open (pausing) or close the "explain this step" panel.
    ToggleExplain,
    /// Open the sweep view (starting the sweep the first time).
    OpenSweep,
    /// Move the sweep cursor by (dx, dy) grid steps.
    SweepCursor(i64, i64),
    /// Export the scenario on screen (CSV + JSON).
    Export,
    /// An export finished: the paths written, or why it failed.
    Exported(Result<(std::path::PathBuf, std::path::PathBuf), String>),
    /// A save finished: the file written, or why it failed.
    Saved(Result<std::path::PathBuf, String>),
    /// The scenario files were read again: merge the new list.
    Reload(Vec<Entry>),
    /// Computed sweep points from the engine.
    SweepResults {
        id: usize,
        generation: u64,
        results: Arc<Vec<(usize, PointResult)>>,
    },
    OpenPicker,
    /// A character typed into the picker's filter.
    Filter(char),
    FilterBackspace,
    Up,
    Down,
    Confirm,
    /// Close what is open: an overlay, else the full-screen map, else the
    /// message. Never quits.
    Close,
    Quit,
    /// Select the run this many rows down (up when negative).
    SelectRun(isize),
    /// Multiply the selected run's base rate (`<` halves, `>` doubles).
    ScaleLr(f64),
    /// Hide the selected run from the charts and the map, or show it.
    ToggleHidden,
    /// Open the crosshair to place the start (`p`).
    StartPlacing,
    /// Move the crosshair by steps of a 50th of the domain (x, y).
    MovePlace(i32, i32),
    /// Restart every run from this point (a click on the landscape).
    PlaceAt(Vec<f64>),
    /// One epoch back (pausing first).
    StepBack,
    /// What the charts' x axis counts: epochs · f · ∇f evaluations.
    CycleAxis,
    /// Save the scenario as it stands (rates, placed start) as a file.
    Save,
    /// A student: go off on your own, or catch up with the teacher (`f`).
    ToggleFollow,
    /// The teacher: where the students on their own are (`C`).
    ToggleClass,
    /// The teacher's dashboard as it now is (to mirror, or to hint at).
    Lesson(Arc<super::class::Lesson>),
    /// The teacher: the students on their own, and how many follow.
    ClassDots {
        dots: Arc<Vec<super::class::StudentDot>>,
        following: usize,
    },
    /// A picture of a race from the engine, and when it arrived (for the
    /// measured rate).
    Snapshot(Arc<Snapshot>, Instant),
    /// The engine stopped with this error.
    EngineFailed(String),
}

/// What `space` and `s` say on a finished scenario.
const DONE: &str = "this scenario is done; r restarts it";

/// Longest picker filter, in characters; more typing is ignored.
pub const MAX_FILTER: usize = 64;

/// Apply `action` to `model`; return the commands for the engine.
pub fn update(model: &mut Model, action: Action) -> Vec<Command> {
    let role = model.class.role;
    if !role.permits(&action) {
        model.message = Some(match role {
            Role::Spectator => "watching: only ? (help) and q (quit) here".into(),
            _ => "following the teacher: f to go off on your own".into(),
        });
        return vec![];
    }
    match action {
        Action::TogglePause => {
            let Some(e) = model.entries.get_mut(model.current) else {
                return vec![];
            };
            if e.scenario.is_err() {
                return vec![];
            }
            if e.snapshot.as_ref().is_some_and(|s| s.done) {
                model.message = Some(DONE.into());
                return vec![];
            }
            e.paused = !e.paused;
            e.rate.reset();
            vec![Command::SetPaused(e.paused)]
        }
        Action::Step => {
            let Some(e) = model.entries.get_mut(model.current) else {
                return vec![];
            };
            if e.snapshot.as_ref().is_some_and(|s| s.done) {
                model.message = Some(DONE.into());
                return vec![];
            }
            let mut out = pause(e);
            if e.scenario.is_ok() {
                out.push(Command::Step {
                    id: e.id,
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
            // A restart runs: paused or done before, the new race goes,
            // with the rates and the start the dashboard set.
            explore::restart(e);
            activate(model)
        }
        Action::Next => switch(model, model.current as isize + 1),
        Action::Prev => switch(model, model.current as isize - 1),
        Action::Jump(i) if i < model.entries.len() => switch(model, i as isize),
        Action::Jump(_) => vec![],
        Action::Faster | Action::Slower => {
            let Some(e) = model.entries.get_mut(model.current) else {
                return vec![];
            };
            e.pace = if matches!(action, Action::Faster) {
                e.pace.faster()
            } else {
                e.pace.slower()
            };
            e.rate.reset();
            vec![Command::SetPace {
                id: e.id,
                pace: e.pace,
            }]
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
            // A follower's race is the teacher's: explain does not pause it.
            if !toggle(model, Overlay::Explain) || role.mirrors() {
                return vec![];
            }
            match model.entries.get_mut(model.current) {
                Some(e) => pause(e),
                None => vec![],
            }
        }
        Action::ToggleHelp => {
            toggle(model, Overlay::Help);
            vec![]
        }
        Action::ToggleDetails => {
            toggle(model, Overlay::Details);
            vec![]
        }
        Action::Scroll(m) => {
            model.scroll.apply(m);
            vec![]
        }
        Action::ScrollLimit { max, page } => {
            model.scroll.max = max;
            model.scroll.page = page;
            model.scroll.offset = model.scroll.offset.min(max);
            vec![]
        }
        Action::OpenSweep => {
            let Some(e) = model.entries.get_mut(model.current) else {
                return vec![];
            };
            let id = e.id;
            let Ok(sc) = &e.scenario else {
                return vec![];
            };
            let Ok(grid) = SweepGrid::new(sc) else {
                model.message = Some("this scenario has no [sweep] table".into());
                return vec![];
            };
            model.message = None;
            model.overlay = Overlay::Sweep;
            if e.sweep
                .as_ref()
                .is_some_and(|s| s.generation == e.generation)
            {
                return vec![];
            }
            e.sweep = Some(SweepState::new(e.generation, grid));
            vec![Command::Sweep {
                id,
                generation: e.generation,
                scenario: sc.clone(),
            }]
        }
        Action::SweepCursor(dx, dy) => {
            if let Some(s) = model
                .entries
                .get_mut(model.current)
                .and_then(|e| e.sweep.as_mut())
            {
                s.move_cursor(dx, dy);
            }
            vec![]
        }
        Action::SweepResults {
            id,
            generation,
            results,
        } => {
            if let Some(s) = model.entry_by_id(id).and_then(|e| e.sweep.as_mut())
                && s.generation == generation
            {
                s.grid.fill(results.iter().cloned());
            }
            vec![]
        }
        Action::Export => {
            let Some(dir) = model.export_dir.clone() else {
                model.message = Some("exporting is disabled here".into());
                return vec![];
            };
            match model.entry() {
                Some(e) if e.scenario.is_ok() => {
                    let cmd = Command::Export {
                        id: e.id,
                        generation: e.generation,
                        dir,
                    };
                    model.message = Some("exporting…".into());
                    vec![cmd]
                }
                _ => vec![],
            }
        }
        Action::Exported(result) => {
            model.message = Some(match result {
                Ok((csv, json)) => format!("exported {} and {}", csv.display(), json.display()),
                Err(e) => format!("export failed: {e}"),
            });
            vec![]
        }
        Action::Saved(result) => {
            model.message = Some(match result {
                Ok(path) => format!("saved {}", path.display()),
                Err(e) => format!("save failed: {e}"),
            });
            vec![]
        }
        Action::Reload(fresh) => reload(model, fresh),
        Action::OpenPicker => {
            model.overlay = Overlay::Picker {
                filter: String::new(),
                selected: model.current,
            };
            vec![]
        }
        Action::Filter(c) => {
            // A name is a few dozen characters: a longer filter matches
            // nothing, and would make every key cost more.
            if let Overlay::Picker { filter, .. } = &mut model.overlay
                && filter.chars().count() < MAX_FILTER
                && !c.is_control()
            {
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
        Action::SelectRun(d) => explore::select(model, d),
        Action::ScaleLr(f) => explore::scale_lr(model, f),
        Action::ToggleHidden => explore::toggle_hidden(model),
        Action::StartPlacing => explore::start_placing(model),
        Action::MovePlace(dx, dy) => explore::move_place(model, dx, dy),
        Action::PlaceAt(at) => explore::place_at(model, at),
        Action::StepBack => explore::step_back(model),
        Action::CycleAxis => {
            model.x_axis = model.x_axis.next();
            vec![]
        }
        Action::Save => explore::save(model),
        Action::ToggleFollow => class::toggle_follow(model),
        Action::ToggleClass => class::toggle_view(model),
        Action::Lesson(l) => class::lesson(model, l),
        Action::ClassDots { dots, following } => class::dots(model, dots, following),
        Action::Confirm => {
            if let Overlay::Place { at } = &model.overlay {
                let at = at.clone();
                return explore::place_at(model, at);
            }
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
            if model.overlay != Overlay::None {
                model.overlay = Overlay::None;
            } else if model.map_full {
                model.map_full = false;
            } else {
                model.message = None;
            }
            vec![]
        }
        Action::Quit => {
            model.quit = true;
            vec![Command::Shutdown]
        }
        Action::Snapshot(s, at) => {
            if let Some(e) = model.entry_by_id(s.scenario)
                && e.generation == s.generation
            {
                if e.pace == Pace::Max && !e.paused && !s.done {
                    e.rate.sample(at, s.epoch, s.generation);
                }
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

/// Pause `e` if it runs: the command for the engine, if any.
fn pause(e: &mut Entry) -> Vec<Command> {
    if e.paused {
        return vec![];
    }
    e.paused = true;
    e.rate.reset();
    vec![Command::SetPaused(true)]
}

/// Open `overlay` (at its top), or close it when it is the one open;
/// true when it opened.
fn toggle(model: &mut Model, overlay: Overlay) -> bool {
    if model.overlay == overlay {
        model.overlay = Overlay::None;
        return false;
    }
    model.overlay = overlay;
    model.scroll = Scroll::default();
    true
}

/// The commands that make the current scenario the engine's active one,
/// paused or running as that scenario was left (the pause first, so not
/// one epoch slips through).
pub fn activate(model: &Model) -> Vec<Command> {
    match model.entry() {
        Some(e) => match e.effective() {
            Some(s) => vec![
                Command::SetPaused(e.paused),
                Command::Activate {
                    id: e.id,
                    generation: e.generation,
                    scenario: s,
                    pace: e.pace,
                },
            ],
            None => vec![Command::Idle],
        },
        None => vec![],
    }
}

/// Merge a freshly read list of scenario files into the model: unchanged
/// files keep their races; changed ones restart on the new version; a
/// broken save keeps the last good version running and shows its error;
/// new files are added, deleted ones dropped (and forgotten by the engine).
/// Like `r`, a reload restarts running.
fn reload(model: &mut Model, fresh: Vec<Entry>) -> Vec<Command> {
    let current_id = model.entry().map(|e| e.id);
    let mut old = std::mem::take(&mut model.entries);
    let mut changed = Vec::new();
    let mut merged = Vec::with_capacity(fresh.len());
    for mut n in fresh {
        let Some(i) = old.iter().position(|o| o.label == n.label) else {
            n.id = model.next_id;
            model.next_id += 1;
            merged.push(n);
            continue;
        };
        let mut o = old.remove(i);
        if n.modified != o.modified || n.scenario.is_ok() != o.scenario.is_ok() {
            o.modified = n.modified;
            match (n.scenario, o.scenario.is_ok()) {
                (Ok(sc), _) => {
                    o.pace = Pace::default_for(sc.epochs);
                    o.scenario = Ok(sc);
                    o.generation += 1;
                    o.snapshot = None;
                    o.sweep = None;
                    o.reload_error = None;
                    o.paused = false;
                    o.rate.reset();
                    // Another file: what the dashboard changed was for the old one.
                    o.tweaks = Default::default();
                    o.hidden.clear();
                    o.selected = 0;
                    changed.push(o.id);
                }
                (Err(e), true) => o.reload_error = Some(e),
                (Err(e), false) => o.scenario = Err(e),
            }
        }
        merged.push(o);
    }
    let mut cmds: Vec<Command> = old.iter().map(|g| Command::Forget { id: g.id }).collect();
    model.entries = merged;
    let still_here = current_id.and_then(|id| model.entries.iter().position(|e| e.id == id));
    model.current = still_here.unwrap_or(0);
    if still_here.is_none() || current_id.is_some_and(|id| changed.contains(&id)) {
        if model.entries.is_empty() {
            cmds.push(Command::Idle);
        } else {
            cmds.extend(activate(model));
        }
    }
    cmds
}

/// Show entry `to` (wrapping around the list).
fn switch(model: &mut Model, to: isize) -> Vec<Command> {
    let n = model.entries.len() as isize;
    if n == 0 {
        return vec![];
    }
    model.current = to.rem_euclid(n) as usize;
    let explaining = model.overlay == Overlay::Explain;
    if let Some(e) = model.entries.get_mut(model.current) {
        e.rate.reset();
        // Explain shows a still step: the scenario it turns to pauses too.
        if explaining && e.scenario.is_ok() {
            e.paused = true;
        }
    }
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
