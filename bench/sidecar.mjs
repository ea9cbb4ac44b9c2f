// Explicit sidecars benchmark: `npm run bench`. Prints figures; asserts nothing.
import { readFileSync } from "node:fs";
import { AgentOs } from "../index.js";
import { fmtBytes, fmtNs, percentiles, row, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));
/** Resident set size of an OS process, from /proc (Linux). */
const rss = (pid) => {
  try {
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    return fmtBytes(kb * 1024);
  } catch {
    return "n/a";
  }
};

// createSidecar(): a worker thread, a node process and the addon loaded in it.
const started = [];
row("AgentOs.createSidecar()", fmt(percentiles(await timeEach(10, async () => started.push(await AgentOs.createSidecar())), [50, 95])));
const sidecar = started.pop();
await Promise.all(started.map((s) => s.dispose()));
row("sidecar process RSS, idle", { rss: rss(sidecar.pid) });

const placement = { sidecar: { kind: "explicit", handle: sidecar } };
const vms = [];
row("AgentOs.create() in a sidecar", fmt(percentiles(await timeEach(500, async () => vms.push(await AgentOs.create(placement))), [50, 95])));
row("sidecar process RSS, 500 idle VMs", { rss: rss(sidecar.pid) });
for (const vm of vms.splice(1)) await vm.dispose();

const remote = vms[0];
const local = await AgentOs.create();
for (let i = 0; i < 200; i++) {
  await remote.exec("echo hello");
  await local.exec("echo hello");
}
row('exec("echo hello"), in-process', fmt(percentiles(await timeEach(2_000, () => local.exec("echo hello")), [50, 95])));
row('exec("echo hello"), in a sidecar', fmt(percentiles(await timeEach(2_000, () => remote.exec("echo hello")), [50, 95])));
row("listProcesses (a sync call), in a sidecar", fmt(percentiles(await timeEach(2_000, () => remote.listProcesses()), [50, 95])));
await remote.writeFile("/tmp/f", "x");
row("readFile, in a sidecar", fmt(percentiles(await timeEach(2_000, () => remote.readFile("/tmp/f")), [50, 95])));
row("sidecar process RSS, after the runs", { rss: rss(sidecar.pid) });

await local.dispose();
await sidecar.dispose();
