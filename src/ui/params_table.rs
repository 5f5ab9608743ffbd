//! The parameter table: one row per run — name, schedule, position, loss,
//! gradient norm, lr, distance to the known minimum, status.
//!
//! Columns are dropped from the least to the most important when the pane is
//! too narrow, so the table stays readable at 80 columns.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::theme::Theme;
use crate::descent::run::Status;
use crate::text::num;
use crate::track::{RunView, Snapshot};

/// Draws one run's cell of a column.
type CellFn = Box<dyn Fn(usize, &RunView) -> Cell<'static>>;

struct Column {
    header: String,
    width: u16,
    /// Lower is more important; columns are dropped from the highest.
    priority: u8,
    cell: CellFn,
}

/// Draw the table of `snap`'s runs.
pub fn render(frame: &mut Frame, area: Rect, snap: &Snapshot, vars: &[String], theme: Theme) {
    let wide = area.width >= 120;
    let sig = if wide { 7 } else { 5 };
    let w_num = if wide { 12 } else { 9 };
    let mut cols: Vec<Column> = Vec::new();
    let name_w = snap
        .runs
        .iter()
        .map(|r| crate::text::display_width(&r.name))
        .max()
        .unwrap_or(4)
        .clamp(4, 24) as u16
        + if theme.color { 0 } else { 2 };
    cols.push(Column {
        header: "run".into(),
        width: name_w,
        priority: 0,
        cell: Box::new(move |i, r| {
            // Without colour, the run's chart marker tells curves apart.
            let name = match theme.marker_glyph(i) {
                Some(g) => format!("{g} {}", r.name),
                None => r.name.clone(),
            };
            Cell::from(name).style(theme.run(i))
        }),
    });
    cols.push(Column {
        header: "schedule".into(),
        width: 22,
        priority: 7,
        cell: Box::new(|_, r| Cell::from(r.schedule.clone())),
    });
    for (d, v) in vars.iter().enumerate() {
        cols.push(Column {
            header: v.clone(),
            width: w_num,
            priority: 1,
            cell: Box::new(move |_, r| Cell::from(num::sig(r.params[d], sig))),
        });
    }
    cols.push(Column {
        header: "loss".into(),
        width: w_num,
        priority: 2,
        cell: Box::new(move |_, r| Cell::from(num::sig(r.loss, sig))),
    });
    cols.push(Column {
        header: "|∇f|".into(),
        width: 9,
        priority: 5,
        cell: Box::new(|_, r| Cell::from(num::sig(r.grad_norm, 3))),
    });
    cols.push(Column {
        header: "lr".into(),
        width: 9,
        priority: 4,
        cell: Box::new(|_, r| Cell::from(num::sig(r.lr, 3))),
    });
    if snap.runs.iter().any(|r| r.distance.is_some()) {
        cols.push(Column {
            header: "dist".into(),
            width: 9,
            priority: 6,
            cell: Box::new(|_, r| Cell::from(r.distance.map_or(String::new(), |d| num::sig(d, 3)))),
        });
    }
    cols.push(Column {
        header: "status".into(),
        width: 13,
        priority: 3,
        cell: Box::new(move |_, r| {
            let style = match r.status {
                Status::Diverged { .. } => theme.bad(),
                Status::Converged { .. } => theme.good(),
                _ => theme.dim(),
            };
            Cell::from(r.status.to_string()).style(style)
        }),
    });

    // Drop the least important columns until the rest fit.
    let inner = area.width.saturating_sub(2);
    loop {
        let need: u16 = cols.iter().map(|c| c.width + 1).sum();
        if need <= inner + 1 || cols.len() <= 1 {
            break;
        }
        let worst = cols
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| c.priority)
            .map(|(i, _)| i)
            .unwrap_or(0);
        if cols[worst].priority == 0 {
            break;
        }
        cols.remove(worst);
    }

    let header = Row::new(cols.iter().map(|c| Cell::from(c.header.clone()))).style(theme.title());
    let rows = snap
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| Row::new(cols.iter().map(|c| (c.cell)(i, r))));
    let widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(c.width)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(Line::from(vec![Span::styled(
            format!(" runs{} ", super::basins::start_note(snap)),
            theme.title(),
        )])));
    frame.render_widget(table, area);
}
