//! How many connections and dashboards the server holds, in total and per
//! client address, as slots released on drop.
//!
//! Two levels:
//! - **Connections** (TCP, counted from accept, before any SSH) are capped a
//!   little above the session limits ([`CONNECTION_SLACK`]), so a flood of
//!   idle or half-open connections is refused cheaply while the next real
//!   client still gets far enough to be told why it cannot have a session.
//!   Connections that have not logged in yet may hold only part of that
//!   cap ([`Caps::pre_auth`]); the rest is kept for logged-in ones. From one
//!   address, at most [`Caps::pre_auth_per_group`] may be logging in at once.
//!   When a new connection finds no room, it may take the place of a
//!   *silent* one — a client that has not started the key exchange
//!   [`SILENT_GRACE`] after connecting — from an address holding more such
//!   connections than its own (see `Counts::displaceable`), so sockets that
//!   send nothing, from a few addresses, cannot lock real clients out.
//! - **Sessions** (dashboards) are capped at `max_sessions` in total and
//!   `max_per_ip` per address; a client over a limit gets a message on its
//!   channel.
//!
//! "Per address" means per IPv4 address, and per /64 for IPv6 (one host
//! has a whole /64 to pick addresses from); an IPv4-mapped IPv6 address
//! counts as the IPv4 address.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::stream::Kill;

/// Connections allowed beyond the session limits (handshakes in progress,
/// clients being told the server is full).
pub const CONNECTION_SLACK: usize = 8;

/// How long a new connection may stay silent before a newcomer may take its
/// place when the server is full (a real client sends its first packet one
/// round trip after connecting).
pub const SILENT_GRACE: Duration = Duration::from_millis(500);

/// What the per-address counts are keyed by: the IPv4 address, or the /64
/// of an IPv6 one.
pub fn group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}

/// The numbers the counts are held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub sessions: usize,
    pub sessions_per_group: usize,
    /// Connections, logged in or not.
    pub connections: usize,
    pub connections_per_group: usize,
    /// Connections not logged in yet: the cap less a share kept for
    /// logged-in ones (half of `max_sessions`).
    pub pre_auth: usize,
    /// Connections from one address not logged in yet.
    pub pre_auth_per_group: usize,
}

impl Caps {
    pub fn new(max_sessions: usize, max_per_ip: usize) -> Caps {
        let (sessions, per) = (max_sessions.max(1), max_per_ip.max(1));
        let connections = sessions + CONNECTION_SLACK;
        let pre_auth = connections - (sessions / 2).max(1);
        Caps {
            sessions,
            sessions_per_group: per,
            connections,
            connections_per_group: per + CONNECTION_SLACK,
            pre_auth,
            pre_auth_per_group: per.max(pre_auth / 4).min(pre_auth),
        }
    }
}

impl Caps {
    /// Room for `n` spectators' connections too (logged in, from anywhere,
    /// one address included: a class behind one NAT); what may be logging
    /// in at once stays as it was.
    pub fn with_spectators(mut self, n: usize) -> Caps {
        self.connections += n;
        self.connections_per_group += n;
        self
    }
}

/// One open connection.
#[derive(Debug)]
struct Open {
    peer: SocketAddr,
    group: IpAddr,
    since: Instant,
    kill: Arc<Kill>,
    logged_in: bool,
}

#[derive(Debug, Default)]
struct Counts {
    open: HashMap<u64, Open>,
    next_id: u64,
    conns_per_group: HashMap<IpAddr, usize>,
    pre_auth: usize,
    pre_auth_per_group: HashMap<IpAddr, usize>,
    sessions: usize,
    sessions_per_group: HashMap<IpAddr, usize>,
}

impl Counts {
    fn of(map: &HashMap<IpAddr, usize>, g: IpAddr) -> usize {
        map.get(&g).copied().unwrap_or(0)
    }

    /// Whether a new connection from `g` fits.
    fn room(&self, caps: &Caps, g: IpAddr) -> bool {
        self.open.len() < caps.connections
            && self.pre_auth < caps.pre_auth
            && Self::of(&self.conns_per_group, g) < caps.connections_per_group
            && Self::of(&self.pre_auth_per_group, g) < caps.pre_auth_per_group
    }

    /// The connection a newcomer from group `g` may displace when there is
    /// no room: a silent one (no key exchange started `SILENT_GRACE` after
    /// connecting) of a group holding at least two more connections that
    /// are logging in than `g` would — the fullest such group, its oldest.
    /// Addresses with equal shares never displace each other (nor does an
    /// address itself: that would only make its sockets look new), a client
    /// alone at its address is never displaced, and a newcomer from a fresh
    /// address gets in unless every connection logging in is from another
    /// address or busy with a key exchange. None when `g`'s own quota is
    /// what is full.
    fn displaceable(&self, caps: &Caps, g: IpAddr, now: Instant) -> Option<u64> {
        let mine = Self::of(&self.pre_auth_per_group, g);
        if Self::of(&self.conns_per_group, g) >= caps.connections_per_group
            || mine >= caps.pre_auth_per_group
        {
            return None;
        }
        self.open
            .iter()
            .filter(|(_, o)| !o.logged_in && !o.kill.kex_started())
            .filter(|(_, o)| now.saturating_duration_since(o.since) >= SILENT_GRACE)
            .map(|(id, o)| (*id, o, Self::of(&self.pre_auth_per_group, o.group)))
            .filter(|(_, _, theirs)| *theirs > mine + 1)
            .max_by_key(|(id, o, theirs)| (*theirs, std::cmp::Reverse((o.since, *id))))
            .map(|(id, _, _)| id)
    }

    /// Take connection `id` out of the counts (it is closing or evicted).
    fn remove(&mut self, id: u64) -> Option<Open> {
        let o = self.open.remove(&id)?;
        release(&mut self.conns_per_group, o.group);
        if !o.logged_in {
            self.pre_auth -= 1;
            release(&mut self.pre_auth_per_group, o.group);
        }
        Some(o)
    }
}

/// The limits and the live counts.
#[derive(Debug)]
pub struct Limits {
    caps: Caps,
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

/// A new connection's place, and the silent connection it displaced.
#[derive(Debug)]
pub struct Admitted {
    pub slot: ConnSlot,
    pub evicted: Option<SocketAddr>,
}

impl Limits {
    pub fn new(max_sessions: usize, max_per_ip: usize) -> Arc<Limits> {
        Limits::with(Caps::new(max_sessions, max_per_ip))
    }

    pub fn with(caps: Caps) -> Arc<Limits> {
        Arc::new(Limits {
            caps,
            counts: Mutex::new(Counts::default()),
        })
    }

    /// The caps in force.
    pub fn caps(&self) -> Caps {
        self.caps
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new TCP connection from `peer`, cut by `kill` if a
    /// newcomer takes its place while it is silent.
    pub fn connect(
        self: &Arc<Self>,
        peer: SocketAddr,
        kill: Arc<Kill>,
    ) -> Result<Admitted, Refusal> {
        self.connect_at(peer, kill, Instant::now())
    }

    fn connect_at(
        self: &Arc<Self>,
        peer: SocketAddr,
        kill: Arc<Kill>,
        now: Instant,
    ) -> Result<Admitted, Refusal> {
        let g = group(peer.ip());
        let mut c = self.counts();
        let mut evicted = None;
        if !c.room(&self.caps, g) {
            let victim = c
                .displaceable(&self.caps, g, now)
                .and_then(|id| c.remove(id));
            match victim {
                Some(v) => {
                    v.kill.kill();
                    evicted = Some(v.peer);
                }
                None => return Err(Refusal::Busy),
            }
            if !c.room(&self.caps, g) {
                return Err(Refusal::Busy);
            }
        }
        let id = c.next_id;
        c.next_id += 1;
        c.open.insert(
            id,
            Open {
                peer,
                group: g,
                since: now,
                kill,
                logged_in: false,
            },
        );
        *c.conns_per_group.entry(g).or_default() += 1;
        c.pre_auth += 1;
        *c.pre_auth_per_group.entry(g).or_default() += 1;
        Ok(Admitted {
            slot: ConnSlot {
                limits: self.clone(),
                id,
            },
            evicted,
        })
    }

    /// A slot for a new dashboard for `ip`.
    pub fn session(self: &Arc<Self>, ip: IpAddr) -> Result<SessionSlot, Refusal> {
        let g = group(ip);
        let mut c = self.counts();
        if c.sessions >= self.caps.sessions {
            return Err(Refusal::Full {
                max: self.caps.sessions,
            });
        }
        if Counts::of(&c.sessions_per_group, g) >= self.caps.sessions_per_group {
            return Err(Refusal::PerIp {
                max: self.caps.sessions_per_group,
            });
        }
        c.sessions += 1;
        *c.sessions_per_group.entry(g).or_default() += 1;
        Ok(SessionSlot {
            limits: self.clone(),
            group: g,
        })
    }

    /// Open connections and dashboards.
    pub fn current(&self) -> (usize, usize) {
        let c = self.counts();
        (c.open.len(), c.sessions)
    }

    /// Open connections not logged in yet.
    pub fn pre_auth(&self) -> usize {
        self.counts().pre_auth
    }
}

fn release(map: &mut HashMap<IpAddr, usize>, g: IpAddr) {
    if let Some(n) = map.get_mut(&g) {
        *n -= 1;
        if *n == 0 {
            map.remove(&g);
        }
    }
}

/// A connection's place in the counts, given back on drop.
#[derive(Debug)]
pub struct ConnSlot {
    limits: Arc<Limits>,
    id: u64,
}

impl ConnSlot {
    /// The client logged in: it leaves the pre-authentication counts.
    pub fn logged_in(&self) {
        let mut c = self.limits.counts();
        let Some(o) = c.open.get_mut(&self.id) else {
            return;
        };
        if o.logged_in {
            return;
        }
        o.logged_in = true;
        let g = o.group;
        c.pre_auth -= 1;
        release(&mut c.pre_auth_per_group, g);
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        self.limits.counts().remove(self.id);
    }
}

/// A dashboard's place in the counts, given back on drop.
#[derive(Debug)]
pub struct SessionSlot {
    limits: Arc<Limits>,
    group: IpAddr,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut c = self.limits.counts();
        c.sessions -= 1;
        release(&mut c.sessions_per_group, self.group);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    fn peer(n: u8) -> SocketAddr {
        SocketAddr::new(ip(n), 40_000)
    }

    fn connect(l: &Arc<Limits>, n: u8, at: Instant) -> Result<Admitted, Refusal> {
        l.connect_at(peer(n), Arc::new(Kill::default()), at)
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
        let now = Instant::now();
        let caps = l.caps();
        assert_eq!(caps.connections, 1 + CONNECTION_SLACK);
        assert_eq!(caps.pre_auth, CONNECTION_SLACK);
        let slots: Vec<_> = (0..caps.pre_auth_per_group)
            .map(|_| connect(&l, 1, now).unwrap().slot)
            .collect();
        assert_eq!(connect(&l, 1, now).unwrap_err(), Refusal::Busy);
        drop(slots);
        assert_eq!(l.current(), (0, 0));
        assert!(l.counts().conns_per_group.is_empty());
        assert!(l.counts().pre_auth_per_group.is_empty());
    }

    #[test]
    fn spectators_widen_the_logged_in_room_only() {
        let base = Caps::new(4, 1);
        let caps = base.with_spectators(10);
        assert_eq!(caps.connections, base.connections + 10);
        assert_eq!(caps.connections_per_group, base.connections_per_group + 10);
        assert_eq!(caps.pre_auth, base.pre_auth);
        assert_eq!(caps.pre_auth_per_group, base.pre_auth_per_group);
    }

    #[test]
    fn part_of_the_cap_is_kept_for_logged_in_connections() {
        let l = Limits::new(10, 100);
        let caps = l.caps();
        assert_eq!(caps.connections, 18);
        assert_eq!(caps.pre_auth, 13);
        let now = Instant::now();
        let mut slots: Vec<_> = (0..caps.pre_auth)
            .map(|i| connect(&l, i as u8, now).unwrap().slot)
            .collect();
        assert_eq!(connect(&l, 200, now).unwrap_err(), Refusal::Busy);
        // Logged-in connections use the rest, up to the whole cap.
        for s in &slots {
            s.logged_in();
        }
        assert_eq!(l.pre_auth(), 0);
        for i in 0..caps.connections - caps.pre_auth {
            slots.push(connect(&l, 100 + i as u8, now).unwrap().slot);
        }
        assert_eq!(connect(&l, 201, now).unwrap_err(), Refusal::Busy);
        slots[0].logged_in();
        drop(slots);
        assert_eq!((l.current(), l.pre_auth()), ((0, 0), 0));
    }

    #[test]
    fn a_silent_connection_gives_way_to_a_newcomer_from_a_smaller_address() {
        // Eight places for connections logging in, four per address.
        let l = Limits::new(1, 4);
        assert_eq!((l.caps().pre_auth, l.caps().pre_auth_per_group), (8, 4));
        let t0 = Instant::now();
        let kills: Vec<Arc<Kill>> = (0..8).map(|_| Arc::default()).collect();
        let _slots: Vec<_> = kills
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let at = t0 + Duration::from_millis(i as u64);
                l.connect_at(peer(1 + (i % 2) as u8), k.clone(), at)
                    .unwrap()
            })
            .collect();
        // Within the grace, nobody is displaced.
        assert_eq!(connect(&l, 50, t0).unwrap_err(), Refusal::Busy);
        // Later, the oldest silent one of the fullest address is.
        let later = t0 + SILENT_GRACE + Duration::from_secs(1);
        let a = connect(&l, 50, later).unwrap();
        assert_eq!(a.evicted, Some(peer(1)));
        assert!(kills[0].is_cut());
        let b = connect(&l, 50, later).unwrap();
        assert_eq!(b.evicted, Some(peer(2)));
        // Now 3, 3 and 2: equal shares (within one) displace nobody, and the
        // newcomers, still silent, are not displaced either.
        assert_eq!(connect(&l, 50, later).unwrap_err(), Refusal::Busy);
        assert_eq!(connect(&l, 1, later).unwrap_err(), Refusal::Busy);
        assert_eq!(l.current().0, 8);
        // A connection that started its key exchange is never displaced.
        for k in &kills {
            k.saw(b"SSH-2.0-x\n\0\0\0\0");
        }
        assert!(kills[1].kex_started());
        // (The two newcomers from .50 are silent: one of them may go.)
        let much_later = later + Duration::from_secs(60);
        let c = connect(&l, 60, much_later).unwrap();
        assert_eq!(c.evicted, Some(peer(50)));
        assert_eq!(connect(&l, 61, much_later).unwrap_err(), Refusal::Busy);
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(group(a), group(b));
        assert_ne!(group(a), group(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(group(mapped), ip(1));
        let l = Limits::new(10, 2);
        let _s1 = l.session(a).unwrap();
        let _s2 = l.session(b).unwrap();
        assert_eq!(l.session(b).unwrap_err(), Refusal::PerIp { max: 2 });
        let _s3 = l.session(c).unwrap();
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
