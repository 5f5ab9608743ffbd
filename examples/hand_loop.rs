//! The yardstick of `downhill run`: gradient descent on peaks written by
//! hand (the surface and its gradient in Rust, `x ← x − lr·∇f(x)` in a
//! plain loop), fixed lr 0.01 from the lesson's start, as one process.
//!
//! ```sh
//! cargo run --release --example hand_loop [EPOCHS]     # default 3·10⁶
//! ```
//!
//! Prints the final point and loss (so the work cannot be optimised away)
//! and the time per epoch of the loop; `scripts/whole-process.sh` times this
//! binary as a whole next to `downhill run` on the same descent.

#[path = "../benches/common/hand_peaks.rs"]
mod hand_peaks;

use std::time::Instant;

fn main() {
    let epochs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3_000_000);
    let t = Instant::now();
    let (x, loss) = hand_peaks::hand_loop([-1.16863321, 1.13352453], 0.01, epochs);
    let s = t.elapsed().as_secs_f64();
    println!(
        "{{\"epochs\":{epochs},\"final\":{{\"x\":{},\"y\":{}}},\"loss\":{loss},\"ns_per_epoch\":{:.2}}}",
        x[0],
        x[1],
        s * 1e9 / epochs.max(1) as f64
    );
}
