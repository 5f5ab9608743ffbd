//! Results as text: every table, CSV and JSON downhill writes about runs and
//! sweeps, in one place. Writers take any `io::Write` and stream (a CSV of a
//! long run is written epoch by epoch, never held whole); the commands that
//! call them decide where the bytes go.
//!
//! | function | output |
//! | --- | --- |
//! | [`run::summary_json`] | `downhill run --format json`, and the JSON export without its histories |
//! | [`run::write_csv`] | `downhill run --format csv`: one row per run per epoch |
//! | [`run::write_table`] | `downhill run`'s table, and the basins of a many-start scenario |
//! | [`sweep::write_json`] | `downhill sweep --format json` |
//! | [`sweep::write_csv`] | `downhill sweep --format csv` |
//! | [`sweep::write_table`] | `downhill sweep`'s summary: where the runs ended |
//!
//! Numbers are [`crate::text::num`]'s; text from a scenario file is passed
//! through [`crate::text::printable`] in tables (CSV and JSON quote it).

pub mod run;
pub mod sweep;

use std::io::{self, Write};

use crate::text::display_width;

/// Quote a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV header of run output: run, epoch, lr, loss, grad_norm, then one
/// column per variable.
pub fn csv_header(vars: &[String]) -> String {
    let mut h = String::from("run,epoch,lr,loss,grad_norm");
    for v in vars {
        h.push(',');
        h.push_str(&csv_field(v));
    }
    h
}

/// Write `rows` as aligned columns two spaces apart, each line after
/// `indent` and without trailing blanks. Columns are measured in terminal
/// columns (a name may hold wide characters); `left(c)` says whether column
/// `c` is left-aligned (text) or right-aligned (numbers).
pub fn write_aligned(
    out: &mut impl Write,
    rows: &[Vec<String>],
    indent: &str,
    left: impl Fn(usize) -> bool,
) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| display_width(s))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let pad = " ".repeat(w.saturating_sub(display_width(cell)));
                if left(i) {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        writeln!(out, "{indent}{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn aligned_columns_count_terminal_columns() {
        let rows = vec![
            vec!["run".to_string(), "loss".into()],
            vec!["火箭".to_string(), "0.5".into()],
        ];
        let mut out = Vec::new();
        write_aligned(&mut out, &rows, "  ", |c| c == 0).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  run   loss\n  火箭   0.5\n"
        );
    }
}
