// S3 mounts against a real S3-compatible server: s3rver (npm devDependency), started here on a
// loopback port with its data in a temp directory, stopped at the end.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error s3rver ships no types
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentOs, type MountConfig } from "../index.js";
import { rejectsWith, text } from "./helpers";

const dataDir = mkdtempSync(join(tmpdir(), "agentos-s3rver-"));
let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
let endpoint = "";
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Plain HTTP against the server, as another S3 client would (s3rver accepts unsigned requests). */
async function s3(method: string, key: string, body?: Uint8Array | string): Promise<Response> {
  return fetch(`${endpoint}/bucket/${key}`, { method, body });
}

function mount(path: string, config: Record<string, unknown> = {}, readOnly = false): MountConfig {
  return { path, plugin: { id: "s3", config: { bucket: "bucket", endpoint, credentials, ...config } }, readOnly } as MountConfig;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dataDir, configureBuckets: [{ name: "bucket" }] });
  const addr = await server.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
  expect((await s3("PUT", "outside/seed.txt", "seeded")).status).toBe(200);
  expect((await s3("PUT", "data/a.txt", "alpha")).status).toBe(200);
  expect((await s3("PUT", "data/nested/deep/b.txt", "bravo")).status).toBe(200);
  expect((await s3("PUT", "data/nested/c.txt", "charlie")).status).toBe(200);
  expect((await s3("PUT", "data/numbers", "0123456789")).status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("s3 mounts", () => {
  it("shows objects under bucket/prefix as files and directories", async () => {
    const vm = await AgentOs.create({ mounts: [mount("/mnt/s3", { prefix: "data" })] });
    try {
      expect(text(await vm.readFile("/mnt/s3/a.txt"))).toBe("alpha");
      expect((await vm.readdir("/mnt/s3")).sort()).toEqual(["a.txt", "nested", "numbers"]);
      expect((await vm.readdir("/mnt/s3/nested")).sort()).toEqual(["c.txt", "deep"]);
      expect((await vm.stat("/mnt/s3/nested")).isDirectory).toBe(true);
      expect((await vm.stat("/mnt/s3/a.txt")).size).toBe(5);
      const tree = await vm.readdirRecursive("/mnt/s3");
      expect(tree.map((e) => e.path).sort()).toEqual(
        ["/mnt/s3/a.txt", "/mnt/s3/nested", "/mnt/s3/nested/c.txt", "/mnt/s3/nested/deep", "/mnt/s3/nested/deep/b.txt", "/mnt/s3/numbers"].sort(),
      );
      // Objects outside the prefix stay out of sight.
      await rejectsWith(vm.readFile("/mnt/s3/seed.txt"), "ENOENT");
      await rejectsWith(vm.readFile("/mnt/s3/nested"), "EISDIR");
      await rejectsWith(vm.readdir("/mnt/s3/a.txt"), "ENOTDIR");
      // An object put by another client after mounting appears.
      await s3("PUT", "data/later.txt", "late");
      expect(text(await vm.readFile("/mnt/s3/later.txt"))).toBe("late");
      const r = await vm.exec("cat /mnt/s3/nested/deep/b.txt; ls /mnt/s3/nested");
      expect(r.stdout).toBe("bravoc.txt\ndeep\n");
    } finally {
      await vm.dispose();
    }
  });

  it("reads ranges, writes, and guest node fs works on the mount", async () => {
    const vm = await AgentOs.create({ mounts: [mount("/s3", { prefix: "rw" })] });
    try {
      await vm.writeFile("/s3/hello.txt", "hello world");
      // writeFile uploads before it resolves.
      expect(await (await s3("GET", "rw/hello.txt")).text()).toBe("hello world");
      const src = [
        "const fs=require('fs');",
        "fs.mkdirSync('/s3/g/sub',{recursive:true});",
        "fs.writeFileSync('/s3/g/sub/n.txt','from node');",
        "fs.appendFileSync('/s3/g/sub/n.txt','!');",
        "const fd=fs.openSync('/s3/hello.txt','r'); const b=Buffer.alloc(5); fs.readSync(fd,b,0,5,6); fs.closeSync(fd);",
        "console.log(fs.readFileSync('/s3/g/sub/n.txt','utf8'), b.toString(), fs.readdirSync('/s3/g').join(','));",
      ].join("");
      const r = await vm.exec(`node -e "${src}"`);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("from node! world sub\n");
      // The append (a positioned write) is uploaded once the file is quiet.
      let body = "";
      for (let i = 0; i < 100 && body !== "from node!"; i++) {
        await new Promise((res) => setTimeout(res, 100));
        body = await (await s3("GET", "rw/g/sub/n.txt")).text();
      }
      expect(body).toBe("from node!");
      const sh = await vm.exec("echo one > /s3/sh.txt && echo two >> /s3/sh.txt && cat /s3/sh.txt");
      expect(sh.stdout).toBe("one\ntwo\n");
      // Empty directories exist (a marker object); rmdir of a non-empty one is ENOTEMPTY.
      await vm.mkdir("/s3/empty");
      expect(await vm.readdir("/s3/empty")).toEqual([]);
      await rejectsWith(vm.delete("/s3/g"), "ENOTEMPTY");
      await vm.delete("/s3/empty");
      expect(await vm.exists("/s3/empty")).toBe(false);
    } finally {
      await vm.dispose();
    }
  });

  it("round-trips a file larger than the multipart threshold", async () => {
    const vm = await AgentOs.create({ mounts: [mount("/s3", { prefix: "big" })] });
    try {
      const data = randomBytes(20 * 1024 * 1024 + 321);
      await vm.writeFile("/s3/blob.bin", data);
      const viaS3 = new Uint8Array(await (await s3("GET", "big/blob.bin")).arrayBuffer());
      expect(viaS3.length).toBe(data.length);
      expect(sha(viaS3)).toBe(sha(data));
      expect(sha(await vm.readFile("/s3/blob.bin"))).toBe(sha(data));
      const r = await vm.exec("cat /s3/blob.bin | wc -c");
      expect(r.stdout.trim()).toBe(String(data.length));
      // A ranged read from the guest (pread through a file descriptor).
      const src = "const fs=require('fs');const fd=fs.openSync('/s3/blob.bin','r');const b=Buffer.alloc(100000);fs.readSync(fd,b,0,100000,5000000);console.log(require('crypto').createHash('sha256').update(b).digest('hex'))";
      const mid = await vm.exec(`node -e "${src}"`);
      expect(mid.stdout.trim()).toBe(sha(data.subarray(5_000_000, 5_100_000)));
    } finally {
      await vm.dispose();
    }
  });

  it("renames by copy and delete, files and directories", async () => {
    const vm = await AgentOs.create({ mounts: [mount("/s3", { prefix: "mv" })] });
    try {
      await vm.mkdir("/s3/d/inner", { recursive: true });
      await vm.writeFile("/s3/d/inner/f", "moved");
      await vm.writeFile("/s3/one", "1");
      await vm.move("/s3/one", "/s3/two");
      expect((await s3("GET", "mv/one")).status).toBe(404);
      expect(await (await s3("GET", "mv/two")).text()).toBe("1");
      await vm.move("/s3/d", "/s3/e");
      expect(text(await vm.readFile("/s3/e/inner/f"))).toBe("moved");
      expect(await vm.exists("/s3/d")).toBe(false);
      expect(await (await s3("GET", "mv/e/inner/f")).text()).toBe("moved");
      const r = await vm.exec("mv /s3/two /s3/three && ls /s3");
      expect(r.stdout).toBe("e\nthree\n");
    } finally {
      await vm.dispose();
    }
  });

  it("is EROFS when read-only, and links are not supported", async () => {
    const vm = await AgentOs.create({ mounts: [mount("/ro", { prefix: "data" }, true), mount("/rw", { prefix: "links" })] });
    try {
      expect(text(await vm.readFile("/ro/a.txt"))).toBe("alpha");
      await rejectsWith(vm.writeFile("/ro/a.txt", "x"), "EROFS");
      await rejectsWith(vm.writeFile("/ro/new.txt", "x"), "EROFS");
      await rejectsWith(vm.mkdir("/ro/dir"), "EROFS");
      await rejectsWith(vm.delete("/ro/a.txt"), "EROFS");
      await rejectsWith(vm.move("/ro/a.txt", "/ro/b.txt"), "EROFS");
      expect(await (await s3("GET", "data/a.txt")).text()).toBe("alpha");
      await vm.writeFile("/rw/f", "x");
      const r = await vm.exec("ln -s /rw/f /rw/l; ln /rw/f /rw/h; chmod 600 /rw/f");
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr.match(/not permitted/gi)?.length).toBe(3);
    } finally {
      await vm.dispose();
    }
  });

  it("reports bad credentials as EACCES and an unknown bucket as ENOENT", async () => {
    const vm = await AgentOs.create({
      mounts: [
        mount("/bad", { credentials: { accessKeyId: "nope", secretAccessKey: "wrong" } }),
        mount("/none", { bucket: "no-such-bucket" }),
      ],
    });
    try {
      await rejectsWith(vm.readFile("/bad/data/a.txt"), "EACCES");
      await rejectsWith(vm.readFile("/none/a.txt"), "ENOENT");
    } finally {
      await vm.dispose();
    }
  });

  it("validates the s3 config", async () => {
    await expect(AgentOs.create({ mounts: [{ path: "/x", plugin: { id: "s3", config: {} } } as never] })).rejects.toThrow(/bucket/);
  });
});
