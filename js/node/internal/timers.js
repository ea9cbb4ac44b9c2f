// Timers over deno_core's timer queue: setTimeout/setInterval/setImmediate returning
// Node-style Timeout objects (ref/unref/hasRef/refresh, numeric coercion).

import { core } from "./sys.js";

const kId = Symbol("timerId");

export class Timeout {
  constructor(cb, ms, args, repeat) {
    this._onTimeout = cb;
    this._idleTimeout = ms;
    this._args = args;
    this._repeat = repeat;
    this._ref = true;
    this._destroyed = false;
    this[kId] = 0;
    this._schedule();
  }
  _schedule() {
    const ms = this._idleTimeout;
    this[kId] = core.queueUserTimer(core.getTimerDepth() + 1, this._repeat, ms, () => {
      if (!this._repeat) this._destroyed = true;
      this._onTimeout(...this._args);
    });
    if (!this._ref) core.unrefTimer(this[kId]);
  }
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
  if (typeof cb !== "function") {
    const e = new TypeError(`The "callback" argument must be of type function. Received ${cb === null ? "null" : typeof cb}`);
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
}

const byId = new Map();

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

export class Immediate {
  constructor(cb, args) {
    this._onImmediate = cb;
    this._args = args;
    this._ref = true;
    this._cleared = false;
    this[kId] = core.queueUserTimer(core.getTimerDepth() + 1, false, 0, () => {
      if (!this._cleared) cb(...args);
    });
  }
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

export function setImmediate(cb, ...args) {
  checkCb(cb);
  return new Immediate(cb, args);
}

export function clearImmediate(i) {
  if (i instanceof Immediate) {
    i._cleared = true;
    core.cancelTimer(i[kId]);
  }
}

void byId;
