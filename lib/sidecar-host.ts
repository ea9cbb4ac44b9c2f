/**
 * The entry of an explicit sidecar's process (`AgentOs.createSidecar()`): it loads the same
 * addon (`./binding.js`), so it is the same kernel with its own default runtime, and runs the
 * native calls its parent forwards over the IPC channel on real `NativeVm`/`NativeFs` objects.
 *
 * The protocol (messages over `process.send`, `serialization: "advanced"`):
 * - parent → child `call { id, h, m, a }`: run method `m` of handle `h` (0: the binding's
 *   functions) with arguments `a`; `id` 0 asks for no answer. Arguments may be `{ $h }` (a
 *   handle), `{ $cb, r }` (a function of the parent: a stub posts `cb` messages, and with `r`
 *   returns a promise of the parent's answer) or `{ $drv }` (a filesystem of the parent,
 *   mounted here as a JS driver whose operations the parent runs).
 * - child → parent `ret { id, v }` / `err { id, e }`: the answer; native objects come back as
 *   `{ $h, vm?, fs? }`.
 * - child → parent `cb { cb, a, r? }`, parent → child `cbret { r, v | e }`: a callback and its
 *   answer. Event batches are `cb` messages, in order.
 * - parent → child `release { h }` (a proxy was collected), `exit` (the sidecar is disposed).
 * - parent → child `ack { n }`: the parent's JS thread has handled `n` callbacks without `r`
 *   (event batches). While more than `EVENT_WINDOW` are unhandled, this process holds its VMs'
 *   events back (`pauseEvents`), so guests' output waits in their budgets instead of queueing
 *   in either process while the parent's JS thread is busy.
 *
 * The process exits when its parent disconnects (the parent exited or was killed).
 */
import type * as Binding from "./binding.js";

/** An error as it crosses the boundary: its message and own enumerable properties (`code`, `errno`, `path`, ...). */
export interface WireError {
  message: string;
  props: Record<string, unknown>;
}

/** Encode a thrown value for the other side. */
export function encodeError(err: unknown): WireError {
  if (err instanceof Error) {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(err)) {
      if (v === undefined || typeof v === "function" || (typeof v === "object" && v !== null)) continue;
      props[k] = v;
    }
    return { message: err.message, props };
  }
  return { message: String(err), props: {} };
}

/** Rebuild a thrown error on this side: same message, same `code` and other properties. */
export function decodeError(e: WireError): Error {
  return Object.assign(new Error(e.message), e.props);
}

/** A message between the parent and the child (see the protocol above). */
export type WireMessage =
  | { t: "call"; id: number; h: number; m: string; a: unknown[]; sync?: boolean }
  | { t: "ret"; id: number; v: unknown }
  | { t: "err"; id: number; e: WireError }
  | { t: "cb"; cb: number; a: unknown[]; r?: number }
  | { t: "cbret"; r: number; v?: unknown; e?: WireError }
  | { t: "release"; h: number }
  | { t: "ack"; n: number }
  | { t: "ready"; pid: number }
  | { t: "exit"; code?: number | null; signal?: string | null };

/** Event batches the parent may have unhandled before this process holds events back. */
const EVENT_WINDOW = 16;

function serve(): void {
  const binding = require("./binding.js") as typeof Binding;
  const send = (m: WireMessage) => {
    try {
      process.send?.(m);
    } catch {
      // The parent is gone: `disconnect` ends this process.
    }
  };
  const handles = new Map<number, object>();
  let nextHandle = 1;
  const register = (o: object) => {
    const h = nextHandle++;
    handles.set(h, o);
    return h;
  };
  // Flow control of event batches (see `ack` above).
  let batchesSent = 0;
  let batchesHandled = 0;
  let held = false;
  const holdEvents = (on: boolean) => {
    held = on;
    for (const o of handles.values()) if (o instanceof binding.NativeVm) o.pauseEvents(on);
  };
  const sendBatch = (cb: number, a: unknown[]) => {
    // A held VM's event channel still calls with no events: nothing to send or count.
    if (a.length === 1 && Array.isArray(a[0]) && a[0].length === 0) return;
    send({ t: "cb", cb, a });
    // Every VM is held, again: one created since the last hold is held too.
    if (++batchesSent - batchesHandled >= EVENT_WINDOW) holdEvents(true);
  };
  // Answers the parent owes to callback stubs, by request id.
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextRequest = 1;
  const ask = (cb: number, a: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const r = nextRequest++;
      waiting.set(r, { resolve, reject });
      send({ t: "cb", cb, a, r });
    });

  const globals: Record<string, (...a: never[]) => unknown> = {
    create: (limits?: Binding.LimitsOptions) => binding.NativeVm.create(limits),
    createNativeMemoryFs: () => binding.createNativeMemoryFs(),
    createNativeHostDir: (p: string, ro: boolean) => binding.createNativeHostDir(p, ro),
    createNativeS3: (c: Binding.S3MountConfig, ro: boolean) => binding.createNativeS3(c, ro),
    defaultSidecarVmCount: () => binding.defaultSidecarVmCount(),
  };

  /** A filesystem of the parent, as a JS driver here: each operation is run there. */
  const parentFs = (cb: number) =>
    binding.createNativeJsDriver((call) => {
      ask(cb, [call]).then(
        (reply) => {
          try {
            binding.jsDriverReply(call.driver, call.id, reply as Binding.DriverReply);
          } catch {
            binding.jsDriverReply(call.driver, call.id, { error: "EIO" });
          }
        },
        () => binding.jsDriverReply(call.driver, call.id, { error: "EIO" }),
      );
    });

  const decodeArg = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    const o = v as { $h?: number; $cb?: number; r?: boolean; $drv?: number };
    if (typeof o.$h === "number") {
      const target = handles.get(o.$h);
      if (!target) throw Object.assign(new Error(`ERR_AGENT_OS_INTERNAL: unknown sidecar handle ${o.$h}`), { code: "ERR_AGENT_OS_INTERNAL" });
      return target;
    }
    if (typeof o.$cb === "number") {
      const cb = o.$cb;
      return o.r ? (...a: unknown[]) => ask(cb, a) : (...a: unknown[]) => sendBatch(cb, a);
    }
    if (typeof o.$drv === "number") return parentFs(o.$drv);
    return v;
  };

  const encodeResult = (v: unknown): unknown => {
    if (v instanceof binding.NativeVm) {
      const h = register(v);
      // The VM's filesystem comes with it: one round trip for `AgentOs.create()`.
      return { $h: h, vm: v.id, fs: register(v.filesystem()) };
    }
    if (v instanceof binding.NativeFs) return { $h: register(v), fs: true };
    return v;
  };

  const run = (m: Extract<WireMessage, { t: "call" }>) => {
    const reply = (r: WireMessage) => {
      if (m.id !== 0) send(r);
    };
    try {
      const target = m.h === 0 ? globals : (handles.get(m.h) as Record<string, unknown> | undefined);
      if (!target) throw Object.assign(new Error(`ERR_AGENT_OS_INTERNAL: unknown sidecar handle ${m.h}`), { code: "ERR_AGENT_OS_INTERNAL" });
      const f = target[m.m];
      if (typeof f !== "function") {
        throw Object.assign(new Error(`ERR_AGENT_OS_INTERNAL: no native method \`${m.m}\``), { code: "ERR_AGENT_OS_INTERNAL" });
      }
      const out = (f as (...a: unknown[]) => unknown).apply(target, m.a.map(decodeArg));
      if (out !== null && typeof out === "object" && typeof (out as { then?: unknown }).then === "function") {
        (out as Promise<unknown>).then(
          (v) => reply({ t: "ret", id: m.id, v: encodeResult(v) }),
          (err) => reply({ t: "err", id: m.id, e: encodeError(err) }),
        );
      } else {
        reply({ t: "ret", id: m.id, v: encodeResult(out) });
      }
    } catch (err) {
      reply({ t: "err", id: m.id, e: encodeError(err) });
    }
  };

  process.on("message", (raw) => {
    const m = raw as WireMessage;
    switch (m.t) {
      case "call":
        run(m);
        break;
      case "cbret": {
        const w = waiting.get(m.r);
        waiting.delete(m.r);
        if (w) m.e ? w.reject(decodeError(m.e)) : w.resolve(m.v);
        break;
      }
      case "ack":
        batchesHandled = m.n;
        if (held && batchesSent - batchesHandled <= EVENT_WINDOW / 2) holdEvents(false);
        break;
      case "release": {
        // The parent dropped its proxy: a VM is disposed now (not whenever this process's GC
        // runs), as the in-process binding disposes a collected VM.
        const o = handles.get(m.h);
        handles.delete(m.h);
        if (o instanceof binding.NativeVm) o.dispose();
        break;
      }
      case "exit":
        process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ t: "ready", pid: process.pid });
}

if (require.main === module) serve();
