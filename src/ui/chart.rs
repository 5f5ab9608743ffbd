//! The line chart both chart panes are drawn with, and the axes and legend
//! every plot shares (the landscape's too).
//!
//! ```text
//! ┌ loss ───────────────────────────────────┐
//! │25┤⡇⢄                                    │  y labels: at the rows they name (┤),
//! │  │⢱⠈⢆                                   │  never two in a row, a blank row between
//! │10┤⠸⡀  ⠑⠢⡀                               │  from five rows; round values between
//! │  │⠘⡇    ⠈⠒⠤⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀  │  the ends; one label on a 1-row chart
//! │ 0┤ ⠘⢄⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀  │
//! │  └┬────────────────┬───────────────────┬│  x labels: the ends, round values between,
//! │   0               25                  50│  a blank column apart, never cut
//! └ ━ fixed  ━ grad-based  ━ time-based ────┘  the legend: every series, names cut (…) to fit
//! ```
//!
//! Ratatui's chart widget only draws the curves here (into the plot area,
//! without its own axes), so that labels stand exactly where their values
//! are drawn. A value that is not a number (f undefined there, a run that
//! blew up) leaves a gap in its line, never a jump to the edge.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType};

use super::scale::{self, Tick, Ticks};
use super::theme::Theme;
use crate::descent::history::Point;
use crate::text::display_width;

/// One line of a chart.
pub struct Series {
    /// The run's name.
    pub name: String,
    /// Index of the run (for its colour).
    pub run: usize,
    /// Which of the run's variables this is (index and name), when a chart
    /// shows each variable of a run.
    pub var: Option<(usize, String)>,
    pub points: Vec<Point>,
}

/// What a chart pane shows.
pub struct ChartSpec {
    pub title: String,
    pub x_bounds: [f64; 2],
    pub y_bounds: [f64; 2],
    /// How the y values read (plain, or decades of a log axis).
    pub y_ticks: Ticks,
    /// Every run's series, in the table's order (a series' place gives its
    /// glyph without colour, so it never changes with what is drawn).
    pub series: Vec<Series>,
    /// The runs drawn, in drawing order (hidden runs left out, the selected
    /// one last, on top); `None`: every series, in order.
    pub order: Option<Vec<usize>>,
}

impl ChartSpec {
    /// The series drawn, in drawing order, each with its place in
    /// [`ChartSpec::series`].
    pub fn drawn(&self) -> Vec<(usize, &Series)> {
        let all = self.series.iter().enumerate();
        match &self.order {
            None => all.collect(),
            Some(order) => order
                .iter()
                .flat_map(|&run| {
                    self.series
                        .iter()
                        .enumerate()
                        .filter(move |(_, s)| s.run == run)
                })
                .collect(),
        }
    }

    /// Whether run `run` is drawn.
    fn shows(&self, run: usize) -> bool {
        self.order.as_ref().is_none_or(|o| o.contains(&run))
    }

    /// The y labels of this chart drawn `rows` rows tall with `theme`.
    pub fn y_labels(&self, rows: u16, theme: Theme) -> Vec<Tick> {
        self.axes(theme).y_labels(rows)
    }

    fn axes(&self, theme: Theme) -> Axes {
        Axes {
            x: self.x_bounds,
            x_ticks: Ticks::Linear,
            y: self.y_bounds,
            y_ticks: self.y_ticks,
            grid: Grid::Canvas(theme.line_dots()),
        }
    }
}

/// x axis of a race: epochs 0..N, fixed for the whole race.
pub fn epoch_bounds(epochs: u64) -> [f64; 2] {
    [0.0, epochs.max(1) as f64]
}

/// How values fall into cells of a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// A ratatui canvas with this many dots to a cell (across, down).
    Canvas((u16, u16)),
    /// Cell `i` of `n` holds the `i`-th `n`-th of the range (a sampled map).
    Cells,
}

/// The two axes of a plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axes {
    pub x: [f64; 2],
    pub x_ticks: Ticks,
    pub y: [f64; 2],
    pub y_ticks: Ticks,
    pub grid: Grid,
}

impl Axes {
    fn cell(&self, frac: f64, cells: u16, dots: u16) -> u16 {
        match self.grid {
            Grid::Canvas(_) => scale::canvas_cell(frac, cells, dots),
            Grid::Cells => ((frac.clamp(0.0, 1.0) * cells as f64) as u16).min(cells.max(1) - 1),
        }
    }

    /// The row (from the top of `rows`) value `v` of y is drawn in.
    pub fn row(&self, v: f64, rows: u16) -> u16 {
        let dots = match self.grid {
            Grid::Canvas((_, d)) => d,
            Grid::Cells => 1,
        };
        self.cell((self.y[1] - v) / (self.y[1] - self.y[0]), rows, dots)
    }

    /// The column (from the left of `cols`) value `v` of x is drawn in.
    pub fn col(&self, v: f64, cols: u16) -> u16 {
        let dots = match self.grid {
            Grid::Canvas((d, _)) => d,
            Grid::Cells => 1,
        };
        self.cell((v - self.x[0]) / (self.x[1] - self.x[0]), cols, dots)
    }

    /// The y labels of a plot `rows` tall.
    pub fn y_labels(&self, rows: u16) -> Vec<Tick> {
        scale::y_ticks(self.y, self.y_ticks, rows, |v| self.row(v, rows))
    }

    /// The x labels of a plot `cols` wide with `left_room` columns free
    /// left of it.
    pub fn x_labels(&self, cols: u16, left_room: u16) -> Vec<Tick> {
        scale::x_ticks(self.x, self.x_ticks, cols, left_room, |v| self.col(v, cols))
    }
}

/// Labels no wider than `cap`, and the width of the widest.
fn fitting(ticks: Vec<Tick>, cap: u16) -> (Vec<Tick>, u16) {
    let ticks: Vec<Tick> = ticks
        .into_iter()
        .filter(|t| display_width(&t.label) <= cap as usize)
        .collect();
    let w = ticks
        .iter()
        .map(|t| display_width(&t.label) as u16)
        .max()
        .unwrap_or(0);
    (ticks, w)
}

/// Where a chart's curves go inside `area`: left of them the y labels (a
/// third of the width at most) and the axis, below them the axis and the
/// x labels (from 3 rows up). Returns the plot area and the labels' width.
pub fn plot_area(area: Rect, axes: &Axes) -> Option<(Rect, u16)> {
    if area.width < 3 || area.height == 0 {
        return None;
    }
    let rows = if area.height >= 3 {
        area.height - 2
    } else {
        area.height
    };
    let (_, lw) = fitting(axes.y_labels(rows), area.width / 3);
    let plot = Rect::new(area.x + lw + 1, area.y, area.width - lw - 1, rows);
    Some((plot, lw))
}

/// Draw the axes of `plot`: the y labels in the `lw` columns left of its
/// axis line, the x axis line and labels in the two rows below it (when
/// `area`, the pane's inside, has them).
pub fn draw_axes(buf: &mut Buffer, area: Rect, plot: Rect, lw: u16, axes: &Axes, theme: Theme) {
    let style = theme.axis();
    let (ax, ay) = (plot.x.saturating_sub(1), plot.bottom());
    let (ys, _) = fitting(axes.y_labels(plot.height), lw);
    if plot.x > area.x {
        for y in plot.top()..plot.bottom() {
            buf[(ax, y)].set_symbol("│").set_style(style);
        }
        for t in &ys {
            let w = display_width(&t.label) as u16;
            let y = plot.y + t.at;
            buf.set_string(ax - w, y, &t.label, style);
            buf[(ax, y)].set_symbol("┤");
        }
    }
    if ay >= area.bottom() {
        return;
    }
    if plot.x > area.x {
        buf[(ax, ay)].set_symbol("└").set_style(style);
    }
    for x in plot.left()..plot.right() {
        buf[(x, ay)].set_symbol("─").set_style(style);
    }
    if ay + 1 >= area.bottom() {
        return;
    }
    let left_room = plot.x - area.x;
    for t in axes.x_labels(plot.width, left_room) {
        let len = display_width(&t.label) as u16;
        if let Some(start) = scale::x_label_start(t.at, len, plot.width, left_room) {
            let x = (plot.x as i32 + start) as u16;
            buf.set_string(x, ay + 1, &t.label, style);
            buf[(plot.x + t.at, ay)].set_symbol("┬");
        }
    }
}

/// The stretches of `points` between values that are not numbers: each is
/// drawn as its own line, so an undefined stretch is a gap.
pub fn segments(points: &[Point]) -> impl Iterator<Item = &[Point]> {
    points
        .split(|p| !p.0.is_finite() || !p.1.is_finite())
        .filter(|s| !s.is_empty())
}

/// One entry of a legend: its glyph, the glyph's style, and a name.
pub struct Entry {
    pub glyph: String,
    pub style: Style,
    pub name: String,
}

/// `name` cut to `max` columns, ending in `ellipsis` where it was cut.
fn shorten(name: &str, max: usize, ellipsis: char) -> String {
    if display_width(name) <= max {
        return name.to_string();
    }
    let mut out = String::new();
    for c in name.chars() {
        if display_width(&out) + display_width(&c.to_string()) + 1 > max {
            break;
        }
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push(ellipsis);
    out
}

/// A legend one line long and at most `width` wide: `━ name  ━ name`.
/// The first `keep` entries are the runs, the rest explain marks (`○
/// start`). Until it fits: the explanations are left out, then names are
/// cut (to a common width, the longest first, ending in `…`), then the last
/// runs are left out and counted (`+2`).
pub fn legend(entries: &[Entry], keep: usize, width: u16, theme: Theme) -> Line<'static> {
    let width = width as usize;
    let keep = keep.min(entries.len());
    let names: Vec<usize> = entries.iter().map(|e| display_width(&e.name)).collect();
    let glyphs: Vec<usize> = entries.iter().map(|e| display_width(&e.glyph)).collect();
    let rest = |n: usize| match keep.saturating_sub(n) {
        0 => String::new(),
        k => format!(" +{k}"),
    };
    // Glyph, space and name per entry, two spaces between, one each end.
    let total = |max: usize, n: usize| -> usize {
        glyphs[..n]
            .iter()
            .zip(&names[..n])
            .map(|(g, &w)| g + 1 + w.min(max))
            .sum::<usize>()
            + 2 * n.saturating_sub(1)
            + 2
            + rest(n).len()
    };
    let longest = names.iter().copied().max().unwrap_or(0);
    let tries = (keep..=entries.len())
        .rev()
        .map(|n| (longest, n))
        .chain((3..longest).rev().map(|max| (max, keep)))
        .chain((1..keep).rev().map(|n| (3, n)));
    let Some((max, n)) = tries.into_iter().find(|&(max, n)| total(max, n) <= width) else {
        let more = format!("{} ", rest(0));
        return if keep > 0 && more.len() <= width {
            Line::raw(more)
        } else {
            Line::default()
        };
    };
    if n == 0 {
        return Line::default();
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, e) in entries[..n].iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(e.glyph.clone(), e.style));
        spans.push(Span::raw(format!(
            " {}",
            shorten(&e.name, max, theme.ellipsis())
        )));
    }
    spans.push(Span::raw(format!("{} ", rest(n))));
    Line::from(spans)
}

/// The legend of a chart: one entry per run, its colour (the title says
/// which marker is which variable) or without colour the glyphs of its
/// series in the order of the variables (`⣿• fixed` under `position: x, y`).
fn legend_entries(spec: &ChartSpec, theme: Theme) -> Vec<Entry> {
    let mut out: Vec<(usize, Entry)> = Vec::new();
    for (k, s) in spec
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| spec.shows(s.run))
    {
        let var = s.var.as_ref().map_or(0, |v| v.0);
        let glyph = if theme.color {
            theme.legend_glyph(k)
        } else {
            theme.series_glyph(k, var)
        };
        match out.last_mut() {
            Some((run, e)) if *run == s.run => {
                if !theme.color {
                    e.glyph.push(glyph);
                }
            }
            _ => out.push((
                s.run,
                Entry {
                    glyph: glyph.to_string(),
                    style: theme.run(s.run),
                    name: s.name.clone(),
                },
            )),
        }
    }
    out.into_iter().map(|(_, e)| e).collect()
}

/// Draw `spec` into `area` inside a titled block, its legend on the
/// bottom border.
pub fn render(frame: &mut Frame, area: Rect, spec: &ChartSpec, theme: Theme) {
    let block = Block::bordered()
        .title(Line::styled(format!(" {} ", spec.title), theme.title()))
        .title_bottom({
            let entries = legend_entries(spec, theme);
            legend(&entries, entries.len(), area.width.saturating_sub(2), theme)
        });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let axes = spec.axes(theme);
    let Some((plot, lw)) = plot_area(inner, &axes) else {
        return;
    };
    draw_axes(frame.buffer_mut(), inner, plot, lw, &axes, theme);
    let mut thinned = Vec::new();
    for (k, s) in spec.drawn() {
        let marker = theme.series_marker(k, s.var.as_ref().map_or(0, |v| v.0));
        let across = f64::from(plot.width) * f64::from(super::theme::marker_dots(marker).0);
        for seg in segments(&s.points) {
            thinned.push((marker, s.run, thin(seg, axes.x, axes.y, across)));
        }
    }
    let datasets = thinned
        .iter()
        .map(|(marker, run, points)| {
            Dataset::default()
                .marker(*marker)
                .graph_type(GraphType::Line)
                .style(theme.run(*run))
                .data(points)
        })
        .collect();
    draw_curves(frame, plot, datasets, axes.x, axes.y);
}

/// `points` as a line through them draws them on a canvas `across` dots
/// wide over `x` × `y`: the same dots, from fewer points. Of each stretch
/// of points that fall in one column of dots, the first, the lowest, the
/// highest and the last are kept, in their order: the line between the
/// others stays in that column, inside the span those four reach. A
/// stretch with a point off the canvas is kept whole (a clipped line is
/// not a column's span). The column is computed as ratatui computes it.
/// With hundreds of points per series and a chart a few dozen cells wide,
/// this is most of a frame's cost saved (followers of a class draw the
/// same charts many times over).
pub fn thin(points: &[Point], x: [f64; 2], y: [f64; 2], across: f64) -> Cow<'_, [Point]> {
    let width = x[1] - x[0];
    if points.len() <= 4
        || width.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        || points.len() as f64 <= 2.0 * across
    {
        return Cow::Borrowed(points);
    }
    let column = |px: f64| ((px - x[0]) * (across - 1.0) / width).round();
    let inside = |&(px, py): &Point| px >= x[0] && px <= x[1] && py >= y[0] && py <= y[1];
    let mut out = Vec::with_capacity((4.0 * across) as usize + 4);
    let mut start = 0;
    while start < points.len() {
        let col = column(points[start].0);
        let mut end = start + 1;
        while end < points.len() && column(points[end].0) == col {
            end += 1;
        }
        let stretch = &points[start..end];
        if stretch.len() <= 4 || !stretch.iter().all(inside) {
            out.extend_from_slice(stretch);
        } else {
            let (mut lo, mut hi) = (0, 0);
            for (i, p) in stretch.iter().enumerate() {
                if p.1 < stretch[lo].1 {
                    lo = i;
                }
                if p.1 > stretch[hi].1 {
                    hi = i;
                }
            }
            let mut keep = [0, lo.min(hi), lo.max(hi), stretch.len() - 1];
            keep.sort_unstable();
            let mut last = usize::MAX;
            for i in keep {
                if i != last {
                    out.push(stretch[i]);
                    last = i;
                }
            }
        }
        start = end;
    }
    Cow::Owned(out)
}

/// Draw `datasets` into `plot` (no axes, no legend: the caller's).
pub fn draw_curves(
    frame: &mut Frame,
    plot: Rect,
    datasets: Vec<Dataset>,
    x: [f64; 2],
    y: [f64; 2],
) {
    let chart = Chart::new(datasets)
        .x_axis(Axis::default().bounds(x))
        .y_axis(Axis::default().bounds(y))
        .legend_position(None);
    frame.render_widget(chart, plot);
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

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::symbols::Marker;

    /// A chart of `points` drawn into a `w`×`h` terminal, as text and colours.
    fn drawn(points: &[Point], marker: Marker, w: u16, h: u16, x: [f64; 2], y: [f64; 2]) -> Buffer {
        let backend = ratatui::backend::TestBackend::new(w, h);
        let mut term = ratatui::Terminal::new(backend).unwrap();
        term.draw(|f| {
            let data = Dataset::default()
                .marker(marker)
                .graph_type(GraphType::Line)
                .data(points);
            draw_curves(f, f.area(), vec![data], x, y);
        })
        .unwrap();
        term.backend().buffer().clone()
    }

    #[test]
    fn thinned_lines_draw_the_same_dots() {
        // A noisy walk with spikes, a stretch off the canvas and a slow
        // drift: every kind of column.
        let mut v = 0.0f64;
        let mut seed = 7u64;
        let walk: Vec<Point> = (0..1200)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let r = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                v += r + if i % 97 == 0 { 20.0 * r } else { 0.0 };
                (i as f64, if (500..520).contains(&i) { 1e9 } else { v })
            })
            .collect();
        let (lo, hi) = extent([&walk[..480]]).unwrap();
        let mut thinned_any = false;
        for marker in [Marker::Braille, Marker::HalfBlock, Marker::Dot, Marker::Bar] {
            for (w, h) in [(7, 3), (40, 8), (61, 17), (120, 30), (300, 50)] {
                let x = [0.0, walk.len() as f64];
                let across = f64::from(w) * f64::from(crate::ui::theme::marker_dots(marker).0);
                let thin = thin(&walk, x, [lo, hi], across);
                thinned_any |= thin.len() < walk.len() / 2;
                assert_eq!(
                    drawn(&thin, marker, w, h, x, [lo, hi]),
                    drawn(&walk, marker, w, h, x, [lo, hi]),
                    "{marker:?} {w}x{h}: {} of {} points",
                    thin.len(),
                    walk.len()
                );
            }
        }
        assert!(thinned_any);
    }
    use crate::app::{Charset, ColorDepth};

    fn entries(names: &[&str]) -> Vec<Entry> {
        names
            .iter()
            .map(|n| Entry {
                glyph: "━".into(),
                style: Style::new(),
                name: n.to_string(),
            })
            .collect()
    }

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn legends_fit_and_cut_names_visibly() {
        let t = Theme::new(ColorDepth::Ansi16, Charset::Unicode);
        let e = entries(&["lr 0.01 (lesson)", "lr 0.1", "lr 0.001"]);
        assert_eq!(
            text(&legend(&e, 3, 80, t)),
            " ━ lr 0.01 (lesson)  ━ lr 0.1  ━ lr 0.001 "
        );
        let l = text(&legend(&e, 3, 30, t));
        assert!(display_width(&l) <= 30, "{l}");
        assert_eq!(l, " ━ lr 0.…  ━ lr 0.1  ━ lr 0.… ");
        for w in 0..60 {
            let l = text(&legend(&e, 3, w, t));
            assert!(display_width(&l) <= w as usize, "{w}: {l}");
        }
        // Too narrow for every entry: the rest are counted.
        assert_eq!(text(&legend(&e, 3, 16, t)), " ━ lr… +2 ");
        // The marks' explanations go before names are cut, and are not counted.
        let mut marks = entries(&["fixed 0.01", "momentum 0.9", "start", "min"]);
        marks[2].glyph = "○".into();
        assert_eq!(
            text(&legend(&marks, 2, 46, t)),
            " ━ fixed 0.01  ━ momentum 0.9  ○ start  ━ min "
        );
        assert_eq!(
            text(&legend(&marks, 2, 40, t)),
            " ━ fixed 0.01  ━ momentum 0.9  ○ start "
        );
        assert_eq!(
            text(&legend(&marks, 2, 30, t)),
            " ━ fixed 0.01  ━ momentum 0.9 "
        );
        assert_eq!(text(&legend(&marks, 2, 24, t)), " ━ fixed 0…  ━ momentu… ");
        assert_eq!(text(&legend(&marks, 2, 4, t)), " +2 ");
        assert_eq!(text(&legend(&marks, 2, 3, t)), "");
        let console = Theme::new(ColorDepth::Ansi16, Charset::Console);
        assert!(text(&legend(&e, 3, 30, console)).contains("lr 0.~"));
    }

    #[test]
    fn gaps_where_values_are_not_numbers() {
        let p = [
            (0.0, f64::NAN),
            (1.0, 1.0),
            (2.0, 2.0),
            (3.0, f64::NAN),
            (4.0, 4.0),
            (5.0, f64::INFINITY),
        ];
        let segs: Vec<&[Point]> = segments(&p).collect();
        assert_eq!(segs, vec![&p[1..3], &p[4..5]]);
    }
}
