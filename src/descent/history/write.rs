//! Writing a [`History`]: pushing rows into the recent ring and the open
//! bucket's bounds, opening and closing buckets, shrinking the ring to its
//! tail, coarsening the buckets, and clearing.

use super::{Bucket, History, LANES, widen};

/// At most this many of the newest rows wait in the ring before they are
/// taken into the open bucket's bounds, all together (see
/// [`History::push_with`]).
const BATCH: usize = 32;

/// Take the whole padded rows of `rows` (consecutive, `lo.len()` numbers
/// each) into the bounds `lo` and `hi` (both a multiple of [`LANES`] long):
/// every finite value, as [`widen`] takes it, row after row.
#[inline]
fn absorb(lo: &mut [f64], hi: &mut [f64], rows: &[f64]) {
    let stride = lo.len();
    // Two groups of lanes at a time down all the rows, so their bounds stay
    // in registers and the two groups' compares overlap; then the group
    // left over, if any.
    let pairs = stride / (2 * LANES) * (2 * LANES);
    for at in (0..pairs).step_by(2 * LANES) {
        absorb_lanes::<{ 2 * LANES }>(lo, hi, rows, at);
    }
    if pairs < stride {
        absorb_lanes::<LANES>(lo, hi, rows, pairs);
    }
}

/// [`absorb`] for the `N` lanes from `at` of each row.
///
/// The values are first taken as they are, without [`widen`]'s test for
/// ±∞ (a NaN moves no bound either way). A ±∞ taken so shows in the bounds
/// (−∞ in a lower one or +∞ in an upper one, which nothing else can put
/// there), and then the rows are taken again from the old bounds with the
/// test; without one both ways give the same bits.
#[inline(always)]
fn absorb_lanes<const N: usize>(lo: &mut [f64], hi: &mut [f64], rows: &[f64], at: usize) {
    let stride = lo.len();
    let (lo, hi): (&mut [f64; N], &mut [f64; N]) = (
        (&mut lo[at..at + N]).try_into().expect("N lanes"),
        (&mut hi[at..at + N]).try_into().expect("N lanes"),
    );
    let (mut l, mut h) = (*lo, *hi);
    for row in rows.chunks_exact(stride) {
        let v: &[f64; N] = row[at..at + N].try_into().expect("N lanes");
        for k in 0..N {
            l[k] = if v[k] < l[k] { v[k] } else { l[k] };
            h[k] = if v[k] > h[k] { v[k] } else { h[k] };
        }
    }
    let infinite = (0..N).any(|k| l[k] == f64::NEG_INFINITY || h[k] == f64::INFINITY);
    if infinite {
        (l, h) = (*lo, *hi);
        for row in rows.chunks_exact(stride) {
            let v: &[f64; N] = row[at..at + N].try_into().expect("N lanes");
            for k in 0..N {
                widen(&mut l[k], &mut h[k], v[k]);
            }
        }
    }
    (*lo, *hi) = (l, h);
}

impl History {
    /// Forget everything.
    pub fn clear(&mut self) {
        self.span = 1;
        self.window = self.full;
        self.recent_epochs = Vec::with_capacity(self.full);
        self.recent = Vec::with_capacity(self.full * self.stride);
        self.head = 0;
        self.bucket_end = 0;
        self.buckets.clear();
        self.stats.clear();
        self.pending = 0;
        self.steady_end = 0;
        self.len = 0;
    }

    /// Record the row of `epoch`, written by `fill` straight into its place
    /// in the recent ring (it gets `cols` numbers to overwrite). Epochs must
    /// increase.
    ///
    /// A row that joins the open bucket only waits in the ring: every
    /// [`BATCH`] rows (and before the bucket closes) the waiting rows are
    /// taken into the bucket's bounds together, a group of lanes at a time,
    /// and readers fold in the few still waiting. Per row that is a handful
    /// of stores, instead of a load and a store of both bounds.
    #[inline(always)]
    pub fn push_with(&mut self, epoch: u64, fill: impl FnOnce(&mut [f64])) {
        let (cols, stride) = (self.cols, self.stride);
        // The steady state of a long run: the row takes the oldest row's
        // place and joins the open bucket. Anything else is out of line.
        let steady = epoch < self.steady_end;
        let p = if steady {
            self.overwrite_oldest(epoch)
        } else {
            self.begin_row_rarely(epoch)
        };
        fill(&mut self.recent[p * stride..][..cols]);
        if steady {
            self.join_bucket();
        } else {
            self.end_row_rarely(epoch, p);
        }
    }

    /// After [`History::begin_row_rarely`] and the row's numbers: the row
    /// opens a bucket or joins the open one, and whether the next row may
    /// take the steady state's way is decided.
    #[inline(never)]
    fn end_row_rarely(&mut self, epoch: u64, p: usize) {
        if epoch >= self.bucket_end {
            self.open_bucket(epoch, p);
        } else {
            self.join_bucket();
        }
        let steady = self.recent_epochs.len() == self.window && self.window == self.tail;
        self.steady_end = if steady { self.bucket_end } else { 0 };
    }

    /// The newest row joins the open bucket: it waits, and the waiting rows
    /// are taken into the bounds once there are a batch of them.
    #[inline(always)]
    fn join_bucket(&mut self) {
        self.pending += 1;
        if self.pending == self.batch() {
            self.absorb_pending();
        }
    }

    /// How many rows may wait before they are taken into the bounds: fewer
    /// than the ring holds, so a waiting row is never overwritten.
    fn batch(&self) -> usize {
        BATCH.min(self.tail)
    }

    /// Take the waiting rows into the open bucket's bounds.
    fn absorb_pending(&mut self) {
        let (n, stride) = (self.pending, self.stride);
        if n == 0 {
            return;
        }
        self.pending = 0;
        // The newest `n` rows of the ring: at most two runs of memory.
        let end = self.phys(self.recent_epochs.len() - 1) + 1;
        let at = self.stats.len() - 3 * stride;
        let (lo, hi) = self.stats[at..at + 2 * stride].split_at_mut(stride);
        if end >= n {
            absorb(lo, hi, &self.recent[(end - n) * stride..end * stride]);
        } else {
            let wrapped = self.window - (n - end);
            absorb(lo, hi, &self.recent[wrapped * stride..self.window * stride]);
            absorb(lo, hi, &self.recent[..end * stride]);
        }
    }

    /// Record the row of `epoch`. Epochs must increase.
    pub fn push(&mut self, epoch: u64, row: &[f64]) {
        debug_assert_eq!(row.len(), self.cols);
        self.push_with(epoch, |r| r.copy_from_slice(row));
    }

    /// Make room for the row of `epoch` in the recent ring when the ring is
    /// still filling or shrinks, or a bucket opens (the steady state is
    /// [`History::push_with`]'s): its physical index. A bucket that the row
    /// ends is closed (the row's own is opened by
    /// [`History::end_row_rarely`]).
    #[inline(never)]
    fn begin_row_rarely(&mut self, epoch: u64) -> usize {
        // Bucket `k` holds epochs `k·span .. (k+1)·span`; epochs increase,
        // so a row joins the last bucket iff it is before that bucket's end
        // (no division per row; `bucket_end` is 0 before the first row).
        let opens_bucket = epoch >= self.bucket_end;
        if self.recent_epochs.len() == self.window && self.window > self.tail {
            self.shrink_to_tail();
        }
        let kept = self.recent_epochs.len();
        if opens_bucket && kept > 0 {
            self.close_bucket();
        }
        if kept == self.window {
            self.overwrite_oldest(epoch)
        } else {
            self.len += 1;
            self.recent_epochs.push(epoch);
            self.recent.resize((kept + 1) * self.stride, 0.0);
            kept
        }
    }

    /// The ring is full: `epoch` takes the oldest row's place (returned).
    #[inline]
    fn overwrite_oldest(&mut self, epoch: u64) -> usize {
        let h = self.head;
        self.len += 1;
        self.recent_epochs[h] = epoch;
        self.head = if h + 1 == self.window { 0 } else { h + 1 };
        h
    }

    /// The newest bucket is complete: its waiting rows join its bounds, and
    /// its last row is the newest recent row (copied before that row may be
    /// overwritten).
    #[cold]
    fn close_bucket(&mut self) {
        self.absorb_pending();
        let stride = self.stride;
        let n = self.recent_epochs.len() - 1;
        let p = self.phys(n);
        let at = self.stats.len() - stride;
        self.stats[at..].copy_from_slice(&self.recent[p * stride..(p + 1) * stride]);
        if let Some(b) = self.buckets.last_mut() {
            b.last_epoch = self.recent_epochs[p];
        }
    }

    /// Start a bucket with the row of `epoch` (at physical index `p`).
    #[cold]
    fn open_bucket(&mut self, epoch: u64, p: usize) {
        let stride = self.stride;
        let row = &self.recent[p * stride..(p + 1) * stride];
        self.buckets.push(Bucket {
            first_epoch: epoch,
            last_epoch: epoch,
        });
        let at = self.stats.len();
        self.stats.resize(at + stride, f64::INFINITY);
        self.stats.resize(at + 2 * stride, f64::NEG_INFINITY);
        self.stats.extend_from_slice(row);
        let (bounds, row) = self.stats[at..].split_at_mut(2 * stride);
        let (lo, hi) = bounds.split_at_mut(stride);
        absorb(lo, hi, row);
        self.pending = 0;
        if self.buckets.len() > 2 * self.max_buckets {
            self.coarsen();
        }
        self.bucket_end = (epoch / self.span + 1) * self.span;
    }

    /// The run outgrew the full window: keep its last `tail` rows, in order,
    /// in a ring of that size (and give the rest of the memory back).
    #[cold]
    fn shrink_to_tail(&mut self) {
        let (tail, stride) = (self.tail, self.stride);
        let from = self.recent_epochs.len() - tail;
        let mut epochs = Vec::with_capacity(tail);
        let mut rows = Vec::with_capacity(tail * stride);
        for i in from..self.recent_epochs.len() {
            let p = self.phys(i);
            epochs.push(self.recent_epochs[p]);
            rows.extend_from_slice(&self.recent[p * stride..(p + 1) * stride]);
        }
        self.recent_epochs = epochs;
        self.recent = rows;
        self.head = 0;
        self.window = tail;
    }

    /// Merge neighbouring buckets pairwise and double the span, in place.
    fn coarsen(&mut self) {
        self.span *= 2;
        let s3 = 3 * self.stride;
        let mut kept = 0;
        for i in 0..self.buckets.len() {
            let b = self.buckets[i];
            if kept > 0
                && self.buckets[kept - 1].first_epoch / self.span == b.first_epoch / self.span
            {
                // Into the previous kept bucket: bounds widen, last moves on.
                let (into, from) = self.stats.split_at_mut(i * s3);
                let into = &mut into[(kept - 1) * s3..kept * s3];
                let from = &from[..s3];
                let (lo_hi, last) = into.split_at_mut(2 * self.stride);
                let (lo, hi) = lo_hi.split_at_mut(self.stride);
                for k in 0..self.stride {
                    lo[k] = lo[k].min(from[k]);
                    hi[k] = hi[k].max(from[self.stride + k]);
                }
                last.copy_from_slice(&from[2 * self.stride..]);
                self.buckets[kept - 1].last_epoch = b.last_epoch;
            } else {
                if kept != i {
                    self.stats.copy_within(i * s3..(i + 1) * s3, kept * s3);
                    self.buckets[kept] = b;
                }
                kept += 1;
            }
        }
        self.buckets.truncate(kept);
        self.stats.truncate(kept * s3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorb_takes_the_rows_as_widen_does_to_the_bit() {
        // Rows of every width in groups of lanes, short and long batches,
        // from empty and from finite bounds, with ±∞, NaN, ±0 now and then
        // (so both the quick way and the way back are taken).
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut infinite_batches = 0;
        for stride in [4, 8, 12, 16, 20] {
            for n in [1, 2, 7, 8, 9, 32, 33] {
                for round in 0..40 {
                    let rare = |x: u64| if round % 3 == 0 { x % 64 } else { 99 };
                    let rows: Vec<f64> = (0..n * stride)
                        .map(|_| match rare(next()) {
                            0 => f64::INFINITY,
                            1 => f64::NEG_INFINITY,
                            2 => f64::NAN,
                            3 => -0.0,
                            4 => 0.0,
                            _ => (next() % 2001) as f64 / 100.0 - 10.0,
                        })
                        .collect();
                    let (mut lo, mut hi) = if round % 2 == 0 {
                        (vec![f64::INFINITY; stride], vec![f64::NEG_INFINITY; stride])
                    } else {
                        let v: Vec<f64> = (0..stride).map(|k| k as f64 - 2.0).collect();
                        (v.clone(), v)
                    };
                    let (mut want_lo, mut want_hi) = (lo.clone(), hi.clone());
                    for row in rows.chunks_exact(stride) {
                        for k in 0..stride {
                            widen(&mut want_lo[k], &mut want_hi[k], row[k]);
                        }
                    }
                    infinite_batches += usize::from(rows.iter().any(|v| v.is_infinite()));
                    absorb(&mut lo, &mut hi, &rows);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&lo),
                        bits(&want_lo),
                        "stride {stride} n {n} round {round}"
                    );
                    assert_eq!(
                        bits(&hi),
                        bits(&want_hi),
                        "stride {stride} n {n} round {round}"
                    );
                }
            }
        }
        assert!(infinite_batches > 100, "{infinite_batches}");
    }
}
