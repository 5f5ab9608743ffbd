//! The one thing a run needs from an objective: its value and exact gradient.

/// A differentiable objective `f: R^n -> R`.
///
/// Implemented by the compiled expression evaluator ([`crate::descent::expr::Evaluator`])
/// and, in tests and benchmarks, by hand-written functions.
pub trait Function {
    /// Number of variables `n`.
    fn dim(&self) -> usize;
    /// `f(x)`; `x.len() == dim()`.
    fn value(&mut self, x: &[f64]) -> f64;
    /// `f(x)`, writing the exact gradient into `grad` (`grad.len() == dim()`).
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64;
}

impl<F: Function + ?Sized> Function for Box<F> {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        (**self).value(x)
    }
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        (**self).value_grad(x, grad)
    }
}
