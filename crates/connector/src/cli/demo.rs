//! `demo`: everything against the built-in sandbox.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

pub(super) async fn run(
    listen: SocketAddr,
    data_dir: &Path,
    interval: f64,
    duration: Option<f64>,
) -> anyhow::Result<()> {
    // The demo narrates itself; RUST_LOG=info shows every sync as well.
    crate::telemetry::init("warn");
    crate::demo::run(crate::demo::DemoOptions {
        listen,
        data_dir: data_dir.to_path_buf(),
        interval: Duration::from_secs_f64(interval.max(0.2)),
        duration: duration.map(Duration::from_secs_f64),
    })
    .await
}
