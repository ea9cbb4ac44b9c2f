// Helpers shared by `fs` and `child_process`: Node's argument errors (ERR_INVALID_ARG_TYPE...),
// validators, path arguments (string | Buffer | file: URL), and system errors in Node's shape.

import { Buffer } from "buffer";

/// Describe a received value the way Node's ERR_INVALID_ARG_TYPE messages do.
export function describe(v) {
  if (v == null) return ` Received ${v}`;
  if (typeof v === "function") return ` Received function ${v.name || "<anonymous>"}`;
  if (typeof v === "object") {
    if (v.constructor?.name) return ` Received an instance of ${v.constructor.name}`;
    return ` Received ${String(v)}`;
  }
  let shown = typeof v === "string" ? `'${v.length > 28 ? v.slice(0, 25) + "..." : v}'` : String(v);
  if (typeof v === "bigint") shown += "n";
  return ` Received type ${typeof v} (${shown})`;
}

/// A Node internal error: `TypeError [CODE]: message` in its stack, `code` set.
export function nodeError(Base, code, message, props) {
  const e = new Base(message);
  e.code = code;
  if (props) Object.assign(e, props);
  if (typeof e.stack === "string") {
    const name = Base.name;
    if (e.stack.startsWith(name + ":")) e.stack = `${name} [${code}]` + e.stack.slice(name.length);
  }
  return e;
}

export function invalidArgType(name, expected, actual) {
  const what = name.includes(".") ? "property" : "argument";
  return nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" ${what} must be ${expected}.${describe(actual)}`);
}

export function invalidArgValue(name, value, reason = "is invalid") {
  const what = name.includes(".") ? "property" : "argument";
  let shown;
  try {
    shown = typeof value === "string" ? `'${value.replace(/\x00/g, "\\x00")}'` : inspectShort(value);
  } catch {
    shown = String(value);
  }
  return nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The ${what} '${name}' ${reason}. Received ${shown}`);
}

function inspectShort(v) {
  if (Array.isArray(v)) return `[ ${v.map((x) => (typeof x === "string" ? `'${x}'` : String(x))).join(", ")} ]`;
  if (v && typeof v === "object") return v.constructor?.name === "Object" ? "{ ... }" : `${v.constructor?.name ?? "Object"} {}`;
  return String(v);
}

export function outOfRange(name, range, value) {
  let shown = String(value);
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) > 2 ** 32) {
    shown = addUnderscores(String(value));
  } else if (typeof value === "bigint") shown += "n";
  return nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`);
}

function addUnderscores(s) {
  let res = "";
  let i = s.length;
  const start = s[0] === "-" ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${s.slice(i - 3, i)}${res}`;
  return `${s.slice(0, i)}${res}`;
}

export function validateFunction(v, name) {
  if (typeof v !== "function") throw invalidArgType(name, "of type function", v);
  return v;
}

export function validateString(v, name) {
  if (typeof v !== "string") throw invalidArgType(name, "of type string", v);
  return v;
}

export function validateBoolean(v, name) {
  if (typeof v !== "boolean") throw invalidArgType(name, "of type boolean", v);
  return v;
}

/// Node's validateObject: a non-null, non-array object (null allowed with `nullable`).
export function validateObject(v, name, { nullable = false } = {}) {
  if (nullable && v === null) return v;
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalidArgType(name, "of type object", v);
  return v;
}

export function validateInteger(v, name, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  if (typeof v !== "number") throw invalidArgType(name, "of type number", v);
  if (!Number.isInteger(v)) throw outOfRange(name, "an integer", v);
  if (v < min || v > max) throw outOfRange(name, `>= ${min} && <= ${max}`, v);
  return v;
}

export function validateInt32(v, name, min = -2147483648, max = 2147483647) {
  if (typeof v !== "number") throw invalidArgType(name, "of type number", v);
  if (!Number.isInteger(v)) throw outOfRange(name, "an integer", v);
  if (v < min || v > max) throw outOfRange(name, `>= ${min} && <= ${max}`, v);
  return v;
}

export function validateUint32(v, name, positive = false) {
  return validateInt32(v, name, positive ? 1 : 0, 4294967295);
}

export function validateEncoding(enc) {
  if (enc == null || enc === "buffer") return enc;
  if (!Buffer.isEncoding(enc)) throw invalidArgValue("encoding", enc, "is invalid encoding");
  return enc;
}

/// Whether `v` is a WHATWG URL (duck-typed as Node's `isURL`: an href and a protocol).
export function isURL(v) {
  return v != null && typeof v === "object" && typeof v.href === "string" && typeof v.protocol === "string" && v.auth === undefined && v.path === undefined;
}

export function fileURLToPath(url) {
  if (typeof url === "string") url = new globalThis.URL(url);
  if (url.protocol !== "file:") throw nodeError(TypeError, "ERR_INVALID_URL_SCHEME", "The URL must be of scheme file");
  if (url.hostname !== "" && url.hostname !== "localhost") {
    throw nodeError(TypeError, "ERR_INVALID_FILE_URL_HOST", 'File URL host must be "localhost" or empty on linux');
  }
  const p = url.pathname;
  if (/%2f/i.test(p)) throw nodeError(TypeError, "ERR_INVALID_FILE_URL_PATH", "File URL path must not include encoded / characters");
  return decodeURIComponent(p);
}

/// A path argument as a string: strings, Buffers/Uint8Arrays and file: URLs are accepted.
export function toPath(p, name = "path") {
  if (typeof p === "string") {
    // fall through to the null-byte check
  } else if (p instanceof Uint8Array) {
    p = Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString("utf8");
  } else if (isURL(p)) {
    p = fileURLToPath(p);
  } else {
    throw invalidArgType(name, "of type string or an instance of Buffer or URL", p);
  }
  if (p.includes("\u0000")) {
    throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received ${JSON.stringify(p).replace(/\\u0000/g, "\\x00").replace(/^"|"$/g, "'")}`);
  }
  return p;
}

/// Re-shape a system error from an op the way libuv errors look in Node (`errno` first).
export function uvError(e) {
  if (!e || typeof e !== "object" || typeof e.code !== "string" || e.code.startsWith("ERR_") || e.errno === undefined) return e;
  const { errno, code, syscall, path, dest } = e;
  for (const k of ["errno", "code", "syscall", "path", "dest"]) delete e[k];
  e.errno = typeof errno === "string" ? Number(errno) : errno;
  e.code = code;
  if (syscall !== undefined) e.syscall = syscall;
  if (path !== undefined) e.path = path;
  if (dest !== undefined) e.dest = dest;
  return e;
}

/// A libuv-style error made here (`EBADF: bad file descriptor, read`).
const UV = {
  EBADF: [-9, "bad file descriptor"],
  EISDIR: [-21, "illegal operation on a directory"],
  ENOENT: [-2, "no such file or directory"],
  EEXIST: [-17, "file already exists"],
  ENOTDIR: [-20, "not a directory"],
  EINVAL: [-22, "invalid argument"],
  EPERM: [-1, "operation not permitted"],
  EACCES: [-13, "permission denied"],
  ENOTEMPTY: [-39, "directory not empty"],
};

export function uvException(code, syscall, path, dest) {
  const [errno, desc] = UV[code] ?? [-1, code];
  let msg = `${code}: ${desc}, ${syscall}`;
  if (path !== undefined) msg += ` '${path}'`;
  if (dest !== undefined) msg += ` -> '${dest}'`;
  const e = new Error(msg);
  e.errno = errno;
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  if (dest !== undefined) e.dest = dest;
  return e;
}

export function toBuffer(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding || "utf8");
  if (Buffer.isBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

export const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
