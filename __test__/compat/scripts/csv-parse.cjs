const { parse } = require("csv-parse");
const { parse: parseSync } = require("csv-parse/sync");
console.log(JSON.stringify(parseSync('a,b,c\n1,"two, quoted",3\n4,"multi\nline",6\n', { columns: true })));
const rows = [];
parse("x;y\n1;2\n3;4\n", { delimiter: ";", from_line: 2, cast: true })
  .on("data", (r) => rows.push(r))
  .on("end", () => console.log("stream", JSON.stringify(rows)))
  .on("error", (e) => console.log("error", e.message));
