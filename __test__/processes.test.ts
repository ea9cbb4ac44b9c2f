import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentOs } from "../index.js";
import { rejectsWith, text } from "./helpers";

let vm: AgentOs;
beforeEach(async () => {
  vm = await AgentOs.create();
});
afterEach(async () => {
  await vm.dispose();
});

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("exec", () => {
  it("runs the seed's example", async () => {
    expect(await vm.exec("echo hello")).toEqual({ exitCode: 0, stdout: "hello\n", stderr: "" });
  });

  it("returns non-zero exit codes as results, with stderr", async () => {
    const r = await vm.exec("echo out; echo err >&2; exit 3");
    expect(r).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("honours cwd, env and stdin", async () => {
    await vm.mkdir("/home/user/work");
    const r = await vm.exec('echo "$PWD $GREETING"; cat', { cwd: "/home/user/work", env: { GREETING: "hi" }, stdin: "from stdin\n" });
    expect(r.stdout).toBe("/home/user/work hi\nfrom stdin\n");
    const d = await vm.exec("pwd; echo $HOME $USER");
    expect(d.stdout).toBe("/home/user\n/home/user user\n");
    await rejectsWith(vm.exec("pwd", { cwd: "/nope" }), "ENOENT");
  });

  it("reports unknown commands and syntax errors the way bash does", async () => {
    expect(await vm.exec("nosuchcmd")).toEqual({ exitCode: 127, stdout: "", stderr: "sh: line 1: nosuchcmd: command not found\n" });
    const r = await vm.exec("bash -c 'if then'");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("bash: -c: line 1: syntax error near unexpected token `then'\nbash: -c: line 1: `if then'\n");
  });

  it("streams output to onStdout/onStderr in order before resolving", async () => {
    const seen: string[] = [];
    const r = await vm.exec("for i in 1 2 3; do echo out$i; echo err$i >&2; done", {
      onStdout: (d) => seen.push(`o:${text(d)}`),
      onStderr: (d) => seen.push(`e:${text(d)}`),
    });
    expect(r.stdout).toBe("out1\nout2\nout3\n");
    expect(seen.filter((s) => s.startsWith("o:")).join("")).toBe("o:out1\no:out2\no:out3\n");
    expect(seen.filter((s) => s.startsWith("e:")).join("")).toBe("e:err1\ne:err2\ne:err3\n");
  });

  it("rejects with ETIMEDOUT when the timeout fires, and kills the process", async () => {
    const e = await rejectsWith(vm.exec("sleep 10; echo never", { timeout: 50 }), "ETIMEDOUT");
    expect(e.message).toContain("timed out");
    await waitFor(() => vm.allProcesses().every((p) => p.status === "exited"));
  });

  it("runs pipelines, with pipefail and SIGPIPE", async () => {
    expect((await vm.exec("echo hello | cat | cat")).stdout).toBe("hello\n");
    expect((await vm.exec("false | true; echo $?")).stdout).toBe("0\n");
    expect((await vm.exec("set -o pipefail; false | true; echo $?")).stdout).toBe("1\n");
    expect((await vm.exec("yes | true; echo ${PIPESTATUS[@]}")).stdout).toBe("141 0\n");
  });

  it("has /dev/null, /dev/zero, /dev/urandom and /dev/stdin", async () => {
    expect((await vm.exec("echo gone > /dev/null; cat /dev/null; echo ok")).stdout).toBe("ok\n");
    expect((await vm.exec("echo piped | cat /dev/stdin")).stdout).toBe("piped\n");
    expect((await vm.exec("echo err > /dev/stderr")).stderr).toBe("err\n");
  });

  it("rejects with ERR_AGENT_OS_DISPOSED on a disposed VM", async () => {
    const other = await AgentOs.create();
    await other.dispose();
    await rejectsWith(other.exec("echo hi"), "ERR_AGENT_OS_DISPOSED");
    expect(() => other.spawn("echo", ["hi"])).toThrow(expect.objectContaining({ code: "ERR_AGENT_OS_DISPOSED" }));
  });
});

describe("spawn and the process API", () => {
  it("spawns, feeds stdin, and waits", async () => {
    const { pid } = vm.spawn("sh", ["-c", "while read -r l; do echo got:$l; done; echo bye"]);
    expect(typeof pid).toBe("number");
    const out: string[] = [];
    vm.onProcessStdout(pid, (d) => out.push(text(d)));
    vm.writeProcessStdin(pid, "one\n");
    vm.writeProcessStdin(pid, new TextEncoder().encode("two\n"));
    vm.closeProcessStdin(pid);
    expect(await vm.waitProcess(pid)).toBe(0);
    await waitFor(() => out.join("").endsWith("bye\n"));
    expect(out.join("")).toBe("got:one\ngot:two\nbye\n");
    expect(vm.getProcess(pid)).toEqual({ pid, command: "sh", args: ["-c", "while read -r l; do echo got:$l; done; echo bye"], running: false, exitCode: 0 });
  });

  it("keeps output for handlers attached late, without loss or duplication", async () => {
    const { pid } = vm.spawn("sh", ["-c", "echo first; echo err1 >&2; sleep 0.1; echo second"]);
    await new Promise((r) => setTimeout(r, 50));
    const a: string[] = [];
    const b: string[] = [];
    const errs: string[] = [];
    vm.onProcessStdout(pid, (d) => a.push(text(d)));
    vm.onProcessStderr(pid, (d) => errs.push(text(d)));
    const unsubscribe = vm.onProcessStdout(pid, (d) => b.push(text(d)));
    unsubscribe();
    const codes: number[] = [];
    vm.onProcessExit(pid, (c) => codes.push(c));
    expect(await vm.waitProcess(pid)).toBe(0);
    await waitFor(() => codes.length === 1);
    expect(a.join("")).toBe("first\nsecond\n");
    expect(b.join("")).toBe("first\n");
    expect(errs.join("")).toBe("err1\n");
    // Attached after exit: the kept output and the exit code come at once.
    const late: string[] = [];
    vm.onProcessStdout(pid, (d) => late.push(text(d)));
    expect(late.join("")).toBe("first\nsecond\n");
    let lateCode = -1;
    vm.onProcessExit(pid, (c) => (lateCode = c));
    expect(lateCode).toBe(0);
  });

  it("stops with SIGTERM (143) and kills with SIGKILL (137)", async () => {
    const a = vm.spawn("sleep", ["10"]);
    const b = vm.spawn("sh", ["-c", "sleep 10"]);
    vm.stopProcess(a.pid);
    vm.killProcess(b.pid);
    expect(await vm.waitProcess(a.pid)).toBe(143);
    expect(await vm.waitProcess(b.pid)).toBe(137);
    // Signalling an exited process does nothing.
    vm.stopProcess(a.pid);
    // The shell's child died with its process group.
    await waitFor(() => vm.allProcesses().every((p) => p.status === "exited"));
  });

  it("lists processes, the kernel table and the tree", async () => {
    const { pid } = vm.spawn("sh", ["-c", "sleep 0.3 & sleep 0.3; wait"]);
    await waitFor(() => vm.allProcesses().filter((p) => p.ppid === pid).length >= 2);
    const list = vm.listProcesses();
    expect(list).toContainEqual({ pid, command: "sh", args: ["-c", "sleep 0.3 & sleep 0.3; wait"], running: true, exitCode: null });
    const all = vm.allProcesses();
    const me = all.find((p) => p.pid === pid)!;
    expect(me).toMatchObject({ pid, ppid: 0, pgid: pid, sid: pid, driver: "shell", command: "sh", cwd: "/home/user", status: "running", exitCode: null, exitTime: null });
    expect(me.startTime).toBeGreaterThan(Date.now() - 60_000);
    const tree = vm.processTree();
    const node = tree.find((n) => n.pid === pid)!;
    const names = (n: { command: string; children: any[] }): string[] => [n.command, ...n.children.flatMap(names)];
    expect(node.children.length).toBeGreaterThanOrEqual(2);
    expect(names(node).filter((c) => c === "sleep").length).toBe(2);
    expect(await vm.waitProcess(pid)).toBe(0);
  });

  it("throws ESRCH for unknown pids", async () => {
    for (const f of [
      () => vm.getProcess(4242),
      () => vm.writeProcessStdin(4242, "x"),
      () => vm.closeProcessStdin(4242),
      () => vm.stopProcess(4242),
      () => vm.killProcess(4242),
      () => vm.onProcessStdout(4242, () => {}),
      () => vm.onProcessExit(4242, () => {}),
      () => vm.waitProcess(4242),
    ]) {
      expect(f).toThrow(expect.objectContaining({ code: "ESRCH" }));
    }
  });

  it("reports a missing command as exit 127 with a message", async () => {
    const { pid } = vm.spawn("nosuch", []);
    const err: string[] = [];
    vm.onProcessStderr(pid, (d) => err.push(text(d)));
    expect(await vm.waitProcess(pid)).toBe(127);
    await waitFor(() => err.length > 0);
    expect(err.join("")).toBe("nosuch: command not found\n");
  });
});

describe("hostile guests stop at limits; the host and other VMs carry on", () => {
  it("a fork bomb", async () => {
    const other = await AgentOs.create();
    const r = await vm.exec(":(){ :|:& };:; sleep 5", { timeout: 30_000 });
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toContain("limits.maxProcesses = 256 reached");
    expect((await other.exec("echo alive")).stdout).toBe("alive\n");
    await other.dispose();
  });

  it("cat /dev/zero", async () => {
    const small = await AgentOs.create({ limits: { maxOutputBytes: 1 << 20 } });
    const r = await small.exec("cat /dev/zero");
    expect(r.exitCode).toBe(128 + 25);
    expect(r.stdout.length).toBeLessThanOrEqual(1 << 20);
    expect(r.stderr).toBe("cat: output limit exceeded (limits.maxOutputBytes = 1048576); process stopped\n");
    await small.dispose();
  });

  it("yes > file", async () => {
    const small = await AgentOs.create({ limits: { maxFsBytes: 4 << 20 } });
    const r = await small.exec("yes > /tmp/f; echo status=$?");
    expect(r.stdout).toBe("status=1\n");
    expect(r.stderr).toBe("yes: standard output: No space left on device\n");
    expect((await small.stat("/tmp/f")).size).toBeLessThanOrEqual(4 << 20);
    await small.dispose();
  });

  it("deep recursion", async () => {
    const r = await vm.exec("f() { f; }; f");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("f: maximum function nesting level exceeded (1000)");
  });
});

describe("the event loop", () => {
  it("stays alive while a spawned process runs, and exits after", () => {
    const root = resolve(__dirname, "..");
    const script = `
      const { AgentOs } = require('@rivet-dev/agentos-core');
      (async () => {
        const vm = await AgentOs.create();
        const { pid } = vm.spawn('sh', ['-c', 'sleep 0.2; echo late']);
        vm.onProcessStdout(pid, (d) => process.stdout.write('out:' + Buffer.from(d)));
        vm.onProcessExit(pid, (c) => console.log('exit:' + c));
      })();`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("out:late\nexit:0\n");
    expect(r.status).toBe(0);
  });
});
