//! `nl [-b STYLE] [-n FORMAT] [-w WIDTH] [-s SEP] [-v START] [-i INCR] [FILE]...`: number lines.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["nl"];

const SPEC: OptSpec = OptSpec {
    flags: "p",
    with_arg: "bhfnwsvidl",
    long: &[
        ("body-numbering", true, 'b'),
        ("header-numbering", true, 'h'),
        ("footer-numbering", true, 'f'),
        ("number-format", true, 'n'),
        ("number-width", true, 'w'),
        ("number-separator", true, 's'),
        ("starting-line-number", true, 'v'),
        ("line-increment", true, 'i'),
        ("section-delimiter", true, 'd'),
        ("join-blank-lines", true, 'l'),
        ("no-renumber", false, 'p'),
    ],
};

/// Which lines get numbers.
enum Style {
    All,
    NonEmpty,
    None,
    Regex(regex::bytes::Regex),
}

/// `nl`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let style = match p.value('b').unwrap_or("t") {
            "a" => Style::All,
            "t" => Style::NonEmpty,
            "n" => Style::None,
            s if s.starts_with('p') => match regex::bytes::Regex::new(&s[1..]) {
                Ok(r) => Style::Regex(r),
                Err(_) => {
                    ctx.complain(format!(
                        "invalid body numbering style: {}",
                        textio::quote_always(s)
                    ))
                    .await;
                    return 1;
                }
            },
            s => {
                return textio::usage(
                    &ctx,
                    &format!("invalid body numbering style: {}", textio::quote_always(s)),
                    1,
                )
                .await;
            }
        };
        let fmt = p.value('n').unwrap_or("rn").to_owned();
        if !matches!(fmt.as_str(), "ln" | "rn" | "rz") {
            return textio::usage(
                &ctx,
                &format!(
                    "invalid line numbering format: {}",
                    textio::quote_always(&fmt)
                ),
                1,
            )
            .await;
        }
        let num = |c: char, what: &str, def: i64, min: i64| -> Result<i64, String> {
            match p.value(c) {
                None => Ok(def),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if n >= min => Ok(n),
                    _ => Err(format!("invalid {what}: {}", textio::quote_always(v))),
                },
            }
        };
        let (width, start, incr) = match (
            num('w', "line number field width", 6, 1),
            num('v', "starting line number", 1, i64::MIN),
            num('i', "line number increment", 1, i64::MIN),
        ) {
            (Ok(w), Ok(s), Ok(i)) => (usize::try_from(w).unwrap_or(6).min(1 << 16), s, i),
            (Err(m), _, _) | (_, Err(m), _) | (_, _, Err(m)) => {
                ctx.complain(m).await;
                return 1;
            }
        };
        let sep = p.value('s').unwrap_or("\t").to_owned();
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let mut n = start;
        let mut out = Vec::new();
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
            for line in textio::lines(&data, b'\n') {
                let body = line.strip_suffix(b"\n").unwrap_or(line);
                let numbered = match &style {
                    Style::All => true,
                    Style::NonEmpty => !body.is_empty(),
                    Style::None => false,
                    Style::Regex(r) => r.is_match(body),
                };
                if numbered {
                    let s = match fmt.as_str() {
                        "ln" => format!("{n:<width$}"),
                        "rz" => {
                            if n < 0 {
                                format!("-{:0>w$}", -n, w = width.saturating_sub(1))
                            } else {
                                format!("{n:0>width$}")
                            }
                        }
                        _ => format!("{n:>width$}"),
                    };
                    out.extend_from_slice(s.as_bytes());
                    out.extend_from_slice(sep.as_bytes());
                    n = n.saturating_add(incr);
                } else {
                    out.extend(std::iter::repeat_n(b' ', width + sep.len()));
                }
                out.extend_from_slice(line);
            }
        }
        if let Err(e) = ctx.out(out).await {
            return textio::write_error(&ctx, e).await;
        }
        status
    })
}
