//! Running the syntax tree: lists, pipelines, commands, redirections and subshells.

use std::sync::Arc;

use brush_parser::ast::{
    self, Command, CommandPrefixOrSuffixItem as Item, CompoundCommand, IoFileRedirectKind as K,
    IoFileRedirectTarget as T, IoRedirect,
};
use bytes::Bytes;

use super::{expand::Mode, Ctl, Fut, Shell, MAX_FUNC_DEPTH, R};
use crate::commands::{self, ExecError, OpenMode, SpawnSpec};
use crate::kernel::errno::Errno;
use crate::kernel::process::pipe::pipe;
use crate::kernel::process::{FdTable, OpenFile, Process, Signal};

impl Shell {
    pub(crate) fn run_program<'a>(&'a mut self, prog: &'a ast::Program) -> Fut<'a> {
        Box::pin(async move {
            for cc in &prog.complete_commands {
                self.run_list(cc).await?;
            }
            Ok(())
        })
    }

    pub(crate) fn run_list<'a>(&'a mut self, list: &'a ast::CompoundList) -> Fut<'a> {
        Box::pin(async move {
            for ast::CompoundListItem(aol, sep) in &list.0 {
                if self.opts.noexec {
                    continue;
                }
                match sep {
                    ast::SeparatorOperator::Sequence => self.run_and_or(aol).await?,
                    ast::SeparatorOperator::Async => self.run_background(aol).await,
                }
                self.run_caught_traps().await?;
            }
            Ok(())
        })
    }

    async fn run_caught_traps(&mut self) -> R {
        let mut interrupted = false;
        for sig in self.proc.take_caught() {
            if let Some(action) = self.traps_get(sig.short_name()) {
                let saved = self.status;
                self.eval_string(&action, "trap").await?;
                self.status = saved;
            } else if sig == Signal::SIGINT && self.interactive {
                interrupted = true;
            }
        }
        if interrupted {
            self.status = 130;
            return Err(Ctl::Interrupted);
        }
        Ok(())
    }

    fn run_and_or<'a>(&'a mut self, aol: &'a ast::AndOrList) -> Fut<'a> {
        Box::pin(async move {
            let last = aol.additional.len();
            let quiet = last > 0;
            if quiet {
                self.errexit_off += 1;
            }
            let r = self.run_pipeline(&aol.first).await;
            if quiet {
                self.errexit_off -= 1;
            }
            r?;
            for (i, next) in aol.additional.iter().enumerate() {
                let (p, want_success) = match next {
                    ast::AndOr::And(p) => (p, true),
                    ast::AndOr::Or(p) => (p, false),
                };
                if (self.status == 0) != want_success {
                    continue;
                }
                let quiet = i + 1 < last;
                if quiet {
                    self.errexit_off += 1;
                }
                let r = self.run_pipeline(p).await;
                if quiet {
                    self.errexit_off -= 1;
                }
                r?;
            }
            Ok(())
        })
    }

    async fn run_background(&mut self, aol: &ast::AndOrList) {
        let aol = aol.clone();
        let mut fds = self.fds.clone();
        // A background job without job control reads from /dev/null.
        if let Ok(devnull) = commands::open_path(
            &self.kernel,
            &fds,
            crate::kernel::vfs::Cred::GUEST,
            "/dev/null",
            OpenMode::Read,
        )
        .await
        {
            let _ = fds.set(0, devnull);
        }
        // Without job control, bash's background jobs ignore ^C and ^\ of the terminal.
        let shield = self.interactive;
        match self.subshell(fds, move |mut sh| {
            Box::pin(async move {
                if shield {
                    sh.proc.ignore(Signal::SIGINT, true);
                    sh.proc.ignore(Signal::SIGQUIT, true);
                }
                match sh.run_and_or(&aol).await {
                    Err(Ctl::Exit(c)) => c,
                    _ => sh.status,
                }
            })
        }) {
            Ok(p) => {
                self.last_bg = Some(p.pid);
                self.job_pids.push(p.pid);
                self.jobs.push(p);
                self.status = 0;
            }
            Err(e) => self.fork_failed(e).await,
        }
    }

    /// Start a subshell process: a copy of this shell with descriptors `fds`, running `body`.
    pub(crate) fn subshell<F>(&self, fds: FdTable, body: F) -> Result<Arc<Process>, Errno>
    where
        F: FnOnce(Shell) -> Fut<'static, i32> + Send + 'static,
    {
        let mut child = self.clone();
        child.jobs.clear();
        child.job_pids.clear();
        child.traps.retain(|k, _| k != "EXIT");
        child.subshell += 1;
        // A subshell of an interactive shell is not interactive.
        child.interactive = false;
        let spec = SpawnSpec {
            argv: vec![self.arg0.clone()],
            env: commands::Env::new(),
            cwd: self.proc.cwd(),
            fds,
            ppid: self.proc.pid,
            pgid: Some(self.proc.pgid),
            sid: Some(self.proc.sid),
            api: false,
        };
        commands::start_with(&self.kernel, spec, "shell", move |ctx| {
            child.proc = ctx.proc;
            child.fds = ctx.fds;
            Box::pin(async move {
                let mut sh = child;
                let code = body(sh.clone()).await;
                sh.status = code;
                code
            })
        })
    }

    /// A fork failed: the process limit. The whole session stops, with a clear message.
    pub(crate) async fn fork_failed(&mut self, e: Errno) {
        if e != Errno::EAGAIN {
            // This shell is being ended by a signal: it dies on its own, nothing to stop.
            self.status = 128 + Signal::SIGKILL.number();
            return;
        }
        let limit = self.kernel.limits().max_processes;
        self.error(format!(
            "fork: {} (agentOS: limits.maxProcesses = {limit} reached; stopping this session)",
            e.strerror()
        ))
        .await;
        self.status = 254;
        self.kernel
            .procs()
            .kill_session(self.proc.sid, Signal::SIGKILL);
    }

    pub(crate) fn run_pipeline<'a>(&'a mut self, p: &'a ast::Pipeline) -> Fut<'a> {
        Box::pin(async move {
            if p.bang {
                self.errexit_off += 1;
            }
            let r = if p.seq.len() == 1 {
                let r = self.run_command(&p.seq[0]).await;
                self.pipestatus = vec![self.status];
                r
            } else {
                self.run_multi(&p.seq).await
            };
            if p.bang {
                self.errexit_off -= 1;
                r?;
                self.status = i32::from(self.status == 0);
                return Ok(());
            }
            r?;
            if self.status != 0 && self.errexit_off == 0 {
                if let Some(action) = self.traps_get("ERR") {
                    let saved = self.status;
                    self.eval_string(&action, "trap").await?;
                    self.status = saved;
                }
                if self.opts.errexit {
                    return Err(Ctl::Exit(self.status));
                }
            }
            Ok(())
        })
    }

    async fn run_multi(&mut self, seq: &[Command]) -> R {
        let n = seq.len();
        let cap = self.kernel.limits().max_pipe_bytes as usize;
        let mut procs: Vec<Arc<Process>> = Vec::with_capacity(n);
        let mut next_stdin: Option<Arc<OpenFile>> = None;
        for (i, cmd) in seq.iter().enumerate() {
            let mut fds = self.fds.clone();
            if let Some(r) = next_stdin.take() {
                let _ = fds.set(0, r);
            }
            if i + 1 < n {
                let (r, w) = pipe(cap);
                let _ = fds.set(1, OpenFile::pipe_writer(w));
                next_stdin = Some(OpenFile::pipe_reader(r));
            }
            if i + 1 == n && self.shopt("lastpipe") {
                // `shopt -s lastpipe`: the last stage runs in this shell, so its assignments
                // (`... | read x`) stay.
                let saved = std::mem::replace(&mut self.fds, fds);
                let r = self.run_command(cmd).await;
                self.fds = saved;
                let last = self.status;
                let mut statuses = Vec::with_capacity(n);
                for p in &procs {
                    statuses.push(p.wait().await);
                    self.kernel.procs().reap(p.pid);
                }
                statuses.push(last);
                self.finish_pipeline(statuses);
                return r;
            }
            let cmd = cmd.clone();
            match self.subshell(fds, move |mut sh| {
                Box::pin(async move {
                    match sh.run_command(&cmd).await {
                        Err(Ctl::Exit(c)) => c,
                        _ => sh.status,
                    }
                })
            }) {
                Ok(p) => procs.push(p),
                Err(e) => {
                    drop(next_stdin);
                    self.fork_failed(e).await;
                    for p in &procs {
                        p.wait().await;
                    }
                    return Ok(());
                }
            }
        }
        drop(next_stdin);
        let mut statuses = Vec::with_capacity(n);
        for p in &procs {
            statuses.push(p.wait().await);
            self.kernel.procs().reap(p.pid);
        }
        self.finish_pipeline(statuses);
        Ok(())
    }

    /// Set `$?` (the last status, or with `pipefail` the last failure) and `PIPESTATUS`.
    fn finish_pipeline(&mut self, statuses: Vec<i32>) {
        self.status = if self.opts.pipefail {
            statuses
                .iter()
                .rev()
                .copied()
                .find(|s| *s != 0)
                .unwrap_or(0)
        } else {
            statuses.last().copied().unwrap_or(0)
        };
        self.pipestatus = statuses;
    }

    pub(crate) fn run_command<'a>(&'a mut self, cmd: &'a Command) -> Fut<'a> {
        Box::pin(async move {
            match cmd {
                Command::Simple(sc) => self.run_simple(sc).await,
                Command::Compound(cc, redirs) => {
                    let saved = self.fds.clone();
                    if let Some(list) = redirs {
                        let mut fds = self.fds.clone();
                        if let Err(msg) = self.redirect(&mut fds, &list.0).await {
                            self.error(msg).await;
                            self.status = 1;
                            return Ok(());
                        }
                        self.fds = fds;
                    }
                    let r = self.run_compound(cc).await;
                    self.fds = saved;
                    r
                }
                Command::Function(def) => {
                    let name = def.fname.value.clone();
                    self.define_function(name, Arc::new(def.clone()));
                    self.status = 0;
                    Ok(())
                }
                Command::ExtendedTest(t, redirs) => {
                    self.line = self.line_base + t.loc.start.line;
                    let saved = self.fds.clone();
                    if let Some(list) = redirs {
                        let mut fds = self.fds.clone();
                        if let Err(msg) = self.redirect(&mut fds, &list.0).await {
                            self.error(msg).await;
                            self.status = 1;
                            return Ok(());
                        }
                        self.fds = fds;
                    }
                    let r = self.extended_test(&t.expr).await;
                    self.fds = saved;
                    match r {
                        Ok(b) => self.status = i32::from(!b),
                        Err(msg) => {
                            self.error(msg).await;
                            self.status = 2;
                        }
                    }
                    if self.opts.errexit && self.errexit_off == 0 && self.status != 0 {
                        return Err(Ctl::Exit(self.status));
                    }
                    Ok(())
                }
            }
        })
    }

    fn run_compound<'a>(&'a mut self, cc: &'a CompoundCommand) -> Fut<'a> {
        Box::pin(async move {
            match cc {
                CompoundCommand::BraceGroup(g) => self.run_list(&g.list).await,
                CompoundCommand::Subshell(s) => {
                    let list = s.list.clone();
                    match self.subshell(self.fds.clone(), move |mut sh| {
                        Box::pin(async move {
                            let code = match sh.run_list(&list).await {
                                Err(Ctl::Exit(c)) => c,
                                _ => sh.status,
                            };
                            sh.status = code;
                            sh.run_exit_trap().await;
                            code
                        })
                    }) {
                        Ok(p) => {
                            self.status = p.wait().await;
                            self.kernel.procs().reap(p.pid);
                        }
                        Err(e) => self.fork_failed(e).await,
                    }
                    if self.opts.errexit && self.errexit_off == 0 && self.status != 0 {
                        return Err(Ctl::Exit(self.status));
                    }
                    Ok(())
                }
                CompoundCommand::IfClause(c) => {
                    self.errexit_off += 1;
                    let r = self.run_list(&c.condition).await;
                    self.errexit_off -= 1;
                    r?;
                    if self.status == 0 {
                        return self.run_list(&c.then).await;
                    }
                    for e in c.elses.iter().flatten() {
                        match &e.condition {
                            Some(cond) => {
                                self.errexit_off += 1;
                                let r = self.run_list(cond).await;
                                self.errexit_off -= 1;
                                r?;
                                if self.status == 0 {
                                    return self.run_list(&e.body).await;
                                }
                            }
                            None => return self.run_list(&e.body).await,
                        }
                    }
                    self.status = 0;
                    Ok(())
                }
                CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                    let until = matches!(cc, CompoundCommand::UntilClause(_));
                    let mut last = 0;
                    self.loop_depth += 1;
                    let r = loop {
                        self.errexit_off += 1;
                        let r = self.run_list(&w.0).await;
                        self.errexit_off -= 1;
                        if let Err(e) = r {
                            break Err(e);
                        }
                        if (self.status == 0) == until {
                            break Ok(());
                        }
                        let r = self.run_list(&w.1.list).await;
                        if let Some(r) = after_body(r, self.status, &mut last) {
                            break r;
                        }
                    };
                    self.loop_depth -= 1;
                    self.status = last;
                    r
                }
                CompoundCommand::ForClause(f) => {
                    let items = match &f.values {
                        Some(words) => {
                            let mut out = Vec::new();
                            for w in words {
                                match self.expand_word(&w.value, Mode::Fields).await {
                                    Ok(v) => out.extend(v),
                                    Err(e) => return self.expansion_failed(e).await,
                                }
                            }
                            out
                        }
                        None => self.positional.clone(),
                    };
                    self.loop_depth += 1;
                    let mut last = 0;
                    let mut result = Ok(());
                    for item in items {
                        if let Err(msg) = self.set(&f.variable_name, &item) {
                            self.error(msg).await;
                            last = 1;
                            break;
                        }
                        let r = self.run_list(&f.body.list).await;
                        if let Some(r) = after_body(r, self.status, &mut last) {
                            result = r;
                            break;
                        }
                    }
                    self.loop_depth -= 1;
                    self.status = last;
                    result
                }
                CompoundCommand::ArithmeticForClause(f) => {
                    if let Some(init) = &f.initializer {
                        if let Err(e) = self.arith(&init.value).await {
                            return self.arith_failed(e).await;
                        }
                    }
                    self.loop_depth += 1;
                    let mut last = 0;
                    let mut result = Ok(());
                    loop {
                        if let Some(cond) = &f.condition {
                            match self.arith(&cond.value).await {
                                Ok(0) => break,
                                Ok(_) => {}
                                Err(e) => {
                                    self.loop_depth -= 1;
                                    return self.arith_failed(e).await;
                                }
                            }
                        }
                        let r = self.run_list(&f.body.list).await;
                        if let Some(r) = after_body(r, self.status, &mut last) {
                            result = r;
                            break;
                        }
                        if let Some(upd) = &f.updater {
                            if let Err(e) = self.arith(&upd.value).await {
                                self.loop_depth -= 1;
                                return self.arith_failed(e).await;
                            }
                        }
                    }
                    self.loop_depth -= 1;
                    self.status = last;
                    result
                }
                CompoundCommand::CaseClause(c) => {
                    let value = match self.expand_word(&c.value.value, Mode::Single).await {
                        Ok(v) => v.join(" "),
                        Err(e) => return self.expansion_failed(e).await,
                    };
                    self.status = 0;
                    let mut i = 0;
                    let mut fall = false;
                    while i < c.cases.len() {
                        let item = &c.cases[i];
                        let mut hit = fall;
                        if !hit {
                            for p in &item.patterns {
                                let pat = match self.expand_word(&p.value, Mode::Pattern).await {
                                    Ok(v) => v.join(" "),
                                    Err(e) => return self.expansion_failed(e).await,
                                };
                                if super::pattern::Pattern::new(&pat).matches(&value, false) {
                                    hit = true;
                                    break;
                                }
                            }
                        }
                        if hit {
                            if let Some(cmd) = &item.cmd {
                                self.run_list(cmd).await?;
                            }
                            match item.post_action {
                                ast::CaseItemPostAction::ExitCase => break,
                                ast::CaseItemPostAction::UnconditionallyExecuteNextCaseItem => {
                                    fall = true
                                }
                                ast::CaseItemPostAction::ContinueEvaluatingCases => fall = false,
                            }
                        }
                        i += 1;
                    }
                    Ok(())
                }
                CompoundCommand::Arithmetic(a) => {
                    match self.arith(&a.expr.value).await {
                        Ok(v) => self.status = i32::from(v == 0),
                        Err(e) => return self.arith_failed(format!("((: {e}")).await,
                    }
                    if self.opts.errexit && self.errexit_off == 0 && self.status != 0 {
                        return Err(Ctl::Exit(self.status));
                    }
                    Ok(())
                }
                CompoundCommand::Coprocess(_) => {
                    self.error("coproc: not supported").await;
                    self.status = 1;
                    Ok(())
                }
            }
        })
    }

    pub(crate) async fn arith_failed(&mut self, msg: String) -> R {
        self.error(msg).await;
        self.status = 1;
        Ok(())
    }

    fn run_simple<'a>(&'a mut self, sc: &'a ast::SimpleCommand) -> Fut<'a> {
        Box::pin(async move {
            let mut assigns: Vec<&ast::Assignment> = Vec::new();
            let mut redirs: Vec<&IoRedirect> = Vec::new();
            let mut words: Vec<&ast::Word> = Vec::new();
            for item in sc.prefix.iter().flat_map(|p| p.0.iter()) {
                match item {
                    Item::AssignmentWord(a, _) => assigns.push(a),
                    Item::IoRedirect(r) => redirs.push(r),
                    Item::Word(w) => words.push(w),
                    Item::ProcessSubstitution(..) => {}
                }
            }
            if let Some(w) = &sc.word_or_name {
                words.push(w);
            }
            for item in sc.suffix.iter().flat_map(|p| p.0.iter()) {
                match item {
                    Item::Word(w) => words.push(w),
                    Item::IoRedirect(r) => redirs.push(r),
                    Item::AssignmentWord(_, w) => words.push(w),
                    Item::ProcessSubstitution(..) => {
                        self.error("process substitution: not supported").await;
                        self.status = 1;
                        return Ok(());
                    }
                }
            }
            if let Some(line) = words
                .first()
                .and_then(|w| w.loc.as_ref())
                .map(|l| l.start.line)
                .or_else(|| assigns.first().map(|a| a.loc.start.line))
            {
                self.line = self.line_base + line;
            }
            // Expand the words.
            let mut argv: Vec<String> = Vec::new();
            for w in &words {
                match self.expand_word(&w.value, Mode::Fields).await {
                    Ok(v) => argv.extend(v),
                    Err(e) => return self.expansion_failed(e).await,
                }
            }
            // Assignments: values expanded without splitting.
            let mut values: Vec<(String, Option<String>, super::Value, bool)> = Vec::new();
            for a in &assigns {
                match self.assignment_value(a).await {
                    Ok(v) => values.push(v),
                    Err(e) => return self.expansion_failed(e).await,
                }
            }
            let subst_status = self.status;
            if argv.is_empty() {
                // Only assignments (and redirections): they change this shell.
                if self.opts.xtrace {
                    let ps4 = self.get("PS4").unwrap_or_default();
                    let mut out = String::new();
                    for (name, _, value, _) in &values {
                        if let super::Value::Str(v) = value {
                            out.push_str(&format!("{ps4}{name}={}\n", xtrace_quote(v)));
                        }
                    }
                    self.write_err(out).await;
                }
                for (name, index, value, append) in values {
                    if let Err(msg) = self.assign(&name, index.as_deref(), value, append) {
                        self.error(msg).await;
                        self.status = 1;
                        if !self.interactive {
                            return Err(Ctl::Exit(1));
                        }
                        return Ok(());
                    }
                }
                if !redirs.is_empty() {
                    let mut fds = self.fds.clone();
                    if let Err(msg) = self
                        .redirect(
                            &mut fds,
                            &redirs.iter().map(|r| (*r).clone()).collect::<Vec<_>>(),
                        )
                        .await
                    {
                        self.error(msg).await;
                        self.status = 1;
                        return Ok(());
                    }
                }
                self.status = if assigns.is_empty() { 0 } else { subst_status };
                return Ok(());
            }
            if self.opts.xtrace {
                let ps4 = self.get("PS4").unwrap_or_default();
                let mut line = ps4;
                let shown: Vec<String> = argv.iter().map(|a| xtrace_quote(a)).collect();
                line.push_str(&shown.join(" "));
                line.push('\n');
                self.write_err(line).await;
            }
            // Redirections apply to this command only.
            let saved = self.fds.clone();
            if !redirs.is_empty() {
                let mut fds = self.fds.clone();
                let list: Vec<IoRedirect> = redirs.iter().map(|r| (*r).clone()).collect();
                if let Err(msg) = self.redirect(&mut fds, &list).await {
                    self.error(msg).await;
                    self.status = 1;
                    return Ok(());
                }
                self.fds = fds;
            }
            let name = argv[0].clone();
            let r = if let Some(def) = self.function(&name) {
                self.call_function(def, argv, values).await
            } else if super::builtins::is_builtin(&name) {
                // Prefix assignments before special builtins persist; others are temporary.
                let special = super::builtins::is_special(&name);
                let mut restore = Vec::new();
                for (n, index, value, append) in values {
                    if !special {
                        restore.push((n.clone(), self.var(&n).cloned()));
                    }
                    if let Err(msg) = self.assign(&n, index.as_deref(), value, append) {
                        self.error(msg).await;
                    }
                }
                let r = self.builtin(&argv).await;
                for (n, old) in restore {
                    match old {
                        Some(v) => *self.var_mut(&n) = v,
                        None => {
                            let _ = self.unset(&n);
                        }
                    }
                }
                r
            } else {
                let mut env = self.child_env();
                for (n, _, value, _) in values {
                    if let super::Value::Str(s) = value {
                        env.insert(n, s);
                    }
                }
                self.run_external(argv, env).await;
                Ok(())
            };
            if self.exec_keep_fds {
                self.exec_keep_fds = false;
            } else {
                self.fds = saved;
            }
            r
        })
    }

    /// Run an external command and wait for it.
    pub(crate) async fn run_external(&mut self, argv: Vec<String>, env: commands::Env) {
        let name = argv[0].clone();
        let spec = SpawnSpec {
            argv,
            env,
            cwd: self.proc.cwd(),
            fds: self.fds.for_exec(),
            ppid: self.proc.pid,
            pgid: Some(self.proc.pgid),
            sid: Some(self.proc.sid),
            api: false,
        };
        match commands::spawn(&self.kernel, spec).await {
            Ok(p) => {
                self.status = p.wait().await;
                self.kernel.procs().reap(p.pid);
                if self.interactive && self.status != 128 + Signal::SIGINT.number() {
                    // The program handled the ^C itself: the command line goes on (bash).
                    self.proc.discard(Signal::SIGINT);
                }
            }
            Err(ExecError::Limit(e)) => self.fork_failed(e).await,
            Err(e) => {
                let msg = format!("{name}: {}", e.describe());
                self.error(msg).await;
                self.status = e.status();
            }
        }
    }

    pub(crate) fn call_function<'a>(
        &'a mut self,
        def: Arc<ast::FunctionDefinition>,
        argv: Vec<String>,
        values: Vec<(String, Option<String>, super::Value, bool)>,
    ) -> Fut<'a> {
        Box::pin(async move {
            if self.func_depth >= MAX_FUNC_DEPTH {
                self.error(format!(
                    "{}: maximum function nesting level exceeded ({MAX_FUNC_DEPTH})",
                    argv[0]
                ))
                .await;
                self.status = 1;
                return Err(Ctl::Exit(1));
            }
            let saved_pos = std::mem::replace(&mut self.positional, argv[1..].to_vec());
            self.func_depth += 1;
            self.push_funcname(&argv[0]);
            self.locals.push(Vec::new());
            for (n, index, value, append) in values {
                self.make_local(&n);
                let _ = self.assign(&n, index.as_deref(), value, append);
                self.var_mut(&n).exported = true;
            }
            let saved_fds = self.fds.clone();
            let mut r = Ok(());
            if let Some(list) = &def.body.1 {
                let mut fds = self.fds.clone();
                if let Err(msg) = self.redirect(&mut fds, &list.0).await {
                    self.error(msg).await;
                    self.status = 1;
                    r = Err(Ctl::Return);
                } else {
                    self.fds = fds;
                }
            }
            if r.is_ok() {
                r = self.run_compound(&def.body.0).await;
            }
            self.fds = saved_fds;
            if let Some(frame) = self.locals.pop() {
                for (name, old) in frame.into_iter().rev() {
                    match old {
                        Some(v) => *self.var_mut(&name) = v,
                        None => {
                            self.vars_remove(&name);
                        }
                    }
                }
            }
            self.func_depth -= 1;
            self.pop_funcname();
            self.positional = saved_pos;
            match r {
                Err(Ctl::Return) => Ok(()),
                Err(Ctl::Break(_)) | Err(Ctl::Continue(_)) => Ok(()),
                other => other,
            }
        })
    }

    /// Apply redirections to `fds`. Errors are messages for [`Shell::error`].
    pub(crate) async fn redirect(
        &mut self,
        fds: &mut FdTable,
        list: &[IoRedirect],
    ) -> Result<(), String> {
        for r in list {
            match r {
                IoRedirect::File(fd, kind, target) => {
                    let default_fd = match kind {
                        K::Read | K::ReadAndWrite | K::DuplicateInput => 0,
                        _ => 1,
                    };
                    let fd = fd.unwrap_or(default_fd);
                    match target {
                        T::Fd(n) => {
                            fds.dup2(*n, fd)
                                .map_err(|_| format!("{n}: Bad file descriptor"))?;
                        }
                        T::Duplicate(w) => {
                            let v = self
                                .expand_word(&w.value, Mode::Single)
                                .await
                                .map_err(|e| e.message())?
                                .join(" ");
                            if v == "-" {
                                let _ = fds.close(fd);
                            } else if let Some(src) =
                                v.strip_suffix('-').and_then(|s| s.parse::<i32>().ok())
                            {
                                fds.dup2(src, fd)
                                    .map_err(|_| format!("{src}: Bad file descriptor"))?;
                                let _ = fds.close(src);
                            } else if let Ok(n) = v.parse::<i32>() {
                                fds.dup2(n, fd)
                                    .map_err(|_| format!("{n}: Bad file descriptor"))?;
                            } else if matches!(kind, K::DuplicateOutput) {
                                let f = self
                                    .open_target(
                                        fds,
                                        &v,
                                        OpenMode::Truncate {
                                            noclobber: self.opts.noclobber,
                                        },
                                    )
                                    .await?;
                                let _ = fds.set(1, f.clone());
                                let _ = fds.set(2, f);
                            } else {
                                return Err(format!("{v}: ambiguous redirect"));
                            }
                        }
                        T::Filename(w) => {
                            let v = self
                                .expand_word(&w.value, Mode::Redirect)
                                .await
                                .map_err(|e| e.message())?;
                            if v.len() != 1 {
                                return Err(format!("{}: ambiguous redirect", w.value));
                            }
                            let mode = match kind {
                                K::Read | K::DuplicateInput => OpenMode::Read,
                                K::Write | K::DuplicateOutput => OpenMode::Truncate {
                                    noclobber: self.opts.noclobber,
                                },
                                K::Clobber => OpenMode::Truncate { noclobber: false },
                                K::Append => OpenMode::Append,
                                K::ReadAndWrite => OpenMode::ReadWrite,
                            };
                            let f = self.open_target(fds, &v[0], mode).await?;
                            fds.set(fd, f)
                                .map_err(|_| format!("{fd}: Bad file descriptor"))?;
                        }
                        T::ProcessSubstitution(..) => {
                            return Err("process substitution: not supported".to_owned())
                        }
                    }
                }
                IoRedirect::HereDocument(fd, doc) => {
                    let body = if doc.requires_expansion {
                        self.expand_heredoc(&doc.doc.value)
                            .await
                            .map_err(|e| e.message())?
                    } else {
                        doc.doc.value.clone()
                    };
                    let body = if doc.remove_tabs {
                        body.split_inclusive('\n')
                            .map(|l| l.trim_start_matches('\t'))
                            .collect()
                    } else {
                        body
                    };
                    let f = self.feed(Bytes::from(body));
                    fds.set(fd.unwrap_or(0), f)
                        .map_err(|_| "Bad file descriptor".to_owned())?;
                }
                IoRedirect::HereString(fd, w) => {
                    let mut v = self
                        .expand_word(&w.value, Mode::Single)
                        .await
                        .map_err(|e| e.message())?
                        .join(" ");
                    v.push('\n');
                    let f = self.feed(Bytes::from(v));
                    fds.set(fd.unwrap_or(0), f)
                        .map_err(|_| "Bad file descriptor".to_owned())?;
                }
                IoRedirect::OutputAndError(w, append) => {
                    let v = self
                        .expand_word(&w.value, Mode::Redirect)
                        .await
                        .map_err(|e| e.message())?;
                    if v.len() != 1 {
                        return Err(format!("{}: ambiguous redirect", w.value));
                    }
                    let mode = if *append {
                        OpenMode::Append
                    } else {
                        OpenMode::Truncate {
                            noclobber: self.opts.noclobber,
                        }
                    };
                    let f = self.open_target(fds, &v[0], mode).await?;
                    let _ = fds.set(1, f.clone());
                    let _ = fds.set(2, f);
                }
            }
        }
        Ok(())
    }

    async fn open_target(
        &self,
        fds: &FdTable,
        name: &str,
        mode: OpenMode,
    ) -> Result<Arc<OpenFile>, String> {
        if name.is_empty() {
            return Err(": No such file or directory".to_owned());
        }
        let p = if name.starts_with('/') {
            name.to_owned()
        } else {
            crate::kernel::vfs::path::join(&self.proc.cwd(), name)
        };
        commands::open_path(&self.kernel, fds, crate::kernel::vfs::Cred::GUEST, &p, mode)
            .await
            .map_err(|e| {
                let errno = e.errno_value().unwrap_or(Errno::EIO);
                if errno == Errno::EEXIST {
                    format!("{name}: cannot overwrite existing file")
                } else {
                    format!("{name}: {}", errno.strerror())
                }
            })
    }

    /// A pipe whose reader gets `data` (here-documents and here-strings).
    fn feed(&self, data: Bytes) -> Arc<OpenFile> {
        let cap = (self.kernel.limits().max_pipe_bytes as usize).max(data.len());
        let (r, w) = pipe(cap);
        tokio::spawn(async move {
            let _ = w.write(data).await;
        });
        OpenFile::pipe_reader(r)
    }

    /// Run `src` in a subshell and return its standard output (`$( )`).
    pub(crate) async fn command_output(&mut self, src: String) -> Result<String, Errno> {
        let trimmed = src.trim();
        if let Some(file) = trimmed.strip_prefix('<') {
            // `$(< file)`: the file's content, without running anything.
            let file = file.trim();
            if !file.is_empty() && !file.contains(char::is_whitespace) {
                let name = match self.expand_word(file, super::expand::Mode::Single).await {
                    Ok(v) => v.join(" "),
                    Err(e) => {
                        self.error(e.message()).await;
                        return Ok(String::new());
                    }
                };
                let p = if name.starts_with('/') {
                    name.clone()
                } else {
                    crate::kernel::vfs::path::join(&self.proc.cwd(), &name)
                };
                return match self
                    .kernel
                    .vfs()
                    .read_file(crate::kernel::vfs::Cred::GUEST, &p)
                    .await
                {
                    Ok(b) => {
                        self.status = 0;
                        let mut s = String::from_utf8_lossy(&b).into_owned();
                        while s.ends_with('\n') {
                            s.pop();
                        }
                        Ok(s)
                    }
                    Err(e) => {
                        self.error(format!(
                            "{name}: {}",
                            e.errno_value().unwrap_or(Errno::ENOENT).strerror()
                        ))
                        .await;
                        self.status = 1;
                        Ok(String::new())
                    }
                };
            }
        }
        let cap = self.kernel.limits().max_pipe_bytes as usize;
        let (r, w) = pipe(cap);
        let mut fds = self.fds.clone();
        let _ = fds.set(1, OpenFile::pipe_writer(w));
        let p = self.subshell(fds, move |mut sh| {
            Box::pin(async move {
                let code = sh.run_script_nested(&src).await;
                sh.status = code;
                sh.run_exit_trap().await;
                code
            })
        });
        let p = match p {
            Ok(p) => p,
            Err(e) => {
                self.fork_failed(e).await;
                return Err(e);
            }
        };
        let limit = self.kernel.limits().max_output_bytes as usize;
        let mut out = Vec::new();
        loop {
            let chunk = r.read(64 * 1024).await;
            if chunk.is_empty() {
                break;
            }
            if out.len() + chunk.len() > limit.max(16 << 20) {
                p.signal(Signal::SIGKILL);
                break;
            }
            out.extend_from_slice(&chunk);
        }
        drop(r);
        self.status = p.wait().await;
        self.kernel.procs().reap(p.pid);
        let mut s = String::from_utf8_lossy(&out).into_owned();
        while s.ends_with('\n') {
            s.pop();
        }
        Ok(s)
    }

    /// Run a script inside an existing shell (command substitution): syntax errors are
    /// reported with the current line.
    pub(crate) async fn run_script_nested(&mut self, src: &str) -> i32 {
        match self.eval_string(src, "command substitution").await {
            Err(Ctl::Exit(c)) => c,
            _ => self.status,
        }
    }

    /// `wait -n`: the next background job to finish.
    pub(crate) async fn wait_any(&mut self) -> Option<i32> {
        if self.jobs.is_empty() {
            return None;
        }
        let (idx, code) = loop {
            if let Some(i) = self.jobs.iter().position(|j| j.exit_code().is_some()) {
                break (i, self.jobs[i].exit_code().unwrap_or(0));
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        };
        let j = self.jobs.remove(idx);
        self.kernel.procs().reap(j.pid);
        Some(code)
    }

    /// Wait for background jobs: all, or the one with `pid`. Returns the last status.
    pub(crate) async fn wait_jobs(&mut self, pid: Option<u32>) -> Option<i32> {
        match pid {
            None => {
                let jobs = std::mem::take(&mut self.jobs);
                for j in &jobs {
                    j.wait().await;
                    self.kernel.procs().reap(j.pid);
                }
                Some(0)
            }
            Some(pid) => {
                let idx = self.jobs.iter().position(|j| j.pid == pid)?;
                let j = self.jobs.remove(idx);
                let code = j.wait().await;
                self.kernel.procs().reap(j.pid);
                Some(code)
            }
        }
    }
}

/// What a loop does after running its body once: go on (`None`) or stop with a result
/// (`break N`/`continue N` leave `N - 1` levels for the enclosing loops).
fn after_body(r: R, status: i32, last: &mut i32) -> Option<R> {
    match r {
        Ok(()) => {
            *last = status;
            None
        }
        Err(Ctl::Break(n)) => {
            *last = 0;
            Some(if n > 1 {
                Err(Ctl::Break(n - 1))
            } else {
                Ok(())
            })
        }
        Err(Ctl::Continue(n)) => {
            *last = status;
            (n > 1).then_some(Err(Ctl::Continue(n - 1)))
        }
        Err(e) => Some(Err(e)),
    }
}

/// Quote an argument for `set -x` output the way bash does.
fn xtrace_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
