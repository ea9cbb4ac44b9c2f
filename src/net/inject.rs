//! Credential injection: headers the host adds to a guest's outbound HTTP/1.x requests, so a
//! secret (an API key) is used on the guest's behalf without ever entering the VM.
//!
//! The injector sits on the guest-to-upstream direction of a connection to a host an `egress`
//! rule names (after TLS is terminated on the host, so it works for `https` too). It parses each
//! request head with `httparse`, replaces same-named headers with the rule's, and follows the
//! body's framing (`Content-Length` or chunked, with `httparse::parse_chunk_size`) to find the
//! next request on a kept-alive connection. After an `Upgrade` or `CONNECT` request, or bytes it
//! cannot parse as HTTP/1.x, it passes the rest through unchanged (and injects nothing more).

use bytes::{Bytes, BytesMut};

/// Largest request head the injector buffers (as Node's default `maxHeaderSize`).
const MAX_HEAD: usize = 16 * 1024;
/// Largest chunk-size line (with extensions) and trailer section accepted.
const MAX_LINE: usize = 4 * 1024;
const MAX_TRAILERS: usize = 16 * 1024;

/// Headers to add to requests to one host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderRule {
    /// Host name as the guest connects to it; `*.example.com` matches subdomains too.
    pub host: String,
    /// Only connections to this port. Without a port the rule applies to TLS connections only,
    /// so a secret never crosses a network in clear unless the rule names the port.
    pub port: Option<u16>,
    /// Header names and values to set.
    pub headers: Vec<(String, String)>,
}

fn norm_host(h: &str) -> String {
    h.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

impl HeaderRule {
    fn matches(&self, host: &str, port: u16, tls: bool) -> bool {
        match self.port {
            Some(p) if p != port => return false,
            None if !tls => return false,
            _ => {}
        }
        let host = norm_host(host);
        let pat = norm_host(&self.host);
        match pat.strip_prefix("*.") {
            Some(suffix) => host == suffix || host.ends_with(&format!(".{suffix}")),
            None => host == pat,
        }
    }
}

#[derive(Debug)]
enum State {
    /// Collecting a request head.
    Head,
    /// Passing `n` more body bytes.
    Body(u64),
    /// In a chunked body: reading a chunk-size line.
    ChunkSize,
    /// In a chunked body: passing `n` more chunk bytes.
    Chunk(u64),
    /// In a chunked body: the CRLF after a chunk's data.
    ChunkEnd,
    /// After the last chunk: passing trailer lines until an empty one (`n` bytes so far).
    Trailers(usize),
    /// Passing everything unchanged, injecting nothing more.
    Through,
}

/// Why a connection was cut: the guest's request could not be framed unambiguously, so
/// injecting into what might be another request's body (request smuggling) is refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused(pub String);

/// The injector of one connection.
#[derive(Debug)]
pub struct Injector {
    headers: Vec<(String, String)>,
    host: String,
    port: u16,
    state: State,
    buf: BytesMut,
}

/// The authority of a `Host` header or absolute-form target: host (normalised) and port.
fn authority(a: &str) -> (String, Option<u16>) {
    let a = a.trim();
    let (h, p) = if let Some(rest) = a.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => (rest, None),
        }
    } else {
        match a.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            _ => (a, None),
        }
    };
    (norm_host(h), p.and_then(|p| p.parse().ok()))
}

impl Injector {
    /// The injector for a connection to `host:port` (through TLS or not), if a rule names it.
    pub fn for_host(rules: &[HeaderRule], host: &str, port: u16, tls: bool) -> Option<Injector> {
        let mut headers: Vec<(String, String)> = Vec::new();
        for r in rules.iter().filter(|r| r.matches(host, port, tls)) {
            for (k, v) in &r.headers {
                headers.retain(|(k2, _)| !k2.eq_ignore_ascii_case(k));
                headers.push((k.clone(), v.clone()));
            }
        }
        (!headers.is_empty()).then(|| Injector {
            headers,
            host: norm_host(host),
            port,
            state: State::Head,
            buf: BytesMut::new(),
        })
    }

    /// Whether `auth` names the host this connection was made to.
    fn same_host(&self, auth: &str) -> bool {
        let (h, p) = authority(auth);
        h == self.host && p.is_none_or(|p| p == self.port)
    }

    /// Take bytes the guest sent; returns the bytes to send upstream (possibly fewer now and
    /// more later, while a head is incomplete), or why the connection must be cut.
    pub fn feed(&mut self, data: Bytes) -> Result<Bytes, Refused> {
        if matches!(self.state, State::Through) && self.buf.is_empty() {
            return Ok(data);
        }
        self.buf.extend_from_slice(&data);
        let mut out = BytesMut::new();
        loop {
            let progressed = match self.state {
                State::Through => {
                    out.extend_from_slice(&self.buf.split());
                    false
                }
                State::Head => self.head(&mut out)?,
                State::Body(n) => {
                    let take = n.min(self.buf.len() as u64) as usize;
                    out.extend_from_slice(&self.buf.split_to(take));
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        State::Head
                    } else {
                        State::Body(left)
                    };
                    left == 0
                }
                State::ChunkSize => match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        out.extend_from_slice(&self.buf.split_to(used));
                        self.state = if size == 0 {
                            State::Trailers(0)
                        } else {
                            State::Chunk(size)
                        };
                        true
                    }
                    Ok(httparse::Status::Partial) if self.buf.len() <= MAX_LINE => false,
                    _ => return Err(Refused("invalid chunk size line".into())),
                },
                State::Chunk(n) => {
                    let take = n.min(self.buf.len() as u64) as usize;
                    out.extend_from_slice(&self.buf.split_to(take));
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        State::ChunkEnd
                    } else {
                        State::Chunk(left)
                    };
                    left == 0
                }
                State::ChunkEnd => {
                    if self.buf.len() < 2 {
                        false
                    } else if &self.buf[..2] == b"\r\n" {
                        out.extend_from_slice(&self.buf.split_to(2));
                        self.state = State::ChunkSize;
                        true
                    } else {
                        return Err(Refused("chunk data not followed by CRLF".into()));
                    }
                }
                State::Trailers(seen) => match self.buf.windows(2).position(|w| w == b"\r\n") {
                    Some(i) => {
                        let line = self.buf.split_to(i + 2);
                        out.extend_from_slice(&line);
                        self.state = if i == 0 {
                            State::Head
                        } else if seen + i + 2 > MAX_TRAILERS {
                            return Err(Refused("trailers too large".into()));
                        } else {
                            State::Trailers(seen + i + 2)
                        };
                        true
                    }
                    None if seen + self.buf.len() <= MAX_TRAILERS => false,
                    None => return Err(Refused("trailers too large".into())),
                },
            };
            if !progressed || self.buf.is_empty() {
                if matches!(self.state, State::Through) {
                    out.extend_from_slice(&self.buf.split());
                }
                return Ok(out.freeze());
            }
        }
    }

    /// Try to take one request head from the buffer; `Ok(true)` when one was taken (or the
    /// connection switched to passing bytes through).
    fn head(&mut self, out: &mut BytesMut) -> Result<bool, Refused> {
        let mut hdrs = [httparse::EMPTY_HEADER; 128];
        let mut req = httparse::Request::new(&mut hdrs);
        let used = match req.parse(&self.buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if self.buf.len() < MAX_HEAD => return Ok(false),
            Ok(httparse::Status::Partial) => return Err(Refused("request head too large".into())),
            // Not HTTP/1.x: nothing to inject into; the bytes pass unchanged.
            Err(_) => {
                self.state = State::Through;
                return Ok(true);
            }
        };
        let method = req.method.unwrap_or("GET").to_owned();
        let target = req.path.unwrap_or("/").to_owned();
        let version = req.version.unwrap_or(1);
        // Only requests for the host the connection was made to (and not TRACE, which echoes
        // headers back) get the secret; anything else passes unchanged and ends injection on
        // this connection.
        let lower = target.to_ascii_lowercase();
        let absolute = lower
            .strip_prefix("http://")
            .or_else(|| lower.strip_prefix("https://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or("").to_owned());
        let hosts: Vec<String> = req
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("host"))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
            .collect();
        let for_us = hosts.len() <= 1
            && hosts.iter().all(|h| self.same_host(h))
            && absolute.as_deref().is_none_or(|a| self.same_host(a))
            && !method.eq_ignore_ascii_case("TRACE");
        if !for_us {
            self.state = State::Through;
            return Ok(true);
        }
        let mut length: Option<u64> = None;
        let mut te: Option<String> = None;
        let mut upgrade = method.eq_ignore_ascii_case("CONNECT");
        let mut head = Vec::with_capacity(used + 256);
        head.extend_from_slice(format!("{method} {target} HTTP/1.{version}\r\n").as_bytes());
        for h in req.headers.iter() {
            let value = String::from_utf8_lossy(h.value);
            if h.name.eq_ignore_ascii_case("content-length") {
                let v = value.trim();
                let n = (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| v.parse::<u64>().ok())
                    .flatten()
                    .ok_or_else(|| Refused(format!("invalid Content-Length {v:?}")))?;
                if length.is_some_and(|l| l != n) {
                    return Err(Refused("conflicting Content-Length headers".into()));
                }
                length = Some(n);
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                if te.is_some() {
                    return Err(Refused("repeated Transfer-Encoding".into()));
                }
                te = Some(value.trim().to_ascii_lowercase());
            } else if h.name.eq_ignore_ascii_case("upgrade") {
                upgrade = true;
            }
            if self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(h.name))
            {
                continue;
            }
            head.extend_from_slice(h.name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(h.value);
            head.extend_from_slice(b"\r\n");
        }
        let chunked = match te.as_deref() {
            None => false,
            Some("chunked") if version == 1 && length.is_none() => true,
            Some(t) => {
                return Err(Refused(format!(
                    "ambiguous framing (Transfer-Encoding {t:?} on HTTP/1.{version}{})",
                    if length.is_some() {
                        " with Content-Length"
                    } else {
                        ""
                    }
                )))
            }
        };
        for (k, v) in &self.headers {
            head.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        let _ = self.buf.split_to(used);
        out.extend_from_slice(&head);
        self.state = if upgrade {
            State::Through
        } else if chunked {
            State::ChunkSize
        } else {
            match length {
                Some(n) if n > 0 => State::Body(n),
                _ => State::Head,
            }
        };
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injector() -> Injector {
        let rules = vec![HeaderRule {
            host: "*.example.com".into(),
            port: None,
            headers: vec![("Authorization".into(), "Bearer s3cret".into())],
        }];
        Injector::for_host(&rules, "api.example.com", 443, true).unwrap()
    }

    fn run(inj: &mut Injector, parts: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for p in parts {
            out.extend_from_slice(&inj.feed(Bytes::copy_from_slice(p)).unwrap());
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rules_match_hosts_and_ports() {
        let rules = vec![HeaderRule {
            host: "api.example.com".into(),
            port: Some(443),
            headers: vec![("x-key".into(), "1".into())],
        }];
        assert!(Injector::for_host(&rules, "API.example.com.", 443, true).is_some());
        assert!(Injector::for_host(&rules, "api.example.com", 80, true).is_none());
        assert!(Injector::for_host(&rules, "evil.com", 443, true).is_none());
        // Without a port, only TLS connections get the headers.
        let any_port = vec![HeaderRule {
            port: None,
            ..rules[0].clone()
        }];
        assert!(Injector::for_host(&any_port, "api.example.com", 80, false).is_none());
        assert!(Injector::for_host(&any_port, "api.example.com", 8443, true).is_some());
    }

    #[test]
    fn headers_are_replaced_in_every_request_of_a_kept_alive_connection() {
        let mut inj = injector();
        let out = run(
            &mut inj,
            &[
                b"POST /v1 HTTP/1.1\r\nHost: api.example.com\r\nauthorization: guest-guess\r\nContent-Length: 5\r\n\r\nhel",
                b"loGET /two HTTP/1.1\r\nHost: API.example.com:443\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                b"GET /three HTTP/1.1\r\n",
                b"Host: api.example.com\r\n\r\n",
            ],
        );
        assert_eq!(out.matches("Authorization: Bearer s3cret\r\n").count(), 3);
        assert!(!out.contains("guest-guess"));
        assert!(out.contains("\r\n\r\nhelloGET /two"));
        assert!(out.contains("3\r\nabc\r\n0\r\n\r\nGET /three"));
    }

    #[test]
    fn upgrades_and_garbage_pass_through() {
        let mut inj = injector();
        let out = run(
            &mut inj,
            &[b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET / HTTP/1.1\r\n\r\n"],
        );
        assert_eq!(out.matches("Bearer").count(), 1);
        let mut inj = injector();
        assert_eq!(
            run(&mut inj, &[b"\x16\x03\x01garbage\r\n\r\n"]),
            "\x16\x03\x01garbage\r\n\r\n"
        );
    }
}
