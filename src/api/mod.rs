//! The napi binding: thin conversions between JS values and the plain-Rust core. The only
//! module where `#[napi]` appears. The public `AgentOs` class is the TypeScript facade in
//! `lib/index.ts`, over the classes exported here.

// napi registers exports only outside `cfg(test)`, so unit-test builds see them as unused.
#![cfg_attr(test, allow(dead_code))]

mod cron;
mod error;
mod fs;
mod jsfs;
mod net;
mod vm;
// After `vm`: its `#[napi] impl JsVm` needs `JsVm`'s JS name registered first.
mod permissions;
mod session;
mod shell;

use std::future::Future;

use napi::bindgen_prelude::*;

use crate::sidecar::Sidecar;

/// Run `fut` on the sidecar's runtime and settle a promise with its result, converted on the JS
/// thread by `done`. Errors become JS errors with `code`; a panic becomes
/// `ERR_AGENT_OS_INTERNAL` and never crosses into JS.
pub(crate) fn promise<'env, T, V, F, D>(
    env: &'env Env,
    fut: F,
    done: D,
) -> napi::Result<Object<'env>>
where
    T: Send + 'static,
    V: ToNapiValue + 'static,
    F: Future<Output = crate::Result<T>> + Send + 'static,
    D: FnOnce(&Env, T) -> napi::Result<V> + Send + 'static,
{
    let sidecar = Sidecar::default_sidecar().map_err(|e| error::to_js(env, &e))?;
    let (deferred, promise) = env.create_deferred()?;
    let task = sidecar.runtime().spawn(fut);
    sidecar.runtime().spawn(async move {
        let result = task.await.unwrap_or_else(|join| {
            Err(crate::Error::api(
                crate::ApiCode::Internal,
                format!("agentOS internal error: {join}"),
            ))
        });
        deferred.resolve(move |env: Env| match result {
            Ok(v) => done(&env, v),
            Err(e) => Err(error::to_js(&env, &e)),
        });
    });
    Ok(promise)
}
