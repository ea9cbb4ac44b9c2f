// What the `buffer` npm package's Buffer lacks against Node's, patched into the one Buffer class
// every guest module shares (the global Buffer included): the 'base64url' encoding, util.inspect
// output, Node's range errors, Buffer.copyBytesFrom. Imported eagerly by web.js, so it applies before any builtin is required.

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
  Buffer.from = function from_(...args) {
    try {
      return from.apply(this, fixArgs(args));
    } catch (e) {
      if (e instanceof TypeError && !e.code && /^The first argument must be/.test(e.message)) {
        const v = args[0];
        const got = v === null ? "null" : v === undefined ? "undefined" : typeof v === "object" ? `an instance of ${v.constructor?.name ?? "Object"}` : `type ${typeof v} (${String(v)})`;
        e.message = `The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received ${got}`;
        e.code = "ERR_INVALID_ARG_TYPE";
      }
      throw e;
    }
  };
  Object.defineProperty(Buffer.from, "name", { value: "from" });
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


// Node's errors for out-of-range reads and writes and allocation sizes (the package throws
// RangeErrors of its own wording, without codes).
const withSeparators = (n) => {
  const s = String(n);
  if (!(Math.abs(Number(n)) > 2 ** 32)) return s;
  let res = "";
  let i = s.length;
  const start = s[0] === "-" ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${s.slice(i - 3, i)}${res}`;
  return `${s.slice(0, i)}${res}`;
};
const outOfRange = (name, range, received) =>
  Object.assign(new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${withSeparators(received)}`), { code: "ERR_OUT_OF_RANGE" });
const describe = (v) => (v === null ? "null" : v === undefined ? "undefined" : typeof v === "string" ? `type string ('${v}')` : typeof v === "object" ? `an instance of ${v.constructor?.name ?? "Object"}` : `type ${typeof v} (${String(v)})`);
const invalidNumber = (name, v) =>
  Object.assign(new TypeError(`The "${name}" argument must be of type number. Received ${describe(v)}`), { code: "ERR_INVALID_ARG_TYPE" });

function accessError(buf, name, args, e) {
  // The package's BigInt range message lacks an `n` ("< 2 ** 63n").
  if (e.code === "ERR_OUT_OF_RANGE") e.message = e.message.replace(/< 2 \*\* (\d+)n/, "< 2n ** $1n");
  if (!(e instanceof RangeError) || e.code) return e;
  const write = name.startsWith("write");
  const fixed = /(8|16|32|64)/.exec(name)?.[1];
  const size = /Float/.test(name) ? 4 : /Double/.test(name) ? 8 : fixed ? Number(fixed) / 8 : Number(args[write ? 2 : 1]);
  if (e.message === '"value" argument is out of bounds') {
    const bits = size * 8;
    const unsigned = /U[Ii]nt/.test(name);
    const range =
      size > 4
        ? unsigned
          ? `>= 0 and < 2 ** ${bits}`
          : `>= -(2 ** ${bits - 1}) and < 2 ** ${bits - 1}`
        : unsigned
          ? `>= 0 and <= ${2 ** bits - 1}`
          : `>= ${-(2 ** (bits - 1))} and <= ${2 ** (bits - 1) - 1}`;
    return outOfRange("value", range, args[0]);
  }
  const offset = args[write ? 1 : 0] ?? 0;
  if (typeof offset !== "number") return invalidNumber("offset", offset);
  if (!Number.isInteger(offset)) return outOfRange("offset", "an integer", offset);
  if (buf.length - size < 0) return Object.assign(new RangeError("Attempt to access memory outside buffer bounds"), { code: "ERR_BUFFER_OUT_OF_BOUNDS" });
  return outOfRange("offset", `>= 0 and <= ${buf.length - size}`, offset);
}

for (const name of Object.getOwnPropertyNames(Buffer.prototype)) {
  if (!/^(read|write)(Big)?(U?[Ii]nt|Float|Double)/.test(name)) continue;
  const orig = Buffer.prototype[name];
  Buffer.prototype[name] = {
    [name](...args) {
      // The package coerces offsets (`offset >>> 0`); Node checks them.
      const offset = args[name.startsWith("write") ? 1 : 0];
      if (offset !== undefined) {
        if (typeof offset !== "number") throw invalidNumber("offset", offset);
        if (!Number.isInteger(offset)) throw outOfRange("offset", "an integer", offset);
      }
      try {
        return orig.apply(this, args);
      } catch (e) {
        throw accessError(this, name, args, e);
      }
    },
  }[name];
}

for (const name of ["alloc", "allocUnsafe", "allocUnsafeSlow"]) {
  const orig = Buffer[name];
  Buffer[name] = {
    [name](size, ...rest) {
      if (typeof size !== "number") throw invalidNumber("size", size);
      if (!(size >= 0 && size <= b.kMaxLength)) throw outOfRange("size", `>= 0 && <= ${b.kMaxLength}`, size);
      return orig.call(this, size, ...rest);
    },
  }[name];
}

// Buffer.copyBytesFrom(view, offset, length): a copy of part of a TypedArray (Node 19.8+).
if (!Buffer.copyBytesFrom) {
  Buffer.copyBytesFrom = function copyBytesFrom(view, offset = 0, length) {
    if (!ArrayBuffer.isView(view) || view instanceof DataView) {
      throw Object.assign(new TypeError(`The "view" argument must be an instance of TypedArray. Received ${describe(view)}`), { code: "ERR_INVALID_ARG_TYPE" });
    }
    const end = length === undefined ? view.length : Math.min(view.length, offset + length);
    if (offset >= view.length || end <= offset) return Buffer.alloc(0);
    const el = view.BYTES_PER_ELEMENT;
    return Buffer.from(view.buffer.slice(view.byteOffset + offset * el, view.byteOffset + end * el));
  };
}
