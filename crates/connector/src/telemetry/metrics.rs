//! Prometheus metrics, with the `metrics` crate and its Prometheus exporter.
//!
//! Two kinds of figures, rendered together at `GET /metrics`:
//! - **Events** (counters, a latency histogram) recorded where they happen through the named
//!   functions below, into the process's global recorder: webhooks by outcome, jobs by kind and
//!   outcome with their run time, upstream calls and rate limits, pauses, token refreshes,
//!   dead letters.
//! - **State** (gauges) read from the database at scrape time, so they are true for this
//!   database even after a restart or with several processes on it: queue depth and oldest age
//!   per connection and state, sync lag, seconds since the last finished job.
//!
//! Labels are connection ids, upstream names, kinds and outcomes — never a secret or a document.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Seconds buckets for job run time (a sync is typically tens of milliseconds to a few seconds).
const JOB_SECONDS_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

static GLOBAL: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use. If another recorder is already installed
/// (an embedding program's), events go there and this handle renders only the state gauges.
fn handle() -> &'static PrometheusHandle {
    GLOBAL.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full("mlc_job_run_seconds".into()),
                JOB_SECONDS_BUCKETS,
            )
            .expect("non-empty buckets");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!(
                "a metrics recorder was already installed; /metrics shows state gauges only"
            );
        }
        handle
    })
}

/// Installs the recorder (idempotent); `serve` calls it at start so counters exist from then.
pub fn install() {
    let _ = handle();
}

/// One connection's jobs in one state (read by the queue at scrape time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthRow {
    pub connection_id: String,
    pub state: &'static str,
    pub count: i64,
    /// Age of the oldest job in this state (since it was created), in milliseconds.
    pub oldest_age_ms: i64,
}

/// Per connection: the newest finished job and how long the oldest due job has waited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LagRow {
    pub connection_id: String,
    /// When a job of this connection last finished well (epoch ms), if ever.
    pub last_done_ms: Option<i64>,
    /// How long the oldest job that is due now has been waiting (0 when none waits).
    pub oldest_due_wait_ms: i64,
}

/// A webhook answered: `source` is `zoho` or `monday`; the outcome is read off the status.
pub fn webhook(source: &'static str, status: u16) {
    let outcome = match status {
        200..=299 => "accepted",
        401 | 403 | 404 => "rejected",
        _ => "invalid",
    };
    counter!("mlc_webhooks_total", "source" => source, "outcome" => outcome).increment(1);
}

/// A job run ended: `outcome` is `done`, `retry`, `parked`, `dead` or `lost_lease`.
pub fn job_finished(kind: &str, outcome: &'static str, took: Duration) {
    let kind = kind.to_string();
    counter!("mlc_jobs_finished_total", "kind" => kind.clone(), "outcome" => outcome).increment(1);
    histogram!("mlc_job_run_seconds", "kind" => kind).record(took.as_secs_f64());
    if outcome == "dead" {
        counter!("mlc_dead_letters_total").increment(1);
    }
}

/// One call to an upstream API ended: `outcome` is `ok`, `error` or `rate_limited`.
pub fn upstream_call(upstream: &'static str, connection: &str, outcome: &'static str) {
    counter!("mlc_upstream_calls_total", "upstream" => upstream,
        "connection" => connection.to_string(), "outcome" => outcome)
    .increment(1);
}

/// A connection was paused on an upstream (a rate limit asked it to wait).
pub fn pause(upstream: &'static str, connection: &str) {
    counter!("mlc_pauses_total", "upstream" => upstream,
        "connection" => connection.to_string())
    .increment(1);
}

/// A Zoho token request ended: `outcome` is `ok` or `failed`.
pub fn token_refresh(connection: &str, outcome: &'static str) {
    counter!("mlc_token_refreshes_total", "connection" => connection.to_string(),
        "outcome" => outcome)
    .increment(1);
}

/// The text a scrape gets: the process's events, then this database's state.
pub fn render(depth: &[DepthRow], lag: &[LagRow], now_ms: i64) -> String {
    let mut out = handle().render();
    // State gauges go through a recorder of their own, built per scrape, so two applications
    // in one process (tests, an embedding program) never see each other's figures.
    let local = PrometheusBuilder::new().build_recorder();
    let local_handle = local.handle();
    metrics::with_local_recorder(&local, || {
        for row in depth {
            let labels = [
                ("connection", row.connection_id.clone()),
                ("state", row.state.to_string()),
            ];
            gauge!("mlc_queue_jobs", &labels).set(row.count as f64);
            gauge!("mlc_queue_oldest_age_seconds", &labels).set(row.oldest_age_ms as f64 / 1e3);
        }
        for row in lag {
            let labels = [("connection", row.connection_id.clone())];
            gauge!("mlc_sync_lag_seconds", &labels).set(row.oldest_due_wait_ms as f64 / 1e3);
            if let Some(done) = row.last_done_ms {
                gauge!("mlc_last_sync_age_seconds", &labels)
                    .set((now_ms - done).max(0) as f64 / 1e3);
            }
        }
    });
    out.push_str(&local_handle.render());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_gauges_render_per_connection_and_state() {
        let depth = [DepthRow {
            connection_id: "acme".into(),
            state: "queued",
            count: 3,
            oldest_age_ms: 1500,
        }];
        let lag = [LagRow {
            connection_id: "acme".into(),
            last_done_ms: Some(1_000),
            oldest_due_wait_ms: 2_000,
        }];
        let text = render(&depth, &lag, 11_000);
        assert!(
            text.contains(r#"mlc_queue_jobs{connection="acme",state="queued"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"mlc_queue_oldest_age_seconds{connection="acme",state="queued"} 1.5"#)
        );
        assert!(text.contains(r#"mlc_sync_lag_seconds{connection="acme"} 2"#));
        assert!(text.contains(r#"mlc_last_sync_age_seconds{connection="acme"} 10"#));
    }

    #[test]
    fn webhook_outcomes_are_read_off_the_status() {
        install();
        let before = count(
            &handle().render(),
            r#"mlc_webhooks_total{source="zoho",outcome="rejected"}"#,
        );
        webhook("zoho", 401);
        webhook("zoho", 200);
        let after = count(
            &handle().render(),
            r#"mlc_webhooks_total{source="zoho",outcome="rejected"}"#,
        );
        assert_eq!(after, before + 1.0);
    }

    fn count(text: &str, series: &str) -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    }
}
