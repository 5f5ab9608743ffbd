//! Bytes from an SSH channel → key events and mouse clicks.
//!
//! An SSH client sends what its terminal sends: plain bytes for printable
//! keys, control bytes (`0x03` is Ctrl-C, `0x7f` Backspace, `\r` Enter) and
//! escape sequences for the rest (`ESC [ A` up, `ESC [ Z` Shift-Tab, …). The
//! parsing of keys is `terminput`'s (a port of crossterm's own parser); this
//! wrapper feeds it byte by byte and handles what a network adds:
//!
//! - a sequence may be split across packets, so an incomplete one is kept
//!   until more bytes come;
//! - a lone `ESC` is the Esc key only if nothing follows: the driver calls
//!   [`KeyParser::flush`] when no byte came within [`ESC_WAIT`];
//! - a sequence that never ends is dropped after [`MAX_SEQUENCE`] bytes, so
//!   a client cannot make the buffer grow.
//!
//! Mouse reports are parsed here, not by `terminput` (which subtracts 1
//! from a coordinate a client may send as 0): the SGR form the dashboard
//! asks for ([`crate::session::MOUSE_ON`]), `ESC [ < b ; x ; y M` (press) or
//! `m` (release), 1-based. A left-button press becomes [`Input::Click`] at
//! the 0-based cell, if the parser was made [`KeyParser::with_mouse`];
//! anything else of the mouse (releases, other buttons, motion, the wheel,
//! the older encodings) is dropped.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent};
use terminput::Event;

use crate::session::Input;

/// How long a lone `ESC` waits for the rest of a sequence.
pub const ESC_WAIT: Duration = Duration::from_millis(30);

/// Longest escape sequence kept (real keys need well under 20 bytes).
pub const MAX_SEQUENCE: usize = 64;

const ESC: u8 = 0x1b;

/// Turns the bytes of one session's input into keys and clicks.
#[derive(Debug, Default)]
pub struct KeyParser {
    buf: Vec<u8>,
    /// Left clicks become [`Input::Click`] (else they are dropped).
    mouse: bool,
}

/// Where an SGR mouse report stands.
#[derive(Debug, PartialEq)]
enum Sgr {
    /// Not ended yet.
    More,
    /// Ended: a left press at this 0-based cell, or something else.
    Done(Option<(u16, u16)>),
    /// Not a mouse report.
    Bad,
}

impl KeyParser {
    /// A parser that also reports left clicks.
    pub fn with_mouse(mouse: bool) -> KeyParser {
        KeyParser {
            mouse,
            ..KeyParser::default()
        }
    }

    /// Parse `bytes`, appending the complete keys (and clicks) to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Input>) {
        for &b in bytes {
            if self.buf == [ESC] && b == ESC {
                // Esc pressed twice: the first one is complete.
                out.push(Input::Key(KeyEvent::from(KeyCode::Esc)));
                continue;
            }
            self.buf.push(b);
            if self.buf == [ESC] {
                // Esc, or the start of a sequence: the next byte (or the
                // lack of one) decides.
                continue;
            }
            if let Some(report) = self.buf.strip_prefix(b"\x1b[<") {
                match sgr_mouse(report) {
                    Sgr::More if self.buf.len() < MAX_SEQUENCE => {}
                    Sgr::Done(Some((col, row))) if self.mouse => {
                        out.push(Input::Click(col, row));
                        self.buf.clear();
                    }
                    _ => self.buf.clear(),
                }
                continue;
            }
            if self.buf.len() > 3
                && self.buf[2].is_ascii_digit()
                && self.buf.ends_with(b"M")
                && self.buf.starts_with(b"\x1b[")
            {
                // `ESC [ b ; x ; y M`, the urxvt mouse encoding (never
                // asked for; `terminput` would take 0 - 1 of it).
                self.buf.clear();
                continue;
            }
            match Event::parse_from(&self.buf) {
                Ok(Some(Event::Key(k))) => {
                    out.push(Input::Key(terminput_crossterm::to_crossterm_key(k)));
                    self.buf.clear();
                }
                // Focus, paste, the old X10 mouse encoding: not keys, and
                // never asked for.
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
    pub fn flush(&mut self, out: &mut Vec<Input>) {
        if self.buf == [ESC] {
            out.push(Input::Key(KeyEvent::from(KeyCode::Esc)));
        }
        self.buf.clear();
    }
}

/// The rest of an SGR mouse report after `ESC [ <`: `b ; x ; y` then `M`
/// (pressed) or `m` (released).
fn sgr_mouse(report: &[u8]) -> Sgr {
    let Some((&last, params)) = report.split_last() else {
        return Sgr::More;
    };
    match last {
        b'0'..=b'9' | b';' => Sgr::More,
        b'M' | b'm' => {
            let number = |p: &[u8]| -> Option<u16> {
                if p.is_empty() || p.len() > 5 || !p.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                std::str::from_utf8(p).ok()?.parse().ok()
            };
            let mut it = params.split(|&b| b == b';').map(number);
            let (Some(Some(b)), Some(Some(x)), Some(Some(y)), None) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                return Sgr::Bad;
            };
            // Button 0 (left), pressed, not moving: the low two bits, the
            // motion bit (32) and the extra buttons (64, 128) are clear;
            // Shift, Alt and Ctrl (4, 8, 16) may be held.
            let left_press = last == b'M' && b & !0b1_1100 == 0;
            Sgr::Done((left_press && x >= 1 && y >= 1).then(|| (x - 1, y - 1)))
        }
        _ => Sgr::Bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventKind, KeyModifiers};

    /// What a parser made, comparable.
    #[derive(Debug, PartialEq)]
    enum Got {
        Key(KeyEvent),
        Click(u16, u16),
    }

    fn got(out: &[Input]) -> Vec<Got> {
        out.iter()
            .map(|i| match i {
                Input::Key(k) => Got::Key(*k),
                Input::Click(c, r) => Got::Click(*c, *r),
                other => panic!("not from a parser: {other:?}"),
            })
            .collect()
    }

    fn key(code: KeyCode) -> Got {
        Got::Key(KeyEvent::from(code))
    }

    /// The keys of `chunks` (no mouse), and whether a sequence is pending.
    fn keys(chunks: &[&[u8]]) -> (Vec<KeyEvent>, bool) {
        let mut p = KeyParser::default();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        let keys = got(&out)
            .into_iter()
            .map(|g| match g {
                Got::Key(k) => k,
                Got::Click(..) => panic!("a click without the mouse"),
            })
            .collect();
        (keys, p.pending())
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
        assert_eq!(got(&out), [key(KeyCode::Esc)]);
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
        assert_eq!(got(&out), [key(KeyCode::Char('q'))]);
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
        assert_eq!(got(&out).last(), Some(&key(KeyCode::Char('q'))));
        // Mouse reports are not keys (and without the mouse, nothing).
        let mut out = Vec::new();
        p.feed(b"\x1b[<0;10;5M", &mut out);
        assert!(out.is_empty());
        assert!(!p.pending());
    }

    fn clicks(chunks: &[&[u8]]) -> Vec<Got> {
        let mut p = KeyParser::with_mouse(true);
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        p.flush(&mut out);
        got(&out)
    }

    #[test]
    fn a_left_press_is_a_click_at_the_zero_based_cell() {
        // Pressed then released at column 10, row 5 (1-based): one click.
        assert_eq!(clicks(&[b"\x1b[<0;10;5M\x1b[<0;10;5m"]), [Got::Click(9, 4)]);
        // Split anywhere, between keys.
        assert_eq!(
            clicks(&[b"a\x1b[<0;1", b"20;4", b"0M", b"b"]),
            [
                key(KeyCode::Char('a')),
                Got::Click(119, 39),
                key(KeyCode::Char('b'))
            ]
        );
        // With Ctrl (16) held, still the left button.
        assert_eq!(clicks(&[b"\x1b[<16;3;3M"]), [Got::Click(2, 2)]);
        assert_eq!(clicks(&[b"\x1b[<0;1;1M"]), [Got::Click(0, 0)]);
        assert_eq!(
            clicks(&[b"\x1b[<0;65535;65535M"]),
            [Got::Click(65_534, 65_534)]
        );
    }

    #[test]
    fn other_mouse_reports_are_dropped_and_keys_after_them_work() {
        for report in [
            &b"\x1b[<0;10;5m"[..],  // a release
            b"\x1b[<1;10;5M",       // the middle button
            b"\x1b[<2;10;5M",       // the right one
            b"\x1b[<32;10;5M",      // a drag
            b"\x1b[<35;10;5M",      // motion
            b"\x1b[<64;10;5M",      // the wheel
            b"\x1b[<128;10;5M",     // button 8
            b"\x1b[<0;0;0M",        // no such cell (terminput: 0 - 1)
            b"\x1b[<0;10;0M",       //
            b"\x1b[<0;99999;5M",    // beyond u16
            b"\x1b[<0;10M",         // too few numbers
            b"\x1b[<0;10;5;7M",     // too many
            b"\x1b[<;;M",           // none
            b"\x1b[<0;00000001;5M", // too long
            b"\x1b[32;0;0M",        // urxvt's encoding (terminput: 0 - 1)
            b"\x1b[0;0;0M",         //
            b"\x1b[M !!",           // X10's
        ] {
            let got = clicks(&[report, b"q"]);
            assert_eq!(got, [key(KeyCode::Char('q'))], "{report:?}");
        }
        // A byte that has no place in a report ends it there, like any
        // unknown sequence: what follows is typed.
        let typed = clicks(&[b"\x1b[<0;1x;5M"]);
        assert!(
            !typed.iter().any(|g| matches!(g, Got::Click(..))),
            "{typed:?}"
        );
        assert_eq!(
            typed.last(),
            Some(&Got::Key(KeyEvent::new(
                KeyCode::Char('M'),
                crossterm::event::KeyModifiers::SHIFT
            )))
        );
        // A report that never ends is cut like any sequence.
        let mut p = KeyParser::with_mouse(true);
        let mut out = Vec::new();
        let mut long = b"\x1b[<0;1".to_vec();
        long.extend(std::iter::repeat_n(b'1', 10_000));
        p.feed(&long, &mut out);
        assert!(p.buf.len() <= MAX_SEQUENCE);
        p.feed(b"M", &mut out);
        assert!(!got(&out).iter().any(|g| matches!(g, Got::Click(..))));
    }

    /// No bytes a client sends make the parser panic (terminput's
    /// arithmetic on mouse coordinates would, on a 0): every short CSI and
    /// SS3 sequence over the bytes that matter, in both modes.
    #[test]
    fn no_sequence_panics() {
        const ALPHABET: &[u8] = b"019;<:?M m~uA[O\x1b\xff";
        let mut seq = Vec::new();
        let mut out = Vec::new();
        for mouse in [false, true] {
            let mut p = KeyParser::with_mouse(mouse);
            for n in 0..ALPHABET.len().pow(5) {
                seq.clear();
                seq.extend_from_slice(if n % 2 == 0 { b"\x1b[" } else { b"\x1bO" });
                let mut k = n;
                for _ in 0..5 {
                    seq.push(ALPHABET[k % ALPHABET.len()]);
                    k /= ALPHABET.len();
                }
                p.feed(&seq, &mut out);
                p.flush(&mut out);
                out.clear();
            }
        }
    }
}
