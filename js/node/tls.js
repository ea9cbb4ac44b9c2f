// `tls`: client connections whose TLS runs outside the VM.
//
// The guest asks the kernel for a connection with TLS (sys "connect" with `tls`); the sidecar
// makes the TCP connection, does the handshake and verifies the certificate against its own root
// store plus NODE_EXTRA_CA_CERTS (or against `ca` alone; not at all with `rejectUnauthorized:
// false` or NODE_TLS_REJECT_UNAUTHORIZED=0), and the guest reads and writes the plaintext. So keys
// and certificates never enter the VM, and the host can apply its egress rules (and inject
// credentials) to the HTTP that flows inside. TLS servers are not available.

import { EventEmitter } from "./events.js";
import { Socket, isIP, _normalizeArgs } from "./net.js";
import { nodeError } from "./internal/fs_util.js";
import { core, writeSync } from "./internal/sys.js";
import { internalBuiltin } from "./internal/module.js";

function notSupported(what) {
  return nodeError(Error, "ERR_NOT_SUPPORTED", `${what} is not supported: TLS is terminated outside the agentOS VM, so the VM cannot serve TLS`);
}

export class TLSSocket extends Socket {
  constructor(socket, options = {}) {
    if (socket && !(socket instanceof Socket) && typeof socket === "object") {
      options = socket;
      socket = undefined;
    }
    if (socket) throw notSupported("tls.TLSSocket over an existing socket");
    super(options);
    this.encrypted = true;
    this.authorized = false;
    this.authorizationError = null;
    this.alpnProtocol = false;
    this.servername = undefined;
    this._tlsOptions = null;
  }
  _onConnect() {
    // The sidecar verified the peer unless asked not to.
    this.authorized = this._tlsOptions?.rejectUnauthorized !== false;
    if (this._alpn?.length) this.alpnProtocol = this._alpn.includes("http/1.1") ? "http/1.1" : false;
    process.nextTick(() => this.emit("secureConnect"));
  }
  getPeerCertificate() {
    return {};
  }
  getCertificate() {
    return null;
  }
  getCipher() {
    return { name: "TLS_AES_128_GCM_SHA256", standardName: "TLS_AES_128_GCM_SHA256", version: "TLSv1.3" };
  }
  getProtocol() {
    return "TLSv1.3";
  }
  getSession() {
    return undefined;
  }
  isSessionReused() {
    return false;
  }
  setServername(name) {
    this.servername = name;
  }
  setMaxSendFragment() {
    return true;
  }
  getEphemeralKeyInfo() {
    return {};
  }
  exportKeyingMaterial() {
    throw notSupported("tlsSocket.exportKeyingMaterial()");
  }
}

function pem(v) {
  if (v == null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (typeof x === "string" ? x : Buffer.from(x).toString("utf8")));
}

// NODE_EXTRA_CA_CERTS: a PEM file (in the VM) whose certificates are trusted in addition to the
// default roots, read once, on the first connection (Node reads it once per process). As in Node,
// a file that cannot be read is ignored with a warning, and an explicit `ca` replaces the roots,
// these included.
let extraCa;
function extraCaCerts() {
  if (extraCa !== undefined) return extraCa;
  extraCa = null;
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return extraCa;
  try {
    extraCa = [internalBuiltin("fs").readFileSync(file, "utf8")];
  } catch (e) {
    try {
      writeSync(2, core.encode(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${e?.message ?? e}\n`));
    } catch {}
  }
  return extraCa;
}

// NODE_TLS_REJECT_UNAUTHORIZED=0: connections without `rejectUnauthorized` skip verification (with
// Node's warning, once).
let warnedUnauthorized = false;
function allowUnauthorized() {
  const allow = process.env.NODE_TLS_REJECT_UNAUTHORIZED === "0";
  if (allow && !warnedUnauthorized) {
    warnedUnauthorized = true;
    process.emitWarning(
      "Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure by disabling certificate verification.",
    );
  }
  return allow;
}

export function connect(...args) {
  const [options, cb] = _normalizeArgs(args);
  if (typeof args[1] === "object" && args[1] !== null && typeof args[0] !== "object") Object.assign(options, args[1]);
  if (typeof args[2] === "object" && args[2] !== null) Object.assign(options, args[2]);
  if (options.socket) throw notSupported("tls.connect({ socket })");
  const host = options.host || "localhost";
  const servername = options.servername || (isIP(host) ? "" : host);
  const s = new TLSSocket(options);
  s.servername = servername || undefined;
  s._alpn = options.ALPNProtocols;
  const allow = allowUnauthorized();
  const rejectUnauthorized = options.rejectUnauthorized === undefined ? !allow : options.rejectUnauthorized !== false;
  const ca = pem(options.ca || options.secureContext?.ca);
  s._tlsOptions = { servername: servername || host, rejectUnauthorized, ca };
  if (rejectUnauthorized && !ca) {
    const extra = extraCaCerts();
    if (extra) s._tlsOptions.extraCa = extra;
  }
  if (cb) s.once("secureConnect", cb);
  s.connect({ ...options, host, port: options.port ?? 443 });
  return s;
}

export class SecureContext {
  constructor(options = {}) {
    this.context = {};
    this.ca = options.ca;
  }
}

export function createSecureContext(options) {
  return new SecureContext(options);
}

export function checkServerIdentity(hostname, cert) {
  return undefined;
}

export class Server extends EventEmitter {
  constructor() {
    super();
    throw notSupported("tls.Server");
  }
}

export function createServer() {
  throw notSupported("tls.createServer()");
}

const tls = {
  CLIENT_RENEG_LIMIT: 3,
  CLIENT_RENEG_WINDOW: 600,
  DEFAULT_CIPHERS: "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
  DEFAULT_ECDH_CURVE: "auto",
  DEFAULT_MIN_VERSION: "TLSv1.2",
  DEFAULT_MAX_VERSION: "TLSv1.3",
  rootCertificates: Object.freeze([]),
  getCiphers: () => ["tls_aes_128_gcm_sha256", "tls_aes_256_gcm_sha384", "tls_chacha20_poly1305_sha256"],
  connect,
  TLSSocket,
  SecureContext,
  createSecureContext,
  checkServerIdentity,
  Server,
  createServer,
  convertALPNProtocols: (protocols, out) => {
    out.ALPNProtocols = protocols;
  },
};

export default tls;
