//! Unit tests of the subitem map bookkeeping.
use super::*;

#[test]
fn stored_map_round_trips_and_compares_by_hash() {
    let mut map = SubitemMap::new();
    map.insert(
        "L1".into(),
        StoredLine {
            id: "11".into(),
            hash: "h1".into(),
        },
    );
    let json = to_json(&map);
    assert_eq!(json, r#"{"L1":{"id":"11","hash":"h1"}}"#);
    assert_eq!(parse_map(Some(&json)), Some(map));
    assert_eq!(parse_map(Some("not json")), None);
    assert_eq!(parse_map(None), None);
}

fn line(id: &str, hash: &str) -> StoredLine {
    StoredLine {
        id: id.into(),
        hash: hash.into(),
    }
}

fn rate_limited() -> MondayError {
    MondayError::Retryable {
        code: "RATE_LIMIT_EXCEEDED".into(),
        message: "slow down".into(),
        retry_after: None,
        status: 429,
    }
}

#[test]
fn confirmed_creates_are_recorded_even_when_others_in_the_batch_fail() {
    let mut map = SubitemMap::from([
        ("c".to_string(), line("30", "old")),
        ("d".to_string(), line("40", "h")),
    ]);
    let intents = vec![
        Intent::Create {
            key: "a".into(),
            hash: "ha".into(),
        },
        Intent::Create {
            key: "b".into(),
            hash: "hb".into(),
        },
        Intent::Update {
            key: "c".into(),
            hash: "new".into(),
        },
        Intent::Delete {
            key: Some("d".into()),
        },
    ];
    let results = vec![
        Ok(Some("10".into())),
        Err(rate_limited()),
        Ok(None),
        Err(rate_limited()),
    ];
    let (err, unknown) = record_results(&mut map, intents, results);
    assert!(
        matches!(err, Some(JobError::Retry { .. })),
        "the job is retried"
    );
    assert!(
        !unknown,
        "a refused request applied nothing: the map stays trustworthy"
    );
    assert_eq!(
        map.get("a"),
        Some(&line("10", "ha")),
        "the confirmed create is kept"
    );
    assert_eq!(map.get("b"), None, "the refused create is redone next time");
    assert_eq!(map.get("c"), Some(&line("30", "new")));
    assert_eq!(
        map.get("d"),
        Some(&line("40", "h")),
        "the failed delete is redone next time"
    );
}

#[test]
fn a_create_that_may_have_landed_makes_the_map_unknown() {
    let mut map = SubitemMap::new();
    let lost = MondayError::Transport {
        message: "connection reset".into(),
        maybe_applied: true,
    };
    let intents = vec![Intent::Create {
        key: "a".into(),
        hash: "ha".into(),
    }];
    let (err, unknown) = record_results(&mut map, intents, vec![Err(lost)]);
    assert!(err.is_some() && unknown);
}

#[test]
fn a_subitem_deleted_in_monday_is_forgotten_and_recreated() {
    let gone = || MondayError::Permanent {
        code: "ResourceNotFoundException".into(),
        message: "Item not found".into(),
        request_id: None,
    };
    let mut map = SubitemMap::from([
        ("a".to_string(), line("1", "h")),
        ("b".to_string(), line("2", "h")),
    ]);
    let intents = vec![
        Intent::Update {
            key: "a".into(),
            hash: "n".into(),
        },
        Intent::Delete {
            key: Some("b".into()),
        },
    ];
    let (err, unknown) = record_results(&mut map, intents, vec![Err(gone()), Err(gone())]);
    assert!(
        matches!(err, Some(JobError::Retry { .. })),
        "retried, not dead"
    );
    assert!(!unknown);
    assert!(map.is_empty(), "{map:?}");
}

#[test]
fn line_hash_changes_with_any_value() {
    let a = ColumnValues::default().with("qty", ColumnValue::Number(Decimal::ONE));
    let b = ColumnValues::default().with("qty", ColumnValue::Number(Decimal::TWO));
    assert_ne!(line_hash("Desk", &a), line_hash("Desk", &b));
    assert_ne!(line_hash("Desk", &a), line_hash("Chair", &a));
    assert_eq!(line_hash("Desk", &a), line_hash("Desk", &a.clone()));
}
