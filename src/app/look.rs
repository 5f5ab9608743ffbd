//! When two dashboards look the same: [`same_screen`] says that two models
//! draw the same screen at the same size, so that the followers of a class
//! (who share the teacher's race, snapshot for snapshot) can share one
//! rendered frame instead of each drawing its own.
//!
//! The rule is conservative and complete by construction: every field of
//! [`Model`], [`Entry`] and [`Class`] is named below (no `..`), so a field
//! added later does not compile until it is compared here too. Shared
//! pictures (`Arc`s of a scenario, a snapshot, a lesson) compare by
//! identity, which is what followers have in common; everything else by
//! value. Two models that differ in anything at all, drawn or not, are
//! "different", which costs a render and is never wrong.
//!
//! | part | compared by |
//! | --- | --- |
//! | scenario, snapshot, lesson | the same `Arc` |
//! | a load error | its value |
//! | a sweep | never shared (any sweep makes two models differ) |
//! | everything else | its value |

use std::sync::Arc;

use super::class::Class;
use super::entry::Entry;
use super::model::Model;

/// Whether `a` and `b` draw the same screen (the ui being a pure function
/// of the model and the size).
pub fn same_screen(a: &Model, b: &Model) -> bool {
    let Model {
        entries,
        next_id,
        export_dir,
        current,
        log_scale,
        lower,
        x_axis,
        overlay,
        scroll,
        color,
        charset,
        map_full,
        show_basins,
        quit,
        message,
        watching,
        class,
    } = a;
    entries.len() == b.entries.len()
        && *next_id == b.next_id
        && *export_dir == b.export_dir
        && *current == b.current
        && *log_scale == b.log_scale
        && *lower == b.lower
        && *x_axis == b.x_axis
        && *overlay == b.overlay
        && *scroll == b.scroll
        && *color == b.color
        && *charset == b.charset
        && *map_full == b.map_full
        && *show_basins == b.show_basins
        && *quit == b.quit
        && *message == b.message
        && *watching == b.watching
        && same_class(class, &b.class)
        && entries
            .iter()
            .zip(&b.entries)
            .all(|(x, y)| same_entry(x, y))
}

fn same_arc<T>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

fn same_entry(a: &Entry, b: &Entry) -> bool {
    let Entry {
        id,
        label,
        modified,
        reload_error,
        scenario,
        generation,
        pace,
        snapshot,
        sweep,
        paused,
        rate,
        selected,
        hidden,
        tweaks,
    } = a;
    let scenarios = match (scenario, &b.scenario) {
        (Ok(x), Ok(y)) => Arc::ptr_eq(x, y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    };
    *id == b.id
        && scenarios
        && *generation == b.generation
        && *pace == b.pace
        && *paused == b.paused
        && *selected == b.selected
        && same_arc(snapshot, &b.snapshot)
        && sweep.is_none()
        && b.sweep.is_none()
        && *rate == b.rate
        && *hidden == b.hidden
        && *tweaks == b.tweaks
        && *modified == b.modified
        && *reload_error == b.reload_error
        && *label == b.label
}

fn same_class(a: &Class, b: &Class) -> bool {
    let Class {
        role,
        lesson,
        dots,
        following,
        show,
        recall,
    } = a;
    *role == b.role
        && same_arc(lesson, &b.lesson)
        && *dots == b.dots
        && *following == b.following
        && *show == b.show
        && *recall == b.recall
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::class::Role;
    use crate::app::{Action, load_entries, update};

    fn follower() -> Model {
        let entries = load_entries(&[]);
        let mut m = Model::new(entries);
        m.class.role = Role::Following;
        m
    }

    #[test]
    fn two_followers_look_the_same_until_one_looks_elsewhere() {
        let a = follower();
        let mut b = a.clone();
        assert!(same_screen(&a, &b));
        // Every key a follower may press changes what it shows (selecting
        // and hiding runs too, once there are runs: tests/it/class_share.rs).
        for act in [
            Action::ToggleLog,
            Action::ToggleMap,
            Action::CycleChart,
            Action::CycleAxis,
            Action::ToggleHelp,
            Action::ToggleDetails,
            Action::ToggleExplain,
        ] {
            let mut c = b.clone();
            update(&mut c, act.clone());
            assert!(!same_screen(&a, &c), "{act:?} went unnoticed");
        }
        b.message = Some("hello".into());
        assert!(!same_screen(&a, &b));
    }

    #[test]
    fn shared_pictures_compare_by_identity() {
        let a = follower();
        // Two followers made apart (each its own empty list of dots) look
        // the same: what matters is what they hold.
        let mut b = Model::new(a.entries.clone());
        b.class.role = Role::Following;
        assert!(same_screen(&a, &b));
        // The same scenario parsed twice is not known to be the same.
        let mut c = a.clone();
        c.entries[0] = crate::app::Entry::new(
            c.entries[0].label.clone(),
            Ok(c.entries[0].scenario.as_ref().unwrap().as_ref().clone()),
        );
        c.entries[0].id = a.entries[0].id;
        assert!(!same_screen(&a, &c));
        let mut d = a.clone();
        d.entries[0].generation += 1;
        assert!(!same_screen(&a, &d));
    }
}
