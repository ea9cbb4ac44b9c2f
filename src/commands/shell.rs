//! `sh` and `bash`: the shell interpreter as a command.

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["bash", "sh"];

/// Run the shell.
pub fn main(ctx: Ctx) -> ProgramFuture {
    crate::shell::main(ctx)
}
