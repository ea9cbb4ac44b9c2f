// Guest `node` benchmark: `npm run bench`. Prints figures; asserts nothing.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AgentOs } from "../index.js";
import { fmtBytes, fmtNs, percentiles, row, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

// The first guest in a fresh host process also initialises V8's platform; the first in a new VM
// pays nothing more than any later one.
{
  const script = `
    const { AgentOs } = await import(${JSON.stringify(new URL("../index.js", import.meta.url).href)});
    const t = [];
    const a = await AgentOs.create();
    for (let i = 0; i < 3; i++) { const s = performance.now(); await a.exec("node -e 1"); t.push(performance.now() - s); }
    const b = await AgentOs.create();
    const s = performance.now(); await b.exec("node -e 1"); t.push(performance.now() - s);
    console.log(JSON.stringify(t));`;
  const { execFileSync } = await import("node:child_process");
  const t = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script]).toString());
  row("first node in a host process / 2nd / new VM", { first: fmtNs(t[0] * 1e6), second: fmtNs(t[1] * 1e6), "first in a 2nd VM": fmtNs(t[3] * 1e6) });
}

const vm = await AgentOs.create();
for (let i = 0; i < 20; i++) await vm.exec("node -e 1");

row('exec("node -e 1"), end to end', fmt(percentiles(await timeEach(300, () => vm.exec("node -e 1")), [50, 95, 99])));

// Time from the process's start to its first line of JS: isolate creation from the snapshot
// plus process setup (performance.now() counts from the guest process's start).
const boot = [];
for (let i = 0; i < 200; i++) {
  const r = await vm.exec("node -p 'performance.now()'");
  boot.push(Number(r.stdout) * 1e6);
}
row("isolate from snapshot to first JS", fmt(percentiles(boot, [50, 95])));

// fs.readFileSync of 4 KB, timed inside the guest.
await vm.writeFile("/tmp/4k", new Uint8Array(4096).fill(97));
const readScript = `
  const fs = require("fs");
  const n = 20000, t = new Float64Array(n);
  for (let i = 0; i < n; i++) { const s = performance.now(); fs.readFileSync("/tmp/4k"); t[i] = performance.now() - s; }
  t.sort();
  console.log(JSON.stringify({ p50: t[n >> 1] * 1e6, p95: t[Math.floor(n * 0.95)] * 1e6 }));`;
await vm.writeFile("/tmp/read.js", readScript);
const reads = JSON.parse((await vm.exec("node /tmp/read.js")).stdout);
row("fs.readFileSync 4 KB, from guest JS", fmt(reads));

// First require of builtins (instantiated on first use, not in the snapshot), each alone in a
// new process, timed inside the guest.
{
  const script = `const m = process.argv[2], s = performance.now(); if (m === "all") { for (const b of require("module").builtinModules) require(b) } else require(m); console.log((performance.now() - s) * 1e6);`;
  await vm.writeFile("/tmp/builtin.js", script);
  const out = {};
  for (const name of ["fs", "util", "url", "http", "zlib", "assert", "crypto", "child_process", "all"]) {
    const samples = [];
    for (let i = 0; i < 20; i++) samples.push(Number((await vm.exec(`node /tmp/builtin.js ${name}`)).stdout));
    out[name] = fmtNs(percentiles(samples, [50]).p50);
  }
  row("first require of a builtin, alone, p50", out);
}

// require("lodash") from the VM's node_modules (copied from the host's).
async function copyTree(from, to) {
  await vm.mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = `${to}/${e.name}`;
    if (e.isDirectory()) await copyTree(src, dst);
    else if (e.isFile()) await vm.writeFile(dst, await readFile(src));
  }
}
const lodash = path.join(root, "node_modules", "lodash");
if (await stat(lodash).catch(() => null)) {
  await copyTree(lodash, "/home/user/app/node_modules/lodash");
  const script = `const s = performance.now(); require("lodash"); console.log((performance.now() - s) * 1e6);`;
  await vm.writeFile("/home/user/app/req.js", script);
  const samples = [];
  for (let i = 0; i < 30; i++) samples.push(Number((await vm.exec("node /home/user/app/req.js")).stdout));
  row('require("lodash"), first in a process', fmt(percentiles(samples, [50, 95])));
} else {
  row('require("lodash")', { skipped: "lodash is not installed" });
}

// Memory held by running, idle node processes.
const n = 50;
globalThis.gc?.();
const before = process.memoryUsage().rss;
const pids = [];
for (let i = 0; i < n; i++) pids.push(vm.spawn("node", ["-e", "setInterval(() => {}, 1000)"]).pid);
await new Promise((r) => setTimeout(r, 1500));
const during = process.memoryUsage().rss;
row(`RSS per idle node process (${n} running)`, { rss: fmtBytes((during - before) / n) });
for (const pid of pids) vm.killProcess(pid);
for (const pid of pids) await vm.waitProcess(pid);
await vm.dispose();
