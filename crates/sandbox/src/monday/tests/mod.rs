//! Tests for the monday sandbox, driven over HTTP with reqwest as the connector would.

mod columns;
mod protocol;
mod resilience;
mod webhooks;

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use super::{Faults, MondaySandbox, SandboxColumn};

pub(super) const TOKEN: &str = "test-token";

pub(super) async fn sandbox() -> MondaySandbox {
    let sandbox = MondaySandbox::start().await.expect("sandbox starts");
    sandbox.add_token(TOKEN);
    sandbox
}

pub(super) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("client builds")
}

/// A board with one column of every supported type.
pub(super) fn all_types_board(sandbox: &MondaySandbox) -> String {
    sandbox.create_board(
        "Invoices",
        &[
            SandboxColumn::new("zoho_id", "Zoho ID", "text"),
            SandboxColumn::new("notes", "Notes", "long_text"),
            SandboxColumn::new("amount", "Amount", "numbers"),
            SandboxColumn::new("due", "Due", "date"),
            SandboxColumn::status("status", "Status", &["Draft", "Sent", "Paid"]),
            SandboxColumn::dropdown("tags", "Tags", &["EU", "US"]),
            SandboxColumn::new("email", "Email", "email"),
            SandboxColumn::new("link", "Link", "link"),
            SandboxColumn::new("phone", "Phone", "phone"),
            SandboxColumn::new("country", "Country", "country"),
            SandboxColumn::new("period", "Period", "timeline"),
            SandboxColumn::new("paid", "Paid", "checkbox"),
            SandboxColumn::new("owner", "Owner", "people"),
            SandboxColumn::new("related", "Related", "board_relation"),
        ],
    )
}

/// Sends a raw request; returns status, headers and parsed body.
pub(super) async fn send(
    sandbox: &MondaySandbox,
    headers: &[(&str, &str)],
    body: Value,
) -> (u16, HeaderMap, Value) {
    let mut req = client().post(sandbox.api_url()).json(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

/// An authorized GraphQL call.
pub(super) async fn gql(
    sandbox: &MondaySandbox,
    query: &str,
    variables: Value,
) -> (u16, HeaderMap, Value) {
    send(
        sandbox,
        &[("Authorization", TOKEN), ("API-Version", "2026-10")],
        json!({"query": query, "variables": variables}),
    )
    .await
}

/// Creates an item through the API; returns (HTTP status, body).
pub(super) async fn create_item(
    sandbox: &MondaySandbox,
    board: &str,
    name: &str,
    values: Value,
) -> (u16, Value) {
    let (status, _, body) = gql(
        sandbox,
        "mutation ($b: ID!, $n: String!, $cv: JSON) { create_item(board_id: $b, item_name: $n, column_values: $cv) { id name } }",
        json!({"b": board, "n": name, "cv": values.to_string()}),
    )
    .await;
    (status, body)
}

/// The first error's `extensions.code`.
pub(super) fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}
