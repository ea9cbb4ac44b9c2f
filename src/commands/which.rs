//! `which [-a] NAME...`: locate commands on `PATH` (Debian's `which`: silent for missing
//! names, exit 1 if any is missing).

use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["which"];

async fn is_exec(ctx: &Ctx, p: &str) -> bool {
    ctx.kernel
        .vfs()
        .stat(ctx.cred(), p, true)
        .await
        .is_ok_and(|s| s.file_type != FileType::Dir && s.perm & 0o111 != 0)
}

/// `which`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut all = false;
        let mut names = Vec::new();
        let mut only = false;
        for a in &ctx.argv[1..] {
            if !only && a == "--" {
                only = true;
            } else if !only && a.len() > 1 && a.starts_with('-') {
                if a[1..].chars().all(|c| c == 'a') {
                    all = true;
                } else {
                    ctx.err(format!(
                        "Illegal option {a}\nUsage: /usr/bin/which [-a] args\n"
                    ))
                    .await;
                    return 2;
                }
            } else {
                names.push(a.clone());
            }
        }
        if names.is_empty() {
            return 1;
        }
        let path = ctx
            .env
            .get("PATH")
            .cloned()
            .unwrap_or_else(|| super::DEFAULT_PATH.to_owned());
        let mut status = 0;
        let mut out = String::new();
        for n in &names {
            let mut found = false;
            if n.contains('/') {
                if is_exec(&ctx, &ctx.abs(n)).await {
                    out.push_str(n);
                    out.push('\n');
                    found = true;
                }
            } else {
                for dir in path.split(':') {
                    let dir = if dir.is_empty() { "." } else { dir };
                    let cand = format!("{}/{n}", dir.trim_end_matches('/'));
                    if is_exec(&ctx, &ctx.abs(&cand)).await {
                        out.push_str(&cand);
                        out.push('\n');
                        found = true;
                        if !all {
                            break;
                        }
                    }
                }
            }
            if !found {
                status = 1;
            }
        }
        if ctx.out(out).await.is_err() {
            return 1;
        }
        status
    })
}
