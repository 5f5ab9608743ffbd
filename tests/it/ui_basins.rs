//! The basins view (`b`) and many starts on screen, rendered into
//! ratatui's TestBackend at fixed sizes and epochs, compared with insta
//! snapshots.

use downhill::app::{Action, Model, update};
use downhill::scenario::bundled;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::model_at;

const PEAKS: usize = 2; // 03-peaks (one start)
const PEAKS_STARTS: usize = 15; // 16-peaks-starts
const UNFORTUNATE_STARTS: usize = 16; // 17-unfortunate-starts
const SADDLE_STARTS: usize = 17; // 18-saddle-starts

fn basins_at(current: usize, epochs: u64) -> Model {
    let mut m = model_at(current, epochs);
    update(&mut m, Action::ToggleBasins);
    m
}

fn render(m: &Model, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| downhill::ui::draw(f, m, &mut Default::default()))
        .unwrap();
    format!("{}", t.backend())
}

#[test]
fn the_indices_name_the_many_start_scenarios() {
    assert_eq!(bundled::ALL[PEAKS_STARTS].0, "16-peaks-starts");
    assert_eq!(bundled::ALL[UNFORTUNATE_STARTS].0, "17-unfortunate-starts");
    assert_eq!(bundled::ALL[SADDLE_STARTS].0, "18-saddle-starts");
}

#[test]
fn basins_peaks_done_80x24() {
    insta::assert_snapshot!(render(&basins_at(PEAKS_STARTS, 1000), 80, 24));
}

#[test]
fn basins_peaks_done_120x40() {
    insta::assert_snapshot!(render(&basins_at(PEAKS_STARTS, 1000), 120, 40));
}

#[test]
fn basins_peaks_mid_run_120x40() {
    insta::assert_snapshot!(render(&basins_at(PEAKS_STARTS, 150), 120, 40));
}

#[test]
fn basins_saddle_done_120x40() {
    insta::assert_snapshot!(render(&basins_at(SADDLE_STARTS, 600), 120, 40));
}

#[test]
fn basins_unfortunate_done_80x24() {
    insta::assert_snapshot!(render(&basins_at(UNFORTUNATE_STARTS, 100), 80, 24));
}

#[test]
fn basins_single_start_hint_80x24() {
    insta::assert_snapshot!(render(&basins_at(PEAKS, 300), 80, 24));
}

#[test]
fn many_starts_runs_view_120x40() {
    insta::assert_snapshot!(render(&model_at(PEAKS_STARTS, 1000), 120, 40));
}

#[test]
fn many_starts_landscape_2d_120x40() {
    let mut m = model_at(SADDLE_STARTS, 600);
    update(&mut m, Action::ToggleMap);
    insta::assert_snapshot!(render(&m, 120, 40));
}

#[test]
fn many_starts_landscape_1d_80x24() {
    let mut m = model_at(UNFORTUNATE_STARTS, 100);
    update(&mut m, Action::ToggleMap);
    insta::assert_snapshot!(render(&m, 80, 24));
}

#[test]
fn a_short_pane_shows_the_lowest_basins_and_counts_the_rest() {
    // 60x16: too short for every basin of every run.
    let text = render(&basins_at(PEAKS_STARTS, 1000), 60, 16);
    assert!(text.contains("basins"), "{text}");
    assert!(text.contains("more"), "{text}");
    assert!(text.contains("★ global"), "{text}");
}

#[test]
fn no_color_basins_name_runs_by_their_marker() {
    let mut m = basins_at(PEAKS_STARTS, 1000);
    m.color = downhill::app::ColorDepth::None;
    let text = render(&m, 120, 40);
    assert!(text.contains("⣿ fixed 0.01"), "{text}");
    assert!(text.contains("• backtracking"), "{text}");
}

/// `no basin yet` only while the race runs: once done, the view says that
/// no start ended in a basin.
#[test]
fn no_basin_yet_only_while_running() {
    let running = render(&basins_at(SADDLE_STARTS, 50), 120, 40);
    assert!(running.contains("no basin yet"), "{running}");
    let done = render(&basins_at(SADDLE_STARTS, 600), 120, 40);
    assert!(done.contains("epoch 600/600 · done"), "{done}");
    assert!(!done.contains("no basin yet"), "{done}");
    assert!(done.contains("no start ended in a basin"), "{done}");
}

/// At 80x24 the tallies are whole (they once ended `mean epochs to con`).
#[test]
fn tallies_are_whole_at_80x24() {
    let text = render(&basins_at(PEAKS_STARTS, 1000), 80, 24);
    let view = &text[text.find("┌ basins").unwrap()..];
    assert_eq!(view.matches("mean epochs to converge").count(), 2, "{text}");
    assert!(!view.contains('…'), "{text}");
}
