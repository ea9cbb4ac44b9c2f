// `util`: inspect/format from node-inspect-extracted (Node's own inspect, extracted), type checks
// from V8 (Deno.core), parseArgs from @pkgjs/parseargs (Node's, published), deep equality from
// the `assert` package (Node's comparisons); the rest is written here after Node's lib/util.js.

import { inspect, format, formatWithOptions, stripVTControlCharacters as stripVT } from "node-inspect-extracted";
import legacy from "util/";
import { parseArgs } from "@pkgjs/parseargs";
import comparisons from "assert/build/internal/util/comparisons.js";
import { core } from "./internal/sys.js";
import { TextEncoder, TextDecoder } from "./internal/globals.js";
import { uvErrors } from "./os.js";
import { MIMEType, MIMEParams } from "./internal/mime.js";
import { fixNames } from "./internal/names.js";

function invalidArgType(name, expected, value) {
  const got =
    value === null ? "null" : value === undefined ? "undefined" : typeof value === "function" ? `function ${value.name}` : typeof value === "object" ? `an instance of ${value.constructor?.name ?? "Object"}` : `type ${typeof value} (${inspect(value)})`;
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${got}`), { code: "ERR_INVALID_ARG_TYPE" });
}

// --- types ------------------------------------------------------------------------------------

const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
const tagIs = (name) => (v) => typedArrayTag.call(v) === name;

export const types = {
  isExternal: () => false,
  isDate: core.isDate,
  isArgumentsObject: core.isArgumentsObject,
  isBigIntObject: core.isBigIntObject,
  isBooleanObject: core.isBooleanObject,
  isNumberObject: core.isNumberObject,
  isStringObject: core.isStringObject,
  isSymbolObject: core.isSymbolObject,
  isBoxedPrimitive: core.isBoxedPrimitive,
  isNativeError: core.isNativeError,
  isRegExp: core.isRegExp,
  isAsyncFunction: core.isAsyncFunction,
  isGeneratorFunction: core.isGeneratorFunction,
  isGeneratorObject: core.isGeneratorObject,
  isPromise: core.isPromise,
  isMap: core.isMap,
  isSet: core.isSet,
  isMapIterator: core.isMapIterator,
  isSetIterator: core.isSetIterator,
  isWeakMap: core.isWeakMap,
  isWeakSet: core.isWeakSet,
  isArrayBuffer: core.isArrayBuffer,
  isDataView: core.isDataView,
  isSharedArrayBuffer: core.isSharedArrayBuffer,
  isProxy: core.isProxy,
  isModuleNamespaceObject: core.isModuleNamespaceObject,
  isAnyArrayBuffer: core.isAnyArrayBuffer,
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isTypedArray: (v) => typedArrayTag.call(v) !== undefined,
  isUint8Array: tagIs("Uint8Array"),
  isUint8ClampedArray: tagIs("Uint8ClampedArray"),
  isUint16Array: tagIs("Uint16Array"),
  isUint32Array: tagIs("Uint32Array"),
  isInt8Array: tagIs("Int8Array"),
  isInt16Array: tagIs("Int16Array"),
  isInt32Array: tagIs("Int32Array"),
  isFloat32Array: tagIs("Float32Array"),
  isFloat64Array: tagIs("Float64Array"),
  isBigInt64Array: tagIs("BigInt64Array"),
  isBigUint64Array: tagIs("BigUint64Array"),
  // crypto.KeyObject / CryptoKey do not exist in the guest (no asymmetric or cipher crypto yet).
  isKeyObject: () => false,
  isCryptoKey: () => false,
};
// core's checks are plain functions over one argument; keep Node's arity and names.
for (const [k, f] of Object.entries(types)) {
  types[k] = Object.defineProperty((v) => f(v), "name", { value: k });
}

// --- promisify / callbackify ------------------------------------------------------------------

const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");

export function promisify(original) {
  if (typeof original !== "function") throw invalidArgType("original", "of type function", original);
  if (original[kCustomPromisify]) {
    const fn = original[kCustomPromisify];
    if (typeof fn !== "function") throw invalidArgType("util.promisify.custom", "of type function", fn);
    return Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
  }
  function fn(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [
        ...args,
        (err, ...values) => {
          if (err) return reject(err);
          resolve(values[0]);
        },
      ]);
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
  return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = kCustomPromisify;

export function callbackify(original) {
  if (typeof original !== "function") throw invalidArgType("original", "of type function", original);
  function callbackified(...args) {
    const cb = args.pop();
    if (typeof cb !== "function") throw invalidArgType("last argument", "of type function", cb);
    const onOk = (v) => process.nextTick(cb, null, v);
    const onErr = (reason) => {
      if (!reason) {
        // A falsy rejection reason cannot be passed as the callback's error.
        const e = new Error("Promise was rejected with falsy value");
        e.code = "ERR_FALSY_VALUE_REJECTION";
        e.reason = reason;
        reason = e;
      }
      process.nextTick(cb, reason);
    };
    Reflect.apply(original, this, args).then(onOk, onErr);
  }
  const desc = Object.getOwnPropertyDescriptors(original);
  if (typeof desc.length.value === "number") desc.length.value++;
  if (typeof desc.name.value === "string") desc.name.value += "Callbackified";
  Object.setPrototypeOf(callbackified, Object.getPrototypeOf(original));
  return Object.defineProperties(callbackified, desc);
}

// --- inherits / deprecate / debuglog ----------------------------------------------------------

export function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw invalidArgType("ctor", "of type function", ctor);
  if (superCtor === undefined || superCtor === null) throw invalidArgType("superCtor", "of type function", superCtor);
  if (superCtor.prototype === undefined) throw invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
  Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warnedCodes = new Set();
export function deprecate(fn, msg, code) {
  if (typeof fn !== "function") throw invalidArgType("fn", "of type function", fn);
  if (process.noDeprecation === true) return fn;
  let warned = false;
  function deprecated(...args) {
    if (!warned && !process.noDeprecation) {
      warned = true;
      if (code === undefined || !warnedCodes.has(code)) {
        if (code !== undefined) warnedCodes.add(code);
        if (process.throwDeprecation) {
          const e = new Error(msg);
          e.name = "DeprecationWarning";
          if (code) e.code = code;
          throw e;
        }
        process.emitWarning(msg, "DeprecationWarning", code);
      }
    }
    return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
  }
  Object.setPrototypeOf(deprecated, fn);
  if (fn.prototype) deprecated.prototype = fn.prototype;
  return deprecated;
}

// NODE_DEBUG is read when a section's logger is first used (not at build time).
function debugEnabled(section) {
  const spec = process.env.NODE_DEBUG;
  if (!spec) return false;
  const re = new RegExp(`^(${spec.replace(/[|\\{}()[\]^$+?.]/g, "\\$&").replace(/\*/g, ".*").replace(/,/g, "$|^")})$`, "i");
  return re.test(section);
}

export function debuglog(section, cb) {
  section = String(section).toUpperCase();
  let enabled;
  const test = () => (enabled ??= debugEnabled(section));
  function logger(...args) {
    if (!test()) return;
    cb?.(logger);
    const msg = formatWithOptions({ colors: false }, ...args);
    process.stderr.write(`${section} ${process.pid}: ${msg}\n`);
  }
  Object.defineProperty(logger, "enabled", { get: test, configurable: true, enumerable: true });
  return logger;
}

// --- text helpers -----------------------------------------------------------------------------

export function stripVTControlCharacters(str) {
  if (typeof str !== "string") throw invalidArgType("str", "of type string", str);
  return stripVT(str);
}

export function styleText(format, text) {
  if (typeof text !== "string") throw invalidArgType("text", "of type string", text);
  const formats = Array.isArray(format) ? format : [format];
  let left = "";
  let right = "";
  for (const key of formats) {
    const code = inspect.colors[key];
    if (code === undefined) {
      const e = new TypeError(`The argument 'format' must be one of: ${Object.keys(inspect.colors).map((k) => `'${k}'`).join(", ")}. Received ${inspect(key)}`);
      e.code = "ERR_INVALID_ARG_VALUE";
      throw e;
    }
    left += `\u001b[${code[0]}m`;
    right = `\u001b[${code[1]}m` + right;
  }
  return `${left}${text}${right}`;
}

export function toUSVString(s) {
  return String(s).toWellFormed();
}

// --- errors -----------------------------------------------------------------------------------

const errorMap = new Map(uvErrors);

export function getSystemErrorName(err) {
  if (typeof err !== "number") throw invalidArgType("err", "of type number", err);
  if (err >= 0 || !Number.isSafeInteger(err)) {
    throw Object.assign(new RangeError(`The value of "err" is out of range. It must be a negative integer. Received ${err}`), { code: "ERR_OUT_OF_RANGE" });
  }
  return errorMap.get(err)?.[0] ?? `Unknown system error ${err}`;
}

export function getSystemErrorMap() {
  return new Map(errorMap);
}

export function getSystemErrorMessage(err) {
  if (typeof err !== "number") throw invalidArgType("err", "of type number", err);
  return errorMap.get(err)?.[1] ?? `Unknown system error ${err}`;
}

// --- async helpers ----------------------------------------------------------------------------

/// util.aborted(signal, resource): resolves when `signal` aborts.
export function aborted(signal, resource) {
  if (signal === undefined || signal === null || typeof signal !== "object" || !("aborted" in signal)) {
    throw invalidArgType("signal", "an instance of AbortSignal", signal);
  }
  if (resource === null || (typeof resource !== "object" && typeof resource !== "function")) {
    throw invalidArgType("resource", "of type object", resource);
  }
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

export const transferableAbortSignal = (signal) => signal;
export const transferableAbortController = () => new AbortController();

/// util.parseEnv: the contents of a .env file as an object (Node's dotenv rules).
export function parseEnv(content) {
  if (typeof content !== "string") throw invalidArgType("content", "of type string", content);
  const out = {};
  const re = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*("(?:\\.|[^"])*"|'[^']*'|`[^`]*`|[^#\n]*)/gm;
  for (const m of content.replace(/\r\n?/g, "\n").matchAll(re)) {
    let v = m[2].trim();
    const q = v[0];
    if ((q === '"' || q === "'" || q === "`") && v.endsWith(q) && v.length > 1) {
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\n/g, "\n");
    }
    out[m[1]] = v;
  }
  return out;
}

export function isDeepStrictEqual(a, b) {
  return comparisons.isDeepStrictEqual(a, b);
}

export const isArray = Array.isArray;

export { inspect, format, formatWithOptions, TextEncoder, TextDecoder, parseArgs };

const util = {
  MIMEType,
  MIMEParams,
  inspect,
  format,
  formatWithOptions,
  promisify,
  callbackify,
  inherits,
  deprecate,
  debuglog,
  debug: debuglog,
  isDeepStrictEqual,
  types,
  TextEncoder,
  TextDecoder,
  parseArgs,
  parseEnv,
  styleText,
  stripVTControlCharacters,
  toUSVString,
  getSystemErrorName,
  getSystemErrorMap,
  getSystemErrorMessage,
  aborted,
  transferableAbortSignal,
  transferableAbortController,
  // Deprecated, still present in Node 22.
  isArray,
  isBoolean: legacy.isBoolean,
  isBuffer: legacy.isBuffer,
  isNull: legacy.isNull,
  isNullOrUndefined: legacy.isNullOrUndefined,
  isNumber: legacy.isNumber,
  isString: legacy.isString,
  isSymbol: legacy.isSymbol,
  isUndefined: legacy.isUndefined,
  isRegExp: legacy.isRegExp,
  isObject: legacy.isObject,
  isDate: legacy.isDate,
  isError: legacy.isError,
  isFunction: legacy.isFunction,
  isPrimitive: legacy.isPrimitive,
  log: legacy.log,
  _extend: legacy._extend,
};
export default fixNames(util);
