//! Exploring: rate formulas (`schedule = "expr"`), noisy gradients, the cost
//! of a run in evaluations, and rates edited mid-run.

use std::f64::consts::PI;

use downhill::descent::noise::Noise;
use downhill::descent::run::{Run, Status, distance};
use downhill::report;
use downhill::scenario::{self, Scenario, bundled};

fn parse(text: &str) -> Scenario {
    scenario::parse("t.toml", text).unwrap_or_else(|e| panic!("{e}"))
}

fn bundled_scenario(name: &str) -> Scenario {
    let (n, text) = bundled::find(name).unwrap();
    scenario::parse(&bundled::label(n), text).unwrap()
}

const LESSON: &str = r#"
title = "t"
[objective]
f = "3*x^2 - 3*x + 4"
domain = { x = [-2.0, 2.0] }
[descent]
epochs = 50
start = { x = -2.0 }
"#;

#[test]
fn a_formula_for_linear_decay_is_linear_decay_to_the_bit() {
    let sc = parse(&format!(
        "{LESSON}
[[run]]
name = \"built in\"
schedule = \"linear-decay\"
lr = 0.1
[[run]]
name = \"written\"
schedule = \"expr\"
lr = 0.1
rate = \"eta*(1-k/N)\"
"
    ));
    let mut race = sc.race(0);
    let mut steps = 0;
    while race.step() {
        steps += 1;
        let [a, b] = race.runs() else { panic!() };
        assert_eq!(a.lr().to_bits(), b.lr().to_bits(), "lr at update {steps}");
        assert_eq!(
            a.params()[0].to_bits(),
            b.params()[0].to_bits(),
            "x at {steps}"
        );
        assert_eq!(a.loss().to_bits(), b.loss().to_bits(), "loss at {steps}");
    }
    assert_eq!(steps, 50);
    assert_eq!(race.runs()[1].lr(), 0.0, "0 on the last update");
}

/// The rate of update `k` of each bundled formula, written out in Rust with
/// the formula's own operations in its own order.
fn closed_form(name: &str, k: f64, n: f64, eta: f64) -> f64 {
    match name {
        "triangular" => {
            let phase = k / 25.0 - 2.0 * (k / 50.0).floor() - 1.0;
            0.005 + (eta - 0.005) * f64::max(0.0, 1.0 - phase.abs())
        }
        "warm restarts" => {
            let a = k - 1.0;
            let m = a - 100.0 * (a / 100.0).floor();
            eta * (1.0 + (PI * m / 100.0).cos()) / 2.0
        }
        "1cycle" => f64::min(eta * k / (0.3 * n), eta * (n - k) / (0.7 * n)),
        other => panic!("no closed form for {other}"),
    }
}

#[test]
fn the_bundled_formulas_follow_their_closed_forms() {
    let sc = bundled_scenario("own-schedules");
    let n = sc.epochs as f64;
    let mut race = sc.race(0);
    let mut checked = 0;
    while race.step() {
        for r in race
            .runs()
            .iter()
            .filter(|r| r.spec().schedule.name() == "expr")
        {
            let k = r.epoch() as f64;
            let want = closed_form(&r.spec().name, k, n, r.spec().lr);
            assert_eq!(
                r.lr().to_bits(),
                want.to_bits(),
                "{} at update {k}: {} vs {want}",
                r.spec().name,
                r.lr()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * sc.epochs as usize);
    // The shapes: the cycle peaks at k = 25 and bottoms at k = 50; the
    // restarts jump back to η after 100 updates; 1cycle peaks at 0.3·N.
    assert_eq!(closed_form("triangular", 25.0, n, 0.075), 0.075);
    assert_eq!(closed_form("triangular", 50.0, n, 0.075), 0.005);
    assert_eq!(closed_form("warm restarts", 101.0, n, 0.075), 0.075);
    assert_eq!(closed_form("1cycle", 90.0, n, 0.075), 0.075);
}

#[test]
fn a_negative_or_infinite_rate_stops_the_run_where_it_is() {
    let sc = parse(&format!(
        "{LESSON}
[[run]]
name = \"goes negative\"
schedule = \"expr\"
lr = 0.1
rate = \"eta*(1 - 2*k/N)\"
[[run]]
name = \"divides by zero\"
schedule = \"expr\"
lr = 0.1
rate = \"eta/(k - 3)\"
"
    ));
    let mut race = sc.race(0);
    while race.step() {}
    let [neg, inf] = race.runs() else { panic!() };
    assert_eq!(neg.status(), Status::BadRate { at: 26 });
    assert_eq!(neg.epoch(), 25, "the last good update stays");
    assert!(neg.lr() < 0.0);
    assert_eq!(neg.status().to_string(), "bad rate @ 26");
    assert_eq!(neg.status().word(), "bad-rate");
    // Update 1 and 2 have rates −0.05 and −0.1: it stops at once.
    assert_eq!(inf.status(), Status::BadRate { at: 1 });
    assert_eq!(inf.epoch(), 0);
    assert_eq!(inf.params(), [-2.0]);
    let json = report::run::summary_json(&sc, &race).to_string();
    assert!(json.contains("\"status\":\"bad-rate\""), "{json}");
    assert!(json.contains("\"rate\":\"eta/(k - 3)\""), "{json}");
}

#[test]
fn rate_and_noise_errors_name_their_place() {
    let base = format!("{LESSON}\n[[run]]\nname = \"r\"\nlr = 0.1\n");
    let cases = [
        (
            format!("{base}schedule = \"expr\"\n"),
            "schedule `expr` needs `rate`",
        ),
        (
            format!("{base}rate = \"eta\"\n"),
            "`rate` does not apply to schedule `constant`",
        ),
        (
            format!("{base}schedule = \"expr\"\nrate = \"eta*(1 - t/N)\"\n"),
            "t.toml:14:18: in `rate`: unknown variable `t`, expected one of: k, N, eta, gnorm",
        ),
        (
            format!("{base}noise = -0.5\n"),
            "t.toml:13:9: `noise` is -0.5",
        ),
        (
            LESSON.replace("epochs = 50", "epochs = 50\nnoise = inf")
                + "[[run]]\nname = \"r\"\nlr = 0.1\n",
            "`noise` is inf",
        ),
    ];
    for (text, want) in cases {
        let e = scenario::parse("t.toml", &text).unwrap_err().to_string();
        assert!(e.contains(want), "{e}\n--- wanted: {want}\n{text}");
    }
}

const NOISY_BOWL: &str = r#"
title = "bowl"
[objective]
f = "x^2 + y^2"
domain = { x = [-3.0, 3.0], y = [-3.0, 3.0] }
minimum = { x = 0.0, y = 0.0 }
[descent]
epochs = 500
start = { x = 2.5, y = -2.0 }
seed = SEED
noise = 1.0
[[run]]
name = "fixed"
lr = 0.1
[[run]]
name = "also fixed"
lr = 0.1
[[run]]
name = "decaying"
schedule = "linear-decay"
lr = 0.1
[[run]]
name = "quiet"
lr = 0.1
noise = 0
"#;

#[test]
fn noise_is_the_same_for_every_run_and_every_replay() {
    let sc = parse(&NOISY_BOWL.replace("SEED", "4"));
    let mut race = sc.race(0);
    let mut again = sc.race(0);
    for k in 1..=20u64 {
        race.step();
        again.step();
        let runs = race.runs();
        // Two runs with the same settings meet the same noise: the same path.
        assert_eq!(runs[0].params(), runs[1].params());
        assert_eq!(runs[0].params(), again.runs()[0].params(), "a replay");
        // The update used g = ∇f + ξ, ξ = σ z(key, k, j).
        let u = runs[0].last_update().unwrap();
        let key = Noise::key(4, 0, 0);
        for j in 0..2 {
            assert_eq!(u.noise[j], 1.0 * Noise::z(key, k, j));
            assert_eq!(u.grad_old[j], u.grad_f[j] + u.noise[j]);
            assert_eq!(u.grad_f[j], 2.0 * u.x_old[j], "∇f itself");
        }
        // The run's own gradient is the true one.
        assert_eq!(runs[0].grad()[0], 2.0 * runs[0].params()[0]);
        // Without noise: the plain update, no ξ recorded.
        let q = runs[3].last_update().unwrap();
        assert!(q.noise.is_empty() && q.grad_f.is_empty());
        assert_eq!(q.x_new[0], q.x_old[0] - 0.1 * (2.0 * q.x_old[0]));
    }
    assert_ne!(race.runs()[0].params(), race.runs()[3].params());
    // A restart (generation 1) draws new noise.
    let mut next = sc.race(1);
    next.step();
    assert_ne!(next.runs()[0].params(), sc.race(0).runs()[0].params());
}

/// The lesson of noise, on the bundled noisy bowl: a fixed rate stalls at a
/// noise floor, a decaying one keeps closing in. Over 20 seeds the mean
/// final distance of linear decay is far below the fixed rate's (the figures
/// are in the README, "Exploring").
#[test]
fn with_noise_a_decaying_rate_ends_far_closer_than_a_fixed_one() {
    let (_, text) = bundled::find("noisy-bowl").unwrap();
    let mut mean = [0.0; 4];
    for seed in 0..20 {
        let sc = parse(&text.replace("seed = 1", &format!("seed = {seed}")));
        assert_eq!(sc.seed, seed);
        let race = report::run::finish(&sc);
        for (m, r) in mean.iter_mut().zip(race.runs()) {
            *m += distance(r.params(), &[0.0, 0.0]) / 20.0;
        }
    }
    let [fixed, linear, inverse, cosine] = mean;
    eprintln!(
        "mean final distance over 20 seeds: fixed {fixed:.4}, linear-decay {linear:.4}, inverse-time {inverse:.4}, cosine {cosine:.4}"
    );
    // Theory for the fixed rate η = 0.3, σ = 1 on x² + y²: each coordinate
    // settles with variance ησ²/(4(1 − η)) ≈ 0.107, a distance near 0.44.
    assert!((0.3..0.6).contains(&fixed), "fixed {fixed}");
    for d in [linear, inverse, cosine] {
        assert!(d < fixed / 4.0, "{d} vs fixed {fixed}");
    }
}

#[test]
fn evaluations_count_what_each_schedule_pays() {
    let sc = bundled_scenario("peaks");
    let mut race = sc.race(0);
    for _ in 0..200 {
        race.step();
    }
    for r in race.runs() {
        if r.spec().schedule.name() == "backtracking" {
            // One f per trial, one ∇f per accepted point, and the start.
            let mut trials = 0;
            let mut accepted = 0;
            let mut replay = Run::new(r.spec().clone(), sc.expr.evaluator(), sc.limits());
            for _ in 0..200 {
                replay.step();
                if let downhill::descent::run::UpdateDetail::Backtracking {
                    trials: t,
                    accepted: a,
                    ..
                } = &replay.last_update().unwrap().detail
                {
                    trials += t.len() as u64;
                    accepted += u64::from(*a);
                }
            }
            assert_eq!(r.f_evals(), 1 + trials);
            assert_eq!(r.g_evals(), 1 + accepted);
            assert!(trials > 200, "it paid for its line search: {trials}");
        } else {
            assert_eq!(r.f_evals(), 201, "{}", r.spec().name);
            assert_eq!(r.g_evals(), 201, "{}", r.spec().name);
        }
    }
}

#[test]
fn an_edited_rate_applies_from_the_next_update() {
    let sc = parse(&format!("{LESSON}[[run]]\nname = \"r\"\nlr = 0.01\n"));
    let mut race = sc.race(0);
    for _ in 0..10 {
        race.step();
    }
    let x10 = race.runs()[0].params()[0];
    race.runs_mut()[0].set_lr(0.02);
    race.step();
    let r = &race.runs()[0];
    assert_eq!(r.lr(), 0.02);
    assert_eq!(r.params()[0], x10 - 0.02 * (6.0 * x10 - 3.0));
    assert_eq!(r.spec().lr, 0.02);
}

/// Everything a snapshot shows of every run, as bits.
fn picture(slot: &downhill::track::Slot) -> Vec<Vec<u64>> {
    let snap = slot.snapshot();
    snap.runs
        .iter()
        .map(|r| {
            let mut v = vec![
                r.epoch,
                r.loss.to_bits(),
                r.lr.to_bits(),
                r.base_lr.to_bits(),
            ];
            v.extend(r.params.iter().chain(&r.grad).map(|x| x.to_bits()));
            v.extend(
                r.loss_series
                    .iter()
                    .flat_map(|p| [p.0.to_bits(), p.1.to_bits()]),
            );
            v.extend(r.path.iter().flatten().map(|x| x.to_bits()));
            v
        })
        .chain(slot.histories.iter().map(|h| {
            h.rows()
                .into_iter()
                .flat_map(|(e, row)| {
                    let bits: Vec<u64> = row.iter().map(|x| x.to_bits()).collect();
                    std::iter::once(e).chain(bits)
                })
                .collect()
        }))
        .collect()
}

#[test]
fn stepping_back_is_exact_edits_and_noise_included() {
    use downhill::track::Slot;
    use std::sync::Arc;
    let sc = Arc::new(bundled_scenario("noisy-bowl"));
    let mut slot = Slot::new(0, 0, sc);
    for _ in 0..10 {
        slot.step();
    }
    slot.set_lr(0, 0.15);
    for _ in 0..20 {
        slot.step();
    }
    let at_30 = picture(&slot);
    // `s` then `,`: one epoch on, one back.
    slot.step();
    let back = slot.rewound(30);
    assert_eq!(back.race.epoch(), 30);
    assert_eq!(picture(&back), at_30, "the same numbers, bit for bit");
    assert_eq!(back.edits().len(), 1, "the edit at epoch 10 is kept");
    // Back past the edit: the scenario's rate again, the edit dropped.
    let before = back.rewound(9);
    assert_eq!(before.snapshot().runs[0].base_lr, 0.3);

    assert!(before.edits().is_empty());
    assert_eq!(back.snapshot().runs[0].base_lr, 0.15);

    // Back to the start.
    let start = back.rewound(0);
    assert_eq!(
        picture(&start),
        picture(&Slot::new(0, 0, back.scenario.clone()))
    );
}

#[test]
fn a_saved_scenario_loads_back_to_the_same_races() {
    for (name, text) in bundled::ALL {
        let sc = scenario::parse(name, text).unwrap();
        let saved = scenario::to_toml(&sc, &["a note".into()]);
        let again = scenario::parse("saved.toml", &saved)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{saved}"));
        assert_eq!(
            scenario::to_toml(&again, &["a note".into()]),
            saved,
            "{name}"
        );
        assert_eq!(again.sweep, sc.sweep, "{name}");
        let (mut a, mut b) = (sc.full_race(0), again.full_race(0));
        for _ in 0..40 {
            a.step();
            b.step();
        }
        for (x, y) in a.runs().iter().zip(b.runs()) {
            assert_eq!(x.params(), y.params(), "{name}: {}", x.spec().name);
            assert_eq!(x.status(), y.status(), "{name}");
        }
    }
}

#[test]
fn saving_keeps_edited_rates_and_a_placed_start() {
    use downhill::track::Slot;
    use std::sync::Arc;
    let sc = bundled_scenario("peaks-starts").with_start(vec![0.0, 1.4]);
    let mut slot = Slot::new(0, 0, Arc::new(sc));
    slot.set_lr(0, 0.02);
    for _ in 0..100 {
        slot.step();
    }
    let dir = std::env::temp_dir().join(format!("downhill-save-{}", std::process::id()));
    let path =
        downhill::track::export::save(&slot, &dir, std::time::SystemTime::UNIX_EPOCH).unwrap();
    assert!(
        path.ends_with("peaks-from-24-starts-19700101-000000.toml"),
        "{path:?}"
    );
    let loaded = scenario::load_file(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(loaded.runs[0].lr, 0.02);
    assert_eq!(loaded.start, scenario::Start::Point(vec![0.0, 1.4]));
    assert_eq!(loaded.starts, None);
    let mut race = loaded.full_race(0);
    for _ in 0..100 {
        race.step();
    }
    for (x, y) in race.runs().iter().zip(slot.race.runs()) {
        assert_eq!(x.params(), y.params(), "{}", x.spec().name);
    }
}

#[test]
fn a_line_search_records_what_it_paid() {
    use downhill::track::Slot;
    use std::sync::Arc;
    let sc = Arc::new(bundled_scenario("peaks"));
    let mut slot = Slot::new(0, 0, sc);
    for _ in 0..300 {
        slot.step();
    }
    let snap = slot.snapshot();
    for (i, r) in snap.runs.iter().enumerate() {
        let run = &slot.race.runs()[i];
        assert_eq!((r.f_evals, r.g_evals), (run.f_evals(), run.g_evals()));
        match &r.costs {
            Some([f, g]) => {
                assert_eq!(r.schedule, "backtracking");
                assert_eq!(f.last().unwrap().1, r.f_evals as f64);
                assert_eq!(g.last().unwrap().1, r.g_evals as f64);
                assert!(f.windows(2).all(|w| w[0].1 <= w[1].1), "counts only grow");
            }
            None => assert_eq!(r.f_evals, r.epoch + 1, "{}", r.name),
        }
    }
}
