//! The runs table: one row per run — name, position, loss, status, lr,
//! gradient norm, distance to the known minimum, schedule.
//!
//! Every number is right or visibly abbreviated, never wrong: each column
//! is sized from its content and the free width, each value written for the
//! width it got ([`num::fit`]: fewer significant digits, then scientific
//! with the whole exponent). Numbers are right-aligned; the status is never
//! cut. A column that cannot fit is dropped whole, rightmost first (the
//! columns stand in order of importance), and the title says which.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table};

use super::theme::Theme;
use crate::descent::run::Status;
use crate::text::{display_width, num};
use crate::track::{RunView, Snapshot};

/// What a column holds.
enum Content {
    /// Text, shown whole, left-aligned: one string and style per run.
    Text(Vec<(String, Style)>),
    /// Numbers, right-aligned, with up to `most` significant digits, as
    /// many as the column's width holds (`None`: an empty cell).
    Numbers {
        values: Vec<Option<f64>>,
        most: usize,
    },
}

/// One column of the table.
pub struct Column {
    pub header: String,
    content: Content,
    /// Narrowest it can be, the width it would like, and a middle width
    /// (every column gets that before any gets more).
    least: usize,
    mid: usize,
    most: usize,
}

impl Column {
    fn text(header: &str, cells: Vec<(String, Style)>) -> Column {
        let w = cells
            .iter()
            .map(|(s, _)| display_width(s))
            .chain([display_width(header)])
            .max()
            .unwrap_or(0);
        Column {
            header: header.into(),
            content: Content::Text(cells),
            least: w,
            mid: w,
            most: w,
        }
    }

    /// Numbers with `most` significant digits when there is room, never
    /// fewer than `least`.
    fn numbers(header: &str, values: Vec<Option<f64>>, most: usize, least: usize) -> Column {
        let span = |n: usize| {
            values
                .iter()
                .flatten()
                .map(|v| num::span(*v, n))
                .chain([display_width(header)])
                .max()
                .unwrap_or(0)
        };
        Column {
            header: header.into(),
            least: span(least),
            mid: span(least.midpoint(most)),
            most: span(most),
            content: Content::Numbers { values, most },
        }
    }

    /// Its header and cells at `width` columns.
    fn cells(&self, width: usize) -> (String, Vec<(String, Style)>) {
        let pad = |s: &str, right: bool| {
            let gap = " ".repeat(width.saturating_sub(display_width(s)));
            if right {
                format!("{gap}{s}")
            } else {
                format!("{s}{gap}")
            }
        };
        match &self.content {
            Content::Text(cells) => (
                pad(&self.header, false),
                cells.iter().map(|(s, st)| (pad(s, false), *st)).collect(),
            ),
            Content::Numbers { values, most, .. } => (
                pad(&self.header, true),
                values
                    .iter()
                    .map(|v| {
                        let s = v.map_or(String::new(), |v| num::fit(v, *most, width));
                        (pad(&s, true), Style::new())
                    })
                    .collect(),
            ),
        }
    }
}

/// What a run's status cell says: a paused scenario's running runs say
/// `paused`.
pub fn status_text(status: &Status, paused: bool) -> String {
    match status {
        Status::Running if paused => "paused".into(),
        s => s.to_string(),
    }
}

/// What the dashboard marks on the rows: the selected run (its name in
/// reverse video),
/// hidden runs (dimmed, `hidden`), runs whose rate was changed (`✎`).
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub selected: Option<usize>,
    pub hidden: Vec<bool>,
    pub edited: Vec<bool>,
}

impl Rows {
    fn hidden(&self, i: usize) -> bool {
        self.hidden.get(i).copied().unwrap_or(false)
    }

    fn edited(&self, i: usize) -> bool {
        self.edited.get(i).copied().unwrap_or(false)
    }
}

/// The columns of `snap`'s table, most important first.
pub fn columns(
    snap: &Snapshot,
    vars: &[String],
    paused: bool,
    rows: &Rows,
    theme: Theme,
) -> Vec<Column> {
    let runs = &snap.runs;
    let of = |f: &dyn Fn(&RunView) -> f64| runs.iter().map(|r| Some(f(r))).collect::<Vec<_>>();
    let mut cols = vec![Column::text(
        "run",
        runs.iter()
            .enumerate()
            .map(|(i, r)| {
                let mut name = String::new();
                // Without colour, the run's chart marker tells curves apart.
                if let Some(g) = theme.marker_glyph(i) {
                    name.push(g);
                    name.push(' ');
                }
                name.push_str(&r.name);
                if rows.edited(i) {
                    name.push(' ');
                    name.push(theme.edited_glyph());
                }
                if rows.hidden(i) {
                    name.push_str(" (hidden)");
                }
                let mut style = theme.run(i);
                if rows.selected == Some(i) {
                    // Shown in reverse video: it costs no column.
                    style = style.add_modifier(Modifier::BOLD | Modifier::REVERSED);
                }
                if rows.hidden(i) {
                    style = style.add_modifier(Modifier::DIM);
                }
                (name, style)
            })
            .collect(),
    )];
    for (d, v) in vars.iter().enumerate() {
        cols.push(Column::numbers(v, of(&|r| r.params[d]), 7, 3));
    }
    cols.push(Column::numbers("loss", of(&|r| r.loss), 7, 3));
    cols.push(Column::text(
        "status",
        runs.iter()
            .map(|r| {
                let style = match r.status {
                    Status::Diverged { .. } => theme.bad(),
                    Status::Converged { .. } => theme.good(),
                    _ => theme.dim(),
                };
                (status_text(&r.status, paused), style)
            })
            .collect(),
    ));
    cols.push(Column::numbers("lr", of(&|r| r.lr), 4, 2));
    cols.push(Column::numbers("|∇f|", of(&|r| r.grad_norm), 4, 2));
    if runs.iter().any(|r| r.distance.is_some()) {
        let d = runs.iter().map(|r| r.distance).collect();
        cols.push(Column::numbers("dist", d, 4, 2));
    }
    cols.push(Column::text(
        "schedule",
        runs.iter()
            .map(|r| (r.schedule.clone(), Style::new()))
            .collect(),
    ));
    cols
}

/// The widths of the columns that fit in `inner` columns (one space
/// between columns): each at least its narrowest, the rightmost dropped
/// until they fit (the first never), then the room left shared out to the
/// columns in order: first up to a middle width each, then up to the width
/// each would like.
pub fn layout(cols: &[Column], inner: usize) -> Vec<usize> {
    let mut n = cols.len();
    let need = |n: usize| cols[..n].iter().map(|c| c.least + 1).sum::<usize>() - 1;
    while n > 1 && need(n) > inner {
        n -= 1;
    }
    let mut widths: Vec<usize> = cols[..n].iter().map(|c| c.least).collect();
    let mut room = inner.saturating_sub(need(n));
    for goal in [|c: &Column| c.mid, |c: &Column| c.most] {
        for (w, c) in widths.iter_mut().zip(cols) {
            let more = goal(c).saturating_sub(*w).min(room);
            *w += more;
            room -= more;
        }
    }
    widths
}

/// Draw the table of `snap`'s runs; `paused` when the scenario is.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    snap: &Snapshot,
    vars: &[String],
    paused: bool,
    rows: &Rows,
    theme: Theme,
) {
    let cols = columns(snap, vars, paused, rows, theme);
    let widths = layout(&cols, usize::from(area.width.saturating_sub(2)));
    let hidden: Vec<&str> = cols[widths.len()..]
        .iter()
        .map(|c| c.header.as_str())
        .collect();
    let drawn: Vec<_> = cols.iter().zip(&widths).map(|(c, &w)| c.cells(w)).collect();
    let header = Row::new(drawn.iter().map(|(h, _)| Cell::from(h.clone()))).style(theme.title());
    let dim = |i: usize, st: Style| {
        if rows.hidden(i) {
            st.add_modifier(Modifier::DIM)
        } else {
            st
        }
    };
    let lines = (0..snap.runs.len()).map(|i| {
        Row::new(drawn.iter().map(|(_, cells)| {
            let (s, st) = &cells[i];
            Cell::from(s.clone()).style(dim(i, *st))
        }))
    });
    let mut title = format!(" runs{} ", super::basins::start_note(snap));
    if !hidden.is_empty() {
        let named = format!("{title}· hidden: {} ", hidden.join(" "));
        title = if display_width(&named) + 2 <= usize::from(area.width) {
            named
        } else {
            format!("{title}· {} columns hidden ", hidden.len())
        };
    }
    let table = Table::new(lines, widths.iter().map(|&w| Constraint::Length(w as u16)))
        .column_spacing(1)
        .header(header)
        .block(Block::bordered().title(Line::from(vec![Span::styled(title, theme.title())])));
    frame.render_widget(table, area);
}
