//! Runs as text: the JSON, CSV and table of `downhill run`.
//!
//! A many-start scenario (`starts = N`) runs every run from every start.
//! The JSON's per-run fields describe start 0, and each run gains a
//! `starts` array (every start) and a `basins` array (where they ended, see
//! [`crate::descent::basins`]); the table adds a basins summary; the CSV
//! streams start 0 only.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{csv_field, csv_header, write_aligned};
use crate::descent::Function;
use crate::descent::basins::{self, Summary};
use crate::descent::expr::Evaluator;
use crate::descent::race::Race;
use crate::descent::run::{Run, Status, distance};
use crate::descent::schedule::Schedule;
use crate::scenario::Scenario;
use crate::text::num::{self, general};
use crate::text::printable;

/// Run the scenario's first race (generation 0) to the end: every run from
/// every start, laid out as [`Scenario::full_race`] lays it out.
pub fn finish(sc: &Scenario) -> Race<Evaluator> {
    finish_until(sc, |_| true)
}

/// Run steps between two calls of a progress callback (a few ms of work).
const TICK_STEPS: usize = 1 << 16;

/// Race steps between two calls of a progress callback, for a race of
/// `width` runs.
fn tick_every(width: usize) -> usize {
    (TICK_STEPS / width.max(1)).max(1)
}

/// [`finish`], calling `go_on(epoch)` every few milliseconds of work with
/// the race's epoch; the race stops where it is when `go_on` returns false
/// (its runs still `running`).
pub fn finish_until(sc: &Scenario, mut go_on: impl FnMut(u64) -> bool) -> Race<Evaluator> {
    let mut race = sc.full_race(0);
    let every = tick_every(race.runs().len());
    'race: loop {
        for _ in 0..every {
            if !race.step() {
                break 'race;
            }
        }
        if !go_on(race.epoch()) {
            break;
        }
    }
    race
}

/// Where the starts of each run ended, for a many-start race as
/// [`finish`] returns it; `None` for a single-start scenario.
pub fn basins_of<F: Function>(sc: &Scenario, race: &Race<F>) -> Option<Vec<Summary>> {
    sc.starts?;
    Some(basins::summarize_race(
        race.runs(),
        sc.runs.len(),
        basins::radius(&sc.domain),
        sc.tolerance.is_some(),
    ))
}

fn point(vars: &[String], p: &[f64]) -> Value {
    let mut m = Map::new();
    for (k, v) in vars.iter().zip(p) {
        m.insert(k.clone(), num::json(*v));
    }
    Value::Object(m)
}

/// One run's final state as the JSON of `downhill run`.
pub fn run_json<F: Function>(vars: &[String], run: &Run<F>) -> Value {
    let diverged_at = match run.status() {
        Status::Diverged { at } => json!(at),
        _ => Value::Null,
    };
    let mut v = json!({
        "name": run.spec().name,
        "schedule": run.spec().schedule.name(),
        "status": run.status().word(),
        "epochs": run.epoch(),
        "start": point(vars, &run.spec().start),
        "final": point(vars, run.params()),
        "loss": num::json(run.loss()),
        "grad_norm": num::json(run.grad_norm()),
        "lr": num::json(run.lr()),
        "diverged_at": diverged_at,
        "noise": num::json(run.spec().noise.map_or(0.0, |n| n.sigma)),
        "f_evals": run.f_evals(),
        "g_evals": run.g_evals(),
    });
    if let (Schedule::Expr(rate), Value::Object(m)) = (&run.spec().schedule, &mut v) {
        m.insert("rate".into(), Value::from(rate.source()));
    }
    v
}

/// One start's end, for a run's `starts` array.
fn start_json<F: Function>(vars: &[String], run: &Run<F>) -> Value {
    json!({
        "start": point(vars, &run.spec().start),
        "final": point(vars, run.params()),
        "loss": num::json(run.loss()),
        "status": run.status().word(),
    })
}

/// The whole JSON object of `downhill run --format json`. `race` is laid
/// out as [`Scenario::full_race`] lays it out; the per-run fields describe
/// start 0.
pub fn summary_json<F: Function>(sc: &Scenario, race: &Race<F>) -> Value {
    let n = sc.runs.len().min(race.runs().len());
    let all = race.runs();
    let summaries = basins_of(sc, race);
    let runs: Vec<Value> = all[..n]
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = run_json(&sc.vars, r);
            if let (Some(sums), Value::Object(m)) = (&summaries, &mut v) {
                let starts: Vec<Value> = all
                    .iter()
                    .skip(i)
                    .step_by(n)
                    .map(|s| start_json(&sc.vars, s))
                    .collect();
                let found: Vec<Value> = sums[i]
                    .basins
                    .iter()
                    .map(|b| {
                        json!({
                            "at": point(&sc.vars, &b.at),
                            "loss": num::json(b.loss),
                            "count": b.count,
                            "global": b.global,
                        })
                    })
                    .collect();
                m.insert("starts".into(), Value::Array(starts));
                m.insert("basins".into(), Value::Array(found));
            }
            v
        })
        .collect();
    json!({
        "scenario": sc.title,
        "variables": sc.vars,
        "runs": runs,
    })
}

fn csv_row<F: Function>(run: &Run<F>, name: &str) -> String {
    let mut row = format!(
        "{},{},{},{},{}",
        name,
        run.epoch(),
        num::csv(if run.epoch() == 0 { f64::NAN } else { run.lr() }),
        num::csv(run.loss()),
        num::csv(run.grad_norm())
    );
    for p in run.params() {
        row.push(',');
        row.push_str(&num::csv(*p));
    }
    row
}

/// Stream one row per run per epoch (epoch 0 is the start, with no lr),
/// stepping the race as it goes: nothing is kept in memory.
pub fn write_csv(out: &mut impl Write, sc: &Scenario) -> io::Result<()> {
    write_csv_until(out, sc, |_| true)
}

/// [`write_csv`], calling `go_on(epoch)` every few milliseconds of work;
/// the rows end where they are when it returns false.
pub fn write_csv_until(
    out: &mut impl Write,
    sc: &Scenario,
    mut go_on: impl FnMut(u64) -> bool,
) -> io::Result<()> {
    let mut race = sc.race(0);
    // Printing a row costs more than a step.
    let every = (tick_every(race.runs().len()) / 16).max(1);
    let mut steps = 0;
    writeln!(out, "{}", csv_header(&sc.vars))?;
    let names: Vec<String> = race
        .runs()
        .iter()
        .map(|r| csv_field(&r.spec().name))
        .collect();
    for (r, name) in race.runs().iter().zip(&names) {
        writeln!(out, "{}", csv_row(r, name))?;
    }
    loop {
        let before: Vec<u64> = race.runs().iter().map(|r| r.epoch()).collect();
        if !race.step() {
            break;
        }
        for ((r, name), b) in race.runs().iter().zip(&names).zip(&before) {
            if r.epoch() != *b {
                writeln!(out, "{}", csv_row(r, name))?;
            }
        }
        steps += 1;
        if steps % every == 0 && !go_on(race.epoch()) {
            break;
        }
    }
    Ok(())
}

pub fn write_table<F: Function>(
    out: &mut impl Write,
    sc: &Scenario,
    race: &Race<F>,
) -> io::Result<()> {
    writeln!(out, "{}", sc.title)?;
    writeln!(out, "f({}) = {}", sc.vars.join(", "), printable(&sc.f))?;
    let mut header = vec![
        "run".to_string(),
        "schedule".into(),
        "status".into(),
        "epochs".into(),
    ];
    header.extend(sc.vars.iter().cloned());
    header.extend(["loss".into(), "|grad|".into(), "lr".into()]);
    if sc.minimum.is_some() {
        header.push("dist to min".into());
    }
    let mut rows = vec![header];
    for r in race.runs().iter().take(sc.runs.len()) {
        let mut row = vec![
            r.spec().name.clone(),
            r.spec().schedule.name().to_string(),
            r.status().to_string(),
            r.epoch().to_string(),
        ];
        row.extend(r.params().iter().map(|v| general(*v)));
        row.extend([general(r.loss()), general(r.grad_norm()), general(r.lr())]);
        if let Some(m) = &sc.minimum {
            row.push(general(distance(r.params(), m)));
        }
        rows.push(row);
    }
    write_aligned(out, &rows, "", |c| c < 3)?;
    if let Some(sums) = basins_of(sc, race) {
        write_basins(out, sc, &sums)?;
    }
    Ok(())
}

/// The basins summary under the table of a many-start scenario.
fn write_basins(out: &mut impl Write, sc: &Scenario, sums: &[Summary]) -> io::Result<()> {
    let n = sc.start_count();
    writeln!(out)?;
    writeln!(
        out,
        "Basins: where the {n} starts of each run ended (end points within {} are one basin; the table above is start 1)",
        general(basins::radius(&sc.domain))
    )?;
    for (cfg, s) in sc.runs.iter().zip(sums) {
        writeln!(out, "{}", cfg.name)?;
        let rows: Vec<[String; 4]> = s
            .basins
            .iter()
            .map(|b| {
                let at: Vec<String> = b.at.iter().map(|v| general(*v)).collect();
                [
                    format!("({})", at.join(", ")),
                    general(b.loss),
                    format!("{}/{n}", b.count),
                    if b.global {
                        "★ global".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        let w = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
        let (w0, w1, w2) = (w(0), w(1), w(2));
        for r in &rows {
            let line = format!(
                "  at {:<w0$}  loss {:>w1$}  {:>w2$}  {}",
                r[0], r[1], r[2], r[3]
            );
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out, "  {}", s.tally())?;
    }
    Ok(())
}

/// `downhill run --format json`: the race run to the end, as one line of
/// [`summary_json`].
pub fn write_json(out: &mut impl Write, sc: &Scenario) -> io::Result<()> {
    write_race_json(out, sc, &finish(sc))
}

/// One line of [`summary_json`] for a race already run (as far as it got).
pub fn write_race_json<F: Function>(
    out: &mut impl Write,
    sc: &Scenario,
    race: &Race<F>,
) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &summary_json(sc, race))?;
    writeln!(out)
}
