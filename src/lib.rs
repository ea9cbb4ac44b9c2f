//! agentOS core: an operating system for AI agents inside the host's Node.js process.
//!
//! `api` is the napi binding (the only place `#[napi]` appears); everything else is plain Rust:
//! `sidecar` owns the process-global runtime, `vm` one VM's lifecycle and limits, `kernel` the
//! VM's kernel state.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod commands;
pub mod cron;
pub mod error;
#[cfg(feature = "js")]
pub mod js;
pub mod kernel;
pub mod mounts;
pub mod net;
pub mod permissions;
pub mod sessions;
pub mod shell;
pub mod sidecar;
pub mod vm;

pub use error::{ApiCode, Error, ErrorKind, Result};

/// Parse a number as the shell does (decimal, `0x` hex, leading-zero octal, `BASE#digits`).
pub(crate) fn shell_number(s: &str) -> Option<i64> {
    shell::parse_number(s)
}
