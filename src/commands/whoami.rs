//! `whoami`: the name of the effective user.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["whoami"];

/// `whoami`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let spec = OptSpec {
            flags: "",
            with_arg: "",
            long: &[],
        };
        let p = match textio::parse_opts(&ctx, &spec, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        if let Some(extra) = p.operands.first() {
            return textio::usage(
                &ctx,
                &format!("extra operand {}", textio::quote_always(extra)),
                1,
            )
            .await;
        }
        let uid = ctx.cred().uid;
        let name = super::cmd_id::user_name(&ctx, uid)
            .await
            .unwrap_or_else(|| uid.to_string());
        if ctx.out(format!("{name}\n")).await.is_err() {
            return 1;
        }
        0
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn whoami_is_user() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, err) = rt.block_on(crate::shell::fixtures::run_bash(
            "whoami; whoami x; echo rc=$?",
            None,
        ));
        assert_eq!(code, 0);
        assert_eq!(out, "user\nrc=1\n");
        assert_eq!(
            err,
            "whoami: extra operand 'x'\nTry 'whoami --help' for more information.\n"
        );
    }
}
