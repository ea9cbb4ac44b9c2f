//! Cron schedules: parsing a crontab expression and computing its fire times.
//!
//! Plain Rust over the `croner` crate. The timer loop itself lives in the TypeScript facade
//! (`lib/cron.ts`), because every action a job can run (`exec` in the VM, an agent session, a JS
//! callback) is driven from the JS thread; it asks a [`Schedule`] for the next fire time after
//! each tick.
//!
//! Accepted: the standard 5-field form (`min hour day-of-month month day-of-week`) and the
//! 6-field form with seconds first, with `*`, ranges (`1-5`), steps (`*/15`, `10-50/20`), lists
//! (`1,15,30`), names (`JAN`-`DEC`, `SUN`-`SAT`, any case), `0` or `7` for Sunday, and croner's
//! extensions (`@hourly`, `@daily`, ..., `L`, `W`, `#`). A 7-field form (with years) is
//! rejected. As in vixie cron, when both day-of-month and day-of-week are restricted a day
//! matching either one fires. Times are wall-clock times in the host's local time zone.

use std::str::FromStr;

use chrono::{DateTime, Local, TimeZone};
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

use crate::error::{ApiCode, Error, Result};

/// A parsed cron expression.
#[derive(Clone, Debug)]
pub struct Schedule {
    cron: Cron,
}

impl Schedule {
    /// Parse `expr`; fails with `ERR_AGENT_OS_INVALID_CRON` naming the expression and why.
    pub fn parse(expr: &str) -> Result<Schedule> {
        let fields = expr.split_whitespace().count();
        if fields != 5 && fields != 6 && !expr.trim_start().starts_with('@') {
            return Err(invalid(
                expr,
                &format!("expected 5 fields (or 6 with seconds), got {fields}"),
            ));
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .dom_and_dow(false)
            .build();
        let cron = parser
            .parse(expr)
            .map_err(|e| invalid(expr, &e.to_string()))?;
        Ok(Schedule { cron })
    }

    /// The first fire time strictly after `after_ms` (milliseconds since the Unix epoch), in
    /// the same unit; `None` if the expression never fires again (`0 0 30 2 *`).
    pub fn next_after(&self, after_ms: f64) -> Option<f64> {
        if !after_ms.is_finite() {
            return None;
        }
        // Whole seconds: a time inside second S is "after" S, so the next candidate is S + 1.
        let secs = (after_ms / 1000.0).floor() as i64;
        let from: DateTime<Local> = Local.timestamp_opt(secs, 0).earliest()?;
        let next = self.cron.find_next_occurrence(&from, false).ok()?;
        Some(next.timestamp_millis() as f64)
    }

    /// The next `count` fire times after `after_ms` (fewer if the schedule ends).
    pub fn next_times(&self, after_ms: f64, count: usize) -> Vec<f64> {
        let mut out = Vec::with_capacity(count.min(1024));
        let mut t = after_ms;
        while out.len() < count {
            match self.next_after(t) {
                Some(n) => {
                    out.push(n);
                    t = n;
                }
                None => break,
            }
        }
        out
    }
}

impl FromStr for Schedule {
    type Err = Error;

    fn from_str(s: &str) -> Result<Schedule> {
        Schedule::parse(s)
    }
}

fn invalid(expr: &str, why: &str) -> Error {
    Error::api(
        ApiCode::InvalidCron,
        format!("invalid cron expression '{expr}': {why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Timelike};

    /// Milliseconds of a local wall-clock time.
    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> f64 {
        let naive = NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, s))
            .unwrap_or_default();
        Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.timestamp_millis() as f64)
            .unwrap_or(f64::NAN)
    }

    fn local(ms: f64) -> DateTime<Local> {
        Local
            .timestamp_millis_opt(ms as i64)
            .earliest()
            .unwrap_or_default()
    }

    fn times(expr: &str, from: f64, n: usize) -> Vec<f64> {
        match Schedule::parse(expr) {
            Ok(s) => s.next_times(from, n),
            Err(e) => panic!("{expr}: {e}"),
        }
    }

    #[test]
    fn five_fields_every_minute_and_steps() {
        let from = at(2026, 1, 5, 9, 30, 20);
        assert_eq!(
            times("* * * * *", from, 2),
            [at(2026, 1, 5, 9, 31, 0), at(2026, 1, 5, 9, 32, 0)]
        );
        assert_eq!(
            times("*/15 * * * *", from, 3),
            [
                at(2026, 1, 5, 9, 45, 0),
                at(2026, 1, 5, 10, 0, 0),
                at(2026, 1, 5, 10, 15, 0)
            ]
        );
        // A range with a step, and a list.
        assert_eq!(
            times("10-50/20 8,12 * * *", from, 4),
            [
                at(2026, 1, 5, 12, 10, 0),
                at(2026, 1, 5, 12, 30, 0),
                at(2026, 1, 5, 12, 50, 0),
                at(2026, 1, 6, 8, 10, 0)
            ]
        );
    }

    #[test]
    fn the_exact_fire_time_is_not_after_itself() {
        let t = at(2026, 1, 5, 9, 30, 0);
        assert_eq!(times("30 9 * * *", t, 1), [at(2026, 1, 6, 9, 30, 0)]);
        // Any moment inside the firing second is past it too.
        assert_eq!(
            times("30 9 * * *", t + 999.0, 1),
            [at(2026, 1, 6, 9, 30, 0)]
        );
        assert_eq!(times("30 9 * * *", t - 1.0, 1), [t]);
    }

    #[test]
    fn names_of_days_and_months() {
        // 2026-01-05 is a Monday.
        let from = at(2026, 1, 5, 12, 0, 0);
        let got = times("0 9 * * MON-FRI", from, 5);
        let days: Vec<u32> = got.iter().map(|&t| local(t).day()).collect();
        assert_eq!(days, [6, 7, 8, 9, 12]);
        assert!(got.iter().all(|&t| local(t).hour() == 9));
        assert_eq!(
            times("0 0 1 jan,Jul *", from, 2),
            [at(2026, 7, 1, 0, 0, 0), at(2027, 1, 1, 0, 0, 0)]
        );
        // Sunday is 0, 7 or SUN.
        let sun = [at(2026, 1, 11, 0, 0, 0)];
        assert_eq!(times("0 0 * * 0", from, 1), sun);
        assert_eq!(times("0 0 * * 7", from, 1), sun);
        assert_eq!(times("0 0 * * sun", from, 1), sun);
    }

    #[test]
    fn six_fields_have_seconds_first() {
        let from = at(2026, 1, 5, 9, 30, 20);
        assert_eq!(
            times("*/10 * * * * *", from, 3),
            [
                at(2026, 1, 5, 9, 30, 30),
                at(2026, 1, 5, 9, 30, 40),
                at(2026, 1, 5, 9, 30, 50)
            ]
        );
        assert_eq!(
            times("5,45 0-1 10 * * TUE", from, 4),
            [
                at(2026, 1, 6, 10, 0, 5),
                at(2026, 1, 6, 10, 0, 45),
                at(2026, 1, 6, 10, 1, 5),
                at(2026, 1, 6, 10, 1, 45)
            ]
        );
    }

    #[test]
    fn day_of_month_or_day_of_week() {
        // vixie cron: the 13th, or any Friday.
        let from = at(2026, 2, 1, 0, 0, 0);
        let days: Vec<u32> = times("0 0 13 * FRI", from, 4)
            .iter()
            .map(|&t| local(t).day())
            .collect();
        assert_eq!(days, [6, 13, 20, 27]);
    }

    #[test]
    fn a_schedule_that_never_fires_has_no_next_time() {
        let s = Schedule::parse("0 0 30 2 *");
        // croner may reject an impossible date outright or find no occurrence; both are fine.
        if let Ok(s) = s {
            assert_eq!(s.next_after(at(2026, 1, 1, 0, 0, 0)), None);
        }
    }

    #[test]
    fn invalid_expressions_have_a_stable_code() {
        for bad in [
            "",
            "* * * *",
            "* * * * * * *",
            "61 * * * *",
            "* 24 * * *",
            "* * 32 * *",
            "* * * 13 *",
            "* * * * 8",
            "* * * * FOO",
            "5-1/x * * * *",
            "not a cron",
            "every minute",
        ] {
            match Schedule::parse(bad) {
                Ok(_) => panic!("{bad:?} parsed"),
                Err(e) => {
                    assert_eq!(e.code(), "ERR_AGENT_OS_INVALID_CRON", "{bad:?}");
                    assert!(e.message().contains(bad), "{}", e.message());
                }
            }
        }
    }

    #[test]
    fn nicknames() {
        let from = at(2026, 1, 5, 9, 30, 20);
        assert_eq!(times("@hourly", from, 1), [at(2026, 1, 5, 10, 0, 0)]);
        assert_eq!(times("@daily", from, 1), [at(2026, 1, 6, 0, 0, 0)]);
    }
}
