//! The compiled form: a flat instruction tape over `f64` slots, and the one
//! function, [`step`], that gives every instruction its meaning.
//!
//! Slots are laid out as `[variables | constants | instruction outputs]`:
//! instruction `i` writes slot `base + i` and reads only lower slots, so one
//! front-to-back pass evaluates everything.
//!
//! Evaluation is forward-mode automatic differentiation with dual numbers
//! carrying `N` partial derivatives ([`Dual<N>`]). `N = 0` is plain value
//! evaluation (the derivative code is dead and optimised away), and constant
//! folding at compile time runs the very same [`step`], so a folded constant,
//! [`Function::value`](crate::descent::Function::value) and
//! [`Function::value_grad`](crate::descent::Function::value_grad) agree to
//! the last bit.

/// What an instruction computes. `a` and `b` are its slot operands, `c` and
/// `c2` its immediate constants; the comment gives the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum OpKind {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a.powf(b)`, both depending on variables
    Pow,
    /// `min(a, b)`: NaN propagates, a tie selects `a`
    Min,
    /// `max(a, b)`: NaN propagates, a tie selects `a`
    Max,
    /// `a + c`
    AddC,
    /// `a * c`
    MulC,
    /// `a / c`; `c2 = 1 / c`
    DivC,
    /// `c - a`
    CSub,
    /// `c / a`
    CDiv,
    /// `c.powf(a)`; `c2 = ln(c)`
    CPow,
    /// `a^k` by multiplication, `k = c` an integer with `2 < |k| <= 16`
    PowI,
    /// `a.powf(c)`
    PowF,
    /// `a * a`
    Square,
    /// `-a`
    Neg,
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Log10,
    Sqrt,
    Abs,
    Tanh,
    /// `1 / (1 + exp(-a))`
    Sigmoid,
}

impl OpKind {
    /// Number of slot operands (1 or 2).
    pub fn arity(self) -> usize {
        use OpKind::*;
        match self {
            Add | Sub | Mul | Div | Pow | Min | Max => 2,
            _ => 1,
        }
    }

    pub fn name(self) -> &'static str {
        use OpKind::*;
        match self {
            Add => "Add",
            Sub => "Sub",
            Mul => "Mul",
            Div => "Div",
            Pow => "Pow",
            Min => "Min",
            Max => "Max",
            AddC => "AddC",
            MulC => "MulC",
            DivC => "DivC",
            CSub => "CSub",
            CDiv => "CDiv",
            CPow => "CPow",
            PowI => "PowI",
            PowF => "PowF",
            Square => "Square",
            Neg => "Neg",
            Sin => "Sin",
            Cos => "Cos",
            Tan => "Tan",
            Exp => "Exp",
            Ln => "Ln",
            Log10 => "Log10",
            Sqrt => "Sqrt",
            Abs => "Abs",
            Tanh => "Tanh",
            Sigmoid => "Sigmoid",
        }
    }
}

/// Operand value meaning "the result of the previous instruction".
pub(super) const PREV: u32 = u32::MAX;

/// One instruction. Unused operands and constants are zero, so that two
/// instructions computing the same thing compare equal field by field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Instr {
    pub op: OpKind,
    pub a: u32,
    pub b: u32,
    pub c: f64,
    /// Derived from `c` (never part of an instruction's identity).
    pub c2: f64,
}

impl Instr {
    pub fn unary(op: OpKind, a: u32) -> Instr {
        Instr::with_const(op, a, 0.0)
    }

    pub fn binary(op: OpKind, a: u32, b: u32) -> Instr {
        Instr {
            op,
            a,
            b,
            c: 0.0,
            c2: 0.0,
        }
    }

    pub fn with_const(op: OpKind, a: u32, c: f64) -> Instr {
        let c2 = match op {
            OpKind::DivC => 1.0 / c,
            OpKind::CPow => c.ln(),
            _ => 0.0,
        };
        Instr { op, a, b: 0, c, c2 }
    }

    /// The slot operands as a small array and a count.
    pub fn operand_list(&self) -> ([u32; 2], usize) {
        ([self.a, self.b], self.op.arity())
    }
}

/// A value with `N` partial derivatives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Dual<const N: usize> {
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

/// Evaluates one instruction, loading its operands through `load`.
#[inline(always)]
pub(super) fn step<const N: usize>(ins: &Instr, load: impl Fn(u32) -> Dual<N>) -> Dual<N> {
    use OpKind::*;
    let p = load(ins.a);
    let c = ins.c;
    match ins.op {
        Add => {
            let q = load(ins.b);
            Dual::new(p.v + q.v, zip(p.d, q.d, |x, y| x + y))
        }
        Sub => {
            let q = load(ins.b);
            Dual::new(p.v - q.v, zip(p.d, q.d, |x, y| x - y))
        }
        Mul => {
            let q = load(ins.b);
            Dual::new(p.v * q.v, zip(p.d, q.d, |x, y| q.v * x + p.v * y))
        }
        Div => {
            let q = load(ins.b);
            let v = p.v / q.v;
            let r = 1.0 / q.v;
            Dual::new(v, zip(p.d, q.d, |x, y| (x - v * y) * r))
        }
        Pow => {
            let q = load(ins.b);
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
            let q = load(ins.b);
            if q.v < p.v || q.v.is_nan() { q } else { p }
        }
        Max => {
            let q = load(ins.b);
            if q.v > p.v || q.v.is_nan() { q } else { p }
        }
        AddC => Dual::new(p.v + c, p.d),
        MulC => p.chain(p.v * c, c),
        DivC => p.chain(p.v / c, ins.c2),
        CSub => Dual::new(c - p.v, p.d.map(|x| -x)),
        CDiv => {
            let v = c / p.v;
            p.chain(v, -v / p.v)
        }
        CPow => {
            let v = c.powf(p.v);
            p.chain(v, if v == 0.0 { 0.0 } else { v * ins.c2 })
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
        Sigmoid => {
            let s = sigmoid(p.v);
            p.chain(s, s * (1.0 - s))
        }
    }
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub(super) struct Program {
    pub n_vars: usize,
    /// Initial contents of the variable and constant slots (`base` of them;
    /// the variable slots are overwritten on every evaluation).
    pub init: Vec<f64>,
    pub tape: Vec<Instr>,
    /// The slot holding the result.
    pub out: u32,
}

impl Program {
    pub fn base(&self) -> usize {
        self.init.len()
    }

    pub fn n_slots(&self) -> usize {
        self.init.len() + self.tape.len()
    }

    /// Fresh slots for `N` partials: constants in place, variable `j < N`
    /// seeded with the unit vector `e_j`.
    pub fn slots<const N: usize>(&self) -> Vec<Dual<N>> {
        let mut slots = vec![Dual::ZERO; self.n_slots()];
        for (j, (s, &v)) in slots.iter_mut().zip(&self.init).enumerate() {
            s.v = v;
            if j < self.n_vars && j < N {
                s.d[j] = 1.0;
            }
        }
        slots
    }

    /// Runs the tape over `slots` (variables already stored); returns the
    /// result slot.
    #[inline]
    pub fn run<const N: usize>(&self, slots: &mut [Dual<N>]) -> Dual<N> {
        let base = self.base();
        // The previous instruction's result stays in registers: operands
        // equal to `PREV` read it from there instead of waiting for it to
        // round-trip through memory.
        let mut prev = Dual::ZERO;
        for (i, ins) in self.tape.iter().enumerate() {
            prev = step(ins, |j| if j == PREV { prev } else { slots[j as usize] });
            slots[base + i] = prev;
        }
        slots[self.out as usize]
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

    #[test]
    fn instruction_is_small() {
        assert!(std::mem::size_of::<Instr>() <= 32);
    }
}
