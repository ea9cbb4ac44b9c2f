//! `comm [-123] [--check-order] [--output-delimiter=S] FILE1 FILE2`: compare sorted files.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["comm"];

const SPEC: OptSpec = OptSpec {
    flags: "123z",
    with_arg: "",
    long: &[
        ("check-order", false, 'c'),
        ("nocheck-order", false, 'n'),
        ("output-delimiter", true, 'o'),
        ("total", false, 't'),
        ("zero-terminated", false, 'z'),
    ],
};

/// `comm`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let eol = if p.has('z') { 0 } else { b'\n' };
        let data = match textio::two_inputs(&ctx, &p.operands).await {
            Ok(d) => d,
            Err(code) => return code,
        };
        let a = textio::lines_bare(&data[0], eol);
        let b = textio::lines_bare(&data[1], eol);
        let show = [!p.has('1'), !p.has('2'), !p.has('3')];
        let delim = p.value('o').unwrap_or("\t").as_bytes().to_vec();
        let check = p.has('c');
        let nocheck = p.has('n');
        let mut out = Vec::new();
        let mut counts = [0u64; 3];
        let (mut i, mut j) = (0, 0);
        let mut unsorted = [false, false];
        let mut status = 0;
        let emit = |out: &mut Vec<u8>, col: usize, line: &[u8]| {
            if !show[col] {
                return;
            }
            for shown in show.iter().take(col) {
                if *shown {
                    out.extend_from_slice(&delim);
                }
            }
            out.extend_from_slice(line);
            out.push(eol);
        };
        while i < a.len() || j < b.len() {
            let ord = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (col, file, idx) = match ord {
                std::cmp::Ordering::Less => (0, 0, i),
                std::cmp::Ordering::Greater => (1, 1, j),
                std::cmp::Ordering::Equal => (2, 0, i),
            };
            let lines = if file == 0 { &a } else { &b };
            if idx > 0 && lines[idx - 1] > lines[idx] && !nocheck && !unsorted[file] {
                unsorted[file] = true;
                let _ = ctx.out(std::mem::take(&mut out)).await;
                ctx.complain(format!("file {} is not in sorted order", file + 1))
                    .await;
                status = 1;
                if check {
                    return 1;
                }
            }
            if col == 2 && j > 0 && b[j - 1] > b[j] && !nocheck && !unsorted[1] {
                unsorted[1] = true;
                let _ = ctx.out(std::mem::take(&mut out)).await;
                ctx.complain("file 2 is not in sorted order").await;
                status = 1;
                if check {
                    return 1;
                }
            }
            emit(&mut out, col, lines[idx]);
            counts[col] += 1;
            match ord {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                }
            }
        }
        if p.has('t') {
            let d = String::from_utf8_lossy(&delim).into_owned();
            out.extend_from_slice(
                format!("{}{d}{}{d}{}{d}total", counts[0], counts[1], counts[2]).as_bytes(),
            );
            out.push(eol);
        }
        if let Err(e) = ctx.out(out).await {
            return textio::write_error(&ctx, e).await;
        }
        if status != 0 {
            ctx.complain("input is not in sorted order").await;
        }
        status
    })
}
