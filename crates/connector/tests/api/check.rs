//! `check` against the sandbox: what passes, and what a broken setup reports.

use crate::helpers::*;
use secrecy::SecretString;

#[tokio::test]
async fn a_correct_setup_passes_every_check() {
    let app = spawn_app().await;
    let findings = ml_connector::check::run(&app.rt).await;
    let failed: Vec<_> = findings.iter().filter(|f| !f.ok).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(
        findings
            .iter()
            .any(|f| f.detail.contains("organization 20250101")),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .filter(|f| f.subject.contains("monday board"))
            .count()
            == 3
    );
}

#[tokio::test]
async fn a_wrong_column_type_and_a_revoked_token_are_reported_with_the_fix() {
    let app = spawn_app_with(Default::default(), |c| {
        c.connections[0]
            .boards
            .get_mut("bill")
            .expect("bill")
            .columns
            .total = Some("date".into());
        c.connections[0].zoho.refresh_token = Some(SecretString::from("1000.revoked"));
    })
    .await;
    let findings = ml_connector::check::run(&app.rt).await;
    let text: Vec<String> = findings.iter().map(|f| f.to_string()).collect();
    let joined = text.join("\n");
    assert!(
        joined.contains("FAIL demo: Zoho (EU)") && joined.contains("connect"),
        "{joined}"
    );
    let bill = app.setup.board_id("bill");
    assert!(
        text.iter()
            .any(|l| l.starts_with("FAIL") && l.contains(bill) && l.contains("`date`")),
        "{joined}"
    );
    // Invoices are mapped correctly and still pass.
    assert!(
        text.iter()
            .any(|l| l.starts_with("ok") && l.contains(app.setup.board_id("invoice"))),
        "{joined}"
    );
}
