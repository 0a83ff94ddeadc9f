//! `POST /api/petitions/{slug}/signatures`.

use serde_json::{json, Value};

use crate::helpers::{signature, spawn_app, yes_no};

#[tokio::test]
async fn a_valid_signature_is_stored_and_counted() {
    let app = spawn_app().await;
    let response = app.sign("stop-sharing", &signature("amara@example.org")).await;
    assert_eq!(response.status(), 200);
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt["signature_count"], 1);
    assert_eq!(receipt["goal"], 10_000);
    assert_eq!(app.count("stop-sharing").await, 1);

    let row: (String, String, String, String, Option<String>, String, Option<String>) = sqlx::query_as(&format!(
        "SELECT first_name, email, canonical_email, postcode, profession, {}, consent_text FROM signatures",
        yes_no("consent"),
    ))
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert_eq!(row, ("Amara".into(), "amara@example.org".into(), "amara@example.org".into(), "E1 6AN".into(), Some("nurse".into()), "no".into(), None));
}

#[tokio::test]
async fn consent_is_stored_with_the_words_the_person_agreed_to() {
    let app = spawn_app().await;
    let mut body = signature("consent@example.org");
    body["consent"] = json!(true);
    assert_eq!(app.sign("stop-sharing", &body).await.status(), 200);
    let (consent, text): (String, String) = sqlx::query_as(&format!("SELECT {}, consent_text FROM signatures", yes_no("consent")))
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(consent, "yes");
    assert_eq!(text, "Keep me updated about this campaign by email from Doctors of the World UK");
}

#[tokio::test]
async fn an_acknowledged_signature_survives_a_restart() {
    let app = spawn_app().await;
    assert_eq!(app.sign("stop-sharing", &signature("durable@example.org")).await.status(), 200);
    let app = app.restart().await;
    assert_eq!(app.count("stop-sharing").await, 1);
}

#[tokio::test]
async fn the_same_email_signing_again_is_not_counted_twice_and_gets_the_same_answer() {
    let app = spawn_app().await;
    let first = app.sign("stop-sharing", &signature("twice@example.org")).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let again = app.sign("stop-sharing", &signature("  TWICE@Example.org ")).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first, again, "a repeat must not be told apart from a first signature");
    assert_eq!(app.count("stop-sharing").await, 1);
}

#[tokio::test]
async fn one_person_may_sign_two_different_petitions() {
    let app = spawn_app().await;
    app.sign("stop-sharing", &signature("both@example.org")).await;
    app.sign_and_confirm("scrap-upfront-charging", &signature("both@example.org")).await;
    assert_eq!(app.count("stop-sharing").await, 1);
    assert_eq!(app.count("scrap-upfront-charging").await, 1);
}

#[tokio::test]
async fn reaching_a_milestone_stamps_it_with_the_time() {
    let app = spawn_app().await;
    for n in 0..10 {
        app.sign("stop-sharing", &signature(&format!("person{n}@example.org"))).await;
    }
    let petition = app.petition("stop-sharing").await;
    assert_eq!(petition["signature_count"], 10);
    let milestones = petition["milestones"].as_array().unwrap();
    let receipt: Value = app.sign("stop-sharing", &signature("eleventh@example.org")).await.json().await.unwrap();
    assert_eq!(receipt["milestones"][0], milestones[0], "the receipt carries the stamped timeline");
    assert_eq!(milestones[0]["count"], 10);
    let reached = milestones[0]["reached_at"].as_str().expect("10 is reached");
    assert!(humantime::parse_rfc3339(reached).is_ok(), "{reached} is not RFC 3339");
    assert!(milestones[1]["reached_at"].is_null(), "25 is not reached yet");
}

#[tokio::test]
async fn concurrent_signatures_are_all_counted() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut signings = tokio::task::JoinSet::new();
    for n in 0..40 {
        let app = app.clone();
        let body = signature(&format!("concurrent{n}@example.org"));
        signings.spawn(async move { app.sign("stop-sharing", &body).await.status() });
    }
    let statuses = signings.join_all().await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(app.count("stop-sharing").await, 40);
}

#[tokio::test]
async fn invalid_fields_get_a_422_with_a_message_per_field() {
    let app = spawn_app().await;
    let response = app
        .sign("stop-sharing", &json!({"first_name": "", "email": "not-an-email", "postcode": "E1 6AN"}))
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "There is a problem with your signature");
    assert_eq!(
        body["fields"],
        json!([
            {"field": "first_name", "code": "missing", "params": {}, "message": "Enter your first name"},
            {"field": "email", "code": "format", "params": {}, "message": "Enter an email address in the correct format, like name@example.com"}
        ])
    );
    assert_eq!(app.count("stop-sharing").await, 0);
}

#[tokio::test]
async fn signing_an_unknown_petition_is_a_404() {
    let app = spawn_app().await;
    let response = app.sign("no-such-petition", &signature("amara@example.org")).await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "There is no petition at this address");
}

#[tokio::test]
async fn bad_bodies_get_clear_4xx_answers_never_a_500() {
    let app = spawn_app().await;
    let url = format!("{}/api/petitions/stop-sharing/signatures", app.base);
    let post = |body: Vec<u8>, content_type: &'static str| {
        app.client.post(url.clone()).header("content-type", content_type).body(body).send()
    };
    let cases: Vec<(Vec<u8>, &str, u16, &str)> = vec![
        (b"{not json".to_vec(), "application/json", 400, "The request body is not valid JSON"),
        (b"first_name=Amara".to_vec(), "application/x-www-form-urlencoded", 415, "Content-Type: application/json"),
        (br#"{"first_name": 7}"#.to_vec(), "application/json", 422, "first_name"),
        (br#"{"first_name": "A", "admin": true}"#.to_vec(), "application/json", 422, "unknown field `admin`"),
        (br#"[1, 2, 3]"#.to_vec(), "application/json", 422, "wrong shape"),
        (vec![0xff, 0xfe, b'{'], "application/json", 400, "not valid JSON"),
        (format!(r#"{{"first_name": "{}"}}"#, "x".repeat(20_000)).into_bytes(), "application/json", 413, "too large"),
    ];
    for (body, content_type, status, words) in cases {
        let response = post(body, content_type).await.unwrap();
        assert_eq!(response.status(), status, "for a body expecting {words:?}");
        let error: Value = response.json().await.unwrap();
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(words), "{message:?} should mention {words:?}");
    }
    assert_eq!(app.count("stop-sharing").await, 0);
}
