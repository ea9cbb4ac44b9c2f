const YAML = require("yaml");
const doc = YAML.parse("a: 1\nb:\n  - x\n  - {y: 2}\nc: |\n  block\n  text\nd: !!str 3\n");
console.log(JSON.stringify(doc));
const s = YAML.stringify(doc);
console.log(s);
console.log(JSON.stringify(YAML.parse(s)) === JSON.stringify(doc));
const d = YAML.parseDocument("# top\nkey: value # note\n");
d.set("other", [1, 2]);
console.log(String(d));
