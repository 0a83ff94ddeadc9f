//! The HTTP surface: one module per resource, merged here with the layers every
//! response passes through.

mod admin;
mod assets;
mod confirm;
mod error;
mod events;
mod health;
mod metrics;
mod openapi;
mod pages;
mod petitions;
mod remove;
mod serve;

use std::{path::PathBuf, sync::Arc, time::Duration};

use axum::{
    extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts},
    http::{header, request::Parts, HeaderValue, Method},
    Router,
};
use petition_core::CountUpdate;
use tokio::sync::{broadcast, watch};
use tower::util::MapResponseLayer;
use tower_http::{compression::CompressionLayer, cors::CorsLayer, timeout::TimeoutLayer, trace::TraceLayer};

pub use error::Error;
pub use metrics::router as metrics_router;
pub use petitions::PETITION_MAX_AGE_SECONDS;
// The one rule for ETags and If-None-Match, for the pictures too.
pub(crate) use petitions::{etag_of, if_none_match, query_value};
pub use serve::serve;

use crate::{guard::Guard, Config};

/// The largest request body accepted: a signature is well under 4 KiB.
pub const BODY_LIMIT: usize = 16 * 1024;

/// One route of the public API. The public API's router is built from these
/// lists (`petitions::routes()`, `events::routes()`), and a test holds the
/// API description to exactly the same list, so no route goes undescribed.
pub struct ApiRoute {
    pub path: &'static str,
    /// The method `handler` answers; only the description's test reads it
    /// (axum can't say which methods a `MethodRouter` has).
    #[cfg_attr(not(test), allow(dead_code))]
    pub method: Method,
    pub handler: axum::routing::MethodRouter<AppState>,
}

/// The public API's routes (the description itself aside).
fn public_api() -> Vec<ApiRoute> {
    petitions::routes().into_iter().chain(events::routes()).collect()
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: crate::store::Db,
    pub dirs: Arc<Dirs>,
    /// Every newly counted signature's petition state, for the live streams.
    pub updates: broadcast::Sender<CountUpdate>,
    /// Publishes count changes here and to the other instances.
    pub live: crate::live::Publisher,
    /// Changes once, when the server starts shutting down.
    pub shutdown: watch::Receiver<bool>,
    /// Challenges, rates and the checks that keep the count to people.
    pub guard: Arc<Guard>,
    /// How long an ordinary request may take, from its first byte to the answer.
    pub request_timeout: Duration,
    /// Tells the outbox there is new mail.
    pub mail_wake: crate::mail::OutboxHandle,
    /// Who may use `/api/admin/`.
    pub admin: Arc<crate::admin_auth::AdminAuth>,
    /// Days a source hash is kept (for the retention sweep on demand).
    pub source_hash_days: u32,
    /// The time every rule reads.
    pub clock: crate::clock::Clock,
    /// Live-count streams open per source.
    pub streams: events::OpenStreams,
    /// What the metrics address shows.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The server's public address (`--public-url`, or as it listens): the
    /// dashboard's own origin, and whether its cookies are `Secure`.
    pub public_url: Arc<str>,
}

/// Folders the server reads files from.
pub struct Dirs {
    pub www: PathBuf,
    pub widget: PathBuf,
}

impl AppState {
    /// The state, and the sender that starts the shutdown of long-lived streams.
    pub fn new(
        db: crate::store::Db,
        config: &Config,
        guard: Guard,
        admin: crate::admin_auth::AdminAuth,
        mail_wake: crate::mail::OutboxHandle,
        public_url: String,
    ) -> (AppState, watch::Sender<bool>) {
        let dirs = Dirs { www: config.www_dir.clone(), widget: config.widget_dir.clone() };
        // A slow stream reader may miss updates beyond these; each update
        // carries the whole state, so the next one catches it up.
        let (updates, _) = broadcast::channel(256);
        let (stop, shutdown) = watch::channel(false);
        let request_timeout = Duration::from_secs(config.request_timeout_seconds);
        let state = AppState {
            db,
            dirs: Arc::new(dirs),
            live: crate::live::Publisher::new(updates.clone()),
            updates,
            shutdown,
            guard: Arc::new(guard),
            request_timeout,
            mail_wake,
            admin: Arc::new(admin),
            source_hash_days: config.source_hash_days,
            clock: config.clock.clone(),
            streams: events::OpenStreams::default(),
            metrics: Arc::new(crate::metrics::Metrics::new()),
            public_url: public_url.into(),
        };
        (state, stop)
    }
}

/// Where a request came from, as the guard knows it: a keyed hash of the
/// client's address (see [`Guard::source`]).
pub struct Source(pub String);

impl FromRequestParts<AppState> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Source, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |ConnectInfo(addr)| addr.ip());
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Ok(Source(state.guard.source(peer, forwarded)))
    }
}

/// The whole petition server as one router.
pub fn app(state: AppState) -> Router {
    // Partner pages on any origin load the widget and call the public API, so
    // both answer cross-origin requests. No credentials: the widget sends no
    // cookies and the server sets none. `ETag` need not be exposed: the
    // browser revalidates a cached petition itself (If-None-Match, 304)
    // whatever the page's script may read; only a script reading the tag
    // would need it in `Access-Control-Expose-Headers`, and none does.
    let cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(Duration::from_secs(24 * 60 * 60));
    // Ordinary requests are cut off after the request timeout, body and all
    // (a stalled client must not hold a connection; `serve` limits the head);
    // the live-count stream is meant to stay open.
    let timeout = state.request_timeout;
    let (events, api): (Vec<_>, Vec<_>) = public_api().into_iter().partition(|route| route.path == events::PATH);
    let timed = api
        .into_iter()
        .fold(Router::new(), |router, route| router.route(route.path, route.handler))
        .merge(openapi::router())
        .merge(health::router())
        .merge(confirm::router())
        .merge(remove::router())
        .merge(assets::router(&state.dirs))
        .merge(crate::demo::router())
        .merge(crate::sharing::router())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(MapResponseLayer::new(timeout_in_words));
    let live = events.into_iter().fold(Router::new(), |router, route| router.route(route.path, route.handler));
    let public = Router::new().merge(timed).merge(live).layer(cors);
    // The organiser's API is not cross-origin: no page on another origin may
    // read its answers, whatever credential the browser holds.
    // Its bodies are petition files: with their translations, tens of KB
    // (the demo's is 47 KB), so they have the dashboard's forms' limit.
    let admin = admin::router(state.clone())
        .layer(DefaultBodyLimit::max(crate::dashboard::FORM_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout));
    // The dashboard: same-origin pages with their own headers and larger
    // forms (a petition's whole text). Not timed as a whole: its live stream
    // stays open, and its other requests are ordinary ones.
    let dashboard = crate::dashboard::router(state.clone()).layer(DefaultBodyLimit::max(crate::dashboard::FORM_LIMIT));
    Router::new()
        .merge(public)
        .merge(admin)
        .merge(dashboard)
        .with_state(state.clone())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Skips text/event-stream by itself, so live events aren't buffered,
        // and bodies under 32 bytes, so a 304 stays empty.
        .layer(CompressionLayer::new())
        .layer(MapResponseLayer::new(weaken_etag_when_compressed))
        // Method, path, status and latency only: never bodies, which hold
        // personal data, never query strings, and never a confirmation link's
        // token.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %loggable(request.uri().path()))
        }))
        // Outermost, so a request's time includes every layer's, and a 408
        // or 413 from them is counted. `Router::layer` wraps each route, so
        // the route it matched is known here.
        .layer(axum::middleware::from_fn_with_state(state, metrics::track))
}

/// The timeout's bare 408 as the API's error answer, with its code.
fn timeout_in_words(response: axum::response::Response) -> axum::response::Response {
    use axum::response::IntoResponse;
    if response.status() == axum::http::StatusCode::REQUEST_TIMEOUT && !response.headers().contains_key(header::CONTENT_TYPE) {
        return Error::Timeout.into_response();
    }
    response
}

/// A strong ETag names exact bytes (RFC 9110 §8.8.1), and the bytes a client
/// gets from the CompressionLayer are not the ones the tag was computed from:
/// such a tag is marked weak (`W/`), as nginx does. `If-None-Match` compares
/// weakly, so the client's copy still revalidates with a 304.
fn weaken_etag_when_compressed<B>(mut response: axum::http::Response<B>) -> axum::http::Response<B> {
    let headers = response.headers_mut();
    if headers.contains_key(header::CONTENT_ENCODING) {
        let strong = headers.get(header::ETAG).filter(|tag| tag.as_bytes().starts_with(b"\""));
        if let Some(weak) = strong.and_then(|tag| HeaderValue::from_bytes(&[b"W/", tag.as_bytes()].concat()).ok()) {
            headers.insert(header::ETAG, weak);
        }
    }
    response
}

/// `path` as the log may show it: a confirmation link's token is a secret.
fn loggable(path: &str) -> &str {
    if path.starts_with("/confirm/") {
        "/confirm/…"
    } else if path.starts_with("/remove/") {
        "/remove/…"
    } else if path.starts_with("/admin/preview/") {
        // A preview's key opens an unsaved draft.
        "/admin/preview/…"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn secrets_in_addresses_never_reach_the_log() {
        assert_eq!(loggable("/confirm/9f86d081884c7d65"), "/confirm/…");
        assert_eq!(loggable("/remove/9f86d081884c7d65"), "/remove/…");
        assert_eq!(loggable("/admin/preview/4e07408562bedb8b/api/petitions/x"), "/admin/preview/…");
        assert_eq!(loggable("/api/petitions/stop-sharing"), "/api/petitions/stop-sharing");
    }
}
