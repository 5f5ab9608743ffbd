//! The scenarios bundled into the binary (the files under `scenarios/`).

use super::{LoadError, Scenario, parse};

/// `(name, TOML text)` of every bundled scenario, in display order.
/// A test checks this list matches the `scenarios/` folder.
pub const ALL: &[(&str, &str)] = &[
    (
        "01-descent-1d",
        include_str!("../../scenarios/01-descent-1d.toml"),
    ),
    (
        "02-unfortunate-start",
        include_str!("../../scenarios/02-unfortunate-start.toml"),
    ),
    ("03-peaks", include_str!("../../scenarios/03-peaks.toml")),
    (
        "04-fixed-vs-dynamic",
        include_str!("../../scenarios/04-fixed-vs-dynamic.toml"),
    ),
    (
        "05-sin-exp",
        include_str!("../../scenarios/05-sin-exp.toml"),
    ),
    (
        "06-exploding-lr",
        include_str!("../../scenarios/06-exploding-lr.toml"),
    ),
    (
        "07-rosenbrock",
        include_str!("../../scenarios/07-rosenbrock.toml"),
    ),
    (
        "08-himmelblau",
        include_str!("../../scenarios/08-himmelblau.toml"),
    ),
    (
        "09-rastrigin",
        include_str!("../../scenarios/09-rastrigin.toml"),
    ),
    ("10-beale", include_str!("../../scenarios/10-beale.toml")),
    ("11-ravine", include_str!("../../scenarios/11-ravine.toml")),
    ("12-saddle", include_str!("../../scenarios/12-saddle.toml")),
    (
        "13-sweep-start",
        include_str!("../../scenarios/13-sweep-start.toml"),
    ),
    (
        "14-sweep-lr",
        include_str!("../../scenarios/14-sweep-lr.toml"),
    ),
    (
        "15-sweep-lr-epochs",
        include_str!("../../scenarios/15-sweep-lr-epochs.toml"),
    ),
    (
        "16-peaks-starts",
        include_str!("../../scenarios/16-peaks-starts.toml"),
    ),
    (
        "17-unfortunate-starts",
        include_str!("../../scenarios/17-unfortunate-starts.toml"),
    ),
    (
        "18-saddle-starts",
        include_str!("../../scenarios/18-saddle-starts.toml"),
    ),
    (
        "19-noisy-bowl",
        include_str!("../../scenarios/19-noisy-bowl.toml"),
    ),
    (
        "20-noisy-peaks",
        include_str!("../../scenarios/20-noisy-peaks.toml"),
    ),
    (
        "21-own-schedules",
        include_str!("../../scenarios/21-own-schedules.toml"),
    ),
];

/// Parse every bundled scenario; they are tested to be valid.
pub fn load_all() -> Vec<Result<Scenario, LoadError>> {
    ALL.iter()
        .map(|(name, text)| parse(&label(name), text))
        .collect()
}

/// How a bundled scenario is named in messages: `bundled:NAME`.
pub fn label(name: &str) -> String {
    format!("bundled:{name}")
}

/// The text of a bundled scenario by name (with or without its numeric
/// prefix: `03-peaks` or `peaks`), or by its number alone as the
/// dashboard's keys and `downhill list` count them (`3`, `03`).
pub fn find(name: &str) -> Option<(&'static str, &'static str)> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    let number = name
        .parse::<u32>()
        .ok()
        .filter(|_| name.bytes().all(|b| b.is_ascii_digit()));
    ALL.iter().copied().find(|(n, _)| {
        let (prefix, rest) = n.split_once('-').unwrap_or((n, ""));
        *n == name || rest == name || number.is_some_and(|k| prefix.parse() == Ok(k))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_matches_the_scenarios_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|f| f.ends_with(".toml"))
            .map(|f| f.trim_end_matches(".toml").to_string())
            .collect();
        files.sort();
        let listed: Vec<String> = ALL.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            files, listed,
            "src/scenario/bundled.rs must list every scenarios/*.toml"
        );
    }

    #[test]
    fn every_bundled_scenario_is_valid() {
        for r in load_all() {
            if let Err(e) = r {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn find_by_short_name() {
        assert_eq!(find("peaks").unwrap().0, "03-peaks");
        assert_eq!(find("03-peaks.toml").unwrap().0, "03-peaks");
        assert!(find("nope").is_none());
        assert_eq!(find("01").unwrap().0, "01-descent-1d");
        assert_eq!(find("1").unwrap().0, "01-descent-1d");
        assert_eq!(find("18").unwrap().0, "18-saddle-starts");
        assert!(find("0").is_none());
        assert_eq!(find("21").unwrap().0, "21-own-schedules");
        assert!(find("22").is_none());
        assert!(find("+1").is_none());
    }
}
