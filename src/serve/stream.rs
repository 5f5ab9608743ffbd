//! A connection's TCP stream as russh sees it: one the server can cut
//! whatever russh is waiting for ([`Kill`]), and that notices when the
//! client has started the SSH key exchange.
//!
//! "Started" means the client sent its identification line and then one
//! whole binary packet (its `KEXINIT`), read as the bytes go by. A client
//! that has not done so soon after connecting ([`super::limits`]'s
//! deadline) is silent, and silent connections are the cheap way to fill a
//! server's connection slots: they are cut first.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Longest identification line a client may send (RFC 4253: 255 bytes).
const MAX_IDENT: usize = 255;

/// A switch that cuts a connection, and what the client has sent so far.
#[derive(Debug, Default)]
pub struct Kill {
    dead: AtomicBool,
    read: AtomicWaker,
    write: AtomicWaker,
    kex_started: AtomicBool,
    greeting: Mutex<Greeting>,
}

impl Kill {
    /// Cut the connection: every read and write fails from now on.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::Release);
        self.read.wake();
        self.write.wake();
    }

    /// Whether the connection was cut.
    pub fn is_cut(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    /// Whether the client sent its identification and a whole first packet.
    pub fn kex_started(&self) -> bool {
        self.kex_started.load(Ordering::Acquire)
    }

    fn check(&self, waker: &AtomicWaker, cx: &Context<'_>) -> io::Result<()> {
        waker.register(cx.waker());
        if self.dead.load(Ordering::Acquire) {
            Err(io::ErrorKind::ConnectionAborted.into())
        } else {
            Ok(())
        }
    }

    /// Bytes read from the client, until the key exchange has started.
    pub(super) fn saw(&self, bytes: &[u8]) {
        if bytes.is_empty() || self.kex_started() {
            return;
        }
        let mut g = self.greeting.lock().unwrap_or_else(|e| e.into_inner());
        if g.feed(bytes) {
            self.kex_started.store(true, Ordering::Release);
        }
    }
}

/// Where a client is in its first bytes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
enum Greeting {
    /// Reading the identification line; this many bytes of it so far.
    #[default]
    Start,
    Ident(usize),
    /// Reading the first packet's 4-byte length.
    Length {
        have: u8,
        len: u32,
    },
    /// This many bytes of the first packet still to come.
    Packet(u64),
    Done,
    /// Not SSH: never counts as started.
    Garbage,
}

impl Greeting {
    /// Take `bytes`; true once the first packet is complete.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        while !rest.is_empty() {
            match *self {
                Greeting::Start | Greeting::Ident(_) => {
                    let seen = match *self {
                        Greeting::Ident(n) => n,
                        _ => 0,
                    };
                    match rest.iter().position(|&b| b == b'\n') {
                        Some(i) if seen + i < MAX_IDENT => {
                            *self = Greeting::Length { have: 0, len: 0 };
                            rest = &rest[i + 1..];
                        }
                        Some(_) => *self = Greeting::Garbage,
                        None if seen + rest.len() < MAX_IDENT => {
                            *self = Greeting::Ident(seen + rest.len());
                            rest = &[];
                        }
                        None => *self = Greeting::Garbage,
                    }
                }
                Greeting::Length { have, len } => {
                    let len = len << 8 | u32::from(rest[0]);
                    rest = &rest[1..];
                    *self = if have == 3 {
                        Greeting::Packet(u64::from(len))
                    } else {
                        Greeting::Length {
                            have: have + 1,
                            len,
                        }
                    };
                }
                Greeting::Packet(n) => {
                    let take = n.min(rest.len() as u64);
                    rest = &rest[take as usize..];
                    *self = if take == n {
                        Greeting::Done
                    } else {
                        Greeting::Packet(n - take)
                    };
                }
                Greeting::Done | Greeting::Garbage => rest = &[],
            }
        }
        // A zero-length "packet" is complete at once.
        if *self == Greeting::Packet(0) {
            *self = Greeting::Done;
        }
        *self == Greeting::Done
    }
}

/// A TCP stream that fails once its [`Kill`] switch is thrown.
pub struct Killable {
    inner: TcpStream,
    kill: Arc<Kill>,
}

impl Killable {
    pub fn new(inner: TcpStream, kill: Arc<Kill>) -> Killable {
        Killable { inner, kill }
    }
}

impl AsyncRead for Killable {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.kill.check(&this.kill.read, cx)?;
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.kill.saw(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for Killable {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.kill.check(&this.kill.write, cx)?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.kill.check(&this.kill.write, cx)?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.dead.load(Ordering::Acquire) {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(chunks: &[&[u8]]) -> bool {
        let k = Kill::default();
        for c in chunks {
            k.saw(c);
        }
        k.kex_started()
    }

    #[test]
    fn a_whole_first_packet_starts_the_key_exchange() {
        let mut hello = b"SSH-2.0-OpenSSH_9.2\r\n".to_vec();
        hello.extend_from_slice(&[0, 0, 0, 6]);
        hello.extend_from_slice(b"abcdef");
        assert!(started(&[&hello]));
        // Byte by byte, too.
        let bytes: Vec<&[u8]> = hello.chunks(1).collect();
        assert!(started(&bytes));
        // One byte short is not started.
        assert!(!started(&[&hello[..hello.len() - 1]]));
        assert!(!started(&[b"SSH-2.0-x\r\n"]));
        assert!(!started(&[]));
    }

    #[test]
    fn garbage_never_starts_it() {
        assert!(!started(&[&[b'x'; 4096]]));
        let mut long = vec![b'S'; 300];
        long.extend_from_slice(b"\n\0\0\0\0");
        assert!(!started(&[&long]));
    }
}
