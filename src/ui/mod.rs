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
//! place of the runs table, up to 3/5 of the height. Popups (help, explain,
//! details, the scenario picker) are drawn last, over the body: the header
//! and the footer with the popup's keys stay in view. Below
//! [`MIN_WIDTH`]×[`MIN_HEIGHT`] a message asks for a bigger terminal.
//!
//! What the terminal can show (its colour depth and character set, found
//! by the driver and kept in the model) makes the [`Theme`] every pane
//! draws with.

pub mod basins;
pub mod chart;
pub mod class_view;
pub mod colormap;
pub mod details;
pub mod explain;
pub mod footer;
pub mod header;
pub mod help;
pub mod landscape;
pub mod loss_chart;
pub mod lower_chart;
pub mod params_table;
pub mod runs;
pub mod scale;
pub mod scenario_list;
pub mod scroll;
pub mod surface;
pub mod sweep_view;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

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
    /// How far the scrolling view on screen (help, explain, details) can
    /// scroll, as last drawn; `None` when none is open. The session hands
    /// it to `app::update` so that scrolling stops at the end.
    pub scroll: Option<scroll::Limits>,
    /// Where the landscape's plot was last drawn: what a click on it means.
    pub landscape: Option<landscape::Hit>,
}

impl ViewCache {
    /// The point of the domain under a click at (`col`, `row`), if it was
    /// on the landscape's plot.
    pub fn point_at(&self, col: u16, row: u16) -> Option<Vec<f64>> {
        self.landscape?.point_at(col, row)
    }
}

/// Draw the whole dashboard for `model`.
pub fn draw(frame: &mut Frame, model: &Model, cache: &mut ViewCache) {
    let area = frame.area();
    cache.landscape = None;
    let theme = Theme::new(model.color, model.charset);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small: {}x{}, downhill needs {MIN_WIDTH}x{MIN_HEIGHT} (q quits)",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(Line::styled(msg, theme.bad())).wrap(Wrap { trim: true }),
            area,
        );
        cache.scroll = None;
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
        let [side, main] = Layout::horizontal([
            Constraint::Length(sidebar_width(model, area.width)),
            Constraint::Min(40),
        ])
        .areas(body);
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

    // Popups cover the body; the header and the footer (their keys) stay.
    let offset = model.scroll.offset;
    cache.scroll = match &model.overlay {
        Overlay::None | Overlay::Sweep | Overlay::Place { .. } => None,
        Overlay::Help => Some(help::render(frame, body, offset, theme)),
        Overlay::Explain => match (model.snapshot(), model.entry().map(|e| &e.scenario)) {
            (Some(snap), Some(Ok(sc))) => {
                Some(explain::render(frame, body, snap, &sc.vars, offset, theme))
            }
            _ => None,
        },
        Overlay::Details => Some(details::render(
            frame,
            body,
            model.entry(),
            model.message.as_deref(),
            &class_lines(model),
            offset,
            theme,
        )),
        Overlay::Picker { filter, selected } => {
            scenario_list::render_picker(frame, body, model, filter, *selected, theme);
            None
        }
    };
}

/// The sidebar's width: the longest title's, within 24 and 34 columns (44
/// from 180 columns).
fn sidebar_width(model: &Model, width: u16) -> u16 {
    let longest = model
        .entries
        .iter()
        .map(|e| crate::text::display_width(&e.name()))
        .max()
        .unwrap_or(0);
    let most = if width >= 180 { 44 } else { 34 };
    (longest + 8).clamp(24, most) as u16
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
            scenario_list::render_error(frame, area, &e.to_string(), model.watching, theme);
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
    let shown = runs::order(entry, snap);
    // The teacher's class view: the students on their own on this scenario.
    let class = &model.class;
    let viewing = class.viewing();
    let here = class.here(entry.id);
    let pins: Vec<landscape::Pin> = here
        .iter()
        .map(|d| landscape::Pin {
            start: &d.start,
            now: &d.now,
            label: &d.name,
        })
        .collect();
    let marks = landscape::Marks {
        order: &shown,
        crosshair: match &model.overlay {
            Overlay::Place { at } => Some(at),
            _ => None,
        },
        pins: &pins,
    };
    if model.map_full {
        cache.landscape = landscape::render(
            frame,
            area,
            &mut cache.maps,
            surface,
            sc,
            snap,
            &marks,
            theme,
        );
        return;
    }
    // The basins and class views may take up to 3/5 of the area, the
    // charts keep 6 rows.
    let most = (area.height * 3 / 5).min(area.height.saturating_sub(6));
    let table_h = if viewing {
        (here.len() as u16 + 4).min(most).max(4)
    } else if model.show_basins {
        basins::wanted_height(snap, area.width, !theme.color)
            .min(most)
            .max(3)
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
    let x = model.x_axis;
    loss_chart::render(
        frame,
        loss,
        snap,
        &shown,
        x,
        model.log_scale,
        sc.min_value,
        theme,
    );
    lower_chart::render(frame, lower, snap, &shown, x, model.lower, &sc.vars, theme);
    cache.landscape = landscape::render(
        frame,
        land,
        &mut cache.maps,
        surface,
        sc,
        snap,
        &marks,
        theme,
    );
    if viewing {
        let elsewhere = class.dots.len() - here.len();
        class_view::render(
            frame,
            table,
            &here,
            elsewhere,
            class.following,
            &sc.domain,
            theme,
        );
    } else if model.show_basins {
        let radius = crate::descent::basins::radius(&sc.domain);
        basins::render(frame, table, snap, radius, theme);
    } else {
        let rows = params_table::Rows {
            selected: Some(entry.selected),
            hidden: (0..snap.runs.len()).map(|i| entry.is_hidden(i)).collect(),
            edited: (0..snap.runs.len()).map(|i| entry.is_edited(i)).collect(),
        };
        params_table::render(frame, table, snap, &sc.vars, entry.paused, &rows, theme);
    }
}

/// The class view's students on the scenario on screen, written out whole
/// for the details view (the teacher's, while the class view is on).
fn class_lines(model: &Model) -> Vec<String> {
    let Some(e) = model.entry() else {
        return Vec::new();
    };
    let Ok(sc) = &e.scenario else {
        return Vec::new();
    };
    let here = model.class.here(e.id);
    if here.is_empty() {
        return Vec::new();
    }
    class_view::full_lines(&here, &sc.domain)
}
