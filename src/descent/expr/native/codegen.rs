//! Building the body of one native function from a program's tape: the
//! slots as SSA values ([`D`]), the order the instructions are emitted in,
//! and the [`Emitter`] that [`emit`] writes each instruction with.
//!
//! One body serves two shapes: scalar (`f64` values, one point) and wide
//! (`f64x2` values, [`WIDTH`] points at once). In a wide body the
//! arithmetic, comparisons and selects work on both points with one vector
//! instruction each (the same IEEE operation per lane), and a library
//! call becomes one scalar call per lane, to the very same function, so
//! every lane gets exactly the bits the scalar code gives for its point.

use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
    AbiParam, Endianness, InstBuilder, MemFlagsData, SigRef, Signature, Type, Value, types,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

use super::emit::{calls_library, emit};
use crate::descent::expr::MAX_LANES;
use crate::descent::expr::tape::Program;

/// A slot in registers: the value and `lanes` partial derivatives.
#[derive(Clone, Copy)]
pub(super) struct D {
    pub(super) v: Value,
    pub(super) d: [Value; MAX_LANES],
}

/// Points a wide function evaluates at once (one `f64x2` per slot).
pub(crate) const WIDTH: usize = 2;

/// Builds the body of one function into `ctx.func`: `lanes = 0` is the
/// value-only function `(x) -> f64`, otherwise `(x, grad) -> f64` with
/// `lanes` partials. With `wide`, the function is `(x, out)` over
/// [`WIDTH`] points: `x` holds variable `j` of point `p` at `WIDTH·j + p`,
/// and `out` receives the values (`out[p]`) and then partial `k` of point
/// `p` at `WIDTH·(k + 1) + p`.
pub(super) fn build(
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    program: &Program,
    lanes: usize,
    wide: bool,
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
    let ty = if wide { types::F64X2 } else { types::F64 };
    // Vector loads and stores need no alignment.
    let vflags = MemFlagsData::new().with_notrap();
    let step = if wide { 8 * WIDTH } else { 8 };

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
        ty,
        vexp: wide && super::vexp::usable(),
    };

    let zero = em.c(0.0);
    let one = em.c(1.0);
    let mut slots: Vec<D> = Vec::with_capacity(program.n_slots());
    for (j, &init) in program.init.iter().enumerate() {
        let v = if j < program.n_vars {
            let f = if wide { vflags } else { flags };
            em.b.ins().load(ty, f, params[0], (step * j) as i32)
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
    if wide {
        em.b.ins().store(vflags, result.v, params[1], 0);
        for k in 0..lanes {
            em.b.ins()
                .store(vflags, result.d[k], params[1], (step * (k + 1)) as i32);
        }
        em.b.ins().return_(&[]);
    } else {
        for k in 0..lanes {
            em.b.ins()
                .store(flags, result.d[k], params[1], (8 * k) as i32);
        }
        em.b.ins().return_(&[result.v]);
    }
    em.b.finalize(config);
}

pub(super) struct Emitter<'a> {
    pub(super) b: FunctionBuilder<'a>,
    lanes: usize,
    ptr: types::Type,
    unary: SigRef,
    binary: SigRef,
    /// `F64`, or `F64X2` in a wide function.
    ty: Type,
    /// Wide code computes `exp` with vector instructions (`vexp.rs`).
    vexp: bool,
}

impl Emitter<'_> {
    fn wide(&self) -> bool {
        self.ty.is_vector()
    }
    pub(super) fn c(&mut self, x: f64) -> Value {
        let k = self.b.ins().f64const(x);
        if self.wide() {
            self.b.ins().splat(self.ty, k)
        } else {
            k
        }
    }
    pub(super) fn add(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fadd(x, y)
    }
    pub(super) fn sub(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fsub(x, y)
    }
    pub(super) fn mul(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fmul(x, y)
    }
    pub(super) fn div(&mut self, x: Value, y: Value) -> Value {
        self.b.ins().fdiv(x, y)
    }
    pub(super) fn neg(&mut self, x: Value) -> Value {
        self.b.ins().fneg(x)
    }
    /// `if cond { x } else { y }` (lane by lane in a wide function, where
    /// `cond` is a mask from [`Emitter::cmp`]).
    pub(super) fn select(&mut self, cond: Value, x: Value, y: Value) -> Value {
        if self.wide() {
            let little = MemFlagsData::new().with_endianness(Endianness::Little);
            let mask = self.b.ins().bitcast(self.ty, little, cond);
            self.b.ins().bitselect(mask, x, y)
        } else {
            self.b.ins().select(cond, x, y)
        }
    }
    pub(super) fn cmp(&mut self, cc: FloatCC, x: Value, y: Value) -> Value {
        self.b.ins().fcmp(cc, x, y)
    }
    /// `exp(x)` as `f` (the scalar code's `exp`) computes it.
    pub(super) fn exp(&mut self, f: extern "C" fn(f64) -> f64, x: Value) -> Value {
        if self.vexp {
            self.vector_exp(x, f)
        } else {
            self.call1(f, x)
        }
    }
    /// `f(x)`; in a wide function one call per lane.
    pub(super) fn call1(&mut self, f: extern "C" fn(f64) -> f64, x: Value) -> Value {
        self.per_lane(|e, args| {
            let callee = e.b.ins().iconst(e.ptr, f as usize as i64);
            let a = args(e, x);
            let call = e.b.ins().call_indirect(e.unary, callee, &[a]);
            e.b.inst_results(call)[0]
        })
    }
    /// `f(x, y)`; in a wide function one call per lane.
    pub(super) fn call2(&mut self, f: extern "C" fn(f64, f64) -> f64, x: Value, y: Value) -> Value {
        self.per_lane(|e, args| {
            let callee = e.b.ins().iconst(e.ptr, f as usize as i64);
            let (a, b) = (args(e, x), args(e, y));
            let call = e.b.ins().call_indirect(e.binary, callee, &[a, b]);
            e.b.inst_results(call)[0]
        })
    }
    /// A scalar computation, once (scalar function) or once per lane, the
    /// lanes gathered into a vector; `one` gets a function that picks its
    /// lane out of a value.
    fn per_lane(
        &mut self,
        mut one: impl FnMut(&mut Self, &dyn Fn(&mut Self, Value) -> Value) -> Value,
    ) -> Value {
        if !self.wide() {
            return one(self, &|_, v| v);
        }
        let mut out = None;
        for lane in 0..WIDTH as u8 {
            let r = one(self, &|e, v| e.b.ins().extractlane(v, lane));
            out = Some(match out {
                None => self.b.ins().scalar_to_vector(self.ty, r),
                Some(acc) => self.b.ins().insertlane(acc, r, lane),
            });
        }
        out.expect("WIDTH > 0")
    }
    /// Partials `f(x_k)` of one operand.
    pub(super) fn map(
        &mut self,
        p: &D,
        mut f: impl FnMut(&mut Self, Value) -> Value,
    ) -> [Value; MAX_LANES] {
        let mut d = p.d;
        for (dk, &x) in d.iter_mut().zip(&p.d).take(self.lanes) {
            *dk = f(self, x);
        }
        d
    }
    /// Partials `f(x_k, y_k)` of two operands.
    pub(super) fn zip(
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
    pub(super) fn chain(&mut self, p: &D, v: Value, g: Value) -> D {
        let d = self.map(p, |e, x| e.mul(g, x));
        D { v, d }
    }
    /// `x^n` by binary powering, the multiplications of `tape::ipow`.
    pub(super) fn ipow(&mut self, mut x: Value, mut n: u32) -> Value {
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
