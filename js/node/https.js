// `https`: the http client over ./tls.js. TLS is terminated outside the VM (see tls.js), so
// the guest's sockets carry plaintext and everything above the socket is http's. There is no
// TLS server in the VM: https.createServer() throws ERR_NOT_SUPPORTED.

import * as tls from "./tls.js";
import { URL, urlToHttpOptions } from "./url.js";
import { fixNames } from "./internal/names.js";
import { Agent as HttpAgent } from "./internal/http_agent.js";
import { ClientRequest } from "./internal/http_client.js";
import { httpError } from "./internal/http_common.js";

// TLS options that make two connections to the same host different (Node's getName).
const tlsNameOptions = [
  "ca", "cert", "clientCertEngine", "ciphers", "key", "pfx", "rejectUnauthorized", "servername",
  "minVersion", "maxVersion", "secureProtocol", "crl", "honorCipherOrder", "ecdhCurve",
  "dhparam", "secureOptions", "sessionIdContext", "sigalgs", "privateKeyIdentifier",
  "privateKeyEngine",
];

export class Agent extends HttpAgent {
  constructor(options) {
    super(options);
    this.defaultPort = 443;
    this.protocol = "https:";
    this.maxCachedSessions = this.options.maxCachedSessions ?? 100;
    this._sessionCache = { map: {}, list: [] };
  }

  createConnection(port, host, options) {
    if (port !== null && typeof port === "object") options = port;
    else if (host !== null && typeof host === "object") options = { ...host };
    else if (options === null || typeof options !== "object") options = {};
    else options = { ...options };
    if (typeof port === "number") options.port = port;
    if (typeof host === "string") options.host = host;
    if (options.path === null) {
      options = { ...options };
      delete options.path;
    }
    return tls.connect(options);
  }

  getName(options = {}) {
    let name = super.getName(options);
    for (const key of tlsNameOptions) {
      name += ":";
      if (options[key] !== undefined) name += options[key];
    }
    return name;
  }
}

export const globalAgent = new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000 });

export function request(...args) {
  let options = {};
  if (typeof args[0] === "string") {
    options = urlToHttpOptions(new URL(args.shift()));
  } else if (args[0] instanceof URL) {
    options = urlToHttpOptions(args.shift());
  }
  if (args[0] && typeof args[0] !== "function") Object.assign(options, args.shift());
  options._defaultAgent = https.globalAgent;
  return new ClientRequest(options, ...args);
}

export function get(...args) {
  const req = request(...args);
  req.end();
  return req;
}

function notSupported() {
  return httpError(Error, "ERR_NOT_SUPPORTED", "https.createServer() is not supported: TLS is terminated outside the agentOS VM, so the VM cannot serve TLS");
}

export class Server {
  constructor() {
    throw notSupported();
  }
}

export function createServer() {
  throw notSupported();
}

const https = fixNames({ Agent, globalAgent, Server, createServer, get, request });
export default https;
