//! Followers share frames: a follower whose model draws the same screen as
//! one already rendered gets a copy, and what it shows is exactly what it
//! would have rendered itself, whatever it looked at on its own.

use std::sync::Arc;

use downhill::app::class::{Lesson, Role};
use downhill::app::{Action, Model, update};
use downhill::session::share::Frames;
use downhill::ui::ViewCache;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::common::model_at;

const PEAKS: usize = 2; // 03-peaks

/// The teacher on peaks at epoch 120.
fn teacher() -> Model {
    let mut t = model_at(PEAKS, 120);
    t.class.role = Role::Teacher;
    t
}

/// A follower of `t`'s class, as a server makes one: the same scenario
/// list, a model of its own, the lesson heard.
fn follower(t: &Model, lesson: &Arc<Lesson>) -> Model {
    let mut s = Model::new(t.entries.clone());
    for e in &mut s.entries {
        e.snapshot = None;
    }
    s.class.role = Role::Following;
    update(&mut s, Action::Lesson(lesson.clone()));
    s
}

fn class() -> (Model, Model) {
    let t = teacher();
    let lesson = Arc::new(Lesson::of(&t).unwrap());
    let s = follower(&t, &lesson);
    (t, s)
}

/// What `m` shows at `w`×`h` rendered on its own.
fn own(m: &Model, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| downhill::ui::draw(f, m, &mut ViewCache::default()))
        .unwrap();
    term.backend().buffer().clone()
}

/// What `m` shows at `w`×`h` drawn through `frames`, and what the draw
/// told its session.
fn shared(frames: &Frames, m: &Model, w: u16, h: u16) -> (Buffer, ViewCache) {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut cache = ViewCache::default();
    term.draw(|f| frames.draw(f, m, &mut cache)).unwrap();
    (term.backend().buffer().clone(), cache)
}

#[test]
fn followers_who_look_alike_render_once() {
    let t = teacher();
    let lesson = Arc::new(Lesson::of(&t).unwrap());
    let (a, b) = (follower(&t, &lesson), follower(&t, &lesson));
    let frames = Frames::default();
    for (w, h) in [(80, 24), (120, 40)] {
        let (first, cache_a) = shared(&frames, &a, w, h);
        let (second, cache_b) = shared(&frames, &b, w, h);
        assert_eq!(first, own(&a, w, h));
        assert_eq!(second, first);
        // Where a click lands travels with the frame.
        assert!(cache_b.landscape.is_some());
        assert_eq!(cache_b.landscape, cache_a.landscape);
    }
    // One render per size; the second follower copied both.
    assert_eq!(frames.counts(), (2, 2));
}

#[test]
fn a_follower_looking_on_its_own_sees_its_own_screen() {
    let (_, a) = class();
    let frames = Frames::default();
    let (w, h) = (100, 30);
    shared(&frames, &a, w, h);
    let looks = [
        Action::ToggleLog,
        Action::ToggleMap,
        Action::ToggleBasins,
        Action::CycleChart,
        Action::CycleAxis,
        Action::SelectRun(1),
        Action::ToggleHidden,
        Action::ToggleHelp,
        Action::ToggleDetails,
        Action::ToggleExplain,
        // Refused for a follower, with a message.
        Action::TogglePause,
    ];
    for act in looks {
        let mut b = a.clone();
        update(&mut b, act.clone());
        let (got, _) = shared(&frames, &b, w, h);
        assert_eq!(got, own(&b, w, h), "after {act:?}");
        // The follower who did not look still gets the class's frame.
        let (got, _) = shared(&frames, &a, w, h);
        assert_eq!(got, own(&a, w, h), "beside {act:?}");
    }
    let (rendered, reused) = frames.counts();
    assert_eq!(
        rendered,
        1 + 11,
        "each look rendered once, the class's frame never again"
    );
    assert_eq!(reused, 11);
}

#[test]
fn a_new_lesson_is_rendered_afresh() {
    let (mut t, a) = class();
    let frames = Frames::default();
    shared(&frames, &a, 80, 24);
    // The teacher moves on: a new snapshot.
    let next = model_at(PEAKS, 121);
    t.entries[PEAKS].snapshot = next.entries[PEAKS].snapshot.clone();
    let mut b = a.clone();
    update(&mut b, Action::Lesson(Arc::new(Lesson::of(&t).unwrap())));
    let (got, _) = shared(&frames, &b, 80, 24);
    assert_eq!(got, own(&b, 80, 24));
    assert_ne!(got, own(&a, 80, 24), "the epoch moved on screen");
    assert_eq!(frames.counts(), (2, 0));
}

#[test]
fn what_is_kept_is_bounded_and_of_the_newest_lesson() {
    use downhill::session::share::{KEEP, KEEP_CELLS};
    let (mut t, a) = class();
    let frames = Frames::default();
    // Students at many sizes: every size renders once, and what is kept
    // stays within its bounds.
    let sizes: Vec<(u16, u16)> = (0..40).map(|i| (60 + 7 * i, 16 + i)).collect();
    for &(w, h) in &sizes {
        shared(&frames, &a, w, h);
        let (n, cells) = frames.kept_now();
        assert!(
            n <= KEEP && cells <= KEEP_CELLS,
            "{n} frames, {cells} cells"
        );
    }
    assert_eq!(frames.counts(), (40, 0));
    // The largest terminal a client may have, a few times over.
    for i in 0..8 {
        shared(&frames, &a, 500 - i, 200);
        assert!(frames.kept_now().1 <= KEEP_CELLS);
    }
    // A new lesson lets the old frames go.
    t.entries[PEAKS].snapshot = model_at(PEAKS, 130).entries[PEAKS].snapshot.clone();
    let mut b = a.clone();
    update(&mut b, Action::Lesson(Arc::new(Lesson::of(&t).unwrap())));
    shared(&frames, &b, 80, 24);
    assert_eq!(frames.kept_now(), (1, 80 * 24));
}

#[test]
fn frames_go_with_the_last_follower() {
    use downhill::session::class::Hub;
    let (_, a) = class();
    let hub = Hub::new();
    let teacher = hub.join(Role::Teacher, "teacher");
    let ada = hub.join(Role::Following, "ada");
    let watch = hub.join(Role::Spectator, "watch");
    shared(hub.frames(), &a, 80, 24);
    assert_eq!(hub.frames().kept_now().0, 1);
    drop(ada);
    drop(teacher);
    // A spectator still shares.
    assert_eq!(hub.frames().kept_now().0, 1);
    drop(watch);
    assert_eq!(hub.frames().kept_now(), (0, 0));
}
