//! Column values: every type's valid and invalid formats (§3).

use serde_json::{json, Value};

use super::{all_types_board, code, create_item, gql, sandbox, SandboxColumn};

async fn related_target(sandbox: &super::MondaySandbox) -> String {
    let customers = sandbox.create_board("Customers", &[]);
    let (_, body) = create_item(sandbox, &customers, "Acme Ltd", json!({})).await;
    body["data"]["create_item"]["id"]
        .as_str()
        .expect("customer created")
        .to_string()
}

#[tokio::test]
async fn every_column_type_accepts_its_documented_format() {
    let sandbox = sandbox().await;
    let board = all_types_board(&sandbox);
    let customer = related_target(&sandbox).await;
    let values = json!({
        "zoho_id": "460000000012345",
        "notes": {"text": "line1\nline2"},
        "amount": "1250.50",
        "due": {"date": "2026-11-20"},
        "status": {"label": "Sent"},
        "tags": {"labels": ["EU"]},
        "email": {"email": "ap@acme.test", "text": "Acme AP"},
        "link": {"url": "https://books.zoho.com/app#/invoices/1", "text": "Open in Zoho"},
        "phone": {"phone": "+12025550169", "countryShortName": "US"},
        "country": {"countryCode": "US", "countryName": "United States"},
        "period": {"from": "2026-03-01", "to": "2026-03-15"},
        "paid": {"checked": "true"},
        "owner": {"personsAndTeams": [{"id": 48202303, "kind": "person"}]},
        "related": {"item_ids": [customer.parse::<u64>().expect("numeric id")]},
    });
    let (status, body) = create_item(&sandbox, &board, "INV-000123 · Acme Ltd", values).await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    let id = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item id")
        .to_string();
    assert!(
        id.parse::<u64>().expect("numeric") > u64::from(u32::MAX),
        "ids exceed 32 bits"
    );

    let item = sandbox.item(&id).expect("item stored");
    let expected_texts = [
        ("zoho_id", "460000000012345"),
        ("notes", "line1\nline2"),
        ("amount", "1250.50"),
        ("due", "2026-11-20"),
        ("status", "Sent"),
        ("tags", "EU"),
        ("email", "ap@acme.test"),
        (
            "link",
            "https://books.zoho.com/app#/invoices/1 - Open in Zoho",
        ),
        ("phone", "+12025550169"),
        ("country", "United States"),
        ("period", "2026-03-01 - 2026-03-15"),
        ("paid", "v"),
        ("owner", "User 48202303"),
        ("related", "Acme Ltd"),
    ];
    for (col, text) in expected_texts {
        assert_eq!(
            item.texts.get(col).map(String::as_str),
            Some(text),
            "text of {col}"
        );
    }
    assert_eq!(item.values["amount"], json!("1250.50"));
    assert_eq!(item.values["status"]["index"], json!(1));
    assert_eq!(item.values["status"]["label"], json!("Sent"));
    assert_eq!(item.values["due"]["date"], json!("2026-11-20"));

    let (_, _, read) = gql(
        &sandbox,
        "query ($ids: [ID!]) { items(ids: $ids) { id name board { id } column_values { id type text value \
         ... on StatusValue { index label } ... on BoardRelationValue { linked_item_ids display_value } \
         ... on NumbersValue { number } } } }",
        json!({"ids": [id]}),
    )
    .await;
    let cvs = read["data"]["items"][0]["column_values"]
        .as_array()
        .expect("column values")
        .clone();
    let cv = |id: &str| {
        cvs.iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(read["data"]["items"][0]["board"]["id"], json!(board));
    assert_eq!(
        cv("amount")["value"],
        json!("\"1250.50\""),
        "value is JSON-encoded"
    );
    assert_eq!(cv("amount")["number"], json!(1250.5));
    assert_eq!(cv("status")["type"], json!("status"));
    assert_eq!(cv("status")["label"], json!("Sent"));
    assert_eq!(cv("status")["index"], json!(1));
    assert_eq!(
        cv("related")["text"],
        Value::Null,
        "board_relation text is null since 2025-04"
    );
    assert_eq!(cv("related")["value"], Value::Null);
    assert_eq!(cv("related")["linked_item_ids"], json!([customer]));
    assert_eq!(cv("related")["display_value"], json!("Acme Ltd"));
    let parsed: Value =
        serde_json::from_str(cv("due")["value"].as_str().expect("date value")).expect("json");
    assert_eq!(parsed["date"], json!("2026-11-20"));
}

#[tokio::test]
async fn invalid_values_are_rejected_per_type_and_leave_the_item_unchanged() {
    let sandbox = sandbox().await;
    let board = all_types_board(&sandbox);
    let (_, body) = create_item(&sandbox, &board, "INV-1", json!({"amount": "10"})).await;
    let item = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let cases = [
        ("zoho_id", "text", json!({"text": "x"})),
        ("notes", "long_text", json!("plain string")),
        ("notes", "long_text", json!({"text": "x".repeat(2001)})),
        ("amount", "numbers", json!("12,50")),
        ("due", "date", json!({"date": "20-11-2026"})),
        ("due", "date", json!("2026-11-20")),
        ("status", "status", json!({"label": "Unknown"})),
        ("status", "status", json!({"index": 9})),
        ("tags", "dropdown", json!({"labels": ["APAC"]})),
        ("email", "email", json!({"email": "ap@acme.test"})),
        (
            "link",
            "link",
            json!({"url": "books.zoho.com", "text": "x"}),
        ),
        (
            "phone",
            "phone",
            json!({"phone": "12ab", "countryShortName": "US"}),
        ),
        (
            "country",
            "country",
            json!({"countryCode": "USA", "countryName": "United States"}),
        ),
        (
            "period",
            "timeline",
            json!({"from": "2026-03-15", "to": "2026-03-01"}),
        ),
        ("paid", "checkbox", json!({"checked": "yes"})),
        (
            "owner",
            "people",
            json!({"personsAndTeams": [{"id": "48202303", "kind": "person"}]}),
        ),
        ("related", "board_relation", json!({"item_ids": [1]})),
    ];
    for (col, kind, value) in cases {
        let (status, _, body) = gql(
            &sandbox,
            "mutation ($b: ID!, $i: ID!, $cv: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, column_values: $cv) { id } }",
            json!({"b": board, "i": item, "cv": json!({ col: value }).to_string()}),
        )
        .await;
        assert_eq!(status, 200, "{col}: {body}");
        assert_eq!(code(&body), "ColumnValueException", "{col} {value}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["error_data"]["column_type"],
            json!(kind)
        );
        assert_eq!(body["data"]["change_multiple_column_values"], Value::Null);
    }
    let stored = sandbox.item(&item).expect("item");
    assert_eq!(
        stored.values.len(),
        1,
        "only the initial amount: {:?}",
        stored.values
    );
    assert_eq!(stored.values["amount"], json!("10"));
}

#[tokio::test]
async fn null_clears_and_empty_number_string_sets_zero() {
    let sandbox = sandbox().await;
    let board = all_types_board(&sandbox);
    let initial = json!({"zoho_id": "Z1", "amount": "5", "status": {"label": "Paid"}, "due": {"date": "2026-01-02"}});
    let (_, body) = create_item(&sandbox, &board, "INV-2", initial).await;
    let item = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let (_, _, body) = gql(
        &sandbox,
        "mutation ($b: ID!, $i: ID!, $cv: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, column_values: $cv) { id name } }",
        json!({"b": board, "i": item, "cv": json!({"zoho_id": null, "amount": "", "status": {}, "due": null, "name": "INV-2 renamed"}).to_string()}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["change_multiple_column_values"]["name"],
        json!("INV-2 renamed")
    );
    let stored = sandbox.item(&item).expect("item");
    assert_eq!(stored.values.keys().collect::<Vec<_>>(), vec!["amount"]);
    assert_eq!(
        stored.values["amount"],
        json!("0"),
        "\"\" sets numbers to 0, as monday does"
    );
}

#[tokio::test]
async fn status_by_label_id_and_create_labels_if_missing() {
    let sandbox = sandbox().await;
    let board = sandbox.create_board(
        "B",
        &[
            SandboxColumn::new("s", "Status", "status")
                .with_settings(json!({"labels": {"0": "Working on it", "1": "Done", "7": "2023"}})),
            SandboxColumn::dropdown("d", "Dropdown", &["A"]),
        ],
    );
    let (_, body) = create_item(&sandbox, &board, "x", json!({"s": {"index": 7}})).await;
    let item = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    assert_eq!(sandbox.item(&item).expect("item").texts["s"], "2023");
    // Numeric label text is read as a label id.
    let (_, body) = create_item(&sandbox, &board, "y", json!({"s": {"label": "1"}})).await;
    let other = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    assert_eq!(sandbox.item(&other).expect("item").texts["s"], "Done");

    let (_, _, body) = gql(
        &sandbox,
        "mutation ($b: ID!, $i: ID!, $cv: JSON!) { change_multiple_column_values(board_id: $b, item_id: $i, column_values: $cv, create_labels_if_missing: true) { id } }",
        json!({"b": board, "i": item, "cv": json!({"s": {"label": "Overdue"}, "d": {"labels": ["A", "B"]}}).to_string()}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let stored = sandbox.item(&item).expect("item");
    assert_eq!(stored.texts["s"], "Overdue");
    assert_eq!(stored.texts["d"], "A, B");
    let snapshot = sandbox.board_snapshot(&board).expect("board");
    let status = snapshot
        .columns
        .iter()
        .find(|c| c.id == "s")
        .expect("status column");
    assert_eq!(
        status.settings["labels"]["8"],
        json!("Overdue"),
        "added in the settings' own shape"
    );
}

#[tokio::test]
async fn simple_values_and_their_unsupported_types() {
    let sandbox = sandbox().await;
    let board = all_types_board(&sandbox);
    let (_, body) = create_item(&sandbox, &board, "x", json!({})).await;
    let item = body["data"]["create_item"]["id"]
        .as_str()
        .expect("item")
        .to_string();
    let simple = "mutation ($b: ID!, $i: ID!, $c: String!, $v: String) { change_simple_column_value(board_id: $b, item_id: $i, column_id: $c, value: $v) { id } }";
    for (col, value) in [
        ("status", "Paid"),
        ("amount", "42.5"),
        ("due", "2026-01-02 09:30:00"),
        ("email", "a@b.co Billing"),
    ] {
        let (_, _, body) = gql(
            &sandbox,
            simple,
            json!({"b": board, "i": item, "c": col, "v": value}),
        )
        .await;
        assert!(body.get("errors").is_none(), "{col}: {body}");
    }
    let stored = sandbox.item(&item).expect("item");
    assert_eq!(stored.texts["status"], "Paid");
    assert_eq!(stored.texts["amount"], "42.5");
    assert_eq!(stored.texts["due"], "2026-01-02 09:30");
    assert_eq!(stored.values["email"]["text"], json!("Billing"));
    let (_, _, body) = gql(
        &sandbox,
        simple,
        json!({"b": board, "i": item, "c": "country", "v": "US"}),
    )
    .await;
    assert_eq!(code(&body), "CorrectedValueException");
    let (_, _, body) = gql(
        &sandbox,
        simple,
        json!({"b": board, "i": item, "c": "link", "v": "https://x.test"}),
    )
    .await;
    assert_eq!(
        code(&body),
        "ColumnValueException",
        "a simple link needs its text"
    );
    let (_, _, body) = gql(
        &sandbox,
        simple,
        json!({"b": board, "i": item, "c": "status", "v": null}),
    )
    .await;
    assert!(body.get("errors").is_none());
    assert!(
        !sandbox
            .item(&item)
            .expect("item")
            .values
            .contains_key("status"),
        "null clears"
    );
}

#[tokio::test]
async fn ids_names_boards_and_json_encoding_errors() {
    let sandbox = sandbox().await;
    let board = all_types_board(&sandbox);
    let (_, body) = create_item(&sandbox, &board, "x", json!({"nope": "1"})).await;
    assert_eq!(code(&body), "InvalidColumnIdException");
    assert_eq!(
        body["errors"][0]["extensions"]["error_data"]["column_id"],
        json!("nope")
    );
    let (_, body) = create_item(&sandbox, &board, &"n".repeat(256), json!({})).await;
    assert_eq!(code(&body), "ItemNameTooLongException");
    let (_, body) = create_item(&sandbox, &board, "", json!({})).await;
    assert_eq!(code(&body), "ItemNameTooLongException");
    let (_, body) = create_item(&sandbox, "123", "x", json!({})).await;
    assert_eq!(code(&body), "InvalidBoardIdException");

    let mutation = "mutation ($b: ID!, $cv: JSON) { create_item(board_id: $b, item_name: \"x\", column_values: $cv) { id } }";
    let (status, _, body) = gql(
        &sandbox,
        mutation,
        json!({"b": board, "cv": "{\"amount\": "}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(code(&body), "JsonParseException");
    let (status, _, body) = gql(
        &sandbox,
        mutation,
        json!({"b": board, "cv": {"amount": "1"}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        code(&body),
        "InvalidArgumentException",
        "column_values must be a JSON string: {body}"
    );
    assert!(sandbox.items(&board).is_empty(), "nothing was created");
}
