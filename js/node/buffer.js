// `buffer`: the `buffer` npm package's Buffer (Node's API over Uint8Array), plus what it lacks:
// the 'base64url' encoding, isUtf8/isAscii, transcode, Blob/File, atob/btoa, constants.

// The CommonJS exports object itself: INSPECT_MAX_BYTES is read from it when inspecting.
import b from "buffer/";
import { Blob, File, resolveObjectURL } from "./web.js";
import { atob, btoa } from "./internal/globals.js";
import { fixNames } from "./internal/names.js";
import "./internal/buffer_patch.js";

const { Buffer } = b;

function bytesOf(input) {
  if (input instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && input instanceof SharedArrayBuffer)) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw Object.assign(new TypeError(`The "input" argument must be an instance of ArrayBuffer, Buffer, or TypedArray. Received ${input === null ? "null" : typeof input}`), { code: "ERR_INVALID_ARG_TYPE" });
}

export function isUtf8(input) {
  const s = bytesOf(input);
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n;
    let min;
    if (c >= 0xc2 && c <= 0xdf) (n = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (n = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (n = 3), (min = 0x10000);
    else return false;
    if (i + n >= s.length) return false;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const x = s[i + k];
      if ((x & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (x & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += n + 1;
  }
  return true;
}

export function isAscii(input) {
  const s = bytesOf(input);
  for (let i = 0; i < s.length; i++) if (s[i] > 0x7f) return false;
  return true;
}

const TRANSCODE = new Set(["ascii", "latin1", "binary", "ucs2", "ucs-2", "utf16le", "utf-16le", "utf8", "utf-8"]);

export function transcode(source, fromEnc, toEnc) {
  if (!(source instanceof Uint8Array)) {
    throw Object.assign(new TypeError(`The "source" argument must be an instance of Buffer or Uint8Array. Received ${source === null ? "null" : typeof source}`), { code: "ERR_INVALID_ARG_TYPE" });
  }
  const from = String(fromEnc).toLowerCase();
  const to = String(toEnc).toLowerCase();
  if (!TRANSCODE.has(from) || !TRANSCODE.has(to)) {
    const e = new Error(`Unable to transcode Buffer [U_ILLEGAL_ARGUMENT_ERROR]`);
    e.code = "U_ILLEGAL_ARGUMENT_ERROR";
    e.errno = 1;
    throw e;
  }
  const text = Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString(from);
  // Characters the target cannot hold become '?', as ICU's converters substitute them.
  const narrow = to === "ascii" ? 0x7f : to === "latin1" || to === "binary" ? 0xff : 0;
  return Buffer.from(narrow ? text.replace(/[\s\S]/gu, (ch) => (ch.codePointAt(0) > narrow ? "?" : ch)) : text, to);
}

export const kMaxLength = b.kMaxLength;
export const kStringMaxLength = 2 ** 29 - 24;
export const constants = Object.freeze({ MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength });
export const { SlowBuffer } = b;
export { Buffer, Blob, File, resolveObjectURL, atob, btoa };

const buffer = {
  Buffer,
  SlowBuffer,
  Blob,
  File,
  resolveObjectURL,
  atob,
  btoa,
  isUtf8,
  isAscii,
  transcode,
  kMaxLength,
  kStringMaxLength,
  constants,
};
Object.defineProperty(buffer, "INSPECT_MAX_BYTES", {
  get: () => b.INSPECT_MAX_BYTES,
  set: (v) => {
    b.INSPECT_MAX_BYTES = v;
  },
  enumerable: true,
});
export default fixNames(buffer);
