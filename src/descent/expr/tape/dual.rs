//! Dual numbers ([`Dual<N>`]) and [`step`], the value and partial
//! derivatives of every operation, with the arithmetic helpers it uses.

use super::{Imm, OpKind};

/// A value with `N` partial derivatives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::descent::expr) struct Dual<const N: usize> {
    pub v: f64,
    pub d: [f64; N],
}

impl<const N: usize> Dual<N> {
    pub const ZERO: Dual<N> = Dual {
        v: 0.0,
        d: [0.0; N],
    };

    pub fn constant(v: f64) -> Self {
        Dual { v, d: [0.0; N] }
    }

    #[inline(always)]
    fn new(v: f64, d: [f64; N]) -> Self {
        Dual { v, d }
    }

    /// `v` with partials `g * self.d` (the chain rule for a unary op).
    #[inline(always)]
    fn chain(self, v: f64, g: f64) -> Self {
        Dual::new(v, self.d.map(|x| g * x))
    }
}

#[inline(always)]
fn zip<const N: usize>(a: [f64; N], b: [f64; N], f: impl Fn(f64, f64) -> f64) -> [f64; N] {
    std::array::from_fn(|k| f(a[k], b[k]))
}

/// `x^n` by binary powering (`n >= 0`).
#[inline(always)]
fn ipow(mut x: f64, mut n: u32) -> f64 {
    let mut r = 1.0;
    loop {
        if n & 1 == 1 {
            r *= x;
        }
        n >>= 1;
        if n == 0 {
            return r;
        }
        x *= x;
    }
}

/// `(x^k, k x^(k-1))` for an integer `k != 0`.
#[inline(always)]
pub(super) fn powi_with_slope(x: f64, k: i32) -> (f64, f64) {
    let m = k.unsigned_abs();
    let p = ipow(x, m - 1); // x^(|k|-1)
    let q = p * x; // x^|k|
    if k > 0 {
        (q, k as f64 * p)
    } else {
        (1.0 / q, k as f64 / (q * x))
    }
}

/// The logistic function.
#[inline(always)]
pub(super) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Evaluates operation `op` with immediates `k` on the operand `p`
/// and, for two-operand operations, `q()`.
#[inline(always)]
pub(in crate::descent::expr) fn step<const N: usize>(
    op: OpKind,
    k: &Imm,
    p: Dual<N>,
    q: impl FnOnce() -> Dual<N>,
) -> Dual<N> {
    use OpKind::*;
    let c = k.c;
    let c2 = k.c2;
    match op {
        Add => {
            let q = q();
            Dual::new(p.v + q.v, zip(p.d, q.d, |x, y| x + y))
        }
        Sub => {
            let q = q();
            Dual::new(p.v - q.v, zip(p.d, q.d, |x, y| x - y))
        }
        Mul => {
            let q = q();
            Dual::new(p.v * q.v, zip(p.d, q.d, |x, y| q.v * x + p.v * y))
        }
        Div => {
            let q = q();
            let v = p.v / q.v;
            let r = 1.0 / q.v;
            Dual::new(v, zip(p.d, q.d, |x, y| (x - v * y) * r))
        }
        Pow => {
            let q = q();
            let v = p.v.powf(q.v);
            let ga = q.v * p.v.powf(q.v - 1.0);
            // d/db a^b = a^b ln a; where a^b is 0 (0^b, b > 0) it is 0.
            let gb = if v == 0.0 { 0.0 } else { v * p.v.ln() };
            // Skip zero partials so that an infinite or NaN local slope
            // (a <= 0) does not leak into directions that do not move it.
            let term = |g: f64, x: f64| if x == 0.0 { 0.0 } else { g * x };
            Dual::new(v, zip(p.d, q.d, |x, y| term(ga, x) + term(gb, y)))
        }
        Min => {
            let q = q();
            if q.v < p.v || q.v.is_nan() { q } else { p }
        }
        Max => {
            let q = q();
            if q.v > p.v || q.v.is_nan() { q } else { p }
        }
        AddC => Dual::new(p.v + c, p.d),
        MulC => p.chain(p.v * c, c),
        DivC => p.chain(p.v / c, c2),
        CSub => Dual::new(c - p.v, p.d.map(|x| -x)),
        CDiv => {
            let v = c / p.v;
            p.chain(v, -v / p.v)
        }
        CPow => {
            let v = c.powf(p.v);
            p.chain(v, if v == 0.0 { 0.0 } else { v * c2 })
        }
        PowI => {
            let (v, g) = powi_with_slope(p.v, c as i32);
            p.chain(v, g)
        }
        PowF => {
            let v = p.v.powf(c);
            let g = if p.v == 0.0 {
                c * p.v.powf(c - 1.0)
            } else {
                c * v / p.v
            };
            p.chain(v, g)
        }
        Square => p.chain(p.v * p.v, 2.0 * p.v),
        Neg => Dual::new(-p.v, p.d.map(|x| -x)),
        Sin => p.chain(p.v.sin(), p.v.cos()),
        Cos => p.chain(p.v.cos(), -p.v.sin()),
        Tan => {
            let t = p.v.tan();
            p.chain(t, 1.0 + t * t)
        }
        Exp => {
            let v = p.v.exp();
            p.chain(v, v)
        }
        Ln => p.chain(p.v.ln(), 1.0 / p.v),
        Log10 => p.chain(p.v.log10(), 1.0 / (p.v * std::f64::consts::LN_10)),
        Sqrt => {
            let v = p.v.sqrt();
            p.chain(v, 0.5 / v)
        }
        Abs => {
            let g = if p.v > 0.0 {
                1.0
            } else if p.v < 0.0 {
                -1.0
            } else {
                0.0
            };
            p.chain(p.v.abs(), g)
        }
        Tanh => {
            let t = p.v.tanh();
            p.chain(t, 1.0 - t * t)
        }
        // Piecewise constant: the derivative is 0 wherever it exists.
        Floor => Dual::new(p.v.floor(), [0.0; N]),
        Ceil => Dual::new(p.v.ceil(), [0.0; N]),
        Sigmoid => {
            let s = sigmoid(p.v);
            p.chain(s, s * (1.0 - s))
        }
        SqAddC => {
            let t = p.v + c;
            p.chain(t * t, 2.0 * t)
        }
        SqCSub => {
            let t = c - p.v;
            p.chain(t * t, -2.0 * t)
        }
        SqAdd => {
            let q = q();
            let t = p.v + q.v;
            let g = 2.0 * t;
            Dual::new(t * t, zip(p.d, q.d, |x, y| g * (x + y)))
        }
        SqSub => {
            let q = q();
            let t = p.v - q.v;
            let g = 2.0 * t;
            Dual::new(t * t, zip(p.d, q.d, |x, y| g * (x - y)))
        }
        ExpNeg => {
            let v = (-p.v).exp();
            p.chain(v, -v)
        }
        ExpNegAdd => {
            let q = q();
            let v = (-(p.v + q.v)).exp();
            Dual::new(v, zip(p.d, q.d, |x, y| -v * (x + y)))
        }
        MulCMul => {
            let q = q();
            let m = p.v * c;
            Dual::new(m * q.v, zip(p.d, q.d, |x, y| q.v * (c * x) + m * y))
        }
        AddMulC => {
            let q = q();
            Dual::new(p.v + q.v * c, zip(p.d, q.d, |x, y| x + c * y))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_powers() {
        for x in [-2.5, -1.0, 0.0, 0.3, 1.7, 3.0] {
            let (v, g) = powi_with_slope(x, 3);
            assert_eq!(v, x * x * x);
            assert_eq!(g, 3.0 * (x * x));
            let (v, g) = powi_with_slope(x, 5);
            assert!((v - x.powi(5)).abs() <= 1e-15 * x.powi(5).abs());
            assert!((g - 5.0 * x.powi(4)).abs() <= 1e-15 * x.powi(4).abs() * 5.0);
            let (v, g) = powi_with_slope(x, -2);
            assert_eq!(v, 1.0 / (x * x));
            if x != 0.0 {
                assert!((g + 2.0 / (x * x * x)).abs() <= 1e-15 * (2.0 / (x * x * x)).abs());
            }
        }
    }
}
