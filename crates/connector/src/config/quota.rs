//! `[zoho.quota]`: the Zoho Books API budget of each organization (reference §7).
//!
//! Zoho counts every call of every integration and user of an organization against the same
//! limits: 100 requests per minute (over it: 429 code 44, and the organization is blocked for
//! a while), a daily cap by plan (code 45, until the next day) and about 10 calls in flight
//! (5 on Free; code 1070). The connector stays under all three itself instead of learning
//! them from 429s, and keeps a slice of each for real-time sync so a backfill cannot starve it.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QuotaConfig {
    /// Calls per window and organization (Zoho: 100 per minute). Lower it when other
    /// integrations share the organization.
    pub per_minute: u32,
    /// Length of that window in seconds (Zoho: 60). Tests shrink it to time-scale the limits.
    pub window_seconds: f64,
    /// Calls of each window that reconciliation and backfill leave for real-time sync.
    pub realtime_reserve: u32,
    /// Calls in flight at once per organization. Default: from the plan (Free 5, others 10).
    pub concurrent: Option<u32>,
    /// Calls per day and organization. Default: from the organization's plan (Free 1000,
    /// Standard 2000, Professional 5000, Premium/Elite/Ultimate 10000), read once from
    /// `GET /organizations`; unknown plans are not capped by the connector (a 429 code 45
    /// still parks the organization). Set it when Zoho support raised your limit.
    pub daily_limit: Option<u32>,
    /// Percentage of the daily cap that reconciliation and backfill leave for real-time sync.
    pub realtime_daily_reserve_percent: u32,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        Self {
            per_minute: 100,
            window_seconds: 60.0,
            realtime_reserve: 10,
            concurrent: None,
            daily_limit: None,
            realtime_daily_reserve_percent: 10,
        }
    }
}

impl QuotaConfig {
    pub fn window(&self) -> Duration {
        Duration::from_secs_f64(self.window_seconds.max(0.001))
    }

    /// Semantic checks; the error names the key and the fix.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.per_minute == 0 {
            return Err((
                "per_minute".into(),
                "must be at least 1 (Zoho allows 100 per minute)".into(),
            ));
        }
        if !(self.window_seconds.is_finite() && self.window_seconds > 0.0) {
            return Err((
                "window_seconds".into(),
                "must be a positive number of seconds (Zoho: 60)".into(),
            ));
        }
        if self.realtime_reserve >= self.per_minute {
            return Err((
                "realtime_reserve".into(),
                format!(
                    "must be below per_minute ({}), or background work could never call Zoho",
                    self.per_minute
                ),
            ));
        }
        if self.concurrent == Some(0) || self.daily_limit == Some(0) {
            return Err((
                "concurrent/daily_limit".into(),
                "must be at least 1 when set".into(),
            ));
        }
        if self.realtime_daily_reserve_percent >= 100 {
            return Err((
                "realtime_daily_reserve_percent".into(),
                "must be below 100".into(),
            ));
        }
        Ok(())
    }
}

/// Zoho's daily request cap for a plan name as `GET /organizations` reports it (reference §7).
pub fn plan_daily_limit(plan: &str) -> Option<u32> {
    let plan = plan.to_ascii_lowercase();
    let table: [(&str, u32); 6] = [
        ("free", 1000),
        ("standard", 2000),
        ("professional", 5000),
        ("premium", 10000),
        ("elite", 10000),
        ("ultimate", 10000),
    ];
    table
        .iter()
        .find(|(name, _)| plan.contains(name))
        .map(|(_, n)| *n)
}

/// Zoho's concurrent-call limit for a plan: Free 5, paid plans 10.
pub fn plan_concurrency(plan: Option<&str>) -> u32 {
    match plan {
        Some(p) if p.to_ascii_lowercase().contains("free") => 5,
        _ => 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_map_to_documented_caps() {
        assert_eq!(plan_daily_limit("FREE"), Some(1000));
        assert_eq!(plan_daily_limit("Standard"), Some(2000));
        assert_eq!(plan_daily_limit("PROFESSIONAL"), Some(5000));
        assert_eq!(plan_daily_limit("premium"), Some(10000));
        assert_eq!(plan_daily_limit("ELITE"), Some(10000));
        assert_eq!(plan_daily_limit("Ultimate"), Some(10000));
        assert_eq!(plan_daily_limit("enterprise-custom"), None);
        assert_eq!(plan_concurrency(Some("FREE")), 5);
        assert_eq!(plan_concurrency(Some("PROFESSIONAL")), 10);
        assert_eq!(plan_concurrency(None), 10);
    }

    #[test]
    fn validation_names_the_key() {
        let bad = QuotaConfig {
            realtime_reserve: 100,
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().0, "realtime_reserve");
        let bad = QuotaConfig {
            window_seconds: 0.0,
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().0, "window_seconds");
        assert!(QuotaConfig::default().validate().is_ok());
        assert_eq!(QuotaConfig::default().window(), Duration::from_secs(60));
    }
}
