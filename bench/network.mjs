// Network benchmark: `npm run bench`. Prints figures; asserts nothing.
//   - AgentOs.fetch(port, request) round trip to a guest `http` server
//   - guest-to-guest HTTP requests per second (keep-alive agent, one client process)
//   - a 100 MB body through a guest socket (VM loopback), and through the host egress
import http from "node:http";
import { AgentOs } from "../index.js";
import { fmtNs, percentiles, row, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));

const vm = await AgentOs.create();
await vm.writeFile(
  "/tmp/app.mjs",
  `import http from "node:http";
http.createServer((req, res) => {
  if (req.url === "/big") {
    const chunk = Buffer.alloc(1 << 20, 97);
    let left = 100;
    const pump = () => { while (left > 0) { left--; if (!res.write(chunk)) return res.once("drain", pump); } res.end(); };
    res.writeHead(200, { "content-length": String(100 << 20) });
    return pump();
  }
  res.end("hello");
}).listen(3000);`,
);
vm.spawn("node", ["/tmp/app.mjs"]);
await (await vm.fetch(3000, new Request("http://localhost/"))).text();
for (let i = 0; i < 50; i++) await (await vm.fetch(3000, new Request("http://localhost/"))).text();
const rt = await timeEach(1000, async () => {
  await (await vm.fetch(3000, new Request("http://localhost/"))).text();
});
row("fetch(port) round trip to a guest server", fmt(percentiles(rt, [50, 95, 99])));

{
  const t0 = process.hrtime.bigint();
  const res = await vm.fetch(3000, new Request("http://localhost/big"));
  let n = 0;
  for await (const c of res.body) n += c.byteLength;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  row("100 MB response body, guest server -> host", { "MB/s": (n / 1048576 / s).toFixed(0) });
}

await vm.writeFile(
  "/tmp/client.mjs",
  `import http from "node:http";
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const get = () => new Promise((res, rej) => http.get({ port: 3000, path: "/", agent }, (r) => { r.resume(); r.on("end", res); }).on("error", rej));
for (let i = 0; i < 200; i++) await get();
const n = 5000, t0 = performance.now();
let inflight = [];
for (let i = 0; i < n; i++) { inflight.push(get()); if (inflight.length === 8) { await Promise.all(inflight); inflight = []; } }
await Promise.all(inflight);
const s = (performance.now() - t0) / 1000;
const seq = [];
for (let i = 0; i < 2000; i++) { const a = performance.now(); await get(); seq.push(performance.now() - a); }
seq.sort((a, b) => a - b);
console.log(JSON.stringify({ rps: n / s, p50: seq[1000] * 1e6, p95: seq[1900] * 1e6 }));
agent.destroy();`,
);
const g = await vm.exec("node /tmp/client.mjs");
if (g.exitCode !== 0) console.error(g.stderr);
else {
  const r = JSON.parse(g.stdout);
  row("guest-to-guest HTTP, keep-alive, 8 in flight", { "req/s": r.rps.toFixed(0) });
  row("guest-to-guest HTTP, one at a time", fmt({ p50: r.p50, p95: r.p95 }));
}

await vm.writeFile(
  "/tmp/pipe.js",
  `const net = require("net");
const total = 100 << 20, chunk = Buffer.alloc(1 << 16, 1);
net.createServer((s) => {
  let n = 0; const t0 = performance.now();
  s.on("data", (d) => (n += d.length));
  s.on("end", () => { console.log(JSON.stringify({ n, mbps: n / 1048576 / ((performance.now() - t0) / 1000) })); process.exit(0); });
}).listen(4000, () => {
  const c = require("net").connect(4000, () => {
    let sent = 0;
    const pump = () => { while (sent < total) { sent += chunk.length; if (!c.write(chunk)) return c.once("drain", pump); } c.end(); };
    pump();
  });
});`,
);
const p = await vm.exec("node /tmp/pipe.js");
if (p.exitCode !== 0) console.error(p.stderr);
else row("100 MB through a guest socket (VM loopback)", { "MB/s": JSON.parse(p.stdout).mbps.toFixed(0) });

// Egress: a host server on loopback (an exempt port) sending 100 MB to a guest client.
const host = http.createServer((req, res) => {
  const chunk = Buffer.alloc(1 << 20, 98);
  let left = 100;
  res.writeHead(200, { "content-length": String(100 << 20) });
  const pump = () => { while (left > 0) { left--; if (!res.write(chunk)) return res.once("drain", pump); } res.end(); };
  pump();
});
await new Promise((r) => host.listen(0, "127.0.0.1", r));
const port = host.address().port;
const evm = await AgentOs.create({ loopbackExemptPorts: [port] });
await evm.writeFile(
  "/tmp/down.mjs",
  `import http from "node:http";
const t0 = performance.now();
http.get({ host: "127.0.0.1", port: ${port}, path: "/" }, (r) => {
  let n = 0; r.on("data", (d) => (n += d.length));
  r.on("end", () => console.log(JSON.stringify({ n, mbps: n / 1048576 / ((performance.now() - t0) / 1000) })));
});`,
);
const d = await evm.exec("node /tmp/down.mjs");
if (d.exitCode !== 0) console.error(d.stderr);
else row("100 MB from a host server through egress", { "MB/s": JSON.parse(d.stdout).mbps.toFixed(0) });
host.close();
await evm.dispose();
await vm.dispose();
