// `stream`: readable-stream (Node's own streams, published for other runtimes), plus
// `stream/promises` and the helpers Node adds.
import * as rs from "readable-stream";

const Stream = rs.Stream || rs.default?.Stream;
const m = rs.default ?? rs;
export const Readable = m.Readable;
export const Writable = m.Writable;
export const Duplex = m.Duplex;
export const Transform = m.Transform;
export const PassThrough = m.PassThrough;
export const pipeline = m.pipeline;
export const finished = m.finished;
export const addAbortSignal = m.addAbortSignal;
export const compose = m.compose;
export const promises = m.promises;
export const isReadable = m.isReadable ?? ((s) => !!s && typeof s.read === "function" && !s.destroyed);
export const isErrored = m.isErrored ?? ((s) => !!s?.errored);
export const isDisturbed = m.isDisturbed ?? ((s) => !!s?.readableDidRead);
export const getDefaultHighWaterMark = (objectMode) => (objectMode ? 16 : 65536);
export const setDefaultHighWaterMark = () => {};
export { Stream };
export default m;
