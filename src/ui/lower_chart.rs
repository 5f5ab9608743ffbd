//! The lower chart, cycled with `c`: lr · position · gradient, each
//! against epoch, one colour per run. In 2D, in colour, the first variable
//! is a line, the second dots, the third bars (the title says which, the
//! legend which colour is which run); without colour every series has its
//! own glyph, and the legend shows a run's glyphs in the order the title
//! names the variables (`⣿• fixed` under `position: x, y`).

use ratatui::Frame;
use ratatui::layout::Rect;

use super::chart::{self, ChartSpec, Series};
use super::runs;
use super::scale::{self, Ticks};
use super::theme::Theme;
use crate::app::{LowerChart, XAxis};
use crate::descent::history::Point;
use crate::track::{RunView, Snapshot};

/// Draw the lower chart of `snap`'s runs `shown`, against `x`.
#[allow(clippy::too_many_arguments)]
pub fn render(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    shown: &[usize],
    x: XAxis,
    which: LowerChart,
    vars: &[String],
    theme: Theme,
) {
    let mut spec = spec_of(snap, shown, which, vars);
    runs::along(&mut spec, snap, x);
    if !theme.color && vars.len() > 1 && which != LowerChart::Lr {
        // Each series has its own glyph; the legend shows a run's in the
        // order of the variables.
        spec.title = format!(
            "{}: {}",
            spec.title.split(':').next().unwrap_or_default(),
            vars.join(", ")
        );
    }
    spec.title.push_str(&super::basins::start_note(snap));
    chart::render(frame, area, &spec, theme);
}

fn per_variable(
    drawn: &[(usize, &RunView)],
    vars: &[String],
    series: impl Fn(&RunView) -> &[Vec<Point>],
) -> Vec<Series> {
    let mut out = Vec::new();
    for &(i, r) in drawn {
        for (d, points) in series(r).iter().enumerate() {
            let var =
                (vars.len() > 1).then(|| (d, vars.get(d).map_or("?", String::as_str).to_string()));
            out.push(Series {
                name: r.name.clone(),
                run: i,
                var,
                points: points.clone(),
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

/// The chart spec of every run, for the position, gradient and lr modes
/// (separate from drawing, for tests).
pub fn spec(snap: &Snapshot, which: LowerChart, vars: &[String]) -> ChartSpec {
    spec_of(snap, &runs::all(snap), which, vars)
}

/// The chart spec of the runs `shown`, drawn in that order.
pub fn spec_of(snap: &Snapshot, shown: &[usize], which: LowerChart, vars: &[String]) -> ChartSpec {
    let every = runs::pick(snap, &runs::all(snap));
    let drawn = &every;
    let (title, series) = match which {
        LowerChart::Position => (
            variables_title("position", vars),
            per_variable(drawn, vars, |r| &r.param_series),
        ),
        LowerChart::Gradient => (
            variables_title("gradient", vars),
            per_variable(drawn, vars, |r| &r.grad_series),
        ),
        LowerChart::Lr => (
            "learning rate".to_string(),
            drawn
                .iter()
                .map(|&(i, r)| Series {
                    name: r.name.clone(),
                    run: i,
                    var: None,
                    points: r.lr_series.clone(),
                })
                .collect(),
        ),
    };
    let y_bounds = match chart::extent(
        series
            .iter()
            .filter(|s| shown.contains(&s.run))
            .map(|s| s.points.as_slice()),
    ) {
        Some((lo, hi)) if which == LowerChart::Lr => scale::nice_range(lo.min(0.0), hi),
        Some((lo, hi)) => scale::nice_range(lo, hi),
        None => [0.0, 1.0],
    };
    ChartSpec {
        title,
        x_bounds: chart::epoch_bounds(snap.epochs),
        y_bounds,
        y_ticks: Ticks::Linear,
        series,
        order: Some(shown.to_vec()),
    }
}
