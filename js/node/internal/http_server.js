// http.Server and http.ServerResponse.
//
// Each connection gets one request parser for its lifetime. Parsed requests are answered in
// order: the first response owns the socket (`socket._httpMessage`); responses to pipelined
// requests wait in `state.outgoing`, buffering their output, until the one before finishes.

import * as net from "../net.js";
import { OutgoingMessage, kOutHeaders, kNeedDrain } from "./http_outgoing.js";
import { IncomingMessage, peerAborted } from "./http_incoming.js";
import {
  HTTPParser,
  STATUS_CODES,
  createParser,
  parserExecute,
  parserFinish,
  connResetException,
  httpError,
  errHeadersSent,
  checkInvalidHeaderChar,
} from "./http_common.js";

const kServerResponse = Symbol("ServerResponse");
const kIncomingMessageCtor = Symbol("IncomingMessage");
const kConnections = Symbol("connections");
const kState = Symbol("httpState");

const RE_100_CONTINUE = /^100-continue$/i;
const RE_TE_CHUNKED = /(?:^|\W)chunked(?:$|\W)/i;
const badRequestResponse = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
const headerTooLargeResponse = "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";
const requestTimeoutResponse = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

// --- ServerResponse ---------------------------------------------------------------------------

function onServerResponseClose() {
  // `this` is the socket; the response it was carrying is cut off.
  const res = this._httpMessage;
  if (res) {
    res.destroyed = true;
    res._closed = true;
    res.emit("close");
  }
}

export class ServerResponse extends OutgoingMessage {
  constructor(req, options) {
    super(options);
    if (req.method === "HEAD") this._hasBody = false;
    this.req = req;
    this.sendDate = true;
    this._sent100 = false;
    this._expect_continue = false;
    this.statusCode = 200;
    this.statusMessage = undefined;
    if (req.httpVersionMajor < 1 || req.httpVersionMinor < 1) {
      this.useChunkedEncodingByDefault = RE_TE_CHUNKED.test(req.headers.te ?? "");
      this.shouldKeepAlive = false;
    }
  }

  assignSocket(socket) {
    if (socket._httpMessage) throw httpError(Error, "ERR_HTTP_SOCKET_ASSIGNED", "ServerResponse has an already assigned socket");
    socket._httpMessage = this;
    socket.on("close", onServerResponseClose);
    this.socket = socket;
    this.emit("socket", socket);
    this._flush();
  }

  detachSocket(socket) {
    socket.removeListener("close", onServerResponseClose);
    socket._httpMessage = null;
    this.socket = null;
  }

  writeContinue(cb) {
    this._writeRaw("HTTP/1.1 100 Continue\r\n\r\n", "ascii", cb);
    this._sent100 = true;
  }

  writeProcessing(cb) {
    this._writeRaw("HTTP/1.1 102 Processing\r\n\r\n", "ascii", cb);
  }

  writeEarlyHints(hints, cb) {
    let head = "HTTP/1.1 103 Early Hints\r\n";
    for (const [key, value] of Object.entries(hints || {})) {
      if (Array.isArray(value)) for (const v of value) head += `${key === "link" ? "Link" : key}: ${v}\r\n`;
      else head += `${key === "link" ? "Link" : key}: ${value}\r\n`;
    }
    this._writeRaw(`${head}\r\n`, "ascii", cb);
  }

  _implicitHeader() {
    this.writeHead(this.statusCode);
  }

  writeHead(statusCode, reason, obj) {
    if (this._header) throw errHeadersSent("write");
    const originalStatusCode = statusCode;
    statusCode |= 0;
    if (statusCode < 100 || statusCode > 999) {
      throw httpError(RangeError, "ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${originalStatusCode}`);
    }
    if (typeof reason === "string") {
      this.statusMessage = reason;
    } else {
      this.statusMessage ||= STATUS_CODES[statusCode] || "unknown";
      obj ??= reason;
    }
    this.statusCode = statusCode;

    let headers;
    if (this[kOutHeaders]) {
      // Headers from setHeader() and from writeHead() are merged, writeHead()'s winning.
      if (obj) {
        if (Array.isArray(obj)) {
          if (obj.length && Array.isArray(obj[0])) {
            for (const [k, v] of obj) if (k) this.appendHeader(k, v);
          } else {
            if (obj.length % 2 !== 0) {
              throw httpError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'headers' is invalid. Received ${obj}`);
            }
            // Array form: repeated names add values.
            for (let n = 0; n < obj.length; n += 2) if (obj[n]) this.appendHeader(obj[n], obj[n + 1]);
          }
        } else {
          for (const k of Object.keys(obj)) if (k) this.setHeader(k, obj[k]);
        }
      }
      headers = this[kOutHeaders];
    } else {
      headers = obj;
    }

    if (checkInvalidHeaderChar(this.statusMessage)) {
      throw httpError(TypeError, "ERR_INVALID_CHAR", 'Invalid character in statusMessage');
    }
    const statusLine = `HTTP/1.1 ${statusCode} ${this.statusMessage}\r\n`;
    if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode <= 199)) this._hasBody = false;
    // The client may already be sending a body we did not ask for.
    if (this._expect_continue && !this._sent100) this.shouldKeepAlive = false;
    this._storeHeader(statusLine, headers);
    return this;
  }

  // Old name.
  writeHeader(...args) {
    return this.writeHead(...args);
  }
}

// --- Server -----------------------------------------------------------------------------------

export class Server extends net.Server {
  constructor(options, requestListener) {
    if (typeof options === "function") {
      requestListener = options;
      options = {};
    } else if (options == null) {
      options = {};
    } else if (typeof options !== "object") {
      throw httpError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options" argument must be of type object. Received type ${typeof options} (${String(options)})`);
    }
    super({
      allowHalfOpen: true,
      noDelay: options.noDelay ?? true,
      keepAlive: options.keepAlive,
      keepAliveInitialDelay: options.keepAliveInitialDelay,
      highWaterMark: options.highWaterMark,
    });
    this[kIncomingMessageCtor] = options.IncomingMessage || IncomingMessage;
    this[kServerResponse] = options.ServerResponse || ServerResponse;
    this[kConnections] = new Set();
    this.maxHeaderSize = options.maxHeaderSize;
    this.insecureHTTPParser = options.insecureHTTPParser;
    this.requestTimeout = options.requestTimeout ?? 300000;
    this.headersTimeout = options.headersTimeout ?? 60000;
    this.connectionsCheckingInterval = options.connectionsCheckingInterval ?? 30000;
    this.requireHostHeader = options.requireHostHeader ?? true;
    this.joinDuplicateHeaders = options.joinDuplicateHeaders;
    this.rejectNonStandardBodyWrites = !!options.rejectNonStandardBodyWrites;
    this.highWaterMark = options.highWaterMark;
    this.httpAllowHalfOpen = false;
    this.timeout = 0;
    this.maxHeadersCount = null;
    this.maxRequestsPerSocket = 0;
    this.keepAliveTimeout = 5000;
    if (requestListener) this.on("request", requestListener);
    this.on("connection", connectionListener);
  }

  setTimeout(msecs, callback) {
    this.timeout = msecs;
    if (callback) this.on("timeout", callback);
    return this;
  }

  close(...args) {
    this.closeIdleConnections();
    return super.close(...args);
  }

  closeAllConnections() {
    for (const socket of this[kConnections]) socket.destroy();
  }

  // Connections with no request in progress (keep-alive sockets waiting for the next one).
  closeIdleConnections() {
    for (const socket of this[kConnections]) {
      const state = socket[kState];
      if (state && !socket._httpMessage && state.incoming.length === 0 && !state.parsing) socket.destroy();
    }
  }
}

function connectionListener(socket) {
  const server = this;
  socket.server = server;
  if (server.timeout && typeof socket.setTimeout === "function") socket.setTimeout(server.timeout);

  const state = {
    incoming: [],
    outgoing: [],
    outgoingData: 0,
    keepAliveTimeoutSet: false,
    // True while a request's head has been partly received.
    parsing: false,
    parser: null,
    onData: null,
    onEnd: null,
    onClose: null,
    onError: null,
    onTimeout: null,
    onDrain: null,
  };
  socket[kState] = state;
  server[kConnections].add(socket);

  const parser = createParser(HTTPParser.REQUEST, socket, (req, keepAlive) => parserOnIncoming(server, socket, state, req, keepAlive), {
    maxHeaderSize: server.maxHeaderSize,
    maxHeadersCount: server.maxHeadersCount,
    joinDuplicateHeaders: server.joinDuplicateHeaders,
    IncomingMessage: server[kIncomingMessageCtor],
  });
  state.parser = parser;
  socket.parser = parser;
  socket._paused = false;

  state.onData = (d) => socketOnData(server, socket, state, d);
  state.onEnd = () => socketOnEnd(server, socket, state);
  state.onClose = () => socketOnClose(server, socket, state);
  state.onError = (e) => socketOnError(server, socket, state, e);
  state.onTimeout = () => socketOnTimeout(server, socket);
  state.onDrain = () => socketOnDrain(socket, state);
  socket.on("data", state.onData);
  socket.on("end", state.onEnd);
  socket.on("close", state.onClose);
  socket.on("error", state.onError);
  socket.on("timeout", state.onTimeout);
  socket.on("drain", state.onDrain);
}

function socketOnData(server, socket, state, d) {
  if (state.keepAliveTimeoutSet) {
    socket.setTimeout(server.timeout || 0);
    state.keepAliveTimeoutSet = false;
  }
  const parser = state.parser;
  if (!parser) return;
  let offset = 0;
  // An Upgrade request nobody handles is an ordinary request; the parser stops after such a
  // head, so parsing resumes from where it stopped.
  while (offset < d.length) {
    const ret = parserExecute(parser, d, offset);
    if (ret instanceof Error) {
      socketOnError(server, socket, state, ret);
      return;
    }
    offset += ret;
    const req = parser.incoming;
    if (req && req.upgrade) {
      onUpgrade(server, socket, state, req, d.subarray(offset));
      return;
    }
    if (ret === 0) break;
  }
  state.parsing = parser.state !== "REQUEST_LINE" || parser.line !== "";
}

// Hands the socket to the 'upgrade' (or 'connect') listener, with the bytes after the head.
function onUpgrade(server, socket, state, req, head) {
  const eventName = req.method === "CONNECT" ? "connect" : "upgrade";
  socket.removeListener("data", state.onData);
  socket.removeListener("end", state.onEnd);
  socket.removeListener("close", state.onClose);
  socket.removeListener("drain", state.onDrain);
  socket.removeListener("error", state.onError);
  socket.removeListener("timeout", state.onTimeout);
  state.parser = null;
  socket.parser = null;
  socket[kState] = null;
  socket.once("close", () => server[kConnections].delete(socket));
  // Back to the socket's initial state: the listener decides how to read it.
  socket.readableFlowing = null;
  if (server.listenerCount(eventName) > 0) {
    server.emit(eventName, req, socket, head);
  } else {
    socket.destroy();
  }
}

function parserOnIncoming(server, socket, state, req, keepAlive) {
  state.parsing = false;
  if (req.upgrade) {
    req.upgrade = req.method === "CONNECT" || server.listenerCount("upgrade") > 0;
    if (req.upgrade) return 0;
  }

  state.incoming.push(req);

  // Stop reading while responses to pipelined requests pile up.
  if (!socket._paused) {
    const ws = socket._writableState;
    if ((ws && ws.needDrain) || state.outgoingData >= socket.writableHighWaterMark) {
      socket._paused = true;
      socket.pause();
    }
  }

  const res = new server[kServerResponse](req, {
    highWaterMark: server.highWaterMark,
    rejectNonStandardBodyWrites: server.rejectNonStandardBodyWrites,
  });
  res._keepAliveTimeout = server.keepAliveTimeout;
  res._maxRequestsPerSocket = server.maxRequestsPerSocket;
  res._onPendingData = (delta) => updateOutgoingData(socket, state, delta);
  res.shouldKeepAlive = keepAlive;
  if (socket._httpMessage) state.outgoing.push(res);
  else res.assignSocket(socket);

  res.on("finish", () => resOnFinish(server, socket, state, req, res));

  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
    // RFC 9112 3.2: an HTTP/1.1 request without Host is a 400.
    if (server.requireHostHeader && req.headers.host === undefined) {
      res.writeHead(400, ["Connection", "close"]);
      res.end();
      return 0;
    }
    const expect = req.headers.expect;
    if (expect !== undefined) {
      if (RE_100_CONTINUE.test(expect)) {
        res._expect_continue = true;
        if (server.listenerCount("checkContinue") > 0) {
          server.emit("checkContinue", req, res);
        } else {
          res.writeContinue();
          server.emit("request", req, res);
        }
      } else if (server.listenerCount("checkExpectation") > 0) {
        server.emit("checkExpectation", req, res);
      } else {
        res.writeHead(417);
        res.end();
      }
      return 0;
    }
  }
  server.emit("request", req, res);
  return 0;
}

function updateOutgoingData(socket, state, delta) {
  state.outgoingData += delta;
  if (socket._paused && state.outgoingData < socket.writableHighWaterMark) {
    socket._paused = false;
    socket.resume();
  }
}

function socketOnDrain(socket, state) {
  const needPause = state.outgoingData > socket.writableHighWaterMark;
  if (socket._paused && !needPause) {
    socket._paused = false;
    socket.resume();
  }
  // 'drain' on the socket is 'drain' on the response writing to it.
  const msg = socket._httpMessage;
  if (msg && !msg.finished && msg[kNeedDrain]) {
    msg[kNeedDrain] = false;
    msg.emit("drain");
  }
}

function resOnFinish(server, socket, state, req, res) {
  if (state.incoming[0] === req) state.incoming.shift();
  else {
    const i = state.incoming.indexOf(req);
    if (i !== -1) state.incoming.splice(i, 1);
  }
  // A body nobody read is drained so the next request can be parsed.
  if (!req._consuming && !req._readableState.resumeScheduled) req._dump();

  res.detachSocket(socket);
  process.nextTick(() => {
    if (!res._closed) {
      res.destroyed = true;
      res._closed = true;
      res.emit("close");
    }
  });

  if (res._last) {
    if (typeof socket.destroySoon === "function") socket.destroySoon();
    else socket.end();
  } else if (state.outgoing.length === 0) {
    if (!server.listening && state.incoming.length === 0) {
      // The server is closing: an idle connection is not kept.
      if (typeof socket.destroySoon === "function") socket.destroySoon();
      else socket.end();
    } else if (server.keepAliveTimeout && typeof socket.setTimeout === "function") {
      socket.setTimeout(server.keepAliveTimeout);
      state.keepAliveTimeoutSet = true;
    }
  } else {
    const next = state.outgoing.shift();
    if (next) next.assignSocket(socket);
  }
}

function abortIncoming(state) {
  while (state.incoming.length) {
    const req = state.incoming.shift();
    const err = connResetException("aborted");
    peerAborted.add(err);
    req.destroy(err);
  }
}

function socketOnEnd(server, socket, state) {
  const parser = state.parser;
  const ret = parser ? parserFinish(parser) : undefined;
  if (ret instanceof Error) {
    socketOnError(server, socket, state, ret);
    return;
  }
  if (!server.httpAllowHalfOpen) {
    abortIncoming(state);
    if (socket.writable) socket.end();
  } else if (state.outgoing.length) {
    state.outgoing[state.outgoing.length - 1]._last = true;
  } else if (socket._httpMessage) {
    socket._httpMessage._last = true;
  } else if (socket.writable) {
    socket.end();
  }
}

function socketOnClose(server, socket, state) {
  server[kConnections].delete(socket);
  state.parser = null;
  socket.parser = null;
  abortIncoming(state);
  // Responses queued behind the one that owned the socket are cut off too.
  for (const res of state.outgoing) {
    res.destroyed = true;
    res._closed = true;
    res.emit("close");
  }
  state.outgoing.length = 0;
}

function noop() {}

function socketOnError(server, socket, state, e) {
  // Only the first error is reported.
  socket.removeListener("error", state.onError);
  if (socket.listenerCount("error") === 0) socket.on("error", noop);
  if (!server.emit("clientError", e, socket)) {
    // Answer, unless a response is already going out on this connection.
    if (socket.writable && (!socket._httpMessage || !socket._httpMessage._headerSent)) {
      let response;
      switch (e.code) {
        case "HPE_HEADER_OVERFLOW":
          response = headerTooLargeResponse;
          break;
        case "ERR_HTTP_REQUEST_TIMEOUT":
          response = requestTimeoutResponse;
          break;
        default:
          response = badRequestResponse;
      }
      socket.write(response);
    }
    socket.destroy(e);
  }
}

function socketOnTimeout(server, socket) {
  const req = socket.parser?.incoming;
  const reqTimeout = req && !req.complete && req.emit("timeout", socket);
  const res = socket._httpMessage;
  const resTimeout = res && res.emit("timeout", socket);
  const serverTimeout = server.emit("timeout", socket);
  if (!reqTimeout && !resTimeout && !serverTimeout) socket.destroy();
}
