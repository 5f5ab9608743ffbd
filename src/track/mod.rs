//! The races as they are recorded: a [`Slot`] holds one scenario's race and
//! the bounded history of every run; a [`Snapshot`] is the owned picture of
//! it that a renderer needs; [`export`] writes a slot to files. Nothing here
//! knows about time, threads or the terminal: the engine decides when a slot
//! steps and where its snapshots go.
//!
//! A many-start scenario (`starts = N`) races every run from every start in
//! one lockstep race ([`Scenario::full_race`]). Histories (charts, trails,
//! paths) are kept for start 0 of each run only, so memory does not grow
//! with N; every start's current position and where the starts ended
//! ([`StartsView`]) are computed when a snapshot is built.
//!
//! | history column ([`col`]) | holds |
//! | --- | --- |
//! | `LOSS` | f(x) after the epoch |
//! | `LR` | the rate of the last update (NaN at epoch 0) |
//! | `GRAD_NORM` | ‖∇f(x)‖ |
//! | `PARAMS..PARAMS+d` | x |
//! | `PARAMS+d..PARAMS+2d` | ∇f(x) |

pub mod export;
mod snapshot;

use std::sync::Arc;

use crate::descent::expr::Evaluator;
use crate::descent::history::History;
use crate::descent::race::Race;
use crate::scenario::{MAX_RUNS, Scenario};

pub use snapshot::{CHART_GROUPS, RunView, Snapshot, StartsView, TRAIL};

/// Columns of each run's history row.
pub mod col {
    pub const LOSS: usize = 0;
    pub const LR: usize = 1;
    pub const GRAD_NORM: usize = 2;
    /// Parameters start here; gradients follow the parameters.
    pub const PARAMS: usize = 3;
}

/// One scenario's race and its histories.
pub struct Slot {
    pub id: usize,
    pub generation: u64,
    pub scenario: Arc<Scenario>,
    /// Every run from every start, start-major (see
    /// [`Scenario::full_race`]): the first `scenario.runs.len()` are start 0.
    pub race: Race<Evaluator>,
    /// One per run, of start 0.
    pub histories: Vec<History>,
}

impl Slot {
    /// A fresh race of `scenario` at `generation`, with epoch 0 recorded.
    pub fn new(id: usize, generation: u64, scenario: Arc<Scenario>) -> Slot {
        let race = scenario.full_race(generation);
        let dim = scenario.dim();
        let histories = scenario
            .runs
            .iter()
            .map(|_| History::new(col::PARAMS + 2 * dim))
            .collect();
        let mut slot = Slot {
            id,
            generation,
            scenario,
            race,
            histories,
        };
        for i in 0..slot.histories.len() {
            slot.record(i);
        }
        slot
    }

    /// How many runs (all starts included) one step advances.
    pub fn width(&self) -> usize {
        self.race.runs().len()
    }

    fn record(&mut self, i: usize) {
        let run = &self.race.runs()[i];
        let (x, g) = (run.params(), run.grad());
        // Filled by the history itself (no row buffer kept here).
        self.histories[i].push_with(run.epoch(), |row| {
            row[col::LOSS] = run.loss();
            row[col::LR] = run.lr();
            row[col::GRAD_NORM] = run.grad_norm();
            let (params, grad) = row[col::PARAMS..].split_at_mut(x.len());
            for (d, s) in params.iter_mut().zip(x).chain(grad.iter_mut().zip(g)) {
                *d = *s;
            }
        });
    }

    /// Advance every running run by one epoch and record it. False when
    /// nothing was left to advance.
    pub fn step(&mut self) -> bool {
        let mut before = [0u64; MAX_RUNS];
        for (e, r) in before.iter_mut().zip(self.race.runs()) {
            *e = r.epoch();
        }
        if !self.race.step() {
            return false;
        }
        for (i, &e) in before.iter().enumerate().take(self.histories.len()) {
            if self.race.runs()[i].epoch() != e {
                self.record(i);
            }
        }
        true
    }

    /// True when every run has stopped.
    pub fn done(&self) -> bool {
        self.race.is_done()
    }
}
