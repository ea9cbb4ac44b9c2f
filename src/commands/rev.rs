//! `rev [FILE]...`: reverse the characters of each line (util-linux).

use super::cmd_textio::{self as textio, Out};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["rev"];

const SPEC: OptSpec = OptSpec {
    flags: "0",
    with_arg: "",
    long: &[("zero", false, '0')],
};

/// `rev`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let delim = if p.has('0') { 0 } else { b'\n' };
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let mut out = Out::new(&ctx);
        let mut status = 0;
        for f in &files {
            let data = match textio::read_input(&ctx, f).await {
                Ok(d) => d,
                Err(e) => {
                    let _ = out.flush().await;
                    ctx.complain(format!("cannot open {f}: {}", e.strerror()))
                        .await;
                    status = 1;
                    continue;
                }
            };
            for line in textio::lines(&data, delim) {
                let (body, end) = match line.strip_suffix(&[delim]) {
                    Some(b) => (b, true),
                    None => (line, false),
                };
                let text = String::from_utf8_lossy(body);
                let mut o: Vec<u8> = if text.contains('\u{fffd}') {
                    body.iter().rev().copied().collect()
                } else {
                    text.chars().rev().collect::<String>().into_bytes()
                };
                if end {
                    o.push(delim);
                }
                if let Err(e) = out.put(&o).await {
                    return textio::write_error(&ctx, e).await;
                }
            }
        }
        if let Err(e) = out.flush().await {
            return textio::write_error(&ctx, e).await;
        }
        status
    })
}
