/**
 * Explicit sidecars (`AgentOs.createSidecar()`): a dedicated OS process hosting a group of VMs.
 *
 * The facade (`AgentOs`, sessions, cron, software, JS drivers) keeps running in this process
 * unchanged; only the native objects move. A VM created with `sidecar: { kind: "explicit",
 * handle }` gets a `NativeVm`/`NativeFs` that are proxies: each call is forwarded to the
 * sidecar's process (`sidecar-host.ts`), which runs it on the real native object. Calls the
 * binding makes synchronous stay synchronous: a worker thread (`sidecar-worker.ts`) owns the
 * channel to the child, and the JS thread blocks on `Atomics.wait` until the answer is there.
 * Functions passed to native methods (the event handler, permission checks) stay here: the
 * child calls them through stubs.
 *
 * Filesystems: mount plugins (`memory`, `host_dir`, `s3`) and the software's `node_modules`
 * of an explicit VM are made in its sidecar. A filesystem of this process handed to an
 * explicit VM (`createInMemoryFileSystem()`, a user's `VirtualFileSystem` object) is mounted
 * there as a JS driver whose operations run here, on the original: it stays shared with
 * everything else it is mounted in.
 *
 * If the sidecar's process dies, pending calls of its VMs reject (a pending `waitProcess`
 * resolves with 137, and the processes this process tracks get exit events with 137), later
 * calls throw `ERR_AGENT_OS_SIDECAR_EXITED`, and the sidecar's `exit` handlers run.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import {
  NativeFs,
  NativeVm,
  createNativeHostDir,
  createNativeMemoryFs,
  createNativeS3,
  type DriverCall,
  type LimitsOptions,
  type ProcessEvent,
  type S3MountConfig,
} from "./binding.js";
import { KernelError, NativeFileSystem } from "./index.js";
import { runDriverCall } from "./jsdriver.js";
import { decodeError, encodeError, type WireMessage } from "./sidecar-host.js";

/** Where a VM's native objects are made: this process's binding, or an explicit sidecar. */
export interface NativeHost {
  createVm(limits?: LimitsOptions): NativeVm;
  createMemoryFs(): NativeFs;
  createHostDir(hostPath: string, readOnly: boolean): NativeFs;
  createS3(config: S3MountConfig, readOnly: boolean): NativeFs;
}

/** The default: VMs are tenants of this process's default sidecar. */
export const inProcessHost: NativeHost = {
  createVm: (limits) => NativeVm.create(limits),
  createMemoryFs: () => createNativeMemoryFs(),
  createHostDir: (hostPath, readOnly) => createNativeHostDir(hostPath, readOnly),
  createS3: (config, readOnly) => createNativeS3(config, readOnly),
};

/**
 * Methods of `NativeVm`/`NativeFs` that return a promise (from `binding.d.ts`). Every other
 * method is synchronous, and a call to it blocks until the sidecar answered.
 */
const ASYNC_METHODS = new Set([
  // NativeVm
  "fetch",
  "fetchRead",
  "execFinish",
  "wait",
  "sessionStart",
  "sessionRequest",
  "sessionCancel",
  // NativeFs
  "readFile",
  "pread",
  "writeFile",
  "pwrite",
  "readFiles",
  "writeFiles",
  "mkdir",
  "readDir",
  "readDirStat",
  "readdirRecursive",
  "stat",
  "lstat",
  "exists",
  "rename",
  "move",
  "remove",
  "removeFile",
  "removeDir",
  "realpath",
  "symlink",
  "readlink",
  "link",
  "chmod",
  "chown",
  "utimes",
  "truncate",
]);

/** Methods whose function arguments must answer (permission checks): the child awaits them. */
const ANSWERING_CALLBACKS = new Set(["configureNetwork", "configurePermissions"]);

/** Longest a synchronous call waits for the sidecar before it fails. */
const SYNC_TIMEOUT_MS = 60_000;
/** Longest `dispose()` waits for the process to exit before it kills it. */
const EXIT_GRACE_MS = 5_000;

/** What a sidecar's `exit` handlers receive. */
export interface SidecarExitInfo {
  /** The process's exit code (`null` if a signal ended it). */
  code: number | null;
  /** The signal that ended it (`"SIGKILL"`, ...), else `null`. */
  signal: string | null;
}

/** What `describe()` returns. */
export interface SidecarDescription {
  sidecarId: string;
  state: "ready" | "disposing" | "disposed";
  /** VMs created in the sidecar and not disposed. */
  activeVmCount: number;
  /** OS process id of the sidecar (ours). */
  pid: number;
}

type Settle = { resolve: (v: unknown) => void; reject: (e: unknown) => void; onExit?: () => unknown };
type Callback = { fn: (...a: unknown[]) => unknown; owner: number };

/** A proxied native object: its link and its handle in the child. */
interface Remote {
  sidecarLink: Link;
  handle: number;
  /** The VM a filesystem belongs to (its calls fail once the VM is disposed). */
  ownerVm?: RemoteVm;
}

/** Proxy → its target, to recognise our proxies among arguments. */
const remotes = new WeakMap<object, Remote>();
/** Proxies collected without dispose: the child drops its handle. */
const collected = new FinalizationRegistry<{ link: Link; h: number }>(({ link, h }) => link.release(h));
/** Sidecars whose process may still run: killed if this process exits first. */
const live = new Set<Link>();
let exitHookInstalled = false;

/** One forwarding function per method name, shared by every proxy (`this` is the proxy). */
const forwarders = new Map<string, (this: Remote, ...a: unknown[]) => unknown>();
function forwarder(name: string): (this: Remote, ...a: unknown[]) => unknown {
  let f = forwarders.get(name);
  if (!f) {
    f = ASYNC_METHODS.has(name)
      ? function (this: Remote, ...a: unknown[]) {
          return this.sidecarLink.callAsync(this, name, a);
        }
      : function (this: Remote, ...a: unknown[]) {
          return this.sidecarLink.callSync(this, name, a);
        };
    forwarders.set(name, f);
  }
  return f;
}

/**
 * Own members of the target win; any other method name is forwarded to the child. (So the
 * targets' member names must not be names of native methods: `sidecarLink`, not `link`.)
 */
const trap: ProxyHandler<Remote> = {
  get(target, prop) {
    if (prop in target || typeof prop !== "string" || !METHOD_NAME.test(prop) || NOT_METHODS.has(prop)) {
      return Reflect.get(target, prop, target);
    }
    return forwarder(prop);
  },
};
/** What a native method's name looks like. */
const METHOD_NAME = /^[a-z][A-Za-z0-9]*$/;
/** Names that libraries probe objects for (promises, JSON, inspectors, test matchers): not forwarded. */
const NOT_METHODS = new Set(["then", "toJSON", "inspect", "asymmetricMatch", "nodeType"]);

function exitedError(link: Link): KernelError {
  const how = link.exit?.signal ? `killed by ${link.exit.signal}` : `exit code ${link.exit?.code ?? "unknown"}`;
  return new KernelError("ERR_AGENT_OS_SIDECAR_EXITED", `sidecar ${link.sidecarId} (pid ${link.pid}) exited (${how})`);
}

function disposedError(vmId: number): KernelError {
  return new KernelError("ERR_AGENT_OS_DISPOSED", `VM ${vmId} has been disposed`);
}

/** A filesystem in the child. Every method is forwarded. */
class RemoteFs implements Remote {
  constructor(
    readonly sidecarLink: Link,
    readonly handle: number,
    public ownerVm?: RemoteVm,
  ) {}
}

/** A VM in the child: what it must know locally; every other method is forwarded. */
class RemoteVm implements Remote {
  /** Set by `dispose()` (the child is told without waiting). */
  isDisposed = false;
  /** Whether this VM currently keeps the host process alive (`setEventsRef(true)`). */
  refd = false;
  handler?: (events: ProcessEvent[]) => void;
  handlerSent = false;
  /** Processes started through the API that have not exited: they get exit events if the child dies. */
  readonly pids = new Set<number>();
  /** Open interactive shells: they get an end-of-output event if the child dies. */
  readonly shells = new Set<number>();
  /** The facade's `dispose()`, which `AgentOsSidecar.dispose()` runs. */
  facadeDispose?: () => Promise<void>;
  /** The target itself (methods run with `this` = the proxy). */
  readonly self: RemoteVm;

  constructor(
    readonly sidecarLink: Link,
    readonly handle: number,
    readonly vmId: number,
    readonly fs: NativeFs,
  ) {
    this.self = this;
  }

  get id(): number {
    return this.vmId;
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  filesystem(): NativeFs {
    return this.fs;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.sidecarLink.vms.delete(this.self);
    this.setEventsRef(false);
    this.sidecarLink.dropCallbacks(this.handle);
    this.sidecarLink.post(this.handle, "dispose", []);
  }

  setEventHandler(handler: (events: ProcessEvent[]) => void): void {
    this.sidecarLink.check(this);
    this.handler = handler;
    if (this.handlerSent) return;
    this.handlerSent = true;
    const deliver = (events: ProcessEvent[]) => {
      for (const ev of events) {
        if (ev.kind === "exit") this.pids.delete(ev.pid);
        else if (ev.kind === "shell" && ev.data?.byteLength === 0) this.shells.delete(ev.pid);
      }
      this.handler?.(events);
    };
    this.sidecarLink.post(this.handle, "setEventHandler", [deliver]);
  }

  setEventsRef(on: boolean): void {
    // The child is kept alive by its channel; only this process's liveness is decided here.
    if (on === this.refd) return;
    this.refd = on;
    if (on) this.sidecarLink.ref();
    else this.sidecarLink.unref();
  }

  spawn(...a: unknown[]): number {
    const pid = this.sidecarLink.callSync(this, "spawn", a) as number;
    this.pids.add(pid);
    return pid;
  }

  execStart(...a: unknown[]): number {
    const pid = this.sidecarLink.callSync(this, "execStart", a) as number;
    this.pids.add(pid);
    return pid;
  }

  openShell(...a: unknown[]): number {
    const id = this.sidecarLink.callSync(this, "openShell", a) as number;
    this.shells.add(id);
    return id;
  }

  /** Stopping to listen to a shell of a dead sidecar is already done (its output ended). */
  listenShell(id: number, on: boolean): void {
    if (!on && this.sidecarLink.exit && !this.isDisposed) return;
    this.sidecarLink.callSync(this, "listenShell", [id, on]);
  }

  closeShell(id: number): void {
    this.sidecarLink.callSync(this, "closeShell", [id]);
    this.shells.delete(id);
  }

  execFinish(pid: number, timeoutMs?: number | null): Promise<unknown> {
    return this.sidecarLink.callAsync(this, "execFinish", [pid, timeoutMs]).finally(() => this.pids.delete(pid));
  }

  /** A wait pending when the child dies resolves as a SIGKILL would (137): nobody hangs. */
  wait(pid: number): Promise<unknown> {
    return this.sidecarLink.callAsync(this, "wait", [pid], () => 137);
  }

  /**
   * The child died: tracked processes end with 137 and open shells' output ends, so exit
   * handlers, `exec` streams and shell listeners settle.
   */
  sidecarExited(): void {
    if (this.isDisposed || !this.handler) return;
    const events: ProcessEvent[] = [
      ...[...this.pids].map((pid) => ({ kind: "exit", pid, exitCode: 137 })),
      ...[...this.shells].map((id) => ({ kind: "shell", pid: id, data: new Uint8Array(0) })),
    ];
    this.pids.clear();
    this.shells.clear();
    if (events.length > 0) this.handler(events);
  }
}

/** The connection to one sidecar process: the worker, pending calls and callbacks. */
class Link {
  readonly vms = new Set<RemoteVm>();
  state: "ready" | "disposing" | "disposed" = "ready";
  /** `dispose()` was called: an exit is not a crash. */
  disposeRequested = false;
  pid = 0;
  exit?: SidecarExitInfo;
  readonly exitHandlers = new Set<(info: SidecarExitInfo) => void>();
  readonly #worker: Worker;
  readonly #syncPort: MessagePort;
  readonly #flag: Int32Array;
  readonly #pending = new Map<number, Settle>();
  readonly #callbacks = new Map<number, Callback>();
  /** Event batches handled, and whether an `ack` of them is due (flow control, sidecar-host.ts). */
  #batchesHandled = 0;
  #ackScheduled = false;
  #nextId = 1;
  #nextCb = 1;
  #refs = 0;
  #exited: Promise<void>;
  #onExited!: () => void;
  #ready?: { resolve: () => void; reject: (e: unknown) => void };

  constructor(readonly sidecarId: string) {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    this.#syncPort = port1;
    this.#flag = new Int32Array(flag);
    this.#exited = new Promise((resolve) => (this.#onExited = resolve));
    this.#worker = new Worker(join(__dirname, "sidecar-worker.js"), { workerData: { syncPort: port2, flag }, transferList: [port2] });
    this.#worker.on("message", (m: WireMessage) => this.#receive(m));
    this.#worker.on("error", () => this.#died({ code: null, signal: null }));
    this.#worker.on("exit", () => this.#died({ code: null, signal: null }));
  }

  /** Resolves once the child loaded the addon. */
  ready(): Promise<void> {
    return new Promise((resolve, reject) => (this.#ready = { resolve, reject }));
  }

  get activeVmCount(): number {
    return this.vms.size;
  }

  /** Startup is over: the worker keeps the host alive only while something is pending. */
  started(): void {
    if (this.#refs === 0) this.#worker.unref();
  }

  ref(): void {
    if (this.#refs++ === 0 && !this.exit) this.#worker.ref();
  }

  unref(): void {
    if (this.#refs > 0 && --this.#refs === 0) this.#worker.unref();
  }

  /** Throw if `target` can no longer be called. */
  check(target: Remote): void {
    const vm = target instanceof RemoteVm ? target : target.ownerVm;
    if (vm?.isDisposed) throw disposedError(vm.vmId);
    if (this.exit) throw exitedError(this);
  }

  #addCallback(fn: (...a: unknown[]) => unknown, owner: number): number {
    const id = this.#nextCb++;
    this.#callbacks.set(id, { fn, owner });
    return id;
  }

  dropCallbacks(owner: number): void {
    for (const [id, c] of this.#callbacks) if (c.owner === owner) this.#callbacks.delete(id);
  }

  /** Arguments as they cross: functions become callbacks, native objects handles or drivers. */
  #encode(owner: number, method: string, args: unknown[]): unknown[] {
    return args.map((v) => {
      if (typeof v === "function") {
        return { $cb: this.#addCallback(v as (...a: unknown[]) => unknown, owner), r: ANSWERING_CALLBACKS.has(method) };
      }
      if (typeof v !== "object" || v === null) return v;
      const remote = remotes.get(v);
      if (remote?.sidecarLink === this) return { $h: remote.handle };
      if (remote || v instanceof NativeFs) {
        // A filesystem of this process (or of another sidecar): mounted there as a JS driver.
        const fs = v as NativeFs;
        return { $drv: this.#addCallback((call) => runDriverCall(new NativeFileSystem(fs), call as DriverCall), owner) };
      }
      return v;
    });
  }

  #decode(v: unknown, owner?: RemoteVm): unknown {
    if (typeof v !== "object" || v === null || typeof (v as { $h?: unknown }).$h !== "number") return v;
    const r = v as { $h: number; vm?: number; fs?: number | boolean };
    if (typeof r.vm === "number") {
      const fsTarget = new RemoteFs(this, r.fs as number);
      const vm = new RemoteVm(this, r.$h, r.vm, this.#proxy(fsTarget) as NativeFs);
      // The VM's filesystem fails once the VM is disposed, as in-process.
      fsTarget.ownerVm = vm;
      this.vms.add(vm);
      return this.#proxy(vm);
    }
    return this.#proxy(new RemoteFs(this, r.$h, owner));
  }

  #proxy(target: Remote): unknown {
    const p = new Proxy(target, trap);
    remotes.set(p, target);
    collected.register(p, { link: this, h: target.handle });
    return p;
  }

  /** A call whose answer is not awaited (ordering with later calls is kept). */
  post(h: number, m: string, a: unknown[]): void {
    if (this.exit) return;
    this.#worker.postMessage({ t: "call", id: 0, h, m, a: this.#encode(h, m, a) } satisfies WireMessage);
  }

  release(h: number): void {
    // A VM nobody references any more is forgotten here and disposed there, as the in-process
    // binding disposes a collected VM.
    for (const vm of this.vms) {
      if (vm.handle !== h) continue;
      this.vms.delete(vm);
      vm.isDisposed = true;
      vm.setEventsRef(false);
      this.dropCallbacks(h);
    }
    if (!this.exit) this.#worker.postMessage({ t: "release", h } satisfies WireMessage);
  }

  /** A synchronous method: post the call and block until the worker has the answer. */
  callSync(target: Remote, m: string, a: unknown[]): unknown {
    this.check(target);
    const id = this.#nextId++;
    Atomics.store(this.#flag, 0, 0);
    this.#worker.postMessage({ t: "call", id, h: target.handle, m, a: this.#encode(target.handle, m, a), sync: true } satisfies WireMessage);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      const got = receiveMessageOnPort(this.#syncPort);
      if (got) {
        const r = got.message as WireMessage;
        if (r.t === "ret" && r.id === id) return this.#decode(r.v, target instanceof RemoteVm ? undefined : target.ownerVm);
        if (r.t === "err" && r.id === id) {
          if (r.e.props.code === "ERR_AGENT_OS_SIDECAR_EXITED") throw exitedError(this);
          throw decodeError(r.e);
        }
        continue; // the late answer of a call that timed out
      }
      if (Date.now() > deadline) {
        throw new KernelError("ERR_AGENT_OS_SIDECAR_TIMEOUT", `sidecar ${this.sidecarId}: no answer to \`${m}\` within ${SYNC_TIMEOUT_MS} ms`);
      }
      Atomics.wait(this.#flag, 0, 0, 1000);
      Atomics.store(this.#flag, 0, 0);
    }
  }

  /**
   * An asynchronous method. The promise keeps the host process alive while pending; if the
   * child dies meanwhile it rejects, or resolves with `onExit()` when given.
   */
  callAsync(target: Remote, m: string, a: unknown[], onExit?: () => unknown): Promise<unknown> {
    try {
      this.check(target);
      const args = this.#encode(target.handle, m, a);
      const id = this.#nextId++;
      return new Promise((resolve, reject) => {
        // Posted first: an argument that cannot be cloned rejects without leaving a pending
        // entry (and a reference on the host's event loop) behind.
        this.#worker.postMessage({ t: "call", id, h: target.handle, m, a: args } satisfies WireMessage);
        this.#pending.set(id, { resolve, reject, onExit });
        this.ref();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A function of the binding, run in the child. */
  callGlobal(m: string, a: unknown[]): unknown {
    return this.callSync({ sidecarLink: this, handle: 0 }, m, a);
  }

  #receive(m: WireMessage): void {
    switch (m.t) {
      case "ready":
        this.pid = m.pid;
        live.add(this);
        this.#ready?.resolve();
        return;
      case "ret":
      case "err": {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        this.unref();
        if (m.t === "ret") p.resolve(m.v);
        else if (m.e.props.code === "ERR_AGENT_OS_SIDECAR_EXITED") p.onExit ? p.resolve(p.onExit()) : p.reject(exitedError(this));
        else p.reject(decodeError(m.e));
        return;
      }
      case "cb": {
        const c = this.#callbacks.get(m.cb);
        const r = m.r;
        if (r === undefined) {
          // Event batches, in order; a throwing handler is an uncaught error, as in-process.
          // The child is told how many were handled once this turn of the loop is done.
          this.#batchesHandled++;
          if (!this.#ackScheduled) {
            this.#ackScheduled = true;
            setImmediate(() => {
              this.#ackScheduled = false;
              if (!this.exit) this.#worker.postMessage({ t: "ack", n: this.#batchesHandled } satisfies WireMessage);
            }).unref();
          }
          c?.fn(...m.a);
          return;
        }
        const answer = (reply: WireMessage) => {
          if (!this.exit) this.#worker.postMessage(reply);
        };
        if (!c) {
          answer({ t: "cbret", r, e: { message: "ERR_AGENT_OS_DISPOSED: the callback was released", props: { code: "ERR_AGENT_OS_DISPOSED" } } });
          return;
        }
        Promise.resolve()
          .then(() => c.fn(...m.a))
          .then(
            (v) => answer({ t: "cbret", r, v }),
            (err) => answer({ t: "cbret", r, e: encodeError(err) }),
          );
        return;
      }
      case "exit":
        this.#died({ code: m.code ?? null, signal: m.signal ?? null });
        return;
    }
  }

  /** The child is gone (or the worker): settle everything, once. */
  #died(info: SidecarExitInfo): void {
    if (this.exit) return;
    this.exit = info;
    this.state = "disposed";
    live.delete(this);
    this.#ready?.reject(new KernelError("ERR_AGENT_OS_SIDECAR_EXITED", `sidecar ${this.sidecarId} failed to start (${info.signal ?? `exit code ${info.code}`})`));
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.onExit ? p.resolve(p.onExit()) : p.reject(exitedError(this));
    this.#callbacks.clear();
    const vms = [...this.vms];
    this.vms.clear();
    this.#refs = 0;
    this.#worker.unref();
    void this.#worker.terminate();
    this.#syncPort.close();
    this.#onExited();
    // A throwing handler is reported as uncaught, after everyone was told.
    const errors: unknown[] = [];
    for (const vm of vms) {
      try {
        vm.sidecarExited();
      } catch (err) {
        errors.push(err);
      }
    }
    for (const h of [...this.exitHandlers]) {
      try {
        h(info);
      } catch (err) {
        errors.push(err);
      }
    }
    for (const err of errors) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  /** Dispose the VMs, then end the process (killed if it does not exit in time). */
  async dispose(): Promise<void> {
    if (this.state === "ready") {
      this.state = "disposing";
      this.disposeRequested = true;
      for (const vm of [...this.vms]) {
        try {
          await (vm.facadeDispose ? vm.facadeDispose() : vm.dispose());
        } catch {
          // Disposing is best effort: the process ends anyway.
        }
        vm.dispose();
      }
      if (!this.exit) {
        this.ref();
        this.#worker.postMessage({ t: "exit" } satisfies WireMessage);
        const timer = setTimeout(() => this.kill(), EXIT_GRACE_MS);
        await this.#exited;
        clearTimeout(timer);
      }
    }
    await this.#exited;
  }

  kill(): void {
    try {
      if (this.pid) process.kill(this.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * A dedicated OS process hosting a group of VMs (`AgentOs.createSidecar()`): the same kernel,
 * in a process of its own. Create VMs in it with `AgentOs.create({ sidecar: { kind:
 * "explicit", handle } })`; every VM method works as in-process (same errors, same events).
 * Its VMs live until they are disposed (or collected without `dispose()`, as in-process), or
 * the sidecar is. If the process dies, its VMs'
 * calls fail with `ERR_AGENT_OS_SIDECAR_EXITED` and `exit` handlers run; this process and
 * other sidecars are unaffected. A sidecar never outlives this process.
 */
export class AgentOsSidecar {
  readonly sidecarId: string;
  /** OS process id of the sidecar's process. */
  readonly pid: number;
  readonly #link: Link;

  private constructor(link: Link) {
    this.#link = link;
    this.sidecarId = link.sidecarId;
    this.pid = link.pid;
    links.set(this, link);
  }

  /** The sidecar's id, state and number of live VMs (and its process id). */
  describe(): SidecarDescription {
    const l = this.#link;
    return { sidecarId: this.sidecarId, state: l.state, activeVmCount: l.activeVmCount, pid: this.pid };
  }

  /**
   * Dispose the sidecar's VMs (as their `dispose()` would), then end its process. Idempotent;
   * resolves when the process has exited.
   */
  dispose(): Promise<void> {
    return this.#link.dispose();
  }

  /**
   * Be told when the sidecar's process exits (after `dispose()`, or if it died); at once if it
   * already did. Returns a function that removes the handler.
   */
  on(event: "exit", handler: (info: SidecarExitInfo) => void): () => void {
    if (event !== "exit") throw new KernelError("ERR_AGENT_OS_INVALID_OPTIONS", `unknown sidecar event \`${String(event)}\``);
    const l = this.#link;
    if (l.exit) {
      handler(l.exit);
      return () => {};
    }
    l.exitHandlers.add(handler);
    return () => {
      l.exitHandlers.delete(handler);
    };
  }
}

/** Sidecar → its connection (kept out of the class so `index.d.ts` shows only the API). */
const links = new WeakMap<AgentOsSidecar, Link>();

/** `AgentOs.createSidecar()`: start the process; resolves once it is ready. */
export async function startSidecar(options?: { sidecarId?: string }): Promise<AgentOsSidecar> {
  const id = options?.sidecarId;
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new KernelError("ERR_AGENT_OS_INVALID_OPTIONS", "AgentOs.createSidecar() options must be an object");
  }
  if (id !== undefined && (typeof id !== "string" || id === "")) {
    throw new KernelError("ERR_AGENT_OS_INVALID_OPTIONS", "option `sidecarId` must be a non-empty string");
  }
  const link = new Link(id ?? `sidecar-${randomUUID()}`);
  await link.ready();
  link.started();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A sidecar nobody disposed must not outlive this process.
    process.on("exit", () => {
      for (const l of live) l.kill();
    });
  }
  // The constructor is private to the API; this module makes sidecars.
  return new (AgentOsSidecar as unknown as new (link: Link) => AgentOsSidecar)(link);
}

/** The native host of a VM placement: this process, or the sidecar's process. */
export function nativeHost(handle: AgentOsSidecar | undefined): NativeHost {
  if (handle === undefined) return inProcessHost;
  const link = links.get(handle);
  if (!link) throw new KernelError("ERR_AGENT_OS_INVALID_OPTIONS", "option `sidecar.handle` must come from AgentOs.createSidecar()");
  if (link.state !== "ready") {
    if (link.exit && !link.disposeRequested) throw exitedError(link);
    throw new KernelError("ERR_AGENT_OS_SIDECAR_DISPOSED", `sidecar ${link.sidecarId} is ${link.state}: it creates no more VMs`);
  }
  return {
    createVm: (limits) => link.callGlobal("create", [limits]) as NativeVm,
    createMemoryFs: () => link.callGlobal("createNativeMemoryFs", []) as NativeFs,
    createHostDir: (hostPath, readOnly) => link.callGlobal("createNativeHostDir", [hostPath, readOnly]) as NativeFs,
    createS3: (config, readOnly) => link.callGlobal("createNativeS3", [config, readOnly]) as NativeFs,
  };
}

/** Whether `handle` is a sidecar made by `AgentOs.createSidecar()`. */
export function isSidecar(handle: unknown): handle is AgentOsSidecar {
  return typeof handle === "object" && handle !== null && links.has(handle as AgentOsSidecar);
}

/** Let `AgentOsSidecar.dispose()` dispose the facade of a VM in a sidecar (no-op for others). */
export function adoptFacade(vm: NativeVm, facade: { dispose(): Promise<void> }): void {
  const target = remotes.get(vm);
  if (target instanceof RemoteVm) target.facadeDispose = weakDispose(new WeakRef(facade));
}

/**
 * `dispose` of a facade held weakly, so a VM in a sidecar that nobody references is collected as
 * one in-process is. (A function of its own: a closure made where the VM is in scope would keep
 * the VM's scope, and so the VM, alive.)
 */
function weakDispose(facade: WeakRef<{ dispose(): Promise<void> }>): () => Promise<void> {
  return () => facade.deref()?.dispose() ?? Promise.resolve();
}
