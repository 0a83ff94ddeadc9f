//! `--metrics-listen`: what an operator's Prometheus reads, and nothing it
//! must not; and a graceful shutdown as the load balancer's instances see it.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    helpers::{manual_clock, signature, spawn_configured, TestApp},
    live::Events,
};

/// The value of one series (name and labels, exactly as scraped), if present.
fn value(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// The value of a series that must be there.
fn must(scrape: &str, series: &str) -> f64 {
    value(scrape, series).unwrap_or_else(|| panic!("no {series} in the scrape:\n{scrape}"))
}

const SIGNING: &str = "/api/petitions/{slug}/signatures";

/// Signs stop-sharing from `from`, `wait` after the form was shown.
async fn sign_after(app: &TestApp, body: Value, wait: Duration, from: &str) -> (u16, Value) {
    let body = app.answer_challenge("stop-sharing", body).await;
    app.clock.advance(wait);
    let status = app.post_signature("stop-sharing", &body, Some(from)).await.status().as_u16();
    (status, body)
}

#[tokio::test]
async fn an_operator_sees_what_became_of_each_signature_and_nothing_about_anyone() {
    let app = spawn_configured(|config| {
        config.metrics_listen = Some("127.0.0.1:0".into());
        config.guard.min_fill_seconds = 3;
        config.clock = manual_clock();
    })
    .await;
    let person = Duration::from_secs(3);
    let mut events = Events::open(&app, "stop-sharing").await;
    events.next(Duration::from_secs(5)).await;

    // Counted; then the same person again: answered alike, counted once.
    let (status, counted) = sign_after(&app, signature("amara.metrics@example.org"), person, "10.9.0.1").await;
    assert_eq!(status, 200);
    assert_eq!(sign_after(&app, signature("amara.metrics@example.org"), person, "10.9.0.2").await.0, 200);
    // Held for review: a bot filling the hidden field, and a form sent at once.
    let mut bot = signature("bot.metrics@example.net");
    bot["website"] = "https://spam.example".into();
    assert_eq!(sign_after(&app, bot, person, "10.9.0.3").await.0, 200);
    assert_eq!(sign_after(&app, signature("hasty.metrics@example.org"), Duration::ZERO, "10.9.0.4").await.0, 200);
    // Refused: a broken field, a body of the wrong shape, a forged
    // challenge, a replayed one.
    let mut typo = signature("not an address");
    typo["first_name"] = "Zainab".into();
    assert_eq!(sign_after(&app, typo, person, "10.9.0.5").await.0, 422);
    let wrong_shape = json!({ "first_name": 5, "email": "shape.metrics@example.org" });
    assert_eq!(app.post_signature("stop-sharing", &wrong_shape, Some("10.9.0.6")).await.status(), 422);
    let mut forged = signature("forged.metrics@example.org");
    forged["challenge"] = "stop-sharing.1.8.00.ff".into();
    forged["proof"] = 0.into();
    assert_eq!(app.post_signature("stop-sharing", &forged, Some("10.9.0.7")).await.status(), 403);
    assert_eq!(app.post_signature("stop-sharing", &counted, Some("10.9.0.8")).await.status(), 403);
    // A link's token is in the path asked for, never in a label.
    let token = "tok3n-that-must-not-leak";
    app.get(&format!("/confirm/{token}")).await;
    // The widget's files go under one route, whatever the file (served if
    // the widget is built); a path nothing serves is `unmatched`.
    app.get("/pkg/petition_widget.js").await;
    app.get("/no-such-page/amara.metrics").await;

    let scrape = app.scrape().await;
    let expected = [
        (r#"petition_signatures_counted_total{via="signing"}"#, 1.0),
        (r#"petition_signatures_counted_total{via="confirmation"}"#, 0.0),
        ("petition_signatures_pending_or_repeat_total", 1.0),
        (r#"petition_signatures_held_total{reason="honeypot"}"#, 1.0),
        (r#"petition_signatures_held_total{reason="too-fast"}"#, 1.0),
        (r#"petition_signatures_held_total{reason="burst"}"#, 0.0),
        (r#"petition_signatures_refused_total{reason="invalid"}"#, 1.0),
        (r#"petition_signatures_refused_total{reason="unreadable"}"#, 1.0),
        (r#"petition_signatures_refused_total{reason="challenge-invalid"}"#, 1.0),
        (r#"petition_signatures_refused_total{reason="challenge-spent"}"#, 1.0),
        (r#"petition_signatures_refused_total{reason="too-many"}"#, 0.0),
        ("petition_event_streams_open", 1.0),
        ("petition_event_streams_busiest_source", 1.0),
        (&format!(r#"petition_http_request_duration_seconds_count{{route="{SIGNING}",method="POST",status="2xx"}}"#), 4.0),
        (&format!(r#"petition_http_request_duration_seconds_count{{route="{SIGNING}",method="POST",status="4xx"}}"#), 4.0),
        (r#"petition_http_request_duration_seconds_count{route="/confirm/{token}",method="GET",status="2xx"}"#, 1.0),
    ];
    for (series, want) in expected {
        assert_eq!(must(&scrape, series), want, "{series}");
    }
    let widget_files = scrape
        .lines()
        .filter(|l| l.starts_with(r#"petition_http_request_duration_seconds_count{route="/pkg/{*file}",method="GET","#))
        .count();
    assert_eq!(widget_files, 1, "{scrape}");
    assert_eq!(must(&scrape, r#"petition_http_request_duration_seconds_count{route="unmatched",method="GET",status="4xx"}"#), 1.0);
    // Everything the people typed, where they came from, the token, and the
    // petition's own path: none of it in any label.
    let db = app.db().await;
    let hashes: Vec<String> = sqlx::query_scalar("SELECT source_hash FROM signatures").fetch_all(&db).await.unwrap();
    assert_eq!(hashes.len(), 3, "the counted one and the two held");
    let mut secret: Vec<&str> = vec![
        "amara.metrics", "bot.metrics", "hasty.metrics", "shape.metrics", "forged.metrics", "example.org", "Amara",
        "Zainab", "Okafor", "E1 6AN", "Patients", "10.9.0.", token, "stop-sharing",
    ];
    secret.extend(hashes.iter().map(String::as_str));
    for text in secret {
        assert!(!scrape.contains(text), "{text:?} is in the scrape:\n{scrape}");
    }

    // The public address doesn't serve them.
    assert_eq!(app.get("/metrics").await.status(), 404);
}

#[tokio::test]
async fn mail_that_cannot_go_out_shows_as_a_backlog_that_waits_longer_and_longer() {
    // An SMTP server that refuses every connection.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = spawn_configured(|config| {
        config.metrics_listen = Some("127.0.0.1:0".into());
        config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        config.clock = manual_clock();
    })
    .await;
    let before = app.scrape().await;
    assert_eq!(must(&before, "petition_outbox_waiting"), 0.0);
    assert_eq!(must(&before, "petition_outbox_oldest_waiting_seconds"), 0.0);

    let to = "backlog.metrics@example.org";
    assert_eq!(app.sign("scrap-upfront-charging", &signature(to)).await.status(), 200);
    app.outbox.settled().await;
    app.clock.advance(Duration::from_secs(90));
    let scrape = app.scrape().await;
    assert_eq!(must(&scrape, "petition_outbox_waiting"), 1.0);
    assert_eq!(must(&scrape, "petition_outbox_given_up"), 0.0);
    assert_eq!(must(&scrape, "petition_outbox_oldest_waiting_seconds"), 90.0);
    assert_eq!(must(&scrape, "petition_signatures_pending_or_repeat_total"), 1.0, "waiting for its confirmation");
    let in_use = must(&scrape, "petition_db_connections_in_use");
    let max = must(&scrape, "petition_db_connections_max");
    assert!(max >= 1.0 && (0.0..=max).contains(&in_use), "{in_use} of {max}");
    assert!(!scrape.contains("backlog.metrics"), "{scrape}");

    // Mail flows again (a new instance: its counts start at zero), the person
    // confirms, and the backlog is gone.
    let app = app.restart_with(|config| config.mail.smtp_url = None).await;
    app.clock.advance(Duration::from_secs(60 * 60));
    let link = app.links_mailed_to(to, "/confirm/", 1).await.pop().unwrap();
    // The link names the first server's address; the new one listens elsewhere.
    let token = link.rsplit('/').next().unwrap();
    let confirmed = app.client.post(format!("{}/confirm/{token}", app.base)).send().await.unwrap();
    assert!(confirmed.text().await.unwrap().contains("your signature is confirmed"));
    let scrape = app.scrape().await;
    assert_eq!(must(&scrape, "petition_outbox_waiting"), 0.0);
    assert_eq!(must(&scrape, "petition_outbox_oldest_waiting_seconds"), 0.0);
    assert_eq!(must(&scrape, r#"petition_signatures_counted_total{via="confirmation"}"#), 1.0);
    assert_eq!(must(&scrape, r#"petition_signatures_counted_total{via="signing"}"#), 0.0);
}

#[tokio::test]
async fn on_shutdown_streams_are_told_to_reconnect_soon_and_a_signing_in_flight_is_answered() {
    let mut app = spawn_configured(|config| config.metrics_listen = Some("127.0.0.1:0".into())).await;
    let mut events = Events::open(&app, "stop-sharing").await;
    events.next(Duration::from_secs(5)).await;

    // A signing whose body is still arriving when the server is told to stop.
    let body = app.answer_challenge("stop-sharing", signature("in-flight.metrics@example.org")).await.to_string();
    let (first, second) = body.split_at(body.len() / 2);
    let address = app.base.strip_prefix("http://").unwrap().to_owned();
    let mut signing = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/petitions/stop-sharing/signatures HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         X-Forwarded-For: 10.9.1.1\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    signing.write_all(format!("{head}{first}").as_bytes()).await.unwrap();
    // Once the server counts it in flight, it has the request in hand.
    let in_flight = format!(r#"petition_http_requests_in_flight{{route="{SIGNING}"}}"#);
    tokio::time::timeout(Duration::from_secs(10), async {
        while value(&app.scrape().await, &in_flight) != Some(1.0) {}
    })
    .await
    .expect("the server takes the signing in hand");

    let server = app.begin_shutdown();
    // The stream's last words: reconnect in a second or two (to another
    // instance, behind a proxy); then it ends, cleanly.
    let rest = events.rest(Duration::from_secs(10)).await;
    let retry: u64 = rest
        .lines()
        .find_map(|line| line.strip_prefix("retry: "))
        .unwrap_or_else(|| panic!("no retry in {rest:?}"))
        .parse()
        .unwrap();
    assert!((1000..=2000).contains(&retry), "{retry} ms");
    assert!(rest.trim_end().ends_with(&format!("retry: {retry}")), "nothing after it: {rest:?}");

    // The signing in flight finishes and is answered, and stored.
    signing.write_all(second.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), signing.read_to_string(&mut answer))
        .await
        .expect("answered in time")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""signature_count":1"#), "{answer}");
    tokio::time::timeout(Duration::from_secs(10), server).await.expect("the server stops once all is answered").unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE status = 'counted'")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    assert!(TcpStream::connect(&address).await.is_err(), "no longer accepting");
}
