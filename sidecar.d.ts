import { NativeFs, NativeVm, type LimitsOptions, type S3MountConfig } from "./binding.js";
/** Where a VM's native objects are made: this process's binding, or an explicit sidecar. */
export interface NativeHost {
    createVm(limits?: LimitsOptions): NativeVm;
    createMemoryFs(): NativeFs;
    createHostDir(hostPath: string, readOnly: boolean): NativeFs;
    createS3(config: S3MountConfig, readOnly: boolean): NativeFs;
}
/** The default: VMs are tenants of this process's default sidecar. */
export declare const inProcessHost: NativeHost;
/** What a sidecar's `exit` handlers receive. */
export interface SidecarExitInfo {
    /** The process's exit code (`null` if a signal ended it). */
    code: number | null;
    /** The signal that ended it (`"SIGKILL"`, ...), else `null`. */
    signal: string | null;
}
/** What `describe()` returns. */
export interface SidecarDescription {
    sidecarId: string;
    state: "ready" | "disposing" | "disposed";
    /** VMs created in the sidecar and not disposed. */
    activeVmCount: number;
    /** OS process id of the sidecar (ours). */
    pid: number;
}
/**
 * A dedicated OS process hosting a group of VMs (`AgentOs.createSidecar()`): the same kernel,
 * in a process of its own. Create VMs in it with `AgentOs.create({ sidecar: { kind:
 * "explicit", handle } })`; every VM method works as in-process (same errors, same events).
 * Its VMs live until they are disposed (or collected without `dispose()`, as in-process), or
 * the sidecar is. If the process dies, its VMs'
 * calls fail with `ERR_AGENT_OS_SIDECAR_EXITED` and `exit` handlers run; this process and
 * other sidecars are unaffected. A sidecar never outlives this process.
 */
export declare class AgentOsSidecar {
    #private;
    readonly sidecarId: string;
    /** OS process id of the sidecar's process. */
    readonly pid: number;
    private constructor();
    /** The sidecar's id, state and number of live VMs (and its process id). */
    describe(): SidecarDescription;
    /**
     * Dispose the sidecar's VMs (as their `dispose()` would), then end its process. Idempotent;
     * resolves when the process has exited.
     */
    dispose(): Promise<void>;
    /**
     * Be told when the sidecar's process exits (after `dispose()`, or if it died); at once if it
     * already did. Returns a function that removes the handler.
     */
    on(event: "exit", handler: (info: SidecarExitInfo) => void): () => void;
}
/** `AgentOs.createSidecar()`: start the process; resolves once it is ready. */
export declare function startSidecar(options?: {
    sidecarId?: string;
}): Promise<AgentOsSidecar>;
/** The native host of a VM placement: this process, or the sidecar's process. */
export declare function nativeHost(handle: AgentOsSidecar | undefined): NativeHost;
/** Whether `handle` is a sidecar made by `AgentOs.createSidecar()`. */
export declare function isSidecar(handle: unknown): handle is AgentOsSidecar;
/** Let `AgentOsSidecar.dispose()` dispose the facade of a VM in a sidecar (no-op for others). */
export declare function adoptFacade(vm: NativeVm, facade: {
    dispose(): Promise<void>;
}): void;
