// The dependency closure of host packages, and copying it into a VM.
import { existsSync, readFileSync, readdirSync, lstatSync, realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The host directory whose `node_modules` holds the packages. */
export const HOST_ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/** Where `name` is found from `fromDir`, the way `require` looks (node_modules up the tree). */
function findPackage(name: string, fromDir: string): string | undefined {
  let d = fromDir;
  for (;;) {
    if (!d.endsWith(`${sep}node_modules`)) {
      const p = join(d, "node_modules", name);
      if (existsSync(join(p, "package.json"))) return p;
    }
    if (d === HOST_ROOT || d === dirname(d)) return undefined;
    d = dirname(d);
  }
}

/**
 * Package directories (relative to HOST_ROOT) that `roots` need: the roots, their
 * dependencies, optional and peer dependencies that are installed, transitively.
 */
export function closure(roots: string[]): string[] {
  const seen = new Set<string>();
  const walk = (name: string, fromDir: string, required: boolean) => {
    const dir = findPackage(name, fromDir);
    if (!dir) {
      if (required) throw new Error(`package ${name} (needed from ${fromDir}) is not installed`);
      return;
    }
    const rel = relative(HOST_ROOT, dir);
    if (seen.has(rel)) return;
    seen.add(rel);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const dep of Object.keys(pkg.dependencies ?? {})) walk(dep, dir, true);
    for (const dep of Object.keys({ ...pkg.optionalDependencies, ...pkg.peerDependencies })) walk(dep, dir, false);
  };
  for (const r of roots) walk(r, HOST_ROOT, true);
  return [...seen].sort();
}

/** Files of a package directory (relative to HOST_ROOT), not descending into nested packages. */
export function packageFiles(rel: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(join(HOST_ROOT, d))) {
      const p = join(d, name);
      const st = lstatSync(join(HOST_ROOT, p));
      if (st.isDirectory()) {
        if (name !== "node_modules") walk(p);
      } else if (st.isFile()) {
        out.push(p);
      } else if (st.isSymbolicLink()) {
        const real = realpathSync(join(HOST_ROOT, p));
        if (lstatSync(real).isFile()) out.push(p);
      }
    }
  };
  walk(rel);
  return out;
}

interface Writer {
  writeFiles(entries: { path: string; content: string | Uint8Array }[]): Promise<{ path: string; success: boolean; error?: string }[]>;
}

/** Copy package directories into `vm` under `dest` (which stands for HOST_ROOT); returns the file and byte counts. */
export async function copyPackages(vm: Writer, dirs: string[], dest: string): Promise<{ files: number; bytes: number }> {
  const files = dirs.flatMap(packageFiles);
  let bytes = 0;
  const BATCH = 256;
  const batches: Promise<void>[] = [];
  for (let i = 0; i < files.length; i += BATCH) {
    const chunk = files.slice(i, i + BATCH);
    batches.push(
      (async () => {
        const entries = await Promise.all(
          chunk.map(async (f) => {
            const content = await readFile(join(HOST_ROOT, f));
            bytes += content.length;
            return { path: `${dest}/${f.split(sep).join("/")}`, content: new Uint8Array(content.buffer, content.byteOffset, content.length) };
          }),
        );
        const results = await vm.writeFiles(entries);
        const bad = results.find((r) => !r.success);
        if (bad) throw new Error(`writing ${bad.path} into the VM failed: ${bad.error}`);
      })(),
    );
  }
  await Promise.all(batches);
  return { files: files.length, bytes };
}
