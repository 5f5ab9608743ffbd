//! Every way downhill writes a number, in one place.
//!
//! | function | where | NaN | ±∞ | form |
//! | --- | --- | --- | --- | --- |
//! | [`sig`]`(v, n)` | the dashboard's panes | `—` | `inf` `-inf` | `n` significant digits; scientific (`1.23e-7`) outside 10⁻³ ≤ \|v\| < 10⁵ |
//! | [`general`] | human tables of `run` and `sweep` | `—` | `inf` `-inf` | up to 7 decimals; 4 significant digits in scientific outside 10⁻⁴ ≤ \|v\| < 10⁶ |
//! | [`csv`] | CSV output | empty | `inf` `-inf` | shortest round-trip; exponent outside 10⁻⁵ ≤ \|v\| < 10¹⁶ |
//! | [`exact`] | error messages quoting a number | `NaN` | `inf` `-inf` | as `csv`: at most 24 characters |
//! | [`json`] | JSON output | `null` | `null` | shortest round-trip |

use serde_json::Value;

/// `v` in `sig` significant digits, at most about `sig + 5` characters.
pub fn sig(v: f64, sig: usize) -> String {
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
        let s = format!("{:.*e}", sig.saturating_sub(1), v);
        // 1.230e-5 → 1.23e-5
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        }
    } else {
        let decimals = (sig as i32 - 1 - exp).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
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
    if v.is_nan() { String::new() } else { exact(v) }
}

/// A number exactly (shortest round-trip form), and short: an exponent
/// outside 10⁻⁵ ≤ |v| < 10¹⁶, so `-1.797e308` is not 309 digits and
/// `5e-324` not 323; `NaN`, `inf`, `-inf` as such.
pub fn exact(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-5..1e16).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// A finite number as JSON, anything else as `null`.
pub fn json(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

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
