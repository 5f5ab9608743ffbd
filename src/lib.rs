//! downhill: watch gradient descent race fixed and dynamic learning rates.
//!
//! Modules are layered; each imports only from the ones listed before it
//! (see ARCHITECTURE.md, and `tests/it/layers.rs`, which checks it):
//!
//! | layer | module | what it is |
//! | --- | --- | --- |
//! | core | [`descent`] | expressions and native code, schedules, runs, races, histories, basins |
//! | | [`text`] | terminal-safe text, display widths, every number format |
//! | input | [`scenario`] | scenario files → validated [`scenario::Scenario`] |
//! | | [`sweep`] | a scenario's `[sweep]` grid, computed on every core |
//! | output | [`report`] | runs and sweeps as table, CSV and JSON |
//! | | [`track`] | a race with its recorded histories, snapshots, export |
//! | dashboard | [`engine`] | the tokio task that paces the races |
//! | | [`app`] | model, actions, the one `update`, the keymap |
//! | | [`ui`] | one file per pane; view caches |
//! | | [`session`] | one dashboard loop over any backend |
//! | drivers | [`tui`] | the local terminal |
//! | | [`serve`] | the dashboard over SSH |
//! | | [`commands`] | `run`, `check`, `list`, `sweep` |
//! | | [`cli`] | the command line; only `main` uses it |

/// `eprintln!` that cannot panic: a closed or full stderr (a dead pipe, a
/// log collector gone) loses the message, never the process.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod descent;
pub mod text;

pub mod scenario;
pub mod sweep;

pub mod report;
pub mod track;

pub mod engine;

pub mod app;
pub mod ui;

pub mod session;

pub mod serve;
pub mod tui;

pub mod commands;

pub mod cli;
