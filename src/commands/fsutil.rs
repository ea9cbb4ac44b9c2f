//! Helpers shared by the file commands (`ls`, `cp`, `stat`, `chmod`, `find`...): error texts,
//! mode strings, modes given in octal or symbolically, owner names, times and sizes.

use super::Ctx;
use crate::error::Error;
use crate::kernel::errno::Errno;
use crate::kernel::vfs::{FileType, Stat};

/// The errno of a kernel error (`EIO` when it has none).
pub fn errno(e: &Error) -> Errno {
    e.errno_value().unwrap_or(Errno::EIO)
}

/// The C `strerror` text of a kernel error.
pub fn strerror(e: &Error) -> &'static str {
    errno(e).strerror()
}

/// `stat` (`follow`) or `lstat` of a path relative to the working directory.
pub async fn stat(ctx: &Ctx, p: &str, follow: bool) -> Result<Stat, Error> {
    ctx.kernel.vfs().stat(ctx.cred(), &ctx.abs(p), follow).await
}

/// The absolute path of `p`, with a trailing slash kept off (except for `/`).
pub fn abs(ctx: &Ctx, p: &str) -> String {
    let a = ctx.abs(p);
    let t = a.trim_end_matches('/');
    if t.is_empty() {
        "/".to_owned()
    } else {
        t.to_owned()
    }
}

/// Join a directory operand and an entry name the way GNU tools print it (`d/x`, `d/x` for `d/`).
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The last component of `p` (trailing slashes ignored), as `basename` computes it.
pub fn base_name(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { "" } else { "/" };
    }
    match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

/// The directory part of `p`, as `dirname` computes it.
pub fn dir_name(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.starts_with('/') { "/" } else { "." };
    }
    match t.rfind('/') {
        None => ".",
        Some(i) => {
            let d = t[..i].trim_end_matches('/');
            if d.is_empty() {
                "/"
            } else {
                d
            }
        }
    }
}

/// The type letter of `ls -l` (`-`, `d`, `l`, `c`).
pub fn type_char(t: FileType) -> char {
    match t {
        FileType::File => '-',
        FileType::Dir => 'd',
        FileType::Symlink => 'l',
        FileType::CharDevice => 'c',
    }
}

/// `drwxr-xr-x`-style text of a stat.
pub fn mode_string(st: &Stat) -> String {
    let m = st.perm;
    let mut s = String::with_capacity(10);
    s.push(type_char(st.file_type));
    let bit = |b: u32, c: char| if m & b != 0 { c } else { '-' };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(match (m & 0o100 != 0, m & 0o4000 != 0) {
        (true, true) => 's',
        (false, true) => 'S',
        (true, false) => 'x',
        _ => '-',
    });
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(match (m & 0o010 != 0, m & 0o2000 != 0) {
        (true, true) => 's',
        (false, true) => 'S',
        (true, false) => 'x',
        _ => '-',
    });
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(match (m & 0o001 != 0, m & 0o1000 != 0) {
        (true, true) => 't',
        (false, true) => 'T',
        (true, false) => 'x',
        _ => '-',
    });
    s
}

/// `stat %F` text.
pub fn type_name(st: &Stat) -> &'static str {
    match st.file_type {
        FileType::File if st.size == 0 => "regular empty file",
        FileType::File => "regular file",
        FileType::Dir => "directory",
        FileType::Symlink => "symbolic link",
        FileType::CharDevice => "character special file",
    }
}

/// Major and minor device numbers of the VM's character devices, by name.
pub fn device_numbers(name: &str) -> (u32, u32) {
    match base_name(name) {
        "null" => (1, 3),
        "zero" => (1, 5),
        "full" => (1, 7),
        "random" => (1, 8),
        "urandom" => (1, 9),
        "tty" => (5, 0),
        _ => (0, 0),
    }
}

/// The umask guest processes run with.
pub const UMASK: u32 = 0o022;

/// Apply a chmod-style mode (`755`, `u+x,go-w`, `a=rX`) to `old`; `None` if it is invalid.
pub fn apply_mode(spec: &str, old: u32, is_dir: bool) -> Option<u32> {
    if spec.is_empty() {
        return None;
    }
    if spec.chars().all(|c| c.is_digit(8)) {
        let v = u32::from_str_radix(spec, 8).ok()?;
        if v > 0o7777 {
            return None;
        }
        // GNU keeps a directory's setuid/setgid bits unless 5+ digits are given.
        if is_dir && spec.len() < 5 {
            return Some(v | (old & 0o6000));
        }
        return Some(v);
    }
    let mut mode = old & 0o7777;
    for clause in spec.split(',') {
        let b = clause.as_bytes();
        let mut i = 0;
        let mut who = 0u32;
        while i < b.len() && b"ugoa".contains(&b[i]) {
            who |= match b[i] {
                b'u' => 0o4700,
                b'g' => 0o2070,
                b'o' => 0o1007,
                _ => 0o7777,
            };
            i += 1;
        }
        let masked = who == 0;
        if masked {
            who = 0o7777;
        }
        if i >= b.len() {
            return None;
        }
        while i < b.len() {
            let op = b[i];
            if !b"+-=".contains(&op) {
                return None;
            }
            i += 1;
            let mut perm = 0u32;
            if i < b.len() && b"ugo".contains(&b[i]) {
                let src = match b[i] {
                    b'u' => (mode >> 6) & 7,
                    b'g' => (mode >> 3) & 7,
                    _ => mode & 7,
                };
                perm = src * 0o111;
                i += 1;
            } else {
                while i < b.len() && b"rwxXst".contains(&b[i]) {
                    perm |= match b[i] {
                        b'r' => 0o444,
                        b'w' => 0o222,
                        b'x' => 0o111,
                        b'X' => {
                            if is_dir || mode & 0o111 != 0 {
                                0o111
                            } else {
                                0
                            }
                        }
                        b's' => 0o6000,
                        _ => 0o1000,
                    };
                    i += 1;
                }
            }
            let mut eff = perm & who;
            if masked {
                eff &= !UMASK;
            }
            match op {
                b'+' => mode |= eff,
                b'-' => mode &= !eff,
                _ => {
                    let clear = if masked { 0o7777 } else { who };
                    // `=` keeps a directory's setuid/setgid bits unless it names them.
                    let clear = if is_dir { clear & !0o6000 } else { clear };
                    mode = (mode & !clear) | eff;
                }
            }
        }
    }
    Some(mode)
}

/// Read a colon-separated database (`/etc/passwd`, `/etc/group`) and find the name for `id`.
async fn db_name(ctx: &Ctx, file: &str, id: u32) -> Option<String> {
    let data = ctx.kernel.vfs().read_file(ctx.cred(), file).await.ok()?;
    let text = String::from_utf8_lossy(&data);
    for line in text.lines() {
        let mut f = line.split(':');
        let name = f.next()?;
        let _ = f.next();
        if f.next().and_then(|x| x.parse::<u32>().ok()) == Some(id) {
            return Some(name.to_owned());
        }
    }
    None
}

/// The user name of `uid` (the number when unknown).
pub async fn user_name(ctx: &Ctx, uid: u32) -> String {
    db_name(ctx, "/etc/passwd", uid)
        .await
        .unwrap_or_else(|| uid.to_string())
}

/// The group name of `gid` (the number when unknown).
pub async fn group_name(ctx: &Ctx, gid: u32) -> String {
    db_name(ctx, "/etc/group", gid)
        .await
        .unwrap_or_else(|| gid.to_string())
}

/// Broken-down UTC time: (year, month 1-12, day, hour, minute, second).
pub fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// Seconds since the epoch of a UTC date and time.
pub fn from_civil(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86400 + hh as i64 * 3600 + mm as i64 * 60 + ss as i64
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ls -l`'s time column: `Nov 24 07:22` within six months of `now_ns`, else `Nov 24  2025`.
pub fn ls_time(t_ns: i64, now_ns: i64) -> String {
    let secs = t_ns.div_euclid(1_000_000_000);
    let (y, m, d, hh, mm, _) = civil(secs);
    let mon = MONTHS[(m as usize).saturating_sub(1) % 12];
    let six_months = 31_556_952i64 / 2 * 1_000_000_000;
    if now_ns.saturating_sub(t_ns) > six_months || t_ns > now_ns {
        format!("{mon} {d:>2}  {y}")
    } else {
        format!("{mon} {d:>2} {hh:02}:{mm:02}")
    }
}

/// `stat`'s time text: `2026-11-24 07:22:29.123456789 +0000`.
pub fn full_time(t_ns: i64) -> String {
    let secs = t_ns.div_euclid(1_000_000_000);
    let ns = t_ns.rem_euclid(1_000_000_000);
    let (y, m, d, hh, mm, ss) = civil(secs);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}.{ns:09} +0000")
}

/// The current time in nanoseconds since the epoch.
pub fn now_ns() -> i64 {
    crate::kernel::vfs::memfs::now_ns()
}

/// A size the way `-h` prints it (`1.5K`, `23M`, `512`).
pub fn human(n: u64) -> String {
    if n < 1024 {
        return n.to_string();
    }
    let units = ['K', 'M', 'G', 'T', 'P', 'E'];
    let mut v = n as f64;
    let mut u = 0;
    loop {
        v /= 1024.0;
        if v < 1024.0 || u == units.len() - 1 {
            break;
        }
        u += 1;
    }
    if v < 10.0 {
        let r = (v * 10.0).ceil() / 10.0;
        if r >= 10.0 {
            format!("{}{}", r as u64, units[u])
        } else {
            format!("{r:.1}{}", units[u])
        }
    } else {
        let r = v.ceil();
        if r >= 1024.0 && u + 1 < units.len() {
            format!("1.0{}", units[u + 1])
        } else {
            format!("{}{}", r as u64, units[u])
        }
    }
}

/// Blocks of 1024 bytes a file of `size` bytes occupies (4K allocation units, as ext4).
pub fn kblocks(st: &Stat) -> u64 {
    match st.file_type {
        FileType::Dir => 4,
        FileType::Symlink => 0,
        FileType::CharDevice => 0,
        FileType::File => st.size.div_ceil(4096) * 4,
    }
}

/// The standard `Try 'NAME --help'` line.
pub fn try_help(name: &str) -> String {
    format!("Try '{name} --help' for more information.")
}

/// GNU's quoting of a file name in error messages: `'name'` always (`quote` style for
/// `cannot remove` and friends).
pub fn q(name: &str) -> String {
    super::cmd_textio::quote_always(name)
}

/// Ask a yes/no question on standard error and read the answer from standard input (`y` or
/// `Y` first means yes; end of input means no).
pub async fn ask(ctx: &Ctx, prompt: &str) -> bool {
    ctx.err(format!("{}: {prompt}", ctx.name())).await;
    let mut line = Vec::new();
    loop {
        match ctx.read(0, 1).await {
            Ok(b) if b.is_empty() => break,
            Ok(b) => {
                if b[0] == b'\n' {
                    break;
                }
                line.extend_from_slice(&b);
            }
            Err(_) => break,
        }
    }
    matches!(line.first(), Some(b'y' | b'Y'))
}

/// What `rm -i` calls a file of this kind.
pub fn kind_name(st: &Stat) -> &'static str {
    match st.file_type {
        FileType::File if st.size == 0 => "regular empty file",
        FileType::File => "regular file",
        FileType::Dir => "directory",
        FileType::Symlink => "symbolic link",
        FileType::CharDevice => "character special file",
    }
}

/// `--help` and `--version` (before any `--`): print `usage` or `version` and give the exit
/// status; `None` to go on.
pub async fn help_or_version(ctx: &Ctx, usage: &str, version: &str) -> Option<i32> {
    for a in ctx.argv.iter().skip(1) {
        match a.as_str() {
            "--" => return None,
            "--help" => return Some(i32::from(ctx.out(usage.to_owned()).await.is_err())),
            "--version" => return Some(i32::from(ctx.out(version.to_owned()).await.is_err())),
            _ => {}
        }
    }
    None
}

/// Whether a write to standard output failed (so a command can stop early).
pub async fn out(ctx: &Ctx, s: impl Into<bytes::Bytes>) -> bool {
    ctx.out(s).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_names() {
        assert_eq!(apply_mode("755", 0, false), Some(0o755));
        assert_eq!(apply_mode("u+x", 0o644, false), Some(0o744));
        assert_eq!(apply_mode("go-r", 0o644, false), Some(0o600));
        assert_eq!(apply_mode("+x", 0o644, false), Some(0o755));
        assert_eq!(apply_mode("a=r", 0o777, false), Some(0o444));
        assert_eq!(apply_mode("u=rwx,g=rx,o=", 0o0, false), Some(0o750));
        assert_eq!(apply_mode("=", 0o777, false), Some(0o000));
        assert_eq!(apply_mode("o+t", 0o755, true), Some(0o1755));
        assert_eq!(apply_mode("g=u", 0o700, false), Some(0o770));
        assert_eq!(apply_mode("a+X", 0o644, true), Some(0o755));
        assert_eq!(apply_mode("a+X", 0o644, false), Some(0o644));
        assert_eq!(apply_mode("xyz", 0o644, false), None);
        assert_eq!(apply_mode("u", 0o644, false), None);
        assert_eq!(dir_name("a/b/"), "a");
        assert_eq!(dir_name("/a"), "/");
        assert_eq!(dir_name("a"), ".");
        assert_eq!(dir_name("//"), "/");
        assert_eq!(base_name("/a/b//"), "b");
        assert_eq!(base_name("/"), "/");
        assert_eq!(human(1536), "1.5K");
        assert_eq!(human(4096), "4.0K");
        assert_eq!(human(1023), "1023");
        assert_eq!(human(10 * 1024 * 1024 + 1), "11M");
        assert_eq!(full_time(0), "1970-01-01 00:00:00.000000000 +0000");
        assert_eq!(from_civil(2026, 11, 24, 7, 22, 29), 1_795_504_949);
        assert_eq!(civil(1_795_504_949), (2026, 11, 24, 7, 22, 29));
    }

    #[test]
    fn odd_arguments_never_panic() {
        let cmds = [
            "ls", "mkdir", "rmdir", "rm", "cp", "mv", "touch", "stat", "ln", "chmod", "readlink",
            "realpath", "basename", "dirname", "find", "which", "mktemp", "du", "df", "install",
            "tree", "file",
        ];
        let args = [
            "",
            "-",
            "--",
            "-0",
            "//",
            "../..",
            "caf\u{e9}",
            "-Z",
            "--x=",
            "%",
            "-c",
            "%n%",
            "-s",
            "-t",
            "-m",
            "-d",
            "-L",
            "-exec",
            "(",
            "!",
            "XXX",
            "-size",
            "+",
            "-newer",
            "9999-99-99",
            "@",
            "-printf",
            "%T",
        ];
        let mut script = String::from("mkdir -p w/d; cd w; touch f; ln -s f l; ");
        for c in cmds {
            for (i, a) in args.iter().enumerate() {
                let b = args[(i * 7 + 3) % args.len()];
                script.push_str(&format!(
                    "{c} '{a}' '{b}' f </dev/null >/dev/null 2>&1; echo \"{c}:$?\"; "
                ));
            }
        }
        let (_, out, err) = crate::sidecar::runtime_builder()
            .build()
            .unwrap()
            .block_on(crate::shell::fixtures::run_bash(&script, None));
        assert!(!out.contains(":134"), "{out}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(out.lines().count(), cmds.len() * args.len(), "{out}{err}");
    }
}
