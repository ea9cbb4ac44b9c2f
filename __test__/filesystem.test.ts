import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentOs, KernelError, createInMemoryFileSystem } from "../index.js";
import { rejectsWith, text } from "./helpers";

let vm: AgentOs;
beforeEach(async () => {
  vm = await AgentOs.create();
});
afterEach(async () => {
  await vm.dispose();
});

describe("a new VM's tree", () => {
  it("has the Linux-like layout of the reference", async () => {
    for (const dir of ["/bin", "/usr/bin", "/root", "/tmp", "/home/user", "/home/agentos", "/etc", "/dev"]) {
      expect((await vm.stat(dir)).isDirectory, dir).toBe(true);
    }
    expect(await vm.exists("/dev/null")).toBe(true);
    const passwd = text(await vm.readFile("/etc/passwd"));
    expect(passwd).toContain("root:x:0:0:root:/root:/bin/bash\n");
    expect(passwd).toContain("user:x:1000:1000:user:/home/user:/bin/bash\n");
    expect(text(await vm.readFile("/etc/group"))).toContain("user:x:1000:\n");
    expect(text(await vm.readFile("/etc/hosts"))).toContain("127.0.0.1\tlocalhost");
    const tmp = await vm.stat("/tmp");
    expect(tmp.mode & 0o7777).toBe(0o1777);
    expect(tmp.mode & 0o170000).toBe(0o040000);
    const home = await vm.stat("/home/user");
    expect([home.uid, home.gid]).toEqual([1000, 1000]);
    const root = await vm.stat("/root");
    expect([root.uid, root.mode & 0o777]).toEqual([0, 0o700]);
  });
});

describe("files", () => {
  it("runs the seed's example", async () => {
    await vm.writeFile("/home/agentos/hello.txt", "Hello, world!");
    expect(text(await vm.readFile("/home/agentos/hello.txt"))).toBe("Hello, world!");
    await vm.mkdir("/home/agentos/src");
    const results = await vm.writeFiles([
      { path: "/home/agentos/src/index.ts", content: "console.log('hi');" },
      { path: "/home/agentos/src/utils.ts", content: "export const add = (a: number, b: number) => a + b;" },
    ]);
    expect(results).toEqual([
      { path: "/home/agentos/src/index.ts", success: true },
      { path: "/home/agentos/src/utils.ts", success: true },
    ]);
    const entries = await vm.readdirRecursive("/home/agentos");
    expect(entries).toEqual([
      { path: "/home/agentos/hello.txt", type: "file", size: 13 },
      { path: "/home/agentos/src", type: "directory", size: 4096 },
      { path: "/home/agentos/src/index.ts", type: "file", size: 18 },
      { path: "/home/agentos/src/utils.ts", type: "file", size: 51 },
    ]);
  });

  it("accepts strings and bytes and returns a Uint8Array", async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await vm.writeFile("/tmp/bin", bytes);
    const back = await vm.readFile("/tmp/bin");
    expect(back).toBeInstanceOf(Uint8Array);
    expect([...back]).toEqual([0, 1, 2, 255]);
    bytes[0] = 9; // the VM kept its own copy
    expect((await vm.readFile("/tmp/bin"))[0]).toBe(0);
    back[1] = 9; // and handed out a copy
    expect((await vm.readFile("/tmp/bin"))[1]).toBe(1);
    await vm.writeFile("/tmp/utf8", "héllo ✓");
    expect(text(await vm.readFile("/tmp/utf8"))).toBe("héllo ✓");
  });

  it("creates missing parents on writeFile", async () => {
    await vm.writeFile("/home/user/a/b/c.txt", "deep");
    expect((await vm.stat("/home/user/a/b")).isDirectory).toBe(true);
    const st = await vm.stat("/home/user/a/b/c.txt");
    expect(st).toMatchObject({ size: 4, isDirectory: false, isSymbolicLink: false, nlink: 1, uid: 1000, gid: 1000 });
    expect(st.mode).toBe(0o100644);
    for (const k of ["atimeMs", "mtimeMs", "ctimeMs", "birthtimeMs"] as const) {
      expect(Math.abs(st[k] - Date.now())).toBeLessThan(60_000);
    }
    expect(st.ino).toBeGreaterThan(0);
  });

  it("reads and writes many files with per-entry results", async () => {
    await vm.writeFile("/tmp/one", "1");
    const read = await vm.readFiles(["/tmp/one", "/tmp/missing", "relative"]);
    expect(read[0].path).toBe("/tmp/one");
    expect(text(read[0].content!)).toBe("1");
    expect(read[0].error).toBeUndefined();
    expect(read[1]).toEqual({ path: "/tmp/missing", content: null, error: "ENOENT: no such file or directory, open '/tmp/missing'" });
    expect(read[2].content).toBeNull();
    expect(read[2].error).toMatch(/^EINVAL/);
    const written = await vm.writeFiles([
      { path: "/tmp/w/a", content: "a" },
      { path: "/tmp/one/b", content: "b" },
    ]);
    expect(written[0]).toEqual({ path: "/tmp/w/a", success: true });
    expect(written[1].success).toBe(false);
    expect(written[1].error).toMatch(/^ENOTDIR/);
  });

  it("moves and deletes", async () => {
    await vm.writeFile("/tmp/d/f", "x");
    await vm.move("/tmp/d", "/tmp/e");
    expect(await vm.exists("/tmp/d")).toBe(false);
    expect(text(await vm.readFile("/tmp/e/f"))).toBe("x");
    await vm.move("/tmp/e/f", "/tmp/g");
    await rejectsWith(vm.delete("/tmp/nope"), "ENOENT", "/tmp/nope");
    await vm.writeFile("/tmp/e/h", "y");
    await rejectsWith(vm.delete("/tmp/e"), "ENOTEMPTY", "/tmp/e");
    await vm.delete("/tmp/e", { recursive: true });
    await vm.delete("/tmp/g");
    expect(await vm.readdir("/tmp")).toEqual([]);
  });

  it("lists directories without . and .., in name order", async () => {
    await vm.writeFiles(["c", "a", "b"].map((n) => ({ path: `/tmp/l/${n}`, content: n })));
    expect(await vm.readdir("/tmp/l")).toEqual(["a", "b", "c"]);
    await vm.mkdir("/tmp/l/sub/deeper", { recursive: true });
    const shallow = await vm.readdirRecursive("/tmp/l", { maxDepth: 0 });
    expect(shallow.map((e) => e.path)).toEqual(["/tmp/l/a", "/tmp/l/b", "/tmp/l/c", "/tmp/l/sub"]);
    const excluded = await vm.readdirRecursive("/tmp/l", { exclude: ["sub", "b"] });
    expect(excluded.map((e) => e.path)).toEqual(["/tmp/l/a", "/tmp/l/c"]);
  });

  it("resolves . and .. physically", async () => {
    await vm.writeFile("/tmp/x/y/f", "f");
    expect(text(await vm.readFile("/tmp/x/y/../y/./f"))).toBe("f");
    expect(await vm.exists("/tmp/x/../x/y")).toBe(true);
    expect(await vm.readdir("/..")).toContain("tmp");
  });
});

describe("errors carry Node-style codes and the path", () => {
  it("ENOENT", async () => {
    await rejectsWith(vm.readFile("/nope"), "ENOENT", "/nope");
    await rejectsWith(vm.stat("/nope/x"), "ENOENT", "/nope/x");
    await rejectsWith(vm.readdir("/nope"), "ENOENT", "/nope");
    await rejectsWith(vm.mkdir("/nope/x"), "ENOENT", "/nope/x");
    await rejectsWith(vm.move("/nope", "/tmp/x"), "ENOENT", "/nope");
    expect(await vm.exists("/nope")).toBe(false);
  });

  it("EEXIST", async () => {
    await rejectsWith(vm.mkdir("/tmp"), "EEXIST", "/tmp");
    await vm.writeFile("/tmp/f", "");
    await rejectsWith(vm.mkdir("/tmp/f", { recursive: true }), "EEXIST", "/tmp/f");
  });

  it("ENOTDIR", async () => {
    await vm.writeFile("/tmp/f", "");
    await rejectsWith(vm.readdir("/tmp/f"), "ENOTDIR", "/tmp/f");
    await rejectsWith(vm.readFile("/tmp/f/x"), "ENOTDIR", "/tmp/f/x");
    await rejectsWith(vm.writeFile("/tmp/f/x", "y"), "ENOTDIR", "/tmp/f/x");
  });

  it("EISDIR", async () => {
    await rejectsWith(vm.readFile("/tmp"), "EISDIR", "/tmp");
    await rejectsWith(vm.writeFile("/tmp", "x"), "EISDIR", "/tmp");
  });

  it("ENOTEMPTY", async () => {
    await vm.writeFile("/tmp/d/f", "");
    await rejectsWith(vm.delete("/tmp/d"), "ENOTEMPTY", "/tmp/d");
    await vm.mkdir("/tmp/e/g", { recursive: true });
    await rejectsWith(vm.move("/tmp/d", "/tmp/e"), "ENOTEMPTY", "/tmp/d");
  });

  it("EINVAL for relative, empty and NUL paths, and moving a directory into itself", async () => {
    for (const bad of ["relative/path", "", "/tmp/a\0b"]) {
      await rejectsWith(vm.readFile(bad), "EINVAL");
      await rejectsWith(vm.writeFile(bad, "x"), "EINVAL");
      await rejectsWith(vm.stat(bad), "EINVAL");
      await rejectsWith(vm.mkdir(bad), "EINVAL");
      await rejectsWith(vm.readdir(bad), "EINVAL");
      await rejectsWith(vm.exists(bad), "EINVAL");
      await rejectsWith(vm.delete(bad), "EINVAL");
    }
    await vm.mkdir("/tmp/d");
    await rejectsWith(vm.move("/tmp/d", "/tmp/d/inside"), "EINVAL", "/tmp/d");
  });

  it("ENAMETOOLONG", async () => {
    await rejectsWith(vm.writeFile(`/tmp/${"n".repeat(256)}`, "x"), "ENAMETOOLONG");
    await rejectsWith(vm.readFile("/a".repeat(3000)), "ENAMETOOLONG");
  });

  it("ELOOP for symlink cycles", async () => {
    const fs = createInMemoryFileSystem();
    await fs.symlink("b", "/a");
    await fs.symlink("a", "/b");
    await fs.symlink("/mnt/loop/self", "/self");
    vm.mountFs("/mnt/loop", fs);
    await rejectsWith(vm.readFile("/mnt/loop/a"), "ELOOP", "/mnt/loop/a");
    await rejectsWith(vm.stat("/mnt/loop/self"), "ELOOP", "/mnt/loop/self");
    await rejectsWith(vm.writeFile("/mnt/loop/a/x", "x"), "ELOOP");
  });

  it("errors are KernelErrors with errno and syscall, like Node's fs errors", async () => {
    const e = (await rejectsWith(vm.readFile("/missing"), "ENOENT")) as KernelError;
    expect(e).toBeInstanceOf(KernelError);
    expect(e.name).toBe("KernelError");
    expect(e.errno).toBe(-2);
    expect(e.syscall).toBe("open");
    expect(e.message).toBe("ENOENT: no such file or directory, open '/missing'");
  });
});

describe("mounts", () => {
  it("mounts a native in-memory filesystem, shared between VMs", async () => {
    const shared = createInMemoryFileSystem();
    await shared.writeFile("notes.md", "# shared");
    const other = await AgentOs.create({ mounts: [{ path: "/mnt/shared", driver: shared }] });
    vm.mountFs("/data", shared);
    expect(text(await vm.readFile("/data/notes.md"))).toBe("# shared");
    await other.writeFile("/mnt/shared/from-other", "hi");
    expect(text(await vm.readFile("/data/from-other"))).toBe("hi");
    expect(await shared.readTextFile("/from-other")).toBe("hi");
    expect((await vm.readdir("/")).includes("data")).toBe(true);
    await other.dispose();
  });

  it("read-only mounts refuse writes with EROFS", async () => {
    const fs = createInMemoryFileSystem();
    await fs.writeFile("/f", "x");
    vm.mountFs("/ro", fs, { readOnly: true });
    expect(text(await vm.readFile("/ro/f"))).toBe("x");
    await rejectsWith(vm.writeFile("/ro/f", "y"), "EROFS", "/ro/f");
    await rejectsWith(vm.writeFile("/ro/new", "y"), "EROFS", "/ro/new");
    await rejectsWith(vm.mkdir("/ro/d"), "EROFS", "/ro/d");
    await rejectsWith(vm.delete("/ro/f"), "EROFS", "/ro/f");
    expect(await fs.readTextFile("/f")).toBe("x");
  });

  it("moves across mounts by copying", async () => {
    vm.mountFs("/m", createInMemoryFileSystem());
    await vm.writeFile("/tmp/tree/a/b", "b");
    await vm.move("/tmp/tree", "/m/tree");
    expect(text(await vm.readFile("/m/tree/a/b"))).toBe("b");
    expect(await vm.exists("/tmp/tree")).toBe(false);
  });

  it("mount and unmount errors", async () => {
    const fs = createInMemoryFileSystem();
    vm.mountFs("/m", fs);
    expect(() => vm.mountFs("/m", fs)).toThrow(expect.objectContaining({ code: "EBUSY" }));
    expect(() => vm.unmountFs("/nothing")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => vm.unmountFs("/")).toThrow(expect.objectContaining({ code: "EBUSY" }));
    expect(() => vm.mountFs("relative", fs)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    await vm.writeFile("/file", "x");
    expect(() => vm.mountFs("/file", fs)).toThrow(expect.objectContaining({ code: "ENOTDIR" }));
    vm.unmountFs("/m");
    await rejectsWith(vm.readFile("/m/anything"), "ENOENT");
  });

  it("memory plugin mounts at boot", async () => {
    const os = await AgentOs.create({ mounts: [{ path: "/scratch", plugin: { id: "memory" } }] });
    await os.writeFile("/scratch/a", "a");
    expect(text(await os.readFile("/scratch/a"))).toBe("a");
    await os.dispose();
  });
});
