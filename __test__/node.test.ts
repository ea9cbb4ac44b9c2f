// `node` in the VM: the engine, the command line, stdio, module loading, bounds and isolation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Worker } from "node:worker_threads";
import { AgentOs } from "../index.js";

let vm: AgentOs;
beforeAll(async () => {
  vm = await AgentOs.create();
});
afterAll(async () => {
  await vm.dispose();
});

async function files(os: AgentOs, tree: Record<string, string>) {
  for (const [p, content] of Object.entries(tree)) {
    await os.mkdir(p.slice(0, p.lastIndexOf("/")) || "/", { recursive: true });
    await os.writeFile(p, content);
  }
}

describe("command line", () => {
  it("reports v22", async () => {
    const r = await vm.exec("node --version");
    expect(r).toMatchObject({ exitCode: 0, stdout: "v22.12.0\n" });
    expect((await vm.exec("node -v")).stdout).toBe("v22.12.0\n");
  });

  it("-e, -p and argv", async () => {
    expect((await vm.exec(`node -e 'console.log(process.argv.slice(1).join(","))' a b`)).stdout).toBe("a,b\n");
    expect((await vm.exec(`node -p '6 * 7'`)).stdout).toBe("42\n");
    expect((await vm.exec(`node -p '({a: [1, "x"]})'`)).stdout).toBe("{ a: [ 1, 'x' ] }\n");
  });

  it("runs .js and .mjs files with their arguments", async () => {
    await files(vm, {
      "/home/user/cli/a.js": "console.log(process.argv.slice(2), __filename, __dirname, require.main === module)",
      "/home/user/cli/b.mjs": "console.log(process.argv.slice(2).length, import.meta.url)",
    });
    const a = await vm.exec("node cli/a.js x y", { cwd: "/home/user" });
    expect(a.stdout).toBe("[ 'x', 'y' ] /home/user/cli/a.js /home/user/cli true\n");
    const b = await vm.exec("node /home/user/cli/b.mjs 1 2 3");
    expect(b.stdout).toBe("3 file:///home/user/cli/b.mjs\n");
  });

  it("exit codes: process.exit, exitCode, uncaught exception, unhandled rejection", async () => {
    expect((await vm.exec("node -e 'process.exit(7)'")).exitCode).toBe(7);
    expect((await vm.exec("node -e 'process.exitCode = 3'")).exitCode).toBe(3);
    const thrown = await vm.exec(`node -e 'function f() { throw new Error("boom") } f()'`);
    expect(thrown.exitCode).toBe(1);
    expect(thrown.stderr).toContain("Error: boom\n    at f (");
    expect(thrown.stderr).toContain("Node.js v22.12.0");
    const rejected = await vm.exec(`node -e 'Promise.reject(new Error("nope"))'`);
    expect(rejected.exitCode).toBe(1);
    expect(rejected.stderr).toContain("Error: nope");
    const late = await vm.exec(`node -e 'setTimeout(() => { throw new TypeError("later") }, 1)'`);
    expect(late.exitCode).toBe(1);
    expect(late.stderr).toContain("TypeError: later");
  });

  it("reports an uncaught error as Node does: stack, own properties, version; exit handlers run", async () => {
    const r = await vm.exec(`node -e 'process.on("exit", (c) => console.log("exit", c)); require("fs").readFileSync("nope")'`);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("exit 1\n");
    expect(r.stderr).toMatch(/^Error: ENOENT: no such file or directory, open 'nope'\n    at /);
    expect(r.stderr).toContain("errno: -2,\n  code: 'ENOENT',\n  syscall: 'open',\n  path: 'nope'\n}\n\nNode.js v22.12.0\n");
    expect(r.stderr).not.toContain("ext:");
    const plain = await vm.exec(`node -e 'Promise.reject(42)'`);
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).toContain('The promise rejected with the reason "42".');
    expect(plain.stderr).toContain("code: 'ERR_UNHANDLED_REJECTION'");
  });

  it("runs exit and beforeExit handlers", async () => {
    const r = await vm.exec(
      `node -e 'let n = 0; process.on("beforeExit", () => { if (n++ < 2) setTimeout(() => console.log("tick", n), 1) }); process.on("exit", (c) => console.log("exit", c))'`,
    );
    expect(r.stdout).toBe("tick 1\ntick 2\nexit 0\n");
    const e = await vm.exec(`node -e 'process.on("exit", (c) => console.log("bye", c)); process.exit(4)'`);
    expect(e).toMatchObject({ exitCode: 4, stdout: "bye 4\n" });
  });

  it("refuses unknown options like node (exit 9)", async () => {
    const r = await vm.exec("node --definitely-not-an-option");
    expect(r.exitCode).toBe(9);
    expect(r.stderr).toContain("bad option");
  });

  it("reads the program from stdin when given no script", async () => {
    expect((await vm.exec(`echo 'console.log(1 + 1)' | node`)).stdout).toBe("2\n");
  });
});

describe("stdio", () => {
  it("sits in a pipeline", async () => {
    const r = await vm.exec(`echo hi | node -e "process.stdin.pipe(process.stdout)" | tr a-z A-Z`);
    expect(r).toMatchObject({ exitCode: 0, stdout: "HI\n" });
  });

  it("reads stdin as a stream and writes stderr", async () => {
    const r = await vm.exec(
      `printf 'a\\nb\\nc\\n' | node -e 'let s = ""; process.stdin.setEncoding("utf8"); process.stdin.on("data", d => s += d); process.stdin.on("end", () => { console.error("lines", s.split("\\n").length - 1); console.log(s.toUpperCase().trim()) })'`,
    );
    expect(r.stdout).toBe("A\nB\nC\n");
    expect(r.stderr).toBe("lines 3\n");
  });

  it("large output passes through intact", async () => {
    const r = await vm.exec(`node -e 'process.stdout.write("x".repeat(300000))' | wc -c`);
    expect(r.stdout.trim()).toBe("300000");
  });
});

describe("modules", () => {
  beforeAll(async () => {
    await files(vm, {
      "/home/user/app/package.json": JSON.stringify({ name: "app", imports: { "#util": "./lib/util.js" } }),
      "/home/user/app/lib/util.js": "exports.twice = (x) => x * 2;",
      "/home/user/app/data.json": '{"answer": 42}',
      "/home/user/app/cycle-a.js": "exports.a = 1; const b = require('./cycle-b'); exports.fromB = b.b; exports.bSawA = b.sawA;",
      "/home/user/app/cycle-b.js": "const a = require('./cycle-a'); exports.sawA = a.a; exports.b = 2;",
      "/home/user/app/node_modules/dual/package.json": JSON.stringify({
        name: "dual",
        exports: { ".": { import: "./esm.mjs", require: "./cjs.js" }, "./feature/*": "./features/*.js" },
      }),
      "/home/user/app/node_modules/dual/cjs.js": "module.exports = { kind: 'cjs' };",
      "/home/user/app/node_modules/dual/esm.mjs": "export const kind = 'esm'; export default 'dual-esm';",
      "/home/user/app/node_modules/dual/features/x.js": "module.exports = 'feature x';",
      "/home/user/app/node_modules/legacy/package.json": JSON.stringify({ name: "legacy", main: "lib/main" }),
      "/home/user/app/node_modules/legacy/lib/main.js": "exports.name = 'legacy'; exports.dir = __dirname;",
      "/home/user/app/node_modules/esm-only/package.json": JSON.stringify({ name: "esm-only", type: "module", exports: "./index.js" }),
      "/home/user/app/node_modules/esm-only/index.js": "export const hello = (n) => `hello ${n}`;",
      "/home/user/app/node_modules/native/package.json": JSON.stringify({ name: "native", main: "addon.node" }),
      "/home/user/app/node_modules/native/addon.node": "\x7fELF",
      "/home/user/app/main.js": [
        "const util = require('#util');",
        "console.log(util.twice(21), require('./data.json').answer);",
        "console.log(require('dual').kind, require('dual/feature/x'));",
        "console.log(require('legacy').name, require('legacy').dir);",
        "const a = require('./cycle-a'); console.log(a.fromB, a.bSawA);",
        "console.log(require.resolve('dual'), require.resolve('fs'));",
        "const { createRequire } = require('module');",
        "console.log(createRequire('/home/user/app/lib/')('./util.js').twice(5));",
        "import('esm-only').then((m) => console.log(m.hello('esm')));",
      ].join("\n"),
      "/home/user/app/main.mjs": [
        "import dual, { kind } from 'dual';",
        "import legacy from 'legacy';",
        "import { name } from 'legacy';",
        "import { readFileSync } from 'node:fs';",
        "import path from 'path';",
        "import { createRequire } from 'module';",
        "import data from './data.json' with { type: 'json' };",
        "const require = createRequire(import.meta.url);",
        "console.log(dual, kind, legacy.name, name, data.answer, require('dual').kind);",
        "console.log(path.basename(import.meta.url), typeof readFileSync);",
        "const m = await import('./lib/util.js');",
        "console.log(m.default.twice(4), m.twice(5));",
      ].join("\n"),
    });
  });

  it("CommonJS: json, #imports, exports conditions and patterns, main, cycles, resolve, createRequire, import()", async () => {
    const r = await vm.exec("node main.js", { cwd: "/home/user/app" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        "42 42",
        "cjs feature x",
        "legacy /home/user/app/node_modules/legacy/lib",
        "2 1",
        "/home/user/app/node_modules/dual/cjs.js fs",
        "10",
        "hello esm",
        "",
      ].join("\n"),
    );
  });

  it("ES modules: builtins, CJS interop, JSON, top-level await, dynamic import", async () => {
    const r = await vm.exec("node main.mjs", { cwd: "/home/user/app" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("dual-esm esm legacy legacy 42 cjs\nmain.mjs function\n8 10\n");
  });

  it("--input-type=module evaluates -e code as ESM", async () => {
    const r = await vm.exec(`node --input-type=module -e 'import os from "node:os"; console.log(typeof os.EOL, await Promise.resolve(5))'`);
    expect(r.stdout).toBe("string 5\n");
  });

  it("missing modules and native addons fail clearly", async () => {
    const missing = await vm.exec(`node -e 'require("nope-not-here")'`, { cwd: "/home/user/app" });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("Cannot find module 'nope-not-here'");
    const code = await vm.exec(`node -e 'try { require("nope") } catch (e) { console.log(e.code) }'`);
    expect(code.stdout).toBe("MODULE_NOT_FOUND\n");
    const addon = await vm.exec(`node -e 'try { require("native") } catch (e) { console.log(e.code, e.message) }'`, {
      cwd: "/home/user/app",
    });
    expect(addon.stdout).toContain("ERR_DLOPEN_FAILED");
    expect(addon.stdout).toContain("native addons (.node) are not supported");
    const esmMissing = await vm.exec(`node --input-type=module -e 'import "./nope.mjs"'`);
    expect(esmMissing.exitCode).toBe(1);
    expect(esmMissing.stderr).toContain("Cannot find module");
  });

  it("a missing main script exits 1 with MODULE_NOT_FOUND", async () => {
    const r = await vm.exec("node /home/user/does-not-exist.js");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Cannot find module '/home/user/does-not-exist.js'");
  });
});

describe("isolation", () => {
  it("sees only the VM: no host env, files, or Deno internals", async () => {
    process.env.AGENTOS_HOST_SECRET = "leak";
    const r = await vm.exec(
      `node -e 'const fs = require("fs"); console.log(process.env.AGENTOS_HOST_SECRET, typeof Deno, typeof __bootstrap, fs.existsSync("/work"), fs.existsSync("/etc/passwd"), process.cwd(), process.env.HOME)'`,
    );
    delete process.env.AGENTOS_HOST_SECRET;
    expect(r.stdout).toBe("undefined undefined undefined false true /home/user /home/user\n");
  });

  it("each process is its own isolate: globals do not leak between runs", async () => {
    await vm.exec(`node -e 'globalThis.leak = 1; require("fs").leak = 2'`);
    const r = await vm.exec(`node -e 'console.log(typeof leak, require("fs").leak)'`);
    expect(r.stdout).toBe("undefined undefined\n");
  });

  it("VMs do not see each other", async () => {
    const other = await AgentOs.create();
    await other.writeFile("/tmp/mine.txt", "other");
    const r = await vm.exec(`node -e 'console.log(require("fs").existsSync("/tmp/mine.txt"))'`);
    expect(r.stdout).toBe("false\n");
    await other.dispose();
  });
});

describe("bounds", () => {
  it("stops an endless loop at limits.cpuTimeMs (exit 137) and the VM carries on", async () => {
    const limited = await AgentOs.create({ limits: { cpuTimeMs: 300 } });
    const r = await limited.exec(`node -e 'while (true) {}'`);
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toContain("CPU time limit exceeded (limits.cpuTimeMs = 300)");
    expect((await limited.exec(`node -p '1 + 1'`)).stdout).toBe("2\n");
    await limited.dispose();
  }, 30_000);

  it.each([
    ["a growing array of arrays", "const a = []; for (;;) a.push(new Array(1e6).fill(1))"],
    ["an 8 GB ArrayBuffer", "new ArrayBuffer(8e9)"],
    ["string doubling", "let s = 'x'.repeat(2 ** 20); const keep = []; for (;;) { keep.push(s + keep.length) ; s = s + s.slice(0, 2 ** 20) }"],
    ["repeat(2 ** 29) in a loop", "const keep = []; for (;;) { try { keep.push('x'.repeat(2 ** 29)) } catch { keep.push('y'.repeat(2 ** 27) + keep.length) } }"],
  ])("stops %s at limits.memoryMb (exit 137)", async (_name, code) => {
    const limited = await AgentOs.create({ limits: { memoryMb: 64 } });
    const r = await limited.exec(`node -e "${code}"`);
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toContain("memory limit exceeded (limits.memoryMb = 64)");
    expect((await limited.exec(`node -p '"still here"'`)).stdout).toBe("still here\n");
    await limited.dispose();
  }, 60_000);

  it("a signal ends a running guest", async () => {
    const p = vm.spawn("node", ["-e", "while (true) {}"]);
    await new Promise((r) => setTimeout(r, 100));
    vm.killProcess(p.pid);
    const code = await vm.waitProcess(p.pid);
    expect(code).toBe(137);
  }, 30_000);

  it("output is bounded by limits.maxOutputBytes", async () => {
    const limited = await AgentOs.create({ limits: { maxOutputBytes: 100_000 } });
    const r = await limited.exec(`node -e 'for (;;) process.stdout.write("y".repeat(1000))'`);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("output limit exceeded");
    await limited.dispose();
  }, 30_000);
});

describe("coexistence with the host's V8", () => {
  it("isolates run while the host keeps running JS", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => vm.exec(`node -p '${i} * 2'`)));
    clearInterval(timer);
    expect(runs.map((r) => r.stdout)).toEqual(Array.from({ length: 8 }, (_, i) => `${i * 2}\n`));
    expect(ticks).toBeGreaterThan(0);
    expect([1, 2, 3].map((x) => x * 2)).toEqual([2, 4, 6]);
  }, 30_000);

  it("works from a worker_threads worker", async () => {
    const url = new URL("../index.js", import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(url)}).then(async ({ AgentOs }) => {
         const { parentPort } = await import("node:worker_threads");
         const vm = await AgentOs.create();
         const r = await vm.exec("node -p process.platform");
         await vm.dispose();
         parentPort.postMessage(r.stdout);
       });`,
      { eval: true },
    );
    const out = await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(out).toBe("linux\n");
  }, 30_000);
});

describe("uncaught errors", () => {
  it("uncaughtException listeners receive errors from timers, ticks and rejections", async () => {
    const r = await vm.exec(
      `node -e 'process.on("uncaughtException", (e, origin) => console.log("caught", e.message, origin)); setTimeout(() => { throw new Error("t") }, 20); process.nextTick(() => { throw new Error("n") }); Promise.reject(new Error("p")); setTimeout(() => console.log("still running"), 40)'`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("caught n uncaughtException\ncaught p unhandledRejection\ncaught t uncaughtException\nstill running\n");
    expect(r.exitCode).toBe(0);
  });

  it("unhandledRejection listeners keep the process alive", async () => {
    const r = await vm.exec(`node -e 'process.on("unhandledRejection", (e) => console.log("rejected", e)); Promise.reject(42)'`);
    expect(r).toMatchObject({ exitCode: 0, stdout: "rejected 42\n" });
  });
});

describe("event loop order", () => {
  it("runs process.nextTick callbacks before promise callbacks, as Node does", async () => {
    const script = `
      const log = [];
      Promise.resolve().then(() => log.push("micro1"));
      process.nextTick(() => { log.push("tick1"); Promise.resolve().then(() => log.push("micro2")); process.nextTick(() => log.push("tick3")); });
      process.nextTick(() => log.push("tick2"));
      setTimeout(() => {
        Promise.resolve().then(() => log.push("t-micro"));
        process.nextTick(() => log.push("t-tick"));
      }, 1);
      setTimeout(() => console.log(log.join(" ")), 20);`;
    const r = await vm.exec(`node -e '${script}'`);
    expect(r.stdout).toBe("tick1 tick2 tick3 micro1 micro2 t-tick t-micro\n");
  });
});

describe("require of ES modules", () => {
  it("an ES module's error reaches require()'s caller and nothing else", async () => {
    await vm.writeFile("/home/user/throws.mjs", "throw new TypeError('from esm')");
    await vm.writeFile("/home/user/req.cjs", "try { require('./throws.mjs') } catch (e) { console.log('caught', e.name, e.message) }\nsetTimeout(() => console.log('alive'), 5);");
    const r = await vm.exec("node req.cjs", { cwd: "/home/user" });
    expect(r).toMatchObject({ exitCode: 0, stdout: "caught TypeError from esm\nalive\n", stderr: "" });
  });
});
