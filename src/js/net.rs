//! The network system calls of a guest Node process: sockets as descriptors of its table.
//!
//! `listen` and `accept` give listening and connected sockets descriptors, which the guest's
//! `net` module reads and writes with the ordinary descriptor ops. `connect` and `lookup` go
//! through the kernel's [`Net`](crate::kernel::net::Net), which sends names and addresses
//! outside the VM to its egress (and so through the network policy).

use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;

use serde_json::{json, Value};

use super::host::{sys_err, KernelHost};
use super::ops::{LocalFut, SysError, SysResult};
use crate::kernel::errno::Errno;
use crate::kernel::net::{local_name, Socket, TlsRequest};
use crate::kernel::process::{FileObj, OpenFile};

fn family(a: &SocketAddr) -> &'static str {
    if a.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

fn addr_json(prefix: &str, a: &SocketAddr) -> [(String, Value); 3] {
    [
        (format!("{prefix}Address"), json!(a.ip().to_string())),
        (format!("{prefix}Port"), json!(a.port())),
        (format!("{prefix}Family"), json!(family(a))),
    ]
}

fn socket_json(fd: i32, s: &Socket) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("fd".into(), json!(fd));
    for (k, v) in addr_json("local", &s.local())
        .into_iter()
        .chain(addr_json("remote", &s.remote()))
    {
        m.insert(k, v);
    }
    Value::Object(m)
}

/// PEM text given as a string or an array of strings.
fn pem_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(v)) => v
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn net_err(e: Errno, syscall: &str, what: &str) -> SysError {
    let msg = if what.is_empty() {
        format!("{syscall} {}", e.name())
    } else {
        format!("{syscall} {} {what}", e.name())
    };
    let mut err = SysError::new(e.name(), msg);
    err.errno = -e.number();
    err.syscall = Some(syscall.to_owned());
    err
}

fn str_arg<'a>(a: &'a Value, k: &str) -> &'a str {
    a.get(k).and_then(Value::as_str).unwrap_or("")
}

fn port_arg(a: &Value) -> SysResult<u16> {
    let p = a.get("port").and_then(Value::as_f64).unwrap_or(0.0);
    if !(0.0..=65535.0).contains(&p) || p.fract() != 0.0 {
        return Err(SysError::new(
            "ERR_SOCKET_BAD_PORT",
            format!("Port should be >= 0 and < 65536. Received {p}."),
        ));
    }
    Ok(p as u16)
}

impl KernelHost {
    /// The synchronous network calls; `None` for names that are not one.
    pub(super) fn net_call(&self, name: &str, a: &Value) -> Option<SysResult<Value>> {
        Some(match name {
            "listen" => self.listen(a),
            "sockclose" => {
                let fd = a.get("fd").and_then(Value::as_i64).unwrap_or(-1) as i32;
                let f = self.fds.borrow().get(fd).cloned();
                if let Ok(f) = f {
                    match f.obj() {
                        FileObj::Socket(s) => s.close(),
                        FileObj::Listener(l) => l.close(),
                        _ => {}
                    }
                }
                let _ = self.fds.borrow_mut().close(fd);
                Ok(Value::Null)
            }
            "shutdown" => {
                let fd = a.get("fd").and_then(Value::as_i64).unwrap_or(-1) as i32;
                let f = self.fds.borrow().get(fd).cloned();
                match f.as_ref().map(|f| f.obj()) {
                    Ok(FileObj::Socket(s)) => {
                        s.shutdown_write();
                        Ok(Value::Null)
                    }
                    Ok(_) => Err(net_err(Errno::ENOTSOCK, "shutdown", "")),
                    Err(_) => Err(net_err(Errno::EBADF, "shutdown", "")),
                }
            }
            _ => return None,
        })
    }

    fn listen(&self, a: &Value) -> SysResult<Value> {
        let host = str_arg(a, "host");
        let port = port_arg(a)?;
        let ip: IpAddr = if host.is_empty() {
            IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
        } else if let Some(ip) = local_name(host) {
            ip
        } else {
            match host.parse::<IpAddr>() {
                Ok(ip) => ip,
                Err(_) => return Err(net_err(Errno::EADDRNOTAVAIL, "listen", host)),
            }
        };
        if let Some(check) = self
            .kernel
            .net()
            .egress()
            .and_then(|e| e.authorize_listen(if host.is_empty() { "::" } else { host }, port))
        {
            self.block(check)?.map_err(sys_err)?;
        }
        let l = self
            .kernel
            .net()
            .listen(ip, port)
            .map_err(|e| net_err(e, "listen", &format!("{host}:{port}")))?;
        let addr = l.addr();
        let fd = self
            .fds
            .borrow_mut()
            .alloc(OpenFile::listener(l), 3, true)
            .map_err(|e| net_err(e, "listen", ""))?;
        Ok(json!({
            "fd": fd,
            "address": addr.ip().to_string(),
            "port": addr.port(),
            "family": family(&addr),
        }))
    }

    /// The asynchronous network calls; `None` for names that are not one.
    pub(super) fn net_call_async(
        &self,
        name: &str,
        a: &Value,
    ) -> Option<LocalFut<SysResult<Value>>> {
        let kernel = self.kernel.clone();
        let fds = Rc::clone(&self.fds);
        Some(match name {
            "connect" => {
                let host = str_arg(a, "host").to_owned();
                let port = port_arg(a);
                let tls = a.get("tls").filter(|t| t.is_object()).map(|t| TlsRequest {
                    servername: t
                        .get("servername")
                        .and_then(Value::as_str)
                        .unwrap_or(&host)
                        .to_owned(),
                    insecure: t.get("rejectUnauthorized").and_then(Value::as_bool) == Some(false),
                    ca: pem_list(t.get("ca")),
                    extra_ca: pem_list(t.get("extraCa")),
                });
                Box::pin(async move {
                    let port = port?;
                    let s = kernel
                        .net()
                        .connect(&host, port, tls)
                        .await
                        .map_err(sys_err)?;
                    let s = Arc::new(s);
                    let fd = fds
                        .borrow_mut()
                        .alloc(OpenFile::socket(s.clone()), 3, true)
                        .map_err(|e| net_err(e, "connect", ""))?;
                    Ok(socket_json(fd, &s))
                })
            }
            "accept" => {
                let fd = a.get("fd").and_then(Value::as_i64).unwrap_or(-1) as i32;
                let l = match fds.borrow().get(fd).map(|f| f.obj()) {
                    Ok(FileObj::Listener(l)) => Ok(l.clone()),
                    Ok(_) => Err(net_err(Errno::ENOTSOCK, "accept", "")),
                    Err(e) => Err(net_err(e, "accept", "")),
                };
                Box::pin(async move {
                    let Some(s) = l?.accept().await else {
                        return Ok(Value::Null);
                    };
                    let s = Arc::new(s);
                    let fd = fds
                        .borrow_mut()
                        .alloc(OpenFile::socket(s.clone()), 3, true)
                        .map_err(|e| net_err(e, "accept", ""))?;
                    Ok(socket_json(fd, &s))
                })
            }
            "lookup" => {
                let host = str_arg(a, "host").to_owned();
                Box::pin(async move {
                    let ips = kernel.net().lookup(&host).await.map_err(|e| {
                        let mut err = sys_err(e);
                        err.syscall = Some("getaddrinfo".into());
                        err
                    })?;
                    Ok(Value::Array(
                        ips.into_iter()
                            .map(|ip| {
                                json!({
                                    "address": ip.to_string(),
                                    "family": if ip.is_ipv4() { 4 } else { 6 },
                                })
                            })
                            .collect(),
                    ))
                })
            }
            _ => return None,
        })
    }
}
