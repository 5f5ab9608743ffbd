//! The environment a client may send (`ssh -o SendEnv=…`): `COLORTERM` and
//! `NO_COLOR`, for its colours, and nothing else.
//!
//! Only what the colour detection reads is kept: whether `NO_COLOR` is set
//! and not empty, and the first [`MAX_VALUE`] bytes of `COLORTERM`. Every
//! other variable (`LANG`, `LD_PRELOAD`, …) is refused, and so is any
//! variable once the dashboard has started (it has chosen its colours).

use crate::app::ColorDepth;

/// Most bytes of a value kept (`truecolor` needs 9).
pub const MAX_VALUE: usize = 64;

/// The variables a client sent that the dashboard uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientEnv {
    /// `NO_COLOR` set to something (an empty value does not count).
    pub no_color: bool,
    /// `COLORTERM`, cut to [`MAX_VALUE`] bytes.
    pub colorterm: Option<String>,
}

impl ClientEnv {
    /// Take `name=value` if it is one of ours; whether it was taken.
    pub fn accept(&mut self, name: &str, value: &str) -> bool {
        match name {
            "NO_COLOR" => self.no_color = !value.is_empty(),
            "COLORTERM" => self.colorterm = Some(cut(value, MAX_VALUE).to_string()),
            _ => return false,
        }
        true
    }

    /// The colours of a terminal whose `TERM` is `term`, as the local
    /// dashboard would find them with this environment.
    pub fn color(&self, term: Option<&str>) -> ColorDepth {
        ColorDepth::detect(
            self.no_color.then_some("1"),
            self.colorterm.as_deref(),
            term,
        )
    }
}

/// `s` cut to at most `max` bytes, on a character boundary.
pub fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_colour_variables_are_taken() {
        let mut env = ClientEnv::default();
        assert_eq!(env.color(Some("xterm-256color")), ColorDepth::Indexed256);
        assert!(env.accept("COLORTERM", "truecolor"));
        assert_eq!(env.color(Some("xterm-256color")), ColorDepth::TrueColor);
        assert!(env.accept("NO_COLOR", "1"));
        assert_eq!(env.color(Some("xterm-256color")), ColorDepth::None);
        // NO_COLOR="" is "not set" (no-color.org).
        assert!(env.accept("NO_COLOR", ""));
        assert_eq!(env.color(None), ColorDepth::TrueColor);
        for (name, value) in [
            ("LD_PRELOAD", "/tmp/x.so"),
            ("TERM", "xterm-direct"),
            ("LANG", "C.UTF-8"),
            ("colorterm", "truecolor"),
            ("PATH", "/tmp"),
        ] {
            let before = env.clone();
            assert!(!env.accept(name, value), "{name}");
            assert_eq!(env, before, "{name} changed nothing");
        }
    }

    #[test]
    fn values_are_bounded() {
        let mut env = ClientEnv::default();
        assert!(env.accept("COLORTERM", &"é".repeat(1_000_000)));
        let kept = env.colorterm.as_deref().unwrap();
        assert!(kept.len() <= MAX_VALUE && kept.len() >= MAX_VALUE - 1);
        assert!(kept.chars().all(|c| c == 'é'));
        assert_eq!(env.color(None), ColorDepth::Ansi16);
        assert_eq!(cut("ab", 64), "ab");
        assert_eq!(cut("€", 2), "");
    }
}
