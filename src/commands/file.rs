//! `file [-b] [-L] [-i|--mime-type] FILE...`: guess file types from their content (a small
//! magic table: empty, text flavours, scripts, JSON, HTML, XML, ELF, gzip, tar, zip, PNG, GIF,
//! JPEG, PDF, directories, symlinks, devices).

use super::cmd_fsutil as fu;
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["file"];

const USAGE: &str = "Usage: file [-bcCdEhikLlNnprsSvzZ0] [--apple] [--extension] [--mime-encoding]
            [--mime-type] [-e <testname>] [-F <separator>]  [-f <namefile>]
            [-m <magicfiles>] [-P <parameter=value>] [--exclude-quiet]
            <file> ...
       file -C [-m <magicfiles>]
       file [--help]
";

fn be32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn le32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn le16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn ctime(secs: i64) -> String {
    let (y, m, d, hh, mm, ss) = fu::civil(secs);
    let wd = DAYS[secs.div_euclid(86400).rem_euclid(7) as usize];
    let mon = MONTHS[(m as usize).saturating_sub(1) % 12];
    format!("{wd} {mon} {d:2} {hh:02}:{mm:02}:{ss:02} {y}")
}

/// Describe binary content by its magic number.
fn magic(d: &[u8]) -> Option<(String, &'static str)> {
    if d.starts_with(b"\x1f\x8b") {
        let mut s = String::from("gzip compressed data");
        let flags = d.get(3).copied().unwrap_or(0);
        if flags & 0x08 != 0 {
            let start = if flags & 0x04 != 0 {
                12 + le16(d, 10).unwrap_or(0) as usize
            } else {
                10
            };
            if let Some(rest) = d.get(start..) {
                let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                s.push_str(&format!(
                    ", was \"{}\"",
                    String::from_utf8_lossy(&rest[..end])
                ));
            }
        }
        if let Some(t) = le32(d, 4).filter(|t| *t != 0) {
            s.push_str(&format!(", last modified: {}", ctime(t as i64)));
        }
        if d.get(8) == Some(&2) {
            s.push_str(", max compression");
        } else if d.get(8) == Some(&4) {
            s.push_str(", max speed");
        }
        if d.get(9) == Some(&3) {
            s.push_str(", from Unix");
        }
        if d.len() >= 18 {
            if let Some(n) = le32(d, d.len() - 4) {
                s.push_str(&format!(", original size modulo 2^32 {n}"));
            }
        }
        return Some((s, "application/gzip"));
    }
    if d.starts_with(b"\x7fELF") {
        let bits = if d.get(4) == Some(&2) { "64" } else { "32" };
        let endian = if d.get(5) == Some(&2) { "MSB" } else { "LSB" };
        let mut s = format!("ELF {bits}-bit {endian}");
        if d.len() >= 20 {
            let kind = match le16(d, 16).unwrap_or(0) {
                1 => " relocatable",
                2 => " executable",
                3 => " shared object",
                4 => " core file",
                _ => "",
            };
            s.push_str(kind);
            let machine = match le16(d, 18).unwrap_or(0) {
                3 => ", Intel 80386",
                0x3e => ", x86-64",
                0xb7 => ", ARM aarch64",
                0x28 => ", ARM",
                0xf3 => ", UCB RISC-V",
                _ => "",
            };
            s.push_str(machine);
            s.push_str(", version 1 (SYSV)");
        } else {
            s.push_str(" (SYSV)");
        }
        return Some((s, "application/x-executable"));
    }
    if d.get(257..262) == Some(b"ustar") {
        let s = if d.get(257..265) == Some(b"ustar  \0") {
            "POSIX tar archive (GNU)"
        } else {
            "POSIX tar archive"
        };
        return Some((s.to_owned(), "application/x-tar"));
    }
    if d.starts_with(b"\x89PNG\r\n\x1a\n") && d.get(12..16) == Some(b"IHDR") {
        let w = be32(d, 16).unwrap_or(0);
        let h = be32(d, 20).unwrap_or(0);
        let depth = d.get(24).copied().unwrap_or(8);
        let color = match d.get(25).copied().unwrap_or(0) {
            0 => "grayscale",
            2 => "RGB",
            3 => "colormap",
            4 => "gray+alpha",
            _ => "RGBA",
        };
        let inter = if d.get(28) == Some(&1) {
            "interlaced"
        } else {
            "non-interlaced"
        };
        let s = if color == "colormap" {
            format!("PNG image data, {w} x {h}, {depth}-bit {color}, {inter}")
        } else {
            format!("PNG image data, {w} x {h}, {depth}-bit/color {color}, {inter}")
        };
        return Some((s, "image/png"));
    }
    if d.starts_with(b"GIF87a") || d.starts_with(b"GIF89a") {
        let v = String::from_utf8_lossy(&d[3..6]).into_owned();
        let w = le16(d, 6).unwrap_or(0);
        let h = le16(d, 8).unwrap_or(0);
        return Some((
            format!("GIF image data, version {v}, {w} x {h}"),
            "image/gif",
        ));
    }
    if d.starts_with(b"\xff\xd8\xff") {
        return Some(("JPEG image data".to_owned(), "image/jpeg"));
    }
    if d.starts_with(b"%PDF-") {
        let end = d
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(d.len().min(16));
        let v = String::from_utf8_lossy(&d[5..end.max(5)]).into_owned();
        return Some((
            format!("PDF document, version {}", v.trim()),
            "application/pdf",
        ));
    }
    if d.starts_with(b"PK\x03\x04") && d.len() >= 30 {
        let ver = le16(d, 4).unwrap_or(0);
        let method = match le16(d, 8).unwrap_or(0) {
            0 => "store".to_owned(),
            8 => "deflate".to_owned(),
            12 => "bzip2".to_owned(),
            14 => "lzma".to_owned(),
            n => n.to_string(),
        };
        return Some((
            format!(
                "Zip archive data, at least v{}.{} to extract, compression method={method}",
                ver / 10,
                ver % 10
            ),
            "application/zip",
        ));
    }
    if d.starts_with(b"BZh") && d.len() >= 4 {
        return Some(("bzip2 compressed data".to_owned(), "application/x-bzip2"));
    }
    if d.starts_with(b"\xfd7zXZ\x00") {
        return Some(("XZ compressed data".to_owned(), "application/x-xz"));
    }
    if d.starts_with(b"\x28\xb5\x2f\xfd") {
        return Some(("Zstandard compressed data".to_owned(), "application/zstd"));
    }
    if d.starts_with(b"\0asm") {
        return Some((
            "WebAssembly (wasm) binary module version 0x1 (MVP)".to_owned(),
            "application/wasm",
        ));
    }
    None
}

/// Whether `d` is one complete JSON value (with surrounding whitespace).
fn is_json(d: &[u8]) -> bool {
    let mut p = Json { d, i: 0 };
    p.ws();
    if !p.value(0) {
        return false;
    }
    p.ws();
    p.i == d.len()
}

struct Json<'a> {
    d: &'a [u8],
    i: usize,
}

impl Json<'_> {
    fn ws(&mut self) {
        while self.i < self.d.len() && b" \t\r\n".contains(&self.d[self.i]) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.d.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> bool {
        if depth > 256 {
            return false;
        }
        match self.d.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                self.ws();
                if self.eat(b'}') {
                    return true;
                }
                loop {
                    self.ws();
                    if !self.string() {
                        return false;
                    }
                    self.ws();
                    if !self.eat(b':') {
                        return false;
                    }
                    self.ws();
                    if !self.value(depth + 1) {
                        return false;
                    }
                    self.ws();
                    if self.eat(b'}') {
                        return true;
                    }
                    if !self.eat(b',') {
                        return false;
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.eat(b']') {
                    return true;
                }
                loop {
                    self.ws();
                    if !self.value(depth + 1) {
                        return false;
                    }
                    self.ws();
                    if self.eat(b']') {
                        return true;
                    }
                    if !self.eat(b',') {
                        return false;
                    }
                }
            }
            Some(b'"') => self.string(),
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'n') => self.word(b"null"),
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number(),
            _ => false,
        }
    }

    fn word(&mut self, w: &[u8]) -> bool {
        if self.d[self.i..].starts_with(w) {
            self.i += w.len();
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> bool {
        let start = self.i;
        self.eat(b'-');
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.i < p.d.len() && p.d[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i > s
        };
        if !digits(self) {
            return false;
        }
        if self.eat(b'.') && !digits(self) {
            return false;
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !digits(self) {
                return false;
            }
        }
        self.i > start
    }

    fn string(&mut self) -> bool {
        if !self.eat(b'"') {
            return false;
        }
        while let Some(&c) = self.d.get(self.i) {
            self.i += 1;
            match c {
                b'"' => return true,
                b'\\' => self.i += 1,
                c if c < 0x20 => return false,
                _ => {}
            }
        }
        false
    }
}

fn is_html(t: &str) -> bool {
    let l = t.get(..14).unwrap_or(t).to_ascii_lowercase();
    l.starts_with("<!doctype html") || l.starts_with("<html")
}

/// Describe text content.
fn text(d: &[u8]) -> Option<(String, &'static str)> {
    let ascii = d.iter().all(|&b| {
        b == b'\n'
            || b == b'\r'
            || b == b'\t'
            || b == 0x0c
            || b == 0x1b
            || (0x20..0x7f).contains(&b)
            || b == 0x08
    });
    let utf8 = !ascii && std::str::from_utf8(d).is_ok() && !d.contains(&0);
    if !ascii && !utf8 {
        return None;
    }
    let enc = if ascii {
        "ASCII text"
    } else {
        "Unicode text, UTF-8 text"
    };
    let s = String::from_utf8_lossy(d);
    let trimmed = s.trim_start();
    let (mut kind, mut mime): (String, &'static str) = (enc.to_owned(), "text/plain");
    if let Some(line) = s.strip_prefix("#!") {
        let line = line.lines().next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let interp = words.next().unwrap_or("");
        let prog = if interp.ends_with("/env") {
            words.find(|w| !w.starts_with('-')).unwrap_or("")
        } else {
            interp.rsplit('/').next().unwrap_or("")
        };
        let desc = match prog {
            "sh" | "dash" => "POSIX shell script".to_owned(),
            "bash" => "Bourne-Again shell script".to_owned(),
            "zsh" => "Paul Falstad's zsh script".to_owned(),
            p if p.starts_with("python") => "Python script".to_owned(),
            "node" | "nodejs" => "Node.js script".to_owned(),
            "perl" => "Perl script".to_owned(),
            "ruby" => "Ruby script".to_owned(),
            _ => format!("a {line} script"),
        };
        kind = format!("{desc}, {enc} executable");
        mime = match prog {
            "sh" | "dash" | "bash" | "zsh" => "text/x-shellscript",
            p if p.starts_with("python") => "text/x-script.python",
            _ => "text/plain",
        };
    } else if (trimmed.starts_with('{') || trimmed.starts_with('[')) && is_json(s.as_bytes()) {
        return Some(("JSON text data".to_owned(), "application/json"));
    } else if trimmed.starts_with("<?xml") {
        kind = format!("XML 1.0 document, {enc}");
        mime = "text/xml";
    } else if is_html(trimmed) {
        kind = format!("HTML document, {enc}");
        mime = "text/html";
    }
    let longest = s.split('\n').map(|l| l.len()).max().unwrap_or(0);
    let mut extras = Vec::new();
    if longest > 300 {
        extras.push(format!("with very long lines ({longest})"));
    }
    if s.contains("\r\n") {
        extras.push("with CRLF line terminators".to_owned());
    } else if s.contains('\r') && !s.contains('\n') {
        extras.push("with CR line terminators".to_owned());
    } else if !s.contains('\n') && !s.contains('\r') {
        extras.push("with no line terminators".to_owned());
    }
    if d.contains(&0x1b) {
        extras.push("with escape sequences".to_owned());
    }
    if !extras.is_empty() {
        kind = format!("{kind}, {}", extras.join(", "));
    }
    Some((kind, mime))
}

/// `file`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut brief = false;
        let mut follow = false;
        // 0: description, 1: MIME type, 2: type and charset, 3: charset.
        let mut mime = 0u8;
        let mut files = Vec::new();
        let mut only = false;
        for a in &ctx.argv[1..] {
            if only || !a.starts_with('-') || a == "-" {
                files.push(a.clone());
                continue;
            }
            match a.as_str() {
                "--" => only = true,
                "--brief" => brief = true,
                "--dereference" => follow = true,
                "--no-dereference" => follow = false,
                "--mime-type" => mime = 1,
                "--mime" => mime = 2,
                "--mime-encoding" => mime = 3,
                l if l.starts_with("--") => {
                    ctx.err(format!("file: unrecognized option '{l}'\n{USAGE}"))
                        .await;
                    return 1;
                }
                s => {
                    for c in s[1..].chars() {
                        match c {
                            'b' => brief = true,
                            'L' => follow = true,
                            'h' => follow = false,
                            'i' => mime = 2,
                            _ => {
                                ctx.err(format!("file: invalid option -- '{c}'\n{USAGE}"))
                                    .await;
                                return 1;
                            }
                        }
                    }
                }
            }
        }
        if files.is_empty() {
            ctx.err(USAGE).await;
            return 1;
        }
        let width = files.iter().map(|f| f.len()).max().unwrap_or(0) + 1;
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        let mut out = String::new();
        for f in &files {
            let abs = ctx.abs(f);
            let st = if f.is_empty() {
                Err(crate::error::Error::errno(
                    crate::kernel::errno::Errno::ENOENT,
                    "stat",
                    "",
                ))
            } else {
                vfs.stat(cred, &abs, follow).await
            };
            let mut charset = "binary";
            let desc: (String, &str) = match st {
                Err(e) => (
                    format!("cannot open `{f}' ({})", fu::strerror(&e)),
                    "cannot open",
                ),
                Ok(st) => match st.file_type {
                    FileType::Dir => ("directory".to_owned(), "inode/directory"),
                    FileType::CharDevice => {
                        let (ma, mi) = fu::device_numbers(&abs);
                        (format!("character special ({ma}/{mi})"), "inode/chardevice")
                    }
                    FileType::Symlink => {
                        let t = vfs.readlink(cred, &abs).await.unwrap_or_default();
                        if vfs.stat(cred, &abs, true).await.is_ok() {
                            (format!("symbolic link to {t}"), "inode/symlink")
                        } else {
                            (format!("broken symbolic link to {t}"), "inode/symlink")
                        }
                    }
                    FileType::File if st.size == 0 => ("empty".to_owned(), "inode/x-empty"),
                    FileType::File => match vfs.pread(cred, &abs, 0, Some(64 * 1024)).await {
                        Err(e) => (
                            format!("cannot open `{f}' ({})", fu::strerror(&e)),
                            "cannot open",
                        ),
                        Ok(d) => {
                            let r = magic(&d)
                                .or_else(|| text(&d))
                                .unwrap_or_else(|| ("data".to_owned(), "application/octet-stream"));
                            if r.1.starts_with("text/") || r.1 == "application/json" {
                                charset = if d.is_ascii() { "us-ascii" } else { "utf-8" };
                            }
                            r
                        }
                    },
                },
            };
            let body = match mime {
                _ if desc.1 == "cannot open" => desc.0,
                1 => desc.1.to_owned(),
                2 => format!("{}; charset={charset}", desc.1),
                3 => charset.to_owned(),
                _ => desc.0,
            };
            if brief {
                out.push_str(&body);
            } else {
                out.push_str(&format!("{:<width$} {body}", format!("{f}:")));
            }
            out.push('\n');
        }
        i32::from(ctx.out(out).await.is_err())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_magic() {
        assert!(is_json(b" {\"a\": [1, -2.5e3, true, null, \"x\\\"y\"]}\n"));
        assert!(!is_json(b"{\"a\": }"));
        assert!(!is_json(b"[1, 2"));
        assert!(!is_json(&[b'['; 10000]));
        assert_eq!(text(b"{\"a\": 1}\n").unwrap().0, "JSON text data");
        assert_eq!(
            magic(b"\x7fELF\x02\x01\x01").unwrap().0,
            "ELF 64-bit LSB (SYSV)"
        );
        assert!(magic(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\xc8\xe4\x02\x00\x7a\x7a\x6f\xed\x03\x00\x00\x00")
            .unwrap()
            .0
            .ends_with("from Unix, original size modulo 2^32 3"));
    }
}
