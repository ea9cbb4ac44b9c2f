//! `pwd [-LP]`: print the working directory.

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["pwd"];

/// `pwd`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        for a in &ctx.argv[1..] {
            if a != "-L" && a != "-P" {
                let msg = if a.starts_with("--") {
                    format!("unrecognized option '{a}'")
                } else {
                    format!("invalid option -- '{}'", a.chars().nth(1).unwrap_or('-'))
                };
                ctx.complain(format!("{msg}\nTry 'pwd --help' for more information.")).await;
                return 1;
            }
        }
        let cwd = ctx.cwd();
        match ctx.out(format!("{cwd}\n")).await {
            Ok(()) => 0,
            Err(_) => 1,
        }
    })
}
