// Web platform globals Node provides: DOMException, Event/EventTarget/CustomEvent,
// AbortController/AbortSignal, Blob/File, URL/URLSearchParams (whatwg-url), MessageChannel,
// MessagePort, BroadcastChannel, and the WHATWG streams (web-streams-polyfill).
// fetch, Request, Response, Headers, FormData and WebSocket: ./internal/fetch.js (undici, loaded
// on first use).

import { inspect } from "node-inspect-extracted";
import { core, sys } from "./internal/sys.js";

const sysOs = () => sys("os");
import * as timers from "./internal/timers.js";
import { fixNames } from "./internal/names.js";
import { invalidArgType } from "./internal/errors.js";
import { structuredClone } from "./internal/globals.js";
import { install as installFetch } from "./internal/fetch.js";
// Patches of the shared Buffer and EventEmitter classes: they must hold from process start, not
// from the first require("buffer") / require("events") (builtins load lazily).
import "./internal/buffer_patch.js";
import "./events.js";

const kInspect = Symbol.for("nodejs.util.inspect.custom");

const argTypeError = invalidArgType;

function missingArgs(message) {
  return Object.assign(new TypeError(message), { code: "ERR_MISSING_ARGS" });
}

// --- DOMException -------------------------------------------------------------------------

const DOM_CODES = {
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
};

export class DOMException extends Error {
  #name;
  #code;
  constructor(message = "", options = "Error") {
    super(String(message), typeof options === "object" && options && "cause" in options ? { cause: options.cause } : undefined);
    this.#name = typeof options === "object" && options ? String(options.name ?? "Error") : String(options);
    this.#code = DOM_CODES[this.#name] ?? 0;
  }
  get name() {
    return this.#name;
  }
  get code() {
    return this.#code;
  }
}
Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });
for (const [name, code] of Object.entries(DOM_CODES)) {
  const key = name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase().replace(/_ERROR$/, "_ERR");
  Object.defineProperty(DOMException, key, { value: code, enumerable: true });
  Object.defineProperty(DOMException.prototype, key, { value: code, enumerable: true });
}

// --- Event / EventTarget --------------------------------------------------------------------

const kStop = Symbol("stopImmediate");

export class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #canceled = false;
  #passive = false;
  #target = null;
  #current = null;
  #phase = 0;
  #timeStamp;
  constructor(type, options = {}) {
    if (arguments.length === 0) throw missingArgs('The "type" argument must be specified');
    if (options !== null && options !== undefined && typeof options !== "object") throw argTypeError("options", "of type object", options);
    this.#type = String(type);
    this.#bubbles = !!options?.bubbles;
    this.#cancelable = !!options?.cancelable;
    this.#composed = !!options?.composed;
    this.#timeStamp = globalThis.performance?.now() ?? 0;
    this[kStop] = false;
    this.cancelBubble = false;
  }
  get type() {
    return this.#type;
  }
  get bubbles() {
    return this.#bubbles;
  }
  get cancelable() {
    return this.#cancelable;
  }
  get composed() {
    return this.#composed;
  }
  get defaultPrevented() {
    return this.#cancelable && this.#canceled;
  }
  get returnValue() {
    return !this.defaultPrevented;
  }
  get target() {
    return this.#target;
  }
  get currentTarget() {
    return this.#current;
  }
  get srcElement() {
    return this.#target;
  }
  get eventPhase() {
    return this.#phase;
  }
  get timeStamp() {
    return this.#timeStamp;
  }
  get isTrusted() {
    return false;
  }
  composedPath() {
    return this.#phase === 0 || !this.#current ? [] : [this.#current];
  }
  preventDefault() {
    if (!this.#passive) this.#canceled = true;
  }
  stopPropagation() {
    this.cancelBubble = true;
  }
  stopImmediatePropagation() {
    this.cancelBubble = true;
    this[kStop] = true;
  }
  // Used by EventTarget#dispatchEvent.
  static _dispatching(e, target, phase, passive) {
    if (target !== undefined) e.#target = e.#target ?? target;
    e.#current = phase ? target : null;
    e.#phase = phase;
    e.#passive = passive;
  }
  [kInspect](depth, options) {
    const name = this.constructor.name;
    if (depth < 0) return name;
    return `${name} ${inspect({ type: this.#type, defaultPrevented: this.defaultPrevented, cancelable: this.#cancelable, timeStamp: this.#timeStamp }, { ...options, depth: options.depth == null ? null : options.depth - 1 })}`;
  }
}
for (const [k, v] of Object.entries({ NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 })) {
  Object.defineProperty(Event, k, { value: v, enumerable: true });
  Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
}
Object.defineProperty(Event.prototype, Symbol.toStringTag, { value: "Event", configurable: true });
const dispatching = Event._dispatching;
delete Event._dispatching;

export class CustomEvent extends Event {
  #detail;
  constructor(type, options = {}) {
    super(type, options);
    this.#detail = options?.detail ?? null;
  }
  get detail() {
    return this.#detail;
  }
}

export class MessageEvent extends Event {
  #init;
  constructor(type, options = {}) {
    super(type, options);
    this.#init = options ?? {};
  }
  get data() {
    return this.#init.data ?? null;
  }
  get origin() {
    return this.#init.origin ?? "";
  }
  get lastEventId() {
    return this.#init.lastEventId ?? "";
  }
  get source() {
    return this.#init.source ?? null;
  }
  get ports() {
    return this.#init.ports ?? [];
  }
}

// Errors thrown by listeners do not stop dispatch; they surface as uncaught exceptions, as in
// Node (a microtask that rethrows).
function reportError(err) {
  queueMicrotask(() => {
    throw err;
  });
}

const kListeners = Symbol("kListeners");

export class EventTarget {
  constructor() {
    this[kListeners] = new Map();
  }
  addEventListener(type, listener, options = {}) {
    if (arguments.length < 2) throw missingArgs('The "type" and "listener" arguments must be specified');
    if (listener == null) return;
    if (typeof listener !== "function" && typeof listener?.handleEvent !== "function" && typeof listener !== "object") {
      throw argTypeError("listener", "an instance of EventListener", listener);
    }
    const opts = typeof options === "boolean" ? { capture: options } : options ?? {};
    const capture = !!opts.capture;
    const signal = opts.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw argTypeError("options.signal", "an instance of AbortSignal", signal);
    if (signal?.aborted) return;
    type = String(type);
    const map = (this[kListeners] ??= new Map());
    let list = map.get(type);
    if (!list) map.set(type, (list = []));
    if (list.some((l) => l.listener === listener && l.capture === capture)) return;
    const rec = { listener, capture, once: !!opts.once, passive: !!opts.passive, removed: false };
    list.push(rec);
    if (signal) {
      signal.addEventListener("abort", () => this.removeEventListener(type, listener, { capture }), { once: true });
    }
  }
  removeEventListener(type, listener, options = {}) {
    const capture = typeof options === "boolean" ? options : !!options?.capture;
    const list = this[kListeners]?.get(String(type));
    if (!list) return;
    const i = list.findIndex((l) => l.listener === listener && l.capture === capture);
    if (i >= 0) {
      list[i].removed = true;
      list.splice(i, 1);
    }
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) throw argTypeError("event", "an instance of Event", event);
    if (event.eventPhase !== 0) throw new DOMException("The event is already being dispatched.", "InvalidStateError");
    const list = this[kListeners]?.get(event.type);
    dispatching(event, this, 2, false);
    const records = list ? list.slice() : [];
    for (const rec of records) {
      if (rec.removed) continue;
      if (rec.once) this.removeEventListener(event.type, rec.listener, { capture: rec.capture });
      dispatching(event, this, 2, rec.passive);
      try {
        const l = rec.listener;
        const r = typeof l === "function" ? l.call(this, event) : l.handleEvent(event);
        if (r && typeof r.then === "function") r.then(undefined, reportError);
      } catch (err) {
        reportError(err);
      }
      if (event[kStop]) break;
    }
    dispatching(event, undefined, 0, false);
    return !event.defaultPrevented;
  }
  [kInspect](depth, options) {
    const name = this.constructor.name;
    return depth < 0 ? name : `${name} ${inspect({}, options)}`;
  }
}
Object.defineProperty(EventTarget.prototype, Symbol.toStringTag, { value: "EventTarget", configurable: true });

/// The listeners of `type` on an EventTarget (events.getEventListeners).
export function eventTargetListeners(target, type) {
  return (target[kListeners]?.get(String(type)) ?? []).map((r) => r.listener);
}

// `onabort`, `onmessage`...: an event handler attribute is one listener slot, called in order of
// first assignment like any other listener.
function defineHandler(proto, name) {
  const slot = Symbol(`on${name}`);
  Object.defineProperty(proto, `on${name}`, {
    get() {
      return this[slot]?.fn ?? null;
    },
    set(fn) {
      if (!this[slot]) {
        this[slot] = { fn: null };
        const s = this[slot];
        this.addEventListener(name, function (e) {
          return typeof s.fn === "function" ? s.fn.call(this, e) : undefined;
        });
      }
      this[slot].fn = typeof fn === "function" ? fn : null;
      this._onHandlerSet?.(name);
    },
    configurable: true,
    enumerable: true,
  });
}

// --- AbortController / AbortSignal ---------------------------------------------------------

const kAbort = Symbol("abort");
const kInternal = Symbol("internal");

export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  constructor(key) {
    if (key !== kInternal) throw Object.assign(new TypeError("Illegal constructor"), { code: "ERR_ILLEGAL_CONSTRUCTOR" });
    super();
  }
  get aborted() {
    return this.#aborted;
  }
  get reason() {
    return this.#reason;
  }
  throwIfAborted() {
    if (this.#aborted) throw this.#reason;
  }
  [kAbort](reason) {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    this.dispatchEvent(new Event("abort"));
  }
  static abort(reason) {
    const s = new AbortSignal(kInternal);
    s[kAbort](reason);
    return s;
  }
  static timeout(ms) {
    if (typeof ms !== "number") throw argTypeError("delay", "of type number", ms);
    const s = new AbortSignal(kInternal);
    // Node's timeout signals do not keep the process alive.
    timers
      .setTimeout(() => s[kAbort](new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms)
      .unref();
    return s;
  }
  static any(signals) {
    const s = new AbortSignal(kInternal);
    for (const sig of signals) {
      if (!(sig instanceof AbortSignal)) throw argTypeError("signals", "an instance of AbortSignal", sig);
      if (sig.aborted) {
        s[kAbort](sig.reason);
        return s;
      }
    }
    for (const sig of signals) sig.addEventListener("abort", () => s[kAbort](sig.reason), { once: true });
    return s;
  }
  [kInspect](depth, options) {
    return depth < 0 ? "AbortSignal" : `AbortSignal ${inspect({ aborted: this.#aborted }, options)}`;
  }
}
defineHandler(AbortSignal.prototype, "abort");
Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: "AbortSignal", configurable: true });

export class AbortController {
  #signal = new AbortSignal(kInternal);
  get signal() {
    return this.#signal;
  }
  abort(reason) {
    this.#signal[kAbort](reason);
  }
  [kInspect](depth, options) {
    return depth < 0 ? "AbortController" : `AbortController { signal: ${inspect(this.#signal, options)} }`;
  }
}
Object.defineProperty(AbortController.prototype, Symbol.toStringTag, { value: "AbortController", configurable: true });

// --- Blob / File ----------------------------------------------------------------------------

function partBytes(part, endings) {
  if (part instanceof Blob) return part._bytes();
  if (part instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && part instanceof SharedArrayBuffer)) return new Uint8Array(part.slice(0));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength));
  let s = String(part);
  if (endings === "native") s = s.replace(/\r\n|\r/g, "\n");
  return core.encode(s);
}

const kBytes = Symbol("bytes");

export class Blob {
  #type;
  constructor(parts = [], options = {}) {
    if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
      throw argTypeError("sources", "a sequence", parts);
    }
    const endings = options?.endings ?? "transparent";
    if (endings !== "transparent" && endings !== "native") {
      throw Object.assign(new TypeError(`The property 'options.endings' must be one of: 'transparent', 'native'. Received '${endings}'`), { code: "ERR_INVALID_ARG_VALUE" });
    }
    const chunks = [...parts].map((p) => partBytes(p, endings));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const bytes = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      bytes.set(c, off);
      off += c.length;
    }
    this[kBytes] = bytes;
    const type = String(options?.type ?? "");
    this.#type = /[^\u0020-\u007e]/.test(type) ? "" : type.toLowerCase();
  }
  _bytes() {
    return this[kBytes];
  }
  get size() {
    return this[kBytes].length;
  }
  get type() {
    return this.#type;
  }
  slice(start = 0, end = this.size, type = "") {
    const b = new Blob([], { type });
    b[kBytes] = this[kBytes].slice(start, end);
    return b;
  }
  async arrayBuffer() {
    return this[kBytes].slice().buffer;
  }
  async bytes() {
    return this[kBytes].slice();
  }
  async text() {
    return core.decode(this[kBytes]);
  }
  stream() {
    const bytes = this[kBytes];
    let off = 0;
    return new (require("./internal/web_streams.js").ReadableStream)({
      type: "bytes",
      pull(c) {
        if (off >= bytes.length) {
          c.close();
          return;
        }
        const n = Math.min(65536, bytes.length - off);
        c.enqueue(bytes.slice(off, off + n));
        off += n;
      },
    });
  }
  [kInspect](depth, options) {
    return depth < 0 ? "Blob" : `${this.constructor.name} ${inspect({ size: this.size, type: this.#type }, options)}`;
  }
}
Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: "Blob", configurable: true });
Object.defineProperty(Blob.prototype, "_bytes", { enumerable: false });

export class File extends Blob {
  #name;
  #lastModified;
  constructor(bits, name, options = {}) {
    if (arguments.length < 2) throw missingArgs('The "fileBits" and "fileName" arguments must be specified');
    super(bits, options);
    this.#name = String(name);
    this.#lastModified = options?.lastModified !== undefined ? Number(options.lastModified) : Date.now();
  }
  get name() {
    return this.#name;
  }
  get lastModified() {
    return this.#lastModified;
  }
}
Object.defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });

// blob: URLs (URL.createObjectURL), resolvable with buffer.resolveObjectURL.
export const blobUrls = new Map();
export function resolveObjectURL(url) {
  return blobUrls.get(String(url));
}

// --- MessageChannel / MessagePort / BroadcastChannel -----------------------------------------
// In-process only: messages are structured-cloned and delivered on a later macrotask. Unlike
// Node, an open port does not by itself keep the process alive (only undelivered messages do).

const kPeer = Symbol("peer");
const kQueue = Symbol("queue");
const kStarted = Symbol("started");
const kClosed = Symbol("closed");
const kPending = Symbol("pending");

function deliver(port) {
  if (!port[kStarted] || port[kClosed] || port[kQueue].length === 0 || port[kPending]) return;
  port[kPending] = true;
  timers.setImmediate(() => {
    port[kPending] = false;
    while (port[kStarted] && !port[kClosed] && port[kQueue].length) {
      const data = port[kQueue].shift();
      port.dispatchEvent(new MessageEvent("message", { data }));
    }
  });
}

// port -> event type -> listener -> the wrapper registered for it (port.on/off).
const portListeners = new WeakMap();

export class MessagePort extends EventTarget {
  constructor(key) {
    if (key !== kInternal) throw Object.assign(new TypeError("Illegal constructor"), { code: "ERR_CONSTRUCT_CALL_INVALID" });
    super();
    this[kPeer] = null;
    this[kQueue] = [];
    this[kStarted] = false;
    this[kClosed] = false;
    this[kPending] = false;
  }
  postMessage(message, transfer) {
    if (arguments.length === 0) throw missingArgs("Not enough arguments to MessagePort.postMessage");
    const peer = this[kPeer];
    if (this[kClosed] || !peer || peer[kClosed]) return;
    peer[kQueue].push(structuredClone(message, Array.isArray(transfer) ? { transfer } : transfer));
    deliver(peer);
  }
  start() {
    this[kStarted] = true;
    deliver(this);
  }
  close() {
    if (this[kClosed]) return;
    this[kClosed] = true;
    const peer = this[kPeer];
    this.dispatchEvent(new Event("close"));
    if (peer && !peer[kClosed]) peer.close();
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  hasRef() {
    return false;
  }
  // Node's ports are also EventEmitter-like: `port.on("message", (data) => ...)`.
  on(type, fn) {
    const wrapped = type === "message" ? (e) => fn(e.data) : () => fn();
    let byType = portListeners.get(this);
    if (!byType) portListeners.set(this, (byType = new Map()));
    let byFn = byType.get(type);
    if (!byFn) byType.set(type, (byFn = new Map()));
    byFn.set(fn, wrapped);
    this.addEventListener(type, wrapped);
    if (type === "message") this.start();
    return this;
  }
  once(type, fn) {
    const wrapped = type === "message" ? (e) => fn(e.data) : () => fn();
    this.addEventListener(type, wrapped, { once: true });
    if (type === "message") this.start();
    return this;
  }
  off(type, fn) {
    const byFn = portListeners.get(this)?.get(type);
    this.removeEventListener(type, byFn?.get(fn) ?? fn);
    byFn?.delete(fn);
    return this;
  }
  _onHandlerSet(name) {
    if (name === "message") this.start();
  }
}
MessagePort.prototype.addListener = MessagePort.prototype.on;
MessagePort.prototype.removeListener = MessagePort.prototype.off;
defineHandler(MessagePort.prototype, "message");
defineHandler(MessagePort.prototype, "messageerror");
Object.defineProperty(MessagePort.prototype, Symbol.toStringTag, { value: "MessagePort", configurable: true });

/// worker_threads.receiveMessageOnPort: the port's next queued message, taken synchronously.
export function receiveMessageOnPort(port) {
  if (!(port instanceof MessagePort)) throw argTypeError("port", "an instance of MessagePort", port);
  return port[kQueue].length ? { message: port[kQueue].shift() } : undefined;
}

export class MessageChannel {
  constructor() {
    const a = new MessagePort(kInternal);
    const b = new MessagePort(kInternal);
    a[kPeer] = b;
    b[kPeer] = a;
    Object.defineProperty(this, "port1", { value: a, enumerable: true });
    Object.defineProperty(this, "port2", { value: b, enumerable: true });
  }
}

const channels = new Map(); // name -> Set<BroadcastChannel>

export class BroadcastChannel extends EventTarget {
  #name;
  #closed = false;
  constructor(name) {
    if (arguments.length === 0) throw missingArgs('The "name" argument must be specified');
    super();
    this.#name = String(name);
    if (!channels.has(this.#name)) channels.set(this.#name, new Set());
    channels.get(this.#name).add(this);
  }
  get name() {
    return this.#name;
  }
  postMessage(message) {
    if (this.#closed) throw new DOMException("BroadcastChannel is closed.", "InvalidStateError");
    for (const ch of channels.get(this.#name) ?? []) {
      if (ch === this) continue;
      const data = structuredClone(message);
      timers.setImmediate(() => {
        if (!ch.#closed) ch.dispatchEvent(new MessageEvent("message", { data }));
      });
    }
  }
  close() {
    if (this.#closed) return;
    this.#closed = true;
    channels.get(this.#name)?.delete(this);
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
}
defineHandler(BroadcastChannel.prototype, "message");
defineHandler(BroadcastChannel.prototype, "messageerror");


export const webGlobals = {
  DOMException,
  Event,
  EventTarget,
  CustomEvent,
  MessageEvent,
  AbortController,
  AbortSignal,
  Blob,
  File,
  MessageChannel,
  MessagePort,
  BroadcastChannel,
};

// navigator (Node 21+): facts about the VM, read when asked.
class Navigator {
  get hardwareConcurrency() {
    return sysOs().cpus;
  }
  get language() {
    return "en-US";
  }
  get languages() {
    return ["en-US"];
  }
  get platform() {
    return "linux";
  }
  get userAgent() {
    return `Node.js/${String(globalThis.process?.version ?? "v22").slice(1).split(".")[0]}`;
  }
}
Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: "Navigator", configurable: true });

fixNames(webGlobals);
fixNames({ Navigator });

export function install(g) {
  const define = (name, value) => Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  for (const [name, value] of Object.entries(webGlobals)) define(name, value);
  // crypto and perf_hooks load on first use (builtins load lazily); assigning replaces the
  // accessor.
  const lazy = (name, get) =>
    Object.defineProperty(g, name, {
      get,
      set: (value) => define(name, value),
      configurable: true,
      enumerable: false,
    });
  // URL (whatwg-url) and the WHATWG streams are large: they load on first use, keeping them out
  // of the startup snapshot.
  for (const name of ["URL", "URLSearchParams"]) lazy(name, () => require("./internal/web_url.js")[name]);
  for (const name of ["ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest", "ReadableByteStreamController", "ReadableStreamDefaultController", "WritableStream", "WritableStreamDefaultWriter", "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController", "ByteLengthQueuingStrategy", "CountQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream"]) lazy(name, () => require("./internal/web_streams.js")[name]);
  lazy("Crypto", () => require("./crypto.js").Crypto);
  lazy("SubtleCrypto", () => require("./crypto.js").SubtleCrypto);
  lazy("crypto", () => require("./crypto.js").webcrypto);
  lazy("CryptoKey", () => require("./crypto.js").CryptoKey);
  for (const name of ["PerformanceObserver", "PerformanceObserverEntryList", "PerformanceResourceTiming"]) {
    lazy(name, () => require("./perf_hooks.js")[name]);
  }
  installFetch(g);
  define("Navigator", Navigator);
  Object.defineProperty(g, "navigator", { get: () => navigator, configurable: true, enumerable: false });
}
const navigator = new Navigator();
