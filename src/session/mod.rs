//! One dashboard session, whatever drives it.
//!
//! A session owns a [`Model`], its own engine task and a ratatui terminal
//! writing to some `W: Write` (the local stdout, or an SSH channel). Its
//! driver hands it [`Input`]s — keys, resizes, "stop" — over a channel and
//! gets back why it ended. Nothing in here touches the process's own
//! terminal, so the same loop serves the local terminal and `downhill serve`.
//!
//! The loop `select!`s over the input channel, the engine's snapshots, the
//! engine task's end (a panic is reported on screen, not hidden) and, only
//! while something changed, a frame deadline: it draws at most `fps` times a
//! second, and paused and idle it sleeps. A key press is answered sooner (a
//! quarter of the frame period after the last frame, at most), so what a
//! key does shows at once even while the runs keep every frame busy. Each
//! frame is one synchronized update, and ratatui sends only the cells that
//! changed.
//!
//! What one session may cost is bounded: keys and clicks beyond
//! [`KeyRate`]'s limit are dropped; commands go through the engine's coalescing queue (while
//! its backlog is full, no input is taken); no frame is rendered while the
//! backend says its reader is not ready ([`SessionBackend::ready`]); and
//! leaving, whichever way, cancels the engine with its batch and sweep.
//!
//! The loop is generic over the ratatui backend (anything that is also a
//! `Write`, for the synchronized-update markers): the local driver uses
//! `CrosstermBackend<Stdout>`, while `serve` wraps a `CrosstermBackend` so
//! that `size()` and the cursor position come from the SSH session instead
//! of crossterm's queries of the process's own terminal (which ratatui makes
//! when it clears a fixed viewport on resize).

use std::io::{self, Write};
use std::time::Duration;

use crossterm::event::KeyEvent;
use crossterm::execute;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::layout::Rect;
use std::sync::Arc;

use tokio::sync::mpsc::{Receiver, UnboundedReceiver};
use tokio::time::Instant;

use crate::app::{self, Action, Model, Overlay, keymap};
use crate::engine::{self, Event};
use crate::ui::ViewCache;

pub mod class;
pub mod share;

use share::Frames;

/// Options of one dashboard, whichever driver runs it (the local terminal
/// or `downhill serve`).
#[derive(Debug, Clone, clap::Args)]
pub struct DashboardArgs {
    /// Most frames drawn per second.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub fps: u32,

    /// Where `e` exports and `S` saves.
    #[arg(long, default_value = "downhill-export")]
    pub export_dir: std::path::PathBuf,

    /// Do not ask the terminal for mouse clicks (a click on the landscape
    /// places the start; with the mouse on, most terminals still select
    /// text with Shift held).
    #[arg(long)]
    pub no_mouse: bool,
}

/// Terminal codes that turn mouse reports on and off: button presses only
/// (no motion, so a moving mouse costs nothing), in SGR form.
pub const MOUSE_ON: &str = "\x1b[?1000h\x1b[?1006h";
pub const MOUSE_OFF: &str = "\x1b[?1006l\x1b[?1000l";

/// What a driver tells a session.
#[derive(Debug, Clone)]
pub enum Input {
    Key(KeyEvent),
    /// A left click at this cell (column, row).
    Click(u16, u16),
    /// The terminal is now `cols × rows`.
    Resize(u16, u16),
    /// The scenario files were read again (hot reload): the new list.
    Rescan(Vec<crate::app::Entry>),
    /// End the session (a signal, a closed connection, a time limit), with
    /// the reason.
    Stop(Exit),
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A signal, by number.
    Signal(i32),
    /// The input side went away (terminal closed, connection dropped).
    Closed,
    /// A session limit (idle time, session length) was reached.
    Timeout,
}

/// The terminal a session draws on.
pub type SessionTerminal<W> = Terminal<CrosstermBackend<W>>;

/// A backend a session can draw on: ratatui's, plus raw writes for the
/// synchronized-update markers.
pub trait SessionBackend: Backend<Error = io::Error> + Write {
    /// Whether a new frame would reach its reader now. A backend whose
    /// reader stopped reading (its output is full) says no: the session
    /// then renders nothing and draws the latest state once it says yes.
    fn ready(&self) -> bool {
        true
    }
}

impl<W: Write> SessionBackend for CrosstermBackend<W> {}

/// Keys a session takes in a burst (a held key, a quick sequence).
pub const KEY_BURST: f64 = 64.0;
/// Keys a session takes per second beyond a burst; more are dropped.
pub const KEYS_PER_SECOND: f64 = 64.0;

/// A per-session key rate limit (a token bucket of [`KEY_BURST`] keys,
/// refilled at [`KEYS_PER_SECOND`]): a flood of keys costs a session what
/// fast typing does, not more.
#[derive(Debug, Clone)]
pub struct KeyRate {
    tokens: f64,
    at: Instant,
}

impl KeyRate {
    pub fn new(now: Instant) -> KeyRate {
        KeyRate {
            tokens: KEY_BURST,
            at: now,
        }
    }

    /// Whether a key arriving at `now` is taken.
    pub fn take(&mut self, now: Instant) -> bool {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + dt * KEYS_PER_SECOND).min(KEY_BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Draw one frame as a synchronized update: rendered, or copied from
/// `share` when another screen of the class rendered the same one.
pub fn draw<B: SessionBackend>(
    term: &mut Terminal<B>,
    model: &Model,
    cache: &mut ViewCache,
    share: Option<&Frames>,
) -> io::Result<()> {
    execute!(term.backend_mut(), BeginSynchronizedUpdate)?;
    term.draw(|f| match share {
        Some(frames) => frames.draw(f, model, cache),
        None => crate::ui::draw(f, model, cache),
    })?;
    execute!(term.backend_mut(), EndSynchronizedUpdate)?;
    Write::flush(term.backend_mut())
}

/// A session's engine: its command queue, its task (dropping it cancels
/// the engine) and its events. A follower has none: its race is the
/// teacher's.
struct Engine {
    cmds: Option<engine::queue::Commands>,
    task: Option<engine::Task>,
    events: Option<UnboundedReceiver<Event>>,
}

impl Engine {
    fn none() -> Engine {
        Engine {
            cmds: None,
            task: None,
            events: None,
        }
    }

    fn start(fps: u32) -> Engine {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (cmds, task) = engine::spawn(fps, tx);
        Engine {
            cmds: Some(cmds),
            task: Some(task),
            events: Some(rx),
        }
    }

    fn backlog(&self) -> usize {
        self.cmds.as_ref().map_or(0, |c| c.backlog())
    }

    fn send(&mut self, cmds: Vec<engine::Command>) {
        if let Some(c) = &mut self.cmds {
            c.extend(cmds);
        }
    }
}

/// Wait on `fut` if there is one, forever if not.
async fn maybe<T>(fut: Option<impl std::future::Future<Output = T>>) -> T {
    match fut {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

/// Run a session until the user quits or the driver stops it. In a class,
/// `member` links it to the others (see [`class`]); its model's role says
/// how it takes part.
pub async fn run<B: SessionBackend>(
    term: &mut Terminal<B>,
    mut input: Receiver<Input>,
    mut model: Model,
    fps: u32,
    mut member: Option<class::Member>,
) -> io::Result<Exit> {
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
    // Dropping the task cancels the engine (and its sweep) whichever way we
    // leave, whatever is queued. A follower starts without one.
    let mut eng = if model.class.role.mirrors() {
        Engine::none()
    } else {
        Engine::start(fps)
    };
    let mut keys = KeyRate::new(Instant::now());
    // A teacher hears the roster, everyone else the teacher's lessons.
    let (mut lessons, mut rosters) = match &member {
        Some(m) => {
            let (l, r) = m.listen();
            let teaching = m.role() == app::class::Role::Teacher;
            ((!teaching).then_some(l), teaching.then_some(r))
        }
        None => (None, None),
    };
    eng.send(app::activate(&model));
    if let Some(l) = member.as_ref().and_then(class::Member::lesson) {
        app::update(&mut model, Action::Lesson(l));
    }
    // The panes' memo (the landscape's sampled surface): ui state, kept here.
    let mut view = ViewCache::default();
    let mut dirty = true;
    let mut last_draw = Instant::now() - period;
    // A key changed the screen: the next frame comes after `urgent_gap`.
    let urgent_gap = period / 4;
    let mut urgent = false;

    loop {
        let mut action = None;
        let teacher = model.class.role == app::class::Role::Teacher;
        tokio::select! {
            // Commands the engine has no room for wait in the outbox; while
            // it is long, input waits (and a driver drops keys).
            msg = input.recv(), if eng.backlog() < engine::queue::MAX_BACKLOG => match msg {
                Some(Input::Key(k)) => {
                    if keys.take(Instant::now()) {
                        action = keymap::action_for(k, &model.overlay);
                        urgent |= action.is_some();
                    }
                }
                Some(Input::Click(col, row)) => {
                    // Only on the landscape, and not through a popup; a
                    // click counts against the key rate.
                    if matches!(model.overlay, Overlay::None | Overlay::Place { .. })
                        && keys.take(Instant::now())
                    {
                        action = view.point_at(col, row).map(Action::PlaceAt);
                        urgent |= action.is_some();
                    }
                }
                Some(Input::Resize(w, h)) => {
                    term.resize(Rect::new(0, 0, w, h))?;
                    dirty = true;
                }
                Some(Input::Rescan(entries)) => action = Some(Action::Reload(entries)),
                Some(Input::Stop(why)) => return Ok(why),
                None => return Ok(Exit::Closed),
            },
            Some(ev) = maybe(eng.events.as_mut().map(|e| e.recv())) => action = Some(match ev {
                Event::Snapshot(s) => Action::Snapshot(s, std::time::Instant::now()),
                Event::Sweep { id, generation, results } => {
                    Action::SweepResults { id, generation, results }
                }
                Event::Exported { result, .. } => Action::Exported(result),
                Event::Saved { result, .. } => Action::Saved(result),
            }),
            res = maybe(eng.task.as_mut()) => {
                eng.task = None;
                let msg = match res {
                    Err(e) if e.is_panic() => panic_text(e.into_panic().as_ref()),
                    _ => "the engine task ended".into(),
                };
                action = Some(Action::EngineFailed(msg));
            }
            _ = maybe(eng.cmds.as_mut().filter(|c| c.backlog() > 0).map(|c| c.flush())) => {}
            Some(l) = maybe(lessons.as_mut().map(class::Lessons::next)) => {
                // What the teacher did by hand (a pause, a step, a switch)
                // reaches the class as fast as a key; a running race at the
                // usual pace.
                urgent |= l.paused
                    || model.current != l.current
                    || model.entry().is_some_and(|e| e.paused != l.paused);
                action = Some(Action::Lesson(l));
            }
            (dots, following) = maybe(rosters.as_mut().filter(|_| teacher).map(class::Rosters::next)) => {
                action = Some(Action::ClassDots { dots: Arc::new(dots), following });
            }
            _ = tokio::time::sleep_until(last_draw + if urgent { urgent_gap } else { period }), if dirty => {
                // Nothing is rendered for a reader that is not reading; the
                // latest state is drawn once it is.
                if term.backend().ready() {
                    let share = member.as_ref().and_then(|m| m.frames(&model));
                    draw(term, &model, &mut view, share)?;
                    dirty = false;
                    urgent = false;
                }
                last_draw = Instant::now();
                // A scrolling view learnt how far it can go at this size.
                if let Some(l) = view.scroll
                    && (l.max, l.page) != (model.scroll.max, model.scroll.page)
                {
                    let before = model.scroll.offset;
                    app::update(&mut model, Action::ScrollLimit { max: l.max, page: l.page });
                    dirty = model.scroll.offset != before;
                }
            }
        }
        if let Some(a) = action {
            let cmds = app::update(&mut model, a);
            // A follower going off on its own gets an engine (the commands
            // give it the teacher's race); catching up drops it.
            match (model.class.role.mirrors(), eng.cmds.is_some()) {
                (true, true) => eng = Engine::none(),
                (false, false) => eng = Engine::start(fps),
                _ => {}
            }
            eng.send(cmds);
            dirty = true;
        }
        if let Some(m) = &mut member {
            if model.class.role == app::class::Role::Teacher && !m.holds_class() {
                model.class.role = app::class::Role::Solo;
                model.message = Some("another teacher session took the class".into());
            }
            m.share(&model);
        }
        if model.quit {
            return Ok(Exit::Quit);
        }
    }
}

/// The message of a panic payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}
