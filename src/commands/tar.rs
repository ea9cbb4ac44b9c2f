//! `tar`: create (`c`), extract (`x`) and list (`t`) archives on the VM filesystem (GNU tar
//! behaviour), built in memory with the `tar` crate; `z` (or a gzip archive) goes through
//! `flate2`.

use std::io::Read;

use bytes::Bytes;

use super::cmd_gzip::{compress, decompress};
use super::{util, Ctx, ProgramFuture};
use crate::kernel::vfs::{path, FileType, SetAttr};

/// Commands in this file.
pub const NAMES: &[&str] = &["tar"];

const TRY: &str = "Try 'tar --help' or 'tar --usage' for more information.";

#[derive(Default)]
struct Opts {
    op: Option<char>,
    gzip: bool,
    file: Option<String>,
    verbose: bool,
    dir: Option<String>,
    to_stdout: bool,
    strip: usize,
    excludes: Vec<String>,
}

/// `tar`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move { run(&ctx).await })
}

async fn usage(ctx: &Ctx, msg: &str) -> i32 {
    ctx.complain(format!("{msg}\n{TRY}")).await;
    2
}

async fn run(ctx: &Ctx) -> i32 {
    let args: Vec<String> = ctx.argv.iter().skip(1).cloned().collect();
    let mut o = Opts::default();
    let mut operands: Vec<String> = Vec::new();
    let mut i = 0;
    let mut pending: Vec<char> = Vec::new();
    let mut only = false;
    while i < args.len() {
        let a = args[i].clone();
        i += 1;
        if only {
            operands.push(a);
            continue;
        }
        if a == "--" {
            only = true;
            continue;
        }
        let letters: Option<Vec<char>> = if i == 1 && !a.starts_with('-') && !a.is_empty() {
            Some(a.chars().collect())
        } else if a.starts_with('-') && !a.starts_with("--") && a.len() > 1 {
            Some(a[1..].chars().collect())
        } else {
            None
        };
        if let Some(l) = letters {
            let dashed = a.starts_with('-');
            let mut k = 0;
            while k < l.len() {
                let c = l[k];
                k += 1;
                match c {
                    'c' | 'x' | 't' => {
                        if o.op.is_some_and(|p| p != c) {
                            return usage(ctx, "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option").await;
                        }
                        o.op = Some(c)
                    }
                    'z' => o.gzip = true,
                    'v' => o.verbose = true,
                    'O' => o.to_stdout = true,
                    'p' | 'o' | 'm' => {}
                    'f' | 'C' => {
                        if dashed && k < l.len() {
                            let v: String = l[k..].iter().collect();
                            if c == 'f' {
                                o.file = Some(v);
                            } else {
                                o.dir = Some(v);
                            }
                            break;
                        }
                        pending.push(c);
                    }
                    _ => {
                        ctx.complain(format!("invalid option -- '{c}'\n{TRY}"))
                            .await;
                        return 64;
                    }
                }
            }
            // Arguments of bundled options follow, in order.
            for c in std::mem::take(&mut pending) {
                let Some(v) = args.get(i).cloned() else {
                    ctx.complain(format!("option requires an argument -- '{c}'\n{TRY}"))
                        .await;
                    return 64;
                };
                i += 1;
                if c == 'f' {
                    o.file = Some(v);
                } else {
                    o.dir = Some(v);
                }
            }
            continue;
        }
        if let Some(l) = a.strip_prefix("--") {
            let (n, v) = match l.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (l, None),
            };
            let val = |i: &mut usize| -> Option<String> {
                if v.is_some() {
                    return v.clone();
                }
                let r = args.get(*i).cloned();
                *i += 1;
                r
            };
            match n {
                "version" => {
                    let _ = ctx.out("tar (GNU tar) 1.34\n").await;
                    return 0;
                }
                "create" => o.op = Some('c'),
                "extract" | "get" => o.op = Some('x'),
                "list" => o.op = Some('t'),
                "gzip" | "gunzip" => o.gzip = true,
                "verbose" => o.verbose = true,
                "to-stdout" => o.to_stdout = true,
                "strip-components" | "exclude" => {
                    let Some(x) = val(&mut i) else {
                        ctx.complain(format!("option '--{n}' requires an argument\n{TRY}"))
                            .await;
                        return 64;
                    };
                    if n == "exclude" {
                        o.excludes.push(x);
                    } else {
                        match x.parse() {
                            Ok(v) => o.strip = v,
                            Err(_) => {
                                ctx.complain(format!("Invalid number of elements: '{x}'\n{TRY}"))
                                    .await;
                                return 2;
                            }
                        }
                    }
                }
                "file" | "directory" => {
                    let Some(x) = val(&mut i) else {
                        ctx.complain(format!("option '--{n}' requires an argument\n{TRY}"))
                            .await;
                        return 64;
                    };
                    if n == "file" {
                        o.file = Some(x);
                    } else {
                        o.dir = Some(x);
                    }
                }
                _ => {
                    ctx.complain(format!("unrecognized option '{a}'\n{TRY}"))
                        .await;
                    return 64;
                }
            }
            continue;
        }
        operands.push(a);
    }
    let Some(op) = o.op else {
        return usage(
            ctx,
            "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
        )
        .await;
    };
    let base = match &o.dir {
        Some(d) => ctx.abs(d),
        None => ctx.cwd(),
    };
    match op {
        'c' => create(ctx, &o, &base, &operands).await,
        _ => extract_or_list(ctx, &o, &base, &operands, op == 'x').await,
    }
}

async fn create(ctx: &Ctx, o: &Opts, base: &str, operands: &[String]) -> i32 {
    if operands.is_empty() {
        return usage(ctx, "Cowardly refusing to create an empty archive").await;
    }
    let vfs = ctx.kernel.vfs();
    let mut b = tar::Builder::new(Vec::new());
    let mut failed = false;
    let mut listing = String::new();
    let mut warned = false;
    for op in operands {
        let abs = if op.starts_with('/') {
            op.clone()
        } else {
            path::join(base, op)
        };
        let st = match vfs.stat(ctx.cred(), &abs, false).await {
            Ok(st) => st,
            Err(e) => {
                let en = e
                    .errno_value()
                    .map(|e| e.strerror())
                    .unwrap_or("Input/output error");
                ctx.complain(format!("{op}: Cannot stat: {en}")).await;
                failed = true;
                continue;
            }
        };
        let mut name = op.trim_end_matches('/').to_owned();
        if name.is_empty() {
            name = "/".to_owned();
        }
        if name.starts_with('/') {
            if !warned {
                ctx.complain("Removing leading `/' from member names").await;
                warned = true;
            }
            name = name.trim_start_matches('/').to_owned();
        }
        // Depth-first walk in name order.
        let mut stack = vec![(abs.clone(), name.clone(), st)];
        while let Some((p, n, st)) = stack.pop() {
            let mut h = tar::Header::new_gnu();
            h.set_mode(st.perm);
            h.set_uid(st.uid as u64);
            h.set_gid(st.gid as u64);
            let uname = match st.uid {
                0 => "root".to_owned(),
                1000 => "user".to_owned(),
                u => u.to_string(),
            };
            let gname = match st.gid {
                0 => "root".to_owned(),
                1000 => "user".to_owned(),
                g => g.to_string(),
            };
            let _ = h.set_username(&uname);
            let _ = h.set_groupname(&gname);
            let base_name = n.rsplit('/').next().unwrap_or(&n);
            if o.excludes.iter().any(|x| glob(x, base_name) || glob(x, &n)) {
                continue;
            }
            h.set_mtime((st.mtime_ns / 1_000_000_000).max(0) as u64);
            let r = match st.file_type {
                FileType::Dir => {
                    let dn = if n.is_empty() || n.ends_with('/') {
                        n.clone()
                    } else {
                        format!("{n}/")
                    };
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_size(0);
                    listing.push_str(&format!("{dn}\n"));
                    let r = if dn.is_empty() {
                        Ok(())
                    } else {
                        b.append_data(&mut h, &dn, &[][..])
                    };
                    match vfs.read_dir(ctx.cred(), &p).await {
                        Ok(mut ents) => {
                            ents.sort_by(|a, b| b.name.cmp(&a.name));
                            for e in ents {
                                stack.push((
                                    path::join(&p, &e.name),
                                    format!("{dn}{}", e.name),
                                    e.stat,
                                ));
                            }
                        }
                        Err(e) => {
                            let en = e
                                .errno_value()
                                .map(|e| e.strerror())
                                .unwrap_or("Input/output error");
                            ctx.complain(format!("{n}: Cannot open: {en}")).await;
                            failed = true;
                        }
                    }
                    r
                }
                FileType::Symlink => {
                    let target = vfs.readlink(ctx.cred(), &p).await.unwrap_or_default();
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_size(0);
                    listing.push_str(&format!("{n}\n"));
                    b.append_link(&mut h, &n, &target)
                }
                FileType::File => match vfs.read_file(ctx.cred(), &p).await {
                    Ok(data) => {
                        h.set_entry_type(tar::EntryType::Regular);
                        h.set_size(data.len() as u64);
                        listing.push_str(&format!("{n}\n"));
                        b.append_data(&mut h, &n, &data[..])
                    }
                    Err(e) => {
                        let en = e
                            .errno_value()
                            .map(|e| e.strerror())
                            .unwrap_or("Input/output error");
                        ctx.complain(format!("{n}: Cannot open: {en}")).await;
                        failed = true;
                        Ok(())
                    }
                },
                FileType::CharDevice => {
                    ctx.complain(format!("{n}: socket ignored")).await;
                    Ok(())
                }
            };
            if let Err(e) = r {
                ctx.complain(format!("{n}: {e}")).await;
                failed = true;
            }
            if ctx.proc.pending_fatal().is_some() {
                return 2;
            }
        }
    }
    let data = match b.into_inner() {
        Ok(d) => d,
        Err(e) => {
            ctx.complain(format!("{e}")).await;
            return 2;
        }
    };
    let data = if o.gzip { compress(&data, 6) } else { data };
    let to_stdout = matches!(o.file.as_deref(), None | Some("-"));
    if o.verbose {
        if to_stdout {
            ctx.err(listing).await;
        } else {
            let _ = ctx.out(listing).await;
        }
    }
    if to_stdout {
        if ctx.out(data).await.is_err() {
            return 2;
        }
    } else if let Some(f) = &o.file {
        if let Err(e) = vfs
            .write_file(ctx.cred(), &ctx.abs(f), Bytes::from(data))
            .await
        {
            let en = e
                .errno_value()
                .map(|e| e.strerror())
                .unwrap_or("Input/output error");
            ctx.complain(format!(
                "{f}: Cannot open: {en}\ntar: Error is not recoverable: exiting now"
            ))
            .await;
            return 2;
        }
    }
    if failed {
        ctx.complain("Exiting with failure status due to previous errors")
            .await;
        return 2;
    }
    0
}

/// A member's name is selected by the operands (itself or below one).
fn selected(name: &str, operands: &[String]) -> Option<usize> {
    if operands.is_empty() {
        return Some(usize::MAX);
    }
    let n = name.trim_end_matches('/');
    operands.iter().position(|op| {
        let op = op.trim_end_matches('/');
        n == op || n.starts_with(&format!("{op}/"))
    })
}

async fn extract_or_list(
    ctx: &Ctx,
    o: &Opts,
    base: &str,
    operands: &[String],
    extract: bool,
) -> i32 {
    let vfs = ctx.kernel.vfs();
    let fname = o.file.clone().unwrap_or_else(|| "-".to_owned());
    let raw = if fname == "-" {
        match util::read_all(ctx, "-").await {
            Ok(d) => d,
            Err(e) => {
                ctx.complain(e).await;
                return 2;
            }
        }
    } else {
        match vfs.read_file(ctx.cred(), &ctx.abs(&fname)).await {
            Ok(d) => d.to_vec(),
            Err(e) => {
                let en = e
                    .errno_value()
                    .map(|e| e.strerror())
                    .unwrap_or("Input/output error");
                ctx.complain(format!(
                    "{fname}: Cannot open: {en}\ntar: Error is not recoverable: exiting now"
                ))
                .await;
                return 2;
            }
        }
    };
    let data = if o.gzip || raw.starts_with(&[0x1f, 0x8b]) {
        match decompress(&raw) {
            Ok(d) => d,
            Err(_) => {
                ctx.err("\ngzip: stdin: not in gzip format\ntar: Child returned status 1\ntar: Error is not recoverable: exiting now\n").await;
                return 2;
            }
        }
    } else {
        raw
    };
    if data.is_empty() {
        return 0;
    }
    if data.len() < 512 || !valid_header(&data[..512]) {
        ctx.complain("This does not look like a tar archive").await;
        ctx.complain("Exiting with failure status due to previous errors")
            .await;
        return 2;
    }
    // Collect the members (synchronously; the archive is in memory).
    struct Member {
        name: String,
        kind: tar::EntryType,
        mode: u32,
        mtime: u64,
        link: Option<String>,
        data: Vec<u8>,
        owner: String,
        size: u64,
    }
    let mut members: Vec<Member> = Vec::new();
    let mut bad = false;
    {
        let mut ar = tar::Archive::new(&data[..]);
        match ar.entries() {
            Ok(entries) => {
                for e in entries {
                    let Ok(mut e) = e else {
                        bad = true;
                        break;
                    };
                    let name = match e.path() {
                        Ok(p) => p.to_string_lossy().into_owned(),
                        Err(_) => {
                            bad = true;
                            break;
                        }
                    };
                    let kind = e.header().entry_type();
                    let mode = e.header().mode().unwrap_or(0o644);
                    let mtime = e.header().mtime().unwrap_or(0);
                    let hd = e.header();
                    let user = hd
                        .username()
                        .ok()
                        .flatten()
                        .filter(|u| !u.is_empty())
                        .map(str::to_owned)
                        .unwrap_or_else(|| hd.uid().unwrap_or(0).to_string());
                    let group = hd
                        .groupname()
                        .ok()
                        .flatten()
                        .filter(|u| !u.is_empty())
                        .map(str::to_owned)
                        .unwrap_or_else(|| hd.gid().unwrap_or(0).to_string());
                    let owner = format!("{user}/{group}");
                    let size = hd.size().unwrap_or(0);
                    let link = e
                        .link_name()
                        .ok()
                        .flatten()
                        .map(|l| l.to_string_lossy().into_owned());
                    let mut buf = Vec::new();
                    if kind.is_file() && e.read_to_end(&mut buf).is_err() {
                        bad = true;
                        break;
                    }
                    let name = if kind.is_dir() && !name.ends_with('/') {
                        format!("{name}/")
                    } else {
                        name
                    };
                    members.push(Member {
                        name,
                        kind,
                        mode,
                        mtime,
                        link,
                        data: buf,
                        owner,
                        size,
                    });
                }
            }
            Err(_) => bad = true,
        }
    }
    let mut failed = false;
    let mut seen = vec![false; operands.len()];
    let mut listing = String::new();
    for m in &members {
        let Some(k) = selected(&m.name, operands) else {
            continue;
        };
        if k < seen.len() {
            seen[k] = true;
        }
        if o.verbose && !extract {
            listing.push_str(&long_line(
                m.kind,
                m.mode,
                &m.owner,
                m.size,
                m.mtime,
                &m.name,
                m.link.as_deref(),
            ));
        } else if !extract || o.verbose {
            listing.push_str(&m.name);
            listing.push('\n');
        }
        if !extract {
            continue;
        }
        if o.to_stdout {
            if m.kind.is_file() {
                let _ = ctx.out(m.data.clone()).await;
            }
            continue;
        }
        let rel = m.name.trim_start_matches('/');
        let parts: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
        if o.strip > 0 && parts.len() <= o.strip {
            continue;
        }
        let stripped = parts[o.strip.min(parts.len())..].join("/");
        let rel = stripped.as_str();
        if rel.split('/').any(|c| c == "..") {
            ctx.complain(format!("{}: Member name contains '..'", m.name))
                .await;
            failed = true;
            continue;
        }
        let dest = path::join(base, rel.trim_end_matches('/'));
        if let Some((parent, _)) = dest.rsplit_once('/') {
            if !parent.is_empty() {
                let _ = vfs.mkdir_all(ctx.cred(), parent, 0o755).await;
            }
        }
        let r = if m.kind.is_dir() {
            vfs.mkdir_all(ctx.cred(), &dest, 0o755).await
        } else if m.kind.is_symlink() {
            let _ = vfs.unlink(ctx.cred(), &dest).await;
            vfs.symlink(ctx.cred(), m.link.as_deref().unwrap_or(""), &dest)
                .await
        } else if m.kind.is_hard_link() {
            let target = path::join(
                base,
                m.link.as_deref().unwrap_or("").trim_start_matches('/'),
            );
            let _ = vfs.unlink(ctx.cred(), &dest).await;
            vfs.link(ctx.cred(), &target, &dest).await
        } else if m.kind.is_file() {
            vfs.write_file(ctx.cred(), &dest, Bytes::from(m.data.clone()))
                .await
        } else {
            Ok(())
        };
        match r {
            Ok(()) => {
                if !m.kind.is_symlink() {
                    let _ = vfs
                        .set_attr(
                            ctx.cred(),
                            &dest,
                            true,
                            SetAttr {
                                perm: Some(m.mode & 0o7777),
                                mtime_ns: Some((m.mtime as i64).saturating_mul(1_000_000_000)),
                                ..Default::default()
                            },
                            "utimensat",
                        )
                        .await;
                }
            }
            Err(e) => {
                let en = e
                    .errno_value()
                    .map(|e| e.strerror())
                    .unwrap_or("Input/output error");
                ctx.complain(format!(
                    "{}: Cannot open: {en}",
                    m.name.trim_end_matches('/')
                ))
                .await;
                failed = true;
            }
        }
    }
    if !listing.is_empty() {
        let _ = ctx.out(listing).await;
    }
    for (k, s) in seen.iter().enumerate() {
        if !s {
            ctx.complain(format!("{}: Not found in archive", operands[k]))
                .await;
            failed = true;
        }
    }
    if bad {
        ctx.complain("Unexpected EOF in archive\ntar: Error is not recoverable: exiting now")
            .await;
        return 2;
    }
    if failed {
        ctx.complain("Exiting with failure status due to previous errors")
            .await;
        return 2;
    }
    0
}

/// `fnmatch` for `--exclude`.
fn glob(p: &str, n: &str) -> bool {
    fn rec(p: &[char], n: &[char], budget: &mut u32) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|k| rec(&p[1..], &n[k..], budget)),
            Some('?') => !n.is_empty() && rec(&p[1..], &n[1..], budget),
            Some(&c) => n.first() == Some(&c) && rec(&p[1..], &n[1..], budget),
        }
    }
    let p: Vec<char> = p.chars().collect();
    let n: Vec<char> = n.chars().collect();
    rec(&p, &n, &mut 100_000)
}

/// A `tar tv` line: mode, owner/group, size, date, name.
fn long_line(
    kind: tar::EntryType,
    mode: u32,
    owner: &str,
    size: u64,
    mtime: u64,
    name: &str,
    link: Option<&str>,
) -> String {
    let t = if kind.is_dir() {
        'd'
    } else if kind.is_symlink() {
        'l'
    } else if kind.is_hard_link() {
        'h'
    } else {
        '-'
    };
    let mut m = String::from(t);
    for (k, c) in "rwxrwxrwx".chars().enumerate() {
        m.push(if mode & (0o400 >> k) != 0 { c } else { '-' });
    }
    let size_s = size.to_string();
    let pad = 19usize.saturating_sub(owner.len() + size_s.len()).max(1);
    let secs = mtime as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    let mut line = format!(
        "{m} {owner}{}{size_s} {y:04}-{mo:02}-{d:02} {:02}:{:02} {name}",
        " ".repeat(pad),
        rem / 3600,
        rem % 3600 / 60
    );
    if let Some(l) = link {
        if kind.is_symlink() {
            line.push_str(&format!(" -> {l}"));
        } else if kind.is_hard_link() {
            line.push_str(&format!(" link to {l}"));
        }
    }
    line.push('\n');
    line
}

/// Whether a 512-byte block is a tar header (its checksum matches) or all zeros.
fn valid_header(b: &[u8]) -> bool {
    if b.iter().all(|&x| x == 0) {
        return true;
    }
    let stored = String::from_utf8_lossy(&b[148..156]);
    let stored = stored.trim_matches(|c: char| c == '\0' || c == ' ');
    let Ok(want) = u32::from_str_radix(stored, 8) else {
        return false;
    };
    let sum: u32 = b
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if (148..156).contains(&i) {
                32
            } else {
                x as u32
            }
        })
        .sum();
    sum == want
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn selects_members() {
        assert_eq!(selected("d/a", &["d".to_owned()]), Some(0));
        assert_eq!(selected("e/a", &["d".to_owned()]), None);
        assert!(!valid_header(&[1u8; 512]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn never_panics(args in proptest::collection::vec("-?[cxtzvfC]{0,3}|[a-z.]{1,4}", 0..4), input in proptest::collection::vec(any::<u8>(), 0..1200)) {
            let _ = valid_header(&{ let mut b = input.clone(); b.resize(512, 0); b });
            let mut ar = tar::Archive::new(&input[..]);
            if let Ok(es) = ar.entries() {
                for e in es.take(10).flatten() {
                    let _ = e.path();
                }
            }
            let script = format!("mkdir d; echo x > d/f; tar {}", args.join(" "));
            let rt = crate::sidecar::runtime_builder().build().unwrap();
            let _ = rt.block_on(crate::shell::fixtures::run_bash(&script, None));
        }
    }
}
