//! `clear [-x] [-T TERM]`: clear the terminal screen (an `xterm` sequence; nothing for `dumb`).

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["clear"];

/// `clear`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut term = ctx.env.get("TERM").cloned();
        let mut no_scrollback = false;
        let mut i = 1;
        while i < ctx.argv.len() {
            let a = &ctx.argv[i];
            match a.as_str() {
                "-x" => no_scrollback = true,
                "-T" => {
                    i += 1;
                    term = ctx.argv.get(i).cloned();
                }
                "-V" => {
                    let _ = ctx.out("ncurses 6.4.20221231\n").await;
                    return 0;
                }
                s if s.starts_with("-T") => term = Some(s[2..].to_owned()),
                s => {
                    let c = s
                        .strip_prefix('-')
                        .and_then(|r| r.chars().next())
                        .unwrap_or('?');
                    if s.starts_with('-') {
                        ctx.complain(format!("invalid option -- '{c}'")).await;
                    }
                    ctx.err("Usage: clear [options]\n\nOptions:\n  -T TERM     use this instead of $TERM\n  -V          print curses-version\n  -x          do not try to clear scrollback\n").await;
                    return 1;
                }
            }
            i += 1;
        }
        let Some(term) = term.filter(|t| !t.is_empty()) else {
            ctx.err("TERM environment variable not set.\n").await;
            return 1;
        };
        if term == "dumb" {
            return 0;
        }
        let seq = if no_scrollback {
            "\x1b[H\x1b[2J"
        } else {
            "\x1b[H\x1b[2J\x1b[3J"
        };
        if ctx.out(seq).await.is_err() {
            return 1;
        }
        0
    })
}
