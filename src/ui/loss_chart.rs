//! The loss curves: one line per run (braille, or half blocks on a text
//! console), epochs on x, loss on y (linear, or log of loss − offset when
//! `l` is toggled, labelled in decades). The legend names every run.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::chart::{self, ChartSpec, Series};
use super::runs;
use super::scale::{self, LogAxis, Ticks};
use super::theme::Theme;
use crate::app::XAxis;
use crate::descent::run::Status;
use crate::track::{RunView, Snapshot};

/// Draw the loss chart of `snap`'s runs `shown`, against `x`.
#[allow(clippy::too_many_arguments)]
pub fn render(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    shown: &[usize],
    x: XAxis,
    log: bool,
    known_min: Option<f64>,
    theme: Theme,
) {
    let mut spec = spec_of(snap, shown, log, known_min);
    runs::along(&mut spec, snap, x);
    spec.title.push_str(&super::basins::start_note(snap));
    chart::render(frame, area, &spec, theme);
}

/// The chart spec of every run (separate from drawing, for tests).
pub fn spec(snap: &Snapshot, log: bool, known_min: Option<f64>) -> ChartSpec {
    spec_of(snap, &runs::all(snap), log, known_min)
}

/// The chart spec of the runs `shown`, drawn in that order.
pub fn spec_of(snap: &Snapshot, shown: &[usize], log: bool, known_min: Option<f64>) -> ChartSpec {
    let drawn: Vec<(usize, &RunView)> = runs::pick(snap, shown);
    // Runs that blew up would flatten everyone else: the range follows the
    // runs that did not, unless all did.
    let healthy: Vec<_> = drawn
        .iter()
        .map(|(_, r)| *r)
        .filter(|r| !matches!(r.status, Status::Diverged { .. }))
        .collect();
    let pool: Vec<_> = if healthy.is_empty() {
        drawn.iter().map(|(_, r)| *r).collect()
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
            order: Some(shown.to_vec()),
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
            order: Some(shown.to_vec()),
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
