//! Terminal-safe text: what may reach a terminal from a scenario file, how
//! many columns it takes, and every number format downhill prints.
//!
//! | function | for | example |
//! | --- | --- | --- |
//! | [`clean_text`] | titles, names, `about`: control and bidi characters removed | `"a\tb"` → `"a b"` |
//! | [`printable`] | error messages quoting a file: the same characters written as escapes | `"\x1b"` → `"\\u{1b}"` |
//! | [`visible`] | comparing names: invisible characters removed | `"a\u{200b}"` → `"a"` |
//! | [`display_width`] | table columns: East Asian wide characters and emoji take 2 | `"火箭"` → 4 |
//! | [`ellipsize`] | text cut to a width, with `…` where it was cut | `"learning rate"`, 10 → `"learning…"` |
//! | [`wrap`] | text broken into lines of a width, between words | |
//! | [`num`] | numbers, see that module's table | |

pub mod num;
mod width;

pub use width::{display_width, ellipsize, wrap, wrap_hanging};

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

/// Whether `c` is invisible: Unicode's default-ignorable code points (zero
/// width spaces and joiners, direction marks, the soft hyphen, variation
/// selectors, tags, fillers), which take no column and show nothing.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// `s` as it looks: without its invisible characters ([`is_invisible`]) and
/// surrounding blanks. Two names are the same name when these are equal.
pub fn visible(s: &str) -> String {
    s.chars()
        .filter(|&c| !is_invisible(c))
        .collect::<String>()
        .trim()
        .to_string()
}

/// Marks and overrides that reorder the text around them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with control characters (terminal escapes, line breaks) and
/// bidirectional overrides written as Rust escapes (`\u{1b}`, `\n`): a
/// message quoting a hostile file stays one harmless line.
pub fn printable(s: &str) -> String {
    let hostile = |c: char| {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(hostile) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if hostile(c) {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
