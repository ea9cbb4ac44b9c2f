// Explicit sidecars (`AgentOs.createSidecar()`): VMs in a dedicated OS process behave as VMs
// in this one (same results, errors and events); the sidecar's describe/dispose/exit; a
// sidecar killed with SIGKILL fails its VMs' calls with ERR_AGENT_OS_SIDECAR_EXITED and leaves
// this process, other sidecars and the default pool working.
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentOs,
  AgentOsSidecar,
  KernelError,
  createInMemoryFileSystem,
  type CronEvent,
  type SidecarExitInfo,
  type VirtualFileSystem,
} from "../index.js";
import { rejectsWith, testAgent, text } from "./helpers";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultSidecarVmCount } = require("../binding.js") as { defaultSidecarVmCount(): number };

const T = 30_000;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const waitFor = async <X>(pred: () => X, what = "condition", ms = 10_000): Promise<X> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Whether an OS process is gone (a zombie nobody reaped counts as gone). */
function gone(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

/** `code` of what `f` throws synchronously. */
function thrownCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as { code?: string }).code;
  }
  return undefined;
}

let sidecar: AgentOsSidecar;
let vm: AgentOs;
beforeAll(async () => {
  sidecar = await AgentOs.createSidecar();
  vm = await AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar } });
}, T);
afterAll(async () => {
  await vm?.dispose();
  await sidecar?.dispose();
}, T);

describe("AgentOsSidecar", () => {
  it("describe() follows its VMs and state; dispose() ends the process, idempotently", { timeout: T }, async () => {
    const sc = await AgentOs.createSidecar({ sidecarId: "my-sidecar" });
    expect(sc.sidecarId).toBe("my-sidecar");
    expect(sc.describe()).toEqual({ sidecarId: "my-sidecar", state: "ready", activeVmCount: 0, pid: sc.pid });
    expect(sc.pid).not.toBe(process.pid);
    expect(gone(sc.pid)).toBe(false);
    const exits: SidecarExitInfo[] = [];
    sc.on("exit", (info) => exits.push(info));

    const a = await AgentOs.create({ sidecar: { kind: "explicit", handle: sc } });
    const b = await AgentOs.create({ sidecar: { kind: "explicit", handle: sc } });
    expect(sc.describe().activeVmCount).toBe(2);
    await a.dispose();
    await a.dispose();
    expect(sc.describe().activeVmCount).toBe(1);

    const disposing = sc.dispose();
    expect(sc.describe().state).toBe("disposing");
    await disposing;
    await sc.dispose();
    expect(sc.describe()).toMatchObject({ state: "disposed", activeVmCount: 0 });
    expect(exits).toEqual([{ code: 0, signal: null }]);
    await waitFor(() => gone(sc.pid), "the sidecar process to end");
    // Its VMs were disposed with it; a new one is refused.
    await rejectsWith(b.readFile("/etc/passwd"), "ERR_AGENT_OS_DISPOSED");
    const e = await rejectsWith(AgentOs.create({ sidecar: { kind: "explicit", handle: sc } }), "ERR_AGENT_OS_SIDECAR_DISPOSED");
    expect(e).toBeInstanceOf(KernelError);
    expect(e.message).toContain("my-sidecar");
    // An exit handler added late runs at once.
    let late: SidecarExitInfo | undefined;
    sc.on("exit", (i) => (late = i));
    expect(late).toEqual({ code: 0, signal: null });
  });

  it("generates ids; two sidecars are two processes; options are validated", { timeout: T }, async () => {
    const [x, y] = await Promise.all([AgentOs.createSidecar(), AgentOs.createSidecar()]);
    try {
      expect(x.sidecarId).toMatch(/^sidecar-/);
      expect(x.sidecarId).not.toBe(y.sidecarId);
      expect(new Set([x.pid, y.pid, process.pid]).size).toBe(3);
      const vx = await AgentOs.create({ sidecar: { kind: "explicit", handle: x } });
      const vy = await AgentOs.create({ sidecar: { kind: "explicit", handle: y } });
      // Each VM's node runs in its own sidecar's process.
      expect((await vx.exec("echo $$")).exitCode).toBe(0);
      await vx.writeFile("/tmp/who", "x");
      expect(await vy.exists("/tmp/who")).toBe(false);
    } finally {
      await Promise.all([x.dispose(), y.dispose()]);
    }
    await rejectsWith(AgentOs.createSidecar({ sidecarId: "" }), "ERR_AGENT_OS_INVALID_OPTIONS");
    await rejectsWith(AgentOs.create({ sidecar: { kind: "explicit", handle: {} } } as never), "ERR_AGENT_OS_INVALID_OPTIONS");
  });

  it("VMs in a sidecar are not tenants of this process's default pool", { timeout: T }, async () => {
    const before = defaultSidecarVmCount();
    const remote = await AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar } });
    expect(defaultSidecarVmCount()).toBe(before);
    expect(sidecar.describe().activeVmCount).toBe(2);
    const local = await AgentOs.create();
    expect(defaultSidecarVmCount()).toBe(before + 1);
    await local.dispose();
    await remote.dispose();
    expect(sidecar.describe().activeVmCount).toBe(1);
  });
});

describe("processes across the boundary", () => {
  it("exec collects output and exit codes, streams in order, honours cwd/env/stdin and timeouts", { timeout: T }, async () => {
    expect(await vm.exec("echo hello")).toEqual({ exitCode: 0, stdout: "hello\n", stderr: "" });
    expect(await vm.exec("echo out; echo err >&2; exit 3")).toEqual({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
    const seen: string[] = [];
    const r = await vm.exec("for i in 1 2 3; do echo out$i; echo err$i >&2; done", {
      onStdout: (d) => seen.push(`o:${text(d)}`),
      onStderr: (d) => seen.push(`e:${text(d)}`),
    });
    expect(r.stdout).toBe("out1\nout2\nout3\n");
    expect(seen.filter((s) => s.startsWith("o:")).join("")).toBe("o:out1\no:out2\no:out3\n");
    expect(seen.filter((s) => s.startsWith("e:")).join("")).toBe("e:err1\ne:err2\ne:err3\n");
    await vm.mkdir("/home/user/work", { recursive: true });
    const c = await vm.exec('echo "$PWD $GREETING"; cat', { cwd: "/home/user/work", env: { GREETING: "hi" }, stdin: "from stdin\n" });
    expect(c.stdout).toBe("/home/user/work hi\nfrom stdin\n");
    await rejectsWith(vm.exec("sleep 10", { timeout: 50 }), "ETIMEDOUT");
  });

  it("spawn, stdin, stdout events, exit and the process table", { timeout: T }, async () => {
    const { pid } = vm.spawn("cat", []);
    const out: string[] = [];
    let exitCode: number | undefined;
    vm.onProcessStdout(pid, (d) => out.push(text(d)));
    vm.onProcessExit(pid, (code) => (exitCode = code));
    vm.writeProcessStdin(pid, "line one\n");
    await waitFor(() => out.join("") === "line one\n", "the echoed line");
    expect(vm.getProcess(pid)).toMatchObject({ pid, command: "cat", running: true, exitCode: null });
    expect(vm.allProcesses().some((p) => p.pid === pid && p.status === "running")).toBe(true);
    vm.writeProcessStdin(pid, new TextEncoder().encode("line two\n"));
    vm.closeProcessStdin(pid);
    expect(await vm.waitProcess(pid)).toBe(0);
    await waitFor(() => exitCode !== undefined, "onProcessExit");
    expect(exitCode).toBe(0);
    expect(out.join("")).toBe("line one\nline two\n");
    // A late listener gets the output replayed.
    const replay: string[] = [];
    vm.onProcessStdout(pid, (d) => replay.push(text(d)));
    expect(replay.join("")).toBe("line one\nline two\n");
    expect(vm.listProcesses().find((p) => p.pid === pid)).toMatchObject({ running: false, exitCode: 0 });

    const sleeper = vm.spawn("sleep", ["100"]);
    vm.killProcess(sleeper.pid);
    expect(await vm.waitProcess(sleeper.pid)).toBe(137);
  });

  it("interactive shells: open, type, read the terminal, resize, close", { timeout: T }, async () => {
    const { shellId } = vm.openShell({ cols: 100, rows: 30 });
    const screen: string[] = [];
    vm.onShellData(shellId, (d) => screen.push(text(d)));
    vm.writeShell(shellId, "echo $((6 * 7))\n");
    await waitFor(() => screen.join("").includes("42"), "the shell's answer");
    vm.resizeShell(shellId, 120, 40);
    expect(() => vm.resizeShell(shellId, 0, 40)).toThrow(/EINVAL/);
    vm.writeShell(shellId, "echo after-resize\n");
    await waitFor(() => screen.join("").includes("after-resize\r\n"), "the next answer");
    vm.closeShell(shellId);
    expect(() => vm.writeShell(shellId, "x")).toThrow(/ERR_AGENT_OS_UNKNOWN_SHELL/);
  });

  it("fetch reaches a guest HTTP server", { timeout: T }, async () => {
    await vm.writeFile("/tmp/app.mjs", `import http from "node:http";\nhttp.createServer((req, res) => res.end("hello " + req.url)).listen(3000);`);
    const { pid } = vm.spawn("node", ["/tmp/app.mjs"]);
    try {
      const res = await vm.fetch(3000, new Request("http://localhost/x?y=1"));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("hello /x?y=1");
      await rejectsWith(vm.fetch(3001, new Request("http://localhost/")), "ECONNREFUSED");
    } finally {
      vm.killProcess(pid);
    }
  });
});

describe("filesystem across the boundary", () => {
  it("file operations work as in-process", { timeout: T }, async () => {
    await vm.writeFile("/home/user/d/a.txt", "alpha");
    expect(text(await vm.readFile("/home/user/d/a.txt"))).toBe("alpha");
    expect(await vm.readdir("/home/user/d")).toEqual(["a.txt"]);
    expect(await vm.stat("/home/user/d/a.txt")).toMatchObject({ size: 5, isDirectory: false });
    await vm.move("/home/user/d/a.txt", "/home/user/d/b.txt");
    expect(await vm.exists("/home/user/d/a.txt")).toBe(false);
    expect(await vm.writeFiles([{ path: "/home/user/d/c", content: new Uint8Array([1, 2]) }])).toEqual([{ path: "/home/user/d/c", success: true }]);
    const [b, missing] = await vm.readFiles(["/home/user/d/b.txt", "/home/user/d/none"]);
    expect(text(b.content!)).toBe("alpha");
    expect(missing.content).toBeNull();
    expect((await vm.readdirRecursive("/home/user/d")).map((e) => e.path).sort()).toEqual(["/home/user/d/b.txt", "/home/user/d/c"]);
    expect((await vm.exec("cat /home/user/d/b.txt")).stdout).toBe("alpha");
    await vm.delete("/home/user/d", { recursive: true });
    expect(await vm.exists("/home/user/d")).toBe(false);
  });

  it("errors carry the same codes both ways (ENOENT, ESRCH, a disposed VM)", { timeout: T }, async () => {
    const local = await AgentOs.create();
    const remote = await AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar } });
    for (const [where, os] of [["in-process", local], ["sidecar", remote]] as const) {
      const e = await rejectsWith(os.readFile("/nope/x"), "ENOENT", "/nope/x");
      expect(e, where).toBeInstanceOf(KernelError);
      await rejectsWith(os.mkdir("/etc/passwd/x"), "ENOTDIR");
      expect(thrownCode(() => os.getProcess(99999)), where).toBe("ESRCH");
      expect(thrownCode(() => os.writeProcessStdin(99999, "x")), where).toBe("ESRCH");
      await os.dispose();
      await rejectsWith(os.readFile("/etc/passwd"), "ERR_AGENT_OS_DISPOSED");
      await rejectsWith(os.exec("echo"), "ERR_AGENT_OS_DISPOSED");
      expect(thrownCode(() => os.spawn("ls")), where).toBe("ERR_AGENT_OS_DISPOSED");
    }
  });

  it("mount plugins are made in the sidecar; filesystems of this process mount as drivers", { timeout: T }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentos-sidecar-"));
    const shared = createInMemoryFileSystem();
    await shared.writeFile("/from-host", "made on the host");
    // A user-written VirtualFileSystem: a plain object over another filesystem, logging calls.
    const backing = createInMemoryFileSystem();
    const calls: string[] = [];
    const user = Object.fromEntries(
      ["readFile", "readTextFile", "readDir", "readDirWithTypes", "writeFile", "createDir", "mkdir", "exists", "stat", "removeFile", "removeDir", "rename", "realpath", "symlink", "readlink", "lstat", "link", "chmod", "chown", "utimes", "truncate", "pread", "pwrite"].map(
        (m) => [m, (...a: unknown[]) => (calls.push(m), (backing as unknown as Record<string, (...x: unknown[]) => unknown>)[m](...a))],
      ),
    ) as unknown as VirtualFileSystem;
    const os = await AgentOs.create({
      sidecar: { kind: "explicit", handle: sidecar },
      mounts: [
        { path: "/mnt/mem", plugin: { id: "memory" } },
        { path: "/mnt/host", plugin: { id: "host_dir", config: { hostPath: dir } } },
        { path: "/mnt/js", driver: user },
      ],
    });
    try {
      os.mountFs("/mnt/shared", shared);
      const r = await os.exec(
        "echo m > /mnt/mem/f && cat /mnt/mem/f && echo h > /mnt/host/f && cat /mnt/shared/from-host && echo; echo s > /mnt/shared/back; mkdir /mnt/js/d && echo hello > /mnt/js/d/a && echo more >> /mnt/js/d/a && cat /mnt/js/d/a && ls /mnt/js/d",
      );
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("m\nmade on the host\nhello\nmore\na\n");
      expect(readFileSync(join(dir, "f"), "utf8")).toBe("h\n");
      expect(text(await shared.readFile("/back"))).toBe("s\n");
      expect(text(await backing.readFile("/d/a"))).toBe("hello\nmore\n");
      expect(calls).toContain("writeFile");
      await rejectsWith(os.readFile("/mnt/js/missing"), "ENOENT", "/mnt/js/missing");
      os.unmountFs("/mnt/shared");
      expect(await os.exists("/mnt/shared/from-host")).toBe(false);
    } finally {
      await os.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("flow control across the boundary", () => {
  const rssOf = (pid: number | "self") => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

  it("a guest's live output waits while this process's JS thread is busy: neither process queues it", { timeout: T }, async () => {
    const os = await AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar } });
    // Idle VMs beside it: holding and releasing their (empty) event channels must not fill the
    // window by itself.
    const idle = await Promise.all(Array.from({ length: 20 }, () => AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar } })));
    for (const v of idle) await v.exec("true"); // each has its event channel now
    try {
      const { pid } = os.spawn("yes", ["0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]);
      let received = 0;
      os.onProcessStdout(pid, (d) => {
        received += d.length;
      });
      while (received < 4 * 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
      const child = sidecar.describe().pid!;
      const [hostBefore, childBefore] = [rssOf("self"), rssOf(child)];
      // Half a second without reading: unbounded, `yes` would queue hundreds of megabytes in
      // the sidecar's channel or in this process's worker.
      const until = Date.now() + 500;
      while (Date.now() < until);
      const grown = { host: rssOf("self") - hostBefore, sidecar: rssOf(child) - childBefore };
      expect(grown.host).toBeLessThan(48 * 1024 * 1024);
      expect(grown.sidecar).toBeLessThan(48 * 1024 * 1024);
      // It flows again once this thread reads.
      const again = received;
      while (received < again + 4 * 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
      os.killProcess(pid);
      expect(await os.waitProcess(pid)).toBe(137);
      expect((await idle[0].exec("echo still here")).stdout).toBe("still here\n");
      // And once all is quiet, holding and releasing does not go round by itself: the sidecar
      // is idle.
      const cpu = () => readFileSync(`/proc/${child}/stat`, "utf8").split(") ")[1].split(" ").slice(11, 13).reduce((a, b) => a + Number(b), 0);
      await new Promise((r) => setTimeout(r, 100));
      const c0 = cpu();
      await new Promise((r) => setTimeout(r, 500));
      expect(cpu() - c0).toBeLessThan(10); // clock ticks (1/100 s): under 0.1 s of 0.5 s
    } finally {
      await Promise.all([os, ...idle].map((v) => v.dispose()));
    }
  });
});

describe("the facade across the boundary", () => {
  it("permissions.fs runs in this process and denies guest access", { timeout: T }, async () => {
    const asked: string[] = [];
    const os = await AgentOs.create({
      sidecar: { kind: "explicit", handle: sidecar },
      permissions: {
        fs: (r) => {
          asked.push(r.path);
          return r.path.startsWith("/secret") ? { allow: false, reason: "secrets are off limits" } : { allow: true };
        },
      },
    });
    try {
      await os.writeFile("/secret/key", "hunter2");
      const sh = await os.exec("cat /secret/key; echo ok > /tmp/fine && cat /tmp/fine");
      expect(sh.stderr).toContain("cat: /secret/key: Permission denied");
      expect(sh.stdout).toBe("ok\n");
      expect(asked).toContain("/secret/key");
    } finally {
      await os.dispose();
    }
  });

  it("allowedNodeBuiltins holds in the sidecar", { timeout: T }, async () => {
    const os = await AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar }, allowedNodeBuiltins: ["fs"] });
    try {
      const r = await os.exec(`node -e 'require("fs"); try { require("child_process") } catch (e) { console.log(e.code, e.resource) }'`);
      expect(r.stdout).toBe("ERR_ACCESS_DENIED node:child_process\n");
    } finally {
      await os.dispose();
    }
  });

  it("permissions.network runs in this process: a connection let through, a listen denied", { timeout: T }, async () => {
    const server = createServer((_req, res) => res.end("from the host"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const asked: string[] = [];
    const os = await AgentOs.create({
      sidecar: { kind: "explicit", handle: sidecar },
      loopbackExemptPorts: [port],
      permissions: { network: (r) => (asked.push(r.op), { allow: r.op !== "listen", reason: "no servers" }) },
    });
    try {
      await os.writeFile("/tmp/get.js", `fetch("http://127.0.0.1:${port}/").then((r) => r.text()).then(console.log, (e) => console.log("error", e.message))`);
      expect((await os.exec("node /tmp/get.js")).stdout).toBe("from the host\n");
      await os.writeFile("/tmp/listen.js", `require("net").createServer().listen(5006).on("error", (e) => console.log(e.code, e.message))`);
      const r = await os.exec("node /tmp/listen.js");
      expect(r.stdout).toContain("EACCES");
      expect(r.stdout).toContain("no servers");
      expect(asked).toContain("connect");
      expect(asked).toContain("listen");
    } finally {
      await os.dispose();
      server.close();
    }
  });

  it("agent sessions: createSession and a prompt with streamed events", { timeout: T }, async () => {
    const os = await AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar }, software: [testAgent] });
    try {
      const { sessionId } = await os.createSession("test");
      const seen: { method: string; params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } }[] = [];
      os.onSessionEvent(sessionId, (n) => seen.push(n as never));
      const r = await os.prompt(sessionId, "echo alpha beta gamma delta");
      expect(r.text).toBe("alpha beta gamma delta");
      expect(r.response).toMatchObject({ result: { stopReason: "end_turn" } });
      const chunks = seen.filter((n) => n.params?.update?.sessionUpdate === "agent_message_chunk").map((n) => n.params!.update!.content!.text);
      expect(chunks.join("")).toBe("alpha beta gamma delta");
      expect(os.getSessionEvents(sessionId).length).toBeGreaterThan(0);
      os.closeSession(sessionId);
    } finally {
      await os.dispose();
    }
  });

  it("a cron exec job runs in the sidecar's VM", { timeout: T }, async () => {
    const os = await AgentOs.create({ sidecar: { kind: "explicit", handle: sidecar } });
    try {
      const events: CronEvent[] = [];
      os.onCronEvent((e) => events.push(e));
      os.scheduleCron({ id: "tick", schedule: "* * * * * *", action: { type: "exec", command: "echo tick >> /tmp/ticks" } });
      await waitFor(() => events.some((e) => e.type === "cron:complete"), "a completed run");
      os.cancelCronJob("tick");
      expect(events.some((e) => e.type === "cron:error")).toBe(false);
      expect(text(await os.readFile("/tmp/ticks"))).toMatch(/^(tick\n)+$/);
    } finally {
      await os.dispose();
    }
  });
});

describe("a sidecar that dies", () => {
  it("fails its VMs with ERR_AGENT_OS_SIDECAR_EXITED, settles what waits and leaves everything else working", { timeout: T }, async () => {
    const doomed = await AgentOs.createSidecar();
    const other = await AgentOs.createSidecar();
    try {
      const vm1 = await AgentOs.create({ sidecar: { kind: "explicit", handle: doomed } });
      const vm2 = await AgentOs.create({ sidecar: { kind: "explicit", handle: other } });
      const local = await AgentOs.create();
      const exits: SidecarExitInfo[] = [];
      doomed.on("exit", (i) => exits.push(i));

      const { pid } = vm1.spawn("sleep", ["100"]);
      let exitCode: number | undefined;
      vm1.onProcessExit(pid, (c) => (exitCode = c));
      const waiting = vm1.waitProcess(pid);
      const running = vm1.exec("sleep 100", { onStdout: () => {} });
      const { shellId } = vm1.openShell();
      vm1.onShellData(shellId, () => {});
      await waitFor(() => vm1.allProcesses().filter((p) => p.status === "running").length >= 2, "both processes to run");

      process.kill(doomed.pid, "SIGKILL");
      expect(await waiting).toBe(137);
      await rejectsWith(running, "ERR_AGENT_OS_SIDECAR_EXITED");
      await waitFor(() => exits.length === 1, "the exit event");
      expect(exits).toEqual([{ code: null, signal: "SIGKILL" }]);
      expect(exitCode).toBe(137);
      expect(doomed.describe()).toMatchObject({ state: "disposed", activeVmCount: 0 });

      await rejectsWith(vm1.readFile("/etc/passwd"), "ERR_AGENT_OS_SIDECAR_EXITED");
      await rejectsWith(vm1.exec("echo"), "ERR_AGENT_OS_SIDECAR_EXITED");
      expect(thrownCode(() => vm1.spawn("ls"))).toBe("ERR_AGENT_OS_SIDECAR_EXITED");
      expect(thrownCode(() => vm1.writeShell(shellId, "x"))).toBe("ERR_AGENT_OS_SIDECAR_EXITED");
      await rejectsWith(AgentOs.create({ sidecar: { kind: "explicit", handle: doomed } }), "ERR_AGENT_OS_SIDECAR_EXITED");

      // This process, the default pool and the other sidecar are unaffected.
      expect((await local.exec("echo local")).stdout).toBe("local\n");
      expect((await vm2.exec("echo other")).stdout).toBe("other\n");
      expect((await vm.exec("echo shared")).stdout).toBe("shared\n");
      await vm1.dispose();
      await doomed.dispose();
      await local.dispose();
    } finally {
      await other.dispose();
    }
  });
});

describe("a VM in a sidecar dropped without dispose()", () => {
  it("is collected and disposed there, as in-process", { timeout: T }, () => {
    const code = `
      const { AgentOs } = require(${JSON.stringify(join(ROOT, "index.js"))});
      async function useAndForget(sc) {
        const vm = await AgentOs.create({ sidecar: { kind: "explicit", handle: sc } });
        await vm.exec("echo hi > /tmp/f");
      }
      (async () => {
        const sc = await AgentOs.createSidecar();
        for (let i = 0; i < 20; i++) await useAndForget(sc);
        const before = sc.describe().activeVmCount;
        for (let i = 0; i < 20 && sc.describe().activeVmCount > 0; i++) {
          global.gc();
          await new Promise((r) => setTimeout(r, 20));
        }
        const kept = await AgentOs.create({ sidecar: { kind: "explicit", handle: sc } });
        const r = await kept.exec("echo still");
        console.log(before + " " + sc.describe().activeVmCount + " " + r.stdout.trim());
        await sc.dispose();
      })();`;
    const r = spawnSync(process.execPath, ["--expose-gc", "-e", code], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    const [before, after, still] = r.stdout.trim().split(" ");
    expect(Number(before)).toBeGreaterThan(0);
    expect(after).toBe("1");
    expect(still).toBe("still");
  });
});

describe("the host process's lifetime", () => {
  const script = (dispose: boolean) => `
    const { AgentOs } = require(${JSON.stringify(join(ROOT, "index.js"))});
    (async () => {
      const sc = await AgentOs.createSidecar();
      const vm = await AgentOs.create({ sidecar: { kind: "explicit", handle: sc } });
      const r = await vm.exec("echo hello");
      const { pid } = vm.spawn("sh", ["-c", "sleep 0.2; echo late"]);
      vm.onProcessStdout(pid, (d) => process.stdout.write(new TextDecoder().decode(d)));
      process.stdout.write(sc.pid + " " + r.stdout);
      ${dispose ? "await vm.waitProcess(pid); await sc.dispose();" : ""}
    })();`;

  for (const dispose of [true, false]) {
    it(`a script that ${dispose ? "disposes its sidecar" : "forgets to dispose it"} exits by itself`, { timeout: T }, () => {
      const dir = mkdtempSync(join(tmpdir(), "agentos-sidecar-exit-"));
      try {
        writeFileSync(join(dir, "t.js"), script(dispose));
        const r = spawnSync(process.execPath, ["t.js"], { cwd: dir, encoding: "utf8", timeout: 20_000 });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const [pid, rest] = [Number(r.stdout.split(" ")[0]), r.stdout.slice(r.stdout.indexOf(" ") + 1)];
        // Pending work (a running process with a listener) kept it alive until done.
        expect(rest).toBe("hello\nlate\n");
        expect(gone(pid)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
