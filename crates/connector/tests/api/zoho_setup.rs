//! `setup`, Zoho part: webhooks registered once, however often setup runs.

use crate::helpers::spawn_app;
use ml_connector::setup::zoho::{setup_connection, webhook_url};
use secrecy::ExposeSecret;
use zoho_books::WEBHOOK_ENTITIES;

#[tokio::test]
async fn registers_each_webhook_once_and_lists_the_workflow_rules_left_to_do() {
    let app = spawn_app().await;
    let conn = app.rt.connection("demo").expect("connection");
    let public_url = app.rt.config.server.public_url.clone();
    let first = setup_connection(&app.rt, conn, &public_url)
        .await
        .expect("setup");
    assert_eq!(first.created.len(), 5, "{first}");
    let second = setup_connection(&app.rt, conn, &public_url)
        .await
        .expect("setup again");
    assert!(second.created.is_empty(), "{second}");
    assert_eq!(second.existing.len(), 5);

    let hooks = app.setup.zoho.registered_webhooks(app.org());
    assert_eq!(hooks.len(), 5, "{hooks:#?}");
    let url = webhook_url(&public_url, conn.config.webhook_token.expose_secret());
    for entity in WEBHOOK_ENTITIES {
        let matching: Vec<_> = hooks.iter().filter(|h| h["entity"] == entity).collect();
        assert_eq!(matching.len(), 1, "{entity}: {hooks:#?}");
        assert_eq!(matching[0]["url"], url.as_str());
        assert_eq!(matching[0]["secret"], app.setup.webhook_secret.as_str());
    }
    let text = second.to_string();
    for module in [
        "Invoice",
        "Bill",
        "Purchase Order",
        "Customer Payment",
        "Vendor Payment",
    ] {
        assert!(text.contains(&format!("module {module}")), "{text}");
    }
    assert!(
        text.contains("Settings → Automation → Workflow Rules")
            && text.contains("\"Created or Edited\""),
        "{text}"
    );
    assert!(
        !text.contains(&app.setup.webhook_secret) && !text.contains(&app.setup.webhook_token),
        "a secret was printed: {text}"
    );
}

#[tokio::test]
async fn without_a_webhook_listing_it_remembers_what_it_created() {
    let app = spawn_app().await;
    let conn = app.rt.connection("demo").expect("connection");
    let public_url = app.rt.config.server.public_url.clone();
    // Zoho's listing endpoint is unconfirmed: here it answers "invalid URL" both times.
    app.setup
        .zoho
        .fail_next_with(app.org(), 1, 404, 5, "Invalid URL Passed");
    let first = setup_connection(&app.rt, conn, &public_url)
        .await
        .expect("setup");
    assert_eq!(first.created.len(), 5, "{first}");
    app.setup
        .zoho
        .fail_next_with(app.org(), 1, 404, 5, "Invalid URL Passed");
    let second = setup_connection(&app.rt, conn, &public_url)
        .await
        .expect("setup again");
    assert!(second.created.is_empty(), "{second}");
    assert_eq!(app.setup.zoho.registered_webhooks(app.org()).len(), 5);
}
