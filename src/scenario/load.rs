//! Reading scenario files: bytes → UTF-8 → TOML → [`validate`](super::validate).

use std::path::{Path, PathBuf};

use super::raw::RawScenario;
use super::validate::Validator;
use super::{LoadError, MAX_FILE_BYTES, Scenario, bundled};

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

/// Load a scenario named on the command line: a file, or failing that a
/// bundled scenario's name.
pub fn resolve(file: &Path) -> Result<Scenario, LoadError> {
    if !file.exists()
        && let Some(name) = file.to_str()
        && let Some((name, text)) = bundled::find(name)
    {
        return parse(&bundled::label(name), text);
    }
    load_file(file).map_err(|mut e| {
        if !file.exists() {
            e.message
                .push_str(" (nor is it a bundled scenario; `downhill list` shows those)");
        }
        e
    })
}
