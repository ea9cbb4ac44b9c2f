// Type-checking shim: `lib/index.ts` compiles to `./index.js` beside the generated
// `binding.js`/`binding.d.ts` at the package root, so its `./binding.js` import resolves there.
export * from "../binding";
