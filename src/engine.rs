//! The engine: a background tokio task that owns the races and paces them.
//!
//! Commands come in ([`Command`]), owned snapshots go out ([`Event`]). The
//! engine keeps one [`Slot`] per scenario it has been shown, so switching
//! scenarios keeps each one's progress. Only the active scenario advances.
//!
//! Pacing: while running, a frame-rate interval wakes the task; each wake
//! computes how many epochs are due at the current pace (carrying the
//! fraction) and steps them on a blocking thread, bounded by a time budget.
//! At pace `max` the blocking thread runs batch after batch (one frame period
//! each, a snapshot after each) without returning to the runtime. A command
//! arriving meanwhile cuts the batch short within a few hundred steps and is
//! handled at once. Paused (or done), the task sleeps on its command channel:
//! no timers, no CPU.
//!
//! Every command and snapshot carries the scenario id and its generation
//! (bumped by each restart or reload), so a late snapshot from before a
//! restart is recognised and dropped by the model.
//!
//! A many-start scenario (`starts = N`) races every run from every start in
//! one lockstep race ([`Scenario::full_race`]). Histories (charts, trails,
//! paths) are kept for start 0 of each run only, so memory does not grow
//! with N; every start's current position and where the starts ended
//! ([`StartsView`]) are computed when a snapshot is built.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::descent::basins::{self, Summary};
use crate::descent::expr::Evaluator;
use crate::descent::history::{History, Point, Points};
use crate::descent::race::Race;
use crate::descent::run::{Run, Status, Update, distance};
use crate::scenario::Scenario;
use crate::sweep::PointResult;

/// How fast the active scenario advances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Epochs per second.
    PerSecond(f64),
    /// As fast as the core allows.
    Max,
}

impl Pace {
    /// The paces `+` and `-` step through (epochs per second), then `max`.
    pub const LADDER: &[f64] = &[
        0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4,
        1e5, 2e5, 5e5, 1e6,
    ];

    /// About ten seconds for the whole scenario, on the ladder.
    pub fn default_for(epochs: u64) -> Pace {
        let want = epochs as f64 / 10.0;
        let best = Self::LADDER
            .iter()
            .copied()
            .min_by(|a, b| {
                let da = (a.ln() - want.ln()).abs();
                let db = (b.ln() - want.ln()).abs();
                da.total_cmp(&db)
            })
            .unwrap_or(10.0);
        Pace::PerSecond(best)
    }

    /// One rung faster (`max` above the top).
    pub fn faster(self) -> Pace {
        match self {
            Pace::Max => Pace::Max,
            Pace::PerSecond(p) => Self::LADDER
                .iter()
                .copied()
                .find(|&l| l > p * 1.000_001)
                .map_or(Pace::Max, Pace::PerSecond),
        }
    }

    /// One rung slower (the bottom rung stays).
    pub fn slower(self) -> Pace {
        match self {
            Pace::Max => Pace::PerSecond(Self::LADDER[Self::LADDER.len() - 1]),
            Pace::PerSecond(p) => Pace::PerSecond(
                Self::LADDER
                    .iter()
                    .copied()
                    .rev()
                    .find(|&l| l < p / 1.000_001)
                    .unwrap_or(Self::LADDER[0]),
            ),
        }
    }

    /// For the header: `10 ep/s`, `2k ep/s`, `max`.
    pub fn label(self) -> String {
        match self {
            Pace::Max => "max".into(),
            Pace::PerSecond(p) if p >= 1e6 => format!("{}M ep/s", p / 1e6),
            Pace::PerSecond(p) if p >= 1e3 => format!("{}k ep/s", p / 1e3),
            Pace::PerSecond(p) => format!("{p} ep/s"),
        }
    }
}

/// Fault injection for end-to-end tests: when set, the engine panics on
/// the next single step (the local driver sets it from
/// `DOWNHILL_FAULT=engine`), to show that a broken engine is reported on
/// screen instead of freezing it.
pub static PANIC_ON_STEP: AtomicBool = AtomicBool::new(false);

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
    /// Some computed points of scenario `id`'s sweep.
    Sweep {
        id: usize,
        generation: u64,
        results: Arc<Vec<(usize, PointResult)>>,
    },
}

/// Columns of each run's history row.
pub mod col {
    pub const LOSS: usize = 0;
    pub const LR: usize = 1;
    pub const GRAD_NORM: usize = 2;
    /// Parameters start here; gradients follow the parameters.
    pub const PARAMS: usize = 3;
}

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
    /// The lr of the last update (NaN before the first).
    pub lr: f64,
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
    pub pace: Pace,
}

impl Slot {
    /// A fresh race of `scenario` at `generation`, with epoch 0 recorded.
    pub fn new(id: usize, generation: u64, scenario: Arc<Scenario>, pace: Pace) -> Slot {
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
            pace,
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
        let mut before = [0u64; crate::scenario::MAX_RUNS];
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

    /// The owned picture the renderer needs.
    pub fn snapshot(&self) -> Snapshot {
        let dim = self.scenario.dim();
        let mut runs: Vec<RunView> = self
            .race
            .runs()
            .iter()
            .zip(&self.histories)
            .map(|(r, h)| run_view(r, h, dim, self.scenario.minimum.as_deref()))
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

/// Send `slot`'s snapshot (nobody listening is not an error: the session is
/// ending).
fn send_snapshot(events: &UnboundedSender<Event>, slot: &Slot) {
    let _ = events.send(Event::Snapshot(Arc::new(slot.snapshot())));
}

/// Smallest and largest value of an envelope (none when it is empty).
fn range_of(series: &[Point]) -> Option<(f64, f64)> {
    let lo = series.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = series.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    (lo <= hi).then_some((lo, hi))
}

/// Start the engine task on the current tokio runtime.
pub fn spawn(
    fps: u32,
    events: UnboundedSender<Event>,
) -> (UnboundedSender<Command>, JoinHandle<()>) {
    let (tx, rx) = unbounded_channel();
    let handle = tokio::spawn(run(rx, events, fps));
    (tx, handle)
}

struct Engine {
    slots: HashMap<usize, Slot>,
    active: Option<usize>,
    paused: bool,
    carry: f64,
    last: Instant,
    period: Duration,
    events: UnboundedSender<Event>,
    /// Set to end the running batch early (a command is waiting).
    interrupt: Arc<AtomicBool>,
}

async fn run(mut commands: UnboundedReceiver<Command>, events: UnboundedSender<Event>, fps: u32) {
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let mut engine = Engine {
        slots: HashMap::new(),
        active: None,
        paused: false,
        carry: 0.0,
        last: Instant::now(),
        period,
        events,
        interrupt: Arc::new(AtomicBool::new(false)),
    };
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // A command that arrived during a batch (and cut it short).
    let mut pending: Option<Option<Command>> = None;
    loop {
        let cmd = if let Some(c) = pending.take() {
            Some(c)
        } else if engine.running() && engine.at_max_pace() {
            // Flat out: batches back to back, commands taken between them
            // (a command arriving during a batch ends it early).
            match commands.try_recv() {
                Ok(c) => Some(Some(c)),
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => None,
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => Some(None),
            }
        } else if engine.running() {
            tokio::select! {
                c = commands.recv() => Some(c),
                _ = tick.tick() => None,
            }
        } else {
            Some(commands.recv().await)
        };
        match cmd {
            Some(None) | Some(Some(Command::Shutdown)) => return,
            Some(Some(c)) => {
                let was_running = engine.running();
                engine.handle(c).await;
                if engine.running() && !was_running {
                    engine.last = Instant::now();
                    engine.carry = 0.0;
                    tick.reset();
                }
            }
            None => pending = engine.advance(&mut commands).await,
        }
    }
}

impl Engine {
    fn running(&self) -> bool {
        !self.paused
            && self
                .active
                .and_then(|id| self.slots.get(&id))
                .is_some_and(|s| !s.done())
    }

    fn at_max_pace(&self) -> bool {
        self.active
            .and_then(|id| self.slots.get(&id))
            .is_some_and(|s| s.pace == Pace::Max)
    }

    fn send(&self, slot: &Slot) {
        send_snapshot(&self.events, slot);
    }

    async fn handle(&mut self, c: Command) {
        match c {
            Command::Activate {
                id,
                generation,
                scenario,
                pace,
            } => {
                let fresh = self
                    .slots
                    .get(&id)
                    .is_none_or(|s| s.generation != generation);
                if fresh {
                    let slot = tokio::task::spawn_blocking(move || {
                        Slot::new(id, generation, scenario, pace)
                    })
                    .await
                    .expect("building a race does not panic");
                    self.slots.insert(id, slot);
                }
                self.active = Some(id);
                if let Some(s) = self.slots.get_mut(&id) {
                    s.pace = pace;
                }
                if let Some(s) = self.slots.get(&id) {
                    self.send(s);
                }
            }
            Command::Idle => self.active = None,
            Command::SetPaused(p) => self.paused = p,
            Command::Step { id, generation } => {
                if PANIC_ON_STEP.load(Ordering::Relaxed) {
                    panic!("injected engine fault (DOWNHILL_FAULT=engine)");
                }
                if let Some(s) = self.slots.get_mut(&id)
                    && s.generation == generation
                {
                    s.step();
                    let s = &self.slots[&id];
                    self.send(s);
                }
            }
            Command::SetPace { id, pace } => {
                if let Some(s) = self.slots.get_mut(&id) {
                    s.pace = pace;
                }
                self.carry = 0.0;
            }
            Command::Sweep {
                id,
                generation,
                scenario,
            } => spawn_sweep(id, generation, scenario, self.events.clone()),
            Command::Export {
                id,
                generation,
                dir,
            } => {
                let result = match self.slots.remove(&id) {
                    Some(slot) if slot.generation == generation => {
                        let done = tokio::task::spawn_blocking(move || {
                            let r =
                                crate::export::export(&slot, &dir, std::time::SystemTime::now());
                            (slot, r)
                        })
                        .await;
                        match done {
                            Ok((slot, r)) => {
                                self.slots.insert(id, slot);
                                r
                            }
                            Err(_) => Err("the export task failed".into()),
                        }
                    }
                    other => {
                        if let Some(slot) = other {
                            self.slots.insert(id, slot);
                        }
                        Err("nothing to export yet".into())
                    }
                };
                let _ = self.events.send(Event::Exported { id, result });
            }
            Command::Forget { id } => {
                self.slots.remove(&id);
                if self.active == Some(id) {
                    self.active = None;
                }
            }
            Command::Shutdown => {}
        }
    }

    /// Step the epochs due since the last wake, on a blocking thread. A
    /// command arriving meanwhile ends the batch at its next look at the
    /// clock (well under a millisecond) and is returned, to be handled
    /// next: `Some(None)` when the channel closed.
    async fn advance(
        &mut self,
        commands: &mut UnboundedReceiver<Command>,
    ) -> Option<Option<Command>> {
        let id = self.active?;
        let mut slot = self.slots.remove(&id)?;
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        // Paced runs take a slice of the frame; `max` takes the whole of it.
        let budget = match slot.pace {
            Pace::Max => self.period,
            Pace::PerSecond(_) => self.period.mul_f64(0.6),
        };
        let due = match slot.pace {
            Pace::Max => u64::MAX,
            Pace::PerSecond(p) => {
                let want = p * elapsed + self.carry;
                let n = want.floor();
                self.carry = want - n;
                n as u64
            }
        };
        if due == 0 {
            self.slots.insert(id, slot);
            return None;
        }
        // Look at the clock (and for a waiting command) every 256 steps, or
        // about every 1024 run-updates when a step is many (a many-start
        // scenario).
        let every = (1024 / slot.width().max(1)).clamp(1, 256) as u64;
        self.interrupt.store(false, Ordering::Relaxed);
        let interrupt = self.interrupt.clone();
        let events = self.events.clone();
        // At `max` the blocking task keeps going, one batch per frame
        // period with a snapshot after each, until a command or the end:
        // no hop back to the runtime between batches.
        let flat_out = slot.pace == Pace::Max;
        let mut batch = tokio::task::spawn_blocking(move || {
            loop {
                let start = Instant::now();
                let mut done = 0u64;
                let mut more = true;
                while done < due {
                    if !slot.step() {
                        more = false;
                        break;
                    }
                    done += 1;
                    if done.is_multiple_of(every)
                        && (interrupt.load(Ordering::Relaxed) || start.elapsed() >= budget)
                    {
                        break;
                    }
                }
                send_snapshot(&events, &slot);
                if !(flat_out && more) || interrupt.load(Ordering::Relaxed) || events.is_closed() {
                    return slot;
                }
            }
        });
        let mut waiting = None;
        let result = tokio::select! {
            r = &mut batch => r,
            c = commands.recv() => {
                waiting = Some(c);
                self.interrupt.store(true, Ordering::Relaxed);
                batch.await
            }
        };
        match result {
            Ok(slot) => {
                self.slots.insert(id, slot);
            }
            // A panic while stepping: the slot is gone; the model is told by
            // the task's end (see tui), so re-raise here.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
        waiting
    }
}

/// Points per sweep chunk: about a hundred reports for the whole grid.
fn sweep_chunk(total: usize) -> usize {
    (total / 100).clamp(1, 256)
}

/// Fill a sweep grid in the background, one chunk at a time on the blocking
/// pool (each chunk itself on all cores), until done or nobody listens.
fn spawn_sweep(
    id: usize,
    generation: u64,
    scenario: Arc<Scenario>,
    events: UnboundedSender<Event>,
) {
    tokio::spawn(async move {
        let total = scenario.sweep.as_ref().map_or(0, |s| s.len());
        let chunk = sweep_chunk(total);
        let mut start = 0;
        while start < total && !events.is_closed() {
            let sc = scenario.clone();
            let range = start..(start + chunk).min(total);
            let Ok(results) =
                tokio::task::spawn_blocking(move || crate::sweep::compute_chunk(&sc, range)).await
            else {
                return;
            };
            let results = Arc::new(results);
            if events
                .send(Event::Sweep {
                    id,
                    generation,
                    results,
                })
                .is_err()
            {
                return;
            }
            start += chunk;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_moves_one_rung() {
        assert_eq!(Pace::PerSecond(10.0).faster(), Pace::PerSecond(20.0));
        assert_eq!(Pace::PerSecond(10.0).slower(), Pace::PerSecond(5.0));
        assert_eq!(Pace::PerSecond(1e6).faster(), Pace::Max);
        assert_eq!(Pace::Max.faster(), Pace::Max);
        assert_eq!(Pace::Max.slower(), Pace::PerSecond(1e6));
        assert_eq!(Pace::PerSecond(0.5).slower(), Pace::PerSecond(0.5));
        // Off-ladder paces snap to the next rung.
        assert_eq!(Pace::PerSecond(7.0).faster(), Pace::PerSecond(10.0));
        assert_eq!(Pace::PerSecond(7.0).slower(), Pace::PerSecond(5.0));
    }

    #[test]
    fn default_pace_is_about_ten_seconds() {
        assert_eq!(Pace::default_for(50), Pace::PerSecond(5.0));
        assert_eq!(Pace::default_for(100), Pace::PerSecond(10.0));
        assert_eq!(Pace::default_for(1000), Pace::PerSecond(100.0));
        assert_eq!(Pace::default_for(5000), Pace::PerSecond(500.0));
        assert_eq!(Pace::default_for(1), Pace::PerSecond(0.5));
    }

    #[test]
    fn labels() {
        assert_eq!(Pace::PerSecond(10.0).label(), "10 ep/s");
        assert_eq!(Pace::PerSecond(0.5).label(), "0.5 ep/s");
        assert_eq!(Pace::PerSecond(2000.0).label(), "2k ep/s");
        assert_eq!(Pace::PerSecond(1e6).label(), "1M ep/s");
        assert_eq!(Pace::Max.label(), "max");
    }
}
