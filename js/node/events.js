// `events`: the `events` npm package's EventEmitter (Node's, published for other runtimes),
// extended with what Node 22 adds: the constructor's `captureRejections` option, errorMonitor,
// Node's unhandled 'error' error, and the static helpers (once with signals, on, getEventListeners,
// setMaxListeners, addAbortListener...).
//
// Every emitter in the guest (process, streams) is built on the npm class, so it is patched in
// place and `EventEmitter` below shares its prototype: `process instanceof EventEmitter` holds.
// web.js imports this module eagerly, so the patches apply before any builtin is required.

import Base from "events/";
import { inspect } from "node-inspect-extracted";
import { AbortError } from "./internal/errors.js";
import { core } from "./internal/sys.js";
import { fixNames } from "./internal/names.js";

const kCapture = Symbol("kCapture");
const kShapeMode = Symbol("shapeMode");
const kRejection = Symbol.for("nodejs.rejection");
const errorMonitor = Symbol("events.errorMonitor");

function invalidArgType(name, expected, value) {
  const got = value === null ? "null" : value === undefined ? "undefined" : typeof value === "function" ? `function ${value.name}` : `type ${typeof value} (${inspect(value)})`;
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${got}`), { code: "ERR_INVALID_ARG_TYPE" });
}

function validateBoolean(v, name) {
  if (typeof v !== "boolean") throw invalidArgType(name, "of type boolean", v);
}

function validateAbortSignal(signal, name) {
  if (signal !== undefined && (signal === null || typeof signal !== "object" || !("aborted" in signal))) {
    throw invalidArgType(name, "an instance of AbortSignal", signal);
  }
}

// `new EventEmitter(opts)`: the npm constructor ignores its arguments, hence this one.
function EventEmitter(opts) {
  if (!new.target) throw Object.assign(new TypeError("Class constructor EventEmitter cannot be invoked without 'new'"), {});
  EventEmitter.init.call(this, opts);
}
Object.defineProperty(EventEmitter, "name", { value: "EventEmitter" });
EventEmitter.prototype = Base.prototype;
Object.defineProperty(Base.prototype, "constructor", { value: EventEmitter, writable: true, configurable: true, enumerable: false });
Object.setPrototypeOf(EventEmitter, Object.getPrototypeOf(Base));

const baseInit = Base.init;
function init(opts) {
  baseInit.call(this);
  this[kShapeMode] = false;
  if (opts?.captureRejections !== undefined) {
    validateBoolean(opts.captureRejections, "options.captureRejections");
    this[kCapture] = Boolean(opts.captureRejections);
  } else {
    // Inherited from the prototype: EventEmitter.captureRejections sets the default.
    this[kCapture] = EventEmitter.prototype[kCapture];
  }
}
Base.init = init;
EventEmitter.init = init;
Base.prototype[kCapture] = false;

// Node's emit: errorMonitor, ERR_UNHANDLED_ERROR, and rejected promises from listeners routed to
// 'error' (or Symbol.for('nodejs.rejection')) when captureRejections is on.
Base.prototype.emit = function emit(type, ...args) {
  let doError = type === "error";
  const events = this._events;
  if (events !== undefined) {
    if (doError && events[errorMonitor] !== undefined) this.emit(errorMonitor, ...args);
    doError = doError && events.error === undefined;
  } else if (!doError) {
    return false;
  }
  if (doError) {
    const er = args[0];
    if (er instanceof Error) throw er;
    let shown;
    try {
      shown = inspect(er);
    } catch {
      shown = er;
    }
    const err = new Error(`Unhandled error. (${shown})`);
    err.code = "ERR_UNHANDLED_ERROR";
    err.context = er;
    throw err;
  }
  const handler = events[type];
  if (handler === undefined) return false;
  if (typeof handler === "function") {
    const result = Reflect.apply(handler, this, args);
    if (result !== undefined && result !== null) addCatch(this, result, type, args);
  } else {
    const listeners = handler.slice();
    for (let i = 0; i < listeners.length; i++) {
      const result = Reflect.apply(listeners[i], this, args);
      if (result !== undefined && result !== null) addCatch(this, result, type, args);
    }
  }
  return true;
};

function checkListener(listener) {
  if (typeof listener !== "function") throw invalidArgType("listener", "of type function", listener);
}

// Node's _addListener: the same bookkeeping as the npm package's, with Node's argument error and
// its MaxListenersExceededWarning emitted as a process warning (the package console.warn()s).
function addListener(target, type, listener, prepend) {
  checkListener(listener);
  let events = target._events;
  if (events === undefined) {
    events = target._events = Object.create(null);
    target._eventsCount = 0;
  } else if (events.newListener !== undefined) {
    target.emit("newListener", type, listener.listener ?? listener);
    events = target._events;
  }
  let existing = events[type];
  if (existing === undefined) {
    events[type] = listener;
    ++target._eventsCount;
    return target;
  }
  if (typeof existing === "function") existing = events[type] = prepend ? [listener, existing] : [existing, listener];
  else if (prepend) existing.unshift(listener);
  else existing.push(listener);
  const max = target.getMaxListeners();
  if (max > 0 && existing.length > max && !existing.warned) {
    existing.warned = true;
    const w = new Error(
      `Possible EventEmitter memory leak detected. ${existing.length} ${String(type)} listeners added to ${inspect(target, { depth: -1 })}. MaxListeners is ${max}. Use emitter.setMaxListeners() to increase limit`,
    );
    w.name = "MaxListenersExceededWarning";
    w.emitter = target;
    w.type = type;
    w.count = existing.length;
    process.emitWarning(w);
  }
  return target;
}

Base.prototype.addListener = function addListener_(type, listener) {
  return addListener(this, type, listener, false);
};
Base.prototype.on = Base.prototype.addListener;
Base.prototype.prependListener = function prependListener(type, listener) {
  return addListener(this, type, listener, true);
};
for (const name of ["once", "prependOnceListener", "removeListener"]) {
  const orig = Base.prototype[name];
  Base.prototype[name] = {
    [name](type, listener) {
      checkListener(listener);
      return orig.call(this, type, listener);
    },
  }[name];
}
Base.prototype.off = Base.prototype.removeListener;
Object.defineProperty(Base.prototype.addListener, "name", { value: "addListener" });

function addCatch(that, promise, type, args) {
  if (!that[kCapture]) return;
  try {
    const then = promise.then;
    if (typeof then === "function") {
      then.call(promise, undefined, (err) => process.nextTick(emitUnhandledRejectionOrErr, that, err, type, args));
    }
  } catch (err) {
    that.emit("error", err);
  }
}

function emitUnhandledRejectionOrErr(ee, err, type, args) {
  if (typeof ee[kRejection] === "function") {
    ee[kRejection](err, type, ...args);
  } else {
    const prev = ee[kCapture];
    try {
      ee[kCapture] = false;
      ee.emit("error", err);
    } finally {
      ee[kCapture] = prev;
    }
  }
}

const isEventTarget = (t) => t && typeof t.addEventListener === "function" && typeof t.on !== "function";

/// events.once(emitter, name, { signal }): the arguments of the next `name` event.
function once(emitter, name, options = {}) {
  const signal = options?.signal;
  validateAbortSignal(signal, "options.signal");
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      if (isEventTarget(emitter)) emitter.removeEventListener(name, resolver);
      else {
        emitter.removeListener(name, resolver);
        emitter.removeListener("error", errorListener);
      }
      signal?.removeEventListener("abort", abortListener);
    };
    const resolver = (...args) => {
      cleanup();
      resolve(args);
    };
    const errorListener = (err) => {
      cleanup();
      reject(err);
    };
    const abortListener = () => {
      cleanup();
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    if (isEventTarget(emitter)) {
      emitter.addEventListener(name, resolver, { once: true });
    } else {
      emitter.once(name, resolver);
      if (name !== "error") emitter.once("error", errorListener);
    }
    signal?.addEventListener("abort", abortListener, { once: true });
  });
}

/// events.on(emitter, name, { signal, close }): an async iterator over `name` events (each an
/// array of arguments); an 'error' event makes it throw.
function on(emitter, event, options = {}) {
  const signal = options?.signal;
  validateAbortSignal(signal, "options.signal");
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  const unconsumed = [];
  const pending = [];
  let error = null;
  let finished = false;

  const eventHandler = (...args) => {
    const p = pending.shift();
    if (p) p.resolve({ value: args, done: false });
    else unconsumed.push(args);
  };
  const errorHandler = (err) => {
    const p = pending.shift();
    if (p) p.reject(err);
    else error = err;
    iterator.return();
  };
  const closeHandler = () => closeIterator();
  const abortListener = () => errorHandler(new AbortError(undefined, { cause: signal?.reason }));

  const listen = (name, fn) => (isEventTarget(emitter) ? emitter.addEventListener(name, fn) : emitter.on(name, fn));
  const unlisten = (name, fn) => (isEventTarget(emitter) ? emitter.removeEventListener(name, fn) : emitter.removeListener(name, fn));
  listen(event, eventHandler);
  if (event !== "error" && !isEventTarget(emitter)) listen("error", errorHandler);
  for (const name of options?.close ?? []) listen(name, closeHandler);
  signal?.addEventListener("abort", abortListener, { once: true });

  function closeIterator() {
    unlisten(event, eventHandler);
    if (!isEventTarget(emitter)) unlisten("error", errorHandler);
    for (const name of options?.close ?? []) unlisten(name, closeHandler);
    signal?.removeEventListener("abort", abortListener);
    finished = true;
    for (const p of pending.splice(0)) p.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  const iterator = Object.setPrototypeOf(
    {
      next() {
        const value = unconsumed.shift();
        if (value) return Promise.resolve({ value, done: false });
        if (error) {
          const p = Promise.reject(error);
          error = null;
          return p;
        }
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => pending.push({ resolve, reject }));
      },
      return() {
        return closeIterator();
      },
      throw(err) {
        if (!(err instanceof Error)) throw invalidArgType("EventEmitter.AsyncIterator", "an instance of Error", err);
        errorHandler(err);
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    },
    Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype),
  );
  return iterator;
}

function getEventListeners(target, type) {
  if (typeof target?.listeners === "function") return target.listeners(type);
  // Loaded on use: web.js imports this module eagerly (to patch the shared EventEmitter).
  if (isEventTarget(target)) return require("./web.js").eventTargetListeners(target, type);
  throw invalidArgType("emitter", "an instance of EventEmitter or EventTarget", target);
}

const targetMax = new WeakMap();

function setMaxListeners(n = Base.defaultMaxListeners, ...targets) {
  if (typeof n !== "number" || n < 0 || Number.isNaN(n)) {
    throw Object.assign(new RangeError(`The value of "n" is out of range. It must be a non-negative number. Received ${inspect(n)}`), { code: "ERR_OUT_OF_RANGE" });
  }
  if (targets.length === 0) {
    Base.defaultMaxListeners = n;
    return;
  }
  for (const t of targets) {
    if (typeof t?.setMaxListeners === "function") t.setMaxListeners(n);
    else if (isEventTarget(t)) targetMax.set(t, n);
    else throw invalidArgType("eventTargets", "an instance of EventEmitter or EventTarget", t);
  }
}

function getMaxListeners(target) {
  if (typeof target?.getMaxListeners === "function") return target.getMaxListeners();
  if (isEventTarget(target)) return targetMax.get(target) ?? Base.defaultMaxListeners;
  throw invalidArgType("emitter", "an instance of EventEmitter or EventTarget", target);
}

/// events.addAbortListener(signal, listener): a Disposable that removes the listener.
function addAbortListener(signal, listener) {
  if (signal === undefined) throw invalidArgType("signal", "an instance of AbortSignal", signal);
  validateAbortSignal(signal, "signal");
  if (typeof listener !== "function") throw invalidArgType("listener", "of type function", listener);
  let removed = false;
  if (signal.aborted) {
    queueMicrotask(() => listener());
  } else {
    signal.addEventListener("abort", listener, { once: true });
  }
  return {
    [Symbol.dispose]() {
      if (!removed) {
        removed = true;
        signal.removeEventListener("abort", listener);
      }
    },
  };
}

// EventEmitterAsyncResource: an emitter whose listeners run in the async context it was made in.
class EventEmitterAsyncResource extends EventEmitter {
  #context;
  constructor(options = undefined) {
    super(options);
    this.#context = core.getAsyncContext();
  }
  emit(...args) {
    const prev = core.getAsyncContext();
    core.setAsyncContext(this.#context);
    try {
      return super.emit(...args);
    } finally {
      core.setAsyncContext(prev);
    }
  }
  get asyncId() {
    return 0;
  }
  get triggerAsyncId() {
    return 0;
  }
  emitDestroy() {}
}

Object.defineProperty(EventEmitter, "defaultMaxListeners", {
  enumerable: true,
  get: () => Base.defaultMaxListeners,
  set: (n) => {
    Base.defaultMaxListeners = n;
  },
});
Object.defineProperty(EventEmitter, "captureRejections", {
  enumerable: true,
  get: () => Base.prototype[kCapture],
  set: (v) => {
    validateBoolean(v, "EventEmitter.captureRejections");
    Base.prototype[kCapture] = v;
  },
});
Object.assign(EventEmitter, {
  EventEmitter,
  EventEmitterAsyncResource,
  once,
  on,
  getEventListeners,
  getMaxListeners,
  setMaxListeners,
  addAbortListener,
  listenerCount: Base.listenerCount,
  errorMonitor,
  captureRejectionSymbol: kRejection,
  usingDomains: false,
});
Object.assign(Base, { once, on, errorMonitor, captureRejectionSymbol: kRejection, getEventListeners, setMaxListeners, getMaxListeners, addAbortListener });

export { EventEmitter, once, on, errorMonitor, getEventListeners, setMaxListeners };
export default fixNames(EventEmitter);
