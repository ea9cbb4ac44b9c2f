//! `sh` and `bash`: a POSIX/bash shell interpreter over the VM's kernel.
//!
//! Scripts are parsed by `brush-parser`; this module executes the syntax tree. Builtins run in
//! the shell's own process; external commands, pipeline stages, `( )`, `$( )` and `&` run as
//! processes of the VM (subshells are copies of the shell state running as a new process).

mod arith;
mod builtins;
mod exec;
mod expand;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod pattern;
mod readline;
mod test_expr;
mod vars;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use brush_parser::ast;

use crate::commands::{Ctx, Env, ProgramFuture};
use crate::kernel::process::{FdTable, Pid, Process};
use crate::kernel::Kernel;
pub use arith::parse_number;
pub use vars::{Value, Var};

/// Deepest function nesting before an error (bash's `FUNCNEST`, which bash leaves unlimited
/// and then crashes on; a VM must not).
pub const MAX_FUNC_DEPTH: usize = 1000;
/// Deepest nesting of `eval`/`source`/substitution parsing.
const MAX_SOURCE_DEPTH: usize = 100;

/// Non-local control flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ctl {
    /// `break N` (levels left).
    Break(u32),
    /// `continue N`.
    Continue(u32),
    /// `return` from a function or sourced file.
    Return,
    /// Leave the shell with this status.
    Exit(i32),
    /// ^C in an interactive shell: abandon the command line (status 130).
    Interrupted,
}

/// Result of running something: the status is in [`Shell::status`].
pub type R = Result<(), Ctl>;

/// A boxed future borrowing the shell.
pub type Fut<'a, T = R> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// `set -o` options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opts {
    /// `-e`.
    pub errexit: bool,
    /// `-u`.
    pub nounset: bool,
    /// `-x`.
    pub xtrace: bool,
    /// `-o pipefail`.
    pub pipefail: bool,
    /// `-f`.
    pub noglob: bool,
    /// `-C`.
    pub noclobber: bool,
    /// `-a`.
    pub allexport: bool,
    /// `-n`.
    pub noexec: bool,
}

/// The shell's state. Cloning it is what `fork` does for a subshell.
#[derive(Clone)]
pub struct Shell {
    pub(crate) kernel: Arc<Kernel>,
    pub(crate) proc: Arc<Process>,
    pub(crate) fds: FdTable,
    vars: HashMap<String, Var>,
    funcs: HashMap<String, Arc<ast::FunctionDefinition>>,
    pub(crate) positional: Vec<String>,
    pub(crate) arg0: String,
    pub(crate) opts: Opts,
    pub(crate) status: i32,
    pub(crate) last_bg: Option<Pid>,
    jobs: Vec<Arc<Process>>,
    /// Pids of the background jobs started, in order (`%N` job specs).
    job_pids: Vec<Pid>,
    traps: BTreeMap<String, String>,
    locals: Vec<Vec<(String, Option<Var>)>>,
    func_depth: usize,
    source_depth: usize,
    loop_depth: u32,
    errexit_off: usize,
    pub(crate) line: usize,
    line_base: usize,
    pipestatus: Vec<i32>,
    subshell: u32,
    /// Set by `exec` without a command: keep the redirections it was given.
    exec_keep_fds: bool,
    /// `shopt` options set or unset.
    pub(crate) shopts: HashMap<String, bool>,
    /// Names of the functions being run, innermost first (`FUNCNAME`).
    funcnames: Vec<String>,
    /// Reading commands from a terminal (^C abandons the command line).
    pub(crate) interactive: bool,
    /// Commands entered, when interactive (shared with subshells: `(history)` lists them).
    pub(crate) history: Option<readline::History>,
}

impl Shell {
    /// A shell for the process in `ctx`, with variables from its environment.
    pub fn new(ctx: &Ctx) -> Shell {
        let mut vars: HashMap<String, Var> = HashMap::new();
        for (k, v) in &ctx.env {
            if vars::is_name(k) {
                vars.insert(
                    k.clone(),
                    Var {
                        exported: true,
                        ..Var::str(v.clone())
                    },
                );
            }
        }
        let mut sh = Shell {
            kernel: ctx.kernel.clone(),
            proc: ctx.proc.clone(),
            fds: ctx.fds.clone(),
            vars,
            funcs: HashMap::new(),
            positional: Vec::new(),
            arg0: ctx
                .argv
                .first()
                .cloned()
                .unwrap_or_else(|| "bash".to_owned()),
            opts: Opts::default(),
            status: 0,
            last_bg: None,
            jobs: Vec::new(),
            job_pids: Vec::new(),
            traps: BTreeMap::new(),
            locals: Vec::new(),
            func_depth: 0,
            source_depth: 0,
            loop_depth: 0,
            errexit_off: 0,
            line: 1,
            line_base: 0,
            pipestatus: Vec::new(),
            subshell: 0,
            exec_keep_fds: false,
            shopts: HashMap::new(),
            funcnames: Vec::new(),
            interactive: false,
            history: None,
        };
        let cwd = ctx.proc.cwd();
        sh.set_exported("PWD", &cwd);
        for (k, v) in [
            ("IFS", " \t\n"),
            ("PS4", "+ "),
            ("OPTIND", "1"),
            ("BASH_VERSION", "5.2.15(1)-release"),
        ] {
            if !sh.vars.contains_key(k) {
                sh.vars.insert(k.to_owned(), Var::str(v));
            }
        }
        sh.vars
            .insert("PPID".to_owned(), Var::str(ctx.proc.ppid.to_string()));
        sh
    }

    // ---- variables -------------------------------------------------------------------

    /// The variable `name`.
    pub fn var(&self, name: &str) -> Option<&Var> {
        self.vars.get(name)
    }

    /// The scalar value of `name`, with the dynamic specials (`RANDOM`, `LINENO`, ...).
    pub fn get(&self, name: &str) -> Option<String> {
        match name {
            "LINENO" => return Some(self.line.to_string()),
            "RANDOM" => {
                let mut b = [0u8; 2];
                let _ = getrandom::fill(&mut b);
                return Some((u16::from_le_bytes(b) & 0x7fff).to_string());
            }
            "BASHPID" => return Some(self.proc.pid.to_string()),
            "BASH_SUBSHELL" => return Some(self.subshell.to_string()),
            "FUNCNAME" => return self.funcnames.first().cloned(),
            _ => {}
        }
        self.vars
            .get(name)
            .and_then(|v| v.scalar().map(str::to_owned))
    }

    /// Set a scalar (keeping attributes). Errors name a readonly variable.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        self.set_index(name, None, value.to_owned())
    }

    fn set_exported(&mut self, name: &str, value: &str) {
        let v = self
            .vars
            .entry(name.to_owned())
            .or_insert_with(|| Var::str(""));
        v.value = Value::Str(value.to_owned());
        v.exported = true;
    }

    /// Set `name[index]` (or the scalar, for `None`).
    pub fn set_index(
        &mut self,
        name: &str,
        index: Option<&str>,
        value: String,
    ) -> Result<(), String> {
        let allexport = self.opts.allexport;
        let integer = self.vars.get(name).is_some_and(|v| v.integer);
        let value = if integer {
            arith::eval_str(self, &value)
                .map(|n| n.to_string())
                .unwrap_or(value)
        } else {
            value
        };
        let v = self
            .vars
            .entry(name.to_owned())
            .or_insert_with(|| Var::str(""));
        if v.readonly {
            return Err(format!("{name}: readonly variable"));
        }
        if allexport {
            v.exported = true;
        }
        match (index, &mut v.value) {
            (None, Value::Str(s)) => *s = value,
            (None, Value::Indexed(m)) => {
                m.insert(0, value);
            }
            (None, Value::Assoc(m)) => {
                m.insert("0".to_owned(), value);
            }
            (Some(i), Value::Assoc(m)) => {
                m.insert(i.to_owned(), value);
            }
            (Some(i), val) => {
                let idx: i64 = i.trim().parse().unwrap_or(0);
                let mut m = match std::mem::replace(val, Value::Str(String::new())) {
                    Value::Indexed(m) => m,
                    Value::Str(s) => BTreeMap::from([(0, s)]),
                    Value::Assoc(_) => BTreeMap::new(),
                };
                let idx = if idx < 0 {
                    m.keys().next_back().map_or(0, |k| k + 1) + idx
                } else {
                    idx
                };
                m.insert(idx, value);
                *val = Value::Indexed(m);
            }
        }
        Ok(())
    }

    /// Replace a variable's whole value.
    pub fn set_value(&mut self, name: &str, value: Value) -> Result<(), String> {
        let v = self
            .vars
            .entry(name.to_owned())
            .or_insert_with(|| Var::str(""));
        if v.readonly {
            return Err(format!("{name}: readonly variable"));
        }
        v.value = value;
        Ok(())
    }

    /// Remove a variable.
    pub fn unset(&mut self, name: &str) -> Result<(), String> {
        if self.vars.get(name).is_some_and(|v| v.readonly) {
            return Err(format!("{name}: cannot unset: readonly variable"));
        }
        self.vars.remove(name);
        Ok(())
    }

    pub(crate) fn var_mut(&mut self, name: &str) -> &mut Var {
        self.vars
            .entry(name.to_owned())
            .or_insert_with(|| Var::str(""))
    }

    pub(crate) fn var_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.vars.keys().cloned().collect();
        v.sort();
        v
    }

    /// Save `name` for restoring when the current function returns (`local`).
    pub(crate) fn make_local(&mut self, name: &str) {
        let saved = self.vars.get(name).cloned();
        if let Some(frame) = self.locals.last_mut() {
            if !frame.iter().any(|(n, _)| n == name) {
                frame.push((name.to_owned(), saved));
            }
        }
    }

    /// The environment a child process gets: exported variables.
    pub fn child_env(&self) -> Env {
        self.vars
            .iter()
            .filter(|(_, v)| v.exported)
            .filter_map(|(k, v)| v.scalar().map(|s| (k.clone(), s.to_owned())))
            .collect()
    }

    /// Message prefix: `bash: line 3: `.
    pub(crate) fn prefix(&self) -> String {
        format!("{}: line {}: ", self.arg0, self.line)
    }

    /// Write an error message (with the prefix) to standard error.
    pub(crate) async fn error(&self, msg: impl std::fmt::Display) {
        let line = format!("{}{msg}\n", self.prefix());
        self.write_err(line).await;
    }

    pub(crate) async fn write_err(&self, s: String) {
        if self.proc.pending_fatal().is_some() {
            return;
        }
        if let Ok(f) = self.fds.get(2) {
            let _ = f.clone().write(s.into()).await;
        }
    }

    pub(crate) async fn write_out(
        &self,
        data: impl Into<bytes::Bytes>,
    ) -> Result<(), crate::kernel::errno::Errno> {
        let f = self.fds.get(1)?.clone();
        let r = f.write(data.into()).await;
        match r {
            Err(crate::kernel::errno::Errno::EPIPE) => {
                self.proc.signal(crate::kernel::process::Signal::SIGPIPE)
            }
            Err(crate::kernel::errno::Errno::EFBIG)
                if matches!(f.obj(), crate::kernel::process::FileObj::Sink(_)) =>
            {
                crate::commands::output_limit_hit(&self.kernel, &self.fds, &self.proc, &self.arg0)
                    .await;
            }
            _ => {}
        }
        r
    }

    /// Run the EXIT trap, if any (once). `exit` inside it sets the final status.
    pub(crate) async fn run_exit_trap(&mut self) {
        if let Some(action) = self.traps.remove("EXIT") {
            let saved = self.status;
            match self.eval_string(&action, "trap").await {
                Err(Ctl::Exit(code)) => self.status = code,
                _ => self.status = saved,
            }
        }
    }

    pub(crate) fn shopt(&self, name: &str) -> bool {
        self.shopts.get(name).copied().unwrap_or(false)
    }

    pub(crate) fn push_funcname(&mut self, name: &str) {
        self.funcnames.insert(0, name.to_owned());
    }

    pub(crate) fn pop_funcname(&mut self) {
        if !self.funcnames.is_empty() {
            self.funcnames.remove(0);
        }
    }
}

impl arith::ArithEnv for Shell {
    fn get_text(&self, name: &str, index: Option<&str>) -> Option<String> {
        match index {
            None => self.get(name),
            Some(i) => self.element(name, i),
        }
    }
    fn set_num(&mut self, name: &str, index: Option<&str>, value: i64) -> Result<(), String> {
        self.set_index(name, index, value.to_string())
    }
}

/// Parse shell source; a syntax error comes back as bash's message text.
pub(crate) fn parse(src: &str) -> Result<ast::Program, String> {
    if nesting_depth(src) > 256 {
        return Err("syntax error: nesting too deep".to_owned());
    }
    let opts = brush_parser::ParserOptions {
        enable_extended_globbing: false,
        ..Default::default()
    };
    let mut parser = brush_parser::Parser::new(std::io::Cursor::new(src.as_bytes()), &opts);
    parser.parse_program().map_err(|e| syntax_message(src, &e))
}

/// A cheap upper bound on how deeply `src` nests, so hostile input cannot overflow the
/// parser's stack.
fn nesting_depth(src: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in src.chars() {
        match c {
            '(' | '{' | '[' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn syntax_message(src: &str, e: &brush_parser::ParseError) -> String {
    use brush_parser::ParseError as P;
    match e {
        P::ParsingNear(pos) => {
            let line_text = src.lines().nth(pos.line.saturating_sub(1)).unwrap_or("");
            let tok = token_at(line_text, pos.column.saturating_sub(1));
            format!(
                "{}\u{0}syntax error near unexpected token `{tok}'\u{0}`{line_text}'",
                pos.line
            )
        }
        P::ParsingAtEndOfInput => {
            if let Some((line, tok)) = unexpected_token(src) {
                let line_text = src.lines().nth(line.saturating_sub(1)).unwrap_or("");
                return format!(
                    "{line}\u{0}syntax error near unexpected token `{tok}'\u{0}`{line_text}'"
                );
            }
            let lines = src.lines().count().max(1);
            format!("{}\u{0}syntax error: unexpected end of file", lines + 1)
        }
        P::Tokenizing { inner, position } => {
            let msg = inner.to_string();
            let line = position.as_ref().map_or(1, |p| p.line);
            if msg.contains("unterminated") || msg.contains("end of input") {
                let quote = if msg.contains("single") {
                    "'"
                } else if msg.contains("backquote") {
                    "`"
                } else {
                    "\""
                };
                format!("{line}\u{0}unexpected EOF while looking for matching `{quote}'")
            } else {
                format!("{line}\u{0}syntax error: {msg}")
            }
        }
    }
}

/// Find a keyword that cannot appear where it does (`if then`, a stray `fi`, `done` or `}`):
/// the parser only says "end of input" for these, bash names the token.
fn unexpected_token(src: &str) -> Option<(usize, String)> {
    let tokens = brush_parser::tokenize_str(src).ok()?;
    let mut stack: Vec<&str> = Vec::new();
    let mut at_start = true;
    let mut prev = "";
    for t in &tokens {
        let before = prev;
        prev = t.to_str();
        let text = t.to_str();
        let line = t.location().start.line;
        let is_word = matches!(t, brush_parser::Token::Word(..));
        if is_word && at_start {
            match text {
                "if" | "while" | "until" | "case" | "for" | "select" => {
                    stack.push(text);
                    continue;
                }
                "{" => {
                    stack.push("{");
                    continue;
                }
                "then" | "do" => {
                    let opener_ok = match text {
                        "then" => stack.last().is_some_and(|o| *o == "if"),
                        _ => stack
                            .last()
                            .is_some_and(|o| matches!(*o, "while" | "until" | "for" | "select")),
                    };
                    if !opener_ok || matches!(before, "if" | "elif" | "while" | "until") {
                        return Some((line, text.to_owned()));
                    }
                    continue;
                }
                "fi" | "done" | "esac" | "}" | "else" | "elif" => {
                    let opener = match text {
                        "fi" | "else" | "elif" => &["if"][..],
                        "done" => &["while", "until", "for", "select"][..],
                        "esac" => &["case"][..],
                        _ => &["{"][..],
                    };
                    if !stack.last().is_some_and(|o| opener.contains(o)) {
                        return Some((line, text.to_owned()));
                    }
                    if !matches!(text, "else" | "elif") {
                        stack.pop();
                    }
                    at_start = text == "else" || text == "elif";
                    continue;
                }
                _ => {}
            }
            at_start = false;
            if text == "then" || text == "do" {
                at_start = true;
            }
            continue;
        }
        if is_word {
            if matches!(text, "then" | "do" | "else") && !stack.is_empty() {
                at_start = true;
            }
            continue;
        }
        // Operators.
        at_start = matches!(
            text,
            ";" | "\n" | "&&" | "||" | "|" | "&" | "(" | ";;" | "|&" | "!"
        );
        if text == ")" && stack.last() == Some(&"(") {
            stack.pop();
        }
    }
    None
}

fn token_at(line: &str, col: usize) -> String {
    let rest: String = line.chars().skip(col).collect();
    let rest = rest.trim_start();
    for op in [
        ";;&", ";;", ";&", "&&", "||", ">>", "<<", "|&", "&>", ";", "|", "&", "(", ")", "<", ">",
        "{", "}", "\n",
    ] {
        if rest.starts_with(op) {
            return op.to_owned();
        }
    }
    let tok: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '|' | '&' | '(' | ')' | '<' | '>'))
        .collect();
    if tok.is_empty() {
        "newline".to_owned()
    } else {
        tok
    }
}

/// Entry point of `sh`/`bash`: `-c SCRIPT [NAME [ARG]...]`, `FILE [ARG]...`, or a script on
/// standard input.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut sh = Shell::new(&ctx);
        let args: Vec<String> = ctx.argv[1..].to_vec();
        let mut i = 0;
        let mut command: Option<String> = None;
        let mut want_c = false;
        let mut force_interactive = false;
        while i < args.len() {
            let a = &args[i];
            if a == "--" || a == "-" {
                i += 1;
                break;
            }
            if a == "-o" || a == "+o" {
                if let Some(name) = args.get(i + 1) {
                    let _ = sh.set_option_name(name, a == "-o");
                }
                i += 2;
                continue;
            }
            if a.starts_with("--") {
                // --norc, --noprofile, --posix...: nothing to do.
                i += 1;
                continue;
            }
            if (a.starts_with('-') || a.starts_with('+')) && a.len() > 1 {
                let on = a.starts_with('-');
                for c in a[1..].chars() {
                    match c {
                        'c' => want_c = true,
                        'e' => sh.opts.errexit = on,
                        'u' => sh.opts.nounset = on,
                        'x' => sh.opts.xtrace = on,
                        'f' => sh.opts.noglob = on,
                        'C' => sh.opts.noclobber = on,
                        'a' => sh.opts.allexport = on,
                        'n' => sh.opts.noexec = on,
                        'i' => force_interactive = on,
                        _ => {}
                    }
                }
                i += 1;
                continue;
            }
            break;
        }
        let rest: Vec<String> = args[i..].to_vec();
        let (script, label_c) = if want_c {
            let Some(s) = rest.first().cloned() else {
                sh.write_err(format!("{}: -c: option requires an argument\n", sh.arg0))
                    .await;
                return 2;
            };
            if let Some(name) = rest.get(1) {
                sh.arg0 = name.clone();
            }
            sh.positional = rest.iter().skip(2).cloned().collect();
            command = Some(s.clone());
            (s, true)
        } else if let Some(file) = rest.first() {
            let path = ctx.abs(file);
            match ctx.kernel.vfs().read_file(ctx.cred(), &path).await {
                Ok(b) => {
                    sh.arg0 = file.clone();
                    sh.positional = rest[1..].to_vec();
                    (String::from_utf8_lossy(&b).into_owned(), false)
                }
                Err(e) => {
                    let errno = e
                        .errno_value()
                        .unwrap_or(crate::kernel::errno::Errno::ENOENT);
                    sh.write_err(format!("{}: {file}: {}\n", sh.arg0, errno.strerror()))
                        .await;
                    return 127;
                }
            }
        } else if let Some(pty) = ctx
            .fds
            .get(0)
            .ok()
            .and_then(|f| f.as_tty().cloned())
            .filter(|_| force_interactive || ctx.fds.get(2).is_ok_and(|f| f.as_tty().is_some()))
        {
            sh.positional = rest;
            let code = sh.run_interactive(pty).await;
            sh.status = code;
            sh.run_exit_trap().await;
            return sh.status;
        } else {
            let mut src = Vec::new();
            loop {
                match ctx.read(0, 64 * 1024).await {
                    Ok(b) if !b.is_empty() => src.extend_from_slice(&b),
                    _ => break,
                }
            }
            (String::from_utf8_lossy(&src).into_owned(), false)
        };
        let _ = command;
        let code = sh.run_script(&script, label_c).await;
        sh.status = code;
        sh.run_exit_trap().await;
        sh.status
    })
}

impl Shell {
    /// Parse and run a whole script; returns the exit status.
    pub async fn run_script(&mut self, src: &str, dash_c: bool) -> i32 {
        let prog = match parse(src) {
            Ok(p) => p,
            Err(msg) => {
                let mut parts = msg.split('\u{0}');
                let line = parts.next().unwrap_or("1");
                // bash runs the complete commands before the line with the error.
                let n: usize = line.parse().unwrap_or(1);
                if n > 1 {
                    let before: String = src.split_inclusive('\n').take(n - 1).collect();
                    if let Ok(prefix) = parse(&before) {
                        if let Err(Ctl::Exit(code)) = self.run_program(&prefix).await {
                            return code;
                        }
                    }
                }
                let label = if dash_c {
                    format!("{}: -c", self.arg0)
                } else {
                    self.arg0.clone()
                };
                let mut out = String::new();
                for p in parts {
                    out.push_str(&format!("{label}: line {line}: {p}\n"));
                }
                self.write_err(out).await;
                return 2;
            }
        };
        match self.run_program(&prog).await {
            Ok(()) | Err(Ctl::Return) | Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => self.status,
            Err(Ctl::Exit(code)) => code,
            Err(Ctl::Interrupted) => 130,
        }
    }

    /// `eval`/`source`/trap text: parse and run in this shell.
    pub(crate) async fn eval_string(&mut self, src: &str, what: &str) -> R {
        if self.source_depth >= MAX_SOURCE_DEPTH {
            self.error(format!("{what}: maximum nesting level exceeded"))
                .await;
            self.status = 1;
            return Ok(());
        }
        let prog = match parse(src) {
            Ok(p) => p,
            Err(msg) => {
                let mut parts = msg.split('\u{0}');
                let _ = parts.next();
                let mut out = String::new();
                for p in parts {
                    out.push_str(&format!("{}{what}: {p}\n", self.prefix()));
                }
                self.write_err(out).await;
                self.status = 2;
                return Ok(());
            }
        };
        self.source_depth += 1;
        let saved_base = self.line_base;
        self.line_base = self.line.saturating_sub(1);
        let r = self.run_program(&prog).await;
        self.line_base = saved_base;
        self.source_depth -= 1;
        r
    }
}
