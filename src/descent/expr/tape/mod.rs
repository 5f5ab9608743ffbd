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
//!
//! The instruction set and the interpreter loop are here; the dual numbers
//! and [`step`] are in `dual.rs`.

mod dual;

pub(super) use dual::{Dual, step};

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
    /// `a.floor()`; derivative 0
    Floor,
    /// `a.ceil()`; derivative 0
    Ceil,
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
            Floor => "Floor",
            Ceil => "Ceil",
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
        Sqrt / SqrtP, Abs / AbsP, Tanh / TanhP, Sigmoid / SigmoidP, Floor / FloorP,
        Ceil / CeilP,
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
    fn instruction_is_small() {
        assert!(std::mem::size_of::<Slotted>() <= 32);
    }
}
