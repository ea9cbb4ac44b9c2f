//! `sed [OPTION]... {script} [FILE]...`: the stream editor (GNU sed 4.9).

use regex::bytes::Regex;

use super::cmd_grep::{build, find_longest, translate, Syntax};
use super::util;
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["sed"];

const USAGE: &str = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n  -n, --quiet, --silent\n                 suppress automatic printing of pattern space\n      --debug\n                 annotate program execution\n  -e script, --expression=script\n                 add the script to the commands to be executed\n  -f script-file, --file=script-file\n                 add the contents of script-file to the commands to be executed\n  --follow-symlinks\n                 follow symlinks when processing in place\n  -i[SUFFIX], --in-place[=SUFFIX]\n                 edit files in place (makes backup if SUFFIX supplied)\n  -l N, --line-length=N\n                 specify the desired line-wrap length for the `l' command\n  --posix\n                 disable all GNU extensions.\n  -E, -r, --regexp-extended\n                 use extended regular expressions in the script\n                 (for portability use POSIX -E).\n  -s, --separate\n                 consider files as separate rather than as a single,\n                 continuous long stream.\n      --sandbox\n                 operate in sandbox mode (disable e/r/w commands).\n  -u, --unbuffered\n                 load minimal amounts of data from the input files and flush\n                 the output buffers more often\n  -z, --null-data\n                 separate lines by NUL characters\n      --help     display this help and exit\n      --version  output version information and exit\n\nIf no -e, --expression, -f, or --file option is given, then the first\nnon-option argument is taken as the sed script to interpret.  All\nremaining arguments are names of input files; if no input files are\nspecified, then the standard input is read.\n\nGNU sed home page: <https://www.gnu.org/software/sed/>.\nGeneral help using GNU software: <https://www.gnu.org/gethelp/>.\n";

/// A regex in a script: `None` is the empty regex (the last one used).
type Re = Option<Regex>;

#[derive(Clone)]
enum Addr {
    Line(usize),
    Last,
    Re(Re),
    Step(usize, usize),
}

#[derive(Clone)]
enum Addr2 {
    A(Addr),
    Plus(usize),
    Tilde(usize),
}

#[derive(Clone)]
enum Repl {
    Lit(Vec<u8>),
    Group(usize),
    Case(u8),
}

#[derive(Clone)]
enum Kind {
    Block(usize),
    EndBlock,
    Eq,
    Append(Vec<u8>),
    Insert(Vec<u8>),
    Change(Vec<u8>),
    Delete,
    DeleteFirst,
    Print,
    PrintFirst,
    Next,
    NextAppend,
    Quit(i32),
    QuitSilent(i32),
    Subst {
        re: Re,
        repl: Vec<Repl>,
        global: bool,
        nth: usize,
        print: usize,
        wfile: Option<String>,
    },
    Translit(Vec<(char, char)>),
    Hold,
    HoldAppend,
    Get,
    GetAppend,
    Exchange,
    List,
    Branch(Option<usize>),
    BranchT(Option<usize>),
    BranchTNot(Option<usize>),
    Label,
    ReadFile(String),
    WriteFile(String),
    Zap,
    Comment,
}

#[derive(Clone)]
struct Cmd {
    a1: Option<Addr>,
    a2: Option<Addr2>,
    neg: bool,
    kind: Kind,
}

struct Parser<'a> {
    c: Vec<char>,
    i: usize,
    ere: bool,
    expr_no: usize,
    label_name: &'a mut Vec<(String, usize)>,
}

fn perr(expr: usize, pos: usize, msg: &str) -> String {
    format!("-e expression #{expr}, char {pos}: {msg}")
}

impl Parser<'_> {
    fn err(&self, msg: &str) -> String {
        perr(self.expr_no, self.i, msg)
    }
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }
    fn next(&mut self) -> Option<char> {
        let ch = self.c.get(self.i).copied();
        if ch.is_some() {
            self.i += 1;
        }
        ch
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }
    fn skip_ws_nl(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | ';')) {
            self.i += 1;
        }
    }
    fn number(&mut self) -> usize {
        let mut n: usize = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(d as usize);
            self.i += 1;
        }
        n
    }

    /// Text up to the unescaped delimiter, with `\delim` turned into `delim`; `\n` kept as
    /// the two characters for the regex translator except when the delimiter is special.
    fn delimited(&mut self, delim: char, what: &str) -> Result<String, String> {
        let mut s = String::new();
        loop {
            let Some(ch) = self.next() else {
                return Err(self.err(what));
            };
            if ch == delim {
                return Ok(s);
            }
            if ch == '\\' {
                let Some(n) = self.next() else {
                    return Err(self.err(what));
                };
                if n == delim {
                    s.push(n);
                } else if n == '\n' {
                    s.push('\n');
                } else {
                    s.push('\\');
                    s.push(n);
                }
            } else if ch == '\n' && what.contains("`s'") {
                return Err(self.err(what));
            } else {
                s.push(ch);
            }
        }
    }

    fn regex(&self, pat: &str, icase: bool) -> Result<Re, String> {
        if pat.is_empty() {
            return Ok(None);
        }
        let syn = if self.ere {
            Syntax::Extended
        } else {
            Syntax::Basic
        };
        let t = translate(pat, syn).map_err(|e| self.err(&e))?;
        let t = format!("(?s){t}");
        build(&t, icase).map(Some).map_err(|e| self.err(&e))
    }

    fn addr(&mut self) -> Result<Option<Addr>, String> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                let n = self.number();
                if self.peek() == Some('~') {
                    self.i += 1;
                    let s = self.number();
                    return Ok(Some(Addr::Step(n, s)));
                }
                Ok(Some(Addr::Line(n)))
            }
            Some('$') => {
                self.i += 1;
                Ok(Some(Addr::Last))
            }
            Some('/') | Some('\\') => {
                let mut d = self.next().unwrap_or('/');
                if d == '\\' {
                    d = self.next().ok_or_else(|| self.err("unexpected `,'"))?;
                }
                let pat = self.delimited(d, "unterminated address regex")?;
                let mut icase = false;
                while matches!(self.peek(), Some('I' | 'M')) {
                    if self.next() == Some('I') {
                        icase = true;
                    }
                }
                Ok(Some(Addr::Re(self.regex(&pat, icase)?)))
            }
            _ => Ok(None),
        }
    }

    /// The text of `a`, `i`, `c`.
    fn text(&mut self, cmd: char) -> Result<Vec<u8>, String> {
        self.skip_ws();
        if self.peek() == Some('\\') {
            self.i += 1;
            self.skip_ws();
            if self.peek() == Some('\n') {
                self.i += 1;
            }
        } else if self.peek().is_none() || self.peek() == Some('\n') {
            return Err(self.err("expected \\ after `a', `c' or `i'"));
        }
        let _ = cmd;
        let mut s = String::new();
        while let Some(ch) = self.next() {
            if ch == '\\' {
                match self.next() {
                    Some(n) => s.push(n),
                    None => break,
                }
            } else if ch == '\n' {
                break;
            } else {
                s.push(ch);
            }
        }
        s.push('\n');
        Ok(s.into_bytes())
    }

    fn label(&mut self) -> String {
        self.skip_ws();
        let mut s = String::new();
        while let Some(ch) = self.peek() {
            if ch == '\n' || ch == ';' {
                break;
            }
            s.push(ch);
            self.i += 1;
        }
        s.trim_end().to_owned()
    }

    fn filename(&mut self) -> String {
        self.skip_ws();
        let mut s = String::new();
        while let Some(ch) = self.peek() {
            if ch == '\n' {
                break;
            }
            s.push(ch);
            self.i += 1;
        }
        s
    }

    fn end_cmd(&mut self) -> Result<(), String> {
        self.skip_ws();
        match self.peek() {
            None | Some('\n') | Some(';') | Some('}') | Some('#') => Ok(()),
            _ => {
                self.i += 1;
                Err(self.err("extra characters after command"))
            }
        }
    }

    fn replacement(&mut self, raw: &str, ngroups: Option<usize>) -> Result<Vec<Repl>, String> {
        let mut out = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let c: Vec<char> = raw.chars().collect();
        let mut k = 0;
        let mut buf = [0u8; 4];
        while k < c.len() {
            let ch = c[k];
            if ch == '&' {
                out.push(Repl::Lit(std::mem::take(&mut lit)));
                out.push(Repl::Group(0));
            } else if ch == '\\' && k + 1 < c.len() {
                k += 1;
                let n = c[k];
                match n {
                    '0'..='9' => {
                        let g = n as usize - '0' as usize;
                        if g > 0 && ngroups.is_some_and(|ng| g > ng) {
                            return Err(
                                self.err(&format!("invalid reference \\{g} on `s' command's RHS"))
                            );
                        }
                        out.push(Repl::Lit(std::mem::take(&mut lit)));
                        out.push(Repl::Group(g));
                    }
                    'n' => lit.push(b'\n'),
                    't' => lit.push(b'\t'),
                    'r' => lit.push(b'\r'),
                    'a' => lit.push(7),
                    'f' => lit.push(12),
                    'v' => lit.push(11),
                    'L' | 'U' | 'l' | 'u' | 'E' => {
                        out.push(Repl::Lit(std::mem::take(&mut lit)));
                        out.push(Repl::Case(n as u8));
                    }
                    _ => lit.extend_from_slice(n.encode_utf8(&mut buf).as_bytes()),
                }
            } else {
                lit.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            k += 1;
        }
        out.push(Repl::Lit(lit));
        Ok(out)
    }

    fn parse(&mut self, cmds: &mut Vec<Cmd>, blocks: &mut Vec<usize>) -> Result<(), String> {
        loop {
            self.skip_ws_nl();
            let Some(_) = self.peek() else { return Ok(()) };
            if self.peek() == Some('#') {
                while let Some(ch) = self.next() {
                    if ch == '\n' {
                        break;
                    }
                }
                continue;
            }
            let a1 = self.addr()?;
            let mut a2 = None;
            if a1.is_some() {
                self.skip_ws();
                if self.peek() == Some(',') {
                    self.i += 1;
                    self.skip_ws();
                    a2 = match self.peek() {
                        Some('+') => {
                            self.i += 1;
                            Some(Addr2::Plus(self.number()))
                        }
                        Some('~') => {
                            self.i += 1;
                            Some(Addr2::Tilde(self.number()))
                        }
                        _ => match self.addr()? {
                            Some(a) => Some(Addr2::A(a)),
                            None => return Err(self.err("unexpected `,'")),
                        },
                    };
                }
            }
            if matches!(a1, Some(Addr::Line(0))) && !matches!(a2, Some(Addr2::A(Addr::Re(_)))) {
                return Err(self.err("invalid usage of line address 0"));
            }
            self.skip_ws();
            let mut neg = false;
            while self.peek() == Some('!') {
                neg = true;
                self.i += 1;
                self.skip_ws();
            }
            let Some(ch) = self.next() else {
                return Err(self.err("missing command"));
            };
            let kind = match ch {
                '{' => {
                    blocks.push(cmds.len());
                    Kind::Block(0)
                }
                '}' => {
                    if a1.is_some() {
                        return Err(self.err("} doesn't want any addresses"));
                    }
                    let Some(open) = blocks.pop() else {
                        return Err(self.err("unexpected `}'"));
                    };
                    let here = cmds.len();
                    if let Some(Cmd {
                        kind: Kind::Block(end),
                        ..
                    }) = cmds.get_mut(open)
                    {
                        *end = here;
                    }
                    self.end_cmd()?;
                    Kind::EndBlock
                }
                '=' => {
                    self.end_cmd()?;
                    Kind::Eq
                }
                'a' => Kind::Append(self.text('a')?),
                'i' => Kind::Insert(self.text('i')?),
                'c' => Kind::Change(self.text('c')?),
                'd' => {
                    self.end_cmd()?;
                    Kind::Delete
                }
                'D' => {
                    self.end_cmd()?;
                    Kind::DeleteFirst
                }
                'p' => {
                    self.end_cmd()?;
                    Kind::Print
                }
                'P' => {
                    self.end_cmd()?;
                    Kind::PrintFirst
                }
                'n' => {
                    self.end_cmd()?;
                    Kind::Next
                }
                'N' => {
                    self.end_cmd()?;
                    Kind::NextAppend
                }
                'q' | 'Q' => {
                    self.skip_ws();
                    let code = self.number() as i32;
                    self.end_cmd()?;
                    if ch == 'q' {
                        Kind::Quit(code)
                    } else {
                        Kind::QuitSilent(code)
                    }
                }
                'h' => {
                    self.end_cmd()?;
                    Kind::Hold
                }
                'H' => {
                    self.end_cmd()?;
                    Kind::HoldAppend
                }
                'g' => {
                    self.end_cmd()?;
                    Kind::Get
                }
                'G' => {
                    self.end_cmd()?;
                    Kind::GetAppend
                }
                'x' => {
                    self.end_cmd()?;
                    Kind::Exchange
                }
                'l' => {
                    self.end_cmd()?;
                    Kind::List
                }
                'z' => {
                    self.end_cmd()?;
                    Kind::Zap
                }
                ':' => {
                    if a1.is_some() {
                        return Err(self.err(": doesn't want any addresses"));
                    }
                    let l = self.label();
                    if l.is_empty() {
                        return Err(self.err("\":\" lacks a label"));
                    }
                    self.label_name.push((l, cmds.len()));
                    Kind::Label
                }
                'b' | 't' | 'T' => {
                    let l = self.label();
                    if self.peek() == Some(';') {
                        self.i += 1;
                    }
                    let target = if l.is_empty() {
                        None
                    } else {
                        // Resolved after parsing: store the label text index.
                        self.label_name.push((format!("\u{0}{l}"), cmds.len()));
                        Some(usize::MAX)
                    };
                    match ch {
                        'b' => Kind::Branch(target),
                        't' => Kind::BranchT(target),
                        _ => Kind::BranchTNot(target),
                    }
                }
                'r' => Kind::ReadFile(self.filename()),
                'w' => Kind::WriteFile(self.filename()),
                's' => {
                    let Some(d) = self.next() else {
                        return Err(self.err("unterminated `s' command"));
                    };
                    if d == '\n' || d == '\\' {
                        return Err(self.err("unterminated `s' command"));
                    }
                    let pat = self.delimited(d, "unterminated `s' command")?;
                    let rep = self.delimited_repl(d)?;
                    let mut global = false;
                    let mut nth = 0usize;
                    let mut print = 0usize;
                    let mut icase = false;
                    let mut wfile = None;
                    loop {
                        match self.peek() {
                            Some('g') => {
                                global = true;
                                self.i += 1;
                            }
                            Some('p') => {
                                print += 1;
                                self.i += 1;
                            }
                            Some('I') | Some('i') => {
                                icase = true;
                                self.i += 1;
                            }
                            Some('M') | Some('m') => self.i += 1,
                            Some(c) if c.is_ascii_digit() => {
                                if nth != 0 {
                                    self.i += 1;
                                    return Err(self.err("multiple number options to `s' command"));
                                }
                                nth = self.number();
                                if nth == 0 {
                                    return Err(
                                        self.err("number option to `s' command may not be zero")
                                    );
                                }
                            }
                            Some('w') => {
                                self.i += 1;
                                wfile = Some(self.filename());
                                break;
                            }
                            Some(' ' | '\t' | '\n' | ';' | '}' | '#') | None => break,
                            Some(_) => {
                                self.i += 1;
                                return Err(self.err("unknown option to `s'"));
                            }
                        }
                    }
                    self.end_cmd()?;
                    let re = self.regex(&pat, icase)?;
                    let ngroups = re.as_ref().map(|r| r.captures_len() - 1);
                    let repl = self.replacement(&rep, ngroups.or(Some(9)))?;
                    Kind::Subst {
                        re,
                        repl,
                        global,
                        nth: nth.max(1),
                        print,
                        wfile,
                    }
                }
                'y' => {
                    let Some(d) = self.next() else {
                        return Err(self.err("unterminated `y' command"));
                    };
                    let a = self.delimited(d, "unterminated `y' command")?;
                    let b = self.delimited(d, "unterminated `y' command")?;
                    let un = |s: &str| -> Vec<char> {
                        let mut v = Vec::new();
                        let mut it = s.chars().peekable();
                        while let Some(ch) = it.next() {
                            if ch == '\\' {
                                match it.next() {
                                    Some('n') => v.push('\n'),
                                    Some('t') => v.push('\t'),
                                    Some('\\') => v.push('\\'),
                                    Some(o) => {
                                        v.push('\\');
                                        v.push(o)
                                    }
                                    None => v.push('\\'),
                                }
                            } else {
                                v.push(ch);
                            }
                        }
                        v
                    };
                    let (a, b) = (un(&a), un(&b));
                    if a.len() != b.len() {
                        return Err(self.err("strings for `y' command are different lengths"));
                    }
                    self.end_cmd()?;
                    Kind::Translit(a.into_iter().zip(b).collect())
                }
                '#' => Kind::Comment,
                _ => return Err(self.err(&format!("unknown command: `{ch}'"))),
            };
            cmds.push(Cmd { a1, a2, neg, kind });
        }
    }

    /// The replacement part: like `delimited` but keeps `\` escapes for the replacement parser
    /// (a `\` before the delimiter yields the delimiter, before a newline a newline).
    fn delimited_repl(&mut self, delim: char) -> Result<String, String> {
        let mut s = String::new();
        loop {
            let Some(ch) = self.next() else {
                return Err(self.err("unterminated `s' command"));
            };
            if ch == delim {
                return Ok(s);
            }
            if ch == '\\' {
                let Some(n) = self.next() else {
                    return Err(self.err("unterminated `s' command"));
                };
                if n == delim && delim != '&' {
                    s.push(n);
                } else if n == '\n' {
                    s.push_str("\\n");
                } else {
                    s.push('\\');
                    s.push(n);
                }
            } else {
                s.push(ch);
            }
        }
    }
}

/// Parse a whole script (all `-e` pieces joined with newlines).
fn compile_script(pieces: &[String], ere: bool) -> Result<Vec<Cmd>, String> {
    let mut cmds = Vec::new();
    let mut labels: Vec<(String, usize)> = Vec::new();
    let mut blocks = Vec::new();
    // A piece ending in a backslash (`-e 'a\\'`) continues with the next one.
    let mut merged: Vec<String> = Vec::new();
    for piece in pieces {
        match merged.last_mut() {
            Some(last)
                if last.ends_with('\\')
                    && (last.len() - last.trim_end_matches('\\').len()) % 2 == 1 =>
            {
                last.push('\n');
                last.push_str(piece);
            }
            _ => merged.push(piece.clone()),
        }
    }
    let pieces = &merged[..];
    for (n, piece) in pieces.iter().enumerate() {
        let mut p = Parser {
            c: piece.chars().collect(),
            i: 0,
            ere,
            expr_no: n + 1,
            label_name: &mut labels,
        };
        p.parse(&mut cmds, &mut blocks)?;
        // An `a`, `i` or `c` ending a piece continues with the next (GNU joins them);
        // nothing more to do here.
    }
    if !blocks.is_empty() {
        return Err(perr(pieces.len().max(1), 0, "unmatched `{'"));
    }
    let defs: Vec<(String, usize)> = labels
        .iter()
        .filter(|(l, _)| !l.starts_with('\u{0}'))
        .cloned()
        .collect();
    for (l, at) in labels.iter().filter(|(l, _)| l.starts_with('\u{0}')) {
        let name = &l[1..];
        let Some((_, target)) = defs.iter().find(|(d, _)| d == name) else {
            return Err(format!("can't find label for jump to `{name}'"));
        };
        if let Some(cmd) = cmds.get_mut(*at) {
            match &mut cmd.kind {
                Kind::Branch(t) | Kind::BranchT(t) | Kind::BranchTNot(t) => *t = Some(*target),
                _ => {}
            }
        }
    }
    Ok(cmds)
}

struct Line {
    data: Vec<u8>,
    nl: bool,
    file: usize,
}

/// Input lines, read lazily from the files (so `sed q` ends on endless input); lines
/// already processed are dropped.
struct Src {
    base: usize,
    lines: std::collections::VecDeque<Line>,
    pending: std::collections::VecDeque<(usize, String)>,
    cur: Option<(usize, std::sync::Arc<crate::kernel::process::OpenFile>)>,
    buf: Vec<u8>,
    sep: u8,
    status: i32,
}

impl Src {
    fn preloaded(lines: Vec<Line>, sep: u8) -> Src {
        Src {
            base: 0,
            lines: lines.into(),
            pending: Default::default(),
            cur: None,
            buf: Vec::new(),
            sep,
            status: 0,
        }
    }

    fn get(&self, i: usize) -> Option<&Line> {
        i.checked_sub(self.base).and_then(|k| self.lines.get(k))
    }

    /// Drop lines before `i`.
    fn trim(&mut self, i: usize) {
        while self.base < i && !self.lines.is_empty() {
            self.lines.pop_front();
            self.base += 1;
        }
    }

    /// Read until line `n - 1` exists or the input is exhausted.
    async fn ensure(&mut self, ctx: &Ctx, n: usize) {
        while self.base + self.lines.len() < n {
            if self.cur.is_none() {
                let Some((k, f)) = self.pending.pop_front() else {
                    return;
                };
                if f == "-" {
                    match ctx.fds.get(0) {
                        Ok(file) => self.cur = Some((k, file.clone())),
                        Err(e) => {
                            ctx.complain(format!("can't read -: {}", e.strerror()))
                                .await;
                            self.status = 2;
                        }
                    }
                    continue;
                }
                if let Ok(st) = ctx.kernel.vfs().stat(ctx.cred(), &ctx.abs(&f), true).await {
                    if st.file_type == FileType::Dir {
                        ctx.complain(format!("couldn't edit {f}: not a regular file"))
                            .await;
                        self.status = 2;
                        continue;
                    }
                }
                match ctx.open(&f, super::OpenMode::Read).await {
                    Ok(file) => self.cur = Some((k, file)),
                    Err(e) => {
                        let en = e
                            .errno_value()
                            .map(|e| e.strerror())
                            .unwrap_or("Input/output error");
                        ctx.complain(format!("can't read {f}: {en}")).await;
                        self.status = 2;
                    }
                }
                continue;
            }
            let Some((k, file)) = self.cur.clone() else {
                return;
            };
            match file.read(64 * 1024).await {
                Ok(chunk) if !chunk.is_empty() => {
                    self.buf.extend_from_slice(&chunk);
                    let mut start = 0;
                    while let Some(p) = self.buf[start..].iter().position(|&b| b == self.sep) {
                        self.lines.push_back(Line {
                            data: self.buf[start..start + p].to_vec(),
                            nl: true,
                            file: k,
                        });
                        start += p + 1;
                    }
                    self.buf.drain(..start);
                }
                Ok(_) => {
                    if !self.buf.is_empty() {
                        let data = std::mem::take(&mut self.buf);
                        self.lines.push_back(Line {
                            data,
                            nl: false,
                            file: k,
                        });
                    }
                    self.cur = None;
                }
                Err(e) => {
                    ctx.complain(format!("read error on {k}: {}", e.strerror()))
                        .await;
                    self.status = 2;
                    self.cur = None;
                }
            }
        }
    }
}

struct State {
    lines: Src,
    next: usize,
    lineno: usize,
    separate: bool,
    last_re: Option<Regex>,
    quiet: bool,
    sep: u8,
    out: Vec<u8>,
    missing_nl: bool,
    append_q: Vec<u8>,
    wfiles: Vec<(String, Vec<u8>)>,
    rfiles: Vec<(String, Option<Vec<u8>>)>,
}

impl State {
    fn is_last(&self) -> bool {
        match self.lines.get(self.next) {
            None => true,
            Some(l) => {
                self.separate
                    && self.next > 0
                    && self
                        .lines
                        .get(self.next - 1)
                        .is_some_and(|p| p.file != l.file)
            }
        }
    }

    fn emit(&mut self, data: &[u8], nl: bool) {
        self.put(data);
        if nl {
            self.out.push(self.sep);
        } else {
            self.missing_nl = true;
        }
    }

    /// Append output; a last line written without its newline gets one first (as GNU does
    /// when more output follows).
    fn put(&mut self, data: &[u8]) {
        if self.missing_nl && !data.is_empty() {
            self.out.push(self.sep);
            self.missing_nl = false;
        }
        self.out.extend_from_slice(data);
    }

    fn flush_append(&mut self) {
        let q = std::mem::take(&mut self.append_q);
        self.put(&q);
    }

    fn regex(&mut self, re: &Re) -> Option<Regex> {
        match re {
            Some(r) => {
                self.last_re = Some(r.clone());
                Some(r.clone())
            }
            None => self.last_re.clone(),
        }
    }

    fn addr_match(&mut self, a: &Addr, ps: &[u8]) -> Result<bool, String> {
        Ok(match a {
            Addr::Line(n) => self.lineno == *n,
            Addr::Last => self.is_last(),
            Addr::Step(f, s) => {
                if *s == 0 {
                    self.lineno == *f
                } else {
                    self.lineno >= *f && (self.lineno - *f) % *s == 0
                }
            }
            Addr::Re(re) => match self.regex(re) {
                Some(r) => r.is_match(ps),
                None => return Err("no previous regular expression".to_owned()),
            },
        })
    }
}

/// Range state of a two-address command: `Some(end line)` for `+N`, or active for others.
#[derive(Clone, Copy, Default)]
struct RangeState {
    active: bool,
    end: usize,
}

async fn run(ctx: &Ctx) -> i32 {
    let args: Vec<String> = ctx.argv.iter().skip(1).cloned().collect();
    let mut quiet = false;
    let mut ere = false;
    let mut separate = false;
    let mut in_place: Option<String> = None;
    let mut zero = false;
    let mut pieces: Vec<String> = Vec::new();
    let mut have_script = false;
    let mut operands: Vec<String> = Vec::new();
    let mut i = 0;
    let try_help = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n";
    let bad = |msg: String| format!("{msg}\n{}", USAGE.strip_suffix('\n').unwrap_or(USAGE));
    let _ = try_help;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (n, v) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            const L: &[&str] = &[
                "quiet",
                "silent",
                "expression",
                "file",
                "in-place",
                "regexp-extended",
                "separate",
                "null-data",
                "posix",
                "debug",
                "sandbox",
                "unbuffered",
                "zero-terminated",
                "version",
                "help",
            ];
            let cands: Vec<&&str> = L.iter().filter(|x| x.starts_with(n)).collect();
            let full = match L.iter().find(|x| **x == n) {
                Some(x) => *x,
                None if cands.len() == 1 => cands[0],
                None if cands.len() > 1
                    && !(cands.iter().all(|c| **c == "quiet" || **c == "silent")) =>
                {
                    ctx.complain(bad(format!("option '{a}' is ambiguous")))
                        .await;
                    return 1;
                }
                None if !cands.is_empty() => cands[0],
                None => {
                    ctx.complain(bad(format!("unrecognized option '{a}'")))
                        .await;
                    return 1;
                }
            };
            match full {
                "version" => {
                    let _ = ctx.out("sed (GNU sed) 4.9\n").await;
                    return 0;
                }
                "help" => {
                    let _ = ctx.out(USAGE).await;
                    return 0;
                }
                "quiet" | "silent" => quiet = true,
                "expression" | "file" => {
                    let v = match v {
                        Some(v) => v,
                        None => match args.get(i) {
                            Some(v) => {
                                i += 1;
                                v.clone()
                            }
                            None => {
                                ctx.complain(bad(format!(
                                    "option '--{full}' requires an argument"
                                )))
                                .await;
                                return 1;
                            }
                        },
                    };
                    have_script = true;
                    if full == "file" {
                        match read_script(ctx, &v).await {
                            Ok(s) => pieces.push(s),
                            Err(e) => {
                                ctx.complain(e).await;
                                return 1;
                            }
                        }
                    } else {
                        pieces.push(v);
                    }
                }
                "in-place" => in_place = Some(v.unwrap_or_default()),
                "regexp-extended" => ere = true,
                "separate" => separate = true,
                "null-data" | "zero-terminated" => zero = true,
                _ => {}
            }
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                match c {
                    'n' => quiet = true,
                    'E' | 'r' => ere = true,
                    's' => separate = true,
                    'z' => zero = true,
                    'u' => {}
                    'i' => {
                        in_place = Some(chars[j..].iter().collect());
                        break;
                    }
                    'e' | 'f' | 'l' => {
                        let rest: String = chars[j..].iter().collect();
                        let v = if !rest.is_empty() {
                            rest
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            ctx.complain(bad(format!("option requires an argument -- '{c}'")))
                                .await;
                            return 1;
                        };
                        if c == 'e' {
                            have_script = true;
                            pieces.push(v);
                        } else if c == 'f' {
                            have_script = true;
                            match read_script(ctx, &v).await {
                                Ok(s) => pieces.push(s),
                                Err(e) => {
                                    ctx.complain(e).await;
                                    return 1;
                                }
                            }
                        }
                        break;
                    }
                    _ => {
                        ctx.complain(bad(format!("invalid option -- '{c}'"))).await;
                        return 1;
                    }
                }
            }
            continue;
        }
        operands.push(a.clone());
    }
    if !have_script {
        if operands.is_empty() {
            ctx.err(USAGE).await;
            return 1;
        }
        pieces.push(operands.remove(0));
    }
    let cmds = match compile_script(&pieces, ere) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.starts_with("can't find label") {
                4
            } else {
                1
            };
            ctx.complain(e).await;
            return code;
        }
    };
    if in_place.is_some() && operands.is_empty() {
        ctx.complain("no input files").await;
        return 1;
    }
    if operands.is_empty() {
        operands.push("-".to_owned());
    }
    let sep = if zero { 0u8 } else { b'\n' };
    let mut status = 0;
    if let Some(suffix) = in_place {
        for f in &operands {
            let abs = ctx.abs(f);
            match ctx.kernel.vfs().stat(ctx.cred(), &abs, true).await {
                Ok(st) if st.file_type != FileType::File => {
                    ctx.complain(format!("couldn't edit {f}: not a regular file"))
                        .await;
                    status = 4;
                    continue;
                }
                Err(_) => {
                    ctx.complain(format!("can't read {f}: No such file or directory"))
                        .await;
                    status = 2;
                    continue;
                }
                _ => {}
            }
            let data = match util::read_all(ctx, f).await {
                Ok(d) => d,
                Err(e) => {
                    ctx.complain(format!("can't read {e}")).await;
                    status = 2;
                    continue;
                }
            };
            let lines = split_lines(&data, sep, 0);
            let (out, code, quit, _) =
                execute(ctx, &cmds, Src::preloaded(lines, sep), quiet, true, false).await;
            if !suffix.is_empty() {
                let bak = if suffix.contains('*') {
                    let base = f.rsplit('/').next().unwrap_or(f);
                    suffix.replace('*', base)
                } else {
                    format!("{f}{suffix}")
                };
                let _ = ctx
                    .kernel
                    .vfs()
                    .write_file(ctx.cred(), &ctx.abs(&bak), data.clone().into())
                    .await;
            }
            if let Err(e) = ctx
                .kernel
                .vfs()
                .write_file(ctx.cred(), &abs, out.into())
                .await
            {
                let en = e
                    .errno_value()
                    .map(|e| e.strerror())
                    .unwrap_or("Input/output error");
                ctx.complain(format!("couldn't open file {f}: {en}")).await;
                status = 4;
            }
            if let Some(c) = code {
                status = c;
            }
            if quit {
                break;
            }
        }
        return status;
    }
    let mut src = Src::preloaded(Vec::new(), sep);
    src.pending = operands.iter().cloned().enumerate().collect();
    let (out, code, _, st2) = execute(ctx, &cmds, src, quiet, separate, true).await;
    if st2 != 0 {
        status = st2;
    }
    if !out.is_empty() && ctx.out(out).await.is_err() {
        return 4;
    }
    code.unwrap_or(status)
}

async fn read_script(ctx: &Ctx, f: &str) -> Result<String, String> {
    match util::read_all(ctx, f).await {
        Ok(d) => {
            let s = String::from_utf8_lossy(&d).into_owned();
            Ok(s.strip_suffix('\n').map(str::to_owned).unwrap_or(s))
        }
        Err(e) => Err(format!("couldn't open file {e}")),
    }
}

fn split_lines(d: &[u8], sep: u8, file: usize) -> Vec<Line> {
    let mut v = Vec::new();
    if d.is_empty() {
        return v;
    }
    let mut parts: Vec<&[u8]> = d.split(|&b| b == sep).collect();
    let ends_nl = d.last() == Some(&sep);
    if ends_nl {
        parts.pop();
    }
    let n = parts.len();
    for (k, p) in parts.into_iter().enumerate() {
        v.push(Line {
            data: p.to_vec(),
            nl: k + 1 < n || ends_nl,
            file,
        });
    }
    v
}

fn apply_case(s: &[u8], mode: u8, one: &mut u8) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len());
    for &b in s {
        let b = match *one {
            b'u' => {
                *one = 0;
                b.to_ascii_uppercase()
            }
            b'l' => {
                *one = 0;
                b.to_ascii_lowercase()
            }
            _ => match mode {
                b'U' => b.to_ascii_uppercase(),
                b'L' => b.to_ascii_lowercase(),
                _ => b,
            },
        };
        v.push(b);
    }
    v
}

/// A match's bounds.
#[derive(Clone, Copy)]
struct Span {
    s: usize,
    e: usize,
}

impl Span {
    fn start(&self) -> usize {
        self.s
    }
    fn end(&self) -> usize {
        self.e
    }
}

fn substitute(re: &Regex, ps: &[u8], repl: &[Repl], global: bool, nth: usize) -> Option<Vec<u8>> {
    let needs_groups = repl.iter().any(|r| matches!(r, Repl::Group(g) if *g > 0));
    let mut out = Vec::new();
    let mut pos = 0;
    let mut last_end = 0;
    let mut count = 0;
    let mut done = false;
    let mut prev_nonempty_end: Option<usize> = None;
    while pos <= ps.len() {
        // Spans of the match and its groups; POSIX longest match when no group is used.
        let spans: Vec<Option<(usize, usize)>> = if needs_groups {
            let Some(caps) = re.captures_at(ps, pos) else {
                break;
            };
            caps.iter()
                .map(|g| g.map(|g| (g.start(), g.end())))
                .collect()
        } else {
            let Some(se) = find_longest(re, ps, pos) else {
                break;
            };
            vec![Some(se)]
        };
        let Some(Some((ms, me))) = spans.first().copied() else {
            break;
        };
        let m = Span { s: ms, e: me };
        if m.start() == m.end() && prev_nonempty_end == Some(m.start()) {
            pos = m.start() + 1;
            continue;
        }
        count += 1;
        if count >= nth {
            out.extend_from_slice(&ps[last_end..m.start()]);
            let mut mode = 0u8;
            let mut one = 0u8;
            for r in repl {
                match r {
                    Repl::Lit(l) => out.extend(apply_case(l, mode, &mut one)),
                    Repl::Group(g) => {
                        if let Some(Some((gs, ge))) = spans.get(*g).copied() {
                            out.extend(apply_case(&ps[gs..ge], mode, &mut one));
                        }
                    }
                    Repl::Case(c) => match c {
                        b'L' | b'U' => mode = *c,
                        b'E' => {
                            mode = 0;
                            one = 0;
                        }
                        _ => one = *c,
                    },
                }
            }
            last_end = m.end();
            done = true;
            if !global {
                break;
            }
        }
        if m.end() > m.start() {
            prev_nonempty_end = Some(m.end());
            pos = m.end();
        } else {
            pos = m.end() + 1;
        }
    }
    if !done {
        return None;
    }
    out.extend_from_slice(&ps[last_end..]);
    Some(out)
}

fn list_line(ps: &[u8], sep: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut col = 0;
    let width = 70;
    for &b in ps {
        let piece: String = match b {
            b'\\' => "\\\\".to_owned(),
            7 => "\\a".to_owned(),
            8 => "\\b".to_owned(),
            12 => "\\f".to_owned(),
            b'\n' => "\\n".to_owned(),
            b'\r' => "\\r".to_owned(),
            b'\t' => "\\t".to_owned(),
            11 => "\\v".to_owned(),
            0x20..=0x7e => (b as char).to_string(),
            _ => format!("\\{:03o}", b),
        };
        if col + piece.len() > width - 1 {
            out.extend_from_slice(b"\\\n");
            col = 0;
        }
        col += piece.len();
        out.extend_from_slice(piece.as_bytes());
    }
    out.push(b'$');
    out.push(sep);
    out
}

/// Run the script over `lines`; returns output, an exit code from `q`/`Q`, and whether it quit.
async fn execute(
    ctx: &Ctx,
    cmds: &[Cmd],
    lines: Src,
    quiet: bool,
    separate: bool,
    stream: bool,
) -> (Vec<u8>, Option<i32>, bool, i32) {
    let sep = lines.sep;
    let mut st = State {
        lines,
        next: 0,
        lineno: 0,
        separate,
        last_re: None,
        quiet,
        sep,
        out: Vec::new(),
        missing_nl: false,
        append_q: Vec::new(),
        wfiles: Vec::new(),
        rfiles: Vec::new(),
    };
    let mut ranges = vec![RangeState::default(); cmds.len()];
    for (k, c) in cmds.iter().enumerate() {
        if matches!(c.a1, Some(Addr::Line(0))) {
            ranges[k].active = true;
        }
    }
    let mut hold: Vec<u8> = Vec::new();
    let mut code = None;
    let mut quit = false;
    let mut steps: u64 = 0;
    'cycle: loop {
        if st.next > 0 {
            st.lines.trim(st.next - 1);
        }
        if stream && st.out.len() > 64 * 1024 {
            let chunk = std::mem::take(&mut st.out);
            if ctx.out(chunk).await.is_err() {
                return (Vec::new(), Some(4), true, 0);
            }
        }
        st.lines.ensure(ctx, st.next + 2).await;
        let Some(line) = st.lines.get(st.next) else {
            break;
        };
        let (mut ps, mut nl, file) = (line.data.clone(), line.nl, line.file);
        if separate && st.next > 0 && st.lines.get(st.next - 1).is_some_and(|p| p.file != file) {
            st.lineno = 0;
        }
        st.next += 1;
        st.lineno += 1;
        let mut tflag = false;
        let mut pc = 0;
        let mut restart_no_read = false;
        loop {
            let mut autoprint = !st.quiet;
            let mut deleted = false;
            while pc < cmds.len() {
                steps += 1;
                if steps % 4096 == 0 {
                    tokio::task::yield_now().await;
                    if ctx.proc.pending_fatal().is_some() {
                        return (st.out, Some(1), true, st.lines.status);
                    }
                }
                let cmd = &cmds[pc];
                // Address selection.
                let selected = match (&cmd.a1, &cmd.a2) {
                    (None, _) => true,
                    (Some(a1), None) => match st.addr_match(a1, &ps) {
                        Ok(b) => b,
                        Err(e) => {
                            ctx.complain(e).await;
                            return (st.out, Some(1), true, st.lines.status);
                        }
                    },
                    (Some(a1), Some(a2)) => {
                        let r = &mut ranges[pc];
                        if r.active {
                            match a2 {
                                Addr2::A(Addr::Line(n)) => {
                                    if st.lineno >= *n {
                                        r.active = false;
                                    }
                                    true
                                }
                                Addr2::Plus(_) => {
                                    if st.lineno >= r.end {
                                        r.active = false;
                                    }
                                    true
                                }
                                Addr2::Tilde(m) => {
                                    if *m == 0 || st.lineno % *m == 0 {
                                        r.active = false;
                                    }
                                    true
                                }
                                Addr2::A(a) => {
                                    let a = a.clone();
                                    match st.addr_match(&a, &ps) {
                                        Ok(true) => {
                                            ranges[pc].active = false;
                                            true
                                        }
                                        Ok(false) => true,
                                        Err(e) => {
                                            ctx.complain(e).await;
                                            return (st.out, Some(1), true, st.lines.status);
                                        }
                                    }
                                }
                            }
                        } else {
                            let m = match st.addr_match(a1, &ps) {
                                Ok(b) => b,
                                Err(e) => {
                                    ctx.complain(e).await;
                                    return (st.out, Some(1), true, st.lines.status);
                                }
                            };
                            if m {
                                let r = &mut ranges[pc];
                                match a2 {
                                    Addr2::A(Addr::Line(n)) => r.active = *n > st.lineno,
                                    Addr2::Plus(n) => {
                                        r.end = st.lineno + n;
                                        r.active = *n > 0;
                                    }
                                    Addr2::Tilde(m) => r.active = !(*m == 0 || st.lineno % *m == 0),
                                    Addr2::A(_) => r.active = true,
                                }
                            }
                            m
                        }
                    }
                };
                let selected = selected != cmd.neg;
                if !selected {
                    if let Kind::Block(end) = cmd.kind {
                        pc = end + 1;
                    } else {
                        pc += 1;
                    }
                    continue;
                }
                pc += 1;
                match &cmd.kind {
                    Kind::Block(_) | Kind::EndBlock | Kind::Label | Kind::Comment => {}
                    Kind::Eq => {
                        let l = format!("{}\n", st.lineno);
                        st.put(l.as_bytes());
                    }
                    Kind::Append(t) => st.append_q.extend_from_slice(t),
                    Kind::Insert(t) => st.put(t),
                    Kind::Change(t) => {
                        let in_range = cmd.a2.is_some() && ranges[pc - 1].active;
                        if !in_range || cmd.neg {
                            st.put(t);
                        }
                        deleted = true;
                        break;
                    }
                    Kind::Delete => {
                        deleted = true;
                        break;
                    }
                    Kind::DeleteFirst => {
                        if let Some(p) = ps.iter().position(|&b| b == b'\n') {
                            ps.drain(..=p);
                            st.flush_append();
                            restart_no_read = true;
                            deleted = true;
                            break;
                        }
                        deleted = true;
                        break;
                    }
                    Kind::Print => st.emit(&ps.clone(), true),
                    Kind::PrintFirst => {
                        let end = ps.iter().position(|&b| b == b'\n').unwrap_or(ps.len());
                        let first = ps[..end].to_vec();
                        st.emit(&first, true);
                    }
                    Kind::Next => {
                        st.lines.ensure(ctx, st.next + 2).await;
                        if st.lines.get(st.next).is_none() {
                            // No next line: GNU prints and exits.
                            if !st.quiet {
                                st.emit(&ps.clone(), nl);
                            }
                            st.flush_append();
                            deleted = true;
                            quit = true;
                            break;
                        }
                        if !st.quiet {
                            st.emit(&ps.clone(), nl);
                        }
                        st.flush_append();
                        let Some(l) = st.lines.get(st.next) else {
                            break;
                        };
                        (ps, nl) = (l.data.clone(), l.nl);
                        st.next += 1;
                        st.lineno += 1;
                        st.lines.ensure(ctx, st.next + 2).await;
                    }
                    Kind::NextAppend => {
                        st.lines.ensure(ctx, st.next + 2).await;
                        if st.lines.get(st.next).is_none() {
                            if !st.quiet {
                                st.emit(&ps.clone(), nl);
                            }
                            st.flush_append();
                            deleted = true;
                            quit = true;
                            break;
                        }
                        st.flush_append();
                        let Some(l) = st.lines.get(st.next) else {
                            break;
                        };
                        ps.push(b'\n');
                        ps.extend_from_slice(&l.data);
                        nl = l.nl;
                        st.next += 1;
                        st.lineno += 1;
                        st.lines.ensure(ctx, st.next + 2).await;
                    }
                    Kind::Quit(c) => {
                        code = Some(*c);
                        quit = true;
                        break;
                    }
                    Kind::QuitSilent(c) => {
                        code = Some(*c);
                        quit = true;
                        autoprint = false;
                        st.append_q.clear();
                        break;
                    }
                    Kind::Subst {
                        re,
                        repl,
                        global,
                        nth,
                        print,
                        wfile,
                    } => {
                        let Some(r) = st.regex(re) else {
                            ctx.complain("no previous regular expression").await;
                            return (st.out, Some(1), true, st.lines.status);
                        };
                        if let Some(new) = substitute(&r, &ps, repl, *global, *nth) {
                            ps = new;
                            tflag = true;
                            for _ in 0..*print {
                                st.emit(&ps.clone(), true);
                            }
                            if let Some(w) = wfile {
                                write_to(&mut st, w, &ps.clone());
                            }
                        }
                    }
                    Kind::Translit(map) => {
                        let s = String::from_utf8_lossy(&ps).into_owned();
                        let t: String = s
                            .chars()
                            .map(|ch| {
                                map.iter()
                                    .find(|(a, _)| *a == ch)
                                    .map(|(_, b)| *b)
                                    .unwrap_or(ch)
                            })
                            .collect();
                        ps = t.into_bytes();
                    }
                    Kind::Hold => hold = ps.clone(),
                    Kind::HoldAppend => {
                        hold.push(b'\n');
                        hold.extend_from_slice(&ps);
                    }
                    Kind::Get => ps = hold.clone(),
                    Kind::GetAppend => {
                        ps.push(b'\n');
                        ps.extend_from_slice(&hold);
                    }
                    Kind::Exchange => std::mem::swap(&mut ps, &mut hold),
                    Kind::List => {
                        let l = list_line(&ps, sep);
                        st.put(&l);
                    }
                    Kind::Branch(t) => pc = t.unwrap_or(cmds.len()),
                    Kind::BranchT(t) => {
                        if tflag {
                            tflag = false;
                            pc = t.unwrap_or(cmds.len());
                        }
                    }
                    Kind::BranchTNot(t) => {
                        if !tflag {
                            pc = t.unwrap_or(cmds.len());
                        } else {
                            tflag = false;
                        }
                    }
                    Kind::ReadFile(f) => {
                        let content = match st.rfiles.iter().find(|(n, _)| n == f) {
                            Some((_, c)) => c.clone(),
                            None => {
                                let c = util::read_all(ctx, f).await.ok();
                                st.rfiles.push((f.clone(), c.clone()));
                                c
                            }
                        };
                        if let Some(c) = content {
                            st.append_q.extend_from_slice(&c);
                            if !c.is_empty() && c.last() != Some(&b'\n') {
                                st.append_q.push(b'\n');
                            }
                        }
                    }
                    Kind::WriteFile(f) => write_to(&mut st, f, &ps.clone()),
                    Kind::Zap => ps.clear(),
                }
            }
            if !deleted && autoprint {
                st.emit(&ps.clone(), nl);
            }
            st.flush_append();
            if quit {
                break 'cycle;
            }
            if restart_no_read {
                restart_no_read = false;
                pc = 0;
                tflag = false;
                let _ = tflag;
                continue;
            }
            break;
        }
    }
    // Flush `w` files.
    for (name, data) in std::mem::take(&mut st.wfiles) {
        match name.as_str() {
            "/dev/stdout" => st.put(&data),
            "/dev/stderr" => ctx.err(data).await,
            _ => {
                let _ = ctx
                    .kernel
                    .vfs()
                    .write_file(ctx.cred(), &ctx.abs(&name), data.into())
                    .await;
            }
        }
    }
    let status = st.lines.status;
    (st.out, code, quit, status)
}

fn write_to(st: &mut State, f: &str, data: &[u8]) {
    let sep = st.sep;
    match st.wfiles.iter_mut().find(|(n, _)| n == f) {
        Some((_, buf)) => {
            buf.extend_from_slice(data);
            buf.push(sep);
        }
        None => {
            let mut buf = data.to_vec();
            buf.push(sep);
            st.wfiles.push((f.to_owned(), buf));
        }
    }
}

/// `sed`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move { run(&ctx).await })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_scripts() {
        assert!(compile_script(&["s/a/b/g;p".to_owned()], false).is_ok());
        assert!(compile_script(&["s/a/b".to_owned()], false).is_err());
        assert!(compile_script(&["bfoo".to_owned()], false).is_err());
        assert!(compile_script(&["1,/x/{p;d}".to_owned()], false).is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics(script in "[-a-zA-Z0-9/\\\\{}!;,$+~&.*^ \\n]{0,16}", args in proptest::collection::vec("-[a-zEnrsi]{0,3}", 0..3), input in "[a-z\\n]{0,30}") {
            let _ = compile_script(std::slice::from_ref(&script), false);
            let script = format!("sed {} '{}' <<'EOF'\n{input}\nEOF", args.join(" "), script.replace('\'', ""));
            let rt = crate::sidecar::runtime_builder().build().unwrap();
            let _ = rt.block_on(crate::shell::fixtures::run_bash(&script, None));
        }
    }
}
