//! An acknowledged signature survives the server being killed outright.
//!
//! The real binary runs as a child process and is killed with SIGKILL while
//! people are signing, three times, restarting on the same database each
//! time (see `durability/scenario.rs`, which `cargo xtask loadtest` also runs,
//! twenty times). Afterwards everyone who was told "thank you" is stored and
//! counted exactly once, the petition shows exactly that many, and every
//! number the server keeps equals a recount of the rows.

#[path = "durability/scenario.rs"]
mod scenario;

use std::path::Path;

use scenario::Scenario;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_signature_survives_kill_9_and_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("petitions.db").display());
    survives_kill_9(&database_url, dir.path()).await;
}

/// The same on PostgreSQL: a fresh database, dropped afterwards. Fails
/// (never skips) if PostgreSQL can't be reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_signature_survives_kill_9_and_counts_once_on_postgres() {
    let server = std::env::var("PETITION_TEST_POSTGRES").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".into());
    let name = format!("petition_durability_{}", std::process::id());
    let psql = |sql: String| {
        let status = std::process::Command::new("psql")
            .args([&format!("{server}/postgres"), "-qc", &sql])
            .env("PGOPTIONS", "-c client_min_messages=warning")
            .status();
        assert!(matches!(status, Ok(s) if s.success()), "PostgreSQL at {server} answers: {sql}");
    };
    psql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(format!("CREATE DATABASE {name}"));
    let dir = tempfile::tempdir().unwrap();
    survives_kill_9(&format!("{server}/{name}"), dir.path()).await;
    psql(format!("DROP DATABASE {name} WITH (FORCE)"));
}

/// The scenario on the database at `database_url` (a variant for another
/// database calls this with its own URL), with `dir` for the petition file
/// and mail.
async fn survives_kill_9(database_url: &str, dir: &Path) {
    let outcome = Scenario {
        binary: env!("CARGO_BIN_EXE_petition-server").into(),
        root: Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).to_path_buf(),
        database_url: database_url.to_owned(),
        dir: dir.to_path_buf(),
        cycles: 3,
        clients: 8,
        // Enough that each kill falls in the middle of steady signing.
        kill_after: 40,
    }
    .run()
    .await
    .unwrap_or_else(|error| panic!("{error:#}"));
    println!("{outcome:?}");
    // Three servers each thanked 40 people before they died.
    assert!(outcome.acknowledged >= 3 * 40, "{outcome:?}");
}
