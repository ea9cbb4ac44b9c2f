//! `touch [-acm] [-d DATE] [-t STAMP] [-r FILE] FILE...`: change file timestamps, creating
//! missing files.

use bytes::Bytes;

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::{SetAttr, WriteOpts, WritePos};

/// Commands in this file.
pub const NAMES: &[&str] = &["touch"];

const SPEC: OptSpec = OptSpec {
    flags: "acmfh",
    with_arg: "dtr",
    long: &[
        ("no-create", false, 'c'),
        ("date", true, 'd'),
        ("reference", true, 'r'),
        ("no-dereference", false, 'h'),
        ("time", true, 'T'),
    ],
};

/// Parse a `touch -d`/`date -d` string (a practical subset): `@SECONDS`, `now`, `today`,
/// `yesterday`, `tomorrow`, `YYYY-MM-DD`, `YYYY-MM-DD[ T]HH:MM[:SS[.frac]]` with an optional
/// `Z`/`UTC`/`+0000` zone, and `N (seconds|minutes|hours|days) ago`. Times are UTC.
pub fn parse_date(s: &str, now_ns: i64) -> Option<i64> {
    let s = s.trim();
    const NS: i64 = 1_000_000_000;
    if let Some(n) = s.strip_prefix('@') {
        let v: f64 = n.parse().ok()?;
        return Some((v * NS as f64) as i64);
    }
    let day0 = now_ns.div_euclid(86400 * NS) * 86400 * NS;
    match s {
        "now" | "" => return Some(now_ns),
        "today" => return Some(now_ns),
        "yesterday" => return Some(now_ns - 86400 * NS),
        "tomorrow" => return Some(now_ns + 86400 * NS),
        "midnight" => return Some(day0),
        _ => {}
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() >= 2 && (words.len() == 2 || words.get(2) == Some(&"ago")) {
        if let Ok(n) = words[0].parse::<i64>() {
            let unit = match words[1].trim_end_matches('s') {
                "sec" | "second" => 1,
                "min" | "minute" => 60,
                "hour" => 3600,
                "day" => 86400,
                "week" => 7 * 86400,
                _ => 0,
            };
            if unit > 0 {
                let sign = if words.len() == 3 { -1 } else { 1 };
                let delta = n.checked_mul(unit)?.checked_mul(NS)?.checked_mul(sign)?;
                return now_ns.checked_add(delta);
            }
        }
    }
    let s = s.trim_end_matches(" UTC").trim_end_matches('Z');
    // A numeric zone at the end: `+02:00`, `-0500`, ` +0000`.
    let (s, offset) = split_zone(s);
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some()
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || !(-100_000..=100_000).contains(&y)
    {
        return None;
    }
    let (mut hh, mut mm, mut ss, mut frac) = (0u32, 0u32, 0u32, 0i64);
    if let Some(t) = time {
        let (t, f) = match t.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (t, None),
        };
        let mut tp = t.split(':');
        hh = tp.next()?.parse().ok()?;
        mm = tp.next()?.parse().ok()?;
        if let Some(x) = tp.next() {
            ss = x.parse().ok()?;
        }
        if hh > 23 || mm > 59 || ss > 60 {
            return None;
        }
        if let Some(f) = f {
            let digits: String = f.chars().take(9).collect();
            let n: i64 = digits.parse().ok()?;
            frac = n * 10i64.pow(9 - digits.len() as u32);
        }
    }
    fu::from_civil(y, m, d, hh, mm, ss)
        .checked_sub(offset)?
        .checked_mul(NS)?
        .checked_add(frac)
}

/// Split a trailing `[+-]HH[:]MM` zone off a date string: the rest and the offset in seconds.
fn split_zone(s: &str) -> (&str, i64) {
    let b = s.as_bytes();
    for len in [6usize, 5] {
        if b.len() <= len + 10 {
            continue;
        }
        let at = b.len() - len;
        let sign = match b[at] {
            b'+' => 1,
            b'-' => -1,
            _ => continue,
        };
        let digits: Vec<u8> = b[at + 1..].iter().copied().filter(|c| *c != b':').collect();
        if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
            continue;
        }
        if len == 6 && b[at + 3] != b':' {
            continue;
        }
        let n = |i: usize| i64::from(digits[i] - b'0');
        let secs = (n(0) * 10 + n(1)) * 3600 + (n(2) * 10 + n(3)) * 60;
        return (s[..at].trim_end(), sign * secs);
    }
    (s, 0)
}

/// Parse a `touch -t` stamp `[[CC]YY]MMDDhhmm[.ss]`.
fn parse_stamp(s: &str, now_ns: i64) -> Option<i64> {
    let (main, secs) = match s.split_once('.') {
        Some((a, b)) if b.len() == 2 => (a, b.parse::<u32>().ok()?),
        Some(_) => return None,
        None => (s, 0),
    };
    if !main.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| main.get(a..b).and_then(|x| x.parse::<u32>().ok());
    let (y, rest) = match main.len() {
        8 => (fu::civil(now_ns.div_euclid(1_000_000_000)).0, 0),
        10 => {
            let yy = n(0, 2)? as i64;
            (if yy < 69 { 2000 + yy } else { 1900 + yy }, 2)
        }
        12 => (n(0, 4)? as i64, 4),
        _ => return None,
    };
    let (m, d, hh, mm) = (
        n(rest, rest + 2)?,
        n(rest + 2, rest + 4)?,
        n(rest + 4, rest + 6)?,
        n(rest + 6, rest + 8)?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || secs > 60 {
        return None;
    }
    fu::from_civil(y, m, d, hh, mm, secs).checked_mul(1_000_000_000)
}

/// `touch`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: touch [OPTION]... FILE...\nUpdate the access and modification times of each FILE to the current time.\n", "touch (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("touch", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let now = fu::now_ns();
        let mut atime = now;
        let mut mtime = now;
        if let Some(d) = p.value('d') {
            match parse_date(d, now) {
                Some(t) => (atime, mtime) = (t, t),
                None => {
                    ctx.complain(format!("invalid date format {}", fu::q(d)))
                        .await;
                    return 1;
                }
            }
        }
        if let Some(t) = p.value('t') {
            match parse_stamp(t, now) {
                Some(t) => (atime, mtime) = (t, t),
                None => {
                    ctx.complain(format!("invalid date format {}", fu::q(t)))
                        .await;
                    return 1;
                }
            }
        }
        if let Some(r) = p.value('r') {
            match fu::stat(&ctx, r, true).await {
                Ok(st) => (atime, mtime) = (st.atime_ns, st.mtime_ns),
                Err(e) => {
                    ctx.complain(format!(
                        "failed to get attributes of {}: {}",
                        fu::q(r),
                        fu::strerror(&e)
                    ))
                    .await;
                    return 1;
                }
            }
        }
        let only_a = p.has('a') && !p.has('m');
        let only_m = p.has('m') && !p.has('a');
        if p.operands.is_empty() {
            ctx.complain(format!("missing file operand\n{}", fu::try_help("touch")))
                .await;
            return 1;
        }
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        let mut status = 0;
        for f in &p.operands {
            if f.is_empty() {
                ctx.complain("cannot touch '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            let abs = ctx.abs(f);
            if vfs.stat(cred, &abs, true).await.is_err() {
                if p.has('c') {
                    continue;
                }
                let opts = WriteOpts {
                    pos: WritePos::Append,
                    create: Some(0o644),
                    exclusive: false,
                };
                if let Err(e) = vfs.write(cred, &abs, Bytes::new(), opts).await {
                    ctx.complain(format!("cannot touch {}: {}", fu::q(f), fu::strerror(&e)))
                        .await;
                    status = 1;
                    continue;
                }
            }
            let attr = SetAttr {
                atime_ns: (!only_m).then_some(atime),
                mtime_ns: (!only_a).then_some(mtime),
                ..SetAttr::default()
            };
            if let Err(e) = vfs
                .set_attr(cred, &abs, !p.has('h'), attr, "utimensat")
                .await
            {
                ctx.complain(format!(
                    "setting times of {}: {}",
                    fu::q(f),
                    fu::strerror(&e)
                ))
                .await;
                status = 1;
            }
        }
        status
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_never_overflow() {
        let now = 1_795_504_949_000_000_000;
        assert_eq!(parse_date("1970-01-02", now), Some(86_400_000_000_000));
        assert_eq!(parse_date("@1.5", now), Some(1_500_000_000));
        assert_eq!(
            parse_date("2 days ago", now),
            Some(now - 2 * 86_400_000_000_000)
        );
        assert_eq!(parse_date("99999-01-01", now), None);
        assert_eq!(parse_date("9999999999999999 days ago", now), None);
        assert_eq!(
            parse_date("2020-01-01 10:11:12.5", now),
            Some(1_577_873_472_500_000_000)
        );
        assert_eq!(
            parse_stamp("202001020304.05", now),
            Some(1_577_934_245_000_000_000)
        );
        assert!(parse_stamp("99999999", now).is_none());
        assert_eq!(
            parse_date("2020-01-01T02:00:00+02:00", now),
            parse_date("2020-01-01 00:00", now)
        );
        assert_eq!(
            parse_date("2020-01-01 00:00:00 -0100", now),
            parse_date("2020-01-01 01:00", now)
        );
        assert_eq!(
            parse_date("2020-01-01", now),
            Some(1_577_836_800_000_000_000)
        );
    }
}
