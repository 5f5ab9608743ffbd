//! Colours and markers, with a `NO_COLOR` variant.
//!
//! Run colours are the 16 basic ANSI colours, so they work the same in
//! 16-colour, 256-colour and true-colour terminals (and in screen/tmux).
//! Red is kept for "diverged". Without colour, runs are told apart by their
//! chart markers and the table's order.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;

use crate::app::ColorDepth;

/// How things look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub depth: ColorDepth,
}

const RUN_COLORS: [Color; 8] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::LightBlue,
    Color::LightRed,
    Color::White,
    Color::LightGreen,
];

const PLAIN_MARKERS: [Marker; 4] = [Marker::Braille, Marker::Dot, Marker::Bar, Marker::Block];

impl Theme {
    /// The theme for a terminal's colour depth.
    pub fn new(depth: ColorDepth) -> Theme {
        Theme {
            color: depth != ColorDepth::None,
            depth,
        }
    }

    /// The style of run `i` (its curves, markers and name).
    pub fn run(&self, i: usize) -> Style {
        if self.color {
            Style::new().fg(RUN_COLORS[i % RUN_COLORS.len()])
        } else {
            Style::new()
        }
    }

    /// The chart marker of run `i`: braille everywhere in colour; without
    /// colour, a different marker per run.
    pub fn marker(&self, i: usize) -> Marker {
        if self.color {
            Marker::Braille
        } else {
            PLAIN_MARKERS[i % PLAIN_MARKERS.len()]
        }
    }

    /// Without colour, a glyph standing for run `i`'s marker (for the
    /// table, which then doubles as the legend).
    pub fn marker_glyph(&self, i: usize) -> Option<char> {
        if self.color {
            None
        } else {
            Some(['⣿', '•', '▄', '█'][i % PLAIN_MARKERS.len()])
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
