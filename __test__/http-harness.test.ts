// The guest's `http`/`https` modules (js/node/http.js) against the host's real Node: the
// harness in js/test-http runs our modules on the host's `net`/`tls` and compares wire bytes,
// events and errors with `node:http`.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

it("our http module behaves as Node's on the wire", () => {
  const r = spawnSync(process.execPath, [path.join(import.meta.dirname, "..", "js", "test-http", "run.mjs")], { encoding: "utf8", timeout: 120_000 });
  expect(r.stderr + r.stdout).not.toMatch(/\bFAIL\b/);
  expect(r.stdout).not.toContain("skipped");
  expect(r.status).toBe(0);
}, 150_000);
