//! `expr EXPRESSION`: evaluate arithmetic, comparison and string expressions.
//! Exit 0 when the result is neither null nor 0, 1 when it is, 2 for invalid expressions,
//! 3 for other errors.

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["expr"];

/// An expression value: a string that may be an integer.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Int(i128),
    Str(String),
}

impl Val {
    fn text(&self) -> String {
        match self {
            Val::Int(i) => i.to_string(),
            Val::Str(s) => s.clone(),
        }
    }

    fn int(&self) -> Option<i128> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Str(s) => parse_int(s),
        }
    }

    fn null(&self) -> bool {
        match self {
            Val::Int(i) => *i == 0,
            Val::Str(s) => {
                s.is_empty() || parse_int(s) == Some(0) && s.bytes().all(|b| b == b'0' || b == b'-')
            }
        }
    }
}

fn parse_int(s: &str) -> Option<i128> {
    let t = s.strip_prefix('-').unwrap_or(s);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// An evaluation error: message and exit status.
struct Fail(String, i32);

fn syntax(msg: String) -> Fail {
    Fail(format!("syntax error: {msg}"), 2)
}

/// Translate a POSIX basic regular expression to the `regex` crate's syntax.
pub fn bre_to_regex(bre: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = bre.chars().collect();
    let mut i = 0;
    let mut at_start = true;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                i += 2;
                match n {
                    '(' => {
                        out.push('(');
                        at_start = true;
                        continue;
                    }
                    ')' => out.push(')'),
                    '{' => out.push('{'),
                    '}' => out.push('}'),
                    '|' => {
                        out.push('|');
                        at_start = true;
                        continue;
                    }
                    '+' | '?' => out.push(n),
                    'n' => out.push_str("\\n"),
                    't' => out.push_str("\\t"),
                    '<' | '>' => out.push_str("\\b"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' => {
                        out.push('\\');
                        out.push(n);
                    }
                    d if d.is_ascii_digit() => {
                        // Back-references are not supported; match the literal digit.
                        out.push(d);
                    }
                    other => out.push_str(&regex::escape(&other.to_string())),
                }
            }
            '[' => {
                // Copy a bracket expression through.
                let mut j = i + 1;
                if j < chars.len() && chars[j] == '^' {
                    j += 1;
                }
                if j < chars.len() && chars[j] == ']' {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    if chars[j] == '['
                        && j + 1 < chars.len()
                        && matches!(chars[j + 1], ':' | '.' | '=')
                    {
                        let close = chars[j + 1];
                        j += 2;
                        while j + 1 < chars.len() && !(chars[j] == close && chars[j + 1] == ']') {
                            j += 1;
                        }
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                if j >= chars.len() {
                    out.push_str("\\[");
                    i += 1;
                } else {
                    let body: String = chars[i + 1..j].iter().collect();
                    let (neg, body) = match body.strip_prefix('^') {
                        Some(b) => (true, b.to_owned()),
                        None => (false, body),
                    };
                    out.push('[');
                    if neg {
                        out.push('^');
                    }
                    for (k, bc) in body.chars().enumerate() {
                        if bc == '['
                            && !body[..].get(k + 1..).is_some_and(|r| {
                                r.starts_with(':') || r.starts_with('.') || r.starts_with('=')
                            })
                        {
                            out.push_str("\\[");
                        } else if bc == '\\' {
                            out.push_str("\\\\");
                        } else {
                            out.push(bc);
                        }
                    }
                    out.push(']');
                    i = j + 1;
                }
            }
            '*' if at_start => {
                out.push_str("\\*");
                i += 1;
            }
            '^' if at_start => {
                out.push('^');
                i += 1;
                continue;
            }
            '^' => {
                out.push_str("\\^");
                i += 1;
            }
            '$' => {
                if i + 1 == chars.len()
                    || (i + 2 < chars.len() + 1
                        && chars.get(i + 1) == Some(&'\\')
                        && matches!(chars.get(i + 2), Some(')' | '|')))
                {
                    out.push('$');
                } else {
                    out.push_str("\\$");
                }
                i += 1;
            }
            '+' | '?' | '(' | ')' | '{' | '}' | '|' => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
        at_start = false;
    }
    out
}

struct Parser<'a> {
    toks: &'a [String],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.toks.get(self.pos).map(String::as_str)
    }

    fn next_tok(&mut self, after: &str) -> Result<String, Fail> {
        match self.toks.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t.clone())
            }
            None => Err(syntax(format!("missing argument after '{after}'"))),
        }
    }

    fn or(&mut self) -> Result<Val, Fail> {
        let mut l = self.and()?;
        while self.peek() == Some("|") {
            self.pos += 1;
            self.need("|")?;
            let r = self.and()?;
            l = if !l.null() {
                l
            } else if !r.null() {
                r
            } else {
                Val::Int(0)
            };
        }
        Ok(l)
    }

    fn need(&self, op: &str) -> Result<(), Fail> {
        if self.pos >= self.toks.len() {
            return Err(syntax(format!("missing argument after '{op}'")));
        }
        Ok(())
    }

    fn and(&mut self) -> Result<Val, Fail> {
        let mut l = self.cmp()?;
        while self.peek() == Some("&") {
            self.pos += 1;
            self.need("&")?;
            let r = self.cmp()?;
            l = if l.null() || r.null() { Val::Int(0) } else { l };
        }
        Ok(l)
    }

    fn cmp(&mut self) -> Result<Val, Fail> {
        let mut l = self.add()?;
        while let Some(op) = self
            .peek()
            .filter(|o| matches!(*o, "<" | "<=" | "=" | "==" | "!=" | ">=" | ">"))
            .map(str::to_owned)
        {
            self.pos += 1;
            self.need(&op)?;
            let r = self.add()?;
            let ord = match (l.int(), r.int()) {
                (Some(a), Some(b)) => a.cmp(&b),
                _ => l.text().as_bytes().cmp(r.text().as_bytes()),
            };
            let t = match op.as_str() {
                "<" => ord.is_lt(),
                "<=" => ord.is_le(),
                "=" | "==" => ord.is_eq(),
                "!=" => ord.is_ne(),
                ">=" => ord.is_ge(),
                _ => ord.is_gt(),
            };
            l = Val::Int(i128::from(t));
        }
        Ok(l)
    }

    fn add(&mut self) -> Result<Val, Fail> {
        let mut l = self.mul()?;
        while let Some(op) = self
            .peek()
            .filter(|o| matches!(*o, "+" | "-"))
            .map(str::to_owned)
        {
            self.pos += 1;
            self.need(&op)?;
            let r = self.mul()?;
            let (Some(a), Some(b)) = (l.int(), r.int()) else {
                return Err(Fail("non-integer argument".to_owned(), 2));
            };
            let v = if op == "+" {
                a.checked_add(b)
            } else {
                a.checked_sub(b)
            };
            l = Val::Int(v.ok_or_else(|| Fail("result too large".to_owned(), 3))?);
        }
        Ok(l)
    }

    fn mul(&mut self) -> Result<Val, Fail> {
        let mut l = self.matchop()?;
        while let Some(op) = self
            .peek()
            .filter(|o| matches!(*o, "*" | "/" | "%"))
            .map(str::to_owned)
        {
            self.pos += 1;
            self.need(&op)?;
            let r = self.matchop()?;
            let (Some(a), Some(b)) = (l.int(), r.int()) else {
                return Err(Fail("non-integer argument".to_owned(), 2));
            };
            if op != "*" && b == 0 {
                return Err(Fail("division by zero".to_owned(), 2));
            }
            let v = match op.as_str() {
                "*" => a.checked_mul(b),
                "/" => a.checked_div(b),
                _ => a.checked_rem(b),
            };
            l = Val::Int(v.ok_or_else(|| Fail("result too large".to_owned(), 3))?);
        }
        Ok(l)
    }

    fn matchop(&mut self) -> Result<Val, Fail> {
        let mut l = self.primary()?;
        while self.peek() == Some(":") {
            self.pos += 1;
            self.need(":")?;
            let r = self.primary()?;
            l = do_match(&l.text(), &r.text())?;
        }
        Ok(l)
    }

    fn primary(&mut self) -> Result<Val, Fail> {
        let Some(t) = self.peek().map(str::to_owned) else {
            let prev = if self.pos > 0 {
                self.toks[self.pos - 1].clone()
            } else {
                String::new()
            };
            return Err(syntax(format!("missing argument after '{prev}'")));
        };
        self.pos += 1;
        match t.as_str() {
            "(" => {
                self.need("(")?;
                let v = self.or()?;
                match self.peek() {
                    Some(")") => {
                        self.pos += 1;
                        Ok(v)
                    }
                    Some(other) => Err(syntax(format!("expecting ')' instead of '{other}'"))),
                    None => Err(syntax(format!(
                        "expecting ')' after '{}'",
                        self.toks[self.pos - 1]
                    ))),
                }
            }
            ")" => Err(syntax("unexpected ')'".to_owned())),
            "+" => Ok(Val::Str(self.next_tok("+")?)),
            "length" => {
                self.need("length")?;
                let v = self.primary()?;
                Ok(Val::Int(v.text().chars().count() as i128))
            }
            "match" => {
                self.need("match")?;
                let s = self.primary()?;
                self.need("match")?;
                let r = self.primary()?;
                do_match(&s.text(), &r.text())
            }
            "index" => {
                self.need("index")?;
                let s = self.primary()?.text();
                self.need("index")?;
                let chars = self.primary()?.text();
                let pos = s
                    .chars()
                    .position(|c| chars.contains(c))
                    .map_or(0, |p| p + 1);
                Ok(Val::Int(pos as i128))
            }
            "substr" => {
                self.need("substr")?;
                let s = self.primary()?.text();
                self.need("substr")?;
                let p = self.primary()?;
                self.need("substr")?;
                let n = self.primary()?;
                let (Some(p), Some(n)) = (p.int(), n.int()) else {
                    return Ok(Val::Str(String::new()));
                };
                let len = s.chars().count() as i128;
                if p < 1 || n < 1 || p > len {
                    return Ok(Val::Str(String::new()));
                }
                let start = usize::try_from(p - 1).unwrap_or(0);
                let count = usize::try_from(n).unwrap_or(usize::MAX);
                Ok(Val::Str(s.chars().skip(start).take(count).collect()))
            }
            _ => Ok(Val::Str(t)),
        }
    }
}

fn do_match(s: &str, pat: &str) -> Result<Val, Fail> {
    let re = format!("^(?s:{})", bre_to_regex(pat));
    let re =
        regex::Regex::new(&re).map_err(|_| Fail("Invalid regular expression".to_owned(), 2))?;
    match re.captures(s) {
        Some(c) => {
            if re.captures_len() > 1 {
                Ok(Val::Str(c.get(1).map_or("", |m| m.as_str()).to_owned()))
            } else {
                Ok(Val::Int(
                    c.get(0).map_or(0, |m| m.as_str().chars().count()) as i128
                ))
            }
        }
        None => {
            if re.captures_len() > 1 {
                Ok(Val::Str(String::new()))
            } else {
                Ok(Val::Int(0))
            }
        }
    }
}

/// `expr`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut args: &[String] = &ctx.argv[1..];
        if args.first().is_some_and(|a| a == "--") {
            args = &args[1..];
        } else if let Some(a) = args.first() {
            if a.starts_with("--") && a.len() > 2 && a != "--help" && a != "--version" {
                ctx.complain(format!(
                    "unrecognized option '{a}'\nTry 'expr --help' for more information."
                ))
                .await;
                return 2;
            }
        }
        if args.is_empty() {
            ctx.complain("missing operand\nTry 'expr --help' for more information.")
                .await;
            return 2;
        }
        let mut p = Parser { toks: args, pos: 0 };
        let r = p.or().and_then(|v| {
            if p.pos < args.len() {
                Err(syntax(format!("unexpected argument '{}'", args[p.pos])))
            } else {
                Ok(v)
            }
        });
        match r {
            Ok(v) => {
                let null = v.null();
                if ctx.out(format!("{}\n", v.text())).await.is_err() {
                    return 3;
                }
                i32::from(null)
            }
            Err(Fail(m, code)) => {
                ctx.complain(m).await;
                code
            }
        }
    })
}
