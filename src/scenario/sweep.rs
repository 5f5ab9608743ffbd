//! The `[sweep]` table, validated: which run is varied, along which axes.
//! The grid and its computation live a layer up, in the `sweep` module.

/// What an axis varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepParam {
    /// The start coordinate of variable `i` (`start.<var>`); the other
    /// coordinates keep the run's start.
    Start(usize),
    /// The run's base learning rate.
    Lr,
    /// The number of epochs (values rounded to whole numbers, at least 1).
    Epochs,
}

/// One validated axis of a `[sweep]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    pub param: SweepParam,
    /// The parameter as written: `start.x`, `lr` or `epochs`.
    pub name: String,
    /// First value (always included).
    pub from: f64,
    /// Last value (included when `steps > 1`).
    pub to: f64,
    /// Number of values, 1 to [`MAX_STEPS`](super::MAX_STEPS).
    pub steps: usize,
    /// Geometric rather than linear spacing (both ends are then > 0).
    pub log: bool,
}

/// A validated `[sweep]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    /// Index in [`Scenario::runs`](super::Scenario::runs) of the run whose settings are varied.
    pub run: usize,
    /// The x axis, then the optional y axis.
    pub axes: Vec<SweepAxis>,
}

impl SweepSpec {
    /// Number of grid points: the product of the axes' steps.
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.steps).product()
    }

    /// True for a grid without points (never for a validated spec).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
