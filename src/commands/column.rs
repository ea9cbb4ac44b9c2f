//! `column [-t] [-s SEP] [-o SEP] [-x] [-c WIDTH] [-R COLS] [FILE]...`: columnate lists
//! (util-linux).

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["column"];

const SPEC: OptSpec = OptSpec {
    flags: "txneL",
    with_arg: "socRN",
    long: &[
        ("table", false, 't'),
        ("separator", true, 's'),
        ("output-separator", true, 'o'),
        ("fillrows", false, 'x'),
        ("output-width", true, 'c'),
        ("table-right", true, 'R'),
        ("table-columns", true, 'N'),
        ("table-noextreme", true, 'E'),
        ("keep-empty-lines", false, 'L'),
    ],
};

const TAB: usize = 8;

/// Columns first (`-x`: rows first), padded with tabs, as util-linux does.
fn columnate(items: &[String], width: usize, rows_first: bool) -> String {
    let mut out = String::new();
    if items.is_empty() {
        return out;
    }
    let maxlen = items.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let maxlength = (maxlen + TAB) & !(TAB - 1);
    let numcols = (width / maxlength).max(1);
    let pad = |out: &mut String, chcnt: &mut usize, endcol: usize| loop {
        let cnt = (*chcnt + TAB) & !(TAB - 1);
        if cnt > endcol {
            break;
        }
        out.push('\t');
        *chcnt = cnt;
    };
    if rows_first {
        let mut col = 0;
        let mut chcnt = 0;
        let mut endcol = maxlength;
        for (i, it) in items.iter().enumerate() {
            out.push_str(it);
            chcnt += it.chars().count();
            if i + 1 == items.len() {
                break;
            }
            col += 1;
            if col == numcols {
                chcnt = 0;
                col = 0;
                endcol = maxlength;
                out.push('\n');
            } else {
                pad(&mut out, &mut chcnt, endcol);
                endcol += maxlength;
            }
        }
        out.push('\n');
        return out;
    }
    let numrows = items.len().div_ceil(numcols);
    for row in 0..numrows {
        let mut endcol = maxlength;
        let mut chcnt = 0;
        let mut base = row;
        for _ in 0..numcols {
            out.push_str(&items[base]);
            chcnt += items[base].chars().count();
            base += numrows;
            if base >= items.len() {
                break;
            }
            pad(&mut out, &mut chcnt, endcol);
            endcol += maxlength;
        }
        out.push('\n');
    }
    out
}

/// `column`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let width = match p.value('c') {
            Some(v) => match v.parse::<usize>() {
                Ok(n) => n,
                Err(_) => {
                    ctx.complain(format!("invalid columns argument: '{v}'"))
                        .await;
                    return 1;
                }
            },
            None => ctx
                .env
                .get("COLUMNS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(80),
        };
        let mut files = p.operands.clone();
        if files.is_empty() {
            files.push("-".to_owned());
        }
        let mut lines: Vec<String> = Vec::new();
        let mut status = 0;
        for f in &files {
            match textio::read_input(&ctx, f).await {
                Ok(d) => {
                    for l in String::from_utf8_lossy(&d).lines() {
                        lines.push(l.to_owned());
                    }
                }
                Err(e) => {
                    ctx.complain(format!("{f}: {}", e.strerror())).await;
                    status = 1;
                }
            }
        }
        let keep_empty = p.has('L');
        let out = if p.has('t') {
            let seps: Option<Vec<char>> = p.value('s').map(|s| s.chars().collect());
            let osep = p.value('o').unwrap_or("  ").to_owned();
            let right: Vec<usize> = p
                .value('R')
                .map(|r| {
                    r.split(',')
                        .filter_map(|x| x.parse::<usize>().ok())
                        .collect()
                })
                .unwrap_or_default();
            let rows: Vec<Vec<String>> = lines
                .iter()
                .filter(|l| keep_empty || !l.trim().is_empty())
                .map(|l| match &seps {
                    Some(s) => l.split(|c| s.contains(&c)).map(str::to_owned).collect(),
                    None => l.split_whitespace().map(str::to_owned).collect(),
                })
                .collect();
            let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
            let mut widths = vec![0usize; ncols];
            for r in &rows {
                for (i, c) in r.iter().enumerate() {
                    widths[i] = widths[i].max(c.chars().count());
                }
            }
            let mut out = String::new();
            for r in &rows {
                let mut line = String::new();
                for (i, c) in r.iter().enumerate() {
                    if i > 0 {
                        line.push_str(&osep);
                    }
                    let w = widths[i];
                    let len = c.chars().count();
                    if right.contains(&(i + 1)) {
                        line.push_str(&" ".repeat(w - len));
                        line.push_str(c);
                    } else {
                        line.push_str(c);
                        if i + 1 < r.len() {
                            line.push_str(&" ".repeat(w - len));
                        }
                    }
                }
                out.push_str(&line);
                out.push('\n');
            }
            out
        } else {
            let items: Vec<String> = lines
                .iter()
                .map(|l| l.trim_end().to_owned())
                .filter(|l| !l.is_empty())
                .collect();
            columnate(&items, width, p.has('x'))
        };
        if let Err(e) = ctx.out(out).await {
            return textio::write_error(&ctx, e).await;
        }
        status
    })
}
