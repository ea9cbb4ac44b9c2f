//! `tail [-n [+]NUM] [-c [+]NUM] [-f|-F] [-qvz] [-s SEC] [--pid PID] [FILE]...`: the last
//! part of files; `-f` keeps printing what is appended until killed (or `--pid` exits).

use std::time::Duration;

use super::cmd_textio::{self as textio, Out};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["tail"];

const SPEC: OptSpec = OptSpec {
    flags: "fFqvz",
    with_arg: "ncs",
    long: &[
        ("lines", true, 'n'),
        ("bytes", true, 'c'),
        ("follow", false, 'f'),
        ("quiet", false, 'q'),
        ("silent", false, 'q'),
        ("verbose", false, 'v'),
        ("zero-terminated", false, 'z'),
        ("sleep-interval", true, 's'),
        ("pid", true, 'p'),
        ("retry", false, 'r'),
    ],
};

/// What to print.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Count {
    bytes: bool,
    /// `+N`: from item N on.
    from_start: bool,
    n: u64,
}

fn parse_count(s: &str, bytes: bool) -> Result<Count, String> {
    textio::parse_count(s, bytes, '+').map(|(from_start, n)| Count { bytes, from_start, n })
}

/// The part of `data` to print.
fn select(data: &[u8], c: Count, delim: u8) -> &[u8] {
    let n = usize::try_from(c.n).unwrap_or(usize::MAX);
    if c.bytes {
        if c.from_start {
            &data[n.saturating_sub(1).min(data.len())..]
        } else {
            &data[data.len().saturating_sub(n)..]
        }
    } else {
        let ls = textio::lines(data, delim);
        let skip = if c.from_start {
            n.saturating_sub(1).min(ls.len())
        } else {
            ls.len().saturating_sub(n)
        };
        let start: usize = ls[..skip].iter().map(|l| l.len()).sum();
        &data[start..]
    }
}

/// Parse the obsolete `-NUM[bcl][f]` / `+NUM...` first argument.
fn obsolete(a: &str) -> Option<(Count, bool)> {
    let (from_start, body) = if let Some(b) = a.strip_prefix('+') {
        (true, b)
    } else {
        (false, a.strip_prefix('-')?)
    };
    let end = body
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(body.len());
    if end == 0 && (!from_start || body.is_empty()) {
        return None;
    }
    let mut n: u64 = if end == 0 {
        10
    } else {
        body[..end].parse().unwrap_or(u64::MAX)
    };
    let mut bytes = false;
    let mut follow = false;
    let mut rest = &body[end..];
    if let Some(c) = rest.chars().next() {
        match c {
            'c' => {
                bytes = true;
                rest = &rest[1..];
            }
            'b' => {
                bytes = true;
                n = n.saturating_mul(512);
                rest = &rest[1..];
            }
            'l' => rest = &rest[1..],
            _ => {}
        }
    }
    if rest == "f" {
        follow = true;
    } else if !rest.is_empty() {
        return None;
    }
    Some((
        Count {
            bytes,
            from_start,
            n,
        },
        follow,
    ))
}

/// `tail`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut count = Count {
            bytes: false,
            from_start: false,
            n: 10,
        };
        let mut follow = false;
        let mut args: Vec<String> = Vec::new();
        for a in &ctx.argv[1..] {
            match a.as_str() {
                "--follow=name" | "--follow=descriptor" => args.push("-f".to_owned()),
                s if s.starts_with("--follow=") => {
                    let v = &s["--follow=".len()..];
                    ctx.complain(format!(
                        "invalid argument {} for '--follow'\nValid arguments are:\n  - 'descriptor'\n  - 'name'\nTry 'tail --help' for more information.",
                        textio::quote_always(v)
                    ))
                    .await;
                    return 1;
                }
                _ => args.push(a.clone()),
            }
        }
        if let Some(first) = args.first() {
            let obs = if first.starts_with('+')
                || (first.starts_with('-') && first[1..].starts_with(|c: char| c.is_ascii_digit()))
            {
                obsolete(first)
            } else {
                None
            };
            if let Some((c, f)) = obs {
                count = c;
                follow = f;
                args.remove(0);
            }
        }
        let name = ctx.name().to_owned();
        let p = match super::util::parse(&name, &args, &SPEC, false) {
            Ok(p) => p,
            Err(msg) => {
                ctx.complain(msg).await;
                return 1;
            }
        };
        let mut verbose: Option<bool> = None;
        let mut interval = Duration::from_secs(1);
        let mut pid: Option<u32> = None;
        for (o, v) in &p.opts {
            let v = v.as_deref().unwrap_or("");
            match o {
                'n' | 'c' => match parse_count(v, *o == 'c') {
                    Ok(c) => count = c,
                    Err(m) => {
                        ctx.complain(m).await;
                        return 1;
                    }
                },
                'f' | 'F' => follow = true,
                'q' => verbose = Some(false),
                'v' => verbose = Some(true),
                's' => match v.parse::<f64>() {
                    Ok(s) if s.is_finite() && s >= 0.0 => {
                        interval = Duration::from_secs_f64(s.min(1e6))
                    }
                    _ => {
                        ctx.complain(format!("invalid number of seconds: '{v}'"))
                            .await;
                        return 1;
                    }
                },
                'p' => match v.parse::<u32>() {
                    Ok(n) => pid = Some(n),
                    Err(_) => {
                        ctx.complain(format!("invalid PID: '{v}'")).await;
                        return 1;
                    }
                },
                _ => {}
            }
        }
        let delim = if p.has('z') { 0 } else { b'\n' };
        let files = textio::operands_or_stdin(&p.operands);
        let headers = verbose.unwrap_or(files.len() > 1);
        let mut out = Out::new(&ctx);
        let mut status = 0;
        let mut first = true;
        // Files to follow: (name, absolute path, bytes seen).
        let mut followed: Vec<(String, String, u64)> = Vec::new();
        for f in &files {
            let file = match textio::open_input(&ctx, f).await {
                Ok(file) => file,
                Err(e) => {
                    ctx.complain(format!(
                        "cannot open {} for reading: {}",
                        textio::quote_always(f),
                        e.strerror()
                    ))
                    .await;
                    status = 1;
                    continue;
                }
            };
            let shown = if f == "-" {
                "standard input"
            } else {
                f.as_str()
            };
            if headers {
                let h = format!("{}==> {shown} <==\n", if first { "" } else { "\n" });
                if let Err(e) = out.put(h.as_bytes()).await {
                    return textio::write_error(&ctx, e).await;
                }
            }
            first = false;
            match textio::read_file(&file).await {
                Ok(data) => {
                    if let Err(e) = out.put(select(&data, count, delim)).await {
                        return textio::write_error(&ctx, e).await;
                    }
                    if follow && f != "-" {
                        followed.push((shown.to_owned(), ctx.abs(f), data.len() as u64));
                    }
                }
                Err(e) => {
                    let _ = out.flush().await;
                    ctx.complain(format!(
                        "error reading {}: {}",
                        textio::quote_always(shown),
                        e.strerror()
                    ))
                    .await;
                    status = 1;
                }
            }
        }
        if let Err(e) = out.flush().await {
            return textio::write_error(&ctx, e).await;
        }
        if followed.is_empty() {
            return status;
        }
        let interval = interval
            .max(Duration::from_millis(50))
            .min(Duration::from_secs(1));
        let mut last_shown = followed.len() - 1;
        loop {
            if let Some(pid) = pid {
                let alive = ctx
                    .kernel
                    .procs()
                    .get(pid)
                    .is_some_and(|p| p.exit_code().is_none());
                if !alive {
                    return status;
                }
            }
            // A fatal signal ends this future from outside.
            tokio::time::sleep(interval).await;
            for (i, (shown, path, seen)) in followed.iter_mut().enumerate() {
                let Ok(st) = ctx.kernel.vfs().stat(ctx.cred(), path, true).await else {
                    continue;
                };
                if st.size < *seen {
                    ctx.complain(format!("{shown}: file truncated")).await;
                    *seen = 0;
                }
                if st.size == *seen {
                    continue;
                }
                let Ok(data) = ctx.kernel.vfs().pread(ctx.cred(), path, *seen, None).await else {
                    continue;
                };
                if data.is_empty() {
                    continue;
                }
                *seen += data.len() as u64;
                if headers && i != last_shown {
                    let h = format!("\n==> {shown} <==\n");
                    if ctx.out(h).await.is_err() {
                        return 1;
                    }
                    last_shown = i;
                }
                if ctx.out(data).await.is_err() {
                    return 1;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let c = parse_count("+2", false).unwrap_or(Count {
            bytes: false,
            from_start: false,
            n: 0,
        });
        assert_eq!(select(b"a\nb\nc\n", c, b'\n'), b"b\nc\n");
        assert_eq!(
            obsolete("-3c"),
            Some((
                Count {
                    bytes: true,
                    from_start: false,
                    n: 3
                },
                false
            ))
        );
    }

    #[test]
    fn follow_until_killed() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, _) = rt.block_on(crate::shell::fixtures::run_bash(
            "echo one > f; tail -f -s 0.1 f > out & sleep 0.3; echo two >> f; sleep 0.5; kill $!; wait $!; echo status=$?; cat out",
            None,
        ));
        assert_eq!(code, 0);
        assert_eq!(out, "status=143\none\ntwo\n");
    }
}
