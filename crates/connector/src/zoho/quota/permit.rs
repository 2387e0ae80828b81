//! One admitted call.

use super::Quotas;
use zoho_books::{BooksError, RateLimitAdvice};

/// One admitted call. Finish it with the answer; dropping it unfinished (a cancelled job)
/// still releases the slot, from a background task.
pub struct Permit {
    pub(super) quotas: Quotas,
    pub(super) id: i64,
    pub(super) org: String,
    pub(super) started_ms: i64,
    pub(super) finished: bool,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("org", &self.org)
            .field("started_ms", &self.started_ms)
            .finish_non_exhaustive()
    }
}

impl Permit {
    /// Ends the call: frees its concurrency slot (it keeps counting in the window until one
    /// window after now) and learns from the answer: rate-limit errors and advice headers.
    pub async fn finish<T>(
        mut self,
        result: &Result<T, BooksError>,
        advice: Option<RateLimitAdvice>,
    ) {
        self.finished = true;
        self.quotas.release(self.id).await;
        match result {
            Err(BooksError::RateLimited { kind, retry_after }) => {
                self.quotas
                    .note_rate_limited(&self.org, *kind, *retry_after)
                    .await;
            }
            // Without a response (transport) or from an injected failure, the advice is an
            // older response's and would mislead.
            Err(_) => return,
            Ok(_) => {}
        }
        if let Some(advice) = advice {
            self.quotas
                .note_advice(&self.org, self.started_ms, advice)
                .await;
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (quotas, id) = (self.quotas.clone(), self.id);
            handle.spawn(async move { quotas.release(id).await });
        }
    }
}
