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

fn job_of(connection: &str) -> NewJob {
    NewJob {
        connection_id: connection.into(),
        ..job(None, 100)
    }
}

/// Issue 7 §2.5: claims serve the connection with the fewest running jobs first.
#[tokio::test]
async fn claims_take_turns_across_connections() {
    let (q, _c, _d) = queue().await;
    for _ in 0..3 {
        q.enqueue(&job_of("a")).await.unwrap();
    }
    q.enqueue(&job_of("b")).await.unwrap();
    let first = q.claim().await.unwrap().expect("job");
    let second = q.claim().await.unwrap().expect("job");
    assert_ne!(
        first.connection_id, second.connection_id,
        "the second claim goes to the other connection"
    );
}

/// Issue 7 §2.7: the running jobs of a process that stopped beating are claimed again long
/// before their lease expires, and the old holder's writes change nothing.
#[tokio::test]
async fn a_silent_instance_loses_its_jobs_within_seconds() {
    let (q1, clock, _d) = queue().await;
    let q2 = Queue::new(
        q1.store().clone(),
        q1.clock().clone(),
        Duration::from_secs(30),
    );
    q1.beat().await.unwrap();
    q2.beat().await.unwrap();
    q1.enqueue(&job(Some("doc"), 0)).await.unwrap();
    let held = q1.claim().await.unwrap().expect("job");
    assert!(
        q2.claim().await.unwrap().is_none(),
        "a live holder keeps it"
    );
    clock.advance(chrono::Duration::milliseconds(
        instances::DEAD_AFTER_MS + 1_000,
    ));
    q2.beat().await.unwrap();
    let taken = q2.claim().await.unwrap().expect("taken back");
    assert_eq!(taken.id, held.id);
    assert_eq!(taken.instance.as_deref(), Some(q2.instance()));
    assert!(
        !q1.complete(&held).await.unwrap(),
        "the old holder is fenced"
    );
    // Its write checks fail too.
    let stale = JobLease {
        queue: q1.clone(),
        job_id: held.id,
        token: held.lease_token.clone().unwrap(),
    };
    let r = stale.clone().scope(ensure_lease_held()).await;
    assert!(matches!(r, Err(JobError::LeaseLost)), "{r:?}");
    let local = Arc::new(tokio::sync::Mutex::new(())).lock_owned().await;
    let r = stale.scope(q1.board_writer("board", local)).await;
    assert!(matches!(r, Err(JobError::LeaseLost)), "{r:?}");
    assert!(q1.complete(&taken).await.is_ok());
}

/// Issue 7 §2.7: one writer per board across queues on one database.
#[tokio::test]
async fn a_board_has_one_writer_across_queues() {
    let (q1, _clock, _d) = queue().await;
    let q2 = Queue::new(
        q1.store().clone(),
        q1.clock().clone(),
        Duration::from_secs(1),
    );
    q1.beat().await.unwrap();
    q2.beat().await.unwrap();
    let w1 = q1
        .board_writer(
            "b",
            Arc::new(tokio::sync::Mutex::new(())).lock_owned().await,
        )
        .await
        .unwrap();
    let local = Arc::new(tokio::sync::Mutex::new(())).lock_owned().await;
    let q2c = q2.clone();
    let waiting = tokio::spawn(async move { q2c.board_writer("b", local).await.map(|w| w.fence) });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "the second writer waits");
    drop(w1);
    let fence = waiting.await.unwrap().expect("taken after release");
    assert_eq!(fence, 2, "the fence grows with each holder");
}
