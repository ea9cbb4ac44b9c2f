// Bundles the guest's http/https modules for the host's Node: the guest builtins they import
// (./net.js, ./stream.js, ...) are mapped to Node's own, so the modules can be checked
// against node:http on the host. Returns { http, https }.
import { build } from "esbuild";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeDir = path.join(here, "..", "node");

// Guest module (absolute path) -> Node builtin.
const hostBuiltins = {
  [path.join(nodeDir, "net.js")]: "node:net",
  [path.join(nodeDir, "tls.js")]: "node:tls",
  [path.join(nodeDir, "stream.js")]: "node:stream",
  [path.join(nodeDir, "events.js")]: "node:events",
  [path.join(nodeDir, "url.js")]: "node:url",
  [path.join(nodeDir, "internal", "timers.js")]: "node:timers",
};

const hostPlugin = {
  name: "host-builtins",
  setup(b) {
    b.onResolve({ filter: /^buffer$/ }, () => ({ path: "node:buffer", external: true }));
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = hostBuiltins[path.resolve(args.resolveDir, args.path)];
      return target ? { path: target, external: true } : undefined;
    });
  },
};

export async function bundle() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "agentos-http-"));
  const entry = path.join(dir, "entry.mjs");
  await writeFile(
    entry,
    `export { default as http } from ${JSON.stringify(path.join(nodeDir, "http.js"))};\n` +
      `export { default as https } from ${JSON.stringify(path.join(nodeDir, "https.js"))};\n` +
      `export * as httpNamed from ${JSON.stringify(path.join(nodeDir, "http.js"))};\n`,
  );
  const outfile = path.join(dir, "bundle.mjs");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["main", "module"],
    conditions: ["node", "require"],
    target: "es2022",
    plugins: [hostPlugin],
    keepNames: true,
    logLevel: "warning",
    // http-parser-js is CommonJS: give the ESM bundle a require() for anything it leaves.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return import(pathToFileURL(outfile).href);
}

// Bundles an npm package (resolved from `fromDir`) so that its `http`/`https` are ours: how
// a library such as `ws` sees the guest's modules. Other builtins stay Node's.
export async function bundlePackage(name, fromDir) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "agentos-http-pkg-"));
  const outfile = path.join(dir, "pkg.mjs");
  const ours = { http: path.join(nodeDir, "http.js"), https: path.join(nodeDir, "https.js") };
  await build({
    stdin: { contents: `export * from ${JSON.stringify(name)}; export { default } from ${JSON.stringify(name)};`, resolveDir: fromDir },
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    plugins: [
      {
        name: "our-http",
        setup(b) {
          b.onResolve({ filter: /^(node:)?https?$/ }, (args) => ({ path: ours[args.path.replace("node:", "")] }));
          b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (args) => ({ path: args.path, external: true }));
        },
      },
      hostPlugin,
    ],
    keepNames: true,
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return import(pathToFileURL(outfile).href);
}
