//! Sweeps as text: the JSON, CSV and table of `downhill sweep`.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{csv_field, write_aligned};
use crate::descent::run::Status;
use crate::scenario::{Scenario, SweepParam};
use crate::sweep::{Axis, PointResult, SweepGrid};
use crate::text::num::{self, general};
use crate::text::printable;

/// One computed point as the JSON of `downhill sweep` writes it:
/// `{param: value, …, "final": {var: value}, "loss", "status"}`.
fn point_json(sc: &Scenario, axes: &[Axis], p: &PointResult) -> Value {
    let mut m = Map::new();
    for (axis, v) in axes.iter().zip(&p.params) {
        let value = match axis.param {
            SweepParam::Epochs => json!(*v as u64),
            _ => num::json(*v),
        };
        m.insert(axis.name.clone(), value);
    }
    let mut fin = Map::new();
    for (var, v) in sc.vars.iter().zip(&p.final_pos) {
        fin.insert(var.clone(), num::json(*v));
    }
    m.insert("final".into(), Value::Object(fin));
    m.insert("loss".into(), num::json(p.loss));
    m.insert("status".into(), json!(p.status.word()));
    Value::Object(m)
}

/// The JSON of `downhill sweep --format json`: `{"axes": [param, …],
/// "points": [point, …]}`, points in grid order (those not computed yet are
/// left out).
pub fn to_json(sc: &Scenario, grid: &SweepGrid) -> Value {
    let axes: Vec<&str> = grid.axes.iter().map(|a| a.name.as_str()).collect();
    let points: Vec<Value> = grid
        .points
        .iter()
        .flatten()
        .map(|p| point_json(sc, &grid.axes, p))
        .collect();
    json!({ "axes": axes, "points": points })
}

/// [`to_json`]'s text, one line, written point by point as `points` come
/// (the whole value is never built, nor the grid held).
pub fn write_json<P: Borrow<PointResult>>(
    out: &mut impl Write,
    sc: &Scenario,
    axes: &[Axis],
    points: impl IntoIterator<Item = P>,
) -> io::Result<()> {
    let names: Vec<&str> = axes.iter().map(|a| a.name.as_str()).collect();
    write!(out, "{{\"axes\":{},\"points\":[", json!(names))?;
    for (i, p) in points.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &point_json(sc, axes, p.borrow()))?;
    }
    writeln!(out, "]}}")
}

/// The CSV of `downhill sweep --format csv`: a header
/// `<param>,…,<var>,…,loss,status`, then one row per point as `points` come.
pub fn write_csv<P: Borrow<PointResult>>(
    out: &mut impl Write,
    sc: &Scenario,
    axes: &[Axis],
    points: impl IntoIterator<Item = P>,
) -> io::Result<()> {
    let header: Vec<String> = axes
        .iter()
        .map(|a| a.name.as_str())
        .chain(sc.vars.iter().map(String::as_str))
        .chain(["loss", "status"])
        .map(csv_field)
        .collect();
    writeln!(out, "{}", header.join(","))?;
    // One line buffer for every row: no allocation per value.
    let mut line = String::new();
    for p in points {
        let p = p.borrow();
        line.clear();
        for v in p.params.iter().chain(&p.final_pos).chain([&p.loss]) {
            num::csv_into(&mut line, *v);
            line.push(',');
        }
        line.push_str(p.status.word());
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Points that ended in the same place (final position rounded to 1e-3).
struct Place {
    key: Vec<i64>,
    count: usize,
    min_loss: f64,
    /// Per axis, the smallest and largest value that led here.
    ranges: Vec<(f64, f64)>,
}

/// Most places the table lists.
const MAX_PLACES: usize = 20;

/// Most places the table tells apart; points ending anywhere else are
/// counted together, so a grid whose every point ends somewhere new costs
/// bounded memory.
pub const MAX_TRACKED_PLACES: usize = 1 << 16;

/// The human summary of `downhill sweep`: the axes, the grid size, where the
/// runs ended (final positions rounded to 1e-3, most common first, with the
/// axis values that led there) and how many diverged. The header is written
/// first; `points` (of a grid of `total` over `axes`) are read as they come.
pub fn write_table<P: Borrow<PointResult>>(
    out: &mut impl Write,
    sc: &Scenario,
    axes: &[Axis],
    total: usize,
    points: impl IntoIterator<Item = P>,
) -> io::Result<()> {
    let run = sc
        .sweep
        .as_ref()
        .and_then(|s| sc.runs.get(s.run))
        .map_or("?", |r| r.name.as_str());
    writeln!(out, "{}", sc.title)?;
    writeln!(out, "f({}) = {}", sc.vars.join(", "), printable(&sc.f))?;
    let max_epochs = axes
        .iter()
        .find(|a| a.param == SweepParam::Epochs)
        .map_or(sc.epochs, |a| {
            a.values.iter().fold(1.0f64, |m, v| m.max(*v)) as u64
        });
    writeln!(
        out,
        "sweep of run `{run}`, up to {max_epochs} epochs per point"
    )?;
    let name_w = axes.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for a in axes {
        let spacing = match (a.values.first(), a.values.last(), a.values.len()) {
            (Some(f), Some(l), n) if n > 1 => {
                format!(
                    "{n} values from {} to {}{}",
                    general(*f),
                    general(*l),
                    if a.log { ", log-spaced" } else { "" }
                )
            }
            (Some(f), _, _) => format!("1 value: {}", general(*f)),
            _ => "no values".into(),
        };
        writeln!(out, "  {:<name_w$}  {spacing}", a.name)?;
    }
    let mut computed = 0;
    let (mut finished, mut converged, mut diverged) = (0, 0, 0);
    let mut places: BTreeMap<Vec<i64>, Place> = BTreeMap::new();
    // Points that ended in a place past the first MAX_TRACKED_PLACES.
    let mut untracked = 0;
    for p in points {
        let p = p.borrow();
        computed += 1;
        match p.status {
            Status::Diverged { .. } => {
                diverged += 1;
                continue;
            }
            Status::Converged { .. } => converged += 1,
            _ => finished += 1,
        }
        let key: Vec<i64> = p
            .final_pos
            .iter()
            .map(|v| (v * 1000.0).round() as i64)
            .collect();
        if places.len() >= MAX_TRACKED_PLACES && !places.contains_key(&key) {
            untracked += 1;
            continue;
        }
        let place = places.entry(key.clone()).or_insert_with(|| Place {
            key,
            count: 0,
            min_loss: f64::INFINITY,
            ranges: p.params.iter().map(|&v| (v, v)).collect(),
        });
        place.count += 1;
        place.min_loss = place.min_loss.min(p.loss);
        for (r, &v) in place.ranges.iter_mut().zip(&p.params) {
            r.0 = r.0.min(v);
            r.1 = r.1.max(v);
        }
    }
    let shape: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
    let mut line = if shape.len() > 1 {
        format!("{total} points ({})", shape.join(" × "))
    } else {
        format!("{total} points")
    };
    if computed < total {
        line.push_str(&format!(", {computed} computed"));
    }
    line.push_str(&format!(
        ": {finished} finished, {converged} converged, {diverged} diverged"
    ));
    writeln!(out, "{line}")?;
    if places.is_empty() {
        return Ok(());
    }
    let mut places: Vec<Place> = places.into_values().collect();
    places.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    writeln!(out)?;
    let counted = if untracked > 0 {
        format!("more than {MAX_TRACKED_PLACES} places")
    } else {
        format!(
            "{} place{}",
            places.len(),
            if places.len() == 1 { "" } else { "s" }
        )
    };
    writeln!(
        out,
        "where they ended ({counted}, final position rounded to 1e-3):"
    )?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header: Vec<String> = sc.vars.clone();
    header.extend(["loss".into(), "points".into()]);
    header.extend(axes.iter().map(|a| a.name.clone()));
    rows.push(header);
    for p in places.iter().take(MAX_PLACES) {
        let mut row: Vec<String> = p
            .key
            .iter()
            .map(|&k| format!("{:.3}", k as f64 / 1000.0))
            .collect();
        row.push(general(p.min_loss));
        row.push(p.count.to_string());
        for &(lo, hi) in &p.ranges {
            row.push(if lo == hi {
                general(lo)
            } else {
                format!("{} … {}", general(lo), general(hi))
            });
        }
        rows.push(row);
    }
    let first_axis = sc.vars.len() + 2;
    write_aligned(out, &rows, "  ", |c| c >= first_axis)?;
    if places.len() > MAX_PLACES || untracked > 0 {
        let rest: usize = places
            .iter()
            .skip(MAX_PLACES)
            .map(|p| p.count)
            .sum::<usize>()
            + untracked;
        let more = places.len().saturating_sub(MAX_PLACES);
        let more = if untracked > 0 {
            format!("more than {more}")
        } else {
            more.to_string()
        };
        writeln!(out, "  … and {more} more places ({rest} points)")?;
    }
    if diverged > 0 {
        writeln!(out, "diverged: {diverged} points")?;
    }
    Ok(())
}
