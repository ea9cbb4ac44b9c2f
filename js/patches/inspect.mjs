// Source patches for node-inspect-extracted's bundle (dist/inspect.js), applied by js/build.mjs
// when it bundles the guest runtime. The package reimplements the V8 internals Node's inspect
// uses with stubs; in the guest, deno_core exposes the real ones:
//  - promise state (`Promise { 1 }`, `Promise { <rejected> Error }`, not always `<pending>`);
//  - proxy details (`util.inspect(proxy, { showProxy: true })` prints `Proxy [ target, handler ]`);
// (Map/Set iterator previews stay empty: deno_core has no previewEntries.)
//  - symbol keys are bracketed, as Node 20+ prints them (`{ [Symbol(a)]: 1 }`).
// Each pattern must match exactly once, so a new package version fails the build loudly.

const PATCHES = [
  {
    what: "getPromiseDetails",
    from: "getPromiseDetails:()=>[g,void 0]",
    // deno_core: [0 pending | 1 fulfilled | 2 rejected, result]; inspect wants its own symbols.
    to: "getPromiseDetails:t=>{const d=globalThis[Symbol.for('agentos.inspect.core')].getPromiseDetails(t);return[0===d[0]?g:2===d[0]?h:1,d[1]]}",
  },
  {
    what: "getProxyDetails",
    from: "getProxyDetails:y.getProxyDetails",
    // Only for showProxy: otherwise proxies are inspected through (as Node 20/22 print them).
    to: "getProxyDetails:(t,e=!0)=>{if(!e)return;const d=globalThis[Symbol.for('agentos.inspect.core')].getProxyDetails(t);if(null!=d)return d}",
  },
  {
    what: "symbol keys",
    from: 'const e=jt(On,ae(r),Un);s=t.stylize(e,"symbol")',
    to: 'const e=jt(On,ae(r),Un);s=`[${t.stylize(e,"symbol")}]`',
  },
];

export function patchInspect(source) {
  for (const p of PATCHES) {
    const parts = source.split(p.from);
    if (parts.length !== 2) throw new Error(`node-inspect-extracted patch "${p.what}": pattern found ${parts.length - 1} times`);
    source = parts.join(p.to);
  }
  return source;
}
