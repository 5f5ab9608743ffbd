//! Every way downhill writes a number, in one place.
//!
//! | function | where | NaN | ±∞ | form |
//! | --- | --- | --- | --- | --- |
//! | [`sig`]`(v, n)` | the dashboard's panes | `—` | `inf` `-inf` | `n` significant digits; scientific (`1.23e-7`) outside 10⁻³ ≤ \|v\| < 10⁵ |
//! | [`fit`]`(v, n, w)` | a pane's cell of `w` columns | `—` | `inf` `-inf` | [`sig`] with fewer digits until it fits, then scientific, whole exponent always; `…` when nothing fits |
//! | [`grouped`] | counts (epochs) | | | `949,248` |
//! | [`general`] | human tables of `run` and `sweep` | `—` | `inf` `-inf` | up to 7 decimals; 4 significant digits in scientific outside 10⁻⁴ ≤ \|v\| < 10⁶ |
//! | [`csv`] | CSV output | empty | `inf` `-inf` | shortest round-trip; exponent outside 10⁻⁵ ≤ \|v\| < 10¹⁶ |
//! | [`exact`] | error messages quoting a number | `NaN` | `inf` `-inf` | as `csv`: at most 24 characters |
//! | [`json`] | JSON output | `null` | `null` | shortest round-trip |

use serde_json::Value;

/// `v` in `sig` significant digits, at most about `sig + 5` characters.
pub fn sig(v: f64, sig: usize) -> String {
    trim(sig_raw(v, sig))
}

/// [`sig`] before trailing zeros are trimmed: its length depends only on
/// the value's sign and magnitude, so columns sized by it keep still while
/// the digits move.
fn sig_raw(v: f64, sig: usize) -> String {
    if v.is_nan() {
        return "—".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    let exp = a.log10().floor() as i32;
    if !(-3..5).contains(&exp) {
        scientific(v, sig)
    } else {
        let decimals = (sig as i32 - 1 - exp).max(0) as usize;
        format!("{v:.decimals$}")
    }
}

/// `v` as `m.mmme±x` with `sig` significant digits (Rust's exponent form:
/// `1.230e-5`, `-2.3e70`), untrimmed.
fn scientific(v: f64, sig: usize) -> String {
    format!("{:.*e}", sig.max(1) - 1, v)
}

/// Trailing zeros of the mantissa dropped: `1.230e-5` → `1.23e-5`,
/// `0.50` → `0.5`.
fn trim(s: String) -> String {
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
        }
        Some(_) => s,
        None if s.contains('.') => s.trim_end_matches('0').trim_end_matches('.').to_string(),
        None => s,
    }
}

/// `v` in at most `width` columns, never wrong: [`sig`] with `most`
/// significant digits, then fewer, then scientific (which is shorter for
/// the very small and the very large), the exponent always whole. When not
/// even one digit fits, `…` (or nothing in a zero-wide cell).
pub fn fit(v: f64, most: usize, width: usize) -> String {
    let most = most.max(1);
    let fits = |s: &String| s.chars().count() <= width;
    if let Some(s) = (1..=most).rev().map(|n| sig(v, n)).find(fits) {
        return s;
    }
    if v.is_finite()
        && let Some(s) = (1..=most).rev().map(|n| trim(scientific(v, n))).find(fits)
    {
        return s;
    }
    if width == 0 {
        String::new()
    } else {
        "…".into()
    }
}

/// Columns `v` takes with `n` significant digits, in whichever of the
/// plain and scientific forms is shorter ([`fit`] gives that many digits in
/// this width). Measured before trailing zeros are trimmed, so it does not
/// change while `v` moves within its magnitude.
pub fn span(v: f64, n: usize) -> usize {
    let plain = sig_raw(v, n).chars().count();
    if v.is_finite() && v != 0.0 {
        plain.min(scientific(v, n).chars().count())
    } else {
        plain
    }
}

/// A count with thousands separators: `949,248`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number in at most about 10 characters: plain where that reads well,
/// scientific for the very large and very small.
pub fn general(v: f64) -> String {
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

/// A number as CSV writes it: shortest round-trip form, empty when absent.
/// Very small and very large magnitudes take an exponent (`1e-300`, not
/// 300 digits).
pub fn csv(v: f64) -> String {
    let mut out = String::new();
    csv_into(&mut out, v);
    out
}

/// [`csv`] of `v` written onto `out` (no allocation: a sweep writes
/// millions of them).
pub fn csv_into(out: &mut String, v: f64) {
    if !v.is_nan() {
        exact_into(out, v);
    }
}

/// A number exactly (shortest round-trip form), and short: an exponent
/// outside 10⁻⁵ ≤ |v| < 10¹⁶, so `-1.797e308` is not 309 digits and
/// `5e-324` not 323; `NaN`, `inf`, `-inf` as such.
pub fn exact(v: f64) -> String {
    let mut out = String::new();
    exact_into(&mut out, v);
    out
}

/// [`exact`] of `v` written onto `out`.
fn exact_into(out: &mut String, v: f64) {
    use std::fmt::Write as _;
    let _ = if v != 0.0 && v.is_finite() && !(1e-5..1e16).contains(&v.abs()) {
        write!(out, "{v:e}")
    } else {
        write!(out, "{v}")
    };
}

/// A finite number as JSON, anything else as `null`.
pub fn json(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_numbers_are_exact_and_appended() {
        let mut out = String::from("x,");
        for (v, want) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (-2.5, "-2.5"),
            (1e-5, "0.00001"),
            (9.99e-6, "9.99e-6"),
            (1e16, "1e16"),
            (123456.789, "123456.789"),
            (5e-324, "5e-324"),
            (-1.797e308, "-1.797e308"),
            (f64::NAN, ""),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(csv(v), want, "{v}");
            out.truncate(2);
            csv_into(&mut out, v);
            assert_eq!(out, format!("x,{want}"), "{v}");
        }
    }

    #[test]
    fn significant_digits_fit() {
        assert_eq!(sig(0.4969218, 5), "0.49692");
        assert_eq!(sig(-1.3473962, 7), "-1.347396");
        assert_eq!(sig(3.25, 5), "3.25");
        assert_eq!(sig(1e-7, 3), "1e-7");
        assert_eq!(sig(-2.3e70, 3), "-2.3e70");
        assert_eq!(sig(12345.6, 5), "12346");
        assert_eq!(sig(0.0, 5), "0");
        assert_eq!(sig(f64::NAN, 5), "—");
    }

    #[test]
    fn fit_keeps_the_whole_exponent() {
        assert_eq!(fit(3.0864e-29, 5, 9), "3.086e-29");
        assert_eq!(fit(3.0864e-29, 5, 10), "3.0864e-29");
        assert_eq!(fit(-3.8147e11, 5, 9), "-3.815e11");
        assert_eq!(fit(0.0012345, 7, 7), "0.00123");
        assert_eq!(fit(12345.6, 7, 4), "1e4");
        assert_eq!(fit(12345.6, 7, 5), "12346");
        assert_eq!(fit(-123.456, 7, 4), "-123");
        assert_eq!(fit(-1e-300, 3, 6), "…");
        assert_eq!(fit(-1e-300, 3, 7), "-1e-300");
        assert_eq!(fit(f64::NAN, 3, 1), "—");
        assert_eq!(fit(0.5, 3, 0), "");
    }

    #[test]
    fn spans_do_not_follow_trailing_zeros() {
        assert_eq!(span(0.5, 5), span(0.49999, 5));
        assert_eq!(span(3.0864e-29, 5), "3.0864e-29".len());
        assert_eq!(span(12345.6, 2), "1.2e4".len());
        assert_eq!(span(f64::NAN, 4), 1);
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(949_248), "949,248");
        assert_eq!(grouped(100_000_000), "100,000,000");
    }

    #[test]
    fn general_numbers() {
        assert_eq!(general(0.4969218), "0.4969218");
        assert_eq!(general(0.5), "0.5");
        assert_eq!(general(-2.0e70), "-2.000e70");
        assert_eq!(general(1234.5678), "1234.57");
        assert_eq!(general(0.0), "0");
        assert_eq!(general(f64::NAN), "—");
        assert_eq!(general(3.25), "3.25");
    }

    #[test]
    fn csv_numbers_round_trip() {
        assert_eq!(csv(f64::NAN), "");
        assert_eq!(csv(0.1), "0.1");
        assert_eq!(csv(-2.0), "-2");
        assert_eq!(csv(1e-300), "1e-300");
        assert_eq!(csv(-2.5e200), "-2.5e200");
        assert_eq!(csv(123456.789), "123456.789");
        for v in [1e-300, 3.3e-7, 1e16, f64::MAX, f64::MIN_POSITIVE, 5e-324] {
            assert_eq!(csv(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn exact_numbers_are_short_and_round_trip() {
        let mut worst = 0;
        for v in [
            -f64::MAX,
            5e-324,
            -2.2250738585072014e-308,
            1e16,
            9999999999999998.0,
            1e-5,
            0.1 + 0.2,
            -0.0,
        ] {
            let s = exact(v);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{s}");
            worst = worst.max(s.len());
        }
        assert!(worst <= 24, "{worst}");
        assert_eq!(exact(-1.797e308), "-1.797e308");
        assert_eq!(exact(5e-324), "5e-324");
        assert_eq!(exact(f64::NAN), "NaN");
        assert_eq!(exact(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn json_numbers() {
        assert_eq!(json(0.5).to_string(), "0.5");
        assert_eq!(json(f64::NAN), Value::Null);
        assert_eq!(json(f64::NEG_INFINITY), Value::Null);
    }
}
