/**
 * A user-written `VirtualFileSystem` mounted into VMs: the kernel sends each operation here
 * (`DriverCall`), it is mapped onto the object's methods, and the answer goes back with
 * `jsDriverReply`. This is the slow path (a round trip to the JS thread per operation); the
 * package's own backends are native.
 */
import { createNativeJsDriver, jsDriverReply, type DriverCall, type DriverReply, type DriverStat, type NativeFs } from "./binding.js";
import type { VirtualFileSystem, VirtualStat } from "./index.js";

function statOf(s: VirtualStat): DriverStat {
  return {
    mode: s.mode,
    size: s.size,
    isDirectory: s.isDirectory,
    isSymbolicLink: s.isSymbolicLink,
    atimeMs: s.atimeMs,
    mtimeMs: s.mtimeMs,
    ctimeMs: s.ctimeMs,
    birthtimeMs: s.birthtimeMs,
    ino: s.ino,
    nlink: s.nlink,
    uid: s.uid,
    gid: s.gid,
  };
}

const join = (dir: string, name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`);

async function exists(fs: VirtualFileSystem, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (err) {
    if ((err as { code?: unknown })?.code === "ENOENT") return false;
    throw err;
  }
}

function fail(code: string): never {
  throw Object.assign(new Error(code), { code });
}

async function run(fs: VirtualFileSystem, c: DriverCall): Promise<DriverReply> {
  const p = c.path;
  switch (c.op) {
    case "stat":
      return { stat: statOf(await fs.stat(p)) };
    case "lstat":
      return { stat: statOf(await fs.lstat(p)) };
    case "realpath":
      return { text: await fs.realpath(p) };
    case "read": {
      const offset = c.offset ?? 0;
      const data = c.length == null && offset === 0 ? await fs.readFile(p) : await fs.pread(p, offset, c.length ?? Number.MAX_SAFE_INTEGER);
      return { data };
    }
    case "write": {
      const data = c.data ?? new Uint8Array();
      const present = await exists(fs, p);
      if (!present && !c.create) fail("ENOENT");
      if (present && c.exclusive) fail("EEXIST");
      if (c.how === "truncate" || !present) {
        if (c.how === "at" && (c.offset ?? 0) > 0) {
          await fs.writeFile(p, new Uint8Array(0));
          await fs.pwrite(p, c.offset ?? 0, data);
        } else {
          await fs.writeFile(p, data);
        }
      } else if (c.how === "append") {
        await fs.pwrite(p, (await fs.stat(p)).size, data);
      } else {
        await fs.pwrite(p, c.offset ?? 0, data);
      }
      return { size: (await fs.stat(p)).size };
    }
    case "truncate":
      await fs.truncate(p, c.length ?? 0);
      return {};
    case "readdir": {
      const names = await fs.readDir(p);
      const entries = [];
      for (const name of names) {
        if (name === "." || name === "..") continue;
        entries.push({ name, stat: statOf(await fs.lstat(join(p, name))) });
      }
      return { entries };
    }
    case "mkdir":
      if (await exists(fs, p)) fail("EEXIST");
      await fs.mkdir(p);
      return {};
    case "rmdir":
      if ((await fs.readDir(p)).some((n) => n !== "." && n !== "..")) fail("ENOTEMPTY");
      await fs.removeDir(p);
      return {};
    case "unlink":
      if ((await fs.lstat(p)).isDirectory) fail("EISDIR");
      await fs.removeFile(p);
      return {};
    case "rename":
      await fs.rename(p, c.path2 ?? p);
      return {};
    case "link":
      await fs.link(p, c.path2 ?? p);
      return {};
    case "symlink":
      await fs.symlink(c.path2 ?? "", p);
      return {};
    case "readlink":
      return { text: await fs.readlink(p) };
    case "chmod":
      await fs.chmod(p, c.mode ?? 0o644);
      return {};
    case "chown": {
      const s = c.uid == null || c.gid == null ? await fs.stat(p) : undefined;
      await fs.chown(p, c.uid ?? s!.uid, c.gid ?? s!.gid);
      return {};
    }
    case "utimes": {
      const s = c.atime == null || c.mtime == null ? await fs.stat(p) : undefined;
      await fs.utimes(p, c.atime ?? s!.atimeMs / 1000, c.mtime ?? s!.mtimeMs / 1000);
      return {};
    }
    default:
      return { error: "ENOSYS" };
  }
}

const POSIX_CODE = /^E[A-Z0-9]+$/;

/** Run one kernel operation on `fs`; a failure is its POSIX code (else `EIO`). */
export function runDriverCall(fs: VirtualFileSystem, call: DriverCall): Promise<DriverReply> {
  return Promise.resolve()
    .then(() => run(fs, call))
    .catch((err: unknown) => {
      const code = (err as { code?: unknown })?.code;
      return { error: typeof code === "string" && POSIX_CODE.test(code) ? code : "EIO" };
    });
}

/** The native handle that mounts `fs`. */
export function jsDriver(fs: VirtualFileSystem): NativeFs {
  return createNativeJsDriver((call) => {
    void runDriverCall(fs, call).then((r) => {
      try {
        jsDriverReply(call.driver, call.id, r);
      } catch {
        // A malformed answer (say, a stat with a string size): the operation fails instead.
        jsDriverReply(call.driver, call.id, { error: "EIO" });
      }
    });
  });
}
