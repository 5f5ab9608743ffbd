//! What a served client's terminal gets beyond `TERM`: its colours from the
//! `COLORTERM` / `NO_COLOR` it sends (`ssh -o SendEnv=…`), and mouse clicks.

use std::net::SocketAddr;
use std::time::Duration;

use russh::ChannelMsg;
use russh::client;

use crate::common::{assert_placed_at_the_minimum, click_on_the_minimum};
use crate::serve::{Client, Screen, epoch, key, login, reply, server_with};

/// A variable the client sends, and whether the server should take it.
type Sent<'a> = (&'a str, &'a str, bool);

/// Log in, send `env` (each request must get the reply `accepted` says),
/// then start a `cols × rows` dashboard on an `xterm-256color`.
async fn open_with_env(
    addr: SocketAddr,
    env: &[Sent<'_>],
    cols: u16,
    rows: u16,
) -> (client::Handle<Client>, Screen) {
    let (h, auth) = login(addr, key(2)).await;
    assert!(auth.success(), "{auth:?}");
    let mut channel = h.channel_open_session().await.expect("a session channel");
    for &(name, value, accepted) in env {
        channel.set_env(true, name, value).await.unwrap();
        let got = reply(&mut channel).await;
        assert_eq!(
            matches!(got, ChannelMsg::Success),
            accepted,
            "{name}={value}: {got:?}"
        );
    }
    channel
        .request_pty(
            true,
            "xterm-256color",
            u32::from(cols),
            u32::from(rows),
            0,
            0,
            &[],
        )
        .await
        .unwrap();
    channel.request_shell(true).await.unwrap();
    (h, Screen::on(channel, cols, rows))
}

/// Every foreground and background colour on the screen.
fn colours(s: &Screen) -> Vec<vt100::Color> {
    s.cells()
        .iter()
        .flat_map(|cell| [cell.fgcolor(), cell.bgcolor()])
        .collect()
}

fn rgb(c: &vt100::Color) -> bool {
    matches!(c, vt100::Color::Rgb(..))
}

fn indexed(c: &vt100::Color) -> bool {
    matches!(c, vt100::Color::Idx(_))
}

/// `ssh -o SendEnv=COLORTERM` with `COLORTERM=truecolor`: 24-bit colours;
/// `SendEnv=NO_COLOR`: none at all; anything else is refused and changes
/// nothing (the same `xterm-256color` draws its 256 colours).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colours_follow_the_environment_the_client_sent() {
    let (addr, _server) = server_with(|_| {}).await;
    let cases: [(&[Sent], &str); 4] = [
        (&[("COLORTERM", "truecolor", true)], "24-bit"),
        (&[("NO_COLOR", "1", true)], "none"),
        (
            &[
                ("LD_PRELOAD", "/tmp/x.so", false),
                ("TERM", "xterm-direct", false),
                ("LANG", "C.UTF-8", false),
            ],
            "256",
        ),
        // A huge value is cut, not kept, and is not `truecolor`.
        (&[("COLORTERM", &"truecolor".repeat(10_000), true)], "256"),
    ];
    for (env, want) in cases {
        let (_h, mut s) = open_with_env(addr, env, 100, 30).await;
        s.until(Duration::from_secs(5), |t| epoch(t).is_some_and(|e| e > 5))
            .await;
        let all = colours(&s);
        let (truecolor, palette) = (all.iter().any(rgb), all.iter().any(indexed));
        match want {
            "24-bit" => assert!(truecolor, "no 24-bit colour:\n{}", s.text),
            "none" => assert!(
                all.iter().all(|c| *c == vt100::Color::Default),
                "NO_COLOR, yet colours:\n{}",
                s.text
            ),
            _ => assert!(palette && !truecolor, "{env:?}: not the 256 palette"),
        }
        assert!(epoch(&s.text).is_some(), "{}", s.text);
    }
}

/// Once the dashboard runs, even a colour variable is refused (it has
/// chosen its colours).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_environment_after_the_shell() {
    let (addr, _server) = server_with(|_| {}).await;
    let (_h, mut s) = open_with_env(addr, &[], 80, 24).await;
    s.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    s.channel.set_env(true, "NO_COLOR", "1").await.unwrap();
    assert!(matches!(reply(&mut s.channel).await, ChannelMsg::Failure));
}

/// Only the Peaks scenario (a 2-D map with its minima marked).
fn peaks() -> Vec<downhill::app::Entry> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/03-peaks.toml");
    downhill::app::load_entries(&[file])
}

/// Pause, find the map's marked minimum (`✕`) and click it (SGR: pressed,
/// then released, 1-based); the screen after the click.
async fn click_the_minimum(s: &mut Screen) -> String {
    s.until(Duration::from_secs(5), |t| epoch(t).is_some())
        .await;
    s.press(" ").await;
    let t = s
        .until(Duration::from_secs(5), |t| t.contains("· paused"))
        .await;
    s.press(&click_on_the_minimum(&t)).await;
    s.until(Duration::from_secs(2), |t| {
        t.contains("every run restarts at")
    })
    .await
}

/// A served dashboard asks for mouse clicks (SGR, presses and releases);
/// a click on the map restarts every run there; leaving turns the reports
/// off again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_the_map_places_the_start() {
    use vt100::{MouseProtocolEncoding, MouseProtocolMode};
    let (addr, _server) = server_with(|c| c.entries = peaks()).await;
    let (_h, mut s) = Screen::open(addr, 120, 40).await;
    let t = click_the_minimum(&mut s).await;
    let screen = s.vt.screen();
    assert_eq!(
        screen.mouse_protocol_mode(),
        MouseProtocolMode::PressRelease
    );
    assert_eq!(screen.mouse_protocol_encoding(), MouseProtocolEncoding::Sgr);
    assert_placed_at_the_minimum(&t);
    s.press("q").await;
    s.wait_closed(Duration::from_secs(3)).await;
    assert!(s.closed);
    assert_eq!(
        s.vt.screen().mouse_protocol_mode(),
        MouseProtocolMode::None,
        "mouse reports are off again"
    );
}

/// `--no-mouse`: the terminal is never asked for clicks, and a click sent
/// anyway does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_mouse_asks_for_no_clicks_and_takes_none() {
    let (addr, _server) = server_with(|c| {
        c.entries = peaks();
        c.mouse = false;
    })
    .await;
    let (_h, mut s) = Screen::open(addr, 120, 40).await;
    let t = click_the_minimum(&mut s).await;
    assert_eq!(
        s.vt.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    assert!(!t.contains("every run restarts at"), "{t}");
    assert!(t.contains("· paused") && !s.closed, "{t}");
}
