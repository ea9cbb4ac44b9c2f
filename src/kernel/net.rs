//! The VM's network stack: TCP over the VM's own loopback, and the door to the outside.
//!
//! A connection is two bounded [`pipe`]s, one per direction, so it has the pipes' properties:
//! data moves as shared `Bytes`, a writer waits while the peer's buffer is full (back-pressure),
//! and ends close independently (half-close). A listening socket is a port in the VM's own
//! table: two VMs never see each other's ports. Connections to addresses outside the VM are not
//! made here (the kernel does no host I/O): they go to the VM's [`Egress`], which applies the
//! network policy and bridges a host connection to a kernel [`Socket`].

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use super::errno::Errno;
use super::process::pipe::{pipe, PipeReader, PipeWriter};
use crate::error::{Error, Result};

/// A boxed future the egress returns.
pub type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// First and last ephemeral port (Linux's `ip_local_port_range`).
const EPHEMERAL: (u16, u16) = (32768, 60999);
/// Connections a listener queues before refusing more (Node's default backlog).
const BACKLOG: usize = 511;

/// The VM's way out: policy, name resolution and host connections. Provided by the sidecar.
pub trait Egress: Send + Sync {
    /// Connect to `host:port` outside the VM (after the policy allows it), optionally through
    /// TLS terminated on the host side (`tls` is the server name to verify). The guest sees the
    /// plaintext end.
    fn connect(&self, host: String, port: u16, tls: Option<TlsRequest>) -> BoxFut<Result<Socket>>;
    /// Resolve `host` for the guest (`dns.lookup`), through the policy.
    fn lookup(&self, host: String) -> BoxFut<Result<Vec<IpAddr>>>;
    /// Whether a connection to the host's loopback on `port` may be made (`loopbackExemptPorts`).
    fn loopback_exempt(&self, port: u16) -> bool;
    /// The policy's decision on a guest listening on `port`; `None` when there is nothing to
    /// ask (listening inside the VM is allowed unless a policy says otherwise).
    fn authorize_listen(&self, host: &str, port: u16) -> Option<BoxFut<Result<()>>>;
}

/// TLS the host side adds to an outbound connection.
#[derive(Clone, Debug, Default)]
pub struct TlsRequest {
    /// Server name to send (SNI) and verify.
    pub servername: String,
    /// Skip certificate verification (`rejectUnauthorized: false`).
    pub insecure: bool,
    /// Trusted roots replacing the default ones (the `ca` option), PEM.
    pub ca: Vec<String>,
    /// Roots trusted in addition to the default ones (`NODE_EXTRA_CA_CERTS`), PEM; unused when
    /// `ca` is set. Certificates that do not parse are ignored.
    pub extra_ca: Vec<String>,
}

/// One end of a connection.
#[derive(Debug)]
pub struct Socket {
    rx: Mutex<Option<Arc<PipeReader>>>,
    tx: Mutex<Option<Arc<PipeWriter>>>,
    closed: AtomicBool,
    wake: Notify,
    local: SocketAddr,
    remote: SocketAddr,
}

impl Socket {
    /// Two connected ends: `a` at address `a_addr` talking to `b` at `b_addr`; each direction
    /// buffers at most `capacity` bytes.
    pub fn pair(a_addr: SocketAddr, b_addr: SocketAddr, capacity: usize) -> (Socket, Socket) {
        let (ab_r, ab_w) = pipe(capacity);
        let (ba_r, ba_w) = pipe(capacity);
        let end = |rx, tx, local, remote| Socket {
            rx: Mutex::new(Some(Arc::new(rx))),
            tx: Mutex::new(Some(Arc::new(tx))),
            closed: AtomicBool::new(false),
            wake: Notify::new(),
            local,
            remote,
        };
        (
            end(ba_r, ab_w, a_addr, b_addr),
            end(ab_r, ba_w, b_addr, a_addr),
        )
    }

    /// This end's address.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// The peer's address.
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    /// Read up to `max` bytes; empty at end of stream (the peer shut down its side or closed).
    /// `EBADF` once this end is closed.
    pub async fn read(&self, max: usize) -> std::result::Result<Bytes, Errno> {
        let wake = self.wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let Some(rx) = self.rx.lock().clone() else {
            return if self.closed.load(Ordering::Acquire) {
                Err(Errno::EBADF)
            } else {
                Ok(Bytes::new())
            };
        };
        tokio::select! {
            b = rx.read(max) => Ok(b),
            _ = wake => Err(Errno::EBADF),
        }
    }

    /// Write all of `data`, waiting while the peer's buffer is full. `EPIPE` when the peer has
    /// closed or this end shut down its sending side.
    pub async fn write(&self, data: Bytes) -> std::result::Result<(), Errno> {
        let wake = self.wake.notified();
        tokio::pin!(wake);
        wake.as_mut().enable();
        let Some(tx) = self.tx.lock().clone() else {
            return Err(Errno::EPIPE);
        };
        tokio::select! {
            r = tx.write(data) => r,
            _ = wake => Err(Errno::EPIPE),
        }
    }

    /// Stop sending: the peer reads end of stream once it has read what is buffered.
    pub fn shutdown_write(&self) {
        self.tx.lock().take();
    }

    /// Stop receiving: the peer's further writes fail with `EPIPE`.
    pub fn shutdown_read(&self) {
        self.rx.lock().take();
    }

    /// Close both directions and end pending reads and writes on this end.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.tx.lock().take();
        self.rx.lock().take();
        self.wake.notify_waiters();
    }

    /// Whether the peer still reads what this end sends (it has neither closed nor shut down
    /// its receiving side, and this end has not shut down sending).
    pub fn peer_reading(&self) -> bool {
        self.tx.lock().as_ref().is_some_and(|w| w.has_readers())
    }

    /// Resolves once the peer no longer reads what this end sends (it closed, or shut down its
    /// receiving side); never, once this end has shut down sending.
    pub async fn peer_gone(&self) {
        let tx = self.tx.lock().clone();
        match tx {
            Some(w) => w.readers_gone().await,
            None => std::future::pending().await,
        }
    }

    /// Whether [`close`](Socket::close) ran.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.close();
    }
}

/// A listening socket: a port of the VM and its queue of connections not yet accepted.
#[derive(Debug)]
pub struct Listener {
    addr: SocketAddr,
    queue: Mutex<VecDeque<Socket>>,
    ready: Notify,
    closed: AtomicBool,
    net: Weak<NetInner>,
}

impl Listener {
    /// The bound address (with the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The next connection; `None` once the listener is closed.
    pub async fn accept(&self) -> Option<Socket> {
        loop {
            let ready = self.ready.notified();
            tokio::pin!(ready);
            ready.as_mut().enable();
            if self.closed.load(Ordering::Acquire) {
                return None;
            }
            if let Some(s) = self.queue.lock().pop_front() {
                return Some(s);
            }
            ready.await;
        }
    }

    /// Stop listening: the port is free again, queued connections are reset, pending accepts
    /// end.
    pub fn close(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(net) = self.net.upgrade() {
            let mut ports = net.ports.lock();
            if ports
                .get(&self.addr.port())
                .is_some_and(|w| std::ptr::eq(w.as_ptr(), self))
            {
                ports.remove(&self.addr.port());
            }
        }
        self.queue.lock().clear();
        self.ready.notify_waiters();
    }

    fn push(&self, s: Socket) -> std::result::Result<(), Errno> {
        let mut q = self.queue.lock();
        // Connections whose client already went away hold buffers nobody will read.
        q.retain(Socket::peer_reading);
        if self.closed.load(Ordering::Acquire) || q.len() >= BACKLOG {
            return Err(Errno::ECONNREFUSED);
        }
        q.push_back(s);
        drop(q);
        self.ready.notify_waiters();
        Ok(())
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.close();
    }
}

#[derive(Debug)]
struct NetInner {
    ports: Mutex<HashMap<u16, Weak<Listener>>>,
    listening: Notify,
}

/// One VM's network stack.
pub struct Net {
    inner: Arc<NetInner>,
    next_port: AtomicU32,
    capacity: usize,
    egress: RwLock<Option<Arc<dyn Egress>>>,
    down: AtomicBool,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("ports", &self.inner.ports.lock().len())
            .finish()
    }
}

/// Whether `ip` names the VM itself (its loopback, or "any" as a connect target, as Linux
/// treats 0.0.0.0).
pub fn is_vm_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_unspecified(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The address a name the VM resolves itself stands for: `localhost` and numeric loopback
/// addresses. Other names go to the egress resolver.
pub fn local_name(host: &str) -> Option<IpAddr> {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    let lower = h.to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    h.parse::<IpAddr>().ok().filter(|ip| is_vm_local(*ip))
}

impl Net {
    /// A network stack whose connections buffer `capacity` bytes per direction.
    pub fn new(capacity: usize) -> Net {
        Net {
            inner: Arc::new(NetInner {
                ports: Mutex::new(HashMap::new()),
                listening: Notify::new(),
            }),
            next_port: AtomicU32::new(0),
            capacity: capacity.max(1024),
            egress: RwLock::new(None),
            down: AtomicBool::new(false),
        }
    }

    /// Set the way out (policy and host connections).
    pub fn set_egress(&self, e: Option<Arc<dyn Egress>>) {
        *self.egress.write() = e;
    }

    /// The way out, if the VM has one.
    pub fn egress(&self) -> Option<Arc<dyn Egress>> {
        self.egress.read().clone()
    }

    fn ephemeral(&self) -> u16 {
        let span = u32::from(EPHEMERAL.1 - EPHEMERAL.0) + 1;
        let n = self.next_port.fetch_add(1, Ordering::Relaxed) % span;
        EPHEMERAL.0 + n as u16
    }

    /// Listen on `ip:port` (`port` 0 picks a free ephemeral port). Every local address shares
    /// one port space: a second listener on a port is `EADDRINUSE`.
    pub fn listen(&self, ip: IpAddr, port: u16) -> std::result::Result<Arc<Listener>, Errno> {
        if self.down.load(Ordering::Acquire) {
            return Err(Errno::EBADF);
        }
        if !is_vm_local(ip) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let mut ports = self.inner.ports.lock();
        // Checked again under the lock: `shutdown` drains the table holding it.
        if self.down.load(Ordering::Acquire) {
            return Err(Errno::EBADF);
        }
        ports.retain(|_, w| w.strong_count() > 0);
        let port = if port == 0 {
            let span = usize::from(EPHEMERAL.1 - EPHEMERAL.0) + 1;
            (0..span)
                .map(|_| self.ephemeral())
                .find(|p| !ports.contains_key(p))
                .ok_or(Errno::EADDRINUSE)?
        } else {
            if ports.contains_key(&port) {
                return Err(Errno::EADDRINUSE);
            }
            port
        };
        let l = Arc::new(Listener {
            addr: SocketAddr::new(ip, port),
            queue: Mutex::new(VecDeque::new()),
            ready: Notify::new(),
            closed: AtomicBool::new(false),
            net: Arc::downgrade(&self.inner),
        });
        ports.insert(port, Arc::downgrade(&l));
        drop(ports);
        self.inner.listening.notify_waiters();
        Ok(l)
    }

    /// Whether something listens on `port`.
    pub fn is_listening(&self, port: u16) -> bool {
        self.inner
            .ports
            .lock()
            .get(&port)
            .is_some_and(|w| w.strong_count() > 0)
    }

    /// Ports listened on now, in order.
    pub fn listening_ports(&self) -> Vec<u16> {
        let mut v: Vec<u16> = self
            .inner
            .ports
            .lock()
            .iter()
            .filter(|(_, w)| w.strong_count() > 0)
            .map(|(p, _)| *p)
            .collect();
        v.sort_unstable();
        v
    }

    /// Connect to a listener of this VM on `port`; `ip` is the loopback address used (the
    /// client's end gets the same family). `ECONNREFUSED` when nothing listens.
    pub fn connect_local(&self, ip: IpAddr, port: u16) -> std::result::Result<Socket, Errno> {
        if self.down.load(Ordering::Acquire) {
            return Err(Errno::ECONNREFUSED);
        }
        let listener = self
            .inner
            .ports
            .lock()
            .get(&port)
            .and_then(Weak::upgrade)
            .ok_or(Errno::ECONNREFUSED)?;
        let loopback = match ip {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let client = SocketAddr::new(loopback, self.ephemeral());
        let server = SocketAddr::new(loopback, port);
        let (c, s) = Socket::pair(client, server, self.capacity);
        listener.push(s)?;
        Ok(c)
    }

    /// [`connect_local`](Net::connect_local), waiting up to `patience` for a listener that is
    /// about to appear on `port`.
    pub async fn connect_local_waiting(
        &self,
        port: u16,
        patience: Duration,
    ) -> std::result::Result<Socket, Errno> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let listening = self.inner.listening.notified();
            tokio::pin!(listening);
            listening.as_mut().enable();
            match self.connect_local(IpAddr::V4(Ipv4Addr::LOCALHOST), port) {
                Err(Errno::ECONNREFUSED) if !self.down.load(Ordering::Acquire) => {}
                r => return r,
            }
            if tokio::time::timeout_at(deadline, listening).await.is_err() {
                return Err(Errno::ECONNREFUSED);
            }
        }
    }

    /// Connect to `host:port`: the VM's own listeners for its loopback names, the egress for
    /// the rest (and for exempt ports of the host's loopback nothing in the VM listens on).
    pub async fn connect(&self, host: &str, port: u16, tls: Option<TlsRequest>) -> Result<Socket> {
        if let Some(ip) = local_name(host) {
            if tls.is_some() && self.is_listening(port) {
                // TLS is terminated outside the VM, so nothing inside it can answer a handshake
                // (as a TLS client meeting a plain server, the handshake fails).
                return Err(Error::net(
                    Errno::EPROTO,
                    "connect",
                    format!(
                        "connect EPROTO {ip}:{port} (TLS handshake failed: servers inside the VM do not speak TLS; use http:// between them)"
                    ),
                ));
            }
            if tls.is_none() {
                match self.connect_local(ip, port) {
                    Err(Errno::ECONNREFUSED) => {}
                    r => return r.map_err(|e| conn_err(e, &ip.to_string(), port)),
                }
            }
            let exempt = self.egress().is_some_and(|e| e.loopback_exempt(port));
            if !exempt {
                return Err(conn_err(Errno::ECONNREFUSED, &ip.to_string(), port));
            }
        }
        let Some(egress) = self.egress() else {
            return Err(Error::net(
                Errno::ECONNREFUSED,
                "connect",
                format!(
                    "connect ECONNREFUSED {host}:{port} (the VM has no network access outside it)"
                ),
            ));
        };
        egress.connect(host.to_owned(), port, tls).await
    }

    /// Resolve `host` as the guest's `dns.lookup` sees it.
    pub async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>> {
        if let Some(ip) = local_name(host) {
            return Ok(vec![ip]);
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let Some(egress) = self.egress() else {
            return Err(Error::net(
                Errno::EACCES,
                "getaddrinfo",
                format!("getaddrinfo EACCES {host} (the VM has no network access outside it)"),
            ));
        };
        egress.lookup(host.to_owned()).await
    }

    /// Close every listener and refuse further connections (the VM is being disposed).
    pub fn shutdown(&self) {
        self.down.store(true, Ordering::Release);
        let ls: Vec<Arc<Listener>> = self
            .inner
            .ports
            .lock()
            .drain()
            .filter_map(|(_, w)| w.upgrade())
            .collect();
        for l in ls {
            l.close();
        }
        self.inner.listening.notify_waiters();
        self.set_egress(None);
    }
}

/// A connection error as Node words it: `connect ECONNREFUSED 127.0.0.1:3000`.
pub fn conn_err(e: Errno, host: &str, port: u16) -> Error {
    Error::net(e, "connect", format!("connect {} {host}:{port}", e.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lo() -> IpAddr {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    }

    #[tokio::test]
    async fn connect_accept_and_talk_both_ways_with_half_close() {
        let net = Net::new(16);
        let l = net.listen(lo(), 3000).unwrap();
        let c = net.connect("localhost", 3000, None).await.unwrap();
        let s = l.accept().await.unwrap();
        assert_eq!(s.local().port(), 3000);
        assert_eq!(s.remote(), c.local());
        c.write(Bytes::from_static(b"ping")).await.unwrap();
        c.shutdown_write();
        assert_eq!(&s.read(100).await.unwrap()[..], b"ping");
        assert!(s.read(100).await.unwrap().is_empty());
        s.write(Bytes::from_static(b"pong")).await.unwrap();
        assert_eq!(&c.read(100).await.unwrap()[..], b"pong");
        drop(s);
        assert!(c.read(100).await.unwrap().is_empty());
        assert_eq!(c.write(Bytes::from_static(b"x")).await, Err(Errno::EPIPE));
    }

    #[tokio::test]
    async fn ports_are_exclusive_and_freed_on_close() {
        let net = Net::new(16);
        let l = net.listen(lo(), 8080).unwrap();
        assert_eq!(
            net.listen(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 8080)
                .unwrap_err(),
            Errno::EADDRINUSE
        );
        let e = net.listen(lo(), 0).unwrap();
        assert!(e.addr().port() >= EPHEMERAL.0);
        drop(l);
        assert!(net.listen(lo(), 8080).is_ok());
        let err = net.connect("127.0.0.1", 9, None).await.unwrap_err();
        assert_eq!(err.code(), "ECONNREFUSED");
        assert_eq!(err.message(), "connect ECONNREFUSED 127.0.0.1:9");
    }

    #[tokio::test]
    async fn a_full_buffer_makes_the_writer_wait_and_close_wakes_it() {
        let net = Net::new(1024);
        let l = net.listen(lo(), 1).unwrap();
        let c = Arc::new(net.connect("127.0.0.1", 1, None).await.unwrap());
        let s = l.accept().await.unwrap();
        let c2 = c.clone();
        let w = tokio::spawn(async move { c2.write(Bytes::from(vec![7u8; 4096])).await });
        tokio::task::yield_now().await;
        assert!(!w.is_finished());
        let mut got = 0;
        while got < 2048 {
            got += s.read(512).await.unwrap().len();
        }
        c.close();
        assert_eq!(w.await.unwrap(), Err(Errno::EPIPE));
        assert_eq!(c.read(1).await, Err(Errno::EBADF));
    }

    #[tokio::test]
    async fn waiting_connect_sees_a_listener_that_appears() {
        let net = Arc::new(Net::new(1024));
        let n2 = net.clone();
        let t =
            tokio::spawn(
                async move { n2.connect_local_waiting(4000, Duration::from_secs(5)).await },
            );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let l = net.listen(lo(), 4000).unwrap();
        assert!(t.await.unwrap().is_ok());
        assert!(l.accept().await.is_some());
        let none = net
            .connect_local_waiting(4001, Duration::from_millis(30))
            .await;
        assert_eq!(none.unwrap_err(), Errno::ECONNREFUSED);
        net.shutdown();
        assert!(l.accept().await.is_none());
    }
}
