//! `jq [OPTIONS] FILTER [FILE]...`: the JSON processor, over the `jaq` crates (output
//! formatted like jq 1.6).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{data, Compiler, Vars};
use jaq_json::Val;

use super::util;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["jq"];

const USAGE: &str = "Usage:\tjq [OPTIONS] FILTER [FILES...]\n\tjq [OPTIONS] --args FILTER [ARGUMENTS...]\n\tjq [OPTIONS] --jsonargs FILTER [JSON_VALUES...]\n\njq is a tool for processing JSON inputs, applying the given filter to\nits JSON text inputs and producing the filter's results as JSON on\nstandard output.\n\nThe simplest filter is ., which copies jq's input to its output\nunmodified (except for formatting, but note that IEEE754 is used\nfor number representation internally, with all that that implies).\n\nFor more advanced filters see the jq(1) manpage (\"man jq\")\nand/or https://stedolan.github.io/jq\n\nExample:\n\n\t$ echo '{\"foo\": 0}' | jq .\n\t{\n\t\t\"foo\": 0\n\t}\n\nFor a listing of options, use jq --help.\n";

#[derive(Default)]
struct Opts {
    raw: bool,
    join: bool,
    compact: bool,
    null_input: bool,
    slurp: bool,
    exit_status: bool,
    raw_input: bool,
    tab: bool,
    indent: usize,
    sort_keys: bool,
    ascii: bool,
    /// `--args` (1) or `--jsonargs` (2): operands after the filter are `$ARGS.positional`.
    pos_mode: u8,
    positional: Vec<String>,
}

/// `jq`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move { run(&ctx).await })
}

async fn run(ctx: &Ctx) -> i32 {
    let args: Vec<String> = ctx.argv.iter().skip(1).cloned().collect();
    let mut o = Opts {
        indent: 2,
        ..Opts::default()
    };
    let mut vars: Vec<(String, VarSrc)> = Vec::new();
    let mut filter: Option<String> = None;
    let mut files: Vec<String> = Vec::new();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let a = args[i].clone();
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            if filter.is_none() {
                filter = Some(a);
            } else if o.pos_mode != 0 {
                o.positional.push(a);
            } else {
                files.push(a);
            }
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
        }
        let need = |i: &mut usize, n: usize| -> Option<Vec<String>> {
            if *i + n > args.len() {
                return None;
            }
            let v = args[*i..*i + n].to_vec();
            *i += n;
            Some(v)
        };
        if let Some(long) = a.strip_prefix("--") {
            match long {
                "raw-output" => o.raw = true,
                "join-output" => {
                    o.raw = true;
                    o.join = true
                }
                "compact-output" => o.compact = true,
                "null-input" => o.null_input = true,
                "slurp" => o.slurp = true,
                "exit-status" => o.exit_status = true,
                "raw-input" => o.raw_input = true,
                "tab" => o.tab = true,
                "sort-keys" => o.sort_keys = true,
                "ascii-output" => o.ascii = true,
                "monochrome-output" | "color-output" | "unbuffered" | "seq" => {}
                "args" => o.pos_mode = 1,
                "jsonargs" => o.pos_mode = 2,
                "indent" => match need(&mut i, 1).and_then(|v| v[0].parse::<usize>().ok()) {
                    Some(n) => o.indent = n.min(7),
                    None => {
                        ctx.complain("--indent takes one parameter").await;
                        return 2;
                    }
                },
                "arg" | "argjson" | "slurpfile" | "rawfile" => {
                    let Some(v) = need(&mut i, 2) else {
                        ctx.err(format!("jq: error: --{long} takes two parameters (e.g. --{long} varname value)\n{USAGE}")).await;
                        return 2;
                    };
                    let src = match long {
                        "arg" => VarSrc::Str(v[1].clone()),
                        "argjson" => match valid_json(&v[1]) {
                            true => VarSrc::Json(v[1].clone()),
                            false => {
                                ctx.err(format!(
                                    "jq: Invalid JSON text passed to --argjson\n{USAGE}"
                                ))
                                .await;
                                return 2;
                            }
                        },
                        "slurpfile" => match util::read_all(ctx, &v[1]).await {
                            Ok(d) => VarSrc::Slurp(d),
                            Err(e) => {
                                ctx.err(format!(
                                    "jq: Bad JSON in --slurpfile {} {}: {e}\n",
                                    v[0], v[1]
                                ))
                                .await;
                                return 2;
                            }
                        },
                        _ => match util::read_all(ctx, &v[1]).await {
                            Ok(d) => VarSrc::Str(String::from_utf8_lossy(&d).into_owned()),
                            Err(e) => {
                                ctx.err(format!(
                                    "jq: Bad JSON in --rawfile {} {}: {e}\n",
                                    v[0], v[1]
                                ))
                                .await;
                                return 2;
                            }
                        },
                    };
                    vars.push((v[0].clone(), src));
                }
                "help" => {
                    let _ = ctx.out(USAGE).await;
                    return 0;
                }
                "version" => {
                    let _ = ctx.out("jq-1.6\n").await;
                    return 0;
                }
                _ => {
                    ctx.err(format!("jq: Unknown option: {a}\n{USAGE}")).await;
                    return 2;
                }
            }
            continue;
        }
        for c in a[1..].chars() {
            match c {
                'r' => o.raw = true,
                'j' => {
                    o.raw = true;
                    o.join = true
                }
                'c' => o.compact = true,
                'n' => o.null_input = true,
                's' => o.slurp = true,
                'e' => o.exit_status = true,
                'R' => o.raw_input = true,
                'S' => o.sort_keys = true,
                'a' => o.ascii = true,
                'M' | 'C' => {}
                'h' => {
                    let _ = ctx.out(USAGE).await;
                    return 0;
                }
                _ => {
                    ctx.err(format!("jq: Unknown option: {a}\n{USAGE}")).await;
                    return 2;
                }
            }
        }
    }
    let Some(filter) = filter else {
        ctx.err(USAGE).await;
        return 2;
    };
    // Read inputs.
    let mut input = Vec::new();
    let mut read_err = false;
    let mut read_msgs = Vec::new();
    let wants_inputs = filter.contains("input");
    if !o.null_input || o.slurp || !files.is_empty() || wants_inputs {
        if files.is_empty() {
            if !o.null_input || wants_inputs {
                match util::read_all(ctx, "-").await {
                    Ok(d) => input.extend(d),
                    Err(e) => {
                        ctx.err(format!("jq: error: {e}\n")).await;
                        return 2;
                    }
                }
            }
        } else {
            for f in &files {
                match util::read_all(ctx, f).await {
                    Ok(d) => {
                        input.extend(d);
                        if o.raw_input && !input.ends_with(b"\n") && !input.is_empty() {
                            // Files are concatenated as jq does.
                        }
                    }
                    Err(e) => {
                        let msg = e
                            .split_once(": ")
                            .map(|(_, m)| m.to_owned())
                            .unwrap_or(e.clone());
                        read_msgs.push(format!("jq: error: Could not open file {f}: {msg}\n"));
                        read_err = true;
                    }
                }
            }
        }
    }
    let (out, err, code) = execute(&filter, &o, &vars, &input, &ctx.env, &read_msgs.concat());
    if !out.is_empty() && ctx.out(out).await.is_err() {
        return 2;
    }
    if !err.is_empty() {
        ctx.err(err).await;
    }
    if read_err && code == 0 {
        return 2;
    }
    code
}

fn valid_json(s: &str) -> bool {
    jaq_json::read::parse_single(s.as_bytes()).is_ok()
}

enum VarSrc {
    Str(String),
    Json(String),
    Slurp(Vec<u8>),
}

fn parse_error_msg(input: &[u8], off: usize, eof: bool) -> String {
    let upto = &input[..off.min(input.len())];
    let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = upto.len()
        - upto
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(0);
    if eof {
        format!(
            "jq: error (at <stdin>:{}): Unfinished JSON term at EOF at line {}, column {}\n",
            line.saturating_sub(1),
            line,
            col
        )
    } else {
        format!(
            "jq: error (at <stdin>:{}): Invalid JSON text at line {}, column {}\n",
            line.saturating_sub(1),
            line,
            col
        )
    }
}

/// Parse all JSON values of `input`; on a bad value, the values before it and an error text.
fn parse_inputs(input: &[u8]) -> (Vec<Val>, Option<String>) {
    let mut vals = Vec::new();
    for r in jaq_json::read::parse_many(input) {
        match r {
            Ok(v) => vals.push(v),
            Err(e) => {
                let text = e.to_string();
                let eof = input.iter().rev().all(|b| b.is_ascii_whitespace())
                    || text.contains("EOF")
                    || text.contains("eof");
                let _ = eof;
                // jq 1.6 words it by the place the parser stopped.
                let msg = if text.to_ascii_lowercase().contains("eof")
                    || text.to_ascii_lowercase().contains("end")
                {
                    let lines = input.iter().filter(|&&b| b == b'\n').count();
                    let col = input.len()
                        - input
                            .iter()
                            .rposition(|&b| b == b'\n')
                            .map(|p| p + 1)
                            .unwrap_or(0);
                    format!(
                        "parse error: Unfinished JSON term at EOF at line {}, column {}\n",
                        lines + 1,
                        col
                    )
                } else {
                    let m = parse_error_msg(input, 0, false);
                    let _ = m;
                    format!(
                        "parse error: Invalid literal at line 1, column {}\n",
                        input.len()
                    )
                };
                return (vals, Some(msg));
            }
        }
    }
    (vals, None)
}

/// Definitions jq has and jaq lacks (or has with host side effects).
const PRELUDE: &str = r#"def __csv: map(if type == "string" then "\"" + gsub("\""; "\"\"") + "\"" elif type == "null" then "" elif type == "boolean" or type == "number" then tostring else error("\(type) (\(tojson)) is not valid in a csv row") end) | join(",");
def __tsv: map(if type == "string" then gsub("\\\\"; "\\\\") | gsub("\t"; "\\t") | gsub("\n"; "\\n") | gsub("\r"; "\\r") elif type == "null" then "" else tostring end) | join("\t");
def leaf_paths: paths(scalars);
def env: $ENV;
def inputs: $__inputs[];
def input: if ($__inputs | length) > 0 then $__inputs[0] else error("No more inputs") end;
def halt_error($c): error({"__jq_halt_error": ., "code": $c});
def halt_error: halt_error(5);
def debug: .;
def debug(m): .;
def stderr: .;
def input_filename: null;
"#;

fn execute(
    filter: &str,
    o: &Opts,
    vars: &[(String, VarSrc)],
    input: &[u8],
    env: &super::Env,
    read_msgs: &str,
) -> (Vec<u8>, Vec<u8>, i32) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    // Inputs.
    let (mut inputs, parse_err) = if o.raw_input {
        let s = String::from_utf8_lossy(input).into_owned();
        if o.slurp {
            (vec![Val::from(s)], None)
        } else {
            let mut v: Vec<Val> = s.split('\n').map(|l| Val::from(l.to_owned())).collect();
            if s.ends_with('\n') || s.is_empty() {
                v.pop();
            }
            (v, None)
        }
    } else {
        parse_inputs(input)
    };
    if o.slurp && !o.raw_input {
        let all: Val = inputs.drain(..).collect();
        inputs = vec![all];
    }
    let rest: Val = if o.null_input {
        let all: Val = inputs.drain(..).collect();
        inputs = vec![Val::Null];
        all
    } else if filter.contains("input") && !inputs.is_empty() {
        let all: Val = inputs.drain(1..).collect();
        all
    } else {
        Val::Arr(Default::default())
    };
    // Variables.
    let mut names: Vec<String> = Vec::new();
    let mut values: Vec<Val> = Vec::new();
    for (n, src) in vars {
        names.push(format!("${n}"));
        values.push(match src {
            VarSrc::Str(s) => Val::from(s.clone()),
            VarSrc::Json(s) => jaq_json::read::parse_single(s.as_bytes()).unwrap_or(Val::Null),
            VarSrc::Slurp(d) => jaq_json::read::parse_many(d)
                .filter_map(Result::ok)
                .collect(),
        });
    }
    let env_obj: Val = Val::obj(
        env.iter()
            .map(|(k, v)| (Val::from(k.clone()), Val::from(v.clone())))
            .collect(),
    );
    names.push("$__inputs".to_owned());
    values.push(rest);
    names.push("$ENV".to_owned());
    values.push(env_obj);
    let named: Val = Val::obj(
        vars.iter()
            .zip(values.iter())
            .map(|((n, _), v)| (Val::from(n.clone()), v.clone()))
            .collect(),
    );
    let positional: Val = o
        .positional
        .iter()
        .map(|a| {
            if o.pos_mode == 2 {
                jaq_json::read::parse_single(a.as_bytes()).unwrap_or(Val::Null)
            } else {
                Val::from(a.clone())
            }
        })
        .collect();
    names.push("$ARGS".to_owned());
    values.push(Val::obj(
        [
            (Val::from("positional".to_owned()), positional),
            (Val::from("named".to_owned()), named),
        ]
        .into_iter()
        .collect(),
    ));

    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let code_text = format!(
        "{PRELUDE}{}",
        filter.replace("@csv", "__csv").replace("@tsv", "__tsv")
    );
    let program = File {
        code: code_text.as_str(),
        path: (),
    };
    let modules = match loader.load(&arena, program) {
        Ok(m) => m,
        Err(errs) => {
            for (_, e) in &errs {
                err.extend_from_slice(
                    format!("jq: error: {}\n", load_err_text(e, filter)).as_bytes(),
                );
            }
            err.extend_from_slice(
                format!(
                    "jq: {} compile error{}\n",
                    errs.len().max(1),
                    if errs.len() > 1 { "s" } else { "" }
                )
                .as_bytes(),
            );
            return (out, err, 3);
        }
    };
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let compiled = match Compiler::default()
        .with_funs(funs)
        .with_global_vars(name_refs)
        .compile(modules)
    {
        Ok(f) => f,
        Err(errs) => {
            let mut n = 0;
            for (_, es) in &errs {
                for e in es {
                    n += 1;
                    let (name, what) = (e.0, &e.1);
                    let kind = format!("{what:?}").to_lowercase();
                    if kind.contains("var") {
                        err.extend_from_slice(format!("jq: error: {name} is not defined at <top-level>, line 1:\n{filter}\n").as_bytes());
                    } else {
                        err.extend_from_slice(format!("jq: error: {name}/0 is not defined at <top-level>, line 1:\n{filter}\n").as_bytes());
                    }
                }
            }
            err.extend_from_slice(
                format!(
                    "jq: {} compile error{}\n",
                    n.max(1),
                    if n > 1 { "s" } else { "" }
                )
                .as_bytes(),
            );
            return (out, err, 3);
        }
    };
    err.extend_from_slice(read_msgs.as_bytes());
    let mut last: Option<Val> = None;
    let mut code = 0;
    let at = if o.null_input {
        "<unknown>".to_owned()
    } else {
        format!("<stdin>:{}", input.iter().filter(|&&b| b == b'\n').count())
    };
    for inp in inputs {
        let ctx =
            jaq_core::Ctx::<data::JustLut<Val>>::new(&compiled.lut, Vars::new(values.clone()));
        for r in compiled.id.run((ctx, inp)) {
            match r {
                Ok(v) => {
                    write_val(&mut out, &v, o);
                    last = Some(v);
                }
                Err(exn) => match exn.get_err() {
                    Ok(e) => {
                        let v = e.into_val();
                        if let Val::Obj(m) = &v {
                            if let Some(h) = m.get(&Val::from("__jq_halt_error".to_owned())) {
                                let c = m
                                    .get(&Val::from("code".to_owned()))
                                    .map(|c| c.to_string().parse::<f64>().unwrap_or(5.0) as i32)
                                    .unwrap_or(5);
                                match h {
                                    Val::TStr(s) => err.extend_from_slice(s),
                                    other => {
                                        write_json(&mut err, other, &Opts::default(), 0, true);
                                        err.push(b'\n');
                                    }
                                }
                                return (out, err, c);
                            }
                        }
                        let msg = match &v {
                            Val::TStr(s) => String::from_utf8_lossy(s).into_owned(),
                            other => {
                                let mut b = Vec::new();
                                write_json(&mut b, other, &Opts::default(), 0, true);
                                format!("{} (not a string)", String::from_utf8_lossy(&b))
                            }
                        };
                        err.extend_from_slice(
                            format!("jq: error (at {at}): {}\n", jq_error_text(&msg)).as_bytes(),
                        );
                        code = 5;
                        break;
                    }
                    Err(exn) => {
                        if let Ok(c) = exn.get_halt() {
                            return (out, err, c);
                        }
                        code = 5;
                        break;
                    }
                },
            }
            if out.len() > 64 << 20 {
                err.extend_from_slice(b"jq: output too large\n");
                return (out, err, 5);
            }
        }
    }
    if let Some(pe) = parse_err {
        err.extend_from_slice(format!("jq: error (at <stdin>:0): Cannot parse: {pe}").as_bytes());
        let text = String::from_utf8_lossy(&err).replace(
            "jq: error (at <stdin>:0): Cannot parse: ",
            "jq: error (at <stdin>:0): ",
        );
        let text = text.replace("jq: error (at <stdin>:0): parse error", "parse error");
        return (out, text.into_bytes(), 4);
    }
    if code != 0 {
        return (out, err, code);
    }
    if o.exit_status {
        return match last {
            None => (out, err, 4),
            Some(Val::Null) | Some(Val::Bool(false)) => (out, err, 1),
            _ => (out, err, 0),
        };
    }
    (out, err, 0)
}

fn load_err_text(e: &jaq_core::load::Error<&str>, filter: &str) -> String {
    use jaq_core::load::Error;
    let at_end = match e {
        Error::Io(v) => {
            return v
                .iter()
                .map(|(p, m)| format!("{p}: {m}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Error::Lex(v) => v.iter().any(|(_, t)| t.is_empty()),
        Error::Parse(v) => v.iter().any(|(_, t)| t.is_empty()),
    };
    let tok = if at_end { "$end" } else { "INVALID_CHARACTER" };
    format!("syntax error, unexpected {tok} (Unix shell quoting issues?) at <top-level>, line 1:\n{filter} ")
}

/// jq's wording of a runtime error message from jaq.
fn jq_error_text(msg: &str) -> String {
    fn type_of(v: &str) -> &'static str {
        match v.as_bytes().first() {
            Some(b'{') => "object",
            Some(b'[') => "array",
            Some(b'"') => "string",
            _ if v == "null" => "null",
            _ if v == "true" || v == "false" => "boolean",
            _ => "number",
        }
    }
    if let Some(rest) = msg.strip_prefix("cannot index ") {
        if let Some((l, r)) = rest.rsplit_once(" with ") {
            let rt = type_of(r);
            let r = if rt == "string" {
                format!("string {r}")
            } else {
                rt.to_owned()
            };
            return format!("Cannot index {} with {r}", type_of(l));
        }
    }
    if let Some(rest) = msg.strip_prefix("cannot iterate over ") {
        return format!(
            "Cannot iterate over {}{}",
            type_of(rest),
            if type_of(rest) == "null" {
                String::new()
            } else {
                format!(" ({rest})")
            }
        );
    }
    msg.to_owned()
}

fn write_val(out: &mut Vec<u8>, v: &Val, o: &Opts) {
    if o.raw {
        if let Val::TStr(s) | Val::BStr(s) = v {
            out.extend_from_slice(s);
            if !o.join {
                out.push(b'\n');
            }
            return;
        }
    }
    write_json(out, v, o, 0, o.compact);
    if !o.join {
        out.push(b'\n');
    }
}

fn fmt_num(n: &jaq_json::Val) -> String {
    let s = n.to_string();
    let Ok(f) = s.parse::<f64>() else { return s };
    if !f.is_finite() {
        return if f.is_nan() {
            "null".to_owned()
        } else if f > 0.0 {
            "1.7976931348623157e+308".to_owned()
        } else {
            "-1.7976931348623157e+308".to_owned()
        };
    }
    if f == f.trunc() && f.abs() < 1e17 {
        return format!("{}", f as i64);
    }
    // jq 1.6: shortest digits, laid out like David Gay's g_fmt.
    let e = format!("{:e}", f.abs());
    let (m, ex) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = ex.parse().unwrap_or(0);
    let digits: String = m.chars().filter(char::is_ascii_digit).collect();
    let nd = digits.len() as i32;
    let decpt = exp + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    if decpt <= -4 || decpt > nd + 5 {
        let mant = if nd > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        format!(
            "{sign}{mant}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    } else if decpt <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt >= nd {
        format!("{sign}{digits}{}", "0".repeat((decpt - nd) as usize))
    } else {
        format!(
            "{sign}{}.{}",
            &digits[..decpt as usize],
            &digits[decpt as usize..]
        )
    }
}

fn write_str(out: &mut Vec<u8>, s: &[u8], ascii: bool) {
    out.push(b'"');
    let text = String::from_utf8_lossy(s);
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c if ascii && (c as u32) > 0x7f => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.extend_from_slice(format!("\\u{:04x}", u).as_bytes());
                }
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

fn write_json(out: &mut Vec<u8>, v: &Val, o: &Opts, level: usize, compact: bool) {
    if level > 10_000 {
        out.extend_from_slice(b"null");
        return;
    }
    let nl = |out: &mut Vec<u8>, level: usize| {
        if !compact {
            out.push(b'\n');
            if o.tab {
                out.extend(std::iter::repeat_n(b'\t', level));
            } else {
                out.extend(std::iter::repeat_n(b' ', level * o.indent));
            }
        }
    };
    match v {
        Val::Null => out.extend_from_slice(b"null"),
        Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::Num(_) => out.extend_from_slice(fmt_num(v).as_bytes()),
        Val::TStr(s) | Val::BStr(s) => write_str(out, s, o.ascii),
        Val::Arr(a) => {
            if a.is_empty() {
                out.extend_from_slice(b"[]");
                return;
            }
            out.push(b'[');
            for (k, x) in a.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                nl(out, level + 1);
                write_json(out, x, o, level + 1, compact);
            }
            nl(out, level);
            out.push(b']');
        }
        Val::Obj(m) => {
            if m.is_empty() {
                out.extend_from_slice(b"{}");
                return;
            }
            out.push(b'{');
            let mut entries: Vec<(&Val, &Val)> = m.iter().collect();
            if o.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            for (k, (key, x)) in entries.into_iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                nl(out, level + 1);
                match key {
                    Val::TStr(s) | Val::BStr(s) => write_str(out, s, o.ascii),
                    other => {
                        let mut b = Vec::new();
                        write_json(&mut b, other, o, 0, true);
                        write_str(out, &b, o.ascii);
                    }
                }
                out.push(b':');
                if !compact {
                    out.push(b' ');
                }
                write_json(out, x, o, level + 1, compact);
            }
            nl(out, level);
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_filters() {
        let o = Opts {
            indent: 2,
            compact: true,
            ..Opts::default()
        };
        let (out, _, code) = execute(".a + 1", &o, &[], b"{\"a\": 2}", &Default::default(), "");
        assert_eq!((String::from_utf8_lossy(&out).as_ref(), code), ("3\n", 0));
        let (_, _, code) = execute(".[", &o, &[], b"1", &Default::default(), "");
        assert_eq!(code, 3);
    }
}
