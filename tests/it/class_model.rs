//! The classroom in the pure `update`: what a follower mirrors, what it may
//! press, and how going off on its own takes the teacher's race exactly.

use std::sync::Arc;
use std::time::Instant;

use downhill::app::class::{Lesson, Role};
use downhill::app::{Action, Entry, Model, update};
use downhill::engine::Command;
use downhill::scenario::{self, bundled};
use downhill::track::Slot;

fn model(role: Role) -> Model {
    let entries = bundled::ALL
        .iter()
        .map(|(n, t)| Entry::new(bundled::label(n), scenario::parse(n, t)))
        .collect();
    let mut m = Model::new(entries);
    m.class.role = role;
    m
}

/// Index of a bundled scenario by file name.
fn index(name: &str) -> usize {
    bundled::ALL.iter().position(|(n, _)| *n == name).unwrap()
}

/// The teacher on the noisy bowl: a rate changed at epoch 5, 12 epochs
/// run, paused. Returns the teacher's model and its race.
fn teacher() -> (Model, Slot) {
    let mut t = model(Role::Teacher);
    let i = index("19-noisy-bowl");
    update(&mut t, Action::Jump(i));
    update(&mut t, Action::TogglePause);
    let e = &t.entries[i];
    let mut slot = Slot::new(e.id, e.generation, e.scenario.as_ref().unwrap().clone());
    for _ in 0..5 {
        slot.step();
    }
    slot.set_lr(0, 0.25);
    for _ in 0..7 {
        slot.step();
    }
    update(
        &mut t,
        Action::Snapshot(Arc::new(slot.snapshot()), Instant::now()),
    );
    (t, slot)
}

fn lesson(t: &Model) -> Arc<Lesson> {
    Arc::new(Lesson::of(t).unwrap())
}

#[test]
fn a_follower_mirrors_the_teacher_and_only_looks() {
    let (t, _) = teacher();
    let mut s = model(Role::Following);
    assert!(update(&mut s, Action::Lesson(lesson(&t))).is_empty());
    assert_eq!(s.current, t.current);
    let e = s.entry().unwrap();
    assert!(e.paused);
    assert_eq!(e.snapshot.as_ref().unwrap().epoch, 12);
    // Its race is the teacher's: pause, step, switch, restart and rates are not its own.
    for a in [
        Action::TogglePause,
        Action::Step,
        Action::Next,
        Action::Restart,
        Action::Faster,
        Action::ScaleLr(2.0),
    ] {
        assert!(update(&mut s, a).is_empty());
        assert_eq!(s.current, t.current);
        assert!(
            s.message
                .as_deref()
                .unwrap()
                .contains("f to go off on your own")
        );
    }
    // Looking is its own.
    update(&mut s, Action::ToggleDetails);
    assert_eq!(s.overlay, downhill::app::Overlay::Details);
    // A spectator only reads help.
    let mut w = model(Role::Spectator);
    update(&mut w, Action::Lesson(lesson(&t)));
    assert!(update(&mut w, Action::ToggleFollow).is_empty());
    assert_eq!(w.class.role, Role::Spectator);
    update(&mut w, Action::ToggleHelp);
    assert!(
        w.message
            .as_deref()
            .unwrap()
            .contains("only ? (help) and q (quit)")
    );
}

#[test]
fn going_off_alone_replays_the_teachers_race_to_the_bit() {
    let (t, slot) = teacher();
    let mut s = model(Role::Following);
    update(&mut s, Action::Lesson(lesson(&t)));
    let cmds = update(&mut s, Action::ToggleFollow);
    assert_eq!(s.class.role, Role::OnOwn);
    let [
        Command::SetPaused(true),
        Command::Resume {
            id,
            generation,
            scenario,
            epoch,
            edits,
            ..
        },
    ] = cmds.as_slice()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!((*epoch, edits.len()), (12, 1));
    let hers = Slot::replayed(*id, *generation, scenario.clone(), *epoch, edits).snapshot();
    let his = slot.snapshot();
    for (a, b) in hers.runs.iter().zip(&his.runs) {
        assert_eq!(
            a.params, b.params,
            "{}: noise and the edit included",
            a.name
        );
        assert_eq!(a.loss.to_bits(), b.loss.to_bits());
    }
    // A replay asked to stop gives up.
    assert!(
        Slot::replay(*id, *generation, scenario.clone(), 1_000_000, edits, || {
            true
        })
        .is_none()
    );
    // Her keys are hers now.
    assert!(!update(&mut s, Action::Step).is_empty());
    assert!(s.entry().unwrap().paused);
}

#[test]
fn the_teacher_calls_the_class_back() {
    let (mut t, _) = teacher();
    let mut ada = model(Role::Following);
    update(&mut ada, Action::Lesson(lesson(&t)));
    update(&mut ada, Action::ToggleFollow);
    assert_eq!(ada.class.role, Role::OnOwn);
    // Lessons without a call leave her on her own.
    update(&mut ada, Action::Lesson(lesson(&t)));
    assert_eq!(ada.class.role, Role::OnOwn);
    // The teacher's `f`: she follows again.
    update(&mut t, Action::ToggleFollow);
    update(&mut ada, Action::Lesson(lesson(&t)));
    assert_eq!(ada.class.role, Role::Following);
    assert!(
        ada.message
            .as_deref()
            .unwrap()
            .contains("called the class back")
    );
    // Going off again after the call is hers to do; the same call does not
    // bring her back twice.
    update(&mut ada, Action::ToggleFollow);
    update(&mut ada, Action::Lesson(lesson(&t)));
    assert_eq!(ada.class.role, Role::OnOwn);
    // A student joining late hears no old call: off on his own, he stays.
    let mut bob = model(Role::Following);
    update(&mut bob, Action::Lesson(lesson(&t)));
    update(&mut bob, Action::ToggleFollow);
    update(&mut bob, Action::Lesson(lesson(&t)));
    assert_eq!(bob.class.role, Role::OnOwn);
}
