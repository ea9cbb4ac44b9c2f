// `url`: WHATWG URL/URLSearchParams (whatwg-url, the reference implementation), Node's legacy
// url.parse/format/resolve (the `url` npm package, Node's old code), and the file: URL helpers.

import legacy from "url/";
import tr46 from "tr46";
import { URL, URLSearchParams } from "./internal/web_url.js";
import path from "./path.js";
import { fixNames } from "./internal/names.js";

function err(Ctor, code, message) {
  return Object.assign(new Ctor(message), { code });
}

function invalidArgType(name, expected, value) {
  const got = value === null ? "null" : value === undefined ? "undefined" : `type ${typeof value} (${JSON.stringify(value)})`;
  return err(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be ${expected}. Received ${got}`);
}

export function fileURLToPath(url) {
  if (typeof url === "string") url = new URL(url);
  else if (!(url instanceof URL)) throw invalidArgType("path", "of type string or an instance of URL", url);
  if (url.protocol !== "file:") throw err(TypeError, "ERR_INVALID_URL_SCHEME", "The URL must be of scheme file");
  if (url.hostname !== "") throw err(TypeError, "ERR_INVALID_FILE_URL_HOST", 'File URL host must be "localhost" or empty on linux');
  const pathname = url.pathname;
  if (/%2f/i.test(pathname)) throw err(TypeError, "ERR_INVALID_FILE_URL_PATH", "File URL path must not include encoded / characters");
  return decodeURIComponent(pathname);
}

export function pathToFileURL(filepath) {
  if (typeof filepath !== "string") throw invalidArgType("path", "of type string", filepath);
  let resolved = path.resolve(filepath);
  // path.resolve drops a trailing slash, which names a directory.
  if (filepath.endsWith("/") && !resolved.endsWith("/")) resolved += "/";
  resolved = resolved
    .replace(/%/g, "%25")
    .replace(/\\/g, "%5C")
    .replace(/\n/g, "%0A")
    .replace(/\r/g, "%0D")
    .replace(/\t/g, "%09")
    .replace(/\?/g, "%3F")
    .replace(/#/g, "%23");
  return new URL(`file://${resolved}`);
}

// As Node's: the host a URL parser would make of `domain`, or '' when it is not a valid host.
export function domainToASCII(domain) {
  if (arguments.length < 1) throw err(TypeError, "ERR_MISSING_ARGS", 'The "domain" argument must be specified');
  const s = `${domain}`;
  if (s === "") return "";
  const u = new URL("ws://x");
  u.hostname = s;
  return u.hostname === "x" && s.toLowerCase() !== "x" ? "" : u.hostname;
}

export function domainToUnicode(domain) {
  if (arguments.length < 1) throw err(TypeError, "ERR_MISSING_ARGS", 'The "domain" argument must be specified');
  const ascii = domainToASCII(domain);
  if (ascii === "") return "";
  return tr46.toUnicode(ascii, { checkHyphens: false, checkBidi: true, checkJoiners: true, useSTD3ASCIIRules: false, transitionalProcessing: false }).domain;
}

export function urlToHttpOptions(url) {
  const options = {
    __proto__: null,
    protocol: url.protocol,
    hostname: typeof url.hostname === "string" && url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ""}${url.search || ""}`,
    href: url.href,
  };
  if (url.port !== "") options.port = Number(url.port);
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}

/// url.format: WHATWG URLs with Node's options (auth, fragment, search, unicode), else legacy.
export function format(urlObject, options) {
  if (urlObject instanceof URL) {
    const o = { auth: true, fragment: true, search: true, unicode: false, ...options };
    let out = urlObject.protocol;
    if (urlObject.host !== "" || urlObject.protocol === "file:") {
      out += "//";
      if (o.auth && (urlObject.username || urlObject.password)) {
        out += urlObject.username + (urlObject.password ? ":" + urlObject.password : "") + "@";
      }
      out += o.unicode ? domainToUnicode(urlObject.hostname) : urlObject.hostname;
      if (urlObject.port) out += ":" + urlObject.port;
    }
    out += urlObject.pathname;
    if (o.search) out += urlObject.search;
    if (o.fragment) out += urlObject.hash;
    return out;
  }
  if (urlObject === null || (typeof urlObject !== "string" && typeof urlObject !== "object")) {
    throw invalidArgType("urlObject", "one of type object or string", urlObject);
  }
  return legacy.format(urlObject);
}

export const { parse, resolve, resolveObject, Url } = legacy;
export { URL, URLSearchParams };

export default fixNames({
  URL,
  URLSearchParams,
  Url,
  parse,
  resolve,
  resolveObject,
  format,
  domainToASCII,
  domainToUnicode,
  fileURLToPath,
  pathToFileURL,
  urlToHttpOptions,
});
