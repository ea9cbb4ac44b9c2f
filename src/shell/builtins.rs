//! Shell builtins.

use std::sync::Arc;

use brush_parser::ast;

use super::vars::{is_name, Value, Var};
use super::{Ctl, Fut, Shell};
use crate::kernel::process::Signal;
use crate::kernel::vfs::{path, Cred, FileType};

const BUILTINS: &[&str] = &[
    ":",
    ".",
    "[",
    "alias",
    "mapfile",
    "readarray",
    "break",
    "builtin",
    "cd",
    "command",
    "continue",
    "declare",
    "echo",
    "eval",
    "exec",
    "exit",
    "export",
    "history",
    "false",
    "getopts",
    "hash",
    "kill",
    "let",
    "local",
    "printf",
    "pwd",
    "read",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "test",
    "trap",
    "true",
    "type",
    "typeset",
    "umask",
    "unalias",
    "unset",
    "wait",
];

const SPECIAL: &[&str] = &[
    ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set",
    "shift", "trap", "unset",
];

/// Run a builtin that may wait long (`read`, `wait`). In an interactive shell a ^C ends the
/// wait (`true`); the caught `SIGINT` then ends the command line.
async fn until_interrupt(
    proc: std::sync::Arc<crate::kernel::process::Process>,
    interactive: bool,
    builtin: impl std::future::Future<Output = ()>,
) -> bool {
    tokio::select! {
        () = builtin => false,
        () = proc.until_pending(Signal::SIGINT), if interactive => true,
    }
}

/// The builtins' names.
pub(crate) fn builtin_names() -> &'static [&'static str] {
    BUILTINS
}

/// Whether `name` is a builtin.
pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// Whether `name` is a POSIX special builtin (assignments before it persist).
pub(crate) fn is_special(name: &str) -> bool {
    SPECIAL.contains(&name)
}

impl Shell {
    pub(crate) fn define_function(&mut self, name: String, def: Arc<ast::FunctionDefinition>) {
        self.funcs.insert(name, def);
    }

    pub(crate) fn function(&self, name: &str) -> Option<Arc<ast::FunctionDefinition>> {
        self.funcs.get(name).cloned()
    }

    pub(crate) fn vars_remove(&mut self, name: &str) {
        self.vars.remove(name);
    }

    pub(crate) fn traps_get(&self, sig: &str) -> Option<String> {
        self.traps.get(sig).cloned()
    }

    pub(crate) fn set_option_name(&mut self, name: &str, on: bool) -> Result<(), String> {
        match name {
            "errexit" => self.opts.errexit = on,
            "nounset" => self.opts.nounset = on,
            "xtrace" => self.opts.xtrace = on,
            "pipefail" => self.opts.pipefail = on,
            "noglob" => self.opts.noglob = on,
            "noclobber" => self.opts.noclobber = on,
            "allexport" => self.opts.allexport = on,
            "noexec" => self.opts.noexec = on,
            "posix"
            | "braceexpand"
            | "hashall"
            | "interactive-comments"
            | "monitor"
            | "notify"
            | "emacs"
            | "vi"
            | "ignoreeof"
            | "nolog"
            | "physical"
            | "privileged"
            | "verbose"
            | "histexpand"
            | "history"
            | "keyword"
            | "onecmd"
            | "functrace"
            | "errtrace" => {}
            _ => return Err(format!("{name}: invalid option name")),
        }
        Ok(())
    }

    async fn out(&mut self, s: impl Into<bytes::Bytes>) -> bool {
        self.write_out(s).await.is_ok()
    }

    /// Run builtin `argv[0]`.
    pub(crate) fn builtin<'a>(&'a mut self, argv: &'a [String]) -> Fut<'a> {
        Box::pin(async move {
            let name = argv[0].as_str();
            let args = &argv[1..];
            match name {
                ":" | "true" => self.status = 0,
                "false" => self.status = 1,
                "echo" => {
                    let out = crate::commands::echo_render(args);
                    self.status = match self.write_out(out).await {
                        Ok(()) => 0,
                        Err(e) => {
                            self.error(format!("echo: write error: {}", e.strerror()))
                                .await;
                            1
                        }
                    };
                }
                "printf" => self.b_printf(args).await,
                "cd" => self.b_cd(args).await,
                "pwd" => {
                    let cwd = self.proc.cwd();
                    self.status = if self.out(format!("{cwd}\n")).await {
                        0
                    } else {
                        1
                    };
                }
                "export" => self.b_export(args, false).await,
                "readonly" => self.b_export(args, true).await,
                "unset" => {
                    let mut funcs = false;
                    let mut explicit_var = false;
                    self.status = 0;
                    for a in args {
                        match a.as_str() {
                            "-f" => funcs = true,
                            "-v" => {
                                funcs = false;
                                explicit_var = true;
                            }
                            n if funcs => {
                                self.funcs.remove(n);
                            }
                            n => {
                                if let Some((base, idx)) = n.split_once('[') {
                                    let idx = idx.trim_end_matches(']').to_owned();
                                    let assoc = matches!(
                                        self.var(base).map(|v| &v.value),
                                        Some(Value::Assoc(_))
                                    );
                                    let key = if assoc {
                                        idx
                                    } else {
                                        self.arith(&idx).await.unwrap_or(0).to_string()
                                    };
                                    match &mut self.var_mut(base).value {
                                        Value::Indexed(m) => {
                                            m.remove(&key.parse::<i64>().unwrap_or(0));
                                        }
                                        Value::Assoc(m) => {
                                            m.remove(&key);
                                        }
                                        Value::Str(_) => {}
                                    }
                                } else if self.var(n).is_none() && !explicit_var {
                                    // Without -v, a name that is no variable unsets the function.
                                    self.funcs.remove(n);
                                } else if let Err(msg) = self.unset(n) {
                                    self.error(format!("unset: {msg}")).await;
                                    self.status = 1;
                                }
                            }
                        }
                    }
                }
                "set" => return self.b_set(args).await,
                "shift" => {
                    let n = match args.first() {
                        Some(a) => match a.parse::<usize>() {
                            Ok(n) => n,
                            Err(_) => {
                                self.error(format!("shift: {a}: numeric argument required"))
                                    .await;
                                self.status = 1;
                                return Ok(());
                            }
                        },
                        None => 1,
                    };
                    if n > self.positional.len() {
                        self.status = 1;
                    } else {
                        self.positional.drain(..n);
                        self.status = 0;
                    }
                }
                "exit" => {
                    let code = match args.first() {
                        Some(a) => match a.parse::<i64>() {
                            Ok(v) => (v & 0xff) as i32,
                            Err(_) => {
                                self.error(format!("exit: {a}: numeric argument required"))
                                    .await;
                                2
                            }
                        },
                        None => self.status,
                    };
                    return Err(Ctl::Exit(code));
                }
                "return" => {
                    if let Some(a) = args.first() {
                        match a.parse::<i64>() {
                            Ok(v) => self.status = (v & 0xff) as i32,
                            Err(_) => {
                                self.error(format!("return: {a}: numeric argument required"))
                                    .await;
                                self.status = 2;
                            }
                        }
                    }
                    if self.func_depth == 0 && self.source_depth == 0 {
                        self.error("return: can only `return' from a function or sourced script")
                            .await;
                        self.status = 2;
                        return Ok(());
                    }
                    return Err(Ctl::Return);
                }
                "break" | "continue" => {
                    let n = args
                        .first()
                        .and_then(|a| a.parse::<u32>().ok())
                        .unwrap_or(1)
                        .max(1);
                    if self.loop_depth == 0 {
                        self.error(format!(
                            "{name}: only meaningful in a `for', `while', or `until' loop"
                        ))
                        .await;
                        self.status = 0;
                        return Ok(());
                    }
                    self.status = 0;
                    let n = n.min(self.loop_depth);
                    return Err(if name == "break" {
                        Ctl::Break(n)
                    } else {
                        Ctl::Continue(n)
                    });
                }
                "local" | "declare" | "typeset" => return self.b_declare(name, args).await,
                "read" => {
                    if until_interrupt(self.proc.clone(), self.interactive, self.b_read(args)).await
                    {
                        self.status = 130;
                    }
                }
                "eval" => {
                    let src = args.join(" ");
                    self.status = 0;
                    return self.eval_string(&src, "eval").await;
                }
                "source" | "." => return self.b_source(args).await,
                "exec" => return self.b_exec(args).await,
                "test" => self.b_test("test", args).await,
                "[" => {
                    if args.last().map(String::as_str) != Some("]") {
                        self.error("[: missing `]'").await;
                        self.status = 2;
                        return Ok(());
                    }
                    self.b_test("[", &args[..args.len() - 1]).await;
                }
                "type" => self.b_type(args).await,
                "history" => {
                    let listing = self.history_listing();
                    self.status = i32::from(self.write_out(listing).await.is_err());
                }
                "command" => return self.b_command(args).await,
                "builtin" => {
                    if args.is_empty() {
                        self.status = 0;
                    } else if is_builtin(&args[0]) {
                        return self.builtin(args).await;
                    } else {
                        self.error(format!("builtin: {}: not a shell builtin", args[0]))
                            .await;
                        self.status = 1;
                    }
                }
                "wait" => {
                    if until_interrupt(self.proc.clone(), self.interactive, self.b_wait(args)).await
                    {
                        self.status = 130;
                    }
                }
                "trap" => self.b_trap(args).await,
                "let" => {
                    if args.is_empty() {
                        self.error("let: expression expected").await;
                        self.status = 1;
                        return Ok(());
                    }
                    let mut last = 0;
                    for a in args {
                        match self.arith(a).await {
                            Ok(v) => last = v,
                            Err(e) => {
                                self.error(format!("let: {e}")).await;
                                self.status = 1;
                                return Ok(());
                            }
                        }
                    }
                    self.status = i32::from(last == 0);
                }
                "shopt" => {
                    let (mut on, mut off) = (false, false);
                    for a in args {
                        match a.as_str() {
                            "-s" => on = true,
                            "-u" => off = true,
                            "-q" | "-p" | "-o" => {}
                            name => {
                                if on || off {
                                    self.shopts.insert(name.to_owned(), on);
                                }
                            }
                        }
                    }
                    self.status = 0;
                }
                "alias" | "unalias" | "hash" | "umask" => {
                    // Aliases are off in non-interactive shells; the rest have nothing to do.
                    self.status = 0;
                }
                "kill" => self.b_kill(args).await,
                "mapfile" | "readarray" => self.b_mapfile(args).await,
                "getopts" => self.b_getopts(args).await,
                _ => {
                    self.error(format!("{name}: not a shell builtin")).await;
                    self.status = 1;
                }
            }
            Ok(())
        })
    }

    /// The pid a job operand names: a pid, `%N` (the N-th background job of this shell), or
    /// `%%`/`%+` (the latest).
    pub(crate) fn job_pid(&self, a: &str) -> Option<u32> {
        match a.strip_prefix('%') {
            None => a.parse().ok(),
            Some("%" | "+" | "") => self.job_pids.last().copied(),
            Some(n) => n
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| self.job_pids.get(i).copied()),
        }
    }

    async fn b_printf(&mut self, args: &[String]) {
        let mut args = args;
        let mut var: Option<String> = None;
        if args.first().is_some_and(|a| a == "-v") {
            var = args.get(1).cloned();
            args = args.get(2..).unwrap_or(&[]);
        }
        if args.first().is_some_and(|a| a == "--") {
            args = &args[1..];
        }
        let Some(fmt) = args.first() else {
            self.error("printf: usage: printf [-v var] format [arguments]")
                .await;
            self.status = 2;
            return;
        };
        let (bytes, errors) = crate::commands::printf_format(fmt, &args[1..]);
        for e in &errors {
            self.error(format!("printf: {e}")).await;
        }
        self.status = i32::from(!errors.is_empty());
        match var {
            Some(v) => {
                if let Err(m) = self.set(&v, &String::from_utf8_lossy(&bytes)) {
                    self.error(m).await;
                    self.status = 1;
                }
            }
            None => {
                if self.write_out(bytes).await.is_err() {
                    self.status = 1;
                }
            }
        }
    }

    async fn b_cd(&mut self, args: &[String]) {
        let args: Vec<&String> = args
            .iter()
            .filter(|a| !matches!(a.as_str(), "-L" | "-P"))
            .collect();
        if args.len() > 1 {
            self.error("cd: too many arguments").await;
            self.status = 1;
            return;
        }
        let mut print = false;
        let target = match args.first().map(|s| s.as_str()) {
            None | Some("~") => match self.get("HOME") {
                Some(h) => h,
                None => {
                    self.error("cd: HOME not set").await;
                    self.status = 1;
                    return;
                }
            },
            Some("-") => match self.get("OLDPWD") {
                Some(o) => {
                    print = true;
                    o
                }
                None => {
                    self.error("cd: OLDPWD not set").await;
                    self.status = 1;
                    return;
                }
            },
            Some(d) => d.to_owned(),
        };
        let cwd = self.proc.cwd();
        let mut candidates = Vec::new();
        if !target.starts_with('/') && !target.starts_with('.') {
            if let Some(cdpath) = self.get("CDPATH") {
                for dir in cdpath.split(':').filter(|d| !d.is_empty()) {
                    let base = if dir.starts_with('/') {
                        dir.to_owned()
                    } else {
                        path::join(&cwd, dir)
                    };
                    candidates.push((path::join(&base, &target), true));
                }
            }
        }
        candidates.push((
            if target.starts_with('/') {
                target.clone()
            } else {
                path::join(&cwd, &target)
            },
            false,
        ));
        for (cand, via_cdpath) in candidates {
            let logical = normalize(&cand);
            match self.kernel.vfs().stat(Cred::GUEST, &logical, true).await {
                Ok(st) if st.file_type == FileType::Dir => {
                    self.set_pwd(&cwd, &logical);
                    if print || via_cdpath {
                        let _ = self.out(format!("{logical}\n")).await;
                    }
                    self.status = 0;
                    return;
                }
                Ok(_) if !via_cdpath => {
                    self.error(format!("cd: {target}: Not a directory")).await;
                    self.status = 1;
                    return;
                }
                Err(e) if !via_cdpath => {
                    let errno = e
                        .errno_value()
                        .unwrap_or(crate::kernel::errno::Errno::ENOENT);
                    self.error(format!("cd: {target}: {}", errno.strerror()))
                        .await;
                    self.status = 1;
                    return;
                }
                _ => {}
            }
        }
    }

    fn set_pwd(&mut self, old: &str, new: &str) {
        self.proc.set_cwd(new.to_owned());
        let _ = self.set("OLDPWD", old);
        let _ = self.set("PWD", new);
        self.var_mut("OLDPWD").exported = true;
    }

    async fn b_export(&mut self, args: &[String], readonly: bool) {
        self.status = 0;
        let mut print = args.is_empty();
        let mut unexport = false;
        for a in args {
            if a == "-p" {
                print = true;
                continue;
            }
            if a == "-n" {
                unexport = true;
                continue;
            }
            if a == "-f" || a.starts_with('-') && a.len() > 1 && !a.contains('=') {
                continue;
            }
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (a.clone(), None),
            };
            let (name, append) = match name.strip_suffix('+') {
                Some(n) => (n.to_owned(), true),
                None => (name, false),
            };
            if !is_name(&name) {
                let what = if readonly { "readonly" } else { "export" };
                self.error(format!("{what}: `{a}': not a valid identifier"))
                    .await;
                self.status = 1;
                continue;
            }
            if let Some(v) = value {
                let v = if append {
                    format!("{}{v}", self.get(&name).unwrap_or_default())
                } else {
                    v
                };
                if let Err(m) = self.set(&name, &v) {
                    self.error(m).await;
                    self.status = 1;
                    continue;
                }
            }
            if unexport {
                if let Some(v) = self.vars.get_mut(&name) {
                    v.exported = false;
                }
                continue;
            }
            let var = self.var_mut(&name);
            if readonly {
                var.readonly = true;
            } else {
                var.exported = true;
            }
        }
        if print {
            let mut out = String::new();
            for n in self.var_names() {
                let Some(v) = self.var(&n) else { continue };
                if (readonly && v.readonly) || (!readonly && v.exported) {
                    let flag = if readonly { "-r" } else { "-x" };
                    out.push_str(&declare_line(&n, v, flag));
                }
            }
            let _ = self.out(out).await;
        }
    }

    fn b_set<'a>(&'a mut self, args: &'a [String]) -> Fut<'a> {
        Box::pin(async move {
            self.status = 0;
            if args.is_empty() {
                let mut out = String::new();
                for n in self.var_names() {
                    if let Some(v) = self.var(&n) {
                        if let Some(s) = v.scalar() {
                            out.push_str(&format!("{n}={}\n", quote_value(s)));
                        }
                    }
                }
                let _ = self.out(out).await;
                return Ok(());
            }
            let mut i = 0;
            while i < args.len() {
                let a = &args[i];
                if a == "--" {
                    self.positional = args[i + 1..].to_vec();
                    return Ok(());
                }
                if a == "-o" || a == "+o" {
                    match args.get(i + 1) {
                        Some(name) => {
                            if let Err(m) = self.set_option_name(name, a == "-o") {
                                self.error(format!("set: {m}")).await;
                                self.status = 2;
                                return Ok(());
                            }
                            i += 2;
                            continue;
                        }
                        None => {
                            let mut out = String::new();
                            for (n, v) in [
                                ("errexit", self.opts.errexit),
                                ("noclobber", self.opts.noclobber),
                                ("noglob", self.opts.noglob),
                                ("nounset", self.opts.nounset),
                                ("pipefail", self.opts.pipefail),
                                ("xtrace", self.opts.xtrace),
                            ] {
                                out.push_str(&format!(
                                    "{n:<15}\t{}\n",
                                    if v { "on" } else { "off" }
                                ));
                            }
                            let _ = self.out(out).await;
                            return Ok(());
                        }
                    }
                }
                if (a.starts_with('-') || a.starts_with('+')) && a.len() > 1 {
                    let on = a.starts_with('-');
                    for c in a[1..].chars() {
                        match c {
                            'e' => self.opts.errexit = on,
                            'u' => self.opts.nounset = on,
                            'x' => self.opts.xtrace = on,
                            'f' => self.opts.noglob = on,
                            'C' => self.opts.noclobber = on,
                            'a' => self.opts.allexport = on,
                            'n' => self.opts.noexec = on,
                            'h' | 'B' | 'm' | 'b' | 'H' | 'P' | 'T' | 'E' | 'v' | 'k' | 't' => {}
                            _ => {
                                self.error(format!(
                                    "set: {}{c}: invalid option",
                                    if on { '-' } else { '+' }
                                ))
                                .await;
                                self.status = 2;
                                return Ok(());
                            }
                        }
                    }
                    i += 1;
                    continue;
                }
                self.positional = args[i..].to_vec();
                return Ok(());
            }
            Ok(())
        })
    }

    fn b_declare<'a>(&'a mut self, name: &'a str, args: &'a [String]) -> Fut<'a> {
        Box::pin(async move {
            self.status = 0;
            let local = name == "local" || self.func_depth > 0 && !args.iter().any(|a| a == "-g");
            if name == "local" && self.func_depth == 0 {
                self.error("local: can only be used in a function").await;
                self.status = 1;
                return Ok(());
            }
            let (mut assoc, mut indexed, mut export, mut ro, mut integer, mut print, mut funcs) =
                (false, false, false, false, false, false, false);
            let mut names = Vec::new();
            for a in args {
                if (a.starts_with('-') || a.starts_with('+')) && a.len() > 1 && names.is_empty() {
                    for c in a[1..].chars() {
                        match c {
                            'A' => assoc = true,
                            'a' => indexed = true,
                            'x' => export = true,
                            'r' => ro = true,
                            'i' => integer = true,
                            'p' => print = true,
                            'f' | 'F' => funcs = true,
                            _ => {}
                        }
                    }
                } else {
                    names.push(a.clone());
                }
            }
            if funcs {
                let mut out = String::new();
                let mut keys: Vec<&String> = self.funcs.keys().collect();
                keys.sort();
                for k in keys {
                    out.push_str(&format!("declare -f {k}\n"));
                }
                let _ = self.out(out).await;
                return Ok(());
            }
            if print || names.is_empty() {
                let list = if names.is_empty() {
                    self.var_names()
                } else {
                    names
                        .iter()
                        .map(|n| n.split('=').next().unwrap_or("").to_owned())
                        .collect()
                };
                let mut out = String::new();
                for n in list {
                    match self.var(&n) {
                        Some(v) => out.push_str(&declare_line(&n, v, "")),
                        None => {
                            self.error(format!("declare: {n}: not found")).await;
                            self.status = 1;
                        }
                    }
                }
                let _ = self.out(out).await;
                return Ok(());
            }
            for a in names {
                let (lhs, value) = match a.split_once('=') {
                    Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                    None => (a.clone(), None),
                };
                let (n, append) = match lhs.strip_suffix('+') {
                    Some(n) => (n.to_owned(), true),
                    None => (lhs.clone(), false),
                };
                let base = n.split('[').next().unwrap_or("").to_owned();
                if !is_name(&base) {
                    self.error(format!("{name}: `{a}': not a valid identifier"))
                        .await;
                    self.status = 1;
                    continue;
                }
                if local {
                    self.make_local(&base);
                    if self
                        .locals
                        .last()
                        .is_some_and(|f| f.iter().any(|(x, old)| *x == base && old.is_some()))
                        && value.is_none()
                        && !assoc
                        && !indexed
                    {
                        // `local x` without a value keeps nothing from the outer scope.
                        self.vars_remove(&base);
                    }
                }
                if assoc && !matches!(self.var(&base).map(|v| &v.value), Some(Value::Assoc(_))) {
                    let _ = self.set_value(&base, Value::Assoc(Default::default()));
                } else if indexed
                    && !matches!(self.var(&base).map(|v| &v.value), Some(Value::Indexed(_)))
                {
                    let cur = self.get(&base);
                    let m = cur
                        .map(|s| std::collections::BTreeMap::from([(0, s)]))
                        .unwrap_or_default();
                    let _ = self.set_value(&base, Value::Indexed(m));
                }
                if integer {
                    self.var_mut(&base).integer = true;
                }
                if let Some(v) = value {
                    let r = if v.starts_with('(')
                        && v.ends_with(')')
                        && (assoc || indexed || !n.contains('['))
                    {
                        // Compound assignment given as a word: parse it as an assignment.
                        let src = format!("{n}{}={v}", if append { "+" } else { "" });
                        match brush_parser::parse_tokens(
                            &brush_parser::tokenize_str(&src).unwrap_or_default(),
                            &Default::default(),
                        ) {
                            Ok(prog) => self.assign_from_program(&prog).await,
                            Err(_) => Err(format!("{a}: syntax error")),
                        }
                    } else if let Some((b, idx)) = n.split_once('[') {
                        let idx = idx.trim_end_matches(']');
                        self.assign(b, Some(idx), Value::Str(v), append)
                    } else {
                        self.assign(&n, None, Value::Str(v), append)
                    };
                    if let Err(m) = r {
                        self.error(format!("{name}: {m}")).await;
                        self.status = 1;
                        continue;
                    }
                } else if self.var(&base).is_none() {
                    // Declared without a value: exists but unset for `-v`; keep it simple.
                    if !local {
                        continue;
                    }
                }
                if export {
                    self.var_mut(&base).exported = true;
                }
                if ro {
                    self.var_mut(&base).readonly = true;
                }
            }
            Ok(())
        })
    }

    async fn assign_from_program(&mut self, prog: &ast::Program) -> Result<(), String> {
        for cc in &prog.complete_commands {
            for item in &cc.0 {
                if let ast::Command::Simple(sc) = &item.0.first.seq[0] {
                    for it in sc.prefix.iter().flat_map(|p| p.0.iter()) {
                        if let ast::CommandPrefixOrSuffixItem::AssignmentWord(a, _) = it {
                            let (n, i, v, app) =
                                self.assignment_value(a).await.map_err(|e| e.message())?;
                            self.assign(&n, i.as_deref(), v, app)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    async fn b_wait(&mut self, args: &[String]) {
        if args.first().is_some_and(|a| a == "-n") {
            self.status = self.wait_any().await.unwrap_or(127);
            return;
        }
        if args.is_empty() {
            self.wait_jobs(None).await;
            self.status = 0;
        } else {
            for a in args {
                let pid = self.job_pid(a);
                match pid {
                    Some(p) => match self.wait_jobs(Some(p)).await {
                        Some(code) => self.status = code,
                        None => {
                            self.error(format!("wait: pid {p} is not a child of this shell"))
                                .await;
                            self.status = 127;
                        }
                    },
                    None => {
                        self.error(format!("wait: `{a}': not a pid or valid job spec"))
                            .await;
                        self.status = 2;
                    }
                }
            }
        }
    }

    async fn b_read(&mut self, args: &[String]) {
        let mut raw = false;
        let mut prompt: Option<String> = None;
        let mut array: Option<String> = None;
        let mut delim = b'\n';
        let mut nchars: Option<usize> = None;
        let mut names: Vec<String> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a.len() > 1 && a.starts_with('-') && names.is_empty() {
                let flags: Vec<char> = a[1..].chars().collect();
                for (k, c) in flags.iter().enumerate() {
                    let takes = matches!(c, 'p' | 'a' | 'd' | 'n' | 'N' | 't' | 'u');
                    let value = if takes {
                        let inline: String = flags[k + 1..].iter().collect();
                        if inline.is_empty() {
                            i += 1;
                            args.get(i).cloned()
                        } else {
                            Some(inline)
                        }
                    } else {
                        None
                    };
                    match c {
                        'r' => raw = true,
                        'p' => prompt = value,
                        'a' => array = value,
                        'd' => delim = value.and_then(|d| d.bytes().next()).unwrap_or(0),
                        'n' | 'N' => nchars = value.and_then(|n| n.parse().ok()),
                        _ => {}
                    }
                    if takes {
                        break;
                    }
                }
            } else {
                names.push(a.clone());
            }
            i += 1;
        }
        let _ = prompt; // Prompts go to a terminal only; stdin is not one here.
        let Ok(file) = self.fds.get(0).cloned() else {
            self.status = 1;
            return;
        };
        // Read byte by byte so nothing past the line is consumed (like bash on a pipe).
        let mut line: Vec<u8> = Vec::new();
        let mut eof = false;
        loop {
            if nchars.is_some_and(|n| line.len() >= n) {
                break;
            }
            match file.read(1).await {
                Ok(b) if b.is_empty() => {
                    eof = true;
                    break;
                }
                Ok(b) => {
                    let c = b[0];
                    if c == b'\\' && !raw {
                        match file.read(1).await {
                            Ok(n) if !n.is_empty() => {
                                if n[0] != b'\n' {
                                    line.push(b'\\');
                                    line.push(n[0]);
                                }
                                continue;
                            }
                            _ => {
                                eof = true;
                                break;
                            }
                        }
                    }
                    if c == delim {
                        break;
                    }
                    line.push(c);
                }
                Err(_) => {
                    eof = true;
                    break;
                }
            }
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let ifs = self.get("IFS").unwrap_or_else(|| " \t\n".to_owned());
        let unescape = |s: &str| -> String {
            if raw {
                return s.to_owned();
            }
            let mut out = String::new();
            let mut esc = false;
            for c in s.chars() {
                if esc {
                    out.push(c);
                    esc = false;
                } else if c == '\\' {
                    esc = true;
                } else {
                    out.push(c);
                }
            }
            out
        };
        if let Some(arr) = array {
            let fields: Vec<String> = split_read(&text, &ifs, usize::MAX)
                .into_iter()
                .map(|f| unescape(&f))
                .collect();
            let m = fields
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i as i64, v))
                .collect();
            let _ = self.set_value(&arr, Value::Indexed(m));
        } else {
            if names.is_empty() {
                names.push("REPLY".to_owned());
                let _ = self.set("REPLY", &unescape(&text));
            } else {
                let fields = split_read(&text, &ifs, names.len());
                for (i, n) in names.iter().enumerate() {
                    let v = fields.get(i).map(|f| unescape(f)).unwrap_or_default();
                    if let Err(m) = self.set(n, &v) {
                        self.error(format!("read: {m}")).await;
                    }
                }
            }
        }
        self.status =
            i32::from(eof && line.is_empty() || eof && delim == b'\n' && nchars.is_none());
    }

    fn b_source<'a>(&'a mut self, args: &'a [String]) -> Fut<'a> {
        Box::pin(async move {
            let Some(file) = args.first() else {
                self.error(".: filename argument required").await;
                self.status = 2;
                return Ok(());
            };
            let p = if file.contains('/') {
                Some(if file.starts_with('/') {
                    file.clone()
                } else {
                    path::join(&self.proc.cwd(), file)
                })
            } else {
                let mut found = None;
                let path_var = self.get("PATH").unwrap_or_default();
                for dir in path_var.split(':').filter(|d| !d.is_empty()) {
                    let cand = path::join(dir, file);
                    if self
                        .kernel
                        .vfs()
                        .stat(Cred::GUEST, &cand, true)
                        .await
                        .is_ok_and(|s| s.file_type == FileType::File)
                    {
                        found = Some(cand);
                        break;
                    }
                }
                found.or_else(|| Some(path::join(&self.proc.cwd(), file)))
            };
            let p = p.unwrap_or_default();
            let src = match self.kernel.vfs().read_file(Cred::GUEST, &p).await {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    let errno = e
                        .errno_value()
                        .unwrap_or(crate::kernel::errno::Errno::ENOENT);
                    self.error(format!("{file}: {}", errno.strerror())).await;
                    self.status = 1;
                    return Ok(());
                }
            };
            let saved = if args.len() > 1 {
                Some(std::mem::replace(&mut self.positional, args[1..].to_vec()))
            } else {
                None
            };
            self.status = 0;
            let r = self.eval_string(&src, file).await;
            if let Some(s) = saved {
                self.positional = s;
            }
            match r {
                Err(Ctl::Return) => Ok(()),
                other => other,
            }
        })
    }

    fn b_exec<'a>(&'a mut self, args: &'a [String]) -> Fut<'a> {
        Box::pin(async move {
            if args.is_empty() {
                // Redirections already applied by the caller become permanent: the caller
                // restores `fds` afterwards, so signal it by returning the new table.
                self.status = 0;
                self.exec_keep_fds = true;
                return Ok(());
            }
            let env = self.child_env();
            self.run_external(args.to_vec(), env).await;
            Err(Ctl::Exit(self.status))
        })
    }

    async fn b_test(&mut self, name: &str, args: &[String]) {
        match self.test_command(args).await {
            Ok(b) => self.status = i32::from(!b),
            Err(m) => {
                self.error(format!("{name}: {m}")).await;
                self.status = 2;
            }
        }
    }

    async fn describe(&mut self, name: &str) -> Option<(String, String)> {
        const KEYWORDS: &[&str] = &[
            "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until",
            "do", "done", "in", "function", "time", "{", "}", "!", "[[", "]]",
        ];
        if KEYWORDS.contains(&name) {
            return Some(("keyword".into(), format!("{name} is a shell keyword")));
        }
        if self.funcs.contains_key(name) {
            return Some(("function".into(), format!("{name} is a function")));
        }
        if is_builtin(name) {
            return Some(("builtin".into(), format!("{name} is a shell builtin")));
        }
        let env = self.child_env();
        let env = if let Some(p) = self.get("PATH") {
            let mut e = env;
            e.insert("PATH".into(), p);
            e
        } else {
            env
        };
        match crate::commands::find_in_path(&self.kernel, &env, &self.proc.cwd(), name).await {
            Ok(p) => Some(("file".into(), p)),
            Err(_) => None,
        }
    }

    async fn b_type(&mut self, args: &[String]) {
        let mut kind_only = false;
        let mut path_only = false;
        self.status = 0;
        for a in args {
            match a.as_str() {
                "-t" => kind_only = true,
                "-p" | "-P" => path_only = true,
                "-a" => {}
                n => match self.describe(n).await {
                    Some((kind, text)) => {
                        let line = if kind_only {
                            kind
                        } else if kind == "file" {
                            if path_only {
                                text
                            } else {
                                format!("{n} is {text}")
                            }
                        } else if path_only {
                            continue;
                        } else {
                            text
                        };
                        let _ = self.out(format!("{line}\n")).await;
                    }
                    None => {
                        if !kind_only && !path_only {
                            self.error(format!("type: {n}: not found")).await;
                        }
                        self.status = 1;
                    }
                },
            }
        }
    }

    fn b_command<'a>(&'a mut self, args: &'a [String]) -> Fut<'a> {
        Box::pin(async move {
            let mut i = 0;
            let (mut v, mut big_v) = (false, false);
            while i < args.len() && args[i].starts_with('-') && args[i].len() > 1 {
                for c in args[i][1..].chars() {
                    match c {
                        'v' => v = true,
                        'V' => big_v = true,
                        _ => {}
                    }
                }
                i += 1;
            }
            let rest = &args[i..];
            if rest.is_empty() {
                self.status = 0;
                return Ok(());
            }
            if v || big_v {
                self.status = 0;
                for n in rest {
                    match self.describe(n).await {
                        Some((kind, text)) => {
                            let line = if big_v {
                                if kind == "file" {
                                    format!("{n} is {text}")
                                } else {
                                    text
                                }
                            } else if kind == "file" {
                                text
                            } else {
                                n.clone()
                            };
                            let _ = self.out(format!("{line}\n")).await;
                        }
                        None => {
                            if big_v {
                                self.error(format!("command: {n}: not found")).await;
                            }
                            self.status = 1;
                        }
                    }
                }
                return Ok(());
            }
            if is_builtin(&rest[0]) {
                return self.builtin(rest).await;
            }
            let env = self.child_env();
            self.run_external(rest.to_vec(), env).await;
            Ok(())
        })
    }

    async fn b_trap(&mut self, args: &[String]) {
        self.status = 0;
        if args.is_empty() || args[0] == "-p" {
            let mut out = String::new();
            for (sig, action) in &self.traps {
                let name = if sig == "EXIT" {
                    "EXIT".to_owned()
                } else {
                    format!("SIG{sig}")
                };
                out.push_str(&format!(
                    "trap -- '{}' {name}\n",
                    action.replace('\'', "'\\''")
                ));
            }
            let _ = self.out(out).await;
            return;
        }
        if args[0] == "-l" {
            let _ = self
                .out(" 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 9) SIGKILL\t15) SIGTERM\n")
                .await;
            return;
        }
        let (action, sigs): (Option<&str>, &[String]) = if args.len() == 1 || args[0] == "-" {
            (None, if args[0] == "-" { &args[1..] } else { args })
        } else {
            (Some(args[0].as_str()), &args[1..])
        };
        for s in sigs {
            let up = s.to_ascii_uppercase();
            let key = match up.as_str() {
                "0" | "EXIT" => "EXIT".to_owned(),
                "ERR" | "DEBUG" | "RETURN" => up.clone(),
                _ => match Signal::parse(&up) {
                    Some(sig) => sig.short_name().to_owned(),
                    None => {
                        self.error(format!("trap: {s}: invalid signal specification"))
                            .await;
                        self.status = 1;
                        continue;
                    }
                },
            };
            let sig = Signal::parse(&key);
            match action {
                None => {
                    self.traps.remove(&key);
                    if let Some(sig) = sig {
                        self.proc.catch(sig, false);
                        self.proc.ignore(sig, false);
                        if self.interactive && matches!(sig, Signal::SIGINT | Signal::SIGQUIT) {
                            // An interactive shell handles ^C and ^\ itself, trap or not.
                            self.proc.catch(sig, true);
                        }
                    }
                }
                Some("") => {
                    self.traps.insert(key.clone(), String::new());
                    if let Some(sig) = sig {
                        self.proc.ignore(sig, true);
                    }
                }
                Some(a) => {
                    self.traps.insert(key.clone(), a.to_owned());
                    if let Some(sig) = sig {
                        self.proc.catch(sig, true);
                    }
                }
            }
        }
    }

    async fn b_kill(&mut self, args: &[String]) {
        let mut sig = Signal::SIGTERM;
        let mut targets = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "-s" || a == "-n" {
                if let Some(s) = args.get(i + 1).and_then(|s| Signal::parse(s)) {
                    sig = s;
                }
                i += 2;
                continue;
            }
            if a == "-l" || a == "-L" {
                let _ = self.out("HUP INT QUIT KILL USR1 USR2 PIPE ALRM TERM CHLD CONT STOP TSTP XFSZ WINCH\n").await;
                self.status = 0;
                return;
            }
            if let Some(s) = a.strip_prefix('-').filter(|_| targets.is_empty()) {
                match Signal::parse(s) {
                    Some(s) => sig = s,
                    None => {
                        self.error(format!("kill: {s}: invalid signal specification"))
                            .await;
                        self.status = 1;
                        return;
                    }
                }
            } else {
                targets.push(a.clone());
            }
            i += 1;
        }
        if targets.is_empty() {
            self.error("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]").await;
            self.status = 2;
            return;
        }
        self.status = 0;
        for t in targets {
            let resolved = if t.starts_with('%') {
                self.job_pid(&t)
                    .map_or_else(|| t.clone(), |p| p.to_string())
            } else {
                t.clone()
            };
            match resolved.parse::<i64>() {
                Ok(pid) => {
                    if self.kernel.procs().kill(pid, sig).is_err() {
                        self.error(format!("kill: ({t}) - No such process")).await;
                        self.status = 1;
                    }
                }
                Err(_) => {
                    self.error(format!("kill: {t}: arguments must be process or job IDs"))
                        .await;
                    self.status = 1;
                }
            }
        }
    }

    async fn b_mapfile(&mut self, args: &[String]) {
        let mut strip = false;
        let mut name = "MAPFILE".to_owned();
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "-t" => strip = true,
                "-d" | "-n" | "-O" | "-s" | "-u" | "-C" | "-c" => i += 1,
                a => name = a.to_owned(),
            }
            i += 1;
        }
        let Ok(file) = self.fds.get(0).cloned() else {
            self.status = 1;
            return;
        };
        let mut data = Vec::new();
        loop {
            match file.read(64 * 1024).await {
                Ok(b) if !b.is_empty() => data.extend_from_slice(&b),
                _ => break,
            }
        }
        let text = String::from_utf8_lossy(&data);
        let m = text
            .split_inclusive('\n')
            .enumerate()
            .map(|(i, l)| {
                (
                    i as i64,
                    if strip {
                        l.strip_suffix('\n').unwrap_or(l).to_owned()
                    } else {
                        l.to_owned()
                    },
                )
            })
            .collect();
        self.status = match self.set_value(&name, Value::Indexed(m)) {
            Ok(()) => 0,
            Err(m) => {
                self.error(format!("mapfile: {m}")).await;
                1
            }
        };
    }

    async fn b_getopts(&mut self, args: &[String]) {
        if args.len() < 2 {
            self.error("getopts: usage: getopts optstring name [arg ...]")
                .await;
            self.status = 2;
            return;
        }
        let optstring = args[0].clone();
        let name = args[1].clone();
        let params: Vec<String> = if args.len() > 2 {
            args[2..].to_vec()
        } else {
            self.positional.clone()
        };
        let silent = optstring.starts_with(':');
        let mut optind: usize = self
            .get("OPTIND")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        let mut optpos: usize = self
            .get("__AGENTOS_OPTPOS")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let Some(arg) = params.get(optind - 1) else {
            let _ = self.set(&name, "?");
            self.status = 1;
            return;
        };
        if optpos == 1 && (!arg.starts_with('-') || arg == "-" || arg == "--") {
            if arg == "--" {
                optind += 1;
            }
            let _ = self.set("OPTIND", &optind.to_string());
            let _ = self.set(&name, "?");
            self.status = 1;
            return;
        }
        let chars: Vec<char> = arg.chars().collect();
        let c = chars.get(optpos).copied().unwrap_or('?');
        optpos += 1;
        let spec = optstring.find(c).filter(|_| c != ':');
        let mut value = c.to_string();
        let mut optarg: Option<String> = None;
        match spec {
            None => {
                if silent {
                    optarg = Some(c.to_string());
                } else {
                    self.write_err(format!("{}: illegal option -- {c}\n", self.arg0))
                        .await;
                }
                value = "?".into();
            }
            Some(p) if optstring[p + 1..].starts_with(':') => {
                if optpos < chars.len() {
                    optarg = Some(chars[optpos..].iter().collect());
                    optpos = chars.len();
                } else if let Some(next) = params.get(optind) {
                    optarg = Some(next.clone());
                    optind += 1;
                } else {
                    if silent {
                        value = ":".into();
                        optarg = Some(c.to_string());
                    } else {
                        self.write_err(format!(
                            "{}: option requires an argument -- {c}\n",
                            self.arg0
                        ))
                        .await;
                        value = "?".into();
                    }
                }
            }
            Some(_) => {}
        }
        if optpos >= chars.len() {
            optind += 1;
            optpos = 1;
        }
        let _ = self.set("OPTIND", &optind.to_string());
        let _ = self.set("__AGENTOS_OPTPOS", &optpos.to_string());
        let _ = self.set(&name, &value);
        match optarg {
            Some(a) => {
                let _ = self.set("OPTARG", &a);
            }
            None => {
                let _ = self.unset("OPTARG");
            }
        }
        self.status = 0;
    }
}

/// `IFS` splitting for `read`: the last name takes the rest of the line.
fn split_read(text: &str, ifs: &str, max: usize) -> Vec<String> {
    let is_ws = |c: char| ifs.contains(c) && c.is_whitespace();
    let t = text.trim_matches(is_ws);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = t.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if out.len() + 1 == max {
            let rest = &t[i..];
            let rest = rest.trim_end_matches(is_ws);
            cur.push_str(rest);
            break;
        }
        if ifs.contains(c) {
            out.push(std::mem::take(&mut cur));
            // Whitespace around a delimiter collapses.
            while let Some(&(_, n)) = chars.peek() {
                if is_ws(n) {
                    chars.next();
                } else {
                    break;
                }
            }
            if is_ws(c) {
                if let Some(&(_, n)) = chars.peek() {
                    if ifs.contains(n) && !is_ws(n) {
                        chars.next();
                        while let Some(&(_, m)) = chars.peek() {
                            if is_ws(m) {
                                chars.next();
                            } else {
                                break;
                            }
                        }
                    }
                }
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() || out.len() < max && !t.is_empty() {
        out.push(cur);
    }
    out
}

fn quote_value(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:,+@%=".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn declare_line(name: &str, v: &Var, extra: &str) -> String {
    let mut flags = String::new();
    match &v.value {
        Value::Indexed(_) => flags.push('a'),
        Value::Assoc(_) => flags.push('A'),
        Value::Str(_) => {}
    }
    if v.integer {
        flags.push('i');
    }
    if v.readonly {
        flags.push('r');
    }
    if v.exported {
        flags.push('x');
    }
    let _ = extra;
    let flags = if flags.is_empty() {
        "--".to_owned()
    } else {
        format!("-{flags}")
    };
    match &v.value {
        Value::Str(s) => format!(
            "declare {flags} {name}=\"{}\"\n",
            s.replace('\\', "\\\\").replace('"', "\\\"")
        ),
        Value::Indexed(m) => {
            let items: Vec<String> = m.iter().map(|(k, x)| format!("[{k}]=\"{x}\"")).collect();
            format!("declare {flags} {name}=({})\n", items.join(" "))
        }
        Value::Assoc(m) => {
            let items: Vec<String> = m.iter().map(|(k, x)| format!("[{k}]=\"{x}\" ")).collect();
            format!("declare {flags} {name}=({})\n", items.join(""))
        }
    }
}

/// Lexically normalize an absolute path (`cd` keeps a logical `PWD`).
fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            x => out.push(x),
        }
    }
    format!("/{}", out.join("/"))
}
