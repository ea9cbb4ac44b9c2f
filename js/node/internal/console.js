// `console`: Node's Console (formatting by util.inspect/format, groups, counters, timers,
// console.table) written to process.stdout/stderr. The global console is one object made here,
// so `require("console") === console`.

import nie, { inspect, formatWithOptions } from "node-inspect-extracted";
import { process } from "./process.js";

const kColorInspect = { colors: false };
// Display width (East Asian wide characters count 2), from Node's own code.
const { getStringWidth } = nie;

function fmtTime(ms) {
  if (ms >= 60000) {
    const m = Math.floor(ms / 60000);
    const s = (ms - m * 60000) / 1000;
    return `${m}:${s.toFixed(3).padStart(6, "0")} (m:ss.mmm)`;
  }
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
}

// console.table: Node's layout (lib/internal/cli_table.js).
function renderRow(row, widths) {
  let out = "│";
  for (let i = 0; i < row.length; i++) {
    const cell = row[i];
    out += ` ${cell}${" ".repeat(widths[i] - getStringWidth(cell))} │`;
  }
  return out;
}

function table(head, columns) {
  const rows = [];
  const widths = head.map((h) => getStringWidth(h) + 2);
  const longest = Math.max(0, ...columns.map((c) => c.length));
  for (let i = 0; i < head.length; i++) {
    const column = columns[i];
    for (let j = 0; j < longest; j++) {
      rows[j] ??= [];
      const v = (rows[j][i] = Object.hasOwn(column, j) ? column[j] : "");
      widths[i] = Math.max(widths[i], getStringWidth(v) + 2);
    }
  }
  const divider = widths.map((w) => "─".repeat(w));
  let result = `┌${divider.join("┬")}┐\n${renderRow(head, widths.map((w) => w - 2))}\n├${divider.join("┼")}┤\n`;
  for (const row of rows) result += `${renderRow(row, widths.map((w) => w - 2))}\n`;
  return result + `└${divider.join("┴")}┘`;
}

const isPrimitive = (v) => v === null || (typeof v !== "object" && typeof v !== "function");

export class Console {
  #out;
  #err;
  #ignoreErrors;
  #inspectOptions;
  #groupIndentation;
  #indent = "";
  #counts = new Map();
  #timers = new Map();

  constructor(stdout, stderr, ignoreErrors = true) {
    if (!new.target) return new Console(stdout, stderr, ignoreErrors);
    let options = stdout;
    if (!options || typeof options.write === "function" || typeof options === "function") options = { stdout, stderr, ignoreErrors };
    const out = options.stdout;
    if (!out || (typeof out !== "function" && typeof out.write !== "function")) {
      throw Object.assign(new TypeError(`The "stdout" argument must be an instance of Stream. Received ${out === undefined ? "undefined" : typeof out}`), { code: "ERR_CONSOLE_WRITABLE_STREAM" });
    }
    const err = options.stderr ?? out;
    this.#out = typeof out === "function" ? out : () => out;
    this.#err = typeof err === "function" ? err : () => err;
    this.#ignoreErrors = options.ignoreErrors !== false;
    this.#inspectOptions = { ...options.inspectOptions, colors: options.colorMode === true };
    this.#groupIndentation = options.groupIndentation ?? 2;
    // Methods are bound, as in Node: `const { log } = console` works.
    for (const name of Object.getOwnPropertyNames(Console.prototype)) {
      if (name !== "constructor" && typeof this[name] === "function") {
        Object.defineProperty(this, name, { value: this[name].bind(this), writable: true, enumerable: true, configurable: true });
      }
    }
  }

  #write(stream, args) {
    let s = formatWithOptions(this.#inspectOptions ?? kColorInspect, ...args);
    if (this.#indent) s = this.#indent + s.replace(/\n/g, `\n${this.#indent}`);
    try {
      stream.write(s + "\n");
    } catch (e) {
      if (!this.#ignoreErrors) throw e;
    }
  }

  log(...args) {
    this.#write(this.#out(), args);
  }
  info(...args) {
    this.#write(this.#out(), args);
  }
  debug(...args) {
    this.#write(this.#out(), args);
  }
  dirxml(...args) {
    this.#write(this.#out(), args);
  }
  error(...args) {
    this.#write(this.#err(), args);
  }
  warn(...args) {
    this.#write(this.#err(), args);
  }
  trace(...args) {
    const e = { name: "Trace", message: formatWithOptions(this.#inspectOptions, ...args) };
    Error.captureStackTrace(e, this.trace);
    this.#write(this.#err(), [e.stack]);
  }
  dir(obj, options) {
    this.#write(this.#out(), [inspect(obj, { customInspect: false, ...this.#inspectOptions, ...options })]);
  }
  assert(cond, ...args) {
    if (cond) return;
    if (typeof args[0] === "string") args[0] = `Assertion failed: ${args[0]}`;
    else args.unshift("Assertion failed");
    this.warn(...args);
  }
  count(label = "default") {
    label = `${label}`;
    const n = (this.#counts.get(label) ?? 0) + 1;
    this.#counts.set(label, n);
    this.log(`${label}: ${n}`);
  }
  countReset(label = "default") {
    label = `${label}`;
    if (!this.#counts.has(label)) {
      process.emitWarning(`Count for '${label}' does not exist`);
      return;
    }
    this.#counts.delete(label);
  }
  group(...args) {
    if (args.length) this.log(...args);
    this.#indent += " ".repeat(this.#groupIndentation);
  }
  groupCollapsed(...args) {
    this.group(...args);
  }
  groupEnd() {
    this.#indent = this.#indent.slice(0, this.#indent.length - this.#groupIndentation);
  }
  time(label = "default") {
    label = `${label}`;
    if (this.#timers.has(label)) {
      process.emitWarning(`Label '${label}' already exists for console.time()`);
      return;
    }
    this.#timers.set(label, performance.now());
  }
  timeEnd(label = "default") {
    label = `${label}`;
    if (this.#timeLog(label, "timeEnd", [])) this.#timers.delete(label);
  }
  timeLog(label = "default", ...data) {
    this.#timeLog(`${label}`, "timeLog", data);
  }
  #timeLog(label, fn, data) {
    const t = this.#timers.get(label);
    if (t === undefined) {
      process.emitWarning(`No such label '${label}' for console.${fn}()`);
      return false;
    }
    this.log(`${label}: ${fmtTime(performance.now() - t)}`, ...data);
    return true;
  }
  table(data, properties) {
    if (properties !== undefined && !Array.isArray(properties)) {
      throw Object.assign(new TypeError(`The "properties" argument must be an instance of Array. Received ${typeof properties}`), { code: "ERR_INVALID_ARG_TYPE" });
    }
    if (isPrimitive(data)) return this.log(data);
    const opts = { ...this.#inspectOptions, depth: 1, maxArrayLength: 3, breakLength: Infinity };
    const fmt = (v) => inspect(v, opts);
    const keyFmt = (k) => (typeof k === "string" ? k : fmt(k));
    const mapIter = data instanceof Map ? [...data] : null;
    if (mapIter) {
      const head = ["(iteration index)", "Key", "Values"];
      return this.log(table(head, [mapIter.map((_, i) => String(i)), mapIter.map(([k]) => fmt(k)), mapIter.map(([, v]) => fmt(v))]));
    }
    if (data instanceof Set) {
      const vals = [...data];
      return this.log(table(["(iteration index)", "Values"], [vals.map((_, i) => String(i)), vals.map(fmt)]));
    }
    const keys = Object.keys(data);
    const indexCol = keys.map(keyFmt);
    const cols = new Map();
    const values = [];
    let hasPrimitives = false;
    keys.forEach((k, i) => {
      const item = data[k];
      if (isPrimitive(item)) {
        hasPrimitives = true;
        values[i] = fmt(item);
        return;
      }
      for (const p of properties ?? Object.keys(item)) {
        if (!cols.has(p)) cols.set(p, []);
        if (Object.hasOwn(item, p) || properties) cols.get(p)[i] = Object.hasOwn(item, p) ? fmt(item[p]) : "";
      }
    });
    const head = ["(index)", ...[...cols.keys()].map(keyFmt)];
    const columns = [indexCol, ...cols.values()];
    if (hasPrimitives) {
      head.push("Values");
      columns.push(values);
    }
    this.log(table(head, columns));
  }
  clear() {}
  profile() {}
  profileEnd() {}
  timeStamp() {}
  context() {
    return this;
  }
}

/// The global console (bootstrap.js): writes to whatever process.stdout/stderr are when called.
export const globalConsole = new Console({ stdout: () => process.stdout, stderr: () => process.stderr });
globalConsole.Console = Console;

export function makeConsole() {
  return globalConsole;
}
