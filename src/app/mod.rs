//! The dashboard's state: a [`Model`], the [`Action`]s that change it, the
//! one [`update`] function that applies them, and the keymap.
//!
//! `update` is the only place state changes. It does no I/O: it returns the
//! engine commands to send, so every key can be tested without a terminal.
//! What is drawn and how (view caches included) is the `ui` layer's business:
//! the model holds no widget state.

pub mod class;
mod entry;
mod explore;
pub mod keymap;
pub mod look;
mod model;
mod update;

pub use entry::{Entry, Rate, RunState, Tweaks, load_entries};
pub use model::{
    Charset, ColorDepth, LowerChart, Model, Overlay, Scroll, ScrollMove, SweepState, XAxis,
};
pub use update::{Action, MAX_FILTER, activate, update};
