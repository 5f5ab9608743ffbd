//! The shape of the code, checked: imports between the top-level modules of
//! `src/` point one way (down the layers of ARCHITECTURE.md), every module
//! has its place there, and no file grows past what one reader holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, bottom first. A module may name modules of lower layers
/// only: never its own layer's neighbours, never a higher layer. This
/// order is the one ARCHITECTURE.md draws.
const LAYERS: &[&[&str]] = &[
    &["descent"],
    &["text"],
    &["scenario"],
    &["sweep"],
    &["report"],
    &["track"],
    &["engine"],
    &["app"],
    &["ui"],
    &["session"],
    &["tui", "serve", "commands"],
    &["cli"],
];

/// Most lines of non-test code in one file (the lines before its
/// `#[cfg(test)]`), and most lines in all.
const MAX_CODE_LINES: usize = 600;
const MAX_LINES: usize = 1000;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules: `src/*.rs` (but the crate roots) and `src/*/`.
fn top_level_modules() -> Vec<String> {
    let mut mods: Vec<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_string();
            (p.is_dir() || p.extension().is_some_and(|x| x == "rs")).then_some(name)
        })
        .filter(|n| n != "lib" && n != "main")
        .collect();
    mods.sort();
    mods.dedup();
    mods
}

/// The part of a file before its test module.
fn code_part(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// The top-level modules a piece of code names as `crate::NAME` (in code,
/// `use` lines and doc links alike), or inside `crate::{NAME, …}`.
fn named_modules(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Every item of the group at depth 0 starts with a module name.
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start => {
                        out.push(ident(&group[j..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

#[test]
fn every_module_has_a_layer_and_imports_point_down() {
    let modules = top_level_modules();
    for m in &modules {
        assert!(
            layer_of(m).is_some(),
            "src/{m} is not in LAYERS: give it a place (and one in ARCHITECTURE.md)"
        );
    }
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(src()).unwrap();
        let from = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        if from == "lib" || from == "main" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let here = layer_of(&from).unwrap();
        for to in named_modules(code_part(&text)) {
            if to == from || !modules.contains(&to) {
                continue;
            }
            let there = layer_of(&to).unwrap();
            if there >= here {
                wrong
                    .entry(format!("{from} → {to}"))
                    .or_default()
                    .push(rel.display().to_string());
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways (see LAYERS): {wrong:#?}"
    );
}

#[test]
fn only_main_uses_the_command_line() {
    let main = std::fs::read_to_string(src().join("main.rs")).unwrap();
    let used: Vec<&str> = main
        .match_indices("downhill::")
        .map(|(i, _)| {
            let rest = &main[i + "downhill::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect();
    assert_eq!(used, ["cli"], "main.rs should hand everything to cli");
}

#[test]
fn no_file_is_too_long() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut long = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code = code_part(&text).lines().count();
        let all = text.lines().count();
        if code > MAX_CODE_LINES || all > MAX_LINES {
            long.push(format!(
                "{}: {code} lines of code, {all} in all",
                f.strip_prefix(src()).unwrap().display()
            ));
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_CODE_LINES} lines of code or {MAX_LINES} in all: {long:#?}"
    );
}

#[test]
fn the_architecture_map_lists_every_module() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .unwrap();
    for m in top_level_modules() {
        let as_file = format!("`src/{m}.rs`");
        let as_dir = format!("`src/{m}/`");
        assert!(
            doc.contains(&as_file) || doc.contains(&as_dir),
            "ARCHITECTURE.md does not describe src/{m}"
        );
    }
}

#[test]
fn the_import_scanner_sees_groups_and_paths() {
    let code = "use crate::{app::Model, ui::{self, draw}};\nlet x = crate::text::num::sig(1.0, 3);\n/// [`crate::engine`]\n";
    assert_eq!(named_modules(code), ["app", "ui", "text", "engine"]);
    assert_eq!(code_part("a\n#[cfg(test)]\nmod tests {}"), "a\n");
}
