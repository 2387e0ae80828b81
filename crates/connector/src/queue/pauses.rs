//! "Do not call this upstream for this connection before T": set from a rate limit's
//! `Retry-After` / `retry_in_seconds` / Zoho code 44, honoured by every worker before it starts
//! a job of the connection.

use super::outcome::Upstream;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Pauses(Mutex<HashMap<(String, Upstream), i64>>);

impl Pauses {
    /// Pause until `until_ms`; a pause can only be extended, never shortened.
    pub fn pause(&self, connection: &str, upstream: Upstream, until_ms: i64) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry((connection.to_string(), upstream))
            .or_insert(until_ms);
        *entry = (*entry).max(until_ms);
        crate::telemetry::metrics::pause(upstream.as_str(), connection);
    }

    /// The latest pause still in force for the connection, on any upstream.
    pub fn paused_until(&self, connection: &str, now_ms: i64) -> Option<i64> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        [Upstream::Zoho, Upstream::Monday]
            .iter()
            .filter_map(|u| map.get(&(connection.to_string(), *u)).copied())
            .filter(|t| *t > now_ms)
            .max()
    }
}
