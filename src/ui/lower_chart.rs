//! The lower chart, cycled with `c`: lr · position · gradient, each
//! against epoch, one colour per run. In 2D the first variable is a braille
//! line and the second a dotted one (the title says which).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;

use super::chart::{self, ChartSpec, Series};
use super::scale;
use super::theme::Theme;
use crate::app::LowerChart;
use crate::descent::history::Point;
use crate::track::{RunView, Snapshot};

/// Draw the lower chart of `snap`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    which: LowerChart,
    vars: &[String],
    theme: Theme,
) {
    let mut spec = spec(snap, which, vars);
    spec.title.push_str(&super::basins::start_note(snap));
    chart::render(frame, area, &spec, theme);
}

/// Markers of the variables of one run: the run's own for the first,
/// dots for the second, then bars.
fn var_marker(d: usize) -> Option<Marker> {
    match d {
        0 => None,
        1 => Some(Marker::Dot),
        _ => Some(Marker::Bar),
    }
}

fn per_variable(
    snap: &Snapshot,
    vars: &[String],
    series: impl Fn(&RunView) -> &[Vec<Point>],
) -> Vec<Series> {
    let mut out = Vec::new();
    for (i, r) in snap.runs.iter().enumerate() {
        for (d, points) in series(r).iter().enumerate() {
            let name = if vars.len() == 1 {
                r.name.clone()
            } else {
                format!("{} {}", r.name, vars.get(d).map_or("?", String::as_str))
            };
            out.push(Series {
                name,
                run: i,
                points: points.clone(),
                marker: var_marker(d),
            });
        }
    }
    out
}

fn variables_title(what: &str, vars: &[String]) -> String {
    if vars.len() == 1 {
        return what.to_string();
    }
    let styles = ["line", "dots", "bars"];
    let named: Vec<String> = vars
        .iter()
        .enumerate()
        .map(|(d, v)| format!("{v} {}", styles[d.min(2)]))
        .collect();
    format!("{what}: {}", named.join(", "))
}

/// The chart spec for the position, gradient and lr modes (separate from
/// drawing, for tests). The loss mode is the loss chart's spec.
pub fn spec(snap: &Snapshot, which: LowerChart, vars: &[String]) -> ChartSpec {
    let (title, series) = match which {
        LowerChart::Position => (
            variables_title("position", vars),
            per_variable(snap, vars, |r| &r.param_series),
        ),
        LowerChart::Gradient => (
            variables_title("gradient", vars),
            per_variable(snap, vars, |r| &r.grad_series),
        ),
        LowerChart::Lr => (
            "learning rate".to_string(),
            snap.runs
                .iter()
                .enumerate()
                .map(|(i, r)| Series {
                    name: r.name.clone(),
                    run: i,
                    points: r.lr_series.clone(),
                    marker: None,
                })
                .collect(),
        ),
    };
    let y_bounds = match chart::extent(series.iter().map(|s| s.points.as_slice())) {
        Some((lo, hi)) if which == LowerChart::Lr => scale::nice_range(lo.min(0.0), hi),
        Some((lo, hi)) => scale::nice_range(lo, hi),
        None => [0.0, 1.0],
    };
    ChartSpec {
        title,
        x_bounds: chart::epoch_bounds(snap.epochs),
        y_bounds,
        y_labels: scale::labels(y_bounds),
        series,
    }
}
