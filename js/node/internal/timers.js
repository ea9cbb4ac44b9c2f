// Timers over deno_core's timer queue: setTimeout/setInterval/setImmediate returning
// Node-style Timeout objects (ref/unref/hasRef/refresh, numeric coercion), and `timers/promises`.
// Callbacks run in the async context (AsyncLocalStorage) that was current when they were
// scheduled: V8 carries it across promise reactions by itself, but not across our timer queue.

import { core } from "./sys.js";
import { drainTicks } from "./process.js";
import { AbortError, invalidArgType } from "./errors.js";

const kId = Symbol("timerId");

function inContext(ctx, fn) {
  const prev = core.getAsyncContext();
  core.setAsyncContext(ctx);
  let r;
  try {
    r = fn();
  } finally {
    core.setAsyncContext(prev);
  }
  // process.nextTick callbacks queued by a timer run before its promise callbacks, as in Node.
  drainTicks();
  return r;
}

// ref/unref/hasRef: whether a pending timer keeps the process alive.
class Refable {
  ref() {
    this._ref = true;
    core.refTimer(this[kId]);
    return this;
  }
  unref() {
    this._ref = false;
    core.unrefTimer(this[kId]);
    return this;
  }
  hasRef() {
    return this._ref;
  }
}

class Timeout extends Refable {
  constructor(cb, ms, args, repeat) {
    super();
    this._onTimeout = cb;
    this._idleTimeout = ms;
    this._args = args;
    this._repeat = repeat;
    this._ref = true;
    this._destroyed = false;
    this[kId] = 0;
    this._context = core.getAsyncContext();
    this._schedule();
  }
  _schedule() {
    const ms = this._idleTimeout;
    this[kId] = core.queueUserTimer(core.getTimerDepth() + 1, this._repeat, ms, () => {
      if (!this._repeat) this._destroyed = true;
      inContext(this._context, () => this._onTimeout.apply(this, this._args));
    });
    if (!this._ref) core.unrefTimer(this[kId]);
  }
  refresh() {
    if (!this._destroyed) {
      core.cancelTimer(this[kId]);
      this._schedule();
    }
    return this;
  }
  close() {
    clearTimeout(this);
    return this;
  }
  [Symbol.toPrimitive]() {
    return this[kId];
  }
  [Symbol.dispose]() {
    clearTimeout(this);
  }
}

function delay(ms) {
  ms = Number(ms);
  return ms >= 1 && ms <= 2147483647 ? Math.trunc(ms) : 1;
}

function checkCb(cb) {
  if (typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
}

export function setTimeout(cb, ms, ...args) {
  checkCb(cb);
  const t = new Timeout(cb, delay(ms), args, false);
  return t;
}

export function setInterval(cb, ms, ...args) {
  checkCb(cb);
  return new Timeout(cb, delay(ms), args, true);
}

export function clearTimeout(t) {
  if (t == null) return;
  if (t instanceof Timeout) {
    t._destroyed = true;
    core.cancelTimer(t[kId]);
  } else if (typeof t === "number" || typeof t === "string") {
    core.cancelTimer(Number(t));
  }
}

export const clearInterval = clearTimeout;

// setImmediate: a queue drained once per turn of the event loop. A turn is marked by a
// deferred no-op op (it resolves on the next poll of the loop, after I/O), not by a 0 ms timer,
// which would wait for the next tick of the timer wheel (~1 ms).
const immediates = [];
let drainPromise = null;
let refedImmediates = 0;

function scheduleImmediates() {
  if (drainPromise) return;
  drainPromise = core.ops.op_void_async_deferred();
  if (refedImmediates === 0) core.unrefOpPromise(drainPromise);
  drainPromise.then(runImmediates);
}

function runImmediates() {
  drainPromise = null;
  // Immediates queued while these run wait for the next turn, as in Node.
  const batch = immediates.splice(0, immediates.length);
  for (const i of batch) {
    if (i._cleared) continue;
    i._cleared = true;
    if (i._ref) refedImmediates--;
    try {
      inContext(i._context, () => i._onImmediate.apply(i, i._args));
    } catch (err) {
      // Reported as a timer's exception is (uncaughtException, or the process dies of it),
      // not as a rejection of the promise that marks the turn.
      globalThis.queueMicrotask(() => {
        throw err;
      });
    }
  }
  if (immediates.length > 0) scheduleImmediates();
}

class Immediate {
  constructor(cb, args) {
    this._onImmediate = cb;
    this._args = args;
    this._ref = true;
    this._cleared = false;
    this._context = core.getAsyncContext();
    refedImmediates++;
    immediates.push(this);
    if (drainPromise && refedImmediates === 1) core.refOpPromise(drainPromise);
    scheduleImmediates();
  }
  ref() {
    if (!this._ref && !this._cleared) {
      this._ref = true;
      if (++refedImmediates === 1 && drainPromise) core.refOpPromise(drainPromise);
    }
    return this;
  }
  unref() {
    if (this._ref && !this._cleared) {
      this._ref = false;
      if (--refedImmediates === 0 && drainPromise) core.unrefOpPromise(drainPromise);
    }
    return this;
  }
  hasRef() {
    return this._ref;
  }
  [Symbol.dispose]() {
    clearImmediate(this);
  }
}

export function setImmediate(cb, ...args) {
  checkCb(cb);
  return new Immediate(cb, args);
}

export function clearImmediate(i) {
  if (i instanceof Immediate && !i._cleared) {
    i._cleared = true;
    if (i._ref && --refedImmediates === 0 && drainPromise) core.unrefOpPromise(drainPromise);
  }
}

// --- timers/promises ------------------------------------------------------------------------


function validateOptions(options) {
  if (options === null || typeof options !== "object") {
    throw Object.assign(new TypeError(`The "options" argument must be of type object. Received ${options === null ? "null" : `type ${typeof options}`}`), { code: "ERR_INVALID_ARG_TYPE" });
  }
  const { signal, ref = true } = options;
  if (signal !== undefined && (signal === null || typeof signal !== "object" || !("aborted" in signal))) {
    throw Object.assign(new TypeError(`The "options.signal" property must be an instance of AbortSignal. Received ${typeof signal}`), { code: "ERR_INVALID_ARG_TYPE" });
  }
  if (typeof ref !== "boolean") {
    throw Object.assign(new TypeError(`The "options.ref" property must be of type boolean. Received type ${typeof ref}`), { code: "ERR_INVALID_ARG_TYPE" });
  }
  return { signal, ref };
}

// One timer as a promise: `make(resolve)` starts it and returns what cancels it.
function cancellable(options, make) {
  const { signal, ref } = validateOptions(options);
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return new Promise((resolve, reject) => {
    let onAbort;
    const t = make((v) => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve(v);
    });
    if (!ref) t.unref();
    if (signal) {
      onAbort = () => {
        clearTimeout(t);
        clearImmediate(t);
        reject(new AbortError(undefined, { cause: signal.reason }));
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}

function promiseSetTimeout(ms, value, options = {}) {
  return cancellable(options, (done) => new Timeout(() => done(value), delay(ms), [], false));
}

function promiseSetImmediate(value, options = {}) {
  return cancellable(options, (done) => new Immediate(() => done(value), []));
}

async function* promiseSetInterval(ms, value, options = {}) {
  const { signal, ref } = validateOptions(options);
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
  let pending = 0;
  let wake = null;
  const t = new Timeout(
    () => {
      pending++;
      wake?.();
    },
    delay(ms),
    [],
    true,
  );
  if (!ref) t.unref();
  let onAbort;
  if (signal) {
    onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
  }
  try {
    for (;;) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      if (pending === 0) {
        await new Promise((r) => (wake = r));
        wake = null;
        continue;
      }
      pending--;
      yield value;
    }
  } finally {
    clearInterval(t);
    signal?.removeEventListener("abort", onAbort);
  }
}

export const promises = {
  setTimeout: promiseSetTimeout,
  setImmediate: promiseSetImmediate,
  setInterval: promiseSetInterval,
  scheduler: {
    wait: (ms, options) => promiseSetTimeout(ms, undefined, options),
    yield: () => promiseSetImmediate(),
  },
};

// util.promisify(setTimeout) / util.promisify(setImmediate), as in Node.
const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
Object.defineProperty(setTimeout, kCustomPromisify, { value: promiseSetTimeout, enumerable: false, configurable: true });
Object.defineProperty(setImmediate, kCustomPromisify, { value: promiseSetImmediate, enumerable: false, configurable: true });

// The deprecated timer API on objects (`enroll`/`active`/`unenroll`), still in Node 22.
const enrolled = new WeakMap();
export function enroll(item, msecs) {
  unenroll(item);
  item._idleTimeout = msecs;
}
export function unenroll(item) {
  clearTimeout(enrolled.get(item));
  enrolled.delete(item);
  item._idleTimeout = -1;
}
export function active(item) {
  clearTimeout(enrolled.get(item));
  if (item._idleTimeout >= 0) enrolled.set(item, setTimeout(() => item._onTimeout?.(), item._idleTimeout));
}
export function _unrefActive(item) {
  active(item);
  enrolled.get(item)?.unref();
}
