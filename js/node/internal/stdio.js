// process.stdin/stdout/stderr over the kernel's descriptors 0, 1 and 2.
// stdout/stderr writes are synchronous (as Node's are for files and pipes on Linux).

import { Buffer } from "buffer";
// In the snapshot: nearly every program prints, and compiling readable-stream at first use
// costs more than deserialising it.
import { Readable, Writable } from "../stream.js";
import { writeSync, readAsync, sys } from "./sys.js";

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
  stream.isTTY = false;
  stream._type = "pipe";
  stream.columns = undefined;
  stream._isStdio = true;
  stream.destroySoon = stream.destroy;
  stream._destroy = (err, cb) => cb(err);
  stream.getColorDepth = () => 1;
  stream.hasColors = () => false;
  // Writes complete synchronously: nothing to flush at exit.
  return stream;
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
  stream.isTTY = false;
  stream.setRawMode = () => stream;
  stream.ref = () => stream;
  stream.unref = () => stream;
  return stream;
}

export function isatty(fd) {
  return sys("isatty", { fd });
}
