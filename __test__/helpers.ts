import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { defineSoftware } from "../index.js";

/** Assert that `p` rejects with a KernelError-shaped error carrying `code` (and `path`, if given). */
export async function rejectsWith(p: Promise<unknown>, code: string, path?: string): Promise<Error & { code: string }> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected a rejection with ${code}`).toBeInstanceOf(Error);
  const e = err as Error & { code: string; path?: string };
  expect(e.code).toBe(code);
  expect(e.message).toContain(code);
  if (path !== undefined) {
    expect(e.path).toBe(path);
    expect(e.message).toContain(path);
  }
  return e;
}

export const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Run `src` with the host's real Node, as `t.<ext>` in a fresh temp directory (its cwd). */
export function runOnHost(src: string, ext = "js") {
  const dir = mkdtempSync(join(tmpdir(), "agentos-host-"));
  try {
    writeFileSync(join(dir, `t.${ext}`), src);
    const r = spawnSync(process.execPath, [`t.${ext}`], { cwd: dir, encoding: "utf8" });
    return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs scripts with the VM's node, each as `t.<ext>` in a fresh directory `/home/user/<prefix>N` (its cwd). */
export function guestRunner(vm: () => { mkdir(p: string, o?: { recursive?: boolean }): Promise<void>; writeFile(p: string, c: string): Promise<void>; exec(c: string, o?: { cwd?: string }): Promise<{ exitCode: number; stdout: string; stderr: string }> }, prefix: string) {
  let n = 0;
  return async (src: string, ext = "js") => {
    const dir = `/home/user/${prefix}${++n}`;
    await vm().mkdir(dir, { recursive: true });
    await vm().writeFile(`${dir}/t.${ext}`, src);
    return vm().exec(`node t.${ext}`, { cwd: dir });
  };
}

/** Assert that the VM's node prints exactly what the host's Node prints for `src` (and nothing on stderr). */
export async function sameAsHost(guest: (src: string, ext?: string) => Promise<{ exitCode: number; stdout: string; stderr: string }>, src: string, ext = "js") {
  const expected = runOnHost(src, ext);
  expect(expected.stderr).toBe("");
  const r = await guest(src, ext);
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe(expected.stdout);
  return r.stdout;
}

/**
 * A private CA and a certificate for `localhost`/127.0.0.1 it signs (as a company's internal CA
 * would), made with openssl in `dir`: PEM texts of the CA, the server certificate and its key.
 */
export function privateCa(dir: string, name = "agentOS test CA"): { ca: string; cert: string; key: string } {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", `/CN=${name}`, "-days", "1");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem", "-days", "1", "-extfile", "ext.cnf");
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
}

/** The minimal ACP agent of `fixtures/acp-agent` as software (`createSession("test")`). */
export const testAgent = defineSoftware({
  name: "acp-test-agent",
  type: "agent",
  packageDir: resolve(dirname(fileURLToPath(import.meta.url)), "fixtures/acp-agent"),
  requires: ["acp-test-agent"],
  agent: { id: "test", acpAdapter: "acp-test-agent", agentPackage: "acp-test-agent" },
});
