//! `head [-n [-]NUM] [-c [-]NUM] [-qvz] [-NUM] [FILE]...`: the first part of files.

use super::cmd_textio::{self as textio, Out};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::process::{FileObj, OpenFile};

/// Commands in this file.
pub const NAMES: &[&str] = &["head"];

const SPEC: OptSpec = OptSpec {
    flags: "qvz",
    with_arg: "nc",
    long: &[
        ("lines", true, 'n'),
        ("bytes", true, 'c'),
        ("quiet", false, 'q'),
        ("silent", false, 'q'),
        ("verbose", false, 'v'),
        ("zero-terminated", false, 'z'),
    ],
};

/// How much to print.
#[derive(Clone, Copy)]
struct Count {
    bytes: bool,
    /// All but the last `n`.
    all_but: bool,
    n: u64,
}

/// Parse a count such as `5`, `-5`, `2K`.
fn parse_count(s: &str, bytes: bool) -> Result<Count, String> {
    textio::parse_count(s, bytes, '-').map(|(all_but, n)| Count { bytes, all_but, n })
}

/// Print the head of one open file.
/// With `precise`, no byte past the last one printed is consumed (standard input that is a
/// regular file shares its offset with the shell, as after GNU `head`'s `lseek`).
async fn head_file(
    out: &mut Out<'_>,
    file: &OpenFile,
    c: Count,
    delim: u8,
    precise: bool,
) -> Result<(), Errno> {
    if c.all_but {
        let data = textio::read_file(file).await?;
        let end = if c.bytes {
            data.len()
                .saturating_sub(usize::try_from(c.n).unwrap_or(usize::MAX))
        } else {
            let ls = textio::lines(&data, delim);
            let keep = ls
                .len()
                .saturating_sub(usize::try_from(c.n).unwrap_or(usize::MAX));
            ls[..keep].iter().map(|l| l.len()).sum()
        };
        return out.put(&data[..end]).await;
    }
    let mut left = c.n;
    while left > 0 {
        let want = if !precise {
            textio::CHUNK
        } else if c.bytes {
            usize::try_from(left)
                .unwrap_or(textio::CHUNK)
                .min(textio::CHUNK)
        } else {
            1
        };
        let chunk = file.read(want).await?;
        if chunk.is_empty() {
            break;
        }
        if c.bytes {
            let take = usize::try_from(left).unwrap_or(usize::MAX).min(chunk.len());
            out.put(&chunk[..take]).await?;
            left -= take as u64;
        } else {
            let mut end = chunk.len();
            for (i, &b) in chunk.iter().enumerate() {
                if b == delim {
                    left -= 1;
                    if left == 0 {
                        end = i + 1;
                        break;
                    }
                }
            }
            out.put(&chunk[..end]).await?;
        }
    }
    Ok(())
}

/// `head`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        // `-NUM[bkmlcq...]`, the obsolete form, is taken out first.
        let mut count = Count {
            bytes: false,
            all_but: false,
            n: 10,
        };
        let mut args = Vec::new();
        let mut obsolete: Option<Count> = None;
        for (i, a) in ctx.argv[1..].iter().enumerate() {
            if i == 0
                && a.len() > 1
                && a.starts_with('-')
                && a[1..].starts_with(|c: char| c.is_ascii_digit())
            {
                let body = &a[1..];
                let end = body
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(body.len());
                let n: u64 = body[..end].parse().unwrap_or(u64::MAX);
                let mut c = Count {
                    bytes: false,
                    all_but: false,
                    n,
                };
                for ch in body[end..].chars() {
                    match ch {
                        'c' => c.bytes = true,
                        'l' => c.bytes = false,
                        'b' => c.n = c.n.saturating_mul(512),
                        'k' => c.n = c.n.saturating_mul(1024),
                        'm' => c.n = c.n.saturating_mul(1 << 20),
                        'q' | 'v' | 'z' => args.push(format!("-{ch}")),
                        _ => {
                            return textio::usage(
                                &ctx,
                                &format!("invalid trailing option -- {ch}"),
                                1,
                            )
                            .await;
                        }
                    }
                }
                obsolete = Some(c);
                continue;
            }
            args.push(a.clone());
        }
        let name = ctx.name().to_owned();
        let p = match super::util::parse(&name, &args, &SPEC, false) {
            Ok(p) => p,
            Err(msg) => {
                ctx.complain(msg).await;
                return 1;
            }
        };
        if let Some(c) = obsolete {
            count = c;
        }
        for (o, v) in &p.opts {
            if let ('n' | 'c', Some(v)) = (o, v) {
                match parse_count(v, *o == 'c') {
                    Ok(c) => count = c,
                    Err(m) => {
                        ctx.complain(m).await;
                        return 1;
                    }
                }
            }
        }
        let mut verbose: Option<bool> = None;
        for (o, _) in &p.opts {
            match o {
                'q' => verbose = Some(false),
                'v' => verbose = Some(true),
                _ => {}
            }
        }
        let delim = if p.has('z') { 0 } else { b'\n' };
        let files = textio::operands_or_stdin(&p.operands);
        let headers = verbose.unwrap_or(files.len() > 1);
        let mut out = Out::new(&ctx);
        let mut status = 0;
        let mut first = true;
        for f in &files {
            let file = match textio::open_input(&ctx, f).await {
                Ok(file) => file,
                Err(e) => {
                    ctx.complain(format!(
                        "cannot open {} for reading: {}",
                        textio::quote_always(f),
                        e.strerror()
                    ))
                    .await;
                    status = 1;
                    continue;
                }
            };
            if headers {
                let shown = if f == "-" {
                    "standard input"
                } else {
                    f.as_str()
                };
                let h = format!("{}==> {shown} <==\n", if first { "" } else { "\n" });
                if let Err(e) = out.put(h.as_bytes()).await {
                    return textio::write_error(&ctx, e).await;
                }
            }
            first = false;
            let precise = f == "-" && matches!(file.obj(), FileObj::File { .. });
            if let Err(e) = head_file(&mut out, &file, count, delim, precise).await {
                if out.failed {
                    return textio::write_error(&ctx, e).await;
                }
                let _ = out.flush().await;
                let shown = if f == "-" {
                    "standard input"
                } else {
                    f.as_str()
                };
                ctx.complain(format!(
                    "error reading {}: {}",
                    textio::quote_always(shown),
                    e.strerror()
                ))
                .await;
                status = 1;
            }
        }
        if let Err(e) = out.flush().await {
            return textio::write_error(&ctx, e).await;
        }
        status
    })
}
