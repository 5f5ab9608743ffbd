//! `downhill serve --record DIR`: what a session's terminal is sent, as an
//! asciicast v2 file (`asciinema play FILE` replays it).
//!
//! ```text
//!  pump ─chunk handed to russh─▶ Recorder ─bounded queue─▶ writer thread ─▶ DIR/…cast
//!        (never waits: a full queue         (events and     (create_new, 0600; one JSON
//!         stops the recording)               bytes)          line per event; size limit)
//! ```
//!
//! The file is a header line, `{"version": 2, "width": W, "height": H,
//! "timestamp": T, "env": {"TERM": …}}`, then one line per event: `[t, "o",
//! text]` for each chunk of output the client was sent, `[t, "r", "WxH"]`
//! when its terminal changed size, and, if the recording stopped before the
//! session did, a marker `[t, "m", why]`. Every line is whole JSON: the file
//! stays valid whatever stops it.
//!
//! Nothing here slows a session down. The pump hands each chunk over with
//! `try_send` (the chunk is moved, not copied); when the writer falls behind
//! by more than [`QUEUE_BYTES`] or [`QUEUE_EVENTS`], the recording stops
//! (the session's frames are never held back for the disk). The file is
//! created by the writer thread too, in a name that is new (`create_new`:
//! an existing file or link is never opened), with mode 0600. When the file
//! would pass its limit (`--record-limit`), the writer ends it with a marker
//! and stops; the session goes on.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::Log;
use crate::app::class::Role;

/// Where sessions are recorded, and how large one file may grow.
#[derive(Debug, Clone)]
pub struct RecordTo {
    pub dir: PathBuf,
    /// Most bytes of one file, all included.
    pub limit: u64,
}

/// `--record-limit`'s default.
pub const DEFAULT_LIMIT: u64 = 64 << 20;
/// The smallest limit taken (a header and some frames).
pub const MIN_LIMIT: u64 = 4 << 10;
/// Most bytes of output waiting for the writer; more stops the recording.
pub const QUEUE_BYTES: usize = 8 << 20;
/// Most events waiting for the writer.
pub const QUEUE_EVENTS: usize = 1024;
/// Room kept at the end of a file for the marker that says why it stopped.
const MARKER_ROOM: u64 = 200;
/// How long the end of a session waits for its file to be complete.
const FINISH_WAIT: Duration = Duration::from_secs(5);

/// Whether a login's session is recorded when `--record` is given: in a
/// class (`--teacher-keys`) the teacher's sessions only — students and
/// spectators see the teacher's screen, or their own; without a class,
/// every session.
pub fn records(role: Role) -> bool {
    matches!(role, Role::Solo | Role::Teacher)
}

/// Check `dir` (made, mode 0700, if missing) and `limit` for `--record`.
pub fn prepare(dir: &Path, limit: u64) -> Result<RecordTo, String> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("--record {}: {e}", dir.display()))?;
    if !dir.is_dir() {
        return Err(format!("--record {}: not a directory", dir.display()));
    }
    Ok(RecordTo {
        dir: dir.to_path_buf(),
        limit: limit.max(MIN_LIMIT),
    })
}

/// `64M`, `512K`, `1G`, or bytes: a size as [`parse_size`] reads it.
pub fn fmt_size(n: u64) -> String {
    for (shift, unit) in [(30, "G"), (20, "M"), (10, "K")] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{}{unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

/// Parse a size: `64M`, `512K`, `1G` (powers of 1024; `KiB`, `MiB`, `GiB`
/// and `MB`… are read the same), or a bare number of bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let bad = || format!("`{text}` is not a size (examples: 64M, 512K, 1G, 100000)");
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: u64 = t[..digits].parse().map_err(|_| bad())?;
    let shift = match t[digits..].trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(bad()),
    };
    n.checked_mul(1 << shift).ok_or_else(bad)
}

/// `--record-limit`'s parser: a size of at least [`MIN_LIMIT`].
pub fn limit_arg(text: &str) -> Result<u64, String> {
    match parse_size(text)? {
        n if n < MIN_LIMIT => Err(format!("at least {}K", MIN_LIMIT >> 10)),
        n => Ok(n),
    }
}

/// What the pump hands the writer.
#[derive(Debug)]
enum Event {
    Output(f64, Vec<u8>),
    Resize(f64, u16, u16),
}

/// The sending end of one session's recording, held by its pump. No method
/// waits on the disk.
#[derive(Debug)]
pub struct Recorder {
    /// `None` once the recording stopped.
    tx: Option<mpsc::Sender<Event>>,
    /// Bytes of output waiting for the writer.
    queued: Arc<AtomicUsize>,
    /// The writer fell behind: it ends the file with a marker saying so.
    overrun: Arc<AtomicBool>,
    start: Instant,
    size: (u16, u16),
    done: Option<oneshot::Receiver<()>>,
}

/// The file's first line: what it needs to be replayed.
#[derive(Debug, Clone)]
pub struct Header {
    pub size: (u16, u16),
    pub term: Option<String>,
    /// Unix time of the start.
    pub timestamp: u64,
}

impl Recorder {
    /// Start recording a session of `size` whose client's `TERM` is `term`:
    /// a writer thread creates the file in `to.dir` (named from the time and
    /// `who`) and writes what [`Recorder::output`] sends it.
    pub fn start(to: &RecordTo, size: (u16, u16), term: Option<&str>, who: &str, log: Log) -> Self {
        let now = SystemTime::now();
        let header = Header {
            size,
            term: term.map(str::to_string),
            timestamp: now
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let base = format!(
            "{}-{}",
            crate::track::export::timestamp(now),
            file_part(who)
        );
        let (mut rec, rx) = Recorder::channel(size);
        let (done_tx, done) = oneshot::channel();
        rec.done = Some(done);
        let writer = Writer {
            to: to.clone(),
            base,
            header,
            rx,
            queued: rec.queued.clone(),
            overrun: rec.overrun.clone(),
            log,
            who: who.to_string(),
        };
        let spawned = std::thread::Builder::new()
            .name("downhill-record".into())
            .spawn(move || {
                writer.run();
                let _ = done_tx.send(());
            });
        if let Err(e) = spawned {
            log.line(format_args!("{who}: not recorded: {e}"));
            rec.tx = None;
        }
        rec
    }

    /// A recorder and the receiving end of its queue (no writer yet).
    fn channel(size: (u16, u16)) -> (Recorder, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(QUEUE_EVENTS);
        let rec = Recorder {
            tx: Some(tx),
            queued: Arc::default(),
            overrun: Arc::default(),
            start: Instant::now(),
            size,
            done: None,
        };
        (rec, rx)
    }

    /// Whether it still records.
    pub fn recording(&self) -> bool {
        self.tx.is_some()
    }

    /// `bytes` were sent to a terminal now `size`: a resize event first if
    /// the size changed, then the output. Never waits: if the writer is
    /// too far behind, the recording stops here.
    pub fn output(&mut self, size: (u16, u16), bytes: Vec<u8>) {
        let t = self.start.elapsed().as_secs_f64();
        if size != self.size {
            self.size = size;
            self.send(Event::Resize(t, size.0, size.1), 0);
        }
        let len = bytes.len();
        self.send(Event::Output(t, bytes), len);
    }

    fn send(&mut self, event: Event, len: usize) {
        let Some(tx) = &self.tx else { return };
        let waiting = self.queued.fetch_add(len, Ordering::Relaxed) + len;
        let result = if waiting > QUEUE_BYTES {
            Err(mpsc::error::TrySendError::Full(event))
        } else {
            tx.try_send(event)
        };
        match result {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued.fetch_sub(len, Ordering::Relaxed);
                self.overrun.store(true, Ordering::Relaxed);
                self.tx = None;
            }
            // The writer stopped (its limit, an error).
            Err(mpsc::error::TrySendError::Closed(_)) => self.tx = None,
        }
    }

    /// The session ended: let the writer finish the file, and wait (a
    /// little) until it has.
    pub async fn finish(mut self) {
        self.tx = None;
        if let Some(done) = self.done.take() {
            let _ = tokio::time::timeout(FINISH_WAIT, done).await;
        }
    }
}

/// `who` (`user@address:port`) as part of a file name: letters, digits,
/// `.`, `-` and `_` only, at most 48 of them.
fn file_part(who: &str) -> String {
    who.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect()
}

/// Create a new file `dir/base.cast` (or `base-2.cast`, … if taken),
/// mode 0600. An existing file or link of that name is never opened.
pub fn create_new(dir: &Path, base: &str) -> io::Result<(File, PathBuf)> {
    for n in 1..=100 {
        let name = match n {
            1 => format!("{base}.cast"),
            n => format!("{base}-{n}.cast"),
        };
        let path = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{base}.cast and 99 more names are taken"),
    ))
}

/// The writer thread of one recording.
struct Writer {
    to: RecordTo,
    base: String,
    header: Header,
    rx: mpsc::Receiver<Event>,
    queued: Arc<AtomicUsize>,
    overrun: Arc<AtomicBool>,
    log: Log,
    who: String,
}

impl Writer {
    fn run(mut self) {
        let (file, path) = match create_new(&self.to.dir, &self.base) {
            Ok(f) => f,
            Err(e) => {
                let dir = self.to.dir.display();
                self.log
                    .line(format_args!("{}: not recorded: {dir}: {e}", self.who));
                return;
            }
        };
        self.log.line(format_args!(
            "{}: recording to {}",
            self.who,
            path.display()
        ));
        let mut cast = Cast::new(file, self.to.limit);
        let mut why = cast.header(&self.header).err();
        while why.is_none() {
            let Some(event) = self.rx.blocking_recv() else {
                break;
            };
            if let Event::Output(_, bytes) = &event {
                self.queued.fetch_sub(bytes.len(), Ordering::Relaxed);
            }
            why = cast.event(event).err();
        }
        // Nothing more is taken: the pump sees the queue closed.
        self.rx.close();
        if why.is_none() && self.overrun.load(Ordering::Relaxed) {
            why = Some(Stop::Marked(
                "recording stopped: the disk could not keep up".into(),
            ));
        }
        let said = match why {
            None => "recording ended".to_string(),
            Some(Stop::Marked(msg)) => {
                cast.marker(&msg);
                msg
            }
            Some(Stop::Failed(e)) => format!("recording failed: {e}"),
        };
        self.log.line(format_args!(
            "{}: {said} ({} bytes in {})",
            self.who,
            cast.written,
            path.display()
        ));
    }
}

/// Why a recording stopped before its session.
#[derive(Debug)]
enum Stop {
    /// Said in a marker at the end of the file.
    Marked(String),
    /// Writing failed: the file ends at its last whole line.
    Failed(io::Error),
}

/// An asciicast v2 file being written: whole lines only, at most `limit`
/// bytes.
struct Cast {
    file: File,
    written: u64,
    limit: u64,
    /// The last event's time (times never go back).
    t: f64,
    /// The start of a UTF-8 character cut at the end of the last chunk.
    carry: Vec<u8>,
    line: Vec<u8>,
}

impl Cast {
    fn new(file: File, limit: u64) -> Cast {
        Cast {
            file,
            written: 0,
            limit,
            t: 0.0,
            carry: Vec::new(),
            line: Vec::new(),
        }
    }

    fn header(&mut self, h: &Header) -> Result<(), Stop> {
        let mut header = serde_json::json!({
            "version": 2,
            "width": h.size.0,
            "height": h.size.1,
            "timestamp": h.timestamp,
        });
        if let Some(term) = &h.term {
            header["env"] = serde_json::json!({ "TERM": term });
        }
        self.write(&header)
    }

    fn event(&mut self, event: Event) -> Result<(), Stop> {
        match event {
            Event::Output(t, bytes) => {
                let text = self.text(&bytes);
                if text.is_empty() {
                    return Ok(());
                }
                let t = self.time(t);
                self.write(&(t, "o", text))
            }
            Event::Resize(t, cols, rows) => {
                let t = self.time(t);
                self.write(&(t, "r", format!("{cols}x{rows}")))
            }
        }
    }

    /// The end marker (it has its room kept).
    fn marker(&mut self, why: &str) {
        let t = self.t;
        self.limit += MARKER_ROOM;
        let _ = self.write(&(t, "m", why));
    }

    /// Seconds, to the microsecond, never before the last event's.
    fn time(&mut self, t: f64) -> f64 {
        self.t = self.t.max((t * 1e6).round() / 1e6);
        self.t
    }

    /// The whole characters of `bytes` (after what was carried); a
    /// character cut at the end waits for the next chunk; invalid bytes
    /// become U+FFFD.
    fn text(&mut self, bytes: &[u8]) -> String {
        self.carry.extend_from_slice(bytes);
        let mut out = String::with_capacity(self.carry.len());
        let mut rest = &self.carry[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(good).unwrap_or_default());
                    match e.error_len() {
                        Some(n) => {
                            out.push('\u{fffd}');
                            rest = &bad[n..];
                        }
                        None => {
                            rest = bad;
                            break;
                        }
                    }
                }
            }
        }
        self.carry = rest.to_vec();
        out
    }

    /// Write one JSON line, if it fits in the limit (less the marker's room).
    fn write(&mut self, value: &impl serde::Serialize) -> Result<(), Stop> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, value)
            .map_err(|e| Stop::Failed(io::Error::other(e)))?;
        self.line.push(b'\n');
        let len = self.line.len() as u64;
        if self.written + len + MARKER_ROOM > self.limit {
            return Err(Stop::Marked(format!(
                "recording stopped: the file reached its limit ({})",
                fmt_size(self.limit)
            )));
        }
        if let Err(e) = self.file.write_all(&self.line) {
            // Cut a part-written line off: the file stays whole lines.
            let _ = self.file.set_len(self.written);
            return Err(Stop::Failed(e));
        }
        self.written += len;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "downhill-record-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("2 mb"), Ok(2 << 20));
        assert_eq!(parse_size("100000"), Ok(100_000));
        for bad in [
            "",
            "M",
            "1.5M",
            "-1",
            "12T",
            "99999999999999999999",
            "17179869184G",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert!(limit_arg("1K").unwrap_err().contains("at least 4K"));
        assert_eq!(limit_arg("4K"), Ok(MIN_LIMIT));
        for n in [64 << 20, 4 << 10, 3 << 30, 1000, 1025] {
            assert_eq!(parse_size(&fmt_size(n).replace(" bytes", "")), Ok(n));
        }
        assert_eq!(fmt_size(DEFAULT_LIMIT), "64M");
    }

    #[test]
    fn a_name_is_never_reused_nor_a_link_followed() {
        let dir = temp_dir("names");
        let target = dir.join("target");
        std::fs::write(&target, "precious").unwrap();
        std::os::unix::fs::symlink(&target, dir.join("s.cast")).unwrap();
        std::fs::write(dir.join("s-2.cast"), "older").unwrap();
        let (mut f, path) = create_new(&dir, "s").unwrap();
        assert_eq!(path, dir.join("s-3.cast"));
        f.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert_eq!(
            std::fs::read_to_string(dir.join("s-2.cast")).unwrap(),
            "older"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_names_hold_no_path() {
        assert_eq!(
            file_part("student@127.0.0.1:2222"),
            "student_127.0.0.1_2222"
        );
        assert_eq!(file_part("../../etc/x@[::1]:22"), ".._.._etc_x____1__22");
        assert!(file_part(&"é".repeat(100)).len() <= 48);
    }

    #[test]
    fn characters_cut_between_chunks_are_whole_in_the_file() {
        let dir = temp_dir("utf8");
        let (file, path) = create_new(&dir, "u").unwrap();
        let mut cast = Cast::new(file, 1 << 20);
        let euro = "€".as_bytes();
        for (t, bytes) in [
            (0.1, &b"a"[..]),
            (0.2, &euro[..1]),
            (0.3, &euro[1..]),
            (0.4, b"\xffb"),
        ] {
            cast.event(Event::Output(t, bytes.to_vec())).unwrap();
        }
        cast.event(Event::Resize(0.35, 90, 30)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[0], serde_json::json!([0.1, "o", "a"]));
        assert_eq!(lines[1], serde_json::json!([0.3, "o", "€"]));
        assert_eq!(lines[2], serde_json::json!([0.4, "o", "\u{fffd}b"]));
        // A late event keeps the order of times.
        assert_eq!(lines[3], serde_json::json!([0.4, "r", "90x30"]));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_writer_that_falls_behind_stops_the_recording_not_the_sender() {
        let (mut rec, mut rx) = Recorder::channel((80, 24));
        // Nobody reads: the queue fills, then recording stops at once.
        let frame = vec![b'x'; 64 << 10];
        let mut sent = 0;
        let started = std::time::Instant::now();
        for _ in 0..10_000 {
            rec.output((80, 24), frame.clone());
            sent += 1;
            if !rec.recording() {
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(!rec.recording(), "still recording after {sent} frames");
        assert!(rec.overrun.load(Ordering::Relaxed));
        assert!(sent * frame.len() <= QUEUE_BYTES + frame.len());
        // What was queued is within the budget, and nothing more comes.
        let mut waiting = 0;
        while let Ok(Event::Output(_, b)) = rx.try_recv() {
            waiting += b.len();
        }
        assert!(waiting <= QUEUE_BYTES, "{waiting}");
        rec.output((80, 24), frame);
        assert!(rx.try_recv().is_err());
    }
}
