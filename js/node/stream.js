// `stream`: readable-stream (Node's own streams, published for other runtimes) shaped as Node's
// module: the export is the legacy `Stream` constructor carrying Readable, Writable, ... and the
// helpers Node adds (`require("stream") === require("stream").Stream`, as libraries built on
// readable-stream@2/3 expect).
import * as rs from "readable-stream";

const m = rs.default ?? rs;
const Stream = m.Stream;

let highWaterMark = 65536;
let objectHighWaterMark = 16;
const extras = {
  isReadable: m.isReadable ?? ((s) => !!s && typeof s.read === "function" && !s.destroyed),
  isErrored: m.isErrored ?? ((s) => !!s?.errored),
  isDisturbed: m.isDisturbed ?? ((s) => !!s?.readableDidRead),
  getDefaultHighWaterMark: (objectMode) => (objectMode ? objectHighWaterMark : highWaterMark),
  setDefaultHighWaterMark: (objectMode, value) => {
    if (objectMode) objectHighWaterMark = value;
    else highWaterMark = value;
  },
};
for (const [k, v] of Object.entries({ ...m, ...extras })) {
  if (!Object.prototype.hasOwnProperty.call(Stream, k)) {
    Object.defineProperty(Stream, k, { value: v, writable: true, configurable: true, enumerable: true });
  }
}
for (const k of ["Readable", "Writable", "Duplex", "Transform", "PassThrough", "pipeline", "finished", "promises"]) {
  if (!(k in Stream)) Stream[k] = m[k];
}
Stream.Stream = Stream;

export const Readable = Stream.Readable;
export const Writable = Stream.Writable;
export const Duplex = Stream.Duplex;
export const Transform = Stream.Transform;
export const PassThrough = Stream.PassThrough;
export const pipeline = Stream.pipeline;
export const finished = Stream.finished;
export const addAbortSignal = Stream.addAbortSignal;
export const compose = Stream.compose;
export const promises = Stream.promises;
export const { isReadable, isErrored, isDisturbed, getDefaultHighWaterMark, setDefaultHighWaterMark } = extras;
export { Stream };
export default Stream;
