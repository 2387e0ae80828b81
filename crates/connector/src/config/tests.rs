use super::*;

const MINIMAL: &str = r#"
[[connections]]
id = "acme"
webhook_token = "0123456789abcdef0123456789abcdef"
[connections.zoho]
organization_id = "10234695"
data_centre = "eu"
refresh_token = "1000.secret"
[connections.monday]
token = "monday-secret"
[connections.boards.invoice]
board_id = "1234567890"
[connections.boards.invoice.columns]
zoho_id = "text_zoho_id"
total = "numbers"
"#;

#[test]
fn minimal_file_loads_with_defaults() {
    let c = Config::from_toml_str(MINIMAL).expect("valid");
    assert_eq!(c.workers.count, 4);
    let conn = c.connection("acme").expect("connection");
    assert_eq!(conn.data_centre(), DataCentre::Eu);
    let board = conn.board(DocumentKind::Invoice).expect("board");
    assert_eq!(board.columns.total.as_deref(), Some("numbers"));
    assert_eq!(board.item_name, "{number} · {party}");
}

#[test]
fn unknown_data_centre_names_key_and_choices() {
    let text = MINIMAL.replace("data_centre = \"eu\"", "data_centre = \"mars\"");
    let e = Config::from_toml_str(&text).unwrap_err().to_string();
    assert!(e.contains("connections[0] (acme).zoho.data_centre"), "{e}");
}

#[test]
fn unknown_key_is_reported_with_its_path() {
    let text = MINIMAL.replace(
        "[connections.monday]",
        "[connections.monday]\ntokne = \"x\"",
    );
    let e = Config::from_toml_str(&text).unwrap_err().to_string();
    assert!(e.contains("tokne"), "{e}");
}

#[test]
fn short_webhook_token_is_refused() {
    let text = MINIMAL.replace("0123456789abcdef0123456789abcdef", "short");
    let e = Config::from_toml_str(&text).unwrap_err().to_string();
    assert!(e.contains("webhook_token") && e.contains("24"), "{e}");
}

#[test]
fn bad_board_id_and_kind_are_refused() {
    let e = Config::from_toml_str(&MINIMAL.replace("1234567890", "my-board"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("boards.invoice.board_id"), "{e}");
    let e = Config::from_toml_str(&MINIMAL.replace("boards.invoice", "boards.receipt"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("boards.receipt"), "{e}");
}

#[test]
fn secrets_never_show_in_debug() {
    let c = Config::from_toml_str(MINIMAL).expect("valid");
    let dbg = format!("{c:?}");
    assert!(
        !dbg.contains("1000.secret")
            && !dbg.contains("monday-secret")
            && !dbg.contains("0123456789abcdef0123"),
        "{dbg}"
    );
}

#[test]
fn missing_file_says_what_to_do() {
    let e = Config::load(Some(Path::new("/nonexistent/ml.toml")))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("does not exist") && e.contains("--config"),
        "{e}"
    );
}

#[test]
fn the_shipped_example_configuration_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config.example.toml");
    let c = Config::load(Some(&path)).expect("config.example.toml must stay valid");
    let acme = c.connection("acme").expect("example connection");
    assert_eq!(
        acme.board(DocumentKind::Invoice)
            .expect("invoice board")
            .status_labels["partially_paid"],
        "Part paid"
    );
}

#[test]
fn a_secret_under_the_wrong_key_is_not_echoed() {
    let text = MINIMAL.replace(
        "[connections.monday]",
        "[workers]\ncount = \"hunter2-secret-value\"\n[connections.monday]",
    );
    let e = Config::from_toml_str(&text).unwrap_err().to_string();
    assert!(e.contains("workers.count") && !e.contains("hunter2"), "{e}");
}

#[test]
fn board_ids_are_accepted_as_numbers_or_strings() {
    let text = MINIMAL.replace("board_id = \"1234567890\"", "board_id = 1234567890");
    let c = Config::from_toml_str(&text).expect("a numeric board id is fine");
    let conn = c.connection("acme").expect("connection");
    assert_eq!(
        conn.board(DocumentKind::Invoice).expect("board").board_id,
        "1234567890"
    );
}
