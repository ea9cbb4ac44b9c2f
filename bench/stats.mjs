// Shared helpers for the benchmarks: timing and percentiles. Benchmarks print; they never assert.

export function percentiles(samplesNs, ps = [50, 95, 99]) {
  const sorted = Float64Array.from(samplesNs).sort();
  const out = {};
  for (const p of ps) {
    const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
    out[`p${p}`] = sorted[i];
  }
  return out;
}

export function fmtNs(ns) {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function fmtBytes(b) {
  if (b < 1024) return `${b.toFixed(0)} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${(b / 1024 / 1024).toFixed(1)} MB`;
}

export async function timeEach(n, fn) {
  const samples = new Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  return samples;
}

export function row(name, figures) {
  const cells = Object.entries(figures).map(([k, v]) => `${k} ${v}`);
  console.log(`${name.padEnd(44)} ${cells.join("  ")}`);
}

export async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 10));
  }
}
