//! `wc [-clmwL] [FILE]...`: newline, word, character and byte counts.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};
use crate::kernel::process::FileObj;
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["wc"];

const SPEC: OptSpec = OptSpec {
    flags: "clmwL",
    with_arg: "",
    long: &[
        ("bytes", false, 'c'),
        ("chars", false, 'm'),
        ("lines", false, 'l'),
        ("words", false, 'w'),
        ("max-line-length", false, 'L'),
    ],
};

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    chars: u64,
    bytes: u64,
    maxlen: u64,
}

/// Counting state carried across chunks.
#[derive(Default)]
struct Counter {
    c: Counts,
    in_word: bool,
    col: u64,
    /// Only byte/character and line counts are wanted: skip the per-byte state machine.
    fast: bool,
}

impl Counter {
    fn feed(&mut self, data: &[u8]) {
        if self.fast {
            let n = data.len() as u64;
            self.c.bytes += n;
            self.c.chars += n;
            self.c.lines += data.iter().filter(|&&b| b == b'\n').count() as u64;
            return;
        }
        for &b in data {
            self.c.bytes += 1;
            // C locale: every byte is a character.
            self.c.chars += 1;
            match b {
                b'\n' => {
                    self.c.lines += 1;
                    self.c.maxlen = self.c.maxlen.max(self.col);
                    self.col = 0;
                }
                b'\t' => self.col = (self.col / 8 + 1) * 8,
                b'\r' | 0x0c => {
                    self.c.maxlen = self.c.maxlen.max(self.col);
                    self.col = 0;
                }
                b' ' | 0x0b => self.col += 1,
                _ if (0x20..0x7f).contains(&b) => self.col += 1,
                _ => {}
            }
            let space = matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
            if space {
                self.in_word = false;
            } else if !self.in_word {
                self.in_word = true;
                self.c.words += 1;
            }
        }
    }

    fn finish(mut self) -> Counts {
        self.c.maxlen = self.c.maxlen.max(self.col);
        self.c
    }
}

/// `wc`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let (mut l, mut w, m, mut c, big_l) =
            (p.has('l'), p.has('w'), p.has('m'), p.has('c'), p.has('L'));
        if !(l || w || m || c || big_l) {
            l = true;
            w = true;
            c = true;
        }
        let mut files = p.operands.clone();
        let implicit = files.is_empty();
        if implicit {
            files.push("-".to_owned());
        }
        let nfields = [l, w, m, c, big_l].iter().filter(|x| **x).count();
        // Width: digits of the total size of regular files; 7 when any input is not regular.
        let mut width = 1usize;
        if !(files.len() == 1 && nfields == 1) {
            let mut total: u64 = 0;
            let mut min_width = 1;
            for f in &files {
                let st = if f == "-" {
                    match ctx.fds.get(0).map(|f| f.obj()) {
                        Ok(FileObj::File { vfs, path, cred }) => {
                            vfs.stat(*cred, path, true).await.ok()
                        }
                        _ => None,
                    }
                } else {
                    match ctx.kernel.vfs().stat(ctx.cred(), &ctx.abs(f), true).await {
                        Ok(st) => Some(st),
                        Err(_) => continue,
                    }
                };
                match st {
                    Some(st) if st.file_type == FileType::File => total += st.size,
                    _ => min_width = 7,
                }
            }
            while total >= 10 {
                width += 1;
                total /= 10;
            }
            width = width.max(min_width);
        }
        let fmt = |k: &Counts, name: Option<&str>| -> String {
            let mut parts = Vec::new();
            if l {
                parts.push(k.lines);
            }
            if w {
                parts.push(k.words);
            }
            if m {
                parts.push(k.chars);
            }
            if c {
                parts.push(k.bytes);
            }
            if big_l {
                parts.push(k.maxlen);
            }
            let mut s = parts
                .iter()
                .map(|v| format!("{v:>width$}"))
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(n) = name {
                s.push(' ');
                s.push_str(n);
            }
            s.push('\n');
            s
        };
        let mut total = Counts::default();
        let mut status = 0;
        for f in &files {
            let file = match textio::open_input(&ctx, f).await {
                Ok(file) => file,
                Err(e) => {
                    ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                        .await;
                    status = 1;
                    continue;
                }
            };
            let mut counter = Counter {
                fast: !w && !big_l,
                ..Counter::default()
            };
            loop {
                match file.read(textio::CHUNK).await {
                    Ok(b) if b.is_empty() => break,
                    Ok(b) => counter.feed(&b),
                    Err(e) => {
                        ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                            .await;
                        status = 1;
                        break;
                    }
                }
            }
            let k = counter.finish();
            total.lines += k.lines;
            total.words += k.words;
            total.chars += k.chars;
            total.bytes += k.bytes;
            total.maxlen = total.maxlen.max(k.maxlen);
            let name = if implicit { None } else { Some(f.as_str()) };
            if let Err(e) = ctx.out(fmt(&k, name)).await {
                return textio::write_error(&ctx, e).await;
            }
        }
        if files.len() > 1 {
            if let Err(e) = ctx.out(fmt(&total, Some("total"))).await {
                return textio::write_error(&ctx, e).await;
            }
        }
        status
    })
}
