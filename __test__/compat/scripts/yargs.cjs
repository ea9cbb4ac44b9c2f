const yargs = require("yargs/yargs");
const { hideBin } = require("yargs/helpers");
const argv = yargs(hideBin(["node", "script", "--name", "x", "-n", "3", "pos", "--flag"]))
  .option("n", { type: "number" })
  .option("flag", { type: "boolean" })
  .parse();
console.log(JSON.stringify({ name: argv.name, n: argv.n, flag: argv.flag, _: argv._ }));
yargs([]).scriptName("tool").usage("$0 <cmd>").option("v", { alias: "verbose", describe: "Be loud", type: "boolean" })
  .showHelp((s) => console.log(s));
