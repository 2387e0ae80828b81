//! The HTTP server is bounded: slow senders and floods cannot hold it (issue §2.10).
//! Each test fails against a server without the limits (`axum::serve` has none).

use crate::helpers::spawn_app_with;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (or `limit` passes); returns what arrived and
/// whether the server closed it.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into(), false),
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = spawn_app_with(Default::default(), |c| {
        c.server.header_read_timeout_seconds = 1;
    })
    .await;
    let mut s = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect");
    s.write_all(b"POST /webhooks/zoho/x HTTP/1.1\r\nHost: a\r\n")
        .await
        .expect("write");
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(6)).await;
    assert!(closed, "the server kept a header-less connection open");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_stalled_body_is_answered_and_stores_nothing() {
    let app = spawn_app_with(Default::default(), |c| {
        c.server.body_read_timeout_seconds = 1;
    })
    .await;
    let mut s = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect");
    let path = format!("/webhooks/zoho/{}", app.setup.webhook_token);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"invoice\":"
    );
    s.write_all(head.as_bytes()).await.expect("write");
    let (answer, _) = read_until_closed(&mut s, Duration::from_secs(6)).await;
    // hyper's body stream ends with tower-http's timeout error; the extractor answers it as a
    // client error naming the timeout (400), or tower-http itself does (408).
    assert!(
        answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.1 400"),
        "answer: {answer:?}"
    );
    assert!(answer.contains("timeout") || answer.starts_with("HTTP/1.1 408"));
    assert_eq!(app.rt.queue.count_events("zoho").await.expect("count"), 0);
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_and_served_again_once_one_frees() {
    let app = spawn_app_with(Default::default(), |c| {
        c.server.max_connections = 2;
        c.server.header_read_timeout_seconds = 30;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(("127.0.0.1", app.port))
            .await
            .expect("connect");
        // Start a request so the connection is being served, and leave it open.
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n")
            .await
            .expect("write");
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(("127.0.0.1", app.port))
        .await
        .expect("connect");
    let _ = third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        .await;
    let (answer, closed) = read_until_closed(&mut third, Duration::from_secs(3)).await;
    assert!(closed && answer.is_empty(), "over the cap: {answer:?}");
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let health = reqwest::get(format!("http://127.0.0.1:{}/healthz", app.port))
        .await
        .expect("request");
    assert_eq!(health.status(), 200);
}
