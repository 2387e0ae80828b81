use super::*;
use crate::clock::{Clock, ManualClock};
use crate::config::DatabaseConfig;
use std::sync::Arc;

async fn queue() -> (Queue, ManualClock, tempdir::Dir) {
    let dir = tempdir::Dir::new();
    let store = Store::open(&DatabaseConfig {
        url: format!("sqlite://{}", dir.path().join("q.db").display()),
        ..DatabaseConfig::default()
    })
    .await
    .expect("open store");
    let clock = ManualClock::new(chrono::Utc::now());
    (
        Queue::new(store, Arc::new(clock.clone()), Duration::from_secs(30)),
        clock,
        dir,
    )
}

fn job(doc: Option<&str>, priority: i64) -> NewJob {
    NewJob {
        connection_id: "c".into(),
        kind: JobKind::SyncDocument,
        payload: serde_json::json!({}),
        priority,
        max_attempts: 3,
        document_key: doc.map(str::to_string),
        run_at_ms: None,
    }
}

/// Minimal temp dir helper (removed on drop).
mod tempdir {
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("mlc-queue-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&p).expect("temp dir");
            Dir(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test]
async fn claim_runs_each_job_once_and_completes() {
    let (q, _c, _d) = queue().await;
    q.enqueue(&job(None, 0)).await.unwrap();
    let j = q.claim().await.unwrap().expect("a job");
    assert_eq!(j.attempts, 1);
    assert!(
        q.claim().await.unwrap().is_none(),
        "a running job with a live lease is not claimed twice"
    );
    assert!(q.complete(&j).await.unwrap());
    assert_eq!(q.stats().await.unwrap().done, 1);
}

#[tokio::test]
async fn expired_lease_is_reclaimed_and_the_stale_worker_is_fenced() {
    let (q, clock, _d) = queue().await;
    q.enqueue(&job(None, 0)).await.unwrap();
    let first = q.claim().await.unwrap().expect("job");
    clock.advance(chrono::Duration::seconds(31));
    let second = q.claim().await.unwrap().expect("rescued after the lease");
    assert_eq!(second.id, first.id);
    assert_eq!(second.attempts, 2, "a crash counts as an attempt");
    assert!(
        !q.complete(&first).await.unwrap(),
        "the stale holder cannot finish"
    );
    assert!(q.complete(&second).await.unwrap());
}

#[tokio::test]
async fn heartbeat_keeps_a_live_job_from_being_rescued() {
    let (q, clock, _d) = queue().await;
    q.enqueue(&job(None, 0)).await.unwrap();
    let j = q.claim().await.unwrap().expect("job");
    clock.advance(chrono::Duration::seconds(20));
    assert!(q.heartbeat(&j).await.unwrap());
    clock.advance(chrono::Duration::seconds(20));
    assert!(q.claim().await.unwrap().is_none());
    assert!(q.complete(&j).await.unwrap());
}

#[tokio::test]
async fn same_document_never_runs_twice_at_once() {
    let (q, _c, _d) = queue().await;
    q.enqueue(&job(Some("doc-1"), 0)).await.unwrap();
    q.enqueue(&job(Some("doc-1"), 0)).await.unwrap();
    q.enqueue(&job(Some("doc-2"), 0)).await.unwrap();
    let a = q.claim().await.unwrap().expect("doc-1");
    let b = q.claim().await.unwrap().expect("doc-2 is free");
    assert_eq!(b.document_key.as_deref(), Some("doc-2"));
    assert!(q.claim().await.unwrap().is_none(), "second doc-1 job waits");
    q.complete(&a).await.unwrap();
    let c = q.claim().await.unwrap().expect("now doc-1 again");
    assert_eq!(c.document_key.as_deref(), Some("doc-1"));
}

#[tokio::test]
async fn priority_and_run_at_order_claims() {
    let (q, clock, _d) = queue().await;
    q.enqueue(&job(None, priority::BACKFILL)).await.unwrap();
    let rt = q.enqueue(&job(None, priority::REALTIME)).await.unwrap();
    assert_eq!(q.claim().await.unwrap().unwrap().id, rt);
    let j = q.claim().await.unwrap().unwrap();
    assert!(q
        .retry_later(&j, Duration::from_secs(10), "boom")
        .await
        .unwrap());
    assert!(q.claim().await.unwrap().is_none(), "not before its run_at");
    clock.advance(chrono::Duration::seconds(11));
    let again = q.claim().await.unwrap().expect("due now");
    assert_eq!(again.last_error.as_deref(), Some("boom"));
    assert_eq!(again.attempts, 2);
}

#[tokio::test]
async fn park_keeps_the_attempt_budget_and_dead_jobs_replay() {
    let (q, clock, _d) = queue().await;
    q.enqueue(&job(None, 0)).await.unwrap();
    let j = q.claim().await.unwrap().unwrap();
    q.park(&j, clock.now_ms() + 1000, "quota").await.unwrap();
    clock.advance(chrono::Duration::seconds(2));
    let j = q.claim().await.unwrap().unwrap();
    assert_eq!(j.attempts, 1, "parking does not spend attempts");
    assert!(q.kill(&j, "bad mapping").await.unwrap());
    let dead = q.list(Some(JobState::Dead), 10).await.unwrap();
    assert_eq!(dead[0].last_error.as_deref(), Some("bad mapping"));
    assert_eq!(q.replay_dead(None).await.unwrap(), 1);
    assert_eq!(q.claim().await.unwrap().unwrap().attempts, 1);
}

#[tokio::test]
async fn many_concurrent_claimers_take_each_job_exactly_once() {
    let (q, _c, _d) = queue().await;
    for _ in 0..200 {
        q.enqueue(&job(None, 0)).await.unwrap();
    }
    let mut handles = Vec::new();
    for _ in 0..8 {
        let q = q.clone();
        handles.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            while let Some(j) = q.claim().await.unwrap() {
                assert!(q.complete(&j).await.unwrap());
                ids.push(j.id);
            }
            ids
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!(n, 200);
    assert_eq!(all.len(), 200);
}
