import chalk, { Chalk } from "chalk";
const c = new Chalk({ level: 1 });
console.log(JSON.stringify(c.red.bold("hi")), JSON.stringify(c.bgBlue.underline("x")));
console.log("level without a TTY:", chalk.level, JSON.stringify(chalk.green("plain")));
