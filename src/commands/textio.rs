//! Helpers shared by the text commands (head, tail, sort, ...): opening inputs, reading them
//! whole or by lines, buffered output, and GNU's quoting of file names in messages.

use std::sync::Arc;

use bytes::Bytes;

use super::{Ctx, OpenMode};
use crate::kernel::errno::Errno;
use crate::kernel::process::OpenFile;

/// Bytes read per call.
pub const CHUNK: usize = 128 * 1024;

/// Open `name` for reading (`-` is standard input).
pub async fn open_input(ctx: &Ctx, name: &str) -> Result<Arc<OpenFile>, Errno> {
    if name == "-" {
        return ctx.fds.get(0).cloned();
    }
    let f = ctx
        .open(name, OpenMode::Read)
        .await
        .map_err(|e| e.errno_value().unwrap_or(Errno::EIO))?;
    Ok(f)
}

/// Read all of an open file.
pub async fn read_file(file: &OpenFile) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    loop {
        let b = file.read(CHUNK).await?;
        if b.is_empty() {
            return Ok(out);
        }
        out.extend_from_slice(&b);
    }
}

/// Read all of `name` (`-` is standard input).
pub async fn read_input(ctx: &Ctx, name: &str) -> Result<Vec<u8>, Errno> {
    let f = open_input(ctx, name).await?;
    read_file(&f).await
}

/// GNU's `quoteaf`: a name always in single quotes (`'it'\''s'` style for quotes inside).
pub fn quote_always(name: &str) -> String {
    if name.contains('\'') {
        if !name.contains('"') && !name.contains('$') && !name.contains('`') && !name.contains('\\')
        {
            return format!("\"{name}\"");
        }
        return format!("'{}'", name.replace('\'', "'\\''"));
    }
    format!("'{name}'")
}

/// GNU's `quotef`: a name quoted only when it needs it.
pub fn quote_maybe(name: &str) -> String {
    super::util::quote(name)
}

/// Split `data` into lines, each with its terminator (the last one may lack it).
pub fn lines(data: &[u8], delim: u8) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == delim {
            out.push(&data[start..=i]);
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push(&data[start..]);
    }
    out
}

/// Split `data` into lines without terminators (a final line without one still counts).
pub fn lines_bare(data: &[u8], delim: u8) -> Vec<&[u8]> {
    lines(data, delim)
        .into_iter()
        .map(|l| l.strip_suffix(&[delim]).unwrap_or(l))
        .collect()
}

/// Buffered standard output.
pub struct Out<'a> {
    ctx: &'a Ctx,
    buf: Vec<u8>,
    /// A write failed.
    pub failed: bool,
}

impl<'a> Out<'a> {
    /// A buffer writing to `ctx`'s standard output.
    pub fn new(ctx: &'a Ctx) -> Self {
        Out {
            ctx,
            buf: Vec::with_capacity(64 * 1024),
            failed: false,
        }
    }

    /// Append bytes, writing when the buffer is full.
    pub async fn put(&mut self, data: &[u8]) -> Result<(), Errno> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 64 * 1024 {
            self.flush().await?;
        }
        Ok(())
    }

    /// Write what is buffered.
    pub async fn flush(&mut self) -> Result<(), Errno> {
        if self.buf.is_empty() || self.failed {
            self.buf.clear();
            return if self.failed {
                Err(Errno::EPIPE)
            } else {
                Ok(())
            };
        }
        let data = Bytes::from(std::mem::take(&mut self.buf));
        let r = self.ctx.out(data).await;
        if r.is_err() {
            self.failed = true;
        }
        r
    }
}

/// Report a write error on standard output the GNU way and give the exit status.
pub async fn write_error(ctx: &Ctx, e: Errno) -> i32 {
    ctx.complain(format!("write error: {}", e.strerror())).await;
    1
}

/// Complain with a usage message (`msg` then the `Try ... --help` line) and give `code`.
pub async fn usage(ctx: &Ctx, msg: &str, code: i32) -> i32 {
    let name = ctx.name().to_owned();
    ctx.complain(format!("{msg}\nTry '{name} --help' for more information."))
        .await;
    code
}

/// Parse options with [`super::util::parse`], reporting errors GNU's way (exit `code`).
pub async fn parse_opts(
    ctx: &Ctx,
    spec: &super::util::OptSpec,
    digits: bool,
    code: i32,
) -> Result<super::util::Parsed, i32> {
    let name = ctx.name().to_owned();
    match super::util::parse(&name, &ctx.argv[1..], spec, digits) {
        Ok(p) => Ok(p),
        Err(msg) => {
            ctx.complain(msg).await;
            Err(code)
        }
    }
}

/// Parse a GNU size with optional multiplier suffix (`K`, `M`, `KB`, `KiB`, `b`, ...).
pub fn parse_size(s: &str) -> Option<u64> {
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits_end == 0 {
        return None;
    }
    let n: u64 = s[..digits_end].parse().ok()?;
    let suf = &s[digits_end..];
    let mult: u64 = match suf {
        "" => 1,
        "b" => 512,
        "c" => 1,
        "w" => 2,
        "kB" | "KB" => 1000,
        "K" | "k" | "KiB" | "kiB" => 1024,
        "MB" => 1000 * 1000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1000 * 1000 * 1000,
        "G" | "GiB" => 1 << 30,
        "TB" => 1_000_000_000_000,
        "T" | "TiB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Read the two file operands of `comm` and `join`, with GNU's messages for a missing or extra
/// operand or an unreadable file. `Err` is the exit status to return.
pub async fn two_inputs(ctx: &Ctx, ops: &[String]) -> Result<Vec<Vec<u8>>, i32> {
    if ops.len() < 2 {
        let msg = match ops.first() {
            None => "missing operand".to_owned(),
            Some(a) => format!("missing operand after {}", quote_always(a)),
        };
        return Err(usage(ctx, &msg, 1).await);
    }
    if ops.len() > 2 {
        return Err(usage(ctx, &format!("extra operand {}", quote_always(&ops[2])), 1).await);
    }
    let mut data = Vec::with_capacity(2);
    for f in &ops[..2] {
        match read_input(ctx, f).await {
            Ok(d) => data.push(d),
            Err(e) => {
                ctx.complain(format!("{}: {}", quote_maybe(f), e.strerror())).await;
                return Err(1);
            }
        }
    }
    Ok(data)
}

/// Parse a `head`/`tail` count (`5`, `2K`, optionally signed): whether the `special` sign
/// (`-` for head's "all but", `+` for tail's "from") was given, and the number; a count of
/// digits too large for `u64` saturates, as GNU does.
pub fn parse_count(s: &str, bytes: bool, special: char) -> Result<(bool, u64), String> {
    let other = if special == '-' { '+' } else { '-' };
    let (flag, num) = match s.strip_prefix(special) {
        Some(r) => (true, r),
        None => (false, s.strip_prefix(other).unwrap_or(s)),
    };
    match parse_size(num) {
        Some(n) => Ok((flag, n)),
        None if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => Ok((flag, u64::MAX)),
        None => Err(format!("invalid number of {}: '{s}'", if bytes { "bytes" } else { "lines" })),
    }
}

/// The file operands, or `-` (standard input) when there are none.
pub fn operands_or_stdin(operands: &[String]) -> Vec<String> {
    if operands.is_empty() {
        vec!["-".to_owned()]
    } else {
        operands.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(lines(b"a\nb", b'\n'), vec![&b"a\n"[..], &b"b"[..]]);
        assert_eq!(lines_bare(b"a\nb\n", b'\n'), vec![&b"a"[..], &b"b"[..]]);
        assert_eq!(parse_size("2K"), Some(2048));
        assert_eq!(parse_size("x"), None);
        assert_eq!(quote_always("x"), "'x'");
    }
}
