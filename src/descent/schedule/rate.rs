//! `schedule = "expr"`: a learning rate written as a formula.
//!
//! | variable | value at update `k` |
//! |---|---|
//! | `k` | the update, `1..=N` |
//! | `N` | the run's epochs |
//! | `eta` | the run's base rate `η` (`lr`) |
//! | `gnorm` | `‖g‖`, the norm of the gradient the update uses |
//!
//! The formula is the expression language of objectives ([`crate::descent::expr`]),
//! so `eta*(1 - k/N)` is `linear-decay` to the last bit and cyclical rates, warm
//! restarts or 1cycle are one line each (`floor`, `mod`, `min`, `max`, `abs`). A
//! rate that is negative or not finite stops the run ([`crate::descent::run::Status::BadRate`]).

use std::fmt;

use crate::descent::expr::{Evaluator, Expr, ExprError};

/// A compiled rate formula over [`RateExpr::VARS`].
#[derive(Clone)]
pub struct RateExpr {
    expr: Expr,
}

impl RateExpr {
    /// The variables a rate formula may use, in the order it is evaluated with.
    pub const VARS: [&'static str; 4] = ["k", "N", "eta", "gnorm"];

    /// Parse and compile `src`.
    pub fn parse(src: &str) -> Result<RateExpr, ExprError> {
        Expr::parse(src, &Self::VARS).map(|expr| RateExpr { expr })
    }

    /// The formula as written.
    pub fn source(&self) -> &str {
        self.expr.source()
    }

    /// An evaluator for [`RateExpr::rate`] (one per run: it owns scratch space).
    pub fn evaluator(&self) -> Evaluator {
        self.expr.evaluator()
    }

    /// The rate of update `k` of `n` for base rate `eta` and gradient norm
    /// `gnorm`, computed with `ev` (an evaluator of this formula).
    pub fn rate(ev: &mut Evaluator, k: u64, n: u64, eta: f64, gnorm: f64) -> f64 {
        use crate::descent::Function;
        ev.value(&[k as f64, n as f64, eta, gnorm])
    }
}

/// Two formulas are the same schedule when they are written the same.
impl PartialEq for RateExpr {
    fn eq(&self, other: &Self) -> bool {
        self.source() == other.source()
    }
}

impl fmt::Debug for RateExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RateExpr({:?})", self.source())
    }
}
