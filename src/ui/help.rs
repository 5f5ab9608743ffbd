//! The help popup: every key, from the keymap's own table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::theme::Theme;
use crate::app::keymap::BINDINGS;

/// The help text, one key per line.
pub fn lines(theme: Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line> = BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!(" {:<10}", b.label), theme.key()),
                Span::raw(b.help),
            ])
        })
        .collect();
    out.insert(
        5,
        Line::from(vec![
            Span::styled(format!(" {:<10}", "1–9"), theme.key()),
            Span::raw("jump to scenario 1–9"),
        ]),
    );
    out.push(Line::raw(""));
    out.push(Line::styled(
        " picker: type to filter, ↑↓ choose, Enter open, Esc close",
        theme.dim(),
    ));
    out
}

/// Draw the popup centred over `area`.
pub fn render(frame: &mut Frame, area: Rect, theme: Theme) {
    let text = lines(theme);
    let h = (text.len() as u16 + 2).min(area.height);
    let w = 62.min(area.width);
    let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(text).block(
            Block::bordered().title(Line::styled(" keys (? or Esc to close) ", theme.title())),
        ),
        popup,
    );
}
