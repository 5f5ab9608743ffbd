//! `downhill serve --record DIR`: each recorded session is an asciicast v2
//! file that holds exactly what its client was sent, mode 0600, within its
//! size limit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use downhill::serve::record::RecordTo;
use russh::ChannelMsg;
use tokio::time::{Instant, timeout};

use crate::common::TempDir;
use crate::serve::{Screen, epoch, long_running, server_with};

/// Read what comes (into the screen, and every byte into `raw`) until
/// `done(screen text)`, the channel closes, or `limit`.
async fn read_raw(s: &mut Screen, raw: &mut Vec<u8>, limit: Duration, done: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + limit;
    while !s.closed && !done(&s.vt.screen().contents()) {
        let Ok(msg) = timeout(deadline - Instant::now(), s.channel.wait()).await else {
            break;
        };
        match msg {
            Some(ChannelMsg::Data { data }) => {
                raw.extend_from_slice(&data);
                s.vt.process(&data);
            }
            Some(ChannelMsg::Close) | None => s.closed = true,
            Some(_) => {}
        }
    }
    s.text = s.vt.screen().contents();
}

/// The recordings in `dir`.
fn casts(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cast"))
        .collect();
    files.sort();
    files
}

/// A recording: its header and its events, every line parsed as JSON.
fn parse(path: &Path) -> (serde_json::Value, Vec<(f64, String, String)>) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'), "a whole last line");
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let events = lines
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let a = v.as_array().unwrap_or_else(|| panic!("not an event: {l}"));
            assert_eq!(a.len(), 3, "{l}");
            (
                a[0].as_f64().unwrap(),
                a[1].as_str().unwrap().to_string(),
                a[2].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (header, events)
}

/// The output events, joined.
fn output(events: &[(f64, String, String)]) -> String {
    events
        .iter()
        .filter(|e| e.1 == "o")
        .map(|e| e.2.as_str())
        .collect()
}

async fn until_no_sessions(server: &downhill::serve::Server) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.sessions() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_recorded_as_it_was_sent() {
    let dir = TempDir::new("record");
    let to = RecordTo {
        dir: dir.0.clone(),
        limit: 64 << 20,
    };
    let (addr, server) = server_with(|c| c.record = Some(to)).await;
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (_h, mut s) = Screen::open(addr, 100, 30).await;
    let mut raw = Vec::new();
    read_raw(&mut s, &mut raw, Duration::from_secs(5), |t| {
        epoch(t).is_some_and(|e| e > 3)
    })
    .await;
    s.channel.window_change(90, 28, 0, 0).await.unwrap();
    s.vt.screen_mut()
        .set_size(crate::serve::nz(28), crate::serve::nz(90));
    read_raw(&mut s, &mut raw, Duration::from_millis(500), |_| false).await;
    s.press("q").await;
    read_raw(&mut s, &mut raw, Duration::from_secs(5), |_| false).await;
    assert!(s.closed, "q ends the session");
    until_no_sessions(&server).await;

    let files = casts(&dir.0);
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(name.contains("student_127.0.0.1_"), "{name}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");

    let (header, events) = parse(&files[0]);
    assert_eq!(header["version"], 2);
    assert_eq!(header["width"], 100);
    assert_eq!(header["height"], 30);
    assert_eq!(header["env"]["TERM"], "xterm-256color");
    let t0 = header["timestamp"].as_u64().unwrap();
    assert!(t0.abs_diff(started) <= 2, "{t0} vs {started}");
    assert!(
        events.windows(2).all(|w| w[0].0 <= w[1].0),
        "times go forward"
    );
    assert!(events.iter().all(|e| e.0 >= 0.0 && e.0 < 30.0));
    assert!(
        events.iter().all(|e| e.1 == "o" || e.1 == "r"),
        "{events:?}"
    );
    let resizes: Vec<&str> = events
        .iter()
        .filter(|e| e.1 == "r")
        .map(|e| e.2.as_str())
        .collect();
    assert_eq!(resizes, ["90x28"]);
    // Every byte the client got, in order, and nothing else.
    let sent = String::from_utf8(raw).expect("the dashboard sends UTF-8");
    let recorded = output(&events);
    assert!(
        recorded == sent,
        "recorded {} bytes, sent {}",
        recorded.len(),
        sent.len()
    );
    // Replayed, it ends as the client's screen did: on the main screen,
    // after the dashboard.
    let mut replay = vt100::Parser::new(crate::serve::nz(28), crate::serve::nz(90), 0);
    replay.process(recorded.as_bytes());
    assert_eq!(replay.screen().contents(), s.vt.screen().contents());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_stops_at_its_limit_and_the_session_goes_on() {
    let dir = TempDir::new("record-limit");
    let limit = 16 << 10;
    let to = RecordTo {
        dir: dir.0.clone(),
        limit,
    };
    let (addr, server) = server_with(|c| {
        c.record = Some(to);
        c.entries = long_running();
        c.fps = 60;
    })
    .await;
    let (_h, mut s) = Screen::open(addr, 120, 40).await;
    let mut raw = Vec::new();
    read_raw(&mut s, &mut raw, Duration::from_secs(5), |t| {
        epoch(t).is_some()
    })
    .await;
    // Well past the limit in what was sent: full redraws, at two sizes.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut wide = false;
    while (raw.len() as u64) < 4 * limit && Instant::now() < deadline {
        wide = !wide;
        let cols = if wide { 121 } else { 120 };
        s.channel.window_change(cols, 40, 0, 0).await.unwrap();
        s.vt.screen_mut()
            .set_size(crate::serve::nz(40), crate::serve::nz(cols as u16));
        read_raw(&mut s, &mut raw, Duration::from_millis(200), |_| false).await;
    }
    assert!(
        raw.len() as u64 > 4 * limit,
        "only {} bytes sent",
        raw.len()
    );
    let e1 = epoch(&s.text).unwrap();
    read_raw(&mut s, &mut raw, Duration::from_millis(500), |_| false).await;
    let e2 = epoch(&s.text).unwrap();
    assert!(e2 > e1 && !s.closed, "the session goes on: {e1} → {e2}");
    s.press("q").await;
    read_raw(&mut s, &mut raw, Duration::from_secs(5), |_| false).await;
    until_no_sessions(&server).await;

    let files = casts(&dir.0);
    assert_eq!(files.len(), 1, "{files:?}");
    let size = std::fs::metadata(&files[0]).unwrap().len();
    assert!(size <= limit, "{size} bytes, limit {limit}");
    assert!(size > limit / 2, "{size} bytes: stopped early");
    let (header, events) = parse(&files[0]);
    assert_eq!(header["width"], 120);
    let last = events.last().unwrap();
    assert_eq!(last.1, "m", "{last:?}");
    assert!(last.2.contains("limit (16K)"), "{last:?}");
    // What was recorded is the start of what was sent.
    let sent = String::from_utf8(raw).unwrap();
    let recorded = output(&events);
    assert!(
        !recorded.is_empty() && sent.starts_with(&recorded),
        "recorded {} bytes are not the start of the {} sent",
        recorded.len(),
        sent.len()
    );
}
