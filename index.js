"use strict";
/**
 * `@rivet-dev/agentos-core`: an operating system for AI agents, inside your Node.js process.
 *
 * This file is the public facade over the napi binding (`binding.js`, generated from
 * `src/api/`). It presents the API of `@rivet-dev/agent-os-core` with its exact names and
 * shapes; `index.js` and `index.d.ts` are generated from it by `tsc` during `npm install`.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.AgentOs = exports.InMemoryFileSystem = exports.NativeFileSystem = exports.KernelError = exports.AgentOsSidecar = exports.TimerScheduleDriver = exports.defineSoftware = void 0;
exports.createInMemoryFileSystem = createInMemoryFileSystem;
exports.createHostDirBackend = createHostDirBackend;
exports.nodeModulesMount = nodeModulesMount;
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const binding_js_1 = require("./binding.js");
const jsdriver_js_1 = require("./jsdriver.js");
const software_js_1 = require("./software.js");
const sessions_js_1 = require("./sessions.js");
const cron_js_1 = require("./cron.js");
const sidecar_js_1 = require("./sidecar.js");
var software_js_2 = require("./software.js");
Object.defineProperty(exports, "defineSoftware", { enumerable: true, get: function () { return software_js_2.defineSoftware; } });
var cron_js_2 = require("./cron.js");
Object.defineProperty(exports, "TimerScheduleDriver", { enumerable: true, get: function () { return cron_js_2.TimerScheduleDriver; } });
var sidecar_js_2 = require("./sidecar.js");
Object.defineProperty(exports, "AgentOsSidecar", { enumerable: true, get: function () { return sidecar_js_2.AgentOsSidecar; } });
/** An error from the VM's kernel (`ENOENT`, `EACCES`, ...) or from the API (`ERR_AGENT_OS_*`). */
class KernelError extends Error {
    /** Stable error code: a POSIX name such as `"ENOENT"`, or `"ERR_AGENT_OS_DISPOSED"`. */
    code;
    /** Negative POSIX error number, for kernel errors. */
    errno;
    /** The operation that failed (`open`, `mkdir`, ...), for kernel errors. */
    syscall;
    /** The path the error is about. */
    path;
    /** The second path of a two-path operation (`rename`, `link`). */
    dest;
    constructor(code, message, options) {
        super(message.startsWith(`${code}:`) ? message : `${code}: ${message}`, options);
        this.code = code;
    }
    get name() {
        return "KernelError";
    }
}
exports.KernelError = KernelError;
/** Give an error from the binding the `KernelError` prototype (it already has `code`). */
function asKernelError(err) {
    if (err instanceof Error && typeof err.code === "string" && !(err instanceof KernelError)) {
        Object.setPrototypeOf(err, KernelError.prototype);
    }
    return err;
}
async function call(p) {
    try {
        return await p;
    }
    catch (err) {
        throw asKernelError(err);
    }
}
/** `call` for a binding method that may also throw before it returns its promise. */
async function callAsync(f) {
    try {
        return await f();
    }
    catch (err) {
        throw asKernelError(err);
    }
}
function callSync(f) {
    try {
        return f();
    }
    catch (err) {
        throw asKernelError(err);
    }
}
const SIGTERM = 15;
const SIGKILL = 9;
function invalidOptions(message) {
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
function isObject(v) {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
/** A builtin's name without `node:`. */
const bareBuiltin = (name) => name.replace(/^node:/, "");
function validateOptions(options) {
    if (options === undefined)
        return;
    if (!isObject(options))
        throw invalidOptions("AgentOs.create() options must be an object");
    for (const [key, value] of Object.entries(options)) {
        if (value === undefined || SUPPORTED_OPTIONS.has(key))
            continue;
        if (NOT_YET_SUPPORTED.has(key)) {
            if (EMPTY_IS_FINE.has(key) && Array.isArray(value) && value.length === 0)
                continue;
            throw invalidOptions(`option \`${key}\` is not supported yet by @rivet-dev/agentos-core`);
        }
        throw invalidOptions(`unknown option \`${key}\` passed to AgentOs.create()`);
    }
    const { limits, sidecar, mounts, permissions, allowedNodeBuiltins, loopbackExemptPorts, egress, software, additionalInstructions, moduleAccessCwd } = options;
    if (software !== undefined && !Array.isArray(software))
        throw invalidOptions("option `software` must be an array of software descriptors");
    if (additionalInstructions !== undefined && typeof additionalInstructions !== "string") {
        throw invalidOptions("option `additionalInstructions` must be a string");
    }
    if (moduleAccessCwd !== undefined && typeof moduleAccessCwd !== "string")
        throw invalidOptions("option `moduleAccessCwd` must be a string");
    if (permissions !== undefined) {
        if (!isObject(permissions))
            throw invalidOptions("option `permissions` must be an object");
        for (const [key, value] of Object.entries(permissions)) {
            if (value === undefined)
                continue;
            if (key === "network" || key === "fs" || key === "childProcess" || key === "env") {
                if (typeof value !== "function")
                    throw invalidOptions(`permissions.${key} must be a function`);
            }
            else {
                throw invalidOptions(`unknown permission scope \`permissions.${key}\``);
            }
        }
    }
    if (allowedNodeBuiltins !== undefined) {
        if (!Array.isArray(allowedNodeBuiltins))
            throw invalidOptions("option `allowedNodeBuiltins` must be an array of builtin module names");
        const known = new Set((0, binding_js_1.nodeBuiltinModules)());
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
        if (!Array.isArray(egress))
            throw invalidOptions("option `egress` must be an array of { host, headers } rules");
        egress.forEach((r, i) => {
            if (!isObject(r) || typeof r.host !== "string" || r.host === "" || !isObject(r.headers)) {
                throw invalidOptions(`egress[${i}] must be { host: string, port?: number, headers: Record<string, string> }`);
            }
            if (r.port !== undefined && !(Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535)) {
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
        if (!isObject(limits))
            throw invalidOptions("option `limits` must be an object");
        for (const [key, value] of Object.entries(limits)) {
            if (!LIMIT_KEYS.has(key))
                throw invalidOptions(`unknown limit \`limits.${key}\``);
            if (value !== undefined && typeof value !== "number") {
                throw invalidOptions(`limits.${key} must be a number`);
            }
        }
    }
    const scheduleDriver = options.scheduleDriver;
    if (scheduleDriver !== undefined) {
        const d = scheduleDriver;
        if (typeof d !== "object" || d === null || typeof d.schedule !== "function" || typeof d.cancel !== "function" || typeof d.dispose !== "function") {
            throw invalidOptions("option `scheduleDriver` must have schedule(), cancel() and dispose() methods");
        }
    }
    if (sidecar !== undefined) {
        if (!isObject(sidecar) || (sidecar.kind !== "shared" && sidecar.kind !== "explicit")) {
            throw invalidOptions('option `sidecar` must be { kind: "shared" } or { kind: "explicit", handle }');
        }
        if (sidecar.kind === "explicit" && !(0, sidecar_js_1.isSidecar)(sidecar.handle)) {
            throw invalidOptions('option `sidecar: { kind: "explicit", handle }` needs a handle from AgentOs.createSidecar()');
        }
        if (sidecar.pool !== undefined && sidecar.pool !== "default") {
            throw invalidOptions("option `sidecar.pool` (named pools) is not supported yet; omit it to use the default pool");
        }
    }
    if (mounts !== undefined) {
        if (!Array.isArray(mounts))
            throw invalidOptions("option `mounts` must be an array");
        mounts.forEach((m, i) => validateMount(m, i));
    }
}
function validateMount(m, i) {
    const where = `mounts[${i}]`;
    if (!isObject(m) || typeof m.path !== "string")
        throw invalidOptions(`${where} must be an object with a string \`path\``);
    if (m.readOnly !== undefined && typeof m.readOnly !== "boolean")
        throw invalidOptions(`${where}.readOnly must be a boolean`);
    if ("driver" in m) {
        if (!(m.driver instanceof NativeFileSystem) && !isDriverObject(m.driver)) {
            throw invalidOptions(`${where}.driver must implement VirtualFileSystem (readFile, writeFile, stat, lstat, readDir, ...)`);
        }
        return;
    }
    if ("plugin" in m) {
        const plugin = m.plugin;
        if (!isObject(plugin) || typeof plugin.id !== "string")
            throw invalidOptions(`${where}.plugin must be { id, config }`);
        if (plugin.id === "memory")
            return;
        if (plugin.id === "host_dir") {
            const config = plugin.config;
            if (!isObject(config) || typeof config.hostPath !== "string")
                throw invalidOptions(`${where}.plugin.config must be { hostPath: string }`);
            return;
        }
        if (plugin.id === "s3") {
            const config = plugin.config;
            if (!isObject(config) || typeof config.bucket !== "string" || config.bucket === "") {
                throw invalidOptions(`${where}.plugin.config must be { bucket: string, prefix?, region?, endpoint?, credentials? }`);
            }
            for (const k of ["prefix", "region", "endpoint"]) {
                if (config[k] !== undefined && typeof config[k] !== "string")
                    throw invalidOptions(`${where}.plugin.config.${k} must be a string`);
            }
            const c = config.credentials;
            if (c !== undefined && (!isObject(c) || typeof c.accessKeyId !== "string" || typeof c.secretAccessKey !== "string")) {
                throw invalidOptions(`${where}.plugin.config.credentials must be { accessKeyId: string, secretAccessKey: string }`);
            }
            return;
        }
        throw invalidOptions(`${where}: unknown mount plugin \`${plugin.id}\` (known: memory, host_dir, s3)`);
    }
    if ("filesystem" in m)
        throw invalidOptions(`${where}: overlay mounts (\`filesystem\`) are not supported yet`);
    throw invalidOptions(`${where} needs a \`driver\` or a \`plugin\``);
}
function driverPath(path) {
    return path.startsWith("/") ? path : `/${path}`;
}
/**
 * A native filesystem implementing `VirtualFileSystem` (in memory, or a host directory): the
 * kernel reaches it without JS round trips when it is mounted.
 */
class NativeFileSystem {
    /** @internal */
    native;
    /** @internal */
    constructor(native) {
        this.native = native;
    }
    readFile(path) {
        return call(this.native.readFile(driverPath(path)));
    }
    async readTextFile(path) {
        return new TextDecoder().decode(await this.readFile(path));
    }
    readDir(path) {
        return call(this.native.readDir(driverPath(path)));
    }
    async readDirWithTypes(path) {
        const entries = await this.readDirStat(path);
        return entries.map(({ name, isDirectory, isSymbolicLink, ino }) => ({ name, isDirectory, isSymbolicLink, ino }));
    }
    async readDirStat(path) {
        const entries = await call(this.native.readDirStat(driverPath(path)));
        return entries.map((e) => ({
            name: e.name,
            isDirectory: e.stat.isDirectory,
            isSymbolicLink: e.stat.isSymbolicLink,
            ino: e.stat.ino,
            stat: e.stat,
        }));
    }
    writeFile(path, content) {
        return call(this.native.writeFile(driverPath(path), content));
    }
    createDir(path) {
        return call(this.native.mkdir(driverPath(path), false));
    }
    mkdir(path, options) {
        return call(this.native.mkdir(driverPath(path), options?.recursive ?? false));
    }
    exists(path) {
        return call(this.native.exists(driverPath(path)));
    }
    stat(path) {
        return call(this.native.stat(driverPath(path)));
    }
    lstat(path) {
        return call(this.native.lstat(driverPath(path)));
    }
    removeFile(path) {
        return call(this.native.removeFile(driverPath(path)));
    }
    removeDir(path) {
        return call(this.native.removeDir(driverPath(path)));
    }
    rename(oldPath, newPath) {
        return call(this.native.rename(driverPath(oldPath), driverPath(newPath)));
    }
    realpath(path) {
        return call(this.native.realpath(driverPath(path)));
    }
    symlink(target, linkPath) {
        return call(this.native.symlink(target, driverPath(linkPath)));
    }
    readlink(path) {
        return call(this.native.readlink(driverPath(path)));
    }
    link(oldPath, newPath) {
        return call(this.native.link(driverPath(oldPath), driverPath(newPath)));
    }
    chmod(path, mode) {
        return call(this.native.chmod(driverPath(path), mode));
    }
    chown(path, uid, gid) {
        return call(this.native.chown(driverPath(path), uid, gid));
    }
    utimes(path, atime, mtime) {
        return call(this.native.utimes(driverPath(path), atime, mtime));
    }
    truncate(path, length) {
        return call(this.native.truncate(driverPath(path), length));
    }
    pread(path, offset, length) {
        return call(this.native.pread(driverPath(path), offset, length));
    }
    pwrite(path, offset, data) {
        return call(this.native.pwrite(driverPath(path), offset, data));
    }
}
exports.NativeFileSystem = NativeFileSystem;
/**
 * A native in-memory filesystem. Mount it with `vm.mountFs(path, fs)` or a `{ path, driver }`
 * mount; one instance may be mounted in several VMs and they share its files.
 */
class InMemoryFileSystem extends NativeFileSystem {
    constructor() {
        super((0, binding_js_1.createNativeMemoryFs)());
    }
}
exports.InMemoryFileSystem = InMemoryFileSystem;
/** A new, empty in-memory filesystem, native-backed: mounting it costs no JS round trips. */
function createInMemoryFileSystem() {
    return new InMemoryFileSystem();
}
/**
 * A host directory as a filesystem, confined to it: paths are walked one component at a time
 * from the directory with no symlink followed on the host (a host symlink is resolved inside
 * the VM), so `..`, symlinks pointing out and swapped directories never reach outside. With
 * `readOnly`, every write is `EROFS`. Throws `ENOENT`/`ENOTDIR` if `hostPath` is not a directory.
 */
function createHostDirBackend(options) {
    return new NativeFileSystem(callSync(() => (0, binding_js_1.createNativeHostDir)(options.hostPath, options.readOnly ?? false)));
}
/** A read-only mount of the host's `hostPath` (a `node_modules` directory) at `/root/node_modules`. */
function nodeModulesMount(hostPath) {
    return { path: "/root/node_modules", driver: createHostDirBackend({ hostPath, readOnly: true }), readOnly: true };
}
/** Whether `d` looks like a user-written `VirtualFileSystem` (the methods the kernel calls). */
function isDriverObject(d) {
    if (!isObject(d))
        return false;
    const o = d;
    return ["readFile", "writeFile", "stat", "lstat", "readDir", "mkdir", "removeFile", "removeDir", "rename"].every((k) => typeof o[k] === "function");
}
/** The native handle to mount for a driver: ours directly, a user's object through the JS bridge. */
function nativeOf(driver) {
    return driver instanceof NativeFileSystem ? driver.native : (0, jsdriver_js_1.jsDriver)(driver);
}
/** The filesystem of a mount; plugins are made by `host` (in the VM's sidecar). */
function mountDriver(m, host) {
    if ("driver" in m)
        return m.driver instanceof NativeFileSystem ? m.driver : new NativeFileSystem(nativeOf(m.driver));
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
function decide(scope, check, request) {
    try {
        const d = check(request);
        if (d && typeof d.then === "function") {
            return { allow: false, reason: `permissions.${scope} must return its decision synchronously` };
        }
        if (!isObject(d) || typeof d.allow !== "boolean") {
            return { allow: false, reason: `permissions.${scope} returned no { allow } decision` };
        }
        return { allow: d.allow, reason: d.reason == null ? undefined : String(d.reason) };
    }
    catch (err) {
        return { allow: false, reason: `permissions.${scope} threw: ${err instanceof Error ? err.message : String(err)}` };
    }
}
function networkCheck(check) {
    return (r) => {
        const request = { op: r.op };
        if (r.hostname != null)
            request.hostname = r.hostname;
        if (r.port != null)
            request.port = r.port;
        return decide("network", check, request);
    };
}
/** The `fs`, `childProcess` and `env` checks in the shapes API.md gives them. */
function configurePermissions(vm, p) {
    const { fs, childProcess, env } = p;
    if (!fs && !childProcess && !env)
        return;
    callSync(() => vm.configurePermissions(fs && ((r) => decide("fs", fs, { op: r.op, path: r.path ?? "" })), childProcess &&
        ((r) => decide("childProcess", childProcess, { command: r.command ?? "", args: r.args ?? [], cwd: r.cwd ?? undefined, env: r.env ?? undefined })), env &&
        ((r) => decide("env", env, { op: r.op, key: r.key ?? "", value: r.value ?? undefined }))));
}
function spawnedInfo(p) {
    return { pid: p.pid, command: p.command, args: p.args, running: p.running, exitCode: p.exitCode ?? null };
}
function processInfo(p) {
    return {
        pid: p.pid,
        ppid: p.ppid,
        pgid: p.pgid,
        sid: p.sid,
        driver: p.driver,
        command: p.command,
        args: p.args,
        cwd: p.cwd,
        status: p.status,
        exitCode: p.exitCode ?? null,
        startTime: p.startTime,
        exitTime: p.exitTime ?? null,
    };
}
/** No software: shared by every VM created without it (never mutated). */
const NO_SOFTWARE = { roots: [], agents: new Map(), bins: new Map() };
/**
 * A VM: a Linux-like machine with its own filesystem, living inside this Node.js process as a
 * tenant of the process-global sidecar. It holds no thread and no isolate while idle.
 */
class AgentOs {
    #vm;
    #fs;
    #procs;
    #shells;
    #running = 0;
    #software = NO_SOFTWARE;
    /** Session bookkeeping, made on first use: an idle VM object stays small. */
    #agentState;
    constructor(vm) {
        this.#vm = vm;
        this.#fs = vm.filesystem();
    }
    /**
     * Boot a VM. Costs microseconds: the root tree is shared copy-on-write with every other VM.
     * Rejects with `ERR_AGENT_OS_INVALID_OPTIONS` for unknown or unsupported options.
     */
    static async create(options) {
        validateOptions(options);
        const placement = options?.sidecar;
        const host = callSync(() => (0, sidecar_js_1.nativeHost)(placement?.kind === "explicit" ? placement.handle : undefined));
        const vm = callSync(() => host.createVm(options?.limits));
        const os = new AgentOs(vm);
        (0, sidecar_js_1.adoptFacade)(vm, os);
        os.#scheduleDriver = options?.scheduleDriver;
        try {
            const network = options?.permissions?.network;
            if (network || options?.loopbackExemptPorts?.length || options?.egress?.length) {
                callSync(() => vm.configureNetwork({
                    loopbackExemptPorts: options?.loopbackExemptPorts,
                    egress: options?.egress?.map((r) => ({ host: r.host, port: r.port, headers: { ...r.headers } })),
                }, network ? networkCheck(network) : undefined));
            }
            if (options?.permissions)
                configurePermissions(vm, options.permissions);
            const builtins = options?.allowedNodeBuiltins;
            if (builtins)
                callSync(() => vm.setAllowedNodeBuiltins(builtins.map(bareBuiltin)));
            for (const m of options?.mounts ?? []) {
                const driver = mountDriver(m, host);
                callSync(() => vm.mount(m.path, driver.native, m.readOnly ?? false));
            }
            if (options?.additionalInstructions) {
                const text = options.additionalInstructions;
                callSync(() => vm.setAdditionalInstructions(text));
            }
            if (options?.software?.length) {
                os.#software = (0, software_js_1.processSoftware)(options.software, invalidOptions);
                await os.#installSoftware(options.moduleAccessCwd ?? process.cwd(), host);
            }
        }
        catch (err) {
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
    static async createSidecar(options) {
        return (0, sidecar_js_1.startSidecar)(options);
    }
    /** Tear down this VM only, releasing its state (open sessions' agents are killed). Idempotent. */
    async dispose() {
        this.#cronManager?.dispose();
        this.#cronDisposed = true;
        this.#vm.dispose();
        for (const s of this.#agentState?.sessions.values() ?? [])
            s.drop();
        this.#agentState = undefined;
    }
    /** Read a whole file. */
    readFile(path) {
        return call(this.#fs.readFile(path));
    }
    /** Create or replace a file, creating missing parent directories. */
    writeFile(path, content) {
        return call(this.#fs.writeFile(path, content));
    }
    /** Read several files; a failed read gives `content: null` and its `error`. */
    async readFiles(paths) {
        const results = await call(this.#fs.readFiles(paths));
        return results.map((r) => r.error === undefined || r.error === null ? { path: r.path, content: r.content ?? null } : { path: r.path, content: null, error: r.error });
    }
    /** Write several files, creating parents; each result says whether it was written. */
    async writeFiles(entries) {
        const results = await call(this.#fs.writeFiles(entries));
        return results.map((r) => (r.success ? { path: r.path, success: true } : { path: r.path, success: false, error: r.error ?? undefined }));
    }
    /** Create a directory; with `recursive`, its missing parents too. */
    mkdir(path, options) {
        return call(this.#fs.mkdir(path, options?.recursive ?? false));
    }
    /** Entry names of a directory, without `.` and `..`. */
    readdir(path) {
        return call(this.#fs.readDir(path));
    }
    /** Every entry below a directory, breadth first; symlinks are listed, not followed. */
    readdirRecursive(path, options) {
        return call(this.#fs.readdirRecursive(path, options?.maxDepth, options?.exclude));
    }
    /** Metadata of a path (following symlinks). */
    stat(path) {
        return call(this.#fs.stat(path));
    }
    /** Whether a path exists (following symlinks). */
    exists(path) {
        return call(this.#fs.exists(path));
    }
    /** Move a file or directory (across mounts too). */
    move(from, to) {
        return call(this.#fs.move(from, to));
    }
    /** Delete a file or an empty directory; with `recursive`, a directory and its content. */
    delete(path, options) {
        return call(this.#fs.remove(path, options?.recursive ?? false));
    }
    /** Mount a filesystem at `path` (created if missing). Throws `EBUSY` if something is mounted there. */
    mountFs(path, driver, options) {
        if (!(driver instanceof NativeFileSystem) && !isDriverObject(driver)) {
            throw new KernelError("ERR_AGENT_OS_INVALID_OPTIONS", "mountFs: the driver must implement VirtualFileSystem (readFile, writeFile, stat, lstat, readDir, ...)");
        }
        const native = nativeOf(driver);
        callSync(() => this.#vm.mount(path, native, options?.readOnly ?? false));
    }
    // ---- processes -------------------------------------------------------------------------
    #tracked() {
        if (!this.#procs) {
            // The channel must not keep this object alive: hold it weakly, so a VM that is dropped
            // without dispose() can still be collected.
            const self = new WeakRef(this);
            const vm = this.#vm;
            callSync(() => vm.setEventHandler((events) => {
                const os = self.deref();
                if (os)
                    os.#dispatch(events);
            }));
            this.#procs = new Map();
        }
        return this.#procs;
    }
    #track(pid, onStdout, onStderr) {
        const t = { stdout: new Set(), stderr: new Set(), exit: new Set(), exited: false };
        if (onStdout)
            t.stdout.add({ fn: onStdout, after: 0 });
        if (onStderr)
            t.stderr.add({ fn: onStderr, after: 0 });
        this.#tracked().set(pid, t);
        if (this.#running++ === 0)
            this.#vm.setEventsRef(true);
        return t;
    }
    #dispatch(events) {
        for (const ev of events) {
            if (ev.kind === "session") {
                this.#sessionEvent(ev.pid, ev.seq ?? 0, ev.json ?? "{}");
                continue;
            }
            if (ev.kind === "shell") {
                this.#shellOutput(ev.pid, ev.data);
                continue;
            }
            const t = this.#procs?.get(ev.pid);
            if (!t)
                continue;
            if (ev.kind === "exit") {
                t.exited = true;
                if (--this.#running === 0)
                    this.#vm.setEventsRef(false);
                for (const h of [...t.exit])
                    h(ev.exitCode ?? 0);
                t.exit.clear();
                t.done?.();
                continue;
            }
            const set = ev.kind === "stdout" ? t.stdout : t.stderr;
            const seq = ev.seq ?? 0;
            for (const l of [...set])
                if (seq > l.after)
                    l.fn(ev.data);
        }
    }
    #startOptions(options) {
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
    async exec(command, options) {
        const streaming = options?.onStdout !== undefined || options?.onStderr !== undefined;
        if (streaming)
            this.#tracked();
        const pid = callSync(() => this.#vm.execStart(command, this.#startOptions(options)));
        let exited;
        if (streaming) {
            const t = this.#track(pid, options?.onStdout, options?.onStderr);
            exited = new Promise((resolve) => (t.done = resolve));
        }
        try {
            const result = await call(this.#vm.execFinish(pid, options?.timeout));
            // Every output event reaches the handlers before exec resolves.
            if (exited)
                await exited;
            return result;
        }
        finally {
            if (streaming)
                this.#procs?.delete(pid);
        }
    }
    /**
     * Start `command` with `args` (found on `PATH`) and return its pid at once. Output is kept in
     * a bounded buffer and replayed to handlers attached later.
     */
    spawn(command, args = [], options) {
        this.#tracked();
        const pid = callSync(() => this.#vm.spawn(command, args, this.#startOptions(options)));
        this.#track(pid, options?.onStdout, options?.onStderr);
        return { pid };
    }
    /** Write to a process's standard input. Throws `ESRCH` for an unknown pid. */
    writeProcessStdin(pid, data) {
        callSync(() => this.#vm.writeStdin(pid, data));
    }
    /** Close a process's standard input (it sees end of file). */
    closeProcessStdin(pid) {
        callSync(() => this.#vm.closeStdin(pid));
    }
    #listen(pid, stream, handler) {
        const replay = callSync(() => this.#vm.subscribe(pid, stream));
        let t = this.#tracked().get(pid);
        if (!t) {
            t = { stdout: new Set(), stderr: new Set(), exit: new Set(), exited: true };
            this.#tracked().set(pid, t);
        }
        const listener = { fn: handler, after: replay.seq };
        for (const chunk of replay.chunks)
            handler(chunk);
        const set = stream === "stdout" ? t.stdout : t.stderr;
        set.add(listener);
        return () => {
            set.delete(listener);
        };
    }
    /** Receive a process's standard output, starting with what it printed before. */
    onProcessStdout(pid, handler) {
        return this.#listen(pid, "stdout", handler);
    }
    /** Receive a process's standard error, starting with what it printed before. */
    onProcessStderr(pid, handler) {
        return this.#listen(pid, "stderr", handler);
    }
    /** Be told a process's exit code (at once, if it already exited). */
    onProcessExit(pid, handler) {
        const info = this.getProcess(pid);
        const t = this.#tracked().get(pid);
        if (!info.running || !t || t.exited) {
            handler(info.exitCode ?? 0);
            return () => { };
        }
        t.exit.add(handler);
        return () => {
            t.exit.delete(handler);
        };
    }
    /** Resolve with a process's exit code (128 + n if signal n ended it). */
    waitProcess(pid) {
        this.getProcess(pid);
        return call(this.#vm.wait(pid));
    }
    /** Processes started through `spawn`/`exec`. */
    listProcesses() {
        return callSync(() => this.#vm.listProcesses()).map(spawnedInfo);
    }
    /** Every process of the VM's kernel. */
    allProcesses() {
        return callSync(() => this.#vm.allProcesses()).map(processInfo);
    }
    /** The kernel's processes as a tree, by parent. */
    processTree() {
        const nodes = new Map();
        for (const p of this.allProcesses())
            nodes.set(p.pid, { ...p, children: [] });
        const roots = [];
        for (const n of nodes.values()) {
            const parent = nodes.get(n.ppid);
            if (parent)
                parent.children.push(n);
            else
                roots.push(n);
        }
        return roots;
    }
    /** A process started through `spawn`/`exec`. Throws `ESRCH` for an unknown pid. */
    getProcess(pid) {
        return spawnedInfo(callSync(() => this.#vm.getProcess(pid)));
    }
    /** Send SIGTERM to a process (and its process group). No effect once it exited. */
    stopProcess(pid) {
        callSync(() => this.#vm.signal(pid, SIGTERM));
    }
    /** Send SIGKILL to a process (and its process group). No effect once it exited. */
    killProcess(pid) {
        callSync(() => this.#vm.signal(pid, SIGKILL));
    }
    /**
     * Send `request` over HTTP/1.1 to the server listening on `port` inside the VM and resolve
     * with its `Response` (the body streams). Waits up to 2 s for a server that is about to
     * listen; rejects with `ECONNREFUSED` when none does.
     */
    async fetch(port, request) {
        const url = new URL(request.url);
        const headers = [];
        let hasHost = false;
        request.headers.forEach((value, name) => {
            if (name === "host")
                hasHost = true;
            headers.push([name, value]);
        });
        if (!hasHost)
            headers.unshift(["host", url.host || `localhost:${port}`]);
        const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
        const vm = this.#vm;
        const signal = request.signal;
        signal.throwIfAborted();
        const pending = call(vm.fetch(port, { method: request.method, target: `${url.pathname}${url.search}`, headers, body }));
        // An abort rejects at once; a head that still arrives has its connection closed.
        const aborted = new Promise((_, reject) => {
            signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
        aborted.catch(() => { });
        pending.then((h) => signal.aborted && vm.fetchCancel(h.body)).catch(() => { });
        const head = await Promise.race([pending, aborted]);
        signal.addEventListener("abort", () => vm.fetchCancel(head.body), { once: true });
        const nullBody = request.method === "HEAD" || head.status === 204 || head.status === 205 || head.status === 304;
        const inline = head.inline;
        const stream = nullBody
            ? null
            : inline != null
                ? // napi gives a Uint8Array over a plain ArrayBuffer.
                    inline
                : new ReadableStream({
                    async pull(controller) {
                        const chunk = await call(vm.fetchRead(head.body));
                        if (chunk === null)
                            controller.close();
                        else
                            controller.enqueue(chunk);
                    },
                    cancel() {
                        vm.fetchCancel(head.body);
                    },
                });
        if (nullBody && inline == null)
            vm.fetchCancel(head.body);
        const responseHeaders = new Headers();
        for (const [name, value] of head.headers) {
            try {
                responseHeaders.append(name, value);
            }
            catch {
                // A header the web Headers class refuses is left out, as fetch() does.
            }
        }
        const status = head.status >= 200 && head.status <= 599 ? head.status : 502;
        return new Response(stream, { status, statusText: head.statusText, headers: responseHeaders });
    }
    /** Unmount the filesystem at `path`. Throws `EINVAL` if nothing is mounted there. */
    unmountFs(path) {
        callSync(() => this.#vm.unmount(path));
    }
    // ---- interactive shells ----------------------------------------------------------------
    #shellMap() {
        this.#tracked();
        return (this.#shells ??= new Map());
    }
    #shell(shellId) {
        const s = typeof shellId === "string" ? this.#shells?.get(shellId) : undefined;
        if (!s)
            throw new KernelError("ERR_AGENT_OS_UNKNOWN_SHELL", `no such shell: ${String(shellId)}`);
        return s;
    }
    /** Output of shell `id` (an empty chunk: its terminal closed). */
    #shellOutput(id, data) {
        const s = this.#shells?.get(`shell-${id}`);
        if (!s)
            return;
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
        for (const h of [...s.handlers])
            h(data);
    }
    #shellListening(s, on) {
        // An ended shell sends nothing more: listening to it must not keep Node alive.
        if (s.listening === on || (on && (s.ended || s.closed)))
            return;
        s.listening = on;
        if (on) {
            if (this.#running++ === 0)
                this.#vm.setEventsRef(true);
        }
        else if (--this.#running === 0) {
            this.#vm.setEventsRef(false);
        }
        if (!s.ended && !s.closed && !this.#vm.disposed)
            callSync(() => this.#vm.listenShell(s.id, on));
    }
    /**
     * Start an interactive shell (default `sh`) on a new terminal of `cols` × `rows` (80 × 24)
     * and return its id at once. Its output waits in the terminal until `onShellData` listens:
     * nothing it prints is lost.
     */
    openShell(options) {
        const id = callSync(() => this.#vm.openShell({
            command: options?.command,
            args: options?.args,
            env: options?.env,
            cwd: options?.cwd,
            cols: options?.cols,
            rows: options?.rows,
        }));
        const shellId = `shell-${id}`;
        this.#shellMap().set(shellId, { id, handlers: new Set(), pending: [], listening: false, ended: false, closed: false });
        return { shellId };
    }
    /** Type at a shell's terminal (^C, arrows and the rest as the bytes a terminal sends). */
    writeShell(shellId, data) {
        const s = this.#shell(shellId);
        callSync(() => this.#vm.writeShell(s.id, data));
    }
    /** Receive what a shell's terminal shows, starting with everything not yet delivered. */
    onShellData(shellId, handler) {
        const s = this.#shell(shellId);
        s.handlers.add(handler);
        const kept = s.pending.splice(0);
        for (const chunk of kept)
            handler(chunk);
        this.#shellListening(s, true);
        return () => {
            s.handlers.delete(handler);
            if (s.handlers.size === 0 && s.listening)
                this.#shellListening(s, false);
        };
    }
    /** Resize a shell's terminal; its foreground programs get `SIGWINCH`. */
    resizeShell(shellId, cols, rows) {
        const s = this.#shell(shellId);
        if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
            throw new KernelError("EINVAL", `resizeShell: cols and rows must be positive integers (got ${cols} × ${rows})`);
        }
        callSync(() => this.#vm.resizeShell(s.id, cols, rows));
    }
    /** Close a shell: its terminal hangs up and its processes are killed. */
    closeShell(shellId) {
        const s = this.#shell(shellId);
        this.#shells.delete(shellId);
        s.closed = true;
        this.#shellListening(s, false);
        s.handlers.clear();
        callSync(() => this.#vm.closeShell(s.id));
    }
    // ---- software --------------------------------------------------------------------------
    async #installSoftware(moduleAccessCwd, host) {
        const { roots, bins } = this.#software;
        const base = (0, node_path_1.join)(moduleAccessCwd, "node_modules");
        const baseReal = (0, node_fs_1.existsSync)(base) ? (0, node_fs_1.realpathSync)(base) : undefined;
        if (baseReal) {
            const driver = callSync(() => host.createHostDir(baseReal, true));
            callSync(() => this.#vm.mount("/root/node_modules", driver, true));
        }
        for (const root of roots) {
            const name = root.vmPath.slice("/root/node_modules/".length);
            const inBase = baseReal && (0, node_fs_1.existsSync)((0, node_path_1.join)(baseReal, name)) ? (0, node_fs_1.realpathSync)((0, node_path_1.join)(baseReal, name)) : undefined;
            if (inBase === root.hostPath)
                continue;
            const driver = callSync(() => host.createHostDir(root.hostPath, true));
            callSync(() => this.#vm.mount(root.vmPath, driver, true));
        }
        for (const [command, script] of bins) {
            const path = `/usr/local/bin/${command}`;
            await this.writeFile(path, (0, software_js_1.binWrapper)(script));
            await call(this.#fs.chmod(path, 0o755));
        }
    }
    /** The agent types this VM's software provides. */
    listAgents() {
        return [...this.#software.agents.values()].map((a) => ({
            id: a.id,
            acpAdapter: a.acpAdapter,
            agentPackage: a.agentPackage,
            installed: a.adapterBin !== undefined,
        }));
    }
    // ---- sessions --------------------------------------------------------------------------
    #st() {
        return (this.#agentState ??= { sessions: new Map(), byHandle: new Map(), early: new Map(), starting: 0 });
    }
    #sessionEvent(handle, seq, json) {
        const s = this.#st().byHandle.get(handle);
        if (s) {
            s.deliver(seq, JSON.parse(json));
            return;
        }
        // A session being created may send events before its handle is known; any other unknown
        // handle is a session already closed.
        if (this.#st().starting === 0)
            return;
        let early = this.#st().early.get(handle);
        if (!early)
            this.#st().early.set(handle, (early = []));
        early.push({ seq, json });
    }
    #session(sessionId) {
        const s = this.#st().sessions.get(sessionId);
        if (!s)
            throw new KernelError("ERR_AGENT_OS_UNKNOWN_SESSION", `no such session: ${sessionId}`);
        return s;
    }
    /**
     * Start an agent of `agentType` (from the VM's `software`) as a process in the VM and open
     * an ACP session with it (`initialize`, then `session/new`). The agent's system prompt gets
     * `/etc/agentos/instructions.md` and `additionalInstructions` through its
     * `prepareInstructions` hook. Rejects with `ERR_AGENT_OS_UNKNOWN_AGENT` for an agent type no
     * software provides.
     */
    async createSession(agentType, options) {
        const config = this.#software.agents.get(agentType);
        if (!config) {
            const known = [...this.#software.agents.keys()];
            throw new KernelError("ERR_AGENT_OS_UNKNOWN_AGENT", `unknown agent type \`${agentType}\` (${known.length ? `installed: ${known.join(", ")}` : "no agent software was given to AgentOs.create()"})`);
        }
        if (!config.adapterBin) {
            throw new KernelError("ERR_AGENT_OS_UNKNOWN_AGENT", `agent \`${agentType}\`: its ACP adapter package ${config.acpAdapter} has no bin entry`);
        }
        for (const [k, v] of Object.entries(options?.env ?? {})) {
            if (typeof v !== "string")
                throw invalidOptions(`createSession: env.${k} must be a string`);
        }
        const cwd = options?.cwd ?? "/home/user";
        const args = [config.adapterBin, ...config.launchArgs];
        const env = { ...config.env };
        const skipBase = options?.skipOsInstructions ?? false;
        const additional = options?.additionalInstructions;
        if (config.prepareInstructions && (!skipBase || additional)) {
            const kernel = {
                readFile: (p) => this.readFile(p),
                writeFile: (p, c) => this.writeFile(p, c),
                exists: (p) => this.exists(p),
            };
            const prepared = await config.prepareInstructions(kernel, cwd, additional, { skipBase });
            args.push(...(prepared?.args ?? []));
            Object.assign(env, prepared?.env ?? {});
        }
        Object.assign(env, options?.env ?? {});
        this.#tracked();
        this.#st().starting++;
        let started;
        try {
            started = await callAsync(() => this.#vm.sessionStart({
                agentType,
                command: "node",
                args,
                env,
                cwd,
                mcpServersJson: JSON.stringify(options?.mcpServers ?? []),
                permissionTimeoutMs: options?.permissionTimeoutMs,
                requestTimeoutMs: options?.requestTimeoutMs,
            }));
        }
        finally {
            if (--this.#st().starting === 0) {
                // Keep only what a session registered below will replay.
                for (const h of [...this.#st().early.keys()])
                    if (h !== started?.handle)
                        this.#st().early.delete(h);
            }
        }
        if (started === undefined)
            throw new KernelError("ERR_AGENT_OS_INTERNAL", "session start returned nothing");
        const early = this.#st().early.get(started.handle) ?? [];
        this.#st().early.delete(started.handle);
        try {
            if (this.#vm.disposed)
                throw new KernelError("ERR_AGENT_OS_DISPOSED", "the VM was disposed while the session started");
            if (this.#st().sessions.has(started.sessionId)) {
                throw new KernelError("ERR_AGENT_OS_SESSION_CLOSED", `agent \`${agentType}\` returned a session id already in use: ${started.sessionId}`);
            }
            const s = new sessions_js_1.SessionState(started.handle, started.sessionId, agentType, started.pid, JSON.parse(started.initJson) ?? {}, JSON.parse(started.sessionJson) ?? {});
            this.#st().sessions.set(s.sessionId, s);
            this.#st().byHandle.set(s.handle, s);
            for (const e of early)
                s.deliver(e.seq, JSON.parse(e.json));
            return { sessionId: s.sessionId };
        }
        catch (err) {
            this.#vm.sessionClose(started.handle);
            throw err instanceof KernelError ? err : new KernelError("ERR_AGENT_OS_SESSION_CLOSED", `agent \`${agentType}\` answered the handshake badly: ${String(err)}`);
        }
    }
    async #request(s, method, params, collect = false) {
        const reply = await callAsync(() => this.#vm.sessionRequest(s.handle, method, JSON.stringify(params), collect));
        // Every notification the agent sent before answering reaches the handlers first.
        await s.caughtUp(reply.seq);
        return { response: JSON.parse(reply.json), text: reply.text };
    }
    /**
     * Send a prompt and wait for the end of the turn. Resolves with the agent's response and the
     * text of the `agent_message_chunk` updates it streamed meanwhile (every `onSessionEvent`
     * handler has seen them by then).
     */
    async prompt(sessionId, text) {
        const s = this.#session(sessionId);
        return this.#request(s, "session/prompt", { sessionId, prompt: [{ type: "text", text }] }, true);
    }
    /** Ask the agent to stop the current turn (`session/cancel`). */
    async cancelSession(sessionId) {
        const s = this.#session(sessionId);
        const reply = await callAsync(() => this.#vm.sessionCancel(s.handle));
        await s.caughtUp(reply.seq);
        return JSON.parse(reply.json);
    }
    /** Kill the session's agent process and forget the session and its history. */
    closeSession(sessionId) {
        const s = this.#session(sessionId);
        callSync(() => this.#vm.sessionClose(s.handle));
        s.drop();
        this.#st().sessions.delete(sessionId);
        this.#st().byHandle.delete(s.handle);
    }
    /** Cancel the session's work (errors ignored), then close it. */
    async destroySession(sessionId) {
        this.#session(sessionId);
        try {
            await this.cancelSession(sessionId);
        }
        catch {
            // Nothing to cancel, or the agent is gone.
        }
        if (this.#st().sessions.has(sessionId))
            this.closeSession(sessionId);
    }
    /** Check that a session is open; returns its id. */
    resumeSession(sessionId) {
        this.#session(sessionId);
        return { sessionId };
    }
    /** Open sessions. */
    listSessions() {
        return [...this.#st().sessions.values()].map((s) => ({ sessionId: s.sessionId, agentType: s.agentType }));
    }
    /**
     * The session's recorded notifications (each with its sequence number), after `since` and of
     * `method` when given. Requests the agent made are recorded too (permission requests as
     * `request/permission`), and an agent that exits leaves `_agentos/session_ended`.
     */
    getSessionEvents(sessionId, options) {
        const s = this.#session(sessionId);
        return JSON.parse(callSync(() => this.#vm.sessionEvents(s.handle, options?.since, options?.method)));
    }
    /**
     * Receive the session's notifications live: `session/update`, the agent's own extension
     * notifications and `_agentos/session_ended` (permission requests go to
     * `onPermissionRequest`; requests the agent makes for files and terminals are only recorded).
     */
    onSessionEvent(sessionId, handler) {
        const s = this.#session(sessionId);
        s.events.add(handler);
        return () => {
            s.events.delete(handler);
        };
    }
    /** Receive the agent's permission requests; answer each with `respondPermission`. */
    onPermissionRequest(sessionId, handler) {
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
    async respondPermission(sessionId, permissionId, reply) {
        const s = this.#session(sessionId);
        return JSON.parse(callSync(() => this.#vm.sessionRespondPermission(s.handle, permissionId, reply)));
    }
    /** Send any request to the session's agent; `sessionId` is added to `params`. */
    async rawSessionSend(sessionId, method, params) {
        const s = this.#session(sessionId);
        const merged = { sessionId, ...(params ?? {}) };
        const { response } = await this.#request(s, method, merged);
        if (!response.error)
            s.applySent(method, merged);
        return response;
    }
    /** Switch the session's mode (`session/set_mode`). */
    setSessionMode(sessionId, modeId) {
        return this.rawSessionSend(sessionId, "session/set_mode", { modeId });
    }
    /** The modes the agent offers, and the current one; `null` if it offers none. */
    getSessionModes(sessionId) {
        return this.#session(sessionId).modes;
    }
    async #setByCategory(sessionId, category, value) {
        const s = this.#session(sessionId);
        const option = s.configOptions.find((o) => o.category === category);
        if (option?.readOnly) {
            return { jsonrpc: "2.0", id: null, error: { code: -32601, message: `The ${category} config option is read-only for ${s.agentType} sessions.` } };
        }
        return this.rawSessionSend(sessionId, "session/set_config_option", { configId: option?.id ?? category, value });
    }
    /** Choose the session's model (the config option of category `model`). */
    setSessionModel(sessionId, model) {
        return this.#setByCategory(sessionId, "model", model);
    }
    /** Choose the session's thought level (the config option of category `thought_level`). */
    setSessionThoughtLevel(sessionId, level) {
        return this.#setByCategory(sessionId, "thought_level", level);
    }
    /** The config options the agent offers (model, thought level, ...). */
    getSessionConfigOptions(sessionId) {
        return this.#session(sessionId).configOptions;
    }
    /** The agent's capabilities from `initialize`; `null` if it reported none. */
    getSessionCapabilities(sessionId) {
        const caps = this.#session(sessionId).capabilities;
        return Object.keys(caps).length > 0 ? caps : null;
    }
    /** Who the agent says it is (`initialize`'s `agentInfo`); `null` if it did not say. */
    getSessionAgentInfo(sessionId) {
        return this.#session(sessionId).agentInfo;
    }
    // ---- cron ----
    #scheduleDriver;
    #cronManager;
    #cronDisposed = false;
    #cron() {
        if (this.#cronDisposed || this.#vm.disposed) {
            throw new KernelError("ERR_AGENT_OS_DISPOSED", "the VM was disposed; it runs no cron jobs");
        }
        this.#cronManager ??= new cron_js_1.CronManager({
            exec: (command) => this.exec(command),
            createSession: (agentType, options) => this.createSession(agentType, options),
            prompt: (sessionId, text) => this.prompt(sessionId, text),
            closeSession: (sessionId) => this.closeSession(sessionId),
            error: (code, message) => new KernelError(code, message),
            wrap: asKernelError,
        }, this.#scheduleDriver);
        return this.#cronManager;
    }
    /**
     * Schedule a cron job; returns at once with its id and a `cancel()`. Throws
     * `ERR_AGENT_OS_INVALID_CRON` for a bad expression, `ERR_AGENT_OS_DISPOSED` after `dispose()`.
     * A job whose id exists replaces it. Jobs stop when the VM is disposed; they never keep the
     * Node process alive.
     */
    scheduleCron(options) {
        return this.#cron().schedule(options);
    }
    /** The VM's cron jobs, with their last and next run times and run counts. */
    listCronJobs() {
        return this.#cronDisposed ? [] : (this.#cronManager?.list() ?? []);
    }
    /** Cancel a cron job (a run in progress finishes). Unknown ids are ignored. */
    cancelCronJob(id) {
        this.#cronManager?.cancel(id);
    }
    /** Receive `cron:fire`, `cron:complete` and `cron:error` events of every job of this VM. */
    onCronEvent(handler) {
        this.#cron().onEvent(handler);
    }
}
exports.AgentOs = AgentOs;
