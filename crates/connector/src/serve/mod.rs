//! The service's lifecycle in one place (svix-server's `run`): bind the listener, then run the
//! HTTP server, the sync workers, the token refresher, the reconciliation scheduler and the
//! retention pruner side by side until one cancellation token fires, and stop them gracefully. Built so a test can start
//! the whole application on port 0 (zero2prod's `Application::build`).

mod http;
mod pruner;
pub mod refresher;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::runtime::Runtime;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct Application {
    listener: TcpListener,
    port: u16,
    runtime: Arc<Runtime>,
}

impl Application {
    /// Opens the store, builds the clients and binds the listener (port 0 picks a free port).
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Application> {
        let listen = config.server.listen;
        let runtime = Runtime::build(config, clock).await?;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("could not listen on {listen}: {e}; choose another address with server.listen (MLC_SERVER__LISTEN), or `demo --listen 127.0.0.1:PORT`"))?;
        let port = listener.local_addr()?.port();
        Ok(Application {
            listener,
            port,
            runtime,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn runtime(&self) -> Arc<Runtime> {
        self.runtime.clone()
    }

    /// Serves HTTP and runs the workers until `cancel` fires, then shuts down gracefully.
    pub async fn run_until_stopped(self, cancel: CancellationToken) -> anyhow::Result<()> {
        crate::telemetry::metrics::install();
        let workers = crate::sync::spawn_workers(self.runtime.clone(), cancel.clone());
        let refresher = refresher::spawn(self.runtime.clone(), cancel.clone());
        let pruner = pruner::spawn(self.runtime.clone(), cancel.clone());
        let reconciler =
            crate::sync::reconcile::spawn_scheduler(self.runtime.clone(), cancel.clone());
        let app = crate::http::router(self.runtime.clone());
        let server = self.runtime.config.server.clone();
        http::serve(self.listener, app, &server, cancel.clone()).await?;
        cancel.cancel();
        for w in workers {
            let _ = w.await;
        }
        let _ = refresher.await;
        let _ = pruner.await;
        if let Some(r) = reconciler {
            let _ = r.await;
        }
        Ok(())
    }
}
