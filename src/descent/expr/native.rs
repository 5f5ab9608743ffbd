//! Native code for a compiled tape, generated with Cranelift.
//!
//! The interpreter ([`Program::run`]) pays a dispatch and a trip through
//! memory per instruction. Here the same tape is translated once into a
//! straight-line machine-code function in which every slot, and each of its
//! partial derivatives, is an SSA value living in registers; the constants
//! and the seeds of the variables' partials are immediates.
//!
//! # Same numbers, to the bit
//!
//! [`emit`] mirrors [`tape::step`](super::tape) operation by operation: the
//! same IEEE additions, multiplications and divisions in the same order, the
//! same library calls (through the small `extern "C"` wrappers below, which
//! call the very `f64` methods the interpreter calls), and data-dependent
//! choices (`min`, `max`, `abs`, the guards of `powf`) as `select`s computing
//! both sides. Cranelift neither fuses multiply-adds nor reassociates floating
//! point, so a native evaluation returns exactly the interpreter's bits; the
//! tests check that on every expression of the test corpus.
//!
//! # When
//!
//! Translating costs tens of microseconds per small expression, so an
//! [`Evaluator`](super::Evaluator) first interprets and asks for native code
//! only after [`WARM_UP`] evaluations; the code is made once per [`Expr`]
//! (shared by its clones and evaluators, across threads) and freed with it.
//! Programs with more than [`MAX_TAPE`] instructions or more than
//! [`MAX_LANES`] variables stay interpreted, as does everything on a host
//! Cranelift does not support, if translation fails for any reason (a panic
//! inside Cranelift included), or when the environment variable
//! `DOWNHILL_JIT` is `0`.
//!
//! [`Expr`]: super::Expr
//!
//! This is the one module of the expression engine with `unsafe` code:
//! calling the generated functions and freeing their memory.

#![allow(unsafe_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, SigRef, Signature, Value, types};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};

use super::MAX_LANES;
use super::tape::{OpKind, Program, Slotted};

/// Evaluations an evaluator interprets before it asks for native code.
pub(super) const WARM_UP: u32 = 64;

/// Longest tape translated to native code.
pub(super) const MAX_TAPE: usize = 300;

/// `value_grad(x, grad) -> value` for `n_vars` variables.
type ValueGradFn = unsafe extern "C" fn(*const f64, *mut f64) -> f64;
/// `value(x) -> value`.
type ValueFn = unsafe extern "C" fn(*const f64) -> f64;

/// Native code for one program: a value-only function and, for at most
/// [`MAX_LANES`] variables, a value-and-gradient function.
pub(super) struct Native {
    /// Owns the executable memory the function pointers point into.
    module: Option<JITModule>,
    value: ValueFn,
    value_grad: Option<ValueGradFn>,
    n_vars: usize,
}

// SAFETY: after `finalize_definitions` the module's memory is immutable
// machine code and read-only data; the generated functions touch only their
// arguments and call the thread-safe wrappers below. Nothing is mutated until
// `Drop`, which has `&mut self`.
unsafe impl Send for Native {}
unsafe impl Sync for Native {}

impl Drop for Native {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the function pointers die with `self`; no evaluator
            // can call them any more (they hold an `Arc` to this).
            unsafe { module.free_memory() };
        }
    }
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Native")
            .field("n_vars", &self.n_vars)
            .field("gradient", &self.value_grad.is_some())
            .finish()
    }
}

impl Native {
    /// Translates `program`, or `None` where it stays interpreted (see the
    /// module docs).
    pub fn new(program: &Program) -> Option<Native> {
        if !enabled() || program.tape.len() > MAX_TAPE {
            return None;
        }
        // Cranelift is not expected to panic, but a bad formula must never
        // take the program down: fall back to the interpreter.
        catch_unwind(AssertUnwindSafe(|| translate(program)))
            .ok()
            .flatten()
    }

    /// The entry points, for an evaluator to call without going through
    /// the `Expr` each time. Only valid while `self` lives: the evaluator
    /// holding it also holds the `Expr` that owns `self`.
    pub fn entry(&self) -> Entry {
        Entry {
            value: self.value,
            value_grad: self.value_grad,
            n_vars: self.n_vars,
        }
    }
}

/// The entry points of a [`Native`] (see [`Native::entry`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    value: ValueFn,
    value_grad: Option<ValueGradFn>,
    n_vars: usize,
}

impl Entry {
    /// The value at `x` (`x.len()` is the program's variable count).
    #[inline]
    pub fn value(&self, x: &[f64]) -> f64 {
        assert_eq!(x.len(), self.n_vars, "wrong number of variables");
        // SAFETY: the code is alive (see `Native::entry`) and reads exactly
        // `n_vars` values from `x`.
        unsafe { (self.value)(x.as_ptr()) }
    }

    /// The value and gradient at `x`, or `None` if this program has no
    /// native gradient.
    #[inline]
    pub fn value_grad(&self, x: &[f64], grad: &mut [f64]) -> Option<f64> {
        let f = self.value_grad?;
        assert!(
            x.len() == self.n_vars && grad.len() == self.n_vars,
            "wrong number of variables or gradient length"
        );
        // SAFETY: the code is alive (see `Native::entry`); it reads `n_vars`
        // values from `x` and writes `n_vars` values to `grad`.
        Some(unsafe { f(x.as_ptr(), grad.as_mut_ptr()) })
    }
}

/// False when `DOWNHILL_JIT=0` is set.
fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("DOWNHILL_JIT").is_none_or(|v| v != "0"))
}

fn translate(program: &Program) -> Option<Native> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("is_pic", "false").ok()?;
    flags.set("use_colocated_libcalls", "false").ok()?;
    let isa = cranelift_native::builder()
        .ok()?
        .finish(settings::Flags::new(flags))
        .ok()?;
    let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
    let n = program.n_vars;

    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    // Declares and builds one function: `lanes = 0` is `value(x)`, else
    // `value_grad(x, grad)`.
    let mut define = |module: &mut JITModule, name: &str, lanes: usize| {
        let ptr = module.target_config().pointer_type();
        let mut sig = module.make_signature();
        sig.params.push(AbiParam::new(ptr));
        if lanes > 0 {
            sig.params.push(AbiParam::new(ptr));
        }
        sig.returns.push(AbiParam::new(types::F64));
        let id = module.declare_function(name, Linkage::Local, &sig).ok()?;
        ctx.func.signature = sig;
        build(&mut ctx, &mut fctx, program, lanes, module.target_config());
        let defined = module.define_function(id, &mut ctx);
        module.clear_context(&mut ctx);
        defined.ok().map(|()| id)
    };
    let value_id = define(&mut module, "value", 0)?;
    let grad_id = if (1..=MAX_LANES).contains(&n) {
        Some(define(&mut module, "value_grad", n)?)
    } else {
        None
    };
    module.finalize_definitions().ok()?;

    // SAFETY: both were defined above with exactly these signatures, in the
    // host's default calling convention, which is `extern "C"`.
    let value = unsafe {
        std::mem::transmute::<*const u8, ValueFn>(module.get_finalized_function(value_id))
    };
    let value_grad = grad_id.map(|id| unsafe {
        std::mem::transmute::<*const u8, ValueGradFn>(module.get_finalized_function(id))
    });
    Some(Native {
        module: Some(module),
        value,
        value_grad,
        n_vars: n,
    })
}

/// A slot in registers: the value and `lanes` partial derivatives.
#[derive(Clone, Copy)]
struct D {
    v: Value,
    d: [Value; MAX_LANES],
}

/// Builds the body of one function into `ctx.func`: `lanes = 0` is the
/// value-only function `(x) -> f64`, otherwise `(x, grad) -> f64` with
/// `lanes` partials.
fn build(
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    program: &Program,
    lanes: usize,
    config: TargetFrontendConfig,
) {
    let ptr = config.pointer_type();
    let call_conv = ctx.func.signature.call_conv;
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let params = b.block_params(block).to_vec();
    let flags = MemFlagsData::trusted();

    let mut unary = Signature::new(call_conv);
    unary.params.push(AbiParam::new(types::F64));
    unary.returns.push(AbiParam::new(types::F64));
    let mut binary = unary.clone();
    binary.params.push(AbiParam::new(types::F64));
    let mut em = Emitter {
        unary: b.import_signature(unary),
        binary: b.import_signature(binary),
        b,
        lanes,
        ptr,
    };

    let zero = em.c(0.0);
    let one = em.c(1.0);
    let mut slots: Vec<D> = Vec::with_capacity(program.n_slots());
    for (j, &init) in program.init.iter().enumerate() {
        let v = if j < program.n_vars {
            em.b.ins()
                .load(types::F64, flags, params[0], (8 * j) as i32)
        } else {
            em.c(init)
        };
        let mut d = [zero; MAX_LANES];
        if j < lanes {
            d[j] = one;
        }
        slots.push(D { v, d });
    }
    // Emission order: any order that respects the operands computes the
    // same values. Library calls clobber every floating-point register, so
    // values live across a call are spilled; emitting the calls (with what
    // they need) first keeps few values alive across them.
    let base = slots.len();
    let mut done: Vec<Option<D>> = vec![None; program.tape.len()];
    let calls = program
        .tape
        .iter()
        .enumerate()
        .filter(|(_, i)| calls_library(i.code.op()));
    let rest = 0..program.tape.len();
    for root in calls.map(|(k, _)| k).chain(rest) {
        // Depth-first, without recursion: emit `root` after its operands.
        let mut stack = vec![root];
        while let Some(&k) = stack.last() {
            if done[k].is_some() {
                stack.pop();
                continue;
            }
            let ins = &program.tape[k];
            let (ops, n) = (&[ins.a, ins.b], ins.code.op().arity());
            let pending: Vec<usize> = ops[..n]
                .iter()
                .filter_map(|&s| (s as usize).checked_sub(base))
                .filter(|&j| done[j].is_none())
                .collect();
            if pending.is_empty() {
                let operand = |s: u32| match (s as usize).checked_sub(base) {
                    None => slots[s as usize],
                    Some(j) => done[j].expect("operands are emitted first"),
                };
                let p = operand(ins.a);
                let q = if n == 2 { operand(ins.b) } else { p };
                done[k] = Some(emit(&mut em, ins, p, q));
                stack.pop();
            } else {
                stack.extend(pending);
            }
        }
    }
    slots.extend(
        done.into_iter()
            .map(|d| d.expect("every instruction is emitted")),
    );
    let result = slots[program.out as usize];
    for k in 0..lanes {
        em.b.ins()
            .store(flags, result.d[k], params[1], (8 * k) as i32);
    }
    em.b.ins().return_(&[result.v]);
    em.b.finalize(config);
}

struct Emitter<'a> {
    b: FunctionBuilder<'a>,
    lanes: usize,
    ptr: types::Type,
    unary: SigRef,
    binary: SigRef,
}

impl Emitter<'_> {
    fn c(&mut self, x: f64) -> Value {
        self.b.ins().f64const(x)
    }
    fn add(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fadd(x, y)
    }
    fn sub(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fsub(x, y)
    }
    fn mul(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fmul(x, y)
    }
    fn div(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fdiv(x, y)
    }
    fn neg(&mut self, x: Value) -> Value {
        self.b.ins().fneg(x)
    }
    /// `if cond { x } else { y }`
    fn select(&mut self, cond: Value, x: Value, y: Value) -> Value {
        self.b.ins().select(cond, x, y)
    }
    fn cmp(&mut self, cc: FloatCC, x: Value, y: Value) -> Value {
        self.b.ins().fcmp(cc, x, y)
    }
    fn call1(&mut self, f: extern "C" fn(f64) -> f64, x: Value) -> Value {
        let callee = self.b.ins().iconst(self.ptr, f as usize as i64);
        let call = self.b.ins().call_indirect(self.unary, callee, &[x]);
        self.b.inst_results(call)[0]
    }
    fn call2(&mut self, f: extern "C" fn(f64, f64) -> f64, x: Value, y: Value) -> Value {
        let callee = self.b.ins().iconst(self.ptr, f as usize as i64);
        let call = self.b.ins().call_indirect(self.binary, callee, &[x, y]);
        self.b.inst_results(call)[0]
    }
    /// Partials `f(x_k)` of one operand.
    fn map(&mut self, p: &D, mut f: impl FnMut(&mut Self, Value) -> Value) -> [Value; MAX_LANES] {
        let mut d = p.d;
        for (dk, &x) in d.iter_mut().zip(&p.d).take(self.lanes) {
            *dk = f(self, x);
        }
        d
    }
    /// Partials `f(x_k, y_k)` of two operands.
    fn zip(
        &mut self,
        p: &D,
        q: &D,
        mut f: impl FnMut(&mut Self, Value, Value) -> Value,
    ) -> [Value; MAX_LANES] {
        let mut d = p.d;
        for ((dk, &x), &y) in d.iter_mut().zip(&p.d).zip(&q.d).take(self.lanes) {
            *dk = f(self, x, y);
        }
        d
    }
    /// `v` with partials `g * p.d` (the chain rule for a unary operation).
    fn chain(&mut self, p: &D, v: Value, g: Value) -> D {
        let d = self.map(p, |e, x| e.mul(g, x));
        D { v, d }
    }
    /// `x^n` by binary powering, the multiplications of `tape::ipow`.
    fn ipow(&mut self, mut x: Value, mut n: u32) -> Value {
        let mut r = self.c(1.0);
        loop {
            if n & 1 == 1 {
                r = self.mul(r, x);
            }
            n >>= 1;
            if n == 0 {
                return r;
            }
            x = self.mul(x, x);
        }
    }
}

// The library functions, called exactly as the interpreter calls them.
extern "C" fn j_exp(x: f64) -> f64 {
    x.exp()
}
extern "C" fn j_ln(x: f64) -> f64 {
    x.ln()
}
extern "C" fn j_log10(x: f64) -> f64 {
    x.log10()
}
extern "C" fn j_sin(x: f64) -> f64 {
    x.sin()
}
extern "C" fn j_cos(x: f64) -> f64 {
    x.cos()
}
extern "C" fn j_tan(x: f64) -> f64 {
    x.tan()
}
extern "C" fn j_tanh(x: f64) -> f64 {
    x.tanh()
}
extern "C" fn j_powf(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// Whether native code for `op` calls a library function.
fn calls_library(op: OpKind) -> bool {
    use OpKind::*;
    matches!(
        op,
        Pow | CPow
            | PowF
            | Sin
            | Cos
            | Tan
            | Exp
            | Ln
            | Log10
            | Tanh
            | Sigmoid
            | ExpNeg
            | ExpNegAdd
    )
}

/// The native twin of `tape::step` for one instruction with operands `p`
/// and (two-operand operations) `q`.
fn emit(e: &mut Emitter<'_>, ins: &Slotted, p: D, q: D) -> D {
    use OpKind::*;
    let op = ins.code.op();
    let c = ins.imm.c;
    let c2 = ins.imm.c2;
    match op {
        Add => {
            let v = e.add(p.v, q.v);
            let d = e.zip(&p, &q, |e, x, y| e.add(x, y));
            D { v, d }
        }
        Sub => {
            let v = e.sub(p.v, q.v);
            let d = e.zip(&p, &q, |e, x, y| e.sub(x, y));
            D { v, d }
        }
        Mul => {
            let v = e.mul(p.v, q.v);
            let d = e.zip(&p, &q, |e, x, y| {
                let l = e.mul(q.v, x);
                let r = e.mul(p.v, y);
                e.add(l, r)
            });
            D { v, d }
        }
        Div => {
            let v = e.div(p.v, q.v);
            let one = e.c(1.0);
            let r = e.div(one, q.v);
            let d = e.zip(&p, &q, |e, x, y| {
                let vy = e.mul(v, y);
                let t = e.sub(x, vy);
                e.mul(t, r)
            });
            D { v, d }
        }
        Pow => {
            let v = e.call2(j_powf, p.v, q.v);
            let one = e.c(1.0);
            let zero = e.c(0.0);
            let qm1 = e.sub(q.v, one);
            let pw = e.call2(j_powf, p.v, qm1);
            let ga = e.mul(q.v, pw);
            let ln = e.call1(j_ln, p.v);
            let vln = e.mul(v, ln);
            let v_zero = e.cmp(FloatCC::Equal, v, zero);
            let gb = e.select(v_zero, zero, vln);
            let d = e.zip(&p, &q, |e, x, y| {
                let ta = term(e, ga, x, zero);
                let tb = term(e, gb, y, zero);
                e.add(ta, tb)
            });
            D { v, d }
        }
        Min | Max => {
            let cc = if op == Min {
                FloatCC::LessThan
            } else {
                FloatCC::GreaterThan
            };
            let before = e.cmp(cc, q.v, p.v);
            let nan = e.cmp(FloatCC::Unordered, q.v, q.v);
            let take_q = e.b.ins().bor(before, nan);
            let v = e.select(take_q, q.v, p.v);
            let d = e.zip(&p, &q, |e, x, y| e.select(take_q, y, x));
            D { v, d }
        }
        AddC => {
            let k = e.c(c);
            let v = e.add(p.v, k);
            D { v, d: p.d }
        }
        MulC => {
            let k = e.c(c);
            let v = e.mul(p.v, k);
            e.chain(&p, v, k)
        }
        DivC => {
            let k = e.c(c);
            let v = e.div(p.v, k);
            let g = e.c(c2);
            e.chain(&p, v, g)
        }
        CSub => {
            let k = e.c(c);
            let v = e.sub(k, p.v);
            let d = e.map(&p, |e, x| e.neg(x));
            D { v, d }
        }
        CDiv => {
            let k = e.c(c);
            let v = e.div(k, p.v);
            let nv = e.neg(v);
            let g = e.div(nv, p.v);
            e.chain(&p, v, g)
        }
        CPow => {
            let k = e.c(c);
            let v = e.call2(j_powf, k, p.v);
            let zero = e.c(0.0);
            let l = e.c(c2);
            let vl = e.mul(v, l);
            let v_zero = e.cmp(FloatCC::Equal, v, zero);
            let g = e.select(v_zero, zero, vl);
            e.chain(&p, v, g)
        }
        PowI => {
            // `tape::powi_with_slope`
            let k = c as i32;
            let m = k.unsigned_abs();
            let pm = e.ipow(p.v, m - 1);
            let qm = e.mul(pm, p.v);
            let kf = e.c(k as f64);
            let (v, g) = if k > 0 {
                let g = e.mul(kf, pm);
                (qm, g)
            } else {
                let one = e.c(1.0);
                let v = e.div(one, qm);
                let qx = e.mul(qm, p.v);
                let g = e.div(kf, qx);
                (v, g)
            };
            e.chain(&p, v, g)
        }
        PowF => {
            let k = e.c(c);
            let v = e.call2(j_powf, p.v, k);
            let one = e.c(1.0);
            let zero = e.c(0.0);
            let km1 = e.sub(k, one);
            let pw = e.call2(j_powf, p.v, km1);
            let at_zero = e.mul(k, pw);
            let kv = e.mul(k, v);
            let elsewhere = e.div(kv, p.v);
            let is_zero = e.cmp(FloatCC::Equal, p.v, zero);
            let g = e.select(is_zero, at_zero, elsewhere);
            e.chain(&p, v, g)
        }
        Square => {
            let v = e.mul(p.v, p.v);
            let two = e.c(2.0);
            let g = e.mul(two, p.v);
            e.chain(&p, v, g)
        }
        Neg => {
            let v = e.neg(p.v);
            let d = e.map(&p, |e, x| e.neg(x));
            D { v, d }
        }
        Sin => {
            let v = e.call1(j_sin, p.v);
            let g = e.call1(j_cos, p.v);
            e.chain(&p, v, g)
        }
        Cos => {
            let v = e.call1(j_cos, p.v);
            let s = e.call1(j_sin, p.v);
            let g = e.neg(s);
            e.chain(&p, v, g)
        }
        Tan => {
            let t = e.call1(j_tan, p.v);
            let one = e.c(1.0);
            let tt = e.mul(t, t);
            let g = e.add(one, tt);
            e.chain(&p, t, g)
        }
        Exp => {
            let v = e.call1(j_exp, p.v);
            e.chain(&p, v, v)
        }
        Ln => {
            let v = e.call1(j_ln, p.v);
            let one = e.c(1.0);
            let g = e.div(one, p.v);
            e.chain(&p, v, g)
        }
        Log10 => {
            let v = e.call1(j_log10, p.v);
            let one = e.c(1.0);
            let ln10 = e.c(std::f64::consts::LN_10);
            let den = e.mul(p.v, ln10);
            let g = e.div(one, den);
            e.chain(&p, v, g)
        }
        Sqrt => {
            let v = e.b.ins().sqrt(p.v);
            let half = e.c(0.5);
            let g = e.div(half, v);
            e.chain(&p, v, g)
        }
        Abs => {
            let zero = e.c(0.0);
            let one = e.c(1.0);
            let minus = e.c(-1.0);
            let pos = e.cmp(FloatCC::GreaterThan, p.v, zero);
            let neg = e.cmp(FloatCC::LessThan, p.v, zero);
            let below = e.select(neg, minus, zero);
            let g = e.select(pos, one, below);
            let v = e.b.ins().fabs(p.v);
            e.chain(&p, v, g)
        }
        Tanh => {
            let t = e.call1(j_tanh, p.v);
            let one = e.c(1.0);
            let tt = e.mul(t, t);
            let g = e.sub(one, tt);
            e.chain(&p, t, g)
        }
        Sigmoid => {
            // `tape::sigmoid`: 1 / (1 + exp(-x))
            let nx = e.neg(p.v);
            let ex = e.call1(j_exp, nx);
            let one = e.c(1.0);
            let den = e.add(one, ex);
            let s = e.div(one, den);
            let oms = e.sub(one, s);
            let g = e.mul(s, oms);
            e.chain(&p, s, g)
        }
        SqAddC => {
            let k = e.c(c);
            let t = e.add(p.v, k);
            let v = e.mul(t, t);
            let two = e.c(2.0);
            let g = e.mul(two, t);
            e.chain(&p, v, g)
        }
        SqCSub => {
            let k = e.c(c);
            let t = e.sub(k, p.v);
            let v = e.mul(t, t);
            let m2 = e.c(-2.0);
            let g = e.mul(m2, t);
            e.chain(&p, v, g)
        }
        SqAdd | SqSub => {
            let t = if op == SqAdd {
                e.add(p.v, q.v)
            } else {
                e.sub(p.v, q.v)
            };
            let two = e.c(2.0);
            let g = e.mul(two, t);
            let v = e.mul(t, t);
            let d = e.zip(&p, &q, |e, x, y| {
                let s = if op == SqAdd {
                    e.add(x, y)
                } else {
                    e.sub(x, y)
                };
                e.mul(g, s)
            });
            D { v, d }
        }
        ExpNeg => {
            let nx = e.neg(p.v);
            let v = e.call1(j_exp, nx);
            let g = e.neg(v);
            e.chain(&p, v, g)
        }
        ExpNegAdd => {
            let s = e.add(p.v, q.v);
            let ns = e.neg(s);
            let v = e.call1(j_exp, ns);
            let nv = e.neg(v);
            let d = e.zip(&p, &q, |e, x, y| {
                let xy = e.add(x, y);
                e.mul(nv, xy)
            });
            D { v, d }
        }
        MulCMul => {
            let k = e.c(c);
            let m = e.mul(p.v, k);
            let v = e.mul(m, q.v);
            let d = e.zip(&p, &q, |e, x, y| {
                let cx = e.mul(k, x);
                let l = e.mul(q.v, cx);
                let r = e.mul(m, y);
                e.add(l, r)
            });
            D { v, d }
        }
        AddMulC => {
            let k = e.c(c);
            let qc = e.mul(q.v, k);
            let v = e.add(p.v, qc);
            let d = e.zip(&p, &q, |e, x, y| {
                let cy = e.mul(k, y);
                e.add(x, cy)
            });
            D { v, d }
        }
    }
}

/// `if x == 0 { 0 } else { g * x }`: a zero partial stays zero even where
/// the local slope is infinite or NaN (see `tape::step`'s `Pow`).
fn term(e: &mut Emitter<'_>, g: Value, x: Value, zero: Value) -> Value {
    let gx = e.mul(g, x);
    let is_zero = e.cmp(FloatCC::Equal, x, zero);
    e.select(is_zero, zero, gx)
}
