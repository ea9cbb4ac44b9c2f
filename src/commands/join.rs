//! `join [-t C] [-1 F] [-2 F] [-j F] [-a N] [-v N] [-e S] [-o FMT] [-i] [--header] FILE1 FILE2`:
//! join lines of two sorted files on a common field.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["join"];

const SPEC: OptSpec = OptSpec {
    flags: "iz",
    with_arg: "t12javeo",
    long: &[
        ("ignore-case", false, 'i'),
        ("zero-terminated", false, 'z'),
        ("header", false, 'H'),
        ("check-order", false, 'c'),
        ("nocheck-order", false, 'n'),
    ],
};

/// A `-o` item: 0 is the join field, else (file, field).
#[derive(Clone, Copy)]
enum OItem {
    Join,
    Field(usize, usize),
}

fn split_fields(line: &[u8], tab: Option<u8>) -> Vec<&[u8]> {
    match tab {
        Some(t) => line.split(|&b| b == t).collect(),
        None => line
            .split(|&b| b == b' ' || b == b'\t')
            .filter(|f| !f.is_empty())
            .collect(),
    }
}

/// `join`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let mut f1 = 0usize;
        let mut f2 = 0usize;
        let mut tab: Option<u8> = None;
        let mut unpaired = [false, false];
        let mut only = [false, false];
        let mut empty: Option<Vec<u8>> = None;
        let mut order: Option<Vec<OItem>> = None;
        let mut auto = false;
        for (o, v) in &p.opts {
            let v = v.as_deref().unwrap_or("");
            let field = |v: &str| -> Result<usize, String> {
                match v.parse::<usize>() {
                    Ok(n) if n >= 1 => Ok(n - 1),
                    _ => Err(format!("invalid field number: {}", textio::quote_always(v))),
                }
            };
            let r: Result<(), String> = match o {
                '1' => field(v).map(|n| f1 = n),
                '2' => field(v).map(|n| f2 = n),
                'j' => field(v).map(|n| {
                    f1 = n;
                    f2 = n;
                }),
                't' => {
                    if v.len() > 1 && v != "\\0" {
                        Err(format!("multi-character tab {}", textio::quote_always(v)))
                    } else {
                        tab = Some(if v == "\\0" {
                            0
                        } else {
                            v.as_bytes().first().copied().unwrap_or(b'\n')
                        });
                        Ok(())
                    }
                }
                'a' | 'v' => match v {
                    "1" | "2" => {
                        let k = usize::from(v == "2");
                        unpaired[k] = true;
                        if *o == 'v' {
                            only[k] = true;
                        }
                        Ok(())
                    }
                    _ => Err(format!("invalid file number: {}", textio::quote_always(v))),
                },
                'e' => {
                    empty = Some(v.as_bytes().to_vec());
                    Ok(())
                }
                'o' => {
                    if v == "auto" {
                        auto = true;
                        Ok(())
                    } else {
                        let mut items = order.take().unwrap_or_default();
                        let mut err = None;
                        for it in v.split([',', ' ']).filter(|s| !s.is_empty()) {
                            if it == "0" {
                                items.push(OItem::Join);
                            } else if let Some((a, b)) = it.split_once('.') {
                                match (a, b.parse::<usize>()) {
                                    ("1" | "2", Ok(n)) if n >= 1 => {
                                        items.push(OItem::Field(usize::from(a == "2"), n - 1))
                                    }
                                    _ => {
                                        err = Some(format!(
                                            "invalid field specifier: {}",
                                            textio::quote_always(it)
                                        ));
                                        break;
                                    }
                                }
                            } else {
                                err = Some(format!(
                                    "invalid field specifier: {}",
                                    textio::quote_always(it)
                                ));
                                break;
                            }
                        }
                        order = Some(items);
                        err.map_or(Ok(()), Err)
                    }
                }
                _ => Ok(()),
            };
            if let Err(m) = r {
                ctx.complain(m).await;
                return 1;
            }
        }
        let eol = if p.has('z') { 0 } else { b'\n' };
        let data = match textio::two_inputs(&ctx, &p.operands).await {
            Ok(d) => d,
            Err(code) => return code,
        };
        let icase = p.has('i');
        let recs: Vec<Vec<Vec<&[u8]>>> = data
            .iter()
            .map(|d| {
                textio::lines_bare(d, eol)
                    .into_iter()
                    .map(|l| split_fields(l, tab))
                    .collect()
            })
            .collect();
        let keyf = [f1, f2];
        let key = |file: usize, r: &Vec<&[u8]>| -> Vec<u8> {
            let k = r.get(keyf[file]).copied().unwrap_or(b"");
            if icase {
                k.to_ascii_lowercase()
            } else {
                k.to_vec()
            }
        };
        let sep: Vec<u8> = vec![tab.unwrap_or(b' ')];
        let empty_v = empty.clone().unwrap_or_default();
        if auto && order.is_none() {
            let n1 = recs[0].first().map_or(0, Vec::len);
            let n2 = recs[1].first().map_or(0, Vec::len);
            let mut items = vec![OItem::Join];
            items.extend((0..n1).filter(|i| *i != f1).map(|i| OItem::Field(0, i)));
            items.extend((0..n2).filter(|i| *i != f2).map(|i| OItem::Field(1, i)));
            order = Some(items);
        }
        let render = |a: Option<&Vec<&[u8]>>, b: Option<&Vec<&[u8]>>, out: &mut Vec<u8>| {
            let mut parts: Vec<&[u8]> = Vec::new();
            let joinf: &[u8] = match (a, b) {
                (Some(r), _) => r.get(f1).copied().unwrap_or(b""),
                (None, Some(r)) => r.get(f2).copied().unwrap_or(b""),
                _ => b"",
            };
            match &order {
                Some(items) => {
                    for it in items {
                        match it {
                            OItem::Join => parts.push(joinf),
                            OItem::Field(fi, n) => {
                                let r = if *fi == 0 { a } else { b };
                                parts.push(r.and_then(|r| r.get(*n).copied()).unwrap_or(&empty_v));
                            }
                        }
                    }
                }
                None => {
                    parts.push(joinf);
                    if let Some(r) = a {
                        parts.extend(
                            r.iter()
                                .enumerate()
                                .filter(|(i, _)| *i != f1)
                                .map(|(_, f)| *f),
                        );
                    }
                    if let Some(r) = b {
                        parts.extend(
                            r.iter()
                                .enumerate()
                                .filter(|(i, _)| *i != f2)
                                .map(|(_, f)| *f),
                        );
                    }
                }
            }
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(&sep);
                }
                let part: &[u8] = if part.is_empty() && empty.is_some() {
                    &empty_v
                } else {
                    part
                };
                out.extend_from_slice(part);
            }
            out.push(eol);
        };
        let (a, b) = (&recs[0], &recs[1]);
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        if p.has('H') && !a.is_empty() && !b.is_empty() {
            render(Some(&a[0]), Some(&b[0]), &mut out);
            i = 1;
            j = 1;
        }
        while i < a.len() || j < b.len() {
            let ord = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => key(0, x).cmp(&key(1, y)),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match ord {
                std::cmp::Ordering::Less => {
                    if unpaired[0] {
                        render(Some(&a[i]), None, &mut out);
                    }
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    if unpaired[1] {
                        render(None, Some(&b[j]), &mut out);
                    }
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    let k = key(0, &a[i]);
                    let mut ie = i;
                    while ie < a.len() && key(0, &a[ie]) == k {
                        ie += 1;
                    }
                    let mut je = j;
                    while je < b.len() && key(1, &b[je]) == k {
                        je += 1;
                    }
                    if !only[0] && !only[1] {
                        for x in &a[i..ie] {
                            for y in &b[j..je] {
                                render(Some(x), Some(y), &mut out);
                            }
                        }
                    }
                    i = ie;
                    j = je;
                }
            }
        }
        match ctx.out(out).await {
            Ok(()) => 0,
            Err(e) => textio::write_error(&ctx, e).await,
        }
    })
}
