// `limits`: each bound is exceeded by a guest in VM A (set small there), which gets a clear
// error; the host and VM B (defaults) carry on. Then the documented defaults of src/vm/limits.rs.
import { afterEach, describe, expect, it } from "vitest";
import { AgentOs, type Limits } from "../index.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const T = 60_000;

let vms: AgentOs[] = [];
afterEach(async () => {
  await Promise.all(vms.map((v) => v.dispose()));
  vms = [];
});

/** VM A with `limits`, VM B with the defaults. */
async function pair(limits: Limits): Promise<[AgentOs, AgentOs]> {
  const a = await AgentOs.create({ limits });
  vms.push(a);
  const b = await AgentOs.create();
  vms.push(b);
  return [a, b];
}

/** The host still runs JS, A still runs commands (when `a` is given), and B is fine. */
async function healthy(a: AgentOs | undefined, b: AgentOs, withNode = false) {
  const ticks = await new Promise<number>((resolve) => {
    let n = 0;
    const t = setInterval(() => {
      if (++n === 3) {
        clearInterval(t);
        resolve(n);
      }
    }, 1);
  });
  expect(ticks).toBe(3);
  if (a) expect(await a.exec("echo ok")).toEqual({ exitCode: 0, stdout: "ok\n", stderr: "" });
  expect(await b.exec("echo hi")).toEqual({ exitCode: 0, stdout: "hi\n", stderr: "" });
  if (withNode) expect(await b.exec(`node -p '6 * 7'`)).toEqual({ exitCode: 0, stdout: "42\n", stderr: "" });
}

/** Opens /dev/null until the guest's node fails; prints how many it opened and the error. */
const OPEN_UNTIL_FAIL = `node -e 'const fs = require("fs"); const fds = []; try { for (let i = 0; i < 5000; i++) fds.push(fs.openSync("/dev/null")); console.log(fds.length, "no error") } catch (e) { console.log(fds.length, e.code, e.errno, e.message); process.exit(1) }'`;

/**
 * Pipe back-pressure probe. The writer writes 1 KiB chunks to stdout (a pipe), recording after
 * each write how many bytes the pipe accepted; the reader does not read until that count reaches
 * `argv[1]`, waits a little longer, notes the count, then reads everything.
 */
const PIPE_WRITER = `
const fs = require("fs");
const chunk = Buffer.alloc(1024, 120);
const total = Number(process.argv[2]);
let n = 0;
while (n < total) { fs.writeSync(1, chunk); n += chunk.length; fs.writeFileSync("/tmp/count", String(n)); }
fs.writeSync(2, "writer done " + n + "\\n");
`;
const PIPE_READER = `
const fs = require("fs");
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const count = () => { try { return Number(fs.readFileSync("/tmp/count", "utf8")) } catch { return 0 } };
const until = Number(process.argv[2]);
while (count() < until) sleep(10);
sleep(300);
const before = count();
let total = 0; const buf = Buffer.alloc(65536); let k;
while ((k = fs.readSync(0, buf)) > 0) total += k;
console.log("accepted before reading:", before, "read:", total);
`;
async function pipeProbe(vm: AgentOs, total: number, until: number) {
  await vm.writeFile("/tmp/w.js", PIPE_WRITER);
  await vm.writeFile("/tmp/r.js", PIPE_READER);
  return vm.exec(`rm -f /tmp/count; node /tmp/w.js ${total} | node /tmp/r.js ${until}`, { timeout: T });
}

describe("each limit stops a guest that exceeds it; the host and another VM carry on", () => {
  it("memoryMb: a node process that allocates past it is stopped (exit 137)", async () => {
    const [a, b] = await pair({ memoryMb: 32 });
    // While A's guest grows its heap, B runs node.
    const [r, rb] = await Promise.all([
      a.exec(`node -e "const a = []; for (;;) a.push(new Array(1e6).fill(1))"`, { timeout: T }),
      b.exec(`node -p '"b runs"'`, { timeout: T }),
    ]);
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toBe("node: memory limit exceeded (limits.memoryMb = 32): JavaScript heap out of memory; process stopped\n");
    expect(rb).toEqual({ exitCode: 0, stdout: "b runs\n", stderr: "" });
    // About 48 MB of arrays: too much for A, fine for B's default 128 MiB.
    const grow = `node -e "const a = []; for (let i = 0; i < 6; i++) a.push(new Array(1e6).fill(i)); console.log(a.length)"`;
    expect(await b.exec(grow, { timeout: T })).toEqual({ exitCode: 0, stdout: "6\n", stderr: "" });
    expect((await a.exec(grow, { timeout: T })).exitCode).toBe(137);
    expect(await a.exec(`node -p '"still here"'`, { timeout: T })).toEqual({ exitCode: 0, stdout: "still here\n", stderr: "" });
    await healthy(a, b, true);
  }, T);

  it("cpuTimeMs: an endless loop is stopped (exit 137)", async () => {
    const [a, b] = await pair({ cpuTimeMs: 300 });
    const [r, rb] = await Promise.all([
      a.exec(`node -e 'while (true) {}'`, { timeout: T }),
      b.exec(`node -p '"b runs"'`, { timeout: T }),
    ]);
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toBe("node: CPU time limit exceeded (limits.cpuTimeMs = 300); process stopped\n");
    expect(rb).toEqual({ exitCode: 0, stdout: "b runs\n", stderr: "" });
    expect(await a.exec(`node -p '1 + 1'`, { timeout: T })).toEqual({ exitCode: 0, stdout: "2\n", stderr: "" });
    await healthy(a, b, true);
  }, T);

  it("maxProcesses: starting one process too many stops the session (exit 137)", async () => {
    const [a, b] = await pair({ maxProcesses: 8 });
    const r = await a.exec("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done", { timeout: T });
    expect(r.exitCode).toBe(137);
    // The shell, and sometimes also a background subshell racing it for the last slot, says so.
    const line = "sh: line 1: fork: Resource temporarily unavailable (agentOS: limits.maxProcesses = 8 reached; stopping this session)\n";
    expect(r.stderr.startsWith(line)).toBe(true);
    expect(r.stderr.split(line).join("")).toBe("");
    // The stopped session's processes are gone: A runs background jobs again (each `cmd &` is
    // a subshell plus the command here, so three jobs and the shell are 7 processes).
    expect(await a.exec("for i in 1 2 3; do sleep 0.05 & done; wait; echo waited", { timeout: T })).toEqual({
      exitCode: 0,
      stdout: "waited\n",
      stderr: "",
    });
    expect(await b.exec("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 0.05 & done; wait; echo waited", { timeout: T })).toEqual({
      exitCode: 0,
      stdout: "waited\n",
      stderr: "",
    });
    await healthy(a, b);
  }, T);

  it("maxOpenFiles: opening past it is EMFILE", async () => {
    const [a, b] = await pair({ maxOpenFiles: 16 });
    const r = await a.exec(OPEN_UNTIL_FAIL, { timeout: T });
    // 16 descriptors: stdin, stdout, stderr and 13 more.
    expect(r).toEqual({ exitCode: 1, stdout: "13 EMFILE -24 EMFILE: too many open files, open '/dev/null'\n", stderr: "" });
    const many = `node -e 'const fs = require("fs"); const fds = []; for (let i = 0; i < 100; i++) fds.push(fs.openSync("/dev/null")); console.log(fds.length)'`;
    expect(await b.exec(many, { timeout: T })).toEqual({ exitCode: 0, stdout: "100\n", stderr: "" });
    await healthy(a, b);
  }, T);

  it("maxOutputBytes: endless output is stopped (SIGXFSZ, exit 153) with at most the limit kept", async () => {
    const [a, b] = await pair({ maxOutputBytes: 4096 });
    const r = await a.exec("yes", { timeout: T });
    expect(r.exitCode).toBe(128 + 25);
    expect(r.stdout.length).toBeLessThanOrEqual(4096);
    expect(r.stderr).toBe("yes: output limit exceeded (limits.maxOutputBytes = 4096); process stopped\n");
    const rb = await b.exec("head -c 100000 /dev/zero", { timeout: T });
    expect(rb.exitCode).toBe(0);
    expect(rb.stdout.length).toBe(100000);
    await healthy(a, b);
  }, T);

  it("maxFileBytes: growing one file past it is EFBIG", async () => {
    const [a, b] = await pair({ maxFileBytes: 4096 });
    const node = `node -e 'try { require("fs").writeFileSync("/tmp/g", Buffer.alloc(5000)); console.log("written") } catch (e) { console.log(e.code, e.errno, e.syscall, e.message); process.exit(3) }'`;
    expect(await a.exec(node, { timeout: T })).toEqual({ exitCode: 3, stdout: "EFBIG -27 write EFBIG: file too large, write\n", stderr: "" });
    expect(await a.exec("head -c 5000 /dev/zero > /tmp/f; echo status=$?", { timeout: T })).toEqual({
      exitCode: 0,
      stdout: "status=1\n",
      stderr: "head: write error: File too large\n",
    });
    // Up to the limit is fine.
    expect(await a.exec("head -c 4096 /dev/zero > /tmp/f; wc -c < /tmp/f", { timeout: T })).toEqual({ exitCode: 0, stdout: "4096\n", stderr: "" });
    expect(await b.exec(node, { timeout: T })).toEqual({ exitCode: 0, stdout: "written\n", stderr: "" });
    await healthy(a, b);
  }, T);

  it("maxFsBytes: filling the VM's filesystem is ENOSPC, and freeing space makes room again", async () => {
    const [a, b] = await pair({ maxFsBytes: 1 * MiB });
    const fill = `node -e 'const fs = require("fs"); const fd = fs.openSync("/tmp/fill", "w"); let n = 0; try { for (let i = 0; i < 64; i++) n += fs.writeSync(fd, Buffer.alloc(64 * 1024)); console.log("wrote", n) } catch (e) { console.log(n, e.code, e.errno, e.syscall, e.message); process.exit(2) }'`;
    const r = await a.exec(fill, { timeout: T });
    expect(r).toEqual({ exitCode: 2, stdout: `${1 * MiB} ENOSPC -28 write ENOSPC: no space left on device, write\n`, stderr: "" });
    expect(await a.exec("echo more > /tmp/more", { timeout: T })).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "sh: line 1: echo: write error: No space left on device\n",
    });
    expect(await a.exec("rm /tmp/fill; echo more > /tmp/more; cat /tmp/more", { timeout: T })).toEqual({ exitCode: 0, stdout: "more\n", stderr: "" });
    expect(await b.exec(fill, { timeout: T })).toEqual({ exitCode: 0, stdout: `wrote ${4 * MiB}\n`, stderr: "" });
    await healthy(a, b);
  }, T);

  it("maxPipeBytes: a pipe accepts that many bytes, then its writer waits until they are read", async () => {
    const [a, b] = await pair({ maxPipeBytes: 8 * KiB });
    // A's writer is held at 8 KiB while its reader does not read; it finishes once it does.
    expect(await pipeProbe(a, 20 * KiB, 8 * KiB)).toEqual({
      exitCode: 0,
      stdout: `accepted before reading: ${8 * KiB} read: ${20 * KiB}\n`,
      stderr: `writer done ${20 * KiB}\n`,
    });
    // B's pipe (64 KiB) takes all 20 KiB without a read.
    expect(await pipeProbe(b, 20 * KiB, 20 * KiB)).toEqual({
      exitCode: 0,
      stdout: `accepted before reading: ${20 * KiB} read: ${20 * KiB}\n`,
      stderr: `writer done ${20 * KiB}\n`,
    });
    await healthy(a, b);
  }, T);
});

describe("live output to a busy host", () => {
  it("a guest's live output waits while maxPipeBytes are on their way to a host whose JS thread is busy", async () => {
    const vm = await AgentOs.create({ limits: { maxPipeBytes: 64 * KiB } });
    vms.push(vm);
    const { pid } = vm.spawn("yes", ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]);
    let received = 0;
    // The bytes of the first batch delivered after the block: a batch is one call from the
    // native side, and a microtask queued in it runs when that call returns.
    let blocked = false;
    let firstBatch = -1;
    vm.onProcessStdout(pid, (d) => {
      if (blocked && firstBatch === -1) {
        firstBatch = 0;
        const start = received;
        queueMicrotask(() => (firstBatch = received - start));
      }
      received += d.length;
    });
    while (received < 1 * MiB) await new Promise((r) => setTimeout(r, 5));
    // The JS thread is blocked for 300 ms: without flow control, `yes` would queue megabytes of
    // events meanwhile. With it, one budget (and a chunk past it) is all that waits.
    const until = Date.now() + 300;
    while (Date.now() < until);
    blocked = true;
    while (firstBatch <= 0) await new Promise((r) => setTimeout(r, 5));
    expect(firstBatch).toBeLessThanOrEqual(4 * 64 * KiB);
    // And it goes on at full speed once the host listens again.
    const again = received;
    while (received < again + 1 * MiB) await new Promise((r) => setTimeout(r, 5));
    vm.killProcess(pid);
    expect(await vm.waitProcess(pid)).toBe(137);
  }, T);
});

describe("the documented defaults (src/vm/limits.rs)", () => {
  it("memoryMb 128, cpuTimeMs unbounded, maxProcesses 256, maxOpenFiles 1024", async () => {
    const vm = await AgentOs.create();
    vms.push(vm);
    const mem = await vm.exec(`node -e "const a = []; for (;;) a.push(new Array(1e6).fill(1))"`, { timeout: T });
    expect(mem.exitCode).toBe(137);
    expect(mem.stderr).toBe("node: memory limit exceeded (limits.memoryMb = 128): JavaScript heap out of memory; process stopped\n");
    // No CPU bound: a loop that spins for a while (by its own clock) runs to its end.
    expect(await vm.exec(`node -e 'const end = Date.now() + 1000; while (Date.now() < end) {} console.log("done")'`, { timeout: T })).toEqual({
      exitCode: 0,
      stdout: "done\n",
      stderr: "",
    });
    const procs = await vm.exec("i=0; while [ $i -lt 300 ]; do sleep 30 & i=$((i+1)); done", { timeout: T });
    expect(procs.exitCode).toBe(137);
    expect(procs.stderr).toContain("limits.maxProcesses = 256 reached");
    expect(await vm.exec(OPEN_UNTIL_FAIL, { timeout: T })).toEqual({
      exitCode: 1,
      stdout: "1021 EMFILE -24 EMFILE: too many open files, open '/dev/null'\n",
      stderr: "",
    });
  }, T);

  it("maxOutputBytes 1 MiB, maxPipeBytes 64 KiB", async () => {
    const vm = await AgentOs.create();
    vms.push(vm);
    const out = await vm.exec("cat /dev/zero", { timeout: T });
    expect(out.exitCode).toBe(128 + 25);
    expect(out.stdout.length).toBeLessThanOrEqual(MiB);
    expect(out.stderr).toBe(`cat: output limit exceeded (limits.maxOutputBytes = ${MiB}); process stopped\n`);
    expect(await pipeProbe(vm, 80 * KiB, 64 * KiB)).toEqual({
      exitCode: 0,
      stdout: `accepted before reading: ${64 * KiB} read: ${80 * KiB}\n`,
      stderr: `writer done ${80 * KiB}\n`,
    });
  }, T);

  it("maxFileBytes 512 MiB and maxFsBytes 1 GiB (checked before any byte is stored)", async () => {
    const vm = await AgentOs.create();
    vms.push(vm);
    const grow = (size: number) =>
      `node -e 'const fs = require("fs"); fs.writeFileSync("/tmp/f", "x"); try { fs.truncateSync("/tmp/f", ${size}); console.log("ok", fs.statSync("/tmp/f").size) } catch (e) { console.log(e.code, e.message) } fs.unlinkSync("/tmp/f")'`;
    // Files well past the small values used above are fine by default...
    expect(await vm.exec(grow(4 * MiB), { timeout: T })).toEqual({ exitCode: 0, stdout: `ok ${4 * MiB}\n`, stderr: "" });
    // ...one byte over 512 MiB is not.
    expect(await vm.exec(grow(512 * MiB + 1), { timeout: T })).toEqual({ exitCode: 0, stdout: "EFBIG EFBIG: file too large, truncate '/tmp/f'\n", stderr: "" });
    // With files allowed to be bigger, the 1 GiB filesystem total is what refuses.
    const big = await AgentOs.create({ limits: { maxFileBytes: 2 * GiB } });
    vms.push(big);
    expect(await big.exec(grow(GiB + 1), { timeout: T })).toEqual({ exitCode: 0, stdout: "ENOSPC ENOSPC: no space left on device, truncate '/tmp/f'\n", stderr: "" });
  }, T);
});
