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
//! [`emit`](emit::emit) mirrors [`tape::step`](super::tape) operation by
//! operation: the same IEEE additions, multiplications and divisions in the
//! same order, the same library calls (through the small `extern "C"`
//! wrappers in `emit.rs`, which call the very `f64` methods the interpreter
//! calls), and data-dependent choices (`min`, `max`, `abs`, the guards of
//! `powf`) as `select`s computing both sides. Cranelift neither fuses
//! multiply-adds nor reassociates floating point, so a native evaluation
//! returns exactly the interpreter's bits; the tests check that on every
//! expression of the test corpus.
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
//!
//! # Wide code
//!
//! For callers that evaluate many independent points (sweeps), a program
//! can also be translated into a *wide* function (`wide.rs`, made on
//! demand): the same body over `f64x2` values, two points per call, each
//! lane getting exactly the scalar code's bits (library calls per lane;
//! `exp` in vector instructions where `vexp.rs` has checked that they give
//! the host library's bits).
//!
//! The entry points, and the translation of a program into a module of
//! machine code, are here; `codegen.rs` builds the body of a function
//! (scalar or wide), `emit.rs` the code of each instruction, `wide.rs` the
//! wide function's module and `vexp.rs` the vector `exp`.

#![allow(unsafe_code)]

mod codegen;
mod emit;
mod vexp;
mod wide;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use cranelift_codegen::ir::{AbiParam, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};

use super::MAX_LANES;
use super::tape::Program;
pub(crate) use codegen::WIDTH;
use codegen::build;
pub(super) use wide::{Wide, WideEntry};

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
// arguments and call the thread-safe wrappers in `emit.rs`. Nothing is
// mutated until `Drop`, which has `&mut self`.
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

/// A fresh module for the host, or `None` where Cranelift has no backend.
fn new_module() -> Option<JITModule> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    flags.set("is_pic", "false").ok()?;
    flags.set("use_colocated_libcalls", "false").ok()?;
    let isa = cranelift_native::builder()
        .ok()?
        .finish(settings::Flags::new(flags))
        .ok()?;
    Some(JITModule::new(JITBuilder::with_isa(
        isa,
        default_libcall_names(),
    )))
}

/// Declares and builds one function of `program` in `module`: `lanes = 0`
/// is `value(x)`, else `value_grad(x, grad)`; `wide` makes it the
/// [`WIDTH`]-point `(x, out)` (see [`build`]).
fn define(
    module: &mut JITModule,
    fctx: &mut FunctionBuilderContext,
    program: &Program,
    name: &str,
    lanes: usize,
    wide: bool,
) -> Option<FuncId> {
    let ptr = module.target_config().pointer_type();
    let mut ctx = module.make_context();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    if lanes > 0 || wide {
        sig.params.push(AbiParam::new(ptr));
    }
    if !wide {
        sig.returns.push(AbiParam::new(types::F64));
    }
    let id = module.declare_function(name, Linkage::Local, &sig).ok()?;
    ctx.func.signature = sig;
    build(&mut ctx, fctx, program, lanes, wide, module.target_config());
    let defined = module.define_function(id, &mut ctx);
    module.clear_context(&mut ctx);
    defined.ok().map(|()| id)
}

fn translate(program: &Program) -> Option<Native> {
    let mut module = new_module()?;
    let n = program.n_vars;
    let mut fctx = FunctionBuilderContext::new();
    let value_id = define(&mut module, &mut fctx, program, "value", 0, false)?;
    let grad_id = if (1..=MAX_LANES).contains(&n) {
        Some(define(
            &mut module,
            &mut fctx,
            program,
            "value_grad",
            n,
            false,
        )?)
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
