// Host-side checks of the guest's `http`/`https` (js/node/http.js, js/node/https.js) against
// the host's real node:http. Usage: node js/test-http/run.mjs [name-filter]
// Exits 1 if any check fails. The `ws` checks run when the `ws` package can be resolved from
// $WS_DIR (e.g. WS_DIR=/tmp/wsdir after `npm install ws` there); they are skipped otherwise.

import assert from "node:assert/strict";
import net from "node:net";
import realHttp from "node:http";
import realHttps from "node:https";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { bundle, bundlePackage } from "./bundle.mjs";

const { http, https, httpNamed } = await bundle();
const filter = process.argv[2];

// --- tiny runner ------------------------------------------------------------------------------

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(p, ms, name) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${name}`)), ms)))]).finally(() => clearTimeout(t));
}

// --- helpers ----------------------------------------------------------------------------------

async function listen(server) {
  // Tracked so that closeServer() can end them (net.Server has no closeAllConnections).
  server.tracked = new Set();
  server.on("connection", (s) => {
    server.tracked.add(s);
    s.on("close", () => server.tracked.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server.address().port;
}

async function closeServer(server) {
  server.closeAllConnections?.();
  for (const s of server.tracked ?? []) s.destroy();
  await new Promise((r) => server.close(() => r()));
}

// Sends raw bytes and collects the reply until the peer closes or is quiet for `idle` ms.
function rawExchange(port, data, { idle = 150, halfClose = false, pauseBetween } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = net.connect(port, "127.0.0.1");
    let timer;
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, idle);
    };
    s.on("connect", async () => {
      const parts = Array.isArray(data) ? data : [data];
      for (const p of parts) {
        s.write(p);
        if (pauseBetween) await sleep(pauseBetween);
      }
      if (halfClose) s.end();
      arm();
    });
    s.on("data", (d) => {
      chunks.push(d);
      arm();
    });
    s.on("end", done);
    s.on("error", (e) => (e.code === "ECONNRESET" ? done() : reject(e)));
  });
}

const normDate = (s) => s.replace(/Date: [^\r]*\r\n/g, "Date: <date>\r\n");

// Runs `handler` in a real node:http server and in ours; each raw request must get the same
// bytes back (Date aside).
async function compareServers(handler, requests, opts = {}) {
  const results = [];
  for (const impl of [realHttp, http]) {
    const events = [];
    const server = impl.createServer(opts.serverOptions || {}, (req, res) => handler(req, res, events));
    if (opts.setup) opts.setup(server, events);
    const port = await listen(server);
    const replies = [];
    for (const r of requests) replies.push(normDate(await rawExchange(port, r, opts.exchange)));
    await sleep(20);
    await closeServer(server);
    results.push({ replies, events });
  }
  if (process.env.DEBUG_HTTP) console.log(JSON.stringify(results, null, 1));
  assert.deepEqual(results[1].replies, results[0].replies);
  assert.deepEqual(results[1].events, results[0].events);
  return results[0];
}

// A raw server that records each request's bytes and answers with `reply` (string or fn).
async function recordingServer(reply) {
  const received = [];
  const server = net.createServer((s) => {
    let buf = "";
    s.on("data", (d) => {
      buf += d.toString("latin1");
      // One request at a time: reply once the head (and a declared body) is in.
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buf.slice(0, end);
      const cl = /content-length: (\d+)/i.exec(head);
      const chunked = /transfer-encoding: chunked/i.test(head);
      const bodyStart = end + 4;
      if (cl && buf.length < bodyStart + Number(cl[1])) return;
      if (chunked && !buf.slice(bodyStart).includes("0\r\n\r\n")) return;
      const msgEnd = cl ? bodyStart + Number(cl[1]) : chunked ? buf.indexOf("0\r\n\r\n", bodyStart) + 5 : bodyStart;
      received.push(buf.slice(0, msgEnd));
      buf = buf.slice(msgEnd);
      const r = typeof reply === "function" ? reply(received.length, s) : reply;
      if (r != null) s.write(r);
    });
    s.on("error", () => {});
  });
  const port = await listen(server);
  return { server, port, received };
}

function readBody(res) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    res.on("data", (d) => chunks.push(d));
    res.on("end", () => resolve(Buffer.concat(chunks).toString()));
    res.on("error", reject);
  });
}

// Runs `fn(impl, port)` with each client, against the same raw server; compares the requests
// the server saw and what each client reported.
async function compareClients(reply, fn) {
  const out = [];
  for (const impl of [realHttp, http]) {
    const { server, port, received } = await recordingServer(reply);
    const agent = new impl.Agent({ keepAlive: true });
    const seen = await withTimeout(fn(impl, port, agent), 3000, "client");
    agent.destroy();
    await sleep(10);
    await closeServer(server);
    out.push({ received: received.map((r) => r.replaceAll(String(port), "<port>")), seen });
  }
  assert.deepEqual(out[1].received, out[0].received);
  assert.deepEqual(out[1].seen, out[0].seen);
  return out[0];
}

const describeRes = (res, body) => ({
  statusCode: res.statusCode,
  statusMessage: res.statusMessage,
  httpVersion: res.httpVersion,
  headers: { ...res.headers },
  rawHeaders: res.rawHeaders,
  trailers: { ...res.trailers },
  rawTrailers: res.rawTrailers,
  complete: res.complete,
  body,
});

function request(impl, opts, body) {
  return new Promise((resolve, reject) => {
    const req = impl.request(opts, (res) => readBody(res).then((b) => resolve(describeRes(res, b)), reject));
    req.on("error", reject);
    if (body !== undefined) {
      for (const b of [].concat(body)) req.write(b);
    }
    req.end();
  });
}

// --- module shape -----------------------------------------------------------------------------

test("exports", () => {
  const names = ["METHODS", "STATUS_CODES", "Agent", "ClientRequest", "IncomingMessage", "OutgoingMessage", "Server", "ServerResponse", "createServer", "get", "request", "globalAgent", "maxHeaderSize", "validateHeaderName", "validateHeaderValue", "setMaxIdleHTTPParsers"];
  for (const n of names) {
    assert.ok(n in http, `default export has ${n}`);
    assert.ok(n in httpNamed, `named export ${n}`);
    assert.equal(typeof http[n], typeof realHttp[n], n);
  }
  for (const n of ["Agent", "ClientRequest", "IncomingMessage", "OutgoingMessage", "Server", "ServerResponse"]) assert.equal(http[n].name, n);
  // Node 22 knows QUERY; the host's Node 20 may not.
  assert.deepEqual(http.METHODS.filter((m) => m !== "QUERY"), realHttp.METHODS.filter((m) => m !== "QUERY"));
  assert.deepEqual(http.STATUS_CODES, realHttp.STATUS_CODES);
  assert.equal(http.maxHeaderSize, realHttp.maxHeaderSize);
  assert.ok(http.globalAgent instanceof http.Agent);
  assert.equal(http.globalAgent.keepAlive, realHttp.globalAgent.keepAlive);
  assert.equal(http.globalAgent.options.timeout, realHttp.globalAgent.options.timeout);
  assert.ok(new http.Server() instanceof net.Server);
  for (const n of ["Agent", "globalAgent", "createServer", "get", "request", "Server"]) assert.ok(n in https, `https.${n}`);
  assert.equal(https.globalAgent.defaultPort, 443);
  assert.equal(https.globalAgent.protocol, "https:");
});

test("validateHeaderName/Value and errors match node", () => {
  const codeOf = (fn) => {
    try {
      fn();
      return null;
    } catch (e) {
      return [e.code, e.message, e.constructor.name];
    }
  };
  for (const args of [["x-ok"], ["bad name"], [""], ["a\u00e9"]]) {
    assert.deepEqual(codeOf(() => http.validateHeaderName(...args)), codeOf(() => realHttp.validateHeaderName(...args)), args[0]);
  }
  for (const args of [["x", "ok"], ["x", undefined], ["x", "a\nb"], ["x", ["a", "b\r"]], ["x", 5]]) {
    assert.deepEqual(codeOf(() => http.validateHeaderValue(...args)), codeOf(() => realHttp.validateHeaderValue(...args)), String(args[1]));
  }
  for (const impl of [http, realHttp]) assert.equal(codeOf(() => impl.request({ method: "B AD", agent: false, port: 1 }))[0], "ERR_INVALID_HTTP_TOKEN");
  for (const impl of [http, realHttp]) assert.equal(codeOf(() => impl.request({ path: "/a b", port: 1 }))[0], "ERR_UNESCAPED_CHARACTERS");
  assert.deepEqual(codeOf(() => http.request("ftp://x/")), codeOf(() => realHttp.request("ftp://x/")));
  assert.deepEqual(codeOf(() => https.createServer())[0], "ERR_NOT_SUPPORTED");
});

// --- our server vs node's, raw requests ---------------------------------------------------------

const GET = (p = "/", extra = "") => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

test("server: basic responses", async () => {
  await compareServers((req, res) => res.end(`hello ${req.method} ${req.url}`), [GET("/a"), GET("/b", "Connection: close\r\n"), "HEAD /c HTTP/1.1\r\nHost: x\r\n\r\n"]);
});

test("server: chunked, writeHead forms, 204/304, HEAD", async () => {
  const handler = (req, res) => {
    switch (req.url) {
      case "/chunked":
        res.write("ab");
        res.write(Buffer.from("cd"));
        res.end("e");
        break;
      case "/writehead":
        res.setHeader("X-Before", "1");
        res.writeHead(201, "Made", { "Content-Type": "text/plain", "X-Multi": ["1", "2"] });
        res.end("x");
        break;
      case "/array":
        res.writeHead(200, ["X-A", "1", "X-A", "2", "Content-Length", "2"]);
        res.end("ok");
        break;
      case "/pairs":
        res.writeHead(200, [["X-B", "1"], ["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]]);
        res.end();
        break;
      case "/204":
        res.writeHead(204);
        res.end("ignored");
        break;
      case "/304":
        res.statusCode = 304;
        res.end();
        break;
      case "/head-chunked":
        res.write("nope");
        res.end();
        break;
      case "/cookies":
        res.setHeader("Set-Cookie", ["a=1", "b=2"]);
        res.appendHeader("Set-Cookie", "c=3");
        res.appendHeader("X-App", "1");
        res.appendHeader("X-App", ["2", "3"]);
        res.end("c");
        break;
      case "/nodate":
        res.sendDate = false;
        res.removeHeader("Content-Length");
        res.end("nd");
        break;
      case "/no-framing":
        res.removeHeader("Transfer-Encoding");
        res.removeHeader("Content-Length");
        res.write("until close");
        res.end();
        break;
      case "/trailers":
        res.setHeader("Trailer", "X-Sum");
        res.write("body");
        res.addTrailers({ "X-Sum": "42" });
        res.end();
        break;
      case "/flush":
        res.flushHeaders();
        setTimeout(() => res.end("late"), 10);
        break;
      case "/status":
        res.statusCode = 418;
        res.statusMessage = "Short and stout";
        res.end();
        break;
      case "/empty-write":
        res.write("");
        res.end();
        break;
      default:
        res.end();
    }
  };
  const paths = ["/chunked", "/writehead", "/array", "/pairs", "/204", "/304", "/cookies", "/nodate", "/no-framing", "/trailers", "/flush", "/status", "/empty-write"];
  await compareServers(handler, [...paths.map((p) => GET(p)), "HEAD /head-chunked HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD /writehead HTTP/1.1\r\nHost: x\r\n\r\n"]);
});

test("server: request parsing (headers, bodies, trailers, versions)", async () => {
  const handler = (req, res, events) => {
    const chunks = [];
    req.on("data", (d) => chunks.push(d));
    req.on("end", () => {
      const info = {
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        trailers: req.trailers,
        complete: req.complete,
        body: Buffer.concat(chunks).toString(),
        distinct: req.headersDistinct,
      };
      events.push(info);
      res.end(JSON.stringify(info));
    });
  };
  await compareServers(handler, [
    "POST /p?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Dup: a\r\nx-dup: b\r\nCookie: a=1\r\nCookie: b=2\r\nContent-Type: a\r\nContent-Type: b\r\nSet-Cookie: s1\r\nSet-Cookie: s2\r\n\r\nhello",
    "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
    ["PUT /split HTTP/1.1\r\nHo", "st: x\r\nContent-Length: 4\r\n\r\nab", "cd"],
    "GET /old HTTP/1.0\r\n\r\n",
    "GET /old-ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "GET /old-chunk HTTP/1.0\r\nTE: chunked\r\n\r\n",
    "DELETE /d HTTP/1.1\r\nHost: x\r\nUser-Agent: a\r\nUser-Agent: b\r\n\r\n",
  ], { exchange: { pauseBetween: 15 } });
});

test("server: pipelining, keep-alive sequence, Host required, bad requests", async () => {
  let n = 0;
  const handler = (req, res) => {
    const k = ++n;
    // The first response is slow: the second must still come out second.
    if (req.url === "/slow") setTimeout(() => res.end(`slow ${k}`), 20);
    else res.end(`fast ${k}`);
  };
  await compareServers(handler, [
    GET("/slow") + GET("/fast") + GET("/fast", "Connection: close\r\n"),
    "GET / HTTP/1.1\r\n\r\n",
    "NOT HTTP\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
  ], { setup: () => (n = 0) });
});

test("server: Expect 100-continue, checkContinue, 417", async () => {
  const handler = (req, res) => req.on("data", () => {}).on("end", () => res.end("got"));
  await compareServers(handler, [
    ["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n", "ok"],
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: something\r\n\r\n",
  ], { exchange: { pauseBetween: 30 } });
  await compareServers(handler, [["POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n", "ok"]], {
    exchange: { pauseBetween: 30 },
    setup: (server, events) =>
      server.on("checkContinue", (req, res) => {
        events.push("checkContinue");
        res.writeContinue();
        handler(req, res);
      }),
  });
});

test("server: events (finish, close, clientError, connection, request close)", async () => {
  const handler = (req, res, events) => {
    events.push(`request ${req.url}`);
    req.on("end", () => events.push("req end"));
    req.on("close", () => events.push("req close"));
    res.on("finish", () => events.push(`finish ${res.writableFinished} ${res.headersSent}`));
    res.on("close", () => events.push(`res close ${res.writableEnded}`));
    res.setHeader("X", "1");
    if (req.url === "/hang") return; // the client hangs up
    res.end("x", () => events.push("end cb"));
  };
  await compareServers(handler, [GET("/a"), GET("/hang")], {
    setup: (server, events) => {
      server.on("connection", () => events.push("connection"));
      server.on("clientError", (e, s) => {
        events.push(`clientError ${e.code}`);
        s.destroy();
      });
    },
    exchange: { idle: 60 },
  });
  await compareServers(() => {}, ["BAD\r\n\r\n"], {
    setup: (server, events) =>
      server.on("clientError", (e, s) => {
        events.push(`clientError ${e.code}`);
        s.end("HTTP/1.1 400 Custom\r\n\r\n");
      }),
  });
});

test("server: header errors", async () => {
  const handler = (req, res, events) => {
    const tryIt = (name, fn) => {
      try {
        fn();
        events.push(`${name} ok`);
      } catch (e) {
        events.push(`${name} ${e.code} ${e.message}`);
      }
    };
    tryIt("bad name", () => res.setHeader("a b", "1"));
    tryIt("bad value", () => res.setHeader("a", "x\ny"));
    tryIt("undefined", () => res.setHeader("a", undefined));
    tryIt("status", () => res.writeHead(99));
    events.push(String(res.getHeader("nope")), JSON.stringify(res.getHeaderNames()), String(res.hasHeader("A")));
    res.setHeader("X-Cased", "v");
    events.push(JSON.stringify(res.getHeaders()), JSON.stringify(res.getRawHeaderNames?.()));
    res.end("done");
    tryIt("after", () => res.setHeader("b", "1"));
    tryIt("writeHead after", () => res.writeHead(200));
    tryIt("remove after", () => res.removeHeader("X-Cased"));
    res.on("error", (e) => events.push(`error ${e.code}`));
    res.write("late", (e) => events.push(`write cb ${e?.code}`));
    events.push(`headersSent ${res.headersSent} finished ${res.finished} writableEnded ${res.writableEnded}`);
  };
  await compareServers(handler, [GET("/")]);
});

test("server: back-pressure (write returns false, 'drain')", async () => {
  for (const impl of [realHttp, http]) {
    const events = [];
    const big = Buffer.alloc(1 << 20, 97);
    const server = impl.createServer((req, res) => {
      let i = 0;
      const pump = () => {
        while (i < 8) {
          i++;
          if (!res.write(big)) {
            events.push("false");
            res.once("drain", () => {
              events.push("drain");
              pump();
            });
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const port = await listen(server);
    // A slow reader.
    const total = await new Promise((resolve) => {
      realHttp.get({ port, host: "127.0.0.1", agent: false }, (res) => {
        let n = 0;
        res.on("data", (d) => {
          n += d.length;
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on("end", () => resolve(n));
      });
    });
    assert.equal(total, 8 << 20);
    assert.ok(events.includes("false") && events.includes("drain"), `${events}`);
    await closeServer(server);
  }
});

test("server: close, closeIdleConnections, closeAllConnections, keepAliveTimeout", async () => {
  const server = http.createServer((req, res) => {
    if (req.url === "/hold") return setTimeout(() => res.end("held"), 50);
    res.end("ok");
  });
  const port = await listen(server);
  const agent = new realHttp.Agent({ keepAlive: true });
  await request(realHttp, { port, host: "127.0.0.1", agent });
  assert.equal(Object.keys(agent.freeSockets).length, 1);
  // The idle keep-alive connection goes at close(), the busy one finishes its response.
  const held = request(realHttp, { port, host: "127.0.0.1", agent: false, path: "/hold" });
  await sleep(10);
  const closed = new Promise((r) => server.close(r));
  assert.equal((await held).body, "held");
  await withTimeout(closed, 2000, "server.close");
  agent.destroy();

  const s2 = http.createServer((req, res) => res.end("x"));
  s2.keepAliveTimeout = 100;
  const p2 = await listen(s2);
  const sock = net.connect(p2, "127.0.0.1").resume();
  sock.write(GET("/"));
  const t0 = Date.now();
  await once(sock, "close");
  assert.ok(Date.now() - t0 < 1000, "keep-alive timeout closed the socket");
  const sock2 = net.connect(p2, "127.0.0.1").resume();
  await once(sock2, "connect");
  await sleep(20);
  s2.closeAllConnections();
  await once(sock2, "close");
  await new Promise((r) => s2.close(r));
});

// --- our client vs node's -----------------------------------------------------------------------

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";

test("client: requests on the wire", async () => {
  await compareClients(OK, async (impl, port, agent) => {
    const seen = [];
    const base = { host: "127.0.0.1", port, agent };
    seen.push((await request(impl, { ...base, path: "/get?x=1" })).body);
    seen.push((await request(impl, { ...base, method: "post", path: "/len", headers: { "Content-Type": "text/plain" } }, undefined)).body);
    // end(data): Content-Length; write(): chunked
    await new Promise((resolve) => impl.request({ ...base, method: "POST", path: "/end" }, (r) => r.resume().on("end", resolve)).end("body!"));
    seen.push((await request(impl, { ...base, method: "PUT", path: "/chunks" }, ["a", Buffer.from("bc"), "é"])).body);
    seen.push((await request(impl, { ...base, path: "/arr", headers: ["X-A", "1", "X-A", "2"] })).body);
    seen.push((await request(impl, { ...base, path: "/auth", auth: "u:p", headers: { host: "custom", "x-list": ["a", "b"], Cookie: ["c=1", "d=2"] } })).body);
    seen.push((await request(impl, { ...base, method: "DELETE", path: "/del" })).body);
    seen.push((await request(impl, { host: "127.0.0.1", port, agent: false, path: "/noagent" })).body);
    seen.push((await request(impl, { host: "127.0.0.1", port, agent: new impl.Agent({ keepAlive: false }), path: "/nokeepalive" })).body);
    const r = await new Promise((resolve) => {
      const req = impl.request(`http://127.0.0.1:${port}/url?a=b`, { agent, headers: { "X-Set": "1" } }, (res) => readBody(res).then(resolve));
      req.setHeader("X-Later", "2");
      req.removeHeader("X-Set");
      req.end();
    });
    seen.push(r);
    seen.push(await new Promise((resolve) => impl.get(new URL(`http://127.0.0.1:${port}/get-url`), { agent }, (res) => readBody(res).then(resolve))));
    return seen;
  });
});

test("client: response parsing", async () => {
  const replies = {
    "/len": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Dup: a\r\nX-Dup: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello",
    "/chunked": "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\nX-T: t\r\n\r\n",
    "/info": "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
    "/nolen": "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
    "/10": "HTTP/1.0 200 OK\r\n\r\nold",
    "/204": "HTTP/1.1 204 No Content\r\nX: y\r\n\r\n",
    "/304": "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "/nostatusmsg": "HTTP/1.1 299\r\nContent-Length: 0\r\n\r\n",
  };
  const out = [];
  for (const impl of [realHttp, http]) {
    const seen = [];
    const server = net.createServer((s) => {
      s.once("data", (d) => {
        const path = /^\w+ (\S+)/.exec(d.toString())[1];
        s.write(replies[path]);
        if (/nolen|\/10/.test(path)) s.end();
      });
      s.on("error", () => {});
    });
    const port = await listen(server);
    for (const p of Object.keys(replies)) {
      seen.push(
        await withTimeout(
          new Promise((resolve, reject) => {
            const info = [];
            const req = impl.request({ host: "127.0.0.1", port, path: p, agent: false }, (res) => readBody(res).then((b) => resolve({ ...describeRes(res, b), info })));
            req.on("information", (i) => info.push(i));
            req.on("error", reject);
            req.end();
          }),
          2000,
          p,
        ),
      );
    }
    await closeServer(server);
    out.push(seen);
  }
  assert.deepEqual(out[1], out[0]);
});

test("client: HEAD response with Content-Length has no body", async () => {
  await compareClients("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", async (impl, port, agent) => {
    const a = await request(impl, { host: "127.0.0.1", port, agent, method: "HEAD" });
    const b = await request(impl, { host: "127.0.0.1", port, agent, method: "HEAD" });
    return [a, b];
  });
});

test("client: errors (refused, hang up, destroy, abort, timeout, parse error)", async () => {
  const out = [];
  for (const impl of [realHttp, http]) {
    const seen = [];
    const run = (opts, setup) =>
      withTimeout(
        new Promise((resolve) => {
          const ev = [];
          const req = impl.request({ host: "127.0.0.1", agent: false, ...opts }, (res) => {
            ev.push(`response ${res.statusCode}`);
            res.on("aborted", () => ev.push("res aborted"));
            res.on("error", (e) => ev.push(`res error ${e.code} ${e.message}`));
            res.on("end", () => ev.push("res end"));
            res.on("close", () => ev.push("res close"));
            res.resume();
          });
          req.on("error", (e) => ev.push(`error ${e.code} ${e.message}`));
          req.on("abort", () => ev.push("abort"));
          req.on("timeout", () => {
            ev.push("timeout");
            req.destroy();
          });
          req.on("close", () => {
            ev.push("close");
            setTimeout(() => resolve(ev), 30);
          });
          setup?.(req);
          if (!req.destroyed) req.end();
        }),
        3000,
        JSON.stringify(opts),
      );
    const closed = net.createServer();
    const closedPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    seen.push((await run({ port: closedPort })).map((e) => e.replace(/:\d+$/, ":<port>")));

    const hangup = net.createServer((s) => s.once("data", () => s.destroy()));
    const hport = await listen(hangup);
    seen.push(await run({ port: hport }));
    seen.push(await run({ port: hport }, (req) => req.destroy()));
    seen.push(await run({ port: hport }, (req) => req.destroy(Object.assign(new Error("mine"), { code: "MINE" }))));
    seen.push(await run({ port: hport }, (req) => req.abort()));
    await closeServer(hangup);

    const silent = net.createServer((s) => s.on("error", () => {}));
    const sport = await listen(silent);
    seen.push(await run({ port: sport, timeout: 50 }));
    seen.push(await run({ port: sport }, (req) => req.setTimeout(50)));
    await closeServer(silent);

    const garbage = net.createServer((s) => s.once("data", () => s.write("SMTP ready\r\n\r\n")).on("error", () => {}));
    const gport = await listen(garbage);
    seen.push((await run({ port: gport })).map((e) => e.replace(/ Parse Error.*/, " Parse Error")));
    await closeServer(garbage);

    const partial = net.createServer((s) => s.once("data", () => s.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")).on("error", () => {}));
    const pport = await listen(partial);
    seen.push(await run({ port: pport }));
    await closeServer(partial);
    out.push(seen);
  }
  assert.deepEqual(out[1], out[0]);
});

test("client: agent keep-alive pooling, maxSockets queueing, reusedSocket", async () => {
  const out = [];
  for (const impl of [realHttp, http]) {
    const conns = [];
    const server = realHttp.createServer((req, res) => setTimeout(() => res.end(req.url), 5));
    server.on("connection", (s) => conns.push(s.remotePort));
    const port = await listen(server);
    const agent = new impl.Agent({ keepAlive: true, maxSockets: 2 });
    const one = (p) =>
      new Promise((resolve, reject) => {
        const req = impl.get({ host: "127.0.0.1", port, path: p, agent }, (res) => readBody(res).then((b) => resolve(`${b} ${req.reusedSocket}`)));
        req.on("error", reject);
      });
    const seq = [await one("/1"), await one("/2"), await one("/3")];
    const par = await Promise.all(["/a", "/b", "/c", "/d", "/e"].map(one));
    await sleep(10);
    const pools = { free: Object.values(agent.freeSockets).flat().length, busy: Object.values(agent.sockets).flat().length, total: agent.totalSocketCount };
    agent.destroy();
    await closeServer(server);
    out.push({ seq, par: par.map((s) => s.split(" ")[0]), conns: conns.length, pools });
  }
  assert.deepEqual(out[1], out[0]);
  assert.equal(out[1].conns, 2);
});

test("client + server: ours with ours (keep-alive loop, uploads, big bodies)", async () => {
  const server = http.createServer(async (req, res) => {
    let n = 0;
    for await (const c of req) n += c.length;
    res.setHeader("Content-Type", "text/plain");
    if (req.url === "/big") {
      const chunk = Buffer.alloc(65536, 98);
      for (let i = 0; i < 64; i++) res.write(chunk);
      return res.end();
    }
    res.end(`${req.method} ${req.url} ${n}`);
  });
  const port = await listen(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let sockets = new Set();
  for (let i = 0; i < 200; i++) {
    const r = await new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: `/${i}`, agent }, (res) => readBody(res).then(resolve));
      req.on("socket", (s) => sockets.add(s));
      req.on("error", reject);
      req.end("x".repeat(i));
    });
    assert.equal(r, `POST /${i} ${i}`);
  }
  assert.equal(sockets.size, 1);
  const big = await new Promise((resolve) => http.get({ host: "127.0.0.1", port, path: "/big", agent }, (res) => readBody(res).then(resolve)));
  assert.equal(big.length, 64 * 65536);
  // A chunked upload of 4 MiB.
  const up = await new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/up", agent }, (res) => readBody(res).then(resolve));
    req.on("error", reject);
    const chunk = Buffer.alloc(1 << 20, 99);
    let i = 0;
    const pump = () => {
      while (i < 4) {
        i++;
        if (!req.write(chunk)) return req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
  assert.equal(up, `PUT /up ${4 << 20}`);
  agent.destroy();
  await closeServer(server);
});

test("client: http.globalAgent is used and can be replaced", async () => {
  const server = realHttp.createServer((req, res) => res.end("g"));
  const port = await listen(server);
  const saved = http.globalAgent;
  const mine = new http.Agent({ keepAlive: true });
  http.globalAgent = mine;
  const req = http.get({ host: "127.0.0.1", port }, (res) => res.resume());
  assert.equal(req.agent, mine);
  await once(req, "close");
  http.globalAgent = saved;
  const req2 = http.get(`http://127.0.0.1:${port}/`, (res) => res.resume());
  assert.equal(req2.agent, saved);
  await once(req2, "close");
  mine.destroy();
  await closeServer(server);
});

// --- upgrade ----------------------------------------------------------------------------------

test("upgrade: server 'upgrade' with head bytes, client 'upgrade'", async () => {
  for (const [serverImpl, clientImpl] of [[http, realHttp], [realHttp, http], [http, http]]) {
    const server = serverImpl.createServer((req, res) => res.end("no upgrade"));
    server.on("upgrade", (req, socket, head) => {
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nwelcome:");
      socket.write(head);
      socket.on("data", (d) => socket.write(d));
    });
    const port = await listen(server);
    const got = await withTimeout(
      new Promise((resolve, reject) => {
        const req = clientImpl.request({ host: "127.0.0.1", port, headers: { Connection: "Upgrade", Upgrade: "echo" } });
        req.on("upgrade", (res, socket, head) => {
          let data = head.toString();
          socket.on("data", (d) => {
            data += d;
            if (data.endsWith("ping")) {
              socket.destroy();
              resolve({ status: res.statusCode, upgrade: res.headers.upgrade, data });
            }
          });
          socket.write("ping");
        });
        req.on("response", () => reject(new Error("response instead of upgrade")));
        req.on("error", reject);
        req.end("HEAD");
      }),
      2000,
      "upgrade",
    );
    assert.equal(got.status, 101);
    assert.equal(got.upgrade, "echo");
    assert.ok(got.data.startsWith("welcome:") && got.data.endsWith("ping"), got.data);
    await closeServer(server);
  }
  // Without an 'upgrade' listener an Upgrade request is an ordinary request.
  await compareServers((req, res) => res.end(`plain ${req.upgrade}`), [GET("/", "Connection: Upgrade\r\nUpgrade: x\r\n")]);
});

// The repository's own node_modules has ws (a devDependency) unless WS_DIR names another.
const wsDir = process.env.WS_DIR ?? path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..");
const haveWs = wsDir && existsSync(path.join(wsDir, "node_modules", "ws"));

test("ws: WebSocketServer on our http.Server, ws client over our http client", async () => {
  if (!haveWs) return "skipped (set WS_DIR to a directory with ws installed)";
  const ws = await bundlePackage("ws", wsDir);
  const WebSocket = ws.default;
  const WebSocketServer = ws.WebSocketServer;
  const server = http.createServer((req, res) => res.end("plain"));
  const wss = new WebSocketServer({ server });
  wss.on("connection", (sock) => sock.on("message", (m, isBinary) => sock.send(isBinary ? m : `echo:${m}`)));
  const port = await listen(server);
  const client = new WebSocket(`ws://127.0.0.1:${port}/path`);
  const msgs = [];
  await withTimeout(
    new Promise((resolve, reject) => {
      client.on("open", () => {
        client.send("hi");
        client.send(Buffer.alloc(100000, 1));
      });
      client.on("message", (m) => {
        msgs.push(m.length);
        if (msgs.length === 2) resolve();
      });
      client.on("error", reject);
    }),
    3000,
    "ws",
  );
  assert.deepEqual(msgs, [7, 100000]);
  client.close();
  await once(client, "close");
  wss.close();
  await closeServer(server);
});

// --- https ------------------------------------------------------------------------------------

test("https: request/get over tls to a real https server", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "agentos-https-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
  } catch {
    return "skipped (no openssl)";
  }
  const server = realHttps.createServer({ key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) }, (req, res) => res.end(`secure ${req.url} ${req.headers.host}`));
  const port = await listen(server);
  const ca = readFileSync(`${dir}/cert.pem`);
  const agent = new https.Agent({ keepAlive: true, ca });
  const sockets = new Set();
  for (const p of ["/a", "/b"]) {
    const body = await new Promise((resolve, reject) => {
      const req = https.get(`https://localhost:${port}${p}`, { agent }, (res) => readBody(res).then(resolve));
      req.on("socket", (s) => sockets.add(s));
      req.on("error", reject);
    });
    assert.equal(body, `secure ${p} localhost:${port}`);
  }
  assert.equal(sockets.size, 1);
  agent.destroy();
  // Certificate checks are tls's: an unknown CA fails, rejectUnauthorized: false passes.
  const err = await new Promise((resolve) => https.get({ host: "localhost", port, agent: false }, () => resolve(null)).on("error", resolve));
  assert.ok(err && /self.signed|DEPTH_ZERO|certificate/i.test(`${err.code} ${err.message}`), String(err));
  const body = await new Promise((resolve, reject) => https.request({ host: "127.0.0.1", port, rejectUnauthorized: false, path: "/ip" }, (res) => readBody(res).then(resolve)).on("error", reject).end());
  assert.equal(body, `secure /ip 127.0.0.1:${port}`);
  await closeServer(server);
});

// --- run --------------------------------------------------------------------------------------

let failed = 0;
for (const t of tests) {
  if (filter && !t.name.includes(filter)) continue;
  const t0 = Date.now();
  try {
    const note = await withTimeout(Promise.resolve().then(t.fn), 15000, t.name);
    console.log(`ok   ${t.name}${note ? ` — ${note}` : ""} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}\n${String(e?.stack ?? e).replace(/^/gm, "     ")}`);
  }
}
console.log(failed ? `${failed} failed` : "all passed");
process.exit(failed ? 1 : 0);
