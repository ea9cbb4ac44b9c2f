//! `tee [-a] [-i] [-p] [FILE]...`: copy standard input to standard output and files.

use std::sync::Arc;

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, OpenMode, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::process::{OpenFile, Signal};

/// Commands in this file.
pub const NAMES: &[&str] = &["tee"];

const SPEC: OptSpec = OptSpec {
    flags: "aip",
    with_arg: "",
    long: &[
        ("append", false, 'a'),
        ("ignore-interrupts", false, 'i'),
        ("output-error", false, 'p'),
    ],
};

/// `tee`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        if p.has('i') {
            ctx.proc.ignore(Signal::SIGINT, true);
        }
        let mode = if p.has('a') {
            OpenMode::Append
        } else {
            OpenMode::Truncate { noclobber: false }
        };
        let mut status = 0;
        let mut outs: Vec<(String, Option<Arc<OpenFile>>)> = Vec::new();
        for f in &p.operands {
            match ctx.open(f, mode).await {
                Ok(file) => outs.push((f.clone(), Some(file))),
                Err(e) => {
                    let e = e.errno_value().unwrap_or(Errno::EIO);
                    ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                        .await;
                    status = 1;
                }
            }
        }
        let mut stdout_ok = true;
        loop {
            let chunk = match ctx.read(0, textio::CHUNK).await {
                Ok(c) if c.is_empty() => break,
                Ok(c) => c,
                Err(e) => {
                    ctx.complain(format!("read error: {}", e.strerror())).await;
                    return 1;
                }
            };
            if stdout_ok {
                if let Err(e) = ctx.out(chunk.clone()).await {
                    if e == Errno::EPIPE && !p.has('p') {
                        return 1;
                    }
                    ctx.complain(format!("standard output: {}", e.strerror()))
                        .await;
                    stdout_ok = false;
                    status = 1;
                }
            }
            for (name, file) in &mut outs {
                if let Some(f) = file {
                    if let Err(e) = f.write(chunk.clone()).await {
                        ctx.complain(format!("{}: {}", textio::quote_maybe(name), e.strerror()))
                            .await;
                        *file = None;
                        status = 1;
                    }
                }
            }
            if !stdout_ok && outs.iter().all(|(_, f)| f.is_none()) {
                return status;
            }
        }
        status
    })
}
