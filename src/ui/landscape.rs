//! The landscape: why the runs go where they go.
//!
//! * 1D: f over its domain as a braille line, each run's position as a
//!   coloured block with a short trail of `•`, the known minimum marked.
//! * 2D: the surface as a colour map of half-block cells (two samples per
//!   cell: `▀` with the upper sample as foreground, the lower as background),
//!   levels rank-normalised so any range shows structure; viridis in
//!   true/256 colour, an ANSI ramp in 16 colours, shading characters without
//!   colour. Each run's trajectory is drawn over it in its colour, `○` at the
//!   start and `●` now (the run's number without colour), `✕` at the known
//!   minimum.
//! * Many starts (`starts = N`): trajectories, trails and `○`/`●`/`█` are
//!   start 0's; every start's current point is a `•` in its run's colour
//!   (on the 1D curve, or a cell of the map), under start 0's markers.
//!
//! The surface is sampled once per scenario and pane size and kept in a
//! [`MapCache`] (ui state the session owns, never the model's), not
//! recomputed per frame. The cache is keyed by the entry's id, its
//! generation (bumped by every restart and reload) and the size, so a
//! reloaded file or another scenario never reuses a map.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType};

use super::colormap;
use super::scale;
use super::theme::Theme;
use crate::app::ColorDepth;
use crate::descent::Function;
use crate::scenario::Scenario;
use crate::track::Snapshot;

/// Positions in a 1D trail.
const TRAIL_1D: usize = 8;

/// What a map was computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapKey {
    /// The entry's id (see [`crate::app::Entry`]).
    pub entry: usize,
    /// The entry's generation: a reloaded file is a new generation.
    pub generation: u64,
    pub width: u16,
    pub height: u16,
}

/// Whose surface a map samples: an entry and its generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurfaceId {
    pub entry: usize,
    pub generation: u64,
}

impl SurfaceId {
    fn key(self, width: u16, height: u16) -> MapKey {
        MapKey {
            entry: self.entry,
            generation: self.generation,
            width,
            height,
        }
    }
}

/// The last map drawn, remembered between frames.
#[derive(Debug, Default)]
pub struct MapCache {
    map: Option<Arc<Map>>,
    /// How many maps were computed (for tests of the memo).
    pub computed: usize,
}

impl MapCache {
    /// The map for `key`, remembered or computed (and remembered) now.
    pub fn get(&mut self, sc: &Scenario, key: MapKey) -> Arc<Map> {
        if let Some(m) = &self.map
            && m.key() == key
        {
            return m.clone();
        }
        let m = Arc::new(compute(sc, key));
        self.computed += 1;
        self.map = Some(m.clone());
        m
    }
}

/// A sampled surface.
#[derive(Debug, Clone)]
pub enum Map {
    /// 1D: `(x, f(x))` points and the finite range of f.
    Curve {
        key: MapKey,
        points: Vec<(f64, f64)>,
        range: (f64, f64),
    },
    /// 2D: `cols × rows2` levels in [0, 1], row-major from the top (`rows2`
    /// is twice the cell rows: two samples per cell).
    Grid {
        key: MapKey,
        cols: u16,
        rows2: u16,
        levels: Vec<f64>,
    },
}

impl Map {
    fn key(&self) -> MapKey {
        match self {
            Map::Curve { key, .. } | Map::Grid { key, .. } => *key,
        }
    }
}

/// Sample the surface of `sc` for an inner area of `width × height` cells.
pub fn compute(sc: &Scenario, key: MapKey) -> Map {
    let mut f = sc.expr.evaluator();
    if sc.dim() == 1 {
        let (lo, hi) = sc.domain[0];
        let n = (2 * key.width as usize).max(2);
        let points: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let x = lo + (hi - lo) * i as f64 / (n - 1) as f64;
                (x, f.value(&[x]))
            })
            .collect();
        let range = points
            .iter()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        Map::Curve { key, points, range }
    } else {
        let cols = key.width.max(1);
        let rows2 = key.height.max(1) * 2;
        let (x0, x1) = sc.domain[0];
        let (y0, y1) = sc.domain[1];
        // Other variables (3D and up) sit at the middle of their range.
        let mut p: Vec<f64> = sc.domain.iter().map(|(a, b)| (a + b) / 2.0).collect();
        let mut values = Vec::with_capacity(cols as usize * rows2 as usize);
        for r in 0..rows2 {
            p[1] = y1 - (y1 - y0) * (r as f64 + 0.5) / rows2 as f64;
            for c in 0..cols {
                p[0] = x0 + (x1 - x0) * (c as f64 + 0.5) / cols as f64;
                values.push(f.value(&p));
            }
        }
        Map::Grid {
            key,
            cols,
            rows2,
            levels: colormap::equalise(&values),
        }
    }
}

/// Draw the landscape pane.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    maps: &mut MapCache,
    surface: SurfaceId,
    sc: &Scenario,
    snap: &Snapshot,
    theme: Theme,
) {
    let title = match sc.dim() {
        1 => format!(" f({}) ", sc.vars[0]),
        _ => format!(
            " f({}, {}) {} ∈ [{}, {}] · {} ∈ [{}, {}] ",
            sc.vars[0],
            sc.vars[1],
            sc.vars[0],
            scale::tick(sc.domain[0].0),
            scale::tick(sc.domain[0].1),
            sc.vars[1],
            scale::tick(sc.domain[1].0),
            scale::tick(sc.domain[1].1),
        ),
    };
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    if sc.dim() == 1 {
        render_curve(frame, area, block, maps, surface, sc, snap, theme);
    } else {
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let map = maps.get(sc, surface.key(inner.width, inner.height));
        if let Map::Grid { levels, cols, .. } = map.as_ref() {
            paint_grid(frame.buffer_mut(), inner, levels, *cols, theme.depth);
        }
        overlay_runs(frame.buffer_mut(), inner, sc, snap, theme);
    }
}

#[allow(clippy::too_many_arguments)]
fn render_curve(
    frame: &mut Frame,
    area: Rect,
    block: Block,
    maps: &mut MapCache,
    surface: SurfaceId,
    sc: &Scenario,
    snap: &Snapshot,
    theme: Theme,
) {
    let inner = block.inner(area);
    let map = maps.get(sc, surface.key(inner.width, inner.height));
    let Map::Curve { points, range, .. } = map.as_ref() else {
        return;
    };
    let (lo, hi) = sc.domain[0];
    let y_bounds = if range.0 <= range.1 {
        scale::nice_range(range.0, range.1)
    } else {
        [0.0, 1.0]
    };
    let mut f = sc.expr.evaluator();
    let trails: Vec<Vec<(f64, f64)>> = snap
        .runs
        .iter()
        .map(|r| {
            r.trail
                .iter()
                .skip(r.trail.len().saturating_sub(TRAIL_1D))
                .map(|p| (p[0], f.value(p)))
                .collect()
        })
        .collect();
    let now: Vec<[(f64, f64); 1]> = snap
        .runs
        .iter()
        .map(|r| [(r.params[0], f.value(&r.params))])
        .collect();
    // Every start's current point, per run (many-start scenarios).
    let ends: Vec<Vec<(f64, f64)>> = snap
        .runs
        .iter()
        .map(|r| {
            r.starts.as_ref().map_or_else(Vec::new, |s| {
                s.ends.iter().map(|p| (p[0], f.value(p))).collect()
            })
        })
        .collect();
    let minimum: Vec<(f64, f64)> = sc
        .minimum
        .iter()
        .map(|m| (m[0], sc.min_value.unwrap_or(f64::NAN)))
        .collect();
    let mut datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.dim())
            .data(points),
    ];
    // Chart layers replace whole cells, so a braille trail would erase the
    // curve's dots under it: the trail is drawn as `•` cells instead.
    for (i, t) in trails.iter().enumerate() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.run(i))
                .data(t),
        );
    }
    for (i, e) in ends.iter().enumerate().filter(|(_, e)| !e.is_empty()) {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.run(i))
                .data(e),
        );
    }
    datasets.push(
        Dataset::default()
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(theme.title())
            .data(&minimum),
    );
    for (i, p) in now.iter().enumerate() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(theme.run(i))
                .data(p),
        );
    }
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([lo, hi])
                .labels(vec![
                    scale::tick(lo),
                    scale::tick((lo + hi) / 2.0),
                    scale::tick(hi),
                ])
                .style(theme.axis()),
        )
        .y_axis(
            Axis::default()
                .bounds(y_bounds)
                .labels(scale::labels(y_bounds))
                .style(theme.axis()),
        );
    frame.render_widget(chart, area);
}

/// Fill `area` with the colour map.
fn paint_grid(buf: &mut Buffer, area: Rect, levels: &[f64], cols: u16, depth: ColorDepth) {
    for row in 0..area.height {
        for col in 0..area.width.min(cols) {
            let top = levels[(2 * row as usize) * cols as usize + col as usize];
            let bottom = levels[(2 * row as usize + 1) * cols as usize + col as usize];
            let cell = &mut buf[(area.x + col, area.y + row)];
            match (colormap::color(top, depth), colormap::color(bottom, depth)) {
                (Some(t), Some(b)) => {
                    cell.set_char('▀').set_fg(t).set_bg(b);
                }
                _ => {
                    cell.set_char(colormap::shade((top + bottom) / 2.0));
                }
            }
        }
    }
}

/// The cell of a point of the domain, if it is inside `area`.
fn to_cell(sc: &Scenario, area: Rect, p: &[f64]) -> Option<(u16, u16)> {
    let (x0, x1) = sc.domain[0];
    let (y0, y1) = sc.domain[1];
    let fx = (p[0] - x0) / (x1 - x0);
    let fy = (y1 - p[1]) / (y1 - y0);
    if !(0.0..=1.0).contains(&fx) || !(0.0..=1.0).contains(&fy) {
        return None;
    }
    let c = ((fx * area.width as f64) as u16).min(area.width - 1);
    let r = ((fy * area.height as f64) as u16).min(area.height - 1);
    Some((area.x + c, area.y + r))
}

/// Cells on the straight line from `a` to `b` (Bresenham), both ends included.
fn line(a: (u16, u16), b: (u16, u16)) -> Vec<(u16, u16)> {
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

fn mark(buf: &mut Buffer, at: (u16, u16), ch: char, style: Style) {
    let cell = &mut buf[at];
    cell.set_char(ch);
    if let Some(fg) = style.fg {
        cell.set_fg(fg);
    }
    cell.modifier.insert(style.add_modifier);
}

/// Trajectories, every start's end, starts, current points and the
/// minimum over the map.
fn overlay_runs(buf: &mut Buffer, area: Rect, sc: &Scenario, snap: &Snapshot, theme: Theme) {
    for (i, r) in snap.runs.iter().enumerate() {
        let style = theme.run(i);
        let mut prev: Option<(u16, u16)> = None;
        for p in r.path.iter().chain([r.params.as_slice()]) {
            let here = to_cell(sc, area, p);
            if let (Some(a), Some(b)) = (prev, here) {
                for c in line(a, b) {
                    mark(buf, c, '·', style);
                }
            }
            prev = here;
        }
    }
    for (i, r) in snap.runs.iter().enumerate() {
        for p in r.starts.iter().flat_map(|s| &s.ends) {
            if let Some(c) = to_cell(sc, area, p) {
                mark(buf, c, '•', theme.run(i));
            }
        }
    }
    for (i, r) in snap.runs.iter().enumerate() {
        if let Some(c) = to_cell(sc, area, &r.start) {
            mark(buf, c, '○', theme.run(i));
        }
    }
    if let Some(m) = &sc.minimum
        && let Some(c) = to_cell(sc, area, m)
    {
        let style = if theme.color {
            Style::new().fg(Color::White).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        };
        mark(buf, c, '✕', style);
    }
    // Current points last, so they are never hidden.
    for (i, r) in snap.runs.iter().enumerate() {
        if let Some(c) = to_cell(sc, area, &r.params) {
            let ch = if theme.color {
                '●'
            } else {
                char::from_digit((i + 1) as u32 % 10, 10).unwrap_or('●')
            };
            mark(buf, c, ch, theme.run(i).add_modifier(Modifier::BOLD));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn lines_are_connected() {
        assert_eq!(line((0, 0), (3, 0)), vec![(0, 0), (1, 0), (2, 0), (3, 0)]);
        assert_eq!(line((2, 2), (0, 0)), vec![(2, 2), (1, 1), (0, 0)]);
        assert_eq!(line((1, 1), (1, 1)), vec![(1, 1)]);
        let l = line((0, 0), (5, 2));
        assert_eq!(l.first(), Some(&(0, 0)));
        assert_eq!(l.last(), Some(&(5, 2)));
        assert!(l.windows(2).all(|w| {
            (w[0].0 as i32 - w[1].0 as i32).abs() <= 1 && (w[0].1 as i32 - w[1].1 as i32).abs() <= 1
        }));
    }
}
