//! One SSH connection: what it may do (log in, open one session channel,
//! ask for a pty and a shell, type, resize) and everything it may not (exec,
//! subsystems such as sftp, environment variables but `COLORTERM` and
//! `NO_COLOR` ([`ClientEnv`]), agent and X11 forwarding, TCP and socket
//! forwarding either way, a second channel).
//!
//! The connection runs over a [`Killable`] stream, so the server can cut it
//! whatever russh is waiting for: when it has not started the key exchange
//! [`KEX_START`] after connecting, at the login deadline (no dashboard
//! started in time), when a newcomer takes a silent connection's place, and
//! when closing a channel to a stalled client hangs. Failed logins are
//! logged with the address and the key's type and fingerprint.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use russh::server::{
    Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, ChannelOpenFailure, Pty};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant, sleep_until};

use super::dashboard::{self, FromClient, Spec};
use super::env::ClientEnv;
use super::limits::ConnSlot;
use super::record;
use super::stream::{Kill, Killable};
use super::{Access, Seat, Shared, Slot, clamp_size};
use crate::app::class::Role;

mod admit;

/// How long a client has after connecting to send its identification and
/// start the key exchange, by default ([`super::Config::kex_timeout`]).
pub const KEX_START: Duration = Duration::from_secs(10);

/// Input messages buffered for a dashboard; more are dropped.
const INPUT_QUEUE: usize = 256;
/// How long a connection with a dashboard may take to close at shutdown.
const CUT_GRACE: Duration = Duration::from_secs(7);

/// Serve one accepted TCP connection until it ends. `slot` is its place in
/// the connection counts, `kill` its switch (also held by the counts).
pub async fn serve_connection(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    slot: ConnSlot,
    kill: Arc<Kill>,
) {
    let slot = Arc::new(slot);
    let _ = tcp.set_nodelay(true);
    let started = Arc::new(AtomicBool::new(false));
    let handler = Conn {
        shared: shared.clone(),
        peer,
        who: format!("{}", peer),
        channel: None,
        pty: None,
        term: None,
        env: ClientEnv::default(),
        to_dashboard: None,
        started: started.clone(),
        kill: kill.clone(),
        slot: slot.clone(),
        role: Role::Solo,
        name: String::new(),
    };
    let now = Instant::now();
    let far = now + Duration::from_secs(10 * 365 * 86_400);
    let login_deadline = now.checked_add(shared.login_timeout).unwrap_or(far);
    // Resolves only if the client has not started the key exchange in time.
    let silent = async {
        sleep_until(now.checked_add(shared.kex_timeout).unwrap_or(far)).await;
        if kill.kex_started() {
            std::future::pending::<()>().await;
        }
    };
    tokio::pin!(silent);
    let stream = Killable::new(tcp, kill.clone());
    let setup = russh::server::run_stream(shared.russh.clone(), stream, handler);
    tokio::pin!(setup);
    let say_silent = || {
        shared.log.line(format_args!(
            "{peer}: no key exchange within {}, disconnected",
            super::fmt_duration(shared.kex_timeout)
        ))
    };
    let running = tokio::select! {
        r = &mut setup => r.ok(),
        _ = &mut silent => {
            say_silent();
            None
        }
        _ = sleep_until(login_deadline) => None,
    };
    let Some(running) = running else {
        kill.kill();
        return;
    };
    tokio::pin!(running);
    let mut shutdown = shared.shutdown.clone();
    let mut shutting_down = false;
    let mut login_checked = false;
    // A session ends itself at its time limit; this only catches one that
    // would not (a minute later).
    let mut cut_at = shared.max_session.map(|d| {
        login_deadline
            .checked_add(d + Duration::from_secs(60))
            .unwrap_or(far)
    });
    loop {
        tokio::select! {
            _ = &mut running => return,
            _ = &mut silent => {
                say_silent();
                break;
            }
            _ = sleep_until(login_deadline), if !login_checked => {
                login_checked = true;
                if !started.load(Ordering::Acquire) {
                    shared.log.line(format_args!(
                        "{peer}: no dashboard within the login timeout, disconnected"
                    ));
                    break;
                }
            }
            _ = super::stopping(&mut shutdown), if !shutting_down => {
                shutting_down = true;
                // Give a running dashboard the time to say goodbye.
                let grace = Instant::now() + CUT_GRACE;
                cut_at = Some(if started.load(Ordering::Acquire) { grace } else { Instant::now() });
            }
            _ = sleep_until(cut_at.unwrap_or(far)), if cut_at.is_some() => break,
        }
    }
    kill.kill();
    let _ = tokio::time::timeout(Duration::from_secs(2), running).await;
}

/// The russh handler of one connection.
pub struct Conn {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// `user@address`, for the log (the user name cleaned of control characters).
    who: String,
    /// The one session channel this connection may have.
    channel: Option<ChannelId>,
    /// The terminal size from `pty-req`, clamped.
    pty: Option<(u16, u16)>,
    /// The client's `TERM` from `pty-req` (cut to 64 bytes): what its
    /// terminal can show.
    term: Option<String>,
    /// The colour variables it sent before its shell.
    env: ClientEnv,
    /// Set once the dashboard runs; dropped when the channel closes.
    to_dashboard: Option<mpsc::Sender<FromClient>>,
    started: Arc<AtomicBool>,
    kill: Arc<Kill>,
    slot: Arc<ConnSlot>,
    /// Its part in the class (decided by how it logged in).
    role: Role,
    /// The user name, cleaned (a student's name in the class view).
    name: String,
}

impl Conn {
    fn ours(&self, channel: ChannelId) -> bool {
        self.channel == Some(channel)
    }

    /// Tell the client why it gets no dashboard, and close the channel.
    fn refuse(session: &mut Session, channel: ChannelId, why: &str) -> Result<(), russh::Error> {
        session.data(channel, format!("downhill: {why}\r\n").into_bytes())?;
        session.exit_status_request(channel, 1)?;
        session.eof(channel)?;
        session.close(channel)
    }

    fn start_dashboard(
        &mut self,
        channel: ChannelId,
        size: (u16, u16),
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        // Spectators count apart from the dashboards' caps.
        let seat = if self.role == Role::Spectator {
            match self.shared.class.as_ref().and_then(Seat::take) {
                Some(seat) => Some(seat),
                None => {
                    self.shared
                        .log
                        .line(format_args!("{}: refused: spectators are full", self.who));
                    return Self::refuse(
                        session,
                        channel,
                        "every spectator seat is taken; try again later",
                    );
                }
            }
        } else {
            None
        };
        let slot = match seat {
            Some(seat) => Slot::Spectator(seat),
            None => match self.shared.limits.session(self.peer.ip()) {
                Ok(slot) => Slot::Dashboard(slot),
                Err(why) => {
                    self.shared
                        .log
                        .line(format_args!("{}: refused: {why}", self.who));
                    return Self::refuse(session, channel, &why.to_string());
                }
            },
        };
        let member = self
            .shared
            .class
            .as_ref()
            .map(|c| c.hub.join(self.role, &self.name));
        let (tx, rx) = mpsc::channel(INPUT_QUEUE);
        self.to_dashboard = Some(tx);
        self.started.store(true, Ordering::Release);
        let spec = Spec {
            handle: session.handle(),
            channel,
            size,
            term: self.term.clone(),
            env: self.env.clone(),
            from_client: rx,
            entries: self.shared.entries.clone(),
            fps: self.shared.fps,
            idle: self.shared.idle_timeout,
            max: self.shared.max_session,
            shutdown: self.shared.shutdown.clone(),
            kill: self.kill.clone(),
            log: self.shared.log,
            who: self.who.clone(),
            stats: self.shared.stats.clone(),
            mouse: self.shared.mouse,
            record: self
                .shared
                .record
                .clone()
                .filter(|_| record::records(self.role)),
            crash_key: self.shared.crash_key,
            role: self.role,
            member,
        };
        tokio::spawn(dashboard::supervise(spec, slot));
        Ok(())
    }
}

impl Handler for Conn {
    type Error = russh::Error;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        // `--spectators`: `watch` watches the teacher, without a key.
        if user == "watch" && self.shared.class.as_ref().is_some_and(|c| c.spectators) {
            self.set_user(user, Role::Spectator);
            return Ok(Auth::Accept);
        }
        if matches!(self.shared.access, Access::Open) {
            self.set_user(user, self.student());
            return Ok(Auth::Accept);
        }
        Ok(Auth::reject())
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(if self.role_of(offer.public_key).is_some() {
            Auth::Accept
        } else {
            self.refused_key(user, offer.public_key);
            Auth::reject()
        })
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        self.refused(user, "password (only keys are accepted)");
        Ok(Auth::reject())
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        self.refused(user, "keyboard-interactive (only keys are accepted)");
        Ok(Auth::reject())
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if let Some(role) = self.role_of(key.public_key) {
            self.set_user(user, role);
            return Ok(Auth::Accept);
        }
        self.refused_key(user, key.public_key);
        Ok(Auth::reject())
    }

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        self.slot.logged_in();
        self.shared
            .log
            .line(format_args!("{}: logged in", self.who));
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel.is_some() {
            reply
                .reject(ChannelOpenFailure::AdministrativelyProhibited)
                .await;
        } else {
            self.channel = Some(channel.id());
            reply.accept().await;
        }
        // Input comes through this handler's callbacks; the channel object
        // is not needed (dropped, russh's copies to it are discarded).
        Ok(())
    }

    async fn channel_open_x11(
        &mut self,
        _channel: Channel<Msg>,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        _host_to_connect: &str,
        _port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_open_forwarded_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        _host_to_connect: &str,
        _port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_open_direct_streamlocal(
        &mut self,
        _channel: Channel<Msg>,
        _socket_path: &str,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.ours(channel) {
            // The dashboard sees its input end and stops.
            self.to_dashboard = None;
        }
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.ours(channel)
            && let Some(tx) = &self.to_dashboard
        {
            // A dashboard that cannot keep up loses keystrokes, it does not
            // stall the connection.
            let _ = tx.try_send(FromClient::Data(data.to_vec()));
        }
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.ours(channel) && self.to_dashboard.is_none() {
            self.pty = Some(clamp_size(col_width, row_height));
            self.term = Some(term.chars().take(64).collect());
            session.channel_success(channel)
        } else {
            session.channel_failure(channel)
        }
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.ours(channel) {
            return Ok(());
        }
        let (c, r) = clamp_size(col_width, row_height);
        if let Some(tx) = &self.to_dashboard {
            let _ = tx.try_send(FromClient::Resize(c, r));
        } else if self.pty.is_some() {
            self.pty = Some((c, r));
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.ours(channel)
            || self.to_dashboard.is_some()
            || self.started.load(Ordering::Acquire)
        {
            return session.channel_failure(channel);
        }
        session.channel_success(channel)?;
        match self.pty {
            Some(size) => self.start_dashboard(channel, size, session),
            None => Self::refuse(
                session,
                channel,
                "the dashboard needs a terminal; connect with `ssh -t`",
            ),
        }
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shared
            .log
            .line(format_args!("{}: exec refused", self.who));
        session.channel_failure(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shared
            .log
            .line(format_args!("{}: subsystem refused", self.who));
        session.channel_failure(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        variable_name: &str,
        variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.ours(channel)
            && !self.started.load(Ordering::Acquire)
            && self.env.accept(variable_name, variable_value)
        {
            session.channel_success(channel)
        } else {
            session.channel_failure(channel)
        }
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn agent_request(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }

    async fn tcpip_forward(
        &mut self,
        _address: &str,
        _port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.shared
            .log
            .line(format_args!("{}: port forwarding refused", self.who));
        Ok(false)
    }

    async fn cancel_tcpip_forward(
        &mut self,
        _address: &str,
        _port: u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }

    async fn streamlocal_forward(
        &mut self,
        _socket_path: &str,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }

    async fn cancel_streamlocal_forward(
        &mut self,
        _socket_path: &str,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }
}
