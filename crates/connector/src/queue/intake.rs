//! Intake: a verified webhook's event row and its jobs, recorded in one transaction.
//!
//! The 2xx is sent only after this commits (DESIGN.md, "accept means durable"): a crash before
//! the commit leaves neither row, and the sender delivers again.

use super::{insert_job, NewJob, Queue};

/// A verified webhook ready to be recorded.
pub struct EventInsert<'a> {
    pub source: &'a str,
    pub connection_id: &'a str,
    pub dedup_key: &'a str,
    pub received_at_ms: i64,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    /// New event; its jobs were enqueued.
    New { event_id: i64 },
    /// The same event was recorded before; nothing changed.
    Duplicate,
}

impl Queue {
    /// Records the event and enqueues its jobs atomically. A duplicate (same dedup key) stores
    /// nothing and enqueues nothing. Returns only after commit.
    pub async fn record_event(
        &self,
        event: EventInsert<'_>,
        jobs: &[NewJob],
    ) -> anyhow::Result<Inserted> {
        let mut tx = self.store.pool().begin().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO events (source, connection_id, dedup_key, received_at, content_type, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (source, connection_id, dedup_key) DO NOTHING
             RETURNING id",
        )
        .bind(event.source)
        .bind(event.connection_id)
        .bind(event.dedup_key)
        .bind(event.received_at_ms)
        .bind(event.content_type)
        .bind(event.body)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((event_id,)) = row else {
            tx.rollback().await?;
            return Ok(Inserted::Duplicate);
        };
        for job in jobs {
            insert_job(&mut *tx, job, Some(event_id), event.received_at_ms).await?;
        }
        tx.commit().await?;
        Ok(Inserted::New { event_id })
    }

    /// How many events of one source were recorded (tests, benchmarks).
    pub async fn count_events(&self, source: &str) -> anyhow::Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events WHERE source = ?1")
            .bind(source)
            .fetch_one(self.store.pool())
            .await?;
        Ok(n)
    }
}
