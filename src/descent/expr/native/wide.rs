//! Wide native code: the value and gradient of [`WIDTH`] points per call,
//! each slot an `f64x2` (see `codegen.rs`). Made on demand, apart from the
//! scalar code (an expression that is only ever stepped one point at a
//! time never pays for it), in a module of its own, so that a failure here
//! leaves the scalar code alone.

use std::panic::{AssertUnwindSafe, catch_unwind};

use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::JITModule;

use super::{MAX_TAPE, WIDTH, define, enabled, new_module};
use crate::descent::expr::MAX_LANES;
use crate::descent::expr::tape::Program;

/// `value_grad` of [`WIDTH`] points: `(x, out)`, laid out as `build` says.
type WideFn = unsafe extern "C" fn(*const f64, *mut f64);

/// Wide native code for one program with 1 to [`MAX_LANES`] variables.
pub(in crate::descent::expr) struct Wide {
    /// Owns the executable memory `f` points into.
    module: Option<JITModule>,
    f: WideFn,
    n_vars: usize,
}

// SAFETY: as for `Native`: immutable machine code after finalisation, which
// touches only its arguments and calls the thread-safe wrappers of `emit.rs`.
unsafe impl Send for Wide {}
unsafe impl Sync for Wide {}

impl Drop for Wide {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the function pointer dies with `self`; every entry
            // handed out is used under an `Expr` that keeps `self` alive.
            unsafe { module.free_memory() };
        }
    }
}

impl std::fmt::Debug for Wide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wide")
            .field("n_vars", &self.n_vars)
            .finish()
    }
}

impl Wide {
    /// Translates `program`, or `None` where there is no wide code: the
    /// scalar code's limits (`DOWNHILL_JIT=0`, long tapes, hosts without a
    /// backend), more than [`MAX_LANES`] or no variables, or a failure.
    pub fn new(program: &Program) -> Option<Wide> {
        let n = program.n_vars;
        if !enabled() || program.tape.len() > MAX_TAPE || !(1..=MAX_LANES).contains(&n) {
            return None;
        }
        catch_unwind(AssertUnwindSafe(|| {
            let mut module = new_module()?;
            let mut fctx = FunctionBuilderContext::new();
            let id = define(&mut module, &mut fctx, program, "wide", n, true)?;
            module.finalize_definitions().ok()?;
            // SAFETY: defined above with this signature, in the host's
            // default calling convention, which is `extern "C"`.
            let f = unsafe {
                std::mem::transmute::<*const u8, WideFn>(module.get_finalized_function(id))
            };
            Some(Wide {
                module: Some(module),
                f,
                n_vars: n,
            })
        }))
        .ok()
        .flatten()
    }

    /// The entry point (valid while `self` lives, see [`Native::entry`]).
    ///
    /// [`Native::entry`]: super::Native::entry
    pub fn entry(&self) -> WideEntry {
        WideEntry {
            f: self.f,
            n_vars: self.n_vars,
        }
    }
}

/// The entry point of a [`Wide`].
#[derive(Clone, Copy, Debug)]
pub(in crate::descent::expr) struct WideEntry {
    f: WideFn,
    n_vars: usize,
}

impl WideEntry {
    /// Value and gradient of [`WIDTH`] points: `x[j][p]` is variable `j` of
    /// point `p`; `out[0][p]` receives point `p`'s value and `out[k + 1][p]`
    /// its partial `k`.
    #[inline]
    pub fn value_grad(&self, x: &[[f64; WIDTH]], out: &mut [[f64; WIDTH]]) {
        assert!(
            x.len() == self.n_vars && out.len() == self.n_vars + 1,
            "wrong number of variables or outputs"
        );
        // SAFETY: the code is alive (see `entry`); it reads `WIDTH·n_vars`
        // values from `x` and writes `WIDTH·(n_vars + 1)` values to `out`,
        // both contiguous arrays of `f64`.
        unsafe { (self.f)(x.as_ptr().cast(), out.as_mut_ptr().cast()) }
    }
}
