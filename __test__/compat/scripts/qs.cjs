const qs = require("qs");
console.log(qs.stringify({ a: { b: [1, 2], c: "x y" }, d: true }));
console.log(qs.stringify({ a: [1, 2] }, { arrayFormat: "brackets", encode: false }));
console.log(JSON.stringify(qs.parse("a[b][c]=d&e[]=1&e[]=2&f=%20g")));
