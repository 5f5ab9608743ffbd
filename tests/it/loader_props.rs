//! Property tests against hostile input: random mutations of every bundled
//! scenario never make the loader panic (and its errors point inside the
//! text), and random expressions never make the compiler panic; where an
//! expression is smooth, its exact gradient agrees with finite differences.

use downhill::descent::Function;
use downhill::descent::expr::Expr;
use downhill::scenario::{self, bundled};
use proptest::prelude::*;
use proptest::test_runner::Config;

// ---------------------------------------------------------------------------------------
// Mutations of the bundled scenario files.

/// One edit of a scenario text. Indices are taken modulo the text's size.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Replace the n-th number of the text.
    ReplaceNumber(usize, String),
    /// Insert text before the n-th character.
    Insert(usize, String),
    /// Cut the text at the n-th byte (not necessarily a character boundary).
    Truncate(usize),
}

/// Numbers a hostile file might hold in place of a good one.
fn arb_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| format!("{v:?}")),
        (-1e3f64..1e3).prop_map(|v| format!("{v}")),
        any::<i64>().prop_map(|v| v.to_string()),
        (-3i64..3).prop_map(|v| v.to_string()),
        Just("nan".to_string()),
        Just("+nan".to_string()),
        Just("-nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("1e308".to_string()),
        Just("1e999".to_string()),
        Just("-1e-320".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("0x7fffffffffffffff".to_string()),
        Just("1_000".to_string()),
        Just("-0.0".to_string()),
        Just("1.".to_string()),
        Just("\"7\"".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
    ]
}

/// Text to splice in: unicode of every width, controls, TOML punctuation.
fn arb_insert() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(|s| s.chars().take(6).collect()),
        prop::sample::select(vec![
            "\n",
            "\r",
            "\r\n",
            "\t",
            "\0",
            "\u{1b}[31m",
            "\u{202e}",
            "\u{feff}",
            "🚀",
            "火箭",
            "é",
            "\u{301}",
            "=",
            "==",
            "[",
            "]",
            "[[",
            "]]",
            "{",
            "}",
            ",",
            ".",
            "\"",
            "'",
            "\"\"\"",
            "#",
            "\\",
            "\\u",
            "(",
            ")",
            "^",
            "x",
            "nan",
            "-",
        ])
        .prop_map(str::to_string),
    ]
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (any::<usize>(), arb_number()).prop_map(|(i, n)| Mutation::ReplaceNumber(i, n)),
        2 => (any::<usize>(), arb_insert()).prop_map(|(i, s)| Mutation::Insert(i, s)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Byte ranges of the number-looking tokens of `text` (digits, with signs,
/// points, exponents and underscores), plus `nan` and `inf`.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_number = b[i].is_ascii_digit()
            || ((b[i] == b'-' || b[i] == b'+' || b[i] == b'.')
                && b.get(i + 1).is_some_and(u8::is_ascii_digit));
        let word_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if starts_number && !word_before {
            let mut j = i + 1;
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || matches!(b[j], b'.' | b'_' | b'e' | b'E')
                    || (matches!(b[j], b'-' | b'+') && matches!(b[j - 1], b'e' | b'E')))
            {
                j += 1;
            }
            out.push((i, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let n = lines.len().max(1);
    match m {
        Mutation::DeleteLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
            lines.concat()
        }
        Mutation::DuplicateLine(i) => {
            if !lines.is_empty() {
                let l = lines[i % n];
                lines.insert(i % n, l);
            }
            lines.concat()
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            lines.concat()
        }
        Mutation::ReplaceNumber(i, new) => {
            let nums = numbers(text);
            if nums.is_empty() {
                return text.to_string();
            }
            let (s, e) = nums[i % nums.len()];
            format!("{}{}{}", &text[..s], new, &text[e..])
        }
        Mutation::Insert(i, s) => {
            let at = text
                .char_indices()
                .map(|(b, _)| b)
                .nth(i % (text.chars().count() + 1))
                .unwrap_or(text.len());
            format!("{}{}{}", &text[..at], s, &text[at..])
        }
        Mutation::Truncate(i) => {
            let at = i % (text.len() + 1);
            String::from_utf8_lossy(&text.as_bytes()[..at]).into_owned()
        }
    }
}

/// Where an error may point: a line of the text (or the one after a final
/// newline) and a column up to one past that line's end.
fn assert_inside(text: &str, e: &scenario::LoadError) {
    let msg = e.to_string();
    assert!(!e.message.trim().is_empty(), "empty message");
    assert!(!msg.contains('\n'), "a message on several lines: {msg:?}");
    let Some((line, col)) = e.position else {
        return;
    };
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        line >= 1 && line <= lines.len(),
        "line {line} of {}: {msg}",
        lines.len()
    );
    let width = lines[line - 1].chars().count();
    assert!(
        col >= 1 && col <= width + 1,
        "column {col} of {width}: {msg}"
    );
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    #[test]
    fn mutated_bundled_scenarios_never_panic_the_loader(
        which in 0..bundled::ALL.len(),
        edits in prop::collection::vec(arb_mutation(), 1..4),
    ) {
        let (name, original) = bundled::ALL[which];
        let mut text = original.to_string();
        for m in &edits {
            text = apply(&text, m);
        }
        match scenario::parse(name, &text) {
            Ok(sc) => {
                // What loads also runs a few epochs without trouble.
                let mut race = sc.race(0);
                for _ in 0..sc.epochs.min(5) {
                    race.step();
                }
                for r in race.runs() {
                    prop_assert!(r.params().iter().all(|p| p.is_finite()));
                }
            }
            Err(e) => assert_inside(&text, &e),
        }
    }
}

#[test]
fn the_mutation_property_is_not_vacuous() {
    // Mutated files both load and fail, in fair numbers.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut err) = (0, 0);
    for i in 0..200 {
        let (name, text) = bundled::ALL[i % bundled::ALL.len()];
        let m = arb_mutation().new_tree(&mut runner).unwrap().current();
        match scenario::parse(name, &apply(text, &m)) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    eprintln!("{ok} loaded, {err} refused");
    assert!(ok >= 20 && err >= 20, "{ok} loaded, {err} refused");
}

#[test]
fn number_scanner_finds_the_numbers() {
    let t = "a = 1.5e-3\nb = [-2.0, 2]\nx_2 = 3\n";
    let found: Vec<&str> = numbers(t).iter().map(|&(s, e)| &t[s..e]).collect();
    assert_eq!(found, ["1.5e-3", "-2.0", "2", "3"]);
}

// ---------------------------------------------------------------------------------------
// Random expressions.

const VARS: &[&str] = &["x", "y", "z", "u", "v", "w"];

fn arb_leaf(n_vars: usize) -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(VARS[..n_vars].to_vec()).prop_map(str::to_string),
        1 => prop::sample::select(vec![
            "0", "1", "2", "3", "0.5", ".5", "1.", "1e-3", "2E1", "1e+1", "pi", "e", "10", "0.1",
        ])
        .prop_map(str::to_string),
        1 => (0.0f64..5.0).prop_map(|v| format!("{v}")),
    ]
    .boxed()
}

/// Well-formed expressions (most parse; some fold to constants or go
/// out of range).
fn arb_expr(n_vars: usize) -> impl Strategy<Value = String> {
    arb_leaf(n_vars).prop_recursive(5, 48, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/", "^", "**", " + ", " * "]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
            (prop::sample::select(vec!["-", "+", "- "]), inner.clone())
                .prop_map(|(s, a)| format!("{s}{a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            (
                prop::sample::select(vec![
                    "sin", "cos", "tan", "exp", "ln", "log10", "sqrt", "abs", "tanh", "sigmoid",
                ]),
                inner.clone()
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            (
                prop::sample::select(vec!["min", "max"]),
                inner.clone(),
                inner
            )
                .prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
        ]
    })
}

/// Token soup: mostly not expressions at all.
fn arb_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop::sample::select(vec![
            "x", "y", "q", "1", "2.5", ".", "1e", "1e999", "0x1", "+", "-", "*", "/", "^", "**",
            "***", "(", ")", ",", "sin", "sin(", "min(", "max", "pi", "e", " ", "\t", "\u{3000}",
            "3x", "$", "é", "🚀", "\u{301}", "\0", "_", "__x", "sqrt", "ln(", "))", "((",
        ])
        .prop_map(str::to_string),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

/// `f` at `x` with coordinate `i` moved by `d`.
fn shifted(ev: &mut impl Function, x: &[f64], i: usize, d: f64) -> f64 {
    let mut p = x.to_vec();
    p[i] += d;
    ev.value(&p)
}

/// Checks the exact gradient of `src` at `x` against central differences in
/// every coordinate where the function is smooth enough to tell.
/// Returns how many coordinates were compared.
fn check_gradient(src: &str, vars: &[&str], x: &[f64]) -> Result<usize, TestCaseError> {
    let Ok(expr) = Expr::parse(src, vars) else {
        return Ok(0);
    };
    let mut ev = expr.evaluator();
    let mut g = vec![0.0; vars.len()];
    let v = ev.value_grad(x, &mut g);
    let v2 = ev.value(x);
    prop_assert!(
        v.to_bits() == v2.to_bits() || (v.is_nan() && v2.is_nan()),
        "value_grad and value differ: {} vs {}",
        v,
        v2
    );
    check_gradient_of(&mut ev, src, x)
}

/// The comparison itself, for any function (`what` names it in failures).
fn check_gradient_of(
    ev: &mut impl Function,
    what: &str,
    x: &[f64],
) -> Result<usize, TestCaseError> {
    let mut g = vec![0.0; x.len()];
    let v = ev.value_grad(x, &mut g);
    if !v.is_finite() || !g.iter().all(|d| d.is_finite()) {
        return Ok(0);
    }
    let mut compared = 0;
    for i in 0..x.len() {
        let h = 1e-6 * x[i].abs().max(1.0);
        let (fp, fm) = (shifted(ev, x, i, h), shifted(ev, x, i, -h));
        let (fp2, fm2) = (shifted(ev, x, i, 4.0 * h), shifted(ev, x, i, -4.0 * h));
        if ![fp, fm, fp2, fm2].iter().all(|f| f.is_finite()) {
            continue;
        }
        let central = (fp - fm) / (2.0 * h);
        let central4 = (fp2 - fm2) / (8.0 * h);
        let forward = (fp - v) / h;
        let backward = (v - fm) / h;
        let scale = 1.0 + central.abs();
        // Rounding in the differences: too noisy to compare.
        let noise = 8.0
            * f64::EPSILON
            * [v, fp, fm, fp2, fm2]
                .map(f64::abs)
                .iter()
                .fold(0.0, |a, &b| f64::max(a, b))
            / h;
        if noise > 1e-7 * scale {
            continue;
        }
        // A kink, a jump or a pole within reach: not smooth here.
        if (forward - backward).abs() > 1e-2 * scale || (central - central4).abs() > 1e-5 * scale {
            continue;
        }
        prop_assert!(
            (g[i] - central).abs() <= 1e-5 * scale,
            "d/dx{} of {} at {:?}: exact {} vs central difference {}",
            i,
            what,
            x,
            g[i],
            central
        );
        compared += 1;
    }
    Ok(compared)
}

/// A point coordinate in [-2, 2]: mostly uniform, sometimes a round value
/// where kinks, ties and poles sit.
fn arb_coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -2.0f64..2.0,
        1 => prop::sample::select(vec![-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    #[test]
    fn token_soup_never_panics_the_compiler(src in arb_soup(), n in 0usize..4) {
        if let Err(e) = Expr::parse(&src, &VARS[..n]) {
            let chars = src.chars().count();
            prop_assert!(e.column >= 1 && e.column <= chars + 1, "column {} of {}: {}", e.column, chars, e);
            prop_assert!(e.len >= 1);
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn exact_gradients_match_finite_differences(
        (n, src, x) in (1usize..=6).prop_flat_map(|n| (
            Just(n),
            arb_expr(n),
            prop::collection::vec(arb_coordinate(), n),
        )),
    ) {
        check_gradient(&src, &VARS[..n], &x)?;
    }
}

#[test]
fn the_gradient_check_catches_a_wrong_gradient() {
    /// x², claiming 2.1·x as its derivative.
    struct Liar;
    impl Function for Liar {
        fn dim(&self) -> usize {
            1
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            x[0] * x[0]
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            g[0] = 2.1 * x[0];
            x[0] * x[0]
        }
    }
    assert!(check_gradient_of(&mut Liar, "liar", &[0.7]).is_err());
    assert_eq!(check_gradient("x^2", &["x"], &[0.7]).unwrap(), 1);
    assert_eq!(
        check_gradient("x*y + sin(x)", &["x", "y"], &[0.7, -1.2]).unwrap(),
        2
    );
}

#[test]
fn the_gradient_property_is_not_vacuous() {
    // Most generated expressions parse, and most of their coordinates are
    // smooth enough to be compared.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut parsed, mut coords, mut compared) = (0, 0, 0);
    let total = 300;
    for _ in 0..total {
        let n = 2;
        let src = arb_expr(n).new_tree(&mut runner).unwrap().current();
        let x = prop::collection::vec(-2.0f64..2.0, n)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        if Expr::parse(&src, &VARS[..n]).is_ok() {
            parsed += 1;
            coords += n;
        }
        compared += check_gradient(&src, &VARS[..n], &x).unwrap();
    }
    eprintln!("{parsed} of {total} parsed; {compared} of {coords} coordinates compared");
    assert!(parsed * 10 >= total * 9, "{parsed} of {total} parsed");
    assert!(compared * 2 >= coords, "{compared} of {coords} compared");
}
