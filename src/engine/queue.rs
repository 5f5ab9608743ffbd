//! The way into the engine: a small bounded channel with an outbox in front
//! of it that coalesces, so a burst of commands costs the engine what the
//! last of them asks for.
//!
//! The model's commands go into [`Commands`]; whatever the channel takes is
//! sent at once, the rest waits in the outbox, where a new command replaces
//! the ones it makes pointless:
//!
//! - `Activate` or `Idle` replaces a waiting `Activate` or `Idle` right
//!   before it (a flood of `r` or Tab is one restart, one switch);
//! - `Activate { id, generation }` drops the waiting `Step`, `StepBack`,
//!   `SetLr`, `Sweep`, `Export` and `Save` of `id` for an older generation
//!   (they would be ignored);
//! - `SetPaused`, `SetPace { id }`, `SetLr { id, run }` and `Sweep` replace
//!   one of their own kind right before them.
//!
//! The outbox can still grow when commands alternate (pause, step, pause, …);
//! a driver stops taking input while [`Commands::backlog`] is at
//! [`MAX_BACKLOG`], so keys are dropped before commands pile up.

use std::collections::VecDeque;

use tokio::sync::mpsc::{self, Receiver, Sender};

use super::Command;

/// Commands the channel holds before the outbox keeps them.
pub const CHANNEL: usize = 16;
/// Commands waiting in the outbox beyond which a driver takes no input.
pub const MAX_BACKLOG: usize = 32;

/// The sending end of the engine's commands.
#[derive(Debug)]
pub struct Commands {
    tx: Sender<Command>,
    outbox: VecDeque<Command>,
}

/// A channel for the engine: the sending end, and what the engine reads.
pub(super) fn channel() -> (Commands, Receiver<Command>) {
    let (tx, rx) = mpsc::channel(CHANNEL);
    (
        Commands {
            tx,
            outbox: VecDeque::new(),
        },
        rx,
    )
}

impl Commands {
    /// Queue `c` (coalescing it with what waits) and hand the engine as much
    /// as its channel takes. Never waits; a closed engine drops it.
    pub fn push(&mut self, c: Command) {
        coalesce(&mut self.outbox, c);
        self.try_flush();
    }

    /// Queue every command of `cs`.
    pub fn extend(&mut self, cs: impl IntoIterator<Item = Command>) {
        for c in cs {
            self.push(c);
        }
    }

    /// Commands waiting for room in the channel.
    pub fn backlog(&self) -> usize {
        self.outbox.len()
    }

    fn try_flush(&mut self) {
        while let Some(c) = self.outbox.pop_front() {
            match self.tx.try_send(c) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(c)) => {
                    self.outbox.push_front(c);
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.outbox.clear();
                    return;
                }
            }
        }
    }

    /// Wait for room in the channel and send what waits, until the outbox
    /// is empty (or the engine is gone). Cancel-safe: whatever was not sent
    /// stays in the outbox.
    pub async fn flush(&mut self) {
        while !self.outbox.is_empty() {
            let Ok(permit) = self.tx.reserve().await else {
                self.outbox.clear();
                return;
            };
            if let Some(c) = self.outbox.pop_front() {
                permit.send(c);
            }
        }
    }

    /// Queue `c` and wait until the engine's channel took everything.
    pub async fn send(&mut self, c: Command) {
        self.push(c);
        self.flush().await;
    }
}

/// Add `c` to `outbox`, dropping what it makes pointless (see the module docs).
fn coalesce(outbox: &mut VecDeque<Command>, c: Command) {
    if let Command::Activate { id, generation, .. } | Command::Resume { id, generation, .. } = &c {
        outbox.retain(|w| !stale(w, *id, *generation));
    }
    let replaces = match (outbox.back(), &c) {
        (
            Some(Command::Activate { .. } | Command::Resume { .. } | Command::Idle),
            Command::Activate { .. } | Command::Resume { .. } | Command::Idle,
        ) => true,
        (Some(Command::SetPaused(_)), Command::SetPaused(_)) => true,
        (Some(Command::SetPace { id: a, .. }), Command::SetPace { id: b, .. }) => a == b,
        (Some(Command::Sweep { .. }), Command::Sweep { .. }) => true,
        // A rate set twice for the same run at once: the last one stands.
        (
            Some(Command::SetLr {
                id: a,
                generation: g,
                run: r,
                ..
            }),
            Command::SetLr {
                id: b,
                generation: h,
                run: s,
                ..
            },
        ) => (a, g, r) == (b, h, s),
        _ => false,
    };
    if replaces {
        outbox.pop_back();
    }
    outbox.push_back(c);
}

/// Whether waiting command `w` is for scenario `id` at a generation before
/// `generation`.
fn stale(w: &Command, id: usize, generation: u64) -> bool {
    match w {
        Command::Step {
            id: i,
            generation: g,
        }
        | Command::Sweep {
            id: i,
            generation: g,
            ..
        }
        | Command::Export {
            id: i,
            generation: g,
            ..
        }
        | Command::Save {
            id: i,
            generation: g,
            ..
        }
        | Command::SetLr {
            id: i,
            generation: g,
            ..
        }
        | Command::StepBack {
            id: i,
            generation: g,
        } => *i == id && *g < generation,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::Pace;
    use crate::scenario::{Scenario, bundled};

    fn sc() -> Arc<Scenario> {
        let (n, t) = bundled::find("peaks").unwrap();
        Arc::new(crate::scenario::parse(n, t).unwrap())
    }

    fn activate(id: usize, generation: u64, sc: &Arc<Scenario>) -> Command {
        Command::Activate {
            id,
            generation,
            scenario: sc.clone(),
            pace: Pace::Max,
        }
    }

    fn kinds(q: &VecDeque<Command>) -> Vec<String> {
        q.iter()
            .map(|c| match c {
                Command::Activate { id, generation, .. } => format!("A{id}.{generation}"),
                Command::Resume { id, epoch, .. } => format!("R{id}@{epoch}"),
                Command::Idle => "I".into(),
                Command::SetPaused(p) => format!("P{p}"),
                Command::Step { id, generation } => format!("S{id}.{generation}"),
                Command::SetPace { id, .. } => format!("V{id}"),
                Command::Sweep { id, generation, .. } => format!("W{id}.{generation}"),
                Command::Export { .. } => "E".into(),
                Command::Save { .. } => "D".into(),
                Command::SetLr { run, lr, .. } => format!("L{run}={lr}"),
                Command::StepBack { id, generation } => format!("B{id}.{generation}"),
                Command::Forget { id } => format!("F{id}"),
                Command::Shutdown => "X".into(),
            })
            .collect()
    }

    #[test]
    fn a_flood_of_restarts_is_one_restart() {
        let sc = sc();
        let mut q = VecDeque::new();
        for g in 0..10_000 {
            coalesce(&mut q, activate(0, g, &sc));
        }
        assert_eq!(kinds(&q), ["A0.9999"]);
        // Restart, open the sweep, restart, …: one restart and its sweep.
        for g in 10_000..20_000 {
            coalesce(&mut q, activate(0, g, &sc));
            coalesce(
                &mut q,
                Command::Sweep {
                    id: 0,
                    generation: g,
                    scenario: sc.clone(),
                },
            );
        }
        assert_eq!(kinds(&q), ["A0.19999", "W0.19999"]);
    }

    #[test]
    fn order_that_matters_is_kept() {
        let sc = sc();
        let mut q = VecDeque::new();
        for c in [
            Command::SetPaused(true),
            Command::SetPaused(false),
            activate(1, 0, &sc),
            Command::Step {
                id: 1,
                generation: 0,
            },
            Command::Step {
                id: 1,
                generation: 0,
            },
            activate(2, 0, &sc),
            Command::Idle,
            Command::SetPace {
                id: 2,
                pace: Pace::Max,
            },
            Command::SetPace {
                id: 2,
                pace: Pace::Max,
            },
            Command::SetPace {
                id: 3,
                pace: Pace::Max,
            },
        ] {
            coalesce(&mut q, c);
        }
        assert_eq!(
            kinds(&q),
            ["Pfalse", "A1.0", "S1.0", "S1.0", "I", "V2", "V3"]
        );
        // A restart of 1 drops its steps for the old generation, not others'.
        coalesce(&mut q, activate(1, 1, &sc));
        assert_eq!(kinds(&q), ["Pfalse", "A1.0", "I", "V2", "V3", "A1.1"]);
    }

    #[tokio::test]
    async fn the_channel_is_bounded_and_the_outbox_waits() {
        let (mut cmds, mut rx) = channel();
        for _ in 0..CHANNEL + 5 {
            cmds.push(Command::SetPaused(true));
            cmds.push(Command::Step {
                id: 0,
                generation: 0,
            });
        }
        assert_eq!(cmds.backlog(), 2 * (CHANNEL + 5) - CHANNEL);
        let reader = tokio::spawn(async move {
            let mut got = 0;
            while rx.recv().await.is_some() {
                got += 1;
            }
            got
        });
        cmds.flush().await;
        assert_eq!(cmds.backlog(), 0);
        drop(cmds);
        assert_eq!(reader.await.unwrap(), 2 * (CHANNEL + 5));
        let (mut cmds, rx) = channel();
        drop(rx);
        cmds.push(Command::Idle);
        assert_eq!(cmds.backlog(), 0, "a closed engine takes nothing");
    }

    #[test]
    fn a_rate_asked_twice_is_the_last_and_a_restart_drops_the_knobs() {
        let sc = sc();
        let lr = |run: usize, lr: f64| Command::SetLr {
            id: 0,
            generation: 0,
            run,
            lr,
        };
        let mut q = VecDeque::new();
        for (run, v) in [(0, 0.02), (0, 0.04), (1, 0.5), (1, 1.0)] {
            coalesce(&mut q, lr(run, v));
        }
        assert_eq!(kinds(&q), ["L0=0.04", "L1=1"]);
        coalesce(
            &mut q,
            Command::StepBack {
                id: 0,
                generation: 0,
            },
        );
        coalesce(&mut q, activate(0, 1, &sc));
        assert_eq!(kinds(&q), ["A0.1"], "what was for the old race is dropped");
    }
}
