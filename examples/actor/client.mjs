// Drives the "vm" actor of server.mjs through every part of the agentOS API the example covers,
// checking each result. Prints one line per check; exits 1 if any failed. The last line is
// `RESULT {json}` (for the repository's test).
//
//   node client.mjs                               local engine of `npm start`
//   RIVET_ENDPOINT=https://... node client.mjs    a Rivet Engine cluster (+ RIVET_TOKEN, RIVET_NAMESPACE)
import { createClient } from "rivetkit/client";
import { MOCK_TEXT, piConfigFiles } from "./mock-llm.mjs";

const endpoint = process.env.RIVET_ENDPOINT ?? "http://127.0.0.1:6420";
const key = process.env.ACTOR_KEY ?? "my-agent";
const mockUrl = `http://127.0.0.1:${process.env.MOCK_LLM_PORT ?? 4599}`;

const t0 = Date.now();
const checks = [];
const result = { checks, sessionEvents: {} };
const text = (d) => (typeof d === "string" ? d : new TextDecoder().decode(d instanceof Uint8Array ? d : new Uint8Array(d)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Resolves when cond() holds, polling; rejects after ms. */
async function until(cond, ms, what) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(50);
  }
}
/** Runs one step; `expect(value)` returns an error message or nothing. */
async function check(name, fn, expect = () => undefined) {
  let value, problem;
  try {
    value = await fn();
    problem = expect(value);
  } catch (e) {
    problem = `threw ${e?.stack ?? e}${e?.code ? ` (code ${e.code}, group ${e.group})` : ""}`;
  }
  checks.push({ name, ok: !problem, ...(problem ? { problem } : {}) });
  console.log(`[+${String(Date.now() - t0).padStart(5)}ms] ${problem ? "FAIL" : "ok  "} ${name}${problem ? `: ${problem}` : ""}`);
  return value;
}
const eq = (want) => (got) => (JSON.stringify(got) === JSON.stringify(want) ? undefined : `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);

const client = createClient({ endpoint });
const handle = client.vm.getOrCreate(key);

// --- commands and files
await check('exec("echo hello") prints "hello\\n"', () => handle.exec("echo hello"), (r) => eq("hello\n")(r.stdout) ?? eq(0)(r.exitCode));
await check("writeFile /home/user/hello.txt", () => handle.writeFile("/home/user/hello.txt", "Hello, world!"));
await check("readFile /home/user/hello.txt gives the bytes back", () => handle.readFile("/home/user/hello.txt"), (b) => eq("Hello, world!")(text(b)));
await check("mkdir /home/user/src", () => handle.mkdir("/home/user/src"));
await check("writeFiles two files under /home/user/src", () =>
  handle.writeFiles([
    { path: "/home/user/src/index.ts", content: "console.log('hi');" },
    { path: "/home/user/src/utils.ts", content: "export const add = (a: number, b: number) => a + b;" },
  ]),
);
await check("readdirRecursive /home/user lists them", () => handle.readdirRecursive("/home/user"), (entries) => {
  const paths = entries.map((e) => `${e.path}:${e.type}`);
  const want = ["/home/user/hello.txt:file", "/home/user/src:directory", "/home/user/src/index.ts:file", "/home/user/src/utils.ts:file"];
  const missing = want.filter((p) => !paths.includes(p));
  return missing.length ? `missing ${missing.join(", ")} in ${JSON.stringify(paths)}` : undefined;
});

// --- a process, with its output and exit as live events on a connection
const conn = handle.connect();
const output = [];
const exits = [];
const cronEvents = [];
const sessionEventsA = [];
const shutdowns = [];
conn.on("processOutput", (e) => output.push({ pid: e.pid, stream: e.stream, text: text(e.data) }));
conn.on("processExit", (e) => exits.push(e));
conn.on("cronEvent", (e) => cronEvents.push(e.event));
conn.on("sessionEvent", (e) => sessionEventsA.push(e));
conn.on("vmShutdown", (e) => shutdowns.push(e));
await check("connect()", () => until(() => conn.connStatus === "connected", 10000, "connStatus"));
const printed = (pid, s) => output.some((o) => o.pid === pid && o.text.includes(s));

const serverJs = `
import http from "node:http";
http.createServer((req, res) => res.end("hello from the VM")).listen(3000, () => console.log("listening on 3000"));
process.stdin.on("data", (d) => console.log("stdin: " + d.toString().trim()));
`;
await check("writeFile /home/user/server.mjs", () => handle.writeFile("/home/user/server.mjs", serverJs));
const spawned = await check("spawn node server.mjs", () => handle.spawn("node", ["/home/user/server.mjs"]), (r) => (typeof r?.pid === "number" ? undefined : `no pid in ${JSON.stringify(r)}`));
const pid = spawned?.pid;
await check('processOutput event "listening on 3000"', () => until(() => printed(pid, "listening on 3000"), 20000, "the server's output"));
// An absolute URL: rivetkit builds `new Request(url)` on the actor side, which rejects a bare "/".
await check('vmFetch(3000, "http://localhost:3000/") reaches it', () => handle.vmFetch(3000, "http://localhost:3000/"), (r) => eq(200)(r.status) ?? eq("hello from the VM")(text(r.body)));
await check("writeProcessStdin", () => handle.writeProcessStdin(pid, "some input\n"));
await check('processOutput event "stdin: some input"', () => until(() => printed(pid, "stdin: some input"), 10000, "the echoed stdin"));
await check("stopProcess", () => handle.stopProcess(pid));
await check("processExit event", () => until(() => exits.some((e) => e.pid === pid), 10000, "processExit"));

// --- cron
await check("scheduleCron every second", () => handle.scheduleCron({ id: "tick", schedule: "* * * * * *", action: { type: "exec", command: "echo", args: ["tick"] } }), eq({ id: "tick" }));
await check("cronEvent received", () => until(() => cronEvents.some((e) => e.jobId === "tick"), 10000, "a cronEvent"));
await check("cancelCronJob", () => handle.cancelCronJob("tick"));

// --- an agent session, watched by two clients at once
await check("point pi at the mock LLM", () => handle.writeFiles(piConfigFiles(mockUrl)));
const client2 = createClient({ endpoint });
const conn2 = client2.vm.getOrCreate(key).connect();
const sessionEventsB = [];
conn2.on("sessionEvent", (e) => sessionEventsB.push(e));
await check("both connections open", () => until(() => conn.connStatus === "connected" && conn2.connStatus === "connected", 10000, "connStatus"));
const session = await check('createSession("pi")', () => handle.createSession("pi", { env: { ANTHROPIC_API_KEY: "test-key" } }), (s) => (s?.sessionId ? undefined : `no sessionId in ${JSON.stringify(s)}`));
await check("sendPrompt gets the mock's answer", () => handle.sendPrompt(session?.sessionId, "Say hello"), (r) => eq(MOCK_TEXT)(r?.text) ?? eq("end_turn")(r?.response?.result?.stopReason));
await check("both clients receive the same sessionEvents", async () => {
  await until(() => sessionEventsA.length > 0 && sessionEventsA.length === sessionEventsB.length, 5000, "sessionEvents on both connections");
  return { a: sessionEventsA, b: sessionEventsB };
}, ({ a, b }) => (JSON.stringify(a) === JSON.stringify(b) ? undefined : `client 1 got ${JSON.stringify(a)}, client 2 got ${JSON.stringify(b)}`));
result.sessionEvents = { client1: sessionEventsA, client2: sessionEventsB };
await check("closeSession", () => handle.closeSession(session?.sessionId));
await conn2.dispose();

// --- the workdir survives the actor sleeping and waking (server.mjs mounts /home/user on the actor's database)
await check("writeFile /home/user/notes/today.md and /tmp/scratch.txt", async () => {
  await handle.mkdir("/home/user/notes");
  await handle.writeFile("/home/user/notes/today.md", "# survives sleep\n");
  await handle.writeFile("/tmp/scratch.txt", "gone after sleep");
});
await check("sleep the actor", () => handle.sleep());
await check('vmShutdown event { reason: "sleep" }', () => until(() => shutdowns.some((e) => e.reason === "sleep"), 15000, "vmShutdown"));
await check("after the wake, /home/user/notes/today.md is still there", () => handle.readFile("/home/user/notes/today.md"), (b) => eq("# survives sleep\n")(text(b)));
await check("and so are the files written before", () => handle.readdirRecursive("/home/user"), (entries) => {
  const paths = entries.map((e) => e.path);
  const missing = ["/home/user/hello.txt", "/home/user/src/index.ts", "/home/user/src/utils.ts", "/home/user/server.mjs"].filter((p) => !paths.includes(p));
  return missing.length ? `missing ${missing.join(", ")}` : undefined;
});
await check("while /tmp/scratch.txt is gone (a new VM)", () => handle.exists("/tmp/scratch.txt"), eq(false));
await check('exec after the wake: "cat" the file', () => handle.exec("cat /home/user/notes/today.md"), (r) => eq("# survives sleep\n")(r.stdout));

await conn.dispose().catch(() => {});
const failed = checks.filter((c) => !c.ok);
console.log(`${checks.length - failed.length}/${checks.length} checks passed${failed.length ? `; failed: ${failed.map((c) => c.name).join("; ")}` : ""}`);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(failed.length ? 1 : 0);
