//! Networking at the napi boundary: the shapes `configureNetwork` and `fetch` take and give,
//! the user's `permissions.network` as a [`NetworkCheck`] (a threadsafe function awaited from
//! the sidecar), and the host's HTTP requests into a VM.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use parking_lot::Mutex;

use crate::error::{Error as CoreError, Result as CoreResult};
use crate::kernel::errno::Errno;
use crate::kernel::net::{BoxFut, Socket};
use crate::kernel::Kernel;
use crate::net::http1::{self, Body};
use crate::net::{Decision, HeaderRule, NetRequest, NetworkCheck};

/// How long `fetch(port)` waits for a listener that is about to appear.
pub(crate) const FETCH_PATIENCE: Duration = Duration::from_secs(2);

/// What `permissions.network` is called with.
#[napi(object)]
pub struct NetworkRequest {
    /// `"connect"`, `"dns"` or `"listen"`.
    pub op: String,
    /// The name or address the guest used.
    pub hostname: Option<String>,
    /// The port, for `connect` and `listen`.
    pub port: Option<u32>,
}

/// `permissions.network`'s answer (the facade normalises what the user's check returns).
#[napi(object)]
pub struct NetworkDecision {
    /// Whether the operation may go ahead.
    pub allow: bool,
    /// Why not.
    pub reason: Option<String>,
}

/// A credential-injection rule (`egress` option).
#[napi(object)]
pub struct EgressRule {
    /// Host name; `*.example.com` also matches subdomains.
    pub host: String,
    /// Only this port.
    pub port: Option<u32>,
    /// Headers to set on every HTTP request to the host.
    pub headers: HashMap<String, String>,
}

/// Network options of a VM.
#[napi(object)]
pub struct NetworkOptions {
    /// Ports of the host's loopback guests may reach.
    pub loopback_exempt_ports: Option<Vec<u32>>,
    /// Credential-injection rules.
    pub egress: Option<Vec<EgressRule>>,
}

/// What a check function returns: its decision, or a promise of it (an explicit sidecar's
/// process forwards checks to the host process and answers with a promise).
pub(crate) type CheckAnswer = Either<Promise<NetworkDecision>, NetworkDecision>;

/// The decision a check answered with, once its promise (if any) settled.
pub(crate) async fn settle_answer(a: CheckAnswer) -> Result<NetworkDecision> {
    match a {
        Either::A(p) => p.await,
        Either::B(d) => Ok(d),
    }
}

type CheckFn = ThreadsafeFunction<NetworkRequest, CheckAnswer, NetworkRequest, Status, false, true>;

/// The user's `permissions.network`, called on the JS thread.
pub(crate) struct JsNetworkCheck(Arc<CheckFn>);

impl JsNetworkCheck {
    pub(crate) fn new(f: Function<NetworkRequest, CheckAnswer>) -> Result<JsNetworkCheck> {
        let tsfn: CheckFn = f
            .build_threadsafe_function()
            .callee_handled::<false>()
            .weak::<true>()
            .build()?;
        Ok(JsNetworkCheck(Arc::new(tsfn)))
    }
}

impl NetworkCheck for JsNetworkCheck {
    fn check(&self, req: NetRequest) -> BoxFut<Decision> {
        let f = self.0.clone();
        Box::pin(async move {
            let r = f
                .call_async_catch(NetworkRequest {
                    op: req.op.to_owned(),
                    hostname: req.hostname,
                    port: req.port.map(u32::from),
                })
                .await;
            let r = match r {
                Ok(a) => settle_answer(a).await,
                Err(e) => Err(e),
            };
            match r {
                Ok(d) => Decision {
                    allow: d.allow,
                    reason: d.reason,
                },
                Err(e) => Decision {
                    allow: false,
                    reason: Some(format!("permissions.network failed: {}", e.reason)),
                },
            }
        })
    }
}

fn bad_text(what: &str, v: &str) -> Option<CoreError> {
    v.bytes()
        .any(|b| b == b'\r' || b == b'\n' || b == 0)
        .then(|| {
            CoreError::errno_msg(
                Errno::EINVAL,
                format!("{what} {v:?} contains a line break or NUL"),
            )
        })
}

/// Egress rules as the core takes them.
pub(crate) fn header_rules(rules: Vec<EgressRule>) -> CoreResult<Vec<HeaderRule>> {
    rules
        .into_iter()
        .map(|r| {
            let port = r.port.map(|p| port_of(f64::from(p))).transpose()?;
            for (k, v) in &r.headers {
                if let Some(e) =
                    bad_text("egress header", k).or_else(|| bad_text("egress header value", v))
                {
                    return Err(e);
                }
            }
            Ok(HeaderRule {
                host: r.host,
                port,
                headers: r.headers.into_iter().collect(),
            })
        })
        .collect()
}

/// A request from the host to a server in the VM.
#[napi(object)]
pub struct FetchRequest {
    /// Method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header pairs in order.
    pub headers: Vec<Vec<String>>,
    /// Body.
    pub body: Option<Uint8Array>,
}

/// The head of a response; the body is read with `fetchRead(body)`.
#[napi(object)]
pub struct FetchResponse {
    /// Status code.
    pub status: u32,
    /// Reason phrase.
    pub status_text: String,
    /// Header pairs in order.
    pub headers: Vec<Vec<String>>,
    /// Handle of the body stream (0 when the whole body is in `inline`).
    pub body: u32,
    /// The whole body, when it was short and of known length (read before the head was
    /// returned: no further round trips for the common small response).
    pub inline: Option<Uint8Array>,
}

/// Bodies up to this size, framed by `Content-Length`, come back with the head.
const INLINE_MAX: u64 = 256 * 1024;

/// A response body being read, and the connection it arrives on (closed to cancel a read).
type OpenBody = (Arc<Socket>, Arc<tokio::sync::Mutex<Body>>);

/// Bodies of responses being read by the host, per VM.
#[derive(Default)]
pub(crate) struct Bodies {
    next: AtomicU32,
    open: Mutex<HashMap<u32, OpenBody>>,
}

/// An error of the host's HTTP client as the API words errors: `EIO: invalid HTTP response`.
fn host_facing(e: CoreError) -> CoreError {
    match e.errno_value() {
        Some(n) if !e.message().starts_with(n.name()) => CoreError::errno_msg(n, e.message()),
        _ => e,
    }
}

/// A port number from JS.
pub(crate) fn port_of(port: f64) -> CoreResult<u16> {
    if port.fract() != 0.0 || !(1.0..=65535.0).contains(&port) {
        return Err(CoreError::errno_msg(
            Errno::EINVAL,
            format!("invalid port {port}: a port is an integer from 1 to 65535"),
        ));
    }
    Ok(port as u16)
}

impl Bodies {
    /// Send `req` to `port` of the VM and keep the body for reading.
    pub(crate) async fn fetch(
        self: Arc<Self>,
        kernel: Arc<Kernel>,
        port: u16,
        req: http1::Request,
    ) -> CoreResult<FetchResponse> {
        let sock = kernel
            .net()
            .connect_local_waiting(port, FETCH_PATIENCE)
            .await
            .map_err(|e| {
                CoreError::net(
                    e,
                    "connect",
                    format!(
                        "connect {} 127.0.0.1:{port} (nothing in the VM listens on port {port})",
                        e.name()
                    ),
                )
            })?;
        let sock = Arc::new(sock);
        let http1::Response {
            status,
            reason,
            headers,
            body,
        } = http1::send(sock.clone(), &req).await.map_err(host_facing)?;
        let headers = headers.into_iter().map(|(k, v)| vec![k, v]).collect();
        let mut body = body;
        if body.known_length().is_some_and(|n| n <= INLINE_MAX) {
            let all = body
                .collect(INLINE_MAX as usize)
                .await
                .map_err(host_facing)?;
            sock.close();
            return Ok(FetchResponse {
                status: u32::from(status),
                status_text: reason,
                headers,
                body: 0,
                inline: Some(Uint8Array::new(all)),
            });
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.open
            .lock()
            .insert(id, (sock, Arc::new(tokio::sync::Mutex::new(body))));
        Ok(FetchResponse {
            status: u32::from(status),
            status_text: reason,
            headers,
            body: id,
            inline: None,
        })
    }

    /// The next chunk of body `id`; `None` (and the body forgotten) at its end.
    pub(crate) async fn read(self: Arc<Self>, id: u32) -> CoreResult<Option<Bytes>> {
        let Some((_, body)) = self.open.lock().get(&id).cloned() else {
            return Ok(None);
        };
        let r = body.lock().await.next().await.map_err(host_facing);
        if !matches!(r, Ok(Some(_))) {
            self.open.lock().remove(&id);
        }
        r
    }

    /// Stop reading body `id`: its connection closes (a read in flight ends).
    pub(crate) fn cancel(&self, id: u32) {
        if let Some((sock, _)) = self.open.lock().remove(&id) {
            sock.close();
        }
    }

    /// Close every body (the VM is disposed).
    pub(crate) fn clear(&self) {
        for (_, (sock, _)) in self.open.lock().drain() {
            sock.close();
        }
    }
}

/// A fetch request as the core takes it; `EINVAL` for text that would break the request
/// line or a header apart.
pub(crate) fn to_request(r: FetchRequest) -> CoreResult<http1::Request> {
    let headers: Vec<(String, String)> = r
        .headers
        .into_iter()
        .filter_map(|mut p| {
            (p.len() == 2).then(|| {
                let v = p.pop().unwrap_or_default();
                let k = p.pop().unwrap_or_default();
                (k, v)
            })
        })
        .collect();
    let checks = [("method", &r.method), ("request target", &r.target)];
    for (what, v) in checks {
        if let Some(e) = bad_text(what, v).or_else(|| {
            v.contains(' ').then(|| {
                CoreError::errno_msg(Errno::EINVAL, format!("{what} {v:?} contains a space"))
            })
        }) {
            return Err(e);
        }
    }
    for (k, v) in &headers {
        if let Some(e) = bad_text("header", k).or_else(|| bad_text("header value", v)) {
            return Err(e);
        }
    }
    Ok(http1::Request {
        method: r.method,
        target: r.target,
        headers,
        body: r.body.map(|b| Bytes::copy_from_slice(&b)),
    })
}
