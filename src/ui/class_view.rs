//! The teacher's class view (`C`), in place of the runs table: every
//! student on their own — where they started, where they are or ended, the
//! loss there — and where the class's races on the scenario on screen
//! ended, grouped into basins as many starts are ([`crate::descent::basins`]):
//! the local-minima lesson, done by the whole class.
//!
//! ```text
//! ┌ class: 3 on their own · 12 following ────────────────────────────┐
//! │student   start            now               loss      status     │
//! │ada       (0.031, 1.374)   (0.2964, 0.3202)  -0.06494  finished   │
//! │…                                                                  │
//! │basins: (0.228, -1.63) f -6.551 ★ ×2 · (0.296, 0.320) f -0.0649 ×1 │
//! └──────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use super::theme::Theme;
use crate::app::class::StudentDot;
use crate::descent::basins::{self, End};
use crate::text::{ellipsize, num};

/// `(0.031, 1.374)`.
fn point(p: &[f64]) -> String {
    let v: Vec<String> = p.iter().map(|x| num::sig(*x, 4)).collect();
    format!("({})", v.join(", "))
}

/// The class's basins on this scenario: `(x, y) f v ★ ×n`, lowest first,
/// of the races that ended (a race still running is in no basin yet: they
/// are counted after).
pub fn basins_line(dots: &[&StudentDot], domain: &[(f64, f64)]) -> String {
    let running = dots.iter().filter(|d| d.status.is_running()).count();
    let ends: Vec<End> = dots
        .iter()
        .filter(|d| !d.status.is_running())
        .map(|d| End {
            at: &d.now,
            loss: d.loss,
            status: d.status,
        })
        .collect();
    let s = basins::summarize(&ends, basins::radius(domain), false);
    let still = match running {
        0 => String::new(),
        n => format!(" · {n} still running"),
    };
    if s.basins.is_empty() {
        return format!("basins: none yet{still}");
    }
    let parts: Vec<String> = s
        .basins
        .iter()
        .map(|b| {
            format!(
                "{} f {}{} ×{}",
                point(&b.at),
                num::sig(b.loss, 4),
                if b.global { " ★" } else { "" },
                b.count
            )
        })
        .collect();
    format!("basins: {}{still}", parts.join(" · "))
}

/// Every student of the class view written out whole, one line each, and
/// the basins line: what the details view (`i`) shows when the table had
/// to cut something.
pub fn full_lines(dots: &[&StudentDot], domain: &[(f64, f64)]) -> Vec<String> {
    let mut out: Vec<String> = dots
        .iter()
        .map(|d| {
            format!(
                "{} · start {} · now {} · loss {} · {}",
                d.name,
                point(&d.start),
                point(&d.now),
                num::sig(d.loss, 7),
                d.status
            )
        })
        .collect();
    out.push(basins_line(dots, domain));
    out
}

const HEADER: [&str; 5] = ["student", "start", "now", "loss", "status"];

/// Which columns fit in `width` and how wide each is: every number whole
/// (a column that cannot be is left out, the start first, then the loss),
/// names cut with an ellipsis to what is left (at least 6 columns).
fn columns(cells: &[[String; 5]], width: u16) -> (Vec<usize>, Vec<u16>) {
    let need = |k: usize| {
        cells
            .iter()
            .map(|c| crate::text::display_width(&c[k]))
            .chain([HEADER[k].len()])
            .max()
            .unwrap_or(0) as u16
    };
    let name = need(0).min(32);
    for keep in [
        vec![0, 1, 2, 3, 4],
        vec![0, 2, 3, 4],
        vec![0, 2, 4],
        vec![0, 2],
    ] {
        let rest: u16 = keep[1..].iter().map(|&k| need(k) + 1).sum();
        let room = width.saturating_sub(rest);
        if room >= name.min(6) {
            let mut w: Vec<u16> = keep.iter().map(|&k| need(k)).collect();
            w[0] = name.min(room);
            return (keep, w);
        }
    }
    (vec![0], vec![width])
}

/// Draw the class view of the students `dots` (those on the scenario on
/// screen, whose `domain` this is, first) in `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    dots: &[&StudentDot],
    elsewhere: usize,
    following: usize,
    domain: &[(f64, f64)],
    theme: Theme,
) {
    let title = format!(
        " class: {} on their own here{} · {following} following ",
        dots.len(),
        if elsewhere > 0 {
            format!(", {elsewhere} elsewhere")
        } else {
            String::new()
        }
    );
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let [list, summary] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
    let shown = usize::from(list.height).saturating_sub(1);
    let cells: Vec<[String; 5]> = dots
        .iter()
        .take(shown)
        .map(|d| {
            [
                d.name.clone(),
                point(&d.start),
                point(&d.now),
                num::sig(d.loss, 5),
                d.status.to_string(),
            ]
        })
        .collect();
    let (keep, widths) = columns(&cells, list.width);
    let pick = |row: &[String; 5]| -> Vec<Cell> {
        keep.iter()
            .zip(&widths)
            .map(|(&k, &w)| Cell::from(ellipsize(&row[k], usize::from(w))))
            .collect()
    };
    let header = Row::new(pick(&HEADER.map(String::from))).style(theme.title());
    let mut rows: Vec<Row> = cells.iter().map(|c| Row::new(pick(c))).collect();
    if dots.len() > shown && shown > 0 {
        rows.pop();
        rows.push(Row::new(vec![Cell::from(format!(
            "… {} more",
            dots.len() - shown + 1
        ))]));
    }
    let constraints: Vec<Constraint> = widths.iter().map(|&w| Constraint::Length(w)).collect();
    frame.render_widget(
        Table::new(rows, constraints)
            .header(header)
            .column_spacing(1),
        list,
    );
    let line = basins_line(dots, domain);
    frame.render_widget(
        Paragraph::new(Span::styled(
            ellipsize(&line, usize::from(summary.width)),
            theme.key(),
        )),
        summary,
    );
}
