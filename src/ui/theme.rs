//! Colours, markers and glyphs, for every terminal the driver can find.
//!
//! | terminal | run colours | chart lines | map: trail · start · now · minimum |
//! | --- | --- | --- | --- |
//! | true colour | Okabe–Ito (colour-blind safe), 24-bit | braille | `·` `○` `●` `✕` |
//! | 256 colours | Okabe–Ito, nearest of the xterm cube | braille | `·` `○` `●` `✕` |
//! | 16 colours | 8 bright ANSI colours | braille | `·` `○` `●` `✕` |
//! | `NO_COLOR` | none: a glyph per run | run 0 braille, then `•` `+` `*` `o` `#` `%` `=` | that glyph, `○`, the run's number, `✕` |
//! | Linux console (any of the above) | as above | half blocks `▀▄█` | `·` `○` `■` `X` |
//!
//! Red is kept for "diverged". Without colour, the legends and tables show
//! each run's glyph, so they still tell the runs apart. A marker on the map
//! stands on a black cell where its colour would not read against the map
//! beneath (always in 16 colours, whose real shades are the terminal's).

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

use super::colormap;
use crate::app::{Charset, ColorDepth};

/// How things look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub depth: ColorDepth,
    pub charset: Charset,
}

/// Run colours in 16-colour terminals: bright, none of them red.
const ANSI_RUNS: [Color; 8] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::LightBlue,
    Color::LightRed,
    Color::White,
    Color::LightGreen,
];

/// The Okabe–Ito palette (colour-blind safe), its black made a light grey
/// for dark terminals; vermillion late, since red means "diverged".
pub const OKABE_ITO: [(u8, u8, u8); 8] = [
    (230, 159, 0),   // orange
    (86, 180, 233),  // sky blue
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (240, 228, 66),  // yellow
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermillion
    (187, 187, 187), // grey
];

/// Without colour, the glyph of series 1, 2, … (series 0 is the line).
const GLYPHS: [char; 7] = ['•', '+', '*', 'o', '#', '%', '='];

/// Below this contrast ratio a marker gets a black cell under it.
const MIN_CONTRAST: f64 = 3.0;

impl Theme {
    /// The theme for a terminal's colour depth and character set.
    pub fn new(depth: ColorDepth, charset: Charset) -> Theme {
        Theme {
            color: depth != ColorDepth::None,
            depth,
            charset,
        }
    }

    /// The colour of run `i` (`None` without colour).
    pub fn run_color(&self, i: usize) -> Option<Color> {
        let (r, g, b) = OKABE_ITO[i % OKABE_ITO.len()];
        match self.depth {
            ColorDepth::None => None,
            ColorDepth::Ansi16 => Some(ANSI_RUNS[i % ANSI_RUNS.len()]),
            ColorDepth::Indexed256 => Some(Color::Indexed(colormap::xterm_index(r, g, b))),
            ColorDepth::TrueColor => Some(Color::Rgb(r, g, b)),
        }
    }

    /// The style of run `i` (its curves, markers and name).
    pub fn run(&self, i: usize) -> Style {
        match self.run_color(i) {
            Some(c) => Style::new().fg(c),
            None => Style::new(),
        }
    }

    /// The marker a curve is drawn with: braille, or half blocks where the
    /// font has no braille.
    pub fn line_marker(&self) -> Marker {
        match self.charset {
            Charset::Unicode => Marker::Braille,
            Charset::Console => Marker::HalfBlock,
        }
    }

    /// Dots per cell of [`Self::line_marker`], across and down.
    pub fn line_dots(&self) -> (u16, u16) {
        marker_dots(self.line_marker())
    }

    /// The marker of series `k` of a chart, showing variable `var` of its
    /// run: in colour the run's colour tells runs apart and the marker the
    /// variable (line, dots, bars); without colour each series has a glyph.
    pub fn series_marker(&self, k: usize, var: usize) -> Marker {
        if self.color {
            match var {
                0 => self.line_marker(),
                1 => Marker::Dot,
                _ => Marker::Bar,
            }
        } else if k == 0 {
            self.line_marker()
        } else {
            Marker::Custom(GLYPHS[(k - 1) % GLYPHS.len()])
        }
    }

    /// What a legend shows for series `k` (variable `var`): a stroke of the
    /// marker it is drawn with.
    pub fn series_glyph(&self, k: usize, var: usize) -> char {
        marker_glyph(self.series_marker(k, var))
    }

    /// The stroke of a line in a legend: `━` in colour (`■` on a console),
    /// the series' glyph without.
    pub fn legend_glyph(&self, k: usize) -> char {
        match (self.color, self.charset) {
            (true, Charset::Unicode) => '━',
            (true, Charset::Console) => '■',
            (false, _) => self.series_glyph(k, 0),
        }
    }

    /// Without colour, a glyph standing for run `i`'s marker (for the
    /// table, which then doubles as the legend).
    pub fn marker_glyph(&self, i: usize) -> Option<char> {
        (!self.color).then(|| self.series_glyph(i, 0))
    }

    /// The glyph of run `i`'s trail on the map (and of where its other
    /// starts are): `·` in colour, the run's own glyph without.
    pub fn trail_glyph(&self, i: usize) -> char {
        match (self.color, i) {
            (true, _) | (false, 0) => '·',
            (false, _) => GLYPHS[(i - 1) % GLYPHS.len()],
        }
    }

    /// Where many starts of run `i` are now: `•` in colour.
    pub fn end_glyph(&self, i: usize) -> char {
        if self.color {
            '•'
        } else {
            self.trail_glyph(i)
        }
    }

    /// Run `i`'s current point on the map: `●` (`■` on a console), its
    /// number without colour.
    pub fn now_glyph(&self, i: usize) -> char {
        match (self.color, self.charset) {
            (false, _) => char::from_digit((i + 1) as u32 % 10, 10).unwrap_or('#'),
            (true, Charset::Unicode) => '●',
            (true, Charset::Console) => '■',
        }
    }

    /// A run's start on the map.
    pub fn start_glyph(&self) -> char {
        '○'
    }

    /// The crosshair of a start being placed (`p`).
    pub fn crosshair_glyph(&self) -> char {
        match self.charset {
            Charset::Unicode => '┼',
            Charset::Console => '+',
        }
    }

    /// The mark of a run whose rate was changed in the dashboard.
    pub fn edited_glyph(&self) -> char {
        match self.charset {
            Charset::Unicode => '✎',
            Charset::Console => '*',
        }
    }

    /// The known minimum on the map.
    pub fn minimum_glyph(&self) -> char {
        match self.charset {
            Charset::Unicode => '✕',
            Charset::Console => 'X',
        }
    }

    /// The known minimum's style.
    pub fn minimum(&self) -> Style {
        if self.color {
            Style::new().fg(Color::White).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// Where text was cut.
    pub fn ellipsis(&self) -> char {
        match self.charset {
            Charset::Unicode => '…',
            Charset::Console => '~',
        }
    }

    /// The cell colour to put under a marker of colour `fg` drawn on a map
    /// cell of colour `bg`, when `fg` alone would not read there: black in
    /// 16 colours (whose real shades only the terminal knows), else black
    /// or white where the contrast ratio is below 3:1.
    pub fn halo(&self, fg: Option<Color>, bg: Option<Color>) -> Option<Color> {
        let (fg, bg) = (fg?, bg?);
        match self.depth {
            ColorDepth::None => None,
            ColorDepth::Ansi16 => Some(Color::Black),
            ColorDepth::Indexed256 | ColorDepth::TrueColor => {
                if colormap::contrast(fg, bg) >= MIN_CONTRAST {
                    return None;
                }
                let dark = colormap::contrast(fg, Color::Rgb(0, 0, 0))
                    >= colormap::contrast(fg, Color::Rgb(255, 255, 255));
                Some(match (self.depth, dark) {
                    (ColorDepth::TrueColor, true) => Color::Rgb(0, 0, 0),
                    (ColorDepth::TrueColor, false) => Color::Rgb(255, 255, 255),
                    (_, true) => Color::Indexed(16),
                    (_, false) => Color::Indexed(231),
                })
            }
        }
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn axis(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Gray)
        } else {
            Style::new()
        }
    }

    /// Errors and diverged runs.
    pub fn bad(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// Converged runs.
    pub fn good(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Green)
        } else {
            Style::new()
        }
    }

    /// The selected line of a list.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Key names in hints.
    pub fn key(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
}

/// Dots per cell of a ratatui canvas drawn with `marker`, across and down
/// (its grids' resolutions).
pub fn marker_dots(marker: Marker) -> (u16, u16) {
    match marker {
        Marker::Braille | Marker::Octant => (2, 4),
        Marker::Sextant => (2, 3),
        Marker::Quadrant => (2, 2),
        Marker::HalfBlock => (1, 2),
        _ => (1, 1),
    }
}

/// A stroke of `marker` for a legend.
pub fn marker_glyph(marker: Marker) -> char {
    match marker {
        Marker::Braille => '⣿',
        Marker::HalfBlock => '█',
        Marker::Dot => '•',
        Marker::Bar => '▄',
        Marker::Custom(c) => c,
        _ => '█',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ColorDepth; 4] = [
        ColorDepth::None,
        ColorDepth::Ansi16,
        ColorDepth::Indexed256,
        ColorDepth::TrueColor,
    ];

    #[test]
    fn runs_are_told_apart_at_every_depth() {
        for depth in ALL {
            let t = Theme::new(depth, Charset::Unicode);
            for i in 0..8 {
                for j in 0..i {
                    if t.color {
                        assert_ne!(t.run_color(i), t.run_color(j), "{depth:?} {i} {j}");
                    } else {
                        assert_ne!(t.series_glyph(i, 0), t.series_glyph(j, 0));
                        assert_ne!(t.trail_glyph(i), t.trail_glyph(j));
                        assert_ne!(t.now_glyph(i), t.now_glyph(j));
                    }
                }
            }
        }
    }

    #[test]
    fn true_colour_is_okabe_ito_and_never_the_diverged_red() {
        let t = Theme::new(ColorDepth::TrueColor, Charset::Unicode);
        assert_eq!(t.run_color(0), Some(Color::Rgb(230, 159, 0)));
        let t = Theme::new(ColorDepth::Indexed256, Charset::Unicode);
        assert!(matches!(t.run_color(0), Some(Color::Indexed(_))));
        let t = Theme::new(ColorDepth::Ansi16, Charset::Unicode);
        assert!((0..8).all(|i| t.run_color(i) != Some(Color::Red)));
    }

    #[test]
    fn a_console_gets_no_braille() {
        for depth in ALL {
            let t = Theme::new(depth, Charset::Console);
            assert_eq!(t.line_marker(), Marker::HalfBlock);
            for k in 0..10 {
                for var in 0..3 {
                    assert_ne!(t.series_marker(k, var), Marker::Braille);
                    let g = t.series_glyph(k, var);
                    assert!(!('\u{2800}'..='\u{28ff}').contains(&g), "{g}");
                }
                assert!(!['●', '✕', '━', '…'].contains(&t.now_glyph(k)));
                assert!(!['●', '✕', '━', '…'].contains(&t.legend_glyph(k)));
            }
            assert_eq!(t.minimum_glyph(), 'X');
            assert_eq!(t.ellipsis(), '~');
        }
    }

    #[test]
    fn halos_only_where_the_marker_would_not_read() {
        let t = Theme::new(ColorDepth::TrueColor, Charset::Unicode);
        let yellow = Some(Color::Rgb(240, 228, 66));
        // Yellow on viridis' yellow top: a black cell; on its purple floor: none.
        assert_eq!(
            t.halo(yellow, Some(Color::Rgb(253, 231, 37))),
            Some(Color::Rgb(0, 0, 0))
        );
        assert_eq!(t.halo(yellow, Some(Color::Rgb(68, 1, 84))), None);
        // A dark marker on a dark cell gets a white one.
        let blue = Some(Color::Rgb(0, 0, 90));
        assert_eq!(
            t.halo(blue, Some(Color::Rgb(68, 1, 84))),
            Some(Color::Rgb(255, 255, 255))
        );
        let t16 = Theme::new(ColorDepth::Ansi16, Charset::Unicode);
        assert_eq!(
            t16.halo(Some(Color::Cyan), Some(Color::Blue)),
            Some(Color::Black)
        );
        let none = Theme::new(ColorDepth::None, Charset::Unicode);
        assert_eq!(none.halo(None, None), None);
    }
}
