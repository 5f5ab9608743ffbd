//! `update(model, action)`: action in → state and engine commands out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use downhill::app::{Action, Entry, Model, Overlay, RunState, ScrollMove, update};
use downhill::engine::{Command, Pace};
use downhill::scenario::{self, bundled};
use downhill::track::Slot;

fn model() -> Model {
    let entries = bundled::ALL[..4]
        .iter()
        .map(|(n, t)| Entry::new(bundled::label(n), scenario::parse(n, t)))
        .collect();
    Model::new(entries)
}

fn names(cmds: &[Command]) -> Vec<String> {
    cmds.iter()
        .map(|c| match c {
            Command::Activate { id, generation, .. } => format!("activate {id} gen {generation}"),
            Command::Resume {
                id,
                generation,
                epoch,
                ..
            } => format!("resume {id} gen {generation} at {epoch}"),
            Command::Idle => "idle".into(),
            Command::SetPaused(p) => format!("paused {p}"),
            Command::Step { id, generation } => format!("step {id} gen {generation}"),
            Command::SetPace { id, pace } => format!("pace {id} {}", pace.label()),
            Command::Sweep { id, generation, .. } => format!("sweep {id} gen {generation}"),
            Command::Export { id, .. } => format!("export {id}"),
            Command::Save { id, .. } => format!("save {id}"),
            Command::SetLr {
                id,
                generation,
                run,
                lr,
            } => format!("lr {id} gen {generation} run {run} = {lr}"),
            Command::StepBack { id, generation } => format!("back {id} gen {generation}"),
            Command::Forget { id } => format!("forget {id}"),
            Command::Shutdown => "shutdown".into(),
        })
        .collect()
}

fn snapshot_of(
    m: &Model,
    id: usize,
    generation: u64,
    steps: u64,
) -> Arc<downhill::track::Snapshot> {
    let sc = m.entries[id].scenario.as_ref().unwrap().clone();
    let mut slot = Slot::new(id, generation, sc);
    for _ in 0..steps {
        slot.step();
    }
    Arc::new(slot.snapshot())
}

#[test]
fn pause_toggles() {
    let mut m = model();
    assert!(!m.paused());
    assert_eq!(names(&update(&mut m, Action::TogglePause)), ["paused true"]);
    assert!(m.paused());
    assert_eq!(
        names(&update(&mut m, Action::TogglePause)),
        ["paused false"]
    );
    assert!(!m.paused());
}

#[test]
fn pause_is_per_scenario_and_switching_brings_it_back() {
    let mut m = model();
    update(&mut m, Action::TogglePause);
    // The next scenario runs (its own pause is off), set before it is
    // activated so not one epoch slips.
    assert_eq!(
        names(&update(&mut m, Action::Next)),
        ["paused false", "activate 1 gen 0"]
    );
    assert!(!m.paused());
    assert_eq!(m.entries[1].state(true), RunState::Running);
    assert_eq!(m.entries[0].state(false), RunState::Paused);
    // Back: still paused where it was left.
    assert_eq!(
        names(&update(&mut m, Action::Prev)),
        ["paused true", "activate 0 gen 0"]
    );
    assert!(m.paused());
    assert_eq!(m.entries[1].state(false), RunState::Waiting);
}

#[test]
fn space_on_a_finished_scenario_says_so_and_r_restarts_running() {
    let mut m = model();
    let done = snapshot_of(&m, 0, 0, 100);
    assert!(done.done);
    update(&mut m, Action::Snapshot(done, Instant::now()));
    assert!(update(&mut m, Action::TogglePause).is_empty());
    assert!(!m.paused(), "no hidden pause is set");
    assert_eq!(
        m.message.as_deref(),
        Some("this scenario is done; r restarts it")
    );
    assert_eq!(m.entries[0].state(true), RunState::Done);
    m.message = None;
    assert!(update(&mut m, Action::Step).is_empty(), "nothing to step");
    assert!(m.message.is_some());
    // Paused by hand before it finished, then restarted: the new race runs.
    m.entries[0].paused = true;
    assert!(m.paused());
    assert_eq!(
        names(&update(&mut m, Action::Restart)),
        ["paused false", "activate 0 gen 1"]
    );
    assert!(!m.paused());
}

#[test]
fn escape_closes_what_is_open_and_never_quits() {
    let mut m = model();
    update(&mut m, Action::ToggleHelp);
    update(&mut m, Action::Close);
    assert_eq!(m.overlay, Overlay::None);
    // A second Esc on the bare dashboard: still there.
    assert!(update(&mut m, Action::Close).is_empty());
    assert!(!m.quit);
    update(&mut m, Action::ToggleMap);
    update(&mut m, Action::Close);
    assert!(!m.map_full, "Esc leaves the full-screen map");
    m.message = Some("exported a.csv and a.json".into());
    update(&mut m, Action::Close);
    assert!(m.message.is_none(), "then the message");
    update(&mut m, Action::Close);
    assert!(!m.quit);
    // The key itself.
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    let a = downhill::app::keymap::action_for(esc, &m.overlay).unwrap();
    assert!(matches!(a, Action::Close), "{a:?}");
}

#[test]
fn views_scroll_within_the_limits_they_report() {
    let mut m = model();
    update(&mut m, Action::ToggleDetails);
    assert_eq!(m.overlay, Overlay::Details);
    // Before the view reported its limits, nothing moves.
    update(&mut m, Action::Scroll(ScrollMove::Down));
    assert_eq!(m.scroll.offset, 0);
    update(&mut m, Action::ScrollLimit { max: 12, page: 5 });
    update(&mut m, Action::Scroll(ScrollMove::Down));
    assert_eq!(m.scroll.offset, 1);
    update(&mut m, Action::Scroll(ScrollMove::PageDown));
    assert_eq!(m.scroll.offset, 6);
    update(&mut m, Action::Scroll(ScrollMove::End));
    assert_eq!(m.scroll.offset, 12);
    update(&mut m, Action::Scroll(ScrollMove::Down));
    assert_eq!(m.scroll.offset, 12, "not past the end");
    update(&mut m, Action::Scroll(ScrollMove::Up));
    assert_eq!(m.scroll.offset, 11, "one press back from the end");
    update(&mut m, Action::Scroll(ScrollMove::PageUp));
    assert_eq!(m.scroll.offset, 6);
    // A bigger terminal: the view needs less scrolling.
    update(&mut m, Action::ScrollLimit { max: 3, page: 14 });
    assert_eq!(m.scroll.offset, 3);
    update(&mut m, Action::Scroll(ScrollMove::Home));
    assert_eq!(m.scroll.offset, 0);
    // Another view opens at its top.
    update(&mut m, Action::Scroll(ScrollMove::End));
    update(&mut m, Action::ToggleHelp);
    assert_eq!(m.overlay, Overlay::Help);
    assert_eq!(m.scroll.offset, 0);
    update(&mut m, Action::ToggleHelp);
    assert_eq!(m.overlay, Overlay::None);
}

#[test]
fn max_pace_measures_the_rate() {
    let mut m = model();
    m.entries[0].pace = Pace::Max;
    let t0 = Instant::now();
    let snap = |epochs| snapshot_of(&m, 0, 0, epochs);
    let (a, b, c) = (snap(10), snap(30), snap(60));
    update(&mut m, Action::Snapshot(a, t0));
    update(&mut m, Action::Snapshot(b, t0 + Duration::from_millis(100)));
    assert_eq!(m.entries[0].rate.per_second, None, "a window is 0.5 s");
    update(&mut m, Action::Snapshot(c, t0 + Duration::from_millis(500)));
    let r = m.entries[0].rate.per_second.unwrap();
    assert!((r - 100.0).abs() < 1e-9, "{r}");
    let status = downhill::ui::header::status_line(&m);
    assert!(
        status.contains("100 ep/s") && status.contains("0s left"),
        "{status}"
    );
    // Pausing forgets it (the time paused is not stepping time).
    update(&mut m, Action::TogglePause);
    assert_eq!(m.entries[0].rate.per_second, None);
    assert!(!downhill::ui::header::status_line(&m).contains("ep/s"));
}

#[test]
fn step_pauses_then_steps_exactly_once() {
    let mut m = model();
    assert_eq!(
        names(&update(&mut m, Action::Step)),
        ["paused true", "step 0 gen 0"]
    );
    assert!(m.paused());
    assert_eq!(names(&update(&mut m, Action::Step)), ["step 0 gen 0"]);
}

#[test]
fn switching_wraps_and_keeps_progress() {
    let mut m = model();
    let s = snapshot_of(&m, 0, 0, 7);
    update(&mut m, Action::Snapshot(s, Instant::now()));
    assert_eq!(m.snapshot().unwrap().epoch, 7);
    assert_eq!(
        names(&update(&mut m, Action::Next)),
        ["paused false", "activate 1 gen 0"]
    );
    assert_eq!(m.current, 1);
    assert!(m.snapshot().is_none());
    assert_eq!(
        names(&update(&mut m, Action::Prev)),
        ["paused false", "activate 0 gen 0"]
    );
    assert_eq!(m.snapshot().unwrap().epoch, 7, "progress kept");
    update(&mut m, Action::Prev);
    assert_eq!(m.current, 3, "wraps backwards");
    update(&mut m, Action::Next);
    assert_eq!(m.current, 0, "wraps forwards");
    assert_eq!(
        names(&update(&mut m, Action::Jump(2))),
        ["paused false", "activate 2 gen 0"]
    );
    assert!(
        update(&mut m, Action::Jump(8)).is_empty(),
        "no 9th scenario"
    );
    assert_eq!(m.current, 2);
}

#[test]
fn restart_bumps_generation_and_drops_late_snapshots() {
    let mut m = model();
    let s = snapshot_of(&m, 0, 0, 5);
    update(&mut m, Action::Snapshot(s, Instant::now()));
    assert_eq!(
        names(&update(&mut m, Action::Restart)),
        ["paused false", "activate 0 gen 1"]
    );
    assert!(m.snapshot().is_none());
    // A snapshot from before the restart arrives late: ignored.
    let s = snapshot_of(&m, 0, 0, 9);
    update(&mut m, Action::Snapshot(s, Instant::now()));
    assert!(m.snapshot().is_none());
    let s = snapshot_of(&m, 0, 1, 2);
    update(&mut m, Action::Snapshot(s, Instant::now()));
    assert_eq!(m.snapshot().unwrap().epoch, 2);
}

#[test]
fn speed_walks_the_ladder() {
    let mut m = model();
    // 100 epochs: 10 ep/s by default.
    assert_eq!(m.entries[0].pace, Pace::PerSecond(10.0));
    assert_eq!(names(&update(&mut m, Action::Faster)), ["pace 0 20 ep/s"]);
    assert_eq!(names(&update(&mut m, Action::Slower)), ["pace 0 10 ep/s"]);
    update(&mut m, Action::Slower);
    assert_eq!(m.entries[0].pace, Pace::PerSecond(5.0));
    for _ in 0..40 {
        update(&mut m, Action::Faster);
    }
    assert_eq!(m.entries[0].pace, Pace::Max);
    // The pace is per scenario.
    update(&mut m, Action::Next);
    assert_eq!(m.entries[1].pace, Pace::PerSecond(10.0));
}

#[test]
fn picker_filters_and_opens() {
    let mut m = model();
    update(&mut m, Action::OpenPicker);
    for c in "peaks".chars() {
        update(&mut m, Action::Filter(c));
    }
    assert_eq!(
        m.overlay,
        Overlay::Picker {
            filter: "peaks".into(),
            selected: 2
        }
    );
    assert_eq!(
        names(&update(&mut m, Action::Confirm)),
        ["paused false", "activate 2 gen 0"]
    );
    assert_eq!(m.current, 2);
    assert_eq!(m.overlay, Overlay::None);
    // Typing something that matches nothing and confirming does nothing.
    update(&mut m, Action::OpenPicker);
    update(&mut m, Action::Filter('#'));
    assert!(update(&mut m, Action::Confirm).is_empty());
    assert_eq!(m.current, 2);
}

#[test]
fn help_and_log_toggle_quit_stops_the_engine() {
    let mut m = model();
    update(&mut m, Action::ToggleHelp);
    assert_eq!(m.overlay, Overlay::Help);
    update(&mut m, Action::Close);
    assert_eq!(m.overlay, Overlay::None);
    update(&mut m, Action::ToggleLog);
    assert!(m.log_scale);
    assert_eq!(names(&update(&mut m, Action::Quit)), ["shutdown"]);
    assert!(m.quit);
}

#[test]
fn a_broken_scenario_idles_the_engine() {
    let mut m = model();
    m.entries.push(Entry::new(
        "bad.toml".into(),
        scenario::parse("bad.toml", "title = 1"),
    ));
    assert_eq!(names(&update(&mut m, Action::Jump(4))), ["idle"]);
    assert!(update(&mut m, Action::Restart).is_empty());
    assert_eq!(names(&update(&mut m, Action::Step)), ["paused true"]);
}

#[test]
fn explain_pauses_and_chart_cycles() {
    let mut m = model();
    assert_eq!(
        names(&update(&mut m, Action::ToggleExplain)),
        ["paused true"]
    );
    assert_eq!(m.overlay, Overlay::Explain);
    // Stepping with the panel open keeps it open.
    assert_eq!(names(&update(&mut m, Action::Step)), ["step 0 gen 0"]);
    assert_eq!(m.overlay, Overlay::Explain);
    // Turning to another scenario under the panel pauses that one too.
    assert_eq!(
        names(&update(&mut m, Action::Next)),
        ["paused true", "activate 1 gen 0"]
    );
    update(&mut m, Action::Prev);
    assert!(update(&mut m, Action::ToggleExplain).is_empty());
    assert_eq!(m.overlay, Overlay::None);
    use downhill::app::LowerChart::*;
    let mut seen = vec![m.lower];
    for _ in 0..4 {
        update(&mut m, Action::CycleChart);
        seen.push(m.lower);
    }
    // Never the loss: the loss chart is always beside it.
    assert_eq!(seen, [Lr, Position, Gradient, Lr, Position]);
}

#[test]
fn the_sweep_view_starts_once_and_its_cursor_stays_inside() {
    let entries = bundled::ALL
        .iter()
        .map(|(n, t)| Entry::new(bundled::label(n), scenario::parse(n, t)))
        .collect();
    let mut m = Model::new(entries);
    // A scenario without [sweep] says so.
    assert!(update(&mut m, Action::OpenSweep).is_empty());
    assert_eq!(
        m.message.as_deref(),
        Some("this scenario has no [sweep] table")
    );
    assert_eq!(m.overlay, Overlay::None);
    let idx = bundled::ALL
        .iter()
        .position(|(n, _)| n.contains("lr-epochs"))
        .unwrap();
    update(&mut m, Action::Jump(idx.min(8)));
    m.current = idx;
    let cmds = update(&mut m, Action::OpenSweep);
    assert!(matches!(cmds[..], [Command::Sweep { id, generation: 0, .. }] if id == idx));
    assert_eq!(m.overlay, Overlay::Sweep);
    update(&mut m, Action::Close);
    assert!(
        update(&mut m, Action::OpenSweep).is_empty(),
        "already computing"
    );
    update(&mut m, Action::SweepCursor(-5, -5));
    assert_eq!(m.entries[idx].sweep.as_ref().unwrap().cursor, vec![0, 0]);
    update(&mut m, Action::SweepCursor(1000, 1000));
    assert_eq!(m.entries[idx].sweep.as_ref().unwrap().cursor, vec![49, 39]);
}

fn file_entry(label: &str, text: &str, modified_secs: u64) -> Entry {
    let mut e = Entry::new(label.into(), scenario::parse(label, text));
    e.modified = Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(modified_secs));
    e
}

fn scenario_text(title: &str) -> String {
    bundled::find("fixed-vs-dynamic").unwrap().1.replacen(
        "title = \"Fixed vs dynamic learning rate\"",
        &format!("title = \"{title}\""),
        1,
    )
}

#[test]
fn reload_merges_changed_broken_new_and_deleted_files() {
    let mut m = Model::new(vec![
        file_entry("a.toml", &scenario_text("A"), 1),
        file_entry("b.toml", &scenario_text("B"), 1),
    ]);
    update(&mut m, Action::Next); // b on screen
    let b_id = m.entries[1].id;
    // b saved with a new title: it restarts on the new version.
    let cmds = update(
        &mut m,
        Action::Reload(vec![
            file_entry("a.toml", &scenario_text("A"), 1),
            file_entry("b.toml", &scenario_text("B2"), 2),
        ]),
    );
    assert_eq!(
        names(&cmds),
        ["paused false".to_string(), format!("activate {b_id} gen 1")]
    );
    assert_eq!(m.entry().unwrap().name(), "B2");
    // A broken save keeps the last good version and shows the error.
    let cmds = update(
        &mut m,
        Action::Reload(vec![
            file_entry("a.toml", &scenario_text("A"), 1),
            file_entry("b.toml", "title = \"broken", 3),
        ]),
    );
    assert!(cmds.is_empty(), "the good version keeps running");
    assert_eq!(m.entry().unwrap().name(), "B2");
    assert!(m.entry().unwrap().reload_error.is_some());
    // Fixing it reloads it.
    update(
        &mut m,
        Action::Reload(vec![
            file_entry("a.toml", &scenario_text("A"), 1),
            file_entry("b.toml", &scenario_text("B3"), 4),
        ]),
    );
    assert_eq!(m.entry().unwrap().name(), "B3");
    assert!(m.entry().unwrap().reload_error.is_none());
    assert_eq!(m.entry().unwrap().generation, 2);
    // A new file appears (with a fresh id), a deleted one goes, and the
    // scenario on screen stays on screen.
    let a_id = m.entries[0].id;
    let cmds = update(
        &mut m,
        Action::Reload(vec![
            file_entry("0.toml", &scenario_text("Zero"), 5),
            file_entry("b.toml", &scenario_text("B3"), 4),
        ]),
    );
    assert_eq!(names(&cmds), [format!("forget {a_id}")]);
    assert_eq!(m.entries.len(), 2);
    assert_eq!(m.entries[0].name(), "Zero");
    assert!(m.entries[0].id > b_id);
    assert_eq!(m.entry().unwrap().id, b_id);
    assert_eq!(m.current, 1);
}

#[test]
fn export_needs_a_directory() {
    let mut m = model();
    assert!(update(&mut m, Action::Export).is_empty());
    assert_eq!(m.message.as_deref(), Some("exporting is disabled here"));
    m.export_dir = Some("out".into());
    let cmds = update(&mut m, Action::Export);
    assert!(
        matches!(&cmds[..], [Command::Export { id: 0, generation: 0, dir }] if dir.as_os_str() == "out")
    );
    update(&mut m, Action::Exported(Err("disk full".into())));
    assert_eq!(m.message.as_deref(), Some("export failed: disk full"));
}

#[test]
fn b_toggles_the_basins_view_without_engine_commands() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut m = model();
    assert!(!m.show_basins);
    let key = KeyEvent::new(KeyCode::Char('b'), KeyModifiers::NONE);
    let action = downhill::app::keymap::action_for(key, &m.overlay).unwrap();
    assert!(update(&mut m, action).is_empty());
    assert!(m.show_basins);
    update(&mut m, Action::Next);
    assert!(m.show_basins, "the view stays across scenarios");
    assert!(update(&mut m, Action::ToggleBasins).is_empty());
    assert!(!m.show_basins);
}

/// The scenario each engine `Activate` races.
fn activated(cmds: &[Command]) -> Arc<scenario::Scenario> {
    cmds.iter()
        .find_map(|c| match c {
            Command::Activate { scenario, .. } => Some(scenario.clone()),
            _ => None,
        })
        .expect("an activate")
}

#[test]
fn the_selected_run_moves_within_the_table() {
    let mut m = model();
    let snap = snapshot_of(&m, 0, 0, 3);
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    assert_eq!(m.entries[0].selected, 0, "the first run at start");
    assert!(update(&mut m, Action::SelectRun(1)).is_empty());
    assert_eq!(m.entries[0].selected, 1);
    update(&mut m, Action::SelectRun(5));
    assert_eq!(m.entries[0].selected, 2, "01 has three runs");
    update(&mut m, Action::SelectRun(-9));
    assert_eq!(m.entries[0].selected, 0);
}

#[test]
fn rates_double_and_halve_from_now_and_restarts_keep_them() {
    let mut m = model();
    let snap = snapshot_of(&m, 0, 0, 3);
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    let lr = m.entries[0].scenario.as_ref().unwrap().runs[0].lr;
    let cmds = update(&mut m, Action::ScaleLr(2.0));
    assert_eq!(names(&cmds), [format!("lr 0 gen 0 run 0 = {}", lr * 2.0)]);
    assert_eq!(m.entries[0].tweaks.lrs, [Some(lr * 2.0)]);
    // The engine answers with the new base rate.
    let mut snap = (*snapshot_of(&m, 0, 0, 3)).clone();
    snap.runs[0].base_lr = lr * 2.0;
    update(&mut m, Action::Snapshot(Arc::new(snap), Instant::now()));
    assert!(m.entries[0].is_edited(0) && !m.entries[0].is_edited(1));
    let cmds = update(&mut m, Action::ScaleLr(0.5));
    assert_eq!(names(&cmds), [format!("lr 0 gen 0 run 0 = {lr}")]);
    update(&mut m, Action::ScaleLr(2.0));
    // `r` starts every run from its start with the rate set.
    let cmds = update(&mut m, Action::Restart);
    let sc = activated(&cmds);
    assert_eq!(sc.runs[0].lr, lr * 2.0);
    assert_eq!(
        sc.runs[1].lr,
        m.entries[0].scenario.as_ref().unwrap().runs[1].lr
    );
    // Rates stay within bounds, and say so.
    let snap = snapshot_of(&m, 0, 1, 0);
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    m.entries[0].tweaks.lrs[0] = Some(1e6);
    assert!(update(&mut m, Action::ScaleLr(2.0)).is_empty());
    assert!(
        m.message.as_deref().unwrap().contains("stays"),
        "{:?}",
        m.message
    );
}

#[test]
fn hiding_a_run_keeps_it_running() {
    let mut m = model();
    let snap = snapshot_of(&m, 0, 0, 3);
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    update(&mut m, Action::SelectRun(1));
    assert!(
        update(&mut m, Action::ToggleHidden).is_empty(),
        "no engine command"
    );
    assert!(m.entries[0].is_hidden(1) && !m.entries[0].is_hidden(0));
    update(&mut m, Action::ToggleHidden);
    assert!(!m.entries[0].is_hidden(1));
}

#[test]
fn a_placed_start_restarts_every_run_there() {
    let mut m = model();
    m.current = 2; // 03-peaks, [-3, 3]²
    let snap = snapshot_of(&m, 2, 0, 5);
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    update(&mut m, Action::StartPlacing);
    let Overlay::Place { at } = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert_eq!(
        at,
        &[-1.16863321, 1.13352453],
        "at the selected run's start"
    );
    // Arrows move a 50th of the domain; Shift ten; never out of it.
    update(&mut m, Action::MovePlace(1, -10));
    let Overlay::Place { at } = &m.overlay else {
        panic!()
    };
    assert!((at[0] - (-1.16863321 + 0.12)).abs() < 1e-12, "{at:?}");
    assert!((at[1] - (1.13352453 - 1.2)).abs() < 1e-12, "{at:?}");
    update(&mut m, Action::MovePlace(0, 100));
    let Overlay::Place { at } = m.overlay.clone() else {
        panic!()
    };
    assert_eq!(at[1], 3.0);
    // Enter: a new race from there, running.
    let cmds = update(&mut m, Action::Confirm);
    assert_eq!(m.overlay, Overlay::None);
    assert_eq!(m.entries[2].generation, 1);
    assert!(!m.entries[2].paused);
    assert_eq!(activated(&cmds).start, scenario::Start::Point(at.clone()));
    // And a restart keeps it.
    let cmds = update(&mut m, Action::Restart);
    assert_eq!(activated(&cmds).start, scenario::Start::Point(at));
    // A click gives the point in one go (clamped into the domain).
    let cmds = update(&mut m, Action::PlaceAt(vec![0.5, -9.0]));
    assert_eq!(
        activated(&cmds).start,
        scenario::Start::Point(vec![0.5, -3.0])
    );
    // Esc cancels placing.
    update(&mut m, Action::StartPlacing);
    update(&mut m, Action::Close);
    assert_eq!(m.overlay, Overlay::None);
}

#[test]
fn stepping_back_pauses_first_and_not_before_the_start() {
    let mut m = model();
    let snap = snapshot_of(&m, 0, 0, 0);
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    assert!(update(&mut m, Action::StepBack).is_empty());
    assert!(m.message.as_deref().unwrap().contains("start"));
    let snap = snapshot_of(&m, 0, 0, 4);
    update(&mut m, Action::Snapshot(snap, Instant::now()));
    let cmds = update(&mut m, Action::StepBack);
    assert_eq!(names(&cmds), ["paused true", "back 0 gen 0"]);
    let cmds = update(&mut m, Action::StepBack);
    assert_eq!(names(&cmds), ["back 0 gen 0"]);
}

#[test]
fn the_x_axis_cycles_and_save_needs_a_directory() {
    use downhill::app::XAxis;
    let mut m = model();
    for want in [XAxis::FEvals, XAxis::GEvals, XAxis::Epochs] {
        update(&mut m, Action::CycleAxis);
        assert_eq!(m.x_axis, want);
    }
    assert!(update(&mut m, Action::Save).is_empty());
    assert!(m.message.as_deref().unwrap().contains("disabled"));
    m.export_dir = Some("out".into());
    assert_eq!(names(&update(&mut m, Action::Save)), ["save 0"]);
    update(
        &mut m,
        Action::Saved(Ok(std::path::PathBuf::from("out/peaks.toml"))),
    );
    assert_eq!(m.message.as_deref(), Some("saved out/peaks.toml"));
}

#[test]
fn the_knobs_keys() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use downhill::app::keymap::action_for;
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    let name = |a: Option<Action>| format!("{a:?}");
    let o = Overlay::None;
    assert_eq!(
        name(action_for(key(KeyCode::Down), &o)),
        "Some(SelectRun(1))"
    );
    assert_eq!(
        name(action_for(key(KeyCode::Char('k')), &o)),
        "Some(SelectRun(-1))"
    );
    assert_eq!(
        name(action_for(key(KeyCode::Char('<')), &o)),
        "Some(ScaleLr(0.5))"
    );
    assert_eq!(
        name(action_for(key(KeyCode::Char('>')), &o)),
        "Some(ScaleLr(2.0))"
    );
    assert_eq!(
        name(action_for(key(KeyCode::Char('h')), &o)),
        "Some(ToggleHidden)"
    );
    assert_eq!(
        name(action_for(key(KeyCode::Char(',')), &o)),
        "Some(StepBack)"
    );
    assert_eq!(
        name(action_for(key(KeyCode::Char('v')), &o)),
        "Some(CycleAxis)"
    );
    assert_eq!(name(action_for(key(KeyCode::Char('S')), &o)), "Some(Save)");
    let p = Overlay::Place { at: vec![0.0] };
    assert_eq!(
        name(action_for(key(KeyCode::Left), &p)),
        "Some(MovePlace(-1, 0))"
    );
    let shift = KeyEvent::new(KeyCode::Up, KeyModifiers::SHIFT);
    assert_eq!(name(action_for(shift, &p)), "Some(MovePlace(0, 10))");
    assert_eq!(
        name(action_for(key(KeyCode::Char('L')), &p)),
        "Some(MovePlace(10, 0))"
    );
    assert_eq!(name(action_for(key(KeyCode::Enter), &p)), "Some(Confirm)");
    assert_eq!(name(action_for(key(KeyCode::Esc), &p)), "Some(Close)");
    // Help still scrolls with the arrows.
    assert_eq!(
        name(action_for(key(KeyCode::Down), &Overlay::Help)),
        "Some(Scroll(Down))"
    );
}
