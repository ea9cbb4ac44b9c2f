// The WHATWG streams (web-streams-polyfill), TextEncoderStream/TextDecoderStream and
// CompressionStream/DecompressionStream. Loaded on first use of the globals (see web.js).

import * as streams from "web-streams-polyfill";
import { inspect } from "node-inspect-extracted";
import { invalidArgType as argTypeError } from "./errors.js";
import { fixNames } from "./names.js";

export const { ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableByteStreamController, ReadableStreamDefaultController, WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, TransformStream, TransformStreamDefaultController, ByteLengthQueuingStrategy, CountQueuingStrategy } = streams;

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
