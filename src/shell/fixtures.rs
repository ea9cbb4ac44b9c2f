//! The bash fidelity suite: every case in `fixtures/bash/cases/*.json` (recorded from real bash
//! by `fixtures/bash/record.mjs`) runs in a fresh VM and must match stdout, stderr and exit
//! code. The suite fails below a 95 % match rate and prints what differs.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::commands::{self, Env, SpawnSpec};
use crate::kernel::process::pipe::pipe;
use crate::kernel::process::{FdTable, OpenFile, OutputSink, Stream};
use crate::kernel::Kernel;
use crate::vm::Limits;

struct Case {
    file: String,
    name: String,
    script: String,
    stdin: Option<String>,
    stdout: String,
    stderr: String,
    code: i32,
}

#[allow(clippy::disallowed_methods)]
fn load() -> Vec<Case> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bash/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("fixture file");
        let cases: serde_json::Value = serde_json::from_str(&text).expect("fixture json");
        for c in cases.as_array().expect("array") {
            out.push(Case {
                file: f.file_name().unwrap().to_string_lossy().into_owned(),
                name: c["name"].as_str().unwrap().to_owned(),
                script: c["script"].as_str().unwrap().to_owned(),
                stdin: c.get("stdin").and_then(|s| s.as_str()).map(str::to_owned),
                stdout: c["stdout"].as_str().unwrap_or("").to_owned(),
                stderr: c["stderr"].as_str().unwrap_or("").to_owned(),
                code: c["exitCode"].as_i64().unwrap_or(-1) as i32,
            });
        }
    }
    out
}

/// [`run_bash`] without input, on a runtime of its own (for synchronous tests).
pub(crate) fn run_blocking(script: &str) -> (i32, String, String) {
    crate::sidecar::runtime_builder()
        .build()
        .expect("test runtime")
        .block_on(run_bash(script, None))
}

/// Run `bash -c script` the way the recorder runs real bash.
pub(crate) async fn run_bash(script: &str, stdin: Option<&str>) -> (i32, String, String) {
    let kernel = Arc::new(Kernel::new(Limits::default()));
    let out = Arc::new(OutputSink::new(
        0,
        Stream::Stdout,
        16 << 20,
        true,
        false,
        None,
        0,
    ));
    let err = Arc::new(OutputSink::new(
        0,
        Stream::Stderr,
        16 << 20,
        true,
        false,
        None,
        0,
    ));
    let (r, w) = pipe(1 << 20);
    let data = Bytes::from(stdin.unwrap_or("").to_owned());
    tokio::spawn(async move {
        let _ = w.write(data).await;
    });
    let mut fds = FdTable::new(1024);
    fds.set(0, OpenFile::pipe_reader(r)).unwrap();
    fds.set(1, OpenFile::sink(out.clone())).unwrap();
    fds.set(2, OpenFile::sink(err.clone())).unwrap();
    let env: Env = [
        ("HOME", "/home/user"),
        ("PATH", "/usr/bin:/bin"),
        ("LC_ALL", "C"),
        ("TERM", "dumb"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let spec = SpawnSpec {
        argv: vec!["bash".into(), "-c".into(), script.to_owned()],
        env,
        cwd: "/home/user".into(),
        fds,
        ppid: 0,
        pgid: None,
        sid: None,
        api: false,
    };
    let p = commands::start(&kernel, spec, crate::shell::main, "shell").unwrap();
    let code = match tokio::time::timeout(Duration::from_secs(10), p.wait()).await {
        Ok(c) => c,
        Err(_) => {
            kernel.shutdown();
            -1
        }
    };
    let (o, _) = out.take_collected();
    let (e, _) = err.take_collected();
    kernel.shutdown();
    (
        code,
        String::from_utf8_lossy(&o).into_owned(),
        String::from_utf8_lossy(&e).into_owned(),
    )
}

#[test]
fn bash_fidelity() {
    let rt = crate::sidecar::runtime_builder().build().unwrap();
    rt.block_on(bash_fidelity_cases());
}

#[allow(clippy::disallowed_methods)]
async fn bash_fidelity_cases() {
    let filter = std::env::var("FIXTURE").ok();
    let cases: Vec<Case> = load()
        .into_iter()
        .filter(|c| {
            filter
                .as_ref()
                .is_none_or(|f| c.name.contains(f.as_str()) || c.file.contains(f.as_str()))
        })
        .collect();
    let mut handles = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let script = c.script.clone();
        let stdin = c.stdin.clone();
        handles.push((
            i,
            tokio::spawn(async move { run_bash(&script, stdin.as_deref()).await }),
        ));
    }
    let mut failed = Vec::new();
    for (i, h) in handles {
        let c = &cases[i];
        let (code, out, err) = h.await.unwrap_or((-2, String::new(), "panicked".into()));
        if (code, out.as_str(), err.as_str()) != (c.code, c.stdout.as_str(), c.stderr.as_str()) {
            failed.push(format!(
                "--- {} :: {}\nscript: {:?}\n  want code {} stdout {:?} stderr {:?}\n  got  code {} stdout {:?} stderr {:?}",
                c.file, c.name, c.script, c.code, c.stdout, c.stderr, code, out, err
            ));
        }
    }
    let total = cases.len();
    let passed = total - failed.len();
    let rate = if total == 0 {
        100.0
    } else {
        100.0 * passed as f64 / total as f64
    };
    for f in &failed {
        eprintln!("{f}");
    }
    eprintln!("bash fidelity: {passed}/{total} cases match ({rate:.1}%)");
    if filter.is_none() {
        assert!(total >= 150, "the corpus must hold at least 150 cases");
        assert!(rate >= 95.0, "bash fidelity {rate:.1}% is below 95%");
    }
}

#[test]
fn hostile_scripts_stop_at_limits() {
    let rt = crate::sidecar::runtime_builder().build().unwrap();
    rt.block_on(async {
        // Deep recursion stops at the function nesting limit with bash's message.
        let (code, _, err) = run_bash("f() { f; }; f; echo after", None).await;
        assert_eq!(code, 1);
        assert!(
            err.contains("maximum function nesting level exceeded"),
            "{err}"
        );
        // So does recursion through command substitution and subshells (each level is a
        // process; the process limit stops it).
        let (_, _, err) = run_bash("g() { echo $(g); }; g", None).await;
        assert!(err.contains("maximum nesting level exceeded"), "{err}");
        // A fork bomb reaches the process limit; the session is stopped with a clear message.
        let (code, _, err) = run_bash(":(){ :|:& };:; sleep 5", None).await;
        assert_eq!(code, 137, "{err}");
        assert!(err.contains("limits.maxProcesses = 256 reached"), "{err}");
        // Filling the disk ends with ENOSPC from the writer, not the host.
        let (code, _, err) = run_bash("yes > /tmp/f; echo status=$?", None).await;
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("yes: standard output: File too large")
                || err.contains("No space left on device"),
            "{err}"
        );
        // Deeply nested syntax is refused before the parser can recurse on it.
        let (code, _, err) = run_bash(
            &format!("echo {}1{}", "$((".repeat(5000), "))".repeat(5000)),
            None,
        )
        .await;
        assert_eq!(code, 2, "{err}");
    });
}

mod fuzz {
    use proptest::prelude::*;

    /// Fragments that exercise the parser and the interpreter's corners.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("echo a".to_owned()),
            Just("|".to_owned()),
            Just("||".to_owned()),
            Just("&&".to_owned()),
            Just(";".to_owned()),
            Just("&".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("$(".to_owned()),
            Just("`".to_owned()),
            Just("${x:-".to_owned()),
            Just("${#".to_owned()),
            Just("$((".to_owned()),
            Just("))".to_owned()),
            Just("\"".to_owned()),
            Just("'".to_owned()),
            Just("\\".to_owned()),
            Just("<<EOF\n".to_owned()),
            Just("EOF\n".to_owned()),
            Just(">".to_owned()),
            Just("2>&1".to_owned()),
            Just("<".to_owned()),
            Just("if".to_owned()),
            Just("then".to_owned()),
            Just("fi".to_owned()),
            Just("for x in".to_owned()),
            Just("do".to_owned()),
            Just("done".to_owned()),
            Just("case".to_owned()),
            Just("esac".to_owned()),
            Just("*".to_owned()),
            Just("[[".to_owned()),
            Just("]]".to_owned()),
            Just("a=(1 2)".to_owned()),
            Just("${a[@]}".to_owned()),
            Just("f() {".to_owned()),
            Just("\n".to_owned()),
            Just(" ".to_owned()),
            "[a-z0-9=+*/%-]{1,4}",
            any::<char>().prop_map(|c| c.to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// The parser never panics, and running what it accepts never panics or hangs the host.
        #[test]
        fn shell_input_never_panics(parts in proptest::collection::vec(fragment(), 0..24)) {
            let script: String = parts.concat();
            let _ = crate::shell::parse(&script);
            let rt = crate::sidecar::runtime_builder().build().unwrap();
            let (code, _, _) = rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(5), super::run_bash(&script, Some("input\n")))
                    .await
                    .unwrap_or((-1, String::new(), String::new()))
            });
            // 134 is what a panic inside a process turns into.
            prop_assert_ne!(code, 134, "script {:?}", script);
        }
    }
}
