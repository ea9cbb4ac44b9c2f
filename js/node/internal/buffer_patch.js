// What the `buffer` npm package's Buffer lacks against Node's, patched into the one Buffer class
// every guest module shares (the global Buffer included): the 'base64url' encoding, and
// util.inspect output. Imported eagerly by web.js, so it applies before any builtin is required.

import b from "buffer/";

const { Buffer } = b;
// The bundler may rename the class (`Buffer11`); Node's name shows in inspect output.
Object.defineProperty(Buffer, "name", { value: "Buffer" });

// base64url: the npm decoder already accepts '-' and '_', so inputs map to 'base64'; outputs are
// re-alphabeted without padding.
const isB64url = (e) => typeof e === "string" && e.toLowerCase() === "base64url";
const fixArgs = (args) => args.map((a) => (isB64url(a) ? "base64" : a));
const toUrl = (s) => s.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

if (!Buffer.isEncoding("base64url")) {
  const { from, byteLength, isEncoding, alloc } = Buffer;
  Buffer.from = function (...args) {
    return from.apply(this, fixArgs(args));
  };
  Buffer.alloc = function (...args) {
    return alloc.apply(this, fixArgs(args));
  };
  Buffer.byteLength = function (...args) {
    return byteLength.apply(this, fixArgs(args));
  };
  Buffer.isEncoding = (e) => isB64url(e) || isEncoding(e);
  const proto = Buffer.prototype;
  for (const name of ["write", "fill", "indexOf", "lastIndexOf", "includes"]) {
    const orig = proto[name];
    proto[name] = function (...args) {
      return orig.apply(this, fixArgs(args));
    };
  }
  const toString = proto.toString;
  proto.toString = function (encoding, ...rest) {
    return isB64url(encoding) ? toUrl(toString.call(this, "base64", ...rest)) : toString.call(this, encoding, ...rest);
  };
  proto.toLocaleString = proto.toString;
}

// util.inspect(buffer) as Node prints it: `<Buffer 00 01 ... 10 more bytes>`.
Buffer.prototype[Symbol.for("nodejs.util.inspect.custom")] = function inspect(recurseTimes, ctx) {
  const max = b.INSPECT_MAX_BYTES;
  const shown = Math.min(max, this.length);
  const remaining = this.length - max;
  let str = this.toString("hex", 0, shown).replace(/(.{2})/g, "$1 ").trim();
  if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? "s" : ""}`;
  return `<${this.constructor.name} ${str}>`;
};

