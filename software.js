"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.defineSoftware = defineSoftware;
exports.processSoftware = processSoftware;
exports.binWrapper = binWrapper;
/**
 * Software packages: descriptors (`defineSoftware`) of agents and tools whose npm packages are
 * resolved on the host and mounted read-only into the VM under `/root/node_modules`.
 */
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
/** Type-checks a software descriptor; returns it unchanged. */
function defineSoftware(desc) {
    return desc;
}
/** Where npm would find `name` for code in `startDir`: the directory itself if it is that package, else `node_modules` upwards. */
function resolvePackageDir(startDir, name) {
    const own = (0, node_path_1.join)(startDir, "package.json");
    if ((0, node_fs_1.existsSync)(own)) {
        try {
            if (JSON.parse((0, node_fs_1.readFileSync)(own, "utf8")).name === name)
                return (0, node_fs_1.realpathSync)(startDir);
        }
        catch {
            // A malformed package.json is not this package.
        }
    }
    for (let dir = (0, node_path_1.resolve)(startDir);; dir = (0, node_path_1.dirname)(dir)) {
        const candidate = (0, node_path_1.join)(dir, "node_modules", name);
        if ((0, node_fs_1.existsSync)((0, node_path_1.join)(candidate, "package.json")))
            return (0, node_fs_1.realpathSync)(candidate);
        if ((0, node_path_1.dirname)(dir) === dir)
            return undefined;
    }
}
function binOf(r, name, binName) {
    const bin = r.pkg.bin;
    if (typeof bin === "string")
        return `${r.vmDir}/${bin.replace(/^\.\//, "")}`;
    if (bin && typeof bin === "object") {
        const entry = bin[binName ?? name] ?? Object.values(bin)[0];
        if (typeof entry === "string")
            return `${r.vmDir}/${entry.replace(/^\.\//, "")}`;
    }
    return undefined;
}
function allBins(r) {
    const bin = r.pkg.bin;
    if (typeof bin === "string")
        return [];
    if (!bin || typeof bin !== "object")
        return [];
    return Object.entries(bin)
        .filter(([, v]) => typeof v === "string")
        .map(([k, v]) => [k, `${r.vmDir}/${v.replace(/^\.\//, "")}`]);
}
/**
 * Resolve every descriptor's packages on the host. Throws (with `fail`) for a malformed
 * descriptor or a package that is not installed.
 */
function processSoftware(software, fail) {
    const roots = [];
    const agents = new Map();
    const bins = new Map();
    const seenRoots = new Set();
    const flat = software.flat();
    for (const [i, d] of flat.entries()) {
        try {
            addDescriptor(d, i, { roots, agents, bins, seenRoots }, fail);
        }
        catch (err) {
            if (err instanceof Error && err.code !== undefined)
                throw err;
            throw fail(`software[${i}]: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    return { roots, agents, bins };
}
function addDescriptor(d, i, out, fail) {
    const { roots, agents, bins, seenRoots } = out;
    {
        const where = `software[${i}]`;
        if (typeof d !== "object" || d === null)
            throw fail(`${where} must be a software descriptor`);
        const desc = d;
        if (desc.type !== "agent" && desc.type !== "tool") {
            throw fail(`${where}: unsupported software type \`${String(desc.type)}\` (supported: agent, tool)`);
        }
        if (typeof desc.packageDir !== "string" || !Array.isArray(desc.requires)) {
            throw fail(`${where} (${String(desc.name)}) needs \`packageDir\` and \`requires\``);
        }
        const resolved = new Map();
        const packageDir = desc.packageDir;
        for (const name of desc.requires) {
            const hostDir = resolvePackageDir(packageDir, name);
            if (!hostDir) {
                throw fail(`software \`${String(desc.name)}\`: package "${name}" not found from ${packageDir}; install it`);
            }
            const vmDir = `/root/node_modules/${name}`;
            resolved.set(name, { hostDir, vmDir, pkg: JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(hostDir, "package.json"), "utf8")) });
            if (!seenRoots.has(vmDir)) {
                seenRoots.add(vmDir);
                roots.push({ hostPath: hostDir, vmPath: vmDir });
            }
        }
        const ctx = {
            resolveBin(pkg, binName) {
                const r = resolved.get(pkg);
                if (!r)
                    throw new Error(`Package "${pkg}" is not in the requires list of ${String(desc.name)}`);
                const bin = binOf(r, pkg, binName);
                if (!bin)
                    throw new Error(`No bin entry "${binName ?? pkg}" found in ${pkg}/package.json`);
                return bin;
            },
            resolvePackage(pkg) {
                const r = resolved.get(pkg);
                if (!r)
                    throw new Error(`Package "${pkg}" is not in the requires list of ${String(desc.name)}`);
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
            if (r)
                for (const [command, path] of allBins(r))
                    if (!bins.has(command))
                        bins.set(command, path);
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
function resolveOutside(name, packageDir, roots) {
    const hostDir = resolvePackageDir(packageDir, name);
    if (!hostDir)
        return undefined;
    const vmDir = `/root/node_modules/${name}`;
    if (!roots.some((r) => r.vmPath === vmDir))
        roots.push({ hostPath: hostDir, vmPath: vmDir });
    return { hostDir, vmDir, pkg: JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(hostDir, "package.json"), "utf8")) };
}
/** Shell script that runs a package's bin with the VM's `node`. */
function binWrapper(script) {
    return `#!/bin/sh\nexec node '${script.replace(/'/g, "'\\''")}' "$@"\n`;
}
