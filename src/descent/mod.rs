//! The pure core of downhill: expressions with exact gradients, learning-rate
//! schedules, runs that advance one epoch per `step()` (with optional noisy
//! gradients), and bounded histories.
//!
//! Nothing in here knows about terminals, async runtimes or wall-clock time.
//! Nothing loops over epochs on its own: callers (the engine, the headless
//! `run` command, tests) call `step()` as often as they like.

pub mod basins;
pub mod expr;
pub mod function;
pub mod history;
pub mod noise;
pub mod race;
pub mod rng;
pub mod run;
pub mod schedule;

pub use function::Function;
