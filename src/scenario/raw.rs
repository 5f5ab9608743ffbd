//! The scenario file exactly as written: serde structs that refuse unknown
//! keys and keep the span of every value for error messages.

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

pub type SpannedMap<T> = Spanned<IndexMap<String, Spanned<T>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub title: Spanned<String>,
    pub about: Option<Spanned<String>>,
    pub objective: Spanned<RawObjective>,
    pub descent: Spanned<RawDescent>,
    #[serde(default, rename = "run")]
    pub runs: Vec<Spanned<RawRun>>,
    pub sweep: Option<Spanned<RawSweep>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    pub f: Spanned<String>,
    pub domain: SpannedMap<Vec<Spanned<f64>>>,
    pub minimum: Option<SpannedMap<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDescent {
    pub epochs: Spanned<i64>,
    pub start: Option<Spanned<toml::Value>>,
    pub seed: Option<Spanned<i64>>,
    pub tolerance: Option<Spanned<f64>>,
    pub bound: Option<Spanned<f64>>,
    pub starts: Option<Spanned<i64>>,
    pub start_range: Option<SpannedMap<Vec<Spanned<f64>>>>,
    pub noise: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    pub name: Spanned<String>,
    pub schedule: Option<Spanned<String>>,
    pub lr: Spanned<f64>,
    pub start: Option<SpannedMap<f64>>,
    pub noise: Option<Spanned<f64>>,
    // Schedule parameters, named as PyTorch names them where it has the idea.
    pub gamma: Option<Spanned<f64>>,
    pub step_size: Option<Spanned<i64>>,
    pub lr_min: Option<Spanned<f64>>,
    pub warmup: Option<Spanned<i64>>,
    pub armijo: Option<Spanned<f64>>,
    pub shrink: Option<Spanned<f64>>,
    pub eps: Option<Spanned<f64>>,
    pub alpha: Option<Spanned<f64>>,
    pub betas: Option<Spanned<Vec<Spanned<f64>>>>,
    pub momentum: Option<Spanned<f64>>,
    pub nesterov: Option<Spanned<bool>>,
    /// `schedule = "expr"`: the rate formula.
    pub rate: Option<Spanned<String>>,
}

/// The optional `[sweep]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    pub run: Option<Spanned<String>>,
    pub x_axis: Spanned<RawAxis>,
    pub y_axis: Option<Spanned<RawAxis>>,
}

/// One axis of a sweep: `{ param, from, to, steps, log }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAxis {
    pub param: Spanned<String>,
    pub from: Spanned<f64>,
    pub to: Spanned<f64>,
    pub steps: Spanned<i64>,
    pub log: Option<Spanned<bool>>,
}
