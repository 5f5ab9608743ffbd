//! Bytes from an SSH channel → key events.
//!
//! An SSH client sends what its terminal sends: plain bytes for printable
//! keys, control bytes (`0x03` is Ctrl-C, `0x7f` Backspace, `\r` Enter) and
//! escape sequences for the rest (`ESC [ A` up, `ESC [ Z` Shift-Tab, …). The
//! parsing itself is `terminput`'s (a port of crossterm's own parser); this
//! wrapper feeds it byte by byte and handles what a network adds:
//!
//! - a sequence may be split across packets, so an incomplete one is kept
//!   until more bytes come;
//! - a lone `ESC` is the Esc key only if nothing follows: the driver calls
//!   [`KeyParser::flush`] when no byte came within [`ESC_WAIT`];
//! - a sequence that never ends is dropped after [`MAX_SEQUENCE`] bytes, so
//!   a client cannot make the buffer grow.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use terminput::Event;

/// How long a lone `ESC` waits for the rest of a sequence.
pub const ESC_WAIT: Duration = Duration::from_millis(30);

/// Longest escape sequence kept (real keys need well under 20 bytes).
pub const MAX_SEQUENCE: usize = 64;

const ESC: u8 = 0x1b;

/// Turns the bytes of one session's input into key events.
#[derive(Debug, Default)]
pub struct KeyParser {
    buf: Vec<u8>,
}

impl KeyParser {
    /// Parse `bytes`, appending the complete keys to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<KeyEvent>) {
        for &b in bytes {
            if self.buf == [ESC] && b == ESC {
                // Esc pressed twice: the first one is complete.
                out.push(KeyEvent::from(KeyCode::Esc));
                continue;
            }
            self.buf.push(b);
            if self.buf == [ESC] {
                // Esc, or the start of a sequence: the next byte (or the
                // lack of one) decides.
                continue;
            }
            match Event::parse_from(&self.buf) {
                Ok(Some(Event::Key(k))) => {
                    out.push(terminput_crossterm::to_crossterm_key(k));
                    self.buf.clear();
                }
                // Mouse, focus, paste: not keys, and never asked for.
                Ok(Some(_)) | Err(_) => self.buf.clear(),
                Ok(None) if self.buf.len() >= MAX_SEQUENCE => self.buf.clear(),
                Ok(None) => {}
            }
        }
    }

    /// Whether an incomplete sequence (or a lone `ESC`) is waiting.
    pub fn pending(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Nothing more came: a lone `ESC` is the Esc key; any other incomplete
    /// sequence is dropped.
    pub fn flush(&mut self, out: &mut Vec<KeyEvent>) {
        if self.buf == [ESC] {
            out.push(KeyEvent::from(KeyCode::Esc));
        }
        self.buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventKind, KeyModifiers};

    fn keys(chunks: &[&[u8]]) -> (Vec<KeyEvent>, bool) {
        let mut p = KeyParser::default();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        (out, p.pending())
    }

    fn codes(chunks: &[&[u8]]) -> Vec<KeyCode> {
        keys(chunks).0.into_iter().map(|k| k.code).collect()
    }

    #[test]
    fn printable_keys() {
        assert_eq!(
            codes(&[b"q s."]),
            [
                KeyCode::Char('q'),
                KeyCode::Char(' '),
                KeyCode::Char('s'),
                KeyCode::Char('.')
            ]
        );
        let (k, pending) = keys(&[b"+"]);
        assert_eq!(k[0].modifiers, KeyModifiers::NONE);
        assert_eq!(k[0].kind, KeyEventKind::Press);
        assert!(!pending);
        // Multi-byte UTF-8, even split across packets.
        assert_eq!(codes(&["é".as_bytes()]), [KeyCode::Char('é')]);
        let e = "€".as_bytes();
        assert_eq!(codes(&[&e[..1], &e[1..]]), [KeyCode::Char('€')]);
    }

    #[test]
    fn control_keys() {
        assert_eq!(
            codes(&[b"\t\r\x7f"]),
            [KeyCode::Tab, KeyCode::Enter, KeyCode::Backspace]
        );
        let (k, _) = keys(&[b"\x03"]);
        assert_eq!(k[0].code, KeyCode::Char('c'));
        assert!(k[0].modifiers.contains(KeyModifiers::CONTROL));
    }

    #[test]
    fn arrows_in_both_modes_and_shift_tab() {
        let want = [KeyCode::Up, KeyCode::Down, KeyCode::Right, KeyCode::Left];
        assert_eq!(codes(&[b"\x1b[A\x1b[B\x1b[C\x1b[D"]), want);
        assert_eq!(codes(&[b"\x1bOA\x1bOB\x1bOC\x1bOD"]), want);
        assert_eq!(codes(&[b"\x1b[Z"]), [KeyCode::BackTab]);
    }

    #[test]
    fn sequences_split_across_packets() {
        assert_eq!(codes(&[b"\x1b", b"[", b"C"]), [KeyCode::Right]);
        assert_eq!(
            codes(&[b"x\x1b", b"OD"]),
            [KeyCode::Char('x'), KeyCode::Left]
        );
        let (k, pending) = keys(&[b"\x1b["]);
        assert!(k.is_empty() && pending);
    }

    #[test]
    fn a_lone_escape_waits_then_is_esc() {
        let mut p = KeyParser::default();
        let mut out = Vec::new();
        p.feed(b"\x1b", &mut out);
        assert!(out.is_empty());
        assert!(p.pending());
        p.flush(&mut out);
        assert_eq!(out, [KeyEvent::from(KeyCode::Esc)]);
        assert!(!p.pending());
        // Twice in one packet: two presses.
        assert_eq!(codes(&[b"\x1b\x1b"]).first().copied(), Some(KeyCode::Esc));
    }

    #[test]
    fn an_unfinished_sequence_is_dropped_on_flush() {
        let mut p = KeyParser::default();
        let mut out = Vec::new();
        p.feed(b"\x1b[1;", &mut out);
        p.flush(&mut out);
        assert!(out.is_empty());
        p.feed(b"q", &mut out);
        assert_eq!(out, [KeyEvent::from(KeyCode::Char('q'))]);
    }

    #[test]
    fn endless_or_garbage_sequences_do_not_grow_or_stick() {
        let mut p = KeyParser::default();
        let mut out = Vec::new();
        let mut long = b"\x1b[1".to_vec();
        long.extend(std::iter::repeat_n(b'1', 10_000));
        p.feed(&long, &mut out);
        assert!(p.buf.len() <= MAX_SEQUENCE);
        p.flush(&mut out);
        // Invalid UTF-8 and unknown sequences are skipped, keys after them work.
        p.feed(b"\xff\x1b[\x01q", &mut out);
        assert_eq!(out.last().map(|k| k.code), Some(KeyCode::Char('q')));
        // Mouse reports are not keys.
        let mut out = Vec::new();
        p.feed(b"\x1b[<0;10;5M", &mut out);
        assert!(out.is_empty());
        assert!(!p.pending());
    }
}
