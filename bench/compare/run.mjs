// The same benchmark against this package and against the published agentOS
// (`@rivet-dev/agentos-core@0.2.21` from npm, installed here under the alias `real-agentos`), in
// one run, alternating rounds so machine noise hits both. Prints a markdown table of ratios
// (real / ours) and writes results.md, results.json and chart.png beside this file, and the
// table into README.md between the `compare:begin`/`compare:end` markers (skip with --no-readme).
//
//   npm run bench:compare            (from the repository root)
//   node bench/compare/run.mjs [--quick] [--no-readme] [--verbose]
//
// --quick: fewer rounds and samples, prints only (writes no file). --verbose: keep the real
// agentOS sidecar's info-level logs on stderr.
//
// Not part of `npm test` or CI; its dependencies live in bench/compare/node_modules only.
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fmtBytes, fmtNs, percentiles, settle, timeEach } from "../stats.mjs";
import { fmtRatio, writeChartPng } from "./chart.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const REAL_VERSION = "0.2.21";
const args = new Set(process.argv.slice(2));

// RSS figures need a collected heap: re-run under --expose-gc when started without it.
if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

// ---- set-up: the bench installs its own dependencies, once ------------------------------------
function ensureInstalled() {
  const realPkg = path.join(here, "node_modules", "real-agentos", "package.json");
  const resvgPkg = path.join(here, "node_modules", "@resvg", "resvg-js", "package.json");
  const ok = existsSync(realPkg) && JSON.parse(readFileSync(realPkg, "utf8")).version === REAL_VERSION && existsSync(resvgPkg);
  if (ok) return;
  console.error("bench/compare: installing its own dependencies (npm install in bench/compare, once)…");
  execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: here, stdio: "inherit" });
}
ensureInstalled();

// The real package forwards its sidecar's stderr (info-level logs) to ours; keep the output
// readable by dropping those lines unless --verbose.
let droppedLogLines = 0;
if (!args.has("--verbose")) {
  const write = process.stderr.write.bind(process.stderr);
  const noise = /^(agentos-v8-runtime: |ts=\S+ level=(info|debug|trace) )/;
  let partial = "";
  process.stderr.write = (chunk, ...rest) => {
    const text = partial + (typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const cut = text.lastIndexOf("\n") + 1;
    partial = text.slice(cut); // decide on whole lines only
    const kept = text
      .slice(0, cut)
      .split(/(?<=\n)/)
      .filter((line) => (noise.test(line) ? (droppedLogLines++, false) : true))
      .join("");
    if (kept) return write(kept, ...rest);
    const cb = rest.find((f) => typeof f === "function");
    if (cb) cb();
    return true;
  };
}

// `--rss-child ours|real K`: in a fresh process (so no allocator reuse from earlier VMs and no
// warm pools from earlier runs), create one VM, then K idle VMs, and print the RSS they added.
const childAt = process.argv.indexOf("--rss-child");
if (childAt > 0) {
  const which = process.argv[childAt + 1];
  const k = Number(process.argv[childAt + 2]);
  const { AgentOs } = which === "ours" ? await import(pathToFileURL(path.join(root, "index.js")).href) : await import("real-agentos");
  const first = await AgentOs.create(); // starts the runtime (ours) or the sidecar (real)
  await settle();
  await new Promise((r) => setTimeout(r, 1000));
  const before = treeRss();
  const vms = [];
  for (let i = 0; i < k; i++) vms.push(await AgentOs.create());
  await settle();
  await new Promise((r) => setTimeout(r, 1000));
  const after = treeRss();
  process.stdout.write(`${JSON.stringify({ perVm: (after.total - before.total) / k, k, before, after })}\n`);
  for (const vm of vms) await vm.dispose();
  await first.dispose();
  process.exit(0);
}

const ours = await import(pathToFileURL(path.join(root, "index.js")).href);
const real = await import("real-agentos");

// ---- machine -----------------------------------------------------------------------------------
function machine() {
  let cpu = os.cpus()[0]?.model ?? "unknown CPU";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpu = m[1].trim();
  } catch {}
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const ram = `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
  return { cpu, cores, ram, node: process.version, line: `${cpu}, ${cores} cores, ${ram}, Node ${process.version}, ${process.platform}/${process.arch}` };
}

// Whether the loaded .node file carries DWARF debug info (our release profile strips it).
function ourBuild() {
  const file = path.join(root, "agentos-core.linux-x64-gnu.node");
  if (!existsSync(file)) return "unknown";
  try {
    const fd = openSync(file, "r");
    const read = (off, len) => {
      const b = Buffer.alloc(len);
      readSync(fd, b, 0, len, off);
      return b;
    };
    const h = read(0, 64);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return (closeSync(fd), "unknown");
    const shoff = Number(h.readBigUInt64LE(0x28));
    const shentsize = h.readUInt16LE(0x3a);
    const shnum = h.readUInt16LE(0x3c);
    const shstrndx = h.readUInt16LE(0x3e);
    const strHdr = read(shoff + shstrndx * shentsize, shentsize);
    const names = read(Number(strHdr.readBigUInt64LE(0x18)), Number(strHdr.readBigUInt64LE(0x20))).toString("latin1");
    closeSync(fd);
    void shnum;
    return names.includes(".debug_info") ? "debug (the .node file has debug info)" : "release (no debug info)";
  } catch {
    return "unknown";
  }
}

// ---- helpers -----------------------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([promise, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(t));
}

// RSS of this process and all its descendants (the real agentOS keeps its VMs in a sidecar child).
function descendants(pid) {
  const out = [];
  let tasks = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    let kids = "";
    try {
      kids = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8");
    } catch {}
    for (const c of kids.trim().split(/\s+/).filter(Boolean)) out.push(Number(c), ...descendants(Number(c)));
  }
  return out;
}
function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
function treeRss() {
  const pids = [process.pid, ...descendants(process.pid)];
  const procs = pids.map((p) => {
    let name = "?";
    try {
      name = readFileSync(`/proc/${p}/comm`, "utf8").trim();
    } catch {}
    return { pid: p, name, rss: rssOf(p) };
  });
  return { total: procs.reduce((a, p) => a + p.rss, 0), procs };
}

// ---- plan --------------------------------------------------------------------------------------
// Per round and side. The real agentOS takes ~0.1–0.6 s for what takes us micro- to milliseconds,
// so it gets fewer samples per round; both get the same rounds, interleaved.
const quick = args.has("--quick");
const ROUNDS = quick ? 2 : 5;
const RSS_ROUNDS = quick ? 1 : 3;
const q = (n) => (quick ? Math.max(2, Math.ceil(n / 4)) : n);
const PAYLOAD = new Uint8Array(4096).fill(120);
const TIMEOUT = 60_000;

const sides = [
  { key: "ours", label: "this package", AgentOs: ours.AgentOs, vm: null, na: {}, summary: {} },
  { key: "real", label: `agentOS ${REAL_VERSION}`, AgentOs: real.AgentOs, vm: null, na: {}, summary: {} },
];

function execMetric(id, label, cmd, expect, n) {
  return {
    id,
    label,
    n,
    async check(side) {
      for (let i = 0; i < (side.key === "real" ? 5 : 20); i++) {
        const r = await withTimeout(side.vm.exec(cmd), TIMEOUT, cmd);
        if (r.exitCode !== 0 || (expect !== null && r.stdout !== expect))
          throw new Error(`\`${cmd}\` gave exit ${r.exitCode}, stdout ${JSON.stringify(r.stdout.slice(0, 60))}, stderr ${JSON.stringify(r.stderr.slice(0, 120))}`);
      }
    },
    run: (side, count) =>
      timeEach(count, async () => {
        const r = await withTimeout(side.vm.exec(cmd), TIMEOUT, cmd);
        if (r.exitCode !== 0) throw new Error(`\`${cmd}\` exited ${r.exitCode}: ${r.stderr.slice(0, 120)}`);
      }),
  };
}

const METRICS = [
  {
    id: "create",
    label: "`AgentOs.create()`",
    n: { ours: q(200), real: q(20) },
    async check() {},
    async run(side, count) {
      const vms = [];
      try {
        return await timeEach(count, async () => {
          vms.push(await withTimeout(side.AgentOs.create(), TIMEOUT, "AgentOs.create()"));
        });
      } finally {
        for (const vm of vms) await vm.dispose();
      }
    },
  },
  execMetric("echo", '`exec("echo hello")`', "echo hello", "hello\n", { ours: q(100), real: q(10) }),
  execMetric("pipeline", "`exec` of a 5-stage pipeline", "echo hello | cat | cat | cat | cat", "hello\n", { ours: q(50), real: q(5) }),
  execMetric("node", '`exec("node -e 1")`', "node -e 1", null, { ours: q(20), real: q(10) }),
  {
    id: "rw",
    label: "`writeFile` + `readFile`, 4 KB",
    n: { ours: q(500), real: q(50) },
    async check(side) {
      await side.vm.writeFile("/tmp/check", PAYLOAD);
      const back = await side.vm.readFile("/tmp/check");
      if (back.length !== PAYLOAD.length || back[100] !== 120) throw new Error(`readFile returned ${back.length} bytes`);
      for (let i = 0; i < 20; i++) {
        await side.vm.writeFile(`/tmp/f${i}`, PAYLOAD);
        await side.vm.readFile(`/tmp/f${i}`);
      }
    },
    run: (side, count) =>
      timeEach(count, async (i) => {
        await side.vm.writeFile(`/tmp/f${i % 100}`, PAYLOAD);
        await side.vm.readFile(`/tmp/f${i % 100}`);
      }),
  },
];
// Idle VMs held at once when measuring RSS: the real ones cost far more each.
const RSS_VMS = { ours: q(5000), real: q(20) };

// ---- run ---------------------------------------------------------------------------------------
const M = machine();
const build = ourBuild();
const started = new Date();
console.log(`agentos-core vs agentOS ${REAL_VERSION} — ${M.line}; our build: ${build}`);
console.log(`${ROUNDS} alternating rounds per metric${quick ? " (--quick)" : ""}\n`);

// Warm both: the first VM starts the runtime (ours) or spawns the sidecar (real).
for (const side of sides) {
  const t0 = process.hrtime.bigint();
  side.vm = await withTimeout(side.AgentOs.create(), 120_000, `${side.label}: first AgentOs.create()`);
  side.firstCreateNs = Number(process.hrtime.bigint() - t0);
  console.log(`${side.label}: first AgentOs.create() (runtime start) ${fmtNs(side.firstCreateNs)}`);
}

for (const m of METRICS) {
  const samples = { ours: [], real: [] };
  for (const side of sides) {
    try {
      await m.check(side);
    } catch (e) {
      side.na[m.id] = e.message;
      console.log(`${side.label}: ${m.label} n/a — ${e.message}`);
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      if (side.na[m.id]) continue;
      await sleep(200); // let the other side's background work (e.g. warm-pool refills) settle
      try {
        samples[side.key].push(...(await m.run(side, m.n[side.key])));
      } catch (e) {
        side.na[m.id] = e.message;
        console.log(`${side.label}: ${m.label} n/a — ${e.message}`);
      }
    }
  }
  for (const side of sides) {
    if (side.na[m.id]) continue;
    side.summary[m.id] = { n: samples[side.key].length, ...percentiles(samples[side.key], [50, 95, 99]) };
  }
  const o = sides[0].summary[m.id];
  const rl = sides[1].summary[m.id];
  console.log(`${m.label.padEnd(34)} ours p50 ${o ? fmtNs(o.p50) : "n/a"}  real p50 ${rl ? fmtNs(rl.p50) : "n/a"}`);
}

// RSS per idle VM: (RSS of the process tree after creating K idle VMs − before) / K, each
// round in a fresh child process, alternating sides.
const rssSamples = { ours: [], real: [] };
const rssTrees = {};
for (let r = 0; r < RSS_ROUNDS; r++) {
  const order = r % 2 === 0 ? sides : [...sides].reverse();
  for (const side of order) {
    if (side.na.rss) continue;
    const child = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--rss-child", side.key, String(RSS_VMS[side.key])], {
      encoding: "utf8",
      timeout: 180_000,
      maxBuffer: 64 << 20,
    });
    const line = child.stdout?.trim().split("\n").pop() ?? "";
    try {
      const res = JSON.parse(line);
      rssSamples[side.key].push(res.perVm);
      rssTrees[side.key] = res;
    } catch {
      side.na.rss = `the RSS child process failed (exit ${child.status}${child.error ? `, ${child.error.message}` : ""}): ${(child.stderr ?? "").trim().split("\n").slice(-3).join(" | ").slice(0, 300)}`;
    }
  }
}
for (const side of sides) {
  const s = rssSamples[side.key];
  if (!s.length) continue;
  const med = [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)];
  side.summary.rss = { n: s.length, perVm: med, all: s, k: RSS_VMS[side.key] };
  if (!(med > 0)) side.na.rss = `RSS did not grow measurably with ${RSS_VMS[side.key]} idle VMs`;
  console.log(`RSS per idle VM, ${side.label}: ${s.map(fmtBytes).join(", ")} (median ${fmtBytes(med)})`);
}

for (const side of sides) await side.vm.dispose();

// ---- table -------------------------------------------------------------------------------------
const ratioCell = (x) => (Number.isFinite(x) ? `**${fmtRatio(x)}×**` : "n/a");
const rows = [];
const latency = (id, p, label, short) => {
  const [o, rl] = sides.map((s) => (s.na[id] ? null : s.summary[id]?.[p]));
  rows.push({ label, short, ours: o == null ? "n/a" : fmtNs(o), real: rl == null ? "n/a" : fmtNs(rl), ratio: o != null && rl != null ? rl / o : NaN });
};
latency("create", "p50", "`AgentOs.create()` p50", "create() p50");
latency("create", "p95", "`AgentOs.create()` p95", "create() p95");
latency("create", "p99", "`AgentOs.create()` p99", "create() p99");
latency("echo", "p50", '`exec("echo hello")` p50', "exec echo hello p50");
latency("pipeline", "p50", "`exec` 5-stage pipeline p50", "5-stage pipeline p50");
latency("node", "p50", '`exec("node -e 1")` p50', "node -e 1 p50");
latency("rw", "p50", "`writeFile` + `readFile` 4 KB p50", "writeFile+readFile 4 KB p50");
{
  const [o, rl] = sides.map((s) => (s.na.rss ? null : s.summary.rss?.perVm));
  rows.push({ label: "RSS per idle VM", short: "RSS per idle VM", ours: o == null ? "n/a" : fmtBytes(o), real: rl == null ? "n/a" : fmtBytes(rl), ratio: o && rl ? rl / o : NaN });
  const gib = 2 ** 30;
  const per = (x) => Math.floor(gib / x).toLocaleString("en-US");
  rows.push({ label: "VMs per GiB of RSS", short: "VMs per GiB", ours: o ? per(o) : "n/a", real: rl ? per(rl) : "n/a", ratio: o && rl ? rl / o : NaN });
}

const table = [
  `| Metric | this package | agentOS ${REAL_VERSION} | real / ours |`,
  "|---|---:|---:|---:|",
  ...rows.map((r) => `| ${r.label} | ${r.ours} | ${r.real} | ${ratioCell(r.ratio)} |`),
].join("\n");
const dateStr = started.toISOString().slice(0, 10);
const machineLine = `${dateStr} · ${M.line} · our build: ${build}`;

const notes = [];
for (const side of sides) for (const [id, why] of Object.entries(side.na)) notes.push(`- ${side.label}, ${METRICS.find((m) => m.id === id)?.label ?? "RSS per idle VM"}: n/a — ${why}`);
notes.push(
  "- Both packages are driven through the same calls: `AgentOs.create()`, `vm.exec(command)`, `vm.writeFile`, `vm.readFile`, `vm.dispose()` (the real one marks `vm.exec` deprecated in favour of `vm.process.exec`, which returns no stdout).",
  `- Ratio = real / ours: how many times faster (latency) or smaller (RSS) this package is; for VMs per GiB, ours / real. ${ROUNDS} rounds per metric alternate the two packages in one process; samples per round: ${METRICS.map((m) => `${m.id} ${m.n.ours}/${m.n.real}`).join(", ")} (ours/real).`,
  `- RSS per idle VM = (RSS after creating K idle VMs − before) / K, summed over the node process and its descendants (the real agentOS keeps its VMs in its \`agentos-sidecar\` child process), each round in a fresh process after one VM has started the runtime; K = ${RSS_VMS.ours} (ours) / ${RSS_VMS.real} (real), median of ${RSS_ROUNDS} rounds.`,
);
{
  const fixed = sides
    .filter((side) => rssTrees[side.key])
    .map((side) => `${side.label}: ${rssTrees[side.key].before.procs.map((p) => `${p.name} ${fmtBytes(p.rss)}`).join(" + ")}`);
  if (fixed.length) notes.push(`- Fixed cost, not in the per-VM figure (RSS of the fresh process tree holding one VM, in the last round): ${fixed.join("; ")}.`);
}
notes.push(`- First \`AgentOs.create()\` in the process (runtime start), not in the table: ours ${fmtNs(sides[0].firstCreateNs)}, real ${fmtNs(sides[1].firstCreateNs)}.`);

const detail = [
  "| Metric | side | samples | p50 | p95 | p99 |",
  "|---|---|---:|---:|---:|---:|",
  ...METRICS.flatMap((m) =>
    sides.map((s) => {
      const x = s.summary[m.id];
      return x && !s.na[m.id] ? `| ${m.label} | ${s.label} | ${x.n} | ${fmtNs(x.p50)} | ${fmtNs(x.p95)} | ${fmtNs(x.p99)} |` : `| ${m.label} | ${s.label} | – | n/a | n/a | n/a |`;
    }),
  ),
].join("\n");

const md = [
  `# This package vs the real agentOS (\`@rivet-dev/agentos-core@${REAL_VERSION}\`)`,
  "",
  `Generated by \`npm run bench:compare\` (bench/compare/run.mjs) on ${machineLine}.`,
  "",
  table,
  "",
  ...notes,
  "",
  "## All percentiles",
  "",
  detail,
  "",
].join("\n");

console.log(`\n${machineLine}\n\n${table}\n\n${notes.join("\n")}\n`);
if (quick) {
  console.log("--quick: a smoke run; results.md, results.json, chart.png and README.md are left as they were");
  process.exit(0);
}
writeFileSync(path.join(here, "results.md"), md);
writeFileSync(
  path.join(here, "results.json"),
  JSON.stringify({ date: started.toISOString(), machine: M, build, realVersion: REAL_VERSION, rows, summary: Object.fromEntries(sides.map((s) => [s.key, s.summary])), na: Object.fromEntries(sides.map((s) => [s.key, s.na])) }, null, 2) + "\n",
);

await writeChartPng(path.join(here, "chart.png"), {
  title: `agentos-core (this repo) vs agentOS ${REAL_VERSION}: times faster / smaller`,
  subtitle: machineLine,
  rows: rows.map((r) => ({ label: r.short, ratio: r.ratio, detail: `${r.ours} vs ${r.real}` })),
});
console.log("wrote bench/compare/results.md, results.json, chart.png");

// README: replace the table between the markers, so the README never carries hand-typed numbers.
if (!args.has("--no-readme")) {
  const readmePath = path.join(root, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const begin = "<!-- compare:begin (generated by npm run bench:compare; do not edit) -->";
  const end = "<!-- compare:end -->";
  const a = readme.indexOf(begin);
  const b = readme.indexOf(end);
  if (a >= 0 && b > a) {
    const block = `${begin}\n${table}\n\nMeasured ${machineLine}.\n${end}`;
    writeFileSync(readmePath, readme.slice(0, a) + block + readme.slice(b + end.length));
    console.log("updated the table in README.md");
  }
}
if (droppedLogLines) console.error(`(${droppedLogLines} info-level log lines from the real agentOS's sidecar were hidden; --verbose shows them)`);
process.exit(0);
