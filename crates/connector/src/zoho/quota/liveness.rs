//! Keeping the ledger true: calls end (also when their job was cancelled), processes that
//! died with calls in flight are noticed, and old rows are pruned.

use super::{ledger, QuotaError, Quotas};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

impl Quotas {
    pub(super) async fn release(&self, id: i64) {
        let now = self.inner.clock.now_ms();
        if let Err(e) = ledger::finish(&self.inner.store, id, now).await {
            tracing::warn!(error = %format!("{e:#}"), "could not record the end of a Zoho call; it counts as in flight for a few minutes");
        }
        self.inner.released.notify_waiters();
    }

    /// Before this process's first call: records it as alive, closes the calls of processes
    /// that died with calls in flight (so their slots do not stay taken), and keeps beating.
    pub(super) async fn start_beating(&self, now: i64) -> Result<(), QuotaError> {
        if self.inner.beating.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let store = &self.inner.store;
        let first = async {
            ledger::beat(store, &self.inner.instance, now).await?;
            ledger::sweep(store, &self.inner.instance, now).await
        };
        if let Err(e) = first.await {
            self.inner.beating.store(false, Ordering::SeqCst);
            return Err(QuotaError::Store(e));
        }
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(ledger::BEAT_MS as u64)).await;
                let Some(inner) = weak.upgrade() else { return };
                let now = inner.clock.now_ms();
                let beat = async {
                    ledger::beat(&inner.store, &inner.instance, now).await?;
                    ledger::sweep(&inner.store, &inner.instance, now).await
                };
                match beat.await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::warn!(
                            calls = n,
                            "closed Zoho calls of a process that stopped (killed or crashed)"
                        );
                        inner.released.notify_waiters();
                    }
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "could not record this process as alive for the Zoho quotas")
                    }
                }
            }
        });
        Ok(())
    }

    pub(super) async fn maybe_prune(&self, now: i64) {
        let last = self.inner.last_prune_ms.load(Ordering::Relaxed);
        if now - last < 60_000
            || self
                .inner
                .last_prune_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = ledger::prune(&self.inner.store, now).await {
            tracing::warn!(error = %format!("{e:#}"), "could not prune old Zoho call records");
        }
    }
}
