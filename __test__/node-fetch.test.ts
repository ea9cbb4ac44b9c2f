// fetch, Request, Response, Headers, FormData and WebSocket in the VM's `node`: undici over the
// guest's `net`, against servers the guest itself runs on the VM's loopback.
//
// Most cases run the same script in the VM and with the host's real Node and assert identical
// output (the scripts print values, not inspected objects, which differ between Node 20 and 22).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { AgentOs } from "../index.js";
import { guestRunner, privateCa, sameAsHost as sameAsHostWith } from "./helpers.js";

let vm: AgentOs;
beforeAll(async () => {
  vm = await AgentOs.create();
});
afterAll(async () => {
  await vm.dispose();
});

const guest = guestRunner(() => vm, "fetch");
const sameAsHost = (src: string) => sameAsHostWith(guest, src);

// A hand-made HTTP/1.1 server over `net`: `serve(handler)` resolves to a listening server whose
// handler gets the socket, the request head (text) and body (Buffer) of each request. Every
// response says `Connection: close`, so the client keeps no idle socket open when the script ends.
const SERVE = `
const net = require("net");
function serve(handler) {
  return new Promise((resolve) => {
    const srv = net.createServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.on("error", () => {});
      sock.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        const i = buf.indexOf("\\r\\n\\r\\n");
        if (i < 0) return;
        const head = buf.subarray(0, i).toString();
        const len = Number(/content-length: (\\d+)/i.exec(head)?.[1] ?? 0);
        const body = buf.subarray(i + 4);
        if (body.length < len) return;
        buf = Buffer.alloc(0);
        handler(sock, head, body.subarray(0, len));
      });
    });
    srv.listen(0, "127.0.0.1", () => resolve(srv));
  });
}
const urlOf = (srv, path = "/") => "http://127.0.0.1:" + srv.address().port + path;
`;

describe("fetch over the guest's net", () => {
  it("a content-length response: status, headers, json", async () => {
    await sameAsHost(`${SERVE}
(async () => {
  let seen;
  const srv = await serve((sock, head) => {
    seen = head.split("\\r\\n");
    sock.end("HTTP/1.1 201 Created\\r\\nContent-Type: application/json\\r\\nX-Thing: a\\r\\nX-Thing: b\\r\\nConnection: close\\r\\nContent-Length: 17\\r\\n\\r\\n{\\"a\\":[1,2],\\"b\\":0}");
  });
  const r = await fetch(urlOf(srv, "/x/../y?q=1#frag"));
  console.log(seen[0], seen.slice(1).map((l) => l.split(":")[0].toLowerCase()).sort().join());
  console.log(seen.find((l) => /^user-agent:/i.test(l)), seen.find((l) => /^host:/i.test(l)) === "host: 127.0.0.1:" + srv.address().port);
  console.log(r.status, r.statusText, r.ok, r.type, r.redirected, r.url === urlOf(srv, "/y?q=1"));
  console.log(r.headers.get("x-thing"), r.headers.get("content-type"), [...r.headers.keys()].join());
  console.log(r.body instanceof ReadableStream, r.bodyUsed);
  console.log(JSON.stringify(await r.json()), r.bodyUsed);
  await r.text().catch((e) => console.log(e.name, e.message));
  srv.close();
})();
`);
  });

  it("chunked responses: text, arrayBuffer, and the body streamed in chunks", async () => {
    await sameAsHost(`${SERVE}
(async () => {
  const srv = await serve((sock) => {
    sock.write("HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\n");
    sock.write("5\\r\\nhello\\r\\n");
    setTimeout(() => sock.write("6\\r\\n world\\r\\n"), 30);
    setTimeout(() => sock.end("0\\r\\n\\r\\n"), 60);
  });
  let r = await fetch(urlOf(srv));
  console.log(r.headers.get("transfer-encoding"), JSON.stringify(await r.text()));
  const ab = await (await fetch(urlOf(srv))).arrayBuffer();
  console.log(ab instanceof ArrayBuffer, ab.byteLength, Buffer.from(ab).toString());
  r = await fetch(urlOf(srv));
  const reader = r.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value instanceof Uint8Array ? Buffer.from(value).toString() : typeof value);
  }
  console.log(chunks.length > 1, chunks.join(""));
  r = await fetch(urlOf(srv));
  let all = "";
  for await (const c of r.body) all += Buffer.from(c).toString();
  console.log(all, r.bodyUsed);
  srv.close();
})();
`);
  });

  it("POST with a string, a Uint8Array and URLSearchParams body", async () => {
    await sameAsHost(`${SERVE}
(async () => {
  const srv = await serve((sock, head, body) => {
    const h = (n) => new RegExp("^" + n + ": (.*)$", "im").exec(head)?.[1] ?? "-";
    const out = JSON.stringify([head.split(" ")[0], h("content-type"), h("content-length"), body.toString("hex")]);
    sock.end("HTTP/1.1 200 OK\\r\\nConnection: close\\r\\nContent-Length: " + out.length + "\\r\\n\\r\\n" + out);
  });
  const post = async (init) => console.log(await (await fetch(urlOf(srv), { method: "POST", ...init })).text());
  await post({ body: "a=1 é" });
  await post({ body: new Uint8Array([0, 1, 255]) });
  await post({ body: new URLSearchParams({ x: "1", y: "two words" }) });
  await post({ body: JSON.stringify({ k: true }), headers: { "content-type": "application/json" } });
  await post({ method: "PUT", body: Buffer.from("buf") });
  srv.close();
})();
`);
  });

  it("follows redirects, or not (redirect: manual / error)", async () => {
    await sameAsHost(`${SERVE}
(async () => {
  const srv = await serve((sock, head) => {
    const path = head.split(" ")[1];
    if (path === "/old") sock.end("HTTP/1.1 302 Found\\r\\nLocation: /new?x=1\\r\\nConnection: close\\r\\nContent-Length: 0\\r\\n\\r\\n");
    else sock.end("HTTP/1.1 200 OK\\r\\nConnection: close\\r\\nContent-Length: " + path.length + "\\r\\n\\r\\n" + path);
  });
  const r = await fetch(urlOf(srv, "/old"));
  console.log(r.status, r.redirected, r.url === urlOf(srv, "/new?x=1"), await r.text());
  const m = await fetch(urlOf(srv, "/old"), { redirect: "manual" });
  console.log(m.status, m.redirected, m.headers.get("location"));
  await fetch(urlOf(srv, "/old"), { redirect: "error" }).catch((e) => console.log(e.name, e.message, e.cause?.message));
  srv.close();
})();
`);
  });

  it("against the guest's http.createServer: keep-alive reuse, request headers, streamed upload", async () => {
    await sameAsHost(`
const http = require("http");
let sockets = 0;
const srv = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    res.setHeader("x-seen", req.method + " " + req.url + " " + (req.headers["x-custom"] ?? "-") + " " + (req.headers["transfer-encoding"] ?? req.headers["content-length"] ?? "-"));
    res.end(body.toUpperCase());
  });
});
srv.on("connection", () => sockets++);
srv.listen(0, "127.0.0.1", async () => {
  const base = "http://127.0.0.1:" + srv.address().port;
  for (const path of ["/a", "/b"]) {
    const r = await fetch(base + path, { headers: { "x-custom": "v" } });
    console.log(r.status, r.headers.get("x-seen"), JSON.stringify(await r.text()));
  }
  const upload = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("stream")); c.enqueue(new TextEncoder().encode("ed")); c.close(); } });
  const r = await fetch(base + "/up", { method: "POST", body: upload, duplex: "half" });
  console.log(r.status, r.headers.get("x-seen"), await r.text());
  console.log("connections", sockets);
  srv.close();
  srv.closeAllConnections?.();
});
`);
  });

  it("AbortController aborts a request the server never answers", async () => {
    await sameAsHost(`${SERVE}
(async () => {
  const srv = await serve(() => {});
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  try {
    await fetch(urlOf(srv), { signal: ac.signal });
  } catch (e) {
    console.log(e.name, e.message, e instanceof DOMException, e === ac.signal.reason);
  }
  try {
    await fetch(urlOf(srv), { signal: AbortSignal.abort(new Error("mine")) });
  } catch (e) {
    console.log(e.name, e.message);
  }
  srv.close();
})();
`);
  });

  it("a port nobody listens on: TypeError fetch failed, cause ECONNREFUSED", async () => {
    const r = await guest(`${SERVE}
(async () => {
  const srv = await serve(() => {});
  const url = urlOf(srv);
  const port = srv.address().port;
  srv.close();
  try {
    await fetch(url);
  } catch (e) {
    console.log(e instanceof TypeError, e.message, e.cause.code, e.cause.syscall, e.cause.address, e.cause.port === port);
  }
})();
`);
    expect(r).toMatchObject({ exitCode: 0, stderr: "", stdout: "true fetch failed ECONNREFUSED connect 127.0.0.1 true\n" });
  });

  it("rejects URLs and schemes it cannot fetch", async () => {
    await sameAsHost(`
(async () => {
  for (const u of ["nope", "ftp://example.com/", "http://127.0.0.1:1/"]) {
    try {
      await fetch(u);
    } catch (e) {
      console.log(e.name, e.message, e.cause?.message);
    }
  }
  const r = await fetch("data:text/plain;base64,aGk=");
  console.log(r.status, r.headers.get("content-type"), await r.text());
})();
`);
  });
});

describe("fetch out of the VM", () => {
  it("reaches a host server through egress: credentials injected, gzip decoded", async () => {
    let seen: http.IncomingHttpHeaders = {};
    let body = "";
    const server = http.createServer((req, res) => {
      seen = req.headers;
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.setHeader("content-encoding", "gzip");
        res.end(gzipSync(JSON.stringify({ host: "saw " + req.method + " " + req.url })));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const os = await AgentOs.create({ loopbackExemptPorts: [port], egress: [{ host: "127.0.0.1", port, headers: { authorization: "Bearer secret" } }] });
    try {
      await os.writeFile("/tmp/t.js", `
(async () => {
  const r = await fetch("http://127.0.0.1:${port}/a?b=1", { method: "POST", body: "zz", headers: { authorization: "guest's own" } });
  console.log(r.status, r.headers.get("content-encoding"), JSON.stringify(await r.json()));
})();`);
      const r = await os.exec("node /tmp/t.js");
      expect(r).toMatchObject({ exitCode: 0, stderr: "", stdout: '200 gzip {"host":"saw POST /a?b=1"}\n' });
      expect(body).toBe("zz");
      expect(seen).toMatchObject({ authorization: "Bearer secret", "user-agent": "node", "accept-encoding": "gzip, deflate", "content-length": "2" });
    } finally {
      await os.dispose();
      server.close();
    }
  });

  it("https goes through tls: a certificate the guest does not trust fails the fetch", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentos-fetch-tls-"));
    let server: https.Server | undefined;
    try {
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=localhost", "-days", "1"], { cwd: dir, stdio: "ignore" });
      server = https.createServer({ key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) }, (_req, res) => res.end("tls"));
      await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
      const port = (server.address() as AddressInfo).port;
      const os = await AgentOs.create({ loopbackExemptPorts: [port] });
      try {
        await os.writeFile("/tmp/t.js", `fetch("https://localhost:${port}/").catch((e) => console.log(e.message, e.cause.code, e.cause.message));`);
        const r = await os.exec("node /tmp/t.js");
        expect(r.stdout).toMatch(/^fetch failed ECONNRESET TLS handshake with localhost .* failed: /);
      } finally {
        await os.dispose();
      }
    } finally {
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("fetch over https with the environment's TLS settings", () => {
  it("NODE_EXTRA_CA_CERTS adds a private CA; NODE_TLS_REJECT_UNAUTHORIZED=0 skips verification", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentos-fetch-ca-"));
    let server: https.Server | undefined;
    try {
      const { ca, cert, key } = privateCa(dir, "agentOS fetch test CA");
      server = https.createServer({ key, cert }, (req, res) => res.end(`tls ok ${req.url}`));
      await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
      const port = (server.address() as AddressInfo).port;
      const os = await AgentOs.create({ loopbackExemptPorts: [port] });
      try {
        await os.writeFile("/etc/ca.pem", ca);
        await os.writeFile(
          "/tmp/t.js",
          `fetch("https://localhost:${port}/x").then((r) => r.text()).then(console.log, (e) => console.log(e.message, e.cause.code));`,
        );
        const trusted = await os.exec("node /tmp/t.js", { env: { NODE_EXTRA_CA_CERTS: "/etc/ca.pem" } });
        expect(trusted.stdout).toBe("tls ok /x\n");
        expect(trusted.stderr).toBe("");
        // Without it, the private CA is not trusted.
        const untrusted = await os.exec("node /tmp/t.js");
        expect(untrusted.stdout).toBe("fetch failed ECONNRESET\n");
        // An unreadable file: Node's warning, and the certificate is not trusted.
        const missing = await os.exec("node /tmp/t.js", { env: { NODE_EXTRA_CA_CERTS: "/etc/nope.pem" } });
        expect(missing.stdout).toBe("fetch failed ECONNRESET\n");
        expect(missing.stderr).toMatch(/^Warning: Ignoring extra certs from `\/etc\/nope\.pem`, load failed: .*ENOENT/);
        const insecure = await os.exec("node /tmp/t.js", { env: { NODE_TLS_REJECT_UNAUTHORIZED: "0" } });
        expect(insecure.stdout).toBe("tls ok /x\n");
        expect(insecure.stderr).toMatch(/Warning: Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and HTTPS requests insecure/);
      } finally {
        await os.dispose();
      }
    } finally {
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Request, Response, Headers and FormData on their own", () => {
  it("Headers", async () => {
    await sameAsHost(`
const h = new Headers({ "Content-Type": "text/plain", "X-B": "1" });
h.append("x-b", "2");
h.append("Set-Cookie", "a=1");
h.append("Set-Cookie", "b=2");
console.log(h.get("x-b"), h.get("content-type"), h.has("X-B"), h.get("nope"));
console.log(JSON.stringify([...h]), JSON.stringify(h.getSetCookie()));
h.delete("x-b");
h.set("content-type", "a/b");
console.log(JSON.stringify(Object.fromEntries(h)));
try { h.append("bad name", "x"); } catch (e) { console.log(e.name, e.message); }
console.log(typeof Headers, Object.prototype.toString.call(h));
`);
  });

  it("Request", async () => {
    await sameAsHost(`
(async () => {
  const r = new Request("http://example.com/a/../b?x=1", { method: "post", body: "hi", headers: { "x-a": "1" } });
  console.log(r.url, r.method, r.headers.get("x-a"), r.headers.get("content-type"), r.redirect, r.mode, r.credentials);
  const c = r.clone();
  console.log(await r.text(), r.bodyUsed, await c.text());
  try { new Request("http://example.com/", { method: "GET", body: "x" }); } catch (e) { console.log(e.name, e.message); }
  try { new Request("/relative"); } catch (e) { console.log(e.name, e.message); }
  const s = new Request("http://example.com/", { signal: AbortSignal.abort() });
  console.log(s.signal.aborted, s.signal instanceof AbortSignal);
})();
`);
  });

  it("Response", async () => {
    await sameAsHost(`
(async () => {
  const r = new Response("body", { status: 404, statusText: "Nope", headers: { "x-a": "1" } });
  console.log(r.status, r.statusText, r.ok, r.headers.get("x-a"), r.headers.get("content-type"), r.type);
  console.log(await r.text(), r.bodyUsed);
  const j = Response.json({ a: 1 }, { status: 202 });
  console.log(j.status, j.headers.get("content-type"), JSON.stringify(await j.json()));
  const red = Response.redirect("http://example.com/x", 301);
  console.log(red.status, red.headers.get("location"));
  const err = Response.error();
  console.log(err.type, err.status);
  try { new Response("x", { status: 99 }); } catch (e) { console.log(e.name, e.message); }
  try { new Response("x", { status: 204 }); } catch (e) { console.log(e.name, e.message); }
  const bytes = new Response(new Uint8Array([1, 2, 3]));
  console.log(new Uint8Array(await bytes.arrayBuffer()).join());
  const blob = await new Response("abc").blob();
  console.log(blob instanceof Blob, blob.size, blob.type);
  const st = new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } }));
  console.log(await st.text());
  const cl = new Response("twice");
  console.log(await cl.clone().text(), await cl.text());
})();
`);
  });

  it("FormData, and bodies made of it", async () => {
    await sameAsHost(`
(async () => {
  const fd = new FormData();
  fd.append("a", "1");
  fd.append("a", "2");
  fd.append("f", new Blob(["file body"], { type: "text/plain" }), "f.txt");
  console.log(fd.get("a"), JSON.stringify(fd.getAll("a")), fd.has("f"), fd.get("f").name, fd.get("f").size);
  const r = new Response(fd);
  console.log(r.headers.get("content-type").startsWith("multipart/form-data; boundary="));
  const back = await r.formData();
  console.log(JSON.stringify(back.getAll("a")), back.get("f").name, await back.get("f").text());
  const u = await new Response("x=1&y=2", { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData();
  console.log(JSON.stringify([...u]));
})();
`);
  });
});

describe("WebSocket", () => {
  it("talks to a hand-made server over the guest's net", async () => {
    const r = await guest(`
const net = require("net");
const crypto = require("crypto");
const srv = net.createServer((sock) => {
  let buf = "";
  sock.on("data", function onData(d) {
    buf += d.toString("latin1");
    if (!buf.includes("\\r\\n\\r\\n")) return;
    sock.off("data", onData);
    const key = /sec-websocket-key: (.*)\\r\\n/i.exec(buf)[1];
    const accept = crypto.createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
    sock.write("HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + accept + "\\r\\n\\r\\n");
    const msg = Buffer.from("hello ws");
    sock.write(Buffer.concat([Buffer.from([0x81, msg.length]), msg]));
    sock.on("data", (f) => {
      const op = f[0] & 15, len = f[1] & 127, mask = f.subarray(2, 6);
      const payload = Buffer.from(f.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]));
      if (op === 1) console.log("server got", payload.toString());
      if (op === 8) { sock.end(Buffer.from([0x88, 2, 0x03, 0xe8])); srv.close(); }
    });
  });
});
srv.listen(0, "127.0.0.1", () => {
  const ws = new WebSocket("ws://127.0.0.1:" + srv.address().port + "/chat");
  ws.onopen = () => console.log("open", ws.readyState, ws.url.endsWith("/chat"));
  ws.onmessage = (e) => {
    console.log("message", e.data);
    ws.send("hi back");
    setTimeout(() => ws.close(1000), 20);
  };
  ws.onerror = (e) => console.log("error", e.message);
  ws.onclose = (e) => console.log("close", e.code, e.wasClean);
});
`);
    expect(r).toMatchObject({ exitCode: 0, stderr: "", stdout: "open 1 true\nmessage hello ws\nserver got hi back\nclose 1000 true\n" });
  });
});

describe("loading", () => {
  it("undici is not evaluated until a program uses fetch or its classes", async () => {
    // undici installs its global dispatcher when it loads.
    const probe = `Symbol.for("undici.globalDispatcher.1") in globalThis`;
    expect((await vm.exec(`node -p '${probe}'`)).stdout).toBe("false\n");
    expect((await vm.exec(`node -p 'typeof fetch + typeof Headers + (${probe})'`)).stdout).toBe("functionfunctiontrue\n");
    expect((await vm.exec(`node -p 'typeof fetch + (${probe})'`)).stdout).toBe("functionfalse\n");
    // As in Node 22: fetch is an enumerable function, the classes are accessors.
    const r = await vm.exec(
      `node -p 'const d = (n) => Object.getOwnPropertyDescriptor(globalThis, n); [d("fetch").enumerable, fetch.name, fetch.length, typeof d("Request").get, d("Headers").enumerable].join()'`,
    );
    expect(r.stdout).toBe("true,fetch,1,function,false\n");
  });

  it("the globals can be replaced", async () => {
    const r = await vm.exec(`node -p 'globalThis.Headers = 1; globalThis.fetch = 2; Headers + fetch'`);
    expect(r.stdout).toBe("3\n");
  });
});
