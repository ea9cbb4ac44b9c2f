// Bundles the guest Node runtime (js/node/) and the npm polyfills it builds on into one
// classic script, which build.rs evaluates and snapshots. Usage: node js/build.mjs OUTFILE
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { patchInspect } from "./patches/inspect.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node js/build.mjs OUTFILE");
  process.exit(2);
}

// Node builtin names the polyfills import, mapped to what implements them in the guest
// (names that are also npm packages — buffer, events, util, string_decoder, punycode — resolve
// to those packages).
const internal = (f) => path.join(here, "node", f);
const mapped = {
  process: internal("internal/process_shim.js"),
  "process/": internal("internal/process_shim.js"),
  stream: internal("stream.js"),
  path: internal("path.js"),
  zlib: "browserify-zlib",
  assert: "assert/",
};
const builtinsPlugin = {
  name: "agentos-builtins",
  setup(b) {
    b.onResolve({ filter: /^(process\/?|stream|path|zlib|assert)$/ }, async (args) => {
      const target = mapped[args.path];
      if (target.startsWith("/")) return { path: target };
      return b.resolve(target, { resolveDir: here, kind: args.kind });
    });
  },
};

// undici (fetch, WebSocket: node/internal/fetch.js) requires Node's builtins by name. Each such
// `require` becomes a lookup in the guest's builtin table made when undici's module is evaluated
// (on first use of fetch), so the builtins are the guest's own instances (`instanceof Readable`
// holds) and none of them is pulled into the bundle's eager graph on undici's behalf.
const undiciDir = path.join(here, "..", "node_modules", "undici") + path.sep;
const runtimeBuiltinsPlugin = {
  name: "agentos-runtime-builtins",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_0-9]+(\/[a-z_0-9]+)?$/ }, (args) => {
      if (!args.importer.startsWith(undiciDir)) return undefined;
      const name = args.path.replace(/^node:/, "");
      if (!builtinModules.includes(name)) return undefined;
      return { path: name, namespace: "agentos-builtin" };
    });
    b.onLoad({ filter: /.*/, namespace: "agentos-builtin" }, (args) => ({
      contents: `module.exports = globalThis.__agentos.builtin(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
    // llhttp comes in two builds, with and without WebAssembly SIMD, which V8 13 always has: the
    // fallback (64 KB of base64 that every snapshot would carry) is the SIMD one again.
    b.onLoad({ filter: /undici[\\/]lib[\\/]llhttp[\\/]llhttp-wasm\.js$/ }, () => ({
      contents: 'module.exports = require("./llhttp_simd-wasm.js");',
      loader: "js",
    }));
  },
};

// node-inspect-extracted, patched to show promise state, bracketed symbol keys and showProxy
// through deno_core's introspection (js/patches/inspect.mjs).
const inspectPlugin = {
  name: "agentos-inspect-patches",
  setup(b) {
    b.onLoad({ filter: /node-inspect-extracted[\\/]dist[\\/]inspect\.js$/ }, async (args) => ({
      contents: patchInspect(await readFile(args.path, "utf8")),
      loader: "js",
    }));
  },
};

await build({
  entryPoints: [internal("bootstrap.js")],
  outfile: out,
  bundle: true,
  format: "iife",
  platform: "neutral",
  mainFields: ["main", "module"],
  conditions: ["node", "require"],
  target: "es2022",
  plugins: [runtimeBuiltinsPlugin, builtinsPlugin, inspectPlugin],
  // Class names survive bundling (`new Readable().constructor.name`, inspect output).
  keepNames: true,
  // Smaller source text in the snapshot (identifiers are kept: stack traces stay readable).
  minifyWhitespace: true,
  minifySyntax: true,
  inject: [internal("internal/process_inject.js")],
  // esbuildDetection: undici then sends `user-agent: node`, as Node's bundled copy does.
  define: { global: "globalThis", esbuildDetection: "1" },
  legalComments: "none",
  logLevel: "warning",
});
