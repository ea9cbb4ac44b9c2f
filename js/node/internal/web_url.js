// URL and URLSearchParams (whatwg-url) with Node's errors and inspect output. Loaded on first
// use of the globals or of require("url") (see web.js).

import { URL as WhatwgURL, URLSearchParams } from "whatwg-url";
import { inspect } from "node-inspect-extracted";
import { Blob, blobUrls } from "../web.js";
import { invalidArgType as argTypeError } from "./errors.js";
import { fixNames } from "./names.js";

const kInspect = Symbol.for("nodejs.util.inspect.custom");

// --- URL ------------------------------------------------------------------------------------

// whatwg-url's URL with Node's errors: ERR_MISSING_ARGS, and ERR_INVALID_URL carrying `input`.
class URL extends WhatwgURL {
  constructor(input, base = undefined) {
    if (arguments.length === 0) {
      throw Object.assign(new TypeError('The "url" argument must be specified'), { code: "ERR_MISSING_ARGS" });
    }
    try {
      super(input, ...(base === undefined ? [] : [base]));
    } catch (e) {
      if (!(e instanceof TypeError) || !/^Invalid (base )?URL/.test(e.message)) throw e;
      const err = new TypeError("Invalid URL");
      err.code = "ERR_INVALID_URL";
      err.input = `${input}`;
      if (base !== undefined) err.base = `${base}`;
      throw err;
    }
  }
  static parse(input, base = undefined) {
    try {
      return new URL(input, base);
    } catch {
      return null;
    }
  }
}

URL.createObjectURL = function createObjectURL(blob) {
  if (!(blob instanceof Blob)) throw argTypeError("obj", "an instance of Blob", blob);
  const bytes = new Uint8Array(16);
  globalThis.crypto?.getRandomValues(bytes);
  const h = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const id = `blob:nodedata:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  blobUrls.set(id, blob);
  return id;
};
URL.revokeObjectURL = function revokeObjectURL(url) {
  blobUrls.delete(String(url));
};

// util.inspect shows a URL's parts, as Node does.
const namedObject = (name, fields) => Object.assign(new { [name]: class {} }[name](), fields);
URL.prototype[kInspect] = function (depth, options) {
  if (depth < 0) return "URL {}";
  const o = namedObject("URL", {
    href: this.href,
    origin: this.origin,
    protocol: this.protocol,
    username: this.username,
    password: this.password,
    host: this.host,
    hostname: this.hostname,
    port: this.port,
    pathname: this.pathname,
    search: this.search,
    searchParams: this.searchParams,
    hash: this.hash,
  });
  return inspect(o, { ...options, customInspect: true });
};
URLSearchParams.prototype[kInspect] = function (depth, options) {
  if (depth < 0) return "[Object]";
  const parts = [...this].map(([k, v]) => `${inspect(k, options)} => ${inspect(v, options)}`);
  return parts.length ? `URLSearchParams { ${parts.join(", ")} }` : "URLSearchParams {}";
};

fixNames({ URL, URLSearchParams });

export { URL, URLSearchParams };
