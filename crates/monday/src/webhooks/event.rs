//! Webhook event payloads (`{"event": {…}}`). Ids arrive as JSON numbers in
//! samples and may arrive as strings; both become strings without a float.

use serde_json::Value;

/// The parts of an event the connector acts on, plus the raw payload.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// monday's id of this delivery; retries repeat it, so it is the dedupe key.
    pub trigger_uuid: String,
    pub board_id: String,
    /// `pulseId`, or `itemId` in delete events.
    pub item_id: String,
    pub column_id: Option<String>,
    /// As monday reports it in webhooks (`color` for status, `multiple-person` for people).
    pub column_type: Option<String>,
    pub user_id: Option<String>,
    pub subscription_id: Option<String>,
    /// `value.label.text` of a status change.
    pub value_label: Option<String>,
    /// `previousValue.label.text` of a status change.
    pub previous_label: Option<String>,
    /// monday's internal event type (`update_column_value`, `create_pulse`, `delete_pulse`, …).
    pub event_type: String,
    pub trigger_time: Option<String>,
    /// The whole `event` object, for anything not lifted above.
    pub raw: Value,
}

impl WebhookEvent {
    /// The parent item of a subitem event.
    pub fn parent_item_id(&self) -> Option<String> {
        self.raw.get("parentItemId").and_then(id_string)
    }

    /// The parent item's board of a subitem event.
    pub fn parent_board_id(&self) -> Option<String> {
        self.raw.get("parentItemBoardId").and_then(id_string)
    }

    /// The item name (`pulseName` / `itemName`).
    pub fn item_name(&self) -> Option<String> {
        ["pulseName", "itemName"]
            .iter()
            .find_map(|k| self.raw.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
    }

    /// Whether monday marked this delivery as a retry.
    pub fn is_retry(&self) -> bool {
        self.raw.get("isRetry").and_then(Value::as_bool) == Some(true)
    }
}

/// Parse a webhook body. Fails (with a reason safe to log) when it is not an
/// event or lacks the trigger id, board or item.
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent, String> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| format!("webhook body is not JSON: {e}"))?;
    let event = root
        .get("event")
        .filter(|e| e.is_object())
        .ok_or("webhook body has no `event` object")?;
    let field = |k: &str| event.get(k).and_then(id_string);
    let required = |k: &str| field(k).ok_or(format!("webhook event has no usable `{k}`"));
    let label = |k: &str| {
        event
            .get(k)
            .and_then(|v| v.get("label"))
            .and_then(|l| l.get("text"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Ok(WebhookEvent {
        trigger_uuid: required("triggerUuid")?,
        board_id: required("boardId")?,
        item_id: field("pulseId")
            .or_else(|| field("itemId"))
            .ok_or("webhook event has neither `pulseId` nor `itemId`")?,
        column_id: field("columnId"),
        column_type: field("columnType"),
        user_id: field("userId"),
        subscription_id: field("subscriptionId"),
        value_label: label("value"),
        previous_label: label("previousValue"),
        event_type: field("type").unwrap_or_default(),
        trigger_time: field("triggerTime"),
        raw: event.clone(),
    })
}

/// A string, or an integer rendered as a string; never via a float, which
/// would corrupt ids above 2^53.
fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}
