//! What the dashboards of one class share: the teacher's latest lesson (a
//! `watch` channel every follower reads, so a class of a hundred costs one
//! race and a hundred renders) and where the students on their own are.
//!
//! ```text
//!  teacher session ──Lesson──▶ Hub.lesson (watch) ──▶ every follower / spectator session
//!  student on their own ──StudentDot (≤ 5 a second)──▶ Hub.students ──roster (watch)──▶ teacher session
//! ```
//!
//! A dashboard joins with [`Hub::join`] and leaves by dropping its
//! [`Member`]: its dot goes, and the teacher's count of followers with it.
//! Followers who look alike share their frames ([`super::share`]).
//! The teacher who joined last holds the class (a reconnecting teacher takes
//! it back from a session left behind).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::share::Frames;
use crate::app::Model;
use crate::app::class::{Lesson, Role, StudentDot};

/// Least time between two dots of one student.
const DOT_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, Default)]
struct Roster {
    students: BTreeMap<u64, StudentDot>,
    following: BTreeMap<u64, ()>,
    /// Followers and spectators: who shares frames.
    mirroring: BTreeMap<u64, ()>,
}

/// One class.
#[derive(Debug)]
pub struct Hub {
    lesson: watch::Sender<Option<Arc<Lesson>>>,
    /// The member id of the teacher holding the class (0: none yet).
    teacher: AtomicU64,
    next: AtomicU64,
    roster: Mutex<Roster>,
    /// Bumped whenever the roster changes.
    changed: watch::Sender<u64>,
    /// The frames its followers share.
    frames: Frames,
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        Arc::new(Hub {
            lesson: watch::channel(None).0,
            teacher: AtomicU64::new(0),
            next: AtomicU64::new(1),
            roster: Mutex::new(Roster::default()),
            changed: watch::channel(0).0,
            frames: Frames::default(),
        })
    }

    fn roster(&self) -> std::sync::MutexGuard<'_, Roster> {
        self.roster.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A new member of the class as `role`, named `name` (its SSH user).
    pub fn join(self: &Arc<Self>, role: Role, name: &str) -> Member {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if role == Role::Teacher {
            self.teacher.store(id, Ordering::Relaxed);
        }
        let m = Member {
            hub: self.clone(),
            id,
            name: name.to_string(),
            role,
            dot_at: None,
        };
        m.count(role, true);
        m
    }

    /// The lesson now (`None` before a teacher started).
    pub fn lesson(&self) -> Option<Arc<Lesson>> {
        self.lesson.borrow().clone()
    }

    /// The frames its followers share (see [`super::share`]).
    pub fn frames(&self) -> &Frames {
        &self.frames
    }

    /// The students on their own, and how many follow.
    pub fn roster_now(&self) -> (Vec<StudentDot>, usize) {
        let r = self.roster();
        (r.students.values().cloned().collect(), r.following.len())
    }
}

/// One dashboard in a class; dropping it leaves.
#[derive(Debug)]
pub struct Member {
    hub: Arc<Hub>,
    id: u64,
    name: String,
    role: Role,
    dot_at: Option<Instant>,
}

/// The teacher's lessons as they come.
#[derive(Debug)]
pub struct Lessons(watch::Receiver<Option<Arc<Lesson>>>);

impl Lessons {
    /// A new lesson, once there is one newer than the last seen.
    pub async fn next(&mut self) -> Option<Arc<Lesson>> {
        loop {
            if self.0.changed().await.is_err() {
                return std::future::pending().await;
            }
            if let Some(l) = self.0.borrow_and_update().clone() {
                return Some(l);
            }
        }
    }
}

/// The class's roster (students on their own, followers) as it changes.
#[derive(Debug)]
pub struct Rosters {
    hub: Arc<Hub>,
    changed: watch::Receiver<u64>,
}

impl Rosters {
    /// The roster, once it changed.
    pub async fn next(&mut self) -> (Vec<StudentDot>, usize) {
        if self.changed.changed().await.is_err() {
            return std::future::pending().await;
        }
        self.changed.borrow_and_update();
        self.hub.roster_now()
    }
}

impl Member {
    /// The role it joined with.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The lesson now.
    pub fn lesson(&self) -> Option<Arc<Lesson>> {
        self.hub.lesson()
    }

    /// What this member hears: the lessons, and the roster.
    pub fn listen(&self) -> (Lessons, Rosters) {
        let mut roster = self.hub.changed.subscribe();
        roster.mark_changed();
        (
            Lessons(self.hub.lesson.subscribe()),
            Rosters {
                hub: self.hub.clone(),
                changed: roster,
            },
        )
    }

    /// Where it finds and leaves frames, while it shows the teacher's race
    /// (a follower, a spectator); nowhere otherwise.
    pub fn frames(&self, model: &Model) -> Option<&Frames> {
        model.class.role.mirrors().then_some(&self.hub.frames)
    }

    /// Whether it is the teacher holding the class.
    pub fn holds_class(&self) -> bool {
        self.hub.teacher.load(Ordering::Relaxed) == self.id
    }

    fn count(&self, role: Role, present: bool) {
        let mut r = self.hub.roster();
        let before = (
            r.following.contains_key(&self.id),
            r.students.contains_key(&self.id),
        );
        if role == Role::Following && present {
            r.following.insert(self.id, ());
        } else {
            r.following.remove(&self.id);
        }
        if role != Role::OnOwn || !present {
            r.students.remove(&self.id);
        }
        if role.mirrors() && present {
            r.mirroring.insert(self.id, ());
        } else {
            r.mirroring.remove(&self.id);
        }
        // Nobody left to share with: the frames kept for them go.
        if r.mirroring.is_empty() {
            self.hub.frames.clear();
        }
        let after = (
            r.following.contains_key(&self.id),
            r.students.contains_key(&self.id),
        );
        drop(r);
        if before != after {
            self.hub.bump();
        }
    }

    /// Bring the class up to date with `model` (this member's dashboard):
    /// its role, the teacher's lesson, a student's dot.
    pub fn share(&mut self, model: &Model) {
        let role = model.class.role;
        if role != self.role {
            self.role = role;
            self.dot_at = None;
            self.count(role, true);
        }
        match role {
            Role::Teacher if self.holds_class() => {
                let Some(new) = Lesson::of(model) else { return };
                self.hub.lesson.send_if_modified(|old| {
                    let differs = old.as_ref().is_none_or(|o| o.differs(&new));
                    if differs {
                        *old = Some(Arc::new(new));
                    }
                    differs
                });
            }
            Role::OnOwn => {
                let Some(dot) = StudentDot::of(model, &self.name) else {
                    return;
                };
                let now = Instant::now();
                let due = self
                    .dot_at
                    .is_none_or(|t| now.duration_since(t) >= DOT_EVERY);
                let mut r = self.hub.roster();
                let settled = r
                    .students
                    .get(&self.id)
                    .is_some_and(|d| d.status != dot.status);
                if (due || settled) && r.students.get(&self.id) != Some(&dot) {
                    r.students.insert(self.id, dot);
                    drop(r);
                    self.dot_at = Some(now);
                    self.hub.bump();
                }
            }
            _ => {}
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.count(self.role, false);
    }
}
