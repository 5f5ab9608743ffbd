//! The scenario list: one [`Entry`] per file (or bundled scenario), loaded
//! or holding the error that kept it from loading.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Paused by the user (`space`, `s`, `x`): each scenario has its own.
    pub paused: bool,
    /// The measured pace, from the snapshots' arrival times.
    pub rate: Rate,
    /// The run selected in the table (`↑` `↓`): the one `<` `>` `h` act on,
    /// drawn on top of the others.
    pub selected: usize,
    /// Runs hidden from the charts and the map (`h`); they keep running.
    pub hidden: Vec<bool>,
    /// What the dashboard changed, kept across restarts.
    pub tweaks: Tweaks,
}

/// Settings changed in the dashboard: base rates (`<` `>`) and a placed
/// start (`p`). They apply from the moment they are made, and every restart
/// starts from them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tweaks {
    /// Per run, a base rate other than the file's.
    pub lrs: Vec<Option<f64>>,
    /// Every run starts here instead.
    pub start: Option<Vec<f64>>,
}

impl Tweaks {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.start.is_none() && self.lrs.iter().all(Option::is_none)
    }
}

/// What a scenario is doing, as the header and the lists show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// The file did not load.
    Error,
    /// Every run has stopped.
    Done,
    /// Paused by the user.
    Paused,
    /// Advancing (only the scenario on screen does).
    Running,
    /// Not on screen, not paused: it goes on when shown.
    Waiting,
}

impl RunState {
    /// The word the header shows.
    pub fn word(self) -> &'static str {
        match self {
            RunState::Error => "error",
            RunState::Done => "done",
            RunState::Paused => "paused",
            RunState::Running => "running",
            RunState::Waiting => "waiting",
        }
    }
}

/// Epochs per second, measured over windows of [`Rate::WINDOW`] between
/// snapshots of one generation while a scenario runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rate {
    /// Where the window began: when, at which epoch, of which generation.
    since: Option<(Instant, u64, u64)>,
    /// The last window's rate.
    pub per_second: Option<f64>,
}

impl Rate {
    /// The shortest window measured.
    pub const WINDOW: Duration = Duration::from_millis(500);

    /// A snapshot of `generation` at `epoch` arrived at `at`.
    pub fn sample(&mut self, at: Instant, epoch: u64, generation: u64) {
        match self.since {
            Some((t0, e0, g0)) if g0 == generation && epoch >= e0 => {
                let dt = at.saturating_duration_since(t0);
                if dt >= Self::WINDOW {
                    self.per_second = Some((epoch - e0) as f64 / dt.as_secs_f64());
                    self.since = Some((at, epoch, generation));
                }
            }
            _ => self.since = Some((at, epoch, generation)),
        }
    }

    /// Forget the measurement (the pace or the state changed).
    pub fn reset(&mut self) {
        *self = Rate::default();
    }
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
            paused: false,
            rate: Rate::default(),
            selected: 0,
            hidden: Vec::new(),
            tweaks: Tweaks::default(),
        }
    }

    /// The scenario the engine races: the file's, with the tweaks applied.
    pub fn effective(&self) -> Option<Arc<Scenario>> {
        let sc = self.scenario.as_ref().ok()?;
        if self.tweaks.is_empty() {
            return Some(sc.clone());
        }
        let mut out = match &self.tweaks.start {
            Some(p) => sc.with_start(p.clone()),
            None => (**sc).clone(),
        };
        for (cfg, lr) in out.runs.iter_mut().zip(&self.tweaks.lrs) {
            if let Some(lr) = lr {
                cfg.lr = *lr;
            }
        }
        Some(Arc::new(out))
    }

    /// Whether run `i` is hidden from the charts and the map.
    pub fn is_hidden(&self, i: usize) -> bool {
        self.hidden.get(i).copied().unwrap_or(false)
    }

    /// Whether run `i`'s base rate differs from the file's (`✎`).
    pub fn is_edited(&self, i: usize) -> bool {
        match (&self.scenario, self.snapshot.as_ref()) {
            (Ok(sc), Some(snap)) => match (sc.runs.get(i), snap.runs.get(i)) {
                (Some(cfg), Some(r)) => cfg.lr != r.base_lr,
                _ => false,
            },
            _ => self.tweaks.lrs.get(i).is_some_and(Option::is_some),
        }
    }

    /// What it is doing; `on_screen` when it is the scenario shown.
    pub fn state(&self, on_screen: bool) -> RunState {
        if self.scenario.is_err() {
            RunState::Error
        } else if self.snapshot.as_ref().is_some_and(|s| s.done) {
            RunState::Done
        } else if self.paused {
            RunState::Paused
        } else if on_screen {
            RunState::Running
        } else {
            RunState::Waiting
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
    let mut out = Vec::new();
    for path in paths {
        let found = scenario::expand_paths(std::slice::from_ref(path));
        if found.is_empty() {
            // A directory with no scenario yet: listed like a missing file,
            // so that saving one there fills it in.
            let shown = path.display().to_string();
            let why = LoadError::whole_file(
                &shown,
                "no *.toml scenario file in this directory yet; save one here and it appears",
            );
            out.push(Entry::new(shown, Err(why)));
        }
        out.extend(found.into_iter().map(|p| match p {
            Ok(p) => {
                let mut e = Entry::new(p.display().to_string(), scenario::load_file(&p));
                e.modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                e
            }
            Err(e) => Entry::new(e.path.clone(), Err(e)),
        }));
    }
    out
}
