// `tty`: isatty() is true for descriptors on a terminal of the VM (an interactive shell's).
// ReadStream/WriteStream read or write their descriptor; on a terminal, setRawMode changes its
// line discipline and columns/rows are its window size; elsewhere they act as on a pipe.

import { Readable, Writable } from "./stream.js";
import { isatty as sysIsatty, makeTtyWriter, setRawMode } from "./internal/stdio.js";
import { readAsync, writeSync } from "./internal/sys.js";
import { Buffer } from "buffer";
import { fixNames } from "./internal/names.js";

export function isatty(fd) {
  return Number.isInteger(fd) && fd >= 0 && fd <= 2147483647 && sysIsatty(fd) === true;
}

export class ReadStream extends Readable {
  #reading = false;
  constructor(fd, options) {
    super({ highWaterMark: 65536, ...options });
    this.fd = fd;
    this.isRaw = false;
    this.isTTY = true;
  }
  _read(size) {
    if (this.#reading) return;
    this.#reading = true;
    readAsync(this.fd, Math.max(size, 1)).then(
      (b) => {
        this.#reading = false;
        this.push(b == null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      },
      (e) => {
        this.#reading = false;
        this.destroy(e);
      },
    );
  }
  setRawMode(flag) {
    if (sysIsatty(this.fd) === true) setRawMode(this.fd, flag);
    this.isRaw = !!flag;
    return this;
  }
}

export class WriteStream extends Writable {
  constructor(fd) {
    super({ decodeStrings: false });
    this.fd = fd;
    this.isTTY = true;
    if (sysIsatty(fd) === true) {
      makeTtyWriter(this, fd);
    } else {
      this.columns = 80;
      this.rows = 24;
    }
  }
  _write(chunk, encoding, callback) {
    try {
      writeSync(this.fd, typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk);
      callback();
    } catch (e) {
      callback(e);
    }
  }
  getColorDepth() {
    return 1;
  }
  hasColors(count = 16) {
    return count <= 2;
  }
  getWindowSize() {
    return [this.columns, this.rows];
  }
  clearLine(dir, cb) {
    return this.write(dir < 0 ? "\x1b[1K" : dir > 0 ? "\x1b[0K" : "\x1b[2K", cb);
  }
  clearScreenDown(cb) {
    return this.write("\x1b[0J", cb);
  }
  cursorTo(x, y, cb) {
    if (typeof y === "function") [cb, y] = [y, undefined];
    return this.write(typeof y === "number" ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`, cb);
  }
  moveCursor(dx, dy, cb) {
    let s = "";
    if (dx) s += dx < 0 ? `\x1b[${-dx}D` : `\x1b[${dx}C`;
    if (dy) s += dy < 0 ? `\x1b[${-dy}A` : `\x1b[${dy}B`;
    return this.write(s, cb);
  }
}

export default fixNames({ isatty, ReadStream, WriteStream });
