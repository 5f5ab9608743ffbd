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
//! the mean epochs to converge (on more lines when narrow: never cut).
//! Numbers take the most significant digits for which every column fits,
//! right-aligned. When the pane is short, each run shows its lowest basins
//! and says how many more there are. A single-start scenario gets a hint
//! instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme::Theme;
use crate::descent::basins::Summary;
use crate::text::{display_width, ellipsize, num, wrap};
use crate::track::Snapshot;

/// ` · start 1 of 24` for the titles of panes that show start 0 only of a
/// many-start scenario; empty otherwise.
pub fn start_note(snap: &Snapshot) -> String {
    match snap.starts() {
        Some(n) => format!(" · start 1 of {n}"),
        None => String::new(),
    }
}

/// Rows the view would like at `width` columns (names with their marker
/// `glyphs` without colour): borders, header, and every basin and tally
/// line.
pub fn wanted_height(snap: &Snapshot, width: u16, glyphs: bool) -> u16 {
    if snap.starts().is_none() {
        return 3;
    }
    let tail_w = tail_width(snap, width, glyphs);
    let rows: usize = snap
        .runs
        .iter()
        .map(|r| {
            r.starts
                .as_ref()
                .map_or(1, |s| lines_of(&s.summary, usize::MAX, snap.done, tail_w))
        })
        .sum();
    (rows + 3).min(u16::MAX as usize) as u16
}

/// Width of the name column: the longest name (and its marker glyph).
fn name_width(snap: &Snapshot, glyphs: bool) -> usize {
    snap.runs
        .iter()
        .map(|r| display_width(&r.name))
        .max()
        .unwrap_or(3)
        .max(3)
        + if glyphs { 2 } else { 0 }
}

/// Columns left for a run's tally, after its name.
fn tail_width(snap: &Snapshot, width: u16, glyphs: bool) -> usize {
    usize::from(width.saturating_sub(2))
        .saturating_sub(name_width(snap, glyphs) + 1)
        .max(8)
}

/// A run's tally: what did not end in a basin, and how long converging
/// took; `no basin yet` only while the race runs.
fn tail_text(s: &Summary, hidden: usize, done: bool) -> String {
    let mut tail = String::new();
    if s.basins.is_empty() {
        tail.push_str(if done {
            "no start ended in a basin · "
        } else {
            "no basin yet · "
        });
    } else if hidden > 0 {
        tail.push_str(&format!("+{hidden} more · "));
    }
    tail.push_str(&s.tally());
    tail
}

/// `text`'s ` · `-separated parts on lines of `width` columns, each part
/// whole where it fits a line.
fn tail_lines(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in text.split(" · ") {
        match lines.last_mut() {
            Some(l) if display_width(l) + 3 + display_width(part) <= width => {
                l.push_str(" · ");
                l.push_str(part);
            }
            _ => lines.extend(wrap(part, width)),
        }
    }
    lines
}

/// Lines a run takes with at most `cap` basins shown: the basins, then the
/// tally's lines.
fn lines_of(s: &Summary, cap: usize, done: bool, tail_w: usize) -> usize {
    let shown = s.basins.len().min(cap);
    shown + tail_lines(&tail_text(s, s.basins.len() - shown, done), tail_w).len()
}

/// `(x, y)` of a basin in `sig` significant digits.
fn at_text(at: &[f64], sig: usize) -> String {
    let parts: Vec<String> = at.iter().map(|v| num::sig(*v, sig)).collect();
    format!("({})", parts.join(", "))
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
            Paragraph::new(hint).wrap(Wrap { trim: false }).block(
                Block::bordered().title(Line::styled(" basins · single start ", theme.title())),
            ),
            area,
        );
        return;
    };
    let summaries: Vec<&Summary> = snap
        .runs
        .iter()
        .filter_map(|r| r.starts.as_ref().map(|s| &s.summary))
        .collect();
    let tail_w = tail_width(snap, area.width, !theme.color);

    // The most basins per run that fit (at least one).
    let rows = area.height.saturating_sub(3) as usize;
    let most = summaries.iter().map(|s| s.basins.len()).max().unwrap_or(0);
    let cap = (1..=most.max(1))
        .rev()
        .find(|&c| {
            summaries
                .iter()
                .map(|s| lines_of(s, c, snap.done, tail_w))
                .sum::<usize>()
                <= rows
        })
        .unwrap_or(1);
    let shown = || summaries.iter().flat_map(|s| s.basins.iter().take(cap));

    // The most digits for which every column fits the width.
    let name_w = name_width(snap, !theme.color);
    let count_w = format!("{n}/{n}").len();
    let global_w = if shown().any(|b| b.global) { 9 } else { 0 };
    let widths = |sig: usize| {
        let at_w = shown()
            .map(|b| at_text(&b.at, sig).chars().count())
            .max()
            .unwrap_or(0)
            .max(2);
        let loss_w = shown()
            .map(|b| num::span(b.loss, sig))
            .max()
            .unwrap_or(0)
            .max(4);
        (at_w, loss_w)
    };
    let inner = usize::from(area.width.saturating_sub(2));
    let sig = (2..=7)
        .rev()
        .find(|&sig| {
            let (a, l) = widths(sig);
            name_w + 1 + a + 2 + l + 2 + count_w + 2 + global_w <= inner
        })
        .unwrap_or(2);
    let (at_w, loss_w) = widths(sig);

    let header = Line::styled(
        format!(
            "{:<name_w$} {:<at_w$}  {:>loss_w$}  {:>count_w$}",
            "run", "at", "loss", "starts"
        ),
        theme.title(),
    );
    // Every line, each tally on as many lines as it needs; when that is
    // too many, each tally on one line (cut with `…`); when still too
    // many, the lines that fit and a last one saying `i` shows the rest.
    let build = |compact: bool| {
        let mut lines = Vec::new();
        for (i, r) in snap.runs.iter().enumerate() {
            let Some(sv) = &r.starts else { continue };
            let s = &sv.summary;
            let name = match theme.marker_glyph(i) {
                Some(g) => format!("{g} {}", r.name),
                None => r.name.clone(),
            };
            let name_cell = |first: bool| {
                let text = if first { name.as_str() } else { "" };
                let gap = " ".repeat(name_w.saturating_sub(display_width(text)));
                Span::styled(format!("{text}{gap} "), theme.run(i))
            };
            for (k, b) in s.basins.iter().take(cap).enumerate() {
                let mut spans = vec![
                    name_cell(k == 0),
                    Span::raw(format!("{:<at_w$}  ", at_text(&b.at, sig))),
                    Span::raw(format!("{:>loss_w$}  ", num::fit(b.loss, sig, loss_w))),
                    Span::raw(format!("{:>count_w$}  ", format!("{}/{n}", b.count))),
                ];
                if b.global {
                    spans.push(Span::styled("★ global", theme.good()));
                }
                lines.push(Line::from(spans));
            }
            let hidden = s.basins.len().saturating_sub(cap);
            let style = if s.diverged > 0 {
                theme.bad()
            } else {
                theme.dim()
            };
            let text = tail_text(s, hidden, snap.done);
            let tail = if compact {
                vec![ellipsize(&text, tail_w)]
            } else {
                tail_lines(&text, tail_w)
            };
            for (k, l) in tail.into_iter().enumerate() {
                lines.push(Line::from(vec![
                    name_cell(k == 0 && s.basins.is_empty()),
                    Span::styled(l, style),
                ]));
            }
        }
        lines
    };
    let mut lines = build(false);
    if lines.len() > rows {
        lines = build(true);
    }
    if lines.len() > rows {
        let more = lines.len() + 1 - rows;
        lines.truncate(rows.saturating_sub(1));
        lines.push(Line::from(vec![
            Span::styled(format!("… {more} more lines: "), theme.dim()),
            Span::styled("i", theme.key()),
            Span::styled(" shows every basin", theme.dim()),
        ]));
    }
    lines.insert(0, header);
    let r = num::sig(radius, 3);
    let title = [
        format!(" basins · {n} starts per run · one basin = end points within {r} "),
        format!(" basins · {n} starts · radius {r} "),
        " basins ".to_string(),
    ]
    .into_iter()
    .find(|t| display_width(t) + 2 <= usize::from(area.width))
    .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(Line::styled(title, theme.title()))),
        area,
    );
}
