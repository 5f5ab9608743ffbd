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

/// The class's basins on this scenario: `(x, y) f v ★ ×n`, lowest first.
pub fn basins_line(dots: &[&StudentDot], domain: &[(f64, f64)]) -> String {
    let ends: Vec<End> = dots
        .iter()
        .map(|d| End {
            at: &d.now,
            loss: d.loss,
            status: d.status,
        })
        .collect();
    let s = basins::summarize(&ends, basins::radius(domain), false);
    if s.basins.is_empty() {
        return "basins: none yet".into();
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
    format!("basins: {}", parts.join(" · "))
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
    let header = Row::new(["student", "start", "now", "loss", "status"]).style(theme.title());
    let shown = usize::from(list.height).saturating_sub(1);
    let mut rows: Vec<Row> = dots
        .iter()
        .take(shown)
        .map(|d| {
            Row::new(vec![
                Cell::from(ellipsize(&d.name, 12)),
                Cell::from(point(&d.start)),
                Cell::from(point(&d.now)),
                Cell::from(num::sig(d.loss, 5)),
                Cell::from(d.status.to_string()),
            ])
        })
        .collect();
    if dots.len() > shown && shown > 0 {
        rows.pop();
        rows.push(Row::new(vec![Cell::from(format!(
            "… {} more",
            dots.len() - shown + 1
        ))]));
    }
    let widths = [
        Constraint::Length(12),
        Constraint::Min(16),
        Constraint::Min(16),
        Constraint::Length(10),
        Constraint::Length(16),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
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
