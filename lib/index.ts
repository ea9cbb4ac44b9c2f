/**
 * `@rivet-dev/agentos-core`: an operating system for AI agents, inside your Node.js process.
 *
 * This file is the public facade over the napi binding (`binding.js`, generated from
 * `src/api/`). It presents the API of `@rivet-dev/agent-os-core` with its exact names and
 * shapes; `index.js` and `index.d.ts` are generated from it by `tsc` during `npm install`.
 */

import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import {
  NativeFs,
  NativeVm,
  createNativeHostDir,
  createNativeMemoryFs,
  nodeBuiltinModules,
  type KernelProcessInfo,
  type LimitsOptions,
  type NetworkDecision,
  type NetworkRequest,
  type NativeStartOptions,
  type ProcessEvent,
  type SessionStarted,
  type PermissionRequest as NativePermissionRequest,
} from "./binding.js";

import { jsDriver } from "./jsdriver.js";
import { binWrapper, processSoftware, type ProcessedSoftware, type SoftwareInput } from "./software.js";
import {
  SessionState,
  type AgentInfo,
  type AgentRegistryEntry,
  type CreateSessionOptions,
  type JsonRpcNotification,
  type JsonRpcResponse,
  type PermissionReply,
  type PermissionRequest,
  type PromptResult,
  type SequencedEvent,
  type SessionConfigOption,
  type SessionInfo,
  type SessionModes,
} from "./sessions.js";
import { CronManager, type CronEventHandler, type CronJob, type CronJobInfo, type CronJobOptions, type ScheduleDriver } from "./cron.js";
import { AgentOsSidecar, adoptFacade, isSidecar, nativeHost, startSidecar, type NativeHost } from "./sidecar.js";

export { defineSoftware } from "./software.js";
export { TimerScheduleDriver } from "./cron.js";
export { AgentOsSidecar } from "./sidecar.js";
export type { SidecarDescription, SidecarExitInfo } from "./sidecar.js";
export type {
  CronAction,
  CronClock,
  CronEvent,
  CronEventHandler,
  CronJob,
  CronJobInfo,
  CronJobOptions,
  ScheduleDriver,
  ScheduleEntry,
  ScheduleHandle,
} from "./cron.js";
export type {
  AgentSoftwareDescriptor,
  InstructionsKernel,
  SoftwareContext,
  SoftwareDescriptor,
  SoftwareInput,
  ToolSoftwareDescriptor,
} from "./software.js";
export type {
  AgentInfo,
  AgentRegistryEntry,
  CreateSessionOptions,
  JsonRpcNotification,
  JsonRpcResponse,
  McpServerConfig,
  PermissionReply,
  PermissionRequest,
  PromptResult,
  SequencedEvent,
  SessionConfigOption,
  SessionInfo,
  SessionModes,
} from "./sessions.js";

/** An error from the VM's kernel (`ENOENT`, `EACCES`, ...) or from the API (`ERR_AGENT_OS_*`). */
export class KernelError extends Error {
  /** Stable error code: a POSIX name such as `"ENOENT"`, or `"ERR_AGENT_OS_DISPOSED"`. */
  code: string;
  /** Negative POSIX error number, for kernel errors. */
  errno?: number;
  /** The operation that failed (`open`, `mkdir`, ...), for kernel errors. */
  syscall?: string;
  /** The path the error is about. */
  path?: string;
  /** The second path of a two-path operation (`rename`, `link`). */
  dest?: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message.startsWith(`${code}:`) ? message : `${code}: ${message}`, options);
    this.code = code;
  }

  override get name(): string {
    return "KernelError";
  }
}

/** Give an error from the binding the `KernelError` prototype (it already has `code`). */
function asKernelError(err: unknown): unknown {
  if (err instanceof Error && typeof (err as { code?: unknown }).code === "string" && !(err instanceof KernelError)) {
    Object.setPrototypeOf(err, KernelError.prototype);
  }
  return err;
}

async function call<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw asKernelError(err);
  }
}

/** `call` for a binding method that may also throw before it returns its promise. */
async function callAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw asKernelError(err);
  }
}

function callSync<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw asKernelError(err);
  }
}

/** Metadata of a file, directory or symlink. */
export interface VirtualStat {
  /** `st_mode`: file type bits and permission bits. */
  mode: number;
  size: number;
  isDirectory: boolean;
  isSymbolicLink: boolean;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  ino: number;
  nlink: number;
  uid: number;
  gid: number;
}

/** An entry of `readDirWithTypes`. */
export interface VirtualDirEntry {
  name: string;
  isDirectory: boolean;
  isSymbolicLink?: boolean;
  ino?: number;
}

/** An entry of `readDirStat`. */
export interface VirtualDirStatEntry extends VirtualDirEntry {
  stat: VirtualStat;
}

/**
 * A filesystem that can be mounted into a VM. Paths are relative to the filesystem's own
 * root. `createInMemoryFileSystem()` returns a native one (no JS round trips when mounted).
 */
export interface VirtualFileSystem {
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  readDir(path: string): Promise<string[]>;
  readDirWithTypes(path: string): Promise<VirtualDirEntry[]>;
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  createDir(path: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  exists(path: string): Promise<boolean>;
  stat(path: string): Promise<VirtualStat>;
  removeFile(path: string): Promise<void>;
  removeDir(path: string): Promise<void>;
  rename(oldPath: string, newPath: string): Promise<void>;
  realpath(path: string): Promise<string>;
  symlink(target: string, linkPath: string): Promise<void>;
  readlink(path: string): Promise<string>;
  lstat(path: string): Promise<VirtualStat>;
  link(oldPath: string, newPath: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  utimes(path: string, atime: number, mtime: number): Promise<void>;
  truncate(path: string, length: number): Promise<void>;
  /** Read a range from a file without loading the entire file into memory. */
  pread(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** Write data at a specific offset without replacing the entire file. */
  pwrite(path: string, offset: number, data: Uint8Array): Promise<void>;
  fsync?(path: string): Promise<void>;
  copy?(srcPath: string, dstPath: string): Promise<void>;
  readDirStat?(path: string): Promise<VirtualDirStatEntry[]>;
}

/** Resource limits of a VM. Every field is optional; the defaults are listed per field. */
export interface Limits {
  /** Heap of one guest JavaScript process, in MiB. Default 128. */
  memoryMb?: number;
  /** CPU time of one guest process, in ms. Default: unbounded. */
  cpuTimeMs?: number;
  /** Processes alive at once in the VM. Default 256. */
  maxProcesses?: number;
  /** Open file descriptors per process. Default 1024. */
  maxOpenFiles?: number;
  /** Bytes of output kept per process stream for late listeners. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Size of one file, in bytes. Default 512 MiB. */
  maxFileBytes?: number;
  /** Total bytes of all files in the VM's own filesystem. Default 1 GiB. */
  maxFsBytes?: number;
  /** Bytes buffered in one pipe before writers wait. Default 64 KiB. */
  maxPipeBytes?: number;
}

/** A filesystem mounted at `path` when the VM boots. */
export type MountConfig =
  | { path: string; driver: VirtualFileSystem; readOnly?: boolean }
  | { path: string; plugin: { id: "host_dir"; config: { hostPath: string } }; readOnly?: boolean }
  | {
      path: string;
      plugin: {
        id: "s3";
        config: {
          bucket: string;
          prefix?: string;
          region?: string;
          endpoint?: string;
          credentials?: { accessKeyId: string; secretAccessKey: string };
        };
      };
      readOnly?: boolean;
    }
  | { path: string; plugin: { id: "memory" }; readOnly?: boolean };

/** Which sidecar hosts a VM. */
export type SidecarPlacement = { kind: "shared"; pool?: string } | { kind: "explicit"; handle: AgentOsSidecar };

/** Options of `AgentOs.create()`. Unknown keys are rejected with `ERR_AGENT_OS_INVALID_OPTIONS`. */
export interface AgentOsOptions {
  /**
   * Software packages (agents, tools; see `defineSoftware`). Their `requires` packages are
   * resolved on the host and mounted read-only at `/root/node_modules/<name>`, with
   * `<moduleAccessCwd>/node_modules` mounted read-only at `/root/node_modules` beneath them so
   * their dependencies resolve; their bins are put in `/usr/local/bin`. Default: none (and
   * then nothing of the host's `node_modules` is visible).
   */
  software?: SoftwareInput[];
  /** Filesystems to mount at boot. */
  mounts?: MountConfig[];
  /**
   * Permission policy, asked for what guests do (never for the host's own API calls). Defaults:
   * network egress denied; filesystem, processes and environment inside the VM allowed. A
   * denial is `EACCES` in the guest, with the check's `reason` in the message. `fs` and `env`
   * decisions are cached per VM (per operation and path, per variable and value), so a check
   * must be a pure function of its request; `childProcess` is asked for every process a guest
   * starts; `env` filters each new process's environment (`op: "read"`).
   */
  permissions?: Permissions;
  /**
   * The Node builtins guest JavaScript may load, as in agentOS: `undefined` allows all of them,
   * `[]` none, a list exactly those (a name also allows its subpaths: `"fs"` allows
   * `"fs/promises"`). `require` or `import` of any other throws an `Error` with code
   * `ERR_ACCESS_DENIED` in the guest. It gates modules; the `permissions` checks gate what
   * they do. Applies to every `node` process in the VM, agents' included.
   */
  allowedNodeBuiltins?: string[];
  /** Ports of the host's loopback guests may reach (exempt from the private-address rule). */
  loopbackExemptPorts?: number[];
  /**
   * Credential injection (ours): headers the host adds to guests' HTTP requests to matching
   * hosts, so secrets never enter the VM. Applies to `http` and `https` (TLS is terminated on
   * the host). Guest-sent headers of the same names are replaced.
   */
  egress?: EgressRule[];
  /** Appended to `/etc/agentos/instructions.md`, which agents put in their system prompts. */
  additionalInstructions?: string;
  /** Host directory whose `node_modules` software packages' dependencies resolve from. Default `process.cwd()`. */
  moduleAccessCwd?: string;
  /**
   * Which sidecar hosts the VM. Default: the process-global shared sidecar, in this process.
   * `{ kind: "explicit", handle }` puts it in a sidecar process from `AgentOs.createSidecar()`.
   */
  sidecar?: SidecarPlacement;
  /**
   * Decides when cron jobs fire. Default: a `TimerScheduleDriver` on the real clock (timers
   * `unref`'d). `new TimerScheduleDriver(clock)` with a fake `CronClock` moves time by hand.
   */
  scheduleDriver?: ScheduleDriver;
  /** Resource limits. */
  limits?: Limits;
}

/** A permission decision. */
export interface PermissionDecision {
  allow: boolean;
  reason?: string;
}

/** What `permissions.network` is asked. */
export interface NetworkAccessRequest {
  op: "fetch" | "http" | "dns" | "listen" | "connect";
  url?: string;
  method?: string;
  hostname?: string;
  /** The port, for `connect` and `listen` (ours). */
  port?: number;
}

/** Permission checks; each is synchronous and runs on the host's JS thread. */
export interface Permissions {
  /** Called for every connection out of the VM (`connect`), name resolution (`dns`) and guest listen (`listen`). */
  network?: (request: NetworkAccessRequest) => PermissionDecision;
  fs?: (request: { op: string; path: string }) => PermissionDecision;
  childProcess?: (request: { command: string; args: string[]; cwd?: string; env?: Record<string, string> }) => PermissionDecision;
  env?: (request: { op: "read" | "write"; key: string; value?: string }) => PermissionDecision;
}

/**
 * Headers the host adds to guests' HTTP requests to `host` (`*.example.com` matches subdomains).
 * Without `port` a rule applies to TLS connections only (`https`, `fetch("https://…")`), so a
 * secret never travels in clear unless the rule names the port. Only requests whose `Host`
 * (and absolute target) name the connected host get the headers; on TLS connections the host
 * verifies the server as `host` whatever the guest asks. A request whose body framing is
 * ambiguous (`Content-Length` with `Transfer-Encoding`, conflicting lengths) closes the
 * connection.
 */
export interface EgressRule {
  host: string;
  port?: number;
  headers: Record<string, string>;
}

/** Options of `exec`. */
/** `openShell`'s options. */
export interface OpenShellOptions {
  /** Program to run on the terminal (default `sh`). */
  command?: string;
  args?: string[];
  /** Variables added to the environment (`TERM=xterm-256color`, and `COLUMNS`/`LINES` when sizes are given). */
  env?: Record<string, string>;
  /** Working directory (default `/home/user`). */
  cwd?: string;
  /** Terminal width (default 80). */
  cols?: number;
  /** Terminal height (default 24). */
  rows?: number;
}

export interface ExecOptions {
  /** Environment variables added to the VM's base environment. */
  env?: Record<string, string>;
  /** Working directory (default `/home/user`). */
  cwd?: string;
  /** Standard input; end of file follows. */
  stdin?: string | Uint8Array;
  /** Milliseconds before the process is killed and `exec` rejects with `ETIMEDOUT`. */
  timeout?: number;
  /** Called with each chunk of standard output, in order. */
  onStdout?: (data: Uint8Array) => void;
  /** Called with each chunk of standard error, in order. */
  onStderr?: (data: Uint8Array) => void;
}

/** Options of `spawn`. */
export interface SpawnOptions extends ExecOptions {
  /** Accepted for compatibility: standard input is always a stream `writeProcessStdin` feeds. */
  streamStdin?: boolean;
}

/** What `exec` resolves to. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A process started through `spawn`/`exec`. */
export interface SpawnedProcessInfo {
  pid: number;
  command: string;
  args: string[];
  running: boolean;
  exitCode: number | null;
}

/** A process of the VM's kernel table. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  driver: string;
  command: string;
  args: string[];
  cwd: string;
  status: "running" | "stopped" | "exited";
  exitCode: number | null;
  startTime: number;
  exitTime: number | null;
}

/** A process with its children. */
export interface ProcessTreeNode extends ProcessInfo {
  children: ProcessTreeNode[];
}

type OutputHandler = (data: Uint8Array) => void;

interface Listener {
  fn: OutputHandler;
  /** Chunks at or below this sequence number were already replayed to it. */
  after: number;
}

interface Tracked {
  stdout: Set<Listener>;
  stderr: Set<Listener>;
  exit: Set<(code: number) => void>;
  done?: () => void;
  exited: boolean;
}

const SIGTERM = 15;
const SIGKILL = 9;

/** An entry of `readdirRecursive`. */
export interface DirEntry {
  /** Absolute path of the entry. */
  path: string;
  type: "file" | "directory" | "symlink";
  size: number;
}

/** Options of `readdirRecursive`. */
export interface ReaddirRecursiveOptions {
  /** Deepest level to descend to (0: only the directory's own entries). */
  maxDepth?: number;
  /** Entry names to skip, at any depth. */
  exclude?: string[];
}

/** An entry of `writeFiles`. */
export interface BatchWriteEntry {
  path: string;
  content: string | Uint8Array;
}

/** The result of one file of `writeFiles`. */
export interface BatchWriteResult {
  path: string;
  success: boolean;
  error?: string;
}

/** The result of one file of `readFiles`. */
export interface BatchReadResult {
  path: string;
  content: Uint8Array | null;
  error?: string;
}

function invalidOptions(message: string): KernelError {
  return new KernelError("ERR_AGENT_OS_INVALID_OPTIONS", message);
}

const SUPPORTED_OPTIONS = new Set([
  "mounts",
  "limits",
  "sidecar",
  "permissions",
  "allowedNodeBuiltins",
  "loopbackExemptPorts",
  "egress",
  "software",
  "additionalInstructions",
  "moduleAccessCwd",
  "scheduleDriver",
]);
/** Options of the reference API that this build does not implement yet. */
const NOT_YET_SUPPORTED = new Set([
  "rootFilesystem",
  "toolKits",
]);
/** Options that are fine when they ask for nothing. */
const EMPTY_IS_FINE = new Set(["toolKits"]);
const LIMIT_KEYS = new Set([
  "memoryMb",
  "cpuTimeMs",
  "maxProcesses",
  "maxOpenFiles",
  "maxOutputBytes",
  "maxFileBytes",
  "maxFsBytes",
  "maxPipeBytes",
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A builtin's name without `node:`. */
const bareBuiltin = (name: string) => name.replace(/^node:/, "");

function validateOptions(options: unknown): void {
  if (options === undefined) return;
  if (!isObject(options)) throw invalidOptions("AgentOs.create() options must be an object");
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || SUPPORTED_OPTIONS.has(key)) continue;
    if (NOT_YET_SUPPORTED.has(key)) {
      if (EMPTY_IS_FINE.has(key) && Array.isArray(value) && value.length === 0) continue;
      throw invalidOptions(`option \`${key}\` is not supported yet by @rivet-dev/agentos-core`);
    }
    throw invalidOptions(`unknown option \`${key}\` passed to AgentOs.create()`);
  }
  const { limits, sidecar, mounts, permissions, allowedNodeBuiltins, loopbackExemptPorts, egress, software, additionalInstructions, moduleAccessCwd } = options;
  if (software !== undefined && !Array.isArray(software)) throw invalidOptions("option `software` must be an array of software descriptors");
  if (additionalInstructions !== undefined && typeof additionalInstructions !== "string") {
    throw invalidOptions("option `additionalInstructions` must be a string");
  }
  if (moduleAccessCwd !== undefined && typeof moduleAccessCwd !== "string") throw invalidOptions("option `moduleAccessCwd` must be a string");
  if (permissions !== undefined) {
    if (!isObject(permissions)) throw invalidOptions("option `permissions` must be an object");
    for (const [key, value] of Object.entries(permissions)) {
      if (value === undefined) continue;
      if (key === "network" || key === "fs" || key === "childProcess" || key === "env") {
        if (typeof value !== "function") throw invalidOptions(`permissions.${key} must be a function`);
      } else {
        throw invalidOptions(`unknown permission scope \`permissions.${key}\``);
      }
    }
  }
  if (allowedNodeBuiltins !== undefined) {
    if (!Array.isArray(allowedNodeBuiltins)) throw invalidOptions("option `allowedNodeBuiltins` must be an array of builtin module names");
    const known = new Set(nodeBuiltinModules());
    for (const name of allowedNodeBuiltins) {
      if (typeof name !== "string" || !known.has(bareBuiltin(name))) {
        throw invalidOptions(`allowedNodeBuiltins: ${JSON.stringify(name)} is not a Node builtin module of the VM`);
      }
    }
  }
  if (loopbackExemptPorts !== undefined) {
    if (!Array.isArray(loopbackExemptPorts) || !loopbackExemptPorts.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)) {
      throw invalidOptions("option `loopbackExemptPorts` must be an array of port numbers (1-65535)");
    }
  }
  if (egress !== undefined) {
    if (!Array.isArray(egress)) throw invalidOptions("option `egress` must be an array of { host, headers } rules");
    egress.forEach((r, i) => {
      if (!isObject(r) || typeof r.host !== "string" || r.host === "" || !isObject(r.headers)) {
        throw invalidOptions(`egress[${i}] must be { host: string, port?: number, headers: Record<string, string> }`);
      }
      if (r.port !== undefined && !(Number.isInteger(r.port) && (r.port as number) >= 1 && (r.port as number) <= 65535)) {
        throw invalidOptions(`egress[${i}].port must be a port number`);
      }
      for (const [k, v] of Object.entries(r.headers)) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || typeof v !== "string" || /[\r\n\0]/.test(v)) {
          throw invalidOptions(`egress[${i}].headers: invalid header ${JSON.stringify(k)}`);
        }
      }
    });
  }
  if (limits !== undefined) {
    if (!isObject(limits)) throw invalidOptions("option `limits` must be an object");
    for (const [key, value] of Object.entries(limits)) {
      if (!LIMIT_KEYS.has(key)) throw invalidOptions(`unknown limit \`limits.${key}\``);
      if (value !== undefined && typeof value !== "number") {
        throw invalidOptions(`limits.${key} must be a number`);
      }
    }
  }
  const scheduleDriver = (options as { scheduleDriver?: unknown }).scheduleDriver;
  if (scheduleDriver !== undefined) {
    const d = scheduleDriver as Record<string, unknown>;
    if (typeof d !== "object" || d === null || typeof d.schedule !== "function" || typeof d.cancel !== "function" || typeof d.dispose !== "function") {
      throw invalidOptions("option `scheduleDriver` must have schedule(), cancel() and dispose() methods");
    }
  }
  if (sidecar !== undefined) {
    if (!isObject(sidecar) || (sidecar.kind !== "shared" && sidecar.kind !== "explicit")) {
      throw invalidOptions('option `sidecar` must be { kind: "shared" } or { kind: "explicit", handle }');
    }
    if (sidecar.kind === "explicit" && !isSidecar(sidecar.handle)) {
      throw invalidOptions('option `sidecar: { kind: "explicit", handle }` needs a handle from AgentOs.createSidecar()');
    }
    if (sidecar.pool !== undefined && sidecar.pool !== "default") {
      throw invalidOptions("option `sidecar.pool` (named pools) is not supported yet; omit it to use the default pool");
    }
  }
  if (mounts !== undefined) {
    if (!Array.isArray(mounts)) throw invalidOptions("option `mounts` must be an array");
    mounts.forEach((m, i) => validateMount(m, i));
  }
}

function validateMount(m: unknown, i: number): void {
  const where = `mounts[${i}]`;
  if (!isObject(m) || typeof m.path !== "string") throw invalidOptions(`${where} must be an object with a string \`path\``);
  if (m.readOnly !== undefined && typeof m.readOnly !== "boolean") throw invalidOptions(`${where}.readOnly must be a boolean`);
  if ("driver" in m) {
    if (!(m.driver instanceof NativeFileSystem) && !isDriverObject(m.driver)) {
      throw invalidOptions(`${where}.driver must implement VirtualFileSystem (readFile, writeFile, stat, lstat, readDir, ...)`);
    }
    return;
  }
  if ("plugin" in m) {
    const plugin = m.plugin;
    if (!isObject(plugin) || typeof plugin.id !== "string") throw invalidOptions(`${where}.plugin must be { id, config }`);
    if (plugin.id === "memory") return;
    if (plugin.id === "host_dir") {
      const config = plugin.config;
      if (!isObject(config) || typeof config.hostPath !== "string") throw invalidOptions(`${where}.plugin.config must be { hostPath: string }`);
      return;
    }
    if (plugin.id === "s3") {
      const config = plugin.config;
      if (!isObject(config) || typeof config.bucket !== "string" || config.bucket === "") {
        throw invalidOptions(`${where}.plugin.config must be { bucket: string, prefix?, region?, endpoint?, credentials? }`);
      }
      for (const k of ["prefix", "region", "endpoint"] as const) {
        if (config[k] !== undefined && typeof config[k] !== "string") throw invalidOptions(`${where}.plugin.config.${k} must be a string`);
      }
      const c = config.credentials;
      if (c !== undefined && (!isObject(c) || typeof c.accessKeyId !== "string" || typeof c.secretAccessKey !== "string")) {
        throw invalidOptions(`${where}.plugin.config.credentials must be { accessKeyId: string, secretAccessKey: string }`);
      }
      return;
    }
    throw invalidOptions(`${where}: unknown mount plugin \`${plugin.id}\` (known: memory, host_dir, s3)`);
  }
  if ("filesystem" in m) throw invalidOptions(`${where}: overlay mounts (\`filesystem\`) are not supported yet`);
  throw invalidOptions(`${where} needs a \`driver\` or a \`plugin\``);
}

function driverPath(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}

/**
 * A native filesystem implementing `VirtualFileSystem` (in memory, or a host directory): the
 * kernel reaches it without JS round trips when it is mounted.
 */
export class NativeFileSystem implements VirtualFileSystem {
  /** @internal */
  readonly native: NativeFs;

  /** @internal */
  constructor(native: NativeFs) {
    this.native = native;
  }

  readFile(path: string): Promise<Uint8Array> {
    return call(this.native.readFile(driverPath(path)));
  }
  async readTextFile(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readFile(path));
  }
  readDir(path: string): Promise<string[]> {
    return call(this.native.readDir(driverPath(path)));
  }
  async readDirWithTypes(path: string): Promise<VirtualDirEntry[]> {
    const entries = await this.readDirStat(path);
    return entries.map(({ name, isDirectory, isSymbolicLink, ino }) => ({ name, isDirectory, isSymbolicLink, ino }));
  }
  async readDirStat(path: string): Promise<VirtualDirStatEntry[]> {
    const entries = await call(this.native.readDirStat(driverPath(path)));
    return entries.map((e) => ({
      name: e.name,
      isDirectory: e.stat.isDirectory,
      isSymbolicLink: e.stat.isSymbolicLink,
      ino: e.stat.ino,
      stat: e.stat,
    }));
  }
  writeFile(path: string, content: string | Uint8Array): Promise<void> {
    return call(this.native.writeFile(driverPath(path), content));
  }
  createDir(path: string): Promise<void> {
    return call(this.native.mkdir(driverPath(path), false));
  }
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return call(this.native.mkdir(driverPath(path), options?.recursive ?? false));
  }
  exists(path: string): Promise<boolean> {
    return call(this.native.exists(driverPath(path)));
  }
  stat(path: string): Promise<VirtualStat> {
    return call(this.native.stat(driverPath(path)));
  }
  lstat(path: string): Promise<VirtualStat> {
    return call(this.native.lstat(driverPath(path)));
  }
  removeFile(path: string): Promise<void> {
    return call(this.native.removeFile(driverPath(path)));
  }
  removeDir(path: string): Promise<void> {
    return call(this.native.removeDir(driverPath(path)));
  }
  rename(oldPath: string, newPath: string): Promise<void> {
    return call(this.native.rename(driverPath(oldPath), driverPath(newPath)));
  }
  realpath(path: string): Promise<string> {
    return call(this.native.realpath(driverPath(path)));
  }
  symlink(target: string, linkPath: string): Promise<void> {
    return call(this.native.symlink(target, driverPath(linkPath)));
  }
  readlink(path: string): Promise<string> {
    return call(this.native.readlink(driverPath(path)));
  }
  link(oldPath: string, newPath: string): Promise<void> {
    return call(this.native.link(driverPath(oldPath), driverPath(newPath)));
  }
  chmod(path: string, mode: number): Promise<void> {
    return call(this.native.chmod(driverPath(path), mode));
  }
  chown(path: string, uid: number, gid: number): Promise<void> {
    return call(this.native.chown(driverPath(path), uid, gid));
  }
  utimes(path: string, atime: number, mtime: number): Promise<void> {
    return call(this.native.utimes(driverPath(path), atime, mtime));
  }
  truncate(path: string, length: number): Promise<void> {
    return call(this.native.truncate(driverPath(path), length));
  }
  pread(path: string, offset: number, length: number): Promise<Uint8Array> {
    return call(this.native.pread(driverPath(path), offset, length));
  }
  pwrite(path: string, offset: number, data: Uint8Array): Promise<void> {
    return call(this.native.pwrite(driverPath(path), offset, data));
  }
}

/**
 * A native in-memory filesystem. Mount it with `vm.mountFs(path, fs)` or a `{ path, driver }`
 * mount; one instance may be mounted in several VMs and they share its files.
 */
export class InMemoryFileSystem extends NativeFileSystem {
  constructor() {
    super(createNativeMemoryFs());
  }
}

/** A new, empty in-memory filesystem, native-backed: mounting it costs no JS round trips. */
export function createInMemoryFileSystem(): InMemoryFileSystem {
  return new InMemoryFileSystem();
}

/**
 * A host directory as a filesystem, confined to it: paths are walked one component at a time
 * from the directory with no symlink followed on the host (a host symlink is resolved inside
 * the VM), so `..`, symlinks pointing out and swapped directories never reach outside. With
 * `readOnly`, every write is `EROFS`. Throws `ENOENT`/`ENOTDIR` if `hostPath` is not a directory.
 */
export function createHostDirBackend(options: { hostPath: string; readOnly?: boolean }): NativeFileSystem {
  return new NativeFileSystem(callSync(() => createNativeHostDir(options.hostPath, options.readOnly ?? false)));
}

/** A read-only mount of the host's `hostPath` (a `node_modules` directory) at `/root/node_modules`. */
export function nodeModulesMount(hostPath: string): MountConfig {
  return { path: "/root/node_modules", driver: createHostDirBackend({ hostPath, readOnly: true }), readOnly: true };
}

/** Whether `d` looks like a user-written `VirtualFileSystem` (the methods the kernel calls). */
function isDriverObject(d: unknown): d is VirtualFileSystem {
  if (!isObject(d)) return false;
  const o = d as Record<string, unknown>;
  return ["readFile", "writeFile", "stat", "lstat", "readDir", "mkdir", "removeFile", "removeDir", "rename"].every((k) => typeof o[k] === "function");
}

/** The native handle to mount for a driver: ours directly, a user's object through the JS bridge. */
function nativeOf(driver: VirtualFileSystem): NativeFs {
  return driver instanceof NativeFileSystem ? driver.native : jsDriver(driver);
}

/** The filesystem of a mount; plugins are made by `host` (in the VM's sidecar). */
function mountDriver(m: MountConfig, host: NativeHost): NativeFileSystem {
  if ("driver" in m) return m.driver instanceof NativeFileSystem ? m.driver : new NativeFileSystem(nativeOf(m.driver));
  const readOnly = m.readOnly ?? false;
  if (m.plugin.id === "host_dir") {
    const { hostPath } = m.plugin.config;
    return new NativeFileSystem(callSync(() => host.createHostDir(hostPath, readOnly)));
  }
  if (m.plugin.id === "s3") {
    const { bucket, prefix, region, endpoint, credentials } = m.plugin.config;
    const config = { bucket, prefix, region, endpoint, accessKeyId: credentials?.accessKeyId, secretAccessKey: credentials?.secretAccessKey };
    return new NativeFileSystem(callSync(() => host.createS3(config, readOnly)));
  }
  return new NativeFileSystem(callSync(() => host.createMemoryFs()));
}


/** The user's network check, made total: a throw, a promise or a malformed answer denies. */
/** Run a user's permission check: a throw, a promise or a malformed answer denies. */
function decide<R>(scope: string, check: (r: R) => PermissionDecision, request: R): NetworkDecision {
  try {
    const d = check(request) as unknown;
    if (d && typeof (d as { then?: unknown }).then === "function") {
      return { allow: false, reason: `permissions.${scope} must return its decision synchronously` };
    }
    if (!isObject(d) || typeof d.allow !== "boolean") {
      return { allow: false, reason: `permissions.${scope} returned no { allow } decision` };
    }
    return { allow: d.allow, reason: d.reason == null ? undefined : String(d.reason) };
  } catch (err) {
    return { allow: false, reason: `permissions.${scope} threw: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function networkCheck(check: NonNullable<Permissions["network"]>): (r: NetworkRequest) => NetworkDecision {
  return (r) => {
    const request: NetworkAccessRequest = { op: r.op as NetworkAccessRequest["op"] };
    if (r.hostname != null) request.hostname = r.hostname;
    if (r.port != null) request.port = r.port;
    return decide("network", check, request);
  };
}

/** The `fs`, `childProcess` and `env` checks in the shapes API.md gives them. */
function configurePermissions(vm: NativeVm, p: Permissions): void {
  const { fs, childProcess, env } = p;
  if (!fs && !childProcess && !env) return;
  callSync(() =>
    vm.configurePermissions(
      fs && ((r: NativePermissionRequest) => decide("fs", fs, { op: r.op, path: r.path ?? "" })),
      childProcess &&
        ((r: NativePermissionRequest) =>
          decide("childProcess", childProcess, { command: r.command ?? "", args: r.args ?? [], cwd: r.cwd ?? undefined, env: r.env ?? undefined })),
      env &&
        ((r: NativePermissionRequest) =>
          decide("env", env, { op: r.op as "read" | "write", key: r.key ?? "", value: r.value ?? undefined })),
    ),
  );
}

function spawnedInfo(p: { pid: number; command: string; args: string[]; running: boolean; exitCode?: number | null }): SpawnedProcessInfo {
  return { pid: p.pid, command: p.command, args: p.args, running: p.running, exitCode: p.exitCode ?? null };
}

function processInfo(p: KernelProcessInfo): ProcessInfo {
  return {
    pid: p.pid,
    ppid: p.ppid,
    pgid: p.pgid,
    sid: p.sid,
    driver: p.driver,
    command: p.command,
    args: p.args,
    cwd: p.cwd,
    status: p.status as ProcessInfo["status"],
    exitCode: p.exitCode ?? null,
    startTime: p.startTime,
    exitTime: p.exitTime ?? null,
  };
}

/** No software: shared by every VM created without it (never mutated). */
const NO_SOFTWARE: ProcessedSoftware = { roots: [], agents: new Map(), bins: new Map() };

/** An interactive shell, as the facade tracks it. */
interface ShellState {
  id: number;
  handlers: Set<(data: Uint8Array) => void>;
  /** Output that arrived while no handler was attached. */
  pending: Uint8Array[];
  /** Whether the terminal's output is being delivered (then the VM's events keep Node alive). */
  listening: boolean;
  /** Its terminal closed (every program on it exited). */
  ended: boolean;
  closed: boolean;
}

/** A VM's agent sessions, as the facade tracks them. */
interface AgentState {
  sessions: Map<string, SessionState>;
  byHandle: Map<number, SessionState>;
  /** Session events that arrived before `createSession` learned their handle. */
  early: Map<number, { seq: number; json: string }[]>;
  /** `createSession` calls in flight (only then are events of unknown handles kept). */
  starting: number;
}

/**
 * A VM: a Linux-like machine with its own filesystem, living inside this Node.js process as a
 * tenant of the process-global sidecar. It holds no thread and no isolate while idle.
 */
export class AgentOs {
  #vm: NativeVm;
  #fs: NativeFs;
  #procs?: Map<number, Tracked>;
  #shells?: Map<string, ShellState>;
  #running = 0;
  #software: ProcessedSoftware = NO_SOFTWARE;
  /** Session bookkeeping, made on first use: an idle VM object stays small. */
  #agentState?: AgentState;

  private constructor(vm: NativeVm) {
    this.#vm = vm;
    this.#fs = vm.filesystem();
  }

  /**
   * Boot a VM. Costs microseconds: the root tree is shared copy-on-write with every other VM.
   * Rejects with `ERR_AGENT_OS_INVALID_OPTIONS` for unknown or unsupported options.
   */
  static async create(options?: AgentOsOptions): Promise<AgentOs> {
    validateOptions(options);
    const placement = options?.sidecar;
    const host = callSync(() => nativeHost(placement?.kind === "explicit" ? placement.handle : undefined));
    const vm = callSync(() => host.createVm(options?.limits as LimitsOptions | undefined));
    const os = new AgentOs(vm);
    adoptFacade(vm, os);
    os.#scheduleDriver = options?.scheduleDriver;
    try {
      const network = options?.permissions?.network;
      if (network || options?.loopbackExemptPorts?.length || options?.egress?.length) {
        callSync(() =>
          vm.configureNetwork(
            {
              loopbackExemptPorts: options?.loopbackExemptPorts,
              egress: options?.egress?.map((r) => ({ host: r.host, port: r.port, headers: { ...r.headers } })),
            },
            network ? networkCheck(network) : undefined,
          ),
        );
      }
      if (options?.permissions) configurePermissions(vm, options.permissions);
      const builtins = options?.allowedNodeBuiltins;
      if (builtins) callSync(() => vm.setAllowedNodeBuiltins(builtins.map(bareBuiltin)));
      for (const m of options?.mounts ?? []) {
        const driver = mountDriver(m, host);
        callSync(() => vm.mount(m.path, driver.native, m.readOnly ?? false));
      }
      if (options?.additionalInstructions) {
        const text = options.additionalInstructions;
        callSync(() => vm.setAdditionalInstructions(text));
      }
      if (options?.software?.length) {
        os.#software = processSoftware(options.software, invalidOptions);
        await os.#installSoftware(options.moduleAccessCwd ?? process.cwd(), host);
      }
    } catch (err) {
      vm.dispose();
      throw err;
    }
    return os;
  }

  /**
   * Start a dedicated OS process hosting VMs created with `sidecar: { kind: "explicit", handle }`
   * (VMs without it stay in this process). `sidecarId` names it (default: a random id).
   * Resolves once the process is ready.
   */
  static async createSidecar(options?: { sidecarId?: string }): Promise<AgentOsSidecar> {
    return startSidecar(options);
  }

  /** Tear down this VM only, releasing its state (open sessions' agents are killed). Idempotent. */
  async dispose(): Promise<void> {
    this.#cronManager?.dispose();
    this.#cronDisposed = true;
    this.#vm.dispose();
    for (const s of this.#agentState?.sessions.values() ?? []) s.drop();
    this.#agentState = undefined;
  }

  /** Read a whole file. */
  readFile(path: string): Promise<Uint8Array> {
    return call(this.#fs.readFile(path));
  }

  /** Create or replace a file, creating missing parent directories. */
  writeFile(path: string, content: string | Uint8Array): Promise<void> {
    return call(this.#fs.writeFile(path, content));
  }

  /** Read several files; a failed read gives `content: null` and its `error`. */
  async readFiles(paths: string[]): Promise<BatchReadResult[]> {
    const results = await call(this.#fs.readFiles(paths));
    return results.map((r) =>
      r.error === undefined || r.error === null ? { path: r.path, content: r.content ?? null } : { path: r.path, content: null, error: r.error },
    );
  }

  /** Write several files, creating parents; each result says whether it was written. */
  async writeFiles(entries: BatchWriteEntry[]): Promise<BatchWriteResult[]> {
    const results = await call(this.#fs.writeFiles(entries));
    return results.map((r) => (r.success ? { path: r.path, success: true } : { path: r.path, success: false, error: r.error ?? undefined }));
  }

  /** Create a directory; with `recursive`, its missing parents too. */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return call(this.#fs.mkdir(path, options?.recursive ?? false));
  }

  /** Entry names of a directory, without `.` and `..`. */
  readdir(path: string): Promise<string[]> {
    return call(this.#fs.readDir(path));
  }

  /** Every entry below a directory, breadth first; symlinks are listed, not followed. */
  readdirRecursive(path: string, options?: ReaddirRecursiveOptions): Promise<DirEntry[]> {
    return call(this.#fs.readdirRecursive(path, options?.maxDepth, options?.exclude)) as Promise<DirEntry[]>;
  }

  /** Metadata of a path (following symlinks). */
  stat(path: string): Promise<VirtualStat> {
    return call(this.#fs.stat(path));
  }

  /** Whether a path exists (following symlinks). */
  exists(path: string): Promise<boolean> {
    return call(this.#fs.exists(path));
  }

  /** Move a file or directory (across mounts too). */
  move(from: string, to: string): Promise<void> {
    return call(this.#fs.move(from, to));
  }

  /** Delete a file or an empty directory; with `recursive`, a directory and its content. */
  delete(path: string, options?: { recursive?: boolean }): Promise<void> {
    return call(this.#fs.remove(path, options?.recursive ?? false));
  }

  /** Mount a filesystem at `path` (created if missing). Throws `EBUSY` if something is mounted there. */
  mountFs(path: string, driver: VirtualFileSystem, options?: { readOnly?: boolean }): void {
    if (!(driver instanceof NativeFileSystem) && !isDriverObject(driver)) {
      throw new KernelError("ERR_AGENT_OS_INVALID_OPTIONS", "mountFs: the driver must implement VirtualFileSystem (readFile, writeFile, stat, lstat, readDir, ...)");
    }
    const native = nativeOf(driver);
    callSync(() => this.#vm.mount(path, native, options?.readOnly ?? false));
  }

  // ---- processes -------------------------------------------------------------------------

  #tracked(): Map<number, Tracked> {
    if (!this.#procs) {
      // The channel must not keep this object alive: hold it weakly, so a VM that is dropped
      // without dispose() can still be collected.
      const self = new WeakRef(this);
      const vm = this.#vm;
      callSync(() =>
        vm.setEventHandler((events) => {
          const os = self.deref();
          if (os) os.#dispatch(events);
        }),
      );
      this.#procs = new Map();
    }
    return this.#procs;
  }

  #track(pid: number, onStdout?: OutputHandler, onStderr?: OutputHandler): Tracked {
    const t: Tracked = { stdout: new Set(), stderr: new Set(), exit: new Set(), exited: false };
    if (onStdout) t.stdout.add({ fn: onStdout, after: 0 });
    if (onStderr) t.stderr.add({ fn: onStderr, after: 0 });
    this.#tracked().set(pid, t);
    if (this.#running++ === 0) this.#vm.setEventsRef(true);
    return t;
  }

  #dispatch(events: ProcessEvent[]): void {
    for (const ev of events) {
      if (ev.kind === "session") {
        this.#sessionEvent(ev.pid, ev.seq ?? 0, ev.json ?? "{}");
        continue;
      }
      if (ev.kind === "shell") {
        this.#shellOutput(ev.pid, ev.data!);
        continue;
      }
      const t = this.#procs?.get(ev.pid);
      if (!t) continue;
      if (ev.kind === "exit") {
        t.exited = true;
        if (--this.#running === 0) this.#vm.setEventsRef(false);
        for (const h of [...t.exit]) h(ev.exitCode ?? 0);
        t.exit.clear();
        t.done?.();
        continue;
      }
      const set = ev.kind === "stdout" ? t.stdout : t.stderr;
      const seq = ev.seq ?? 0;
      for (const l of [...set]) if (seq > l.after) l.fn(ev.data!);
    }
  }

  #startOptions(options: ExecOptions | undefined): NativeStartOptions {
    return {
      env: options?.env,
      cwd: options?.cwd,
      stdin: options?.stdin,
      streamStdout: options?.onStdout !== undefined,
      streamStderr: options?.onStderr !== undefined,
    };
  }

  /**
   * Run `command` with the VM's shell (`sh -c`) in `cwd` (default `/home/user`) and collect its
   * output. A non-zero exit code is a result, not an error. With `timeout`, the process is killed
   * when it fires and the promise rejects with `ETIMEDOUT`.
   */
  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const streaming = options?.onStdout !== undefined || options?.onStderr !== undefined;
    if (streaming) this.#tracked();
    const pid = callSync(() => this.#vm.execStart(command, this.#startOptions(options)));
    let exited: Promise<void> | undefined;
    if (streaming) {
      const t = this.#track(pid, options?.onStdout, options?.onStderr);
      exited = new Promise((resolve) => (t.done = resolve));
    }
    try {
      const result = await call(this.#vm.execFinish(pid, options?.timeout));
      // Every output event reaches the handlers before exec resolves.
      if (exited) await exited;
      return result;
    } finally {
      if (streaming) this.#procs?.delete(pid);
    }
  }

  /**
   * Start `command` with `args` (found on `PATH`) and return its pid at once. Output is kept in
   * a bounded buffer and replayed to handlers attached later.
   */
  spawn(command: string, args: string[] = [], options?: SpawnOptions): { pid: number } {
    this.#tracked();
    const pid = callSync(() => this.#vm.spawn(command, args, this.#startOptions(options)));
    this.#track(pid, options?.onStdout, options?.onStderr);
    return { pid };
  }

  /** Write to a process's standard input. Throws `ESRCH` for an unknown pid. */
  writeProcessStdin(pid: number, data: string | Uint8Array): void {
    callSync(() => this.#vm.writeStdin(pid, data));
  }

  /** Close a process's standard input (it sees end of file). */
  closeProcessStdin(pid: number): void {
    callSync(() => this.#vm.closeStdin(pid));
  }

  #listen(pid: number, stream: "stdout" | "stderr", handler: OutputHandler): () => void {
    const replay = callSync(() => this.#vm.subscribe(pid, stream));
    let t = this.#tracked().get(pid);
    if (!t) {
      t = { stdout: new Set(), stderr: new Set(), exit: new Set(), exited: true };
      this.#tracked().set(pid, t);
    }
    const listener: Listener = { fn: handler, after: replay.seq };
    for (const chunk of replay.chunks) handler(chunk);
    const set = stream === "stdout" ? t.stdout : t.stderr;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Receive a process's standard output, starting with what it printed before. */
  onProcessStdout(pid: number, handler: (data: Uint8Array) => void): () => void {
    return this.#listen(pid, "stdout", handler);
  }

  /** Receive a process's standard error, starting with what it printed before. */
  onProcessStderr(pid: number, handler: (data: Uint8Array) => void): () => void {
    return this.#listen(pid, "stderr", handler);
  }

  /** Be told a process's exit code (at once, if it already exited). */
  onProcessExit(pid: number, handler: (exitCode: number) => void): () => void {
    const info = this.getProcess(pid);
    const t = this.#tracked().get(pid);
    if (!info.running || !t || t.exited) {
      handler(info.exitCode ?? 0);
      return () => {};
    }
    t.exit.add(handler);
    return () => {
      t.exit.delete(handler);
    };
  }

  /** Resolve with a process's exit code (128 + n if signal n ended it). */
  waitProcess(pid: number): Promise<number> {
    this.getProcess(pid);
    return call(this.#vm.wait(pid));
  }

  /** Processes started through `spawn`/`exec`. */
  listProcesses(): SpawnedProcessInfo[] {
    return callSync(() => this.#vm.listProcesses()).map(spawnedInfo);
  }

  /** Every process of the VM's kernel. */
  allProcesses(): ProcessInfo[] {
    return callSync(() => this.#vm.allProcesses()).map(processInfo);
  }

  /** The kernel's processes as a tree, by parent. */
  processTree(): ProcessTreeNode[] {
    const nodes = new Map<number, ProcessTreeNode>();
    for (const p of this.allProcesses()) nodes.set(p.pid, { ...p, children: [] });
    const roots: ProcessTreeNode[] = [];
    for (const n of nodes.values()) {
      const parent = nodes.get(n.ppid);
      if (parent) parent.children.push(n);
      else roots.push(n);
    }
    return roots;
  }

  /** A process started through `spawn`/`exec`. Throws `ESRCH` for an unknown pid. */
  getProcess(pid: number): SpawnedProcessInfo {
    return spawnedInfo(callSync(() => this.#vm.getProcess(pid)));
  }

  /** Send SIGTERM to a process (and its process group). No effect once it exited. */
  stopProcess(pid: number): void {
    callSync(() => this.#vm.signal(pid, SIGTERM));
  }

  /** Send SIGKILL to a process (and its process group). No effect once it exited. */
  killProcess(pid: number): void {
    callSync(() => this.#vm.signal(pid, SIGKILL));
  }

  /**
   * Send `request` over HTTP/1.1 to the server listening on `port` inside the VM and resolve
   * with its `Response` (the body streams). Waits up to 2 s for a server that is about to
   * listen; rejects with `ECONNREFUSED` when none does.
   */
  async fetch(port: number, request: Request): Promise<Response> {
    const url = new URL(request.url);
    const headers: string[][] = [];
    let hasHost = false;
    request.headers.forEach((value, name) => {
      if (name === "host") hasHost = true;
      headers.push([name, value]);
    });
    if (!hasHost) headers.unshift(["host", url.host || `localhost:${port}`]);
    const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    const vm = this.#vm;
    const signal = request.signal;
    signal.throwIfAborted();
    const pending = call(vm.fetch(port, { method: request.method, target: `${url.pathname}${url.search}`, headers, body }));
    // An abort rejects at once; a head that still arrives has its connection closed.
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => {});
    pending.then((h) => signal.aborted && vm.fetchCancel(h.body)).catch(() => {});
    const head = await Promise.race([pending, aborted]);
    signal.addEventListener("abort", () => vm.fetchCancel(head.body), { once: true });
    const nullBody = request.method === "HEAD" || head.status === 204 || head.status === 205 || head.status === 304;
    const inline = head.inline;
    const stream = nullBody
      ? null
      : inline != null
        ? // napi gives a Uint8Array over a plain ArrayBuffer.
          (inline as Uint8Array<ArrayBuffer>)
        : new ReadableStream<Uint8Array>({
          async pull(controller) {
            const chunk = await call(vm.fetchRead(head.body));
            if (chunk === null) controller.close();
            else controller.enqueue(chunk);
          },
          cancel() {
            vm.fetchCancel(head.body);
          },
        });
    if (nullBody && inline == null) vm.fetchCancel(head.body);
    const responseHeaders = new Headers();
    for (const [name, value] of head.headers) {
      try {
        responseHeaders.append(name, value);
      } catch {
        // A header the web Headers class refuses is left out, as fetch() does.
      }
    }
    const status = head.status >= 200 && head.status <= 599 ? head.status : 502;
    return new Response(stream, { status, statusText: head.statusText, headers: responseHeaders });
  }

  /** Unmount the filesystem at `path`. Throws `EINVAL` if nothing is mounted there. */
  unmountFs(path: string): void {
    callSync(() => this.#vm.unmount(path));
  }

  // ---- interactive shells ----------------------------------------------------------------

  #shellMap(): Map<string, ShellState> {
    this.#tracked();
    return (this.#shells ??= new Map());
  }

  #shell(shellId: string): ShellState {
    const s = typeof shellId === "string" ? this.#shells?.get(shellId) : undefined;
    if (!s) throw new KernelError("ERR_AGENT_OS_UNKNOWN_SHELL", `no such shell: ${String(shellId)}`);
    return s;
  }

  /** Output of shell `id` (an empty chunk: its terminal closed). */
  #shellOutput(id: number, data: Uint8Array): void {
    const s = this.#shells?.get(`shell-${id}`);
    if (!s) return;
    if (data.byteLength === 0) {
      this.#shellListening(s, false);
      s.ended = true;
      return;
    }
    if (s.handlers.size === 0) {
      // In flight when the last handler left: kept for the next one.
      s.pending.push(data);
      return;
    }
    for (const h of [...s.handlers]) h(data);
  }

  #shellListening(s: ShellState, on: boolean): void {
    // An ended shell sends nothing more: listening to it must not keep Node alive.
    if (s.listening === on || (on && (s.ended || s.closed))) return;
    s.listening = on;
    if (on) {
      if (this.#running++ === 0) this.#vm.setEventsRef(true);
    } else if (--this.#running === 0) {
      this.#vm.setEventsRef(false);
    }
    if (!s.ended && !s.closed && !this.#vm.disposed) callSync(() => this.#vm.listenShell(s.id, on));
  }

  /**
   * Start an interactive shell (default `sh`) on a new terminal of `cols` × `rows` (80 × 24)
   * and return its id at once. Its output waits in the terminal until `onShellData` listens:
   * nothing it prints is lost.
   */
  openShell(options?: OpenShellOptions): { shellId: string } {
    const id = callSync(() =>
      this.#vm.openShell({
        command: options?.command,
        args: options?.args,
        env: options?.env,
        cwd: options?.cwd,
        cols: options?.cols,
        rows: options?.rows,
      }),
    );
    const shellId = `shell-${id}`;
    this.#shellMap().set(shellId, { id, handlers: new Set(), pending: [], listening: false, ended: false, closed: false });
    return { shellId };
  }

  /** Type at a shell's terminal (^C, arrows and the rest as the bytes a terminal sends). */
  writeShell(shellId: string, data: string | Uint8Array): void {
    const s = this.#shell(shellId);
    callSync(() => this.#vm.writeShell(s.id, data));
  }

  /** Receive what a shell's terminal shows, starting with everything not yet delivered. */
  onShellData(shellId: string, handler: (data: Uint8Array) => void): () => void {
    const s = this.#shell(shellId);
    s.handlers.add(handler);
    const kept = s.pending.splice(0);
    for (const chunk of kept) handler(chunk);
    this.#shellListening(s, true);
    return () => {
      s.handlers.delete(handler);
      if (s.handlers.size === 0 && s.listening) this.#shellListening(s, false);
    };
  }

  /** Resize a shell's terminal; its foreground programs get `SIGWINCH`. */
  resizeShell(shellId: string, cols: number, rows: number): void {
    const s = this.#shell(shellId);
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
      throw new KernelError("EINVAL", `resizeShell: cols and rows must be positive integers (got ${cols} × ${rows})`);
    }
    callSync(() => this.#vm.resizeShell(s.id, cols, rows));
  }

  /** Close a shell: its terminal hangs up and its processes are killed. */
  closeShell(shellId: string): void {
    const s = this.#shell(shellId);
    this.#shells!.delete(shellId);
    s.closed = true;
    this.#shellListening(s, false);
    s.handlers.clear();
    callSync(() => this.#vm.closeShell(s.id));
  }

  // ---- software --------------------------------------------------------------------------

  async #installSoftware(moduleAccessCwd: string, host: NativeHost): Promise<void> {
    const { roots, bins } = this.#software;
    const base = join(moduleAccessCwd, "node_modules");
    const baseReal = existsSync(base) ? realpathSync(base) : undefined;
    if (baseReal) {
      const driver = callSync(() => host.createHostDir(baseReal, true));
      callSync(() => this.#vm.mount("/root/node_modules", driver, true));
    }
    for (const root of roots) {
      const name = root.vmPath.slice("/root/node_modules/".length);
      const inBase = baseReal && existsSync(join(baseReal, name)) ? realpathSync(join(baseReal, name)) : undefined;
      if (inBase === root.hostPath) continue;
      const driver = callSync(() => host.createHostDir(root.hostPath, true));
      callSync(() => this.#vm.mount(root.vmPath, driver, true));
    }
    for (const [command, script] of bins) {
      const path = `/usr/local/bin/${command}`;
      await this.writeFile(path, binWrapper(script));
      await call(this.#fs.chmod(path, 0o755));
    }
  }

  /** The agent types this VM's software provides. */
  listAgents(): AgentRegistryEntry[] {
    return [...this.#software.agents.values()].map((a) => ({
      id: a.id,
      acpAdapter: a.acpAdapter,
      agentPackage: a.agentPackage,
      installed: a.adapterBin !== undefined,
    }));
  }

  // ---- sessions --------------------------------------------------------------------------

  #st(): AgentState {
    return (this.#agentState ??= { sessions: new Map(), byHandle: new Map(), early: new Map(), starting: 0 });
  }

  #sessionEvent(handle: number, seq: number, json: string): void {
    const s = this.#st().byHandle.get(handle);
    if (s) {
      s.deliver(seq, JSON.parse(json) as JsonRpcNotification);
      return;
    }
    // A session being created may send events before its handle is known; any other unknown
    // handle is a session already closed.
    if (this.#st().starting === 0) return;
    let early = this.#st().early.get(handle);
    if (!early) this.#st().early.set(handle, (early = []));
    early.push({ seq, json });
  }

  #session(sessionId: string): SessionState {
    const s = this.#st().sessions.get(sessionId);
    if (!s) throw new KernelError("ERR_AGENT_OS_UNKNOWN_SESSION", `no such session: ${sessionId}`);
    return s;
  }

  /**
   * Start an agent of `agentType` (from the VM's `software`) as a process in the VM and open
   * an ACP session with it (`initialize`, then `session/new`). The agent's system prompt gets
   * `/etc/agentos/instructions.md` and `additionalInstructions` through its
   * `prepareInstructions` hook. Rejects with `ERR_AGENT_OS_UNKNOWN_AGENT` for an agent type no
   * software provides.
   */
  async createSession(agentType: string, options?: CreateSessionOptions): Promise<{ sessionId: string }> {
    const config = this.#software.agents.get(agentType);
    if (!config) {
      const known = [...this.#software.agents.keys()];
      throw new KernelError(
        "ERR_AGENT_OS_UNKNOWN_AGENT",
        `unknown agent type \`${agentType}\` (${known.length ? `installed: ${known.join(", ")}` : "no agent software was given to AgentOs.create()"})`,
      );
    }
    if (!config.adapterBin) {
      throw new KernelError("ERR_AGENT_OS_UNKNOWN_AGENT", `agent \`${agentType}\`: its ACP adapter package ${config.acpAdapter} has no bin entry`);
    }
    for (const [k, v] of Object.entries(options?.env ?? {})) {
      if (typeof v !== "string") throw invalidOptions(`createSession: env.${k} must be a string`);
    }
    const cwd = options?.cwd ?? "/home/user";
    const args = [config.adapterBin, ...config.launchArgs];
    const env: Record<string, string> = { ...config.env };
    const skipBase = options?.skipOsInstructions ?? false;
    const additional = options?.additionalInstructions;
    if (config.prepareInstructions && (!skipBase || additional)) {
      const kernel = {
        readFile: (p: string) => this.readFile(p),
        writeFile: (p: string, c: string | Uint8Array) => this.writeFile(p, c),
        exists: (p: string) => this.exists(p),
      };
      const prepared = await config.prepareInstructions(kernel, cwd, additional, { skipBase });
      args.push(...(prepared?.args ?? []));
      Object.assign(env, prepared?.env ?? {});
    }
    Object.assign(env, options?.env ?? {});
    this.#tracked();
    this.#st().starting++;
    let started: SessionStarted | undefined;
    try {
      started = await callAsync(() =>
        this.#vm.sessionStart({
        agentType,
        command: "node",
        args,
        env,
        cwd,
        mcpServersJson: JSON.stringify(options?.mcpServers ?? []),
        permissionTimeoutMs: options?.permissionTimeoutMs,
        requestTimeoutMs: options?.requestTimeoutMs,
      }),
      );
    } finally {
      if (--this.#st().starting === 0) {
        // Keep only what a session registered below will replay.
        for (const h of [...this.#st().early.keys()]) if (h !== started?.handle) this.#st().early.delete(h);
      }
    }
    if (started === undefined) throw new KernelError("ERR_AGENT_OS_INTERNAL", "session start returned nothing");
    const early = this.#st().early.get(started.handle) ?? [];
    this.#st().early.delete(started.handle);
    try {
      if (this.#vm.disposed) throw new KernelError("ERR_AGENT_OS_DISPOSED", "the VM was disposed while the session started");
      if (this.#st().sessions.has(started.sessionId)) {
        throw new KernelError("ERR_AGENT_OS_SESSION_CLOSED", `agent \`${agentType}\` returned a session id already in use: ${started.sessionId}`);
      }
      const s = new SessionState(
        started.handle,
        started.sessionId,
        agentType,
        started.pid,
        JSON.parse(started.initJson) ?? {},
        JSON.parse(started.sessionJson) ?? {},
      );
      this.#st().sessions.set(s.sessionId, s);
      this.#st().byHandle.set(s.handle, s);
      for (const e of early) s.deliver(e.seq, JSON.parse(e.json) as JsonRpcNotification);
      return { sessionId: s.sessionId };
    } catch (err) {
      this.#vm.sessionClose(started.handle);
      throw err instanceof KernelError ? err : new KernelError("ERR_AGENT_OS_SESSION_CLOSED", `agent \`${agentType}\` answered the handshake badly: ${String(err)}`);
    }
  }

  async #request(s: SessionState, method: string, params: Record<string, unknown>, collect = false) {
    const reply = await callAsync(() => this.#vm.sessionRequest(s.handle, method, JSON.stringify(params), collect));
    // Every notification the agent sent before answering reaches the handlers first.
    await s.caughtUp(reply.seq);
    return { response: JSON.parse(reply.json) as JsonRpcResponse, text: reply.text };
  }

  /**
   * Send a prompt and wait for the end of the turn. Resolves with the agent's response and the
   * text of the `agent_message_chunk` updates it streamed meanwhile (every `onSessionEvent`
   * handler has seen them by then).
   */
  async prompt(sessionId: string, text: string): Promise<PromptResult> {
    const s = this.#session(sessionId);
    return this.#request(s, "session/prompt", { sessionId, prompt: [{ type: "text", text }] }, true);
  }

  /** Ask the agent to stop the current turn (`session/cancel`). */
  async cancelSession(sessionId: string): Promise<JsonRpcResponse> {
    const s = this.#session(sessionId);
    const reply = await callAsync(() => this.#vm.sessionCancel(s.handle));
    await s.caughtUp(reply.seq);
    return JSON.parse(reply.json) as JsonRpcResponse;
  }

  /** Kill the session's agent process and forget the session and its history. */
  closeSession(sessionId: string): void {
    const s = this.#session(sessionId);
    callSync(() => this.#vm.sessionClose(s.handle));
    s.drop();
    this.#st().sessions.delete(sessionId);
    this.#st().byHandle.delete(s.handle);
  }

  /** Cancel the session's work (errors ignored), then close it. */
  async destroySession(sessionId: string): Promise<void> {
    this.#session(sessionId);
    try {
      await this.cancelSession(sessionId);
    } catch {
      // Nothing to cancel, or the agent is gone.
    }
    if (this.#st().sessions.has(sessionId)) this.closeSession(sessionId);
  }

  /** Check that a session is open; returns its id. */
  resumeSession(sessionId: string): { sessionId: string } {
    this.#session(sessionId);
    return { sessionId };
  }

  /** Open sessions. */
  listSessions(): SessionInfo[] {
    return [...this.#st().sessions.values()].map((s) => ({ sessionId: s.sessionId, agentType: s.agentType }));
  }

  /**
   * The session's recorded notifications (each with its sequence number), after `since` and of
   * `method` when given. Requests the agent made are recorded too (permission requests as
   * `request/permission`), and an agent that exits leaves `_agentos/session_ended`.
   */
  getSessionEvents(sessionId: string, options?: { since?: number; method?: string }): SequencedEvent[] {
    const s = this.#session(sessionId);
    return JSON.parse(callSync(() => this.#vm.sessionEvents(s.handle, options?.since, options?.method))) as SequencedEvent[];
  }

  /**
   * Receive the session's notifications live: `session/update`, the agent's own extension
   * notifications and `_agentos/session_ended` (permission requests go to
   * `onPermissionRequest`; requests the agent makes for files and terminals are only recorded).
   */
  onSessionEvent(sessionId: string, handler: (event: JsonRpcNotification) => void): () => void {
    const s = this.#session(sessionId);
    s.events.add(handler);
    return () => {
      s.events.delete(handler);
    };
  }

  /** Receive the agent's permission requests; answer each with `respondPermission`. */
  onPermissionRequest(sessionId: string, handler: (request: PermissionRequest) => void): () => void {
    const s = this.#session(sessionId);
    s.permissions.add(handler);
    return () => {
      s.permissions.delete(handler);
    };
  }

  /**
   * Answer a permission request: `once` or `always` allows (the agent's option of that kind),
   * `reject` refuses. A request nobody answers is rejected when `permissionTimeoutMs` runs out.
   */
  async respondPermission(sessionId: string, permissionId: string, reply: PermissionReply): Promise<JsonRpcResponse> {
    const s = this.#session(sessionId);
    return JSON.parse(callSync(() => this.#vm.sessionRespondPermission(s.handle, permissionId, reply))) as JsonRpcResponse;
  }

  /** Send any request to the session's agent; `sessionId` is added to `params`. */
  async rawSessionSend(sessionId: string, method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse> {
    const s = this.#session(sessionId);
    const merged = { sessionId, ...(params ?? {}) };
    const { response } = await this.#request(s, method, merged);
    if (!response.error) s.applySent(method, merged);
    return response;
  }

  /** Switch the session's mode (`session/set_mode`). */
  setSessionMode(sessionId: string, modeId: string): Promise<JsonRpcResponse> {
    return this.rawSessionSend(sessionId, "session/set_mode", { modeId });
  }

  /** The modes the agent offers, and the current one; `null` if it offers none. */
  getSessionModes(sessionId: string): SessionModes | null {
    return this.#session(sessionId).modes;
  }

  async #setByCategory(sessionId: string, category: string, value: string): Promise<JsonRpcResponse> {
    const s = this.#session(sessionId);
    const option = s.configOptions.find((o) => o.category === category);
    if (option?.readOnly) {
      return { jsonrpc: "2.0", id: null, error: { code: -32601, message: `The ${category} config option is read-only for ${s.agentType} sessions.` } };
    }
    return this.rawSessionSend(sessionId, "session/set_config_option", { configId: option?.id ?? category, value });
  }

  /** Choose the session's model (the config option of category `model`). */
  setSessionModel(sessionId: string, model: string): Promise<JsonRpcResponse> {
    return this.#setByCategory(sessionId, "model", model);
  }

  /** Choose the session's thought level (the config option of category `thought_level`). */
  setSessionThoughtLevel(sessionId: string, level: string): Promise<JsonRpcResponse> {
    return this.#setByCategory(sessionId, "thought_level", level);
  }

  /** The config options the agent offers (model, thought level, ...). */
  getSessionConfigOptions(sessionId: string): SessionConfigOption[] {
    return this.#session(sessionId).configOptions;
  }

  /** The agent's capabilities from `initialize`; `null` if it reported none. */
  getSessionCapabilities(sessionId: string): Record<string, unknown> | null {
    const caps = this.#session(sessionId).capabilities;
    return Object.keys(caps).length > 0 ? caps : null;
  }

  /** Who the agent says it is (`initialize`'s `agentInfo`); `null` if it did not say. */
  getSessionAgentInfo(sessionId: string): AgentInfo | null {
    return this.#session(sessionId).agentInfo;
  }

  // ---- cron ----
  #scheduleDriver?: ScheduleDriver;
  #cronManager?: CronManager;
  #cronDisposed = false;

  #cron(): CronManager {
    if (this.#cronDisposed || this.#vm.disposed) {
      throw new KernelError("ERR_AGENT_OS_DISPOSED", "the VM was disposed; it runs no cron jobs");
    }
    this.#cronManager ??= new CronManager(
      {
        exec: (command) => this.exec(command),
        createSession: (agentType, options) => this.createSession(agentType, options),
        prompt: (sessionId, text) => this.prompt(sessionId, text),
        closeSession: (sessionId) => this.closeSession(sessionId),
        error: (code, message) => new KernelError(code, message),
        wrap: asKernelError,
      },
      this.#scheduleDriver,
    );
    return this.#cronManager;
  }

  /**
   * Schedule a cron job; returns at once with its id and a `cancel()`. Throws
   * `ERR_AGENT_OS_INVALID_CRON` for a bad expression, `ERR_AGENT_OS_DISPOSED` after `dispose()`.
   * A job whose id exists replaces it. Jobs stop when the VM is disposed; they never keep the
   * Node process alive.
   */
  scheduleCron(options: CronJobOptions): CronJob {
    return this.#cron().schedule(options);
  }

  /** The VM's cron jobs, with their last and next run times and run counts. */
  listCronJobs(): CronJobInfo[] {
    return this.#cronDisposed ? [] : (this.#cronManager?.list() ?? []);
  }

  /** Cancel a cron job (a run in progress finishes). Unknown ids are ignored. */
  cancelCronJob(id: string): void {
    this.#cronManager?.cancel(id);
  }

  /** Receive `cron:fire`, `cron:complete` and `cron:error` events of every job of this VM. */
  onCronEvent(handler: CronEventHandler): void {
    this.#cron().onEvent(handler);
  }
}
