// examples/actor end to end: rivetkit's agentOs() actor on this package (installed in the example
// under the name rivetkit imports, @rivet-dev/agent-os-core), served by rivetkit's default local
// driver (a local Rivet Engine + Services it spawns), driven by the example's own client.mjs.
//
// The example's dependencies are installed here if missing (npm install --ignore-scripts: the
// repository is linked, not built again). The server runs with a fresh storage directory and its
// own engine and mock-LLM ports; afterAll stops it, the engine (which outlives its parent: its pid
// is in <storage>/.rivetkit/var/engine/runtime.json) and the services, and checks with `ps` that
// none of them is left.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = resolve(__dirname, "..");
const EXAMPLE = join(REPO, "examples", "actor");

interface Check {
  name: string;
  ok: boolean;
  problem?: string;
}
interface ClientResult {
  checks: Check[];
  sessionEvents: { client1: unknown[]; client2: unknown[] };
}

/** A port nothing listens on right now (on 127.0.0.1). */
function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.createServer();
    s.once("error", () => res(false));
    s.listen(port, "127.0.0.1", () => s.close(() => res(true)));
  });
}
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
/** A base port P for the engine, which takes P, P+1 and P+10. */
async function freeEnginePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20000 + Math.floor(Math.random() * 30000);
    if ((await portFree(p)) && (await portFree(p + 1)) && (await portFree(p + 10))) return p;
  }
  throw new Error("no free engine port");
}

/** pid → { ppid, stat, cmd } for every process. */
function processTable(): Map<number, { ppid: number; stat: string; cmd: string }> {
  const out = spawnSync("ps", ["-eo", "pid=,ppid=,stat=,args="], { encoding: "utf8" }).stdout;
  const table = new Map<number, { ppid: number; stat: string; cmd: string }>();
  for (const line of out.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m) table.set(Number(m[1]), { ppid: Number(m[2]), stat: m[3], cmd: m[4] });
  }
  return table;
}
/** The processes among `pids` still alive (zombies count as gone). */
function alive(pids: number[]): string[] {
  const table = processTable();
  return pids.filter((p) => table.has(p) && !table.get(p)!.stat.startsWith("Z")).map((p) => `${p} ${table.get(p)!.cmd}`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pids).length && Date.now() < end) await sleep(100);
  return alive(pids).length === 0;
}
function kill(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already */
  }
}

describe("examples/actor: agentOs() on rivetkit's local driver", () => {
  let storage = "";
  let server: ChildProcess | undefined;
  let serverLog = "";
  let enginePid: number | undefined;
  /** The server and every process it started (engine, services), for the final check. */
  const started = new Set<number>();
  let enginePort = 0;
  let mockPort = 0;
  let client: { code: number | null; stdout: string; stderr: string; ms: number };
  let result: ClientResult;

  function engineRuntimePid(): number | undefined {
    const f = join(storage, ".rivetkit", "var", "engine", "runtime.json");
    if (!existsSync(f)) return undefined;
    try {
      return JSON.parse(readFileSync(f, "utf8")).pid;
    } catch {
      return undefined;
    }
  }
  function recordDescendants() {
    if (!server?.pid) return;
    const table = processTable();
    const ours = new Set([server.pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, p] of table) if (ours.has(p.ppid) && !ours.has(pid)) (ours.add(pid), (grew = true));
    }
    for (const p of ours) started.add(p);
    const e = engineRuntimePid();
    if (e) (started.add(e), (enginePid = e));
  }

  beforeAll(async () => {
    if (!existsSync(join(EXAMPLE, "node_modules", "rivetkit", "package.json"))) {
      const r = spawnSync("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: EXAMPLE,
        encoding: "utf8",
        timeout: 300_000,
      });
      if (r.status !== 0) throw new Error(`npm install in examples/actor failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    }

    storage = mkdtempSync(join(tmpdir(), "agentos-actor-"));
    enginePort = await freeEnginePort();
    mockPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "development", // not production: rivetkit spawns its local engine
      RIVETKIT_STORAGE_PATH: storage,
      RIVET_RUN_ENGINE_PORT: String(enginePort),
      MOCK_LLM_PORT: String(mockPort),
    };
    for (const k of ["RIVET_ENDPOINT", "RIVET_ENGINE", "RIVET_TOKEN", "RIVET_NAMESPACE", "RIVET_RUN_ENGINE"]) delete env[k];
    // The local Services take a fixed port (8642); if something else holds it, run without them.
    if (!(await portFree(8642))) env.RIVET_RUN_SERVICES = "0";

    server = spawn(process.execPath, ["server.mjs"], { cwd: EXAMPLE, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    started.add(server.pid!);
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    const end = Date.now() + 90_000;
    while (!serverLog.includes("[server] ready")) {
      if (server.exitCode !== null || Date.now() > end) throw new Error(`server did not become ready (exit ${server.exitCode}):\n${serverLog}`);
      await sleep(100);
    }
    recordDescendants();

    // The client flow: seed steps, events, a pi session seen by two clients, sleep and wake.
    const t0 = Date.now();
    const c = spawn(process.execPath, ["client.mjs"], {
      cwd: EXAMPLE,
      env: { ...env, RIVET_ENDPOINT: `http://127.0.0.1:${enginePort}`, ACTOR_KEY: "my-agent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => c.kill("SIGKILL"), 120_000);
    const code = await new Promise<number | null>((r) => c.on("close", r));
    clearTimeout(timer);
    client = { code, stdout, stderr, ms: Date.now() - t0 };
    recordDescendants();
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (!line) throw new Error(`client.mjs printed no RESULT (exit ${code}):\n${stdout}\n${stderr}\n--- server:\n${serverLog}`);
    result = JSON.parse(line.slice("RESULT ".length));
  }, 420_000);

  afterAll(async () => {
    recordDescendants();
    if (server?.pid && server.exitCode === null) {
      kill(server.pid, "SIGTERM");
      if (!(await waitGone([server.pid], 10_000))) kill(-server.pid, "SIGKILL");
    }
    // The engine runs in its own session and outlives the server; the services die with it.
    if (enginePid) kill(enginePid, "SIGTERM");
    if (!(await waitGone([...started], 10_000))) for (const p of started) kill(p, "SIGKILL");
    await waitGone([...started], 5_000);
    const left = alive([...started]);
    if (storage) rmSync(storage, { recursive: true, force: true });
    expect(left, "processes left behind").toEqual([]);
  }, 40_000);

  const failed = (names: (n: string) => boolean) =>
    result.checks.filter((c) => names(c.name) && !c.ok).map((c) => `${c.name}: ${c.problem}`);

  it("the example runs this repository, not the published core", () => {
    const fromRivetkit = createRequire(join(EXAMPLE, "node_modules", "rivetkit", "package.json"));
    const core = fromRivetkit.resolve("@rivet-dev/agent-os-core/package.json");
    expect(realpathSync(core)).toBe(join(realpathSync(REPO), "package.json"));
    const fromPi = createRequire(join(EXAMPLE, "node_modules", "@rivet-dev", "agent-os-pi", "package.json"));
    expect(realpathSync(fromPi.resolve("@rivet-dev/agent-os-core/package.json"))).toBe(join(realpathSync(REPO), "package.json"));
  });

  it("the server started a local engine and the client passed every check", () => {
    expect(enginePid, `no engine pid in runtime.json\n${serverLog}`).toBeTypeOf("number");
    const names = result.checks.map((c) => c.name);
    for (const step of ['exec("echo hello")', "writeFile", "readFile", "mkdir", "writeFiles", "readdirRecursive", "spawn", "processOutput", "vmFetch", "writeProcessStdin", "stopProcess", "processExit", "scheduleCron", "cronEvent", 'createSession("pi")', "sendPrompt", "sleep the actor"])
      expect(names.some((n) => n.includes(step)), `a check for ${step}`).toBe(true);
    expect(failed(() => true), `client output:\n${client.stdout}\n${client.stderr}`).toEqual([]);
    expect(client.code).toBe(0);
  });

  it("two connected clients receive the same sessionEvents", () => {
    expect(failed((n) => n.includes("session") || n.includes("sendPrompt") || n.includes("both"))).toEqual([]);
    const { client1, client2 } = result.sessionEvents;
    expect(client1.length).toBeGreaterThan(0);
    expect(client2).toEqual(client1);
    expect(JSON.stringify(client1)).toContain("Hello from mock");
  });

  it("files under /home/user survive the actor sleeping and waking; /tmp does not", () => {
    const idx = result.checks.findIndex((c) => c.name === "sleep the actor");
    expect(idx).toBeGreaterThan(0);
    const around = result.checks.slice(idx - 1);
    expect(around.map((c) => c.name)).toEqual([
      "writeFile /home/user/notes/today.md and /tmp/scratch.txt",
      "sleep the actor",
      'vmShutdown event { reason: "sleep" }',
      "after the wake, /home/user/notes/today.md is still there",
      "and so are the files written before",
      "while /tmp/scratch.txt is gone (a new VM)",
      'exec after the wake: "cat" the file',
    ]);
    expect(around.filter((c) => !c.ok).map((c) => `${c.name}: ${c.problem}`)).toEqual([]);
  });
});
