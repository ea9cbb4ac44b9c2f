// VM and filesystem benchmark: `npm run bench`. Prints figures; asserts nothing.
import { AgentOs } from "../index.js";
import { fmtBytes, fmtNs, percentiles, row, settle, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));

console.log(`agentOS core benchmark — node ${process.version}, ${process.platform}/${process.arch}`);

// Warm up the sidecar (first VM creates the runtime and the template tree).
await (await AgentOs.create()).dispose();

// AgentOs.create() over 10,000 VMs, kept alive so RSS per idle VM can be measured too.
await settle();
const rssBefore = process.memoryUsage().rss;
const vms = [];
const createSamples = await timeEach(10_000, async () => {
  vms.push(await AgentOs.create());
});
await settle();
const rssAfter = process.memoryUsage().rss;
row("AgentOs.create() (10,000 VMs)", fmt(percentiles(createSamples)));
row("RSS per idle VM (10,000 VMs)", { rss: fmtBytes((rssAfter - rssBefore) / vms.length) });
await Promise.all(vms.map((vm) => vm.dispose()));
vms.length = 0;

// writeFile + readFile of 4 KB on a warm VM.
const vm = await AgentOs.create();
const payload = new Uint8Array(4096).fill(120);
for (let i = 0; i < 200; i++) {
  await vm.writeFile("/tmp/warm", payload);
  await vm.readFile("/tmp/warm");
}
const rwSamples = await timeEach(5_000, async (i) => {
  await vm.writeFile(`/tmp/f${i % 100}`, payload);
  await vm.readFile(`/tmp/f${i % 100}`);
});
row("writeFile + readFile, 4 KB", fmt(percentiles(rwSamples, [50, 95])));

// readdirRecursive over 10,000 files (100 directories of 100 files).
const entries = [];
for (let d = 0; d < 100; d++) for (let f = 0; f < 100; f++) entries.push({ path: `/home/user/tree/d${d}/f${f}`, content: "x" });
await vm.writeFiles(entries);
const walkSamples = await timeEach(20, () => vm.readdirRecursive("/home/user/tree"));
row("readdirRecursive, 10,000 files", fmt(percentiles(walkSamples, [50, 95])));

// Large file round trip.
const big = new Uint8Array(64 * 1024 * 1024);
const bigSamples = await timeEach(5, async () => {
  await vm.writeFile("/tmp/big", big);
  await vm.readFile("/tmp/big");
});
const p50 = percentiles(bigSamples, [50]).p50;
row("writeFile + readFile, 64 MB", { p50: fmtNs(p50), throughput: `${((2 * big.length) / (p50 / 1e9) / 1e9).toFixed(2)} GB/s` });
await vm.dispose();
