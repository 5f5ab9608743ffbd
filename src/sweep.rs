//! Parametric sweeps: one run of a scenario, repeated over a grid of starts,
//! learning rates or epoch counts, every grid point a fresh run stepped to
//! the end. The scenario's optional `[sweep]` table says which run and which
//! axes (see the README, "Sweeps"); [`compute`] fills the whole grid on every
//! core, [`compute_chunk`] a slice of it (for a view that fills in as it
//! goes), [`point`] one point.
//!
//! Grid points are numbered x-major: point `i` is x value `i / ny`, y value
//! `i % ny` (`ny` = 1 without a y axis). Results never depend on how the
//! work was split between threads.
//!
//! Where the swept run allows it, points are stepped lane-wise, several
//! per call of the objective's native code (`lanes.rs`: what goes
//! lane-wise, and why the numbers are `Run`'s to the bit); the others,
//! one [`Run`] per point.

pub mod lanes;

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::descent::expr::Evaluator;
use crate::descent::noise::Noise;
use crate::descent::run::{Limits, Run, RunSpec, Status};
use crate::scenario::{Scenario, SweepAxis, SweepParam, SweepSpec};
use lanes::{Job, Lanes};

/// An axis with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub param: SweepParam,
    /// `start.x`, `lr` or `epochs`.
    pub name: String,
    /// The values used, in order ([`axis_values`]).
    pub values: Vec<f64>,
    /// Geometrically spaced.
    pub log: bool,
}

/// Where one grid point's run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// The value of each axis at this point, as used (epochs rounded).
    pub params: Vec<f64>,
    /// The final position (the last good one if the run diverged).
    pub final_pos: Vec<f64>,
    /// `f(final_pos)`.
    pub loss: f64,
    /// Finished, converged or diverged.
    pub status: Status,
    /// Updates applied.
    pub epochs: u64,
}

/// A sweep's grid, complete or filling in.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepGrid {
    /// The x axis, then the optional y axis.
    pub axes: Vec<Axis>,
    /// One entry per grid point, x-major; `None` = not computed yet.
    pub points: Vec<Option<PointResult>>,
}

impl SweepGrid {
    /// The empty grid of `spec`: every axis's values, no point computed.
    pub fn for_spec(spec: &SweepSpec) -> Self {
        SweepGrid {
            axes: axes(spec),
            points: vec![None; spec.len()],
        }
    }

    /// The empty grid of a scenario's `[sweep]`; an error if it has none.
    pub fn new(sc: &Scenario) -> Result<Self, String> {
        Ok(Self::for_spec(spec_of(sc)?))
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True for a grid without points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The index of the point at `coords` (one index per axis, x first).
    pub fn index(&self, coords: &[usize]) -> usize {
        self.axes
            .iter()
            .zip(coords)
            .fold(0, |acc, (a, &c)| acc * a.values.len() + c)
    }

    /// The per-axis indices of point `index` (x first).
    pub fn coords(&self, index: usize) -> Vec<usize> {
        coords(&self.axes, index)
    }

    /// The axis values of point `index` (x first).
    pub fn values_at(&self, index: usize) -> Vec<f64> {
        values_at(&self.axes, index)
    }

    /// Store computed points (as [`compute_chunk`] returns them).
    pub fn fill(&mut self, results: impl IntoIterator<Item = (usize, PointResult)>) {
        for (i, r) in results {
            if let Some(slot) = self.points.get_mut(i) {
                *slot = Some(r);
            }
        }
    }

    /// Number of points computed so far.
    pub fn done(&self) -> usize {
        self.points.iter().filter(|p| p.is_some()).count()
    }

    /// True when every point is computed.
    pub fn is_complete(&self) -> bool {
        self.points.iter().all(Option::is_some)
    }
}

/// The axes of `spec`, with their values.
pub fn axes(spec: &SweepSpec) -> Vec<Axis> {
    spec.axes
        .iter()
        .map(|a| Axis {
            param: a.param,
            name: a.name.clone(),
            values: axis_values(a),
            log: a.log,
        })
        .collect()
}

/// The per-axis indices of point `index` of a grid over `axes` (x first).
fn coords(axes: &[Axis], index: usize) -> Vec<usize> {
    let mut rest = index;
    let mut out = vec![0; axes.len()];
    for (slot, a) in out.iter_mut().zip(axes).rev() {
        let n = a.values.len().max(1);
        *slot = rest % n;
        rest /= n;
    }
    out
}

/// The axis values of point `index` of a grid over `axes` (x first).
fn values_at(axes: &[Axis], index: usize) -> Vec<f64> {
    coords(axes, index)
        .into_iter()
        .zip(axes)
        .map(|(c, a)| a.values[c])
        .collect()
}

/// The values of an axis: `steps` values from `from` to `to`, both ends
/// exactly included. Linear spacing is numpy's `linspace` (`from + i·step`,
/// the last value set to `to`); `log` spacing is numpy's `geomspace`
/// (`10^` of a linear spacing of the logarithms, ends set exactly). One step
/// is just `from`. Epoch values are rounded to whole numbers, at least 1.
pub fn axis_values(axis: &SweepAxis) -> Vec<f64> {
    let n = axis.steps;
    let mut v: Vec<f64> = if n <= 1 {
        vec![axis.from]
    } else if axis.log {
        let (a, b) = (axis.from.log10(), axis.to.log10());
        let step = (b - a) / (n - 1) as f64;
        (0..n).map(|i| 10f64.powf(a + i as f64 * step)).collect()
    } else {
        let step = (axis.to - axis.from) / (n - 1) as f64;
        (0..n).map(|i| axis.from + i as f64 * step).collect()
    };
    if let Some(first) = v.first_mut() {
        *first = axis.from;
    }
    if n > 1
        && let Some(last) = v.last_mut()
    {
        *last = axis.to;
    }
    if axis.param == SweepParam::Epochs {
        for x in &mut v {
            *x = epochs_of(*x) as f64;
        }
    }
    v
}

/// An epoch count from an axis value: rounded, at least 1.
fn epochs_of(v: f64) -> u64 {
    if v.is_nan() {
        1
    } else {
        v.round().max(1.0) as u64
    }
}

fn spec_of(sc: &Scenario) -> Result<&SweepSpec, String> {
    sc.sweep.as_ref().ok_or_else(|| {
        format!(
            "{}: the scenario has no [sweep] table; add one, e.g.\n\n[sweep]\nx_axis = {{ param = \"lr\", from = 1e-4, to = 0.1, steps = 20, log = true }}",
            crate::text::printable(&sc.source)
        )
    })
}

/// The swept run's settings before substitution, built once per sweep.
struct Base<'a> {
    sc: &'a Scenario,
    spec: &'a SweepSpec,
    run: RunSpec,
    limits: Limits,
    /// The lane-wise kernel, where the run allows it.
    lanes: Option<Lanes>,
}

impl<'a> Base<'a> {
    fn new(sc: &'a Scenario, spec: &'a SweepSpec) -> Self {
        let r = &sc.runs[spec.run];
        let start = r.start.clone().unwrap_or_else(|| sc.start_point(0));
        // Every point meets the noise of start 0 of the first race.
        let run = r.spec(&start, Noise::key(sc.seed, 0, 0));
        let limits = sc.limits();
        Base {
            sc,
            spec,
            lanes: Lanes::new(&run, &sc.expr, &limits),
            run,
            limits,
        }
    }

    /// The lane-wise job of one grid point (what [`Base::build`] builds),
    /// and the axis values used.
    fn job(&self, values: &[f64]) -> (Job, Vec<f64>) {
        let mut job = Job {
            start: self.run.start.clone(),
            lr: self.run.lr,
            epochs: self.limits.epochs,
        };
        let mut used = values.to_vec();
        for (axis, v) in self.spec.axes.iter().zip(&mut used) {
            match axis.param {
                SweepParam::Start(i) => {
                    if let Some(s) = job.start.get_mut(i) {
                        *s = *v;
                    }
                }
                SweepParam::Lr => job.lr = *v,
                SweepParam::Epochs => {
                    job.epochs = epochs_of(*v);
                    *v = job.epochs as f64;
                }
            }
        }
        (job, used)
    }

    /// The points `range` of the grid over `axes`, in order, on all cores:
    /// lane-wise in blocks where the run allows it, else one run per point.
    /// `each` is called after every point; `None` soon after `stop` is set.
    fn points(
        &self,
        axes: &[Axis],
        range: Range<usize>,
        stop: &AtomicBool,
        each: &(dyn Fn() + Sync),
    ) -> Option<Vec<PointResult>> {
        let Some(lanes) = &self.lanes else {
            return range
                .into_par_iter()
                .map(|i| {
                    let r = self.point_until(&values_at(axes, i), stop)?;
                    each();
                    Some(r)
                })
                .collect();
        };
        let threads = rayon::current_num_threads().max(1);
        let block = range.len().div_ceil(4 * threads).clamp(8, 256);
        let blocks: Vec<Range<usize>> = range
            .clone()
            .step_by(block)
            .map(|b| b..(b + block).min(range.end))
            .collect();
        let done: Vec<Vec<PointResult>> = blocks
            .into_par_iter()
            .map(|b| {
                let mut used: Vec<Option<Vec<f64>>> = Vec::with_capacity(b.len());
                let jobs = b.clone().map(|i| {
                    let (job, params) = self.job(&values_at(axes, i));
                    used.push(Some(params));
                    (i - b.start, job)
                });
                let mut out: Vec<Option<PointResult>> = vec![None; b.len()];
                let finished = lanes.run(jobs, stop, |k, end| {
                    out[k] = Some(PointResult {
                        params: Vec::new(),
                        final_pos: end.final_pos,
                        loss: end.loss,
                        status: end.status,
                        epochs: end.epochs,
                    });
                    each();
                });
                if !finished {
                    return None;
                }
                out.into_iter()
                    .zip(used)
                    .map(|(r, params)| {
                        let mut r = r?;
                        r.params = params?;
                        Some(r)
                    })
                    .collect()
            })
            .collect::<Option<_>>()?;
        Some(done.into_iter().flatten().collect())
    }

    /// The run of one grid point, built but not stepped.
    fn build(&self, values: &[f64]) -> (Run<Evaluator>, Vec<f64>) {
        let mut spec = self.run.clone();
        let mut limits = self.limits.clone();
        let mut used = values.to_vec();
        for (axis, v) in self.spec.axes.iter().zip(&mut used) {
            match axis.param {
                SweepParam::Start(i) => {
                    if let Some(s) = spec.start.get_mut(i) {
                        *s = *v;
                    }
                }
                SweepParam::Lr => spec.lr = *v,
                SweepParam::Epochs => {
                    limits.epochs = epochs_of(*v);
                    *v = limits.epochs as f64;
                }
            }
        }
        (Run::new(spec, self.sc.expr.evaluator(), limits), used)
    }

    fn point(&self, values: &[f64]) -> PointResult {
        let never = AtomicBool::new(false);
        self.point_until(values, &never)
            .expect("a point nobody stops ends")
    }

    /// The point stepped to its end, or `None` once `stop` is set (looked
    /// at every [`STOP_EVERY`] steps).
    fn point_until(&self, values: &[f64], stop: &AtomicBool) -> Option<PointResult> {
        let (mut run, params) = self.build(values);
        let mut n = 0u32;
        while run.step() {
            n = n.wrapping_add(1);
            if n.is_multiple_of(STOP_EVERY) && stop.load(Ordering::Relaxed) {
                return None;
            }
        }
        Some(PointResult {
            params,
            final_pos: run.params().to_vec(),
            loss: run.loss(),
            status: run.status(),
            epochs: run.epoch(),
        })
    }
}

/// The run a grid point makes, built but not stepped: the chosen run's
/// settings (its own start, else the scenario's start of generation 0) with
/// `values` (one per axis) substituted. For tests and step-by-step views.
/// Panics if `spec.run` is not a run of `sc`.
pub fn point_run(sc: &Scenario, spec: &SweepSpec, values: &[f64]) -> Run<Evaluator> {
    Base::new(sc, spec).build(values).0
}

/// Whether the scenario's sweep steps its points lane-wise (see
/// `lanes.rs`); false without a `[sweep]`. For tests and benchmarks.
#[doc(hidden)]
pub fn lane_wise(sc: &Scenario) -> bool {
    spec_of(sc).is_ok_and(|spec| Base::new(sc, spec).lanes.is_some())
}

/// One grid point, stepped to the end: `values` holds one value per axis of
/// `spec` (epochs are rounded). Pure: the same inputs give the same result.
/// Panics if `spec.run` is not a run of `sc`.
pub fn point(sc: &Scenario, spec: &SweepSpec, values: &[f64]) -> PointResult {
    Base::new(sc, spec).point(values)
}

/// Every point of the scenario's sweep, on all cores (rayon's global pool).
/// `on_progress(done, total)` is called after each point, from whichever
/// thread computed it. An error if the scenario has no `[sweep]`.
pub fn compute(
    sc: &Scenario,
    on_progress: impl Fn(usize, usize) + Sync,
) -> Result<SweepGrid, String> {
    let spec = spec_of(sc)?;
    let mut grid = SweepGrid::for_spec(spec);
    let base = Base::new(sc, spec);
    let total = grid.len();
    let done = AtomicUsize::new(0);
    let never = AtomicBool::new(false);
    let each = || on_progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
    let results = base
        .points(&grid.axes, 0..total, &never, &each)
        .expect("a sweep nobody stops ends");
    grid.points = results.into_iter().map(Some).collect();
    Ok(grid)
}

/// The points `indices` of the scenario's sweep (clipped to the grid), in
/// index order, computed on all cores. Empty when the scenario has no
/// `[sweep]`. Meant to be called chunk after chunk from a worker thread,
/// feeding [`SweepGrid::fill`].
pub fn compute_chunk(sc: &Scenario, indices: Range<usize>) -> Vec<(usize, PointResult)> {
    compute_chunk_until(sc, indices, &AtomicBool::new(false)).unwrap_or_default()
}

/// [`compute_chunk`], given up (`None`) soon after `stop` is set: every
/// point looks at it every [`STOP_EVERY`] steps.
pub fn compute_chunk_until(
    sc: &Scenario,
    indices: Range<usize>,
    stop: &AtomicBool,
) -> Option<Vec<(usize, PointResult)>> {
    let Ok(spec) = spec_of(sc) else {
        return Some(Vec::new());
    };
    let axes = axes(spec);
    let base = Base::new(sc, spec);
    let end = indices.end.min(spec.len());
    let start = indices.start.min(end);
    let points = base.points(&axes, start..end, stop, &|| {})?;
    Some((start..end).zip(points).collect())
}

/// Every point of the scenario's sweep in grid order, computed a chunk of
/// [`STREAM_CHUNK`] points at a time on all cores: what a writer needs to
/// stream a grid of any size in the memory of one chunk. An error if the
/// scenario has no `[sweep]`.
pub fn stream(sc: &Scenario) -> Result<Points<'_>, String> {
    let spec = spec_of(sc)?;
    Ok(Points {
        axes: axes(spec),
        base: Base::new(sc, spec),
        next: 0,
        total: spec.len(),
        ready: Vec::new().into_iter(),
        chunk: STREAM_CHUNK,
        watch: None,
    })
}

/// A stream's hook for a progress display: `done` counts the points
/// computed, and the stream ends early once `stop` is set: within a few
/// thousand steps (the chunk under way is dropped), or, with
/// `finish_chunks`, only after the chunk under way (a test's stand-in for
/// work that cannot stop soon).
#[derive(Debug, Clone, Default)]
pub struct Watch {
    pub done: Arc<AtomicU64>,
    pub stop: Arc<AtomicBool>,
    pub finish_chunks: bool,
}

/// Points a stream computes at once.
pub const STREAM_CHUNK: usize = 4096;

/// Steps between two looks at a stop flag.
const STOP_EVERY: u32 = 4096;

/// The iterator of [`stream`]: every point of a sweep, in grid order.
pub struct Points<'a> {
    axes: Vec<Axis>,
    base: Base<'a>,
    next: usize,
    total: usize,
    ready: std::vec::IntoIter<PointResult>,
    /// Points computed at once.
    chunk: usize,
    watch: Option<Watch>,
}

impl Points<'_> {
    /// This stream, counting its points into `watch.done` and stopping once
    /// `watch.stop` is set; its chunks are smaller (about 1/256 of the grid,
    /// at least 256 points), so the count moves.
    pub fn watched(mut self, watch: Watch) -> Self {
        self.chunk = (self.total / 256).clamp(256, STREAM_CHUNK);
        self.watch = Some(watch);
        self
    }

    /// The grid's axes.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// Points in the grid.
    pub fn total(&self) -> usize {
        self.total
    }
}

impl Iterator for Points<'_> {
    type Item = PointResult;

    fn next(&mut self) -> Option<PointResult> {
        if let Some(p) = self.ready.next() {
            return Some(p);
        }
        let stopped = |w: &Watch| w.stop.load(Ordering::Relaxed);
        if self.next >= self.total || self.watch.as_ref().is_some_and(stopped) {
            return None;
        }
        let end = (self.next + self.chunk).min(self.total);
        let never = AtomicBool::new(false);
        let stop = match &self.watch {
            Some(w) if !w.finish_chunks => &*w.stop,
            _ => &never,
        };
        let chunk = self.base.points(&self.axes, self.next..end, stop, &|| {})?;
        if let Some(w) = &self.watch {
            w.done
                .fetch_add((end - self.next) as u64, Ordering::Relaxed);
        }
        self.next = end;
        self.ready = chunk.into_iter();
        self.ready.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(param: SweepParam, from: f64, to: f64, steps: usize, log: bool) -> SweepAxis {
        SweepAxis {
            param,
            name: "a".into(),
            from,
            to,
            steps,
            log,
        }
    }

    #[test]
    fn linear_values_include_both_ends() {
        let v = axis_values(&axis(SweepParam::Start(0), -5.0, 5.0, 50, false));
        assert_eq!(v.len(), 50);
        assert_eq!(v[0], -5.0);
        assert_eq!(v[49], 5.0);
        // numpy.linspace: from + i·step.
        let step = 10.0 / 49.0;
        assert_eq!(v[1], -5.0 + step);
        assert_eq!(v[48], -5.0 + 48.0 * step);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        // Descending works the same way.
        let d = axis_values(&axis(SweepParam::Start(0), 1.0, -1.0, 5, false));
        assert_eq!(d, [1.0, 0.5, 0.0, -0.5, -1.0]);
    }

    #[test]
    fn log_values_are_geometric_and_exact_at_the_ends() {
        let v = axis_values(&axis(SweepParam::Lr, 1e-10, 0.1, 50, true));
        assert_eq!(v.len(), 50);
        assert_eq!(v[0], 1e-10);
        assert_eq!(v[49], 0.1);
        let ratio = 1e9f64.powf(1.0 / 49.0);
        for w in v.windows(2) {
            assert!((w[1] / w[0] / ratio - 1.0).abs() < 1e-12, "{w:?}");
        }
        let v = axis_values(&axis(SweepParam::Lr, 1e-4, 0.1, 4, true));
        assert_eq!(v[0], 1e-4);
        assert!((v[1] - 1e-3).abs() < 1e-17);
        assert!((v[2] - 1e-2).abs() < 1e-16);
        assert_eq!(v[3], 0.1);
    }

    #[test]
    fn one_step_is_the_from_value() {
        assert_eq!(
            axis_values(&axis(SweepParam::Lr, 0.3, 0.5, 1, false)),
            [0.3]
        );
        assert_eq!(axis_values(&axis(SweepParam::Lr, 0.3, 0.5, 1, true)), [0.3]);
        assert_eq!(
            axis_values(&axis(SweepParam::Lr, 0.3, 0.5, 2, false)),
            [0.3, 0.5]
        );
    }

    #[test]
    fn epochs_are_rounded_whole_numbers() {
        let v = axis_values(&axis(SweepParam::Epochs, 10.0, 500.0, 40, false));
        assert_eq!(v.len(), 40);
        assert_eq!(v[0], 10.0);
        assert_eq!(v[1], 23.0); // 10 + 490/39 = 22.56
        assert_eq!(v[39], 500.0);
        assert!(v.iter().all(|x| x.fract() == 0.0 && *x >= 1.0));
        assert_eq!(
            axis_values(&axis(SweepParam::Epochs, 0.6, 2.4, 2, false)),
            [1.0, 2.0]
        );
        assert_eq!(epochs_of(-3.0), 1);
        assert_eq!(epochs_of(f64::NAN), 1);
    }

    #[test]
    fn grid_indices_are_x_major() {
        let spec = SweepSpec {
            run: 0,
            axes: vec![
                axis(SweepParam::Lr, 1.0, 3.0, 3, false),
                axis(SweepParam::Epochs, 10.0, 40.0, 4, false),
            ],
        };
        assert_eq!(spec.len(), 12);
        let grid = SweepGrid::for_spec(&spec);
        assert_eq!(grid.len(), 12);
        assert_eq!(grid.done(), 0);
        assert!(!grid.is_complete());
        for i in 0..12 {
            let c = grid.coords(i);
            assert_eq!(c, [i / 4, i % 4]);
            assert_eq!(grid.index(&c), i);
        }
        assert_eq!(grid.values_at(0), [1.0, 10.0]);
        assert_eq!(grid.values_at(1), [1.0, 20.0]);
        assert_eq!(grid.values_at(4), [2.0, 10.0]);
        assert_eq!(grid.values_at(11), [3.0, 40.0]);
    }
}
