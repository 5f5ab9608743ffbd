//! The engine task: paced, paused, stepped exactly, generations respected.

use std::sync::Arc;
use std::time::Duration;

use downhill::engine::{self, Command, Event, Pace, Snapshot};
use downhill::scenario::{self, bundled};
use tokio::sync::mpsc::UnboundedReceiver;

fn peaks() -> Arc<scenario::Scenario> {
    let (n, t) = bundled::find("peaks").unwrap();
    Arc::new(scenario::parse(n, t).unwrap())
}

async fn next(rx: &mut UnboundedReceiver<Event>) -> Arc<Snapshot> {
    match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(Event::Snapshot(s))) => s,
        other => panic!("no snapshot: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_steps_are_exact_and_resume_runs() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::SetPaused(true)).unwrap();
    cmd.send(Command::Activate {
        id: 3,
        generation: 0,
        scenario: peaks(),
        pace: Pace::Max,
    })
    .unwrap();
    let s = next(&mut rx).await;
    assert_eq!((s.scenario, s.generation, s.epoch), (3, 0, 0));
    for want in 1..=3 {
        cmd.send(Command::Step {
            id: 3,
            generation: 0,
        })
        .unwrap();
        assert_eq!(next(&mut rx).await.epoch, want);
    }
    // Paused: nothing more arrives.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err()
    );
    // A step for a stale generation is ignored.
    cmd.send(Command::Step {
        id: 3,
        generation: 9,
    })
    .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err()
    );
    // Resume at max pace: the race runs to the end.
    cmd.send(Command::SetPaused(false)).unwrap();
    let mut last = next(&mut rx).await;
    while !last.done {
        last = next(&mut rx).await;
    }
    assert_eq!(last.epoch, 1000);
    assert!(
        last.runs.iter().all(
            |r| r.epoch == 1000 || !matches!(r.status, downhill::descent::run::Status::Running)
        )
    );
    cmd.send(Command::Shutdown).unwrap();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pace_is_respected() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::Activate {
        id: 0,
        generation: 0,
        scenario: peaks(),
        pace: Pace::PerSecond(20.0),
    })
    .unwrap();
    let start = next(&mut rx).await;
    assert_eq!(start.epoch, 0);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let mut last = start;
    while let Ok(Event::Snapshot(s)) = rx.try_recv() {
        last = s;
    }
    // 20 epochs per second: about 20 after a second (generous bounds for a busy machine).
    assert!((5..=40).contains(&last.epoch), "{}", last.epoch);
    cmd.send(Command::Shutdown).unwrap();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_keeps_progress_and_restart_starts_over() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::SetPaused(true)).unwrap();
    let sc = peaks();
    cmd.send(Command::Activate {
        id: 0,
        generation: 0,
        scenario: sc.clone(),
        pace: Pace::Max,
    })
    .unwrap();
    next(&mut rx).await;
    cmd.send(Command::Step {
        id: 0,
        generation: 0,
    })
    .unwrap();
    cmd.send(Command::Step {
        id: 0,
        generation: 0,
    })
    .unwrap();
    next(&mut rx).await;
    assert_eq!(next(&mut rx).await.epoch, 2);
    cmd.send(Command::Activate {
        id: 1,
        generation: 0,
        scenario: sc.clone(),
        pace: Pace::Max,
    })
    .unwrap();
    assert_eq!(next(&mut rx).await.scenario, 1);
    cmd.send(Command::Activate {
        id: 0,
        generation: 0,
        scenario: sc.clone(),
        pace: Pace::Max,
    })
    .unwrap();
    let back = next(&mut rx).await;
    assert_eq!((back.scenario, back.epoch), (0, 2), "progress kept");
    cmd.send(Command::Activate {
        id: 0,
        generation: 1,
        scenario: sc,
        pace: Pace::Max,
    })
    .unwrap();
    let fresh = next(&mut rx).await;
    assert_eq!(
        (fresh.generation, fresh.epoch),
        (1, 0),
        "restart starts over"
    );
    cmd.send(Command::Shutdown).unwrap();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeps_fill_in_by_chunks_with_the_same_numbers() {
    let (n, t) = bundled::find("sweep-start").unwrap();
    let sc = Arc::new(scenario::parse(n, t).unwrap());
    let direct = downhill::sweep::compute(&sc, |_, _| {}).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::Sweep {
        id: 7,
        generation: 2,
        scenario: sc.clone(),
    })
    .unwrap();
    let mut grid = downhill::sweep::SweepGrid::new(&sc).unwrap();
    let mut chunks = 0;
    while !grid.is_complete() {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(Event::Sweep {
                id,
                generation,
                results,
            })) => {
                assert_eq!((id, generation), (7, 2));
                grid.fill(results.iter().cloned());
                chunks += 1;
            }
            other => panic!("expected sweep results, got {other:?}"),
        }
    }
    assert!(chunks > 1, "reported progressively");
    assert_eq!(grid, direct);
    cmd.send(Command::Shutdown).unwrap();
    task.await.unwrap();
}
