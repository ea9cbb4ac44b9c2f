//! `uniq [-cdDuiz] [-f N] [-s N] [-w N] [INPUT [OUTPUT]]`: report or omit repeated lines.

use bytes::Bytes;

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, OpenMode, ProgramFuture};
use crate::kernel::errno::Errno;

/// Commands in this file.
pub const NAMES: &[&str] = &["uniq"];

const SPEC: OptSpec = OptSpec {
    flags: "cdDuiz",
    with_arg: "fsw",
    long: &[
        ("count", false, 'c'),
        ("repeated", false, 'd'),
        ("all-repeated", false, 'D'),
        ("unique", false, 'u'),
        ("ignore-case", false, 'i'),
        ("zero-terminated", false, 'z'),
        ("skip-fields", true, 'f'),
        ("skip-chars", true, 's'),
        ("check-chars", true, 'w'),
    ],
};

/// The part of a line that is compared.
fn key(line: &[u8], fields: usize, chars: usize, width: Option<usize>) -> &[u8] {
    let mut p = 0;
    for _ in 0..fields {
        while p < line.len() && (line[p] == b' ' || line[p] == b'\t') {
            p += 1;
        }
        while p < line.len() && line[p] != b' ' && line[p] != b'\t' {
            p += 1;
        }
    }
    p = p.saturating_add(chars).min(line.len());
    let e = match width {
        Some(w) => p.saturating_add(w).min(line.len()),
        None => line.len(),
    };
    &line[p..e]
}

/// `uniq`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let mut nums = [0usize; 3];
        let mut width = None;
        for (o, v) in &p.opts {
            let v = v.as_deref().unwrap_or("");
            let (idx, what) = match o {
                'f' => (0, "invalid number of fields to skip"),
                's' => (1, "invalid number of bytes to skip"),
                'w' => (2, "invalid number of bytes to compare"),
                _ => continue,
            };
            match v.parse::<u64>() {
                Ok(n) => {
                    let n = usize::try_from(n).unwrap_or(usize::MAX);
                    nums[idx] = n;
                    if idx == 2 {
                        width = Some(n);
                    }
                }
                Err(_) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                    nums[idx] = usize::MAX;
                    if idx == 2 {
                        width = Some(usize::MAX);
                    }
                }
                Err(_) => {
                    ctx.complain(format!("{v}: {what}")).await;
                    return 1;
                }
            }
        }
        if p.operands.len() > 2 {
            return textio::usage(
                &ctx,
                &format!("extra operand {}", textio::quote_always(&p.operands[2])),
                1,
            )
            .await;
        }
        let count = p.has('c');
        let repeated = p.has('d');
        let all_rep = p.has('D');
        let unique = p.has('u');
        let icase = p.has('i');
        if count && all_rep {
            return textio::usage(
                &ctx,
                "printing all duplicated lines and repeat counts is meaningless",
                1,
            )
            .await;
        }
        let delim = if p.has('z') { 0 } else { b'\n' };
        let input = p
            .operands
            .first()
            .cloned()
            .unwrap_or_else(|| "-".to_owned());
        let data = match textio::read_input(&ctx, &input).await {
            Ok(d) => d,
            Err(Errno::EISDIR) => {
                ctx.complain(format!("error reading {}", textio::quote_always(&input)))
                    .await;
                return 1;
            }
            Err(e) => {
                ctx.complain(format!("{}: {}", textio::quote_maybe(&input), e.strerror()))
                    .await;
                return 1;
            }
        };
        let lines = textio::lines_bare(&data, delim);
        let eq = |a: &[u8], b: &[u8]| -> bool {
            let ka = key(a, nums[0], nums[1], width);
            let kb = key(b, nums[0], nums[1], width);
            if icase {
                ka.eq_ignore_ascii_case(kb)
            } else {
                ka == kb
            }
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let mut j = i + 1;
            while j < lines.len() && eq(lines[i], lines[j]) {
                j += 1;
            }
            let n = j - i;
            if all_rep {
                if n > 1 {
                    for l in &lines[i..j] {
                        out.extend_from_slice(l);
                        out.push(delim);
                    }
                }
            } else {
                let show = (n > 1 && !unique) || (n == 1 && !repeated);
                let show = show && !(repeated && unique);
                if show {
                    if count {
                        out.extend_from_slice(format!("{n:>7} ").as_bytes());
                    }
                    out.extend_from_slice(lines[i]);
                    out.push(delim);
                }
            }
            i = j;
        }
        match p.operands.get(1).filter(|o| o.as_str() != "-") {
            Some(o) => {
                let file = match ctx.open(o, OpenMode::Truncate { noclobber: false }).await {
                    Ok(f) => f,
                    Err(e) => {
                        let e = e.errno_value().unwrap_or(Errno::EIO);
                        ctx.complain(format!("{}: {}", textio::quote_maybe(o), e.strerror()))
                            .await;
                        return 1;
                    }
                };
                if let Err(e) = file.write(Bytes::from(out)).await {
                    return textio::write_error(&ctx, e).await;
                }
            }
            None => {
                if let Err(e) = ctx.out(out).await {
                    return textio::write_error(&ctx, e).await;
                }
            }
        }
        0
    })
}
