//! How many connections and dashboards the server holds, in total and per
//! client address, as slots released on drop.
//!
//! Two levels:
//! - **Connections** (TCP, counted from accept, before any SSH) are capped a
//!   little above the session limits ([`CONNECTION_SLACK`]), so a flood of
//!   idle or half-open connections is refused cheaply while the next real
//!   client still gets far enough to be told why it cannot have a session.
//! - **Sessions** (dashboards) are capped at `max_sessions` in total and
//!   `max_per_ip` per address; a client over a limit gets a message on its
//!   channel.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Connections allowed beyond the session limits (handshakes in progress,
/// clients being told the server is full).
pub const CONNECTION_SLACK: usize = 8;

#[derive(Debug, Default)]
struct Counts {
    conns: usize,
    conns_per_ip: HashMap<IpAddr, usize>,
    sessions: usize,
    sessions_per_ip: HashMap<IpAddr, usize>,
}

/// The limits and the live counts.
#[derive(Debug)]
pub struct Limits {
    max_sessions: usize,
    max_per_ip: usize,
    counts: Mutex<Counts>,
}

/// Why a connection or session was refused; its `Display` is the message
/// the client sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server has `max` dashboards open.
    Full { max: usize },
    /// This address has `max` dashboards open.
    PerIp { max: usize },
    /// Too many connections (mostly not logged in).
    Busy,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dashboards = |n: usize| format!("{n} dashboard{}", if n == 1 { "" } else { "s" });
        match self {
            Refusal::Full { max } => write!(
                f,
                "the server is full ({} at once, all in use); please try again in a while",
                dashboards(*max)
            ),
            Refusal::PerIp { max } => write!(
                f,
                "your address already has {} open, the limit per address; \
                 close one and try again",
                dashboards(*max)
            ),
            Refusal::Busy => write!(
                f,
                "too many connections right now; please try again shortly"
            ),
        }
    }
}

impl Limits {
    pub fn new(max_sessions: usize, max_per_ip: usize) -> Arc<Limits> {
        Arc::new(Limits {
            max_sessions,
            max_per_ip,
            counts: Mutex::new(Counts::default()),
        })
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new TCP connection from `ip`.
    pub fn connect(self: &Arc<Self>, ip: IpAddr) -> Result<ConnSlot, Refusal> {
        let mut c = self.counts();
        let per_ip = c.conns_per_ip.get(&ip).copied().unwrap_or(0);
        if c.conns >= self.max_sessions + CONNECTION_SLACK
            || per_ip >= self.max_per_ip + CONNECTION_SLACK
        {
            return Err(Refusal::Busy);
        }
        c.conns += 1;
        *c.conns_per_ip.entry(ip).or_default() += 1;
        Ok(ConnSlot {
            limits: self.clone(),
            ip,
        })
    }

    /// A slot for a new dashboard for `ip`.
    pub fn session(self: &Arc<Self>, ip: IpAddr) -> Result<SessionSlot, Refusal> {
        let mut c = self.counts();
        if c.sessions >= self.max_sessions {
            return Err(Refusal::Full {
                max: self.max_sessions,
            });
        }
        let per_ip = c.sessions_per_ip.get(&ip).copied().unwrap_or(0);
        if per_ip >= self.max_per_ip {
            return Err(Refusal::PerIp {
                max: self.max_per_ip,
            });
        }
        c.sessions += 1;
        *c.sessions_per_ip.entry(ip).or_default() += 1;
        Ok(SessionSlot {
            limits: self.clone(),
            ip,
        })
    }

    /// Open connections and dashboards.
    pub fn current(&self) -> (usize, usize) {
        let c = self.counts();
        (c.conns, c.sessions)
    }
}

fn release(map: &mut HashMap<IpAddr, usize>, ip: IpAddr) {
    if let Some(n) = map.get_mut(&ip) {
        *n -= 1;
        if *n == 0 {
            map.remove(&ip);
        }
    }
}

/// A connection's place in the counts, given back on drop.
#[derive(Debug)]
pub struct ConnSlot {
    limits: Arc<Limits>,
    ip: IpAddr,
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        let mut c = self.limits.counts();
        c.conns -= 1;
        release(&mut c.conns_per_ip, self.ip);
    }
}

/// A dashboard's place in the counts, given back on drop.
#[derive(Debug)]
pub struct SessionSlot {
    limits: Arc<Limits>,
    ip: IpAddr,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut c = self.limits.counts();
        c.sessions -= 1;
        release(&mut c.sessions_per_ip, self.ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn sessions_are_capped_in_total_and_per_address() {
        let l = Limits::new(3, 2);
        let a1 = l.session(ip(1)).unwrap();
        let _a2 = l.session(ip(1)).unwrap();
        assert_eq!(l.session(ip(1)).unwrap_err(), Refusal::PerIp { max: 2 });
        let _b1 = l.session(ip(2)).unwrap();
        assert_eq!(l.session(ip(3)).unwrap_err(), Refusal::Full { max: 3 });
        drop(a1);
        assert_eq!(l.current().1, 2);
        let _c1 = l.session(ip(3)).unwrap();
    }

    #[test]
    fn connections_get_some_slack_then_are_refused() {
        let l = Limits::new(1, 1);
        let slots: Vec<_> = (0..=CONNECTION_SLACK)
            .map(|_| l.connect(ip(1)).unwrap())
            .collect();
        assert_eq!(l.connect(ip(1)).unwrap_err(), Refusal::Busy);
        assert_eq!(l.connect(ip(2)).unwrap_err(), Refusal::Busy, "total cap");
        drop(slots);
        assert_eq!(l.current(), (0, 0));
        assert!(l.counts().conns_per_ip.is_empty());
    }

    #[test]
    fn messages_say_what_to_do() {
        assert!(
            Refusal::Full { max: 50 }
                .to_string()
                .contains("50 dashboards at once")
        );
        assert!(
            Refusal::Full { max: 1 }
                .to_string()
                .contains("(1 dashboard at once")
        );
        assert!(
            Refusal::PerIp { max: 8 }
                .to_string()
                .contains("per address")
        );
    }
}
