//! `fold [-b] [-s] [-w WIDTH] [FILE]...`: wrap input lines to a width.

use super::cmd_textio::{self as textio, Out};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["fold"];

const SPEC: OptSpec = OptSpec {
    flags: "bs",
    with_arg: "w",
    long: &[
        ("bytes", false, 'b'),
        ("spaces", false, 's'),
        ("width", true, 'w'),
    ],
};

fn advance(col: usize, c: u8, bytes: bool) -> usize {
    if bytes {
        return col + 1;
    }
    match c {
        b'\t' => col + 8 - col % 8,
        8 => col.saturating_sub(1),
        b'\r' => 0,
        _ => col + 1,
    }
}

/// Fold one line (without its newline).
fn fold_line(line: &[u8], width: usize, bytes: bool, spaces: bool, out: &mut Vec<u8>) {
    let mut cur: Vec<u8> = Vec::new();
    let mut col = 0;
    for &c in line {
        let next = advance(col, c, bytes);
        if next > width && !cur.is_empty() {
            if spaces {
                if let Some(pos) = cur.iter().rposition(|&b| b == b' ' || b == b'\t') {
                    let rest = cur.split_off(pos + 1);
                    out.extend_from_slice(&cur);
                    out.push(b'\n');
                    cur = rest;
                    col = cur.iter().fold(0, |a, &b| advance(a, b, bytes));
                    let next = advance(col, c, bytes);
                    if next <= width {
                        cur.push(c);
                        col = next;
                        continue;
                    }
                }
            }
            if !cur.is_empty() {
                out.extend_from_slice(&cur);
                out.push(b'\n');
                cur.clear();
            }
            col = 0;
        }
        cur.push(c);
        col = advance(col, c, bytes);
    }
    out.extend_from_slice(&cur);
}

/// `fold`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        // `-NUM` means `-w NUM`.
        let mut args = Vec::new();
        for a in &ctx.argv[1..] {
            if a.len() > 1 && a.starts_with('-') && a[1..].bytes().all(|b| b.is_ascii_digit()) {
                args.push(format!("-w{}", &a[1..]));
            } else {
                args.push(a.clone());
            }
        }
        let name = ctx.name().to_owned();
        let p = match super::util::parse(&name, &args, &SPEC, false) {
            Ok(p) => p,
            Err(m) => {
                ctx.complain(m).await;
                return 1;
            }
        };
        let mut width = 80usize;
        if let Some(w) = p.value('w') {
            match w.parse::<usize>() {
                Ok(0) => {
                    ctx.complain(format!(
                        "invalid number of columns: '{w}': Numerical result out of range"
                    ))
                    .await;
                    return 1;
                }
                Ok(n) => width = n,
                Err(_) => {
                    ctx.complain(format!("invalid number of columns: '{w}'"))
                        .await;
                    return 1;
                }
            }
        }
        let (bytes, spaces) = (p.has('b'), p.has('s'));
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
                    ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                        .await;
                    status = 1;
                    continue;
                }
            };
            for line in textio::lines(&data, b'\n') {
                let (body, nl) = match line.strip_suffix(b"\n") {
                    Some(b) => (b, true),
                    None => (line, false),
                };
                let mut o = Vec::new();
                fold_line(body, width, bytes, spaces, &mut o);
                if nl {
                    o.push(b'\n');
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
