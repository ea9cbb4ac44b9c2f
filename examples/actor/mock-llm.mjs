// TEST DOUBLE, not part of the example proper: a minimal stand-in for the Anthropic Messages API
// (`POST /v1/messages`, streamed as SSE) on the host's loopback, so that the pi session in
// client.mjs runs without a real model or network. Every request is answered with the text
// "Hello from mock". server.mjs starts it and lets the VM reach its port (loopbackExemptPorts);
// client.mjs points pi at it through ~/.pi/agent/models.json (pi ignores ANTHROPIC_BASE_URL).
import http from "node:http";

export const MOCK_TEXT = "Hello from mock";

export function startMockLlm(port = 0) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url });
      const send = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.writeHead(200, { "content-type": "text/event-stream" });
      send("message_start", {
        type: "message_start",
        message: { id: "msg_mock", type: "message", role: "assistant", model: "mock", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } },
      });
      send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
      send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: MOCK_TEXT } });
      send("content_block_stop", { type: "content_block_stop", index: 0 });
      send("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } });
      send("message_stop", { type: "message_stop" });
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ port, url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** The files that point pi at the mock: a provider base-URL override and pinned model settings. */
export function piConfigFiles(url) {
  return [
    { path: "/home/user/.pi/agent/models.json", content: JSON.stringify({ providers: { anthropic: { baseUrl: url } } }) },
    {
      path: "/home/user/.pi/agent/settings.json",
      content: JSON.stringify({ defaultProvider: "anthropic", defaultModel: "claude-sonnet-4-5", defaultThinkingLevel: "off", retry: { enabled: false } }),
    },
  ];
}
