//! Which runs the panes draw, and where the charts put them: hidden runs
//! (`h`) left out, the selected run drawn last (on top), and the charts' x
//! axis counted in epochs or in evaluations (`v`).
//!
//! | x axis | a point of epoch `e` is drawn at |
//! | --- | --- |
//! | epochs | `e` |
//! | f evaluations | the points where f was evaluated by then (`e + 1`, a line search its trials) |
//! | ∇f evaluations | the points where ∇f was evaluated by then (`e + 1`, a line search its accepted points) |

use super::chart::ChartSpec;
use super::scale;
use crate::app::{Entry, XAxis};
use crate::descent::history::Point;
use crate::track::{RunView, Snapshot};

/// Every run, in the table's order.
pub fn all(snap: &Snapshot) -> Vec<usize> {
    (0..snap.runs.len()).collect()
}

/// The runs of `entry` to draw, in drawing order: not hidden, the selected
/// one last.
pub fn order(entry: &Entry, snap: &Snapshot) -> Vec<usize> {
    let mut out: Vec<usize> = all(snap)
        .into_iter()
        .filter(|&i| !entry.is_hidden(i) && i != entry.selected)
        .collect();
    if entry.selected < snap.runs.len() && !entry.is_hidden(entry.selected) {
        out.push(entry.selected);
    }
    out
}

/// The runs `shown` of `snap`, with their indices.
pub fn pick<'a>(snap: &'a Snapshot, shown: &[usize]) -> Vec<(usize, &'a RunView)> {
    shown
        .iter()
        .filter_map(|&i| snap.runs.get(i).map(|r| (i, r)))
        .collect()
}

/// Run `r`'s evaluations (f or ∇f, by `x`) at the epoch groups of its
/// chart series, oldest first: `(epoch, count)`.
fn counts(r: &RunView, x: XAxis) -> Option<Vec<Point>> {
    let [f, g] = r.costs.as_ref()?;
    let env = if x == XAxis::FEvals { f } else { g };
    // An envelope has a group's least and greatest value at its epoch: the
    // count at the group's last epoch is its greatest.
    let mut out: Vec<Point> = Vec::with_capacity(env.len());
    for &(e, c) in env {
        match out.last_mut() {
            Some(last) if last.0 == e => last.1 = last.1.max(c),
            _ => out.push((e, c)),
        }
    }
    Some(out)
}

/// The evaluations of a run at epoch `e`: from its recorded counts, or
/// `e + 1` (one per update and the start).
fn at(counts: &Option<Vec<Point>>, e: f64) -> f64 {
    match counts {
        Some(c) => {
            let i = c.partition_point(|p| p.0 < e);
            c.get(i).or(c.last()).map_or(e + 1.0, |p| p.1)
        }
        None => e + 1.0,
    }
}

/// Put `spec`'s series along `x`: epochs as they are, or each point at its
/// run's evaluation count then, the axis from 0 to the most any run has
/// paid (rounded up to a round number, so it moves rarely).
pub fn along(spec: &mut ChartSpec, snap: &Snapshot, x: XAxis) {
    if x == XAxis::Epochs {
        return;
    }
    let mut most = snap.epochs as f64 + 1.0;
    for s in &mut spec.series {
        let Some(r) = snap.runs.get(s.run) else {
            continue;
        };
        let c = counts(r, x);
        for p in &mut s.points {
            p.0 = at(&c, p.0);
        }
        let paid = if x == XAxis::FEvals {
            r.f_evals
        } else {
            r.g_evals
        };
        most = most.max(paid as f64);
    }
    spec.x_bounds = [0.0, scale::nice_range(0.0, most)[1]];
    spec.title.push_str(&format!(" · by {}", x.label()));
}
