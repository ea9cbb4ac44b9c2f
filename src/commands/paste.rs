//! `paste [-s] [-d LIST] [FILE]...`: merge lines of files.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["paste"];

const SPEC: OptSpec = OptSpec {
    flags: "sz",
    with_arg: "d",
    long: &[
        ("serial", false, 's'),
        ("delimiters", true, 'd'),
        ("zero-terminated", false, 'z'),
    ],
};

/// The delimiter list (`None`: the empty delimiter `\0`).
fn delims(s: &str) -> Vec<Option<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            out.push(match b[i + 1] {
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                b'\\' => Some(b'\\'),
                b'0' => None,
                c => Some(c),
            });
            i += 2;
        } else {
            out.push(Some(b[i]));
            i += 1;
        }
    }
    out
}

/// `paste`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let d = p.value('d').map_or_else(|| vec![Some(b'\t')], delims);
        let eol = if p.has('z') { 0 } else { b'\n' };
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        // Standard input named several times is read in turns, a line at a time.
        let mut stdin_lines: Option<Vec<Vec<u8>>> = None;
        let mut contents: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut stdin_users = Vec::new();
        for (i, f) in files.iter().enumerate() {
            if f == "-" {
                if stdin_lines.is_none() {
                    let data = textio::read_input(&ctx, "-").await.unwrap_or_default();
                    stdin_lines = Some(
                        textio::lines_bare(&data, eol)
                            .into_iter()
                            .map(<[u8]>::to_vec)
                            .collect(),
                    );
                }
                stdin_users.push(i);
                contents.push(Vec::new());
                continue;
            }
            match textio::read_input(&ctx, f).await {
                Ok(data) => contents.push(
                    textio::lines_bare(&data, eol)
                        .into_iter()
                        .map(<[u8]>::to_vec)
                        .collect(),
                ),
                Err(e) => {
                    ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                        .await;
                    return 1;
                }
            }
        }
        if let Some(lines) = stdin_lines {
            if p.has('s') {
                if let Some(&first) = stdin_users.first() {
                    contents[first] = lines;
                }
            } else {
                for (k, line) in lines.into_iter().enumerate() {
                    let who = stdin_users[k % stdin_users.len()];
                    contents[who].push(line);
                }
            }
        }
        let mut out = Vec::new();
        let put_delim = |out: &mut Vec<u8>, k: usize| {
            if !d.is_empty() {
                if let Some(c) = d[k % d.len()] {
                    out.push(c);
                }
            }
        };
        if p.has('s') {
            for (i, lines) in contents.iter().enumerate() {
                if files[i] == "-" && stdin_users.first().is_none_or(|f| *f != i) {
                    continue;
                }
                for (k, l) in lines.iter().enumerate() {
                    if k > 0 {
                        put_delim(&mut out, k - 1);
                    }
                    out.extend_from_slice(l);
                }
                out.push(eol);
            }
        } else {
            let rows = contents.iter().map(Vec::len).max().unwrap_or(0);
            for r in 0..rows {
                for (i, lines) in contents.iter().enumerate() {
                    if i > 0 {
                        put_delim(&mut out, i - 1);
                    }
                    if let Some(l) = lines.get(r) {
                        out.extend_from_slice(l);
                    }
                }
                out.push(eol);
            }
        }
        match ctx.out(out).await {
            Ok(()) => 0,
            Err(e) => textio::write_error(&ctx, e).await,
        }
    })
}
