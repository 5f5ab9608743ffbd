//! Keys → actions, as tables: one for the dashboard and one for each view
//! drawn over it. The keys, the help popup and every view's footer are read
//! from these tables, so none of them can drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::model::{Overlay, ScrollMove};
use super::update::Action;

/// One row of a keymap: the keys, what they do, how help names them, and
/// how the footer shows them.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub action: Action,
    /// Key names as the help shows them.
    pub label: &'static str,
    pub help: &'static str,
    /// The footer's short form, if it has one.
    pub hint: Option<Hint>,
}

/// A key in the footer: `key word`, e.g. `space pause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub key: &'static str,
    pub word: &'static str,
    /// When the footer is too short, hints go highest first; 0 never goes.
    pub drop: u8,
}

const fn hint(key: &'static str, word: &'static str, drop: u8) -> Option<Hint> {
    Some(Hint { key, word, drop })
}

/// The dashboard's keys (digits 1–9 and Ctrl-C are handled in
/// [`action_for`]). Every view falls back to these for keys it does not
/// take itself.
pub static BINDINGS: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Char(' ')],
        action: Action::TogglePause,
        label: "space",
        help: "pause / resume this scenario (each has its own)",
        hint: hint("space", "pause", 1),
    },
    Binding {
        keys: &[KeyCode::Char('s'), KeyCode::Char('.')],
        action: Action::Step,
        label: "s .",
        help: "one epoch for every run (pauses)",
        hint: hint("s", "step", 2),
    },
    Binding {
        keys: &[KeyCode::Char('r')],
        action: Action::Restart,
        label: "r",
        help: "restart, running (new random start if random)",
        hint: hint("r", "restart", 5),
    },
    Binding {
        keys: &[KeyCode::Tab, KeyCode::Right, KeyCode::Char(']')],
        action: Action::Next,
        label: "Tab → ]",
        help: "next scenario",
        hint: hint("←→", "scenario", 3),
    },
    Binding {
        keys: &[KeyCode::BackTab, KeyCode::Left, KeyCode::Char('[')],
        action: Action::Prev,
        label: "S-Tab ← [",
        help: "previous scenario",
        hint: None,
    },
    Binding {
        keys: &[KeyCode::Char('o')],
        action: Action::OpenPicker,
        label: "o",
        help: "pick a scenario by name",
        hint: hint("o", "open", 12),
    },
    Binding {
        keys: &[KeyCode::Char('+'), KeyCode::Char('=')],
        action: Action::Faster,
        label: "+",
        help: "faster (up to max)",
        hint: hint("+-", "speed", 6),
    },
    Binding {
        keys: &[KeyCode::Char('-'), KeyCode::Char('_')],
        action: Action::Slower,
        label: "-",
        help: "slower",
        hint: None,
    },
    Binding {
        keys: &[KeyCode::Char('l')],
        action: Action::ToggleLog,
        label: "l",
        help: "log-scale loss axis",
        hint: hint("l", "log", 10),
    },
    Binding {
        keys: &[KeyCode::Char('c')],
        action: Action::CycleChart,
        label: "c",
        help: "lower chart: lr · position · gradient",
        hint: hint("c", "chart", 9),
    },
    Binding {
        keys: &[KeyCode::Char('x')],
        action: Action::ToggleExplain,
        label: "x",
        help: "explain the last step (pauses)",
        hint: hint("x", "explain", 7),
    },
    Binding {
        keys: &[KeyCode::Char('i')],
        action: Action::ToggleDetails,
        label: "i",
        help: "details: the whole title, about, f, runs, message, error",
        hint: hint("i", "details", 4),
    },
    Binding {
        keys: &[KeyCode::Char('w')],
        action: Action::OpenSweep,
        label: "w",
        help: "sweep view (scenarios with [sweep])",
        hint: hint("w", "sweep", 14),
    },
    Binding {
        keys: &[KeyCode::Char('e')],
        action: Action::Export,
        label: "e",
        help: "export this scenario (CSV + JSON)",
        hint: hint("e", "export", 13),
    },
    Binding {
        keys: &[KeyCode::Char('m')],
        action: Action::ToggleMap,
        label: "m",
        help: "landscape full-screen / back",
        hint: hint("m", "map", 8),
    },
    Binding {
        keys: &[KeyCode::Char('b')],
        action: Action::ToggleBasins,
        label: "b",
        help: "table: runs / basins (where many starts end)",
        hint: hint("b", "basins", 11),
    },
    Binding {
        keys: &[
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Char('k'),
            KeyCode::Char('j'),
        ],
        action: Action::SelectRun(1),
        label: "↑ ↓ k j",
        help: "select a run in the table (drawn on top)",
        hint: hint("↑↓", "run", 15),
    },
    Binding {
        keys: &[KeyCode::Char('<'), KeyCode::Char('>')],
        action: Action::ScaleLr(2.0),
        label: "< >",
        help: "halve / double the selected run's lr, from the next epoch",
        hint: hint("<>", "lr", 16),
    },
    Binding {
        keys: &[KeyCode::Char('h')],
        action: Action::ToggleHidden,
        label: "h",
        help: "hide / show the selected run in the charts and the map",
        hint: hint("h", "hide", 19),
    },
    Binding {
        keys: &[KeyCode::Char('p')],
        action: Action::StartPlacing,
        label: "p",
        help: "place the start: arrows move it, Enter restarts there (or click the map)",
        hint: hint("p", "place", 17),
    },
    Binding {
        keys: &[KeyCode::Char(',')],
        action: Action::StepBack,
        label: ",",
        help: "one epoch back (pauses; exact)",
        hint: hint(",", "back", 18),
    },
    Binding {
        keys: &[KeyCode::Char('v')],
        action: Action::CycleAxis,
        label: "v",
        help: "charts' x axis: epochs · f evaluations · ∇f evaluations",
        hint: hint("v", "x axis", 20),
    },
    Binding {
        keys: &[KeyCode::Char('S')],
        action: Action::Save,
        label: "S",
        help: "save the scenario as it is now (rates, start) as a file",
        hint: hint("S", "save", 21),
    },
    Binding {
        keys: &[KeyCode::Char('f')],
        action: Action::ToggleFollow,
        label: "f",
        help: "in a class: go off on your own / catch up (the teacher: call everyone back)",
        hint: hint("f", "follow", 22),
    },
    Binding {
        keys: &[KeyCode::Char('C')],
        action: Action::ToggleClass,
        label: "C",
        help: "the teacher: where the students on their own are",
        hint: hint("C", "class", 23),
    },
    Binding {
        keys: &[KeyCode::Char('?'), KeyCode::F(1)],
        action: Action::ToggleHelp,
        label: "? F1",
        help: "this help",
        hint: hint("?", "help", 0),
    },
    Binding {
        keys: &[KeyCode::Esc],
        action: Action::Close,
        label: "Esc",
        help: "close what is open (a popup, the sweep, the full map, a message)",
        hint: None,
    },
    Binding {
        keys: &[KeyCode::Char('q')],
        action: Action::Quit,
        label: "q ^C",
        help: "quit",
        hint: hint("q", "quit", 0),
    },
];

/// Scrolling, in help, explain and details.
pub static SCROLLING: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Up, KeyCode::Down],
        action: Action::Scroll(ScrollMove::Down),
        label: "↑ ↓",
        help: "scroll a line",
        hint: hint("↑↓", "scroll", 2),
    },
    Binding {
        keys: &[KeyCode::PageUp, KeyCode::PageDown],
        action: Action::Scroll(ScrollMove::PageDown),
        label: "PgUp PgDn",
        help: "scroll a page",
        hint: hint("PgUp PgDn", "page", 4),
    },
    Binding {
        keys: &[KeyCode::Home, KeyCode::End],
        action: Action::Scroll(ScrollMove::End),
        label: "Home End",
        help: "to the top / the end",
        hint: None,
    },
    Binding {
        keys: &[KeyCode::Esc],
        action: Action::Close,
        label: "Esc",
        help: "close",
        hint: hint("Esc", "close", 1),
    },
];

/// The explain panel's own key (it scrolls too, and `x` closes it).
pub static EXPLAIN: &[Binding] = &[Binding {
    keys: &[KeyCode::Char('s'), KeyCode::Char('.')],
    action: Action::Step,
    label: "s .",
    help: "step: the panel follows",
    hint: hint("s", "step", 3),
}];

/// The sweep view's keys.
pub static SWEEP: &[Binding] = &[
    Binding {
        keys: &[
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Char('h'),
            KeyCode::Char('l'),
            KeyCode::Char('k'),
            KeyCode::Char('j'),
        ],
        action: Action::SweepCursor(0, 0),
        label: "←→↑↓ hljk",
        help: "move the cursor",
        hint: hint("←→↑↓", "move", 2),
    },
    Binding {
        keys: &[KeyCode::Esc, KeyCode::Char('w')],
        action: Action::Close,
        label: "Esc w",
        help: "close the sweep view",
        hint: hint("Esc", "close", 1),
    },
];

/// Placing the start: the crosshair's keys (Shift: ten times further).
pub static PLACE: &[Binding] = &[
    Binding {
        keys: &[
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Char('h'),
            KeyCode::Char('l'),
            KeyCode::Char('k'),
            KeyCode::Char('j'),
            KeyCode::Char('H'),
            KeyCode::Char('L'),
            KeyCode::Char('K'),
            KeyCode::Char('J'),
        ],
        action: Action::MovePlace(0, 0),
        label: "←→↑↓ hljk",
        help: "move the crosshair (Shift: ten times further)",
        hint: hint("←→↑↓", "move", 2),
    },
    Binding {
        keys: &[KeyCode::Enter],
        action: Action::Confirm,
        label: "Enter",
        help: "restart every run from the crosshair",
        hint: hint("Enter", "start here", 1),
    },
    Binding {
        keys: &[KeyCode::Esc],
        action: Action::Close,
        label: "Esc",
        help: "cancel",
        hint: hint("Esc", "cancel", 1),
    },
];

/// The picker's keys (any other character is typed into its filter).
pub static PICKER: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Up, KeyCode::Down],
        action: Action::Down,
        label: "↑ ↓",
        help: "choose",
        hint: hint("↑↓", "choose", 3),
    },
    Binding {
        keys: &[KeyCode::Enter],
        action: Action::Confirm,
        label: "Enter",
        help: "open the chosen scenario",
        hint: hint("Enter", "open", 2),
    },
    Binding {
        keys: &[KeyCode::Backspace],
        action: Action::FilterBackspace,
        label: "Backspace",
        help: "delete a typed character",
        hint: None,
    },
    Binding {
        keys: &[KeyCode::Esc],
        action: Action::Close,
        label: "Esc",
        help: "close",
        hint: hint("Esc", "close", 1),
    },
    Binding {
        keys: &[KeyCode::F(1)],
        action: Action::ToggleHelp,
        label: "F1",
        help: "help (`?` is typed into the filter here)",
        hint: hint("F1", "help", 0),
    },
];

/// The tables a view reads keys from, first match first. All but the
/// picker fall back to the dashboard's [`BINDINGS`].
pub fn tables(overlay: &Overlay) -> Vec<&'static [Binding]> {
    match overlay {
        Overlay::None => vec![BINDINGS],
        Overlay::Help | Overlay::Details => vec![SCROLLING, BINDINGS],
        Overlay::Explain => vec![EXPLAIN, SCROLLING, BINDINGS],
        Overlay::Sweep => vec![SWEEP, BINDINGS],
        Overlay::Picker { .. } => vec![PICKER],
        Overlay::Place { .. } => vec![PLACE, BINDINGS],
    }
}

/// The footer hints of a view, in the order shown: the view's own keys,
/// then the dashboard's hints that never go (`? help`, `q quit`). On the
/// bare dashboard, its own hints. The picker types `?` and `q` into its
/// filter, so it offers F1 and Ctrl-C instead.
pub fn hints(overlay: &Overlay) -> Vec<Hint> {
    let tables = tables(overlay);
    let own = tables.iter().take(tables.len().saturating_sub(1).max(1));
    let mut out: Vec<Hint> = own.flat_map(|t| t.iter().filter_map(|b| b.hint)).collect();
    match overlay {
        Overlay::None => {}
        Overlay::Picker { .. } => out.push(Hint {
            key: "^C",
            word: "quit",
            drop: 0,
        }),
        _ => out.extend(
            BINDINGS
                .iter()
                .filter_map(|b| b.hint)
                .filter(|h| h.drop == 0),
        ),
    }
    out
}

/// The action for a key event in the current overlay, if any. Only presses
/// act (not releases or repeats reported by some terminals).
pub fn action_for(key: KeyEvent, overlay: &Overlay) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')).then_some(Action::Quit);
    }
    let code = key.code;
    if let Some(b) = tables(overlay)
        .iter()
        .find_map(|t| t.iter().find(|b| b.keys.contains(&code)))
    {
        let action = directed(&b.action, code);
        // Shift moves the crosshair ten times further.
        if let Action::MovePlace(dx, dy) = action
            && (key.modifiers.contains(KeyModifiers::SHIFT)
                || matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase()))
        {
            return Some(Action::MovePlace(10 * dx, 10 * dy));
        }
        return Some(action);
    }
    match (overlay, code) {
        (Overlay::Picker { .. }, KeyCode::Char(c)) => Some(Action::Filter(c)),
        (Overlay::Picker { .. }, _) => None,
        (_, KeyCode::Char(c @ '1'..='9')) => Some(Action::Jump(c as usize - '1' as usize)),
        _ => None,
    }
}

/// A row's action for the key pressed: rows that pair opposite keys (↑ ↓,
/// PgUp PgDn, Home End, the sweep's arrows) act by direction.
fn directed(action: &Action, code: KeyCode) -> Action {
    use KeyCode::*;
    match (action, code) {
        (Action::Scroll(_), Up) => Action::Scroll(ScrollMove::Up),
        (Action::Scroll(_), Down) => Action::Scroll(ScrollMove::Down),
        (Action::Scroll(_), PageUp) => Action::Scroll(ScrollMove::PageUp),
        (Action::Scroll(_), PageDown) => Action::Scroll(ScrollMove::PageDown),
        (Action::Scroll(_), Home) => Action::Scroll(ScrollMove::Home),
        (Action::Scroll(_), End) => Action::Scroll(ScrollMove::End),
        (Action::SweepCursor(..), Left | Char('h')) => Action::SweepCursor(-1, 0),
        (Action::SweepCursor(..), Right | Char('l')) => Action::SweepCursor(1, 0),
        (Action::SweepCursor(..), Up | Char('k')) => Action::SweepCursor(0, 1),
        (Action::SweepCursor(..), Down | Char('j')) => Action::SweepCursor(0, -1),
        (Action::Down, Up) => Action::Up,
        (Action::SelectRun(_), Up | Char('k')) => Action::SelectRun(-1),
        (Action::SelectRun(_), Down | Char('j')) => Action::SelectRun(1),
        (Action::ScaleLr(_), Char('<')) => Action::ScaleLr(0.5),
        (Action::ScaleLr(_), Char('>')) => Action::ScaleLr(2.0),
        (Action::MovePlace(..), Left | Char('h' | 'H')) => Action::MovePlace(-1, 0),
        (Action::MovePlace(..), Right | Char('l' | 'L')) => Action::MovePlace(1, 0),
        (Action::MovePlace(..), Up | Char('k' | 'K')) => Action::MovePlace(0, 1),
        (Action::MovePlace(..), Down | Char('j' | 'J')) => Action::MovePlace(0, -1),
        (a, _) => a.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn name(a: Option<Action>) -> String {
        format!("{a:?}")
    }

    #[test]
    fn main_keys() {
        let o = Overlay::None;
        assert_eq!(
            name(action_for(press(KeyCode::Char(' ')), &o)),
            "Some(TogglePause)"
        );
        assert_eq!(
            name(action_for(press(KeyCode::Char('.')), &o)),
            "Some(Step)"
        );
        assert_eq!(name(action_for(press(KeyCode::BackTab), &o)), "Some(Prev)");
        assert_eq!(
            name(action_for(press(KeyCode::Char('3')), &o)),
            "Some(Jump(2))"
        );
        assert_eq!(name(action_for(press(KeyCode::Char('z')), &o)), "None");
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(name(action_for(ctrl_c, &o)), "Some(Quit)");
    }

    #[test]
    fn escape_closes_and_never_quits() {
        for o in [
            Overlay::None,
            Overlay::Help,
            Overlay::Explain,
            Overlay::Details,
            Overlay::Sweep,
            Overlay::Picker {
                filter: String::new(),
                selected: 0,
            },
        ] {
            assert_eq!(
                name(action_for(press(KeyCode::Esc), &o)),
                "Some(Close)",
                "{o:?}"
            );
        }
        assert_eq!(
            name(action_for(press(KeyCode::Char('q')), &Overlay::Help)),
            "Some(Quit)"
        );
    }

    #[test]
    fn only_presses_act() {
        let mut k = press(KeyCode::Char(' '));
        k.kind = KeyEventKind::Release;
        k.state = KeyEventState::NONE;
        assert!(action_for(k, &Overlay::None).is_none());
        k.kind = KeyEventKind::Repeat;
        assert!(action_for(k, &Overlay::None).is_none());
    }

    #[test]
    fn picker_takes_typing() {
        let o = Overlay::Picker {
            filter: String::new(),
            selected: 0,
        };
        assert_eq!(
            name(action_for(press(KeyCode::Char('q')), &o)),
            "Some(Filter('q'))"
        );
        assert_eq!(name(action_for(press(KeyCode::Enter), &o)), "Some(Confirm)");
        assert_eq!(name(action_for(press(KeyCode::Up), &o)), "Some(Up)");
        assert_eq!(name(action_for(press(KeyCode::Down), &o)), "Some(Down)");
        assert_eq!(
            name(action_for(press(KeyCode::Char('1')), &o)),
            "Some(Filter('1'))"
        );
    }

    #[test]
    fn views_scroll_and_move_by_direction() {
        let up = action_for(press(KeyCode::Up), &Overlay::Help);
        assert_eq!(name(up), "Some(Scroll(Up))");
        let end = action_for(press(KeyCode::End), &Overlay::Explain);
        assert_eq!(name(end), "Some(Scroll(End))");
        let pg = action_for(press(KeyCode::PageUp), &Overlay::Details);
        assert_eq!(name(pg), "Some(Scroll(PageUp))");
        let left = action_for(press(KeyCode::Char('h')), &Overlay::Sweep);
        assert_eq!(name(left), "Some(SweepCursor(-1, 0))");
        let down = action_for(press(KeyCode::Down), &Overlay::Sweep);
        assert_eq!(name(down), "Some(SweepCursor(0, -1))");
        let w = action_for(press(KeyCode::Char('w')), &Overlay::Sweep);
        assert_eq!(name(w), "Some(Close)");
        // The dashboard's keys still work under a view.
        let space = action_for(press(KeyCode::Char(' ')), &Overlay::Explain);
        assert_eq!(name(space), "Some(TogglePause)");
    }

    #[test]
    fn every_view_offers_help_and_quit_and_its_own_keys() {
        let keys = |o: &Overlay| -> Vec<&str> { hints(o).iter().map(|h| h.key).collect() };
        assert!(keys(&Overlay::None).contains(&"←→"));
        for o in [
            Overlay::None,
            Overlay::Help,
            Overlay::Explain,
            Overlay::Details,
            Overlay::Sweep,
        ] {
            let k = keys(&o);
            assert!(k.contains(&"?") && k.contains(&"q"), "{o:?}: {k:?}");
        }
        assert!(keys(&Overlay::Sweep).contains(&"←→↑↓"));
        assert!(!keys(&Overlay::Sweep).contains(&"←→"), "not `←→ scenario`");
        assert!(keys(&Overlay::Explain).contains(&"↑↓"));
        assert!(keys(&Overlay::Explain).contains(&"s"));
        let picker = Overlay::Picker {
            filter: String::new(),
            selected: 0,
        };
        assert!(keys(&picker).contains(&"^C"));
        assert!(keys(&picker).contains(&"F1"));
        let f1 = KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE);
        assert!(matches!(action_for(f1, &picker), Some(Action::ToggleHelp)));
        assert!(matches!(
            action_for(f1, &Overlay::None),
            Some(Action::ToggleHelp)
        ));
    }

    #[test]
    fn no_key_is_bound_twice_in_a_table() {
        for table in [BINDINGS, SCROLLING, EXPLAIN, SWEEP, PICKER] {
            let mut seen = Vec::new();
            for b in table {
                for k in b.keys {
                    assert!(!seen.contains(k), "{k:?} bound twice");
                    seen.push(*k);
                }
            }
        }
    }
}
