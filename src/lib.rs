//! agentOS core: an operating system for AI agents inside the host's Node.js process.
//!
//! `api` is the napi binding (the only place `#[napi]` appears); everything else is plain Rust:
//! `sidecar` owns the process-global runtime, `vm` one VM's lifecycle and limits, `kernel` the
//! VM's kernel state.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod error;
pub mod kernel;
pub mod sidecar;
pub mod vm;

pub use error::{ApiCode, Error, ErrorKind, Result};
