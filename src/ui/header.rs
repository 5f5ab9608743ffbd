//! The header: title and index on the left, `epoch N/M · state · pace` on
//! the right, the scenario's `about` (or a reload error) below. What does
//! not fit is cut with `…` and the line says `i` shows it whole; the epoch
//! is padded to the width of the total so nothing moves as it grows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::class::Role;
use crate::app::{Model, RunState};
use crate::engine::Pace;
use crate::text::{display_width, ellipsize, num};

/// What the scenario on screen is doing.
pub fn state(model: &Model) -> Option<RunState> {
    model.entry().map(|e| e.state(true))
}

/// `running`, `paused`, `done` or `error` for the scenario on screen.
pub fn state_word(model: &Model) -> &'static str {
    state(model).map_or("", RunState::word)
}

/// `1.23M ep/s`: a measured rate in three significant digits, always ten
/// columns wide.
pub fn rate_label(per_second: f64) -> String {
    let (v, unit) = match per_second {
        r if r >= 1e6 => (r / 1e6, "M"),
        r if r >= 1e3 => (r / 1e3, "k"),
        r => (r, ""),
    };
    format!("{:>10}", format!("{}{unit} ep/s", num::sig(v, 3)))
}

/// `12s`, `3m 20s`, `2h 05m`, `4d 03h`: time left, whole units.
pub fn duration_label(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// The pieces of the right-hand status, most important first: `epoch
/// 37/100`, `running` (these two always shown), the pace (at `max`, the
/// measured rate and the time left while it runs), `3/12`.
fn status_parts(model: &Model) -> Vec<String> {
    let n = model.entries.len();
    let idx = format!("{}/{}", model.current + 1, n);
    let Some(e) = model.entry() else {
        return vec!["no scenarios".into()];
    };
    let Ok(sc) = &e.scenario else {
        return vec!["error".into(), idx];
    };
    let total = num::grouped(sc.epochs);
    let epoch = num::grouped(model.snapshot().map_or(0, |s| s.epoch));
    let st = e.state(true);
    let pace = match (e.pace, st, e.rate.per_second) {
        (Pace::Max, RunState::Running, Some(r)) if r > 0.0 => {
            let done = model.snapshot().map_or(0, |s| s.epoch);
            let left = sc.epochs.saturating_sub(done) as f64 / r;
            format!("max {} · {:>6} left", rate_label(r), duration_label(left))
        }
        (Pace::Max, RunState::Running, _) => "max · measuring".into(),
        (p, ..) => p.label(),
    };
    // In a class the state says whose race it is.
    let state = match (model.class.role, model.class.role.word()) {
        (Role::Teacher, Some(w)) => {
            format!("{}, {w} of {} following", st.word(), model.class.following)
        }
        (_, Some(w)) => format!("{}, {w}", st.word()),
        (_, None) => st.word().to_string(),
    };
    vec![
        format!("epoch {epoch:>w$}/{total}", w = total.len()),
        state,
        pace,
        idx,
    ]
}

/// The right-hand status at its fullest: `3/12 · epoch 37/100 · running
/// · 10 ep/s`.
pub fn status_line(model: &Model) -> String {
    status_text(&status_parts(model), usize::MAX)
}

/// The first `keep` parts in display order (index first).
fn status_text(parts: &[String], keep: usize) -> String {
    let keep = keep.min(parts.len());
    let mut shown: Vec<&str> = parts[..keep].iter().map(String::as_str).collect();
    if keep == parts.len() && parts.len() > 1 {
        shown.rotate_right(1);
    }
    shown.join(" · ")
}

/// Draw the two header lines.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let [top, about] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let width = usize::from(area.width);
    let title = model.entry().map(|e| e.name()).unwrap_or_default();
    let title_w = display_width(&title);
    // The epoch and the state always; then the pace, then the index, as
    // long as the title keeps 20 columns (or all of a shorter one); the
    // name `downhill` only when the whole title fits beside it.
    let parts = status_parts(model);
    let fits = |status: &str, brand: &str, title: usize| {
        display_width(status) + 2 + display_width(brand) + title <= width
    };
    let status = (2.min(parts.len())..=parts.len())
        .rev()
        .map(|k| status_text(&parts, k))
        .find(|s| fits(s, " ", title_w.min(20)))
        .unwrap_or_else(|| status_text(&parts, 2));
    let brand = if fits(&status, " downhill ", title_w) {
        " downhill "
    } else {
        " "
    };
    let status_w = (display_width(&status) + 1).min(width) as u16;
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(status_w)]).areas(top);
    let room = usize::from(left.width).saturating_sub(display_width(brand) + 1);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(brand, theme.key()),
            Span::styled(ellipsize(&title, room), theme.title()),
        ])),
        left,
    );
    let state_style = match state(model) {
        Some(RunState::Error) => theme.bad(),
        _ => theme.title(),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(status, state_style)).right_aligned(),
        right,
    );
    let class_line = crate::app::class::teacher_at(model).or_else(|| {
        model.class.viewing().then(|| {
            format!(
                "class view: {} student(s) on their own, {} following (C closes)",
                model.class.dots.len(),
                model.class.following
            )
        })
    });
    let (text, style) = match model.entry() {
        _ if class_line.is_some() => (class_line.unwrap_or_default(), theme.key()),
        Some(e) => match (&e.reload_error, &e.scenario) {
            (Some(err), _) => (
                format!("reload failed, running the last good version: {err}"),
                theme.bad(),
            ),
            (None, Ok(s)) => (
                s.about.clone().unwrap_or_else(|| format!("f = {}", s.f)),
                theme.dim(),
            ),
            (None, Err(_)) => ("this scenario file could not be loaded".into(), theme.dim()),
        },
        None => (String::new(), theme.dim()),
    };
    frame.render_widget(Paragraph::new(cut_line(&text, style, width, theme)), about);
}

/// ` text` in `width` columns; when it is cut, `…` and `i more` say so.
pub fn cut_line(
    text: &str,
    style: ratatui::style::Style,
    width: usize,
    theme: Theme,
) -> Line<'static> {
    let more = " i more";
    if display_width(text) < width {
        return Line::styled(format!(" {text}"), style);
    }
    let room = width.saturating_sub(1 + display_width(more));
    Line::from(vec![
        Span::styled(format!(" {}", ellipsize(text, room)), style),
        Span::styled(more, theme.key()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_times() {
        assert_eq!(rate_label(1_234_567.0), "1.23M ep/s");
        assert_eq!(rate_label(845_000.0), " 845k ep/s");
        assert_eq!(rate_label(950.0), "  950 ep/s");
        assert_eq!(duration_label(12.4), "12s");
        assert_eq!(duration_label(200.0), "3m 20s");
        assert_eq!(duration_label(7500.0), "2h 05m");
        assert_eq!(duration_label(3.0 * 86_400.0 + 7200.0), "3d 02h");
    }
}
