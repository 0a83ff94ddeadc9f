//! `/api/admin/`: the organiser's operations over HTTP, for admins only.

use base64::Engine;
use petition_server::{admin_auth::AdminConfig, Config};
use serde_json::{json, Value};

use crate::helpers::{relaxed_guard, repo_root, signature, spawn_app, spawn_with, TestApp};

const TOKEN: &str = "a-long-random-admin-token-0123456789abcdef";

async fn spawn_admin() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("petitions.db");
    let passwords = dir.path().join("passwords");
    let hash = petition_server::admin_auth::hash_password("correct horse battery").unwrap();
    std::fs::write(&passwords, format!("nadia:{hash}\n")).unwrap();
    let mut config = Config::rooted_at(repo_root(), format!("sqlite://{}", database.display()));
    config.guard = relaxed_guard();
    config.admin = AdminConfig { admin_token: Some(TOKEN.into()), admin_passwords: Some(passwords) };
    spawn_with(dir, database, config).await
}

fn basic(name: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}")))
}

/// A request to `path` with `authorization`.
fn request(app: &TestApp, method: reqwest::Method, path: &str, authorization: Option<&str>) -> reqwest::RequestBuilder {
    let request = app.client.request(method, format!("{}{path}", app.base));
    match authorization {
        Some(value) => request.header("authorization", value),
        None => request,
    }
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

/// Every admin route, with a body it would accept.
fn routes() -> Vec<(reqwest::Method, &'static str, Option<Value>)> {
    use reqwest::Method;
    vec![
        (Method::GET, "/api/admin/petitions", None),
        (Method::PUT, "/api/admin/petitions/stop-sharing", None),
        (Method::GET, "/api/admin/petitions/stop-sharing/signatures.csv", None),
        (Method::GET, "/api/admin/petitions/stop-sharing/held", None),
        (Method::POST, "/api/admin/petitions/stop-sharing/approve", Some(json!({ "ids": [1] }))),
        (Method::POST, "/api/admin/petitions/stop-sharing/reject", Some(json!({ "ids": [1] }))),
        (Method::POST, "/api/admin/petitions/stop-sharing/invalidate", Some(json!({ "source": "x" }))),
        (Method::POST, "/api/admin/erasures", Some(json!({ "email": "amara@example.org" }))),
        (Method::POST, "/api/admin/retention", None),
        (Method::GET, "/api/admin/petitions/stop-sharing/held-reasons", None),
        (Method::POST, "/api/admin/petitions/stop-sharing/reasons/approve", Some(json!({ "ids": [1] }))),
        (Method::POST, "/api/admin/petitions/stop-sharing/reasons/reject", Some(json!({ "ids": [1] }))),
    ]
}

#[tokio::test]
async fn every_admin_route_refuses_without_a_valid_credential_and_gives_no_hint() {
    let app = spawn_admin().await;
    app.sign("stop-sharing", &signature("amara@example.org")).await;
    let wrong = [
        None,
        Some("Bearer wrong".to_owned()),
        Some(format!("Bearer {TOKEN}x")),
        Some(format!("bearer {TOKEN}")),
        Some(basic("nadia", "wrong password")),
        Some(basic("nobody", "correct horse battery")),
        Some("Basic not-base64".to_owned()),
    ];
    let mut n = 0;
    for (method, path, body) in routes() {
        for authorization in &wrong {
            n += 1;
            let mut call = request(&app, method.clone(), path, authorization.as_deref())
                .header("x-forwarded-for", format!("192.0.2.{n}"));
            if let Some(body) = &body {
                call = call.json(body);
            }
            let response = call.send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path} with {authorization:?}");
            assert_eq!(response.text().await.unwrap(), r#"{"error":"Not allowed"}"#);
        }
    }
    // Guessing from one address is slowed to a human's pace, before any
    // password is checked.
    let mut statuses = vec![];
    for _ in 0..32 {
        let guess = request(&app, reqwest::Method::GET, "/api/admin/petitions", Some(&basic("nadia", "guess")))
            .header("x-forwarded-for", "198.51.100.9")
            .send()
            .await
            .unwrap();
        statuses.push(guess.status().as_u16());
    }
    assert_eq!(statuses[..30], [401; 30]);
    assert_eq!(statuses[30..], [429, 429]);
    // Nothing changed.
    assert_eq!(app.count("stop-sharing").await, 1);
    let db = app.db().await;
    let email: String = sqlx::query_scalar("SELECT email FROM signatures").fetch_one(&db).await.unwrap();
    assert_eq!(email, "amara@example.org");
}

#[tokio::test]
async fn a_server_without_admin_credentials_closes_the_admin_api() {
    let app = spawn_app().await;
    for (method, path, _) in routes() {
        let response = request(&app, method.clone(), path, Some(&bearer())).send().await.unwrap();
        assert_eq!(response.status(), 403, "{method} {path}");
        assert_eq!(response.text().await.unwrap(), r#"{"error":"Not allowed"}"#);
    }
}

#[tokio::test]
async fn admin_routes_never_answer_another_origin() {
    let app = spawn_admin().await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/admin/petitions", app.base))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.headers().get("access-control-allow-origin").is_none(), "{:?}", preflight.headers());
    let read = request(&app, reqwest::Method::GET, "/api/admin/petitions", Some(&bearer()))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    assert!(read.headers().get("access-control-allow-origin").is_none());
    // The public API does, as partner pages need.
    let public = app.client.get(format!("{}/api/petitions/stop-sharing", app.base)).header("origin", "https://medact.org").send().await.unwrap();
    assert_eq!(public.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn an_admin_runs_a_petition_over_http() {
    let app = spawn_admin().await;
    let token = bearer();
    let password = basic("nadia", "correct horse battery");
    let demo = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();

    // A petition from its file: checked (with the line), created, updated.
    let new = demo.replace("slug = \"stop-sharing\"", "slug = \"nhs-data\"");
    let broken = new.replace("goal_steps = [10000, 25000", "goal_steps = [25000, 10000");
    let line = broken.lines().position(|l| l.starts_with("goal_steps")).unwrap() + 1;
    let refused = request(&app, reqwest::Method::PUT, "/api/admin/petitions/nhs-data", Some(&token)).body(broken).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"], format!("line {line}: goal_steps must be positive and in ascending order, like [10000, 25000, 50000]"));
    let created = request(&app, reqwest::Method::PUT, "/api/admin/petitions/nhs-data", Some(&password)).body(new.clone()).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let updated = request(&app, reqwest::Method::PUT, "/api/admin/petitions/nhs-data", Some(&token)).body(new.clone()).send().await.unwrap();
    assert_eq!(updated.status(), 200);
    let elsewhere = request(&app, reqwest::Method::PUT, "/api/admin/petitions/other", Some(&token)).body(new).send().await.unwrap();
    assert_eq!(elsewhere.status(), 422, "the address and the file name the same petition");

    // Signatures, one held.
    let mut partner = signature("medact-signer@example.org");
    partner["partner"] = json!("medact");
    partner["partner_consent"] = json!(true);
    app.sign("nhs-data", &partner).await;
    let mut bot = signature("held@example.org");
    bot["website"] = json!("https://spam.example");
    app.sign("nhs-data", &bot).await;

    let listed: Value = request(&app, reqwest::Method::GET, "/api/admin/petitions", Some(&token)).send().await.unwrap().json().await.unwrap();
    let nhs = listed.as_array().unwrap().iter().find(|p| p["slug"] == "nhs-data").unwrap();
    assert_eq!((nhs["signature_count"].as_u64(), nhs["flagged"].as_u64()), (Some(1), Some(1)));

    let held: Value = request(&app, reqwest::Method::GET, "/api/admin/petitions/nhs-data/held", Some(&token)).send().await.unwrap().json().await.unwrap();
    assert_eq!(held[0]["email"], "held@example.org");
    assert_eq!(held[0]["flag"], "honeypot");
    let approved: Value = request(&app, reqwest::Method::POST, "/api/admin/petitions/nhs-data/approve", Some(&token))
        .json(&json!({ "ids": [held[0]["id"]] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(approved, json!({ "changed": 1, "signature_count": 2 }));
    assert_eq!(app.count("nhs-data").await, 2);

    let csv = request(&app, reqwest::Method::GET, "/api/admin/petitions/nhs-data/signatures.csv?partner=medact", Some(&token)).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.headers()["content-disposition"], "attachment; filename=\"nhs-data-medact.csv\"");
    assert_eq!(csv.headers()["cache-control"], "no-store");
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.contains("\"medact-signer@example.org\"") && !csv.contains("held@example.org"));

    let invalidated: Value = request(&app, reqwest::Method::POST, "/api/admin/petitions/nhs-data/invalidate", Some(&token))
        .json(&json!({ "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(invalidated, json!({ "changed": 2, "signature_count": 0 }));
    let unclear = request(&app, reqwest::Method::POST, "/api/admin/petitions/nhs-data/invalidate", Some(&token))
        .json(&json!({ "from": "yesterday" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unclear.status(), 422);

    let erased: Value = request(&app, reqwest::Method::POST, "/api/admin/erasures", Some(&token))
        .json(&json!({ "email": "Medact-Signer@example.org" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(erased, json!({ "signatures": 1, "uncounted": 0 }));
    let db = app.db().await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE email LIKE '%medact-signer%'").fetch_one(&db).await.unwrap();
    assert_eq!(left, 0);

    let mut linked = signature("linked@example.org");
    linked["reason"] = json!("More at https://example.org/why");
    app.sign("nhs-data", &linked).await;
    let held: Value = request(&app, reqwest::Method::GET, "/api/admin/petitions/nhs-data/held-reasons", Some(&token)).send().await.unwrap().json().await.unwrap();
    assert_eq!(held[0]["reason"], "More at https://example.org/why");
    let shown: Value = request(&app, reqwest::Method::POST, "/api/admin/petitions/nhs-data/reasons/approve", Some(&token))
        .json(&json!({ "ids": [held[0]["id"]] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown, json!({ "changed": 1 }));
    assert_eq!(app.petition("nhs-data").await["reasons"][0], "More at https://example.org/why");

    let swept: Value = request(&app, reqwest::Method::POST, "/api/admin/retention", Some(&token)).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        swept,
        json!({ "anonymised": 0, "unconfirmed_erased": 0, "source_hashes_dropped": 0, "another_instance_sweeping": false })
    );
}

#[tokio::test]
async fn a_petition_file_with_a_script_link_is_refused_and_an_export_name_is_only_ever_a_slug() {
    let app = spawn_admin().await;
    let demo = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    // Whatever the file says becomes a link on every partner's page.
    let hostile = demo.replace("https://www.doctorsoftheworld.org.uk/safe-surgeries", "javascript:alert(document.domain)");
    let put = request(&app, reqwest::Method::PUT, "/api/admin/petitions/stop-sharing", Some(&bearer())).body(hostile).send().await.unwrap();
    assert_eq!(put.status(), 422);
    let error: Value = put.json().await.unwrap();
    assert!(error["error"].as_str().unwrap().ends_with("next_action.url must be a web address starting with https://"), "{error}");
    assert_eq!(app.petition("stop-sharing").await["next_action"]["url"], "https://www.doctorsoftheworld.org.uk/safe-surgeries");

    // The partner's name becomes part of the download's file name.
    for partner in ["medact%22%3B%20filename%3Devil.html", "..%2F..%2Fetc", "Medact", "a%0d%0aSet-Cookie:%20x=1"] {
        let path = format!("/api/admin/petitions/stop-sharing/signatures.csv?partner={partner}");
        let csv = request(&app, reqwest::Method::GET, &path, Some(&bearer())).send().await.unwrap();
        assert_eq!(csv.status(), 422, "{partner}");
        assert!(csv.headers().get("content-disposition").is_none());
    }
    let csv = request(&app, reqwest::Method::GET, "/api/admin/petitions/stop-sharing/signatures.csv?partner=medact", Some(&bearer())).send().await.unwrap();
    assert_eq!(csv.headers()["content-disposition"], "attachment; filename=\"stop-sharing-medact.csv\"");
}
