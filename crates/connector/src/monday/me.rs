//! The monday user behind each connection's token, asked once per connection and cached.
//!
//! monday fires webhooks for changes made through the API too, with `userId` set to the token's
//! user; comparing against this id is how the connector recognises its own status writes.

use monday::{MondayClient, MondayError};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// Kept here rather than in the monday crate's query list because only the connector needs it.
const ME: &str = "query Me { me { id } }";

#[derive(Debug, Default)]
pub struct MeCache(Mutex<HashMap<String, String>>);

impl MeCache {
    /// The id if already known, without asking monday (for the webhook edge, which makes no
    /// outbound calls).
    pub fn cached(&self, connection: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(connection)
            .cloned()
    }

    /// The token's user id for `connection`. Two first calls may race and both ask monday; the
    /// answer is the same, so the lock is not held across the request.
    pub async fn id(&self, connection: &str, client: &MondayClient) -> Result<String, MondayError> {
        if let Some(id) = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(connection)
        {
            return Ok(id.clone());
        }
        let data = client.execute(ME, json!({}), None).await?;
        let id = match data.get("me").and_then(|m| m.get("id")) {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) if n.is_u64() => n.to_string(),
            _ => {
                return Err(MondayError::Permanent {
                    code: "UnexpectedResponse".into(),
                    message: "monday answered `me { id }` without a user id".into(),
                    request_id: None,
                })
            }
        };
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(connection.to_string(), id.clone());
        Ok(id)
    }
}
