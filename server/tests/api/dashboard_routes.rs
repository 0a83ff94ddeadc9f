//! Every route of the dashboard, as a partner's account meets it. The list
//! below says who each route is for; a test reads the dashboard's source and
//! fails if a route is missing from it, so a new route cannot go untested.

use crate::helpers::*;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum For {
    /// Anyone: the sign-in form, the static files, the redirect to `/admin/`,
    /// and the preview's widget API (its draft key is what opens it).
    Anyone,
    /// Any signed-in account (partners see only their own in it).
    Signed,
    /// A partner, on a petition that lists it; an organiser, on any.
    PartnerOfThePetition,
    /// Organisers only: 403 to every partner's account.
    Organisers,
}

/// Every dashboard route: method, path, and whom it is for.
const ROUTES: &[(&str, &str, For)] = &[
    ("GET", "/admin", For::Anyone),
    ("GET", "/admin/static/{file}", For::Anyone),
    ("GET", "/admin/sign-in", For::Anyone),
    ("POST", "/admin/sign-in", For::Anyone),
    ("GET", "/admin/preview/{key}/api/petitions/{slug}", For::Anyone),
    ("GET", "/admin/preview/{key}/api/petitions/{slug}/challenge", For::Anyone),
    ("POST", "/admin/preview/{key}/api/petitions/{slug}/signatures", For::Anyone),
    ("GET", "/admin/preview/{key}/api/events", For::Anyone),
    ("POST", "/admin/sign-out", For::Signed),
    ("GET", "/admin/", For::Signed),
    ("GET", "/admin/overview.json", For::Signed),
    ("GET", "/admin/events", For::Signed),
    ("GET", "/admin/petitions/{slug}", For::PartnerOfThePetition),
    ("GET", "/admin/petitions/{slug}/figures", For::PartnerOfThePetition),
    ("GET", "/admin/petitions/{slug}/export.csv", For::PartnerOfThePetition),
    ("GET", "/admin/petitions/new", For::Organisers),
    ("POST", "/admin/petitions/new", For::Organisers),
    ("GET", "/admin/petitions/{slug}/edit", For::Organisers),
    ("POST", "/admin/petitions/{slug}/edit", For::Organisers),
    ("GET", "/admin/petitions/{slug}/revisions", For::Organisers),
    ("GET", "/admin/petitions/{slug}/petition.toml", For::Organisers),
    ("GET", "/admin/petitions/preview", For::Organisers),
    ("POST", "/admin/petitions/preview", For::Organisers),
    ("GET", "/admin/petitions/{slug}/held", For::Organisers),
    ("POST", "/admin/petitions/{slug}/held/approve", For::Organisers),
    ("POST", "/admin/petitions/{slug}/held/reject", For::Organisers),
    ("POST", "/admin/petitions/{slug}/held-reasons/approve", For::Organisers),
    ("POST", "/admin/petitions/{slug}/held-reasons/reject", For::Organisers),
    ("GET", "/admin/petitions/{slug}/paper", For::Organisers),
    ("POST", "/admin/petitions/{slug}/paper", For::Organisers),
    ("POST", "/admin/petitions/{slug}/paper/{entry}", For::Organisers),
    ("GET", "/admin/rights", For::Organisers),
    ("POST", "/admin/rights/erase", For::Organisers),
    ("POST", "/admin/rights/retention", For::Organisers),
    ("GET", "/admin/accounts", For::Organisers),
    ("POST", "/admin/accounts", For::Organisers),
    ("POST", "/admin/accounts/remove", For::Organisers),
    ("GET", "/admin/audit", For::Organisers),
];

/// Every `.route("/admin…", get(…).post(…))` in the dashboard's source, as
/// (method, path).
fn routes_in_the_source() -> Vec<(String, String)> {
    let dir = repo_root().join("server/src/dashboard");
    let mut found = Vec::new();
    for file in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for line in text.lines() {
            let Some(at) = line.find(".route(\"/admin") else { continue };
            let rest = &line[at + ".route(\"".len()..];
            let path = &rest[..rest.find('"').unwrap()];
            for (method, call) in [("GET", "get("), ("POST", "post("), ("PUT", "put("), ("DELETE", "delete(")] {
                let calls = rest.match_indices(call).filter(|(i, _)| {
                    // `get(` itself, not the end of another name (`forget(`).
                    *i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric() && rest.as_bytes()[i - 1] != b'_'
                });
                if calls.count() > 0 {
                    found.push((method.to_owned(), path.to_owned()));
                }
            }
        }
    }
    found.sort();
    found
}

#[test]
fn every_dashboard_route_is_in_this_tests_list() {
    let mut listed: Vec<(String, String)> = ROUTES.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    listed.sort();
    assert_eq!(routes_in_the_source(), listed, "the dashboard's routes and this test's list differ: add the new route to ROUTES");
}

/// `path` with its parameters filled in: a petition the partner is listed on
/// (`stop-sharing`, which lists Medact) unless `slug` says otherwise.
fn filled(path: &str, slug: &str) -> String {
    path.replace("{slug}", slug).replace("{entry}", "1").replace("{file}", "admin.css").replace("{key}", "saved")
}

#[tokio::test]
async fn a_partners_account_gets_403_from_every_route_that_is_not_for_it() {
    let app = spawn_app().await;
    let organiser = app.organiser("nadia").await;
    let partner = app.partner("mo", "medact").await;
    let before = organiser.page("/admin/audit").await;
    for (method, path, whom) in ROUTES.iter().filter(|(_, _, whom)| *whom == For::Organisers) {
        let url = filled(path, "stop-sharing");
        let response = match *method {
            "GET" => partner.get(&url).await,
            // With our Origin and the session's token: refused for who it is.
            _ => partner.post_form(&url, &[("amount", "5"), ("note", "n"), ("email", "a@example.org")]).await,
        };
        assert_eq!(response.status(), 403, "{method} {url} ({whom:?}) as a partner");
    }
    for path in ["/admin/petitions/{slug}", "/admin/petitions/{slug}/figures", "/admin/petitions/{slug}/export.csv?partner=medact"] {
        let theirs = partner.get(&filled(path, "stop-sharing")).await;
        assert_eq!(theirs.status(), 200, "{path} on a petition listing the partner");
        let not_theirs = partner.get(&filled(path, "scrap-upfront-charging")).await;
        assert_eq!(not_theirs.status(), 403, "{path} on a petition that does not list the partner");
    }
    let others = partner.get("/admin/petitions/stop-sharing/export.csv?partner=asylum-matters").await;
    assert_eq!(others.status(), 403, "another partner's signers");
    let whole = partner.get("/admin/petitions/stop-sharing/export.csv").await;
    assert_eq!(whole.status(), 403, "the whole petition's signers");
    assert_eq!(partner.get("/admin/").await.status(), 200);
    assert_eq!(partner.get("/admin/overview.json").await.status(), 200);
    let stream = partner.get("/admin/events").await;
    assert_eq!(stream.status(), 200);
    drop(stream);

    // Nothing the refused requests asked for happened.
    assert_eq!(app.count("stop-sharing").await, 0, "no paper signatures added");
    let after = organiser.page("/admin/audit").await;
    let actions = |page: &str| page.matches("<tr").count();
    assert_eq!(actions(&after), actions(&before) + 1, "one line more: the export the partner was allowed");
}
