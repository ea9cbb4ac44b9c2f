//! `printf FORMAT [ARG]...` (also the shell builtin).

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["printf"];

/// Format `args` with `fmt` as bash's `printf` does. Returns the output and any error
/// messages (`ARG: invalid number`); errors make the exit status 1.
pub fn format(fmt: &str, args: &[String]) -> (Vec<u8>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut ai = 0usize;
    loop {
        let start_ai = ai;
        let (stop, used) = format_once(fmt, args, &mut ai, &mut out, &mut errors);
        if stop || !used || ai >= args.len() || ai == start_ai {
            break;
        }
    }
    (out, errors)
}

fn next_arg<'a>(args: &'a [String], ai: &mut usize) -> Option<&'a str> {
    let a = args.get(*ai).map(String::as_str);
    if a.is_some() {
        *ai += 1;
    }
    a
}

fn parse_int(s: &str, errors: &mut Vec<String>) -> i64 {
    let t = s.trim_start();
    if let Some(c) = t.strip_prefix('\'').or_else(|| t.strip_prefix('"')) {
        return c.chars().next().map_or(0, |c| c as i64);
    }
    if t.is_empty() {
        return 0;
    }
    match super::super::shell_number(t) {
        Some(v) => v,
        None => {
            // Leading digits are used; the rest is an error.
            errors.push(format!("{s}: invalid number"));
            let digits: String = t
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            digits.parse().unwrap_or(0)
        }
    }
}

fn parse_float(s: &str, errors: &mut Vec<String>) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    t.parse().unwrap_or_else(|_| {
        errors.push(format!("{s}: invalid number"));
        0.0
    })
}

fn pad(s: &str, width: Option<usize>, left: bool, zero: bool) -> String {
    let len = s.chars().count();
    match width {
        Some(w) if w > len => {
            let fill = w - len;
            if left {
                format!("{s}{}", " ".repeat(fill))
            } else if zero {
                let (sign, digits) = if s.starts_with('-') || s.starts_with('+') {
                    s.split_at(1)
                } else {
                    ("", s)
                };
                format!("{sign}{}{digits}", "0".repeat(fill))
            } else {
                format!("{}{s}", " ".repeat(fill))
            }
        }
        _ => s.to_owned(),
    }
}

fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c) {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}

/// One pass over the format. Returns (stop output (`\c`), whether any conversion used args).
fn format_once(
    fmt: &str,
    args: &[String],
    ai: &mut usize,
    out: &mut Vec<u8>,
    errors: &mut Vec<String>,
) -> (bool, bool) {
    let b: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut used = false;
    while i < b.len() {
        let c = b[i];
        if c == '\\' {
            let (bytes, adv, stop) = escape_at(&b, i);
            out.extend_from_slice(&bytes);
            if stop {
                return (true, used);
            }
            i += adv;
            continue;
        }
        if c != '%' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&'%') {
            out.push(b'%');
            i += 2;
            continue;
        }
        // %[flags][width][.precision]conv
        let mut j = i + 1;
        let (mut left, mut zero, mut plus, mut space, mut alt) =
            (false, false, false, false, false);
        while j < b.len() && "-0+ #".contains(b[j]) {
            match b[j] {
                '-' => left = true,
                '0' => zero = true,
                '+' => plus = true,
                ' ' => space = true,
                _ => alt = true,
            }
            j += 1;
        }
        let mut width: Option<usize> = None;
        if b.get(j) == Some(&'*') {
            used = true;
            let w = parse_int(next_arg(args, ai).unwrap_or("0"), errors);
            if w < 0 {
                left = true;
            }
            width = Some(w.unsigned_abs() as usize);
            j += 1;
        } else {
            let s: String = b[j..].iter().take_while(|c| c.is_ascii_digit()).collect();
            j += s.len();
            width = s.parse().ok().or(width);
        }
        let mut prec: Option<usize> = None;
        if b.get(j) == Some(&'.') {
            j += 1;
            if b.get(j) == Some(&'*') {
                used = true;
                prec = Some(parse_int(next_arg(args, ai).unwrap_or("0"), errors).max(0) as usize);
                j += 1;
            } else {
                let s: String = b[j..].iter().take_while(|c| c.is_ascii_digit()).collect();
                j += s.len();
                prec = Some(s.parse().unwrap_or(0));
            }
        }
        // Length modifiers are accepted and ignored.
        while j < b.len() && "hlLjzt".contains(b[j]) {
            j += 1;
        }
        let Some(&conv) = b.get(j) else {
            out.extend(b[i..].iter().collect::<String>().bytes());
            break;
        };
        i = j + 1;
        let arg = if "sbqdiouxXcfeEgGaA".contains(conv) {
            used = true;
            next_arg(args, ai)
        } else {
            None
        };
        let text = match conv {
            's' => {
                let mut s = arg.unwrap_or("").to_owned();
                if let Some(p) = prec {
                    s = s.chars().take(p).collect();
                }
                pad(&s, width, left, false)
            }
            'b' => {
                let (bytes, stop) = super::echo_unescape(arg.unwrap_or(""));
                let s = String::from_utf8_lossy(&bytes).into_owned();
                out.extend_from_slice(pad(&s, width, left, false).as_bytes());
                if stop {
                    return (true, used);
                }
                continue;
            }
            'q' => pad(&shell_quote(arg.unwrap_or("")), width, left, false),
            'c' => pad(
                &arg.unwrap_or("")
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default(),
                width,
                left,
                false,
            ),
            'd' | 'i' => {
                let v = parse_int(arg.unwrap_or("0"), errors);
                let mut s = v.abs().to_string();
                if let Some(p) = prec {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                let sign = if v < 0 {
                    "-"
                } else if plus {
                    "+"
                } else if space {
                    " "
                } else {
                    ""
                };
                pad(&format!("{sign}{s}"), width, left, zero && prec.is_none())
            }
            'u' | 'o' | 'x' | 'X' => {
                let v = parse_int(arg.unwrap_or("0"), errors) as u64;
                let mut s = match conv {
                    'o' => format!("{v:o}"),
                    'x' => format!("{v:x}"),
                    'X' => format!("{v:X}"),
                    _ => v.to_string(),
                };
                if let Some(p) = prec {
                    while s.len() < p {
                        s.insert(0, '0');
                    }
                }
                if alt && v != 0 {
                    s = match conv {
                        'o' => format!("0{s}"),
                        'x' => format!("0x{s}"),
                        'X' => format!("0X{s}"),
                        _ => s,
                    };
                }
                pad(&s, width, left, zero && prec.is_none())
            }
            'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'a' | 'A' => {
                let v = parse_float(arg.unwrap_or("0"), errors);
                let p = prec.unwrap_or(6);
                let mut s = match conv {
                    'e' | 'E' => c_exp(v, p, conv == 'E'),
                    'g' | 'G' => c_g(v, p, alt, conv == 'G'),
                    _ => format!("{v:.p$}"),
                };
                if v >= 0.0 && plus {
                    s.insert(0, '+');
                } else if v >= 0.0 && space {
                    s.insert(0, ' ');
                }
                pad(&s, width, left, zero)
            }
            other => {
                errors.push(format!("%{other}: invalid directive"));
                String::new()
            }
        };
        out.extend_from_slice(text.as_bytes());
    }
    (false, used)
}

fn c_exp(v: f64, p: usize, upper: bool) -> String {
    let s = format!("{v:.p$e}");
    // Rust prints 1.5e2; C prints 1.500000e+02.
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    let r = format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    if upper {
        r.to_uppercase()
    } else {
        r
    }
}

fn c_g(v: f64, p: usize, alt: bool, upper: bool) -> String {
    let p = p.max(1);
    if v == 0.0 {
        return "0".to_owned();
    }
    let exp = v.abs().log10().floor() as i32;
    let s = if exp < -4 || exp >= p as i32 {
        let s = c_exp(v, p - 1, upper);
        if alt {
            s
        } else {
            let (m, e) = s
                .split_once(if upper { 'E' } else { 'e' })
                .unwrap_or((&s, ""));
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            format!("{m}{}{e}", if upper { 'E' } else { 'e' })
        }
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if alt || !s.contains('.') {
            s
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
    };
    s
}

/// A backslash escape in a printf format at `i`: (bytes, chars consumed, stop).
fn escape_at(b: &[char], i: usize) -> (Vec<u8>, usize, bool) {
    let Some(&n) = b.get(i + 1) else {
        return (vec![b'\\'], 1, false);
    };
    let simple = |c: u8| (vec![c], 2, false);
    match n {
        'n' => simple(b'\n'),
        't' => simple(b'\t'),
        'r' => simple(b'\r'),
        'a' => simple(7),
        'b' => simple(8),
        'f' => simple(12),
        'v' => simple(11),
        'e' | 'E' => simple(27),
        '\\' => simple(b'\\'),
        '"' => simple(b'"'),
        '\'' => simple(b'\''),
        'c' => (vec![], 2, true),
        '0'..='7' => {
            let digits: String = b[i + 1..]
                .iter()
                .take(3)
                .take_while(|c| ('0'..='7').contains(*c))
                .collect();
            let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
            (vec![(v & 0xff) as u8], 1 + digits.len(), false)
        }
        'x' => {
            let digits: String = b[i + 2..]
                .iter()
                .take(2)
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if digits.is_empty() {
                return (b"\\x".to_vec(), 2, false);
            }
            (
                vec![u8::from_str_radix(&digits, 16).unwrap_or(0)],
                2 + digits.len(),
                false,
            )
        }
        'u' | 'U' => {
            let max = if n == 'u' { 4 } else { 8 };
            let digits: String = b[i + 2..]
                .iter()
                .take(max)
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            let ch = u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            let mut buf = [0u8; 4];
            (
                ch.encode_utf8(&mut buf).as_bytes().to_vec(),
                2 + digits.len(),
                false,
            )
        }
        other => {
            let mut v = vec![b'\\'];
            let mut buf = [0u8; 4];
            v.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            (v, 2, false)
        }
    }
}

/// `printf FORMAT [ARG]...`
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let args = &ctx.argv[1..];
        let args = if args.first().is_some_and(|a| a == "--") {
            &args[1..]
        } else {
            args
        };
        let Some(fmt) = args.first() else {
            ctx.complain("usage: printf format [arguments]").await;
            return 2;
        };
        let (bytes, errors) = format(fmt, &args[1..]);
        let write = ctx.out(bytes).await;
        for e in &errors {
            ctx.complain(e).await;
        }
        if write.is_err() {
            return 1;
        }
        i32::from(!errors.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, args: &[&str]) -> String {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        String::from_utf8(format(fmt, &a).0).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(f("%s-%d\\n", &["a", "5"]), "a-5\n");
        assert_eq!(f("[%5s|%-5s]", &["ab", "cd"]), "[   ab|cd   ]");
        assert_eq!(
            f("%x %o %X %c %%", &["255", "8", "255", "hello"]),
            "ff 10 FF h %"
        );
        assert_eq!(f("%s\\n", &["a", "b", "c"]), "a\nb\nc\n");
        assert_eq!(
            f("%05d|%.2f|%e", &["42", "3.14159", "1500"]),
            "00042|3.14|1.500000e+03"
        );
        assert_eq!(f("%b", &["a\\tb"]), "a\tb");
        assert_eq!(f("%d", &["'A"]), "65");
        assert_eq!(f("%s %s\\n", &["1"]), "1 \n");
        assert_eq!(f("%g %g", &["0.0001", "123456789"]), "0.0001 1.23457e+08");
    }
}
