//! monday's published limits per plan, with the operator's explicit keys applied.

use super::MondayConfig;

/// The numbers one connection keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MondayLimits {
    pub per_minute: u32,
    pub concurrent: u32,
    /// `None`: no daily cap of our own.
    pub daily: Option<u32>,
}

impl MondayLimits {
    /// The plan's published numbers with the explicit keys applied. Errors name the key.
    pub fn from_config(c: &MondayConfig) -> Result<MondayLimits, (String, String)> {
        let mut limits = match c.plan.as_deref().map(str::to_ascii_lowercase).as_deref() {
            // Safe on every plan; no daily cap without knowing the plan.
            None => MondayLimits { per_minute: 1_000, concurrent: 40, daily: None },
            Some("free" | "trial" | "basic" | "standard") => MondayLimits { per_minute: 1_000, concurrent: 40, daily: Some(1_000) },
            Some("pro") => MondayLimits { per_minute: 2_500, concurrent: 100, daily: Some(10_000) },
            Some("enterprise") => MondayLimits { per_minute: 5_000, concurrent: 250, daily: Some(25_000) },
            Some(other) => {
                return Err((
                    "plan".into(),
                    format!("`{other}` is not a monday plan; use free, basic, standard, pro or enterprise, or set minute_limit, concurrency_limit and daily_limit"),
                ))
            }
        };
        for (key, value) in [
            ("minute_limit", c.minute_limit),
            ("concurrency_limit", c.concurrency_limit),
            ("daily_limit", c.daily_limit),
        ] {
            if value == Some(0) {
                return Err((key.into(), "must be at least 1 when set".into()));
            }
        }
        limits.per_minute = c.minute_limit.unwrap_or(limits.per_minute);
        limits.concurrent = c.concurrency_limit.unwrap_or(limits.concurrent);
        limits.daily = c.daily_limit.or(limits.daily);
        Ok(limits)
    }
}
