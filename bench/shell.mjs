// Interactive shell benchmark: `node --expose-gc bench/shell.mjs`. Prints figures; asserts nothing.
import { AgentOs } from "../index.js";
import { fmtBytes, fmtNs, percentiles, row, settle, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));

console.log(`agentOS core interactive shells — node ${process.version}, ${process.platform}/${process.arch}`);

/** Resolve when the shell's output (since `mark`) contains `text`. */
function waiter(vm, shellId) {
  let out = "";
  let want = null;
  vm.onShellData(shellId, (d) => {
    // Only the end matters (what is awaited is short): keep the scan cheap.
    out = (out + Buffer.from(d).toString()).slice(-4096);
    if (want && out.includes(want.text)) {
      const w = want;
      want = null;
      w.resolve();
    }
  });
  return (text) =>
    new Promise((resolve) => {
      if (out.includes(text)) {
        out = "";
        return resolve();
      }
      want = { text, resolve: () => ((out = ""), resolve()) };
    });
}

const vm = await AgentOs.create();
await (await vm.exec("true")).exitCode;

// openShell() until the first prompt is on the screen.
const openSamples = await timeEach(200, async () => {
  const { shellId } = vm.openShell();
  const until = waiter(vm, shellId);
  await until("$ ");
  vm.closeShell(shellId);
});
row("openShell() → first prompt", fmt(percentiles(openSamples)));

// A key typed at the prompt until its echo is back; a command until its output and the prompt.
const { shellId } = vm.openShell();
const until = waiter(vm, shellId);
await until("$ ");
const keySamples = await timeEach(2000, async (i) => {
  const c = String.fromCharCode(97 + (i % 26));
  vm.writeShell(shellId, c);
  await until(c);
});
vm.writeShell(shellId, "\x15");
row("keystroke → echo", fmt(percentiles(keySamples)));
const cmdSamples = await timeEach(500, async () => {
  vm.writeShell(shellId, "echo hi\r");
  await until("hi\r\nuser@agentos:~$ ");
});
row("`echo hi` + Enter → output and prompt", fmt(percentiles(cmdSamples)));

// 10 MB of output through the terminal.
const t0 = process.hrtime.bigint();
vm.writeShell(shellId, "head -c 10000000 /dev/zero | tr '\\0' x; echo; echo DONE\r");
await until("DONE\r\nuser@agentos:~$ ");
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
row("10 MB through the terminal", { rate: `${(10 / secs).toFixed(0)} MB/s` });
vm.closeShell(shellId);

// RSS per open idle shell (1,000 shells at a prompt, in a VM allowed that many processes).
const many = await AgentOs.create({ limits: { maxProcesses: 1100 } });
await settle();
const before = process.memoryUsage().rss;
const ids = [];
for (let i = 0; i < 1000; i++) {
  const { shellId: id } = many.openShell();
  ids.push(id);
  const u = waiter(many, id);
  await u("$ ");
}
await settle();
row("RSS per idle shell at a prompt (1,000)", { rss: fmtBytes((process.memoryUsage().rss - before) / ids.length) });
for (const id of ids) many.closeShell(id);
await many.dispose();
await vm.dispose();
