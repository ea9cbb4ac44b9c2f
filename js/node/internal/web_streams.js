// The WHATWG streams (web-streams-polyfill), TextEncoderStream/TextDecoderStream and
// CompressionStream/DecompressionStream. Loaded on first use of the globals (see web.js).

import * as streams from "web-streams-polyfill";
import { inspect } from "node-inspect-extracted";
import { invalidArgType as argTypeError } from "./errors.js";
import { fixNames } from "./names.js";

export const { ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableByteStreamController, ReadableStreamDefaultController, WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, TransformStream, TransformStreamDefaultController, ByteLengthQueuingStrategy, CountQueuingStrategy } = streams;

// Node's web streams carry their state under these symbols, which `stream.isDisturbed`,
// `stream.isErrored` and `stream.finished` read (undici's `bodyUsed`, its body checks and the end
// of a response go through them); the polyfill keeps the same state in `_disturbed`, `_state` and
// `_storedError`. `_state` becomes an accessor so that the closed promise settles when the stream
// closes or errors. The prototype is marked when this module loads, before any stream exists.
const kState = Symbol("state");
const kClosed = Symbol("closed");

function settle(stream) {
  const d = stream[kClosed];
  if (!d || stream[kState] === "readable") return;
  // The polyfill stores the error just after the state.
  queueMicrotask(() => (stream[kState] === "errored" ? d.reject(stream._storedError) : d.resolve()));
}

function markWebStreams(proto) {
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
        settle(this);
      }
      return this[kClosed];
    }),
  });
}

markWebStreams(streams.ReadableStream.prototype);

export class TextEncoderStream extends streams.TransformStream {
  constructor() {
    const enc = new globalThis.TextEncoder();
    super({
      transform(chunk, c) {
        const b = enc.encode(String(chunk));
        if (b.length) c.enqueue(b);
      },
    });
  }
  get encoding() {
    return "utf-8";
  }
}

export class TextDecoderStream extends streams.TransformStream {
  #dec;
  constructor(label = "utf-8", options = {}) {
    const dec = new globalThis.TextDecoder(label, options);
    super({
      transform(chunk, c) {
        const s = dec.decode(chunk, { stream: true });
        if (s) c.enqueue(s);
      },
      flush(c) {
        const s = dec.decode();
        if (s) c.enqueue(s);
      },
    });
    this.#dec = dec;
  }
  get encoding() {
    return this.#dec.encoding;
  }
  get fatal() {
    return this.#dec.fatal;
  }
  get ignoreBOM() {
    return this.#dec.ignoreBOM;
  }
}

// CompressionStream / DecompressionStream over the zlib module (loaded on first use).
/* global require */
const zlibStream = (kind, format) => {
  const zlib = require("../zlib.js").default;
  const make = {
    compress: { gzip: zlib.createGzip, deflate: zlib.createDeflate, "deflate-raw": zlib.createDeflateRaw },
    decompress: { gzip: zlib.createGunzip, deflate: zlib.createInflate, "deflate-raw": zlib.createInflateRaw },
  }[kind][format];
  if (!make) {
    throw Object.assign(new TypeError(`The argument 'format' is invalid. Received ${inspect(format)}`), { code: "ERR_INVALID_ARG_VALUE" });
  }
  const z = make();
  return new streams.TransformStream({
    start(controller) {
      z.on("data", (chunk) => controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      z.on("error", (e) => controller.error(e));
    },
    transform(chunk) {
      if (!ArrayBuffer.isView(chunk) && !(chunk instanceof ArrayBuffer)) throw argTypeError("chunk", "an instance of ArrayBuffer or ArrayBufferView", chunk);
      return new Promise((resolve) => z.write(chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : chunk, resolve));
    },
    flush() {
      return new Promise((resolve) => {
        z.once("end", resolve);
        z.end();
      });
    },
  });
};

export class CompressionStream {
  #ts;
  constructor(format) {
    this.#ts = zlibStream("compress", format);
  }
  get readable() {
    return this.#ts.readable;
  }
  get writable() {
    return this.#ts.writable;
  }
}

export class DecompressionStream {
  #ts;
  constructor(format) {
    this.#ts = zlibStream("decompress", format);
  }
  get readable() {
    return this.#ts.readable;
  }
  get writable() {
    return this.#ts.writable;
  }
}

fixNames({ TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream });
