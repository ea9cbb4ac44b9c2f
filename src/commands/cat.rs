//! `cat [FILE]...`: copy files (or standard input, for none or `-`) to standard output.

use super::{Ctx, OpenMode, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["cat"];
use crate::kernel::errno::Errno;

const CHUNK: usize = 128 * 1024;

/// `cat`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut files: Vec<String> = Vec::new();
        let mut only_files = false;
        for a in &ctx.argv[1..] {
            if !only_files && a == "--" {
                only_files = true;
            } else if !only_files && a.len() > 1 && a.starts_with('-') {
                if a.starts_with("--") {
                    ctx.complain(format!(
                        "unrecognized option '{a}'\nTry 'cat --help' for more information."
                    ))
                    .await;
                } else {
                    let c = a.chars().nth(1).unwrap_or('-');
                    ctx.complain(format!(
                        "invalid option -- '{c}'\nTry 'cat --help' for more information."
                    ))
                    .await;
                }
                return 1;
            } else {
                files.push(a.clone());
            }
        }
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let mut status = 0;
        for f in &files {
            let file = if f == "-" {
                match ctx.fds.get(0) {
                    Ok(file) => file.clone(),
                    Err(e) => {
                        ctx.complain(format!("-: {}", e.strerror())).await;
                        status = 1;
                        continue;
                    }
                }
            } else {
                match ctx.open(f, OpenMode::Read).await {
                    Ok(file) => file,
                    Err(e) => {
                        let errno = e.errno_value().unwrap_or(Errno::EIO);
                        ctx.complain(format!("{f}: {}", errno.strerror())).await;
                        status = 1;
                        continue;
                    }
                }
            };
            loop {
                match file.read(CHUNK).await {
                    Ok(chunk) if chunk.is_empty() => break,
                    Ok(chunk) => {
                        if let Err(e) = ctx.out(chunk).await {
                            ctx.complain(format!("write error: {}", e.strerror())).await;
                            return 1;
                        }
                    }
                    Err(e) => {
                        ctx.complain(format!("{f}: {}", e.strerror())).await;
                        status = 1;
                        break;
                    }
                }
            }
        }
        status
    })
}
