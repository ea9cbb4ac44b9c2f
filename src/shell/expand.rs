//! Word expansion: brace, tilde, parameter, command substitution, arithmetic, field splitting,
//! pathname expansion and quote removal, in bash's order.

use brush_parser::word::{
    self, Parameter as P, ParameterExpr as X, ParameterTestType, SpecialParameter as S, TildeExpr,
    WordPiece,
};
use brush_parser::ParserOptions;

use super::pattern::{self, Pattern};
use super::vars::{is_name, Value};
use super::{arith, Ctl, Fut, Shell, R};
use crate::kernel::vfs::{Cred, FileType};

/// What an expansion is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Command words: split into fields and glob.
    Fields,
    /// One string (assignments, `case` words, here-strings): no splitting, no globbing.
    Single,
    /// A pattern (`case`, `[[ == ]]`, `${x#pat}`): quoted parts match literally.
    Pattern,
    /// A redirection target: no splitting; globbing only if it yields one file.
    Redirect,
    /// The right side of `=~`: quoted parts match literally.
    Regex,
    /// An assignment value: like `Single`, and `~` also expands after `:`.
    Assign,
}

/// An expansion failure.
#[derive(Clone, Debug)]
pub(crate) struct ExpandError {
    msg: String,
    /// The shell must exit with this status (`${x:?}` and `set -u`: 127; bad substitution
    /// and arithmetic errors: 1).
    fatal: Option<i32>,
}

impl ExpandError {
    pub(crate) fn message(&self) -> String {
        self.msg.clone()
    }
    fn new(msg: impl Into<String>) -> Self {
        ExpandError {
            msg: msg.into(),
            fatal: None,
        }
    }
    fn fatal(msg: impl Into<String>) -> Self {
        ExpandError {
            msg: msg.into(),
            fatal: Some(127),
        }
    }
    fn fatal1(msg: impl Into<String>) -> Self {
        ExpandError {
            msg: msg.into(),
            fatal: Some(1),
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Seg {
    text: String,
    quoted: bool,
    split: bool,
}

#[derive(Clone, Debug, Default)]
struct Field {
    segs: Vec<Seg>,
    /// Holds a quoted `"$@"` that expanded to nothing.
    empty_at: bool,
}

fn opts() -> ParserOptions {
    ParserOptions {
        enable_extended_globbing: false,
        ..ParserOptions::default()
    }
}

fn assign_opts() -> ParserOptions {
    ParserOptions {
        enable_extended_globbing: false,
        tilde_expansion_after_colon: true,
        ..ParserOptions::default()
    }
}

impl Shell {
    pub(crate) async fn expansion_failed(&mut self, e: ExpandError) -> R {
        self.error(&e.msg).await;
        self.status = 1;
        if let Some(code) = e.fatal {
            self.status = code;
            return Err(Ctl::Exit(code));
        }
        Ok(())
    }

    /// Expand one word.
    pub(crate) fn expand_word<'a>(
        &'a mut self,
        w: &'a str,
        mode: Mode,
    ) -> Fut<'a, Result<Vec<String>, ExpandError>> {
        Box::pin(async move {
            // Brace expansion first, on the raw text (only for command words).
            let words: Vec<String> =
                if matches!(mode, Mode::Fields | Mode::Redirect) && w.contains('{') {
                    brace_expand(w)
                } else {
                    vec![w.to_owned()]
                };
            let mut out = Vec::new();
            for w in words {
                let popts = if mode == Mode::Assign {
                    assign_opts()
                } else {
                    opts()
                };
                let pieces = word::parse(&w, &popts)
                    .map_err(|_| ExpandError::fatal1(format!("{w}: bad substitution")))?;
                let mut fields = vec![Field::default()];
                self.pieces(&pieces, false, &mut fields, mode).await?;
                self.finish(fields, mode, &mut out).await?;
            }
            Ok(out)
        })
    }

    /// Expand a here-document body (parameters, substitutions and arithmetic; quotes are
    /// literal).
    pub(crate) async fn expand_heredoc(&mut self, body: &str) -> Result<String, ExpandError> {
        let joined;
        let body = if body.contains("\\\n") {
            joined = join_continuations(body);
            joined.as_str()
        } else {
            body
        };
        let pieces = word::parse_heredoc(body, &opts())
            .map_err(|_| ExpandError::fatal1("bad substitution"))?;
        let mut fields = vec![Field::default()];
        self.pieces(&pieces, true, &mut fields, Mode::Single)
            .await?;
        Ok(fields
            .iter()
            .map(|f| f.segs.iter().map(|s| s.text.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join(" "))
    }

    fn pieces<'a>(
        &'a mut self,
        pieces: &'a [word::WordPieceWithSource],
        in_dq: bool,
        fields: &'a mut Vec<Field>,
        mode: Mode,
    ) -> Fut<'a, Result<(), ExpandError>> {
        Box::pin(async move {
            for (idx, p) in pieces.iter().enumerate() {
                match &p.piece {
                    WordPiece::Text(t) => {
                        if t.ends_with('$') {
                            if let Some(WordPiece::Text(next)) =
                                pieces.get(idx + 1).map(|p| &p.piece)
                            {
                                if next.starts_with('{') {
                                    let end = next.find('}').map_or(next.len(), |e| e + 1);
                                    return Err(ExpandError::fatal1(format!(
                                        "${}: bad substitution",
                                        &next[..end]
                                    )));
                                }
                            }
                        }
                        if let Some(i) = t.find("${") {
                            let rest = &t[i..];
                            let end = rest.find('}').map_or(rest.len(), |e| e + 1);
                            return Err(ExpandError::fatal1(format!(
                                "{}: bad substitution",
                                &rest[..end]
                            )));
                        }
                        push(fields, t, in_dq, false)
                    }
                    WordPiece::SingleQuotedText(t) => push(fields, t, true, false),
                    WordPiece::AnsiCQuotedText(t) => {
                        let (b, _) = crate::commands::echo_unescape(
                            &t.replace("\\'", "'")
                                .replace("\\\"", "\"")
                                .replace("\\?", "?"),
                        );
                        push(fields, &String::from_utf8_lossy(&b), true, false);
                    }
                    WordPiece::DoubleQuotedSequence(inner)
                    | WordPiece::GettextDoubleQuotedSequence(inner) => {
                        if inner.is_empty() {
                            push(fields, "", true, false);
                        }
                        self.pieces(inner, true, fields, mode).await?;
                    }
                    WordPiece::EscapeSequence(s) => {
                        let c: String = s.chars().skip(1).collect();
                        push(fields, &c, true, false);
                    }
                    WordPiece::TildeExpansion(t) => {
                        // A tilde only expands at the start of the word.
                        let at_start = idx == 0
                            || (mode == Mode::Assign
                                && matches!(&pieces[idx - 1].piece, WordPiece::Text(t) if t.ends_with(':')));
                        let text = match t {
                            TildeExpr::Home if at_start => self.get("HOME").unwrap_or_default(),
                            TildeExpr::UserHome(u) if at_start => match u.as_str() {
                                "root" => "/root".to_owned(),
                                "user" => "/home/user".to_owned(),
                                _ => format!("~{u}"),
                            },
                            TildeExpr::WorkingDir if at_start => {
                                self.get("PWD").unwrap_or_default()
                            }
                            TildeExpr::OldWorkingDir if at_start => {
                                self.get("OLDPWD").unwrap_or_default()
                            }
                            _ => "~".to_owned(),
                        };
                        push(fields, &text, true, false);
                    }
                    WordPiece::ParameterExpansion(x) => self.parameter(x, in_dq, fields).await?,
                    WordPiece::CommandSubstitution(src)
                    | WordPiece::BackquotedCommandSubstitution(src) => {
                        let src = if matches!(p.piece, WordPiece::BackquotedCommandSubstitution(_))
                        {
                            unbackquote(src)
                        } else {
                            src.clone()
                        };
                        let out = self
                            .command_output(src)
                            .await
                            .map_err(|e| ExpandError::new(e.strerror()))?;
                        push(fields, &out, in_dq, !in_dq);
                    }
                    WordPiece::ArithmeticExpression(e) => {
                        let v = self.arith(&e.value).await.map_err(ExpandError::fatal1)?;
                        push(fields, &v.to_string(), in_dq, !in_dq);
                    }
                }
            }
            Ok(())
        })
    }

    /// Evaluate arithmetic text after expanding the parameters in it. Errors read like
    /// bash's: `1 / 0: division by 0 (error token is "0")`.
    pub(crate) async fn arith(&mut self, src: &str) -> Result<i64, String> {
        let text = if src.contains('$') || src.contains('`') {
            self.expand_heredoc(src).await.map_err(|e| e.message())?
        } else {
            src.to_owned()
        };
        arith::eval_str(self, &text).map_err(|e| {
            if e.starts_with("division by 0") {
                let shown = text.trim_start();
                let token = shown
                    .rfind(['/', '%'])
                    .map_or("", |i| shown[i + 1..].trim_start());
                format!("{shown}: division by 0 (error token is \"{token}\")")
            } else {
                e
            }
        })
    }

    async fn finish(
        &mut self,
        fields: Vec<Field>,
        mode: Mode,
        out: &mut Vec<String>,
    ) -> Result<(), ExpandError> {
        match mode {
            Mode::Single | Mode::Assign => out.push(joined(&fields, str::to_owned)),
            Mode::Pattern => out.push(joined(&fields, pattern::escape)),
            Mode::Regex => out.push(joined(&fields, regex::escape)),
            Mode::Fields | Mode::Redirect => {
                let ifs = self.get("IFS").unwrap_or_else(|| " \t\n".to_owned());
                for f in fields {
                    let split = split_field(f, &ifs);
                    for f in split {
                        if f.empty_at && f.segs.iter().all(|s| s.text.is_empty()) {
                            continue;
                        }
                        let globbable = !self.opts.noglob
                            && f.segs
                                .iter()
                                .any(|s| !s.quoted && pattern::has_glob(&s.text));
                        if globbable {
                            let pat: String = f
                                .segs
                                .iter()
                                .map(|s| {
                                    if s.quoted {
                                        pattern::escape(&s.text)
                                    } else {
                                        s.text.clone()
                                    }
                                })
                                .collect();
                            let matches = self.glob(&pat).await;
                            if !matches.is_empty() && (mode == Mode::Fields || matches.len() == 1) {
                                out.extend(matches);
                                continue;
                            }
                            if matches.is_empty() && mode == Mode::Fields {
                                if self.shopt("failglob") {
                                    return Err(ExpandError::fatal1(format!(
                                        "no match: {}",
                                        pattern::unescape(&pat)
                                    )));
                                }
                                if self.shopt("nullglob") {
                                    continue;
                                }
                            }
                        }
                        out.push(f.segs.iter().map(|s| s.text.as_str()).collect());
                    }
                }
            }
        }
        Ok(())
    }

    /// Pathname expansion of `pat` (with escapes for quoted parts), sorted.
    async fn glob(&mut self, pat: &str) -> Vec<String> {
        let absolute = pat.starts_with('/');
        let comps: Vec<&str> = pat.split('/').filter(|c| !c.is_empty()).collect();
        let cwd = self.proc.cwd();
        // Each candidate: (display path, absolute path).
        let mut cands: Vec<(String, String)> = vec![(
            if absolute {
                "/".to_owned()
            } else {
                String::new()
            },
            if absolute { "/".to_owned() } else { cwd },
        )];
        for (i, comp) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let mut next = Vec::new();
            if pattern::has_glob(comp) {
                let p = Pattern::new(comp);
                let dotglob = self.shopt("dotglob");
                for (shown, abs) in &cands {
                    let Ok(entries) = self.kernel.vfs().read_dir(Cred::GUEST, abs).await else {
                        continue;
                    };
                    for e in entries {
                        let hit = if dotglob && e.name.starts_with('.') {
                            p.matches(&e.name, false)
                        } else {
                            p.matches(&e.name, true)
                        };
                        if !hit {
                            continue;
                        }
                        let child_abs = crate::kernel::vfs::path::join(abs, &e.name);
                        if !last {
                            let is_dir = e.stat.file_type == FileType::Dir
                                || (e.stat.file_type == FileType::Symlink
                                    && self
                                        .kernel
                                        .vfs()
                                        .stat(Cred::GUEST, &child_abs, true)
                                        .await
                                        .is_ok_and(|s| s.file_type == FileType::Dir));
                            if !is_dir {
                                continue;
                            }
                        }
                        next.push((join_shown(shown, &e.name), child_abs));
                    }
                }
            } else {
                let lit = pattern::unescape(comp);
                for (shown, abs) in &cands {
                    let child_abs = crate::kernel::vfs::path::join(abs, &lit);
                    if self
                        .kernel
                        .vfs()
                        .stat(Cred::GUEST, &child_abs, false)
                        .await
                        .is_ok()
                    {
                        next.push((join_shown(shown, &lit), child_abs));
                    }
                }
            }
            cands = next;
            if cands.is_empty() {
                break;
            }
        }
        if pat.ends_with('/') {
            // A trailing slash matches directories only (following symlinks).
            let mut dirs = Vec::with_capacity(cands.len());
            for (shown, abs) in cands {
                if self
                    .kernel
                    .vfs()
                    .stat(Cred::GUEST, &abs, true)
                    .await
                    .is_ok_and(|s| s.file_type == FileType::Dir)
                {
                    dirs.push((format!("{shown}/"), abs));
                }
            }
            cands = dirs;
        }
        let mut out: Vec<String> = cands.into_iter().map(|(s, _)| s).collect();
        out.sort();
        out
    }

    /// The value(s) of a parameter: positional, special, named, array element.
    fn param_values(&self, p: &P) -> (Vec<String>, bool, bool) {
        // (values, is a list (@ or *), concatenate (*))
        match p {
            P::Positional(0) => (vec![self.arg0.clone()], false, false),
            P::Positional(n) => (
                self.positional
                    .get(*n as usize - 1)
                    .cloned()
                    .into_iter()
                    .collect(),
                false,
                false,
            ),
            P::Special(s) => match s {
                S::AllPositionalParameters { concatenate } => {
                    (self.positional.clone(), true, *concatenate)
                }
                S::PositionalParameterCount => {
                    (vec![self.positional.len().to_string()], false, false)
                }
                S::LastExitStatus => (vec![self.status.to_string()], false, false),
                S::CurrentOptionFlags => (vec![self.option_flags()], false, false),
                S::ProcessId => (vec![self.root_pid().to_string()], false, false),
                S::LastBackgroundProcessId => (
                    self.last_bg.map(|p| p.to_string()).into_iter().collect(),
                    false,
                    false,
                ),
                S::ShellName => (vec![self.arg0.clone()], false, false),
            },
            P::Named(n) => {
                if n == "PIPESTATUS" {
                    return (
                        vec![self.pipestatus.first().copied().unwrap_or(0).to_string()],
                        false,
                        false,
                    );
                }
                (self.get(n).into_iter().collect(), false, false)
            }
            P::NamedWithIndex { name, index } => {
                if name == "PIPESTATUS" {
                    let i: usize = index.parse().unwrap_or(0);
                    return (
                        self.pipestatus
                            .get(i)
                            .map(|s| s.to_string())
                            .into_iter()
                            .collect(),
                        false,
                        false,
                    );
                }
                (
                    self.element(name, index).into_iter().collect(),
                    false,
                    false,
                )
            }
            P::NamedWithAllIndices { name, concatenate } => {
                if name == "PIPESTATUS" {
                    return (
                        self.pipestatus.iter().map(|s| s.to_string()).collect(),
                        true,
                        *concatenate,
                    );
                }
                (
                    self.var(name).map(|v| v.values()).unwrap_or_default(),
                    true,
                    *concatenate,
                )
            }
        }
    }

    /// `name[index]`: arithmetic index for indexed arrays, string key for associative ones.
    pub(crate) fn element(&self, name: &str, index: &str) -> Option<String> {
        let v = self.var(name)?;
        match &v.value {
            Value::Assoc(m) => m.get(index).cloned(),
            Value::Indexed(m) => {
                let i = self.index_of(index);
                let i = if i < 0 {
                    m.keys().next_back().map_or(0, |k| k + 1) + i
                } else {
                    i
                };
                m.get(&i).cloned()
            }
            Value::Str(s) => (self.index_of(index) == 0).then(|| s.clone()),
        }
    }

    fn index_of(&self, index: &str) -> i64 {
        arith::parse_number(index).unwrap_or_else(|| {
            let mut me = self.clone();
            arith::eval_str(&mut me, index).unwrap_or(0)
        })
    }

    fn param_name(p: &P) -> String {
        match p {
            P::Positional(n) => format!("${n}"),
            P::Special(S::AllPositionalParameters { concatenate: true }) => "*".to_owned(),
            P::Special(S::AllPositionalParameters { concatenate: false }) => "@".to_owned(),
            P::Special(_) => "?".to_owned(),
            P::Named(n) => n.clone(),
            P::NamedWithIndex { name, index } => format!("{name}[{index}]"),
            P::NamedWithAllIndices { name, concatenate } => {
                format!("{name}[{}]", if *concatenate { "*" } else { "@" })
            }
        }
    }

    fn is_set(&self, p: &P) -> bool {
        match p {
            P::Positional(0) => true,
            P::Positional(n) => (*n as usize) <= self.positional.len(),
            P::Special(S::LastBackgroundProcessId) => self.last_bg.is_some(),
            P::Special(S::AllPositionalParameters { .. }) => !self.positional.is_empty(),
            P::Special(_) => true,
            P::Named(n) => self.get(n).is_some(),
            P::NamedWithIndex { name, index } => self.element(name, index).is_some(),
            P::NamedWithAllIndices { name, .. } => {
                self.var(name).is_some_and(|v| !v.values().is_empty())
            }
        }
    }

    /// Resolve `${!name}` indirection to the parameter it names.
    fn indirect(&self, p: &P) -> Result<P, ExpandError> {
        let target = self.param_values(p).0.join(" ");
        word::parse_parameter(&target, &opts())
            .map_err(|_| ExpandError::new(format!("{target}: invalid indirect expansion")))
    }

    fn parameter<'a>(
        &'a mut self,
        x: &'a X,
        in_dq: bool,
        fields: &'a mut Vec<Field>,
    ) -> Fut<'a, Result<(), ExpandError>> {
        Box::pin(async move {
            let (param, indirect) = match x {
                X::Parameter {
                    parameter,
                    indirect,
                }
                | X::UseDefaultValues {
                    parameter,
                    indirect,
                    ..
                }
                | X::AssignDefaultValues {
                    parameter,
                    indirect,
                    ..
                }
                | X::IndicateErrorIfNullOrUnset {
                    parameter,
                    indirect,
                    ..
                }
                | X::UseAlternativeValue {
                    parameter,
                    indirect,
                    ..
                }
                | X::ParameterLength {
                    parameter,
                    indirect,
                }
                | X::RemoveSmallestSuffixPattern {
                    parameter,
                    indirect,
                    ..
                }
                | X::RemoveLargestSuffixPattern {
                    parameter,
                    indirect,
                    ..
                }
                | X::RemoveSmallestPrefixPattern {
                    parameter,
                    indirect,
                    ..
                }
                | X::RemoveLargestPrefixPattern {
                    parameter,
                    indirect,
                    ..
                }
                | X::Substring {
                    parameter,
                    indirect,
                    ..
                }
                | X::Transform {
                    parameter,
                    indirect,
                    ..
                }
                | X::UppercaseFirstChar {
                    parameter,
                    indirect,
                    ..
                }
                | X::UppercasePattern {
                    parameter,
                    indirect,
                    ..
                }
                | X::LowercaseFirstChar {
                    parameter,
                    indirect,
                    ..
                }
                | X::LowercasePattern {
                    parameter,
                    indirect,
                    ..
                }
                | X::ReplaceSubstring {
                    parameter,
                    indirect,
                    ..
                } => (parameter.clone(), *indirect),
                X::VariableNames {
                    prefix,
                    concatenate,
                } => {
                    let names: Vec<String> = self
                        .var_names()
                        .into_iter()
                        .filter(|n| n.starts_with(prefix.as_str()))
                        .collect();
                    self.emit(fields, names, true, *concatenate, in_dq);
                    return Ok(());
                }
                X::MemberKeys {
                    variable_name,
                    concatenate,
                } => {
                    let keys = self
                        .var(variable_name)
                        .map(|v| v.keys())
                        .unwrap_or_default();
                    self.emit(fields, keys, true, *concatenate, in_dq);
                    return Ok(());
                }
            };
            let param = if indirect {
                self.indirect(&param)?
            } else {
                param
            };
            let param = match param {
                P::NamedWithIndex { name, index } if index.contains(['$', '`', '\'', '"']) => {
                    let index = self.expand_word(&index, Mode::Single).await?.join(" ");
                    P::NamedWithIndex { name, index }
                }
                other => other,
            };
            let set = self.is_set(&param);
            let (values, is_list, concat) = self.param_values(&param);
            let null = values.iter().all(|v| v.is_empty());
            let unset_or_null = |t: &ParameterTestType| match t {
                ParameterTestType::UnsetOrNull => !set || null,
                ParameterTestType::Unset => !set,
            };
            match x {
                X::Parameter { .. } => {
                    if !set
                        && self.opts.nounset
                        && !matches!(param, P::Special(S::AllPositionalParameters { .. }))
                        && !matches!(param, P::NamedWithAllIndices { .. })
                    {
                        return Err(ExpandError::fatal(format!(
                            "{}: unbound variable",
                            Self::param_name(&param)
                        )));
                    }
                    self.emit(fields, values, is_list, concat, in_dq);
                }
                X::UseDefaultValues {
                    test_type,
                    default_value,
                    ..
                }
                | X::AssignDefaultValues {
                    test_type,
                    default_value,
                    ..
                } => {
                    if unset_or_null(test_type) {
                        let v = self
                            .expand_sub(default_value.as_deref().unwrap_or(""))
                            .await?;
                        if matches!(x, X::AssignDefaultValues { .. }) {
                            let name = Self::param_name(&param);
                            if !is_name(&name) {
                                return Err(ExpandError::fatal(format!(
                                    "${name}: cannot assign in this way"
                                )));
                            }
                            self.set(&name, &v).map_err(ExpandError::new)?;
                        }
                        push(fields, &v, in_dq, !in_dq);
                    } else {
                        self.emit(fields, values, is_list, concat, in_dq);
                    }
                }
                X::IndicateErrorIfNullOrUnset {
                    test_type,
                    error_message,
                    ..
                } => {
                    if unset_or_null(test_type) {
                        let msg = match error_message {
                            Some(m) if !m.is_empty() => self.expand_sub(m).await?,
                            _ => {
                                if matches!(test_type, ParameterTestType::UnsetOrNull) {
                                    "parameter null or not set".to_owned()
                                } else {
                                    "parameter not set".to_owned()
                                }
                            }
                        };
                        return Err(ExpandError::fatal(format!(
                            "{}: {msg}",
                            Self::param_name(&param)
                        )));
                    }
                    self.emit(fields, values, is_list, concat, in_dq);
                }
                X::UseAlternativeValue {
                    test_type,
                    alternative_value,
                    ..
                } => {
                    if !unset_or_null(test_type) {
                        let v = self
                            .expand_sub(alternative_value.as_deref().unwrap_or(""))
                            .await?;
                        push(fields, &v, in_dq, !in_dq);
                    } else if in_dq {
                        push(fields, "", true, false);
                    }
                }
                X::ParameterLength { .. } => {
                    if !set && self.opts.nounset && !is_list {
                        return Err(ExpandError::fatal(format!(
                            "{}: unbound variable",
                            Self::param_name(&param)
                        )));
                    }
                    let n = if is_list {
                        values.len()
                    } else {
                        values.first().map_or(0, |v| v.chars().count())
                    };
                    push(fields, &n.to_string(), in_dq, false);
                }
                X::RemoveSmallestSuffixPattern { pattern, .. }
                | X::RemoveLargestSuffixPattern { pattern, .. }
                | X::RemoveSmallestPrefixPattern { pattern, .. }
                | X::RemoveLargestPrefixPattern { pattern, .. } => {
                    let pat = Pattern::new(
                        &self
                            .expand_pattern(pattern.as_deref().unwrap_or(""))
                            .await?,
                    );
                    let out = values
                        .into_iter()
                        .map(|v| match x {
                            X::RemoveSmallestSuffixPattern { .. } => pat
                                .suffix_starts(&v)
                                .first()
                                .map_or(v.clone(), |&s| v[..s].to_owned()),
                            X::RemoveLargestSuffixPattern { .. } => pat
                                .suffix_starts(&v)
                                .last()
                                .map_or(v.clone(), |&s| v[..s].to_owned()),
                            X::RemoveSmallestPrefixPattern { .. } => pat
                                .prefix_lengths(&v)
                                .first()
                                .map_or(v.clone(), |&e| v[e..].to_owned()),
                            _ => pat
                                .prefix_lengths(&v)
                                .last()
                                .map_or(v.clone(), |&e| v[e..].to_owned()),
                        })
                        .collect();
                    self.emit(fields, out, is_list, concat, in_dq);
                }
                X::Substring { offset, length, .. } => {
                    let off = self
                        .arith(&offset.value)
                        .await
                        .map_err(ExpandError::fatal1)?;
                    let len = match length {
                        Some(l) => Some(self.arith(&l.value).await.map_err(ExpandError::fatal1)?),
                        None => None,
                    };
                    if is_list {
                        let n = values.len() as i64;
                        let (start, skip0) = if matches!(param, P::Special(_)) {
                            (off - 1, off == 0)
                        } else {
                            (off, false)
                        };
                        let mut list: Vec<String> = if skip0 {
                            std::iter::once(self.arg0.clone()).chain(values).collect()
                        } else {
                            values
                        };
                        let start = if skip0 {
                            0
                        } else if start < 0 {
                            (n + start).max(0)
                        } else {
                            start.min(n)
                        } as usize;
                        list = list.into_iter().skip(start).collect();
                        if let Some(l) = len {
                            list.truncate(l.max(0) as usize);
                        }
                        self.emit(fields, list, true, concat, in_dq);
                    } else {
                        let v: Vec<char> = values
                            .first()
                            .cloned()
                            .unwrap_or_default()
                            .chars()
                            .collect();
                        let n = v.len() as i64;
                        let start = if off < 0 {
                            (n + off).max(0)
                        } else {
                            off.min(n)
                        };
                        let end = match len {
                            None => n,
                            Some(l) if l < 0 => (n + l).max(start),
                            Some(l) => (start + l).min(n),
                        };
                        let s: String = v[start as usize..end.max(start) as usize].iter().collect();
                        push(fields, &s, in_dq, !in_dq);
                    }
                }
                X::Transform { op, .. } => {
                    use brush_parser::word::ParameterTransformOp as O;
                    let out: Vec<String> = values
                        .into_iter()
                        .map(|v| match op {
                            O::ToUpperCase => v.to_uppercase(),
                            O::ToLowerCase => v.to_lowercase(),
                            O::CapitalizeInitial => capitalize(&v),
                            O::Quoted => format!("'{}'", v.replace('\'', "'\\''")),
                            O::ExpandEscapeSequences => {
                                String::from_utf8_lossy(&crate::commands::echo_unescape(&v).0)
                                    .into_owned()
                            }
                            _ => v,
                        })
                        .collect();
                    self.emit(fields, out, is_list, concat, in_dq);
                }
                X::UppercaseFirstChar { pattern, .. }
                | X::UppercasePattern { pattern, .. }
                | X::LowercaseFirstChar { pattern, .. }
                | X::LowercasePattern { pattern, .. } => {
                    let pat = match pattern {
                        Some(p) if !p.is_empty() => {
                            Some(Pattern::new(&self.expand_pattern(p).await?))
                        }
                        _ => None,
                    };
                    let upper =
                        matches!(x, X::UppercaseFirstChar { .. } | X::UppercasePattern { .. });
                    let all = matches!(x, X::UppercasePattern { .. } | X::LowercasePattern { .. });
                    let out: Vec<String> = values
                        .into_iter()
                        .map(|v| {
                            v.chars()
                                .enumerate()
                                .map(|(i, c)| {
                                    let applies = (all || i == 0)
                                        && pat
                                            .as_ref()
                                            .is_none_or(|p| p.matches(&c.to_string(), false));
                                    if !applies {
                                        c.to_string()
                                    } else if upper {
                                        c.to_uppercase().to_string()
                                    } else {
                                        c.to_lowercase().to_string()
                                    }
                                })
                                .collect()
                        })
                        .collect();
                    self.emit(fields, out, is_list, concat, in_dq);
                }
                X::ReplaceSubstring {
                    pattern,
                    replacement,
                    match_kind,
                    ..
                } => {
                    use brush_parser::word::SubstringMatchKind as M;
                    let pat = Pattern::new(&self.expand_pattern(pattern).await?);
                    let rep = self
                        .expand_sub(replacement.as_deref().unwrap_or(""))
                        .await?;
                    let out: Vec<String> = values
                        .into_iter()
                        .map(|v| match match_kind {
                            M::Prefix => pat
                                .prefix_lengths(&v)
                                .last()
                                .map_or(v.clone(), |&e| format!("{rep}{}", &v[e..])),
                            M::Suffix => pat
                                .suffix_starts(&v)
                                .last()
                                .map_or(v.clone(), |&s| format!("{}{rep}", &v[..s])),
                            M::FirstOccurrence => match pat.find(&v, 0) {
                                Some((s, e)) => format!("{}{rep}{}", &v[..s], &v[e..]),
                                None => v,
                            },
                            M::Anywhere => {
                                let mut out = String::new();
                                let mut pos = 0;
                                while pos <= v.len() {
                                    match pat.find(&v, pos) {
                                        Some((s, e)) if e > s => {
                                            out.push_str(&v[pos..s]);
                                            out.push_str(&rep);
                                            pos = e;
                                        }
                                        _ => break,
                                    }
                                }
                                out.push_str(&v[pos.min(v.len())..]);
                                out
                            }
                        })
                        .collect();
                    self.emit(fields, out, is_list, concat, in_dq);
                }
                X::VariableNames { .. } | X::MemberKeys { .. } => {}
            }
            Ok(())
        })
    }

    /// Expand the operand of `${x:-word}` and friends: a word in its own right (quotes
    /// removed, no splitting).
    async fn expand_sub(&mut self, w: &str) -> Result<String, ExpandError> {
        Ok(self.expand_word(w, Mode::Single).await?.join(" "))
    }

    async fn expand_pattern(&mut self, w: &str) -> Result<String, ExpandError> {
        Ok(self.expand_word(w, Mode::Pattern).await?.join(" "))
    }

    /// Put a parameter's values into the fields: a list in double quotes (`"$@"`) makes one
    /// field per element; `"$*"` joins with the first IFS character.
    fn emit(
        &self,
        fields: &mut Vec<Field>,
        values: Vec<String>,
        is_list: bool,
        concat: bool,
        in_dq: bool,
    ) {
        if is_list && in_dq && !concat {
            if values.is_empty() {
                if let Some(f) = fields.last_mut() {
                    f.empty_at = true;
                }
                return;
            }
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    fields.push(Field::default());
                }
                push(fields, v, true, false);
            }
            return;
        }
        if is_list && !in_dq {
            // Unquoted $@ / $*: each element is split separately.
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    fields.push(Field::default());
                }
                push(fields, v, false, true);
            }
            return;
        }
        let sep = if is_list {
            self.get("IFS").map_or(" ".to_owned(), |ifs| {
                ifs.chars().next().map(String::from).unwrap_or_default()
            })
        } else {
            " ".to_owned()
        };
        push(fields, &values.join(&sep), in_dq, !in_dq);
    }

    pub(crate) fn root_pid(&self) -> u32 {
        // `$$` is the pid of the top-level shell, also inside subshells.
        let mut p = self.proc.clone();
        for _ in 0..self.subshell {
            match self.kernel.procs().get(p.ppid) {
                Some(pp) => p = pp,
                None => break,
            }
        }
        p.pid
    }

    pub(crate) fn option_flags(&self) -> String {
        let mut s = String::new();
        if self.opts.errexit {
            s.push('e');
        }
        if self.opts.noglob {
            s.push('f');
        }
        s.push('h');
        if self.opts.noexec {
            s.push('n');
        }
        if self.opts.nounset {
            s.push('u');
        }
        if self.opts.xtrace {
            s.push('x');
        }
        s.push('B');
        if self.opts.noclobber {
            s.push('C');
        }
        s.push('c');
        s
    }

    /// The value an assignment word gives: `(name, index, value, append)`.
    pub(crate) async fn assignment_value(
        &mut self,
        a: &brush_parser::ast::Assignment,
    ) -> Result<(String, Option<String>, Value, bool), ExpandError> {
        use brush_parser::ast::{AssignmentName, AssignmentValue};
        let (name, index) = match &a.name {
            AssignmentName::VariableName(n) => (n.clone(), None),
            AssignmentName::ArrayElementName(n, i) => {
                let idx = self.expand_word(i, Mode::Single).await?.join(" ");
                (n.clone(), Some(idx))
            }
        };
        let value = match &a.value {
            AssignmentValue::Scalar(w) => {
                Value::Str(self.expand_word(&w.value, Mode::Assign).await?.join(" "))
            }
            AssignmentValue::Array(items) => {
                let assoc = matches!(self.var(&name).map(|v| &v.value), Some(Value::Assoc(_)));
                if assoc {
                    let mut m = std::collections::BTreeMap::new();
                    for (k, v) in items {
                        let val = self.expand_word(&v.value, Mode::Single).await?.join(" ");
                        let key = match k {
                            Some(k) => self.expand_word(&k.value, Mode::Single).await?.join(" "),
                            None => val.clone(),
                        };
                        m.insert(key, val);
                    }
                    Value::Assoc(m)
                } else {
                    let mut m = std::collections::BTreeMap::new();
                    let mut next = 0i64;
                    for (k, v) in items {
                        if let Some(k) = k {
                            let key = self.expand_word(&k.value, Mode::Single).await?.join(" ");
                            next = self.arith(&key).await.map_err(ExpandError::new)?;
                            let val = self.expand_word(&v.value, Mode::Single).await?.join(" ");
                            m.insert(next, val);
                            next += 1;
                        } else {
                            for val in self.expand_word(&v.value, Mode::Fields).await? {
                                m.insert(next, val);
                                next += 1;
                            }
                        }
                    }
                    Value::Indexed(m)
                }
            }
        };
        Ok((name, index, value, a.append))
    }

    /// Perform an assignment.
    pub(crate) fn assign(
        &mut self,
        name: &str,
        index: Option<&str>,
        value: Value,
        append: bool,
    ) -> Result<(), String> {
        match (index, value) {
            (Some(i), Value::Str(s)) => {
                let s = if append {
                    format!("{}{s}", self.element(name, i).unwrap_or_default())
                } else {
                    s
                };
                let key = if matches!(self.var(name).map(|v| &v.value), Some(Value::Assoc(_))) {
                    i.to_owned()
                } else {
                    self.index_of(i).to_string()
                };
                self.set_index(name, Some(&key), s)
            }
            (None, Value::Str(s)) => {
                if append {
                    if self.var(name).is_some_and(|v| v.integer) {
                        let cur = self.get(name).unwrap_or_default();
                        let mut me = self.clone();
                        let n = arith::eval_str(&mut me, &format!("({cur}) + ({s})")).unwrap_or(0);
                        return self.set(name, &n.to_string());
                    }
                    let cur = self.get(name).unwrap_or_default();
                    self.set(name, &format!("{cur}{s}"))
                } else {
                    self.set(name, &s)
                }
            }
            (_, Value::Indexed(m)) => {
                if append {
                    let mut cur = match self.var(name).map(|v| v.value.clone()) {
                        Some(Value::Indexed(c)) => c,
                        Some(Value::Str(s)) => std::collections::BTreeMap::from([(0, s)]),
                        _ => std::collections::BTreeMap::new(),
                    };
                    let next = cur.keys().next_back().map_or(0, |k| k + 1);
                    for (i, (_, v)) in m.into_iter().enumerate() {
                        cur.insert(next + i as i64, v);
                    }
                    self.set_value(name, Value::Indexed(cur))
                } else {
                    self.set_value(name, Value::Indexed(m))
                }
            }
            (_, Value::Assoc(m)) => {
                if append {
                    if let Some(Value::Assoc(mut cur)) = self.var(name).map(|v| v.value.clone()) {
                        cur.extend(m);
                        return self.set_value(name, Value::Assoc(cur));
                    }
                }
                self.set_value(name, Value::Assoc(m))
            }
        }
    }
}

/// Remove backslash-newline pairs (line continuations) that are not themselves escaped.
fn join_continuations(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('\n') => {
                    chars.next();
                    continue;
                }
                Some('\\') => {
                    out.push('\\');
                    out.push('\\');
                    chars.next();
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// The fields as one string (joined by spaces), with quoted text passed through `quote`.
fn joined(fields: &[Field], quote: impl Fn(&str) -> String) -> String {
    fields
        .iter()
        .map(|f| {
            f.segs
                .iter()
                .map(|s| {
                    if s.quoted {
                        quote(&s.text)
                    } else {
                        s.text.clone()
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn join_shown(shown: &str, name: &str) -> String {
    if shown.is_empty() {
        name.to_owned()
    } else if shown.ends_with('/') {
        format!("{shown}{name}")
    } else {
        format!("{shown}/{name}")
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn unbackquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if matches!(n, '$' | '`' | '\\') {
                    out.push(n);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

fn push(fields: &mut Vec<Field>, text: &str, quoted: bool, split: bool) {
    if fields.is_empty() {
        fields.push(Field::default());
    }
    if let Some(f) = fields.last_mut() {
        f.segs.push(Seg {
            text: text.to_owned(),
            quoted,
            split,
        });
    }
}

/// IFS field splitting of one field.
fn split_field(f: Field, ifs: &str) -> Vec<Field> {
    if !f.segs.iter().any(|s| s.split) {
        if f.segs.iter().all(|s| !s.quoted && s.text.is_empty())
            && !f.segs.is_empty()
            && !f.empty_at
        {
            return vec![];
        }
        return vec![f];
    }
    let is_ws = |c: char| c == ' ' || c == '\t' || c == '\n';
    let mut out = Vec::new();
    let mut cur = Field::default();
    let mut has = false;
    let mut ws_run = false;
    for seg in f.segs {
        if !seg.split {
            if seg.quoted || !seg.text.is_empty() {
                has = true;
            }
            cur.segs.push(seg);
            ws_run = false;
            continue;
        }
        let mut text = String::new();
        for c in seg.text.chars() {
            if ifs.contains(c) {
                if !text.is_empty() {
                    cur.segs.push(Seg {
                        text: std::mem::take(&mut text),
                        quoted: false,
                        split: false,
                    });
                    has = true;
                }
                if is_ws(c) {
                    if has {
                        out.push(std::mem::take(&mut cur));
                        has = false;
                        ws_run = true;
                    }
                } else if has || !ws_run {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                    ws_run = false;
                } else {
                    ws_run = false;
                }
            } else {
                text.push(c);
                ws_run = false;
            }
        }
        if !text.is_empty() {
            cur.segs.push(Seg {
                text,
                quoted: false,
                split: false,
            });
            has = true;
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// Brace expansion of a raw word (`a{b,c}d`, `{1..3}`, `{a..e..2}`), outside quotes.
pub(crate) fn brace_expand(w: &str) -> Vec<String> {
    let chars: Vec<char> = w.chars().collect();
    // Find the first top-level `{` that has a matching `}` with a `,` or `..` inside.
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' && q == '"' {
                    i += 2;
                    continue;
                }
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\\' => {
                    i += 2;
                    continue;
                }
                '\'' | '"' => quote = Some(c),
                '$' if chars.get(i + 1) == Some(&'{') => {
                    // Skip a parameter expansion.
                    let mut depth = 0;
                    while i < chars.len() {
                        if chars[i] == '{' {
                            depth += 1;
                        } else if chars[i] == '}' {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        i += 1;
                    }
                }
                '{' => {
                    if let Some((end, alts)) = brace_body(&chars, i) {
                        let pre: String = chars[..i].iter().collect();
                        let post: String = chars[end + 1..].iter().collect();
                        let mut out = Vec::new();
                        for a in alts {
                            for tail in brace_expand(&post) {
                                out.extend(
                                    brace_expand(&format!("{pre}{a}{tail}"))
                                        .into_iter()
                                        .take(1 << 16),
                                );
                            }
                        }
                        return out;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    vec![w.to_owned()]
}

fn brace_body(chars: &[char], open: usize) -> Option<(usize, Vec<String>)> {
    let mut depth = 0;
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut i = open;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.get(i + 1) {
                    cur.push(*n);
                }
                i += 2;
                continue;
            }
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '{' => {
                depth += 1;
                if depth > 1 {
                    cur.push(c);
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    parts.push(std::mem::take(&mut cur));
                    if parts.len() > 1 {
                        return Some((i, parts));
                    }
                    return sequence(&parts[0]).map(|seq| (i, seq));
                }
                cur.push(c);
            }
            ',' if depth == 1 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
        i += 1;
    }
    None
}

fn sequence(body: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = body.split("..").collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let step: i64 = match parts.get(2) {
        Some(s) => s.parse().ok()?,
        None => 1,
    };
    let step = step.unsigned_abs().max(1) as i64;
    if let (Ok(a), Ok(b)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>()) {
        let width = if (parts[0].starts_with('0') && parts[0].len() > 1)
            || (parts[1].starts_with('0') && parts[1].len() > 1)
        {
            parts[0].len().max(parts[1].len())
        } else {
            0
        };
        let mut out = Vec::new();
        let mut v = a;
        while (a <= b && v <= b) || (a > b && v >= b) {
            out.push(if width > 0 {
                format!("{v:0width$}")
            } else {
                v.to_string()
            });
            if out.len() > 1 << 16 {
                break;
            }
            v = if a <= b { v + step } else { v - step };
        }
        return Some(out);
    }
    let (a, b) = (
        parts[0].chars().collect::<Vec<_>>(),
        parts[1].chars().collect::<Vec<_>>(),
    );
    if a.len() == 1 && b.len() == 1 && a[0].is_ascii_alphabetic() && b[0].is_ascii_alphabetic() {
        let (x, y) = (a[0] as i64, b[0] as i64);
        let mut out = Vec::new();
        let mut v = x;
        while (x <= y && v <= y) || (x > y && v >= y) {
            out.push(char::from_u32(v as u32)?.to_string());
            v = if x <= y { v + step } else { v - step };
        }
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces() {
        assert_eq!(brace_expand("a{b,c}d"), vec!["abd", "acd"]);
        assert_eq!(brace_expand("{1..3}"), vec!["1", "2", "3"]);
        assert_eq!(brace_expand("{3..1}"), vec!["3", "2", "1"]);
        assert_eq!(brace_expand("{a..e..2}"), vec!["a", "c", "e"]);
        assert_eq!(
            brace_expand("x{a,b}{1,2}"),
            vec!["xa1", "xa2", "xb1", "xb2"]
        );
        assert_eq!(brace_expand("{a}"), vec!["{a}"]);
        assert_eq!(brace_expand("'{a,b}'"), vec!["'{a,b}'"]);
        assert_eq!(brace_expand("{01..03}"), vec!["01", "02", "03"]);
    }

    #[test]
    fn splitting() {
        let f = Field {
            segs: vec![Seg {
                text: " a  b ".into(),
                quoted: false,
                split: true,
            }],
            empty_at: false,
        };
        let out: Vec<String> = split_field(f, " \t\n")
            .into_iter()
            .map(|f| f.segs.iter().map(|s| s.text.clone()).collect())
            .collect();
        assert_eq!(out, vec!["a", "b"]);
        let f = Field {
            segs: vec![Seg {
                text: "a::b:".into(),
                quoted: false,
                split: true,
            }],
            empty_at: false,
        };
        let out: Vec<String> = split_field(f, ":")
            .into_iter()
            .map(|f| f.segs.iter().map(|s| s.text.clone()).collect())
            .collect();
        assert_eq!(out, vec!["a", "", "b"]);
    }
}
