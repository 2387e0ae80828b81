//! `trace`: the story of one document.

use crate::helpers::*;

#[tokio::test]
async fn trace_tells_the_story_of_a_document() {
    let app = spawn_app().await;
    let body = app.put(
        "invoice",
        invoice("9401", "INV-40", "3.00", "2026-11-20T10:15:30+0000"),
    );
    assert_eq!(app.deliver(&body).await, 200);
    assert_eq!(app.deliver(&body).await, 200);
    app.settle().await;
    let item = app.items("invoice")[0].id.clone();
    let story = ml_connector::trace::story(
        &app.rt.queue,
        "demo",
        zoho_books::DocumentKind::Invoice,
        "9401",
    )
    .await
    .unwrap()
    .join("\n");
    assert!(story.contains(&format!("item {item}")), "{story}");
    assert_eq!(
        story.matches("webhook event #").count(),
        1,
        "the duplicate stored nothing: {story}"
    );
    assert!(story.contains("done after 1/"), "{story}");
    let none = ml_connector::trace::story(
        &app.rt.queue,
        "demo",
        zoho_books::DocumentKind::Invoice,
        "nope",
    )
    .await
    .unwrap()
    .join("\n");
    assert!(
        none.contains("never been written") && none.contains("no jobs"),
        "{none}"
    );
}
