//! Command-line and environment configuration.

use std::path::PathBuf;

/// How to run the petition server. Every option can also come from the
/// environment variable named beside it.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "petition-server", version, about = "Runs a petition: the public API, the embeddable widget and its demo pages")]
pub struct Config {
    /// Address and port to serve the API, the widget and the demo pages on.
    #[arg(long, env = "PETITION_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Where signatures are stored: a SQLite URL (one file, one server), e.g.
    /// sqlite://data/petitions.db, or a PostgreSQL URL (several instances on one
    /// database), e.g. postgres://user@host:5432/petitions.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/petitions.db", global = true)]
    pub database_url: String,

    /// Folder of petition files (*.toml), created or updated at start-up.
    #[arg(long, env = "PETITION_DIR", default_value = "petitions")]
    pub petitions_dir: PathBuf,

    /// Folder holding embed.js and the demo pages.
    #[arg(long, env = "PETITION_WWW_DIR", default_value = "www")]
    pub www_dir: PathBuf,

    /// Folder holding the built widget (wasm-bindgen's output).
    #[arg(long, env = "PETITION_WIDGET_DIR", default_value = "pkg")]
    pub widget_dir: PathBuf,

    /// Also serve the demo partner pages on this address: a different origin
    /// from the server, as a real partner's site would be.
    #[arg(long, env = "PETITION_DEMO_LISTEN")]
    pub demo_listen: Option<String>,

    /// Serve Prometheus metrics at /metrics on this address (e.g.
    /// 127.0.0.1:9090): counts of signatures by outcome, latency by route,
    /// open streams, the mail backlog. Off unless given; keep it private.
    #[arg(long, env = "PETITION_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,

    /// Seconds a client may take to send a request (its head, and separately
    /// its body) and the server to answer it. Live-count streams stay open.
    #[arg(long, env = "PETITION_REQUEST_TIMEOUT_SECONDS", default_value_t = REQUEST_TIMEOUT_SECONDS)]
    pub request_timeout_seconds: u64,

    /// Days the keyed hash of a signer's address is kept with the signature
    /// (for fraud review) before it is dropped.
    #[arg(long, env = "PETITION_SOURCE_HASH_DAYS", default_value_t = SOURCE_HASH_DAYS, global = true)]
    pub source_hash_days: u32,

    /// How confirmation mail goes out.
    #[command(flatten)]
    pub mail: crate::mail::MailConfig,

    /// How bots and floods are kept out.
    #[command(flatten)]
    pub guard: crate::guard::GuardConfig,

    /// Who may use the organiser's HTTP API.
    #[command(flatten)]
    pub admin: crate::admin_auth::AdminConfig,

    /// The time every rule reads: the wall clock, unless a test sets its own.
    #[arg(skip)]
    pub clock: crate::clock::Clock,
}

/// `--request-timeout-seconds` unless given.
const REQUEST_TIMEOUT_SECONDS: u64 = 30;
/// `--source-hash-days` unless given.
const SOURCE_HASH_DAYS: u32 = 30;

impl Config {
    /// Where links in mail point: `--public-url`, or this server as it listens.
    pub fn public_url(&self, bound: std::net::SocketAddr) -> String {
        self.mail.public_url.clone().unwrap_or_else(|| format!("http://{bound}"))
    }

    /// The defaults, with every folder taken relative to `root` and the
    /// database at `database_url`: what tests and tools start from.
    pub fn rooted_at(root: &std::path::Path, database_url: String) -> Config {
        Config {
            listen: "127.0.0.1:0".into(),
            database_url,
            petitions_dir: root.join("petitions"),
            www_dir: root.join("www"),
            widget_dir: root.join("pkg"),
            demo_listen: None,
            metrics_listen: None,
            request_timeout_seconds: REQUEST_TIMEOUT_SECONDS,
            source_hash_days: SOURCE_HASH_DAYS,
            mail: crate::mail::MailConfig::writing_to(root.join("data/mail")),
            guard: crate::guard::GuardConfig::default(),
            admin: crate::admin_auth::AdminConfig::default(),
            clock: crate::clock::Clock::system(),
        }
    }
}
