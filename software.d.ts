/** Host paths of a descriptor's packages, mapped to where the VM sees them. */
export interface SoftwareContext {
    /** VM path of a package's bin (`binName` defaults to the package name, then its only bin). */
    resolveBin(packageName: string, binName?: string): string;
    /** VM path of a package's directory (`/root/node_modules/<name>`). */
    resolvePackage(packageName: string): string;
}
/** What `prepareInstructions` may read: the VM's filesystem. */
export interface InstructionsKernel {
    readFile(path: string): Promise<Uint8Array>;
    writeFile(path: string, content: string | Uint8Array): Promise<void>;
    exists(path: string): Promise<boolean>;
}
/** An ACP agent: its adapter (the process the sidecar talks to) and the agent it drives. */
export interface AgentSoftwareDescriptor {
    name: string;
    type: "agent";
    /** Host directory of the descriptor's npm package; `requires` resolve from here upwards. */
    packageDir: string;
    /** npm packages made visible (read-only) in the VM at `/root/node_modules/<name>`. */
    requires: string[];
    agent: {
        /** The agent type `createSession` takes. */
        id: string;
        /** npm package of the ACP adapter; its bin is what runs. */
        acpAdapter: string;
        /** npm package of the agent itself. */
        agentPackage: string;
        /** Environment of every session of this agent. */
        staticEnv?: Record<string, string>;
        /** Environment computed when the VM boots. */
        env?: (ctx: SoftwareContext) => Record<string, string>;
        /** Arguments before the instructions' arguments. */
        launchArgs?: string[];
        /** Turn the VM's instructions into launch arguments or environment for the agent. */
        prepareInstructions?: (kernel: InstructionsKernel, cwd: string, additionalInstructions?: string, opts?: {
            toolReference?: string;
            skipBase?: boolean;
        }) => Promise<{
            args?: string[];
            env?: Record<string, string>;
        }>;
    };
}
/** Command-line tools: each bin (command name → npm package) is put on `PATH`. */
export interface ToolSoftwareDescriptor {
    name: string;
    type: "tool";
    packageDir: string;
    requires: string[];
    bins: Record<string, string>;
}
export type SoftwareDescriptor = AgentSoftwareDescriptor | ToolSoftwareDescriptor;
/** A descriptor, or an array of them (meta-packages). */
export type SoftwareInput = SoftwareDescriptor | SoftwareDescriptor[];
/** Type-checks a software descriptor; returns it unchanged. */
export declare function defineSoftware<T extends SoftwareDescriptor>(desc: T): T;
/** An agent type a VM can start. */
export interface AgentConfig {
    id: string;
    acpAdapter: string;
    agentPackage: string;
    launchArgs: string[];
    env: Record<string, string>;
    /** VM path of the adapter's entry point, when its package was found. */
    adapterBin?: string;
    prepareInstructions?: AgentSoftwareDescriptor["agent"]["prepareInstructions"];
}
/** A host directory to mount read-only at `vmPath`. */
export interface SoftwareRoot {
    hostPath: string;
    vmPath: string;
}
/** Everything a VM needs from its `software` option. */
export interface ProcessedSoftware {
    roots: SoftwareRoot[];
    agents: Map<string, AgentConfig>;
    /** Commands to put in `/usr/local/bin`: name → VM path of the script to run with `node`. */
    bins: Map<string, string>;
}
/**
 * Resolve every descriptor's packages on the host. Throws (with `fail`) for a malformed
 * descriptor or a package that is not installed.
 */
export declare function processSoftware(software: unknown[], fail: (message: string) => Error): ProcessedSoftware;
/** Shell script that runs a package's bin with the VM's `node`. */
export declare function binWrapper(script: string): string;
