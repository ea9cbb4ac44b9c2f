import { execa, execaSync } from "execa";
const { stdout, exitCode } = await execa("echo", ["hello", "world"]);
console.log(stdout, exitCode);
const r = await execa("sh", ["-c", "echo out; echo err >&2; exit 3"], { reject: false });
console.log(JSON.stringify([r.stdout, r.stderr, r.exitCode, r.failed]));
console.log(execaSync("node", ["-e", "console.log(6 * 7)"]).stdout);
const piped = await execa("cat", { input: "from stdin" });
console.log(piped.stdout);
