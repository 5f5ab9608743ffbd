//! The whole screen rendered into ratatui's TestBackend at fixed sizes,
//! paused at fixed epochs (deterministic), compared with insta snapshots.

use std::sync::Arc;
use std::time::Instant;

use downhill::app::{Action, Entry, Model, update};
use downhill::scenario::{self, bundled};
use downhill::track::Slot;
use downhill::ui::ViewCache;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::common::{model_at, sweep_model};

fn render(m: &Model, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| downhill::ui::draw(f, m, &mut Default::default()))
        .unwrap();
    t
}

const CHALLENGE: usize = 3; // 04-fixed-vs-dynamic
const PEAKS: usize = 2; // 03-peaks

#[test]
fn one_d_80x24() {
    let m = model_at(CHALLENGE, 20);
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn one_d_120x40() {
    let m = model_at(CHALLENGE, 20);
    insta::assert_snapshot!(render(&m, 120, 40).backend());
}

#[test]
fn two_d_80x24() {
    let m = model_at(PEAKS, 300);
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn two_d_120x40() {
    let m = model_at(PEAKS, 300);
    insta::assert_snapshot!(render(&m, 120, 40).backend());
}

#[test]
fn wide_200x60_has_the_sidebar() {
    let m = model_at(PEAKS, 1000);
    let t = render(&m, 200, 60);
    let text = format!("{}", t.backend());
    assert!(text.contains("scenarios"), "{text}");
    assert!(text.contains("Rosenbrock"), "{text}");
    assert!(text.contains("epoch 1,000/1,000 · done"), "{text}");
}

#[test]
fn log_scale_80x24() {
    let mut m = model_at(CHALLENGE, 50);
    update(&mut m, Action::ToggleLog);
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn help_popup_80x24() {
    let mut m = model_at(CHALLENGE, 20);
    update(&mut m, Action::ToggleHelp);
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn picker_80x24() {
    let mut m = model_at(CHALLENGE, 20);
    update(&mut m, Action::OpenPicker);
    update(&mut m, Action::Filter('r'));
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn diverged_run_is_marked() {
    let m = model_at(5, 30); // 06-exploding-lr
    let text = format!("{}", render(&m, 80, 24).backend());
    assert!(text.contains("diverged @ 17"), "{text}");
    // The axis follows the runs that did not blow up.
    assert!(!text.contains("e13"), "{text}");
}

#[test]
fn too_small_says_so_whole() {
    let m = model_at(CHALLENGE, 1);
    for (w, h) in [(40, 12), (40, 10), (59, 16), (20, 5)] {
        let text = format!("{}", render(&m, w, h).backend());
        // Every word of the message is on screen, none cut.
        let words: Vec<&str> = text
            .lines()
            .flat_map(|l| l.trim_matches('"').split_whitespace())
            .collect();
        assert_eq!(
            words.join(" "),
            format!("terminal too small: {w}x{h}, downhill needs 60x16 (q quits)"),
            "{w}x{h}:\n{text}"
        );
    }
}

#[test]
fn broken_file_shows_its_error() {
    let mut m = model_at(CHALLENGE, 1);
    m.entries.push(Entry::new(
        "broken.toml".into(),
        scenario::parse("broken.toml", "title = \"x\"\n[objective]\nf = \"3x\"\n"),
    ));
    update(&mut m, Action::Jump(12));
    m.current = m.entries.len() - 1;
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn landscape_full_screen_2d_120x40() {
    let mut m = model_at(PEAKS, 1000);
    update(&mut m, Action::ToggleMap);
    insta::assert_snapshot!(render(&m, 120, 40).backend());
}

#[test]
fn landscape_full_screen_1d_80x24() {
    let mut m = model_at(CHALLENGE, 5);
    update(&mut m, Action::ToggleMap);
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn the_map_is_computed_once_per_scenario_and_size() {
    let m = model_at(PEAKS, 10);
    let mut cache = ViewCache::default();
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    for _ in 0..5 {
        t.draw(|f| downhill::ui::draw(f, &m, &mut cache)).unwrap();
    }
    assert_eq!(cache.maps.computed, 1, "five frames, one map");
    t.backend_mut().resize(120, 40);
    t.draw(|f| downhill::ui::draw(f, &m, &mut cache)).unwrap();
    t.draw(|f| downhill::ui::draw(f, &m, &mut cache)).unwrap();
    assert_eq!(cache.maps.computed, 2, "a new size, one more map");
}

/// A file reloaded with another `f` is drawn with its own surface, never
/// the map of the version before (whatever address the new scenario got).
#[test]
fn a_reloaded_scenario_gets_a_new_map() {
    let bowl = |f: &str| {
        let text = format!(
            "title = \"bowl\"\n[objective]\nf = \"{f}\"\ndomain = {{ x = [-2.0, 2.0], y = [-2.0, 2.0] }}\n[descent]\nepochs = 10\nstart = {{ x = 1.0, y = 1.0 }}\n[[run]]\nname = \"fixed\"\nlr = 0.01\n"
        );
        let mut e = Entry::new("bowl.toml".into(), scenario::parse("bowl.toml", &text));
        e.modified = Some(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(f.len() as u64),
        );
        e
    };
    let show = |m: &mut Model| {
        let e = &m.entries[0];
        let slot = Slot::new(e.id, e.generation, e.scenario.as_ref().unwrap().clone());
        update(
            m,
            Action::Snapshot(Arc::new(slot.snapshot()), Instant::now()),
        );
    };
    let mut m = Model::new(vec![bowl("x^2 + y^2")]);
    m.entries[0].paused = true;
    m.map_full = true;
    show(&mut m);
    let mut cache = ViewCache::default();
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| downhill::ui::draw(f, &m, &mut cache)).unwrap();
    let before = t.backend().buffer().clone();
    assert_eq!(cache.maps.computed, 1);

    update(&mut m, Action::Reload(vec![bowl("-(x^2 + y^2) + 3*x")]));
    assert_eq!(m.entries[0].generation, 1, "the reload is a new generation");
    show(&mut m);
    t.draw(|f| downhill::ui::draw(f, &m, &mut cache)).unwrap();
    assert_eq!(cache.maps.computed, 2, "the new f is sampled again");
    assert_ne!(
        &before,
        t.backend().buffer(),
        "the surface on screen is the new one"
    );
}

#[test]
fn no_color_map_uses_shades_and_run_numbers() {
    let mut m = model_at(PEAKS, 1000);
    m.color = downhill::app::ColorDepth::None;
    update(&mut m, Action::ToggleMap);
    let text = format!("{}", render(&m, 100, 30).backend());
    assert!(text.contains('▓') && text.contains('░'), "{text}");
    assert!(text.contains('1') && text.contains('✕'), "{text}");
}

fn with_chart(mut m: Model, mode: downhill::app::LowerChart) -> Model {
    while m.lower != mode {
        update(&mut m, Action::CycleChart);
    }
    m
}

#[test]
fn chart_modes_1d_120x40() {
    use downhill::app::LowerChart::*;
    for (mode, name) in [(Position, "position"), (Gradient, "gradient"), (Lr, "lr")] {
        let m = with_chart(model_at(CHALLENGE, 30), mode);
        insta::assert_snapshot!(format!("chart_1d_{name}"), render(&m, 120, 40).backend());
    }
}

#[test]
fn chart_modes_2d_120x40() {
    use downhill::app::LowerChart::*;
    for (mode, name) in [(Position, "position"), (Gradient, "gradient"), (Lr, "lr")] {
        let m = with_chart(model_at(PEAKS, 200), mode);
        insta::assert_snapshot!(format!("chart_2d_{name}"), render(&m, 120, 40).backend());
    }
}

#[test]
fn explain_panel_80x24() {
    let mut m = model_at(CHALLENGE, 13);
    update(&mut m, Action::ToggleExplain);
    insta::assert_snapshot!(render(&m, 100, 30).backend());
}

#[test]
fn sweep_heatmap_80x24() {
    let m = sweep_model("15-sweep-lr-epochs", 1.0, (30, 20));
    insta::assert_snapshot!(render(&m, 80, 24).backend());
}

#[test]
fn sweep_heatmap_120x40_filling_in() {
    let m = sweep_model("15-sweep-lr-epochs", 0.4, (5, 3));
    let t = render(&m, 120, 40);
    let text = format!("{}", t.backend());
    assert!(text.contains("800/2000"), "{text}");
    insta::assert_snapshot!(t.backend());
}

#[test]
fn sweep_curve_120x40() {
    let m = sweep_model("13-sweep-start", 1.0, (10, 0));
    insta::assert_snapshot!(render(&m, 120, 40).backend());
}

#[test]
fn sweep_heatmap_in_colour_uses_the_palette() {
    let mut m = sweep_model("15-sweep-lr-epochs", 1.0, (0, 0));
    m.color = downhill::app::ColorDepth::TrueColor;
    let t = render(&m, 80, 24);
    let rgb = t
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| matches!(c.bg, ratatui::style::Color::Rgb(..)))
        .count();
    assert!(rgb > 500, "{rgb} true-colour cells");
}

const ROSENBROCK: usize = 6; // 07-rosenbrock

/// The example (adam's loss 3.086e-29 once showed as `3.0864e-2`)
/// at every checked size, done.
#[test]
fn rosenbrock_done_at_every_size() {
    let m = model_at(ROSENBROCK, 5000);
    for (w, h) in [(60, 16), (80, 24), (100, 30), (120, 40), (200, 60)] {
        insta::assert_snapshot!(
            format!("rosenbrock_done_{w}x{h}"),
            render(&m, w, h).backend()
        );
    }
}

/// Help at the smallest size: it scrolls, and says so.
#[test]
fn help_scrolls_at_60x16() {
    let mut m = model_at(CHALLENGE, 20);
    update(&mut m, Action::ToggleHelp);
    let top = format!("{}", render(&m, 60, 16).backend());
    assert!(top.contains("more (↓ PgDn End)"), "{top}");
    update(&mut m, Action::ScrollLimit { max: 100, page: 11 });
    update(&mut m, Action::Scroll(downhill::app::ScrollMove::End));
    let t = render(&m, 60, 16);
    let end = format!("{}", t.backend());
    assert!(end.contains("more (↑ PgUp Home)"), "{end}");
    assert!(
        end.contains("delete a typed character"),
        "the last line: {end}"
    );
    insta::assert_snapshot!(t.backend());
}

/// Details: the whole `about`, f and runs, at 80x24.
#[test]
fn details_80x24() {
    let mut m = model_at(ROSENBROCK, 5000);
    update(&mut m, Action::ToggleDetails);
    m.message = Some(
        "exported downhill-export/07-rosenbrock-20250101-120000.csv and downhill-export/07-rosenbrock-20250101-120000.json".into(),
    );
    let t = render(&m, 80, 24);
    let text = format!("{}", t.backend());
    assert!(
        text.contains("07-rosenbrock-20250101-120000.json"),
        "{text}"
    );
    insta::assert_snapshot!(t.backend());
}

/// The footer names each view's own keys, and always `? help` and `q quit`
/// (from 60 columns); a long message is cut with `…` and `i` kept.
#[test]
fn footers_name_each_views_keys() {
    let footer = |m: &Model, w: u16| {
        let t = render(m, w, 24);
        let text = format!("{}", t.backend());
        text.lines().last().unwrap().to_string()
    };
    let mut m = model_at(CHALLENGE, 20);
    for w in [60, 80, 100, 120, 200] {
        let f = footer(&m, w);
        assert!(f.contains("? help") && f.contains("q quit"), "{w}: {f}");
        assert!(f.contains("←→ scenario"), "{w}: {f}");
    }
    m.message = Some("exported downhill-export/04-fixed-vs-dynamic-20250101-120000.csv and downhill-export/04-fixed-vs-dynamic-20250101-120000.json".into());
    let f = footer(&m, 60);
    assert!(
        f.contains('…') && f.contains("i details") && f.contains("? help") && f.contains("q quit"),
        "{f}"
    );
    m.message = None;
    let mut s = sweep_model("15-sweep-lr-epochs", 1.0, (0, 0));
    let f = footer(&s, 80);
    assert!(f.contains("←→↑↓ move") && !f.contains("scenario"), "{f}");
    assert!(f.contains("? help") && f.contains("q quit"), "{f}");
    update(&mut s, Action::Close);
    update(&mut s, Action::ToggleExplain);
    let f = footer(&s, 60);
    assert!(
        f.contains("↑↓ scroll") && f.contains("s step") && f.contains("q quit"),
        "{f}"
    );
}

/// The sidebar at 200x60: whole titles, each with its state.
#[test]
fn sidebar_titles_whole_at_200x60() {
    let m = model_at(CHALLENGE, 20);
    let text = format!("{}", render(&m, 200, 60).backend());
    for (_, t) in bundled::ALL {
        let title = t
            .lines()
            .find_map(|l| l.strip_prefix("title = \""))
            .unwrap();
        let title = title.trim_end_matches('"');
        let first_word = title.split(' ').next().unwrap();
        assert!(text.contains(first_word), "{title}");
    }
    assert!(text.contains("Fixed vs dynamic learning rate"), "{text}");
    assert!(text.contains("▸ 4 ‖"), "the current one, paused: {text}");
    assert!(!text.contains('…'), "{text}");
}

/// A list taller than its box says how many scenarios are out of sight.
#[test]
fn the_picker_counts_what_is_out_of_sight() {
    let mut m = model_at(CHALLENGE, 20);
    update(&mut m, Action::OpenPicker);
    let text = format!("{}", render(&m, 60, 16).backend());
    // Ten of them fit.
    let hidden = bundled::ALL.len() - 10;
    assert!(text.contains(&format!("↓ {hidden} more")), "{text}");
    let text = format!("{}", render(&m, 120, 40).backend());
    assert!(!text.contains(" more "), "{text}");
}
