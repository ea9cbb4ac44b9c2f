//! `sort [-bdfghiMnrRsuVcCz] [-k KEYDEF]... [-t SEP] [-o FILE] [FILE]...`: sort lines (C locale).

use std::cmp::Ordering;

use bytes::Bytes;

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, OpenMode, ProgramFuture};
use crate::kernel::errno::Errno;

/// Commands in this file.
pub const NAMES: &[&str] = &["sort"];

const SPEC: OptSpec = OptSpec {
    flags: "bdfghiMnRrsuVcCzm",
    with_arg: "ktoST",
    long: &[
        ("ignore-leading-blanks", false, 'b'),
        ("dictionary-order", false, 'd'),
        ("ignore-case", false, 'f'),
        ("general-numeric-sort", false, 'g'),
        ("human-numeric-sort", false, 'h'),
        ("ignore-nonprinting", false, 'i'),
        ("month-sort", false, 'M'),
        ("numeric-sort", false, 'n'),
        ("random-sort", false, 'R'),
        ("reverse", false, 'r'),
        ("stable", false, 's'),
        ("unique", false, 'u'),
        ("version-sort", false, 'V'),
        ("check", false, 'c'),
        ("zero-terminated", false, 'z'),
        ("merge", false, 'm'),
        ("key", true, 'k'),
        ("field-separator", true, 't'),
        ("output", true, 'o'),
        ("buffer-size", true, 'S'),
        ("temporary-directory", true, 'T'),
        ("parallel", true, 'P'),
    ],
};

/// How keys compare.
#[derive(Clone, Copy, Default, Debug, PartialEq)]
struct Flags {
    blanks_start: bool,
    blanks_end: bool,
    dict: bool,
    fold: bool,
    general: bool,
    human: bool,
    nonprint: bool,
    month: bool,
    numeric: bool,
    random: bool,
    reverse: bool,
    version: bool,
}

impl Flags {
    fn any_ordering(&self) -> bool {
        self.dict
            || self.fold
            || self.general
            || self.human
            || self.nonprint
            || self.month
            || self.numeric
            || self.random
            || self.version
            || self.reverse
            || self.blanks_start
            || self.blanks_end
    }

    /// Apply one option letter; false if it is not an ordering option.
    fn set(&mut self, c: char) -> bool {
        match c {
            'b' => {
                self.blanks_start = true;
                self.blanks_end = true;
            }
            'd' => self.dict = true,
            'f' => self.fold = true,
            'g' => self.general = true,
            'h' => self.human = true,
            'i' => self.nonprint = true,
            'M' => self.month = true,
            'n' => self.numeric = true,
            'R' => self.random = true,
            'r' => self.reverse = true,
            'V' => self.version = true,
            _ => return false,
        }
        true
    }

    /// The letters of the incompatible numeric kinds in effect, if more than one.
    fn conflict(&self) -> Option<String> {
        let mut s = String::new();
        for (on, c) in [
            (self.general, 'g'),
            (self.human, 'h'),
            (self.month, 'M'),
            (self.numeric, 'n'),
            (self.random, 'R'),
            (self.version, 'V'),
        ] {
            if on {
                s.push(c);
            }
        }
        if s.len() > 1 {
            return Some(s);
        }
        if (self.dict || self.nonprint) && !s.is_empty() {
            let mut t = String::new();
            if self.dict {
                t.push('d');
            }
            if self.nonprint {
                t.push('i');
            }
            t.push_str(&s);
            return Some(t);
        }
        None
    }
}

/// A `-k` key.
#[derive(Clone, Debug)]
struct Key {
    sfield: usize,
    schar: usize,
    /// 0: end of line.
    efield: usize,
    echar: usize,
    flags: Flags,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parse `F[.C][OPTS]`.
fn parse_pos(s: &str, start: bool, spec: &str) -> Result<(usize, usize, Flags, usize), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == 0 {
        return Err(format!(
            "invalid number at field start: invalid count at start of '{s}'"
        ));
    }
    let field: usize = s[..i].parse().unwrap_or(usize::MAX);
    if field == 0 {
        return Err(format!(
            "field number is zero: invalid field specification '{spec}'"
        ));
    }
    let mut ch = 0;
    if i < b.len() && b[i] == b'.' {
        let j = i + 1;
        i = j;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == j {
            return Err(format!(
                "invalid number after '.': invalid count at start of '{}'",
                &s[j..]
            ));
        }
        ch = s[j..i].parse().unwrap_or(usize::MAX);
        if ch == 0 && start {
            return Err(format!(
                "character offset is zero: invalid field specification '{spec}'"
            ));
        }
    }
    let mut flags = Flags::default();
    for c in s[i..].chars() {
        if c == 'b' {
            if start {
                flags.blanks_start = true;
            } else {
                flags.blanks_end = true;
            }
        } else if !flags.set(c) {
            return Err(format!(
                "stray character in field spec: invalid field specification '{spec}'"
            ));
        }
    }
    Ok((field, ch, flags, i))
}

fn parse_key(spec: &str) -> Result<Key, String> {
    let (a, b) = match spec.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (spec, None),
    };
    let (sfield, schar, mut flags, _) = parse_pos(a, true, spec)?;
    let (mut efield, mut echar) = (0, 0);
    if let Some(b) = b {
        let (f, c, fl, _) = parse_pos(b, false, spec)?;
        efield = f;
        echar = c;
        let bs = flags.blanks_start;
        let be = fl.blanks_end;
        let mut merged = flags;
        for (on, c) in [
            (fl.dict, 'd'),
            (fl.fold, 'f'),
            (fl.general, 'g'),
            (fl.human, 'h'),
            (fl.nonprint, 'i'),
            (fl.month, 'M'),
            (fl.numeric, 'n'),
            (fl.random, 'R'),
            (fl.reverse, 'r'),
            (fl.version, 'V'),
        ] {
            if on {
                merged.set(c);
            }
        }
        merged.blanks_start = bs;
        merged.blanks_end = be || flags.blanks_end;
        flags = merged;
    }
    Ok(Key {
        sfield,
        schar,
        efield,
        echar,
        flags,
    })
}

/// Where field `n` (1-based) starts in `line`.
fn field_start(line: &[u8], n: usize, tab: Option<u8>) -> usize {
    let mut pos = 0;
    for _ in 1..n {
        match tab {
            Some(t) => match line[pos..].iter().position(|&b| b == t) {
                Some(i) => pos += i + 1,
                None => return line.len(),
            },
            None => {
                while pos < line.len() && is_blank(line[pos]) {
                    pos += 1;
                }
                while pos < line.len() && !is_blank(line[pos]) {
                    pos += 1;
                }
            }
        }
    }
    pos
}

/// Where field `n` ends (exclusive).
fn field_end(line: &[u8], start: usize, tab: Option<u8>) -> usize {
    let mut pos = start;
    match tab {
        Some(t) => line[pos..]
            .iter()
            .position(|&b| b == t)
            .map_or(line.len(), |i| pos + i),
        None => {
            while pos < line.len() && is_blank(line[pos]) {
                pos += 1;
            }
            while pos < line.len() && !is_blank(line[pos]) {
                pos += 1;
            }
            pos
        }
    }
}

/// The bytes of `key` in `line`.
fn extract<'a>(line: &'a [u8], key: &Key, tab: Option<u8>) -> &'a [u8] {
    let mut s = field_start(line, key.sfield, tab);
    if key.flags.blanks_start {
        while s < line.len() && is_blank(line[s]) {
            s += 1;
        }
    }
    if key.schar > 0 {
        s = s.saturating_add(key.schar - 1).min(line.len());
    }
    let e = if key.efield == 0 {
        line.len()
    } else {
        let fs = field_start(line, key.efield, tab);
        if key.echar == 0 {
            field_end(line, fs, tab)
        } else {
            let mut p = fs;
            if key.flags.blanks_end {
                while p < line.len() && is_blank(line[p]) {
                    p += 1;
                }
            }
            p.saturating_add(key.echar).min(line.len())
        }
    };
    if e <= s {
        &line[s..s]
    } else {
        &line[s..e]
    }
}

/// Numeric (`-n`) comparison of the leading numbers, without converting to floats.
fn numeric_cmp(a: &[u8], b: &[u8]) -> Ordering {
    fn parts(s: &[u8]) -> (bool, &[u8], &[u8]) {
        let mut i = 0;
        while i < s.len() && is_blank(s[i]) {
            i += 1;
        }
        let neg = i < s.len() && s[i] == b'-';
        if neg {
            i += 1;
        }
        let st = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        let mut int = &s[st..i];
        while int.first() == Some(&b'0') {
            int = &int[1..];
        }
        let mut frac: &[u8] = &[];
        if i < s.len() && s[i] == b'.' {
            let fs = i + 1;
            let mut j = fs;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            frac = &s[fs..j];
            while frac.last() == Some(&b'0') {
                frac = &frac[..frac.len() - 1];
            }
        }
        let zero = int.is_empty() && frac.is_empty();
        (neg && !zero, int, frac)
    }
    let (na, ia, fa) = parts(a);
    let (nb, ib, fb) = parts(b);
    let mag = ia
        .len()
        .cmp(&ib.len())
        .then_with(|| ia.cmp(ib))
        .then_with(|| fa.cmp(fb));
    match (na, nb) {
        (false, false) => mag,
        (true, true) => mag.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

/// `-h`: the suffix rank then the number.
fn human_cmp(a: &[u8], b: &[u8]) -> Ordering {
    fn rank(s: &[u8]) -> (i32, usize) {
        let mut i = 0;
        while i < s.len() && is_blank(s[i]) {
            i += 1;
        }
        let neg = i < s.len() && s[i] == b'-';
        if neg {
            i += 1;
        }
        while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'.') {
            i += 1;
        }
        let r = match s.get(i) {
            Some(b'k' | b'K') => 1,
            Some(b'M') => 2,
            Some(b'G') => 3,
            Some(b'T') => 4,
            Some(b'P') => 5,
            Some(b'E') => 6,
            Some(b'Z') => 7,
            Some(b'Y') => 8,
            _ => 0,
        };
        (if neg { -r } else { r }, i)
    }
    let (ra, _) = rank(a);
    let (rb, _) = rank(b);
    ra.cmp(&rb).then_with(|| numeric_cmp(a, b))
}

/// `-g`: leading floating-point numbers; non-numbers first, then NaN.
fn general_cmp(a: &[u8], b: &[u8]) -> Ordering {
    fn val(s: &[u8]) -> Option<f64> {
        let mut i = 0;
        while i < s.len() && (is_blank(s[i]) || s[i] == b'\n') {
            i += 1;
        }
        let st = i;
        if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
            i += 1;
        }
        let neg = st < s.len() && s[st] == b'-';
        let rest = &s[i..];
        // Hexadecimal, as strtold reads it.
        if rest.len() > 2
            && rest[0] == b'0'
            && (rest[1] | 0x20) == b'x'
            && rest[2].is_ascii_hexdigit()
        {
            let mut v = 0f64;
            for &c in &rest[2..] {
                match (c as char).to_digit(16) {
                    Some(d) => v = v * 16.0 + f64::from(d),
                    None => break,
                }
            }
            return Some(if neg { -v } else { v });
        }
        let word: Vec<u8> = rest.iter().take(8).map(u8::to_ascii_lowercase).collect();
        if word.starts_with(b"inf") {
            return Some(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        if word.starts_with(b"nan") {
            return Some(f64::NAN);
        }
        let digits_start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        let mut any = i > digits_start;
        if i < s.len() && s[i] == b'.' {
            i += 1;
            let f = i;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
            any |= i > f;
        }
        if !any {
            return None;
        }
        if i < s.len() && (s[i] | 0x20) == b'e' {
            let mut j = i + 1;
            if j < s.len() && (s[j] == b'-' || s[j] == b'+') {
                j += 1;
            }
            let e = j;
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            if j > e {
                i = j;
            }
        }
        std::str::from_utf8(&s[st..i]).ok()?.parse().ok()
    }
    match (val(a), val(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        },
    }
}

fn month(s: &[u8]) -> u8 {
    let mut i = 0;
    while i < s.len() && is_blank(s[i]) {
        i += 1;
    }
    let m = &s[i..];
    if m.len() < 3 {
        return 0;
    }
    let up: Vec<u8> = m[..3].iter().map(|c| c.to_ascii_uppercase()).collect();
    const NAMES: [&[u8]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV",
        b"DEC",
    ];
    NAMES
        .iter()
        .position(|n| *n == up.as_slice())
        .map_or(0, |p| p as u8 + 1)
}

/// Debian/GNU version comparison of two strings (`verrevcmp`).
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    fn order(c: Option<u8>) -> i32 {
        match c {
            None => 0,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(c),
            Some(b'~') => -1,
            Some(c) => i32::from(c) + 256,
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = i32::from(a[i]) - i32::from(b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

/// GNU `filevercmp`.
fn version_cmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Less;
    }
    if b.is_empty() {
        return Ordering::Greater;
    }
    match (a == b".", b == b".") {
        (true, _) => return Ordering::Less,
        (_, true) => return Ordering::Greater,
        _ => {}
    }
    match (a == b"..", b == b"..") {
        (true, _) => return Ordering::Less,
        (_, true) => return Ordering::Greater,
        _ => {}
    }
    match (a[0] == b'.', b[0] == b'.') {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (true, true) => {
            return verrevcmp(&a[1..], &b[1..]).then_with(|| a.cmp(b));
        }
        _ => {}
    }
    verrevcmp(a, b).then_with(|| a.cmp(b))
}

/// Keep only the bytes `-d`/`-i` consider, folding case with `-f`.
fn filtered(s: &[u8], f: &Flags) -> Vec<u8> {
    s.iter()
        .copied()
        .filter(|&c| !f.dict || c.is_ascii_alphanumeric() || is_blank(c))
        .filter(|&c| !f.nonprint || (0x20..0x7f).contains(&c))
        .map(|c| if f.fold { c.to_ascii_uppercase() } else { c })
        .collect()
}

fn hash(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn compare_key(a: &[u8], b: &[u8], f: &Flags) -> Ordering {
    let (a, b) = if f.blanks_start && f.blanks_end {
        (trim_blanks(a), trim_blanks(b))
    } else {
        (a, b)
    };
    let o = if f.numeric {
        numeric_cmp(a, b)
    } else if f.human {
        human_cmp(a, b)
    } else if f.general {
        general_cmp(a, b)
    } else if f.month {
        month(a).cmp(&month(b))
    } else if f.version {
        version_cmp(a, b)
    } else if f.random {
        hash(a).cmp(&hash(b)).then_with(|| a.cmp(b))
    } else if f.dict || f.fold || f.nonprint {
        filtered(a, f).cmp(&filtered(b, f))
    } else {
        a.cmp(b)
    };
    if f.reverse {
        o.reverse()
    } else {
        o
    }
}

fn trim_blanks(s: &[u8]) -> &[u8] {
    let i = s.iter().position(|&c| !is_blank(c)).unwrap_or(s.len());
    &s[i..]
}

/// The sort settings.
struct Sorter {
    keys: Vec<Key>,
    global: Flags,
    tab: Option<u8>,
    stable: bool,
    unique: bool,
}

impl Sorter {
    /// Comparison by keys only.
    fn keys_cmp(&self, a: &[u8], b: &[u8]) -> Ordering {
        if self.keys.is_empty() {
            let mut g = self.global;
            g.blanks_end = g.blanks_start;
            return compare_key(a, b, &g);
        }
        for k in &self.keys {
            let o = compare_key(extract(a, k, self.tab), extract(b, k, self.tab), &k.flags);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// Full comparison, with the last-resort byte comparison.
    fn cmp(&self, a: &[u8], b: &[u8]) -> Ordering {
        let o = self.keys_cmp(a, b);
        if o != Ordering::Equal || self.stable || self.unique {
            return o;
        }
        let o = a.cmp(b);
        if self.global.reverse {
            o.reverse()
        } else {
            o
        }
    }
}

/// `sort`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 2).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let mut global = Flags::default();
        let mut keys = Vec::new();
        let mut tab: Option<u8> = None;
        let mut check: Option<bool> = None;
        let mut output: Option<String> = None;
        for (o, v) in &p.opts {
            let v = v.as_deref().unwrap_or("");
            match o {
                'k' => match parse_key(v) {
                    Ok(k) => keys.push(k),
                    Err(m) => {
                        ctx.complain(m).await;
                        return 2;
                    }
                },
                't' => {
                    let b = v.as_bytes();
                    if b.is_empty() {
                        ctx.complain("empty tab").await;
                        return 2;
                    }
                    if b.len() > 1 && v != "\\0" {
                        ctx.complain(format!("multi-character tab '{v}'")).await;
                        return 2;
                    }
                    let t = if v == "\\0" { 0 } else { b[0] };
                    if tab.is_some_and(|x| x != t) {
                        ctx.complain("incompatible tabs").await;
                        return 2;
                    }
                    tab = Some(t);
                }
                'c' => check = Some(true),
                'C' => check = Some(false),
                'o' => output = Some(v.to_owned()),
                's' | 'u' | 'z' | 'm' | 'S' | 'T' | 'P' => {}
                c => {
                    global.set(*c);
                }
            }
        }
        if let Some(c) = global.conflict() {
            ctx.complain(format!("options '-{c}' are incompatible"))
                .await;
            return 2;
        }
        // Keys without ordering options inherit the global ones.
        for k in &mut keys {
            if !k.flags.any_ordering() {
                k.flags = global;
            }
        }
        let sorter = Sorter {
            keys,
            global,
            tab,
            stable: p.has('s'),
            unique: p.has('u'),
        };
        let delim = if p.has('z') { 0 } else { b'\n' };
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        if check.is_some() && files.len() > 1 {
            ctx.complain(format!(
                "extra operand {}\nTry 'sort --help' for more information.",
                textio::quote_always(&files[1])
            ))
            .await;
            return 2;
        }
        let mut data: Vec<Vec<u8>> = Vec::new();
        for f in &files {
            match textio::read_input(&ctx, f).await {
                Ok(d) => data.push(d),
                Err(e) => {
                    let msg = if e == Errno::EISDIR {
                        format!("read failed: {f}: {}", e.strerror())
                    } else {
                        format!("cannot read: {f}: {}", e.strerror())
                    };
                    ctx.complain(msg).await;
                    return 2;
                }
            }
        }
        let mut lines: Vec<&[u8]> = Vec::new();
        for d in &data {
            lines.extend(textio::lines_bare(d, delim));
        }
        if let Some(loud) = check {
            for i in 1..lines.len() {
                let o = sorter.cmp(lines[i - 1], lines[i]);
                if o == Ordering::Greater || (sorter.unique && o == Ordering::Equal) {
                    if loud {
                        let mut msg =
                            format!("sort: {}:{}: disorder: ", files[0], i + 1).into_bytes();
                        msg.extend_from_slice(lines[i]);
                        msg.push(b'\n');
                        ctx.err(msg).await;
                    }
                    return 1;
                }
            }
            return 0;
        }
        lines.sort_by(|a, b| sorter.cmp(a, b));
        if sorter.unique {
            lines.dedup_by(|b, a| sorter.keys_cmp(a, b) == Ordering::Equal);
        }
        let mut out = Vec::with_capacity(data.iter().map(Vec::len).sum::<usize>() + lines.len());
        for l in &lines {
            out.extend_from_slice(l);
            out.push(delim);
        }
        match output {
            Some(o) if o != "-" => {
                let file = match ctx.open(&o, OpenMode::Truncate { noclobber: false }).await {
                    Ok(f) => f,
                    Err(e) => {
                        let e = e.errno_value().unwrap_or(Errno::EIO);
                        ctx.complain(format!("open failed: {o}: {}", e.strerror()))
                            .await;
                        return 2;
                    }
                };
                if let Err(e) = file.write(Bytes::from(out)).await {
                    ctx.complain(format!("write failed: {o}: {}", e.strerror()))
                        .await;
                    return 2;
                }
            }
            _ => {
                if let Err(e) = ctx.out(out).await {
                    ctx.complain(format!("write failed: 'standard output': {}", e.strerror()))
                        .await;
                    return 2;
                }
            }
        }
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn comparisons() {
        assert_eq!(numeric_cmp(b"10", b"9"), Ordering::Greater);
        assert_eq!(numeric_cmp(b"-1", b"0"), Ordering::Less);
        assert_eq!(numeric_cmp(b"1.50", b"1.5"), Ordering::Equal);
        assert_eq!(human_cmp(b"1K", b"900"), Ordering::Greater);
        assert_eq!(version_cmp(b"a1.10", b"a1.9"), Ordering::Greater);
    }

    fn arg() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("-n".to_owned()),
            Just("-r".to_owned()),
            Just("-u".to_owned()),
            Just("-s".to_owned()),
            Just("-f".to_owned()),
            Just("-h".to_owned()),
            Just("-V".to_owned()),
            Just("-g".to_owned()),
            Just("-b".to_owned()),
            Just("-c".to_owned()),
            Just("-t,".to_owned()),
            Just("-t".to_owned()),
            Just("-k".to_owned()),
            "-k[0-9.,bnr]{0,6}",
            "[-a-z0-9,.]{0,4}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// sort never panics, whatever its arguments and input.
        #[test]
        fn sort_never_panics(args in proptest::collection::vec(arg(), 0..5), input in "[a-z0-9 ,.\\-\t\n]{0,80}") {
            let script = format!("sort {}", args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" "));
            let rt = crate::sidecar::runtime_builder().build().unwrap();
            let (code, _, _) = rt.block_on(crate::shell::fixtures::run_bash(&script, Some(&input)));
            prop_assert_ne!(code, 134);
        }
    }
}
