//! The help popup: every key, from the keymap's own tables. It scrolls when
//! the terminal is short (the borders say so).

use ratatui::Frame;
use ratatui::layout::Rect;

use super::scroll::{self, Limits, Row};
use super::theme::Theme;
use crate::app::keymap::{BINDINGS, Binding, EXPLAIN, PICKER, SCROLLING, SWEEP};

/// Width of the key column.
const KEY_W: usize = 11;

fn key_rows(table: &[Binding], theme: Theme) -> impl Iterator<Item = Row> + '_ {
    table.iter().map(move |b| {
        Row::led(
            format!(" {:<w$}", b.label, w = KEY_W - 1),
            theme.key(),
            b.help,
        )
    })
}

/// The help text: the dashboard's keys, then each view's own.
pub fn rows(theme: Theme) -> Vec<Row> {
    let mut out: Vec<Row> = key_rows(BINDINGS, theme).collect();
    let jump = out
        .iter()
        .position(|r| r.text == "previous scenario")
        .map_or(out.len(), |i| i + 1);
    out.insert(
        jump,
        Row::led(
            format!(" {:<w$}", "1–9", w = KEY_W - 1),
            theme.key(),
            "jump to scenario 1–9",
        ),
    );
    for (title, table) in [
        ("help, explain and details", SCROLLING),
        ("explain", EXPLAIN),
        ("the sweep view", SWEEP),
        ("the scenario picker (type to filter)", PICKER),
    ] {
        out.push(Row::text("", theme.dim()));
        out.push(Row::text(format!(" in {title}:"), theme.title()));
        out.extend(key_rows(table, theme));
    }
    out
}

/// Draw the popup centred over `area` from line `offset`.
pub fn render(frame: &mut Frame, area: Rect, offset: u16, theme: Theme) -> Limits {
    scroll::render(
        frame,
        area,
        72,
        "keys (? or Esc closes)",
        &rows(theme),
        offset,
        theme,
    )
}
