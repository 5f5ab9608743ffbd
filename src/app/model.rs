//! The dashboard model.

use super::Entry;
use crate::sweep::SweepGrid;
use crate::track::Snapshot;

/// A sweep being computed or computed, and the cursor reading it.
#[derive(Debug, Clone)]
pub struct SweepState {
    /// The scenario generation it was started for.
    pub generation: u64,
    pub grid: SweepGrid,
    /// Index along each axis (x first).
    pub cursor: Vec<usize>,
}

impl SweepState {
    /// An empty grid with the cursor at the first point.
    pub fn new(generation: u64, grid: SweepGrid) -> SweepState {
        let cursor = vec![0; grid.axes.len()];
        SweepState {
            generation,
            grid,
            cursor,
        }
    }

    /// Move the cursor by `dx` along x and `dy` along y, within the grid.
    pub fn move_cursor(&mut self, dx: i64, dy: i64) {
        for (axis, d) in [(0usize, dx), (1, dy)] {
            if let (Some(c), Some(a)) = (self.cursor.get_mut(axis), self.grid.axes.get(axis)) {
                let max = a.values.len().saturating_sub(1) as i64;
                *c = (*c as i64 + d).clamp(0, max) as usize;
            }
        }
    }

    /// The grid index under the cursor.
    pub fn cursor_index(&self) -> usize {
        self.grid.index(&self.cursor)
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
    /// else `COLORTERM` = `truecolor`/`24bit` or a `TERM` ending in
    /// `-direct` (24-bit colour), else a `TERM` naming 256 colours, else 16.
    pub fn detect(no_color: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> Self {
        if no_color.is_some_and(|v| !v.is_empty()) {
            ColorDepth::None
        } else if colorterm.is_some_and(|c| c == "truecolor" || c == "24bit")
            || term.is_some_and(|t| t.ends_with("-direct"))
        {
            ColorDepth::TrueColor
        } else if term.is_some_and(|t| t.contains("256")) {
            ColorDepth::Indexed256
        } else {
            ColorDepth::Ansi16
        }
    }
}

/// What characters the terminal's font can draw, as the driver found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    /// Braille, geometric shapes and the rest of Unicode's drawing characters.
    #[default]
    Unicode,
    /// A text console's font (the Linux console's, BSD's `cons25`): about
    /// code page 437 — box drawing, blocks and shades, `·•○■` — and no
    /// braille. Charts are drawn with half blocks instead.
    Console,
}

impl Charset {
    /// From `TERM`: the Linux console (`linux`, `linux-*`) and BSD's
    /// (`cons*`) lack braille; anything else is taken to draw Unicode.
    pub fn detect(term: Option<&str>) -> Self {
        match term {
            Some(t) if t == "linux" || t.starts_with("linux-") || t.starts_with("cons") => {
                Charset::Console
            }
            _ => Charset::Unicode,
        }
    }
}

/// What is drawn over the dashboard.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    /// "Explain this step": the last update of every run as arithmetic.
    Explain,
    /// The sweep view of the scenario's `[sweep]` table.
    Sweep,
    /// The scenario picker, filtering names by what was typed.
    Picker {
        filter: String,
        selected: usize,
    },
    /// Everything about the scenario on screen, whole: title, about, f,
    /// runs, the last message and any error (what the panes had to cut).
    Details,
    /// Placing the start (`p`): a crosshair at `at` on the landscape, moved
    /// with the arrows; Enter restarts every run there.
    Place {
        at: Vec<f64>,
    },
}

/// What the x axis of the loss and lower charts counts (`v` cycles): a fair
/// comparison of schedules that pay differently per update is by cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XAxis {
    #[default]
    Epochs,
    /// Points where f was evaluated (a line search pays for every trial).
    FEvals,
    /// Points where ∇f was evaluated.
    GEvals,
}

impl XAxis {
    /// epochs → f evaluations → gradient evaluations → epochs.
    pub fn next(self) -> XAxis {
        match self {
            XAxis::Epochs => XAxis::FEvals,
            XAxis::FEvals => XAxis::GEvals,
            XAxis::GEvals => XAxis::Epochs,
        }
    }

    /// How the axis is named.
    pub fn label(self) -> &'static str {
        match self {
            XAxis::Epochs => "epochs",
            XAxis::FEvals => "f evaluations",
            XAxis::GEvals => "∇f evaluations",
        }
    }
}

/// A move of a scrolling view (help, explain, details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrollMove {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
}

/// Where a scrolling view is: its first line shown, and the limits the
/// view reported when it was last drawn (how far it can go, a page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scroll {
    pub offset: u16,
    pub max: u16,
    pub page: u16,
}

impl Scroll {
    /// Apply a move, within the last reported limits.
    pub fn apply(&mut self, m: ScrollMove) {
        let page = self.page.max(1);
        self.offset = match m {
            ScrollMove::Up => self.offset.saturating_sub(1),
            ScrollMove::Down => self.offset.saturating_add(1),
            ScrollMove::PageUp => self.offset.saturating_sub(page),
            ScrollMove::PageDown => self.offset.saturating_add(page),
            ScrollMove::Home => 0,
            ScrollMove::End => self.max,
        }
        .min(self.max);
    }
}

/// What the lower chart shows (`c` cycles). Not the loss: the loss chart
/// is always on screen beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LowerChart {
    /// Each variable of each run against epoch.
    Position,
    /// Each gradient component of each run against epoch.
    Gradient,
    /// The learning rate each run used.
    #[default]
    Lr,
}

impl LowerChart {
    /// The next mode: lr → position → gradient → lr.
    pub fn next(self) -> LowerChart {
        match self {
            LowerChart::Position => LowerChart::Gradient,
            LowerChart::Gradient => LowerChart::Lr,
            LowerChart::Lr => LowerChart::Position,
        }
    }
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct Model {
    pub entries: Vec<Entry>,
    /// The id the next new entry gets.
    pub next_id: usize,
    /// Where `e` exports go; `None` disables exporting (e.g. under `serve`).
    pub export_dir: Option<std::path::PathBuf>,
    pub current: usize,
    pub log_scale: bool,
    pub lower: LowerChart,
    /// What the charts' x axis counts (`v`).
    pub x_axis: XAxis,
    pub overlay: Overlay,
    /// Where the scrolling overlay is (reset whenever one opens).
    pub scroll: Scroll,
    /// What colours the terminal can show.
    pub color: ColorDepth,
    /// What characters the terminal can draw.
    pub charset: Charset,
    /// The landscape fills the main area (`m`).
    pub map_full: bool,
    /// The table shows where every start ended (`b`; many-start scenarios).
    pub show_basins: bool,
    /// Set when the user asked to quit.
    pub quit: bool,
    /// A one-line message for the status line.
    pub message: Option<String>,
    /// The scenario files are watched: a saved fix reloads by itself.
    pub watching: bool,
    /// Its part in a class (`downhill serve --teacher-keys`), if any.
    pub class: super::class::Class,
}

impl Model {
    /// A model over `entries`, showing the first. Entries are numbered
    /// 0, 1, … in order.
    pub fn new(mut entries: Vec<Entry>) -> Model {
        for (i, e) in entries.iter_mut().enumerate() {
            e.id = i;
        }
        Model {
            next_id: entries.len(),
            export_dir: None,
            entries,
            current: 0,
            log_scale: false,
            lower: LowerChart::default(),
            x_axis: XAxis::default(),
            overlay: Overlay::None,
            scroll: Scroll::default(),
            color: ColorDepth::Ansi16,
            charset: Charset::Unicode,
            map_full: false,
            show_basins: false,
            quit: false,
            message: None,
            watching: false,
            class: Default::default(),
        }
    }

    /// The entry on screen.
    pub fn entry(&self) -> Option<&Entry> {
        self.entries.get(self.current)
    }

    /// The entry with this id, wherever it is in the list.
    pub fn entry_by_id(&mut self, id: usize) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.id == id)
    }

    /// The scenario on screen is paused.
    pub fn paused(&self) -> bool {
        self.entry().is_some_and(|e| e.paused)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_depth_from_the_environment() {
        let d = ColorDepth::detect;
        assert_eq!(
            d(Some("1"), Some("truecolor"), Some("xterm")),
            ColorDepth::None
        );
        assert_eq!(d(Some(""), None, Some("xterm")), ColorDepth::Ansi16);
        assert_eq!(
            d(None, Some("truecolor"), Some("xterm")),
            ColorDepth::TrueColor
        );
        assert_eq!(d(None, Some("24bit"), Some("linux")), ColorDepth::TrueColor);
        assert_eq!(d(None, None, Some("xterm-direct")), ColorDepth::TrueColor);
        assert_eq!(d(None, None, Some("tmux-256color")), ColorDepth::Indexed256);
        assert_eq!(d(None, None, Some("linux")), ColorDepth::Ansi16);
        assert_eq!(d(None, None, None), ColorDepth::Ansi16);
    }

    #[test]
    fn charset_from_term() {
        assert_eq!(Charset::detect(Some("linux")), Charset::Console);
        assert_eq!(Charset::detect(Some("linux-16color")), Charset::Console);
        assert_eq!(Charset::detect(Some("cons25")), Charset::Console);
        assert_eq!(Charset::detect(Some("xterm-256color")), Charset::Unicode);
        assert_eq!(Charset::detect(Some("screen")), Charset::Unicode);
        assert_eq!(Charset::detect(None), Charset::Unicode);
    }
}
