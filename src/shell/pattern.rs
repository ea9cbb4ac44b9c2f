//! Shell patterns (`*`, `?`, `[...]`, backslash quoting) for `case`, `[[ == ]]`, `${x%pat}` and
//! pathname expansion. Quoted text reaches here with each character backslash-escaped.

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class { negate: bool, items: Vec<ClassItem> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ClassItem {
    Char(char),
    Range(char, char),
    Named(String),
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    toks: Vec<Tok>,
}

/// Whether `s` has an unescaped `*`, `?` or `[`.
pub fn has_glob(s: &str) -> bool {
    let mut esc = false;
    for c in s.chars() {
        if esc {
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

/// Escape every pattern character of `s` so it matches literally.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Remove the backslash escapes of a pattern (what it means as plain text).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
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
    if esc {
        out.push('\\');
    }
    out
}

fn class_matches(name: &str, c: char) -> bool {
    match name {
        "alpha" => c.is_alphabetic(),
        "digit" => c.is_ascii_digit(),
        "alnum" => c.is_alphanumeric(),
        "upper" => c.is_uppercase(),
        "lower" => c.is_lowercase(),
        "space" => c.is_whitespace(),
        "blank" => c == ' ' || c == '\t',
        "punct" => c.is_ascii_punctuation(),
        "xdigit" => c.is_ascii_hexdigit(),
        "cntrl" => c.is_control(),
        "print" => !c.is_control(),
        "graph" => !c.is_control() && !c.is_whitespace(),
        "word" => c.is_alphanumeric() || c == '_',
        _ => false,
    }
}

impl Pattern {
    /// Compile `s`.
    pub fn new(s: &str) -> Pattern {
        let chars: Vec<char> = s.chars().collect();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\\' if i + 1 < chars.len() => {
                    toks.push(Tok::Char(chars[i + 1]));
                    i += 2;
                }
                '*' => {
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                    i += 1;
                }
                '?' => {
                    toks.push(Tok::Any);
                    i += 1;
                }
                '[' => match Self::class(&chars, i) {
                    Some((tok, next)) => {
                        toks.push(tok);
                        i = next;
                    }
                    None => {
                        toks.push(Tok::Char('['));
                        i += 1;
                    }
                },
                _ => {
                    toks.push(Tok::Char(c));
                    i += 1;
                }
            }
        }
        Pattern { toks }
    }

    fn class(chars: &[char], start: usize) -> Option<(Tok, usize)> {
        let mut i = start + 1;
        let negate = matches!(chars.get(i), Some('!' | '^'));
        if negate {
            i += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = *chars.get(i)?;
            if c == ']' && !first {
                return Some((Tok::Class { negate, items }, i + 1));
            }
            first = false;
            if c == '[' && chars.get(i + 1) == Some(&':') {
                let rest: String = chars[i + 2..].iter().collect();
                if let Some(end) = rest.find(":]") {
                    items.push(ClassItem::Named(rest[..end].to_owned()));
                    i += 2 + end + 2;
                    continue;
                }
            }
            let c = if c == '\\' {
                i += 1;
                *chars.get(i)?
            } else {
                c
            };
            if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&e| e != ']') {
                let mut end = chars[i + 2];
                let mut skip = 3;
                if end == '\\' {
                    end = *chars.get(i + 3)?;
                    skip = 4;
                }
                items.push(ClassItem::Range(c, end));
                i += skip;
            } else {
                items.push(ClassItem::Char(c));
                i += 1;
            }
        }
    }

    /// Whether the pattern contains no wildcard at all.
    pub fn is_literal(&self) -> bool {
        self.toks.iter().all(|t| matches!(t, Tok::Char(_)))
    }

    /// Whether the whole of `s` matches. With `path`, `*`, `?` and classes do not match `/`,
    /// and a leading `.` must be matched literally.
    pub fn matches(&self, s: &str, path: bool) -> bool {
        let chars: Vec<char> = s.chars().collect();
        if path && chars.first() == Some(&'.') && self.toks.first() != Some(&Tok::Char('.')) {
            return false;
        }
        Self::m(&self.toks, &chars, path)
    }

    fn one(tok: &Tok, c: char, path: bool) -> bool {
        if path && c == '/' {
            return matches!(tok, Tok::Char('/'));
        }
        match tok {
            Tok::Char(x) => *x == c,
            Tok::Any => true,
            Tok::Star => true,
            Tok::Class { negate, items } => {
                let hit = items.iter().any(|it| match it {
                    ClassItem::Char(x) => *x == c,
                    ClassItem::Range(a, b) => *a <= c && c <= *b,
                    ClassItem::Named(n) => class_matches(n, c),
                });
                hit != *negate
            }
        }
    }

    fn m(toks: &[Tok], s: &[char], path: bool) -> bool {
        // Iterative matching with single-star backtracking (linear in practice).
        let (mut t, mut i) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while i < s.len() {
            if t < toks.len() && toks[t] == Tok::Star {
                star = Some((t, i));
                t += 1;
                continue;
            }
            if t < toks.len() && Self::one(&toks[t], s[i], path) {
                t += 1;
                i += 1;
                continue;
            }
            match star {
                Some((st, si)) if !(path && s[si] == '/') => {
                    star = Some((st, si + 1));
                    t = st + 1;
                    i = si + 1;
                }
                _ => return false,
            }
        }
        toks[t..].iter().all(|x| *x == Tok::Star)
    }

    /// Byte ranges for prefix/suffix removal: the matching prefix lengths of `s`, shortest first.
    pub fn prefix_lengths(&self, s: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let idx: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        for &end in &idx {
            if self.matches(&s[..end], false) {
                out.push(end);
            }
        }
        out
    }

    /// The matching suffix start offsets of `s`, shortest suffix first.
    pub fn suffix_starts(&self, s: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let idx: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        for &start in idx.iter().rev() {
            if self.matches(&s[start..], false) {
                out.push(start);
            }
        }
        out
    }

    /// The first (leftmost, then longest) match in `s`, as a byte range.
    pub fn find(&self, s: &str, from: usize) -> Option<(usize, usize)> {
        let idx: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        for &start in idx.iter().filter(|&&i| i >= from) {
            for &end in idx.iter().rev().filter(|&&e| e >= start) {
                if end == start
                    && !self.toks.iter().all(|t| *t == Tok::Star)
                    && !self.toks.is_empty()
                {
                    continue;
                }
                if self.matches(&s[start..end], false) {
                    return Some((start, end));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(Pattern::new("*.txt").matches("a.txt", true));
        assert!(!Pattern::new("*.txt").matches(".a.txt", true));
        assert!(Pattern::new("a?c").matches("abc", false));
        assert!(Pattern::new("[a-c]x").matches("bx", false));
        assert!(Pattern::new("[!a-c]x").matches("dx", false));
        assert!(Pattern::new("[[:digit:]]*").matches("9lives", false));
        assert!(Pattern::new("\\*").matches("*", false));
        assert!(!Pattern::new("\\*").matches("a", false));
        assert!(Pattern::new("a*b*c").matches("aXXbYYc", false));
        assert!(!Pattern::new("*").matches("a/b", true));
        assert!(Pattern::new("[ab").matches("[ab", false));
    }

    #[test]
    fn affixes() {
        let p = Pattern::new("*.");
        assert_eq!(p.prefix_lengths("a.b.c"), vec![2, 4]);
        let s = Pattern::new(".*");
        assert_eq!(s.suffix_starts("a.b.c"), vec![3, 1]);
        assert_eq!(Pattern::new("b*").find("abbc", 0), Some((1, 4)));
    }
}
