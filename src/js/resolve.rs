//! Node's module resolution over the VM's filesystem: relative and absolute paths, the
//! extension and `index` search of `require`, `node_modules` up the tree, `package.json`
//! `main`, `exports` (subpaths, patterns, conditions) and `imports` (`#name`).
//!
//! One implementation serves `require` (conditions `require`, `node`, `default`) and `import`
//! (`import`, `node`, `default`).

use std::future::Future;

use serde_json::Value;

use super::host::KernelHost;
use super::ops::{SysError, SysResult};
use crate::kernel::vfs::{path, FileType};

/// What a specifier names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A builtin module (`fs`, `node:path`), by its bare name.
    Builtin(String),
    /// A file, by its real absolute path.
    File(String),
}

/// How a module file is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CommonJS.
    CommonJs,
    /// An ES module.
    Module,
    /// JSON.
    Json,
    /// A native addon (refused).
    Addon,
}

pub use crate::kernel::vfs::path::normalize;

/// Whether `name` is a builtin module (with or without `node:`).
pub fn builtin_name(name: &str) -> Option<String> {
    let bare = name.strip_prefix("node:").unwrap_or(name);
    super::builtin_exports(bare).map(|_| bare.to_owned())
}

fn not_found(spec: &str, from: &str, esm: bool) -> SysError {
    if esm {
        let mut e = SysError::new(
            "ERR_MODULE_NOT_FOUND",
            format!("Cannot find module '{spec}' imported from {from}"),
        );
        e.path = Some(spec.to_owned());
        e
    } else {
        SysError::new("MODULE_NOT_FOUND", format!("Cannot find module '{spec}'"))
    }
}

impl KernelHost {
    /// Wait for a filesystem operation of module resolution or loading (`None`: a fatal signal
    /// came first).
    fn vfs_wait<F: Future>(&self, f: F) -> Option<F::Output> {
        self.block(f).ok()
    }

    /// The content of module file `p` (for the ES module loader).
    pub(super) fn read_module(&self, p: &str) -> SysResult<Vec<u8>> {
        let vfs = self.kernel.vfs().clone();
        match self.vfs_wait(vfs.read_file(crate::kernel::vfs::Cred::GUEST, p)) {
            Some(Ok(b)) => Ok(b.to_vec()),
            Some(Err(e)) => Err(super::host::sys_err(e)),
            None => Err(SysError::new(
                "EINTR",
                format!("EINTR: interrupted, open '{p}'"),
            )),
        }
    }

    fn kind(&self, p: &str) -> Option<FileType> {
        let vfs = self.kernel.vfs().clone();
        self.vfs_wait(vfs.stat(crate::kernel::vfs::Cred::GUEST, p, true))?
            .ok()
            .map(|s| s.file_type)
    }

    fn is_file(&self, p: &str) -> bool {
        matches!(self.kind(p), Some(t) if t != FileType::Dir)
    }

    fn real(&self, p: &str) -> String {
        let vfs = self.kernel.vfs().clone();
        self.vfs_wait(vfs.realpath(crate::kernel::vfs::Cred::GUEST, p))
            .and_then(Result::ok)
            .unwrap_or_else(|| p.to_owned())
    }

    /// The parsed `package.json` in `dir`, if any.
    pub(super) fn package_json(&self, dir: &str) -> Option<Value> {
        if let Some(v) = self.pkg_cache.borrow().get(dir) {
            return v.clone();
        }
        let p = path::join(dir, "package.json");
        let vfs = self.kernel.vfs().clone();
        let v = self
            .vfs_wait(vfs.read_file(crate::kernel::vfs::Cred::GUEST, &p))
            .and_then(Result::ok)
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        self.pkg_cache
            .borrow_mut()
            .insert(dir.to_owned(), v.clone());
        v
    }

    /// The nearest directory at or above `dir` holding a `package.json`, with its content.
    fn package_scope(&self, dir: &str) -> Option<(String, Value)> {
        let mut d = dir.to_owned();
        loop {
            if d.rsplit('/').next() == Some("node_modules") {
                return None;
            }
            if let Some(v) = self.package_json(&d) {
                return Some((d, v));
            }
            if d == "/" || d.is_empty() {
                return None;
            }
            d = path::parent(&d).to_owned();
        }
    }

    /// How the file at `p` is evaluated.
    pub fn format(&self, p: &str) -> Format {
        let ext = p
            .rsplit('/')
            .next()
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e);
        match ext {
            Some("mjs") => Format::Module,
            Some("cjs") => Format::CommonJs,
            Some("json") => Format::Json,
            Some("node") => Format::Addon,
            _ => match self.package_scope(path::parent(p)) {
                Some((_, pkg)) => match pkg.get("type").and_then(Value::as_str) {
                    Some("module") => Format::Module,
                    Some(_) => Format::CommonJs,
                    None => self.detect(p),
                },
                None => self.detect(p),
            },
        }
    }

    /// The format of a `.js` or extensionless file in a package scope without "type": Node 22
    /// runs it as an ES module when it has module syntax. Files under `node_modules` are taken
    /// as CommonJS here, sparing a read of every file of CommonJS packages; the ES module
    /// loader checks their syntax when it reads them anyway, and `require` falls back to ESM
    /// when compiling fails.
    fn detect(&self, p: &str) -> Format {
        if !js_or_bare(p) || p.contains("/node_modules/") {
            return Format::CommonJs;
        }
        thread_local! {
            static DETECTED: std::cell::RefCell<std::collections::HashMap<String, bool>> =
                Default::default();
        }
        if let Some(esm) = DETECTED.with(|d| d.borrow().get(p).copied()) {
            return if esm {
                Format::Module
            } else {
                Format::CommonJs
            };
        }
        let esm = self
            .read_module(p)
            .map(|b| has_module_syntax(&String::from_utf8_lossy(&b)))
            .unwrap_or(false);
        DETECTED.with(|d| d.borrow_mut().insert(p.to_owned(), esm));
        if esm {
            Format::Module
        } else {
            Format::CommonJs
        }
    }

    /// Whether the format of file `p` depends on its syntax: a `.js` or extensionless file in
    /// a package scope without "type".
    pub(super) fn ambiguous(&self, p: &str) -> bool {
        js_or_bare(p)
            && self
                .package_scope(path::parent(p))
                .is_none_or(|(_, pkg)| pkg.get("type").is_none())
    }

    fn load_as_file(&self, p: &str) -> Option<String> {
        if self.is_file(p) {
            return Some(p.to_owned());
        }
        [".js", ".json", ".node"]
            .iter()
            .map(|ext| format!("{p}{ext}"))
            .find(|c| self.is_file(c))
    }

    fn load_index(&self, dir: &str) -> Option<String> {
        ["index.js", "index.json", "index.node"]
            .iter()
            .map(|f| path::join(dir, f))
            .find(|c| self.is_file(c))
    }

    fn load_as_directory(&self, dir: &str) -> Option<String> {
        if let Some(main) = self
            .package_json(dir)
            .and_then(|p| p.get("main").and_then(Value::as_str).map(str::to_owned))
        {
            let m = path::join(dir, &main);
            if let Some(f) = self.load_as_file(&m).or_else(|| self.load_index(&m)) {
                return Some(f);
            }
        }
        self.load_index(dir)
    }

    fn load_path(&self, p: &str, esm: bool) -> Option<String> {
        if esm {
            // ES modules name files exactly (no extension search, no directory index).
            return self.is_file(p).then(|| p.to_owned());
        }
        self.load_as_file(p).or_else(|| {
            (self.kind(p) == Some(FileType::Dir))
                .then(|| self.load_as_directory(p))
                .flatten()
        })
    }

    /// Resolve `spec` as imported or required from a module in directory `from_dir`.
    pub fn resolve(&self, spec: &str, from_dir: &str, esm: bool) -> SysResult<Resolved> {
        if let Some(b) = builtin_name(spec) {
            return Ok(Resolved::Builtin(b));
        }
        if spec.starts_with("node:") {
            let mut e = SysError::new(
                "ERR_UNKNOWN_BUILTIN_MODULE",
                format!("No such built-in module: {spec}"),
            );
            e.path = Some(spec.to_owned());
            return Err(e);
        }
        let conds: &[&str] = if esm {
            &["import", "node", "default", "module-sync"]
        } else {
            &["require", "node", "default", "module-sync"]
        };
        let spec_path = spec.strip_prefix("file://").unwrap_or(spec);
        let found = if spec_path.starts_with('/')
            || spec == "."
            || spec == ".."
            || spec.starts_with("./")
            || spec.starts_with("../")
        {
            let p = if spec_path.starts_with('/') {
                normalize(spec_path)
            } else {
                normalize(&path::join(from_dir, spec))
            };
            let p = if spec.ends_with('/') && !p.ends_with('/') {
                format!("{p}/")
            } else {
                p
            };
            if p.ends_with('/') {
                self.load_as_directory(p.trim_end_matches('/'))
            } else {
                self.load_path(&p, esm)
            }
        } else if spec.starts_with('#') {
            self.resolve_import_map(spec, from_dir, conds, esm)?
        } else {
            self.resolve_package(spec, from_dir, conds, esm)?
        };
        match found {
            Some(f) => Ok(Resolved::File(self.real(&f))),
            None => Err(not_found(spec, from_dir, esm)),
        }
    }

    fn resolve_import_map(
        &self,
        spec: &str,
        from_dir: &str,
        conds: &[&str],
        esm: bool,
    ) -> SysResult<Option<String>> {
        let Some((dir, pkg)) = self.package_scope(from_dir) else {
            return Ok(None);
        };
        let Some(imports) = pkg.get("imports") else {
            return Ok(None);
        };
        match subpath_target(imports, spec, conds) {
            Some(t) if t.starts_with("./") => Ok(self.load_path(&path::join(&dir, &t), esm)),
            Some(t) => match self.resolve(&t, &dir, esm)? {
                Resolved::File(f) => Ok(Some(f)),
                Resolved::Builtin(_) => Ok(None),
            },
            None => Ok(None),
        }
    }

    fn resolve_package(
        &self,
        spec: &str,
        from_dir: &str,
        conds: &[&str],
        esm: bool,
    ) -> SysResult<Option<String>> {
        let mut parts = spec.splitn(if spec.starts_with('@') { 3 } else { 2 }, '/');
        let name = if spec.starts_with('@') {
            let scope = parts.next().unwrap_or("");
            format!("{scope}/{}", parts.next().unwrap_or(""))
        } else {
            parts.next().unwrap_or("").to_owned()
        };
        let sub = parts.next();
        let subpath = match sub {
            Some(s) => format!("./{s}"),
            None => ".".to_owned(),
        };
        // A package names itself through its own "exports" (self-reference).
        if let Some((scope_dir, pkg)) = self.package_scope(from_dir) {
            if pkg.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                if let Some(exports) = pkg.get("exports") {
                    return match subpath_target(exports, &subpath, conds) {
                        Some(t) => Ok(self.load_path(&path::join(&scope_dir, &t), true)),
                        None => Err(SysError::new(
                            "ERR_PACKAGE_PATH_NOT_EXPORTED",
                            format!(
                                "Package subpath '{subpath}' is not defined by \"exports\" in {scope_dir}/package.json"
                            ),
                        )),
                    };
                }
            }
        }
        let mut dir = from_dir.to_owned();
        loop {
            if dir.rsplit('/').next() != Some("node_modules") {
                let pkg_dir = path::join(&path::join(&dir, "node_modules"), &name);
                if self.kind(&pkg_dir) == Some(FileType::Dir) {
                    let pkg = self.package_json(&pkg_dir);
                    if let Some(exports) = pkg.as_ref().and_then(|p| p.get("exports")) {
                        return match subpath_target(exports, &subpath, conds) {
                            Some(t) => Ok(self.load_path(&path::join(&pkg_dir, &t), true)),
                            None => Err(SysError::new(
                                "ERR_PACKAGE_PATH_NOT_EXPORTED",
                                format!(
                                    "Package subpath '{subpath}' is not defined by \"exports\" in {pkg_dir}/package.json"
                                ),
                            )),
                        };
                    }
                    // Without `exports`, files inside a package are found the CommonJS way
                    // (extension search) for `import` too, as Node's legacy lookup does.
                    let _ = esm;
                    let target = match sub {
                        Some(s) => self.load_path(&path::join(&pkg_dir, s), false),
                        None => self.load_as_directory(&pkg_dir),
                    };
                    if target.is_some() {
                        return Ok(target);
                    }
                }
            }
            if dir == "/" || dir.is_empty() {
                return Ok(None);
            }
            dir = path::parent(&dir).to_owned();
        }
    }
}

/// Whether file `p` is named `x.js`, or has no extension.
fn js_or_bare(p: &str) -> bool {
    let name = p.rsplit('/').next().unwrap_or(p);
    match name.rsplit_once('.') {
        Some((stem, ext)) => ext == "js" || stem.is_empty(),
        None => true,
    }
}

/// Whether JavaScript source has ES module syntax that CommonJS cannot parse: a top-level
/// `import` declaration or `export`, or `import.meta`. Comments, strings and template literals
/// are skipped; regular expression literals are not recognised (a rare source of a wrong guess
/// only when they hold quotes or braces).
pub fn has_module_syntax(src: &str) -> bool {
    let b = src.as_bytes();
    let n = b.len();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    let (mut i, mut depth) = (0, 0i32);
    if b.starts_with(b"#!") {
        while i < n && b[i] != b'\n' {
            i += 1;
        }
    }
    while i < n {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < n && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < n && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'\'' | b'"' | b'`' => {
                i += 1;
                // Quoted strings end at a newline too, limiting the damage of a misread.
                while i < n && b[i] != c && (c == b'`' || b[i] != b'\n') {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth -= 1,
            c if ident(c) => {
                let start = i;
                while i < n && ident(b[i]) {
                    i += 1;
                }
                let word = &b[start..i];
                let property = start > 0 && b[start - 1] == b'.';
                if !property && (word == b"import" || word == b"export") {
                    let mut j = i;
                    while j < n && b[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    let next = b.get(j).copied().unwrap_or(0);
                    if word == b"import" && next == b'.' && b[j + 1..].starts_with(b"meta") {
                        return true;
                    }
                    // Both are reserved words: at the top level, followed by a name, a brace,
                    // `*` or (for `import`) a string, they can only start a declaration.
                    let quote = word == b"import" && matches!(next, b'"' | b'\'');
                    if depth == 0
                        && ((j > i && ident(next)) || matches!(next, b'{' | b'*') || quote)
                    {
                        return true;
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// The target `exports`/`imports` gives `subpath` (`.`, `./x`, `#x`) under `conds`, with any
/// `*` filled in; relative to the package directory.
pub fn subpath_target(map: &Value, subpath: &str, conds: &[&str]) -> Option<String> {
    let is_subpath_map = map
        .as_object()
        .is_some_and(|m| m.keys().any(|k| k.starts_with('.') || k.starts_with('#')));
    if !is_subpath_map {
        return (subpath == ".").then(|| target(map, "", conds)).flatten();
    }
    let m = map.as_object()?;
    if let Some(t) = m.get(subpath) {
        if !subpath.contains('*') {
            return target(t, "", conds);
        }
    }
    // The longest matching pattern (`./feat/*.js`) or legacy folder mapping (`./dir/`).
    let mut best: Option<(&str, &Value, String)> = None;
    for (k, v) in m {
        let matched = if let Some((pre, post)) = k.split_once('*') {
            (subpath.starts_with(pre)
                && subpath.ends_with(post)
                && subpath.len() >= pre.len() + post.len())
            .then(|| subpath[pre.len()..subpath.len() - post.len()].to_owned())
        } else if k.ends_with('/') && subpath.starts_with(k.as_str()) {
            Some(format!("\u{0}{}", &subpath[k.len()..]))
        } else {
            None
        };
        if let Some(star) = matched {
            if best.as_ref().is_none_or(|(bk, _, _)| k.len() > bk.len()) {
                best = Some((k, v, star));
            }
        }
    }
    let (_, v, star) = best?;
    if let Some(rest) = star.strip_prefix('\u{0}') {
        return target(v, "", conds).map(|t| format!("{t}{rest}"));
    }
    target(v, &star, conds)
}

fn target(t: &Value, star: &str, conds: &[&str]) -> Option<String> {
    match t {
        Value::String(s) => Some(s.replace('*', star)),
        Value::Array(a) => a.iter().find_map(|x| target(x, star, conds)),
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| conds.contains(&k.as_str()))
            .find_map(|(_, v)| target(v, star, conds)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::subpath_target;
    use serde_json::json;

    const REQ: &[&str] = &["require", "node", "default"];
    const IMP: &[&str] = &["import", "node", "default"];

    #[test]
    fn detects_module_syntax() {
        use super::has_module_syntax as esm;
        assert!(esm("import fs from 'fs';\nconsole.log(fs)"));
        assert!(esm("#!/usr/bin/env node\nimport {a} from './a.js'"));
        assert!(esm("const x = 1;\nexport default x;"));
        assert!(esm("export const y = 2"));
        assert!(esm("import './side.js'"));
        assert!(esm("console.log(import.meta.url)"));
        assert!(!esm("const fs = require('fs'); module.exports = { a: 1 }"));
        assert!(!esm("import('./x.js').then(console.log)"));
        assert!(!esm(
            "// import x from 'y'\n/* export default 1 */\nconst s = 'import a from \"b\"';"
        ));
        assert!(!esm("const t = `\nimport x from 'y'\n`;"));
        assert!(!esm(
            "function f() { const o = { import: 1, export: 2 }; return o.import }"
        ));
        assert!(!esm("exports.importer = 1; foo.export = 2"));
    }

    #[test]
    fn exports_forms() {
        assert_eq!(
            subpath_target(&json!("./a.js"), ".", REQ).as_deref(),
            Some("./a.js")
        );
        assert_eq!(subpath_target(&json!("./a.js"), "./x", REQ), None);
        let cond = json!({"import": "./a.mjs", "require": "./a.cjs"});
        assert_eq!(subpath_target(&cond, ".", REQ).as_deref(), Some("./a.cjs"));
        assert_eq!(subpath_target(&cond, ".", IMP).as_deref(), Some("./a.mjs"));
        let map = json!({
            ".": {"node": {"import": "./n.mjs", "default": "./n.js"}, "default": "./d.js"},
            "./feat/*": "./src/feat/*.js",
            "./feat/internal/*": null,
            "./package.json": "./package.json",
            "./legacy/": "./lib/",
        });
        assert_eq!(subpath_target(&map, ".", REQ).as_deref(), Some("./n.js"));
        assert_eq!(subpath_target(&map, ".", IMP).as_deref(), Some("./n.mjs"));
        assert_eq!(
            subpath_target(&map, "./feat/x", REQ).as_deref(),
            Some("./src/feat/x.js")
        );
        assert_eq!(subpath_target(&map, "./feat/internal/y", REQ), None);
        assert_eq!(
            subpath_target(&map, "./legacy/a.js", REQ).as_deref(),
            Some("./lib/a.js")
        );
        assert_eq!(subpath_target(&map, "./nope", REQ), None);
        let imports = json!({"#dep": {"node": "dep-node", "default": "./dep.js"}});
        assert_eq!(
            subpath_target(&imports, "#dep", REQ).as_deref(),
            Some("dep-node")
        );
    }
}
