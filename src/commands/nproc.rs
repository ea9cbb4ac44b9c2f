//! `nproc [--all] [--ignore=N]`: the number of processing units available.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["nproc"];

const SPEC: OptSpec = OptSpec {
    flags: "",
    with_arg: "",
    long: &[("all", false, 'a'), ("ignore", true, 'i')],
};

/// `nproc`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
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
        let mut n = std::thread::available_parallelism().map_or(1, |n| n.get());
        if !p.has('a') {
            if let Some(v) = ctx
                .env
                .get("OMP_NUM_THREADS")
                .and_then(|v| v.parse::<usize>().ok())
            {
                if v > 0 {
                    n = v;
                }
            }
        }
        if let Some(v) = p.value('i') {
            match v.parse::<usize>() {
                Ok(i) => n = n.saturating_sub(i).max(1),
                Err(_) => {
                    ctx.complain(format!("invalid number: {}", textio::quote_always(v)))
                        .await;
                    return 1;
                }
            }
        }
        if ctx.out(format!("{n}\n")).await.is_err() {
            return 1;
        }
        0
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn nproc_is_positive() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, _) = rt.block_on(crate::shell::fixtures::run_bash(
            "nproc; OMP_NUM_THREADS=3 nproc; nproc --ignore=999",
            None,
        ));
        assert_eq!(code, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].parse::<usize>().unwrap() >= 1);
        assert_eq!(lines[1], "3");
        assert_eq!(lines[2], "1");
    }
}
