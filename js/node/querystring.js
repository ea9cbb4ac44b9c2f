import { fixNames } from "./internal/names.js";
// `querystring`: Node's lib/querystring.js rules (null-prototype results, lenient decoding,
// maxKeys, custom separators and coders), written out; querystring-es3 differs on malformed input.

function invalidUri() {
  const e = new URIError("URI malformed");
  e.code = "ERR_INVALID_URI";
  return e;
}

const hexVal = (c) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);

/// Percent-decoding that never fails: malformed escapes stay as they are.
export function unescapeBuffer(s, decodeSpaces = false) {
  const bytes = globalThis.Buffer.from(String(s), "utf8");
  const out = globalThis.Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 43 /* + */ && decodeSpaces) {
      out[n++] = 32;
    } else if (c === 37 /* % */ && i + 2 < bytes.length && hexVal(bytes[i + 1]) >= 0 && hexVal(bytes[i + 2]) >= 0) {
      out[n++] = hexVal(bytes[i + 1]) * 16 + hexVal(bytes[i + 2]);
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

export function unescape(s, decodeSpaces) {
  try {
    return decodeURIComponent(s);
  } catch {
    return unescapeBuffer(s, decodeSpaces).toString();
  }
}

export function escape(str) {
  if (typeof str !== "string") str = typeof str === "object" ? String(str) : str + "";
  try {
    return encodeURIComponent(str);
  } catch {
    throw invalidUri();
  }
}

function convert(v, encode) {
  if (typeof v === "string") return v.length ? encode(v) : "";
  if (typeof v === "number" && Number.isFinite(v)) return "" + v;
  if (typeof v === "bigint") return "" + v;
  if (typeof v === "boolean") return v ? "true" : "false";
  return "";
}

export function stringify(obj, sep = "&", eq = "=", options) {
  sep ||= "&";
  eq ||= "=";
  const encode = typeof options?.encodeURIComponent === "function" ? options.encodeURIComponent : escape;
  if (obj === null || typeof obj !== "object") return "";
  let fields = "";
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const ks = convert(k, encode) + eq;
    if (Array.isArray(v)) {
      if (v.length === 0) continue;
      if (fields) fields += sep;
      fields += v.map((x) => ks + convert(x, encode)).join(sep);
    } else {
      if (fields) fields += sep;
      fields += ks + convert(v, encode);
    }
  }
  return fields;
}

export function parse(qs, sep = "&", eq = "=", options) {
  const obj = { __proto__: null };
  if (typeof qs !== "string" || qs.length === 0) return obj;
  sep = sep ? String(sep) : "&";
  eq = eq ? String(eq) : "=";
  const maxKeys = typeof options?.maxKeys === "number" ? options.maxKeys : 1000;
  const decode = typeof options?.decodeURIComponent === "function" ? options.decodeURIComponent : unescape;
  let pieces = qs.split(sep);
  if (maxKeys > 0) pieces = pieces.slice(0, maxKeys);
  const dec = (s) => {
    s = s.replace(/\+/g, " ");
    try {
      return decode(s);
    } catch {
      return unescape(s, true);
    }
  };
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    const i = piece.indexOf(eq);
    const k = dec(i >= 0 ? piece.slice(0, i) : piece);
    const v = i >= 0 ? dec(piece.slice(i + eq.length)) : "";
    if (k in obj) {
      if (Array.isArray(obj[k])) obj[k].push(v);
      else obj[k] = [obj[k], v];
    } else {
      obj[k] = v;
    }
  }
  return obj;
}

export { parse as decode, stringify as encode };
export default fixNames({ decode: parse, encode: stringify, escape, parse, stringify, unescape, unescapeBuffer });
