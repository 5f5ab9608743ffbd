//! Every bound a scenario file is held to, in one place (the README's
//! "Scenario files" and "Sweeps" quote them).

/// Largest scenario file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Most variables an objective may have.
pub const MAX_VARS: usize = 8;
/// Most runs a scenario may race (more could not be told apart on screen).
pub const MAX_RUNS: usize = 8;
/// Most epochs a scenario may ask for.
pub const MAX_EPOCHS: u64 = 1_000_000_000;
/// Widest run name, in terminal columns ([`display_width`](crate::text::display_width)): a table column
/// is measured in columns, and East Asian wide characters and most emoji
/// take two.
pub const MAX_NAME: usize = 24;
/// Default divergence bound on any |parameter|.
pub const DEFAULT_BOUND: f64 = 1e12;
/// Default seed for `start = "random"`.
pub const DEFAULT_SEED: u64 = 0;
/// Most random starts a scenario may ask for (`starts`).
pub const MAX_STARTS: u32 = 1000;
/// Most values on one `[sweep]` axis.
pub const MAX_STEPS: usize = 10_000;
/// Most points in a `[sweep]` grid (both axes together).
pub const MAX_POINTS: usize = 1_000_000;
