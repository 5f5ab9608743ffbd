//! The scenario list: a sidebar on wide screens, a picker popup (`o`) on
//! any screen. Broken files are listed with their error.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::Model;

fn item(model: &Model, i: usize, theme: Theme) -> ListItem<'static> {
    let e = &model.entries[i];
    let mark = if i == model.current { "▸" } else { " " };
    let mut spans = vec![Span::raw(format!("{mark}{:>2} ", i + 1))];
    match &e.scenario {
        Ok(_) => spans.push(Span::raw(e.name())),
        Err(_) => spans.push(Span::styled(format!("{} (error)", e.name()), theme.bad())),
    }
    ListItem::new(Line::from(spans))
}

/// The sidebar listing every scenario, the current one marked.
pub fn render_sidebar(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let items: Vec<_> = (0..model.entries.len())
        .map(|i| item(model, i, theme))
        .collect();
    let mut state = ListState::default().with_selected(Some(model.current));
    let list = List::new(items)
        .block(Block::bordered().title(Line::styled(" scenarios ", theme.title())))
        .highlight_style(theme.selected());
    frame.render_stateful_widget(list, area, &mut state);
}

/// The picker popup: a filter line and the matching scenarios.
pub fn render_picker(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    filter: &str,
    selected: usize,
    theme: Theme,
) {
    let shown = model.filtered(filter);
    let w = 64.min(area.width);
    let h = (shown.len() as u16 + 4)
        .clamp(6, area.height.max(6))
        .min(area.height);
    let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Line::styled(
        " open scenario (type to filter, Enter, Esc) ",
        theme.title(),
    ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if inner.height == 0 {
        return;
    }
    let filter_line = Rect { height: 1, ..inner };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("/ ", theme.key()),
            Span::raw(filter.to_string()),
            Span::styled("▏", theme.dim()),
        ])),
        filter_line,
    );
    let list_area = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    };
    if shown.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(" no scenario matches", theme.dim())),
            list_area,
        );
        return;
    }
    let items: Vec<_> = shown.iter().map(|&i| item(model, i, theme)).collect();
    let mut state = ListState::default().with_selected(shown.iter().position(|&i| i == selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        list_area,
        &mut state,
    );
}

/// The main area when the scenario on screen failed to load.
pub fn render_error(frame: &mut Frame, area: Rect, message: &str, theme: Theme) {
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled("This scenario file has an error:", theme.bad()),
            Line::raw(""),
            Line::raw(message.to_string()),
            Line::raw(""),
            Line::styled(
                "Fix the file and restart downhill, or pick another scenario (←/→, o).",
                theme.dim(),
            ),
        ])
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(Line::styled(" error ", theme.bad()))),
        area,
    );
}
