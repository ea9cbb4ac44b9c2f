// Builtins that cannot exist in the VM (or not yet: HTTP/2, UDP). They load, keep
// their constants and pure helpers (http.STATUS_CODES, net.isIP...), and their operations throw
// ERR_NOT_SUPPORTED. Pure-JS ones are real: diagnostics_channel, punycode, stream/consumers,
// v8 (heap statistics, serialize/deserialize), domain (minimal), constants, sys.

import punycode from "punycode/";
import { EventEmitter } from "./events.js";
import { core } from "./internal/sys.js";
import util from "./util.js";
import os from "./os.js";
import { Blob } from "./web.js";
import { fixNames } from "./internal/names.js";

function notSupported(what, why = "it is not available in the agentOS VM") {
  const e = new Error(`${what} is not supported: ${why}`);
  e.code = "ERR_NOT_SUPPORTED";
  return e;
}

// A function (or class: `new` works the same) that throws when used.
function unsupported(mod, name, why) {
  const f = {
    [name]: function () {
      throw notSupported(`${mod}.${name}()`, why);
    },
  }[name];
  return f;
}

function stubs(mod, names, why) {
  const o = {};
  for (const n of names) o[n] = unsupported(mod, n, why);
  return o;
}


// --- http / https / http2 ---------------------------------------------------------------------

const http2 = {
  constants: {
    NGHTTP2_SESSION_SERVER: 0,
    NGHTTP2_SESSION_CLIENT: 1,
    HTTP2_HEADER_STATUS: ":status",
    HTTP2_HEADER_METHOD: ":method",
    HTTP2_HEADER_AUTHORITY: ":authority",
    HTTP2_HEADER_SCHEME: ":scheme",
    HTTP2_HEADER_PATH: ":path",
    HTTP2_HEADER_CONTENT_TYPE: "content-type",
    HTTP2_HEADER_CONTENT_LENGTH: "content-length",
    HTTP2_METHOD_GET: "GET",
    HTTP2_METHOD_POST: "POST",
    HTTP_STATUS_OK: 200,
    HTTP_STATUS_NOT_FOUND: 404,
  },
  sensitiveHeaders: Symbol("nodejs.http2.sensitiveHeaders"),
  ...stubs("http2", ["connect", "createServer", "createSecureServer", "getDefaultSettings", "getPackedSettings", "getUnpackedSettings", "performServerHandshake", "Http2ServerRequest", "Http2ServerResponse"], "HTTP/2 is not available in the agentOS VM (HTTP/1.1 is)"),
};

// --- dgram, cluster, inspector, repl, sqlite, wasi, trace_events -----------------------

const dgram = stubs("dgram", ["createSocket", "Socket"], "UDP is not available in the agentOS VM (TCP is)");

const cluster = Object.assign(new EventEmitter(), {
  isWorker: false,
  isMaster: true,
  isPrimary: true,
  workers: {},
  settings: {},
  SCHED_NONE: 1,
  SCHED_RR: 2,
  schedulingPolicy: 2,
  setupPrimary: () => {},
  setupMaster: () => {},
  disconnect: (cb) => cb && process.nextTick(cb),
  fork: unsupported("cluster", "fork", "the agentOS VM runs each node process in one isolate"),
  Worker: unsupported("cluster", "Worker", "the agentOS VM runs each node process in one isolate"),
});

const noInspector = "there is no inspector in the agentOS VM";
const inspector = {
  url: () => undefined,
  close: () => {},
  get console() {
    return globalThis.console;
  },
  ...stubs("inspector", ["open", "waitForDebugger", "Session"], noInspector),
  Network: stubs("inspector.Network", ["requestWillBeSent", "responseReceived", "loadingFinished", "loadingFailed"], noInspector),
};

const repl = {
  REPL_MODE_SLOPPY: Symbol("repl-sloppy"),
  REPL_MODE_STRICT: Symbol("repl-strict"),
  builtinModules: [],
  ...stubs("repl", ["start", "REPLServer", "Recoverable"], "there is no interactive REPL in the agentOS VM"),
};

const sqlite = stubs("sqlite", ["DatabaseSync", "StatementSync"], "node:sqlite is not available in the agentOS VM");
const wasi = stubs("wasi", ["WASI"], "WASI is not available in the agentOS VM");
const trace_events = {
  getEnabledCategories: () => undefined,
  ...stubs("trace_events", ["createTracing"], "tracing is not available in the agentOS VM"),
};

// --- v8 -------------------------------------------------------------------------------------------

function getHeapStatistics() {
  const m = core.memoryUsage();
  return {
    total_heap_size: m.heapTotal,
    total_heap_size_executable: 0,
    total_physical_size: m.heapTotal,
    total_available_size: Math.max(0, os.totalmem() - m.heapUsed),
    used_heap_size: m.heapUsed,
    heap_size_limit: os.totalmem(),
    malloced_memory: 0,
    peak_malloced_memory: 0,
    does_zap_garbage: 0,
    number_of_native_contexts: 1,
    number_of_detached_contexts: 0,
    total_global_handles_size: 0,
    used_global_handles_size: 0,
    external_memory: m.external,
  };
}

const v8 = {
  cachedDataVersionTag: () => 0,
  getHeapStatistics,
  getHeapSpaceStatistics: () => [],
  getHeapCodeStatistics: () => ({ code_and_metadata_size: 0, bytecode_and_metadata_size: 0, external_script_source_size: 0, cpu_profiler_metadata_size: 0 }),
  // V8's value serializer (the structured clone format), as Node's v8.serialize/deserialize.
  serialize: (value) => globalThis.Buffer.from(core.serialize(value)),
  deserialize: (buffer) => core.deserialize(buffer),
  setFlagsFromString: () => {},
  takeCoverage: () => {},
  stopCoverage: () => {},
  setHeapSnapshotNearHeapLimit: () => {},
  isStringOneByteRepresentation: (s) => !/[^\x00-\xff]/.test(s),
  queryObjects: unsupported("v8", "queryObjects", "heap inspection is not available in the agentOS VM"),
  ...stubs("v8", ["getHeapSnapshot", "writeHeapSnapshot", "Serializer", "Deserializer", "DefaultSerializer", "DefaultDeserializer", "GCProfiler"], "heap inspection is not available in the agentOS VM"),
  promiseHooks: { onInit: () => () => {}, onSettled: () => () => {}, onBefore: () => () => {}, onAfter: () => () => {}, createHook: () => () => {} },
  startupSnapshot: { isBuildingSnapshot: () => false, addSerializeCallback: () => {}, addDeserializeCallback: () => {}, setDeserializeMainFunction: () => {} },
};

// --- diagnostics_channel (pure JS, used by libraries such as undici and pino) ---------------------

const channels = new Map();

class Channel {
  #subscribers = [];
  #stores = new Map();
  constructor(name) {
    this.name = name;
  }
  get hasSubscribers() {
    return this.#subscribers.length > 0 || this.#stores.size > 0;
  }
  subscribe(fn) {
    if (typeof fn !== "function") throw Object.assign(new TypeError(`The "subscription" argument must be of type function. Received ${typeof fn}`), { code: "ERR_INVALID_ARG_TYPE" });
    this.#subscribers = [...this.#subscribers, fn];
  }
  unsubscribe(fn) {
    const i = this.#subscribers.indexOf(fn);
    if (i < 0) return false;
    this.#subscribers = this.#subscribers.filter((_, j) => j !== i);
    return true;
  }
  bindStore(store, transform) {
    this.#stores.set(store, transform);
  }
  unbindStore(store) {
    return this.#stores.delete(store);
  }
  publish(data) {
    for (const fn of this.#subscribers) {
      try {
        fn(data, this.name);
      } catch (err) {
        // A subscriber's error must not break the publisher: it becomes an uncaught exception.
        process.nextTick(() => {
          throw err;
        });
      }
    }
  }
  runStores(data, fn, thisArg, ...args) {
    let run = () => {
      this.publish(data);
      return Reflect.apply(fn, thisArg, args);
    };
    for (const [store, transform] of this.#stores) {
      const next = run;
      run = () => store.run(transform ? transform(data) : data, next);
    }
    return run();
  }
}

function channel(name) {
  if (typeof name !== "string" && typeof name !== "symbol") {
    throw Object.assign(new TypeError(`The "channel" argument must be of type string or symbol. Received ${typeof name}`), { code: "ERR_INVALID_ARG_TYPE" });
  }
  let ch = channels.get(name);
  if (!ch) channels.set(name, (ch = new Channel(name)));
  return ch;
}

class TracingChannel {
  constructor(nameOrChannels) {
    for (const k of ["start", "end", "asyncStart", "asyncEnd", "error"]) {
      this[k] = typeof nameOrChannels === "string" ? channel(`tracing:${nameOrChannels}:${k}`) : nameOrChannels[k];
    }
  }
  get hasSubscribers() {
    return ["start", "end", "asyncStart", "asyncEnd", "error"].some((k) => this[k].hasSubscribers);
  }
  subscribe(handlers) {
    for (const k of Object.keys(handlers)) this[k]?.subscribe(handlers[k]);
  }
  unsubscribe(handlers) {
    let ok = true;
    for (const k of Object.keys(handlers)) ok = this[k]?.unsubscribe(handlers[k]) && ok;
    return ok;
  }
  traceSync(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
    return this.start.runStores(context, () => {
      try {
        context.result = Reflect.apply(fn, thisArg, args);
        return context.result;
      } catch (err) {
        context.error = err;
        this.error.publish(context);
        throw err;
      } finally {
        this.end.publish(context);
      }
    });
  }
  tracePromise(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
    const resolve = (result) => {
      context.result = result;
      this.asyncStart.publish(context);
      this.asyncEnd.publish(context);
      return result;
    };
    const reject = (err) => {
      context.error = err;
      this.error.publish(context);
      this.asyncStart.publish(context);
      this.asyncEnd.publish(context);
      throw err;
    };
    return this.start.runStores(context, () => {
      try {
        return Promise.resolve(Reflect.apply(fn, thisArg, args)).then(resolve, reject);
      } catch (err) {
        context.error = err;
        this.error.publish(context);
        throw err;
      } finally {
        this.end.publish(context);
      }
    });
  }
  traceCallback(fn, position = -1, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return Reflect.apply(fn, thisArg, args);
    const i = position < 0 ? args.length + position : position;
    const callback = args[i];
    args[i] = (err, res) => {
      if (err) {
        context.error = err;
        this.error.publish(context);
      } else {
        context.result = res;
      }
      this.asyncStart.publish(context);
      try {
        return callback.call(thisArg, err, res);
      } finally {
        this.asyncEnd.publish(context);
      }
    };
    return this.start.runStores(context, () => {
      try {
        return Reflect.apply(fn, thisArg, args);
      } catch (err) {
        context.error = err;
        this.error.publish(context);
        throw err;
      } finally {
        this.end.publish(context);
      }
    });
  }
}

const diagnostics_channel = {
  channel,
  hasSubscribers: (name) => channels.get(name)?.hasSubscribers ?? false,
  subscribe: (name, fn) => channel(name).subscribe(fn),
  unsubscribe: (name, fn) => channel(name).unsubscribe(fn),
  tracingChannel: (nameOrChannels) => new TracingChannel(nameOrChannels),
  Channel,
};

// --- stream/consumers -----------------------------------------------------------------------------

async function consume(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? globalThis.Buffer.from(chunk) : chunk);
  return globalThis.Buffer.concat(chunks);
}
const consumers = {
  buffer: consume,
  arrayBuffer: async (s) => {
    const b = await consume(s);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  },
  blob: async (s) => new Blob([await consume(s)]),
  text: async (s) => (await consume(s)).toString("utf8"),
  json: async (s) => JSON.parse((await consume(s)).toString("utf8")),
};

// --- domain (deprecated; enough for code that still creates one) ----------------------------------

class Domain extends EventEmitter {
  constructor() {
    super();
    this.members = [];
  }
  add(ee) {
    this.members.push(ee);
  }
  remove(ee) {
    this.members = this.members.filter((m) => m !== ee);
  }
  run(fn, ...args) {
    try {
      return fn.apply(this, args);
    } catch (err) {
      if (this.listenerCount("error") === 0) throw err;
      this.emit("error", err);
    }
  }
  bind(fn) {
    const d = this;
    return function (...args) {
      return d.run(() => fn.apply(this, args));
    };
  }
  intercept(fn) {
    const d = this;
    return function (err, ...args) {
      if (err) d.emit("error", err);
      else return fn.apply(this, args);
    };
  }
  enter() {}
  exit() {}
  dispose() {}
}
const domain = { Domain, create: () => new Domain(), createDomain: () => new Domain(), active: null };

const constants = { ...os.constants.errno, ...os.constants.signals, ...os.constants.priority, ...os.constants.dlopen };

for (const m of [http2, dgram, cluster, repl, sqlite, wasi, v8, diagnostics_channel, domain]) fixNames(m);

export default {
  http2: () => http2,
  dgram: () => dgram,
  cluster: () => cluster,
  inspector: () => inspector,
  "inspector/promises": () => inspector,
  repl: () => repl,
  sqlite: () => sqlite,
  wasi: () => wasi,
  trace_events: () => trace_events,
  v8: () => v8,
  diagnostics_channel: () => diagnostics_channel,
  punycode: () => punycode,
  "stream/consumers": () => consumers,
  domain: () => domain,
  constants: () => constants,
  sys: () => util,
};
