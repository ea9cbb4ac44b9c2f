// `fs`: Node's file system API over the VM's kernel.
//
// Every operation is written once, synchronously (`xSync`), over the kernel's system calls
// (`sys` in internal/sys.js); the callback and promise forms run the same code and deliver its
// outcome asynchronously (callbacks on a later turn of the event loop, as libuv's do). Argument
// errors (ERR_INVALID_ARG_TYPE...) are thrown synchronously by the callback forms, as in Node;
// the promise forms reject with them.

import { Buffer } from "buffer";
import { EventEmitter } from "events";
import { Readable, Writable } from "./stream.js";
import pathModule from "./path.js";
import { sys, readSync as opRead, writeSync as opWrite, readAsync, writeAsync, readFileBytes, writeFileBytes, randomFill } from "./internal/sys.js";
import { setImmediate, setInterval, clearInterval } from "./internal/timers.js";
import { process } from "./internal/process.js";
import { internalBuiltin } from "./internal/module.js";
import {
  nodeError,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  validateFunction,
  validateBoolean,
  validateInteger,
  validateInt32,
  validateObject,
  validateEncoding,
  toPath,
  toBuffer,
  uvError,
  uvException,
  kCustomPromisify,
} from "./internal/fs_util.js";

// ---------------------------------------------------------------------------------------------
// Constants

export const constants = Object.freeze({
  UV_FS_SYMLINK_DIR: 1, UV_FS_SYMLINK_JUNCTION: 2, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2,
  UV_DIRENT_UNKNOWN: 0, UV_DIRENT_FILE: 1, UV_DIRENT_DIR: 2, UV_DIRENT_LINK: 3, UV_DIRENT_FIFO: 4,
  UV_DIRENT_SOCKET: 5, UV_DIRENT_CHAR: 6, UV_DIRENT_BLOCK: 7, EXTENSIONLESS_FORMAT_JAVASCRIPT: 0,
  EXTENSIONLESS_FORMAT_WASM: 1, S_IFMT: 61440, S_IFREG: 32768, S_IFDIR: 16384, S_IFCHR: 8192,
  S_IFBLK: 24576, S_IFIFO: 4096, S_IFLNK: 40960, S_IFSOCK: 49152, O_CREAT: 64, O_EXCL: 128,
  UV_FS_O_FILEMAP: 0, O_NOCTTY: 256, O_TRUNC: 512, O_APPEND: 1024, O_DIRECTORY: 65536,
  O_NOATIME: 262144, O_NOFOLLOW: 131072, O_SYNC: 1052672, O_DSYNC: 4096, O_DIRECT: 16384,
  O_NONBLOCK: 2048, S_IRWXU: 448, S_IRUSR: 256, S_IWUSR: 128, S_IXUSR: 64, S_IRWXG: 56,
  S_IRGRP: 32, S_IWGRP: 16, S_IXGRP: 8, S_IRWXO: 7, S_IROTH: 4, S_IWOTH: 2, S_IXOTH: 1,
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, UV_FS_COPYFILE_EXCL: 1, COPYFILE_EXCL: 1,
  UV_FS_COPYFILE_FICLONE: 2, COPYFILE_FICLONE: 2, UV_FS_COPYFILE_FICLONE_FORCE: 4,
  COPYFILE_FICLONE_FORCE: 4,
});
const C = constants;

// ---------------------------------------------------------------------------------------------
// Plumbing

/// A system call whose errors look like libuv's.
function call(name, args) {
  try {
    return sys(name, args);
  } catch (e) {
    throw uvError(e);
  }
}

function fdRead(fd, buf, pos) {
  try {
    return opRead(fd, buf, pos);
  } catch (e) {
    throw uvError(e);
  }
}

function fdWrite(fd, buf, pos) {
  try {
    return opWrite(fd, buf, pos);
  } catch (e) {
    throw uvError(e);
  }
}

// Errors the callback and promise forms raise before doing anything (thrown synchronously by
// callback APIs, as Node's validators are).
const ARG_ERRORS = new Set([
  "ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_VALUE", "ERR_OUT_OF_RANGE", "ERR_INVALID_URL_SCHEME",
  "ERR_INVALID_FILE_URL_HOST", "ERR_INVALID_FILE_URL_PATH", "ERR_INVALID_URL", "ERR_MISSING_ARGS",
  "ERR_INVALID_THIS",
]);

/// The callback form of `syncFn`: `cb(err, result)` on a later turn.
function callbackify(syncFn, deliver = (cb, r) => cb(null, r)) {
  return function (...args) {
    const cb = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
    validateFunction(cb, "cb");
    let result;
    try {
      result = syncFn(...args);
    } catch (e) {
      if (ARG_ERRORS.has(e?.code)) throw e;
      setImmediate(() => cb(e));
      return;
    }
    setImmediate(() => deliver(cb, result));
  };
}

/// The promise form of `syncFn`.
function promisify(syncFn) {
  return async function (...args) {
    return syncFn(...args);
  };
}

function getOptions(options, defaults = {}) {
  if (options == null || typeof options === "function") return { ...defaults };
  if (typeof options === "string") return { ...defaults, encoding: validateEncoding(options) };
  if (typeof options !== "object") throw invalidArgType("options", "one of type string or object", options);
  const o = { ...defaults, ...options };
  if (o.encoding !== undefined) validateEncoding(o.encoding);
  return o;
}

function validateFd(fd, name = "fd") {
  return validateInt32(fd, name, 0);
}

const FLAGS = {
  r: C.O_RDONLY, rs: C.O_RDONLY | C.O_SYNC, sr: C.O_RDONLY | C.O_SYNC,
  "r+": C.O_RDWR, "rs+": C.O_RDWR | C.O_SYNC, "sr+": C.O_RDWR | C.O_SYNC,
  w: C.O_TRUNC | C.O_CREAT | C.O_WRONLY, wx: C.O_TRUNC | C.O_CREAT | C.O_WRONLY | C.O_EXCL,
  xw: C.O_TRUNC | C.O_CREAT | C.O_WRONLY | C.O_EXCL,
  "w+": C.O_TRUNC | C.O_CREAT | C.O_RDWR, "wx+": C.O_TRUNC | C.O_CREAT | C.O_RDWR | C.O_EXCL,
  "xw+": C.O_TRUNC | C.O_CREAT | C.O_RDWR | C.O_EXCL,
  a: C.O_APPEND | C.O_CREAT | C.O_WRONLY, ax: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_EXCL,
  xa: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_EXCL, as: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_SYNC,
  sa: C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_SYNC,
  "a+": C.O_APPEND | C.O_CREAT | C.O_RDWR, "ax+": C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_EXCL,
  "xa+": C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_EXCL, "as+": C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_SYNC,
  "sa+": C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_SYNC,
};

function stringToFlags(flags, name = "flags") {
  if (typeof flags === "number") return flags;
  if (flags == null) return C.O_RDONLY;
  const n = FLAGS[flags];
  if (n === undefined) throw invalidArgValue(name, flags);
  return n;
}

function parseMode(mode, name, def) {
  if (mode == null) return def;
  if (typeof mode === "string") {
    if (!/^[0-7]+$/.test(mode)) throw invalidArgValue(name, mode, "must be a 32-bit unsigned integer or an octal string");
    mode = parseInt(mode, 8);
  }
  validateInt32(mode, name, 0, 4294967295);
  return mode;
}

/// Creation modes pass through the process's umask, as open(2) and mkdir(2) apply it.
function masked(mode) {
  return mode & ~(process.umask?.() ?? 0o022);
}

function encodeOut(s, encoding) {
  if (encoding === "buffer") return Buffer.from(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Stats and Dirent

const kNsPerMs = 1000000n;

function dateFromMs(ms) {
  return new Date(Math.round(Number(ms)));
}

class StatsBase {
  isDirectory() {
    return (Number(this.mode) & C.S_IFMT) === C.S_IFDIR;
  }
  isFile() {
    return (Number(this.mode) & C.S_IFMT) === C.S_IFREG;
  }
  isBlockDevice() {
    return (Number(this.mode) & C.S_IFMT) === C.S_IFBLK;
  }
  isCharacterDevice() {
    return (Number(this.mode) & C.S_IFMT) === C.S_IFCHR;
  }
  isSymbolicLink() {
    return (Number(this.mode) & C.S_IFMT) === C.S_IFLNK;
  }
  isFIFO() {
    return (Number(this.mode) & C.S_IFMT) === C.S_IFIFO;
  }
  isSocket() {
    return (Number(this.mode) & C.S_IFMT) === C.S_IFSOCK;
  }
}

export class Stats extends StatsBase {
  constructor(dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, atimeMs, mtimeMs, ctimeMs, birthtimeMs) {
    super();
    Object.assign(this, { dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, atimeMs, mtimeMs, ctimeMs, birthtimeMs });
    this.atime = dateFromMs(atimeMs);
    this.mtime = dateFromMs(mtimeMs);
    this.ctime = dateFromMs(ctimeMs);
    this.birthtime = dateFromMs(birthtimeMs);
  }
}

export class BigIntStats extends StatsBase {
  constructor(dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, atimeNs, mtimeNs, ctimeNs, birthtimeNs) {
    super();
    Object.assign(this, { dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks });
    this.atimeMs = atimeNs / kNsPerMs;
    this.mtimeMs = mtimeNs / kNsPerMs;
    this.ctimeMs = ctimeNs / kNsPerMs;
    this.birthtimeMs = birthtimeNs / kNsPerMs;
    Object.assign(this, { atimeNs, mtimeNs, ctimeNs, birthtimeNs });
    this.atime = dateFromMs(this.atimeMs);
    this.mtime = dateFromMs(this.mtimeMs);
    this.ctime = dateFromMs(this.ctimeMs);
    this.birthtime = dateFromMs(this.birthtimeMs);
  }
}

const STAT_FIELDS = ["dev", "mode", "nlink", "uid", "gid", "rdev", "blksize", "ino", "size", "blocks"];

function makeStats(s, bigint) {
  if (bigint) {
    const ns = (ms) => BigInt(Math.round(ms * 1e6));
    return new BigIntStats(...STAT_FIELDS.map((k) => BigInt(Math.trunc(s[k]))), ns(s.atimeMs), ns(s.mtimeMs), ns(s.ctimeMs), ns(s.birthtimeMs));
  }
  return new Stats(...STAT_FIELDS.map((k) => s[k]), s.atimeMs, s.mtimeMs, s.ctimeMs, s.birthtimeMs);
}

const kType = Symbol("type");
const DIRENT_TYPES = { file: C.UV_DIRENT_FILE, dir: C.UV_DIRENT_DIR, symlink: C.UV_DIRENT_LINK, char: C.UV_DIRENT_CHAR, fifo: C.UV_DIRENT_FIFO, socket: C.UV_DIRENT_SOCKET, block: C.UV_DIRENT_BLOCK };

export class Dirent {
  constructor(name, type, path) {
    this.name = name;
    this.parentPath = path;
    this.path = path;
    this[kType] = type;
  }
  isDirectory() {
    return this[kType] === C.UV_DIRENT_DIR;
  }
  isFile() {
    return this[kType] === C.UV_DIRENT_FILE;
  }
  isBlockDevice() {
    return this[kType] === C.UV_DIRENT_BLOCK;
  }
  isCharacterDevice() {
    return this[kType] === C.UV_DIRENT_CHAR;
  }
  isSymbolicLink() {
    return this[kType] === C.UV_DIRENT_LINK;
  }
  isFIFO() {
    return this[kType] === C.UV_DIRENT_FIFO;
  }
  isSocket() {
    return this[kType] === C.UV_DIRENT_SOCKET;
  }
}

// ---------------------------------------------------------------------------------------------
// Synchronous API

/// access()/copyFile() modes, checked as Node's binding checks them (its messages).
function getValidMode(mode, def) {
  if (mode == null) return def;
  if (typeof mode !== "number") throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", "mode must be int32 or null/undefined");
  mode = Math.trunc(mode);
  if (!(mode >= 0 && mode <= 7)) throw nodeError(RangeError, "ERR_OUT_OF_RANGE", "mode is out of range: >= 0 && <= 7");
  return mode;
}

export function accessSync(path, mode = C.F_OK) {
  path = toPath(path);
  mode = getValidMode(mode, C.F_OK);
  call("access", { path, mode });
}

export function existsSync(path) {
  try {
    path = toPath(path);
  } catch {
    return false;
  }
  try {
    call("access", { path, mode: C.F_OK });
    return true;
  } catch {
    return false;
  }
}

export function statSync(path, options = { bigint: false, throwIfNoEntry: true }) {
  path = toPath(path);
  try {
    return makeStats(call("stat", { path }), options?.bigint);
  } catch (e) {
    if (options?.throwIfNoEntry === false && (e.code === "ENOENT" || e.code === "ENOTDIR")) return undefined;
    throw e;
  }
}

export function lstatSync(path, options = { bigint: false, throwIfNoEntry: true }) {
  path = toPath(path);
  try {
    return makeStats(call("lstat", { path }), options?.bigint);
  } catch (e) {
    if (options?.throwIfNoEntry === false && (e.code === "ENOENT" || e.code === "ENOTDIR")) return undefined;
    throw e;
  }
}

export function fstatSync(fd, options = { bigint: false }) {
  validateFd(fd);
  return makeStats(call("fstat", { fd }), options?.bigint);
}

export function openSync(path, flags, mode) {
  path = toPath(path);
  const f = stringToFlags(flags);
  mode = parseMode(mode, "mode", 0o666);
  return call("open", { path, flags: f, mode: masked(mode) });
}

export function closeSync(fd) {
  validateFd(fd);
  call("close", { fd });
}

// Node's validateOffsetLengthRead / validateOffsetLengthWrite, with their exact messages.
function validateOffsetLengthRead(offset, length, size) {
  if (offset < 0) throw outOfRange("offset", ">= 0", offset);
  if (length < 0) throw outOfRange("length", ">= 0", length);
  if (offset + length > size) throw outOfRange("length", `<= ${size - offset}`, length);
}

function validateOffsetLengthWrite(offset, length, size) {
  if (offset > size) throw outOfRange("offset", `<= ${size}`, offset);
  if (length > size - offset) throw outOfRange("length", `<= ${size - offset}`, length);
  if (length < 0) throw outOfRange("length", ">= 0", length);
  validateInt32(length, "length", 0);
}

function validatePosition(position, name = "position") {
  if (position == null) return -1;
  if (typeof position === "bigint") {
    if (position < -1n || position > 2n ** 63n - 1n) throw outOfRange(name, ">= -1 && <= 9223372036854775807", position);
    return Number(position);
  }
  validateInteger(position, name, -1);
  return position;
}

function asView(buffer, name = "buffer") {
  if (!ArrayBuffer.isView(buffer)) throw invalidArgType(name, "an instance of Buffer, TypedArray, or DataView", buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function readSync(fd, buffer, offsetOrOptions, length, position) {
  validateFd(fd);
  const r = readArgs(arguments.length, buffer, offsetOrOptions, length, position);
  if (r === null) return 0;
  const [view, offset, len, pos] = r;
  return fdRead(fd, view.subarray(offset, offset + len), pos);
}

/// read()'s arguments as Node validates them: [view, offset, length, position], or null when
/// there is nothing to read. `argc` counts the arguments after `fd`, plus one.
function readArgs(argc, buffer, offsetOrOptions, length, position) {
  const view = asView(buffer);
  let offset = offsetOrOptions;
  if (argc <= 3 || (typeof offsetOrOptions === "object" && offsetOrOptions !== null)) {
    if (offsetOrOptions !== undefined && offsetOrOptions !== null) validateObject(offsetOrOptions, "options");
    ({ offset = 0, length = view.byteLength - offset, position = null } = offsetOrOptions ?? {});
  }
  if (offset === undefined || offset === null) offset = 0;
  else validateInteger(offset, "offset", 0);
  length |= 0;
  if (length === 0) return null;
  if (view.byteLength === 0) throw invalidArgValue("buffer", buffer, "is empty and cannot be written");
  validateOffsetLengthRead(offset, length, view.byteLength);
  return [view, offset, length, validatePosition(position)];
}

/// Whether `fd` is a pipe: reads and writes on it wait for the other end, so the callback and
/// promise forms must not block the event loop on them (the regular-file forms may: they
/// complete at once).
function isPipe(fd) {
  try {
    return (call("fstat", { fd }).mode & C.S_IFMT) === C.S_IFIFO;
  } catch {
    return false;
  }
}

/// Read from a pipe without blocking the event loop: up to `length` bytes into view[offset..].
async function readPipe(fd, view, offset, length) {
  const b = await readAsync(fd, length).catch((e) => {
    throw uvError(e);
  });
  if (b == null) return 0;
  view.set(b, offset);
  return b.byteLength;
}

/// The rest of a descriptor, waiting on pipes instead of blocking.
async function readAllAsync(fd) {
  if (!isPipe(fd)) return readAllFd(fd);
  const chunks = [];
  for (;;) {
    const b = await readAsync(fd, 65536).catch((e) => {
      throw uvError(e);
    });
    if (b == null) break;
    chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  return Buffer.concat(chunks);
}

export function writeSync(fd, buffer, offsetOrOptions, length, position) {
  validateFd(fd);
  const [bytes, pos] = writeArgs(buffer, offsetOrOptions, length, position);
  if (bytes.length === 0) return 0;
  return fdWrite(fd, bytes, pos);
}

/// The bytes write() would write (its arguments validated as Node's).
function writeBytes(buffer, offsetOrOptions, length, position) {
  return writeArgs(buffer, offsetOrOptions, length, position)[0];
}

/// write()'s arguments as Node validates them: [bytes, position].
function writeArgs(buffer, offsetOrOptions, length, position) {
  let view;
  let offset = offsetOrOptions;
  if (ArrayBuffer.isView(buffer)) {
    view = asView(buffer);
    if (typeof offset === "object" && offset !== null) {
      ({ offset = 0, length = view.byteLength - offset, position = null } = offsetOrOptions);
    }
    if (offset == null) offset = 0;
    else validateInteger(offset, "offset", 0);
    if (typeof length !== "number") length = view.byteLength - offset;
    if (typeof position !== "number" && typeof position !== "bigint") position = null;
    validateOffsetLengthWrite(offset, length, view.byteLength);
  } else {
    // write(fd, string, position, encoding)
    if (typeof buffer !== "string") {
      throw invalidArgType("buffer", "of type string or an instance of Buffer, TypedArray, or DataView", buffer);
    }
    const encoding = typeof length === "string" ? length : "utf8";
    validateEncoding(encoding);
    position = offsetOrOptions;
    if (typeof position !== "number" && typeof position !== "bigint") position = null;
    view = Buffer.from(buffer, encoding);
    offset = 0;
    length = view.length;
  }
  return [view.subarray(offset, offset + length), validatePosition(position)];
}

export function readvSync(fd, buffers, position) {
  validateFd(fd);
  if (!Array.isArray(buffers)) throw invalidArgType("buffers", "an instance of ArrayBufferView[]", buffers);
  let pos = validatePosition(position);
  let total = 0;
  for (const b of buffers) {
    const v = asView(b, "buffers");
    const n = v.length ? fdRead(fd, v, pos) : 0;
    total += n;
    if (pos >= 0) pos += n;
    if (n < v.length) break;
  }
  return total;
}

export function writevSync(fd, buffers, position) {
  validateFd(fd);
  if (!Array.isArray(buffers)) throw invalidArgType("buffers", "an instance of ArrayBufferView[]", buffers);
  let pos = validatePosition(position);
  let total = 0;
  for (const b of buffers) {
    const v = asView(b, "buffers");
    const n = v.length ? fdWrite(fd, v, pos) : 0;
    total += n;
    if (pos >= 0) pos += n;
  }
  return total;
}

/// Read the rest of an open descriptor.
function readAllFd(fd) {
  const chunks = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(65536);
    const n = fdRead(fd, buf, -1);
    if (n === 0) break;
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

function decode(buf, encoding) {
  return encoding && encoding !== "buffer" ? buf.toString(encoding) : buf;
}

function isFd(p) {
  return typeof p === "number";
}

export function readFileSync(path, options) {
  options = getOptions(options, { flag: "r" });
  let buf;
  if (isFd(path)) {
    validateFd(path);
    buf = readAllFd(path);
  } else {
    path = toPath(path);
    const flags = stringToFlags(options.flag);
    if (flags === C.O_RDONLY) {
      try {
        const b = readFileBytes(path);
        buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      } catch (e) {
        throw readFileError(uvError(e), path);
      }
    } else {
      const fd = openSync(path, flags, 0o666);
      try {
        buf = readAllFd(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
  return decode(buf, options.encoding);
}

// Reading a directory fails at read(2) in Node, not at open(2): no path in the message.
function readFileError(e, path) {
  if (e?.code === "EISDIR") return uvException("EISDIR", "read");
  return e;
}

function dataToBuffer(data, encoding, name = "data") {
  const b = toBuffer(data, encoding);
  if (b === null) throw invalidArgType(name, "of type string or an instance of Buffer, TypedArray, or DataView", data);
  return b;
}

export function writeFileSync(path, data, options) {
  options = getOptions(options, { encoding: "utf8", mode: 0o666, flag: "w" });
  const buf = dataToBuffer(data, options.encoding);
  if (isFd(path)) {
    validateFd(path);
    writeAll(path, buf, -1);
    return;
  }
  path = toPath(path);
  const flags = stringToFlags(options.flag);
  const mode = parseMode(options.mode, "mode", 0o666);
  const simple = { [FLAGS.w]: "w", [FLAGS.wx]: "wx", [FLAGS.a]: "a", [FLAGS.ax]: "ax" }[flags];
  if (simple) {
    try {
      writeFileBytes(path, buf, simple, masked(mode));
    } catch (e) {
      throw uvError(e);
    }
    return;
  }
  const fd = openSync(path, flags, mode);
  try {
    writeAll(fd, buf, flags & C.O_APPEND ? -1 : 0);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd, buf, pos) {
  let off = 0;
  while (off < buf.length) {
    const n = fdWrite(fd, buf.subarray(off), pos);
    off += n;
    if (pos >= 0) pos += n;
  }
}

export function appendFileSync(path, data, options) {
  options = getOptions(options, { encoding: "utf8", mode: 0o666, flag: "a" });
  if (!options.flag || isFd(path)) options.flag = "a";
  return writeFileSync(path, data, options);
}

function readdirRaw(path) {
  try {
    return call("readdir", { path });
  } catch (e) {
    if (e.syscall === "open" || e.syscall === "readdir" || e.syscall === undefined) e = renameSyscall(e, "scandir");
    throw e;
  }
}

/// The same error with another syscall name (`open` -> `scandir`).
function renameSyscall(e, syscall) {
  if (!e || typeof e.code !== "string" || e.code.startsWith("ERR_")) return e;
  const fresh = uvException(e.code, syscall, e.path, e.dest);
  fresh.errno = e.errno ?? fresh.errno;
  return fresh;
}

export function readdirSync(path, options) {
  options = getOptions(options, { encoding: "utf8", withFileTypes: false, recursive: false });
  path = toPath(path);
  const withTypes = !!options.withFileTypes;
  const enc = options.encoding;
  const name = (n) => (enc === "buffer" ? Buffer.from(n) : enc && enc !== "utf8" && enc !== "utf-8" ? Buffer.from(n).toString(enc) : n);
  if (!options.recursive) {
    const list = readdirRaw(path);
    return list.map(([n, t]) => (withTypes ? new Dirent(name(n), DIRENT_TYPES[t] ?? 0, path) : name(n)));
  }
  // Breadth first, as Node's readdirSyncRecursive: plain names follow symlinks to directories
  // (Node stats each entry), Dirents do not.
  const out = [];
  const queue = [path];
  for (let i = 0; i < queue.length; i++) {
    const dir = queue[i];
    for (const [n, t] of readdirRaw(dir)) {
      const full = pathModule.join(dir, n);
      if (withTypes) {
        const d = new Dirent(name(n), DIRENT_TYPES[t] ?? 0, dir);
        out.push(d);
        if (t === "dir") queue.push(full);
      } else {
        out.push(name(pathModule.relative(path, full)));
        let isDir = t === "dir";
        if (t === "symlink") {
          try {
            isDir = statSync(full).isDirectory();
          } catch {
            isDir = false;
          }
        }
        if (isDir) queue.push(full);
      }
    }
  }
  return out;
}

export function mkdirSync(path, options) {
  let mode = 0o777;
  let recursive = false;
  if (typeof options === "number" || typeof options === "string") {
    mode = parseMode(options, "mode", 0o777);
  } else if (options) {
    if (options.recursive !== undefined) recursive = validateBoolean(options.recursive, "options.recursive");
    mode = parseMode(options.mode, "mode", 0o777);
  }
  path = toPath(path);
  const r = call("mkdir", { path, mode: masked(mode), recursive });
  if (!recursive) return undefined;
  if (r == null) return undefined;
  // The kernel answers with an absolute path; Node answers in the terms of the argument.
  return path.startsWith("/") ? r : pathModule.relative(process.cwd(), r);
}

export function rmdirSync(path, options) {
  path = toPath(path);
  if (options?.recursive) {
    process.emitWarning?.(
      "In future versions of Node.js, fs.rmdir(path, { recursive: true }) will be removed. Use fs.rm(path, { recursive: true }) instead",
      "DeprecationWarning",
      "DEP0147",
    );
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isDirectory()) throw uvException("ENOTDIR", "rmdir", path);
    call("rm", { path, recursive: true });
    return;
  }
  call("rmdir", { path });
}

function validateRmOptions(options) {
  if (options === undefined) return { recursive: false, force: false };
  validateObject(options, "options");
  const o = { recursive: false, force: false, maxRetries: 0, retryDelay: 100, ...options };
  validateBoolean(o.recursive, "options.recursive");
  validateBoolean(o.force, "options.force");
  validateInt32(o.maxRetries, "options.maxRetries", 0);
  validateInt32(o.retryDelay, "options.retryDelay", 0);
  return o;
}

function systemError(code, message, info) {
  const e = nodeError(Error, code, `${message}: ${info.syscall} returned ${info.code} (${info.message}) ${info.path}`);
  e.name = "SystemError";
  if (typeof e.stack === "string") e.stack = e.stack.replace(/^Error \[/, "SystemError [");
  e.info = info;
  e.errno = info.errno;
  e.syscall = info.syscall;
  e.path = info.path;
  return e;
}

export function rmSync(path, options) {
  path = toPath(path);
  const o = validateRmOptions(options);
  const st = lstatSync(path, { throwIfNoEntry: !o.force });
  if (!st) return;
  if (st.isDirectory() && !o.recursive) {
    throw systemError("ERR_FS_EISDIR", "Path is a directory", { code: "EISDIR", message: "is a directory", path, syscall: "rm", errno: 21 });
  }
  call("rm", { path, recursive: o.recursive, force: o.force });
}

export function unlinkSync(path) {
  path = toPath(path);
  call("unlink", { path });
}

export function renameSync(oldPath, newPath) {
  oldPath = toPath(oldPath, "oldPath");
  newPath = toPath(newPath, "newPath");
  call("rename", { from: oldPath, to: newPath });
}

export function copyFileSync(src, dest, mode = 0) {
  src = toPath(src, "src");
  dest = toPath(dest, "dest");
  mode = getValidMode(mode, 0);
  call("copyfile", { from: src, to: dest, excl: (mode & C.COPYFILE_EXCL) !== 0 });
}

export function linkSync(existingPath, newPath) {
  existingPath = toPath(existingPath, "existingPath");
  newPath = toPath(newPath, "newPath");
  call("link", { from: existingPath, to: newPath });
}

export function symlinkSync(target, path, type) {
  target = toPath(target, "target");
  path = toPath(path);
  if (typeof type === "string" && !["dir", "file", "junction"].includes(type)) {
    throw nodeError(Error, "ERR_FS_INVALID_SYMLINK_TYPE", `Symlink type must be one of "dir", "file", or "junction". Received "${type}"`);
  }
  call("symlink", { target, path });
}

export function readlinkSync(path, options) {
  options = getOptions(options, { encoding: "utf8" });
  path = toPath(path);
  return encodeOut(call("readlink", { path }), options.encoding);
}

export function realpathSync(path, options) {
  options = getOptions(options, { encoding: "utf8" });
  path = toPath(path);
  // Node resolves with lstat on each component: its failures are lstat's, on absolute paths.
  return encodeOut(renamed(() => call("realpath", { path }), "lstat"), options.encoding);
}
realpathSync.native = realpathSync;

export function chmodSync(path, mode) {
  path = toPath(path);
  mode = parseMode(mode, "mode");
  call("chmod", { path, mode });
}

export function fchmodSync(fd, mode) {
  validateFd(fd);
  mode = parseMode(mode, "mode");
  call("chmod", { path: fdPath(fd, "fchmod"), mode });
}

/// The path of an open file (the kernel keeps descriptors by path).
function fdPath(fd, syscall) {
  const p = call("fdpath", { fd });
  if (p == null) throw uvException("EBADF", syscall);
  return p;
}

// The VM has one user: ownership cannot change. These validate and check the file exists.
export function chownSync(path, uid, gid) {
  path = toPath(path);
  validateInteger(uid, "uid", -1, 4294967295);
  validateInteger(gid, "gid", -1, 4294967295);
  renamed(() => call("stat", { path }), "chown");
}
export function lchownSync(path, uid, gid) {
  path = toPath(path);
  validateInteger(uid, "uid", -1, 4294967295);
  validateInteger(gid, "gid", -1, 4294967295);
  renamed(() => call("lstat", { path }), "lchown");
}
export function fchownSync(fd, uid, gid) {
  validateFd(fd);
  validateInteger(uid, "uid", -1, 4294967295);
  validateInteger(gid, "gid", -1, 4294967295);
  renamed(() => call("fstat", { fd }), "fchown");
}

function renamed(f, syscall) {
  try {
    return f();
  } catch (e) {
    throw renameSyscall(e, syscall);
  }
}

function toUnixTimestamp(time, name = "time") {
  if (typeof time === "string" && +time == time) return +time;
  if (typeof time === "number") {
    if (!Number.isFinite(time) || time < 0) return Date.now() / 1000;
    return time;
  }
  if (time instanceof Date) return time.getTime() / 1000;
  if (typeof time === "bigint") return Number(time);
  throw invalidArgType("time", "an instance of Date or an Time in seconds", time);
}

export function utimesSync(path, atime, mtime) {
  path = toPath(path);
  call("utimes", { path, atime: toUnixTimestamp(atime, "atime"), mtime: toUnixTimestamp(mtime, "mtime") });
}

export function lutimesSync(path, atime, mtime) {
  path = toPath(path);
  call("utimes", { path, atime: toUnixTimestamp(atime, "atime"), mtime: toUnixTimestamp(mtime, "mtime"), nofollow: true });
}

export function futimesSync(fd, atime, mtime) {
  validateFd(fd);
  call("utimes", { path: fdPath(fd, "futime"), atime: toUnixTimestamp(atime, "atime"), mtime: toUnixTimestamp(mtime, "mtime") });
}

export function truncateSync(path, len = 0) {
  if (isFd(path)) return ftruncateSync(path, len);
  // As Node: open the file (r+), then truncate the descriptor.
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, len ?? 0);
  } finally {
    closeSync(fd);
  }
}

export function ftruncateSync(fd, len = 0) {
  validateFd(fd);
  validateInteger(len ?? 0, "len");
  call("truncate", { fd, len: Math.max(0, len ?? 0) });
}

export function fsyncSync(fd) {
  validateFd(fd);
  call("fstat", { fd });
}
export const fdatasyncSync = fsyncSync;

const TEMP_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export function mkdtempSync(prefix, options) {
  options = getOptions(options, { encoding: "utf8" });
  prefix = toPath(prefix, "prefix");
  for (let attempt = 0; ; attempt++) {
    const rnd = randomFill(new Uint8Array(6));
    const path = prefix + Array.from(rnd, (b) => TEMP_CHARS[b % TEMP_CHARS.length]).join("");
    try {
      call("mkdir", { path, mode: 0o700, recursive: false });
      return encodeOut(path, options.encoding);
    } catch (e) {
      if (e.code !== "EEXIST" || attempt > 100) {
        if (e.syscall === "mkdir" && e.path === path) throw renamedPath(e, "mkdtemp", prefix + "XXXXXX");
        throw e;
      }
    }
  }
}

function renamedPath(e, syscall, path) {
  const fresh = uvException(e.code, syscall, path);
  fresh.errno = e.errno ?? fresh.errno;
  return fresh;
}

// cp: Node's cpSync algorithm (lib/internal/fs/cp/cp-sync.js) over the calls above.
export function cpSync(src, dest, options) {
  src = toPath(src, "src");
  dest = toPath(dest, "dest");
  const opts = {
    dereference: false, errorOnExist: false, filter: undefined, force: true,
    preserveTimestamps: false, recursive: false, verbatimSymlinks: false, mode: 0,
    ...(options ?? {}),
  };
  if (options != null) validateObject(options, "options");
  for (const k of ["dereference", "errorOnExist", "force", "preserveTimestamps", "recursive", "verbatimSymlinks"]) {
    validateBoolean(opts[k], `options.${k}`);
  }
  if (opts.filter !== undefined) validateFunction(opts.filter, "options.filter");
  if (opts.filter && !opts.filter(src, dest)) return;
  const srcStat = opts.dereference ? statSync(src) : lstatSync(src);
  const destStat = (opts.dereference ? statSync : lstatSync)(dest, { throwIfNoEntry: false });
  if (destStat && srcStat.ino === destStat.ino && srcStat.dev === destStat.dev) {
    throw systemError("ERR_FS_CP_EINVAL", "Invalid src or dest", { message: "src and dest cannot be the same", path: dest, syscall: "cp", errno: 22, code: "EINVAL" });
  }
  if (srcStat.isDirectory() && !opts.recursive) {
    throw systemError("ERR_FS_EISDIR", "Path is a directory", { message: `${src} is a directory (not copied)`, path: src, syscall: "cp", errno: 22, code: "EISDIR" });
  }
  if (srcStat.isDirectory() && (pathModule.resolve(dest) + "/").startsWith(pathModule.resolve(src) + "/")) {
    throw systemError("ERR_FS_CP_EINVAL", "Invalid src or dest", { message: `cannot copy ${src} to a subdirectory of self ${dest}`, path: dest, syscall: "cp", errno: 22, code: "EINVAL" });
  }
  const parent = pathModule.dirname(dest);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
  cpEntry(srcStat, destStat, src, dest, opts);
}

function cpEntry(srcStat, destStat, src, dest, opts) {
  if (srcStat.isDirectory()) {
    if (destStat && !destStat.isDirectory()) {
      throw systemError("ERR_FS_CP_DIR_TO_NON_DIR", "Cannot overwrite non-directory with directory", { message: `cannot overwrite non-directory ${dest} with directory ${src}`, path: dest, syscall: "cp", errno: 21, code: "EISDIR" });
    }
    if (!destStat) mkdirSync(dest, srcStat.mode & 0o777);
    for (const name of readdirSync(src)) {
      const s = pathModule.join(src, name);
      const d = pathModule.join(dest, name);
      if (opts.filter && !opts.filter(s, d)) continue;
      const ss = opts.dereference ? statSync(s) : lstatSync(s);
      const ds = lstatSync(d, { throwIfNoEntry: false });
      cpEntry(ss, ds, s, d, opts);
    }
    return;
  }
  if (destStat && destStat.isDirectory() && !srcStat.isDirectory()) {
    throw systemError("ERR_FS_CP_NON_DIR_TO_DIR", "Cannot overwrite directory with non-directory", { message: `cannot overwrite directory ${dest} with non-directory ${src}`, path: dest, syscall: "cp", errno: 20, code: "ENOTDIR" });
  }
  if (srcStat.isSymbolicLink()) {
    let target = readlinkSync(src);
    if (!opts.verbatimSymlinks && !pathModule.isAbsolute(target)) target = pathModule.resolve(pathModule.dirname(src), target);
    if (destStat) {
      if (!opts.force) return;
      unlinkSync(dest);
    }
    symlinkSync(target, dest);
    return;
  }
  if (destStat) {
    if (opts.errorOnExist && !opts.force) {
      throw systemError("ERR_FS_CP_EEXIST", "Target already exists", { message: `${dest} already exists`, path: dest, syscall: "cp", errno: 17, code: "EEXIST" });
    }
    if (!opts.force) return;
  }
  copyFileSync(src, dest);
  chmodSync(dest, srcStat.mode & 0o7777);
  if (opts.preserveTimestamps) utimesSync(dest, srcStat.atime, srcStat.mtime);
}

export function statfsSync(path, options) {
  statSync(path);
  const big = options?.bigint;
  const n = (v) => (big ? BigInt(v) : v);
  return { type: n(0x01021994), bsize: n(4096), blocks: n(262144), bfree: n(131072), bavail: n(131072), files: n(65536), ffree: n(32768) };
}

export function openAsBlob(path, options = {}) {
  path = toPath(path);
  validateObject(options, "options");
  const type = options.type ?? "";
  if (typeof type !== "string") throw invalidArgType("options.type", "of type string", type);
  const data = readFileSync(path);
  return Promise.resolve(new globalThis.Blob([data], { type }));
}

// glob (Node 22): minimatch-style patterns (`*`, `?`, `[...]`, `{a,b}`, `**`) matched against
// the relative paths under `cwd`, found by walking the tree.

/// A glob segment or whole pattern as a RegExp source.
function globToRegExp(glob) {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // `**` as a whole segment matches any number of segments (including none).
        const atStart = i === 0 || glob[i - 1] === "/";
        const atEnd = i + 2 === glob.length || glob[i + 2] === "/";
        if (atStart && atEnd) {
          if (i + 2 === glob.length) {
            // A trailing `/**` also matches the directory itself.
            re = i > 0 ? re.slice(0, -1) + "(?:/.*)?" : ".*";
            i += 1;
            continue;
          }
          re += "(?:[^/]*(?:/|$))*";
          i += glob[i + 2] === "/" ? 2 : 1;
          continue;
        }
      }
      re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) re += "\\[";
      else {
        let set = glob.slice(i + 1, end);
        if (set[0] === "!") set = "^" + set.slice(1);
        re += "[" + set.replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else if (c === "{") {
      let depth = 0;
      let j = i;
      for (; j < glob.length; j++) {
        if (glob[j] === "{") depth++;
        else if (glob[j] === "}" && --depth === 0) break;
      }
      if (j >= glob.length) re += "\\{";
      else {
        const parts = [];
        let d = 0;
        let start = i + 1;
        for (let k = i + 1; k < j; k++) {
          if (glob[k] === "{") d++;
          else if (glob[k] === "}") d--;
          else if (glob[k] === "," && d === 0) {
            parts.push(glob.slice(start, k));
            start = k + 1;
          }
        }
        parts.push(glob.slice(start, j));
        re += "(?:" + parts.map(globToRegExp).join("|") + ")";
        i = j;
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      re += "\\" + glob[++i];
    } else re += c.replace(/[.+^$()|\]\\]/g, "\\$&");
  }
  return re;
}

function globMatcher(pattern) {
  const re = new RegExp("^" + globToRegExp(pattern.replace(/^\.\//, "")) + "$");
  // Like minimatch without `dot`: `*` and `**` do not match names starting with a dot.
  const explicitDot = (p) => p.split("/").every((seg, i, all) => !seg.startsWith(".") || pattern.split("/").some((ps) => ps.startsWith(".")));
  return (p) => re.test(p) && explicitDot(p);
}

export function globSync(pattern, options = {}) {
  const patterns = Array.isArray(pattern) ? pattern : [pattern];
  for (const p of patterns) if (typeof p !== "string") throw invalidArgType("pattern", "of type string", p);
  validateObject(options, "options");
  const cwd = options.cwd != null ? toPath(options.cwd, "options.cwd") : process.cwd();
  const exclude = options.exclude;
  const withTypes = !!options.withFileTypes;
  const out = [];
  const seen = new Set();
  for (const pat of patterns) {
    const absolute = pat.startsWith("/");
    const base = absolute ? "/" : cwd;
    const match = globMatcher(absolute ? pat.slice(1) : pat);
    const walk = (rel) => {
      let entries;
      try {
        entries = readdirSync(rel ? pathModule.join(base, rel) : base, { withFileTypes: true });
      } catch {
        return;
      }
      for (const d of entries) {
        const r = rel ? rel + "/" + d.name : d.name;
        const shown = absolute ? "/" + r : r;
        if (typeof exclude === "function" && exclude(withTypes ? d : shown)) continue;
        if (match(r) && !seen.has(shown)) {
          seen.add(shown);
          out.push(withTypes ? d : shown);
        }
        if (d.isDirectory()) walk(r);
      }
    };
    walk("");
  }
  return out;
}

export function glob(pattern, options, cb) {
  if (typeof options === "function") {
    cb = options;
    options = {};
  }
  validateFunction(cb, "callback");
  let r, err = null;
  try {
    r = globSync(pattern, options);
  } catch (e) {
    err = e;
  }
  setImmediate(() => (err ? cb(err) : cb(null, r)));
}

async function* globPromise(pattern, options = {}) {
  yield* globSync(pattern, options);
}

// ---------------------------------------------------------------------------------------------
// Dir

export class Dir {
  #entries;
  #closed = false;
  constructor(path, entries) {
    this.path = path;
    this.#entries = entries;
  }
  #check() {
    if (this.#closed) throw nodeError(Error, "ERR_DIR_CLOSED", "Directory handle was closed");
  }
  readSync() {
    this.#check();
    return this.#entries.shift() ?? null;
  }
  read(cb) {
    if (cb === undefined) {
      return (async () => this.readSync())();
    }
    validateFunction(cb, "callback");
    let r, err = null;
    try {
      r = this.readSync();
    } catch (e) {
      err = e;
    }
    setImmediate(() => (err ? cb(err) : cb(null, r)));
  }
  closeSync() {
    this.#check();
    this.#closed = true;
  }
  close(cb) {
    if (cb === undefined) return (async () => this.closeSync())();
    validateFunction(cb, "callback");
    let err = null;
    try {
      this.closeSync();
    } catch (e) {
      err = e;
    }
    setImmediate(() => cb(err));
  }
  async *entries() {
    try {
      for (;;) {
        const d = this.readSync();
        if (d === null) break;
        yield d;
      }
    } finally {
      if (!this.#closed) this.closeSync();
    }
  }
  [Symbol.asyncIterator]() {
    return this.entries();
  }
  [Symbol.dispose]() {
    if (!this.#closed) this.closeSync();
  }
  async [Symbol.asyncDispose]() {
    if (!this.#closed) this.closeSync();
  }
}

export function opendirSync(path, options) {
  options = getOptions(options, { encoding: "utf8", recursive: false });
  path = toPath(path);
  const entries = readdirSync(path, { withFileTypes: true, recursive: !!options.recursive, encoding: options.encoding });
  return new Dir(path, entries);
}

// ---------------------------------------------------------------------------------------------
// Watching: the kernel has no change notifications, so both APIs poll with stat, as
// fs.watchFile does in Node.

class StatWatcher extends EventEmitter {
  #timer = null;
  constructor(path, interval, persistent) {
    super();
    let prev = statOrEmpty(path);
    this.#timer = setInterval(() => {
      const cur = statOrEmpty(path);
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino || cur.mode !== prev.mode) {
        const p = prev;
        prev = cur;
        this.emit("change", cur, p);
      }
    }, interval);
    if (!persistent) this.#timer.unref();
  }
  stop() {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
      this.emit("stop");
    }
  }
  ref() {
    this.#timer?.ref();
    return this;
  }
  unref() {
    this.#timer?.unref();
    return this;
  }
}

function statOrEmpty(path) {
  try {
    return statSync(path);
  } catch {
    return new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }
}

const statWatchers = new Map();

export function watchFile(filename, options, listener) {
  filename = pathModule.resolve(toPath(filename, "filename"));
  if (typeof options === "function") {
    listener = options;
    options = {};
  }
  options = { interval: 5007, persistent: true, ...options };
  validateFunction(listener, "listener");
  let w = statWatchers.get(filename);
  if (!w) {
    w = new StatWatcher(filename, options.interval, options.persistent);
    statWatchers.set(filename, w);
  }
  w.on("change", listener);
  return w;
}

export function unwatchFile(filename, listener) {
  filename = pathModule.resolve(toPath(filename, "filename"));
  const w = statWatchers.get(filename);
  if (!w) return;
  if (typeof listener === "function") w.removeListener("change", listener);
  else w.removeAllListeners("change");
  if (w.listenerCount("change") === 0) {
    w.stop();
    statWatchers.delete(filename);
  }
}

/// A snapshot of what fs.watch compares: a file's stat, or a directory's entries' stats.
function watchSnapshot(path, recursive) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return null;
  const snap = new Map();
  if (st.isDirectory()) {
    let names = [];
    try {
      names = readdirSync(path, { recursive });
    } catch {}
    for (const n of names) {
      const s = lstatSync(pathModule.join(path, n), { throwIfNoEntry: false });
      if (s) snap.set(n, `${s.ino}:${s.mtimeMs}:${s.size}`);
    }
  } else {
    snap.set(pathModule.basename(path), `${st.ino}:${st.mtimeMs}:${st.size}`);
  }
  return snap;
}

export class FSWatcher extends EventEmitter {
  #timer = null;
  constructor(path, options) {
    super();
    let prev = watchSnapshot(path, !!options.recursive);
    if (prev === null) throw uvException("ENOENT", "watch", path);
    const enc = options.encoding;
    const out = (n) => (enc === "buffer" ? Buffer.from(n) : n);
    this.#timer = setInterval(() => {
      const cur = watchSnapshot(path, !!options.recursive) ?? new Map();
      for (const [n, v] of cur) {
        if (!prev.has(n)) this.emit("change", "rename", out(n));
        else if (prev.get(n) !== v) this.emit("change", "change", out(n));
      }
      for (const n of prev.keys()) if (!cur.has(n)) this.emit("change", "rename", out(n));
      prev = cur;
    }, 100);
    if (options.persistent === false) this.#timer.unref();
    if (options.signal) {
      if (options.signal.aborted) setImmediate(() => this.close());
      else options.signal.addEventListener?.("abort", () => this.close(), { once: true });
    }
  }
  close() {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = null;
    setImmediate(() => this.emit("close"));
  }
  ref() {
    this.#timer?.ref();
    return this;
  }
  unref() {
    this.#timer?.unref();
    return this;
  }
}

export function watch(filename, options, listener) {
  filename = toPath(filename, "filename");
  if (typeof options === "function") {
    listener = options;
    options = {};
  }
  options = getOptions(options, { persistent: true, recursive: false, encoding: "utf8" });
  const w = new FSWatcher(filename, options);
  if (listener) w.on("change", listener);
  return w;
}

async function* watchPromise(filename, options = {}) {
  filename = toPath(filename, "filename");
  options = getOptions(options, { persistent: true, recursive: false, encoding: "utf8" });
  const w = new FSWatcher(filename, options);
  const queue = [];
  let wake = null;
  let done = false;
  w.on("change", (eventType, filename) => {
    queue.push({ eventType, filename });
    wake?.();
  });
  w.on("close", () => {
    done = true;
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length) yield queue.shift();
      // An abort ends the iteration with an AbortError (it also closes the watcher).
      if (options.signal?.aborted) {
        const e = new Error("The operation was aborted", { cause: options.signal.reason });
        e.name = "AbortError";
        e.code = "ABORT_ERR";
        throw e;
      }
      if (done) return;
      await new Promise((r) => (wake = r));
      wake = null;
    }
  } finally {
    w.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Streams

const kFs = Symbol("kFs");

function streamOptions(options, defaults) {
  if (typeof options === "string") options = { encoding: options };
  if (options == null) options = {};
  validateObject(options, "options");
  const o = { ...defaults, ...options };
  if (o.encoding != null) validateEncoding(o.encoding);
  return o;
}

function checkRange(o) {
  if (o.start !== undefined) validateInteger(o.start, "start", 0);
  if (o.end !== undefined && o.end !== Infinity) validateInteger(o.end, "end", 0);
  if (o.start !== undefined && o.end !== undefined && o.start > o.end) {
    throw outOfRange("start", `<= "end" (here: ${o.end})`, o.start);
  }
}

// What ReadStream and WriteStream share: a path or descriptor (or FileHandle), flags, mode,
// the start position, and opening on construction.
function initFileStream(stream, path, o) {
  if (o.fd != null && typeof o.fd === "object" && typeof o.fd.fd === "number") {
    stream[kFs] = { handle: o.fd };
    o.fd = o.fd.fd;
  }
  stream.path = o.fd != null ? undefined : toPath(path);
  stream.fd = o.fd ?? null;
  stream.flags = o.flags;
  stream.mode = o.mode;
  stream.start = o.start;
  stream.pos = o.start;
  stream.autoClose = o.autoClose;
  if (stream.fd != null) validateFd(stream.fd);
  else stringToFlags(stream.flags);
}

function fileStreamClass(Ctor, Base) {
  Object.setPrototypeOf(Ctor.prototype, Base.prototype);
  Object.setPrototypeOf(Ctor, Base);
  Object.defineProperty(Ctor.prototype, "pending", {
    get() {
      return this.fd === null;
    },
    configurable: true,
  });
}

function openStreamFd(stream) {
  if (stream.fd === null) {
    stream.fd = openSync(stream.path, stream.flags, stream.mode);
    stream.emit("open", stream.fd);
    stream.emit("ready");
  }
}

export function ReadStream(path, options) {
  if (!(this instanceof ReadStream)) return new ReadStream(path, options);
  const o = streamOptions(options, { flags: "r", mode: 0o666, autoClose: true, emitClose: true, highWaterMark: 64 * 1024 });
  checkRange(o);
  Readable.call(this, { highWaterMark: o.highWaterMark, encoding: o.encoding ?? null, emitClose: o.emitClose, autoDestroy: o.autoClose, signal: o.signal });
  initFileStream(this, path, o);
  this.end = o.end ?? Infinity;
  this.bytesRead = 0;
  this._streamFile = null;
}
fileStreamClass(ReadStream, Readable);

ReadStream.prototype._construct = function (cb) {
  try {
    openStreamFd(this);
    // Regular files are read synchronously at explicit positions; pipes and devices wait.
    let st = null;
    try {
      st = fstatSync(this.fd);
    } catch {}
    this._streamFile = !!st && (st.isFile() || st.isDirectory());
    cb();
  } catch (e) {
    cb(e);
  }
};

ReadStream.prototype._read = function (n) {
  const remaining = this.end === Infinity ? n : Math.min(n, this.end - (this.pos ?? this.bytesRead) + 1);
  if (remaining <= 0) {
    this.push(null);
    return;
  }
  if (this._streamFile) {
    const buf = Buffer.allocUnsafe(remaining);
    let got;
    try {
      got = fdRead(this.fd, buf, this.pos === undefined ? -1 : this.pos);
    } catch (e) {
      this.destroy(e);
      return;
    }
    if (this.pos !== undefined) this.pos += got;
    this.bytesRead += got;
    // Delivered on a later turn, as libuv's reads are: each read is its own chunk.
    setImmediate(() => this.push(got > 0 ? buf.subarray(0, got) : null));
    return;
  }
  readAsync(this.fd, remaining).then(
    (b) => {
      if (b == null) return this.push(null);
      this.bytesRead += b.byteLength;
      this.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    },
    (e) => this.destroy(uvError(e)),
  );
};

ReadStream.prototype._destroy = function (err, cb) {
  closeStreamFd(this, err, cb);
};

ReadStream.prototype.close = function (cb) {
  if (typeof cb === "function") finishedOnce(this, cb);
  this.destroy();
};

function closeStreamFd(stream, err, cb) {
  const handle = stream[kFs]?.handle;
  if (stream.autoClose && stream.fd !== null && stream.fd !== undefined) {
    const fd = stream.fd;
    stream.fd = null;
    if (handle) {
      handle.close().then(() => cb(err), (e) => cb(err || e));
      return;
    }
    try {
      closeSync(fd);
    } catch (e) {
      err ||= e;
    }
  }
  cb(err);
}

function finishedOnce(stream, cb) {
  if (stream.closed) {
    process.nextTick(cb);
    return;
  }
  stream.once("close", () => cb());
}

export function WriteStream(path, options) {
  if (!(this instanceof WriteStream)) return new WriteStream(path, options);
  const o = streamOptions(options, { flags: "w", mode: 0o666, autoClose: true, emitClose: true, encoding: "utf8", flush: false });
  if (o.start !== undefined) validateInteger(o.start, "start", 0);
  Writable.call(this, { highWaterMark: o.highWaterMark, decodeStrings: true, defaultEncoding: o.encoding, emitClose: o.emitClose, autoDestroy: o.autoClose, signal: o.signal });
  initFileStream(this, path, o);
  this.bytesWritten = 0;
}
fileStreamClass(WriteStream, Writable);

WriteStream.prototype._construct = function (cb) {
  try {
    openStreamFd(this);
    cb();
  } catch (e) {
    cb(e);
  }
};

WriteStream.prototype._write = function (chunk, encoding, cb) {
  const buf = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
  try {
    writeAll(this.fd, buf, this.pos === undefined ? -1 : this.pos);
  } catch (e) {
    cb(e);
    return;
  }
  if (this.pos !== undefined) this.pos += buf.length;
  this.bytesWritten += buf.length;
  cb();
};

WriteStream.prototype._writev = function (chunks, cb) {
  const buf = Buffer.concat(chunks.map((c) => (typeof c.chunk === "string" ? Buffer.from(c.chunk, c.encoding) : c.chunk)));
  this._write(buf, "buffer", cb);
};

WriteStream.prototype._destroy = function (err, cb) {
  closeStreamFd(this, err, cb);
};

WriteStream.prototype.close = function (cb) {
  if (cb) {
    if (this.closed) {
      process.nextTick(cb);
      return;
    }
    this.on("close", cb);
  }
  // Node: close() ends the stream (flushing what was written) rather than discarding it.
  if (!this.autoClose) this.on("finish", this.destroy);
  this.end();
};

WriteStream.prototype.destroySoon = WriteStream.prototype.end;

export function createReadStream(path, options) {
  return new ReadStream(path, options);
}

export function createWriteStream(path, options) {
  return new WriteStream(path, options);
}

// ---------------------------------------------------------------------------------------------
// Callback API

function def(syncFn, deliver) {
  return callbackify(syncFn, deliver);
}

export const access = def(accessSync, (cb) => cb(null));
export function exists(path, cb) {
  validateFunction(cb, "cb");
  const r = existsSync(path);
  setImmediate(() => cb(r));
}
Object.defineProperty(exists, kCustomPromisify, {
  value: (path) => new Promise((resolve) => exists(path, resolve)),
});
export const stat = def(statSync);
export const lstat = def(lstatSync);
export const fstat = def(fstatSync);
export const open = def(openSync);
export const close = function (fd, cb = () => {}) {
  validateFd(fd);
  return def(closeSync, (cb) => cb(null))(fd, cb);
};
/// An AbortError if `options.signal` is already aborted (Node checks before and between reads).
function checkAborted(options) {
  const signal = options?.signal;
  if (signal === undefined || typeof options !== "object") return;
  if (signal === null || typeof signal !== "object" || !("aborted" in signal)) {
    throw invalidArgType("options.signal", "an instance of AbortSignal", signal);
  }
  if (signal.aborted) {
    const e = new Error("The operation was aborted", { cause: signal.reason });
    e.name = "AbortError";
    e.code = "ABORT_ERR";
    throw e;
  }
}

// (An AbortError is not an argument error: the callback receives it.)
const withSignal = (f, at) =>
  function (...args) {
    checkAborted(args[at]);
    return f(...args);
  };

const readFileSyncOnly = def(withSignal(readFileSync, 1));
export function readFile(path, options, cb) {
  if (typeof options === "function") {
    cb = options;
    options = undefined;
  }
  // A pipe (fd 0 of a piped process, /dev/stdin) is read without blocking the event loop.
  const fd = typeof path === "number" ? path : selfFd(path);
  if (fd !== null && typeof cb === "function" && (validateFd(fd), isPipe(fd))) {
    const o = getOptions(options, { flag: "r" });
    checkAborted(o);
    readAllAsync(fd).then((b) => cb(null, decode(b, o.encoding)), (e) => cb(e));
    return;
  }
  return options === undefined ? readFileSyncOnly(path, cb) : readFileSyncOnly(path, options, cb);
}

/// The descriptor a /dev/stdin-like path names, or null.
function selfFd(path) {
  if (typeof path !== "string") return null;
  const m = /^\/(?:dev\/(stdin|stdout|stderr)|dev\/fd\/(\d+)|proc\/self\/fd\/(\d+))$/.exec(path);
  if (!m) return null;
  return m[1] ? ["stdin", "stdout", "stderr"].indexOf(m[1]) : Number(m[2] ?? m[3]);
}
export const writeFile = def(withSignal(writeFileSync, 2), (cb) => cb(null));
export const appendFile = def(withSignal(appendFileSync, 2), (cb) => cb(null));
export const readdir = def(readdirSync);
export const mkdir = def(mkdirSync);
export const rmdir = def(rmdirSync, (cb) => cb(null));
export const rm = def(rmSync, (cb) => cb(null));
export const unlink = def(unlinkSync, (cb) => cb(null));
export const rename = def(renameSync, (cb) => cb(null));
export const copyFile = def(copyFileSync, (cb) => cb(null));
export const link = def(linkSync, (cb) => cb(null));
export const symlink = def(symlinkSync, (cb) => cb(null));
export const readlink = def(readlinkSync);
export const realpath = def(realpathSync);
realpath.native = realpath;
export const chmod = def(chmodSync, (cb) => cb(null));
export const fchmod = def(fchmodSync, (cb) => cb(null));
export const chown = def(chownSync, (cb) => cb(null));
export const fchown = def(fchownSync, (cb) => cb(null));
export const lchown = def(lchownSync, (cb) => cb(null));
export const utimes = def(utimesSync, (cb) => cb(null));
export const futimes = def(futimesSync, (cb) => cb(null));
export const lutimes = def(lutimesSync, (cb) => cb(null));
export const truncate = def(truncateSync, (cb) => cb(null));
export const ftruncate = def(ftruncateSync, (cb) => cb(null));
export const fsync = def(fsyncSync, (cb) => cb(null));
export const fdatasync = def(fdatasyncSync, (cb) => cb(null));
export const mkdtemp = def(mkdtempSync);
export const opendir = def(opendirSync);
export const statfs = def(statfsSync);
export const readv = def((fd, buffers, position) => [readvSync(fd, buffers, position), buffers], (cb, [n, b]) => cb(null, n, b));
export const writev = def((fd, buffers, position) => [writevSync(fd, buffers, position), buffers], (cb, [n, b]) => cb(null, n, b));
export function cp(src, dest, options, cb) {
  if (typeof options === "function") {
    cb = options;
    options = undefined;
  }
  return def(cpSync, (cb) => cb(null))(src, dest, options, cb);
}

export function read(fd, buffer, offsetOrOptions, length, position, cb) {
  const args = [...arguments];
  cb = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
  validateFunction(cb, "cb");
  validateFd(fd);
  if (args.length < 2 || (args.length === 2 && !ArrayBuffer.isView(args[1]))) {
    // read(fd, cb) / read(fd, options, cb)
    const o = args[1] ?? {};
    args[1] = o.buffer ?? Buffer.alloc(16384);
    args[2] = { offset: o.offset ?? 0, length: o.length ?? args[1].byteLength - (o.offset ?? 0), position: o.position ?? null };
  }
  const buf = args[1];
  const r = readArgs(args.length, ...args.slice(1));
  if (r !== null && isPipe(fd)) {
    readPipe(fd, r[0], r[1], r[2]).then((n) => cb(null, n, buf), (e) => cb(e));
    return;
  }
  let n;
  try {
    n = r === null ? 0 : fdRead(fd, r[0].subarray(r[1], r[1] + r[2]), r[3]);
  } catch (e) {
    setImmediate(() => cb(e));
    return;
  }
  setImmediate(() => cb(null, n, buf));
}
Object.defineProperty(read, kCustomPromisify, {
  value: (...args) =>
    new Promise((resolve, reject) => read(...args, (err, bytesRead, buffer) => (err ? reject(err) : resolve({ bytesRead, buffer })))),
});

export function write(fd, buffer, ...rest) {
  const cb = typeof rest[rest.length - 1] === "function" ? rest.pop() : undefined;
  validateFunction(cb, "cb");
  validateFd(fd);
  if (isPipe(fd)) {
    const bytes = writeBytes(buffer, ...rest);
    if (bytes.length === 0) {
      setImmediate(() => cb(null, 0, buffer));
      return;
    }
    writeAsync(fd, bytes).then(() => cb(null, bytes.length, buffer), (e) => cb(uvError(e)));
    return;
  }
  let n;
  try {
    n = writeSync(fd, buffer, ...rest);
  } catch (e) {
    if (ARG_ERRORS.has(e?.code)) throw e;
    setImmediate(() => cb(e));
    return;
  }
  setImmediate(() => cb(null, n, buffer));
}
Object.defineProperty(write, kCustomPromisify, {
  value: (...args) =>
    new Promise((resolve, reject) => write(...args, (err, bytesWritten, buffer) => (err ? reject(err) : resolve({ bytesWritten, buffer })))),
});

// ---------------------------------------------------------------------------------------------
// Promises API

export class FileHandle extends EventEmitter {
  #fd;
  constructor(fd) {
    super();
    this.#fd = fd;
  }
  get fd() {
    return this.#fd;
  }
  #check(syscall) {
    if (this.#fd === -1) {
      const e = uvException("EBADF", syscall);
      e.message = "file closed";
      e.code = "EBADF";
      throw e;
    }
    return this.#fd;
  }
  async close() {
    if (this.#fd === -1) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeSync(fd);
    this.emit("close");
  }
  async [Symbol.asyncDispose]() {
    return this.close();
  }
  async read(buffer, offset, length, position) {
    const fd = this.#check("read");
    if (buffer == null || (!ArrayBuffer.isView(buffer) && typeof buffer === "object")) {
      const o = buffer ?? {};
      buffer = o.buffer ?? Buffer.alloc(16384);
      offset = o.offset ?? 0;
      length = o.length ?? buffer.byteLength - offset;
      position = o.position ?? null;
    } else if (offset !== null && typeof offset === "object") {
      ({ offset = 0, length = buffer.byteLength - offset, position = null } = offset);
    }
    offset ??= 0;
    length ??= buffer.byteLength - offset;
    if (isPipe(fd)) {
      const r = readArgs(5, buffer, offset, length, position);
      return { bytesRead: r === null ? 0 : await readPipe(fd, r[0], r[1], r[2]), buffer };
    }
    const bytesRead = readSync(fd, buffer, offset, length, position);
    return { bytesRead, buffer };
  }
  async readv(buffers, position) {
    const bytesRead = readvSync(this.#check("read"), buffers, position);
    return { bytesRead, buffers };
  }
  async write(buffer, ...rest) {
    const bytesWritten = writeSync(this.#check("write"), buffer, ...rest);
    return { bytesWritten, buffer };
  }
  async writev(buffers, position) {
    const bytesWritten = writevSync(this.#check("write"), buffers, position);
    return { bytesWritten, buffers };
  }
  async readFile(options) {
    const fd = this.#check("read");
    if (isPipe(fd)) return decode(await readAllAsync(fd), getOptions(options).encoding);
    return readFileSync(fd, options);
  }
  async writeFile(data, options) {
    const fd = this.#check("write");
    if (typeof data !== "string" && !ArrayBuffer.isView(data) && data && (data[Symbol.asyncIterator] || data[Symbol.iterator])) {
      const enc = getOptions(options, { encoding: "utf8" }).encoding;
      for await (const chunk of data) writeAll(fd, dataToBuffer(chunk, enc), -1);
      return;
    }
    return writeFileSync(fd, data, options);
  }
  async appendFile(data, options) {
    return this.writeFile(data, options);
  }
  async stat(options) {
    return fstatSync(this.#check("fstat"), options);
  }
  async truncate(len = 0) {
    return ftruncateSync(this.#check("ftruncate"), len);
  }
  async chmod(mode) {
    return fchmodSync(this.#check("fchmod"), mode);
  }
  async chown(uid, gid) {
    return fchownSync(this.#check("fchown"), uid, gid);
  }
  async utimes(atime, mtime) {
    return futimesSync(this.#check("futime"), atime, mtime);
  }
  async sync() {
    return fsyncSync(this.#check("fsync"));
  }
  async datasync() {
    return fsyncSync(this.#check("fdatasync"));
  }
  createReadStream(options) {
    return new ReadStream(undefined, { ...options, fd: this });
  }
  createWriteStream(options) {
    return new WriteStream(undefined, { ...options, fd: this });
  }
  readableWebStream() {
    const fd = this.#check("read");
    const RS = globalThis.ReadableStream;
    if (!RS) throw nodeError(Error, "ERR_NOT_SUPPORTED", "ReadableStream is not available");
    return new RS({
      type: "bytes",
      pull(c) {
        const buf = Buffer.alloc(65536);
        const n = fdRead(fd, buf, -1);
        if (n === 0) c.close();
        else c.enqueue(new Uint8Array(buf.buffer, buf.byteOffset, n));
      },
    });
  }
  readLines(options) {
    let rl = null;
    try {
      rl = internalBuiltin("readline");
    } catch {}
    const stream = this.createReadStream(options);
    if (rl?.createInterface) return rl.createInterface({ input: stream, crlfDelay: Infinity });
    return linesOf(stream);
  }
}

async function* linesOf(stream) {
  let rest = "";
  for await (const chunk of stream) {
    const parts = (rest + chunk.toString()).split(/\r?\n/);
    rest = parts.pop();
    yield* parts;
  }
  if (rest) yield rest;
}

/// fs.promises takes paths or FileHandles, never raw descriptors.
function notFd(path) {
  if (typeof path === "number") throw invalidArgType("path", "of type string or an instance of Buffer or URL", path);
  return path;
}

const promises = {
  access: promisify(accessSync),
  appendFile: async (path, data, options) => (path instanceof FileHandle ? path.appendFile(data, options) : appendFileSync(notFd(path), data, options)),
  chmod: promisify(chmodSync),
  chown: promisify(chownSync),
  copyFile: promisify(copyFileSync),
  cp: promisify(cpSync),
  // Linux has no lchmod (O_SYMLINK): Node's promise form says so, its other forms are absent.
  async lchmod() {
    throw nodeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "The lchmod() method is not implemented");
  },
  glob: globPromise,
  lchown: promisify(lchownSync),
  link: promisify(linkSync),
  lstat: promisify(lstatSync),
  lutimes: promisify(lutimesSync),
  mkdir: promisify(mkdirSync),
  mkdtemp: promisify(mkdtempSync),
  async open(path, flags, mode) {
    return new FileHandle(openSync(path, flags ?? "r", mode));
  },
  opendir: promisify(opendirSync),
  readdir: promisify(readdirSync),
  readFile: async (path, options) => {
    checkAborted(options);
    return path instanceof FileHandle ? path.readFile(options) : readFileSync(notFd(path), options);
  },
  readlink: promisify(readlinkSync),
  realpath: promisify(realpathSync),
  rename: promisify(renameSync),
  rm: promisify(rmSync),
  rmdir: promisify(rmdirSync),
  stat: promisify(statSync),
  statfs: promisify(statfsSync),
  symlink: promisify(symlinkSync),
  truncate: async (path, len) => truncateSync(notFd(path), len),
  unlink: promisify(unlinkSync),
  utimes: promisify(utimesSync),
  watch: watchPromise,
  writeFile: async (path, data, options) => {
    checkAborted(options);
    if (path instanceof FileHandle) return path.writeFile(data, options);
    notFd(path);
    if (typeof data !== "string" && !ArrayBuffer.isView(data) && data && (data[Symbol.asyncIterator] || data[Symbol.iterator])) {
      const fh = await promises.open(path, getOptions(options, { flag: "w" }).flag, getOptions(options).mode);
      try {
        await fh.writeFile(data, options);
      } finally {
        await fh.close();
      }
      return;
    }
    return writeFileSync(path, data, options);
  },
  constants,
};

// ---------------------------------------------------------------------------------------------

const fs = {
  access, accessSync, appendFile, appendFileSync, chmod, chmodSync, chown, chownSync, close, closeSync,
  copyFile, copyFileSync, cp, cpSync, createReadStream, createWriteStream, exists, existsSync,
  fchmod, fchmodSync, fchown, fchownSync, fdatasync, fdatasyncSync, fstat, fstatSync, fsync, fsyncSync,
  ftruncate, ftruncateSync, futimes, futimesSync, lchown, lchownSync, link, linkSync, lstat, lstatSync,
  lutimes, lutimesSync, mkdir, mkdirSync, mkdtemp, mkdtempSync, open, openSync, opendir, opendirSync,
  readdir, readdirSync, read, readSync, readv, readvSync, readFile, readFileSync, readlink, readlinkSync,
  realpath, realpathSync, rename, renameSync, rm, rmSync, rmdir, rmdirSync, stat, statSync, statfs, statfsSync,
  symlink, symlinkSync, truncate, truncateSync, unwatchFile, unlink, unlinkSync, utimes, utimesSync,
  watch, watchFile, writeFile, writeFileSync, write, writeSync, writev, writevSync,
  Dirent, Stats, ReadStream, WriteStream, FileReadStream: ReadStream, FileWriteStream: WriteStream,
  Dir, glob, globSync, openAsBlob,
  F_OK: C.F_OK, R_OK: C.R_OK, W_OK: C.W_OK, X_OK: C.X_OK,
  constants,
  promises,
};

export { promises, StatWatcher };
export default fs;
