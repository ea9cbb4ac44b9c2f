import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AgentOs, createHostDirBackend, nodeModulesMount } from "../index.js";
import { rejectsWith, text } from "./helpers";

const dir = mkdtempSync(join(tmpdir(), "agentos-hostdir-"));
const outside = mkdtempSync(join(tmpdir(), "agentos-outside-"));
writeFileSync(join(outside, "secret"), "host secret");
mkdirSync(join(dir, "sub"));
writeFileSync(join(dir, "sub", "a.txt"), "from the host");
symlinkSync(join(outside, "secret"), join(dir, "abs-link"));
symlinkSync("../../" + outside.split("/").pop() + "/secret", join(dir, "sub", "rel-link"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe("host_dir mounts through the API", () => {
  it("reads and writes through a { plugin: host_dir } mount, confined to the directory", async () => {
    const vm = await AgentOs.create({ mounts: [{ path: "/mnt/host", plugin: { id: "host_dir", config: { hostPath: dir } } }] });
    try {
      expect(text(await vm.readFile("/mnt/host/sub/a.txt"))).toBe("from the host");
      await vm.writeFile("/mnt/host/new.txt", "from the vm");
      expect(readFileSync(join(dir, "new.txt"), "utf8")).toBe("from the vm");
      // Host symlinks are resolved inside the VM: neither reaches the host file.
      await rejectsWith(vm.readFile("/mnt/host/abs-link"), "ENOENT");
      const r = await vm.exec("cat /mnt/host/sub/rel-link /mnt/host/../../../etc/hostname; ls /mnt/host/sub");
      expect(r.stdout).not.toContain("host secret");
      expect(r.stdout).toContain("a.txt");
    } finally {
      await vm.dispose();
    }
  });

  it("refuses writes with EROFS when read-only, and nodeModulesMount is read-only", async () => {
    const vm = await AgentOs.create({
      mounts: [{ path: "/ro", driver: createHostDirBackend({ hostPath: dir, readOnly: true }) }, nodeModulesMount(join(process.cwd(), "node_modules"))],
    });
    try {
      expect(text(await vm.readFile("/ro/sub/a.txt"))).toBe("from the host");
      await rejectsWith(vm.writeFile("/ro/sub/a.txt", "x"), "EROFS");
      await rejectsWith(vm.writeFile("/root/node_modules/evil.js", "x"), "EROFS");
      const r = await vm.exec("node -e \"console.log(require('/root/node_modules/ms')('2h'))\"");
      expect(r.stdout).toBe("7200000\n");
      expect(readFileSync(join(dir, "sub", "a.txt"), "utf8")).toBe("from the host");
    } finally {
      await vm.dispose();
    }
  });

  it("serves many synchronous guest operations in one process (no stall after tokio's budget)", async () => {
    const vm = await AgentOs.create({ mounts: [{ path: "/h", plugin: { id: "host_dir", config: { hostPath: dir } }, readOnly: true }] });
    try {
      const r = await vm.exec(
        `node -e "const fs=require('fs'); let n=0; for (let i=0;i<600;i++) { fs.statSync('/h/sub/a.txt'); fs.readFileSync('/h/sub/a.txt'); fs.existsSync('/h/nope'); n++ } console.log(n)"`,
        { timeout: 20_000 },
      );
      expect(r.stdout).toBe("600\n");
    } finally {
      await vm.dispose();
    }
  });

  it("rejects a host path that is not a directory", () => {
    expect(() => createHostDirBackend({ hostPath: join(dir, "sub", "a.txt") })).toThrow(/ENOTDIR/);
  });
});
