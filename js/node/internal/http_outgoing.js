// http.OutgoingMessage: what ServerResponse and ClientRequest share. Headers are kept by
// lower-cased name until the first write renders them (`_header`); body chunks go straight to
// the socket once the message owns it (`socket._httpMessage === this`), and are queued in
// `outputData` before that (a queued keep-alive request, a pipelined response).

import { Buffer } from "buffer";
import { Stream } from "../stream.js";
import {
  httpError,
  errHeadersSent,
  errWriteAfterEnd,
  errInvalidArgType,
  validateHeaderName,
  validateHeaderValue,
  validateString,
  checkInvalidHeaderChar,
  utcDate,
} from "./http_common.js";

export const kOutHeaders = Symbol("kOutHeaders");
export const kNeedDrain = Symbol("kNeedDrain");
const kCorked = Symbol("corked");
const kHighWaterMark = Symbol("kHighWaterMark");

const RE_CONN_CLOSE = /(?:^|\W)close(?:$|\W)/i;
const RE_TE_CHUNKED = /(?:^|\W)chunked(?:$|\W)/i;
const CRLF = "\r\n";
const nop = () => {};

const isCookieField = (s) => s.length === 6 && s.toLowerCase() === "cookie";

function byteLength(chunk, encoding) {
  return typeof chunk === "string" ? Buffer.byteLength(chunk, encoding || "utf8") : chunk.byteLength;
}

export class OutgoingMessage extends Stream {
  constructor(options) {
    super();
    this.outputData = [];
    this.outputSize = 0;
    this.writable = true;
    this.destroyed = false;
    this._last = false;
    this.chunkedEncoding = false;
    this.shouldKeepAlive = true;
    this.maxRequestsOnConnectionReached = false;
    this._defaultKeepAlive = true;
    this.useChunkedEncodingByDefault = true;
    this.sendDate = false;
    this._removedConnection = false;
    this._removedContLen = false;
    this._removedTE = false;
    this.strictContentLength = false;
    this._contentLength = null;
    this._hasBody = true;
    this._trailer = "";
    this.finished = false;
    this._headerSent = false;
    this._header = null;
    this.socket = null;
    this._keepAliveTimeout = 0;
    this._onPendingData = nop;
    this._closed = false;
    this.errored = null;
    this[kOutHeaders] = null;
    this[kCorked] = 0;
    this[kNeedDrain] = false;
    this[kHighWaterMark] = options?.highWaterMark ?? 16384;
  }

  get connection() {
    return this.socket;
  }
  set connection(v) {
    this.socket = v;
  }
  get writableFinished() {
    return this.finished && this.outputSize === 0 && (!this.socket || this.socket.writableLength === 0);
  }
  get writableObjectMode() {
    return false;
  }
  get writableLength() {
    return this.outputSize + (this.socket ? this.socket.writableLength : 0);
  }
  get writableHighWaterMark() {
    return this.socket ? this.socket.writableHighWaterMark : this[kHighWaterMark];
  }
  get writableCorked() {
    return this.socket ? this.socket.writableCorked : this[kCorked];
  }
  get writableEnded() {
    return this.finished;
  }
  get writableNeedDrain() {
    return !this.destroyed && !this.finished && this[kNeedDrain];
  }
  get headersSent() {
    return !!this._header;
  }
  // Node's deprecated view of the headers (lower-cased name -> value).
  get _headers() {
    return this.getHeaders();
  }

  cork() {
    if (this.socket) this.socket.cork();
    else this[kCorked]++;
  }
  uncork() {
    if (this.socket) this.socket.uncork();
    else if (this[kCorked]) this[kCorked]--;
  }

  setTimeout(msecs, callback) {
    if (callback) this.on("timeout", callback);
    if (!this.socket) this.once("socket", (socket) => socket.setTimeout(msecs));
    else this.socket.setTimeout(msecs);
    return this;
  }

  destroy(error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.errored = error ?? null;
    if (this.socket) this.socket.destroy(error);
    else this.once("socket", (socket) => socket.destroy(error));
    return this;
  }

  // --- headers --------------------------------------------------------------------------------

  setHeader(name, value) {
    if (this._header) throw errHeadersSent("set");
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const headers = (this[kOutHeaders] ??= { __proto__: null });
    headers[name.toLowerCase()] = [name, value];
    return this;
  }

  setHeaders(headers) {
    if (this._header) throw errHeadersSent("set");
    if (!headers || Array.isArray(headers) || typeof headers.keys !== "function" || typeof headers.get !== "function") {
      throw errInvalidArgType("headers", "an instance of Headers or Map", headers);
    }
    // Headers objects fold Set-Cookie; keep each cookie separate as Node does.
    const cookies = [];
    for (const [key, value] of headers) {
      if (key.toLowerCase() === "set-cookie") {
        if (Array.isArray(value)) cookies.push(...value);
        else cookies.push(value);
      } else this.setHeader(key, value);
    }
    if (cookies.length) this.setHeader("set-cookie", typeof headers.getSetCookie === "function" ? headers.getSetCookie() : cookies);
    return this;
  }

  appendHeader(name, value) {
    if (this._header) throw errHeadersSent("append");
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const field = name.toLowerCase();
    const headers = this[kOutHeaders];
    if (headers === null || !headers[field]) return this.setHeader(name, value);
    if (!Array.isArray(headers[field][1])) headers[field][1] = [headers[field][1]];
    const values = headers[field][1];
    if (Array.isArray(value)) values.push(...value);
    else values.push(value);
    return this;
  }

  getHeader(name) {
    validateString(name, "name");
    const headers = this[kOutHeaders];
    if (headers === null) return undefined;
    const entry = headers[name.toLowerCase()];
    return entry && entry[1];
  }

  getHeaderNames() {
    return this[kOutHeaders] !== null ? Object.keys(this[kOutHeaders]) : [];
  }

  getRawHeaderNames() {
    const headers = this[kOutHeaders];
    return headers === null ? [] : Object.values(headers).map((e) => e[0]);
  }

  getHeaders() {
    const headers = this[kOutHeaders];
    const ret = { __proto__: null };
    if (headers) for (const key of Object.keys(headers)) ret[key] = headers[key][1];
    return ret;
  }

  hasHeader(name) {
    validateString(name, "name");
    return this[kOutHeaders] !== null && !!this[kOutHeaders][name.toLowerCase()];
  }

  removeHeader(name) {
    validateString(name, "name");
    if (this._header) throw errHeadersSent("remove");
    const key = name.toLowerCase();
    switch (key) {
      case "connection":
        this._removedConnection = true;
        break;
      case "content-length":
        this._removedContLen = true;
        break;
      case "transfer-encoding":
        this._removedTE = true;
        break;
      case "date":
        this.sendDate = false;
        break;
    }
    if (this[kOutHeaders] !== null) delete this[kOutHeaders][key];
  }

  _implicitHeader() {
    throw httpError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The _implicitHeader() method is not implemented");
  }

  // Renders the head: `firstLine`, the headers (our map, an object, a flat [k, v, ...] array or
  // an array of pairs), then what Node adds itself (Date, Connection, Keep-Alive,
  // Content-Length or Transfer-Encoding). Sets the framing flags as it goes.
  _storeHeader(firstLine, headers) {
    const state = { connection: false, contLen: false, te: false, date: false, expect: false, trailer: false, header: firstLine };
    if (headers) {
      if (headers === this[kOutHeaders]) {
        for (const key in headers) {
          const entry = headers[key];
          processHeader(this, state, entry[0], entry[1], false);
        }
      } else if (Array.isArray(headers)) {
        if (headers.length && Array.isArray(headers[0])) {
          for (const [k, v] of headers) processHeader(this, state, k, v, true);
        } else {
          if (headers.length % 2 !== 0) {
            throw httpError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'headers' is invalid. Received ${headers}`);
          }
          for (let n = 0; n < headers.length; n += 2) processHeader(this, state, headers[n], headers[n + 1], true);
        }
      } else {
        for (const key in headers) {
          if (Object.prototype.hasOwnProperty.call(headers, key)) processHeader(this, state, key, headers[key], true);
        }
      }
    }
    let header = state.header;

    if (this.sendDate && !state.date) header += `Date: ${utcDate()}\r\n`;

    // A 204 or 304 must not carry a body; a user-set chunked encoding there closes the connection.
    if (this.chunkedEncoding && (this.statusCode === 204 || this.statusCode === 304)) {
      this._last = true;
    }

    if (!state.connection) {
      const shouldSendKeepAlive = this.shouldKeepAlive && (state.contLen || this.useChunkedEncodingByDefault || this.agent);
      if (shouldSendKeepAlive && this.maxRequestsOnConnectionReached) {
        header += "Connection: close\r\n";
      } else if (shouldSendKeepAlive) {
        header += "Connection: keep-alive\r\n";
        if (this._keepAliveTimeout && this._defaultKeepAlive) {
          const max = ~~this._maxRequestsPerSocket > 0 ? `, max=${this._maxRequestsPerSocket}` : "";
          header += `Keep-Alive: timeout=${Math.floor(this._keepAliveTimeout / 1000)}${max}\r\n`;
        }
      } else {
        this._last = true;
        header += "Connection: close\r\n";
      }
    }

    if (!state.contLen && !state.te) {
      if (!this._hasBody) {
        this.chunkedEncoding = false;
      } else if (!this.useChunkedEncodingByDefault) {
        this._last = true;
      } else if (!state.trailer && !this._removedContLen && typeof this._contentLength === "number") {
        header += `Content-Length: ${this._contentLength}\r\n`;
      } else if (!this._removedTE) {
        header += "Transfer-Encoding: chunked\r\n";
        this.chunkedEncoding = true;
      } else {
        // Neither length nor chunking: the body ends when the connection does.
        this._last = true;
      }
    }

    if (this.chunkedEncoding !== true && state.trailer) {
      throw httpError(Error, "ERR_HTTP_TRAILER_INVALID", "Trailers are invalid with this transfer encoding");
    }

    this._header = header + CRLF;
    this._headerSent = false;
    // A request expecting 100-continue sends its head right away.
    if (state.expect) this._send("");
  }

  // --- writing --------------------------------------------------------------------------------

  // Writes `data`, the rendered head first if it has not gone yet (in the same socket write
  // when both are strings).
  _send(data, encoding, callback) {
    if (!this._headerSent && this._header !== null) {
      if (typeof data === "string" && (encoding === "utf8" || encoding === "latin1" || !encoding)) {
        data = this._header + data;
      } else {
        const header = this._header;
        this.outputData.unshift({ data: header, encoding: "latin1", callback: null });
        this.outputSize += header.length;
        this._onPendingData(header.length);
      }
      this._headerSent = true;
    }
    return this._writeRaw(data, encoding, callback);
  }

  _writeRaw(data, encoding, callback) {
    const conn = this.socket;
    if (conn?.destroyed) return false;
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = null;
    }
    if (conn && conn._httpMessage === this && conn.writable) {
      if (this.outputData.length) this._flushOutput(conn);
      return conn.write(data, encoding, callback);
    }
    this.outputData.push({ data, encoding, callback });
    this.outputSize += data.length;
    this._onPendingData(data.length);
    return this.outputSize < this[kHighWaterMark];
  }

  // Called when the message gets its socket: sends what was queued.
  _flush() {
    const socket = this.socket;
    if (socket && socket.writable) {
      const ret = this._flushOutput(socket);
      if (this.finished) this._finish();
      else if (ret && this[kNeedDrain]) {
        this[kNeedDrain] = false;
        this.emit("drain");
      }
    }
  }

  _flushOutput(socket) {
    while (this[kCorked]) {
      this[kCorked]--;
      socket.cork();
    }
    const outputData = this.outputData;
    if (outputData.length === 0) return undefined;
    socket.cork();
    let ret;
    for (let i = 0; i < outputData.length; i++) {
      const { data, encoding, callback } = outputData[i];
      ret = socket.write(data, encoding, callback);
    }
    socket.uncork();
    this.outputData = [];
    this._onPendingData(-this.outputSize);
    this.outputSize = 0;
    return ret;
  }

  _finish() {
    this.emit("prefinish");
  }

  write(chunk, encoding, callback) {
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = null;
    }
    const ret = writeChunk(this, chunk, encoding, callback, false);
    if (!ret) this[kNeedDrain] = true;
    return ret;
  }

  addTrailers(headers) {
    this._trailer = "";
    const entries = Array.isArray(headers) ? headers : Object.entries(headers);
    for (const [field, value] of entries) {
      validateHeaderName(field, "Trailer name");
      if (checkInvalidHeaderChar(String(value))) {
        throw httpError(TypeError, "ERR_INVALID_CHAR", `Invalid character in trailer content ["${field}"]`);
      }
      this._trailer += `${field}: ${value}\r\n`;
    }
  }

  end(chunk, encoding, callback) {
    if (typeof chunk === "function") {
      callback = chunk;
      chunk = null;
      encoding = null;
    } else if (typeof encoding === "function") {
      callback = encoding;
      encoding = null;
    }

    if (chunk) {
      if (this.finished) {
        onError(this, errWriteAfterEnd(), typeof callback === "function" ? callback : nop);
        return this;
      }
      if (this.socket) this.socket.cork();
      writeChunk(this, chunk, encoding, null, true);
    } else if (this.finished) {
      if (typeof callback === "function") {
        if (!this.writableFinished) this.on("finish", callback);
        else callback(httpError(Error, "ERR_STREAM_ALREADY_FINISHED", "Cannot call end after a stream was finished"));
      }
      return this;
    } else if (!this._header) {
      if (this.socket) this.socket.cork();
      this._contentLength = 0;
      this._implicitHeader();
    }

    if (typeof callback === "function") this.once("finish", callback);

    // 'finish' follows the socket's acknowledgement of the last bytes.
    const finish = () => {
      if (this.socket && this.socket._hadError) return;
      this.emit("finish");
    };
    if (this._hasBody && this.chunkedEncoding) {
      this._send(`0\r\n${this._trailer}\r\n`, "latin1", finish);
    } else if (!this._headerSent || this.writableLength || chunk) {
      this._send("", "latin1", finish);
    } else {
      process.nextTick(finish);
    }

    if (this.socket) {
      // Fully uncork: our cork above and any left by write().
      const ws = this.socket._writableState;
      if (ws) ws.corked = 1;
      this.socket.uncork();
    }
    this[kCorked] = 0;

    this.finished = true;

    // The message owns the socket and everything went out: 'prefinish' now.
    if (this.outputData.length === 0 && this.socket && this.socket._httpMessage === this) this._finish();
    return this;
  }

  flushHeaders() {
    if (!this._header) this._implicitHeader();
    this._send("");
  }

  pipe() {
    // OutgoingMessage is only writable.
    this.emit("error", httpError(Error, "ERR_STREAM_CANNOT_PIPE", "Cannot pipe, not readable"));
  }
}

function processHeader(self, state, key, value, validate) {
  if (validate) {
    validateHeaderName(key);
    validateHeaderValue(key, value);
  }
  if (Array.isArray(value)) {
    if (value.length < 2 || !isCookieField(key)) {
      for (let i = 0; i < value.length; i++) storeHeader(self, state, key, value[i]);
      return;
    }
    value = value.join("; ");
  }
  storeHeader(self, state, key, value);
}

function storeHeader(self, state, key, value) {
  state.header += `${key}: ${value}\r\n`;
  // Only the framing headers change how the message is sent.
  switch (key.length) {
    case 4:
      if (key.toLowerCase() === "date") state.date = true;
      break;
    case 6:
      if (key.toLowerCase() === "expect") state.expect = true;
      break;
    case 7:
      if (key.toLowerCase() === "trailer") state.trailer = true;
      break;
    case 10: {
      const k = key.toLowerCase();
      if (k === "connection") {
        state.connection = true;
        self._removedConnection = false;
        if (RE_CONN_CLOSE.test(value)) self._last = true;
        else self.shouldKeepAlive = true;
      } else if (k === "keep-alive") {
        self._defaultKeepAlive = false;
      }
      break;
    }
    case 14:
      if (key.toLowerCase() === "content-length") {
        state.contLen = true;
        self._contentLength = +value;
        self._removedContLen = false;
      }
      break;
    case 17:
      if (key.toLowerCase() === "transfer-encoding") {
        state.te = true;
        self._removedTE = false;
        if (RE_TE_CHUNKED.test(value)) self.chunkedEncoding = true;
      }
      break;
  }
}

function onError(msg, err, callback) {
  if (msg.destroyed) return;
  process.nextTick(() => {
    callback(err);
    if (!msg.destroyed) msg.emit("error", err);
  });
}

function uncorkSocket(socket) {
  socket.uncork();
}

function writeChunk(msg, chunk, encoding, callback, fromEnd) {
  if (typeof callback !== "function") callback = nop;
  if (chunk === null) {
    throw httpError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
  } else if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
    throw errInvalidArgType("chunk", "of type string or an instance of Buffer or Uint8Array", chunk);
  }
  let err;
  if (msg.finished) err = errWriteAfterEnd();
  else if (msg.destroyed) err = httpError(Error, "ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed");
  if (err) {
    if (!msg.destroyed) onError(msg, err, callback);
    else process.nextTick(callback, err);
    return false;
  }

  let len;
  if (!msg._header) {
    if (fromEnd) msg._contentLength = len = byteLength(chunk, encoding);
    msg._implicitHeader();
  }

  if (!msg._hasBody) {
    // HEAD, 204, 304: the body is dropped, as Node does.
    process.nextTick(callback);
    return true;
  }

  // Gather the writes of this tick into one socket write.
  if (!fromEnd && msg.socket && !msg.socket.writableCorked) {
    msg.socket.cork();
    process.nextTick(uncorkSocket, msg.socket);
  }

  if (msg.chunkedEncoding && chunk.length !== 0) {
    len ??= byteLength(chunk, encoding);
    if (typeof chunk === "string" && (!encoding || encoding === "utf8" || encoding === "utf-8")) {
      return msg._send(`${len.toString(16)}\r\n${chunk}\r\n`, encoding, callback);
    }
    msg._send(`${len.toString(16)}\r\n`, "latin1", null);
    msg._send(chunk, encoding, null);
    return msg._send(CRLF, null, callback);
  }
  return msg._send(chunk, encoding, callback);
}
