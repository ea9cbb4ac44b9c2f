// The `fs`, `childProcess` and `env` permission checks: asked for what guests do (shell
// commands, guest node, agents through ACP), never for the host's own API calls; a denial is
// EACCES in the guest with the check's reason.
// `allowedNodeBuiltins` gates which Node builtins guest JS may load (ERR_ACCESS_DENIED).
import { afterEach, describe, expect, it } from "vitest";
import { AgentOs } from "../index.js";

const T = 30_000;
let vm: AgentOs | undefined;
afterEach(async () => {
  await vm?.dispose();
  vm = undefined;
});

describe("permissions.fs", () => {
  it("denies guest operations with EACCES and the reason; the host API is not asked", { timeout: T }, async () => {
    const asked: { op: string; path: string }[] = [];
    vm = await AgentOs.create({
      permissions: {
        fs: (r) => {
          asked.push(r);
          return r.path.startsWith("/secret") ? { allow: false, reason: "secrets are off limits" } : { allow: true };
        },
      },
    });
    await vm.writeFile("/secret/key", "hunter2");
    expect(asked).toEqual([]);
    const sh = await vm.exec("cat /secret/key; echo hi > /secret/other; ls /secret; cat /home/user/../../secret/key; echo ok > /tmp/fine && cat /tmp/fine");
    expect(sh.stdout).toBe("ok\n");
    expect(sh.stderr).toContain("cat: /secret/key: Permission denied");
    expect(sh.stderr).toContain("/secret/other: Permission denied");
    const node = await vm.exec(
      `node -e "try { require('fs').readFileSync('/secret/key') } catch (e) { console.log(e.code, e.message) }"`,
    );
    expect(node.stdout).toBe("EACCES EACCES: permission denied, open '/secret/key': secrets are off limits\n");
    // Traversal is normalised before the check.
    expect(asked.some((r) => r.path === "/secret/key" && r.op === "read")).toBe(true);
    expect(asked.every((r) => !r.path.includes(".."))).toBe(true);
    expect(new TextDecoder().decode(await vm.readFile("/secret/key"))).toBe("hunter2");
  });

  it("caches decisions per operation and path", { timeout: T }, async () => {
    let calls = 0;
    vm = await AgentOs.create({ permissions: { fs: () => (calls++, { allow: true }) } });
    await vm.writeFile("/tmp/f", "x");
    await vm.exec(`node -e "const fs=require('fs'); for (let i=0;i<200;i++) fs.readFileSync('/tmp/f')"`);
    const first = calls;
    await vm.exec(`node -e "const fs=require('fs'); for (let i=0;i<200;i++) fs.readFileSync('/tmp/f')"`);
    expect(calls).toBe(first);
  });

  it("a check that throws or answers badly denies", { timeout: T }, async () => {
    vm = await AgentOs.create({
      permissions: {
        fs: (r) => {
          if (r.path === "/tmp/throws") throw new Error("kaboom");
          if (r.path === "/tmp/bad") return "yes" as never;
          return { allow: true };
        },
      },
    });
    const r = await vm.exec(`node -e "for (const p of ['/tmp/throws','/tmp/bad']) try { require('fs').writeFileSync(p, 'x') } catch (e) { console.log(e.code, e.message) }"`);
    expect(r.stdout).toContain("EACCES EACCES: permission denied, open '/tmp/throws': permissions.fs threw: kaboom");
    expect(r.stdout).toContain("permissions.fs returned no { allow } decision");
  });
});

describe("permissions.childProcess", () => {
  it("is asked for every process a guest starts, with command, args and cwd", { timeout: T }, async () => {
    const asked: { command: string; args: string[]; cwd?: string }[] = [];
    vm = await AgentOs.create({
      permissions: {
        childProcess: (r) => {
          asked.push({ command: r.command, args: r.args, cwd: r.cwd });
          return r.command === "rm" ? { allow: false, reason: "no deleting" } : { allow: true };
        },
      },
    });
    await vm.writeFile("/tmp/keep", "x");
    const sh = await vm.exec("rm /tmp/keep; echo status=$?; ls /tmp/keep", { cwd: "/tmp" });
    expect(sh.stdout).toBe("status=126\n/tmp/keep\n");
    expect(sh.stderr).toContain("rm: Permission denied: no deleting");
    expect(asked).toContainEqual({ command: "rm", args: ["/tmp/keep"], cwd: "/tmp" });
    const node = await vm.exec(`node -e "require('child_process').spawn('rm', ['/tmp/keep']).on('error', (e) => console.log(e.code, e.message))"`);
    expect(node.stdout).toBe("EACCES spawn rm EACCES: no deleting\n");
    expect(await vm.exists("/tmp/keep")).toBe(true);
  });
});

describe("permissions.env", () => {
  it("filters the environment each process starts with; the host's own environment never enters", { timeout: T }, async () => {
    process.env.AGENTOS_HOST_ONLY = "leak";
    try {
      vm = await AgentOs.create({
        permissions: { env: (r) => ({ allow: !r.key.startsWith("SECRET_"), reason: "hidden" }) },
      });
      const r = await vm.exec(`echo "[$SECRET_TOKEN][$VISIBLE][$AGENTOS_HOST_ONLY]"; node -p "[process.env.SECRET_TOKEN, process.env.VISIBLE].join()"`, {
        env: { SECRET_TOKEN: "s3cr3t", VISIBLE: "yes" },
      });
      expect(r.stdout).toBe("[][yes][]\n,yes\n");
    } finally {
      delete process.env.AGENTOS_HOST_ONLY;
    }
  });
});

describe("allowedNodeBuiltins", () => {
  const denied = (name: string) => `Access to node:${name} is denied: it is not in this VM's allowedNodeBuiltins`;

  it("a builtin the VM does not allow throws ERR_ACCESS_DENIED from require and import; allowed ones load", { timeout: T }, async () => {
    vm = await AgentOs.create({ allowedNodeBuiltins: ["fs", "node:path", "events"] });
    const cjs = await vm.exec(
      `node -e 'for (const m of ["child_process", "node:http", "os", "fs", "fs/promises", "path", "events"]) { try { require(m); console.log(m, "ok") } catch (e) { console.log(m, e.code, e.resource) } }'`,
    );
    expect(cjs).toEqual({
      exitCode: 0,
      stdout:
        "child_process ERR_ACCESS_DENIED node:child_process\nnode:http ERR_ACCESS_DENIED node:http\nos ERR_ACCESS_DENIED node:os\n" +
        "fs ok\nfs/promises ok\npath ok\nevents ok\n",
      stderr: "",
    });
    // A static import fails the program with the error; a dynamic one rejects with it.
    await vm.writeFile("/tmp/static.mjs", 'import { spawn } from "node:child_process";\nconsole.log("not reached", spawn);\n');
    const stat = await vm.exec("node /tmp/static.mjs");
    expect(stat.exitCode).toBe(1);
    expect(stat.stdout).toBe("");
    expect(stat.stderr).toContain(denied("child_process"));
    expect(stat.stderr).toContain("code: 'ERR_ACCESS_DENIED'");
    await vm.writeFile(
      "/tmp/dynamic.mjs",
      'try { await import("net") } catch (e) { console.log(e.code, e.message) }\nconst { readFile } = await import("node:fs/promises");\nconsole.log(typeof readFile);\n',
    );
    expect((await vm.exec("node /tmp/dynamic.mjs")).stdout).toBe(`ERR_ACCESS_DENIED ${denied("net")}\nfunction\n`);
    // Every way to require goes through the same gate.
    const ways = await vm.exec(
      `node -e 'const M = module.constructor; for (const f of [() => M._load("os"), () => module.require("os"), () => globalThis.__agentos.builtin("os")]) { try { f(); console.log("loaded") } catch (e) { console.log(e.code) } }'`,
    );
    expect(ways.stdout).toBe("ERR_ACCESS_DENIED\nERR_ACCESS_DENIED\nERR_ACCESS_DENIED\n");
    // Processes node starts in the VM are under the same rule; the shell is not affected.
    await vm.writeFile("/tmp/child.js", 'try { require("os") } catch (e) { console.log("child", e.code) }');
    const nested = await vm.exec(`node -e 'require("fs")' && node /tmp/child.js && echo shell-ok`);
    expect(nested.stdout).toBe("child ERR_ACCESS_DENIED\nshell-ok\n");
  });

  it("[] allows no builtin, yet the process runs with its globals; other VMs are unaffected", { timeout: T }, async () => {
    vm = await AgentOs.create({ allowedNodeBuiltins: [] });
    // Globals built on builtins (fetch's classes are undici over net, stream, util...) still work.
    const g = await vm.exec(`node -e 'console.log(new Headers({ a: "1" }).get("a"), new Request("http://x/").method)'`);
    expect(g).toEqual({ exitCode: 0, stdout: "1 GET\n", stderr: "" });
    const r = await vm.exec(`node -e 'console.log(typeof process.env, typeof Buffer, typeof setTimeout); require("path")'`);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("object function function\n");
    expect(r.stderr).toContain(denied("path"));
    const other = await AgentOs.create();
    try {
      expect((await other.exec(`node -e 'console.log(typeof require("child_process").spawn)'`)).stdout).toBe("function\n");
    } finally {
      await other.dispose();
    }
  });

  it("process.binding is denied in every VM", { timeout: T }, async () => {
    vm = await AgentOs.create();
    const r = await vm.exec(`node -e 'try { process.binding("fs") } catch (e) { console.log(e.code) }'`);
    expect(r.stdout).toBe("ERR_ACCESS_DENIED\n");
  });

  it("rejects a list that is not of builtin names", { timeout: T }, async () => {
    for (const bad of [["child-process"], ["fs", 3], "fs", [""]]) {
      await expect(AgentOs.create({ allowedNodeBuiltins: bad as string[] })).rejects.toMatchObject({ code: "ERR_AGENT_OS_INVALID_OPTIONS" });
    }
  });
});
