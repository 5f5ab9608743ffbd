//! The lexer: source text to tokens, tracking columns in characters.
//!
//! The lexer is lazy (the parser pulls one token at a time, with one token of
//! look-ahead), so an error late in the source is only reported once the
//! parser has accepted everything before it: errors come out left to right.

use super::ExprError;

/// A range of characters in the source: `start` is 0-based, `len >= 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub len: usize,
}

impl Span {
    /// The span from the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        let end = (other.start + other.len).max(self.start + 1);
        Span {
            start: self.start,
            len: end - self.start,
        }
    }
}

/// The kinds of token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Tok {
    /// A finite number literal.
    Num(f64),
    /// `[A-Za-z_][A-Za-z0-9_]*`; the name is the token's text.
    Ident,
    Plus,
    Minus,
    Star,
    Slash,
    /// `^` or `**`.
    Pow,
    LParen,
    RParen,
    Comma,
    /// End of input; its span is the column just after the last character.
    End,
}

/// One token: its kind, where it is and its text (empty for [`Tok::End`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'a> {
    pub tok: Tok,
    pub span: Span,
    pub text: &'a str,
}

pub(super) struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next unread character.
    pos: usize,
    /// Character offset of the next unread character.
    col: usize,
    peeked: Option<Result<Token<'a>, ExprError>>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            pos: 0,
            col: 0,
            peeked: None,
        }
    }

    /// The next token (after the peeked one, if any).
    pub fn next_token(&mut self) -> Result<Token<'a>, ExprError> {
        match self.peeked.take() {
            Some(t) => t,
            None => self.lex(),
        }
    }

    /// Whether the next token is `(`; a lexing error counts as "no" and is
    /// reported when that token is actually taken.
    pub fn peek_is_lparen(&mut self) -> bool {
        if self.peeked.is_none() {
            self.peeked = Some(self.lex());
        }
        matches!(
            self.peeked,
            Some(Ok(Token {
                tok: Tok::LParen,
                ..
            }))
        )
    }

    fn current(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    /// Length in bytes of the run of ASCII digits starting at byte `from`.
    fn digits_from(&self, from: usize) -> usize {
        self.src.as_bytes()[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }

    fn lex(&mut self) -> Result<Token<'a>, ExprError> {
        while let Some(c) = self.current()
            && c.is_whitespace()
        {
            self.pos += c.len_utf8();
            self.col += 1;
        }
        let start = self.pos;
        let Some(c) = self.current() else {
            return Ok(Token {
                tok: Tok::End,
                span: Span {
                    start: self.col,
                    len: 1,
                },
                text: "",
            });
        };
        let bytes = self.src.as_bytes();
        let next_byte = bytes.get(start + 1).copied();
        let (tok, len) = match c {
            '0'..='9' | '.' => return self.number(),
            'a'..='z' | 'A'..='Z' | '_' => {
                let len = bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                (Tok::Ident, len)
            }
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '*' if next_byte == Some(b'*') => (Tok::Pow, 2),
            '*' => (Tok::Star, 1),
            '/' => (Tok::Slash, 1),
            '^' => (Tok::Pow, 1),
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            ',' => (Tok::Comma, 1),
            _ => {
                let shown = if c.is_control() || c.is_whitespace() {
                    format!("{c:?}")
                } else {
                    format!("`{c}`")
                };
                return Err(ExprError::at(
                    Span {
                        start: self.col,
                        len: 1,
                    },
                    format!("unexpected character {shown}"),
                ));
            }
        };
        // Every token above is ASCII: one byte per character.
        Ok(self.take(tok, len))
    }

    /// Consumes `len` ASCII bytes as one token.
    fn take(&mut self, tok: Tok, len: usize) -> Token<'a> {
        let token = Token {
            tok,
            span: Span {
                start: self.col,
                len,
            },
            text: &self.src[self.pos..self.pos + len],
        };
        self.pos += len;
        self.col += len;
        token
    }

    /// `digits [ "." [digits] ] | "." digits`, then an optional exponent
    /// `(e|E) [+|-] digits`. An `e` not followed by digits is not part of the
    /// number (so `2e` is `2` followed by the name `e`).
    fn number(&mut self) -> Result<Token<'a>, ExprError> {
        let bytes = self.src.as_bytes();
        let start = self.pos;
        let int_digits = self.digits_from(start);
        let mut end = start + int_digits;
        if bytes.get(end) == Some(&b'.') {
            let frac_digits = self.digits_from(end + 1);
            if int_digits == 0 && frac_digits == 0 {
                return Err(ExprError::at(
                    Span {
                        start: self.col,
                        len: 1,
                    },
                    "unexpected character `.` (a number needs digits, e.g. `0.5` or `.5`)",
                ));
            }
            end += 1 + frac_digits;
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut exp = end + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            let exp_digits = self.digits_from(exp);
            if exp_digits > 0 {
                end = exp + exp_digits;
            }
        }
        let len = end - start;
        let text = &self.src[start..end];
        let span = Span {
            start: self.col,
            len,
        };
        let value: f64 = text
            .parse()
            .map_err(|_| ExprError::at(span, format!("malformed number `{text}`")))?;
        if !value.is_finite() {
            return Err(ExprError::at(
                span,
                format!("number `{text}` is too large (it does not fit in a finite 64-bit float)"),
            ));
        }
        Ok(self.take(Tok::Num(value), len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            out.push(t.tok);
            if t.tok == Tok::End {
                return out;
            }
        }
    }

    #[test]
    fn numbers() {
        for (src, v) in [
            ("2", 2.0),
            ("0.5", 0.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e-3", 1e-3),
            ("2E+4", 2e4),
            ("1.5e2", 150.0),
            ("1.e1", 10.0),
            ("1e-999", 0.0),
        ] {
            assert_eq!(kinds(src), vec![Tok::Num(v), Tok::End], "{src}");
        }
    }

    #[test]
    fn exponent_needs_digits() {
        assert_eq!(kinds("2e"), vec![Tok::Num(2.0), Tok::Ident, Tok::End]);
        assert_eq!(
            kinds("2e+x"),
            vec![Tok::Num(2.0), Tok::Ident, Tok::Plus, Tok::Ident, Tok::End]
        );
    }

    #[test]
    fn operators_and_power_synonym() {
        assert_eq!(
            kinds("a**b^c*d/(e,f)-+"),
            vec![
                Tok::Ident,
                Tok::Pow,
                Tok::Ident,
                Tok::Pow,
                Tok::Ident,
                Tok::Star,
                Tok::Ident,
                Tok::Slash,
                Tok::LParen,
                Tok::Ident,
                Tok::Comma,
                Tok::Ident,
                Tok::RParen,
                Tok::Minus,
                Tok::Plus,
                Tok::End
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let mut lx = Lexer::new("é\u{3000}x");
        let t = lx.next_token();
        assert_eq!(t.unwrap_err().column, 1);
        let mut lx = Lexer::new("\u{3000} x1_ ");
        let t = lx.next_token().unwrap();
        assert_eq!(
            (t.tok, t.span, t.text),
            (Tok::Ident, Span { start: 2, len: 3 }, "x1_")
        );
        assert_eq!(lx.next_token().unwrap().span, Span { start: 6, len: 1 });
    }

    #[test]
    fn huge_literal_is_an_error() {
        let e = Lexer::new("1e999").next_token().unwrap_err();
        assert_eq!((e.column, e.len), (1, 5));
        assert!(e.message.contains("too large"), "{}", e.message);
    }
}
