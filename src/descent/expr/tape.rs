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
//!
//! The interpreter loop ([`Program::run`]) keeps the previous instruction's
//! result in registers. Each tape instruction carries a [`Code`], the pair of
//! its operation and the [`Mode`] of its operands (both from slots, or one of
//! them being that previous result), so that a single jump-table dispatch
//! lands in code specialised for both. Programs with at most [`SMALL`] slots
//! run on a `[Dual<N>; 256]` indexed by `u8`, which needs no bounds checks.

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
    // Fused pairs, chosen at emission for single-use intermediates. Each
    // performs exactly the IEEE operations of the pair it replaces.
    /// `(a + c)^2`
    SqAddC,
    /// `(c - a)^2`
    SqCSub,
    /// `(a + b)^2`
    SqAdd,
    /// `(a - b)^2`
    SqSub,
    /// `exp(-a)`
    ExpNeg,
    /// `exp(-(a + b))`
    ExpNegAdd,
    /// `(a * c) * b`
    MulCMul,
    /// `a + b * c`
    AddMulC,
}

impl OpKind {
    /// The unfused operations a fused instruction performs, in order.
    pub fn parts(self) -> &'static [OpKind] {
        use OpKind::*;
        match self {
            SqAddC => &[AddC, Square],
            SqCSub => &[CSub, Square],
            SqAdd => &[Add, Square],
            SqSub => &[Sub, Square],
            ExpNeg => &[Neg, Exp],
            ExpNegAdd => &[Add, Neg, Exp],
            MulCMul => &[MulC, Mul],
            AddMulC => &[MulC, Add],
            _ => &[],
        }
    }

    /// Number of slot operands (1 or 2).
    pub fn arity(self) -> usize {
        use OpKind::*;
        match self {
            Add | Sub | Mul | Div | Pow | Min | Max | SqAdd | SqSub | MulCMul | AddMulC
            | ExpNegAdd => 2,
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
            SqAddC => "SqAddC",
            SqCSub => "SqCSub",
            SqAdd => "SqAdd",
            SqSub => "SqSub",
            ExpNeg => "ExpNeg",
            ExpNegAdd => "ExpNegAdd",
            MulCMul => "MulCMul",
            AddMulC => "AddMulC",
        }
    }
}

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
        Instr::binary_with_const(op, a, b, 0.0)
    }

    pub fn binary_with_const(op: OpKind, a: u32, b: u32, c: f64) -> Instr {
        Instr {
            op,
            a,
            b,
            c,
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

/// Where an instruction on the tape takes its operands from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Both from slots.
    Slots,
    /// The first operand is the previous instruction's result.
    PrevA,
    /// The second operand is the previous instruction's result.
    PrevB,
}

macro_rules! codes {
    (unary: $($u:ident / $up:ident),* ; binary: $($b:ident / $bp:ident / $bq:ident),* $(;)?) => {
        /// An operation together with the [`Mode`] of its operands, so that
        /// one jump-table dispatch selects fully specialised code. A plain
        /// name reads slots, `..P` takes the first operand from the previous
        /// result (kept in registers), `..Q` the second.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(super) enum Code {
            $($u, $up,)*
            $($b, $bp, $bq,)*
        }

        impl Code {
            pub fn new(op: OpKind, mode: Mode) -> Code {
                match (op, mode) {
                    $(
                        (OpKind::$u, Mode::PrevA) => Code::$up,
                        (OpKind::$u, _) => Code::$u,
                    )*
                    $(
                        (OpKind::$b, Mode::Slots) => Code::$b,
                        (OpKind::$b, Mode::PrevA) => Code::$bp,
                        (OpKind::$b, Mode::PrevB) => Code::$bq,
                    )*
                }
            }

            pub fn op(self) -> OpKind {
                match self {
                    $(Code::$u | Code::$up => OpKind::$u,)*
                    $(Code::$b | Code::$bp | Code::$bq => OpKind::$b,)*
                }
            }

            pub fn mode(self) -> Mode {
                match self {
                    $(Code::$u => Mode::Slots, Code::$up => Mode::PrevA,)*
                    $(
                        Code::$b => Mode::Slots,
                        Code::$bp => Mode::PrevA,
                        Code::$bq => Mode::PrevB,
                    )*
                }
            }
        }

        /// Executes one tape instruction; `load` reads a slot.
        #[inline(always)]
        fn exec<const N: usize>(
            ins: &Slotted,
            prev: Dual<N>,
            load: impl Fn(u32) -> Dual<N>,
        ) -> Dual<N> {
            // Immediates are read inside the arms that use them.
            let k = &ins.imm;
            let none = || Dual::ZERO;
            match ins.code {
                $(
                    Code::$u => step(OpKind::$u, k, load(ins.a), none),
                    Code::$up => step(OpKind::$u, k, prev, none),
                )*
                $(
                    Code::$b => step(OpKind::$b, k, load(ins.a), || load(ins.b)),
                    Code::$bp => step(OpKind::$b, k, prev, || load(ins.b)),
                    Code::$bq => step(OpKind::$b, k, load(ins.a), || prev),
                )*
            }
        }
    };
}

codes! {
    unary: AddC / AddCP, MulC / MulCP, DivC / DivCP, CSub / CSubP, CDiv / CDivP,
        CPow / CPowP, PowI / PowIP, PowF / PowFP, Square / SquareP, Neg / NegP,
        Sin / SinP, Cos / CosP, Tan / TanP, Exp / ExpP, Ln / LnP, Log10 / Log10P,
        Sqrt / SqrtP, Abs / AbsP, Tanh / TanhP, Sigmoid / SigmoidP,
        SqAddC / SqAddCP, SqCSub / SqCSubP, ExpNeg / ExpNegP;
    binary: Add / AddP / AddQ, Sub / SubP / SubQ, Mul / MulP / MulQ, Div / DivP / DivQ,
        Pow / PowP / PowQ, Min / MinP / MinQ, Max / MaxP / MaxQ, SqAdd / SqAddP / SqAddQ,
        SqSub / SqSubP / SqSubQ, MulCMul / MulCMulP / MulCMulQ,
        AddMulC / AddMulCP / AddMulCQ, ExpNegAdd / ExpNegAddP / ExpNegAddQ;
}

/// An instruction's immediate constants: `c` and `c2`, derived from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Imm {
    pub c: f64,
    pub c2: f64,
}

/// An instruction on the tape: operands and result as slot indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Slotted {
    pub code: Code,
    pub a: u32,
    pub b: u32,
    pub out: u32,
    pub imm: Imm,
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

/// Evaluates operation `op` with immediates `k` on the operand `p`
/// and, for two-operand operations, `q()`.
#[inline(always)]
pub(super) fn step<const N: usize>(
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

/// Programs with at most this many slots run on a fixed-size slot array
/// indexed by `u8`: in bounds by construction, so without bounds checks.
pub(super) const SMALL: usize = 256;

/// A compiled expression.
#[derive(Clone, Debug)]
pub(super) struct Program {
    pub n_vars: usize,
    /// Initial contents of the variable and constant slots (`base` of them;
    /// the variable slots are overwritten on every evaluation).
    pub init: Vec<f64>,
    pub tape: Vec<Slotted>,
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
    /// seeded with the unit vector `e_j`. Small programs get exactly
    /// [`SMALL`] slots (see [`Program::run`]).
    pub fn slots<const N: usize>(&self) -> Vec<Dual<N>> {
        let mut slots = vec![Dual::ZERO; self.n_slots().max(SMALL)];
        for (j, (s, &v)) in slots.iter_mut().zip(&self.init).enumerate() {
            s.v = v;
            if j < self.n_vars && j < N {
                s.d[j] = 1.0;
            }
        }
        slots
    }

    /// Runs the tape over `slots` (from [`Program::slots`], variables
    /// already stored); the result is then in slot [`Program::out`].
    ///
    /// (Returning the result from here would make LLVM keep the previous
    /// result in the return slot in memory instead of in registers.)
    #[inline(always)]
    pub fn run<const N: usize>(&self, slots: &mut [Dual<N>]) {
        // The previous instruction's result stays in registers; `..P` and
        // `..Q` codes read it from there instead of waiting for it to
        // round-trip through memory.
        let mut prev = Dual::ZERO;
        if self.n_slots() <= SMALL
            && let Ok(small) = <&mut [Dual<N>; SMALL]>::try_from(&mut *slots)
        {
            // All slot indices are below SMALL = 256: `u8` indexing is exact.
            for ins in &self.tape {
                prev = exec(ins, prev, |j| small[usize::from(j as u8)]);
                small[usize::from(ins.out as u8)] = prev;
            }
        } else {
            for ins in &self.tape {
                prev = exec(ins, prev, |j| slots[j as usize]);
                slots[ins.out as usize] = prev;
            }
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

    #[test]
    fn instruction_is_small() {
        assert!(std::mem::size_of::<Slotted>() <= 32);
    }
}
