//! Petitions that count a signature only once the person confirms it through
//! a link mailed to them. Mail goes through a real SMTP conversation with a
//! small sink on a local port.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use petition_server::Config;
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

use crate::helpers::{confirmation_link, relaxed_guard, repo_root, signature, spawn_with, TestApp};

const SLUG: &str = "scrap-upfront-charging";

/// One message an SMTP client handed over.
#[derive(Clone, Debug)]
struct Delivered {
    recipients: Vec<String>,
    data: String,
}

/// An SMTP server that accepts every message and keeps it.
struct SmtpSink {
    port: u16,
    delivered: Arc<Mutex<Vec<Delivered>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    async fn start(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("the sink's port is free");
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let kept = delivered.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(converse(stream, kept.clone()));
            }
        });
        SmtpSink { port, delivered, task }
    }

    fn to(&self, address: &str) -> Vec<Delivered> {
        let delivered = self.delivered.lock().unwrap();
        delivered.iter().filter(|d| d.recipients.iter().any(|r| r == address)).cloned().collect()
    }

    /// Waits up to `within` for `count` messages to `address`.
    async fn wait_for(&self, address: &str, count: usize, within: Duration) -> Vec<Delivered> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.to(address);
            if got.len() >= count || tokio::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The server's half of RFC 5321, as much of it as a client sending mail uses.
async fn converse(stream: tokio::net::TcpStream, delivered: Arc<Mutex<Vec<Delivered>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut recipients = Vec::new();
    write.write_all(b"220 sink.test ESMTP\r\n").await.unwrap();
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" | "MAIL" | "RSET" | "NOOP" => b"250 OK\r\n",
            "RCPT" => {
                let address = line.split_once(':').map(|(_, a)| a).unwrap_or("");
                let address = address.split_whitespace().next().unwrap_or("").trim_matches(['<', '>']);
                recipients.push(address.to_owned());
                b"250 OK\r\n"
            }
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await.unwrap();
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    // A leading dot is doubled on the wire.
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push('\n');
                }
                delivered.lock().unwrap().push(Delivered { recipients: std::mem::take(&mut recipients), data });
                b"250 OK: queued\r\n"
            }
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await.ok();
                return;
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await.unwrap();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A server sending mail through SMTP on `port`, retrying after `retry` seconds.
async fn spawn_mailing(port: u16, retry: u64) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("petitions.db");
    let mut config = Config::rooted_at(repo_root(), format!("sqlite://{}", database.display()));
    config.guard = relaxed_guard();
    config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    config.mail.mail_from = "Doctors of the World <petition@example.org>".into();
    config.mail.mail_retry_seconds = retry;
    spawn_with(dir, database, config).await
}

fn link_in(mail: &Delivered) -> String {
    confirmation_link(&mail.data).unwrap_or_else(|| panic!("no link in {}", mail.data))
}

async fn post(app: &TestApp, link: &str) -> String {
    let page = app.client.post(link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

#[tokio::test]
async fn a_signature_counts_only_once_the_person_follows_the_link_mailed_to_them() {
    let sink = SmtpSink::start(free_port()).await;
    let app = spawn_mailing(sink.port, 30).await;
    let petition = app.petition(SLUG).await;
    assert_eq!(petition["confirm_by_email"], true, "the widget is told to say 'check your inbox'");

    let signed = app.sign(SLUG, &signature("amara@example.org")).await;
    assert_eq!(signed.status(), 200);
    let receipt: Value = signed.json().await.unwrap();
    assert_eq!(receipt["signature_count"], 0, "pending: not counted yet");
    assert_eq!(app.count(SLUG).await, 0);

    let mail = sink.wait_for("amara@example.org", 1, Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 1, "one mail, through SMTP");
    assert!(mail[0].data.contains("Subject: Confirm your signature: Scrap upfront charging"), "{}", mail[0].data);
    assert!(mail[0].data.contains("From: \"Doctors of the World\" <petition@example.org>"), "{}", mail[0].data);
    assert!(mail[0].data.contains("Content-Transfer-Encoding: 8bit"), "the link is not broken up");
    let link = link_in(&mail[0]);
    let token = link.rsplit('/').next().unwrap();
    assert!(link.starts_with(&format!("{}/confirm/", app.base)), "{link}");
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()), "at least 128 bits: {token}");

    // The database holds the token's hash, never the token: whoever reads it
    // can't confirm anything. Once sent, the outbox forgets the address.
    let file = crate::helpers::bytes_of(&app.database);
    let wal = crate::helpers::bytes_of(&app.database.with_extension("db-wal"));
    for bytes in [&file, &wal] {
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "the token is not stored");
    }
    let db = app.db().await;
    let (to, sent): (String, Option<i64>) =
        sqlx::query_as("SELECT to_address, sent_at FROM outbox").fetch_one(&db).await.unwrap();
    assert_eq!((to.as_str(), sent.is_some()), ("", true));

    // Opening the link (as a mail scanner checking it would) counts nothing:
    // it shows a button.
    let opened = app.client.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), 200);
    assert_eq!(opened.headers()["cache-control"], "no-store");
    assert_eq!(opened.headers()["referrer-policy"], "no-referrer");
    assert!(opened.text().await.unwrap().contains("<button type=\"submit\">Confirm my signature</button>"));
    assert_eq!(app.count(SLUG).await, 0);

    let page = post(&app, &link).await;
    assert!(page.contains("your signature is confirmed"), "{page}");
    assert!(page.contains("Scrap upfront charging for NHS hospital care."));
    assert_eq!(app.count(SLUG).await, 1);

    // The link is single-use: following it again counts nothing more.
    let again = post(&app, &link).await;
    assert!(again.contains("already been used or has expired"), "{again}");
    assert_eq!(app.count(SLUG).await, 1);
    let (status, confirmed_at): (String, Option<String>) =
        sqlx::query_as("SELECT status, confirmed_at FROM signatures").fetch_one(&db).await.unwrap();
    assert_eq!((status.as_str(), confirmed_at.is_some()), ("counted", true));
}

#[tokio::test]
async fn every_link_sent_works_until_one_is_used_and_an_address_gets_at_most_three_a_day() {
    let sink = SmtpSink::start(free_port()).await;
    let app = spawn_mailing(sink.port, 30).await;
    let first: Value = app.sign(SLUG, &signature("kofi@example.org")).await.json().await.unwrap();
    // The first mail may be lost: signing again sends another link, with the
    // same answer as the first time (the form never tells who has signed).
    for _ in 0..4 {
        let again: Value = app.sign(SLUG, &signature("kofi@example.org")).await.json().await.unwrap();
        assert_eq!(again, first);
    }
    let mail = sink.wait_for("kofi@example.org", 3, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.to("kofi@example.org").len(), 3, "five signings, three mails");
    let links: Vec<String> = mail.iter().map(link_in).collect();
    assert_eq!(links.iter().collect::<std::collections::HashSet<_>>().len(), 3, "each mail has its own link");

    assert!(post(&app, &links[1]).await.contains("your signature is confirmed"));
    assert!(post(&app, &links[0]).await.contains("already been used"));
    assert!(post(&app, &links[2]).await.contains("already been used"));
    assert_eq!(app.count(SLUG).await, 1);

    // Confirmed, a repeat is an ordinary duplicate: no mail, same answer.
    let after: Value = app.sign(SLUG, &signature("kofi@example.org")).await.json().await.unwrap();
    assert_eq!(after["signature_count"], 1);
    assert_eq!(app.count(SLUG).await, 1);
}

#[tokio::test]
async fn a_link_past_its_seven_days_counts_nothing() {
    let sink = SmtpSink::start(free_port()).await;
    let app = spawn_mailing(sink.port, 30).await;
    app.sign(SLUG, &signature("late@example.org")).await;
    let link = link_in(&sink.wait_for("late@example.org", 1, Duration::from_secs(5)).await[0]);
    let db = app.db().await;
    let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM confirmations").fetch_one(&db).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((7 * 86400 - 60..=7 * 86400).contains(&(expires - now)), "seven days: {}", expires - now);
    sqlx::query("UPDATE confirmations SET expires_at = ?1").bind(now - 1).execute(&db).await.unwrap();

    assert!(post(&app, &link).await.contains("has expired"));
    assert_eq!(app.count(SLUG).await, 0);
}

#[tokio::test]
async fn nonsense_and_guessed_links_are_refused_without_an_error() {
    let app = crate::helpers::spawn_app().await;
    app.sign(SLUG, &signature("guess@example.org")).await;
    for token in ["", "0", &"0".repeat(64), "<script>alert(1)</script>", &"f".repeat(5000)] {
        let link = format!("{}/confirm/{}", app.base, token.replace('/', "%2F"));
        let shown = app.client.get(&link).send().await.unwrap();
        assert!(shown.status() == 200 || shown.status() == 404, "{token:?}: {}", shown.status());
        assert!(!shown.text().await.unwrap().contains("<script>"), "nothing is echoed as markup");
        let posted = app.client.post(&link).send().await.unwrap();
        assert!(posted.status().is_client_error() || posted.status() == 200, "{token:?}: {}", posted.status());
    }
    assert_eq!(app.count(SLUG).await, 0);
}

#[tokio::test]
async fn an_smtp_outage_fails_no_signing_loses_no_mail_and_retries_back_off() {
    let port = free_port();
    // Nothing listens on the port yet: the mail server is down.
    let app = spawn_mailing(port, 1).await;
    let signed = app.sign(SLUG, &signature("patient@example.org")).await;
    assert_eq!(signed.status(), 200, "the signing succeeds whatever the mail server does");

    // Retries wait 1, 2, 4 … seconds: after 5 s, three attempts, not five.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let db = app.db().await;
    let (attempts, error, sent): (i64, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT attempts, last_error, sent_at FROM outbox").fetch_one(&db).await.unwrap();
    assert_eq!((attempts, sent), (3, None), "{error:?}");
    let error = error.unwrap_or_default();
    assert!(!error.contains("patient@example.org"), "no address in the error kept: {error}");

    // The mail server comes back: the next retry delivers, and the link works.
    let sink = SmtpSink::start(port).await;
    let mail = sink.wait_for("patient@example.org", 1, Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1, "delivered on a retry");
    assert!(post(&app, &link_in(&mail[0])).await.contains("your signature is confirmed"));
    assert_eq!(app.count(SLUG).await, 1);
}

#[tokio::test]
async fn mail_waiting_in_the_outbox_survives_a_restart() {
    let port = free_port();
    let app = spawn_mailing(port, 3600).await;
    assert_eq!(app.sign(SLUG, &signature("restart@example.org")).await.status(), 200);
    let db = app.db().await;
    for _ in 0..100 {
        let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM outbox").fetch_one(&db).await.unwrap();
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Restarted without an SMTP server, it writes due mail to its folder;
    // make the waiting mail due now rather than in an hour.
    sqlx::query("UPDATE outbox SET next_attempt_at = 0").execute(&db).await.unwrap();
    db.close().await;
    let app = app.restart().await;
    let links = app.links_mailed_to("restart@example.org", 1).await;
    // The link names the address the first server listened on (a deployment
    // sets --public-url); the restarted one listens elsewhere.
    let token = links[0].rsplit('/').next().unwrap();
    assert!(post(&app, &format!("{}/confirm/{token}", app.base)).await.contains("your signature is confirmed"));
    assert_eq!(app.count(SLUG).await, 1);
}

#[tokio::test]
async fn pending_signatures_are_in_no_public_number_and_flagged_ones_get_no_mail() {
    let app = crate::helpers::spawn_app().await;
    app.sign(SLUG, &signature("pending@example.org")).await;
    // A bot's submission (the honeypot filled) is held, and mails nobody.
    let mut bot = signature("bot-target@example.org");
    bot["website"] = "https://spam.example".into();
    assert_eq!(app.sign(SLUG, &bot).await.status(), 200);
    app.links_mailed_to("pending@example.org", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.mails_to("bot-target@example.org").is_empty());

    let petition = app.petition(SLUG).await;
    assert_eq!(petition["signature_count"], 0);
    assert!(!petition["reasons"].to_string().contains("trust their GP"), "no pending reason shown: {petition}");
}
