//! The lower chart: the learning rate each run actually used, per epoch.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::chart::{self, ChartSpec, Series};
use super::scale;
use super::theme::Theme;
use crate::app::LowerChart;
use crate::engine::Snapshot;

/// Draw the lower chart of `snap`.
pub fn render(frame: &mut Frame, area: Rect, snap: &Snapshot, which: LowerChart, theme: Theme) {
    chart::render(frame, area, &spec(snap, which), theme);
}

/// The chart spec (separate from drawing, for tests).
pub fn spec(snap: &Snapshot, which: LowerChart) -> ChartSpec {
    match which {
        LowerChart::Lr => {
            let (lo, hi) = snap
                .runs
                .iter()
                .filter_map(|r| r.lr_range)
                .fold((0.0f64, f64::NEG_INFINITY), |(a, b), (l, h)| {
                    (a.min(l), b.max(h))
                });
            let y_bounds = if hi > lo {
                scale::nice_range(lo, hi)
            } else {
                [0.0, 1.0]
            };
            ChartSpec {
                title: "learning rate".into(),
                x_bounds: chart::epoch_bounds(snap.epochs),
                y_bounds,
                y_labels: scale::labels(y_bounds),
                series: snap
                    .runs
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Series {
                        name: r.name.clone(),
                        run: i,
                        points: r.lr_series.clone(),
                    })
                    .collect(),
            }
        }
    }
}
