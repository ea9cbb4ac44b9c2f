// Bundles the guest Node runtime (js/node/) and the npm polyfills it builds on into one
// classic script, which build.rs evaluates and snapshots, and undici into `undici.js` beside it
// (loaded by the guest on first use of fetch). Usage: node js/build.mjs OUTFILE
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
// (names that are also npm packages — buffer, events, string_decoder, punycode — resolve to
// those packages).
const internal = (f) => path.join(here, "node", f);
const mapped = {
  process: internal("internal/process_shim.js"),
  "process/": internal("internal/process_shim.js"),
  stream: internal("stream.js"),
  path: internal("path.js"),
  zlib: "browserify-zlib",
  assert: "assert/",
  // whatwg-url's IDNA processing: the Rust `idna` crate through the kernel, instead of tr46's
  // 200 KB of tables in every isolate that parses a URL.
  tr46: internal("internal/tr46.js"),
  // The `url` package's query parser: Node's url.parse(s, true) uses querystring (`a[b]=c` is a
  // key, not a nested object as with qs).
  qs: internal("internal/url_qs.js"),
  // What assert, browserify-zlib and inherits take from `util` (inspect, types, inherits), from
  // the guest's own util instead of the npm package's chain of small modules.
  util: internal("internal/util_core.js"),
  "util/": internal("internal/util_core.js"),
};
// Polyfills the `assert` package loads for what V8 has built in; the real ones go through
// get-intrinsic, whose start-up (a table of every intrinsic, `Function` evals) cost each first
// require("assert") or require("zlib") milliseconds.
const nativeShims = {
  "object.assign/polyfill": "module.exports = () => Object.assign;",
  "object-is/polyfill": "module.exports = () => Object.is;",
  // callBound("RegExp.prototype.test") is the method with `this` as its first argument.
  "call-bind/callBound":
    'module.exports = (name) => { let f = globalThis; for (const k of name.replace(/^%|%$/g, "").split(".")) f = f[k]; if (typeof f !== "function") throw new TypeError(name + " is not a function"); return Function.prototype.call.bind(f); };',
};
const builtinsPlugin = {
  name: "agentos-builtins",
  setup(b) {
    b.onResolve({ filter: /^(object\.assign\/polyfill|object-is\/polyfill|call-bind\/callBound)$/ }, (args) => ({
      path: args.path,
      namespace: "agentos-native-shim",
    }));
    b.onLoad({ filter: /.*/, namespace: "agentos-native-shim" }, (args) => ({ contents: nativeShims[args.path], loader: "js" }));
    b.onResolve({ filter: /^(process\/?|stream|path|zlib|assert|tr46|qs|util\/?)$/ }, async (args) => {
      const target = mapped[args.path];
      if (target.startsWith("/")) return { path: target };
      return b.resolve(target, { resolveDir: here, kind: args.kind });
    });
  },
};

// undici (fetch, WebSocket: node/internal/fetch.js) is a bundle of its own, `undici.js` next to
// OUTFILE, kept out of the snapshot (booting a process does not pay for it): build.rs embeds it
// in the binary and the guest compiles it on first use of fetch. It is CommonJS wrapped as
// `(function (module, exports, require) {...})`; the Node builtins it requires stay `require`
// calls, which the guest answers from its builtin table, so they are the guest's own instances
// (`instanceof Readable` holds).
const undiciDir = path.join(here, "..", "node_modules", "undici") + path.sep;
const undiciPlugin = {
  name: "agentos-undici",
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_0-9]+(\/[a-z_0-9]+)?$/ }, (args) => {
      if (!args.importer.startsWith(undiciDir)) return undefined;
      const name = args.path.replace(/^node:/, "");
      if (!builtinModules.includes(name)) return undefined;
      return { path: args.path, external: true };
    });
    // llhttp comes in two builds, with and without WebAssembly SIMD, which V8 13 always has: the
    // fallback (64 KB of base64) is the SIMD one again.
    b.onLoad({ filter: /undici[\\/]lib[\\/]llhttp[\\/]llhttp-wasm\.js$/ }, () => ({
      contents: 'module.exports = require("./llhttp_simd-wasm.js");',
      loader: "js",
    }));
  },
};

// What Node's global fetch takes from undici (its index-fetch.js, without EventSource, the proxy
// agent and the Dispatcher request API, which no global exposes). The global dispatcher (an
// Agent over `net`/`tls`) is made when the fetch module loads.
const undiciEntry = `
module.exports = {
  fetch: require("undici/lib/web/fetch/index.js").fetch,
  Request: require("undici/lib/web/fetch/request.js").Request,
  Response: require("undici/lib/web/fetch/response.js").Response,
  Headers: require("undici/lib/web/fetch/headers.js").Headers,
  FormData: require("undici/lib/web/fetch/formdata.js").FormData,
  WebSocket: require("undici/lib/web/websocket/websocket.js").WebSocket,
};`;

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
  plugins: [builtinsPlugin, inspectPlugin],
  // Class names survive bundling (`new Readable().constructor.name`, inspect output).
  keepNames: true,
  // Smaller source text in the snapshot (identifiers are kept: stack traces stay readable).
  minifyWhitespace: true,
  minifySyntax: true,
  inject: [internal("internal/process_inject.js")],
  define: { global: "globalThis" },
  legalComments: "none",
  logLevel: "warning",
});

await build({
  stdin: { contents: undiciEntry, resolveDir: here, sourcefile: "undici-entry.js", loader: "js" },
  outfile: path.join(path.dirname(out), "undici.js"),
  bundle: true,
  format: "cjs",
  platform: "neutral",
  mainFields: ["main", "module"],
  conditions: ["node", "require"],
  target: "es2022",
  plugins: [undiciPlugin],
  keepNames: true,
  minifyWhitespace: true,
  minifySyntax: true,
  // The script's value is the module function (evaluated by internal/fetch.js).
  banner: { js: "(function (module, exports, require) {" },
  footer: { js: "})" },
  // esbuildDetection: undici then sends `user-agent: node`, as Node's bundled copy does.
  define: { global: "globalThis", esbuildDetection: "1" },
  // ASCII only (esbuild's default), so the guest can take the text as a one-byte string without
  // copying it.
  charset: "ascii",
  legalComments: "none",
  logLevel: "warning",
});
