//! `node`: guest JavaScript in a V8 isolate of its own (see `crate::js`).

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["node"];

/// Run `node` (without the `js` feature: refused, as a binary the VM cannot run).
pub fn main(ctx: Ctx) -> ProgramFuture {
    #[cfg(feature = "js")]
    {
        crate::js::main(ctx)
    }
    #[cfg(not(feature = "js"))]
    {
        Box::pin(async move {
            ctx.complain("JavaScript is not available in this build (cargo feature `js`)")
                .await;
            126
        })
    }
}
