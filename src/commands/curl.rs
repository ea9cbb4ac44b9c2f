//! `curl`: transfer URLs over HTTP and HTTPS through the VM's network, with curl 8's options,
//! messages and exit codes.
//!
//! Every connection is `Kernel::net().connect`: the VM's loopback names reach its own
//! listeners, anything else goes through the VM's egress policy on the host (which also
//! terminates TLS, so the socket is plaintext here). Requests are one per connection
//! ([`http1`], `Connection: close`); the body is written out piece by piece as it arrives.
//!
//! Options are parsed the way curl parses them, not GNU's way: long options are exact
//! (no `--opt=value`, no abbreviations), boolean ones take a `--no-` prefix, and short
//! options bundle (`-sSL`, `-XPOST`). Differences from curl: there is no progress meter,
//! `--retry` and its companions are accepted and ignored, and proxies, cookies jars and
//! protocols other than HTTP(S) are not supported.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use tokio::time::Instant;

use super::{util, Ctx, OpenMode, ProgramFuture};
use crate::error::Error;
use crate::kernel::errno::Errno;
use crate::kernel::net::TlsRequest;
use crate::kernel::process::OpenFile;
use crate::net::http1::{self, Body, Request, Response};

/// Commands in this file.
pub const NAMES: &[&str] = &["curl"];

/// The version `curl --version` and the default `User-Agent` claim.
const VERSION: &str = "8.5.0";

const TRY_HELP: &str = "curl: try 'curl --help' or 'curl --manual' for more information\n";

/// A failed transfer: curl's exit code and the text after `curl: (N) `.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fail {
    code: i32,
    msg: String,
    /// A `Warning: ...` line printed before the error (unless `-s`).
    warning: Option<String>,
}

impl Fail {
    fn new(code: i32, msg: impl Into<String>) -> Fail {
        Fail {
            code,
            msg: msg.into(),
            warning: None,
        }
    }
}

/// A parsed `http(s)://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    /// `http` or `https`.
    scheme: String,
    /// User and password from the URL's userinfo, percent-decoded.
    user: Option<(String, String)>,
    /// Host name or address, without the brackets of an IPv6 literal.
    host: String,
    /// Port (the scheme's default when the URL has none).
    port: u16,
    /// Path and query, starting with `/`; no fragment.
    target: String,
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" {
        443
    } else {
        80
    }
}

fn bad_url() -> Fail {
    Fail::new(3, "URL rejected: Malformed input to a URL function")
}

/// Percent-encode what may not appear raw in a request target (controls, spaces and
/// non-ASCII bytes); everything else is kept as given, as curl does.
fn encode_target(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b <= b' ' || b >= 0x7f {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Remove `.` and `..` segments from a path (RFC 3986 5.2.4).
fn remove_dots(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = path.split('/').collect();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

impl Url {
    /// Parse a URL as given on the command line: `http` when there is no scheme.
    fn parse(input: &str) -> Result<Url, Fail> {
        let s = input.trim();
        if s.is_empty() {
            return Err(Fail::new(3, "URL using bad/illegal format or missing URL"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(bad_url());
        }
        let (scheme, rest) = match s.find("://") {
            Some(i)
                if i > 0
                    && s[..i]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
            {
                (s[..i].to_ascii_lowercase(), &s[i + 3..])
            }
            _ => ("http".to_owned(), s),
        };
        if scheme != "http" && scheme != "https" {
            return Err(Fail::new(1, format!("Protocol \"{scheme}\" not supported")));
        }
        let rest = rest.split('#').next().unwrap_or("");
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let user = userinfo.map(|u| match u.split_once(':') {
            Some((n, p)) => (percent_decode(n), percent_decode(p)),
            None => (percent_decode(u), String::new()),
        });
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let close = v6.find(']').ok_or_else(bad_url)?;
            let host = &v6[..close];
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(Fail::new(3, "URL rejected: Bad IPv6 address"));
            }
            let after = &v6[close + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad_url()),
            };
            (host.to_owned(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (hostport.to_owned(), None),
            }
        };
        if host.is_empty() {
            return Err(Fail::new(3, "URL rejected: No host part in the URL"));
        }
        if host
            .chars()
            .any(|c| !(c.is_alphanumeric() || "-._:~%".contains(c)))
        {
            return Err(bad_url());
        }
        let port =
            match port {
                None | Some("") => default_port(&scheme),
                Some(p) => match p.parse::<u16>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(Fail::new(
                        3,
                        "URL rejected: Port number was not a decimal number between 0 and 65535",
                    )),
                },
            };
        let target = if tail.starts_with('?') {
            format!("/{tail}")
        } else if tail.is_empty() {
            "/".to_owned()
        } else {
            tail.to_owned()
        };
        let target = match target.split_once('?') {
            Some((p, q)) => format!("{}?{q}", remove_dots(p)),
            None => remove_dots(&target),
        };
        Ok(Url {
            scheme,
            user,
            host: host.to_ascii_lowercase(),
            port,
            target: encode_target(&target),
        })
    }

    /// `host[:port]` as the `Host` header and messages write it (brackets for IPv6, the port
    /// only when it is not the scheme's default).
    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == default_port(&self.scheme) {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The URL as curl reports it (`%{url_effective}`), without credentials.
    fn display(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority(), self.target)
    }

    /// The URL a `Location` header points at, relative to this one.
    fn join(&self, loc: &str) -> Result<Url, Fail> {
        let loc = loc.trim();
        if let Some(i) = loc.find("://") {
            if loc[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                return Url::parse(loc);
            }
        }
        if let Some(rest) = loc.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme));
        }
        let base = format!("{}://{}", self.scheme, self.authority());
        let (path, _) = self.target.split_once('?').unwrap_or((&self.target, ""));
        let target = if loc.starts_with('/') {
            loc.to_owned()
        } else if loc.starts_with('?') {
            format!("{path}{loc}")
        } else if loc.is_empty() || loc.starts_with('#') {
            self.target.clone()
        } else {
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{loc}")
        };
        let mut u = Url::parse(&format!("{base}{target}"))?;
        u.user.clone_from(&self.user);
        Ok(u)
    }

    /// The file name `-O` saves to: the last segment of the path.
    fn remote_name(&self) -> String {
        let path = self.target.split('?').next().unwrap_or("");
        path.rsplit('/').next().unwrap_or("").to_owned()
    }
}

/// Request body pieces, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Data {
    /// `-d`/`--data`/`--data-ascii`: `@file` reads a file without its CR and LF bytes.
    Ascii(String),
    /// `--data-binary`: `@file` reads a file as it is.
    Binary(String),
    /// `--data-raw`: no `@` interpretation.
    Raw(String),
    /// `--data-urlencode`.
    UrlEncode(String),
    /// `--json`: like `--data-binary`, with JSON content headers.
    Json(String),
}

/// Where a URL's body goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    /// `-o FILE` (`-` is standard output).
    File(String),
    /// `-O`: the remote file name.
    Remote,
}

/// Everything the command line asked for.
#[derive(Debug, Default)]
struct Opts {
    urls: Vec<String>,
    outputs: Vec<Output>,
    remote_name_all: bool,
    output_dir: Option<String>,
    create_dirs: bool,
    silent: bool,
    show_error: bool,
    fail: bool,
    fail_with_body: bool,
    location: bool,
    location_trusted: bool,
    max_redirs: Option<i64>,
    method: Option<String>,
    headers: Vec<String>,
    data: Vec<Data>,
    forms: Vec<(String, bool)>,
    get: bool,
    include: bool,
    head: bool,
    write_out: Option<String>,
    user_agent: Option<String>,
    user: Option<String>,
    bearer: Option<String>,
    referer: Option<String>,
    cookies: Vec<String>,
    range: Option<String>,
    max_time: Option<f64>,
    connect_timeout: Option<f64>,
    insecure: bool,
    cacert: Option<String>,
    verbose: bool,
    compressed: bool,
    dump_header: Option<String>,
    version: bool,
    help: bool,
}

#[derive(Clone, Copy)]
enum Kind {
    Flag,
    Arg,
}

/// Long options: name, short letter (or `'\0'`), kind.
const LONG: &[(&str, char, Kind)] = &[
    ("append", '\0', Kind::Flag),
    ("basic", '\0', Kind::Flag),
    ("cacert", '\0', Kind::Arg),
    ("capath", '\0', Kind::Arg),
    ("compressed", '\0', Kind::Flag),
    ("connect-timeout", '\0', Kind::Arg),
    ("cookie", 'b', Kind::Arg),
    ("create-dirs", '\0', Kind::Flag),
    ("data", 'd', Kind::Arg),
    ("data-ascii", '\0', Kind::Arg),
    ("data-binary", '\0', Kind::Arg),
    ("data-raw", '\0', Kind::Arg),
    ("data-urlencode", '\0', Kind::Arg),
    ("disable", 'q', Kind::Flag),
    ("dump-header", 'D', Kind::Arg),
    ("fail", 'f', Kind::Flag),
    ("fail-early", '\0', Kind::Flag),
    ("fail-with-body", '\0', Kind::Flag),
    ("form", 'F', Kind::Arg),
    ("form-string", '\0', Kind::Arg),
    ("get", 'G', Kind::Flag),
    ("globoff", 'g', Kind::Flag),
    ("head", 'I', Kind::Flag),
    ("header", 'H', Kind::Arg),
    ("help", 'h', Kind::Flag),
    ("http1.0", '0', Kind::Flag),
    ("http1.1", '\0', Kind::Flag),
    ("http2", '\0', Kind::Flag),
    ("include", 'i', Kind::Flag),
    ("insecure", 'k', Kind::Flag),
    ("ipv4", '4', Kind::Flag),
    ("ipv6", '6', Kind::Flag),
    ("json", '\0', Kind::Arg),
    ("keepalive", '\0', Kind::Flag),
    ("location", 'L', Kind::Flag),
    ("location-trusted", '\0', Kind::Flag),
    ("max-redirs", '\0', Kind::Arg),
    ("max-time", 'm', Kind::Arg),
    ("no-buffer", 'N', Kind::Flag),
    ("oauth2-bearer", '\0', Kind::Arg),
    ("output", 'o', Kind::Arg),
    ("output-dir", '\0', Kind::Arg),
    ("path-as-is", '\0', Kind::Flag),
    ("progress-bar", '#', Kind::Flag),
    ("range", 'r', Kind::Arg),
    ("raw", '\0', Kind::Flag),
    ("referer", 'e', Kind::Arg),
    ("remote-name", 'O', Kind::Flag),
    ("remote-name-all", '\0', Kind::Flag),
    ("request", 'X', Kind::Arg),
    ("retry", '\0', Kind::Arg),
    ("retry-all-errors", '\0', Kind::Flag),
    ("retry-connrefused", '\0', Kind::Flag),
    ("retry-delay", '\0', Kind::Arg),
    ("retry-max-time", '\0', Kind::Arg),
    ("show-error", 'S', Kind::Flag),
    ("silent", 's', Kind::Flag),
    ("tcp-nodelay", '\0', Kind::Flag),
    ("url", '\0', Kind::Arg),
    ("user", 'u', Kind::Arg),
    ("user-agent", 'A', Kind::Arg),
    ("verbose", 'v', Kind::Flag),
    ("version", 'V', Kind::Flag),
    ("write-out", 'w', Kind::Arg),
];

fn usage_err(msg: String) -> String {
    format!("curl: {msg}\n{TRY_HELP}")
}

fn seconds(name: &str, v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(n) if n >= 0.0 && n.is_finite() => Ok(n),
        _ => Err(usage_err(format!(
            "option --{name}: expected a proper numerical parameter"
        ))),
    }
}

/// Record one option. `on` is false for the `--no-` form of a flag.
fn apply(o: &mut Opts, name: &str, val: Option<String>, on: bool) -> Result<(), String> {
    let v = val.unwrap_or_default();
    match name {
        "silent" => o.silent = on,
        "show-error" => o.show_error = on,
        "fail" => o.fail = on,
        "fail-with-body" => o.fail_with_body = on,
        "location" => o.location = on,
        "location-trusted" => {
            o.location = on;
            o.location_trusted = on;
        }
        "include" => o.include = on,
        "head" => o.head = on,
        "insecure" => o.insecure = on,
        "verbose" => o.verbose = on,
        "compressed" => o.compressed = on,
        "get" => o.get = on,
        "create-dirs" => o.create_dirs = on,
        "remote-name-all" => o.remote_name_all = on,
        "version" => o.version = true,
        "help" => o.help = true,
        "remote-name" => o.outputs.push(Output::Remote),
        "output" => o.outputs.push(Output::File(v)),
        "output-dir" => o.output_dir = Some(v),
        "request" => o.method = Some(v),
        "header" => o.headers.push(v),
        "data" | "data-ascii" => o.data.push(Data::Ascii(v)),
        "data-binary" => o.data.push(Data::Binary(v)),
        "data-raw" => o.data.push(Data::Raw(v)),
        "data-urlencode" => o.data.push(Data::UrlEncode(v)),
        "json" => o.data.push(Data::Json(v)),
        "form" => o.forms.push((v, false)),
        "form-string" => o.forms.push((v, true)),
        "write-out" => o.write_out = Some(v),
        "user-agent" => o.user_agent = Some(v),
        "user" => o.user = Some(v),
        "oauth2-bearer" => o.bearer = Some(v),
        "referer" => o.referer = Some(v),
        "cookie" => o.cookies.push(v),
        "range" => o.range = Some(v),
        "dump-header" => o.dump_header = Some(v),
        "cacert" => o.cacert = Some(v),
        "url" => o.urls.push(v),
        "max-time" => o.max_time = Some(seconds(name, &v)?),
        "connect-timeout" => o.connect_timeout = Some(seconds(name, &v)?),
        "max-redirs" => match v.trim().parse::<i64>() {
            Ok(n) if n >= -1 => o.max_redirs = Some(n),
            _ => {
                return Err(usage_err(format!(
                    "option --{name}: expected a proper numerical parameter"
                )))
            }
        },
        // Accepted for compatibility; nothing to do here (see the module docs).
        _ => {}
    }
    Ok(())
}

fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            o.urls.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (entry, on) = match LONG.iter().find(|(n, _, _)| *n == long) {
                Some(e) => (e, true),
                None => match long.strip_prefix("no-").and_then(|n| {
                    LONG.iter()
                        .find(|(l, _, k)| *l == n && matches!(k, Kind::Flag))
                }) {
                    Some(e) => (e, false),
                    None => return Err(usage_err(format!("option {a}: is unknown"))),
                },
            };
            let val = match entry.2 {
                Kind::Flag => None,
                Kind::Arg => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(usage_err(format!("option {a}: requires parameter"))),
                },
            };
            apply(&mut o, entry.0, val, on)?;
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let Some(entry) = LONG.iter().find(|(_, s, _)| *s == c) else {
                    return Err(usage_err(format!("option -{c}: is unknown")));
                };
                match entry.2 {
                    Kind::Flag => apply(&mut o, entry.0, None, true)?,
                    Kind::Arg => {
                        let rest: String = chars[j + 1..].iter().collect();
                        let v = if !rest.is_empty() {
                            rest
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            return Err(usage_err(format!("option -{c}: requires parameter")));
                        };
                        apply(&mut o, entry.0, Some(v), true)?;
                        break;
                    }
                }
                j += 1;
            }
            continue;
        }
        o.urls.push(a.clone());
    }
    Ok(o)
}

/// `application/x-www-form-urlencoded` escaping as `curl_easy_escape` does it.
fn urlencode(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `Content-Type` for a form file, from its extension (the few curl knows).
fn mime_for(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "gif" => "image/gif",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// What one URL's transfer found, for `-w`.
#[derive(Debug, Default)]
struct Stats {
    code: u16,
    content_type: String,
    headers: Vec<(String, String)>,
    size_download: u64,
    size_header: u64,
    size_upload: u64,
    url: String,
    url_effective: String,
    redirect_url: String,
    num_redirects: u32,
    method: String,
    scheme: String,
    remote_ip: String,
    remote_port: u16,
    filename: String,
    exitcode: i32,
    errormsg: String,
    time_connect: f64,
    time_start: f64,
    time_total: f64,
}

/// Render a `-w` format: pieces for standard output (`false`) or error (`true`), and
/// warnings about unknown variables.
fn write_out(fmt: &str, st: &Stats) -> (Vec<(bool, String)>, Vec<String>) {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut warn = Vec::new();
    let mut to_err = false;
    let mut cur = String::new();
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.peek().copied() {
                Some('n') => {
                    it.next();
                    cur.push('\n');
                }
                Some('r') => {
                    it.next();
                    cur.push('\r');
                }
                Some('t') => {
                    it.next();
                    cur.push('\t');
                }
                Some('\\') => {
                    it.next();
                    cur.push('\\');
                }
                _ => cur.push('\\'),
            },
            '%' => {
                let rest: String = it.clone().collect();
                if rest.starts_with('%') {
                    it.next();
                    cur.push('%');
                } else if let Some(body) = rest.strip_prefix('{') {
                    let Some(end) = body.find('}') else {
                        cur.push('%');
                        continue;
                    };
                    let var = &body[..end];
                    for _ in 0..end + 2 {
                        it.next();
                    }
                    match var {
                        "stderr" | "stdout" => {
                            out.push((to_err, std::mem::take(&mut cur)));
                            to_err = var == "stderr";
                        }
                        _ => match variable(var, st) {
                            Some(v) => cur.push_str(&v),
                            None => warn.push(format!("unknown --write-out variable: '{var}'")),
                        },
                    }
                } else if let Some(body) = rest.strip_prefix("header{") {
                    let Some(end) = body.find('}') else {
                        cur.push('%');
                        continue;
                    };
                    let name = &body[..end];
                    for _ in 0..end + "header{}".len() {
                        it.next();
                    }
                    let vals: Vec<&str> = st
                        .headers
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.as_str())
                        .collect();
                    cur.push_str(&vals.join(", "));
                } else {
                    cur.push('%');
                }
            }
            c => cur.push(c),
        }
    }
    out.push((to_err, cur));
    (out, warn)
}

fn variable(var: &str, st: &Stats) -> Option<String> {
    Some(match var {
        "http_code" | "response_code" => format!("{:03}", st.code),
        "http_connect" => "000".to_owned(),
        "http_version" => if st.code == 0 { "0" } else { "1.1" }.to_owned(),
        "content_type" => st.content_type.clone(),
        "size_download" => st.size_download.to_string(),
        "size_header" => st.size_header.to_string(),
        "size_upload" => st.size_upload.to_string(),
        "size_request" => "0".to_owned(),
        "url" => st.url.clone(),
        "url_effective" => st.url_effective.clone(),
        "redirect_url" => st.redirect_url.clone(),
        "num_redirects" => st.num_redirects.to_string(),
        "num_headers" => st.headers.len().to_string(),
        "method" => st.method.clone(),
        "scheme" => st.scheme.to_ascii_uppercase(),
        "remote_ip" => st.remote_ip.clone(),
        "remote_port" => st.remote_port.to_string(),
        "filename_effective" => st.filename.clone(),
        "exitcode" => st.exitcode.to_string(),
        "errormsg" => st.errormsg.clone(),
        "time_total" => format!("{:.6}", st.time_total),
        "time_connect" | "time_appconnect" | "time_pretransfer" => {
            format!("{:.6}", st.time_connect)
        }
        "time_namelookup" => "0.000000".to_owned(),
        "time_starttransfer" => format!("{:.6}", st.time_start),
        "time_redirect" => "0.000000".to_owned(),
        "speed_download" => {
            if st.time_total > 0.0 {
                format!("{}", (st.size_download as f64 / st.time_total) as u64)
            } else {
                st.size_download.to_string()
            }
        }
        "speed_upload" => "0".to_owned(),
        _ => return None,
    })
}

/// Where the body (and `-i` headers) go: standard output or a file opened at the first write.
struct Sink {
    file: Option<String>,
    open: Option<Arc<OpenFile>>,
    create_dirs: bool,
}

impl Sink {
    async fn write(&mut self, ctx: &Ctx, data: Bytes) -> Result<(), Fail> {
        let Some(name) = &self.file else {
            return ctx.out(data).await.map_err(|_| write_fail());
        };
        if self.open.is_none() {
            let path = ctx.abs(name);
            if self.create_dirs {
                if let Some((dir, _)) = path.rsplit_once('/') {
                    if !dir.is_empty() {
                        let _ = ctx.kernel.vfs().mkdir_all(ctx.cred(), dir, 0o755).await;
                    }
                }
            }
            match ctx
                .open(name, OpenMode::Truncate { noclobber: false })
                .await
            {
                Ok(f) => self.open = Some(f),
                Err(e) => {
                    let why = e.errno_value().unwrap_or(Errno::EIO).strerror();
                    let mut f = write_fail();
                    f.warning = Some(format!("Failed to open the file {name}: {why}"));
                    return Err(f);
                }
            }
        }
        match &self.open {
            Some(f) if !data.is_empty() => f.write(data).await.map_err(|_| write_fail()),
            _ => Ok(()),
        }
    }
}

fn write_fail() -> Fail {
    Fail::new(23, "Failure writing output to destination")
}

/// The headers block of a response as `-i` prints it.
fn head_text(r: &Response) -> String {
    let mut s = if r.reason.is_empty() {
        format!("HTTP/1.1 {}\r\n", r.status)
    } else {
        format!("HTTP/1.1 {} {}\r\n", r.status, r.reason)
    };
    for (k, v) in &r.headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s
}

fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// The text in the last parentheses of a kernel message (`... (blocked: ...)`), if any.
fn detail(msg: &str) -> Option<&str> {
    let start = msg.find(" (")?;
    msg.strip_suffix(')').map(|m| &m[start + 2..])
}

/// curl's error for a failed `connect`.
fn connect_fail(e: &Error, url: &Url, ms: u128) -> Fail {
    let msg = e.message();
    let host = &url.host;
    let port = url.port;
    match e.errno_value() {
        Some(Errno::ENOENT) if e.syscall() == Some("getaddrinfo") => {
            Fail::new(6, format!("Could not resolve host: {host}"))
        }
        Some(Errno::EACCES) => Fail::new(7, msg.to_owned()),
        Some(Errno::ETIMEDOUT) => Fail::new(
            28,
            format!("Failed to connect to {host} port {port} after {ms} ms: Timeout was reached"),
        ),
        Some(Errno::ECONNRESET) if msg.starts_with("TLS handshake") => {
            let why = msg.split_once("failed: ").map_or(msg, |(_, w)| w);
            if why.to_ascii_lowercase().contains("certificate") {
                Fail::new(60, format!("SSL certificate problem: {why}"))
            } else {
                Fail::new(35, format!("TLS connect error: {why}"))
            }
        }
        _ => {
            let mut m = format!(
                "Failed to connect to {host} port {port} after {ms} ms: Couldn't connect to server"
            );
            if let Some(d) = detail(msg) {
                m.push_str(&format!(" ({d})"));
            }
            Fail::new(7, m)
        }
    }
}

/// A body decoder for `--compressed`.
enum Decoder {
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
}

impl Decoder {
    fn for_encoding(enc: &str) -> Option<Decoder> {
        match enc.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Decoder::Gzip(
                flate2::write::MultiGzDecoder::new(Vec::new()),
            )),
            "deflate" => Some(Decoder::Deflate(
                flate2::write::ZlibDecoder::new(Vec::new()),
            )),
            _ => None,
        }
    }

    fn feed(&mut self, data: &[u8]) -> Result<Vec<u8>, Fail> {
        let r = match self {
            Decoder::Gzip(d) => d
                .write_all(data)
                .and_then(|_| d.flush())
                .map(|_| std::mem::take(d.get_mut())),
            Decoder::Deflate(d) => d
                .write_all(data)
                .and_then(|_| d.flush())
                .map(|_| std::mem::take(d.get_mut())),
        };
        r.map_err(unencode_fail)
    }

    fn finish(self) -> Result<Vec<u8>, Fail> {
        match self {
            Decoder::Gzip(d) => d.finish(),
            Decoder::Deflate(d) => d.finish(),
        }
        .map_err(unencode_fail)
    }
}

fn unencode_fail(e: std::io::Error) -> Fail {
    Fail::new(
        61,
        format!("Error while processing content unencoding: {e}"),
    )
}

/// One URL's request, as built from the options.
struct Plan {
    method: String,
    /// Whether the method was given with `-X` (kept across redirects).
    custom: bool,
    body: Option<Bytes>,
    /// The `Content-Type` the body implies (unless a `-H` sets one).
    content_type: Option<String>,
    /// Extra default headers the body implies (`--json`'s `Accept`).
    accept: Option<String>,
}

/// Read `@file` (`@-`: standard input).
async fn read_at(ctx: &Ctx, name: &str) -> Result<Vec<u8>, Fail> {
    util::read_all(ctx, name).await.map_err(|e| {
        Fail::new(
            26,
            format!("Failed to open/read local data from file/application ({e})"),
        )
    })
}

async fn body_of(ctx: &Ctx, o: &Opts) -> Result<(Option<Vec<u8>>, bool), Fail> {
    if o.data.is_empty() {
        return Ok((None, false));
    }
    let json = o.data.iter().any(|d| matches!(d, Data::Json(_)));
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for d in &o.data {
        let bytes = match d {
            Data::Ascii(s) => match s.strip_prefix('@') {
                Some(f) => read_at(ctx, f)
                    .await?
                    .into_iter()
                    .filter(|b| *b != b'\r' && *b != b'\n')
                    .collect(),
                None => s.as_bytes().to_vec(),
            },
            Data::Binary(s) | Data::Json(s) => match s.strip_prefix('@') {
                Some(f) => read_at(ctx, f).await?,
                None => s.as_bytes().to_vec(),
            },
            Data::Raw(s) => s.as_bytes().to_vec(),
            Data::UrlEncode(s) => {
                if let Some(v) = s.strip_prefix('=') {
                    urlencode(v.as_bytes()).into_bytes()
                } else if let Some((n, v)) = s.split_once('=').filter(|(n, _)| !n.contains('@')) {
                    format!("{n}={}", urlencode(v.as_bytes())).into_bytes()
                } else if let Some((n, f)) = s.split_once('@') {
                    let content = read_at(ctx, f).await?;
                    if n.is_empty() {
                        urlencode(&content).into_bytes()
                    } else {
                        format!("{n}={}", urlencode(&content)).into_bytes()
                    }
                } else {
                    urlencode(s.as_bytes()).into_bytes()
                }
            }
        };
        parts.push(bytes);
    }
    let sep: &[u8] = if json { b"" } else { b"&" };
    Ok((Some(parts.join(sep)), json))
}

async fn form_body(ctx: &Ctx, o: &Opts) -> Result<(Vec<u8>, String), Fail> {
    let mut rnd = [0u8; 12];
    let _ = getrandom::fill(&mut rnd);
    let boundary = format!(
        "------------------------{}",
        rnd.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let mut out = Vec::new();
    for (spec, literal) in &o.forms {
        let Some((name, value)) = spec.split_once('=') else {
            return Err(Fail::new(
                26,
                format!("Illegally formatted input field: '{spec}'"),
            ));
        };
        let (value, ctype) = match value.rsplit_once(";type=") {
            Some((v, t)) if !literal => (v, Some(t.to_owned())),
            _ => (value, None),
        };
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if let (Some(file), false) = (value.strip_prefix('@'), *literal) {
            let data = read_at(ctx, file).await?;
            let fname = file.rsplit('/').next().unwrap_or(file);
            let ct = ctype.unwrap_or_else(|| mime_for(fname).to_owned());
            out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{fname}\"\r\nContent-Type: {ct}\r\n\r\n"
                )
                .as_bytes(),
            );
            out.extend_from_slice(&data);
        } else {
            let data = match (value.strip_prefix('<'), *literal) {
                (Some(file), false) => read_at(ctx, file).await?,
                _ => value.as_bytes().to_vec(),
            };
            out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes(),
            );
            if let Some(ct) = ctype {
                out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&data);
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((out, format!("multipart/form-data; boundary={boundary}")))
}

/// `curl`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move { run(&ctx).await })
}

async fn run(ctx: &Ctx) -> i32 {
    let args = &ctx.argv[1..];
    if args.is_empty() {
        ctx.err(TRY_HELP).await;
        return 2;
    }
    let mut o = match parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            ctx.err(e).await;
            return 2;
        }
    };
    if o.version {
        let _ = ctx
            .out(format!(
                "curl {VERSION} (x86_64-pc-linux-gnu) agentos\nRelease-Date: 2023-12-06\n\
                 Protocols: http https\nFeatures: HTTPS-proxy IPv6 Largefile libz SSL UnixSockets\n"
            ))
            .await;
        return 0;
    }
    if o.help {
        let _ = ctx
            .out(
                "Usage: curl [options...] <url>\n \
                 -d, --data <data>          HTTP POST data\n \
                 -f, --fail                 Fail fast with no output on HTTP errors\n \
                 -h, --help <category>      Get help for commands\n \
                 -i, --include              Include protocol response headers in the output\n \
                 -o, --output <file>        Write to file instead of stdout\n \
                 -O, --remote-name          Write output to a file named as the remote file\n \
                 -s, --silent               Silent mode\n \
                 -T, --upload-file <file>   Transfer local FILE to destination\n \
                 -u, --user <user:password> Server user and password\n \
                 -A, --user-agent <name>    Send User-Agent <name> to server\n \
                 -v, --verbose              Make the operation more talkative\n \
                 -V, --version              Show version number and quit\n",
            )
            .await;
        return 0;
    }
    if o.urls.is_empty() {
        ctx.err(format!("curl: no URL specified!\n{TRY_HELP}"))
            .await;
        return 2;
    }
    if o.head && (!o.data.is_empty() || !o.forms.is_empty()) && !o.get {
        let what = if o.forms.is_empty() {
            "POST (-d, --data)"
        } else {
            "multipart formpost (-F, --form)"
        };
        ctx.err(format!(
            "Warning: You can only select one HTTP request method! You asked for both \n\
             Warning: {what} and HEAD (-I, --head).\n"
        ))
        .await;
        return 2;
    }
    if !o.data.is_empty() && !o.forms.is_empty() {
        ctx.err(
            "Warning: You can only select one HTTP request method! You asked for both POST \n\
             Warning: (-d, --data) and multipart formpost (-F, --form).\n",
        )
        .await;
        return 2;
    }
    let show_errors = !o.silent || o.show_error;
    let mut status = 0;
    let urls = std::mem::take(&mut o.urls);
    let mut outputs = std::mem::take(&mut o.outputs).into_iter();
    for u in &urls {
        let output = outputs.next().or(if o.remote_name_all {
            Some(Output::Remote)
        } else {
            None
        });
        let mut st = Stats::default();
        let r = one(ctx, &o, u, output, &mut st).await;
        if let Err(f) = &r {
            let msg = f.msg.as_str();
            if let (Some(w), false) = (&f.warning, o.silent) {
                ctx.err(format!("Warning: {w}\n")).await;
            }
            if show_errors {
                ctx.err(format!("curl: ({}) {msg}\n", f.code)).await;
            }
            st.exitcode = f.code;
            st.errormsg = msg.to_owned();
            status = f.code;
        }
        if let Some(fmt) = &o.write_out {
            let fmt = match fmt.strip_prefix('@') {
                Some(f) => match util::read_all(ctx, f).await {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(_) => String::new(),
                },
                None => fmt.clone(),
            };
            let (pieces, warnings) = write_out(&fmt, &st);
            for w in warnings {
                ctx.err(format!("curl: {w}\n")).await;
            }
            for (to_err, s) in pieces {
                if s.is_empty() {
                    continue;
                }
                if to_err {
                    ctx.err(s).await;
                } else if ctx.out(s).await.is_err() {
                    return 23;
                }
            }
        }
    }
    status
}

/// Transfer one URL (following redirects with `-L`), with `--max-time` over all of it.
async fn one(
    ctx: &Ctx,
    o: &Opts,
    raw: &str,
    output: Option<Output>,
    st: &mut Stats,
) -> Result<(), Fail> {
    let start = Instant::now();
    let mut url = Url::parse(raw)?;
    if o.get && !o.data.is_empty() {
        let (data, _) = body_of(ctx, o).await?;
        let q = String::from_utf8_lossy(&data.unwrap_or_default()).into_owned();
        url.target
            .push(if url.target.contains('?') { '&' } else { '?' });
        url.target.push_str(&encode_target(&q));
    }
    st.url = raw.to_owned();
    st.url_effective = url.display();
    st.scheme = url.scheme.clone();
    let file = match output {
        None => None,
        Some(Output::File(f)) if f == "-" => None,
        Some(Output::File(f)) => Some(f),
        Some(Output::Remote) => {
            let name = url.remote_name();
            if name.is_empty() {
                return Err(Fail::new(23, "Remote file name has no length!"));
            }
            Some(name)
        }
    };
    let file = match (&o.output_dir, file) {
        (Some(d), Some(f)) if !f.starts_with('/') => {
            Some(format!("{}/{f}", d.trim_end_matches('/')))
        }
        (_, f) => f,
    };
    st.filename = file.clone().unwrap_or_default();
    let mut sink = Sink {
        file,
        open: None,
        create_dirs: o.create_dirs,
    };
    let r = match o.max_time.filter(|t| *t > 0.0) {
        Some(t) => {
            match tokio::time::timeout(
                Duration::from_secs_f64(t),
                transfer(ctx, o, url, &mut sink, st, start),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => Err(Fail::new(
                    28,
                    format!(
                        "Operation timed out after {} milliseconds with {} bytes received",
                        start.elapsed().as_millis(),
                        st.size_download
                    ),
                )),
            }
        }
        None => transfer(ctx, o, url, &mut sink, st, start).await,
    };
    st.time_total = start.elapsed().as_secs_f64();
    // A successful transfer leaves its file behind even when the body was empty.
    if r.is_ok() && sink.file.is_some() {
        sink.write(ctx, Bytes::new()).await?;
    }
    r
}

async fn transfer(
    ctx: &Ctx,
    o: &Opts,
    mut url: Url,
    sink: &mut Sink,
    st: &mut Stats,
    start: Instant,
) -> Result<(), Fail> {
    let origin = (url.host.clone(), url.port);
    let mut plan = if o.get {
        Plan {
            method: if o.head { "HEAD" } else { "GET" }.to_owned(),
            custom: false,
            body: None,
            content_type: None,
            accept: None,
        }
    } else if !o.forms.is_empty() {
        let (b, ct) = form_body(ctx, o).await?;
        Plan {
            method: "POST".to_owned(),
            custom: false,
            body: Some(Bytes::from(b)),
            content_type: Some(ct),
            accept: None,
        }
    } else {
        match body_of(ctx, o).await? {
            (Some(b), json) => Plan {
                method: "POST".to_owned(),
                custom: false,
                body: Some(Bytes::from(b)),
                content_type: Some(
                    if json {
                        "application/json"
                    } else {
                        "application/x-www-form-urlencoded"
                    }
                    .to_owned(),
                ),
                accept: json.then(|| "application/json".to_owned()),
            },
            (None, _) => Plan {
                method: if o.head { "HEAD" } else { "GET" }.to_owned(),
                custom: false,
                body: None,
                content_type: None,
                accept: None,
            },
        }
    };
    if let Some(m) = &o.method {
        plan.method.clone_from(m);
        plan.custom = true;
    }
    let mut dump = match &o.dump_header {
        Some(f) if f == "-" => Some(Sink {
            file: None,
            open: None,
            create_dirs: false,
        }),
        Some(f) => Some(Sink {
            file: Some(f.clone()),
            open: None,
            create_dirs: o.create_dirs,
        }),
        None => None,
    };
    let max_redirs = o.max_redirs.unwrap_or(50);
    loop {
        st.url_effective = url.display();
        st.method.clone_from(&plan.method);
        let tls = (url.scheme == "https").then(|| TlsRequest {
            servername: url.host.clone(),
            insecure: o.insecure,
            ca: Vec::new(),
            extra_ca: Vec::new(),
        });
        let tls = match (tls, &o.cacert) {
            (Some(mut t), Some(f)) => {
                let pem = util::read_all(ctx, f)
                    .await
                    .map_err(|_| Fail::new(77, format!("error setting certificate file: {f}")))?;
                t.ca.push(String::from_utf8_lossy(&pem).into_owned());
                Some(t)
            }
            (t, _) => t,
        };
        if o.verbose {
            ctx.err(format!("*   Trying {}:{}...\n", url.host, url.port))
                .await;
        }
        let connecting = ctx.kernel.net().connect(&url.host, url.port, tls);
        let sock = match o.connect_timeout.filter(|t| *t > 0.0) {
            Some(t) => match tokio::time::timeout(Duration::from_secs_f64(t), connecting).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(Fail::new(
                        28,
                        format!(
                            "Failed to connect to {} port {} after {} ms: Timeout was reached",
                            url.host,
                            url.port,
                            start.elapsed().as_millis()
                        ),
                    ))
                }
            },
            None => connecting.await,
        }
        .map_err(|e| connect_fail(&e, &url, start.elapsed().as_millis()))?;
        st.time_connect = start.elapsed().as_secs_f64();
        st.remote_ip = sock.remote().ip().to_string();
        st.remote_port = sock.remote().port();
        if o.verbose {
            ctx.err(format!(
                "* Connected to {} ({}) port {}\n",
                url.host, st.remote_ip, url.port
            ))
            .await;
        }
        let same_origin = o.location_trusted || (url.host.clone(), url.port) == origin;
        let req = request(o, &url, &plan, same_origin);
        if o.verbose {
            let mut v = format!("> {} {} HTTP/1.1\r\n", req.method, req.target);
            for (k, val) in &req.headers {
                v.push_str(&format!("> {k}: {val}\r\n"));
            }
            if let Some(b) = &req.body {
                v.push_str(&format!("> Content-Length: {}\r\n", b.len()));
            }
            v.push_str("> \r\n");
            ctx.err(v).await;
        }
        st.size_upload = req.body.as_ref().map_or(0, |b| b.len() as u64);
        let mut resp = http1::send(Arc::new(sock), &req).await.map_err(send_fail)?;
        st.time_start = start.elapsed().as_secs_f64();
        let head = head_text(&resp);
        st.code = resp.status;
        st.size_header += head.len() as u64;
        st.headers.clone_from(&resp.headers);
        st.content_type = header(&resp, "content-type").unwrap_or("").to_owned();
        if o.verbose {
            let mut v = String::new();
            for l in head.split_terminator("\r\n") {
                v.push_str(&format!("< {l}\r\n"));
            }
            ctx.err(v).await;
        }
        if let Some(d) = dump.as_mut() {
            d.write(ctx, Bytes::from(head.clone())).await?;
        }
        let location = header(&resp, "location").map(str::to_owned);
        let redirect = matches!(resp.status, 301 | 302 | 303 | 307 | 308);
        let next = match (&location, redirect) {
            (Some(l), true) => Some(url.join(l)?),
            _ => None,
        };
        st.redirect_url = next.as_ref().map(Url::display).unwrap_or_default();
        let failing = (o.fail || o.fail_with_body) && resp.status >= 400;
        if (o.include || o.head) && (!failing || o.fail_with_body) {
            sink.write(ctx, Bytes::from(head)).await?;
        }
        if let (Some(next_url), true) = (next, o.location) {
            if max_redirs >= 0 && i64::from(st.num_redirects) >= max_redirs {
                return Err(Fail::new(
                    47,
                    format!("Maximum ({max_redirs}) redirects followed"),
                ));
            }
            st.num_redirects += 1;
            let to_get = match resp.status {
                301 | 302 => {
                    plan.method.eq_ignore_ascii_case("POST") || plan.custom && plan.body.is_some()
                }
                303 => !plan.method.eq_ignore_ascii_case("HEAD"),
                _ => false,
            };
            if to_get {
                if !plan.custom {
                    plan.method = "GET".to_owned();
                }
                plan.body = None;
                plan.content_type = None;
            }
            if o.verbose {
                ctx.err(format!(
                    "* Issue another request to this URL: '{}'\n",
                    next_url.display()
                ))
                .await;
            }
            url = next_url;
            continue;
        }
        if failing && !o.fail_with_body {
            return Err(http_fail(resp.status));
        }
        stream_body(ctx, o, &mut resp, sink, st).await?;
        if o.verbose {
            ctx.err("* Closing connection\n").await;
        }
        if failing {
            return Err(http_fail(resp.status));
        }
        return Ok(());
    }
}

fn http_fail(status: u16) -> Fail {
    Fail::new(22, format!("The requested URL returned error: {status}"))
}

fn send_fail(e: Error) -> Fail {
    match e.errno_value() {
        Some(Errno::ECONNRESET) => Fail::new(52, "Empty reply from server"),
        Some(Errno::EPIPE) if e.syscall() == Some("write") => {
            Fail::new(55, "Failed sending data to the peer")
        }
        _ if e.message().starts_with("invalid HTTP response")
            || e.message().starts_with("HTTP response head") =>
        {
            Fail::new(8, "Weird server reply")
        }
        Some(errno) => Fail::new(56, format!("Recv failure: {}", errno.strerror())),
        None => Fail::new(56, format!("Recv failure: {}", e.message())),
    }
}

async fn stream_body(
    ctx: &Ctx,
    o: &Opts,
    resp: &mut Response,
    sink: &mut Sink,
    st: &mut Stats,
) -> Result<(), Fail> {
    let mut decoder = if o.compressed {
        header(resp, "content-encoding").and_then(Decoder::for_encoding)
    } else {
        None
    };
    let body: &mut Body = &mut resp.body;
    loop {
        let piece = match body.next().await {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                return Err(match e.errno_value() {
                    Some(Errno::ECONNRESET) => {
                        Fail::new(18, "transfer closed with outstanding read data remaining")
                    }
                    Some(Errno::EIO) => Fail::new(56, format!("Recv failure: {}", e.message())),
                    Some(errno) => Fail::new(56, format!("Recv failure: {}", errno.strerror())),
                    None => Fail::new(56, format!("Recv failure: {}", e.message())),
                })
            }
        };
        st.size_download += piece.len() as u64;
        let piece = match decoder.as_mut() {
            Some(d) => Bytes::from(d.feed(&piece)?),
            None => piece,
        };
        if !piece.is_empty() {
            sink.write(ctx, piece).await?;
        }
    }
    if let Some(d) = decoder {
        let rest = d.finish()?;
        if !rest.is_empty() {
            sink.write(ctx, Bytes::from(rest)).await?;
        }
    }
    Ok(())
}

/// The request for `url`: curl's default headers, then the user's (`-H 'Name:'` removes a
/// default, `-H 'Name;'` sends it empty).
fn request(o: &Opts, url: &Url, plan: &Plan, same_origin: bool) -> Request {
    let mut user: Vec<(String, String)> = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    for h in &o.headers {
        if let Some((k, v)) = h.split_once(':') {
            let k = k.trim();
            let v = v.trim();
            if v.is_empty() {
                removed.push(k.to_ascii_lowercase());
            } else {
                user.push((k.to_owned(), v.to_owned()));
            }
        } else if let Some(k) = h.strip_suffix(';') {
            user.push((k.trim().to_owned(), String::new()));
        }
    }
    let overridden = |n: &str| {
        removed.iter().any(|r| r.eq_ignore_ascii_case(n))
            || user.iter().any(|(k, _)| k.eq_ignore_ascii_case(n))
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| {
        if !overridden(k) {
            headers.push((k.to_owned(), v));
        }
    };
    add("Host", url.authority());
    let creds = match (&o.user, &url.user) {
        (Some(u), _) => Some(match u.split_once(':') {
            Some((n, p)) => (n.to_owned(), p.to_owned()),
            None => (u.clone(), String::new()),
        }),
        (None, Some(u)) => Some(u.clone()),
        (None, None) => None,
    };
    if let (Some((n, p)), true) = (creds, same_origin) {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{n}:{p}"));
        add("Authorization", format!("Basic {token}"));
    } else if let (Some(t), true) = (&o.bearer, same_origin) {
        add("Authorization", format!("Bearer {t}"));
    }
    if let Some(r) = &o.range {
        add("Range", format!("bytes={r}"));
    }
    add(
        "User-Agent",
        o.user_agent
            .clone()
            .unwrap_or_else(|| format!("curl/{VERSION}")),
    );
    add(
        "Accept",
        plan.accept.clone().unwrap_or_else(|| "*/*".to_owned()),
    );
    if o.compressed {
        add("Accept-Encoding", "deflate, gzip".to_owned());
    }
    if let Some(r) = &o.referer {
        add("Referer", r.clone());
    }
    let cookies: Vec<&str> = o
        .cookies
        .iter()
        .filter(|c| c.contains('='))
        .map(String::as_str)
        .collect();
    if !cookies.is_empty() {
        add("Cookie", cookies.join("; "));
    }
    if plan.body.is_some() {
        if let Some(ct) = &plan.content_type {
            add("Content-Type", ct.clone());
        }
    }
    headers.extend(user);
    Request {
        method: plan.method.clone(),
        target: url.target.clone(),
        headers,
        body: plan.body.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_parse_like_curl() {
        let o = parse_args(&v(&[
            "-sSfL",
            "-XPUT",
            "-H",
            "A: 1",
            "--header",
            "B: 2",
            "-d",
            "x=1",
            "--data-binary",
            "@f",
            "-o",
            "out",
            "-w%{http_code}",
            "--max-redirs",
            "3",
            "-m",
            "2.5",
            "http://a/",
            "--no-silent",
            "b.example",
        ]))
        .unwrap();
        assert!(!o.silent && o.show_error && o.fail && o.location);
        assert_eq!(o.method.as_deref(), Some("PUT"));
        assert_eq!(o.headers, v(&["A: 1", "B: 2"]));
        assert_eq!(
            o.data,
            vec![Data::Ascii("x=1".into()), Data::Binary("@f".into())]
        );
        assert_eq!(o.outputs, vec![Output::File("out".into())]);
        assert_eq!(o.write_out.as_deref(), Some("%{http_code}"));
        assert_eq!(o.max_redirs, Some(3));
        assert_eq!(o.max_time, Some(2.5));
        assert_eq!(o.urls, v(&["http://a/", "b.example"]));
    }

    #[test]
    fn option_errors_are_curls() {
        let e = parse_args(&v(&["--bogus"])).unwrap_err();
        assert_eq!(e, format!("curl: option --bogus: is unknown\n{TRY_HELP}"));
        let e = parse_args(&v(&["-sZ"])).unwrap_err();
        assert_eq!(e, format!("curl: option -Z: is unknown\n{TRY_HELP}"));
        let e = parse_args(&v(&["-o"])).unwrap_err();
        assert_eq!(
            e,
            format!("curl: option -o: requires parameter\n{TRY_HELP}")
        );
        // No `--opt=value` and no abbreviations, as in curl.
        assert!(parse_args(&v(&["--output=x"])).is_err());
        assert!(parse_args(&v(&["--sil"])).is_err());
        assert!(parse_args(&v(&["--max-time", "soon"]))
            .unwrap_err()
            .contains("expected a proper numerical parameter"));
        // Only flags have a `--no-` form.
        assert!(parse_args(&v(&["--no-output", "x"])).is_err());
    }

    #[test]
    fn urls_parse_with_defaults() {
        let u = Url::parse("example.com").unwrap();
        assert_eq!(
            (
                u.scheme.as_str(),
                u.host.as_str(),
                u.port,
                u.target.as_str()
            ),
            ("http", "example.com", 80, "/")
        );
        assert_eq!(u.display(), "http://example.com/");
        let u = Url::parse("HTTPS://user:p%40ss@Example.com:8443/a/../b?q=1#frag").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.user, Some(("user".into(), "p@ss".into())));
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, 8443);
        assert_eq!(u.target, "/b?q=1");
        assert_eq!(u.authority(), "example.com:8443");
        let u = Url::parse("https://example.com?x").unwrap();
        assert_eq!((u.port, u.target.as_str()), (443, "/?x"));
        let u = Url::parse("http://[::1]:8080/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8080));
        assert_eq!(u.authority(), "[::1]:8080");
        assert_eq!(Url::parse("http://[::1]/").unwrap().authority(), "[::1]");
        assert_eq!(
            Url::parse("http://h/a%20b/é").unwrap().target,
            "/a%20b/%C3%A9"
        );
        assert_eq!(
            Url::parse("ftp://h/").unwrap_err(),
            Fail::new(1, "Protocol \"ftp\" not supported")
        );
        assert_eq!(Url::parse("http://h:99999/").unwrap_err().code, 3);
        assert_eq!(Url::parse("http:///x").unwrap_err().code, 3);
        assert_eq!(Url::parse("http://[nope]/").unwrap_err().code, 3);
        assert_eq!(Url::parse("http://a b/").unwrap_err().code, 3);
    }

    #[test]
    fn redirects_resolve_relative_to_the_current_url() {
        let base = Url::parse("http://u:p@h:81/a/b/c?q").unwrap();
        assert_eq!(base.join("/x").unwrap().display(), "http://h:81/x");
        assert_eq!(base.join("d").unwrap().display(), "http://h:81/a/b/d");
        assert_eq!(base.join("../d?z").unwrap().display(), "http://h:81/a/d?z");
        assert_eq!(base.join("?z").unwrap().display(), "http://h:81/a/b/c?z");
        assert_eq!(base.join("//other/p").unwrap().display(), "http://other/p");
        assert_eq!(
            base.join("https://o.example/").unwrap().display(),
            "https://o.example/"
        );
        assert_eq!(base.join("/x").unwrap().user, base.user);
        assert_eq!(base.remote_name(), "c");
        assert_eq!(Url::parse("http://h/").unwrap().remote_name(), "");
    }

    #[test]
    fn write_out_formats() {
        let st = Stats {
            code: 404,
            content_type: "text/plain".into(),
            size_download: 12,
            url_effective: "http://h/".into(),
            headers: vec![("X-A".into(), "1".into())],
            ..Stats::default()
        };
        let (out, warn) = write_out(
            "%{http_code} %{content_type} %{size_download} %{url_effective}\\n100%% %header{x-a}%{nope}\\t",
            &st,
        );
        assert_eq!(
            out,
            vec![(false, "404 text/plain 12 http://h/\n100% 1\t".to_owned())]
        );
        assert_eq!(
            warn,
            vec!["unknown --write-out variable: 'nope'".to_owned()]
        );
        let (out, _) = write_out("a%{stderr}b%{stdout}c", &Stats::default());
        assert_eq!(
            out,
            vec![(false, "a".into()), (true, "b".into()), (false, "c".into())]
        );
        assert_eq!(write_out("%{http_code}", &Stats::default()).0[0].1, "000");
    }

    #[test]
    fn request_headers() {
        let o = parse_args(&v(&[
            "-u",
            "me:pw",
            "-H",
            "Accept: text/html",
            "-H",
            "User-Agent:",
            "-H",
            "X-Empty;",
            "http://h:8080/",
        ]))
        .unwrap();
        let url = Url::parse("http://h:8080/").unwrap();
        let plan = Plan {
            method: "POST".into(),
            custom: false,
            body: Some(Bytes::from_static(b"a=1")),
            content_type: Some("application/x-www-form-urlencoded".into()),
            accept: None,
        };
        let req = request(&o, &url, &plan, true);
        let names: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Host", "h:8080"),
                ("Authorization", "Basic bWU6cHc="),
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "text/html"),
                ("X-Empty", ""),
            ]
        );
        // Credentials stay with the host they were given for.
        let req = request(&o, &url, &plan, false);
        assert!(!req.headers.iter().any(|(k, _)| k == "Authorization"));
        assert_eq!(urlencode(b"a b&c=d/\xc3\xa9"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    /// A VM with an HTTP server on its own loopback, and a way to run scripts in it.
    mod vm {
        use std::net::{IpAddr, Ipv4Addr};
        use std::sync::Arc;
        use std::time::Duration;

        use bytes::Bytes;

        use crate::commands::{self, Env, SpawnSpec};
        use crate::kernel::net::Socket;
        use crate::kernel::process::{FdTable, OpenFile, OutputSink, Stream};
        use crate::kernel::Kernel;
        use crate::vm::Limits;

        /// Answer one request: the route decides the response.
        async fn handle(s: Socket) {
            let mut buf = Vec::new();
            let (head, body) = loop {
                let b = match s.read(64 * 1024).await {
                    Ok(b) if !b.is_empty() => b,
                    _ => return,
                };
                buf.extend_from_slice(&b);
                let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..i]).into_owned();
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < i + 4 + len {
                    match s.read(64 * 1024).await {
                        Ok(b) if !b.is_empty() => buf.extend_from_slice(&b),
                        _ => return,
                    }
                }
                break (head, buf[i + 4..i + 4 + len].to_vec());
            };
            let mut first = head.lines().next().unwrap_or("").split(' ');
            let method = first.next().unwrap_or("").to_owned();
            let path = first.next().unwrap_or("").to_owned();
            let hdr = |n: &str| {
                head.lines()
                    .skip(1)
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case(n).then(|| v.trim().to_owned())
                    })
                    .unwrap_or_default()
            };
            let ok = |ct: &str, body: Vec<u8>| {
                let mut r = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .into_bytes();
                r.extend_from_slice(&body);
                r
            };
            let resp: Vec<u8> = match path.as_str() {
                "/hello" => ok("text/plain", b"hello\n".to_vec()),
                "/missing" => b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope\n".to_vec(),
                "/redirect" => {
                    b"HTTP/1.1 302 Found\r\nLocation: /hello\r\nContent-Length: 0\r\n\r\n".to_vec()
                }
                "/loop" => b"HTTP/1.1 301 Moved\r\nLocation: loop\r\n\r\n".to_vec(),
                "/see-other" => {
                    b"HTTP/1.1 303 See Other\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n"
                        .to_vec()
                }
                "/chunked" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".to_vec(),
                "/gzip" => {
                    let z = super::super::super::cmd_gzip::compress(b"unzipped\n", 6);
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                        z.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&z);
                    r
                }
                "/close" => b"HTTP/1.1 200 OK\r\n\r\nuntil close".to_vec(),
                "/empty" => Vec::new(),
                "/slow" => {
                    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst";
                    let _ = s.write(Bytes::from_static(head)).await;
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    b"later".to_vec()
                }
                _ => {
                    // Echo: the method, the interesting headers and the body.
                    let text = format!(
                        "{method} {path}\nct={}\nua={}\nauth={}\nx={}\nbody={}\n",
                        hdr("content-type"),
                        hdr("user-agent"),
                        hdr("authorization"),
                        hdr("x-test"),
                        String::from_utf8_lossy(&body)
                    );
                    ok("text/plain; charset=utf-8", text.into_bytes())
                }
            };
            let _ = s.write(Bytes::from(resp)).await;
            s.shutdown_write();
        }

        /// Start the server in `kernel`; its port.
        pub(super) fn serve(kernel: &Kernel) -> u16 {
            let l = kernel
                .net()
                .listen(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)
                .unwrap();
            let port = l.addr().port();
            tokio::spawn(async move {
                while let Some(s) = l.accept().await {
                    tokio::spawn(handle(s));
                }
            });
            port
        }

        /// Run `bash -c script` in a fresh VM with the server on `$PORT`.
        pub(super) fn run(script: &str) -> (i32, String, String) {
            let rt = crate::sidecar::runtime_builder().build().unwrap();
            rt.block_on(async {
                let kernel = Arc::new(Kernel::new(Limits::default()));
                let port = serve(&kernel);
                let sink = |s| Arc::new(OutputSink::new(0, s, 16 << 20, true, false, None, 0));
                let (out, err) = (sink(Stream::Stdout), sink(Stream::Stderr));
                let (r, w) = crate::kernel::process::pipe::pipe(1024);
                drop(w);
                let mut fds = FdTable::new(1024);
                fds.set(0, OpenFile::pipe_reader(r)).unwrap();
                fds.set(1, OpenFile::sink(out.clone())).unwrap();
                fds.set(2, OpenFile::sink(err.clone())).unwrap();
                let env: Env = [
                    ("HOME", "/home/user".to_owned()),
                    ("PATH", "/usr/bin:/bin".to_owned()),
                    ("PORT", port.to_string()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
                let spec = SpawnSpec {
                    argv: vec!["bash".into(), "-c".into(), script.to_owned()],
                    env,
                    cwd: "/home/user".into(),
                    fds,
                    ppid: 0,
                    pgid: None,
                    sid: None,
                    api: false,
                };
                let p = commands::start(&kernel, spec, crate::shell::main, "shell").unwrap();
                let code = tokio::time::timeout(Duration::from_secs(20), p.wait())
                    .await
                    .unwrap_or(-1);
                kernel.shutdown();
                let text =
                    |s: &OutputSink| String::from_utf8_lossy(&s.take_collected().0).into_owned();
                (code, text(&out), text(&err))
            })
        }
    }

    #[test]
    fn get_to_stdout_and_include() {
        let (code, out, err) = vm::run(
            "curl http://localhost:$PORT/hello; curl -s -i localhost:$PORT/hello; \
             curl -s http://127.0.0.1:$PORT/chunked; echo; curl -s http://[::1]:$PORT/close; echo",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(err, "");
        assert_eq!(
            out,
            "hello\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n\
             abcde\nuntil close\n"
        );
    }

    #[test]
    fn output_file_and_remote_name() {
        let (code, out, err) = vm::run(
            "mkdir d && cd d && curl -s -o got.txt http://localhost:$PORT/hello && cat got.txt; \
             curl -sO http://localhost:$PORT/hello && cat hello; \
             curl -s --create-dirs -o a/b/c http://localhost:$PORT/hello && cat a/b/c; \
             curl -o /nope/x http://localhost:$PORT/hello; echo rc=$?",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "hello\nhello\nhello\nrc=23\n");
        assert_eq!(
            err,
            "Warning: Failed to open the file /nope/x: No such file or directory\n\
             curl: (23) Failure writing output to destination\n"
        );
    }

    #[test]
    fn fail_on_http_errors() {
        let (code, out, err) = vm::run(
            "curl http://localhost:$PORT/missing; echo rc=$?; \
             curl -f http://localhost:$PORT/missing; echo rc=$?; \
             curl -sf http://localhost:$PORT/missing; echo rc=$?; \
             curl -sSf http://localhost:$PORT/missing; echo rc=$?; \
             curl -s --fail-with-body http://localhost:$PORT/missing; echo rc=$?",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "nope\nrc=0\nrc=22\nrc=22\nrc=22\nnope\nrc=22\n");
        assert_eq!(
            err,
            "curl: (22) The requested URL returned error: 404\n\
             curl: (22) The requested URL returned error: 404\n"
        );
    }

    #[test]
    fn redirects() {
        let (code, out, err) = vm::run(
            "curl -s -w '%{http_code} %{redirect_url}\\n' http://localhost:$PORT/redirect; \
             curl -sL -w '%{http_code} %{num_redirects} %{url_effective}\\n' localhost:$PORT/redirect; \
             curl -sL -d a=1 localhost:$PORT/see-other; \
             curl -sL --max-redirs 3 localhost:$PORT/loop; echo rc=$?; \
             curl -L --max-redirs 3 localhost:$PORT/loop",
        );
        assert_eq!(
            out,
            format!(
                "302 http://localhost:{p}/hello\nhello\n200 1 http://localhost:{p}/hello\n\
             GET /echo\nct=\nua=curl/8.5.0\nauth=\nx=\nbody=\nrc=47\n",
                p = port_of(&out)
            )
        );
        assert_eq!(code, 47);
        assert_eq!(err, "curl: (47) Maximum (3) redirects followed\n");
    }

    /// The server's port, as it appears in a URL in `out`.
    fn port_of(out: &str) -> String {
        let i = out.find("localhost:").unwrap() + "localhost:".len();
        out[i..].chars().take_while(char::is_ascii_digit).collect()
    }

    #[test]
    fn post_bodies_and_headers() {
        let (code, out, err) = vm::run(
            "printf 'l1\\nl2\\n' > f; \
             curl -s -d a=1 -d 'b=2 3' -H 'X-Test: yes' -A agent/1 -u me:pw localhost:$PORT/p; \
             curl -s -d @f localhost:$PORT/p | grep body; \
             curl -s --data-binary @f localhost:$PORT/p | grep -A1 body; \
             curl -s --data-urlencode 'q=a b&c' -G localhost:$PORT/g | head -1; \
             curl -s -X DELETE --json '{\"k\":1}' localhost:$PORT/j | head -2; \
             curl -s -I localhost:$PORT/hello",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            "POST /p\nct=application/x-www-form-urlencoded\nua=agent/1\nauth=Basic bWU6cHc=\n\
             x=yes\nbody=a=1&b=2 3\n\
             body=l1l2\n\
             body=l1\nl2\n\
             GET /g?q=a%20b%26c\n\
             DELETE /j\nct=application/json\n\
             HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\n"
        );
    }

    #[test]
    fn write_out_and_compressed() {
        let (code, out, err) = vm::run(
            "curl -s -o /dev/null -w '%{http_code} %{content_type} %{size_download}\\n' localhost:$PORT/hello; \
             curl -s -w '%{http_code}' localhost:$PORT/missing; echo; \
             curl -s --compressed localhost:$PORT/gzip",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "200 text/plain 6\nnope\n404\nunzipped\n");
    }

    #[test]
    fn connection_errors() {
        let (code, out, err) = vm::run(
            "curl http://localhost:1/; echo rc=$?; curl -s localhost:1; echo rc=$?; \
             curl -sS -w '%{http_code}\\n' 127.0.0.1:1; echo rc=$?; \
             curl -s localhost:$PORT/empty; echo rc=$?; \
             curl ftp://x/; echo rc=$?; curl --nope; echo rc=$?; curl; echo rc=$?; \
             curl http://example.com/; echo rc=$?",
        );
        assert_eq!(code, 0, "{err}");
        // The elapsed time is real; it is 0 ms unless the machine is very busy.
        let err = regex::Regex::new(r"after \d+ ms")
            .unwrap()
            .replace_all(&err, "after 0 ms")
            .into_owned();
        assert_eq!(
            out,
            "rc=7\nrc=7\n000\nrc=7\nrc=52\nrc=1\nrc=2\nrc=2\nrc=7\n"
        );
        assert_eq!(
            err,
            format!(
                "curl: (7) Failed to connect to localhost port 1 after 0 ms: Couldn't connect to server\n\
                 curl: (7) Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server\n\
                 curl: (1) Protocol \"ftp\" not supported\n\
                 curl: option --nope: is unknown\n{TRY_HELP}{TRY_HELP}\
                 curl: (7) Failed to connect to example.com port 80 after 0 ms: Couldn't connect to server \
                 (the VM has no network access outside it)\n"
            )
        );
    }

    #[test]
    fn max_time_streams_what_arrived_then_times_out() {
        let (code, out, err) = vm::run("curl -sS -m 0.3 localhost:$PORT/slow; echo rc=$?");
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "firstrc=28\n");
        let err = regex::Regex::new(r"after \d+ milliseconds")
            .unwrap()
            .replace_all(&err, "after N milliseconds")
            .into_owned();
        assert_eq!(
            err,
            "curl: (28) Operation timed out after N milliseconds with 5 bytes received\n"
        );
    }

    #[test]
    fn verbose_and_stdin_data() {
        let (code, out, err) = vm::run(
            "curl -sv localhost:$PORT/hello 2>&1 >/dev/null | grep -v '^\\*   Trying'; \
             echo 'k=v' | curl -s -d @- localhost:$PORT/p | grep body",
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            "* Connected to localhost (127.0.0.1) port PORT\n\
             > GET /hello HTTP/1.1\r\n> Host: localhost:PORT\r\n> User-Agent: curl/8.5.0\r\n\
             > Accept: */*\r\n> \r\n\
             < HTTP/1.1 200 OK\r\n< Content-Type: text/plain\r\n< Content-Length: 6\r\n\
             < \r\n* Closing connection\nbody=k=v\n"
                .replace("PORT", &port_of(&out))
        );
    }
}
