//! The 1D landscape: f's curve, the runs on it, the crosshair.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::widgets::{Dataset, GraphType};

use super::{Hit, Marks, TRAIL_1D};
use crate::descent::Function;
use crate::scenario::Scenario;
use crate::track::{RunView, Snapshot};
use crate::ui::chart::{self, Axes, Grid};
use crate::ui::scale::{self, Ticks};
use crate::ui::theme::Theme;

/// Scatter points of one glyph.
fn scatter(points: &[(f64, f64)], marker: Marker, style: Style) -> Dataset<'_> {
    Dataset::default()
        .marker(marker)
        .graph_type(GraphType::Scatter)
        .style(style)
        .data(points)
}

/// The marker of `glyph`: ratatui's own for `•` and `█`.
fn glyph_marker(glyph: char) -> Marker {
    match glyph {
        '•' => Marker::Dot,
        '█' => Marker::Block,
        c => Marker::Custom(c),
    }
}

fn finite(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    points
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect()
}

/// The 1D pane: f's `points` (finite within `range`), the runs on it;
/// where the plot is.
#[allow(clippy::too_many_arguments)]
pub(super) fn render(
    frame: &mut Frame,
    inner: Rect,
    points: &[(f64, f64)],
    range: (f64, f64),
    sc: &Scenario,
    snap: &Snapshot,
    marks: &Marks,
    theme: Theme,
) -> Option<Hit> {
    let (lo, hi) = sc.domain[0];
    let axes = Axes {
        x: [lo, hi],
        x_ticks: Ticks::Linear,
        y: if range.0 <= range.1 {
            scale::nice_range(range.0, range.1)
        } else {
            [0.0, 1.0]
        },
        y_ticks: Ticks::Linear,
        grid: Grid::Canvas(theme.line_dots()),
    };
    let (plot, lw) = chart::plot_area(inner, &axes)?;
    chart::draw_axes(frame.buffer_mut(), inner, plot, lw, &axes, theme);
    let mut f = sc.expr.evaluator();
    let mut at = |p: &[f64]| (p[0], f.value(p));
    // The runs drawn, in order (the selected last, on top).
    let runs: Vec<(usize, &RunView)> = marks
        .order
        .iter()
        .filter_map(|&i| snap.runs.get(i).map(|r| (i, r)))
        .collect();
    let trails: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|(_, r)| {
            let skip = r.trail.len().saturating_sub(TRAIL_1D);
            finite(r.trail.iter().skip(skip).map(&mut at))
        })
        .collect();
    let now: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|(_, r)| finite(std::iter::once(at(&r.params))))
        .collect();
    // Every start's current point, per run (many-start scenarios).
    let ends: Vec<Vec<(f64, f64)>> = runs
        .iter()
        .map(|(_, r)| {
            r.starts
                .as_ref()
                .map_or_else(Vec::new, |s| finite(s.ends.iter().map(|p| at(p))))
        })
        .collect();
    let pins: Vec<(f64, f64)> = finite(marks.pins.iter().map(|p| at(p.now)));
    let crosshair: Vec<(f64, f64)> = marks
        .crosshair
        .map_or_else(Vec::new, |p| finite(std::iter::once(at(p))));
    let minimum = finite(
        sc.minimum
            .iter()
            .map(|m| (m[0], sc.min_value.unwrap_or(f64::NAN))),
    );
    let mut datasets: Vec<Dataset> = chart::segments(points)
        .map(|seg| {
            Dataset::default()
                .marker(theme.line_marker())
                .graph_type(GraphType::Line)
                .style(theme.dim())
                .data(seg)
        })
        .collect();
    // Chart layers replace whole cells, so a braille trail would erase the
    // curve's dots under it: the trail is drawn as glyph cells instead.
    for ((i, _), t) in runs.iter().zip(&trails) {
        datasets.push(scatter(t, glyph_marker(trail_1d(theme, *i)), theme.run(*i)));
    }
    for ((i, _), e) in runs.iter().zip(&ends).filter(|(_, e)| !e.is_empty()) {
        datasets.push(scatter(e, glyph_marker(trail_1d(theme, *i)), theme.run(*i)));
    }
    datasets.push(scatter(
        &minimum,
        Marker::Custom(theme.minimum_glyph()),
        theme.minimum(),
    ));
    for ((i, _), p) in runs.iter().zip(&now) {
        let glyph = if theme.color {
            '█'
        } else {
            theme.now_glyph(*i)
        };
        let style = theme.run(*i).add_modifier(Modifier::BOLD);
        datasets.push(scatter(p, glyph_marker(glyph), style));
    }
    datasets.push(scatter(&pins, Marker::Custom('◆'), theme.key()));
    datasets.push(scatter(
        &crosshair,
        Marker::Custom(theme.crosshair_glyph()),
        theme.minimum(),
    ));
    chart::draw_curves(frame, plot, datasets, axes.x, axes.y);
    Some(Hit {
        plot,
        x: axes.x,
        y: None,
    })
}

/// A 1D trail's glyph: `•` in colour, the run's own without.
fn trail_1d(theme: Theme, i: usize) -> char {
    if theme.color {
        '•'
    } else {
        theme.trail_glyph(i)
    }
}
