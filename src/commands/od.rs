//! `od [-A RADIX] [-t TYPE]... [-abcdiloxsv] [-j SKIP] [-N COUNT] [-w WIDTH] [FILE]...`:
//! dump files in octal and other formats.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["od"];

const SPEC: OptSpec = OptSpec {
    flags: "abcdfilosxvDOX",
    with_arg: "AtjNwS",
    long: &[
        ("address-radix", true, 'A'),
        ("format", true, 't'),
        ("skip-bytes", true, 'j'),
        ("read-bytes", true, 'N'),
        ("width", true, 'w'),
        ("output-duplicates", false, 'v'),
        ("strings", true, 'S'),
    ],
};

/// One output format.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Named,
    Char,
    Signed,
    Unsigned,
    Octal,
    Hex,
    Float,
}

#[derive(Clone, Copy, Debug)]
struct Fmt {
    kind: Kind,
    size: usize,
    /// `z` suffix: the printable characters after the line (`>...<`).
    dump: bool,
}

impl Fmt {
    /// Characters per field, including the leading space.
    fn width(&self) -> usize {
        match (self.kind, self.size) {
            (Kind::Named | Kind::Char, _) => 4,
            (Kind::Octal, 1) => 4,
            (Kind::Octal, 2) => 7,
            (Kind::Octal, 4) => 12,
            (Kind::Octal, _) => 23,
            (Kind::Hex, s) => 2 * s + 1,
            (Kind::Unsigned, 1) => 4,
            (Kind::Unsigned, 2) => 6,
            (Kind::Unsigned, 4) => 11,
            (Kind::Unsigned, _) => 21,
            (Kind::Signed, 1) => 5,
            (Kind::Signed, 2) => 7,
            (Kind::Signed, 4) => 12,
            (Kind::Signed, _) => 21,
            (Kind::Float, 4) => 16,
            (Kind::Float, _) => 25,
        }
    }

    fn render(&self, b: &[u8]) -> String {
        let mut v: u64 = 0;
        for (i, &x) in b.iter().enumerate().take(8) {
            v |= u64::from(x) << (8 * i);
        }
        let w = self.width() - 1;
        match self.kind {
            Kind::Char => {
                let c = b[0];
                let s = match c {
                    0 => "\\0".to_owned(),
                    7 => "\\a".to_owned(),
                    8 => "\\b".to_owned(),
                    12 => "\\f".to_owned(),
                    b'\n' => "\\n".to_owned(),
                    b'\r' => "\\r".to_owned(),
                    b'\t' => "\\t".to_owned(),
                    11 => "\\v".to_owned(),
                    0x20..=0x7e => (c as char).to_string(),
                    _ => format!("{c:03o}"),
                };
                format!("{s:>w$}")
            }
            Kind::Named => {
                const NAMES: [&str; 33] = [
                    "nul", "soh", "stx", "etx", "eot", "enq", "ack", "bel", "bs", "ht", "nl", "vt",
                    "ff", "cr", "so", "si", "dle", "dc1", "dc2", "dc3", "dc4", "nak", "syn", "etb",
                    "can", "em", "sub", "esc", "fs", "gs", "rs", "us", "sp",
                ];
                let c = b[0] & 0x7f;
                let s = if c <= 32 {
                    NAMES[usize::from(c)].to_owned()
                } else if c == 127 {
                    "del".to_owned()
                } else {
                    (c as char).to_string()
                };
                format!("{s:>w$}")
            }
            Kind::Octal => format!("{v:0w$o}"),
            Kind::Hex => format!("{v:0w$x}"),
            Kind::Unsigned => format!("{v:>w$}"),
            Kind::Signed => {
                let bits = 8 * self.size;
                let s = if bits >= 64 {
                    v as i64
                } else {
                    ((v << (64 - bits)) as i64) >> (64 - bits)
                };
                format!("{s:>w$}")
            }
            Kind::Float => {
                let f = if self.size == 4 {
                    f64::from(f32::from_bits(u32::try_from(v & 0xffff_ffff).unwrap_or(0)))
                } else {
                    f64::from_bits(v)
                };
                format!("{:>w$}", format!("{f:e}"))
            }
        }
    }
}

/// Parse a `-t` type string into formats.
fn parse_type(s: &str) -> Result<Vec<Fmt>, String> {
    let mut out = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        let kind = match b[i] {
            'a' => Kind::Named,
            'c' => Kind::Char,
            'd' => Kind::Signed,
            'u' => Kind::Unsigned,
            'o' => Kind::Octal,
            'x' => Kind::Hex,
            'f' => Kind::Float,
            c => return Err(format!("invalid character '{c}' in type string '{s}'")),
        };
        i += 1;
        let mut size = match kind {
            Kind::Named | Kind::Char => 1,
            Kind::Float => 8,
            _ => 4,
        };
        if matches!(
            kind,
            Kind::Signed | Kind::Unsigned | Kind::Octal | Kind::Hex | Kind::Float
        ) && i < b.len()
        {
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i > st {
                let n: usize = b[st..i].iter().collect::<String>().parse().unwrap_or(0);
                let ok = if kind == Kind::Float {
                    matches!(n, 4 | 8)
                } else {
                    matches!(n, 1 | 2 | 4 | 8)
                };
                if !ok {
                    return Err(format!("invalid type string '{s}';\nthis system doesn't provide a {n}-byte {} type", if kind == Kind::Float { "floating point" } else { "integral" }));
                }
                size = n;
            } else if i < b.len() {
                let named = match (kind, b[i]) {
                    (Kind::Float, 'F') => Some(4),
                    (Kind::Float, 'D' | 'L') => Some(8),
                    (_, 'C') => Some(1),
                    (_, 'S') => Some(2),
                    (_, 'I') => Some(4),
                    (_, 'L') => Some(8),
                    _ => None,
                };
                if let Some(n) = named {
                    size = n;
                    i += 1;
                }
            }
        }
        let dump = i < b.len() && b[i] == 'z';
        if dump {
            i += 1;
        }
        out.push(Fmt { kind, size, dump });
    }
    Ok(out)
}

fn parse_num(s: &str) -> Option<u64> {
    let (body, mult) = match s.chars().last()? {
        'b' if !s.starts_with("0x") => (&s[..s.len() - 1], 512),
        'k' | 'K' => (&s[..s.len() - 1], 1024),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        _ => (s, 1),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse().ok()?
    };
    v.checked_mul(mult)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// `od`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let mut fmts: Vec<Fmt> = Vec::new();
        let mut radix = 'o';
        let mut skip = 0u64;
        let mut count: Option<u64> = None;
        let mut width = 16usize;
        for (o, v) in &p.opts {
            let v = v.as_deref().unwrap_or("");
            let add = |k, s| Fmt {
                kind: k,
                size: s,
                dump: false,
            };
            match o {
                't' => match parse_type(v) {
                    Ok(f) => fmts.extend(f),
                    Err(m) => {
                        ctx.complain(m).await;
                        return 1;
                    }
                },
                'a' => fmts.push(add(Kind::Named, 1)),
                'b' => fmts.push(add(Kind::Octal, 1)),
                'c' => fmts.push(add(Kind::Char, 1)),
                'd' => fmts.push(add(Kind::Unsigned, 2)),
                'D' => fmts.push(add(Kind::Unsigned, 4)),
                'i' => fmts.push(add(Kind::Signed, 4)),
                'l' => fmts.push(add(Kind::Signed, 8)),
                'o' => fmts.push(add(Kind::Octal, 2)),
                'O' => fmts.push(add(Kind::Octal, 4)),
                's' => fmts.push(add(Kind::Signed, 2)),
                'x' => fmts.push(add(Kind::Hex, 2)),
                'X' => fmts.push(add(Kind::Hex, 4)),
                'f' => fmts.push(add(Kind::Float, 4)),
                'A' => match v {
                    "d" | "o" | "x" | "n" => radix = v.chars().next().unwrap_or('o'),
                    _ => {
                        ctx.complain(format!("invalid output address radix '{v}'; it must be one character from [doxn]")).await;
                        return 1;
                    }
                },
                'j' | 'N' => match parse_num(v) {
                    Some(n) => {
                        if *o == 'j' {
                            skip = n;
                        } else {
                            count = Some(n);
                        }
                    }
                    None => {
                        ctx.complain(format!(
                            "invalid {} argument {}",
                            if *o == 'j' {
                                "--skip-bytes"
                            } else {
                                "--read-bytes"
                            },
                            textio::quote_always(v)
                        ))
                        .await;
                        return 1;
                    }
                },
                'w' => match v.parse::<usize>() {
                    Ok(n) if n > 0 => width = n,
                    _ => {
                        ctx.complain(format!(
                            "invalid --width argument {}",
                            textio::quote_always(v)
                        ))
                        .await;
                        return 1;
                    }
                },
                _ => {}
            }
        }
        if fmts.is_empty() {
            fmts.push(Fmt {
                kind: Kind::Octal,
                size: 2,
                dump: false,
            });
        }
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let mut data = Vec::new();
        let mut status = 0;
        let mut any_ok = false;
        for f in &files {
            match textio::read_input(&ctx, f).await {
                Ok(d) => {
                    any_ok = true;
                    data.extend_from_slice(&d);
                }
                Err(e) => {
                    ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                        .await;
                    status = 1;
                }
            }
        }
        if !any_ok {
            return status;
        }
        let start = usize::try_from(skip).unwrap_or(usize::MAX);
        if start > data.len() {
            ctx.complain("cannot skip past end of combined input").await;
            return 1;
        }
        let mut data = data.split_off(start);
        if let Some(n) = count {
            data.truncate(usize::try_from(n).unwrap_or(usize::MAX));
        }
        // Width must be a multiple of every size.
        let lcm = fmts.iter().fold(1, |a, f| a / gcd(a, f.size) * f.size);
        if width % lcm != 0 {
            width = lcm.max(width / lcm * lcm);
        }
        let block_w: Vec<usize> = fmts.iter().map(|f| f.width() * (lcm / f.size)).collect();
        let max_block = block_w.iter().copied().max().unwrap_or(0);
        let addr = |off: usize| -> String {
            match radix {
                'd' => format!("{off:07}"),
                'x' => format!("{off:06x}"),
                'n' => String::new(),
                _ => format!("{off:07o}"),
            }
        };
        let addr_w = addr(0).len();
        let mut out = String::new();
        let mut prev: Option<&[u8]> = None;
        let mut starred = false;
        let mut off = 0;
        while off < data.len() {
            let line = &data[off..off.saturating_add(width).min(data.len())];
            if !p.has('v') && line.len() == width && prev == Some(line) {
                if !starred {
                    out.push_str("*\n");
                    starred = true;
                }
                off = off.saturating_add(width);
                continue;
            }
            starred = false;
            prev = Some(line);
            for (fi, f) in fmts.iter().enumerate() {
                if fi == 0 {
                    out.push_str(&addr(off + start));
                } else {
                    out.push_str(&" ".repeat(addr_w));
                }
                let n = lcm / f.size;
                let pad = max_block - block_w[fi];
                let mut k = 0;
                while k * f.size < line.len() {
                    let mut chunk = line[k * f.size..((k + 1) * f.size).min(line.len())].to_vec();
                    chunk.resize(f.size, 0);
                    let j = k % n;
                    let extra = pad * (j + 1) / n - pad * j / n;
                    out.push_str(&" ".repeat(extra + 1));
                    out.push_str(&f.render(&chunk));
                    k += 1;
                }
                if f.dump {
                    let full = width / lcm * max_block;
                    let done = k / n * max_block + (k % n) * (max_block / n);
                    out.push_str(&" ".repeat(full.saturating_sub(done)));
                    out.push_str("  >");
                    out.extend(line.iter().map(|&c| {
                        if (0x20..0x7f).contains(&c) {
                            c as char
                        } else {
                            '.'
                        }
                    }));
                    out.push('<');
                }
                out.push('\n');
            }
            off = off.saturating_add(width);
        }
        if radix != 'n' {
            out.push_str(&addr(data.len() + start));
            out.push('\n');
        }
        if let Err(e) = ctx.out(out).await {
            return textio::write_error(&ctx, e).await;
        }
        status
    })
}
