//! Every column type's encoding (reference §3) and the length limits.

use chrono::{NaiveDate, NaiveTime};
use monday::{
    truncate_item_name, truncate_long_text, ColumnType, ColumnValue, ColumnValues, PersonKind,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("test decimal")
}

#[test]
fn each_value_encodes_as_documented() {
    let cases: Vec<(ColumnValue, Value)> = vec![
        (ColumnValue::Text("INV-1".into()), json!("INV-1")),
        (
            ColumnValue::LongText("a\nb".into()),
            json!({"text": "a\nb"}),
        ),
        (ColumnValue::Number(dec("1250.50")), json!("1250.50")),
        (ColumnValue::Number(dec("-3")), json!("-3")),
        (
            ColumnValue::Date(date("2026-11-20")),
            json!({"date": "2026-11-20"}),
        ),
        (
            ColumnValue::DateTime(
                date("2026-06-15"),
                NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            ),
            json!({"date": "2026-06-15", "time": "09:00:00"}),
        ),
        (
            ColumnValue::StatusLabel("Sent".into()),
            json!({"label": "Sent"}),
        ),
        (ColumnValue::StatusIndex(7), json!({"index": 7})),
        (
            ColumnValue::DropdownLabels(vec!["A".into(), "B".into()]),
            json!({"labels": ["A", "B"]}),
        ),
        (ColumnValue::DropdownIds(vec![1, 2]), json!({"ids": [1, 2]})),
        (
            ColumnValue::Email {
                email: "ap@acme.test".into(),
                text: "Acme AP".into(),
            },
            json!({"email": "ap@acme.test", "text": "Acme AP"}),
        ),
        (
            ColumnValue::Link {
                url: "https://books.zoho.com/x".into(),
                text: "Open in Zoho".into(),
            },
            json!({"url": "https://books.zoho.com/x", "text": "Open in Zoho"}),
        ),
        (
            ColumnValue::Phone {
                phone: "+12025550169".into(),
                country: "us".into(),
            },
            json!({"phone": "+12025550169", "countryShortName": "US"}),
        ),
        (
            ColumnValue::Country {
                code: "US".into(),
                name: "United States".into(),
            },
            json!({"countryCode": "US", "countryName": "United States"}),
        ),
        (
            ColumnValue::Timeline {
                from: date("2026-03-01"),
                to: date("2026-03-15"),
            },
            json!({"from": "2026-03-01", "to": "2026-03-15"}),
        ),
        (ColumnValue::Checkbox(true), json!({"checked": "true"})),
        (ColumnValue::Checkbox(false), Value::Null),
        (
            ColumnValue::People(vec![
                (48202303, PersonKind::Person),
                (51166, PersonKind::Team),
            ]),
            json!({"personsAndTeams": [{"id": 48202303, "kind": "person"}, {"id": 51166, "kind": "team"}]}),
        ),
        (
            ColumnValue::BoardRelation(vec!["1122334455".into(), "5544332211".into()]),
            json!({"item_ids": [1122334455u64, 5544332211u64]}),
        ),
        (ColumnValue::Clear, Value::Null),
    ];
    for (value, expected) in cases {
        assert_eq!(value.to_json(), expected, "{value:?}");
    }
}

#[test]
fn clearing_a_number_is_null_never_empty_string() {
    let values = ColumnValues::default().with("numbers", ColumnValue::Clear);
    assert_eq!(values.to_json_string(), r#"{"numbers":null}"#);
}

#[test]
fn column_values_serialise_to_a_json_string_keyed_by_column_id() {
    let mut values = ColumnValues::default();
    assert!(values.is_empty());
    values.insert("text_zoho_id", ColumnValue::Text("460000000012345".into()));
    values.insert("numbers", ColumnValue::Number(dec("1250.50")));
    values.insert("status", ColumnValue::StatusLabel("Sent".into()));
    let s = values.to_json_string();
    let parsed: Value = serde_json::from_str(&s).expect("valid JSON");
    assert_eq!(
        parsed,
        json!({"text_zoho_id": "460000000012345", "numbers": "1250.50", "status": {"label": "Sent"}})
    );
}

#[test]
fn long_text_is_cut_to_2000_characters() {
    let long = "é".repeat(2_500);
    let v = ColumnValue::LongText(long.clone()).to_json();
    let text = v["text"].as_str().expect("text");
    assert_eq!(text.chars().count(), 2_000);
    assert!(text.ends_with('…'));
    assert_eq!(truncate_long_text("short"), "short");
}

#[test]
fn item_names_are_1_to_255_characters() {
    assert_eq!(truncate_item_name(""), "(untitled)");
    assert_eq!(truncate_item_name("   "), "(untitled)");
    assert_eq!(truncate_item_name(" INV-1 · Acme "), "INV-1 · Acme");
    let exact = "x".repeat(255);
    assert_eq!(truncate_item_name(&exact), exact);
    // Multi-byte characters must be cut on a character boundary.
    let long = "日本".repeat(200);
    let cut = truncate_item_name(&long);
    assert_eq!(cut.chars().count(), 255);
    assert!(cut.ends_with('…'));
}

#[test]
fn column_types_round_trip_through_monday_names() {
    let names = [
        ("text", ColumnType::Text),
        ("long_text", ColumnType::LongText),
        ("numbers", ColumnType::Numbers),
        ("date", ColumnType::Date),
        ("status", ColumnType::Status),
        ("dropdown", ColumnType::Dropdown),
        ("email", ColumnType::Email),
        ("link", ColumnType::Link),
        ("phone", ColumnType::Phone),
        ("country", ColumnType::Country),
        ("timeline", ColumnType::Timeline),
        ("checkbox", ColumnType::Checkbox),
        ("people", ColumnType::People),
        ("board_relation", ColumnType::BoardRelation),
        ("subtasks", ColumnType::Subtasks),
        ("name", ColumnType::Name),
    ];
    for (name, ty) in names {
        assert_eq!(name.parse::<ColumnType>(), Ok(ty.clone()));
        assert_eq!(ty.to_string(), name);
        assert_eq!(serde_json::to_value(&ty).expect("serialise"), json!(name));
    }
    assert_eq!("color".parse::<ColumnType>(), Ok(ColumnType::Status));
    let mirror: ColumnType = serde_json::from_value(json!("mirror")).expect("deserialise");
    assert_eq!(mirror, ColumnType::Other("mirror".into()));
    assert_eq!(mirror.to_string(), "mirror");
}
