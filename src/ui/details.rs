//! The details view (`i`): everything about the scenario on screen, whole
//! and wrapped — what the header, the lists and the footer had to cut with
//! `…` (a long title or `about`, the file, f, the runs, the last message,
//! a load or reload error with its hint), and what was changed here (a
//! placed start, edited rates). It scrolls.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::scroll::{self, Limits, Row};
use super::theme::Theme;
use crate::app::Entry;
use crate::text::num;

const LEAD: usize = 10;

fn field(name: &str, text: impl Into<String>, theme: Theme) -> Row {
    Row::led(format!(" {name:<w$}", w = LEAD - 1), theme.dim(), text)
}

/// The rows of the view: the scenario, then the message and errors.
pub fn rows(entry: Option<&Entry>, message: Option<&str>, theme: Theme) -> Vec<Row> {
    let mut out = Vec::new();
    if let Some(e) = entry {
        out.push(Row::text(format!(" {}", e.name()), theme.title()));
        out.push(field("from", e.label.clone(), theme));
        match &e.scenario {
            Ok(sc) => {
                if let Some(a) = &sc.about {
                    out.push(field("about", a.clone(), theme));
                }
                out.push(field(
                    "f",
                    format!("f({}) = {}", sc.vars.join(", "), sc.f),
                    theme,
                ));
                let domain: Vec<String> = sc
                    .vars
                    .iter()
                    .zip(&sc.domain)
                    .map(|(v, (a, b))| format!("{v} ∈ [{}, {}]", num::sig(*a, 7), num::sig(*b, 7)))
                    .collect();
                out.push(field("domain", domain.join(", "), theme));
                if let Some(m) = &sc.minimum {
                    let at: Vec<String> = m.iter().map(|v| num::sig(*v, 7)).collect();
                    out.push(field("minimum", format!("({})", at.join(", ")), theme));
                }
                let mut plan = vec![format!("{} epochs", num::grouped(sc.epochs))];
                if let Some(n) = sc.starts {
                    plan.push(format!("{n} starts per run"));
                }
                if let Some(t) = sc.tolerance {
                    plan.push(format!("tolerance {}", num::sig(t, 7)));
                }
                out.push(field("descent", plan.join(" · "), theme));
                if let Some(p) = &e.tweaks.start {
                    let at: Vec<String> = p.iter().map(|v| num::sig(*v, 7)).collect();
                    out.push(field(
                        "start",
                        format!(
                            "({}), placed here (p); every run starts there",
                            at.join(", ")
                        ),
                        theme,
                    ));
                }
                let views = e.snapshot.as_ref().map(|s| &s.runs);
                for (i, r) in sc.runs.iter().enumerate() {
                    let view = views.and_then(|v| v.get(i));
                    let schedule =
                        view.map_or_else(|| r.schedule.name().to_string(), |v| v.schedule.clone());
                    let mut text = format!("{} · {schedule} · lr {}", r.name, num::sig(r.lr, 7));
                    if let Some(v) = view.filter(|v| v.base_lr != r.lr) {
                        text.push_str(&format!(", now {} (changed here)", num::sig(v.base_lr, 7)));
                    }
                    let lead = if i == 0 { "runs" } else { "" };
                    out.push(Row::led(
                        format!(" {lead:<w$}", w = LEAD - 1),
                        theme.dim(),
                        text,
                    ));
                }
                if let Some(snap) = e.snapshot.as_deref() {
                    basin_rows(snap, theme, &mut out);
                }
                if let Some(err) = &e.reload_error {
                    out.push(Row::text("", Style::new()));
                    out.push(Row::text(
                        " the last save did not load; the version before runs:",
                        theme.bad(),
                    ));
                    out.push(Row::text(format!(" {err}"), Style::new()));
                }
            }
            Err(err) => {
                out.push(Row::text("", Style::new()));
                out.push(Row::text(" this file could not be loaded:", theme.bad()));
                out.push(Row::text(format!(" {err}"), Style::new()));
            }
        }
    }
    if let Some(m) = message {
        out.push(Row::text("", Style::new()));
        out.push(field("message", m, theme));
    }
    out
}

/// Where every run's starts ended (many-start scenarios): every basin,
/// whole, and the tally.
fn basin_rows(snap: &crate::track::Snapshot, theme: Theme, out: &mut Vec<Row>) {
    let Some(n) = snap.starts() else { return };
    for (i, r) in snap.runs.iter().enumerate() {
        let Some(sv) = &r.starts else { continue };
        let lead = if i == 0 { "basins" } else { "" };
        out.push(Row::led(
            format!(" {lead:<w$}", w = LEAD - 1),
            theme.dim(),
            r.name.clone(),
        ));
        for b in &sv.summary.basins {
            let at: Vec<String> = b.at.iter().map(|v| num::sig(*v, 7)).collect();
            let global = if b.global { " · ★ global" } else { "" };
            out.push(Row::led(
                " ".repeat(LEAD + 2),
                Style::new(),
                format!(
                    "({}) · loss {} · {}/{n} starts{global}",
                    at.join(", "),
                    num::sig(b.loss, 7),
                    b.count
                ),
            ));
        }
        out.push(Row::led(
            " ".repeat(LEAD + 2),
            Style::new(),
            sv.summary.tally(),
        ));
    }
}

/// Draw the view over `area` from line `offset`.
///
/// `class`: the class view's lines in full (the teacher's, while it is
/// on), after the scenario's.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    entry: Option<&Entry>,
    message: Option<&str>,
    class: &[String],
    offset: u16,
    theme: Theme,
) -> Limits {
    let mut rows = rows(entry, message, theme);
    if !class.is_empty() {
        rows.push(Row::text("", Style::new()));
        for (i, line) in class.iter().enumerate() {
            let lead = if i == 0 { "class" } else { "" };
            rows.push(Row::led(
                format!(" {lead:<w$}", w = LEAD - 1),
                theme.dim(),
                line.clone(),
            ));
        }
    }
    scroll::render(
        frame,
        area,
        100,
        "details (i or Esc closes)",
        &rows,
        offset,
        theme,
    )
}
