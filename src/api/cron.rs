//! Cron expressions for the facade's scheduler (`lib/cron.ts`): parse once, then ask for fire
//! times. Thin over [`crate::cron::Schedule`].

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::error::sync;
use crate::cron::Schedule;

/// A parsed cron expression: 5 fields (`min hour dom month dow`) or 6 with seconds first,
/// evaluated in the host's local time zone.
#[napi(js_name = "NativeCronSchedule")]
pub struct JsCronSchedule {
    schedule: Schedule,
}

#[napi]
impl JsCronSchedule {
    /// Parse `expr`. Throws `ERR_AGENT_OS_INVALID_CRON` if it is not a valid expression.
    #[napi(factory)]
    pub fn parse(env: Env, expr: String) -> Result<JsCronSchedule> {
        let schedule = sync(&env, Schedule::parse(&expr))?;
        Ok(JsCronSchedule { schedule })
    }

    /// The first fire time strictly after `afterMs` (ms since the epoch); `null` if none.
    #[napi]
    pub fn next_after(&self, after_ms: f64) -> Option<f64> {
        self.schedule.next_after(after_ms)
    }

    /// The next `count` fire times after `afterMs` (fewer if the schedule ends).
    #[napi]
    pub fn next_times(&self, after_ms: f64, count: u32) -> Vec<f64> {
        self.schedule.next_times(after_ms, count as usize)
    }
}
