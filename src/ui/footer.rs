//! The footer: the main key hints, or a message when there is one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::Model;

/// The hints, most useful first; cut at the pane's width.
const HINTS: &[(&str, &str)] = &[
    ("space", "pause"),
    ("s", "step"),
    ("r", "restart"),
    ("←→", "scenario"),
    ("+-", "speed"),
    ("l", "log"),
    ("m", "map"),
    ("c", "chart"),
    ("x", "explain"),
    ("e", "export"),
    ("b", "basins"),
    ("o", "open"),
    ("?", "help"),
    ("q", "quit"),
];

/// Draw the footer line.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let mut spans = Vec::new();
    if let Some(msg) = &model.message {
        spans.push(Span::styled(format!(" {msg} "), theme.bad()));
    }
    for (k, what) in HINTS {
        spans.push(Span::styled(format!(" {k}"), theme.key()));
        spans.push(Span::styled(format!(" {what}"), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
