//! `base64 [-d] [-i] [-w COLS] [FILE]`: encode or decode base64.

use base64::Engine as _;

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["base64"];

const SPEC: OptSpec = OptSpec {
    flags: "di",
    with_arg: "w",
    long: &[
        ("decode", false, 'd'),
        ("ignore-garbage", false, 'i'),
        ("wrap", true, 'w'),
    ],
};

fn val(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decode as GNU does: the output up to the first error, and whether the input was valid.
fn decode(data: &[u8], ignore: bool) -> (Vec<u8>, bool) {
    let chars: Vec<u8> = data
        .iter()
        .copied()
        .filter(|&c| c != b'\n')
        .filter(|&c| !ignore || val(c).is_some() || c == b'=')
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let group = &chars[i..(i + 4).min(chars.len())];
        let mut vals = Vec::new();
        let mut pad = 0;
        for (k, &c) in group.iter().enumerate() {
            if c == b'=' {
                if k < 2 {
                    return (out, false);
                }
                pad += 1;
            } else if pad > 0 {
                return (out, false);
            } else {
                match val(c) {
                    Some(v) => vals.push(v),
                    None => {
                        flush(&vals, &mut out);
                        return (out, false);
                    }
                }
            }
        }
        if group.len() < 4 {
            flush(&vals, &mut out);
            return (out, false);
        }
        flush(&vals, &mut out);
        i += 4;
        if pad > 0 && i < chars.len() {
            return (out, false);
        }
    }
    (out, true)
}

/// Append the bytes that 2 to 4 sextets encode.
fn flush(vals: &[u8], out: &mut Vec<u8>) {
    if vals.len() >= 2 {
        out.push(vals[0] << 2 | vals[1] >> 4);
    }
    if vals.len() >= 3 {
        out.push(vals[1] << 4 | vals[2] >> 2);
    }
    if vals.len() >= 4 {
        out.push(vals[2] << 6 | vals[3]);
    }
}

/// `base64`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let mut wrap = 76usize;
        if let Some(w) = p.value('w') {
            match w.parse::<u64>() {
                Ok(n) => wrap = usize::try_from(n).unwrap_or(usize::MAX),
                Err(_) => {
                    ctx.complain(format!("invalid wrap size: {}", textio::quote_always(w)))
                        .await;
                    return 1;
                }
            }
        }
        if p.operands.len() > 1 {
            return textio::usage(
                &ctx,
                &format!("extra operand {}", textio::quote_always(&p.operands[1])),
                1,
            )
            .await;
        }
        let f = p
            .operands
            .first()
            .cloned()
            .unwrap_or_else(|| "-".to_owned());
        let data = match textio::read_input(&ctx, &f).await {
            Ok(d) => d,
            Err(crate::kernel::errno::Errno::EISDIR) => {
                ctx.complain("read error: Is a directory").await;
                return 1;
            }
            Err(e) => {
                ctx.complain(format!("{}: {}", textio::quote_maybe(&f), e.strerror()))
                    .await;
                return 1;
            }
        };
        if p.has('d') {
            let (out, ok) = decode(&data, p.has('i'));
            if let Err(e) = ctx.out(out).await {
                return textio::write_error(&ctx, e).await;
            }
            if !ok {
                ctx.complain("invalid input").await;
                return 1;
            }
            return 0;
        }
        let enc = base64::engine::general_purpose::STANDARD.encode(&data);
        let mut out = Vec::with_capacity(enc.len() + enc.len() / 76 + 2);
        if wrap == 0 {
            out.extend_from_slice(enc.as_bytes());
        } else {
            for chunk in enc.as_bytes().chunks(wrap) {
                out.extend_from_slice(chunk);
                out.push(b'\n');
            }
        }
        match ctx.out(out).await {
            Ok(()) => 0,
            Err(e) => textio::write_error(&ctx, e).await,
        }
    })
}
