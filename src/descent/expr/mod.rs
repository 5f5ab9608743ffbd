//! Objective functions written as formulas, compiled to a flat tape that
//! computes the value and the exact gradient in one pass.
//!
//! [`Expr::parse`] turns a formula such as
//! `3*(1-x)^2*exp(-x^2-(y+1)^2)` over named variables into a compiled,
//! immutable, cheaply clonable [`Expr`]. [`Expr::evaluator`] hands out an
//! [`Evaluator`], which owns its scratch buffers and implements
//! [`Function`]: evaluations never allocate.
//!
//! ```
//! use downhill::descent::Function;
//! use downhill::descent::expr::Expr;
//!
//! let f = Expr::parse("3*x^2 - 3*x + 4", &["x"]).unwrap();
//! let mut ev = f.evaluator();
//! let mut grad = [0.0];
//! assert_eq!(ev.value_grad(&[2.0], &mut grad), 10.0);
//! assert_eq!(grad, [9.0]); // 6x - 3
//!
//! let err = Expr::parse("3x", &["x"]).unwrap_err();
//! assert_eq!(err.column, 2);
//! assert!(err.to_string().starts_with("column 2: implicit multiplication"));
//! ```
//!
//! # The language
//!
//! ## Grammar (EBNF)
//!
//! ```text
//! expr    = term , { ( "+" | "-" ) , term } ;
//! term    = unary , { ( "*" | "/" ) , unary } ;
//! unary   = ( "-" | "+" ) , unary | power ;
//! power   = primary , [ ( "^" | "**" ) , unary ] ;       (* right-associative *)
//! primary = number | name | func , "(" , expr , { "," , expr } , ")"
//!         | "(" , expr , ")" ;
//! number  = ( digits , [ "." , [ digits ] ] | "." , digits ) ,
//!           [ ( "e" | "E" ) , [ "+" | "-" ] , digits ] ;
//! name    = ( letter | "_" ) , { letter | digit | "_" } ;  (* ASCII *)
//! digits  = digit , { digit } ;
//! ```
//!
//! Whitespace (any Unicode whitespace) may appear between tokens. A `name` is
//! one of the variables passed to [`Expr::parse`], else one of the constants
//! `pi` and `e` (so a variable called `e` or `pi` shadows the constant). A
//! `func` is a name followed by `(`: `sin cos tan exp ln log10 sqrt abs tanh
//! sigmoid floor ceil` take one argument, `min max mod` two (a function name
//! followed by `(` is a call even if a variable has that name).
//!
//! ## Precedence, loosest first
//!
//! | level | operators            | associativity |
//! |-------|----------------------|---------------|
//! | 1     | `a + b`, `a - b`     | left          |
//! | 2     | `a * b`, `a / b`     | left          |
//! | 3     | `-a`, `+a` (prefix)  | —             |
//! | 4     | `a ^ b`, `a ** b`    | right         |
//!
//! As in mathematics and Python, `^` binds tighter than a prefix sign on its
//! left but its right operand may itself start with a sign: `-x^2` is
//! `-(x^2)`, `-2^2` is `-4`, `2^-x` is `2^(-x)`, `2^3^2` is `2^9 = 512`.
//! Implicit multiplication (`3x`, `2(x+1)`, `x y`) is rejected with an
//! error pointing at the second factor.
//!
//! ## Limits and errors
//!
//! Sources are limited to 10 000 characters and to 100 levels of nested
//! parentheses, prefix signs and function calls (counted together). Every
//! error is an [`ExprError`] naming the 1-based *character* column and the
//! number of characters to underline: unexpected characters, numbers that do
//! not fit a finite `f64` (`1e999`), unknown variables (listing the valid
//! ones), unknown functions (listing them), wrong argument counts, a missing
//! or unmatched `)`, misplaced commas, implicit multiplication, an empty
//! expression, and the two limits.
//!
//! # Semantics
//!
//! Plain IEEE `f64`: domain errors give NaN or infinities (`ln(-1)` is NaN)
//! and the caller checks for non-finite results. Derivatives are exact (up
//! to rounding), never finite differences:
//!
//! | function          | value                  | derivative                          |
//! |-------------------|------------------------|-------------------------------------|
//! | `a^k`, integer const `\|k\| <= 16` | repeated multiplication (`x^2` is exactly `x*x`) | `k a^(k-1) a'` |
//! | `a^c`, other const| `a.powf(c)`            | `c a^(c-1) a'`                      |
//! | `a^b`             | `a.powf(b)`            | `b a^(b-1) a' + a^b ln(a) b'` (terms whose `a'` or `b'` is 0 are skipped) |
//! | `abs(a)`          | `\|a\|`                | `signum(a) a'`, 0 at 0              |
//! | `sqrt(a)`         |                        | `0.5 / sqrt(a) a'`                  |
//! | `log10(a)`        | `f64::log10`           | `a' / (a ln 10)`                    |
//! | `sigmoid(a)`      | `1 / (1 + exp(-a))`    | `s (1 - s) a'`                      |
//! | `min(a, b)`, `max(a, b)` | the selected argument; a tie selects `a`, a NaN argument is selected | that of the selected argument |
//! | `floor(a)`, `ceil(a)` | `f64::floor`, `f64::ceil` | 0 (piecewise constant)        |
//! | `mod(a, b)`       | `a - b*floor(a/b)` (the sign of `b`, as Python's `%`) | that of the formula: `a' - b' floor(a/b)` |
//!
//! `e^b` is computed as `exp(b)`. Apart from that and integer powers,
//! compiled code performs the same IEEE operations as the formula read
//! literally, in the same order (up to commuting `+` and `*`), so results
//! match a direct evaluation bit for bit (NaN payloads aside): constant
//! folding, common sub-expression elimination, rewrites and instruction
//! fusion never re-associate or change a result. `value` and `value_grad`
//! agree exactly (again up to NaN payloads).
//!
//! # Compilation
//!
//! 1. **Lexing** (`lexer.rs`): a lazy, hand-written scanner that counts
//!    columns in characters.
//! 2. **Parsing** (`parser.rs`): operator-precedence parsing with explicit
//!    operand and operator stacks (precedence climbing without recursion),
//!    producing an AST in an arena, children before parents, each node with
//!    its source span. Nothing in parsing, compiling or dropping recurses, so
//!    no input can overflow the stack.
//! 3. **Building a DAG** (`compile.rs`): one pass over the arena through smart
//!    constructors that hash-cons nodes (common sub-expression elimination:
//!    `exp(-x^2-y^2)` written twice is computed once), fold constant
//!    sub-expressions (with the evaluator's own arithmetic, so folding never
//!    changes a result), apply rewrites that keep IEEE results, and pick
//!    specialised instructions (`Square`, `PowI`, `MulC`, `AddC`, `CSub`,
//!    `Neg`, ...).
//! 4. **Emission**: unreachable nodes are dropped, single-use pairs fused
//!    (`(y+1)^2`, `exp(-u)`, `(a*c)*b`, `a - b*c`, ...), and the rest laid out
//!    on a flat tape over `f64` slots `[variables | constants | results]`,
//!    each instruction reading lower slots and writing its own.
//! 5. **Evaluation** (`tape/`): forward-mode automatic differentiation.
//!    Each slot holds a value and `N` partial derivatives in a fixed-size
//!    array, so one pass over the tape yields the value and the whole
//!    gradient. `N` is the number of variables for 1 to 4 variables; with
//!    more, the gradient is computed 4 partials per pass. Plain values use
//!    `N = 0`, which compiles down to value arithmetic only. The interpreter
//!    is tuned for the short tapes of typical objectives: the result of the
//!    previous instruction stays in registers, each instruction's opcode
//!    also says which operand (if any) is that previous result, so a single
//!    jump-table dispatch runs fully specialised code, and programs with at
//!    most 256 slots index a fixed-size array with `u8`, which needs no
//!    bounds checks. For the peaks surface, one value-and-gradient
//!    evaluation is a 17-instruction tape.
//! 6. **Native code** (`native/`): an evaluator that keeps going (past a
//!    short warm-up) switches to machine code that Cranelift generates from
//!    the same tape, once per expression: the same operations in registers,
//!    returning exactly the interpreter's bits. `DOWNHILL_JIT=0` turns it
//!    off. [`Expr::wide`] gives the same code two points per call
//!    (`wide.rs`), for sweeps.

// Only `native` (calling generated machine code) may use `unsafe`.
#![deny(unsafe_code)]

mod compile;
mod lexer;
mod native;
mod parser;
mod tape;
mod wide;

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::descent::Function;
use lexer::Span;
use native::{Entry, Native};
use tape::{Dual, Program};
pub use wide::{WIDTH, WideEvaluator};

/// True when `name` is one of the language's built-in functions (`sin`,
/// `exp`, `max`…), which a variable may not be called.
pub fn is_function_name(name: &str) -> bool {
    parser::Func::from_name(name).is_some()
}

/// Longest accepted source, in characters.
const MAX_SOURCE_CHARS: usize = 10_000;

/// Widest forward-mode pass (partials per slot).
const MAX_LANES: usize = 4;

/// Why a source was rejected, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// 1-based column, in characters, of the first character to underline.
    pub column: usize,
    /// Number of characters to underline (at least 1; may extend one past
    /// the end of the source for errors at the end).
    pub len: usize,
    /// What is wrong, e.g. "unknown variable `z`, expected one of: x, y".
    pub message: String,
}

impl ExprError {
    fn at(span: Span, message: impl Into<String>) -> ExprError {
        ExprError {
            column: span.start + 1,
            len: span.len.max(1),
            message: message.into(),
        }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ExprError {}

struct Inner {
    source: String,
    vars: Vec<String>,
    program: Program,
    /// Native code for `program`, made on first demand (`None`: stays
    /// interpreted).
    native: OnceLock<Option<Native>>,
    /// Wide native code, made on first demand ([`Expr::wide`]).
    wide: OnceLock<Option<native::Wide>>,
}

/// A parsed and compiled expression. Immutable; clones share the compiled
/// program.
#[derive(Clone)]
pub struct Expr {
    inner: Arc<Inner>,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expr")
            .field("source", &self.inner.source)
            .field("vars", &self.inner.vars)
            .field("tape_len", &self.tape_len())
            .finish()
    }
}

fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_'))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Expr {
    /// Parses and compiles `src` over the variables `vars`, in this order
    /// (the order of [`Function`]'s `x` and gradient).
    ///
    /// Variable names must be identifiers (`[A-Za-z_][A-Za-z0-9_]*`) and
    /// distinct; otherwise an error at column 1 is returned.
    pub fn parse(src: &str, vars: &[&str]) -> Result<Expr, ExprError> {
        if src.len() > MAX_SOURCE_CHARS {
            let chars = src.chars().count();
            if chars > MAX_SOURCE_CHARS {
                return Err(ExprError::at(
                    Span {
                        start: MAX_SOURCE_CHARS,
                        len: 1,
                    },
                    format!(
                        "expression is too long: {chars} characters, at most {MAX_SOURCE_CHARS} are allowed"
                    ),
                ));
            }
        }
        let whole = Span { start: 0, len: 1 };
        for (i, v) in vars.iter().enumerate() {
            if !is_identifier(v) {
                return Err(ExprError::at(
                    whole,
                    format!(
                        "invalid variable name `{v}`: expected letters, digits and `_`, not starting with a digit"
                    ),
                ));
            }
            if vars[..i].contains(v) {
                return Err(ExprError::at(
                    whole,
                    format!("variable `{v}` is listed twice"),
                ));
            }
        }
        let ast = parser::parse(src, vars)?;
        let program = compile::compile(&ast, vars.len());
        Ok(Expr {
            inner: Arc::new(Inner {
                source: src.to_string(),
                vars: vars.iter().map(|v| v.to_string()).collect(),
                program,
                native: OnceLock::new(),
                wide: OnceLock::new(),
            }),
        })
    }

    /// Number of variables.
    pub fn dim(&self) -> usize {
        self.inner.vars.len()
    }

    /// The source text this was parsed from.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// A reusable evaluator; it owns its scratch buffers.
    pub fn evaluator(&self) -> Evaluator {
        let program = &self.inner.program;
        let grad = match program.n_vars {
            0 => Lanes::Zero,
            1 => Lanes::One(program.slots()),
            2 => Lanes::Two(program.slots()),
            3 => Lanes::Three(program.slots()),
            _ => Lanes::Four(program.slots()),
        };
        Evaluator {
            expr: self.clone(),
            values: program.slots(),
            grad,
            tier: Tier::Warming(0),
        }
    }

    /// Number of instructions on the compiled tape (for tests).
    #[doc(hidden)]
    pub fn tape_len(&self) -> usize {
        self.inner.program.tape.len()
    }

    /// How many times the compiled tape performs the named operation
    /// (`"Exp"`, `"Mul"`, `"MulC"`, `"Square"`, ...), counting the parts of
    /// fused instructions (`ExpNeg` counts as a `Neg` and an `Exp`), or how
    /// many fused instructions of that name it has (`"ExpNeg"`); for tests.
    #[doc(hidden)]
    pub fn count_op(&self, name: &str) -> usize {
        let tape = &self.inner.program.tape;
        let named = |op: tape::OpKind| op.name() == name;
        tape.iter()
            .map(|i| i.code.op())
            .map(|op| usize::from(named(op)) + op.parts().iter().filter(|&&p| named(p)).count())
            .sum()
    }

    /// A listing of the compiled program, one instruction per line (for
    /// debugging).
    #[doc(hidden)]
    pub fn disassemble(&self) -> String {
        let p = &self.inner.program;
        let name = |s: u32| -> String {
            let s = s as usize;
            if s < p.n_vars {
                self.inner.vars[s].clone()
            } else if s < p.base() {
                format!("{}", p.init[s])
            } else {
                format!("%{}", s - p.base())
            }
        };
        let mut out = String::new();
        for (i, ins) in p.tape.iter().enumerate() {
            let (op, mode) = (ins.code.op(), ins.code.mode());
            let operand = |s: u32, from_prev: bool| {
                if from_prev {
                    "prev".to_string()
                } else {
                    name(s)
                }
            };
            let mut line = format!(
                "%{i} = {}({}",
                op.name(),
                operand(ins.a, mode == tape::Mode::PrevA)
            );
            if op.arity() == 2 {
                line += &format!(", {}", operand(ins.b, mode == tape::Mode::PrevB));
            }
            let c = ins.imm.c;
            if c != 0.0 || c.is_sign_negative() {
                line += &format!(", {c}");
            }
            out += &line;
            out += ")\n";
        }
        out += &format!("return {}\n", name(p.out));
        out
    }
}

/// Forward-mode slot buffers, by number of partials per slot.
#[derive(Clone)]
enum Lanes {
    Zero,
    One(Vec<Dual<1>>),
    Two(Vec<Dual<2>>),
    Three(Vec<Dual<3>>),
    Four(Vec<Dual<MAX_LANES>>),
}

/// How an evaluator evaluates.
#[derive(Clone, Copy, Debug)]
enum Tier {
    /// Interpreting; after [`native::WARM_UP`] evaluations it asks for
    /// native code (at once if another evaluator of the expression did).
    Warming(u32),
    /// Through the expression's native code (owned by the evaluator's
    /// `Expr`, so alive as long as the evaluator).
    Native(Entry),
    /// Interpreting for good (no native code for this expression, or asked
    /// for with [`Evaluator::interpreted`]).
    Interpreted,
}

/// Evaluates an [`Expr`]: owns the scratch space, so evaluations do not
/// allocate. Create one per thread with [`Expr::evaluator`].
///
/// The first evaluations interpret the compiled tape; an evaluator that
/// keeps going switches to native code generated for the expression (see
/// the `native` module), which returns the same bits, only sooner.
#[derive(Clone)]
pub struct Evaluator {
    expr: Expr,
    /// Slots for plain values.
    values: Vec<Dual<0>>,
    grad: Lanes,
    tier: Tier,
}

impl Evaluator {
    /// This evaluator, never using native code (for comparisons).
    #[doc(hidden)]
    pub fn interpreted(mut self) -> Self {
        self.tier = Tier::Interpreted;
        self
    }

    /// This evaluator, using native code from its next evaluation on
    /// where there is any (no warm-up).
    #[doc(hidden)]
    pub fn eager(mut self) -> Self {
        if !matches!(self.tier, Tier::Interpreted) {
            self.tier = Tier::Warming(native::WARM_UP);
        }
        self
    }

    /// Whether evaluations now run native code (for tests).
    #[doc(hidden)]
    pub fn is_native(&self) -> bool {
        matches!(self.tier, Tier::Native(_))
    }

    /// The native code to use for this evaluation, if any.
    #[inline]
    fn native(&mut self) -> Option<Entry> {
        match self.tier {
            Tier::Native(entry) => Some(entry),
            Tier::Interpreted => None,
            Tier::Warming(k) => {
                let inner = &self.expr.inner;
                let made = if k < native::WARM_UP {
                    // Still warming up, unless another evaluator of this
                    // expression already had the code made.
                    let Some(made) = inner.native.get() else {
                        self.tier = Tier::Warming(k + 1);
                        return None;
                    };
                    made
                } else {
                    inner.native.get_or_init(|| Native::new(&inner.program))
                };
                let native = made.as_ref().map(Native::entry);
                self.tier = native.map_or(Tier::Interpreted, Tier::Native);
                native
            }
        }
    }
}

impl fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluator")
            .field("source", &self.expr.source())
            .field("dim", &self.expr.dim())
            .finish()
    }
}

fn load_vars<const N: usize>(slots: &mut [Dual<N>], x: &[f64]) {
    for (s, &xi) in slots.iter_mut().zip(x) {
        s.v = xi;
    }
}

/// Value and gradient with `N` partials per pass.
fn value_grad_lanes<const N: usize>(
    program: &Program,
    slots: &mut [Dual<N>],
    x: &[f64],
    grad: &mut [f64],
) -> f64 {
    // The usual case, one pass: fixed-size copies in and out.
    if let (Ok(x), Ok(grad)) = (
        <&[f64; N]>::try_from(x),
        <&mut [f64; N]>::try_from(&mut *grad),
    ) {
        // Seeds were set once, when the slots were made.
        for (s, &xi) in slots.iter_mut().zip(x) {
            s.v = xi;
        }
        program.run(slots);
        let r = slots[program.out as usize];
        *grad = r.d;
        return r.v;
    }
    // More variables than partials per pass: one pass per group of N.
    let n = program.n_vars;
    load_vars(slots, x);
    let mut value = 0.0;
    for start in (0..n).step_by(N) {
        for (j, s) in slots[..n].iter_mut().enumerate() {
            s.d = std::array::from_fn(|k| if j == start + k { 1.0 } else { 0.0 });
        }
        program.run(slots);
        let r = &slots[program.out as usize];
        for (g, d) in grad[start..].iter_mut().zip(r.d) {
            *g = d;
        }
        value = r.v;
    }
    value
}

impl Function for Evaluator {
    fn dim(&self) -> usize {
        self.expr.dim()
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        if let Some(native) = self.native() {
            return native.value(x);
        }
        let program = &self.expr.inner.program;
        assert_eq!(x.len(), program.n_vars, "wrong number of variables");
        load_vars(&mut self.values, x);
        program.run(&mut self.values);
        self.values[program.out as usize].v
    }

    /// Native code straight away when there is some (the hot path of a long
    /// run, inlined into the caller); everything else out of line.
    #[inline]
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        if let Tier::Native(entry) = self.tier
            && !matches!(self.grad, Lanes::Zero)
            && let Some(v) = entry.value_grad(x, grad)
        {
            return v;
        }
        self.value_grad_rest(x, grad)
    }
}

impl Evaluator {
    /// [`Function::value_grad`] but its native fast path.
    #[inline(never)]
    fn value_grad_rest(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        if matches!(self.grad, Lanes::Zero) {
            assert!(grad.is_empty(), "wrong gradient length");
            return self.value(x);
        }
        if let Some(v) = self.native().and_then(|n| n.value_grad(x, grad)) {
            return v;
        }
        let program = &self.expr.inner.program;
        assert_eq!(x.len(), program.n_vars, "wrong number of variables");
        assert_eq!(grad.len(), program.n_vars, "wrong gradient length");
        match &mut self.grad {
            Lanes::Zero => unreachable!("handled above"),
            Lanes::One(s) => value_grad_lanes(program, s, x, grad),
            Lanes::Two(s) => value_grad_lanes(program, s, x, grad),
            Lanes::Three(s) => value_grad_lanes(program, s, x, grad),
            Lanes::Four(s) => value_grad_lanes(program, s, x, grad),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_are_known() {
        for name in [
            "sin", "cos", "tan", "exp", "ln", "log10", "sqrt", "abs", "tanh",
        ] {
            assert!(is_function_name(name), "{name}");
        }
        for name in ["sigmoid", "min", "max"] {
            assert!(is_function_name(name), "{name}");
        }
        for name in ["x", "y", "e", "pi", "log", "Sin", ""] {
            assert!(!is_function_name(name), "{name}");
        }
    }

    fn eval(src: &str, vars: &[&str], x: &[f64]) -> (f64, Vec<f64>) {
        let mut ev = Expr::parse(src, vars).unwrap().evaluator();
        let mut g = vec![0.0; x.len()];
        let v = ev.value_grad(x, &mut g);
        assert_eq!(v.to_bits(), ev.value(x).to_bits(), "{src}");
        (v, g)
    }

    #[test]
    fn send_sync() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<Expr>();
        is_send_sync::<Evaluator>();
    }

    #[test]
    fn simple_values_and_gradients() {
        assert_eq!(
            eval("x*y + 1", &["x", "y"], &[2.0, 3.0]),
            (7.0, vec![3.0, 2.0])
        );
        assert_eq!(eval("x", &["x"], &[2.0]), (2.0, vec![1.0]));
        assert_eq!(eval("3", &["x"], &[2.0]), (3.0, vec![0.0]));
        assert_eq!(eval("2*3", &[], &[]), (6.0, vec![]));
        assert_eq!(eval("y", &["x", "y"], &[1.0, 5.0]), (5.0, vec![0.0, 1.0]));
    }

    #[test]
    fn many_variables_use_several_passes() {
        let vars = ["a", "b", "c", "d", "e", "f", "g"];
        let src = "a + 2*b + 3*c + 4*d + 5*e + 6*f + 7*g^2";
        let x = [1.0; 7];
        let (v, g) = eval(src, &vars, &x);
        assert_eq!(v, 28.0);
        assert_eq!(g, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 14.0]);
    }

    #[test]
    fn cse_and_folding() {
        let f = Expr::parse("exp(-x^2-y^2) + exp(-x^2-y^2)", &["x", "y"]).unwrap();
        assert_eq!(f.count_op("Exp"), 1, "{}", f.disassemble());
        let f = Expr::parse("2*3+x", &["x"]).unwrap();
        assert_eq!(f.count_op("Mul") + f.count_op("MulC"), 0);
        assert_eq!(f.tape_len(), 1, "{}", f.disassemble());
        let f = Expr::parse("x*y + y*x", &["x", "y"]).unwrap();
        assert_eq!(f.count_op("Mul"), 1, "{}", f.disassemble());
    }

    #[test]
    fn specialised_instructions() {
        let f = Expr::parse("x^2 + x^3 + x^0.5 + 2^x + x^-1 + x/4 + x/3", &["x"]).unwrap();
        let d = f.disassemble();
        for op in ["Square", "PowI", "PowF", "CPow", "CDiv", "MulC", "DivC"] {
            assert_eq!(f.count_op(op), 1, "{op} in\n{d}");
        }
        assert_eq!(f.count_op("Pow"), 0, "{d}");
    }

    #[test]
    fn invalid_variable_lists() {
        assert!(Expr::parse("x", &["1x"]).is_err());
        assert!(Expr::parse("x", &["x", "x"]).is_err());
        assert!(Expr::parse("x", &[""]).is_err());
    }
}
