//! Crate errors as JS `Error` objects: `code`, `message`, and for kernel errors `errno`,
//! `syscall`, `path` and `dest`, the properties Node's own fs errors carry.

use napi::bindgen_prelude::*;

use crate::error::Error as CoreError;

/// Build the JS error for `e` (on the JS thread) and wrap it so napi throws or rejects with it.
pub fn to_js(env: &Env, e: &CoreError) -> napi::Error {
    match build(env, e) {
        Ok(err) => err,
        Err(fallback) => fallback,
    }
}

fn build(env: &Env, e: &CoreError) -> napi::Result<napi::Error> {
    let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, e.message()))?;
    obj.set("code", e.code())?;
    if let Some(errno) = e.errno_value() {
        obj.set("errno", -errno.number())?;
    }
    if let Some(s) = e.syscall() {
        obj.set("syscall", s)?;
    }
    if let Some(p) = e.path() {
        obj.set("path", p)?;
    }
    if let Some(d) = e.dest() {
        obj.set("dest", d)?;
    }
    Ok(napi::Error::from(obj.to_unknown()))
}

/// Convert a crate result for a synchronous napi method.
pub fn sync<T>(env: &Env, r: crate::Result<T>) -> napi::Result<T> {
    r.map_err(|e| to_js(env, &e))
}
