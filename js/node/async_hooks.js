// `async_hooks`: AsyncLocalStorage and AsyncResource over V8's continuation-preserved embedder
// data (deno_core's getAsyncContext/setAsyncContext), which V8 carries across await and promise
// reactions; timers and process.nextTick restore the context they were scheduled in.
// createHook is accepted but never calls its hooks (the VM has no async-resource tracking).

import { core } from "./internal/sys.js";
import { fixNames } from "./internal/names.js";

function invalidArgType(name, expected, value) {
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? "null" : typeof value}`), { code: "ERR_INVALID_ARG_TYPE" });
}

function runIn(ctx, fn, thisArg, args) {
  const prev = core.getAsyncContext();
  core.setAsyncContext(ctx);
  try {
    return Reflect.apply(fn, thisArg, args);
  } finally {
    core.setAsyncContext(prev);
  }
}

export class AsyncLocalStorage {
  #var = new core.AsyncVariable();
  #enabled = false;

  static bind(fn) {
    if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
    const ctx = core.getAsyncContext();
    return function (...args) {
      return runIn(ctx, fn, this, args);
    };
  }

  static snapshot() {
    const ctx = core.getAsyncContext();
    return (fn, ...args) => runIn(ctx, fn, undefined, args);
  }

  run(store, callback, ...args) {
    this.#enabled = true;
    const prev = this.#var.enter(store);
    try {
      return Reflect.apply(callback, null, args);
    } finally {
      core.setAsyncContext(prev);
    }
  }

  exit(callback, ...args) {
    if (!this.#enabled) return Reflect.apply(callback, null, args);
    const prev = this.#var.enter(undefined);
    try {
      return Reflect.apply(callback, null, args);
    } finally {
      core.setAsyncContext(prev);
    }
  }

  enterWith(store) {
    this.#enabled = true;
    this.#var.enter(store);
  }

  getStore() {
    return this.#enabled ? this.#var.get() : undefined;
  }

  disable() {
    if (!this.#enabled) return;
    this.#enabled = false;
    // Drop this store from the current context, so a later run() starts clean.
    this.#var.enter(undefined);
  }
}

let nextAsyncId = 2;

export class AsyncResource {
  #ctx;
  #asyncId;
  #triggerId;
  #type;
  constructor(type, options = {}) {
    if (typeof type !== "string") throw invalidArgType("type", "of type string", type);
    this.#type = type;
    this.#ctx = core.getAsyncContext();
    this.#asyncId = nextAsyncId++;
    this.#triggerId = typeof options === "number" ? options : options?.triggerAsyncId ?? 1;
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return runIn(this.#ctx, fn, thisArg, args);
  }
  emitDestroy() {
    return this;
  }
  asyncId() {
    return this.#asyncId;
  }
  triggerAsyncId() {
    return this.#triggerId;
  }
  bind(fn, thisArg) {
    if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
    const self = this;
    const bound = function (...args) {
      return self.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args);
    };
    Object.defineProperties(bound, {
      length: { value: fn.length, configurable: true },
      asyncResource: { value: this, configurable: true, enumerable: true, writable: true },
    });
    return bound;
  }
  static bind(fn, type, thisArg) {
    return new AsyncResource(type || fn.name || "bound-anonymous-fn").bind(fn, thisArg);
  }
}

class AsyncHook {
  enable() {
    return this;
  }
  disable() {
    return this;
  }
}

export function createHook(callbacks) {
  if (callbacks === null || typeof callbacks !== "object") throw invalidArgType("callbacks", "of type object", callbacks);
  for (const k of ["init", "before", "after", "destroy", "promiseResolve"]) {
    if (callbacks[k] !== undefined && typeof callbacks[k] !== "function") throw invalidArgType(`hook.${k}`, "of type function", callbacks[k]);
  }
  return new AsyncHook();
}

export default fixNames({
  AsyncLocalStorage,
  AsyncResource,
  createHook,
  executionAsyncId: () => 1,
  triggerAsyncId: () => 0,
  executionAsyncResource: () => ({}),
  asyncWrapProviders: Object.freeze({ __proto__: null, NONE: 0, PROMISE: 28, TIMERWRAP: 0, TickObject: 0, Timeout: 0, Immediate: 0 }),
});
