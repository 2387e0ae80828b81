//! `validate` against a real-looking board: what passes, what is converted,
//! and what is refused with a message that names board, column and fix.

use chrono::NaiveDate;
use monday::{validate, ColumnType, ColumnValue, ColumnValues, PersonKind};

use crate::support::board;

fn one(column: &str, v: ColumnValue) -> ColumnValues {
    ColumnValues::default().with(column, v)
}

fn ok(column: &str, v: ColumnValue, create: bool) -> ColumnValue {
    let out = validate(&board(), &one(column, v.clone()), create)
        .unwrap_or_else(|e| panic!("{v:?} into {column} should pass: {e}"));
    out.get(column).cloned().expect("value kept")
}

fn err(column: &str, v: ColumnValue, create: bool) -> monday::MappingMismatch {
    validate(&board(), &one(column, v.clone()), create)
        .expect_err(&format!("{v:?} into {column} should fail"))
}

#[test]
fn board_structure_is_read_from_monday_json() {
    let b = board();
    assert_eq!(b.subitems_board_id.as_deref(), Some("9876543210"));
    assert_eq!(
        b.column("numbers").map(|c| &c.column_type),
        Some(&ColumnType::Numbers)
    );
    let status = b.column("status").expect("status column");
    // Deactivated labels cannot be set and are left out.
    assert_eq!(
        status.status_labels(),
        vec![
            (0, "Working on it".into()),
            (1, "Sent".into()),
            (7, "2023".into())
        ]
    );
    let dropdown = b.column("dropdown").expect("dropdown column");
    assert_eq!(
        dropdown.dropdown_labels(),
        vec![(1, "Retail".into()), (2, "Wholesale".into())]
    );
    assert_eq!(b.groups[0].id, "topics");
}

#[test]
fn matching_values_pass_unchanged() {
    let d = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    let cases = vec![
        ("text_zoho_id", ColumnValue::Text("4600".into())),
        (
            "numbers",
            ColumnValue::Number("1250.50".parse().expect("dec")),
        ),
        ("date", ColumnValue::Date(d)),
        ("status", ColumnValue::StatusLabel("Sent".into())),
        ("status", ColumnValue::StatusIndex(1)),
        (
            "dropdown",
            ColumnValue::DropdownLabels(vec!["Retail".into()]),
        ),
        ("dropdown", ColumnValue::DropdownIds(vec![1, 2])),
        (
            "email",
            ColumnValue::Email {
                email: "ap@acme.test".into(),
                text: "AP".into(),
            },
        ),
        (
            "link",
            ColumnValue::Link {
                url: "https://books.zoho.com/a".into(),
                text: "".into(),
            },
        ),
        (
            "phone",
            ColumnValue::Phone {
                phone: "+12025550169".into(),
                country: "US".into(),
            },
        ),
        (
            "country",
            ColumnValue::Country {
                code: "US".into(),
                name: "United States".into(),
            },
        ),
        ("timeline", ColumnValue::Timeline { from: d, to: d }),
        ("checkbox", ColumnValue::Checkbox(true)),
        ("people", ColumnValue::People(vec![(1, PersonKind::Person)])),
        (
            "connect",
            ColumnValue::BoardRelation(vec!["1122334455".into()]),
        ),
        ("numbers", ColumnValue::Clear),
    ];
    for (column, v) in cases {
        assert_eq!(ok(column, v.clone(), false), v, "{column}");
    }
}

#[test]
fn compatible_values_are_converted_to_the_column_type() {
    // A number into a text column becomes text; numeric text into numbers a number.
    assert_eq!(
        ok(
            "text_zoho_id",
            ColumnValue::Number("12.50".parse().expect("dec")),
            false
        ),
        ColumnValue::Text("12.50".into())
    );
    assert_eq!(
        ok("numbers", ColumnValue::Text(" 99.9 ".into()), false),
        ColumnValue::Number("99.9".parse().expect("dec"))
    );
    assert_eq!(
        ok("notes", ColumnValue::Text("hello".into()), false),
        ColumnValue::LongText("hello".into())
    );
    assert_eq!(
        ok("date", ColumnValue::Text("2026-01-31".into()), false),
        ColumnValue::Date(NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"))
    );
    // Labels take the board's spelling.
    assert_eq!(
        ok("status", ColumnValue::StatusLabel("sent".into()), false),
        ColumnValue::StatusLabel("Sent".into())
    );
    assert_eq!(
        ok(
            "dropdown",
            ColumnValue::DropdownLabels(vec!["retail".into()]),
            false
        ),
        ColumnValue::DropdownLabels(vec!["Retail".into()])
    );
    // The item name is cut to monday's limit.
    let long = ok("name", ColumnValue::Text("n".repeat(300)), false);
    assert!(matches!(long, ColumnValue::Text(s) if s.chars().count() == 255));
}

#[test]
fn numeric_status_label_becomes_its_label_id() {
    assert_eq!(
        ok("status", ColumnValue::StatusLabel("2023".into()), false),
        ColumnValue::StatusIndex(7)
    );
    // Unknown numeric labels cannot be created on the fly, even when allowed.
    let e = err("status", ColumnValue::StatusLabel("2024".into()), true);
    assert!(e.problem.contains("numeric"), "{e}");
}

#[test]
fn unknown_column_is_refused_with_the_fix() {
    let e = err("numbers9", ColumnValue::Number(1.into()), false);
    assert_eq!(e.board_id, "1234567890");
    assert_eq!(e.column_id, "numbers9");
    let msg = e.to_string();
    assert!(
        msg.contains("numbers9") && msg.contains("1234567890"),
        "{msg}"
    );
    assert!(
        msg.contains("numbers (Total)"),
        "lists existing columns: {msg}"
    );
}

#[test]
fn wrong_type_is_refused() {
    let e = err("date", ColumnValue::Number(5.into()), false);
    assert!(e.problem.contains("\"date\" column"), "{e}");
    assert!(e.value.contains("number"), "{e}");
    err("numbers", ColumnValue::Text("twelve".into()), false);
    err("checkbox", ColumnValue::Text("yes".into()), false);
    err("mirror", ColumnValue::Text("x".into()), false);
    err("subitems", ColumnValue::Clear, false);
    err("name", ColumnValue::Clear, false);
    err(
        "link",
        ColumnValue::Link {
            url: "books.zoho.com".into(),
            text: "".into(),
        },
        false,
    );
    err(
        "email",
        ColumnValue::Email {
            email: "not-an-email".into(),
            text: "".into(),
        },
        false,
    );
    err(
        "phone",
        ColumnValue::Phone {
            phone: "+1202".into(),
            country: "USA".into(),
        },
        false,
    );
    err(
        "connect",
        ColumnValue::BoardRelation(vec!["abc".into()]),
        false,
    );
}

#[test]
fn unknown_labels_fail_unless_creating_them_is_allowed() {
    let e = err("status", ColumnValue::StatusLabel("Paid".into()), false);
    assert!(
        e.problem.contains("\"Sent\" = 1"),
        "lists labels with ids: {e}"
    );
    assert_eq!(
        ok("status", ColumnValue::StatusLabel("Paid".into()), true),
        ColumnValue::StatusLabel("Paid".into())
    );
    err("status", ColumnValue::StatusLabel("x".repeat(31)), true);
    err("status", ColumnValue::StatusIndex(42), true);

    err(
        "dropdown",
        ColumnValue::DropdownLabels(vec!["Export".into()]),
        false,
    );
    assert_eq!(
        ok(
            "dropdown",
            ColumnValue::DropdownLabels(vec!["Export".into()]),
            true
        ),
        ColumnValue::DropdownLabels(vec!["Export".into()])
    );
    err("dropdown", ColumnValue::DropdownIds(vec![3]), true);
}
