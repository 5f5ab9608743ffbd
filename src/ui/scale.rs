//! Axis ranges and labels that stay put while a run advances.
//!
//! Ranges are rounded outward to "nice" steps (1, 2, 5 × 10^k) and are
//! computed from whole-run extremes, which only ever grow: so the axes (and
//! with them every braille cell already drawn) change rarely, which is what
//! keeps redraws cheap over SSH.

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

/// Three labels: low, middle, high.
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

    /// Labels of decade bounds: `1e-3` … `1e2`.
    pub fn labels(b: [f64; 2]) -> Vec<String> {
        let mid = ((b[0] + b[1]) / 2.0).round();
        let mut out = vec![format!("1e{}", b[0] as i64)];
        if mid > b[0] && mid < b[1] {
            out.push(format!("1e{}", mid as i64));
        } else {
            out.push(String::new());
        }
        out.push(format!("1e{}", b[1] as i64));
        out
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
        assert_eq!(LogAxis::labels([-4.0, 2.0]), vec!["1e-4", "1e-1", "1e2"]);
    }
}
