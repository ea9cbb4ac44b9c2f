//! Agent sessions: the sidecar is the ACP client of a coding agent that runs as an ordinary
//! guest process and speaks JSON-RPC 2.0, one message per line, over its stdio.
//!
//! A [`Client`] owns one agent process. A task reads the agent's stdout line by line:
//! responses settle the host's pending requests, notifications are kept in a numbered history
//! and sent to the host as events, and the agent's own requests — files and terminals, the
//! client capabilities — are served from the VM's kernel ([`ops`]). Permission requests wait for
//! the host's answer and are rejected when none comes in time (fail closed). An agent that exits
//! ends its session with an `_agentos/session_ended` event, and every pending request fails
//! with `ERR_AGENT_OS_SESSION_CLOSED`: nothing waits on a dead agent.
//!
//! What stays in JS (the facade): software descriptors and their JS hooks
//! (`prepareInstructions`, `env`), and per-session bookkeeping derived from these messages
//! (modes, config options, handler sets).

mod ops;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

use crate::commands::Env;
use crate::error::{ApiCode, Error, Result};
use crate::kernel::errno::Errno;
use crate::kernel::process::pipe::{pipe, PipeReader};
use crate::kernel::process::{OpenFile, ProcEvent, Signal};
use crate::vm::process::{ApiProcess, StartOptions};
use crate::vm::Vm;

/// Longest line accepted from an agent; a longer one is dropped (and logged), so a hostile
/// agent cannot grow the client's buffer without bound.
const MAX_LINE: usize = 32 << 20;
/// Bytes of history kept per session; the oldest events are dropped beyond it.
const MAX_HISTORY_BYTES: usize = 64 << 20;
/// Default wait for an agent's answer to one request (as the reference client: 120 s).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Default wait for the host's answer to a permission request before it is rejected.
pub const DEFAULT_PERMISSION_TIMEOUT: Duration = Duration::from_secs(120);
/// The method under which permission requests are recorded and shown to the host (the
/// reference's name, which rivetkit listens for).
pub const PERMISSION_EVENT: &str = "request/permission";
/// The event that ends a session whose agent exited.
pub const ENDED_EVENT: &str = "_agentos/session_ended";

/// How to start an agent.
#[derive(Clone, Debug)]
pub struct LaunchSpec {
    /// Agent type, as `createSession` was given it.
    pub agent_type: String,
    /// Program (found on `PATH`) and its arguments.
    pub command: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Environment added to the base one.
    pub env: Env,
    /// Working directory of the agent and of the ACP session.
    pub cwd: String,
    /// `mcpServers` of `session/new`, in ACP's shape.
    pub mcp_servers: Value,
    /// Wait for each answer of the agent.
    pub request_timeout: Duration,
    /// Wait for the host's answer to a permission request.
    pub permission_timeout: Duration,
}

/// A settled request: the agent's JSON-RPC response, the history position it arrived at, and
/// (for `session/prompt`) the agent's message text streamed during the turn.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The response object (`{ jsonrpc, id, result | error }`).
    pub response: Value,
    /// Sequence number of the last event recorded before the response (`-1`: none yet).
    pub seq: i64,
    /// `agent_message_chunk` text collected while the request was pending.
    pub text: String,
}

/// Permission requests waiting for the host at once; more are cancelled at once.
const MAX_PENDING_PERMISSIONS: usize = 64;
/// How long `session/cancel` waits for an answer to the request before it falls back to the
/// notification.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);
/// After the agent exits, how long its stdout is still read (for lines already written).
const EXIT_DRAIN: Duration = Duration::from_millis(100);

/// One recorded notification, kept as the JSON text the host receives.
struct Recorded {
    seq: u64,
    method: Box<str>,
    text: Arc<str>,
}

struct Pending {
    tx: oneshot::Sender<Result<Reply>>,
    collect: Option<String>,
}

struct PendingPermission {
    id: Value,
    options: Vec<Value>,
    /// Which request this is, so a timer only ever answers its own.
    generation: u64,
}

struct State {
    next_id: i64,
    pending: HashMap<i64, Pending>,
    history: VecDeque<Recorded>,
    history_bytes: usize,
    next_seq: u64,
    permissions: HashMap<String, PendingPermission>,
    next_generation: u64,
    /// Ids of the agent's requests being served (a repeated line is handled once).
    in_flight: HashSet<String>,
    /// When the agent last said anything: requests time out after that much silence.
    last_activity: Instant,
    /// Why the session ended (the agent exited, or the host closed it).
    ended: Option<String>,
    closed_by_host: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            next_id: 0,
            pending: HashMap::new(),
            history: VecDeque::new(),
            history_bytes: 0,
            next_seq: 0,
            permissions: HashMap::new(),
            next_generation: 0,
            in_flight: HashSet::new(),
            last_activity: Instant::now(),
            ended: None,
            closed_by_host: false,
        }
    }
}

/// The ACP client of one agent process.
pub struct Client {
    /// Handle of this client in its VM (events carry it).
    pub handle: u32,
    /// Agent type.
    pub agent_type: String,
    /// The ACP session id, once `session/new` answered.
    session_id: OnceLock<String>,
    vm: Weak<Vm>,
    agent: Arc<ApiProcess>,
    spec: LaunchSpec,
    state: Mutex<State>,
    terminals: ops::Terminals,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("handle", &self.handle)
            .field("agent_type", &self.agent_type)
            .finish()
    }
}

/// The sessions of one VM.
#[derive(Default)]
pub struct Sessions {
    clients: Mutex<HashMap<u32, Arc<Client>>>,
    next: AtomicU32,
}

fn unknown_session(handle: u32) -> Error {
    Error::api(
        ApiCode::UnknownSession,
        format!("no such session (handle {handle})"),
    )
}

fn closed(reason: &str) -> Error {
    Error::api(ApiCode::SessionClosed, reason)
}

/// What the agent answered on `initialize` and `session/new`.
#[derive(Debug)]
pub struct Started {
    /// The client.
    pub client: Arc<Client>,
    /// `initialize`'s result.
    pub init: Value,
    /// `session/new`'s result.
    pub session: Value,
}

impl Sessions {
    /// The client `handle` (`ERR_AGENT_OS_UNKNOWN_SESSION` if there is none).
    pub fn get(&self, handle: u32) -> Result<Arc<Client>> {
        self.clients
            .lock()
            .get(&handle)
            .cloned()
            .ok_or_else(|| unknown_session(handle))
    }

    /// Start the agent, then `initialize` and `session/new`. The agent is killed if either
    /// fails, and the error carries the end of its stderr.
    pub async fn start(&self, vm: &Arc<Vm>, spec: LaunchSpec) -> Result<Started> {
        let kernel = vm.kernel()?;
        let (reader, writer) = pipe(kernel.limits().max_pipe_bytes as usize);
        let opts = StartOptions {
            env: Some(spec.env.clone()),
            cwd: Some(spec.cwd.clone()),
            stdout_to: Some(OpenFile::pipe_writer(writer)),
            ..StartOptions::default()
        };
        let agent = vm
            .processes()
            .spawn(&kernel, &spec.command, &spec.args, opts, false)?;
        let handle = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let client = Arc::new(Client {
            handle,
            agent_type: spec.agent_type.clone(),
            session_id: OnceLock::new(),
            vm: Arc::downgrade(vm),
            agent,
            spec,
            state: Mutex::new(State::default()),
            terminals: ops::Terminals::default(),
        });
        self.clients.lock().insert(handle, client.clone());
        tokio::spawn(read_loop(client.clone(), reader));
        match client.handshake().await {
            Ok((init, session)) => Ok(Started {
                client,
                init,
                session,
            }),
            Err(e) => {
                self.close(handle);
                let tail = client.stderr_tail();
                Err(if tail.is_empty() {
                    e
                } else {
                    e.with_detail(&format!("\nagent stderr:\n{tail}"))
                })
            }
        }
    }

    /// Kill the agent of `handle` and forget the session. Unknown handles are ignored.
    pub fn close(&self, handle: u32) {
        let client = self.clients.lock().remove(&handle);
        if let Some(c) = client {
            c.shut("the session was closed", true);
        }
    }

    /// Close every session (the VM is going away).
    pub fn close_all(&self) {
        let all: Vec<_> = self.clients.lock().drain().map(|(_, c)| c).collect();
        for c in all {
            c.shut("the VM was disposed", true);
        }
    }
}

impl Client {
    /// The ACP session id (empty before `session/new` answered).
    pub fn session_id(&self) -> &str {
        self.session_id.get().map_or("", String::as_str)
    }

    /// Pid of the agent process.
    pub fn pid(&self) -> u32 {
        self.agent.proc.pid
    }

    async fn handshake(self: &Arc<Self>) -> Result<(Value, Value)> {
        let init = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": 1,
                    "clientCapabilities": {
                        "fs": { "readTextFile": true, "writeTextFile": true },
                        "terminal": true,
                    },
                }),
                false,
            )
            .await?;
        let init = result_of("initialize", init.response)?;
        let new = self
            .request(
                "session/new",
                json!({ "cwd": self.spec.cwd, "mcpServers": self.spec.mcp_servers }),
                false,
            )
            .await?;
        let new = result_of("session/new", new.response)?;
        let Some(id) = new.get("sessionId").and_then(Value::as_str) else {
            return Err(Error::api(
                ApiCode::SessionClosed,
                "ACP session/new returned no sessionId",
            ));
        };
        let _ = self.session_id.set(id.to_owned());
        Ok((init, new))
    }

    fn write(&self, msg: &Value) -> Result<()> {
        let mut line = serde_json::to_vec(msg)
            .map_err(|e| Error::api(ApiCode::Internal, format!("cannot encode a message: {e}")))?;
        line.push(b'\n');
        self.agent.write_stdin(Bytes::from(line)).map_err(|_| {
            closed(&format!(
                "the agent of session {} is gone",
                self.session_id()
            ))
        })
    }

    /// Send a request and wait for the agent's answer (`ERR_AGENT_OS_SESSION_CLOSED` if the
    /// session ends first). It times out (`ETIMEDOUT`) only after the request timeout passes
    /// with the agent silent and no permission request waiting for the host, so a long turn
    /// that keeps streaming, or waits for a human, is not cut short. With `collect`, the text
    /// of `agent_message_chunk` notifications that arrive meanwhile comes back in the reply.
    pub async fn request(&self, method: &str, params: Value, collect: bool) -> Result<Reply> {
        self.request_within(method, params, collect, self.spec.request_timeout)
            .await
    }

    async fn request_within(
        &self,
        method: &str,
        params: Value,
        collect: bool,
        timeout: Duration,
    ) -> Result<Reply> {
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut st = self.state.lock();
            if let Some(why) = &st.ended {
                return Err(closed(why));
            }
            st.next_id += 1;
            let id = st.next_id;
            st.pending.insert(
                id,
                Pending {
                    tx,
                    collect: collect.then(String::new),
                },
            );
            id
        };
        let msg = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        if let Err(e) = self.write(&msg) {
            self.state.lock().pending.remove(&id);
            return Err(e);
        }
        let mut rx = rx;
        let mut wait = timeout;
        loop {
            match tokio::time::timeout(wait, &mut rx).await {
                Ok(Ok(reply)) => return reply,
                Ok(Err(_)) => return Err(closed("the session ended")),
                Err(_) => {
                    let mut st = self.state.lock();
                    let quiet = st.last_activity.elapsed();
                    if !st.permissions.is_empty() {
                        wait = timeout;
                        continue;
                    }
                    if quiet < timeout {
                        wait = timeout - quiet;
                        continue;
                    }
                    st.pending.remove(&id);
                    return Err(Error::errno_msg(
                        Errno::ETIMEDOUT,
                        format!(
                            "ACP request {method} (id={id}) timed out: the agent said nothing for {} ms",
                            timeout.as_millis()
                        ),
                    ));
                }
            }
        }
    }

    /// Send a notification (no answer expected).
    pub fn notify(&self, method: &str, params: Value) -> Result<()> {
        if let Some(why) = &self.state.lock().ended {
            return Err(closed(why));
        }
        self.write(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    /// `session/cancel`: sent as a request, as the reference client does; an agent that only
    /// knows it as a notification (ACP's definition) answers "method not found", and gets the
    /// notification instead.
    pub async fn cancel(&self) -> Result<Reply> {
        let params = json!({ "sessionId": self.session_id() });
        let wait = self.spec.request_timeout.min(CANCEL_TIMEOUT);
        let (id, seq) = match self
            .request_within("session/cancel", params.clone(), false, wait)
            .await
        {
            Ok(reply) if reply.response["error"]["code"].as_i64() != Some(-32601) => {
                return Ok(reply)
            }
            Ok(reply) => (reply.response["id"].clone(), reply.seq),
            // An agent that ignores the request (ACP defines cancel as a notification).
            Err(e) if e.errno_value() == Some(Errno::ETIMEDOUT) => {
                (Value::Null, Self::last_seq(&self.state.lock()))
            }
            Err(e) => return Err(e),
        };
        self.notify("session/cancel", params)?;
        Ok(Reply {
            response: json!({
                "jsonrpc": "2.0",
                "id": id,
                "result": { "cancelled": false, "requested": true, "via": "notification-fallback" },
            }),
            seq,
            text: String::new(),
        })
    }

    /// Answer a pending permission request: `once`, `always` or `reject` picks the agent's
    /// option of that kind. Returns the response sent.
    pub fn respond_permission(&self, permission_id: &str, reply: &str) -> Result<Value> {
        self.answer_permission(permission_id, reply, None)
    }

    fn answer_permission(
        &self,
        permission_id: &str,
        reply: &str,
        generation: Option<u64>,
    ) -> Result<Value> {
        if !matches!(reply, "once" | "always" | "reject") {
            return Err(Error::api(
                ApiCode::InvalidOptions,
                format!("a permission reply is \"once\", \"always\" or \"reject\", not {reply:?}"),
            ));
        }
        let pending = {
            let mut st = self.state.lock();
            if let Some(why) = &st.ended {
                return Err(closed(why));
            }
            let ours = st
                .permissions
                .get(permission_id)
                .is_some_and(|p| generation.is_none_or(|g| g == p.generation));
            let taken = if ours {
                st.permissions.remove(permission_id)
            } else {
                None
            };
            if let Some(p) = &taken {
                st.in_flight.remove(&p.id.to_string());
            }
            taken
        };
        let Some(p) = pending else {
            return Err(Error::api(
                ApiCode::UnknownPermission,
                format!(
                    "no pending permission request `{permission_id}` in session {}",
                    self.session_id()
                ),
            ));
        };
        let result = permission_outcome(&p.options, reply);
        let msg = json!({ "jsonrpc": "2.0", "id": p.id, "result": result });
        self.write(&msg)?;
        Ok(msg)
    }

    /// The recorded history after `since` (of `method` if given), as a JSON array of
    /// `{ sequenceNumber, notification }`.
    pub fn events_json(&self, since: Option<i64>, method: Option<&str>) -> String {
        let st = self.state.lock();
        let mut out = String::from("[");
        for e in st
            .history
            .iter()
            .filter(|e| since.is_none_or(|s| e.seq as i64 > s))
            .filter(|e| method.is_none_or(|m| &*e.method == m))
        {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(&format!("{{\"sequenceNumber\":{},\"notification\":", e.seq));
            out.push_str(&e.text);
            out.push('}');
        }
        out.push(']');
        out
    }

    /// Whether the session ended, and why.
    pub fn ended(&self) -> Option<String> {
        self.state.lock().ended.clone()
    }

    fn stderr_tail(&self) -> String {
        let kept = self.agent.stderr_kept();
        let text = String::from_utf8_lossy(&kept);
        let start = text.len().saturating_sub(4096);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].trim_end().to_owned()
    }

    /// Record a notification and send it to the host. Call with the state locked, so events
    /// keep their order.
    fn record(&self, st: &mut State, notification: Value) -> u64 {
        let seq = st.next_seq;
        st.next_seq += 1;
        let text: Arc<str> = Arc::from(notification.to_string());
        let method = notification["method"].as_str().unwrap_or_default().into();
        st.history_bytes += text.len();
        st.history.push_back(Recorded {
            seq,
            method,
            text: text.clone(),
        });
        while st.history_bytes > MAX_HISTORY_BYTES && st.history.len() > 1 {
            if let Some(old) = st.history.pop_front() {
                st.history_bytes -= old.text.len();
            }
        }
        if let Some(kernel) = self.vm.upgrade().and_then(|vm| vm.kernel().ok()) {
            kernel.emit(ProcEvent::Session {
                handle: self.handle,
                seq,
                json: text,
            });
        }
        seq
    }

    fn last_seq(st: &State) -> i64 {
        st.next_seq as i64 - 1
    }

    fn on_line(self: &Arc<Self>, line: &[u8]) {
        let Ok(Value::Object(msg)) = serde_json::from_slice::<Value>(line) else {
            tracing::debug!(target: "agentos::sessions", "skipping a non-JSON line from the agent");
            return;
        };
        {
            let mut st = self.state.lock();
            if st.ended.is_some() {
                // Lines still arriving after the end change nothing.
                return;
            }
            st.last_activity = Instant::now();
        }
        let has_method = msg.get("method").is_some_and(Value::is_string);
        let id = msg.get("id").filter(|v| !v.is_null()).cloned();
        match (has_method, id) {
            (true, Some(id)) => self.on_request(msg, id),
            (true, None) => self.on_notification(Value::Object(msg)),
            (false, Some(id)) => self.on_response(Value::Object(msg), &id),
            (false, None) => {}
        }
    }

    fn on_notification(&self, msg: Value) {
        let mut st = self.state.lock();
        let update = &msg["params"]["update"];
        if msg["method"] == "session/update" && update["sessionUpdate"] == "agent_message_chunk" {
            if let Some(text) = update["content"]["text"].as_str() {
                for p in st.pending.values_mut() {
                    if let Some(c) = p.collect.as_mut().filter(|c| c.len() < MAX_HISTORY_BYTES) {
                        c.push_str(text);
                    }
                }
            }
        }
        self.record(&mut st, msg);
    }

    fn on_response(&self, msg: Value, id: &Value) {
        let Some(id) = id.as_i64() else { return };
        let mut st = self.state.lock();
        let Some(p) = st.pending.remove(&id) else {
            return;
        };
        let seq = Self::last_seq(&st);
        drop(st);
        let _ = p.tx.send(Ok(Reply {
            response: msg,
            seq,
            text: p.collect.unwrap_or_default(),
        }));
    }

    fn on_request(self: &Arc<Self>, msg: Map<String, Value>, id: Value) {
        let method = msg["method"].as_str().unwrap_or_default().to_owned();
        let params = match msg.get("params") {
            Some(Value::Object(p)) => p.clone(),
            _ => Map::new(),
        };
        let mut st = self.state.lock();
        // An agent's stdout may repeat a line: a request is served once while it is in flight.
        let key = id.to_string();
        if !st.in_flight.insert(key.clone()) {
            return;
        }
        if method == "session/request_permission" {
            let permission_id = match &id {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let options = params
                .get("options")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if st.permissions.len() >= MAX_PENDING_PERMISSIONS
                || st.permissions.contains_key(&permission_id)
            {
                st.in_flight.remove(&key);
                drop(st);
                let result = json!({ "outcome": { "outcome": "cancelled" } });
                let _ = self.write(&json!({ "jsonrpc": "2.0", "id": id, "result": result }));
                return;
            }
            st.next_generation += 1;
            let generation = st.next_generation;
            st.permissions.insert(
                permission_id.clone(),
                PendingPermission {
                    id: id.clone(),
                    options,
                    generation,
                },
            );
            let mut shown = params;
            shown.insert("permissionId".into(), Value::String(permission_id.clone()));
            shown.insert("_acpMethod".into(), Value::String(method));
            self.record(
                &mut st,
                json!({ "jsonrpc": "2.0", "method": PERMISSION_EVENT, "params": shown }),
            );
            drop(st);
            // Fail closed: an unanswered request is rejected when the timeout fires.
            let me = Arc::downgrade(self);
            let wait = self.spec.permission_timeout;
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                if let Some(me) = me.upgrade() {
                    let _ = me.answer_permission(&permission_id, "reject", Some(generation));
                }
            });
            return;
        }
        let mut shown = params.clone();
        shown.insert("requestId".into(), id.clone());
        self.record(
            &mut st,
            json!({ "jsonrpc": "2.0", "method": method, "params": shown }),
        );
        drop(st);
        let me = self.clone();
        tokio::spawn(async move {
            let answer = match me.vm.upgrade() {
                Some(vm) => ops::serve(&me, &vm, &method, Value::Object(params)).await,
                None => Err(ops::RpcError::internal("the VM is gone")),
            };
            let msg = match answer {
                Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
                Err(e) => json!({ "jsonrpc": "2.0", "id": id, "error": e.to_json() }),
            };
            me.state.lock().in_flight.remove(&key);
            let _ = me.write(&msg);
        });
    }

    /// End the session: fail pending requests, stop terminals, and (unless the host closed
    /// it) tell the host with an `_agentos/session_ended` event.
    fn end(&self, reason: String, code: Option<i32>) {
        let mut st = self.state.lock();
        if st.ended.is_some() {
            return;
        }
        st.ended = Some(reason.clone());
        st.permissions.clear();
        // The event is recorded before pending requests fail, so a caller that sees the failure
        // finds it in the history.
        if !st.closed_by_host && self.session_id.get().is_some() {
            let stderr = self.stderr_tail();
            self.record(
                &mut st,
                json!({
                    "jsonrpc": "2.0",
                    "method": ENDED_EVENT,
                    "params": {
                        "sessionId": self.session_id(),
                        "exitCode": code,
                        "reason": reason,
                        "stderr": stderr,
                    },
                }),
            );
        }
        for (_, p) in st.pending.drain() {
            let _ = p.tx.send(Err(closed(&reason)));
        }
        drop(st);
        self.terminals.kill_all(self);
    }

    /// Kill the agent (and its terminals) and end the session.
    fn shut(&self, reason: &str, by_host: bool) {
        self.state.lock().closed_by_host |= by_host;
        if let Some(kernel) = self.vm.upgrade().and_then(|vm| vm.kernel().ok()) {
            let _ = kernel
                .procs()
                .kill(-i64::from(self.agent.proc.pgid), Signal::SIGKILL);
        }
        self.end(reason.to_owned(), None);
    }
}

fn result_of(method: &str, response: Value) -> Result<Value> {
    if let Some(err) = response.get("error") {
        let message = err["message"].as_str().unwrap_or("unknown error");
        return Err(Error::api(
            ApiCode::SessionClosed,
            format!("ACP {method} failed: {message}"),
        ));
    }
    Ok(response.get("result").cloned().unwrap_or(Value::Null))
}

/// The `session/request_permission` result for the host's `reply`: the agent's option whose id
/// or kind matches, else the ACP default ids; anything else cancels.
fn permission_outcome(options: &[Value], reply: &str) -> Value {
    let (ids, kind): (&[&str], &str) = match reply {
        "always" => (&["always", "allow_always"], "allow_always"),
        "once" => (&["once", "allow_once"], "allow_once"),
        "reject" => (&["reject", "reject_once"], "reject_once"),
        _ => return json!({ "outcome": { "outcome": "cancelled" } }),
    };
    let matched = options.iter().find_map(|o| {
        let id = o["optionId"].as_str()?;
        (ids.contains(&id) || o["kind"].as_str() == Some(kind)).then(|| id.to_owned())
    });
    match matched {
        Some(id) => json!({ "outcome": { "outcome": "selected", "optionId": id } }),
        // No options at all: allowing picks ACP's default id; rejecting cancels.
        None if options.is_empty() && reply != "reject" => {
            json!({ "outcome": { "outcome": "selected", "optionId": ids[ids.len() - 1] } })
        }
        // The agent offered no option of that kind: rejecting cancels, never allows.
        None => json!({ "outcome": { "outcome": "cancelled" } }),
    }
}

async fn read_loop(client: Arc<Client>, reader: PipeReader) {
    let mut buf: Vec<u8> = Vec::new();
    let mut skipping = false;
    let exit = client.agent.proc.wait();
    tokio::pin!(exit);
    let mut exited: Option<i32> = None;
    loop {
        let chunk = match exited {
            // The agent is gone: read what it already wrote, but do not wait for children
            // that inherited its stdout.
            Some(_) => match tokio::time::timeout(EXIT_DRAIN, reader.read(64 * 1024)).await {
                Ok(c) => c,
                Err(_) => break,
            },
            None => tokio::select! {
                c = reader.read(64 * 1024) => c,
                code = &mut exit => {
                    exited = Some(code);
                    continue;
                }
            },
        };
        if chunk.is_empty() {
            break;
        }
        let mut rest: &[u8] = &chunk;
        while let Some(pos) = rest.iter().position(|b| *b == b'\n') {
            let (line, tail) = rest.split_at(pos);
            rest = &tail[1..];
            if skipping {
                skipping = false;
                continue;
            }
            if buf.is_empty() {
                client.on_line(line);
            } else {
                buf.extend_from_slice(line);
                let whole = std::mem::take(&mut buf);
                client.on_line(&whole);
            }
        }
        if !skipping {
            buf.extend_from_slice(rest);
            if buf.len() > MAX_LINE {
                tracing::warn!(target: "agentos::sessions", session = client.session_id(), "dropping a line over {MAX_LINE} bytes from the agent");
                buf = Vec::new();
                skipping = true;
            }
        }
    }
    if !buf.is_empty() && !skipping {
        client.on_line(&buf);
    }
    let code = match exited {
        Some(code) => code,
        None => exit.await,
    };
    // Whatever the agent left running in its process group goes with it.
    if let Some(kernel) = client.vm.upgrade().and_then(|vm| vm.kernel().ok()) {
        let _ = kernel
            .procs()
            .kill(-i64::from(client.agent.proc.pgid), Signal::SIGKILL);
    }
    client.end(format!("the agent exited with code {code}"), Some(code));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_outcomes_follow_the_offered_options() {
        let opts = vec![
            json!({ "optionId": "yes", "kind": "allow_once" }),
            json!({ "optionId": "always-yes", "kind": "allow_always" }),
            json!({ "optionId": "no", "kind": "reject_once" }),
        ];
        assert_eq!(
            permission_outcome(&opts, "once")["outcome"]["optionId"],
            "yes"
        );
        assert_eq!(
            permission_outcome(&opts, "always")["outcome"]["optionId"],
            "always-yes"
        );
        assert_eq!(
            permission_outcome(&opts, "reject")["outcome"]["optionId"],
            "no"
        );
        assert_eq!(
            permission_outcome(&opts, "maybe")["outcome"]["outcome"],
            "cancelled"
        );
        let allow_only = vec![json!({ "optionId": "ok", "kind": "allow_once" })];
        assert_eq!(
            permission_outcome(&allow_only, "reject")["outcome"]["outcome"],
            "cancelled"
        );
        assert_eq!(
            permission_outcome(&[], "reject")["outcome"]["outcome"],
            "cancelled"
        );
        assert_eq!(
            permission_outcome(&[], "once")["outcome"]["optionId"],
            "allow_once"
        );
    }
}
