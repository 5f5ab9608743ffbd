//! The dashboard model.

use std::sync::Arc;

use crate::engine::{Pace, Snapshot};
use crate::scenario::{LoadError, Scenario};

/// One scenario in the list: loaded, or the error that kept it from loading.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Where it came from (file path or `bundled:NAME`).
    pub label: String,
    pub scenario: Result<Arc<Scenario>, LoadError>,
    /// Bumped by each restart; snapshots of older generations are dropped.
    pub generation: u64,
    pub pace: Pace,
    /// The latest picture of its race, once the engine has sent one.
    pub snapshot: Option<Arc<Snapshot>>,
}

impl Entry {
    /// An entry for a loaded scenario or a load error.
    pub fn new(label: String, scenario: Result<Scenario, LoadError>) -> Entry {
        let pace = scenario
            .as_ref()
            .map_or(Pace::PerSecond(10.0), |s| Pace::default_for(s.epochs));
        Entry {
            label,
            scenario: scenario.map(Arc::new),
            generation: 0,
            pace,
            snapshot: None,
        }
    }

    /// The name shown in lists: the title, or the file for a broken one.
    pub fn name(&self) -> String {
        match &self.scenario {
            Ok(s) => s.title.clone(),
            Err(_) => self.label.clone(),
        }
    }
}

/// What colours the terminal shows, as the driver found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorDepth {
    /// `NO_COLOR`: no colour at all.
    None,
    /// The 16 ANSI colours.
    #[default]
    Ansi16,
    /// The xterm 256-colour palette.
    Indexed256,
    /// 24-bit colour.
    TrueColor,
}

impl ColorDepth {
    /// From the environment's conventions: `NO_COLOR` set and non-empty,
    /// else `COLORTERM` = `truecolor`/`24bit`, else a `TERM` naming
    /// 256 colours, else 16.
    pub fn detect(no_color: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> Self {
        if no_color.is_some_and(|v| !v.is_empty()) {
            ColorDepth::None
        } else if colorterm.is_some_and(|c| c == "truecolor" || c == "24bit") {
            ColorDepth::TrueColor
        } else if term.is_some_and(|t| t.contains("256")) {
            ColorDepth::Indexed256
        } else {
            ColorDepth::Ansi16
        }
    }
}

/// A memo filled while drawing (interior mutability: drawing borrows the
/// model immutably). Cloning a model starts with an empty memo.
#[derive(Default)]
pub struct MapCache {
    pub cell: std::sync::Mutex<Option<std::sync::Arc<crate::ui::landscape::Map>>>,
    /// How many maps were computed (for tests of the memo).
    pub computed: std::sync::atomic::AtomicUsize,
}

impl Clone for MapCache {
    fn clone(&self) -> Self {
        MapCache::default()
    }
}

impl std::fmt::Debug for MapCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MapCache")
    }
}

/// What is drawn over the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    /// "Explain this step": the last update of every run as arithmetic.
    Explain,
    /// The scenario picker, filtering names by what was typed.
    Picker {
        filter: String,
        selected: usize,
    },
}

/// What the lower chart shows (`c` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LowerChart {
    Loss,
    /// Each variable of each run against epoch.
    Position,
    /// Each gradient component of each run against epoch.
    Gradient,
    /// The learning rate each run used.
    #[default]
    Lr,
}

impl LowerChart {
    /// The next mode: loss → position → gradient → lr → loss.
    pub fn next(self) -> LowerChart {
        match self {
            LowerChart::Loss => LowerChart::Position,
            LowerChart::Position => LowerChart::Gradient,
            LowerChart::Gradient => LowerChart::Lr,
            LowerChart::Lr => LowerChart::Loss,
        }
    }
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct Model {
    pub entries: Vec<Entry>,
    pub current: usize,
    pub paused: bool,
    pub log_scale: bool,
    pub lower: LowerChart,
    pub overlay: Overlay,
    /// What colours the terminal can show.
    pub color: ColorDepth,
    /// The landscape fills the main area (`m`).
    pub map_full: bool,
    /// The table shows where every start ended (`b`; many-start scenarios).
    pub show_basins: bool,
    /// Memo of the landscape map (see `ui::landscape`): filled while
    /// drawing, keyed by scenario and size, so it is computed once, not per
    /// frame.
    pub map_cache: MapCache,
    /// Set when the user asked to quit.
    pub quit: bool,
    /// A one-line message for the status line.
    pub message: Option<String>,
}

impl Model {
    /// A model over `entries`, showing the first.
    pub fn new(entries: Vec<Entry>) -> Model {
        Model {
            entries,
            current: 0,
            paused: false,
            log_scale: false,
            lower: LowerChart::default(),
            overlay: Overlay::None,
            color: ColorDepth::Ansi16,
            map_full: false,
            show_basins: false,
            map_cache: MapCache::default(),
            quit: false,
            message: None,
        }
    }

    /// The entry on screen.
    pub fn entry(&self) -> Option<&Entry> {
        self.entries.get(self.current)
    }

    /// The snapshot on screen, if any.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.entry().and_then(|e| e.snapshot.as_deref())
    }

    /// Indices of entries whose name contains `filter` (case-insensitive).
    pub fn filtered(&self, filter: &str) -> Vec<usize> {
        let f = filter.to_lowercase();
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.name().to_lowercase().contains(&f) || e.label.to_lowercase().contains(&f)
            })
            .map(|(i, _)| i)
            .collect()
    }
}
