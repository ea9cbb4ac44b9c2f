const ts = require("typescript");
console.log(ts.version.split(".").slice(0, 1).join("."), typeof ts.createProgram);
const out = ts.transpileModule("enum E { A, B }\nconst f = (x: number): string => `${x}`;\nexport class C<T> { constructor(private t: T) {} }\n", {
  compilerOptions: { target: ts.ScriptTarget.ES2019, module: ts.ModuleKind.CommonJS },
});
console.log(out.outputText);
