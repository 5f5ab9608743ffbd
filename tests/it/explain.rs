//! The explain panel shows the numbers the core really used.

use downhill::descent::Function;
use downhill::descent::run::{Limits, Run, RunSpec};
use downhill::descent::schedule::{Momentum, Schedule, UpdateDetail};
use downhill::scenario::{self, bundled};
use downhill::text::num::sig as num;
use downhill::ui::explain::explain;

fn n(v: f64) -> String {
    num(v, 4)
}

/// An operand after `−` or `×`, as the panel writes it: negative ones in
/// parentheses, so two signs never meet.
fn op(v: f64) -> String {
    if v < 0.0 { format!("({})", n(v)) } else { n(v) }
}

fn challenge() -> scenario::Scenario {
    let (name, text) = bundled::find("fixed-vs-dynamic").unwrap();
    scenario::parse(name, text).unwrap()
}

#[test]
fn the_code_challenge_written_out() {
    let sc = challenge();
    let mut race = sc.race(0);
    for _ in 0..13 {
        race.step();
    }
    let vars = sc.vars.clone();
    for r in race.runs() {
        let u = r.last_update().unwrap();
        assert_eq!(u.epoch, 13);
        let text = explain(&r.spec().name, r.spec().schedule.name(), u, &vars).join("\n");
        // The update line uses the recorded numbers, and they are the update.
        assert_eq!(u.x_new[0], u.x_old[0] - u.lr * u.grad_old[0]);
        assert_eq!(u.x_new[0], r.params()[0]);
        let line = format!(
            "{} = {} − {} × {}",
            n(u.x_new[0]),
            n(u.x_old[0]),
            op(u.lr),
            op(u.grad_old[0])
        );
        assert!(text.contains(&line), "{text}\nmissing: {line}");
        assert!(!text.contains("× -") && !text.contains("− -"), "{text}");
        assert!(text.contains("x_new = x_old − η·f'(x_old)"), "{text}");
        match r.spec().name.as_str() {
            "fixed" => assert!(text.contains("η = 0.01 (constant)"), "{text}"),
            "grad-based" => {
                assert_eq!(u.lr, 0.01 * u.grad_old[0].abs());
                let eta = format!(
                    "η = 0.01 × |g| = 0.01 × {} = {}",
                    n(u.grad_old[0].abs()),
                    n(u.lr)
                );
                assert!(text.contains(&eta), "{text}\nmissing: {eta}");
            }
            "time-based" => {
                assert_eq!(u.lr, 0.1 * (1.0 - 13.0 / 50.0));
                assert!(text.contains("η = 0.1 × (1 − 13/50) = 0.074"), "{text}");
            }
            other => panic!("unexpected run {other}"),
        }
    }
}

/// A 2D quadratic bowl for the adaptive cases.
struct Bowl;
impl Function for Bowl {
    fn dim(&self) -> usize {
        2
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        x[0] * x[0] + 10.0 * x[1] * x[1]
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g[0] = 2.0 * x[0];
        g[1] = 20.0 * x[1];
        self.value(x)
    }
}

fn stepped(schedule: Schedule, momentum: Option<Momentum>, steps: usize) -> Run<Bowl> {
    let mut spec = RunSpec::new("r", schedule, 0.05, vec![1.0, -0.5]);
    if let Some(m) = momentum {
        spec = spec.with_momentum(m);
    }
    let mut run = Run::new(spec, Bowl, Limits::new(100));
    for _ in 0..steps {
        run.step();
    }
    run
}

fn vars() -> Vec<String> {
    vec!["x".into(), "y".into()]
}

#[test]
fn adam_shows_its_moments_and_per_component_steps() {
    let run = stepped(
        Schedule::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        },
        None,
        3,
    );
    let u = run.last_update().unwrap();
    let text = explain("r", "adam", u, &vars()).join("\n");
    let UpdateDetail::Adam { m_hat, v_hat, .. } = &u.detail else {
        panic!()
    };
    assert!(
        text.contains(&format!("m̂ = ({}, {}), v̂", n(m_hat[0]), n(m_hat[1]))),
        "{text}"
    );
    assert!(
        text.contains(&format!("v̂ = ({}, {})", n(v_hat[0]), n(v_hat[1]))),
        "{text}"
    );
    for (i, v) in ["x", "y"].iter().enumerate() {
        let line = format!(
            "{v}: {} = {} − {}",
            n(u.x_new[i]),
            n(u.x_old[i]),
            op(u.x_old[i] - u.x_new[i])
        );
        assert!(text.contains(&line), "{text}\nmissing {line}");
    }
    assert!(!text.contains("− -") && !text.contains(" , "), "{text}");
}

#[test]
fn backtracking_lists_its_trials() {
    let run = stepped(
        Schedule::Backtracking {
            c: 1e-4,
            shrink: 0.5,
        },
        None,
        1,
    );
    let u = run.last_update().unwrap();
    let text = explain("r", "backtracking", u, &vars()).join("\n");
    let UpdateDetail::Backtracking { trials, .. } = &u.detail else {
        panic!()
    };
    assert!(!trials.is_empty());
    for t in trials {
        assert!(
            text.contains(&format!("t={} → f={}", n(t.t), n(t.loss))),
            "{text}"
        );
    }
    assert!(text.contains('✓'), "{text}");
}

#[test]
fn momentum_shows_its_buffer() {
    let run = stepped(
        Schedule::Constant,
        Some(Momentum {
            beta: 0.9,
            nesterov: false,
        }),
        2,
    );
    let u = run.last_update().unwrap();
    let text = explain("r", "constant", u, &vars()).join("\n");
    let UpdateDetail::Momentum { buffer, step, .. } = &u.detail else {
        panic!()
    };
    assert!(
        text.contains(&format!(
            "b = 0.9·b + d = ({}, {})",
            n(buffer[0]),
            n(buffer[1])
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("d = ({}, {})", n(step[0]), n(step[1]))),
        "{text}"
    );
    // The step really was the buffer.
    assert!((u.x_old[0] - u.x_new[0] - buffer[0]).abs() < 1e-15);
}
