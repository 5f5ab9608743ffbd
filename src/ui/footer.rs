//! The footer: the last message, then the keys of the view on screen, both
//! read from the keymap's tables (`app::keymap::hints`). When the line is
//! short, hints go in their table's order of importance, a message is cut
//! with `…` (and `i details` shows it whole), and `? help` and `q quit`
//! always stay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::Model;
use crate::app::class::Role;
use crate::app::keymap::{self, Hint};
use crate::text::{display_width, ellipsize};

fn hint_width(h: &Hint) -> usize {
    display_width(h.key) + display_width(h.word) + 2
}

/// The hints that fit in `width` columns next to a message of
/// `message_w` columns, in their order.
pub fn fitting(mut hints: Vec<Hint>, width: usize, message_w: usize, keep_i: bool) -> Vec<Hint> {
    if keep_i {
        for h in &mut hints {
            if h.key == "i" {
                h.drop = 0;
            }
        }
    }
    loop {
        let used: usize = hints.iter().map(hint_width).sum();
        if used + message_w <= width {
            return hints;
        }
        let Some((i, _)) = hints
            .iter()
            .enumerate()
            .filter(|(_, h)| h.drop > 0)
            .max_by_key(|(_, h)| h.drop)
        else {
            return hints;
        };
        hints.remove(i);
    }
}

/// The footer's text for `model` at `width` columns (tests read it).
pub fn spans(model: &Model, width: usize, theme: Theme) -> Vec<Span<'static>> {
    let role = model.class.role;
    // The class keys where they mean something; a follower or a spectator
    // is offered only what it may press.
    let hints: Vec<Hint> = keymap::hints(&model.overlay)
        .into_iter()
        .filter(|h| match h.key {
            "f" => matches!(role, Role::Following | Role::OnOwn | Role::Teacher),
            "C" => role == Role::Teacher,
            _ => true,
        })
        .map(|h| match (h.key, role) {
            ("f", Role::Teacher) => Hint {
                word: "call back",
                ..h
            },
            ("f", Role::OnOwn) => Hint {
                word: "catch up",
                ..h
            },
            _ => h,
        })
        .filter(|h| {
            keymap::BINDINGS
                .iter()
                .find(|b| b.hint.is_some_and(|x| x.key == h.key))
                .is_none_or(|b| role.permits(&b.action))
        })
        .collect();
    let message = model.message.as_deref().filter(|m| !m.is_empty());
    let message_w = message.map_or(0, |m| display_width(m) + 2);
    let shown = fitting(hints, width, message_w, message.is_some());
    let used: usize = shown.iter().map(hint_width).sum();
    let mut out = Vec::new();
    if let Some(m) = message {
        let room = width.saturating_sub(used + 2);
        out.push(Span::styled(
            format!(" {} ", ellipsize(m, room)),
            theme.bad(),
        ));
    }
    for h in shown {
        out.push(Span::styled(format!(" {}", h.key), theme.key()));
        out.push(Span::styled(format!(" {}", h.word), theme.dim()));
    }
    out
}

/// Draw the footer line.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let line = Line::from(spans(model, usize::from(area.width), theme));
    frame.render_widget(Paragraph::new(line), area);
}
