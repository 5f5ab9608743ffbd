//! A many-start scenario in the real binary: it runs to the end and `b`
//! shows where the starts ended.

use crate::common::Pty;

#[test]
fn peaks_from_24_starts_runs_and_b_shows_the_basins() {
    let mut p = Pty::spawn(&["scenarios/16-peaks-starts.toml"], 120, 40, &[]);
    p.wait_for("first frame", 15, |t| t.contains("start 1 of 24"));
    // As fast as it goes, then the basins view.
    for _ in 0..25 {
        p.send("+");
    }
    p.wait_for("the end", 60, |t| t.contains("done"));
    p.send("b");
    let t = p.wait_for("basins", 10, |t| {
        t.contains("basins · 24 starts per run") && t.contains("★ global")
    });
    assert!(t.contains("8/24"), "{t}");
    assert!(t.contains("mean epochs to converge 200.6"), "{t}");
    p.send("b");
    p.wait_for("runs again", 10, |t| t.contains("runs · start 1 of 24"));
    p.send("q");
    assert_eq!(p.wait_exit(10), 0);
}
