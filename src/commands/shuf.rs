//! `shuf [-n COUNT] [-r] [-z] [-o FILE] [-e ARG... | -i LO-HI | FILE]`: random permutations.

use bytes::Bytes;

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, OpenMode, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["shuf"];

const SPEC: OptSpec = OptSpec {
    flags: "erz",
    with_arg: "inoR",
    long: &[
        ("echo", false, 'e'),
        ("input-range", true, 'i'),
        ("head-count", true, 'n'),
        ("output", true, 'o'),
        ("random-source", true, 'R'),
        ("repeat", false, 'r'),
        ("zero-terminated", false, 'z'),
    ],
};

/// A small xorshift generator seeded from the clock and the process.
struct Rng(u64);

impl Rng {
    fn new(pid: u32) -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng(t ^ (u64::from(pid) << 32) ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }
}

/// `shuf`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let eol = if p.has('z') { 0 } else { b'\n' };
        let mut count: Option<usize> = None;
        if let Some(n) = p.value('n') {
            match n.parse::<u64>() {
                Ok(v) => count = Some(usize::try_from(v).unwrap_or(usize::MAX)),
                Err(_) => {
                    ctx.complain(format!("invalid line count: {}", textio::quote_always(n)))
                        .await;
                    return 1;
                }
            }
        }
        if p.has('e') && p.has('i') {
            return textio::usage(&ctx, "cannot combine -e and -i options", 1).await;
        }
        let items: Vec<Vec<u8>> = if p.has('e') {
            p.operands.iter().map(|s| s.as_bytes().to_vec()).collect()
        } else if let Some(r) = p.value('i') {
            let range = r
                .split_once('-')
                .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
            match range {
                Some((lo, hi)) if hi.checked_add(1).is_some_and(|h| h >= lo) => {
                    if hi - lo > 10_000_000 && !p.has('r') {
                        ctx.complain("memory exhausted").await;
                        return 1;
                    }
                    if p.has('r') {
                        let mut rng = Rng::new(ctx.proc.pid);
                        let n = count.unwrap_or(usize::MAX);
                        let mut out = Vec::new();
                        let mut i = 0;
                        while i < n {
                            let v = lo + rng.next() % (hi - lo + 1);
                            out.extend_from_slice(v.to_string().as_bytes());
                            out.push(eol);
                            if out.len() > 64 * 1024
                                && ctx.out(std::mem::take(&mut out)).await.is_err()
                            {
                                return 1;
                            }
                            i += 1;
                        }
                        return i32::from(ctx.out(out).await.is_err());
                    }
                    (lo..=hi).map(|v| v.to_string().into_bytes()).collect()
                }
                _ => {
                    ctx.complain(format!("invalid input range: {}", textio::quote_always(r)))
                        .await;
                    return 1;
                }
            }
        } else {
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
            match textio::read_input(&ctx, &f).await {
                Ok(d) => textio::lines_bare(&d, eol)
                    .into_iter()
                    .map(<[u8]>::to_vec)
                    .collect(),
                Err(e) => {
                    ctx.complain(format!("{}: {}", textio::quote_maybe(&f), e.strerror()))
                        .await;
                    return 1;
                }
            }
        };
        let mut rng = Rng::new(ctx.proc.pid);
        let mut out = Vec::new();
        if p.has('r') {
            if items.is_empty() {
                if count.is_some_and(|c| c > 0) || count.is_none() {
                    ctx.complain("no lines to repeat").await;
                    return 1;
                }
                return 0;
            }
            let n = count.unwrap_or(usize::MAX);
            let mut i = 0;
            while i < n {
                out.extend_from_slice(&items[rng.below(items.len())]);
                out.push(eol);
                if out.len() > 64 * 1024 && ctx.out(std::mem::take(&mut out)).await.is_err() {
                    return 1;
                }
                i += 1;
            }
        } else {
            let mut v = items;
            let n = count.unwrap_or(v.len()).min(v.len());
            for i in 0..n {
                let j = i + rng.below(v.len() - i);
                v.swap(i, j);
            }
            for it in &v[..n] {
                out.extend_from_slice(it);
                out.push(eol);
            }
        }
        match p.value('o') {
            Some(o) => match ctx.open(o, OpenMode::Truncate { noclobber: false }).await {
                Ok(f) => {
                    if f.write(Bytes::from(out)).await.is_err() {
                        return 1;
                    }
                }
                Err(e) => {
                    let e = e
                        .errno_value()
                        .map_or("Input/output error", |e| e.strerror());
                    ctx.complain(format!("{}: {e}", textio::quote_maybe(o)))
                        .await;
                    return 1;
                }
            },
            None => {
                if let Err(e) = ctx.out(out).await {
                    return textio::write_error(&ctx, e).await;
                }
            }
        }
        0
    })
}
