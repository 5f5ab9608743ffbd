//! The sweep view (`w`): where descent ends as a parameter varies.
//!
//! * One axis: the final position against the swept value, a braille line
//!   per variable (log-spaced axes are drawn on a log scale, labelled in the
//!   real values).
//! * Two axes: a heatmap of the final position of the first variable, x axis
//!   across, y axis up, with a colour bar; points not computed yet are `·`,
//!   diverged ones `×`.
//!
//! Both fill in as the engine reports chunks, with a progress bar in the
//! title; a cursor (arrows) reads one point's numbers at the bottom (on
//! more lines when narrow; the footer names the keys).

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Dataset, GraphType, Paragraph};

use super::chart::{self, Axes, Entry, Grid};
use super::scale::Ticks;

use super::colormap;
use super::scale;
use super::theme::Theme;
use crate::app::SweepState;
use crate::descent::run::Status;
use crate::scenario::Scenario;
use crate::sweep::PointResult;
use crate::text::num;

/// `[████░░░░]` for `done` of `total`.
pub fn progress_bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(width);
    format!("[{}{}]", "█".repeat(filled), "░".repeat(width - filled))
}

/// An axis value as shown (log axes are drawn as log10 of the value).
fn axis_pos(v: f64, log: bool) -> f64 {
    if log { v.log10() } else { v }
}

/// The readout of the point under the cursor.
pub fn readout(state: &SweepState, sc: &Scenario) -> String {
    let i = state.cursor_index();
    let values = state.grid.values_at(i);
    let at: Vec<String> = state
        .grid
        .axes
        .iter()
        .zip(&values)
        .map(|(a, v)| format!("{} = {}", a.name, num::sig(*v, 6)))
        .collect();
    match &state.grid.points[i] {
        None => format!("{} → not computed yet", at.join(", ")),
        Some(p) => {
            let fin: Vec<String> = sc
                .vars
                .iter()
                .zip(&p.final_pos)
                .map(|(v, x)| format!("{v} = {}", num::sig(*x, 7)))
                .collect();
            format!(
                "{} → final {}, loss {}, {} after {} epochs",
                at.join(", "),
                fin.join(", "),
                num::sig(p.loss, 7),
                p.status,
                p.epochs
            )
        }
    }
}

/// Draw the sweep view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &SweepState, sc: &Scenario, theme: Theme) {
    let total = state.grid.len();
    let done = state.grid.done();
    let names: Vec<&str> = state.grid.axes.iter().map(|a| a.name.as_str()).collect();
    let title = format!(
        " sweep: final {} vs {} · {}/{} {} ",
        sc.vars[0],
        names.join(" × "),
        done,
        total,
        progress_bar(done, total, 12)
    );
    // The readout of the point under the cursor, whole: on as many lines as
    // it needs (the footer names the keys).
    let info_lines = crate::text::wrap(&readout(state, sc), usize::from(area.width.max(1)));
    let info_h = (info_lines.len() as u16).min(area.height / 3).max(1);
    let [main, info] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(info_h)]).areas(area);
    let block = Block::bordered().title(Line::styled(title, theme.title()));
    if state.grid.axes.len() == 1 {
        render_curve(frame, main, block, state, sc, theme);
    } else {
        let inner = block.inner(main);
        frame.render_widget(block, main);
        render_heatmap(frame.buffer_mut(), inner, state, &sc.vars[0], theme);
    }
    let lines: Vec<Line> = info_lines
        .into_iter()
        .map(|l| Line::styled(l, theme.title()))
        .collect();
    frame.render_widget(Paragraph::new(lines), info);
}

fn render_curve(
    frame: &mut Frame,
    area: Rect,
    block: Block,
    state: &SweepState,
    sc: &Scenario,
    theme: Theme,
) {
    let axis = &state.grid.axes[0];
    let series: Vec<Vec<(f64, f64)>> = (0..sc.dim())
        .map(|d| {
            state
                .grid
                .points
                .iter()
                .zip(&axis.values)
                .filter_map(|(p, v)| {
                    p.as_ref()
                        .filter(|p| !matches!(p.status, Status::Diverged { .. }))
                        .map(|p| (axis_pos(*v, axis.log), p.final_pos[d]))
                })
                .collect()
        })
        .collect();
    let cursor_x = axis_pos(axis.values[state.cursor[0]], axis.log);
    let cursor: Vec<(f64, f64)> = state.grid.points[state.cursor_index()]
        .iter()
        .map(|p| (cursor_x, p.final_pos[0]))
        .collect();
    let x0 = axis_pos(axis.values[0], axis.log);
    let x1 = axis_pos(*axis.values.last().unwrap_or(&axis.values[0]), axis.log);
    let (lo, hi) = if x0 < x1 { (x0, x1) } else { (x1, x0 - 1.0) };
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let y = super::chart::extent(series.iter().map(Vec::as_slice))
        .map_or([0.0, 1.0], |(a, b)| scale::nice_range(a, b));
    let marker = |d: usize| {
        if d == 0 {
            theme.line_marker()
        } else {
            Marker::Dot
        }
    };
    let entries: Vec<Entry> = (0..sc.dim())
        .map(|d| Entry {
            glyph: super::theme::marker_glyph(marker(d)).to_string(),
            style: theme.run(d),
            name: format!("final {}", sc.vars[d]),
        })
        .collect();
    // The legend on the bottom border, the x axis' name at the top right.
    let block = block
        .title_bottom(chart::legend(
            &entries,
            entries.len(),
            area.width.saturating_sub(2),
            theme,
        ))
        .title(Line::styled(format!(" {} ", axis.name), theme.axis()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let axes = Axes {
        x: [lo, hi],
        x_ticks: if axis.log {
            Ticks::Powers
        } else {
            Ticks::Linear
        },
        y,
        y_ticks: Ticks::Linear,
        grid: Grid::Canvas(theme.line_dots()),
    };
    let Some((plot, lw)) = chart::plot_area(inner, &axes) else {
        return;
    };
    chart::draw_axes(frame.buffer_mut(), inner, plot, lw, &axes, theme);
    let mut datasets: Vec<Dataset> = series
        .iter()
        .enumerate()
        .map(|(d, s)| {
            Dataset::default()
                .marker(marker(d))
                .graph_type(GraphType::Line)
                .style(theme.run(d))
                .data(s)
        })
        .collect();
    datasets.push(
        Dataset::default()
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(theme.title())
            .data(&cursor),
    );
    chart::draw_curves(frame, plot, datasets, axes.x, axes.y);
}

/// Colour-bar and axis labels take the bottom line and the left columns.
fn render_heatmap(buf: &mut Buffer, area: Rect, state: &SweepState, var: &str, theme: Theme) {
    if area.width < 12 || area.height < 4 {
        return;
    }
    let grid = &state.grid;
    let (xa, ya) = (&grid.axes[0], &grid.axes[1]);
    let (nx, ny) = (xa.values.len(), ya.values.len());
    let label_w = 9u16;
    let map = Rect {
        x: area.x + label_w,
        y: area.y,
        width: area.width - label_w,
        height: area.height - 2,
    };
    // The colour range: the finite final positions of the first variable.
    let finals: Vec<f64> = grid
        .points
        .iter()
        .flatten()
        .filter(|p| !matches!(p.status, Status::Diverged { .. }))
        .map(|p| p.final_pos[0])
        .filter(|v| v.is_finite())
        .collect();
    let lo = finals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let level = |v: f64| {
        if hi > lo { (v - lo) / (hi - lo) } else { 0.5 }
    };
    let point_at = |col: u16, row: u16| -> (usize, usize) {
        let ix = (col as usize * nx) / map.width as usize;
        // Row 0 is the top: the largest y index.
        let iy = ny - 1 - (row as usize * ny) / map.height as usize;
        (ix.min(nx - 1), iy.min(ny - 1))
    };
    for row in 0..map.height {
        for col in 0..map.width {
            let (ix, iy) = point_at(col, row);
            let cell = &mut buf[(map.x + col, map.y + row)];
            match &grid.points[grid.index(&[ix, iy])] {
                None => {
                    cell.set_char('·').set_style(theme.dim());
                }
                Some(PointResult {
                    status: Status::Diverged { .. },
                    ..
                }) => {
                    cell.set_char('×').set_style(theme.bad());
                }
                Some(p) => {
                    let t = level(p.final_pos[0]);
                    match colormap::color(t, theme.depth) {
                        Some(c) => {
                            cell.set_char(' ').set_bg(c);
                        }
                        None => {
                            cell.set_char(colormap::shade(t));
                        }
                    }
                }
            }
        }
    }
    // The cursor: the cell its grid point falls in.
    let (cx, cy) = (state.cursor[0].min(nx - 1), state.cursor[1].min(ny - 1));
    let col = ((cx * map.width as usize) / nx).min(map.width as usize - 1) as u16;
    let row = (((ny - 1 - cy) * map.height as usize) / ny).min(map.height as usize - 1) as u16;
    buf[(map.x + col, map.y + row)].set_char('◆').set_style(
        theme
            .title()
            .add_modifier(ratatui::style::Modifier::REVERSED),
    );
    // y labels: top and bottom values.
    let yl = |i: usize| num::sig(ya.values[i], 3);
    buf.set_stringn(
        area.x,
        map.y,
        yl(ny - 1),
        label_w as usize - 1,
        theme.axis(),
    );
    buf.set_stringn(
        area.x,
        map.y + map.height / 2,
        &ya.name,
        label_w as usize - 1,
        theme.axis(),
    );
    buf.set_stringn(
        area.x,
        map.y + map.height - 1,
        yl(0),
        label_w as usize - 1,
        theme.axis(),
    );
    // x labels.
    let xrow = map.y + map.height;
    buf.set_stringn(map.x, xrow, num::sig(xa.values[0], 3), 10, theme.axis());
    let name = format!("{} →", xa.name);
    buf.set_stringn(
        map.x + map.width / 2 - (name.chars().count() as u16 / 2).min(map.width / 2),
        xrow,
        &name,
        20,
        theme.axis(),
    );
    let last = num::sig(xa.values[nx - 1], 3);
    buf.set_stringn(
        map.x + map.width.saturating_sub(last.chars().count() as u16),
        xrow,
        &last,
        10,
        theme.axis(),
    );
    // Colour bar.
    let bar_row = xrow + 1;
    let bar_w = map.width.min(40);
    let mut spans = vec![Span::styled(
        format!(
            "final {var} {} ",
            if hi >= lo {
                num::sig(lo, 4)
            } else {
                "—".into()
            }
        ),
        theme.axis(),
    )];
    for i in 0..bar_w {
        let t = i as f64 / (bar_w - 1).max(1) as f64;
        spans.push(match colormap::color(t, theme.depth) {
            Some(c) => Span::styled(" ", Style::new().bg(c)),
            None => Span::raw(colormap::shade(t).to_string()),
        });
    }
    spans.push(Span::styled(
        format!(
            " {}",
            if hi >= lo {
                num::sig(hi, 4)
            } else {
                "—".into()
            }
        ),
        theme.axis(),
    ));
    buf.set_line(map.x, bar_row, &Line::from(spans), map.width);
}

#[cfg(test)]
mod tests {
    use super::progress_bar;

    #[test]
    fn bars() {
        assert_eq!(progress_bar(0, 10, 4), "[░░░░]");
        assert_eq!(progress_bar(5, 10, 4), "[██░░]");
        assert_eq!(progress_bar(10, 10, 4), "[████]");
        assert_eq!(progress_bar(0, 0, 2), "[██]");
    }
}
