// System calls: the guest runtime's only way out of its isolate (ops in src/js/ops.rs).
// Errors arrive as AgentOsSystemError with Node's code/errno/syscall/path/dest.

const core = globalThis.Deno.core;
const ops = core.ops;

// Errors from ops: plain Errors carrying Node's properties.
core.registerErrorBuilder("AgentOsSystemError", (message) => new Error(message));

function fix(e) {
  if (e && typeof e === "object" && typeof e.errno === "string") e.errno = Number(e.errno);
  if (e && typeof e.stack === "string" && e.code) {
    // Node's system errors print as `Error: ENOENT: ...` and carry their code.
  }
  return e;
}

export function sys(name, args = {}) {
  try {
    return ops.op_sys(name, args);
  } catch (e) {
    throw fix(e);
  }
}

export async function sysAsync(name, args = {}) {
  try {
    return await ops.op_sys_async(name, args);
  } catch (e) {
    throw fix(e);
  }
}

export function readSync(fd, buf, position = -1) {
  try {
    return ops.op_fd_read(fd, buf, position == null ? -1 : Number(position));
  } catch (e) {
    throw fix(e);
  }
}

export async function readAsync(fd, max = 65536) {
  try {
    const b = await ops.op_fd_read_async(fd, max);
    return b == null ? null : b;
  } catch (e) {
    throw fix(e);
  }
}

export function writeSync(fd, data, position = -1) {
  try {
    return ops.op_fd_write(fd, data, position == null ? -1 : Number(position));
  } catch (e) {
    throw fix(e);
  }
}

export async function writeAsync(fd, data) {
  try {
    return await ops.op_fd_write_async(fd, data);
  } catch (e) {
    throw fix(e);
  }
}

export function readFileBytes(path) {
  try {
    return ops.op_read_file(path);
  } catch (e) {
    throw fix(e);
  }
}

export function writeFileBytes(path, data, flag = "w", mode = 0o666) {
  try {
    return ops.op_write_file(path, data, flag, mode);
  } catch (e) {
    throw fix(e);
  }
}

export function digest(alg, key, data) {
  try {
    return ops.op_digest(alg, key ?? null, data);
  } catch (e) {
    throw fix(e);
  }
}

export function randomFill(buf) {
  ops.op_random_fill(buf);
  return buf;
}

export function now() {
  return ops.op_now();
}

export function exit(code) {
  ops.op_exit(code | 0);
}

export { core };
