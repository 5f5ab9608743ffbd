//! A validated scenario and the races it builds.

use crate::descent::expr::{Evaluator, Expr};
use crate::descent::noise::Noise;
use crate::descent::race::Race;
use crate::descent::rng::Rng;
use crate::descent::run::{Limits, Run, RunSpec};
use crate::descent::schedule::{Momentum, Schedule};

use super::SweepSpec;

/// Every schedule name, as written in scenario files.
pub const SCHEDULES: &[&str] = &crate::descent::schedule::NAMES;

/// Where runs start.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// A fixed point.
    Point(Vec<f64>),
    /// Uniform in the domain, drawn from the scenario's seed.
    Random,
}

/// One `[[run]]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    pub name: String,
    pub schedule: Schedule,
    pub lr: f64,
    pub momentum: Option<Momentum>,
    /// This run's own start, if it has one.
    pub start: Option<Vec<f64>>,
    /// Standard deviation of the gradient noise (0: none).
    pub noise: f64,
}

impl RunConfig {
    /// The spec of this run from the shared start `shared` (unless it has its
    /// own), with noise from the stream `noise_key`.
    pub fn spec(&self, shared: &[f64], noise_key: u64) -> RunSpec {
        RunSpec {
            name: self.name.clone(),
            schedule: self.schedule.clone(),
            lr: self.lr,
            momentum: self.momentum,
            start: self.start.clone().unwrap_or_else(|| shared.to_vec()),
            noise: (self.noise > 0.0).then_some(Noise {
                sigma: self.noise,
                key: noise_key,
            }),
        }
    }
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// File path or `bundled:NAME`.
    pub source: String,
    pub title: String,
    pub about: Option<String>,
    pub vars: Vec<String>,
    /// The expression as written.
    pub f: String,
    pub expr: Expr,
    /// `(from, to)` per variable.
    pub domain: Vec<(f64, f64)>,
    pub minimum: Option<Vec<f64>>,
    /// `f(minimum)`, when the minimum is known.
    pub min_value: Option<f64>,
    pub epochs: u64,
    pub start: Start,
    /// Where `start = "random"` draws, `(from, to)` per variable: the
    /// domain, or the narrower box `start_range` gives.
    pub start_range: Vec<(f64, f64)>,
    pub seed: u64,
    pub tolerance: Option<f64>,
    pub bound: f64,
    /// `starts = N`: every run races from N random starts (see
    /// [`Scenario::start_points`]); `None` for one start.
    pub starts: Option<u32>,
    pub runs: Vec<RunConfig>,
    /// The optional `[sweep]` table (see [`SweepSpec`]).
    pub sweep: Option<SweepSpec>,
}

impl Scenario {
    /// Number of variables.
    pub fn dim(&self) -> usize {
        self.vars.len()
    }

    /// The shared start of `generation` (0 for the first race, +1 per restart).
    /// Fixed starts ignore the generation; random ones are reproducible from
    /// the seed.
    pub fn start_point(&self, generation: u64) -> Vec<f64> {
        match &self.start {
            Start::Point(p) => p.clone(),
            Start::Random => self.draw(&mut self.rng(generation)),
        }
    }

    /// How many starts each run races from: `starts`, or 1.
    pub fn start_count(&self) -> usize {
        self.starts.map_or(1, |n| n as usize)
    }

    /// Every start of `generation`, [`Scenario::start_count`] of them.
    /// Start 0 is [`Scenario::start_point`], the one a single-start scenario
    /// uses; start k is the (k+1)-th point drawn from the generation's
    /// stream, so it depends only on the seed, the generation and k (asking
    /// for more starts keeps the first ones).
    pub fn start_points(&self, generation: u64) -> Vec<Vec<f64>> {
        let n = self.start_count();
        match &self.start {
            Start::Point(p) => vec![p.clone(); n],
            Start::Random => {
                let mut rng = self.rng(generation);
                (0..n).map(|_| self.draw(&mut rng)).collect()
            }
        }
    }

    /// The random stream of `generation`.
    fn rng(&self, generation: u64) -> Rng {
        Rng::new(
            self.seed
                .wrapping_add(generation.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )
    }

    /// One point uniform in the start range.
    fn draw(&self, rng: &mut Rng) -> Vec<f64> {
        self.start_range
            .iter()
            .map(|&(lo, hi)| rng.uniform(lo, hi))
            .collect()
    }

    /// The same scenario with every run starting at `p` (a placed start):
    /// one fixed start, no run's own start, no many starts.
    pub fn with_start(&self, p: Vec<f64>) -> Scenario {
        let mut sc = self.clone();
        sc.start = Start::Point(p);
        sc.starts = None;
        sc.start_range = sc.domain.clone();
        for r in &mut sc.runs {
            r.start = None;
        }
        sc
    }

    /// The limits every run of this scenario shares.
    pub fn limits(&self) -> Limits {
        Limits {
            epochs: self.epochs,
            tolerance: self.tolerance,
            bound: self.bound,
        }
    }

    /// The run specs of `generation` (start 0 of a many-start scenario).
    pub fn run_specs(&self, generation: u64) -> Vec<RunSpec> {
        self.specs_from(&self.start_point(generation), generation, 0)
    }

    /// Every run's spec from the shared start `shared`, start `index` of
    /// `generation` (a run with its own start keeps it). The runs of one
    /// start share one noise stream (see [`crate::descent::noise`]).
    fn specs_from(&self, shared: &[f64], generation: u64, index: u64) -> Vec<RunSpec> {
        let key = Noise::key(self.seed, generation, index);
        self.runs.iter().map(|r| r.spec(shared, key)).collect()
    }

    fn build(&self, specs: Vec<RunSpec>) -> Vec<Run<Evaluator>> {
        specs
            .into_iter()
            .map(|spec| Run::new(spec, self.expr.evaluator(), self.limits()))
            .collect()
    }

    /// A fresh race of every run, ready to step. For a many-start scenario,
    /// start 0 only (see [`Scenario::full_race`]).
    pub fn race(&self, generation: u64) -> Race<Evaluator> {
        Race::new(self.build(self.run_specs(generation)))
    }

    /// A fresh race of every run from the shared start `start`, as start
    /// `index` of `generation` (which picks its noise).
    pub fn race_from(&self, start: &[f64], generation: u64, index: u64) -> Race<Evaluator> {
        Race::new(self.build(self.specs_from(start, generation, index)))
    }

    /// Every run from every start of `generation`, in one lockstep race laid
    /// out start-major: runs `k*R .. (k+1)*R` (R = `runs.len()`) are start k
    /// of every run, so the first R are exactly [`Scenario::race`]'s. Without
    /// `starts`, the same as [`Scenario::race`].
    pub fn full_race(&self, generation: u64) -> Race<Evaluator> {
        let runs = self
            .start_points(generation)
            .iter()
            .enumerate()
            .flat_map(|(i, p)| self.build(self.specs_from(p, generation, i as u64)))
            .collect();
        Race::new(runs)
    }
}
