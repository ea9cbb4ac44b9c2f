// `console`: Node's formatting (util.inspect/format) written to process.stdout/stderr.

import { inspect, format, formatWithOptions } from "node-inspect-extracted";

export class Console {
  constructor(stdout, stderr, ignoreErrors) {
    if (stdout && typeof stdout.write !== "function" && stdout.stdout) {
      ({ stdout, stderr } = stdout);
    }
    const out = () => (typeof stdout === "function" ? stdout() : stdout);
    const err = () => (typeof stderr === "function" ? stderr() : stderr ?? out());
    let indent = "";
    const counts = new Map();
    const timers = new Map();
    const write = (stream, args) => {
      let s = formatWithOptions({ colors: false }, ...args);
      if (indent) s = s.split("\n").map((l) => indent + l).join("\n");
      stream.write(s + "\n");
    };
    const self = this;
    Object.assign(this, {
      log: (...a) => write(out(), a),
      info: (...a) => write(out(), a),
      debug: (...a) => write(out(), a),
      error: (...a) => write(err(), a),
      warn: (...a) => write(err(), a),
      trace: (...a) => {
        const e = new Error(format(...a));
        e.name = "Trace";
        write(err(), [e.stack]);
      },
      dir: (obj, opts) => out().write(inspect(obj, { customInspect: false, ...opts }) + "\n"),
      dirxml: (...a) => self.log(...a),
      assert: (cond, ...a) => {
        if (!cond) {
          a[0] = `Assertion failed${a.length === 0 ? "" : `: ${a[0]}`}`;
          write(err(), a.length ? a : ["Assertion failed"]);
        }
      },
      count: (label = "default") => {
        const n = (counts.get(label) ?? 0) + 1;
        counts.set(label, n);
        write(out(), [`${label}: ${n}`]);
      },
      countReset: (label = "default") => counts.delete(label),
      group: (...a) => {
        if (a.length) write(out(), a);
        indent += "  ";
      },
      groupCollapsed: (...a) => self.group(...a),
      groupEnd: () => {
        indent = indent.slice(2);
      },
      time: (label = "default") => timers.set(label, performance.now()),
      timeEnd: (label = "default") => {
        const t = timers.get(label);
        if (t !== undefined) {
          write(out(), [`${label}: ${fmtMs(performance.now() - t)}`]);
          timers.delete(label);
        }
      },
      timeLog: (label = "default", ...a) => {
        const t = timers.get(label);
        if (t !== undefined) write(out(), [`${label}: ${fmtMs(performance.now() - t)}`, ...a]);
      },
      table: (data) => write(out(), [data]),
      clear: () => {},
      profile: () => {},
      profileEnd: () => {},
      timeStamp: () => {},
    });
  }
}

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
}

export function makeConsole(process) {
  const c = new Console(() => process.stdout, () => process.stderr);
  c.Console = Console;
  return c;
}
