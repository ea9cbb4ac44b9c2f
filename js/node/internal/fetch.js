// fetch, Request, Response, Headers, FormData and WebSocket: undici 6, as in Node 22 (whose fetch
// is undici), over our `net`/`tls`. undici is a bundle of its own (js/build.mjs), embedded in the
// binary but not in the startup snapshot, and compiled only when a program first calls fetch or
// touches one of these globals: booting a process does not pay for it.

import { core } from "./sys.js";
import { internalBuiltin } from "./module.js";

let undici;

/// The classes and fetch function of undici, which is evaluated on the first call.
export function loadUndici() {
  if (undici) return undici;
  // undici.js (js/build.mjs), embedded in the binary and kept out of the snapshot.
  const src = core.ops.op_lazy_source("undici");
  if (typeof src !== "string") throw new Error("agentOS: undici is not available");
  const [fn, err] = core.evalContext(src, "ext:agentos/undici.js");
  if (err) throw err.thrown;
  const module = { exports: {} };
  // Its `require` of a Node builtin gets the guest's own module, whatever `allowedNodeBuiltins`
  // lets guest code load (fetch is a global; the network policy is what governs it).
  fn.call(module.exports, module, module.exports, internalBuiltin);
  const { fetch, Request, Response, Headers, FormData, WebSocket } = module.exports;
  undici = {
    // As Node's: the error's stack is where fetch was called, not undici's internals.
    fetch: (input, init) =>
      fetch(input, init).catch((err) => {
        if (err !== null && typeof err === "object") Error.captureStackTrace(err);
        throw err;
      }),
    Request,
    Response,
    Headers,
    FormData,
    WebSocket,
  };
  return undici;
}

/// Install the globals on `g` as Node 22 does: `fetch` is a plain (enumerable) function that loads
/// undici when called; the classes are accessors that load it when first read, and assigning one
/// replaces the accessor.
export function install(g) {
  Object.defineProperty(g, "fetch", {
    value: function fetch(input, init = undefined) {
      return loadUndici().fetch(input, init);
    },
    writable: true,
    configurable: true,
    enumerable: true,
  });
  for (const name of ["Request", "Response", "Headers", "FormData", "WebSocket"]) {
    Object.defineProperty(g, name, {
      get: () => loadUndici()[name],
      set: (value) => Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false }),
      configurable: true,
      enumerable: false,
    });
  }
}
