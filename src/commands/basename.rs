//! `basename NAME [SUFFIX]`, `basename -a [-s SUFFIX] NAME...`: strip directory and suffix.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["basename"];

const SPEC: OptSpec = OptSpec {
    flags: "az",
    with_arg: "s",
    long: &[
        ("multiple", false, 'a'),
        ("suffix", true, 's'),
        ("zero", false, 'z'),
    ],
};

fn strip(name: &str, suffix: Option<&str>) -> String {
    let b = fu::base_name(name);
    match suffix {
        Some(s) if !s.is_empty() && b != s && b.ends_with(s) && b != "/" => {
            b[..b.len() - s.len()].to_owned()
        }
        _ => b.to_owned(),
    }
}

/// `basename`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: basename NAME [SUFFIX]\n  or:  basename OPTION... NAME...\nPrint NAME with any leading directory components removed.\n", "basename (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("basename", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let help = fu::try_help("basename");
        if p.operands.is_empty() {
            ctx.complain(format!("missing operand\n{help}")).await;
            return 1;
        }
        let end = if p.has('z') { "\0" } else { "\n" };
        let suffix = p.value('s');
        let multiple = p.has('a') || suffix.is_some();
        let mut out = String::new();
        if multiple {
            for n in &p.operands {
                out.push_str(&strip(n, suffix));
                out.push_str(end);
            }
        } else {
            if p.operands.len() > 2 {
                ctx.complain(format!("extra operand {}\n{help}", fu::q(&p.operands[2])))
                    .await;
                return 1;
            }
            out.push_str(&strip(
                &p.operands[0],
                p.operands.get(1).map(String::as_str),
            ));
            out.push_str(end);
        }
        i32::from(ctx.out(out).await.is_err())
    })
}
