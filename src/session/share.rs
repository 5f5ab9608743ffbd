//! One frame for many screens: the followers of a class show the teacher's
//! race snapshot for snapshot, so most of them draw the very same screen.
//! The first to draw a frame renders it and leaves it here; every other
//! dashboard whose model draws the same screen at the same size
//! ([`app::look::same_screen`]) copies it into its terminal instead of
//! rendering, and ratatui then sends its client only the cells that changed
//! for it, as always.
//!
//! ```text
//!  follower A ─ui::draw─▶ buffer ─keep─▶ Frames (≤ KEEP, the newest lesson's)
//!  follower B ──find(size, model)──────────┘ ─copy─▶ B's terminal ─diff─▶ B's client
//! ```
//!
//! Frames are shared between terminals of the same size only, so a class
//! whose students' windows all differ renders once per size. What is kept
//! is bounded ([`KEEP`] frames, [`KEEP_CELLS`] cells) and only the newest
//! lesson's frames stay: the next lesson's first frame lets the others go,
//! and when the last follower leaves, so do they.
//! The lock is taken to look a frame up or to leave one, never while a
//! frame is rendered or sent. What a render also tells its session (how far
//! a view scrolls, where the landscape's plot is for clicks) travels with
//! the frame.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ratatui::Frame;
use ratatui::buffer::Buffer;

use crate::app::Model;
use crate::app::look::same_screen;
use crate::ui::{ViewCache, landscape, scroll};

/// Frames kept at most (sizes and views of the newest lesson).
pub const KEEP: usize = 64;
/// Cells kept at most over all frames (a cell is about 40 bytes: some 20
/// MiB; 270 frames of 80×24, 5 of the largest, 500×200).
pub const KEEP_CELLS: usize = 1 << 19;

/// A rendered frame and what it was rendered from.
#[derive(Debug)]
struct Shared {
    model: Model,
    buffer: Buffer,
    scroll: Option<scroll::Limits>,
    landscape: Option<landscape::Hit>,
}

/// The frames a class shares, and how often they were shared.
#[derive(Debug, Default)]
pub struct Frames {
    kept: Mutex<VecDeque<Arc<Shared>>>,
    rendered: AtomicU64,
    reused: AtomicU64,
}

impl Frames {
    fn kept(&self) -> std::sync::MutexGuard<'_, VecDeque<Arc<Shared>>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Frames rendered here, and frames copied instead of rendered.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.rendered.load(Ordering::Relaxed),
            self.reused.load(Ordering::Relaxed),
        )
    }

    /// Let every kept frame go.
    pub fn clear(&self) {
        self.kept().clear();
    }

    /// Frames kept now, and their cells.
    pub fn kept_now(&self) -> (usize, usize) {
        let kept = self.kept();
        (
            kept.len(),
            kept.iter().map(|k| k.buffer.content.len()).sum(),
        )
    }

    fn find(&self, buf: &Buffer, model: &Model) -> Option<Arc<Shared>> {
        self.kept()
            .iter()
            .find(|s| s.buffer.area == buf.area && same_screen(&s.model, model))
            .cloned()
    }

    fn keep(&self, s: Shared) {
        let lesson = |m: &Model| m.class.lesson.as_ref().map(Arc::as_ptr);
        let mut kept = self.kept();
        // Frames of an older lesson are never shown again.
        kept.retain(|k| lesson(&k.model) == lesson(&s.model));
        let cells = |k: &Arc<Shared>| k.buffer.content.len();
        let mut total: usize = kept.iter().map(cells).sum::<usize>() + s.buffer.content.len();
        while kept.len() >= KEEP || (total > KEEP_CELLS && !kept.is_empty()) {
            total -= kept.pop_front().as_ref().map_or(0, cells);
        }
        kept.push_back(Arc::new(s));
    }

    /// Draw `model` on `frame`: a copy of a frame some other screen
    /// rendered from the same look at the same size, or, if there is none,
    /// a render, left here for the others.
    pub fn draw(&self, frame: &mut Frame, model: &Model, cache: &mut ViewCache) {
        if let Some(s) = self.find(frame.buffer_mut(), model) {
            // Cell by cell into the buffer it has (no new allocation).
            frame.buffer_mut().content.clone_from(&s.buffer.content);
            cache.scroll = s.scroll;
            cache.landscape = s.landscape;
            self.reused.fetch_add(1, Ordering::Relaxed);
            return;
        }
        crate::ui::draw(frame, model, cache);
        self.rendered.fetch_add(1, Ordering::Relaxed);
        self.keep(Shared {
            model: model.clone(),
            buffer: frame.buffer_mut().clone(),
            scroll: cache.scroll,
            landscape: cache.landscape,
        });
    }
}
