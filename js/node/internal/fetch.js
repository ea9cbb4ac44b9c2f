// fetch, Request, Response, Headers, FormData and WebSocket: undici 6, as in Node 22 (whose fetch
// is undici), over our `net`/`tls`. undici is bundled (js/build.mjs resolves the builtins it
// requires through the guest's builtin table when it loads) but evaluated only when a program
// first calls fetch or touches one of these globals: booting a process does not pay for it.

/* global require */

let undici;

/// The classes and fetch function of undici, which is evaluated on the first call.
export function loadUndici() {
  if (undici) return undici;
  markWebStreams();
  // undici reports each response's timing through this (Node 22 has it; ours records no
  // 'resource' entries yet).
  if (typeof globalThis.performance.markResourceTiming !== "function") {
    Object.defineProperty(Object.getPrototypeOf(globalThis.performance), "markResourceTiming", {
      value: function markResourceTiming() {},
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  // What Node's global fetch takes from undici (its index-fetch.js, without EventSource, the
  // proxy agent and the Dispatcher request API, which no global exposes). The global dispatcher
  // (an Agent over `net`/`tls`) is made when the fetch module loads.
  const { fetch } = require("undici/lib/web/fetch/index.js");
  undici = {
    // As Node's: the error's stack is where fetch was called, not undici's internals.
    fetch: (input, init) =>
      fetch(input, init).catch((err) => {
        if (err !== null && typeof err === "object") Error.captureStackTrace(err);
        throw err;
      }),
    Request: require("undici/lib/web/fetch/request.js").Request,
    Response: require("undici/lib/web/fetch/response.js").Response,
    Headers: require("undici/lib/web/fetch/headers.js").Headers,
    FormData: require("undici/lib/web/fetch/formdata.js").FormData,
    WebSocket: require("undici/lib/web/websocket/websocket.js").WebSocket,
  };
  return undici;
}

// Node's web streams carry their state under these symbols, which `stream.isDisturbed`,
// `stream.isErrored` and `stream.finished` read (undici's `bodyUsed`, its body checks and the end
// of a response go through them); the polyfill keeps the same state in `_disturbed`, `_state` and
// `_storedError`. `_state` becomes an accessor so that the closed promise settles when the stream
// closes or errors (streams made before this runs keep a plain `_state`: their closed promise
// settles only if they had already ended).
const kState = Symbol("state");
const kClosed = Symbol("closed");

function settle(stream) {
  const d = stream[kClosed];
  if (!d || stream[kState] === "readable") return;
  // The polyfill stores the error just after the state.
  queueMicrotask(() => (stream[kState] === "errored" ? d.reject(stream._storedError) : d.resolve()));
}

function markWebStreams() {
  const proto = globalThis.ReadableStream.prototype;
  if (Object.prototype.hasOwnProperty.call(proto, Symbol.for("nodejs.stream.disturbed"))) return;
  const hidden = (get, set) => ({ get, set, configurable: true, enumerable: false });
  Object.defineProperties(proto, {
    _state: hidden(
      function () {
        return this[kState];
      },
      function (v) {
        this[kState] = v;
        settle(this);
      },
    ),
    [Symbol.for("nodejs.stream.disturbed")]: hidden(function () {
      return !!this._disturbed;
    }),
    [Symbol.for("nodejs.stream.errored")]: hidden(function () {
      return this._state === "errored";
    }),
    [Symbol.for("nodejs.stream.readable")]: hidden(function () {
      return this._state === "readable";
    }),
    [Symbol.for("nodejs.webstream.isClosedPromise")]: hidden(function () {
      if (!this[kClosed]) {
        const d = {};
        d.promise = new Promise((resolve, reject) => Object.assign(d, { resolve, reject }));
        // Settled whether or not anyone waits on it, as Node's is.
        d.promise.catch(() => {});
        this[kClosed] = d;
        if (Object.prototype.hasOwnProperty.call(this, "_state")) this[kState] = this._state;
        settle(this);
      }
      return this[kClosed];
    }),
  });
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
