//! `test`/`[` and `[[ ]]`.

use brush_parser::ast::{
    BinaryPredicate as Bin, ExtendedTestExpr as X, TestExpr as T, UnaryPredicate as Un,
};

use super::expand::Mode;
use super::pattern::Pattern;
use super::{Fut, Shell};
use crate::kernel::vfs::{Cred, FileType, Stat};

impl Shell {
    async fn stat_of(&self, p: &str, follow: bool) -> Option<Stat> {
        if p.is_empty() {
            return None;
        }
        let abs = if p.starts_with('/') {
            p.to_owned()
        } else {
            crate::kernel::vfs::path::join(&self.proc.cwd(), p)
        };
        self.kernel.vfs().stat(Cred::USER, &abs, follow).await.ok()
    }

    async fn unary(&self, pred: &Un, s: &str) -> Result<bool, String> {
        Ok(match pred {
            Un::StringHasZeroLength => s.is_empty(),
            Un::StringHasNonZeroLength => !s.is_empty(),
            Un::ShellVariableIsSetAndAssigned => match s.split_once('[') {
                Some((n, rest)) => self.element(n, rest.trim_end_matches(']')).is_some(),
                None => self.var(s).is_some(),
            },
            Un::ShellVariableIsSetAndNameRef => false,
            Un::ShellOptionEnabled => match s {
                "errexit" => self.opts.errexit,
                "nounset" => self.opts.nounset,
                "xtrace" => self.opts.xtrace,
                "pipefail" => self.opts.pipefail,
                "noglob" => self.opts.noglob,
                "noclobber" => self.opts.noclobber,
                _ => false,
            },
            Un::FdIsOpenTerminal => s
                .trim()
                .parse::<i32>()
                .ok()
                .and_then(|fd| self.fds.get(fd).ok())
                .is_some_and(|f| f.as_tty().is_some()),
            Un::FileExistsAndIsSymlink => self
                .stat_of(s, false)
                .await
                .is_some_and(|st| st.file_type == FileType::Symlink),
            other => {
                let Some(st) = self.stat_of(s, true).await else {
                    return Ok(false);
                };
                match other {
                    Un::FileExists => true,
                    Un::FileExistsAndIsDir => st.file_type == FileType::Dir,
                    Un::FileExistsAndIsRegularFile => st.file_type == FileType::File,
                    Un::FileExistsAndIsCharSpecialFile => st.file_type == FileType::CharDevice,
                    Un::FileExistsAndIsBlockSpecialFile
                    | Un::FileExistsAndIsFifo
                    | Un::FileExistsAndIsSocket => false,
                    Un::FileExistsAndIsNotZeroLength => st.size > 0,
                    Un::FileExistsAndIsReadable => st.perm & 0o444 != 0,
                    Un::FileExistsAndIsWritable => st.perm & 0o222 != 0,
                    Un::FileExistsAndIsExecutable => st.perm & 0o111 != 0,
                    Un::FileExistsAndIsSetuid => st.perm & 0o4000 != 0,
                    Un::FileExistsAndIsSetgid => st.perm & 0o2000 != 0,
                    Un::FileExistsAndHasStickyBit => st.perm & 0o1000 != 0,
                    Un::FileExistsAndOwnedByEffectiveUserId => st.uid == 1000,
                    Un::FileExistsAndOwnedByEffectiveGroupId => st.gid == 1000,
                    Un::FileExistsAndModifiedSinceLastRead => st.mtime_ns > st.atime_ns,
                    _ => false,
                }
            }
        })
    }

    fn int(&self, s: &str) -> Result<i64, String> {
        let t = s.trim();
        t.parse::<i64>()
            .map_err(|_| format!("{s}: integer expression expected"))
    }

    async fn binary(
        &mut self,
        pred: &Bin,
        l: &str,
        r: &str,
        extended: bool,
    ) -> Result<bool, String> {
        let arith = |sh: &mut Shell, s: &str| -> Result<i64, String> {
            if extended {
                super::arith::eval_str(sh, s)
            } else {
                sh.int(s)
            }
        };
        Ok(match pred {
            Bin::StringExactlyMatchesString => l == r,
            Bin::StringDoesNotExactlyMatchString => l != r,
            Bin::StringExactlyMatchesPattern => Pattern::new(r).matches(l, false),
            Bin::StringDoesNotExactlyMatchPattern => !Pattern::new(r).matches(l, false),
            Bin::StringContainsSubstring => l.contains(r),
            Bin::LeftSortsBeforeRight => l < r,
            Bin::LeftSortsAfterRight => l > r,
            Bin::StringMatchesRegex => {
                let re =
                    regex::Regex::new(r).map_err(|_| format!("{r}: invalid regular expression"))?;
                match re.captures(l) {
                    Some(c) => {
                        let groups: std::collections::BTreeMap<i64, String> = c
                            .iter()
                            .enumerate()
                            .map(|(i, m)| {
                                (i as i64, m.map_or(String::new(), |m| m.as_str().to_owned()))
                            })
                            .collect();
                        let _ = self.set_value("BASH_REMATCH", super::Value::Indexed(groups));
                        true
                    }
                    None => {
                        let _ = self
                            .set_value("BASH_REMATCH", super::Value::Indexed(Default::default()));
                        false
                    }
                }
            }
            Bin::ArithmeticEqualTo => arith(self, l)? == arith(self, r)?,
            Bin::ArithmeticNotEqualTo => arith(self, l)? != arith(self, r)?,
            Bin::ArithmeticLessThan => arith(self, l)? < arith(self, r)?,
            Bin::ArithmeticLessThanOrEqualTo => arith(self, l)? <= arith(self, r)?,
            Bin::ArithmeticGreaterThan => arith(self, l)? > arith(self, r)?,
            Bin::ArithmeticGreaterThanOrEqualTo => arith(self, l)? >= arith(self, r)?,
            Bin::FilesReferToSameDeviceAndInodeNumbers => {
                match (self.stat_of(l, true).await, self.stat_of(r, true).await) {
                    (Some(a), Some(b)) => a.ino == b.ino,
                    _ => false,
                }
            }
            Bin::LeftFileIsNewerOrExistsWhenRightDoesNot => {
                match (self.stat_of(l, true).await, self.stat_of(r, true).await) {
                    (Some(a), Some(b)) => a.mtime_ns > b.mtime_ns,
                    (Some(_), None) => true,
                    _ => false,
                }
            }
            Bin::LeftFileIsOlderOrDoesNotExistWhenRightDoes => {
                match (self.stat_of(l, true).await, self.stat_of(r, true).await) {
                    (Some(a), Some(b)) => a.mtime_ns < b.mtime_ns,
                    (None, Some(_)) => true,
                    _ => false,
                }
            }
        })
    }

    /// `test ARGS...` / `[ ARGS... ]`: 0 true, 1 false, 2 error (message returned).
    pub(crate) async fn test_command(&mut self, args: &[String]) -> Result<bool, String> {
        if args.is_empty() {
            return Ok(false);
        }
        let expr = brush_parser::test_command::parse(args).map_err(|_| {
            if args.len() >= 2 && args[0].starts_with('-') && args[0].len() == 2 {
                format!("{}: unary operator expected", args[0])
            } else if args.len() == 3 {
                format!("{}: binary operator expected", args[1])
            } else {
                "too many arguments".to_owned()
            }
        })?;
        self.eval_test(&expr).await
    }

    fn eval_test<'a>(&'a mut self, e: &'a T) -> Fut<'a, Result<bool, String>> {
        Box::pin(async move {
            Ok(match e {
                T::False => false,
                T::Literal(s) => !s.is_empty(),
                T::And(a, b) => self.eval_test(a).await? && self.eval_test(b).await?,
                T::Or(a, b) => self.eval_test(a).await? || self.eval_test(b).await?,
                T::Not(a) => !self.eval_test(a).await?,
                T::Parenthesized(a) => self.eval_test(a).await?,
                T::UnaryTest(p, s) => self.unary(p, s).await?,
                T::BinaryTest(p, l, r) => {
                    let p = match p {
                        Bin::StringExactlyMatchesPattern => &Bin::StringExactlyMatchesString,
                        Bin::StringDoesNotExactlyMatchPattern => {
                            &Bin::StringDoesNotExactlyMatchString
                        }
                        other => other,
                    };
                    self.binary(p, l, r, false).await?
                }
            })
        })
    }

    /// `[[ expr ]]`.
    pub(crate) fn extended_test<'a>(&'a mut self, e: &'a X) -> Fut<'a, Result<bool, String>> {
        Box::pin(async move {
            Ok(match e {
                X::And(a, b) => self.extended_test(a).await? && self.extended_test(b).await?,
                X::Or(a, b) => self.extended_test(a).await? || self.extended_test(b).await?,
                X::Not(a) => !self.extended_test(a).await?,
                X::Parenthesized(a) => self.extended_test(a).await?,
                X::UnaryTest(p, w) => {
                    let s = self
                        .expand_word(&w.value, Mode::Single)
                        .await
                        .map_err(|e| e.message())?
                        .join(" ");
                    self.unary(p, &s).await?
                }
                X::BinaryTest(p, l, r) => {
                    let lv = self
                        .expand_word(&l.value, Mode::Single)
                        .await
                        .map_err(|e| e.message())?
                        .join(" ");
                    let rv = match p {
                        Bin::StringExactlyMatchesPattern
                        | Bin::StringDoesNotExactlyMatchPattern => self
                            .expand_word(&r.value, Mode::Pattern)
                            .await
                            .map_err(|e| e.message())?
                            .join(" "),
                        Bin::StringMatchesRegex => self
                            .expand_word(&r.value, Mode::Regex)
                            .await
                            .map_err(|e| e.message())?
                            .join(" "),
                        _ => self
                            .expand_word(&r.value, Mode::Single)
                            .await
                            .map_err(|e| e.message())?
                            .join(" "),
                    };
                    self.binary(p, &lv, &rv, true).await?
                }
            })
        })
    }
}
