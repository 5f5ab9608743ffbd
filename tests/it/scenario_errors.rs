//! Every error path of the scenario loader, with its message snapshotted:
//! each must name the file, line and column and say what was expected.

use downhill::scenario::parse;

const GOOD: &str = r#"title = "Fixed vs dynamic learning rate"
about = "The code challenge."

[objective]
f = "3*x^2 - 3*x + 4"
domain = { x = [-2.0, 2.0] }
minimum = { x = 0.5 }

[descent]
epochs = 50
start = { x = -2.0 }
seed = 7
tolerance = 1e-6

[[run]]
name = "fixed"
lr = 0.01

[[run]]
name = "grad-based"
schedule = "gradient-scaled"
lr = 0.01

[[run]]
name = "time-based"
schedule = "linear-decay"
lr = 0.1
start = { x = 1.0 }
"#;

/// (case name, text to replace, replacement)
const CASES: &[(&str, &str, &str)] = &[
    ("bad toml", "epochs = 50", "epochs = = 50"),
    ("unknown top key", "about =", "abuot ="),
    (
        "unknown run key",
        "name = \"fixed\"\nlr = 0.01",
        "name = \"fixed\"\nlr = 0.01\nlrr = 2",
    ),
    ("unknown schedule", "\"linear-decay\"", "\"linear-decy\""),
    ("schedule far off", "\"linear-decay\"", "\"warp-drive\""),
    (
        "param not for schedule",
        "name = \"fixed\"\nlr = 0.01",
        "name = \"fixed\"\nlr = 0.01\ngamma = 0.5",
    ),
    (
        "unknown variable in f",
        "3*x^2 - 3*x + 4",
        "3*x^2 - 3*z + 4",
    ),
    ("broken expression", "3*x^2 - 3*x + 4", "3*x^2 - 3*x + $"),
    ("implicit multiplication", "3*x^2 - 3*x + 4", "3x^2"),
    (
        "empty domain",
        "domain = { x = [-2.0, 2.0] }",
        "domain = {}",
    ),
    (
        "domain from >= to",
        "x = [-2.0, 2.0] }",
        "x = [2.0, -2.0] }",
    ),
    ("domain one number", "x = [-2.0, 2.0] }", "x = [2.0] }"),
    ("domain inf", "x = [-2.0, 2.0] }", "x = [-inf, 2.0] }"),
    (
        "start outside domain",
        "start = { x = -2.0 }",
        "start = { x = -3.0 }",
    ),
    (
        "run start outside domain",
        "start = { x = 1.0 }",
        "start = { x = 9.0 }",
    ),
    (
        "start names unknown variable",
        "start = { x = -2.0 }",
        "start = { y = -2.0 }",
    ),
    (
        "start missing variable",
        "start = { x = -2.0 }",
        "start = {}",
    ),
    (
        "start bad string",
        "start = { x = -2.0 }",
        "start = \"anywhere\"",
    ),
    ("negative epochs", "epochs = 50", "epochs = -5"),
    ("zero epochs", "epochs = 50", "epochs = 0"),
    ("absurd epochs", "epochs = 50", "epochs = 99999999999999"),
    ("fractional epochs", "epochs = 50", "epochs = 2.5"),
    (
        "lr zero",
        "lr = 0.01\n\n[[run]]\nname = \"grad",
        "lr = 0\n\n[[run]]\nname = \"grad",
    ),
    (
        "lr negative",
        "name = \"fixed\"\nlr = 0.01",
        "name = \"fixed\"\nlr = -0.01",
    ),
    (
        "lr nan",
        "name = \"fixed\"\nlr = 0.01",
        "name = \"fixed\"\nlr = nan",
    ),
    ("tolerance negative", "tolerance = 1e-6", "tolerance = -1.0"),
    (
        "missing lr",
        "name = \"fixed\"\nlr = 0.01",
        "name = \"fixed\"",
    ),
    (
        "duplicate run names",
        "name = \"grad-based\"",
        "name = \"fixed\"",
    ),
    ("empty name", "name = \"fixed\"", "name = \"  \""),
    (
        "missing title",
        "title = \"Fixed vs dynamic learning rate\"\n",
        "",
    ),
    ("wrong type", "seed = 7", "seed = \"seven\""),
    ("negative seed", "seed = 7", "seed = -7"),
    (
        "minimum unknown var",
        "minimum = { x = 0.5 }",
        "minimum = { q = 0.5 }",
    ),
    (
        "nesterov without momentum",
        "name = \"fixed\"\nlr = 0.01",
        "name = \"fixed\"\nlr = 0.01\nnesterov = true",
    ),
    (
        "momentum too big",
        "name = \"fixed\"\nlr = 0.01",
        "name = \"fixed\"\nlr = 0.01\nmomentum = 1.5",
    ),
    (
        "momentum with adam",
        "schedule = \"linear-decay\"",
        "schedule = \"adam\"\nmomentum = 0.9",
    ),
    (
        "step without step_size",
        "schedule = \"linear-decay\"",
        "schedule = \"step\"",
    ),
    (
        "betas wrong length",
        "schedule = \"linear-decay\"",
        "schedule = \"adam\"\nbetas = [0.9]",
    ),
    (
        "lr_min above lr",
        "schedule = \"linear-decay\"",
        "schedule = \"cosine\"\nlr_min = 0.5",
    ),
    (
        "variable named like a function",
        "domain = { x = [-2.0, 2.0] }",
        "domain = { sin = [-2.0, 2.0] }",
    ),
    ("starts zero", "seed = 7", "seed = 7\nstarts = 0"),
    ("starts too many", "seed = 7", "seed = 7\nstarts = 1001"),
    (
        "starts with a fixed start",
        "seed = 7",
        "seed = 7\nstarts = 24",
    ),
    (
        "starts with a run's own start",
        "start = { x = -2.0 }",
        "start = \"random\"\nstarts = 24",
    ),
    (
        "start_range with a fixed start",
        "seed = 7",
        "seed = 7\nstart_range = { x = [-1.0, 1.0] }",
    ),
    (
        "start_range unknown variable",
        "start = { x = -2.0 }",
        "start_range = { y = [-1.0, 1.0] }",
    ),
    (
        "start_range outside the domain",
        "start = { x = -2.0 }",
        "start_range = { x = [-1.0, 3.0] }",
    ),
    (
        "start_range empty",
        "start = { x = -2.0 }",
        "start_range = { x = [1.0, 1.0] }",
    ),
];

fn apply(case: &(&str, &str, &str)) -> String {
    let (name, from, to) = case;
    assert!(
        GOOD.contains(from),
        "case `{name}`: `{from}` not in the base text"
    );
    GOOD.replacen(from, to, 1)
}

#[test]
fn the_base_scenario_loads() {
    let sc = parse("challenge.toml", GOOD).unwrap();
    assert_eq!(sc.vars, vec!["x"]);
    assert_eq!(sc.epochs, 50);
    assert_eq!(sc.runs.len(), 3);
    assert_eq!(sc.runs[2].start, Some(vec![1.0]));
    assert_eq!(sc.min_value, Some(3.25));
}

#[test]
fn every_error_names_its_place() {
    let mut out = String::new();
    for case in CASES {
        let text = apply(case);
        match parse("challenge.toml", &text) {
            Ok(_) => panic!("case `{}` loaded but should not", case.0),
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.starts_with("challenge.toml:"), "{msg}");
                assert!(
                    e.position.is_some(),
                    "case `{}` has no line:col: {msg}",
                    case.0
                );
                out.push_str(&format!("{}\n  {}\n", case.0, msg.replace('\n', "\n  ")));
            }
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn the_column_points_into_the_expression() {
    let text = GOOD.replacen("3*x^2 - 3*x + 4", "3*x^2 - 3*x + $", 1);
    let e = parse("c.toml", &text).unwrap_err();
    // f = "3*x^2 - 3*x + $" : the `$` is at column 20 of line 5.
    assert_eq!(e.position, Some((5, 20)), "{e}");
}
