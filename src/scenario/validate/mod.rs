//! Raw TOML structs → a validated [`Scenario`]: every value checked, every
//! error pointing at its place in the file.
//!
//! `mod.rs` checks the objective and `[descent]`; [`run`] each `[[run]]` and
//! its schedule; [`sweep`] the `[sweep]` table.

mod run;
mod sweep;

use indexmap::IndexMap;
use toml::Spanned;

use super::raw::{RawDescent, RawObjective, RawScenario, SpannedMap};
use super::{
    DEFAULT_BOUND, DEFAULT_SEED, LoadError, MAX_EPOCHS, MAX_STARTS, MAX_VARS, Scenario, Start,
};
use crate::descent::expr::{Expr, ExprError};
use crate::text::clean_text;
use crate::text::num::exact;

pub(super) struct Validator<'a> {
    pub(super) path: &'a str,
    pub(super) src: &'a str,
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
    /// The runs' default gradient noise (0: none).
    noise: f64,
}

impl Validator<'_> {
    fn err<T>(&self, at: usize, msg: impl Into<String>) -> Res<T> {
        Err(LoadError::at(self.path, self.src, at, msg))
    }

    pub(super) fn scenario(&self, raw: RawScenario) -> Res<Scenario> {
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
            noise,
        } = self.descent(&d, &names, &domain)?;
        let runs = self.runs(raw.runs, &names, &domain, epochs, starts, noise)?;
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
                    format!(
                        "the range of `{name}` is empty: from ({}) must be below to ({})",
                        exact(lo),
                        exact(hi)
                    ),
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
        Expr::parse(obj.f.get_ref(), names).map_err(|e| self.expr_error(&obj.f, "f", e))
    }

    /// An expression's error at its place in the file: in the string when it is
    /// written without escapes (so the column is exact), otherwise at the string.
    pub(super) fn expr_error(&self, f: &Spanned<String>, key: &str, e: ExprError) -> LoadError {
        {
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
                        format!("in `{key}`: {}", e.message),
                    )
                }
                None => LoadError::at(
                    self.path,
                    self.src,
                    span.start,
                    format!("in `{key}`, column {}: {}", e.column, e.message),
                ),
            }
        }
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
                    format!(
                        "{what} {n} = {} is outside the domain [{}, {}]",
                        exact(*v),
                        exact(*lo),
                        exact(*hi)
                    ),
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
        let noise = self.noise(&d.noise, 0.0)?;
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
            noise,
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
                    format!(
                        "`start_range.{name}` is empty: from ({}) must be below to ({})",
                        exact(lo),
                        exact(hi)
                    ),
                );
            }
            if lo < dlo || hi > dhi {
                return self.err(
                    at,
                    format!(
                        "`start_range.{name}` = [{}, {}] is not inside the domain [{}, {}]",
                        exact(lo),
                        exact(hi),
                        exact(dlo),
                        exact(dhi)
                    ),
                );
            }
            out[i] = (lo, hi);
        }
        Ok(out)
    }

    /// `noise = σ`: a standard deviation, finite and not negative.
    pub(super) fn noise(&self, v: &Option<Spanned<f64>>, default: f64) -> Res<f64> {
        match v {
            Some(s) => {
                let x = *s.get_ref();
                if x.is_finite() && x >= 0.0 {
                    Ok(x)
                } else {
                    self.err(
                        s.span().start,
                        format!(
                            "`noise` is {x}; expected the noise's standard deviation, a finite number ≥ 0"
                        ),
                    )
                }
            }
            None => Ok(default),
        }
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
                        format!("`{key}` is {}; expected a positive finite number", exact(x)),
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
                        format!(
                            "`{key}` is {}; expected a number strictly between 0 and 1",
                            exact(x)
                        ),
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
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}
