// Processes and shell benchmark: `npm run bench`. Prints figures; asserts nothing.
import { AgentOs } from "../index.js";
import { fmtNs, percentiles, row, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));

const vm = await AgentOs.create();
// Warm up.
for (let i = 0; i < 200; i++) await vm.exec("echo hello");

row('exec("echo hello"), warm VM', fmt(percentiles(await timeEach(5_000, () => vm.exec("echo hello")), [50, 95, 99])));
row("exec of a 5-stage pipeline", fmt(percentiles(await timeEach(1_000, () => vm.exec("echo hello | cat | cat | cat | cat")), [50, 95])));
row("exec of a 5-stage builtin pipeline", fmt(percentiles(await timeEach(1_000, () => vm.exec("echo a | { read x; echo $x; } | { read x; echo $x; } | { read x; echo $x; } | { read x; echo $x; }")), [50, 95])));

const n = 2_000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) {
  const { pid } = vm.spawn("true", []);
  await vm.waitProcess(pid);
}
const dt = Number(process.hrtime.bigint() - t0) / 1e9;
row("spawn + waitProcess", { rate: `${Math.round(n / dt)}/s` });

// Pipe throughput: 256 MB through a pipe between two processes.
const size = 256 * 1024 * 1024;
await vm.writeFile("/tmp/big", new Uint8Array(size));
await vm.exec("cat /tmp/big | cat > /dev/null");
const pipeSamples = await timeEach(5, () => vm.exec("cat /tmp/big | cat > /dev/null"));
const p50 = percentiles(pipeSamples, [50]).p50;
row("pipe throughput (cat | cat, 256 MB)", { p50: fmtNs(p50), throughput: `${(size / (p50 / 1e9) / 1e9).toFixed(2)} GB/s` });
await vm.dispose();
