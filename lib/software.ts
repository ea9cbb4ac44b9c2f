/**
 * Software packages: descriptors (`defineSoftware`) of agents and tools whose npm packages are
 * resolved on the host and mounted read-only into the VM under `/root/node_modules`.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

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
    prepareInstructions?: (
      kernel: InstructionsKernel,
      cwd: string,
      additionalInstructions?: string,
      opts?: { toolReference?: string; skipBase?: boolean },
    ) => Promise<{ args?: string[]; env?: Record<string, string> }>;
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
export function defineSoftware<T extends SoftwareDescriptor>(desc: T): T {
  return desc;
}

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

interface Resolved {
  hostDir: string;
  vmDir: string;
  pkg: { bin?: string | Record<string, string> };
}

/** Where npm would find `name` for code in `startDir`: the directory itself if it is that package, else `node_modules` upwards. */
function resolvePackageDir(startDir: string, name: string): string | undefined {
  const own = join(startDir, "package.json");
  if (existsSync(own)) {
    try {
      if (JSON.parse(readFileSync(own, "utf8")).name === name) return realpathSync(startDir);
    } catch {
      // A malformed package.json is not this package.
    }
  }
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

function binOf(r: Resolved, name: string, binName?: string): string | undefined {
  const bin = r.pkg.bin;
  if (typeof bin === "string") return `${r.vmDir}/${bin.replace(/^\.\//, "")}`;
  if (bin && typeof bin === "object") {
    const entry = bin[binName ?? name] ?? Object.values(bin)[0];
    if (typeof entry === "string") return `${r.vmDir}/${entry.replace(/^\.\//, "")}`;
  }
  return undefined;
}

function allBins(r: Resolved): [string, string][] {
  const bin = r.pkg.bin;
  if (typeof bin === "string") return [];
  if (!bin || typeof bin !== "object") return [];
  return Object.entries(bin)
    .filter(([, v]) => typeof v === "string")
    .map(([k, v]) => [k, `${r.vmDir}/${v.replace(/^\.\//, "")}`]);
}

/**
 * Resolve every descriptor's packages on the host. Throws (with `fail`) for a malformed
 * descriptor or a package that is not installed.
 */
export function processSoftware(software: unknown[], fail: (message: string) => Error): ProcessedSoftware {
  const roots: SoftwareRoot[] = [];
  const agents = new Map<string, AgentConfig>();
  const bins = new Map<string, string>();
  const seenRoots = new Set<string>();
  const flat = (software as unknown[]).flat();
  for (const [i, d] of flat.entries()) {
    try {
      addDescriptor(d, i, { roots, agents, bins, seenRoots }, fail);
    } catch (err) {
      if (err instanceof Error && (err as { code?: unknown }).code !== undefined) throw err;
      throw fail(`software[${i}]: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { roots, agents, bins };
}

function addDescriptor(
  d: unknown,
  i: number,
  out: ProcessedSoftware & { seenRoots: Set<string> },
  fail: (message: string) => Error,
): void {
  const { roots, agents, bins, seenRoots } = out;
  {
    const where = `software[${i}]`;
    if (typeof d !== "object" || d === null) throw fail(`${where} must be a software descriptor`);
    const desc = d as {
      name?: unknown;
      type?: unknown;
      packageDir?: unknown;
      requires?: unknown;
      bins?: Record<string, string>;
      agent?: AgentSoftwareDescriptor["agent"];
    };
    if (desc.type !== "agent" && desc.type !== "tool") {
      throw fail(`${where}: unsupported software type \`${String(desc.type)}\` (supported: agent, tool)`);
    }
    if (typeof desc.packageDir !== "string" || !Array.isArray(desc.requires)) {
      throw fail(`${where} (${String(desc.name)}) needs \`packageDir\` and \`requires\``);
    }
    const resolved = new Map<string, Resolved>();
    const packageDir = desc.packageDir;
    for (const name of desc.requires as string[]) {
      const hostDir = resolvePackageDir(packageDir, name);
      if (!hostDir) {
        throw fail(`software \`${String(desc.name)}\`: package "${name}" not found from ${packageDir}; install it`);
      }
      const vmDir = `/root/node_modules/${name}`;
      resolved.set(name, { hostDir, vmDir, pkg: JSON.parse(readFileSync(join(hostDir, "package.json"), "utf8")) });
      if (!seenRoots.has(vmDir)) {
        seenRoots.add(vmDir);
        roots.push({ hostPath: hostDir, vmPath: vmDir });
      }
    }
    const ctx: SoftwareContext = {
      resolveBin(pkg, binName) {
        const r = resolved.get(pkg);
        if (!r) throw new Error(`Package "${pkg}" is not in the requires list of ${String(desc.name)}`);
        const bin = binOf(r, pkg, binName);
        if (!bin) throw new Error(`No bin entry "${binName ?? pkg}" found in ${pkg}/package.json`);
        return bin;
      },
      resolvePackage(pkg) {
        const r = resolved.get(pkg);
        if (!r) throw new Error(`Package "${pkg}" is not in the requires list of ${String(desc.name)}`);
        return r.vmDir;
      },
    };
    if (desc.type === "tool") {
      for (const [command, pkg] of Object.entries(desc.bins ?? {})) {
        bins.set(command, ctx.resolveBin(pkg, command));
      }
      return;
    }
    const agent = desc.agent;
    if (!agent || typeof agent.id !== "string" || typeof agent.acpAdapter !== "string") {
      throw fail(`${where} (${String(desc.name)}): \`agent\` needs \`id\` and \`acpAdapter\``);
    }
    for (const pkg of [agent.acpAdapter, agent.agentPackage]) {
      const r = resolved.get(pkg);
      if (r) for (const [command, path] of allBins(r)) if (!bins.has(command)) bins.set(command, path);
    }
    const adapter = resolved.get(agent.acpAdapter) ?? resolveOutside(agent.acpAdapter, packageDir, roots);
    agents.set(agent.id, {
      id: agent.id,
      acpAdapter: agent.acpAdapter,
      agentPackage: agent.agentPackage,
      launchArgs: agent.launchArgs ?? [],
      env: { ...(agent.staticEnv ?? {}), ...(agent.env ? agent.env(ctx) : {}) },
      adapterBin: adapter ? binOf(adapter, agent.acpAdapter) : undefined,
      prepareInstructions: agent.prepareInstructions,
    });
  }
}

/** An adapter not listed in `requires` is still found (and mounted) if it is installed. */
function resolveOutside(name: string, packageDir: string, roots: SoftwareRoot[]): Resolved | undefined {
  const hostDir = resolvePackageDir(packageDir, name);
  if (!hostDir) return undefined;
  const vmDir = `/root/node_modules/${name}`;
  if (!roots.some((r) => r.vmPath === vmDir)) roots.push({ hostPath: hostDir, vmPath: vmDir });
  return { hostDir, vmDir, pkg: JSON.parse(readFileSync(join(hostDir, "package.json"), "utf8")) };
}

/** Shell script that runs a package's bin with the VM's `node`. */
export function binWrapper(script: string): string {
  return `#!/bin/sh\nexec node '${script.replace(/'/g, "'\\''")}' "$@"\n`;
}
