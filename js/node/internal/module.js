// CommonJS modules over the VM's filesystem, and the builtin module registry.
// Resolution is the kernel's (src/js/resolve.rs), shared with ES module imports.

import { sys, readFileBytes, core } from "./sys.js";
import { process } from "./process.js";

const builtins = new Map(); // name -> factory
const builtinCache = new Map();

/// Register builtin `name` (also reachable as `node:name`).
export function defineBuiltin(name, factory) {
  builtins.set(name, factory);
}

export function builtinNames() {
  return [...builtins.keys()].sort();
}

// The builtins the VM lets guest code load (`allowedNodeBuiltins`), or null for all of them.
let allowedBuiltins = null;

/// Restrict `loadBuiltin` to `names` and their subpaths (`fs` allows `fs/promises`).
export function restrictBuiltins(names) {
  allowedBuiltins = names == null ? null : new Set(names);
}

function builtinAllowed(bare) {
  if (allowedBuiltins === null || allowedBuiltins.has(bare)) return true;
  const slash = bare.indexOf("/");
  return slash > 0 && allowedBuiltins.has(bare.slice(0, slash));
}

/// A builtin for guest code (`require`, `import`): throws `ERR_ACCESS_DENIED` for one the VM
/// does not allow.
export function loadBuiltin(name) {
  const bare = name.startsWith("node:") ? name.slice(5) : name;
  if (!builtinAllowed(bare) && builtins.has(bare)) {
    const e = new Error(`Access to node:${bare} is denied: it is not in this VM's allowedNodeBuiltins`);
    e.code = "ERR_ACCESS_DENIED";
    e.permission = "NodeBuiltin";
    e.resource = `node:${bare}`;
    throw e;
  }
  return internalBuiltin(bare);
}

/// A builtin for the runtime's own use, whatever the VM allows guest code.
export function internalBuiltin(name) {
  const bare = name.startsWith("node:") ? name.slice(5) : name;
  if (builtinCache.has(bare)) return builtinCache.get(bare);
  const f = builtins.get(bare);
  if (!f) {
    const e = new Error(`No such built-in module: ${name}`);
    e.code = "ERR_UNKNOWN_BUILTIN_MODULE";
    throw e;
  }
  const m = f();
  builtinCache.set(bare, m);
  return m;
}



function dirname(p) {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function stripBOM(s) {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

export class Module {
  constructor(id = "", parent) {
    this.id = id;
    this.path = dirname(id);
    this.exports = {};
    this.filename = null;
    this.loaded = false;
    this.children = [];
    this.paths = id ? nodeModulePaths(this.path) : [];
    if (parent) parent.children?.push(this);
    Object.defineProperty(this, "parent", { value: parent, enumerable: false, writable: true });
  }

  require(id) {
    if (typeof id !== "string") {
      const e = new TypeError(`The "id" argument must be of type string. Received ${typeof id}`);
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    if (id === "") {
      const e = new TypeError("The argument 'id' must be a non-empty string. Received ''");
      e.code = "ERR_INVALID_ARG_VALUE";
      throw e;
    }
    return requireFrom(this, id);
  }

  _compile(content, filename) {
    const wrapper = Module.wrap(content.startsWith("#!") ? "//" + content : content);
    const [fn, err] = core.evalContext(wrapper, "file://" + encodeURI(filename));
    if (err) {
      // Node 22 runs a `.js` file of a package without "type" as an ES module when it only
      // parses as one (module syntax detection).
      if (esmSyntaxError(err.thrown) && detectable(filename)) {
        // The ES module loader sees the same syntax (`code` is only for `-e`).
        this.exports = importEsmSource(filename, undefined, this.parent, this === mainModule);
        return;
      }
      throw err.thrown;
    }
    const require = makeRequire(this);
    return fn.call(this.exports, this.exports, require, this, filename, dirname(filename));
  }
}

/// Whether `e` (from compiling code as CommonJS) says the code is module syntax.
function esmSyntaxError(e) {
  return (
    e instanceof SyntaxError &&
    /Cannot use import statement outside a module|Unexpected token 'export'|Cannot use 'import\.meta' outside a module|await is only valid in async functions and the top level bodies of modules/.test(
      e.message,
    )
  );
}

/// Whether the format of `filename` is only known by looking (a `.js` or extensionless file
/// whose package scope has no "type").
function detectable(filename) {
  const base = filename.slice(filename.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  if (dot > 0 && base.slice(dot) !== ".js") return false;
  for (let d = dirname(filename); ; d = dirname(d)) {
    if (d.endsWith("/node_modules")) return true;
    let text;
    try {
      text = core.decode(readFileBytes((d === "/" ? "" : d) + "/package.json"));
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        return JSON.parse(text).type === undefined;
      } catch {
        return true;
      }
    }
    if (d === "/") return true;
  }
}

/// Run the ES module `filename` (with `source`, for code that is no file) on behalf of
/// `require` (or as the main module). A main module with top-level `await` finishes
/// asynchronously.
function importEsmSource(filename, source, parent, isMain) {
  const url = filename.startsWith("/") ? "file://" + encodeURI(filename) : filename;
  try {
    return core.ops.op_import_sync(url, source);
  } catch (e) {
    if (isMain && e && /Top-level await is not allowed in synchronous evaluation/.test(e.message)) {
      // Instantiated but not evaluated: a dynamic import evaluates it, awaiting as it goes;
      // a rejection is reported as unhandled, ending the process.
      import(url);
      return {};
    }
    throw requireEsmError(e, filename, parent);
  }
}

/// Errors an ES module threw while `require()` evaluated it. They reach the caller synchronously;
/// the module's evaluation promise that V8 also rejects is therefore not an unhandled rejection
/// (bootstrap.js's handler asks `isThrownToRequire`). deno_core hands the caller a copy of the
/// error, so the two are matched by name and message, each once.
const thrownToRequire = new Map();
const errorKey = (e) => `${e?.name}\u0000${e?.message}`;

export function isThrownToRequire(reason) {
  const k = errorKey(reason);
  const n = thrownToRequire.get(k);
  if (!n) return false;
  if (n === 1) thrownToRequire.delete(k);
  else thrownToRequire.set(k, n - 1);
  return true;
}

function requireEsmError(e, filename, parent) {
  if (e !== null && typeof e === "object") thrownToRequire.set(errorKey(e), (thrownToRequire.get(errorKey(e)) ?? 0) + 1);
  if (e && typeof e.message === "string" && /Top-level await is not allowed in synchronous evaluation/.test(e.message)) {
    const err = new Error(
      `require() cannot be used on an ESM graph with top-level await. Use import() instead. To see where the top-level await comes from, use --experimental-print-required-tla.\n  From ${parent?.filename ?? "[eval]"}\n  Requiring ${filename}`,
    );
    err.code = "ERR_REQUIRE_ASYNC_MODULE";
    return err;
  }
  return e;
}

function nodeModulePaths(dir) {
  const out = [];
  let d = dir;
  for (;;) {
    if (!d.endsWith("/node_modules")) out.push((d === "/" ? "" : d) + "/node_modules");
    if (d === "/") break;
    d = dirname(d);
  }
  return out;
}

Module._cache = Object.create(null);
Module._pathCache = Object.create(null);
Module._extensions = Object.create(null);
Module.globalPaths = [];
Module.wrapper = ["(function (exports, require, module, __filename, __dirname) { ", "\n});"];
Module.wrap = (script) => Module.wrapper[0] + script + Module.wrapper[1];
Module._nodeModulePaths = nodeModulePaths;
Module.isBuiltin = (name) => builtins.has(name.startsWith("node:") ? name.slice(5) : name);
Object.defineProperty(Module, "builtinModules", { get: () => builtinNames(), enumerable: true });
Module.Module = Module;
Module.syncBuiltinESMExports = () => {};
Module.findSourceMap = () => undefined;
Module.register = () => {};
Module.enableCompileCache = () => ({ status: 0 });
Module.getCompileCacheDir = () => undefined;
Module._initPaths = () => {};
Module._preloadModules = () => {};
/// The file `request` names under one of `paths` (directories), or false.
Module._findPath = function (request, paths = [], isMain) {
  const candidates = request.startsWith("/") ? [request] : paths.map((p) => p.replace(/\/$/, "") + "/" + request);
  for (const spec of candidates) {
    try {
      const r = sys("resolve", { spec, from: "/", esm: false });
      if (r.file) return r.file;
    } catch {}
  }
  return false;
};
/// Run `main` (default: `process.argv[1]`) as the main module.
Module.runMain = function (main = process.argv[1]) {
  return Module._load(main, null, true);
};

Module._extensions[".js"] = function (module, filename) {
  const src = stripBOM(core.decode(readFileBytes(filename)));
  module._compile(src, filename);
};
Module._extensions[".cjs"] = Module._extensions[".js"];
Module._extensions[".json"] = function (module, filename) {
  const src = stripBOM(core.decode(readFileBytes(filename)));
  try {
    module.exports = JSON.parse(src);
  } catch (e) {
    e.message = filename + ": " + e.message;
    throw e;
  }
};
Module._extensions[".node"] = function (module, filename) {
  const e = new Error(`Cannot load native addon '${filename}': native addons (.node) are not supported in the agentOS VM`);
  e.code = "ERR_DLOPEN_FAILED";
  throw e;
};

function requireStack(parent) {
  const stack = [];
  for (let m = parent; m && m.filename; m = m.parent) stack.push(m.filename);
  return stack;
}

/// Resolve `request` as `parent` would require it: a builtin name or a file.
export function resolveRequest(request, parent, esm = false) {
  const from = parent?.filename ? dirname(parent.filename) : process.cwd();
  if (request.startsWith("node:") && builtins.has(request.slice(5))) return { builtin: request.slice(5) };
  if (builtins.has(request)) return { builtin: request };
  try {
    return sys("resolve", { spec: request, from, esm });
  } catch (e) {
    if (e.code === "MODULE_NOT_FOUND" && !esm) {
      const found = resolveCustomExtension(request, from) ?? resolveNodePath(request);
      if (found) return found;
    }
    if (e.code === "MODULE_NOT_FOUND") {
      const stack = requireStack(parent);
      e.message = `Cannot find module '${request}'` + (stack.length ? "\nRequire stack:\n- " + stack.join("\n- ") : "");
      e.requireStack = stack;
      delete e.errno;
      delete e.syscall;
    }
    throw e;
  }
}

const defaultExtensions = new Set([".js", ".json", ".node", ".cjs", ".mjs"]);

/// Files found through extensions registered in `require.extensions` (`.ts` by a TypeScript
/// hook): `request` plus the extension, or its directory's `index` plus the extension.
function resolveCustomExtension(request, from) {
  const exts = Object.keys(Module._extensions).filter((x) => !defaultExtensions.has(x));
  if (exts.length === 0 || !/^(\.\.?(\/|$)|\/)/.test(request)) return undefined;
  const base = request.startsWith("/") ? request : from.replace(/\/$/, "") + "/" + request;
  for (const candidate of [...exts.map((x) => base + x), ...exts.map((x) => base.replace(/\/$/, "") + "/index" + x)]) {
    try {
      const r = sys("resolve", { spec: candidate, from, esm: true });
      if (r.file) return { file: r.file, format: "commonjs" };
    } catch {}
  }
  return undefined;
}

/// A bare `request` found in a directory of `NODE_PATH` (after the node_modules lookup).
function resolveNodePath(request) {
  const dirs = (process.env.NODE_PATH ?? "").split(":").filter((d) => d.startsWith("/"));
  if (dirs.length === 0 || /^(\.\.?(\/|$)|\/|#)/.test(request)) return undefined;
  for (const dir of dirs) {
    try {
      return sys("resolve", { spec: dir.replace(/\/$/, "") + "/" + request, from: dir, esm: false });
    } catch {}
  }
  return undefined;
}

// The format of each file `_resolveFilename` found (`_load` goes through `_resolveFilename`,
// which tools such as module-alias or tsconfig-paths replace).
const formats = new Map();

Module._resolveFilename = function (request, parent) {
  const r = resolveRequest(request, parent);
  if (r.builtin) return request.startsWith("node:") ? request : r.builtin;
  formats.set(r.file, r.format);
  return r.file;
};

Module._load = function (request, parent, isMain) {
  const filename = Module._resolveFilename(request, parent, isMain);
  if (!filename.startsWith("/")) {
    const bare = filename.startsWith("node:") ? filename.slice(5) : filename;
    if (builtins.has(bare)) return loadBuiltin(bare);
  }
  let format = formats.get(filename);
  if (format === undefined && !Module._cache[filename]) {
    format = sys("resolve", { spec: filename, from: "/", esm: false }).format;
  }
  return loadFile(filename, format, parent, isMain);
};

export function loadFile(filename, format, parent, isMain) {
  const cached = Module._cache[filename];
  if (cached) {
    if (parent && !parent.children.includes(cached)) parent.children.push(cached);
    return cached.exports;
  }
  if (format === "module") return requireEsm(filename, parent);
  const module = new Module(filename, parent);
  module.filename = filename;
  if (isMain) {
    process.mainModule = module;
    module.id = ".";
    mainModule = module;
  }
  Module._cache[filename] = module;
  let ok = false;
  try {
    const dot = filename.lastIndexOf(".");
    const ext = dot > filename.lastIndexOf("/") ? filename.slice(dot) : ".js";
    (Module._extensions[ext] || Module._extensions[".js"])(module, filename);
    ok = true;
  } finally {
    if (!ok) delete Module._cache[filename];
  }
  module.loaded = true;
  return module.exports;
}

let mainModule;

/// `require()` of an ES module (Node 22.12+): loaded and evaluated synchronously; its namespace
/// is the result. A module with top-level `await` cannot be required.
function requireEsm(filename, parent) {
  const module = new Module(filename, parent);
  module.filename = filename;
  Module._cache[filename] = module;
  try {
    module.exports = core.ops.op_import_sync("file://" + encodeURI(filename));
  } catch (e) {
    delete Module._cache[filename];
    throw requireEsmError(e, filename, parent);
  }
  module.loaded = true;
  return module.exports;
}

function requireFrom(module, id) {
  return Module._load(id, module, false);
}

export function makeRequire(module) {
  const require = (id) => module.require(id);
  require.resolve = (request, options) => {
    if (options?.paths) {
      for (const p of options.paths) {
        try {
          const fake = new Module(p + "/index.js");
          fake.filename = p + "/index.js";
          return Module._resolveFilename(request, fake);
        } catch {}
      }
    }
    return Module._resolveFilename(request, module);
  };
  require.resolve.paths = (request) => (builtins.has(request) ? null : nodeModulePaths(module.path));
  require.main = mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

Module.createRequire = function createRequire(filename) {
  let f = String(filename?.href ?? filename);
  if (f.startsWith("file://")) f = decodeURIComponent(f.slice(7));
  if (!f.startsWith("/")) {
    const e = new TypeError(`The argument 'filename' must be a file URL object, file URL string, or absolute path string. Received '${f}'`);
    e.code = "ERR_INVALID_ARG_VALUE";
    throw e;
  }
  const m = new Module(f);
  m.filename = f;
  m.paths = nodeModulePaths(f.endsWith("/") ? f.slice(0, -1) : dirname(f));
  return makeRequire(m);
};

/// `require` of a CommonJS file on behalf of an ES module (the loader's CJS wrapper).
export function requireModule(filename) {
  const format = sys("resolve", { spec: filename, from: "/", esm: false }).format;
  return loadFile(filename, format === "module" ? "commonjs" : format, null, false);
}

/// Run `code` as the main CommonJS module `filename` (`-e` uses `[eval]`).
export function runMainCjs(filename) {
  return Module._load(filename, null, true);
}

export function evalScript(code, name = "[eval]") {
  const module = new Module(name);
  module.filename = process.cwd() + "/" + name;
  module.paths = nodeModulePaths(process.cwd());
  const require = makeRequire(module);
  globalThis.require = require;
  globalThis.module = module;
  globalThis.exports = module.exports;
  globalThis.__filename = name;
  globalThis.__dirname = ".";
  const [result, err] = core.evalContext(code, "file://" + process.cwd() + "/" + name);
  if (err) {
    // Module syntax in `-e` code: run it as an ES module (Node 22's syntax detection).
    if (esmSyntaxError(err.thrown)) {
      importEsmSource("file://" + encodeURI(process.cwd() + "/" + name.replace(/^\[eval\]$/, "[eval1]")), code, null, true);
      return undefined;
    }
    throw err.thrown;
  }
  return result;
}
