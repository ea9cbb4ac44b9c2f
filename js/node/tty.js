// `tty`: the VM has no terminals (every descriptor is a file or a pipe), so isatty() is false and
// the TTY stream classes fail to open a descriptor, as Node's do on a non-terminal.

import { Readable, Writable } from "./stream.js";
import { isatty as sysIsatty } from "./internal/stdio.js";
import { fixNames } from "./internal/names.js";

export function isatty(fd) {
  return Number.isInteger(fd) && fd >= 0 && fd <= 2147483647 && sysIsatty(fd) === true;
}

function ttyInitFailed() {
  const e = new Error("TTY initialization failed: uv_tty_init returned EINVAL (invalid argument)");
  e.name = "SystemError";
  e.code = "ERR_TTY_INIT_FAILED";
  e.info = { errno: -22, code: "EINVAL", message: "invalid argument", syscall: "uv_tty_init" };
  e.errno = -22;
  e.syscall = "uv_tty_init";
  return e;
}

export class ReadStream extends Readable {
  constructor(fd, options) {
    if (!isatty(fd)) throw ttyInitFailed();
    super(options);
    this.fd = fd;
    this.isRaw = false;
    this.isTTY = true;
  }
  setRawMode(flag) {
    this.isRaw = !!flag;
    return this;
  }
}

export class WriteStream extends Writable {
  constructor(fd) {
    if (!isatty(fd)) throw ttyInitFailed();
    super();
    this.fd = fd;
    this.isTTY = true;
    this.columns = 80;
    this.rows = 24;
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
