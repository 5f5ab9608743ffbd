//! The headless commands: `run`, `check`, `list`. Every number they print is
//! the core's own, with full f64 precision (shortest round-trip form).
//!
//! A many-start scenario (`starts = N`) runs every run from every start.
//! The JSON's per-run fields describe start 0, and each run gains a
//! `starts` array (every start) and a `basins` array (where they ended, see
//! [`crate::descent::basins`]); the table adds a basins summary; the CSV
//! streams start 0 only.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Map, Value, json};

use crate::cli::Format;
use crate::descent::Function;
use crate::descent::basins::{self, Summary};
use crate::descent::race::Race;
use crate::descent::run::{Run, Status};
use crate::scenario::{self, LoadError, Scenario, bundled};

/// Load a scenario named on the command line: a file, or failing that a
/// bundled scenario's name.
pub fn resolve(file: &Path) -> Result<Scenario, LoadError> {
    if !file.exists()
        && let Some(name) = file.to_str()
        && let Some((name, text)) = bundled::find(name)
    {
        return scenario::parse(&bundled::label(name), text);
    }
    scenario::load_file(file).map_err(|mut e| {
        if !file.exists() {
            e.message
                .push_str(" (nor is it a bundled scenario; `downhill list` shows those)");
        }
        e
    })
}

/// `downhill run FILE --format …`
pub fn run(file: &Path, format: Format) -> ExitCode {
    let sc = match resolve(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = match format {
        Format::Json => {
            let race = finish(&sc);
            writeln!(out, "{}", summary_json(&sc, &race))
        }
        Format::Table => {
            let race = finish(&sc);
            write_table(&mut out, &sc, &race)
        }
        Format::Csv => write_csv(&mut out, &sc),
    };
    match result.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("downhill: cannot write output: {e}");
            ExitCode::from(1)
        }
    }
}

/// Run the scenario's first race (generation 0) to the end: every run from
/// every start, laid out as [`Scenario::full_race`] lays it out.
pub fn finish(sc: &Scenario) -> Race<crate::descent::expr::Evaluator> {
    let mut race = sc.full_race(0);
    while race.step() {}
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

/// A status as the tables and JSON print it.
pub fn status_text(s: Status) -> String {
    match s {
        Status::Running => "running".into(),
        Status::Finished => "finished".into(),
        Status::Converged { at } => format!("converged @ {at}"),
        Status::Diverged { at } => format!("diverged @ {at}"),
    }
}

/// A status as one word: `running`, `finished`, `converged`, `diverged`.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Running => "running",
        Status::Finished => "finished",
        Status::Converged { .. } => "converged",
        Status::Diverged { .. } => "diverged",
    }
}

/// A finite number as JSON, anything else as `null`.
pub fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn point(vars: &[String], p: &[f64]) -> Value {
    let mut m = Map::new();
    for (k, v) in vars.iter().zip(p) {
        m.insert(k.clone(), num(*v));
    }
    Value::Object(m)
}

/// One run's final state as the JSON of `downhill run`.
pub fn run_json<F: Function>(vars: &[String], run: &Run<F>) -> Value {
    let diverged_at = match run.status() {
        Status::Diverged { at } => json!(at),
        _ => Value::Null,
    };
    json!({
        "name": run.spec().name,
        "schedule": run.spec().schedule.name(),
        "status": status_word(run.status()),
        "epochs": run.epoch(),
        "start": point(vars, &run.spec().start),
        "final": point(vars, run.params()),
        "loss": num(run.loss()),
        "grad_norm": num(run.grad_norm()),
        "lr": num(run.lr()),
        "diverged_at": diverged_at,
    })
}

/// One start's end, for a run's `starts` array.
fn start_json<F: Function>(vars: &[String], run: &Run<F>) -> Value {
    json!({
        "start": point(vars, &run.spec().start),
        "final": point(vars, run.params()),
        "loss": num(run.loss()),
        "status": status_word(run.status()),
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
                            "loss": num(b.loss),
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

/// Quote a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A number as CSV writes it: shortest round-trip form, empty when absent.
/// Very small and very large magnitudes take an exponent (`1e-300`, not
/// 300 digits).
pub fn csv_num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v != 0.0 && v.is_finite() && !(1e-5..1e16).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// The CSV header: run, epoch, lr, loss, grad_norm, then one column per variable.
pub fn csv_header(vars: &[String]) -> String {
    let mut h = String::from("run,epoch,lr,loss,grad_norm");
    for v in vars {
        h.push(',');
        h.push_str(&csv_field(v));
    }
    h
}

fn csv_row<F: Function>(run: &Run<F>, name: &str) -> String {
    let mut row = format!(
        "{},{},{},{},{}",
        name,
        run.epoch(),
        csv_num(if run.epoch() == 0 { f64::NAN } else { run.lr() }),
        csv_num(run.loss()),
        csv_num(run.grad_norm())
    );
    for p in run.params() {
        row.push(',');
        row.push_str(&csv_num(*p));
    }
    row
}

/// Stream one row per run per epoch (epoch 0 is the start, with no lr),
/// stepping the race as it goes: nothing is kept in memory.
fn write_csv(out: &mut impl Write, sc: &Scenario) -> io::Result<()> {
    let mut race = sc.race(0);
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
    }
    Ok(())
}

fn write_table<F: Function>(out: &mut impl Write, sc: &Scenario, race: &Race<F>) -> io::Result<()> {
    writeln!(out, "{}", sc.title)?;
    writeln!(
        out,
        "f({}) = {}",
        sc.vars.join(", "),
        scenario::printable(&sc.f)
    )?;
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
            status_text(r.status()),
            r.epoch().to_string(),
        ];
        row.extend(r.params().iter().map(|v| fmt_g(*v)));
        row.extend([fmt_g(r.loss()), fmt_g(r.grad_norm()), fmt_g(r.lr())]);
        if let Some(m) = &sc.minimum {
            row.push(fmt_g(crate::descent::run::distance(r.params(), m)));
        }
        rows.push(row);
    }
    // Columns, not characters: a run name may hold wide characters.
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| {
            rows.iter()
                .map(|r| scenario::display_width(&r[c]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let pad = " ".repeat(w.saturating_sub(scenario::display_width(cell)));
                if i < 3 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
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
        fmt_g(basins::radius(&sc.domain))
    )?;
    for (cfg, s) in sc.runs.iter().zip(sums) {
        writeln!(out, "{}", cfg.name)?;
        let rows: Vec<[String; 4]> = s
            .basins
            .iter()
            .map(|b| {
                let at: Vec<String> = b.at.iter().map(|v| fmt_g(*v)).collect();
                [
                    format!("({})", at.join(", ")),
                    fmt_g(b.loss),
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

/// A number in at most about 10 characters: plain where that reads well,
/// scientific for the very large and very small.
pub fn fmt_g(v: f64) -> String {
    if v.is_nan() {
        return "—".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-4..1e6).contains(&a) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.7}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        let digits = if a >= 1000.0 { 2 } else { 7 };
        let t = format!("{v:.digits$}");
        if t.len() < s.len() {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    }
}

/// `downhill check PATH…`
pub fn check(paths: &[PathBuf]) -> ExitCode {
    let mut bad = 0usize;
    let mut seen = 0usize;
    for entry in scenario::expand_paths(paths) {
        seen += 1;
        match entry.and_then(|p| scenario::load_file(&p).map(|s| (p, s))) {
            Ok((p, s)) => println!(
                "ok  {}  {} ({} variable{}, {} run{}{}, {} epochs)",
                scenario::printable(&p.display().to_string()),
                s.title,
                s.dim(),
                if s.dim() == 1 { "" } else { "s" },
                s.runs.len(),
                if s.runs.len() == 1 { "" } else { "s" },
                starts_note(&s),
                s.epochs
            ),
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
            }
        }
    }
    if seen == 0 {
        eprintln!("downhill check: no scenario files found (directories are searched for *.toml)");
        return ExitCode::from(1);
    }
    if bad > 0 {
        eprintln!("{bad} of {seen} scenario files have errors");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// ` × 24 starts` for a many-start scenario, else nothing.
fn starts_note(s: &Scenario) -> String {
    s.starts.map_or(String::new(), |n| format!(" × {n} starts"))
}

/// `downhill list`
pub fn list() -> ExitCode {
    let width = bundled::ALL.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (r, (name, _)) in bundled::load_all().into_iter().zip(bundled::ALL) {
        match r {
            Ok(s) => println!(
                "{name:<width$}  {}D  {} runs{}  {}",
                s.dim(),
                s.runs.len(),
                starts_note(&s),
                s.title
            ),
            Err(e) => println!("{name:<width$}  error: {e}"),
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        assert_eq!(fmt_g(0.4969218), "0.4969218");
        assert_eq!(fmt_g(0.5), "0.5");
        assert_eq!(fmt_g(-2.0e70), "-2.000e70");
        assert_eq!(fmt_g(1234.5678), "1234.57");
        assert_eq!(fmt_g(0.0), "0");
        assert_eq!(fmt_g(f64::NAN), "—");
        assert_eq!(fmt_g(3.25), "3.25");
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_num(f64::NAN), "");
        assert_eq!(csv_num(0.1), "0.1");
        assert_eq!(csv_num(-2.0), "-2");
        assert_eq!(csv_num(1e-300), "1e-300");
        assert_eq!(csv_num(-2.5e200), "-2.5e200");
        assert_eq!(csv_num(123456.789), "123456.789");
        for v in [1e-300, 3.3e-7, 1e16, f64::MAX, f64::MIN_POSITIVE, 5e-324] {
            assert_eq!(csv_num(v).parse::<f64>().unwrap(), v);
        }
    }
}
