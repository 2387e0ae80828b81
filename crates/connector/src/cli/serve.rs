//! `serve`: the HTTP server and every background task, until SIGINT or SIGTERM.

use super::{load, Cli};
use crate::clock::SystemClock;
use crate::serve::Application;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub(super) async fn run(cli: &Cli) -> anyhow::Result<()> {
    crate::telemetry::init("info");
    let config = load(cli)?;
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    tracing::info!(port = app.port(), "ml-connector listening");
    let cancel = CancellationToken::new();
    shutdown_on_signal(cancel.clone());
    app.run_until_stopped(cancel).await
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
