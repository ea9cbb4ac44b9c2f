// Web globals V8 does not provide: TextEncoder/TextDecoder, atob/btoa, structuredClone,
// queueMicrotask, performance. (EventTarget, AbortController, Blob, URL: ./web.js.)

import { core, now } from "./sys.js";

class TextEncoder {
  get encoding() {
    return "utf-8";
  }
  encode(input = "") {
    return core.encode(String(input));
  }
  encodeInto(src, dest) {
    const bytes = core.encode(String(src));
    const n = Math.min(bytes.length, dest.length);
    // Do not split a UTF-8 sequence.
    let end = n;
    if (end < bytes.length) while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    dest.set(bytes.subarray(0, end));
    const read = core.decode(bytes.subarray(0, end)).length;
    return { read, written: end };
  }
}

const LATIN1 = new Set(["latin1", "iso-8859-1", "ascii", "us-ascii", "windows-1252"]);

class TextDecoder {
  #enc;
  #fatal;
  #ignoreBOM;
  #pending = null;
  constructor(label = "utf-8", options = {}) {
    const enc = String(label).trim().toLowerCase();
    const norm = enc === "utf8" || enc === "unicode-1-1-utf-8" ? "utf-8" : enc;
    if (norm !== "utf-8" && norm !== "utf-16le" && !LATIN1.has(norm)) {
      const e = new RangeError(`The "${label}" encoding is not supported`);
      e.code = "ERR_ENCODING_NOT_SUPPORTED";
      throw e;
    }
    this.#enc = LATIN1.has(norm) ? "windows-1252" : norm;
    this.#fatal = !!options.fatal;
    this.#ignoreBOM = !!options.ignoreBOM;
  }
  get encoding() {
    return this.#enc;
  }
  get fatal() {
    return this.#fatal;
  }
  get ignoreBOM() {
    return this.#ignoreBOM;
  }
  decode(input, options = {}) {
    let bytes;
    if (input === undefined) bytes = new Uint8Array(0);
    else if (input instanceof ArrayBuffer || input instanceof SharedArrayBuffer) bytes = new Uint8Array(input);
    else if (ArrayBuffer.isView(input)) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    else throw Object.assign(new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView'), { code: "ERR_INVALID_ARG_TYPE" });
    if (this.#pending) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    if (this.#enc === "windows-1252") {
      let s = "";
      for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
      return s;
    }
    if (this.#enc === "utf-16le") {
      let s = "";
      const n = bytes.length & ~1;
      for (let i = 0; i < n; i += 2) s += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
      if (options.stream && n < bytes.length) this.#pending = bytes.slice(n);
      return !this.#ignoreBOM && s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
    }
    if (options.stream) {
      // Keep an incomplete trailing sequence for the next call.
      let i = bytes.length - 1;
      let back = 0;
      while (i >= 0 && back < 3 && (bytes[i] & 0xc0) === 0x80) {
        i--;
        back++;
      }
      if (i >= 0) {
        const b = bytes[i];
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (need > back + 1) {
          this.#pending = bytes.slice(i);
          bytes = bytes.subarray(0, i);
        }
      }
    }
    if (this.#fatal && !isValidUtf8(bytes)) {
      const e = new TypeError("The encoded data was not valid for encoding utf-8");
      e.code = "ERR_ENCODING_INVALID_ENCODED_DATA";
      throw e;
    }
    let s = core.decode(bytes);
    if (!this.#ignoreBOM && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    return s;
  }
}

function isValidUtf8(b) {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
    if (n < 0 || i + n >= b.length) return false;
    for (let k = 1; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return false;
    i += n + 1;
  }
  return true;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function invalidChar() {
  const e = new Error("Invalid character");
  e.name = "InvalidCharacterError";
  e.code = 5;
  return e;
}

function btoa(data) {
  if (arguments.length === 0) throw Object.assign(new TypeError('The "data" argument must be specified'), { code: "ERR_MISSING_ARGS" });
  const s = String(data);
  let out = "";
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    if (a > 255 || b > 255 || c > 255) throw invalidChar();
    const n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < s.length ? B64[n & 63] : "=");
  }
  return out;
}

function atob(data) {
  if (arguments.length === 0) throw Object.assign(new TypeError('The "data" argument must be specified'), { code: "ERR_MISSING_ARGS" });
  let s = String(data).replace(/[\t\n\f\r ]/g, "");
  if (s.length % 4 === 0) s = s.replace(/==?$/, "");
  if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw invalidChar();
  let out = "";
  let bits = 0;
  let acc = 0;
  for (const ch of s) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 255);
    }
  }
  return out;
}

function structuredClone(value, options) {
  if (arguments.length === 0) throw Object.assign(new TypeError('The "value" argument must be specified'), { code: "ERR_MISSING_ARGS" });
  try {
    return core.deserialize(core.serialize(value, { transferredArrayBuffers: options?.transfer }));
  } catch (e) {
    const err = new Error(e.message);
    err.name = "DataCloneError";
    err.code = 25;
    throw err;
  }
}

function queueMicrotask(cb) {
  if (typeof cb !== "function") throw Object.assign(new TypeError(`The "callback" argument must be of type function. Received ${typeof cb}`), { code: "ERR_INVALID_ARG_TYPE" });
  core.queueMicrotask?.(cb) ?? Promise.resolve().then(cb);
}

const timeOrigin = Date.now();
class PerformanceEntry {
  constructor(name, entryType, startTime, duration, detail) {
    Object.assign(this, { name, entryType, startTime, duration, detail });
  }
  toJSON() {
    return { ...this };
  }
}
const entries = [];
const performance = {
  now: () => now(),
  get timeOrigin() {
    return performance._origin ?? timeOrigin;
  },
  mark(name, opts = {}) {
    const e = new PerformanceEntry(name, "mark", opts.startTime ?? now(), 0, opts.detail ?? null);
    entries.push(e);
    return e;
  },
  measure(name, start, end) {
    const find = (n) => (typeof n === "string" ? entries.findLast((e) => e.name === n)?.startTime ?? 0 : n);
    let s = 0;
    let f = now();
    if (typeof start === "object" && start) {
      s = find(start.start ?? 0);
      f = start.end !== undefined ? find(start.end) : start.duration !== undefined ? s + start.duration : f;
    } else {
      if (start !== undefined) s = find(start);
      if (end !== undefined) f = find(end);
    }
    const e = new PerformanceEntry(name, "measure", s, f - s, null);
    entries.push(e);
    return e;
  },
  getEntries: () => entries.slice(),
  getEntriesByName: (n, t) => entries.filter((e) => e.name === n && (!t || e.entryType === t)),
  getEntriesByType: (t) => entries.filter((e) => e.entryType === t),
  clearMarks: (n) => remove("mark", n),
  clearMeasures: (n) => remove("measure", n),
  toJSON: () => ({ timeOrigin: performance.timeOrigin }),
  eventLoopUtilization: () => ({ idle: 0, active: 0, utilization: 0 }),
  timerify: (fn) => fn,
};
function remove(type, name) {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i].entryType === type && (name === undefined || entries[i].name === name)) entries.splice(i, 1);
}

export { TextEncoder, TextDecoder, btoa, atob, structuredClone, queueMicrotask, performance, PerformanceEntry };

export function install(g) {
  const define = (name, value) => Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  define("TextEncoder", TextEncoder);
  define("TextDecoder", TextDecoder);
  define("btoa", btoa);
  define("atob", atob);
  define("structuredClone", structuredClone);
  define("queueMicrotask", queueMicrotask);
  define("performance", performance);
}
