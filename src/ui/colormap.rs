//! Colour maps for surfaces and heatmaps: viridis (perceptual) in true
//! colour or the xterm 256 palette, a 7-step ANSI ramp for 16-colour
//! terminals, and shading characters when there is no colour at all.

use ratatui::style::Color;

use crate::app::ColorDepth;

/// Viridis, sampled at nine evenly spaced points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (72, 40, 120),
    (62, 73, 137),
    (49, 104, 142),
    (38, 130, 142),
    (31, 158, 137),
    (53, 183, 121),
    (110, 206, 88),
    (253, 231, 37),
];

/// Low to high in 16 colours.
const ANSI_RAMP: [Color; 7] = [
    Color::Blue,
    Color::LightBlue,
    Color::Cyan,
    Color::Green,
    Color::LightGreen,
    Color::Yellow,
    Color::LightYellow,
];

/// Low to high without colour.
pub const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];

/// Viridis at `t` in [0, 1] (clamped; NaN is the bottom).
pub fn viridis(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The nearest colour of the xterm 6×6×6 cube (indices 16–231).
pub fn xterm_index(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let near = |v: u8| {
        LEVELS
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| (**l as i32 - v as i32).abs())
            .map_or(0, |(i, _)| i as u8)
    };
    16 + 36 * near(r) + 6 * near(g) + near(b)
}

/// The colour of level `t` in [0, 1] at this depth (`None` without colour).
pub fn color(t: f64, depth: ColorDepth) -> Option<Color> {
    match depth {
        ColorDepth::None => None,
        ColorDepth::TrueColor => {
            let (r, g, b) = viridis(t);
            Some(Color::Rgb(r, g, b))
        }
        ColorDepth::Indexed256 => {
            let (r, g, b) = viridis(t);
            Some(Color::Indexed(xterm_index(r, g, b)))
        }
        ColorDepth::Ansi16 => {
            let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
            let i = ((t * ANSI_RAMP.len() as f64) as usize).min(ANSI_RAMP.len() - 1);
            Some(ANSI_RAMP[i])
        }
    }
}

/// The shading character of level `t` in [0, 1].
pub fn shade(t: f64) -> char {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    SHADES[((t * SHADES.len() as f64) as usize).min(SHADES.len() - 1)]
}

/// Rank-normalise `values` into [0, 1] (histogram equalisation): every
/// level of the colour map is used about equally, so structure shows
/// whether the surface spans 1 or 10^5. Non-finite values map to 1.
pub fn equalise(values: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len().max(1) as f64;
    values
        .iter()
        .map(|v| {
            if !v.is_finite() {
                return 1.0;
            }
            let rank = sorted.partition_point(|s| s < v);
            rank as f64 / (n - 1.0).max(1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_middle() {
        assert_eq!(viridis(0.0), (68, 1, 84));
        assert_eq!(viridis(1.0), (253, 231, 37));
        assert_eq!(viridis(0.5), (38, 130, 142));
        assert_eq!(viridis(f64::NAN), (68, 1, 84));
        assert_eq!(viridis(7.0), (253, 231, 37));
    }

    #[test]
    fn xterm_cube() {
        assert_eq!(xterm_index(0, 0, 0), 16);
        assert_eq!(xterm_index(255, 255, 255), 231);
        assert_eq!(xterm_index(255, 0, 0), 196);
    }

    #[test]
    fn depths() {
        assert_eq!(color(0.0, ColorDepth::Ansi16), Some(Color::Blue));
        assert_eq!(color(1.0, ColorDepth::Ansi16), Some(Color::LightYellow));
        assert_eq!(color(0.5, ColorDepth::None), None);
        assert!(matches!(
            color(0.5, ColorDepth::TrueColor),
            Some(Color::Rgb(..))
        ));
        assert!(matches!(
            color(0.5, ColorDepth::Indexed256),
            Some(Color::Indexed(_))
        ));
        assert_eq!(shade(0.0), ' ');
        assert_eq!(shade(1.0), '█');
    }

    #[test]
    fn equalised_levels_spread() {
        let v = [1.0, 10.0, 100.0, 1e5, f64::NAN];
        let e = equalise(&v);
        assert_eq!(e[..4], [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]);
        assert_eq!(e[4], 1.0);
    }
}
