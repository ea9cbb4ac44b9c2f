// A scripted mock of the Anthropic Messages API (`POST /v1/messages`) on the host's loopback,
// for driving real agents (pi, through pi-ai and @anthropic-ai/sdk) without a real model.
//
// Each request consumes the next scripted turn and is answered the way the real API answers:
// with `stream: true`, an SSE stream (message_start, ping, content_block_start /
// content_block_delta (text_delta, input_json_delta) / content_block_stop per block,
// message_delta carrying stop_reason and usage, message_stop), each event as
// `event: <type>\ndata: <json>\n\n`; otherwise one JSON `message` object. Every request is
// recorded (parsed body included) so tests can assert on the system prompt, the tools offered
// and the tool_result messages sent back.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface MockToolCall {
  name: string;
  input: Record<string, unknown>;
  /** Defaults to a fresh `toolu_mock_…` id. */
  id?: string;
}

export interface MockTurn {
  /** Assistant text, streamed in a few text_delta chunks (or exactly these chunks if an array). */
  text?: string | string[];
  /** tool_use blocks, after the text block. */
  toolCalls?: MockToolCall[];
  /** Defaults to "tool_use" when there are tool calls, else "end_turn". */
  stopReason?: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";
  /** Answer with an HTTP error instead (Anthropic error envelope). */
  error?: { status: number; type: string; message: string };
}

/** A turn, or a function of the request body returning one (for replies that depend on the request). */
export type MockScriptEntry = MockTurn | ((body: MockRequestBody) => MockTurn);

export interface MockRequestBody {
  model?: string;
  system?: string | { type: string; text: string }[];
  messages?: { role: string; content: unknown }[];
  tools?: { name: string; description?: string; input_schema?: unknown }[];
  stream?: boolean;
  [k: string]: unknown;
}

export interface MockRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body text. */
  raw: string;
  /** The parsed JSON body (`{}` if it was not JSON). */
  body: MockRequestBody;
}

export interface MockLlm {
  port: number;
  /** `http://127.0.0.1:<port>` (what Anthropic clients take as their base URL; no `/v1`). */
  url: string;
  /** Every request received, in order (including ones answered with an error). */
  requests: MockRequest[];
  /** `POST /v1/messages` requests only. */
  messageRequests(): MockRequest[];
  /** How many scripted turns have been consumed. */
  consumed(): number;
  close(): Promise<void>;
}

/** The system prompt of a request as one string (string form or the concatenated text blocks). */
export function systemText(body: MockRequestBody): string {
  const s = body.system;
  if (typeof s === "string") return s;
  if (Array.isArray(s)) return s.map((b) => (b && typeof b.text === "string" ? b.text : "")).join("\n");
  return "";
}

/** All tool_result blocks the client sent in a request's messages. */
export function toolResults(body: MockRequestBody): { tool_use_id: string; content: unknown; is_error?: boolean }[] {
  const out: { tool_use_id: string; content: unknown; is_error?: boolean }[] = [];
  for (const m of body.messages ?? []) {
    if (!Array.isArray(m.content)) continue;
    for (const b of m.content as { type?: string }[]) {
      if (b && b.type === "tool_result") out.push(b as { tool_use_id: string; content: unknown; is_error?: boolean });
    }
  }
  return out;
}

/** The text of a tool_result's content (string, or text blocks joined). */
export function toolResultText(r: { content: unknown }): string {
  if (typeof r.content === "string") return r.content;
  if (Array.isArray(r.content)) {
    return (r.content as { type?: string; text?: string }[]).map((c) => (c && c.type === "text" ? c.text ?? "" : "")).join("");
  }
  return "";
}

let idCounter = 0;
const nextId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(++idCounter).toString(36).padStart(4, "0")}`;

/** Split `s` into up to `n` roughly equal, non-empty pieces (at least one piece, possibly ""). */
function chunks(s: string, n: number): string[] {
  if (s.length === 0) return [""];
  const size = Math.max(1, Math.ceil(s.length / n));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

type Block = { type: "text"; text: string; pieces: string[] } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

function blocksOf(turn: MockTurn): Block[] {
  const blocks: Block[] = [];
  if (turn.text !== undefined) {
    const pieces = Array.isArray(turn.text) ? turn.text : chunks(turn.text, 3);
    blocks.push({ type: "text", text: pieces.join(""), pieces });
  }
  for (const tc of turn.toolCalls ?? []) {
    blocks.push({ type: "tool_use", id: tc.id ?? nextId("toolu_mock_"), name: tc.name, input: tc.input });
  }
  return blocks;
}

function stopReasonOf(turn: MockTurn): string {
  return turn.stopReason ?? ((turn.toolCalls?.length ?? 0) > 0 ? "tool_use" : "end_turn");
}

const estimateTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

function sendError(res: http.ServerResponse, status: number, type: string, message: string) {
  const body = JSON.stringify({ type: "error", error: { type, message }, request_id: nextId("req_mock_") });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "request-id": nextId("req_mock_") });
  res.end(body);
}

function sendJson(res: http.ServerResponse, model: string, turn: MockTurn, inputTokens: number) {
  const blocks = blocksOf(turn);
  const content = blocks.map((b) => (b.type === "text" ? { type: "text", text: b.text } : { type: "tool_use", id: b.id, name: b.name, input: b.input }));
  const outputTokens = estimateTokens(JSON.stringify(content));
  const message = {
    id: nextId("msg_mock_"),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReasonOf(turn),
    stop_sequence: null,
    usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens },
  };
  const body = JSON.stringify(message);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "request-id": nextId("req_mock_") });
  res.end(body);
}

function sendStream(res: http.ServerResponse, model: string, turn: MockTurn, inputTokens: number) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "request-id": nextId("req_mock_"),
  });
  const event = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const blocks = blocksOf(turn);
  event("message_start", {
    message: {
      id: nextId("msg_mock_"),
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
    },
  });
  event("ping", {});
  let outputTokens = 1;
  blocks.forEach((b, index) => {
    if (b.type === "text") {
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const piece of b.pieces) event("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
      outputTokens += estimateTokens(b.text);
    } else {
      event("content_block_start", { index, content_block: { type: "tool_use", id: b.id, name: b.name, input: {} } });
      // As the real API does: an empty first partial_json, then the JSON in pieces.
      const json = JSON.stringify(b.input);
      event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: "" } });
      for (const piece of chunks(json, 4)) event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: piece } });
      outputTokens += estimateTokens(json);
    }
    event("content_block_stop", { index });
  });
  event("message_delta", { delta: { stop_reason: stopReasonOf(turn), stop_sequence: null }, usage: { output_tokens: outputTokens } });
  event("message_stop", {});
  res.end();
}

/**
 * Start the mock on 127.0.0.1 (an ephemeral port). Each `POST /v1/messages` consumes the next
 * entry of `script`; when the script is exhausted the request is answered with HTTP 500
 * (`api_error`, "mock-llm: script exhausted") — visible to the agent as a failed model call.
 */
export async function startMockLlm(script: MockScriptEntry[]): Promise<MockLlm> {
  const requests: MockRequest[] = [];
  let next = 0;
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (raw += d));
    req.on("end", () => {
      let body: MockRequestBody = {};
      try {
        body = JSON.parse(raw) as MockRequestBody;
      } catch {
        /* not JSON */
      }
      const record: MockRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, raw, body };
      requests.push(record);
      const path = (req.url ?? "").split("?")[0];
      if (req.method !== "POST" || path !== "/v1/messages") {
        sendError(res, 404, "not_found_error", `mock-llm: no route for ${req.method} ${path}`);
        return;
      }
      if (typeof body.model !== "string" || !Array.isArray(body.messages)) {
        sendError(res, 400, "invalid_request_error", "mock-llm: body needs model and messages");
        return;
      }
      if (next >= script.length) {
        sendError(res, 500, "api_error", "mock-llm: script exhausted");
        return;
      }
      const entry = script[next++];
      const turn = typeof entry === "function" ? entry(body) : entry;
      if (turn.error) {
        sendError(res, turn.error.status, turn.error.type, turn.error.message);
        return;
      }
      const inputTokens = estimateTokens(raw);
      if (body.stream === true) sendStream(res, body.model, turn, inputTokens);
      else sendJson(res, body.model, turn, inputTokens);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    messageRequests: () => requests.filter((r) => r.method === "POST" && r.url.split("?")[0] === "/v1/messages"),
    consumed: () => next,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Files that point the pi coding agent (HOME=/home/user) at `url`: pi takes a provider's base
 * URL only from `~/.pi/agent/models.json` (not from `ANTHROPIC_BASE_URL`), and `settings.json`
 * pins the model, turns thinking and retries off so requests are predictable.
 */
export function piConfigFiles(url: string): { path: string; content: string }[] {
  return [
    { path: "/home/user/.pi/agent/models.json", content: JSON.stringify({ providers: { anthropic: { baseUrl: url } } }) },
    {
      path: "/home/user/.pi/agent/settings.json",
      content: JSON.stringify({ defaultProvider: "anthropic", defaultModel: "claude-sonnet-4-5", defaultThinkingLevel: "off", retry: { enabled: false } }),
    },
  ];
}
