//! The 2D landscape: the map letterboxed to the domain's aspect, its axes
//! and value scale, the runs and the crosshair over it.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::{Hit, Map, MapCache, Marks, SurfaceId};
use crate::app::Charset;
use crate::scenario::Scenario;
use crate::text::num;
use crate::track::{RunView, Snapshot};
use crate::ui::chart::{self, Axes, Grid};
use crate::ui::colormap;
use crate::ui::scale::Ticks;
use crate::ui::surface::Painted;
use crate::ui::theme::Theme;

/// The 2D pane: the map letterboxed in `inner`, its axes and value scale,
/// the runs over it; where the map is.
#[allow(clippy::too_many_arguments)]
pub(super) fn render(
    frame: &mut Frame,
    inner: Rect,
    maps: &mut MapCache,
    surface: SurfaceId,
    sc: &Scenario,
    snap: &Snapshot,
    marks: &Marks,
    theme: Theme,
) -> Option<Hit> {
    let axes = map_axes(sc);
    let layout = map_layout(inner, &axes);
    let plot = layout.plot;
    let map = maps.get(sc, surface.key(plot.width, plot.height));
    let Map::Grid {
        levels,
        cols,
        rows2,
        scale,
        ..
    } = map.as_ref()
    else {
        return None;
    };
    let cols = *cols;
    let cells = maps.painted(map.key(), theme, || paint(levels, cols, *rows2, theme));
    let buf = frame.buffer_mut();
    paint_grid(buf, plot, cells, cols);
    if let Some(bar) = layout.bar {
        chart::draw_axes(buf, inner, plot, layout.labels, &axes, theme);
        value_scale(buf, bar, *scale, theme);
    }
    overlay_runs(buf, plot, &axes, sc, snap, marks, theme);
    Some(Hit {
        plot,
        x: axes.x,
        y: Some(axes.y),
    })
}

/// Where the map goes in a pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapLayout {
    /// The map's cells.
    pub plot: Rect,
    /// Width of the y labels left of the map's axis (0: no axes).
    pub labels: u16,
    /// The value scale's row (`None` when the pane is too small for it).
    pub bar: Option<Rect>,
}

/// The map's `cols × rows` in at most `w × h` cells for a domain `ratio`
/// (width / height) times as wide as tall: a cell is about twice as tall
/// as wide, so `cols / (2 rows)` should be `ratio`. The largest map within
/// 5 % of it, else the nearest.
pub fn letterbox(w: u16, h: u16, ratio: f64) -> (u16, u16) {
    let ratio = if ratio.is_finite() && ratio > 0.0 {
        ratio
    } else {
        1.0
    };
    let mut best = (w.max(1), 1, f64::INFINITY);
    for rows in (1..=h).rev() {
        let cols = (2.0 * rows as f64 * ratio).round();
        if cols < 1.0 || cols > w as f64 {
            continue;
        }
        let err = (cols / (2.0 * rows as f64) / ratio - 1.0).abs();
        if err <= 0.05 {
            return (cols as u16, rows);
        }
        if err < best.2 {
            best = (cols as u16, rows, err);
        }
    }
    (best.0, best.1)
}

/// Lay the map out in `inner`: the map letterboxed to the domain's aspect,
/// y labels and axis left of it, x axis and labels and the value scale
/// below; in a pane too small for those, the bare map.
pub fn map_layout(inner: Rect, axes: &Axes) -> MapLayout {
    let ratio = (axes.x[1] - axes.x[0]) / (axes.y[1] - axes.y[0]);
    let centred = |w: u16, h: u16| {
        Rect::new(
            inner.x + (inner.width - w) / 2,
            inner.y + (inner.height - h) / 2,
            w,
            h,
        )
    };
    if inner.height < 6 || inner.width < 10 {
        let (cols, rows) = letterbox(inner.width, inner.height, ratio);
        return MapLayout {
            plot: centred(cols, rows),
            labels: 0,
            bar: None,
        };
    }
    let avail_h = inner.height - 3;
    let labels = axes
        .y_labels(avail_h)
        .iter()
        .map(|t| crate::text::display_width(&t.label) as u16)
        .filter(|&w| w <= inner.width / 4)
        .max()
        .unwrap_or(0);
    let (cols, rows) = letterbox(inner.width - labels - 1, avail_h, ratio);
    let block = centred(labels + 1 + cols, rows + 3);
    let bar_w = block.width.max(30).min(inner.width);
    let bar_x = (block.x + block.width / 2)
        .saturating_sub(bar_w / 2)
        .clamp(inner.x, inner.right() - bar_w);
    MapLayout {
        plot: Rect::new(block.x + labels + 1, block.y, cols, rows),
        labels,
        bar: Some(Rect::new(bar_x, block.y + rows + 2, bar_w, 1)),
    }
}

/// The axes of a scenario's map: its domain's first two variables.
pub fn map_axes(sc: &Scenario) -> Axes {
    Axes {
        x: [sc.domain[0].0, sc.domain[0].1],
        x_ticks: Ticks::Linear,
        y: [sc.domain[1].0, sc.domain[1].1],
        y_ticks: Ticks::Linear,
        grid: Grid::Cells,
    }
}

/// The colour of level `t` in a cell: `(glyph, fg, bg)`.
fn level_cell(top: f64, bottom: f64, theme: Theme) -> (char, Option<Color>, Option<Color>) {
    let depth = theme.depth;
    match (colormap::color(top, depth), colormap::color(bottom, depth)) {
        (Some(_), Some(_)) if theme.charset == Charset::Console => {
            ('█', colormap::color((top + bottom) / 2.0, depth), None)
        }
        (Some(t), Some(b)) => ('▀', Some(t), Some(b)),
        _ => (colormap::shade((top + bottom) / 2.0), None, None),
    }
}

/// The map's cells, row by row: each cell's glyph and colours from its
/// two samples (the upper one over the lower).
fn paint(levels: &[f64], cols: u16, rows2: u16, theme: Theme) -> Vec<Painted> {
    let cols = cols as usize;
    (0..rows2 as usize / 2)
        .flat_map(|row| {
            (0..cols).map(move |col| {
                let top = levels[2 * row * cols + col];
                let bottom = levels[(2 * row + 1) * cols + col];
                level_cell(top, bottom, theme)
            })
        })
        .collect()
}

/// Fill `area` with the painted map, `cols` cells to a row.
fn paint_grid(buf: &mut Buffer, area: Rect, cells: &[Painted], cols: u16) {
    for row in 0..area.height {
        for col in 0..area.width.min(cols) {
            let Some(&(ch, fg, bg)) = cells.get(row as usize * cols as usize + col as usize) else {
                return;
            };
            let cell = &mut buf[(area.x + col, area.y + row)];
            cell.set_char(ch);
            if let Some(fg) = fg {
                cell.set_fg(fg);
            }
            if let Some(bg) = bg {
                cell.set_bg(bg);
            }
        }
    }
}

/// The value scale in `row`: `lowest ████ median ████ highest` (the map's
/// levels are ranked, so its middle colour is the median), or without the
/// median when narrow.
fn value_scale(buf: &mut Buffer, row: Rect, scale: Option<[f64; 3]>, theme: Theme) {
    let Some([lo, mid, hi]) = scale else {
        return;
    };
    let (lo, mid, hi) = (num::sig(lo, 3), num::sig(mid, 3), num::sig(hi, 3));
    let w = row.width as usize;
    let ends = lo.len() + hi.len() + 2;
    let (halves, mid) = if w >= ends + mid.len() + 2 + 4 {
        let n = w - ends - mid.len() - 2;
        ([n / 2, n - n / 2], Some(mid))
    } else if w >= ends + 2 {
        ([(w - ends) / 2, (w - ends) - (w - ends) / 2], None)
    } else {
        return;
    };
    let style = theme.axis();
    let mut x = row.x;
    let text = |buf: &mut Buffer, x: &mut u16, s: &str| {
        buf.set_string(*x, row.y, s, style);
        *x += s.len() as u16;
    };
    text(buf, &mut x, &format!("{lo} "));
    let total = halves[0] + halves[1];
    for (h, n) in halves.iter().enumerate() {
        for j in 0..*n {
            let t = (h * halves[0] + j) as f64 / (total.max(2) - 1) as f64;
            let cell = &mut buf[(x, row.y)];
            match colormap::color(t, theme.depth) {
                Some(c) => {
                    cell.set_char('█').set_fg(c);
                }
                None => {
                    cell.set_char(colormap::shade(t));
                }
            }
            x += 1;
        }
        if h == 0
            && let Some(m) = &mid
        {
            text(buf, &mut x, &format!(" {m} "));
        }
    }
    text(buf, &mut x, &format!(" {hi}"));
}

/// The cell of a point of the domain, if it is inside `plot`.
fn to_cell(axes: &Axes, plot: Rect, p: &[f64]) -> Option<(u16, u16)> {
    let fx = (p[0] - axes.x[0]) / (axes.x[1] - axes.x[0]);
    let fy = (axes.y[1] - p[1]) / (axes.y[1] - axes.y[0]);
    if !(0.0..=1.0).contains(&fx) || !(0.0..=1.0).contains(&fy) || plot.is_empty() {
        return None;
    }
    Some((
        plot.x + axes.col(p[0], plot.width),
        plot.y + axes.row(p[1], plot.height),
    ))
}

/// Cells on the straight line from `a` to `b` (Bresenham), both ends included.
pub(super) fn line(a: (u16, u16), b: (u16, u16)) -> Vec<(u16, u16)> {
    let (mut x, mut y) = (a.0 as i32, a.1 as i32);
    let (x1, y1) = (b.0 as i32, b.1 as i32);
    let dx = (x1 - x).abs();
    let dy = -(y1 - y).abs();
    let sx = if x < x1 { 1 } else { -1 };
    let sy = if y < y1 { 1 } else { -1 };
    let mut err = dx + dy;
    let mut out = Vec::new();
    loop {
        out.push((x as u16, y as u16));
        if x == x1 && y == y1 {
            return out;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// Put a marker in a map cell: its glyph and colour, and a black (or
/// white) cell under it where its colour would not read on the map's.
fn mark(buf: &mut Buffer, at: (u16, u16), ch: char, style: Style, theme: Theme) {
    let cell = &mut buf[at];
    // What shows around the glyph: the cell's background (the lower
    // sample; a full-block cell's is the terminal's own).
    let under = (cell.bg != Color::Reset).then_some(cell.bg);
    cell.set_char(ch);
    if let Some(fg) = style.fg {
        cell.set_fg(fg);
    }
    if let Some(halo) = theme.halo(style.fg, under) {
        cell.set_bg(halo);
    }
    cell.modifier.insert(style.add_modifier);
}

/// Trajectories, every start's end, starts, current points and the
/// minimum over the map, for the runs of `marks.order` in that order (the
/// selected last, on top); the crosshair over everything.
fn overlay_runs(
    buf: &mut Buffer,
    plot: Rect,
    axes: &Axes,
    sc: &Scenario,
    snap: &Snapshot,
    marks: &Marks,
    theme: Theme,
) {
    let runs: Vec<(usize, &RunView)> = marks
        .order
        .iter()
        .filter_map(|&i| snap.runs.get(i).map(|r| (i, r)))
        .collect();
    for &(i, r) in &runs {
        let style = theme.run(i);
        let mut prev: Option<(u16, u16)> = None;
        for p in r.path.iter().chain([r.params.as_slice()]) {
            let here = to_cell(axes, plot, p);
            if let (Some(a), Some(b)) = (prev, here) {
                for c in line(a, b) {
                    mark(buf, c, theme.trail_glyph(i), style, theme);
                }
            }
            prev = here;
        }
    }
    for &(i, r) in &runs {
        for p in r.starts.iter().flat_map(|s| &s.ends) {
            if let Some(c) = to_cell(axes, plot, p) {
                mark(buf, c, theme.end_glyph(i), theme.run(i), theme);
            }
        }
    }
    for &(i, r) in &runs {
        if let Some(c) = to_cell(axes, plot, &r.start) {
            mark(buf, c, theme.start_glyph(), theme.run(i), theme);
        }
    }
    if let Some(m) = &sc.minimum
        && let Some(c) = to_cell(axes, plot, m)
    {
        mark(buf, c, theme.minimum_glyph(), theme.minimum(), theme);
    }
    // Current points last, so they are never hidden.
    for &(i, r) in &runs {
        if let Some(c) = to_cell(axes, plot, &r.params) {
            let style = theme.run(i).add_modifier(Modifier::BOLD);
            mark(buf, c, theme.now_glyph(i), style, theme);
        }
    }
    for pin in marks.pins {
        if let Some(c) = to_cell(axes, plot, pin.start) {
            mark(buf, c, '◇', theme.key(), theme);
        }
        if let Some((x, y)) = to_cell(axes, plot, pin.now) {
            mark(buf, (x, y), '◆', theme.key(), theme);
            // The name beside it, as far as the map goes.
            let room = usize::from(plot.right().saturating_sub(x + 1)).min(8);
            let name = crate::text::ellipsize(pin.label, room);
            buf.set_stringn(x + 1, y, &name, room, theme.key());
        }
    }
    if let Some(at) = marks.crosshair
        && let Some(c) = to_cell(axes, plot, at)
    {
        mark(buf, c, theme.crosshair_glyph(), theme.minimum(), theme);
    }
}
