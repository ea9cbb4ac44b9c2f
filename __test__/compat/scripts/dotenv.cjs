const fs = require("fs");
const dotenv = require("dotenv");
console.log(JSON.stringify(dotenv.parse("A=1\nB=\"x y\"\n# comment\nC='single'\nexport D=4\nMULTI=\"l1\nl2\"\n")));
fs.writeFileSync(".env.compat", "COMPAT_KEY=hello\nCOMPAT_NUM=42\n");
const r = dotenv.config({ path: ".env.compat", quiet: true });
console.log(JSON.stringify(r.parsed), process.env.COMPAT_KEY, process.env.COMPAT_NUM);
