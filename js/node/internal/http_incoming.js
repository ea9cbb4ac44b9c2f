// http.IncomingMessage: a request on the server, a response on the client. The parser
// (internal/http_common.js) pushes body chunks into it and pauses the socket when it is full.

import { Readable } from "../stream.js";

const kHeaders = Symbol("headers");
/// The errors a server gives requests cut off by their connection's end.
export const peerAborted = new WeakSet();
const kHeadersDistinct = Symbol("headersDistinct");
const kTrailers = Symbol("trailers");
const kTrailersDistinct = Symbol("trailersDistinct");

// How Node folds a repeated header into `headers`: these keep their first value...
const firstWins = new Set([
  "content-type", "content-length", "user-agent", "referer", "host", "authorization",
  "proxy-authorization", "if-modified-since", "if-unmodified-since", "from", "location",
  "max-forwards", "retry-after", "etag", "last-modified", "server", "age", "expires",
]);

// ...set-cookie becomes an array, cookie is joined with "; ", the rest with ", ".
function addHeaderLine(field, value, dest, joinDuplicates) {
  const key = field.toLowerCase();
  const prev = dest[key];
  if (prev === undefined) {
    dest[key] = key === "set-cookie" ? [value] : value;
  } else if (key === "set-cookie") {
    prev.push(value);
  } else if (key === "cookie") {
    dest[key] = `${prev}; ${value}`;
  } else if (joinDuplicates || !firstWins.has(key)) {
    dest[key] = `${prev}, ${value}`;
  }
}

function buildHeaders(raw, joinDuplicates) {
  const dest = {};
  for (let i = 0; i + 1 < raw.length; i += 2) addHeaderLine(raw[i], raw[i + 1], dest, joinDuplicates);
  return dest;
}

function buildDistinct(raw) {
  const dest = { __proto__: null };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i].toLowerCase();
    if (dest[key] === undefined) dest[key] = [raw[i + 1]];
    else dest[key].push(raw[i + 1]);
  }
  return dest;
}

export class IncomingMessage extends Readable {
  constructor(socket) {
    super({ autoDestroy: true, emitClose: true });
    this._readableState.readingMore = true;
    this.socket = socket;
    this.httpVersionMajor = null;
    this.httpVersionMinor = null;
    this.httpVersion = null;
    this.complete = false;
    this.rawHeaders = [];
    this.rawTrailers = [];
    this.joinDuplicateHeaders = false;
    this.aborted = false;
    this.upgrade = null;
    this.url = "";
    this.method = null;
    this.statusCode = null;
    this.statusMessage = null;
    this.client = socket;
    this._consuming = false;
    this._dumped = false;
    this[kHeaders] = null;
    this[kHeadersDistinct] = null;
    this[kTrailers] = null;
    this[kTrailersDistinct] = null;
  }

  // Headers are built from rawHeaders on first use (most handlers read one or two).
  get headers() {
    return (this[kHeaders] ??= buildHeaders(this.rawHeaders, this.joinDuplicateHeaders));
  }
  set headers(v) {
    this[kHeaders] = v;
  }
  get headersDistinct() {
    return (this[kHeadersDistinct] ??= buildDistinct(this.rawHeaders));
  }
  set headersDistinct(v) {
    this[kHeadersDistinct] = v;
  }
  get trailers() {
    return (this[kTrailers] ??= buildHeaders(this.rawTrailers, this.joinDuplicateHeaders));
  }
  set trailers(v) {
    this[kTrailers] = v;
  }
  get trailersDistinct() {
    return (this[kTrailersDistinct] ??= buildDistinct(this.rawTrailers));
  }
  set trailersDistinct(v) {
    this[kTrailersDistinct] = v;
  }

  get connection() {
    return this.socket;
  }
  set connection(v) {
    this.socket = v;
  }

  setTimeout(msecs, callback) {
    if (callback) this.on("timeout", callback);
    this.socket?.setTimeout(msecs);
    return this;
  }

  // The consumer wants more: let the socket flow again (the parser paused it when push()
  // returned false).
  _read() {
    if (!this._consuming) {
      this._readableState.readingMore = false;
      this._consuming = true;
    }
    const socket = this.socket;
    if (socket && socket.readable && !socket._paused && socket.isPaused?.()) socket.resume();
  }

  _destroy(err, cb) {
    if (!this.readableEnded || !this.complete) {
      this.aborted = true;
      this.emit("aborted");
    }
    // As Node: the error is emitted only when someone listens for it.
    const done = () => process.nextTick(() => cb(this.listenerCount("error") === 0 ? null : err));
    // A message torn down before its end takes the connection with it. The server's own
    // "aborted" (the peer went away) is not the socket's error: no 'clientError' for it.
    const socket = this.socket;
    if (socket && !socket.destroyed && this.aborted) {
      socket.destroy(err && peerAborted.has(err) ? undefined : err);
      socket.once("close", done);
    } else {
      done();
    }
  }

  // Reads and discards the rest of the body, so that the connection can carry the next message.
  _dump() {
    if (!this._dumped) {
      this._dumped = true;
      this.removeAllListeners("data");
      this.resume();
    }
  }
}
