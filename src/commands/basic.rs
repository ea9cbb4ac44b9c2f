//! `true`, `false`, `sleep`, `yes`.

use std::time::Duration;

use bytes::Bytes;

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["false", "sleep", "true", "yes"];

/// Dispatch on the command's name.
pub fn main(ctx: Ctx) -> ProgramFuture {
    match ctx.name() {
        "false" => false_main(ctx),
        "sleep" => sleep_main(ctx),
        "yes" => yes_main(ctx),
        _ => true_main(ctx),
    }
}

/// `true`: exit 0.
pub fn true_main(_ctx: Ctx) -> ProgramFuture {
    Box::pin(async { 0 })
}

/// `false`: exit 1.
pub fn false_main(_ctx: Ctx) -> ProgramFuture {
    Box::pin(async { 1 })
}

/// Parse one `sleep` operand: a number with an optional `s`, `m`, `h` or `d` suffix.
fn duration(arg: &str) -> Option<Duration> {
    let (num, mult) = match arg.chars().last()? {
        's' => (&arg[..arg.len() - 1], 1.0),
        'm' => (&arg[..arg.len() - 1], 60.0),
        'h' => (&arg[..arg.len() - 1], 3600.0),
        'd' => (&arg[..arg.len() - 1], 86400.0),
        _ => (arg, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| Duration::from_secs_f64((v * mult).min(1e9)))
}

/// `sleep NUMBER[SUFFIX]...`: wait for the sum of the durations.
pub fn sleep_main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let args = &ctx.argv[1..];
        if args.is_empty() {
            ctx.complain("missing operand\nTry 'sleep --help' for more information.")
                .await;
            return 1;
        }
        let mut total = Duration::ZERO;
        for a in args {
            match duration(a) {
                Some(d) => total += d,
                None => {
                    ctx.complain(format!(
                        "invalid time interval '{a}'\nTry 'sleep --help' for more information."
                    ))
                    .await;
                    return 1;
                }
            }
        }
        tokio::time::sleep(total).await;
        0
    })
}

/// `yes [STRING]...`: print the line forever (until the output fails).
pub fn yes_main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let line = if ctx.argv.len() > 1 {
            ctx.argv[1..].join(" ")
        } else {
            "y".to_owned()
        };
        let mut chunk = Vec::with_capacity(16 * 1024);
        while chunk.len() < 8 * 1024 {
            chunk.extend_from_slice(line.as_bytes());
            chunk.push(b'\n');
        }
        let chunk = Bytes::from(chunk);
        loop {
            if let Err(e) = ctx.out(chunk.clone()).await {
                ctx.complain(format!("standard output: {}", e.strerror()))
                    .await;
                return 1;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_durations() {
        assert_eq!(duration("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(duration("x"), None);
        assert_eq!(duration("-1"), None);
    }
}
