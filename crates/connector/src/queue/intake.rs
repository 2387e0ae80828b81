//! Intake: a verified webhook's event row and its jobs, recorded in one transaction.
//!
//! The 2xx is sent only after this commits (DESIGN.md, "accept means durable"): a crash before
//! the commit leaves neither row, and the sender delivers again.
//!
//! **Group commit.** Concurrent webhooks share one transaction and one fsync: a single writer
//! task takes what arrived while the previous commit was flushing (up to [`MAX_BATCH`]), records
//! every event and its jobs in one transaction, commits, then answers each caller. A duplicate
//! (same dedup key, in the database or earlier in the same batch) stores nothing. If a batch
//! fails, each of its events is tried again alone, so one bad event never fails its neighbours.

use super::{insert_job, NewJob, Queue};
use crate::store::Store;
use tokio::sync::{mpsc, oneshot};

/// Most events committed in one transaction.
pub const MAX_BATCH: usize = 512;
/// Events waiting for the writer before callers wait for room (backpressure).
const CHANNEL: usize = 8192;

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

/// An event handed to the writer, owned.
struct Pending {
    source: String,
    connection_id: String,
    dedup_key: String,
    received_at_ms: i64,
    content_type: Option<String>,
    body: Vec<u8>,
    jobs: Vec<NewJob>,
    reply: oneshot::Sender<Result<Inserted, String>>,
}

/// The handle to the writer task, started on first use (inside the runtime).
#[derive(Debug, Default, Clone)]
pub(super) struct IntakeWriter(std::sync::Arc<tokio::sync::OnceCell<mpsc::Sender<Pending>>>);

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("source", &self.source)
            .field("dedup_key", &self.dedup_key)
            .finish_non_exhaustive()
    }
}

impl Queue {
    /// Records the event and enqueues its jobs atomically. A duplicate (same dedup key) stores
    /// nothing and enqueues nothing. Returns only after commit (shared with the events that
    /// arrived at the same time: see the module comment).
    pub async fn record_event(
        &self,
        event: EventInsert<'_>,
        jobs: &[NewJob],
    ) -> anyhow::Result<Inserted> {
        let store = self.store.clone();
        let sender = self
            .intake
            .0
            .get_or_init(|| async move {
                let (tx, rx) = mpsc::channel(CHANNEL);
                tokio::spawn(write_batches(store, rx));
                tx
            })
            .await;
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            source: event.source.to_string(),
            connection_id: event.connection_id.to_string(),
            dedup_key: event.dedup_key.to_string(),
            received_at_ms: event.received_at_ms,
            content_type: event.content_type.map(str::to_string),
            body: event.body.to_vec(),
            jobs: jobs.to_vec(),
            reply,
        };
        sender
            .send(pending)
            .await
            .map_err(|_| anyhow::anyhow!("the intake writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the intake writer stopped before answering"))?
            .map_err(|e| anyhow::anyhow!(e))
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

/// The writer: one transaction per batch of what is waiting.
async fn write_batches(store: Store, mut rx: mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        match commit(&store, &batch).await {
            Ok(results) => {
                for (p, r) in batch.into_iter().zip(results) {
                    let _ = p.reply.send(Ok(r));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some(p) = batch.pop() {
                    let _ = p.reply.send(Err(format!("{e:#}")));
                }
            }
            Err(_) => {
                // Something in the batch failed: give each event its own transaction.
                for p in batch {
                    let r = commit(&store, std::slice::from_ref(&p))
                        .await
                        .map(|mut r| r.remove(0))
                        .map_err(|e| format!("{e:#}"));
                    let _ = p.reply.send(r);
                }
            }
        }
    }
}

/// Records every event of the batch (and its jobs) in one transaction.
async fn commit(store: &Store, batch: &[Pending]) -> anyhow::Result<Vec<Inserted>> {
    let mut tx = store.pool().begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    for p in batch {
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO events (source, connection_id, dedup_key, received_at, content_type, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (source, connection_id, dedup_key) DO NOTHING
             RETURNING id",
        )
        .bind(&p.source)
        .bind(&p.connection_id)
        .bind(&p.dedup_key)
        .bind(p.received_at_ms)
        .bind(p.content_type.as_deref())
        .bind(&p.body)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((event_id,)) = row else {
            results.push(Inserted::Duplicate);
            continue;
        };
        for job in &p.jobs {
            insert_job(&mut *tx, job, Some(event_id), p.received_at_ms).await?;
        }
        results.push(Inserted::New { event_id });
    }
    tx.commit().await?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::config::DatabaseConfig;
    use crate::queue::JobKind;
    use std::sync::Arc;
    use std::time::Duration;

    async fn queue(dir: &tempfile::TempDir) -> Queue {
        let store = Store::open(&DatabaseConfig {
            url: format!("sqlite://{}", dir.path().join("i.db").display()),
            ..DatabaseConfig::default()
        })
        .await
        .expect("store");
        Queue::new(store, Arc::new(SystemClock), Duration::from_secs(30))
    }

    fn job() -> NewJob {
        NewJob {
            connection_id: "c".into(),
            kind: JobKind::SyncDocument,
            payload: serde_json::json!({}),
            priority: 0,
            max_attempts: 3,
            document_key: None,
            run_at_ms: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_events_share_commits_and_duplicates_store_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let q = queue(&dir).await;
        // 200 callers at once, 50 distinct keys: each key recorded once, with one job.
        let mut tasks = Vec::new();
        for i in 0..200 {
            let q = q.clone();
            tasks.push(tokio::spawn(async move {
                let key = format!("k{}", i % 50);
                let body = format!("{{\"n\":{i}}}");
                q.record_event(
                    EventInsert {
                        source: "zoho",
                        connection_id: "c",
                        dedup_key: &key,
                        received_at_ms: 1,
                        content_type: Some("application/json"),
                        body: body.as_bytes(),
                    },
                    &[job()],
                )
                .await
                .expect("recorded")
            }));
        }
        let mut new = 0;
        for t in tasks {
            if matches!(t.await.expect("join"), Inserted::New { .. }) {
                new += 1;
            }
        }
        assert_eq!(new, 50);
        assert_eq!(q.count_events("zoho").await.unwrap(), 50);
        assert_eq!(q.stats().await.unwrap().queued, 50);
    }
}
