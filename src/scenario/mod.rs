//! Scenario files: TOML → raw serde structs (unknown keys refused, spans kept)
//! → a validated [`Scenario`], or a [`LoadError`] naming file, line and column.
//!
//! | file | holds |
//! | --- | --- |
//! | `model.rs` | [`Scenario`], [`RunConfig`], [`Start`]; the races a scenario builds |
//! | `sweep.rs` | the `[sweep]` table: [`SweepSpec`], [`SweepAxis`], [`SweepParam`] |
//! | `limits.rs` | every bound ([`MAX_RUNS`], [`MAX_EPOCHS`], [`MAX_POINTS`], …) |
//! | `load.rs` | files and directories → text → [`parse`]; [`resolve`] for a path or a bundled name |
//! | `save.rs` | a scenario → the text of a file that loads back to the same races ([`to_toml`]) |
//! | `validate/` | raw TOML → [`Scenario`], each error at its place |
//! | `raw.rs` | the serde structs, exactly as written |
//! | `error.rs` | [`LoadError`]: `path:line:col: message` |
//! | `bundled.rs` | the scenarios compiled into the binary |
//!
//! The format is documented in the README ("Scenario files").

pub mod bundled;
mod error;
mod limits;
mod load;
mod model;
mod raw;
mod save;
mod sweep;
mod validate;

pub use error::{LoadError, line_col, suggest};
pub use limits::*;
pub use load::{expand_paths, load_file, parse, resolve};
pub use model::{RunConfig, SCHEDULES, Scenario, Start};
pub use save::to_toml;
pub use sweep::{SweepAxis, SweepParam, SweepSpec};
