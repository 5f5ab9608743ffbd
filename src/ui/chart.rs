//! The braille line chart both chart panes are drawn with.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, LegendPosition};

use super::scale;
use super::theme::Theme;
use crate::descent::history::Point;

/// One line of a chart.
pub struct Series {
    pub name: String,
    /// Index of the run (for its colour and marker).
    pub run: usize,
    pub points: Vec<Point>,
    /// A marker of its own (e.g. the second variable of a 2D run), instead
    /// of the run's.
    pub marker: Option<ratatui::symbols::Marker>,
}

/// What a chart pane shows.
pub struct ChartSpec {
    pub title: String,
    pub x_bounds: [f64; 2],
    pub y_bounds: [f64; 2],
    pub y_labels: Vec<String>,
    pub series: Vec<Series>,
}

/// x axis of a race: epochs 0..N, fixed for the whole race.
pub fn epoch_bounds(epochs: u64) -> [f64; 2] {
    [0.0, epochs.max(1) as f64]
}

/// Draw `spec` into `area` inside a titled block.
pub fn render(frame: &mut Frame, area: Rect, spec: &ChartSpec, theme: Theme) {
    let datasets = spec
        .series
        .iter()
        .map(|s| {
            Dataset::default()
                .name(s.name.clone())
                .marker(s.marker.unwrap_or(theme.marker(s.run)))
                .graph_type(GraphType::Line)
                .style(theme.run(s.run))
                .data(&s.points)
        })
        .collect();
    let x_labels = vec![
        scale::tick(spec.x_bounds[0]),
        scale::tick(((spec.x_bounds[0] + spec.x_bounds[1]) / 2.0).round()),
        scale::tick(spec.x_bounds[1]),
    ];
    let chart = Chart::new(datasets)
        .block(Block::bordered().title(Line::styled(format!(" {} ", spec.title), theme.title())))
        .x_axis(
            Axis::default()
                .bounds(spec.x_bounds)
                .labels(x_labels)
                .style(theme.axis()),
        )
        .y_axis(
            Axis::default()
                .bounds(spec.y_bounds)
                .labels(spec.y_labels.clone())
                .style(theme.axis()),
        )
        .legend_position(Some(LegendPosition::TopRight))
        .hidden_legend_constraints((Constraint::Ratio(1, 3), Constraint::Ratio(1, 2)));
    frame.render_widget(chart, area);
}

/// Finite y extremes of many point lists.
pub fn extent<'a>(lists: impl IntoIterator<Item = &'a [Point]>) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for l in lists {
        for &(_, y) in l {
            if y.is_finite() {
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
    }
    (lo <= hi).then_some((lo, hi))
}
