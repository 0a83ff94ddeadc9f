//! The `petition-server` binary: reads its configuration, opens the database,
//! loads the petition files and serves. Everything else lives in the library.

use anyhow::Context;
use clap::Parser;
use petition_server::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "petition_server=info,tower_http=info".into()),
        )
        .init();
    let config = Config::parse();
    let server = petition_server::Server::start(config).await.context("could not start the petition server")?;
    server.run_until_shutdown(shutdown_signal()).await.context("the petition server failed")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
