//! Where many starts end: grouping end points into basins.
//!
//! A scenario with `starts = N` runs each of its runs from N random starts
//! (the local-minima lesson: "re-run from other starts"). This module turns
//! the N end points of one run into a short summary: the distinct places
//! they ended in ("basins", each a minimum in practice), how many starts
//! ended in each, how many diverged, and how long converging took.
//!
//! **Which starts count.** Diverged starts never do. When the scenario has a
//! `tolerance`, a start counts once it has *converged* (`‖∇f‖ < tolerance`):
//! a start that used all its epochs without converging is "not converged",
//! one still under way is "running", and neither is in any basin. Without a
//! tolerance there is no telling "arrived" from "passing through", so every
//! start that has not diverged counts, wherever it stands now.
//!
//! **Clustering.** End points are taken in order of loss (lowest first,
//! ties by position in the input) and each joins the first basin whose
//! *leader* — its lowest-loss member — lies within `radius` (Euclidean);
//! otherwise it leads a new basin. So a basin's members are all within
//! `radius` of its leader and the result does not depend on the order of
//! the starts (unless two losses are equal). Leaders are looked up in a
//! grid of cells of side `radius` over the first two coordinates, so
//! scattered points (early in a run, or without a tolerance) cost about
//! O(points), not O(points × basins). [`radius`] picks 1% of the
//! domain's diagonal: minima of the bundled surfaces lie far further apart,
//! while runs that converged to the same minimum with different schedules
//! (or stopped a little short of it) land far closer.
//!
//! A basin reports the mean of its members' positions and the lowest loss
//! any member reached. Basins are sorted by that loss, lowest first.
//!
//! **Scale.** Domains may be as wide as floats allow, where the diagonal,
//! a distance or a sum of positions would overflow to infinity. So
//! [`radius`] and [`cluster`] compute in a space scaled by a power of two
//! ([`Scale`]): scaling by 2ᵏ is exact, so every result is the same, bit for
//! bit, as unscaled arithmetic wherever that does not overflow, and finite
//! where it would.
//!
//! **Global.** [`mark_global`] marks, across every run of a scenario, the
//! basins whose loss is within [`GLOBAL_LOSS_TOL`] (relative, at least
//! absolute) of the lowest basin loss of all runs — several basins when a
//! surface has symmetric global minima, as cos(2πx) + x² does.

use super::function::Function;
use super::run::{Run, Status, distance};

/// Two basin losses this close (times `max(1, |best|)`) are equally low.
pub const GLOBAL_LOSS_TOL: f64 = 1e-6;

/// The fraction of the domain's diagonal within which end points are one basin.
pub const RADIUS_FRACTION: f64 = 0.01;

/// One place where starts ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Basin {
    /// The mean position of the members.
    pub at: Vec<f64>,
    /// The lowest loss of the members.
    pub loss: f64,
    /// How many starts ended here.
    pub count: usize,
    /// Among the lowest basins of the whole scenario (see [`mark_global`]).
    pub global: bool,
}

/// The end of one start, as [`summarize`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct End<'a> {
    pub at: &'a [f64],
    pub loss: f64,
    pub status: Status,
}

/// Where one run's starts ended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// Every start, whatever became of it.
    pub total: usize,
    /// Sorted by loss, lowest first.
    pub basins: Vec<Basin>,
    pub diverged: usize,
    /// Finished without converging (only with a tolerance).
    pub not_converged: usize,
    /// Still under way and not counted in a basin (only with a tolerance).
    pub running: usize,
    /// Mean of `at` over the starts whose status is `Converged { at }`;
    /// `None` when none has converged.
    pub mean_epochs_to_converge: Option<f64>,
}

impl Summary {
    /// `diverged 0 · not converged 3 · mean epochs to converge 412.5`: the
    /// starts in no basin, and how long converging took (`—` when none
    /// converged).
    pub fn tally(&self) -> String {
        let mut parts = vec![format!("diverged {}", self.diverged)];
        if self.not_converged > 0 {
            parts.push(format!("not converged {}", self.not_converged));
        }
        if self.running > 0 {
            parts.push(format!("running {}", self.running));
        }
        parts.push(format!(
            "mean epochs to converge {}",
            self.mean_epochs_to_converge
                .map_or("—".to_string(), |m| format!("{m:.1}"))
        ));
        parts.join(" · ")
    }
}

/// Multiplying by 2⁻ᵏ and back: exact, so it changes no result that does
/// not overflow.
#[derive(Debug, Clone, Copy)]
struct Scale {
    down: f64,
    up: f64,
}

impl Scale {
    /// The power of two that brings `largest` to [1, 2) (k ≤ 1023, so 2ᵏ
    /// is a float), or none when it is below 2 or not finite: nothing
    /// small is scaled up.
    fn to_unit(largest: f64) -> Scale {
        let (mut down, mut up, mut v) = (1.0, 1.0, largest);
        while v.is_finite() && v >= 2.0 {
            v /= 2.0;
            down /= 2.0;
            up *= 2.0;
        }
        Scale { down, up }
    }
}

/// The clustering radius for a domain: [`RADIUS_FRACTION`] of its diagonal.
/// Finite for any domain of finite widths.
pub fn radius(domain: &[(f64, f64)]) -> f64 {
    let widest = domain.iter().fold(0f64, |m, (lo, hi)| m.max(hi - lo));
    let s = Scale::to_unit(widest);
    let diag = domain
        .iter()
        .map(|(lo, hi)| {
            let w = (hi - lo) * s.down;
            w * w
        })
        .sum::<f64>()
        .sqrt();
    RADIUS_FRACTION * diag * s.up
}

/// Group `points` (position, loss) into basins of the given `radius`
/// (see the module docs). Points with a non-finite loss or position are
/// skipped.
pub fn cluster(points: &[(&[f64], f64)], radius: f64) -> Vec<Basin> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].1.is_finite() && points[i].0.iter().all(|v| v.is_finite()))
        .collect();
    // Stable: equal losses keep their input order.
    order.sort_by(|&a, &b| points[a].1.total_cmp(&points[b].1));
    // Distances within reach of a radius this large would overflow: work
    // where the radius is about 1.
    let s = Scale::to_unit(radius);
    let r = radius * s.down;
    let scaled: Vec<Vec<f64>> = points
        .iter()
        .map(|(p, _)| p.iter().map(|v| v * s.down).collect())
        .collect();
    // (leader index, sum of positions, count)
    let mut groups: Vec<(usize, Vec<f64>, usize)> = Vec::new();
    let mut grid = Grid::new(r);
    for i in order {
        let p = &scaled[i];
        // The first group (in order of creation) whose leader is in reach.
        let found = match &mut grid {
            Some(g) => g
                .near(p)
                .filter(|&k| distance(&scaled[groups[k].0], p) <= r)
                .min(),
            None => groups
                .iter()
                .position(|(leader, _, _)| distance(&scaled[*leader], p) <= r),
        };
        match found {
            Some(k) => {
                let (_, sum, count) = &mut groups[k];
                for (s, v) in sum.iter_mut().zip(p) {
                    *s += v;
                }
                *count += 1;
            }
            None => {
                if let Some(g) = &mut grid {
                    g.insert(p, groups.len());
                }
                groups.push((i, p.clone(), 1));
            }
        }
    }
    // Leaders were taken in order of loss, so the groups already are.
    groups
        .into_iter()
        .map(|(leader, sum, count)| Basin {
            at: sum
                .into_iter()
                .zip(&scaled[leader])
                .map(|(total, &first)| {
                    let mean = total / count as f64;
                    // Many members near the largest floats: their sum
                    // overflows, their mean (near the leader) does not.
                    (if mean.is_finite() { mean } else { first }) * s.up
                })
                .collect(),
            loss: points[leader].1,
            count,
            global: false,
        })
        .collect()
}

/// Leaders bucketed by the cell of side `radius` their first two
/// coordinates fall in: a leader within `radius` of a point lies in one of
/// the 3×3 cells around the point's, so only those are searched (the same
/// answer as scanning every leader, without the O(points × basins) cost
/// when the points are scattered).
struct Grid {
    radius: f64,
    cells: std::collections::HashMap<(i64, i64), Vec<usize>>,
}

impl Grid {
    /// `None` when the radius cannot size cells (then every leader is scanned).
    fn new(radius: f64) -> Option<Grid> {
        (radius.is_finite() && radius > 0.0).then(|| Grid {
            radius,
            cells: std::collections::HashMap::new(),
        })
    }

    fn cell(&self, p: &[f64]) -> (i64, i64) {
        let c = |j: usize| p.get(j).map_or(0, |v| (v / self.radius).floor() as i64);
        (c(0), c(1))
    }

    fn insert(&mut self, p: &[f64], group: usize) {
        let at = self.cell(p);
        self.cells.entry(at).or_default().push(group);
    }

    /// Groups whose leader may be within reach of `p`.
    fn near(&self, p: &[f64]) -> impl Iterator<Item = usize> + '_ {
        let (cx, cy) = self.cell(p);
        (-1..=1)
            .flat_map(move |dx| {
                (-1..=1).map(move |dy| (cx.saturating_add(dx), cy.saturating_add(dy)))
            })
            .filter_map(|c| self.cells.get(&c))
            .flatten()
            .copied()
    }
}

/// Summarise one run's starts (see the module docs for which count).
/// `has_tolerance` says whether the scenario stops runs on convergence.
pub fn summarize(ends: &[End<'_>], radius: f64, has_tolerance: bool) -> Summary {
    let mut s = Summary {
        total: ends.len(),
        ..Summary::default()
    };
    let mut points = Vec::with_capacity(ends.len());
    let (mut converged, mut epochs) = (0usize, 0f64);
    for e in ends {
        match e.status {
            Status::Diverged { .. } => {
                s.diverged += 1;
                continue;
            }
            Status::Converged { at } => {
                converged += 1;
                epochs += at as f64;
            }
            Status::Finished | Status::BadRate { .. } if has_tolerance => {
                s.not_converged += 1;
                continue;
            }
            Status::Running if has_tolerance => {
                s.running += 1;
                continue;
            }
            Status::Finished | Status::BadRate { .. } | Status::Running => {}
        }
        points.push((e.at, e.loss));
    }
    s.mean_epochs_to_converge = (converged > 0).then(|| epochs / converged as f64);
    s.basins = cluster(&points, radius);
    s
}

/// Mark the globally lowest basins across all `summaries` (one per run).
/// Clears any earlier marks.
pub fn mark_global(summaries: &mut [Summary]) {
    let best = summaries
        .iter()
        .flat_map(|s| s.basins.iter().map(|b| b.loss))
        .fold(f64::INFINITY, f64::min);
    let within = GLOBAL_LOSS_TOL * best.abs().max(1.0);
    for b in summaries.iter_mut().flat_map(|s| s.basins.iter_mut()) {
        b.global = best.is_finite() && b.loss <= best + within;
    }
}

/// Summaries of a many-start race, one per run, with the global basins
/// marked. `runs` is laid out start-major: entries `k*n_runs .. (k+1)*n_runs`
/// are start k of every run (as `Scenario::full_race` builds them).
pub fn summarize_race<F: Function>(
    runs: &[Run<F>],
    n_runs: usize,
    radius: f64,
    has_tolerance: bool,
) -> Vec<Summary> {
    let n_starts = runs.len().checked_div(n_runs).unwrap_or(0);
    let mut out: Vec<Summary> = (0..n_runs)
        .map(|i| {
            let ends: Vec<End<'_>> = (0..n_starts)
                .map(|k| {
                    let r = &runs[k * n_runs + i];
                    End {
                        at: r.params(),
                        loss: r.loss(),
                        status: r.status(),
                    }
                })
                .collect();
            summarize(&ends, radius, has_tolerance)
        })
        .collect();
    mark_global(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basin(at: &[f64], loss: f64, count: usize) -> (Vec<f64>, f64, usize) {
        (at.to_vec(), loss, count)
    }

    fn shape(b: &[Basin]) -> Vec<(Vec<f64>, f64, usize)> {
        b.iter().map(|b| (b.at.clone(), b.loss, b.count)).collect()
    }

    #[test]
    fn groups_by_leader_sorted_by_loss() {
        let pts: Vec<(Vec<f64>, f64)> = vec![
            (vec![1.0, 1.0], 0.5),
            (vec![0.0, 0.0], -1.0),
            (vec![1.05, 1.0], 0.6),
            (vec![0.02, 0.0], -0.9),
            (vec![5.0, 5.0], 3.0),
        ];
        let refs: Vec<(&[f64], f64)> = pts.iter().map(|(p, l)| (p.as_slice(), *l)).collect();
        let b = cluster(&refs, 0.1);
        assert_eq!(
            shape(&b),
            vec![
                basin(&[0.01, 0.0], -1.0, 2),
                basin(&[1.025, 1.0], 0.5, 2),
                basin(&[5.0, 5.0], 3.0, 1),
            ]
        );
    }

    #[test]
    fn order_of_the_input_does_not_matter() {
        let pts: Vec<(Vec<f64>, f64)> = (0..30)
            .map(|i| {
                let x = (i % 3) as f64 + 0.001 * i as f64;
                (vec![x], x * x - (i % 3) as f64)
            })
            .collect();
        let a: Vec<(&[f64], f64)> = pts.iter().map(|(p, l)| (p.as_slice(), *l)).collect();
        let mut b = a.clone();
        b.reverse();
        let (ca, cb) = (cluster(&a, 0.1), cluster(&b, 0.1));
        assert_eq!(ca.len(), 3);
        assert_eq!(
            ca.iter().map(|b| b.count).collect::<Vec<_>>(),
            cb.iter().map(|b| b.count).collect::<Vec<_>>()
        );
        for (x, y) in ca.iter().zip(&cb) {
            assert!((x.at[0] - y.at[0]).abs() < 1e-12);
            assert_eq!(x.loss, y.loss);
        }
    }

    #[test]
    fn the_grid_finds_what_a_full_scan_finds() {
        // Scattered 2D and 3D points with many groups; compare with a scan.
        let mut rng = crate::descent::rng::Rng::new(3);
        for dim in [1, 2, 3] {
            let pts: Vec<(Vec<f64>, f64)> = (0..400)
                .map(|_| {
                    let p: Vec<f64> = (0..dim).map(|_| rng.uniform(-1.0, 1.0)).collect();
                    let l = rng.uniform(0.0, 1.0);
                    (p, l)
                })
                .collect();
            let refs: Vec<(&[f64], f64)> = pts.iter().map(|(p, l)| (p.as_slice(), *l)).collect();
            let fast = cluster(&refs, 0.15);
            // The same greedy rule, scanning every leader.
            let mut order: Vec<usize> = (0..refs.len()).collect();
            order.sort_by(|&a, &b| refs[a].1.total_cmp(&refs[b].1));
            let mut leaders: Vec<(usize, usize)> = Vec::new();
            for i in order {
                match leaders
                    .iter_mut()
                    .find(|(l, _)| distance(refs[*l].0, refs[i].0) <= 0.15)
                {
                    Some((_, n)) => *n += 1,
                    None => leaders.push((i, 1)),
                }
            }
            assert_eq!(fast.len(), leaders.len(), "dim {dim}");
            for (b, (l, n)) in fast.iter().zip(&leaders) {
                assert_eq!((b.loss, b.count), (refs[*l].1, *n), "dim {dim}");
            }
        }
        // A radius of 0 still groups equal points.
        let p = [1.0, 2.0];
        assert_eq!(cluster(&[(&p, 0.0), (&p, 1.0)], 0.0)[0].count, 2);
    }

    #[test]
    fn non_finite_points_are_skipped() {
        let p = [0.0];
        let q = [f64::NAN];
        let b = cluster(&[(&p, f64::NAN), (&q, 1.0), (&p, 2.0)], 0.1);
        assert_eq!(shape(&b), vec![basin(&[0.0], 2.0, 1)]);
        assert!(cluster(&[], 0.1).is_empty());
    }

    #[test]
    fn statuses_with_and_without_a_tolerance() {
        let (a, b, c) = ([0.0], [0.001], [3.0]);
        let ends = [
            End {
                at: &a,
                loss: 0.0,
                status: Status::Converged { at: 10 },
            },
            End {
                at: &b,
                loss: 0.1,
                status: Status::Converged { at: 30 },
            },
            End {
                at: &c,
                loss: 9.0,
                status: Status::Finished,
            },
            End {
                at: &c,
                loss: 9.0,
                status: Status::Running,
            },
            End {
                at: &c,
                loss: 1e300,
                status: Status::Diverged { at: 4 },
            },
        ];
        let s = summarize(&ends, 0.01, true);
        assert_eq!(s.total, 5);
        assert_eq!(shape(&s.basins), vec![basin(&[0.0005], 0.0, 2)]);
        assert_eq!((s.diverged, s.not_converged, s.running), (1, 1, 1), "{s:?}");
        assert_eq!(s.mean_epochs_to_converge, Some(20.0));

        let s = summarize(&ends, 0.01, false);
        assert_eq!(
            shape(&s.basins),
            vec![basin(&[0.0005], 0.0, 2), basin(&[3.0], 9.0, 2)]
        );
        assert_eq!((s.diverged, s.not_converged, s.running), (1, 0, 0));

        let none = summarize(&ends[2..], 0.01, false);
        assert_eq!(none.mean_epochs_to_converge, None);
    }

    #[test]
    fn global_marks_the_lowest_across_runs() {
        let mk = |losses: &[f64]| Summary {
            basins: losses
                .iter()
                .map(|&l| Basin {
                    at: vec![l],
                    loss: l,
                    count: 1,
                    global: true,
                })
                .collect(),
            ..Summary::default()
        };
        let mut s = vec![
            mk(&[-3.0, -1.0]),
            mk(&[-6.5, -3.0]),
            mk(&[-6.5 + 1e-9]),
            mk(&[]),
        ];
        mark_global(&mut s);
        let marks: Vec<Vec<bool>> = s
            .iter()
            .map(|s| s.basins.iter().map(|b| b.global).collect())
            .collect();
        assert_eq!(
            marks,
            vec![vec![false, false], vec![true, false], vec![true], vec![]]
        );
    }

    #[test]
    fn the_widest_domains_neither_overflow_nor_merge_everything() {
        let big = f64::MAX / 2.0;
        let r = radius(&[(-big, big), (-big, big)]);
        assert!(r.is_finite() && r > 1e306, "{r}");
        let (p, q, far) = ([1e308, -1e308], [1e308 - 1e305, -1e308], [-1e308, 1e308]);
        let b = cluster(&[(&p, 0.0), (&q, 1.0), (&far, 2.0)], r);
        assert_eq!(b.iter().map(|b| b.count).collect::<Vec<_>>(), [2, 1]);
        assert!(
            (b[0].at[0] / (1e308 - 5e304) - 1.0).abs() < 1e-12,
            "{:?}",
            b[0].at
        );
        assert_eq!(b[1].at, far);
        // Where nothing overflows, the numbers are the plain formula's.
        assert_eq!(
            radius(&[(-3.0, 3.0), (-30.0, 30.0)]),
            RADIUS_FRACTION * (36.0f64 + 3600.0).sqrt()
        );
    }

    #[test]
    fn radius_is_a_fraction_of_the_diagonal() {
        assert!((radius(&[(-3.0, 3.0), (-3.0, 3.0)]) - 0.06 * 2f64.sqrt()).abs() < 1e-12);
        assert!((radius(&[(-1.0, 1.0)]) - 0.02).abs() < 1e-15);
    }
}
