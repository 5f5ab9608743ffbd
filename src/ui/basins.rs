//! The basins view (`b`), in place of the runs table: for each run of a
//! many-start scenario, where its starts ended.
//!
//! ```text
//! ┌ basins · 24 starts per run · end points within 0.0849 are one basin ────┐
//! │run          at                     loss        starts                    │
//! │fixed 0.01   (0.22828, -1.6255)     -6.5511     9/24   ★ global           │
//! │             (-1.3474, 0.20452)     -3.0498     11/24                     │
//! │             diverged 0 · mean epochs to converge 412.5                   │
//! └──────────────────────────────────────────────────────────────────────────┘
//! ```
//! One line per basin (lowest loss first), then the starts in no basin and
//! the mean epochs to converge. When the pane is short, each run shows its
//! lowest basins and says how many more there are. A single-start scenario
//! gets a one-line hint instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::theme::Theme;
use crate::descent::basins::Summary;
use crate::text::num;
use crate::track::Snapshot;

/// ` · start 1 of 24` for the titles of panes that show start 0 only of a
/// many-start scenario; empty otherwise.
pub fn start_note(snap: &Snapshot) -> String {
    match snap.starts() {
        Some(n) => format!(" · start 1 of {n}"),
        None => String::new(),
    }
}

/// Rows the view would like: borders, header, and every basin and tally.
pub fn wanted_height(snap: &Snapshot) -> u16 {
    if snap.starts().is_none() {
        return 3;
    }
    let rows: usize = snap
        .runs
        .iter()
        .map(|r| {
            r.starts
                .as_ref()
                .map_or(1, |s| lines_of(&s.summary, usize::MAX))
        })
        .sum();
    (rows + 3).min(u16::MAX as usize) as u16
}

/// Lines a run takes with at most `cap` basins shown: the basins, then the
/// tally (alone when there is no basin).
fn lines_of(s: &Summary, cap: usize) -> usize {
    s.basins.len().min(cap) + 1
}

/// Draw the basins view of `snap`.
pub fn render(frame: &mut Frame, area: Rect, snap: &Snapshot, radius: f64, theme: Theme) {
    let Some(n) = snap.starts() else {
        let hint = Line::from(vec![
            Span::raw(" one start per run: set "),
            Span::styled("starts = N", theme.key()),
            Span::raw(" under [descent] to race N random starts"),
        ]);
        frame.render_widget(
            Paragraph::new(hint).block(
                Block::bordered().title(Line::styled(" basins · single start ", theme.title())),
            ),
            area,
        );
        return;
    };
    let wide = area.width >= 120;
    let sig = if wide { 7 } else { 5 };
    let summaries: Vec<&Summary> = snap
        .runs
        .iter()
        .filter_map(|r| r.starts.as_ref().map(|s| &s.summary))
        .collect();

    // The most basins per run that fit (at least one).
    let rows = area.height.saturating_sub(3) as usize;
    let most = summaries.iter().map(|s| s.basins.len()).max().unwrap_or(0);
    let cap = (1..=most.max(1))
        .rev()
        .find(|&c| summaries.iter().map(|s| lines_of(s, c)).sum::<usize>() <= rows)
        .unwrap_or(1);

    let at_text = |at: &[f64]| {
        let parts: Vec<String> = at.iter().map(|v| num::sig(*v, sig)).collect();
        format!("({})", parts.join(", "))
    };
    let name_w = snap
        .runs
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(3)
        .max(3)
        + if theme.color { 0 } else { 2 };
    let at_w = summaries
        .iter()
        .flat_map(|s| s.basins.iter().take(cap))
        .map(|b| at_text(&b.at).chars().count())
        .max()
        .unwrap_or(2)
        .max(2)
        + 2;
    let loss_w = sig + 5;
    let count_w = format!("{n}/{n}").len() + 2;

    let mut lines = vec![Line::styled(
        format!(
            "{:<name_w$} {:<at_w$}{:<loss_w$}{:<count_w$}",
            "run", "at", "loss", "starts"
        ),
        theme.title(),
    )];
    for (i, r) in snap.runs.iter().enumerate() {
        let Some(sv) = &r.starts else { continue };
        let s = &sv.summary;
        let name = match theme.marker_glyph(i) {
            Some(g) => format!("{g} {}", r.name),
            None => r.name.clone(),
        };
        let name_cell = |first: bool| {
            let text = if first { name.as_str() } else { "" };
            Span::styled(format!("{text:<name_w$} "), theme.run(i))
        };
        for (k, b) in s.basins.iter().take(cap).enumerate() {
            let mut spans = vec![
                name_cell(k == 0),
                Span::raw(format!("{:<at_w$}", at_text(&b.at))),
                Span::raw(format!("{:<loss_w$}", num::sig(b.loss, sig))),
                Span::raw(format!("{:<count_w$}", format!("{}/{n}", b.count))),
            ];
            if b.global {
                spans.push(Span::styled("★ global", theme.good()));
            }
            lines.push(Line::from(spans));
        }
        let hidden = s.basins.len().saturating_sub(cap);
        let mut tail = String::new();
        if s.basins.is_empty() {
            tail.push_str("no basin yet · ");
        } else if hidden > 0 {
            tail.push_str(&format!("+{hidden} more · "));
        }
        tail.push_str(&s.tally());
        let style = if s.diverged > 0 {
            theme.bad()
        } else {
            theme.dim()
        };
        lines.push(Line::from(vec![
            name_cell(s.basins.is_empty()),
            Span::styled(tail, style),
        ]));
    }
    let title = format!(
        " basins · {n} starts per run · one basin = end points within {} ",
        num::sig(radius, 3)
    );
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(Line::styled(title, theme.title()))),
        area,
    );
}
