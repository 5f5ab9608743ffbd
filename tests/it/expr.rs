//! Integration tests of the expression language: values, precedence, exact
//! gradients, error columns, compilation (CSE, folding), robustness against
//! hostile input, property tests, and an ignored timing test.

use std::f64::consts::{E, PI};

use downhill::descent::Function;
use downhill::descent::expr::{Expr, ExprError};

const PEAKS: &str =
    "3*(1-x)^2*exp(-x^2-(y+1)^2) - 10*(x/5 - x^3 - y^5)*exp(-x^2-y^2) - 1/3*exp(-(x+1)^2-y^2)";

/// The peaks surface and its gradient, written out by hand.
fn peaks_by_hand(x: f64, y: f64, grad: &mut [f64; 2]) -> f64 {
    let a = (-x * x - (y + 1.0) * (y + 1.0)).exp();
    let b = (-x * x - y * y).exp();
    let c = (-(x + 1.0) * (x + 1.0) - y * y).exp();
    let u = 1.0 - x;
    let w = x / 5.0 - x * x * x - y.powi(5);
    grad[0] = 3.0 * (-2.0 * u * a - 2.0 * x * u * u * a)
        - 10.0 * ((0.2 - 3.0 * x * x) * b - 2.0 * x * w * b)
        + 2.0 / 3.0 * (x + 1.0) * c;
    grad[1] = -6.0 * (y + 1.0) * u * u * a - 10.0 * (-5.0 * y.powi(4) * b - 2.0 * y * w * b)
        + 2.0 / 3.0 * y * c;
    3.0 * u * u * a - 10.0 * w * b - c / 3.0
}

fn parse(src: &str, vars: &[&str]) -> Expr {
    Expr::parse(src, vars).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

fn err(src: &str, vars: &[&str]) -> ExprError {
    match Expr::parse(src, vars) {
        Ok(e) => panic!("{src:?} parsed: {e:?}"),
        Err(e) => e,
    }
}

/// Value and gradient, checking that `value` agrees bit for bit, and that
/// the native code agrees with the interpreter bit for bit.
fn vg(src: &str, vars: &[&str], x: &[f64]) -> (f64, Vec<f64>) {
    let expr = parse(src, vars);
    let mut ev = expr.evaluator().interpreted();
    let mut g = vec![f64::NAN; x.len()];
    let v = ev.value_grad(x, &mut g);
    assert!(same(v, ev.value(x)), "{src} at {x:?}");
    assert_native_agrees(&expr, x, v, &g);
    (v, g)
}

/// Native code exists on the hosts CI runs on.
const NATIVE_HOST: bool = cfg!(any(target_arch = "x86_64", target_arch = "aarch64"));

/// The native evaluator gives `v` and `g` at `x`, bit for bit.
fn assert_native_agrees(expr: &Expr, x: &[f64], v: f64, g: &[f64]) {
    let src = expr.source();
    let mut native = expr.evaluator().eager();
    let mut g2 = vec![f64::NAN; x.len()];
    let v2 = native.value_grad(x, &mut g2);
    assert_eq!(
        native.is_native(),
        NATIVE_HOST && expr.tape_len() <= 300,
        "{src}"
    );
    assert!(
        same(v2, v),
        "{src} at {x:?}: native {v2} vs interpreted {v}"
    );
    for (i, (a, b)) in g2.iter().zip(g).enumerate() {
        assert!(
            same(*a, *b),
            "{src} at {x:?}: d/dx{i} native {a} vs interpreted {b}"
        );
    }
    let v3 = native.value(x);
    assert!(same(v3, v), "{src} at {x:?}: native value {v3} vs {v}");
    assert_wide_agrees(expr, x, v, g);
}

/// Points a wide evaluation pairs every checked point with: awkward ones
/// (±0, a subnormal, ±∞, NaN, huge values) and a plain one.
const PARTNERS: [f64; 9] = [
    0.0,
    -0.0,
    1e-310,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e300,
    -1e300,
    -1.5,
];

/// The wide evaluator gives `v` and `g` at `x` in either lane, bit for
/// bit, whatever point shares the call, and the partner its own scalar
/// result too.
#[allow(clippy::needless_range_loop)]
fn assert_wide_agrees(expr: &Expr, x: &[f64], v: f64, g: &[f64]) {
    use downhill::descent::expr::WIDTH;
    let src = expr.source();
    let n = x.len();
    let Some(wide) = expr.wide() else {
        assert!(
            !(NATIVE_HOST && expr.tape_len() <= 300 && (1..=4).contains(&n)),
            "{src}: no wide code"
        );
        return;
    };
    let mut scalar = expr.evaluator().interpreted();
    for s in PARTNERS {
        let other = vec![s; n];
        let mut og = vec![0.0; n];
        let ov = scalar.value_grad(&other, &mut og);
        for lane in 0..WIDTH {
            let mut xs = vec![[0.0; WIDTH]; n];
            for (j, row) in xs.iter_mut().enumerate() {
                *row = [other[j]; WIDTH];
                row[lane] = x[j];
            }
            let mut out = vec![[f64::NAN; WIDTH]; n + 1];
            wide.value_grad(&xs, &mut out);
            for p in 0..WIDTH {
                let (pv, pg, at) = if p == lane {
                    (v, g, x)
                } else {
                    (ov, og.as_slice(), other.as_slice())
                };
                assert!(
                    same(out[0][p], pv),
                    "{src} at {at:?} (lane {p}): wide {} vs {pv}",
                    out[0][p]
                );
                for k in 0..n {
                    assert!(
                        same(out[k + 1][p], pg[k]),
                        "{src} at {at:?} (lane {p}): wide d/dx{k} {} vs {}",
                        out[k + 1][p],
                        pg[k]
                    );
                }
            }
        }
    }
}

fn val(src: &str, vars: &[&str], x: &[f64]) -> f64 {
    vg(src, vars, x).0
}

/// Bit-identical, or both NaN (NaN payloads may differ).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

#[test]
#[ignore = "timing; run with --release -- --ignored --nocapture"]
fn timing_peaks_value_grad() {
    use std::hint::black_box;
    use std::time::Instant;

    let f = parse(PEAKS, &["x", "y"]);
    let mut ev = f.evaluator();
    println!(
        "peaks tape: {} instructions\n{}",
        f.tape_len(),
        f.disassemble()
    );

    // EXPR_TIMING_STEPS / EXPR_TIMING_ROUNDS shorten the run (e.g. to
    // count instructions under valgrind).
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let steps = env("EXPR_TIMING_STEPS", 5_000_000);
    let rounds = env("EXPR_TIMING_ROUNDS", 5);
    let lr = 1e-3;
    let descend = |grad_fn: &mut dyn FnMut(&[f64; 2], &mut [f64; 2]) -> f64| {
        let mut best = f64::INFINITY;
        for _ in 0..rounds {
            let mut p = [0.3, -0.4];
            let mut g = [0.0; 2];
            let mut acc = 0.0;
            let t = Instant::now();
            for i in 0..steps {
                acc += grad_fn(black_box(&p), &mut g);
                p[0] -= lr * g[0];
                p[1] -= lr * g[1];
                if i % 4096 == 0 {
                    p = [0.3 + (i % 7) as f64 * 0.1, -0.4 - (i % 5) as f64 * 0.1];
                }
            }
            black_box(acc);
            best = best.min(t.elapsed().as_secs_f64() * 1e9 / steps as f64);
        }
        best
    };
    let by_hand = descend(&mut |p, g| peaks_by_hand(p[0], p[1], g));
    let engine = descend(&mut |p, g| ev.value_grad(p, g));
    let value_only = descend(&mut |p, _| ev.value(p));
    println!("hand-written peaks value+gradient: {by_hand:.1} ns/step");
    println!("expr engine value_grad:            {engine:.1} ns/step");
    println!("expr engine value only:            {value_only:.1} ns/step");
    println!("ratio engine / hand-written:       {:.2}", engine / by_hand);
}

/// Peaks read literally, operation by operation (integer powers as the
/// compiler computes them: `y^5 = (y^2)^2 * y`).
fn peaks_literal(x: f64, y: f64) -> f64 {
    3.0 * ((1.0 - x) * (1.0 - x)) * (-(x * x) - (y + 1.0) * (y + 1.0)).exp()
        - 10.0 * (x / 5.0 - x * x * x - (y * y) * (y * y) * y) * (-(x * x) - y * y).exp()
        - 1.0 / 3.0 * (-((x + 1.0) * (x + 1.0)) - y * y).exp()
}

#[test]
fn compiled_peaks_is_bit_identical_to_the_literal_formula() {
    let mut ev = parse(PEAKS, &["x", "y"]).evaluator();
    let mut g = [0.0; 2];
    for i in 0..200 {
        let (x, y) = (-3.0 + 0.031 * i as f64, 2.5 - 0.027 * i as f64);
        let want = peaks_literal(x, y);
        assert_eq!(ev.value(&[x, y]).to_bits(), want.to_bits(), "at {x}, {y}");
        assert_eq!(ev.value_grad(&[x, y], &mut g).to_bits(), want.to_bits());
    }
}

#[test]
fn peaks_matches_hand_written_gradient() {
    let mut ev = parse(PEAKS, &["x", "y"]).evaluator();
    for (x, y) in [
        (0.0, 0.0),
        (0.3, -0.4),
        (-1.2, 0.7),
        (1.5, 1.5),
        (-2.5, -2.0),
    ] {
        let mut g = [0.0; 2];
        let mut h = [0.0; 2];
        let v = ev.value_grad(&[x, y], &mut g);
        let w = peaks_by_hand(x, y, &mut h);
        assert!(close(v, w, 1e-12), "value at {x},{y}: {v} vs {w}");
        for k in 0..2 {
            assert!(
                close(g[k], h[k], 1e-12),
                "d{k} at {x},{y}: {} vs {}",
                g[k],
                h[k]
            );
        }
    }
}

// ---------------------------------------------------------------- values

#[test]
fn operators_and_functions_match_closed_forms() {
    let v = &["x", "y"];
    for &(x, y) in &[(0.3, 1.7), (-1.25, 0.5), (2.0, -3.0), (0.0, 4.0)] {
        let at = [x, y];
        let cases: Vec<(&str, f64)> = vec![
            ("x + y", x + y),
            ("x - y", x - y),
            ("x * y", x * y),
            ("x / y", x / y),
            ("-x", -x),
            ("+x", x),
            ("sin(x)", x.sin()),
            ("cos(x)", x.cos()),
            ("tan(x)", x.tan()),
            ("exp(x)", x.exp()),
            ("ln(y)", y.ln()),
            ("log10(y)", y.log10()),
            ("sqrt(y)", y.sqrt()),
            ("abs(x)", x.abs()),
            ("tanh(x)", x.tanh()),
            ("sigmoid(x)", 1.0 / (1.0 + (-x).exp())),
            ("min(x, y)", x.min(y)),
            ("max(x, y)", x.max(y)),
            ("floor(x)", x.floor()),
            ("ceil(x)", x.ceil()),
            ("floor(x*y)", (x * y).floor()),
            ("mod(x, y)", x - y * (x / y).floor()),
            ("mod(y, 0.75)", y - 0.75 * (y / 0.75).floor()),
            ("x^2", x * x),
            ("x**2", x * x),
            ("x^3", x * x * x),
            ("x^y", x.powf(y)),
            ("x**y", x.powf(y)),
            ("y^0.5", y.powf(0.5)),
            ("2^x", 2f64.powf(x)),
            ("e^x", x.exp()),
            ("pi * x", PI * x),
            ("e", E),
            ("pi", PI),
        ];
        for (src, want) in cases {
            let got = val(src, v, &at);
            assert!(
                got.to_bits() == want.to_bits() || close(got, want, 1e-15),
                "{src} at {at:?}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn number_literals() {
    for (src, want) in [
        ("2", 2.0),
        ("0.5", 0.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e-3", 1e-3),
        ("2E+4", 2e4),
        ("2e4", 2e4),
        ("1.5E-2", 0.015),
        ("007", 7.0),
        ("1e-400", 0.0),
    ] {
        assert_eq!(val(src, &[], &[]), want, "{src}");
    }
}

#[test]
fn precedence_and_associativity() {
    let x = &["x"];
    assert_eq!(val("-x^2", x, &[3.0]), -9.0);
    assert_eq!(val("-x**2", x, &[3.0]), -9.0);
    assert_eq!(val("2^-x", x, &[1.0]), 0.5);
    assert_eq!(val("2^-x", x, &[-3.0]), 8.0);
    assert_eq!(val("2^3^2", &[], &[]), 512.0);
    assert_eq!(val("2**3**2", &[], &[]), 512.0);
    assert_eq!(val("(2^3)^2", &[], &[]), 64.0);
    assert_eq!(val("-2^2", &[], &[]), -4.0);
    assert_eq!(val("(-2)^2", &[], &[]), 4.0);
    assert_eq!(val("exp(-x^2)", x, &[1.0]), (-1f64).exp());
    assert_eq!(val("2*3+4*5", &[], &[]), 26.0);
    assert_eq!(val("10-4-3", &[], &[]), 3.0);
    assert_eq!(val("8/4/2", &[], &[]), 1.0);
    assert_eq!(val("1-2*3", &[], &[]), -5.0);
    assert_eq!(val("(1+2)*3", &[], &[]), 9.0);
    assert_eq!(val("2*-3", &[], &[]), -6.0);
    assert_eq!(val("--3", &[], &[]), 3.0);
    assert_eq!(val("-3*-x", x, &[2.0]), 6.0);
    assert_eq!(val("2^-1^2", &[], &[]), 0.5);
    assert_eq!(val("2^-x*3", x, &[1.0]), 1.5);
    assert_eq!(val("x^2^-1", x, &[9.0]), 3.0);
    assert_eq!(val("  1 +\t2\n* 3 ", &[], &[]), 7.0);
    assert_eq!(val("max(1, 2) ^ min(3, 2)", &[], &[]), 4.0);
}

#[test]
fn variables_shadow_constants() {
    assert_eq!(val("e", &["e"], &[2.0]), 2.0);
    assert_eq!(val("pi*e", &["pi"], &[2.0]), 2.0 * E);
    assert_eq!(val("e^2", &["x"], &[0.0]), 2f64.exp());
}

#[test]
fn squares_are_exact_products() {
    let mut sq = parse("x^2", &["x"]).evaluator();
    let mut cube = parse("x^3", &["x"]).evaluator();
    let mut g = [0.0];
    let mut x = -7.3;
    while x < 7.3 {
        assert_eq!(sq.value(&[x]), x * x);
        assert_eq!(sq.value_grad(&[x], &mut g), x * x);
        assert_eq!(g[0], 2.0 * x);
        assert_eq!(cube.value(&[x]), x * x * x);
        x += 0.137;
    }
}

#[test]
fn ieee_semantics_give_nan_and_infinity() {
    assert!(val("ln(x)", &["x"], &[-1.0]).is_nan());
    assert!(val("sqrt(x)", &["x"], &[-1.0]).is_nan());
    assert_eq!(val("1/x", &["x"], &[0.0]), f64::INFINITY);
    assert_eq!(val("ln(x)", &["x"], &[0.0]), f64::NEG_INFINITY);
    assert!(val("min(x, 1)", &["x"], &[f64::NAN]).is_nan());
    assert!(val("max(1, x)", &["x"], &[f64::NAN]).is_nan());
}

// ------------------------------------------------------------- gradients

#[test]
fn gradients_match_closed_forms() {
    for x in [-2.0, -0.5, 0.0, 1.0, 3.0] {
        let (v, g) = vg("3*x^2 - 3*x + 4", &["x"], &[x]);
        assert_eq!(v, 3.0 * x * x - 3.0 * x + 4.0);
        assert_eq!(g, vec![6.0 * x - 3.0]);
    }
    let x = 0.7;
    let one = |src: &str| vg(src, &["x"], &[x]).1[0];
    let s = 1.0 / (1.0 + (-x).exp());
    for (src, want) in [
        ("sin(x)", x.cos()),
        ("cos(x)", -x.sin()),
        ("tan(x)", 1.0 + x.tan() * x.tan()),
        ("exp(x)", x.exp()),
        ("ln(x)", 1.0 / x),
        ("log10(x)", 1.0 / (x * std::f64::consts::LN_10)),
        ("sqrt(x)", 0.5 / x.sqrt()),
        ("abs(x)", 1.0),
        ("abs(-x)", 1.0),
        ("tanh(x)", 1.0 - x.tanh() * x.tanh()),
        ("sigmoid(x)", s * (1.0 - s)),
        ("x^5", 5.0 * x.powi(4)),
        ("x^-2", -2.0 / (x * x * x)),
        ("x^2.5", 2.5 * x.powf(1.5)),
        ("x^20", 20.0 * x.powi(19)),
        ("2^x", 2f64.powf(x) * 2f64.ln()),
        ("x^x", x.powf(x) * (x.ln() + 1.0)),
        ("1/x", -1.0 / (x * x)),
        ("3/x", -3.0 / (x * x)),
        ("x/3", 1.0 / 3.0),
        ("(x+1)/(x-2)", -3.0 / ((x - 2.0) * (x - 2.0))),
        ("sin(x)*cos(x)", (2.0 * x).cos()),
        ("exp(-x^2)", -2.0 * x * (-x * x).exp()),
    ] {
        let got = one(src);
        assert!(
            close(got, want, 1e-14),
            "d/dx {src} at {x}: {got} vs {want}"
        );
    }
}

#[test]
fn non_smooth_functions_follow_the_selected_branch() {
    let v = &["x", "y"];
    assert_eq!(vg("abs(x)", &["x"], &[-2.0]).1, vec![-1.0]);
    assert_eq!(vg("abs(x)", &["x"], &[0.0]).1, vec![0.0]);
    assert_eq!(vg("min(x, y)", v, &[1.0, 2.0]).1, vec![1.0, 0.0]);
    assert_eq!(vg("min(x, y)", v, &[3.0, 2.0]).1, vec![0.0, 1.0]);
    assert_eq!(vg("max(x, y)", v, &[1.0, 2.0]).1, vec![0.0, 1.0]);
    assert_eq!(vg("max(x, y)", v, &[3.0, 2.0]).1, vec![1.0, 0.0]);
    // A tie selects the first argument.
    assert_eq!(vg("min(x, y)", v, &[2.0, 2.0]).1, vec![1.0, 0.0]);
    assert_eq!(vg("max(2*x, y^2)", v, &[2.0, 2.0]).1, vec![2.0, 0.0]);
}

#[test]
fn floor_ceil_and_mod_step_like_python() {
    // Python: math.floor(-2.5) = -3, math.ceil(-2.5) = -2, -7 % 3 = 2, 7 % -3 = -2.
    assert_eq!(val("floor(x)", &["x"], &[-2.5]), -3.0);
    assert_eq!(val("ceil(x)", &["x"], &[-2.5]), -2.0);
    assert_eq!(val("mod(x, 3)", &["x"], &[-7.0]), 2.0);
    assert_eq!(val("mod(x, -3)", &["x"], &[7.0]), -2.0);
    assert_eq!(val("mod(x, 4)", &["x"], &[9.0]), 1.0);
    // Piecewise constant: no slope, whatever the argument's.
    assert_eq!(vg("floor(3*x)", &["x"], &[0.7]).1, vec![0.0]);
    assert_eq!(vg("ceil(x^2)", &["x"], &[-1.3]).1, vec![0.0]);
    // mod(a, b) = a - b*floor(a/b): slope 1 in a, -floor(a/b) in b.
    assert_eq!(vg("mod(x, y)", &["x", "y"], &[7.5, 2.0]).1, vec![1.0, -3.0]);
    // A triangular cycle written with them (a cyclical learning rate).
    let tri = "1 - abs(x/4 - 2*floor(x/8) - 1)";
    for (k, want) in [
        (0.0, 0.0),
        (2.0, 0.5),
        (4.0, 1.0),
        (6.0, 0.5),
        (8.0, 0.0),
        (12.0, 1.0),
    ] {
        assert_eq!(val(tri, &["x"], &[k]), want, "k = {k}");
    }
}

#[test]
fn general_power_guards_zero_partials() {
    // x^y at x < 0: ln(x) is NaN, but it only touches the y partial.
    let (v, g) = vg("x^y", &["x", "y"], &[-2.0, 3.0]);
    assert_eq!(v, -8.0);
    assert_eq!(g[0], 12.0);
    // 0^y for y > 0 is flat in y.
    let (v, g) = vg("x^y", &["x", "y"], &[0.0, 2.5]);
    assert_eq!((v, g), (0.0, vec![0.0, 0.0]));
    // Base not depending on a variable: d/dy only.
    let (_, g) = vg("(x*0+2)^y", &["x", "y"], &[1.0, 3.0]);
    assert!(close(g[1], 8.0 * 2f64.ln(), 1e-15));
    assert_eq!(g[0], 0.0);
}

#[test]
fn many_variables() {
    let vars = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    let src = "a^2 + 2*b^2 + 3*c^2 + 4*d^2 + 5*e^2 + 6*f^2 + 7*g^2 + 8*h^2 + 9*i^2 + a*i";
    let x: Vec<f64> = (1..=9).map(|k| k as f64 * 0.5).collect();
    let (v, g) = vg(src, &vars, &x);
    let want_v: f64 = x
        .iter()
        .enumerate()
        .map(|(k, xk)| (k + 1) as f64 * xk * xk)
        .sum::<f64>()
        + x[0] * x[8];
    assert!(close(v, want_v, 1e-15));
    for k in 0..9 {
        let mut want = 2.0 * (k + 1) as f64 * x[k];
        if k == 0 {
            want += x[8];
        }
        if k == 8 {
            want += x[0];
        }
        assert!(close(g[k], want, 1e-15), "d{k}: {} vs {want}", g[k]);
    }
}

#[test]
fn three_and_four_variables() {
    let (v, g) = vg("x*y*z", &["x", "y", "z"], &[2.0, 3.0, 5.0]);
    assert_eq!((v, g), (30.0, vec![15.0, 10.0, 6.0]));
    let (v, g) = vg("w*x*y*z + w", &["w", "x", "y", "z"], &[1.0, 2.0, 3.0, 5.0]);
    assert_eq!((v, g), (31.0, vec![31.0, 15.0, 10.0, 6.0]));
    let (v, g) = vg("7", &[], &[]);
    assert_eq!((v, g), (7.0, vec![]));
}

#[test]
fn evaluators_are_independent_and_sendable() {
    let f = parse(PEAKS, &["x", "y"]);
    let g = f.clone();
    assert_eq!(g.source(), PEAKS);
    assert_eq!(g.dim(), 2);
    let mut a = f.evaluator();
    let b = a.clone();
    let want = a.value(&[0.1, 0.2]);
    let handle = std::thread::spawn(move || {
        let mut b = b;
        let mut grad = [0.0; 2];
        b.value_grad(&[0.1, 0.2], &mut grad)
    });
    assert_eq!(handle.join().unwrap(), want);
    assert_eq!(a.dim(), 2);
}

/// An evaluator interprets first and switches to native code after a
/// warm-up; the switch changes no bit, and threads share the code.
#[test]
fn evaluators_warm_up_to_native_code() {
    let f = parse(PEAKS, &["x", "y"]);
    let mut warm = f.evaluator();
    let mut cold = f.evaluator().interpreted();
    let (mut g1, mut g2) = ([0.0; 2], [0.0; 2]);
    let mut switched_at = None;
    for i in 0..200 {
        let x = [-1.5 + 0.013 * f64::from(i), 1.1 - 0.01 * f64::from(i)];
        let a = warm.value_grad(&x, &mut g1);
        let b = cold.value_grad(&x, &mut g2);
        assert!(
            same(a, b) && same(g1[0], g2[0]) && same(g1[1], g2[1]),
            "at {x:?}"
        );
        if warm.is_native() && switched_at.is_none() {
            switched_at = Some(i);
        }
    }
    assert!(!cold.is_native());
    if NATIVE_HOST {
        let at = switched_at.expect("never switched to native code");
        assert!((10..100).contains(&at), "switched after {at} evaluations");
    }
    // Once made, the code is used by new evaluators from their first call.
    let mut later = f.evaluator();
    later.value(&[0.5, 0.5]);
    assert_eq!(later.is_native(), NATIVE_HOST);
    let threads: Vec<_> = (0..4)
        .map(|k| {
            let f = f.clone();
            std::thread::spawn(move || {
                let mut ev = f.evaluator().eager();
                let mut g = [0.0; 2];
                let v = ev.value_grad(&[0.1 * f64::from(k), 0.2], &mut g);
                (ev.is_native(), v, g)
            })
        })
        .collect();
    for (k, t) in threads.into_iter().enumerate() {
        let (native, v, g) = t.join().unwrap();
        assert_eq!(native, NATIVE_HOST);
        let mut want_g = [0.0; 2];
        let want = cold.value_grad(&[0.1 * k as f64, 0.2], &mut want_g);
        assert!(same(v, want) && same(g[0], want_g[0]) && same(g[1], want_g[1]));
    }
}

// ---------------------------------------------------------------- errors

#[track_caller]
fn assert_error(src: &str, vars: &[&str], column: usize, needle: &str) -> ExprError {
    let e = err(src, vars);
    assert_eq!(e.column, column, "{src:?}: {e}");
    assert!(e.len >= 1);
    assert!(
        e.message.contains(needle),
        "{src:?}: message {:?} lacks {needle:?}",
        e.message
    );
    e
}

#[test]
fn error_columns_and_messages() {
    let x = &["x"];
    let xy = &["x", "y"];
    assert_error("3*x^2 + $", x, 9, "unexpected character `$`");
    let e = assert_error("3x", x, 2, "implicit multiplication");
    assert_eq!(e.len, 1);
    assert_error("2 (x+1)", x, 3, "implicit multiplication");
    assert_error("x y", xy, 3, "implicit multiplication");
    assert_error("sin(x", x, 6, "missing `)`");
    assert_error("((x)", x, 5, "missing `)` to close the `(` at column 1");
    let e = assert_error("foo(x)", x, 1, "unknown function `foo`");
    assert_eq!(e.len, 3);
    assert!(e.message.contains(
        "sin, cos, tan, exp, ln, log10, sqrt, abs, tanh, sigmoid, floor, ceil, min, max, mod"
    ));
    let e = assert_error("z+1", x, 1, "unknown variable `z`");
    assert_eq!(e.message, "unknown variable `z`, expected one of: x");
    assert_error("x + z", xy, 5, "expected one of: x, y");
    assert_error("x", &[], 1, "no variables");
    assert_error("min(x)", x, 1, "`min` takes 2 arguments, found 1");
    assert_error("sin()", x, 1, "`sin` takes 1 argument, found 0");
    assert_error("sin(x, 2)", x, 6, "too many arguments");
    assert_error("max(x, 2, 3)", x, 9, "too many arguments");
    assert_error("sin x", x, 1, "needs parentheses");
    assert_error("x)", x, 2, "unmatched `)`");
    assert_error("x, 1", x, 2, "unexpected `,`");
    assert_error("(x, 1)", x, 3, "unexpected `,`");
    assert_error("", x, 1, "empty expression");
    assert_error("   ", x, 1, "empty expression");
    assert_error("()", x, 2, "empty parentheses");
    assert_error("x +", x, 4, "expected an expression after `+`");
    assert_error("(x +)", x, 5, "expected an expression after `+`");
    assert_error("*x", x, 1, "expected a number, variable");
    assert_error("x ** * 2", x, 6, "expected a number");
    let e = assert_error("1 + 1e999", x, 5, "too large");
    assert_eq!(e.len, 5);
    assert_error("1.2.3", x, 4, "implicit multiplication");
    assert_error(". 5", x, 1, "unexpected character `.`");
    assert_error("x # y", x, 3, "unexpected character `#`");
    assert_error("x\u{0}", x, 2, "unexpected character '\\0'");
}

#[test]
fn columns_count_characters_not_bytes() {
    // Non-breaking and ideographic spaces are 2 and 3 bytes long.
    assert_error("x\u{a0}+\u{3000}z", &["x"], 5, "unknown variable `z`");
    assert_error("é", &["x"], 1, "unexpected character `é`");
    assert_error("x + 😀", &["x"], 5, "unexpected character `😀`");
    assert_error("\u{2003}\u{2003}3x", &["x"], 4, "implicit multiplication");
}

#[test]
fn error_display() {
    let e = err("x + z", &["x", "y"]);
    assert_eq!(
        e.to_string(),
        "column 5: unknown variable `z`, expected one of: x, y"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().starts_with("column 5"));
}

#[test]
fn large_programs_use_the_general_slot_path() {
    // 300 distinct terms: more than 256 slots.
    let terms: Vec<String> = (1..=300)
        .map(|k| format!("{k}*sin(x/{k} + y*{k})"))
        .collect();
    let src = terms.join(" + ");
    let f = parse(&src, &["x", "y"]);
    assert!(f.tape_len() > 256, "{}", f.tape_len());
    let (x, y) = (0.3, -0.7);
    let (v, g) = vg(&src, &["x", "y"], &[x, y]);
    let (mut want_v, mut want_gx, mut want_gy) = (0.0, 0.0, 0.0);
    for k in 1..=300 {
        let k = k as f64;
        let arg = x / k + y * k;
        want_v += k * arg.sin();
        want_gx += arg.cos();
        want_gy += k * k * arg.cos();
    }
    assert!(close(v, want_v, 1e-12), "{v} vs {want_v}");
    assert!(close(g[0], want_gx, 1e-12), "{} vs {want_gx}", g[0]);
    assert!(close(g[1], want_gy, 1e-12), "{} vs {want_gy}", g[1]);
}

// ----------------------------------------------------- hostile inputs

#[test]
fn deep_and_long_inputs_do_not_overflow_the_stack() {
    let x = &["x"];
    // Too long outright.
    let e = assert_error(&"(".repeat(100_000), x, 10_001, "too long");
    assert!(e.message.contains("100000"));
    assert_error(&format!("{}x", "-".repeat(100_000)), x, 10_001, "too long");
    let chain = vec!["x"; 100_000].join("^");
    assert_error(&chain, x, 10_001, "too long");
    // Within the length limit, the nesting limit applies.
    assert_error(&"(".repeat(9_000), x, 101, "nested too deeply");
    assert_error(
        &format!("{}x", "-".repeat(9_000)),
        x,
        101,
        "nested too deeply",
    );
    assert_error(
        &format!("{}x", "sin(".repeat(2_000)),
        x,
        401,
        "nested too deeply",
    );
    assert_error(
        &format!("{}x", "-(".repeat(4_000)),
        x,
        101,
        "nested too deeply",
    );
    // 100 levels are fine.
    let src = format!("{}x{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(val(&src, x, &[2.0]), 2.0);
    let src = format!("{}x{}", "sin(".repeat(100), ")".repeat(100));
    let mut want = 0.5f64;
    for _ in 0..100 {
        want = want.sin();
    }
    assert!(close(val(&src, x, &[0.5]), want, 1e-14));
    // Long flat chains make deep trees: parsing, compiling, evaluating and
    // dropping them must not recurse.
    let chain = vec!["x"; 4_999].join("^");
    assert_eq!(chain.len(), 9_997);
    let (v, g) = vg(&chain, x, &[1.0]);
    assert_eq!((v, g), (1.0, vec![1.0]));
    let sum = vec!["x"; 4_999].join("+");
    let (v, g) = vg(&sum, x, &[2.0]);
    assert_eq!((v, g), (9_998.0, vec![4_999.0]));
    let product = vec!["x"; 4_999].join("*");
    let (v, _) = vg(&product, x, &[1.0]);
    assert_eq!(v, 1.0);
    let twos = vec!["2"; 4_999].join("^");
    assert_eq!(val(&twos, x, &[0.0]), f64::INFINITY);
    let towers = vec!["-x"; 3_000].join("^");
    assert!(Expr::parse(&towers, x).is_err(), "3000 nested signs");
    let mixed = vec!["x^-x"; 1_900].join("*");
    let (v, _) = vg(&mixed, x, &[1.0]);
    assert_eq!(v, 1.0);
}

// ------------------------------------------------------------ compilation

#[test]
fn common_subexpressions_are_computed_once() {
    let f = parse("exp(-x^2-y^2) + exp(-x^2-y^2)", &["x", "y"]);
    assert_eq!(f.count_op("Exp"), 1, "{}", f.disassemble());
    assert_eq!(f.count_op("Square"), 2, "{}", f.disassemble());
    let peaks = parse(PEAKS, &["x", "y"]);
    assert_eq!(peaks.count_op("Exp"), 3);
    // (1-x)^2, x^2 (twice), (y+1)^2, y^2 (twice), (x+1)^2.
    assert_eq!(peaks.count_op("Square"), 5, "{}", peaks.disassemble());
}

#[test]
fn constants_are_folded() {
    let f = parse("2*3+x", &["x"]);
    assert_eq!(
        f.count_op("Mul") + f.count_op("MulC"),
        0,
        "{}",
        f.disassemble()
    );
    assert_eq!(f.tape_len(), 1);
    assert_eq!(val("2*3+x", &["x"], &[1.0]), 7.0);
    let f = parse("sin(pi/2) * ln(e) * 2^3^2 + x", &["x"]);
    assert_eq!(f.tape_len(), 1, "{}", f.disassemble());
    assert_eq!(val("sin(pi/2) * ln(e) * 2^3^2 + x", &["x"], &[1.0]), 513.0);
    let f = parse("1/3*x", &["x"]);
    assert_eq!(f.count_op("CDiv") + f.count_op("DivC"), 0);
    let f = parse("(1+2)", &[]);
    assert_eq!(f.tape_len(), 0);
}

#[test]
fn specialised_instructions_are_used() {
    let x = &["x"];
    assert_eq!(parse("x^2", x).count_op("Square"), 1);
    assert_eq!(parse("x*x", x).count_op("Square"), 1);
    assert_eq!(parse("x^4", x).count_op("PowI"), 1);
    assert_eq!(parse("x^16", x).count_op("PowI"), 1);
    assert_eq!(parse("x^17", x).count_op("PowF"), 1);
    assert_eq!(parse("x^0.5", x).count_op("PowF"), 1);
    assert_eq!(parse("3*x", x).count_op("MulC"), 1);
    assert_eq!(parse("x+3", x).count_op("AddC"), 1);
    assert_eq!(parse("x-3", x).count_op("AddC"), 1);
    assert_eq!(parse("3-x", x).count_op("CSub"), 1);
    assert_eq!(parse("-x", x).count_op("Neg"), 1);
    assert_eq!(parse("x - -x", x).tape_len(), 1);
    assert_eq!(parse("--x", x).tape_len(), 0);
    assert_eq!(parse("x^1", x).tape_len(), 0);
    assert_eq!(parse("x*1", x).tape_len(), 0);
}

// ------------------------------------------------------------ properties

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed};

    const VARS: [&str; 3] = ["x", "y", "z"];

    fn config(cases: u32) -> Config {
        Config {
            cases,
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(0x5eed_d0d0),
            ..Config::default()
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Op {
        Add,
        Sub,
        Mul,
        Div,
        Pow,
    }

    /// A random expression tree, independent of the crate's own AST.
    #[derive(Clone, Debug)]
    enum T {
        Num(f64),
        Var(usize),
        Const(&'static str),
        Neg(Box<T>),
        Bin(Op, Box<T>, Box<T>),
        Call1(&'static str, Box<T>),
        Call2(&'static str, Box<T>, Box<T>),
    }

    const FUNCS1: [&str; 10] = [
        "sin", "cos", "tan", "exp", "ln", "log10", "sqrt", "abs", "tanh", "sigmoid",
    ];

    fn tree(n_vars: usize) -> impl Strategy<Value = T> {
        let leaf = prop_oneof![
            3 => (0u32..40).prop_map(|k| T::Num(f64::from(k) / 8.0)),
            1 => prop::sample::select(vec![0.1, 1e-3, 12.5, 2.0]).prop_map(T::Num),
            5 => (0..n_vars).prop_map(T::Var),
            1 => prop::sample::select(vec!["pi", "e"]).prop_map(T::Const),
        ];
        leaf.prop_recursive(5, 32, 2, |inner| {
            let op = prop::sample::select(vec![Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow]);
            let exponent =
                prop::sample::select(vec![-3.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.5, 1.5, 17.0]);
            prop_oneof![
                1 => inner.clone().prop_map(|t| T::Neg(Box::new(t))),
                4 => (op, inner.clone(), inner.clone())
                    .prop_map(|(op, a, b)| T::Bin(op, Box::new(a), Box::new(b))),
                2 => (inner.clone(), exponent).prop_map(|(a, k)| {
                    let k = if k < 0.0 {
                        T::Neg(Box::new(T::Num(-k)))
                    } else {
                        T::Num(k)
                    };
                    T::Bin(Op::Pow, Box::new(a), Box::new(k))
                }),
                2 => (prop::sample::select(FUNCS1.to_vec()), inner.clone())
                    .prop_map(|(f, a)| T::Call1(f, Box::new(a))),
                1 => (prop::sample::select(vec!["min", "max"]), inner.clone(), inner)
                    .prop_map(|(f, a, b)| T::Call2(f, Box::new(a), Box::new(b))),
            ]
        })
    }

    fn symbol(op: Op) -> &'static str {
        match op {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Pow => "^",
        }
    }

    /// Fully parenthesised.
    fn full(t: &T) -> String {
        match t {
            T::Num(v) => format!("{v:?}"),
            T::Var(i) => VARS[*i].to_string(),
            T::Const(c) => c.to_string(),
            T::Neg(a) => format!("(-{})", full(a)),
            T::Bin(op, a, b) => format!("({} {} {})", full(a), symbol(*op), full(b)),
            T::Call1(f, a) => format!("{f}({})", full(a)),
            T::Call2(f, a, b) => format!("{f}({}, {})", full(a), full(b)),
        }
    }

    /// With the fewest parentheses the documented precedence allows, and
    /// `**` for powers. Returns the text and its binding power (5 = atom,
    /// 4 = power, 3 = prefix sign, 2 = product, 1 = sum).
    fn minimal(t: &T) -> (String, u8) {
        let paren = |(s, _): (String, u8), need: bool| if need { format!("({s})") } else { s };
        match t {
            T::Num(_) | T::Var(_) | T::Const(_) | T::Call1(..) | T::Call2(..) => (full(t), 5),
            T::Neg(a) => {
                let a = minimal(a);
                let need = a.1 < 3;
                (format!("-{}", paren(a, need)), 3)
            }
            T::Bin(op, a, b) => {
                let (a, b) = (minimal(a), minimal(b));
                let p = match op {
                    Op::Add | Op::Sub => 1,
                    Op::Mul | Op::Div => 2,
                    Op::Pow => 4,
                };
                if *op == Op::Pow {
                    let need_a = a.1 <= 4;
                    let need_b = b.1 < 3;
                    (format!("{}**{}", paren(a, need_a), paren(b, need_b)), 4)
                } else {
                    let need_a = a.1 < p;
                    let need_b = b.1 <= p;
                    (
                        format!("{} {} {}", paren(a, need_a), symbol(*op), paren(b, need_b)),
                        p,
                    )
                }
            }
        }
    }

    /// Whether the compiler sees `t` as a constant: no variables, after
    /// folding `a^0 = 1` (true for every `a`, as for `powf`).
    fn is_const(t: &T, x: &[f64]) -> bool {
        match t {
            T::Num(_) | T::Const(_) => true,
            T::Var(_) => false,
            T::Neg(a) | T::Call1(_, a) => is_const(a, x),
            T::Bin(Op::Pow, a, b) => {
                is_const(b, x) && (is_const(a, x) || reference(b, x, &mut 0.0) == 0.0)
            }
            T::Bin(_, a, b) | T::Call2(_, a, b) => is_const(a, x) && is_const(b, x),
        }
    }

    /// `x^k` for integer `k` as documented: binary powering of `|k|-1`, one
    /// more factor, and the reciprocal for negative `k`.
    fn int_power(x: f64, k: i32) -> f64 {
        if k == 0 {
            return 1.0;
        }
        let (mut r, mut b, mut n) = (1.0, x, k.unsigned_abs() - 1);
        while n > 0 {
            if n & 1 == 1 {
                r *= b;
            }
            n >>= 1;
            if n > 0 {
                b *= b;
            }
        }
        let q = r * x;
        if k > 0 { q } else { 1.0 / q }
    }

    /// Direct recursive evaluation with the documented semantics (trees
    /// here are shallow); `largest` tracks the largest finite magnitude of
    /// any intermediate value.
    fn reference(t: &T, x: &[f64], largest: &mut f64) -> f64 {
        let v = reference_node(t, x, largest);
        if v.is_finite() {
            *largest = largest.max(v.abs());
        }
        v
    }

    fn reference_node(t: &T, x: &[f64], largest: &mut f64) -> f64 {
        let mut r = |t: &T| reference(t, x, largest);
        match t {
            T::Num(v) => *v,
            T::Var(i) => x[*i],
            T::Const(c) => {
                if *c == "pi" {
                    PI
                } else {
                    E
                }
            }
            T::Neg(a) => -r(a),
            T::Bin(op, ta, tb) => {
                let (a, b) = (r(ta), r(tb));
                match op {
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    Op::Div => a / b,
                    Op::Pow if is_const(ta, x) && a == E => b.exp(),
                    Op::Pow if is_const(tb, x) && b == b.trunc() && b.abs() <= 16.0 => {
                        int_power(a, b as i32)
                    }
                    Op::Pow => a.powf(b),
                }
            }
            T::Call1(f, a) => {
                let a = r(a);
                match *f {
                    "sin" => a.sin(),
                    "cos" => a.cos(),
                    "tan" => a.tan(),
                    "exp" => a.exp(),
                    "ln" => a.ln(),
                    "log10" => a.log10(),
                    "sqrt" => a.sqrt(),
                    "abs" => a.abs(),
                    "tanh" => a.tanh(),
                    _ => 1.0 / (1.0 + (-a).exp()),
                }
            }
            T::Call2(f, a, b) => {
                let (a, b) = (r(a), r(b));
                if b.is_nan() {
                    b
                } else if *f == "min" {
                    if b < a { b } else { a }
                } else if b > a {
                    b
                } else {
                    a
                }
            }
        }
    }

    fn case() -> impl Strategy<Value = (T, usize, Vec<f64>)> {
        (1usize..=3).prop_flat_map(|n| (tree(n), Just(n), prop::collection::vec(-2.5f64..2.5, n)))
    }

    proptest! {
        #![proptest_config(config(256))]

        /// Parsing the minimal and the fully parenthesised rendering of one
        /// tree gives the same program; its value is exactly that of a
        /// direct evaluation with the documented semantics.
        #[test]
        fn precedence_round_trip((t, n, x) in case()) {
            let vars = &VARS[..n];
            let full_src = full(&t);
            let (min_src, _) = minimal(&t);
            let a = Expr::parse(&full_src, vars).unwrap();
            let b = Expr::parse(&min_src, vars).unwrap();
            prop_assert_eq!(a.disassemble(), b.disassemble(), "{} vs {}", full_src, min_src);
            let v = a.evaluator().value(&x);
            let want = reference(&t, &x, &mut 0.0);
            prop_assert!(v == want || (v.is_nan() && want.is_nan()),
                "{}: {} vs {}", full_src, v, want);
        }

        /// Native code and the interpreter agree bit for bit, at the drawn
        /// point and at the awkward ones.
        #[test]
        fn native_code_matches_the_interpreter((t, n, x) in case()) {
            let vars = &VARS[..n];
            let expr = Expr::parse(&full(&t), vars).unwrap();
            let specials = [0.0, -0.0, 1.0, -1.0, 1e-310, 1e300, -1e300, f64::INFINITY, f64::NEG_INFINITY, f64::NAN];
            let mut points = vec![x.clone()];
            for s in specials {
                let mut p = x.clone();
                p[0] = s;
                points.push(p);
            }
            for p in points {
                let mut ev = expr.evaluator().interpreted();
                let mut g = vec![0.0; n];
                let v = ev.value_grad(&p, &mut g);
                super::assert_native_agrees(&expr, &p, v, &g);
            }
        }

        /// Where the function is finite and smooth, the gradient agrees with
        /// central finite differences.
        #[test]
        fn gradient_matches_finite_differences((t, n, x) in case()) {
            let vars = &VARS[..n];
            let src = full(&t);
            let mut ev = Expr::parse(&src, vars).unwrap().evaluator();
            let mut g = vec![0.0; n];
            let v = ev.value_grad(&x, &mut g);
            prop_assert!(same(v, ev.value(&x)));
            // Finite differences need finite, moderate values: a 1e-5 step
            // added to an intermediate of 1e9 loses most of its digits.
            let mut largest = 0.0;
            reference(&t, &x, &mut largest);
            if !v.is_finite() || largest > 1e4 || g.iter().any(|d| !d.is_finite() || d.abs() > 1e6) {
                return Ok(());
            }
            for i in 0..n {
                let h = 1e-5 * (1.0 + x[i].abs());
                let mut at = x.clone();
                let mut f = |dx: f64| {
                    at[i] = x[i] + dx;
                    ev.value(&at)
                };
                let (up, down, up2, down2) = (f(h), f(-h), f(2.0 * h), f(-2.0 * h));
                if ![up, down, up2, down2].iter().all(|y| y.is_finite()) {
                    continue;
                }
                let central = (up - down) / (2.0 * h);
                let central2 = (up2 - down2) / (4.0 * h);
                let forward = (up - v) / h;
                let backward = (v - down) / h;
                let scale = 1.0 + central.abs() + g[i].abs();
                // Kinks (abs/min/max), poles and steep curvature make the
                // one-sided differences disagree; rounding noise (a step
                // lost in a huge argument, `sin(x + 1e9)`) makes the step
                // sizes disagree. Either way the difference means little.
                if (forward - backward).abs() > 1e-3 * scale
                    || (central - central2).abs() > 1e-6 * scale
                {
                    continue;
                }
                prop_assert!((g[i] - central).abs() <= 1e-5 * scale,
                    "d/d{} of {} at {:?}: exact {} vs central difference {}", vars[i], src, x, g[i], central);
            }
        }
    }

    const TOKENS: [&str; 40] = [
        "x", "y", "z", "1", "0.5", ".5", "1e3", "2E-2", "1e999", "(", ")", "(", ")", ",", "+", "-",
        "*", "**", "/", "^", "sin", "min", "max", "sqrt", "pi", "e", "foo", "_", "é", " ", "$",
        ".", "e+", "sin(", "max(", "--", "\u{3000}", "9", "ln", "\t",
    ];

    fn check_no_panic(src: &str) -> Result<(), TestCaseError> {
        match Expr::parse(src, &["x", "y"]) {
            Ok(f) => {
                let mut ev = f.evaluator();
                let mut g = [0.0; 2];
                let v = ev.value_grad(&[0.5, -1.5], &mut g);
                prop_assert!(same(v, ev.value(&[0.5, -1.5])));
            }
            Err(e) => {
                let chars = src.chars().count();
                prop_assert!(e.len >= 1);
                prop_assert!(e.column >= 1 && e.column <= chars + 1, "{:?}: {:?}", src, e);
                prop_assert!(!e.message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(config(1000))]

        #[test]
        fn parse_never_panics_on_token_soup(
            tokens in prop::collection::vec(prop::sample::select(TOKENS.to_vec()), 0..40),
            glue in prop::sample::select(vec!["", " "]),
        ) {
            check_no_panic(&tokens.join(glue))?;
        }

        #[test]
        fn parse_never_panics_on_arbitrary_strings(src in any::<String>()) {
            check_no_panic(&src)?;
        }

        #[test]
        fn parse_never_panics_on_ascii(src in "[ -~]{0,60}") {
            check_no_panic(&src)?;
        }
    }
}

/// Wide code's `exp` (vector instructions where both lanes are in the fast
/// range, the library per lane elsewhere) gives the scalar `exp`'s bits:
/// a million random pairs over the whole range, the edges of the fast
/// range, and the awkward values, in every pairing.
#[test]
fn wide_exp_is_the_scalar_exp_bit_for_bit() {
    use downhill::descent::expr::WIDTH;
    let expr = parse("exp(x)", &["x"]);
    let Some(wide) = expr.wide() else {
        assert_eq!(expr.wide().is_some(), NATIVE_HOST, "wide code for exp(x)");
        return;
    };
    let check = |a: f64, b: f64| {
        let mut out = [[0.0; WIDTH]; 2];
        wide.value_grad(&[[a, b]], &mut out);
        for (p, x) in [a, b].into_iter().enumerate() {
            assert!(
                same(out[0][p], x.exp()),
                "exp({x:e}) = {:e} vs {:e}",
                out[0][p],
                x.exp()
            );
            assert!(same(out[1][p], x.exp()), "exp'({x:e})");
        }
    };
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for _ in 0..500_000 {
        let u = |v: u64| (v >> 11) as f64 / (1u64 << 53) as f64;
        let (a, b) = (u(next()) * 1500.0 - 750.0, u(next()) * 20.0 - 10.0);
        check(a, b);
        check(b, a);
    }
    let tiny = f64::from_bits(0x3c90000000000000); // 2^-54, the fast range's floor
    let edges = [
        0.0,
        -0.0,
        1e-310,
        -1e-310,
        tiny,
        -tiny,
        f64::from_bits(tiny.to_bits() - 1),
        512.0,
        -512.0,
        f64::from_bits(512f64.to_bits() - 1),
        -f64::from_bits(512f64.to_bits() - 1),
        709.782712893384,
        709.8,
        -745.1,
        -708.4,
        1e300,
        -1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.0,
        -1.0,
        0.5,
    ];
    for a in edges {
        for b in edges {
            check(a, b);
        }
    }
}
