//! The engine task: paced, paused, stepped exactly, generations respected.

use std::sync::Arc;
use std::time::Duration;

use downhill::engine::{self, Command, Event, Pace};
use downhill::scenario::{self, bundled};
use downhill::track::{self, Snapshot};
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
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::SetPaused(true)).await;
    cmd.send(Command::Activate {
        id: 3,
        generation: 0,
        scenario: peaks(),
        pace: Pace::Max,
    })
    .await;
    let s = next(&mut rx).await;
    assert_eq!((s.scenario, s.generation, s.epoch), (3, 0, 0));
    for want in 1..=3 {
        cmd.send(Command::Step {
            id: 3,
            generation: 0,
        })
        .await;
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
    .await;
    assert!(
        tokio::time::timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err()
    );
    // Resume at max pace: the race runs to the end.
    cmd.send(Command::SetPaused(false)).await;
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
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pace_is_respected() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::Activate {
        id: 0,
        generation: 0,
        scenario: peaks(),
        pace: Pace::PerSecond(20.0),
    })
    .await;
    let start = next(&mut rx).await;
    assert_eq!(start.epoch, 0);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let mut last = start;
    while let Ok(Event::Snapshot(s)) = rx.try_recv() {
        last = s;
    }
    // 20 epochs per second: about 20 after a second (generous bounds for a busy machine).
    assert!((5..=40).contains(&last.epoch), "{}", last.epoch);
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_keeps_progress_and_restart_starts_over() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::SetPaused(true)).await;
    let sc = peaks();
    cmd.send(Command::Activate {
        id: 0,
        generation: 0,
        scenario: sc.clone(),
        pace: Pace::Max,
    })
    .await;
    next(&mut rx).await;
    cmd.send(Command::Step {
        id: 0,
        generation: 0,
    })
    .await;
    cmd.send(Command::Step {
        id: 0,
        generation: 0,
    })
    .await;
    next(&mut rx).await;
    assert_eq!(next(&mut rx).await.epoch, 2);
    cmd.send(Command::Activate {
        id: 1,
        generation: 0,
        scenario: sc.clone(),
        pace: Pace::Max,
    })
    .await;
    assert_eq!(next(&mut rx).await.scenario, 1);
    cmd.send(Command::Activate {
        id: 0,
        generation: 0,
        scenario: sc.clone(),
        pace: Pace::Max,
    })
    .await;
    let back = next(&mut rx).await;
    assert_eq!((back.scenario, back.epoch), (0, 2), "progress kept");
    cmd.send(Command::Activate {
        id: 0,
        generation: 1,
        scenario: sc,
        pace: Pace::Max,
    })
    .await;
    let fresh = next(&mut rx).await;
    assert_eq!(
        (fresh.generation, fresh.epoch),
        (1, 0),
        "restart starts over"
    );
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeps_fill_in_by_chunks_with_the_same_numbers() {
    let (n, t) = bundled::find("sweep-start").unwrap();
    let sc = Arc::new(scenario::parse(n, t).unwrap());
    let direct = downhill::sweep::compute(&sc, |_, _| {}).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::Sweep {
        id: 7,
        generation: 2,
        scenario: sc.clone(),
    })
    .await;
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
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_round_trips_to_what_run_prints() {
    let (n, t) = bundled::find("fixed-vs-dynamic").unwrap();
    let sc = Arc::new(scenario::parse(n, t).unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::Activate {
        id: 0,
        generation: 0,
        scenario: sc.clone(),
        pace: Pace::Max,
    })
    .await;
    loop {
        if next(&mut rx).await.done {
            break;
        }
    }
    let dir = std::env::temp_dir().join(format!("downhill-export-test-{}", std::process::id()));
    cmd.send(Command::Export {
        id: 0,
        generation: 0,
        dir: dir.clone(),
    })
    .await;
    let (csv, json) = loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(Event::Exported { id: 0, result })) => break result.unwrap(),
            Ok(Some(_)) => continue,
            other => panic!("no export: {other:?}"),
        }
    };
    assert!(csv.starts_with(&dir) && json.starts_with(&dir));
    let name = csv.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("fixed-vs-dynamic-learning-rate-") && name.ends_with(".csv"),
        "{name}"
    );

    // The JSON, less the histories, is exactly `downhill run --format json`.
    let mut exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let runs = exported["runs"].as_array_mut().unwrap();
    for r in runs.iter_mut() {
        let h = r.as_object_mut().unwrap().remove("history").unwrap();
        assert_eq!(h["epoch"].as_array().unwrap().len(), 51);
        assert_eq!(h["complete"], true);
    }
    exported.as_object_mut().unwrap().remove("epoch");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(["run", "fixed-vs-dynamic", "--format", "json"])
        .output()
        .unwrap();
    let headless: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported, headless);

    // The CSV has the same rows as `downhill run --format csv`.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(["run", "fixed-vs-dynamic", "--format", "csv"])
        .output()
        .unwrap();
    let mut a: Vec<String> = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut b: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(a[0], b[0], "same header");
    a.sort();
    b.sort();
    assert_eq!(a, b);

    // An export that cannot be written says so, and the engine carries on.
    let blocked = dir.join("a-file");
    std::fs::write(&blocked, b"x").unwrap();
    cmd.send(Command::Export {
        id: 0,
        generation: 0,
        dir: blocked.join("sub"),
    })
    .await;
    match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(Event::Exported { result: Err(e), .. })) => {
            assert!(e.contains("cannot create"), "{e}")
        }
        other => panic!("expected a failed export, got {other:?}"),
    }
    cmd.send(Command::Step {
        id: 0,
        generation: 0,
    })
    .await;
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_cuts_a_max_pace_batch_short() {
    // At one frame a second, a max-pace batch would step for a whole second
    // before the engine looked at its commands again.
    let long = endless_race();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(1, tx);
    cmd.send(Command::Activate {
        id: 1,
        generation: 0,
        scenario: long,
        pace: Pace::Max,
    })
    .await;
    assert_eq!(next(&mut rx).await.epoch, 0);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = std::time::Instant::now();
    cmd.send(Command::SetPaused(true)).await;
    cmd.send(Command::Step {
        id: 1,
        generation: 0,
    })
    .await;
    // The cut batch's picture, then the single step's.
    let cut = next(&mut rx).await;
    let stepped = next(&mut rx).await;
    let waited = asked.elapsed();
    assert!(cut.epoch > 0 && !cut.done);
    assert_eq!(stepped.epoch, cut.epoch + 1);
    assert!(
        waited < Duration::from_millis(500),
        "the batch ran on for {waited:?}"
    );
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
}

#[test]
fn a_snapshot_shows_each_history_column_where_it_belongs() {
    // Past the full window, so the buckets are coarse and the tail is a ring.
    let sc = peaks();
    let mut slot = track::Slot::new(0, 0, sc.clone());
    for _ in 0..5_000 {
        slot.step();
    }
    let snap = slot.snapshot();
    let dim = sc.dim();
    use track::{CHART_GROUPS, TRAIL, col};
    for (view, h) in snap.runs.iter().zip(&slot.histories) {
        assert_eq!(view.loss_series, h.envelope(col::LOSS, CHART_GROUPS));
        assert_eq!(view.lr_series, h.envelope(col::LR, CHART_GROUPS));
        for d in 0..dim {
            assert_eq!(
                view.param_series[d],
                h.envelope(col::PARAMS + d, CHART_GROUPS)
            );
            let g = h.envelope(col::PARAMS + dim + d, CHART_GROUPS);
            assert_eq!(view.grad_series[d], g);
        }
        assert_eq!(view.loss_range, h.range(col::LOSS));
        assert_eq!(view.lr_range, h.range(col::LR));
        assert!(view.loss_range.is_some());
        // The trail ends where the run is; the path is the buckets' ends.
        assert_eq!(view.trail.len(), TRAIL);
        assert_eq!(view.trail.last(), Some(view.params.as_slice()));
        assert_eq!(view.path, h.path(col::PARAMS..col::PARAMS + dim));
        assert_eq!(view.path.last(), Some(view.params.as_slice()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rates_change_steps_go_back_and_the_scenario_saves() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::SetPaused(true)).await;
    cmd.send(Command::Activate {
        id: 1,
        generation: 0,
        scenario: peaks(),
        pace: Pace::Max,
    })
    .await;
    next(&mut rx).await;
    let step = || Command::Step {
        id: 1,
        generation: 0,
    };
    cmd.send(step()).await;
    let one = next(&mut rx).await;
    cmd.send(Command::SetLr {
        id: 1,
        generation: 0,
        run: 0,
        lr: 0.02,
    })
    .await;
    let edited = next(&mut rx).await;
    assert_eq!(edited.runs[0].base_lr, 0.02);
    // Paused, the table's lr is at once the rate of the next update.
    assert_eq!(edited.runs[0].lr, 0.02);
    assert_eq!(edited.runs[1].base_lr, peaks().runs[1].lr);
    cmd.send(step()).await;
    let two = next(&mut rx).await;
    assert_eq!(two.epoch, 2);
    assert_eq!(two.runs[0].lr, 0.02, "the new rate from the next update");
    // One back: epoch 1 exactly as it was (with the edit, made at epoch 1).
    cmd.send(Command::StepBack {
        id: 1,
        generation: 0,
    })
    .await;
    let back = next(&mut rx).await;
    assert_eq!(back.epoch, 1);
    assert_eq!(back.runs[0].params, one.runs[0].params);
    assert_eq!(back.runs[0].base_lr, 0.02);
    // A stale generation is ignored.
    cmd.send(Command::StepBack {
        id: 1,
        generation: 7,
    })
    .await;
    assert!(
        tokio::time::timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err()
    );
    let dir = std::env::temp_dir().join(format!("downhill-engine-save-{}", std::process::id()));
    cmd.send(Command::Save {
        id: 1,
        generation: 0,
        dir: dir.clone(),
    })
    .await;
    let path = match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
        Ok(Some(Event::Saved { id: 1, result })) => result.unwrap(),
        other => panic!("no save: {other:?}"),
    };
    let saved = scenario::load_file(&path).unwrap();
    assert_eq!(saved.runs[0].lr, 0.02);
    assert_eq!(saved.runs[1].lr, peaks().runs[1].lr);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("changed to 0.02 at epoch 1"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
}

/// Make scenario `id` the active one, at pace `max`.
fn flat_out(id: usize, generation: u64, sc: &Arc<scenario::Scenario>) -> Command {
    Command::Activate {
        id,
        generation,
        scenario: sc.clone(),
        pace: Pace::Max,
    }
}

/// Six runs on peaks for 10^9 epochs: flat out, it never ends.
fn endless_race() -> Arc<scenario::Scenario> {
    let text =
        include_str!("../../benches/six-runs.toml").replace("epochs = 1000", "epochs = 1000000000");
    Arc::new(scenario::parse("long", &text).unwrap())
}

/// Peaks with a `[sweep]` that takes minutes: 100 × 100 starts, a million
/// epochs each.
fn endless_sweep() -> Arc<scenario::Scenario> {
    let (n, t) = bundled::find("peaks").unwrap();
    let text = format!(
        "{}\n[sweep]\nx_axis = {{ param = \"start.x\", from = -2.0, to = 2.0, steps = 100 }}\n\
         y_axis = {{ param = \"start.y\", from = -2.0, to = 2.0, steps = 100 }}\n",
        t.replace("epochs = 1000", "epochs = 1000000")
    );
    Arc::new(scenario::parse(n, &text).unwrap())
}

// One thread: the engine runs only once the test waits, so every push
// below happens before it takes a command.
#[tokio::test]
async fn a_flood_of_restarts_is_a_few_restarts() {
    let (n, t) = bundled::find("peaks-starts").unwrap();
    let sc = Arc::new(scenario::parse(n, t).unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.push(Command::SetPaused(true));
    for generation in 0..100_000 {
        cmd.push(flat_out(0, generation, &sc));
    }
    // The channel took a few; the rest coalesced into the last.
    assert_eq!(cmd.backlog(), 1);
    cmd.flush().await;
    let mut restarts = 0;
    let last = loop {
        let s = next(&mut rx).await;
        restarts += 1;
        if s.generation == 99_999 {
            break s;
        }
    };
    assert!(
        restarts <= engine::queue::CHANNEL,
        "{restarts} races built for 100 000 restarts"
    );
    assert_eq!(last.epoch, 0);
    drop(cmd);
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_task_stops_the_engine_its_batch_and_its_sweep() {
    let long = endless_race();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(flat_out(0, 0, &long)).await;
    cmd.send(Command::Sweep {
        id: 1,
        generation: 0,
        scenario: endless_sweep(),
    })
    .await;
    // Running flat out, with a sweep that would take minutes.
    next(&mut rx).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Commands still queued do not hold the end up.
    for _ in 0..100 {
        cmd.push(Command::SetPaused(false));
        cmd.push(Command::SetPace {
            id: 0,
            pace: Pace::Max,
        });
    }
    drop(task);
    // Every sender of events (the task, its batch, its sweep) is gone soon.
    let closed = async { while rx.recv().await.is_some() {} };
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the engine, its batch and its sweep stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sweep_at_a_time_and_a_restart_stops_it() {
    let sc = endless_sweep();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (mut cmd, task) = engine::spawn(30, tx);
    cmd.send(Command::SetPaused(true)).await;
    cmd.send(flat_out(0, 0, &sc)).await;
    next(&mut rx).await;
    for generation in [0, 0, 0] {
        cmd.send(Command::Sweep {
            id: 0,
            generation,
            scenario: sc.clone(),
        })
        .await;
    }
    // A restart: the sweep of generation 0 is stopped, so its chunks (which
    // take seconds) never report, and nothing else is left sending.
    cmd.send(flat_out(0, 1, &sc)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut late = Vec::new();
    while let Ok(e) = rx.try_recv() {
        late.push(e);
    }
    assert!(
        late.iter().all(|e| matches!(e, Event::Snapshot(_))),
        "only snapshots, no sweep chunk: {late:?}"
    );
    cmd.send(Command::Shutdown).await;
    task.await.unwrap();
    drop(cmd);
    let closed = async { while rx.recv().await.is_some() {} };
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("no sweep left running");
}
