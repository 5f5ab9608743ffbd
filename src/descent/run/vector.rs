//! The few vector operations a run needs.

/// Euclidean norm `‖v‖` (exactly `|v_0|` in 1D; rescaled so large finite vectors do not
/// overflow to infinity).
#[inline]
pub fn norm(v: &[f64]) -> f64 {
    if let [x] = v {
        return x.abs();
    }
    if let [x, y] = v {
        // The sum below, written out (it starts from -0, which changes no sum of squares).
        let sq = x * x + y * y;
        if sq.is_finite() {
            return sq.sqrt();
        }
    }
    let sq: f64 = v.iter().map(|x| x * x).sum();
    if sq.is_finite() {
        return sq.sqrt();
    }
    let scale = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if !scale.is_finite() || scale == 0.0 {
        return sq.sqrt();
    }
    scale
        * v.iter()
            .map(|x| (x / scale) * (x / scale))
            .sum::<f64>()
            .sqrt()
}

/// Euclidean distance `‖a − b‖` (over the common length).
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    if let ([x], [y]) = (a, b) {
        return (x - y).abs();
    }
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// `dst.copy_from_slice(src)`, inline for the usual two dimensions (a call
/// to `memmove` costs more than the copy).
#[inline(always)]
pub(super) fn copy(dst: &mut [f64], src: &[f64]) {
    if let (Ok(d), Ok(s)) = (
        <&mut [f64; 2]>::try_from(&mut *dst),
        <&[f64; 2]>::try_from(src),
    ) {
        *d = *s;
    } else {
        dst.copy_from_slice(src);
    }
}

pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// True when every value is finite and every `|x_j| ≤ bound` (a NaN bound bounds nothing).
pub(super) fn in_bounds(x: &[f64], bound: f64) -> bool {
    x.iter()
        .all(|v| v.is_finite() && (v.abs() <= bound || bound.is_nan()))
}
