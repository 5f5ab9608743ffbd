//! The header: title and index on the left, `epoch N/M · state · pace` on
//! the right, the scenario's `about` below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::Model;

/// `running`, `paused` or `done` for the scenario on screen.
pub fn state_word(model: &Model) -> &'static str {
    match model.entry() {
        Some(e) if e.scenario.is_err() => "error",
        _ if model.snapshot().is_some_and(|s| s.done) => "done",
        _ if model.paused => "paused",
        _ => "running",
    }
}

/// The right-hand status: `3/12 · epoch 37/100 · running · 10 ep/s`.
pub fn status_line(model: &Model) -> String {
    let n = model.entries.len();
    let idx = format!("{}/{}", model.current + 1, n);
    let Some(e) = model.entry() else {
        return "no scenarios".into();
    };
    let Ok(sc) = &e.scenario else {
        return format!("{idx} · error");
    };
    let epoch = model.snapshot().map_or(0, |s| s.epoch);
    format!(
        "{idx} · epoch {epoch}/{} · {} · {}",
        sc.epochs,
        state_word(model),
        e.pace.label()
    )
}

/// Draw the two header lines.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, theme: Theme) {
    let status = status_line(model);
    let [top, about] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let [left, right] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(status.chars().count() as u16 + 1),
    ])
    .areas(top);
    let title = model.entry().map(|e| e.name()).unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" downhill ", theme.key()),
            Span::styled(title, theme.title()),
        ])),
        left,
    );
    let state_style = match state_word(model) {
        "error" => theme.bad(),
        _ => theme.title(),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(status, state_style)).right_aligned(),
        right,
    );
    if let Some(err) = model.entry().and_then(|e| e.reload_error.as_ref()) {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!(" reload failed, running the last good version: {err}"),
                theme.bad(),
            )),
            about,
        );
        return;
    }
    let about_text = match model.entry().map(|e| &e.scenario) {
        Some(Ok(s)) => s.about.clone().unwrap_or_else(|| format!("f = {}", s.f)),
        Some(Err(_)) => "this scenario file could not be loaded".into(),
        None => String::new(),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(format!(" {about_text}"), theme.dim())),
        about,
    );
}
