// `dns`: names resolved by the VM's kernel — its own loopback names locally, the rest by the
// host's resolver through the VM's network policy (sys "lookup"). Record queries other than
// addresses are not available.

import { core } from "./internal/sys.js";
import { isIP } from "./net.js";
import { nodeError, invalidArgType } from "./internal/fs_util.js";

const codes = {};
for (const c of ["NODATA", "FORMERR", "SERVFAIL", "NOTFOUND", "NOTIMP", "REFUSED", "BADQUERY", "BADNAME", "BADFAMILY", "BADRESP", "CONNREFUSED", "TIMEOUT", "EOF", "FILE", "NOMEM", "DESTRUCTION", "BADSTR", "BADFLAGS", "NONAME", "BADHINTS", "NOTINITIALIZED", "LOADIPHLPAPI", "ADDRGETNETWORKPARAMS", "CANCELLED"]) codes[c] = `E${c}`;

let resultOrder = "verbatim";

function lookupError(e, hostname) {
  const code = e?.code === "ENOENT" || e?.code === "ENOTFOUND" ? "ENOTFOUND" : e?.code || "ENOTFOUND";
  const detail = e?.message && !e.message.startsWith(`getaddrinfo ${code} ${hostname}`) ? e.message : "";
  const err = new Error(detail || `getaddrinfo ${code} ${hostname}`);
  err.errno = code === "ENOTFOUND" ? -3008 : e?.errno;
  err.code = code;
  err.syscall = "getaddrinfo";
  err.hostname = hostname;
  return err;
}

async function resolveAll(hostname, family) {
  const ip = isIP(hostname);
  let list;
  if (ip) list = [{ address: hostname, family: ip }];
  else {
    try {
      list = await core.ops.op_sys_async("lookup", { host: hostname });
    } catch (e) {
      throw lookupError(e, hostname);
    }
  }
  if (family === 4 || family === 6) list = list.filter((a) => a.family === family);
  if (resultOrder === "ipv4first") list = [...list].sort((a, b) => a.family - b.family);
  else if (resultOrder === "ipv6first") list = [...list].sort((a, b) => b.family - a.family);
  if (!list.length) throw lookupError({ code: "ENOTFOUND" }, hostname);
  return list;
}

function lookupOptions(options) {
  if (typeof options === "number") return { family: options };
  if (options == null) return {};
  if (typeof options !== "object") throw invalidArgType("options", ["integer", "Object"], options);
  const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
  return { ...options, family };
}

export function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  if (typeof callback !== "function") throw invalidArgType("callback", "function", callback);
  if (hostname !== undefined && hostname !== null && typeof hostname !== "string") throw invalidArgType("hostname", "string", hostname);
  const o = lookupOptions(options);
  if (!hostname) {
    process.nextTick(callback, null, o.all ? [] : null, o.all ? undefined : o.family === 6 ? 6 : 4);
    return {};
  }
  resolveAll(hostname, o.family).then(
    (list) => (o.all ? callback(null, list) : callback(null, list[0].address, list[0].family)),
    (e) => callback(e),
  );
  return {};
}

function recordQuery(rrtype) {
  return async (hostname, options) => {
    if (rrtype !== "A" && rrtype !== "AAAA") throw nodeError(Error, "ENOTIMP", `query${rrtype[0]}${rrtype.slice(1).toLowerCase()} ENOTIMP ${hostname}`, { syscall: `query${rrtype}`, hostname });
    const list = await resolveAll(hostname, rrtype === "A" ? 4 : 6).catch((e) => {
      e.syscall = `query${rrtype}`;
      if (e.code === "ENOTFOUND") {
        e.code = "ENODATA";
        e.message = `query${rrtype} ENODATA ${hostname}`;
      }
      throw e;
    });
    return options?.ttl ? list.map((a) => ({ address: a.address, ttl: 0 })) : list.map((a) => a.address);
  };
}

const promises = {
  ...codes,
  lookup: async (hostname, options) => {
    const o = lookupOptions(options);
    const list = await resolveAll(hostname, o.family);
    return o.all ? list : list[0];
  },
  resolve: (hostname, rrtype = "A") => recordQuery(rrtype)(hostname),
  resolve4: recordQuery("A"),
  resolve6: recordQuery("AAAA"),
  resolveAny: recordQuery("ANY"),
  resolveCaa: recordQuery("CAA"),
  resolveCname: recordQuery("CNAME"),
  resolveMx: recordQuery("MX"),
  resolveNaptr: recordQuery("NAPTR"),
  resolveNs: recordQuery("NS"),
  resolvePtr: recordQuery("PTR"),
  resolveSoa: recordQuery("SOA"),
  resolveSrv: recordQuery("SRV"),
  resolveTxt: recordQuery("TXT"),
  reverse: async (ip) => {
    throw nodeError(Error, "ENOTIMP", `getHostByAddr ENOTIMP ${ip}`, { syscall: "getHostByAddr", hostname: ip });
  },
  lookupService: async (address, port) => {
    throw nodeError(Error, "ENOTIMP", `getnameinfo ENOTIMP ${address}`, { syscall: "getnameinfo" });
  },
  getDefaultResultOrder: () => resultOrder,
  setDefaultResultOrder: (o) => {
    resultOrder = o;
  },
  getServers: () => [],
  setServers: () => {},
};

class Resolver {
  constructor() {}
  cancel() {}
  getServers() {
    return [];
  }
  setServers() {}
  setLocalAddress() {}
}
for (const k of Object.keys(promises)) {
  if (k.startsWith("resolve") || k === "reverse") {
    Resolver.prototype[k] = function (...args) {
      const cb = args.pop();
      promises[k](...args).then((r) => cb(null, r), (e) => cb(e));
    };
  }
}
class PromisesResolver extends Resolver {}
for (const k of Object.keys(promises)) if (k.startsWith("resolve") || k === "reverse") PromisesResolver.prototype[k] = promises[k];
promises.Resolver = PromisesResolver;

const callbackified = {};
for (const k of ["resolve", "resolve4", "resolve6", "resolveAny", "resolveCaa", "resolveCname", "resolveMx", "resolveNaptr", "resolveNs", "resolvePtr", "resolveSoa", "resolveSrv", "resolveTxt", "reverse", "lookupService"]) {
  callbackified[k] = (...args) => {
    const cb = args.pop();
    if (typeof cb !== "function") throw invalidArgType("callback", "function", cb);
    promises[k](...args).then((r) => cb(null, r), (e) => cb(e));
  };
}

const dns = {
  ADDRCONFIG: 1024,
  ALL: 256,
  V4MAPPED: 2048,
  ...codes,
  lookup,
  ...callbackified,
  Resolver,
  getDefaultResultOrder: () => resultOrder,
  setDefaultResultOrder: (o) => {
    resultOrder = o;
  },
  getServers: () => [],
  setServers: () => {},
  promises,
};

export { promises };
export default dns;
