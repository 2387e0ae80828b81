//! The README's first command, `demo`, as a user runs it: the real binary, for a few seconds.

use std::process::Command;

/// Runs the real `demo` binary on a free port for `duration` seconds.
async fn run_demo(
    duration: &str,
    env: &[(&'static str, &'static str)],
) -> (std::process::Output, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let dir = tempfile::tempdir().expect("temp dir");
    let (duration, env) = (duration.to_string(), env.to_vec());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_ml-connector"))
            .args([
                "demo",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--duration",
                &duration,
                "--interval",
                "0.5",
                "--data-dir",
            ])
            .arg(dir.path())
            .envs(env)
            .output()
            .expect("run demo")
    })
    .await
    .expect("join");
    (out, port)
}

#[tokio::test]
async fn demo_seeds_announces_and_keeps_changing_documents() {
    let (out, port) = run_demo("5", &[]).await;
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

#[tokio::test]
async fn logs_written_to_a_file_carry_no_colour_codes_and_json_is_one_object_per_line() {
    let (out, _) = run_demo("2", &[("RUST_LOG", "info"), ("MLC_LOG_FORMAT", "json")]).await;
    assert!(out.status.success());
    let all = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    let text = String::from_utf8_lossy(&all);
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a piped log: {text}"
    );
    let json_lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        json_lines
            .iter()
            .any(|v| v["level"] == "INFO" && v["message"].is_string()),
        "no JSON log line: {text}"
    );
}
