const esbuild = require("esbuild-wasm");
esbuild.transform("const x: number = 1 as any; export default <T,>(a: T) => a ?? x", { loader: "ts", format: "cjs", target: "es2019" })
  .then((r) => { console.log(esbuild.version, r.code); return esbuild.stop?.(); })
  .catch((e) => { console.error(e); process.exit(1); });
