//! How long every process waits after a failed token request before the next one: exponential
//! in the consecutive failures, capped, jittered downwards (never past the cap).
//!
//! Throttling ("Access Denied") starts at a minute and grows to Zoho's ten-minute window: each
//! request made while blocked keeps the block alive. Outages (5xx, network) start at seconds.

use std::time::Duration;

/// What kind of failure a backoff follows; stored by name so other processes read it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Throttled,
    Transient,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Throttled => "throttled",
            FailureKind::Transient => "transient",
        }
    }

    pub fn parse(s: &str) -> FailureKind {
        match s {
            "throttled" => FailureKind::Throttled,
            _ => FailureKind::Transient,
        }
    }

    fn base_and_cap(self) -> (Duration, Duration) {
        match self {
            FailureKind::Throttled => (Duration::from_secs(60), Duration::from_secs(600)),
            FailureKind::Transient => (Duration::from_secs(5), Duration::from_secs(300)),
        }
    }
}

/// The wait after the `failures`-th consecutive failure (1-based); `jitter` in `0.0..=1.0`
/// takes up to a fifth off.
pub fn delay(kind: FailureKind, failures: u32, jitter: f64) -> Duration {
    let (base, cap) = kind.base_and_cap();
    let doublings = failures.saturating_sub(1).min(16);
    let full = base.saturating_mul(1u32 << doublings).min(cap);
    full.mul_f64(1.0 - 0.2 * jitter.clamp(0.0, 1.0))
}

/// [`delay`] with random jitter, so connections (and processes) do not ask in step.
pub fn jittered(kind: FailureKind, failures: u32) -> Duration {
    delay(kind, failures, rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_to_the_cap_and_jitter_only_shortens() {
        let t = FailureKind::Throttled;
        assert_eq!(delay(t, 1, 0.0), Duration::from_secs(60));
        assert_eq!(delay(t, 2, 0.0), Duration::from_secs(120));
        assert_eq!(delay(t, 4, 0.0), Duration::from_secs(480));
        assert_eq!(delay(t, 5, 0.0), Duration::from_secs(600));
        assert_eq!(delay(t, 500, 0.0), Duration::from_secs(600));
        assert_eq!(delay(t, 1, 1.0), Duration::from_secs(48));
        assert_eq!(
            delay(FailureKind::Transient, 1, 0.0),
            Duration::from_secs(5)
        );
        assert_eq!(
            delay(FailureKind::Transient, 9, 0.0),
            Duration::from_secs(300)
        );
        for n in 1..20 {
            let d = jittered(t, n);
            assert!(
                d <= Duration::from_secs(600) && d >= delay(t, n, 1.0),
                "{d:?}"
            );
        }
        assert_eq!(FailureKind::parse(t.as_str()), t);
        assert_eq!(
            FailureKind::parse(FailureKind::Transient.as_str()),
            FailureKind::Transient
        );
    }
}
