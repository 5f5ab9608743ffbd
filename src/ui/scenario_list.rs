//! The scenario list: a sidebar on wide screens, a picker popup (`o`) on
//! any screen. Each scenario shows its state (`▶` running, `‖` paused, `✓`
//! done); broken files are listed with their error. Titles wrap onto more
//! lines when the list has the rows, else end in `…` (`i` shows them whole).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::{Model, RunState};
use crate::text::{ellipsize, wrap};

/// The glyph of a scenario's state in the lists.
pub fn state_glyph(state: RunState) -> &'static str {
    match state {
        RunState::Running => "▶",
        RunState::Paused => "‖",
        RunState::Done => "✓",
        RunState::Error => "!",
        RunState::Waiting => " ",
    }
}

/// What the glyphs mean, for the list's border.
const LEGEND: &str = " ▶ runs ‖ paused ✓ done ";

/// Columns before an item's title: `▸ 3 ‖ `.
const PREFIX: usize = 6;

/// Entry `i` as a list item in `width` columns: the title on as many lines
/// as `wrap` allows (else cut with `…`).
fn item(
    model: &Model,
    i: usize,
    width: usize,
    wrap_title: bool,
    theme: Theme,
) -> ListItem<'static> {
    let e = &model.entries[i];
    let mark = if i == model.current { "▸" } else { " " };
    let prefix = format!(
        "{mark}{:>2} {} ",
        i + 1,
        state_glyph(e.state(i == model.current))
    );
    let (name, style) = match &e.scenario {
        Ok(_) => (e.name(), Style::new()),
        Err(_) => (format!("{} (error)", e.name()), theme.bad()),
    };
    let room = width.saturating_sub(PREFIX).max(1);
    let mut lines = if wrap_title {
        wrap(&name, room)
    } else {
        vec![ellipsize(&name, room)]
    }
    .into_iter();
    let first = Line::from(vec![
        Span::raw(prefix),
        Span::styled(lines.next().unwrap_or_default(), style),
    ]);
    let rest =
        lines.map(|l| Line::from(vec![Span::raw(" ".repeat(PREFIX)), Span::styled(l, style)]));
    ListItem::new(Text::from(
        std::iter::once(first).chain(rest).collect::<Vec<_>>(),
    ))
}

/// Items for `shown` entries in a list of `width` × `height` inside its
/// borders: titles wrapped when every wrapped item fits the height.
fn items(
    model: &Model,
    shown: &[usize],
    width: u16,
    height: u16,
    theme: Theme,
) -> Vec<ListItem<'static>> {
    let room = usize::from(width).saturating_sub(PREFIX).max(1);
    let wrapped_rows: usize = shown
        .iter()
        .map(|&i| wrap(&model.entries[i].name(), room).len())
        .sum();
    let fits = wrapped_rows <= usize::from(height);
    shown
        .iter()
        .map(|&i| item(model, i, usize::from(width), fits, theme))
        .collect()
}

/// The sidebar listing every scenario, the current one marked, each with
/// its state.
pub fn render_sidebar(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let all: Vec<usize> = (0..model.entries.len()).collect();
    let inner = Block::bordered().inner(area);
    let items = items(model, &all, inner.width, inner.height, theme);
    let heights: Vec<usize> = items.iter().map(ListItem::height).collect();
    let mut state = ListState::default().with_selected(Some(model.current));
    let list = List::new(items)
        .block(
            Block::bordered()
                .title(Line::styled(" scenarios ", theme.title()))
                .title_bottom(Line::styled(LEGEND, theme.dim()).right_aligned()),
        )
        .highlight_style(theme.selected());
    frame.render_stateful_widget(list, area, &mut state);
    hidden_note(frame, area, &heights, state.offset(), inner.height, theme);
}

/// On the bottom border of `area`, how many items of a list drawn from
/// `offset` in `height` rows are out of sight: ` ↑ 2 ↓ 5 more `.
fn hidden_note(
    frame: &mut Frame,
    area: Rect,
    heights: &[usize],
    offset: usize,
    height: u16,
    theme: Theme,
) {
    let (mut end, mut used) = (offset, 0);
    while end < heights.len() && used + heights[end] <= usize::from(height) {
        used += heights[end];
        end += 1;
    }
    let (above, below) = (offset, heights.len() - end);
    let note = match (above, below) {
        (0, 0) => return,
        (a, 0) => format!(" ↑ {a} more "),
        (0, b) => format!(" ↓ {b} more "),
        (a, b) => format!(" ↑ {a} ↓ {b} more "),
    };
    if area.height < 2 || area.width < 4 {
        return;
    }
    let at = Rect {
        x: area.x + 1,
        y: area.bottom() - 1,
        width: area.width - 2,
        height: 1,
    };
    frame.render_widget(Paragraph::new(Line::styled(note, theme.key())), at);
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
    let items = items(model, &shown, list_area.width, 0, theme);
    let heights: Vec<usize> = items.iter().map(ListItem::height).collect();
    let mut state = ListState::default().with_selected(shown.iter().position(|&i| i == selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        list_area,
        &mut state,
    );
    hidden_note(
        frame,
        popup,
        &heights,
        state.offset(),
        list_area.height,
        theme,
    );
}

/// The main area when the scenario on screen failed to load; `watching`
/// when its file is watched (a saved fix reloads it).
pub fn render_error(frame: &mut Frame, area: Rect, message: &str, watching: bool, theme: Theme) {
    let next = if watching {
        "Files are watched: what you save reloads by itself. Or pick another scenario (←/→, o)."
    } else {
        "Fix the file and start downhill again, or pick another scenario (←/→, o)."
    };
    frame.render_widget(
        Paragraph::new(vec![
            Line::styled("This scenario file has an error:", theme.bad()),
            Line::raw(""),
            Line::raw(message.to_string()),
            Line::raw(""),
            Line::styled(next, theme.dim()),
        ])
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(Line::styled(" error ", theme.bad()))),
        area,
    );
}
