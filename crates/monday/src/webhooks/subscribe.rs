//! Registering and listing webhooks on a board.

use serde_json::{json, Value};

use crate::error::MondayError;
use crate::items::{id_at, id_of};
use crate::{queries, MondayClient};

/// monday rejects webhook URLs longer than this.
pub const MAX_WEBHOOK_URL_CHARS: usize = 255;

/// A webhook registered on a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookInfo {
    pub id: String,
    pub board_id: String,
    /// The subscription name (`change_column_value`, `create_item`, …).
    pub event: String,
    /// The config as monday stores it (a JSON string), if any.
    pub config: Option<String>,
}

impl MondayClient {
    /// Subscribe `url` to `event` on a board; returns the webhook id. monday
    /// first sends a challenge to `url`, which must already answer it.
    /// `config` is e.g. `{"columnId":"status"}` for `change_specific_column_value`; it is sent
    /// JSON-encoded as a string, as monday's `JSON` scalar wants.
    #[tracing::instrument(skip(self, url, config), err(level = "debug", Display))]
    pub async fn create_webhook(
        &self,
        board_id: &str,
        url: &str,
        event: &str,
        config: Option<Value>,
    ) -> Result<String, MondayError> {
        if url.chars().count() > MAX_WEBHOOK_URL_CHARS {
            return Err(MondayError::invalid_input(format!(
                "the webhook URL is {} characters; monday allows {MAX_WEBHOOK_URL_CHARS}. Shorten the public base URL or the secret",
                url.chars().count()
            )));
        }
        let data = self
            .execute(
                queries::CREATE_WEBHOOK,
                // `config: JSON` is a JSON-encoded *string*, like `column_values`.
                json!({ "board": board_id, "url": url, "event": event, "config": config.map(|c| c.to_string()) }),
                None,
            )
            .await?;
        id_at(&data, "create_webhook")
    }

    /// The webhooks registered on a board.
    #[tracing::instrument(skip(self), err(level = "debug", Display))]
    pub async fn webhooks(&self, board_id: &str) -> Result<Vec<WebhookInfo>, MondayError> {
        let data = self
            .execute(queries::WEBHOOKS, json!({ "board": board_id }), None)
            .await?;
        Ok(data
            .get("webhooks")
            .and_then(Value::as_array)
            .map(|hooks| {
                hooks
                    .iter()
                    .filter_map(|h| {
                        Some(WebhookInfo {
                            id: h.get("id").and_then(id_of)?,
                            board_id: h.get("board_id").and_then(id_of).unwrap_or_default(),
                            event: h
                                .get("event")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            config: match h.get("config") {
                                Some(Value::String(s)) => Some(s.clone()),
                                None | Some(Value::Null) => None,
                                Some(other) => Some(other.to_string()),
                            },
                        })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}
