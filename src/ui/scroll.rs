//! A popup that scrolls: help, explain and details draw their lines with
//! it. Lines are wrapped to the popup's width first (nothing is cut), and
//! the borders say when more is above or below and which keys reach it.
//!
//! The view cannot know how far it may scroll until it is drawn at a size,
//! so it reports its [`Limits`] to the [`super::ViewCache`]; the session
//! hands them to `app::update` (`Action::ScrollLimit`), which keeps the
//! offset within them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::theme::Theme;
use crate::text::{display_width, wrap_hanging};

/// How far a drawn view can scroll, and the lines it shows at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    pub max: u16,
    pub page: u16,
}

/// One logical line of a scrolling view: an optional styled lead (a key
/// name, a label) and text wrapped under it with a hanging indent.
pub struct Row {
    pub lead: Option<(String, Style)>,
    pub text: String,
    pub style: Style,
}

impl Row {
    /// Plain text in `style`.
    pub fn text(text: impl Into<String>, style: Style) -> Row {
        Row {
            lead: None,
            text: text.into(),
            style,
        }
    }

    /// `lead` (styled, its width kept for the lines below) then `text`.
    pub fn led(lead: impl Into<String>, lead_style: Style, text: impl Into<String>) -> Row {
        Row {
            lead: Some((lead.into(), lead_style)),
            text: text.into(),
            style: Style::new(),
        }
    }
}

/// `rows` as screen lines of at most `width` columns: each row's text
/// wrapped after its lead, continuation lines indented under the text (or
/// by the text's own leading spaces plus two, for unled rows).
pub fn lines(rows: &[Row], width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let mut out = Vec::new();
    for r in rows {
        let (lead, lead_w) = match &r.lead {
            Some((l, st)) => (Some(Span::styled(l.clone(), *st)), display_width(l)),
            None => (None, 0),
        };
        let indent = if r.lead.is_some() {
            lead_w
        } else {
            (r.text.len() - r.text.trim_start().len() + 2).min(width / 2)
        };
        let body = r.text.trim_start();
        let pad = &r.text[..r.text.len() - body.len()];
        let first_w = width.saturating_sub(lead_w + pad.len()).max(1);
        let rest_w = width.saturating_sub(indent).max(1);
        let mut parts = wrap_hanging(body, first_w, rest_w).into_iter();
        let first = parts.next().unwrap_or_default();
        let mut spans: Vec<Span> = lead.into_iter().collect();
        spans.push(Span::styled(format!("{pad}{first}"), r.style));
        out.push(Line::from(spans));
        for l in parts {
            out.push(Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(l, r.style),
            ]));
        }
    }
    out
}

/// Draw `rows` in a popup of at most `max_w` columns centred in `area`,
/// from line `offset`; the popup is as tall as its lines, at most `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    max_w: u16,
    title: &str,
    rows: &[Row],
    offset: u16,
    theme: Theme,
) -> Limits {
    let w = max_w.min(area.width);
    let text = lines(rows, w.saturating_sub(2));
    let total = u16::try_from(text.len()).unwrap_or(u16::MAX);
    let h = total.saturating_add(2).min(area.height);
    let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
    let page = h.saturating_sub(2);
    let max = total.saturating_sub(page);
    let offset = offset.min(max);
    let below = max - offset;
    let mut block = Block::bordered().title(Line::styled(format!(" {title} "), theme.title()));
    if offset > 0 {
        block = block.title(
            Line::styled(format!(" ↑ {offset} more (↑ PgUp Home) "), theme.key()).right_aligned(),
        );
    }
    if below > 0 {
        block = block.title_bottom(
            Line::styled(format!(" ↓ {below} more (↓ PgDn End) "), theme.key()).right_aligned(),
        );
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(text).scroll((offset, 0)).block(block), popup);
    Limits { max, page }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn rows_wrap_under_their_lead() {
        let rows = [Row::led(
            " b         ",
            Style::new(),
            "table: runs / basins (where many starts end)",
        )];
        assert_eq!(
            text(&lines(&rows, 30)),
            [
                " b         table: runs /",
                "           basins (where many",
                "           starts end)",
            ]
        );
        let rows = [Row::text(
            "  0.3838 = 0.3785 − 0.007291 × (-0.7291)",
            Style::new(),
        )];
        let got = text(&lines(&rows, 20));
        assert_eq!(got[0], "  0.3838 = 0.3785 −");
        assert!(got[1].starts_with("    "), "{got:?}");
        assert!(got.iter().all(|l| display_width(l) <= 20), "{got:?}");
    }
}
