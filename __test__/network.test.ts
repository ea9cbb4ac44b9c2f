// The virtual network: sockets on the VM's loopback, AgentOs.fetch(port, request), isolation
// between VMs, and policed egress (permissions.network, blocked address ranges, exempt loopback
// ports, credential injection). Every server here is started by the test on the host's
// loopback; nothing reaches beyond it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostname } from "node:os";
import { lookup } from "node:dns/promises";
import { AgentOs, type NetworkAccessRequest } from "../index.js";
import { privateCa, rejectsWith } from "./helpers.js";

/** A host HTTP server on 127.0.0.1 recording what it receives. */
async function hostServer() {
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.setHeader("content-type", "text/plain");
      res.end(`host saw ${req.method} ${req.url}`);
    });
  });
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return { server, port, seen, connections: () => connections, close: () => new Promise((r) => server.close(r)) };
}

async function run(vm: AgentOs, src: string, name = "/tmp/t.js") {
  await vm.writeFile(name, src);
  return vm.exec(`node ${name}`);
}

/** Guest program: connect to host:port, send one HTTP GET, print the status line or the error. */
const probe = (host: string, port: number) => `
const net = require("net");
const s = net.connect(${port}, ${JSON.stringify(host)}, () => s.write("GET /probe HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"));
let got = "";
s.on("data", (d) => (got += d));
s.on("end", () => console.log("ok " + got.split("\\r\\n")[0]));
s.on("error", (e) => console.log("error " + e.code + " " + e.message));
`;

// A guest HTTP server made with `net` only (the wire format written by hand), serving
// `/stream` chunked in three pieces and everything else with a content-length.
const netHttpServer = (port: number) => `
const net = require("net");
net.createServer((s) => {
  let buf = "";
  s.on("data", (d) => {
    buf += d;
    const end = buf.indexOf("\\r\\n\\r\\n");
    if (end < 0) return;
    const head = buf.slice(0, end).split("\\r\\n");
    const [method, target] = head[0].split(" ");
    const len = Number((head.find((h) => /^content-length:/i.test(h)) || "x: 0").split(":")[1]);
    const body = buf.slice(end + 4, end + 4 + len);
    if (target === "/stream") {
      s.write("HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\nX-Kind: stream\\r\\n\\r\\n");
      let i = 0;
      const t = setInterval(() => {
        if (i < 3) s.write("5\\r\\npart" + i++ + "\\r\\n");
        else { clearInterval(t); s.end("0\\r\\n\\r\\n"); }
      }, 5);
      return;
    }
    const reply = JSON.stringify({ method, target, body, host: (head.find((h) => /^host:/i.test(h)) || "").slice(6) });
    s.end("HTTP/1.1 201 Created\\r\\nContent-Type: application/json\\r\\nSet-Cookie: a=1\\r\\nSet-Cookie: b=2\\r\\nContent-Length: " + Buffer.byteLength(reply) + "\\r\\n\\r\\n" + reply);
  });
}).listen(${port});
`;

describe("sockets inside one VM", () => {
  let vm: AgentOs;
  beforeAll(async () => {
    vm = await AgentOs.create();
  });
  afterAll(() => vm.dispose());

  it("server and client talk both ways with half-close, ephemeral ports and addresses", async () => {
    const r = await run(
      vm,
      `
const net = require("net");
const srv = net.createServer({ allowHalfOpen: true }, (s) => {
  let got = "";
  s.on("data", (d) => (got += d));
  s.on("end", () => s.end("echo:" + got + " from " + s.remoteAddress));
});
srv.listen(0, "127.0.0.1", () => {
  const { port, address, family } = srv.address();
  console.log(address, family, port >= 32768);
  const c = net.connect({ port, host: "localhost" }, () => { c.write("a"); c.end("b"); });
  let got = "";
  c.on("data", (d) => (got += d));
  c.on("close", (hadError) => { console.log(got, hadError, c.remotePort === port); srv.close(() => console.log("closed")); });
});
`,
    );
    expect(r).toMatchObject({ exitCode: 0, stderr: "" });
    expect(r.stdout).toBe("127.0.0.1 IPv4 true\necho:ab from 127.0.0.1 false true\nclosed\n");
  });

  it("EADDRINUSE across processes, ECONNREFUSED with Node's fields, port freed when the owner exits", async () => {
    const { pid } = vm.spawn("node", ["-e", "require('net').createServer().listen(4100, () => console.log('up'))"]);
    await new Promise((r) => setTimeout(r, 300));
    const r = await run(
      vm,
      `
const net = require("net");
net.createServer().listen(4100).on("error", (e) => console.log(e.code, e.errno, e.syscall, e.port, e.message));
net.connect(4101).on("error", (e) => console.log(e.code, e.errno, e.syscall, e.address, e.port, e.message));
`,
    );
    expect(r.stdout).toContain("EADDRINUSE -98 listen 4100 listen EADDRINUSE: address already in use :::4100\n");
    expect(r.stdout).toContain("ECONNREFUSED -111 connect 127.0.0.1 4101 connect ECONNREFUSED 127.0.0.1:4101\n");
    vm.killProcess(pid);
    await vm.waitProcess(pid);
    const again = await run(vm, `require("net").createServer().listen(4100, function () { console.log("rebound"); this.close(); })`);
    expect(again.stdout).toBe("rebound\n");
  });

  it("moves 8 MiB through a socket with back-pressure, intact", async () => {
    const r = await run(
      vm,
      `
const net = require("net");
const crypto = require("crypto");
const data = Buffer.alloc(8 << 20);
for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
const want = crypto.createHash("sha256").update(data).digest("hex");
const srv = net.createServer((s) => {
  const h = crypto.createHash("sha256");
  let n = 0;
  s.on("data", (d) => { h.update(d); n += d.length; });
  s.on("end", () => { console.log(n, h.digest("hex") === want); s.end(); srv.close(); });
}).listen(4200, () => {
  const c = net.connect(4200, () => {
    let off = 0, drains = 0;
    const pump = () => {
      while (off < data.length) {
        const ok = c.write(data.subarray(off, off + 65536));
        off += 65536;
        if (!ok) { drains++; c.once("drain", pump); return; }
      }
      c.end();
      console.log("drained", drains > 0);
    };
    pump();
  });
});
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`drained true\n${8 << 20} true\n`);
  });

  it("IPv6 loopback and wildcard binds", async () => {
    const r = await run(
      vm,
      `
const net = require("net");
const srv = net.createServer((s) => s.end(s.remoteAddress + " " + s.localAddress)).listen(4400, "::1", () => {
  console.log(JSON.stringify(srv.address()));
  net.connect({ port: 4400, host: "::1" }).on("data", (d) => { console.log(String(d)); srv.close(); });
});
const any = net.createServer((s) => s.end("any")).listen(4401, "0.0.0.0", () => {
  net.connect(4401, "127.0.0.1").on("data", (d) => { console.log(String(d)); any.close(); });
});
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n").sort()).toEqual(["", "::1 ::1", "any", '{"address":"::1","family":"IPv6","port":4400}']);
  });

  it("TLS to a server inside the VM fails the handshake, as against a plain server", async () => {
    const r = await run(
      vm,
      `
const net = require("net"), tls = require("tls");
const srv = net.createServer((s) => s.end()).listen(4700, () => {
  tls.connect({ port: 4700, host: "localhost" }).on("error", (e) => { console.log(e.code, e.message); srv.close(); });
});
`,
    );
    expect(r.stdout).toBe("EPROTO connect EPROTO 127.0.0.1:4700 (TLS handshake failed: servers inside the VM do not speak TLS; use http:// between them)\n");
  });

  it("a server keeps the process alive until closed; unref lets it exit", async () => {
    const r = await run(vm, `const s = require("net").createServer().listen(4300); s.unref(); console.log("bye")`);
    expect(r).toMatchObject({ exitCode: 0, stdout: "bye\n" });
  });

  it("hostile and invalid use fails cleanly: bad ports, descriptor exhaustion", async () => {
    const r = await run(
      vm,
      `
const net = require("net");
for (const p of [-1, 70000, 1.5]) {
  try { net.connect(p); } catch (e) { console.log("connect", e.code); }
  try { net.createServer().listen(p); } catch (e) { console.log("listen", e.code); }
}
const srv = net.createServer().listen(4500, () => {
  let opened = 0, failed = null;
  const socks = [];
  const next = () => {
    const s = net.connect(4500);
    s.on("connect", () => { opened++; socks.push(s); next(); });
    s.on("error", (e) => { failed = e.code; console.log("stopped by", failed, opened > 100); socks.forEach((x) => x.destroy()); srv.close(); });
  };
  next();
});
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.match(/ERR_SOCKET_BAD_PORT/g)?.length).toBe(6);
    expect(r.stdout).toContain("stopped by EMFILE true");
    // The VM and the host carry on.
    expect((await vm.exec("echo still here")).stdout).toBe("still here\n");
  });

  it("a guest server answering garbage or endless headers makes fetch reject, not hang", async () => {
    await vm.writeFile(
      "/tmp/bad.js",
      `require("net").createServer((s) => s.once("data", () => s.end(s.localPort === 4601 ? "NOT HTTP AT ALL\\r\\n\\r\\n" : "HTTP/1.1 200 OK\\r\\nX: " + "a".repeat(200000)))).listen(4601);
require("net").createServer((s) => s.once("data", () => s.end("HTTP/1.1 200 OK\\r\\nX: " + "a".repeat(200000)))).listen(4602);`,
    );
    const { pid } = vm.spawn("node", ["/tmp/bad.js"]);
    const garbage = await rejectsWith(vm.fetch(4601, new Request("http://localhost/")), "EIO");
    expect(garbage.message).toContain("invalid HTTP response");
    const huge = await rejectsWith(vm.fetch(4602, new Request("http://localhost/")), "EIO");
    expect(huge.message).toContain("too large");
    vm.killProcess(pid);
  });

  it("dns.lookup answers the VM's own names locally", async () => {
    const r = await run(
      vm,
      `
const dns = require("dns");
dns.lookup("localhost", (e, a, f) => console.log(e, a, f));
dns.promises.lookup("127.0.0.1", { all: true }).then((l) => console.log(JSON.stringify(l)));
`,
    );
    expect(r.stdout).toBe(`null 127.0.0.1 4\n[{"address":"127.0.0.1","family":4}]\n`);
  });
});

describe("AgentOs.fetch(port, request)", () => {
  let vm: AgentOs;
  beforeAll(async () => {
    vm = await AgentOs.create();
    await vm.writeFile("/tmp/srv.js", netHttpServer(8080));
    vm.spawn("node", ["/tmp/srv.js"]);
  });
  afterAll(() => vm.dispose());

  it("sends method, path, headers and body and returns a web Response", async () => {
    const res = await vm.fetch(8080, new Request("http://example.test/a/b?x=1", { method: "POST", body: "hello body", headers: { "x-test": "1" } }));
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(201);
    expect(res.statusText).toBe("Created");
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.json()).toEqual({ method: "POST", target: "/a/b?x=1", body: "hello body", host: "example.test" });
  });

  it("streams a chunked body", async () => {
    const res = await vm.fetch(8080, new Request("http://localhost/stream"));
    expect(res.headers.get("x-kind")).toBe("stream");
    const parts: string[] = [];
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(new TextDecoder().decode(value));
    }
    expect(parts.join("")).toBe("part0part1part2");
  });

  it("rejects with ECONNREFUSED when nothing listens, after waiting briefly", async () => {
    const t0 = Date.now();
    const e = await rejectsWith(vm.fetch(9999, new Request("http://localhost/")), "ECONNREFUSED");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(e.message).toContain("9999");
  });

  it("rejects bad ports and disposed VMs with stable codes", async () => {
    await rejectsWith(vm.fetch(0, new Request("http://localhost/")), "EINVAL");
    await rejectsWith(vm.fetch(70000, new Request("http://localhost/")), "EINVAL");
    const other = await AgentOs.create();
    await other.dispose();
    await rejectsWith(other.fetch(8080, new Request("http://localhost/")), "ERR_AGENT_OS_DISPOSED");
  });

  it("VMs never see each other's ports", async () => {
    const other = await AgentOs.create();
    try {
      const r = await run(other, probe("127.0.0.1", 8080));
      expect(r.stdout).toBe("error ECONNREFUSED connect ECONNREFUSED 127.0.0.1:8080\n");
      const e = await rejectsWith(other.fetch(8080, new Request("http://localhost/")), "ECONNREFUSED");
      expect(e.message).toContain("8080");
    } finally {
      await other.dispose();
    }
  });

  it("listeners die with their VM", async () => {
    const v = await AgentOs.create();
    await v.writeFile("/tmp/srv.js", netHttpServer(8081));
    v.spawn("node", ["/tmp/srv.js"]);
    expect((await v.fetch(8081, new Request("http://localhost/"))).status).toBe(201);
    await v.dispose();
    await rejectsWith(v.fetch(8081, new Request("http://localhost/")), "ERR_AGENT_OS_DISPOSED");
  });
});

describe("egress", () => {
  let host: Awaited<ReturnType<typeof hostServer>>;
  beforeAll(async () => {
    host = await hostServer();
  });
  afterAll(() => host.close());

  it("is denied by default, without touching the host", async () => {
    const vm = await AgentOs.create();
    try {
      const before = host.connections();
      expect((await run(vm, probe("127.0.0.1", host.port))).stdout).toBe(`error ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${host.port}\n`);
      const r = await run(vm, probe("example.com", 80));
      expect(r.stdout).toMatch(/^error EACCES connect EACCES example.com:80 \(network egress is denied by default/);
      const d = await run(vm, `require("dns").lookup("example.com", (e) => console.log(e.code, e.syscall, e.hostname))`);
      expect(d.stdout).toBe("EACCES getaddrinfo example.com\n");
      expect(host.connections()).toBe(before);
    } finally {
      await vm.dispose();
    }
  });

  it("reaches an exempt loopback port, and only that one", async () => {
    const vm = await AgentOs.create({ loopbackExemptPorts: [host.port] });
    try {
      expect((await run(vm, probe("127.0.0.1", host.port))).stdout).toBe("ok HTTP/1.1 200 OK\n");
      expect((await run(vm, probe("localhost", host.port))).stdout).toBe("ok HTTP/1.1 200 OK\n");
      expect((await run(vm, probe("127.0.0.1", host.port + 1))).stdout).toMatch(/^error ECONNREFUSED/);
    } finally {
      await vm.dispose();
    }
  });

  it("asks permissions.network with the request shape of the API and reports its reason", async () => {
    const asked: NetworkAccessRequest[] = [];
    const vm = await AgentOs.create({
      permissions: {
        network: (r) => {
          asked.push(r);
          return r.hostname === "blocked.test" ? { allow: false, reason: "not on the list" } : { allow: true };
        },
      },
    });
    try {
      const r = await run(vm, probe("blocked.test", 443));
      expect(r.stdout).toBe("error EACCES connect EACCES blocked.test:443 (network connect denied by permissions.network: not on the list)\n");
      await run(vm, `require("net").createServer().listen(5005, function () { this.close(); })`);
      expect(asked).toEqual([
        { op: "connect", hostname: "blocked.test", port: 443 },
        { op: "listen", hostname: "::", port: 5005 },
      ]);
    } finally {
      await vm.dispose();
    }
  });

  it("a policy that allows lets the connection through to the host", async () => {
    const asked: NetworkAccessRequest[] = [];
    const vm = await AgentOs.create({
      loopbackExemptPorts: [host.port],
      permissions: { network: (r) => (asked.push(r), { allow: true }) },
    });
    try {
      expect((await run(vm, probe("127.0.0.1", host.port))).stdout).toBe("ok HTTP/1.1 200 OK\n");
      expect(asked).toEqual([{ op: "connect", hostname: "127.0.0.1", port: host.port }]);
    } finally {
      await vm.dispose();
    }
  });

  it("a policy that denies listening stops guest servers with EACCES", async () => {
    const vm = await AgentOs.create({ permissions: { network: (r) => ({ allow: r.op !== "listen", reason: "no servers" }) } });
    try {
      const r = await run(vm, `require("net").createServer().listen(5006).on("error", (e) => console.log(e.code, e.message))`);
      expect(r.stdout).toContain("EACCES");
      expect(r.stdout).toContain("no servers");
    } finally {
      await vm.dispose();
    }
  });

  it("refuses private, loopback, link-local and metadata addresses in every spelling, even when allowed", async () => {
    const vm = await AgentOs.create({ permissions: { network: () => ({ allow: true }) } });
    const name = hostname();
    const resolved = await lookup(name);
    // The test machine's own name resolves to a loopback address (from /etc/hosts).
    expect(resolved.address).toMatch(/^(127\.|::1$)/);
    try {
      const before = host.connections();
      for (const target of ["127.0.0.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.1", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "::1", "169.254.169.254", "10.0.0.1", "192.168.1.1", "172.16.0.1", "100.64.0.1", "[fd00:ec2::254]", name]) {
        const r = await run(vm, probe(target, host.port));
        expect(r.stdout, target).toMatch(/^error (ECONNREFUSED|EACCES) /);
      }
      const viaName = await run(vm, probe(name, host.port));
      expect(viaName.stdout).toContain(`(blocked: ${name} is ${resolved.address}`);
      // Names are resolved on the host, through the policy; the answer itself is not blocked.
      const dns = await run(vm, `require("dns").lookup(${JSON.stringify(name)}, (e, a) => console.log(e, a))`);
      expect(dns.stdout).toBe(`null ${resolved.address}\n`);
      const metadata = await run(vm, probe("169.254.169.254", 80));
      expect(metadata.stdout).toContain("cloud metadata");
      expect(host.connections()).toBe(before);
    } finally {
      await vm.dispose();
    }
  });

  it("injects credentials the guest never sees", async () => {
    const secret = `sk-test-${Math.random().toString(36).slice(2)}`;
    const vm = await AgentOs.create({
      loopbackExemptPorts: [host.port],
      egress: [{ host: "127.0.0.1", port: host.port, headers: { authorization: `Bearer ${secret}`, "x-api-key": secret } }],
    });
    try {
      const n = host.seen.length;
      const r = await run(
        vm,
        `
const net = require("net");
const s = net.connect(${host.port}, "127.0.0.1", () => {
  s.write("POST /one HTTP/1.1\\r\\nHost: 127.0.0.1:${host.port}\\r\\nAuthorization: guest-value\\r\\nContent-Length: 3\\r\\n\\r\\nabc");
  s.write("GET /two HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n");
});
let got = "";
s.on("data", (d) => (got += d));
s.on("end", () => console.log(got.includes("sk-test-"), (got.match(/host saw/g) || []).length));
console.log(JSON.stringify(process.env).includes("sk-test-"));
`,
      );
      expect(r.stdout).toBe("false\nfalse 2\n");
      const seen = host.seen.slice(n);
      expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
        ["POST", "/one", "abc"],
        ["GET", "/two", ""],
      ]);
      for (const s of seen) {
        expect(s.headers.authorization).toBe(`Bearer ${secret}`);
        expect(s.headers["x-api-key"]).toBe(secret);
      }
      const grep = await vm.exec(`grep -r ${secret} /etc /home /tmp /usr 2>/dev/null | wc -l`);
      expect(grep.stdout.trim()).toBe("0");
      // A request naming another host (as a shared front end would route it) gets nothing.
      const m = host.seen.length;
      await run(
        vm,
        `const s = require("net").connect(${host.port}, "127.0.0.1", () => s.end("GET /other HTTP/1.1\\r\\nHost: attacker.example\\r\\nConnection: close\\r\\n\\r\\n")); s.resume();`,
      );
      expect(host.seen.slice(m).map((x) => [x.url, x.headers.authorization])).toEqual([["/other", undefined]]);
    } finally {
      await vm.dispose();
    }
  });

  it("speaks TLS through the host: verified against the guest's ca, refused without it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentos-tls-"));
    let server: https.Server | undefined;
    try {
      const { ca, cert, key } = privateCa(dir);
      let sawAuth: string | undefined;
      server = https.createServer({ key, cert }, (req, res) => {
        sawAuth = req.headers.authorization;
        res.end(`tls ok ${req.url}`);
      });
      await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
      const port = (server.address() as net.AddressInfo).port;
      const vm = await AgentOs.create({ loopbackExemptPorts: [port], egress: [{ host: "localhost", port, headers: { authorization: "Bearer tls-secret" } }] });
      try {
        await vm.writeFile("/tmp/ca.pem", ca);
        const get = (opts: string) => `
const tls = require("tls");
const s = tls.connect({ host: "localhost", port: ${port}, ${opts} }, () => {
  console.log("secure", s.encrypted, s.authorized);
  s.write("GET /x HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n");
});
let got = "";
s.on("data", (d) => (got += d));
s.on("end", () => console.log(got.split("\\r\\n\\r\\n")[1]));
s.on("error", (e) => console.log("error", e.code, e.message));
`;
        const ok = await run(vm, get(`ca: require("fs").readFileSync("/tmp/ca.pem")`));
        expect(ok.stdout).toBe("secure true true\ntls ok /x\n");
        expect(sawAuth).toBe("Bearer tls-secret");
        // Where credentials are injected, the host verifies the server whatever the guest asks.
        const forced = await run(vm, get("rejectUnauthorized: false"));
        expect(forced.stdout).toMatch(/^error ECONNRESET TLS handshake/);
        const plain = await AgentOs.create({ loopbackExemptPorts: [port] });
        try {
          const insecure = await run(plain, get("rejectUnauthorized: false"));
          expect(insecure.stdout).toBe("secure true false\ntls ok /x\n");
        } finally {
          await plain.dispose();
        }
        const refused = await run(vm, get(""));
        expect(refused.stdout).toMatch(/^error ECONNRESET TLS handshake with localhost .* failed: .*(UnknownIssuer|certificate)/);
      } finally {
        await vm.dispose();
      }
    } finally {
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects malformed network options with ERR_AGENT_OS_INVALID_OPTIONS", async () => {
    await rejectsWith(AgentOs.create({ loopbackExemptPorts: [0] }), "ERR_AGENT_OS_INVALID_OPTIONS");
    await rejectsWith(AgentOs.create({ permissions: { network: "yes" as never } }), "ERR_AGENT_OS_INVALID_OPTIONS");
    await rejectsWith(AgentOs.create({ egress: [{ host: "a", headers: { "bad name": "x" } }] }), "ERR_AGENT_OS_INVALID_OPTIONS");
    await rejectsWith(AgentOs.create({ egress: [{ host: "a", headers: { a: "x\r\nInjected: 1" } }] }), "ERR_AGENT_OS_INVALID_OPTIONS");
  });

  it("a throwing or asynchronous policy denies", async () => {
    for (const network of [
      () => {
        throw new Error("boom");
      },
      async () => ({ allow: true }),
    ]) {
      const vm = await AgentOs.create({ permissions: { network: network as never }, loopbackExemptPorts: [host.port] });
      try {
        const r = await run(vm, probe("127.0.0.1", host.port));
        expect(r.stdout).toMatch(/^error EACCES .*permissions\.network/);
      } finally {
        await vm.dispose();
      }
    }
  });
});
