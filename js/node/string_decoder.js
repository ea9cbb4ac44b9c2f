// `string_decoder`: the `string_decoder` npm package (Node's StringDecoder, published for other
// runtimes), taking any Uint8Array as Node's does (the package calls Buffer methods on its input,
// and a plain Uint8Array's toString() is "52,50,10").
import sd from "string_decoder/";
import { Buffer } from "buffer";
import { fixNames } from "./internal/names.js";

const asBuffer = (b) =>
  b == null || typeof b === "string" || Buffer.isBuffer(b) || !ArrayBuffer.isView(b)
    ? b
    : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export class StringDecoder extends sd.StringDecoder {
  write(buf) {
    return super.write(asBuffer(buf));
  }
  end(buf) {
    return super.end(asBuffer(buf));
  }
}
export default fixNames({ StringDecoder });
