//! `GET /api/petitions/{slug}`.

use petition_server::PETITION_MAX_AGE_SECONDS;
use serde_json::Value;

use crate::helpers::{relaxed_guard, signature, spawn_app, spawn_guarded, TestApp};

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

/// `GET /api/petitions/stop-sharing` with these extra headers.
async fn get_petition(app: &TestApp, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}/api/petitions/stop-sharing", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    let value = response.headers().get(name).unwrap_or_else(|| panic!("the answer has no {name} header"));
    value.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_petition_view_is_the_same_for_everyone_so_caches_may_share_it_briefly() {
    // Sources told apart by X-Forwarded-For, as behind a proxy.
    let app = spawn_guarded(relaxed_guard()).await;
    let from_medact = get_petition(&app, &[("Origin", "https://medact.example"), ("X-Forwarded-For", "203.0.113.7")]).await;
    assert_eq!(from_medact.status(), 200);
    assert_eq!(header(&from_medact, "cache-control"), format!("public, max-age={PETITION_MAX_AGE_SECONDS}"));
    assert_eq!(header(&from_medact, "access-control-allow-origin"), "*");
    assert!(from_medact.headers().get("set-cookie").is_none());
    let etag = header(&from_medact, "etag");
    assert!(etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'), "a strong, quoted ETag: {etag}");
    let body = from_medact.bytes().await.unwrap();
    let petition: Value = serde_json::from_slice(&body).unwrap();
    assert!(petition.get("challenge").is_none(), "no per-visitor challenge in the shared view: {petition}");
    // Another visitor, from another page, gets the same bytes and tag.
    let from_elsewhere = get_petition(&app, &[("X-Forwarded-For", "198.51.100.5")]).await;
    assert_eq!(header(&from_elsewhere, "etag"), etag);
    assert_eq!(from_elsewhere.bytes().await.unwrap(), body);
}

#[tokio::test]
async fn a_copy_that_is_still_current_is_confirmed_with_an_empty_304() {
    let app = spawn_app().await;
    let first = get_petition(&app, &[]).await;
    let etag = header(&first, "etag");
    let again = get_petition(&app, &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag"), etag);
    assert_eq!(header(&again, "cache-control"), format!("public, max-age={PETITION_MAX_AGE_SECONDS}"));
    assert_eq!(header(&again, "access-control-allow-origin"), "*", "a partner page's revalidation is allowed too");
    assert!(again.bytes().await.unwrap().is_empty(), "a 304 has no body");
}

#[tokio::test]
async fn a_new_signature_changes_the_etag_and_the_old_copy_gets_the_new_count() {
    let app = spawn_app().await;
    let before = get_petition(&app, &[]).await;
    let old_etag = header(&before, "etag");
    assert_eq!(app.sign("stop-sharing", &signature("counted@example.org")).await.status(), 200);
    let after = get_petition(&app, &[("If-None-Match", &old_etag)]).await;
    assert_eq!(after.status(), 200, "the old copy is stale");
    let new_etag = header(&after, "etag");
    assert_ne!(new_etag, old_etag);
    let petition: Value = after.json().await.unwrap();
    assert_eq!(petition["signature_count"], 1);
    assert_eq!(get_petition(&app, &[("If-None-Match", &new_etag)]).await.status(), 304);
}

#[tokio::test]
async fn if_none_match_compares_weakly_and_reads_lists_and_star() {
    let app = spawn_app().await;
    let etag = header(&get_petition(&app, &[]).await, "etag");
    let status = |value: String| {
        let app = &app;
        async move { get_petition(app, &[("If-None-Match", &value)]).await.status().as_u16() }
    };
    assert_eq!(status(format!("W/{etag}")).await, 304, "weak comparison ignores W/");
    assert_eq!(status(format!("\"0123\", W/\"4567\",{etag}")).await, 304, "any tag of a list");
    assert_eq!(status(format!("  W/\"a,b\" ,\t{etag} ")).await, 304, "a comma inside a tag, and spaces");
    assert_eq!(status("*".into()).await, 304, "* matches any current copy");
    assert_eq!(status("\"0123\", W/\"4567\"".into()).await, 200, "no tag of the list is current");
    assert_eq!(status(etag.trim_matches('"').into()).await, 200, "an unquoted tag is not an entity tag");
    assert_eq!(status(format!("{}x\"", etag.trim_end_matches('"'))).await, 200, "a longer tag is another tag");
    assert_eq!(status(format!("{etag}x")).await, 200, "a tag run into other text is not read");
    // Several header lines are one list.
    let lines = app
        .client
        .get(format!("{}/api/petitions/stop-sharing", app.base))
        .header("If-None-Match", "\"0123\"")
        .header("If-None-Match", etag.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(lines.status(), 304, "a tag on a second If-None-Match line");
}

#[tokio::test]
async fn a_compressed_view_carries_a_weak_etag_that_still_revalidates() {
    let app = spawn_app().await;
    let plain = header(&get_petition(&app, &[]).await, "etag");
    let gzipped = get_petition(&app, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(header(&gzipped, "content-encoding"), "gzip");
    assert_eq!(header(&gzipped, "etag"), format!("W/{plain}"), "its bytes are not the ones the tag names");
    assert!(header(&gzipped, "vary").to_lowercase().contains("accept-encoding"));
    let weak = header(&gzipped, "etag");
    let again = get_petition(&app, &[("Accept-Encoding", "gzip"), ("If-None-Match", &weak)]).await;
    assert_eq!(again.status(), 304);
    assert!(again.headers().get("content-encoding").is_none(), "nothing to decode in a 304");
    assert!(header(&again, "vary").to_lowercase().contains("accept-encoding"), "a 304 says what the 200 varies on");
    assert!(again.bytes().await.unwrap().is_empty());
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

#[tokio::test]
async fn a_milestone_added_below_the_count_shows_as_reached_without_a_date_and_keeps_none() {
    use petition_server::{petition_file::PetitionFile, store};
    let app = spawn_app().await;
    for n in 0..3 {
        assert_eq!(app.sign("stop-sharing", &signature(&format!("early{n}@example.org"))).await.status(), 200);
    }
    let text = std::fs::read_to_string(crate::helpers::repo_root().join("petitions/stop-sharing.toml")).unwrap();
    let mut file = PetitionFile::parse(&text).unwrap();
    file.milestones.insert(0, 2);
    let db = store::Db::connect(app.database_url()).await.unwrap();
    store::upsert_petition(&db, &app.clock, &file).await.unwrap();

    // Later signings don't date it: nobody knows when the second signature was.
    assert_eq!(app.sign("stop-sharing", &signature("later@example.org")).await.status(), 200);
    let milestones = store::count_update(&db, "stop-sharing").await.unwrap().milestones;
    assert_eq!((milestones[0].count, milestones[0].reached_at.as_deref()), (2, None), "reached, date unknown");
    assert!(milestones[1].reached_at.is_none(), "10 is not reached yet");
    db.close().await;
}
