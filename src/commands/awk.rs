//! `awk [-F fs] [-v var=value] [-f progfile | 'prog'] [file ...]`: the AWK language
//! (behaving like Debian's default `mawk`). The interpreter lives in `awk_interp.rs`.

use super::cmd_awk_interp::{self as interp, Interp};
use super::util;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["awk", "mawk"];

const USAGE: &str = "Usage: mawk [Options] [Program] [file ...]\n\nProgram:\n    The -f option value is the name of a file containing program text.\n    If no -f option is given, a \"--\" ends option processing; the following\n    parameters are the program text.\n\nOptions:\n    -f program-file  Program  text is read from file instead of from the\n                     command-line.  Multiple -f options are accepted.\n    -F value         sets the field separator, FS, to value.\n    -v var=value     assigns value to program variable var.\n    --               unambiguous end of options.\n\n    Implementation-specific options are prefixed with \"-W\".  They can be\n    abbreviated:\n\n    -W version       show version information and exit.\n    -W dump          show assembler-like listing of program and exit.\n    -W help          show this message and exit.\n    -W interactive   set unbuffered output, line-buffered input.\n    -W exec file     use file as program as well as last option.\n    -W random=number set initial random seed.\n    -W sprintf=number adjust size of sprintf buffer.\n    -W posix_space   do not consider \"\\n\" a space.\n    -W usage         show this message and exit.\n";

/// `awk`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let ctx = std::sync::Arc::new(ctx);
        run(ctx).await
    })
}

async fn run(ctx: std::sync::Arc<Ctx>) -> i32 {
    let args: Vec<String> = ctx.argv.iter().skip(1).cloned().collect();
    let mut fs: Option<String> = None;
    let mut assigns: Vec<String> = Vec::new();
    let mut progfiles: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if a.len() < 2 || !a.starts_with('-') {
            break;
        }
        let mut chars = a.chars();
        chars.next();
        let c = chars.next().unwrap_or('-');
        let attached = chars.as_str();
        let take = |i: &mut usize| -> Option<String> {
            if !attached.is_empty() {
                Some(attached.to_owned())
            } else {
                *i += 1;
                args.get(*i).cloned()
            }
        };
        match c {
            'F' | 'v' | 'f' | 'W' => {
                let Some(v) = take(&mut i) else {
                    ctx.complain(format!("option -{c} lacks argument")).await;
                    ctx.err(USAGE).await;
                    return 2;
                };
                match c {
                    'F' => fs = Some(v),
                    'v' => {
                        if !v.contains('=') {
                            ctx.complain(format!("improper assignment: -v {v}")).await;
                            return 2;
                        }
                        assigns.push(v)
                    }
                    'f' => progfiles.push(v),
                    _ => {
                        if v.starts_with('v') {
                            ctx.out("mawk 1.3.4 20200120\n").await.ok();
                            return 0;
                        }
                        if v.starts_with('h') || v.starts_with('u') {
                            ctx.out(USAGE).await.ok();
                            return 0;
                        }
                    }
                }
            }
            _ => {
                ctx.complain(format!("not an option: {a}")).await;
                return 2;
            }
        }
        i += 1;
    }
    let mut rest: Vec<String> = args[i.min(args.len())..].to_vec();
    let (src, name) = if progfiles.is_empty() {
        if rest.is_empty() {
            ctx.err(USAGE).await;
            return 2;
        }
        (rest.remove(0), None)
    } else {
        let mut s = String::new();
        for f in &progfiles {
            match util::read_all(&ctx, f).await {
                Ok(d) => {
                    s.push_str(&String::from_utf8_lossy(&d));
                    s.push('\n');
                }
                Err(_) => {
                    ctx.complain(format!("couldn't open file {f}")).await;
                    return 2;
                }
            }
        }
        (s, progfiles.first().cloned())
    };
    let prog = match interp::parse_program(&src) {
        Ok(p) => p,
        Err(e) => {
            match &name {
                Some(f) => ctx.complain(format!("{f}: {e}")).await,
                None => ctx.complain(e).await,
            }
            return 2;
        }
    };
    let ctx2 = ctx.clone();
    let mut it = Interp::new(prog, ctx2, rest, fs, &assigns);
    let run = move || it.run();
    let flavor = tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor());
    match flavor {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(run),
        _ => {
            ctx.complain("cannot run on this runtime").await;
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses() {
        assert!(interp::parse_program("BEGIN { x = 1; print x+1 }").is_ok());
        assert!(interp::parse_program("{ print $1 > \"f\" }").is_ok());
        assert!(interp::parse_program("function f(a,b) { return a+b } { print f(1,2) }").is_ok());
        assert!(interp::parse_program("BEGIN {").is_err());
    }

    #[test]
    fn hostile_programs_end() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let deep = format!("BEGIN {{ x = {}1{} }}", "(".repeat(5000), ")".repeat(5000));
        let cases = [
            "awk 'function f(n) { return f(n+1) } BEGIN { f(1) }'".to_owned(),
            format!("awk '{deep}'"),
            "awk 'BEGIN { $100000000 = 1 }'".to_owned(),
        ];
        for script in [
            "awk 'BEGIN { while (1) x++ }' & kill $!; wait $!; echo $?",
            "yes | sed ':a;N;ba' & kill $!; wait $!; echo $?",
        ] {
            let (_, out, _) = rt.block_on(crate::shell::fixtures::run_bash(script, None));
            assert_eq!(out, "143\n", "{script}");
        }
        for script in cases {
            let (code, _, _) = rt.block_on(crate::shell::fixtures::run_bash(&script, None));
            assert_ne!(code, 0, "{script}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics(prog in "[a-zA-Z0-9$(){};,=+*/%<>!~\"^ \\n\\[\\]?:-]{0,24}", input in "[a-z0-9 \\n]{0,30}") {
            let _ = interp::parse_program(&prog);
            let script = format!("awk '{}' <<'EOF'\n{input}\nEOF", prog.replace('\'', ""));
            let rt = crate::sidecar::runtime_builder().build().unwrap();
            let _ = rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(5), crate::shell::fixtures::run_bash(&script, None)).await
            });
        }
    }
}
