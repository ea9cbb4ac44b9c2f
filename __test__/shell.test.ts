// Interactive shells: a terminal in the kernel, driven as a person would, and checked on the
// screen of a real terminal emulator (@xterm/headless).
import xterm from "@xterm/headless";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentOs } from "../index.js";

const { Terminal } = xterm;

let vm: AgentOs;
beforeEach(async () => {
  vm = await AgentOs.create();
});
afterEach(async () => {
  await vm.dispose();
});

const ENTER = "\r";
const UP = "\x1b[A";
const LEFT = "\x1b[D";

/** A terminal window on a shell: what it shows, and keys to type at it. */
class Screen {
  term: InstanceType<typeof Terminal>;
  raw = "";
  constructor(
    public shellId: string,
    cols = 80,
    rows = 24,
  ) {
    this.term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
  }
  attach(): () => void {
    return vm.onShellData(this.shellId, (d) => {
      this.raw += Buffer.from(d).toString("utf8");
      this.term.write(d);
    });
  }
  type(keys: string): void {
    vm.writeShell(this.shellId, keys);
  }
  /** Every line of the screen and its scrollback, without trailing blanks. */
  async lines(): Promise<string[]> {
    await new Promise<void>((r) => this.term.write("", r));
    const buf = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < buf.length; i++) out.push(buf.getLine(i)!.translateToString(true).trimEnd());
    while (out.length && out[out.length - 1] === "") out.pop();
    return out;
  }
  async text(): Promise<string> {
    return (await this.lines()).join("\n");
  }
  /** Wait until the screen shows a line for which `pred` holds. */
  async waitLine(pred: (line: string) => boolean, ms = 10_000): Promise<string[]> {
    const end = Date.now() + ms;
    for (;;) {
      const lines = await this.lines();
      if (lines.some(pred)) return lines;
      if (Date.now() > end) throw new Error(`timed out; the screen shows:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  /** Wait until the last line is a fresh prompt and `n` prompts were shown in all. */
  async prompts(n: number, ms = 10_000): Promise<string[]> {
    const end = Date.now() + ms;
    for (;;) {
      const lines = await this.lines();
      const count = lines.filter((l) => l.startsWith("user@agentos:")).length;
      if (count >= n && lines[lines.length - 1].trimEnd().endsWith("$")) return lines;
      if (Date.now() > end) throw new Error(`timed out waiting for prompt ${n}; the screen shows:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function open(options?: Parameters<AgentOs["openShell"]>[0]): Screen {
  const { shellId } = vm.openShell(options);
  const s = new Screen(shellId, options?.cols, options?.rows);
  return s;
}

describe("openShell", () => {
  it("shows a prompt and runs what is typed; output made before anyone listens is kept", async () => {
    const s = open();
    expect(s.shellId).toMatch(/^shell-\d+$/);
    // Typed at once, before a handler is attached (the real agentOS loses this output).
    s.type(`echo hi${ENTER}`);
    await new Promise((r) => setTimeout(r, 200));
    s.attach();
    const lines = await s.waitLine((l) => l === "hi");
    expect(lines).toContain("user@agentos:~$ echo hi");
    await s.prompts(2);
  });

  it("edits the line: arrows, insert, backspace, ^A/^E, ^U, ^W", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`echo wrld${LEFT}${LEFT}${LEFT}o${ENTER}`);
    await s.waitLine((l) => l === "world");
    s.type(`echo abcx\x7f${ENTER}`);
    await s.waitLine((l) => l === "abc");
    s.type(`cho first\x01e\x05 second${ENTER}`);
    await s.waitLine((l) => l === "first second");
    s.type(`garbage here\x15echo one two\x17three${ENTER}`);
    await s.waitLine((l) => l === "one three");
    await s.prompts(5);
    // The screen shows each command as finally edited.
    const text = await s.text();
    expect(text).toContain("user@agentos:~$ echo world\nworld");
    expect(text).toContain("user@agentos:~$ echo one three\none three");
  });

  it("edits lines longer than the terminal across their rows", async () => {
    const s = open({ cols: 30, rows: 10 });
    s.attach();
    await s.prompts(1);
    const long = "echo " + "abcdefghij".repeat(5); // 55 characters after a 16-cell prompt
    s.type(long + ENTER);
    await s.waitLine((l) => l === "abcdefghij".repeat(3));
    // Recall it, go to the start, change the first word, and run it from mid-line.
    s.type(`${UP}\x01\x1b[3~\x1b[3~\x1b[3~\x1b[3~echo -e${"\x1b[C".repeat(8)}${ENTER}`);
    await s.prompts(3);
    const lines = await s.lines();
    // What is on the screen is exactly the command typed, wrapped at 30 columns, then its output.
    const screen = lines.join("\n");
    const rows = (t: string) => t.match(/.{1,30}/g)!.join("\n");
    const out = rows("abcdefghij".repeat(5));
    expect(screen).toContain(`${rows(`user@agentos:~$ echo -e ${"abcdefghij".repeat(5)}`)}\n${out}\nuser@agentos:~$`);
    // Backspace across a row boundary.
    s.type("echo " + "x".repeat(14) + "\x7f".repeat(2) + "yz" + ENTER);
    await s.waitLine((l) => l === "x".repeat(12) + "yz");
  });

  it("completes commands and file names with Tab; a second Tab lists the choices", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    await vm.writeFiles([
      { path: "/home/user/proj/readme.md", content: "hello from readme\n" },
      { path: "/home/user/proj/src/a.js", content: "" },
      { path: "/home/user/proj/src/b.js", content: "" },
    ]);
    s.type(`ec\t"[$(ca\tproj/r\t)]"${ENTER}`);
    await s.waitLine((l) => l === "[hello from readme]");
    expect((await s.lines()).join("\n")).toContain(`user@agentos:~$ echo "[$(cat proj/readme.md )]"`);
    s.type(`ls proj/s\tb\t${ENTER}`);
    await s.waitLine((l) => l === "proj/src/b.js");
    s.type(`cat proj/src/\t\t`);
    await s.waitLine((l) => l.includes("a.js  b.js"));
    s.type(`\x15${ENTER}`);
    await s.prompts(4);
  });

  it("recalls history with Up and lists it with `history`", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`echo alpha${ENTER}`);
    await s.prompts(2);
    s.type(`echo beta${ENTER}`);
    await s.prompts(3);
    s.type(`${UP}${UP}${ENTER}`);
    await s.prompts(4);
    const lines = await s.lines();
    expect(lines.filter((l) => l === "alpha")).toHaveLength(2);
    s.type(`history${ENTER}`);
    await s.waitLine((l) => /^\s+4\s+history$/.test(l));
    expect(await s.text()).toMatch(/ {4}1 {2}echo alpha\n {4}2 {2}echo beta\n {4}3 {2}echo alpha\n/);
  });

  it("continues an incomplete command with PS2", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`for i in 1 2; do${ENTER}`);
    await s.waitLine((l) => l === ">");
    s.type(`echo n$i${ENTER}done${ENTER}`);
    await s.waitLine((l) => l === "n2");
    expect(await s.text()).toContain("> echo n$i\n> done\nn1\nn2");
  });

  it("^C sends SIGINT to the foreground program and the shell carries on", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`sleep 1000${ENTER}`);
    await new Promise((r) => setTimeout(r, 200));
    s.type("\x03");
    await s.prompts(2);
    s.type(`echo status=$?${ENTER}`);
    await s.waitLine((l) => l === "status=130");
    expect(await s.text()).toContain("user@agentos:~$ sleep 1000\n^C\nuser@agentos:~$ echo status=$?");
    // A builtin loop is interrupted too, and ^C at the prompt abandons the line.
    s.type(`while true; do :; done${ENTER}`);
    await new Promise((r) => setTimeout(r, 200));
    s.type("\x03");
    await s.prompts(4);
    s.type(`echo never\x03`);
    await s.prompts(5);
    expect(await s.text()).not.toContain("\nnever");
    expect(vm.allProcesses().filter((p) => p.command === "sleep" && p.status === "running")).toHaveLength(0);
    // Background jobs ignore the terminal's ^C and ^\ (no job control, as bash); ^\ ends a
    // foreground program.
    s.type(`sleep 1000 & sleep 2000${ENTER}`);
    const sleeping = (arg: string) => vm.allProcesses().some((p) => p.command === "sleep" && p.args[0] === arg && p.status === "running");
    const end = Date.now() + 5000;
    while (!sleeping("2000") && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    s.type("\x1c");
    await s.prompts(6);
    expect(sleeping("2000")).toBe(false);
    expect(sleeping("1000")).toBe(true);
    s.type(`sleep 3000${ENTER}`);
    while (!sleeping("3000") && Date.now() < end + 5000) await new Promise((r) => setTimeout(r, 10));
    s.type("\x03");
    await s.prompts(7);
    expect(sleeping("1000")).toBe(true);
    s.type(`kill %1; echo done${ENTER}`);
    await s.waitLine((l) => l === "done");
  });

  it("^C reaches a `read` or `wait`, survives `trap - INT`, and works after a program left the terminal raw", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`read x${ENTER}`);
    await new Promise((r) => setTimeout(r, 100));
    s.type("\x03");
    await s.prompts(2);
    s.type(`sleep 1000 & wait${ENTER}`);
    await new Promise((r) => setTimeout(r, 100));
    s.type("\x03");
    await s.prompts(3);
    s.type(`echo status=$?; trap 'echo trapped' INT; trap - INT${ENTER}`);
    await s.waitLine((l) => l === "status=130");
    await s.prompts(4);
    s.type("\x03");
    await s.prompts(5);
    s.type(`node -e 'process.stdin.setRawMode(true)'${ENTER}`);
    await s.prompts(6);
    s.type(`sleep 2000${ENTER}`);
    await new Promise((r) => setTimeout(r, 100));
    s.type("\x03");
    await s.prompts(7);
    const shell = vm.allProcesses().find((p) => p.command === "sh" && p.status === "running");
    expect(shell).toBeDefined();
    expect(vm.allProcesses().some((p) => p.command === "sleep" && p.args[0] === "2000" && p.status === "running")).toBe(false);
  });

  it("a shell that exits hangs up what it left running; a trap that kills it does not spin", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`sleep 1000 &${ENTER}`);
    const sleeping = () => vm.allProcesses().some((p) => p.command === "sleep" && p.status === "running");
    let end = Date.now() + 5000;
    while (!sleeping() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(sleeping()).toBe(true);
    s.type(`exit${ENTER}`);
    end = Date.now() + 5000;
    while (sleeping() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(sleeping()).toBe(false);
    const t = open();
    t.attach();
    await t.prompts(1);
    t.type(`trap 'kill $$' WINCH${ENTER}`);
    await t.prompts(2);
    const before = vm.allProcesses().filter((p) => p.command === "sh" && p.status === "running").length;
    vm.resizeShell(t.shellId, 100, 30);
    end = Date.now() + 5000;
    while (vm.allProcesses().filter((p) => p.command === "sh" && p.status === "running").length === before && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(vm.allProcesses().filter((p) => p.command === "sh" && p.status === "running").length).toBe(before - 1);
  });

  it("programs read lines in canonical mode, with the terminal's own editing", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`read a b; echo "[$a|$b]"${ENTER}`);
    await new Promise((r) => setTimeout(r, 100));
    s.type(`one twx\x7fo${ENTER}`);
    await s.waitLine((l) => l === "[one|two]");
    // ^D on an empty line is end of file for the reader.
    s.type(`cat; echo cat-done${ENTER}`);
    await new Promise((r) => setTimeout(r, 100));
    s.type(`line${ENTER}\x04`);
    await s.waitLine((l) => l === "cat-done");
    expect(await s.text()).toContain("line\nline\ncat-done");
  });

  it("^D on an empty prompt ends the shell", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    const before = vm.allProcesses().filter((p) => p.status === "running").length;
    s.type("\x04");
    await s.waitLine((l) => l.endsWith("exit"));
    await new Promise((r) => setTimeout(r, 50));
    expect(vm.allProcesses().filter((p) => p.status === "running").length).toBe(before - 1);
  });

  it("is a terminal to the programs on it: isatty, window size, SIGWINCH, ls in columns", async () => {
    const s = open({ cols: 100, rows: 30 });
    s.attach();
    await s.prompts(1);
    s.type(`[ -t 0 ] && [ -t 1 ] && echo tty-yes; echo $TERM $COLUMNS $LINES${ENTER}`);
    await s.waitLine((l) => l === "xterm-256color 100 30");
    expect(await s.lines()).toContain("tty-yes");
    s.type(`node -e 'const t=require("tty");console.log("node", t.isatty(1), process.stdout.isTTY, process.stdout.columns, process.stdout.rows)'${ENTER}`);
    await s.waitLine((l) => l === "node true true 100 30");
    s.type(`trap 'echo resized' WINCH${ENTER}`);
    await s.prompts(3);
    vm.resizeShell(s.shellId, 120, 40);
    s.term.resize(120, 40);
    await s.waitLine((l) => l === "resized");
    s.type(`node -p 'process.stdout.columns + "x" + process.stdout.rows'${ENTER}`);
    await s.waitLine((l) => l === "120x40");
    s.type(`echo $(tput cols) $COLUMNS $LINES${ENTER}`);
    await s.waitLine((l) => l === "120 120 40");
    s.type(`ls /${ENTER}`);
    await s.waitLine((l) => /^bin {2}dev {2}etc {2}home/.test(l));
    // Not on a terminal, the same programs see a pipe.
    const r = await vm.exec(`[ -t 1 ] || echo not-a-tty; ls / | head -2; node -p process.stdout.isTTY`);
    expect(r.stdout).toBe("not-a-tty\nbin\ndev\nfalse\n");
  });

  it("raw mode passes every key, ^C included, to the program", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    await vm.writeFile(
      "/home/user/keys.js",
      `process.stdin.setRawMode(true);
       process.stdout.write("ready\\r\\n"); // raw mode: no \\n → \\r\\n translation, as on Linux
       process.stdin.on("data", (d) => {
         process.stdout.write("got " + [...d].join(",") + "\\r\\n");
         if (d.includes(3)) { process.stdin.setRawMode(false); process.exit(0); }
       });`,
    );
    s.type(`node keys.js${ENTER}`);
    await s.waitLine((l) => l === "ready");
    s.type("a");
    await s.waitLine((l) => l === "got 97");
    s.type(UP);
    await s.waitLine((l) => l === "got 27,91,65");
    s.type("\x03");
    await s.waitLine((l) => l === "got 3");
    await s.prompts(2);
    // Back in cooked mode after the program: the shell works as before.
    s.type(`echo $?${ENTER}`);
    await s.waitLine((l) => l === "0");
  });

  it("guest node handles SIGINT and sees resize events", { timeout: 30_000 }, async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    await vm.writeFile(
      "/home/user/sig.js",
      `process.on("SIGINT", (name, n) => { console.log("caught", name, n); process.exit(7); });
       process.stdout.on("resize", () => console.log("resize", process.stdout.columns, process.stdout.rows));
       console.log("waiting");
       setInterval(() => {}, 1000);`,
    );
    s.type(`node sig.js${ENTER}`);
    await s.waitLine((l) => l === "waiting");
    vm.resizeShell(s.shellId, 90, 20);
    await s.waitLine((l) => l === "resize 90 20");
    s.type("\x03");
    // The terminal echoes ^C where the cursor is, as on Linux.
    await s.waitLine((l) => l === "^Ccaught SIGINT 2");
    await s.prompts(2);
    s.type(`echo $?${ENTER}`);
    await s.waitLine((l) => l === "7");
    // Without a handler SIGTERM still ends it; with one, stopProcess reaches the handler.
    const { pid } = vm.spawn("node", ["-e", `process.on("SIGTERM", () => { console.log("bye"); process.exit(3); }); setInterval(() => {}, 1000); console.log("up");`]);
    let out = "";
    vm.onProcessStdout(pid, (d) => (out += Buffer.from(d).toString()));
    const end = Date.now() + 10_000;
    while (!out.includes("up") && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    vm.stopProcess(pid);
    expect(await vm.waitProcess(pid)).toBe(3);
    expect(out).toBe("up\nbye\n");
  });

  it("never drops output: 100,000 lines arrive whole", async () => {
    const s = open();
    let raw = "";
    vm.onShellData(s.shellId, (d) => (raw += Buffer.from(d).toString()));
    s.type(`seq 1 100000; echo END${ENTER}`);
    const end = Date.now() + 30_000;
    while (!raw.includes("\r\nEND\r\n") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const lines = raw.split("\r\n");
    const start = lines.indexOf("1");
    expect(start).toBeGreaterThan(0);
    expect(lines.slice(start, start + 100_000)).toEqual(Array.from({ length: 100_000 }, (_, i) => String(i + 1)));
  });

  it("runs another program on the terminal, with env and cwd", async () => {
    const s = open({ command: "sh", args: ["-c", "pwd; echo $GREETING; [ -t 0 ] && echo tty"], env: { GREETING: "hey" }, cwd: "/tmp" });
    s.attach();
    await s.waitLine((l) => l === "tty");
    expect(await s.lines()).toEqual(["/tmp", "hey", "tty"]);
  });

  it("closeShell kills what runs on it; unknown shells are a clear error", async () => {
    const s = open();
    s.attach();
    await s.prompts(1);
    s.type(`sleep 1000 & sleep 2000${ENTER}`);
    const running = () => vm.allProcesses().filter((p) => p.command === "sleep" && p.status === "running").length;
    const end = Date.now() + 5000;
    while (running() < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(running()).toBe(2);
    vm.closeShell(s.shellId);
    await new Promise((r) => setTimeout(r, 50));
    expect(running()).toBe(0);
    for (const f of [() => vm.writeShell(s.shellId, "x"), () => vm.closeShell(s.shellId), () => vm.onShellData("shell-999", () => {}), () => vm.resizeShell("nope", 1, 1)]) {
      expect(f).toThrow(expect.objectContaining({ code: "ERR_AGENT_OS_UNKNOWN_SHELL" }));
    }
    const t = vm.openShell();
    expect(() => vm.resizeShell(t.shellId, 0, 10)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    vm.closeShell(t.shellId);
  });

  it("a disposed VM refuses new shells", async () => {
    const other = await AgentOs.create();
    const { shellId } = other.openShell();
    await other.dispose();
    expect(() => other.openShell()).toThrow(expect.objectContaining({ code: "ERR_AGENT_OS_DISPOSED" }));
    expect(() => other.writeShell(shellId, "x")).toThrow(expect.objectContaining({ code: "ERR_AGENT_OS_DISPOSED" }));
  });
});
