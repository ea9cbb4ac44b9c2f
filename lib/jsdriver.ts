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

const POSIX_CODE = /^E[A-Z0-9]+$/;

/**
 * The POSIX code a driver's error carries: its `code`, else its `name` (`"ENOENT"`), else the
 * prefix of its message (`"ENOENT: no such file"`), as the reference's drivers report them.
 */
function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null | undefined;
  for (const v of [e?.code, e?.name]) if (typeof v === "string" && POSIX_CODE.test(v)) return v;
  const m = typeof e?.message === "string" ? /^(E[A-Z0-9]+):/.exec(e.message) : null;
  return m?.[1];
}

/** Bytes a driver returned, as a `Uint8Array` (drivers over databases may give arrays). */
function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  if (typeof v === "string") return new TextEncoder().encode(v);
  return fail("EIO");
}

async function exists(fs: VirtualFileSystem, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (err) {
    if (errorCode(err) === "ENOENT") return false;
    throw err;
  }
}

function fail(code: string): never {
  throw Object.assign(new Error(code), { code });
}

/**
 * Run `positional` (the driver's `pwrite`/`truncate`); if the driver fails without a POSIX
 * code (a bug in it, not an answer), do the same with the whole file: read, change, write
 * back — how the reference kernel writes through every driver.
 */
async function positional(fs: VirtualFileSystem, p: string, op: () => Promise<unknown>, change: (old: Uint8Array) => Uint8Array): Promise<void> {
  try {
    await op();
  } catch (err) {
    if (errorCode(err) !== undefined) throw err;
    await fs.writeFile(p, change(bytes(await fs.readFile(p))));
  }
}

/** `old` with `data` written at `offset` (zero-filled up to it). */
function splice(old: Uint8Array, offset: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(old.length, offset + data.length));
  out.set(old);
  out.set(data, offset);
  return out;
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
      if (c.length == null && offset === 0) return { data: bytes(await fs.readFile(p)) };
      const length = c.length ?? Number.MAX_SAFE_INTEGER;
      const data = bytes(await fs.pread(p, offset, length));
      if (data.length < length && (await fs.stat(p)).size > offset + data.length) {
        // A short read before the end of the file: the driver's pread is wrong; read it whole.
        return { data: bytes(await fs.readFile(p)).subarray(offset, offset + length) };
      }
      return { data };
    }
    case "write": {
      const data = c.data ?? new Uint8Array();
      const present = await exists(fs, p);
      if (!present && !c.create) fail("ENOENT");
      if (present && c.exclusive) fail("EEXIST");
      if (c.how === "truncate" || !present) {
        const offset = c.how === "at" ? (c.offset ?? 0) : 0;
        await fs.writeFile(p, offset > 0 ? splice(new Uint8Array(0), offset, data) : data);
      } else {
        const offset = c.how === "append" ? (await fs.stat(p)).size : (c.offset ?? 0);
        await positional(fs, p, () => fs.pwrite(p, offset, data), (old) => splice(old, c.how === "append" ? old.length : offset, data));
      }
      return { size: (await fs.stat(p)).size };
    }
    case "truncate": {
      const length = c.length ?? 0;
      await positional(fs, p, () => fs.truncate(p, length), (old) => (old.length >= length ? old.subarray(0, length) : splice(old, length, new Uint8Array(0))));
      return {};
    }
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

/** Run one kernel operation on `fs`; a failure is its POSIX code (else `EIO`). */
export function runDriverCall(fs: VirtualFileSystem, call: DriverCall): Promise<DriverReply> {
  return Promise.resolve()
    .then(() => run(fs, call))
    .catch((err: unknown) => ({ error: errorCode(err) ?? "EIO" }));
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
