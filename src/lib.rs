//! downhill: watch gradient descent race fixed and dynamic learning rates.

pub mod app;
pub mod cli;
pub mod descent;
pub mod engine;
pub mod headless;
pub mod scenario;
pub mod serve;
pub mod session;
pub mod tui;
pub mod ui;
