//! `grep [OPTION]... PATTERNS [FILE]...`: print lines that match patterns (GNU grep 3.x).
//!
//! Also home of the POSIX BRE/ERE to Rust `regex` translation that `sed` and `awk` share.

use regex::bytes::{Regex, RegexBuilder};

use super::util::{self, LongOpt, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["grep"];

const INCLUDE: char = '\u{e001}';
const EXCLUDE: char = '\u{e002}';
const COLOR: char = '\u{e003}';
const EXCLUDE_DIR: char = '\u{e004}';
const NULL_DATA: char = 'z';

const LONG: &[LongOpt] = &[
    ("extended-regexp", false, 'E'),
    ("fixed-strings", false, 'F'),
    ("basic-regexp", false, 'G'),
    ("regexp", true, 'e'),
    ("file", true, 'f'),
    ("ignore-case", false, 'i'),
    ("no-ignore-case", false, '\u{e005}'),
    ("word-regexp", false, 'w'),
    ("line-regexp", false, 'x'),
    ("invert-match", false, 'v'),
    ("count", false, 'c'),
    ("files-with-matches", false, 'l'),
    ("files-without-match", false, 'L'),
    ("only-matching", false, 'o'),
    ("quiet", false, 'q'),
    ("silent", false, 'q'),
    ("no-messages", false, 's'),
    ("line-number", false, 'n'),
    ("with-filename", false, 'H'),
    ("no-filename", false, 'h'),
    ("recursive", false, 'r'),
    ("dereference-recursive", false, 'R'),
    ("after-context", true, 'A'),
    ("before-context", true, 'B'),
    ("context", true, 'C'),
    ("max-count", true, 'm'),
    ("include", true, INCLUDE),
    ("exclude", true, EXCLUDE),
    ("exclude-dir", true, EXCLUDE_DIR),
    ("color", true, COLOR),
    ("colour", true, COLOR),
    ("text", false, 'a'),
    ("byte-offset", false, 'b'),
    ("null-data", false, NULL_DATA),
    ("perl-regexp", false, 'P'),
    ("line-buffered", false, '\u{e006}'),
    ("binary", false, 'U'),
    ("null", false, 'Z'),
    ("version", false, 'V'),
    ("help", false, '\u{e007}'),
];

const SPEC: OptSpec = OptSpec {
    flags: "EFGPiywxvclLoqsnHhrRabzIUZV",
    with_arg: "efABCm",
    long: LONG,
};

/// Which regular expression syntax a pattern is written in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Syntax {
    /// POSIX basic (with GNU extensions `\+ \? \|`).
    Basic,
    /// POSIX extended.
    Extended,
}

/// Translate a POSIX regular expression into Rust `regex` syntax. The error is GNU's message.
pub fn translate(pat: &str, syntax: Syntax) -> Result<String, String> {
    let ere = syntax == Syntax::Extended;
    let c: Vec<char> = pat.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut depth = 0usize;
    // Whether the previous token can be repeated (false at the start of an expression).
    let mut can_repeat = false;
    while i < c.len() {
        let ch = c[i];
        match ch {
            '\\' => {
                i += 1;
                let Some(&n) = c.get(i) else {
                    return Err("Trailing backslash".to_owned());
                };
                match n {
                    '(' if !ere => {
                        out.push('(');
                        depth += 1;
                        can_repeat = false;
                    }
                    ')' if !ere => {
                        if depth == 0 {
                            return Err("Unmatched ) or \\)".to_owned());
                        }
                        depth -= 1;
                        out.push(')');
                        can_repeat = true;
                    }
                    '|' if !ere => {
                        out.push('|');
                        can_repeat = false;
                    }
                    '{' if !ere => {
                        if !can_repeat {
                            out.push_str("\\{");
                            can_repeat = true;
                        } else {
                            let (s, ni) = interval(&c, i + 1, true)?;
                            out.push_str(&s);
                            i = ni;
                            continue;
                        }
                    }
                    '+' | '?' if !ere => {
                        if can_repeat {
                            out.push(n);
                        } else {
                            out.push('\\');
                            out.push(n);
                            can_repeat = true;
                        }
                    }
                    'w' | 'W' | 's' | 'S' => {
                        out.push('\\');
                        out.push(n);
                        can_repeat = true;
                    }
                    'b' | 'B' => {
                        out.push('\\');
                        out.push(n);
                        can_repeat = false;
                    }
                    '<' => {
                        out.push_str("\\b{start}");
                        can_repeat = false;
                    }
                    '>' => {
                        out.push_str("\\b{end}");
                        can_repeat = false;
                    }
                    '`' => out.push_str("\\A"),
                    '\'' => out.push_str("\\z"),
                    'n' => {
                        out.push_str("\\n");
                        can_repeat = true;
                    }
                    't' => {
                        out.push_str("\\t");
                        can_repeat = true;
                    }
                    '1'..='9' => {
                        return Err("Back-references are not supported".to_owned());
                    }
                    _ => {
                        push_lit(&mut out, n);
                        can_repeat = true;
                    }
                }
                i += 1;
            }
            '[' => {
                let (s, ni) = bracket(&c, i)?;
                out.push_str(&s);
                i = ni;
                can_repeat = true;
            }
            '.' => {
                out.push('.');
                i += 1;
                can_repeat = true;
            }
            '*' => {
                if can_repeat {
                    out.push('*');
                    // Collapse repeated stars ("a**").
                    while c.get(i + 1) == Some(&'*') {
                        i += 1;
                    }
                } else {
                    out.push_str("\\*");
                    can_repeat = true;
                }
                i += 1;
            }
            '^' => {
                let at_start = if ere {
                    true
                } else {
                    out.is_empty() || out.ends_with('(') || out.ends_with('|')
                };
                if at_start {
                    out.push('^');
                    can_repeat = ere;
                } else {
                    out.push_str("\\^");
                    can_repeat = true;
                }
                i += 1;
            }
            '$' => {
                let at_end = if ere {
                    true
                } else {
                    i + 1 == c.len()
                        || c[i + 1..].starts_with(&['\\', ')'])
                        || c[i + 1..].starts_with(&['\\', '|'])
                };
                if at_end {
                    out.push('$');
                    can_repeat = ere;
                } else {
                    out.push_str("\\$");
                    can_repeat = true;
                }
                i += 1;
            }
            '(' if ere => {
                depth += 1;
                out.push('(');
                can_repeat = false;
                i += 1;
            }
            ')' if ere => {
                if depth == 0 {
                    out.push_str("\\)");
                    can_repeat = true;
                } else {
                    depth -= 1;
                    if out.ends_with('(') {
                        out.push_str("(?:)");
                    }
                    out.push(')');
                    can_repeat = true;
                }
                i += 1;
            }
            '|' if ere => {
                out.push('|');
                can_repeat = false;
                i += 1;
            }
            '+' | '?' if ere => {
                if can_repeat {
                    out.push(ch);
                    while matches!(c.get(i + 1), Some('+' | '?' | '*')) {
                        i += 1;
                    }
                } else {
                    push_lit(&mut out, ch);
                    can_repeat = true;
                }
                i += 1;
            }
            '{' if ere => {
                if can_repeat && valid_interval(&c, i + 1) {
                    let (s, ni) = interval(&c, i + 1, false)?;
                    out.push_str(&s);
                    i = ni;
                } else {
                    out.push_str("\\{");
                    can_repeat = true;
                    i += 1;
                }
            }
            _ => {
                push_lit(&mut out, ch);
                can_repeat = true;
                i += 1;
            }
        }
    }
    if depth > 0 {
        return Err("Unmatched ( or \\(".to_owned());
    }
    Ok(out)
}

fn valid_interval(c: &[char], mut i: usize) -> bool {
    let start = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    let had_min = i > start;
    if c.get(i) == Some(&',') {
        i += 1;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
    } else if !had_min {
        return false;
    }
    c.get(i) == Some(&'}')
}

/// An interval `{m,n}` starting after the brace at `i`; returns the Rust text and the index
/// after the closing brace.
fn interval(c: &[char], mut i: usize, basic: bool) -> Result<(String, usize), String> {
    let mut s = String::from("{");
    let mut min = String::new();
    while i < c.len() && c[i].is_ascii_digit() {
        min.push(c[i]);
        i += 1;
    }
    let mut max: Option<String> = None;
    if c.get(i) == Some(&',') {
        i += 1;
        let mut m = String::new();
        while i < c.len() && c[i].is_ascii_digit() {
            m.push(c[i]);
            i += 1;
        }
        max = Some(m);
    }
    let close = if basic {
        c.get(i) == Some(&'\\') && c.get(i + 1) == Some(&'}')
    } else {
        c.get(i) == Some(&'}')
    };
    if !close {
        return Err(if basic {
            "Unmatched \\{".to_owned()
        } else {
            "Invalid preceding regular expression".to_owned()
        });
    }
    i += if basic { 2 } else { 1 };
    let lo: u32 = if min.is_empty() {
        0
    } else {
        min.parse()
            .map_err(|_| "Regular expression too big".to_owned())?
    };
    if lo > 32767 {
        return Err("Regular expression too big".to_owned());
    }
    s.push_str(&lo.to_string());
    if let Some(m) = max {
        s.push(',');
        if !m.is_empty() {
            let hi: u32 = m
                .parse()
                .map_err(|_| "Regular expression too big".to_owned())?;
            if hi > 32767 {
                return Err("Regular expression too big".to_owned());
            }
            if hi < lo {
                return Err("Invalid content of \\{\\}".to_owned());
            }
            s.push_str(&hi.to_string());
        }
    }
    s.push('}');
    Ok((s, i))
}

fn push_lit(out: &mut String, ch: char) {
    if !ch.is_ascii() {
        // C locale: a multibyte character is its bytes.
        let mut b = [0u8; 4];
        for x in ch.encode_utf8(&mut b).bytes() {
            out.push_str(&format!("\\x{x:02X}"));
        }
        return;
    }
    if "\\.+*?()|[]{}^$#&-~ ".contains(ch) && ch != ' ' {
        out.push('\\');
    }
    out.push(ch);
}

/// A bracket expression starting at `c[i] == '['`.
fn bracket(c: &[char], mut i: usize) -> Result<(String, usize), String> {
    const ERR: &str = "Unmatched [, [^, [:, [., or [=";
    let mut s = String::from("[");
    i += 1;
    if c.get(i) == Some(&'^') {
        s.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&ch) = c.get(i) else {
            return Err(ERR.to_owned());
        };
        if ch == ']' && !first {
            i += 1;
            s.push(']');
            break;
        }
        first = false;
        if ch == '[' && matches!(c.get(i + 1), Some(':' | '.' | '=')) {
            let kind = c[i + 1];
            let mut j = i + 2;
            let mut name = String::new();
            while j + 1 < c.len() && !(c[j] == kind && c[j + 1] == ']') {
                name.push(c[j]);
                j += 1;
            }
            if j + 1 >= c.len() {
                return Err(ERR.to_owned());
            }
            match kind {
                ':' => {
                    const CLASSES: &[&str] = &[
                        "alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct",
                        "print", "graph", "cntrl", "xdigit",
                    ];
                    if !CLASSES.contains(&name.as_str()) {
                        return Err("Invalid character class name".to_owned());
                    }
                    s.push_str(&format!("[:{name}:]"));
                }
                _ => {
                    for n in name.chars() {
                        push_class_lit(&mut s, n);
                    }
                }
            }
            i = j + 2;
            continue;
        }
        push_class_lit(&mut s, ch);
        i += 1;
    }
    Ok((s, i))
}

fn push_class_lit(s: &mut String, ch: char) {
    if !ch.is_ascii() {
        let mut b = [0u8; 4];
        for x in ch.encode_utf8(&mut b).bytes() {
            s.push_str(&format!("\\x{x:02X}"));
        }
        return;
    }
    if "\\[]&~^".contains(ch) {
        s.push('\\');
    }
    s.push(ch);
}

/// Compile a POSIX pattern (C locale: bytes, ASCII classes).
#[cfg(test)]
pub fn compile(pat: &str, syntax: Syntax, icase: bool) -> Result<Regex, String> {
    let t = translate(pat, syntax)?;
    build(&t, icase)
}

/// Compile an already translated pattern.
pub fn build(t: &str, icase: bool) -> Result<Regex, String> {
    // The case flag goes into the pattern text, so `find_longest` can rebuild alternatives.
    let src = if icase {
        format!("(?i){t}")
    } else {
        t.to_owned()
    };
    RegexBuilder::new(&src)
        .unicode(false)
        .size_limit(1 << 24)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "Regular expression too big".to_owned(),
            _ => "Invalid regular expression".to_owned(),
        })
}

type AltCache = std::collections::HashMap<String, std::sync::Arc<Vec<Regex>>>;

static ALTERNATIVES: std::sync::LazyLock<std::sync::Mutex<AltCache>> =
    std::sync::LazyLock::new(Default::default);

/// The top-level alternatives of a (translated) pattern, `(?:...)` wrappers flattened.
fn split_top(t: &str) -> Vec<String> {
    let c: Vec<char> = t.chars().collect();
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut class = 0i32;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\\' {
            cur.push(ch);
            if let Some(&n) = c.get(i + 1) {
                cur.push(n);
            }
            i += 2;
            continue;
        }
        if class > 0 {
            if ch == '[' {
                class += 1;
            } else if ch == ']' {
                class -= 1;
            }
        } else if ch == '[' {
            class = 1;
            cur.push(ch);
            // A `]` right after `[` or `[^` is a member.
            if c.get(i + 1) == Some(&'^') {
                cur.push('^');
                i += 1;
            }
            i += 1;
            continue;
        } else if ch == '(' {
            depth += 1;
        } else if ch == ')' {
            depth -= 1;
        } else if ch == '|' && depth == 0 {
            parts.push(std::mem::take(&mut cur));
            i += 1;
            continue;
        }
        cur.push(ch);
        i += 1;
    }
    parts.push(cur);
    let mut out = Vec::new();
    for p in parts {
        if p.starts_with("(?:")
            && p.ends_with(')')
            && p.len() > 4
            && split_top(&p[3..p.len() - 1]).len() > 1
        {
            let inner = &p[3..p.len() - 1];
            // Only when the wrapper spans the whole alternative.
            let mut d = 0i32;
            let mut whole = true;
            let bytes: Vec<char> = p.chars().collect();
            let mut k = 0;
            while k < bytes.len() {
                match bytes[k] {
                    '\\' => k += 1,
                    '(' => d += 1,
                    ')' => {
                        d -= 1;
                        if d == 0 && k + 1 < bytes.len() {
                            whole = false;
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            if whole && !inner.contains('[') {
                out.extend(split_top(inner));
                continue;
            }
        }
        out.push(p);
    }
    out
}

fn alternatives(src: &str) -> std::sync::Arc<Vec<Regex>> {
    if let Some(v) = ALTERNATIVES.lock().ok().and_then(|m| m.get(src).cloned()) {
        return v;
    }
    let mut flags = String::new();
    let mut body = src;
    while let Some(rest) = body
        .strip_prefix("(?i)")
        .or_else(|| body.strip_prefix("(?s)"))
    {
        flags.push_str(&body[..4]);
        body = rest;
    }
    let parts = if body.contains('|') {
        split_top(body)
    } else {
        Vec::new()
    };
    let v: Vec<Regex> = if parts.len() > 1 {
        parts
            .iter()
            .filter_map(|p| {
                RegexBuilder::new(&format!("{flags}{p}"))
                    .unicode(false)
                    .size_limit(1 << 24)
                    .build()
                    .ok()
            })
            .collect()
    } else {
        Vec::new()
    };
    let v = std::sync::Arc::new(v);
    if let Ok(mut m) = ALTERNATIVES.lock() {
        if m.len() > 256 {
            m.clear();
        }
        m.insert(src.to_owned(), v.clone());
    }
    v
}

/// The leftmost match at or after `pos`, widened to the longest alternative that matches at
/// the same start (POSIX leftmost-longest for alternations such as `a|ab`).
pub fn find_longest(re: &Regex, hay: &[u8], pos: usize) -> Option<(usize, usize)> {
    let m = re.find_at(hay, pos)?;
    let (s, mut e) = (m.start(), m.end());
    for a in alternatives(re.as_str()).iter() {
        if let Some(m2) = a.find_at(hay, s) {
            if m2.start() == s && m2.end() > e {
                e = m2.end();
            }
        }
    }
    Some((s, e))
}

struct Opts {
    invert: bool,
    count: bool,
    list: bool,
    list_non: bool,
    only: bool,
    quiet: bool,
    silent: bool,
    number: bool,
    with_name: bool,
    byte_offset: bool,
    after: usize,
    before: usize,
    max: Option<u64>,
    word: bool,
    text: bool,
    skip_binary: bool,
    null_after_name: bool,
    zero: bool,
}

struct Matcher {
    re: Regex,
    word: bool,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Matcher {
    /// Matches of the line: (start, end), non-overlapping, leftmost.
    fn find_at(&self, line: &[u8], mut pos: usize) -> Option<(usize, usize)> {
        while pos <= line.len() {
            let (s, e) = find_longest(&self.re, line, pos)?;
            if !self.word {
                return Some((s, e));
            }
            let ok_l = s == 0 || !is_word(line[s - 1]);
            let ok_r = e == line.len() || !is_word(line[e]);
            if ok_l && ok_r && e > s {
                return Some((s, e));
            }
            // Try shorter matches from the same start.
            if ok_l {
                let mut end = e;
                while end > s {
                    end -= 1;
                    if end > s && (end == line.len() || !is_word(line[end])) {
                        if let Some(m2) = self.re.find_at(&line[..end], s) {
                            if m2.start() == s && m2.end() == end {
                                return Some((s, end));
                            }
                        }
                    }
                }
            }
            pos = s + 1;
        }
        None
    }

    fn is_match(&self, line: &[u8]) -> bool {
        if self.word {
            self.find_at(line, 0).is_some()
        } else {
            self.re.is_match(line)
        }
    }
}

/// `grep`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move { run(&ctx).await })
}

async fn usage_err(ctx: &Ctx, msg: &str) -> i32 {
    let msg = msg.replace(
        "Try 'grep --help'",
        "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help'",
    );
    ctx.complain(msg).await;
    2
}

fn parse_num(ctx_name: &str, v: &str, what: &str) -> Result<usize, String> {
    let _ = ctx_name;
    v.trim()
        .parse::<usize>()
        .map_err(|_| format!("{v}: invalid {what} length argument"))
}

async fn run(ctx: &Ctx) -> i32 {
    // GNU grep accepts -NUM as context.
    let mut args: Vec<String> = Vec::new();
    let mut num_ctx: Option<usize> = None;
    let mut seen_dd = false;
    for a in ctx.argv.iter().skip(1) {
        if !seen_dd
            && a.len() > 1
            && a.starts_with('-')
            && a[1..].chars().all(|c| c.is_ascii_digit())
        {
            num_ctx = a[1..].parse().ok();
            continue;
        }
        if a == "--" {
            seen_dd = true;
        }
        args.push(a.clone());
    }
    let p = match util::parse("grep", &args, &SPEC, false) {
        Ok(p) => p,
        Err(e) => return usage_err(ctx, &e).await,
    };
    let mut syntax = Syntax::Basic;
    let mut fixed = false;
    let mut perl = false;
    let mut patterns: Vec<String> = Vec::new();
    let mut have_pat = false;
    let mut o = Opts {
        invert: false,
        count: false,
        list: false,
        list_non: false,
        only: false,
        quiet: false,
        silent: false,
        number: false,
        with_name: false,
        byte_offset: false,
        after: num_ctx.unwrap_or(0),
        before: num_ctx.unwrap_or(0),
        max: None,
        word: false,
        text: false,
        skip_binary: false,
        null_after_name: false,
        zero: false,
    };
    let mut icase = false;
    let mut line_x = false;
    let mut recursive = false;
    let mut name_flag: Option<bool> = None;
    let mut includes: Vec<String> = Vec::new();
    let mut excludes: Vec<String> = Vec::new();
    let mut exclude_dirs: Vec<String> = Vec::new();
    for (c, v) in &p.opts {
        let v = v.clone().unwrap_or_default();
        match *c {
            'E' => {
                syntax = Syntax::Extended;
                fixed = false;
            }
            'F' => fixed = true,
            'P' => {
                perl = true;
                fixed = false;
            }
            'I' => o.skip_binary = true,
            'Z' => o.null_after_name = true,
            'G' => {
                syntax = Syntax::Basic;
                fixed = false;
            }
            'e' => {
                have_pat = true;
                patterns.extend(v.split('\n').map(str::to_owned));
            }
            'f' => {
                have_pat = true;
                match util::read_all(ctx, &v).await {
                    Ok(data) => {
                        let s = String::from_utf8_lossy(&data).into_owned();
                        let s = s.strip_suffix('\n').unwrap_or(&s);
                        if !data.is_empty() {
                            patterns.extend(s.split('\n').map(str::to_owned));
                        }
                    }
                    Err(e) => {
                        ctx.complain(e).await;
                        return 2;
                    }
                }
            }
            'i' | 'y' => icase = true,
            '\u{e005}' => icase = false,
            'w' => o.word = true,
            'x' => line_x = true,
            'v' => o.invert = true,
            'c' => o.count = true,
            'l' => o.list = true,
            'L' => o.list_non = true,
            'o' => o.only = true,
            'q' => o.quiet = true,
            's' => o.silent = true,
            'n' => o.number = true,
            'b' => o.byte_offset = true,
            'H' => name_flag = Some(true),
            'h' => name_flag = Some(false),
            'r' | 'R' => recursive = true,
            'a' => o.text = true,
            'z' => o.zero = true,
            'A' | 'B' | 'C' => {
                let n = match parse_num("grep", &v, "context") {
                    Ok(n) => n,
                    Err(e) => {
                        ctx.complain(e).await;
                        return 2;
                    }
                };
                if *c != 'B' {
                    o.after = n;
                }
                if *c != 'A' {
                    o.before = n;
                }
            }
            'm' => match v.trim().parse::<i64>() {
                Ok(n) => o.max = if n < 0 { None } else { Some(n as u64) },
                Err(_) => {
                    ctx.complain("invalid max count").await;
                    return 2;
                }
            },
            'V' => {
                let _ = ctx.out("grep (GNU grep) 3.8\n").await;
                return 0;
            }
            '\u{e007}' => {
                let _ = ctx
                    .out("Usage: grep [OPTION]... PATTERNS [FILE]...\nSearch for PATTERNS in each FILE.\n")
                    .await;
                return 0;
            }
            INCLUDE => includes.push(v),
            EXCLUDE => excludes.push(v),
            EXCLUDE_DIR => exclude_dirs.push(v),
            COLOR
                if !matches!(
                    v.as_str(),
                    "never"
                        | "always"
                        | "auto"
                        | "no"
                        | "none"
                        | "yes"
                        | "force"
                        | "tty"
                        | "if-tty"
                ) =>
            {
                ctx.complain(format!("invalid argument '{v}' for '--color'\nValid arguments are:\n  - 'always', 'yes', 'force'\n  - 'never', 'no', 'none'\n  - 'auto', 'tty', 'if-tty'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.")).await;
                return 2;
            }
            _ => {}
        }
    }
    let mut operands = p.operands.clone();
    if !have_pat {
        if operands.is_empty() {
            ctx.err("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n").await;
            return 2;
        }
        let pat = operands.remove(0);
        patterns.extend(pat.split('\n').map(str::to_owned));
    }
    // Build one regex.
    let mut alts: Vec<String> = Vec::new();
    for pat in &patterns {
        let t = if fixed {
            regex::escape(pat)
        } else if perl {
            // Perl syntax is close to Rust's; check it compiles on its own.
            if let Err(e) = build(pat, icase) {
                ctx.complain(e).await;
                return 2;
            }
            pat.clone()
        } else {
            if syntax == Syntax::Extended && pat.starts_with('*') {
                // GNU accepts a leading star as a literal.
            }
            match translate(pat, syntax) {
                Ok(t) => t,
                Err(e) => {
                    ctx.complain(e).await;
                    return 2;
                }
            }
        };
        alts.push(if line_x {
            format!("^(?:{t})$")
        } else {
            format!("(?:{t})")
        });
    }
    let src = if alts.is_empty() {
        "[^\\x00-\\xff]".to_owned()
    } else {
        alts.join("|")
    };
    let re = match build(&src, icase) {
        Ok(r) => r,
        Err(e) => {
            ctx.complain(e).await;
            return 2;
        }
    };
    let m = Matcher {
        re,
        word: o.word && !line_x,
    };
    if operands.is_empty() {
        operands.push(if recursive {
            ".".to_owned()
        } else {
            "-".to_owned()
        });
        if recursive {
            // GNU omits the "./" prefix when searching the default directory.
            o.with_name = name_flag.unwrap_or(true);
            return search_tree(ctx, &m, &o, "", &includes, &excludes, &exclude_dirs).await;
        }
    }
    o.with_name = name_flag.unwrap_or(operands.len() > 1 || recursive);
    let mut any = false;
    let mut error = false;
    for f in &operands {
        let r = if recursive && f != "-" {
            let abs = ctx.abs(f);
            match ctx.kernel.vfs().stat(ctx.cred(), &abs, true).await {
                Ok(st) if st.file_type == FileType::Dir => {
                    let code =
                        search_tree(ctx, &m, &o, f, &includes, &excludes, &exclude_dirs).await;
                    match code {
                        0 => Ok(true),
                        1 => Ok(false),
                        _ => Err(()),
                    }
                }
                _ => search_file(ctx, &m, &o, f).await,
            }
        } else {
            search_file(ctx, &m, &o, f).await
        };
        match r {
            Ok(true) => {
                any = true;
                if o.quiet {
                    return 0;
                }
            }
            Ok(false) => {}
            Err(()) => error = true,
        }
        if ctx.proc.pending_fatal().is_some() {
            return 2;
        }
    }
    if error && !(o.quiet && any) {
        2
    } else if any {
        0
    } else {
        1
    }
}

fn glob_match(pat: &str, name: &str) -> bool {
    fn rec(p: &[char], n: &[char], budget: &mut u32) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|k| rec(&p[1..], &n[k..], budget)),
            Some('?') => !n.is_empty() && rec(&p[1..], &n[1..], budget),
            Some('[') => {
                let Some(close) = p.iter().skip(2).position(|&c| c == ']').map(|x| x + 2) else {
                    return !n.is_empty() && n[0] == '[' && rec(&p[1..], &n[1..], budget);
                };
                let Some(&c) = n.first() else { return false };
                let set = &p[1..close];
                let (neg, set) = match set.first() {
                    Some('!') | Some('^') => (true, &set[1..]),
                    _ => (false, set),
                };
                let mut hit = false;
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == '-' {
                        if set[k] <= c && c <= set[k + 2] {
                            hit = true;
                        }
                        k += 3;
                    } else {
                        if set[k] == c {
                            hit = true;
                        }
                        k += 1;
                    }
                }
                hit != neg && rec(&p[close + 1..], &n[1..], budget)
            }
            Some('\\') if p.len() > 1 => {
                !n.is_empty() && n[0] == p[1] && rec(&p[2..], &n[1..], budget)
            }
            Some(&c) => !n.is_empty() && n[0] == c && rec(&p[1..], &n[1..], budget),
        }
    }
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    if p.len() * n.len() > 1_000_000 {
        return false;
    }
    rec(&p, &n, &mut 200_000)
}

/// Search a directory tree; `base` is the operand as given ("" for the default `.`).
async fn search_tree(
    ctx: &Ctx,
    m: &Matcher,
    o: &Opts,
    base: &str,
    includes: &[String],
    excludes: &[String],
    exclude_dirs: &[String],
) -> i32 {
    let vfs = ctx.kernel.vfs();
    let mut any = false;
    let mut error = false;
    // Depth-first, in name order.
    let mut stack: Vec<String> = vec![base.to_owned()];
    while let Some(dir) = stack.pop() {
        let abs = ctx.abs(if dir.is_empty() { "." } else { &dir });
        let entries = match vfs.read_dir(ctx.cred(), &abs).await {
            Ok(e) => e,
            Err(e) => {
                if !o.silent {
                    let en = e
                        .errno_value()
                        .map(|e| e.strerror())
                        .unwrap_or("Input/output error");
                    ctx.complain(format!("{}: {en}", if dir.is_empty() { "." } else { &dir }))
                        .await;
                }
                error = true;
                continue;
            }
        };
        let mut names: Vec<_> = entries.into_iter().collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        let mut subdirs = Vec::new();
        for e in names {
            let rel = if dir.is_empty() {
                e.name.clone()
            } else if dir.ends_with('/') {
                format!("{dir}{}", e.name)
            } else {
                format!("{dir}/{}", e.name)
            };
            match e.stat.file_type {
                FileType::Dir => {
                    if !exclude_dirs.iter().any(|g| glob_match(g, &e.name)) {
                        subdirs.push(rel);
                    }
                }
                FileType::Symlink => {}
                _ => {
                    if !includes.is_empty() && !includes.iter().any(|g| glob_match(g, &e.name)) {
                        continue;
                    }
                    if excludes.iter().any(|g| glob_match(g, &e.name)) {
                        continue;
                    }
                    match search_file(ctx, m, o, &rel).await {
                        Ok(true) => {
                            any = true;
                            if o.quiet {
                                return 0;
                            }
                        }
                        Ok(false) => {}
                        Err(()) => error = true,
                    }
                    if ctx.proc.pending_fatal().is_some() {
                        return 2;
                    }
                }
            }
        }
        subdirs.reverse();
        stack.extend(subdirs);
    }
    if error && !(o.quiet && any) {
        2
    } else if any {
        0
    } else {
        1
    }
}

/// Read `f` (`-` is standard input), stopping early once the lines read decide the result
/// (`-q`, `-l`, `-L`, `-m`), so endless input works as with GNU grep.
async fn read_needed(
    ctx: &Ctx,
    m: &Matcher,
    o: &Opts,
    f: &str,
    sep: u8,
) -> Result<Vec<u8>, String> {
    let file = if f == "-" {
        ctx.fds
            .get(0)
            .cloned()
            .map_err(|e| format!("-: {}", e.strerror()))?
    } else {
        ctx.open(f, super::OpenMode::Read).await.map_err(|e| {
            format!(
                "{f}: {}",
                e.errno_value()
                    .map(|e| e.strerror())
                    .unwrap_or("Input/output error")
            )
        })?
    };
    let need: Option<u64> = if o.quiet || o.list || o.list_non {
        Some(1)
    } else {
        o.max
    };
    let mut data = Vec::new();
    let mut scanned = 0usize;
    let mut hits = 0u64;
    let mut after = 0usize;
    loop {
        let chunk = file
            .read(128 * 1024)
            .await
            .map_err(|e| format!("{f}: {}", e.strerror()))?;
        if chunk.is_empty() {
            return Ok(data);
        }
        data.extend_from_slice(&chunk);
        let Some(need) = need else { continue };
        while let Some(p) = data[scanned..].iter().position(|&b| b == sep) {
            let end = scanned + p;
            if hits >= need {
                if after == 0 || o.quiet || o.list || o.list_non {
                    data.truncate(scanned);
                    return Ok(data);
                }
                after -= 1;
            } else if m.is_match(&data[scanned..end]) != o.invert {
                hits += 1;
                if hits >= need {
                    after = o.after;
                }
            }
            scanned = end + 1;
        }
        if hits >= need && (after == 0 || o.quiet || o.list || o.list_non) {
            data.truncate(scanned);
            return Ok(data);
        }
    }
}

/// Search one file; Ok(whether a line was selected).
async fn search_file(ctx: &Ctx, m: &Matcher, o: &Opts, f: &str) -> Result<bool, ()> {
    let display = if f == "-" { "(standard input)" } else { f };
    if f != "-" {
        if let Ok(st) = ctx.kernel.vfs().stat(ctx.cred(), &ctx.abs(f), true).await {
            if st.file_type == FileType::Dir {
                if !o.silent {
                    ctx.complain(format!("{f}: Is a directory")).await;
                }
                return Err(());
            }
        }
    }
    let sep = if o.zero { 0u8 } else { b'\n' };
    let data = match read_needed(ctx, m, o, f, sep).await {
        Ok(d) => d,
        Err(e) => {
            if !o.silent {
                ctx.complain(e).await;
            }
            return Err(());
        }
    };
    let binary = !o.text && !o.zero && data.contains(&0);
    if binary && o.skip_binary {
        return Ok(false);
    }
    let mut out: Vec<u8> = Vec::new();
    let mut count: u64 = 0;
    let mut lines: Vec<&[u8]> = data.split(|&b| b == sep).collect();
    if data.last() == Some(&sep) || data.is_empty() {
        lines.pop();
    }
    let mut offsets = Vec::with_capacity(lines.len());
    let mut off = 0usize;
    for l in &lines {
        offsets.push(off);
        off += l.len() + 1;
    }
    let ctx_mode = !o.count && !o.list && !o.list_non && !o.quiet && (o.after > 0 || o.before > 0);
    let mut last_printed: Option<usize> = None;
    let mut after_left = 0usize;
    let mut printed_any = false;
    let prefix = |out: &mut Vec<u8>, idx: usize, sepc: u8, boff: usize| {
        if o.with_name {
            out.extend_from_slice(display.as_bytes());
            out.push(if o.null_after_name { 0 } else { sepc });
        }
        if o.number {
            out.extend_from_slice((idx + 1).to_string().as_bytes());
            out.push(sepc);
        }
        if o.byte_offset {
            out.extend_from_slice(boff.to_string().as_bytes());
            out.push(sepc);
        }
    };
    for (idx, line) in lines.iter().enumerate() {
        if o.max.is_some_and(|mx| count >= mx) {
            // Trailing context after the last match still prints.
            if ctx_mode && after_left > 0 {
                prefix(&mut out, idx, b'-', offsets[idx]);
                out.extend_from_slice(line);
                out.push(sep);
                last_printed = Some(idx);
                after_left -= 1;
                continue;
            }
            break;
        }
        let hit = m.is_match(line) != o.invert;
        if !hit {
            if ctx_mode && after_left > 0 {
                prefix(&mut out, idx, b'-', offsets[idx]);
                out.extend_from_slice(line);
                out.push(sep);
                last_printed = Some(idx);
                after_left -= 1;
            }
            continue;
        }
        count += 1;
        if o.quiet || o.list || o.list_non {
            break;
        }
        if o.count {
            continue;
        }
        if binary {
            break;
        }
        if ctx_mode {
            let start = idx.saturating_sub(o.before);
            let from = match last_printed {
                Some(lp) if lp + 1 >= start => lp + 1,
                Some(_) => {
                    out.extend_from_slice(b"--\n");
                    start
                }
                None => {
                    if printed_any {
                        out.extend_from_slice(b"--\n");
                    }
                    start
                }
            };
            for (k, l) in lines.iter().enumerate().take(idx).skip(from) {
                prefix(&mut out, k, b'-', offsets[k]);
                out.extend_from_slice(l);
                out.push(sep);
            }
            after_left = o.after;
            last_printed = Some(idx);
            printed_any = true;
        }
        if o.only {
            if o.invert {
                continue;
            }
            let mut pos = 0;
            while pos <= line.len() {
                let Some((s, e)) = m.find_at(line, pos) else {
                    break;
                };
                if e > s {
                    prefix(&mut out, idx, b':', offsets[idx] + s);
                    out.extend_from_slice(&line[s..e]);
                    out.push(sep);
                    pos = e;
                } else {
                    pos = e + 1;
                }
            }
        } else {
            prefix(&mut out, idx, b':', offsets[idx]);
            out.extend_from_slice(line);
            out.push(sep);
        }
        if out.len() > 64 * 1024 {
            let chunk = std::mem::take(&mut out);
            if ctx.out(chunk).await.is_err() {
                return Err(());
            }
        }
    }
    if o.quiet {
        return Ok(count > 0);
    }
    if o.count {
        if o.with_name {
            out.extend_from_slice(display.as_bytes());
            out.push(b':');
        }
        out.extend_from_slice(count.to_string().as_bytes());
        out.push(b'\n');
    }
    let name_end = if o.null_after_name { 0 } else { b'\n' };
    if o.list && count > 0 {
        out.extend_from_slice(display.as_bytes());
        out.push(name_end);
    }
    if o.list_non && count == 0 {
        out.extend_from_slice(display.as_bytes());
        out.push(name_end);
    }
    if !out.is_empty() && ctx.out(out).await.is_err() {
        return Err(());
    }
    if binary && count > 0 && !o.count && !o.list && !o.list_non {
        ctx.err(format!("grep: {display}: binary file matches\n"))
            .await;
    }
    Ok(count > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn translates_bre_and_ere() {
        assert_eq!(translate("a\\(b\\)*", Syntax::Basic).unwrap(), "a(b)*");
        assert_eq!(translate("a+(b)", Syntax::Basic).unwrap(), "a\\+\\(b\\)");
        assert_eq!(translate("*a", Syntax::Basic).unwrap(), "\\*a");
        assert_eq!(translate("a{2}", Syntax::Extended).unwrap(), "a{2}");
        assert_eq!(translate("a{", Syntax::Extended).unwrap(), "a\\{");
        assert!(translate("[a", Syntax::Basic).is_err());
        assert!(compile("[[:digit:]]x", Syntax::Basic, false)
            .unwrap()
            .is_match(b"1x"));
        assert!(glob_match("*.txt", "a.txt"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn never_panics(args in proptest::collection::vec("[-a-zA-Z0-9.*+?()\\[\\]{}|^$\\\\]{0,6}", 0..4), input in "[a-z\\n()\\[\\]*.]{0,40}") {
            let _ = translate(&args.join(""), Syntax::Basic).and_then(|t| build(&t, false));
            let _ = translate(&args.join(""), Syntax::Extended).and_then(|t| build(&t, true));
            let script = format!("grep {} <<'EOF'\n{input}\nEOF", args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" "));
            let rt = crate::sidecar::runtime_builder().build().unwrap();
            let _ = rt.block_on(crate::shell::fixtures::run_bash(&script, None));
        }
    }
}
