// Mount benchmark: `npm run bench`. `cat` of a 100 MB file from a host_dir mount and from an S3
// mount (s3rver on loopback, the test suite's server), and `ls -R` over a 10,000-file host_dir
// mount. Prints figures; asserts nothing.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { AgentOs } from "../index.js";
import { fmtNs, percentiles, row, timeEach } from "./stats.mjs";

const MB = 1024 * 1024;
const big = randomBytes(100 * MB);
const hostBig = mkdtempSync(join(tmpdir(), "agentos-bench-big-"));
writeFileSync(join(hostBig, "big.bin"), big);
const hostTree = mkdtempSync(join(tmpdir(), "agentos-bench-tree-"));
for (let d = 0; d < 100; d++) {
  mkdirSync(join(hostTree, `d${d}`));
  for (let f = 0; f < 100; f++) writeFileSync(join(hostTree, `d${d}`, `f${f}`), "x");
}
const s3Dir = mkdtempSync(join(tmpdir(), "agentos-bench-s3-"));
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: "bench" }] });
const { port } = await server.run();

const vm = await AgentOs.create({
  mounts: [
    { path: "/host", plugin: { id: "host_dir", config: { hostPath: hostBig } }, readOnly: true },
    { path: "/tree", plugin: { id: "host_dir", config: { hostPath: hostTree } }, readOnly: true },
    {
      path: "/s3",
      plugin: { id: "s3", config: { bucket: "bench", endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } } },
    },
  ],
});
try {
  const t0 = process.hrtime.bigint();
  await vm.writeFile("/s3/big.bin", big);
  const upNs = Number(process.hrtime.bigint() - t0);
  row("S3 upload (writeFile, multipart), 100 MB", { time: fmtNs(upNs), throughput: `${(100 / (upNs / 1e9)).toFixed(0)} MB/s` });

  const cat = (path) => async () => {
    const r = await vm.exec(`cat ${path} > /dev/null`);
    if (r.exitCode !== 0) throw new Error(r.stderr);
  };
  for (const [name, path] of [
    ["host_dir", "/host/big.bin"],
    ["S3", "/s3/big.bin"],
  ]) {
    await cat(path)();
    const p50 = percentiles(await timeEach(3, cat(path)), [50]).p50;
    row(`cat of a 100 MB file from ${name}`, { p50: fmtNs(p50), throughput: `${(100 / (p50 / 1e9)).toFixed(0)} MB/s` });
  }

  const ls = async () => {
    const r = await vm.exec("ls -R /tree | wc -l");
    if (r.exitCode !== 0) throw new Error(r.stderr);
  };
  await ls();
  row("ls -R over a 10,000-file host_dir mount", Object.fromEntries(Object.entries(percentiles(await timeEach(5, ls), [50, 95])).map(([k, v]) => [k, fmtNs(v)])));
} finally {
  await vm.dispose();
  await server.close();
  for (const d of [hostBig, hostTree, s3Dir]) rmSync(d, { recursive: true, force: true });
}
