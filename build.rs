//! Build script: napi's link setup, and the native command registry.
//!
//! Every file in `src/commands/` that declares `pub const NAMES: &[&str] = &[...]` and
//! `pub fn main(ctx: Ctx) -> ProgramFuture` is a command; this script generates the module
//! list and the name → program table, so adding a command is adding one file.
//!
//! With the `js` feature it also makes the guest Node runtime's startup snapshot: `js/build.mjs`
//! bundles `js/node/` (with the npm polyfills it uses) into one script, which runs in a fresh V8
//! isolate with the runtime's ops registered (`src/js/ops.rs`, compiled here too, so V8's
//! external references line up); the isolate's heap is saved to `OUT_DIR/node.snap`. undici (the
//! guest's fetch) is bundled apart into `OUT_DIR/undici.js`, which the crate embeds as text and
//! the guest compiles on first use, outside the snapshot.

// The build script runs on the build machine, not in a VM: host file access is its job.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::path::Path;

#[cfg(feature = "js")]
#[path = "src/js/ops.rs"]
#[allow(dead_code)]
mod ops;

fn main() {
    napi_build::setup();
    #[cfg(feature = "js")]
    snapshot();
    commands();
}

/// Bundle `js/node/` and snapshot an isolate that evaluated it.
#[cfg(feature = "js")]
fn snapshot() {
    use deno_core::v8;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed={}", root.join("js").display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("package-lock.json").display()
    );
    let bundle = out.join("node_bundle.js");
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".to_owned());
    let status = std::process::Command::new(&node)
        .arg(root.join("js/build.mjs"))
        .arg(&bundle)
        .current_dir(root)
        .status()
        .unwrap_or_else(|e| panic!("running `{node} js/build.mjs` (is Node installed?): {e}"));
    assert!(
        status.success(),
        "js/build.mjs failed (run `npm install` first: it needs the dev dependencies)"
    );
    assert!(
        out.join("undici.js").is_file(),
        "js/build.mjs wrote no undici.js"
    );
    let code = std::fs::read_to_string(&bundle).expect("bundle");
    let runtime = || {
        let mut rt = deno_core::JsRuntimeForSnapshot::new(deno_core::RuntimeOptions {
            extensions: vec![ops::agentos_node::init_ops()],
            ..Default::default()
        });
        if let Err(e) = rt.execute_script("ext:agentos/node.js", code.clone()) {
            panic!("the guest runtime failed to evaluate:\n{e}");
        }
        rt
    };
    // The builtins' export names, from an isolate of its own: listing them instantiates every
    // builtin, which the snapshot must not hold (they load lazily).
    let names = {
        let mut rt = runtime();
        match rt.execute_script(
            "ext:agentos/exports.js",
            "JSON.stringify(globalThis.__agentos.exportNames())",
        ) {
            Ok(v) => {
                let scope = &mut rt.handle_scope();
                let v = v8::Local::new(scope, v);
                v.to_rust_string_lossy(scope)
            }
            Err(e) => panic!("listing builtin exports:\n{e}"),
        }
    };
    std::fs::write(out.join("node_exports.json"), names).expect("write exports");
    let rt = runtime();
    let snap = rt.snapshot();
    std::fs::write(out.join("node.snap"), &snap).expect("write snapshot");
}

/// The command registry.
fn commands() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("src/commands")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "rs") && p.file_name().is_some_and(|n| n != "mod.rs")
        })
        .collect();
    files.sort();
    let mut mods = String::new();
    let mut table: Vec<(String, String)> = Vec::new();
    let mut module_names = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let src = std::fs::read_to_string(f).expect("command source");
        let stem = f.file_stem().and_then(|s| s.to_str()).expect("file name");
        let module = format!("cmd_{}", stem.replace('-', "_"));
        writeln!(
            mods,
            "#[path = {:?}]\npub(crate) mod {module};",
            f.display().to_string()
        )
        .unwrap();
        let Some(start) = src.find("pub const NAMES: &[&str] = &[") else {
            continue;
        };
        module_names.push(format!("{module}::NAMES"));
        let rest = &src[start + "pub const NAMES: &[&str] = &[".len()..];
        let end = rest.find("];").expect("NAMES ends with ];");
        for name in rest[..end]
            .split(',')
            .map(|n| n.trim().trim_matches('"'))
            .filter(|n| !n.is_empty())
        {
            table.push((name.to_owned(), format!("{module}::main")));
        }
    }
    table.sort();
    let mut out = mods;
    out.push_str("\n/// Every native command, sorted by name.\npub const NAMES: &[&str] = &[\n");
    for (n, _) in &table {
        writeln!(out, "    {n:?},").unwrap();
    }
    out.push_str(
        "];\n\n/// Programs, in the order of [`NAMES`].\nconst PROGRAMS: &[Program] = &[\n",
    );
    for (_, p) in &table {
        writeln!(out, "    {p},").unwrap();
    }
    out.push_str("];\n\n/// Each command module's own list (checked against [`NAMES`] in the tests).\n#[allow(dead_code)]\nconst MODULE_NAMES: &[&[&str]] = &[\n");
    for m in &module_names {
        writeln!(out, "    {m},").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("commands.rs");
    std::fs::write(dest, out).expect("write registry");
}
