// `child_process` for guest JavaScript: processes of the VM started by a guest, with Node's
// events, results and errors. Scripts whose behaviour is the same in Node 20 and 22 are also run
// by the host's real Node and the outputs compared; the rest assert exact output.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentOs } from "../index.js";
import { guestRunner, sameAsHost as sameAsHostWith } from "./helpers.js";

let vm: AgentOs;
beforeAll(async () => {
  vm = await AgentOs.create();
});
afterAll(async () => {
  await vm.dispose();
});

const guest = guestRunner(() => vm, "cp");
const sameAsHost = (src: string) => sameAsHostWith(guest, src);

// Runs a child to its 'close', printing its events, output and final state.
const RUN = `
const cp = require("child_process");
const run = (name, child, extra) => new Promise((res) => {
  const ev = [];
  let out = "", err = "";
  child.stdout && child.stdout.on("data", (d) => (out += d));
  child.stderr && child.stderr.on("data", (d) => (err += d));
  for (const e of ["spawn", "exit", "close", "error"]) child.on(e, (...a) => {
    ev.push(e + (e === "error" ? ":" + a[0].code + ":" + a[0].message : a.length ? ":" + a.join("/") : ""));
    if (e === "close") {
      console.log(name, ev.join(" "), JSON.stringify(out), JSON.stringify(err), child.exitCode, child.signalCode, typeof child.pid, child.killed);
      res();
    }
  });
  extra && extra(child);
});
`;

describe("spawn", () => {
  it("events in Node's order, exit codes, signals, stdio, shell, cwd, env (as host node)", async () => {
    const out = await sameAsHost(`${RUN}
(async () => {
  await run("echo", cp.spawn("echo", ["a", "b"]));
  await run("fail", cp.spawn("sh", ["-c", "echo o; echo e >&2; exit 7"]));
  await run("stdin", cp.spawn("cat"), (c) => { c.stdin.write("in1 "); c.stdin.end("in2"); });
  await run("enoent", cp.spawn("nosuchcmd", ["q"]));
  await run("kill", cp.spawn("sleep", ["10"]), (c) => setTimeout(() => console.log("kill returns", c.kill(), c.killed), 50));
  await run("SIGKILL", cp.spawn("sleep", ["10"]), (c) => setTimeout(() => c.kill("SIGKILL"), 50));
  await run("shell", cp.spawn("echo hi | tr a-z A-Z", { shell: true }));
  await run("cwd", cp.spawn("pwd", { cwd: "/" }));
  await run("ignore", cp.spawn("sh", ["-c", "echo x; echo y >&2"], { stdio: ["ignore", "pipe", "ignore"] }));
  await run("timeout", cp.spawn("sleep", ["10"], { timeout: 50 }));
  await run("env", cp.spawn("sh", ["-c", "echo $AA-$BB"], { env: { ...process.env, AA: "1", BB: undefined } }));
  const c = cp.spawn("true");
  await new Promise((r) => c.on("close", r));
  console.log("kill after exit", c.kill());
  try { cp.spawn("echo").kill("SIGFOO"); } catch (e) { console.log(e.code, e.name, e.message); }
  const echo = cp.spawn("cat");
  echo.stdout.setEncoding("utf8");
  echo.stdout.on("data", (d) => { console.log("echoed", d); echo.stdin.end(); });
  echo.stdin.write("ping");
  await new Promise((r) => echo.on("close", r));
  const inh = cp.spawn("true", { stdio: "inherit" });
  console.log("inherit", inh.stdin, inh.stdout, inh.stderr, inh.stdio.length);
  console.log(cp.spawn("true") instanceof cp.ChildProcess, cp.spawn("true").spawnargs);
})();
`);
    expect(out).toContain("echo spawn exit:0/ close:0/ \"a b\\n\" \"\" 0 null number false\n");
    expect(out).toContain("enoent error:ENOENT:spawn nosuchcmd ENOENT close:-2/ \"\" \"\" -2 null undefined false\n");
    expect(out).toContain("SIGKILL spawn exit:/SIGKILL close:/SIGKILL \"\" \"\" null SIGKILL number true\n");
  });

  it("spawn errors carry Node's properties; argument errors throw", async () => {
    const r = await guest(`const cp = require("child_process");
const c = cp.spawn("nosuchcmd", ["a", "b"]);
c.on("error", (e) => console.log(e.message, e.errno, e.code, e.syscall, e.path, JSON.stringify(e.spawnargs), c.pid));
for (const f of [() => cp.spawn(""), () => cp.spawn(5), () => cp.spawn("echo", "x"), () => cp.spawn("echo", [1]), () => cp.spawn("echo", { stdio: "bogus" })]) {
  try { f(); } catch (e) { console.log(e.name, e.code, e.message); }
}`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        "TypeError ERR_INVALID_ARG_VALUE The argument 'file' cannot be empty. Received ''",
        'TypeError ERR_INVALID_ARG_TYPE The "file" argument must be of type string. Received type number (5)',
        `TypeError ERR_INVALID_ARG_TYPE The "args" argument must be of type object. Received type string ('x')`,
        'TypeError ERR_INVALID_ARG_TYPE The "args[0]" argument must be of type string. Received type number (1)',
        "TypeError ERR_INVALID_ARG_VALUE The argument 'stdio' is invalid. Received 'bogus'",
        'spawn nosuchcmd ENOENT -2 ENOENT spawn nosuchcmd nosuchcmd ["a","b"] undefined',
        "",
      ].join("\n"),
    );
  });

  it("AbortSignal kills spawn and exec children; kill(0) (as host node)", async () => {
    await sameAsHost(`const cp = require("child_process");
const ac = new AbortController();
const c = cp.spawn("sleep", ["10"], { signal: ac.signal });
c.on("error", (e) => console.log("error", e.name, e.code, e.message));
c.on("exit", (code, sig) => console.log("exit", code, sig, c.killed));
setTimeout(() => ac.abort(), 50);
const ac2 = new AbortController();
cp.exec("sleep 10", { signal: ac2.signal }, (err, out) => console.log("exec cb", err.name, err.code, JSON.stringify(out)));
setTimeout(() => ac2.abort(), 80);
const d = cp.spawn("sleep", ["1"]);
console.log("kill 0", d.kill(0), d.killed);
d.kill("SIGKILL");
const aborted = AbortSignal.abort();
const e = cp.spawn("sleep", ["10"], { signal: aborted });
e.on("error", (err) => console.log("pre-aborted", err.name));
e.on("exit", (code, sig) => console.log("pre-aborted exit", code, sig));
`);
  });

  it("new ChildProcess().spawn() with Node's internal options (as host node)", async () => {
    await sameAsHost(`const { ChildProcess } = require("child_process");
const c = new ChildProcess();
c.spawn({ file: "sh", args: ["sh", "-c", "echo $A"], envPairs: ["A=from-pairs", "PATH=/usr/bin:/bin"], stdio: "pipe" });
c.stdout.on("data", (d) => console.log(String(d).trim()));
c.on("close", (code) => console.log("close", code));
`);
  });

  it("detached children lead their own process group (as host node)", async () => {
    await sameAsHost(`const cp = require("child_process");
const c = cp.spawn("sh", ["-c", "sleep 10 & sleep 10; echo done"], { detached: true });
c.on("spawn", () => setTimeout(() => { console.log("kill group", process.kill(-c.pid, "SIGTERM")); }, 100));
c.on("exit", (code, sig) => console.log("exit", code, sig));
c.on("close", (code, sig) => console.log("close", code, sig));
`);
  });

  it("a missing cwd is ENOENT for the command, and 'close' follows 'error' (as host node)", async () => {
    await sameAsHost(`const cp = require("child_process");
const c = cp.spawn("pwd", { cwd: "/nonexistent" });
c.on("error", (e) => console.log("error", e.message, e.code, e.errno, e.syscall, e.path));
c.on("close", (code, sig) => {
  console.log("close", code, sig, c.exitCode);
  const r = cp.spawnSync("pwd", ["-L"], { cwd: "/nonexistent" });
  console.log(r.error.message, r.error.code, JSON.stringify(r.error.spawnargs), r.status);
});`);
  });

  it("reading the parent's pipes: readFileSync(0) and /dev/stdin in a guest child", async () => {
    const r = await guest(`const cp = require("child_process");
const a = cp.spawnSync(process.execPath, ["-e", "console.log(require('fs').readFileSync(0, 'utf8').toUpperCase())"], { input: "stdin data" });
const b = cp.spawnSync(process.execPath, ["-e", "console.log(require('fs').readFileSync('/dev/stdin', 'utf8').length)"], { input: "12345" });
const c = cp.spawnSync(process.execPath, ["-e", "require('fs').writeFileSync('/dev/stderr', 'E'); require('fs').writeSync(1, 'O')"]);
console.log(a.stdout.toString().trim(), b.stdout.toString().trim(), c.stdout.toString(), c.stderr.toString());`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("STDIN DATA 5 O E\n");
  });

  it("guest node children: piped and inherited stdio, exit codes, signals, uncaught errors", async () => {
    const r = await guest(`const cp = require("child_process");
const fs = require("fs");
fs.writeFileSync("kid.js", "process.stdout.write('kid out\\\\n'); process.stderr.write('kid err\\\\n'); process.exitCode = 4;");
const c = cp.spawn(process.execPath, ["kid.js"]);
c.stdout.pipe(process.stdout);
c.stderr.pipe(process.stdout);
c.on("close", (code) => {
  console.log("code", code);
  const d = cp.spawn(process.execPath, ["kid.js"], { stdio: "inherit" });
  d.on("exit", (code) => {
    console.log("inherit code", code);
    const r = cp.spawnSync(process.execPath, ["-e", "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 1000)"]);
    console.log("self-killed", r.status, r.signal);
    const e = cp.spawnSync(process.execPath, ["-e", "throw new Error('boom')"], { encoding: "utf8" });
    console.log("throw", e.status, e.stderr.split("\\n").filter((l) => l.startsWith("Error")).join("|"));
  });
});
`);
    expect(r.stdout).toBe("kid out\nkid err\ncode 4\nkid out\ninherit code 4\nself-killed null SIGTERM\nthrow 1 Error: boom\n");
    expect(r.stderr).toBe("kid err\n");
  });

  it("a guest node runs another guest node by process.execPath", async () => {
    const r = await guest(`const cp = require("child_process");
cp.execFile(process.execPath, ["-e", "console.log(6 * 7)"], (err, out) => console.log("execPath", err, out.trim()));`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("execPath null 42\n");
  });

  it("fork: messages both ways, process.send callbacks, disconnect from the child (as host node)", async () => {
    await sameAsHost(`const cp = require("child_process");
const fs = require("fs");
fs.writeFileSync("kid.js", \`
process.on("message", (m) => {
  if (m.cmd === "add") process.send({ sum: m.a + m.b });
  if (m.cmd === "bye") { process.send("bye!", () => process.disconnect()); }
});
process.on("disconnect", () => require("fs").writeFileSync("child-disconnected", "yes"));
process.send({ ready: true, argv: process.argv.slice(2), connected: process.connected });
\`);
const c = cp.fork("kid.js", ["a1"]);
const ev = [];
c.on("message", (m) => {
  console.log("parent got", JSON.stringify(m));
  if (m.ready) c.send({ cmd: "add", a: 2, b: 3 });
  if (m.sum) c.send({ cmd: "bye" });
});
c.on("disconnect", () => ev.push("disconnect"));
c.on("exit", (code) => ev.push("exit:" + code));
c.on("close", (code) => { ev.push("close:" + code); console.log(ev.join(" "), c.connected, fs.readFileSync("child-disconnected", "utf8")); });
`);
  });

  it("fork: a child without 'message' listeners exits; parent disconnect; send after close; IPC required (as host node)", async () => {
    await sameAsHost(`const cp = require("child_process");
const fs = require("fs");
const boot = "";
fs.writeFileSync("once.js", boot + \`process.send({ hello: process.pid > 0 });\`);
fs.writeFileSync("stay.js", boot + \`process.on("message", (m) => console.log("stay got", m)); process.on("disconnect", () => console.log("stay: parent gone"));\`);
const a = cp.fork("once.js");
a.on("message", (m) => console.log("once says", m));
a.on("close", (code) => {
  console.log("once closed", code);
  const b = cp.fork("stay.js", { silent: true });
  let out = "";
  b.stdout.on("data", (d) => (out += d));
  b.send("ping");
  setTimeout(() => b.disconnect(), 200);
  b.on("exit", (code) => setTimeout(() => {
    console.log("stay exited", code, JSON.stringify(out), b.connected);
    try { b.send("late", (e) => console.log("late send", e.code)); } catch (e) { console.log("threw", e.code); }
    try { cp.fork("once.js", { stdio: ["pipe", "pipe", "pipe"] }); } catch (e) { console.log(e.code); }
  }, 50));
});
`);
  });

  it("child.unref() lets the parent exit while the child runs", async () => {
    const t0 = Date.now();
    const r = await guest(`const c = require("child_process").spawn("sleep", ["5"], { stdio: "ignore" }); c.unref(); console.log("parent done")`);
    expect(r.stdout).toBe("parent done\n");
    expect(Date.now() - t0).toBeLessThan(4000);
  });
});

describe("exec and execFile", () => {
  it("callbacks with (err, stdout, stderr), Node's errors, maxBuffer, timeout, promisify (as host node)", async () => {
    await sameAsHost(`const cp = require("child_process");
const { promisify } = require("util");
const steps = [
  (next) => cp.exec("echo hi; echo there >&2", (err, stdout, stderr) => next("exec", err, JSON.stringify(stdout), JSON.stringify(stderr))),
  (next) => cp.exec("echo out; echo bad >&2; exit 3", (err, stdout, stderr) =>
    next("exec err", JSON.stringify(err.message), err.code, err.killed, err.signal, err.cmd, JSON.stringify(stdout), Object.keys(err).join(","))),
  (next) => cp.exec("printf abc", { encoding: "buffer" }, (err, stdout) => next("buffer", Buffer.isBuffer(stdout), stdout.toString())),
  (next) => cp.exec("exec sleep 10", { timeout: 50 }, (err) => next("timeout", err.killed, err.signal, err.code, JSON.stringify(err.message))),
  (next) => cp.exec("head -c 5000 /dev/zero | tr '\\\\0' x", { maxBuffer: 100 }, (err, stdout) => next("maxBuffer", err.name, err.code, err.message, stdout.length)),
  (next) => cp.exec("echo $V", { env: { V: "from env" } }, (err, stdout) => next("env", stdout.trim())),
  (next) => cp.exec("pwd", { cwd: "/" }, (err, stdout) => next("cwd", stdout.trim())),
  (next) => cp.execFile("echo", ["f", "g"], (err, stdout) => next("execFile", err, JSON.stringify(stdout))),
  (next) => cp.execFile("nosuchcmd", ["z"], (err, stdout, stderr) =>
    next("execFile enoent", err.message, err.code, err.errno, err.syscall, err.path, err.cmd, JSON.stringify(err.spawnargs), JSON.stringify(stdout))),
  (next) => cp.execFile("sh", ["-c", "exit 5"], (err) => next("execFile fail", JSON.stringify(err.message), err.code, err.cmd)),
  (next) => promisify(cp.exec)("echo promised").then((r) => next("promisify", JSON.stringify(r))),
  (next) => promisify(cp.execFile)("sh", ["-c", "echo O; echo E >&2; exit 1"]).catch((e) => next("promisify err", e.code, JSON.stringify(e.stdout), JSON.stringify(e.stderr))),
];
const run = () => {
  const step = steps.shift();
  if (step) step((...a) => { console.log(...a); run(); });
};
run();
const child = cp.exec("true");
console.log(child instanceof cp.ChildProcess, typeof child.pid);
`);
  });
});

describe("synchronous forms", () => {
  it("spawnSync, execSync, execFileSync: results, input, errors, timeout, maxBuffer (as host node)", async () => {
    await sameAsHost(`const cp = require("child_process");
let r = cp.spawnSync("echo", ["hi", "there"]);
console.log("spawnSync", r.status, r.signal, JSON.stringify(r.stdout.toString()), r.stderr.length, Object.keys(r).join(","), r.output.length, r.output[0], typeof r.pid);
r = cp.spawnSync("sh", ["-c", "echo err >&2; exit 3"], { encoding: "utf8" });
console.log("fail", r.status, JSON.stringify(r.stdout), JSON.stringify(r.stderr));
console.log("input", cp.spawnSync("cat", { input: "fed in" }).stdout.toString());
console.log("input buffer", cp.spawnSync("wc", ["-c"], { input: Buffer.alloc(1000) }).stdout.toString().trim());
r = cp.spawnSync("nosuchcmd", ["x"]);
console.log("enoent", r.error.message, r.error.code, r.error.errno, r.error.syscall, r.error.path, JSON.stringify(r.error.spawnargs), r.status, r.signal, r.pid, r.stdout, r.output, Object.keys(r).join(","));
r = cp.spawnSync("sleep", ["5"], { timeout: 100 });
console.log("timeout", r.error.code, r.error.message, r.status, r.signal);
r = cp.spawnSync("sh", ["-c", "echo $FOO; pwd"], { env: { FOO: "bar" }, cwd: "/", encoding: "utf8" });
console.log("env cwd", JSON.stringify(r.stdout));
console.log("shell", JSON.stringify(cp.spawnSync("echo hello | tr a-z A-Z", { shell: true, encoding: "utf8" }).stdout));
r = cp.spawnSync("sh", ["-c", "kill -9 $$"]);
console.log("signal", r.status, r.signal);
r = cp.spawnSync("sh", ["-c", "echo x"], { stdio: ["pipe", "ignore", "pipe"] });
console.log("ignored", r.stdout, r.output);
console.log("execSync", JSON.stringify(cp.execSync("echo a; echo b").toString()));
console.log("execSync enc", JSON.stringify(cp.execSync("printf x", { encoding: "utf8" })));
console.log("execSync input", JSON.stringify(cp.execSync("tr a-z A-Z", { input: "up", encoding: "utf8" })));
try { cp.execSync("echo oops >&2; exit 4", { stdio: "pipe" }); } catch (e) {
  console.log("execSync err", JSON.stringify(e.message), e.status, e.signal, JSON.stringify(e.stderr.toString()), JSON.stringify(e.stdout.toString()), e.pid > 0, Object.keys(e).join(","));
}
console.log("execFileSync", JSON.stringify(cp.execFileSync("echo", ["x", "y"], { encoding: "utf8" })));
try { cp.execFileSync("sh", ["-c", "exit 2"], { stdio: "pipe" }); } catch (e) { console.log("execFileSync err", JSON.stringify(e.message), e.status); }
try { cp.execFileSync("nosuchcmd"); } catch (e) { console.log("execFileSync enoent", e.message, e.code, e.status, e.stdout); }
try { cp.execSync("sleep 5", { timeout: 50 }); } catch (e) { console.log("execSync timeout", e.code, e.signal, e.status); }
`);
  });

  it("execSync shows the child's stderr on the parent's stderr unless stdio is given", async () => {
    const r = await guest(`const cp = require("child_process");
try { cp.execSync("echo to-stderr >&2; exit 1"); } catch (e) { console.log(JSON.stringify(e.message), e.status); }
cp.execSync("echo inherited", { stdio: "inherit" });`);
    expect(r.stdout).toBe('"Command failed: echo to-stderr >&2; exit 1\\nto-stderr\\n" 1\ninherited\n');
    expect(r.stderr).toBe("to-stderr\n");
  });

  it("maxBuffer: ENOBUFS with output cut at the limit, and the child stopped", async () => {
    const r = await guest(`const cp = require("child_process");
const r = cp.spawnSync("sh", ["-c", "yes"], { maxBuffer: 1000 });
console.log(r.error.code, r.error.message, r.stdout.length, r.signal);
try { cp.execSync("yes", { maxBuffer: 10 }); } catch (e) { console.log(e.code, e.stdout.length); }`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("ENOBUFS spawnSync sh ENOBUFS 1000 SIGTERM\nENOBUFS 10\n");
  });
});

describe("argument validation", () => {
  it("fs and child_process argument errors: names, codes and messages (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
const cp = require("child_process");
const t = (l, f) => { try { f(); console.log(l, "no error"); } catch (e) { console.log(l, e.name, e.code, e.message); } };
t("readFile opts", () => fs.readFileSync("x", 5));
t("mkdir recursive", () => fs.mkdirSync("x", { recursive: 1 }));
t("mode", () => fs.writeFileSync("x", "x", { mode: "abc" }));
t("open mode", () => fs.openSync("x", "w", "9"));
t("fd type", () => fs.closeSync("1"));
t("fd neg", () => fs.fstatSync(-2));
t("fd float", () => fs.fstatSync(1.5));
t("readSync buffer", () => fs.readSync(0, "str"));
t("writeSync buffer", () => fs.writeSync(1, {}));
t("copy mode", () => fs.copyFileSync("a", "b", 9));
t("access mode", () => fs.accessSync(".", 8));
t("rm opts", () => fs.rmSync("x", { recursive: "yes" }));
t("rm opts type", () => fs.rmSync("x", 5));
t("symlink type", () => fs.symlinkSync("a", "b", "bogus"));
t("utimes", () => fs.utimesSync(".", {}, 1));
t("truncate len", () => fs.truncateSync("x", "5"));
t("stream start", () => fs.createReadStream("x", { start: -1 }));
t("stream end", () => fs.createReadStream("x", { start: 5, end: 1 }));
t("encoding", () => fs.readdirSync(".", { encoding: "bogus" }));
t("cb missing", () => fs.stat("."));
t("cb not fn", () => fs.stat(".", 5));
t("exists no path", () => console.log(fs.existsSync(null)));
t("cp filter", () => fs.cpSync("a", "b", { filter: 5 }));
t("spawn opts", () => cp.spawn("echo", [], 5));
t("spawn cwd", () => cp.spawn("echo", [], { cwd: 5 }));
t("spawn shell", () => cp.spawn("echo", [], { shell: 5 }));
t("spawn timeout", () => cp.spawn("echo", [], { timeout: -1 }));
t("exec cmd", () => cp.exec(5));
t("execFile args", () => cp.execFile("echo", 5, () => {}));
t("spawnSync input", () => cp.spawnSync("cat", { input: 5 }));
t("kill sig", () => cp.spawnSync("echo", { killSignal: "SIGBOGUS" }));
t("maxBuffer", () => cp.execSync("echo", { maxBuffer: -1 }));
t("env null byte", () => cp.spawnSync("echo", ["a\\0b"]));
`);
  });
});

describe("module forms", () => {
  it("ESM named imports of node:child_process", async () => {
    const r = await guest(
      `import { execSync, spawn, ChildProcess } from "node:child_process";
import cp from "child_process";
console.log(execSync("echo esm", { encoding: "utf8" }).trim(), cp.spawn === spawn, typeof ChildProcess);`,
      "mjs",
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("esm true function\n");
  });
});
