// A user-written JavaScript VirtualFileSystem mounted into a VM: the kernel calls it back for
// every operation (shell commands, guest node, the host API through the VM).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AgentOs, type VirtualFileSystem, type VirtualStat } from "../index.js";
import { rejectsWith, text } from "./helpers";

/** A VirtualFileSystem written the way a user would: node:fs/promises under a root directory. */
function hostBacked(root: string): VirtualFileSystem & { calls: string[] } {
  const at = (p: string) => join(root, p);
  const calls: string[] = [];
  const st = (s: import("node:fs").Stats): VirtualStat => ({
    mode: s.mode, size: s.size, isDirectory: s.isDirectory(), isSymbolicLink: s.isSymbolicLink(),
    atimeMs: s.atimeMs, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, birthtimeMs: s.birthtimeMs,
    ino: s.ino, nlink: s.nlink, uid: 1000, gid: 1000,
  });
  const log = <T>(name: string, f: T) => ((...a: unknown[]) => (calls.push(name), (f as (...x: unknown[]) => unknown)(...a))) as T;
  return {
    calls,
    readFile: log("readFile", async (p: string) => new Uint8Array(await fsp.readFile(at(p)))),
    readTextFile: async (p) => fsp.readFile(at(p), "utf8"),
    readDir: log("readDir", async (p: string) => fsp.readdir(at(p))),
    readDirWithTypes: async (p) => (await fsp.readdir(at(p), { withFileTypes: true })).map((d) => ({ name: d.name, isDirectory: d.isDirectory(), isSymbolicLink: d.isSymbolicLink() })),
    writeFile: log("writeFile", async (p: string, c: string | Uint8Array) => fsp.writeFile(at(p), c)),
    createDir: async (p) => fsp.mkdir(at(p)),
    mkdir: async (p, o) => void (await fsp.mkdir(at(p), o)),
    exists: async (p) => fsp.access(at(p)).then(() => true, () => false),
    stat: log("stat", async (p: string) => st(await fsp.stat(at(p)))),
    lstat: async (p) => st(await fsp.lstat(at(p))),
    removeFile: async (p) => fsp.unlink(at(p)),
    removeDir: async (p) => fsp.rmdir(at(p)),
    rename: async (a, b) => fsp.rename(at(a), at(b)),
    realpath: async (p) => p,
    symlink: async (t, p) => fsp.symlink(t, at(p)),
    readlink: async (p) => fsp.readlink(at(p)),
    link: async (a, b) => fsp.link(at(a), at(b)),
    chmod: async (p, m) => fsp.chmod(at(p), m),
    chown: async () => {},
    utimes: async (p, a, m) => fsp.utimes(at(p), a, m),
    truncate: async (p, n) => fsp.truncate(at(p), n),
    pread: async (p, off, len) => {
      const h = await fsp.open(at(p));
      try {
        const size = (await h.stat()).size;
        const buf = Buffer.alloc(Math.max(0, Math.min(len, size - off)));
        await h.read(buf, 0, buf.length, off);
        return new Uint8Array(buf);
      } finally {
        await h.close();
      }
    },
    pwrite: async (p, off, data) => {
      const h = await fsp.open(at(p), "r+");
      try {
        await h.write(data, 0, data.length, off);
      } finally {
        await h.close();
      }
    },
  };
}

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "agentos-jsdrv-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("JavaScript VirtualFileSystem drivers", () => {
  it("serve the shell, guest node and the host API through the kernel", { timeout: 30_000 }, async () => {
    const root = fresh();
    const driver = hostBacked(root);
    const vm = await AgentOs.create({ mounts: [{ path: "/mnt/js", driver }] });
    try {
      const r = await vm.exec(
        "mkdir /mnt/js/d && echo hello > /mnt/js/d/a.txt && echo more >> /mnt/js/d/a.txt && cat /mnt/js/d/a.txt && ls /mnt/js/d && mv /mnt/js/d/a.txt /mnt/js/d/b.txt && ls /mnt/js/d",
      );
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("hello\nmore\na.txt\nb.txt\n");
      expect(readFileSync(join(root, "d", "b.txt"), "utf8")).toBe("hello\nmore\n");
      const n = await vm.exec(`node -e "const fs=require('fs'); fs.writeFileSync('/mnt/js/n.json', JSON.stringify({x:1})); console.log(JSON.parse(fs.readFileSync('/mnt/js/n.json','utf8')).x, fs.statSync('/mnt/js/d').isDirectory())"`);
      expect(n.stdout).toBe("1 true\n");
      expect(text(await vm.readFile("/mnt/js/d/b.txt"))).toBe("hello\nmore\n");
      expect(driver.calls).toContain("writeFile");
      // Errors thrown by the object keep their POSIX code.
      await rejectsWith(vm.readFile("/mnt/js/missing"), "ENOENT", "/mnt/js/missing");
      const rm = await vm.exec("rmdir /mnt/js/d; echo $?");
      expect(rm.stderr).toContain("Directory not empty");
    } finally {
      await vm.dispose();
    }
  });

  it("drivers over databases: codes in error names or messages, bytes as arrays, a pread/pwrite/truncate that does not work", { timeout: 30_000 }, async () => {
    // As rivetkit's createDatabaseVfs behaves: errors carry the code in `name` and the message
    // only, SQLite BLOBs come back as plain arrays, and its positional methods fail on them.
    const root = fresh();
    await fsp.writeFile(join(root, "f"), "hello");
    const base = hostBacked(root);
    const rename = (err: unknown) => {
      const code = (err as { code?: string }).code;
      if (!code) return err;
      const e = new Error(`${code}: ${(err as Error).message}`);
      e.name = code;
      return e;
    };
    const db = new Proxy(base, {
      get(t, k) {
        const v = (t as unknown as Record<string | symbol, unknown>)[k];
        if (typeof v !== "function") return v;
        return async (...a: unknown[]) => {
          if (k === "pread") return new Uint8Array(0);
          if (k === "pwrite") throw new TypeError("Invalid typed array length: NaN");
          if (k === "truncate") throw new RangeError("offset is out of bounds");
          try {
            const r = await (v as (...x: unknown[]) => Promise<unknown>).apply(t, a);
            return k === "readFile" ? Array.from(r as Uint8Array) : r;
          } catch (err) {
            throw rename(err);
          }
        };
      },
    }) as VirtualFileSystem;
    const vm = await AgentOs.create({ mounts: [{ path: "/db", driver: db }] });
    try {
      const r = await vm.exec(
        `cat /db/f; echo; echo more >> /db/f; [ -e /db/missing ] || echo absent; printf abc > /db/new; ` +
          `node -e 'const fs=require("fs"); fs.truncateSync("/db/f", 8); const fd=fs.openSync("/db/new","r+"); fs.writeSync(fd, "Z", 1); console.log(fs.readFileSync("/db/new","utf8"))'; ` +
          `tail -c 3 /db/f; echo; cat /db/nope`,
      );
      expect(r.stdout).toBe("hello\nabsent\naZc\nmor\n");
      expect(r.stderr).toBe("cat: /db/nope: No such file or directory\n");
      expect(readFileSync(join(root, "f"), "utf8")).toBe("hellomor");
      expect(text(await vm.readFile("/db/new"))).toBe("aZc");
      await rejectsWith(vm.readFile("/db/none"), "ENOENT", "/db/none");
    } finally {
      await vm.dispose();
    }
  });

  it("read-only mounts refuse writes without calling the object; a method that throws without a code is EIO", { timeout: 30_000 }, async () => {
    const root = fresh();
    await fsp.writeFile(join(root, "f"), "data");
    const driver = hostBacked(root);
    const broken = { ...hostBacked(root), stat: async () => { throw new Error("disk on fire"); } };
    const vm = await AgentOs.create({ mounts: [{ path: "/ro", driver, readOnly: true }] });
    try {
      vm.mountFs("/broken", broken);
      expect(text(await vm.readFile("/ro/f"))).toBe("data");
      const before = driver.calls.filter((c) => c === "writeFile").length;
      await rejectsWith(vm.writeFile("/ro/f", "x"), "EROFS");
      expect(driver.calls.filter((c) => c === "writeFile").length).toBe(before);
      await rejectsWith(vm.stat("/broken/f"), "EIO");
      vm.unmountFs("/broken");
      expect(() => vm.mountFs("/bad", {} as never)).toThrow(/VirtualFileSystem/);
    } finally {
      await vm.dispose();
    }
  });
});
