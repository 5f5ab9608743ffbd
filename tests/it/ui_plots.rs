//! What the charts and the map show is true, at every size: labels stand
//! at the rows and columns of their values and never merge, every plot has
//! a legend, the map keeps the domain's aspect, markers read on the map in
//! every colour depth, runs have their own glyph without colour, a text
//! console gets no braille, and an undefined f leaves a gap.

use std::sync::Arc;

use downhill::app::{Action, Charset, ColorDepth, LowerChart, Model, update};
use downhill::scenario::{self, bundled};
use downhill::track::Slot;
use downhill::ui::chart::{self, ChartSpec};
use downhill::ui::colormap;
use downhill::ui::landscape::{self, MapCache, Marks, SurfaceId};
use downhill::ui::{Theme, loss_chart, lower_chart};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

use crate::common::{model_at, sweep_model};

const SIZES: [(u16, u16); 5] = [(60, 16), (80, 24), (100, 30), (120, 40), (200, 60)];

fn index_of(name: &str) -> usize {
    bundled::ALL.iter().position(|(n, _)| *n == name).unwrap()
}

fn draw(m: &Model, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| downhill::ui::draw(f, m, &mut Default::default()))
        .unwrap();
    t.backend().buffer().clone()
}

fn sym(buf: &Buffer, x: u16, y: u16) -> &str {
    buf[(x, y)].symbol()
}

fn row_text(buf: &Buffer, y: u16, from: u16, to: u16) -> String {
    (from..to).map(|x| sym(buf, x, y)).collect()
}

fn screen(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| row_text(buf, y, 0, buf.area.width) + "\n")
        .collect()
}

/// The value a label reads: a number, or `1eK` of a log axis read as K.
fn read(label: &str, decades: bool) -> f64 {
    let v: f64 = label
        .parse()
        .unwrap_or_else(|_| panic!("label {label:?} is not a number"));
    if decades { v.log10().round() } else { v }
}

/// The cell a value falls in, computed here apart from the code under
/// test: a canvas (`dots` to a cell, ratatui rounding) or a sampled map.
fn cell_of(frac: f64, cells: u16, dots: Option<u16>) -> u16 {
    match dots {
        Some(d) => {
            let n = (cells * d) as f64;
            ((frac * (n - 1.0)).round() as u16) / d
        }
        None => ((frac * cells as f64) as u16).min(cells - 1),
    }
}

/// Read the axes of the plot whose axis corner `└` (or, without an x axis,
/// axis line) is in `area` and check them: every y label is a number
/// inside the bounds drawn in the row its value falls in and marked `┤`,
/// labels keep a blank row between them from five rows up, nothing else
/// stands left of the axis; every x label is a number whose column (`┬`)
/// lies under it. Returns how many labels were read.
fn check_axes(
    buf: &Buffer,
    area: Rect,
    x: [f64; 2],
    y: [f64; 2],
    decades: bool,
    dots: Option<(u16, u16)>,
    what: &str,
) -> usize {
    if area.is_empty() {
        return 0;
    }
    let is_axis = |s: &str| s == "│" || s == "┤";
    let corner = (area.top()..area.bottom())
        .flat_map(|yy| (area.left()..area.right()).map(move |xx| (xx, yy)))
        .find(|&(xx, yy)| sym(buf, xx, yy) == "└");
    let (ax, bottom) = match corner {
        Some((xx, yy)) => (xx, yy),
        None => {
            let Some(xx) = (area.left()..area.right()).find(|&xx| is_axis(sym(buf, xx, area.y)))
            else {
                return 0;
            };
            (xx, area.bottom())
        }
    };
    let mut top = bottom;
    while top > area.top() && is_axis(sym(buf, ax, top - 1)) {
        top -= 1;
    }
    let rows = bottom - top;
    let mut read_n = 0;
    let mut last_row: Option<u16> = None;
    for yy in top..bottom {
        let text = row_text(buf, yy, area.x, ax);
        let label = text.trim();
        if label.is_empty() {
            assert_eq!(sym(buf, ax, yy), "│", "{what}: a tick without a label");
            continue;
        }
        assert_eq!(sym(buf, ax, yy), "┤", "{what}: label {label:?} unmarked");
        assert!(
            !label.contains(' '),
            "{what}: two labels in a row: {text:?}"
        );
        let v = read(label, decades);
        assert!(
            v >= y[0] && v <= y[1],
            "{what}: {label} outside {y:?}\n{}",
            screen(buf)
        );
        let want = cell_of((y[1] - v) / (y[1] - y[0]), rows, dots.map(|d| d.1));
        assert_eq!(
            yy - top,
            want,
            "{what}: {label} in row {} of {rows}, its value falls in {want}\n{}",
            yy - top,
            screen(buf)
        );
        if let Some(prev) = last_row {
            let gap = if rows >= 5 { 2 } else { 1 };
            assert!(
                yy - prev >= gap,
                "{what}: labels too close\n{}",
                screen(buf)
            );
        }
        last_row = Some(yy);
        read_n += 1;
    }
    if corner.is_none() || bottom + 1 >= area.bottom() {
        return read_n;
    }
    let cols = (ax + 1..area.right())
        .take_while(|&xx| matches!(sym(buf, xx, bottom), "─" | "┬"))
        .count() as u16;
    let labels = row_text(buf, bottom + 1, area.x, area.right());
    let mut start = None;
    for (i, ch) in labels.chars().chain([' ']).enumerate() {
        match (ch == ' ', start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let token: String = labels.chars().skip(s).take(i - s).collect();
                let v = read(&token, false);
                assert!(v >= x[0] && v <= x[1], "{what}: x label {token} outside");
                let want = ax + 1 + cell_of((v - x[0]) / (x[1] - x[0]), cols, dots.map(|d| d.0));
                let (from, to) = (area.x + s as u16, area.x + i as u16);
                assert!(
                    (from..to).contains(&want) && sym(buf, want, bottom) == "┬",
                    "{what}: x label {token} not over its column {want}\n{}",
                    screen(buf)
                );
                read_n += 1;
                start = None;
            }
            _ => {}
        }
    }
    read_n
}

/// Every chart spec of scenario `idx` after `epochs`.
fn specs(idx: usize, epochs: u64) -> Vec<(String, ChartSpec)> {
    let m = model_at(idx, epochs);
    let e = m.entry().unwrap();
    let sc = e.scenario.as_ref().unwrap();
    let snap = e.snapshot.as_deref().unwrap();
    let mut out = vec![
        ("loss".into(), loss_chart::spec(snap, false, sc.min_value)),
        ("log".into(), loss_chart::spec(snap, true, sc.min_value)),
    ];
    for which in [LowerChart::Position, LowerChart::Gradient, LowerChart::Lr] {
        out.push((
            format!("{which:?}"),
            lower_chart::spec(snap, which, &sc.vars),
        ));
    }
    out
}

#[test]
fn chart_labels_never_overlap_or_merge_at_any_size() {
    let theme = Theme::new(ColorDepth::Ansi16, Charset::Unicode);
    let console = Theme::new(ColorDepth::Ansi16, Charset::Console);
    let mut read_n = 0;
    for (idx, epochs) in [(0, 20), (2, 300), (3, 50), (5, 30), (6, 2000), (10, 40)] {
        for (name, spec) in specs(idx, epochs) {
            for h in 1..=45 {
                for w in [5, 8, 11, 16, 20, 24, 31, 40, 52, 61, 80, 120] {
                    for t in [theme, console] {
                        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
                        term.draw(|f| chart::render(f, f.area(), &spec, t)).unwrap();
                        let buf = term.backend().buffer();
                        let inner = Rect::new(1, 1, w.saturating_sub(2), h.saturating_sub(2));
                        let what = format!("{} {name} {w}x{h}", bundled::ALL[idx].0);
                        read_n += check_axes(
                            buf,
                            inner,
                            spec.x_bounds,
                            spec.y_bounds,
                            name == "log",
                            Some(t.line_dots()),
                            &what,
                        );
                    }
                }
            }
        }
    }
    assert!(read_n > 10_000, "only {read_n} labels read");
}

/// The 60×16 and 70×20 screens of the issue: `25.5` and `0.155` were
/// labels printed over each other.
#[test]
fn short_charts_show_fewer_labels_not_merged_ones() {
    for (w, h) in [(60, 16), (70, 20)] {
        let text = screen(&draw(&model_at(3, 12), w, h));
        for merged in ["25.5", "0.155", "12.5"] {
            assert!(!text.contains(merged), "{w}x{h}: {merged}\n{text}");
        }
        assert!(text.contains("25┤"), "{text}");
    }
}

/// The 2D scenarios, by index.
fn two_d() -> Vec<usize> {
    (0..bundled::ALL.len())
        .filter(|&i| {
            let m = model_at(i, 0);
            m.entries[i].scenario.as_ref().unwrap().dim() == 2
        })
        .collect()
}

/// The cells painted with the map (true colour: an RGB background) form a
/// rectangle; its size.
fn map_cells(buf: &Buffer) -> (u16, u16) {
    let mut cells = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if matches!(buf[(x, y)].bg, Color::Rgb(..)) {
                cells.push((x, y));
            }
        }
    }
    let (x0, x1) = (
        cells.iter().map(|c| c.0).min().unwrap(),
        cells.iter().map(|c| c.0).max().unwrap(),
    );
    let (y0, y1) = (
        cells.iter().map(|c| c.1).min().unwrap(),
        cells.iter().map(|c| c.1).max().unwrap(),
    );
    let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
    assert_eq!(cells.len(), (w * h) as usize, "the map is a rectangle");
    (w, h)
}

#[test]
fn the_map_keeps_the_domains_aspect_at_every_size() {
    for idx in two_d() {
        let mut m = model_at(idx, 30);
        m.color = ColorDepth::TrueColor;
        let sc = m.entries[idx].scenario.as_ref().unwrap().clone();
        let domain = (sc.domain[0].1 - sc.domain[0].0) / (sc.domain[1].1 - sc.domain[1].0);
        for full in [false, true] {
            m.map_full = full;
            for (w, h) in SIZES {
                let (cols, rows) = map_cells(&draw(&m, w, h));
                // Half blocks: a cell is two square samples, one over the other.
                let aspect = cols as f64 / (2.0 * rows as f64);
                assert!(
                    (aspect / domain - 1.0).abs() <= 0.10,
                    "{} {w}x{h} full={full}: {cols}x{rows} cells, {aspect:.2} for {domain:.2}",
                    bundled::ALL[idx].0
                );
            }
        }
    }
}

#[test]
fn the_maps_axes_and_value_scale_are_true() {
    let mut read_n = 0;
    for idx in two_d() {
        let mut m = model_at(idx, 30);
        let sc = m.entries[idx].scenario.as_ref().unwrap().clone();
        for full in [false, true] {
            m.map_full = full;
            for (w, h) in SIZES {
                let mut cache = MapCache::default();
                let mut t = Terminal::new(TestBackend::new(w / 2, h - 6)).unwrap();
                let snap = m.snapshot().unwrap();
                let surface = SurfaceId {
                    entry: idx,
                    generation: 0,
                };
                let theme = Theme::new(ColorDepth::Ansi16, Charset::Unicode);
                let order: Vec<usize> = (0..snap.runs.len()).collect();
                let marks = Marks {
                    order: &order,
                    crosshair: None,
                    pins: &[],
                };
                t.draw(|f| {
                    landscape::render(f, f.area(), &mut cache, surface, &sc, snap, &marks, theme);
                })
                .unwrap();
                let buf = t.backend().buffer();
                let inner = Rect::new(1, 1, w / 2 - 2, h - 8);
                let what = format!("{} map {}x{}", bundled::ALL[idx].0, w / 2, h - 6);
                let x = [sc.domain[0].0, sc.domain[0].1];
                let y = [sc.domain[1].0, sc.domain[1].1];
                read_n += check_axes(buf, inner, x, y, false, None, &what);
                let text = screen(buf);
                if text.contains('└') && h - 8 >= 6 {
                    // The value scale: lowest, median and highest sampled.
                    assert!(text.contains('█'), "{what}: no value scale\n{text}");
                }
            }
        }
    }
    assert!(read_n > 200, "only {read_n} labels read");
}

/// The entries of a legend on a pane's bottom border, read back: each
/// names a run in full or cut with `…`, or is counted (`+N`).
fn legend_names(border: &str) -> (Vec<String>, usize) {
    let inner = border.trim_matches(|c| c == '└' || c == '┘' || c == '─');
    let mut names = Vec::new();
    let mut more = 0;
    let count = |s: &str| s.strip_prefix('+').and_then(|n| n.parse::<usize>().ok());
    for part in inner.split("  ").map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(n) = count(part) {
            more = n;
            continue;
        }
        let mut part = part;
        if let Some((a, b)) = part.rsplit_once(' ')
            && let Some(n) = count(b)
        {
            more = n;
            part = a;
        }
        let name = part.split_once(' ').map_or("", |(_, n)| n);
        names.push(name.to_string());
    }
    (names, more)
}

fn named(names: &[String], run: &str) -> bool {
    names.iter().any(|n| {
        n == run
            || n.strip_suffix('…')
                .is_some_and(|p| !p.is_empty() && run.starts_with(p))
    })
}

/// Every pane of `buf` titled `title`: its bottom border.
fn bottom_borders(buf: &Buffer, title: &str) -> Vec<String> {
    let start = format!("┌ {title}");
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let len = start.chars().count() as u16;
            let here = row_text(buf, y, x, (x + len).min(buf.area.width));
            if !here.starts_with(&start) {
                continue;
            }
            let mut yy = y + 1;
            while yy < buf.area.height && sym(buf, x, yy) != "└" {
                yy += 1;
            }
            let mut end = x + 1;
            while end < buf.area.width && sym(buf, end, yy) != "┘" {
                end += 1;
            }
            out.push(row_text(buf, yy, x, end + 1));
        }
    }
    out
}

#[test]
fn every_chart_and_the_map_have_a_legend() {
    for idx in 0..bundled::ALL.len() {
        for color in [ColorDepth::Indexed256, ColorDepth::None] {
            for full in [false, true] {
                let mut m = model_at(idx, 40);
                m.color = color;
                m.map_full = full;
                let runs: Vec<String> = m
                    .snapshot()
                    .unwrap()
                    .runs
                    .iter()
                    .map(|r| r.name.clone())
                    .collect();
                for (w, h) in SIZES {
                    let buf = draw(&m, w, h);
                    let mut panes = 0;
                    for title in ["loss", "learning rate", "f("] {
                        for border in bottom_borders(&buf, title) {
                            panes += 1;
                            let (names, more) = legend_names(&border);
                            let shown = runs.iter().filter(|r| named(&names, r)).count();
                            assert!(
                                shown + more >= runs.len() && shown >= 1,
                                "{} {w}x{h} {color:?} {title}: {border}",
                                bundled::ALL[idx].0
                            );
                        }
                    }
                    let want = if full { 1 } else { 3 };
                    assert!(panes >= want, "{}", screen(&buf));
                }
            }
        }
    }
    // The case: 01 at 100×30 had no loss legend; long names now show in full.
    let buf = draw(&model_at(0, 40), 100, 30);
    let loss = &bottom_borders(&buf, "loss")[0];
    assert!(
        loss.contains("━ lr 0.01 (lesson)  ━ lr 0.1  ━ lr 0.001"),
        "{loss}"
    );
}

#[test]
fn names_longer_than_the_pane_are_cut_visibly() {
    // As long as a run's name may be.
    let name = "a long-winded run name ";
    let text = format!(
        "title = \"long\"\n[objective]\nf = \"x^2\"\ndomain = {{ x = [-2.0, 2.0] }}\n[descent]\nepochs = 10\nstart = {{ x = 1.0 }}\n[[run]]\nname = \"{name}1\"\nlr = 0.1\n[[run]]\nname = \"{name}2\"\nlr = 0.01\n"
    );
    let mut m = Model::new(vec![downhill::app::Entry::new(
        "long.toml".into(),
        scenario::parse("long.toml", &text),
    )]);
    m.entries[0].paused = true;
    let sc = m.entries[0].scenario.as_ref().unwrap().clone();
    let mut slot = Slot::new(0, 0, sc);
    slot.step();
    update(
        &mut m,
        Action::Snapshot(Arc::new(slot.snapshot()), std::time::Instant::now()),
    );
    let runs = [format!("{name}1"), format!("{name}2")];
    let mut cut = 0;
    for (w, h) in SIZES {
        let buf = draw(&m, w, h);
        for title in ["loss", "learning rate", "f("] {
            for border in bottom_borders(&buf, title) {
                let (names, more) = legend_names(&border);
                let a_run = |n: &String| runs.iter().any(|r| named(std::slice::from_ref(n), r));
                assert!(names.iter().all(a_run), "{border}");
                assert!(!names.is_empty() && names.len() + more >= 2, "{border}");
                cut += names.iter().filter(|n| n.ends_with('…')).count();
            }
        }
    }
    assert!(cut > 0, "small panes cut the names");
}

#[test]
fn without_colour_every_run_has_its_glyph_on_the_map() {
    let mut m = model_at(index_of("07-rosenbrock"), 2000);
    m.color = ColorDepth::None;
    m.map_full = true;
    let buf = draw(&m, 120, 40);
    let text = screen(&buf);
    let legend = &bottom_borders(&buf, "f(")[0];
    // Each run: its number where it is now, its glyph along its trail.
    for entry in ["1· fixed", "2• momentum", "3+ adam", "4* backtracking"] {
        assert!(legend.contains(entry), "{legend}");
        let now = entry.chars().next().unwrap();
        assert!(text.contains(now), "{entry}\n{text}");
    }
    // Trails overlap where runs agree; most are seen apart.
    let seen = ['•', '+', '*']
        .iter()
        .filter(|&&g| text.matches(g).count() > 3)
        .count();
    assert!(seen >= 2, "{text}");
    // The charts' legends name the same glyphs (run 0 is the braille line).
    m.map_full = false;
    let loss = &bottom_borders(&draw(&m, 200, 60), "loss")[0];
    assert!(
        loss.contains("⣿ fixed  • momentum  + adam  * backtracking"),
        "{loss}"
    );
}

/// Marker cells on the map: glyph, foreground, background.
fn markers(buf: &Buffer) -> Vec<(String, Color, Color)> {
    let glyphs = ["·", "•", "○", "●", "✕", "■", "X"];
    buf.content()
        .iter()
        .filter(|c| glyphs.contains(&c.symbol()) && c.bg != Color::Reset)
        .map(|c| (c.symbol().to_string(), c.fg, c.bg))
        .collect()
}

#[test]
fn markers_read_on_the_map_at_every_colour_depth() {
    for name in [
        "16-peaks-starts",
        "18-saddle-starts",
        "07-rosenbrock",
        "03-peaks",
    ] {
        for depth in [
            ColorDepth::Ansi16,
            ColorDepth::Indexed256,
            ColorDepth::TrueColor,
        ] {
            for epochs in [5, 40, 400] {
                let mut m = model_at(index_of(name), epochs);
                m.color = depth;
                m.map_full = true;
                let cells = markers(&draw(&m, 120, 40));
                assert!(cells.len() > 1, "{name} {depth:?}: no markers on the map");
                for (g, fg, bg) in cells {
                    let c = colormap::contrast(fg, bg);
                    if depth == ColorDepth::Ansi16 {
                        // The terminal decides what its 16 colours look like:
                        // markers stand on black.
                        assert_eq!(bg, Color::Black, "{name} {g} {fg:?} on {bg:?}");
                    }
                    assert!(
                        c >= 3.0,
                        "{name} {depth:?} {epochs}: {g} {fg:?} on {bg:?} ({c:.2})"
                    );
                }
            }
        }
    }
}

#[test]
fn a_text_console_gets_no_braille() {
    let braille = |s: &str| s.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c));
    for idx in 0..bundled::ALL.len() {
        let mut m = model_at(idx, 40);
        m.charset = Charset::Console;
        for depth in [ColorDepth::Ansi16, ColorDepth::None] {
            m.color = depth;
            for mode in 0..4 {
                for (w, h) in SIZES {
                    let text = screen(&draw(&m, w, h));
                    assert!(!braille(&text), "{} {w}x{h}\n{text}", bundled::ALL[idx].0);
                    for c in ['●', '✕', '━'] {
                        assert!(!text.contains(c), "{c} at {w}x{h}\n{text}");
                    }
                }
                update(&mut m, Action::CycleChart);
                let _ = mode;
            }
        }
    }
    // The sweep view's curve too.
    let mut m = sweep_model("13-sweep-start", 1.0, (0, 0));
    m.charset = Charset::Console;
    let text = screen(&draw(&m, 120, 40));
    assert!(text.contains("sweep") && !braille(&text), "{text}");
}

#[test]
fn where_f_is_undefined_the_curve_has_a_gap() {
    let text = "title = \"root\"\n[objective]\nf = \"sqrt(x)\"\ndomain = { x = [-1.0, 1.0] }\n[descent]\nepochs = 10\nstart = { x = 0.5 }\n[[run]]\nname = \"fixed\"\nlr = 0.01\n";
    let sc = Arc::new(scenario::parse("root.toml", text).unwrap());
    let slot = Slot::new(0, 0, sc.clone());
    let snap = slot.snapshot();
    let theme = Theme::new(ColorDepth::Ansi16, Charset::Unicode);
    let mut t = Terminal::new(TestBackend::new(60, 20)).unwrap();
    let surface = SurfaceId {
        entry: 0,
        generation: 0,
    };
    let order: Vec<usize> = (0..snap.runs.len()).collect();
    let marks = Marks {
        order: &order,
        crosshair: None,
        pins: &[],
    };
    t.draw(|f| {
        landscape::render(
            f,
            f.area(),
            &mut MapCache::default(),
            surface,
            &sc,
            &snap,
            &marks,
            theme,
        );
    })
    .unwrap();
    let buf = t.backend().buffer();
    // Columns of the plot: from the y axis to the border; x = 0 in the middle.
    let ax = (1..59)
        .find(|&x| sym(buf, x, 1) == "┤" || sym(buf, x, 1) == "│")
        .unwrap();
    let zero = ax + 1 + (58 - ax) / 2;
    let curve = |xs: std::ops::Range<u16>| {
        xs.flat_map(|x| (1..17).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                sym(buf, x, y)
                    .chars()
                    .any(|c| ('\u{2801}'..='\u{28ff}').contains(&c))
            })
            .count()
    };
    assert_eq!(
        curve(ax + 1..zero - 1),
        0,
        "no curve where x < 0\n{}",
        screen(buf)
    );
    assert!(
        curve(zero + 1..59) > 10,
        "the curve where x > 0\n{}",
        screen(buf)
    );
}

// ---------------------------------------------------------------------------------------
// Snapshots of what is new: read them by eye.

fn text_of(buf: &Buffer) -> String {
    screen(buf).lines().map(|l| format!("{:?}\n", l)).collect()
}

#[test]
fn no_color_glyphs_100x30() {
    let mut m = model_at(index_of("07-rosenbrock"), 2000);
    m.color = ColorDepth::None;
    insta::assert_snapshot!("no_color_rosenbrock", text_of(&draw(&m, 100, 30)));
    m.map_full = true;
    insta::assert_snapshot!("no_color_rosenbrock_map", text_of(&draw(&m, 100, 30)));
}

#[test]
fn console_fallback_100x30() {
    for (name, epochs) in [("01-descent-1d", 40), ("07-rosenbrock", 2000)] {
        let mut m = model_at(index_of(name), epochs);
        m.charset = Charset::Console;
        insta::assert_snapshot!(format!("console_{name}"), text_of(&draw(&m, 100, 30)));
    }
}

/// The map with each cell's background as a letter (`B`lue, `b` light
/// blue, `C`yan, `G`reen, `g` light green, `Y`ellow, `y` light yellow,
/// blac`K`), the markers as themselves, then every marker's colours.
fn plate(buf: &Buffer) -> String {
    let letter = |c: Color| match c {
        Color::Blue => 'B',
        Color::LightBlue => 'b',
        Color::Cyan => 'C',
        Color::Green => 'G',
        Color::LightGreen => 'g',
        Color::Yellow => 'Y',
        Color::LightYellow => 'y',
        Color::Black => 'K',
        _ => '?',
    };
    let mut out = String::new();
    let mut seen = std::collections::BTreeSet::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            let s = c.symbol();
            if c.bg == Color::Reset {
                out.push_str(s);
            } else if s == "▀" {
                out.push(letter(c.bg));
            } else {
                out.push_str(s);
                seen.insert(format!("{s} {:?} on {:?}", c.fg, c.bg));
            }
        }
        out.push('\n');
    }
    for s in seen {
        out.push_str(&s);
        out.push('\n');
    }
    out
}

#[test]
fn sixteen_colour_markers_stand_on_black() {
    for (name, epochs) in [("16-peaks-starts", 400), ("18-saddle-starts", 300)] {
        let mut m = model_at(index_of(name), epochs);
        m.color = ColorDepth::Ansi16;
        m.map_full = true;
        insta::assert_snapshot!(format!("ansi16_{name}"), plate(&draw(&m, 100, 30)));
    }
}

/// The local driver reads the terminal from the environment: the Linux
/// console gets no braille, `COLORTERM=truecolor` 24-bit run colours.
#[test]
fn the_local_driver_reads_term_and_colorterm() {
    use crate::common::{Pty, epoch, has_braille};
    let mut p = Pty::spawn(&[], 100, 30, &[("TERM", "linux")]);
    let t = p.wait_for("a few epochs", 10, |t| epoch(t).is_some_and(|e| e > 5));
    assert!(
        !has_braille(&t) && (t.contains('▀') || t.contains('▄')),
        "{t}"
    );
    p.send("q");
    p.wait_exit(5);
    let mut p = Pty::spawn(&[], 100, 30, &[("COLORTERM", "truecolor")]);
    let t = p.wait_for("a few epochs", 10, |t| epoch(t).is_some_and(|e| e > 5));
    assert!(has_braille(&t), "{t}");
    let bytes = String::from_utf8_lossy(&p.bytes_since(0)).to_string();
    // The first run's colour: Okabe–Ito orange.
    assert!(
        bytes.contains("38;2;230;159;0"),
        "no 24-bit run colour: {}",
        bytes.replace('\x1b', "^")
    );
    p.send("q");
    p.wait_exit(5);
}

/// Without colour, a 2D chart of each variable shows each run's glyphs in
/// the order the title names the variables.
#[test]
fn without_colour_each_variable_has_its_entry() {
    let mut m = model_at(2, 200);
    m.color = ColorDepth::None;
    while m.lower != LowerChart::Position {
        update(&mut m, Action::CycleChart);
    }
    let buf = draw(&m, 120, 40);
    assert!(
        screen(&buf).contains("┌ position: x, y "),
        "{}",
        screen(&buf)
    );
    let border = &bottom_borders(&buf, "position")[0];
    assert!(border.starts_with("└ ⣿• fi"), "{border}");
    assert!(border.contains("  +* mo"), "{border}");
    assert!(border.contains("  o# ad"), "{border}");
}
