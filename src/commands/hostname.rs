//! `hostname [-s|-f|-d|-i]`: show the VM's host name (setting it is refused).

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["hostname"];

/// `hostname`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let name = super::cmd_uname::hostname(&ctx).await;
        let mut mode = 'n';
        let mut operands = Vec::new();
        for a in &ctx.argv[1..] {
            match a.as_str() {
                "-s" | "--short" => mode = 's',
                "-f" | "--fqdn" | "--long" | "-A" | "--all-fqdns" => mode = 'f',
                "-d" | "--domain" => mode = 'd',
                "-i" | "--ip-address" | "-I" | "--all-ip-addresses" => mode = 'i',
                s if s.starts_with('-') && s.len() > 1 => {
                    let c = s.chars().nth(1).unwrap_or('-');
                    let msg = if s.starts_with("--") {
                        format!("unrecognized option '{s}'")
                    } else {
                        format!("invalid option -- '{c}'")
                    };
                    ctx.complain(msg).await;
                    ctx.err("Usage: hostname [-b] {hostname|-F file}         set host name (from file)\n       hostname [-a|-A|-d|-f|-i|-I|-s|-y]       display formatted name\n       hostname                                 display host name\n").await;
                    return 1;
                }
                s => operands.push(s.to_owned()),
            }
        }
        if !operands.is_empty() {
            ctx.complain("you must be root to change the host name")
                .await;
            return 1;
        }
        let out = match mode {
            's' => name.split('.').next().unwrap_or(&name).to_owned(),
            'd' => name
                .split_once('.')
                .map(|(_, d)| d.to_owned())
                .unwrap_or_default(),
            'i' => "127.0.1.1".to_owned(),
            _ => name,
        };
        if ctx.out(format!("{out}\n")).await.is_err() {
            return 1;
        }
        0
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn hostname_is_agentos() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, _) = rt.block_on(crate::shell::fixtures::run_bash(
            "hostname; hostname -s; hostname newname; echo rc=$?",
            None,
        ));
        assert_eq!(code, 0);
        assert_eq!(out, "agentos\nagentos\nrc=1\n");
    }
}
