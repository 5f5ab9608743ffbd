//! downhill: watch gradient descent race fixed and dynamic learning rates.

pub mod descent;
