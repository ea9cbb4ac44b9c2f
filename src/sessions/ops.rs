//! The client capabilities the sidecar offers agents, served from the VM's kernel:
//! `fs/read_text_file`, `fs/write_text_file` and `terminal/*` (a terminal is a VM process whose
//! stdout and stderr go to one bounded buffer).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::Client;
use crate::error::Error;
use crate::kernel::errno::Errno;
use crate::kernel::process::pipe::pipe;
use crate::kernel::process::{OpenFile, Signal};
use crate::kernel::vfs::Cred;
use crate::vm::process::{ApiProcess, StartOptions};
use crate::vm::Vm;

/// Output kept per terminal when the agent gives no `outputByteLimit` (as the reference); an
/// agent's limit is capped at the VM's `maxOutputBytes`.
const DEFAULT_OUTPUT_LIMIT: usize = 1 << 20;
/// Terminals one session may hold at once.
const MAX_TERMINALS: usize = 64;

/// A JSON-RPC error for the agent.
#[derive(Debug)]
pub struct RpcError {
    code: i64,
    message: String,
    data: Option<Value>,
}

impl RpcError {
    fn invalid(message: impl Into<String>) -> Self {
        RpcError {
            code: -32602,
            message: message.into(),
            data: None,
        }
    }

    /// An internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        RpcError {
            code: -32603,
            message: message.into(),
            data: None,
        }
    }

    /// The `error` member of a response.
    pub fn to_json(&self) -> Value {
        let mut e = json!({ "code": self.code, "message": self.message });
        if let Some(d) = &self.data {
            e["data"] = d.clone();
        }
        e
    }
}

impl From<Error> for RpcError {
    fn from(e: Error) -> Self {
        RpcError {
            // ACP's "resource not found" for a missing file; a generic server error otherwise.
            code: if e.errno_value() == Some(Errno::ENOENT) {
                -32002
            } else {
                -32000
            },
            message: e.to_string(),
            data: Some(json!({ "code": e.code(), "path": e.path() })),
        }
    }
}

type Answer = Result<Value, RpcError>;

fn str_param<'a>(params: &'a Value, name: &str, method: &str) -> Result<&'a str, RpcError> {
    params[name]
        .as_str()
        .ok_or_else(|| RpcError::invalid(format!("{method} requires a string `{name}`")))
}

fn abs_path<'a>(params: &'a Value, method: &str) -> Result<&'a str, RpcError> {
    let path = str_param(params, "path", method)?;
    if !path.starts_with('/') {
        return Err(RpcError::invalid(format!(
            "{method}: `path` must be absolute, got `{path}`"
        )));
    }
    Ok(path)
}

/// Serve one request of the agent.
pub async fn serve(client: &Arc<Client>, vm: &Arc<Vm>, method: &str, params: Value) -> Answer {
    match method {
        "fs/read_text_file" => {
            let path = abs_path(&params, method)?;
            let data = vm.kernel()?.vfs().read_file(Cred::GUEST, path).await?;
            let text = String::from_utf8_lossy(&data);
            let line = params["line"].as_u64().unwrap_or(1).max(1) as usize;
            let limit = params["limit"].as_u64().map(|l| l as usize);
            let content = if line == 1 && limit.is_none() {
                text.into_owned()
            } else {
                let lines = text.split('\n').skip(line - 1);
                match limit {
                    Some(n) => lines.take(n).collect::<Vec<_>>().join("\n"),
                    None => lines.collect::<Vec<_>>().join("\n"),
                }
            };
            Ok(json!({ "content": content }))
        }
        "fs/write_text_file" => {
            let path = abs_path(&params, method)?;
            let content = str_param(&params, "content", method)?;
            vm.kernel()?
                .vfs()
                .write_file(Cred::GUEST, path, Bytes::from(content.to_owned()))
                .await?;
            Ok(Value::Null)
        }
        "terminal/create" => client.terminals.create(vm, &params).await,
        "terminal/output" => client.terminals.get(&params)?.output(),
        "terminal/wait_for_exit" => {
            let t = client.terminals.get(&params)?;
            let code = t.api.proc.wait().await;
            // Let the output of the last writes land before answering.
            let mut drained = t.drained.clone();
            let _ =
                tokio::time::timeout(Duration::from_millis(200), drained.wait_for(|d| *d)).await;
            Ok(json!({ "exitCode": code, "signal": Value::Null }))
        }
        "terminal/kill" => {
            client.terminals.get(&params)?.kill(vm);
            Ok(Value::Null)
        }
        "terminal/release" => {
            let t = client.terminals.remove(&params)?;
            t.kill(vm);
            Ok(Value::Null)
        }
        other => Err(RpcError {
            code: -32601,
            message: format!("Method not found: {other}"),
            data: Some(json!({ "method": other })),
        }),
    }
}

struct Output {
    data: Vec<u8>,
    truncated: bool,
}

/// One terminal: a process and its combined output.
pub struct Terminal {
    api: Arc<ApiProcess>,
    limit: usize,
    out: Mutex<Output>,
    drained: watch::Receiver<bool>,
}

impl Terminal {
    fn push(&self, chunk: &[u8]) {
        let mut o = self.out.lock();
        o.data.extend_from_slice(chunk);
        if o.data.len() > self.limit {
            let mut cut = o.data.len() - self.limit;
            // Never split a UTF-8 character: drop up to its end.
            while cut < o.data.len() && (o.data[cut] & 0xC0) == 0x80 {
                cut += 1;
            }
            o.data.drain(..cut);
            o.truncated = true;
        }
    }

    fn output(&self) -> Answer {
        let o = self.out.lock();
        let mut v = json!({
            "output": String::from_utf8_lossy(&o.data),
            "truncated": o.truncated,
        });
        if let Some(code) = self.api.proc.exit_code() {
            v["exitStatus"] = json!({ "exitCode": code, "signal": Value::Null });
        }
        Ok(v)
    }

    /// Kill the terminal's whole process group (children it left behind too).
    fn kill(&self, vm: &Vm) {
        if let Ok(kernel) = vm.kernel() {
            let _ = kernel
                .procs()
                .kill(-i64::from(self.api.proc.pgid), Signal::SIGKILL);
        }
    }
}

#[derive(Default)]
struct TerminalMap {
    open: HashMap<String, Arc<Terminal>>,
    /// Set when the session ended: no terminal may be added after.
    closed: bool,
}

/// The terminals a session's agent opened.
#[derive(Default)]
pub struct Terminals {
    map: Mutex<TerminalMap>,
    next: AtomicU32,
}

impl Terminals {
    fn get(&self, params: &Value) -> Result<Arc<Terminal>, RpcError> {
        let id = str_param(params, "terminalId", "terminal")?;
        self.map
            .lock()
            .open
            .get(id)
            .cloned()
            .ok_or_else(|| RpcError::invalid(format!("ACP terminal not found: {id}")))
    }

    fn remove(&self, params: &Value) -> Result<Arc<Terminal>, RpcError> {
        let t = self.get(params)?;
        if let Some(id) = params["terminalId"].as_str() {
            self.map.lock().open.remove(id);
        }
        Ok(t)
    }

    async fn create(&self, vm: &Arc<Vm>, params: &Value) -> Answer {
        let command = str_param(params, "command", "terminal/create")?;
        let args: Vec<String> = params["args"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let env: Option<crate::commands::Env> = params["env"].as_array().map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some((
                        e["name"].as_str()?.to_owned(),
                        e["value"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        });
        let kernel = vm.kernel()?;
        let cap = kernel.limits().max_output_bytes as usize;
        let limit = params["outputByteLimit"]
            .as_u64()
            .map_or(DEFAULT_OUTPUT_LIMIT, |l| l as usize)
            .min(cap);
        {
            let m = self.map.lock();
            if m.closed || m.open.len() >= MAX_TERMINALS {
                return Err(RpcError::invalid(if m.closed {
                    "the session has ended".to_owned()
                } else {
                    format!("too many terminals (at most {MAX_TERMINALS}); release some first")
                }));
            }
        }
        let (reader, writer) = pipe(kernel.limits().max_pipe_bytes as usize);
        let out = OpenFile::pipe_writer(writer);
        let opts = StartOptions {
            env,
            cwd: params["cwd"].as_str().map(str::to_owned),
            stdout_to: Some(out.clone()),
            stderr_to: Some(out),
            ..StartOptions::default()
        };
        let api = vm.processes().spawn(&kernel, command, &args, opts, false)?;
        api.close_stdin();
        let (done, drained) = watch::channel(false);
        let term = Arc::new(Terminal {
            api,
            limit,
            out: Mutex::new(Output {
                data: Vec::new(),
                truncated: false,
            }),
            drained,
        });
        let t = term.clone();
        tokio::spawn(async move {
            loop {
                let chunk = reader.read(64 * 1024).await;
                if chunk.is_empty() {
                    break;
                }
                t.push(&chunk);
            }
            let _ = done.send(true);
        });
        let id = format!("term-{}", self.next.fetch_add(1, Ordering::Relaxed) + 1);
        let mut m = self.map.lock();
        if m.closed {
            // The session ended while the process was starting.
            drop(m);
            term.kill(vm);
            return Err(RpcError::invalid("the session has ended"));
        }
        m.open.insert(id.clone(), term);
        Ok(json!({ "terminalId": id }))
    }

    /// Kill every terminal (the session ended).
    pub fn kill_all(&self, client: &Client) {
        let all: Vec<_> = {
            let mut m = self.map.lock();
            m.closed = true;
            m.open.drain().map(|(_, t)| t).collect()
        };
        if let Some(vm) = client.vm.upgrade() {
            for t in all {
                t.kill(&vm);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[test]
    fn errors_carry_codes() {
        let e: RpcError = Error::errno(Errno::ENOENT, "open", "/nope").into();
        let j = e.to_json();
        assert_eq!(j["code"], -32002);
        assert_eq!(j["data"]["code"], "ENOENT");
        assert!(j["message"].as_str().unwrap_or("").contains("/nope"));
        let m: Map<String, Value> = Map::new();
        assert!(str_param(&Value::Object(m), "path", "fs/read_text_file").is_err());
    }
}
