//! The landscape's sampled surface: f over the domain, once per scenario
//! and plot size, kept in a [`MapCache`] (ui state the session owns, never
//! the model's), not recomputed per frame. The cache is keyed by the
//! entry's id, its generation (bumped by every restart and reload) and the
//! size, so a reloaded file or another scenario never reuses a map.

use std::sync::Arc;

use ratatui::style::Color;

use super::colormap;
use super::theme::Theme;
use crate::descent::Function;
use crate::scenario::Scenario;

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
    pub fn key(self, width: u16, height: u16) -> MapKey {
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
    /// The last 2D map's cells as painted, and for which map and theme.
    painted: Option<(MapKey, Theme, Vec<Painted>)>,
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

    /// The cells of the 2D map `key` painted in `theme`: remembered, or
    /// made by `paint` (and remembered). A frame copies them onto the
    /// screen instead of colouring every sample again.
    pub fn painted(
        &mut self,
        key: MapKey,
        theme: Theme,
        paint: impl FnOnce() -> Vec<Painted>,
    ) -> &[Painted] {
        let fresh = matches!(&self.painted, Some((k, t, _)) if *k == key && *t == theme);
        if !fresh {
            self.painted = Some((key, theme, paint()));
        }
        self.painted.as_ref().map_or(&[], |(_, _, cells)| cells)
    }
}

/// A map cell as painted: its glyph, foreground and background.
pub type Painted = (char, Option<Color>, Option<Color>);

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
    /// is twice the cell rows: two samples per cell), and the smallest,
    /// median and largest finite value sampled (level 0, ½ and 1).
    Grid {
        key: MapKey,
        cols: u16,
        rows2: u16,
        levels: Vec<f64>,
        scale: Option<[f64; 3]>,
    },
}

impl Map {
    /// What it was computed for.
    pub fn key(&self) -> MapKey {
        match self {
            Map::Curve { key, .. } | Map::Grid { key, .. } => *key,
        }
    }
}

/// Sample the surface of `sc`: in 1D twice per column of `key`'s width, in
/// 2D once per column and twice per row of a map `key.width × key.height`
/// cells (the sample at each sub-cell's centre).
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
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let scale = (!sorted.is_empty()).then(|| {
            [
                sorted[0],
                sorted[sorted.len() / 2],
                sorted[sorted.len() - 1],
            ]
        });
        Map::Grid {
            key,
            cols,
            rows2,
            levels: colormap::equalise(&values),
            scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Charset, ColorDepth};

    #[test]
    fn painted_cells_are_kept_for_one_map_and_theme_only() {
        let key = |generation| MapKey {
            entry: 1,
            generation,
            width: 4,
            height: 2,
        };
        let theme = |depth| Theme {
            color: true,
            depth,
            charset: Charset::Unicode,
        };
        let mut cache = MapCache::default();
        let mut paints = 0;
        let mut get = |cache: &mut MapCache, k, t| {
            cache
                .painted(k, t, || {
                    paints += 1;
                    vec![('x', None, None); paints]
                })
                .len()
        };
        assert_eq!(get(&mut cache, key(0), theme(ColorDepth::Indexed256)), 1);
        assert_eq!(get(&mut cache, key(0), theme(ColorDepth::Indexed256)), 1);
        assert_eq!(get(&mut cache, key(0), theme(ColorDepth::Ansi16)), 2);
        assert_eq!(get(&mut cache, key(1), theme(ColorDepth::Ansi16)), 3);
        assert_eq!(get(&mut cache, key(1), theme(ColorDepth::Ansi16)), 3);
    }
}
