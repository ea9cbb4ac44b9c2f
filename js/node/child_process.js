// `child_process`: processes of the VM started from guest JavaScript.
//
// spawn() starts a kernel process (sys "spawn") whose stdio pipes are read and written with
// the async descriptor ops; "wait" resolves when it exits. The *Sync forms block this isolate's
// thread on sys "spawnSync", which runs the child on the sidecar.
//
// IPC ('ipc' in stdio, as fork() sets it): two kernel pipes carrying lines of JSON (Node's
// `json` serialization); the child reads fd 3 (NODE_CHANNEL_FD) and writes fd 4. The child's
// end is set up by `_forkChild(3)`, which the runtime calls at startup when NODE_CHANNEL_FD is
// set, as Node's bootstrap does. Handles (sockets, servers) cannot be sent.

import { Buffer } from "buffer";
import { EventEmitter } from "events";
import { Readable, Writable } from "./stream.js";
import { core, sys } from "./internal/sys.js";
import { process } from "./internal/process.js";
import { setTimeout, clearTimeout } from "./internal/timers.js";
import {
  nodeError,
  invalidArgType,
  invalidArgValue,
  outOfRange,
  validateString,
  validateFunction,
  validateObject,
  toPath,
  toBuffer,
  uvError,
  kCustomPromisify,
} from "./internal/fs_util.js";

const MAX_BUFFER = 1024 * 1024;

const SIGNALS = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7,
  SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14,
  SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21,
  SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28,
  SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};
const SIGNAL_NAMES = Object.fromEntries(Object.entries(SIGNALS).reverse().map(([k, v]) => [v, k]));

/// A signal name or number, validated as Node's convertToValidSignal (returns the name).
function validSignal(sig) {
  if (typeof sig === "number" && SIGNAL_NAMES[sig]) return SIGNAL_NAMES[sig];
  if (typeof sig === "string" && SIGNALS[sig.toUpperCase?.()] !== undefined && sig === sig.toUpperCase()) return sig;
  throw nodeError(TypeError, "ERR_UNKNOWN_SIGNAL", `Unknown signal: ${sig}`);
}

function sanitizeKillSignal(sig) {
  if (typeof sig === "string" || typeof sig === "number") return validSignal(sig);
  if (sig != null) throw invalidArgType("options.killSignal", "of type string or number", sig);
  return "SIGTERM";
}

function validateTimeout(t) {
  if (t != null && !(Number.isInteger(t) && t >= 0)) throw outOfRange("timeout", "an unsigned integer", t);
}

function validateMaxBuffer(m) {
  if (m != null && !(typeof m === "number" && m >= 0)) throw outOfRange("options.maxBuffer", "a positive number", m);
}

// ---------------------------------------------------------------------------------------------
// Arguments

function normalizeSpawnArguments(file, args, options) {
  validateString(file, "file");
  if (file.length === 0) throw invalidArgValue("file", file, "cannot be empty");
  if (Array.isArray(args)) args = args.slice();
  else if (args == null) args = [];
  else if (typeof args !== "object") throw invalidArgType("args", "of type object", args);
  else {
    options = args;
    args = [];
  }
  if (options === undefined) options = {};
  else validateObject(options, "options");
  args.forEach((a, i) => {
    if (typeof a !== "string") throw invalidArgType(`args[${i}]`, "of type string", a);
    if (a.includes("\u0000")) throw invalidArgValue(`args[${i}]`, a, "must be a string without null bytes");
  });
  let cwd = options.cwd;
  if (cwd != null) cwd = toPath(cwd, "options.cwd");
  if (options.shell != null && typeof options.shell !== "boolean" && typeof options.shell !== "string") {
    throw invalidArgType("options.shell", "one of type boolean or string", options.shell);
  }
  if (options.argv0 != null) validateString(options.argv0, "options.argv0");
  if (options.shell) {
    const command = [file, ...args].join(" ");
    file = typeof options.shell === "string" ? options.shell : "/bin/sh";
    args = ["-c", command];
  }
  const envSrc = options.env || process.env;
  const env = {};
  for (const key of Object.keys(envSrc)) {
    const v = envSrc[key];
    if (v !== undefined) env[key] = String(v);
  }
  return { ...options, file, args: [options.argv0 ?? file, ...args], cwd: cwd ?? undefined, env, envPairs: env };
}

/// stdio as the kernel takes it: 'pipe' | 'inherit' | 'ignore' | fd number, for fds 0..2.
function hasIpc(stdio) {
  return Array.isArray(stdio) && stdio.includes("ipc");
}

function normalizeStdio(stdio) {
  if (stdio === undefined || stdio === null) stdio = "pipe";
  if (typeof stdio === "string") {
    if (!["pipe", "overlapped", "inherit", "ignore"].includes(stdio)) throw invalidArgValue("stdio", stdio);
    stdio = [stdio, stdio, stdio];
  } else if (!Array.isArray(stdio)) {
    throw invalidArgValue("stdio", stdio);
  }
  const out = [];
  for (let i = 0; i < Math.max(3, stdio.length); i++) {
    let s = stdio[i];
    if (s == null) s = i < 3 ? "pipe" : "ignore";
    if (s === "overlapped") s = "pipe";
    if (s === "inherit") s = i;
    else if (s === "ipc") s = "ignore"; // the channel is made apart (see the top of this file)
    else if (typeof s === "object" && typeof s.fd === "number") s = s.fd;
    else if (typeof s === "object" && (s instanceof Readable || s instanceof Writable)) s = "pipe";
    else if (typeof s !== "number" && !["pipe", "ignore"].includes(s)) throw invalidArgValue("stdio", s);
    if (i < 3) out.push(s);
  }
  return out;
}

/// The environment as the kernel takes it: Node's internal `envPairs` ("K=V" strings), as
/// ChildProcess.prototype.spawn receives them, or an object.
function envObject(env) {
  if (!Array.isArray(env)) return env;
  const out = {};
  for (const pair of env) {
    const i = String(pair).indexOf("=");
    if (i > 0) out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

function spawnError(e, syscall, file, spawnargs) {
  // A permission refusal carries its reason after Node's own wording (`spawn rm EACCES: why`).
  const prefix = `spawn ${file} ${e.code}`;
  const reason = typeof e.message === "string" && e.message.startsWith(`${prefix}: `) ? e.message.slice(prefix.length) : "";
  const err = new Error(`${syscall} ${file} ${e.code}${reason}`);
  err.errno = e.errno;
  err.code = e.code;
  err.syscall = `${syscall} ${file}`;
  err.path = file;
  err.spawnargs = spawnargs;
  return err;
}

// ---------------------------------------------------------------------------------------------
// ChildProcess

// The pipes' reads and writes use the raw op promises so that a destroyed stream can unref the
// one in flight: a grandchild still holding the pipe must not keep this process alive.
function pipeReader(fd) {
  let closed = false;
  let pending = null;
  const stream = new Readable({
    highWaterMark: 65536,
    read(n) {
      const p = (pending = core.ops.op_fd_read_async(fd, Math.max(n, 65536)));
      p.then(
        (b) => {
          pending = null;
          if (!closed) stream.push(b == null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
        },
        (e) => {
          pending = null;
          if (!closed) stream.destroy(uvError(e));
        },
      );
    },
    destroy(err, cb) {
      if (!closed) {
        closed = true;
        if (pending) core.unrefOpPromise(pending);
        try {
          sys("close", { fd });
        } catch {}
      }
      cb(err);
    },
  });
  return stream;
}

function pipeWriter(fd) {
  let closed = false;
  let pending = null;
  const close = () => {
    if (!closed) {
      closed = true;
      if (pending) core.unrefOpPromise(pending);
      try {
        sys("close", { fd });
      } catch {}
    }
  };
  return new Writable({
    highWaterMark: 65536,
    write(chunk, encoding, cb) {
      const b = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
      const p = (pending = core.ops.op_fd_write_async(fd, b));
      p.then(
        () => {
          pending = null;
          cb();
        },
        (e) => {
          pending = null;
          cb(closed ? null : uvError(e));
        },
      );
    },
    final(cb) {
      close();
      cb();
    },
    destroy(err, cb) {
      close();
      cb(err);
    },
  });
}

function endedReader() {
  const r = new Readable({ read() {} });
  r.push(null);
  return r;
}

export class ChildProcess extends EventEmitter {
  constructor() {
    super();
    this._closesNeeded = 1;
    this._closesGot = 0;
    this.connected = false;
    this.signalCode = null;
    this.exitCode = null;
    this.killed = false;
    this.spawnfile = null;
    this.spawnargs = [];
    this.pid = undefined;
    this.stdin = null;
    this.stdout = null;
    this.stderr = null;
    this.stdio = [null, null, null];
    this._wait = null;
    this._refed = true;
  }

  /// Start the child (`options` as normalizeSpawnArguments makes them).
  spawn(options) {
    validateObject(options, "options");
    const stdio = normalizeStdio(options.stdio);
    this.spawnfile = options.file;
    this.spawnargs = options.args;
    const argv = [options.file, ...options.args.slice(1)];
    const ipc = hasIpc(options.stdio);
    if (ipc && options.serialization && options.serialization !== "json") {
      throw invalidArgValue("options.serialization", options.serialization, "is not supported (only 'json')");
    }
    const r = sys("spawn", { argv, cwd: options.cwd, env: envObject(options.envPairs ?? options.env), stdio, detached: !!options.detached, ipc });
    if (r.error) {
      // Node reports a failed exec as an 'error' event (then 'close' with the errno), not a throw.
      const err = spawnError(r.error, "spawn", options.file, options.args.slice(1));
      this.exitCode = r.error.errno;
      this.stdio = stdio.map((s, i) => (s === "pipe" ? (i === 0 ? null : endedReader()) : null));
      this.stdout = this.stdio[1];
      this.stderr = this.stdio[2];
      process.nextTick(() => {
        this.emit("error", err);
        this._watchClose();
        // The never-connected pipes end at once (read or not), then 'close' follows.
        this.stdout?.resume();
        this.stderr?.resume();
        this._maybeClose();
      });
      return;
    }
    this.pid = r.pid;
    const [fin, fout, ferr] = r.fds;
    this.stdin = fin == null ? null : pipeWriter(fin);
    this.stdout = fout == null ? null : pipeReader(fout);
    this.stderr = ferr == null ? null : pipeReader(ferr);
    this.stdio = [this.stdin, this.stdout, this.stderr];
    this._watchClose();
    if (r.ipc) {
      const channel = new Channel(r.ipc[0], r.ipc[1], this, true);
      this.channel = channel;
      this.connected = true;
      this._closesNeeded++;
    }
    // 'spawn' always precedes 'exit', however soon the child ends.
    let spawned = false;
    let exited = null;
    process.nextTick(() => {
      spawned = true;
      this.emit("spawn");
      if (exited) this._onExit(...exited);
    });
    // The raw op promise, so that unref() can let the event loop end without it.
    this._wait = core.ops.op_sys_async("wait", { pid: this.pid });
    if (!this._refed) core.unrefOpPromise(this._wait);
    this._wait.then(
      (st) => (spawned ? this._onExit(st.code, st.signal) : (exited = [st.code, st.signal])),
      (e) => this.emit("error", uvError(e)),
    );
  }

  _watchClose() {
    for (const s of [this.stdout, this.stderr]) {
      if (!s) continue;
      this._closesNeeded++;
      s.on("close", () => this._maybeClose());
    }
  }

  _maybeClose() {
    this._closesGot++;
    if (this._closesGot === this._closesNeeded) this.emit("close", this.exitCode, this.signalCode);
  }

  _onExit(code, signal) {
    this._wait = null;
    if (signal) this.signalCode = signal;
    else this.exitCode = code;
    if (this.stdin) this.stdin.destroy();
    this.emit("exit", this.exitCode, this.signalCode);
    // Output nobody reads is drained, so 'close' can follow (Node's flushStdio).
    process.nextTick(() => {
      for (const s of [this.stdout, this.stderr]) {
        if (s && s.readable && !s._readableState?.readableListening && s.readableFlowing !== true) s.resume();
      }
    });
    this._maybeClose();
  }

  kill(sig) {
    const signal = sig === 0 ? 0 : validSignal(sig === undefined ? "SIGTERM" : sig);
    if (this.pid === undefined || this.exitCode !== null || this.signalCode !== null || this._wait === null) return false;
    try {
      sys("kill", { pid: this.pid, signal });
    } catch (e) {
      if (e?.code === "ESRCH") return false;
      if (e?.code === "EINVAL" || e?.code === "ENOSYS") throw uvError(e);
      this.emit("error", uvError(e));
      return false;
    }
    this.killed = true;
    return true;
  }

  ref() {
    this._refed = true;
    if (this._wait) core.refOpPromise(this._wait);
  }

  unref() {
    this._refed = false;
    if (this._wait) core.unrefOpPromise(this._wait);
  }

  send(message, handle, options, cb) {
    return channelSend(this, message, handle, options, cb);
  }

  disconnect() {
    channelDisconnect(this);
  }

  [Symbol.dispose]() {
    if (!this.killed) this.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// IPC

/// One end of an IPC channel: writes lines of JSON to `wfd`, reads them from `rfd` and emits
/// 'message' on `target` (a ChildProcess, or `process` in a forked child).
class Channel {
  constructor(wfd, rfd, target, ref) {
    this.wfd = wfd;
    this.rfd = rfd;
    this.target = target;
    this.open = true;
    this.pending = null;
    this.refed = ref;
    this.buffered = "";
    this.decoder = new TextDecoder();
    this.read();
  }

  read() {
    if (!this.open) return;
    const p = (this.pending = core.ops.op_fd_read_async(this.rfd, 65536));
    if (!this.refed) core.unrefOpPromise(p);
    p.then(
      (b) => {
        this.pending = null;
        if (!this.open) return;
        if (b == null) return this.close();
        this.buffered += this.decoder.decode(b, { stream: true });
        let nl;
        while ((nl = this.buffered.indexOf("\n")) >= 0) {
          const line = this.buffered.slice(0, nl);
          this.buffered = this.buffered.slice(nl + 1);
          let msg;
          try {
            msg = JSON.parse(line);
          } catch (e) {
            this.target.emit("error", e);
            continue;
          }
          // Node delivers each message on its own turn.
          process.nextTick(() => this.target.emit("message", msg));
        }
        this.read();
      },
      () => {
        this.pending = null;
        this.close();
      },
    );
  }

  /// Whether the channel keeps the event loop alive (`process.channel.ref()/unref()`).
  setRef(on) {
    this.refed = on;
    if (this.pending) (on ? core.refOpPromise : core.unrefOpPromise)(this.pending);
  }

  ref() {
    this.setRef(true);
  }

  unref() {
    this.setRef(false);
  }

  close() {
    if (!this.open) return;
    this.open = false;
    if (this.pending) core.unrefOpPromise(this.pending);
    for (const fd of [this.wfd, this.rfd]) {
      try {
        sys("close", { fd });
      } catch {}
    }
    const t = this.target;
    t.connected = false;
    process.nextTick(() => {
      t.emit("disconnect");
      // A ChildProcess counts its channel among what must end before 'close'.
      if (t instanceof ChildProcess) t._maybeClose();
    });
  }
}

function channelSend(target, message, handle, options, cb) {
  if (typeof handle === "function") {
    cb = handle;
    handle = undefined;
  } else if (typeof options === "function") {
    cb = options;
  }
  if (message === undefined) throw nodeError(TypeError, "ERR_MISSING_ARGS", 'The "message" argument must be specified');
  if (handle != null) throw nodeError(Error, "ERR_INVALID_HANDLE_TYPE", "This handle type cannot be sent");
  const channel = target.channel;
  if (!channel || !channel.open) {
    const err = nodeError(Error, "ERR_IPC_CHANNEL_CLOSED", "Channel closed");
    if (typeof cb === "function") process.nextTick(cb, err);
    else process.nextTick(() => target.emit("error", err));
    return false;
  }
  const line = JSON.stringify(message) + "\n";
  core.ops.op_fd_write_async(channel.wfd, Buffer.from(line)).then(
    () => typeof cb === "function" && cb(null),
    (e) => {
      const err = uvError(e);
      if (typeof cb === "function") cb(err);
      else target.emit("error", err);
    },
  );
  return true;
}

function channelDisconnect(target) {
  if (!target.channel || !target.channel.open) {
    target.emit("error", nodeError(Error, "ERR_IPC_DISCONNECTED", "IPC channel is already disconnected"));
    return;
  }
  target.channel.close();
}

/// The child's end of the channel (fd `fd` to read, `fd + 1` to write): `process.send`,
/// `process.disconnect`, 'message' events. Called once at startup in a forked child.
/// Like Node, the channel keeps the child alive only while 'message' has listeners.
export function _forkChild(fd) {
  if (process.channel) return;
  const channel = new Channel(fd + 1, fd, process, false);
  Object.defineProperty(process, "channel", { value: channel, configurable: true, writable: true });
  process.connected = true;
  process.send = (message, handle, options, cb) => channelSend(process, message, handle, options, cb);
  process.disconnect = () => channelDisconnect(process);
  const update = () => channel.setRef(process.listenerCount("message") > 0);
  process.on("newListener", (name) => name === "message" && process.nextTick(update));
  process.on("removeListener", (name) => name === "message" && process.nextTick(update));
  delete process.env.NODE_CHANNEL_FD;
  delete process.env.NODE_CHANNEL_SERIALIZATION_MODE;
}

// ---------------------------------------------------------------------------------------------
// spawn, exec, execFile, fork

export function spawn(file, args, options) {
  const opts = normalizeSpawnArguments(file, args, options);
  validateTimeout(opts.timeout);
  if (opts.killSignal !== undefined) opts.killSignal = sanitizeKillSignal(opts.killSignal);
  const child = new ChildProcess();
  if (opts.signal) {
    const signal = opts.signal;
    if (signal.aborted) {
      process.nextTick(() => onAbort(child, signal, opts.killSignal));
    } else {
      const listener = () => onAbort(child, signal, opts.killSignal);
      signal.addEventListener("abort", listener, { once: true });
      child.once("exit", () => signal.removeEventListener("abort", listener));
    }
  }
  child.spawn(opts);
  if (opts.timeout > 0) {
    let timer = setTimeout(() => {
      if (timer) {
        try {
          child.kill(opts.killSignal ?? "SIGTERM");
        } catch (e) {
          child.emit("error", e);
        }
        timer = null;
      }
    }, opts.timeout);
    child.once("exit", () => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
    });
  }
  return child;
}

function onAbort(child, signal, killSignal) {
  if (child.kill(killSignal ?? "SIGTERM")) {
    const e = new Error("The operation was aborted", { cause: signal.reason });
    e.name = "AbortError";
    e.code = "ABORT_ERR";
    child.emit("error", e);
  }
}

function normalizeExecArgs(command, options, callback) {
  validateString(command, "command");
  if (typeof options === "function") {
    callback = options;
    options = undefined;
  }
  options = { ...options };
  options.shell = typeof options.shell === "string" ? options.shell : true;
  return { file: command, options, callback };
}

export function exec(command, options, callback) {
  const opts = normalizeExecArgs(command, options, callback);
  return execFile(opts.file, opts.options, opts.callback);
}

Object.defineProperty(exec, kCustomPromisify, {
  value: (...args) => promisified(exec, args),
});

function promisified(fn, args) {
  let child;
  const p = new Promise((resolve, reject) => {
    child = fn(...args, (err, stdout, stderr) => {
      if (err !== null) {
        err.stdout = stdout;
        err.stderr = stderr;
        reject(err);
      } else resolve({ stdout, stderr });
    });
  });
  p.child = child;
  return p;
}

/// Node's normalizeExecFileArgs: execFile(file[, args][, options][, callback]).
function normalizeExecFileArgs(file, args, options, callback) {
  if (Array.isArray(args)) args = args.slice();
  else if (args != null && typeof args === "object") {
    callback = options;
    options = args;
    args = null;
  } else if (typeof args === "function") {
    callback = args;
    options = null;
    args = null;
  }
  if (args == null) args = [];
  if (typeof options === "function") callback = options;
  else if (options != null) validateObject(options, "options");
  if (options == null) options = {};
  if (callback != null) validateFunction(callback, "callback");
  if (options.argv0 != null) validateString(options.argv0, "options.argv0");
  return { file, args, options, callback };
}

export function execFile(file, args, options, callback) {
  ({ file, args, options, callback } = normalizeExecFileArgs(file, args, options, callback));
  options = { encoding: "utf8", timeout: 0, maxBuffer: MAX_BUFFER, killSignal: "SIGTERM", cwd: null, env: null, shell: false, ...options };
  validateTimeout(options.timeout);
  validateMaxBuffer(options.maxBuffer);
  options.killSignal = sanitizeKillSignal(options.killSignal);

  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    shell: options.shell,
    signal: options.signal,
    argv0: options.argv0,
  });

  const encoding = options.encoding !== "buffer" && Buffer.isEncoding(options.encoding) ? options.encoding : null;
  const out = [];
  const err = [];
  let outLen = 0;
  let errLen = 0;
  let killed = false;
  let exited = false;
  let timeoutId = null;
  let ex = null;
  let cmd = file;

  function exithandler(code, signal) {
    if (exited) return;
    exited = true;
    if (timeoutId) {
      clearTimeout(timeoutId);
      timeoutId = null;
    }
    if (!callback) return;
    const join = (parts, s) => (encoding || s?.readableEncoding ? parts.join("") : Buffer.concat(parts));
    const stdout = join(out, child.stdout);
    const stderr = join(err, child.stderr);
    if (!ex && code === 0 && signal === null) {
      callback(null, stdout, stderr);
      return;
    }
    if (args?.length) cmd += ` ${args.join(" ")}`;
    if (!ex) {
      ex = new Error(`Command failed: ${cmd}\n${stderr}`);
      ex.code = code < 0 ? errnoName(code) : code;
      ex.killed = child.killed || killed;
      ex.signal = signal;
    }
    ex.cmd = cmd;
    callback(ex, stdout, stderr);
  }

  function errorhandler(e) {
    ex = e;
    child.stdout?.destroy();
    child.stderr?.destroy();
    exithandler();
  }

  function kill() {
    child.stdout?.destroy();
    child.stderr?.destroy();
    killed = true;
    try {
      child.kill(options.killSignal);
    } catch (e) {
      ex = e;
      exithandler();
    }
  }

  if (options.timeout > 0) {
    timeoutId = setTimeout(() => {
      kill();
      timeoutId = null;
    }, options.timeout);
  }

  const collect = (stream, parts, which) => {
    if (!stream) return;
    if (encoding) stream.setEncoding(encoding);
    stream.on("data", (chunk) => {
      if (options.maxBuffer === Infinity) {
        parts.push(chunk);
        return;
      }
      const enc = stream.readableEncoding;
      const length = enc ? Buffer.byteLength(chunk, enc) : chunk.length;
      const total = (which === "stdout" ? (outLen += length) : (errLen += length));
      if (total > options.maxBuffer) {
        const keep = options.maxBuffer - (total - length);
        parts.push(chunk.slice(0, keep));
        ex = nodeError(RangeError, "ERR_CHILD_PROCESS_STDIO_MAXBUFFER", `${which} maxBuffer length exceeded`);
        kill();
      } else parts.push(chunk);
    });
  };
  collect(child.stdout, out, "stdout");
  collect(child.stderr, err, "stderr");

  child.addListener("close", exithandler);
  child.addListener("error", errorhandler);
  return child;
}

Object.defineProperty(execFile, kCustomPromisify, {
  value: (...args) => promisified(execFile, args),
});

const ERRNO_NAMES = { [-2]: "ENOENT", [-13]: "EACCES", [-11]: "EAGAIN", [-24]: "EMFILE", [-1]: "EPERM" };
function errnoName(code) {
  return ERRNO_NAMES[code] ?? `Unknown system error ${code}`;
}

export function fork(modulePath, args, options) {
  modulePath = toPath(modulePath, "modulePath");
  if (args == null) args = [];
  else if (typeof args === "object" && !Array.isArray(args)) {
    options = args;
    args = [];
  } else if (!Array.isArray(args)) throw invalidArgValue("args", args);
  options = { ...options };
  const execArgv = options.execArgv || process.execArgv;
  args = [...execArgv, modulePath, ...args];
  if (typeof options.stdio === "string") {
    options.stdio = [options.stdio, options.stdio, options.stdio, "ipc"];
  } else if (!Array.isArray(options.stdio)) {
    options.stdio = options.silent ? ["pipe", "pipe", "pipe", "ipc"] : ["inherit", "inherit", "inherit", "ipc"];
  } else if (!options.stdio.includes("ipc")) {
    throw nodeError(Error, "ERR_CHILD_PROCESS_IPC_REQUIRED", "Forked processes must have an IPC channel, missing value 'ipc' in options.stdio");
  }
  if (options.shell) throw invalidArgValue("options.shell", options.shell, "is not supported by fork()");
  const execPath = options.execPath && options.execPath !== process.execPath ? options.execPath : "node";
  return spawn(execPath, args, options);
}

// ---------------------------------------------------------------------------------------------
// Synchronous forms

function inputBytes(input, i = 0) {
  const b = toBuffer(input, "utf8");
  if (b === null) throw invalidArgType(`options.stdio[${i}]`, "of type string or an instance of Buffer, TypedArray, or DataView", input);
  return b;
}

export function spawnSync(file, args, options) {
  const opts = { maxBuffer: MAX_BUFFER, ...normalizeSpawnArguments(file, args, options) };
  validateTimeout(opts.timeout);
  validateMaxBuffer(opts.maxBuffer);
  opts.killSignal = sanitizeKillSignal(opts.killSignal);
  const stdio = normalizeStdio(opts.stdio || "pipe");
  const input = opts.input != null ? inputBytes(opts.input) : null;
  const r = sys("spawnSync", {
    argv: [opts.file, ...opts.args.slice(1)],
    cwd: opts.cwd,
    env: opts.envPairs,
    stdio,
    input: input ? input.toString("base64") : undefined,
    maxBuffer: opts.maxBuffer === Infinity ? Number.MAX_SAFE_INTEGER : opts.maxBuffer,
    timeout: opts.timeout || 0,
    killSignal: opts.killSignal,
  });
  const spawnargs = opts.args.slice(1);
  if (r.error && r.pid === undefined) {
    // The command could not be started at all.
    return {
      error: spawnError(r.error, "spawnSync", opts.file, spawnargs),
      status: null,
      signal: null,
      output: null,
      pid: 0,
      stdout: null,
      stderr: null,
    };
  }
  const enc = opts.encoding && opts.encoding !== "buffer" ? opts.encoding : null;
  const bytes = (b64, i) => {
    if (stdio[i] !== "pipe") return null;
    const b = Buffer.from(b64 ?? "", "base64");
    return enc ? b.toString(enc) : b;
  };
  const output = [null, bytes(r.stdout, 1), bytes(r.stderr, 2)];
  const result = {};
  if (r.error) result.error = spawnError(r.error, "spawnSync", opts.file, spawnargs);
  Object.assign(result, {
    status: r.signal ? null : r.code,
    signal: r.signal ?? null,
    output,
    pid: r.pid,
    stdout: output[1],
    stderr: output[2],
  });
  return result;
}

function checkExecSyncError(ret, args, cmd) {
  let err;
  if (ret.error) {
    err = ret.error;
    Object.assign(err, ret);
  } else if (ret.status !== 0) {
    let msg = "Command failed: ";
    msg += cmd || args.join(" ");
    if (ret.stderr && ret.stderr.length > 0) msg += `\n${ret.stderr.toString()}`;
    err = new Error(msg);
    Object.assign(err, ret);
  }
  return err;
}

export function execSync(command, options) {
  const opts = normalizeExecArgs(command, options, null);
  const inheritStderr = !opts.options.stdio;
  const ret = spawnSync(opts.file, opts.options);
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = checkExecSyncError(ret, undefined, command);
  if (err) throw err;
  return ret.stdout;
}

export function execFileSync(file, args, options) {
  ({ file, args, options } = normalizeExecFileArgs(file, args, options));
  options = { ...options };
  const inheritStderr = !options.stdio;
  const ret = spawnSync(file, args, options);
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = checkExecSyncError(ret, [options.argv0 || file, ...args]);
  if (err) throw err;
  return ret.stdout;
}

const child_process = {
  ChildProcess,
  exec,
  execFile,
  execFileSync,
  execSync,
  fork,
  spawn,
  spawnSync,
  _forkChild,
};

export default child_process;
