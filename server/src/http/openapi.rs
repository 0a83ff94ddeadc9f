//! `/api/openapi.json`: the public API's description, generated from the
//! handlers' own annotations and core's types, so it can't drift from them.

use axum::{http::header, response::IntoResponse, routing::get, Router};
use petition_core::{
    ApiError, Challenge, CountUpdate, Field, FieldError, Milestone, NextAction, Partner, Petition, Share, SignatureReceipt,
    SignatureRequest,
};
use utoipa::OpenApi;

use super::{events, petitions, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Petition API",
        description = "The public API of a petition server: petitions, live counts and signing. \
                       Cross-origin (CORS *), JSON, no cookies, no personal data in any answer.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(petitions::show, petitions::challenge, petitions::sign, events::events),
    components(schemas(
        Petition, Challenge, Milestone, Partner, Share, NextAction, CountUpdate, SignatureRequest, SignatureReceipt,
        ApiError, FieldError, Field
    )),
    tags((name = "petitions", description = "Reading and signing petitions"))
)]
struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], ApiDoc::openapi().to_pretty_json().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_has_exactly_the_routes_the_router_serves() {
        let doc = ApiDoc::openapi();
        let mut described: Vec<(String, String)> = vec![];
        for (path, item) in &doc.paths.paths {
            let operations = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
            ];
            for (method, operation) in operations {
                if operation.is_some() {
                    described.push((path.clone(), method.to_owned()));
                }
            }
        }
        let mut served: Vec<(String, String)> =
            super::super::public_api().iter().map(|route| (route.path.to_owned(), route.method.to_string())).collect();
        described.sort();
        served.sort();
        assert_eq!(described, served, "every public route described, and nothing else");
    }
}
