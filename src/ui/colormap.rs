//! Colour maps for surfaces and heatmaps: viridis (perceptual) in true
//! colour or the xterm 256 palette, a 7-step ANSI ramp for 16-colour
//! terminals, and shading characters when there is no colour at all. And
//! how two colours contrast (WCAG 2), so a marker is never lost on the map.

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

/// The xterm default of each of the 16 ANSI colours (terminals differ:
/// this is an estimate).
const ANSI_RGB: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// The red, green and blue of a colour as xterm shows it by default
/// (`None` for the terminal's own default colour).
pub fn rgb(c: Color) -> Option<(u8, u8, u8)> {
    const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let ansi = |i: usize| Some(ANSI_RGB[i]);
    match c {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some((r, g, b)),
        Color::Indexed(i @ 0..=15) => ansi(i as usize),
        Color::Indexed(i @ 16..=231) => {
            let i = i - 16;
            Some((
                CUBE[(i / 36) as usize],
                CUBE[(i / 6 % 6) as usize],
                CUBE[(i % 6) as usize],
            ))
        }
        Color::Indexed(i) => {
            let v = 8 + 10 * (i - 232);
            Some((v, v, v))
        }
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
    }
}

/// Relative luminance (WCAG 2) of an sRGB colour.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// The contrast ratio (WCAG 2: 1 to 21) of two colours; 21 when either
/// is the terminal's default (unknown, taken to be fine).
pub fn contrast(a: Color, b: Color) -> f64 {
    match (rgb(a), rgb(b)) {
        (Some(a), Some(b)) => {
            let (la, lb) = (luminance(a), luminance(b));
            (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
        }
        _ => 21.0,
    }
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
    fn contrast_ratios() {
        assert!((contrast(Color::Black, Color::White) - 21.0).abs() < 1e-9);
        assert!((contrast(Color::Cyan, Color::Cyan) - 1.0).abs() < 1e-9);
        assert_eq!(rgb(Color::Indexed(16)), Some((0, 0, 0)));
        assert_eq!(rgb(Color::Indexed(231)), Some((255, 255, 255)));
        assert_eq!(rgb(Color::Indexed(196)), Some((255, 0, 0)));
        assert_eq!(rgb(Color::Indexed(232)), Some((8, 8, 8)));
        assert_eq!(rgb(Color::Indexed(3)), rgb(Color::Yellow));
        assert_eq!(contrast(Color::Reset, Color::Black), 21.0);
        // Yellow on viridis' top barely differs; on its floor it reads.
        let top = Color::Rgb(253, 231, 37);
        assert!(contrast(Color::Rgb(240, 228, 66), top) < 1.5);
        assert!(contrast(Color::Rgb(240, 228, 66), Color::Rgb(68, 1, 84)) > 7.0);
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
