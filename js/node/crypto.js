// `crypto`: randomness, digests and HMACs (md5, sha1, sha224, sha256, sha384, sha512 computed by
// the host: `digest` op), and what is built on them in JS (pbkdf2, hkdf, scrypt, webcrypto.subtle.digest).
// Ciphers, signatures and key pairs are not available yet: they throw ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.

import { Buffer } from "buffer";
import { Transform } from "./stream.js";
import { digest as sysDigest, randomFill as sysRandomFill } from "./internal/sys.js";
import { DOMException } from "./web.js";
import { fixNames } from "./internal/names.js";

function err(Ctor, code, message) {
  return Object.assign(new Ctor(message), { code });
}

function describe(v) {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "function") return `function ${v.name}`;
  if (typeof v === "object") return `an instance of ${v.constructor?.name ?? "Object"}`;
  let s = String(v);
  if (s.length > 28) s = s.slice(0, 25) + "...";
  return `type ${typeof v} (${typeof v === "string" ? `'${s}'` : s})`;
}

function invalidArgType(name, expected, value) {
  return err(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be ${expected}. Received ${describe(value)}`);
}

function outOfRange(name, range, value) {
  return err(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be ${range}. Received ${value}`);
}

function checkCallback(cb) {
  if (typeof cb !== "function") throw invalidArgType("callback", "of type function", cb);
}

function toBytes(data, encoding, name = "data") {
  if (typeof data === "string") return Buffer.from(data, encoding === "buffer" ? "utf8" : encoding || "utf8");
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArgType(name, "of type string or an instance of Buffer, TypedArray, or DataView", data);
}

function encodeOut(bytes, encoding) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding && encoding !== "buffer" ? b.toString(encoding) : b;
}

// --- digests ----------------------------------------------------------------------------------

const HASHES = { md5: "md5", sha1: "sha1", sha224: "sha224", sha256: "sha256", sha384: "sha384", sha512: "sha512" };
const BLOCK = { md5: 64, sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 };
const SIZE = { md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

/// Node's names for an algorithm ('sha256', 'SHA256', 'sha-256', 'RSA-SHA256'), or undefined.
function normalizeHash(name) {
  if (typeof name !== "string") return undefined;
  const n = name.toLowerCase().replace(/^rsa-/, "").replace(/^sha-/, "sha");
  return HASHES[n];
}

function digestBytes(alg, key, data) {
  return sysDigest(alg, key, data);
}

function concat(chunks) {
  if (chunks.length === 1) return chunks[0];
  return Buffer.concat(chunks);
}

const kState = Symbol("state");

// Hash and Hmac are Transform streams, as in Node: `stream.pipe(createHash("sha256"))`.
class Digest extends Transform {
  constructor(alg, key, options) {
    super(options);
    this[kState] = { alg, key, chunks: [], done: false };
  }
  update(data, inputEncoding) {
    const s = this[kState];
    if (s.done) throw err(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    // Copy: the caller may reuse its buffer before digest().
    s.chunks.push(Buffer.from(toBytes(data, inputEncoding)));
    return this;
  }
  digest(outputEncoding) {
    const s = this[kState];
    if (s.done) throw err(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    s.done = true;
    const bytes = digestBytes(s.alg, s.key, concat(s.chunks));
    s.chunks = [];
    return encodeOut(bytes, outputEncoding);
  }
  _transform(chunk, encoding, callback) {
    this.update(chunk, encoding);
    callback();
  }
  _flush(callback) {
    this.push(this.digest());
    callback();
  }
}

export class Hash extends Digest {
  constructor(algorithm, options) {
    if (typeof algorithm !== "string" && !(algorithm instanceof Hash)) throw invalidArgType("algorithm", "of type string", algorithm);
    const alg = algorithm instanceof Hash ? algorithm[kState].alg : normalizeHash(algorithm);
    if (!alg) throw new Error("Digest method not supported");
    if (options?.outputLength !== undefined && options.outputLength !== SIZE[alg]) {
      // XOF lengths only apply to shake*, which the guest lacks.
      throw err(Error, "ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH", "error:030000B2:digital envelope routines::not XOF or invalid length");
    }
    super(alg, null, options);
  }
  copy(options) {
    const s = this[kState];
    if (s.done) throw err(Error, "ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
    const h = new Hash(s.alg, options);
    h[kState].chunks = s.chunks.slice();
    return h;
  }
}

export class Hmac extends Digest {
  constructor(hmac, key, options) {
    const alg = normalizeHash(hmac);
    if (typeof hmac !== "string") throw invalidArgType("hmac", "of type string", hmac);
    if (!alg) throw err(TypeError, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${hmac}`);
    const k = key instanceof KeyObject ? key.export() : toBytes(key, options?.encoding, "key");
    super(alg, Buffer.from(k), options);
  }
}

export function createHash(algorithm, options) {
  return new Hash(algorithm, options);
}

export function createHmac(hmac, key, options) {
  return new Hmac(hmac, key, options);
}

/// crypto.hash(algorithm, data, outputEncoding = 'hex'): a one-shot digest.
export function hash(algorithm, data, outputEncoding = "hex") {
  if (typeof algorithm !== "string") throw invalidArgType("algorithm", "of type string", algorithm);
  if (typeof data !== "string" && !ArrayBuffer.isView(data)) throw invalidArgType("data", "of type string or an instance of Buffer, TypedArray, or DataView", data);
  const alg = normalizeHash(algorithm);
  if (!alg) throw new Error("Digest method not supported");
  return encodeOut(digestBytes(alg, null, toBytes(data)), outputEncoding);
}

export function getHashes() {
  return ["RSA-MD5", "RSA-SHA1", "RSA-SHA224", "RSA-SHA256", "RSA-SHA384", "RSA-SHA512", "md5", "sha1", "sha224", "sha256", "sha384", "sha512"];
}

// --- KeyObject (secret keys only) ---------------------------------------------------------------

export class KeyObject {
  #bytes;
  constructor(type, bytes) {
    if (type !== "secret") throw err(Error, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", "agentOS: only secret keys are supported by crypto in the VM");
    this.#bytes = Buffer.from(bytes);
  }
  get type() {
    return "secret";
  }
  get symmetricKeySize() {
    return this.#bytes.length;
  }
  export(options) {
    if (options?.format === "jwk") return { kty: "oct", k: this.#bytes.toString("base64url") };
    return Buffer.from(this.#bytes);
  }
  equals(other) {
    return other instanceof KeyObject && timingSafeEqualBytes(this.#bytes, other.export());
  }
}

export function createSecretKey(key, encoding) {
  return new KeyObject("secret", toBytes(key, encoding, "key"));
}

// --- randomness -------------------------------------------------------------------------------

const MAX_RANDOM = 2 ** 31 - 1;

export function randomFillSync(buf, offset = 0, size) {
  if (!ArrayBuffer.isView(buf) && !(buf instanceof ArrayBuffer)) throw invalidArgType("buf", "an instance of ArrayBuffer or ArrayBufferView", buf);
  const bytes = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const elt = buf.BYTES_PER_ELEMENT ?? 1;
  offset = Number(offset) * elt;
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) throw outOfRange("offset", `>= 0 && <= ${bytes.length}`, offset);
  const n = size === undefined ? bytes.length - offset : Number(size) * elt;
  if (!Number.isInteger(n) || n < 0 || offset + n > bytes.length) throw outOfRange("size", `>= 0 && <= ${bytes.length - offset}`, size);
  sysRandomFill(bytes.subarray(offset, offset + n));
  return buf;
}

export function randomFill(buf, offset, size, callback) {
  if (typeof offset === "function") [callback, offset, size] = [offset, 0, undefined];
  else if (typeof size === "function") [callback, size] = [size, undefined];
  checkCallback(callback);
  randomFillSync(buf, offset ?? 0, size);
  process.nextTick(callback, null, buf);
}

export function randomBytes(size, callback) {
  if (typeof size !== "number") throw invalidArgType("size", "of type number", size);
  if (!Number.isInteger(size) || size < 0 || size > MAX_RANDOM) throw outOfRange("size", `>= 0 && <= ${MAX_RANDOM}`, size);
  if (callback !== undefined) checkCallback(callback);
  const buf = Buffer.alloc(size);
  sysRandomFill(buf);
  if (callback) {
    process.nextTick(callback, null, buf);
    return undefined;
  }
  return buf;
}

export function randomInt(min, max, callback) {
  if (typeof max === "undefined" || typeof max === "function") [callback, max, min] = [max, min, 0];
  if (!Number.isSafeInteger(min)) throw invalidArgType("min", "a safe integer", min);
  if (!Number.isSafeInteger(max)) throw invalidArgType("max", "a safe integer", max);
  if (max <= min) throw outOfRange("max", `greater than the value of "min" (${min})`, max);
  const range = max - min;
  if (range > 2 ** 48 - 1) throw outOfRange("max - min", `<= ${2 ** 48 - 1}`, range);
  if (callback !== undefined) checkCallback(callback);
  // Rejection sampling over 48-bit draws: no modulo bias.
  const limit = 2 ** 48 - (2 ** 48 % range);
  const b = new Uint8Array(6);
  let x;
  do {
    sysRandomFill(b);
    x = b[0] * 2 ** 40 + b[1] * 2 ** 32 + b[2] * 2 ** 24 + b[3] * 2 ** 16 + b[4] * 2 ** 8 + b[5];
  } while (x >= limit);
  const n = min + (x % range);
  if (callback) {
    process.nextTick(callback, null, n);
    return undefined;
  }
  return n;
}

export function randomUUID(options) {
  if (options !== undefined && (options === null || typeof options !== "object")) throw invalidArgType("options", "of type object", options);
  const b = sysRandomFill(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function getRandomValues(array) {
  const tag = ArrayBuffer.isView(array) && !(array instanceof DataView) ? Object.prototype.toString.call(array).slice(8, -1) : "";
  if (!/^(Big)?(U)?[Ii]nt(8|16|32|64)(Clamped)?Array$/.test(tag) && tag !== "Uint8ClampedArray") {
    throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
  }
  if (array.byteLength > 65536) throw new DOMException("The requested length exceeds 65,536 bytes", "QuotaExceededError");
  sysRandomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return array;
}

export function timingSafeEqualBytes(a, b) {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function timingSafeEqual(buf1, buf2) {
  const a = ArrayBuffer.isView(buf1) || buf1 instanceof ArrayBuffer ? toBytes(buf1) : null;
  const b = ArrayBuffer.isView(buf2) || buf2 instanceof ArrayBuffer ? toBytes(buf2) : null;
  if (!a) throw invalidArgType("buf1", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", buf1);
  if (!b) throw invalidArgType("buf2", "an instance of ArrayBuffer, Buffer, TypedArray, or DataView", buf2);
  if (a.length !== b.length) throw err(RangeError, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH", "Input buffers must have the same byte length");
  return timingSafeEqualBytes(a, b);
}

// --- key derivation (over HMAC) -----------------------------------------------------------------

export function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  const alg = normalizeHash(digest);
  if (typeof digest !== "string") throw invalidArgType("digest", "of type string", digest);
  if (!alg) throw err(TypeError, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${digest}`);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_RANDOM) throw outOfRange("iterations", `>= 1 && <= ${MAX_RANDOM}`, iterations);
  if (!Number.isInteger(keylen) || keylen < 0 || keylen > MAX_RANDOM) throw outOfRange("keylen", `>= 0 && <= ${MAX_RANDOM}`, keylen);
  const key = Buffer.from(toBytes(password, undefined, "password"));
  const s = toBytes(salt, undefined, "salt");
  const out = Buffer.alloc(keylen);
  const hlen = SIZE[alg];
  const block = Buffer.alloc(s.length + 4);
  block.set(s);
  for (let i = 1, off = 0; off < keylen; i++, off += hlen) {
    block.writeUInt32BE(i, s.length);
    let u = digestBytes(alg, key, block);
    const t = Uint8Array.from(u);
    for (let k = 1; k < iterations; k++) {
      u = digestBytes(alg, key, u);
      for (let j = 0; j < hlen; j++) t[j] ^= u[j];
    }
    out.set(t.subarray(0, Math.min(hlen, keylen - off)), off);
  }
  return out;
}

export function pbkdf2(password, salt, iterations, keylen, digest, callback) {
  checkCallback(callback);
  const key = pbkdf2Sync(password, salt, iterations, keylen, digest);
  process.nextTick(callback, null, key);
}

export function hkdfSync(digest, ikm, salt, info, keylen) {
  const alg = normalizeHash(digest);
  if (!alg) throw err(TypeError, "ERR_CRYPTO_INVALID_DIGEST", `Invalid digest: ${digest}`);
  const hlen = SIZE[alg];
  if (!Number.isInteger(keylen) || keylen < 0 || keylen > 255 * hlen) {
    throw err(RangeError, "ERR_CRYPTO_INVALID_KEYLEN", "Invalid key length");
  }
  const k = ikm instanceof KeyObject ? ikm.export() : toBytes(ikm, undefined, "ikm");
  const saltBytes = toBytes(salt, undefined, "salt");
  const infoBytes = toBytes(info, undefined, "info");
  if (infoBytes.length > 1024) throw outOfRange("info", "<= 1024", infoBytes.length);
  const prk = digestBytes(alg, saltBytes.length ? saltBytes : new Uint8Array(hlen), k);
  const out = new Uint8Array(keylen);
  let prev = new Uint8Array(0);
  for (let i = 1, off = 0; off < keylen; i++, off += hlen) {
    const input = new Uint8Array(prev.length + infoBytes.length + 1);
    input.set(prev);
    input.set(infoBytes, prev.length);
    input[input.length - 1] = i;
    prev = digestBytes(alg, prk, input);
    out.set(prev.subarray(0, Math.min(hlen, keylen - off)), off);
  }
  return out.buffer;
}

export function hkdf(digest, ikm, salt, info, keylen, callback) {
  checkCallback(callback);
  const key = hkdfSync(digest, ikm, salt, info, keylen);
  process.nextTick(callback, null, key);
}

// --- scrypt (RFC 7914), over pbkdf2-sha256 -------------------------------------------------------

function salsa208(B, x) {
  // x: scratch of 16 words; B: 16 words, transformed in place.
  for (let i = 0; i < 16; i++) x[i] = B[i];
  const R = (a, b) => (a << b) | (a >>> (32 - b));
  for (let i = 0; i < 8; i += 2) {
    x[4] ^= R(x[0] + x[12], 7); x[8] ^= R(x[4] + x[0], 9); x[12] ^= R(x[8] + x[4], 13); x[0] ^= R(x[12] + x[8], 18);
    x[9] ^= R(x[5] + x[1], 7); x[13] ^= R(x[9] + x[5], 9); x[1] ^= R(x[13] + x[9], 13); x[5] ^= R(x[1] + x[13], 18);
    x[14] ^= R(x[10] + x[6], 7); x[2] ^= R(x[14] + x[10], 9); x[6] ^= R(x[2] + x[14], 13); x[10] ^= R(x[6] + x[2], 18);
    x[3] ^= R(x[15] + x[11], 7); x[7] ^= R(x[3] + x[15], 9); x[11] ^= R(x[7] + x[3], 13); x[15] ^= R(x[11] + x[7], 18);
    x[1] ^= R(x[0] + x[3], 7); x[2] ^= R(x[1] + x[0], 9); x[3] ^= R(x[2] + x[1], 13); x[0] ^= R(x[3] + x[2], 18);
    x[6] ^= R(x[5] + x[4], 7); x[7] ^= R(x[6] + x[5], 9); x[4] ^= R(x[7] + x[6], 13); x[5] ^= R(x[4] + x[7], 18);
    x[11] ^= R(x[10] + x[9], 7); x[8] ^= R(x[11] + x[10], 9); x[9] ^= R(x[8] + x[11], 13); x[10] ^= R(x[9] + x[8], 18);
    x[12] ^= R(x[15] + x[14], 7); x[13] ^= R(x[12] + x[15], 9); x[14] ^= R(x[13] + x[12], 13); x[15] ^= R(x[14] + x[13], 18);
  }
  for (let i = 0; i < 16; i++) B[i] = (B[i] + x[i]) | 0;
}

// BlockMix: B (32r words) -> Y (32r words), with X and x as scratch.
function blockMix(B, Y, X, x, r) {
  X.set(B.subarray((2 * r - 1) * 16, 2 * r * 16));
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) X[k] ^= B[i * 16 + k];
    salsa208(X, x);
    // Even blocks first, then odd ones.
    Y.set(X, ((i >> 1) + (i & 1) * r) * 16);
  }
}

function scryptParams(options) {
  const o = options ?? {};
  const pick = (a, b, def) => {
    if (o[a] !== undefined && o[b] !== undefined) throw err(TypeError, "ERR_INCOMPATIBLE_OPTION_PAIR", `Option "${a}" cannot be used in combination with option "${b}"`);
    return o[a] ?? o[b] ?? def;
  };
  const N = pick("N", "cost", 16384);
  const r = pick("r", "blockSize", 8);
  const p = pick("p", "parallelization", 1);
  const maxmem = o.maxmem ?? 32 << 20;
  const invalid = (why) => err(RangeError, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS", `Invalid scrypt params: ${why}`);
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0) throw invalid("N must be a power of 2 greater than 1");
  if (!Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1 || r * p >= 2 ** 30) throw invalid("invalid r or p");
  if (128 * N * r + 128 * r * p > maxmem) throw invalid("memory limit exceeded");
  return { N, r, p };
}

export function scryptSync(password, salt, keylen, options) {
  const { N, r, p } = scryptParams(options);
  if (!Number.isInteger(keylen) || keylen < 0 || keylen > MAX_RANDOM) throw outOfRange("keylen", `>= 0 && <= ${MAX_RANDOM}`, keylen);
  const pw = toBytes(password, undefined, "password");
  const B = pbkdf2Sync(pw, toBytes(salt, undefined, "salt"), 1, p * 128 * r, "sha256");
  const words = 32 * r;
  const V = new Int32Array(N * words);
  const X = new Int32Array(words);
  const Y = new Int32Array(words);
  const T = new Int32Array(16);
  const x = new Int32Array(16);
  const view = new DataView(B.buffer, B.byteOffset, B.byteLength);
  for (let i = 0; i < p; i++) {
    const off = i * 128 * r;
    for (let k = 0; k < words; k++) X[k] = view.getInt32(off + k * 4, true);
    for (let j = 0; j < N; j++) {
      V.set(X, j * words);
      blockMix(X, Y, T, x, r);
      X.set(Y);
    }
    for (let j = 0; j < N; j++) {
      const v = (X[(2 * r - 1) * 16] >>> 0) & (N - 1);
      for (let k = 0; k < words; k++) X[k] ^= V[v * words + k];
      blockMix(X, Y, T, x, r);
      X.set(Y);
    }
    for (let k = 0; k < words; k++) view.setInt32(off + k * 4, X[k], true);
  }
  return pbkdf2Sync(pw, B, 1, keylen, "sha256");
}

export function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === "function") [callback, options] = [options, undefined];
  checkCallback(callback);
  let key;
  try {
    key = scryptSync(password, salt, keylen, options);
  } catch (e) {
    if (e.code === "ERR_CRYPTO_INVALID_SCRYPT_PARAMS" || e.code === "ERR_INCOMPATIBLE_OPTION_PAIR") throw e;
    process.nextTick(callback, e);
    return;
  }
  process.nextTick(callback, null, key);
}

// --- what is not available yet ------------------------------------------------------------------

function unavailable(name) {
  return function () {
    throw err(Error, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM", `crypto.${name} is not supported in the agentOS VM yet (only hashes, HMAC, pbkdf2, hkdf, scrypt and random values are)`);
  };
}

const UNAVAILABLE = [
  "createCipheriv",
  "createDecipheriv",
  "createSign",
  "createVerify",
  "createECDH",
  "createDiffieHellman",
  "createDiffieHellmanGroup",
  "getDiffieHellman",
  "createPrivateKey",
  "createPublicKey",
  "generateKeyPair",
  "generateKeyPairSync",
  "generateKey",
  "generateKeySync",
  "generatePrime",
  "generatePrimeSync",
  "checkPrime",
  "checkPrimeSync",
  "publicEncrypt",
  "publicDecrypt",
  "privateEncrypt",
  "privateDecrypt",
  "sign",
  "verify",
  "diffieHellman",
  "secureHeapUsed",
  "setEngine",
];

// --- webcrypto ----------------------------------------------------------------------------------

const SUBTLE_DIGEST = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

export class SubtleCrypto {
  async digest(algorithm, data) {
    const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
    const alg = SUBTLE_DIGEST[String(name).toUpperCase()];
    if (!alg) throw new DOMException("Unrecognized algorithm name", "NotSupportedError");
    return digestBytes(alg, null, toBytes(data)).slice().buffer;
  }
}
for (const m of ["encrypt", "decrypt", "sign", "verify", "generateKey", "deriveKey", "deriveBits", "importKey", "exportKey", "wrapKey", "unwrapKey"]) {
  SubtleCrypto.prototype[m] = async function () {
    throw new DOMException(`crypto.subtle.${m} is not supported in the agentOS VM yet`, "NotSupportedError");
  };
}

/// Keys of crypto.subtle: none can be made yet (importKey/generateKey are not supported).
export class CryptoKey {
  constructor() {
    throw Object.assign(new TypeError("Illegal constructor"), { code: "ERR_ILLEGAL_CONSTRUCTOR" });
  }
}

export class Crypto {
  get subtle() {
    return subtle;
  }
  getRandomValues(array) {
    return getRandomValues(array);
  }
  randomUUID() {
    return randomUUID();
  }
}
Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });

export const subtle = new SubtleCrypto();
export const webcrypto = new Crypto();

export const constants = Object.freeze({
  OPENSSL_VERSION_NUMBER: 0,
  SSL_OP_ALL: 2147485776,
  SSL_OP_NO_SSLv2: 0,
  SSL_OP_NO_SSLv3: 33554432,
  SSL_OP_NO_TLSv1: 67108864,
  RSA_PKCS1_PADDING: 1,
  RSA_NO_PADDING: 3,
  RSA_PKCS1_OAEP_PADDING: 4,
  RSA_PKCS1_PSS_PADDING: 6,
  RSA_PSS_SALTLEN_DIGEST: -1,
  RSA_PSS_SALTLEN_MAX_SIGN: -2,
  RSA_PSS_SALTLEN_AUTO: -2,
  POINT_CONVERSION_COMPRESSED: 2,
  POINT_CONVERSION_UNCOMPRESSED: 4,
  POINT_CONVERSION_HYBRID: 6,
});

fixNames({ Crypto, SubtleCrypto, CryptoKey });

const crypto = {
  createHash,
  createHmac,
  hash,
  getHashes,
  getCiphers: () => [],
  getCurves: () => [],
  Hash,
  Hmac,
  KeyObject,
  createSecretKey,
  randomBytes,
  pseudoRandomBytes: randomBytes,
  prng: randomBytes,
  rng: randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID,
  getRandomValues,
  timingSafeEqual,
  pbkdf2,
  pbkdf2Sync,
  hkdf,
  hkdfSync,
  scrypt,
  scryptSync,
  webcrypto,
  subtle,
  constants,
  getFips: () => 0,
  setFips: unavailable("setFips"),
};
for (const name of UNAVAILABLE) crypto[name] = unavailable(name);
export default fixNames(crypto);
