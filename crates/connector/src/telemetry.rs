//! Logging setup. Secrets are typed (`SecretString`) so they cannot be formatted into logs.

use tracing_subscriber::EnvFilter;

/// `RUST_LOG` wins; otherwise `default` (e.g. "info").
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
