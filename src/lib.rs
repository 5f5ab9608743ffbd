//! downhill: watch gradient descent race fixed and dynamic learning rates.

pub mod app;
pub mod cli;
pub mod descent;
pub mod engine;
pub mod export;
pub mod headless;
pub mod scenario;
pub mod session;
pub mod sweep;
pub mod tui;
pub mod ui;
