// `perf_hooks`: the global `performance` (./internal/globals.js), PerformanceObserver, and
// histograms. monitorEventLoopDelay samples the delay of a timer that fires every `resolution` ms.

import { performance, Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure, PerformanceResourceTiming, observers } from "./internal/globals.js";
import * as timers from "./internal/timers.js";
import { fixNames } from "./internal/names.js";

function invalidArgType(name, expected, value) {
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? "null" : typeof value}`), { code: "ERR_INVALID_ARG_TYPE" });
}

const SUPPORTED = ["function", "mark", "measure"];

export class PerformanceObserverEntryList {
  #entries;
  constructor(entries) {
    // In start-time order, as Node lists them.
    this.#entries = entries.slice().sort((a, b) => a.startTime - b.startTime);
  }
  getEntries() {
    return this.#entries.slice();
  }
  getEntriesByType(type) {
    return this.#entries.filter((e) => e.entryType === type);
  }
  getEntriesByName(name, type) {
    return this.#entries.filter((e) => e.name === name && (type === undefined || e.entryType === type));
  }
}

export class PerformanceObserver {
  #callback;
  #types = new Set();
  #buffer = [];
  #scheduled = false;
  constructor(callback) {
    if (typeof callback !== "function") throw invalidArgType("callback", "of type function", callback);
    this.#callback = callback;
  }
  static get supportedEntryTypes() {
    return SUPPORTED.slice();
  }
  observe(options = {}) {
    const { entryTypes, type, buffered } = options;
    if (entryTypes !== undefined && type !== undefined) {
      throw Object.assign(new TypeError('The "options.entryTypes" and "options.type" properties are mutually exclusive'), { code: "ERR_INVALID_ARG_VALUE" });
    }
    const types = entryTypes ?? (type !== undefined ? [type] : undefined);
    if (!Array.isArray(types)) throw invalidArgType("options.entryTypes", "an instance of Array", types);
    for (const t of types) if (SUPPORTED.includes(t)) this.#types.add(t);
    observers.add(this);
    if (buffered) for (const e of performance.getEntries()) this._enqueue(e);
  }
  disconnect() {
    observers.delete(this);
    this.#types.clear();
    this.#buffer = [];
  }
  takeRecords() {
    const r = this.#buffer;
    this.#buffer = [];
    return r;
  }
  _enqueue(entry) {
    if (!this.#types.has(entry.entryType)) return;
    this.#buffer.push(entry);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Delivered in a batch after the current task, as Node does.
    timers.setImmediate(() => {
      this.#scheduled = false;
      const list = this.takeRecords();
      if (list.length) this.#callback(new PerformanceObserverEntryList(list), this);
    });
  }
}
Object.defineProperty(PerformanceObserver.prototype, "_enqueue", { enumerable: false });

// --- histograms -------------------------------------------------------------------------------

export class Histogram {
  #values = [];
  #min = 9223372036854776000;
  #max = 0;
  #sum = 0;
  #exceeds = 0;
  _add(v) {
    this.#values.push(v);
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
    this.#sum += v;
  }
  get count() {
    return this.#values.length;
  }
  get countBigInt() {
    return BigInt(this.#values.length);
  }
  get min() {
    return this.#min;
  }
  get minBigInt() {
    return BigInt(Math.round(this.#min));
  }
  get max() {
    return this.#max;
  }
  get maxBigInt() {
    return BigInt(Math.round(this.#max));
  }
  get mean() {
    return this.#values.length ? this.#sum / this.#values.length : NaN;
  }
  get stddev() {
    const n = this.#values.length;
    if (!n) return NaN;
    const m = this.mean;
    return Math.sqrt(this.#values.reduce((a, v) => a + (v - m) ** 2, 0) / n);
  }
  get exceeds() {
    return this.#exceeds;
  }
  get exceedsBigInt() {
    return BigInt(this.#exceeds);
  }
  percentile(p) {
    if (typeof p !== "number" || !(p > 0 && p <= 100)) {
      throw Object.assign(new RangeError(`The value of "percentile" is out of range. It must be > 0 && <= 100. Received ${p}`), { code: "ERR_OUT_OF_RANGE" });
    }
    if (!this.#values.length) return 0;
    const sorted = this.#values.slice().sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  }
  percentileBigInt(p) {
    return BigInt(Math.round(this.percentile(p)));
  }
  get percentiles() {
    const m = new Map();
    if (!this.#values.length) {
      m.set(100, 0);
      return m;
    }
    for (const p of [0, 50, 75, 87.5, 93.75, 96.875, 98.4375, 99.21875, 100]) m.set(p, p === 0 ? this.#min : this.percentile(p));
    return m;
  }
  get percentilesBigInt() {
    return new Map([...this.percentiles].map(([k, v]) => [k, BigInt(Math.round(v))]));
  }
  reset() {
    this.#values = [];
    this.#min = 9223372036854776000;
    this.#max = 0;
    this.#sum = 0;
    this.#exceeds = 0;
  }
  toJSON() {
    return { count: this.count, min: this.min, max: this.max, mean: this.mean, exceeds: this.exceeds, stddev: this.stddev, percentiles: Object.fromEntries(this.percentiles) };
  }
}
Object.defineProperty(Histogram.prototype, "_add", { enumerable: false });

export class RecordableHistogram extends Histogram {
  #last;
  record(val) {
    if (typeof val === "bigint") val = Number(val);
    if (typeof val !== "number") throw invalidArgType("val", "of type number or bigint", val);
    if (val < 1) throw Object.assign(new RangeError(`The value of "val" is out of range. It must be >= 1. Received ${val}`), { code: "ERR_OUT_OF_RANGE" });
    this._add(val);
  }
  recordDelta() {
    const t = performance.now();
    if (this.#last !== undefined) this._add(Math.max(1, Math.round((t - this.#last) * 1e6)));
    this.#last = t;
  }
}

export function createHistogram(options = {}) {
  return new RecordableHistogram(options);
}

/// An IntervalHistogram of event-loop delays in ns: a timer every `resolution` ms records how late
/// it fired. The timer is unref'd, so monitoring does not keep the process alive.
export function monitorEventLoopDelay(options = {}) {
  const resolution = options?.resolution ?? 10;
  if (typeof resolution !== "number" || resolution < 1) {
    throw Object.assign(new RangeError(`The value of "options.resolution" is out of range. It must be >= 1. Received ${resolution}`), { code: "ERR_OUT_OF_RANGE" });
  }
  const h = new Histogram();
  let timer = null;
  let last = 0;
  return Object.assign(h, {
    enable() {
      if (timer) return false;
      last = performance.now();
      timer = timers.setInterval(() => {
        const t = performance.now();
        h._add(Math.max(1, Math.round((t - last - resolution) * 1e6)));
        last = t;
      }, resolution);
      timer.unref();
      return true;
    },
    disable() {
      if (!timer) return false;
      timers.clearInterval(timer);
      timer = null;
      return true;
    },
  });
}

export const constants = {
  NODE_PERFORMANCE_GC_MAJOR: 4,
  NODE_PERFORMANCE_GC_MINOR: 1,
  NODE_PERFORMANCE_GC_INCREMENTAL: 8,
  NODE_PERFORMANCE_GC_WEAKCB: 16,
  NODE_PERFORMANCE_GC_FLAGS_NO: 0,
  NODE_PERFORMANCE_GC_FLAGS_CONSTRUCT_RETAINED: 2,
  NODE_PERFORMANCE_GC_FLAGS_FORCED: 4,
  NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING: 8,
  NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE: 16,
  NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY: 32,
  NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE: 64,
};

// Made by performance.markResourceTiming (fetch), in ./internal/globals.js.
export { PerformanceResourceTiming };

export default fixNames({
  Performance,
  performance,
  PerformanceEntry,
  PerformanceMark,
  PerformanceMeasure,
  PerformanceObserver,
  PerformanceObserverEntryList,
  PerformanceResourceTiming,
  monitorEventLoopDelay,
  createHistogram,
  constants,
});
