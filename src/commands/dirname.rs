//! `dirname [-z] NAME...`: strip the last component of file names.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["dirname"];

const SPEC: OptSpec = OptSpec {
    flags: "z",
    with_arg: "",
    long: &[("zero", false, 'z')],
};

/// `dirname`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: dirname [OPTION] NAME...\nOutput each NAME with its last non-slash component and trailing slashes\nremoved; if NAME contains no /'s, output '.' (meaning the current directory).\n", "dirname (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("dirname", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        if p.operands.is_empty() {
            ctx.complain(format!("missing operand\n{}", fu::try_help("dirname")))
                .await;
            return 1;
        }
        let end = if p.has('z') { "\0" } else { "\n" };
        let mut out = String::new();
        for n in &p.operands {
            let d = fu::dir_name(n);
            // POSIX keeps a leading `//` as it is.
            let d = if d == "/"
                && n.starts_with("//")
                && !n.starts_with("///")
                && n.trim_start_matches('/').contains('/')
            {
                "//"
            } else {
                d
            };
            out.push_str(d);
            out.push_str(end);
        }
        i32::from(ctx.out(out).await.is_err())
    })
}
