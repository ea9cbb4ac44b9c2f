// The guest Node runtime, evaluated once at build time into the startup snapshot (build.rs).
// Every builtin module is instantiated here, so `require("fs")` in a guest costs a map lookup.
// Per-process state (argv, env, stdio) is filled in by `__agentos.main()` when a process starts.

import "./internal/early.js";
import { core, sys, readSync, writeSync } from "./internal/sys.js";
import { inspect } from "node-inspect-extracted";
import { process, init as initProcess, emitExit, setUncaught, drainTicks } from "./internal/process.js";
import { makeWriteStream, makeReadStream } from "./internal/stdio.js";
import * as timers from "./internal/timers.js";
import { makeConsole } from "./internal/console.js";
import { Module, defineBuiltin, loadBuiltin, internalBuiltin, restrictBuiltins, builtinNames, evalScript, runMainCjs, requireModule, isThrownToRequire } from "./internal/module.js";
import { builtins } from "./builtins.js";
import { Buffer } from "buffer";
import * as web from "./web.js";

web.install(globalThis);

for (const [name, factory] of Object.entries(builtins)) defineBuiltin(name, factory);
defineBuiltin("module", () => Module);
defineBuiltin("process", () => process);
defineBuiltin("timers", () => timers);

const define = (name, value) =>
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
define("process", process);
define("Buffer", Buffer);
define("global", globalThis);
for (const t of ["setTimeout", "setInterval", "clearTimeout", "clearInterval", "setImmediate", "clearImmediate"]) {
  define(t, timers[t]);
}
const console = makeConsole(process);
define("console", console);

// stdio streams are made on first use.
for (const [name, make] of [
  ["stdin", () => makeReadStream(0)],
  ["stdout", () => makeWriteStream(1)],
  ["stderr", () => makeWriteStream(2)],
]) {
  let stream;
  Object.defineProperty(process, name, {
    get: () => (stream ??= make()),
    set: (v) => {
      stream = v;
    },
    configurable: true,
    enumerable: true,
  });
}

// An exception nothing caught (a timer, a microtask, a tick): `uncaughtException` listeners get
// it; without any, the process reports it and exits 1 (the event loop ends with the error).
function uncaught(err, origin = "uncaughtException") {
  if (process.listenerCount("uncaughtException") > 0) {
    process.emit("uncaughtException", err, origin);
    return true;
  }
  return false;
}

// The process dies of `err`: Node's report (the error as util.inspect shows it: stack, then its
// own properties such as code/errno/syscall/path), then exit 1 with 'exit' handlers run.
function fatal(err) {
  let text;
  try {
    if (err !== null && typeof err === "object" && typeof err.stack === "string") {
      // The runtime's own frames are not the guest's business (Node hides its internals too).
      const stack = err.stack
        .split("\n")
        .filter((l) => !/^\s+at .*(ext:|\[agentos:)/.test(l))
        .join("\n");
      Object.defineProperty(err, "stack", { value: stack, configurable: true, writable: true, enumerable: false });
    }
    text = inspect(err);
  } catch {
    text = String(err);
  }
  try {
    writeSync(2, core.encode(`${text}\n\nNode.js ${process.version}\n`));
  } catch {}
  process.exit(1);
}

function unhandledRejectionError(reason) {
  if (reason instanceof Error) return reason;
  const e = new Error(
    "This error originated either by throwing inside of an async function without a catch block, " +
      `or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${inspect(reason)}".`,
  );
  e.name = "UnhandledPromiseRejection";
  e.code = "ERR_UNHANDLED_REJECTION";
  e.stack = `[${e.name}: ${e.message}]`;
  return e;
}

core.setReportExceptionCallback((err) => {
  if (!uncaught(err)) fatal(err);
});
setUncaught(uncaught);

core.setUnhandledPromiseRejectionHandler((promise, reason) => {
  // A module's evaluation error that require() already threw to its caller.
  if (isThrownToRequire(reason)) return true;
  if (process.listenerCount("unhandledRejection") > 0) {
    process.emit("unhandledRejection", reason, promise);
    return true;
  }
  if (!uncaught(reason, "unhandledRejection")) fatal(unhandledRejectionError(reason));
  return true;
});

function readStdinSync() {
  const chunks = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = readSync(0, buf);
    if (n <= 0) break;
    chunks.push(buf.slice(0, n));
  }
  return core.decode(Buffer.concat(chunks));
}

// The runtime's entry points for src/js/mod.rs (not enumerable: guests do not see it in a
// listing of globals).
const agentos = {
  /// Start the process: returns a module URL when the main module is an ES module.
  main() {
    delete globalThis.Deno;
    delete globalThis.__bootstrap;
    // V8 13 features deno_core switches on that Node 22 does not have.
    delete globalThis.Temporal;
    delete globalThis.Float16Array;
    const boot = sys("boot");
    initProcess(boot);
    restrictBuiltins(boot.allowedBuiltins);
    // A child started by fork() talks to its parent over the channel Node names in the
    // environment, opened before the main script as Node's bootstrap does.
    if (process.env.NODE_CHANNEL_FD) internalBuiltin("child_process")._forkChild(Number(process.env.NODE_CHANNEL_FD));
    try {
      if (boot.eval != null) {
        if (boot.module) return "eval:module";
        const result = evalScript(boot.eval, "[eval]");
        if (boot.print) console.log(result);
        drainTicks();
        return undefined;
      }
      if (boot.script == null) {
        evalScript(readStdinSync(), "[stdin]");
        drainTicks();
        return undefined;
      }
      const cwd = process.cwd();
      const abs = boot.script.startsWith("/") ? boot.script : cwd + "/" + boot.script;
      const r = sys("resolve", { spec: abs, from: cwd, esm: false });
      process.argv[1] = r.file;
      if (r.format === "module") return "file://" + encodeURI(r.file);
      runMainCjs(r.file);
      // Ticks the main script queued run before its promise callbacks, as in Node.
      drainTicks();
      return undefined;
    } catch (e) {
      // A throw from the main script: listeners get it, else the process dies of it.
      if (!uncaught(e)) fatal(e);
      return undefined;
    }
  },
  beforeExit() {
    if (process.listenerCount("beforeExit") === 0) return false;
    process.emit("beforeExit", Number(process.exitCode ?? 0));
    return core.eventLoopHasMoreWork();
  },
  exit(code) {
    return emitExit(code);
  },
  builtin: loadBuiltin,
  requireModule,
  exportNames() {
    const out = {};
    for (const name of builtinNames()) {
      const m = internalBuiltin(name);
      out[name] = m && (typeof m === "object" || typeof m === "function") ? Object.keys(m) : [];
    }
    return out;
  },
};
Object.defineProperty(globalThis, "__agentos", { value: agentos, enumerable: false, configurable: false, writable: false });
