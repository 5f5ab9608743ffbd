//! The engine's share of the headless step rate, measured so that the
//! machine's noise cancels: the six-run scenario of `benches/six-runs.toml`
//! stepped as the dashboard's engine does at pace `max` (every epoch
//! recorded into the bounded histories) and as `downhill run` does (nothing
//! recorded), alternately, in blocks of 20 000 epochs. Each pair of blocks
//! gives one ratio; the median and the ratio of the totals are printed.
//!
//! ```sh
//! cargo run --release --example pace_ratio [ROUNDS]
//! ```

use std::sync::Arc;
use std::time::Instant;

use downhill::scenario;
use downhill::track::Slot;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(40);
    let text =
        include_str!("../benches/six-runs.toml").replace("epochs = 1000", "epochs = 1000000000");
    let sc = Arc::new(scenario::parse("six-runs", &text).expect("the bench scenario loads"));
    let mut slot = Slot::new(0, 0, sc.clone());
    let mut race = sc.full_race(0);
    // Past warm-up (native code) and the histories' full window.
    for _ in 0..20_000 {
        slot.step();
        race.step();
    }
    const BLOCK: u32 = 20_000;
    let (mut engine, mut headless) = (0.0, 0.0);
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        let mut time_engine = || {
            let t = Instant::now();
            for _ in 0..BLOCK {
                slot.step();
            }
            t.elapsed().as_secs_f64()
        };
        let mut time_headless = || {
            let t = Instant::now();
            for _ in 0..BLOCK {
                race.step();
            }
            t.elapsed().as_secs_f64()
        };
        let (e, h) = if round % 2 == 0 {
            let e = time_engine();
            (e, time_headless())
        } else {
            let h = time_headless();
            (time_engine(), h)
        };
        engine += e;
        headless += h;
        ratios.push(h / e);
    }
    ratios.sort_by(f64::total_cmp);
    let per = |s: f64| s / (rounds as f64 * f64::from(BLOCK)) * 1e9;
    println!(
        "engine epoch {:.0} ns, headless epoch {:.0} ns (6 runs, {rounds} rounds of {BLOCK} epochs each)",
        per(engine),
        per(headless)
    );
    println!(
        "engine rate / headless rate: {:.1} % of the totals, median of rounds {:.1} % (quartiles {:.1}–{:.1} %)",
        headless / engine * 100.0,
        ratios[rounds / 2] * 100.0,
        ratios[rounds / 4] * 100.0,
        ratios[3 * rounds / 4] * 100.0
    );
}
