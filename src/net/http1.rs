//! A small HTTP/1.1 client over a kernel socket, for the host reaching into a VM
//! (`AgentOs.fetch`) and for the VM's `curl`. One request per connection (`Connection:
//! close`); heads are parsed by `httparse`, bodies framed by `Content-Length`, chunked
//! encoding (`httparse::parse_chunk_size`) or the end of the connection.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::kernel::errno::Errno;
use crate::kernel::net::Socket;

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest chunk-size line (with extensions) and trailer section accepted.
const MAX_LINE: usize = 4 * 1024;
const MAX_TRAILERS: usize = 16 * 1024;

/// A request to send.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Method, e.g. `GET`.
    pub method: String,
    /// Request target: path and query (`/a?b=1`).
    pub target: String,
    /// Headers in order; `Host` should be among them.
    pub headers: Vec<(String, String)>,
    /// Body, sent with a `Content-Length`.
    pub body: Option<Bytes>,
}

/// A response whose body is still to be read.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

#[derive(Debug)]
enum Framing {
    Length(u64),
    ChunkSize,
    Chunk(u64),
    ChunkEnd,
    Trailers(usize),
    Close,
    Done,
}

/// A response body, read chunk by chunk.
#[derive(Debug)]
pub struct Body {
    sock: Arc<Socket>,
    buf: BytesMut,
    framing: Framing,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::net(Errno::EIO, "read", msg.into())
}

fn hang_up() -> Error {
    Error::net(Errno::ECONNRESET, "read", "socket hang up")
}

impl Body {
    async fn fill(&mut self) -> Result<bool> {
        let b = self
            .sock
            .read(64 * 1024)
            .await
            .map_err(|e| Error::net(e, "read", format!("read {}", e.name())))?;
        if b.is_empty() {
            return Ok(false);
        }
        self.buf.extend_from_slice(&b);
        Ok(true)
    }

    /// The body's announced length, when it is framed by `Content-Length` (or empty).
    pub fn known_length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(n) => Some(n),
            Framing::Done => Some(0),
            _ => None,
        }
    }

    /// The next piece of the body; `None` at its end.
    pub async fn next(&mut self) -> Result<Option<Bytes>> {
        loop {
            match self.framing {
                Framing::Done => return Ok(None),
                Framing::Close => {
                    if !self.buf.is_empty() {
                        return Ok(Some(self.buf.split().freeze()));
                    }
                    if !self.fill().await? {
                        self.framing = Framing::Done;
                    }
                }
                Framing::Length(0) => self.framing = Framing::Done,
                Framing::Length(n) => {
                    if self.buf.is_empty() && !self.fill().await? {
                        return Err(hang_up());
                    }
                    let take = n.min(self.buf.len() as u64) as usize;
                    self.framing = Framing::Length(n - take as u64);
                    return Ok(Some(self.buf.split_to(take).freeze()));
                }
                Framing::ChunkSize => match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.buf.advance(used);
                        self.framing = if size == 0 {
                            Framing::Trailers(0)
                        } else {
                            Framing::Chunk(size)
                        };
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > MAX_LINE {
                            return Err(bad("chunk size line too long in HTTP response"));
                        }
                        if !self.fill().await? {
                            return Err(hang_up());
                        }
                    }
                    Err(_) => return Err(bad("invalid chunk size in HTTP response")),
                },
                Framing::Chunk(n) => {
                    if self.buf.is_empty() && !self.fill().await? {
                        return Err(hang_up());
                    }
                    let take = n.min(self.buf.len() as u64) as usize;
                    let left = n - take as u64;
                    self.framing = if left == 0 {
                        Framing::ChunkEnd
                    } else {
                        Framing::Chunk(left)
                    };
                    return Ok(Some(self.buf.split_to(take).freeze()));
                }
                Framing::ChunkEnd => {
                    if self.buf.len() < 2 {
                        if !self.fill().await? {
                            return Err(hang_up());
                        }
                        continue;
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(bad("invalid chunk end in HTTP response"));
                    }
                    self.buf.advance(2);
                    self.framing = Framing::ChunkSize;
                }
                Framing::Trailers(seen) => {
                    match self.buf.windows(2).position(|w| w == b"\r\n") {
                        Some(0) => {
                            self.buf.advance(2);
                            self.framing = Framing::Done;
                        }
                        Some(i) => {
                            self.buf.advance(i + 2);
                            self.framing = Framing::Trailers(seen + i + 2);
                        }
                        None => {
                            if !self.fill().await? {
                                self.framing = Framing::Done;
                            }
                        }
                    }
                    if matches!(self.framing, Framing::Trailers(n) if n + self.buf.len() > MAX_TRAILERS)
                    {
                        return Err(bad("trailers too large in HTTP response"));
                    }
                }
            }
        }
    }

    /// The rest of the body, up to `limit` bytes (`EFBIG` beyond).
    pub async fn collect(&mut self, limit: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(b) = self.next().await? {
            if out.len() + b.len() > limit {
                return Err(Error::net(
                    Errno::EFBIG,
                    "read",
                    format!("response body larger than {limit} bytes"),
                ));
            }
            out.extend_from_slice(&b);
        }
        Ok(out)
    }
}

fn head_bytes(req: &Request) -> Vec<u8> {
    let mut h = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    let has = |n: &str| req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    for (k, v) in &req.headers {
        if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = &req.body {
        if !has("transfer-encoding") {
            h.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
    }
    h.push_str("Connection: close\r\n\r\n");
    h.into_bytes()
}

/// Send `req` on `sock` and read the response head (skipping `1xx` interim responses).
pub async fn send(sock: Arc<Socket>, req: &Request) -> Result<Response> {
    let wr = |e: Errno| Error::net(e, "write", format!("write {}", e.name()));
    let mut out = BytesMut::from(&head_bytes(req)[..]);
    if let Some(b) = &req.body {
        out.extend_from_slice(b);
    }
    sock.write(out.freeze()).await.map_err(wr)?;
    let mut body = Body {
        sock,
        buf: BytesMut::new(),
        framing: Framing::Close,
    };
    loop {
        let (status, reason, headers, used) = {
            let mut hdrs = [httparse::EMPTY_HEADER; 128];
            let mut resp = httparse::Response::new(&mut hdrs);
            match resp.parse(&body.buf) {
                Ok(httparse::Status::Complete(used)) => (
                    resp.code.unwrap_or(0),
                    resp.reason.unwrap_or("").to_owned(),
                    resp.headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_owned(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect::<Vec<_>>(),
                    used,
                ),
                Ok(httparse::Status::Partial) => {
                    if body.buf.len() > MAX_HEAD {
                        return Err(bad("HTTP response head too large"));
                    }
                    if !body.fill().await? {
                        return Err(hang_up());
                    }
                    continue;
                }
                Err(e) => return Err(bad(format!("invalid HTTP response: {e}"))),
            }
        };
        body.buf.advance(used);
        if (100..200).contains(&status) && status != 101 {
            continue;
        }
        let get = |n: &str| {
            headers
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.trim().to_owned())
        };
        let no_body = req.method.eq_ignore_ascii_case("HEAD")
            || status == 204
            || status == 304
            || status == 101;
        body.framing = if no_body {
            Framing::Done
        } else if get("transfer-encoding").is_some_and(|t| {
            t.rsplit(',')
                .next()
                .is_some_and(|x| x.trim().eq_ignore_ascii_case("chunked"))
        }) {
            Framing::ChunkSize
        } else if let Some(n) = get("content-length").and_then(|v| v.parse::<u64>().ok()) {
            Framing::Length(n)
        } else {
            Framing::Close
        };
        return Ok(Response {
            status,
            reason,
            headers,
            body,
        });
    }
}
