//! [`Snapshot`]: the owned picture of a slot's race that a renderer reads.

use crate::descent::basins::{self, Summary};
use crate::descent::expr::Evaluator;
use crate::descent::history::{History, Point, Points};
use crate::descent::run::{Run, Status, Update, distance};

use super::{Edit, Slot, col};

/// Number of epoch groups in each chart series of a snapshot.
pub const CHART_GROUPS: usize = 400;
/// Number of recent positions kept for a trail.
pub const TRAIL: usize = 64;

/// An owned picture of one scenario's race, for the renderer.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub scenario: usize,
    pub generation: u64,
    /// Epochs completed (the furthest run).
    pub epoch: u64,
    pub epochs: u64,
    /// Every run has stopped.
    pub done: bool,
    pub runs: Vec<RunView>,
    /// The rates changed mid-run so far (to replay the race elsewhere).
    pub edits: Vec<Edit>,
}

/// One run in a snapshot.
#[derive(Debug, Clone)]
pub struct RunView {
    pub name: String,
    /// The schedule's name, with `+momentum β` or `+nesterov β` when set.
    pub schedule: String,
    pub epoch: u64,
    pub start: Vec<f64>,
    pub params: Vec<f64>,
    pub loss: f64,
    pub grad: Vec<f64>,
    pub grad_norm: f64,
    /// The lr of the last update (NaN before the first) — or, when the base
    /// rate was just changed and no update has used it yet, the rate of the
    /// next update (the new base rate for schedules that choose their own).
    pub lr: f64,
    /// The base rate `η` the run uses now.
    pub base_lr: f64,
    /// Points where f and ∇f were evaluated so far (the start included).
    pub f_evals: u64,
    pub g_evals: u64,
    /// For runs whose cost is not `epoch + 1` (a line search): f and ∇f
    /// evaluations against epoch, grouped as the chart series are.
    pub costs: Option<[Vec<Point>; 2]>,
    pub status: Status,
    /// Distance to the scenario's known minimum, if it has one.
    pub distance: Option<f64>,
    pub last_update: Option<Update>,
    /// Chart series (min/max envelopes over epochs).
    pub loss_series: Vec<Point>,
    pub lr_series: Vec<Point>,
    pub param_series: Vec<Vec<Point>>,
    pub grad_series: Vec<Vec<Point>>,
    /// Finite loss range over the whole run.
    pub loss_range: Option<(f64, f64)>,
    pub lr_range: Option<(f64, f64)>,
    /// Recent positions, oldest first.
    pub trail: Points,
    /// The whole trajectory, decimated (at most about 1000 points).
    pub path: Points,
    /// Every start of a many-start scenario (`None` with a single start).
    /// Everything above describes start 0.
    pub starts: Option<StartsView>,
}

/// Every start of one run of a many-start scenario.
#[derive(Debug, Clone)]
pub struct StartsView {
    /// The current position of every start, start 0 first.
    pub ends: Vec<Vec<f64>>,
    pub statuses: Vec<Status>,
    /// Where they ended (see [`crate::descent::basins`]); the global basins
    /// are marked across every run of the scenario.
    pub summary: Summary,
}

impl Snapshot {
    /// The number of starts per run of a many-start scenario.
    pub fn starts(&self) -> Option<usize> {
        self.runs
            .first()
            .and_then(|r| r.starts.as_ref())
            .map(|s| s.ends.len())
    }
}

impl Slot {
    /// The owned picture the renderer needs.
    pub fn snapshot(&self) -> Snapshot {
        let dim = self.scenario.dim();
        let mut runs: Vec<RunView> = self
            .race
            .runs()
            .iter()
            .zip(&self.histories)
            .enumerate()
            .map(|(i, (r, h))| {
                let mut v = run_view(r, h, dim, self.scenario.minimum.as_deref());
                let pending = self
                    .edits()
                    .iter()
                    .any(|e| e.run == i && e.epoch == r.epoch());
                if pending && r.status().is_running() {
                    let k = r.epoch() + 1;
                    v.lr = r
                        .spec()
                        .schedule
                        .lr_at(v.base_lr, k, self.scenario.epochs, r.grad_norm())
                        .unwrap_or(v.base_lr);
                }
                if self.records_costs(i) {
                    let mut c = h
                        .envelopes([col::costs(dim), col::costs(dim) + 1], CHART_GROUPS)
                        .into_iter();
                    v.costs = Some([c.next().unwrap_or_default(), c.next().unwrap_or_default()]);
                }
                v
            })
            .collect();
        if self.scenario.starts.is_some() {
            let n = runs.len();
            let all = self.race.runs();
            let summaries = basins::summarize_race(
                all,
                n,
                basins::radius(&self.scenario.domain),
                self.scenario.tolerance.is_some(),
            );
            for ((i, view), summary) in runs.iter_mut().enumerate().zip(summaries) {
                let mine = || all.iter().skip(i).step_by(n);
                view.starts = Some(StartsView {
                    ends: mine().map(|r| r.params().to_vec()).collect(),
                    statuses: mine().map(Run::status).collect(),
                    summary,
                });
            }
        }
        Snapshot {
            scenario: self.id,
            generation: self.generation,
            epoch: self.race.epoch(),
            epochs: self.scenario.epochs,
            done: self.done(),
            runs,
            edits: self.edits().to_vec(),
        }
    }
}

fn run_view(r: &Run<Evaluator>, h: &History, dim: usize, minimum: Option<&[f64]>) -> RunView {
    // Every charted column in one pass over the buckets: loss, lr, the
    // parameters, the gradient.
    let params = col::PARAMS..col::PARAMS + dim;
    let mut series = h
        .envelopes(
            [col::LOSS, col::LR]
                .into_iter()
                .chain(params.start..params.end + dim),
            CHART_GROUPS,
        )
        .into_iter();
    let mut take = || series.next().unwrap_or_default();
    let (loss_series, lr_series) = (take(), take());
    let param_series = (0..dim).map(|_| take()).collect();
    let grad_series = (0..dim).map(|_| take()).collect();
    RunView {
        name: r.spec().name.clone(),
        schedule: match r.spec().momentum {
            Some(m) if m.nesterov => format!("{}+nesterov {}", r.spec().schedule.name(), m.beta),
            Some(m) => format!("{}+momentum {}", r.spec().schedule.name(), m.beta),
            None => r.spec().schedule.name().to_string(),
        },
        epoch: r.epoch(),
        start: r.spec().start.clone(),
        params: r.params().to_vec(),
        loss: r.loss(),
        grad: r.grad().to_vec(),
        grad_norm: r.grad_norm(),
        lr: r.lr(),
        base_lr: r.spec().lr,
        f_evals: r.f_evals(),
        g_evals: r.g_evals(),
        costs: None,
        status: r.status(),
        distance: minimum.map(|m| distance(r.params(), m)),
        last_update: r.last_update().cloned(),
        // The envelope holds every bucket's finite bounds: its extremes are
        // the column's range.
        loss_range: range_of(&loss_series),
        lr_range: range_of(&lr_series),
        loss_series,
        lr_series,
        param_series,
        grad_series,
        trail: h.recent_points(params.clone(), TRAIL),
        path: h.path(params),
        starts: None,
    }
}

/// Smallest and largest value of an envelope (none when it is empty).
fn range_of(series: &[Point]) -> Option<(f64, f64)> {
    let lo = series.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = series.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    (lo <= hi).then_some((lo, hi))
}
