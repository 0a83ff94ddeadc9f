//! The petition server: the public petition API, the embeddable widget's files,
//! and the demo partner pages, over one SQLite or PostgreSQL database.
//!
//! [`Server::start`] does everything but serve (open and migrate the database,
//! load the petition files, bind the sockets) so that tests can start a whole
//! server on port 0 and talk to it over real HTTP.
#![deny(missing_docs)]

/// The name of the widget's Trusted Types policy, which the loader
/// (`www/embed.js`) makes: every page of ours that runs the widget allows
/// it. A macro, not a `const`, so that `concat!` can write it into the
/// pages' policies.
macro_rules! widget_policy {
    () => {
        "petition-widget"
    };
}

/// The Trusted Types directives of a page of ours that runs the widget:
/// Trusted Types required, the widget's policy the only one allowed.
macro_rules! widget_trusted_types {
    () => {
        concat!("require-trusted-types-for 'script'; trusted-types ", widget_policy!())
    };
}

/// The name of the widget's Trusted Types policy (see `widget_policy!`), for
/// the tests that hold the loader to it.
pub const WIDGET_POLICY: &str = widget_policy!();

pub mod admin;
pub mod admin_auth;
pub mod admin_cli;
pub mod clock;
pub mod config;
pub mod dashboard;
mod demo;
pub mod guard;
mod live;
mod http;
pub mod lang;
pub mod mail;
pub mod metrics;
pub mod petition_file;
pub mod pictures;
pub mod retention;
mod sharing;
pub mod store;

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::Config;
pub use http::PETITION_MAX_AGE_SECONDS;

/// A started server: database open, petitions loaded, sockets bound.
pub struct Server {
    listener: TcpListener,
    demo_listener: Option<TcpListener>,
    metrics_listener: Option<TcpListener>,
    state: http::AppState,
    stop_streams: tokio::sync::watch::Sender<bool>,
    outbox: mail::Outbox,
    source_hash_days: u32,
    clock: clock::Clock,
}

impl Server {
    /// Opens the database, applies migrations, loads every petition file (a
    /// file unchanged since it was last loaded leaves a newer dashboard edit
    /// alone) and binds the listening sockets.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        let clock = config.clock.clone();
        // The language files are read now (a few milliseconds), not by the
        // first visitor; one that can't be read is logged and left out.
        tracing::info!(languages = lang::all().len(), "language files read");
        let db = store::Db::connect(&config.database_url).await?;
        let files = petition_file::load_dir(&config.petitions_dir)?;
        for file in &files {
            load(&db, &clock, file).await?;
        }
        tracing::info!(count = files.len(), dir = %config.petitions_dir.display(), "petitions loaded");
        // Before serving: a server that was down when a retention period
        // ended catches up before it shows anyone anything.
        retention::sweep_logged(&db, &clock, config.source_hash_days).await;
        let listener = TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("could not listen on {}", config.listen))?;
        let demo_listener = match &config.demo_listen {
            Some(addr) => Some(
                TcpListener::bind(addr).await.with_context(|| format!("could not listen on {addr}"))?,
            ),
            None => None,
        };
        let metrics_listener = match &config.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr).await.with_context(|| format!("could not listen for metrics on {addr}"))?,
            ),
            None => None,
        };
        let key = store::secret(&db, &clock, "guard").await.context("could not read the server's secret")?;
        let guard = guard::Guard::new(config.guard.clone(), key, clock.clone());
        let public_url = config.public_url(listener.local_addr()?);
        let outbox = mail::Outbox::new(db.clone(), &config.mail, public_url.clone(), clock.clone())?;
        let admin = admin_auth::AdminAuth::new(&config.admin)?;
        let (state, stop_streams) = http::AppState::new(db, &config, guard, admin, outbox.handle(), public_url);
        Ok(Server {
            listener,
            demo_listener,
            metrics_listener,
            state,
            stop_streams,
            outbox,
            source_hash_days: config.source_hash_days,
            clock,
        })
    }

    /// The outbox's handle: rings it, and says when it has dealt with what is due.
    pub fn outbox(&self) -> mail::OutboxHandle {
        self.outbox.handle()
    }

    /// Where the petition server listens (useful when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Where the demo partner site listens, if it was asked for.
    pub fn demo_addr(&self) -> Option<SocketAddr> {
        self.demo_listener.as_ref().map(|l| l.local_addr().expect("a bound listener has an address"))
    }

    /// Where the metrics are served (`GET /metrics`), if they were asked for.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().map(|l| l.local_addr().expect("a bound listener has an address"))
    }

    /// Serves until `shutdown` completes, then finishes requests in flight.
    pub async fn run_until_shutdown(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let addr = self.addr();
        tracing::info!("petition server on http://{addr}  (embed: http://{addr}/embed.js, demo: http://{addr}/demo/)");
        let (stop, stopped) = tokio::sync::watch::channel(());
        if let Some(listener) = self.demo_listener {
            let demo_addr = listener.local_addr()?;
            tracing::info!("demo partner site on http://{demo_addr}/ (a different origin from the server)");
            let app = demo::partner_site(self.state.clone(), format!("http://{addr}"));
            serve_beside(listener, app, stopped.clone(), "the demo partner site");
        }
        if let Some(listener) = self.metrics_listener {
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            serve_beside(listener, http::metrics_router(self.state.clone()), stopped.clone(), "the metrics address");
        }
        let outbox = tokio::spawn(self.outbox.run(self.state.shutdown.clone()));
        tokio::spawn(self.state.live.clone().relay(
            self.state.db.clone(),
            self.state.guard.clone(),
            self.clock.clone(),
            self.state.shutdown.clone(),
        ));
        tokio::spawn(retention::run(self.state.db.clone(), self.clock, self.source_hash_days, self.state.shutdown.clone()));
        let head_timeout = self.state.request_timeout;
        let app = http::app(self.state);
        let stop_streams = self.stop_streams;
        http::serve(self.listener, app, head_timeout, async move {
            shutdown.await;
            stop.send(()).ok();
            stop_streams.send(true).ok();
        })
        .await;
        // The outbox finishes the mail in hand before the server is gone:
        // a mail it had claimed would otherwise wait out its lease before
        // another server (or this one, restarted) sent it.
        outbox.await.ok();
        drop(stopped);
        Ok(())
    }
}

/// Loads one petition file at start-up, by the rule of
/// [`store::load_petition_file`]: a file unchanged since it was last loaded
/// leaves a newer edit (from the dashboard) alone; a changed file wins, and
/// the version it replaces stays in the petition's history. The log says
/// which happened.
async fn load(db: &store::Db, clock: &clock::Clock, file: &petition_file::LoadedFile) -> anyhow::Result<()> {
    let slug = &file.petition.slug;
    let path = file.path.display();
    let loaded = store::load_petition_file(db, clock, &file.petition, &file.digest)
        .await
        .with_context(|| format!("could not save petition {slug:?}"))?;
    store::keep_pictures(db, clock, slug, &file.pictures)
        .await
        .with_context(|| format!("could not save the pictures of petition {slug:?}"))?;
    match loaded {
        store::FileLoad::KeptNewer { revision, origin, actor } => tracing::warn!(
            %path, revision, %actor, origin = origin.as_str(),
            "{path} is unchanged since it was last loaded, and petition {slug:?} was changed after that: the newer \
             version stays; download it from the dashboard (/admin/petitions/{slug}/petition.toml) to keep the file in step"
        ),
        store::FileLoad::Updated { revision, replaced_dashboard_edit: Some(replaced) } => tracing::warn!(
            %path, revision, replaced,
            "{path} changed: it replaces revision {replaced} of petition {slug:?}, edited in the dashboard, which \
             stays in the petition's history (/admin/petitions/{slug}/revisions)"
        ),
        other => tracing::debug!(%path, ?other, "petition file loaded"),
    }
    Ok(())
}

/// Serves `app` on `listener` (the demo site, the metrics) until `stopped`
/// changes; `what` names it in the log if it fails.
fn serve_beside(listener: TcpListener, app: axum::Router, mut stopped: tokio::sync::watch::Receiver<()>, what: &'static str) {
    tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                stopped.changed().await.ok();
            })
            .await;
        if let Err(error) = result {
            tracing::error!(%error, "{what} stopped");
        }
    });
}
