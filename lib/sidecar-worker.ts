/**
 * The worker thread that owns an explicit sidecar's process and its IPC channel. It exists so
 * the host's JS thread can make synchronous calls into the sidecar: the JS thread posts the
 * call and blocks on `Atomics.wait`; this thread sends it to the child and, when the answer
 * comes, puts it on the synchronous port and wakes the JS thread with `Atomics.notify`.
 * Everything else (answers to asynchronous calls, event batches, callbacks) goes to the JS
 * thread as ordinary messages, in the order the child sent them.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { WireMessage } from "./sidecar-host.js";

/** What the JS thread hands the worker. */
export interface SidecarWorkerData {
  /** Where the JS thread reads answers to synchronous calls. */
  syncPort: MessagePort;
  /** `Int32Array` over it: slot 0 is set to 1 when an answer is on `syncPort`. */
  flag: SharedArrayBuffer;
}

/** Answer of a call the child can no longer make. */
function exitedError(id: number): WireMessage {
  const message = "ERR_AGENT_OS_SIDECAR_EXITED: the sidecar process exited";
  return { t: "err", id, e: { message, props: { code: "ERR_AGENT_OS_SIDECAR_EXITED" } } };
}

function main(): void {
  const port = parentPort;
  if (!port) return;
  const { syncPort, flag } = workerData as SidecarWorkerData;
  const wake = new Int32Array(flag);
  const syncIds = new Set<number>();
  let exited = false;

  const answerSync = (m: WireMessage) => {
    syncPort.postMessage(m);
    Atomics.store(wake, 0, 1);
    Atomics.notify(wake, 0);
  };

  const child = spawn(process.execPath, [join(__dirname, "sidecar-host.js")], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  child.on("message", (raw) => {
    const m = raw as WireMessage;
    if ((m.t === "ret" || m.t === "err") && syncIds.delete(m.id)) answerSync(m);
    else port.postMessage(m);
  });
  child.on("error", () => {
    // Spawning failed (no pid): reported like an exit. A send on a closed channel also lands
    // here; the `exit` event answers what is pending then.
    if (exited || child.pid !== undefined) return;
    exited = true;
    port.postMessage({ t: "exit", code: null, signal: null } satisfies WireMessage);
  });
  child.on("exit", (code, signal) => {
    if (exited) return;
    exited = true;
    for (const id of syncIds) answerSync(exitedError(id));
    syncIds.clear();
    port.postMessage({ t: "exit", code, signal } satisfies WireMessage);
  });

  port.on("message", (raw) => {
    const m = raw as WireMessage;
    if (exited) {
      if (m.t === "call" && m.id !== 0) {
        if (m.sync) answerSync(exitedError(m.id));
        else port.postMessage(exitedError(m.id));
      }
      return;
    }
    if (m.t === "call" && m.sync) syncIds.add(m.id);
    try {
      child.send(m);
    } catch {
      // The channel closed: the `exit` event answers what is pending.
    }
  });
}

main();
