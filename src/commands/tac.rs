//! `tac [-b] [-s SEP] [FILE]...`: concatenate and print files with their lines reversed.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;

/// Commands in this file.
pub const NAMES: &[&str] = &["tac"];

const SPEC: OptSpec = OptSpec {
    flags: "br",
    with_arg: "s",
    long: &[
        ("before", false, 'b'),
        ("regex", false, 'r'),
        ("separator", true, 's'),
    ],
};

/// Records of `data`, each with its separator (after, or before with `before`).
fn records<'a>(data: &'a [u8], sep: &[u8], before: bool) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut starts = vec![];
    let mut i = 0;
    while i + sep.len() <= data.len() {
        if &data[i..i + sep.len()] == sep {
            starts.push(i);
            i += sep.len();
        } else {
            i += 1;
        }
    }
    let mut prev = 0;
    for s in starts {
        let cut = if before { s } else { s + sep.len() };
        if cut > prev || !before {
            out.push(&data[prev..cut]);
        }
        prev = cut;
    }
    if prev < data.len() {
        out.push(&data[prev..]);
    }
    out
}

/// `tac`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let sep = p.value('s').unwrap_or("\n").as_bytes().to_vec();
        if sep.is_empty() {
            ctx.complain("separator cannot be empty").await;
            return 1;
        }
        let before = p.has('b');
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let mut status = 0;
        for f in &files {
            let data = match textio::read_input(&ctx, f).await {
                Ok(d) => d,
                Err(Errno::EISDIR) => {
                    ctx.complain(format!(
                        "{}: read error: Invalid argument",
                        textio::quote_maybe(f)
                    ))
                    .await;
                    status = 1;
                    continue;
                }
                Err(e) => {
                    ctx.complain(format!(
                        "failed to open {} for reading: {}",
                        textio::quote_always(f),
                        e.strerror()
                    ))
                    .await;
                    status = 1;
                    continue;
                }
            };
            let mut out = Vec::with_capacity(data.len());
            for r in records(&data, &sep, before).iter().rev() {
                out.extend_from_slice(r);
            }
            if let Err(e) = ctx.out(out).await {
                return textio::write_error(&ctx, e).await;
            }
        }
        status
    })
}
