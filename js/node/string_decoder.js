// `string_decoder`: the `string_decoder` npm package (Node's StringDecoder, published for other
// runtimes).
import sd from "string_decoder/";
import { fixNames } from "./internal/names.js";
export const { StringDecoder } = sd;
export default fixNames({ StringDecoder });
