// `net`: TCP sockets and servers on the VM's network (src/kernel/net.rs).
//
// A connected socket is a kernel descriptor read and written with the async descriptor ops; a
// server is a listening descriptor whose connections arrive through sys "accept". Names are
// resolved by the kernel as part of "connect" (the VM's own loopback names, or the egress
// policy for the rest), so a name is checked and connected in one step.
//
// The op promises in flight are kept so that unref() (and destroy()) can stop them from
// keeping the process alive, as libuv handles do.

import { Buffer } from "buffer";
import { Duplex } from "./stream.js";
import { EventEmitter } from "./events.js";
import { core, sys } from "./internal/sys.js";
import { setTimeout, clearTimeout } from "./internal/timers.js";
import { nodeError, invalidArgType, uvError } from "./internal/fs_util.js";

const ops = core.ops;

// --- addresses --------------------------------------------------------------------------------

const v4Seg = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const v4Str = `(?:${v4Seg}\\.){3}${v4Seg}`;
const IPv4Reg = new RegExp(`^${v4Str}$`);
const v6Seg = "(?:[0-9a-fA-F]{1,4})";
const IPv6Reg = new RegExp(
  "^(?:" +
    `(?:${v6Seg}:){7}(?:${v6Seg}|:)|` +
    `(?:${v6Seg}:){6}(?:${v4Str}|:${v6Seg}|:)|` +
    `(?:${v6Seg}:){5}(?::${v4Str}|(?::${v6Seg}){1,2}|:)|` +
    `(?:${v6Seg}:){4}(?:(?::${v6Seg}){0,1}:${v4Str}|(?::${v6Seg}){1,3}|:)|` +
    `(?:${v6Seg}:){3}(?:(?::${v6Seg}){0,2}:${v4Str}|(?::${v6Seg}){1,4}|:)|` +
    `(?:${v6Seg}:){2}(?:(?::${v6Seg}){0,3}:${v4Str}|(?::${v6Seg}){1,5}|:)|` +
    `(?:${v6Seg}:){1}(?:(?::${v6Seg}){0,4}:${v4Str}|(?::${v6Seg}){1,6}|:)|` +
    `(?::(?:(?::${v6Seg}){0,5}:${v4Str}|(?::${v6Seg}){1,7}|:))` +
    ")(?:%[0-9a-zA-Z-.:]{1,})?$",
);
export const isIPv4 = (s) => IPv4Reg.test(`${s}`);
export const isIPv6 = (s) => IPv6Reg.test(`${s}`);
export const isIP = (s) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0);

function validatePort(port, name = "Port") {
  const n = typeof port === "string" && port.trim() !== "" ? Number(port) : port;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw nodeError(RangeError, "ERR_SOCKET_BAD_PORT", `${name} should be >= 0 and < 65536. Received ${typeof port === "string" ? `type string ('${port}')` : `type ${typeof port} (${String(port)})`}.`);
  }
  return n;
}

// Errors from the kernel carry code/errno/syscall; Node's also name the address and port.
function netError(e, address, port) {
  e = uvError(e);
  if (e && typeof e === "object") {
    if (e.syscall === "getaddrinfo" && e.code === "ENOENT") {
      e.code = "ENOTFOUND";
      e.errno = -3008;
      if (address !== undefined) e.hostname = address;
    }
    // The kernel names the address it tried: `connect ECONNREFUSED 127.0.0.1:3000`.
    const m = e.syscall === "connect" && /^connect [A-Z]+ (\S+):(\d+)/.exec(e.message || "");
    if (m) {
      address = m[1];
      port = Number(m[2]);
    }
    if (address !== undefined && e.address === undefined) e.address = address;
    if (port !== undefined && e.port === undefined) e.port = port;
  }
  return e;
}

// --- Socket -----------------------------------------------------------------------------------

const kFd = Symbol("fd");
const kPendingRead = Symbol("pendingRead");
const kPendingWrite = Symbol("pendingWrite");
const kRef = Symbol("ref");
const kTimeout = Symbol("timeout");
const kServer = Symbol("server");

export function _normalizeArgs(args) {
  return normalizeConnectArgs(args);
}

function normalizeConnectArgs(args) {
  let options = {};
  let cb;
  if (args.length && typeof args[args.length - 1] === "function") cb = args[args.length - 1];
  const a0 = args[0];
  if (a0 !== null && typeof a0 === "object") options = { ...a0 };
  else if (typeof a0 === "string" && isNaN(Number(a0))) options.path = a0;
  else {
    options.port = a0;
    if (typeof args[1] === "string") options.host = args[1];
  }
  if (!options.path) delete options.path;
  return [options, cb];
}

export class Socket extends Duplex {
  constructor(options = {}) {
    if (typeof options === "number") options = { fd: options };
    super({
      allowHalfOpen: !!options.allowHalfOpen,
      emitClose: false,
      autoDestroy: true,
      decodeStrings: false,
      highWaterMark: options.highWaterMark,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
    });
    this[kFd] = null;
    this[kPendingRead] = null;
    this[kPendingWrite] = null;
    this[kRef] = true;
    this[kTimeout] = null;
    this[kServer] = null;
    this.connecting = false;
    this._hadError = false;
    this._host = null;
    this.bytesRead = 0;
    this._bytesWritten = 0;
    this._readingPaused = false;
    this._info = null;
    this.server = null;
    this._server = null;
    if (options.signal) {
      const onAbort = () => this.destroy(nodeError(Error, "ABORT_ERR", "The operation was aborted", { name: "AbortError" }));
      if (options.signal.aborted) process.nextTick(onAbort);
      else options.signal.addEventListener("abort", onAbort, { once: true });
    }
    this.on("end", () => {
      if (!this.allowHalfOpen && !this.writableEnded) this.end();
    });
  }

  // Called with a connected descriptor (accept, or the end of connect).
  _attach(info) {
    this[kFd] = info.fd;
    this._info = info;
    this.connecting = false;
  }

  get pending() {
    return this[kFd] === null;
  }

  get readyState() {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable && !this.writable) return "readOnly";
    if (!this.readable && this.writable) return "writeOnly";
    return "closed";
  }

  get bytesWritten() {
    return this._bytesWritten + (this.writableLength || 0);
  }

  get remoteAddress() {
    return this._info?.remoteAddress;
  }
  get remotePort() {
    return this._info?.remotePort;
  }
  get remoteFamily() {
    return this._info?.remoteFamily;
  }
  get localAddress() {
    return this._info?.localAddress;
  }
  get localPort() {
    return this._info?.localPort;
  }
  get localFamily() {
    return this._info?.localFamily;
  }
  get _handle() {
    return this[kFd] === null ? null : { fd: this[kFd] };
  }

  address() {
    if (!this._info) return {};
    return { address: this._info.localAddress, family: this._info.localFamily, port: this._info.localPort };
  }

  connect(...args) {
    const [options, cb] = Array.isArray(args[0]) && args[0].length ? normalizeConnectArgs(args[0]) : normalizeConnectArgs(args);
    if (this.destroyed) {
      this._readableState.destroyed = false;
      this._writableState.destroyed = false;
    }
    if (options.path) {
      const e = nodeError(Error, "ENOTSUP", `connect ENOTSUP ${options.path}: Unix domain sockets are not available in the agentOS VM`, { errno: -95, syscall: "connect" });
      process.nextTick(() => this.destroy(e));
      return this;
    }
    const port = validatePort(options.port, "Port");
    const host = options.host || "localhost";
    this._host = host;
    this.connecting = true;
    if (cb) this.once("connect", cb);
    if (options.timeout) this.setTimeout(options.timeout);
    const tls = this._tlsOptions || undefined;
    const p = (this[kPendingWrite] = ops.op_sys_async("connect", { host, port, tls }));
    if (!this[kRef]) core.unrefOpPromise(p);
    p.then(
      (info) => {
        this[kPendingWrite] = null;
        if (this.destroyed) {
          sys("sockclose", { fd: info.fd });
          return;
        }
        this._attach(info);
        this._touch();
        if (isIP(host) === 0 && host !== "localhost") this.emit("lookup", null, info.remoteAddress, info.remoteFamily === "IPv6" ? 6 : 4, host);
        this._onConnect();
        this.emit("connect");
        this.emit("ready");
        if (this._pendingFinal) {
          const f = this._pendingFinal;
          this._pendingFinal = null;
          this._final(f);
        }
        if (this._pendingWrite) {
          const w = this._pendingWrite;
          this._pendingWrite = null;
          this._writev(w.chunks, w.cb);
        }
        if (this._readWanted) this._read();
      },
      (e) => {
        this[kPendingWrite] = null;
        this.connecting = false;
        this.destroy(netError(e, host, port));
      },
    );
    return this;
  }

  // Hook for subclasses (tls: 'secureConnect').
  _onConnect() {}

  _read() {
    if (this[kFd] === null) {
      this._readWanted = true;
      return;
    }
    this._readWanted = false;
    if (this[kPendingRead]) return;
    const p = (this[kPendingRead] = ops.op_fd_read_async(this[kFd], 65536));
    if (!this[kRef]) core.unrefOpPromise(p);
    p.then(
      (b) => {
        this[kPendingRead] = null;
        if (this.destroyed) return;
        this._touch();
        if (b == null) {
          this.push(null);
          return;
        }
        this.bytesRead += b.byteLength;
        if (this.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) this._read();
      },
      (e) => {
        this[kPendingRead] = null;
        if (this.destroyed) return;
        if (e?.code === "EBADF") this.push(null);
        else this.destroy(netError(e));
      },
    );
  }

  _writev(chunks, cb) {
    if (this[kFd] === null) {
      if (!this.connecting) {
        cb(nodeError(Error, "ERR_SOCKET_CLOSED", "Socket is closed"));
        return;
      }
      this._pendingWrite = { chunks, cb };
      return;
    }
    const bufs = chunks.map(({ chunk, encoding }) => (typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk));
    const data = bufs.length === 1 ? bufs[0] : Buffer.concat(bufs);
    const p = (this[kPendingWrite] = ops.op_fd_write_async(this[kFd], data));
    if (!this[kRef]) core.unrefOpPromise(p);
    p.then(
      () => {
        this[kPendingWrite] = null;
        this._bytesWritten += data.byteLength;
        this._touch();
        cb();
      },
      (e) => {
        this[kPendingWrite] = null;
        if (e?.code === "EPIPE" || e?.code === "EBADF") e = nodeError(Error, "EPIPE", "write EPIPE", { errno: -32, syscall: "write" });
        cb(netError(e));
      },
    );
  }

  _write(chunk, encoding, cb) {
    this._writev([{ chunk, encoding }], cb);
  }

  _final(cb) {
    if (this[kFd] === null) {
      if (this.connecting) {
        this._pendingFinal = cb;
        return;
      }
      cb();
      return;
    }
    try {
      sys("shutdown", { fd: this[kFd] });
    } catch {}
    cb();
  }

  _destroy(err, cb) {
    this._clearTimer();
    const fd = this[kFd];
    for (const k of [kPendingRead, kPendingWrite]) {
      if (this[k]) core.unrefOpPromise(this[k]);
      this[k] = null;
    }
    this.connecting = false;
    if (fd !== null) {
      this[kFd] = null;
      try {
        sys("sockclose", { fd });
      } catch {}
    }
    this._hadError = !!err;
    cb(err);
    process.nextTick(() => {
      this.emit("close", !!err);
      const server = this[kServer];
      if (server) server._connectionClosed(this);
    });
  }

  destroySoon() {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  resetAndDestroy() {
    return this.destroy();
  }

  setTimeout(ms, cb) {
    this._timeoutMs = ms;
    if (cb) {
      if (ms === 0) this.removeListener("timeout", cb);
      else this.once("timeout", cb);
    }
    this._touch();
    return this;
  }

  get timeout() {
    return this._timeoutMs || undefined;
  }

  _clearTimer() {
    if (this[kTimeout]) clearTimeout(this[kTimeout]);
    this[kTimeout] = null;
  }

  _touch() {
    this._clearTimer();
    if (this._timeoutMs > 0 && !this.destroyed) {
      this[kTimeout] = setTimeout(() => {
        this[kTimeout] = null;
        this.emit("timeout");
      }, this._timeoutMs);
      if (!this[kRef]) this[kTimeout].unref();
    }
  }

  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
  setEncoding(enc) {
    return super.setEncoding(enc);
  }

  ref() {
    this[kRef] = true;
    for (const k of [kPendingRead, kPendingWrite]) if (this[k]) core.refOpPromise(this[k]);
    this[kTimeout]?.ref?.();
    return this;
  }
  unref() {
    this[kRef] = false;
    for (const k of [kPendingRead, kPendingWrite]) if (this[k]) core.unrefOpPromise(this[k]);
    this[kTimeout]?.unref?.();
    return this;
  }
}

// --- Server -----------------------------------------------------------------------------------

export class Server extends EventEmitter {
  constructor(options, listener) {
    super();
    if (typeof options === "function") {
      listener = options;
      options = {};
    }
    options = options || {};
    if (listener) this.on("connection", listener);
    this._fd = null;
    this._addr = null;
    this._accepting = null;
    this._ref = true;
    this._connections = new Set();
    this._closeWaiting = false;
    this.allowHalfOpen = !!options.allowHalfOpen;
    this.pauseOnConnect = !!options.pauseOnConnect;
    this.maxConnections = undefined;
  }

  get listening() {
    return this._fd !== null;
  }

  get connections() {
    return this._connections.size;
  }

  address() {
    if (!this._addr) return null;
    return { address: this._addr.address, family: this._addr.family, port: this._addr.port };
  }

  listen(...args) {
    let options = {};
    let cb;
    if (args.length && typeof args[args.length - 1] === "function") cb = args.pop();
    const a0 = args[0];
    if (a0 !== null && typeof a0 === "object" && !Array.isArray(a0)) options = { ...a0 };
    else if (typeof a0 === "string" && isNaN(Number(a0))) options.path = a0;
    else {
      options.port = a0;
      if (typeof args[1] === "string") options.host = args[1];
      else if (typeof args[1] === "number") options.backlog = args[1];
    }
    if (cb) this.once("listening", cb);
    if (this._fd !== null) throw nodeError(Error, "ERR_SERVER_ALREADY_LISTEN", "Listen method has been called more than once without closing.");
    if (options.path) {
      const e = nodeError(Error, "ENOTSUP", `listen ENOTSUP ${options.path}: Unix domain sockets are not available in the agentOS VM`, { errno: -95, syscall: "listen" });
      process.nextTick(() => this.emit("error", e));
      return this;
    }
    const port = options.port === undefined || options.port === null ? 0 : validatePort(options.port, "options.port");
    const host = options.host || "";
    try {
      const r = sys("listen", { host, port });
      this._fd = r.fd;
      this._addr = r;
    } catch (e) {
      const addr = host || "::";
      const err = uvError(e);
      err.message = `listen ${err.code}: ${(err.message.split(" ").slice(2).join(" ") || err.code)} ${addr}:${port}`.replace(/ +/g, " ");
      if (err.code === "EADDRINUSE") err.message = `listen EADDRINUSE: address already in use ${addr.includes(":") ? addr : addr}:${port}`;
      err.address = addr;
      err.port = port;
      process.nextTick(() => this.emit("error", err));
      return this;
    }
    if (options.signal) {
      const onAbort = () => this.close();
      if (options.signal.aborted) process.nextTick(onAbort);
      else options.signal.addEventListener("abort", onAbort, { once: true });
    }
    process.nextTick(() => {
      if (this._fd === null) return;
      this.emit("listening");
      this._accept();
    });
    return this;
  }

  _accept() {
    if (this._fd === null || this._accepting) return;
    const p = (this._accepting = ops.op_sys_async("accept", { fd: this._fd }));
    if (!this._ref) core.unrefOpPromise(p);
    p.then(
      (info) => {
        this._accepting = null;
        if (info == null) return;
        if (this._fd === null) {
          sys("sockclose", { fd: info.fd });
          return;
        }
        if (this.maxConnections !== undefined && this._connections.size >= this.maxConnections) {
          sys("sockclose", { fd: info.fd });
          this.emit("drop", { localAddress: info.localAddress, localPort: info.localPort, localFamily: info.localFamily, remoteAddress: info.remoteAddress, remotePort: info.remotePort, remoteFamily: info.remoteFamily });
        } else {
          const s = new Socket({ allowHalfOpen: this.allowHalfOpen });
          s._attach(info);
          s[kServer] = this;
          s.server = this;
          s._server = this;
          this._connections.add(s);
          if (this.pauseOnConnect) s.pause();
          this.emit("connection", s);
        }
        this._accept();
      },
      (e) => {
        this._accepting = null;
        if (this._fd === null) return;
        // Out of descriptors: the connection is dropped and the server goes on, as libuv does.
        if (e?.code === "EMFILE" || e?.code === "ENFILE") {
          setTimeout(() => this._accept(), 10);
          return;
        }
        this.emit("error", netError(e));
      },
    );
  }

  _connectionClosed(s) {
    this._connections.delete(s);
    this._maybeClosed();
  }

  _maybeClosed() {
    if (this._closeWaiting && this._fd === null && this._connections.size === 0) {
      this._closeWaiting = false;
      process.nextTick(() => this.emit("close"));
    }
  }

  close(cb) {
    if (typeof cb === "function") {
      if (this._fd === null && !this._closeWaiting) {
        this.once("close", () => cb(nodeError(Error, "ERR_SERVER_NOT_RUNNING", "Server is not running.")));
      } else this.once("close", cb);
    }
    if (this._fd !== null) {
      const fd = this._fd;
      this._fd = null;
      if (this._accepting) core.unrefOpPromise(this._accepting);
      try {
        sys("sockclose", { fd });
      } catch {}
      this._closeWaiting = true;
      this._maybeClosed();
    } else if (!this._closeWaiting) {
      process.nextTick(() => this.emit("close"));
    }
    return this;
  }

  getConnections(cb) {
    const n = this._connections.size;
    if (cb) process.nextTick(cb, null, n);
    return this;
  }

  ref() {
    this._ref = true;
    if (this._accepting) core.refOpPromise(this._accepting);
    return this;
  }
  unref() {
    this._ref = false;
    if (this._accepting) core.unrefOpPromise(this._accepting);
    return this;
  }

  [Symbol.asyncDispose]() {
    return new Promise((resolve) => this.close(() => resolve()));
  }
}

export function createServer(options, listener) {
  return new Server(options, listener);
}

export function connect(...args) {
  const [options] = normalizeConnectArgs(args);
  const s = new Socket(options);
  if (options.timeout) s.setTimeout(options.timeout);
  return s.connect(...args);
}
export const createConnection = connect;

export class SocketAddress {
  constructor(options = {}) {
    this.address = options.address ?? (options.family === "ipv6" ? "::" : "127.0.0.1");
    this.port = options.port ?? 0;
    this.family = options.family ?? (isIPv6(this.address) ? "ipv6" : "ipv4");
    this.flowlabel = options.flowlabel ?? 0;
  }
}

export class BlockList {
  constructor() {
    this._rules = [];
  }
  addAddress(address, family = "ipv4") {
    this._rules.push({ type: "address", address, family });
  }
  addRange(start, end, family = "ipv4") {
    this._rules.push({ type: "range", start, end, family });
  }
  addSubnet(net, prefix, family = "ipv4") {
    this._rules.push({ type: "subnet", net, prefix, family });
  }
  check(address) {
    const v4 = (a) => a.split(".").reduce((n, p) => n * 256 + Number(p), 0);
    if (!isIPv4(address)) return this._rules.some((r) => r.type === "address" && r.address === address);
    const x = v4(address);
    return this._rules.some((r) => {
      if (r.family !== "ipv4") return false;
      if (r.type === "address") return r.address === address;
      if (r.type === "range") return x >= v4(r.start) && x <= v4(r.end);
      const mask = r.prefix === 0 ? 0 : (~0 << (32 - r.prefix)) >>> 0;
      return ((x & mask) >>> 0) === ((v4(r.net) & mask) >>> 0);
    });
  }
  get rules() {
    return this._rules.map((r) => (r.type === "address" ? `Address: ${r.family.toUpperCase()} ${r.address}` : r.type === "range" ? `Range: ${r.family.toUpperCase()} ${r.start}-${r.end}` : `Subnet: ${r.family.toUpperCase()} ${r.net}/${r.prefix}`));
  }
}

let autoSelectFamily = true;
let autoSelectTimeout = 250;

const net = {
  Socket,
  Stream: Socket,
  Server,
  createServer,
  connect,
  createConnection,
  isIP,
  isIPv4,
  isIPv6,
  SocketAddress,
  BlockList,
  getDefaultAutoSelectFamily: () => autoSelectFamily,
  setDefaultAutoSelectFamily: (v) => {
    autoSelectFamily = !!v;
  },
  getDefaultAutoSelectFamilyAttemptTimeout: () => autoSelectTimeout,
  setDefaultAutoSelectFamilyAttemptTimeout: (v) => {
    autoSelectTimeout = Math.max(10, Number(v) || 250);
  },
  _normalizeArgs: normalizeConnectArgs,
};

void invalidArgType;

export default net;
