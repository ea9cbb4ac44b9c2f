// process.stdin/stdout/stderr over the kernel's descriptors 0, 1 and 2.
// stdout/stderr writes are synchronous (as Node's are for files and pipes on Linux).

import { Buffer } from "buffer";
// In the snapshot: nearly every program prints, and compiling readable-stream at first use
// costs more than deserialising it.
import { Readable, Writable } from "../stream.js";
import { writeSync, readAsync, sys } from "./sys.js";
import { watchSignal } from "./signals.js";

function toBytes(chunk, encoding) {
  if (typeof chunk === "string") return Buffer.from(chunk, encoding || "utf8");
  if (chunk instanceof Uint8Array) return chunk;
  throw Object.assign(new TypeError(`The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received ${typeof chunk}`), { code: "ERR_INVALID_ARG_TYPE" });
}

export function makeWriteStream(fd) {
  const stream = new Writable({
    decodeStrings: false,
    write(chunk, encoding, cb) {
      try {
        writeSync(fd, toBytes(chunk, encoding));
        cb();
      } catch (e) {
        if (e.code === "EPIPE") {
          cb();
          return;
        }
        cb(e);
      }
    },
  });
  stream.fd = fd;
  stream._isStdio = true;
  stream.destroySoon = stream.destroy;
  stream._destroy = (err, cb) => cb(err);
  // Writes complete synchronously: nothing to flush at exit.
  if (isatty(fd)) {
    makeTtyWriter(stream, fd);
    return stream;
  }
  stream.isTTY = false;
  stream._type = "pipe";
  stream.columns = undefined;
  stream.getColorDepth = () => 1;
  stream.hasColors = () => false;
  return stream;
}

/** The window size of terminal `fd` ({ columns, rows }), read at each call (TIOCGWINSZ). */
export function ttySize(fd) {
  return sys("ttyGetSize", { fd });
}

/** Give a write stream on a terminal Node's tty.WriteStream surface. */
export function makeTtyWriter(stream, fd) {
  stream.isTTY = true;
  stream._type = "tty";
  // SIGWINCH (resizeShell) is "resize", as Node's tty.WriteStream emits it.
  watchSignal(28, () => stream.emit("resize"));
  // Always the terminal's current size: resizeShell changes it.
  Object.defineProperty(stream, "columns", { get: () => ttySize(fd).columns, configurable: true, enumerable: true });
  Object.defineProperty(stream, "rows", { get: () => ttySize(fd).rows, configurable: true, enumerable: true });
  stream.getWindowSize = () => {
    const s = ttySize(fd);
    return [s.columns, s.rows];
  };
  stream.getColorDepth = (env = process.env) => {
    const term = env.TERM || "";
    if (env.NO_COLOR !== undefined || term === "dumb") return 1;
    if (env.COLORTERM === "truecolor" || env.COLORTERM === "24bit") return 24;
    return term.includes("256") ? 8 : 4;
  };
  stream.hasColors = (count = 16, env) => {
    if (typeof count === "object") [count, env] = [16, count];
    return count <= 2 ** stream.getColorDepth(env);
  };
  stream.clearLine = (dir, cb) => stream.write(dir < 0 ? "\x1b[1K" : dir > 0 ? "\x1b[0K" : "\x1b[2K", cb);
  stream.clearScreenDown = (cb) => stream.write("\x1b[0J", cb);
  stream.cursorTo = (x, y, cb) => {
    if (typeof y === "function") [cb, y] = [y, undefined];
    return stream.write(typeof y === "number" ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`, cb);
  };
  stream.moveCursor = (dx, dy, cb) => {
    let s = "";
    if (dx) s += dx < 0 ? `\x1b[${-dx}D` : `\x1b[${dx}C`;
    if (dy) s += dy < 0 ? `\x1b[${-dy}A` : `\x1b[${dy}B`;
    return stream.write(s, cb);
  };
  return stream;
}

/** Put terminal `fd` in raw mode (`true`) or back in cooked mode. */
export function setRawMode(fd, raw) {
  sys("ttySetRaw", { fd, raw: !!raw });
}

export function makeReadStream(fd) {
  let reading = false;
  const stream = new Readable({
    highWaterMark: 65536,
    read() {
      if (reading) return;
      reading = true;
      readAsync(fd, 65536).then(
        (b) => {
          reading = false;
          stream.push(b == null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
        },
        (e) => {
          reading = false;
          stream.destroy(e);
        },
      );
    },
  });
  stream.fd = fd;
  stream.isTTY = isatty(fd) === true;
  stream.isRaw = false;
  stream.setRawMode = (flag) => {
    if (stream.isTTY) setRawMode(fd, flag);
    stream.isRaw = !!flag;
    return stream;
  };
  stream.ref = () => stream;
  stream.unref = () => stream;
  return stream;
}

export function isatty(fd) {
  return sys("isatty", { fd });
}
