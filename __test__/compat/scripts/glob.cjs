const fs = require("fs");
const path = require("path");
const { glob, globSync } = require("glob");
const root = path.join(process.cwd(), "globtest");
fs.rmSync(root, { recursive: true, force: true });
for (const f of ["a.js", "b.txt", "src/c.js", "src/lib/d.js", "src/lib/e.md", ".hidden/f.js"]) {
  fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
  fs.writeFileSync(path.join(root, f), f);
}
console.log(globSync("**/*.js", { cwd: root }).sort().join(" "));
glob("src/**/*.{js,md}", { cwd: root, dot: true }).then((r) => {
  console.log(r.sort().join(" "));
  return glob("**", { cwd: root, dot: true, nodir: true });
}).then((r) => console.log(r.sort().join(" ")));
