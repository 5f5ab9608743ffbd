//! The engine: a background tokio task that owns the races and paces them.
//!
//! Commands come in ([`Command`]), owned snapshots go out ([`Event`]). The
//! engine keeps one [`Slot`] per scenario it has been shown, so switching
//! scenarios keeps each one's progress. Only the active scenario advances.
//!
//! Pacing ([`Pace`]): while running, a frame-rate interval wakes the task;
//! each wake computes how many epochs are due at the current pace (carrying
//! the fraction) and steps them on a blocking thread, bounded by a time
//! budget. At pace `max` the blocking thread runs batch after batch (one
//! frame period each, a snapshot after each) without returning to the
//! runtime. A command arriving meanwhile cuts the batch short within a few
//! hundred steps and is handled at once. Paused (or done), the task sleeps
//! on its command channel: no timers, no CPU.
//!
//! Bounded work: commands come through a small channel with a coalescing
//! outbox ([`Commands`], see [`queue`]), so a flood of keys is a few
//! commands; dropping the [`Task`] cancels the engine at once (its running
//! batch stops at its next look at the clock, its sweep within a few
//! thousand steps), whatever is queued. An engine runs at most one sweep: a
//! new one, a restart or forgetting the scenario cancels the old. Sweep
//! chunks of every engine in the process share [`sweep_permits`] (one per
//! core), so many sweeps never mean many threads.
//!
//! What a slot records and how a snapshot is built are [`crate::track`]'s;
//! this module only decides when.

mod pace;
mod protocol;
pub mod queue;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Semaphore;
use tokio::sync::mpsc::{Receiver, UnboundedSender};
use tokio::task::{JoinError, JoinHandle};
use tokio::time::MissedTickBehavior;

pub use pace::Pace;
pub use protocol::{Command, Event};
pub use queue::Commands;

use crate::scenario::Scenario;
use crate::track::Slot;

/// Fault injection for end-to-end tests: when set, the engine panics on
/// the next single step (the local driver sets it from
/// `DOWNHILL_FAULT=engine`), to show that a broken engine is reported on
/// screen instead of freezing it.
pub static PANIC_ON_STEP: AtomicBool = AtomicBool::new(false);

/// Send `slot`'s snapshot (nobody listening is not an error: the session is
/// ending).
fn send_snapshot(events: &UnboundedSender<Event>, slot: &Slot) {
    let _ = events.send(Event::Snapshot(Arc::new(slot.snapshot())));
}

/// Start the engine task on the current tokio runtime: its commands, and
/// the task (dropping it cancels the engine).
pub fn spawn(fps: u32, events: UnboundedSender<Event>) -> (Commands, Task) {
    let (commands, rx) = queue::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let handle = tokio::spawn(run(rx, events, fps, cancel.clone()));
    (commands, Task { handle, cancel })
}

/// The engine task. It ends when its commands are dropped or on
/// [`Command::Shutdown`]; dropping it cancels the engine, its running batch
/// and its sweep.
#[derive(Debug)]
pub struct Task {
    handle: JoinHandle<()>,
    cancel: Arc<AtomicBool>,
}

impl Future for Task {
    type Output = Result<(), JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx)
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.handle.abort();
    }
}

/// Sweep chunks computing at once in the whole process: one per core.
pub fn sweep_permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS
        .get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

/// The engine's one sweep; dropping it stops the sweep.
struct SweepJob {
    id: usize,
    generation: u64,
    stop: Arc<AtomicBool>,
}

impl Drop for SweepJob {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Engine {
    slots: HashMap<usize, Slot>,
    /// The pace of each slot (kept when it is not the active one).
    paces: HashMap<usize, Pace>,
    active: Option<usize>,
    paused: bool,
    carry: f64,
    last: Instant,
    period: Duration,
    events: UnboundedSender<Event>,
    /// Set to end the running batch early (a command is waiting).
    interrupt: Arc<AtomicBool>,
    /// Set when the [`Task`] is dropped: stop everything.
    cancel: Arc<AtomicBool>,
    sweep: Option<SweepJob>,
}

async fn run(
    mut commands: Receiver<Command>,
    events: UnboundedSender<Event>,
    fps: u32,
    cancel: Arc<AtomicBool>,
) {
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    let mut engine = Engine {
        slots: HashMap::new(),
        paces: HashMap::new(),
        active: None,
        paused: false,
        carry: 0.0,
        last: Instant::now(),
        period,
        events,
        interrupt: Arc::new(AtomicBool::new(false)),
        cancel,
        sweep: None,
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
        self.active.is_some_and(|id| self.pace(id) == Pace::Max)
    }

    fn pace(&self, id: usize) -> Pace {
        self.paces.get(&id).copied().unwrap_or(Pace::Max)
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
                if self
                    .sweep
                    .as_ref()
                    .is_some_and(|s| s.id == id && s.generation != generation)
                {
                    self.sweep = None;
                }
                let fresh = self
                    .slots
                    .get(&id)
                    .is_none_or(|s| s.generation != generation);
                if fresh {
                    let slot =
                        tokio::task::spawn_blocking(move || Slot::new(id, generation, scenario))
                            .await
                            .expect("building a race does not panic");
                    self.slots.insert(id, slot);
                }
                self.active = Some(id);
                self.paces.insert(id, pace);
                if let Some(s) = self.slots.get(&id) {
                    self.send(s);
                }
            }
            Command::Resume {
                id,
                generation,
                scenario,
                pace,
                epoch,
                edits,
            } => {
                if self.sweep.as_ref().is_some_and(|s| s.id == id) {
                    self.sweep = None;
                }
                let cancel = self.cancel.clone();
                let replay = tokio::task::spawn_blocking(move || {
                    Slot::replay(id, generation, scenario, epoch, &edits, || {
                        cancel.load(Ordering::Relaxed)
                    })
                })
                .await
                .expect("replaying a race does not panic");
                if let Some(slot) = replay {
                    self.slots.insert(id, slot);
                    self.active = Some(id);
                    self.paces.insert(id, pace);
                    if let Some(s) = self.slots.get(&id) {
                        self.send(s);
                    }
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
                if self.slots.contains_key(&id) {
                    self.paces.insert(id, pace);
                }
                self.carry = 0.0;
            }
            Command::Sweep {
                id,
                generation,
                scenario,
            } => {
                let job = SweepJob {
                    id,
                    generation,
                    stop: Arc::new(AtomicBool::new(false)),
                };
                spawn_sweep(
                    id,
                    generation,
                    scenario,
                    self.events.clone(),
                    job.stop.clone(),
                );
                // The old one (if any) stops as it is dropped.
                self.sweep = Some(job);
            }
            Command::Export {
                id,
                generation,
                dir,
            } => {
                let result = self
                    .write_out(id, generation, "export", move |slot| {
                        crate::track::export::export(slot, &dir, SystemTime::now())
                    })
                    .await;
                let _ = self.events.send(Event::Exported { id, result });
            }
            Command::Save {
                id,
                generation,
                dir,
            } => {
                let result = self
                    .write_out(id, generation, "save", move |slot| {
                        crate::track::export::save(slot, &dir, SystemTime::now())
                    })
                    .await;
                let _ = self.events.send(Event::Saved { id, result });
            }
            Command::SetLr {
                id,
                generation,
                run,
                lr,
            } => {
                if let Some(s) = self.slots.get_mut(&id)
                    && s.generation == generation
                {
                    s.set_lr(run, lr);
                    let s = &self.slots[&id];
                    self.send(s);
                }
            }
            Command::StepBack { id, generation } => {
                let cancel = self.cancel.clone();
                let stepped = self
                    .on_slot(id, generation, move |slot| {
                        let back = slot.race.epoch().saturating_sub(1);
                        let replay = Slot::replay(
                            slot.id,
                            slot.generation,
                            slot.scenario.clone(),
                            back,
                            slot.edits(),
                            || cancel.load(Ordering::Relaxed),
                        );
                        match replay {
                            Some(earlier) => (earlier, true),
                            None => (slot, false),
                        }
                    })
                    .await;
                if let (Some(true), Some(s)) = (stepped, self.slots.get(&id)) {
                    self.send(s);
                }
            }
            Command::Forget { id } => {
                if self.sweep.as_ref().is_some_and(|s| s.id == id) {
                    self.sweep = None;
                }
                self.slots.remove(&id);
                self.paces.remove(&id);
                if self.active == Some(id) {
                    self.active = None;
                }
            }
            Command::Shutdown => {}
        }
    }

    /// Write scenario `id`'s slot out with `write` on the blocking pool (an
    /// export, a save); "nothing to `what` yet" when it has no such slot.
    async fn write_out<T: Send + 'static>(
        &mut self,
        id: usize,
        generation: u64,
        what: &str,
        write: impl FnOnce(&Slot) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        self.on_slot(id, generation, move |slot| {
            let r = write(&slot);
            (slot, r)
        })
        .await
        .unwrap_or_else(|| Err(format!("nothing to {what} yet")))
    }

    /// Run `work` on scenario `id`'s slot (if it is of `generation`) on the
    /// blocking pool, and keep the slot it hands back (the same one, or one
    /// made in its place). `None` when there is no such slot.
    async fn on_slot<T: Send + 'static>(
        &mut self,
        id: usize,
        generation: u64,
        work: impl FnOnce(Slot) -> (Slot, T) + Send + 'static,
    ) -> Option<T> {
        let slot = self.slots.remove(&id)?;
        if slot.generation != generation {
            self.slots.insert(id, slot);
            return None;
        }
        let (slot, out) = tokio::task::spawn_blocking(move || work(slot)).await.ok()?;
        self.slots.insert(id, slot);
        Some(out)
    }

    /// Step the epochs due since the last wake, on a blocking thread. A
    /// command arriving meanwhile ends the batch at its next look at the
    /// clock (well under a millisecond) and is returned, to be handled
    /// next: `Some(None)` when the channel closed.
    async fn advance(&mut self, commands: &mut Receiver<Command>) -> Option<Option<Command>> {
        let id = self.active?;
        let mut slot = self.slots.remove(&id)?;
        let pace = self.pace(id);
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        // Paced runs take a slice of the frame; `max` takes the whole of it.
        let budget = match pace {
            Pace::Max => self.period,
            Pace::PerSecond(_) => self.period.mul_f64(0.6),
        };
        let due = match pace {
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
        let cancel = self.cancel.clone();
        let stop = move || interrupt.load(Ordering::Relaxed) || cancel.load(Ordering::Relaxed);
        let events = self.events.clone();
        // At `max` the blocking task keeps going, one batch per frame
        // period with a snapshot after each, until a command or the end:
        // no hop back to the runtime between batches.
        let flat_out = pace == Pace::Max;
        let mut batch = tokio::task::spawn_blocking(move || {
            loop {
                let start = Instant::now();
                let mut done = 0u64;
                let mut more = true;
                // Steps left until the next look (a count down, not a
                // division per step).
                let mut look = every;
                while done < due {
                    if !slot.step() {
                        more = false;
                        break;
                    }
                    done += 1;
                    look -= 1;
                    if look == 0 {
                        look = every;
                        if stop() || start.elapsed() >= budget {
                            break;
                        }
                    }
                }
                send_snapshot(&events, &slot);
                if !(flat_out && more) || stop() || events.is_closed() {
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
/// pool (each chunk itself on all cores, holding one of the process's
/// [`sweep_permits`]), until done, stopped or nobody listens.
fn spawn_sweep(
    id: usize,
    generation: u64,
    scenario: Arc<Scenario>,
    events: UnboundedSender<Event>,
    stop: Arc<AtomicBool>,
) {
    tokio::spawn(async move {
        let total = scenario.sweep.as_ref().map_or(0, |s| s.len());
        let chunk = sweep_chunk(total);
        let mut start = 0;
        let stopped = || stop.load(Ordering::Relaxed) || events.is_closed();
        while start < total && !stopped() {
            let Ok(_permit) = sweep_permits().acquire().await else {
                return;
            };
            if stopped() {
                return;
            }
            let (sc, halt) = (scenario.clone(), stop.clone());
            let range = start..(start + chunk).min(total);
            let Ok(Some(results)) = tokio::task::spawn_blocking(move || {
                crate::sweep::compute_chunk_until(&sc, range, &halt)
            })
            .await
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
