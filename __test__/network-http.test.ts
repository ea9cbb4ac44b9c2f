// HTTP in the VM: the seed's example, guest `http` servers and clients over the VM's network
// (keep-alive, chunked bodies, streaming, upgrades with the real `ws` package), `https` out
// through the host, and `curl` in the shell.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import net from "node:net";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { AgentOs } from "../index.js";
import { rejectsWith } from "./helpers.js";

async function run(vm: AgentOs, src: string, name = "/tmp/t.mjs") {
  await vm.writeFile(name, src);
  return vm.exec(`node ${name}`);
}

async function copyPackage(vm: AgentOs, name: string) {
  const from = path.join(import.meta.dirname, "..", "node_modules", name);
  const walk = async (dir: string, to: string) => {
    await vm.mkdir(to, { recursive: true });
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(dir, e.name), `${to}/${e.name}`);
      else if (e.isFile()) await vm.writeFile(`${to}/${e.name}`, await readFile(path.join(dir, e.name)));
    }
  };
  await walk(from, `/home/user/node_modules/${name}`);
}

describe("the seed's example", () => {
  it("serves from a spawned guest and answers AgentOs.fetch", async () => {
    const vm = await AgentOs.create();
    try {
      await vm.writeFile(
        "/tmp/app.mjs",
        `import http from "node:http";
http.createServer((req, res) => res.end("hello")).listen(3000);`,
      );
      vm.spawn("node", ["/tmp/app.mjs"]);
      const res = await vm.fetch(3000, new Request("http://localhost/"));
      expect(res).toBeInstanceOf(Response);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("hello");
      await rejectsWith(vm.fetch(3001, new Request("http://localhost/")), "ECONNREFUSED");
    } finally {
      await vm.dispose();
    }
  });
});

describe("guest http", () => {
  let vm: AgentOs;
  beforeAll(async () => {
    vm = await AgentOs.create();
    await vm.writeFile(
      "/tmp/server.mjs",
      `import http from "node:http";
const server = http.createServer((req, res) => {
  if (req.url === "/stream") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    let i = 0;
    const t = setInterval(() => {
      res.write("data: " + i + "\\n\\n");
      if (++i === 3) { clearInterval(t); res.end(); }
    }, 10);
    return;
  }
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    res.setHeader("x-conn", String(req.socket.remotePort));
    res.end(JSON.stringify({ method: req.method, url: req.url, body, te: req.headers["transfer-encoding"] ?? null, ua: req.headers["user-agent"] ?? null }));
  });
});
server.keepAliveTimeout = 5000;
server.listen(8000);`,
    );
    vm.spawn("node", ["/tmp/server.mjs"]);
    await (await vm.fetch(8000, new Request("http://localhost/warm"))).text();
  });
  afterAll(() => vm.dispose());

  it("host fetch: methods, bodies and a streaming response", async () => {
    const post = await vm.fetch(8000, new Request("http://localhost/p?q=1", { method: "PUT", body: new Uint8Array([104, 105]) }));
    expect(await post.json()).toMatchObject({ method: "PUT", url: "/p?q=1", body: "hi" });
    const sse = await vm.fetch(8000, new Request("http://localhost/stream"));
    expect(sse.headers.get("content-type")).toBe("text/event-stream");
    const reader = sse.body!.getReader();
    const chunks: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(new TextDecoder().decode(value));
    }
    expect(chunks.join("")).toBe("data: 0\n\ndata: 1\n\ndata: 2\n\n");
    expect(chunks.length).toBeGreaterThan(1);
  });

  it("guest to guest: keep-alive reuses one connection, chunked uploads arrive whole", async () => {
    const r = await run(
      vm,
      `import http from "node:http";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (opts, body) => new Promise((resolve, reject) => {
  const req = http.request({ port: 8000, agent, ...opts }, (res) => {
    let d = ""; res.on("data", (c) => (d += c)); res.on("end", () => resolve({ h: res.headers, b: JSON.parse(d) }));
  });
  req.on("error", reject);
  if (body) for (const part of body) req.write(part);
  req.end();
});
const a = await get({ path: "/1" });
const b = await get({ path: "/2" });
console.log(a.h["x-conn"] === b.h["x-conn"], a.h.connection);
const c = await get({ path: "/up", method: "POST" }, ["ab", "cd", "ef"]);
console.log(c.b.body, c.b.te);
agent.destroy();`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("true keep-alive\nabcdef chunked\n");
  });

  it("guest fetch reaches a guest server", async () => {
    const r = await run(
      vm,
      `const res = await fetch("http://localhost:8000/f", { method: "POST", body: "from fetch", headers: { "user-agent": "ua-test" } });
console.log(res.status, JSON.stringify(await res.json()));`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`200 {"method":"POST","url":"/f","body":"from fetch","te":null,"ua":"ua-test"}\n`);
  });

  it("websockets: the real ws package upgrades through the guest http server", async () => {
    await copyPackage(vm, "ws");
    const r = await run(
      vm,
      `import http from "node:http";
import { WebSocketServer, WebSocket } from "ws";
const server = http.createServer();
const wss = new WebSocketServer({ server });
wss.on("connection", (ws) => ws.on("message", (m) => ws.send("echo:" + m)));
server.listen(8100, () => {
  const ws = new WebSocket("ws://localhost:8100/");
  ws.on("open", () => ws.send("hi"));
  ws.on("message", (m) => { console.log(String(m)); ws.close(); server.close(); wss.close(); });
});`,
      "/home/user/ws.mjs",
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("echo:hi\n");
  });
});

describe("curl and https through the egress", () => {
  let host: http.Server;
  let port: number;
  beforeAll(async () => {
    host = http.createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "/final" });
        return res.end();
      }
      if (req.url === "/missing") {
        res.writeHead(404);
        return res.end("nope");
      }
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => res.end(`${req.method} ${req.url} ${body}`));
    });
    await new Promise<void>((r) => host.listen(0, "127.0.0.1", r));
    port = (host.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise((r) => host.close(r)));

  it("curl fetches, follows redirects, posts, fails and reports policy denials", async () => {
    const vm = await AgentOs.create({ loopbackExemptPorts: [port] });
    try {
      const base = `http://127.0.0.1:${port}`;
      expect((await vm.exec(`curl -s ${base}/a`)).stdout).toBe("GET /a ");
      expect((await vm.exec(`curl -sL ${base}/redirect`)).stdout).toBe("GET /final ");
      expect((await vm.exec(`curl -s -d x=1 -d y=2 ${base}/form`)).stdout).toBe("POST /form x=1&y=2");
      expect((await vm.exec(`curl -s -o /tmp/out -w '%{http_code}' ${base}/file && cat /tmp/out`)).stdout).toBe("200GET /file ");
      const fail = await vm.exec(`curl -sSf ${base}/missing`);
      expect(fail.exitCode).toBe(22);
      expect(fail.stderr).toContain("404");
      const denied = await vm.exec("curl -sS http://example.com/");
      expect(denied.exitCode).not.toBe(0);
      expect(denied.stderr).toContain("denied");
      const ssrf = await vm.exec(`curl -sS http://169.254.169.254/latest/meta-data/`);
      expect(ssrf.exitCode).not.toBe(0);
    } finally {
      await vm.dispose();
    }
  });

  it("node's http client reaches an exempt host port and its responses stream", async () => {
    const vm = await AgentOs.create({ loopbackExemptPorts: [port] });
    try {
      const r = await run(
        vm,
        `import http from "node:http";
http.get("http://127.0.0.1:${port}/from-guest", (res) => { let d = ""; res.on("data", (c) => (d += c)); res.on("end", () => console.log(res.statusCode, d)); });`,
      );
      expect(r.stdout).toBe("200 GET /from-guest \n");
      const f = await run(vm, `const r = await fetch("http://127.0.0.1:${port}/via-fetch"); console.log(r.status, await r.text());`);
      expect(f.stdout).toBe("200 GET /via-fetch \n");
      const denied = await run(vm, `try { await fetch("http://example.com/"); } catch (e) { console.log(e.message, e.cause?.code); }`);
      expect(denied.stdout).toBe("fetch failed EACCES\n");
    } finally {
      await vm.dispose();
    }
  });
});
