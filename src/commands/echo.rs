//! `echo` (also the shell builtin): arguments joined by spaces; `-n` drops the newline, `-e`
//! interprets backslash escapes, `-E` does not (the default).

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["echo"];

/// Interpret `echo -e` escapes. Returns the text and whether `\c` stopped output.
pub fn unescape(s: &str) -> (Vec<u8>, bool) {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = b[i];
        i += 1;
        match c {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'c' => return (out, true),
            b'e' | b'E' => out.push(27),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' => out.push(b'\\'),
            b'0' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'x' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 2 && i < b.len() && b[i].is_ascii_hexdigit() {
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                if n == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(v as u8);
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    (out, false)
}

/// The bytes `echo` prints for `args` (without `argv[0]`).
pub fn render(args: &[String]) -> Vec<u8> {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a.len() < 2
            || !a.starts_with('-')
            || !a[1..].chars().all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            break;
        }
        for c in a[1..].chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    for (j, a) in args[i..].iter().enumerate() {
        if j > 0 {
            out.push(b' ');
        }
        if escapes {
            let (bytes, stop) = unescape(a);
            out.extend_from_slice(&bytes);
            if stop {
                return out;
            }
        } else {
            out.extend_from_slice(a.as_bytes());
        }
    }
    if newline {
        out.push(b'\n');
    }
    out
}

/// `echo [-neE] [ARG]...`
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let out = render(&ctx.argv[1..]);
        match ctx.out(out).await {
            Ok(()) => 0,
            Err(e) => {
                ctx.complain(format!("write error: {}", e.strerror())).await;
                1
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(args: &[&str]) -> String {
        String::from_utf8(render(
            &args.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ))
        .unwrap()
    }

    #[test]
    fn options_and_escapes() {
        assert_eq!(r(&["a", "b"]), "a b\n");
        assert_eq!(r(&["-n", "a"]), "a");
        assert_eq!(r(&["-e", "a\\tb\\x41\\0101"]), "a\tbAA\n");
        assert_eq!(r(&["-e", "x\\cy"]), "x");
        assert_eq!(r(&["-a"]), "-a\n");
        assert_eq!(r(&["-n"]), "");
        assert_eq!(r(&["a\\n"]), "a\\n\n");
    }
}
