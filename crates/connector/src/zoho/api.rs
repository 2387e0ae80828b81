//! The one Zoho call path. Every Books call the connector makes — the document fetch, listings,
//! payments, audit comments, setup, `check` — goes through [`ZohoApi::call`]:
//!
//! token → quota admission → call → on 401 refresh once and retry → classify the answer.
//!
//! Classification (reference §3, "Errors"), written once:
//! - 404 / code 1002 ("does not exist"): [`CallError::NotFound`]; the caller decides what a
//!   missing record means (a deletion, a comment to skip).
//! - 401 code 57 (not authorized for this module): permanent, no refresh (a new token would not
//!   help, and Zoho allows ten token requests per ten minutes).
//! - any other 401 on the first try: the token is dropped (unless another caller already
//!   replaced it), one refresh, one retry. A fresh token refused with code 14 means the API host
//!   is the wrong data centre: the connection is marked misconfigured and its jobs parked.
//! - 429 code 45 (daily cap): parked until 00:00 UTC; code 44 (per minute): retry after Zoho's
//!   wait, pausing the organization's other jobs too; code 1070 (concurrency): retry shortly.
//! - other retryable answers (5xx, network, a 200 whose body carries an error code that may
//!   pass): retry with backoff; anything else is permanent, with Zoho's message.
//!
//! Token errors that need a person (revoked grant, wrong data centre, missing secret) mark the
//! connection and park its jobs, instead of sending them to the dead state one by one.

use super::quota::{Priority, QuotaError, Quotas};
use super::tokens::{TokenCache, TokenError};
use crate::clock::SharedClock;
use crate::domain::ConnectionId;
use crate::queue::{
    connection_status::{MISCONFIGURED, NEEDS_RECONNECT},
    next_utc_midnight_ms, JobError, Queue, Upstream,
};
use crate::store::Store;
use secrecy::SecretString;
use std::future::Future;
use std::time::Duration;
use zoho_books::{BooksClient, BooksError, DataCentre, DocumentKind, RateLimitKind};

/// How long parked jobs wait before looking again (a reconnect or restart wakes them sooner).
pub const PARK_FOR: Duration = Duration::from_secs(3600);

/// Why a Zoho call gave no value.
#[derive(Debug)]
pub enum CallError {
    /// Zoho says the record does not exist (404, code 1002).
    NotFound(String),
    /// Zoho answered with an error code of its own, which a caller may recognise (107051: "a
    /// webhook with this name exists"); `job` is what it means for a job.
    Api { code: i64, job: JobError },
    /// Anything else, already classified into what the job should do.
    Failed(JobError),
}

impl From<JobError> for CallError {
    fn from(e: JobError) -> Self {
        CallError::Failed(e)
    }
}

impl From<CallError> for JobError {
    /// For callers that expect the record to exist: a missing one cannot be fixed by retrying.
    fn from(e: CallError) -> Self {
        match e {
            CallError::NotFound(message) => {
                JobError::Permanent(format!("Zoho: record not found: {message}"))
            }
            CallError::Api { job, .. } | CallError::Failed(job) => job,
        }
    }
}

/// What a call does, for the "not permitted" message: `what` in words ("read invoices"), and
/// the OAuth scope that allows it.
#[derive(Debug, Clone, Copy)]
pub struct Op<'a> {
    pub what: &'a str,
    pub scope: &'a str,
}

impl Op<'static> {
    pub fn read(kind: DocumentKind) -> Op<'static> {
        match kind {
            DocumentKind::Invoice => Op {
                what: "read invoices",
                scope: "ZohoBooks.invoices.READ",
            },
            DocumentKind::Bill => Op {
                what: "read bills",
                scope: "ZohoBooks.bills.READ",
            },
            DocumentKind::PurchaseOrder => Op {
                what: "read purchase orders",
                scope: "ZohoBooks.purchaseorders.READ",
            },
        }
    }

    pub fn comment(kind: DocumentKind) -> Op<'static> {
        match kind {
            DocumentKind::Invoice => Op {
                what: "comment on invoices",
                scope: "ZohoBooks.invoices.CREATE",
            },
            DocumentKind::Bill => Op {
                what: "comment on bills",
                scope: "ZohoBooks.bills.CREATE",
            },
            DocumentKind::PurchaseOrder => Op {
                what: "comment on purchase orders",
                scope: "ZohoBooks.purchaseorders.CREATE",
            },
        }
    }

    pub const PAYMENTS: Op<'static> = Op {
        what: "read payments",
        scope: "ZohoBooks.customerpayments.READ / ZohoBooks.vendorpayments.READ",
    };
    pub const SETTINGS: Op<'static> = Op {
        what: "read or change organization settings (webhooks)",
        scope: "ZohoBooks.settings.ALL",
    };
}

/// One connection's Zoho side: its Books client, access tokens and the shared quota, plus what
/// is needed to mark the connection when a person must act.
pub struct ZohoApi {
    pub connection: ConnectionId,
    pub dc: DataCentre,
    pub books: BooksClient,
    pub tokens: TokenCache,
    quota: Quotas,
    store: Store,
    queue: Queue,
    clock: SharedClock,
}

impl std::fmt::Debug for ZohoApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZohoApi")
            .field("connection", &self.connection)
            .field("dc", &self.dc)
            .finish_non_exhaustive()
    }
}

impl ZohoApi {
    pub fn new(
        connection: ConnectionId,
        dc: DataCentre,
        books: BooksClient,
        tokens: TokenCache,
        quota: Quotas,
        queue: Queue,
    ) -> Self {
        Self {
            connection,
            dc,
            books,
            tokens,
            quota,
            store: queue.store().clone(),
            clock: queue.clock().clone(),
            queue,
        }
    }

    pub fn organization_id(&self) -> &str {
        self.books.organization_id()
    }

    pub fn quota(&self) -> &Quotas {
        &self.quota
    }

    /// Runs one Books call the whole way (see the module comment). `f` builds the call from an
    /// access token; it runs at most twice.
    pub async fn call<T, F, Fut>(
        &self,
        op: Op<'_>,
        priority: Priority,
        f: F,
    ) -> Result<T, CallError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, BooksError>>,
    {
        let mut token = self.access_token().await?;
        for attempt in 0..2 {
            let answer = self
                .quota
                .call(&self.books, priority, f(token.clone()))
                .await
                .map_err(JobError::from)?;
            let outcome = match &answer {
                Ok(_) => "ok",
                Err(BooksError::RateLimited { .. }) => "rate_limited",
                Err(_) => "error",
            };
            crate::telemetry::metrics::upstream_call("zoho", self.connection.as_ref(), outcome);
            match answer {
                Ok(v) => return Ok(v),
                Err(BooksError::NotFound { message }) => return Err(CallError::NotFound(message)),
                Err(BooksError::Unauthorized { code: Some(57), .. }) => {
                    return Err(self.not_permitted(op).into())
                }
                Err(BooksError::Unauthorized { .. }) if attempt == 0 => {
                    self.tokens.invalidate(&token).await;
                    token = self.access_token().await?;
                }
                Err(BooksError::Unauthorized { code: Some(14), .. }) => {
                    return Err(self.fresh_token_refused().await.into())
                }
                Err(e) => {
                    let code = match &e {
                        BooksError::Api { code, .. } => Some(*code),
                        _ => None,
                    };
                    let job = classify(e, self.clock.now_ms());
                    return Err(match code {
                        Some(code) => CallError::Api { code, job },
                        None => CallError::Failed(job),
                    });
                }
            }
        }
        Err(JobError::retry(format!(
            "Zoho refused a freshly refreshed token (401) to {}; will retry",
            op.what
        ))
        .into())
    }

    /// A valid access token, or the job error that says why not (marking the connection when
    /// it needs a person, so its jobs wait instead of flooding the dead state).
    pub async fn access_token(&self) -> Result<SecretString, JobError> {
        match self.tokens.access_token().await {
            Ok(t) => Ok(t),
            Err(e) => match self.park_if_unusable(&e).await {
                Some(park) => Err(park),
                None => Err(e.into()),
            },
        }
    }

    /// Code 57: the connected user may not do this. Permanent until a person changes the role
    /// or the scopes.
    fn not_permitted(&self, op: Op<'_>) -> JobError {
        JobError::Permanent(format!(
            "Zoho says the user connected to {} may not {} (401 code 57): grant the {} scope and the role permission, reconnect with `ml-connector connect`, then `ml-connector dead retry`",
            self.connection, op.what, op.scope
        ))
    }

    /// For token errors no retry can fix: records the status, parks the connection's queued
    /// jobs and returns the job's own `Park`. `None` for errors a retry may fix.
    pub async fn park_if_unusable(&self, error: &TokenError) -> Option<JobError> {
        let status = match error {
            TokenError::NeedsReconnect { .. } => NEEDS_RECONNECT,
            TokenError::DataCentreMismatch { .. }
            | TokenError::Missing(_)
            | TokenError::NoClientSecret(_) => MISCONFIGURED,
            _ => return None,
        };
        Some(self.park_connection(status, error.to_string()).await)
    }

    /// Books refused an access token that was issued moments ago (HTTP 401 code 14): the token
    /// is valid at the accounts server, so the API host is the wrong one, i.e. the organization
    /// lives in another data centre than the configuration says.
    async fn fresh_token_refused(&self) -> JobError {
        let id = &self.connection;
        let reason = format!(
            "Zoho rejected the client's fresh access token at the {dc} API host (401 code 14): the organization most likely lives in another \
             data centre than connections.zoho.data_centre = \"{code}\" of connection {id}. Run `ml-connector connect --connection {id}` to see \
             where it lives (or `ml-connector check`), fix data_centre, and restart",
            dc = self.dc,
            code = self.dc.code(),
        );
        self.park_connection(MISCONFIGURED, reason).await
    }

    /// Marks the connection with `status`, parks its queued jobs and returns this job's `Park`.
    pub async fn park_connection(&self, status: &str, reason: String) -> JobError {
        let now = self.clock.now_ms();
        let until = now + PARK_FOR.as_millis() as i64;
        let id = self.connection.as_str();
        let already = self
            .store
            .connection_row(id)
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.status == status);
        if !already {
            // One clear event per transition, not one per job.
            tracing::error!(connection = id, status, "{reason}");
        }
        if let Err(e) = self
            .store
            .set_connection_status(id, status, Some(&reason), now)
            .await
        {
            tracing::warn!(connection = id, error = %format!("{e:#}"), "could not record the connection status");
        }
        if let Err(e) = self.queue.park_connection(id, until, &reason).await {
            tracing::warn!(connection = id, error = %format!("{e:#}"), "could not park the connection's jobs");
        }
        JobError::Park {
            until_ms: until,
            reason,
        }
    }
}

/// Zoho errors other than 401 and 404, which [`ZohoApi::call`] handles itself.
pub fn classify(e: BooksError, now_ms: i64) -> JobError {
    match e {
        BooksError::RateLimited { kind: RateLimitKind::Daily, .. } => JobError::Park {
            until_ms: next_utc_midnight_ms(now_ms),
            reason: "Zoho daily API limit of the organization reached (429 code 45); parked until the daily reset".into(),
        },
        BooksError::RateLimited { kind: RateLimitKind::PerMinute, retry_after } => JobError::Retry {
            reason: "Zoho per-minute limit reached (429 code 44)".into(),
            after: Some(retry_after.unwrap_or(Duration::from_secs(60))),
            pause: Some(Upstream::Zoho),
        },
        BooksError::RateLimited { kind: RateLimitKind::Concurrency, retry_after } => JobError::Retry {
            reason: "Zoho concurrent-call limit reached (429 code 1070)".into(),
            after: Some(retry_after.unwrap_or(Duration::from_secs(2))),
            pause: None,
        },
        e if e.is_retryable() => JobError::retry(format!("Zoho: {e}")),
        e => JobError::Permanent(format!("Zoho: {e}")),
    }
}

impl From<QuotaError> for CallError {
    fn from(e: QuotaError) -> Self {
        CallError::Failed(e.into())
    }
}
