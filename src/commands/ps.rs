//! `ps [-e|-A] [-f] [-p PID,...] [-o FORMAT] [--no-headers]` and BSD `ps aux`: report the
//! VM's processes.

use std::sync::Arc;

use chrono::DateTime;

use super::cmd_textio::{self as textio};
use super::{Ctx, ProgramFuture};
use crate::kernel::process::Process;

/// Commands in this file.
pub const NAMES: &[&str] = &["ps"];

/// One output column.
#[derive(Clone)]
struct Col {
    key: String,
    header: String,
}

fn header_for(key: &str) -> Option<&'static str> {
    Some(match key {
        "pid" => "PID",
        "ppid" => "PPID",
        "pgid" | "pgrp" => "PGID",
        "sid" | "sess" => "SID",
        "comm" | "ucmd" | "ucomm" => "COMMAND",
        "args" | "command" => "COMMAND",
        "cmd" => "CMD",
        "user" | "euser" | "uname" => "USER",
        "uid" | "euid" => "UID",
        "gid" | "egid" => "GID",
        "tty" | "tt" => "TT",
        "stat" | "s" => "STAT",
        "etime" => "ELAPSED",
        "etimes" => "ELAPSED",
        "time" | "cputime" => "TIME",
        "start" | "stime" | "start_time" => "STIME",
        "pcpu" | "%cpu" => "%CPU",
        "pmem" | "%mem" => "%MEM",
        "rss" => "RSS",
        "vsz" => "VSZ",
        "nlwp" => "NLWP",
        "ni" | "nice" => "NI",
        _ => return None,
    })
}

fn right_aligned(key: &str) -> bool {
    !matches!(
        key,
        "comm"
            | "ucmd"
            | "ucomm"
            | "args"
            | "command"
            | "cmd"
            | "user"
            | "euser"
            | "uname"
            | "tty"
            | "tt"
            | "stat"
            | "s"
    )
}

/// Fields of one process.
struct Row {
    p: Arc<Process>,
    now_ms: f64,
    me: u32,
}

impl Row {
    fn get(&self, key: &str) -> String {
        let p = &self.p;
        let comm = p
            .argv
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
            .unwrap_or_default();
        let secs = ((self.now_ms - p.start_ms) / 1000.0).max(0.0) as u64;
        match key {
            "pid" => p.pid.to_string(),
            "ppid" => p.ppid.to_string(),
            "pgid" | "pgrp" => p.pgid.to_string(),
            "sid" | "sess" => p.sid.to_string(),
            "comm" | "ucmd" | "ucomm" => comm,
            "args" | "command" | "cmd" => p.argv.join(" "),
            "user" | "euser" | "uname" => "user".to_owned(),
            "uid" | "euid" | "gid" | "egid" => "1000".to_owned(),
            "tty" | "tt" => "?".to_owned(),
            "stat" | "s" => if p.pid == self.me { "R" } else { "S" }.to_owned(),
            "etime" => {
                let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
                if d > 0 {
                    format!("{d}-{h:02}:{m:02}:{s:02}")
                } else if h > 0 {
                    format!("{h:02}:{m:02}:{s:02}")
                } else {
                    format!("{m:02}:{s:02}")
                }
            }
            "etimes" => secs.to_string(),
            "time" | "cputime" => "00:00:00".to_owned(),
            "start" | "stime" | "start_time" => start(p.start_ms),
            "pcpu" | "%cpu" | "pmem" | "%mem" => "0.0".to_owned(),
            "rss" | "vsz" | "ni" | "nice" => "0".to_owned(),
            "nlwp" => "1".to_owned(),
            _ => "-".to_owned(),
        }
    }
}

fn start(ms: f64) -> String {
    let secs = (ms / 1000.0) as i64;
    DateTime::from_timestamp(secs, 0)
        .map_or_else(|| "00:00".to_owned(), |t| t.format("%H:%M").to_string())
}

/// `ps`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut all = false;
        let mut full = false;
        let mut bsd_u = false;
        let mut bsd_ax = false;
        let mut headers = true;
        let mut pids: Vec<u32> = Vec::new();
        let mut format: Option<Vec<Col>> = None;
        let args = ctx.argv[1..].to_vec();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].clone();
            i += 1;
            if a == "--no-headers" || a == "--no-heading" {
                headers = false;
                continue;
            }
            let takes = |c: char| matches!(c, 'p' | 'o' | 'u' | 'U' | 'g' | 'G' | 't' | 'C');
            if let Some(rest) = a.strip_prefix("--") {
                let (n, v) = match rest.split_once('=') {
                    Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                    None => (rest.to_owned(), None),
                };
                let val = match v {
                    Some(v) => Some(v),
                    None if matches!(n.as_str(), "pid" | "format" | "ppid" | "sort" | "user") => {
                        i += 1;
                        args.get(i - 1).cloned()
                    }
                    None => None,
                };
                match n.as_str() {
                    "pid" => pids.extend(
                        val.unwrap_or_default()
                            .split([',', ' '])
                            .filter_map(|x| x.parse::<u32>().ok()),
                    ),
                    "format" => format = Some(parse_format(&val.unwrap_or_default())),
                    "sort" | "user" | "ppid" | "forest" | "headers" => {}
                    _ => {
                        ctx.err("error: unknown gnu long option\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n").await;
                        return 1;
                    }
                }
                continue;
            }
            let (bsd, body) = match a.strip_prefix('-') {
                Some(b) => (false, b.to_owned()),
                None => (true, a.clone()),
            };
            let chars: Vec<char> = body.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                if takes(c) && !(bsd && c == 'u') {
                    let rest: String = chars[j..].iter().collect();
                    let v = if rest.is_empty() {
                        i += 1;
                        args.get(i - 1).cloned().unwrap_or_default()
                    } else {
                        rest
                    };
                    match c {
                        'p' => {
                            pids.extend(v.split([',', ' ']).filter_map(|x| x.parse::<u32>().ok()))
                        }
                        'o' => {
                            let mut f = format.take().unwrap_or_default();
                            f.extend(parse_format(&v));
                            format = Some(f);
                        }
                        _ => {}
                    }
                    break;
                }
                match (bsd, c) {
                    (false, 'e' | 'A') => all = true,
                    (
                        false,
                        'f' | 'F' | 'l' | 'j' | 'H' | 'w' | 'y' | 'L' | 'T' | 'a' | 'd' | 'N' | 'M'
                        | 'c',
                    ) => {
                        if c == 'f' || c == 'F' {
                            full = true;
                        }
                    }
                    (true, 'a' | 'x' | 'e') => bsd_ax = true,
                    (true, 'u') => bsd_u = true,
                    (true, 'w' | 'f' | 'h' | 'c' | 'r' | 'l' | 'j' | 'v' | 'm' | 'S') => {
                        if c == 'h' {
                            headers = false;
                        }
                    }
                    _ => {
                        let kind = if bsd { "BSD" } else { "SysV" };
                        ctx.err(format!("error: unsupported {kind} option\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n")).await;
                        return 1;
                    }
                }
            }
        }
        let now_ms = chrono::Utc::now().timestamp_millis() as f64;
        let me = ctx.proc.pid;
        let mut procs: Vec<Arc<Process>> = ctx
            .kernel
            .procs()
            .list()
            .into_iter()
            .filter(|p| p.exit_code().is_none())
            .collect();
        if !pids.is_empty() {
            procs.retain(|p| pids.contains(&p.pid));
        } else if !(all || bsd_ax) {
            let sid = ctx.proc.sid;
            procs.retain(|p| p.sid == sid);
        }
        let cols: Vec<Col> = match format {
            Some(f) => f,
            None => {
                let spec: &[(&str, &str)] = if bsd_u {
                    &[
                        ("user", "USER"),
                        ("pid", "PID"),
                        ("pcpu", "%CPU"),
                        ("pmem", "%MEM"),
                        ("vsz", "VSZ"),
                        ("rss", "RSS"),
                        ("tty", "TTY"),
                        ("stat", "STAT"),
                        ("start", "START"),
                        ("bsdtime", "TIME"),
                        ("args", "COMMAND"),
                    ]
                } else if bsd_ax {
                    &[
                        ("pid", "PID"),
                        ("tty", "TTY"),
                        ("stat", "STAT"),
                        ("bsdtime", "TIME"),
                        ("args", "COMMAND"),
                    ]
                } else if full {
                    &[
                        ("user", "UID"),
                        ("pid", "PID"),
                        ("ppid", "PPID"),
                        ("c", "C"),
                        ("start", "STIME"),
                        ("tty", "TTY"),
                        ("time", "TIME"),
                        ("args", "CMD"),
                    ]
                } else {
                    &[
                        ("pid", "PID"),
                        ("tty", "TTY"),
                        ("time", "TIME"),
                        ("comm", "CMD"),
                    ]
                };
                spec.iter()
                    .map(|(k, h)| Col {
                        key: (*k).to_owned(),
                        header: (*h).to_owned(),
                    })
                    .collect()
            }
        };
        // Fixed widths of the standard formats.
        let width = |key: &str, header: &str| -> usize {
            match key {
                "pid" | "ppid" | "pgid" | "sid" => 5,
                "user" if bsd_u || full => 8,
                "tty" => 8,
                "time" => 8,
                "bsdtime" => 6,
                "c" => 2,
                "start" => 5,
                "pcpu" | "pmem" => 4,
                "vsz" => 6,
                "rss" => 5,
                "stat" if bsd_u || bsd_ax => 4,
                _ => header.len(),
            }
        };
        let rows: Vec<Row> = procs.into_iter().map(|p| Row { p, now_ms, me }).collect();
        let value = |r: &Row, key: &str| -> String {
            match key {
                "bsdtime" => "0:00".to_owned(),
                "c" => "0".to_owned(),
                k => r.get(k),
            }
        };
        let mut widths: Vec<usize> = cols.iter().map(|c| width(&c.key, &c.header)).collect();
        for r in &rows {
            for (k, c) in cols.iter().enumerate() {
                if k + 1 < cols.len() {
                    widths[k] = widths[k].max(value(r, &c.key).len());
                }
            }
        }
        let line = |vals: Vec<String>| -> String {
            let mut s = String::new();
            for (k, (v, c)) in vals.iter().zip(cols.iter()).enumerate() {
                if k > 0 {
                    s.push(' ');
                }
                let w = widths[k];
                if k + 1 == cols.len() && !right_aligned(&c.key) {
                    s.push_str(v);
                } else if right_aligned(&c.key) {
                    s.push_str(&format!("{v:>w$}"));
                } else {
                    s.push_str(&format!("{v:<w$}"));
                }
            }
            s.push('\n');
            s
        };
        let mut out = String::new();
        if headers && cols.iter().any(|c| !c.header.is_empty()) {
            out.push_str(&line(cols.iter().map(|c| c.header.clone()).collect()));
        }
        let found = !rows.is_empty();
        for r in &rows {
            out.push_str(&line(cols.iter().map(|c| value(r, &c.key)).collect()));
        }
        if let Err(e) = ctx.out(out).await {
            return textio::write_error(&ctx, e).await;
        }
        i32::from(!found)
    })
}

fn parse_format(s: &str) -> Vec<Col> {
    let mut out = Vec::new();
    for item in s.split([',', ' ']).filter(|x| !x.is_empty()) {
        let (key, header) = match item.split_once('=') {
            Some((k, h)) => (k.to_owned(), h.to_owned()),
            None => (item.to_owned(), header_for(item).unwrap_or("?").to_owned()),
        };
        out.push(Col { key, header });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn ps_lists_vm_processes() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, err) = rt.block_on(crate::shell::fixtures::run_bash(
            "sleep 3 & sleep 0.2; ps; echo --; ps -ef | head -1; ps -e -o args= | grep -cx 'sleep 3'; ps aux | head -1; \
             ps -o pid=,comm= -p $$; ps -p 99999; echo rc=$?; ps -Q; echo rc=$?; kill $!",
            None,
        ));
        assert_eq!(code, 0, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "  PID TTY          TIME CMD");
        assert!(lines.iter().any(|l| l.ends_with(" sleep")), "{out}");
        assert!(lines.iter().any(|l| l.ends_with(" ps")), "{out}");
        let rest = out.split("--\n").nth(1).unwrap_or("");
        let r: Vec<&str> = rest.lines().collect();
        assert_eq!(r[0], "UID        PID  PPID  C STIME TTY          TIME CMD");
        assert_eq!(r[1], "1");
        assert_eq!(
            r[2],
            "USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"
        );
        assert!(r[3].ends_with(" bash"), "{out}");
        assert_eq!(r[4], "  PID TTY          TIME CMD");
        assert_eq!(r[5], "rc=1");
        assert_eq!(r[6], "rc=1");
        assert!(err.contains("error: unsupported SysV option"), "{err}");
    }
}
