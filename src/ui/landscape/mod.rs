//! The landscape: why the runs go where they go.
//!
//! ```text
//! ┌ f(x, y) ─────────────────────────────────────────┐
//! │            3┤▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀            │  2D: a colour map of half-block
//! │             │▀▀▀▀▀▀▀○▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀            │  cells (two square samples each),
//! │            0┤▀▀▀▀▀▀▀··●▀▀▀▀▀▀▀▀▀▀✕▀▀▀▀            │  the domain's aspect kept and the
//! │             │▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀            │  map letterboxed in the pane, with
//! │           -3┤▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀            │  axis ticks
//! │             └┬───────────┬───────────┬            │
//! │             -3           0           3            │
//! │   -6.55 ███████████ 0.0209 ███████████ 8.11       │  value scale: lowest, median, highest
//! └ ● fixed 0.01  ● momentum 0.9  ○ start  ✕ min ─────┘  legend
//! ```
//!
//! * 1D: f over its domain as a line (braille; half blocks on a text
//!   console), a gap where f is undefined; each run's position as a block
//!   in its colour with a short trail of `•`, the known minimum `✕`.
//! * 2D: levels are rank-normalised so any range shows structure (so the
//!   value scale names the median at its middle); viridis in true/256
//!   colour, an ANSI ramp in 16 colours, shading characters without colour
//!   (full blocks on a text console, which cannot show bright backgrounds).
//!   Each run's trajectory is drawn over it, `○` at the start and `●` now,
//!   `✕` at the known minimum; a marker whose colour would not read on the
//!   cell beneath gets a black cell (see [`Theme::halo`]).
//! * Without colour, each run has its glyph on its trail (`·` `•` `+` …)
//!   and its number where it is now; the legend says which is which.
//! * Many starts (`starts = N`): trajectories, trails and `○`/`●`/`█` are
//!   start 0's; every start's current point is a `•` in its run's colour
//!   (on the 1D curve, or a cell of the map), under start 0's markers.
//!
//! * Hidden runs (`h`) are left out; the selected run is drawn last, on top.
//! * Placing the start (`p`): a crosshair `┼` at the point (on the curve in
//!   1D), its coordinates in the title. A click on the plot places it in one
//!   go: [`render`] returns the plot's [`Hit`] area for the session to map
//!   clicks with.
//!
//! The surface is sampled by [`super::surface`] and remembered there. The
//! 1D curve is drawn in `curve.rs`, the 2D map in `map.rs`.

mod curve;
mod map;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Block;

use super::chart::{self, Entry};
use super::theme::Theme;
use crate::scenario::Scenario;
use crate::text::num;
use crate::track::Snapshot;

pub use super::surface::{Map, MapCache, MapKey, SurfaceId, compute};
pub use map::{MapLayout, letterbox, map_axes, map_layout};

/// What the landscape shows besides the snapshot: the runs to draw, in
/// order (the selected last, on top; hidden ones left out), and the
/// crosshair of a start being placed.
#[derive(Debug, Clone, Copy)]
pub struct Marks<'a> {
    pub order: &'a [usize],
    pub crosshair: Option<&'a [f64]>,
    /// The class view: students' starts and where they are, named.
    pub pins: &'a [Pin<'a>],
}

/// A student on the teacher's map: `◇` where they started, `◆` where
/// they are, their name beside it.
#[derive(Debug, Clone, Copy)]
pub struct Pin<'a> {
    pub start: &'a [f64],
    pub now: &'a [f64],
    pub label: &'a str,
}

/// Where the landscape's plot is on screen and which point of the domain
/// each cell is: what a click on it means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub plot: Rect,
    /// The range of the first variable across the plot.
    pub x: [f64; 2],
    /// The range of the second, top to bottom (`None` in 1D: any row).
    pub y: Option<[f64; 2]>,
}

impl Hit {
    /// The point at the centre of cell (`col`, `row`), if it is on the plot.
    pub fn point_at(&self, col: u16, row: u16) -> Option<Vec<f64>> {
        let p = self.plot;
        if col < p.x || col >= p.right() || row < p.y || row >= p.bottom() {
            return None;
        }
        let along = |i: u16, n: u16, [lo, hi]: [f64; 2]| {
            lo + (f64::from(i) + 0.5) / f64::from(n) * (hi - lo)
        };
        let mut out = vec![along(col - p.x, p.width, self.x)];
        if let Some([lo, hi]) = self.y {
            // Rows count down from the top, where y is highest.
            out.push(along(row - p.y, p.height, [hi, lo]));
        }
        Some(out)
    }
}

/// Positions in a 1D trail.
const TRAIL_1D: usize = 8;

/// Draw the landscape pane; where its plot is, for clicks.
#[allow(clippy::too_many_arguments)]
pub fn render(
    frame: &mut Frame,
    area: Rect,
    maps: &mut MapCache,
    surface: SurfaceId,
    sc: &Scenario,
    snap: &Snapshot,
    marks: &Marks,
    theme: Theme,
) -> Option<Hit> {
    let mut title = format!(" f({}) ", sc.vars.join(", "));
    if let Some(at) = marks.crosshair {
        let vals: Vec<String> = at.iter().map(|v| num::sig(*v, 4)).collect();
        title.push_str(&format!("· start ({}) ", vals.join(", ")));
    }
    let entries = legend_entries(sc, snap, marks.order, theme);
    let legend = chart::legend(
        &entries,
        marks.order.len(),
        area.width.saturating_sub(2),
        theme,
    );
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .title_bottom(legend);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return None;
    }
    if sc.dim() == 1 {
        let map = maps.get(sc, surface.key(inner.width, inner.height));
        return match map.as_ref() {
            Map::Curve { points, range, .. } => {
                curve::render(frame, inner, points, *range, sc, snap, marks, theme)
            }
            Map::Grid { .. } => None,
        };
    }
    map::render(frame, inner, maps, surface, sc, snap, marks, theme)
}

/// One entry per run drawn (what marks where it is now, and without colour
/// its trail's glyph), then the other starts', start and minimum marks.
fn legend_entries(sc: &Scenario, snap: &Snapshot, order: &[usize], theme: Theme) -> Vec<Entry> {
    // In the table's order, whatever is drawn on top.
    let mut out: Vec<Entry> = snap
        .runs
        .iter()
        .enumerate()
        .filter(|(i, _)| order.contains(i))
        .map(|(i, r)| {
            let now = match (theme.color, sc.dim()) {
                (true, 1) => '█',
                _ => theme.now_glyph(i),
            };
            let glyph = if theme.color {
                now.to_string()
            } else {
                format!("{now}{}", theme.trail_glyph(i))
            };
            Entry {
                glyph,
                style: theme.run(i).add_modifier(Modifier::BOLD),
                name: r.name.clone(),
            }
        })
        .collect();
    if theme.color && snap.starts().is_some() {
        out.push(Entry {
            glyph: theme.end_glyph(0).to_string(),
            style: Style::new(),
            name: "other starts".into(),
        });
    }
    if sc.dim() > 1 {
        out.push(Entry {
            glyph: theme.start_glyph().to_string(),
            style: Style::new(),
            name: "start".into(),
        });
    }
    if sc.minimum.is_some() {
        out.push(Entry {
            glyph: theme.minimum_glyph().to_string(),
            style: theme.minimum(),
            name: "min".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::map::line;
    use super::{Hit, letterbox};
    use ratatui::layout::Rect;

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

    #[test]
    fn a_click_is_the_point_at_the_centre_of_its_cell() {
        let hit = Hit {
            plot: Rect::new(10, 5, 20, 10),
            x: [-2.0, 2.0],
            y: Some([-1.0, 1.0]),
        };
        let near = |a: Option<Vec<f64>>, b: [f64; 2]| {
            let a = a.unwrap();
            assert!(
                (a[0] - b[0]).abs() < 1e-12 && (a[1] - b[1]).abs() < 1e-12,
                "{a:?} vs {b:?}"
            );
        };
        near(hit.point_at(10, 5), [-1.9, 0.9]);
        near(hit.point_at(29, 14), [1.9, -0.9]);
        assert_eq!(hit.point_at(9, 5), None);
        assert_eq!(hit.point_at(30, 5), None);
        assert_eq!(hit.point_at(10, 15), None);
        let one = Hit { y: None, ..hit };
        let x = one.point_at(19, 14).unwrap();
        assert!((x[0] + 0.1).abs() < 1e-12 && x.len() == 1, "{x:?}");
    }

    #[test]
    fn letterboxes_keep_the_aspect() {
        // A square domain: twice as many columns as rows.
        assert_eq!(letterbox(54, 52, 1.0), (54, 27));
        assert_eq!(letterbox(200, 20, 1.0), (40, 20));
        // The ravine, 10 times as wide as tall.
        assert_eq!(letterbox(27, 10, 10.0), (20, 1));
        assert_eq!(letterbox(100, 40, 10.0), (100, 5));
        // Tall domains, and nothing sensible to go by.
        assert_eq!(letterbox(40, 40, 0.25), (20, 40));
        assert_eq!(letterbox(10, 3, f64::NAN), (6, 3));
        for w in 1..60 {
            for h in 1..30 {
                let (c, r) = letterbox(w, h, 1.3);
                assert!(c >= 1 && c <= w && r >= 1 && r <= h, "{w}x{h}: {c}x{r}");
            }
        }
    }
}
