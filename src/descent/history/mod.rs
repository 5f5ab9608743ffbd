//! Bounded per-run history: full detail for a recent window, plus a
//! decimated picture of the whole run.
//!
//! A run of 10^7 epochs must not keep 10^7 records, and drawing its chart must
//! cost what the screen is wide, not what the run is long. So a [`History`]
//! keeps two things:
//!
//! * **recent** — every record while the run is at most `window` epochs long
//!   (so a short run is exported in full), and from then on only the last
//!   `tail` records (for trails and the newest rows of an export);
//! * **buckets** — the whole run cut into at most `2 × max_buckets` buckets of
//!   `span` epochs each, every bucket holding, per column, the minimum, the
//!   maximum and the last value seen. When the buckets fill up, neighbours are
//!   merged pairwise and `span` doubles, so memory stays fixed and each
//!   bucket's min/max envelope stays exact.
//!
//! At pace `max` every epoch of every run is pushed here, so a push is kept
//! to a few stores in the steady state: the row is written straight into the
//! ring, and the open bucket takes the newest rows into its bounds a batch
//! at a time.
//!
//! A record is one epoch's row of `cols` numbers (e.g. loss, lr, grad norm,
//! params…); what the columns mean is the caller's business.
//!
//! Writing a history is in `write.rs`, reading it in `read.rs`; its layout,
//! and what both sides share, is here.

mod read;
mod write;

pub use read::{Point, Points};

/// Rows are stored padded to a multiple of this many numbers, so the
/// per-row work runs on whole fixed-size groups (no remainder loop).
const LANES: usize = 4;

/// The epochs of one decimated bucket. Its numbers — per column the
/// minimum, the maximum and the last value over those epochs, each padded to
/// the history's stride (the padding is never read) — are the bucket's
/// `3 × stride` slice of [`History::stats`], so a pass over the buckets reads
/// one flat array.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    first_epoch: u64,
    /// Set when the bucket closes; the open (newest) bucket's last epoch is
    /// the newest row's (see [`History::last_epoch`]).
    last_epoch: u64,
}

/// Take `v` into the bounds `lo` and `hi` if it is finite (strict
/// compares: of equal values, e.g. 0 and -0, the first taken stays).
#[inline(always)]
fn widen(lo: &mut f64, hi: &mut f64, v: f64) {
    // Without branches, as a value that sways about a bucket's extreme
    // would mispredict a branch on most rows. Non-finite values are
    // skipped: `v - (v - v)` is `v` exactly for every finite `v` (-0
    // included) and NaN for ±∞ and NaN, and a NaN never compares less or
    // greater, so it moves neither bound.
    #[allow(clippy::eq_op, reason = "v - v is 0 or NaN: the test")]
    let w = v - (v - v);
    *lo = if w < *lo { w } else { *lo };
    *hi = if w > *hi { w } else { *hi };
}

/// Bounded history of one run. See the module docs.
#[derive(Debug, Clone)]
pub struct History {
    cols: usize,
    /// Numbers stored per row: `cols` rounded up to a multiple of [`LANES`].
    stride: usize,
    /// The ring's size now: `full` while every row fits, then `tail`.
    window: usize,
    full: usize,
    tail: usize,
    max_buckets: usize,
    span: u64,
    /// The recent window as a ring: row `i` (oldest first) of the rows kept
    /// is at physical index `(head + i) % window` (`head` stays 0 until the
    /// window is full), its numbers at `recent[phys * stride..][..cols]`.
    recent_epochs: Vec<u64>,
    recent: Vec<f64>,
    head: usize,
    /// First epoch past the last bucket's span (where the next one starts).
    bucket_end: u64,
    buckets: Vec<Bucket>,
    /// The buckets' numbers, `3 × stride` per bucket: min, max, last.
    stats: Vec<f64>,
    /// How many of the newest rows are in the open bucket but not yet in
    /// its bounds (always fewer than [`History::batch`]).
    pending: usize,
    /// Rows of epochs before this take the steady state's short way in
    /// (see [`History::push_with`]): the open bucket's end once the ring
    /// is full at its final size, else 0.
    steady_end: u64,
    len: u64,
}

impl History {
    /// Default number of records kept in full while the run is short.
    pub const DEFAULT_WINDOW: usize = 4096;
    /// Default number of recent records kept in full once it is longer.
    pub const DEFAULT_TAIL: usize = 256;
    /// Default bucket budget (the whole run is kept in at most twice this many).
    pub const DEFAULT_BUCKETS: usize = 512;

    /// A history of rows of `cols` numbers with the default window, tail
    /// and buckets.
    pub fn new(cols: usize) -> Self {
        Self::with_capacity(cols, Self::DEFAULT_WINDOW, Self::DEFAULT_BUCKETS)
            .with_tail(Self::DEFAULT_TAIL)
    }

    /// A history keeping `window` recent rows and at most `2 × max_buckets`
    /// buckets (the tail is the whole window; see [`History::with_tail`]).
    pub fn with_capacity(cols: usize, window: usize, max_buckets: usize) -> Self {
        let window = window.max(1);
        let max_buckets = max_buckets.max(1);
        let stride = cols.next_multiple_of(LANES);
        History {
            cols,
            stride,
            window,
            full: window,
            tail: window,
            max_buckets,
            span: 1,
            recent_epochs: Vec::with_capacity(window),
            recent: Vec::with_capacity(window * stride),
            head: 0,
            bucket_end: 0,
            buckets: Vec::with_capacity(2 * max_buckets + 1),
            stats: Vec::with_capacity((2 * max_buckets + 1) * 3 * stride),
            pending: 0,
            steady_end: 0,
            len: 0,
        }
    }

    /// Once more than the window's rows were pushed, keep only the last
    /// `tail` of them (at least 1, at most the window).
    pub fn with_tail(mut self, tail: usize) -> Self {
        self.tail = tail.clamp(1, self.full);
        self.steady_end = 0;
        self
    }

    /// Number of columns per row.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of rows pushed in total.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Epochs covered by one bucket right now.
    pub fn bucket_span(&self) -> u64 {
        self.span
    }

    /// Physical index of recent row `i` (oldest first).
    fn phys(&self, i: usize) -> usize {
        let p = self.head + i;
        if p >= self.window { p - self.window } else { p }
    }

    /// Approximate heap bytes used (for the memory budget).
    pub fn heap_bytes(&self) -> usize {
        self.recent_epochs.capacity() * 8
            + self.recent.capacity() * 8
            + self.buckets.capacity() * std::mem::size_of::<Bucket>()
            + self.stats.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_while_short() {
        let mut h = History::with_capacity(2, 10, 4);
        for e in 0..5u64 {
            h.push(e, &[e as f64, -(e as f64)]);
        }
        assert!(h.is_complete());
        let rows: Vec<_> = h.recent().collect();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[3], (3, vec![3.0, -3.0]));
        assert_eq!(h.last(), Some((4, vec![4.0, -4.0])));
        assert_eq!(h.tail(0, 2), vec![(3, 3.0), (4, 4.0)]);
    }

    #[test]
    fn window_and_buckets_stay_bounded() {
        let mut h = History::with_capacity(1, 100, 64);
        for e in 0..1_000_000u64 {
            h.push(e, &[(e as f64).sin()]);
        }
        assert_eq!(h.len(), 1_000_000);
        assert_eq!(h.recent().count(), 100);
        assert!(!h.is_complete());
        assert!(h.buckets.len() <= 128, "{} buckets", h.buckets.len());
        assert!(h.bucket_span() >= 1_000_000 / 128);
        // The recent window is the true tail.
        assert_eq!(h.last().unwrap().0, 999_999);
        assert!(h.heap_bytes() < 64 * 1024);
    }

    #[test]
    fn envelope_is_exact_min_max() {
        let mut h = History::with_capacity(1, 8, 4);
        // A spike in the middle of a long flat run must survive decimation.
        for e in 0..10_000u64 {
            let v = if e == 5_123 { 100.0 } else { 1.0 };
            h.push(e, &[v]);
        }
        let env = h.envelope(0, 50);
        assert!(env.len() <= 100);
        let top = env.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let bottom = env.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        assert_eq!(top, 100.0);
        assert_eq!(bottom, 1.0);
        assert_eq!(h.range(0), Some((1.0, 100.0)));
        // x values are non-decreasing epochs within the run.
        assert!(env.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(env.last().unwrap().0 <= 9_999.0);
    }

    #[test]
    fn envelope_of_short_run_is_the_run() {
        let mut h = History::new(1);
        for e in 0..20u64 {
            h.push(e, &[(e * e) as f64]);
        }
        let env = h.envelope(0, 100);
        assert_eq!(env.len(), 20);
        assert_eq!(env[7], (7.0, 49.0));
    }

    #[test]
    fn non_finite_values_are_skipped() {
        let mut h = History::new(1);
        h.push(0, &[1.0]);
        h.push(1, &[f64::NAN]);
        h.push(2, &[f64::INFINITY]);
        h.push(3, &[2.0]);
        let env = h.envelope(0, 100);
        assert_eq!(env, vec![(0.0, 1.0), (3.0, 2.0)]);
        assert_eq!(h.range(0), Some((1.0, 2.0)));
        // -∞ neither; -0 is kept with its sign; a bucket of nothing finite
        // has no range. Every lane of a padded row (5 columns → 8).
        let mut h = History::with_capacity(5, 4, 2);
        h.push(0, &[f64::NEG_INFINITY, -0.0, f64::NAN, 3.0, f64::INFINITY]);
        h.push(1, &[2.0, 1.0, f64::NAN, f64::NEG_INFINITY, -1e308]);
        assert_eq!(h.range(0), Some((2.0, 2.0)));
        let (lo, hi) = h.range(1).unwrap();
        assert_eq!((lo.to_bits(), hi), ((-0.0f64).to_bits(), 1.0));
        assert_eq!(h.range(2), None);
        assert_eq!(h.range(3), Some((3.0, 3.0)));
        assert_eq!(h.range(4), Some((-1e308, -1e308)));
    }

    #[test]
    fn path_follows_bucket_ends() {
        let mut h = History::with_capacity(3, 4, 8);
        for e in 0..10u64 {
            h.push(e, &[0.0, e as f64, -(e as f64)]);
        }
        assert_eq!(h.path(1..3).len(), 10);
        assert_eq!(h.path(1..3).get(9), Some(&[9.0, -9.0][..]));
        assert_eq!(h.path(1..3).get(10), None);
        for e in 10..1000u64 {
            h.push(e, &[0.0, e as f64, -(e as f64)]);
        }
        let p = h.path(1..3);
        assert!(p.len() <= 16);
        assert_eq!(p.last(), Some(&[999.0, -999.0][..]));
        assert_eq!(p.dim(), 2);
        assert_eq!(p.iter().count(), p.len());
    }

    #[test]
    fn rows_are_complete_or_decimated_then_recent() {
        let mut h = History::with_capacity(1, 10, 4);
        for e in 0..5u64 {
            h.push(e, &[e as f64]);
        }
        assert_eq!(h.rows().len(), 5);
        for e in 5..1000u64 {
            h.push(e, &[e as f64]);
        }
        let rows = h.rows();
        assert!(rows.len() <= 8 + 10);
        assert!(
            rows.windows(2).all(|w| w[0].0 < w[1].0),
            "increasing epochs"
        );
        assert_eq!(rows.last().unwrap(), &(999, vec![999.0]));
        assert_eq!(rows[rows.len() - 10].0, 990);
    }

    #[test]
    fn recent_window_wraps_in_order() {
        let mut h = History::with_capacity(2, 5, 64);
        for e in 1..=13u64 {
            h.push(e, &[e as f64, -(e as f64)]);
            let kept: Vec<u64> = h.recent().map(|(e, _)| e).collect();
            let want: Vec<u64> = (e.saturating_sub(4).max(1)..=e).collect();
            assert_eq!(kept, want, "after {e}");
            assert_eq!(h.last(), Some((e, vec![e as f64, -(e as f64)])));
        }
        assert_eq!(h.tail(1, 3), vec![(11, -11.0), (12, -12.0), (13, -13.0)]);
        assert_eq!(h.tail(0, 99).len(), 5);
        let rows = h.rows();
        assert_eq!(rows.last(), Some(&(13, vec![13.0, -13.0])));
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
        h.clear();
        h.push(1, &[7.0, 8.0]);
        assert_eq!(h.recent().collect::<Vec<_>>(), vec![(1, vec![7.0, 8.0])]);
    }

    #[test]
    fn bucket_ends_are_the_rows_of_their_last_epochs() {
        for (window, tail) in [(1, 1), (3, 3), (64, 64), (64, 5), (100, 1)] {
            let mut h = History::with_capacity(2, window, 4).with_tail(tail);
            for e in 0..777u64 {
                h.push_with(e, |row| {
                    row[0] = e as f64;
                    row[1] = -(e as f64);
                });
                let path = h.path(0..2);
                assert_eq!(
                    path.last(),
                    Some(&[e as f64, -(e as f64)][..]),
                    "w {window} e {e}"
                );
                assert!(path.iter().all(|p| p[1] == -p[0]));
                let firsts: Vec<f64> = path.iter().map(|p| p[0]).collect();
                assert!(firsts.windows(2).all(|w| w[0] < w[1]));
                for (epoch, row) in h.rows() {
                    assert_eq!(row, vec![epoch as f64, -(epoch as f64)], "w {window} e {e}");
                }
            }
        }
    }

    #[test]
    fn short_runs_are_kept_whole_long_runs_only_their_tail() {
        let mut h = History::with_capacity(2, 8, 64).with_tail(3);
        for e in 0..8u64 {
            h.push(e, &[e as f64, 0.5]);
        }
        // Up to the window, every row.
        assert!(h.is_complete());
        assert_eq!(h.recent().count(), 8);
        let full_bytes = h.heap_bytes();
        // One more, and only the tail is kept (the memory is given back).
        for e in 8..30u64 {
            h.push(e, &[e as f64, 0.5]);
            let kept: Vec<u64> = h.recent().map(|(e, _)| e).collect();
            assert_eq!(kept, (e - 2..=e).collect::<Vec<_>>(), "after {e}");
            assert_eq!(h.last(), Some((e, vec![e as f64, 0.5])));
            assert!(!h.is_complete());
            for (epoch, row) in h.rows() {
                assert_eq!(row, vec![epoch as f64, 0.5]);
            }
        }
        assert!(h.heap_bytes() < full_bytes);
        assert_eq!(h.tail(0, 64), vec![(27, 27.0), (28, 28.0), (29, 29.0)]);
        let trail = h.recent_points(0..1, 2);
        assert_eq!(trail.iter().collect::<Vec<_>>(), [[28.0], [29.0]]);
        assert_eq!(h.recent_points(0..1, 64).len(), 3);
        // Every epoch is still in the buckets (span 1 here).
        assert_eq!(h.path(0..1).len(), 30);
        // A restart gets the full window back.
        h.clear();
        for e in 0..8u64 {
            h.push(e, &[e as f64, 0.5]);
        }
        assert!(h.is_complete());
        // The default: 4096 rows in full, then 256.
        let mut h = History::new(1);
        for e in 0..4096u64 {
            h.push(e, &[e as f64]);
        }
        assert!(h.is_complete());
        h.push(4096, &[4096.0]);
        assert_eq!(h.recent().count(), History::DEFAULT_TAIL);
        assert_eq!(h.recent().next().unwrap().0, 4097 - 256);
    }

    #[test]
    fn every_read_sees_every_row_pushed() {
        // Whatever the window, tail and bucket budget, after each push: the
        // range is the exact finite min/max of everything pushed, the
        // envelope spans it, and every row handed back is the row pushed.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for (window, tail, buckets) in [
            (1, 1, 1),
            (2, 1, 2),
            (5, 3, 2),
            (8, 8, 4),
            (64, 7, 8),
            (300, 40, 4),
            (16, 16, 64),
        ] {
            let mut h = History::with_capacity(5, window, buckets).with_tail(tail);
            let mut pushed: Vec<Vec<f64>> = Vec::new();
            let mut by_epoch = std::collections::HashMap::new();
            let mut epoch = 0u64;
            for _ in 0..600 {
                epoch += 1 + next() % 3;
                let row: Vec<f64> = (0..5)
                    .map(|_| match next() % 16 {
                        0 => f64::NAN,
                        1 => f64::INFINITY,
                        2 => f64::NEG_INFINITY,
                        3 => -0.0,
                        _ => (next() % 2001) as f64 / 100.0 - 10.0,
                    })
                    .collect();
                h.push(epoch, &row);
                by_epoch.insert(epoch, row.clone());
                pushed.push(row.clone());
                for col in 0..5 {
                    let finite = pushed.iter().map(|r| r[col]).filter(|v| v.is_finite());
                    let lo = finite.clone().fold(f64::INFINITY, f64::min);
                    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
                    let want = (lo <= hi).then_some((lo, hi));
                    assert_eq!(h.range(col), want, "w {window} t {tail} e {epoch} c {col}");
                    let env = h.envelope(col, 3);
                    assert_eq!(h.envelopes([4, col], 3)[1], env);
                    let env_lo = env.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                    let env_hi = env.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
                    if let Some((lo, hi)) = want {
                        assert_eq!((env_lo, env_hi), (lo, hi), "w {window} e {epoch}");
                    }
                }
                let (e, last) = h.last().unwrap();
                assert_eq!(e, epoch);
                assert_eq!(format!("{last:?}"), format!("{row:?}"));
                // Rows come back as pushed (compared as text: NaN == NaN),
                // in increasing epochs.
                let rows = h.rows();
                assert!(rows.windows(2).all(|w| w[0].0 < w[1].0));
                let ends: Vec<(u64, Vec<f64>)> = (0..h.buckets.len())
                    .map(|i| (h.last_epoch(i), h.bucket_last(i).to_vec()))
                    .collect();
                for (e, got) in rows.iter().chain(&ends) {
                    let want = &by_epoch[e];
                    assert_eq!(format!("{got:?}"), format!("{want:?}"), "epoch {e}");
                }
            }
        }
    }

    #[test]
    fn clear_resets() {
        let mut h = History::with_capacity(1, 4, 2);
        for e in 0..100 {
            h.push(e, &[1.0]);
        }
        h.clear();
        assert!(h.is_empty());
        assert_eq!(h.bucket_span(), 1);
        assert!(h.envelope(0, 10).is_empty());
    }
}
