//! The `petition-server` binary: reads its configuration, opens the database,
//! loads the petition files and serves; or, as `petition-server admin …`,
//! runs one of the organiser's commands. Everything else lives in the library.

use anyhow::Context;
use clap::Parser;
use petition_server::Config;

#[derive(Parser)]
#[command(name = "petition-server", version, about = "Runs a petition: the public API, the embeddable widget and its demo pages")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// The organiser's tools: petitions from files, counts, exports, erasure
    /// and review. They work on the database (--database-url) directly.
    #[command(subcommand)]
    Admin(petition_server::admin_cli::Command),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to standard error: standard output is the admin commands'
    // (an export may be piped into a file).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "petition_server=info,tower_http=info".into()),
        )
        .init();
    let Cli { config, command } = Cli::parse();
    if let Some(Command::Admin(command)) = command {
        // An organiser reads the error and its causes, not a backtrace; a
        // reader that stops early (`| head`) is not an error.
        if let Err(error) = petition_server::admin_cli::run(command, &config, &mut std::io::stdout().lock()).await {
            let closed = error.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
            if !closed {
                eprintln!("error: {error:#}");
                std::process::exit(1);
            }
        }
        return Ok(());
    }
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
