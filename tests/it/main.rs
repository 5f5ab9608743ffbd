//! The integration tests, one module per file, compiled into a single test
//! binary (`it`): each binary links cranelift, russh and tokio, so one link
//! instead of seventeen. Run one file's tests with `cargo test --test it
//! <module>::`, e.g. `cargo test --test it pty::`.

mod common;

mod app;
mod attack;
mod class;
mod class_model;
mod class_screen;
mod class_share;
mod core;
mod engine;
mod explain;
mod explore;
mod expr;
mod headless;
mod hostile_inputs;
mod layers;
mod loader_props;
mod output_paths;
mod progress;
mod pty;
mod pty_explore;
mod pty_starts;
mod scenario_errors;
mod screen_truth;
mod serve;
mod serve_record;
mod serve_term;
mod session;
mod starts;
mod sweep;
mod sweep_lanes;
mod ui_basins;
mod ui_plots;
mod ui_snapshots;
