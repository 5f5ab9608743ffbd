//! The teacher's screen in a class, rendered into ratatui's TestBackend:
//! the header counts who follows, and the class view (`C`) shows each
//! student on their own — start, where they are, name — at every size.

use std::sync::Arc;

use downhill::app::class::{Role, StudentDot};
use downhill::app::{Action, Model, update};
use downhill::descent::run::Status;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::model_at;

const PEAKS: usize = 2; // 03-peaks

fn render(m: &Model, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| downhill::ui::draw(f, m, &mut Default::default()))
        .unwrap();
    format!("{}", t.backend())
}

/// The teacher on peaks at epoch 300, three students on their own (one
/// with a long name and a control character in it), five following.
fn teacher() -> Model {
    let mut m = model_at(PEAKS, 300);
    m.class.role = Role::Teacher;
    let entry = m.entries[PEAKS].id;
    let dot = |name: &str, start: [f64; 2], now: [f64; 2], status, epoch| StudentDot {
        name: name.to_string(),
        entry,
        start: start.to_vec(),
        now: now.to_vec(),
        loss: -6.551,
        status,
        epoch,
    };
    let dots = vec![
        dot(
            "ada",
            [0.5, -2.0],
            [0.228, -1.626],
            Status::Converged { at: 212 },
            212,
        ),
        dot("bob", [-2.5, 2.5], [-1.2, 1.9], Status::Running, 40),
        dot(
            "a_student_with_a_rather_long_user_name\u{1b}[31m",
            [2.0, 0.0],
            [1.5, -0.3],
            Status::Running,
            17,
        ),
    ];
    update(
        &mut m,
        Action::ClassDots {
            dots: Arc::new(dots),
            following: 5,
        },
    );
    m
}

#[test]
fn the_class_view_shows_who_is_where_at_every_size() {
    let mut m = teacher();
    let plain = render(&m, 100, 30);
    assert!(plain.contains("5 following"), "{plain}");
    update(&mut m, Action::ToggleClass);
    assert!(m.class.show);
    insta::assert_snapshot!("class_view_120x40", render(&m, 120, 40));
    insta::assert_snapshot!("class_view_80x24", render(&m, 80, 24));
    for (w, h) in [(60, 16), (100, 30), (200, 60)] {
        let t = render(&m, w, h);
        assert!(t.contains("ada"), "{w}x{h}:\n{t}");
        assert!(
            !t.contains('\u{1b}'),
            "{w}x{h}: an escape reached the screen"
        );
    }
    update(&mut m, Action::ToggleClass);
    assert!(!m.class.show);
}

#[test]
fn what_the_table_cuts_the_details_show_whole() {
    let mut m = teacher();
    update(&mut m, Action::ToggleClass);
    let t = render(&m, 60, 16);
    // Numbers are never cut: the loss and the status are whole.
    assert!(t.contains("-6.551 converged @ 212"), "{t}");
    assert!(t.contains("a_stud…"), "{t}");
    update(&mut m, Action::ToggleDetails);
    let t = render(&m, 120, 40);
    assert!(
        t.contains("a_student_with_a_rather_long_user_name[31m · start (2, 0) · now (1.5, -0.3)"),
        "{t}"
    );
    assert!(
        t.contains("basins: (0.228, -1.626) f -6.551 ×1 · 2 still running"),
        "{t}"
    );
}
