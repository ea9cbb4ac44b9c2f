//! `gzip`, `gunzip`, `zcat`: compress or expand files (GNU gzip), over `flate2` in memory.

use std::io::{Read, Write};

use bytes::Bytes;

use super::{util, Ctx, ProgramFuture};
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["gunzip", "gzip", "zcat"];

struct Opts {
    stdout: bool,
    decompress: bool,
    keep: bool,
    force: bool,
    quiet: bool,
    verbose: bool,
    level: u32,
    test: bool,
}

/// Compress `data` as a gzip member.
pub fn compress(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level.min(9)));
    if enc.write_all(data).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

/// Expand gzip data (all members); `None` if it is not gzip data or is corrupt.
pub fn decompress(data: &[u8]) -> Result<Vec<u8>, &'static str> {
    if data.len() < 2 || data[0] != 0x1f || data[1] != 0x8b {
        return Err("not in gzip format");
    }
    let mut out = Vec::new();
    let mut dec = flate2::read::MultiGzDecoder::new(data);
    match dec.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err("unexpected end of file"),
        Err(_) => Err("invalid compressed data--format violated"),
    }
}

/// `gzip`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move { run(&ctx).await })
}

async fn run(ctx: &Ctx) -> i32 {
    let name = ctx.name().to_owned();
    let mut o = Opts {
        stdout: name == "zcat",
        decompress: name != "gzip",
        keep: false,
        force: false,
        quiet: false,
        verbose: false,
        level: 6,
        test: false,
    };
    let mut files = Vec::new();
    let mut only = false;
    for a in ctx.argv.iter().skip(1) {
        if only || a == "-" || !a.starts_with('-') {
            files.push(a.clone());
            continue;
        }
        if a == "--" {
            only = true;
            continue;
        }
        if let Some(l) = a.strip_prefix("--") {
            match l {
                "stdout" | "to-stdout" => o.stdout = true,
                "decompress" | "uncompress" => o.decompress = true,
                "keep" => o.keep = true,
                "force" => o.force = true,
                "quiet" => o.quiet = true,
                "verbose" => o.verbose = true,
                "test" => o.test = true,
                "fast" => o.level = 1,
                "best" => o.level = 9,
                "no-name" | "name" => {}
                "version" => {
                    let _ = ctx.out("gzip 1.12\n").await;
                    return 0;
                }
                _ => {
                    ctx.err(format!("gzip: unrecognized option '{a}'\nTry `gzip --help' for more information.\n")).await;
                    return 1;
                }
            }
            continue;
        }
        for c in a[1..].chars() {
            match c {
                'c' => o.stdout = true,
                'd' => o.decompress = true,
                'k' => o.keep = true,
                'f' => o.force = true,
                'q' => o.quiet = true,
                'v' => o.verbose = true,
                't' => o.test = true,
                'n' | 'N' => {}
                '1'..='9' => o.level = c as u32 - '0' as u32,
                _ => {
                    ctx.err(format!(
                        "gzip: invalid option -- '{c}'\nTry `gzip --help' for more information.\n"
                    ))
                    .await;
                    return 1;
                }
            }
        }
    }
    if o.test {
        o.decompress = true;
    }
    if files.is_empty() {
        files.push("-".to_owned());
    }
    let mut status = 0;
    for f in &files {
        let r = one(ctx, &o, f).await;
        if r == 1 || (r == 2 && status == 0) {
            status = r;
        }
    }
    status
}

async fn one(ctx: &Ctx, o: &Opts, f: &str) -> i32 {
    let vfs = ctx.kernel.vfs();
    if f == "-" {
        let data = match util::read_all(ctx, "-").await {
            Ok(d) => d,
            Err(e) => {
                ctx.err(format!("gzip: {e}\n")).await;
                return 1;
            }
        };
        let out = if o.decompress {
            match decompress(&data) {
                Ok(d) => d,
                Err(e) => {
                    ctx.err(format!(
                        "{}gzip: stdin: {e}\n",
                        if e.starts_with("not in") { "\n" } else { "" }
                    ))
                    .await;
                    return 1;
                }
            }
        } else {
            compress(&data, o.level)
        };
        if o.test {
            return 0;
        }
        return if ctx.out(out).await.is_ok() { 0 } else { 1 };
    }
    // Find the file (gunzip also tries NAME.gz).
    let mut src = f.to_owned();
    let st = match vfs.stat(ctx.cred(), &ctx.abs(&src), true).await {
        Ok(st) => Some(st),
        Err(_) if o.decompress && !f.ends_with(".gz") => {
            src = format!("{f}.gz");
            vfs.stat(ctx.cred(), &ctx.abs(&src), true).await.ok()
        }
        Err(_) => None,
    };
    let Some(st) = st else {
        ctx.err(format!("gzip: {src}: No such file or directory\n"))
            .await;
        return 1;
    };
    if st.file_type == FileType::Dir {
        if !o.quiet {
            ctx.err(format!("gzip: {src} is a directory -- ignored\n"))
                .await;
        }
        return 2;
    }
    let dst = if o.decompress {
        let base = [".gz", ".tgz", "-gz", ".z", "-z", "_z", ".Z"]
            .iter()
            .find_map(|s| {
                src.strip_suffix(s)
                    .filter(|b| !b.is_empty())
                    .map(|b| (b.to_owned(), *s))
            });
        match base {
            Some((b, ".tgz")) => format!("{b}.tar"),
            Some((b, _)) => b,
            None => {
                if o.stdout {
                    String::new()
                } else {
                    if !o.quiet {
                        ctx.err(format!("gzip: {src}: unknown suffix -- ignored\n"))
                            .await;
                    }
                    return 2;
                }
            }
        }
    } else {
        if src.ends_with(".gz") && !o.stdout && !o.force {
            if !o.quiet {
                ctx.err(format!("gzip: {src} already has .gz suffix -- unchanged\n"))
                    .await;
            }
            return 0;
        }
        format!("{src}.gz")
    };
    let data = match vfs.read_file(ctx.cred(), &ctx.abs(&src)).await {
        Ok(d) => d,
        Err(e) => {
            let en = e
                .errno_value()
                .map(|e| e.strerror())
                .unwrap_or("Input/output error");
            ctx.err(format!("gzip: {src}: {en}\n")).await;
            return 1;
        }
    };
    let out = if o.decompress {
        match decompress(&data) {
            Ok(d) => d,
            Err(e) => {
                ctx.err(format!(
                    "{}gzip: {src}: {e}\n",
                    if e.starts_with("not in") { "\n" } else { "" }
                ))
                .await;
                return 1;
            }
        }
    } else {
        compress(&data, o.level)
    };
    if o.test {
        return 0;
    }
    if o.stdout {
        return if ctx.out(out).await.is_ok() { 0 } else { 1 };
    }
    let dabs = ctx.abs(&dst);
    if !o.force && vfs.stat(ctx.cred(), &dabs, false).await.is_ok() {
        ctx.err(format!("gzip: {dst} already exists;\tnot overwritten\n"))
            .await;
        return 2;
    }
    if let Err(e) = vfs.write_file(ctx.cred(), &dabs, Bytes::from(out)).await {
        let en = e
            .errno_value()
            .map(|e| e.strerror())
            .unwrap_or("Input/output error");
        ctx.err(format!("gzip: {dst}: {en}\n")).await;
        return 1;
    }
    let _ = vfs
        .set_attr(
            ctx.cred(),
            &dabs,
            true,
            crate::kernel::vfs::SetAttr {
                perm: Some(st.perm),
                mtime_ns: Some(st.mtime_ns),
                atime_ns: Some(st.atime_ns),
                ..Default::default()
            },
            "chmod",
        )
        .await;
    if o.verbose {
        let ratio = if data.is_empty() {
            0.0
        } else {
            100.0 - 100.0 * (if o.decompress { data.len() } else { 0 }) as f64 / data.len() as f64
        };
        let _ = ratio;
        ctx.err(format!("{src}:\t -- replaced with {dst}\n")).await;
    }
    if !o.keep {
        let _ = vfs.unlink(ctx.cred(), &ctx.abs(&src)).await;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let c = compress(b"hello", 6);
        assert_eq!(decompress(&c).unwrap(), b"hello");
        assert!(decompress(b"plain").is_err());
    }
}
