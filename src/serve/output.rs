//! A session's output: a ratatui backend whose bytes go to an SSH channel,
//! frame by frame, and drop frames instead of piling them up.
//!
//! ```text
//!  session::run ─draw─▶ SshBackend ─▶ ChannelWriter ─frame─▶ queue ─▶ pump ─▶ russh Handle::data
//!                        (size, cursor      (buffers a whole      (bytes       (32 KiB pieces,
//!                         from the session)  synchronized frame)   budget)      awaits the client)
//! ```
//!
//! The writer buffers a whole frame (from the begin- to the end-synchronized-
//! update marker) and hands it over only complete. If the frames queued for
//! the client exceed [`QUEUE_BUDGET`] bytes (a slow or stalled client), the
//! frame is dropped, and so is everything after it until the queue has
//! drained; then the pump asks for a repaint ([`Output::repaint`]), which
//! the driver turns into a resize to the same size: ratatui clears the screen
//! and forgets what it drew, so the next frame is a complete one and the
//! client's screen is whole again. A stalled client therefore costs a bounded
//! amount of memory, never a growing one.
//!
//! Dropping is the last resort: the session asks [`SshBackend`] whether the
//! client is ready ([`Output::ready`]: nothing of an earlier frame is still
//! waiting to be handed to the connection) before it renders a frame, and
//! renders nothing while it is not, so a client that stops reading costs no
//! CPU and holds at most one frame; once it drains, the latest state is
//! drawn.
//!
//! [`SshBackend`] wraps crossterm's backend but answers `size()` and the
//! cursor position itself: crossterm would ask the process's own terminal.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::Notify;

use super::record::Recorder;

/// Most bytes of frames waiting for one client. A frame is always taken
/// when nothing is waiting, however large.
pub const QUEUE_BUDGET: usize = 1 << 20;
/// Largest piece handed to russh at once.
pub const PIECE: usize = 32 * 1024;

const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";

/// The queue between a session's writer and its pump.
#[derive(Debug, Default)]
struct Queue {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes in `chunks` plus the chunk the pump is sending.
    bytes: usize,
    /// A frame was dropped: drop everything until the queue drains.
    lost: bool,
    /// No more chunks will come.
    closed: bool,
}

/// What the writer, the pump and the driver of one session share.
#[derive(Debug, Default)]
pub struct Output {
    queue: Mutex<Queue>,
    /// Wakes the pump.
    ready: Notify,
    /// Wakes the driver: the client's screen needs a full repaint.
    pub repaint: Notify,
    /// The session's terminal size, `cols << 16 | rows`.
    size: AtomicU32,
    pub chunks_sent: AtomicU64,
    pub frames_dropped: AtomicU64,
    /// Frames not rendered because the client had not taken the last one.
    pub frames_skipped: AtomicU64,
    pub bytes_sent: AtomicU64,
    /// The server's totals, updated along with this session's.
    totals: Arc<Stats>,
    /// Test hook: the next draw panics.
    pub(crate) crash: AtomicBool,
}

/// Totals over every session of a server.
#[derive(Debug, Default)]
pub struct Stats {
    /// Bytes handed to the SSH connections (before encryption).
    pub bytes_sent: AtomicU64,
    /// Frames dropped because a client could not keep up.
    pub frames_dropped: AtomicU64,
    /// Frames not even rendered because a client had not taken the last one.
    pub frames_skipped: AtomicU64,
    /// Dashboards started.
    pub sessions_started: AtomicU64,
}

impl Output {
    /// Shared output state for a `cols × rows` terminal.
    pub fn new(cols: u16, rows: u16) -> Arc<Output> {
        Output::with_totals(cols, rows, Arc::default())
    }

    /// Shared output state that also counts into a server's `totals`.
    pub fn with_totals(cols: u16, rows: u16, totals: Arc<Stats>) -> Arc<Output> {
        let o = Output {
            totals,
            ..Output::default()
        };
        o.set_size(cols, rows);
        Arc::new(o)
    }

    fn dropped(&self) {
        self.frames_dropped.fetch_add(1, Ordering::Relaxed);
        self.totals.frames_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a new frame would go out now: nothing queued or being sent.
    /// Counts a frame skipped when not.
    pub fn ready(&self) -> bool {
        let idle = self.queue().bytes == 0;
        if !idle {
            self.frames_skipped.fetch_add(1, Ordering::Relaxed);
            self.totals.frames_skipped.fetch_add(1, Ordering::Relaxed);
        }
        idle
    }

    /// Record the session's new size (before the session resizes).
    pub fn set_size(&self, cols: u16, rows: u16) {
        self.size
            .store(u32::from(cols) << 16 | u32::from(rows), Ordering::Relaxed);
    }

    /// The session's size, `(cols, rows)`.
    pub fn size(&self) -> (u16, u16) {
        let s = self.size.load(Ordering::Relaxed);
        ((s >> 16) as u16, s as u16)
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue a complete chunk, or drop it. Returns whether it was queued.
    fn offer(&self, chunk: Vec<u8>) -> bool {
        let mut q = self.queue();
        if q.lost || (q.bytes > 0 && q.bytes + chunk.len() > QUEUE_BUDGET) {
            q.lost = true;
            drop(q);
            self.dropped();
            return false;
        }
        q.bytes += chunk.len();
        q.chunks.push_back(chunk);
        drop(q);
        self.ready.notify_one();
        true
    }

    /// No more chunks will come (the session ended); the pump drains and stops.
    pub fn close(&self) {
        self.queue().closed = true;
        self.ready.notify_one();
    }

    /// Take the next chunk, waiting for one; `None` once closed and drained.
    async fn next(&self) -> Option<Vec<u8>> {
        loop {
            let notified = self.ready.notified();
            {
                let mut q = self.queue();
                if let Some(c) = q.chunks.pop_front() {
                    return Some(c);
                }
                if q.closed {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// The pump handed `len` bytes to the connection. Once everything
    /// queued is out after a drop, the client needs a full repaint.
    fn sent(&self, len: usize) {
        self.bytes_sent.fetch_add(len as u64, Ordering::Relaxed);
        self.totals
            .bytes_sent
            .fetch_add(len as u64, Ordering::Relaxed);
        self.chunks_sent.fetch_add(1, Ordering::Relaxed);
        let mut q = self.queue();
        q.bytes -= len;
        if q.bytes == 0 && q.lost {
            q.lost = false;
            drop(q);
            self.repaint.notify_one();
        }
    }

    /// The connection is gone: drop everything from now on.
    fn broken(&self) {
        self.queue().lost = true;
    }
}

/// Send a session's queued chunks to its channel until the session closes
/// its output (or the connection goes away). Each chunk sent is handed to
/// `record` too (which never waits); it is given back at the end.
pub async fn pump(
    out: Arc<Output>,
    handle: Handle,
    channel: ChannelId,
    mut record: Option<Recorder>,
) -> Option<Recorder> {
    while let Some(chunk) = out.next().await {
        for piece in chunk.chunks(PIECE) {
            if handle.data(channel, piece.to_vec()).await.is_err() {
                out.broken();
                return record;
            }
        }
        out.sent(chunk.len());
        if let Some(r) = &mut record {
            r.output(out.size(), chunk);
        }
    }
    record
}

/// The `Write` end of a session: buffers until a frame is complete, then
/// offers it to the queue.
#[derive(Debug)]
pub struct ChannelWriter {
    out: Arc<Output>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    pub fn new(out: Arc<Output>) -> ChannelWriter {
        ChannelWriter {
            out,
            buf: Vec::new(),
        }
    }

    /// Whether `buf` is a synchronized frame that has not ended yet.
    fn frame_open(&self) -> bool {
        self.buf.starts_with(BEGIN_SYNC) && !self.buf.ends_with(END_SYNC)
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() || (self.frame_open() && self.buf.len() < 4 * QUEUE_BUDGET) {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.buf);
        self.out.offer(chunk);
        Ok(())
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        self.out.close();
    }
}

/// crossterm's backend over a [`ChannelWriter`], with the size and cursor
/// position of the SSH session rather than of the process's terminal.
#[derive(Debug)]
pub struct SshBackend {
    inner: CrosstermBackend<ChannelWriter>,
    out: Arc<Output>,
    cursor: Position,
}

impl SshBackend {
    pub fn new(out: Arc<Output>) -> SshBackend {
        SshBackend {
            inner: CrosstermBackend::new(ChannelWriter::new(out.clone())),
            out,
            cursor: Position::ORIGIN,
        }
    }
}

impl Write for SshBackend {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl crate::session::SessionBackend for SshBackend {
    fn ready(&self) -> bool {
        self.out.ready()
    }
}

impl Backend for SshBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        if self.out.crash.load(Ordering::Relaxed) {
            panic!("crash test: a dashboard panicked while drawing");
        }
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        self.cursor = p;
        self.inner.set_cursor_position(p)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        let (width, height) = self.out.size();
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize {
            columns_rows: self.size()?,
            pixels: Size::default(),
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(out: &Output) -> Vec<Vec<u8>> {
        out.queue().chunks.drain(..).collect()
    }

    #[test]
    fn a_frame_is_handed_over_whole() {
        let out = Output::new(80, 24);
        let mut w = ChannelWriter::new(out.clone());
        w.write_all(BEGIN_SYNC).unwrap();
        w.flush().unwrap();
        w.write_all(b"cells").unwrap();
        w.flush().unwrap();
        assert!(drain(&out).is_empty(), "nothing before the frame ends");
        w.write_all(END_SYNC).unwrap();
        w.flush().unwrap();
        let chunks = drain(&out);
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].starts_with(BEGIN_SYNC) && chunks[0].ends_with(END_SYNC));
        // Outside a frame, each flush is a chunk.
        w.write_all(b"\x1b[2J").unwrap();
        w.flush().unwrap();
        assert_eq!(drain(&out), [b"\x1b[2J".to_vec()]);
    }

    #[test]
    fn a_full_queue_drops_frames_until_drained_then_asks_for_a_repaint() {
        let out = Output::new(80, 24);
        let big = vec![b'x'; QUEUE_BUDGET - 10];
        assert!(out.offer(big.clone()), "an empty queue takes anything");
        assert!(!out.offer(vec![b'y'; 100]), "over the budget: dropped");
        assert!(!out.offer(vec![b'z'; 1]), "and everything after it");
        assert_eq!(out.frames_dropped.load(Ordering::Relaxed), 2);
        // The pump sends the big chunk: the queue is empty, a repaint is due.
        let chunk = drain(&out).remove(0);
        out.sent(chunk.len());
        assert!(!out.queue().lost);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(1), out.repaint.notified())
                .await
                .expect("a repaint request");
        });
        assert!(out.offer(b"repaint".to_vec()));
    }

    #[test]
    fn a_frame_is_drawn_only_once_the_last_one_went_out() {
        let out = Output::new(80, 24);
        assert!(out.ready());
        assert!(out.offer(b"frame".to_vec()));
        assert!(!out.ready(), "the last frame is still waiting");
        assert!(!out.ready());
        assert_eq!(out.frames_skipped.load(Ordering::Relaxed), 2);
        let chunk = drain(&out).remove(0);
        out.sent(chunk.len());
        assert!(out.ready());
        assert_eq!(out.frames_dropped.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn the_backend_reports_the_session_size() {
        let out = Output::new(100, 30);
        let mut b = SshBackend::new(out.clone());
        assert_eq!(b.size().unwrap(), Size::new(100, 30));
        out.set_size(500, 200);
        assert_eq!(b.window_size().unwrap().columns_rows, Size::new(500, 200));
        b.set_cursor_position(Position::new(3, 4)).unwrap();
        assert_eq!(b.get_cursor_position().unwrap(), Position::new(3, 4));
    }

    #[test]
    fn dropping_the_writer_closes_the_queue() {
        let out = Output::new(80, 24);
        let mut w = ChannelWriter::new(out.clone());
        w.write_all(b"bye").unwrap();
        w.flush().unwrap();
        drop(w);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            assert_eq!(out.next().await, Some(b"bye".to_vec()));
            assert_eq!(out.next().await, None);
        });
    }
}
