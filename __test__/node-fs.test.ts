// `fs` for guest JavaScript: the sync, callback and promise APIs, streams, FileHandle and Dir,
// with Node's error shapes. Scripts whose behaviour is the same in Node 20 and 22 are also run
// by the host's real Node (in a temp directory standing for /home/user) and the outputs compared;
// the rest assert exact output.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentOs } from "../index.js";
import { guestRunner, sameAsHost as sameAsHostWith } from "./helpers.js";

let vm: AgentOs;
beforeAll(async () => {
  vm = await AgentOs.create();
});
afterAll(async () => {
  await vm.dispose();
});

const guest = guestRunner(() => vm, "fs");
const sameAsHost = (src: string) => sameAsHostWith(guest, src);

// Prints an outcome: the value, or the error's Node properties. The cwd is shown as <cwd>.
const SHOW = `
const fs = require("fs");
const clean = (s) => String(s).split(process.cwd()).join("<cwd>");
const show = (label, f) => {
  try {
    const r = f();
    console.log(label, "ok", clean(typeof r === "object" && r !== null && !Buffer.isBuffer(r) ? JSON.stringify(r) : r));
  } catch (e) {
    console.log(label, "err", e.name, e.code, e.errno, e.syscall, clean(e.path), clean(e.dest), clean(e.message));
  }
};
`;

describe("fs: files", () => {
  it("readFile/writeFile/appendFile with encodings, flags and modes (as host node)", async () => {
    const out = await sameAsHost(`${SHOW}
fs.writeFileSync("a.txt", "hello");
fs.appendFileSync("a.txt", " world");
show("utf8", () => fs.readFileSync("a.txt", "utf8"));
show("hex", () => fs.readFileSync("a.txt").toString("hex"));
show("opts", () => fs.readFileSync("a.txt", { encoding: "base64", flag: "r" }));
show("latin1 write", () => (fs.writeFileSync("l.txt", "\\u00e9", "latin1"), fs.readFileSync("l.txt").length));
show("typed array", () => (fs.writeFileSync("u.bin", new Uint16Array([0x4141, 0x4242])), fs.readFileSync("u.bin", "ascii")));
show("wx exists", () => fs.writeFileSync("a.txt", "x", { flag: "wx" }));
show("ax new", () => (fs.writeFileSync("ax.txt", "1", { flag: "ax" }), fs.readFileSync("ax.txt", "utf8")));
show("a+ flag", () => (fs.writeFileSync("a.txt", "!", { flag: "a+" }), fs.readFileSync("a.txt", "utf8")));
show("r+ flag", () => (fs.writeFileSync("a.txt", "J", { flag: "r+" }), fs.readFileSync("a.txt", "utf8")));
show("r+ missing", () => fs.writeFileSync("missing.txt", "J", { flag: "r+" }));
show("mode", () => (fs.writeFileSync("m.txt", "", { mode: 0o600 }), (fs.statSync("m.txt").mode & 0o777).toString(8)));
show("missing", () => fs.readFileSync("nope"));
show("dir", () => fs.readFileSync("."));
show("write to dir", () => fs.writeFileSync(".", "x"));
show("nested missing", () => fs.writeFileSync("no/such/file", "x"));
show("bad data", () => fs.writeFileSync("x.txt", {}));
show("bad encoding", () => fs.readFileSync("a.txt", "nope"));
show("bad flag", () => fs.readFileSync("a.txt", { flag: "q" }));
show("bad path", () => fs.readFileSync({}));
show("null byte", () => fs.readFileSync("a\\0b"));
show("buffer path", () => fs.readFileSync(Buffer.from("a.txt"), "utf8"));
show("url path", () => fs.readFileSync(new URL("file://" + process.cwd() + "/a.txt"), "utf8"));
show("url scheme", () => fs.readFileSync(new URL("http://x/a")));
`);
    expect(out).toContain("utf8 ok hello world\n");
    expect(out).toContain("wx exists err Error EEXIST -17 open a.txt undefined EEXIST: file already exists, open 'a.txt'\n");
    expect(out).toContain("missing err Error ENOENT -2 open nope undefined ENOENT: no such file or directory, open 'nope'\n");
  });

  it("descriptors: open/read/write at positions, fstat, ftruncate, close (as host node)", async () => {
    await sameAsHost(`${SHOW}
fs.writeFileSync("f.txt", "0123456789");
const fd = fs.openSync("f.txt", "r+");
const buf = Buffer.alloc(4);
show("pread", () => [fs.readSync(fd, buf, 0, 4, 2), buf.toString()]);
show("read cur", () => [fs.readSync(fd, buf), buf.toString()]);
show("read cur 2", () => [fs.readSync(fd, buf, { offset: 1, length: 2 }), buf.toString()]);
show("pwrite str", () => [fs.writeSync(fd, "AB", 0), fs.readFileSync("f.txt", "utf8")]);
show("pwrite buf", () => [fs.writeSync(fd, Buffer.from("xyz"), 1, 2, 8), fs.readFileSync("f.txt", "utf8")]);
show("write cur", () => [fs.writeSync(fd, "++"), fs.readFileSync("f.txt", "utf8")]);
show("fstat", () => [fs.fstatSync(fd).size, fs.fstatSync(fd).isFile()]);
show("ftruncate", () => (fs.ftruncateSync(fd, 5), fs.readFileSync("f.txt", "utf8")));
show("readFile fd", () => { const b = Buffer.alloc(2); fs.readSync(fd, b, 0, 2, null); return fs.readFileSync(fd, "utf8"); });
show("readv", () => { const a = Buffer.alloc(2), b = Buffer.alloc(2); return [fs.readvSync(fd, [a, b], 0), a.toString() + b.toString()]; });
show("writev", () => [fs.writevSync(fd, [Buffer.from("a"), Buffer.from("b")], 0), fs.readFileSync("f.txt", "utf8")]);
show("close", () => fs.closeSync(fd));
show("close again", () => fs.closeSync(fd));
show("read closed", () => fs.readSync(fd, buf));
show("bad fd", () => fs.readSync(-1, buf));
show("offset range", () => fs.readSync(0, buf, 5, 1));
show("length range", () => fs.readSync(0, buf, 1, 9));
show("append fd", () => { const a = fs.openSync("f.txt", "a"); fs.writeSync(a, "END"); fs.closeSync(a); return fs.readFileSync("f.txt", "utf8"); });
show("wx open", () => fs.openSync("f.txt", "wx"));
show("open missing", () => fs.openSync("nope/x", "r"));
show("bad flags", () => fs.openSync("f.txt", "zz"));
show("numeric flags", () => { const w = fs.openSync("n.txt", fs.constants.O_CREAT | fs.constants.O_WRONLY); fs.writeSync(w, "num"); fs.closeSync(w); return fs.readFileSync("n.txt", "utf8"); });
`);
  });

  it("stat, lstat, symlinks, realpath, access, chmod, utimes, truncate (as host node)", async () => {
    await sameAsHost(`${SHOW}
fs.writeFileSync("a.txt", "hello");
fs.mkdirSync("d");
show("symlink", () => fs.symlinkSync("a.txt", "l"));
show("symlink exists", () => fs.symlinkSync("a.txt", "l"));
show("readlink", () => fs.readlinkSync("l"));
show("readlink buffer", () => fs.readlinkSync("l", "buffer").toString("hex"));
show("readlink file", () => fs.readlinkSync("a.txt"));
show("lstat", () => [fs.lstatSync("l").isSymbolicLink(), fs.lstatSync("l").isFile()]);
show("stat", () => { const s = fs.statSync("l"); return [s.isFile(), s.isDirectory(), s.isSymbolicLink(), s.size, s.nlink, s.mtime instanceof Date, s instanceof fs.Stats, typeof s.ino, typeof s.mtimeMs]; });
show("dir stat", () => { const s = fs.statSync("d"); return [s.isDirectory(), s.isFile(), (s.mode & 0o170000).toString(8)]; });
show("bigint", () => { const s = fs.statSync("a.txt", { bigint: true }); return [typeof s.size, typeof s.mtimeNs, s.size === 5n, s.isFile()]; });
show("dates", () => { const s = fs.statSync("a.txt"); return Math.abs(s.mtime.getTime() - s.mtimeMs) < 1; });
show("stat missing", () => fs.statSync("nope"));
show("stat notdir", () => fs.statSync("a.txt/x"));
show("throwIfNoEntry", () => String(fs.statSync("nope", { throwIfNoEntry: false })));
show("lstat throwIfNoEntry", () => String(fs.lstatSync("nope/x", { throwIfNoEntry: false })));
show("realpath", () => fs.realpathSync("l"));
show("realpath native", () => fs.realpathSync.native("./d/../l"));
show("realpath missing", () => fs.realpathSync("nope"));
show("access", () => fs.accessSync("a.txt", fs.constants.R_OK | fs.constants.W_OK));
show("access missing", () => fs.accessSync("nope"));
show("exists", () => [fs.existsSync("a.txt"), fs.existsSync("nope"), fs.existsSync(), fs.existsSync({})]);
show("chmod", () => (fs.chmodSync("a.txt", 0o600), (fs.statSync("a.txt").mode & 0o777).toString(8)));
show("chmod str", () => (fs.chmodSync("a.txt", "755"), (fs.statSync("a.txt").mode & 0o777).toString(8)));
show("chmod bad", () => fs.chmodSync("a.txt", "abc"));
show("chmod missing", () => fs.chmodSync("nope", 0o644));
show("fchmod", () => { const fd = fs.openSync("a.txt", "r"); fs.fchmodSync(fd, 0o640); fs.closeSync(fd); return (fs.statSync("a.txt").mode & 0o777).toString(8); });
show("utimes", () => (fs.utimesSync("a.txt", 1000, 2000.5), [fs.statSync("a.txt").atimeMs, fs.statSync("a.txt").mtimeMs]));
show("utimes date", () => (fs.utimesSync("a.txt", new Date(5000), new Date(6000)), fs.statSync("a.txt").mtime.toISOString()));
show("futimes", () => { const fd = fs.openSync("a.txt", "r"); fs.futimesSync(fd, 7, 8); fs.closeSync(fd); return fs.statSync("a.txt").mtimeMs; });
show("utimes missing", () => fs.utimesSync("nope", 1, 1));
show("truncate", () => (fs.truncateSync("a.txt", 3), fs.readFileSync("a.txt", "utf8")));
show("truncate grow", () => (fs.truncateSync("a.txt", 5), fs.readFileSync("a.txt")));
show("truncate missing", () => fs.truncateSync("nope"));
show("link", () => (fs.linkSync("a.txt", "hard"), [fs.readFileSync("hard", "utf8"), fs.statSync("a.txt").nlink]));
show("link missing", () => fs.linkSync("nope", "x"));
show("chown", () => fs.chownSync("a.txt", process.getuid(), process.getgid()));
show("chown missing", () => fs.chownSync("nope", 1, 1));
`);
  });
});

describe("fs: directories", () => {
  it("mkdir, readdir, rmdir, rm, unlink, rename, copyFile, mkdtemp (as host node)", async () => {
    await sameAsHost(`${SHOW}
show("mkdir -p", () => fs.mkdirSync("d/e/f", { recursive: true }));
show("mkdir -p again", () => fs.mkdirSync("d/e", { recursive: true }));
show("mkdir -p abs", () => fs.mkdirSync(process.cwd() + "/d/e/g/h", { recursive: true }));
show("mkdir exists", () => fs.mkdirSync("d"));
show("mkdir parent missing", () => fs.mkdirSync("x/y"));
fs.writeFileSync("file", "");
show("mkdir -p through file", () => fs.mkdirSync("file/x", { recursive: true }));
show("mkdir -p on file", () => fs.mkdirSync("file", { recursive: true }));
show("mkdir mode", () => (fs.mkdirSync("m", 0o700), (fs.statSync("m").mode & 0o777).toString(8)));
fs.writeFileSync("d/e/f/g.txt", "g");
fs.writeFileSync("d/x.txt", "x");
fs.symlinkSync("e", "d/link");
show("readdir", () => fs.readdirSync("d").sort());
show("readdir recursive", () => fs.readdirSync("d", { recursive: true }).sort());
show("readdir types", () => fs.readdirSync("d", { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1).map((d) => [d.name, d.isFile(), d.isDirectory(), d.isSymbolicLink(), d.parentPath === "d", d instanceof fs.Dirent]));
show("readdir types recursive", () => fs.readdirSync("d", { withFileTypes: true, recursive: true }).map((d) => d.parentPath + ":" + d.name).sort());
show("readdir buffer", () => fs.readdirSync("d", "buffer").map((b) => Buffer.isBuffer(b)).join());
show("readdir missing", () => fs.readdirSync("nope"));
show("readdir file", () => fs.readdirSync("file"));
show("rmdir nonempty", () => fs.rmdirSync("d"));
show("rmdir missing", () => fs.rmdirSync("nope"));
show("rmdir file", () => fs.rmdirSync("file"));
show("rm dir", () => fs.rmSync("d"));
show("rm missing", () => fs.rmSync("nope"));
show("rm force", () => fs.rmSync("nope", { force: true }));
show("rm bad opts", () => fs.rmSync("nope", { force: "yes" }));
show("unlink dir", () => fs.unlinkSync("d"));
show("unlink missing", () => fs.unlinkSync("nope"));
show("rename missing", () => fs.renameSync("nope", "x"));
show("rename", () => (fs.renameSync("file", "file2"), [fs.existsSync("file"), fs.existsSync("file2")]));
show("rename over", () => (fs.writeFileSync("o", "O"), fs.renameSync("o", "file2"), fs.readFileSync("file2", "utf8")));
show("copyFile", () => (fs.copyFileSync("file2", "copy"), fs.readFileSync("copy", "utf8")));
show("copyFile excl", () => fs.copyFileSync("file2", "copy", fs.constants.COPYFILE_EXCL));
show("copyFile missing", () => fs.copyFileSync("nope", "x"));
show("mkdtemp", () => /^tmp-[A-Za-z0-9]{6}$/.test(fs.mkdtempSync("tmp-")) && fs.statSync(fs.readdirSync(".").find((n) => n.startsWith("tmp-"))).isDirectory());
show("mkdtemp missing", () => fs.mkdtempSync("nope/x"));
show("rm -r", () => (fs.rmSync("d", { recursive: true }), fs.existsSync("d")));
show("rmdir empty", () => (fs.rmdirSync("m"), fs.existsSync("m")));
`);
  });

  it("umask on created files and directories; symlinks, renames and unlinks across types (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
fs.writeFileSync("f", "");
fs.mkdirSync("d");
fs.mkdirSync("p/q", { recursive: true });
fs.closeSync(fs.openSync("o", "w"));
fs.copyFileSync("f", "c");
console.log(["f", "d", "p", "p/q", "o", "c"].map((p) => (fs.statSync(p).mode & 0o777).toString(8)).join(" "));
fs.mkdirSync("d2/sub", { recursive: true });
fs.symlinkSync("d2", "ld");
fs.rmSync("ld");
console.log(fs.existsSync("d2/sub"), fs.existsSync("ld"));
fs.symlinkSync("d2", "ld2");
try { fs.rmdirSync("ld2"); } catch (e) { console.log(e.code, e.syscall, e.message); }
fs.writeFileSync("d2/sub/x", "");
fs.mkdirSync("e/sub2", { recursive: true });
try { fs.renameSync("e", "d2"); } catch (e) { console.log(e.code, e.message); }
try { fs.renameSync("f", "d2"); } catch (e) { console.log(e.code, e.message); }
try { fs.renameSync("d2", "f"); } catch (e) { console.log(e.code, e.message); }
fs.symlinkSync("nowhere", "broken");
console.log(fs.existsSync("broken"), fs.lstatSync("broken").isSymbolicLink());
try { fs.statSync("broken"); } catch (e) { console.log(e.code, e.message); }
console.log(fs.statSync("/dev/null").isCharacterDevice());

try { fs.accessSync("f", fs.constants.X_OK); } catch (e) { console.log(e.code, e.message); }
try { fs.unlinkSync("d2"); } catch (e) { console.log(e.code, e.message); }
try { fs.mkdirSync("/proc/x"); } catch (e) { console.log(e.code); }
`);
  });

  it("copyFile, symlink, readlink, rename edge cases and their errors (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
const show = (l, f) => { try { console.log(l, "ok", f()); } catch (e) { console.log(l, "err", e.code, e.errno, e.syscall, e.path, e.dest, e.message); } };
fs.mkdirSync("d/sub", { recursive: true });
fs.writeFileSync("f", "F");
show("copy to dir", () => fs.copyFileSync("f", "d"));
show("copy from dir", () => fs.copyFileSync("d", "g"));
show("copy into missing", () => fs.copyFileSync("f", "nope/g"));
show("rename into self", () => fs.renameSync("d", "d/sub/x"));
show("symlink into missing", () => fs.symlinkSync("f", "nope/l"));
show("link to dir", () => fs.linkSync("d", "dl"));
show("readlink missing", () => fs.readlinkSync("nope"));
show("rmdir file in path", () => fs.rmdirSync("f/x"));
show("open excl dir", () => fs.openSync("d", "wx"));
show("mkdir in file", () => fs.mkdirSync("f/x"));
show("readdir enc", () => fs.readdirSync("d", { encoding: "hex" }));

show("utimes str", () => (fs.utimesSync("f", "100", "200"), fs.statSync("f").mtimeMs));
show("ftruncate neg", () => { const fd = fs.openSync("f", "r+"); fs.ftruncateSync(fd, -5); fs.closeSync(fd); return fs.statSync("f").size; });
show("truncate dir", () => fs.truncateSync("d"));
show("write closed", () => fs.writeSync(99, "x"));
fs.writeFileSync("p", "P");
fs.chmodSync("p", 0o640);
fs.copyFileSync("p", "p2");
show("copy mode", () => (fs.statSync("p2").mode & 0o777).toString(8));
`);
  });

  it("creating entries in missing or non-directory parents (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
const show = (l, f) => { try { console.log(l, "ok", f()); } catch (e) { console.log(l, "err", e.code, e.errno, e.syscall, e.path, e.dest, e.message); } };
fs.writeFileSync("f", "F");
show("link into missing", () => fs.linkSync("f", "nope/h"));
show("rename into missing", () => fs.renameSync("f", "nope/g"));
show("rename through file", () => fs.renameSync("f", "f/g"));
show("open create in missing", () => fs.openSync("nope/x", "w"));
show("open create through file", () => fs.openSync("f/x", "w"));
show("writeFile append missing dir", () => fs.appendFileSync("nope/x", "a"));
show("mkdtemp in missing", () => fs.mkdtempSync("nope/t-"));
show("exists", () => fs.existsSync("nope"));
`);
  });

  it("cp (recursive, filter, errorOnExist) and its errors", async () => {
    const r = await guest(`${SHOW}
fs.mkdirSync("src/sub", { recursive: true });
fs.writeFileSync("src/a", "A");
fs.writeFileSync("src/sub/b", "B");
fs.symlinkSync("a", "src/link");
show("no recursive", () => fs.cpSync("src", "dst"));
show("recursive", () => (fs.cpSync("src", "dst", { recursive: true }), fs.readdirSync("dst", { recursive: true }).sort()));
show("content", () => [fs.readFileSync("dst/sub/b", "utf8"), fs.readlinkSync("dst/link")]);
show("filter", () => (fs.cpSync("src", "f", { recursive: true, filter: (s) => !s.endsWith("b") }), fs.readdirSync("f", { recursive: true }).sort()));
show("file into new dir", () => (fs.cpSync("src/a", "n/e/w/a"), fs.readFileSync("n/e/w/a", "utf8")));
show("no force", () => (fs.writeFileSync("x", "X"), fs.cpSync("src/a", "x", { force: false }), fs.readFileSync("x", "utf8")));
show("errorOnExist", () => fs.cpSync("src/a", "x", { force: false, errorOnExist: true }));
show("into itself", () => fs.cpSync("src", "src/sub/deeper", { recursive: true }));
show("missing", () => fs.cpSync("nope", "y"));
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        "no recursive err SystemError ERR_FS_EISDIR 22 cp src undefined Path is a directory: cp returned EISDIR (src is a directory (not copied)) src",
        'recursive ok ["a","link","sub","sub/b"]',
        'content ok ["B","<cwd>/src/a"]',
        'filter ok ["a","link"]',
        "file into new dir ok A",
        "no force ok X",
        "errorOnExist err SystemError ERR_FS_CP_EEXIST 17 cp x undefined Target already exists: cp returned EEXIST (x already exists) x",
        "into itself err SystemError ERR_FS_CP_EINVAL 22 cp src/sub/deeper undefined Invalid src or dest: cp returned EINVAL (cannot copy src to a subdirectory of self src/sub/deeper) src/sub/deeper",
        "missing err Error ENOENT -2 lstat nope undefined ENOENT: no such file or directory, lstat 'nope'",
        "",
      ].join("\n"),
    );
  });

  it("rm of a directory without recursive is ERR_FS_EISDIR, a SystemError", async () => {
    const r = await guest(`const fs = require("fs"); fs.mkdirSync("d");
try { fs.rmSync("d"); } catch (e) { console.log(e.name, e.code, e.errno, e.syscall, e.path, JSON.stringify(e.info)); console.log(e.message); console.log(e.stack.split("\\n")[0]); }`);
    expect(r.stdout).toBe(
      'SystemError ERR_FS_EISDIR 21 rm d {"code":"EISDIR","message":"is a directory","path":"d","syscall":"rm","errno":21}\n' +
        "Path is a directory: rm returned EISDIR (is a directory) d\n" +
        "SystemError [ERR_FS_EISDIR]: Path is a directory: rm returned EISDIR (is a directory) d\n",
    );
  });

  it("opendir: Dir with readSync, read, close and async iteration", async () => {
    const r = await guest(`const fs = require("fs");
fs.mkdirSync("d/sub", { recursive: true }); fs.writeFileSync("d/a", ""); fs.writeFileSync("d/b", "");
(async () => {
  const dir = fs.opendirSync("d");
  const names = [];
  let e;
  while ((e = dir.readSync())) names.push(e.name + (e.isDirectory() ? "/" : ""));
  dir.closeSync();
  console.log(dir.path, names.sort().join(","));
  try { dir.readSync(); } catch (err) { console.log(err.code, err.message); }
  const seen = [];
  for await (const ent of await fs.promises.opendir("d")) seen.push(ent.name);
  console.log(seen.sort().join(","));
  fs.opendir("d", (err, d) => d.read((err, ent) => { console.log(typeof ent.name); d.close(() => console.log("closed")); }));
})();`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("d a,b,sub/\nERR_DIR_CLOSED Directory handle was closed\na,b,sub\nstring\nclosed\n");
  });
});

describe("fs: callbacks and promises", () => {
  it("callbacks run on a later turn; system errors go to the callback, argument errors throw (as host node)", async () => {
    // One operation at a time: concurrent callbacks complete in the host's thread-pool order.
    await sameAsHost(`const fs = require("fs");
fs.writeFileSync("f.txt", "data");
const order = [];
fs.stat("f.txt", (err, s) => order.push("stat:" + err + ":" + s.size));
order.push("sync");
Promise.resolve().then(() => order.push("micro"));
const steps = [
  (next) => fs.readFile("f.txt", "utf8", (err, d) => next("readFile", err, d)),
  (next) => fs.readFile("nope", (err, d) => next("readFile err", err.code, err.message, d)),
  (next) => fs.exists("f.txt", (e) => next("exists", e)),
  (next) => fs.mkdir("m/n", { recursive: true }, (err, p) => next("mkdir", err, p)),
  (next) => fs.writeFile("w.txt", "W", (err) => next("writeFile", err, fs.readFileSync("w.txt", "utf8"))),
  (next) => fs.open("f.txt", "r", (err, fd) => {
    const b = Buffer.alloc(10);
    fs.read(fd, b, 0, 10, 0, (err, n, bb) => {
      console.log("read", err, n, bb === b, b.toString("utf8", 0, n));
      fs.close(fd, (err) => next("close", err));
    });
  }),
  (next) => fs.write(fs.openSync("x.txt", "w"), "str", (err, n, s) => next("write", err, n, s)),
  (next) => fs.readdir(".", (err, list) => next("readdir", err, list.includes("f.txt"))),
  (next) => fs.rm("nope", (err) => next("rm", err.code, err.syscall)),
  (next) => fs.unlink("w.txt", (err) => next("unlink", err, fs.existsSync("w.txt"))),
  (next) => fs.access("nope", (err) => next("access", err.code)),
];
const run = () => {
  const step = steps.shift();
  if (!step) return console.log(order.join(" "));
  step((...a) => { console.log(...a); run(); });
};
run();
for (const f of [() => fs.readFile("f.txt"), () => fs.stat(123, () => {}), () => fs.readFile({}, () => {}), () => fs.read(-1, Buffer.alloc(1), 0, 1, 0, () => {})]) {
  try { f(); } catch (e) { console.log("thrown", e.code, e.message); }
}
`);
  });

  it("fs/promises and FileHandle (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
const fsp = require("fs/promises");
(async () => {
  console.log(fsp === fs.promises, fsp.constants.R_OK);
  await fsp.writeFile("p.txt", "promised");
  await fsp.appendFile("p.txt", "!");
  console.log(await fsp.readFile("p.txt", "utf8"), (await fsp.stat("p.txt")).size);
  try { await fsp.readFile("nope"); } catch (e) { console.log(e.code, e.syscall, e.message); }
  try { await fsp.readFile(3); } catch (e) { console.log(e.code); }
  await fsp.mkdir("d/e", { recursive: true });
  console.log(await fsp.readdir("d"), (await fsp.readdir("d", { withFileTypes: true }))[0].isDirectory());
  await fsp.rm("d", { recursive: true });
  try { await fsp.rm("nope"); } catch (e) { console.log(e.code, e.syscall); }
  console.log(await fsp.access("p.txt"));
  await fsp.copyFile("p.txt", "q.txt");
  await fsp.rename("q.txt", "r.txt");
  await fsp.symlink("r.txt", "s");
  console.log(await fsp.readlink("s"), (await fsp.lstat("s")).isSymbolicLink());
  await fsp.unlink("s");
  const fh = await fsp.open("p.txt", "r+");
  console.log(typeof fh.fd);
  const r1 = await fh.read(Buffer.alloc(3), 0, 3, 0);
  console.log(r1.bytesRead, r1.buffer.toString());
  const r2 = await fh.read({ buffer: Buffer.alloc(2), position: 1 });
  console.log(r2.bytesRead, r2.buffer.toString());
  const w1 = await fh.write("ZZ", 0);
  console.log(w1.bytesWritten, w1.buffer);
  const w2 = await fh.write(Buffer.from("abc"), 1, 2, 4);
  console.log(w2.bytesWritten);
  console.log(await fh.readFile("utf8"), (await fh.stat()).size);
  await fh.truncate(4);
  await fh.close();
  console.log(fs.readFileSync("p.txt", "utf8"));
  try { await fh.stat(); } catch (e) { console.log(e.code, e.syscall); }
  const fh2 = await fsp.open("new.txt", "w");
  await fh2.writeFile("via handle");
  await fh2.close();
  console.log(await fsp.readFile("new.txt", "utf8"));
  const fh3 = await fsp.open("new.txt");
  console.log(await fh3.readFile({ encoding: "utf8" }));
  await fh3.close();
  console.log((await fsp.realpath(".")) === process.cwd());
})();
`);
  });
});

describe("fs: streams and watching", () => {
  it("createReadStream/createWriteStream: ranges, encodings, flags and events (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
(async () => {
  fs.writeFileSync("s.txt", "abcdefghijklmnopqrstuvwxyz");
  await new Promise((res) => {
    const rs = fs.createReadStream("s.txt", { start: 2, end: 5, encoding: "utf8" });
    const ev = [];
    rs.on("open", (fd) => ev.push("open:" + typeof fd));
    rs.on("ready", () => ev.push("ready"));
    rs.on("data", (d) => ev.push("data:" + d));
    rs.on("end", () => ev.push("end"));
    rs.on("close", () => { ev.push("close"); console.log(ev.join(" "), rs.bytesRead, rs.pending); res(); });
  });
  await new Promise((res) => {
    const rs = fs.createReadStream("s.txt", { highWaterMark: 10 });
    const chunks = [];
    rs.on("data", (d) => chunks.push(d.length));
    rs.on("close", () => { console.log("chunks", chunks.join(",")); res(); });
  });
  await new Promise((res) => {
    const rs = fs.createReadStream("nope");
    rs.on("error", (e) => console.log("rs error", e.code, e.syscall, e.message));
    rs.on("close", () => { console.log("rs closed"); res(); });
  });
  await new Promise((res) => {
    const ws = fs.createWriteStream("out.txt");
    const ev = [];
    ws.on("open", () => ev.push("open"));
    ws.on("ready", () => ev.push("ready"));
    ws.on("finish", () => ev.push("finish"));
    ws.on("close", () => { ev.push("close"); console.log(ev.join(" "), ws.bytesWritten, fs.readFileSync("out.txt", "utf8")); res(); });
    ws.write("hello ");
    ws.write(Buffer.from("world"));
    ws.end("!");
  });
  await new Promise((res) => {
    const ws = fs.createWriteStream("out.txt", { flags: "a" });
    ws.end("+more", () => { console.log("append", fs.readFileSync("out.txt", "utf8")); res(); });
  });
  await new Promise((res) => {
    const ws = fs.createWriteStream("out.txt", { flags: "r+", start: 1 });
    ws.end("EE");
    ws.on("close", () => { console.log("start", fs.readFileSync("out.txt", "utf8")); res(); });
  });
  await new Promise((res) => {
    fs.createReadStream("s.txt").pipe(fs.createWriteStream("copy.txt")).on("finish", () => { console.log("pipe", fs.readFileSync("copy.txt", "utf8")); res(); });
  });
  let all = "";
  for await (const c of fs.createReadStream("s.txt", { encoding: "utf8", highWaterMark: 7 })) all += c + "|";
  console.log("iter", all);
  try { fs.createReadStream("s.txt", { start: 5, end: 2 }); } catch (e) { console.log(e.code, e.message); }
  const ws = fs.createWriteStream("closed.txt");
  ws.write("x");
  ws.close(() => console.log("close cb", fs.readFileSync("closed.txt", "utf8")));
})();
`);
  });

  it("directory descriptors, destroy mid-stream, backpressure, pipeline, pause/resume (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
const { pipeline } = require("stream");
const show = (l, f) => { try { console.log(l, "ok", f()); } catch (e) { console.log(l, "err", e.code, e.syscall, e.message); } };
fs.mkdirSync("d");
show("open dir", () => typeof fs.openSync("d"));
const dfd = fs.openSync("d");
show("fstat dir", () => fs.fstatSync(dfd).isDirectory());
show("read dir fd", () => fs.readSync(dfd, Buffer.alloc(4)));
show("write dir", () => fs.openSync("d", "w"));
show("open dir r+", () => fs.openSync("d", "r+"));
show("readFile dir fd", () => fs.readFileSync(dfd));
fs.writeFileSync("big", Buffer.alloc(200000, 97));
const rs = fs.createReadStream("big");
let n = 0;
rs.on("data", (d) => { n += d.length; if (n >= 65536) rs.destroy(); });
rs.on("close", () => {
  console.log("destroyed after", n, rs.destroyed);
  const ws = fs.createWriteStream("w", { highWaterMark: 10 });
  console.log("write returns", ws.write("0123456789abc"));
  ws.on("drain", () => {
    console.log("drain");
    ws.end();
    pipeline(fs.createReadStream("big"), fs.createWriteStream("big2"), (err) => {
      console.log("pipeline", err, fs.statSync("big2").size);
      const r2 = fs.createReadStream("big", { highWaterMark: 1000, start: 10, end: 2009 });
      let got = 0, chunks = 0;
      r2.on("data", (d) => { got += d.length; chunks++; r2.pause(); setTimeout(() => r2.resume(), 1); });
      r2.on("end", () => console.log("paused/resumed", got, chunks));
    });
  });
});
`);
  });

  it("FileHandle.readLines, close event, iterable writeFile (as host node)", async () => {
    await sameAsHost(`const fs = require("fs");
(async () => {
  fs.writeFileSync("lines", "a\\nb\\r\\nc");
  const fh = await fs.promises.open("lines");
  const out = [];
  for await (const l of fh.readLines()) out.push(l);
  console.log(out);
  const fh2 = await fs.promises.open("lines");
  fh2.on("close", () => console.log("fh close event"));
  await fh2.close();
  const fh3 = await fs.promises.open("w3", "w");
  await fh3.writeFile(["x", "y"]);
  await fh3.close();
  console.log(fs.readFileSync("w3", "utf8"));
  await fs.promises.writeFile("w4", (async function* () { yield "p"; yield Buffer.from("q"); })());
  console.log(fs.readFileSync("w4", "utf8"));
  const s = await fs.promises.readFile("lines", { encoding: "base64" });
  console.log(s);
})();
`);
  });

  it("FileHandle streams, and a ReadStream over a descriptor", async () => {
    const r = await guest(`const fs = require("fs");
(async () => {
  fs.writeFileSync("s.txt", "0123456789");
  const fh = await fs.promises.open("s.txt");
  let s = "";
  for await (const c of fh.createReadStream({ start: 3, encoding: "utf8" })) s += c;
  console.log(s, fh.fd);
  const fd = fs.openSync("s.txt", "r");
  fs.createReadStream(null, { fd, end: 1 }).on("data", (d) => console.log(d.toString())).on("close", () => {
    try { fs.fstatSync(fd); } catch (e) { console.log("autoClosed", e.code); }
  });
})();`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("3456789 -1\n01\nautoClosed EBADF\n");
  });

  it("watch and watchFile poll with stat", async () => {
    const r = await guest(`const fs = require("fs");
fs.mkdirSync("w");
const w = fs.watch("w", (type, name) => { console.log("watch", type, name); w.close(); });
w.on("close", () => {
  fs.writeFileSync("f", "1");
  fs.watchFile("f", { interval: 20 }, (cur, prev) => {
    console.log("watchFile", prev.size, cur.size);
    fs.unwatchFile("f");
  });
  setTimeout(() => fs.writeFileSync("f", "222"), 50);
});
setTimeout(() => fs.writeFileSync("w/new", "x"), 20);`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("watch rename new\nwatchFile 1 3\n");
  });
});

describe("fs: promises.watch", () => {
  it("yields changes until its signal aborts, then throws AbortError", async () => {
    const r = await guest(`const fs = require("fs");
fs.mkdirSync("wd");
const ac = new AbortController();
(async () => {
  setTimeout(() => fs.writeFileSync("wd/a", "1"), 50);
  setTimeout(() => ac.abort(), 400);
  const seen = [];
  try {
    for await (const ev of fs.promises.watch("wd", { signal: ac.signal })) seen.push(ev.eventType + ":" + ev.filename);
    console.log("ended");
  } catch (e) {
    console.log(e.name, seen.join(" "));
  }
})();
`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("AbortError rename:a\n");
  });
});

describe("fs: pipes", () => {
  it("fs.read, fs.readFile and FileHandle reads of a pipe wait without blocking the event loop", async () => {
    const read = await vm.exec(
      `(sleep 1; echo x) | node -e "require('fs').read(0, Buffer.alloc(9), 0, 9, null, (e, n, b) => console.log('read', e, n, JSON.stringify(b.toString('utf8', 0, n)))); setTimeout(() => console.log('timer'), 100)"`,
    );
    expect(read.stdout).toBe('timer\nread null 2 "x\\n"\n');
    const whole = await vm.exec(
      `(sleep 0.5; echo hello) | node -e "require('fs').readFile('/dev/stdin', 'utf8', (e, d) => console.log('readFile', e, JSON.stringify(d))); setTimeout(() => console.log('timer'), 100)"`,
    );
    expect(whole.stdout).toBe('timer\nreadFile null "hello\\n"\n');
    const handle = await vm.exec(
      `(sleep 0.5; printf abc) | node -e "require('fs').promises.open('/dev/stdin').then(async (fh) => console.log((await fh.read()).bytesRead, await fh.readFile('utf8'))); setTimeout(() => console.log('timer'), 100)"`,
    );
    expect(handle.stdout).toBe("timer\n3 \n");
    const write = await vm.exec(`node -e "require('fs').write(1, 'via fs.write\\n', (e, n) => console.error(e, n))"`);
    expect(write).toMatchObject({ stdout: "via fs.write\n", stderr: "null 13\n" });
  });
});

describe("fs: Node 22 additions", () => {
  it("globSync/glob/promises.glob, openAsBlob, AbortSignal, lchmod on Linux", async () => {
    const r = await guest(`const fs = require("fs");
fs.mkdirSync("src/lib/deep", { recursive: true });
for (const f of ["src/a.js", "src/b.ts", "src/lib/c.js", "src/lib/deep/d.js", "src/.hidden.js", "README.md", "x.json", "y.json"]) fs.writeFileSync(f, "");
const show = (p, o) => console.log(JSON.stringify(p), JSON.stringify(fs.globSync(p, o).sort()));
show("**/*.js");
show("src/*.{js,ts}");
show("src/**");
show("src/lib/**/*.js");
show("[xz].json");
show(["*.md", "?.json"]);
show("**/*.js", { exclude: (p) => p.includes("deep") });
show("**/*.js", { cwd: "src/lib" });
show("src/.*.js");
(async () => {
  const a = [];
  for await (const f of fs.promises.glob("*.json")) a.push(f);
  console.log(a.sort().join());
  await new Promise((r) => fs.glob("*.md", (err, m) => r(console.log(err, m.join()))));
  const blob = await fs.openAsBlob("README.md", { type: "text/plain" });
  console.log(blob.size, blob.type, typeof fs.lchmod, typeof fs.lchmodSync);
  try { await fs.promises.lchmod("x.json", 0o600); } catch (e) { console.log(e.code, e.message); }
  const ac = new AbortController(); ac.abort();
  try { await fs.promises.readFile("x.json", { signal: ac.signal }); } catch (e) { console.log(e.name, e.code); }
  fs.readFile("x.json", { signal: ac.signal }, (e) => console.log("cb", e.name, e.code));
})();`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        '"**/*.js" ["src/a.js","src/lib/c.js","src/lib/deep/d.js","t.js"]',
        '"src/*.{js,ts}" ["src/a.js","src/b.ts"]',
        '"src/**" ["src","src/a.js","src/b.ts","src/lib","src/lib/c.js","src/lib/deep","src/lib/deep/d.js"]',
        '"src/lib/**/*.js" ["src/lib/c.js","src/lib/deep/d.js"]',
        '"[xz].json" ["x.json"]',
        '["*.md","?.json"] ["README.md","x.json","y.json"]',
        '"**/*.js" ["src/a.js","src/lib/c.js","t.js"]',
        '"**/*.js" ["c.js","deep/d.js"]',
        '"src/.*.js" ["src/.hidden.js"]',
        "x.json,y.json",
        "null README.md",
        "0 text/plain undefined undefined",
        "ERR_METHOD_NOT_IMPLEMENTED The lchmod() method is not implemented",
        "AbortError ABORT_ERR",
        "cb AbortError ABORT_ERR",
        "",
      ].join("\n"),
    );
  });
});

describe("fs: VM limits", () => {
  it("maxFsBytes is ENOSPC at write, maxOpenFiles is EMFILE at open, as Node reports them", async () => {
    const small = await AgentOs.create({ limits: { maxFsBytes: 100000, maxOpenFiles: 16 } });
    try {
      const r = await small.exec(`node -e '
const fs = require("fs");
try { fs.writeFileSync("big", Buffer.alloc(200000)); } catch (e) { console.log(e.code, e.errno, e.syscall, e.message); }
const fds = [];
try { for (let i = 0; i < 100; i++) fds.push(fs.openSync("/dev/null")); } catch (e) { console.log(fds.length > 0, e.code, e.errno, e.syscall, e.message); }
'`);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(
        "ENOSPC -28 write ENOSPC: no space left on device, write\ntrue EMFILE -24 open EMFILE: too many open files, open '/dev/null'\n",
      );
    } finally {
      await small.dispose();
    }
  });
});

describe("fs: module forms", () => {
  it("ESM named imports of node:fs and node:fs/promises", async () => {
    const r = await guest(
      `import { readFileSync, writeFileSync, constants, promises } from "node:fs";
import { readFile } from "node:fs/promises";
import fs from "fs";
writeFileSync("e.txt", "esm");
console.log(readFileSync("e.txt", "utf8"), await readFile("e.txt", "utf8"), constants.O_RDONLY, promises.readFile === readFile, fs.readFileSync === readFileSync);`,
      "mjs",
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("esm esm 0 true true\n");
  });

  it("files written by the guest are the VM's files", async () => {
    const r = await guest(`require("fs").writeFileSync("/home/user/shared.txt", "from guest")`);
    expect(r.exitCode).toBe(0);
    expect(new TextDecoder().decode(await vm.readFile("/home/user/shared.txt"))).toBe("from guest");
  });
});
