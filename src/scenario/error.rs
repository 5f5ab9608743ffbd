//! Load errors that point at a file, line and column.

use std::fmt;

use crate::text::printable;

/// Why a scenario could not be loaded: `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file (or bundled name) the error is in.
    pub path: String,
    /// 1-based line and column (in characters), when the error has a place.
    pub position: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl LoadError {
    /// An error with no position in the file.
    pub fn whole_file(path: &str, message: impl Into<String>) -> Self {
        LoadError {
            path: printable(path),
            position: None,
            message: printable(&message.into()),
        }
    }

    /// An error at byte offset `at` of `src`.
    pub fn at(path: &str, src: &str, at: usize, message: impl Into<String>) -> Self {
        LoadError {
            path: printable(path),
            position: Some(line_col(src, at)),
            message: printable(&message.into()),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{}:{}: {}", self.path, line, col, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// 1-based line and character column of byte offset `at` in `src`.
pub fn line_col(src: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest of `options` to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, options: &[&'a str]) -> Option<&'a str> {
    options
        .iter()
        .map(|o| (edit_distance(word, o), *o))
        .filter(|(d, o)| *d <= 2.max(o.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_chars() {
        let src = "a = 1\nbé = $\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        // `$` is after a two-byte char: byte 11, char column 6.
        assert_eq!(line_col(src, src.find('$').unwrap()), (2, 6));
        assert_eq!(line_col(src, 10_000), (3, 1));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("cosin", &["cosine", "constant"]), Some("cosine"));
        assert_eq!(suggest("zzzzzz", &["cosine", "constant"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn messages_are_one_harmless_line() {
        let e = LoadError::whole_file("a\u{1b}.toml", "unknown `\u{1b}[2J\nx\u{202e}`");
        assert_eq!(
            e.to_string(),
            "a\\u{1b}.toml: unknown `\\u{1b}[2J\\nx\\u{202e}`"
        );
        assert_eq!(printable("火箭 🚀 é"), "火箭 🚀 é");
    }

    #[test]
    fn display() {
        let e = LoadError::at("a.toml", "x\ny", 2, "bad");
        assert_eq!(e.to_string(), "a.toml:2:1: bad");
        assert_eq!(
            LoadError::whole_file("a.toml", "gone").to_string(),
            "a.toml: gone"
        );
    }
}
