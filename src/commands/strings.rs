//! `strings [-a] [-n MIN | -MIN] [-t o|d|x] [-f] [-w] [FILE]...`: print printable character
//! sequences (binutils).

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;

/// Commands in this file.
pub const NAMES: &[&str] = &["strings"];

const SPEC: OptSpec = OptSpec {
    flags: "adfwo",
    with_arg: "ntesTU",
    long: &[
        ("all", false, 'a'),
        ("data", false, 'd'),
        ("print-file-name", false, 'f'),
        ("include-all-whitespace", false, 'w'),
        ("bytes", true, 'n'),
        ("radix", true, 't'),
        ("encoding", true, 'e'),
        ("output-separator", true, 's'),
        ("target", true, 'T'),
    ],
};

const USAGE: &str = "Usage: strings [option(s)] [file(s)]
 Display printable strings in [file(s)] (stdin by default)
 The options are:
  -a - --all                Scan the entire file, not just the data section [default]
  -d --data                 Only scan the data sections in the file
  -f --print-file-name      Print the name of the file before each string
  -n <number>               Locate & print any sequence of at least <number>
    --bytes=<number>         displayable characters.  (The default is 4).
  -t --radix={o,d,x}        Print the location of the string in base 8, 10 or 16
  -w --include-all-whitespace Include all whitespace as valid string characters
  -o                        An alias for --radix=o
  -T --target=<BFDNAME>     Specify the binary file format
  -e --encoding={s,S,b,l,B,L} Select character size and endianness:
                            s = 7-bit, S = 8-bit, {b,l} = 16-bit, {B,L} = 32-bit
  --unicode={default|show|invalid|hex|escape|highlight}
  -U {d|s|i|x|e|h}          Specify how to treat UTF-8 encoded unicode characters
  -s --output-separator=<string> String used to separate strings in output.
  @<file>                   Read options from <file>
  -h --help                 Display this information
  -v -V --version           Print the program's version number
strings: supported targets: elf64-x86-64 elf32-i386 elf32-iamcu elf32-x86-64 pei-i386 pe-x86-64 pei-x86-64 elf64-little elf64-big elf32-little elf32-big pe-bigobj-x86-64 pe-i386 pdb srec symbolsrec verilog tekhex binary ihex plugin
";

/// `strings`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut args = Vec::new();
        for a in &ctx.argv[1..] {
            if a.len() > 1 && a.starts_with('-') && a[1..].bytes().all(|b| b.is_ascii_digit()) {
                args.push(format!("-n{}", &a[1..]));
            } else {
                args.push(a.clone());
            }
        }
        let name = ctx.name().to_owned();
        let p = match super::util::parse(&name, &args, &SPEC, false) {
            Ok(p) => p,
            Err(m) => {
                let first = m.lines().next().unwrap_or("").to_owned();
                ctx.complain(first).await;
                ctx.err(USAGE).await;
                return 1;
            }
        };
        let mut min = 4usize;
        if let Some(n) = p.value('n') {
            match n.parse::<usize>() {
                Ok(v) if v > 0 => min = v,
                _ => {
                    ctx.complain(format!("invalid minimum string length {n}"))
                        .await;
                    return 1;
                }
            }
        }
        let mut radix = p.value('t').map(str::to_owned);
        if p.has('o') {
            radix = Some("o".to_owned());
        }
        if let Some(r) = &radix {
            if !matches!(r.as_str(), "o" | "d" | "x") {
                ctx.complain(format!("invalid radix: {r}")).await;
                return 1;
            }
        }
        let sep = p.value('s').unwrap_or("\n").to_owned();
        let all_ws = p.has('w');
        let mut files = p.operands.clone();
        let stdin = files.is_empty();
        if stdin {
            files.push("-".to_owned());
        }
        let mut status = 0;
        let mut out = Vec::new();
        for f in &files {
            if f != "-" {
                if let Ok(st) = ctx.kernel.vfs().stat(ctx.cred(), &ctx.abs(f), true).await {
                    if st.file_type == crate::kernel::vfs::FileType::Dir {
                        ctx.complain(format!("Warning: '{f}' is a directory")).await;
                        status = 1;
                        continue;
                    }
                }
            }
            let data = match textio::read_input(&ctx, f).await {
                Ok(d) => d,
                Err(e) => {
                    if e == Errno::ENOENT {
                        ctx.complain(format!("'{f}': No such file")).await;
                    } else {
                        ctx.complain(format!("{f}: {}", e.strerror())).await;
                    }
                    status = 1;
                    continue;
                }
            };
            let printable = |c: u8| {
                (0x20..0x7f).contains(&c)
                    || c == b'\t'
                    || (all_ws && matches!(c, b'\n' | b'\r' | 0x0b | 0x0c))
            };
            let mut i = 0;
            while i < data.len() {
                if !printable(data[i]) {
                    i += 1;
                    continue;
                }
                let st = i;
                while i < data.len() && printable(data[i]) {
                    i += 1;
                }
                if i - st >= min {
                    if p.has('f') {
                        let shown = if stdin {
                            "{standard input}"
                        } else {
                            f.as_str()
                        };
                        out.extend_from_slice(format!("{shown}: ").as_bytes());
                    }
                    match radix.as_deref() {
                        Some("o") => out.extend_from_slice(format!("{st:7o} ").as_bytes()),
                        Some("d") => out.extend_from_slice(format!("{st:7} ").as_bytes()),
                        Some("x") => out.extend_from_slice(format!("{st:7x} ").as_bytes()),
                        _ => {}
                    }
                    out.extend_from_slice(&data[st..i]);
                    out.extend_from_slice(sep.as_bytes());
                }
            }
        }
        if let Err(e) = ctx.out(out).await {
            return textio::write_error(&ctx, e).await;
        }
        status
    })
}
