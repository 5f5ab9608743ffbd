//! The classroom over SSH (`serve --teacher-keys`): in-process server,
//! russh clients for a teacher, students and a spectator, each reading its
//! own screen.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};

use super::serve::{Client, Screen, connect, epoch, key, server_with};

/// A class: `key(2)` gets in as a student, `key(3)` teaches, `watch`
/// watches without a key.
async fn class() -> (SocketAddr, downhill::serve::Server) {
    server_with(|c| {
        c.teachers = Some(vec![key(3).public_key().clone()]);
        c.spectators = true;
        c.max_spectators = 2;
    })
    .await
}

async fn login_as(addr: SocketAddr, user: &str, with: PrivateKey) -> client::Handle<Client> {
    let mut h = connect(addr).await;
    let auth = h
        .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(with), None))
        .await
        .expect("auth exchange");
    assert!(auth.success(), "{user}: {auth:?}");
    h
}

/// `user` logged in with `with`, a 100×30 dashboard open and drawn.
async fn seat(addr: SocketAddr, user: &str, with: PrivateKey) -> (client::Handle<Client>, Screen) {
    let h = login_as(addr, user, with).await;
    let mut s = Screen::start(&h, 100, 30).await;
    s.until(Duration::from_secs(10), |t| t.contains("epoch"))
        .await;
    (h, s)
}

/// The first line: the title and the status.
fn header(t: &str) -> &str {
    t.lines().next().unwrap_or_default()
}

/// Long enough for a frame to reach a screen, with room for a busy machine.
const FRAME: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_see_the_teachers_pause_steps_and_scenario() {
    let (addr, server) = class().await;
    let (_ht, mut teacher) = seat(addr, "teacher", key(3)).await;
    let (_ha, mut ada) = seat(addr, "ada", key(2)).await;
    let (_hb, mut bob) = seat(addr, "bob", key(2)).await;
    let t = teacher
        .until(FRAME, |t| header(t).contains("teacher of 2"))
        .await;
    assert!(header(&t).contains("teacher of 2 following"), "{t}");
    for s in [&mut ada, &mut bob] {
        let t = s.until(FRAME, |t| header(t).contains("following")).await;
        assert!(header(&t).contains("following"), "{t}");
    }
    // The teacher pauses: both followers are paused at the teacher's epoch.
    teacher.press(" ").await;
    let t = teacher.until(FRAME, |t| header(t).contains("paused")).await;
    let at = epoch(&t).unwrap();
    for s in [&mut ada, &mut bob] {
        let t = s
            .until(FRAME, |t| {
                header(t).contains("paused") && epoch(t) == Some(at)
            })
            .await;
        assert_eq!(epoch(&t), Some(at), "{t}");
    }
    // A step reaches them.
    teacher.press("s").await;
    teacher.until(FRAME, |t| epoch(t) == Some(at + 1)).await;
    for s in [&mut ada, &mut bob] {
        let t = s.until(FRAME, |t| epoch(t) == Some(at + 1)).await;
        assert_eq!(epoch(&t), Some(at + 1), "{t}");
    }
    // So does the scenario.
    teacher.press("\t").await;
    for s in [&mut ada, &mut bob] {
        let t = s
            .until(FRAME, |t| header(t).contains("The unfortunate start"))
            .await;
        assert!(header(&t).contains("The unfortunate start"), "{t}");
    }
    // A follower's own keys that would change the race do nothing but say why.
    ada.press(" ").await;
    let t = ada
        .until(FRAME, |t| t.contains("f to go off on your own"))
        .await;
    assert!(t.contains("f to go off on your own"), "{t}");
    // The two followers, alike until then, shared frames: one rendered
    // what the other copied.
    let (rendered, copied) = server.class_frames().unwrap();
    assert!(
        rendered > 0 && copied > 0,
        "{rendered} rendered, {copied} copied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_goes_off_alone_is_seen_by_the_teacher_and_catches_up() {
    let (addr, _server) = class().await;
    let (_ht, mut teacher) = seat(addr, "teacher", key(3)).await;
    let (_ha, mut ada) = seat(addr, "ada", key(2)).await;
    let (_hb, mut bob) = seat(addr, "bob", key(2)).await;
    // To peaks, paused.
    teacher.press("3 ").await;
    let t = teacher
        .until(FRAME, |t| {
            header(t).contains("Peaks") && header(t).contains("paused")
        })
        .await;
    let at = epoch(&t).unwrap();
    ada.until(FRAME, |t| {
        header(t).contains("Peaks") && epoch(t) == Some(at)
    })
    .await;
    // Ada goes off on her own: from the teacher's epoch, exactly.
    ada.press("f").await;
    let t = ada
        .until(FRAME, |t| header(t).contains("on your own"))
        .await;
    assert!(header(&t).contains("on your own"), "{t}");
    assert_eq!(
        epoch(&t),
        Some(at),
        "she goes on from where the teacher is: {t}"
    );
    assert!(t.contains("teacher is at Peaks"), "{t}");
    // Her keys are hers: she steps and places a start; nobody else moves.
    ada.press("ss").await;
    ada.until(FRAME, |t| epoch(t) == Some(at + 2)).await;
    ada.press("p").await;
    ada.press("LL\r").await;
    let t = ada
        .until(FRAME, |t| t.contains("every run restarts at"))
        .await;
    assert!(t.contains("every run restarts at"), "{t}");
    let tt = teacher.read_for(Duration::from_millis(500)).await;
    let tb = bob.read_for(Duration::from_millis(200)).await;
    assert_eq!(epoch(&tt), Some(at), "the teacher did not move: {tt}");
    assert!(header(&tt).contains("paused"), "{tt}");
    assert_eq!(epoch(&tb), Some(at), "bob did not move: {tb}");
    assert!(header(&tb).contains("following"), "{tb}");
    // The teacher's class view shows where she started.
    teacher.press("C").await;
    let t = teacher
        .until(FRAME, |t| {
            t.contains("class: 1 on their own") && t.contains("ada")
        })
        .await;
    assert!(t.contains("class: 1 on their own here"), "{t}");
    assert!(t.contains("1 following"), "{t}");
    let row = t
        .lines()
        .find(|l| l.contains("│ada"))
        .unwrap_or_else(|| panic!("{t}"));
    // Her placed start: two big steps (a fifth of the domain each) right of
    // (-1.169, 1.134).
    assert!(row.contains("(1.231, 1.134)"), "{row}");
    assert!(t.contains('◆'), "her dot on the map: {t}");
    // `f` again: back with the teacher.
    ada.press("f").await;
    let t = ada
        .until(FRAME, |t| {
            header(t).contains("following") && epoch(t) == Some(at)
        })
        .await;
    assert!(header(&t).contains("following"), "{t}");
    assert_eq!(epoch(&t), Some(at), "{t}");
    let t = teacher
        .until(FRAME, |t| t.contains("class: 0 on their own"))
        .await;
    assert!(t.contains("2 following"), "{t}");
    // Off again; the teacher's `f` calls the class back.
    ada.press("f").await;
    ada.until(FRAME, |t| header(t).contains("on your own"))
        .await;
    teacher
        .until(FRAME, |t| t.contains("class: 1 on their own"))
        .await;
    teacher.press("f").await;
    let t = ada
        .until(FRAME, |t| t.contains("called the class back"))
        .await;
    assert!(header(&t).contains("following"), "{t}");
    let t = teacher
        .until(FRAME, |t| t.contains("class: 0 on their own"))
        .await;
    assert!(t.contains("2 following"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spectator_watches_and_its_keys_do_nothing_but_help_and_quit() {
    let (addr, _server) = class().await;
    let (_ht, mut teacher) = seat(addr, "teacher", key(3)).await;
    teacher.press(" ").await;
    let t = teacher.until(FRAME, |t| header(t).contains("paused")).await;
    let at = epoch(&t).unwrap();
    let mut h = connect(addr).await;
    assert!(h.authenticate_none("watch").await.unwrap().success());
    let mut w = Screen::start(&h, 100, 30).await;
    let t = w
        .until(FRAME, |t| {
            header(t).contains("watching") && epoch(t) == Some(at)
        })
        .await;
    assert!(header(&t).contains("watching"), "{t}");
    // Nothing it presses changes a thing, for it or the teacher.
    w.press(" s\t>rfpC").await;
    let t = w
        .until(FRAME, |t| t.contains("only ? (help) and q (quit)"))
        .await;
    assert!(t.contains("only ? (help) and q (quit)"), "{t}");
    assert_eq!(epoch(&t), Some(at), "{t}");
    let tt = teacher.read_for(Duration::from_millis(300)).await;
    assert_eq!(epoch(&tt), Some(at), "{tt}");
    assert!(
        header(&tt).contains("paused") && header(&tt).contains("Gradient"),
        "{tt}"
    );
    // Help opens; q quits.
    w.press("?").await;
    let t = w.until(FRAME, |t| t.contains("keys (")).await;
    assert!(t.contains("keys ("), "{t}");
    w.press("q").await;
    w.wait_closed(FRAME).await;
    assert!(w.closed);
    // Only `watch`, and only without a key, is a spectator: others need one.
    let mut h = connect(addr).await;
    assert!(!h.authenticate_none("ada").await.unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_cannot_teach() {
    let (addr, _server) = class().await;
    let (_ht, mut teacher) = seat(addr, "teacher", key(3)).await;
    // A student key under the teacher's name is still a student.
    let (_ha, mut fake) = seat(addr, "teacher", key(2)).await;
    let t = fake.until(FRAME, |t| header(t).contains("following")).await;
    assert!(!header(&t).contains("teacher of"), "{t}");
    fake.press("C").await;
    let t = fake
        .until(FRAME, |t| t.contains("the class view is the teacher's"))
        .await;
    assert!(t.contains("the class view is the teacher's"), "{t}");
    // Off on its own, its pause is its own.
    fake.press("f").await;
    fake.until(FRAME, |t| header(t).contains("on your own"))
        .await;
    fake.press(" ").await;
    fake.until(FRAME, |t| header(t).contains("paused")).await;
    let before = epoch(&teacher.read_for(Duration::from_millis(100)).await).unwrap();
    let t = teacher.read_for(Duration::from_millis(600)).await;
    assert!(epoch(&t).unwrap() > before, "the teacher runs on: {t}");
    assert!(header(&t).contains("running"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_the_teacher_students_wait_or_go_on_their_own() {
    let (addr, _server) = class().await;
    let h = login_as(addr, "ada", key(2)).await;
    let mut ada = Screen::start(&h, 100, 30).await;
    let t = ada
        .until(FRAME, |t| t.contains("waiting for the teacher"))
        .await;
    assert!(t.contains("waiting for the teacher"), "{t}");
    assert!(header(&t).contains("following"), "{t}");
    // `f`: a race of her own meanwhile, running.
    ada.press("f").await;
    let t = ada
        .until(FRAME, |t| {
            header(t).contains("on your own") && epoch(t) > Some(3)
        })
        .await;
    assert!(epoch(&t) > Some(3), "{t}");
    assert!(t.contains("the teacher has not started yet"), "{t}");
    // The teacher arrives and pauses; `f` follows them.
    let (_ht, mut teacher) = seat(addr, "teacher", key(3)).await;
    teacher.press(" ").await;
    let t = teacher.until(FRAME, |t| header(t).contains("paused")).await;
    let at = epoch(&t).unwrap();
    let t = ada.until(FRAME, |t| t.contains("teacher is at")).await;
    assert!(t.contains("teacher is at"), "{t}");
    ada.press("f").await;
    let t = ada
        .until(FRAME, |t| {
            header(t).contains("following") && epoch(t) == Some(at)
        })
        .await;
    assert_eq!(epoch(&t), Some(at), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spectators_have_seats_of_their_own_and_no_more() {
    const SEATS: usize = downhill::serve::limits::CONNECTION_SLACK + 2;
    // One dashboard in all, one per address: the teacher's. Spectators,
    // from the same address, still get their ten seats (more than the
    // connections' slack above the dashboards); an eleventh is told.
    let (addr, _server) = server_with(|c| {
        c.teachers = Some(vec![key(3).public_key().clone()]);
        c.spectators = true;
        c.max_spectators = SEATS;
        c.max_sessions = 1;
        c.max_per_ip = 1;
    })
    .await;
    let (_ht, mut teacher) = seat(addr, "teacher", key(3)).await;
    teacher.press(" ").await;
    teacher.until(FRAME, |t| header(t).contains("paused")).await;
    let mut watchers = Vec::new();
    for _ in 0..SEATS {
        let mut h = connect(addr).await;
        assert!(h.authenticate_none("watch").await.unwrap().success());
        let mut w = Screen::start(&h, 60, 16).await;
        let t = w.until(FRAME, |t| header(t).contains("watching")).await;
        assert!(header(&t).contains("watching"), "{t}");
        watchers.push((h, w));
    }
    let mut h = connect(addr).await;
    assert!(h.authenticate_none("watch").await.unwrap().success());
    let mut w = Screen::start(&h, 60, 16).await;
    let t = w.until(FRAME, |t| t.contains("spectator seat")).await;
    assert!(t.contains("every spectator seat is taken"), "{t}");
    // A seat given back is a seat again.
    drop(watchers.pop());
    let mut t = String::new();
    for _ in 0..50 {
        let mut h = connect(addr).await;
        assert!(h.authenticate_none("watch").await.unwrap().success());
        let mut w = Screen::start(&h, 60, 16).await;
        t = w
            .until(FRAME, |t| {
                header(t).contains("watching") || t.contains("seat")
            })
            .await;
        if header(&t).contains("watching") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(header(&t).contains("watching"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_class_only_the_teachers_sessions_are_recorded() {
    let dir = crate::common::TempDir::new("record-class");
    let to = downhill::serve::record::RecordTo {
        dir: dir.0.clone(),
        limit: 1 << 20,
    };
    let (addr, server) = server_with(|c| {
        c.teachers = Some(vec![key(3).public_key().clone()]);
        c.record = Some(to);
    })
    .await;
    let (_ht, mut teacher) = seat(addr, "teacher", key(3)).await;
    let (_ha, mut ada) = seat(addr, "ada", key(2)).await;
    for s in [&mut ada, &mut teacher] {
        s.press("q").await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.sessions() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.sessions(), 0);
    let names: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].contains("teacher_127.0.0.1_"), "{names:?}");
}
