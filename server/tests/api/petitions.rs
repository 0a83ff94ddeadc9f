//! `GET /api/petitions/{slug}`.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_demo_petition_is_there_from_the_start() {
    let app = spawn_app().await;
    let petition = app.petition("stop-sharing").await;
    assert_eq!(petition["slug"], "stop-sharing");
    assert_eq!(petition["target"], "The Government");
    assert_eq!(petition["title"], "Stop using NHS patients’ personal information for immigration enforcement.");
    assert!(petition["summary"].as_str().unwrap().contains("immigration enforcement"));
    assert_eq!(petition["goal"], 10_000);
    assert_eq!(petition["signature_count"], 0);
    assert_eq!(petition["ask_profession"], true);
    let milestones: Vec<u64> =
        petition["milestones"].as_array().unwrap().iter().map(|m| m["count"].as_u64().unwrap()).collect();
    assert_eq!(&milestones[..8], &[10, 25, 50, 100, 500, 1000, 5000, 10000]);
    assert!(petition["milestones"].as_array().unwrap().iter().all(|m| m["reached_at"].is_null()));
    assert_eq!(petition["supported_by"][0], "Doctors of the World UK");
}

#[tokio::test]
async fn the_petition_view_is_never_cached_and_is_open_to_other_origins() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/api/petitions/stop-sharing", app.base))
        .header("Origin", "https://medact.example")
        .send()
        .await
        .unwrap();
    // It carries a single-use challenge: no cache may hand it to someone else.
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn a_browser_preflight_for_signing_from_a_partner_site_is_allowed() {
    let app = spawn_app().await;
    let response = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/petitions/stop-sharing/signatures", app.base))
        .header("Origin", "https://asylummatters.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let allowed = response.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    assert!(allowed.contains("content-type"), "{allowed}");
}

#[tokio::test]
async fn an_unknown_petition_is_a_404_with_a_json_error() {
    let app = spawn_app().await;
    let response = app.get("/api/petitions/no-such-petition").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "There is no petition at this address");
}

#[tokio::test]
async fn restarting_with_an_edited_petition_file_updates_the_words_but_keeps_the_count() {
    let app = spawn_app().await;
    assert_eq!(app.sign("stop-sharing", &crate::helpers::signature("keep@example.org")).await.status(), 200);
    // Restart from a copy of the petitions folder with a new title.
    let petitions = app.dir.path().join("petitions");
    std::fs::create_dir(&petitions).unwrap();
    let original = std::fs::read_to_string(crate::helpers::repo_root().join("petitions/stop-sharing.toml")).unwrap();
    std::fs::write(petitions.join("stop-sharing.toml"), original.replace("title = \"Stop", "title = \"Please stop"))
        .unwrap();
    // The first server stops before the second starts, as in a real restart.
    let edited = app.restart_with(|config| config.petitions_dir = petitions).await;
    let petition = edited.petition("stop-sharing").await;
    assert!(petition["title"].as_str().unwrap().starts_with("Please stop"));
    assert_eq!(petition["signature_count"], 1);
}

#[tokio::test]
async fn a_database_url_the_server_cannot_serve_stops_it_with_a_clear_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A scheme neither backend serves, a bare file name, and a PostgreSQL
    // database that does not exist.
    for url in ["mysql://127.0.0.1/db", "data/petitions.db", "postgres://root:hunter22@127.0.0.1:5432/no_such_petitions"] {
        for args in [&["--listen", "127.0.0.1:0"][..], &["admin", "list"][..]] {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_petition-server"))
                .args(args)
                .args(["--database-url", url])
                .current_dir(dir.path())
                .env_remove("DATABASE_URL")
                .env_remove("RUST_BACKTRACE")
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&output.stderr);
            assert!(!output.status.success(), "{url} {args:?}: {said}");
            let expected = if url.starts_with("postgres") {
                "could not connect to the database \"postgres://root@127.0.0.1:5432/no_such_petitions\""
            } else {
                "give a SQLite URL like sqlite://data/petitions.db or a PostgreSQL URL"
            };
            assert!(said.contains(expected), "{said}");
            assert!(!said.contains("hunter22"), "no password in the message: {said}");
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing created: {left:?}");
}

#[tokio::test]
async fn a_load_balancer_can_tell_a_live_server_from_one_that_can_serve() {
    let app = spawn_app().await;
    let alive = app.get("/healthz").await;
    assert_eq!((alive.status().as_u16(), alive.text().await.unwrap()), (200, "ok\n".to_owned()));
    let ready = app.get("/readyz").await;
    assert_eq!((ready.status().as_u16(), ready.text().await.unwrap()), (200, "ready\n".to_owned()));
    // A database restored from an old backup lacks a migration: not ready.
    let db = app.db().await;
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(&db)
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200, "still alive");
}
