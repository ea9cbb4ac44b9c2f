//! The host side of a VM's network: the policy every outbound connection passes, the host
//! connections themselves (tokio, on the sidecar's runtime), TLS, and credential injection.
//!
//! The kernel ([`crate::kernel::net`]) does no host I/O; a VM's [`HostEgress`] is its
//! [`Egress`]. An outbound connection is:
//! 1. asked of `permissions.network` (`{ op: "connect", hostname }`); without a policy every
//!    destination is denied, except the host's loopback on a `loopbackExemptPorts` port;
//! 2. resolved on the host, and every address it resolves to checked against the blocked
//!    ranges ([`policy`]); the connection is made to exactly the address that passed, so a
//!    name cannot resolve one way for the check and another for the connection;
//! 3. bridged to a kernel socket pair: the guest holds one end, two tasks copy between the
//!    other end and the host connection (through TLS, and through the credential injector
//!    when an `egress` rule names the host).

pub mod http1;
pub mod inject;
pub mod policy;
mod tls;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::{Error, Result};
use crate::kernel::errno::Errno;
use crate::kernel::net::{BoxFut, Egress, Socket, TlsRequest};

pub use inject::HeaderRule;

/// How long an outbound connection (and its TLS handshake) may take to establish.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes buffered per direction between a host connection and the guest.
const BRIDGE_BUFFER: usize = 256 * 1024;

/// What a network check is asked (the shape of API.md's `permissions.network` request).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetRequest {
    /// `"connect"`, `"dns"` or `"listen"`.
    pub op: &'static str,
    /// The name or address as the guest gave it.
    pub hostname: Option<String>,
    /// The port, where there is one.
    pub port: Option<u16>,
}

/// A check's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// Whether the operation may go ahead.
    pub allow: bool,
    /// Why not, shown to the guest.
    pub reason: Option<String>,
}

/// A network policy (the user's `permissions.network`, called on the host's JS thread).
pub trait NetworkCheck: Send + Sync {
    /// Decide on `req`.
    fn check(&self, req: NetRequest) -> BoxFut<Decision>;
}

/// A VM's network configuration.
#[derive(Clone, Default)]
pub struct NetworkConfig {
    /// The policy; `None` denies every destination outside the VM.
    pub check: Option<Arc<dyn NetworkCheck>>,
    /// Ports of the host's loopback guests may reach (`loopbackExemptPorts`).
    pub exempt_ports: Vec<u16>,
    /// Headers the host adds to guests' HTTP requests to matching hosts (`egress`).
    pub inject: Vec<HeaderRule>,
}

impl std::fmt::Debug for NetworkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkConfig")
            .field("check", &self.check.is_some())
            .field("exempt_ports", &self.exempt_ports)
            .field("inject", &self.inject.len())
            .finish()
    }
}

/// A VM's way out, on the sidecar's runtime.
#[derive(Clone)]
pub struct HostEgress {
    cfg: NetworkConfig,
    rt: tokio::runtime::Handle,
    /// Dropped with the last handle on this egress (the VM is disposed or reconfigured): every
    /// bridge it started then ends.
    alive: Arc<tokio::sync::watch::Sender<()>>,
}

impl HostEgress {
    /// The egress of a VM configured with `cfg`, doing its I/O on `rt`.
    pub fn new(cfg: NetworkConfig, rt: tokio::runtime::Handle) -> HostEgress {
        HostEgress {
            cfg,
            rt,
            alive: Arc::new(tokio::sync::watch::channel(()).0),
        }
    }
}

/// How a name appears to `permissions.network`: lower case without a trailing dot, and IP
/// addresses in their canonical form whatever the guest's spelling.
fn canonical_host(host: &str) -> String {
    match policy::parse_ip(host) {
        Some(ip) => ip.to_string(),
        None => host.trim_end_matches('.').to_ascii_lowercase(),
    }
}

fn is_loopback_name(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost"
        || h.ends_with(".localhost")
        || policy::parse_ip(host).is_some_and(|ip| match ip {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        })
}

fn denied(syscall: &'static str, what: &str, d: &Decision, default: bool) -> Error {
    let why = if default {
        "network egress is denied by default (no permissions.network policy allows it)".to_owned()
    } else {
        match &d.reason {
            Some(r) => format!("network {syscall} denied by permissions.network: {r}"),
            None => format!("network {syscall} denied by permissions.network"),
        }
    };
    let sys = if syscall == "dns" {
        "getaddrinfo"
    } else {
        syscall
    };
    Error::net(Errno::EACCES, sys, format!("{sys} EACCES {what} ({why})"))
}

impl HostEgress {
    async fn ask(&self, req: NetRequest, exempt: bool) -> Result<()> {
        let what = match (req.hostname.as_deref(), req.port) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => String::new(),
        };
        let op = req.op;
        match &self.cfg.check {
            None if exempt => Ok(()),
            None => Err(denied(op, &what, &Decision::default(), true)),
            Some(c) => {
                let d = c.check(req).await;
                if d.allow {
                    Ok(())
                } else {
                    Err(denied(op, &what, &d, false))
                }
            }
        }
    }

    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<IpAddr>> {
        if let Some(ip) = policy::parse_ip(host) {
            return Ok(vec![ip]);
        }
        if is_loopback_name(host) {
            return Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
        }
        let name = host.to_owned();
        #[allow(clippy::disallowed_methods)] // the one place guest names are resolved on the host
        let task = self.rt.spawn(async move {
            let found = tokio::net::lookup_host((name.as_str(), port)).await;
            found.map(|it| it.collect::<Vec<_>>())
        });
        let found = task
            .await
            .map_err(|e| {
                Error::net(
                    Errno::EIO,
                    "getaddrinfo",
                    format!("getaddrinfo EIO {host}: {e}"),
                )
            })?
            .map_err(|_| {
                Error::net(
                    Errno::ENOENT,
                    "getaddrinfo",
                    format!("getaddrinfo ENOTFOUND {host}"),
                )
            })?;
        let mut ips: Vec<IpAddr> = Vec::new();
        for a in found {
            if !ips.contains(&a.ip()) {
                ips.push(a.ip());
            }
        }
        Ok(ips)
    }

    async fn open(&self, host: String, port: u16, tls: Option<TlsRequest>) -> Result<Socket> {
        let exempt_port = self.cfg.exempt_ports.contains(&port);
        let exempt = exempt_port && is_loopback_name(&host);
        self.ask(
            NetRequest {
                op: "connect",
                hostname: Some(canonical_host(&host)),
                port: Some(port),
            },
            exempt,
        )
        .await?;
        let ips = self.resolve(&host, port).await?;
        let mut last = None;
        for ip in ips {
            if let Some(range) = policy::blocked_range(ip) {
                let loopback = match ip {
                    IpAddr::V4(v4) => v4.is_loopback(),
                    IpAddr::V6(v6) => v6.is_loopback(),
                };
                if !(loopback && exempt_port) {
                    last = Some(Error::net(
                        Errno::ECONNREFUSED,
                        "connect",
                        format!(
                            "connect ECONNREFUSED {} (blocked: {host} is {ip}, a {range} address the VM may not reach)",
                            SocketAddr::new(ip, port)
                        ),
                    ));
                    continue;
                }
            }
            match self
                .dial(SocketAddr::new(ip, port), &host, tls.clone())
                .await
            {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            Error::net(
                Errno::ENOENT,
                "getaddrinfo",
                format!("getaddrinfo ENOTFOUND {host}"),
            )
        }))
    }

    async fn dial(
        &self,
        addr: SocketAddr,
        host: &str,
        mut tls: Option<TlsRequest>,
    ) -> Result<Socket> {
        let inject = inject::Injector::for_host(&self.cfg.inject, host, addr.port(), tls.is_some());
        if let (Some(_), Some(t)) = (&inject, tls.as_mut()) {
            // Secrets go only to the host the rule names, verified: the guest cannot point SNI
            // at another origin behind the same address or turn verification off.
            t.servername = host.trim_end_matches('.').to_owned();
            t.insecure = false;
        }
        let host = host.to_owned();
        let alive = self.alive.subscribe();
        let task = self.rt.spawn(async move {
            #[allow(clippy::disallowed_methods)] // egress: the policy allowed this address
            let tcp = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr))
                .await
                .map_err(|_| {
                    Error::net(
                        Errno::ETIMEDOUT,
                        "connect",
                        format!("connect ETIMEDOUT {addr}"),
                    )
                })?
                .map_err(|e| io_err(&e, addr))?;
            let _ = tcp.set_nodelay(true);
            let local = tcp.local_addr().unwrap_or(addr);
            let (guest, host_end) = Socket::pair(local, addr, BRIDGE_BUFFER);
            match tls {
                Some(t) => {
                    let stream = tokio::time::timeout(CONNECT_TIMEOUT, tls::connect(tcp, &t))
                        .await
                        .unwrap_or_else(|_| Err("timed out".to_owned()))
                        .map_err(|e| {
                            Error::net(
                                Errno::ECONNRESET,
                                "connect",
                                format!("TLS handshake with {host} ({addr}) failed: {e}"),
                            )
                        })?;
                    bridge(stream, host_end, inject, alive);
                }
                None => bridge(tcp, host_end, inject, alive),
            }
            Ok(guest)
        });
        task.await
            .map_err(|e| Error::net(Errno::EIO, "connect", format!("connect EIO {addr}: {e}")))?
    }
}

fn io_err(e: &std::io::Error, addr: SocketAddr) -> Error {
    use std::io::ErrorKind as K;
    let errno = match e.kind() {
        K::ConnectionRefused => Errno::ECONNREFUSED,
        K::ConnectionReset => Errno::ECONNRESET,
        K::TimedOut => Errno::ETIMEDOUT,
        K::AddrNotAvailable => Errno::EADDRNOTAVAIL,
        K::PermissionDenied => Errno::EACCES,
        _ => match e.raw_os_error() {
            Some(101) => Errno::ENETUNREACH,
            Some(113) => Errno::EHOSTUNREACH,
            _ => Errno::ECONNREFUSED,
        },
    };
    Error::net(errno, "connect", format!("connect {} {addr}", errno.name()))
}

/// Copy between a host connection and the host's end of a kernel socket pair until both
/// directions end, the guest closes its end, or the VM's egress goes away (`alive` closes).
/// Runs on the current runtime (the sidecar's).
fn bridge<S>(
    io: S,
    end: Socket,
    mut inject: Option<inject::Injector>,
    alive: tokio::sync::watch::Receiver<()>,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let end = Arc::new(end);
    let (mut rd, mut wr) = tokio::io::split(io);
    let down = end.clone();
    let mut alive_down = alive.clone();
    let downstream = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                },
                _ = down.peer_gone() => break,
                _ = alive_down.changed() => break,
            };
            if down.write(Bytes::copy_from_slice(&buf[..n])).await.is_err() {
                break;
            }
        }
        down.shutdown_write();
    });
    let mut alive_up = alive;
    tokio::spawn(async move {
        loop {
            let b = tokio::select! {
                r = end.read(64 * 1024) => match r {
                    Ok(b) if !b.is_empty() => b,
                    _ => break,
                },
                _ = alive_up.changed() => break,
            };
            let b = match inject.as_mut().map(|i| i.feed(b.clone())) {
                None => b,
                Some(Ok(b)) => b,
                Some(Err(refused)) => {
                    tracing::debug!(target: "agentos::net", reason = %refused.0, "credential injection cut a connection");
                    downstream.abort();
                    end.close();
                    return;
                }
            };
            let sent = tokio::select! {
                r = wr.write_all(&b) => r.is_ok(),
                _ = end.peer_gone() => false,
                _ = alive_up.changed() => false,
            };
            if !b.is_empty() && !sent {
                break;
            }
        }
        let _ = wr.shutdown().await;
        // The guest closed its end entirely: nothing will read what the host still sends.
        if !end.peer_reading() {
            downstream.abort();
        }
    });
}

impl Egress for HostEgress {
    fn connect(&self, host: String, port: u16, tls: Option<TlsRequest>) -> BoxFut<Result<Socket>> {
        let me = self.clone();
        Box::pin(async move { me.open(host, port, tls).await })
    }

    fn lookup(&self, host: String) -> BoxFut<Result<Vec<IpAddr>>> {
        let me = self.clone();
        Box::pin(async move {
            me.ask(
                NetRequest {
                    op: "dns",
                    hostname: Some(canonical_host(&host)),
                    port: None,
                },
                false,
            )
            .await?;
            me.resolve(&host, 0).await
        })
    }

    fn loopback_exempt(&self, port: u16) -> bool {
        self.cfg.exempt_ports.contains(&port)
    }

    fn authorize_listen(&self, host: &str, port: u16) -> Option<BoxFut<Result<()>>> {
        let check = self.cfg.check.clone()?;
        let host = host.to_owned();
        Some(Box::pin(async move {
            let d = check
                .check(NetRequest {
                    op: "listen",
                    hostname: Some(canonical_host(&host)),
                    port: Some(port),
                })
                .await;
            if d.allow {
                Ok(())
            } else {
                Err(denied("listen", &format!("{host}:{port}"), &d, false))
            }
        }))
    }
}
