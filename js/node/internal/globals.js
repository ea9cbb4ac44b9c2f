// Web globals V8 does not provide: TextEncoder/TextDecoder, atob/btoa, structuredClone,
// queueMicrotask, performance. (EventTarget, AbortController, Blob, URL: ./web.js.)

import { core, now } from "./sys.js";
import { fixNames } from "./names.js";
import { invalidArgType } from "./errors.js";

const kInspect = Symbol.for("nodejs.util.inspect.custom");

class TextEncoder {
  get encoding() {
    return "utf-8";
  }
  // As Node prints it (its inspect builds an object whose constructor it does not name).
  [kInspect](depth, options, inspect) {
    return depth < 0 ? this : inspect({ encoding: this.encoding }, options);
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
  // In streaming decodes, only the stream's first bytes may be a BOM.
  #bomDone = false;
  constructor(label = "utf-8", options = {}) {
    const enc = String(label).trim().toLowerCase();
    const norm = enc === "utf8" || enc === "unicode-1-1-utf-8" ? "utf-8" : enc === "utf-16" || enc === "ucs-2" || enc === "unicode" ? "utf-16le" : enc;
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
  [kInspect](depth, options, inspect) {
    if (depth < 0) return this;
    const o = { __proto__: TextDecoder.prototype, encoding: this.#enc, fatal: this.#fatal, ignoreBOM: this.#ignoreBOM };
    return inspect(o, { ...options, customInspect: false });
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
      // Byte for code point, as Node 22 decodes 'latin1' (not WHATWG's windows-1252 table).
      return s;
    }
    if (this.#enc === "utf-16le") {
      let s = "";
      const n = bytes.length & ~1;
      for (let i = 0; i < n; i += 2) s += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
      if (options.stream && n < bytes.length) this.#pending = bytes.slice(n);
      return this.#stripBOM(s, options.stream);
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
    // core.decode drops a leading BOM itself; whether one is dropped is decided here.
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    return this.#stripBOM(bom ? "\ufeff" + core.decode(bytes.subarray(3)) : core.decode(bytes), options.stream);
  }
  #stripBOM(s, stream) {
    const seen = this.#bomDone || s.length > 0;
    if (!this.#ignoreBOM && !this.#bomDone && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    // A decode() without {stream: true} ends the stream: the next one starts a new stream.
    this.#bomDone = !!stream && seen;
    return s;
  }
}


// Well-formed UTF-8: no overlong forms, surrogates, or code points past U+10FFFF.
function isValidUtf8(b) {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return false;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      if ((b[i + k] & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    if (cp < [0, 0x80, 0x800, 0x10000][n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += n + 1;
  }
  return true;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// DOMException comes from ../web.js, installed on the global after this module (which must not
// import web.js: whatwg-url needs the TextEncoder installed here before it loads).
function invalidChar() {
  return new globalThis.DOMException("Invalid character", "InvalidCharacterError");
}

function btoa(data) {
  if (arguments.length === 0) throw Object.assign(new TypeError('The "input" argument must be specified'), { code: "ERR_MISSING_ARGS" });
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
  if (arguments.length === 0) throw Object.assign(new TypeError('The "input" argument must be specified'), { code: "ERR_MISSING_ARGS" });
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
  if (arguments.length === 0) throw Object.assign(new TypeError("The value argument must be specified"), { code: "ERR_MISSING_ARGS" });
  try {
    return core.deserialize(core.serialize(value, { transferredArrayBuffers: options?.transfer }));
  } catch (e) {
    throw new globalThis.DOMException(e.message, "DataCloneError");
  }
}

// deno_core's own (installed on the global before this module runs): it reports a callback's
// exception through core.setReportExceptionCallback, i.e. as an uncaught exception.
const denoQueueMicrotask = globalThis.queueMicrotask;

function queueMicrotask(cb) {
  if (typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
  denoQueueMicrotask(cb);
}

// The process's start, in epoch ms: computed on first use in each process (a value computed here
// would be the time the snapshot was built).
let timeOrigin;
const origin = () => (timeOrigin ??= Date.now() - now());
class PerformanceEntry {
  #name;
  #type;
  #start;
  #duration;
  #detail;
  constructor(name, entryType, startTime, duration, detail = null) {
    this.#name = String(name);
    this.#type = entryType;
    this.#start = startTime;
    this.#duration = duration;
    this.#detail = detail;
  }
  get name() {
    return this.#name;
  }
  get entryType() {
    return this.#type;
  }
  get startTime() {
    return this.#start;
  }
  get duration() {
    return this.#duration;
  }
  get detail() {
    return this.#detail;
  }
  toJSON() {
    return { name: this.#name, entryType: this.#type, startTime: this.#start, duration: this.#duration, detail: this.#detail };
  }
  [Symbol.for("nodejs.util.inspect.custom")](depth, options, inspect) {
    return `${this.constructor.name} ${inspect(this.toJSON(), options)}`;
  }
}

class PerformanceMark extends PerformanceEntry {
  constructor(name, options = {}) {
    if (arguments.length === 0) throw Object.assign(new TypeError('The "name" argument must be specified'), { code: "ERR_MISSING_ARGS" });
    const start = options?.startTime ?? now();
    if (typeof start !== "number" || start < 0) {
      throw Object.assign(new TypeError(`The "options.startTime" property must be of type number. Received ${typeof start}`), { code: "ERR_INVALID_ARG_TYPE" });
    }
    super(name, "mark", start, 0, options?.detail === undefined ? null : structuredClone(options.detail));
  }
}

class PerformanceMeasure extends PerformanceEntry {}

// A fetch's timing (entry type "resource"), as Node's lib/internal/perf/resource_timing.js makes
// it from the fetch spec's timing info that undici passes to performance.markResourceTiming.
const kMakeResource = Symbol("makeResource");
class PerformanceResourceTiming extends PerformanceEntry {
  #timing;
  #initiatorType;
  #cacheMode;
  #deliveryType;
  #responseStatus;
  constructor(token, requestedUrl, initiatorType, timingInfo, cacheMode, responseStatus, deliveryType) {
    if (token !== kMakeResource) throw Object.assign(new TypeError("Illegal constructor"), { code: "ERR_ILLEGAL_CONSTRUCTOR" });
    super(requestedUrl, "resource", timingInfo.startTime, timingInfo.endTime - timingInfo.startTime, null);
    this.#timing = timingInfo;
    this.#initiatorType = initiatorType;
    this.#cacheMode = cacheMode;
    this.#responseStatus = responseStatus;
    this.#deliveryType = deliveryType;
  }
  get initiatorType() {
    return this.#initiatorType;
  }
  get workerStart() {
    return this.#timing.finalServiceWorkerStartTime;
  }
  get redirectStart() {
    return this.#timing.redirectStartTime;
  }
  get redirectEnd() {
    return this.#timing.redirectEndTime;
  }
  get fetchStart() {
    return this.#timing.postRedirectStartTime;
  }
  get domainLookupStart() {
    return this.#timing.finalConnectionTimingInfo?.domainLookupStartTime;
  }
  get domainLookupEnd() {
    return this.#timing.finalConnectionTimingInfo?.domainLookupEndTime;
  }
  get connectStart() {
    return this.#timing.finalConnectionTimingInfo?.connectionStartTime;
  }
  get connectEnd() {
    return this.#timing.finalConnectionTimingInfo?.connectionEndTime;
  }
  get secureConnectionStart() {
    return this.#timing.finalConnectionTimingInfo?.secureConnectionStartTime;
  }
  get nextHopProtocol() {
    return this.#timing.finalConnectionTimingInfo?.ALPNNegotiatedProtocol;
  }
  get requestStart() {
    return this.#timing.finalNetworkRequestStartTime;
  }
  get responseStart() {
    return this.#timing.finalNetworkResponseStartTime;
  }
  get responseEnd() {
    return this.#timing.endTime;
  }
  get encodedBodySize() {
    return this.#timing.encodedBodySize;
  }
  get decodedBodySize() {
    return this.#timing.decodedBodySize;
  }
  get transferSize() {
    if (this.#cacheMode === "local") return 0;
    if (this.#cacheMode === "validated") return 300;
    return this.#timing.encodedBodySize + 300;
  }
  get deliveryType() {
    return this.#deliveryType;
  }
  get responseStatus() {
    return this.#responseStatus;
  }
  toJSON() {
    return {
      name: this.name,
      entryType: this.entryType,
      startTime: this.startTime,
      duration: this.duration,
      initiatorType: this.initiatorType,
      nextHopProtocol: this.nextHopProtocol,
      workerStart: this.workerStart,
      redirectStart: this.redirectStart,
      redirectEnd: this.redirectEnd,
      fetchStart: this.fetchStart,
      domainLookupStart: this.domainLookupStart,
      domainLookupEnd: this.domainLookupEnd,
      connectStart: this.connectStart,
      connectEnd: this.connectEnd,
      secureConnectionStart: this.secureConnectionStart,
      requestStart: this.requestStart,
      responseStart: this.responseStart,
      responseEnd: this.responseEnd,
      transferSize: this.transferSize,
      encodedBodySize: this.encodedBodySize,
      decodedBodySize: this.decodedBodySize,
      deliveryType: this.deliveryType,
      responseStatus: this.responseStatus,
    };
  }
}

const entries = [];
/// PerformanceObservers (perf_hooks.js): each gets the entries of the types it observes.
export const observers = new Set();

function record(entry) {
  entries.push(entry);
  for (const o of observers) o._enqueue(entry);
  return entry;
}

const byStart = (list) => list.slice().sort((a, b) => a.startTime - b.startTime);

function markTime(name) {
  if (typeof name === "number") return name;
  const e = entries.findLast((x) => x.name === name && x.entryType === "mark");
  if (!e) throw new globalThis.DOMException(`The "${name}" performance mark has not been set`, "SyntaxError");
  return e.startTime;
}

class Performance {
  constructor() {
    throw Object.assign(new TypeError("Illegal constructor"), { code: "ERR_ILLEGAL_CONSTRUCTOR" });
  }
}

// The methods below, on an object of class Performance (descriptors copied: timeOrigin is a getter).
const performanceMethods = {
  now: () => now(),
  get timeOrigin() {
    return origin();
  },
  mark(name, options) {
    return record(new PerformanceMark(name, options));
  },
  measure(name, startOrOptions, endMark) {
    let start = 0;
    let end = now();
    let detail = null;
    if (startOrOptions !== null && typeof startOrOptions === "object") {
      const o = startOrOptions;
      detail = o.detail ?? null;
      if (o.start !== undefined) start = markTime(o.start);
      if (o.end !== undefined) end = markTime(o.end);
      else if (o.duration !== undefined) end = start + o.duration;
      if (o.start === undefined && o.duration !== undefined && o.end !== undefined) start = end - o.duration;
    } else {
      if (startOrOptions !== undefined) start = markTime(startOrOptions);
      if (endMark !== undefined) end = markTime(endMark);
    }
    return record(new PerformanceMeasure(name, "measure", start, end - start, detail));
  },
  // In start-time order, as Node lists them.
  getEntries: () => byStart(entries),
  getEntriesByName: (n, t) => byStart(entries.filter((e) => e.name === n && (!t || e.entryType === t))),
  getEntriesByType: (t) => byStart(entries.filter((e) => e.entryType === t)),
  clearMarks: (n) => remove("mark", n),
  clearMeasures: (n) => remove("measure", n),
  clearResourceTimings: () => remove("resource"),
  // Called by fetch (undici) when a response ends, unbound (Node's does not use `this` either).
  markResourceTiming: (timingInfo, requestedUrl, initiatorType, global, cacheMode, bodyInfo, responseStatus, deliveryType = "") =>
    record(new PerformanceResourceTiming(kMakeResource, requestedUrl, initiatorType, timingInfo, cacheMode, responseStatus, deliveryType)),
  setResourceTimingBufferSize: () => {},
  toJSON: () => ({ timeOrigin: performance.timeOrigin, eventLoopUtilization: performance.eventLoopUtilization() }),
  // The VM does not measure loop idleness: the loop is reported as always active.
  eventLoopUtilization: () => ({ idle: 0, active: now(), utilization: 1 }),
  // timerify: a wrapper that records a 'function' entry per call.
  timerify(fn) {
    if (typeof fn !== "function") throw Object.assign(new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`), { code: "ERR_INVALID_ARG_TYPE" });
    const timed = function (...args) {
      const t0 = now();
      const r = new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
      record(new PerformanceEntry(fn.name, "function", t0, now() - t0, args));
      return r;
    };
    Object.defineProperty(timed, "name", { value: `timerified ${fn.name}` });
    return timed;
  },
};
const performance = Object.create(Performance.prototype, Object.getOwnPropertyDescriptors(performanceMethods));
Object.defineProperty(Performance.prototype, Symbol.toStringTag, { value: "Performance", configurable: true });
function remove(type, name) {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i].entryType === type && (name === undefined || entries[i].name === name)) entries.splice(i, 1);
}

export { TextEncoder, TextDecoder, btoa, atob, structuredClone, queueMicrotask, performance, Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure, PerformanceResourceTiming };

fixNames({ TextEncoder, TextDecoder, Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure, PerformanceResourceTiming });

// V8 internals for util.inspect (promise state, proxy details): js/patches/inspect.mjs makes
// node-inspect-extracted use these instead of its stubs.
Object.defineProperty(globalThis, Symbol.for("agentos.inspect.core"), {
  value: Object.freeze({ getPromiseDetails: core.getPromiseDetails, getProxyDetails: core.getProxyDetails }),
});

export function install(g) {
  const define = (name, value) => Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  define("TextEncoder", TextEncoder);
  define("TextDecoder", TextDecoder);
  define("btoa", btoa);
  define("atob", atob);
  define("structuredClone", structuredClone);
  define("queueMicrotask", queueMicrotask);
  define("performance", performance);
  define("Performance", Performance);
  define("PerformanceEntry", PerformanceEntry);
  define("PerformanceMark", PerformanceMark);
  define("PerformanceMeasure", PerformanceMeasure);
}
