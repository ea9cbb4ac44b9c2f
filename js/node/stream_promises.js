// `stream/promises`: pipeline and finished returning promises (readable-stream's own).
import * as stream from "./stream.js";
export default stream.promises;
