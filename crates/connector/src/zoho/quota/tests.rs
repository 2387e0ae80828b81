use super::*;
use crate::clock::{Clock, ManualClock};
use crate::config::DatabaseConfig;
use chrono::{TimeZone, Utc};
use zoho_books::{RateLimitAdvice, RateLimitKind};

const ORG: &str = "777";

struct Fixture {
    quotas: Quotas,
    clock: ManualClock,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn fixture(config: QuotaConfig) -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("q.db").display());
    let store = Store::open(&DatabaseConfig {
        url,
        ..Default::default()
    })
    .await
    .expect("store");
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .expect("time"),
    );
    let quotas = Quotas::new(store.clone(), Arc::new(clock.clone()), config);
    Fixture {
        quotas,
        clock,
        store,
        _dir: dir,
    }
}

fn small() -> QuotaConfig {
    QuotaConfig {
        per_minute: 5,
        window_seconds: 10.0,
        realtime_reserve: 2,
        concurrent: Some(3),
        ..Default::default()
    }
}

async fn take(q: &Quotas, p: Priority) -> Result<Permit, Refusal> {
    q.try_acquire(ORG, p).await.expect("store")
}

async fn done(permit: Permit) {
    permit.finish::<()>(&Ok(()), None).await;
}

#[tokio::test]
async fn window_admits_per_minute_calls_then_says_when_the_oldest_leaves() {
    let f = fixture(QuotaConfig {
        concurrent: Some(10),
        ..small()
    })
    .await;
    for _ in 0..5 {
        let p = take(&f.quotas, Priority::Realtime).await.expect("admitted");
        done(p).await;
        f.clock.advance(chrono::Duration::milliseconds(100));
    }
    let refusal = take(&f.quotas, Priority::Realtime)
        .await
        .expect_err("window full");
    let first_end = f.clock.now_ms() - 500;
    assert_eq!(
        refusal,
        Refusal::Until(first_end + 10_000 + 1),
        "waits for the first call's end plus one window"
    );
    f.clock.advance(chrono::Duration::milliseconds(9_502));
    assert!(
        take(&f.quotas, Priority::Realtime).await.is_ok(),
        "one slot free after the window moved on"
    );
}

#[tokio::test]
async fn background_leaves_the_reserve_to_realtime() {
    let f = fixture(QuotaConfig {
        concurrent: Some(10),
        ..small()
    })
    .await;
    for _ in 0..3 {
        done(take(&f.quotas, Priority::Backfill).await.expect("admitted")).await;
    }
    assert!(
        take(&f.quotas, Priority::Backfill).await.is_err(),
        "backfill stops at per_minute - reserve"
    );
    assert!(
        take(&f.quotas, Priority::Reconcile).await.is_err(),
        "reconcile too"
    );
    done(
        take(&f.quotas, Priority::Realtime)
            .await
            .expect("realtime uses the reserve"),
    )
    .await;
    done(
        take(&f.quotas, Priority::Realtime)
            .await
            .expect("realtime uses the reserve"),
    )
    .await;
    assert!(
        take(&f.quotas, Priority::Realtime).await.is_err(),
        "but not more than per_minute"
    );
}

#[tokio::test]
async fn calls_in_flight_are_capped_and_count_until_they_end() {
    let f = fixture(QuotaConfig {
        per_minute: 100,
        realtime_reserve: 10,
        ..small()
    })
    .await;
    let a = take(&f.quotas, Priority::Realtime).await.expect("1");
    let b = take(&f.quotas, Priority::Realtime).await.expect("2");
    let c = take(&f.quotas, Priority::Realtime).await.expect("3");
    assert_eq!(
        take(&f.quotas, Priority::Realtime).await.expect_err("4th"),
        Refusal::Release
    );
    done(a).await;
    let d = take(&f.quotas, Priority::Realtime)
        .await
        .expect("a slot freed");
    // Background work leaves one concurrent slot to real time.
    done(b).await;
    assert_eq!(
        take(&f.quotas, Priority::Backfill).await.expect_err("bg"),
        Refusal::Release
    );
    drop((c, d));
}

#[tokio::test]
async fn a_call_counts_in_the_window_from_its_end() {
    let f = fixture(QuotaConfig {
        per_minute: 1,
        realtime_reserve: 0,
        concurrent: Some(5),
        ..small()
    })
    .await;
    let p = take(&f.quotas, Priority::Realtime).await.expect("1");
    f.clock.advance(chrono::Duration::seconds(8));
    done(p).await; // a slow call: started at 0, ended at 8 s
    f.clock.advance(chrono::Duration::seconds(5));
    assert!(
        take(&f.quotas, Priority::Realtime).await.is_err(),
        "13 s after start but only 5 s after the end"
    );
    f.clock.advance(chrono::Duration::seconds(6));
    assert!(take(&f.quotas, Priority::Realtime).await.is_ok());
}

#[tokio::test]
async fn daily_cap_from_the_plan_parks_until_midnight_and_keeps_a_reserve() {
    let f = fixture(QuotaConfig {
        per_minute: 1000,
        realtime_reserve: 0,
        concurrent: Some(50),
        ..small()
    })
    .await;
    f.quotas.learn_plan(ORG, "FREE").await.expect("plan");
    let limits = f
        .quotas
        .limits(ORG, Priority::Realtime)
        .await
        .expect("limits");
    assert_eq!((limits.daily, limits.concurrent), (Some(1000), 50));
    assert_eq!(
        f.quotas
            .limits(ORG, Priority::Backfill)
            .await
            .expect("limits")
            .daily,
        Some(900)
    );
    for _ in 0..900 {
        done(
            take(&f.quotas, Priority::Backfill)
                .await
                .expect("within the day"),
        )
        .await;
    }
    match take(&f.quotas, Priority::Backfill)
        .await
        .expect_err("background budget spent")
    {
        Refusal::Stop { until_ms, reason } => {
            assert_eq!(
                until_ms,
                Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
                    .single()
                    .expect("t")
                    .timestamp_millis()
            );
            assert!(reason.contains("900 of 900"), "{reason}");
        }
        other => panic!("expected a stop, got {other:?}"),
    }
    assert!(
        take(&f.quotas, Priority::Realtime).await.is_ok(),
        "real time still has its 10%"
    );
}

#[tokio::test]
async fn code_45_stops_everyone_until_the_next_day_and_survives_a_restart() {
    let f = fixture(small()).await;
    let p = take(&f.quotas, Priority::Realtime).await.expect("1");
    let answer: Result<(), BooksError> = Err(BooksError::RateLimited {
        kind: RateLimitKind::Daily,
        retry_after: None,
    });
    p.finish(&answer, None).await;
    // A new process on the same database sees the block.
    let restarted = Quotas::new(f.store.clone(), Arc::new(f.clock.clone()), small());
    for priority in [Priority::Realtime, Priority::Backfill] {
        match restarted
            .try_acquire(ORG, priority)
            .await
            .expect("store")
            .expect_err("exhausted")
        {
            Refusal::Stop { until_ms, reason } => {
                assert_eq!(
                    until_ms,
                    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0)
                        .single()
                        .expect("t")
                        .timestamp_millis()
                );
                assert!(reason.contains("code 45"), "{reason}");
            }
            other => panic!("expected a stop, got {other:?}"),
        }
    }
    let err = restarted
        .acquire(ORG, Priority::Realtime)
        .await
        .expect_err("parks");
    let job: crate::queue::JobError = err.into();
    assert!(
        matches!(job, crate::queue::JobError::Park { .. }),
        "{job:?}"
    );
}

#[tokio::test]
async fn code_44_blocks_for_one_window() {
    let f = fixture(small()).await;
    let p = take(&f.quotas, Priority::Realtime).await.expect("1");
    let answer: Result<(), BooksError> = Err(BooksError::RateLimited {
        kind: RateLimitKind::PerMinute,
        retry_after: None,
    });
    p.finish(&answer, None).await;
    let now = f.clock.now_ms();
    assert_eq!(
        take(&f.quotas, Priority::Realtime)
            .await
            .expect_err("blocked"),
        Refusal::Until(now + 10_000)
    );
    f.clock.advance(chrono::Duration::seconds(10));
    assert!(take(&f.quotas, Priority::Realtime).await.is_ok());
}

#[tokio::test]
async fn window_survives_a_restart() {
    let f = fixture(QuotaConfig {
        concurrent: Some(10),
        ..small()
    })
    .await;
    for _ in 0..5 {
        done(take(&f.quotas, Priority::Realtime).await.expect("admitted")).await;
    }
    let restarted = Quotas::new(f.store.clone(), Arc::new(f.clock.clone()), small());
    assert!(restarted
        .try_acquire(ORG, Priority::Realtime)
        .await
        .expect("store")
        .is_err());
}

#[tokio::test]
async fn server_advice_of_fewer_remaining_calls_is_believed() {
    let f = fixture(QuotaConfig {
        per_minute: 10,
        realtime_reserve: 0,
        concurrent: Some(10),
        ..small()
    })
    .await;
    let p = take(&f.quotas, Priority::Realtime).await.expect("1");
    // We made 1 call; Zoho says 7 of 10 are used: 6 calls of someone else.
    let advice = RateLimitAdvice {
        limit: Some(10),
        remaining: Some(3),
        reset_after: Some(Duration::from_secs(10)),
    };
    p.finish::<()>(&Ok(()), Some(advice)).await;
    for _ in 0..3 {
        done(
            take(&f.quotas, Priority::Realtime)
                .await
                .expect("the 3 the server allows"),
        )
        .await;
    }
    assert!(
        take(&f.quotas, Priority::Realtime).await.is_err(),
        "the server's count wins"
    );
    // Advice that agrees with our count changes nothing.
    let g = fixture(QuotaConfig {
        per_minute: 10,
        realtime_reserve: 0,
        concurrent: Some(10),
        ..small()
    })
    .await;
    let p = take(&g.quotas, Priority::Realtime).await.expect("1");
    let advice = RateLimitAdvice {
        limit: Some(10),
        remaining: Some(9),
        reset_after: Some(Duration::from_secs(10)),
    };
    p.finish::<()>(&Ok(()), Some(advice)).await;
    for _ in 0..9 {
        done(
            take(&g.quotas, Priority::Realtime)
                .await
                .expect("own budget"),
        )
        .await;
    }
}

#[tokio::test]
async fn daily_advice_teaches_the_daily_limit_and_other_usage() {
    let f = fixture(QuotaConfig {
        per_minute: 100,
        realtime_reserve: 0,
        concurrent: Some(10),
        ..small()
    })
    .await;
    let p = take(&f.quotas, Priority::Realtime).await.expect("1");
    let advice = RateLimitAdvice {
        limit: Some(7500),
        remaining: Some(6775),
        reset_after: Some(Duration::from_secs(34881)),
    };
    p.finish::<()>(&Ok(()), Some(advice)).await;
    assert_eq!(
        f.quotas
            .limits(ORG, Priority::Realtime)
            .await
            .expect("limits")
            .daily,
        Some(7500)
    );
    let row = ledger::org_row(&f.store, ORG)
        .await
        .expect("row")
        .expect("exists");
    assert_eq!(row.phantom_daily, 7500 - 6775 - 1);
}

#[tokio::test]
async fn dropped_permit_is_released() {
    let f = fixture(QuotaConfig {
        concurrent: Some(1),
        per_minute: 100,
        realtime_reserve: 0,
        ..small()
    })
    .await;
    let p = take(&f.quotas, Priority::Realtime).await.expect("1");
    drop(p);
    for _ in 0..50 {
        if take(&f.quotas, Priority::Realtime).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the dropped permit's slot was never freed");
}

#[test]
fn job_priorities_map_to_quota_classes() {
    use crate::queue::priority::{BACKFILL, REALTIME, RECONCILE};
    assert_eq!(Priority::from_job_priority(REALTIME), Priority::Realtime);
    assert_eq!(Priority::from_job_priority(RECONCILE), Priority::Reconcile);
    assert_eq!(Priority::from_job_priority(BACKFILL), Priority::Backfill);
}

#[tokio::test]
async fn calls_in_flight_of_a_killed_process_are_closed_by_the_survivors() {
    let f = fixture(QuotaConfig {
        concurrent: Some(1),
        per_minute: 100,
        realtime_reserve: 0,
        ..small()
    })
    .await;
    let killed = Quotas::new(
        f.store.clone(),
        Arc::new(f.clock.clone()),
        f.quotas.config().clone(),
    );
    let permit = take(&killed, Priority::Realtime).await.expect("in flight");
    std::mem::forget(permit); // the process dies with its call in flight
    drop(killed);
    assert_eq!(
        take(&f.quotas, Priority::Realtime)
            .await
            .expect_err("slot taken"),
        Refusal::Release
    );
    f.clock.advance(chrono::Duration::seconds(4));
    let survivor = Quotas::new(
        f.store.clone(),
        Arc::new(f.clock.clone()),
        f.quotas.config().clone(),
    );
    assert!(
        take(&survivor, Priority::Realtime).await.is_ok(),
        "the dead process's slot is free again"
    );
}

/// Issue 7 §2.5: a worker does not wait on one organization's budget. Inside a job, a call
/// whose organization has every concurrent slot taken is parked after a short wait instead of
/// holding the worker. Fails before the change: the wait for a slot released by another call
/// had no bound (the timeout below fired).
#[tokio::test]
async fn inside_a_job_a_full_organization_parks_the_job_instead_of_holding_the_worker() {
    let f = fixture(small()).await;
    let mut held = Vec::new();
    for n in 0..3 {
        held.push(
            take(&f.quotas, Priority::Realtime)
                .await
                .unwrap_or_else(|r| panic!("{n}: {r:?}")),
        );
    }
    let lease = crate::queue::JobLease {
        queue: crate::queue::Queue::new(
            f.store.clone(),
            Arc::new(f.clock.clone()),
            Duration::from_secs(30),
        ),
        job_id: 1,
        token: "t".into(),
    };
    let started = std::time::Instant::now();
    let waited = tokio::time::timeout(
        Duration::from_secs(3),
        lease.scope(f.quotas.acquire(ORG, Priority::Realtime)),
    )
    .await
    .expect("the worker was held waiting for the organization's slots");
    let err = waited.expect_err("no slot is free");
    let job: crate::queue::JobError = err.into();
    assert!(
        matches!(job, crate::queue::JobError::Park { .. }),
        "{job:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    for p in held {
        done(p).await;
    }
}
