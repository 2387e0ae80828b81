//! `serve`: the HTTP server and every background task, until SIGINT or SIGTERM.

use super::{load, Cli};
use crate::clock::SystemClock;
use crate::serve::Application;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub(super) async fn run(cli: &Cli) -> anyhow::Result<()> {
    crate::telemetry::init("info");
    let config = load(cli)?;
    announce_operator_password(&config).await?;
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    tracing::info!(port = app.port(), "ml-connector listening");
    let cancel = CancellationToken::new();
    shutdown_on_signal(cancel.clone());
    app.run_until_stopped(cancel).await
}

/// The operator pages are never open: without `server.admin_password`, the first start creates
/// a password and shows it once (only its hash is kept).
async fn announce_operator_password(config: &crate::config::Config) -> anyhow::Result<()> {
    let store = crate::store::Store::open(&config.database).await?;
    let now = chrono::Utc::now().timestamp_millis();
    if let Some(password) =
        crate::http::operator::ensure_operator_password(config, &store, now).await?
    {
        eprintln!(
            "No server.admin_password is set, so one was created for the admin page (any user \
             name). It is shown only this once:\n\n    {}\n\nSet server.admin_password \
             (MLC_SERVER__ADMIN_PASSWORD) to choose your own, or run `ml-connector \
             admin-password` for a new one.",
            secrecy::ExposeSecret::expose_secret(&password)
        );
    }
    store.pool().close().await;
    Ok(())
}

/// Cancels on Ctrl-C or SIGTERM; the service then finishes the jobs in hand and stops.
fn shutdown_on_signal(cancel: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        cancel.cancel();
                        return;
                    }
                };
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down: finishing jobs in hand");
        cancel.cancel();
    });
}
