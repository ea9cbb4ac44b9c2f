// `zlib`: browserify-zlib (Node's zlib.js over pako, a port of zlib itself): deflate/inflate/gzip/
// gunzip/unzip/raw as streams, callbacks and *Sync; plus zlib.constants, crc32 and Node's
// error shape. Brotli is not available (pako has none): its functions throw ERR_NOT_SUPPORTED.

import z from "browserify-zlib";
import { Buffer } from "buffer";
import { fixNames } from "./internal/names.js";

// Node's values (Linux x64 build).
export const constants = Object.freeze({"Z_NO_FLUSH":0,"Z_PARTIAL_FLUSH":1,"Z_SYNC_FLUSH":2,"Z_FULL_FLUSH":3,"Z_FINISH":4,"Z_BLOCK":5,"Z_OK":0,"Z_STREAM_END":1,"Z_NEED_DICT":2,"Z_ERRNO":-1,"Z_STREAM_ERROR":-2,"Z_DATA_ERROR":-3,"Z_MEM_ERROR":-4,"Z_BUF_ERROR":-5,"Z_VERSION_ERROR":-6,"Z_NO_COMPRESSION":0,"Z_BEST_SPEED":1,"Z_BEST_COMPRESSION":9,"Z_DEFAULT_COMPRESSION":-1,"Z_FILTERED":1,"Z_HUFFMAN_ONLY":2,"Z_RLE":3,"Z_FIXED":4,"Z_DEFAULT_STRATEGY":0,"ZLIB_VERNUM":4880,"DEFLATE":1,"INFLATE":2,"GZIP":3,"GUNZIP":4,"DEFLATERAW":5,"INFLATERAW":6,"UNZIP":7,"BROTLI_DECODE":8,"BROTLI_ENCODE":9,"Z_MIN_WINDOWBITS":8,"Z_MAX_WINDOWBITS":15,"Z_DEFAULT_WINDOWBITS":15,"Z_MIN_CHUNK":64,"Z_MAX_CHUNK":null,"Z_DEFAULT_CHUNK":16384,"Z_MIN_MEMLEVEL":1,"Z_MAX_MEMLEVEL":9,"Z_DEFAULT_MEMLEVEL":8,"Z_MIN_LEVEL":-1,"Z_MAX_LEVEL":9,"Z_DEFAULT_LEVEL":-1,"BROTLI_OPERATION_PROCESS":0,"BROTLI_OPERATION_FLUSH":1,"BROTLI_OPERATION_FINISH":2,"BROTLI_OPERATION_EMIT_METADATA":3,"BROTLI_PARAM_MODE":0,"BROTLI_MODE_GENERIC":0,"BROTLI_MODE_TEXT":1,"BROTLI_MODE_FONT":2,"BROTLI_DEFAULT_MODE":0,"BROTLI_PARAM_QUALITY":1,"BROTLI_MIN_QUALITY":0,"BROTLI_MAX_QUALITY":11,"BROTLI_DEFAULT_QUALITY":11,"BROTLI_PARAM_LGWIN":2,"BROTLI_MIN_WINDOW_BITS":10,"BROTLI_MAX_WINDOW_BITS":24,"BROTLI_LARGE_MAX_WINDOW_BITS":30,"BROTLI_DEFAULT_WINDOW":22,"BROTLI_PARAM_LGBLOCK":3,"BROTLI_MIN_INPUT_BLOCK_BITS":16,"BROTLI_MAX_INPUT_BLOCK_BITS":24,"BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING":4,"BROTLI_PARAM_SIZE_HINT":5,"BROTLI_PARAM_LARGE_WINDOW":6,"BROTLI_PARAM_NPOSTFIX":7,"BROTLI_PARAM_NDIRECT":8,"BROTLI_DECODER_RESULT_ERROR":0,"BROTLI_DECODER_RESULT_SUCCESS":1,"BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT":2,"BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT":3,"BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION":0,"BROTLI_DECODER_PARAM_LARGE_WINDOW":1,"BROTLI_DECODER_NO_ERROR":0,"BROTLI_DECODER_SUCCESS":1,"BROTLI_DECODER_NEEDS_MORE_INPUT":2,"BROTLI_DECODER_NEEDS_MORE_OUTPUT":3,"BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE":-1,"BROTLI_DECODER_ERROR_FORMAT_RESERVED":-2,"BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE":-3,"BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET":-4,"BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME":-5,"BROTLI_DECODER_ERROR_FORMAT_CL_SPACE":-6,"BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE":-7,"BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT":-8,"BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1":-9,"BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2":-10,"BROTLI_DECODER_ERROR_FORMAT_TRANSFORM":-11,"BROTLI_DECODER_ERROR_FORMAT_DICTIONARY":-12,"BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS":-13,"BROTLI_DECODER_ERROR_FORMAT_PADDING_1":-14,"BROTLI_DECODER_ERROR_FORMAT_PADDING_2":-15,"BROTLI_DECODER_ERROR_FORMAT_DISTANCE":-16,"BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET":-19,"BROTLI_DECODER_ERROR_INVALID_ARGUMENTS":-20,"BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES":-21,"BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS":-22,"BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP":-25,"BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1":-26,"BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2":-27,"BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES":-30,"BROTLI_DECODER_ERROR_UNREACHABLE":-31});

// Node's errors: the zlib message, `errno` and `code` ('Z_DATA_ERROR'...). browserify-zlib sets
// errno and code already; inputs of the wrong type get Node's ERR_INVALID_ARG_TYPE.
function checkInput(buffer) {
  if (typeof buffer === "string" || ArrayBuffer.isView(buffer) || buffer instanceof ArrayBuffer) return;
  const got = buffer === null ? "null" : buffer === undefined ? "undefined" : typeof buffer === "object" ? `an instance of ${buffer.constructor?.name ?? "Object"}` : `type ${typeof buffer} (${String(buffer)})`;
  throw Object.assign(new TypeError(`The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer. Received ${got}`), { code: "ERR_INVALID_ARG_TYPE" });
}

const toBuffer = (b) => (b instanceof ArrayBuffer ? Buffer.from(b) : ArrayBuffer.isView(b) && !Buffer.isBuffer(b) ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : b);

const zlib = {};
for (const kind of ["deflate", "inflate", "gzip", "gunzip", "deflateRaw", "inflateRaw", "unzip"]) {
  const Kind = kind[0].toUpperCase() + kind.slice(1);
  zlib[Kind] = z[Kind];
  zlib[`create${Kind}`] = (opts) => new z[Kind](opts);
  zlib[kind] = function (buffer, opts, callback) {
    if (typeof opts === "function") [callback, opts] = [opts, {}];
    if (typeof callback !== "function") {
      throw Object.assign(new TypeError(`The "callback" argument must be of type function. Received ${callback === undefined ? "undefined" : typeof callback}`), { code: "ERR_INVALID_ARG_TYPE" });
    }
    checkInput(buffer);
    return z[kind](toBuffer(buffer), opts ?? {}, callback);
  };
  zlib[`${kind}Sync`] = function (buffer, opts) {
    checkInput(buffer);
    return z[`${kind}Sync`](toBuffer(buffer), opts ?? {});
  };
}

function brotli(name) {
  return function () {
    throw Object.assign(new Error(`zlib.${name}: Brotli is not supported in the agentOS VM`), { code: "ERR_NOT_SUPPORTED" });
  };
}
for (const name of ["BrotliCompress", "BrotliDecompress", "createBrotliCompress", "createBrotliDecompress", "brotliCompress", "brotliDecompress", "brotliCompressSync", "brotliDecompressSync"]) {
  zlib[name] = brotli(name);
}

// CRC-32 (IEEE), as zlib.crc32(data, value = 0).
let table;
export function crc32(data, value = 0) {
  if (typeof data !== "string" && !ArrayBuffer.isView(data)) {
    throw Object.assign(new TypeError(`The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${data === null ? "null" : typeof data}`), { code: "ERR_INVALID_ARG_TYPE" });
  }
  if (typeof value !== "number") throw Object.assign(new TypeError(`The "value" argument must be of type number. Received type ${typeof value}`), { code: "ERR_INVALID_ARG_TYPE" });
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let crc = (value ^ -1) | 0;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

zlib.crc32 = crc32;
zlib.constants = constants;
zlib.codes = z.codes;
// The deprecated Z_* constants on the module itself, as Node still has them.
for (const [k, v] of Object.entries(constants)) if (k.startsWith("Z_")) zlib[k] = v;

export default fixNames(zlib);
