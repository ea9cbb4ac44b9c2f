//! `id [-u|-g|-G] [-n] [-r] [USER]`: user and group ids (from the VM's `/etc/passwd` and
//! `/etc/group`).

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["id"];

const SPEC: OptSpec = OptSpec {
    flags: "ugGnrza",
    with_arg: "",
    long: &[
        ("user", false, 'u'),
        ("group", false, 'g'),
        ("groups", false, 'G'),
        ("name", false, 'n'),
        ("real", false, 'r'),
        ("zero", false, 'z'),
    ],
};

/// Lines of a colon-separated database file, split into fields.
async fn db(ctx: &Ctx, path: &str) -> Vec<Vec<String>> {
    let data = ctx
        .kernel
        .vfs()
        .read_file(ctx.cred(), path)
        .await
        .unwrap_or_default();
    String::from_utf8_lossy(&data)
        .lines()
        .map(|l| l.split(':').map(str::to_owned).collect())
        .collect()
}

/// The name of user `uid`.
pub async fn user_name(ctx: &Ctx, uid: u32) -> Option<String> {
    db(ctx, "/etc/passwd")
        .await
        .into_iter()
        .find(|f| f.get(2).and_then(|x| x.parse::<u32>().ok()) == Some(uid))
        .and_then(|f| f.first().cloned())
}

async fn group_name(ctx: &Ctx, gid: u32) -> Option<String> {
    db(ctx, "/etc/group")
        .await
        .into_iter()
        .find(|f| f.get(2).and_then(|x| x.parse::<u32>().ok()) == Some(gid))
        .and_then(|f| f.first().cloned())
}

/// `id`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let p = match textio::parse_opts(&ctx, &SPEC, false, 1).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        if p.operands.len() > 1 {
            return textio::usage(
                &ctx,
                &format!("extra operand {}", textio::quote_always(&p.operands[1])),
                1,
            )
            .await;
        }
        let (mut uid, mut gid) = (ctx.cred().uid, ctx.cred().gid);
        if let Some(u) = p.operands.first() {
            let users = db(&ctx, "/etc/passwd").await;
            let found = users
                .iter()
                .find(|f| f.first() == Some(u))
                .or_else(|| users.iter().find(|f| f.get(2) == Some(u)));
            match found {
                Some(f) => {
                    uid = f.get(2).and_then(|x| x.parse().ok()).unwrap_or(0);
                    gid = f.get(3).and_then(|x| x.parse().ok()).unwrap_or(0);
                }
                None => {
                    ctx.complain(format!("{}: no such user", textio::quote_always(u)))
                        .await;
                    return 1;
                }
            }
        }
        let (u, g, big_g, n) = (p.has('u'), p.has('g'), p.has('G'), p.has('n'));
        if [u, g, big_g].iter().filter(|x| **x).count() > 1 {
            ctx.complain("cannot print \"only\" of more than one choice")
                .await;
            return 1;
        }
        if (n || p.has('r')) && !(u || g || big_g) {
            ctx.complain("cannot print only names or real IDs in default format")
                .await;
            return 1;
        }
        let uname = user_name(&ctx, uid).await;
        let gname = group_name(&ctx, gid).await;
        let name_or =
            |name: &Option<String>, id: u32| name.clone().unwrap_or_else(|| id.to_string());
        let sep = if p.has('z') { "\0" } else { "\n" };
        let line = if u {
            if n {
                name_or(&uname, uid)
            } else {
                uid.to_string()
            }
        } else if g || big_g {
            if n {
                name_or(&gname, gid)
            } else {
                gid.to_string()
            }
        } else {
            let un = uname.map(|s| format!("({s})")).unwrap_or_default();
            let gn = gname.map(|s| format!("({s})")).unwrap_or_default();
            format!("uid={uid}{un} gid={gid}{gn} groups={gid}{gn}")
        };
        if ctx.out(format!("{line}{sep}")).await.is_err() {
            return 1;
        }
        0
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn id_reports_user() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, err) = rt.block_on(crate::shell::fixtures::run_bash(
            "id; id -u; id -g; id -un; id -gn; id -G; id root; id -n; echo rc=$?; id nosuch; echo rc=$?",
            None,
        ));
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "uid=1000(user) gid=1000(user) groups=1000(user)\n1000\n1000\nuser\nuser\n1000\nuid=0(root) gid=0(root) groups=0(root)\nrc=1\nrc=1\n"
        );
        assert_eq!(
            err,
            "id: cannot print only names or real IDs in default format\nid: 'nosuch': no such user\n"
        );
    }
}
