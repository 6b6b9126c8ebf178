//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run the `rampart` binary with `args`, with a clean environment for the
/// variables it reads.
pub fn rampart(args: &[&str]) -> Output {
    rampart_in(Path::new("."), args)
}

pub fn rampart_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(dir)
        .env_remove("RAMPART_DATABASE_URL")
        .env("RAMPART_ACTOR", "tester@test")
        .output()
        .expect("run rampart")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
pub fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "rampart failed ({}):\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(o),
        stderr(o)
    );
}

/// The workspace root, where `examples/` and `tests/data/` are.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The PostgreSQL the tests use: `RAMPART_TEST_POSTGRES_URL`, else the
/// local server CI runs. `None` (with a line saying the tests are skipped)
/// when it cannot be reached, except under CI, where it must be there.
pub async fn postgres_url() -> Option<String> {
    let url = std::env::var("RAMPART_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = unique_schema("probe");
    let reachable = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        rampart_store_postgres::PostgresStore::open_in_schema(
            &rampart_store::DatabaseUrl::new(url.clone()),
            Some(&schema),
        ),
    )
    .await;
    match reachable {
        Ok(Ok(store)) => {
            store.drop_schema_for_tests(&schema).await.ok()?;
            Some(url)
        }
        Ok(Err(e)) => skip_or_fail(&format!("{e}")),
        Err(_) => skip_or_fail("timed out after 5 s"),
    }
}

fn skip_or_fail(why: &str) -> Option<String> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("PostgreSQL is required under CI but is not reachable: {why}");
    }
    eprintln!(
        "SKIPPED: PostgreSQL tests (server not reachable: {why}); set RAMPART_TEST_POSTGRES_URL to run them"
    );
    None
}

/// A schema name unique to this process and call.
pub fn unique_schema(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
