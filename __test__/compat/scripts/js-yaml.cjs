const yaml = require("js-yaml");
const doc = yaml.load("name: app\nversion: 1.2\nlist:\n  - a\n  - b: [1, 2]\nnested:\n  deep: {x: true, y: null}\nwhen: 2001-12-14\n");
console.log(JSON.stringify(doc));
console.log(yaml.dump({ a: 1, b: ["x", { c: "multi\nline" }], d: "yes" }));
try { yaml.load("a: [1, 2"); } catch (e) { console.log(e.name, e.reason); }
