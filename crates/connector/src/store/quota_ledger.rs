//! The database side of the quotas: one row per call in `zoho_calls`, what Zoho told us in
//! `zoho_quota_orgs`. Every admission is ONE statement, so two workers (or two processes on
//! the same SQLite file) cannot both take the last slot. A PostgreSQL port needs the same
//! statement under a per-organization lock (`SELECT … FOR UPDATE` on `zoho_quota_orgs`).

use super::Store;

/// Effective limits for one organization and class of work: calls in flight, calls per
/// window, and (when known) calls per UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub window: u32,
    pub concurrent: u32,
    pub daily: Option<u32>,
}

/// How long an unfinished call counts as in flight at most: longer than any request timeout.
/// The calls of a killed process are normally closed much sooner, by [`sweep`].
pub const STALE_MS: i64 = 2 * 60 * 1000;
/// A process beats this often, and is taken for dead after `DEAD_AFTER_MS` without a beat.
pub const BEAT_MS: i64 = 1_000;
const DEAD_AFTER_MS: i64 = 3 * BEAT_MS;

pub const DAY_MS: i64 = 86_400_000;

pub fn day_start(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(DAY_MS)
}

/// What the organization's row says right now.
#[derive(Debug, Default, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub plan: Option<String>,
    pub exhausted_until_ms: i64,
    pub blocked_until_ms: i64,
    pub reason: Option<String>,
    pub phantom_window: i64,
    pub phantom_window_until_ms: i64,
    pub phantom_daily: i64,
    pub phantom_daily_until_ms: i64,
    pub advised_daily_limit: Option<i64>,
}

/// Counts behind a refusal, to decide how long to wait.
#[derive(Debug, Default, Clone, sqlx::FromRow)]
pub struct Usage {
    pub in_flight: i64,
    pub finished_in_window: i64,
    pub oldest_finished_ms: Option<i64>,
    pub today: i64,
}

/// Records a call start when every limit allows it; `None` when one does not.
#[allow(clippy::too_many_arguments)]
pub async fn try_admit(
    store: &Store,
    instance: &str,
    org: &str,
    priority: &str,
    now: i64,
    window_ms: i64,
    limits: Limits,
) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO zoho_calls (organization_id, priority, started_ms, instance)
         SELECT ?1, ?2, ?3, ?10
         WHERE NOT EXISTS (SELECT 1 FROM zoho_quota_orgs o WHERE o.organization_id = ?1
                             AND (o.exhausted_until_ms > ?3 OR o.blocked_until_ms > ?3))
           AND (SELECT COUNT(*) FROM zoho_calls c
                 WHERE c.organization_id = ?1 AND c.finished_ms IS NULL AND c.started_ms > ?4) < ?6
           AND (SELECT COUNT(*) FROM zoho_calls c
                 WHERE c.organization_id = ?1 AND c.finished_ms IS NULL AND c.started_ms > ?4)
             + (SELECT COUNT(*) FROM zoho_calls c WHERE c.organization_id = ?1 AND c.finished_ms > ?5)
             + COALESCE((SELECT o.phantom_window FROM zoho_quota_orgs o
                          WHERE o.organization_id = ?1 AND o.phantom_window_until_ms > ?3), 0) < ?7
           AND (?8 IS NULL OR
                COALESCE((SELECT d.calls FROM zoho_quota_days d WHERE d.organization_id = ?1 AND d.day_ms = ?9), 0)
                + COALESCE((SELECT o.phantom_daily FROM zoho_quota_orgs o
                             WHERE o.organization_id = ?1 AND o.phantom_daily_until_ms > ?3), 0) < ?8)
         RETURNING id",
    )
    .bind(org)
    .bind(priority)
    .bind(now)
    .bind(now - STALE_MS)
    .bind(now - window_ms)
    .bind(i64::from(limits.concurrent))
    .bind(i64::from(limits.window))
    .bind(limits.daily.map(i64::from))
    .bind(day_start(now))
    .bind(instance)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn usage(store: &Store, org: &str, now: i64, window_ms: i64) -> anyhow::Result<Usage> {
    Ok(sqlx::query_as(
        "SELECT
            (SELECT COUNT(*) FROM zoho_calls WHERE organization_id = ?1 AND finished_ms IS NULL AND started_ms > ?2) AS in_flight,
            (SELECT COUNT(*) FROM zoho_calls WHERE organization_id = ?1 AND finished_ms > ?3) AS finished_in_window,
            (SELECT MIN(finished_ms) FROM zoho_calls WHERE organization_id = ?1 AND finished_ms > ?3) AS oldest_finished_ms,
            COALESCE((SELECT calls FROM zoho_quota_days WHERE organization_id = ?1 AND day_ms = ?4), 0) AS today",
    )
    .bind(org)
    .bind(now - STALE_MS)
    .bind(now - window_ms)
    .bind(day_start(now))
    .fetch_one(store.pool())
    .await?)
}

/// Calls that count in the window as seen from `since_ms` (finished after it, or still running).
pub async fn counted_since(
    store: &Store,
    org: &str,
    since_ms: i64,
    now: i64,
) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM zoho_calls WHERE organization_id = ?1 AND finished_ms IS NULL AND started_ms > ?2)
              + (SELECT COUNT(*) FROM zoho_calls WHERE organization_id = ?1 AND finished_ms > ?3)",
    )
    .bind(org)
    .bind(now - STALE_MS)
    .bind(since_ms)
    .fetch_one(store.pool())
    .await?;
    Ok(n)
}

pub async fn started_today(store: &Store, org: &str, now: i64) -> anyhow::Result<i64> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT calls FROM zoho_quota_days WHERE organization_id = ?1 AND day_ms = ?2",
    )
    .bind(org)
    .bind(day_start(now))
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map_or(0, |(n,)| n))
}

pub async fn started_since(store: &Store, org: &str, since_ms: i64) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM zoho_calls WHERE organization_id = ?1 AND started_ms >= ?2",
    )
    .bind(org)
    .bind(since_ms)
    .fetch_one(store.pool())
    .await?;
    Ok(n)
}

pub async fn finish(store: &Store, id: i64, now: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE zoho_calls SET finished_ms = ?2 WHERE id = ?1 AND finished_ms IS NULL")
        .bind(id)
        .bind(now)
        .execute(store.pool())
        .await?;
    Ok(())
}

pub async fn org_row(store: &Store, org: &str) -> anyhow::Result<Option<OrgRow>> {
    Ok(sqlx::query_as(
        "SELECT plan, exhausted_until_ms, blocked_until_ms, reason, phantom_window, phantom_window_until_ms,
                phantom_daily, phantom_daily_until_ms, advised_daily_limit
         FROM zoho_quota_orgs WHERE organization_id = ?1",
    )
    .bind(org)
    .fetch_optional(store.pool())
    .await?)
}

/// One field change on the organization's row, creating it when missing.
pub enum OrgUpdate<'a> {
    Plan(&'a str),
    Exhausted {
        until_ms: i64,
        reason: &'a str,
    },
    Blocked {
        until_ms: i64,
        reason: &'a str,
    },
    PhantomWindow {
        calls: i64,
        until_ms: i64,
    },
    PhantomDaily {
        calls: i64,
        until_ms: i64,
        limit: i64,
    },
}

pub async fn update_org(
    store: &Store,
    org: &str,
    update: OrgUpdate<'_>,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO zoho_quota_orgs (organization_id, updated_at) VALUES (?1, ?2) ON CONFLICT (organization_id) DO NOTHING")
        .bind(org)
        .bind(now)
        .execute(store.pool())
        .await?;
    let q = match update {
        OrgUpdate::Plan(plan) => {
            sqlx::query("UPDATE zoho_quota_orgs SET plan = ?3, updated_at = ?2 WHERE organization_id = ?1").bind(org).bind(now).bind(plan)
        }
        // Blocks are only ever extended: a late answer must not lift one another call just set.
        OrgUpdate::Exhausted { until_ms, reason } => sqlx::query(
            "UPDATE zoho_quota_orgs SET exhausted_until_ms = MAX(exhausted_until_ms, ?3), reason = ?4, updated_at = ?2 WHERE organization_id = ?1",
        )
        .bind(org)
        .bind(now)
        .bind(until_ms)
        .bind(reason),
        OrgUpdate::Blocked { until_ms, reason } => sqlx::query(
            "UPDATE zoho_quota_orgs SET blocked_until_ms = MAX(blocked_until_ms, ?3), reason = ?4, updated_at = ?2 WHERE organization_id = ?1",
        )
        .bind(org)
        .bind(now)
        .bind(until_ms)
        .bind(reason),
        OrgUpdate::PhantomWindow { calls, until_ms } => sqlx::query(
            "UPDATE zoho_quota_orgs SET phantom_window = ?3, phantom_window_until_ms = ?4, updated_at = ?2 WHERE organization_id = ?1",
        )
        .bind(org)
        .bind(now)
        .bind(calls)
        .bind(until_ms),
        OrgUpdate::PhantomDaily { calls, until_ms, limit } => sqlx::query(
            "UPDATE zoho_quota_orgs SET phantom_daily = ?3, phantom_daily_until_ms = ?4, advised_daily_limit = ?5, updated_at = ?2
             WHERE organization_id = ?1",
        )
        .bind(org)
        .bind(now)
        .bind(calls)
        .bind(until_ms)
        .bind(limit),
    };
    q.execute(store.pool()).await?;
    Ok(())
}

/// Records this process's sign of life.
pub async fn beat(store: &Store, instance: &str, now: i64) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO zoho_quota_instances (instance, seen_ms) VALUES (?1, ?2) ON CONFLICT (instance) DO UPDATE SET seen_ms = ?2")
        .bind(instance)
        .bind(now)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Closes the unfinished calls of processes that stopped beating. A killed process's request
/// reaches Zoho before the process dies (or not at all), so such a call ends, at the latest,
/// one beat after the last one seen; a margin of another beat covers clock steps.
pub async fn sweep(store: &Store, me: &str, now: i64) -> anyhow::Result<u64> {
    let r = sqlx::query(
        "UPDATE zoho_calls SET finished_ms =
            (SELECT i.seen_ms + ?2 FROM zoho_quota_instances i WHERE i.instance = zoho_calls.instance)
         WHERE finished_ms IS NULL
           AND instance <> ?3
           AND instance IN (SELECT instance FROM zoho_quota_instances WHERE seen_ms < ?1)",
    )
    .bind(now - DEAD_AFTER_MS)
    .bind(2 * BEAT_MS)
    .bind(me)
    .execute(store.pool())
    .await?;
    sqlx::query("DELETE FROM zoho_quota_instances WHERE seen_ms < ?1 AND instance <> ?2")
        .bind(now - DEAD_AFTER_MS)
        .bind(me)
        .execute(store.pool())
        .await?;
    Ok(r.rows_affected())
}

/// Forgets calls that no longer count for anything (older than the current UTC day).
pub async fn prune(store: &Store, now: i64) -> anyhow::Result<u64> {
    sqlx::query("DELETE FROM zoho_quota_days WHERE day_ms < ?1")
        .bind(day_start(now) - 7 * DAY_MS)
        .execute(store.pool())
        .await?;
    let r = sqlx::query("DELETE FROM zoho_calls WHERE started_ms < ?1 AND (finished_ms IS NOT NULL OR started_ms < ?2)")
        .bind(day_start(now) - 3_600_000)
        .bind(now - STALE_MS)
        .execute(store.pool())
        .await?;
    Ok(r.rows_affected())
}
