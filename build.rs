//! Build script: napi's link setup, and the native command registry.
//!
//! Every file in `src/commands/` that declares `pub const NAMES: &[&str] = &[...]` and
//! `pub fn main(ctx: Ctx) -> ProgramFuture` is a command; this script generates the module
//! list and the name → program table, so adding a command is adding one file.

// The build script runs on the build machine, not in a VM: host file access is its job.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    napi_build::setup();
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
