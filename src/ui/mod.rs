//! Drawing the dashboard: one file per pane, each a function of borrowed
//! state that draws and returns nothing.
//!
//! ```text
//!  downhill Peaks: descent in 2D              3/12 · epoch 37/1000 · running · 100 ep/s
//!  about: what this scenario shows
//! ┌ scenarios ──┐┌ loss ─────────────────────┐┌ learning rate ──────────────────┐
//! │ (sidebar,   ││ braille curves, legend    ││ braille curves                  │
//! │  ≥ 140 cols)│└───────────────────────────┘└─────────────────────────────────┘
//! │             │┌ runs ──────────────────────────────────────────────────────────┐
//! │             ││ run  schedule  x  y  loss  |∇f|  lr  dist  status              │
//! └─────────────┘└───────────────────────────────────────────────────────────────┘
//!  space pause  s step  r restart  ←→ scenario  +- speed  l log  o open  ? help  q quit
//! ```
//! Popups (help, scenario picker) are drawn last, over the rest. Below
//! [`MIN_WIDTH`]×[`MIN_HEIGHT`] a single line asks for a bigger terminal.

pub mod chart;
pub mod footer;
pub mod header;
pub mod help;
pub mod loss_chart;
pub mod lower_chart;
pub mod params_table;
pub mod scale;
pub mod scenario_list;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use crate::app::{Model, Overlay};
pub use theme::Theme;

/// Smallest terminal the dashboard draws in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// Width from which the scenario sidebar is shown.
pub const SIDEBAR_FROM: u16 = 140;

/// Draw the whole dashboard for `model`.
pub fn draw(frame: &mut Frame, model: &Model) {
    let area = frame.area();
    let theme = Theme::new(model.no_color);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{})",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(Line::styled(msg, theme.bad())), area);
        return;
    }
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(8),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, head, model, theme);
    footer::render(frame, foot, model, theme);

    let main = if area.width >= SIDEBAR_FROM {
        let [side, main] =
            Layout::horizontal([Constraint::Length(34), Constraint::Min(40)]).areas(body);
        scenario_list::render_sidebar(frame, side, model, theme);
        main
    } else {
        body
    };
    draw_main(frame, main, model, theme);

    match &model.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(frame, area, theme),
        Overlay::Picker { filter, selected } => {
            scenario_list::render_picker(frame, area, model, filter, *selected, theme)
        }
    }
}

fn draw_main(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let Some(entry) = model.entry() else {
        frame.render_widget(
            Paragraph::new("no scenarios").block(Block::bordered()),
            area,
        );
        return;
    };
    let sc = match &entry.scenario {
        Ok(sc) => sc,
        Err(e) => {
            scenario_list::render_error(frame, area, &e.to_string(), theme);
            return;
        }
    };
    let Some(snap) = entry.snapshot.as_deref() else {
        frame.render_widget(Paragraph::new(" starting…").block(Block::bordered()), area);
        return;
    };
    let table_h = snap.runs.len() as u16 + 3;
    let [charts, table] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(table_h)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(charts);
    loss_chart::render(frame, left, snap, model.log_scale, sc.min_value, theme);
    lower_chart::render(frame, right, snap, model.lower, theme);
    params_table::render(frame, table, snap, &sc.vars, theme);
}
