// `vm`: runInThisContext evaluates a script in the guest's global scope (an indirect eval, with
// the filename in stack traces). New contexts are EMULATED: the code runs in a `with` scope
// over a proxy of the context object, so its global variables and assignments land on that
// object and other names resolve to the JavaScript builtins (no require/process/console).
// The builtins are the guest's own (one realm): this is not an isolation boundary (Node's vm
// is not one either).

import { core } from "./internal/sys.js";
import { fixNames } from "./internal/names.js";

function invalidArgType(name, expected, value) {
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? "null" : typeof value}`), { code: "ERR_INVALID_ARG_TYPE" });
}

const INTRINSICS = new Set([
  "Object", "Function", "Array", "Number", "parseFloat", "parseInt", "Infinity", "NaN", "undefined", "Boolean", "String",
  "Symbol", "Date", "Promise", "RegExp", "Error", "AggregateError", "EvalError", "RangeError", "ReferenceError",
  "SyntaxError", "TypeError", "URIError", "JSON", "Math", "Intl", "ArrayBuffer", "Atomics", "Uint8Array", "Int8Array",
  "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "Uint8ClampedArray",
  "BigUint64Array", "BigInt64Array", "DataView", "Map", "BigInt", "Set", "WeakMap", "WeakSet", "Proxy", "Reflect",
  "FinalizationRegistry", "WeakRef", "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape",
  "unescape", "eval", "isFinite", "isNaN", "SharedArrayBuffer", "WebAssembly", "Iterator",
]);

const globalEval = globalThis.eval;
const contexts = new WeakMap(); // context object -> its scope proxy
const kCode = "__agentos_vm_code__";

function scopeFor(ctx) {
  const proxy = new Proxy(ctx, {
    // Every name but our own parameter resolves here, so top-level assignments create properties
    // of the context rather than globals of the guest.
    has: (t, k) => k !== kCode && k !== Symbol.unscopables,
    get(t, k) {
      if (k === Symbol.unscopables) return undefined;
      if (k in t) return t[k];
      if (k === "globalThis" || k === "global") return proxy;
      if (typeof k === "string" && INTRINSICS.has(k)) return globalThis[k];
      return undefined;
    },
    set(t, k, v) {
      t[k] = v;
      return true;
    },
  });
  return proxy;
}

// A sloppy function (direct eval inside `with` needs one); `eval` resolves past the proxy to the
// real one, making the call a direct eval in the with-scope.
const runWith = core.evalContext(`(function (${kCode}) { with (this) { return eval(${kCode}); } })`, "agentos:vm")[0];

export function createContext(contextObject = {}, options) {
  if (contextObject === vm.constants.DONT_CONTEXTIFY) contextObject = {};
  if (contextObject === null || typeof contextObject !== "object") throw invalidArgType("contextObject", "of type object", contextObject);
  void options;
  if (!contexts.has(contextObject)) contexts.set(contextObject, scopeFor(contextObject));
  return contextObject;
}

export function isContext(object) {
  if (object === null || typeof object !== "object") throw invalidArgType("object", "of type object", object);
  return contexts.has(object);
}

function filenameOf(options) {
  return (typeof options === "string" ? options : options?.filename) ?? "evalmachine.<anonymous>";
}

export class Script {
  #code;
  #filename;
  constructor(code, options = {}) {
    this.#code = `${code}`;
    this.#filename = filenameOf(options);
    // Syntax errors are reported when the script is made, as Node does (compiling it as a
    // function body checks the syntax without running it).
    new Function(this.#code);
  }
  runInThisContext() {
    // Indirect eval: global scope; the sourceURL names the script in stack traces.
    return globalEval(`${this.#code}\n//# sourceURL=${this.#filename}`);
  }
  runInContext(contextifiedObject) {
    if (contextifiedObject === null || typeof contextifiedObject !== "object" || !contexts.has(contextifiedObject)) {
      throw invalidArgType("contextifiedObject", "an vm.Context", contextifiedObject);
    }
    return runWith.call(contexts.get(contextifiedObject), `${this.#code}\n//# sourceURL=${this.#filename}`);
  }
  runInNewContext(contextObject, options) {
    return this.runInContext(createContext(contextObject ?? {}, options));
  }
  createCachedData() {
    return globalThis.Buffer.alloc(0);
  }
  get cachedDataRejected() {
    return undefined;
  }
  get sourceMapURL() {
    return undefined;
  }
}

export function runInThisContext(code, options) {
  return new Script(code, options).runInThisContext();
}

export function runInContext(code, contextifiedObject, options) {
  return new Script(code, options).runInContext(contextifiedObject);
}

export function runInNewContext(code, contextObject, options) {
  return new Script(code, options).runInNewContext(contextObject, options);
}

export function compileFunction(code, params = [], options = {}) {
  if (typeof code !== "string") throw invalidArgType("code", "of type string", code);
  const fn = globalEval(`(function (${params.join(", ")}) {\n${code}\n})\n//# sourceURL=${filenameOf(options)}`);
  const ctx = options.parsingContext;
  if (ctx && contexts.has(ctx)) {
    return function (...args) {
      return runWith.call(contexts.get(ctx), `(function (${params.join(", ")}) {\n${code}\n})`).apply(this, args);
    };
  }
  return fn;
}

export function measureMemory() {
  const m = core.memoryUsage();
  return Promise.resolve({ total: { jsMemoryEstimate: m.heapUsed, jsMemoryRange: [m.heapUsed, m.heapTotal] } });
}

const vm = {
  Script,
  createContext,
  isContext,
  runInThisContext,
  runInContext,
  runInNewContext,
  compileFunction,
  measureMemory,
  createScript: (code, options) => new Script(code, options),
  constants: {
    USE_MAIN_CONTEXT_DEFAULT_LOADER: Symbol("vm_dynamic_import_main_context_default"),
    DONT_CONTEXTIFY: Symbol("vm_context_no_contextify"),
  },
};
export default fixNames(vm);
