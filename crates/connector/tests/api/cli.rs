//! The CLI as an operator meets it: operator commands never create an empty database, unknown
//! values are errors, and environment mistakes name the variable (issue 8 §7).

use std::process::{Command, Output};

fn run(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ml-connector"));
    cmd.current_dir(dir).args(args).env_remove("MLC_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run ml-connector")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn operator_commands_refuse_a_missing_database_and_create_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    for args in [
        &["jobs"][..],
        &["dead"],
        &["audit"],
        &["trace", "invoice", "1"],
    ] {
        let out = run(dir.path(), args, &[]);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = stderr(&out);
        assert!(
            err.contains("no database at ml-connector.db") && err.contains("MLC_DATABASE__URL"),
            "{args:?}: {err}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
    assert!(left.is_empty(), "files were created: {left:?}");
}

#[test]
fn operator_commands_say_which_database_they_opened() {
    let dir = tempfile::tempdir().expect("dir");
    assert!(run(dir.path(), &["migrate"], &[]).status.success());
    let out = run(dir.path(), &["jobs"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("database: ml-connector.db"),
        "{}",
        stderr(&out)
    );
    let bogus = run(dir.path(), &["jobs", "--state", "bogus"], &[]);
    assert!(!bogus.status.success());
    assert!(stderr(&bogus).contains("bogus"));
}

#[test]
fn a_bad_environment_value_names_the_variable_shows_it_and_gives_an_example() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run(dir.path(), &["jobs"], &[("MLC_WORKERS__COUNT", "four")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("MLC_WORKERS__COUNT=\"four\"") && err.contains("MLC_WORKERS__COUNT=4"),
        "{err}"
    );
    // A secret's value is never shown.
    let out = run(
        dir.path(),
        &["jobs"],
        &[("MLC_SERVER__ADMIN_PASSWORD", "[not, a, string]")],
    );
    let err = stderr(&out);
    if !out.status.success() {
        assert!(!err.contains("not, a, string"), "{err}");
    }
}

#[test]
fn help_lists_commands_in_the_order_a_user_needs_them() {
    let dir = tempfile::tempdir().expect("dir");
    let out = run(dir.path(), &["--help"], &[]);
    let help = String::from_utf8_lossy(&out.stdout);
    let pos = |c: &str| {
        help.find(&format!("\n  {c} "))
            .unwrap_or_else(|| panic!("{c} missing: {help}"))
    };
    let order = [
        "demo", "connect", "setup", "check", "backfill", "serve", "jobs", "dead", "trace",
    ];
    for pair in order.windows(2) {
        assert!(pos(pair[0]) < pos(pair[1]), "{pair:?}: {help}");
    }
}

/// Starts `serve` in `dir` on a free port; returns the child, the port and what it printed on
/// stderr before it was listening.
fn start_serve(dir: &std::path::Path) -> (std::process::Child, u16, String) {
    use std::io::{BufRead, BufReader};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ml-connector"))
        .current_dir(dir)
        .arg("serve")
        .env_remove("MLC_CONFIG")
        .env("MLC_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("MLC_LOG_FORMAT", "text")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut seen = String::new();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn({
        let stdout = child.stdout.take().expect("stdout");
        move || for _ in BufReader::new(stdout).lines() {}
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            while let Ok(line) = rx.try_recv() {
                seen.push_str(&line);
                seen.push('\n');
            }
            return (child, port, seen);
        }
        while let Ok(line) = rx.try_recv() {
            seen.push_str(&line);
            seen.push('\n');
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("serve did not listen: {seen}");
}

async fn admin_status(port: u16, password: Option<&str>) -> u16 {
    let client = reqwest::Client::new();
    let mut req = client.get(format!("http://127.0.0.1:{port}/admin"));
    if let Some(p) = password {
        req = req.basic_auth("me", Some(p));
    }
    req.send().await.expect("get /admin").status().as_u16()
}

fn printed_password(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|l| l.len() == 24 && l.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(String::from)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_page_is_never_open_a_first_start_creates_a_password_shown_once() {
    let dir = tempfile::tempdir().expect("dir");
    let (mut first, port, said) = start_serve(dir.path());
    let password = printed_password(&said).unwrap_or_else(|| panic!("no password shown: {said}"));
    assert_eq!(admin_status(port, None).await, 401);
    assert_eq!(admin_status(port, Some("wrong")).await, 401);
    assert_eq!(admin_status(port, Some(&password)).await, 200);
    first.kill().expect("kill");
    let _ = first.wait();

    // A restart shows nothing and keeps the same password.
    let (mut second, port, said) = start_serve(dir.path());
    assert_eq!(printed_password(&said), None, "{said}");
    assert_eq!(admin_status(port, Some(&password)).await, 200);

    // `admin-password` makes a new one; the old one stops working.
    let out = run(dir.path(), &["admin-password"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let new = printed_password(&String::from_utf8_lossy(&out.stdout)).expect("new password");
    assert_ne!(new, password);
    assert_eq!(admin_status(port, Some(&password)).await, 401);
    assert_eq!(admin_status(port, Some(&new)).await, 200);
    second.kill().expect("kill");
    let _ = second.wait();
}
