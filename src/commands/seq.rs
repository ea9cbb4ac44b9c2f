//! `seq [-s SEP] [-w] [-f FORMAT] [FIRST [INCREMENT]] LAST`: print a sequence of numbers.

use super::cmd_textio::{self as textio, Out};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["seq"];

const SPEC: OptSpec = OptSpec {
    flags: "w",
    with_arg: "sf",
    long: &[
        ("separator", true, 's'),
        ("equal-width", false, 'w'),
        ("format", true, 'f'),
    ],
};

/// A parsed operand: its value, digits after the point, and whether it is an integer.
struct Num {
    v: f64,
    prec: usize,
    int: Option<i128>,
}

fn parse_num(s: &str) -> Option<Num> {
    let t = s.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.eq_ignore_ascii_case("nan") || t.starts_with("0x") || t.starts_with("0X") {
        return None;
    }
    let v: f64 = if t.eq_ignore_ascii_case("inf") || t.eq_ignore_ascii_case("infinity") {
        f64::INFINITY
    } else if t.eq_ignore_ascii_case("-inf") || t.eq_ignore_ascii_case("-infinity") {
        f64::NEG_INFINITY
    } else {
        if !t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'e' | b'E' | b'+'))
        {
            return None;
        }
        t.parse().ok()?
    };
    let lower = t.to_ascii_lowercase();
    let (mant, exp) = match lower.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (lower.as_str(), 0),
    };
    let frac = mant.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    let prec = usize::try_from((frac - exp).max(0)).unwrap_or(0);
    let int = if !t.contains(['.', 'e', 'E']) {
        t.parse::<i128>().ok()
    } else {
        None
    };
    Some(Num { v, prec, int })
}

/// `seq`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, true, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let sep = p.value('s').unwrap_or("\n").to_owned();
        let fmt = p.value('f').map(str::to_owned);
        let width_eq = p.has('w');
        if fmt.is_some() && width_eq {
            ctx.complain("format string may not be specified when printing equal width strings\nTry 'seq --help' for more information.").await;
            return 1;
        }
        let ops = &p.operands;
        if ops.is_empty() {
            return textio::usage(&ctx, "missing operand", 1).await;
        }
        if ops.len() > 3 {
            return textio::usage(
                &ctx,
                &format!("extra operand {}", textio::quote_always(&ops[3])),
                1,
            )
            .await;
        }
        let mut nums = Vec::new();
        for o in ops {
            match parse_num(o) {
                Some(n) => nums.push(n),
                None => {
                    return textio::usage(
                        &ctx,
                        &format!(
                            "invalid floating point argument: {}",
                            textio::quote_always(o)
                        ),
                        1,
                    )
                    .await;
                }
            }
        }
        let one = || Num {
            v: 1.0,
            prec: 0,
            int: Some(1),
        };
        let (first, inc, last) = match nums.len() {
            1 => (one(), one(), nums.remove(0)),
            2 => {
                let l = nums.remove(1);
                (nums.remove(0), one(), l)
            }
            _ => {
                let l = nums.remove(2);
                let i = nums.remove(1);
                (nums.remove(0), i, l)
            }
        };
        if inc.v == 0.0 {
            let s = &ops[1];
            return textio::usage(
                &ctx,
                &format!("invalid Zero increment value: {}", textio::quote_always(s)),
                1,
            )
            .await;
        }
        let prec = first.prec.max(inc.prec);
        let render = |v: f64, i: Option<i128>| -> String {
            if let Some(i) = i {
                return i.to_string();
            }
            let s = format!("{v:.prec$}");
            if s == "-0" {
                "0".to_owned()
            } else {
                s
            }
        };
        let all_int = first.int.is_some() && inc.int.is_some() && last.int.is_some();
        let width = if width_eq {
            let lp = if all_int {
                render(last.v, last.int)
            } else {
                format!("{:.prec$}", last.v)
            };
            render(first.v, if all_int { first.int } else { None })
                .len()
                .max(lp.len())
        } else {
            0
        };
        let pad = |s: String| -> String {
            if s.len() >= width {
                return s;
            }
            match s.strip_prefix('-') {
                Some(r) => format!("-{}{r}", "0".repeat(width - s.len())),
                None => format!("{}{s}", "0".repeat(width - s.len())),
            }
        };
        let mut out = Out::new(&ctx);
        let mut first_item = true;
        let mut i: u64 = 0;
        loop {
            let (v, iv) = if all_int {
                let (Some(f), Some(s)) = (first.int, inc.int) else {
                    break;
                };
                let Some(x) = i128::from(i).checked_mul(s).and_then(|m| m.checked_add(f)) else {
                    break;
                };
                (x as f64, Some(x))
            } else {
                (first.v + i as f64 * inc.v, None)
            };
            let done = match (iv, last.int) {
                (Some(x), Some(l)) => {
                    if inc.v > 0.0 {
                        x > l
                    } else {
                        x < l
                    }
                }
                _ => {
                    if inc.v > 0.0 {
                        v > last.v
                    } else {
                        v < last.v
                    }
                }
            };
            if done || !v.is_finite() && i > 0 {
                break;
            }
            let text = match &fmt {
                Some(f) => {
                    let arg = if let Some(x) = iv {
                        x.to_string()
                    } else {
                        format!("{v}")
                    };
                    String::from_utf8_lossy(&super::printf_format(f, &[arg]).0).into_owned()
                }
                None => pad(render(v, iv)),
            };
            let mut item = Vec::new();
            if !first_item {
                item.extend_from_slice(sep.as_bytes());
            }
            first_item = false;
            item.extend_from_slice(text.as_bytes());
            if let Err(e) = out.put(&item).await {
                return textio::write_error(&ctx, e).await;
            }
            i += 1;
        }
        if !first_item {
            if let Err(e) = out.put(b"\n").await {
                return textio::write_error(&ctx, e).await;
            }
        }
        if let Err(e) = out.flush().await {
            return textio::write_error(&ctx, e).await;
        }
        0
    })
}
