//! `/api/petitions/{slug}`: a petition's public view, and signing it.

use axum::{
    body::Body,
    extract::{Path, RawQuery, Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use petition_core::{share_source, validate, ApiError, Challenge, Petition, SignatureReceipt, SignatureRequest};

use super::{error::Json, ApiRoute, AppState, Error, Source};
use crate::store;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute { path: "/api/petitions/{slug}", method: Method::GET, handler: get(show) },
        ApiRoute {
            path: "/api/petitions/{slug}/signatures",
            method: Method::POST,
            handler: post(sign).layer(axum::middleware::from_fn(read_whole_body)),
        },
        ApiRoute { path: "/api/petitions/{slug}/challenge", method: Method::GET, handler: get(challenge) },
    ]
}

/// How long a browser or a shared cache (a CDN in front of the server) may
/// reuse a petition's view without asking again. Every partner page view
/// reads it, so a viral share's crowd is mostly answered by caches; and
/// staleness is short and barely seen: the live-count stream, which the
/// widget opens as soon as the petition is shown, sends the current count at
/// once, and after that every new one. Only the other numbers (partners'
/// counts, the professionals' tally, the reasons) can be this old, and a
/// petition file's new words reach every page within this after a restart.
pub const PETITION_MAX_AGE_SECONDS: u32 = 5;

/// A petition's public view: its words, count, goal, milestones, partners'
/// counts and public reasons (no personal data). The same for every visitor
/// (the proof-of-work challenge has its own route), so caches may keep it
/// for [`PETITION_MAX_AGE_SECONDS`], and then revalidate it with its `ETag`.
#[utoipa::path(
    get,
    path = "/api/petitions/{slug}",
    tag = "petitions",
    params(
        ("slug" = String, Path, description = "The petition's name, as in the embed tag", example = "stop-sharing"),
        ("lang" = Option<String>, Query,
         description = "The languages wanted (BCP 47 tags, comma-separated, most wanted first): the petition's texts \
                        come in the first of its languages that serves one, else in its own", example = "cy,en"),
        ("If-None-Match" = Option<String>, Header,
         description = "ETags of copies the client holds (or `*`): 304 when one is current"),
    ),
    responses(
        (status = 200, description = "The petition", body = Petition,
         headers(
             ("Cache-Control" = String, description = "public, with a max-age of a few seconds"),
             ("ETag" = String, description = "A hash of the body, quoted; weak (W/) when the server compressed the body"),
         )),
        (status = 304, description = "The copy named in If-None-Match is current; no body",
         headers(
             ("Cache-Control" = String, description = "public, with a max-age of a few seconds"),
             ("ETag" = String, description = "The ETag the client holds, still current"),
         )),
        (status = 404, description = "No petition has that name", body = ApiError),
        (status = 408, description = "The request took too long", body = ApiError),
    )
)]
pub(super) async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    request: HeaderMap,
) -> Result<Response, Error> {
    // Nothing about the visitor (no `Source`) goes into this answer: one
    // cached copy serves everyone who asks for the same address. The
    // language is asked for in the address (`?lang=`), not read from
    // `Accept-Language`, so that caches need key on the address only.
    let asked = query_value(query.as_deref(), "lang").unwrap_or_default();
    let wanted: Vec<&str> = asked.split(',').map(str::trim).filter(|tag| !tag.is_empty()).take(20).collect();
    let petition: Petition = store::petition_in(&state.db, &state.clock, &slug, &wanted).await?;
    let body = serde_json::to_vec(&petition).expect("a petition's view is plain data, which always serialises");
    let etag = etag_of(&body);
    let headers = [
        (header::CACHE_CONTROL, format!("public, max-age={PETITION_MAX_AGE_SECONDS}")),
        (header::ETAG, etag.clone()),
        // The CompressionLayer adds this to a 200 it compresses; a 304 must
        // repeat it (RFC 9110 §15.4.5), so both say it from here.
        (header::VARY, header::ACCEPT_ENCODING.as_str().to_owned()),
    ];
    // Not modified: the same headers, and no body at all.
    if if_none_match(&request, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    Ok((headers, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The value of `name` in a query string (the first, decoded), if any; a
/// malformed query is read as far as it goes, never refused.
pub(crate) fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// A strong validator for exactly these body bytes: the first 128 bits of
/// their SHA-256 in hex, quoted. Any change to the petition's view (a
/// signature counted, a reason shown, new words) changes it.
pub(crate) fn etag_of(body: &[u8]) -> String {
    use sha2::Digest;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(body)[..16]))
}

/// Whether the request's `If-None-Match` matches `etag` (RFC 9110 §13.1.2):
/// `*`, or any entity tag in its lists (over one or several header lines)
/// equal to `etag` by weak comparison, which ignores a `W/` prefix. A list
/// that can't be read matches nothing: the client gets the whole answer.
pub(crate) fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    let values = request.get_all(header::IF_NONE_MATCH);
    values.iter().filter_map(|value| value.to_str().ok()).any(|value| {
        if value.trim() == "*" {
            return true;
        }
        let mut rest = value;
        loop {
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                return false;
            }
            let tag = rest.strip_prefix("W/").unwrap_or(rest);
            // An entity tag is quoted and holds no quote: find its end.
            let Some(end) = tag.strip_prefix('"').and_then(|inner| inner.find('"')) else { return false };
            let (quoted, after) = tag.split_at(end + 2);
            // Only a separator, or the end, may follow it.
            let after = after.trim_start_matches([' ', '\t']);
            if !(after.is_empty() || after.starts_with(',')) {
                return false;
            }
            if quoted == etag {
                return true;
            }
            rest = after;
        }
    })
}

/// How much of an oversized body is read (and thrown away) so that its 413
/// reaches the client; beyond this the connection is simply closed.
const DRAIN_LIMIT: usize = 64 * 1024;

/// Reads a signing request's whole body before it is handled. Without this,
/// a refusal decided before the body is read (415 for the wrong content type,
/// 413) is sent while the client is still uploading, the connection closes,
/// and the client sees a broken pipe instead of the answer.
async fn read_whole_body(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let too_large = || Error::Body(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large".into());
    match axum::body::to_bytes(body, DRAIN_LIMIT).await {
        Ok(bytes) if bytes.len() <= super::BODY_LIMIT => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Ok(_) => too_large().into_response(),
        Err(error) => {
            if error.into_inner().is::<http_body_util::LengthLimitError>() {
                return too_large().into_response();
            }
            // The client went away or sent a broken chunked encoding.
            Error::Body(StatusCode::BAD_REQUEST, "The request body could not be read".into()).into_response()
        }
    }
}

/// A proof-of-work challenge for one visitor's form: the widget fetches one
/// beside the petition, and another when a signature spent or outlived it.
/// Never cached: each is new, and harder for a busy source. Any name gets
/// one; signing checks the petition.
#[utoipa::path(
    get,
    path = "/api/petitions/{slug}/challenge",
    tag = "petitions",
    params(("slug" = String, Path, description = "The petition's name", example = "stop-sharing")),
    responses(
        (status = 200, description = "A challenge", body = Challenge,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 408, description = "The request took too long", body = ApiError),
    )
)]
pub(super) async fn challenge(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(state.guard.challenge(&slug, &source)))
}

/// Signs the petition. A repeat from the same address (by its canonical
/// form) gets the same answer as a first signature and is not counted twice.
///
/// Checks in the order that costs a flood least: the rate (memory), the
/// fields (CPU), the challenge (one hash), and only then the database.
#[utoipa::path(
    post,
    path = "/api/petitions/{slug}/signatures",
    tag = "petitions",
    params(("slug" = String, Path, description = "The petition's name", example = "stop-sharing")),
    request_body = SignatureRequest,
    responses(
        (status = 200, description = "Signed (or signed before): the petition's count after", body = SignatureReceipt),
        (status = 400, description = "The body is not JSON", body = ApiError),
        (status = 403, description = "The form's challenge is missing, wrong, expired or spent", body = ApiError),
        (status = 404, description = "No petition has that name", body = ApiError),
        (status = 408, description = "The request took too long", body = ApiError),
        (status = 410, description = "The petition has closed", body = ApiError),
        (status = 413, description = "The body is over 16 KiB", body = ApiError),
        (status = 415, description = "The body is not sent as application/json", body = ApiError),
        (status = 422, description = "Fields break the rules (one message per field), or unknown fields or wrong types", body = ApiError),
        (status = 429, description = "Too many requests from one source; try again later", body = ApiError,
         headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
pub(super) async fn sign(
    State(state): State<AppState>,
    Source(source): Source,
    Path(slug): Path<String>,
    request: Result<Json<SignatureRequest>, Error>,
) -> Result<axum::Json<SignatureReceipt>, Error> {
    // Each refusal is counted by its reason for the metrics.
    let metrics = &state.metrics;
    let refused = |reason| move |error| metrics.refused(reason, error);
    let Json(request) = request.map_err(refused("unreadable"))?;
    state.guard.admit(&slug, &source).map_err(Error::TooMany).map_err(refused("too-many"))?;
    let signature = validate(&request).map_err(Error::Invalid).map_err(refused("invalid"))?;
    let answered = state.guard.check(&slug, &request.challenge, request.proof).map_err(|refusal| {
        tracing::info!(?refusal, "signature refused: challenge not answered");
        state.metrics.refused(refusal.code(), Error::Challenge)
    })?;
    let screening = store::Screening {
        flag: state.guard.judge(&source, &answered, &request.website),
        challenge_id: answered.id,
        challenge_expires: answered.expires_unix,
    };
    let attribution = store::Attribution {
        partner: request.partner,
        partner_consent: request.partner_consent,
        source: share_source(&request.source),
        source_hash: source,
        // The form's language, if the server has words for it: its mails
        // are written in it.
        lang: petition_core::lang::negotiate(request.lang.split(',').map(str::trim), crate::lang::codes()).map(str::to_owned),
    };
    let signed = store::sign(&state.db, &state.clock, &slug, &signature, &attribution, &screening)
        .await
        .inspect_err(|error| state.metrics.store_refused(error))?;
    state.metrics.signed(screening.flag, signed.update.is_some());
    state.mail_wake.notify_one();
    if let Some(update) = signed.update {
        state.live.publish(update);
    }
    Ok(axum::Json(signed.receipt))
}
