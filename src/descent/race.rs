//! All runs of a scenario, advanced in lockstep.
//!
//! [`Race::step`] gives every still-running run exactly one update, so after `e` steps
//! every run that has not stopped has done `e` updates and their curves line up epoch by
//! epoch. A run that stops (finished, converged, diverged) simply stays where it is while
//! the others continue.

use super::function::Function;
use super::run::Run;

/// The runs of one scenario, stepped together.
#[derive(Debug, Clone)]
pub struct Race<F: Function> {
    runs: Vec<Run<F>>,
}

impl<F: Function> Race<F> {
    /// A race over `runs` (in display order).
    pub fn new(runs: Vec<Run<F>>) -> Self {
        Self { runs }
    }

    /// Advances every running run by one update; true iff any run did one.
    pub fn step(&mut self) -> bool {
        self.step_then(|_, _| {})
    }

    /// [`Race::step`], handing each run that advanced to `then` (with its
    /// index) right after its own update, while its numbers are at hand.
    #[inline(always)]
    pub fn step_then(&mut self, mut then: impl FnMut(usize, &Run<F>)) -> bool {
        let mut any = false;
        for (i, run) in self.runs.iter_mut().enumerate() {
            let before = run.epoch();
            any |= run.step();
            if run.epoch() != before {
                then(i, run);
            }
        }
        any
    }

    /// Epochs completed by the race: the largest [`Run::epoch`] over its runs (0 when empty).
    pub fn epoch(&self) -> u64 {
        self.runs.iter().map(Run::epoch).max().unwrap_or(0)
    }

    /// The runs, in the order given to [`Race::new`].
    pub fn runs(&self) -> &[Run<F>] {
        &self.runs
    }

    /// The runs, mutably (e.g. to restart one).
    pub fn runs_mut(&mut self) -> &mut [Run<F>] {
        &mut self.runs
    }

    /// True when no run is still running (also for an empty race).
    pub fn is_done(&self) -> bool {
        !self.runs.iter().any(|r| r.status().is_running())
    }

    /// The runs, giving up the race.
    pub fn into_runs(self) -> Vec<Run<F>> {
        self.runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descent::run::{Limits, RunSpec, Status};
    use crate::descent::schedule::Schedule;

    /// `f(x) = x²`.
    struct Square;

    impl Function for Square {
        fn dim(&self) -> usize {
            1
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            x[0] * x[0]
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            g[0] = 2.0 * x[0];
            x[0] * x[0]
        }
    }

    fn run(epochs: u64) -> Run<Square> {
        Run::new(
            RunSpec::new("r", Schedule::Constant, 0.1, vec![1.0]),
            Square,
            Limits::new(epochs),
        )
    }

    #[test]
    fn lockstep_until_all_done() {
        let mut race = Race::new(vec![run(3), run(5)]);
        assert_eq!(race.epoch(), 0);
        assert!(!race.is_done());
        let mut steps = 0;
        while race.step() {
            steps += 1;
            let e: Vec<u64> = race.runs().iter().map(Run::epoch).collect();
            assert_eq!(e, [steps.min(3), steps]);
            assert_eq!(race.epoch(), steps);
        }
        assert_eq!(steps, 5);
        assert!(race.is_done());
        assert!(race.runs().iter().all(|r| r.status() == Status::Finished));
        race.runs_mut()[0].restart(vec![2.0]);
        assert!(!race.is_done());
        assert!(race.step());
        assert_eq!(race.runs()[0].epoch(), 1);
        assert_eq!(race.into_runs().len(), 2);
    }

    #[test]
    fn empty_race_is_done() {
        let mut race: Race<Square> = Race::new(Vec::new());
        assert!(race.is_done());
        assert!(!race.step());
        assert_eq!(race.epoch(), 0);
    }
}
