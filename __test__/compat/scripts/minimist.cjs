const parse = require("minimist");
console.log(JSON.stringify(parse(["-x", "3", "-y", "4", "-abc", "--beep=boop", "foo", "--no-ding", "--", "rest"])));
console.log(JSON.stringify(parse(["--n", "5", "-s", "str"], { string: ["s"], boolean: ["b"], alias: { n: "num" } })));
