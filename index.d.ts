/**
 * `@rivet-dev/agentos-core`: an operating system for AI agents, inside your Node.js process.
 *
 * This file is the public facade over the napi binding (`binding.js`, generated from
 * `src/api/`). It presents the API of `@rivet-dev/agent-os-core` with its exact names and
 * shapes; `index.js` and `index.d.ts` are generated from it by `tsc` during `npm install`.
 */
import { NativeFs } from "./binding.js";
import { type SoftwareInput } from "./software.js";
import { type AgentInfo, type AgentRegistryEntry, type CreateSessionOptions, type JsonRpcNotification, type JsonRpcResponse, type PermissionReply, type PermissionRequest, type PromptResult, type SequencedEvent, type SessionConfigOption, type SessionInfo, type SessionModes } from "./sessions.js";
import { type CronEventHandler, type CronJob, type CronJobInfo, type CronJobOptions, type ScheduleDriver } from "./cron.js";
import { AgentOsSidecar } from "./sidecar.js";
export { defineSoftware } from "./software.js";
export { TimerScheduleDriver } from "./cron.js";
export { AgentOsSidecar } from "./sidecar.js";
export type { SidecarDescription, SidecarExitInfo } from "./sidecar.js";
export type { CronAction, CronClock, CronEvent, CronEventHandler, CronJob, CronJobInfo, CronJobOptions, ScheduleDriver, ScheduleEntry, ScheduleHandle, } from "./cron.js";
export type { AgentSoftwareDescriptor, InstructionsKernel, SoftwareContext, SoftwareDescriptor, SoftwareInput, ToolSoftwareDescriptor, } from "./software.js";
export type { AgentInfo, AgentRegistryEntry, CreateSessionOptions, JsonRpcNotification, JsonRpcResponse, McpServerConfig, PermissionReply, PermissionRequest, PromptResult, SequencedEvent, SessionConfigOption, SessionInfo, SessionModes, } from "./sessions.js";
/** An error from the VM's kernel (`ENOENT`, `EACCES`, ...) or from the API (`ERR_AGENT_OS_*`). */
export declare class KernelError extends Error {
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
    constructor(code: string, message: string, options?: {
        cause?: unknown;
    });
    get name(): string;
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
    mkdir(path: string, options?: {
        recursive?: boolean;
    }): Promise<void>;
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
export type MountConfig = {
    path: string;
    driver: VirtualFileSystem;
    readOnly?: boolean;
} | {
    path: string;
    plugin: {
        id: "host_dir";
        config: {
            hostPath: string;
        };
    };
    readOnly?: boolean;
} | {
    path: string;
    plugin: {
        id: "s3";
        config: {
            bucket: string;
            prefix?: string;
            region?: string;
            endpoint?: string;
            credentials?: {
                accessKeyId: string;
                secretAccessKey: string;
            };
        };
    };
    readOnly?: boolean;
} | {
    path: string;
    plugin: {
        id: "memory";
    };
    readOnly?: boolean;
};
/** Which sidecar hosts a VM. */
export type SidecarPlacement = {
    kind: "shared";
    pool?: string;
} | {
    kind: "explicit";
    handle: AgentOsSidecar;
};
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
    fs?: (request: {
        op: string;
        path: string;
    }) => PermissionDecision;
    childProcess?: (request: {
        command: string;
        args: string[];
        cwd?: string;
        env?: Record<string, string>;
    }) => PermissionDecision;
    env?: (request: {
        op: "read" | "write";
        key: string;
        value?: string;
    }) => PermissionDecision;
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
/**
 * A native filesystem implementing `VirtualFileSystem` (in memory, or a host directory): the
 * kernel reaches it without JS round trips when it is mounted.
 */
export declare class NativeFileSystem implements VirtualFileSystem {
    /** @internal */
    readonly native: NativeFs;
    /** @internal */
    constructor(native: NativeFs);
    readFile(path: string): Promise<Uint8Array>;
    readTextFile(path: string): Promise<string>;
    readDir(path: string): Promise<string[]>;
    readDirWithTypes(path: string): Promise<VirtualDirEntry[]>;
    readDirStat(path: string): Promise<VirtualDirStatEntry[]>;
    writeFile(path: string, content: string | Uint8Array): Promise<void>;
    createDir(path: string): Promise<void>;
    mkdir(path: string, options?: {
        recursive?: boolean;
    }): Promise<void>;
    exists(path: string): Promise<boolean>;
    stat(path: string): Promise<VirtualStat>;
    lstat(path: string): Promise<VirtualStat>;
    removeFile(path: string): Promise<void>;
    removeDir(path: string): Promise<void>;
    rename(oldPath: string, newPath: string): Promise<void>;
    realpath(path: string): Promise<string>;
    symlink(target: string, linkPath: string): Promise<void>;
    readlink(path: string): Promise<string>;
    link(oldPath: string, newPath: string): Promise<void>;
    chmod(path: string, mode: number): Promise<void>;
    chown(path: string, uid: number, gid: number): Promise<void>;
    utimes(path: string, atime: number, mtime: number): Promise<void>;
    truncate(path: string, length: number): Promise<void>;
    pread(path: string, offset: number, length: number): Promise<Uint8Array>;
    pwrite(path: string, offset: number, data: Uint8Array): Promise<void>;
}
/**
 * A native in-memory filesystem. Mount it with `vm.mountFs(path, fs)` or a `{ path, driver }`
 * mount; one instance may be mounted in several VMs and they share its files.
 */
export declare class InMemoryFileSystem extends NativeFileSystem {
    constructor();
}
/** A new, empty in-memory filesystem, native-backed: mounting it costs no JS round trips. */
export declare function createInMemoryFileSystem(): InMemoryFileSystem;
/**
 * A host directory as a filesystem, confined to it: paths are walked one component at a time
 * from the directory with no symlink followed on the host (a host symlink is resolved inside
 * the VM), so `..`, symlinks pointing out and swapped directories never reach outside. With
 * `readOnly`, every write is `EROFS`. Throws `ENOENT`/`ENOTDIR` if `hostPath` is not a directory.
 */
export declare function createHostDirBackend(options: {
    hostPath: string;
    readOnly?: boolean;
}): NativeFileSystem;
/** A read-only mount of the host's `hostPath` (a `node_modules` directory) at `/root/node_modules`. */
export declare function nodeModulesMount(hostPath: string): MountConfig;
/**
 * A VM: a Linux-like machine with its own filesystem, living inside this Node.js process as a
 * tenant of the process-global sidecar. It holds no thread and no isolate while idle.
 */
export declare class AgentOs {
    #private;
    private constructor();
    /**
     * Boot a VM. Costs microseconds: the root tree is shared copy-on-write with every other VM.
     * Rejects with `ERR_AGENT_OS_INVALID_OPTIONS` for unknown or unsupported options.
     */
    static create(options?: AgentOsOptions): Promise<AgentOs>;
    /**
     * Start a dedicated OS process hosting VMs created with `sidecar: { kind: "explicit", handle }`
     * (VMs without it stay in this process). `sidecarId` names it (default: a random id).
     * Resolves once the process is ready.
     */
    static createSidecar(options?: {
        sidecarId?: string;
    }): Promise<AgentOsSidecar>;
    /** Tear down this VM only, releasing its state (open sessions' agents are killed). Idempotent. */
    dispose(): Promise<void>;
    /** Read a whole file. */
    readFile(path: string): Promise<Uint8Array>;
    /** Create or replace a file, creating missing parent directories. */
    writeFile(path: string, content: string | Uint8Array): Promise<void>;
    /** Read several files; a failed read gives `content: null` and its `error`. */
    readFiles(paths: string[]): Promise<BatchReadResult[]>;
    /** Write several files, creating parents; each result says whether it was written. */
    writeFiles(entries: BatchWriteEntry[]): Promise<BatchWriteResult[]>;
    /** Create a directory; with `recursive`, its missing parents too. */
    mkdir(path: string, options?: {
        recursive?: boolean;
    }): Promise<void>;
    /** Entry names of a directory, without `.` and `..`. */
    readdir(path: string): Promise<string[]>;
    /** Every entry below a directory, breadth first; symlinks are listed, not followed. */
    readdirRecursive(path: string, options?: ReaddirRecursiveOptions): Promise<DirEntry[]>;
    /** Metadata of a path (following symlinks). */
    stat(path: string): Promise<VirtualStat>;
    /** Whether a path exists (following symlinks). */
    exists(path: string): Promise<boolean>;
    /** Move a file or directory (across mounts too). */
    move(from: string, to: string): Promise<void>;
    /** Delete a file or an empty directory; with `recursive`, a directory and its content. */
    delete(path: string, options?: {
        recursive?: boolean;
    }): Promise<void>;
    /** Mount a filesystem at `path` (created if missing). Throws `EBUSY` if something is mounted there. */
    mountFs(path: string, driver: VirtualFileSystem, options?: {
        readOnly?: boolean;
    }): void;
    /**
     * Run `command` with the VM's shell (`sh -c`) in `cwd` (default `/home/user`) and collect its
     * output. A non-zero exit code is a result, not an error. With `timeout`, the process is killed
     * when it fires and the promise rejects with `ETIMEDOUT`.
     */
    exec(command: string, options?: ExecOptions): Promise<ExecResult>;
    /**
     * Start `command` with `args` (found on `PATH`) and return its pid at once. Output is kept in
     * a bounded buffer and replayed to handlers attached later.
     */
    spawn(command: string, args?: string[], options?: SpawnOptions): {
        pid: number;
    };
    /** Write to a process's standard input. Throws `ESRCH` for an unknown pid. */
    writeProcessStdin(pid: number, data: string | Uint8Array): void;
    /** Close a process's standard input (it sees end of file). */
    closeProcessStdin(pid: number): void;
    /** Receive a process's standard output, starting with what it printed before. */
    onProcessStdout(pid: number, handler: (data: Uint8Array) => void): () => void;
    /** Receive a process's standard error, starting with what it printed before. */
    onProcessStderr(pid: number, handler: (data: Uint8Array) => void): () => void;
    /** Be told a process's exit code (at once, if it already exited). */
    onProcessExit(pid: number, handler: (exitCode: number) => void): () => void;
    /** Resolve with a process's exit code (128 + n if signal n ended it). */
    waitProcess(pid: number): Promise<number>;
    /** Processes started through `spawn`/`exec`. */
    listProcesses(): SpawnedProcessInfo[];
    /** Every process of the VM's kernel. */
    allProcesses(): ProcessInfo[];
    /** The kernel's processes as a tree, by parent. */
    processTree(): ProcessTreeNode[];
    /** A process started through `spawn`/`exec`. Throws `ESRCH` for an unknown pid. */
    getProcess(pid: number): SpawnedProcessInfo;
    /** Send SIGTERM to a process (and its process group). No effect once it exited. */
    stopProcess(pid: number): void;
    /** Send SIGKILL to a process (and its process group). No effect once it exited. */
    killProcess(pid: number): void;
    /**
     * Send `request` over HTTP/1.1 to the server listening on `port` inside the VM and resolve
     * with its `Response` (the body streams). Waits up to 2 s for a server that is about to
     * listen; rejects with `ECONNREFUSED` when none does.
     */
    fetch(port: number, request: Request): Promise<Response>;
    /** Unmount the filesystem at `path`. Throws `EINVAL` if nothing is mounted there. */
    unmountFs(path: string): void;
    /**
     * Start an interactive shell (default `sh`) on a new terminal of `cols` × `rows` (80 × 24)
     * and return its id at once. Its output waits in the terminal until `onShellData` listens:
     * nothing it prints is lost.
     */
    openShell(options?: OpenShellOptions): {
        shellId: string;
    };
    /** Type at a shell's terminal (^C, arrows and the rest as the bytes a terminal sends). */
    writeShell(shellId: string, data: string | Uint8Array): void;
    /** Receive what a shell's terminal shows, starting with everything not yet delivered. */
    onShellData(shellId: string, handler: (data: Uint8Array) => void): () => void;
    /** Resize a shell's terminal; its foreground programs get `SIGWINCH`. */
    resizeShell(shellId: string, cols: number, rows: number): void;
    /** Close a shell: its terminal hangs up and its processes are killed. */
    closeShell(shellId: string): void;
    /** The agent types this VM's software provides. */
    listAgents(): AgentRegistryEntry[];
    /**
     * Start an agent of `agentType` (from the VM's `software`) as a process in the VM and open
     * an ACP session with it (`initialize`, then `session/new`). The agent's system prompt gets
     * `/etc/agentos/instructions.md` and `additionalInstructions` through its
     * `prepareInstructions` hook. Rejects with `ERR_AGENT_OS_UNKNOWN_AGENT` for an agent type no
     * software provides.
     */
    createSession(agentType: string, options?: CreateSessionOptions): Promise<{
        sessionId: string;
    }>;
    /**
     * Send a prompt and wait for the end of the turn. Resolves with the agent's response and the
     * text of the `agent_message_chunk` updates it streamed meanwhile (every `onSessionEvent`
     * handler has seen them by then).
     */
    prompt(sessionId: string, text: string): Promise<PromptResult>;
    /** Ask the agent to stop the current turn (`session/cancel`). */
    cancelSession(sessionId: string): Promise<JsonRpcResponse>;
    /** Kill the session's agent process and forget the session and its history. */
    closeSession(sessionId: string): void;
    /** Cancel the session's work (errors ignored), then close it. */
    destroySession(sessionId: string): Promise<void>;
    /** Check that a session is open; returns its id. */
    resumeSession(sessionId: string): {
        sessionId: string;
    };
    /** Open sessions. */
    listSessions(): SessionInfo[];
    /**
     * The session's recorded notifications (each with its sequence number), after `since` and of
     * `method` when given. Requests the agent made are recorded too (permission requests as
     * `request/permission`), and an agent that exits leaves `_agentos/session_ended`.
     */
    getSessionEvents(sessionId: string, options?: {
        since?: number;
        method?: string;
    }): SequencedEvent[];
    /**
     * Receive the session's notifications live: `session/update`, the agent's own extension
     * notifications and `_agentos/session_ended` (permission requests go to
     * `onPermissionRequest`; requests the agent makes for files and terminals are only recorded).
     */
    onSessionEvent(sessionId: string, handler: (event: JsonRpcNotification) => void): () => void;
    /** Receive the agent's permission requests; answer each with `respondPermission`. */
    onPermissionRequest(sessionId: string, handler: (request: PermissionRequest) => void): () => void;
    /**
     * Answer a permission request: `once` or `always` allows (the agent's option of that kind),
     * `reject` refuses. A request nobody answers is rejected when `permissionTimeoutMs` runs out.
     */
    respondPermission(sessionId: string, permissionId: string, reply: PermissionReply): Promise<JsonRpcResponse>;
    /** Send any request to the session's agent; `sessionId` is added to `params`. */
    rawSessionSend(sessionId: string, method: string, params?: Record<string, unknown>): Promise<JsonRpcResponse>;
    /** Switch the session's mode (`session/set_mode`). */
    setSessionMode(sessionId: string, modeId: string): Promise<JsonRpcResponse>;
    /** The modes the agent offers, and the current one; `null` if it offers none. */
    getSessionModes(sessionId: string): SessionModes | null;
    /** Choose the session's model (the config option of category `model`). */
    setSessionModel(sessionId: string, model: string): Promise<JsonRpcResponse>;
    /** Choose the session's thought level (the config option of category `thought_level`). */
    setSessionThoughtLevel(sessionId: string, level: string): Promise<JsonRpcResponse>;
    /** The config options the agent offers (model, thought level, ...). */
    getSessionConfigOptions(sessionId: string): SessionConfigOption[];
    /** The agent's capabilities from `initialize`; `null` if it reported none. */
    getSessionCapabilities(sessionId: string): Record<string, unknown> | null;
    /** Who the agent says it is (`initialize`'s `agentInfo`); `null` if it did not say. */
    getSessionAgentInfo(sessionId: string): AgentInfo | null;
    /**
     * Schedule a cron job; returns at once with its id and a `cancel()`. Throws
     * `ERR_AGENT_OS_INVALID_CRON` for a bad expression, `ERR_AGENT_OS_DISPOSED` after `dispose()`.
     * A job whose id exists replaces it. Jobs stop when the VM is disposed; they never keep the
     * Node process alive.
     */
    scheduleCron(options: CronJobOptions): CronJob;
    /** The VM's cron jobs, with their last and next run times and run counts. */
    listCronJobs(): CronJobInfo[];
    /** Cancel a cron job (a run in progress finishes). Unknown ids are ignored. */
    cancelCronJob(id: string): void;
    /** Receive `cron:fire`, `cron:complete` and `cron:error` events of every job of this VM. */
    onCronEvent(handler: CronEventHandler): void;
}
