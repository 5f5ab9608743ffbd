//! Axis ranges and labels that stay put while a run advances.
//!
//! Ranges are rounded outward to "nice" steps (1, 2, 5 × 10^k) and are
//! computed from whole-run extremes, which only ever grow: so the axes (and
//! with them every braille cell already drawn) change rarely, which is what
//! keeps redraws cheap over SSH. Ticks depend on the range and the size
//! alone: the ends, then round values (multiples of a 1-2-5 step) as many
//! as fit apart, each at the cell its value is drawn in.

/// A 1-2-5 step near `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = raw.abs().max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let n = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    n * mag
}

/// Largest magnitude an axis shows: beyond it spans overflow.
const AXIS_LIMIT: f64 = 1e300;

/// `[lo, hi]` widened to nice round bounds; never empty, never non-finite,
/// always `lo < hi` (values beyond ±1e300 are clamped there).
pub fn nice_range(lo: f64, hi: f64) -> [f64; 2] {
    if !lo.is_finite() || !hi.is_finite() {
        return [0.0, 1.0];
    }
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let (lo, hi) = (
        lo.clamp(-AXIS_LIMIT, AXIS_LIMIT),
        hi.clamp(-AXIS_LIMIT, AXIS_LIMIT),
    );
    let span = if hi > lo {
        hi - lo
    } else {
        lo.abs().max(1e-12) * 0.2
    };
    let step = nice_step(span / 4.0);
    let mut a = (lo / step).floor() * step;
    let mut b = (hi / step).ceil() * step;
    if a == b {
        a -= step;
        b += step;
    }
    if a.is_finite() && b.is_finite() && a < b {
        [a, b]
    } else if hi > lo {
        [lo, hi]
    } else {
        [lo - 1.0, lo + 1.0]
    }
}

/// What the values of an axis are, and so how its labels read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ticks {
    /// Plain numbers.
    Linear,
    /// Exponents of ten (a log axis): the value 3 reads `1e3`.
    Decades,
    /// Exponents of ten read as the values they stand for (a log axis of
    /// a parameter): the value 3 reads `1000`, −2.5229 reads `0.003`.
    Powers,
}

impl Ticks {
    /// The label of the tick at `v`: round values (`k × step`) in full,
    /// other ends (a domain's) to 5 significant digits.
    pub fn label(self, v: f64) -> String {
        match self {
            Ticks::Linear => crate::text::num::sig(v, 5),
            Ticks::Decades => format!("1e{}", v.round() as i64),
            Ticks::Powers => crate::text::num::sig(10f64.powf(v), 5),
        }
    }
}

/// One label of an axis: its value, the cell it stands at and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub value: f64,
    /// The cell (row from the top, or column from the left) whose values
    /// the label names.
    pub at: u16,
    pub label: String,
}

/// The cell of a canvas `cells` cells long, `dots` dots to a cell, that a
/// value `frac` of the way along falls in (ratatui's own rounding).
pub fn canvas_cell(frac: f64, cells: u16, dots: u16) -> u16 {
    let n = cells.max(1) as f64 * dots.max(1) as f64;
    let dot = (frac.clamp(0.0, 1.0) * (n - 1.0)).round();
    ((dot as u16) / dots.max(1)).min(cells.max(1) - 1)
}

/// The values worth a label on `[lo, hi]` with `step` between round
/// ones: both ends (the top first), then zero and the multiples of `step`
/// more than half a step from either end (so that an end which is not a
/// multiple, the 3 of `[-3, 3]` with a step of 2, is not crowded).
fn candidates(b: [f64; 2], kind: Ticks, step: f64) -> Vec<f64> {
    let [lo, hi] = b;
    let step = match kind {
        Ticks::Linear => step,
        Ticks::Decades | Ticks::Powers => step.max(1.0).round(),
    };
    let mut out = vec![hi, lo];
    if !(step > 0.0 && step.is_finite()) {
        return out;
    }
    let inside = |v: f64| v - lo > step / 2.0 && hi - v > step / 2.0;
    if inside(0.0) {
        out.push(0.0);
    }
    let (first, last) = ((lo / step).floor() + 1.0, (hi / step).ceil() - 1.0);
    if last - first < 64.0 {
        let mut k = first;
        while k <= last {
            let v = k * step;
            if v != 0.0 && inside(v) {
                out.push(v);
            }
            k += 1.0;
        }
    }
    out
}

/// The step between round ticks that puts them `spacing` cells apart or
/// more on an axis of `cells` cells over `b`.
fn step_for(b: [f64; 2], cells: u16, spacing: f64) -> f64 {
    let per_cell = (b[1] - b[0]) / (cells.max(2) - 1) as f64;
    nice_step(per_cell * spacing)
}

/// The labels of a vertical axis `rows` rows tall over `b`, `row(v)` the
/// row (from the top) value `v` is drawn in. Labels never share a row,
/// and from five rows up a blank row parts them: a short chart shows two
/// labels, or one (the top), never merged ones. Round values (1, 2, 5 ×
/// 10^k) between the ends, about one every seven rows at most.
pub fn y_ticks(b: [f64; 2], kind: Ticks, rows: u16, row: impl Fn(f64) -> u16) -> Vec<Tick> {
    if rows == 0 || b[0].partial_cmp(&b[1]) != Some(std::cmp::Ordering::Less) {
        return Vec::new();
    }
    let gap: u16 = if rows >= 5 { 2 } else { 1 };
    let spacing = (gap as f64).max(rows as f64 / 7.0);
    let mut out: Vec<Tick> = Vec::new();
    for v in candidates(b, kind, step_for(b, rows, spacing)) {
        let at = row(v);
        if out.iter().all(|t| t.at.abs_diff(at) >= gap) {
            out.push(Tick {
                value: v,
                at,
                label: kind.label(v),
            });
        }
    }
    out.sort_by_key(|t| t.at);
    out
}

/// Where a label `len` wide naming column `at` of `cols` starts: centred
/// on it, shifted to stay inside (`left_room` columns may be used left of
/// column 0), never off the column it names. `None` if it cannot fit.
pub fn x_label_start(at: u16, len: u16, cols: u16, left_room: u16) -> Option<i32> {
    let (at, len, cols) = (at as i32, len as i32, cols as i32);
    let lo = (-(left_room as i32)).max(at - len + 1);
    let hi = (cols - len).min(at);
    (lo <= hi).then(|| (at - len / 2).clamp(lo, hi))
}

/// The labels of a horizontal axis `cols` columns wide over `b`, `col(v)`
/// the column value `v` is drawn in, `left_room` columns free left of the
/// axis. Labels keep a blank column between them; both ends first, then
/// round values about one every fifth of the width at most.
pub fn x_ticks(
    b: [f64; 2],
    kind: Ticks,
    cols: u16,
    left_room: u16,
    col: impl Fn(f64) -> u16,
) -> Vec<Tick> {
    if cols == 0 || b[0].partial_cmp(&b[1]) != Some(std::cmp::Ordering::Less) {
        return Vec::new();
    }
    let widest = b.iter().map(|&v| kind.label(v).len()).max().unwrap_or(1) as f64;
    let spacing = (widest + 2.0).max(cols as f64 / 5.0);
    let mut taken: Vec<(i32, i32)> = Vec::new();
    let mut out: Vec<Tick> = Vec::new();
    for v in candidates(b, kind, step_for(b, cols, spacing)) {
        let label = kind.label(v);
        let at = col(v);
        let len = crate::text::display_width(&label) as u16;
        let Some(start) = x_label_start(at, len, cols, left_room) else {
            continue;
        };
        let end = start + len as i32;
        if taken.iter().all(|&(s, e)| start > e || end < s) {
            taken.push((start, end));
            out.push(Tick {
                value: v,
                at,
                label,
            });
        }
    }
    out.sort_by_key(|t| t.at);
    out
}

/// A short label for an axis tick.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        s.replace(".0e", "e")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

/// Three labels: low, middle, high (evenly spaced by ratatui's axis,
/// whatever the height: the charts use [`y_ticks`] instead).
pub fn labels(b: [f64; 2]) -> Vec<String> {
    vec![tick(b[0]), tick((b[0] + b[1]) / 2.0), tick(b[1])]
}

/// The log transform of the loss axis: values are drawn as
/// `log10(v − offset)`, so a loss that can be negative (or has a known
/// floor) still has an honest log axis of "loss − offset".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogAxis {
    pub offset: f64,
}

/// Smallest difference drawn on a log axis (anything below sits on it).
const LOG_FLOOR: f64 = 1e-16;

impl LogAxis {
    /// Choose the offset: the known minimum value if there is one (never
    /// above the smallest loss seen), else 0 when every loss is positive,
    /// else just below the smallest loss seen.
    pub fn new(known_min: Option<f64>, smallest_seen: f64) -> LogAxis {
        let offset = match known_min {
            Some(m) if m.is_finite() => m.min(smallest_seen),
            _ if smallest_seen > 0.0 => 0.0,
            _ if smallest_seen.is_finite() => smallest_seen - 1e-9 * (1.0 + smallest_seen.abs()),
            _ => 0.0,
        };
        LogAxis { offset }
    }

    pub fn apply(&self, v: f64) -> f64 {
        (v - self.offset)
            .max(LOG_FLOOR)
            .log10()
            .min(f64::MAX.log10())
    }

    /// Bounds in decades: whole powers of ten around `[lo, hi]` (already
    /// transformed).
    pub fn bounds(lo: f64, hi: f64) -> [f64; 2] {
        let top = f64::MAX.log10().ceil();
        let a = if lo.is_finite() {
            lo.floor().clamp(-top, top)
        } else {
            LOG_FLOOR.log10()
        };
        let mut b = if hi.is_finite() {
            hi.ceil().clamp(-top, top)
        } else {
            top
        };
        if b <= a {
            b = a + 1.0;
        }
        [a, b]
    }

    /// How the axis is titled: `loss` or `loss − 3.25`.
    pub fn title(&self) -> String {
        if self.offset == 0.0 {
            "loss (log)".into()
        } else if self.offset < 0.0 {
            format!("loss + {} (log)", tick(-self.offset))
        } else {
            format!("loss − {} (log)", tick(self.offset))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ranges() {
        assert_eq!(nice_range(3.25, 16.0), [0.0, 20.0]);
        assert_eq!(nice_range(0.0, 1.0), [0.0, 1.0]);
        assert_eq!(nice_range(-6.55, 3.1), [-10.0, 5.0]);
        let [a, b] = nice_range(5.0, 5.0);
        assert!(a < 5.0 && b > 5.0);
        assert_eq!(nice_range(f64::NAN, 1.0), [0.0, 1.0]);
        // Growing the data a little inside a step keeps the same range.
        assert_eq!(nice_range(3.25, 14.0), nice_range(3.5, 14.9));
    }

    #[test]
    fn ticks() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(16.0), "16");
        assert_eq!(tick(1e-6), "1e-6");
        assert_eq!(tick(2.5e7), "2.5e7");
        assert_eq!(tick(-6.5511), "-6.5511");
    }

    /// Ticks on an axis of `cells` cells drawn by a braille canvas.
    fn y(b: [f64; 2], kind: Ticks, rows: u16) -> Vec<(u16, String)> {
        y_ticks(b, kind, rows, |v| {
            canvas_cell((b[1] - v) / (b[1] - b[0]), rows, 4)
        })
        .into_iter()
        .map(|t| (t.at, t.label))
        .collect()
    }

    #[test]
    fn short_charts_get_fewer_labels() {
        let b = [0.0, 25.0];
        assert_eq!(y(b, Ticks::Linear, 1), vec![(0, "25".into())]);
        assert_eq!(
            y(b, Ticks::Linear, 2),
            vec![(0, "25".into()), (1, "0".into())]
        );
        assert_eq!(
            y(b, Ticks::Linear, 8),
            vec![(0, "25".into()), (4, "10".into()), (7, "0".into())]
        );
        // A blank row between labels from five rows up.
        for rows in 5..60 {
            let t = y(b, Ticks::Linear, rows);
            assert!(t.windows(2).all(|w| w[1].0 - w[0].0 >= 2), "{rows}: {t:?}");
        }
        assert_eq!(
            y([-4.0, 2.0], Ticks::Decades, 7),
            vec![
                (0, "1e2".into()),
                (2, "1e0".into()),
                (4, "1e-2".into()),
                (6, "1e-4".into())
            ]
        );
    }

    #[test]
    fn round_ticks_do_not_crowd_the_ends() {
        let labels = |rows| -> Vec<String> {
            y([-3.0, 3.0], Ticks::Linear, rows)
                .into_iter()
                .map(|t| t.1)
                .collect()
        };
        // Every 2 would put 2 a row or two under 3.
        assert_eq!(labels(12), ["3", "0", "-3"]);
        assert_eq!(labels(33), ["3", "2", "1", "0", "-1", "-2", "-3"]);
        let x = x_ticks([0.0, 1000.0], Ticks::Linear, 36, 3, |v| {
            canvas_cell(v / 1000.0, 36, 2)
        });
        let labels: Vec<&str> = x.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "500", "1000"]);
        assert_eq!(x_label_start(35, 4, 36, 3), Some(32));
        assert_eq!(x_label_start(0, 1, 36, 3), Some(0));
        assert_eq!(x_label_start(0, 3, 36, 0), Some(0));
        assert_eq!(x_label_start(2, 8, 5, 0), None);
    }

    #[test]
    fn log_axis() {
        let l = LogAxis::new(Some(3.25), 3.2500001);
        assert_eq!(l.offset, 3.25);
        assert!((l.apply(4.25) - 0.0).abs() < 1e-12);
        assert_eq!(l.apply(3.25), -16.0);
        assert_eq!(l.title(), "loss − 3.25 (log)");
        let neg = LogAxis::new(Some(-6.551133), -6.0);
        assert_eq!(neg.title(), "loss + 6.5511 (log)");
        assert_eq!(LogAxis::new(None, 0.3).offset, 0.0);
        assert!(LogAxis::new(None, -1.0).offset < -1.0);
        assert_eq!(LogAxis::bounds(-3.2, 1.5), [-4.0, 2.0]);
    }
}
