//! `e` in the dashboard: write the current scenario — every run's recorded
//! history and final state — to `<dir>/<scenario>-<time>.csv` and `.json`.
//!
//! Both files are written atomically (a temporary file in the same
//! directory, then a rename), so a reader never sees half a file and a
//! failed export leaves nothing behind. The CSV has the columns of
//! `downhill run --format csv`; the JSON is the object of
//! `downhill run --format json` with each run's history added. Runs longer
//! than the history's full-detail window (4096 epochs) export their
//! decimated history (`"complete": false`): the last row of every bucket,
//! then the last 256 epochs in full.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::{Slot, col};
use crate::report::run::summary_json;
use crate::report::{csv_field, csv_header};
use crate::scenario::to_toml;
use crate::text::num;

/// The history rows of run `i`: `(epoch, [loss, lr, grad_norm, params…])`.
fn rows(slot: &Slot, i: usize, dim: usize) -> Vec<(u64, Vec<f64>)> {
    slot.rows(i)
        .into_iter()
        .map(|(e, r)| (e, r[..col::PARAMS + dim].to_vec()))
        .collect()
}

/// The CSV text: one row per run per recorded epoch.
pub fn csv_text(slot: &Slot) -> String {
    let sc = &slot.scenario;
    let mut out = csv_header(&sc.vars);
    out.push('\n');
    for (i, run) in slot.race.runs()[..slot.histories.len()].iter().enumerate() {
        let name = csv_field(&run.spec().name);
        for (epoch, r) in rows(slot, i, sc.dim()) {
            out.push_str(&format!(
                "{name},{epoch},{},{},{}",
                num::csv(if epoch == 0 { f64::NAN } else { r[col::LR] }),
                num::csv(r[col::LOSS]),
                num::csv(r[col::GRAD_NORM])
            ));
            for p in &r[col::PARAMS..] {
                out.push(',');
                out.push_str(&num::csv(*p));
            }
            out.push('\n');
        }
    }
    out
}

/// The JSON value: `downhill run`'s object, each run with its `history`.
pub fn json_value(slot: &Slot) -> Value {
    let sc = &slot.scenario;
    let mut v = summary_json(sc, &slot.race);
    if let Some(runs) = v.get_mut("runs").and_then(Value::as_array_mut) {
        for (i, (rv, h)) in runs.iter_mut().zip(&slot.histories).enumerate() {
            let rows = rows(slot, i, sc.dim());
            let mut hist = Map::new();
            let column = |c: usize| Value::Array(rows.iter().map(|r| num::json(r.1[c])).collect());
            let epochs = rows.iter().map(|r| Value::from(r.0)).collect();
            hist.insert("epoch".into(), Value::Array(epochs));
            hist.insert("lr".into(), column(col::LR));
            hist.insert("loss".into(), column(col::LOSS));
            hist.insert("grad_norm".into(), column(col::GRAD_NORM));
            for (d, var) in sc.vars.iter().enumerate() {
                hist.insert(var.clone(), column(col::PARAMS + d));
            }
            hist.insert("complete".into(), Value::Bool(h.is_complete()));
            if let Some(o) = rv.as_object_mut() {
                o.insert("history".into(), Value::Object(hist));
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.insert("epoch".into(), Value::from(slot.race.epoch()));
    }
    v
}

/// A file-name-safe version of a title: lowercase letters, digits and `-`.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "scenario".into()
    } else {
        out.chars().take(48).collect()
    }
}

/// `YYYYMMDD-HHMMSS` (UTC) of a time.
pub fn timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Write `bytes` to `path` atomically: a temporary sibling, flushed, then
/// renamed over `path`. On failure the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `S` in the dashboard: write the scenario as it stands — each run's current
/// base rate, the placed start if any — to `<dir>/<scenario>-<time>.toml`
/// (atomically); the path written. Loading that file gives the same race
/// from its start; a rate changed mid-run is written as the run's rate from
/// the start, and a comment at the top says so.
pub fn save(slot: &Slot, dir: &Path, now: SystemTime) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let sc = slot.current_scenario();
    let mut note = vec![format!(
        "Saved by downhill from {} at epoch {}.",
        crate::text::printable(&slot.scenario.source),
        slot.race.epoch()
    )];
    for e in slot.edits().iter().filter(|e| e.epoch > 0) {
        if let Some(r) = sc.runs.get(e.run) {
            note.push(format!(
                "The lr of `{}` was changed to {} at epoch {}; here it is its rate from the start.",
                r.name, e.lr, e.epoch
            ));
        }
    }
    let path = dir.join(format!("{}-{}.toml", slug(&sc.title), timestamp(now)));
    write_atomic(&path, to_toml(&sc, &note).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Export `slot` into `dir` (created if needed); the two paths written.
pub fn export(slot: &Slot, dir: &Path, now: SystemTime) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stem = format!("{}-{}", slug(&slot.scenario.title), timestamp(now));
    let csv = dir.join(format!("{stem}.csv"));
    let json = dir.join(format!("{stem}.json"));
    write_atomic(&csv, csv_text(slot).as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", csv.display()))?;
    let text = serde_json::to_string_pretty(&json_value(slot)).unwrap_or_default();
    if let Err(e) = write_atomic(&json, text.as_bytes()) {
        let _ = std::fs::remove_file(&csv);
        return Err(format!("cannot write {}: {e}", json.display()));
    }
    Ok((csv, json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn slugs() {
        assert_eq!(slug("Peaks: descent in 2D"), "peaks-descent-in-2d");
        assert_eq!(slug("  ★★ "), "scenario");
        assert_eq!(
            slug("Fixed vs dynamic learning rate"),
            "fixed-vs-dynamic-learning-rate"
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(UNIX_EPOCH), "19700101-000000");
        // 2026-11-26 23:50:15 UTC
        let t = UNIX_EPOCH + Duration::from_secs(1_795_737_015);
        assert_eq!(timestamp(t), "20261126-235015");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(timestamp(t), "20000229-000000");
    }

    #[test]
    fn atomic_writes_leave_no_temporary_files() {
        let dir = std::env::temp_dir().join(format!("downhill-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // Into a missing directory: an error, nothing written.
        assert!(write_atomic(&dir.join("no/such/b.txt"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
