import { execFileSync, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentOs, createInMemoryFileSystem } from "../index.js";
import { rejectsWith } from "./helpers";

const root = resolve(__dirname, "..");

function runNode(args: string[], code: string) {
  return spawnSync(process.execPath, [...args, "-e", code], { cwd: root, encoding: "utf8", timeout: 30_000 });
}

describe("AgentOs.create / dispose", () => {
  it("dispose is idempotent and every call afterwards rejects with ERR_AGENT_OS_DISPOSED", async () => {
    const vm = await AgentOs.create();
    await vm.writeFile("/tmp/f", "x");
    await vm.dispose();
    await vm.dispose();
    const calls: Array<() => Promise<unknown>> = [
      () => vm.readFile("/tmp/f"),
      () => vm.writeFile("/tmp/f", "y"),
      () => vm.readFiles(["/tmp/f"]),
      () => vm.writeFiles([{ path: "/tmp/f", content: "y" }]),
      () => vm.mkdir("/tmp/d"),
      () => vm.readdir("/tmp"),
      () => vm.readdirRecursive("/tmp"),
      () => vm.stat("/tmp"),
      () => vm.exists("/tmp"),
      () => vm.move("/tmp/f", "/tmp/g"),
      () => vm.delete("/tmp/f"),
    ];
    for (const c of calls) {
      const e = await rejectsWith(c(), "ERR_AGENT_OS_DISPOSED");
      expect(e.message).toMatch(/disposed/);
    }
    expect(() => vm.mountFs("/m", createInMemoryFileSystem())).toThrow(expect.objectContaining({ code: "ERR_AGENT_OS_DISPOSED" }));
    expect(() => vm.unmountFs("/m")).toThrow(expect.objectContaining({ code: "ERR_AGENT_OS_DISPOSED" }));
  });

  it("disposing one VM leaves the others alone", async () => {
    const [a, b] = await Promise.all([AgentOs.create(), AgentOs.create()]);
    await a.writeFile("/tmp/a", "a");
    await b.writeFile("/tmp/b", "b");
    await a.dispose();
    expect(await b.readdir("/tmp")).toEqual(["b"]);
    await b.dispose();
  });

  it("rejects unknown options, naming them", async () => {
    const e = await rejectsWith(AgentOs.create({ bogus: 1 } as never), "ERR_AGENT_OS_INVALID_OPTIONS");
    expect(e.message).toContain("bogus");
    await rejectsWith(AgentOs.create("nope" as never), "ERR_AGENT_OS_INVALID_OPTIONS");
    const l = await rejectsWith(AgentOs.create({ limits: { maxBananas: 3 } as never }), "ERR_AGENT_OS_INVALID_OPTIONS");
    expect(l.message).toContain("maxBananas");
  });

  it("rejects reference options that are not supported yet, naming the option", async () => {
    for (const [key, value] of [
      ["rootFilesystem", {}],
      ["toolKits", [{}]],
    ] as const) {
      const e = await rejectsWith(AgentOs.create({ [key]: value } as never), "ERR_AGENT_OS_INVALID_OPTIONS");
      expect(e.message).toContain(`\`${key}\``);
      expect(e.message).toContain("not supported yet");
    }
    // Supported options of the wrong shape name what is wrong.
    for (const [key, value, says] of [
      ["software", [{ name: "x" }], "software[0]"],
      ["software", "pi", "`software`"],
      ["additionalInstructions", 42, "`additionalInstructions`"],
      ["moduleAccessCwd", false, "`moduleAccessCwd`"],
      ["scheduleDriver", {}, "`scheduleDriver`"],
    ] as const) {
      const e = await rejectsWith(AgentOs.create({ [key]: value } as never), "ERR_AGENT_OS_INVALID_OPTIONS");
      expect(e.message).toContain(says);
    }
    const missing = await rejectsWith(
      AgentOs.create({ software: [{ name: "ghost", type: "tool", packageDir: "/", requires: ["no-such-package-xyz"], bins: {} }] }),
      "ERR_AGENT_OS_INVALID_OPTIONS",
    );
    expect(missing.message).toContain("no-such-package-xyz");
    // Permission scopes must be functions.
    for (const scope of ["fs", "childProcess", "env", "network"]) {
      const e = await rejectsWith(AgentOs.create({ permissions: { [scope]: { allow: true } } } as never), "ERR_AGENT_OS_INVALID_OPTIONS");
      expect(e.message).toContain(`permissions.${scope} must be a function`);
    }
    // Asking for nothing is fine.
    const vm = await AgentOs.create({ software: [], loopbackExemptPorts: [], sidecar: { kind: "shared" } });
    await vm.dispose();
    await rejectsWith(AgentOs.create({ sidecar: { kind: "explicit" } } as never), "ERR_AGENT_OS_INVALID_OPTIONS");
  });

  it("validates limits and mounts", async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      const e = await rejectsWith(AgentOs.create({ limits: { maxFileBytes: bad } }), "ERR_AGENT_OS_INVALID_OPTIONS");
      expect(e.message).toContain("maxFileBytes");
    }
    await rejectsWith(AgentOs.create({ mounts: [{ path: "/m", driver: {} as never }] }), "ERR_AGENT_OS_INVALID_OPTIONS");
    const hd = await rejectsWith(
      AgentOs.create({ mounts: [{ path: "/m", plugin: { id: "host_dir", config: {} } } as never] }),
      "ERR_AGENT_OS_INVALID_OPTIONS",
    );
    expect(hd.message).toContain("hostPath");
    await rejectsWith(
      AgentOs.create({ mounts: [{ path: "/m", plugin: { id: "host_dir", config: { hostPath: "/no/such/dir/xyz" } } }] }),
      "ENOENT",
      "/no/such/dir/xyz",
    );
    await rejectsWith(AgentOs.create({ mounts: [{ path: "/m", plugin: { id: "nfs" } } as never] }), "ERR_AGENT_OS_INVALID_OPTIONS");
    await rejectsWith(AgentOs.create({ mounts: [{ path: "relative", plugin: { id: "memory" } }] }), "EINVAL");
  });

  it("enforces file size and filesystem size limits", async () => {
    const vm = await AgentOs.create({ limits: { maxFileBytes: 1024, maxFsBytes: 4096 } });
    await vm.writeFile("/tmp/ok", new Uint8Array(1024));
    await rejectsWith(vm.writeFile("/tmp/big", new Uint8Array(1025)), "EFBIG", "/tmp/big");
    await vm.writeFile("/tmp/b", new Uint8Array(1024));
    await vm.writeFile("/tmp/c", new Uint8Array(1024));
    await vm.writeFile("/tmp/d", new Uint8Array(1024));
    // The system files the VM starts with are not charged: exactly 4096 bytes fit.
    await rejectsWith(vm.writeFile("/tmp/e", new Uint8Array(1)), "ENOSPC", "/tmp/e");
    await vm.delete("/tmp/b");
    await vm.writeFile("/tmp/e", new Uint8Array(1024));
    const r = await vm.exec("echo more > /tmp/f");
    expect(r.stderr).toBe("sh: line 1: echo: write error: No space left on device\n");
    await vm.dispose();
  });
});

describe("the package", () => {
  it("loads with require and with import", () => {
    const cjs = runNode([], "const m = require('@rivet-dev/agentos-core'); console.log(typeof m.AgentOs.create, typeof m.createInMemoryFileSystem, typeof m.KernelError)");
    expect(cjs.stderr).toBe("");
    expect(cjs.stdout.trim()).toBe("function function function");
    const esm = runNode(
      ["--input-type=module"],
      "import { AgentOs, createInMemoryFileSystem, KernelError } from '@rivet-dev/agentos-core'; const vm = await AgentOs.create(); console.log((await vm.readdir('/home')).join(','), typeof createInMemoryFileSystem, typeof KernelError)",
    );
    expect(esm.stderr).toBe("");
    expect(esm.stdout.trim()).toBe("agentos,user function function");
  });

  it("does not keep the process alive once the user's code is done", () => {
    const started = Date.now();
    const r = runNode(
      [],
      "const { AgentOs } = require('@rivet-dev/agentos-core'); (async () => { const vm = await AgentOs.create(); await vm.writeFile('/tmp/x', 'x'); await vm.readFile('/tmp/x'); console.log('done'); })()",
    );
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("done");
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it("releases a VM's kernel state when it is garbage-collected without dispose()", () => {
    const script = `
      const { AgentOs } = require('@rivet-dev/agentos-core');
      const { defaultSidecarVmCount } = require('./binding.js');
      async function useAndForget() {
        const vm = await AgentOs.create();
        await vm.writeFile('/tmp/blob', new Uint8Array(256 * 1024));
      }
      (async () => {
        for (let i = 0; i < 200; i++) await useAndForget();
        await new Promise((r) => setTimeout(r, 0));
        const before = defaultSidecarVmCount();
        for (let i = 0; i < 10 && defaultSidecarVmCount() > 0; i++) {
          global.gc();
          await new Promise((r) => setTimeout(r, 20));
        }
        console.log(before + ' ' + defaultSidecarVmCount());
      })();`;
    const r = runNode(["--expose-gc"], script);
    expect(r.stderr).toBe("");
    const [before, after] = r.stdout.trim().split(" ").map(Number);
    expect(before).toBeGreaterThan(0);
    expect(after).toBe(0);
  });
});

describe("many VMs", () => {
  it("100 VMs created in parallel each write and read their own files, and never see each other's", async () => {
    const vms = await Promise.all(Array.from({ length: 100 }, () => AgentOs.create()));
    await Promise.all(vms.map((vm, i) => vm.writeFile(`/home/user/mine-${i}.txt`, `vm ${i}`)));
    const contents = await Promise.all(vms.map((vm, i) => vm.readFile(`/home/user/mine-${i}.txt`)));
    contents.forEach((c, i) => expect(new TextDecoder().decode(c)).toBe(`vm ${i}`));
    const listings = await Promise.all(vms.map((vm) => vm.readdir("/home/user")));
    listings.forEach((l, i) => expect(l).toEqual([`mine-${i}.txt`]));
    // The template is shared copy-on-write: a change in one VM's /etc is not seen by another.
    await vms[0].writeFile("/etc/hostname", "changed\n");
    expect(new TextDecoder().decode(await vms[1].readFile("/etc/hostname"))).toBe("agentos\n");
    await Promise.all(vms.map((vm) => vm.dispose()));
  });

  it("thousands of VMs coexist", async () => {
    const vms: AgentOs[] = [];
    for (let i = 0; i < 2000; i++) vms.push(await AgentOs.create());
    await vms[1999].writeFile("/tmp/last", "x");
    expect(await vms[0].exists("/tmp/last")).toBe(false);
    await Promise.all(vms.map((vm) => vm.dispose()));
  });
});

describe("large and many files", () => {
  it("writes and reads back 256 MB", async () => {
    const vm = await AgentOs.create();
    const size = 256 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) data[i] = (i / 4096) & 0xff;
    data[size - 1] = 7;
    await vm.writeFile("/tmp/big.bin", data);
    expect((await vm.stat("/tmp/big.bin")).size).toBe(size);
    const back = await vm.readFile("/tmp/big.bin");
    expect(back.length).toBe(size);
    expect(back[4096 * 5]).toBe(5);
    expect(back[size - 1]).toBe(7);
    expect(Buffer.compare(Buffer.from(back.buffer, back.byteOffset, back.length), Buffer.from(data.buffer))).toBe(0);
    await vm.dispose();
  }, 60_000);

  it("holds 100,000 files in one directory and lists them recursively", async () => {
    const vm = await AgentOs.create();
    const n = 100_000;
    const batch = 10_000;
    for (let start = 0; start < n; start += batch) {
      const entries = Array.from({ length: batch }, (_, j) => ({ path: `/tmp/many/f${start + j}`, content: "x" }));
      const res = await vm.writeFiles(entries);
      expect(res.every((r) => r.success)).toBe(true);
    }
    const names = await vm.readdir("/tmp/many");
    expect(names.length).toBe(n);
    const tree = await vm.readdirRecursive("/tmp");
    expect(tree.length).toBe(n + 1);
    expect(tree.filter((e) => e.type === "file").length).toBe(n);
    await vm.dispose();
  }, 120_000);
});

describe("index.d.ts", () => {
  it("matches the committed API snapshot", async () => {
    const dts = execFileSync("cat", [resolve(root, "index.d.ts")], { encoding: "utf8" });
    await expect(dts).toMatchFileSnapshot("./__snapshots__/index.d.ts.snap");
  });
});
