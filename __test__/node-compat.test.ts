// Node compatibility: popular pure-JS npm packages (devDependencies of this repository) are
// copied, with their whole dependency closure, into one VM under /home/user/app/node_modules,
// and a short script per package (__test__/compat/scripts/) runs there with the VM's `node`.
// Its exact output is asserted against the same script run by the host's real Node, in a temp
// directory against the host's node_modules.
//
// Packages that cannot work yet are listed in KNOWN_FAILURES with the reason: their cases run
// as `it.fails`, so the suite stays green but notices when they start to pass (then remove
// them from the list). The pass rate is printed at the end.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentOs } from "../index.js";
import { closure, copyPackages, HOST_ROOT } from "./compat/packages";

interface Case {
  /** The package (also the name of the case). */
  name: string;
  /** The script in __test__/compat/scripts/, run as `node <script>`. */
  script?: string;
  /** A command line instead of a script (run by the VM's shell, and by the host's `sh`). */
  command?: string;
  /** More files of __test__/compat/scripts/ the case reads. */
  files?: string[];
  /** Packages whose closure the case needs (default: `name`). */
  packages?: string[];
  /** Milliseconds (debug builds run JS slowly). */
  timeout?: number;
  /** The package the case counts for (default: `name`); a package passes when all its cases do. */
  pkg?: string;
  /** A module-system case over several packages, not counted for any package. */
  interop?: boolean;
}

const CASES: Case[] = [
  { name: "lodash", script: "lodash.cjs" },
  { name: "chalk", script: "chalk.mjs" },
  { name: "commander", script: "commander.cjs" },
  { name: "yargs", script: "yargs.cjs" },
  { name: "semver", script: "semver.cjs" },
  { name: "zod", script: "zod.cjs" },
  { name: "ajv", script: "ajv.cjs" },
  { name: "marked", script: "marked.mjs" },
  { name: "date-fns", script: "date-fns.cjs" },
  { name: "uuid", script: "uuid.cjs" },
  { name: "minimist", script: "minimist.cjs" },
  { name: "js-yaml", script: "js-yaml.cjs" },
  { name: "diff", script: "diff.cjs" },
  { name: "picomatch", script: "picomatch.cjs" },
  { name: "glob", script: "glob.cjs" },
  { name: "dotenv", script: "dotenv.cjs" },
  { name: "nanoid", script: "nanoid.mjs" },
  { name: "ms", script: "ms.cjs" },
  { name: "debug", script: "debug.cjs" },
  { name: "qs", script: "qs.cjs" },
  { name: "mime", script: "mime.mjs" },
  { name: "handlebars", script: "handlebars.cjs" },
  { name: "ejs", script: "ejs.cjs" },
  { name: "cheerio", script: "cheerio.cjs", timeout: 60_000 },
  { name: "immer", script: "immer.cjs" },
  { name: "rxjs", script: "rxjs.cjs" },
  { name: "ramda", script: "ramda.cjs" },
  { name: "prettier", script: "prettier.mjs", timeout: 90_000 },
  { name: "typescript", script: "typescript.cjs", timeout: 90_000 },
  { name: "typescript (tsc --version)", command: "node node_modules/typescript/bin/tsc --version", packages: ["typescript"], pkg: "typescript", timeout: 90_000 },
  {
    name: "typescript (tsc compiles and type-checks files)",
    command:
      "node node_modules/typescript/bin/tsc --strict --target es2022 --module commonjs --outDir out tsc-good.ts && cat out/tsc-good.js && node out/tsc-good.js; " +
      'node node_modules/typescript/bin/tsc --noEmit --pretty false --lib es2022 tsc-bad.ts; echo "exit $?"',
    files: ["tsc-good.ts", "tsc-bad.ts"],
    packages: ["typescript"],
    pkg: "typescript",
    timeout: 120_000,
  },
  {
    name: "prettier (CLI)",
    command:
      'node node_modules/prettier/bin/prettier.cjs --check prettier-ugly.js prettier-pretty.js 2>&1; echo "exit $?"; node node_modules/prettier/bin/prettier.cjs prettier-ugly.js',
    files: ["prettier-ugly.js", "prettier-pretty.js"],
    packages: ["prettier"],
    pkg: "prettier",
    timeout: 90_000,
  },
  { name: "esbuild-wasm", script: "esbuild-wasm.cjs", timeout: 30_000 },
  { name: "yaml", script: "yaml.cjs" },
  { name: "lru-cache", script: "lru-cache.cjs" },
  { name: "dayjs", script: "dayjs.cjs" },
  { name: "validator", script: "validator.cjs" },
  { name: "mustache", script: "mustache.cjs" },
  { name: "express", script: "express.cjs" },
  { name: "axios", script: "axios.cjs" },
  { name: "fs-extra", script: "fs-extra.cjs" },
  { name: "moment", script: "moment.cjs" },
  { name: "jsonwebtoken", script: "jsonwebtoken.cjs" },
  { name: "bcryptjs", script: "bcryptjs.cjs" },
  { name: "execa", script: "execa.mjs" },
  { name: "pino", script: "pino.cjs" },
  { name: "winston", script: "winston.cjs" },
  { name: "csv-parse", script: "csv-parse.cjs" },
  { name: "fast-xml-parser", script: "fast-xml-parser.cjs" },
  { name: "markdown-it", script: "markdown-it.mjs" },
  { name: "jsdom", script: "jsdom.cjs", timeout: 60_000 },
  { name: "luxon", script: "luxon.cjs" },
  { name: "joi", script: "joi.cjs" },
  { name: "p-limit", script: "p-limit.mjs" },
  { name: "lodash-es", script: "lodash-es.mjs" },
  {
    name: "ESM importing CommonJS packages",
    script: "esm-interop.mjs",
    packages: ["semver", "ejs", "rxjs", "typescript", "lodash", "yaml", "handlebars", "ajv", "commander", "minimist", "ms"],
    timeout: 90_000,
    interop: true,
  },
  { name: "module resolution edge cases", script: "modules.cjs", packages: [], interop: true },
  {
    name: "CommonJS requiring ES modules",
    script: "cjs-interop.cjs",
    packages: ["mime", "date-fns", "semver", "yaml", "marked", "lodash"],
    interop: true,
  },
];

/** Cases that do not pass yet, with the reason (run as `it.fails`). */
const KNOWN_FAILURES: Record<string, string> = {
};

const APP = "/home/user/app";
const SCRIPTS = join(HOST_ROOT, "__test__", "compat", "scripts");

const commandOf = (c: Case) => c.command ?? `node ${c.script}`;

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run `c` with the host's Node in a temp directory whose node_modules is the host's. */
function runOnHost(c: Case, dir: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      "sh",
      ["-c", commandOf(c)],
      {
        cwd: dir,
        // A plain environment: no FORCE_COLOR, NODE_OPTIONS or the like from the test runner.
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LANG: "C" },
        timeout: 60_000,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}

let vm: AgentOs;
let hostDir: string;
const expected = new Map<string, Promise<Outcome>>();
const passed = new Set<string>();
const failed = new Map<string, string>();

beforeAll(async () => {
  hostDir = mkdtempSync(join(tmpdir(), "agentos-compat-"));
  symlinkSync(join(HOST_ROOT, "node_modules"), join(hostDir, "node_modules"));
  const scriptFiles = [...new Set(CASES.flatMap((c) => [...(c.script ? [c.script] : []), ...(c.files ?? [])]))];
  for (const f of scriptFiles) writeFileSync(join(hostDir, f), readFileSync(join(SCRIPTS, f)));
  // Host runs go on in the background (a few at a time) while the packages are copied.
  let slots = 4;
  const waiting: (() => void)[] = [];
  const limited = async (c: Case) => {
    while (slots === 0) await new Promise<void>((r) => waiting.push(r));
    slots--;
    try {
      return await runOnHost(c, hostDir);
    } finally {
      slots++;
      waiting.shift()?.();
    }
  };
  for (const c of CASES) expected.set(c.name, limited(c));

  vm = await AgentOs.create(); // default limits (128 MiB of heap per guest)
  const t0 = Date.now();
  const dirs = closure(CASES.flatMap((c) => c.packages ?? [c.name]));
  const { files, bytes } = await copyPackages(vm, dirs, APP);
  await vm.writeFiles(scriptFiles.map((f) => ({ path: `${APP}/${f}`, content: readFileSync(join(SCRIPTS, f)) })));
  console.log(`compat: copied ${dirs.length} packages (${files} files, ${(bytes / 1e6).toFixed(1)} MB) into the VM in ${Date.now() - t0} ms`);
}, 180_000);

afterAll(async () => {
  await vm?.dispose();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
  const byPackage = new Map<string, Case[]>();
  for (const c of CASES.filter((c) => !c.interop)) byPackage.set(c.pkg ?? c.name, [...(byPackage.get(c.pkg ?? c.name) ?? []), c]);
  const passing = [...byPackage.values()].filter((cs) => cs.every((c) => passed.has(c.name))).length;
  const interop = CASES.filter((c) => c.interop);
  const lines = [
    `compat: ${passing}/${byPackage.size} packages pass (${passed.size}/${CASES.length} cases;` +
      ` module interop cases: ${interop.filter((c) => passed.has(c.name)).length}/${interop.length})`,
  ];
  for (const [name, why] of failed) lines.push(`  FAIL ${name}: ${why}`);
  console.log(lines.join("\n"));
});

/** A short account of how a run differs from the host's. */
function difference(got: Outcome, want: Outcome): string {
  if (got.exitCode !== want.exitCode) {
    const err = got.stderr.trim().split("\n").slice(0, 3).join(" | ");
    return `exit ${got.exitCode} (host: ${want.exitCode}): ${err}`;
  }
  const a = got.stdout.split("\n");
  const b = want.stdout.split("\n");
  const i = a.findIndex((l, k) => l !== b[k]);
  const at = i < 0 ? Math.min(a.length, b.length) : i;
  return `stdout differs at line ${at + 1}: got ${JSON.stringify(a[at] ?? "<end>")}, host ${JSON.stringify(b[at] ?? "<end>")}`;
}

describe("npm packages in the VM's node", () => {
  for (const c of CASES) {
    const reason = KNOWN_FAILURES[c.name];
    const test = reason ? it.fails : it;
    const title = reason ? `${c.name} (known failure: ${reason})` : c.name;
    test(
      title,
      async () => {
        const want = await expected.get(c.name)!;
        expect(want.exitCode, `host run of ${c.name} failed: ${want.stderr}`).toBe(0);
        expect(want.stdout.length).toBeGreaterThan(0);
        let got: Outcome;
        try {
          got = await vm.exec(commandOf(c), { cwd: APP, timeout: (c.timeout ?? 30_000) - 2_000 });
        } catch (e) {
          failed.set(c.name, String(e));
          throw e;
        }
        if (got.exitCode === want.exitCode && got.stdout === want.stdout) passed.add(c.name);
        else failed.set(c.name, difference(got, want));
        expect({ exitCode: got.exitCode, stdout: got.stdout, stderr: got.exitCode === 0 ? "" : got.stderr }).toEqual({
          exitCode: want.exitCode,
          stdout: want.stdout,
          stderr: "",
        });
      },
      c.timeout ?? 30_000,
    );
  }
});
