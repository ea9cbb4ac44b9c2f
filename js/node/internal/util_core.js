// The part of `util` the bundled npm polyfills use (assert, browserify-zlib, inherits):
// js/build.mjs resolves their `require("util")` here, so they share the guest's inspect, its
// V8-backed type checks and Node's inherits, instead of loading the npm `util` package and its
// dependency chain (get-intrinsic, which-typed-array, ...), which made every first
// require("util") or require("assert") cost ~10 ms. `util.js` builds on it.

import { inspect, format } from "node-inspect-extracted";
import { core } from "./sys.js";

export { inspect, format };

export function invalidArgType(name, expected, value) {
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

export function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) throw invalidArgType("ctor", "of type function", ctor);
  if (superCtor === undefined || superCtor === null) throw invalidArgType("superCtor", "of type function", superCtor);
  if (superCtor.prototype === undefined) throw invalidArgType("superCtor.prototype", "of type object", superCtor.prototype);
  Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

export default { inspect, format, types, inherits };
