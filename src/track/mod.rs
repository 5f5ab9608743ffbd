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
//! | `PARAMS+2d`, `+1` ([`col::costs`]) | f and ∇f evaluations so far, for runs whose cost is not `epoch + 1` (backtracking) |
//!
//! **Edits and stepping back.** A rate changed mid-run ([`Slot::set_lr`]) is
//! logged with the epoch it took effect at; [`Slot::rewound`] rebuilds the
//! race from its start and replays it, edits included, to an earlier epoch.
//! Runs are deterministic (noise too), so the replay is exact to the bit.

pub mod export;
mod snapshot;

use std::sync::Arc;

use crate::descent::expr::Evaluator;
use crate::descent::history::History;
use crate::descent::race::Race;
use crate::descent::schedule::Schedule;
use crate::scenario::{MAX_RUNS, Scenario};

pub use snapshot::{CHART_GROUPS, RunView, Snapshot, StartsView, TRAIL};

/// Columns of each run's history row.
pub mod col {
    pub const LOSS: usize = 0;
    pub const LR: usize = 1;
    pub const GRAD_NORM: usize = 2;
    /// Parameters start here; gradients follow the parameters.
    pub const PARAMS: usize = 3;

    /// Where the evaluation counts are, in `dim` dimensions (f, then ∇f),
    /// for the runs that record them.
    pub const fn costs(dim: usize) -> usize {
        PARAMS + 2 * dim
    }
}

/// A base rate changed mid-run: from `epoch` on, run `run` (of every start)
/// uses `lr`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edit {
    pub epoch: u64,
    pub run: usize,
    pub lr: f64,
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
    /// Per run: whether its history records evaluation counts (see [`col::costs`]).
    costs: Vec<bool>,
    /// Rates changed mid-run, oldest first.
    edits: Vec<Edit>,
}

impl Slot {
    /// A fresh race of `scenario` at `generation`, with epoch 0 recorded.
    pub fn new(id: usize, generation: u64, scenario: Arc<Scenario>) -> Slot {
        let race = scenario.full_race(generation);
        let dim = scenario.dim();
        // Every schedule but a line search pays one f and one ∇f per update,
        // so its cost is its epoch + 1 and need not be recorded.
        let costs: Vec<bool> = scenario
            .runs
            .iter()
            .map(|r| matches!(r.schedule, Schedule::Backtracking { .. }))
            .collect();
        let histories = costs
            .iter()
            .map(|&c| History::new(col::costs(dim) + if c { 2 } else { 0 }))
            .collect();
        let mut slot = Slot {
            id,
            generation,
            scenario,
            race,
            histories,
            costs,
            edits: Vec::new(),
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
        let costs = self.costs[i];
        // Filled by the history itself (no row buffer kept here).
        self.histories[i].push_with(run.epoch(), |row| {
            row[col::LOSS] = run.loss();
            row[col::LR] = run.lr();
            row[col::GRAD_NORM] = run.grad_norm();
            let (params, rest) = row[col::PARAMS..].split_at_mut(x.len());
            let (grad, evals) = rest.split_at_mut(g.len());
            for (d, s) in params.iter_mut().zip(x).chain(grad.iter_mut().zip(g)) {
                *d = *s;
            }
            if costs {
                evals[0] = run.f_evals() as f64;
                evals[1] = run.g_evals() as f64;
            }
        });
    }

    /// Whether run `i`'s history records its evaluation counts.
    pub fn records_costs(&self, i: usize) -> bool {
        self.costs[i]
    }

    /// Change run `run`'s base rate (of every start) from the next update on,
    /// and log it for replays. Edits logged after the current epoch (left by
    /// stepping back) are dropped: this one starts a new future.
    pub fn set_lr(&mut self, run: usize, lr: f64) {
        let n = self.scenario.runs.len();
        if run >= n {
            return;
        }
        let epoch = self.race.epoch();
        self.edits.retain(|e| e.epoch <= epoch);
        self.edits.push(Edit { epoch, run, lr });
        for r in self.race.runs_mut().iter_mut().skip(run).step_by(n) {
            r.set_lr(lr);
        }
    }

    /// The rates changed mid-run, oldest first.
    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// This slot as it was at `epoch` (0 … now): the race rebuilt from its
    /// start and replayed, with the edits made up to then. Exact to the bit,
    /// and the histories are those of the replay. Costs one step per epoch.
    pub fn rewound(&self, epoch: u64) -> Slot {
        Slot::replayed(
            self.id,
            self.generation,
            self.scenario.clone(),
            epoch,
            &self.edits,
        )
    }

    /// A fresh race of `scenario` at `generation`, stepped to `epoch` with
    /// the rate changes of `edits` made up to then (as the slot that logged
    /// them made them): the same race, to the bit — e.g. a student taking
    /// over from where the teacher's race is.
    pub fn replayed(
        id: usize,
        generation: u64,
        scenario: Arc<Scenario>,
        epoch: u64,
        edits: &[Edit],
    ) -> Slot {
        Self::replay(id, generation, scenario, epoch, edits, || false)
            .expect("a replay that is never stopped ends")
    }

    /// [`Slot::replayed`], giving up (`None`) as soon as `stop()` says so
    /// (it is asked every few thousand steps).
    pub fn replay(
        id: usize,
        generation: u64,
        scenario: Arc<Scenario>,
        epoch: u64,
        edits: &[Edit],
        stop: impl Fn() -> bool,
    ) -> Option<Slot> {
        let mut slot = Slot::new(id, generation, scenario);
        let edits: Vec<Edit> = edits.iter().copied().filter(|e| e.epoch <= epoch).collect();
        let mut next = edits.iter().peekable();
        loop {
            let now = slot.race.epoch();
            while let Some(e) = next.next_if(|e| e.epoch <= now) {
                slot.set_lr(e.run, e.lr);
            }
            if now.is_multiple_of(4096) && stop() {
                return None;
            }
            if now >= epoch || !slot.step() {
                break;
            }
        }
        slot.edits = edits;
        Some(slot)
    }

    /// The scenario as it stands: the slot's own (with a placed start, if
    /// any) and each run's current base rate.
    pub fn current_scenario(&self) -> Scenario {
        let mut sc = (*self.scenario).clone();
        for (cfg, run) in sc.runs.iter_mut().zip(self.race.runs()) {
            cfg.lr = run.spec().lr;
        }
        sc
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
