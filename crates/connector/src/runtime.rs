//! Everything a worker or request handler needs, built once from the configuration.

use crate::clock::SharedClock;
use crate::config::{Config, ConnectionConfig};
use crate::domain::ConnectionId;
use crate::monday::Boards;
use crate::queue::{Pauses, Queue, RetryPolicy};
use crate::store::Store;
use crate::zoho::secrets::StoredRefreshToken;
use crate::zoho::tokens::{SharedTokens, TokenCache};
use crate::zoho::ZohoApi;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use zoho_books::{BooksClient, DataCentre, OAuthClient};

/// One connection's live clients. Never lends its credentials to another connection.
pub struct Connection {
    pub config: ConnectionConfig,
    pub dc: DataCentre,
    /// Every Books call of this connection goes through here (token, quota, classification).
    pub zoho: ZohoApi,
    pub monday: monday::MondayClient,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.config.id)
            .field("dc", &self.dc)
            .finish_non_exhaustive()
    }
}

pub struct Runtime {
    pub config: Config,
    pub store: Store,
    pub queue: Queue,
    pub clock: SharedClock,
    pub connections: HashMap<ConnectionId, Arc<Connection>>,
    pub boards: Boards,
    /// Wakes idle workers when a job is enqueued.
    pub wake: Notify,
    pub retry: RetryPolicy,
    pub http: reqwest::Client,
    /// Waits an upstream asked for, per connection and upstream.
    pub pauses: Pauses,
    /// Zoho API budgets per organization; acquire before every Books call.
    pub quota: crate::zoho::quota::Quotas,
    /// Each connection's monday user, to recognise the connector's own changes in webhooks.
    pub monday_me: crate::monday::MeCache,
    /// Fault injection for tests: called at the start of every job run, inside the worker's
    /// panic guard. Never set in production.
    job_hook: std::sync::RwLock<Option<JobHook>>,
}

/// See [`Runtime::set_job_hook`].
pub type JobHook = Arc<dyn Fn(&crate::queue::Job) + Send + Sync>;

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("connections", &self.connections.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

pub use crate::outbound::http_client;

impl Runtime {
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Arc<Runtime>> {
        let store = Store::open(&config.database).await?;
        let keyring = Arc::new(crate::crypto::Keyring::from_config(&config.secrets)?);
        crate::zoho::secrets::verify_stored_tokens(&store, &keyring, &config).await?;
        let http = http_client(Duration::from_secs(config.monday.request_timeout_seconds))?;
        let endpoints = config.zoho_endpoints();
        let monday_limits = crate::monday::limits::Limits::from_config(&config.monday)
            .map_err(|(key, problem)| anyhow::anyhow!("monday.{key}: {problem}"))?;
        let queue = Queue::new(
            store.clone(),
            clock.clone(),
            Duration::from_secs(config.workers.lease_seconds),
        );
        let quota = crate::zoho::quota::Quotas::new(
            store.clone(),
            clock.clone(),
            config.zoho.quota.clone(),
        );
        let mut connections = HashMap::new();
        if config.server.admin_password.is_none() && !config.server.listen.ip().is_loopback() {
            tracing::warn!(
                listen = %config.server.listen,
                "server.admin_password is not set: /admin and the Zoho connect pages are open to anyone who can reach this address"
            );
        }
        for c in &config.connections {
            if c.zoho.webhook_secret.is_none() {
                tracing::warn!(
                    connection = %c.id,
                    "no connections.zoho.webhook_secret: Zoho webhooks are authenticated by the URL token alone; set a secret (and run `setup`) to require signatures"
                );
            }
            let dc = c.data_centre();
            let oauth = config.client_secret(dc).map(|secret| {
                OAuthClient::new(
                    http.clone(),
                    endpoints.clone(),
                    config.zoho.client_id.clone(),
                    secret,
                )
            });
            let tokens = TokenCache::new(
                c.id.clone(),
                dc,
                oauth,
                endpoints.clone(),
                Box::new(StoredRefreshToken::new(
                    store.clone(),
                    keyring.clone(),
                    c.id.clone(),
                    c.zoho.refresh_token.clone(),
                )),
                clock.clone(),
                SharedTokens::new(store.clone(), keyring.clone()),
            );
            let books = BooksClient::new(
                http.clone(),
                endpoints.books_base(dc),
                c.zoho.organization_id.clone(),
            );
            // Each connection keeps to its own monday budget (see monday/limits.rs).
            let monday = monday::MondayClient::new(
                http.clone(),
                config.monday.api_url.clone(),
                c.monday.token.clone(),
            )
            .with_gate(crate::monday::limits::Limiter::new(
                &c.id,
                monday_limits,
                clock.clone(),
            ));
            let zoho = ZohoApi::new(
                ConnectionId::new(c.id.clone()),
                dc,
                books,
                tokens,
                quota.clone(),
                queue.clone(),
            );
            connections.insert(
                ConnectionId::new(c.id.clone()),
                Arc::new(Connection {
                    config: c.clone(),
                    dc,
                    zoho,
                    monday,
                }),
            );
        }
        let retry = RetryPolicy {
            base: Duration::from_millis(config.workers.backoff_base_ms),
            cap: Duration::from_secs(config.workers.backoff_cap_seconds),
        };
        Ok(Arc::new(Runtime {
            config,
            store,
            queue,
            clock,
            connections,
            boards: Boards::default(),
            wake: Notify::new(),
            retry,
            http,
            pauses: Pauses::default(),
            quota,
            monday_me: Default::default(),
            job_hook: Default::default(),
        }))
    }

    /// Fault injection for tests (a job that panics, a slow job); `None` removes it.
    #[doc(hidden)]
    pub fn set_job_hook(&self, hook: Option<JobHook>) {
        *self.job_hook.write().unwrap_or_else(|p| p.into_inner()) = hook;
    }

    pub(crate) fn job_hook(&self) -> Option<JobHook> {
        self.job_hook
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Holds the board for writing: this process's lock of the board, then the board's lease
    /// row (one writer per board across processes), taken only while the running job, if any,
    /// still holds its own lease.
    pub async fn board_writer(
        &self,
        board_id: &str,
    ) -> Result<crate::queue::BoardWriter, crate::queue::JobError> {
        let local = self.boards.writer(board_id).await;
        self.queue.board_writer(board_id, local).await
    }

    pub fn connection(&self, id: &str) -> Option<&Arc<Connection>> {
        self.connections.get(id)
    }

    /// The connection whose webhook token equals `token`, compared in constant time against
    /// every connection (so timing does not reveal which prefix matched).
    pub fn connection_by_webhook_token(&self, token: &str) -> Option<&Arc<Connection>> {
        use subtle::ConstantTimeEq;
        let mut found = None;
        for c in self.connections.values() {
            let expected: &SecretString = &c.config.webhook_token;
            let expected = expected.expose_secret().as_bytes();
            let same =
                expected.len() == token.len() && bool::from(expected.ct_eq(token.as_bytes()));
            if same {
                found = Some(c);
            }
        }
        found
    }
}
