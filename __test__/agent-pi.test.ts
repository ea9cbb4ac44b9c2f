// End to end: the real pi coding agent (`@rivet-dev/agent-os-pi`'s ACP adapter embedding
// `@mariozechner/pi-coding-agent`) running inside a VM as `software: [pi]`, talking ACP to the
// host over its stdio, and to a scripted mock of the Anthropic Messages API on the host's
// loopback (reached through `loopbackExemptPorts`). The model asks for pi's `write` tool; the
// file must appear in the VM, the tool call must be reported as session events, and the
// instructions (OS base text, VM-level and session-level additions) must reach the model's
// system prompt.
//
// How the mock's URL reaches pi: pi builds its Anthropic client with the model's `baseUrl`
// explicitly (https://api.anthropic.com for the built-in models), so ANTHROPIC_BASE_URL in the
// environment is ignored by pi. Its only base-URL override is `models.json` in its agent dir
// (`$PI_CODING_AGENT_DIR`, default `~/.pi/agent`), which is not env-expanded. So the test writes
// `~/.pi/agent/models.json` (provider override `anthropic.baseUrl` = the mock) and
// `~/.pi/agent/settings.json` (pinned provider/model, thinking off, no retries) into the VM
// before `createSession`, and passes the URL in the session env as well.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pi from "@rivet-dev/agent-os-pi";
import { AgentOs } from "../index.js";
import { piConfigFiles, startMockLlm, systemText, toolResults, toolResultText, type MockLlm } from "./mock-llm.js";

const HELLO_PATH = "/home/user/hello.js";
const HELLO_SRC = 'console.log("Hello, world!");\n';
const TOOL_CALL_ID = "toolu_mock_write_hello_1";
const FINAL_TEXT = "I wrote /home/user/hello.js; run it with `node hello.js`.";

type Notification = { jsonrpc?: string; method: string; params?: any };
type Sequenced = { sequenceNumber: number; notification: Notification };

/** Reject after `ms` with `what` and whatever `diag()` says, so a hang fails with a useful message. */
function within<T>(p: Promise<T>, ms: number, what: string, diag: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms\n${diag()}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const updates = (events: Sequenced[]) =>
  events.filter((e) => e.notification.method === "session/update").map((e) => e.notification.params?.update ?? {});

describe("pi agent in a VM, against a mock LLM", () => {
  let mock: MockLlm;
  let vm: AgentOs;
  let sessionId: string;
  let instructionsFirstLine: string;
  let result: { response: any; text: string };
  const live: Notification[] = [];
  let liveAtResolve: Notification[] = [];
  let seqAtSubscribe = -1;

  const diag = () =>
    [
      `mock requests: ${mock?.requests.length ?? 0} (${mock?.requests.map((r) => `${r.method} ${r.url}`).join(", ")})`,
      `events: ${vm && sessionId ? JSON.stringify(vm.getSessionEvents(sessionId)).slice(0, 4000) : "(no session)"}`,
    ].join("\n");

  beforeAll(async () => {
    mock = await startMockLlm([
      {
        text: "I'll create the script.",
        toolCalls: [{ id: TOOL_CALL_ID, name: "write", input: { path: HELLO_PATH, content: HELLO_SRC } }],
      },
      { text: FINAL_TEXT },
    ]);
    vm = await AgentOs.create({
      software: [pi],
      loopbackExemptPorts: [mock.port],
      additionalInstructions: "VM-LEVEL-MARKER",
    } as any);

    const instructions = new TextDecoder().decode(await vm.readFile("/etc/agentos/instructions.md"));
    instructionsFirstLine = instructions.split("\n").find((l) => l.trim() !== "") ?? "";

    // Point pi at the mock (see the header comment: pi reads the base URL only from models.json).
    for (const f of piConfigFiles(mock.url)) await vm.writeFile(f.path, f.content);

    const session = await within(
      vm.createSession("pi", {
        env: { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: mock.url },
        additionalInstructions: "SESSION-MARKER",
      }) as Promise<{ sessionId: string }>,
      60_000,
      "createSession",
      diag,
    );
    sessionId = session.sessionId;
    seqAtSubscribe = (vm.getSessionEvents(sessionId) as Sequenced[]).at(-1)?.sequenceNumber ?? -1;
    vm.onSessionEvent(sessionId, (n: Notification) => live.push(n));

    result = await within(vm.prompt(sessionId, "Write a hello world script"), 90_000, "prompt", diag);
    liveAtResolve = [...live];
  }, 180_000);

  afterAll(async () => {
    try {
      if (vm && sessionId) vm.closeSession(sessionId);
    } catch {
      /* already closed by the test */
    }
    await vm?.dispose();
    await mock?.close();
  }, 30_000);

  it("creates a session with the id pi returned and lists it", () => {
    expect(typeof sessionId).toBe("string");
    expect(sessionId.length).toBeGreaterThan(0);
    expect(vm.listSessions()).toContainEqual({ sessionId, agentType: "pi" });
    expect(vm.listAgents()).toContainEqual(
      expect.objectContaining({ id: "pi", acpAdapter: "@rivet-dev/agent-os-pi", agentPackage: "@mariozechner/pi-coding-agent", installed: true }),
    );
  });

  it("prompt resolves with end_turn and the assistant's final text", () => {
    expect(result.response.error, JSON.stringify(result.response)).toBeUndefined();
    expect(result.response.result).toEqual({ stopReason: "end_turn" });
    expect(result.text).toContain(FINAL_TEXT);
  });

  it("the model was called twice: the prompt, then the write tool's result", () => {
    const reqs = mock.messageRequests();
    expect(reqs.length, diag()).toBe(2);
    for (const r of reqs) {
      expect(r.headers["x-api-key"]).toBe("test-key");
      expect(r.body.stream).toBe(true);
      expect(r.body.model).toBe("claude-sonnet-4-5");
    }
    const first = reqs[0].body;
    expect(first.tools?.map((t) => t.name)).toEqual(expect.arrayContaining(["read", "bash", "edit", "write"]));
    expect(JSON.stringify(first.messages)).toContain("Write a hello world script");
    const results = toolResults(reqs[1].body);
    expect(results.map((r) => r.tool_use_id)).toEqual([TOOL_CALL_ID]);
    expect(results[0].is_error).toBeFalsy();
    expect(toolResultText(results[0])).toContain("Successfully wrote");
  });

  it("the system prompt holds the OS instructions, the VM's and the session's additions", () => {
    expect(instructionsFirstLine.length).toBeGreaterThan(0);
    const system = systemText(mock.messageRequests()[0].body);
    expect(system).toContain(instructionsFirstLine);
    expect(system).toContain("VM-LEVEL-MARKER");
    expect(system).toContain("SESSION-MARKER");
  });

  it("the file pi wrote exists in the VM and runs", async () => {
    expect(new TextDecoder().decode(await vm.readFile(HELLO_PATH))).toBe(HELLO_SRC);
    const r = await vm.exec(`node ${HELLO_PATH}`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("Hello, world!\n");
    expect(r.exitCode).toBe(0);
  });

  it("records the tool call as session events, sequenced", () => {
    const events: Sequenced[] = vm.getSessionEvents(sessionId);
    expect(events.length).toBeGreaterThan(0);
    expect(events.map((e) => e.sequenceNumber)).toEqual(events.map((_, i) => i));
    const ups = updates(events);
    const call = ups.find((u) => u.sessionUpdate === "tool_call" && u.toolCallId === TOOL_CALL_ID);
    expect(call, JSON.stringify(ups).slice(0, 4000)).toMatchObject({ title: "write", kind: "edit" });
    const callUpdates = ups.filter((u) => u.sessionUpdate === "tool_call_update" && u.toolCallId === TOOL_CALL_ID);
    expect(callUpdates.length).toBeGreaterThan(0);
    const done = callUpdates.at(-1);
    expect(done.status).toBe("completed");
    expect(JSON.stringify(done.content)).toContain("Successfully wrote");
    // The write's input, as the model sent it, is reported on the call.
    expect(ups.filter((u) => u.toolCallId === TOOL_CALL_ID).some((u) => u.rawInput?.path === HELLO_PATH && u.rawInput?.content === HELLO_SRC)).toBe(true);
    // The final answer arrived as message chunks, and their concatenation is the prompt's text.
    const chunks = ups.filter((u) => u.sessionUpdate === "agent_message_chunk").map((u) => u.content?.text ?? "");
    expect(chunks.join("")).toBe(result.text);

    // `since` and `method` filters.
    const last = events.at(-1)!.sequenceNumber;
    expect(vm.getSessionEvents(sessionId, { since: last })).toEqual([]);
    expect(vm.getSessionEvents(sessionId, { since: last - 1 })).toEqual([events.at(-1)]);
    expect(vm.getSessionEvents(sessionId, { method: "session/update" }).length).toBe(
      events.filter((e) => e.notification.method === "session/update").length,
    );
  });

  it("live onSessionEvent handlers saw every update before prompt resolved", () => {
    const recorded = (vm as any)
      .getSessionEvents(sessionId, seqAtSubscribe < 0 ? { method: "session/update" } : { since: seqAtSubscribe, method: "session/update" })
      .map((e: Sequenced) => e.notification);
    expect(recorded.length).toBeGreaterThan(0);
    expect(liveAtResolve.filter((n) => n.method === "session/update")).toEqual(recorded);
    const text = liveAtResolve
      .map((n) => n.params?.update)
      .filter((u) => u?.sessionUpdate === "agent_message_chunk")
      .map((u) => u.content?.text ?? "")
      .join("");
    expect(text).toBe(result.text);
  });

  it("closeSession ends the session; later calls fail with ERR_AGENT_OS_UNKNOWN_SESSION", async () => {
    vm.closeSession(sessionId);
    expect(vm.listSessions()).not.toContainEqual(expect.objectContaining({ sessionId }));
    let err: any;
    try {
      await vm.prompt(sessionId, "again");
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe("ERR_AGENT_OS_UNKNOWN_SESSION");
    // No further model call happened.
    expect(mock.messageRequests().length).toBe(2);
  });
});
