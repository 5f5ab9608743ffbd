//! Hostile input. The corpus under `tests/hostile/` (one broken or odd
//! scenario per file, its case in the file name) goes through the loader and
//! through `downhill check`; inputs too big to commit (a 100 MB file, a
//! directory of 10 000 files, expressions nested 100 000 levels deep) are
//! generated here in a temporary directory and removed after. Then numerical
//! faults: a diverging run is marked `diverged @ epoch` and stops, the others
//! go on, and the JSON, the table and the charts stay readable.
//!
//! Nothing here may panic, overflow the stack or hang: the binary is run
//! with a deadline and its output searched for "panicked".

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use downhill::app::{Charset, ColorDepth, LowerChart};
use downhill::descent::Function;
use downhill::descent::expr::Expr;
use downhill::descent::run::Status;
use downhill::scenario::{self, MAX_FILE_BYTES, MAX_NAME, Scenario};
use downhill::text::display_width;
use downhill::track::{Slot, Snapshot};
use downhill::ui::chart::ChartSpec;
use downhill::ui::scale::{self, LogAxis};
use downhill::ui::{Theme, loss_chart, lower_chart};

// ---------------------------------------------------------------------------------------
// The corpus.

/// What loading a corpus file must give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// The file loads.
    Loads,
    /// An error at this line and column whose message holds this text.
    Fails(usize, usize, &'static str),
}
use Expect::{Fails, Loads};

use super::common::TempDir;

/// Every file of `tests/hostile/` (by name, without `.toml`) and its outcome.
#[rustfmt::skip]
const CORPUS: &[(&str, Expect)] = &[
    ("bound-negative",                   Fails(10, 9, "`bound` must be a positive finite number")),
    ("deep-array",                       Fails(10, 88, "cannot recurse further; max recursion depth")),
    ("deep-dotted-key",                  Fails(10, 1, "key nested too deeply: a dotted key or table")),
    ("domain-empty",                     Fails(6, 10, "`domain` is empty: give each variable a range")),
    ("domain-from-equals-to",            Fails(6, 16, "the range of `x` is empty: from (1) must be")),
    ("domain-nine-variables",            Fails(6, 10, "`domain` has 9 variables; at most 8 are")),
    ("domain-one-number",                Fails(6, 16, "the range of `x` needs two numbers, [from, to]")),
    ("domain-reversed",                  Fails(6, 16, "the range of `x` is empty: from (2) must be")),
    ("domain-three-numbers",             Fails(6, 16, "the range of `x` needs two numbers, [from, to]")),
    ("domain-too-wide",                  Fails(6, 16, "the range of `x` is too wide: its width, to −")),
    ("domain-variable-not-identifier",   Fails(6, 20, "variable name `x y` is not a plain")),
    ("domain-variable-reserved",         Fails(6, 18, "variable name `exp` is a function name; choose")),
    ("empty-file",                       Fails(1, 1, "missing field `title`")),
    ("epochs-absurd",                    Fails(9, 10, "`epochs` is 1000000001; expected a whole number")),
    ("epochs-hex",                       Fails(9, 10, "`epochs` is 1000000001; expected a whole number")),
    ("epochs-i64-max",                   Fails(9, 10, "`epochs` is 9223372036854775807; expected a")),
    ("epochs-max",                       Loads),
    ("epochs-negative",                  Fails(9, 10, "`epochs` is -1; expected a whole number from 1")),
    ("epochs-overflow",                  Fails(9, 10, "integer `99999999999999999999` is out of range")),
    ("epochs-zero",                      Fails(9, 10, "`epochs` is 0; expected a whole number from 1")),
    ("expr-blank",                       Fails(5, 6, "in `f`: empty expression")),
    ("expr-control-character",           Fails(5, 5, "in `f`, column 2: unexpected character")),
    ("expr-dangling-operator",           Fails(5, 8, "in `f`: expected an expression after `^`")),
    ("expr-empty",                       Fails(5, 6, "in `f`: empty expression")),
    ("expr-escaped-string",              Fails(5, 5, "in `f`, column 5: unexpected character `$`")),
    ("expr-implicit-multiplication",     Fails(5, 7, "in `f`: implicit multiplication is not")),
    ("expr-literal-string",              Fails(5, 12, "in `f`: unexpected character `$`")),
    ("expr-nested-too-deep",             Fails(5, 106, "in `f`: expression nested too deeply (more than")),
    ("expr-number-overflow",             Fails(5, 6, "in `f`: number `1e999` is too large (it does")),
    ("expr-too-long",                    Fails(5, 10006, "in `f`: expression is too long: 10001")),
    ("expr-unclosed-paren",              Fails(5, 14, "in `f`: missing `)` to close the `(` at column")),
    ("expr-unexpected-character",        Fails(5, 10, "in `f`: unexpected character `$`")),
    ("expr-unicode-minus",               Fails(5, 10, "in `f`: unexpected character `−`")),
    ("expr-unknown-function",            Fails(5, 6, "in `f`: unknown function `sinh`, expected one")),
    ("expr-unknown-variable",            Fails(5, 12, "in `f`: unknown variable `y`, expected one of")),
    ("expr-unmatched-paren",             Fails(5, 13, "in `f`: unmatched `)`: there is no open `(` to")),
    ("expr-wrong-arity",                 Fails(5, 6, "in `f`: `min` takes 2 arguments, found 1")),
    ("huge-float-literal",               Fails(14, 6, "floating-point number overflowed")),
    ("inf-bound",                        Fails(10, 9, "`bound` must be a positive finite number")),
    ("inf-domain",                       Fails(6, 17, "domain bounds must be finite numbers")),
    ("inf-lr",                           Fails(14, 6, "`lr` is inf; expected a positive finite number")),
    ("inf-run-start",                    Fails(15, 15, "`start.x` must be a finite number")),
    ("invalid-utf8",                     Fails(2, 13, "the file is not valid UTF-8 text")),
    ("lr-integer",                       Loads),
    ("lr-missing",                       Fails(12, 1, "missing field `lr`")),
    ("lr-negative",                      Fails(14, 6, "`lr` is -0.1; expected a positive finite")),
    ("lr-negative-zero",                 Fails(14, 6, "`lr` is -0; expected a positive finite number")),
    ("lr-subnormal",                     Loads),
    ("lr-zero",                          Fails(14, 6, "`lr` is 0; expected a positive finite number")),
    ("momentum-one",                     Fails(15, 12, "`momentum` is 1; expected a number in [0, 1)")),
    ("name-24-columns",                  Loads),
    ("name-bidi-override",               Loads),
    ("name-emoji-wide",                  Loads),
    ("name-empty",                       Fails(13, 8, "a run's `name` must not be empty")),
    ("name-escape-sequence",             Loads),
    ("name-multiline",                   Loads),
    ("name-only-controls",               Fails(13, 8, "a run's `name` must not be empty")),
    ("name-too-long",                    Fails(13, 8, "run name `abcdefghijklmnopqrstuvwxy` is 25")),
    ("name-too-wide",                    Fails(13, 8, "run name `火箭火箭火箭火箭火箭火箭火` is 26 columns wide; at")),
    ("nan-beta",                         Fails(16, 10, "a beta of NaN is outside [0, 1)")),
    ("nan-domain",                       Fails(6, 17, "domain bounds must be finite numbers")),
    ("nan-gamma",                        Fails(16, 9, "`gamma` is NaN; expected a positive finite")),
    ("nan-lr",                           Fails(14, 6, "`lr` is NaN; expected a positive finite number")),
    ("nan-minimum",                      Fails(7, 17, "`minimum.x` must be a finite number")),
    ("nan-momentum",                     Fails(15, 12, "`momentum` is NaN; expected a number in [0, 1)")),
    ("nan-start",                        Fails(10, 9, "`start.x` must be a finite number")),
    ("nan-tolerance",                    Fails(10, 13, "`tolerance` must be a positive finite number")),
    ("ok-byte-order-mark",               Loads),
    ("ok-crlf",                          Loads),
    ("ok-diverging",                     Loads),
    ("ok-minimal",                       Loads),
    ("ok-random-start",                  Loads),
    ("only-comments",                    Fails(1, 1, "missing field `title`")),
    ("param-not-for-schedule",           Fails(15, 9, "`gamma` does not apply to schedule `constant`")),
    ("run-start-outside-domain",         Fails(15, 9, "start x = -2.5 is outside the domain [-2, 2]")),
    ("runs-duplicate-after-cleaning",    Fails(17, 8, "two runs are named `a`; names must differ")),
    ("runs-duplicate-names",             Fails(17, 8, "two runs are named `a`; names must differ")),
    ("runs-eight",                       Loads),
    ("runs-nine",                        Fails(44, 1, "9 runs are too many to tell apart; at most 8")),
    ("runs-none",                        Fails(1, 1, "the scenario has no runs: add at least one")),
    ("seed-negative",                    Fails(10, 8, "`seed` must not be negative")),
    ("start-bad-string",                 Fails(10, 9, "`start` must be \"random\" or a table such as { x")),
    ("start-missing-variable",           Fails(10, 9, "`start` is missing variable `x`")),
    ("start-on-domain-edge",             Loads),
    ("start-outside-domain",             Fails(10, 9, "start x = 3 is outside the domain [-2, 2]")),
    ("start-range-nan",                    Fails(11, 21, "`start_range.x` needs two finite numbers")),
    ("start-range-outside-domain",         Fails(11, 21, "`start_range.x` = [-3, 0] is not inside the domain")),
    ("start-range-with-fixed-start",       Fails(11, 15, "`start_range` is where random starts are drawn")),
    ("start-unknown-variable",           Fails(10, 9, "`start` names `y`, which is not a variable; the")),
    ("starts-float",                       Fails(11, 10, "invalid type: floating point `NaN`")),
    ("starts-max",                         Loads),
    ("starts-too-many",                    Fails(11, 10, "`starts` is 1001; expected a whole number from 1")),
    ("starts-with-fixed-start",            Fails(11, 10, "`starts` draws every start at random, but `start`")),
    ("starts-zero",                        Fails(11, 10, "`starts` is 0; expected a whole number from 1")),
    ("step-size-zero",                   Fails(16, 13, "`step_size` is 0; expected a whole number from")),
    ("sweep-too-many-points",            Fails(18, 62, "the sweep has 100000000 points (10000 × 10000)")),
    ("sweep-unknown-run",                Fails(17, 7, "`sweep.run` names `b`, which is not a run (did")),
    ("sweep-zero-steps",                 Fails(17, 57, "`x_axis.steps` is 0; expected a whole number")),
    ("syntax-bare-word-value",           Fails(14, 6, "invalid boolean, expected `false`")),
    ("syntax-double-equals",             Fails(9, 10, "extra `=`, expected nothing")),
    ("syntax-duplicate-key",             Fails(15, 1, "duplicate key")),
    ("syntax-duplicate-table",           Fails(16, 2, "duplicate key")),
    ("syntax-lone-carriage-return",      Fails(9, 13, "carriage return must be followed by newline")),
    ("syntax-nul-byte",                  Fails(9, 11, "control character U+0000 is not allowed")),
    ("syntax-unclosed-inline-table",     Fails(8, 1, "missing key for inline table element, expected")),
    ("syntax-unclosed-table-header",     Fails(4, 11, "unclosed table, expected `]`")),
    ("syntax-unterminated-string",       Fails(2, 17, "invalid basic string, expected `\"`")),
    ("tolerance-zero",                   Fails(10, 13, "`tolerance` must be a positive finite number")),
    ("type-domain-array",                Fails(6, 10, "invalid type: sequence, expected a map")),
    ("type-epochs-float",                Fails(9, 10, "invalid type: floating point `2.5`, expected")),
    ("type-epochs-string",               Fails(9, 10, "invalid type: string \"ten\", expected i64")),
    ("type-f-number",                    Fails(5, 5, "invalid type: integer `2`, expected a string")),
    ("type-lr-bool",                     Fails(14, 6, "invalid type: boolean `true`, expected f64")),
    ("type-run-not-array",               Fails(12, 1, "invalid type: map, expected a sequence")),
    ("type-start-number",                Fails(10, 9, "`start` must be \"random\" or a table such as { x")),
    ("type-start-string-value",          Fails(10, 9, "`start.x` must be a number")),
    ("type-title-table",                 Fails(2, 9, "invalid type: map, expected a string")),
    ("unknown-descent-key",              Fails(10, 1, "unknown field `epoch`, expected one of")),
    ("unknown-objective-key",            Fails(6, 1, "unknown field `g`, expected one of `f`")),
    ("unknown-run-key",                  Fails(15, 1, "unknown field `learning_rate`, expected one of `name`")),
    ("unknown-schedule",                 Fails(15, 12, "unknown schedule `warp-drive`; expected one of")),
    ("unknown-schedule-typo",            Fails(15, 12, "unknown schedule `cosin` (did you mean")),
    ("unknown-table",                    Fails(16, 2, "unknown field `plot`, expected one of `title`")),
    ("unknown-top-key",                  Fails(3, 1, "unknown field `colour`, expected one of")),
    ("warmup-beyond-epochs",             Fails(16, 10, "`warmup` is 11; expected a whole number from 1")),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// A corpus file as `check` is given it (the binary runs in the crate's directory).
fn relative(name: &str) -> String {
    format!("tests/hostile/{name}.toml")
}

#[test]
fn the_table_lists_every_corpus_file() {
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for f in &files {
        assert!(f.ends_with(".toml"), "{f}: corpus files are *.toml");
    }
    let mut listed: Vec<String> = CORPUS.iter().map(|(n, _)| format!("{n}.toml")).collect();
    listed.sort();
    assert_eq!(files, listed, "tests/hostile/ and CORPUS disagree");
    // Both outcomes are well represented.
    let loads = CORPUS.iter().filter(|(_, e)| matches!(e, Loads)).count();
    assert!(
        loads >= 10 && CORPUS.len() - loads >= 80,
        "{loads} of {}",
        CORPUS.len()
    );
}

#[test]
fn the_loader_gives_each_corpus_file_its_outcome() {
    let mut wrong = Vec::new();
    for &(name, expect) in CORPUS {
        let path = corpus_dir().join(format!("{name}.toml"));
        match (scenario::load_file(&path), expect) {
            (Ok(sc), Loads) => {
                // What loads is clean to display and runs.
                for r in &sc.runs {
                    assert!(
                        !r.name.chars().any(char::is_control),
                        "{name}: {:?}",
                        r.name
                    );
                    assert!(display_width(&r.name) <= MAX_NAME, "{name}: {:?}", r.name);
                }
                let mut race = sc.race(0);
                for _ in 0..sc.epochs.min(20) {
                    race.step();
                }
            }
            (Ok(_), Fails(..)) => wrong.push(format!("{name}: loaded, expected an error")),
            (Err(e), Loads) => wrong.push(format!("{name}: expected to load: {e}")),
            (Err(e), Fails(line, col, text)) => {
                let shown = e.to_string();
                let prefix = format!("{}:{line}:{col}: ", path.display());
                if e.position != Some((line, col))
                    || !e.message.contains(text)
                    || !shown.starts_with(&prefix)
                {
                    wrong.push(format!(
                        "{name}: expected {line}:{col} `{text}`, got {shown}"
                    ));
                }
                assert!(
                    !shown.contains('\n'),
                    "{name}: a message on several lines: {shown}"
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// What the binary did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `downhill ARGS` in the crate's directory; fails the test if it runs longer
/// than `secs` (a hang), dies of a signal (a stack overflow aborts) or panics.
fn downhill(args: &[&str], secs: u64) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_downhill"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("downhill {args:?} hung (more than {secs} s)");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let ran = Ran {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    for text in [&ran.stdout, &ran.stderr] {
        assert!(
            !text.contains("panicked") && !text.contains("RUST_BACKTRACE"),
            "downhill {args:?} panicked:\n{text}"
        );
    }
    assert!(
        ran.code.is_some(),
        "downhill {args:?} died of a signal:\n{}",
        ran.stderr
    );
    ran
}

#[test]
fn check_reports_each_corpus_file() {
    for &(name, expect) in CORPUS {
        let path = relative(name);
        let r = downhill(&["check", &path], 30);
        match expect {
            Loads => {
                assert_eq!(r.code, Some(0), "{name}: {}", r.stderr);
                assert!(
                    r.stdout.starts_with(&format!("ok  {path}  ")),
                    "{name}: {}",
                    r.stdout
                );
                assert_eq!(r.stdout.lines().count(), 1, "{name}: {}", r.stdout);
                assert!(r.stderr.is_empty(), "{name}: {}", r.stderr);
            }
            Fails(line, col, text) => {
                assert_eq!(r.code, Some(1), "{name}: {}{}", r.stdout, r.stderr);
                assert!(r.stdout.is_empty(), "{name}: {}", r.stdout);
                let lines: Vec<&str> = r.stderr.lines().collect();
                assert_eq!(lines.len(), 2, "{name}: {}", r.stderr);
                let prefix = format!("{path}:{line}:{col}: ");
                assert!(
                    lines[0].starts_with(&prefix) && lines[0].contains(text),
                    "{name}: expected {prefix}…{text}…, got {}",
                    lines[0]
                );
                assert_eq!(lines[1], "1 of 1 scenario files have errors");
            }
        }
    }
}

#[test]
fn check_reports_the_corpus_directory_one_line_per_file() {
    let r = downhill(&["check", "tests/hostile"], 60);
    assert_eq!(r.code, Some(1));
    let bad: Vec<_> = CORPUS
        .iter()
        .filter(|(_, e)| matches!(e, Fails(..)))
        .collect();
    let good = CORPUS.len() - bad.len();
    let ok_lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(ok_lines.len(), good, "{}", r.stdout);
    assert!(ok_lines.iter().all(|l| l.starts_with("ok  tests/hostile/")));
    let err_lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(err_lines.len(), bad.len() + 1, "{}", r.stderr);
    for (name, e) in &bad {
        let Fails(line, col, _) = e else {
            unreachable!()
        };
        let prefix = format!("{}:{line}:{col}: ", relative(name));
        let n = err_lines.iter().filter(|l| l.starts_with(&prefix)).count();
        assert_eq!(n, 1, "{prefix} in\n{}", r.stderr);
    }
    assert_eq!(
        *err_lines.last().unwrap(),
        format!(
            "{} of {} scenario files have errors",
            bad.len(),
            CORPUS.len()
        )
    );
}

// ---------------------------------------------------------------------------------------
// Inputs too big to commit, made in a temporary directory.

/// A good scenario over `x` with this `f`; `f` is on line 4, its text from column 6.
fn with_f(f: &str) -> String {
    format!(
        "title = \"generated\"\n\n[objective]\nf = \"{f}\"\ndomain = {{ x = [-2.0, 2.0] }}\n\n[descent]\nepochs = 10\nstart = {{ x = 1.0 }}\n\n[[run]]\nname = \"a\"\nlr = 0.1\n"
    )
}

#[test]
fn a_100_mb_file_is_refused_by_its_size() {
    let dir = TempDir::new("big");
    let path = dir.0.join("huge.toml");
    let size: u64 = 100 * 1024 * 1024;
    {
        let mut f = std::fs::File::create(&path).unwrap();
        let line = b"# a comment line that goes on and on, padding a file far past the limit\n";
        let block: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
        for _ in 0..size >> 20 {
            f.write_all(&block).unwrap();
        }
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
    let t = Instant::now();
    let e = scenario::load_file(&path).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(e.message.contains(&size.to_string()), "{e}");
    assert!(e.message.contains(&MAX_FILE_BYTES.to_string()), "{e}");
    assert!(e.message.contains("too large"), "{e}");
    let shown = path.display().to_string();
    let r = downhill(&["check", &shown], 30);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.starts_with(&format!(
            "{shown}: file too large: {size} bytes; a scenario is at most {MAX_FILE_BYTES} bytes"
        )),
        "{}",
        r.stderr
    );
    let r = downhill(&["run", &shown], 30);
    assert_eq!(r.code, Some(1));
    assert!(r.stdout.is_empty());
}

#[test]
fn the_size_limit_is_exact() {
    let dir = TempDir::new("limit");
    // A good scenario padded with a comment to exactly the limit loads …
    let base = with_f("x^2");
    let pad = MAX_FILE_BYTES as usize - base.len() - 2;
    let text = format!("{base}#{}\n", "p".repeat(pad));
    assert_eq!(text.len() as u64, MAX_FILE_BYTES);
    let ok = dir.file("at-limit.toml", &text);
    assert!(scenario::load_file(&ok).is_ok());
    // … one byte more does not.
    let over = dir.file("over-limit.toml", &format!("{text} "));
    let e = scenario::load_file(&over).unwrap_err();
    assert!(e.message.contains(&(MAX_FILE_BYTES + 1).to_string()), "{e}");
}

#[test]
fn pipes_and_devices_are_refused_without_blocking() {
    // A device that never ends.
    let zero = Path::new("/dev/zero");
    if zero.exists() {
        let e = scenario::load_file(zero).unwrap_err();
        assert!(e.message.contains("not a regular file"), "{e}");
    }
    // A FIFO nobody writes to: opening it would block forever.
    let dir = TempDir::new("fifo");
    let fifo = dir.0.join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here: FIFO case skipped");
        return;
    }
    let e = scenario::load_file(&fifo).unwrap_err();
    assert!(e.message.contains("not a regular file"), "{e}");
    let shown = dir.0.display().to_string();
    let r = downhill(&["check", &shown], 30);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .starts_with(&format!("{shown}/pipe.toml: is not a regular file")),
        "{}",
        r.stderr
    );
}

#[test]
fn a_directory_of_10_000_files() {
    let dir = TempDir::new("many");
    let good = with_f("x^2");
    let bad = good.replace("lr = 0.1", "lr = 0");
    for i in 0..10_000 {
        let text = if i % 1000 == 999 { &bad } else { &good };
        std::fs::write(dir.0.join(format!("s{i:05}.toml")), text).unwrap();
    }
    // Neither of these is a scenario file.
    std::fs::write(dir.0.join("notes.txt"), "not toml").unwrap();
    std::fs::create_dir(dir.0.join("folder.toml")).unwrap();

    let found = scenario::expand_paths(std::slice::from_ref(&dir.0));
    assert_eq!(found.len(), 10_000);
    let names: Vec<String> = found
        .iter()
        .map(|p| {
            p.as_ref()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted by name");

    let shown = dir.0.display().to_string();
    let r = downhill(&["check", &shown], 300);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stdout.lines().count(), 9_990);
    let errors: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(errors.len(), 11, "{}", r.stderr);
    assert!(
        errors[0].starts_with(&format!("{shown}/s00999.toml:13:6: `lr` is 0")),
        "{}",
        errors[0]
    );
    assert_eq!(errors[10], "10 of 10000 scenario files have errors");
}

/// The expressions of the issue: each far beyond the 10 000-character limit
/// of an expression, the last one filling a file up to just under its limit.
fn deep_expressions() -> Vec<(&'static str, String)> {
    let n = 100_000;
    let sum_terms = (MAX_FILE_BYTES as usize - with_f("").len() - 1) / 2;
    vec![
        (
            "parentheses",
            format!("{}x{}", "(".repeat(n), ")".repeat(n)),
        ),
        ("signs", format!("{}x", "-".repeat(n))),
        ("powers", format!("{}x", "x^".repeat(n / 2))),
        ("long sum", format!("{}x", "x+".repeat(sum_terms))),
    ]
}

#[test]
fn deep_expressions_in_a_test_thread() {
    // Test threads have small stacks (2 MiB): nothing here may recurse deeply.
    for (what, f) in deep_expressions() {
        let text = with_f(&f);
        assert!(
            text.len() as u64 <= MAX_FILE_BYTES,
            "{what}: {} bytes",
            text.len()
        );
        let e = scenario::parse("deep.toml", &text).unwrap_err();
        assert_eq!(e.position, Some((4, 6 + 10_000)), "{what}: {e}");
        assert!(e.message.contains("expression is too long"), "{what}: {e}");
        let e = Expr::parse(&f, &["x"]).unwrap_err();
        assert_eq!(e.column, 10_001, "{what}: {e}");
    }
    // At the limits, each is either an error naming the limit or right.
    let e = Expr::parse(&format!("{}x{}", "(".repeat(101), ")".repeat(101)), &["x"]).unwrap_err();
    assert!(e.message.contains("nested too deeply"), "{e}");
    assert_eq!(e.column, 101);
    let e = Expr::parse(&format!("{}x", "-".repeat(101)), &["x"]).unwrap_err();
    assert!(e.message.contains("nested too deeply"), "{e}");
    let value = |src: &str, x: f64| {
        let mut ev = Expr::parse(src, &["x"])
            .unwrap_or_else(|e| panic!("{e}"))
            .evaluator();
        let mut g = [0.0];
        let v = ev.value_grad(&[x], &mut g);
        (v, g[0])
    };
    assert_eq!(
        value(&format!("{}x{}", "(".repeat(100), ")".repeat(100)), 0.5),
        (0.5, 1.0)
    );
    assert_eq!(value(&format!("{}x", "-".repeat(100)), 0.5), (0.5, 1.0));
    assert_eq!(value(&format!("{}x", "-".repeat(99)), 0.5), (-0.5, -1.0));
    assert_eq!(
        value(&format!("{}x{}", "sin(".repeat(100), ")".repeat(100)), 0.0),
        (0.0, 1.0)
    );
    // Chains within the length limit are not nesting: x^x^…^x at 1 is 1 with
    // slope 1; a sum of 5 000 x's is 5 000 x.
    assert_eq!(value(&format!("{}x", "x^".repeat(4_999)), 1.0), (1.0, 1.0));
    assert_eq!(
        value(&format!("{}x", "x+".repeat(4_999)), 0.25),
        (1250.0, 5000.0)
    );
    let (v, g) = value(&format!("{}x", "x*".repeat(4_999)), 1.0001);
    let want = 1.0001f64.powi(5000);
    assert!((v / want - 1.0).abs() < 1e-12, "{v} vs {want}");
    assert!(
        (g / (5000.0 * 1.0001f64.powi(4999)) - 1.0).abs() < 1e-12,
        "{g}"
    );
    // A tower that overflows is a number, not a crash.
    assert_eq!(
        value(&format!("{}x", "x^".repeat(4_999)), 1.5).0,
        f64::INFINITY
    );
}

#[test]
fn deep_inputs_through_the_binary() {
    let dir = TempDir::new("deep");
    let mut files: Vec<(String, (usize, usize), &str)> = Vec::new();
    for (i, (_, f)) in deep_expressions().iter().enumerate() {
        let p = dir.file(&format!("expr{i}.toml"), &with_f(f));
        files.push((
            p.display().to_string(),
            (4, 10_006),
            "expression is too long",
        ));
    }
    let nested = with_f("x^2").replace(
        "epochs = 10",
        &format!(
            "epochs = 10\nseed = {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    );
    let p = dir.file("array.toml", &nested);
    let e = scenario::load_file(&p).unwrap_err();
    assert!(e.message.contains("recurse"), "{e}");
    let (line, col) = e.position.expect("a place");
    assert_eq!(line, 9, "{e}");
    files.push((p.display().to_string(), (line, col), "recurse"));
    for (path, (line, col), text) in &files {
        let r = downhill(&["check", path], 30);
        assert_eq!(r.code, Some(1), "{path}");
        let first = r.stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with(&format!("{path}:{line}:{col}: ")) && first.contains(text),
            "{first}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Names.

#[test]
fn names_are_measured_in_terminal_columns() {
    assert_eq!(display_width("plain"), 5);
    assert_eq!(display_width("火箭"), 4);
    assert_eq!(display_width("🚀"), 2);
    assert_eq!(display_width("🚀 火箭"), 7);
    assert_eq!(display_width("한국어"), 6);
    assert_eq!(display_width("ＦＵＬＬ"), 8);
    assert_eq!(
        display_width("e\u{301}"),
        1,
        "a combining accent takes no column"
    );
    assert_eq!(
        display_width("a\u{200b}b"),
        2,
        "nor does a zero-width space"
    );
    assert_eq!(display_width("ß→λ"), 3);
}

fn load(name: &str) -> Scenario {
    scenario::load_file(&corpus_dir().join(format!("{name}.toml"))).unwrap()
}

#[test]
fn wide_names_load_and_hostile_ones_are_cleaned() {
    assert_eq!(load("name-emoji-wide").runs[0].name, "🚀 火箭");
    assert_eq!(load("name-24-columns").runs[0].name.chars().count(), 12);
    // The escape character is gone, so nothing is interpreted by a terminal.
    assert_eq!(load("name-escape-sequence").runs[0].name, "[31mred");
    assert_eq!(load("name-bidi-override").runs[0].name, "abcdef");
    assert_eq!(load("name-multiline").runs[0].name, "two lines");
    assert_eq!(
        downhill::text::clean_text("a\u{1b}]0;title\u{7}b\u{9b}2J"),
        "a]0;titleb2J"
    );
}

#[test]
fn the_run_table_lines_up_wide_names() {
    let dir = TempDir::new("table");
    let text = with_f("x^2").replace(
        "[[run]]\nname = \"a\"\nlr = 0.1\n",
        "[[run]]\nname = \"🚀 火箭\"\nlr = 0.1\n\n[[run]]\nname = \"plain\"\nlr = 0.2\n\n[[run]]\nname = \"ＦＵＬＬ ｗｉｄｔｈ\"\nlr = 0.3\n",
    );
    let p = dir.file("wide.toml", &text);
    let r = downhill(&["run", &p.display().to_string()], 30);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let rows: Vec<&str> = r.stdout.lines().skip(2).collect();
    assert_eq!(rows.len(), 4, "{}", r.stdout);
    // The schedule column starts at the same terminal column on every row.
    let starts: Vec<usize> = rows
        .iter()
        .map(|l| {
            let at = l.find("constant").or_else(|| l.find("schedule")).unwrap();
            display_width(&l[..at])
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] == w[1]),
        "{starts:?}\n{}",
        r.stdout
    );
}

#[test]
fn hostile_text_in_messages_is_escaped() {
    let text = format!("{}\"\\u001b[2J\\nboom\" = 1\n", with_f("x^2"));
    let e = scenario::parse("evil.toml", &text).unwrap_err();
    let shown = e.to_string();
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\n'),
        "{shown:?}"
    );
    assert!(shown.contains("\\u{1b}[2J\\nboom"), "{shown}");
    let text = with_f("x^2").replace(
        "lr = 0.1",
        "lr = 0.1\nschedule = \"\\u202e\\u001b]0;x\\u0007\"",
    );
    let shown = scenario::parse("evil.toml", &text).unwrap_err().to_string();
    assert!(
        !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{shown:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Numerical faults.

/// A scenario from `f` over `x` in `domain`, starting at `x0`, one run per
/// `(name, schedule, lr)`.
fn faults(
    f: &str,
    domain: (f64, f64),
    x0: f64,
    epochs: u64,
    bound: &str,
    runs: &[(&str, &str, f64)],
) -> Scenario {
    let mut text = format!(
        "title = \"faults\"\n[objective]\nf = \"{f}\"\ndomain = {{ x = [{:?}, {:?}] }}\n[descent]\nepochs = {epochs}\nstart = {{ x = {x0:?} }}\n{bound}\n",
        domain.0, domain.1
    );
    for (name, schedule, lr) in runs {
        text += &format!("[[run]]\nname = \"{name}\"\nschedule = \"{schedule}\"\nlr = {lr:?}\n");
    }
    scenario::parse("faults.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

/// The first update `k` of plain descent from `x0` that leaves finite
/// ground (or the bound); the last good point.
fn plain_divergence(
    f: impl Fn(f64) -> f64,
    g: impl Fn(f64) -> f64,
    x0: f64,
    lr: f64,
    bound: f64,
) -> (u64, f64) {
    let mut x = x0;
    for k in 1..10_000 {
        let xn = x - lr * g(x);
        if !f(xn).is_finite() || !g(xn).is_finite() || !xn.is_finite() || xn.abs() > bound {
            return (k, x);
        }
        x = xn;
    }
    panic!("no divergence")
}

#[test]
fn diverging_runs_stop_at_the_right_epoch_and_the_others_finish() {
    struct Case {
        what: &'static str,
        sc: Scenario,
        at: u64,
        last_good: f64,
    }
    let big = 1.7e308;
    let (at, last_good) = plain_divergence(|x| x * x, |x| 2.0 * x, 1.0, 1000.0, big);
    let ee = |x: f64| x.exp().exp() + (-x).exp().exp();
    let ee_g = |x: f64| x.exp() * x.exp().exp() - (-x).exp() * (-x).exp().exp();
    let (ee_at, ee_good) = plain_divergence(ee, ee_g, 2.0, 0.001, 1e12);
    let cases = [
        Case {
            what: "lr huge on a quadratic: the loss overflows",
            sc: faults(
                "x^2",
                (-2.0, 2.0),
                1.0,
                200,
                "bound = 1.7e308",
                &[("boom", "constant", 1000.0), ("calm", "constant", 0.1)],
            ),
            at,
            last_good,
        },
        Case {
            what: "exp(exp(x)) overshoots into overflow",
            sc: faults(
                "exp(exp(x)) + exp(exp(-x))",
                (-3.0, 3.0),
                2.0,
                100,
                "",
                &[("boom", "constant", 0.001), ("calm", "constant", 1e-5)],
            ),
            at: ee_at,
            last_good: ee_good,
        },
        Case {
            what: "1/x lands on 0",
            sc: faults(
                "1/x",
                (-2.0, 2.0),
                -1.0,
                50,
                "",
                &[("boom", "constant", 1.0), ("calm", "constant", 1e-3)],
            ),
            at: 1,
            last_good: -1.0,
        },
        Case {
            what: "sqrt(x) steps below 0: NaN",
            sc: faults(
                "sqrt(x)",
                (0.0, 4.0),
                1.0,
                50,
                "",
                &[("boom", "constant", 4.0), ("calm", "constant", 1e-3)],
            ),
            at: 1,
            last_good: 1.0,
        },
        Case {
            what: "gradient-scaled rate overflows to inf",
            sc: faults(
                "1e200*x^2",
                (-2.0, 2.0),
                1.0,
                50,
                "",
                &[
                    ("boom", "gradient-scaled", 1e200),
                    ("calm", "constant", 1e-201),
                ],
            ),
            at: 1,
            last_good: 1.0,
        },
    ];
    assert_eq!(cases[1].at, 1, "exp(exp) overflows on the first update");
    for c in cases {
        let race = downhill::report::run::finish(&c.sc);
        let [boom, calm] = race.runs() else { panic!() };
        assert_eq!(boom.status(), Status::Diverged { at: c.at }, "{}", c.what);
        assert_eq!(
            boom.epoch(),
            c.at - 1,
            "{}: keeps the last good epoch",
            c.what
        );
        assert_eq!(boom.params(), [c.last_good], "{}", c.what);
        assert!(
            boom.loss().is_finite() && boom.grad_norm().is_finite(),
            "{}",
            c.what
        );
        assert_eq!(calm.status(), Status::Finished, "{}", c.what);
        assert_eq!(calm.epoch(), c.sc.epochs, "{}", c.what);
        assert_eq!(boom.status().to_string(), format!("diverged @ {}", c.at));
        // JSON: valid, every non-finite number `null`.
        let json = downhill::report::run::summary_json(&c.sc, &race).to_string();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["runs"][0]["diverged_at"], c.at, "{}", c.what);
        assert_eq!(v["runs"][0]["status"], "diverged");
        assert_eq!(v["runs"][1]["status"], "finished");
        for bad in ["NaN", "nan", "inf", "Infinity"] {
            assert!(!json.contains(bad), "{}: {json}", c.what);
        }
        if !boom.lr().is_finite() {
            assert!(v["runs"][0]["lr"].is_null(), "{}: {json}", c.what);
        }
    }
}

/// A race with runs that blow up in different ways, for the binary.
const FAULTS: &str = "title = \"faults\"
[objective]
f = \"1e200*x^2\"
domain = { x = [-2.0, 2.0] }
[descent]
epochs = 30
start = { x = 1.0 }
[[run]]
name = \"scaled rate\"
schedule = \"gradient-scaled\"
lr = 1e200
[[run]]
name = \"lr huge\"
lr = 1.0
[[run]]
name = \"calm\"
lr = 1e-201
";

#[test]
fn the_binary_reports_diverged_runs_readably() {
    let dir = TempDir::new("faults");
    let p = dir.file("faults.toml", FAULTS);
    let path = p.display().to_string();

    let r = downhill(&["run", &path, "--format", "json"], 30);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
    for bad in ["NaN", "inf", "Infinity"] {
        assert!(!r.stdout.contains(bad), "{}", r.stdout);
    }
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs[0]["status"], "diverged");
    assert_eq!(runs[0]["diverged_at"], 1);
    assert!(
        runs[0]["lr"].is_null(),
        "an infinite rate is null: {}",
        runs[0]
    );
    assert_eq!(runs[0]["final"]["x"], 1.0);
    // lr 1 on 1e200·x²: the first step lands at -2e200, whose loss overflows.
    assert_eq!(runs[1]["status"], "diverged");
    assert_eq!(runs[1]["diverged_at"], 1);
    assert_eq!(runs[2]["status"], "finished");
    assert_eq!(runs[2]["epochs"], 30);

    let r = downhill(&["run", &path, "--format", "csv"], 30);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stdout.to_lowercase().contains("nan"), "{}", r.stdout);
    let rows = |name: &str| {
        r.stdout
            .lines()
            .filter(|l| l.starts_with(&format!("{name},")))
            .count()
    };
    assert_eq!(rows("scaled rate"), 1, "epoch 0 only: the run stopped");
    assert_eq!(rows("lr huge"), 1);
    assert_eq!(rows("calm"), 31);
    // Numbers near 1e200 take an exponent, not 200 digits.
    assert!(r.stdout.lines().all(|l| l.len() < 120), "{}", r.stdout);

    let r = downhill(&["run", &path], 30);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.matches("diverged @ 1").count(), 2, "{}", r.stdout);
    assert!(!r.stdout.contains("NaN"), "{}", r.stdout);
}

#[test]
fn many_starts_with_diverging_ones_stay_valid_json() {
    // sqrt(x) on [0, 4] from 40 random starts with lr 4: starts below
    // about 1.59 step past 0 (NaN), the others go on.
    let dir = TempDir::new("starts");
    let text = with_f("sqrt(x)")
        .replace("[-2.0, 2.0]", "[0.0, 4.0]")
        .replace(
            "start = { x = 1.0 }",
            "start = \"random\"\nstarts = 40\nseed = 3",
        )
        .replace("lr = 0.1", "lr = 4.0");
    let p = dir.file("starts.toml", &text);
    let r = downhill(&["run", &p.display().to_string(), "--format", "json"], 30);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("valid JSON");
    for bad in ["NaN", "inf", "Infinity"] {
        assert!(!r.stdout.contains(bad), "{}", r.stdout);
    }
    let starts = v["runs"][0]["starts"].as_array().expect("a starts array");
    assert_eq!(starts.len(), 40);
    assert!(
        starts.iter().any(|s| s["status"] == "diverged"),
        "{}",
        r.stdout
    );
    let r = downhill(&["run", &p.display().to_string()], 30);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stdout.contains("NaN"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------
// Charts stay readable.

fn readable(spec: &ChartSpec, what: &str) {
    let [lo, hi] = spec.y_bounds;
    assert!(
        lo.is_finite() && hi.is_finite() && lo < hi,
        "{what}: y bounds {lo}, {hi}"
    );
    let [a, b] = spec.x_bounds;
    assert!(
        a.is_finite() && b.is_finite() && a < b,
        "{what}: x bounds {a}, {b}"
    );
    let theme = Theme::new(ColorDepth::Ansi16, Charset::Unicode);
    for rows in [1, 2, 5, 30] {
        for t in spec.y_labels(rows, theme) {
            let l = t.label.to_lowercase();
            assert!(
                !l.contains("nan") && !l.contains("inf"),
                "{what}: label {l}"
            );
        }
    }
}

/// Every chart of a finished race of `sc`.
fn every_chart(sc: Scenario, what: &str) -> Snapshot {
    let mut slot = Slot::new(0, 0, Arc::new(sc));
    while slot.step() {}
    let snap = slot.snapshot();
    let vars = slot.scenario.vars.clone();
    for log in [false, true] {
        readable(&loss_chart::spec(&snap, log, None), what);
        readable(&loss_chart::spec(&snap, log, slot.scenario.min_value), what);
    }
    for which in [LowerChart::Lr, LowerChart::Position, LowerChart::Gradient] {
        readable(
            &lower_chart::spec(&snap, which, &vars),
            &format!("{what}, {which:?}"),
        );
    }
    snap
}

#[test]
fn charts_of_a_race_with_diverged_runs_are_readable() {
    let sc = scenario::parse("faults.toml", FAULTS).unwrap();
    let snap = every_chart(sc, "faults");
    assert!(matches!(snap.runs[0].status, Status::Diverged { at: 1 }));
    // Only good states are recorded: the diverged runs' curves are finite.
    for r in &snap.runs {
        assert!(r.loss_series.iter().all(|p| p.1.is_finite()), "{}", r.name);
    }
    // Every run diverging leaves the charts as readable.
    let sc = faults(
        "x^2",
        (-2.0, 2.0),
        1.0,
        100,
        "",
        &[("a", "constant", 1e6), ("b", "constant", 1e7)],
    );
    every_chart(sc, "all diverged");
    // A run diverged at its start (the loss is infinite there).
    let sc = faults(
        "exp(exp(x))",
        (-10.0, 10.0),
        8.0,
        10,
        "",
        &[("a", "constant", 0.1)],
    );
    let snap = every_chart(sc, "diverged at 0");
    assert!(matches!(snap.runs[0].status, Status::Diverged { at: 0 }));
}

#[test]
fn nice_ranges_of_hostile_numbers_are_readable() {
    let values = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        5e-324,
        f64::MIN_POSITIVE,
        1e-300,
        1e15,
        1e15 + 1.0,
        1e300,
        -1e300,
        1e307,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    for &a in &values {
        for &b in &values {
            let [lo, hi] = scale::nice_range(a, b);
            assert!(
                lo.is_finite() && hi.is_finite() && lo < hi,
                "nice_range({a:e}, {b:e}) = [{lo:e}, {hi:e}]"
            );
            for l in scale::labels([lo, hi]) {
                assert!(!l.contains("NaN") && !l.contains("inf"), "{l}");
            }
        }
    }
    let [lo, hi] = LogAxis::bounds(-16.0, 308.0);
    assert!(lo < hi && hi.is_finite());
}

/// `nice_range` near the top of f64 (|v| ≳ 1e308) must not round outward
/// past f64::MAX into inverted bounds (it clamps to ±1e300).
#[test]
fn nice_ranges_near_the_largest_float_are_readable() {
    for (a, b) in [
        (1e308, 1.7e308),
        (f64::MAX, f64::MAX),
        (-f64::MAX, -f64::MAX),
        (1.7e308, 1.7e308),
    ] {
        let [lo, hi] = scale::nice_range(a, b);
        assert!(
            lo.is_finite() && hi.is_finite() && lo < hi,
            "nice_range({a:e}, {b:e}) = [{lo:e}, {hi:e}]"
        );
    }
    // Reachable from a scenario: a loss near 1.7e308 that never diverges.
    let sc = faults(
        "1.7e308 - x^2",
        (-2.0, 2.0),
        0.5,
        10,
        "",
        &[("a", "constant", 1e-3)],
    );
    every_chart(sc, "loss near f64::MAX");
}

/// The log loss axis of losses from -1e308 to 1e308 (two healthy runs)
/// must stay finite although `hi − offset` overflows.
#[test]
fn log_axis_of_losses_spanning_the_floats_is_readable() {
    let text = "title = \"t\"\n[objective]\nf = \"1e308*x\"\ndomain = { x = [-2.0, 2.0] }\n[descent]\nepochs = 10\nstart = { x = 1.0 }\n[[run]]\nname = \"a\"\nlr = 1e-320\n[[run]]\nname = \"b\"\nlr = 1e-320\nstart = { x = -1.0 }\n";
    let sc = scenario::parse("spanning.toml", text).unwrap();
    every_chart(sc, "losses from -1e308 to 1e308");
}
