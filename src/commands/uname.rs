//! `uname [-asnrvmpio]`: system information (the VM's kernel is Linux on x86_64).

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["uname"];

const SPEC: OptSpec = OptSpec {
    flags: "asnrvmpio",
    with_arg: "",
    long: &[
        ("all", false, 'a'),
        ("kernel-name", false, 's'),
        ("nodename", false, 'n'),
        ("kernel-release", false, 'r'),
        ("kernel-version", false, 'v'),
        ("machine", false, 'm'),
        ("processor", false, 'p'),
        ("hardware-platform", false, 'i'),
        ("operating-system", false, 'o'),
    ],
};

/// The kernel release reported.
pub const RELEASE: &str = "6.1.0-agentos";
/// The kernel version string reported.
pub const VERSION: &str = "#1 SMP PREEMPT_DYNAMIC";

/// The VM's host name (from `/etc/hostname`).
pub async fn hostname(ctx: &Ctx) -> String {
    match ctx
        .kernel
        .vfs()
        .read_file(ctx.cred(), "/etc/hostname")
        .await
    {
        Ok(b) => {
            let s = String::from_utf8_lossy(&b).trim().to_owned();
            if s.is_empty() {
                "agentos".to_owned()
            } else {
                s
            }
        }
        Err(_) => "agentos".to_owned(),
    }
}

/// `uname`.
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
        let all = p.has('a');
        let node = hostname(&ctx).await;
        let mut parts: Vec<String> = Vec::new();
        let none = !"snrvmpio".chars().any(|c| p.has(c));
        if all || none || p.has('s') {
            parts.push("Linux".to_owned());
        }
        if all || p.has('n') {
            parts.push(node);
        }
        if all || p.has('r') {
            parts.push(RELEASE.to_owned());
        }
        if all || p.has('v') {
            parts.push(VERSION.to_owned());
        }
        if all || p.has('m') {
            parts.push("x86_64".to_owned());
        }
        if !all && p.has('p') {
            parts.push("unknown".to_owned());
        }
        if !all && p.has('i') {
            parts.push("unknown".to_owned());
        }
        if all || p.has('o') {
            parts.push("GNU/Linux".to_owned());
        }
        match ctx.out(format!("{}\n", parts.join(" "))).await {
            Ok(()) => 0,
            Err(e) => textio::write_error(&ctx, e).await,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn uname_reports_the_vm() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, err) = rt.block_on(crate::shell::fixtures::run_bash(
            "uname; uname -a; uname -snrm; uname -x; echo rc=$?",
            None,
        ));
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "Linux\nLinux agentos 6.1.0-agentos #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\nLinux agentos 6.1.0-agentos x86_64\nrc=1\n"
        );
        assert_eq!(
            err,
            "uname: invalid option -- 'x'\nTry 'uname --help' for more information.\n"
        );
    }
}
