// Agent sessions over ACP (JSON-RPC 2.0, newline-delimited, on the agent's stdio), at the
// protocol level: the agent is `fixtures/acp-agent`, a scripted ACP agent in plain JavaScript
// installed as software and run by the VM's `node`. What it does in a turn is chosen by the
// prompt text (see the header of fixtures/acp-agent/agent.mjs).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AgentOs, defineSoftware, type PermissionRequest } from "../index.js";
import { text } from "./helpers.js";

const T = 30_000;
const AGENT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "fixtures/acp-agent");
/** Where the adapter's bin is inside the VM: `/root/node_modules/<acpAdapter>/<bin>`. */
const BIN = "/root/node_modules/acp-test-agent/agent.mjs";
const VM_EXTRA = "VM-LEVEL EXTRA INSTRUCTIONS: answer in haiku.";
const SESSION_EXTRA = "SESSION-LEVEL EXTRA INSTRUCTIONS: be brief.";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every call of the descriptor's prepareInstructions, in order. */
const prepareCalls: { cwd: string; additionalInstructions?: string; opts?: { skipBase?: boolean; toolReference?: string } }[] = [];

const testAgent = defineSoftware({
  name: "acp-test-agent",
  type: "agent",
  packageDir: AGENT_DIR,
  requires: ["acp-test-agent"],
  agent: {
    id: "test",
    acpAdapter: "acp-test-agent",
    agentPackage: "acp-test-agent",
    staticEnv: { ACP_TEST_STATIC: "static-value", ACP_TEST_OVERRIDE: "from-static" },
    env: (ctx) => ({ ACP_TEST_DYNAMIC: ctx.resolveBin("acp-test-agent") }),
    launchArgs: ["--launch-flag"],
    // As pi's: the VM's instructions file (unless skipped), then the session's extra text.
    prepareInstructions: async (kernel, cwd, additionalInstructions, opts) => {
      prepareCalls.push({ cwd, additionalInstructions, opts });
      const parts: string[] = [];
      if (!opts?.skipBase) parts.push(text(await kernel.readFile("/etc/agentos/instructions.md")));
      if (additionalInstructions) parts.push(additionalInstructions);
      return { args: ["--append-system-prompt", parts.join("\n\n")], env: { ACP_TEST_PREPARED: "prepared" } };
    },
  },
});

/** Await `f()` (which may throw synchronously or reject) and expect an error with `code`. */
async function expectCode(f: () => unknown, code: string): Promise<Json> {
  let err: Json;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected an error with code ${code}`).toBeInstanceOf(Error);
  expect(err.code).toBe(code);
  return err;
}

/** Poll `pred` until it is truthy (bounded, so a bug fails the test instead of hanging it). */
async function waitFor<X>(pred: () => X, what = "condition"): Promise<X> {
  for (let i = 0; i < 500; i++) {
    const v = pred();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The text of an agent_message_chunk notification, else undefined. */
function chunkText(n: Json): string | undefined {
  const u = n?.params?.update;
  return n?.method === "session/update" && u?.sessionUpdate === "agent_message_chunk" ? u.content?.text : undefined;
}

/** A JSON-RPC response or rejection that must be an error: returns it. */
async function errorOf(p: Promise<Json>): Promise<Json> {
  let r: Json;
  try {
    r = await p;
  } catch (e) {
    return e;
  }
  expect(r?.error, `expected an error response, got ${JSON.stringify(r)}`).toBeTruthy();
  return r.error;
}

describe("agent sessions over ACP", () => {
  let vm: AgentOs;
  const opened: string[] = [];

  beforeAll(async () => {
    vm = await AgentOs.create({ software: [testAgent], additionalInstructions: VM_EXTRA });
  }, T);
  afterAll(async () => {
    await vm?.dispose();
  }, T);
  afterEach(() => {
    const live = new Set(vm.listSessions().map((s) => s.sessionId));
    for (const id of opened.splice(0)) if (live.has(id)) vm.closeSession(id);
  });

  async function session(options?: Parameters<AgentOs["createSession"]>[1]): Promise<string> {
    const { sessionId } = await vm.createSession("test", options);
    opened.push(sessionId);
    return sessionId;
  }
  const say = async (id: string, prompt: string) => (await vm.prompt(id, prompt)).text;
  const pidOf = async (id: string) => Number(await say(id, "pid"));
  const running = (pid: number) => vm.allProcesses().find((p) => p.pid === pid && p.status !== "exited");

  it("listAgents reports the software's agent", () => {
    expect(vm.listAgents()).toContainEqual({ id: "test", acpAdapter: "acp-test-agent", agentPackage: "acp-test-agent", installed: true });
  });

  it("createSession with an unknown agent type rejects with ERR_AGENT_OS_UNKNOWN_AGENT", { timeout: T }, async () => {
    const before = vm.listSessions().length;
    await expectCode(() => vm.createSession("no-such-agent"), "ERR_AGENT_OS_UNKNOWN_AGENT");
    expect(vm.listSessions()).toHaveLength(before);
  });

  it("createSession launches the adapter under node and does the ACP handshake", { timeout: T }, async () => {
    const id = await session();
    expect(id).toMatch(/^test-session-/); // the sessionId the agent returned from session/new
    expect(vm.listSessions()).toContainEqual({ sessionId: id, agentType: "test" });
    expect(vm.resumeSession(id)).toEqual({ sessionId: id });

    const pid = await pidOf(id);
    const proc = running(pid);
    expect(proc, "the agent is a running process of the VM").toBeTruthy();
    expect(proc!.args[0]).toBe(BIN);

    expect(JSON.parse(await say(id, "client"))).toMatchObject({
      protocolVersion: 1,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
    });
    expect(JSON.parse(await say(id, "session"))).toEqual({ cwd: "/home/user", mcpServers: [] });
    expect(await say(id, "cwd")).toBe("/home/user");
  });

  it("the session cwd and mcpServers reach the agent", { timeout: T }, async () => {
    await vm.mkdir("/home/user/project", { recursive: true });
    const id = await session({ cwd: "/home/user/project", mcpServers: [{ type: "local", command: "mcp-thing", args: ["--stdio"] }] });
    expect(await say(id, "cwd")).toBe("/home/user/project");
    const params = JSON.parse(await say(id, "session"));
    expect(params.cwd).toBe("/home/user/project");
    expect(params.mcpServers).toHaveLength(1);
    expect(JSON.stringify(params.mcpServers[0])).toContain("mcp-thing");
  });

  it("prompt collects the streamed text; live handlers see every chunk before it resolves", { timeout: T }, async () => {
    const id = await session();
    const seen: Json[] = [];
    const unsubscribe = vm.onSessionEvent(id, (n) => seen.push(n));
    const r = await vm.prompt(id, "echo alpha beta gamma delta");
    const atResolve = [...seen];
    expect(r.text).toBe("alpha beta gamma delta");
    expect(r.response).toMatchObject({ jsonrpc: "2.0", result: { stopReason: "end_turn" } });
    const chunks = atResolve.map(chunkText).filter((t) => t !== undefined);
    expect(chunks.length).toBeGreaterThanOrEqual(4); // streamed in pieces, not one block
    expect(chunks.join("")).toBe(r.text);
    for (const n of atResolve) {
      expect(n.method).toBe("session/update");
      expect(n.params.sessionId).toBe(id);
    }

    // Each turn's text is its own.
    expect(await say(id, "echo second turn")).toBe("second turn");
    const count = seen.length;
    unsubscribe();
    expect(await say(id, "echo after unsubscribe")).toBe("after unsubscribe");
    expect(seen).toHaveLength(count);
  });

  it("getSessionEvents: every notification, numbered from 0, filtered by since and method", { timeout: T }, async () => {
    const id = await session();
    await vm.prompt(id, "echo one two");
    const first = vm.getSessionEvents(id);
    expect(first.length).toBeGreaterThanOrEqual(2);
    await vm.prompt(id, "thought deep thinking");
    const all = vm.getSessionEvents(id);
    expect(all.map((e) => e.sequenceNumber)).toEqual(all.map((_, i) => i));
    expect(all.slice(0, first.length)).toEqual(first);
    expect(all.map((e) => chunkText(e.notification)).filter(Boolean).join("|")).toBe("one| two|ok");

    const since = first[first.length - 1].sequenceNumber;
    const later = vm.getSessionEvents(id, { since });
    expect(later.map((e) => e.sequenceNumber)).toEqual(all.slice(first.length).map((e) => e.sequenceNumber));
    expect(later.map((e) => (e.notification as Json).params.update.sessionUpdate)).toEqual(["agent_thought_chunk", "agent_message_chunk"]);
    expect((later[0].notification as Json).params.update.content.text).toBe("deep thinking");

    expect(vm.getSessionEvents(id, { method: "session/update" })).toEqual(all);
    expect(vm.getSessionEvents(id, { method: "request/permission" })).toEqual([]);
    expect(vm.getSessionEvents(id, { since, method: "session/update" })).toEqual(later);
    expect(vm.getSessionEvents(id, { since: all[all.length - 1].sequenceNumber })).toEqual([]);
  });

  it("permission requests reach onPermissionRequest and respondPermission answers the agent", { timeout: T }, async () => {
    const id = await session();
    const requests: Json[] = [];
    vm.onPermissionRequest(id, (r) => requests.push(r));
    const cases: [reply: "once" | "always" | "reject", optionId: string][] = [
      ["once", "allow-once"],
      ["always", "allow-always"],
      ["reject", "reject-once"],
    ];
    for (const [reply, optionId] of cases) {
      const before = requests.length;
      const turn = vm.prompt(id, "permission");
      const req = await waitFor(() => requests[before], "a permission request");
      expect(typeof req.permissionId).toBe("string");
      expect(req.params).toMatchObject({
        sessionId: id,
        permissionId: req.permissionId,
        toolCall: { title: "Write /home/user/permitted.txt", kind: "edit" },
        options: [
          { optionId: "allow-once", kind: "allow_once" },
          { optionId: "allow-always", kind: "allow_always" },
          { optionId: "reject-once", kind: "reject_once" },
        ],
      });
      await vm.respondPermission(id, req.permissionId, reply);
      const r = await turn;
      expect(r.text).toBe(`permission: selected ${optionId}`);
      expect(r.response).toMatchObject({ result: { stopReason: "end_turn" } });
    }
    expect(new Set(requests.map((r) => r.permissionId)).size).toBe(3);

    const recorded = vm.getSessionEvents(id, { method: "request/permission" });
    expect(recorded).toHaveLength(3);
    recorded.forEach((e, i) => {
      expect(e.notification).toMatchObject({
        method: "request/permission",
        params: { sessionId: id, permissionId: requests[i].permissionId, _acpMethod: "session/request_permission" },
      });
    });
  });

  it("a permission handler may answer from inside its callback", { timeout: T }, async () => {
    const id = await session();
    vm.onPermissionRequest(id, (r) => {
      void vm.respondPermission(id, r.permissionId, "always");
    });
    expect(await say(id, "permission")).toBe("permission: selected allow-always");
  });

  it("an unanswered permission request fails closed after permissionTimeoutMs", { timeout: T }, async () => {
    const id = await session({ permissionTimeoutMs: 300 } as Json);
    const requests: Json[] = [];
    vm.onPermissionRequest(id, (r) => requests.push(r)); // seen, never answered
    expect(await say(id, "permission")).toBe("permission: selected reject-once");
    // Without a reject option, the answer is "cancelled".
    expect(await say(id, "permission-noreject")).toBe("permission: cancelled");
    expect(requests).toHaveLength(2);
  });

  it("fs/read_text_file and fs/write_text_file are served from the VM's filesystem", { timeout: T }, async () => {
    const id = await session();
    expect(await say(id, "write /home/user/from-agent.txt hello  from the agent")).toBe("write ok");
    expect(text(await vm.readFile("/home/user/from-agent.txt"))).toBe("hello  from the agent");

    await vm.writeFile("/home/user/lines.txt", "line1\nline2\nline3\n");
    expect(await say(id, "read /home/user/lines.txt")).toBe("read ok: line1\nline2\nline3\n");
    const part = await say(id, "read /home/user/lines.txt 2 1"); // line 2, one line
    expect(part).toMatch(/^read ok: line2\n?$/);

    const missing = await say(id, "read /home/user/no-such-file.txt");
    expect(missing).toMatch(/^read error: /);
    expect(missing).toContain("ENOENT");
    expect(missing).toContain("-32002");

    // The VM's read-only files stay read-only through the client.
    expect(await say(id, "write /etc/agentos/instructions.md overwritten")).toMatch(/^write error: /);
    expect(text(await vm.readFile("/etc/agentos/instructions.md"))).not.toBe("overwritten");
  });

  it("terminal/create, wait_for_exit, output and release run commands in the VM", { timeout: T }, async () => {
    const id = await session();
    expect(JSON.parse(await say(id, "terminal echo hello from a terminal"))).toMatchObject({
      exitCode: 0,
      output: "hello from a terminal\n",
      truncated: false,
    });
    const failing = JSON.parse(await say(id, "sh echo out; exit 7"));
    expect(failing.exitCode).toBe(7);
    expect(failing.output).toContain("out\n");
    expect(JSON.parse(await say(id, "termenv ACP_TERM_VAR value-from-terminal-env")).output).toBe("value-from-terminal-env\n");
    // The terminal's processes are real VM processes: a file they write is visible.
    JSON.parse(await say(id, "sh echo made-by-terminal > /home/user/terminal-made.txt"));
    expect(text(await vm.readFile("/home/user/terminal-made.txt"))).toBe("made-by-terminal\n");
  });

  it("env and instructions reach the agent: staticEnv, env(ctx), prepared env, session env, launchArgs", { timeout: T }, async () => {
    const md = text(await vm.readFile("/etc/agentos/instructions.md"));
    expect(md.indexOf(VM_EXTRA), "base instructions, then the VM's additionalInstructions").toBeGreaterThan(0);
    await expect(vm.writeFile("/etc/agentos/instructions.md", "x")).rejects.toThrow();

    const calls = prepareCalls.length;
    const id = await session({ env: { ACP_TEST_SESSION: "session-value", ACP_TEST_OVERRIDE: "from-session" }, additionalInstructions: SESSION_EXTRA });
    expect(prepareCalls.length).toBe(calls + 1);
    expect(prepareCalls[calls].cwd).toBe("/home/user");
    expect(prepareCalls[calls].additionalInstructions).toBe(SESSION_EXTRA);
    expect(prepareCalls[calls].opts?.skipBase ?? false).toBe(false);

    expect(await say(id, "env ACP_TEST_STATIC")).toBe("static-value");
    expect(await say(id, "env ACP_TEST_DYNAMIC")).toBe(BIN); // ctx.resolveBin gives the VM path of the bin
    expect(await say(id, "env ACP_TEST_PREPARED")).toBe("prepared");
    expect(await say(id, "env ACP_TEST_SESSION")).toBe("session-value");
    expect(await say(id, "env ACP_TEST_OVERRIDE")).toBe("from-session"); // session env wins
    expect(JSON.parse(await say(id, "args"))).toEqual(["--launch-flag", "--append-system-prompt", `${md}\n\n${SESSION_EXTRA}`]);
    // The agent sees the same file.
    expect(await say(id, "cat /etc/agentos/instructions.md")).toBe(md);

    const plain = await session();
    expect(await say(plain, "env ACP_TEST_OVERRIDE")).toBe("from-static");
    expect(await say(plain, "env ACP_TEST_SESSION")).toBe("(unset)");
    expect(JSON.parse(await say(plain, "args"))).toEqual(["--launch-flag", "--append-system-prompt", md]);
  });

  it("skipOsInstructions leaves the OS instructions out of the agent's arguments", { timeout: T }, async () => {
    const id = await session({ skipOsInstructions: true });
    const args: string[] = JSON.parse(await say(id, "args"));
    expect(args[0]).toBe("--launch-flag");
    expect(JSON.stringify(args)).not.toContain(VM_EXTRA);
  });

  it("modes: getSessionModes, setSessionMode and current_mode_update", { timeout: T }, async () => {
    const id = await session();
    expect(vm.getSessionModes(id)).toEqual({
      currentModeId: "default",
      availableModes: [
        { id: "default", name: "Default" },
        { id: "plan", name: "Plan" },
      ],
    });
    const r = await vm.setSessionMode(id, "plan");
    expect(r.error).toBeUndefined();
    expect(vm.getSessionModes(id)?.currentModeId).toBe("plan");
    const updates = vm.getSessionEvents(id).map((e) => (e.notification as Json).params?.update);
    expect(updates).toContainEqual({ sessionUpdate: "current_mode_update", currentModeId: "plan" });
    expect(await say(id, "mode")).toBe("mode: plan");

    const err = await errorOf(vm.setSessionMode(id, "bogus"));
    expect(JSON.stringify(err.message ?? err)).toContain("unknown mode");
    expect(vm.getSessionModes(id)?.currentModeId).toBe("plan");
  });

  it("config options: setSessionModel and setSessionThoughtLevel use the option of that category", { timeout: T }, async () => {
    const id = await session();
    const options = vm.getSessionConfigOptions(id) as Json[];
    expect(options.map((o) => [o.id, o.category, o.currentValue])).toEqual([
      ["model", "model", "fast"],
      ["effort", "thought_level", "low"],
    ]);
    expect((await vm.setSessionModel(id, "smart")).error).toBeUndefined();
    expect((await vm.setSessionThoughtLevel(id, "high")).error).toBeUndefined(); // configId "effort", found by category
    expect(JSON.parse(await say(id, "config"))).toEqual({ model: "smart", effort: "high" });
    const after = vm.getSessionConfigOptions(id) as Json[];
    expect(after.find((o) => o.id === "model").currentValue).toBe("smart");
    expect(after.find((o) => o.id === "effort").currentValue).toBe("high");

    await errorOf(vm.setSessionModel(id, "no-such-model"));
    expect(JSON.parse(await say(id, "config"))).toEqual({ model: "smart", effort: "high" });
    expect((vm.getSessionConfigOptions(id) as Json[]).find((o) => o.id === "model").currentValue).toBe("smart");
  });

  it("getSessionCapabilities and getSessionAgentInfo come from initialize", { timeout: T }, async () => {
    const id = await session();
    expect(vm.getSessionCapabilities(id)).toMatchObject({
      loadSession: false,
      promptCapabilities: { image: false, audio: false, embeddedContext: true },
    });
    expect(vm.getSessionAgentInfo(id)).toEqual({ name: "acp-test-agent", title: "ACP Test Agent", version: "1.0.0" });
  });

  it("rawSessionSend sends any request with the sessionId injected", { timeout: T }, async () => {
    const id = await session();
    const r = await vm.rawSessionSend(id, "_test/echo", { x: 1, nested: { y: [2] } });
    expect(r).toMatchObject({ jsonrpc: "2.0", result: { params: { sessionId: id, x: 1, nested: { y: [2] } } } });
    expect((await vm.rawSessionSend(id, "_test/echo")).result.params).toEqual({ sessionId: id });
    const err = await errorOf(vm.rawSessionSend(id, "no/such/method", {}));
    expect(err.code).toBe(-32601);
  });

  it("cancelSession ends a hanging prompt with stopReason cancelled; the session goes on", { timeout: T }, async () => {
    const id = await session();
    let hanging = false;
    vm.onSessionEvent(id, (n) => {
      if (chunkText(n) === "hanging") hanging = true;
    });
    const turn = vm.prompt(id, "hang");
    await waitFor(() => hanging, "the agent to start hanging");
    await vm.cancelSession(id);
    const r = await turn;
    expect(r.response).toMatchObject({ result: { stopReason: "cancelled" } });
    expect(r.text).toBe("hanging");
    expect(await say(id, "echo still alive")).toBe("still alive");
  });

  it("an agent crash mid-turn rejects the prompt with ERR_AGENT_OS_SESSION_CLOSED and emits _agentos/session_ended", { timeout: T }, async () => {
    const id = await session();
    const pid = await pidOf(id);
    const ended: Json[] = [];
    vm.onSessionEvent(id, (n) => {
      if (n.method === "_agentos/session_ended") ended.push(n);
    });
    await expectCode(() => vm.prompt(id, "crash"), "ERR_AGENT_OS_SESSION_CLOSED");
    await waitFor(() => ended.length > 0, "_agentos/session_ended");
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ jsonrpc: "2.0", method: "_agentos/session_ended", params: { sessionId: id, exitCode: 3 } });
    expect(ended[0].params.stderr).toContain("crashing on purpose");

    const events = vm.getSessionEvents(id);
    expect(events.map((e) => chunkText(e.notification)).filter(Boolean)).toContain("about to crash");
    expect(vm.getSessionEvents(id, { method: "_agentos/session_ended" })).toHaveLength(1);
    await waitFor(() => !running(pid), "the crashed agent to be gone");

    // Later requests fail the same way; the session stays listed until closed.
    await expectCode(() => vm.prompt(id, "echo too late"), "ERR_AGENT_OS_SESSION_CLOSED");
    await expectCode(() => vm.setSessionMode(id, "plan"), "ERR_AGENT_OS_SESSION_CLOSED");
    expect(vm.listSessions()).toContainEqual({ sessionId: id, agentType: "test" });
    vm.closeSession(id);
    expect(vm.listSessions().map((s) => s.sessionId)).not.toContain(id);
  });

  it("closeSession kills the agent; unknown session ids are ERR_AGENT_OS_UNKNOWN_SESSION everywhere", { timeout: T }, async () => {
    const id = await session();
    const pid = await pidOf(id);
    expect(running(pid)).toBeTruthy();
    let hanging = false;
    vm.onSessionEvent(id, (n) => {
      if (chunkText(n) === "hanging") hanging = true;
    });
    const turn = vm.prompt(id, "hang");
    const settled = turn.then(
      () => ({ ok: true, code: undefined }),
      (e) => ({ ok: false, code: e?.code }),
    );
    await waitFor(() => hanging, "the agent to start hanging");

    expect(vm.closeSession(id)).toBeUndefined(); // synchronous
    expect(vm.listSessions().map((s) => s.sessionId)).not.toContain(id);
    await waitFor(() => !running(pid), "the agent process to end");
    expect(await settled).toEqual({ ok: false, code: "ERR_AGENT_OS_SESSION_CLOSED" });

    for (const bad of [id, "no-such-session"]) {
      const U = "ERR_AGENT_OS_UNKNOWN_SESSION";
      await expectCode(() => vm.prompt(bad, "echo x"), U);
      await expectCode(() => vm.cancelSession(bad), U);
      await expectCode(() => vm.closeSession(bad), U);
      await expectCode(() => vm.destroySession(bad), U);
      await expectCode(() => vm.resumeSession(bad), U);
      await expectCode(() => vm.getSessionEvents(bad), U);
      await expectCode(() => vm.onSessionEvent(bad, () => {}), U);
      await expectCode(() => vm.onPermissionRequest(bad, () => {}), U);
      await expectCode(() => vm.respondPermission(bad, "1", "once"), U);
      await expectCode(() => vm.setSessionMode(bad, "plan"), U);
      await expectCode(() => vm.getSessionModes(bad), U);
      await expectCode(() => vm.setSessionModel(bad, "smart"), U);
      await expectCode(() => vm.setSessionThoughtLevel(bad, "high"), U);
      await expectCode(() => vm.getSessionConfigOptions(bad), U);
      await expectCode(() => vm.getSessionCapabilities(bad), U);
      await expectCode(() => vm.getSessionAgentInfo(bad), U);
      await expectCode(() => vm.rawSessionSend(bad, "_test/echo", {}), U);
    }
  });

  it("destroySession cancels the turn, closes the session and ends the agent", { timeout: T }, async () => {
    const id = await session();
    const pid = await pidOf(id);
    let hanging = false;
    vm.onSessionEvent(id, (n) => {
      if (chunkText(n) === "hanging") hanging = true;
    });
    const turn = vm.prompt(id, "hang");
    await waitFor(() => hanging, "the agent to start hanging");
    await vm.destroySession(id);
    await Promise.allSettled([turn]); // settles one way or the other; never hangs
    expect(vm.listSessions().map((s) => s.sessionId)).not.toContain(id);
    await waitFor(() => !running(pid), "the agent process to end");
  });

  it("two sessions in one VM are independent", { timeout: T }, async () => {
    const a = await session();
    const b = await session({ env: { WHO: "b" } });
    expect(a).not.toBe(b);
    const [pa, pb] = [await pidOf(a), await pidOf(b)];
    expect(pa).not.toBe(pb);
    const ids = vm.listSessions().map((s) => s.sessionId);
    expect(ids).toContain(a);
    expect(ids).toContain(b);

    const [ra, rb] = await Promise.all([vm.prompt(a, "echo one for a"), vm.prompt(b, "echo two for b")]);
    expect(ra.text).toBe("one for a");
    expect(rb.text).toBe("two for b");
    for (const [id, other] of [[a, b], [b, a]]) {
      for (const e of vm.getSessionEvents(id)) expect((e.notification as Json).params.sessionId).toBe(id);
      expect(vm.getSessionEvents(id).map((e) => (e.notification as Json).params.sessionId)).not.toContain(other);
    }
    expect(await say(a, "env WHO")).toBe("(unset)");
    expect(await say(b, "env WHO")).toBe("b");

    await vm.setSessionMode(a, "plan");
    expect(vm.getSessionModes(a)?.currentModeId).toBe("plan");
    expect(vm.getSessionModes(b)?.currentModeId).toBe("default");

    vm.closeSession(a);
    await waitFor(() => !running(pa), "session a's agent to end");
    expect(running(pb)).toBeTruthy();
    expect(await say(b, "echo b still works")).toBe("b still works");
  });
});

describe("sessions and VM disposal", () => {
  it("dispose with an open session and a pending prompt does not hang", { timeout: T }, async () => {
    const vm = await AgentOs.create({ software: [testAgent] });
    let turn: Promise<unknown> | undefined;
    try {
      const { sessionId } = await vm.createSession("test");
      let hanging = false;
      vm.onSessionEvent(sessionId, (n) => {
        if (chunkText(n) === "hanging") hanging = true;
      });
      turn = vm.prompt(sessionId, "hang");
      turn.catch(() => {});
      await waitFor(() => hanging, "the agent to start hanging");
    } finally {
      await vm.dispose();
    }
    const [outcome] = await Promise.allSettled([turn!]);
    expect(outcome.status).toBe("rejected");
  });

  it("software without a VM-level additionalInstructions still gets an instructions file", { timeout: T }, async () => {
    const vm = await AgentOs.create({ software: [testAgent] });
    try {
      const md = text(await vm.readFile("/etc/agentos/instructions.md"));
      expect(md.length).toBeGreaterThan(0);
      expect(md).not.toContain(VM_EXTRA);
      const { sessionId } = await vm.createSession("test");
      expect(JSON.parse((await vm.prompt(sessionId, "args")).text)).toEqual(["--launch-flag", "--append-system-prompt", md]);
    } finally {
      await vm.dispose();
    }
  });
});

describe("sessions against misbehaving agents", () => {
  let vm: AgentOs;
  beforeAll(async () => {
    vm = await AgentOs.create({ software: [testAgent] });
  });
  afterAll(async () => {
    await vm.dispose();
  });
  const sleeping = () => vm.allProcesses().filter((p) => p.command === "sleep" && p.status !== "exited");

  it("an agent that exits while a child holds its stdout still ends its session at once", { timeout: T }, async () => {
    const { sessionId } = await vm.createSession("test");
    await expectCode(() => vm.prompt(sessionId, "orphan"), "ERR_AGENT_OS_SESSION_CLOSED");
    const ended = vm.getSessionEvents(sessionId, { method: "_agentos/session_ended" });
    expect(ended).toHaveLength(1);
    expect((ended[0].notification.params as Json).exitCode).toBe(5);
    // The child it left in its process group is gone too.
    await waitFor(() => sleeping().length === 0, "the orphaned sleep to be killed");
    vm.closeSession(sessionId);
  });

  it("releasing a terminal kills what its command left running in the background", { timeout: T }, async () => {
    const { sessionId } = await vm.createSession("test");
    const out = JSON.parse((await vm.prompt(sessionId, "sh sleep 1000 & echo started")).text);
    expect(out.output).toBe("started\n");
    await waitFor(() => sleeping().length === 0, "the background sleep to be killed");
    vm.closeSession(sessionId);
  });

  it("a bad permission reply is refused and leaves the request pending; after a crash replies are SESSION_CLOSED", { timeout: T }, async () => {
    const { sessionId } = await vm.createSession("test");
    const asked: PermissionRequest[] = [];
    vm.onPermissionRequest(sessionId, (r) => asked.push(r));
    const turn = vm.prompt(sessionId, "permission");
    const req = await waitFor(() => asked[0], "a permission request");
    await expectCode(() => vm.respondPermission(sessionId, req.permissionId, "maybe" as never), "ERR_AGENT_OS_INVALID_OPTIONS");
    await vm.respondPermission(sessionId, req.permissionId, "once");
    expect((await turn).text).toContain("selected");
    await expectCode(() => vm.respondPermission(sessionId, req.permissionId, "once"), "ERR_AGENT_OS_UNKNOWN_PERMISSION");
    await expectCode(() => vm.prompt(sessionId, "crash"), "ERR_AGENT_OS_SESSION_CLOSED");
    await expectCode(() => vm.respondPermission(sessionId, "1", "once"), "ERR_AGENT_OS_SESSION_CLOSED");
    vm.closeSession(sessionId);
  });

  it("the agent's extension notifications are delivered live; its requests for files are only recorded", { timeout: T }, async () => {
    const { sessionId } = await vm.createSession("test");
    const seen: string[] = [];
    vm.onSessionEvent(sessionId, (n) => seen.push(n.method));
    await vm.writeFile("/tmp/r.txt", "r");
    await vm.prompt(sessionId, "notify");
    await vm.prompt(sessionId, "read /tmp/r.txt");
    expect(seen).toContain("_test/ext");
    expect(seen).not.toContain("fs/read_text_file");
    expect(vm.getSessionEvents(sessionId, { method: "fs/read_text_file" })).toHaveLength(1);
    expect(vm.getSessionEvents(sessionId, { method: "_test/ext" })[0].notification.params).toMatchObject({ n: 1 });
    vm.closeSession(sessionId);
  });

  it("createSession checks the env it is given", { timeout: T }, async () => {
    await expectCode(() => vm.createSession("test", { env: { PORT: 3000 as never } }), "ERR_AGENT_OS_INVALID_OPTIONS");
    expect(vm.listSessions()).toEqual([]);
  });
});
