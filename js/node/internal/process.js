// The guest's `process` object. Created empty in the snapshot; `init(boot)` fills it when a
// process starts (argv, env, cwd, pid come from the kernel).

import { EventEmitter } from "events";
import { sys, now, exit as sysExit, core } from "./sys.js";
import { signalNumber, watchSignal, unwatchSignal } from "./signals.js";

export const process = new EventEmitter();
// `Object.prototype.toString.call(process)` is "[object process]" in Node; SDKs detect the
// platform by it.
Object.defineProperty(process, Symbol.toStringTag, { value: "process", writable: false, enumerable: false, configurable: true });

const nextTickQueue = [];
let tickScheduled = false;

let uncaught = () => false;
/// How an exception thrown by a tick callback is reported (set by bootstrap.js).
export function setUncaught(f) {
  uncaught = f;
}

function runNextTicks() {
  // Node's order: every queued tick, then the microtasks they queued, and again while ticks
  // keep being queued.
  do {
    while (nextTickQueue.length) {
      const [fn, args, ctx] = nextTickQueue.shift();
      // A tick runs in the async context it was queued in (AsyncLocalStorage).
      const prev = core.getAsyncContext();
      core.setAsyncContext(ctx);
      try {
        fn(...args);
      } catch (e) {
        if (!uncaught(e)) {
          nextTickQueue.length = 0;
          core.setHasTickScheduled(false);
          tickScheduled = false;
          throw e;
        }
      } finally {
        core.setAsyncContext(prev);
      }
    }
    core.runMicrotasks();
  } while (nextTickQueue.length);
  core.setHasTickScheduled(false);
  tickScheduled = false;
}

/// Run pending ticks now: after the main script and after each timer callback, as Node does
/// (deno_core would run the promise microtasks first).
export function drainTicks() {
  if (nextTickQueue.length) runNextTicks();
}

function nextTick(fn, ...args) {
  if (typeof fn !== "function") {
    const e = new TypeError(`The "callback" argument must be of type function. Received ${typeof fn}`);
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
  nextTickQueue.push([fn, args, core.getAsyncContext()]);
  if (!tickScheduled) {
    tickScheduled = true;
    core.setHasTickScheduled(true);
  }
}

core.setNextTickCallback(runNextTicks);

function hrtime(prev) {
  const ms = now();
  let sec = Math.floor(ms / 1000);
  let nsec = Math.round((ms - sec * 1000) * 1e6);
  if (prev) {
    sec -= prev[0];
    nsec -= prev[1];
    if (nsec < 0) {
      sec -= 1;
      nsec += 1e9;
    }
  }
  return [sec, nsec];
}
hrtime.bigint = () => BigInt(Math.round(now() * 1e6));

let exiting = false;

Object.assign(process, {
  title: "node",
  version: "v22.12.0",
  versions: {
    node: "22.12.0",
    v8: "13.0.245.25-node.12",
    uv: "1.49.1",
    modules: "127",
    napi: "9",
  },
  arch: "x64",
  platform: "linux",
  release: { name: "node", lts: "Jod" },
  argv: [],
  argv0: "node",
  execArgv: [],
  execPath: "/usr/bin/node",
  env: {},
  pid: 0,
  ppid: 0,
  exitCode: undefined,
  features: { inspector: false, ipv6: true, tls: false, typescript: false },
  config: { variables: {} },
  nextTick,
  hrtime,
  cwd: () => sys("cwd"),
  chdir(dir) {
    sys("chdir", { path: String(dir) });
  },
  umask: () => 0o022,
  uptime: () => now() / 1000,
  getuid: () => 1000,
  geteuid: () => 1000,
  getgid: () => 1000,
  getegid: () => 1000,
  getgroups: () => [1000],
  cpuUsage(prev) {
    const us = sys("cpuUsage");
    const r = { user: us, system: 0 };
    return prev ? { user: r.user - prev.user, system: 0 } : r;
  },
  resourceUsage() {
    return { userCPUTime: sys("cpuUsage"), systemCPUTime: 0, maxRSS: 0 };
  },
  memoryUsage: Object.assign(
    () => {
      const m = core.memoryUsage();
      return { rss: m.physicalTotal ?? m.heapTotal, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: 0 };
    },
    { rss: () => core.memoryUsage().heapTotal },
  ),
  kill(pid, signal = "SIGTERM") {
    sys("kill", { pid, signal });
    return true;
  },
  exit(code) {
    if (code !== undefined) process.exitCode = code;
    if (!exiting) {
      exiting = true;
      try {
        process.emit("exit", process.exitCode ?? 0);
      } catch (e) {
        // An exception in an exit handler still exits.
      }
    }
    sysExit(Number(process.exitCode ?? 0) | 0);
  },
  reallyExit(code) {
    sysExit(Number(code ?? 0) | 0);
  },
  abort() {
    sysExit(134);
  },
  emitWarning(warning, type, code) {
    if (process.noDeprecation && (type === "DeprecationWarning" || warning?.name === "DeprecationWarning")) return;
    const w = typeof warning === "string" ? new Error(warning) : warning;
    if (typeof warning === "string") w.name = (typeof type === "string" ? type : type?.type) || "Warning";
    if (code) w.code = code;
    process.nextTick(() => process.emit("warning", w));
  },
  // Node's native internals are not in the VM; Node's permission model denies them the same way.
  binding(name) {
    const e = new Error(`process.binding('${name}') is denied: Node's native bindings are not available in the agentOS VM`);
    e.code = "ERR_ACCESS_DENIED";
    throw e;
  },
  setUncaughtExceptionCaptureCallback() {},
  hasUncaughtExceptionCaptureCallback: () => false,
  setSourceMapsEnabled() {},
  getActiveResourcesInfo: () => [],
});

process.on("warning", (w) => {
  if (process.listenerCount("warning") > 1) return;
  const text = `(node:${process.pid}) ${w.code ? `[${w.code}] ` : ""}${w.name}: ${w.message}\n`;
  if (!process.noProcessWarnings) process.stderr?.write(text);
});

/// Fill in the process from the kernel's boot record.
export function init(boot) {
  process.pid = boot.pid;
  process.ppid = boot.ppid;
  process.env = makeEnv(boot.env);
  process.execArgv = boot.execArgv;
  process.argv = ["/usr/bin/node"];
  if (boot.script != null) process.argv.push(boot.script);
  process.argv.push(...boot.args);
  process.exitCode = undefined;
  exiting = false;
}

export function emitExit(code) {
  if (code >= 0) process.exitCode = code;
  if (!exiting) {
    exiting = true;
    process.emit("exit", Number(process.exitCode ?? 0));
  }
  return Number(process.exitCode ?? 0) | 0;
}

// process.env: values are strings, as in Node.
function makeEnv(vars) {
  const target = Object.assign(Object.create(null), vars);
  return new Proxy(target, {
    set(t, k, v) {
      t[k] = String(v);
      return true;
    },
    defineProperty(t, k, d) {
      t[k] = String(d.value);
      return true;
    },
  });
}

// `process.on("SIGINT", …)`: the first listener of a signal catches it in the kernel, the last
// one removed restores its default action.
const signalRelays = new Map();
process.on("newListener", (event) => {
  const n = signalNumber(event);
  if (n === undefined || signalRelays.has(event)) return;
  const relay = () => process.emit(event, event, n);
  signalRelays.set(event, relay);
  watchSignal(n, relay);
});
process.on("removeListener", (event) => {
  const relay = signalRelays.get(event);
  if (!relay || process.listenerCount(event) > 0) return;
  signalRelays.delete(event);
  unwatchSignal(signalNumber(event), relay);
});
