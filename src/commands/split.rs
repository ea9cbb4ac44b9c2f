//! `split [-l N | -b SIZE | -n CHUNKS] [-a LEN] [-d|-x] [--additional-suffix=S] [--verbose]
//! [FILE [PREFIX]]`: split a file into pieces.

use bytes::Bytes;

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, OpenMode, ProgramFuture};
use crate::kernel::errno::Errno;

/// Commands in this file.
pub const NAMES: &[&str] = &["split"];

const SPEC: OptSpec = OptSpec {
    flags: "dxe",
    with_arg: "lbnaC",
    long: &[
        ("lines", true, 'l'),
        ("bytes", true, 'b'),
        ("number", true, 'n'),
        ("suffix-length", true, 'a'),
        ("numeric-suffixes", false, 'd'),
        ("hex-suffixes", false, 'x'),
        ("additional-suffix", true, 'S'),
        ("verbose", false, 'v'),
        ("elide-empty-files", false, 'e'),
        ("line-bytes", true, 'C'),
    ],
};

/// The suffix of piece `i`, or `None` when the suffixes are exhausted.
fn suffix(mut i: usize, len: usize, digits: Option<u32>) -> Option<String> {
    let base = digits.map_or(26, |d| d as usize);
    let mut out = vec![0u8; len];
    for slot in out.iter_mut().rev() {
        let d = i % base;
        i /= base;
        *slot = match digits {
            None => b'a' + u8::try_from(d).unwrap_or(0),
            Some(_) => b"0123456789abcdef"[d],
        };
    }
    if i > 0 {
        return None;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// `split`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        enum Mode {
            Lines(usize),
            Bytes(usize),
            Chunks(usize),
            LineBytes(usize),
        }
        let mut mode = Mode::Lines(1000);
        let mut suffix_len = 2usize;
        for (o, v) in &p.opts {
            let v = v.as_deref().unwrap_or("");
            let parsed = textio::parse_size(v).and_then(|n| usize::try_from(n).ok());
            match (o, parsed) {
                ('l', Some(n)) if n > 0 => mode = Mode::Lines(n),
                ('b', Some(n)) if n > 0 => mode = Mode::Bytes(n),
                ('C', Some(n)) if n > 0 => mode = Mode::LineBytes(n),
                ('n', Some(n)) if n > 0 => mode = Mode::Chunks(n),
                ('a', _) => match v.parse::<usize>() {
                    Ok(n) if n > 0 => suffix_len = n,
                    _ => {
                        ctx.complain(format!(
                            "invalid suffix length: {}",
                            textio::quote_always(v)
                        ))
                        .await;
                        return 1;
                    }
                },
                ('l' | 'b' | 'C' | 'n', x) => {
                    let what = match o {
                        'l' => "number of lines",
                        'n' => "number of chunks",
                        _ => "number of bytes",
                    };
                    let tail = if x == Some(0) {
                        ": Numerical result out of range"
                    } else {
                        ""
                    };
                    ctx.complain(format!("invalid {what}: {}{tail}", textio::quote_always(v)))
                        .await;
                    return 1;
                }
                _ => {}
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
        let input = p
            .operands
            .first()
            .cloned()
            .unwrap_or_else(|| "-".to_owned());
        let prefix = p.operands.get(1).cloned().unwrap_or_else(|| "x".to_owned());
        let digits = if p.has('x') {
            Some(16)
        } else if p.has('d') {
            Some(10)
        } else {
            None
        };
        let extra = p.value('S').unwrap_or("").to_owned();
        let data = match textio::read_input(&ctx, &input).await {
            Ok(d) => d,
            Err(e) => {
                ctx.complain(format!(
                    "cannot open {} for reading: {}",
                    textio::quote_always(&input),
                    e.strerror()
                ))
                .await;
                return 1;
            }
        };
        let mut pieces: Vec<&[u8]> = Vec::new();
        match mode {
            Mode::Lines(n) => {
                let ls = textio::lines(&data, b'\n');
                for group in ls.chunks(n) {
                    let len: usize = group.iter().map(|l| l.len()).sum();
                    let start = group
                        .first()
                        .map_or(0, |l| l.as_ptr() as usize - data.as_ptr() as usize);
                    pieces.push(&data[start..start + len]);
                }
            }
            Mode::Bytes(n) => pieces.extend(data.chunks(n)),
            Mode::LineBytes(n) => {
                let mut start = 0;
                while start < data.len() {
                    let end = (start + n).min(data.len());
                    let cut = if end == data.len() {
                        end
                    } else {
                        data[start..end]
                            .iter()
                            .rposition(|&b| b == b'\n')
                            .map_or(end, |i| start + i + 1)
                    };
                    pieces.push(&data[start..cut]);
                    start = cut;
                }
            }
            Mode::Chunks(k) => {
                let size = data.len() / k;
                for i in 0..k {
                    let s = i * size;
                    let e = if i + 1 == k { data.len() } else { s + size };
                    pieces.push(&data[s..e]);
                }
            }
        }
        if p.has('e') {
            pieces.retain(|x| !x.is_empty());
        }
        for (i, piece) in pieces.iter().enumerate() {
            let Some(suf) = suffix(i, suffix_len, digits) else {
                ctx.complain("output file suffixes exhausted").await;
                return 1;
            };
            let name = format!("{prefix}{suf}{extra}");
            if p.has('v')
                && ctx
                    .out(format!("creating file {}\n", textio::quote_always(&name)))
                    .await
                    .is_err()
            {
                return 1;
            }
            let file = match ctx
                .open(&name, OpenMode::Truncate { noclobber: false })
                .await
            {
                Ok(f) => f,
                Err(e) => {
                    let e = e.errno_value().unwrap_or(Errno::EIO);
                    ctx.complain(format!("{}: {}", textio::quote_maybe(&name), e.strerror()))
                        .await;
                    return 1;
                }
            };
            if let Err(e) = file.write(Bytes::copy_from_slice(piece)).await {
                ctx.complain(format!("{}: {}", textio::quote_maybe(&name), e.strerror()))
                    .await;
                return 1;
            }
        }
        0
    })
}
