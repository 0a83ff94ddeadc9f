//! Only real people are counted: what a script, a bot, a flood and a crowd of
//! duplicates achieve against a running server, read back from its database.

use std::{sync::Arc, time::Duration};

use petition_server::guard::GuardConfig;
use serde_json::{json, Value};

use crate::helpers::{manual_clock, relaxed_guard, signature, spawn_app, spawn_configured, spawn_guarded, TestApp};

async fn flags(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT email, status, flag FROM signatures ORDER BY id").fetch_all(&app.db().await).await.unwrap()
}

#[tokio::test]
async fn a_script_posting_without_the_widget_gets_nothing_counted() {
    let app = spawn_app().await;
    let refused = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 403);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "This form has expired. Please send it again");
    };
    // No challenge at all: what a script that read the API's field names sends.
    refused(app.post_signature("stop-sharing", &signature("script1@example.org"), None).await).await;
    // A made-up token, and a real one with a made-up proof.
    let mut forged = signature("script2@example.org");
    forged["challenge"] = "stop-sharing.1700000000000.0.00.00".into();
    refused(app.post_signature("stop-sharing", &forged, None).await).await;
    let challenge: Value = app.get("/api/petitions/stop-sharing/challenge").await.json().await.unwrap();
    let token = challenge["token"].as_str().unwrap();
    let unsolved = (0..).find(|p| !petition_core::proof::is_solution(token, *p, 8)).unwrap();
    let mut guessed = signature("script3@example.org");
    guessed["challenge"] = token.into();
    guessed["proof"] = unsolved.into();
    refused(app.post_signature("stop-sharing", &guessed, None).await).await;
    // A challenge for another petition.
    let elsewhere = app.answer_challenge("scrap-upfront-charging", signature("script4@example.org")).await;
    refused(app.post_signature("stop-sharing", &elsewhere, None).await).await;
    // One solved challenge, replayed for a second and third address.
    let solved = app.answer_challenge("stop-sharing", signature("first@example.org")).await;
    assert_eq!(app.post_signature("stop-sharing", &solved, None).await.status(), 200);
    for email in ["replay1@example.org", "first@example.org"] {
        let mut replay = solved.clone();
        replay["email"] = email.into();
        refused(app.post_signature("stop-sharing", &replay, None).await).await;
    }
    assert_eq!(app.count("stop-sharing").await, 1);
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT email FROM signatures").fetch_all(&app.db().await).await.unwrap();
    assert_eq!(stored, ["first@example.org"], "refused signatures are not kept at all");
}

#[tokio::test]
async fn a_filled_honeypot_or_a_form_sent_too_fast_looks_accepted_but_is_held() {
    let app = spawn_configured(|config| {
        config.guard = GuardConfig { proof_difficulty: 8, ..GuardConfig::default() };
        config.clock = manual_clock();
    })
    .await;
    let challenge: Value = app.get("/api/petitions/stop-sharing/challenge").await.json().await.unwrap();
    assert_eq!(challenge["min_seconds"], 3);
    // Sent the moment the form arrived: faster than anyone types.
    let fast = app.answer_challenge("stop-sharing", signature("fast@example.org")).await;
    let answer = app.post_signature("stop-sharing", &fast, None).await;
    assert_eq!(answer.status(), 200);
    let receipt: Value = answer.json().await.unwrap();
    assert_eq!(receipt["signature_count"], 0, "the answer has the real count, unchanged");
    // The hidden field filled in, by a bot that waited like a person.
    let mut bot = signature("bot@example.org");
    bot["website"] = "https://cheap-pills.example".into();
    bot["reason"] = "Totally a real reason".into();
    let bot = app.answer_challenge("stop-sharing", bot).await;
    // A person, at a person's pace.
    let person = app.answer_challenge("stop-sharing", signature("person@example.org")).await;
    app.clock.advance(Duration::from_secs(3));
    assert_eq!(app.post_signature("stop-sharing", &bot, None).await.status(), 200);
    assert_eq!(app.post_signature("stop-sharing", &person, None).await.status(), 200);
    let petition = app.petition("stop-sharing").await;
    assert_eq!(petition["signature_count"], 1);
    assert_eq!(petition["reasons"], json!(["Patients must be able to trust their GP."]), "a held bot's reason is not shown");
    assert_eq!(
        flags(&app).await,
        [
            ("fast@example.org".into(), "flagged".into(), Some("too-fast".into())),
            ("bot@example.org".into(), "flagged".into(), Some("honeypot".into())),
            ("person@example.org".into(), "counted".into(), None),
        ]
    );
}

#[tokio::test]
async fn a_person_whose_address_a_bot_used_first_is_still_counted() {
    let app = spawn_guarded(GuardConfig { proof_difficulty: 8, min_fill_seconds: 0, ..GuardConfig::default() }).await;
    let mut bot = app.answer_challenge("stop-sharing", signature("amara@example.org")).await;
    bot["website"] = "x".into();
    bot["first_name"] = "Spam".into();
    assert_eq!(app.post_signature("stop-sharing", &bot, None).await.status(), 200);
    assert_eq!(app.count("stop-sharing").await, 0);
    let person = app.answer_challenge("stop-sharing", signature("Amara@example.org")).await;
    let receipt: Value = app.post_signature("stop-sharing", &person, None).await.json().await.unwrap();
    assert_eq!(receipt["signature_count"], 1);
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT first_name, status FROM signatures").fetch_all(&app.db().await).await.unwrap();
    assert_eq!(rows, [("Amara".to_owned(), "counted".to_owned())], "the person's signature replaced the bot's");
}

#[tokio::test]
async fn a_burst_from_one_source_is_held_and_a_flood_is_told_to_wait() {
    let app = spawn_guarded(GuardConfig { source_requests_per_min: 12, ..relaxed_guard() }).await;
    let office = Some("203.0.113.77");
    for n in 0..8 {
        let body = app.answer_challenge("stop-sharing", signature(&format!("colleague{n}@example.org"))).await;
        assert_eq!(app.post_signature("stop-sharing", &body, office).await.status(), 200);
    }
    assert_eq!(app.count("stop-sharing").await, 5, "five from one address in ten minutes are counted");
    let held: Vec<(String, String)> =
        sqlx::query_as("SELECT flag, source_hash FROM signatures WHERE status = 'flagged'").fetch_all(&app.db().await).await.unwrap();
    assert_eq!(held.len(), 3);
    assert!(held.iter().all(|(flag, source)| flag == "burst" && *source == held[0].1), "{held:?}");
    // A busy source gets harder challenges; everyone else doesn't.
    let challenge = |from: &'static str| {
        let request = app.client.get(format!("{}/api/petitions/stop-sharing/challenge", app.base)).header("x-forwarded-for", from);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["difficulty"].as_u64().unwrap() }
    };
    assert_eq!(challenge("203.0.113.77").await, 12);
    assert_eq!(challenge("198.51.100.5").await, 8);
    // Beyond 12 requests a minute: 429 with how long to wait, before any work.
    let mut statuses = vec![];
    for _ in 0..6 {
        let response = app.post_signature("stop-sharing", &signature("flood@example.org"), office).await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "Retry-After: {wait}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().starts_with("Too many signatures"));
        }
    }
    assert_eq!(statuses, [403, 403, 403, 403, 429, 429], "the 13th request and later are refused");
    // Another source signs as usual, and the petition answers.
    assert_eq!(app.sign("stop-sharing", &signature("elsewhere@example.org")).await.status(), 200);
    assert_eq!(app.count("stop-sharing").await, 6);
    // The address itself is nowhere in the database's files.
    let stored = app.stored_bytes().await;
    assert!(stored.len() > 10_000, "the database's files were read");
    assert!(!stored.windows(12).any(|w| w == b"203.0.113.77"), "raw address stored");
}

#[tokio::test]
async fn the_public_endpoints_keep_answering_during_a_signing_flood() {
    let app = Arc::new(spawn_guarded(GuardConfig { source_requests_per_min: 30, ..relaxed_guard() }).await);
    let flood = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
            let mut tasks = tokio::task::JoinSet::new();
            for n in 0..2000 {
                let app = app.clone();
                tasks.spawn(async move {
                    let body = signature(&format!("flood{n}@example.org"));
                    app.post_signature("stop-sharing", &body, Some("192.0.2.1")).await.status().as_u16()
                });
            }
            while let Some(status) = tasks.join_next().await {
                *statuses.entry(status.unwrap()).or_default() += 1;
            }
            statuses
        })
    };
    // Keeps answering: every read during the flood gets the petition, well
    // within the request timeout (the server answers 408 past it).
    let mut slowest = Duration::ZERO;
    for _ in 0..50 {
        let started = std::time::Instant::now();
        let read = app.get("/api/petitions/stop-sharing").await;
        assert_eq!(read.status(), 200, "a read during the flood");
        assert_eq!(read.json::<Value>().await.unwrap()["slug"], "stop-sharing");
        slowest = slowest.max(started.elapsed());
    }
    let statuses = flood.await.unwrap();
    // Printed, not asserted: speed is for the benchmarks.
    println!("flood answers: {statuses:?}; slowest petition read during it: {slowest:?}");
    assert_eq!(statuses.get(&429), Some(&(2000 - 30)), "{statuses:?}");
    assert_eq!(statuses.get(&403), Some(&30), "{statuses:?}");
    assert_eq!(app.count("stop-sharing").await, 0);
}

#[tokio::test]
async fn a_hundred_concurrent_copies_of_one_signature_store_one_and_answer_alike() {
    let app = Arc::new(spawn_app().await);
    let mut bodies = vec![];
    for _ in 0..100 {
        bodies.push(app.answer_challenge("stop-sharing", signature("same.person+petition@gmail.com")).await);
    }
    let mut signings = tokio::task::JoinSet::new();
    for (n, body) in bodies.into_iter().enumerate() {
        let app = app.clone();
        let address = format!("10.200.{}.{}", n / 250, n % 250 + 1);
        signings.spawn(async move {
            let response = app.post_signature("stop-sharing", &body, Some(&address)).await;
            (response.status().as_u16(), response.text().await.unwrap())
        });
    }
    let answers = signings.join_all().await;
    assert!(answers.iter().all(|answer| *answer == answers[0]), "{:?}", answers[0]);
    assert_eq!(answers[0].0, 200);
    assert_eq!(app.count("stop-sharing").await, 1);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures").fetch_one(&app.db().await).await.unwrap();
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn variants_of_one_gmail_address_count_once_and_look_the_same() {
    let app = spawn_app().await;
    let first = app.sign("stop-sharing", &signature("amara.okafor@gmail.com")).await;
    let first = first.text().await.unwrap();
    for variant in ["AmaraOkafor@gmail.com", "amara.okafor+nhs@gmail.com", "a.maraokafor@googlemail.com"] {
        let again = app.sign("stop-sharing", &signature(variant)).await;
        assert_eq!(again.status(), 200);
        assert_eq!(again.text().await.unwrap(), first, "{variant} answered differently");
    }
    assert_eq!(app.count("stop-sharing").await, 1);
    // A different person on another provider, where dots matter, is counted.
    app.sign("stop-sharing", &signature("amara.okafor@nhs.net")).await;
    app.sign("stop-sharing", &signature("amaraokafor@nhs.net")).await;
    assert_eq!(app.count("stop-sharing").await, 3);
}

#[tokio::test]
async fn stalled_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("petitions.db");
    let config = petition_server::Config {
        request_timeout_seconds: 1,
        ..petition_server::Config::rooted_at(crate::helpers::repo_root(), format!("sqlite://{}", database.display()))
    };
    let app = crate::helpers::spawn_with(dir, database, config).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let read_all = |mut stream: tokio::net::TcpStream| async move {
        let mut answer = vec![];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the server still holds the connection after 5 s");
        String::from_utf8_lossy(&answer).into_owned()
    };
    // A head that never ends (slowloris): the connection is closed.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(b"GET /api/petitions/stop-sharing HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let started = std::time::Instant::now();
    let answer = read_all(stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // A body that stops halfway: 408, and the connection is closed.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            b"POST /api/petitions/stop-sharing/signatures HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 200\r\n\r\n{\"first_name\": \"Am",
        )
        .await
        .unwrap();
    let answer = read_all(stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"timeout""#), "the API's error answer, with its code: {answer}");
    assert_eq!(app.count("stop-sharing").await, 0);
}
