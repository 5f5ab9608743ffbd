//! The help popup: every key, from the keymap's own table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
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

/// Draw the popup centred over `area`; in two columns when one would not fit.
pub fn render(frame: &mut Frame, area: Rect, theme: Theme) {
    let text = lines(theme);
    let fits = text.len() as u16 + 2 <= area.height;
    let (columns, rows) = if fits || area.width < 100 {
        (1, text.len())
    } else {
        (2, text.len().div_ceil(2))
    };
    let h = (rows as u16 + 2).min(area.height);
    let w = (62 * columns as u16).min(area.width);
    let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Line::styled(" keys (? or Esc to close) ", theme.title()));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let parts: Vec<Rect> = Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns])
        .split(inner)
        .to_vec();
    for (i, part) in parts.into_iter().enumerate() {
        let chunk: Vec<Line> = text.iter().skip(i * rows).take(rows).cloned().collect();
        frame.render_widget(Paragraph::new(chunk), part);
    }
}
