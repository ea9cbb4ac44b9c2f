//! `date [-u] [-d STRING] [-r FILE] [-I[FMT]] [-R] [--rfc-3339=FMT] [+FORMAT]`: print the date
//! (the VM's clock is UTC).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["date"];

const SPEC: OptSpec = OptSpec {
    flags: "uRI",
    with_arg: "dr",
    long: &[
        ("utc", false, 'u'),
        ("universal", false, 'u'),
        ("date", true, 'd'),
        ("reference", true, 'r'),
        ("rfc-email", false, 'R'),
        ("rfc-2822", false, 'R'),
        ("iso-8601", false, 'I'),
        ("rfc-3339", true, '3'),
    ],
};

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Format `t` with a `strftime`-style format as GNU `date` does.
pub fn strftime(t: &DateTime<Utc>, fmt: &str) -> String {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' || i + 1 >= chars.len() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut flag: Option<char> = None;
        let mut upper = false;
        while i < chars.len() && matches!(chars[i], '-' | '_' | '0' | '^' | '#' | '+') {
            if chars[i] == '^' {
                upper = true;
            } else if chars[i] == '#' {
                upper = true;
                flag = flag.or(Some('#'));
            } else {
                flag = Some(chars[i]);
            }
            i += 1;
        }
        let mut width: Option<usize> = None;
        while i < chars.len() && chars[i].is_ascii_digit() {
            width = Some(
                width
                    .unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(chars[i] as usize - '0' as usize)
                    .min(1024),
            );
            i += 1;
        }
        while i < chars.len() && (chars[i] == 'E' || chars[i] == 'O') {
            i += 1;
        }
        let mut colons = 0;
        while i < chars.len() && chars[i] == ':' {
            colons += 1;
            i += 1;
        }
        let Some(&c) = chars.get(i) else {
            out.push('%');
            break;
        };
        i += 1;
        // (text, numeric default pad char, default width)
        let num = |v: i64, w: usize| (v.to_string(), Some('0'), w);
        let sp = |v: i64, w: usize| (v.to_string(), Some(' '), w);
        let txt = |s: String| (s, None, 0);
        let wd = t.weekday().num_days_from_sunday() as usize;
        let h12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let (s, pad, w) = match c {
            'a' => txt(DAYS[wd][..3].to_owned()),
            'A' => txt(DAYS[wd].to_owned()),
            'b' | 'h' => txt(MONTHS[t.month0() as usize][..3].to_owned()),
            'B' => txt(MONTHS[t.month0() as usize].to_owned()),
            'c' => txt(strftime(t, "%a %b %e %H:%M:%S %Y")),
            'C' => num(i64::from(t.year()).div_euclid(100), 2),
            'd' => num(i64::from(t.day()), 2),
            'D' => txt(strftime(t, "%m/%d/%y")),
            'e' => sp(i64::from(t.day()), 2),
            'F' => txt(strftime(t, "%Y-%m-%d")),
            'g' => num(i64::from(t.iso_week().year()).rem_euclid(100), 2),
            'G' => num(i64::from(t.iso_week().year()), 4),
            'H' => num(i64::from(t.hour()), 2),
            'I' => num(i64::from(h12), 2),
            'j' => num(i64::from(t.ordinal()), 3),
            'k' => sp(i64::from(t.hour()), 2),
            'l' => sp(i64::from(h12), 2),
            'm' => num(i64::from(t.month()), 2),
            'M' => num(i64::from(t.minute()), 2),
            'n' => txt("\n".to_owned()),
            'N' => {
                let ns = format!("{:09}", t.nanosecond() % 1_000_000_000);
                match width {
                    Some(w) if w < 9 => (ns[..w].to_owned(), None, 0),
                    _ => (ns, Some('0'), 9),
                }
            }
            'p' => txt(if t.hour() < 12 { "AM" } else { "PM" }.to_owned()),
            'P' => txt(if t.hour() < 12 { "am" } else { "pm" }.to_owned()),
            'q' => num(i64::from(t.month0() / 3 + 1), 1),
            'r' => txt(strftime(t, "%I:%M:%S %p")),
            'R' => txt(strftime(t, "%H:%M")),
            's' => num(t.timestamp(), 1),
            'S' => num(i64::from(t.second()), 2),
            't' => txt("\t".to_owned()),
            'T' => txt(strftime(t, "%H:%M:%S")),
            'u' => num(i64::from(t.weekday().number_from_monday()), 1),
            'U' => num(((t.ordinal0() as i64) + 7 - wd as i64) / 7, 2),
            'V' => num(i64::from(t.iso_week().week()), 2),
            'w' => num(wd as i64, 1),
            'W' => num(((t.ordinal0() as i64) + 7 - ((wd as i64 + 6) % 7)) / 7, 2),
            'x' => txt(strftime(t, "%m/%d/%y")),
            'X' => txt(strftime(t, "%H:%M:%S")),
            'y' => num(i64::from(t.year()).rem_euclid(100), 2),
            'Y' => num(i64::from(t.year()), 1),
            'z' => txt(match colons {
                0 => "+0000",
                1 => "+00:00",
                2 => "+00:00:00",
                _ => "+00",
            }
            .to_owned()),
            'Z' => txt(if flag == Some('#') { "utc" } else { "UTC" }.to_owned()),
            '%' => txt("%".to_owned()),
            other => {
                let mut s = String::from("%");
                s.push(other);
                txt(s)
            }
        };
        let s = if upper && !(c == 'Z' && flag == Some('#')) {
            s.to_uppercase()
        } else {
            s
        };
        let (padc, width) = match flag {
            Some('-') => (None, 0),
            Some('_') => (Some(' '), width.unwrap_or(w)),
            Some('0') => (Some('0'), width.unwrap_or(w)),
            _ => (
                pad.or(if width.is_some() { Some(' ') } else { None }),
                width.unwrap_or(w),
            ),
        };
        match padc {
            Some(p) if s.len() < width => {
                let fill: String = std::iter::repeat_n(p, width - s.len()).collect();
                if p == '0' {
                    if let Some(rest) = s.strip_prefix('-') {
                        out.push('-');
                        out.push_str(&fill);
                        out.push_str(rest);
                        continue;
                    }
                }
                out.push_str(&fill);
                out.push_str(&s);
            }
            _ => out.push_str(&s),
        }
    }
    out
}

/// A month name or abbreviation (1-based).
fn month_num(w: &str) -> Option<u32> {
    let w = w.trim_end_matches([',', '.']);
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            let m = m.to_ascii_lowercase();
            m.starts_with(w) || (w.len() == 4 && w == "sept")
        })
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// A weekday name (0 = Sunday).
fn weekday_num(w: &str) -> Option<i64> {
    let w = w.trim_end_matches([',', '.']);
    if w.len() < 3 {
        return None;
    }
    DAYS.iter()
        .position(|d| d.to_ascii_lowercase().starts_with(w))
        .and_then(|i| i64::try_from(i).ok())
}

/// A numeric time zone offset (`+0200`, `-05:30`, `+02`) in seconds.
fn tz_offset(w: &str) -> Option<i64> {
    let sign = match w.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = w[1..].chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i64>().ok()?, 0),
        4 => (
            digits[..2].parse::<i64>().ok()?,
            digits[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (h * 3600 + m * 60))
}

/// Parse `H:M[:S[.frac]]`.
fn parse_time(t: &str) -> Option<(u32, u32, u32, u32)> {
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let h: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let (sec, ns) = match parts.get(2) {
        Some(x) => {
            let (a, f) = x.split_once(['.', ',']).unwrap_or((x, ""));
            if !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let ns = if f.is_empty() {
                0
            } else {
                format!("{:0<9}", &f[..f.len().min(9)]).parse().ok()?
            };
            (a.parse().ok()?, ns)
        }
        None => (0, 0),
    };
    (h < 24 && m < 60 && sec < 61).then_some((h, m, sec, ns))
}

/// Parse a `-d` string relative to `now`.
fn parse_date(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some(n) = s.strip_prefix('@') {
        let (secs, frac) = match n.split_once('.') {
            Some((a, b)) => (a, b),
            None => (n, ""),
        };
        let secs: i64 = secs.parse().ok()?;
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let ns: u32 = if frac.is_empty() {
            0
        } else {
            format!("{:0<9}", &frac[..frac.len().min(9)]).parse().ok()?
        };
        return DateTime::from_timestamp(secs, ns);
    }
    let lower = s.to_ascii_lowercase();
    // Split ISO `DATETTIME` and glued offsets into separate words.
    let mut words: Vec<String> = Vec::new();
    for w in lower.split_whitespace() {
        let w = w.trim_end_matches(',');
        if !w.is_ascii() {
            words.push(w.to_owned());
            continue;
        }
        if w.len() > 10
            && w.as_bytes().get(10) == Some(&b't')
            && NaiveDate::parse_from_str(&w[..10], "%Y-%m-%d").is_ok()
        {
            words.push(w[..10].to_owned());
            let t = &w[11..];
            let cut = t.find(['+', '-', 'z']).unwrap_or(t.len());
            words.push(t[..cut].to_owned());
            if cut < t.len() {
                words.push(t[cut..].to_owned());
            }
        } else if w.contains(':')
            && w.len() > 1
            && w[1..].contains(['+', '-'])
            && !w.starts_with(['+', '-'])
        {
            let cut = 1 + w[1..].find(['+', '-']).unwrap_or(0);
            words.push(w[..cut].to_owned());
            words.push(w[cut..].to_owned());
        } else if w.contains(':') && (w.ends_with("am") || w.ends_with("pm")) && w.len() > 2 {
            words.push(w[..w.len() - 2].to_owned());
            words.push(w[w.len() - 2..].to_owned());
        } else if w.len() > 1 && w.ends_with('z') && w.contains(':') {
            words.push(w[..w.len() - 1].to_owned());
            words.push("z".to_owned());
        } else if !w.is_empty() {
            words.push(w.to_owned());
        }
    }
    let mut date: Option<NaiveDate> = None;
    let mut time: Option<(u32, u32, u32, u32)> = None;
    let mut offset: Option<i64> = None;
    let mut weekday: Option<(i64, i64)> = None;
    let mut rel: Vec<(i64, String)> = Vec::new();
    let mut day_shift = 0i64;
    let mut i = 0;
    let year_now = now.year();
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        if let Ok(d) = NaiveDate::parse_from_str(w, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(w, "%Y/%m/%d"))
        {
            date = Some(d);
        } else if let Ok(d) = NaiveDate::parse_from_str(w, "%m/%d/%Y") {
            date = Some(d);
        } else if let Some(m) = month_num(w) {
            // `Mon D [YYYY]`
            let d: u32 = next?.trim_end_matches(',').parse().ok()?;
            i += 1;
            let mut y = year_now;
            if let Some(yv) = words
                .get(i + 1)
                .and_then(|x| x.trim_end_matches(',').parse::<i32>().ok())
                .filter(|v| *v > 31)
            {
                y = yv;
                i += 1;
            }
            date = Some(NaiveDate::from_ymd_opt(y, m, d)?);
        } else if let (Ok(d), Some(m)) = (w.parse::<u32>(), next.and_then(month_num)) {
            // `D Mon [YYYY]`
            i += 1;
            let mut y = year_now;
            if let Some(yv) = words
                .get(i + 1)
                .and_then(|x| x.parse::<i32>().ok())
                .filter(|v| *v > 31)
            {
                y = yv;
                i += 1;
            }
            date = Some(NaiveDate::from_ymd_opt(y, m, d)?);
        } else if w.contains(':') && !w.starts_with(['+', '-']) {
            time = Some(parse_time(w)?);
        } else if w == "am" || w == "pm" || w == "a.m." || w == "p.m." {
            let (h, m, sec, ns) = time?;
            if h == 0 || h > 12 {
                return None;
            }
            let h = match (w.starts_with('p'), h) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
            time = Some((h, m, sec, ns));
        } else if matches!(w, "utc" | "gmt" | "z" | "ut") {
            offset = Some(0);
        } else if let Some(o) = tz_offset(w).filter(|_| time.is_some()) {
            offset = Some(o);
        } else if let Some(wd) = weekday_num(w) {
            weekday = Some((wd, 0));
        } else {
            match w {
                "now" | "today" => {}
                "yesterday" => day_shift -= 1,
                "tomorrow" => day_shift += 1,
                "midnight" => time = Some((0, 0, 0, 0)),
                "noon" => time = Some((12, 0, 0, 0)),
                "next" | "last" | "this" => {
                    let n = match w {
                        "next" => 1,
                        "last" => -1,
                        _ => 0,
                    };
                    let u = next?;
                    i += 1;
                    if let Some(wd) = weekday_num(u) {
                        weekday = Some((wd, n));
                    } else {
                        unit_secs(u)?;
                        rel.push((n, u.to_owned()));
                    }
                }
                _ => {
                    let (n, unit) = if let Ok(n) = w.parse::<i64>() {
                        i += 1;
                        (n, words.get(i)?.as_str())
                    } else if w == "+" || w == "-" {
                        let n: i64 = next?.parse().ok()?;
                        i += 2;
                        (if w == "-" { -n } else { n }, words.get(i)?.as_str())
                    } else {
                        (1, w)
                    };
                    unit_secs(unit)?;
                    let mut n = n;
                    if words.get(i + 1).map(String::as_str) == Some("ago") {
                        n = -n;
                        i += 1;
                    }
                    rel.push((n, unit.to_owned()));
                }
            }
        }
        i += 1;
    }
    let base_date = date.unwrap_or_else(|| now.date_naive());
    let (h, m, sec, ns) = match time {
        Some(t) => t,
        None if date.is_some() || weekday.is_some() => (0, 0, 0, 0),
        None => (now.hour(), now.minute(), now.second(), now.nanosecond()),
    };
    let mut t = base_date.and_hms_nano_opt(h, m, sec, ns)?.and_utc()
        - Duration::seconds(offset.unwrap_or(0));
    t += Duration::days(day_shift);
    if let Some((wd, ord)) = weekday {
        let cur = i64::from(t.weekday().num_days_from_sunday());
        let fwd = (wd - cur).rem_euclid(7);
        let shift = match ord {
            0 => fwd,
            1 => {
                if fwd == 0 {
                    7
                } else {
                    fwd
                }
            }
            _ => {
                let back = (cur - wd).rem_euclid(7);
                -(if back == 0 { 7 } else { back })
            }
        };
        t += Duration::days(shift);
    }
    for (n, unit) in rel {
        let u = unit.trim_end_matches('s');
        t = match u {
            "month" | "year" => {
                let months = if u == "year" { n * 12 } else { n };
                let total = i64::from(t.year()) * 12 + i64::from(t.month0()) + months;
                let y = i32::try_from(total.div_euclid(12)).ok()?;
                let mo = u32::try_from(total.rem_euclid(12)).ok()? + 1;
                // Overflowing days roll into the next month, as in GNU.
                let first = NaiveDate::from_ymd_opt(y, mo, 1)?;
                let d = first + Duration::days(i64::from(t.day()) - 1);
                d.and_time(t.time()).and_utc()
            }
            _ => t + Duration::seconds(n.checked_mul(unit_secs(&unit)?)?),
        };
    }
    Some(t)
}

/// Seconds in a relative-date unit (months and years are handled apart: 0).
fn unit_secs(unit: &str) -> Option<i64> {
    Some(match unit.trim_end_matches('s') {
        "sec" | "second" => 1,
        "min" | "minute" => 60,
        "hour" => 3600,
        "day" => 86400,
        "week" => 7 * 86400,
        "fortnight" => 14 * 86400,
        "month" | "year" => 0,
        _ => return None,
    })
}

/// `date`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        // `-I` takes an optional attached argument.
        let mut args = Vec::new();
        let mut iso: Option<String> = None;
        for a in &ctx.argv[1..] {
            if let Some(v) = a.strip_prefix("-I").filter(|v| !v.is_empty()) {
                iso = Some(v.to_owned());
            } else if let Some(v) = a.strip_prefix("--iso-8601=") {
                iso = Some(v.to_owned());
            } else {
                args.push(a.clone());
            }
        }
        let name = ctx.name().to_owned();
        let p = match super::util::parse(&name, &args, &SPEC, false) {
            Ok(p) => p,
            Err(m) => {
                ctx.complain(m).await;
                return 1;
            }
        };
        if p.has('I') && iso.is_none() {
            iso = Some("date".to_owned());
        }
        let now = Utc::now();
        let mut t = now;
        if let Some(d) = p.value('d') {
            match parse_date(d, now) {
                Some(x) => t = x,
                None => {
                    ctx.complain(format!("invalid date {}", textio::quote_always(d)))
                        .await;
                    return 1;
                }
            }
        }
        if let Some(r) = p.value('r') {
            match ctx.kernel.vfs().stat(ctx.cred(), &ctx.abs(r), true).await {
                Ok(st) => {
                    t = DateTime::from_timestamp(
                        st.mtime_ns.div_euclid(1_000_000_000),
                        u32::try_from(st.mtime_ns.rem_euclid(1_000_000_000)).unwrap_or(0),
                    )
                    .unwrap_or(now);
                }
                Err(e) => {
                    let e = e
                        .errno_value()
                        .map_or("No such file or directory", |e| e.strerror());
                    ctx.complain(format!("{r}: {e}")).await;
                    return 1;
                }
            }
        }
        let mut fmt: Option<String> = None;
        if let Some(extra) = p.operands.get(1) {
            return textio::usage(
                &ctx,
                &format!("extra operand {}", textio::quote_always(extra)),
                1,
            )
            .await;
        }
        for (i, o) in p.operands.iter().enumerate() {
            if i > 0 || !o.starts_with('+') {
                if i == 0 {
                    if p.has('d') {
                        return textio::usage(
                            &ctx,
                            &format!("extra operand {}", textio::quote_always(o)),
                            1,
                        )
                        .await;
                    }
                    ctx.complain(format!("invalid date {}", textio::quote_always(o)))
                        .await;
                    return 1;
                }
                return textio::usage(
                    &ctx,
                    &format!("extra operand {}", textio::quote_always(o)),
                    1,
                )
                .await;
            }
            fmt = Some(o[1..].to_owned());
        }
        let f = if let Some(f) = fmt {
            f
        } else if let Some(i) = iso {
            match i.as_str() {
                "date" | "d" => "%Y-%m-%d".to_owned(),
                "hours" | "h" => "%Y-%m-%dT%H%:z".to_owned(),
                "minutes" | "m" => "%Y-%m-%dT%H:%M%:z".to_owned(),
                "seconds" | "s" => "%Y-%m-%dT%H:%M:%S%:z".to_owned(),
                "ns" | "n" => "%Y-%m-%dT%H:%M:%S,%N%:z".to_owned(),
                _ => {
                    return textio::usage(&ctx, &format!("invalid argument {} for '--iso-8601'\nValid arguments are:\n  - 'hours'\n  - 'minutes'\n  - 'date'\n  - 'seconds'\n  - 'ns'", textio::quote_always(&i)), 1).await;
                }
            }
        } else if p.has('R') {
            "%a, %d %b %Y %H:%M:%S %z".to_owned()
        } else if let Some(r) = p.value('3') {
            match r {
                "date" => "%Y-%m-%d".to_owned(),
                "seconds" => "%Y-%m-%d %H:%M:%S%:z".to_owned(),
                "ns" => "%Y-%m-%d %H:%M:%S.%N%:z".to_owned(),
                _ => {
                    return textio::usage(&ctx, &format!("invalid argument {} for '--rfc-3339'\nValid arguments are:\n  - 'date'\n  - 'seconds'\n  - 'ns'", textio::quote_always(r)), 1).await;
                }
            }
        } else {
            "%a %b %e %H:%M:%S %Z %Y".to_owned()
        };
        let mut s = strftime(&t, &f);
        s.push('\n');
        match ctx.out(s).await {
            Ok(()) => 0,
            Err(e) => textio::write_error(&ctx, e).await,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let now = DateTime::from_timestamp(0, 0).unwrap_or_default();
        let t = parse_date("2024-03-05 10:00 +0200", now).unwrap_or(now);
        assert_eq!(strftime(&t, "%F %T %j"), "2024-03-05 08:00:00 065");
        for s in [
            "é:+",
            "ééééééééééétx",
            "12:é",
            "+",
            "next",
            "3",
            "@1.é",
            "jan",
            "mon 5",
            ":",
            "1 é",
        ] {
            let _ = parse_date(s, now);
        }
        assert!(parse_date("foo", now).is_none());
    }
}
