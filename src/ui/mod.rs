//! Drawing the dashboard: one file per pane, each a function of borrowed
//! state that draws and returns nothing.
//!
//! ```text
//!  downhill Peaks: descent in 2D              3/12 · epoch 37/1000 · running · 100 ep/s
//!  about: what this scenario shows
//! ┌ scenarios ──┐┌ loss ──────────┐┌ f(x, y) ─────────┐┌ learning rate ───┐
//! │ (sidebar,   ││ curves, axes   ││ f(x) curve, or   ││ curves, axes     │
//! │  ≥ 140 cols)│└ ━ legend ──────┘│ 2D colour map    │└ ━ legend ────────┘
//! │             │                  └ ● legend ────────┘
//! │             │┌ runs ──────────────────────────────────────────────────────────┐
//! │             ││ run  schedule  x  y  loss  |∇f|  lr  dist  status              │
//! └─────────────┘└───────────────────────────────────────────────────────────────┘
//!  space pause  s step  r restart  ←→ scenario  +- speed  l log  o open  ? help  q quit
//! ```
//! Narrower than [`WIDE_FROM`], loss and learning rate share the left
//! column and the landscape takes the right; `m` gives the landscape the
//! whole main area; `b` puts the basins view (where many starts ended) in
//! place of the runs table, up to 3/5 of the height. Popups (help, scenario picker) are drawn last. Below
//! [`MIN_WIDTH`]×[`MIN_HEIGHT`] a single line asks for a bigger terminal.
//!
//! What the terminal can show (its colour depth and character set, found
//! by the driver and kept in the model) makes the [`Theme`] every pane
//! draws with.

pub mod basins;
pub mod chart;
pub mod colormap;
pub mod explain;
pub mod footer;
pub mod header;
pub mod help;
pub mod landscape;
pub mod loss_chart;
pub mod lower_chart;
pub mod params_table;
pub mod scale;
pub mod scenario_list;
pub mod surface;
pub mod sweep_view;
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
/// Width of the chart area from which loss, landscape and lower chart
/// stand side by side (below it, loss and lower chart share a column).
pub const WIDE_FROM: u16 = 120;
/// Width from which the scenario sidebar is shown.
pub const SIDEBAR_FROM: u16 = 140;

/// What the panes remember between frames: ui state, owned by whoever
/// drives the drawing (the session loop) and lent to [`draw`], never part of
/// the model.
#[derive(Debug, Default)]
pub struct ViewCache {
    /// The landscape's sampled surface.
    pub maps: landscape::MapCache,
}

/// Draw the whole dashboard for `model`.
pub fn draw(frame: &mut Frame, model: &Model, cache: &mut ViewCache) {
    let area = frame.area();
    let theme = Theme::new(model.color, model.charset);
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
    match (&model.overlay, model.entry()) {
        (Overlay::Sweep, Some(e)) => match (&e.scenario, &e.sweep) {
            (Ok(sc), Some(state)) => sweep_view::render(frame, main, state, sc, theme),
            _ => draw_main(frame, main, model, cache, theme),
        },
        _ => draw_main(frame, main, model, cache, theme),
    }

    match &model.overlay {
        Overlay::None | Overlay::Sweep => {}
        Overlay::Help => help::render(frame, area, theme),
        Overlay::Explain => {
            if let (Some(snap), Some(Ok(sc))) =
                (model.snapshot(), model.entry().map(|e| &e.scenario))
            {
                explain::render(frame, area, snap, &sc.vars, theme);
            }
        }
        Overlay::Picker { filter, selected } => {
            scenario_list::render_picker(frame, area, model, filter, *selected, theme)
        }
    }
}

fn draw_main(frame: &mut Frame, area: Rect, model: &Model, cache: &mut ViewCache, theme: Theme) {
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
    let surface = landscape::SurfaceId {
        entry: entry.id,
        generation: entry.generation,
    };
    if model.map_full {
        landscape::render(frame, area, &mut cache.maps, surface, sc, snap, theme);
        return;
    }
    let table_h = if model.show_basins {
        // The basins view may take up to 3/5 of the area, the charts keep 6 rows.
        let most = (area.height * 3 / 5).min(area.height.saturating_sub(6));
        basins::wanted_height(snap).min(most).max(3)
    } else {
        snap.runs.len() as u16 + 3
    };
    let [charts, table] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(table_h)]).areas(area);
    let (loss, lower, land) = if charts.width >= WIDE_FROM {
        let [a, b, c] = Layout::horizontal([
            Constraint::Percentage(36),
            Constraint::Percentage(34),
            Constraint::Percentage(30),
        ])
        .areas(charts);
        (a, c, b)
    } else {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(52), Constraint::Percentage(48)])
                .areas(charts);
        let [a, b] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(left);
        (a, b, right)
    };
    loss_chart::render(frame, loss, snap, model.log_scale, sc.min_value, theme);
    lower_chart::render(
        frame,
        lower,
        snap,
        model.lower,
        &sc.vars,
        model.log_scale,
        sc.min_value,
        theme,
    );
    landscape::render(frame, land, &mut cache.maps, surface, sc, snap, theme);
    if model.show_basins {
        let radius = crate::descent::basins::radius(&sc.domain);
        basins::render(frame, table, snap, radius, theme);
    } else {
        params_table::render(frame, table, snap, &sc.vars, theme);
    }
}
