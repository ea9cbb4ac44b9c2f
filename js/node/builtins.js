// The builtin module table: name -> factory, called once on first `require`/`import`.
// `module`, `process` and `timers` are added by bootstrap.js.
//
// Factories load their module lazily: the startup snapshot holds only what every process uses
// (process, console, stdio streams, buffer, events, path, util), so booting an isolate
// deserialises less; the rest is compiled on first use.

// `require` with a literal argument is bundled by esbuild as a lazily initialised module.
/* global require */
const def = (ns) => (ns && "default" in ns ? ns.default : ns);

// The rest (networking placeholders, v8, diagnostics_channel, ...) live in unsupported.js, which
// is loaded only when one of them is first required (it pulls in util and os).
const more = (name) => () => def(require("./unsupported.js"))[name]();

export const builtins = {
  path: () => def(require("./path.js")),
  "path/posix": () => def(require("./path.js")),
  "path/win32": () => def(require("./path.js")).win32,
  stream: () => def(require("./stream.js")),
  "stream/promises": () => def(require("./stream_promises.js")),
  "stream/web": () => ({ ReadableStream: globalThis.ReadableStream, WritableStream: globalThis.WritableStream, TransformStream: globalThis.TransformStream }),
  events: () => def(require("./events.js")),
  buffer: () => def(require("./buffer.js")),
  util: () => def(require("./util.js")),
  "util/types": () => def(require("./util.js")).types,
  string_decoder: () => def(require("./string_decoder.js")),
  assert: () => def(require("./assert.js")),
  "assert/strict": () => def(require("./assert.js")).strict,
  fs: () => def(require("./fs.js")),
  "fs/promises": () => def(require("./fs.js")).promises,
  child_process: () => def(require("./child_process.js")),
  crypto: () => def(require("./crypto.js")),
  os: () => def(require("./os.js")),
  readline: () => def(require("./readline.js")),
  "readline/promises": () => def(require("./readline.js")).promises,
  tty: () => def(require("./tty.js")),
  perf_hooks: () => def(require("./perf_hooks.js")),
  async_hooks: () => def(require("./async_hooks.js")),
  worker_threads: () => def(require("./worker_threads.js")),
  "timers/promises": () => def(require("./timers_promises.js")),
  url: () => def(require("./url.js")),
  querystring: () => def(require("./querystring.js")),
  zlib: () => def(require("./zlib.js")),
  console: () => def(require("./console.js")),
  vm: () => def(require("./vm.js")),
  net: () => def(require("./net.js")),
  http: () => def(require("./http.js")),
  https: () => def(require("./https.js")),
  http2: more("http2"),
  dns: () => def(require("./dns.js")),
  "dns/promises": () => def(require("./dns.js")).promises,
  tls: () => def(require("./tls.js")),
  dgram: more("dgram"),
  cluster: more("cluster"),
  inspector: more("inspector"),
  "inspector/promises": more("inspector/promises"),
  repl: more("repl"),
  sqlite: more("sqlite"),
  wasi: more("wasi"),
  trace_events: more("trace_events"),
  v8: more("v8"),
  diagnostics_channel: more("diagnostics_channel"),
  punycode: more("punycode"),
  "stream/consumers": more("stream/consumers"),
  domain: more("domain"),
  constants: more("constants"),
  sys: more("sys"),
};
