//! Who is calling: the quota class of a call, from the job that makes it.

use std::future::Future;

tokio::task_local! {
    static JOB_PRIORITY: Priority;
}

/// Who is calling: real-time sync goes first, the others use what it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    Realtime,
    Reconcile,
    Backfill,
}

impl Priority {
    /// The quota class of a queued job, from its queue priority.
    pub fn from_job_priority(priority: i64) -> Priority {
        use crate::queue::priority::{REALTIME, RECONCILE};
        if priority >= REALTIME {
            Priority::Realtime
        } else if priority >= RECONCILE {
            Priority::Reconcile
        } else {
            Priority::Backfill
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Realtime => "realtime",
            Priority::Reconcile => "reconcile",
            Priority::Backfill => "backfill",
        }
    }

    pub fn is_background(self) -> bool {
        self != Priority::Realtime
    }

    /// The priority of the job this task is running (set by the worker with [`Self::scope`]),
    /// so call sites deep in the sync code need not thread it through; real-time otherwise.
    pub fn current() -> Priority {
        JOB_PRIORITY.try_with(|p| *p).unwrap_or(Priority::Realtime)
    }

    /// Runs `f` with `self` as [`Self::current`].
    pub async fn scope<F: Future>(self, f: F) -> F::Output {
        JOB_PRIORITY.scope(self, f).await
    }
}
