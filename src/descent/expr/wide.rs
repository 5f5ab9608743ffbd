//! Several points per call: [`Expr::wide`] hands out a [`WideEvaluator`],
//! which computes the value and gradient of [`WIDTH`] points at once with
//! vector instructions (see `native/codegen.rs`), for callers that step
//! many independent runs side by side (sweeps).
//!
//! Each point gets exactly the bits a scalar [`Evaluator`] gives for it:
//! the arithmetic is the same IEEE operation per lane, and library
//! functions (`exp`, `sin`, `powf`…) are called once per lane, the same
//! function the scalar code calls.
//!
//! [`Evaluator`]: super::Evaluator

use super::Expr;
use super::native::{self, WideEntry};

/// Points a [`WideEvaluator`] evaluates per call.
pub const WIDTH: usize = native::WIDTH;

/// Evaluates an [`Expr`] at [`WIDTH`] points per call (see the module
/// docs). Cheap to clone; holds the expression, which owns the code.
#[derive(Clone)]
pub struct WideEvaluator {
    /// Keeps the code alive.
    expr: Expr,
    entry: WideEntry,
}

impl std::fmt::Debug for WideEvaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WideEvaluator")
            .field("source", &self.expr.source())
            .finish()
    }
}

impl Expr {
    /// A wide evaluator, or `None` where there is none: no native code
    /// (`DOWNHILL_JIT=0`, a host without a backend, a tape too long), no
    /// variables or more than 4. The code is made on the first call (about
    /// as long as the scalar code takes) and shared by clones.
    pub fn wide(&self) -> Option<WideEvaluator> {
        let inner = &self.inner;
        let made = inner.wide.get_or_init(|| native::Wide::new(&inner.program));
        made.as_ref().map(|w| WideEvaluator {
            expr: self.clone(),
            entry: w.entry(),
        })
    }
}

impl WideEvaluator {
    /// Number of variables.
    pub fn dim(&self) -> usize {
        self.expr.dim()
    }

    /// Value and gradient of [`WIDTH`] points: `x[j][p]` is variable `j`
    /// of point `p` (`dim()` rows); `out[0][p]` receives the value at
    /// point `p` and `out[k + 1][p]` its partial `k` (`dim() + 1` rows).
    /// Panics on other lengths.
    #[inline]
    pub fn value_grad(&self, x: &[[f64; WIDTH]], out: &mut [[f64; WIDTH]]) {
        self.entry.value_grad(x, out);
    }
}
