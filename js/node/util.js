// `util`: inspect/format from node-inspect-extracted (Node's own inspect, extracted), type checks
// from V8 (Deno.core, in internal/util_core.js), parseArgs from @pkgjs/parseargs (Node's,
// published), deep equality from the `assert` package (Node's comparisons); the rest is written
// here after Node's lib/util.js. parseArgs and the comparisons load on first use.
/* global require */

import { inspect, format, formatWithOptions, stripVTControlCharacters as stripVT } from "node-inspect-extracted";
import { core } from "./internal/sys.js";
import { types, inherits, invalidArgType } from "./internal/util_core.js";
import { TextEncoder, TextDecoder } from "./internal/globals.js";
import { uvErrors } from "./os.js";
import { MIMEType, MIMEParams } from "./internal/mime.js";
import { fixNames } from "./internal/names.js";

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
  return require("assert/build/internal/util/comparisons.js").isDeepStrictEqual(a, b);
}

export const isArray = Array.isArray;

export function parseArgs(...args) {
  return require("@pkgjs/parseargs").parseArgs(...args);
}

// Deprecated predicates and helpers, as Node 22 still has them.
const isPrimitive = (v) => v === null || (typeof v !== "object" && typeof v !== "function");
const pad = (n) => String(n).padStart(2, "0");
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function log(...args) {
  const d = new Date();
  const time = [pad(d.getHours()), pad(d.getMinutes()), pad(d.getSeconds())].join(":");
  console.log("%s - %s", `${d.getDate()} ${months[d.getMonth()]} ${time}`, format(...args));
}
function _extend(target, source) {
  if (source === null || typeof source !== "object") return target;
  for (const k of Object.keys(source)) target[k] = source[k];
  return target;
}

export { inspect, format, formatWithOptions, TextEncoder, TextDecoder, types, inherits };

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
  isBoolean: (v) => typeof v === "boolean",
  isBuffer: (v) => globalThis.Buffer.isBuffer(v),
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v === null || v === undefined,
  isNumber: (v) => typeof v === "number",
  isString: (v) => typeof v === "string",
  isSymbol: (v) => typeof v === "symbol",
  isUndefined: (v) => v === undefined,
  isRegExp: types.isRegExp,
  isObject: (v) => v !== null && typeof v === "object",
  isDate: types.isDate,
  isError: (v) => types.isNativeError(v) || v instanceof Error,
  isFunction: (v) => typeof v === "function",
  isPrimitive,
  log,
  _extend,
};
export default fixNames(util);
