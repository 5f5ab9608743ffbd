//! Keys → actions, as one table. The help popup and the footer are drawn
//! from the same table, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::model::Overlay;
use super::update::Action;

/// One row of the keymap: the keys, what they do, and how help names them.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub action: Action,
    /// Key names as the help shows them.
    pub label: &'static str,
    pub help: &'static str,
}

/// The dashboard's keys (digits 1–9, Ctrl-C and the overlays' keys are
/// handled in [`action_for`]).
pub static BINDINGS: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Char(' ')],
        action: Action::TogglePause,
        label: "space",
        help: "pause / resume",
    },
    Binding {
        keys: &[KeyCode::Char('s'), KeyCode::Char('.')],
        action: Action::Step,
        label: "s .",
        help: "one epoch for every run (pauses)",
    },
    Binding {
        keys: &[KeyCode::Char('r')],
        action: Action::Restart,
        label: "r",
        help: "restart (new random start if random)",
    },
    Binding {
        keys: &[KeyCode::Tab, KeyCode::Right, KeyCode::Char(']')],
        action: Action::Next,
        label: "Tab → ]",
        help: "next scenario",
    },
    Binding {
        keys: &[KeyCode::BackTab, KeyCode::Left, KeyCode::Char('[')],
        action: Action::Prev,
        label: "S-Tab ← [",
        help: "previous scenario",
    },
    Binding {
        keys: &[KeyCode::Char('o')],
        action: Action::OpenPicker,
        label: "o",
        help: "pick a scenario by name",
    },
    Binding {
        keys: &[KeyCode::Char('+'), KeyCode::Char('=')],
        action: Action::Faster,
        label: "+",
        help: "faster (up to max)",
    },
    Binding {
        keys: &[KeyCode::Char('-'), KeyCode::Char('_')],
        action: Action::Slower,
        label: "-",
        help: "slower",
    },
    Binding {
        keys: &[KeyCode::Char('l')],
        action: Action::ToggleLog,
        label: "l",
        help: "log-scale loss axis",
    },
    Binding {
        keys: &[KeyCode::Char('c')],
        action: Action::CycleChart,
        label: "c",
        help: "lower chart: loss · position · gradient · lr",
    },
    Binding {
        keys: &[KeyCode::Char('x')],
        action: Action::ToggleExplain,
        label: "x",
        help: "explain the last step (pauses)",
    },
    Binding {
        keys: &[KeyCode::Char('w')],
        action: Action::OpenSweep,
        label: "w",
        help: "sweep view (scenarios with [sweep])",
    },
    Binding {
        keys: &[KeyCode::Char('e')],
        action: Action::Export,
        label: "e",
        help: "export this scenario (CSV + JSON)",
    },
    Binding {
        keys: &[KeyCode::Char('m')],
        action: Action::ToggleMap,
        label: "m",
        help: "landscape full-screen / back",
    },
    Binding {
        keys: &[KeyCode::Char('b')],
        action: Action::ToggleBasins,
        label: "b",
        help: "table: runs / basins (where many starts end)",
    },
    Binding {
        keys: &[KeyCode::Char('?')],
        action: Action::ToggleHelp,
        label: "?",
        help: "this help",
    },
    Binding {
        keys: &[KeyCode::Char('q'), KeyCode::Esc],
        action: Action::Quit,
        label: "q Esc ^C",
        help: "quit",
    },
];

/// The action for a key event in the current overlay, if any. Only presses
/// act (not releases or repeats reported by some terminals).
pub fn action_for(key: KeyEvent, overlay: &Overlay) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c') | KeyCode::Char('C')).then_some(Action::Quit);
    }
    match overlay {
        Overlay::Picker { .. } => match key.code {
            KeyCode::Esc => Some(Action::Close),
            KeyCode::Enter => Some(Action::Confirm),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) => Some(Action::Filter(c)),
            _ => None,
        },
        Overlay::Sweep => match key.code {
            KeyCode::Left | KeyCode::Char('h') => Some(Action::SweepCursor(-1, 0)),
            KeyCode::Right | KeyCode::Char('l') => Some(Action::SweepCursor(1, 0)),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::SweepCursor(0, 1)),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::SweepCursor(0, -1)),
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('w') => Some(Action::Close),
            _ => normal(key.code),
        },
        Overlay::Help | Overlay::Explain
            if matches!(key.code, KeyCode::Esc | KeyCode::Char('q')) =>
        {
            Some(Action::Close)
        }
        _ => normal(key.code),
    }
}

fn normal(code: KeyCode) -> Option<Action> {
    if let KeyCode::Char(c @ '1'..='9') = code {
        return Some(Action::Jump(c as usize - '1' as usize));
    }
    BINDINGS
        .iter()
        .find(|b| b.keys.contains(&code))
        .map(|b| b.action.clone())
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
        assert_eq!(name(action_for(press(KeyCode::Esc), &o)), "Some(Close)");
        assert_eq!(name(action_for(press(KeyCode::Enter), &o)), "Some(Confirm)");
    }

    #[test]
    fn help_closes_on_escape_instead_of_quitting() {
        assert_eq!(
            name(action_for(press(KeyCode::Esc), &Overlay::Help)),
            "Some(Close)"
        );
        assert_eq!(
            name(action_for(press(KeyCode::Char('?')), &Overlay::Help)),
            "Some(ToggleHelp)"
        );
    }

    #[test]
    fn no_key_is_bound_twice() {
        let mut seen = Vec::new();
        for b in BINDINGS {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} bound twice");
                seen.push(*k);
            }
        }
    }
}
