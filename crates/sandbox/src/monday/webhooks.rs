//! Board webhooks (§5): the challenge handshake on `create_webhook`, event payloads in monday's
//! shape, and deliveries. Deliveries are made once, without monday's minute-by-minute retries;
//! every attempt is logged for tests (`MondaySandbox::webhook_deliveries`).

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::column_read::linked_item_ids;
use super::graphql::{Args, GqlError, Resolved};
use super::labels::status_labels;
use super::resolvers::{iso, Obj};
use super::state::{Account, Column, Shared, Webhook};
use super::WebhookDelivery;

/// monday's limit on webhook URLs.
const MAX_URL_LEN: usize = 255;

/// Something that happened on a board, before it is matched against subscriptions.
pub(crate) struct Event {
    /// The board whose webhooks see it: the parent board for subitem events.
    board_id: u64,
    /// `WebhookEventType`s this event satisfies, before `config` filtering.
    subscriptions: Vec<&'static str>,
    column_id: Option<String>,
    status_index: Option<i64>,
    payload: Map<String, Value>,
}

/// One POST to make.
pub(crate) struct Delivery {
    pub webhook_id: u64,
    pub url: String,
    pub body: Value,
}

/// The `columnType` monday reports in events (its internal names).
fn event_column_type(kind: &str) -> &str {
    match kind {
        "status" => "color",
        "people" => "multiple-person",
        "numbers" => "numeric",
        "long_text" => "long-text",
        "timeline" => "timerange",
        "checkbox" => "boolean",
        "board_relation" => "board-relation",
        other => other,
    }
}

/// A stored value as event payloads show it.
fn event_value(col: &Column, stored: Option<&Value>) -> Value {
    let Some(v) = stored else {
        return Value::Null;
    };
    match col.kind.as_str() {
        "status" => {
            let id = v.get("index").and_then(Value::as_i64);
            let label = status_labels(&col.settings)
                .into_iter()
                .find(|l| Some(l.id) == id);
            let (color, border) = label
                .as_ref()
                .map(|l| l.style())
                .unwrap_or(("#c4c4c4", "#b0b0b0"));
            json!({"label": {
                "index": id,
                "text": label.as_ref().map(|l| l.label.clone()),
                "style": {"color": color, "border": border, "var_name": label.as_ref().map(|l| l.color.clone())},
                "is_done": label.as_ref().is_some_and(|l| l.is_done),
            }, "post_id": null})
        }
        "text" => json!({"value": v}),
        "numbers" => json!({"value": v.as_str().and_then(|n| n.parse::<f64>().ok()), "unit": null}),
        "board_relation" => {
            json!({"linkedPulseIds": linked_item_ids(Some(v)).iter().map(|id| json!({"linkedPulseId": id})).collect::<Vec<_>>()})
        }
        _ => {
            let mut v = v.clone();
            if let Some(obj) = v.as_object_mut() {
                obj.remove("changed_at");
            }
            v
        }
    }
}

/// Fields every item event carries; `None` if the item or its board is gone.
fn base(
    account: &Account,
    item_id: u64,
    user_id: u64,
    kind: &str,
) -> Option<(u64, bool, Map<String, Value>)> {
    let item = account.items.get(&item_id)?;
    let board = account.boards.get(&item.board_id)?;
    let group = board.groups.iter().find(|g| g.id == item.group_id);
    let mut p = Map::new();
    p.insert("app".into(), json!("monday"));
    p.insert("type".into(), json!(kind));
    p.insert("userId".into(), json!(user_id));
    p.insert("originalTriggerUuid".into(), Value::Null);
    p.insert("boardId".into(), json!(item.board_id));
    p.insert("groupId".into(), json!(item.group_id));
    p.insert("groupName".into(), json!(group.map(|g| g.title.clone())));
    p.insert("groupColor".into(), json!(group.map(|g| g.color.clone())));
    p.insert(
        "isTopGroup".into(),
        json!(board.groups.first().map(|g| &g.id) == Some(&item.group_id)),
    );
    p.insert("pulseId".into(), json!(item.id));
    p.insert("pulseName".into(), json!(item.name));
    let hook_board = match item.parent {
        Some(parent) => {
            p.insert("parentItemId".into(), json!(parent.to_string()));
            let parent_board = board.parent_board.unwrap_or_default();
            p.insert("parentItemBoardId".into(), json!(parent_board.to_string()));
            parent_board
        }
        None => item.board_id,
    };
    Some((hook_board, item.parent.is_some(), p))
}

/// Events for a changed column (or `name`) of an item; `previous` is the value before.
pub(crate) fn value_changed(
    account: &Account,
    item_id: u64,
    column_id: &str,
    previous: Option<Value>,
    user_id: u64,
) -> Option<Event> {
    let item = account.items.get(&item_id)?;
    if column_id == "name" {
        let (board_id, sub, mut p) = base(account, item_id, user_id, "update_name")?;
        p.insert("columnId".into(), json!("name"));
        p.insert("columnType".into(), json!("name"));
        p.insert("columnTitle".into(), json!("Name"));
        p.insert("value".into(), json!({"name": item.name}));
        p.insert("previousValue".into(), json!({"name": previous}));
        p.insert(
            "changedAt".into(),
            json!(account.now().timestamp_millis() as f64 / 1000.0),
        );
        let subscriptions = vec![if sub {
            "change_subitem_name"
        } else {
            "change_name"
        }];
        return Some(Event {
            board_id,
            subscriptions,
            column_id: Some("name".into()),
            status_index: None,
            payload: p,
        });
    }
    let col = account
        .boards
        .get(&item.board_id)?
        .columns
        .iter()
        .find(|c| c.id == column_id)?;
    let stored = item.values.get(column_id);
    let (board_id, sub, mut p) = base(account, item_id, user_id, "update_column_value")?;
    p.insert("columnId".into(), json!(col.id));
    p.insert("columnType".into(), json!(event_column_type(&col.kind)));
    p.insert("columnTitle".into(), json!(col.title));
    p.insert("value".into(), event_value(col, stored));
    p.insert("previousValue".into(), event_value(col, previous.as_ref()));
    p.insert(
        "changedAt".into(),
        json!(account.now().timestamp_millis() as f64 / 1000.0),
    );
    let subscriptions = match (sub, col.kind.as_str()) {
        (true, _) => vec!["change_subitem_column_value"],
        (false, "status") => vec![
            "change_column_value",
            "change_specific_column_value",
            "change_status_column_value",
        ],
        (false, _) => vec!["change_column_value", "change_specific_column_value"],
    };
    let status_index = stored.and_then(|v| v.get("index")).and_then(Value::as_i64);
    Some(Event {
        board_id,
        subscriptions,
        column_id: Some(col.id.clone()),
        status_index,
        payload: p,
    })
}

pub(crate) fn item_created(account: &Account, item_id: u64, user_id: u64) -> Option<Event> {
    let (board_id, sub, mut p) = base(account, item_id, user_id, "create_pulse")?;
    p.insert("itemId".into(), json!(item_id));
    p.insert("columnValues".into(), json!({}));
    let subscriptions = vec![if sub { "create_subitem" } else { "create_item" }];
    Some(Event {
        board_id,
        subscriptions,
        column_id: None,
        status_index: None,
        payload: p,
    })
}

pub(crate) fn item_removed(
    account: &Account,
    item_id: u64,
    deleted: bool,
    user_id: u64,
) -> Option<Event> {
    let kind = if deleted {
        "delete_pulse"
    } else {
        "archive_pulse"
    };
    let (board_id, sub, mut p) = base(account, item_id, user_id, kind)?;
    p.insert("itemId".into(), json!(item_id));
    p.insert(
        "itemName".into(),
        p.get("pulseName").cloned().unwrap_or(Value::Null),
    );
    let subscriptions = vec![match (deleted, sub) {
        (true, false) => "item_deleted",
        (true, true) => "subitem_deleted",
        (false, false) => "item_archived",
        (false, true) => "subitem_archived",
    }];
    Some(Event {
        board_id,
        subscriptions,
        column_id: None,
        status_index: None,
        payload: p,
    })
}

pub(crate) fn update_created(account: &Account, update_id: u64, user_id: u64) -> Option<Event> {
    let update = account.updates.get(&update_id)?;
    let (board_id, sub, mut p) = base(account, update.item_id, user_id, "create_update")?;
    p.insert("updateId".into(), json!(update.id));
    p.insert("replyId".into(), Value::Null);
    p.insert("body".into(), json!(update.body));
    p.insert("textBody".into(), json!(update.body));
    let subscriptions = vec![if sub {
        "create_subitem_update"
    } else {
        "create_update"
    }];
    Some(Event {
        board_id,
        subscriptions,
        column_id: None,
        status_index: None,
        payload: p,
    })
}

fn config_matches(hook: &Webhook, event: &Event) -> bool {
    let Some(config) = &hook.config else {
        return true;
    };
    if let Some(col) = config.get("columnId").and_then(Value::as_str) {
        if event.column_id.as_deref() != Some(col) {
            return false;
        }
    }
    match config.get("columnValue") {
        Some(v) if v.get("$any$").and_then(Value::as_bool) == Some(true) => true,
        Some(v) => match v.get("index").and_then(Value::as_i64) {
            Some(index) => event.status_index == Some(index),
            None => true,
        },
        None => true,
    }
}

/// Matches events against the account's webhooks.
pub(crate) fn deliveries(account: &Account, events: &[Event]) -> Vec<Delivery> {
    let now = iso(account.now());
    let mut out = Vec::new();
    for event in events {
        for hook in account.webhooks.values() {
            if hook.board_id != event.board_id
                || !event.subscriptions.contains(&hook.event.as_str())
                || !config_matches(hook, event)
            {
                continue;
            }
            let mut payload = event.payload.clone();
            payload.insert("subscriptionId".into(), json!(hook.id));
            payload.insert(
                "triggerUuid".into(),
                json!(uuid::Uuid::new_v4().simple().to_string()),
            );
            payload.insert("triggerTime".into(), json!(now));
            payload.insert("isRetry".into(), json!(false));
            out.push(Delivery {
                webhook_id: hook.id,
                url: hook.url.clone(),
                body: json!({ "event": payload }),
            });
        }
    }
    out
}

/// POSTs each delivery in order; returns the HTTP statuses (0 when the request failed).
pub(crate) async fn deliver_all(shared: &Arc<Shared>, deliveries: Vec<Delivery>) -> Vec<u16> {
    let mut statuses = Vec::with_capacity(deliveries.len());
    for d in deliveries {
        let status = match shared.http.post(&d.url).json(&d.body).send().await {
            Ok(resp) => resp.status().as_u16(),
            Err(e) => {
                tracing::debug!(url = %d.url, error = %e, "monday sandbox: webhook delivery failed");
                0
            }
        };
        shared.lock().webhook_log.push(WebhookDelivery {
            webhook_id: d.webhook_id.to_string(),
            url: d.url,
            body: d.body,
            status,
        });
        statuses.push(status);
    }
    statuses
}

/// Delivers in the background, as monday does after answering the mutation.
pub(crate) fn spawn_deliveries(shared: &Arc<Shared>, deliveries: Vec<Delivery>) {
    if deliveries.is_empty() {
        return;
    }
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        deliver_all(&shared, deliveries).await;
    });
}

/// `create_webhook`: validates, runs the challenge handshake (outside the lock), then registers.
pub(crate) async fn create_webhook(
    shared: &Arc<Shared>,
    args: &Args,
) -> Result<Resolved, GqlError> {
    let board_id = args.id("board_id")?.unwrap_or_default();
    let url = args.str("url").unwrap_or_default().to_string();
    let event = args.str("event").unwrap_or_default().to_string();
    // `config: JSON` is "a JSON formatted string", like `column_values`: an object is refused.
    let config = super::item_writes::json_object_arg(args, "config")?.map(Value::Object);
    {
        let inner = shared.lock();
        let board = inner.account.boards.get(&board_id).ok_or_else(|| {
            GqlError::new("InvalidArgumentException", "Board not found")
                .with_data(json!({"board_id": board_id.to_string()}))
        })?;
        if board.parent_board.is_some() {
            return Err(GqlError::new(
                "InvalidArgumentException",
                "Creating webhook on subitems board isn't allowed",
            )
            .with_data(json!({"board_id": board_id.to_string()})));
        }
        let parsed = url::Url::parse(&url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        if parsed.is_none() || url.len() > MAX_URL_LEN {
            return Err(GqlError::new(
                "InvalidArgumentException",
                format!(
                    "The webhook URL must be an http(s) URL of at most {MAX_URL_LEN} characters"
                ),
            )
            .with_data(json!({"url": url})));
        }
        if let Some(col) = config
            .as_ref()
            .and_then(|c| c.get("columnId"))
            .and_then(Value::as_str)
        {
            if !board.columns.iter().any(|c| c.id == col) {
                return Err(super::mutations::column_not_found(board_id, col));
            }
        } else if event == "change_specific_column_value" {
            return Err(GqlError::new(
                "InvalidArgumentException",
                "change_specific_column_value needs config {\"columnId\": \"...\"}",
            ));
        }
    }
    challenge(shared, &url).await?;
    let mut inner = shared.lock();
    let id = inner.account.new_webhook_id();
    inner.account.webhooks.insert(
        id,
        Webhook {
            id,
            board_id,
            url,
            event: event.clone(),
            config: config.clone(),
        },
    );
    Ok(Resolved::Obj(Obj::Webhook {
        id,
        board_id,
        event,
        config,
    }))
}

/// POSTs `{"challenge": "<random>"}` and requires the identical JSON echoed with HTTP 200.
async fn challenge(shared: &Arc<Shared>, url: &str) -> Result<(), GqlError> {
    use rand::distributions::{Alphanumeric, DistString};
    let token = Alphanumeric.sample_string(&mut rand::thread_rng(), 52);
    let failed = |why: String| {
        GqlError::new("InvalidArgumentException", format!("Webhook URL verification failed: {why}. The endpoint must answer the challenge POST with HTTP 200 and the same JSON body"))
            .with_data(json!({"url": url}))
    };
    let resp = shared
        .http
        .post(url)
        .json(&json!({"challenge": token}))
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if status.as_u16() != 200 {
        return Err(failed(format!("answered HTTP {status}")));
    }
    if body.get("challenge").and_then(Value::as_str) != Some(token.as_str()) {
        return Err(failed("the response did not echo the challenge".into()));
    }
    Ok(())
}
