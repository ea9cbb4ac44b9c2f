const picomatch = require("picomatch");
const isMatch = picomatch(["**/*.js", "!**/node_modules/**"]);
console.log(["src/a.js", "a.ts", "node_modules/x/y.js", "deep/er/b.js"].map((p) => isMatch(p)).join(","));
console.log(picomatch.isMatch("foo.md", "*.{md,txt}"), picomatch.isMatch("a/b", "a/*/c"));
console.log(String(picomatch.makeRe("*.js")), JSON.stringify(picomatch.scan("src/**/*.ts")));
