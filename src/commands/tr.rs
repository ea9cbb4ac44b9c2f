//! `tr [-cdst] SET1 [SET2]`: translate, squeeze and delete bytes (C locale).

use super::cmd_textio::{self as textio, Out};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["tr"];

const SPEC: OptSpec = OptSpec {
    flags: "cCdst",
    with_arg: "",
    long: &[
        ("complement", false, 'c'),
        ("delete", false, 'd'),
        ("squeeze-repeats", false, 's'),
        ("truncate-set1", false, 't'),
    ],
};

/// One parsed element of a set.
enum Item {
    Byte(u8),
    Class(&'static str, Vec<u8>),
    /// `[c*n]` (0: fill).
    Repeat(u8, usize),
}

fn class(name: &str) -> Option<(&'static str, Vec<u8>)> {
    let all = 0u8..=255;
    let (n, v): (&'static str, Vec<u8>) = match name {
        "alnum" => ("alnum", all.filter(u8::is_ascii_alphanumeric).collect()),
        "alpha" => ("alpha", all.filter(u8::is_ascii_alphabetic).collect()),
        "blank" => ("blank", vec![b'\t', b' ']),
        "cntrl" => ("cntrl", all.filter(u8::is_ascii_control).collect()),
        "digit" => ("digit", (b'0'..=b'9').collect()),
        "graph" => ("graph", all.filter(u8::is_ascii_graphic).collect()),
        "lower" => ("lower", (b'a'..=b'z').collect()),
        "print" => ("print", (0x20..0x7f).collect()),
        "punct" => ("punct", all.filter(u8::is_ascii_punctuation).collect()),
        "space" => ("space", vec![b'\t', b'\n', 0x0b, 0x0c, b'\r', b' ']),
        "upper" => ("upper", (b'A'..=b'Z').collect()),
        "xdigit" => ("xdigit", all.filter(u8::is_ascii_hexdigit).collect()),
        _ => return None,
    };
    Some((n, v))
}

/// Decode one possibly escaped byte at `i`; returns it and the next index.
fn esc(b: &[u8], i: usize) -> (u8, usize) {
    if b[i] != b'\\' || i + 1 >= b.len() {
        return (b[i], i + 1);
    }
    let c = b[i + 1];
    match c {
        b'0'..=b'7' => {
            let mut v: u32 = 0;
            let mut j = i + 1;
            while j < b.len() && j < i + 4 && (b'0'..=b'7').contains(&b[j]) {
                let nv = v * 8 + u32::from(b[j] - b'0');
                if nv > 255 {
                    break;
                }
                v = nv;
                j += 1;
            }
            (u8::try_from(v).unwrap_or(255), j)
        }
        b'a' => (7, i + 2),
        b'b' => (8, i + 2),
        b'f' => (12, i + 2),
        b'n' => (b'\n', i + 2),
        b'r' => (b'\r', i + 2),
        b't' => (b'\t', i + 2),
        b'v' => (11, i + 2),
        _ => (c, i + 2),
    }
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_set(s: &str) -> Result<Vec<Item>, String> {
    let b = s.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'[' && i + 1 < b.len() {
            if b[i + 1] == b':' {
                if let Some(end) = find(&b[i + 2..], b":]") {
                    let name = &String::from_utf8_lossy(&b[i + 2..i + 2 + end]).into_owned();
                    match class(name) {
                        Some((n, v)) => {
                            items.push(Item::Class(n, v));
                            i += end + 4;
                            continue;
                        }
                        None => {
                            return Err(format!(
                                "invalid character class {}",
                                textio::quote_always(name)
                            ))
                        }
                    }
                }
            } else if b[i + 1] == b'=' {
                if let Some(end) = find(&b[i + 2..], b"=]") {
                    let inner = &b[i + 2..i + 2 + end];
                    if !inner.is_empty() {
                        let (c, _) = esc(inner, 0);
                        items.push(Item::Byte(c));
                        i += end + 4;
                        continue;
                    }
                }
            } else {
                // [c*n]
                let (c, j) = esc(b, i + 1);
                if j < b.len() && b[j] == b'*' {
                    if let Some(close) = b[j..].iter().position(|&x| x == b']') {
                        let num = &String::from_utf8_lossy(&b[j + 1..j + close]).into_owned();
                        let n = if num.is_empty() {
                            Some(0)
                        } else if num.starts_with('0') {
                            usize::from_str_radix(num, 8).ok()
                        } else {
                            num.parse().ok()
                        };
                        match n {
                            Some(n) => {
                                items.push(Item::Repeat(c, n));
                                i = j + close + 1;
                                continue;
                            }
                            None => {
                                return Err(format!(
                                    "invalid repeat count {} in [c*n] construct",
                                    textio::quote_always(num)
                                ));
                            }
                        }
                    }
                }
            }
        }
        let (c, j) = esc(b, i);
        if j < b.len() && b[j] == b'-' && j + 1 < b.len() {
            let (hi, k) = esc(b, j + 1);
            if hi < c {
                return Err(format!(
                    "range-endpoints of '{}' are in reverse collating sequence order",
                    String::from_utf8_lossy(&b[i..k])
                ));
            }
            for x in c..=hi {
                items.push(Item::Byte(x));
            }
            i = k;
            continue;
        }
        items.push(Item::Byte(c));
        i = j;
    }
    Ok(items)
}

/// Expand a set to bytes; `fill_to` sizes a `[c*]` repeat.
fn expand(items: &[Item], fill_to: usize) -> Vec<u8> {
    let fixed: usize = items
        .iter()
        .map(|it| match it {
            Item::Byte(_) => 1,
            Item::Class(_, v) => v.len(),
            Item::Repeat(_, n) => *n,
        })
        .sum();
    let mut out = Vec::new();
    let mut filled = false;
    for it in items {
        match it {
            Item::Byte(c) => out.push(*c),
            Item::Class(_, v) => out.extend_from_slice(v),
            Item::Repeat(c, 0) if !filled => {
                filled = true;
                out.extend(std::iter::repeat_n(*c, fill_to.saturating_sub(fixed)));
            }
            Item::Repeat(c, n) => out.extend(std::iter::repeat_n(*c, (*n).min(1 << 20))),
        }
    }
    out
}

/// `tr`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let comp = p.has('c') || p.has('C');
        let del = p.has('d');
        let sq = p.has('s');
        let trunc = p.has('t');
        let ops = &p.operands;
        if ops.is_empty() {
            return textio::usage(&ctx, "missing operand", 1).await;
        }
        let translating = !del && ops.len() >= 2;
        let max_ops = if del && sq || translating || (!del && !sq) {
            2
        } else {
            1
        };
        if !del && !sq && ops.len() < 2 {
            return textio::usage(
                &ctx,
                &format!(
                    "missing operand after {}\nTwo strings must be given when translating.",
                    textio::quote_always(&ops[0])
                ),
                1,
            )
            .await;
        }
        if del && sq && ops.len() < 2 {
            return textio::usage(
                &ctx,
                &format!("missing operand after {}\nTwo strings must be given when both deleting and squeezing repeats.", textio::quote_always(&ops[0])),
                1,
            )
            .await;
        }
        if ops.len() > max_ops {
            let extra = textio::quote_always(&ops[max_ops]);
            let msg = if del && !sq {
                format!("extra operand {extra}\nOnly one string may be given when deleting without squeezing repeats.")
            } else {
                format!("extra operand {extra}")
            };
            return textio::usage(&ctx, &msg, 1).await;
        }
        let s1 = match parse_set(&ops[0]) {
            Ok(s) => s,
            Err(m) => {
                ctx.complain(m).await;
                return 1;
            }
        };
        let s2 = match ops.get(1).map(|s| parse_set(s)).transpose() {
            Ok(s) => s,
            Err(m) => {
                ctx.complain(m).await;
                return 1;
            }
        };
        let mut set1 = expand(&s1, 0);
        if comp {
            let mut inset = [false; 256];
            for &c in &set1 {
                inset[usize::from(c)] = true;
            }
            set1 = (0u8..=255).filter(|c| !inset[usize::from(*c)]).collect();
        }
        let mut in1 = [false; 256];
        for &c in &set1 {
            in1[usize::from(c)] = true;
        }
        let mut map: [u8; 256] = [0; 256];
        for (i, m) in map.iter_mut().enumerate() {
            *m = u8::try_from(i).unwrap_or(0);
        }
        let mut sqset = [false; 256];
        if translating {
            let Some(s2) = &s2 else { return 1 };
            // Case classes in SET2 must line up with the same class in SET1.
            for it in s2 {
                if let Item::Class(n, _) = it {
                    if !matches!(*n, "upper" | "lower") {
                        ctx.complain("when translating, the only character classes that may appear in\nstring2 are 'upper' and 'lower'").await;
                        return 1;
                    }
                    if !s1
                        .iter()
                        .any(|i| matches!(i, Item::Class("upper" | "lower", _)))
                    {
                        ctx.complain("misaligned [:upper:] and/or [:lower:] construct")
                            .await;
                        return 1;
                    }
                }
            }
            let mut set2 = expand(s2, set1.len());
            if set2.is_empty() && !set1.is_empty() && !trunc {
                ctx.complain("when not truncating set1, string2 must be non-empty")
                    .await;
                return 1;
            }
            if trunc {
                set1.truncate(set2.len());
            } else if let Some(&last) = set2.last() {
                while set2.len() < set1.len() {
                    set2.push(last);
                }
            }
            for (a, b) in set1.iter().zip(set2.iter()) {
                map[usize::from(*a)] = *b;
            }
            if sq {
                for &c in &set2 {
                    sqset[usize::from(c)] = true;
                }
            }
        } else if sq {
            let src: Vec<u8> = if del {
                s2.as_ref().map(|s| expand(s, 0)).unwrap_or_default()
            } else {
                set1.clone()
            };
            for c in src {
                sqset[usize::from(c)] = true;
            }
        }
        let mut out = Out::new(&ctx);
        let mut last: Option<u8> = None;
        loop {
            let chunk = match ctx.read(0, textio::CHUNK).await {
                Ok(c) if c.is_empty() => break,
                Ok(c) => c,
                Err(e) => {
                    ctx.complain(format!("read error: {}", e.strerror())).await;
                    return 1;
                }
            };
            let mut o = Vec::with_capacity(chunk.len());
            for &b in chunk.iter() {
                if del && in1[usize::from(b)] {
                    continue;
                }
                let c = if translating { map[usize::from(b)] } else { b };
                if sq && sqset[usize::from(c)] && last == Some(c) {
                    continue;
                }
                last = Some(c);
                o.push(c);
            }
            if let Err(e) = out.put(&o).await {
                return textio::write_error(&ctx, e).await;
            }
        }
        if let Err(e) = out.flush().await {
            return textio::write_error(&ctx, e).await;
        }
        0
    })
}
