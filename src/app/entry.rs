//! The scenario list: one [`Entry`] per file (or bundled scenario), loaded
//! or holding the error that kept it from loading.

use std::path::PathBuf;
use std::sync::Arc;

use super::SweepState;
use crate::engine::Pace;
use crate::scenario::{self, LoadError, Scenario, bundled};
use crate::track::Snapshot;

/// One scenario in the list: loaded, or the error that kept it from loading.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Stable identity for the engine (positions change when files come
    /// and go).
    pub id: usize,
    /// Where it came from (file path or `bundled:NAME`).
    pub label: String,
    /// The file's modification time when it was loaded (for reloads).
    pub modified: Option<std::time::SystemTime>,
    /// The last reload failed: its error, while the last good version runs.
    pub reload_error: Option<LoadError>,
    pub scenario: Result<Arc<Scenario>, LoadError>,
    /// Bumped by each restart; snapshots of older generations are dropped.
    pub generation: u64,
    pub pace: Pace,
    /// The latest picture of its race, once the engine has sent one.
    pub snapshot: Option<Arc<Snapshot>>,
    /// Its `[sweep]` grid, once the sweep view was opened (filling in).
    pub sweep: Option<SweepState>,
}

impl Entry {
    /// An entry for a loaded scenario or a load error.
    pub fn new(label: String, scenario: Result<Scenario, LoadError>) -> Entry {
        let pace = scenario
            .as_ref()
            .map_or(Pace::PerSecond(10.0), |s| Pace::default_for(s.epochs));
        Entry {
            id: 0,
            label,
            modified: None,
            reload_error: None,
            scenario: scenario.map(Arc::new),
            generation: 0,
            pace,
            snapshot: None,
            sweep: None,
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

/// The scenarios to show: the given files and directories, or the bundled
/// ones. Files that fail to load are entries with their error.
pub fn load_entries(paths: &[PathBuf]) -> Vec<Entry> {
    if paths.is_empty() {
        return bundled::ALL
            .iter()
            .map(|(name, text)| {
                let label = bundled::label(name);
                let sc = scenario::parse(&label, text);
                Entry::new(label, sc)
            })
            .collect();
    }
    scenario::expand_paths(paths)
        .into_iter()
        .map(|p| match p {
            Ok(p) => {
                let mut e = Entry::new(p.display().to_string(), scenario::load_file(&p));
                e.modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                e
            }
            Err(e) => Entry::new(e.path.clone(), Err(e)),
        })
        .collect()
}
