//! `cut -b LIST | -c LIST | -f LIST [-d DELIM] [-s] [--complement] [--output-delimiter S]
//! [FILE]...`: print selected parts of lines.

use super::cmd_textio::{self as textio, Out};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["cut"];

const SPEC: OptSpec = OptSpec {
    flags: "snz",
    with_arg: "bcfdO",
    long: &[
        ("bytes", true, 'b'),
        ("characters", true, 'c'),
        ("fields", true, 'f'),
        ("delimiter", true, 'd'),
        ("only-delimited", false, 's'),
        ("complement", false, 'C'),
        ("output-delimiter", true, 'O'),
        ("zero-terminated", false, 'z'),
    ],
};

/// Parse a LIST into sorted, merged 1-based inclusive ranges (`usize::MAX`: to the end).
fn parse_list(s: &str, fields: bool) -> Result<Vec<(usize, usize)>, String> {
    let mut out = Vec::new();
    let zero = if fields {
        "fields are numbered from 1"
    } else {
        "byte/character positions are numbered from 1"
    };
    let bad = |v: &str| {
        if fields {
            format!("invalid field value {}", textio::quote_always(v))
        } else {
            format!(
                "invalid byte/character position {}",
                textio::quote_always(v)
            )
        }
    };
    for part in s.split([',', ' ']) {
        if part.is_empty() {
            return Err(zero.to_owned());
        }
        let num = |v: &str| -> Result<usize, String> {
            if !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(v));
            }
            let n: usize = v.parse().unwrap_or(usize::MAX);
            if n == 0 {
                return Err(zero.to_owned());
            }
            Ok(n)
        };
        match part.split_once('-') {
            Some(("", "")) => return Err("invalid range with no endpoint: -".to_owned()),
            Some((a, b)) => {
                let lo = if a.is_empty() { 1 } else { num(a)? };
                let hi = if b.is_empty() { usize::MAX } else { num(b)? };
                if hi < lo {
                    return Err("invalid decreasing range".to_owned());
                }
                out.push((lo, hi));
            }
            None => {
                let n = num(part)?;
                out.push((n, n));
            }
        }
    }
    out.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (lo, hi) in out {
        if let Some(last) = merged.last_mut() {
            if lo <= last.1.saturating_add(1) {
                last.1 = last.1.max(hi);
                continue;
            }
        }
        merged.push((lo, hi));
    }
    Ok(merged)
}

fn selected(ranges: &[(usize, usize)], i: usize, complement: bool) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= i && i <= hi) != complement
}

/// `cut`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let mut mode: Option<(char, String)> = None;
        for (o, v) in &p.opts {
            if matches!(o, 'b' | 'c' | 'f') {
                if mode.is_some() {
                    return textio::usage(&ctx, "only one list may be specified", 1).await;
                }
                mode = Some((*o, v.clone().unwrap_or_default()));
            }
        }
        let Some((mode, list)) = mode else {
            return textio::usage(
                &ctx,
                "you must specify a list of bytes, characters, or fields",
                1,
            )
            .await;
        };
        let fields = mode == 'f';
        let delim = match p.value('d') {
            Some(d) if d.len() > 1 => {
                return textio::usage(&ctx, "the delimiter must be a single character", 1).await;
            }
            Some(d) => d.as_bytes().first().copied().unwrap_or(0),
            None => b'\t',
        };
        if !fields && p.has('d') {
            return textio::usage(
                &ctx,
                "an input delimiter may be specified only when operating on fields",
                1,
            )
            .await;
        }
        if !fields && p.has('s') {
            return textio::usage(
                &ctx,
                "suppressing non-delimited lines makes sense\n\tonly when operating on fields",
                1,
            )
            .await;
        }
        let ranges = match parse_list(&list, fields) {
            Ok(r) => r,
            Err(m) => return textio::usage(&ctx, &m, 1).await,
        };
        let complement = p.has('C');
        let only_delim = p.has('s');
        let out_delim: Option<Vec<u8>> = p.value('O').map(|s| s.as_bytes().to_vec());
        let eol = if p.has('z') { 0 } else { b'\n' };
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
                    ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                        .await;
                    status = 1;
                    continue;
                }
            };
            for line in textio::lines_bare(&data, eol) {
                let mut o: Vec<u8> = Vec::new();
                if fields {
                    if !line.contains(&delim) {
                        if only_delim {
                            continue;
                        }
                        o.extend_from_slice(line);
                    } else {
                        let od = out_delim.clone().unwrap_or_else(|| vec![delim]);
                        let mut first = true;
                        for (i, fld) in line.split(|&b| b == delim).enumerate() {
                            if selected(&ranges, i + 1, complement) {
                                if !first {
                                    o.extend_from_slice(&od);
                                }
                                first = false;
                                o.extend_from_slice(fld);
                            }
                        }
                    }
                } else {
                    let mut prev: Option<usize> = None;
                    for (i, &b) in line.iter().enumerate() {
                        if selected(&ranges, i + 1, complement) {
                            if let (Some(od), Some(pv)) = (&out_delim, prev) {
                                if pv + 1 != i {
                                    o.extend_from_slice(od);
                                }
                            }
                            o.push(b);
                            prev = Some(i);
                        }
                    }
                }
                o.push(eol);
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
