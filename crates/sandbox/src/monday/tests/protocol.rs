//! The envelope, GraphQL validation, headers, queries and structure mutations.

use serde_json::{json, Value};

use super::{code, create_item, gql, sandbox, send, SandboxColumn, TOKEN};

#[tokio::test]
async fn unknown_status_label_answers_200_with_a_column_value_exception() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board(
        "B",
        &[SandboxColumn::status(
            "status",
            "Status",
            &["Draft", "Sent"],
        )],
    );
    let (_, body) = create_item(&sandbox, &board, "x", json!({})).await;
    let item = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let (status, headers, body) = gql(
        &sandbox,
        "mutation ($b: ID!, $i: ID!) {\n  change_column_value(board_id: $b, item_id: $i, column_id: \"status\", value: \"{\\\"label\\\":\\\"Paid\\\"}\") { id }\n}",
        json!({"b": board, "i": item}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["api-version"], "2026-10");
    assert_eq!(body["data"]["change_column_value"], Value::Null);
    let err = &body["errors"][0];
    assert!(err["message"]
        .as_str()
        .expect("message")
        .starts_with("invalid value - label does not exist in column."));
    assert_eq!(err["path"], json!(["change_column_value"]));
    assert_eq!(err["locations"], json!([{"line": 2, "column": 3}]));
    assert_eq!(err["extensions"]["code"], json!("ColumnValueException"));
    assert_eq!(err["extensions"]["status_code"], json!(200));
    assert_eq!(
        err["extensions"]["error_data"]["column_type"],
        json!("status")
    );
    assert!(body["extensions"]["request_id"].is_string());
}

#[tokio::test]
async fn aliased_mutations_run_in_order_with_per_field_errors() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[SandboxColumn::new("text", "Text", "text")]);
    let (status, _, body) = gql(
        &sandbox,
        "mutation ($b: ID!) { complexity { query } \
         m1: create_item(board_id: $b, item_name: \"one\", column_values: \"{\\\"text\\\":\\\"a\\\"}\") { id name } \
         m2: create_item(board_id: $b, item_name: \"two\", column_values: \"{\\\"missing\\\":\\\"a\\\"}\") { id } \
         m3: create_item(board_id: $b, item_name: \"three\") { id name } }",
        json!({"b": board}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["m1"]["name"], json!("one"));
    assert_eq!(body["data"]["m2"], Value::Null);
    assert_eq!(body["data"]["m3"]["name"], json!("three"));
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["errors"][0]["path"], json!(["m2"]));
    assert_eq!(code(&body), "InvalidColumnIdException");
    assert_eq!(
        body["data"]["complexity"]["query"],
        json!(30_005),
        "three creates plus their five fields"
    );
    let names: Vec<String> = sandbox.items(&board).into_iter().map(|i| i.name).collect();
    assert_eq!(names, ["one", "three"]);
    let stats = sandbox.stats();
    assert_eq!((stats.mutations, stats.creates), (3, 2));
}

#[tokio::test]
async fn requests_are_validated_against_the_schema() {
    let sandbox = sandbox().await;
    let (status, _, body) = gql(&sandbox, "{ boards { id new_field } }", json!({})).await;
    assert_eq!(status, 200);
    assert!(body.get("data").is_none());
    assert_eq!(code(&body), "undefinedField");
    assert_eq!(
        body["errors"][0]["message"],
        json!("Field 'new_field' doesn't exist on type 'Board'")
    );
    assert_eq!(
        body["errors"][0]["extensions"]["fieldName"],
        json!("new_field")
    );
    let (_, _, body) = gql(&sandbox, "{ no_such_root }", json!({})).await;
    assert_eq!(code(&body), "undefinedField");
    let (_, _, body) = gql(&sandbox, "{ boards { id }", json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .starts_with("Parse error on"),
        "{body}"
    );
    let (_, _, body) = gql(
        &sandbox,
        "mutation { create_item(board_id: 1) { id } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&body), "missingRequiredArguments");
    let (status, _, body) = send(
        &sandbox,
        &[("Authorization", TOKEN)],
        json!({"query": "query ($ids: [ID!]) { boards(ids: $ids) { id } }", "variables": "{\"ids\": [1]}"}),
    )
    .await;
    assert_eq!(
        status, 400,
        "JSON-encoded variables are rejected since 2025-04: {body}"
    );
}

#[tokio::test]
async fn auth_version_and_rate_limit_headers() {
    let sandbox = sandbox().await;
    let query = json!({"query": "{ me { id name } version { kind value } }"});
    for headers in [
        vec![],
        vec![("Authorization", "Bearer test-token")],
        vec![("Authorization", "wrong")],
    ] {
        let (status, _, body) = send(&sandbox, &headers, query.clone()).await;
        assert_eq!(status, 401);
        assert_eq!(code(&body), "Unauthorized");
    }
    let (status, headers, body) = send(
        &sandbox,
        &[("Authorization", TOKEN), ("API-Version", "2026-07")],
        query.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["api-version"], "2026-07");
    assert_eq!(
        body["data"]["version"],
        json!({"kind": "maintenance", "value": "2026-07"})
    );
    assert!(body["data"]["me"]["id"].is_string());
    let policy = headers["ratelimit-policy"].to_str().expect("policy");
    assert!(
        policy.contains("\"complexityMinute\";q=10000000;w=60"),
        "{policy}"
    );
    assert!(headers["ratelimit"]
        .to_str()
        .expect("ratelimit")
        .contains("\"minuteRate\";r=4999"));
    let (_, headers, body) = send(&sandbox, &[("Authorization", TOKEN)], query.clone()).await;
    assert_eq!(headers["api-version"], "2026-10", "no header → current");
    assert_eq!(body["data"]["version"]["kind"], json!("current"));
    let (_, _, body) = send(
        &sandbox,
        &[("Authorization", TOKEN), ("API-Version", "2026-13")],
        query,
    )
    .await;
    assert_eq!(code(&body), "InvalidVersionException");
}

#[tokio::test]
async fn pages_and_lookups_by_column_value() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("B", &[SandboxColumn::new("zoho_id", "Zoho ID", "text")]);
    for n in 0..5 {
        create_item(
            &sandbox,
            &board,
            &format!("INV-{n}"),
            json!({"zoho_id": format!("ZB-{n}")}),
        )
        .await;
    }
    let (_, _, body) = gql(
        &sandbox,
        "query ($b: [ID!]) { boards(ids: $b) { name items_page(limit: 2) { cursor items { id name group { id } } } } }",
        json!({"b": [board]}),
    )
    .await;
    let page = &body["data"]["boards"][0]["items_page"];
    assert_eq!(page["items"][1]["name"], json!("INV-1"));
    assert_eq!(page["items"][0]["group"]["id"], json!("topics"));
    let mut cursor = page["cursor"].as_str().expect("more pages").to_string();
    let mut names = Vec::new();
    loop {
        let (_, _, body) = gql(&sandbox, "query ($c: String!) { next_items_page(cursor: $c, limit: 2) { cursor items { name } } }", json!({"c": cursor})).await;
        let page = &body["data"]["next_items_page"];
        names.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["name"].clone()),
        );
        match page["cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(names, [json!("INV-2"), json!("INV-3"), json!("INV-4")]);

    let lookup = "query ($b: ID!, $v: [String]!) { items_page_by_column_values(board_id: $b, limit: 50, columns: [{column_id: \"zoho_id\", column_values: $v}]) { cursor items { id name } } }";
    let (_, _, body) = gql(&sandbox, lookup, json!({"b": board, "v": ["zb-3"]})).await;
    assert_eq!(
        body["data"]["items_page_by_column_values"]["items"],
        json!([{"id": sandbox.items(&board)[3].id, "name": "INV-3"}])
    );
    let (_, _, body) = gql(&sandbox, lookup, json!({"b": board, "v": ["ZB"]})).await;
    assert_eq!(
        body["data"]["items_page_by_column_values"]["items"],
        json!([]),
        "whole-value matches only"
    );
    let (_, _, body) = gql(
        &sandbox,
        lookup.replace("zoho_id", "nope").as_str(),
        json!({"b": board, "v": ["x"]}),
    )
    .await;
    assert_eq!(code(&body), "InvalidColumnIdException");
}

#[tokio::test]
async fn subitems_live_on_their_own_board() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("Invoices", &[]);
    let (_, body) = create_item(&sandbox, &board, "INV-1", json!({})).await;
    let parent = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let sub_mutation = "mutation ($p: ID!, $cv: JSON) { create_subitem(parent_item_id: $p, item_name: \"Line 1\", column_values: $cv) { id board { id } parent_item { id } } }";
    let (_, _, body) = gql(&sandbox, sub_mutation, json!({"p": parent, "cv": "{}"})).await;
    assert_eq!(
        code(&body),
        "InvalidArgumentException",
        "no subitems board yet: {body}"
    );

    let sub_board =
        sandbox.add_subitems_board(&board, &[SandboxColumn::new("qty", "Qty", "numbers")]);
    let (_, _, body) = gql(
        &sandbox,
        sub_mutation,
        json!({"p": parent, "cv": "{\"qty\":\"3\"}"}),
    )
    .await;
    assert_eq!(
        body["data"]["create_subitem"]["board"]["id"],
        json!(sub_board),
        "{body}"
    );
    assert_eq!(
        body["data"]["create_subitem"]["parent_item"]["id"],
        json!(parent)
    );
    let (_, _, body) = gql(
        &sandbox,
        "query ($b: [ID!]) { boards(ids: $b) { columns(types: [subtasks]) { id settings } } }",
        json!({"b": [board]}),
    )
    .await;
    assert_eq!(
        body["data"]["boards"][0]["columns"][0]["settings"]["boardIds"],
        json!([sub_board.parse::<u64>().expect("id")])
    );
    let items = sandbox.items(&board);
    assert_eq!(items[0].subitems[0].texts["qty"], "3");
    assert_eq!(
        sandbox
            .board_snapshot(&board)
            .expect("board")
            .subitems_board_id,
        Some(sub_board)
    );
}

#[tokio::test]
async fn structure_mutations_build_a_usable_board() {
    let sandbox = sandbox().await;
    let (_, _, body) = gql(
        &sandbox,
        "mutation { create_board(board_name: \"Bills\", board_kind: public, empty: true) { id } }",
        json!({}),
    )
    .await;
    let board = body["data"]["create_board"]["id"]
        .as_str()
        .expect("board")
        .to_string();
    let (_, _, body) = gql(
        &sandbox,
        "mutation ($b: ID!) { s: create_status_column(board_id: $b, title: \"State\", id: \"state\", defaults: {labels: [{label: \"Open\", color: working_orange, index: 0}, {label: \"Paid\", color: done_green, index: 3, is_done: true}]}) { id type settings } \
         t: create_column(board_id: $b, title: \"Zoho ID\", column_type: text, id: \"zoho_id\") { id } \
         sub: create_column(board_id: $b, title: \"Lines\", column_type: subtasks) { id type } \
         g: create_group(board_id: $b, group_name: \"2026\") { id title } }",
        json!({"b": board}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["s"]["settings"]["labels"][1]["id"], json!(3));
    assert_eq!(body["data"]["sub"]["type"], json!("subtasks"));
    let group = body["data"]["g"]["id"].as_str().expect("group").to_string();
    let (_, _, body) = gql(
        &sandbox,
        "mutation ($b: ID!, $g: String) { create_item(board_id: $b, group_id: $g, item_name: \"B-1\", column_values: \"{\\\"state\\\":{\\\"index\\\":3}}\") { id group { title } column_values(ids: [\"state\"]) { text ... on StatusValue { is_done } } } }",
        json!({"b": board, "g": group}),
    )
    .await;
    let item = &body["data"]["create_item"];
    assert_eq!(item["group"]["title"], json!("2026"));
    assert_eq!(
        item["column_values"][0],
        json!({"text": "Paid", "is_done": true})
    );
    assert!(sandbox
        .board_snapshot(&board)
        .expect("board")
        .subitems_board_id
        .is_some());
}

#[tokio::test]
async fn complexity_budget_is_exhausted_then_resets() {
    let sandbox = sandbox().await;
    sandbox.create_board("B", &[]);
    // 1 + 500 × (10 + 500 × (1 + 1 + 10 × 1)) ≈ 3M points each.
    let heavy = "{ complexity { before after query } boards(limit: 500) { items_page(limit: 500) { items { id column_values { text } } } } }";
    let mut last = Value::Null;
    for _ in 0..3 {
        let (status, _, body) = gql(&sandbox, heavy, json!({})).await;
        assert_eq!(status, 200, "{body}");
        last = body;
    }
    assert!(
        last["data"]["complexity"]["after"]
            .as_u64()
            .expect("complexity.after")
            < 2_000_000
    );
    let (status, headers, body) = gql(&sandbox, heavy, json!({})).await;
    assert_eq!(status, 429);
    assert_eq!(code(&body), "COMPLEXITY_BUDGET_EXHAUSTED");
    let wait = body["errors"][0]["extensions"]["retry_in_seconds"]
        .as_u64()
        .expect("retry_in_seconds");
    assert!((1..=60).contains(&wait));
    assert_eq!(
        headers["retry-after"].to_str().expect("header"),
        wait.to_string()
    );
    sandbox.advance_time(std::time::Duration::from_secs(61));
    let (status, _, _) = gql(&sandbox, heavy, json!({})).await;
    assert_eq!(status, 200, "a new window after a minute");
    let (_, _, body) = gql(
        &sandbox,
        "{ boards(limit: 2000) { items_page(limit: 500) { items { column_values { text } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(code(&body), "maxComplexityExceeded");
}

#[tokio::test]
async fn archive_delete_updates_and_html_pages() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board("Demo board", &[SandboxColumn::new("t", "T", "text")]);
    let (_, a) = create_item(&sandbox, &board, "keep", json!({"t": "hello"})).await;
    let (_, b) = create_item(&sandbox, &board, "gone", json!({})).await;
    let (a, b) = (
        a["data"]["create_item"]["id"].clone(),
        b["data"]["create_item"]["id"].clone(),
    );
    let (_, _, body) = gql(
        &sandbox,
        "mutation ($a: ID!, $b: ID!) { u: create_update(item_id: $a, body: \"<p>Synced</p>\") { id text_body } x: archive_item(item_id: $a) { id state } d: delete_item(item_id: $b) { id state } }",
        json!({"a": a, "b": b}),
    )
    .await;
    assert_eq!(body["data"]["u"]["text_body"], json!("Synced"));
    assert_eq!(body["data"]["x"]["state"], json!("archived"));
    assert_eq!(body["data"]["d"]["state"], json!("deleted"));
    let items = sandbox.items(&board);
    assert_eq!(items.len(), 1);
    assert!(items[0].archived);

    let http = super::client();
    let index = http
        .get(sandbox.base_url())
        .send()
        .await
        .expect("index")
        .text()
        .await
        .expect("text");
    assert!(index.contains("Demo board"));
    let page = http
        .get(
            sandbox
                .base_url()
                .join(&format!("boards/{board}"))
                .expect("url"),
        )
        .send()
        .await
        .expect("page");
    let html = page.text().await.expect("html");
    assert!(
        html.contains("http-equiv=\"refresh\"") && html.contains("hello"),
        "{html}"
    );
}
