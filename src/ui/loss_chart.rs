//! The loss curves: one line per run (braille, or half blocks on a text
//! console), epochs on x, loss on y (linear, or log of loss − offset when
//! `l` is toggled, labelled in decades). The legend names every run.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::chart::{self, ChartSpec, Series};
use super::scale::{self, LogAxis, Ticks};
use super::theme::Theme;
use crate::descent::run::Status;
use crate::track::Snapshot;

/// Draw the loss chart of `snap`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    log: bool,
    known_min: Option<f64>,
    theme: Theme,
) {
    let mut spec = spec(snap, log, known_min);
    spec.title.push_str(&super::basins::start_note(snap));
    chart::render(frame, area, &spec, theme);
}

/// The chart spec (separate from drawing, for tests).
pub fn spec(snap: &Snapshot, log: bool, known_min: Option<f64>) -> ChartSpec {
    // Runs that blew up would flatten everyone else: the range follows the
    // runs that did not, unless all did.
    let healthy: Vec<_> = snap
        .runs
        .iter()
        .filter(|r| !matches!(r.status, Status::Diverged { .. }))
        .collect();
    let pool: Vec<_> = if healthy.is_empty() {
        snap.runs.iter().collect()
    } else {
        healthy
    };
    let (lo, hi) = pool
        .iter()
        .filter_map(|r| r.loss_range)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (l, h)| {
            (a.min(l), b.max(h))
        });
    let x_bounds = chart::epoch_bounds(snap.epochs);
    if log {
        let axis = LogAxis::new(known_min, lo);
        let series: Vec<Series> = snap
            .runs
            .iter()
            .enumerate()
            .map(|(i, r)| Series {
                name: r.name.clone(),
                run: i,
                var: None,
                points: r
                    .loss_series
                    .iter()
                    .map(|&(x, y)| (x, axis.apply(y)))
                    .collect(),
            })
            .collect();
        let y_bounds = if lo <= hi {
            LogAxis::bounds(axis.apply(lo), axis.apply(hi))
        } else {
            [0.0, 1.0]
        };
        ChartSpec {
            title: axis.title(),
            x_bounds,
            y_bounds,
            y_ticks: Ticks::Decades,
            series,
        }
    } else {
        let y_bounds = if lo <= hi {
            scale::nice_range(lo, hi)
        } else {
            [0.0, 1.0]
        };
        ChartSpec {
            title: "loss".into(),
            x_bounds,
            y_bounds,
            y_ticks: Ticks::Linear,
            series: snap
                .runs
                .iter()
                .enumerate()
                .map(|(i, r)| Series {
                    name: r.name.clone(),
                    run: i,
                    var: None,
                    points: r.loss_series.clone(),
                })
                .collect(),
        }
    }
}
