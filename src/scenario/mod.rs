//! Scenario files: TOML → raw serde structs (unknown keys refused, spans kept)
//! → a validated [`Scenario`], or a [`LoadError`] naming file, line and column.
//!
//! The format is documented in the README ("Scenario files").

pub mod bundled;
mod error;
mod raw;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use toml::Spanned;

pub use error::{LoadError, line_col, printable, suggest};
use raw::{RawAxis, RawDescent, RawObjective, RawRun, RawScenario, RawSweep, SpannedMap};

use crate::descent::expr::{Evaluator, Expr};
use crate::descent::race::Race;
use crate::descent::rng::Rng;
use crate::descent::run::{Limits, Run, RunSpec};
use crate::descent::schedule::{Momentum, Schedule};
use crate::sweep::{SweepAxis, SweepParam, SweepSpec};

/// Largest scenario file read, in bytes.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Most variables an objective may have.
pub const MAX_VARS: usize = 8;
/// Most runs a scenario may race (more could not be told apart on screen).
pub const MAX_RUNS: usize = 8;
/// Most epochs a scenario may ask for.
pub const MAX_EPOCHS: u64 = 1_000_000_000;
/// Widest run name, in terminal columns ([`display_width`]): a table column
/// is measured in columns, and East Asian wide characters and most emoji
/// take two.
pub const MAX_NAME: usize = 24;
/// Default divergence bound on any |parameter|.
pub const DEFAULT_BOUND: f64 = 1e12;
/// Default seed for `start = "random"`.
pub const DEFAULT_SEED: u64 = 0;
/// Most random starts a scenario may ask for (`starts`).
pub const MAX_STARTS: u32 = 1000;

/// Every schedule name, as written in scenario files.
pub const SCHEDULES: &[&str] = &crate::descent::schedule::NAMES;

/// Where runs start.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// A fixed point.
    Point(Vec<f64>),
    /// Uniform in the domain, drawn from the scenario's seed.
    Random,
}

/// One `[[run]]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    pub name: String,
    pub schedule: Schedule,
    pub lr: f64,
    pub momentum: Option<Momentum>,
    /// This run's own start, if it has one.
    pub start: Option<Vec<f64>>,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// File path or `bundled:NAME`.
    pub source: String,
    pub title: String,
    pub about: Option<String>,
    pub vars: Vec<String>,
    /// The expression as written.
    pub f: String,
    pub expr: Expr,
    /// `(from, to)` per variable.
    pub domain: Vec<(f64, f64)>,
    pub minimum: Option<Vec<f64>>,
    /// `f(minimum)`, when the minimum is known.
    pub min_value: Option<f64>,
    pub epochs: u64,
    pub start: Start,
    /// Where `start = "random"` draws, `(from, to)` per variable: the
    /// domain, or the narrower box `start_range` gives.
    pub start_range: Vec<(f64, f64)>,
    pub seed: u64,
    pub tolerance: Option<f64>,
    pub bound: f64,
    /// `starts = N`: every run races from N random starts (see
    /// [`Scenario::start_points`]); `None` for one start.
    pub starts: Option<u32>,
    pub runs: Vec<RunConfig>,
    /// The optional `[sweep]` table (see [`crate::sweep`]).
    pub sweep: Option<SweepSpec>,
}

impl Scenario {
    /// Number of variables.
    pub fn dim(&self) -> usize {
        self.vars.len()
    }

    /// The shared start of `generation` (0 for the first race, +1 per restart).
    /// Fixed starts ignore the generation; random ones are reproducible from
    /// the seed.
    pub fn start_point(&self, generation: u64) -> Vec<f64> {
        match &self.start {
            Start::Point(p) => p.clone(),
            Start::Random => self.draw(&mut self.rng(generation)),
        }
    }

    /// How many starts each run races from: `starts`, or 1.
    pub fn start_count(&self) -> usize {
        self.starts.map_or(1, |n| n as usize)
    }

    /// Every start of `generation`, [`Scenario::start_count`] of them.
    /// Start 0 is [`Scenario::start_point`], the one a single-start scenario
    /// uses; start k is the (k+1)-th point drawn from the generation's
    /// stream, so it depends only on the seed, the generation and k (asking
    /// for more starts keeps the first ones).
    pub fn start_points(&self, generation: u64) -> Vec<Vec<f64>> {
        let n = self.start_count();
        match &self.start {
            Start::Point(p) => vec![p.clone(); n],
            Start::Random => {
                let mut rng = self.rng(generation);
                (0..n).map(|_| self.draw(&mut rng)).collect()
            }
        }
    }

    /// The random stream of `generation`.
    fn rng(&self, generation: u64) -> Rng {
        Rng::new(
            self.seed
                .wrapping_add(generation.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )
    }

    /// One point uniform in the start range.
    fn draw(&self, rng: &mut Rng) -> Vec<f64> {
        self.start_range
            .iter()
            .map(|&(lo, hi)| rng.uniform(lo, hi))
            .collect()
    }

    /// The limits every run of this scenario shares.
    pub fn limits(&self) -> Limits {
        Limits {
            epochs: self.epochs,
            tolerance: self.tolerance,
            bound: self.bound,
        }
    }

    /// The run specs of `generation` (start 0 of a many-start scenario).
    pub fn run_specs(&self, generation: u64) -> Vec<RunSpec> {
        self.specs_from(&self.start_point(generation))
    }

    /// Every run's spec from the shared start `shared` (a run with its own
    /// start keeps it).
    fn specs_from(&self, shared: &[f64]) -> Vec<RunSpec> {
        self.runs
            .iter()
            .map(|r| RunSpec {
                name: r.name.clone(),
                schedule: r.schedule.clone(),
                lr: r.lr,
                momentum: r.momentum,
                start: r.start.clone().unwrap_or_else(|| shared.to_vec()),
            })
            .collect()
    }

    fn build(&self, specs: Vec<RunSpec>) -> Vec<Run<Evaluator>> {
        specs
            .into_iter()
            .map(|spec| Run::new(spec, self.expr.evaluator(), self.limits()))
            .collect()
    }

    /// A fresh race of every run, ready to step. For a many-start scenario,
    /// start 0 only (see [`Scenario::full_race`]).
    pub fn race(&self, generation: u64) -> Race<Evaluator> {
        Race::new(self.build(self.run_specs(generation)))
    }

    /// A fresh race of every run from the shared start `start`.
    pub fn race_from(&self, start: &[f64]) -> Race<Evaluator> {
        Race::new(self.build(self.specs_from(start)))
    }

    /// Every run from every start of `generation`, in one lockstep race laid
    /// out start-major: runs `k*R .. (k+1)*R` (R = `runs.len()`) are start k
    /// of every run, so the first R are exactly [`Scenario::race`]'s. Without
    /// `starts`, the same as [`Scenario::race`].
    pub fn full_race(&self, generation: u64) -> Race<Evaluator> {
        let runs = self
            .start_points(generation)
            .iter()
            .flat_map(|p| self.build(self.specs_from(p)))
            .collect();
        Race::new(runs)
    }
}

/// Parse and validate scenario text; `path` names it in errors.
pub fn parse(path: &str, src: &str) -> Result<Scenario, LoadError> {
    // TOML allows no control characters but tab and line ends anywhere; the
    // parser's own message for one (a NUL, say) is about something else.
    if let Some((at, c)) = src.char_indices().find(
        |&(_, c)| matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'),
    ) {
        return Err(LoadError::at(
            path,
            src,
            at,
            format!(
                "control character U+{:04X} is not allowed in a scenario file (write it as an escape such as \\u{:04X} inside a string)",
                c as u32, c as u32
            ),
        ));
    }
    let raw: RawScenario = toml::from_str(src).map_err(|e| {
        let msg = e.message().trim().to_string();
        let msg = out_of_range_integer(&msg).unwrap_or(msg);
        match e.span() {
            Some(span) => LoadError::at(path, src, span.start, msg),
            // The TOML parser gives no place for a key with too many dotted
            // parts; point at the line with the most dots.
            None if msg == "recursion limit" => match most_dotted_line(src) {
                Some(at) => LoadError::at(
                    path,
                    src,
                    at,
                    "key nested too deeply: a dotted key or table header has too many parts",
                ),
                None => LoadError::whole_file(path, msg),
            },
            None => LoadError::whole_file(path, msg),
        }
    })?;
    Validator { path, src }.scenario(raw)
}

/// serde's message for an integer that does not fit 64 bits names Rust
/// types ("integer `1e20` as i128, expected i64"); say it plainly.
fn out_of_range_integer(msg: &str) -> Option<String> {
    let rest = msg
        .strip_prefix("invalid type: integer `")
        .or_else(|| msg.strip_prefix("invalid value: integer `"))?;
    let (number, tail) = rest.split_once('`')?;
    tail.ends_with("expected i64").then(|| {
        format!(
            "integer `{number}` is out of range; expected a whole number from -2^63 to 2^63 - 1"
        )
    })
}

/// Byte offset of the first non-blank character of the line with the most
/// `.` characters, if any line has one.
fn most_dotted_line(src: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let dots = line.matches('.').count();
        if dots > best.map_or(0, |b| b.0) {
            let blank = line.len() - line.trim_start().len();
            best = Some((dots, offset + blank));
        }
        offset += line.len();
    }
    best.map(|b| b.1)
}

/// Read and validate one file. Refuses files over [`MAX_FILE_BYTES`] and
/// text that is not UTF-8 (naming where).
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let shown = path.display().to_string();
    let text = read_text(path).map_err(|m| LoadError::whole_file(&shown, m))?;
    let text = match String::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..good]).into_owned();
            return Err(LoadError::at(
                &shown,
                &prefix,
                good,
                "the file is not valid UTF-8 text",
            ));
        }
    };
    parse(&shown, &text)
}

fn read_text(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    // Opening a FIFO blocks until something writes to it, and a device may
    // never end: only regular files (and, for the message, directories) go on.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        return Err(
            "is not a regular file (a pipe, socket or device); expected a .toml file".into(),
        );
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_dir() {
        return Err("is a directory, expected a .toml file".into());
    }
    // Refuse by size before reading; a file that grows or a device whose
    // size is unknown is cut off one byte past the limit.
    let too_large = |size: String| {
        format!("file too large: {size} bytes; a scenario is at most {MAX_FILE_BYTES} bytes")
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len().to_string()));
    }
    let mut buf = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(format!("more than {MAX_FILE_BYTES}")));
    }
    Ok(buf)
}

/// The scenario files named by `paths`: files as given, directories as their
/// `*.toml` files sorted by name. Unreadable directories are reported as
/// errors in place.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<Result<PathBuf, LoadError>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut files: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.extension().is_some_and(|x| x == "toml") && !f.is_dir())
                        .collect();
                    files.sort();
                    out.extend(files.into_iter().map(Ok));
                }
                Err(e) => out.push(Err(LoadError::whole_file(
                    &p.display().to_string(),
                    format!("cannot read directory: {e}"),
                ))),
            }
        } else {
            out.push(Ok(p.clone()));
        }
    }
    out
}

/// Strip control characters (terminal escapes included) and bidirectional
/// overrides from text meant for display; tabs and line breaks become spaces.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\u{2028}' | '\u{2029}' => ' ',
            c => c,
        })
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect::<String>()
        .trim()
        .to_string()
}

/// Marks and overrides that reorder the text around them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The number of terminal columns `s` takes: 2 for East Asian wide and
/// fullwidth characters and emoji, 0 for combining marks and zero-width
/// characters, 1 for the rest. A close approximation of Unicode's East Asian
/// Width (UAX #11) that never undercounts the common wide scripts.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    const ZERO: &[(u32, u32)] = &[
        (0x0300, 0x036F), // combining diacritical marks
        (0x0483, 0x0489),
        (0x0591, 0x05BD),
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x1AB0, 0x1AFF),
        (0x1DC0, 0x1DFF),
        (0x200B, 0x200F), // zero-width space and joiners, direction marks
        (0x202A, 0x202E),
        (0x2060, 0x206F),
        (0x20D0, 0x20FF), // combining marks for symbols
        (0xFE00, 0xFE0F), // variation selectors
        (0xFE20, 0xFE2F),
        (0xFEFF, 0xFEFF),
        (0xE0000, 0xE0FFF), // tags, variation selectors supplement
    ];
    const WIDE: &[(u32, u32)] = &[
        (0x1100, 0x115F), // Hangul Jamo initials
        (0x231A, 0x231B), // emoji presented wide in the BMP, from here …
        (0x2329, 0x232A),
        (0x23E9, 0x23EC),
        (0x23F0, 0x23F0),
        (0x23F3, 0x23F3),
        (0x25FD, 0x25FE),
        (0x2614, 0x2615),
        (0x2648, 0x2653),
        (0x267F, 0x267F),
        (0x2693, 0x2693),
        (0x26A1, 0x26A1),
        (0x26AA, 0x26AB),
        (0x26BD, 0x26BE),
        (0x26C4, 0x26C5),
        (0x26CE, 0x26CE),
        (0x26D4, 0x26D4),
        (0x26EA, 0x26EA),
        (0x26F2, 0x26F3),
        (0x26F5, 0x26F5),
        (0x26FA, 0x26FA),
        (0x26FD, 0x26FD),
        (0x2705, 0x2705),
        (0x270A, 0x270B),
        (0x2728, 0x2728),
        (0x274C, 0x274C),
        (0x274E, 0x274E),
        (0x2753, 0x2755),
        (0x2757, 0x2757),
        (0x2795, 0x2797),
        (0x27B0, 0x27B0),
        (0x27BF, 0x27BF),
        (0x2B1B, 0x2B1C),
        (0x2B50, 0x2B50),
        (0x2B55, 0x2B55), // … to here
        (0x2E80, 0x303E), // CJK radicals, symbols and punctuation
        (0x3041, 0x33FF), // kana, bopomofo, CJK compatibility
        (0x3400, 0x4DBF), // CJK extension A
        (0x4E00, 0x9FFF), // CJK unified ideographs
        (0xA000, 0xA4CF), // Yi
        (0xA960, 0xA97F),
        (0xAC00, 0xD7A3), // Hangul syllables
        (0xF900, 0xFAFF), // CJK compatibility ideographs
        (0xFE10, 0xFE19),
        (0xFE30, 0xFE6F),
        (0xFF00, 0xFF60), // fullwidth forms
        (0xFFE0, 0xFFE6),
        (0x16FE0, 0x18CFF), // Tangut
        (0x1B000, 0x1B2FF), // kana supplements
        (0x1F004, 0x1F004),
        (0x1F0CF, 0x1F0CF),
        (0x1F18E, 0x1F18E),
        (0x1F191, 0x1F19A),
        (0x1F200, 0x1F2FF),
        (0x1F300, 0x1F64F), // pictographs, emoticons
        (0x1F680, 0x1F6FF), // transport and map symbols
        (0x1F7E0, 0x1F7EB),
        (0x1F90C, 0x1F9FF),
        (0x1FA70, 0x1FAFF),
        (0x20000, 0x3FFFD), // CJK extensions B and beyond
    ];
    let u = c as u32;
    let within = |table: &[(u32, u32)]| table.iter().any(|&(a, b)| (a..=b).contains(&u));
    if within(ZERO) {
        0
    } else if within(WIDE) {
        2
    } else {
        1
    }
}

struct Validator<'a> {
    path: &'a str,
    src: &'a str,
}

type Res<T> = Result<T, LoadError>;

/// Variable names and their `(from, to)` ranges.
type VarsAndDomain = (Vec<String>, Vec<(f64, f64)>);

/// The validated `[descent]` table.
struct Descent {
    epochs: u64,
    start: Start,
    start_range: Vec<(f64, f64)>,
    seed: u64,
    tolerance: Option<f64>,
    bound: f64,
    starts: Option<u32>,
}

impl Validator<'_> {
    fn err<T>(&self, at: usize, msg: impl Into<String>) -> Res<T> {
        Err(LoadError::at(self.path, self.src, at, msg))
    }

    fn scenario(&self, raw: RawScenario) -> Res<Scenario> {
        let title = clean_text(raw.title.get_ref());
        if title.is_empty() {
            return self.err(raw.title.span().start, "`title` is empty");
        }
        let about = raw
            .about
            .as_ref()
            .map(|a| clean_text(a.get_ref()))
            .filter(|a| !a.is_empty());
        let obj = raw.objective.into_inner();
        let (vars, domain) = self.domain(&obj)?;
        let names: Vec<&str> = vars.iter().map(String::as_str).collect();
        let expr = self.expression(&obj, &names)?;
        let minimum = match &obj.minimum {
            Some(m) => Some(self.point(m, &names, "minimum")?),
            None => None,
        };
        let d = raw.descent.into_inner();
        let Descent {
            epochs,
            start,
            start_range,
            seed,
            tolerance,
            bound,
            starts,
        } = self.descent(&d, &names, &domain)?;
        let runs = self.runs(raw.runs, &names, &domain, epochs, starts)?;
        let sweep = match &raw.sweep {
            Some(s) => Some(self.sweep(s.get_ref(), &names, &runs)?),
            None => None,
        };
        Ok(Scenario {
            source: self.path.to_string(),
            title,
            about,
            vars,
            f: obj.f.get_ref().clone(),
            domain,
            min_value: minimum
                .as_ref()
                .map(|m| crate::descent::Function::value(&mut expr.evaluator(), m)),
            minimum,
            epochs,
            start,
            start_range,
            seed,
            tolerance,
            bound,
            starts,
            runs,
            sweep,
            expr,
        })
    }

    fn domain(&self, obj: &RawObjective) -> Res<VarsAndDomain> {
        let map = obj.domain.get_ref();
        let at_domain = obj.domain.span().start;
        if map.is_empty() {
            return self.err(
                at_domain,
                "`domain` is empty: give each variable a range, e.g. domain = { x = [-2.0, 2.0] }",
            );
        }
        if map.len() > MAX_VARS {
            return self.err(
                at_domain,
                format!(
                    "`domain` has {} variables; at most {MAX_VARS} are supported",
                    map.len()
                ),
            );
        }
        let mut vars = Vec::new();
        let mut ranges = Vec::new();
        for (name, range) in map {
            let at = range.span().start;
            if !is_identifier(name) {
                return self.err(
                    at,
                    format!(
                        "variable name `{name}` is not a plain identifier (letters, digits, _)"
                    ),
                );
            }
            // A variable may not take a function's name.
            if crate::descent::expr::is_function_name(name) {
                return self.err(
                    at,
                    format!("variable name `{name}` is a function name; choose another"),
                );
            }
            let r = range.get_ref();
            if r.len() != 2 {
                return self.err(
                    at,
                    format!(
                        "the range of `{name}` needs two numbers, [from, to]; it has {}",
                        r.len()
                    ),
                );
            }
            for v in r {
                if !v.get_ref().is_finite() {
                    return self.err(v.span().start, "domain bounds must be finite numbers");
                }
            }
            let (lo, hi) = (*r[0].get_ref(), *r[1].get_ref());
            if lo >= hi {
                return self.err(
                    at,
                    format!("the range of `{name}` is empty: from ({lo}) must be below to ({hi})"),
                );
            }
            if !(hi - lo).is_finite() {
                // Random starts and the landscape's samples would be infinite.
                return self.err(
                    at,
                    format!("the range of `{name}` is too wide: its width, to − from, must be a finite number"),
                );
            }
            vars.push(name.clone());
            ranges.push((lo, hi));
        }
        Ok((vars, ranges))
    }

    fn expression(&self, obj: &RawObjective, names: &[&str]) -> Res<Expr> {
        let f = &obj.f;
        Expr::parse(f.get_ref(), names).map_err(|e| {
            // Point into the file when the string is written without escapes,
            // so the column is exact; otherwise at the string.
            let span = f.span();
            let raw = &self.src[span.clone()];
            let quote = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
                None
            } else if raw.starts_with('"') && !raw.contains('\\') || raw.starts_with('\'') {
                Some(1)
            } else {
                None
            };
            match quote {
                Some(q) => {
                    let inner = &raw[q..];
                    let offset: usize = inner
                        .chars()
                        .take(e.column.saturating_sub(1))
                        .map(char::len_utf8)
                        .sum();
                    LoadError::at(
                        self.path,
                        self.src,
                        span.start + q + offset,
                        format!("in `f`: {}", e.message),
                    )
                }
                None => LoadError::at(
                    self.path,
                    self.src,
                    span.start,
                    format!("in `f`, column {}: {}", e.column, e.message),
                ),
            }
        })
    }

    /// A `{ var = value, … }` table naming every variable exactly once.
    fn point(&self, map: &SpannedMap<f64>, names: &[&str], what: &str) -> Res<Vec<f64>> {
        let table = map.get_ref();
        for (k, v) in table {
            if !names.contains(&k.as_str()) {
                return self.err(
                    v.span().start,
                    format!(
                        "`{what}` names `{k}`, which is not a variable; the variables are: {}",
                        names.join(", ")
                    ),
                );
            }
            if !v.get_ref().is_finite() {
                return self.err(
                    v.span().start,
                    format!("`{what}.{k}` must be a finite number"),
                );
            }
        }
        names
            .iter()
            .map(|n| match table.get(*n) {
                Some(v) => Ok(*v.get_ref()),
                None => self.err(
                    map.span().start,
                    format!("`{what}` is missing variable `{n}`"),
                ),
            })
            .collect()
    }

    fn inside(
        &self,
        p: &[f64],
        names: &[&str],
        domain: &[(f64, f64)],
        at: usize,
        what: &str,
    ) -> Res<()> {
        for ((v, (lo, hi)), n) in p.iter().zip(domain).zip(names) {
            if v < lo || v > hi {
                return self.err(
                    at,
                    format!("{what} {n} = {v} is outside the domain [{lo}, {hi}]"),
                );
            }
        }
        Ok(())
    }

    fn descent(&self, d: &RawDescent, names: &[&str], domain: &[(f64, f64)]) -> Res<Descent> {
        let epochs = *d.epochs.get_ref();
        if epochs < 1 || epochs as u64 > MAX_EPOCHS {
            return self.err(
                d.epochs.span().start,
                format!("`epochs` is {epochs}; expected a whole number from 1 to {MAX_EPOCHS}"),
            );
        }
        let start = match &d.start {
            None => Start::Random,
            Some(s) => match s.get_ref() {
                toml::Value::String(r) if r == "random" => Start::Random,
                toml::Value::Table(t) => {
                    let mut map = IndexMap::new();
                    for (k, v) in t {
                        let num = match v {
                            toml::Value::Float(f) => *f,
                            toml::Value::Integer(i) => *i as f64,
                            _ => {
                                return self
                                    .err(s.span().start, format!("`start.{k}` must be a number"));
                            }
                        };
                        map.insert(k.clone(), Spanned::new(s.span(), num));
                    }
                    let p = self.point(&Spanned::new(s.span(), map), names, "start")?;
                    self.inside(&p, names, domain, s.span().start, "start")?;
                    Start::Point(p)
                }
                _ => {
                    return self.err(
                        s.span().start,
                        "`start` must be \"random\" or a table such as { x = 1.0 }",
                    );
                }
            },
        };
        let seed = match &d.seed {
            Some(s) if *s.get_ref() < 0 => {
                return self.err(s.span().start, "`seed` must not be negative");
            }
            Some(s) => *s.get_ref() as u64,
            None => DEFAULT_SEED,
        };
        let tolerance = match &d.tolerance {
            Some(t) if !(t.get_ref().is_finite() && *t.get_ref() > 0.0) => {
                return self.err(
                    t.span().start,
                    "`tolerance` must be a positive finite number",
                );
            }
            Some(t) => Some(*t.get_ref()),
            None => None,
        };
        let bound = match &d.bound {
            Some(b) if !(b.get_ref().is_finite() && *b.get_ref() > 0.0) => {
                return self.err(b.span().start, "`bound` must be a positive finite number");
            }
            Some(b) => *b.get_ref(),
            None => DEFAULT_BOUND,
        };
        let starts = match &d.starts {
            None => None,
            Some(n) => {
                let v = *n.get_ref();
                let at = n.span().start;
                if !(1..=i64::from(MAX_STARTS)).contains(&v) {
                    return self.err(
                        at,
                        format!("`starts` is {v}; expected a whole number from 1 to {MAX_STARTS}"),
                    );
                }
                if matches!(start, Start::Point(_)) {
                    return self.err(
                        at,
                        "`starts` draws every start at random, but `start` is a fixed point: remove `start` or write start = \"random\"",
                    );
                }
                Some(v as u32)
            }
        };
        let start_range = match &d.start_range {
            None => domain.to_vec(),
            Some(r) => self.start_range(r, &start, names, domain)?,
        };
        Ok(Descent {
            epochs: epochs as u64,
            start,
            start_range,
            seed,
            tolerance,
            bound,
            starts,
        })
    }

    /// `start_range = { y = [-0.01, 0.01] }`: a box inside the domain for
    /// random starts; variables it does not name keep the domain's range.
    fn start_range(
        &self,
        r: &SpannedMap<Vec<Spanned<f64>>>,
        start: &Start,
        names: &[&str],
        domain: &[(f64, f64)],
    ) -> Res<Vec<(f64, f64)>> {
        if matches!(start, Start::Point(_)) {
            return self.err(
                r.span().start,
                "`start_range` is where random starts are drawn, but `start` is a fixed point: remove one of them",
            );
        }
        let mut out = domain.to_vec();
        for (name, range) in r.get_ref() {
            let at = range.span().start;
            let Some(i) = names.iter().position(|n| n == name) else {
                return self.err(
                    at,
                    format!(
                        "`start_range` names `{name}`, which is not a variable; the variables are: {}",
                        names.join(", ")
                    ),
                );
            };
            let v = range.get_ref();
            if v.len() != 2 || !v.iter().all(|x| x.get_ref().is_finite()) {
                return self.err(
                    at,
                    format!("`start_range.{name}` needs two finite numbers, [from, to]"),
                );
            }
            let (lo, hi) = (*v[0].get_ref(), *v[1].get_ref());
            let (dlo, dhi) = domain[i];
            if lo >= hi {
                return self.err(
                    at,
                    format!("`start_range.{name}` is empty: from ({lo}) must be below to ({hi})"),
                );
            }
            if lo < dlo || hi > dhi {
                return self.err(
                    at,
                    format!(
                        "`start_range.{name}` = [{lo}, {hi}] is not inside the domain [{dlo}, {dhi}]"
                    ),
                );
            }
            out[i] = (lo, hi);
        }
        Ok(out)
    }

    fn runs(
        &self,
        runs: Vec<Spanned<RawRun>>,
        names: &[&str],
        domain: &[(f64, f64)],
        epochs: u64,
        starts: Option<u32>,
    ) -> Res<Vec<RunConfig>> {
        if runs.is_empty() {
            return self.err(
                0,
                "the scenario has no runs: add at least one [[run]] with a `name` and an `lr`",
            );
        }
        if runs.len() > MAX_RUNS {
            let at = runs[MAX_RUNS].span().start;
            return self.err(
                at,
                format!(
                    "{} runs are too many to tell apart; at most {MAX_RUNS}",
                    runs.len()
                ),
            );
        }
        let mut out: Vec<RunConfig> = Vec::new();
        for r in runs {
            if let (Some(n), Some(s)) = (starts, &r.get_ref().start) {
                return self.err(
                    s.span().start,
                    format!(
                        "a run's own `start` cannot be combined with `starts = {n}` (every run races from the same {n} random starts); remove it"
                    ),
                );
            }
            let run = self.run(r.get_ref(), names, domain, epochs)?;
            if out.iter().any(|o| o.name == run.name) {
                return self.err(
                    r.get_ref().name.span().start,
                    format!("two runs are named `{}`; names must differ", run.name),
                );
            }
            out.push(run);
        }
        Ok(out)
    }

    fn run(
        &self,
        r: &RawRun,
        names: &[&str],
        domain: &[(f64, f64)],
        epochs: u64,
    ) -> Res<RunConfig> {
        let name = clean_text(r.name.get_ref());
        let name_at = r.name.span().start;
        if name.is_empty() {
            return self.err(name_at, "a run's `name` must not be empty");
        }
        let width = display_width(&name);
        if width > MAX_NAME {
            return self.err(
                name_at,
                format!(
                    "run name `{name}` is {width} columns wide; at most {MAX_NAME} fit (wide characters such as 火 and most emoji take two)"
                ),
            );
        }
        let lr = *r.lr.get_ref();
        if !(lr.is_finite() && lr > 0.0) {
            return self.err(
                r.lr.span().start,
                format!("`lr` is {lr}; expected a positive finite number"),
            );
        }
        let sched_name = r
            .schedule
            .as_ref()
            .map_or("constant", |s| s.get_ref().as_str());
        let sched_at = r.schedule.as_ref().map_or(name_at, |s| s.span().start);
        if !SCHEDULES.contains(&sched_name) {
            let hint = suggest(sched_name, SCHEDULES)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return self.err(
                sched_at,
                format!(
                    "unknown schedule `{sched_name}`{hint}; expected one of: {}",
                    SCHEDULES.join(", ")
                ),
            );
        }
        self.check_params_apply(r, sched_name)?;
        let schedule = self.schedule(r, sched_name, lr, epochs, sched_at)?;
        let momentum = self.momentum(r, sched_name)?;
        let start = match &r.start {
            Some(s) => {
                let p = self.point(s, names, "start")?;
                self.inside(&p, names, domain, s.span().start, "start")?;
                Some(p)
            }
            None => None,
        };
        Ok(RunConfig {
            name,
            schedule,
            lr,
            momentum,
            start,
        })
    }

    /// Every parameter given must be one the schedule uses.
    fn check_params_apply(&self, r: &RawRun, sched: &str) -> Res<()> {
        let allowed: &[&str] = match sched {
            "step" => &["gamma", "step_size"],
            "exponential" | "inverse-time" => &["gamma"],
            "cosine" => &["lr_min"],
            "warmup-cosine" => &["warmup", "lr_min"],
            "backtracking" => &["armijo", "shrink"],
            "adagrad" => &["eps"],
            "rmsprop" => &["alpha", "eps"],
            "adam" => &["betas", "eps"],
            _ => &[],
        };
        let given: [(&str, Option<usize>); 8] = [
            ("gamma", r.gamma.as_ref().map(|v| v.span().start)),
            ("step_size", r.step_size.as_ref().map(|v| v.span().start)),
            ("lr_min", r.lr_min.as_ref().map(|v| v.span().start)),
            ("warmup", r.warmup.as_ref().map(|v| v.span().start)),
            ("armijo", r.armijo.as_ref().map(|v| v.span().start)),
            ("shrink", r.shrink.as_ref().map(|v| v.span().start)),
            ("eps", r.eps.as_ref().map(|v| v.span().start)),
            ("alpha", r.alpha.as_ref().map(|v| v.span().start)),
        ];
        let betas = ("betas", r.betas.as_ref().map(|v| v.span().start));
        for (key, at) in given.into_iter().chain(std::iter::once(betas)) {
            if let Some(at) = at
                && !allowed.contains(&key)
            {
                let takes = if allowed.is_empty() {
                    "no parameters besides `lr`".to_string()
                } else {
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return self.err(
                    at,
                    format!("`{key}` does not apply to schedule `{sched}` (it takes {takes})"),
                );
            }
        }
        Ok(())
    }

    fn positive(&self, v: &Option<Spanned<f64>>, key: &str, default: Option<f64>) -> Res<f64> {
        match v {
            Some(s) => {
                let x = *s.get_ref();
                if x.is_finite() && x > 0.0 {
                    Ok(x)
                } else {
                    self.err(
                        s.span().start,
                        format!("`{key}` is {x}; expected a positive finite number"),
                    )
                }
            }
            None => match default {
                Some(d) => Ok(d),
                None => self.err(0, format!("missing `{key}`")),
            },
        }
    }

    fn fraction(&self, v: &Option<Spanned<f64>>, key: &str, default: f64) -> Res<f64> {
        match v {
            Some(s) => {
                let x = *s.get_ref();
                if x > 0.0 && x < 1.0 {
                    Ok(x)
                } else {
                    self.err(
                        s.span().start,
                        format!("`{key}` is {x}; expected a number strictly between 0 and 1"),
                    )
                }
            }
            None => Ok(default),
        }
    }

    fn count(&self, v: &Spanned<i64>, key: &str, max: u64) -> Res<u64> {
        let x = *v.get_ref();
        if x >= 1 && (x as u64) <= max {
            Ok(x as u64)
        } else {
            self.err(
                v.span().start,
                format!("`{key}` is {x}; expected a whole number from 1 to {max}"),
            )
        }
    }

    fn required<'r, T>(
        &self,
        v: &'r Option<Spanned<T>>,
        key: &str,
        sched: &str,
        at: usize,
    ) -> Res<&'r Spanned<T>> {
        match v {
            Some(s) => Ok(s),
            None => self.err(at, format!("schedule `{sched}` needs `{key}`")),
        }
    }

    fn schedule(&self, r: &RawRun, sched: &str, lr: f64, epochs: u64, at: usize) -> Res<Schedule> {
        let lr_min = |v: &Validator<'_>| -> Res<f64> {
            match &r.lr_min {
                Some(s) => {
                    let x = *s.get_ref();
                    if x.is_finite() && x >= 0.0 && x < lr {
                        Ok(x)
                    } else {
                        v.err(
                            s.span().start,
                            format!("`lr_min` is {x}; expected a number from 0 up to (not including) lr = {lr}"),
                        )
                    }
                }
                None => Ok(0.0),
            }
        };
        Ok(match sched {
            "constant" => Schedule::Constant,
            "gradient-scaled" => Schedule::GradientScaled,
            "linear-decay" => Schedule::LinearDecay,
            "step" => {
                let s = self.required(&r.step_size, "step_size", sched, at)?;
                Schedule::Step {
                    step_size: self.count(s, "step_size", epochs)?,
                    gamma: self.positive(&r.gamma, "gamma", Some(0.1))?,
                }
            }
            "exponential" => {
                self.required(&r.gamma, "gamma", sched, at)?;
                Schedule::Exponential {
                    gamma: self.positive(&r.gamma, "gamma", None)?,
                }
            }
            "inverse-time" => {
                self.required(&r.gamma, "gamma", sched, at)?;
                Schedule::InverseTime {
                    gamma: self.positive(&r.gamma, "gamma", None)?,
                }
            }
            "cosine" => Schedule::Cosine {
                lr_min: lr_min(self)?,
            },
            "warmup-cosine" => {
                let w = self.required(&r.warmup, "warmup", sched, at)?;
                Schedule::WarmupCosine {
                    warmup: self.count(w, "warmup", epochs)?,
                    lr_min: lr_min(self)?,
                }
            }
            "backtracking" => Schedule::Backtracking {
                c: self.fraction(&r.armijo, "armijo", 1e-4)?,
                shrink: self.fraction(&r.shrink, "shrink", 0.5)?,
            },
            "barzilai-borwein" => Schedule::BarzilaiBorwein,
            "adagrad" => Schedule::Adagrad {
                eps: self.positive(&r.eps, "eps", Some(1e-10))?,
            },
            "rmsprop" => Schedule::RmsProp {
                alpha: self.fraction(&r.alpha, "alpha", 0.99)?,
                eps: self.positive(&r.eps, "eps", Some(1e-8))?,
            },
            "adam" => {
                let (beta1, beta2) = match &r.betas {
                    Some(b) => {
                        let v = b.get_ref();
                        if v.len() != 2 {
                            return self.err(
                                b.span().start,
                                format!(
                                    "`betas` has {} numbers, expected two: [beta1, beta2]",
                                    v.len()
                                ),
                            );
                        }
                        for x in v {
                            let y = *x.get_ref();
                            if !(0.0..1.0).contains(&y) {
                                return self.err(
                                    x.span().start,
                                    format!("a beta of {y} is outside [0, 1)"),
                                );
                            }
                        }
                        (*v[0].get_ref(), *v[1].get_ref())
                    }
                    None => (0.9, 0.999),
                };
                Schedule::Adam {
                    beta1,
                    beta2,
                    eps: self.positive(&r.eps, "eps", Some(1e-8))?,
                }
            }
            _ => unreachable!("schedule names were checked against SCHEDULES"),
        })
    }

    fn momentum(&self, r: &RawRun, sched: &str) -> Res<Option<Momentum>> {
        let nesterov = r.nesterov.as_ref().is_some_and(|n| *n.get_ref());
        let Some(m) = &r.momentum else {
            if let Some(n) = &r.nesterov
                && *n.get_ref()
            {
                return self.err(n.span().start, "`nesterov = true` needs `momentum` > 0");
            }
            return Ok(None);
        };
        let beta = *m.get_ref();
        if matches!(sched, "backtracking" | "barzilai-borwein" | "adam") {
            let why = if sched == "adam" {
                "adam keeps its own momentum: set `betas` instead"
            } else {
                "a line-search step is not combined with momentum"
            };
            return self.err(
                m.span().start,
                format!("`momentum` does not apply to schedule `{sched}`: {why}"),
            );
        }
        if !(0.0..1.0).contains(&beta) {
            return self.err(
                m.span().start,
                format!("`momentum` is {beta}; expected a number in [0, 1)"),
            );
        }
        if beta == 0.0 {
            if nesterov {
                return self.err(m.span().start, "`nesterov = true` needs `momentum` > 0");
            }
            return Ok(None);
        }
        Ok(Some(Momentum { beta, nesterov }))
    }
}

/// The `[sweep]` table. A swept start may lie outside the domain.
impl Validator<'_> {
    fn sweep(&self, raw: &RawSweep, names: &[&str], runs: &[RunConfig]) -> Res<SweepSpec> {
        let run = match &raw.run {
            None => 0,
            Some(r) => {
                let want = clean_text(r.get_ref());
                match runs.iter().position(|c| c.name == want) {
                    Some(i) => i,
                    None => {
                        let all: Vec<&str> = runs.iter().map(|c| c.name.as_str()).collect();
                        let hint = suggest(&want, &all)
                            .map(|s| format!(" (did you mean `{s}`?)"))
                            .unwrap_or_default();
                        return self.err(
                            r.span().start,
                            format!(
                                "`sweep.run` names `{want}`, which is not a run{hint}; the runs are: {}",
                                all.join(", ")
                            ),
                        );
                    }
                }
            }
        };
        let cfg = &runs[run];
        let mut axes = vec![self.sweep_axis(raw.x_axis.get_ref(), "x_axis", names, cfg)?];
        if let Some(y) = &raw.y_axis {
            let axis = self.sweep_axis(y.get_ref(), "y_axis", names, cfg)?;
            if axis.param == axes[0].param {
                return self.err(
                    y.get_ref().param.span().start,
                    format!(
                        "`y_axis` varies `{}` like `x_axis` does; sweep two different parameters",
                        axis.name
                    ),
                );
            }
            let points = axes[0].steps * axis.steps;
            if points > crate::sweep::MAX_POINTS {
                return self.err(
                    y.get_ref().steps.span().start,
                    format!(
                        "the sweep has {points} points ({} × {}); at most {} are allowed",
                        axes[0].steps,
                        axis.steps,
                        crate::sweep::MAX_POINTS
                    ),
                );
            }
            axes.push(axis);
        }
        Ok(SweepSpec { run, axes })
    }

    fn sweep_axis(
        &self,
        a: &RawAxis,
        which: &str,
        names: &[&str],
        run: &RunConfig,
    ) -> Res<SweepAxis> {
        let name = a.param.get_ref().trim().to_string();
        let param_at = a.param.span().start;
        let param = match name.as_str() {
            "lr" => SweepParam::Lr,
            "epochs" => SweepParam::Epochs,
            _ => match name.strip_prefix("start.") {
                Some(var) => match names.iter().position(|n| *n == var) {
                    Some(i) => SweepParam::Start(i),
                    None => {
                        return self.err(
                            param_at,
                            format!(
                                "`{which}.param` is `{name}`, but `{var}` is not a variable; the variables are: {}",
                                names.join(", ")
                            ),
                        );
                    }
                },
                None => {
                    let mut options: Vec<String> =
                        names.iter().map(|n| format!("start.{n}")).collect();
                    options.extend(["lr".into(), "epochs".into()]);
                    let refs: Vec<&str> = options.iter().map(String::as_str).collect();
                    let hint = suggest(&name, &refs)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    return self.err(
                        param_at,
                        format!(
                            "unknown sweep parameter `{name}`{hint}; expected one of: {}",
                            options.join(", ")
                        ),
                    );
                }
            },
        };
        let steps = *a.steps.get_ref();
        let max = crate::sweep::MAX_STEPS;
        if steps < 1 || steps as u64 > max as u64 {
            return self.err(
                a.steps.span().start,
                format!("`{which}.steps` is {steps}; expected a whole number from 1 to {max}"),
            );
        }
        let ends = [("from", &a.from), ("to", &a.to)];
        for (key, v) in ends {
            let x = *v.get_ref();
            if !x.is_finite() {
                return self.err(
                    v.span().start,
                    format!("`{which}.{key}` is {x}; expected a finite number"),
                );
            }
        }
        let log = a.log.as_ref().is_some_and(|l| *l.get_ref());
        for (key, v) in ends {
            let x = *v.get_ref();
            let at = v.span().start;
            if log && x <= 0.0 {
                return self.err(
                    at,
                    format!("`{which}.{key}` is {x}; `log = true` needs both ends above 0"),
                );
            }
            match param {
                SweepParam::Lr if x <= 0.0 => {
                    return self.err(
                        at,
                        format!("`{which}.{key}` is {x}; a swept `lr` must be above 0"),
                    );
                }
                SweepParam::Lr => {
                    let lr_min = match run.schedule {
                        Schedule::Cosine { lr_min } | Schedule::WarmupCosine { lr_min, .. } => {
                            lr_min
                        }
                        _ => 0.0,
                    };
                    if x <= lr_min {
                        return self.err(
                            at,
                            format!(
                                "`{which}.{key}` is {x}; a swept `lr` must be above the run's `lr_min` ({lr_min})"
                            ),
                        );
                    }
                }
                SweepParam::Epochs if !(x.round() >= 1.0 && x.round() <= MAX_EPOCHS as f64) => {
                    return self.err(
                        at,
                        format!(
                            "`{which}.{key}` is {x}; swept `epochs` run from 1 to {MAX_EPOCHS} (rounded to whole numbers)"
                        ),
                    );
                }
                _ => {}
            }
        }
        Ok(SweepAxis {
            param,
            name,
            from: *a.from.get_ref(),
            to: *a.to.get_ref(),
            steps: steps as usize,
            log,
        })
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}
