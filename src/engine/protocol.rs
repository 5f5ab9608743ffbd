//! The engine's protocol: [`Command`]s from the model, [`Event`]s back.
//! Every command and snapshot names the scenario id and its generation, so a
//! late snapshot from before a restart is recognised and dropped.

use std::sync::Arc;

use super::Pace;
use crate::scenario::Scenario;
use crate::sweep::PointResult;
use crate::track::Snapshot;

/// Commands from the model to the engine.
#[derive(Debug, Clone)]
pub enum Command {
    /// Make scenario `id` the one that advances. A slot is created on first
    /// sight, or rebuilt when `generation` differs from the one it has.
    Activate {
        id: usize,
        generation: u64,
        scenario: Arc<Scenario>,
        pace: Pace,
    },
    /// Like `Activate`, but the race taken to `epoch` first, with the rate
    /// changes `edits` made on the way: another race's state, exactly (a
    /// student going on from where the teacher is).
    Resume {
        id: usize,
        generation: u64,
        scenario: Arc<Scenario>,
        pace: Pace,
        epoch: u64,
        edits: Vec<crate::track::Edit>,
    },
    /// Advance nothing (a scenario that failed to load is on screen).
    Idle,
    /// Pause or resume the active scenario.
    SetPaused(bool),
    /// Advance scenario `id` by exactly one epoch (meant for when paused).
    Step { id: usize, generation: u64 },
    /// Change the pace of scenario `id`.
    SetPace { id: usize, pace: Pace },
    /// Compute the `[sweep]` grid of scenario `id` chunk by chunk in the
    /// background, reporting each chunk as an [`Event::Sweep`].
    Sweep {
        id: usize,
        generation: u64,
        scenario: Arc<Scenario>,
    },
    /// Write scenario `id`'s histories and final states to `dir` (see
    /// [`crate::export`]); answered by [`Event::Exported`].
    Export {
        id: usize,
        generation: u64,
        dir: std::path::PathBuf,
    },
    /// From the next update on, run `run` of scenario `id` uses base rate
    /// `lr` (see [`crate::track::Slot::set_lr`]).
    SetLr {
        id: usize,
        generation: u64,
        run: usize,
        lr: f64,
    },
    /// Take scenario `id` back one epoch (meant for when paused): the race
    /// replayed from its start, exact to the bit.
    StepBack { id: usize, generation: u64 },
    /// Write scenario `id` as it stands (current rates, placed start) as a
    /// scenario file in `dir`; answered by [`Event::Saved`].
    Save {
        id: usize,
        generation: u64,
        dir: std::path::PathBuf,
    },
    /// Drop scenario `id`'s race (its file went away).
    Forget { id: usize },
    /// Stop the task.
    Shutdown,
}

/// Messages from the engine to the model.
#[derive(Debug, Clone)]
pub enum Event {
    /// The state of one scenario's race.
    Snapshot(Arc<Snapshot>),
    /// An export finished: the CSV and JSON paths, or why it failed.
    Exported {
        id: usize,
        result: Result<(std::path::PathBuf, std::path::PathBuf), String>,
    },
    /// A save finished: the file written, or why it failed.
    Saved {
        id: usize,
        result: Result<std::path::PathBuf, String>,
    },
    /// Some computed points of scenario `id`'s sweep.
    Sweep {
        id: usize,
        generation: u64,
        results: Arc<Vec<(usize, PointResult)>>,
    },
}
