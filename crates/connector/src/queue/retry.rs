//! When a failed job runs again.

use rand::Rng;
use std::time::Duration;

/// Exponential backoff with jitter, capped. An upstream wait hint (`Retry-After`,
/// `retry_in_seconds`) can only push the next attempt later, never earlier.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
}

impl RetryPolicy {
    /// Delay before attempt `attempt + 1`, given `attempt` (1-based) has just failed.
    /// The exponential part is `base * 2^(attempt-1)` capped; jitter picks uniformly in
    /// [half, full] of it, so retries of many jobs spread out but never collapse to zero.
    pub fn delay(&self, attempt: u32, hint: Option<Duration>, rng: &mut impl Rng) -> Duration {
        let exp = self
            .base
            .checked_mul(
                1u32.checked_shl(attempt.saturating_sub(1).min(30))
                    .unwrap_or(u32::MAX),
            )
            .unwrap_or(self.cap)
            .min(self.cap);
        let half = exp / 2;
        let jitter_ms = rng.gen_range(0..=half.as_millis().max(1) as u64);
        let backoff = half + Duration::from_millis(jitter_ms);
        match hint {
            Some(h) if h > backoff => h,
            _ => backoff,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(600),
        }
    }

    #[test]
    fn bounded_by_half_and_full_exponential() {
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=20 {
            let full =
                Duration::from_secs(1u64 << (attempt - 1).min(30)).min(Duration::from_secs(600));
            for _ in 0..50 {
                let d = policy().delay(attempt, None, &mut rng);
                assert!(
                    d >= full / 2 && d <= full + Duration::from_millis(1),
                    "attempt {attempt}: {d:?} vs {full:?}"
                );
            }
        }
    }

    #[test]
    fn lower_bound_is_monotone_and_capped() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut prev_floor = Duration::ZERO;
        for attempt in 1..=40 {
            let min = (0..100)
                .map(|_| policy().delay(attempt, None, &mut rng))
                .min()
                .unwrap_or_default();
            assert!(
                min + Duration::from_millis(1) >= prev_floor,
                "floor went down at {attempt}"
            );
            assert!(min <= Duration::from_secs(600));
            prev_floor = min.min(Duration::from_secs(300));
        }
    }

    #[test]
    fn hint_only_pushes_later() {
        let mut rng = StdRng::seed_from_u64(3);
        let d = policy().delay(1, Some(Duration::from_secs(30)), &mut rng);
        assert_eq!(d, Duration::from_secs(30));
        let d = policy().delay(12, Some(Duration::from_millis(10)), &mut rng);
        assert!(
            d >= Duration::from_secs(300),
            "a short hint must not shorten backoff: {d:?}"
        );
    }

    #[test]
    fn jitter_spreads_values() {
        let mut rng = StdRng::seed_from_u64(9);
        let values: std::collections::HashSet<_> =
            (0..50).map(|_| policy().delay(5, None, &mut rng)).collect();
        assert!(values.len() > 10);
    }
}
