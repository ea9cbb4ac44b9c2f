// Pieces shared by the guest's `http` client and server: Node's error codes, header
// validation, METHODS / STATUS_CODES, the cached Date header and the glue between
// http-parser-js (a pure-JS stand-in for Node's HTTPParser binding) and IncomingMessage.

import { HTTPParser, methods as parserMethods } from "http-parser-js";
import { IncomingMessage } from "./http_incoming.js";

// --- errors -----------------------------------------------------------------------------------

/// An error carrying Node's `code`, with Node's `Name [CODE]: message` in its stack.
export function httpError(Ctor, code, message, props) {
  const e = new Ctor(message);
  e.code = code;
  if (props) Object.assign(e, props);
  if (typeof e.stack === "string") e.stack = e.stack.replace(/^[^:\n]*:/, `${e.name} [${code}]:`);
  return e;
}

/// Node's ConnResetException: "socket hang up" / "aborted", code ECONNRESET.
export function connResetException(message) {
  const e = new Error(message);
  e.code = "ECONNRESET";
  return e;
}

export const errHeadersSent = (what) => httpError(Error, "ERR_HTTP_HEADERS_SENT", `Cannot ${what} headers after they are sent to the client`);
export const errWriteAfterEnd = () => httpError(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end");

export function errInvalidArgType(name, expected, value) {
  let received;
  if (value == null) received = ` Received ${value}`;
  else if (typeof value === "function") received = ` Received function ${value.name}`;
  else if (typeof value === "object") received = ` Received an instance of ${value.constructor?.name ?? "Object"}`;
  else received = ` Received type ${typeof value} (${typeof value === "string" ? `'${value}'` : String(value)})`;
  const what = name.includes(".") ? "property" : "argument";
  return httpError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" ${what} must be ${expected}.${received}`);
}

export function validateString(value, name) {
  if (typeof value !== "string") throw errInvalidArgType(name, "of type string", value);
}

// --- header validation ------------------------------------------------------------------------

const tokenRegExp = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
/// RFC 9110 token (header names, methods).
export const checkIsHttpToken = (s) => tokenRegExp.test(s);
const headerCharRegex = /[^\t\x20-\x7e\x80-\xff]/;
/// True if the value holds a character not allowed in a header value.
export const checkInvalidHeaderChar = (s) => headerCharRegex.test(s);

export function validateHeaderName(name, label = "Header name") {
  if (typeof name !== "string" || !name || !tokenRegExp.test(name)) {
    throw httpError(TypeError, "ERR_INVALID_HTTP_TOKEN", `${label} must be a valid HTTP token ["${name}"]`);
  }
}

export function validateHeaderValue(name, value) {
  if (value === undefined) {
    throw httpError(TypeError, "ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "${value}" for header "${name}"`);
  }
  if (checkInvalidHeaderChar(String(value)) || (Array.isArray(value) && value.some((v) => checkInvalidHeaderChar(String(v))))) {
    throw httpError(TypeError, "ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
  }
}

// --- tables -----------------------------------------------------------------------------------

// llhttp's methods (Node 22), sorted as http.METHODS is. The parser knows all but QUERY.
if (!parserMethods.includes("QUERY")) parserMethods.push("QUERY");
export const METHODS = [
  "ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK",
  "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS",
  "PATCH", "POST", "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT",
  "SEARCH", "SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE",
];

export const STATUS_CODES = {
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
  200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
  204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
  208: "Already Reported", 226: "IM Used",
  300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
  304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
  404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
  407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
  411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
  414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable",
  417: "Expectation Failed", 418: "I'm a Teapot", 421: "Misdirected Request",
  422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency", 425: "Too Early",
  426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
  431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
  503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
  506: "Variant Also Negotiates", 507: "Insufficient Storage", 508: "Loop Detected",
  509: "Bandwidth Limit Exceeded", 510: "Not Extended", 511: "Network Authentication Required",
};

/// Node's --max-http-header-size default.
export const maxHeaderSize = 16384;

// The Date header, rendered at most once a second.
let dateSecond = -1;
let dateString = "";
export function utcDate() {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateString = new Date(now).toUTCString();
  }
  return dateString;
}

// --- parser -----------------------------------------------------------------------------------

export const kIncomingMessage = Symbol("IncomingMessage");
export { HTTPParser };

// llhttp's reasons for the errors http-parser-js reports without a code.
function normalizeParseError(e) {
  if (!(e instanceof Error)) return e;
  if (!e.code) {
    if (/header size/.test(e.message)) {
      e.code = "HPE_HEADER_OVERFLOW";
      e.message = "Parse Error: Header overflow";
    } else if (/method/.test(e.message)) {
      e.code = "HPE_INVALID_METHOD";
      e.message = "Parse Error: Invalid method encountered";
    } else if (/EOF/.test(e.message)) {
      e.code = "HPE_INVALID_EOF_STATE";
      e.message = "Parse Error: Invalid EOF state";
    } else {
      e.code = "HPE_INVALID_CONSTANT";
      e.message = `Parse Error: ${e.message}`;
    }
  } else if (e.message === "Parse Error") {
    e.message = `Parse Error: ${e.code === "HPE_INVALID_CONSTANT" ? "Expected HTTP/, RTSP/ or ICE/" : e.code}`;
  }
  return e;
}

// Callbacks http-parser-js calls, with the parser as `this`. Each message gets an
// IncomingMessage; `parser.onIncoming(incoming, shouldKeepAlive)` (set by the server or
// client) returns what llhttp's on_headers_complete does: 0, 1 (skip body) or 2 (upgrade).
function onHeadersComplete(info) {
  const Ctor = this[kIncomingMessage] || IncomingMessage;
  const incoming = (this.incoming = new Ctor(this.socket));
  incoming.httpVersionMajor = info.versionMajor;
  incoming.httpVersionMinor = info.versionMinor;
  incoming.httpVersion = `${info.versionMajor}.${info.versionMinor}`;
  incoming.rawHeaders = this.maxHeaderPairs > 0 && info.headers.length > this.maxHeaderPairs ? info.headers.slice(0, this.maxHeaderPairs) : info.headers;
  incoming.joinDuplicateHeaders = !!this.joinDuplicateHeaders;
  if (typeof info.method === "number") {
    incoming.method = parserMethods[info.method];
    incoming.url = info.url;
  } else {
    incoming.statusCode = info.statusCode;
    incoming.statusMessage = info.statusMessage;
  }
  incoming.upgrade = !!info.upgrade;
  return this.onIncoming(incoming, !!info.shouldKeepAlive);
}

function onTrailers(trailers) {
  const incoming = this.incoming;
  if (incoming) incoming.rawTrailers = trailers;
}

function onBody(chunk) {
  const stream = this.incoming;
  if (!stream || stream._dumped) return;
  if (chunk.length && !stream.push(chunk)) readStop(this.socket);
}

function onMessageComplete() {
  const stream = this.incoming;
  if (!stream) return;
  stream.complete = true;
  if (!stream.upgrade) {
    stream.push(null);
  }
  readStart(this.socket);
}

/// A parser for requests (`HTTPParser.REQUEST`) or responses, with our callbacks.
export function createParser(type, socket, onIncoming, options = {}) {
  const parser = new HTTPParser(type);
  parser[HTTPParser.kOnHeadersComplete] = onHeadersComplete;
  parser[HTTPParser.kOnHeaders] = onTrailers;
  parser[HTTPParser.kOnBody] = onBody;
  parser[HTTPParser.kOnMessageComplete] = onMessageComplete;
  parser.socket = socket;
  parser.incoming = null;
  parser.onIncoming = onIncoming;
  parser.maxHeaderSize = options.maxHeaderSize || maxHeaderSize;
  parser.maxHeaderPairs = options.maxHeadersCount > 0 ? options.maxHeadersCount * 2 : 0;
  parser.joinDuplicateHeaders = options.joinDuplicateHeaders;
  if (options.IncomingMessage) parser[kIncomingMessage] = options.IncomingMessage;
  return parser;
}

/// Feeds `data[start..]` to the parser: the bytes consumed, or an Error with Node's fields.
export function parserExecute(parser, data, start = 0) {
  const ret = parser.execute(data, start, data.length - start);
  if (ret instanceof Error) {
    const e = normalizeParseError(ret);
    // llhttp rejects an unknown method before looking at the rest of the line.
    if (e.code === "HPE_INVALID_CONSTANT" && parser.state === "REQUEST_LINE") {
      const method = /^[^ \r\n]*/.exec(data.toString("latin1", start, Math.min(data.length, start + 32)))[0];
      if (!parserMethods.includes(method)) {
        e.code = "HPE_INVALID_METHOD";
        e.message = "Parse Error: Invalid method encountered";
      }
    }
    e.bytesParsed = parser.offset ?? 0;
    e.rawPacket = data;
    return e;
  }
  return ret;
}

/// The parser's end of input: an Error if the message was cut short.
export function parserFinish(parser) {
  const ret = parser.finish();
  return ret instanceof Error ? normalizeParseError(ret) : undefined;
}

/// Stops reading the socket while an IncomingMessage's buffer is full.
export function readStop(socket) {
  if (socket && !socket.isPaused?.()) socket.pause();
}

/// Resumes reading the socket unless the server paused it for back-pressure.
export function readStart(socket) {
  if (socket && !socket._paused && socket.readable && socket.isPaused?.()) socket.resume();
}
