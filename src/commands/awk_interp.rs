//! The AWK language for `awk`: lexer, parser and a tree-walking interpreter.
//!
//! The interpreter runs synchronously (inside `block_in_place`); file and pipe I/O goes through
//! the VM's kernel by blocking on its futures. Loops check for a fatal signal so a runaway
//! program stays killable.

use std::collections::HashMap;
use std::sync::Arc;

use regex::bytes::Regex;

use super::cmd_grep::{build, find_longest, translate, Syntax};
use super::{Ctx, OpenMode};
use crate::kernel::process::OpenFile;

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ere(String),
    Name(String),
    FuncName(String),
    Builtin(String),
    Kw(&'static str),
    Op(&'static str),
    Newline,
    Eof,
}

const KEYWORDS: &[&str] = &[
    "BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break", "continue",
    "next", "nextfile", "exit", "return", "delete", "in", "getline", "print", "printf",
];
const BUILTINS: &[&str] = &[
    "length", "substr", "index", "split", "sub", "gsub", "match", "sprintf", "sin", "cos", "atan2",
    "exp", "log", "sqrt", "int", "rand", "srand", "tolower", "toupper", "system", "close",
    "fflush",
];
const OPS: &[&str] = &[
    "+=", "-=", "*=", "/=", "%=", "^=", "==", "<=", ">=", "!=", "++", "--", "&&", "||", ">>", "!~",
    "**", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/", "%", "^", "!", ">", "<", "|",
    "?", ":", "~", "$", "=",
];

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, String> {
    let c: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let mut toks: Vec<(Tok, usize)> = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch == ' ' || ch == '\t' || ch == '\r' {
            i += 1;
            continue;
        }
        if ch == '\\' && c.get(i + 1) == Some(&'\n') {
            i += 2;
            line += 1;
            continue;
        }
        if ch == '#' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if ch == '\n' {
            toks.push((Tok::Newline, line));
            line += 1;
            i += 1;
            continue;
        }
        let div_ok = matches!(
            toks.last().map(|t| &t.0),
            Some(
                Tok::Num(_)
                    | Tok::Str(_)
                    | Tok::Name(_)
                    | Tok::Builtin(_)
                    | Tok::Op(")" | "]" | "$" | "++" | "--")
            )
        );
        if ch == '/' && !div_ok {
            let mut s = String::new();
            i += 1;
            let mut in_br = false;
            loop {
                let Some(&d) = c.get(i) else {
                    return Err(format!(
                        "line {line}: runaway regular expression /{} ...",
                        s.chars().take(10).collect::<String>()
                    ));
                };
                if d == '\n' {
                    return Err(format!(
                        "line {line}: runaway regular expression /{} ...",
                        s.chars().take(10).collect::<String>()
                    ));
                }
                if d == '\\' && c.get(i + 1) == Some(&'/') {
                    s.push('/');
                    i += 2;
                    continue;
                }
                if d == '\\' {
                    s.push(d);
                    if let Some(&n) = c.get(i + 1) {
                        s.push(n);
                    }
                    i += 2;
                    continue;
                }
                if d == '[' {
                    in_br = true;
                } else if d == ']' {
                    in_br = false;
                }
                if d == '/' && !in_br {
                    i += 1;
                    break;
                }
                s.push(d);
                i += 1;
            }
            toks.push((Tok::Ere(s), line));
            continue;
        }
        if ch == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                let Some(&d) = c.get(i) else {
                    return Err(format!(
                        "line {line}: runaway string constant \"{} ...",
                        s.chars().take(10).collect::<String>()
                    ));
                };
                if d == '\n' {
                    return Err(format!(
                        "line {line}: runaway string constant \"{} ...",
                        s.chars().take(10).collect::<String>()
                    ));
                }
                i += 1;
                if d == '"' {
                    break;
                }
                if d == '\\' {
                    let Some(&n) = c.get(i) else { break };
                    i += 1;
                    match n {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        '\\' => s.push('\\'),
                        '"' => s.push('"'),
                        '/' => s.push('/'),
                        'a' => s.push('\x07'),
                        'b' => s.push('\x08'),
                        'f' => s.push('\x0c'),
                        'v' => s.push('\x0b'),
                        '\n' => line += 1,
                        '0'..='7' => {
                            let mut v = n as u32 - '0' as u32;
                            for _ in 0..2 {
                                match c.get(i) {
                                    Some(&o) if ('0'..='7').contains(&o) => {
                                        v = v * 8 + (o as u32 - '0' as u32);
                                        i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            s.push(char::from_u32(v).unwrap_or('?'));
                        }
                        _ => {
                            s.push('\\');
                            s.push(n);
                        }
                    }
                } else {
                    s.push(d);
                }
            }
            toks.push((Tok::Str(s), line));
            continue;
        }
        if ch.is_ascii_digit() || (ch == '.' && c.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.') {
                i += 1;
            }
            if i < c.len() && (c[i] == 'e' || c[i] == 'E') {
                let mut j = i + 1;
                if j < c.len() && (c[j] == '+' || c[j] == '-') {
                    j += 1;
                }
                if j < c.len() && c[j].is_ascii_digit() {
                    i = j;
                    while i < c.len() && c[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s: String = c[start..i].iter().collect();
            toks.push((Tok::Num(str_to_num(&s)), line));
            continue;
        }
        if ch.is_ascii_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let s: String = c[start..i].iter().collect();
            if let Some(k) = KEYWORDS.iter().find(|k| **k == s) {
                let k = if *k == "func" { "function" } else { k };
                toks.push((Tok::Kw(k), line));
            } else if BUILTINS.contains(&s.as_str()) {
                toks.push((Tok::Builtin(s), line));
            } else if c.get(i) == Some(&'(') {
                toks.push((Tok::FuncName(s), line));
            } else {
                toks.push((Tok::Name(s), line));
            }
            continue;
        }
        let rest: String = c[i..c.len().min(i + 2)].iter().collect();
        let Some(op) = OPS.iter().find(|o| rest.starts_with(**o)) else {
            return Err(format!("line {line}: syntax error at or near {ch}"));
        };
        let op = if *op == "**" { "^" } else { op };
        i += if rest.starts_with("**") {
            2
        } else {
            op.chars().count()
        };
        toks.push((Tok::Op(op), line));
    }
    toks.push((Tok::Eof, line));
    Ok(toks)
}

// ---------------------------------------------------------------- AST

#[derive(Clone, Debug)]
enum Expr {
    Num(f64),
    Str(String),
    Re(usize),
    Var(String),
    Field(Box<Expr>),
    Index(String, Vec<Expr>),
    Assign(Option<char>, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Pos(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    Cmp(&'static str, Box<Expr>, Box<Expr>),
    Match(bool, Box<Expr>, Box<Expr>),
    Concat(Box<Expr>, Box<Expr>),
    In(Vec<Expr>, String),
    Incr(bool, f64, Box<Expr>),
    Call(String, Vec<Expr>),
    Builtin(String, Vec<Expr>),
    Getline(Option<Box<Expr>>, GetSrc),
    Group(Vec<Expr>),
}

#[derive(Clone, Debug)]
enum GetSrc {
    Main,
    File(Box<Expr>),
    Cmd(Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Redir {
    File,
    Append,
    Pipe,
}

#[derive(Clone, Debug)]
enum Stmt {
    Expr(Expr),
    Print(Vec<Expr>, Option<(Redir, Expr)>),
    Printf(Vec<Expr>, Option<(Redir, Expr)>),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    Do(Box<Stmt>, Expr),
    For(
        Option<Box<Stmt>>,
        Option<Expr>,
        Option<Box<Stmt>>,
        Box<Stmt>,
    ),
    ForIn(String, String, Box<Stmt>),
    Block(Vec<Stmt>),
    Next,
    NextFile,
    Exit(Option<Expr>),
    Return(Option<Expr>),
    Break,
    Continue,
    Delete(String, Option<Vec<Expr>>),
}

#[derive(Clone, Debug)]
enum Pattern {
    Begin,
    End,
    All,
    Expr(Expr),
    Range(Expr, Expr),
}

#[derive(Clone, Debug)]
struct Func {
    params: Vec<String>,
    body: Vec<Stmt>,
}

/// A parsed AWK program.
#[derive(Debug)]
pub struct Program {
    rules: Vec<(Pattern, Option<Vec<Stmt>>)>,
    funcs: HashMap<String, Func>,
    regexes: Vec<String>,
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<(Tok, usize)>,
    p: usize,
    regexes: Vec<String>,
    depth: usize,
    no_gt: bool,
    no_in: bool,
    eof_line: usize,
}

type PResult<T> = Result<T, String>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.p.min(self.toks.len() - 1)].0
    }
    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.p + k).min(self.toks.len() - 1)].0
    }
    fn line(&self) -> usize {
        self.toks[self.p.min(self.toks.len() - 1)].1
    }
    fn advance(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.p < self.toks.len() - 1 {
            self.p += 1;
        }
        t
    }
    fn is_op(&self, o: &str) -> bool {
        matches!(self.peek(), Tok::Op(x) if *x == o)
    }
    fn is_kw(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Kw(x) if *x == k)
    }
    fn error(&self) -> String {
        let t = self.peek();
        match t {
            Tok::Eof => {
                format!("line {}: syntax error at or near end of file", self.line())
            }
            _ => format!(
                "line {}: syntax error at or near {}",
                self.line(),
                tok_text(t)
            ),
        }
    }
    fn expect_op(&mut self, o: &str) -> PResult<()> {
        if self.is_op(o) {
            self.advance();
            Ok(())
        } else if matches!(self.peek(), Tok::Eof) && o == "}" {
            Err(format!(
                "line {}: missing }} near end of file",
                self.eof_line
            ))
        } else {
            Err(self.error())
        }
    }
    fn nl(&mut self) {
        while matches!(self.peek(), Tok::Newline) {
            self.advance();
        }
    }
    fn term(&mut self) {
        while matches!(self.peek(), Tok::Newline) || self.is_op(";") {
            self.advance();
        }
    }

    fn program(&mut self) -> PResult<Program> {
        let mut rules = Vec::new();
        let mut funcs = HashMap::new();
        loop {
            self.term();
            match self.peek().clone() {
                Tok::Eof => break,
                Tok::Kw("function") => {
                    self.advance();
                    let name = match self.advance() {
                        Tok::Name(n) | Tok::FuncName(n) => n,
                        _ => return Err(self.error()),
                    };
                    self.expect_op("(")?;
                    let mut params = Vec::new();
                    while !self.is_op(")") {
                        match self.advance() {
                            Tok::Name(n) => params.push(n),
                            _ => return Err(self.error()),
                        }
                        self.nl();
                        if self.is_op(",") {
                            self.advance();
                            self.nl();
                        }
                    }
                    self.advance();
                    self.nl();
                    let body = self.block()?;
                    funcs.insert(name, Func { params, body });
                }
                Tok::Kw("BEGIN") => {
                    self.advance();
                    self.nl();
                    let b = self.block()?;
                    rules.push((Pattern::Begin, Some(b)));
                }
                Tok::Kw("END") => {
                    self.advance();
                    self.nl();
                    let b = self.block()?;
                    rules.push((Pattern::End, Some(b)));
                }
                Tok::Op("{") => {
                    let b = self.block()?;
                    rules.push((Pattern::All, Some(b)));
                }
                _ => {
                    let e = self.expr()?;
                    let pat = if self.is_op(",") {
                        self.advance();
                        self.nl();
                        Pattern::Range(e, self.expr()?)
                    } else {
                        Pattern::Expr(e)
                    };
                    if self.is_op("{") {
                        let b = self.block()?;
                        rules.push((pat, Some(b)));
                    } else {
                        rules.push((pat, None));
                    }
                }
            }
        }
        Ok(Program {
            rules,
            funcs,
            regexes: std::mem::take(&mut self.regexes),
        })
    }

    fn block(&mut self) -> PResult<Vec<Stmt>> {
        self.expect_op("{")?;
        let mut v = Vec::new();
        loop {
            self.term();
            if self.is_op("}") {
                self.advance();
                return Ok(v);
            }
            if matches!(self.peek(), Tok::Eof) {
                return Err(format!(
                    "line {}: missing }} near end of file",
                    self.eof_line
                ));
            }
            v.push(self.stmt()?);
        }
    }

    fn simple_end(&mut self) -> PResult<()> {
        if self.is_op(";") || matches!(self.peek(), Tok::Newline) {
            self.advance();
            Ok(())
        } else if self.is_op("}") || matches!(self.peek(), Tok::Eof) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(format!("line {}: nesting too deep", self.line()));
        }
        let r = self.stmt_inner();
        self.depth -= 1;
        r
    }

    fn stmt_inner(&mut self) -> PResult<Stmt> {
        match self.peek().clone() {
            Tok::Op("{") => Ok(Stmt::Block(self.block()?)),
            Tok::Op(";") => {
                self.advance();
                Ok(Stmt::Block(vec![]))
            }
            Tok::Kw("if") => {
                self.advance();
                self.expect_op("(")?;
                let c = self.expr()?;
                self.expect_op(")")?;
                self.nl();
                let s = self.stmt()?;
                // Look past terminators for `else`.
                let save = self.p;
                self.term();
                if self.is_kw("else") {
                    self.advance();
                    self.nl();
                    let e = self.stmt()?;
                    Ok(Stmt::If(c, Box::new(s), Some(Box::new(e))))
                } else {
                    self.p = save;
                    Ok(Stmt::If(c, Box::new(s), None))
                }
            }
            Tok::Kw("while") => {
                self.advance();
                self.expect_op("(")?;
                let c = self.expr()?;
                self.expect_op(")")?;
                if self.is_op(";") {
                    self.advance();
                    return Ok(Stmt::While(c, Box::new(Stmt::Block(vec![]))));
                }
                self.nl();
                let s = self.stmt()?;
                Ok(Stmt::While(c, Box::new(s)))
            }
            Tok::Kw("do") => {
                self.advance();
                self.nl();
                let s = self.stmt()?;
                self.term();
                if !self.is_kw("while") {
                    return Err(self.error());
                }
                self.advance();
                self.expect_op("(")?;
                let c = self.expr()?;
                self.expect_op(")")?;
                self.simple_end()?;
                Ok(Stmt::Do(Box::new(s), c))
            }
            Tok::Kw("for") => {
                self.advance();
                self.expect_op("(")?;
                if let (Tok::Name(v), Tok::Kw("in"), Tok::Name(a), Tok::Op(")")) = (
                    self.peek_at(0).clone(),
                    self.peek_at(1).clone(),
                    self.peek_at(2).clone(),
                    self.peek_at(3).clone(),
                ) {
                    self.p += 4;
                    self.nl();
                    let s = self.stmt()?;
                    return Ok(Stmt::ForIn(v, a, Box::new(s)));
                }
                let init = if self.is_op(";") {
                    None
                } else {
                    Some(Box::new(self.simple_stmt()?))
                };
                self.expect_op(";")?;
                self.nl();
                let cond = if self.is_op(";") {
                    None
                } else {
                    Some(self.expr()?)
                };
                self.expect_op(";")?;
                self.nl();
                let step = if self.is_op(")") {
                    None
                } else {
                    Some(Box::new(self.simple_stmt()?))
                };
                self.expect_op(")")?;
                if self.is_op(";") {
                    self.advance();
                    return Ok(Stmt::For(init, cond, step, Box::new(Stmt::Block(vec![]))));
                }
                self.nl();
                let s = self.stmt()?;
                Ok(Stmt::For(init, cond, step, Box::new(s)))
            }
            Tok::Kw(k @ ("break" | "continue" | "next" | "nextfile")) => {
                self.advance();
                self.simple_end()?;
                Ok(match k {
                    "break" => Stmt::Break,
                    "continue" => Stmt::Continue,
                    "next" => Stmt::Next,
                    _ => Stmt::NextFile,
                })
            }
            Tok::Kw(k @ ("exit" | "return")) => {
                self.advance();
                let e = if self.is_op(";")
                    || self.is_op("}")
                    || matches!(self.peek(), Tok::Newline | Tok::Eof)
                {
                    None
                } else {
                    Some(self.expr()?)
                };
                self.simple_end()?;
                Ok(if k == "exit" {
                    Stmt::Exit(e)
                } else {
                    Stmt::Return(e)
                })
            }
            _ => {
                let s = self.simple_stmt()?;
                self.simple_end()?;
                Ok(s)
            }
        }
    }

    fn simple_stmt(&mut self) -> PResult<Stmt> {
        match self.peek().clone() {
            Tok::Kw(k @ ("print" | "printf")) => {
                self.advance();
                let mut args = Vec::new();
                let save = self.no_gt;
                self.no_gt = true;
                if !(self.is_op(";")
                    || self.is_op("}")
                    || self.is_op(">")
                    || self.is_op(">>")
                    || self.is_op("|")
                    || matches!(self.peek(), Tok::Newline | Tok::Eof))
                {
                    args.push(self.expr()?);
                    while self.is_op(",") {
                        self.advance();
                        self.nl();
                        args.push(self.expr()?);
                    }
                }
                self.no_gt = save;
                if args.len() == 1 {
                    if let Expr::Group(v) = &args[0] {
                        args = v.clone();
                    }
                }
                let redir = if self.is_op(">") || self.is_op(">>") || self.is_op("|") {
                    let r = match self.advance() {
                        Tok::Op(">") => Redir::File,
                        Tok::Op(">>") => Redir::Append,
                        _ => Redir::Pipe,
                    };
                    let save = self.no_gt;
                    self.no_gt = true;
                    let e = self.concat()?;
                    self.no_gt = save;
                    Some((r, e))
                } else {
                    None
                };
                if k == "print" {
                    Ok(Stmt::Print(args, redir))
                } else {
                    if args.is_empty() {
                        return Err(self.error());
                    }
                    Ok(Stmt::Printf(args, redir))
                }
            }
            Tok::Kw("delete") => {
                self.advance();
                let Tok::Name(n) = self.advance() else {
                    return Err(self.error());
                };
                if self.is_op("[") {
                    self.advance();
                    let idx = self.expr_list("]")?;
                    Ok(Stmt::Delete(n, Some(idx)))
                } else {
                    Ok(Stmt::Delete(n, None))
                }
            }
            _ => Ok(Stmt::Expr(self.expr()?)),
        }
    }

    fn expr_list(&mut self, close: &str) -> PResult<Vec<Expr>> {
        let mut v = vec![self.expr()?];
        while self.is_op(",") {
            self.advance();
            self.nl();
            v.push(self.expr()?);
        }
        self.expect_op(close)?;
        Ok(v)
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > 300 {
            return Err(format!("line {}: expression nesting too deep", self.line()));
        }
        let r = self.ternary();
        self.depth -= 1;
        r
    }

    fn is_lvalue(e: &Expr) -> bool {
        matches!(e, Expr::Var(_) | Expr::Field(_) | Expr::Index(..))
    }

    fn ternary(&mut self) -> PResult<Expr> {
        let c = self.or()?;
        if self.is_op("?") {
            self.advance();
            self.nl();
            let a = self.expr()?;
            self.nl();
            self.expect_op(":")?;
            self.nl();
            let b = self.expr()?;
            return Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)));
        }
        if Self::is_lvalue(&c) {
            let op = match self.peek() {
                Tok::Op("=") => Some(None),
                Tok::Op("+=") => Some(Some('+')),
                Tok::Op("-=") => Some(Some('-')),
                Tok::Op("*=") => Some(Some('*')),
                Tok::Op("/=") => Some(Some('/')),
                Tok::Op("%=") => Some(Some('%')),
                Tok::Op("^=") => Some(Some('^')),
                _ => None,
            };
            if let Some(op) = op {
                self.advance();
                self.nl();
                let v = self.expr()?;
                return Ok(Expr::Assign(op, Box::new(c), Box::new(v)));
            }
        }
        Ok(c)
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut a = self.and()?;
        while self.is_op("||") {
            self.advance();
            self.nl();
            let b = self.and()?;
            a = Expr::Or(Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut a = self.in_expr()?;
        while self.is_op("&&") {
            self.advance();
            self.nl();
            let b = self.in_expr()?;
            a = Expr::And(Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn in_expr(&mut self) -> PResult<Expr> {
        let mut a = self.matching()?;
        while self.is_kw("in") && !self.no_in {
            self.advance();
            let Tok::Name(arr) = self.advance() else {
                return Err(self.error());
            };
            let keys = match a {
                Expr::Group(v) => v,
                other => vec![other],
            };
            a = Expr::In(keys, arr);
        }
        Ok(a)
    }

    fn matching(&mut self) -> PResult<Expr> {
        let mut a = self.comparison()?;
        loop {
            let neg = if self.is_op("~") {
                false
            } else if self.is_op("!~") {
                true
            } else {
                break;
            };
            self.advance();
            let b = self.comparison()?;
            a = Expr::Match(neg, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let a = self.concat()?;
        let op = match self.peek() {
            Tok::Op("<") => "<",
            Tok::Op("<=") => "<=",
            Tok::Op("==") => "==",
            Tok::Op("!=") => "!=",
            Tok::Op(">=") => ">=",
            Tok::Op(">") if !self.no_gt => ">",
            _ => return Ok(a),
        };
        self.advance();
        let b = self.concat()?;
        Ok(Expr::Cmp(op, Box::new(a), Box::new(b)))
    }

    fn starts_operand(&self) -> bool {
        match self.peek() {
            Tok::Num(_)
            | Tok::Str(_)
            | Tok::Ere(_)
            | Tok::Name(_)
            | Tok::FuncName(_)
            | Tok::Builtin(_) => true,
            Tok::Op("$" | "!" | "(" | "-" | "+" | "++" | "--") => true,
            Tok::Kw("getline") => false,
            Tok::Kw("in") => false,
            _ => false,
        }
    }

    fn concat(&mut self) -> PResult<Expr> {
        let mut a = self.additive()?;
        while self.starts_operand() && !self.is_op("-") && !self.is_op("+") && !self.is_op("!") {
            let b = self.additive()?;
            a = Expr::Concat(Box::new(a), Box::new(b));
        }
        // `cmd | getline [var]`
        while self.is_op("|") && matches!(self.peek_at(1), Tok::Kw("getline")) {
            self.advance();
            self.advance();
            let var = self.opt_lvalue()?;
            a = Expr::Getline(var, GetSrc::Cmd(Box::new(a)));
        }
        Ok(a)
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut a = self.mult()?;
        loop {
            let op = if self.is_op("+") {
                '+'
            } else if self.is_op("-") {
                '-'
            } else {
                break;
            };
            self.advance();
            let b = self.mult()?;
            a = Expr::Bin(op, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn mult(&mut self) -> PResult<Expr> {
        let mut a = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Op("*") => '*',
                Tok::Op("/") => '/',
                Tok::Op("%") => '%',
                _ => break,
            };
            self.advance();
            let b = self.unary()?;
            a = Expr::Bin(op, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn unary(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > 300 {
            return Err(format!("line {}: expression nesting too deep", self.line()));
        }
        let r = match self.peek() {
            Tok::Op("!") => {
                self.advance();
                let e = self.unary()?;
                Ok(Expr::Not(Box::new(e)))
            }
            Tok::Op("-") => {
                self.advance();
                let e = self.unary()?;
                Ok(Expr::Neg(Box::new(e)))
            }
            Tok::Op("+") => {
                self.advance();
                let e = self.unary()?;
                Ok(Expr::Pos(Box::new(e)))
            }
            _ => self.power(),
        };
        self.depth -= 1;
        r
    }

    fn power(&mut self) -> PResult<Expr> {
        let a = self.postfix()?;
        if self.is_op("^") {
            self.advance();
            // Right associative; the exponent may carry a unary minus.
            let b = if self.is_op("-") {
                self.advance();
                Expr::Neg(Box::new(self.power()?))
            } else {
                self.power()?
            };
            return Ok(Expr::Bin('^', Box::new(a), Box::new(b)));
        }
        Ok(a)
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let e = self.primary()?;
        if Self::is_lvalue(&e) {
            if self.is_op("++") {
                self.advance();
                return Ok(Expr::Incr(false, 1.0, Box::new(e)));
            }
            if self.is_op("--") {
                self.advance();
                return Ok(Expr::Incr(false, -1.0, Box::new(e)));
            }
        }
        Ok(e)
    }

    fn opt_lvalue(&mut self) -> PResult<Option<Box<Expr>>> {
        match self.peek() {
            Tok::Name(_) | Tok::Op("$") => {
                let e = self.primary()?;
                Ok(Some(Box::new(e)))
            }
            _ => Ok(None),
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.advance();
        match t {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Ere(s) => {
                self.regexes.push(s);
                Ok(Expr::Re(self.regexes.len() - 1))
            }
            Tok::Op("$") => {
                let e = if self.is_op("++") || self.is_op("--") {
                    self.primary()?
                } else {
                    self.primary_noincr()?
                };
                Ok(Expr::Field(Box::new(e)))
            }
            Tok::Op("++") | Tok::Op("--") => {
                let d = if t == Tok::Op("++") { 1.0 } else { -1.0 };
                let e = self.primary()?;
                if !Self::is_lvalue(&e) {
                    return Err(self.error());
                }
                Ok(Expr::Incr(true, d, Box::new(e)))
            }
            Tok::Op("-") => {
                let e = self.unary()?;
                Ok(Expr::Neg(Box::new(e)))
            }
            Tok::Op("!") => {
                let e = self.unary()?;
                Ok(Expr::Not(Box::new(e)))
            }
            Tok::Op("(") => {
                let save = (self.no_gt, self.no_in);
                self.no_gt = false;
                self.no_in = false;
                self.nl();
                let e = self.expr()?;
                self.nl();
                let r = if self.is_op(",") {
                    let mut v = vec![e];
                    while self.is_op(",") {
                        self.advance();
                        self.nl();
                        v.push(self.expr()?);
                    }
                    self.expect_op(")")?;
                    Expr::Group(v)
                } else {
                    self.expect_op(")")?;
                    e
                };
                self.no_gt = save.0;
                self.no_in = save.1;
                Ok(match r {
                    Expr::Group(v) => Expr::Group(v),
                    e => Expr::Group(vec![e]).simplify(),
                })
            }
            Tok::Name(n) => {
                if self.is_op("[") {
                    self.advance();
                    let idx = self.expr_list("]")?;
                    Ok(Expr::Index(n, idx))
                } else {
                    Ok(Expr::Var(n))
                }
            }
            Tok::FuncName(n) => {
                self.expect_op("(")?;
                let args = if self.is_op(")") {
                    self.advance();
                    vec![]
                } else {
                    self.expr_list(")")?
                };
                Ok(Expr::Call(n, args))
            }
            Tok::Builtin(n) => {
                if self.is_op("(") {
                    self.advance();
                    let args = if self.is_op(")") {
                        self.advance();
                        vec![]
                    } else {
                        self.expr_list(")")?
                    };
                    Ok(Expr::Builtin(n, args))
                } else if n == "length" {
                    Ok(Expr::Builtin(n, vec![]))
                } else {
                    Err(self.error())
                }
            }
            Tok::Kw("getline") => {
                let var = self.opt_lvalue()?;
                if self.is_op("<") {
                    self.advance();
                    let f = self.primary()?;
                    return Ok(Expr::Getline(var, GetSrc::File(Box::new(f))));
                }
                Ok(Expr::Getline(var, GetSrc::Main))
            }
            _ => {
                self.p = self.p.saturating_sub(1);
                Err(self.error())
            }
        }
    }

    fn primary_noincr(&mut self) -> PResult<Expr> {
        match self.peek() {
            Tok::Op("-") => {
                self.advance();
                let e = self.primary_noincr()?;
                Ok(Expr::Neg(Box::new(e)))
            }
            _ => self.primary(),
        }
    }
}

impl Expr {
    fn simplify(self) -> Expr {
        match self {
            Expr::Group(mut v) if v.len() == 1 => {
                let e = v.remove(0);
                // Keep a marker so `print (a) > f` is not a comparison; a plain grouping is
                // the expression itself.
                e
            }
            e => e,
        }
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Num(n) => num_to_str(*n, "%.6g"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Ere(s) => format!("/{s}/"),
        Tok::Name(s) | Tok::FuncName(s) | Tok::Builtin(s) => s.clone(),
        Tok::Kw(k) => (*k).to_owned(),
        Tok::Op(o) => (*o).to_owned(),
        Tok::Newline => "end of line".to_owned(),
        Tok::Eof => "end of file".to_owned(),
    }
}

/// Parse an AWK program; the error is mawk's message (without the `awk: ` prefix).
pub fn parse_program(src: &str) -> Result<Program, String> {
    let toks = lex(src)?;
    let mut p = Parser {
        toks,
        p: 0,
        regexes: Vec::new(),
        depth: 0,
        no_gt: false,
        no_in: false,
        eof_line: src.matches('\n').count() + 2,
    };
    let prog = p.program()?;
    for r in &prog.regexes {
        if let Err(e) = translate(r, Syntax::Extended).and_then(|t| build(&t, false)) {
            return Err(format!(
                "line 1: regular expression compile failed ({e})\n{r}"
            ));
        }
    }
    Ok(prog)
}

// ---------------------------------------------------------------- values

#[derive(Clone, Debug)]
enum Val {
    Uninit,
    Num(f64),
    Str(String),
    StrNum(String),
}

fn str_to_num(s: &str) -> f64 {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len()
        && (b[i] == b' '
            || b[i] == b'\t'
            || b[i] == b'\n'
            || b[i] == b'\r'
            || b[i] == 0x0b
            || b[i] == 0x0c)
    {
        i += 1;
    }
    let start = i;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i == ds || (i == ds + 1 && b[ds] == b'.') {
        return 0.0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    s[start..i].parse().unwrap_or(0.0)
}

fn looks_numeric(s: &str) -> bool {
    let t = s.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\n');
    if t.is_empty() {
        return false;
    }
    let b = t.as_bytes();
    let mut i = 0;
    if b[0] == b'+' || b[0] == b'-' {
        i = 1;
    }
    let ds = i;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    let _ = ds;
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es {
            return false;
        }
    }
    i == b.len()
}

fn num_to_str(n: f64, fmt: &str) -> String {
    if n == n.trunc() && n.abs() <= 2147483647.0 {
        if n == 0.0 {
            return "0".to_owned();
        }
        return format!("{}", n as i64);
    }
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan" } else { "nan" }.to_owned();
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    String::from_utf8_lossy(&sprintf(fmt, &[Val::Num(n)], "%.6g")).into_owned()
}

impl Val {
    fn num(&self) -> f64 {
        match self {
            Val::Uninit => 0.0,
            Val::Num(n) => *n,
            Val::Str(s) | Val::StrNum(s) => str_to_num(s),
        }
    }
    fn string(&self, convfmt: &str) -> String {
        match self {
            Val::Uninit => String::new(),
            Val::Num(n) => num_to_str(*n, convfmt),
            Val::Str(s) | Val::StrNum(s) => s.clone(),
        }
    }
    fn truthy(&self) -> bool {
        match self {
            Val::Uninit => false,
            Val::Num(n) => *n != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::StrNum(s) => {
                if looks_numeric(s) {
                    str_to_num(s) != 0.0
                } else {
                    !s.is_empty()
                }
            }
        }
    }
    fn is_numeric(&self) -> bool {
        match self {
            Val::Uninit | Val::Num(_) => true,
            Val::Str(_) => false,
            Val::StrNum(s) => looks_numeric(s),
        }
    }
}

// ---------------------------------------------------------------- printf

fn fmt_exp(x: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, x);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let ev: i32 = e.parse().unwrap_or(0);
    let r = format!("{m}e{}{:02}", if ev < 0 { '-' } else { '+' }, ev.abs());
    if upper {
        r.to_uppercase()
    } else {
        r
    }
}

fn fmt_g(x: f64, prec: usize, upper: bool, alt: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    if x == 0.0 {
        return if alt {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".to_owned()
        };
    }
    let s = format!("{:.*e}", p - 1, x);
    let ev: i32 = s
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let mut r = if ev < -4 || ev >= p as i32 {
        fmt_exp(x, p - 1, upper)
    } else {
        format!("{:.*}", (p as i32 - 1 - ev).max(0) as usize, x)
    };
    if !alt {
        if let Some(epos) = r.find(['e', 'E']) {
            let (m, e) = r.split_at(epos);
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            r = format!("{m}{e}");
        } else if r.contains('.') {
            r = r.trim_end_matches('0').trim_end_matches('.').to_owned();
        }
    }
    r
}

fn sprintf(fmt: &str, args: &[Val], convfmt: &str) -> Vec<u8> {
    sprintf_checked(fmt, args, convfmt).0
}

/// Format like `printf`; the flag says an argument was missing (the output stops there).
fn sprintf_checked(fmt: &str, args: &[Val], convfmt: &str) -> (Vec<u8>, bool) {
    let mut out: Vec<u8> = Vec::new();
    let c: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut ai = 0;
    let next_arg = |ai: &mut usize| -> Val {
        let v = args.get(*ai).cloned().unwrap_or(Val::Uninit);
        *ai += 1;
        v
    };
    let mut buf = [0u8; 4];
    while i < c.len() {
        if c[i] != '%' {
            out.extend_from_slice(c[i].encode_utf8(&mut buf).as_bytes());
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if c.get(i) == Some(&'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let (mut minus, mut plus, mut space, mut alt, mut zero) =
            (false, false, false, false, false);
        while let Some(&f) = c.get(i) {
            match f {
                '-' => minus = true,
                '+' => plus = true,
                ' ' => space = true,
                '#' => alt = true,
                '0' => zero = true,
                _ => break,
            }
            i += 1;
        }
        let mut width: usize = 0;
        if c.get(i) == Some(&'*') {
            let w = next_arg(&mut ai).num() as i64;
            if w < 0 {
                minus = true;
            }
            width = w.unsigned_abs().min(1 << 16) as usize;
            i += 1;
        } else {
            while let Some(d) = c.get(i).and_then(|c| c.to_digit(10)) {
                width = (width * 10 + d as usize).min(1 << 16);
                i += 1;
            }
        }
        let mut prec: Option<usize> = None;
        if c.get(i) == Some(&'.') {
            i += 1;
            let mut p = 0usize;
            if c.get(i) == Some(&'*') {
                p = next_arg(&mut ai).num().clamp(0.0, 65536.0) as usize;
                i += 1;
            } else {
                while let Some(d) = c.get(i).and_then(|c| c.to_digit(10)) {
                    p = (p * 10 + d as usize).min(1 << 16);
                    i += 1;
                }
            }
            prec = Some(p);
        }
        while matches!(c.get(i), Some('h' | 'l' | 'L' | 'q' | 'j' | 'z' | 't')) {
            i += 1;
        }
        let Some(&conv) = c.get(i) else {
            let s: String = c[start..].iter().collect();
            out.extend_from_slice(s.as_bytes());
            break;
        };
        i += 1;
        if "diouxXeEfFgGcs".contains(conv) && ai >= args.len() {
            return (out, true);
        }
        let sign = |neg: bool| -> &'static str {
            if neg {
                "-"
            } else if plus {
                "+"
            } else if space {
                " "
            } else {
                ""
            }
        };
        let (body, numeric): (String, bool) = match conv {
            'd' | 'i' => {
                let v = next_arg(&mut ai).num();
                let n = if v.is_finite() { v.trunc() } else { v };
                let mut digits = if n.is_finite() {
                    format!("{}", (n.abs()) as u64 as f64 as i128)
                } else {
                    "inf".to_owned()
                };
                if n.abs() >= 9.2e18 {
                    digits = format!("{:.0}", n.abs());
                }
                if let Some(p) = prec {
                    if p == 0 && n == 0.0 {
                        digits.clear();
                    }
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                (format!("{}{digits}", sign(n < 0.0)), prec.is_none())
            }
            'o' | 'x' | 'X' | 'u' => {
                let v = next_arg(&mut ai).num();
                let n = if v < 0.0 { (v as i64) as u64 } else { v as u64 };
                let mut digits = match conv {
                    'o' => format!("{n:o}"),
                    'x' => format!("{n:x}"),
                    'X' => format!("{n:X}"),
                    _ => format!("{n}"),
                };
                if let Some(p) = prec {
                    if p == 0 && n == 0 {
                        digits.clear();
                    }
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                if alt && n != 0 {
                    match conv {
                        'o' if !digits.starts_with('0') => digits.insert(0, '0'),
                        'x' => digits.insert_str(0, "0x"),
                        'X' => digits.insert_str(0, "0X"),
                        _ => {}
                    }
                }
                (digits, prec.is_none())
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let v = next_arg(&mut ai).num();
                let p = prec.unwrap_or(6);
                let body = if v.is_nan() {
                    "nan".to_owned()
                } else if v.is_infinite() {
                    "inf".to_owned()
                } else {
                    match conv {
                        'e' | 'E' => fmt_exp(v.abs(), p, conv == 'E'),
                        'f' | 'F' => {
                            let s = format!("{:.*}", p, v.abs());
                            if alt && p == 0 {
                                format!("{s}.")
                            } else {
                                s
                            }
                        }
                        _ => fmt_g(v.abs(), p, conv == 'G', alt),
                    }
                };
                (
                    format!(
                        "{}{body}",
                        sign(v.is_sign_negative() && v != 0.0 || v < 0.0)
                    ),
                    v.is_finite(),
                )
            }
            'c' => {
                let v = next_arg(&mut ai);
                let s = match v {
                    Val::Num(n) => {
                        let code = n as u32;
                        if code < 256 {
                            out_char_byte(code as u8)
                        } else {
                            char::from_u32(code)
                                .map(|c| c.to_string())
                                .unwrap_or_default()
                        }
                    }
                    other => other
                        .string(convfmt)
                        .chars()
                        .next()
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                };
                (s, false)
            }
            's' => {
                let v = next_arg(&mut ai);
                let mut s = v.string(convfmt);
                if let Some(p) = prec {
                    s = s.chars().take(p).collect();
                }
                (s, false)
            }
            _ => {
                let s: String = c[start..i].iter().collect();
                out.extend_from_slice(s.as_bytes());
                continue;
            }
        };
        let len = body.chars().count();
        if len >= width {
            out.extend_from_slice(body.as_bytes());
        } else if minus {
            out.extend_from_slice(body.as_bytes());
            out.extend(std::iter::repeat_n(b' ', width - len));
        } else if zero && numeric {
            let (sg, digits) = match body.chars().next() {
                Some('-' | '+' | ' ') => body.split_at(1),
                _ => ("", body.as_str()),
            };
            let (pfx, digits) = if digits.starts_with("0x") || digits.starts_with("0X") {
                digits.split_at(2)
            } else {
                ("", digits)
            };
            out.extend_from_slice(sg.as_bytes());
            out.extend_from_slice(pfx.as_bytes());
            out.extend(std::iter::repeat_n(b'0', width - len));
            out.extend_from_slice(digits.as_bytes());
        } else {
            out.extend(std::iter::repeat_n(b' ', width - len));
            out.extend_from_slice(body.as_bytes());
        }
    }
    (out, false)
}

fn out_char_byte(b: u8) -> String {
    if b < 128 {
        (b as char).to_string()
    } else {
        // Keep the raw byte via Latin-1 mapping; printed bytes are re-encoded below.
        char::from(b).to_string()
    }
}

// ---------------------------------------------------------------- interpreter

#[derive(Clone, Debug)]
enum Cell {
    Val(Val),
    Arr(usize),
}

enum Flow {
    Break,
    Continue,
    Next,
    NextFile,
    Exit(i32),
    Return(Val),
    Error(String),
}

type R<T> = Result<T, Flow>;

struct Reader {
    file: Option<Arc<OpenFile>>,
    buf: Vec<u8>,
    eof: bool,
}

struct OutStream {
    name: String,
    data: Vec<u8>,
    pipe: bool,
}

/// The interpreter state.
pub struct Interp {
    prog: Program,
    ctx: Arc<Ctx>,
    globals: HashMap<String, Cell>,
    arrays: Vec<HashMap<String, Val>>,
    frames: Vec<HashMap<String, Cell>>,
    record: String,
    fields: Vec<String>,
    fields_split: bool,
    record_fs: String,
    out: Vec<u8>,
    outputs: Vec<OutStream>,
    readers: HashMap<String, Reader>,
    main: Option<Reader>,
    argi: usize,
    regex_lits: Vec<Option<Regex>>,
    regex_cache: HashMap<String, Regex>,
    range_active: Vec<bool>,
    steps: u64,
    seed: f64,
    rand_state: u64,
    exit_code: i32,
    depth: usize,
    nr: f64,
    fnr: f64,
    error_out: Vec<u8>,
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Handle::current().block_on(f)
}

const MAX_DEPTH: usize = 1000;

impl Interp {
    /// A new interpreter for `prog` over operands `args`.
    pub fn new(
        prog: Program,
        ctx: Arc<Ctx>,
        args: Vec<String>,
        fs: Option<String>,
        assigns: &[String],
    ) -> Interp {
        let regex_lits = prog
            .regexes
            .iter()
            .map(|r| {
                translate(r, Syntax::Extended)
                    .ok()
                    .and_then(|t| build(&t, false).ok())
            })
            .collect();
        let nrules = prog.rules.len();
        let mut it = Interp {
            prog,
            ctx: ctx.clone(),
            globals: HashMap::new(),
            arrays: Vec::new(),
            frames: Vec::new(),
            record: String::new(),
            fields: Vec::new(),
            fields_split: true,
            record_fs: " ".to_owned(),
            out: Vec::new(),
            outputs: Vec::new(),
            readers: HashMap::new(),
            main: None,
            argi: 1,
            regex_lits,
            regex_cache: HashMap::new(),
            range_active: vec![false; nrules],
            steps: 0,
            seed: 0.0,
            rand_state: 0x2545F4914F6CDD1D,
            exit_code: 0,
            depth: 0,
            nr: 0.0,
            fnr: 0.0,
            error_out: Vec::new(),
        };
        let set = |it: &mut Interp, k: &str, v: &str| {
            it.globals
                .insert(k.to_owned(), Cell::Val(Val::Str(v.to_owned())));
        };
        set(&mut it, "FS", " ");
        set(&mut it, "OFS", " ");
        set(&mut it, "ORS", "\n");
        set(&mut it, "RS", "\n");
        set(&mut it, "SUBSEP", "\x1c");
        set(&mut it, "CONVFMT", "%.6g");
        set(&mut it, "OFMT", "%.6g");
        set(&mut it, "FILENAME", "");
        it.globals.insert("RSTART".into(), Cell::Val(Val::Num(0.0)));
        it.globals
            .insert("RLENGTH".into(), Cell::Val(Val::Num(-1.0)));
        let mut env = HashMap::new();
        for (k, v) in &ctx.env {
            env.insert(k.clone(), Val::StrNum(v.clone()));
        }
        it.arrays.push(env);
        it.globals.insert("ENVIRON".into(), Cell::Arr(0));
        let mut argv = HashMap::new();
        argv.insert("0".to_owned(), Val::Str("awk".to_owned()));
        for (k, a) in args.iter().enumerate() {
            argv.insert((k + 1).to_string(), Val::StrNum(a.clone()));
        }
        it.arrays.push(argv);
        it.globals.insert("ARGV".into(), Cell::Arr(1));
        it.globals
            .insert("ARGC".into(), Cell::Val(Val::Num((args.len() + 1) as f64)));
        if let Some(fs) = fs {
            let fs = if fs == "t" {
                "\t".to_owned()
            } else {
                unescape(&fs)
            };
            set(&mut it, "FS", &fs);
        }
        for a in assigns {
            if let Some((k, v)) = a.split_once('=') {
                it.globals
                    .insert(k.to_owned(), Cell::Val(Val::StrNum(unescape(v))));
            }
        }
        it
    }

    fn gets(&self, name: &str) -> String {
        match self.globals.get(name) {
            Some(Cell::Val(v)) => v.string("%.6g"),
            _ => String::new(),
        }
    }

    fn convfmt(&self) -> String {
        self.gets("CONVFMT")
    }

    fn to_str(&self, v: &Val) -> String {
        match v {
            Val::Num(n) => num_to_str(*n, &self.convfmt()),
            other => other.string("%.6g"),
        }
    }

    fn to_out_str(&self, v: &Val) -> String {
        match v {
            Val::Num(n) => num_to_str(*n, &self.gets("OFMT")),
            other => other.string("%.6g"),
        }
    }

    fn flush_out(&mut self) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let data = std::mem::take(&mut self.out);
        block(self.ctx.out(data)).is_ok()
    }

    fn tick(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps % 1024 == 0 {
            if self.ctx.proc.pending_fatal().is_some() {
                return Err(Flow::Exit(2));
            }
            if self.out.len() > 256 * 1024 && !self.flush_out() {
                return Err(Flow::Exit(2));
            }
        }
        Ok(())
    }

    /// Run the program; returns the exit status.
    pub fn run(&mut self) -> i32 {
        let code = self.run_inner();
        let _ = self.flush_out();
        self.close_all();
        if !self.error_out.is_empty() {
            let e = std::mem::take(&mut self.error_out);
            block(self.ctx.err(e));
        }
        code
    }

    fn run_inner(&mut self) -> i32 {
        let rules = std::mem::take(&mut self.prog.rules);
        let begins: Vec<Vec<Stmt>> = rules
            .iter()
            .filter(|(p, _)| matches!(p, Pattern::Begin))
            .filter_map(|(_, b)| b.clone())
            .collect();
        let ends: Vec<Vec<Stmt>> = rules
            .iter()
            .filter(|(p, _)| matches!(p, Pattern::End))
            .filter_map(|(_, b)| b.clone())
            .collect();
        let mains: Vec<(Pattern, Option<Vec<Stmt>>)> = rules
            .iter()
            .filter(|(p, _)| !matches!(p, Pattern::Begin | Pattern::End))
            .cloned()
            .collect();
        self.prog.rules = rules;
        for b in &begins {
            match self.exec_block(b) {
                Ok(()) => {}
                Err(Flow::Exit(c)) => {
                    self.exit_code = c;
                    return self.run_end(&ends, true);
                }
                Err(Flow::Error(e)) => return self.fatal(&e),
                Err(_) => {}
            }
        }
        if mains.is_empty() && ends.is_empty() {
            return self.exit_code;
        }
        self.range_active = vec![false; mains.len()];
        loop {
            match self.next_main_record() {
                Ok(true) => {}
                Ok(false) => break,
                Err(Flow::Exit(c)) => return c,
                Err(Flow::Error(e)) => return self.fatal(&e),
                Err(_) => break,
            }
            match self.run_rules(&mains) {
                Ok(()) | Err(Flow::Next) => {}
                Err(Flow::NextFile) => {
                    self.main = None;
                }
                Err(Flow::Exit(c)) => {
                    self.exit_code = c;
                    return self.run_end(&ends, true);
                }
                Err(Flow::Error(e)) => return self.fatal(&e),
                Err(_) => {}
            }
            if self.out.len() > 64 * 1024 && !self.flush_out() {
                return 2;
            }
        }
        self.run_end(&ends, false)
    }

    fn run_end(&mut self, ends: &[Vec<Stmt>], _exiting: bool) -> i32 {
        for b in ends {
            match self.exec_block(b) {
                Ok(()) => {}
                Err(Flow::Exit(c)) => return c,
                Err(Flow::Error(e)) => return self.fatal(&e),
                Err(_) => {}
            }
        }
        self.exit_code
    }

    fn fatal(&mut self, e: &str) -> i32 {
        let _ = self.flush_out();
        self.error_out
            .extend_from_slice(format!("awk: {e}\n").as_bytes());
        2
    }

    fn run_rules(&mut self, mains: &[(Pattern, Option<Vec<Stmt>>)]) -> R<()> {
        for (k, (pat, action)) in mains.iter().enumerate() {
            let hit = match pat {
                Pattern::All => true,
                Pattern::Expr(e) => self.cond(e)?,
                Pattern::Range(a, b) => {
                    if self.range_active[k] {
                        if self.cond(b)? {
                            self.range_active[k] = false;
                        }
                        true
                    } else if self.cond(a)? {
                        if !self.cond(b)? {
                            self.range_active[k] = true;
                        }
                        true
                    } else {
                        false
                    }
                }
                _ => false,
            };
            if hit {
                match action {
                    Some(b) => self.exec_block(b)?,
                    None => {
                        let mut line = self.record.clone().into_bytes();
                        line.extend_from_slice(self.gets("ORS").as_bytes());
                        self.out.extend(line);
                    }
                }
            }
        }
        Ok(())
    }

    fn cond(&mut self, e: &Expr) -> R<bool> {
        if let Expr::Re(i) = e {
            return self.match_re_idx(*i, &self.record.clone());
        }
        Ok(self.eval(e)?.truthy())
    }

    // ---- input

    fn open_main(&mut self) -> R<bool> {
        loop {
            let argc = self.get_var("ARGC").num() as usize;
            if self.argi >= argc {
                return Ok(false);
            }
            let k = self.argi.to_string();
            self.argi += 1;
            let arg = match self.arr_get_opt(1, &k) {
                Some(v) => self.to_str(&v),
                None => continue,
            };
            if arg.is_empty() {
                continue;
            }
            if let Some((name, val)) = arg.split_once('=') {
                if !name.is_empty()
                    && name
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.set_var(name, Val::StrNum(unescape(val)))?;
                    continue;
                }
            }
            let file = if arg == "-" || arg == "/dev/stdin" {
                self.ctx.fds.get(0).ok().cloned()
            } else {
                block(self.ctx.open(&arg, OpenMode::Read)).ok()
            };
            let Some(file) = file else {
                return Err(Flow::Error(format!(
                    "cannot open {arg} (No such file or directory)"
                )));
            };
            self.globals
                .insert("FILENAME".into(), Cell::Val(Val::Str(arg.clone())));
            self.fnr = 0.0;
            self.main = Some(Reader {
                file: Some(file),
                buf: Vec::new(),
                eof: false,
            });
            return Ok(true);
        }
    }

    fn any_file_args(&mut self) -> bool {
        let argc = self.get_var("ARGC").num() as usize;
        (1..argc).any(|k| {
            self.arr_get_opt(1, &k.to_string())
                .map(|v| {
                    let s = v.string("%.6g");
                    !s.is_empty() && !is_assignment(&s)
                })
                .unwrap_or(false)
        })
    }

    fn next_main_record(&mut self) -> R<bool> {
        loop {
            if self.main.is_none() {
                if self.argi == 1 && !self.any_file_args() {
                    // No file operands: standard input (after running assignments).
                    let argc = self.get_var("ARGC").num() as usize;
                    while self.argi < argc {
                        let k = self.argi.to_string();
                        self.argi += 1;
                        if let Some(v) = self.arr_get_opt(1, &k) {
                            let s = v.string("%.6g");
                            if let Some((n, val)) = s.split_once('=') {
                                if is_assignment(&s) {
                                    self.set_var(n, Val::StrNum(unescape(val)))?;
                                }
                            }
                        }
                    }
                    self.argi = usize::MAX / 2;
                    let file = self.ctx.fds.get(0).ok().cloned();
                    self.main = Some(Reader {
                        file,
                        buf: Vec::new(),
                        eof: false,
                    });
                } else if !self.open_main()? {
                    return Ok(false);
                }
            }
            let rs = self.gets("RS");
            let rec = match self.main.as_mut() {
                Some(r) => read_record(r, &rs, &mut self.regex_cache, &self.ctx),
                None => None,
            };
            match rec {
                Some(rec) => {
                    self.nr += 1.0;
                    self.fnr += 1.0;
                    self.set_record(rec);
                    return Ok(true);
                }
                None => {
                    self.main = None;
                    if self.argi >= usize::MAX / 2 {
                        return Ok(false);
                    }
                }
            }
        }
    }

    fn set_record(&mut self, rec: String) {
        self.record = rec;
        self.fields_split = false;
        // The record splits with the FS in force when it was read.
        self.record_fs = self.gets("FS");
    }

    fn split_fields(&mut self) {
        if self.fields_split {
            return;
        }
        let fs = self.record_fs.clone();
        let rec = self.record.clone();
        self.fields = self.split_with(&rec, &fs);
        self.fields_split = true;
    }

    fn split_with(&mut self, s: &str, fs: &str) -> Vec<String> {
        if s.is_empty() {
            return Vec::new();
        }
        if fs == " " {
            return s
                .split([' ', '\t', '\n'])
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if fs.is_empty() {
            return s.chars().map(|c| c.to_string()).collect();
        }
        let rs_para = self.gets("RS").is_empty();
        let mut parts: Vec<String> = if fs.chars().count() == 1 && fs != "\\" {
            s.split(fs).map(str::to_owned).collect()
        } else {
            match self.dyn_regex(fs) {
                Ok(re) => {
                    let mut v = Vec::new();
                    let b = s.as_bytes();
                    let mut last = 0;
                    for m in re.find_iter(b) {
                        if m.end() == m.start() {
                            continue;
                        }
                        v.push(String::from_utf8_lossy(&b[last..m.start()]).into_owned());
                        last = m.end();
                    }
                    v.push(String::from_utf8_lossy(&b[last..]).into_owned());
                    v
                }
                Err(_) => vec![s.to_owned()],
            }
        };
        if rs_para {
            parts = parts
                .into_iter()
                .flat_map(|p| p.split('\n').map(str::to_owned).collect::<Vec<_>>())
                .collect();
        }
        parts
    }

    fn rebuild_record(&mut self) {
        let ofs = self.gets("OFS");
        self.record = self.fields.join(&ofs);
    }

    fn get_field(&mut self, i: usize) -> Val {
        if i == 0 {
            return Val::StrNum(self.record.clone());
        }
        self.split_fields();
        match self.fields.get(i - 1) {
            Some(s) => Val::StrNum(s.clone()),
            None => Val::Uninit,
        }
    }

    fn set_field(&mut self, i: usize, v: String) -> R<()> {
        if i == 0 {
            self.set_record(v);
            return Ok(());
        }
        if i > 100_000 {
            return Err(Flow::Error(format!("program limit exceeded: maximum number of fields size=32767\n\tFILENAME=\"{}\" FNR={} NR={}", self.gets("FILENAME"), self.fnr, self.nr)));
        }
        self.split_fields();
        while self.fields.len() < i {
            self.fields.push(String::new());
        }
        self.fields[i - 1] = v;
        self.rebuild_record();
        Ok(())
    }

    // ---- variables

    fn lookup_cell(&self, name: &str) -> Option<&Cell> {
        if let Some(f) = self.frames.last() {
            if let Some(c) = f.get(name) {
                return Some(c);
            }
        }
        self.globals.get(name)
    }

    fn get_var(&mut self, name: &str) -> Val {
        match name {
            "NF" => {
                self.split_fields();
                return Val::Num(self.fields.len() as f64);
            }
            "NR" => return Val::Num(self.nr),
            "FNR" => return Val::Num(self.fnr),
            _ => {}
        }
        match self.lookup_cell(name) {
            Some(Cell::Val(v)) => v.clone(),
            _ => Val::Uninit,
        }
    }

    fn set_var(&mut self, name: &str, v: Val) -> R<()> {
        match name {
            "NF" => {
                self.split_fields();
                let n = v.num().max(0.0) as usize;
                if n > 100_000 {
                    return Err(Flow::Error("NF too large".into()));
                }
                self.fields.resize(n, String::new());
                self.rebuild_record();
                return Ok(());
            }
            "NR" => {
                self.nr = v.num();
                return Ok(());
            }
            "FNR" => {
                self.fnr = v.num();
                return Ok(());
            }
            _ => {}
        }
        if let Some(f) = self.frames.last_mut() {
            if let Some(c) = f.get_mut(name) {
                if matches!(c, Cell::Arr(_)) {
                    return Err(Flow::Error(format!(
                        "type error: can't assign to array {name}"
                    )));
                }
                *c = Cell::Val(v);
                return Ok(());
            }
        }
        if let Some(Cell::Arr(_)) = self.globals.get(name) {
            return Err(Flow::Error(format!(
                "type error: can't assign to array {name}"
            )));
        }
        self.globals.insert(name.to_owned(), Cell::Val(v));
        Ok(())
    }

    fn array_id(&mut self, name: &str) -> R<usize> {
        if let Some(f) = self.frames.last_mut() {
            if let Some(c) = f.get_mut(name) {
                return match c {
                    Cell::Arr(id) => Ok(*id),
                    Cell::Val(Val::Uninit) => {
                        self.arrays.push(HashMap::new());
                        let id = self.arrays.len() - 1;
                        if let Some(f) = self.frames.last_mut() {
                            f.insert(name.to_owned(), Cell::Arr(id));
                        }
                        Ok(id)
                    }
                    _ => Err(Flow::Error(format!("type error: {name} is not an array"))),
                };
            }
        }
        match self.globals.get(name) {
            Some(Cell::Arr(id)) => Ok(*id),
            Some(Cell::Val(Val::Uninit)) | None => {
                self.arrays.push(HashMap::new());
                let id = self.arrays.len() - 1;
                self.globals.insert(name.to_owned(), Cell::Arr(id));
                Ok(id)
            }
            Some(_) => Err(Flow::Error(format!("type error: {name} is not an array"))),
        }
    }

    fn arr_get_opt(&self, id: usize, k: &str) -> Option<Val> {
        self.arrays.get(id).and_then(|a| a.get(k)).cloned()
    }

    fn subscript(&mut self, idx: &[Expr]) -> R<String> {
        if idx.len() == 1 {
            let v = self.eval(&idx[0])?;
            return Ok(self.to_str(&v));
        }
        let sep = self.gets("SUBSEP");
        let mut parts = Vec::new();
        for e in idx {
            let v = self.eval(e)?;
            parts.push(self.to_str(&v));
        }
        Ok(parts.join(&sep))
    }

    fn assign(&mut self, target: &Expr, v: Val) -> R<Val> {
        match target {
            Expr::Var(n) => self.set_var(n, v.clone())?,
            Expr::Field(e) => {
                let i = self.eval(e)?.num();
                if i < 0.0 {
                    return Err(Flow::Error(format!("negative field index ${}", i as i64)));
                }
                let s = self.to_str(&v);
                self.set_field(i as usize, s)?;
                // Field values are strnums afterwards.
                return Ok(match v {
                    Val::Num(_) => v,
                    _ => Val::StrNum(self.to_str(&v)),
                });
            }
            Expr::Index(n, idx) => {
                let k = self.subscript(idx)?;
                let id = self.array_id(n)?;
                if let Some(a) = self.arrays.get_mut(id) {
                    a.insert(k, v.clone());
                }
            }
            _ => return Err(Flow::Error("assignment to non-lvalue".into())),
        }
        Ok(v)
    }

    // ---- regex

    fn dyn_regex(&mut self, s: &str) -> Result<Regex, String> {
        if let Some(r) = self.regex_cache.get(s) {
            return Ok(r.clone());
        }
        let t = translate(s, Syntax::Extended)
            .and_then(|t| build(&t, false))
            .map_err(|e| format!("regular expression compile failed ({e})\n{s}"))?;
        if self.regex_cache.len() > 500 {
            self.regex_cache.clear();
        }
        self.regex_cache.insert(s.to_owned(), t.clone());
        Ok(t)
    }

    fn regex_of(&mut self, e: &Expr) -> R<Regex> {
        if let Expr::Re(i) = e {
            if let Some(Some(r)) = self.regex_lits.get(*i) {
                return Ok(r.clone());
            }
            return Err(Flow::Error("bad regex".into()));
        }
        let v = self.eval(e)?;
        let s = self.to_str(&v);
        self.dyn_regex(&s).map_err(Flow::Error)
    }

    fn match_re_idx(&mut self, i: usize, s: &str) -> R<bool> {
        match self.regex_lits.get(i) {
            Some(Some(r)) => Ok(r.is_match(s.as_bytes())),
            _ => Err(Flow::Error("bad regex".into())),
        }
    }

    // ---- statements

    fn exec_block(&mut self, b: &[Stmt]) -> R<()> {
        for s in b {
            self.exec(s)?;
        }
        Ok(())
    }

    fn exec(&mut self, s: &Stmt) -> R<()> {
        self.tick()?;
        match s {
            Stmt::Expr(e) => {
                self.eval(e)?;
            }
            Stmt::Print(args, redir) => {
                let mut line = String::new();
                if args.is_empty() {
                    line.push_str(&self.record);
                } else {
                    let ofs = self.gets("OFS");
                    for (k, a) in args.iter().enumerate() {
                        if k > 0 {
                            line.push_str(&ofs);
                        }
                        let v = self.eval(a)?;
                        line.push_str(&self.to_out_str(&v));
                    }
                }
                line.push_str(&self.gets("ORS"));
                self.write_out(line.into_bytes(), redir)?;
            }
            Stmt::Printf(args, redir) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.eval(a)?);
                }
                let fmt = self.to_str(&vals[0]);
                let (data, missing) = sprintf_checked(&fmt, &vals[1..], &self.convfmt());
                if missing {
                    self.out.extend(data);
                    return Err(Flow::Error(format!(
                        "run time error: not enough arguments passed to printf(\"{fmt}\")\n\tFILENAME=\"{}\" FNR={} NR={}",
                        self.gets("FILENAME"),
                        self.fnr,
                        self.nr
                    )));
                }
                let data = latin1_fix(data);
                self.write_out(data, redir)?;
            }
            Stmt::If(c, a, b) => {
                if self.cond(c)? {
                    self.exec(a)?;
                } else if let Some(b) = b {
                    self.exec(b)?;
                }
            }
            Stmt::While(c, body) => {
                while self.cond(c)? {
                    self.tick()?;
                    match self.exec(body) {
                        Err(Flow::Break) => break,
                        Err(Flow::Continue) | Ok(()) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Stmt::Do(body, c) => loop {
                self.tick()?;
                match self.exec(body) {
                    Err(Flow::Break) => break,
                    Err(Flow::Continue) | Ok(()) => {}
                    Err(e) => return Err(e),
                }
                if !self.cond(c)? {
                    break;
                }
            },
            Stmt::For(init, c, step, body) => {
                if let Some(i) = init {
                    self.exec(i)?;
                }
                loop {
                    self.tick()?;
                    if let Some(c) = c {
                        if !self.cond(c)? {
                            break;
                        }
                    }
                    match self.exec(body) {
                        Err(Flow::Break) => break,
                        Err(Flow::Continue) | Ok(()) => {}
                        Err(e) => return Err(e),
                    }
                    if let Some(s) = step {
                        self.exec(s)?;
                    }
                }
            }
            Stmt::ForIn(var, arr, body) => {
                let id = self.array_id(arr)?;
                let keys = sorted_keys(self.arrays.get(id));
                for k in keys {
                    if !self.arrays.get(id).is_some_and(|a| a.contains_key(&k)) {
                        continue;
                    }
                    self.set_var(var, Val::StrNum(k))?;
                    match self.exec(body) {
                        Err(Flow::Break) => break,
                        Err(Flow::Continue) | Ok(()) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Stmt::Block(b) => self.exec_block(b)?,
            Stmt::Next => return Err(Flow::Next),
            Stmt::NextFile => return Err(Flow::NextFile),
            Stmt::Exit(e) => {
                let c = match e {
                    Some(e) => self.eval(e)?.num() as i32,
                    None => self.exit_code,
                };
                return Err(Flow::Exit(c));
            }
            Stmt::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(e)?,
                    None => Val::Uninit,
                };
                return Err(Flow::Return(v));
            }
            Stmt::Break => return Err(Flow::Break),
            Stmt::Continue => return Err(Flow::Continue),
            Stmt::Delete(n, idx) => {
                let id = self.array_id(n)?;
                match idx {
                    Some(idx) => {
                        let k = self.subscript(idx)?;
                        if let Some(a) = self.arrays.get_mut(id) {
                            a.remove(&k);
                        }
                    }
                    None => {
                        if let Some(a) = self.arrays.get_mut(id) {
                            a.clear();
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn write_out(&mut self, data: Vec<u8>, redir: &Option<(Redir, Expr)>) -> R<()> {
        let Some((kind, e)) = redir else {
            self.out.extend(data);
            return Ok(());
        };
        let v = self.eval(e)?;
        let name = self.to_str(&v);
        match name.as_str() {
            "/dev/stdout" | "-" if *kind != Redir::Pipe => {
                self.out.extend(data);
                return Ok(());
            }
            "/dev/stderr" if *kind != Redir::Pipe => {
                let _ = self.flush_out();
                block(self.ctx.err(data));
                return Ok(());
            }
            _ => {}
        }
        if let Some(o) = self
            .outputs
            .iter_mut()
            .find(|o| o.name == name && o.pipe == (*kind == Redir::Pipe))
        {
            o.data.extend(data);
            return Ok(());
        }
        if *kind != Redir::Pipe {
            let mode = if *kind == Redir::Append {
                OpenMode::Append
            } else {
                OpenMode::Truncate { noclobber: false }
            };
            if block(self.ctx.open(&name, mode)).is_err() {
                return Err(Flow::Error(format!("cannot open \"{name}\" for output")));
            }
        }
        self.outputs.push(OutStream {
            name,
            data,
            pipe: *kind == Redir::Pipe,
        });
        Ok(())
    }

    fn close_stream(&mut self, name: &str) -> i32 {
        let mut found = -1;
        if let Some(pos) = self.outputs.iter().position(|o| o.name == name) {
            let o = self.outputs.remove(pos);
            found = self.finish_output(o);
        }
        if self.readers.remove(name).is_some() {
            found = 0;
        }
        found
    }

    fn finish_output(&mut self, o: OutStream) -> i32 {
        if o.pipe {
            let _ = self.flush_out();
            return run_pipe(&self.ctx, &o.name, o.data);
        }
        let p = self.ctx.abs(&o.name);
        let opts = crate::kernel::vfs::WriteOpts {
            pos: crate::kernel::vfs::WritePos::Append,
            create: Some(0o644),
            exclusive: false,
        };
        match block(
            self.ctx
                .kernel
                .vfs()
                .write(self.ctx.cred(), &p, o.data.into(), opts),
        ) {
            Ok(_) => 0,
            Err(_) => -1,
        }
    }

    fn close_all(&mut self) {
        let outs = std::mem::take(&mut self.outputs);
        for o in outs {
            self.finish_output(o);
        }
    }

    // ---- expressions

    fn eval(&mut self, e: &Expr) -> R<Val> {
        Ok(match e {
            Expr::Num(n) => Val::Num(*n),
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Re(i) => {
                let rec = self.record.clone();
                Val::Num(if self.match_re_idx(*i, &rec)? {
                    1.0
                } else {
                    0.0
                })
            }
            Expr::Var(n) => {
                if let Some(Cell::Arr(_)) = self.lookup_cell(n) {
                    return Err(Flow::Error(format!(
                        "type error: can't use array {n} in scalar context"
                    )));
                }
                self.get_var(n)
            }
            Expr::Field(i) => {
                let n = self.eval(i)?.num();
                if n < 0.0 {
                    return Err(Flow::Error(format!("negative field index ${}", n as i64)));
                }
                self.get_field(n as usize)
            }
            Expr::Index(n, idx) => {
                let k = self.subscript(idx)?;
                let id = self.array_id(n)?;
                match self.arrays.get_mut(id) {
                    Some(a) => a.entry(k).or_insert(Val::Uninit).clone(),
                    None => Val::Uninit,
                }
            }
            Expr::Assign(op, target, value) => {
                let v = self.eval(value)?;
                let v = match op {
                    None => match v {
                        Val::Uninit => Val::Uninit,
                        v => v,
                    },
                    Some(o) => {
                        let cur = self.eval(target)?.num();
                        Val::Num(arith(*o, cur, v.num()).map_err(Flow::Error)?)
                    }
                };
                self.assign(target, v)?
            }
            Expr::Cond(c, a, b) => {
                if self.cond(c)? {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            Expr::And(a, b) => Val::Num(if self.cond(a)? && self.cond(b)? {
                1.0
            } else {
                0.0
            }),
            Expr::Or(a, b) => Val::Num(if self.cond(a)? || self.cond(b)? {
                1.0
            } else {
                0.0
            }),
            Expr::Not(a) => Val::Num(if self.cond(a)? { 0.0 } else { 1.0 }),
            Expr::Neg(a) => Val::Num(-self.eval(a)?.num()),
            Expr::Pos(a) => Val::Num(self.eval(a)?.num()),
            Expr::Bin(o, a, b) => {
                let x = self.eval(a)?.num();
                let y = self.eval(b)?.num();
                Val::Num(arith(*o, x, y).map_err(Flow::Error)?)
            }
            Expr::Cmp(op, a, b) => {
                let x = self.eval(a)?;
                let y = self.eval(b)?;
                let ord = if x.is_numeric() && y.is_numeric() {
                    x.num()
                        .partial_cmp(&y.num())
                        .unwrap_or(std::cmp::Ordering::Less)
                } else {
                    self.to_str(&x).as_bytes().cmp(self.to_str(&y).as_bytes())
                };
                use std::cmp::Ordering::*;
                let r = match *op {
                    "<" => ord == Less,
                    "<=" => ord != Greater,
                    "==" => ord == Equal,
                    "!=" => ord != Equal,
                    ">=" => ord != Less,
                    _ => ord == Greater,
                };
                Val::Num(if r { 1.0 } else { 0.0 })
            }
            Expr::Match(neg, a, b) => {
                let s = self.eval(a)?;
                let s = self.to_str(&s);
                let re = self.regex_of(b)?;
                Val::Num(if re.is_match(s.as_bytes()) != *neg {
                    1.0
                } else {
                    0.0
                })
            }
            Expr::Concat(a, b) => {
                let x = self.eval(a)?;
                let mut s = self.to_str(&x);
                let y = self.eval(b)?;
                s.push_str(&self.to_str(&y));
                if s.len() > 1 << 30 {
                    return Err(Flow::Error("string too long".into()));
                }
                Val::Str(s)
            }
            Expr::In(idx, arr) => {
                let k = self.subscript(idx)?;
                let id = self.array_id(arr)?;
                Val::Num(if self.arrays.get(id).is_some_and(|a| a.contains_key(&k)) {
                    1.0
                } else {
                    0.0
                })
            }
            Expr::Incr(pre, d, target) => {
                let cur = self.eval(target)?.num();
                self.assign(target, Val::Num(cur + d))?;
                Val::Num(if *pre { cur + d } else { cur })
            }
            Expr::Group(v) => {
                if v.len() == 1 {
                    self.eval(&v[0])?
                } else {
                    // `(a, b)` outside `in` or print: concatenation with SUBSEP, as a fallback.
                    let k = self.subscript(v)?;
                    Val::Str(k)
                }
            }
            Expr::Call(name, args) => self.call(name, args)?,
            Expr::Builtin(name, args) => self.builtin(name, args)?,
            Expr::Getline(var, src) => self.getline(var.as_deref(), src)?,
        })
    }

    fn getline(&mut self, var: Option<&Expr>, src: &GetSrc) -> R<Val> {
        let rs = self.gets("RS");
        let rec = match src {
            GetSrc::Main => {
                let saved_rec = self.record.clone();
                let saved_split = self.fields_split;
                let saved_fields = self.fields.clone();
                let got = self.next_main_record()?;
                if !got {
                    return Ok(Val::Num(0.0));
                }
                if let Some(v) = var {
                    let rec = self.record.clone();
                    self.record = saved_rec;
                    self.fields = saved_fields;
                    self.fields_split = saved_split;
                    self.assign(v, Val::StrNum(rec))?;
                }
                return Ok(Val::Num(1.0));
            }
            GetSrc::File(f) => {
                let name = self.eval(f)?;
                let name = self.to_str(&name);
                if !self.readers.contains_key(&name) {
                    let file = if name == "-" || name == "/dev/stdin" {
                        self.ctx.fds.get(0).ok().cloned()
                    } else {
                        block(self.ctx.open(&name, OpenMode::Read)).ok()
                    };
                    let Some(file) = file else {
                        return Ok(Val::Num(-1.0));
                    };
                    if let Ok(st) = block(self.ctx.kernel.vfs().stat(
                        self.ctx.cred(),
                        &self.ctx.abs(&name),
                        true,
                    )) {
                        if st.file_type == crate::kernel::vfs::FileType::Dir {
                            return Ok(Val::Num(-1.0));
                        }
                    }
                    self.readers.insert(
                        name.clone(),
                        Reader {
                            file: Some(file),
                            buf: Vec::new(),
                            eof: false,
                        },
                    );
                }
                match self.readers.get_mut(&name) {
                    Some(r) => read_record(r, &rs, &mut self.regex_cache, &self.ctx),
                    None => None,
                }
            }
            GetSrc::Cmd(c) => {
                let cmd = self.eval(c)?;
                let cmd = self.to_str(&cmd);
                if !self.readers.contains_key(&cmd) {
                    let _ = self.flush_out();
                    let data = capture_cmd(&self.ctx, &cmd);
                    self.readers.insert(
                        cmd.clone(),
                        Reader {
                            file: None,
                            buf: data,
                            eof: true,
                        },
                    );
                }
                match self.readers.get_mut(&cmd) {
                    Some(r) => read_record(r, &rs, &mut self.regex_cache, &self.ctx),
                    None => None,
                }
            }
        };
        let Some(rec) = rec else {
            return Ok(Val::Num(0.0));
        };
        match var {
            Some(v) => {
                self.assign(v, Val::StrNum(rec))?;
            }
            None => {
                self.set_record(rec);
                self.nr += 1.0;
            }
        }
        Ok(Val::Num(1.0))
    }

    fn call(&mut self, name: &str, args: &[Expr]) -> R<Val> {
        let Some(f) = self.prog.funcs.get(name).cloned() else {
            return Err(Flow::Error(format!("function {name} never defined")));
        };
        if args.len() > f.params.len() {
            return Err(Flow::Error(format!("too many arguments in call to {name}")));
        }
        if self.depth >= MAX_DEPTH {
            return Err(Flow::Error("function call nesting too deep".into()));
        }
        let mut frame = HashMap::new();
        for (k, p) in f.params.iter().enumerate() {
            let cell = match args.get(k) {
                Some(Expr::Var(n)) => match self.lookup_cell(n).cloned() {
                    Some(Cell::Arr(id)) => Cell::Arr(id),
                    Some(Cell::Val(Val::Uninit)) | None if uses_as_array(&f.body, p) => {
                        let id = self.array_id(n)?;
                        Cell::Arr(id)
                    }
                    _ => Cell::Val(self.eval(&args[k])?),
                },
                Some(e) => Cell::Val(self.eval(e)?),
                None => Cell::Val(Val::Uninit),
            };
            frame.insert(p.clone(), cell);
        }
        self.frames.push(frame);
        self.depth += 1;
        let r = self.exec_block(&f.body);
        self.depth -= 1;
        self.frames.pop();
        match r {
            Ok(()) => Ok(Val::Uninit),
            Err(Flow::Return(v)) => Ok(v),
            Err(e) => Err(e),
        }
    }

    fn builtin(&mut self, name: &str, args: &[Expr]) -> R<Val> {
        let argc = args.len();
        let bad =
            |n: &str| Flow::Error(format!("line 1: wrong number of arguments in call to {n}"));
        macro_rules! num {
            ($i:expr) => {
                self.eval(&args[$i])?.num()
            };
        }
        macro_rules! s {
            ($i:expr) => {{
                let v = self.eval(&args[$i])?;
                self.to_str(&v)
            }};
        }
        Ok(match name {
            "length" => {
                if argc == 0 {
                    Val::Num(self.record.chars().count() as f64)
                } else {
                    if let Expr::Var(n) = &args[0] {
                        if let Some(Cell::Arr(id)) = self.lookup_cell(n).cloned() {
                            return Ok(Val::Num(
                                self.arrays.get(id).map(|a| a.len()).unwrap_or(0) as f64
                            ));
                        }
                    }
                    Val::Num(s!(0).chars().count() as f64)
                }
            }
            "substr" => {
                if !(2..=3).contains(&argc) {
                    return Err(bad(name));
                }
                let s: Vec<char> = s!(0).chars().collect();
                let m = num!(1);
                let len = s.len() as f64;
                // mawk: truncate the start and length; a start before 1 keeps the length.
                let start = if m.is_nan() { 1.0 } else { m.trunc().max(1.0) };
                let end = if argc == 3 {
                    let n = num!(2);
                    if n.is_nan() || n < 0.0 {
                        start
                    } else {
                        start + n.trunc().min(1e15)
                    }
                } else {
                    len + 1.0
                };
                let a = start.min(len + 1.0);
                let b = end.min(len + 1.0);
                if b <= a {
                    Val::Str(String::new())
                } else {
                    Val::Str(s[(a as usize - 1)..(b as usize - 1)].iter().collect())
                }
            }
            "index" => {
                if argc != 2 {
                    return Err(bad(name));
                }
                let s = s!(0);
                let t = s!(1);
                Val::Num(match s.find(&t) {
                    Some(p) => (s[..p].chars().count() + 1) as f64,
                    None => 0.0,
                })
            }
            "split" => {
                if !(2..=3).contains(&argc) {
                    return Err(bad(name));
                }
                let s = s!(0);
                let Expr::Var(arr) = &args[1] else {
                    return Err(Flow::Error("split: second argument is not an array".into()));
                };
                let parts = if argc == 3 {
                    match &args[2] {
                        Expr::Re(i) => {
                            let re = self.regex_lits.get(*i).cloned().flatten();
                            match re {
                                Some(re) => {
                                    let pat = re.as_str().to_owned();
                                    if s.is_empty() {
                                        Vec::new()
                                    } else {
                                        split_re(&s, &re, &pat)
                                    }
                                }
                                None => Vec::new(),
                            }
                        }
                        e => {
                            let v = self.eval(e)?;
                            let fs = self.to_str(&v);
                            self.split_with(&s, &fs)
                        }
                    }
                } else {
                    let fs = self.gets("FS");
                    self.split_with(&s, &fs)
                };
                let id = self.array_id(arr)?;
                if let Some(a) = self.arrays.get_mut(id) {
                    a.clear();
                    for (k, p) in parts.iter().enumerate() {
                        a.insert((k + 1).to_string(), Val::StrNum(p.clone()));
                    }
                }
                Val::Num(parts.len() as f64)
            }
            "sub" | "gsub" => {
                if !(2..=3).contains(&argc) {
                    return Err(bad(name));
                }
                let re = self.regex_of(&args[0])?;
                let repl = s!(1);
                let target = if argc == 3 {
                    args[2].clone()
                } else {
                    Expr::Field(Box::new(Expr::Num(0.0)))
                };
                let cur = self.eval(&target)?;
                let cur = self.to_str(&cur);
                let (new, n) = awk_sub(&re, cur.as_bytes(), repl.as_bytes(), name == "gsub");
                if n > 0 {
                    let new = String::from_utf8_lossy(&new).into_owned();
                    if Parser::is_lvalue(&target) {
                        self.assign(&target, Val::Str(new))?;
                    }
                }
                Val::Num(n as f64)
            }
            "match" => {
                if argc != 2 {
                    return Err(bad(name));
                }
                let s = s!(0);
                let re = self.regex_of(&args[1])?;
                let (st, len) = match find_longest(&re, s.as_bytes(), 0) {
                    Some((ms, me)) => (
                        String::from_utf8_lossy(&s.as_bytes()[..ms]).chars().count() as f64 + 1.0,
                        String::from_utf8_lossy(&s.as_bytes()[ms..me])
                            .chars()
                            .count() as f64,
                    ),
                    None => (0.0, -1.0),
                };
                self.globals
                    .insert("RSTART".into(), Cell::Val(Val::Num(st)));
                self.globals
                    .insert("RLENGTH".into(), Cell::Val(Val::Num(len)));
                Val::Num(st)
            }
            "sprintf" => {
                if argc == 0 {
                    return Err(bad(name));
                }
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.eval(a)?);
                }
                let fmt = self.to_str(&vals[0]);
                let (out, missing) = sprintf_checked(&fmt, &vals[1..], &self.convfmt());
                if missing {
                    return Err(Flow::Error(format!(
                        "run time error: not enough arguments passed to sprintf(\"{fmt}\")\n\tFILENAME=\"{}\" FNR={} NR={}",
                        self.gets("FILENAME"),
                        self.fnr,
                        self.nr
                    )));
                }
                let out = latin1_fix(out);
                Val::Str(String::from_utf8_lossy(&out).into_owned())
            }
            "sin" | "cos" | "exp" | "log" | "sqrt" | "int" => {
                if argc != 1 {
                    return Err(bad(name));
                }
                let x = num!(0);
                Val::Num(match name {
                    "sin" => x.sin(),
                    "cos" => x.cos(),
                    "exp" => x.exp(),
                    "log" => x.ln(),
                    "sqrt" => x.sqrt(),
                    _ => x.trunc(),
                })
            }
            "atan2" => {
                if argc != 2 {
                    return Err(bad(name));
                }
                let y = num!(0);
                let x = num!(1);
                Val::Num(y.atan2(x))
            }
            "rand" => {
                let mut x = self.rand_state;
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                self.rand_state = x;
                Val::Num((x >> 11) as f64 / (1u64 << 53) as f64)
            }
            "srand" => {
                let prev = self.seed;
                let s = if argc > 0 {
                    num!(0)
                } else {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs() as f64)
                        .unwrap_or(0.0)
                };
                self.seed = s;
                self.rand_state = (s.to_bits() ^ 0x9E3779B97F4A7C15) | 1;
                Val::Num(prev)
            }
            "tolower" | "toupper" => {
                if argc != 1 {
                    return Err(bad(name));
                }
                let s = s!(0);
                Val::Str(if name == "tolower" {
                    s.to_ascii_lowercase()
                } else {
                    s.to_ascii_uppercase()
                })
            }
            "system" => {
                if argc != 1 {
                    return Err(bad(name));
                }
                let cmd = s!(0);
                let _ = self.flush_out();
                Val::Num(run_system(&self.ctx, &cmd) as f64)
            }
            "close" => {
                if argc != 1 {
                    return Err(bad(name));
                }
                let n = s!(0);
                Val::Num(self.close_stream(&n) as f64)
            }
            "fflush" => {
                let _ = self.flush_out();
                Val::Num(0.0)
            }
            _ => return Err(Flow::Error(format!("unknown function {name}"))),
        })
    }
}

fn is_assignment(s: &str) -> bool {
    match s.split_once('=') {
        Some((n, _)) => {
            !n.is_empty()
                && n.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

#[allow(dead_code)]
fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

fn split_re(s: &str, re: &Regex, _pat: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut v = Vec::new();
    let mut last = 0;
    for m in re.find_iter(b) {
        if m.start() == m.end() {
            continue;
        }
        v.push(String::from_utf8_lossy(&b[last..m.start()]).into_owned());
        last = m.end();
    }
    v.push(String::from_utf8_lossy(&b[last..]).into_owned());
    v
}

fn sorted_keys(a: Option<&HashMap<String, Val>>) -> Vec<String> {
    let Some(a) = a else { return Vec::new() };
    let mut nums: Vec<(f64, String)> = Vec::new();
    let mut strs: Vec<String> = Vec::new();
    for k in a.keys() {
        if looks_numeric(k) && k.trim() == k && !k.starts_with('+') {
            nums.push((str_to_num(k), k.clone()));
        } else {
            strs.push(k.clone());
        }
    }
    nums.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap_or(std::cmp::Ordering::Equal));
    strs.sort();
    nums.into_iter().map(|(_, k)| k).chain(strs).collect()
}

fn uses_as_array(body: &[Stmt], p: &str) -> bool {
    fn e(x: &Expr, p: &str) -> bool {
        match x {
            Expr::Index(n, idx) => n == p || idx.iter().any(|i| e(i, p)),
            Expr::In(idx, n) => n == p || idx.iter().any(|i| e(i, p)),
            Expr::Builtin(name, args) => {
                (name == "split" && matches!(args.get(1), Some(Expr::Var(n)) if n == p))
                    || args.iter().any(|a| e(a, p))
            }
            Expr::Field(a) | Expr::Not(a) | Expr::Neg(a) | Expr::Pos(a) | Expr::Incr(_, _, a) => {
                e(a, p)
            }
            Expr::Assign(_, a, b)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Bin(_, a, b)
            | Expr::Cmp(_, a, b)
            | Expr::Match(_, a, b)
            | Expr::Concat(a, b) => e(a, p) || e(b, p),
            Expr::Cond(a, b, c) => e(a, p) || e(b, p) || e(c, p),
            Expr::Call(_, args) | Expr::Group(args) => args.iter().any(|a| e(a, p)),
            _ => false,
        }
    }
    fn s(x: &Stmt, p: &str) -> bool {
        match x {
            Stmt::Expr(a) => e(a, p),
            Stmt::Print(a, _) | Stmt::Printf(a, _) => a.iter().any(|a| e(a, p)),
            Stmt::If(c, a, b) => e(c, p) || s(a, p) || b.as_ref().is_some_and(|b| s(b, p)),
            Stmt::While(c, b) | Stmt::Do(b, c) => e(c, p) || s(b, p),
            Stmt::For(i, c, st, b) => {
                i.as_ref().is_some_and(|i| s(i, p))
                    || c.as_ref().is_some_and(|c| e(c, p))
                    || st.as_ref().is_some_and(|x| s(x, p))
                    || s(b, p)
            }
            Stmt::ForIn(_, a, b) => a == p || s(b, p),
            Stmt::Block(b) => b.iter().any(|x| s(x, p)),
            Stmt::Delete(n, _) => n == p,
            Stmt::Exit(Some(a)) | Stmt::Return(Some(a)) => e(a, p),
            _ => false,
        }
    }
    body.iter().any(|x| s(x, p))
}

fn arith(o: char, x: f64, y: f64) -> Result<f64, String> {
    Ok(match o {
        '+' => x + y,
        '-' => x - y,
        '*' => x * y,
        '/' => x / y,
        '%' => x % y,
        _ => x.powf(y),
    })
}

/// A match's bounds in `hay`.
struct Span<'a> {
    s: usize,
    e: usize,
    hay: &'a [u8],
}

impl Span<'_> {
    fn start(&self) -> usize {
        self.s
    }
    fn end(&self) -> usize {
        self.e
    }
    fn as_bytes(&self) -> &[u8] {
        &self.hay[self.s..self.e]
    }
}

fn awk_sub(re: &Regex, s: &[u8], repl: &[u8], global: bool) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut last = 0;
    let mut n = 0;
    let mut prev_end: Option<usize> = None;
    while pos <= s.len() {
        let Some((ms, me)) = find_longest(re, s, pos) else {
            break;
        };
        let m = Span {
            s: ms,
            e: me,
            hay: s,
        };
        if m.start() == m.end() && prev_end == Some(m.start()) {
            if m.start() >= s.len() {
                break;
            }
            pos = m.start() + 1;
            continue;
        }
        out.extend_from_slice(&s[last..m.start()]);
        let mut k = 0;
        while k < repl.len() {
            if repl[k] == b'\\'
                && k + 1 < repl.len()
                && (repl[k + 1] == b'&' || repl[k + 1] == b'\\')
            {
                out.push(repl[k + 1]);
                k += 2;
            } else if repl[k] == b'&' {
                out.extend_from_slice(m.as_bytes());
                k += 1;
            } else {
                out.push(repl[k]);
                k += 1;
            }
        }
        last = m.end();
        n += 1;
        if !global {
            break;
        }
        if m.end() > m.start() {
            prev_end = Some(m.end());
            pos = m.end();
        } else {
            if m.start() < s.len() {
                // Copy the char the empty match stood before.
                out.push(s[m.start()]);
            }
            last = m.start() + 1;
            pos = m.start() + 1;
            prev_end = None;
        }
    }
    if last <= s.len() {
        out.extend_from_slice(&s[last.min(s.len())..]);
    }
    (out, n)
}

fn latin1_fix(data: Vec<u8>) -> Vec<u8> {
    data
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('/') => out.push('/'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Read one record from `r` with record separator `rs`.
fn read_record(
    r: &mut Reader,
    rs: &str,
    cache: &mut HashMap<String, Regex>,
    ctx: &Ctx,
) -> Option<String> {
    let fill = |r: &mut Reader| -> bool {
        if r.eof {
            return false;
        }
        let Some(f) = r.file.clone() else {
            r.eof = true;
            return false;
        };
        match block(f.read(64 * 1024)) {
            Ok(b) if !b.is_empty() => {
                r.buf.extend_from_slice(&b);
                true
            }
            _ => {
                r.eof = true;
                false
            }
        }
    };
    let _ = ctx;
    let take = |r: &mut Reader, end: usize, skip: usize| -> String {
        let rec = String::from_utf8_lossy(&r.buf[..end]).into_owned();
        r.buf.drain(..(end + skip).min(r.buf.len()));
        rec
    };
    if rs.is_empty() {
        // Paragraph mode.
        loop {
            while r.buf.first() == Some(&b'\n') {
                r.buf.remove(0);
            }
            if let Some(p) = r.buf.windows(2).position(|w| w == b"\n\n") {
                let mut end = p + 2;
                while r.buf.get(end) == Some(&b'\n') {
                    end += 1;
                }
                if end < r.buf.len() || r.eof {
                    let rec = String::from_utf8_lossy(&r.buf[..p]).into_owned();
                    r.buf.drain(..end);
                    return Some(rec);
                }
            }
            if !fill(r) {
                if r.buf.is_empty() {
                    return None;
                }
                let mut end = r.buf.len();
                while end > 0 && r.buf[end - 1] == b'\n' {
                    end -= 1;
                }
                let rec = String::from_utf8_lossy(&r.buf[..end]).into_owned();
                r.buf.clear();
                return Some(rec);
            }
        }
    }
    if rs.len() == 1 {
        let sep = rs.as_bytes()[0];
        let mut from = 0;
        loop {
            if let Some(p) = r.buf[from..].iter().position(|&b| b == sep) {
                return Some(take(r, from + p, 1));
            }
            from = r.buf.len();
            if !fill(r) {
                if r.buf.is_empty() {
                    return None;
                }
                let n = r.buf.len();
                return Some(take(r, n, 0));
            }
        }
    }
    let re = match cache.get(rs) {
        Some(re) => re.clone(),
        None => {
            let re = translate(rs, Syntax::Extended)
                .and_then(|t| build(&t, false))
                .ok()?;
            cache.insert(rs.to_owned(), re.clone());
            re
        }
    };
    loop {
        if let Some(m) = re.find(&r.buf) {
            if m.end() > m.start() && (m.end() < r.buf.len() || r.eof) {
                let (s, e) = (m.start(), m.end());
                return Some(take(r, s, e - s));
            }
        }
        if !fill(r) {
            if r.buf.is_empty() {
                return None;
            }
            if let Some(m) = re.find(&r.buf) {
                if m.end() > m.start() {
                    let (s, e) = (m.start(), m.end());
                    return Some(take(r, s, e - s));
                }
            }
            let n = r.buf.len();
            return Some(take(r, n, 0));
        }
    }
}

/// Run `sh -c cmd` with `input` on its standard input; the exit status.
fn run_pipe(ctx: &Ctx, cmd: &str, input: Vec<u8>) -> i32 {
    match spawn_sh(ctx, cmd, Some(input), false) {
        Some((code, _)) => code,
        None => -1,
    }
}

fn run_system(ctx: &Ctx, cmd: &str) -> i32 {
    match spawn_sh(ctx, cmd, None, false) {
        Some((code, _)) => code,
        None => -1,
    }
}

fn capture_cmd(ctx: &Ctx, cmd: &str) -> Vec<u8> {
    match spawn_sh(ctx, cmd, None, true) {
        Some((_, out)) => out,
        None => Vec::new(),
    }
}

/// Run `sh -c cmd` as a child process with this process's descriptors (standard input fed
/// `input`, standard output captured when `capture`); its exit status and captured output.
fn spawn_sh(ctx: &Ctx, cmd: &str, input: Option<Vec<u8>>, capture: bool) -> Option<(i32, Vec<u8>)> {
    block(spawn_sh_async(ctx, cmd, input, capture))
}

async fn spawn_sh_async(
    ctx: &Ctx,
    cmd: &str,
    input: Option<Vec<u8>>,
    capture: bool,
) -> Option<(i32, Vec<u8>)> {
    use crate::kernel::process::pipe::pipe;
    let mut fds = ctx.fds.for_exec();
    if let Some(data) = input {
        let cap = (ctx.kernel.limits().max_pipe_bytes as usize).max(data.len());
        let (r, w) = pipe(cap);
        tokio::spawn(async move {
            let _ = w.write(bytes::Bytes::from(data)).await;
        });
        fds.set(0, OpenFile::pipe_reader(r)).ok()?;
    }
    let mut reader = None;
    if capture {
        let (r, w) = pipe(1 << 16);
        fds.set(1, OpenFile::pipe_writer(w)).ok()?;
        reader = Some(OpenFile::pipe_reader(r));
    }
    let spec = super::SpawnSpec {
        argv: vec!["sh".to_owned(), "-c".to_owned(), cmd.to_owned()],
        env: ctx.env.clone(),
        cwd: ctx.cwd(),
        fds,
        ppid: ctx.proc.pid,
        pgid: Some(ctx.proc.pgid),
        sid: Some(ctx.proc.sid),
        api: false,
    };
    let child = super::spawn(&ctx.kernel, spec).await.ok()?;
    let mut out = Vec::new();
    if let Some(r) = reader {
        loop {
            if ctx.proc.pending_fatal().is_some() {
                break;
            }
            match r.read(64 * 1024).await {
                Ok(b) if !b.is_empty() => out.extend_from_slice(&b),
                _ => break,
            }
        }
    }
    let code = child.wait().await;
    Some((code, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(num_to_str(0.1 + 0.2, "%.6g"), "0.3");
        assert_eq!(num_to_str(1e20, "%.6g"), "1e+20");
        assert_eq!(
            String::from_utf8_lossy(&sprintf(
                "%5.2f|%-4d|%x",
                &[Val::Num(1.23456), Val::Num(7.0), Val::Num(255.0)],
                "%.6g"
            )),
            " 1.23|7   |ff"
        );
        assert_eq!(fmt_g(0.0001234, 6, false, false), "0.0001234");
        assert!(looks_numeric(" 12 ") && !looks_numeric("1x"));
    }
}
