//! ES module loading over the VM's filesystem.
//!
//! `import` specifiers resolve through [`super::resolve`]; builtins load as small synthetic
//! modules over the snapshot's builtin objects; CommonJS files imported from ESM load as a
//! module that `require`s them, exporting `module.exports` as `default` plus the names a
//! lexical scan finds (as Node's `cjs-module-lexer` does).

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::LazyLock;

use deno_core::error::ModuleLoaderError;
use deno_core::{
    ModuleLoadResponse, ModuleLoader, ModuleSource, ModuleSourceCode, ModuleSpecifier, ModuleType,
    RequestedModuleType, ResolutionKind,
};
use deno_error::JsErrorBox;
use regex::Regex;

use super::host::KernelHost;
use super::ops::SysError;
use super::resolve::{Format, Resolved};
use crate::kernel::vfs::path;

/// Loads guest ES modules from the VFS.
pub struct VfsLoader {
    host: Rc<KernelHost>,
}

impl VfsLoader {
    /// A loader for the process `host` serves.
    pub fn new(host: Rc<KernelHost>) -> VfsLoader {
        VfsLoader { host }
    }
}

fn err(e: SysError) -> ModuleLoaderError {
    JsErrorBox::from_err(e).into()
}

fn url_for(r: Resolved) -> Result<ModuleSpecifier, ModuleLoaderError> {
    match r {
        Resolved::Builtin(n) => ModuleSpecifier::parse(&format!("node:{n}"))
            .map_err(|e| JsErrorBox::generic(e.to_string()).into()),
        Resolved::File(f) => ModuleSpecifier::from_file_path(&f)
            .map_err(|_| JsErrorBox::generic(format!("bad module path {f}")).into()),
    }
}

/// The path of a `file:` URL, percent-decoded.
fn file_path(u: &ModuleSpecifier) -> String {
    u.to_file_path()
        .ok()
        .and_then(|p| p.to_str().map(str::to_owned))
        .unwrap_or_else(|| u.path().to_owned())
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_alphabetic() || f == '_' || f == '$')
        && c.all(|x| x.is_alphanumeric() || x == '_' || x == '$')
}

/// Names a CommonJS module probably exports (`exports.x =`, `Object.defineProperty(exports,
/// "x"`, `module.exports = { x, y: ... }`).
pub fn cjs_export_names(src: &str) -> BTreeSet<String> {
    static ASSIGN: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r#"(?:^|[^.\w$])(?:module\.)?exports(?:\.([A-Za-z_$][\w$]*)|\[\s*["']([^"']+)["']\s*\])\s*="#,
        )
        .ok()
    });
    static DEFINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r#"Object\.defineProperty\(\s*(?:module\.)?exports\s*,\s*["']([^"']+)["']"#).ok()
    });
    static LITERAL: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"module\.exports\s*=\s*\{").ok());
    let mut names = BTreeSet::new();
    if let Some(re) = ASSIGN.as_ref() {
        for c in re.captures_iter(src) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)) {
                names.insert(m.as_str().to_owned());
            }
        }
    }
    if let Some(re) = DEFINE.as_ref() {
        for c in re.captures_iter(src) {
            if let Some(m) = c.get(1) {
                names.insert(m.as_str().to_owned());
            }
        }
    }
    if let Some(re) = LITERAL.as_ref() {
        for m in re.find_iter(src) {
            // Keys at depth one of the object literal.
            let body = &src[m.end()..];
            let (mut depth, mut key, mut at_key) = (0i32, String::new(), true);
            for ch in body.chars() {
                match ch {
                    '{' | '(' | '[' => {
                        depth += 1;
                        at_key = false;
                    }
                    '}' | ')' | ']' if depth == 0 => break,
                    '}' | ')' | ']' => depth -= 1,
                    ',' if depth == 0 => {
                        if is_ident(key.trim()) {
                            names.insert(key.trim().to_owned());
                        }
                        key.clear();
                        at_key = true;
                    }
                    ':' if depth == 0 => {
                        if at_key && is_ident(key.trim()) {
                            names.insert(key.trim().to_owned());
                        }
                        key.clear();
                        at_key = false;
                    }
                    c if at_key && depth == 0 => key.push(c),
                    _ => {}
                }
            }
            if at_key && is_ident(key.trim()) {
                names.insert(key.trim().to_owned());
            }
        }
    }
    names.remove("default");
    names.retain(|n| is_ident(n));
    names
}

/// What a CommonJS module re-exports wholesale (`module.exports = require("x")`,
/// `__exportStar(require("x"), exports)`, `__export(require("x"))`, `...require("x")` in an
/// exported literal, Babel's `Object.keys(_x).forEach(...)` over `var _x = require("x")`), as
/// Node's `cjs-module-lexer` finds them.
pub fn cjs_reexports(src: &str) -> Vec<String> {
    static DIRECT: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r#"(?:module\.exports\s*=\s*|__exportStar\(\s*|__export\(\s*|__reExport\(\s*[\w$.]+\s*,\s*|\.\.\.\s*)require\(\s*["']([^"']+)["']\s*\)"#,
        )
        .ok()
    });
    static KEYS: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"Object\.keys\(\s*([A-Za-z_$][\w$]*)\s*\)\.forEach\(").ok());
    let mut out = Vec::new();
    if let Some(re) = DIRECT.as_ref() {
        for c in re.captures_iter(src) {
            if let Some(m) = c.get(1) {
                out.push(m.as_str().to_owned());
            }
        }
    }
    if let Some(re) = KEYS.as_ref() {
        for c in re.captures_iter(src) {
            let Some(id) = c.get(1) else { continue };
            let pat = format!(
                r#"[^\w$.]{}\s*=\s*(?:[\w$]*[Ii]nterop[\w$]*\()?require\(\s*["']([^"']+)["']\s*\)"#,
                regex::escape(id.as_str())
            );
            if let Some(m) = Regex::new(&pat)
                .ok()
                .and_then(|r| r.captures(src))
                .and_then(|c| c.get(1))
            {
                out.push(m.as_str().to_owned());
            }
        }
    }
    out
}

/// A module exporting `expr` as default and its properties `names`. Names go out as strings
/// (`export { e as "delete" }`), so reserved words (`exports.delete = ...`) are fine too.
fn reexport(expr: &str, names: impl IntoIterator<Item = String>) -> String {
    let mut src = format!("const __m = {expr};\nexport default __m;\n");
    for (i, n) in names.into_iter().enumerate() {
        src.push_str(&format!(
            "const __e{i} = __m[{n:?}];\nexport {{ __e{i} as {n:?} }};\n"
        ));
    }
    src
}

impl ModuleLoader for VfsLoader {
    fn resolve(
        &self,
        specifier: &str,
        referrer: &str,
        kind: ResolutionKind,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        // The main module's URL is ours (`[eval1]` has no file behind it).
        if kind == ResolutionKind::MainModule {
            if let Ok(u) = ModuleSpecifier::parse(specifier) {
                return Ok(u);
            }
        }
        let referrer_file = match ModuleSpecifier::parse(referrer) {
            Ok(u) if u.scheme() == "file" => Some(file_path(&u)),
            _ => None,
        };
        let from_dir = match &referrer_file {
            Some(f) => path::parent(f).to_owned(),
            None => self.host.proc.cwd(),
        };
        let url = ModuleSpecifier::parse(specifier).ok();
        let spec = match &url {
            Some(u) if u.scheme() == "file" => file_path(u),
            _ => specifier.to_owned(),
        };
        match self.host.resolve(&spec, &from_dir, true) {
            Ok(r) => url_for(r),
            // `-e` code run as a module has a name but no file (`[eval1]`).
            Err(_)
                if spec
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.starts_with("[eval")) =>
            {
                url.ok_or_else(|| JsErrorBox::generic("bad eval module URL").into())
            }
            Err(mut e) => {
                // Node's wording: the importing file, and the package or resolved path.
                if e.code == "ERR_MODULE_NOT_FOUND" {
                    let from = referrer_file.unwrap_or(from_dir.clone());
                    let relative = spec.starts_with('/')
                        || spec.starts_with("./")
                        || spec.starts_with("../")
                        || spec == "."
                        || spec == "..";
                    e.message = if relative {
                        let abs = if spec.starts_with('/') {
                            super::resolve::normalize(&spec)
                        } else {
                            super::resolve::normalize(&path::join(&from_dir, &spec))
                        };
                        format!("Cannot find module '{abs}' imported from {from}")
                    } else if !spec.starts_with('#')
                        && spec.split('/').count() == if spec.starts_with('@') { 2 } else { 1 }
                    {
                        format!("Cannot find package '{spec}' imported from {from}")
                    } else {
                        format!("Cannot find module '{spec}' imported from {from}")
                    };
                }
                Err(err(e))
            }
        }
    }

    fn load(
        &self,
        spec: &ModuleSpecifier,
        _referrer: Option<&ModuleSpecifier>,
        _is_dyn_import: bool,
        requested: RequestedModuleType,
    ) -> ModuleLoadResponse {
        ModuleLoadResponse::Sync(self.load_sync(spec, requested))
    }
}

impl VfsLoader {
    fn load_sync(
        &self,
        spec: &ModuleSpecifier,
        requested: RequestedModuleType,
    ) -> Result<ModuleSource, ModuleLoaderError> {
        let source = |ty: ModuleType, code: String| {
            ModuleSource::new(ty, ModuleSourceCode::String(code.into()), spec, None)
        };
        if spec.scheme() == "node" {
            let name = spec.path();
            let names = super::builtin_exports(name).unwrap_or_default();
            let expr = format!("globalThis.__agentos.builtin({name:?})");
            return Ok(source(
                ModuleType::JavaScript,
                reexport(
                    &expr,
                    names.into_iter().filter(|n| is_ident(n) && n != "default"),
                ),
            ));
        }
        let p = file_path(spec);
        let text = || -> Result<String, ModuleLoaderError> {
            let bytes = self.host.read_module(&p).map_err(err)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        };
        if requested == RequestedModuleType::Json {
            return Ok(source(ModuleType::Json, text()?));
        }
        match self.host.format(&p) {
            Format::Module => Ok(source(ModuleType::JavaScript, text()?)),
            Format::Json => Err(JsErrorBox::type_error(format!(
                "Module \"{spec}\" needs an import attribute of \"type: json\""
            ))
            .into()),
            Format::Addon => Err(err(addon_error(&p))),
            Format::CommonJs => {
                let src = text()?;
                if self.host.ambiguous(&p) && super::resolve::has_module_syntax(&src) {
                    return Ok(source(ModuleType::JavaScript, src));
                }
                let mut names = BTreeSet::new();
                let mut seen = BTreeSet::new();
                self.cjs_names(&p, &src, &mut names, &mut seen);
                names.remove("default");
                let expr = format!("globalThis.__agentos.requireModule({p:?})");
                Ok(source(ModuleType::JavaScript, reexport(&expr, names)))
            }
        }
    }
}

impl VfsLoader {
    /// The names CommonJS file `p` (with source `src`) exports, following its re-exports.
    fn cjs_names(
        &self,
        p: &str,
        src: &str,
        names: &mut BTreeSet<String>,
        seen: &mut BTreeSet<String>,
    ) {
        if !seen.insert(p.to_owned()) || seen.len() > 64 {
            return;
        }
        names.extend(cjs_export_names(src));
        for spec in cjs_reexports(src) {
            match self.host.resolve(&spec, path::parent(p), false) {
                Ok(Resolved::Builtin(b)) => names.extend(
                    super::builtin_exports(&b)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|n| is_ident(n)),
                ),
                Ok(Resolved::File(f)) if self.host.format(&f) == Format::CommonJs => {
                    if let Ok(bytes) = self.host.read_module(&f) {
                        let src = String::from_utf8_lossy(&bytes).into_owned();
                        self.cjs_names(&f, &src, names, seen);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The error for loading a native addon.
pub fn addon_error(p: &str) -> SysError {
    let mut e = SysError::new(
        "ERR_DLOPEN_FAILED",
        format!("Cannot load native addon '{p}': native addons (.node) are not supported in the agentOS VM"),
    );
    e.path = Some(p.to_owned());
    e
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_cjs_exports() {
        let src = r#"
            "use strict";
            Object.defineProperty(exports, "__esModule", { value: true });
            exports.b = exports.a = void 0;
            exports['c-d'] = 1;
            module.exports.e = 2;
            foo.exports.nope = 3;
            module.exports = { f, g: 1, h() { return { i: 1 } }, j };
        "#;
        let n: Vec<_> = super::cjs_export_names(src).into_iter().collect();
        assert_eq!(n, ["__esModule", "a", "b", "e", "f", "g", "h", "j"]);
    }

    #[test]
    fn finds_cjs_reexports() {
        let src = r#"
            module.exports = require("./a");
            __exportStar(require("./b"), exports);
            tslib_1.__exportStar(require('./c'), exports);
            __export(require("./d"));
            module.exports = { x, ...require("./e") };
            var _f = _interopRequireWildcard(require("./f"));
            Object.keys(_f).forEach(function (key) { exports[key] = _f[key]; });
            const g = require("./g");
        "#;
        assert_eq!(
            super::cjs_reexports(src),
            ["./a", "./b", "./c", "./d", "./e", "./f"]
        );
    }
}
