//! Configuration: compiled-in defaults, then a TOML file, then `MLC_`-prefixed environment variables.
//!
//! Nested keys use a double underscore in the environment: `MLC_SERVER__LISTEN=0.0.0.0:8080`,
//! `MLC_DATABASE__URL=sqlite://data.db`. Connections (tenants) are declared in the file.

mod lenient;
mod mapping;
mod monday_limits;
mod quota;
mod secrets;

pub use mapping::{BoardMapping, ColumnMap, DeletionPolicy, LineItemMode};
pub use monday_limits::MondayLimits;
pub use quota::{plan_concurrency, plan_daily_limit, QuotaConfig};
pub use secrets::SecretsConfig;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use zoho_books::{DataCentre, DocumentKind};

/// Prefix of every environment variable the connector reads.
pub const ENV_PREFIX: &str = "MLC_";

/// The whole configuration of one connector process.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub workers: WorkerConfig,
    #[serde(default)]
    pub zoho: ZohoConfig,
    #[serde(default)]
    pub monday: MondayConfig,
    /// One entry per Zoho organization synced into monday.
    #[serde(default)]
    pub connections: Vec<ConnectionConfig>,
    /// Keys that encrypt refresh tokens stored by `connect` (see [`SecretsConfig`]).
    #[serde(default)]
    pub secrets: SecretsConfig,
    /// How long finished jobs and raw webhook events are kept.
    #[serde(default)]
    pub retention: RetentionConfig,
}

/// Retention of finished work: a pruner in `serve` deletes older rows in small batches at
/// start and every hour. Queued and running jobs are never deleted, and a webhook event is
/// kept as long as a job it created is kept.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Raw webhook events, counted from their arrival.
    pub events_days: u32,
    /// Done jobs, counted from when they finished.
    pub jobs_days: u32,
    /// Dead jobs (kept longer so they can still be replayed).
    pub dead_jobs_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            events_days: 30,
            jobs_days: 14,
            dead_jobs_days: 90,
        }
    }
}

/// Allowed `workers.lease_seconds`: a worker renews its lease every third of it (at least a
/// second apart), and a lease over an hour would hold a stuck job too long.
pub const LEASE_SECONDS: std::ops::RangeInclusive<u64> = 3..=3600;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP server binds (webhooks, OAuth callback, admin pages). Port 0 picks a free one.
    pub listen: SocketAddr,
    /// The URL at which Zoho and monday reach this server; used to build webhook and callback URLs.
    pub public_url: url::Url,
    /// Largest webhook body accepted, in bytes; larger bodies get 413 and store nothing.
    pub max_body_bytes: usize,
    /// Password for the operator pages (`/admin`, `/oauth/zoho/*`), asked by the browser with
    /// HTTP Basic authentication (any user name). Webhooks are never behind it. Unset: the pages
    /// are open, which is only safe when `listen` is not reachable from outside.
    #[serde(default, skip_serializing, deserialize_with = "lenient::opt_secret")]
    pub admin_password: Option<SecretString>,
    /// Seconds a client has to send a request's headers once it connected (or between requests
    /// on a kept-alive connection); slower clients are disconnected, so a slow sender cannot
    /// hold a connection open forever.
    pub header_read_timeout_seconds: u64,
    /// Seconds a client has to send a request's body; a stalled body gets 408 and stores nothing.
    pub body_read_timeout_seconds: u64,
    /// Most client connections served at once; connections beyond it are closed at once (the
    /// sender retries), so a flood cannot exhaust memory or file descriptors.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: url::Url::parse("http://127.0.0.1:8080/").expect("static url"),
            max_body_bytes: 256 * 1024,
            admin_password: None,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            max_connections: 1024,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/file.db` (created when missing). Migrations run on start.
    pub url: String,
    /// How long a writer waits for SQLite's lock before failing, in milliseconds.
    pub busy_timeout_ms: u64,
    pub max_connections: u32,
    /// fsync every commit (SQLite `synchronous=FULL`): an acknowledged webhook survives power
    /// loss. `false` (NORMAL) survives process crashes only, with fewer disk flushes.
    pub synchronous_full: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://ml-connector.db".into(),
            busy_timeout_ms: 5_000,
            max_connections: 8,
            synchronous_full: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerConfig {
    /// Number of concurrent sync workers in this process.
    pub count: usize,
    /// A claimed job belongs to its worker for this long; a worker that dies loses it after the lease.
    pub lease_seconds: u64,
    /// Attempts before a job goes to the dead state (a crash during a job counts as an attempt).
    pub max_attempts: u32,
    /// How often idle workers look for due jobs (new webhooks wake them at once).
    pub poll_interval_ms: u64,
    /// First retry delay; doubles per attempt, with jitter, up to `backoff_cap_seconds`.
    pub backoff_base_ms: u64,
    pub backoff_cap_seconds: u64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            count: 4,
            lease_seconds: 60,
            max_attempts: 12,
            poll_interval_ms: 500,
            backoff_base_ms: 1_000,
            backoff_cap_seconds: 600,
        }
    }
}

/// Zoho OAuth client and host overrides shared by every connection.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZohoConfig {
    /// Client id from the Zoho API console (the same in every data centre).
    #[serde(default, deserialize_with = "lenient::string")]
    pub client_id: String,
    /// Client secret; with multi-DC clients it may differ per data centre (see `client_secrets`).
    #[serde(default, skip_serializing, deserialize_with = "lenient::opt_secret")]
    pub client_secret: Option<SecretString>,
    /// Per data centre client secrets, keyed by code (`eu`, `in`, ...), overriding `client_secret`.
    #[serde(default, skip_serializing, deserialize_with = "lenient::secret_map")]
    pub client_secrets: BTreeMap<String, SecretString>,
    /// Overrides of the accounts server and API host per data centre (tests, proxies, the sandbox).
    #[serde(default)]
    pub endpoints: BTreeMap<String, EndpointOverride>,
    /// Per-organization API budget: per-minute window, concurrent calls, daily cap.
    #[serde(default)]
    pub quota: QuotaConfig,
    /// Seconds between reconciliation polls per connection and document type (default 300;
    /// 0 turns reconciliation off). The first poll runs one interval after start.
    #[serde(default)]
    pub reconcile_interval_seconds: Option<u64>,
    /// How far behind its watermark a reconciliation looks again (default 600 s), for changes
    /// Zoho lists late or stamps with a slightly earlier `last_modified_time`.
    #[serde(default)]
    pub reconcile_overlap_seconds: Option<u64>,
    /// Seconds between deletion sweeps per connection and document type (default 86400 = daily;
    /// 0 turns them off). Zoho lists no deleted documents and a deletion made while the
    /// connector was down sent it no webhook, so a sweep lists every document and re-checks
    /// the ones on the board that were not listed. It costs one list call per 200 documents and
    /// runs with reconciliation (which must be on), the first one interval after start.
    #[serde(default)]
    pub deletion_sweep_interval_seconds: Option<u64>,
}

impl ZohoConfig {
    /// `None` when reconciliation is turned off.
    pub fn reconcile_interval(&self) -> Option<std::time::Duration> {
        match self.reconcile_interval_seconds.unwrap_or(300) {
            0 => None,
            s => Some(std::time::Duration::from_secs(s)),
        }
    }

    /// `None` when deletion sweeps are turned off.
    pub fn deletion_sweep_interval(&self) -> Option<std::time::Duration> {
        match self.deletion_sweep_interval_seconds.unwrap_or(86_400) {
            0 => None,
            s => Some(std::time::Duration::from_secs(s)),
        }
    }

    pub fn reconcile_overlap(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.reconcile_overlap_seconds.unwrap_or(600))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointOverride {
    pub accounts_url: url::Url,
    pub api_domain: url::Url,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MondayConfig {
    /// monday GraphQL endpoint; override for proxies, tests and the sandbox.
    pub api_url: url::Url,
    /// Per-request timeout; monday itself cuts requests at 60 s.
    pub request_timeout_seconds: u64,
    /// The monday plan of the connected accounts (`free`, `basic`, `standard`, `pro`,
    /// `enterprise`), which sets the client-side limits below to monday's published numbers
    /// (requests per minute 1,000 / 2,500 for pro / 5,000 for enterprise; concurrent 40 / 100 /
    /// 250; per day 1,000 / 10,000 / 25,000). Unset: 1,000 per minute and 40 concurrent, which
    /// every plan allows, and no daily cap of our own (monday's DAILY_LIMIT_EXCEEDED still parks
    /// work until midnight UTC). Limits apply per connection (per monday token).
    #[serde(default)]
    pub plan: Option<String>,
    /// Requests per rolling minute per connection, overriding the plan's number.
    #[serde(default)]
    pub minute_limit: Option<u32>,
    /// Requests in flight at once per connection, overriding the plan's number.
    #[serde(default)]
    pub concurrency_limit: Option<u32>,
    /// Requests per UTC day per connection, overriding the plan's number; when spent, monday
    /// work waits until midnight UTC. Counted in memory, so a restart starts the count afresh.
    #[serde(default)]
    pub daily_limit: Option<u32>,
}

impl Default for MondayConfig {
    fn default() -> Self {
        Self {
            api_url: url::Url::parse("https://api.monday.com/v2").expect("static url"),
            request_timeout_seconds: 60,
            plan: None,
            minute_limit: None,
            concurrency_limit: None,
            daily_limit: None,
        }
    }
}

/// One Zoho organization, its credentials and where its documents go on monday.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionConfig {
    /// Short stable name (letters, digits, `-`, `_`), used in logs and the CLI.
    pub id: String,
    /// Unguessable token in this connection's webhook URL (`/webhooks/zoho/{token}`), at least 24 characters.
    #[serde(skip_serializing)]
    pub webhook_token: SecretString,
    pub zoho: ConnectionZoho,
    pub monday: ConnectionMonday,
    /// Per document type: `invoice`, `bill`, `purchase_order`.
    #[serde(default)]
    pub boards: BTreeMap<String, BoardMapping>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionZoho {
    pub organization_id: String,
    pub data_centre: String,
    /// Refresh token from `connect` or a Self Client grant; may instead be stored (encrypted) by `connect`.
    #[serde(default, skip_serializing)]
    pub refresh_token: Option<SecretString>,
    /// Secret given to Zoho when the webhook was created; enables `X-Zoho-Webhook-Signature` checks.
    #[serde(default, skip_serializing)]
    pub webhook_secret: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionMonday {
    /// monday API token (personal or OAuth); sent raw in `Authorization`.
    #[serde(skip_serializing)]
    pub token: SecretString,
    /// Unguessable token in this connection's monday webhook URL (`/webhooks/monday/{token}`),
    /// at least 24 letters, digits, `-` or `_`. Webhooks made with a personal token carry no
    /// signature, so this secret is what proves an event came from the registered webhook.
    #[serde(default, skip_serializing)]
    pub webhook_token: Option<SecretString>,
    /// Signing Secret of a monday app: webhooks created with the app's token carry an HS256 JWT
    /// that is then accepted instead of `webhook_token` (URL `/webhooks/monday/{connection id}`).
    #[serde(default, skip_serializing)]
    pub signing_secret: Option<SecretString>,
    /// What `token` is: a user's personal API token (default) or a monday app's OAuth token.
    /// Only webhooks created with an app token carry a JWT, so `setup` refuses a JWT-only
    /// webhook (`signing_secret` without `webhook_token`) on a personal token.
    #[serde(default)]
    pub token_kind: MondayTokenKind,
    /// Post one comment on the Zoho document for each status change a person makes on monday
    /// (an audit note; nothing else is ever written to Zoho). Default off: the audit log only.
    #[serde(default)]
    pub audit_comments: bool,
}

/// The kind of monday API token a connection uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MondayTokenKind {
    /// A user's personal API token: webhooks it creates carry no JWT.
    #[default]
    Personal,
    /// An OAuth token of a monday app with an integration feature: webhooks carry an HS256 JWT.
    App,
}

/// A configuration problem, naming where it came from, the key and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// `MLC_` variables that are not settings: the configuration file's path, the log format, and
/// the test suite's reference folder. Any other `MLC_` variable must name a setting.
const NOT_SETTINGS: &[&str] = &[
    "CONFIG",
    "LOG_FORMAT",
    "REFERENCE_DIR",
    "REFERENCE_OPTIONAL",
];

impl Config {
    /// Defaults, then `path` (when given), then `MLC_*` environment variables.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::defaults()));
        if let Some(path) = path {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "configuration file {} does not exist; pass --config with the path of your ml-connector.toml (see config.example.toml)",
                    path.display()
                )));
            }
            fig = fig.merge(Toml::file(path));
        }
        fig = fig.merge(Env::prefixed(ENV_PREFIX).ignore(NOT_SETTINGS).split("__"));
        let mut config: Config = fig.extract().map_err(|e| describe_figment_error(e, path))?;
        lenient::overlay_raw(&mut config, ENV_PREFIX);
        config.validate(path)?;
        Ok(config)
    }

    /// Parse a TOML document (tests and the demo build their configuration in memory).
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let config: Config = Figment::from(Serialized::defaults(Config::defaults()))
            .merge(Toml::string(text))
            .extract()
            .map_err(|e| describe_figment_error(e, None))?;
        config.validate(None)?;
        Ok(config)
    }

    fn defaults() -> Config {
        Config {
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            workers: WorkerConfig::default(),
            zoho: ZohoConfig::default(),
            monday: MondayConfig::default(),
            connections: Vec::new(),
            secrets: SecretsConfig::default(),
            retention: RetentionConfig::default(),
        }
    }

    /// Semantic checks figment cannot do; each message names the key and the fix.
    pub fn validate(&self, path: Option<&Path>) -> Result<(), ConfigError> {
        let origin = path
            .map(|p| format!("in {}: ", p.display()))
            .unwrap_or_default();
        let err = |key: String, msg: String| ConfigError(format!("{origin}{key}: {msg}"));
        for (code, _) in self.zoho.endpoints.iter() {
            code.parse::<DataCentre>()
                .map_err(|e| err(format!("zoho.endpoints.{code}"), e))?;
        }
        self.zoho
            .quota
            .validate()
            .map_err(|(k, m)| err(format!("zoho.quota.{k}"), m))?;
        MondayLimits::from_config(&self.monday).map_err(|(k, m)| err(format!("monday.{k}"), m))?;
        for (key, value) in [
            (
                "server.header_read_timeout_seconds",
                self.server.header_read_timeout_seconds,
            ),
            (
                "server.body_read_timeout_seconds",
                self.server.body_read_timeout_seconds,
            ),
            ("server.max_connections", self.server.max_connections as u64),
        ] {
            if value == 0 {
                return Err(err(key.into(), "must be at least 1".into()));
            }
        }
        if self.workers.count == 0 {
            return Err(err("workers.count".into(), "must be at least 1".into()));
        }
        if !LEASE_SECONDS.contains(&self.workers.lease_seconds) {
            return Err(err(
                "workers.lease_seconds".into(),
                format!(
                    "is {}; use {} to {} seconds (a worker renews its lease every third of it; 60 is a good value)",
                    self.workers.lease_seconds,
                    LEASE_SECONDS.start(),
                    LEASE_SECONDS.end()
                ),
            ));
        }
        for (key, days) in [
            ("retention.events_days", self.retention.events_days),
            ("retention.jobs_days", self.retention.jobs_days),
            ("retention.dead_jobs_days", self.retention.dead_jobs_days),
        ] {
            if !(1..=3650).contains(&days) {
                return Err(err(
                    key.into(),
                    format!("is {days}; keep between 1 and 3650 days"),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, c) in self.connections.iter().enumerate() {
            let key = |k: &str| format!("connections[{i}] ({}).{k}", c.id);
            if c.id.is_empty()
                || !c
                    .id
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                return Err(err(
                    key("id"),
                    "use letters, digits, '-' or '_' only".into(),
                ));
            }
            if !seen.insert(c.id.clone()) {
                return Err(err(
                    key("id"),
                    "is used by two connections; ids must be unique".into(),
                ));
            }
            c.zoho
                .data_centre
                .parse::<DataCentre>()
                .map_err(|e| err(key("zoho.data_centre"), e))?;
            if c.zoho.organization_id.trim().is_empty() {
                return Err(err(
                    key("zoho.organization_id"),
                    "is empty; run `ml-connector connect` to list your organizations".into(),
                ));
            }
            if c.webhook_token.expose_secret().len() < 24 {
                return Err(err(
                    key("webhook_token"),
                    "must be at least 24 random characters (e.g. `openssl rand -hex 24`)".into(),
                ));
            }
            if let Some(s) = &c.zoho.webhook_secret {
                let s = s.expose_secret();
                if !(12..=50).contains(&s.len()) || !s.chars().all(|ch| ch.is_ascii_alphanumeric())
                {
                    return Err(err(
                        key("zoho.webhook_secret"),
                        "Zoho accepts 12 to 50 letters and digits only".into(),
                    ));
                }
            }
            if let Some(t) = &c.monday.webhook_token {
                let t = t.expose_secret();
                if t.len() < 24
                    || !t
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
                {
                    return Err(err(
                        key("monday.webhook_token"),
                        "must be at least 24 letters, digits, '-' or '_' (e.g. `openssl rand -hex 24`)".into(),
                    ));
                }
            }
            for (kind, board) in &c.boards {
                kind.parse::<DocumentKind>().map_err(|e| {
                    err(
                        key(&format!("boards.{kind}")),
                        format!("{e}; use invoice, bill or purchase_order"),
                    )
                })?;
                board
                    .validate()
                    .map_err(|m| err(key(&format!("boards.{kind}.{}", m.0)), m.1))?;
            }
        }
        Ok(())
    }

    pub fn connection(&self, id: &str) -> Option<&ConnectionConfig> {
        self.connections.iter().find(|c| c.id == id)
    }

    /// Zoho endpoints with this configuration's overrides applied.
    pub fn zoho_endpoints(&self) -> zoho_books::Endpoints {
        let mut endpoints = zoho_books::Endpoints::default();
        for (code, o) in &self.zoho.endpoints {
            if let Ok(dc) = code.parse::<DataCentre>() {
                endpoints =
                    endpoints.with_override(dc, o.accounts_url.clone(), o.api_domain.clone());
            }
        }
        endpoints
    }

    /// The client secret to use in one data centre.
    pub fn client_secret(&self, dc: DataCentre) -> Option<SecretString> {
        self.zoho
            .client_secrets
            .get(dc.code())
            .cloned()
            .or_else(|| self.zoho.client_secret.clone())
    }

    pub fn default_path() -> PathBuf {
        PathBuf::from("ml-connector.toml")
    }
}

impl ConnectionConfig {
    pub fn data_centre(&self) -> DataCentre {
        // validated on load
        self.zoho.data_centre.parse().unwrap_or(DataCentre::Us)
    }

    pub fn board(&self, kind: DocumentKind) -> Option<&BoardMapping> {
        self.boards
            .iter()
            .find(|(k, _)| k.parse::<DocumentKind>().ok() == Some(kind))
            .map(|(_, b)| b)
    }
}

fn describe_figment_error(e: figment::Error, path: Option<&Path>) -> ConfigError {
    let mut lines = Vec::new();
    for err in e {
        let key = if err.path.is_empty() {
            "(top level)".to_string()
        } else {
            err.path.join(".")
        };
        let from_env = err
            .metadata
            .as_ref()
            .is_some_and(|m| m.name.contains("environment"));
        let what = match &err.kind {
            figment::error::Kind::InvalidType(_, expected) => {
                format!("invalid type: expected {expected}")
            }
            figment::error::Kind::InvalidValue(_, expected) => {
                format!("invalid value: expected {expected}")
            }
            other => other.to_string(),
        };
        if from_env && !err.path.is_empty() {
            lines.push(describe_env_error(&err.path, &what));
            continue;
        }
        let source = err
            .metadata
            .as_ref()
            .and_then(|m| m.source.as_ref().map(|s| s.to_string()))
            .or_else(|| path.map(|p| p.display().to_string()))
            .unwrap_or_else(|| "configuration".into());
        // Never echo the offending value: it may be a secret put under the wrong key.
        lines.push(format!("{source}: key `{key}`: {what}"));
    }
    ConfigError(format!("invalid configuration:\n  {}", lines.join("\n  ")))
}

/// A bad value from the environment: name the variable, show the value unless the key may hold
/// a secret, and give an example of the right form.
fn describe_env_error(key_path: &[String], what: &str) -> String {
    let var = format!(
        "{ENV_PREFIX}{}",
        key_path
            .iter()
            .map(|k| k.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join("__")
    );
    let key = key_path.join(".");
    let secret = ["secret", "token", "password", "keys", "key"]
        .iter()
        .any(|s| key.to_ascii_lowercase().contains(s));
    let shown = match std::env::var(&var) {
        Ok(v) if !secret => format!("={v:?}"),
        _ => String::new(),
    };
    let example = if what.contains("socket address") {
        format!("{var}=127.0.0.1:8080")
    } else if what.contains("bool") {
        format!("{var}=true")
    } else if ["usize", "u64", "u32", "u16", "i64", "integer"]
        .iter()
        .any(|t| what.contains(t))
    {
        format!("{var}=4")
    } else if what.contains("f64") || what.contains("float") {
        format!("{var}=2.5")
    } else {
        format!("{var}=... (see config.example.toml for `{key}`)")
    };
    let what = if ["usize", "u64", "u32", "u16", "i64"]
        .iter()
        .any(|t| what.ends_with(&format!("expected {t}")))
    {
        "expected a whole number".to_string()
    } else {
        what.to_string()
    };
    format!("environment variable {var}{shown} (key `{key}`): {what}; for example {example}")
}

#[cfg(test)]
mod tests;
