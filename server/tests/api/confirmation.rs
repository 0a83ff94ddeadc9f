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
    net::{TcpListener, TcpSocket},
};

use crate::helpers::{link_in, manual_clock, relaxed_guard, repo_root, signature, spawn_with, TestApp};

const SLUG: &str = "scrap-upfront-charging";

/// One message an SMTP client handed over.
#[derive(Clone, Debug)]
struct Delivered {
    recipients: Vec<String>,
    data: String,
}

/// A port of our own on which nothing listens yet: a mail server that is
/// down (a connection is refused at once). Bound now, so no other test can
/// take it before [`SmtpSink::start`] listens on it.
fn mail_server_down() -> TcpSocket {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket
}

fn port_of(socket: &TcpSocket) -> u16 {
    socket.local_addr().unwrap().port()
}

/// An SMTP server that accepts every message and keeps it.
struct SmtpSink {
    port: u16,
    delivered: Arc<Mutex<Vec<Delivered>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// A mail server, up, on a port of its own.
    async fn running() -> SmtpSink {
        SmtpSink::start(mail_server_down()).await
    }

    /// The mail server comes up on `socket`'s port.
    async fn start(socket: TcpSocket) -> SmtpSink {
        let port = port_of(&socket);
        let listener: TcpListener = socket.listen(16).unwrap();
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let kept = delivered.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(converse(stream, kept.clone()));
            }
        });
        SmtpSink { port, delivered, task }
    }

    /// The messages delivered to `address` so far.
    fn to(&self, address: &str) -> Vec<Delivered> {
        let delivered = self.delivered.lock().unwrap();
        delivered.iter().filter(|d| d.recipients.iter().any(|r| r == address)).cloned().collect()
    }

    /// The messages to `address`, once `app`'s outbox has sent everything due.
    async fn settled_to(&self, app: &TestApp, address: &str) -> Vec<Delivered> {
        app.outbox.settled().await;
        self.to(address)
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

/// A server sending mail through SMTP on `port`, retrying after `retry`
/// seconds, on a clock the test moves.
async fn spawn_mailing(port: u16, retry: u64) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("petitions.db");
    let mut config = Config::rooted_at(repo_root(), format!("sqlite://{}", database.display()));
    config.guard = relaxed_guard();
    config.clock = manual_clock();
    config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    config.mail.mail_from = "Doctors of the World <petition@example.org>".into();
    config.mail.mail_retry_seconds = retry;
    spawn_with(dir, database, config).await
}

fn confirm_link(mail: &Delivered) -> String {
    link_in(&mail.data, "/confirm/").unwrap_or_else(|| panic!("no link in {}", mail.data))
}

/// The outbox's delivery attempts so far, and whether the mail went.
async fn attempts(app: &TestApp) -> (i64, bool) {
    app.outbox.settled().await;
    let (attempts, sent): (i64, Option<i64>) =
        sqlx::query_as("SELECT attempts, sent_at FROM outbox").fetch_one(&app.db().await).await.unwrap();
    (attempts, sent.is_some())
}

async fn post(app: &TestApp, link: &str) -> String {
    let page = app.client.post(link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

#[tokio::test]
async fn a_signature_counts_only_once_the_person_follows_the_link_mailed_to_them() {
    let sink = SmtpSink::running().await;
    let app = spawn_mailing(sink.port, 30).await;
    let petition = app.petition(SLUG).await;
    assert_eq!(petition["confirm_by_email"], true, "the widget is told to say 'check your inbox'");

    let signed = app.sign(SLUG, &signature("amara@example.org")).await;
    assert_eq!(signed.status(), 200);
    let receipt: Value = signed.json().await.unwrap();
    assert_eq!(receipt["signature_count"], 0, "pending: not counted yet");
    assert_eq!(app.count(SLUG).await, 0);

    let mail = sink.settled_to(&app, "amara@example.org").await;
    assert_eq!(mail.len(), 1, "one mail, through SMTP");
    assert!(mail[0].data.contains("Subject: Confirm your signature: Scrap upfront charging"), "{}", mail[0].data);
    assert!(mail[0].data.contains("From: \"Doctors of the World\" <petition@example.org>"), "{}", mail[0].data);
    assert!(mail[0].data.contains("Content-Transfer-Encoding: 8bit"), "the link is not broken up");
    let link = confirm_link(&mail[0]);
    // The link opens the page in the mail's language (`?lang=en`).
    let token = link.rsplit('/').next().unwrap().split('?').next().unwrap();
    assert!(link.starts_with(&format!("{}/confirm/", app.base)), "{link}");
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()), "at least 128 bits: {token}");

    // The database holds the token's hash, never the token: whoever reads it
    // can't confirm anything. Once sent, the outbox forgets the address.
    let stored = app.stored_bytes().await;
    assert!(stored.len() > 10_000, "the database's files were read");
    assert!(!stored.windows(token.len()).any(|w| w == token.as_bytes()), "the token is not stored");
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
    let sink = SmtpSink::running().await;
    let app = spawn_mailing(sink.port, 30).await;
    let first: Value = app.sign(SLUG, &signature("kofi@example.org")).await.json().await.unwrap();
    // The first mail may be lost: signing again sends another link, with the
    // same answer as the first time (the form never tells who has signed).
    for _ in 0..4 {
        let again: Value = app.sign(SLUG, &signature("kofi@example.org")).await.json().await.unwrap();
        assert_eq!(again, first);
    }
    let mail = sink.settled_to(&app, "kofi@example.org").await;
    assert_eq!(mail.len(), 3, "five signings, three mails");
    let links: Vec<String> = mail.iter().map(confirm_link).collect();
    assert_eq!(links.iter().collect::<std::collections::HashSet<_>>().len(), 3, "each mail has its own link");

    assert!(post(&app, &links[1]).await.contains("your signature is confirmed"));
    assert!(post(&app, &links[0]).await.contains("already been used"));
    assert!(post(&app, &links[2]).await.contains("already been used"));
    assert_eq!(app.count(SLUG).await, 1);

    // Confirmed, a repeat is an ordinary duplicate: no mail, same answer.
    let after: Value = app.sign(SLUG, &signature("kofi@example.org")).await.json().await.unwrap();
    assert_eq!(after["signature_count"], 1);
    assert_eq!(app.count(SLUG).await, 1);
    assert_eq!(sink.settled_to(&app, "kofi@example.org").await.len(), 3, "nothing more to a confirmed signer");
}

#[tokio::test]
async fn a_link_past_its_seven_days_counts_nothing() {
    let sink = SmtpSink::running().await;
    let app = spawn_mailing(sink.port, 30).await;
    app.sign(SLUG, &signature("late@example.org")).await;
    let link = confirm_link(&sink.settled_to(&app, "late@example.org").await[0]);
    app.clock.advance(Duration::from_secs(7 * 24 * 60 * 60 + 1));

    assert!(post(&app, &link).await.contains("has expired"));
    assert_eq!(app.count(SLUG).await, 0);
}

#[tokio::test]
async fn nonsense_and_guessed_links_are_refused_without_an_error() {
    let app = crate::helpers::spawn_app().await;
    app.sign(SLUG, &signature("guess@example.org")).await;
    // No token at all is no page.
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let response = app.client.request(method, format!("{}/confirm/", app.base)).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }
    // Any other: the page with its button, and pressing it counts nothing.
    for token in ["0", &"0".repeat(64), "<script>alert(1)</script>", &"f".repeat(5000)] {
        let link = format!("{}/confirm/{}", app.base, token.replace('/', "%2F"));
        let shown = app.client.get(&link).send().await.unwrap();
        assert_eq!(shown.status(), 200, "{token:?}");
        let shown = shown.text().await.unwrap();
        assert!(shown.contains("Confirm my signature"), "{shown}");
        assert!(!shown.contains("<script>"), "nothing is echoed as markup");
        let posted = app.client.post(&link).send().await.unwrap();
        assert_eq!(posted.status(), 200, "{token:?}");
        assert!(posted.text().await.unwrap().contains("already been used or has expired"));
    }
    assert_eq!(app.count(SLUG).await, 0);
}

#[tokio::test]
async fn an_smtp_outage_fails_no_signing_loses_no_mail_and_retries_back_off() {
    let down = mail_server_down();
    let app = spawn_mailing(port_of(&down), 1).await;
    let signed = app.sign(SLUG, &signature("patient@example.org")).await;
    assert_eq!(signed.status(), 200, "the signing succeeds whatever the mail server does");
    assert_eq!(attempts(&app).await, (1, false));

    // Retries wait 1, 2, 4 … seconds after each failure, not less.
    let mut tried = 1;
    for wait in [1, 2, 4] {
        app.clock.advance(Duration::from_secs(wait - 1));
        assert_eq!(attempts(&app).await, (tried, false), "{} s after attempt {tried}: too soon", wait - 1);
        app.clock.advance(Duration::from_secs(1));
        tried += 1;
        assert_eq!(attempts(&app).await, (tried, false), "{wait} s after attempt {}", tried - 1);
    }
    let error: Option<String> = sqlx::query_scalar("SELECT last_error FROM outbox").fetch_one(&app.db().await).await.unwrap();
    let error = error.unwrap_or_default();
    assert!(!error.is_empty() && !error.contains("patient@example.org"), "no address in the error kept: {error}");

    // The mail server comes back: the next retry delivers, and the link works.
    let sink = SmtpSink::start(down).await;
    assert!(sink.settled_to(&app, "patient@example.org").await.is_empty(), "the next retry is not due yet");
    app.clock.advance(Duration::from_secs(8));
    let mail = sink.settled_to(&app, "patient@example.org").await;
    assert_eq!(mail.len(), 1, "delivered on a retry");
    assert_eq!(attempts(&app).await, (tried, true));
    assert!(post(&app, &confirm_link(&mail[0])).await.contains("your signature is confirmed"));
    assert_eq!(app.count(SLUG).await, 1);
}

#[tokio::test]
async fn mail_waiting_in_the_outbox_survives_a_restart() {
    let down = mail_server_down();
    let app = spawn_mailing(port_of(&down), 3600).await;
    assert_eq!(app.sign(SLUG, &signature("restart@example.org")).await.status(), 200);
    assert_eq!(attempts(&app).await, (1, false), "tried once, to retry in an hour");
    // Restarted without an SMTP server, it writes due mail to its folder; an
    // hour later, the waiting mail is due.
    let app = app.restart_with(|config| config.mail.smtp_url = None).await;
    app.clock.advance(Duration::from_secs(3600));
    let links = app.links_mailed_to("restart@example.org", "/confirm/", 1).await;
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
    app.links_mailed_to("pending@example.org", "/confirm/", 1).await;
    assert!(app.mails_to("bot-target@example.org").is_empty(), "the outbox has sent all it will");

    let petition = app.petition(SLUG).await;
    assert_eq!(petition["signature_count"], 0);
    assert!(!petition["reasons"].to_string().contains("trust their GP"), "no pending reason shown: {petition}");
}

#[tokio::test]
async fn guessing_links_never_holds_up_signing_and_a_flood_of_guesses_is_told_to_wait() {
    let app = crate::helpers::spawn_app().await;
    let db = app.db().await;
    // Someone holds the write lock (a signing, an erasure; on PostgreSQL,
    // a lock on the tables a confirmation writes): a guessed link is
    // answered from a read, without queueing for it.
    let mut writer = db.acquire().await.unwrap();
    if crate::helpers::on_postgres() {
        sqlx::query("BEGIN").execute(&mut *writer).await.unwrap();
        sqlx::query("LOCK TABLE signatures, confirmations, removals, petitions IN EXCLUSIVE MODE")
            .execute(&mut *writer)
            .await
            .unwrap();
    } else {
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *writer).await.unwrap();
    }
    for path in ["/confirm/", "/remove/"] {
        let guessed = app.client.post(format!("{}{path}{}", app.base, "ab".repeat(32))).send().await.unwrap();
        assert_eq!(guessed.status(), 200, "{path}");
        assert!(guessed.text().await.unwrap().contains("already been used or has expired"));
    }
    sqlx::query("ROLLBACK").execute(&mut *writer).await.unwrap();
    drop(writer);
    // Past the per-source rate, one source's guesses get 429; others' don't.
    let guess = |from: &'static str| {
        let request =
            app.client.post(format!("{}/confirm/{}", app.base, "cd".repeat(32))).header("x-forwarded-for", from);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let mut statuses = vec![];
    for _ in 0..31 {
        statuses.push(guess("192.0.2.9").await);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 30);
    assert_eq!(statuses[30], 429);
    assert_eq!(guess("198.51.100.9").await, 200);
}
