//! The README's first command, `demo`, as a user runs it: the real binary, for a few seconds.

use std::process::Command;

#[tokio::test]
async fn demo_seeds_announces_and_keeps_changing_documents() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ml-connector"))
            .args([
                "demo",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--duration",
                "5",
                "--interval",
                "0.5",
                "--data-dir",
            ])
            .arg(dir.path())
            .output()
            .expect("run demo")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Watch the boards fill up") && stdout.contains("/boards/"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("http://127.0.0.1:{port}/admin")),
        "{stdout}"
    );
    assert!(stdout.contains("announced 32 seeded documents"), "{stdout}");
    assert!(
        stdout.contains("webhook answered 200"),
        "simulated changes are accepted: {stdout}"
    );
    assert!(
        !stdout.contains("webhook answered 4") && !stdout.contains("webhook answered 5"),
        "{stdout}"
    );
}
