//! `spawn_app()`: a real server on a random port with a database of its own.
//!
//! The whole suite runs against either backend: a SQLite file per test by
//! default, or with `PETITION_TEST_DATABASE=postgres` a fresh PostgreSQL
//! database per test on `PETITION_TEST_POSTGRES` (by default
//! `postgres://root@127.0.0.1:5432`), dropped when the test ends. If
//! PostgreSQL can't be reached the test fails saying so; nothing is skipped.

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
    pub config: Config,
    /// The PostgreSQL database made for this test, dropped after it.
    postgres: Option<std::sync::Arc<PostgresDatabase>>,
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
pub async fn spawn_with(dir: tempfile::TempDir, database: PathBuf, config: Config) -> TestApp {
    spawn_on(dir, database, config, None).await
}

/// Which database the suite runs against.
pub fn on_postgres() -> bool {
    match std::env::var("PETITION_TEST_DATABASE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("PETITION_TEST_DATABASE={other:?}: use sqlite or postgres"),
    }
}

/// The PostgreSQL server the suite uses (no database named).
pub fn postgres_server() -> String {
    std::env::var("PETITION_TEST_POSTGRES").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432".into())
}

/// A PostgreSQL database made for one test and dropped when the last
/// server using it has gone.
pub struct PostgresDatabase {
    pub name: String,
    pub url: String,
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

impl PostgresDatabase {
    /// Creates a fresh, empty database.
    pub async fn create() -> PostgresDatabase {
        let name = format!("petition_test_{}_{}", std::process::id(), DATABASES.fetch_add(1, Ordering::Relaxed));
        let admin = format!("{}/postgres", postgres_server());
        let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap_or_else(|error| {
            panic!("PostgreSQL at {admin} can't be reached ({error}); start it, or run the suite on SQLite")
        });
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut connection).await.expect("database created");
        PostgresDatabase { url: format!("{}/{name}", postgres_server()), name }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let admin = format!("{}/postgres", postgres_server());
        let status = std::process::Command::new("psql")
            .args([&admin, "-qc", &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)])
            .status();
        if !matches!(status, Ok(status) if status.success()) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

async fn spawn_on(
    dir: tempfile::TempDir,
    database: PathBuf,
    mut config: Config,
    mut postgres: Option<std::sync::Arc<PostgresDatabase>>,
) -> TestApp {
    // On PostgreSQL, a fresh database takes the place of the SQLite file.
    if on_postgres() && config.database_url.starts_with("sqlite:") {
        let fresh = PostgresDatabase::create().await;
        config.database_url = fresh.url.clone();
        postgres = Some(std::sync::Arc::new(fresh));
    }
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
        postgres,
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
        let TestApp { dir, database, mut config, postgres, .. } = self;
        change(&mut config);
        spawn_on(dir, database, config, postgres).await
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

    /// Reads the database directly, as an auditor would (statements take
    /// `$1` parameters, which both backends understand).
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.config.database_url).await.unwrap()
    }

    /// The database's URL, for the admin commands.
    pub fn database_url(&self) -> &str {
        &self.config.database_url
    }

    /// Every byte the database keeps of its tables, as a disk would show
    /// them: the SQLite file and its log, or, on PostgreSQL (after a
    /// checkpoint, so that what is committed is in the files), the files of
    /// every table the server writes.
    pub async fn stored_bytes(&self) -> Vec<u8> {
        if !on_postgres() {
            let mut bytes = bytes_of(&self.database);
            bytes.extend(bytes_of(&self.database.with_extension("db-wal")));
            return bytes;
        }
        let db = self.db().await;
        sqlx::query("CHECKPOINT").execute(&db).await.unwrap();
        let data: String = sqlx::query_scalar("SELECT setting FROM pg_settings WHERE name = 'data_directory'")
            .fetch_one(&db)
            .await
            .unwrap();
        let files: Vec<String> = sqlx::query_scalar(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't', 'i')
               AND pg_relation_filepath(c.oid) IS NOT NULL",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        let mut bytes = Vec::new();
        for file in files {
            bytes.extend(bytes_of(&Path::new(&data).join(file)));
        }
        bytes
    }
}

/// SQL reading the yes/no column `column` as the text `yes` or `no`: SQLite
/// keeps it as a number and PostgreSQL as a boolean, and the auditor's
/// connection ([`TestApp::db`]) reads either only as text.
pub fn yes_no(column: &str) -> String {
    format!("CASE WHEN {column} THEN 'yes' ELSE 'no' END")
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

/// A browser on the dashboard, signed in as one account: it keeps its
/// cookies, follows no redirect (tests look at them), and sends writes as
/// the dashboard's own pages do, with our `Origin` and the session's CSRF
/// token.
pub struct Dashboard {
    pub client: reqwest::Client,
    pub base: String,
    /// The session's CSRF token, as the pages carry it.
    pub csrf: String,
}

/// The password every test account is given.
pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Adds a dashboard account straight in the database, as `admin user
    /// add` does (`partner` for a partner's account).
    pub async fn add_account(&self, name: &str, partner: Option<&str>) {
        let db = petition_server::store::Db::connect(&self.config.database_url).await.unwrap();
        let hash = petition_server::admin_auth::hash_password(PASSWORD).unwrap();
        assert!(petition_server::store::add_account(&db, &self.clock, name, &hash, partner).await.unwrap());
        db.close().await;
    }

    /// A fresh browser, not signed in.
    pub fn browser(&self) -> Dashboard {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Dashboard { client, base: self.base.clone(), csrf: String::new() }
    }

    /// Adds the account `name` and signs it in.
    pub async fn organiser(&self, name: &str) -> Dashboard {
        self.add_account(name, None).await;
        self.browser().sign_in(name, PASSWORD).await
    }

    /// Adds the partner account `name` (for `partner`) and signs it in.
    pub async fn partner(&self, name: &str, partner: &str) -> Dashboard {
        self.add_account(name, Some(partner)).await;
        self.browser().sign_in(name, PASSWORD).await
    }
}

impl Dashboard {
    /// Signs in through the form, as a person would; panics if refused.
    pub async fn sign_in(mut self, name: &str, password: &str) -> Dashboard {
        let response = self.try_sign_in(name, password).await;
        assert_eq!(response.status(), 303, "signing in as {name}: {:?}", response.text().await);
        let page = self.get("/admin/").await;
        assert_eq!(page.status(), 200);
        self.csrf = meta_csrf(&page.text().await.unwrap()).expect("a signed-in page carries the CSRF token");
        self
    }

    /// Posts the sign-in form (fetched first, for its token) and hands back the answer.
    pub async fn try_sign_in(&self, name: &str, password: &str) -> reqwest::Response {
        let form = self.get("/admin/sign-in").await.text().await.unwrap();
        let token = hidden_csrf(&form).expect("the sign-in form carries a CSRF token");
        self.client
            .post(format!("{}/admin/sign-in", self.base))
            .header("origin", &self.base)
            .form(&[("csrf", token.as_str()), ("name", name), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// A page's HTML, which must answer 200.
    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    /// Posts a form as the dashboard's pages do (the CSRF token added).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut fields = fields.to_vec();
        fields.push(("csrf", &self.csrf));
        self.client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    /// Posts JSON as the dashboard's scripts do (`x-csrf-token`).
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// The CSRF token in a page's `<meta name="csrf-token">`.
pub fn meta_csrf(html: &str) -> Option<String> {
    let at = html.find("<meta name=\"csrf-token\" content=\"")? + "<meta name=\"csrf-token\" content=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// The value of the first hidden `csrf` field in a page.
pub fn hidden_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}
