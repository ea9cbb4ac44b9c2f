// Signals a guest program handles: `process.on("SIGINT", …)` and a terminal's SIGWINCH
// ("resize" on process.stdout). A watched signal is caught by the kernel (its default action,
// usually ending the process, no longer applies) and delivered here. The wait for the next
// signal never keeps the event loop alive.

import { sys, core } from "./sys.js";

const SIGNALS = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGUSR1: 10, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14,
  SIGTERM: 15, SIGCHLD: 17, SIGCONT: 18, SIGTSTP: 20, SIGXFSZ: 25, SIGWINCH: 28,
};

const handlers = new Map(); // signal number -> Set of functions
let waiting = null;

function wait() {
  if (waiting || handlers.size === 0) return;
  waiting = core.ops.op_sys_async("signalWait", {});
  core.unrefOpPromise(waiting);
  waiting.then(
    (numbers) => {
      waiting = null;
      for (const n of numbers) for (const f of [...(handlers.get(n) ?? [])]) f(n);
      wait();
    },
    () => {
      waiting = null;
    },
  );
}

/** The number of signal `name` (`"SIGINT"`), if the kernel can deliver it to a handler. */
export function signalNumber(name) {
  return typeof name === "string" && Object.hasOwn(SIGNALS, name) ? SIGNALS[name] : undefined;
}

/** Call `f(number)` whenever signal `n` arrives. */
export function watchSignal(n, f) {
  let set = handlers.get(n);
  if (!set) {
    set = new Set();
    handlers.set(n, set);
    sys("signalCatch", { sig: n, on: true });
  }
  set.add(f);
  wait();
}

/** Stop calling `f` for signal `n`; with no handler left, its default action is back. */
export function unwatchSignal(n, f) {
  const set = handlers.get(n);
  if (!set || !set.delete(f) || set.size) return;
  handlers.delete(n);
  sys("signalCatch", { sig: n, on: false });
}
