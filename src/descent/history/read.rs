//! Reading a [`History`]: its last, recent and kept rows, chart envelopes,
//! paths, trails and ranges, and the [`Points`] that paths and trails come in.

use std::ops::Range;

use super::{History, widen};

/// A point of a chart envelope: `(epoch, value)`.
pub type Point = (f64, f64);

/// Points of `dim` coordinates each, one after another in one vector (a
/// path or a trail, without a small allocation per point).
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    dim: usize,
    coords: Vec<f64>,
}

impl Points {
    /// No points yet, room for `n` of `dim` coordinates (at least 1).
    pub fn with_capacity(dim: usize, n: usize) -> Self {
        let dim = dim.max(1);
        Points {
            dim,
            coords: Vec::with_capacity(dim * n),
        }
    }

    /// Append the point `p` (`dim` coordinates).
    pub fn push(&mut self, p: &[f64]) {
        debug_assert_eq!(p.len(), self.dim);
        self.coords.extend_from_slice(p);
    }

    /// Coordinates per point.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.coords.len() / self.dim
    }

    /// True when there is no point.
    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// The points, in order.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, f64> {
        self.coords.chunks_exact(self.dim)
    }

    /// Point `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&[f64]> {
        self.coords.get(i * self.dim..(i + 1) * self.dim)
    }

    /// The newest point, if there is one.
    pub fn last(&self) -> Option<&[f64]> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }
}

impl<'a> IntoIterator for &'a Points {
    type Item = &'a [f64];
    type IntoIter = std::slice::ChunksExact<'a, f64>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl History {
    /// The last row of bucket `i` (the open, newest bucket's is the newest
    /// recent row).
    pub(super) fn bucket_last(&self, i: usize) -> &[f64] {
        if i + 1 == self.buckets.len()
            && let Some(n) = self.recent_epochs.len().checked_sub(1)
        {
            return self.recent_row(n).1;
        }
        &self.stats[(3 * i + 2) * self.stride..][..self.cols]
    }

    /// Minimum and maximum of column `col` over bucket `i` (for the open
    /// bucket, with its waiting rows).
    fn bounds(&self, i: usize, col: usize) -> (f64, f64) {
        let at = 3 * i * self.stride + col;
        let (mut lo, mut hi) = (self.stats[at], self.stats[at + self.stride]);
        if i + 1 == self.buckets.len() {
            let n = self.recent_epochs.len();
            for r in n - self.pending..n {
                widen(&mut lo, &mut hi, self.recent_row(r).1[col]);
            }
        }
        (lo, hi)
    }

    /// The last epoch of bucket `i` (the open bucket's is the newest row's).
    pub(super) fn last_epoch(&self, i: usize) -> u64 {
        if i + 1 == self.buckets.len()
            && let Some(n) = self.recent_epochs.len().checked_sub(1)
        {
            return self.recent_row(n).0;
        }
        self.buckets[i].last_epoch
    }

    /// Epoch and numbers of recent row `i` (oldest first).
    fn recent_row(&self, i: usize) -> (u64, &[f64]) {
        let p = self.phys(i);
        (
            self.recent_epochs[p],
            &self.recent[p * self.stride..][..self.cols],
        )
    }

    /// The most recent row, with its epoch.
    pub fn last(&self) -> Option<(u64, Vec<f64>)> {
        let n = self.recent_epochs.len();
        let (e, row) = self.recent_row(n.checked_sub(1)?);
        Some((e, row.to_vec()))
    }

    /// The full-detail recent rows, oldest first: `(epoch, row)`.
    pub fn recent(&self) -> impl Iterator<Item = (u64, Vec<f64>)> + '_ {
        (0..self.recent_epochs.len()).map(move |i| {
            let (e, row) = self.recent_row(i);
            (e, row.to_vec())
        })
    }

    /// Every row kept, oldest first: all of them while the run fits the
    /// recent window, else the last row of each bucket before the window
    /// followed by the window in full.
    pub fn rows(&self) -> Vec<(u64, Vec<f64>)> {
        let first_recent = (!self.recent_epochs.is_empty()).then(|| self.recent_row(0).0);
        let mut out: Vec<(u64, Vec<f64>)> = if self.is_complete() {
            Vec::new()
        } else {
            (0..self.buckets.len())
                .map(|i| (i, self.last_epoch(i)))
                .filter(|&(_, last)| first_recent.is_none_or(|f| last < f))
                .map(|(i, last)| (last, self.bucket_last(i).to_vec()))
                .collect()
        };
        out.extend(self.recent());
        out
    }

    /// True when the recent window still holds every row ever pushed.
    pub fn is_complete(&self) -> bool {
        self.len == self.recent_epochs.len() as u64
    }

    /// The last `n` values of column `col` (oldest first), e.g. for a trail.
    pub fn tail(&self, col: usize, n: usize) -> Vec<(u64, f64)> {
        let have = self.recent_epochs.len();
        let from = have.saturating_sub(n);
        (from..have)
            .map(|i| {
                let (e, row) = self.recent_row(i);
                (e, row[col])
            })
            .collect()
    }

    /// A chart-ready envelope of column `col` with at most about `2 × width`
    /// points: for each of ≤ `width` groups of epochs, its minimum and maximum
    /// (in the order they are drawn, so a line through them covers the range).
    /// Non-finite values are skipped. Costs O(buckets), never O(epochs).
    pub fn envelope(&self, col: usize, width: usize) -> Vec<Point> {
        self.envelope_over(&self.groups(width), col)
    }

    /// The envelope of each column of `cols` (as [`History::envelope`]),
    /// with the buckets cut into groups once for all of them.
    pub fn envelopes(
        &self,
        cols: impl IntoIterator<Item = usize>,
        width: usize,
    ) -> Vec<Vec<Point>> {
        let groups = self.groups(width);
        cols.into_iter()
            .map(|c| self.envelope_over(&groups, c))
            .collect()
    }

    /// The buckets cut into at most `width` runs of neighbours of about
    /// equal epochs: each run's end (a bucket index, exclusive) and last
    /// epoch.
    fn groups(&self, width: usize) -> Vec<(usize, f64)> {
        let n = self.buckets.len();
        let n_groups = n.min(width.max(1));
        let mut out = Vec::with_capacity(n_groups);
        let Some(newest) = n.checked_sub(1) else {
            return out;
        };
        let first = self.buckets[0].first_epoch;
        let epochs = (self.last_epoch(newest) - first + 1) as f64;
        let mut current = 0.0;
        for (i, b) in self.buckets.iter().enumerate() {
            let g = (((b.first_epoch - first) as f64 / epochs) * n_groups as f64).floor();
            if i > 0 && g != current {
                out.push((i, self.last_epoch(i - 1) as f64));
            }
            current = g;
        }
        out.push((n, self.last_epoch(newest) as f64));
        out
    }

    /// The envelope of column `col` over the bucket groups `groups`.
    fn envelope_over(&self, groups: &[(usize, f64)], col: usize) -> Vec<Point> {
        let mut out = Vec::with_capacity(2 * groups.len());
        let mut from = 0;
        for &(to, x) in groups {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for i in from..to {
                let (l, h) = self.bounds(i, col);
                lo = lo.min(l);
                hi = hi.max(h);
            }
            from = to;
            if lo.is_finite() {
                out.push((x, lo));
                if lo != hi {
                    out.push((x, hi));
                }
            }
        }
        out
    }

    /// The whole run as a decimated path through columns `cols`: the last
    /// row of every bucket (so at most `2 × max_buckets` points, exact for
    /// short runs), oldest first.
    pub fn path(&self, cols: Range<usize>) -> Points {
        let mut path = Points::with_capacity(cols.len(), self.buckets.len());
        for i in 0..self.buckets.len() {
            path.push(&self.bucket_last(i)[cols.clone()]);
        }
        path
    }

    /// The last `n` recent rows (fewer if fewer are kept) through columns
    /// `cols`, oldest first: e.g. a trail.
    pub fn recent_points(&self, cols: Range<usize>, n: usize) -> Points {
        let have = self.recent_epochs.len();
        let from = have.saturating_sub(n);
        let mut points = Points::with_capacity(cols.len(), have - from);
        for i in from..have {
            points.push(&self.recent_row(i).1[cols.clone()]);
        }
        points
    }

    /// Smallest and largest finite value of column `col` over the whole run.
    pub fn range(&self, col: usize) -> Option<(f64, f64)> {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for i in 0..self.buckets.len() {
            let (b_lo, b_hi) = self.bounds(i, col);
            lo = lo.min(b_lo);
            hi = hi.max(b_hi);
        }
        (lo <= hi).then_some((lo, hi))
    }
}
