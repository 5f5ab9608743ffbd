//! Building the body of one native function from a program's tape: the
//! slots as SSA values ([`D`]), the order the instructions are emitted in,
//! and the [`Emitter`] that [`emit`] writes each instruction with.

use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, SigRef, Signature, Value, types};
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

/// Builds the body of one function into `ctx.func`: `lanes = 0` is the
/// value-only function `(x) -> f64`, otherwise `(x, grad) -> f64` with
/// `lanes` partials.
pub(super) fn build(
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

pub(super) struct Emitter<'a> {
    pub(super) b: FunctionBuilder<'a>,
    lanes: usize,
    ptr: types::Type,
    unary: SigRef,
    binary: SigRef,
}

impl Emitter<'_> {
    pub(super) fn c(&mut self, x: f64) -> Value {
        self.b.ins().f64const(x)
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
    /// `if cond { x } else { y }`
    pub(super) fn select(&mut self, cond: Value, x: Value, y: Value) -> Value {
        self.b.ins().select(cond, x, y)
    }
    pub(super) fn cmp(&mut self, cc: FloatCC, x: Value, y: Value) -> Value {
        self.b.ins().fcmp(cc, x, y)
    }
    pub(super) fn call1(&mut self, f: extern "C" fn(f64) -> f64, x: Value) -> Value {
        let callee = self.b.ins().iconst(self.ptr, f as usize as i64);
        let call = self.b.ins().call_indirect(self.unary, callee, &[x]);
        self.b.inst_results(call)[0]
    }
    pub(super) fn call2(&mut self, f: extern "C" fn(f64, f64) -> f64, x: Value, y: Value) -> Value {
        let callee = self.b.ins().iconst(self.ptr, f as usize as i64);
        let call = self.b.ins().call_indirect(self.binary, callee, &[x, y]);
        self.b.inst_results(call)[0]
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
