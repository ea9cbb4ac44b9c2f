// http.ClientRequest. The request is written as it is built (head with the first body write,
// or at end()); the socket comes from the agent (possibly later: output waits in outputData)
// or from options.createConnection. The response is parsed from the socket's 'data' events;
// when it ends and the request has finished, a keep-alive socket goes back to the agent
// ('free').

import { Buffer } from "buffer";
import * as net from "../net.js";
import { finished } from "../stream.js";
import { URL, urlToHttpOptions } from "../url.js";
import { OutgoingMessage, kOutHeaders, kNeedDrain } from "./http_outgoing.js";
import { agentState } from "./http_agent.js";
import {
  HTTPParser,
  createParser,
  parserExecute,
  parserFinish,
  connResetException,
  httpError,
  errHeadersSent,
  errInvalidArgType,
  checkIsHttpToken,
} from "./http_common.js";

const INVALID_PATH_REGEX = /[^\u0021-\u00ff]/;
const kError = Symbol("kError");

function validateHost(host, name) {
  if (host !== null && host !== undefined && typeof host !== "string") {
    throw errInvalidArgType(`options.${name}`, "of type string", host);
  }
  return host;
}

function isURL(v) {
  return v instanceof URL || (v != null && typeof v.href === "string" && typeof v.protocol === "string" && v.searchParams !== undefined && typeof v.origin === "string");
}

function emitRequestTimeout() {
  // `this` is the socket.
  const req = this._httpMessage;
  if (req) req.emit("timeout");
}

function listenSocketTimeout(req) {
  if (req.timeoutCb) return;
  req.timeoutCb = emitRequestTimeout;
  if (req.socket) req.socket.once("timeout", emitRequestTimeout);
  else req.on("socket", (socket) => socket.once("timeout", emitRequestTimeout));
}

function setSocketTimeout(sock, msecs) {
  if (sock.connecting) sock.once("connect", () => sock.setTimeout(msecs));
  else sock.setTimeout(msecs);
}

function getTimerDuration(msecs, name) {
  if (typeof msecs !== "number") throw errInvalidArgType(name, "of type number", msecs);
  if (msecs < 0 || !Number.isFinite(msecs)) {
    throw httpError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be a non-negative finite number. Received ${msecs}`);
  }
  return msecs;
}

export class ClientRequest extends OutgoingMessage {
  constructor(input, options, cb) {
    super();
    if (typeof input === "string") {
      input = urlToHttpOptions(new URL(input));
    } else if (isURL(input)) {
      input = urlToHttpOptions(input);
    } else {
      cb = options;
      options = input;
      input = null;
    }
    if (typeof options === "function") {
      cb = options;
      options = input || {};
    } else {
      options = Object.assign(input || {}, options);
    }

    let agent = options.agent;
    const defaultAgent = options._defaultAgent || agentState.globalAgent;
    if (agent === false) {
      agent = new defaultAgent.constructor();
    } else if (agent === null || agent === undefined) {
      if (typeof options.createConnection !== "function") agent = defaultAgent;
    } else if (typeof agent.addRequest !== "function") {
      throw errInvalidArgType("options.agent", "of type Agent-like Object, undefined, or false", agent);
    }
    this.agent = agent;

    const protocol = options.protocol || defaultAgent.protocol;
    let expectedProtocol = defaultAgent.protocol;
    if (this.agent?.protocol) expectedProtocol = this.agent.protocol;

    if (options.path) {
      const path = String(options.path);
      if (INVALID_PATH_REGEX.test(path)) {
        throw httpError(TypeError, "ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters");
      }
    }
    if (protocol !== expectedProtocol) {
      throw httpError(TypeError, "ERR_INVALID_PROTOCOL", `Protocol "${protocol}" not supported. Expected "${expectedProtocol}"`);
    }

    const defaultPort = options.defaultPort || this.agent?.defaultPort;
    const optsWithoutSignal = { __proto__: null, ...options };
    delete optsWithoutSignal.signal;
    const port = (options.port = options.port || defaultPort || 80);
    const host = (options.host = validateHost(options.hostname, "hostname") || validateHost(options.host, "host") || "localhost");
    optsWithoutSignal.port = port;
    optsWithoutSignal.host = host;
    const setHost = options.setHost === undefined || Boolean(options.setHost);

    this.socketPath = options.socketPath;
    if (options.timeout !== undefined) this.timeout = getTimerDuration(options.timeout, "timeout");

    const signal = options.signal;
    if (signal) {
      const onAbort = () => this.destroy(Object.assign(new Error("The operation was aborted"), { code: "ABORT_ERR", name: "AbortError" }));
      if (signal.aborted) process.nextTick(onAbort);
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        this.once("close", () => signal.removeEventListener("abort", onAbort));
      }
    }

    let method = options.method;
    const methodIsString = typeof method === "string";
    if (method !== null && method !== undefined && !methodIsString) throw errInvalidArgType("options.method", "of type string", method);
    if (methodIsString && method) {
      if (!checkIsHttpToken(method)) {
        throw httpError(TypeError, "ERR_INVALID_HTTP_TOKEN", `Method must be a valid HTTP token ["${method}"]`);
      }
      method = this.method = method.toUpperCase();
    } else {
      method = this.method = "GET";
    }

    this.maxHeaderSize = options.maxHeaderSize;
    this.joinDuplicateHeaders = options.joinDuplicateHeaders;
    this.path = options.path || "/";
    if (cb) this.once("response", cb);

    this.useChunkedEncodingByDefault = !(method === "GET" || method === "HEAD" || method === "DELETE" || method === "OPTIONS" || method === "TRACE" || method === "CONNECT");

    this._ended = false;
    this.res = null;
    this.aborted = false;
    this.timeoutCb = null;
    this.upgradeOrConnect = false;
    this.parser = null;
    this.maxHeadersCount = null;
    this.reusedSocket = false;
    this.host = host;
    this.protocol = protocol;
    this[kError] = undefined;

    if (this.agent) {
      // Keep-alive only if the agent will actually reuse the connection.
      if (!this.agent.keepAlive && !Number.isFinite(this.agent.maxSockets)) {
        this._last = true;
        this.shouldKeepAlive = false;
      } else {
        this._last = false;
        this.shouldKeepAlive = true;
      }
    }

    const headersArray = Array.isArray(options.headers);
    if (!headersArray) {
      if (options.headers) {
        for (const key of Object.keys(options.headers)) this.setHeader(key, options.headers[key]);
      }
      if (host && !this.getHeader("host") && setHost) {
        let hostHeader = host;
        // IPv6 literals are bracketed, as in URLs.
        const posColon = hostHeader.indexOf(":");
        if (posColon !== -1 && hostHeader.includes(":", posColon + 1) && hostHeader.charCodeAt(0) !== 91) hostHeader = `[${hostHeader}]`;
        if (port && +port !== defaultPort) hostHeader += `:${port}`;
        this.setHeader("Host", hostHeader);
      }
      if (options.auth && !this.getHeader("Authorization")) {
        this.setHeader("Authorization", `Basic ${Buffer.from(options.auth).toString("base64")}`);
      }
      if (this.getHeader("expect")) {
        if (this._header) throw errHeadersSent("render");
        this._storeHeader(`${this.method} ${this.path} HTTP/1.1\r\n`, this[kOutHeaders]);
      }
    } else {
      this._storeHeader(`${this.method} ${this.path} HTTP/1.1\r\n`, options.headers);
    }

    if (this.agent) {
      this.agent.addRequest(this, optsWithoutSignal);
    } else {
      // No agent: a connection of our own, closed after this request.
      this._last = true;
      this.shouldKeepAlive = false;
      let opts = optsWithoutSignal;
      if (opts.path || opts.socketPath) {
        opts = { ...optsWithoutSignal };
        if (opts.socketPath) opts.path = opts.socketPath;
        else delete opts.path;
      }
      if (typeof opts.createConnection === "function") {
        let called = false;
        const oncreate = (err, socket) => {
          if (called) return;
          called = true;
          if (err) process.nextTick(() => this.emit("error", err));
          else this.onSocket(socket);
        };
        try {
          const newSocket = opts.createConnection(opts, oncreate);
          if (newSocket) oncreate(null, newSocket);
        } catch (err) {
          oncreate(err);
        }
      } else {
        this.onSocket(net.createConnection(opts));
      }
    }
  }

  _implicitHeader() {
    if (this._header) throw errHeadersSent("render");
    this._storeHeader(`${this.method} ${this.path} HTTP/1.1\r\n`, this[kOutHeaders]);
  }

  abort() {
    if (this.aborted) return;
    this.aborted = true;
    process.nextTick(() => this.emit("abort"));
    this.destroy();
  }

  destroy(err) {
    if (this.destroyed) return this;
    this.destroyed = true;
    // No more interest in the response.
    if (this.res) this.res._dump();
    this[kError] = err;
    this.socket?.destroy(err);
    return this;
  }

  onSocket(socket, err) {
    process.nextTick(() => onSocketNT(this, socket, err));
  }

  setTimeout(msecs, callback) {
    if (this._ended) return this;
    listenSocketTimeout(this);
    msecs = getTimerDuration(msecs, "msecs");
    if (callback) this.once("timeout", callback);
    if (this.socket) setSocketTimeout(this.socket, msecs);
    else this.once("socket", (sock) => setSocketTimeout(sock, msecs));
    return this;
  }

  setNoDelay(noDelay) {
    if (this.socket) this.socket.setNoDelay(noDelay);
    else this.once("socket", (s) => s.setNoDelay(noDelay));
  }

  setSocketKeepAlive(enable, initialDelay) {
    if (this.socket) this.socket.setKeepAlive(enable, initialDelay);
    else this.once("socket", (s) => s.setKeepAlive(enable, initialDelay));
  }

  clearTimeout(cb) {
    this.setTimeout(0, cb);
  }
}

// The request was destroyed before it got its socket, or the agent could not make one.
function destroyBeforeSocket(req, err) {
  if (!req.aborted && !err) err = connResetException("socket hang up");
  if (err) req.emit("error", err);
  req._closed = true;
  req.emit("close");
}

function onSocketNT(req, socket, err) {
  if (req.destroyed || err) {
    req.destroyed = true;
    if (!err && req.agent && socket && !socket.destroyed) {
      // Unused: back to the pool.
      socket.emit("free");
    } else if (socket) {
      // The socket's own error (if any) is reported on the request, once it has closed.
      finished(socket.destroy(err || req[kError]), () => destroyBeforeSocket(req, err || req[kError]));
      return;
    }
    destroyBeforeSocket(req, err || req[kError]);
    return;
  }
  tickOnSocket(req, socket);
  req._flush();
}

function tickOnSocket(req, socket) {
  const parser = createParser(HTTPParser.RESPONSE, socket, parserOnIncomingClient, {
    maxHeaderSize: req.maxHeaderSize,
    maxHeadersCount: req.maxHeadersCount,
    joinDuplicateHeaders: req.joinDuplicateHeaders,
  });
  parser.outgoing = req;
  req.socket = socket;
  req.parser = parser;
  socket.parser = parser;
  socket._httpMessage = req;

  socket.on("error", socketErrorListener);
  socket.on("data", socketOnData);
  socket.on("end", socketOnEnd);
  socket.on("close", socketCloseListener);
  socket.on("drain", ondrain);

  if (req.timeout !== undefined || (req.agent && req.agent.options && req.agent.options.timeout)) listenSocketTimeout(req);
  req.emit("socket", socket);
}

function ondrain() {
  const msg = this._httpMessage;
  if (msg && !msg.finished && msg[kNeedDrain]) {
    msg[kNeedDrain] = false;
    msg.emit("drain");
  }
}

function freeParser(parser, req, socket) {
  if (parser) {
    parser.incoming = null;
    parser.outgoing = null;
    parser.socket = null;
  }
  if (req) req.parser = null;
  if (socket) socket.parser = null;
}

function detachResponseListeners(socket) {
  socket.removeListener("data", socketOnData);
  socket.removeListener("end", socketOnEnd);
  socket.removeListener("drain", ondrain);
}

function socketOnData(d) {
  const socket = this;
  const req = this._httpMessage;
  const parser = this.parser;
  if (!parser || !req) return;

  const ret = parserExecute(parser, d);
  if (ret instanceof Error) {
    freeParser(parser, req, socket);
    socket.removeListener("data", socketOnData);
    socket.removeListener("end", socketOnEnd);
    socket.destroy();
    socket._hadError = true;
    req.emit("error", ret);
  } else if (parser.incoming && parser.incoming.upgrade) {
    // 101 Switching Protocols, or the response to CONNECT.
    const res = parser.incoming;
    req.res = res;
    detachResponseListeners(socket);
    if (req.timeoutCb) socket.removeListener("timeout", req.timeoutCb);
    socket.removeListener("timeout", responseOnTimeout);
    freeParser(parser, req, socket);
    const bodyHead = d.subarray(ret);
    const eventName = req.method === "CONNECT" ? "connect" : "upgrade";
    if (req.listenerCount(eventName) > 0) {
      req.upgradeOrConnect = true;
      // The socket leaves the agent and belongs to the listener.
      socket.emit("agentRemove");
      socket.removeListener("close", socketCloseListener);
      socket.removeListener("error", socketErrorListener);
      socket._httpMessage = null;
      socket.readableFlowing = null;
      req.emit(eventName, res, socket, bodyHead);
      req.destroyed = true;
      req._closed = true;
      req.emit("close");
    } else {
      socket.destroy();
    }
  } else if (parser.incoming && parser.incoming.complete && !statusIsInformational(parser.incoming.statusCode)) {
    detachResponseListeners(socket);
    freeParser(parser, req, socket);
  }
}

const statusIsInformational = (status) => status < 200 && status >= 100 && status !== 101;

// The parser's callback for a response head (`this` is the parser).
function parserOnIncomingClient(res, shouldKeepAlive) {
  const socket = this.socket;
  const req = socket._httpMessage;
  if (!req) return 2;

  if (req.res) {
    // A second response to one request.
    socket.destroy();
    return 0;
  }
  req.res = res;

  // Upgrade: the body (if any) belongs to the new protocol.
  if (res.upgrade) return 2;

  if (req.method === "CONNECT") {
    res.upgrade = true;
    return 2;
  }

  if (statusIsInformational(res.statusCode)) {
    req.res = null;
    if (res.statusCode === 100) req.emit("continue");
    req.emit("information", {
      statusCode: res.statusCode,
      statusMessage: res.statusMessage,
      httpVersion: res.httpVersion,
      httpVersionMajor: res.httpVersionMajor,
      httpVersionMinor: res.httpVersionMinor,
      headers: res.headers,
      rawHeaders: res.rawHeaders,
    });
    return 1;
  }

  if (req.shouldKeepAlive && !shouldKeepAlive && !req.upgradeOrConnect) {
    // The server did not agree to keep the connection.
    req.shouldKeepAlive = false;
  }

  res.req = req;
  res.on("end", responseOnEnd);
  req.on("finish", requestOnFinish);
  socket.on("timeout", responseOnTimeout);

  // Nobody to read the body: drain it so the socket does not stall.
  if (req.aborted || !req.emit("response", res)) res._dump();

  if (req.method === "HEAD") return 1;
  if (res.statusCode === 304) {
    res.complete = true;
    return 1;
  }
  return 0;
}

function responseOnTimeout() {
  const req = this._httpMessage;
  if (!req) return;
  const res = req.res;
  if (!res) return;
  res.emit("timeout");
}

function responseOnEnd() {
  const req = this.req;
  const socket = req.socket;
  if (socket) {
    if (req.timeoutCb) socket.removeListener("timeout", emitRequestTimeout);
    socket.removeListener("timeout", responseOnTimeout);
  }
  req._ended = true;
  if (!req.shouldKeepAlive) {
    if (socket && socket.writable) {
      if (typeof socket.destroySoon === "function") socket.destroySoon();
      else socket.end();
    }
  } else if (req.writableFinished && !this.aborted) {
    responseKeepAlive(req);
  }
}

function requestOnFinish() {
  const req = this;
  if (req.shouldKeepAlive && req._ended) responseKeepAlive(req);
}

// Response read and request sent: the socket can carry another request.
function responseKeepAlive(req) {
  const socket = req.socket;
  if (!socket || socket._httpMessage !== req) return;
  if (req.timeoutCb) {
    socket.setTimeout(0, req.timeoutCb);
    req.timeoutCb = null;
  }
  socket.removeListener("close", socketCloseListener);
  socket.removeListener("error", socketErrorListener);
  detachResponseListeners(socket);
  process.nextTick(() => {
    req._closed = true;
    req.emit("close");
    // 'free' after the user's 'end' handlers have run.
    if (req.socket) req.socket.emit("free");
  });
  req.destroyed = true;
  if (req.res) {
    // So that destroying the response does not destroy the pooled socket.
    req.res.socket = null;
  }
}

function socketCloseListener() {
  const socket = this;
  const req = socket._httpMessage;
  if (!req) return;
  const parser = socket.parser;
  const res = req.res;
  req.destroyed = true;
  if (res) {
    // Closed before the response ended.
    if (!res.complete) res.destroy(connResetException("aborted"));
    req._closed = true;
    req.emit("close");
    if (!res.aborted && res.readable) res.push(null);
  } else {
    if (!socket._hadError) {
      // No response at all.
      socket._hadError = true;
      req.emit("error", req[kError] ?? connResetException("socket hang up"));
    }
    req._closed = true;
    req.emit("close");
  }
  if (req.outputData) req.outputData.length = 0;
  if (parser) {
    parserFinish(parser);
    freeParser(parser, req, socket);
  }
}

function socketOnEnd() {
  const socket = this;
  const req = this._httpMessage;
  const parser = this.parser;
  if (req && !req.res && !socket._hadError) {
    socket._hadError = true;
    req.emit("error", connResetException("socket hang up"));
  }
  if (parser) {
    // A body delimited by the end of the connection ends here.
    parserFinish(parser);
    freeParser(parser, req, socket);
  }
  socket.destroy();
}

function socketErrorListener(err) {
  const socket = this;
  const req = socket._httpMessage;
  if (req) {
    socket._hadError = true;
    req.emit("error", err);
  }
  const parser = socket.parser;
  if (parser) {
    parserFinish(parser);
    freeParser(parser, req, socket);
  }
  socket.removeListener("data", socketOnData);
  socket.removeListener("end", socketOnEnd);
  socket.destroy();
}
