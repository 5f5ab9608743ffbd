//! The classroom (`downhill serve --teacher-keys`): the teacher drives,
//! students follow or go off on their own, spectators watch.
//!
//! | role | its race | its keys |
//! | --- | --- | --- |
//! | [`Role::Solo`] | its own | all (no class: the local terminal, serve without teacher keys) |
//! | [`Role::Teacher`] | its own, mirrored to every follower ([`Lesson`]) | all, and `C`: where the students on their own are |
//! | [`Role::Following`] | the teacher's (no engine of its own) | looking only (help, explain, details, map, charts, selecting and hiding runs); `f` goes off on its own |
//! | [`Role::OnOwn`] | its own, taken over from the teacher's at that epoch, exactly | all; `f` catches up with the teacher |
//! | [`Role::Spectator`] | the teacher's | help and quit only |
//!
//! Everything here is state and pure rules; the session carries lessons
//! and student positions between dashboards.

use std::sync::Arc;

use super::entry::{Rate, Tweaks};
use super::model::Model;
use super::update::Action;
use crate::descent::run::Status;
use crate::engine::{Command, Pace};
use crate::track::Snapshot;

/// How a dashboard takes part in a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Solo,
    Teacher,
    Following,
    OnOwn,
    Spectator,
}

impl Role {
    /// Whether it shows the teacher's race instead of one of its own.
    pub fn mirrors(self) -> bool {
        matches!(self, Role::Following | Role::Spectator)
    }

    /// How the header names it (nothing outside a class).
    pub fn word(self) -> Option<&'static str> {
        match self {
            Role::Solo => None,
            Role::Teacher => Some("teacher"),
            Role::Following => Some("following"),
            Role::OnOwn => Some("on your own"),
            Role::Spectator => Some("watching"),
        }
    }

    /// Whether `action` may change this dashboard. A follower only looks
    /// (its race is the teacher's); a spectator only reads help and quits.
    pub fn permits(self, action: &Action) -> bool {
        use Action::*;
        let always = matches!(
            action,
            ToggleHelp
                | Scroll(_)
                | ScrollLimit { .. }
                | Close
                | Quit
                | Lesson(_)
                | ClassDots { .. }
                | EngineFailed(_)
        );
        let looking = matches!(
            action,
            ToggleDetails
                | ToggleLog
                | ToggleMap
                | ToggleBasins
                | CycleChart
                | CycleAxis
                | SelectRun(_)
                | ToggleHidden
                | ToggleExplain
                | ToggleFollow
                | ToggleClass
        );
        match self {
            Role::Spectator => always,
            Role::Following => always || looking,
            Role::Solo | Role::Teacher | Role::OnOwn => true,
        }
    }
}

/// What followers mirror of the teacher's dashboard: the scenario on
/// screen and its race as the teacher has it.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// Which entry (the class shares one scenario list).
    pub current: usize,
    pub title: String,
    pub generation: u64,
    pub paused: bool,
    pub pace: Pace,
    pub rate: Rate,
    pub tweaks: Tweaks,
    pub snapshot: Option<Arc<Snapshot>>,
    /// How many times this teacher session called the class back (`f`).
    pub recall: u64,
}

impl Lesson {
    /// The lesson `model` (the teacher's) gives.
    pub fn of(model: &Model) -> Option<Lesson> {
        let e = model.entry()?;
        Some(Lesson {
            current: model.current,
            title: e.name(),
            generation: e.generation,
            paused: e.paused,
            pace: e.pace,
            rate: e.rate.clone(),
            tweaks: e.tweaks.clone(),
            snapshot: e.snapshot.clone(),
            recall: model.class.recall,
        })
    }

    /// Whether `other` shows something this one does not (a new snapshot, a
    /// new scenario, pause, pace, rates, start).
    pub fn differs(&self, other: &Lesson) -> bool {
        let snap = |l: &Lesson| l.snapshot.as_ref().map(Arc::as_ptr);
        self.current != other.current
            || self.generation != other.generation
            || self.paused != other.paused
            || self.pace != other.pace
            || self.tweaks != other.tweaks
            || snap(self) != snap(other)
            || self.recall != other.recall
    }

    /// The epoch the teacher's race is at.
    pub fn epoch(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.epoch)
    }
}

/// Where a student on their own is: what the teacher's class view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentDot {
    /// The student's SSH user name, cleaned.
    pub name: String,
    /// The entry (scenario) their race is on.
    pub entry: usize,
    /// Their selected run's start and where it is now.
    pub start: Vec<f64>,
    pub now: Vec<f64>,
    pub loss: f64,
    pub status: Status,
    pub epoch: u64,
}

impl StudentDot {
    /// The dot of a student's dashboard: its selected run, if it has one.
    pub fn of(model: &Model, name: &str) -> Option<StudentDot> {
        let e = model.entry()?;
        let snap = e.snapshot.as_ref()?;
        let r = snap.runs.get(e.selected).or(snap.runs.first())?;
        Some(StudentDot {
            name: name.to_string(),
            entry: e.id,
            start: r.start.clone(),
            now: r.params.clone(),
            loss: r.loss,
            status: r.status,
            epoch: r.epoch,
        })
    }
}

/// What a dashboard knows of its class.
#[derive(Debug, Clone, Default)]
pub struct Class {
    pub role: Role,
    /// The teacher's latest lesson (followers, spectators, students on
    /// their own for the "teacher is at …" hint).
    pub lesson: Option<Arc<Lesson>>,
    /// Teacher: the students on their own (`C` shows them).
    pub dots: Arc<Vec<StudentDot>>,
    /// Teacher: how many students follow.
    pub following: usize,
    /// Teacher: the class view is on (`C`).
    pub show: bool,
    /// Teacher: how many times it called the class back; anyone else: the
    /// count in the last lesson seen.
    pub recall: u64,
}

impl Class {
    /// Whether the teacher's class view (`C`) is on.
    pub fn viewing(&self) -> bool {
        self.role == Role::Teacher && self.show
    }

    /// The students on their own whose race is on entry `id`, while the
    /// class view is on (none otherwise): what it shows.
    pub fn here(&self, id: usize) -> Vec<&StudentDot> {
        self.dots
            .iter()
            .filter(|d| self.viewing() && d.entry == id)
            .collect()
    }
}

/// Mirror `lesson` in `model` (a follower's or a spectator's).
fn mirror(model: &mut Model, lesson: &Lesson) {
    let Some(e) = model.entries.get_mut(lesson.current) else {
        return;
    };
    model.current = lesson.current;
    e.generation = lesson.generation;
    e.paused = lesson.paused;
    e.pace = lesson.pace;
    e.rate = lesson.rate.clone();
    e.tweaks = lesson.tweaks.clone();
    e.snapshot = lesson.snapshot.clone();
}

/// A lesson arrived.
pub fn lesson(model: &mut Model, lesson: Arc<Lesson>) -> Vec<Command> {
    // The teacher called the class back: a student on their own follows.
    // (A new teacher session counts from 0 again, and a student who was
    // away hears only a call made since.)
    let called = lesson.recall != 0 && lesson.recall != model.class.recall;
    model.class.recall = lesson.recall;
    if called && model.class.role == Role::OnOwn {
        model.class.role = Role::Following;
        model.overlay = crate::app::Overlay::None;
        model.message = Some("the teacher called the class back: following again".into());
    }
    if model.class.role.mirrors() {
        mirror(model, &lesson);
    }
    model.class.lesson = Some(lesson);
    vec![]
}

/// `f`: a follower goes off on its own, from the teacher's race as it is
/// (replayed exactly); a student on their own catches up.
pub fn toggle_follow(model: &mut Model) -> Vec<Command> {
    match model.class.role {
        Role::Following => {
            let Some(lesson) = model.class.lesson.clone() else {
                // No teacher yet: a race of its own from the start.
                model.class.role = Role::OnOwn;
                model.message = Some(
                    "on your own: the teacher has not started yet; f follows once they do".into(),
                );
                return crate::app::activate(model);
            };
            mirror(model, &lesson);
            model.class.role = Role::OnOwn;
            model.message = Some(format!(
                "on your own from epoch {}: every key is yours; f catches up with the teacher",
                lesson.epoch()
            ));
            resume(model, &lesson)
        }
        Role::OnOwn => {
            model.class.role = Role::Following;
            if let Some(lesson) = model.class.lesson.clone() {
                mirror(model, &lesson);
            }
            model.message = Some("following the teacher again".into());
            vec![]
        }
        Role::Teacher => {
            model.class.recall += 1;
            model.message = Some(format!(
                "called the class back: {} on their own follow you again",
                model.class.dots.len()
            ));
            vec![]
        }
        Role::Solo | Role::Spectator => {
            model.message = Some("there is no class here to follow".into());
            vec![]
        }
    }
}

/// The commands that give a student's new engine the teacher's race as it
/// is: its scenario (with the teacher's rates and start), taken to the
/// teacher's epoch with the teacher's rate changes.
fn resume(model: &Model, lesson: &Lesson) -> Vec<Command> {
    let Some(e) = model.entry() else {
        return vec![];
    };
    let Some(scenario) = e.effective() else {
        return vec![Command::Idle];
    };
    let (epoch, edits) = lesson
        .snapshot
        .as_ref()
        .map_or((0, Vec::new()), |s| (s.epoch, s.edits.clone()));
    vec![
        Command::SetPaused(e.paused),
        Command::Resume {
            id: e.id,
            generation: e.generation,
            scenario,
            pace: e.pace,
            epoch,
            edits,
        },
    ]
}

/// `C`: the teacher's class view, on or off.
pub fn toggle_view(model: &mut Model) -> Vec<Command> {
    if model.class.role == Role::Teacher {
        model.class.show = !model.class.show;
    } else {
        model.message = Some("the class view is the teacher's".into());
    }
    vec![]
}

/// The teacher learnt where the students on their own are, and how many
/// follow.
pub fn dots(model: &mut Model, dots: Arc<Vec<StudentDot>>, following: usize) -> Vec<Command> {
    model.class.dots = dots;
    model.class.following = following;
    vec![]
}

/// The line under the title for a student or a spectator: where the
/// teacher is (a student on their own), or that there is no teacher yet.
pub fn teacher_at(model: &Model) -> Option<String> {
    match (model.class.role, model.class.lesson.as_ref()) {
        (Role::OnOwn, Some(l)) => Some(format!(
            "teacher is at {} · epoch {} (f catches up)",
            l.title,
            crate::text::num::grouped(l.epoch())
        )),
        (Role::OnOwn, None) => {
            Some("the teacher has not started yet (f follows once they do)".into())
        }
        (Role::Following, None) => {
            Some("waiting for the teacher… (f goes on your own meanwhile)".into())
        }
        (Role::Spectator, None) => Some("waiting for the teacher…".into()),
        _ => None,
    }
}
