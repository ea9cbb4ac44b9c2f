// http.Agent: a pool of client connections per "host:port:localAddress" name. A request takes
// a free socket when there is one, opens a new one under maxSockets, or waits in `requests`.
// When a response ends, the socket emits 'free': it goes to the next waiting request, or (with
// keepAlive) to `freeSockets`, unref'd so that it does not keep the process alive.

import * as net from "../net.js";
import { EventEmitter } from "../events.js";
import { isIP } from "../net.js";

const kRequestOptions = Symbol("requestOptions");
// Set once a socket has been taken off totalSocketCount.
const kCounted = Symbol("uncounted");

function freeSocketErrorListener(err) {
  // An error on a pooled socket: it is dropped from the pool when it closes.
  this.destroy();
  this.emit("agentRemove");
  void err;
}

export class Agent extends EventEmitter {
  constructor(options) {
    super();
    this.defaultPort = 80;
    this.protocol = "http:";
    this.options = { __proto__: null, ...options };
    if (this.options.noDelay === undefined) this.options.noDelay = true;
    // Not a pipe path.
    this.options.path = null;
    this.requests = { __proto__: null };
    this.sockets = { __proto__: null };
    this.freeSockets = { __proto__: null };
    this.keepAliveMsecs = this.options.keepAliveMsecs || 1000;
    this.keepAlive = this.options.keepAlive || false;
    this.maxSockets = this.options.maxSockets || Agent.defaultMaxSockets;
    this.maxFreeSockets = this.options.maxFreeSockets || 256;
    this.scheduling = this.options.scheduling || "lifo";
    this.maxTotalSockets = this.options.maxTotalSockets ?? Infinity;
    this.totalSocketCount = 0;

    this.on("free", (socket, options) => {
      const name = this.getName(options);
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      const requests = this.requests[name];
      if (requests && requests.length) {
        const req = requests.shift();
        if (requests.length === 0) delete this.requests[name];
        setRequestSocket(this, req, socket);
        return;
      }
      // Nobody waiting: pool it, if this request and agent allow it.
      const req = socket._httpMessage;
      if (!req || !req.shouldKeepAlive || !this.keepAlive) {
        socket.destroy();
        return;
      }
      const freeSockets = this.freeSockets[name] || [];
      const freeLen = freeSockets.length;
      let count = freeLen;
      if (this.sockets[name]) count += this.sockets[name].length;
      if (this.totalSocketCount > this.maxTotalSockets || count > this.maxSockets || freeLen >= this.maxFreeSockets || !this.keepSocketAlive(socket)) {
        socket.destroy();
        return;
      }
      this.freeSockets[name] = freeSockets;
      socket._httpMessage = null;
      this.removeSocket(socket, options);
      socket.once("error", freeSocketErrorListener);
      freeSockets.push(socket);
    });
  }

  // Node's default connection function; `path: null` (set by the constructor) means TCP.
  createConnection(options, cb) {
    if (options.path === null) {
      options = { ...options };
      delete options.path;
    }
    return net.createConnection(options, cb);
  }

  getName(options = {}) {
    let name = options.host || "localhost";
    name += ":";
    if (options.port) name += options.port;
    name += ":";
    if (options.localAddress) name += options.localAddress;
    if (options.family === 4 || options.family === 6) name += `:${options.family}`;
    if (options.socketPath) name += `:${options.socketPath}`;
    return name;
  }

  addRequest(req, options, port, localAddress) {
    // Legacy form: addRequest(req, host, port, localAddress).
    if (typeof options === "string") options = { __proto__: null, host: options, port, localAddress };
    options = { __proto__: null, ...options, ...this.options };
    if (options.socketPath) options.path = options.socketPath;
    normalizeServerName(options, req);

    const name = this.getName(options);
    this.sockets[name] ||= [];
    const freeSockets = this.freeSockets[name];
    let socket;
    if (freeSockets) {
      while (freeSockets.length && freeSockets[0].destroyed) freeSockets.shift();
      socket = this.scheduling === "fifo" ? freeSockets.shift() : freeSockets.pop();
      if (!freeSockets.length) delete this.freeSockets[name];
    }
    const freeLen = freeSockets ? freeSockets.length : 0;
    const sockLen = freeLen + this.sockets[name].length;

    if (socket) {
      this.reuseSocket(socket, req);
      setRequestSocket(this, req, socket);
      this.sockets[name].push(socket);
    } else if (sockLen < this.maxSockets && this.totalSocketCount < this.maxTotalSockets) {
      this.createSocket(req, options, (err, s) => {
        if (err) req.onSocket(s, err);
        else setRequestSocket(this, req, s);
      });
    } else {
      this.requests[name] ||= [];
      // Kept to open a socket for it if one of another origin closes.
      req[kRequestOptions] = options;
      this.requests[name].push(req);
    }
  }

  createSocket(req, options, cb) {
    options = { __proto__: null, ...options, ...this.options };
    if (options.socketPath) options.path = options.socketPath;
    normalizeServerName(options, req);
    const name = this.getName(options);
    options._agentKey = name;
    options.encoding = null;

    let called = false;
    const oncreate = (err, s) => {
      if (called) return;
      called = true;
      if (err) return cb(err);
      this.sockets[name] ||= [];
      this.sockets[name].push(s);
      this.totalSocketCount++;
      installListeners(this, s, options);
      cb(null, s);
    };
    if (this.keepAlive) {
      options.keepAlive = this.keepAlive;
      options.keepAliveInitialDelay = this.keepAliveMsecs;
    }
    let newSocket;
    try {
      newSocket = this.createConnection(options, oncreate);
    } catch (err) {
      oncreate(err);
      return;
    }
    if (newSocket) oncreate(null, newSocket);
  }

  removeSocket(s, options, leaving = !s.writable) {
    const name = this.getName(options);
    const sets = [this.sockets];
    // A destroyed socket leaves the free pool too.
    if (!s.writable) sets.push(this.freeSockets);
    for (const sockets of sets) {
      const list = sockets[name];
      if (list) {
        const index = list.indexOf(s);
        if (index !== -1) {
          list.splice(index, 1);
          if (list.length === 0) delete sockets[name];
        }
      }
    }
    // totalSocketCount counts the sockets the agent owns, busy or free.
    if (leaving && !s[kCounted]) {
      s[kCounted] = true;
      this.totalSocketCount--;
    }

    let req;
    if (this.requests[name] && this.requests[name].length) {
      req = this.requests[name][0];
    } else {
      // A request of another origin waiting for the total limit.
      for (const prop of Object.keys(this.requests)) {
        if (this.sockets[prop] && this.sockets[prop].length) break;
        req = this.requests[prop][0];
        options = req[kRequestOptions];
        break;
      }
    }
    if (req && options) {
      req[kRequestOptions] = undefined;
      this.createSocket(req, options, (err, socket) => {
        if (err) req.onSocket(socket, err);
        else socket.emit("free");
      });
    }
  }

  keepSocketAlive(socket) {
    socket.setKeepAlive(true, this.keepAliveMsecs);
    socket.unref();
    let agentTimeout = this.options.timeout || 0;
    let canKeepSocketAlive = true;
    // Stop reusing a second before the server's announced idle timeout.
    const hint = socket._httpMessage?.res?.headers["keep-alive"];
    const seconds = hint && /^timeout=(\d+)/.exec(hint)?.[1];
    if (seconds) {
      let serverHintTimeout = parseInt(seconds, 10) * 1000 - 1000;
      serverHintTimeout = serverHintTimeout > 0 ? serverHintTimeout : 0;
      if (serverHintTimeout === 0) canKeepSocketAlive = false;
      else if (serverHintTimeout < agentTimeout) agentTimeout = serverHintTimeout;
    }
    if (socket.timeout !== agentTimeout) socket.setTimeout(agentTimeout);
    return canKeepSocketAlive;
  }

  reuseSocket(socket, req) {
    socket.removeListener("error", freeSocketErrorListener);
    req.reusedSocket = true;
    socket.ref();
  }

  destroy() {
    for (const set of [this.freeSockets, this.sockets]) {
      for (const key of Object.keys(set)) for (const s of set[key].slice()) s.destroy();
    }
  }
}

Agent.defaultMaxSockets = Infinity;

function normalizeServerName(options, req) {
  if (!options.servername && options.servername !== "") options.servername = calculateServerName(options, req);
}

function calculateServerName(options, req) {
  let servername = options.host || "";
  const hostHeader = req?.getHeader?.("host");
  if (hostHeader) {
    if (typeof hostHeader !== "string") return "";
    // "[::1]:8080" or "host:8080"
    if (hostHeader.startsWith("[")) {
      const index = hostHeader.indexOf("]");
      servername = index === -1 ? hostHeader : hostHeader.slice(1, index);
    } else {
      servername = hostHeader.split(":", 1)[0];
    }
  }
  // SNI carries names only.
  if (isIP(servername)) servername = "";
  return servername;
}

function installListeners(agent, s, options) {
  function onFree() {
    agent.emit("free", s, options);
  }
  function onClose() {
    agent.removeSocket(s, options);
  }
  function onTimeout() {
    // An idle pooled socket that times out is closed.
    const list = agent.freeSockets[agent.getName(options)];
    if (list && list.includes(s)) s.destroy();
  }
  function onRemove() {
    // Upgraded sockets leave the pool for good.
    agent.removeSocket(s, options, true);
    s.removeListener("close", onClose);
    s.removeListener("free", onFree);
    s.removeListener("timeout", onTimeout);
    s.removeListener("agentRemove", onRemove);
  }
  s.on("free", onFree);
  s.on("close", onClose);
  s.on("timeout", onTimeout);
  s.on("agentRemove", onRemove);
}

function setRequestSocket(agent, req, socket) {
  req.onSocket(socket);
  const agentTimeout = agent.options.timeout || 0;
  if (req.timeout === undefined || req.timeout === agentTimeout) return;
  socket.setTimeout(req.timeout);
}

/// Node 19+'s global agent: keep-alive, 5 s idle timeout. `http.globalAgent = x` replaces it
/// for requests made afterwards.
export const agentState = { globalAgent: new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000 }) };
