//! Noisy gradients: simulated minibatches.
//!
//! A run with noise `σ` steps with `g = ∇f(x) + ξ`, where every coordinate of
//! `ξ` is an independent Gaussian of standard deviation `σ`:
//!
//! | symbol | value |
//! |---|---|
//! | `z_{k,j}` | standard normal for update `k`, coordinate `j` (Box–Muller) |
//! | `ξ_{k,j}` | `σ · z_{k,j}` |
//! | `u₁, u₂` | two uniforms in `(0, 1]` from the top 53 bits of SplitMix64 of `(key, k, j)` |
//! | `z` | `√(−2 ln u₁) · cos(2π u₂)` |
//!
//! The noise is a pure function of `(key, k, j)`, not a stream: nothing is
//! carried from one update to the next, so a run replayed from its start (or
//! stepped back) meets exactly the same noise, and every run that shares a
//! key — the runs of one race from one start — meets the same `z` at the same
//! update, scaled by its own `σ` (a fair race).

use std::f64::consts::TAU;

/// Gaussian gradient noise of one run: `σ` and the key of its stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Standard deviation `σ` of every coordinate (positive).
    pub sigma: f64,
    /// Which stream: the same key gives the same `z` for every run.
    pub key: u64,
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform in `(0, 1]` from the top 53 bits of `bits` (never 0, so its
/// logarithm is finite).
fn unit(bits: u64) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    ((bits >> 11) + 1) as f64 * SCALE
}

impl Noise {
    /// The stream key of a race: its seed, its generation (bumped by each
    /// restart) and which of its starts.
    pub fn key(seed: u64, generation: u64, start: u64) -> u64 {
        mix(
            mix(mix(seed) ^ generation.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                ^ start.wrapping_mul(0xD1B5_4A32_D192_ED03),
        )
    }

    /// The standard normal `z_{k,j}` of this stream.
    pub fn z(key: u64, k: u64, j: usize) -> f64 {
        let base = mix(key ^ mix(k.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            ^ (j as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
        let u1 = unit(mix(base));
        let u2 = unit(mix(base ^ 0x5851_F42D_4C95_7F2D));
        (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
    }

    /// `ξ_{k,j} = σ z_{k,j}` for every coordinate `j` of `out`.
    pub fn fill(&self, k: u64, out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = self.sigma * Self::z(self.key, k, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_key_update_and_coordinate_give_the_same_number() {
        let key = Noise::key(7, 0, 0);
        assert_eq!(
            Noise::z(key, 12, 1).to_bits(),
            Noise::z(key, 12, 1).to_bits()
        );
        assert_ne!(Noise::z(key, 12, 1), Noise::z(key, 13, 1));
        assert_ne!(Noise::z(key, 12, 0), Noise::z(key, 12, 1));
        assert_ne!(key, Noise::key(7, 1, 0), "a restart draws new noise");
        assert_ne!(key, Noise::key(7, 0, 1), "another start draws new noise");
        assert_ne!(key, Noise::key(8, 0, 0), "another seed draws new noise");
    }

    #[test]
    fn it_is_standard_normal() {
        // 200 000 draws: mean 0 and variance 1 within a few standard errors,
        // and the share within one σ near 68.27 %.
        let key = Noise::key(0, 0, 0);
        let n = 200_000u64;
        let (mut sum, mut sq, mut within) = (0.0, 0.0, 0u64);
        for k in 0..n {
            let z = Noise::z(key, k, 0);
            assert!(z.is_finite());
            sum += z;
            sq += z * z;
            within += u64::from(z.abs() < 1.0);
        }
        let mean = sum / n as f64;
        let var = sq / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        let share = within as f64 / n as f64;
        assert!((share - 0.6827).abs() < 0.005, "within 1σ: {share}");
    }

    #[test]
    fn sigma_scales_it() {
        let noise = Noise { sigma: 0.5, key: 3 };
        let mut out = [0.0; 3];
        noise.fill(4, &mut out);
        for (j, o) in out.iter().enumerate() {
            assert_eq!(*o, 0.5 * Noise::z(3, 4, j));
        }
    }
}
