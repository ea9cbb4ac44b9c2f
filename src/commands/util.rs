//! Helpers shared by the commands: GNU-style option parsing and reading inputs.

use super::{Ctx, OpenMode};
use crate::kernel::errno::Errno;

/// A long option: its name, whether it takes an argument, and the short letter it means.
pub type LongOpt = (&'static str, bool, char);

/// What a command accepts.
pub struct OptSpec {
    /// Short flags without an argument, e.g. `"nrbu"`.
    pub flags: &'static str,
    /// Short options that take an argument, e.g. `"kt"`.
    pub with_arg: &'static str,
    /// Long options.
    pub long: &'static [LongOpt],
}

/// Parsed options, in order (`(letter, argument)`), and the operands. Options may follow
/// operands (GNU permutation) until `--`. `-NUM` operands (like `head -5`) are left to the
/// caller: a `-` followed by a digit is an operand when `digits_are_operands`.
pub struct Parsed {
    /// Options in the order given.
    pub opts: Vec<(char, Option<String>)>,
    /// Operands.
    pub operands: Vec<String>,
}

impl Parsed {
    /// Whether flag `c` was given.
    pub fn has(&self, c: char) -> bool {
        self.opts.iter().any(|(o, _)| *o == c)
    }

    /// The last argument of option `c`.
    pub fn value(&self, c: char) -> Option<&str> {
        self.opts.iter().rev().find(|(o, _)| *o == c).and_then(|(_, v)| v.as_deref())
    }

    /// Every argument of option `c`, in order.
    pub fn values(&self, c: char) -> Vec<&str> {
        self.opts.iter().filter(|(o, _)| *o == c).filter_map(|(_, v)| v.as_deref()).collect()
    }
}

/// Parse `args` (without `argv[0]`). The error is GNU's message, ready for `ctx.complain`
/// (it includes the `Try '... --help'` line).
pub fn parse(name: &str, args: &[String], spec: &OptSpec, digits_are_operands: bool) -> Result<Parsed, String> {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    let try_help = format!("Try '{name} --help' for more information.");
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            operands.extend(args[i + 1..].iter().cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (lname, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (long, None),
            };
            let matches: Vec<&LongOpt> = spec.long.iter().filter(|(n, _, _)| n.starts_with(lname)).collect();
            let exact = spec.long.iter().find(|(n, _, _)| *n == lname);
            let found = exact.or(if matches.len() == 1 { Some(matches[0]) } else { None });
            let Some(&(lname_full, takes, c)) = found else {
                if matches.len() > 1 {
                    return Err(format!("option '{a}' is ambiguous\n{try_help}"));
                }
                return Err(format!("unrecognized option '{a}'\n{try_help}"));
            };
            if takes {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => return Err(format!("option '--{lname_full}' requires an argument\n{try_help}")),
                        }
                    }
                };
                opts.push((c, Some(v)));
            } else {
                if inline.is_some() {
                    return Err(format!("option '--{lname_full}' doesn't allow an argument\n{try_help}"));
                }
                opts.push((c, None));
            }
            i += 1;
            continue;
        }
        if a.len() > 1 && a.starts_with('-') && !(digits_are_operands && a[1..].starts_with(|c: char| c.is_ascii_digit())) {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                if spec.with_arg.contains(c) {
                    let rest: String = chars[j + 1..].iter().collect();
                    let v = if !rest.is_empty() {
                        rest
                    } else {
                        i += 1;
                        match args.get(i) {
                            Some(v) => v.clone(),
                            None => return Err(format!("option requires an argument -- '{c}'\n{try_help}")),
                        }
                    };
                    opts.push((c, Some(v)));
                    break;
                } else if spec.flags.contains(c) {
                    opts.push((c, None));
                    j += 1;
                } else {
                    return Err(format!("invalid option -- '{c}'\n{try_help}"));
                }
            }
            i += 1;
            continue;
        }
        operands.push(a.clone());
        i += 1;
    }
    Ok(Parsed { opts, operands })
}

/// Read all of `name` (`-` is standard input). Errors are GNU's `NAME: strerror` text.
pub async fn read_all(ctx: &Ctx, name: &str) -> Result<Vec<u8>, String> {
    let file = if name == "-" {
        ctx.fds.get(0).cloned().map_err(|e| format!("-: {}", e.strerror()))?
    } else {
        ctx.open(name, OpenMode::Read).await.map_err(|e| format!("{name}: {}", e.errno_value().unwrap_or(Errno::EIO).strerror()))?
    };
    let mut out = Vec::new();
    loop {
        match file.read(128 * 1024).await {
            Ok(b) if b.is_empty() => return Ok(out),
            Ok(b) => out.extend_from_slice(&b),
            Err(e) => return Err(format!("{name}: {}", e.strerror())),
        }
    }
}

/// Quote a file name the way GNU coreutils does in messages (`'a b'`, plain when safe).
pub fn quote(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_./,+@%:^=".contains(c)) {
        name.to_owned()
    } else if !name.contains('\'') {
        format!("'{name}'")
    } else {
        format!("\"{name}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: OptSpec = OptSpec { flags: "nr", with_arg: "k", long: &[("numeric-sort", false, 'n'), ("key", true, 'k'), ("reverse", false, 'r')] };

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn gnu_options() {
        let p = parse("sort", &v(&["-nr", "f", "-k2", "--key", "3", "--rev", "--", "-x"]), &SPEC, false).unwrap();
        assert_eq!(p.operands, v(&["f", "-x"]));
        assert!(p.has('n') && p.has('r'));
        assert_eq!(p.values('k'), vec!["2", "3"]);
        assert_eq!(parse("sort", &v(&["-z"]), &SPEC, false).err().unwrap(), "invalid option -- 'z'\nTry 'sort --help' for more information.");
        assert!(parse("sort", &v(&["--bogus"]), &SPEC, false).err().unwrap().starts_with("unrecognized option '--bogus'"));
        assert!(parse("sort", &v(&["-k"]), &SPEC, false).err().unwrap().starts_with("option requires an argument -- 'k'"));
        assert_eq!(parse("head", &v(&["-5"]), &SPEC, true).unwrap().operands, v(&["-5"]));
        assert_eq!(quote("a b"), "'a b'");
    }
}
