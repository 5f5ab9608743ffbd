//! The peaks surface and its exact gradient, written out by hand, and the
//! hand-written descent and sweep over it: the yardstick of
//! `benches/step.rs`, `benches/sweep.rs`, `examples/hand_loop.rs` and
//! `examples/sweep_rate.rs` (each includes this file with `#[path]`).

// Each includer (benches, examples) uses part of this file.
#![allow(dead_code)]

use downhill::descent::Function;

/// The peaks surface and its exact gradient, written out by hand.
pub struct HandPeaks;

impl HandPeaks {
    /// `f(x, y)`, writing `∇f` into `g`.
    #[inline(always)]
    pub fn eval(x: f64, y: f64, g: &mut [f64; 2]) -> f64 {
        let a = (-x * x - (y + 1.0) * (y + 1.0)).exp();
        let b = (-x * x - y * y).exp();
        let c = (-(x + 1.0) * (x + 1.0) - y * y).exp();
        let u = 1.0 - x;
        let w = x / 5.0 - x * x * x - y.powi(5);
        g[0] = -6.0 * u * a - 6.0 * u * u * x * a - 10.0 * (0.2 - 3.0 * x * x) * b
            + 20.0 * x * w * b
            + 2.0 / 3.0 * (x + 1.0) * c;
        g[1] = -6.0 * u * u * (y + 1.0) * a
            + 50.0 * y.powi(4) * b
            + 20.0 * y * w * b
            + 2.0 / 3.0 * y * c;
        3.0 * u * u * a - 10.0 * w * b - c / 3.0
    }
}

impl Function for HandPeaks {
    fn dim(&self) -> usize {
        2
    }
    fn value(&mut self, p: &[f64]) -> f64 {
        let mut g = [0.0; 2];
        self.value_grad(p, &mut g)
    }
    fn value_grad(&mut self, p: &[f64], g: &mut [f64]) -> f64 {
        let mut gg = [0.0; 2];
        let v = HandPeaks::eval(p[0], p[1], &mut gg);
        g.copy_from_slice(&gg);
        v
    }
}

/// The whole descent as one writes it by hand: `x ← x − lr·∇f(x)`,
/// `epochs` times from `start`; the final point and loss.
#[inline(never)]
pub fn hand_loop(start: [f64; 2], lr: f64, epochs: u64) -> ([f64; 2], f64) {
    let [mut x, mut y] = start;
    let mut g = [0.0; 2];
    let mut loss = HandPeaks::eval(x, y, &mut g);
    for _ in 0..epochs {
        x -= lr * g[0];
        y -= lr * g[1];
        loss = HandPeaks::eval(x, y, &mut g);
    }
    ([x, y], loss)
}

/// One point of a hand-written sweep: `epochs` updates `x ← x − lr·∇f(x)`
/// from `start` (each evaluation behind `black_box`, so that nothing is
/// hoisted across points); the last loss plus the final coordinates, to be
/// summed over the points.
#[inline(always)]
pub fn sweep_point(start: [f64; 2], lr: f64, epochs: u64) -> f64 {
    let [mut x, mut y] = start;
    let mut g = [0.0; 2];
    let mut v = 0.0;
    for _ in 0..epochs {
        v = HandPeaks::eval(std::hint::black_box(x), y, &mut g);
        x -= lr * g[0];
        y -= lr * g[1];
    }
    v + x + y
}
