//! `update(model, action)`: action in → state and engine commands out.

use std::sync::Arc;

use downhill::app::{Action, Entry, Model, Overlay, update};
use downhill::engine::{Command, Pace, Slot};
use downhill::scenario::{self, bundled};

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
            Command::Idle => "idle".into(),
            Command::SetPaused(p) => format!("paused {p}"),
            Command::Step { id, generation } => format!("step {id} gen {generation}"),
            Command::SetPace { id, pace } => format!("pace {id} {}", pace.label()),
            Command::Shutdown => "shutdown".into(),
        })
        .collect()
}

fn snapshot_of(
    m: &Model,
    id: usize,
    generation: u64,
    steps: u64,
) -> Arc<downhill::engine::Snapshot> {
    let sc = m.entries[id].scenario.as_ref().unwrap().clone();
    let mut slot = Slot::new(id, generation, sc, Pace::Max);
    for _ in 0..steps {
        slot.step();
    }
    Arc::new(slot.snapshot())
}

#[test]
fn pause_toggles() {
    let mut m = model();
    assert!(!m.paused);
    assert_eq!(names(&update(&mut m, Action::TogglePause)), ["paused true"]);
    assert!(m.paused);
    assert_eq!(
        names(&update(&mut m, Action::TogglePause)),
        ["paused false"]
    );
    assert!(!m.paused);
}

#[test]
fn step_pauses_then_steps_exactly_once() {
    let mut m = model();
    assert_eq!(
        names(&update(&mut m, Action::Step)),
        ["paused true", "step 0 gen 0"]
    );
    assert!(m.paused);
    assert_eq!(names(&update(&mut m, Action::Step)), ["step 0 gen 0"]);
}

#[test]
fn switching_wraps_and_keeps_progress() {
    let mut m = model();
    let s = snapshot_of(&m, 0, 0, 7);
    update(&mut m, Action::Snapshot(s));
    assert_eq!(m.snapshot().unwrap().epoch, 7);
    assert_eq!(names(&update(&mut m, Action::Next)), ["activate 1 gen 0"]);
    assert_eq!(m.current, 1);
    assert!(m.snapshot().is_none());
    assert_eq!(names(&update(&mut m, Action::Prev)), ["activate 0 gen 0"]);
    assert_eq!(m.snapshot().unwrap().epoch, 7, "progress kept");
    update(&mut m, Action::Prev);
    assert_eq!(m.current, 3, "wraps backwards");
    update(&mut m, Action::Next);
    assert_eq!(m.current, 0, "wraps forwards");
    assert_eq!(
        names(&update(&mut m, Action::Jump(2))),
        ["activate 2 gen 0"]
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
    update(&mut m, Action::Snapshot(s));
    assert_eq!(
        names(&update(&mut m, Action::Restart)),
        ["activate 0 gen 1"]
    );
    assert!(m.snapshot().is_none());
    // A snapshot from before the restart arrives late: ignored.
    let s = snapshot_of(&m, 0, 0, 9);
    update(&mut m, Action::Snapshot(s));
    assert!(m.snapshot().is_none());
    let s = snapshot_of(&m, 0, 1, 2);
    update(&mut m, Action::Snapshot(s));
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
        ["activate 2 gen 0"]
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
    assert!(update(&mut m, Action::ToggleExplain).is_empty());
    assert_eq!(m.overlay, Overlay::None);
    use downhill::app::LowerChart::*;
    let mut seen = vec![m.lower];
    for _ in 0..4 {
        update(&mut m, Action::CycleChart);
        seen.push(m.lower);
    }
    assert_eq!(seen, [Lr, Loss, Position, Gradient, Lr]);
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
