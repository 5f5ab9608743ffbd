//! Terminal column widths (a close approximation of Unicode's East Asian
//! Width, UAX #11).

/// The number of terminal columns `s` takes: 2 for East Asian wide and
/// fullwidth characters and emoji, 0 for combining marks and zero-width
/// characters, 1 for the rest. A close approximation of Unicode's East Asian
/// Width (UAX #11) that never undercounts the common wide scripts.
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` in at most `width` columns: whole when it fits, else cut at a
/// character boundary with `…` as its last column (never silently).
pub fn ellipsize(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// `s` broken into lines of at most `width` columns, between words where
/// it can (a word longer than a line is split). Nothing is lost: the lines
/// joined with spaces give back `s`'s words.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    wrap_hanging(s, width, width)
}

/// [`wrap`] with a first line of `first` columns and the others of `rest`
/// (for text after a label, or under a hanging indent).
pub fn wrap_hanging(s: &str, first: usize, rest: usize) -> Vec<String> {
    let limit = |lines: &Vec<String>| if lines.is_empty() { first } else { rest }.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let w = display_width(word);
        if used > 0 && used + 1 + w <= limit(&lines) {
            line.push(' ');
            line.push_str(word);
            used += 1 + w;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        // A word longer than a line goes in pieces.
        for c in word.chars() {
            let cw = char_width(c);
            if used > 0 && used + cw > limit(&lines) {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipsis_only_where_cut() {
        assert_eq!(ellipsize("learning rate", 13), "learning rate");
        assert_eq!(ellipsize("learning rate", 12), "learning ra…");
        assert_eq!(ellipsize("learning rate", 10), "learning…");
        assert_eq!(ellipsize("火箭火箭", 5), "火箭…");
        assert_eq!(ellipsize("abc", 0), "");
    }

    #[test]
    fn wrapping_keeps_every_word() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap_hanging("ab cd ef", 2, 5), ["ab", "cd ef"]);
        assert_eq!(wrap_hanging("/tmp/a/b.csv", 4, 6), ["/tmp", "/a/b.c", "sv"]);
        let text = "a hot-reload error keeps its hint: write `*` between `3` and `x`";
        for w in 3..30 {
            let lines = wrap(text, w);
            assert!(
                lines.iter().all(|l| display_width(l) <= w),
                "{w}: {lines:?}"
            );
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        }
    }
}
