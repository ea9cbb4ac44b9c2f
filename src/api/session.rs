//! Agent sessions at the boundary: start an agent, send it requests, answer its permission
//! requests, read a session's history. Messages cross as JSON text; the facade shapes them.

use std::collections::HashMap;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use super::error::sync;
use super::promise;
use super::vm::JsVm;
use crate::error::{ApiCode, Error as CoreError};
use crate::sessions::{self, LaunchSpec, Reply};

/// How the facade starts an agent.
#[napi(object)]
pub struct SessionStartOptions {
    /// Agent type (for listings and messages).
    pub agent_type: String,
    /// Program to run (found on `PATH`).
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment added to the base one.
    pub env: Option<HashMap<String, String>>,
    /// Working directory of the agent and of the ACP session (default `/home/user`).
    pub cwd: Option<String>,
    /// `mcpServers` of `session/new`, as JSON text (default `[]`).
    pub mcp_servers_json: Option<String>,
    /// Wait for each answer of the agent, ms (default 120000).
    pub request_timeout_ms: Option<f64>,
    /// Wait for the host's answer to a permission request, ms (default 120000).
    pub permission_timeout_ms: Option<f64>,
}

/// A started session.
#[napi(object)]
pub struct SessionStarted {
    /// Handle of the session's client (session events carry it).
    pub handle: u32,
    /// The ACP session id.
    pub session_id: String,
    /// Pid of the agent process.
    pub pid: u32,
    /// `initialize`'s result, JSON text.
    pub init_json: String,
    /// `session/new`'s result, JSON text.
    pub session_json: String,
}

/// An agent's answer.
#[napi(object)]
pub struct SessionReply {
    /// The JSON-RPC response, JSON text.
    pub json: String,
    /// Sequence number of the last event recorded before it (-1: none).
    pub seq: f64,
    /// Agent message text streamed while the request ran (`collect`).
    pub text: String,
}

fn duration(ms: Option<f64>, default: Duration) -> Duration {
    ms.filter(|m| *m > 0.0).map_or(default, |m| {
        Duration::try_from_secs_f64(m / 1000.0).unwrap_or(Duration::MAX)
    })
}

fn parse(json: Option<String>, what: &str) -> crate::Result<Value> {
    match json {
        None => Ok(Value::Null),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            CoreError::api(
                ApiCode::InvalidOptions,
                format!("{what} is not valid JSON: {e}"),
            )
        }),
    }
}

fn reply(r: Reply) -> SessionReply {
    SessionReply {
        json: r.response.to_string(),
        seq: r.seq as f64,
        text: r.text,
    }
}

#[napi]
impl JsVm {
    /// Start an agent and open its ACP session (`initialize`, then `session/new`).
    #[napi(ts_return_type = "Promise<SessionStarted>")]
    pub fn session_start<'e>(
        &self,
        env: &'e Env,
        options: SessionStartOptions,
    ) -> Result<Object<'e>> {
        let vm = self.vm.clone();
        promise(
            env,
            async move {
                let mcp = match parse(options.mcp_servers_json, "mcpServers")? {
                    Value::Null => Value::Array(Vec::new()),
                    v => v,
                };
                let spec = LaunchSpec {
                    agent_type: options.agent_type,
                    command: options.command,
                    args: options.args,
                    env: options.env.unwrap_or_default().into_iter().collect(),
                    cwd: options
                        .cwd
                        .unwrap_or_else(|| crate::kernel::vfs::rootfs::HOME.to_owned()),
                    mcp_servers: mcp,
                    request_timeout: duration(
                        options.request_timeout_ms,
                        sessions::DEFAULT_REQUEST_TIMEOUT,
                    ),
                    permission_timeout: duration(
                        options.permission_timeout_ms,
                        sessions::DEFAULT_PERMISSION_TIMEOUT,
                    ),
                };
                vm.sessions().start(&vm, spec).await
            },
            |_env, s| {
                Ok(SessionStarted {
                    handle: s.client.handle,
                    session_id: s.client.session_id().to_owned(),
                    pid: s.client.pid(),
                    init_json: s.init.to_string(),
                    session_json: s.session.to_string(),
                })
            },
        )
    }

    /// Send a request to a session's agent; with `collect`, the agent's message text streamed
    /// meanwhile comes back too.
    #[napi(ts_return_type = "Promise<SessionReply>")]
    pub fn session_request<'e>(
        &self,
        env: &'e Env,
        handle: u32,
        method: String,
        params_json: Option<String>,
        collect: bool,
    ) -> Result<Object<'e>> {
        let vm = self.vm.clone();
        promise(
            env,
            async move {
                let client = vm.sessions().get(handle)?;
                let params = parse(params_json, "params")?;
                client.request(&method, params, collect).await
            },
            |_env, r| Ok(reply(r)),
        )
    }

    /// `session/cancel` (as a request, falling back to the notification).
    #[napi(ts_return_type = "Promise<SessionReply>")]
    pub fn session_cancel<'e>(&self, env: &'e Env, handle: u32) -> Result<Object<'e>> {
        let vm = self.vm.clone();
        promise(
            env,
            async move { vm.sessions().get(handle)?.cancel().await },
            |_env, r| Ok(reply(r)),
        )
    }

    /// Answer a pending permission request; returns the response sent, JSON text.
    #[napi]
    pub fn session_respond_permission(
        &self,
        env: Env,
        handle: u32,
        permission_id: String,
        answer: String,
    ) -> Result<String> {
        let client = sync(&env, self.vm.sessions().get(handle))?;
        let sent = sync(&env, client.respond_permission(&permission_id, &answer))?;
        Ok(sent.to_string())
    }

    /// A session's recorded events after `since` (of `method`), as a JSON array of
    /// `{ sequenceNumber, notification }`.
    #[napi]
    pub fn session_events(
        &self,
        env: Env,
        handle: u32,
        since: Option<f64>,
        method: Option<String>,
    ) -> Result<String> {
        let client = sync(&env, self.vm.sessions().get(handle))?;
        Ok(client.events_json(since.map(|s| s.floor() as i64), method.as_deref()))
    }

    /// Why the session ended, if it did.
    #[napi]
    pub fn session_ended(&self, env: Env, handle: u32) -> Result<Option<String>> {
        let client = sync(&env, self.vm.sessions().get(handle))?;
        Ok(client.ended())
    }

    /// Kill a session's agent and forget the session.
    #[napi]
    pub fn session_close(&self, handle: u32) {
        self.vm.sessions().close(handle);
    }
}
