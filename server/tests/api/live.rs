//! `GET /api/events`: the live count over server-sent events.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{signature, spawn_app, TestApp};

/// An open event stream, read event by event.
pub(crate) struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    pub(crate) async fn open(app: &TestApp, petitions: &str) -> Events {
        let response = app.get(&format!("/api/events?petitions={petitions}")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events { response, buffer: String::new() }
    }

    /// The next `count` event's data, waiting at most `within`.
    pub(crate) async fn next(&mut self, within: Duration) -> Value {
        tokio::time::timeout(within, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let event: String = self.buffer.drain(..end + 2).collect();
                    if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                        assert!(event.contains("event: count"), "{event}");
                        return serde_json::from_str(data).unwrap();
                    }
                    continue; // a keep-alive comment
                }
                let chunk = self.response.chunk().await.unwrap().expect("the stream stays open");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .expect("an event arrives in time")
    }

    /// Everything the server sends until it ends the stream, waiting at
    /// most `within`.
    pub(crate) async fn rest(mut self, within: Duration) -> String {
        tokio::time::timeout(within, async {
            while let Some(chunk) = self.response.chunk().await.expect("the stream ends cleanly, not cut") {
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
            self.buffer
        })
        .await
        .expect("the stream ends in time")
    }
}

#[tokio::test]
async fn a_page_watching_two_petitions_gets_both_counts_and_then_each_new_signature_within_two_seconds() {
    let app = spawn_app().await;
    let mut events = Events::open(&app, "stop-sharing,scrap-upfront-charging").await;
    let first = events.next(Duration::from_secs(2)).await;
    let second = events.next(Duration::from_secs(2)).await;
    assert_eq!((first["slug"].as_str(), first["signature_count"].as_u64()), (Some("stop-sharing"), Some(0)));
    assert_eq!(second["slug"], "scrap-upfront-charging");

    // That petition asks for confirmation: the signature counts, and is sent,
    // when the person follows the link mailed to them.
    app.sign_and_confirm("scrap-upfront-charging", &signature("live@example.org")).await;
    let update = events.next(Duration::from_secs(2)).await;
    assert_eq!((update["slug"].as_str(), update["signature_count"].as_u64()), (Some("scrap-upfront-charging"), Some(1)));
    assert_eq!(update["goal"], 1000);

    // A repeat counts nothing, so it sends nothing; the next new one does.
    app.sign("scrap-upfront-charging", &signature("live@example.org")).await;
    app.sign("stop-sharing", &signature("live2@example.org")).await;
    let update = events.next(Duration::from_secs(2)).await;
    assert_eq!((update["slug"].as_str(), update["signature_count"].as_u64()), (Some("stop-sharing"), Some(1)));
}

#[tokio::test]
async fn a_stream_only_carries_the_petitions_it_asked_for() {
    let app = spawn_app().await;
    let mut events = Events::open(&app, "stop-sharing").await;
    events.next(Duration::from_secs(2)).await;
    app.sign("scrap-upfront-charging", &signature("other@example.org")).await;
    app.sign("stop-sharing", &signature("mine@example.org")).await;
    assert_eq!(events.next(Duration::from_secs(2)).await["slug"], "stop-sharing");
}

#[tokio::test]
async fn a_stream_without_petitions_is_refused_with_words() {
    let app = spawn_app().await;
    let response = app.get("/api/events").await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("petitions=stop-sharing"));
}

#[tokio::test]
async fn open_streams_do_not_stop_the_server_from_restarting() {
    let app = spawn_app().await;
    let mut events = Events::open(&app, "stop-sharing").await;
    events.next(Duration::from_secs(2)).await;
    // restart() waits for the old server to finish; it must not hang on the stream.
    let app = tokio::time::timeout(Duration::from_secs(10), app.restart()).await.expect("shutdown finishes");
    assert_eq!(app.count("stop-sharing").await, 0);
}

#[tokio::test]
async fn one_source_cannot_hold_more_than_fifty_streams_open_and_others_are_not_affected() {
    let app = spawn_app().await;
    let open = |from: &'static str| {
        let request =
            app.client.get(format!("{}/api/events?petitions=stop-sharing", app.base)).header("x-forwarded-for", from);
        async move { request.send().await.unwrap() }
    };
    let mut held = vec![];
    for _ in 0..50 {
        let stream = open("192.0.2.50").await;
        assert_eq!(stream.status(), 200);
        held.push(stream);
    }
    let refused = open("192.0.2.50").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(open("198.51.100.50").await.status(), 200, "another source streams as usual");
}
