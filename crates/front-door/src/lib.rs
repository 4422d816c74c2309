//! The front door: every accepted connection is registered, bounded and
//! timed, so that a flood of connections that never send a request cannot
//! take the service (or its file descriptors) away from the clients that do.
//!
//! - **Header timeout**: a connection with no request in flight must
//!   complete a request's headers within [`FrontDoor::header_timeout`] of
//!   being accepted or of its previous response (a keep-alive connection
//!   waiting longer than that is closed too).
//! - **Idle timeout**: a connection with a request in flight (an upload
//!   streaming its body) that moves no byte for [`FrontDoor::idle_timeout`]
//!   is closed.
//! - **Connection cap**: at most [`FrontDoor::max_connections`] at once.
//!   At the cap, a new connection evicts the oldest one with no request in
//!   flight (half-open connections first of all); only when every
//!   connection is busy does accepting wait. So a client that sends a
//!   request (`/healthz`) gets a slot even under thousands of stalled
//!   connections.
//!
//! The rules are enforced from outside hyper, by a wrapper around each
//! connection's stream ([`Guarded`]) that a reaper task closes, and by a
//! middleware that marks requests in flight ([`track`]).

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// The front door's limits.
#[derive(Debug, Clone, Copy)]
pub struct FrontDoor {
    /// Connections at once, at most.
    pub max_connections: usize,
    /// Time to a request's complete headers.
    pub header_timeout: Duration,
    /// Time without a byte while a request is in flight.
    pub idle_timeout: Duration,
}

impl Default for FrontDoor {
    fn default() -> Self {
        FrontDoor {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// One registered connection's shared state.
#[derive(Debug)]
pub(crate) struct Conn {
    id: u64,
    /// Milliseconds since the registry's epoch: last byte read or written, or request started or finished.
    last_ms: AtomicU64,
    /// When the connection was accepted or its last request finished: the
    /// header timeout counts from here, whatever trickles in meanwhile.
    done_ms: AtomicU64,
    /// Requests in flight on it.
    in_flight: AtomicUsize,
    killed: AtomicBool,
    wakers: Mutex<[Option<Waker>; 2]>,
}

impl Conn {
    fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        let wakers = match self.wakers.lock() {
            Ok(mut w) => [w[0].take(), w[1].take()],
            Err(_) => [None, None],
        };
        for w in wakers.into_iter().flatten() {
            w.wake();
        }
    }
}

/// Every open connection.
#[derive(Debug)]
pub(crate) struct Registry {
    epoch: Instant,
    next: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    freed: Notify,
    limits: FrontDoor,
}

impl Registry {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.conns.lock().map_or(0, |c| c.len())
    }

    /// Registers a connection, evicting the oldest one with no request in
    /// flight when at the cap; waits while every connection is busy.
    async fn admit(self: &Arc<Self>) -> Arc<Conn> {
        loop {
            let notified = self.freed.notified();
            {
                let Ok(mut conns) = self.conns.lock() else {
                    break;
                };
                if conns.len() >= self.limits.max_connections {
                    let victim = conns
                        .values()
                        .filter(|c| c.in_flight.load(Ordering::SeqCst) == 0)
                        .min_by_key(|c| c.last_ms.load(Ordering::SeqCst))
                        .cloned();
                    if let Some(v) = victim {
                        conns.remove(&v.id);
                        v.kill();
                    }
                }
                if conns.len() < self.limits.max_connections {
                    let now = self.now_ms();
                    let conn = Arc::new(Conn {
                        id: self.next.fetch_add(1, Ordering::SeqCst),
                        last_ms: AtomicU64::new(now),
                        done_ms: AtomicU64::new(now),
                        in_flight: AtomicUsize::new(0),
                        killed: AtomicBool::new(false),
                        wakers: Mutex::new([None, None]),
                    });
                    conns.insert(conn.id, conn.clone());
                    return conn;
                }
            }
            notified.await;
        }
        // A poisoned registry: admit without tracking (never happens short
        // of a panic while it was held).
        Arc::new(Conn {
            id: u64::MAX,
            last_ms: AtomicU64::new(0),
            done_ms: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            killed: AtomicBool::new(false),
            wakers: Mutex::new([None, None]),
        })
    }

    fn release(&self, id: u64) {
        if let Ok(mut conns) = self.conns.lock() {
            if conns.remove(&id).is_some() {
                self.freed.notify_waiters();
            }
        }
    }

    /// Closes the connections past their timeouts.
    fn reap(&self) {
        let now = self.now_ms();
        let header = self.limits.header_timeout.as_millis() as u64;
        let idle = self.limits.idle_timeout.as_millis() as u64;
        let Ok(mut conns) = self.conns.lock() else {
            return;
        };
        let expired: Vec<u64> = conns
            .values()
            .filter(|c| {
                let last = c.last_ms.load(Ordering::SeqCst);
                let quiet = now.saturating_sub(last);
                if c.in_flight.load(Ordering::SeqCst) > 0 {
                    quiet > idle
                } else {
                    let since = now.saturating_sub(c.done_ms.load(Ordering::SeqCst));
                    since > header
                }
            })
            .map(|c| c.id)
            .collect();
        let any = !expired.is_empty();
        for id in expired {
            if let Some(c) = conns.remove(&id) {
                c.kill();
            }
        }
        if any {
            self.freed.notify_waiters();
        }
    }
}

/// A listener whose connections pass the front door.
pub struct GuardedListener<L> {
    inner: L,
    registry: Arc<Registry>,
    reaper: tokio::task::JoinHandle<()>,
}

impl<L> GuardedListener<L> {
    pub fn new(inner: L, limits: FrontDoor) -> Self {
        let registry = Arc::new(Registry {
            epoch: Instant::now(),
            next: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
            freed: Notify::new(),
            limits,
        });
        let r = registry.clone();
        let reaper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                r.reap();
            }
        });
        GuardedListener {
            inner,
            registry,
            reaper,
        }
    }
}

impl<L> Drop for GuardedListener<L> {
    fn drop(&mut self) {
        self.reaper.abort();
    }
}

impl<L> Listener for GuardedListener<L>
where
    L: Listener,
{
    type Io = Guarded<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let conn = self.registry.admit().await;
        let (io, addr) = self.inner.accept().await;
        // The slot was taken before the accept; the clock starts now.
        let now = self.registry.now_ms();
        conn.last_ms.store(now, Ordering::SeqCst);
        conn.done_ms.store(now, Ordering::SeqCst);
        (
            Guarded {
                inner: io,
                conn,
                registry: self.registry.clone(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection's stream, closed by the front door when it breaks a rule.
pub struct Guarded<T> {
    inner: T,
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl<T> Drop for Guarded<T> {
    fn drop(&mut self) {
        self.registry.release(self.conn.id);
    }
}

fn closed() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "closed by the front door (timeout or connection cap)",
    )
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.conn.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(closed()));
        }
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    this.conn
                        .last_ms
                        .store(this.registry.now_ms(), Ordering::SeqCst);
                }
                Poll::Ready(r)
            }
            Poll::Pending => {
                if let Ok(mut w) = this.conn.wakers.lock() {
                    w[0] = Some(cx.waker().clone());
                }
                if this.conn.killed.load(Ordering::SeqCst) {
                    return Poll::Ready(Err(closed()));
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.conn.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(closed()));
        }
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_write(cx, data) {
            Poll::Ready(r) => {
                this.conn
                    .last_ms
                    .store(this.registry.now_ms(), Ordering::SeqCst);
                Poll::Ready(r)
            }
            Poll::Pending => {
                if let Ok(mut w) = this.conn.wakers.lock() {
                    w[1] = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What a handler learns of its connection: the peer's address, and the
/// front door's record of the connection (for [`track`]).
#[derive(Clone, Debug)]
pub struct ConnInfo {
    /// The peer's address.
    pub peer: SocketAddr,
    conn: Option<Arc<Conn>>,
    registry: Option<Arc<Registry>>,
}

impl ConnInfo {
    /// Connection info for a request that did not come through the front
    /// door (tests driving the router directly).
    pub fn direct(peer: SocketAddr) -> ConnInfo {
        ConnInfo {
            peer,
            conn: None,
            registry: None,
        }
    }
}

impl<L> Connected<IncomingStream<'_, GuardedListener<L>>> for ConnInfo
where
    L: Listener<Addr = SocketAddr>,
{
    fn connect_info(stream: IncomingStream<'_, GuardedListener<L>>) -> Self {
        ConnInfo {
            peer: *stream.remote_addr(),
            conn: Some(stream.io().conn.clone()),
            registry: Some(stream.io().registry.clone()),
        }
    }
}

/// The peer of a request, as the front door saw it (`None` for requests
/// that did not come through it).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub Option<SocketAddr>);

/// Middleware: marks a request in flight on its connection from its
/// headers' arrival to its response's, so that the header timeout and
/// eviction leave it alone and the idle timeout watches it; and tells the
/// handlers its peer ([`Peer`]).
pub async fn track(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let info = req
        .extensions()
        .get::<axum::extract::ConnectInfo<ConnInfo>>()
        .map(|c| c.0.clone());
    req.extensions_mut()
        .insert(Peer(info.as_ref().map(|i| i.peer)));
    let held = info.and_then(|i| Some((i.conn?, i.registry?)));
    if let Some((c, r)) = &held {
        c.in_flight.fetch_add(1, Ordering::SeqCst);
        c.last_ms.store(r.now_ms(), Ordering::SeqCst);
    }
    let response = next.run(req).await;
    if let Some((c, r)) = &held {
        let now = r.now_ms();
        c.last_ms.store(now, Ordering::SeqCst);
        c.done_ms.store(now, Ordering::SeqCst);
        c.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(max: usize) -> Arc<Registry> {
        Arc::new(Registry {
            epoch: Instant::now(),
            next: AtomicU64::new(0),
            conns: Mutex::new(HashMap::new()),
            freed: Notify::new(),
            limits: FrontDoor {
                max_connections: max,
                header_timeout: Duration::from_millis(50),
                idle_timeout: Duration::from_millis(50),
            },
        })
    }

    #[tokio::test]
    async fn at_the_cap_the_oldest_idle_connection_makes_room_and_busy_ones_stay() {
        let r = registry(2);
        let a = r.admit().await;
        let b = r.admit().await;
        b.in_flight.fetch_add(1, Ordering::SeqCst);
        let c = r.admit().await;
        assert!(a.killed.load(Ordering::SeqCst), "the idle one was evicted");
        assert!(!b.killed.load(Ordering::SeqCst));
        assert_eq!(r.len(), 2);
        // Both busy: the next waits until one is released.
        c.in_flight.fetch_add(1, Ordering::SeqCst);
        let waiting = tokio::spawn({
            let r = r.clone();
            async move { r.admit().await.id }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        r.release(b.id);
        assert!(waiting.await.is_ok());
    }

    #[tokio::test]
    async fn a_connection_without_a_request_is_closed_after_the_header_timeout() {
        let r = registry(10);
        let quiet = r.admit().await;
        let busy = r.admit().await;
        busy.in_flight.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        busy.last_ms.store(r.now_ms(), Ordering::SeqCst);
        r.reap();
        assert!(!quiet.killed.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(40)).await;
        busy.last_ms.store(r.now_ms(), Ordering::SeqCst);
        r.reap();
        assert!(quiet.killed.load(Ordering::SeqCst), "no request in time");
        assert!(!busy.killed.load(Ordering::SeqCst), "moving bytes");
        tokio::time::sleep(Duration::from_millis(80)).await;
        r.reap();
        assert!(busy.killed.load(Ordering::SeqCst), "idle in flight");
    }
}
