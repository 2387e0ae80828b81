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
