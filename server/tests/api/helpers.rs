//! `spawn_app()`: a real server on a random port with a database of its own.

use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use petition_server::{clock::Clock, guard::GuardConfig, mail::OutboxHandle, Config, Server};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database: PathBuf,
    /// The clock the server reads (see [`manual_clock`]).
    pub clock: Clock,
    /// Rings the server's outbox and says when it has sent what is due.
    pub outbox: OutboxHandle,
    /// Where the metrics are, `http://127.0.0.1:port`, when asked for
    /// (`config.metrics_listen`).
    pub metrics: Option<String>,
    /// What the server was started with; a restart keeps it.
    config: Config,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    // Dropped last: the database folder outlives the server using it.
    pub dir: tempfile::TempDir,
}

pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A clock that stands at the current second until the test moves it: for
/// tests of rules about time (rates, the minimum fill time, retries), which
/// then take no time and don't depend on how busy the machine is. The admin
/// commands, run as their own processes, read the wall clock.
pub fn manual_clock() -> Clock {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    Clock::manual(UNIX_EPOCH + Duration::from_secs(now))
}

/// Starts the server on a fresh database file.
pub async fn spawn_app() -> TestApp {
    spawn_configured(|_| {}).await
}

/// Starts the server on a fresh database file with `guard` as its defences.
pub async fn spawn_guarded(guard: GuardConfig) -> TestApp {
    spawn_configured(|config| config.guard = guard).await
}

/// Starts the server on a fresh database file, with the tests' defaults
/// (see [`relaxed_guard`]) changed by `change`.
pub async fn spawn_configured(change: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("petitions.db");
    let mut config = Config { guard: relaxed_guard(), ..Config::rooted_at(repo_root(), format!("sqlite://{}", database.display())) };
    change(&mut config);
    spawn_with(dir, database, config).await
}

/// Defences for tests about something else: each [`TestApp::sign`] comes
/// from an address of its own (`X-Forwarded-For`, trusted here), needs no
/// wait, and its proof of work is quick. The tests of the defences themselves
/// use [`spawn_guarded`] with the defaults.
pub fn relaxed_guard() -> GuardConfig {
    GuardConfig { proof_difficulty: 8, min_fill_seconds: 0, trust_forwarded_for: true, ..GuardConfig::default() }
}

/// Starts the server with `config`, except that mail without an SMTP server
/// is written to `dir/mail` (see [`TestApp::links_mailed_to`]), never into
/// the repository.
pub async fn spawn_with(dir: tempfile::TempDir, database: PathBuf, mut config: Config) -> TestApp {
    config.mail.mail_dir = dir.path().join("mail");
    // RUST_LOG=petition_server=debug shows a failing test's server log.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let server = Server::start(config.clone()).await.expect("server starts");
    let base = format!("http://{}", server.addr());
    let outbox = server.outbox();
    let metrics = server.metrics_addr().map(|addr| format!("http://{addr}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        server
            .run_until_shutdown(async {
                stopped.await.ok();
            })
            .await
            .unwrap();
    });
    TestApp {
        base,
        client: reqwest::Client::new(),
        database,
        clock: config.clock.clone(),
        outbox,
        metrics,
        config,
        stop: Some(stop),
        handle: Some(handle),
        dir,
    }
}

impl TestApp {
    /// Stops the server and starts a new one on the same database file,
    /// with the same configuration (its clock and SMTP server included).
    pub async fn restart(self) -> TestApp {
        self.restart_with(|_| {}).await
    }

    /// Stops the server, waits until it has stopped, and starts a new one on
    /// the same database file with its configuration changed by `change`.
    pub async fn restart_with(mut self, change: impl FnOnce(&mut Config)) -> TestApp {
        self.stop.take().unwrap().send(()).unwrap();
        self.handle.take().unwrap().await.unwrap();
        let TestApp { dir, database, mut config, .. } = self;
        change(&mut config);
        spawn_with(dir, database, config).await
    }

    /// Tells the server to stop, as SIGTERM does, and hands back its task:
    /// it ends once the requests in flight are answered.
    pub fn begin_shutdown(&mut self) -> tokio::task::JoinHandle<()> {
        self.stop.take().unwrap().send(()).unwrap();
        self.handle.take().unwrap()
    }

    /// The metrics, as Prometheus scrapes them.
    pub async fn scrape(&self) -> String {
        let base = self.metrics.as_ref().expect("the server was started with metrics_listen");
        let response = self.client.get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/plain; version=0.0.4; charset=utf-8");
        response.text().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn petition(&self, slug: &str) -> Value {
        let response = self.get(&format!("/api/petitions/{slug}")).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Signs as the widget does: with a fresh challenge, solved, from an
    /// address no other call uses.
    pub async fn sign(&self, slug: &str, body: &Value) -> reqwest::Response {
        static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(1);
        let address = std::net::Ipv4Addr::from(0x0a00_0000 + NEXT_ADDRESS.fetch_add(1, Ordering::Relaxed));
        let body = self.answer_challenge(slug, body.clone()).await;
        self.post_signature(slug, &body, Some(&address.to_string())).await
    }

    /// `body` with a fresh challenge for `slug` and its proof.
    pub async fn answer_challenge(&self, slug: &str, mut body: Value) -> Value {
        let challenge: Value = self.get(&format!("/api/petitions/{slug}/challenge")).await.json().await.unwrap();
        let token = challenge["token"].as_str().unwrap();
        let difficulty = challenge["difficulty"].as_u64().unwrap() as u8;
        let proof = petition_core::proof::search(token, difficulty, 0, u64::MAX).unwrap();
        body["challenge"] = token.into();
        body["proof"] = proof.into();
        body
    }

    /// Posts `body` as it is, as a script would, optionally claiming to come
    /// from `forwarded_for`.
    pub async fn post_signature(&self, slug: &str, body: &Value, forwarded_for: Option<&str>) -> reqwest::Response {
        let mut request = self.client.post(format!("{}/api/petitions/{slug}/signatures", self.base)).json(body);
        if let Some(address) = forwarded_for {
            request = request.header("x-forwarded-for", address);
        }
        request.send().await.unwrap()
    }

    /// Signs, then confirms through the link mailed to the signature's
    /// address, as a person would on a petition that asks for confirmation.
    pub async fn sign_and_confirm(&self, slug: &str, body: &Value) {
        let to = body["email"].as_str().unwrap();
        let before = self.mails_to(to).len();
        assert_eq!(self.sign(slug, body).await.status(), 200);
        let link = self.links_mailed_to(to, "/confirm/", before + 1).await.pop().unwrap();
        let page = self.client.post(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("your signature is confirmed"));
    }

    /// Every mail to `to` in the mail folder, oldest first, as written.
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        let Ok(files) = std::fs::read_dir(self.dir.path().join("mail")) else { return Vec::new() };
        let mut files: Vec<PathBuf> = files.map(|f| f.unwrap().path()).collect();
        files.sort();
        let header = format!("\r\nTo: {to}\r\n");
        files.iter().map(|f| std::fs::read_to_string(f).unwrap()).filter(|m| m.contains(&header)).collect()
    }

    /// The links holding `part` (`/confirm/`, `/remove/`) in the mails to
    /// `to`, once the outbox has sent everything due; there must be `count`.
    pub async fn links_mailed_to(&self, to: &str, part: &str, count: usize) -> Vec<String> {
        self.outbox.settled().await;
        let mails = self.mails_to(to);
        assert_eq!(mails.len(), count, "mails to {to}: {mails:#?}");
        mails.iter().map(|m| link_in(m, part).unwrap_or_else(|| panic!("no {part} link in {m}"))).collect()
    }

    pub async fn count(&self, slug: &str) -> u64 {
        self.petition(slug).await["signature_count"].as_u64().unwrap()
    }

    /// Reads the database file directly, as an auditor would.
    pub async fn db(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&format!("sqlite://{}", self.database.display())).await.unwrap()
    }
}

/// The bytes of the file at `path` (empty if there is none), read by a
/// process of its own, as an auditor would.
///
/// Never `std::fs::read` while a server runs in this process: POSIX record
/// locks belong to a process, and closing any descriptor of a file drops
/// all of that process's locks on it. SQLite's locks on the database would
/// silently go, and the next `admin` command, believing itself the last
/// user, would checkpoint and delete the write-ahead log under the server.
pub fn bytes_of(path: &Path) -> Vec<u8> {
    let output = std::process::Command::new("cat").arg(path).output().expect("cat runs");
    if output.status.success() { output.stdout } else { Vec::new() }
}

/// The link in a mail's text whose address holds `part`, e.g. `/remove/`.
pub fn link_in(mail: &str, part: &str) -> Option<String> {
    mail.lines().map(str::trim).find(|line| line.starts_with("http") && line.contains(part)).map(str::to_owned)
}

/// A complete, valid signature from `email`.
pub fn signature(email: &str) -> Value {
    json!({
        "first_name": "Amara",
        "last_name": "Okafor",
        "email": email,
        "postcode": "E1 6AN",
        "profession": "nurse",
        "reason": "Patients must be able to trust their GP.",
        "consent": false
    })
}
