const { Command } = require("commander");
const program = new Command();
program.name("tool").description("A tool").version("1.2.3")
  .option("-d, --debug", "debug output")
  .option("-n, --count <n>", "how many", (v) => parseInt(v, 10), 1)
  .argument("<file>", "input file")
  .action((file, opts) => console.log("action", file, JSON.stringify(opts)));
program.parse(["-d", "-n", "3", "in.txt"], { from: "user" });
console.log(program.helpInformation());
