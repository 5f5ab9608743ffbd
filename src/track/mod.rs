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
//! | `GRAD_NORM` | ‖∇f(x)‖, filled in from the gradient when the rows are read ([`Slot::rows`]; stored as NaN) |
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
use crate::descent::run::{Run, norm};
use crate::descent::schedule::Schedule;
use crate::scenario::Scenario;

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
        let runs = slot.race.runs().iter();
        for ((h, run), &costs) in slot.histories.iter_mut().zip(runs).zip(&slot.costs) {
            record(h, run, costs);
        }
        slot
    }

    /// How many runs (all starts included) one step advances.
    pub fn width(&self) -> usize {
        self.race.runs().len()
    }

    /// The rows kept of run `i`'s history ([`History::rows`]), each with its
    /// `GRAD_NORM` filled in: the norm of its gradient columns, the same
    /// numbers [`Run::grad_norm`] took the norm of at that epoch.
    pub fn rows(&self, i: usize) -> Vec<(u64, Vec<f64>)> {
        let dim = self.scenario.dim();
        let grad = col::PARAMS + dim..col::PARAMS + 2 * dim;
        let mut rows = self.histories[i].rows();
        for (_, r) in &mut rows {
            r[col::GRAD_NORM] = norm(&r[grad.clone()]);
        }
        rows
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
        // Each run's row recorded right after its update (histories are
        // kept for start 0's runs only, the first ones).
        let (histories, costs) = (&mut self.histories, &self.costs);
        self.race.step_then(|i, run| {
            if let Some(h) = histories.get_mut(i) {
                record(h, run, costs[i]);
            }
        })
    }

    /// True when every run has stopped.
    pub fn done(&self) -> bool {
        self.race.is_done()
    }
}

/// Record `run`'s row of its current epoch into its history (with the
/// evaluation counts if `costs`).
///
/// At pace `max` this runs once per run per epoch, so it stores only
/// what cannot be had later: the norm column is left NaN (so the
/// buckets' bounds skip it) and computed from the stored gradient when
/// the rows are read ([`Slot::rows`]), to the bits of
/// [`Run::grad_norm`]. The usual rows (1 or 2 dimensions, no
/// evaluation counts) are written out whole, as one fixed-size array:
/// no per-column length checks or loops.
#[inline(always)]
fn record(history: &mut History, run: &Run<Evaluator>, costs: bool) {
    let (epoch, loss, lr, norm) = (run.epoch(), run.loss(), run.lr(), f64::NAN);
    match (run.params(), run.grad(), costs) {
        (&[x0, x1], &[g0, g1], false) => {
            let row = [loss, lr, norm, x0, x1, g0, g1];
            history.push_with(epoch, |r| r.copy_from_slice(&row));
        }
        (&[x0], &[g0], false) => {
            let row = [loss, lr, norm, x0, g0];
            history.push_with(epoch, |r| r.copy_from_slice(&row));
        }
        (x, g, costs) => record_any(history, run, x, g, costs),
    }
}

/// [`record`] for any row: `dim` parameters and gradients, and the
/// evaluation counts if `costs`.
#[inline(never)]
fn record_any(history: &mut History, run: &Run<Evaluator>, x: &[f64], g: &[f64], costs: bool) {
    // Filled by the history itself (no row buffer kept here).
    history.push_with(run.epoch(), |row| {
        row[col::LOSS] = run.loss();
        row[col::LR] = run.lr();
        row[col::GRAD_NORM] = f64::NAN;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    /// A scenario of `f` over `vars`, started at 0.3 in each, with a rate
    /// schedule, momentum, Adam and backtracking (whose rows hold the
    /// evaluation counts).
    fn scenario(f: &str, vars: &[&str]) -> Arc<Scenario> {
        let domain: Vec<String> = vars.iter().map(|v| format!("{v} = [-3.0, 3.0]")).collect();
        let start: Vec<String> = vars.iter().map(|v| format!("{v} = 0.3")).collect();
        let text = format!(
            "title = \"rows\"\n[objective]\nf = \"{f}\"\ndomain = {{ {} }}\n\
             [descent]\nepochs = 5000\nstart = {{ {} }}\n\
             [[run]]\nname = \"fixed\"\nlr = 0.01\n\
             [[run]]\nname = \"cosine\"\nschedule = \"cosine\"\nlr = 0.05\n\
             [[run]]\nname = \"momentum\"\nlr = 0.01\nmomentum = 0.9\n\
             [[run]]\nname = \"adam\"\nschedule = \"adam\"\nlr = 0.05\n\
             [[run]]\nname = \"bt\"\nschedule = \"backtracking\"\nlr = 1.0\n",
            domain.join(", "),
            start.join(", ")
        );
        Arc::new(scenario::parse("rows", &text).expect("the test scenario loads"))
    }

    /// The row as it was recorded before the norm was left to the reader:
    /// every number at once, the norm included.
    fn eager_row(run: &Run<Evaluator>, costs: bool) -> Vec<f64> {
        let mut row = vec![run.loss(), run.lr(), run.grad_norm()];
        row.extend(run.params().iter().chain(run.grad()));
        if costs {
            row.extend([run.f_evals() as f64, run.g_evals() as f64]);
        }
        row
    }

    fn bits(rows: Vec<(u64, Vec<f64>)>) -> Vec<(u64, Vec<u64>)> {
        let bits = |r: Vec<f64>| r.iter().map(|x| x.to_bits()).collect();
        rows.into_iter().map(|(e, r)| (e, bits(r))).collect()
    }

    #[test]
    fn recorded_rows_read_back_as_the_eager_rows_to_the_bit() {
        let functions = [
            ("x^4 - x^2 + 0.1*x", &["x"][..]),
            ("(1-x)^2 + 5*(y-x^2)^2 + sin(x*y)", &["x", "y"][..]),
            ("x^2 + 2*y^2 + 3*z^2 + x*y*z", &["x", "y", "z"][..]),
        ];
        for (f, vars) in functions {
            let sc = scenario(f, vars);
            let mut slot = Slot::new(0, 0, sc.clone());
            let mut eager: Vec<History> = slot
                .histories
                .iter()
                .map(|h| History::new(h.cols()))
                .collect();
            let push = |eager: &mut [History], slot: &Slot, only: &[u64]| {
                for (i, h) in eager.iter_mut().enumerate() {
                    let run = &slot.race.runs()[i];
                    if only.get(i) != Some(&run.epoch()) {
                        h.push(run.epoch(), &eager_row(run, slot.records_costs(i)));
                    }
                }
            };
            push(&mut eager, &slot, &[]);
            for step in 1..=5000 {
                let before: Vec<u64> = slot.race.runs().iter().map(Run::epoch).collect();
                slot.step();
                push(&mut eager, &slot, &before);
                if step % 700 != 0 && step != 5000 {
                    continue;
                }
                for (i, want) in eager.iter().enumerate() {
                    let got = &slot.histories[i];
                    assert_eq!(
                        bits(slot.rows(i)),
                        bits(want.rows()),
                        "{f} run {i} step {step}"
                    );
                    for c in (0..want.cols()).filter(|&c| c != col::GRAD_NORM) {
                        let env = |h: &History| {
                            bits(vec![(
                                0,
                                h.envelope(c, CHART_GROUPS)
                                    .into_iter()
                                    .flat_map(|p| [p.0, p.1])
                                    .collect(),
                            )])
                        };
                        assert_eq!(env(got), env(want), "{f} run {i} col {c} step {step}");
                        assert_eq!(got.range(c), want.range(c));
                    }
                    let params = col::PARAMS..col::PARAMS + vars.len();
                    assert_eq!(got.path(params.clone()), want.path(params.clone()));
                    assert_eq!(
                        got.recent_points(params.clone(), TRAIL),
                        want.recent_points(params, TRAIL)
                    );
                }
            }
            assert!(slot.rows(0).len() < 5000, "past the full window");
        }
    }
}
