const esbuild = require("esbuild-wasm");
// esbuild-wasm runs its WebAssembly service in a child `node` process it talks to over pipes.
const watchdog = setTimeout(() => {
  console.error("esbuild-wasm: no answer from the service in 10 s");
  process.exit(2);
}, 10_000);
watchdog.unref();
esbuild
  .transform("const x: number = 1 as any; export default <T,>(a: T) => a ?? x", { loader: "ts", format: "cjs", target: "es2019" })
  .then((r) => {
    console.log(esbuild.version, r.code);
    return esbuild.stop();
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
