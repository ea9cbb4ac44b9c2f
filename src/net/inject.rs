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

/// Headers to add to requests to one host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderRule {
    /// Host name as the guest connects to it; `*.example.com` matches subdomains too.
    pub host: String,
    /// Only connections to this port (any port when `None`).
    pub port: Option<u16>,
    /// Header names and values to set.
    pub headers: Vec<(String, String)>,
}

impl HeaderRule {
    fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let pat = self.host.trim_end_matches('.').to_ascii_lowercase();
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
    /// In a chunked body: passing `n` chunk bytes and then its CRLF.
    Chunk(u64),
    /// After the last chunk: passing trailer lines until an empty one.
    Trailers,
    /// Passing everything unchanged.
    Through,
}

/// The injector of one connection.
#[derive(Debug)]
pub struct Injector {
    headers: Vec<(String, String)>,
    state: State,
    buf: BytesMut,
}

impl Injector {
    /// The injector for a connection to `host:port`, if a rule names it.
    pub fn for_host(rules: &[HeaderRule], host: &str, port: u16) -> Option<Injector> {
        let mut headers: Vec<(String, String)> = Vec::new();
        for r in rules.iter().filter(|r| r.matches(host, port)) {
            for (k, v) in &r.headers {
                headers.retain(|(k2, _)| !k2.eq_ignore_ascii_case(k));
                headers.push((k.clone(), v.clone()));
            }
        }
        (!headers.is_empty()).then(|| Injector {
            headers,
            state: State::Head,
            buf: BytesMut::new(),
        })
    }

    /// Take bytes the guest sent; returns the bytes to send upstream (possibly fewer now and
    /// more later, while a head is incomplete).
    pub fn feed(&mut self, data: Bytes) -> Bytes {
        if matches!(self.state, State::Through) && self.buf.is_empty() {
            return data;
        }
        self.buf.extend_from_slice(&data);
        let mut out = BytesMut::new();
        loop {
            let progressed = match self.state {
                State::Through => {
                    out.extend_from_slice(&self.buf.split());
                    false
                }
                State::Head => self.head(&mut out),
                State::Body(n) => {
                    let take = (n.min(self.buf.len() as u64)) as usize;
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
                            State::Trailers
                        } else {
                            State::Chunk(size + 2)
                        };
                        true
                    }
                    Ok(httparse::Status::Partial) => false,
                    Err(_) => {
                        self.state = State::Through;
                        true
                    }
                },
                State::Chunk(n) => {
                    let take = (n.min(self.buf.len() as u64)) as usize;
                    out.extend_from_slice(&self.buf.split_to(take));
                    let left = n - take as u64;
                    self.state = if left == 0 {
                        State::ChunkSize
                    } else {
                        State::Chunk(left)
                    };
                    left == 0
                }
                State::Trailers => match self.buf.windows(2).position(|w| w == b"\r\n") {
                    Some(i) => {
                        let line = self.buf.split_to(i + 2);
                        out.extend_from_slice(&line);
                        if i == 0 {
                            self.state = State::Head;
                        }
                        true
                    }
                    None => false,
                },
            };
            if !progressed || self.buf.is_empty() {
                if matches!(self.state, State::Through) {
                    out.extend_from_slice(&self.buf.split());
                }
                return out.freeze();
            }
        }
    }

    /// Try to take one request head from the buffer; true when one was taken.
    fn head(&mut self, out: &mut BytesMut) -> bool {
        let mut hdrs = [httparse::EMPTY_HEADER; 128];
        let mut req = httparse::Request::new(&mut hdrs);
        let used = match req.parse(&self.buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if self.buf.len() < MAX_HEAD => return false,
            _ => {
                self.state = State::Through;
                return true;
            }
        };
        let method = req.method.unwrap_or("GET").to_owned();
        let mut head = Vec::with_capacity(used + 256);
        head.extend_from_slice(
            format!(
                "{method} {} HTTP/1.{}\r\n",
                req.path.unwrap_or("/"),
                req.version.unwrap_or(1)
            )
            .as_bytes(),
        );
        let mut length: Option<u64> = None;
        let mut chunked = false;
        let mut upgrade = method.eq_ignore_ascii_case("CONNECT");
        for h in req.headers.iter() {
            if self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(h.name))
            {
                continue;
            }
            let value = String::from_utf8_lossy(h.value);
            if h.name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value
                    .rsplit(',')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked"));
            } else if h.name.eq_ignore_ascii_case("upgrade") {
                upgrade = true;
            }
            head.extend_from_slice(h.name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(h.value);
            head.extend_from_slice(b"\r\n");
        }
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
        true
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
        Injector::for_host(&rules, "api.example.com", 443).unwrap()
    }

    fn run(inj: &mut Injector, parts: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for p in parts {
            out.extend_from_slice(&inj.feed(Bytes::copy_from_slice(p)));
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
        assert!(Injector::for_host(&rules, "API.example.com", 443).is_some());
        assert!(Injector::for_host(&rules, "api.example.com", 80).is_none());
        assert!(Injector::for_host(&rules, "evil.com", 443).is_none());
    }

    #[test]
    fn headers_are_replaced_in_every_request_of_a_kept_alive_connection() {
        let mut inj = injector();
        let out = run(
            &mut inj,
            &[
                b"POST /v1 HTTP/1.1\r\nHost: api.example.com\r\nauthorization: guest-guess\r\nContent-Length: 5\r\n\r\nhel",
                b"loGET /two HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                b"GET /three HTTP/1.1\r\n",
                b"Host: a\r\n\r\n",
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
