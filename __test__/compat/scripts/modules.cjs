// Module resolution and loading edge cases, on a package tree this script writes.
const fs = require("fs");
const path = require("path");
const root = path.join(process.cwd(), "modtest");
fs.rmSync(root, { recursive: true, force: true });
const files = {
  "node_modules/cond/package.json": { name: "cond", exports: { ".": { node: { import: "./n.mjs", require: "./n.cjs" }, default: "./d.js" }, "./feature/*": "./src/*.js", "./internal/*": null, "./package.json": "./package.json" }, imports: { "#dep": "./dep.cjs" } },
  "node_modules/cond/n.mjs": "export const kind = 'node-import'; export default 'def';",
  "node_modules/cond/n.cjs": "exports.kind = 'node-require'; exports.dep = require('#dep'); exports.self = require('cond/feature/x').x;",
  "node_modules/cond/d.js": "exports.kind = 'default';",
  "node_modules/cond/dep.cjs": "module.exports = 'dep';",
  "node_modules/cond/src/x.js": "exports.x = 'feature-x';",
  "node_modules/legacy/package.json": { name: "legacy", main: "lib/main" },
  "node_modules/legacy/lib/main.js": "module.exports = function legacy() { return 'legacy'; }; module.exports.extra = 1;",
  "node_modules/legacy/lib/other.json": { other: true },
  "node_modules/@scope/pkg/package.json": { name: "@scope/pkg", type: "module", exports: "./index.js" },
  "node_modules/@scope/pkg/index.js": "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); export const legacy = require('legacy')(); export default 'scoped';",
  "node_modules/reexp/index.js": "'use strict'; var tslib = { __exportStar: (m, e) => Object.assign(e, m) }; tslib.__exportStar(require('./a'), exports); exports.own = 1;",
  "node_modules/reexp/a.js": "exports.fromA = 'a';",
  "node_modules/typeless-esm/package.json": { name: "typeless-esm", main: "index.js" },
  "node_modules/typeless-esm/index.js": "export const v = 'typeless-esm';",
  "plain/detect.js": "import { v } from 'typeless-esm';\nexport const w = v + '!';\nconsole.log('detected', import.meta.url.endsWith('/plain/detect.js'));",
  "app/package.json": { name: "app", type: "commonjs", exports: { ".": "./cycle-a.js", "./data": "./data.json" } },
  "app/self.js": "exports.self = [Object.keys(require('app')).join(), require('app/data').v];",
  "app/cycle-a.js": "exports.a1 = 1; const b = require('./cycle-b'); exports.a2 = b.seenA;",
  "app/cycle-b.js": "const a = require('./cycle-a'); exports.seenA = Object.keys(a).join();",
  "app/dir/index.json": { fromIndexJson: true },
  "app/esm.mjs": "import legacy, { extra } from 'legacy'; import cond, { kind } from 'cond'; import { fromA, own } from 'reexp'; import scoped, { legacy as l2 } from '@scope/pkg'; import data from './data.json' with { type: 'json' }; import { v as tv } from 'typeless-esm'; export const out = [legacy(), extra, cond, kind, fromA, own, scoped, l2, data.v, typeof import.meta.resolve, tv];",
  "app/data.json": { v: 7 },
};
for (const [f, c] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
  fs.writeFileSync(path.join(root, f), typeof c === "string" ? c : JSON.stringify(c));
}
const rel = (p) => path.relative(root, p);
const req = require("module").createRequire(path.join(root, "app", "main.js"));
const cond = req("cond");
console.log(cond.kind, cond.dep, cond.self, rel(req.resolve("cond")), rel(req.resolve("cond/feature/x")));
for (const bad of ["cond/internal/y", "cond/nope", "missing-pkg", "./missing"]) {
  try { req(bad); } catch (e) { console.log(bad, e.code); }
}
console.log(req("legacy")(), rel(req.resolve("legacy/lib/other")), req("legacy/lib/other.json").other, req("./dir").fromIndexJson);
console.log(JSON.stringify(req("./cycle-a")), req("./cycle-a") === req("./cycle-a.js"));
console.log(req.resolve.paths("x").slice(0, 2).map(rel).join(" "), req.resolve("fs"), req.resolve("node:fs"));
const m = req("module");
console.log(m.isBuiltin("fs"), m.isBuiltin("node:path"), m.isBuiltin("nope"), m.builtinModules.includes("fs"));
console.log(require.main === module, rel(req.resolve("cond/package.json")));
console.log(JSON.stringify(req("./self").self));
console.log(req("typeless-esm").v, require(path.join(root, "plain/detect.js")).w);
// Path aliases the way module-alias and tsconfig-paths make them.
const origResolve = m._resolveFilename;
m._resolveFilename = function (r, parent, ...rest) {
  return origResolve.call(this, r.startsWith("@app/") ? path.join(root, "app", r.slice(5)) : r, parent, ...rest);
};
console.log(JSON.stringify(require("@app/cycle-a")), require("@app/dir").fromIndexJson, rel(require.resolve("@app/data.json")));
m._resolveFilename = origResolve;
import(path.join(root, "app", "esm.mjs")).then((ns) => console.log(JSON.stringify(ns.out)), (e) => console.log("esm error", e.message));
