//! `spawn_app()`: a real server on a random port with a database of its own.

use std::path::{Path, PathBuf};

use petition_server::{Config, Server};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub database: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    // Dropped last: the database folder outlives the server using it.
    pub dir: tempfile::TempDir,
}

pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Starts the server on a fresh database file.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("petitions.db");
    spawn_on(dir, database).await
}

async fn spawn_on(dir: tempfile::TempDir, database: PathBuf) -> TestApp {
    let config = Config::rooted_at(repo_root(), format!("sqlite://{}", database.display()));
    spawn_with(dir, database, config).await
}

pub async fn spawn_with(dir: tempfile::TempDir, database: PathBuf, config: Config) -> TestApp {
    let server = Server::start(config).await.expect("server starts");
    let base = format!("http://{}", server.addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        server
            .run_until_shutdown(async {
                stopped.await.ok();
            })
            .await
            .unwrap();
    });
    TestApp { base, client: reqwest::Client::new(), database, stop: Some(stop), handle: Some(handle), dir }
}

impl TestApp {
    /// Stops the server and starts a new one on the same database file.
    pub async fn restart(mut self) -> TestApp {
        self.stop.take().unwrap().send(()).unwrap();
        self.handle.take().unwrap().await.unwrap();
        let TestApp { dir, database, .. } = self;
        spawn_on(dir, database).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn petition(&self, slug: &str) -> Value {
        let response = self.get(&format!("/api/petitions/{slug}")).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn sign(&self, slug: &str, body: &Value) -> reqwest::Response {
        self.client.post(format!("{}/api/petitions/{slug}/signatures", self.base)).json(body).send().await.unwrap()
    }

    pub async fn count(&self, slug: &str) -> u64 {
        self.petition(slug).await["signature_count"].as_u64().unwrap()
    }

    /// Reads the database file directly, as an auditor would.
    pub async fn db(&self) -> sqlx::SqlitePool {
        sqlx::SqlitePool::connect(&format!("sqlite://{}", self.database.display())).await.unwrap()
    }
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
