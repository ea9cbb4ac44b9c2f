//! `md5sum`, `sha1sum`, `sha224sum`, `sha256sum`, `sha384sum`, `sha512sum`
//! `[-b] [-t] [-c [--quiet] [--status] [--strict] [-w]] [FILE]...`: print or check digests.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &[
    "md5sum",
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
];

const SPEC: OptSpec = OptSpec {
    flags: "bctwz",
    with_arg: "",
    long: &[
        ("binary", false, 'b'),
        ("check", false, 'c'),
        ("text", false, 't'),
        ("warn", false, 'w'),
        ("zero", false, 'z'),
        ("quiet", false, 'q'),
        ("status", false, 's'),
        ("strict", false, 'S'),
        ("ignore-missing", false, 'i'),
        ("tag", false, 'T'),
    ],
};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The digest of `data` for the command `name`.
fn digest(name: &str, data: &[u8]) -> String {
    match name {
        "sha1sum" => hex(&Sha1::digest(data)),
        "sha224sum" => hex(&Sha224::digest(data)),
        "sha256sum" => hex(&Sha256::digest(data)),
        "sha384sum" => hex(&Sha384::digest(data)),
        "sha512sum" => hex(&Sha512::digest(data)),
        _ => hex(&Md5::digest(data)),
    }
}

fn algo(name: &str) -> (&'static str, usize) {
    match name {
        "sha1sum" => ("SHA1", 40),
        "sha224sum" => ("SHA224", 56),
        "sha256sum" => ("SHA256", 64),
        "sha384sum" => ("SHA384", 96),
        "sha512sum" => ("SHA512", 128),
        _ => ("MD5", 32),
    }
}

/// Parse a checksum line: `HASH  NAME`, `HASH *NAME` or the `--tag` form.
fn parse_line(line: &str, hlen: usize, tag: &str) -> Option<(String, String)> {
    if let Some(rest) = line.strip_prefix(tag).and_then(|r| r.strip_prefix(" (")) {
        let (name, h) = rest.rsplit_once(") = ")?;
        return (h.len() == hlen && h.bytes().all(|c| c.is_ascii_hexdigit()))
            .then(|| (h.to_ascii_lowercase(), name.to_owned()));
    }
    let line = line.strip_prefix('\\').unwrap_or(line);
    if line.len() < hlen + 2 || !line.is_char_boundary(hlen) {
        return None;
    }
    let (h, rest) = line.split_at(hlen);
    if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let name = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))?;
    if name.is_empty() {
        return None;
    }
    Some((h.to_ascii_lowercase(), name.to_owned()))
}

/// `md5sum` and friends.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let name = ctx.name().to_owned();
        let (tag, hlen) = algo(&name);
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let check = p.has('c');
        if !check {
            for (o, msg) in [
                ('q', "quiet"),
                ('s', "status"),
                ('S', "strict"),
                ('w', "warn"),
                ('i', "ignore-missing"),
            ] {
                if p.has(o) {
                    return textio::usage(
                        &ctx,
                        &format!("the --{msg} option is meaningful only when verifying checksums"),
                        1,
                    )
                    .await;
                }
            }
        }
        let mut status = 0;
        let mut out = Vec::new();
        if !check {
            for f in &files {
                match textio::read_input(&ctx, f).await {
                    Ok(d) => {
                        let h = digest(&name, &d);
                        let line = if p.has('T') {
                            format!("{tag} ({f}) = {h}\n")
                        } else {
                            format!("{h} {}{f}\n", if p.has('b') { '*' } else { ' ' })
                        };
                        out.extend_from_slice(line.as_bytes());
                    }
                    Err(e) => {
                        if !out.is_empty() {
                            let _ = ctx.out(std::mem::take(&mut out)).await;
                        }
                        ctx.complain(format!("{f}: {}", e.strerror())).await;
                        status = 1;
                    }
                }
            }
            if let Err(e) = ctx.out(out).await {
                return textio::write_error(&ctx, e).await;
            }
            return status;
        }
        let quiet = p.has('q');
        let silent = p.has('s');
        for f in &files {
            let data = match textio::read_input(&ctx, f).await {
                Ok(d) => d,
                Err(e) => {
                    ctx.complain(format!("{f}: {}", e.strerror())).await;
                    status = 1;
                    continue;
                }
            };
            let text = String::from_utf8_lossy(&data).into_owned();
            let (mut bad_lines, mut failed, mut unreadable, mut good) =
                (0usize, 0usize, 0usize, 0usize);
            for (ln, line) in text.lines().enumerate() {
                if line.starts_with('#') {
                    continue;
                }
                let Some((want, file)) = parse_line(line, hlen, tag) else {
                    bad_lines += 1;
                    if p.has('w') {
                        ctx.complain(format!(
                            "{f}: {}: improperly formatted {tag} checksum line",
                            ln + 1
                        ))
                        .await;
                    }
                    continue;
                };
                let got = match textio::read_input(&ctx, &file).await {
                    Ok(d) => digest(&name, &d),
                    Err(e) => {
                        if p.has('i') && e == crate::kernel::errno::Errno::ENOENT {
                            continue;
                        }
                        let _ = ctx.out(std::mem::take(&mut out)).await;
                        ctx.complain(format!("{file}: {}", e.strerror())).await;
                        if !silent {
                            out.extend_from_slice(
                                format!("{file}: FAILED open or read\n").as_bytes(),
                            );
                        }
                        unreadable += 1;
                        continue;
                    }
                };
                if got == want {
                    good += 1;
                    if !quiet && !silent {
                        out.extend_from_slice(format!("{file}: OK\n").as_bytes());
                    }
                } else {
                    failed += 1;
                    if !silent {
                        out.extend_from_slice(format!("{file}: FAILED\n").as_bytes());
                    }
                }
            }
            if let Err(e) = ctx.out(std::mem::take(&mut out)).await {
                return textio::write_error(&ctx, e).await;
            }
            if good + failed + unreadable == 0 {
                ctx.complain(format!("{f}: no properly formatted checksum lines found"))
                    .await;
                status = 1;
                continue;
            }
            if !silent {
                if bad_lines > 0 {
                    let s = if bad_lines == 1 {
                        "line is"
                    } else {
                        "lines are"
                    };
                    ctx.complain(format!("WARNING: {bad_lines} {s} improperly formatted"))
                        .await;
                }
                if unreadable > 0 {
                    let s = if unreadable == 1 { "file" } else { "files" };
                    ctx.complain(format!(
                        "WARNING: {unreadable} listed {s} could not be read"
                    ))
                    .await;
                }
                if failed > 0 {
                    let s = if failed == 1 { "checksum" } else { "checksums" };
                    ctx.complain(format!("WARNING: {failed} computed {s} did NOT match"))
                        .await;
                }
            }
            if failed > 0 || unreadable > 0 || (p.has('S') && bad_lines > 0) {
                status = 1;
            }
        }
        status
    })
}
