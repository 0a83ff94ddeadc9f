//! The dashboard's defences, seen from outside over HTTP as a browser or an
//! attacker would: the session cookie, sessions starting, ending and
//! expiring, CSRF and Origin checks on every write, sign-in limits, the
//! headers every page carries, and what a partner's account may see.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::helpers::*;

/// The Content-Security-Policy every dashboard page carries: no inline
/// script or style, framed by no one.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
     require-trusted-types-for 'script'; trusted-types dashboard-figures";

/// A client without a cookie jar that follows no redirect: each request
/// carries exactly the cookies and headers the test gives it.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Every `Set-Cookie` of a response.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// The `Set-Cookie` line for `name`, if the response sets it.
fn set_cookie<'a>(cookies: &'a [String], name: &str) -> Option<&'a String> {
    cookies.iter().find(|c| c.starts_with(&format!("{name}=")))
}

/// The value a `Set-Cookie` line gives its cookie.
fn value_of(line: &str) -> &str {
    line.split(';').next().unwrap().split_once('=').unwrap().1
}

/// What a sign-in sends, to be spoiled one part at a time.
struct SignIn<'a> {
    name: &'a str,
    password: &'a str,
    /// The `Origin` header; `None` sends none.
    origin: Option<String>,
    /// Whether the form's own token goes with it.
    token: bool,
    /// `X-Forwarded-For`, which the tests' server trusts: where it came from.
    from: Option<&'a str>,
    /// A session cookie the browser already holds.
    session: Option<&'a str>,
}

impl<'a> SignIn<'a> {
    fn as_(app: &TestApp, name: &'a str, password: &'a str) -> SignIn<'a> {
        SignIn { name, password, origin: Some(app.base.clone()), token: true, from: None, session: None }
    }

    /// Fetches the form (for its token and cookie), then posts it.
    async fn send(&self, app: &TestApp) -> reqwest::Response {
        let client = raw_client();
        let form = client.get(format!("{}/admin/sign-in", app.base)).send().await.unwrap();
        let form_cookie = value_of(set_cookie(&set_cookies(&form), "petition_admin_form").unwrap()).to_owned();
        let token = hidden_csrf(&form.text().await.unwrap()).unwrap();
        assert_eq!(token, form_cookie, "the form's token is the one in its cookie");
        let mut cookies = format!("petition_admin_form={form_cookie}");
        if let Some(session) = self.session {
            cookies.push_str(&format!("; petition_admin={session}"));
        }
        let mut fields = vec![("name", self.name), ("password", self.password)];
        if self.token {
            fields.push(("csrf", &token));
        }
        let mut request = client.post(format!("{}/admin/sign-in", app.base)).header("cookie", cookies).form(&fields);
        if let Some(origin) = &self.origin {
            request = request.header("origin", origin);
        }
        if let Some(from) = self.from {
            request = request.header("x-forwarded-for", from);
        }
        request.send().await.unwrap()
    }

    /// Signs in; the new session's id, from its cookie.
    async fn session(&self, app: &TestApp) -> String {
        let response = self.send(app).await;
        assert_eq!(response.status(), 303, "signing in as {}", self.name);
        value_of(set_cookie(&set_cookies(&response), "petition_admin").expect("a session cookie")).to_owned()
    }
}

/// GET `path` with only the session cookie `session`.
async fn get_with(app: &TestApp, session: &str, path: &str) -> reqwest::Response {
    raw_client()
        .get(format!("{}{path}", app.base))
        .header("cookie", format!("petition_admin={session}"))
        .send()
        .await
        .unwrap()
}

/// Whether the session `session` is signed in: the list answers, rather
/// than sending to the sign-in form.
async fn signed_in(app: &TestApp, session: &str) -> bool {
    let response = get_with(app, session, "/admin/").await;
    match response.status().as_u16() {
        200 => true,
        303 => {
            assert_eq!(response.headers()["location"], "/admin/sign-in");
            false
        }
        other => panic!("GET /admin/ answered {other}"),
    }
}

/// The CSRF token of the session `session`, as its pages carry it.
async fn csrf_of(app: &TestApp, session: &str) -> String {
    meta_csrf(&get_with(app, session, "/admin/").await.text().await.unwrap()).unwrap()
}

/// POSTs the sign-out form with `session`, `origin` (or none) and the form
/// field `csrf` (or none).
async fn sign_out(app: &TestApp, session: &str, origin: Option<&str>, csrf: Option<&str>) -> reqwest::Response {
    let mut request = raw_client()
        .post(format!("{}/admin/sign-out", app.base))
        .header("cookie", format!("petition_admin={session}"))
        .form(&csrf.map(|token| vec![("csrf", token)]).unwrap_or_default());
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_only_for_the_dashboard() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    let response = SignIn::as_(&app, "nadia", PASSWORD).send(&app).await;
    assert_eq!(response.status(), 303);
    let cookies = set_cookies(&response);
    let session = set_cookie(&cookies, "petition_admin").unwrap();
    let attributes: Vec<&str> = session.split("; ").skip(1).collect();
    assert_eq!(attributes, ["HttpOnly", "SameSite=Strict", "Path=/admin"], "{session}");
    assert_eq!(value_of(session).len(), 64, "32 random bytes, in hex");
    // The sign-in form's cookie is spent, with the same attributes.
    let form = set_cookie(&cookies, "petition_admin_form").unwrap();
    assert_eq!(form, "petition_admin_form=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0");

    // Served as https, the cookies never travel over plain http.
    let app = spawn_configured(|config| config.mail.public_url = Some("https://petition.example.org".into())).await;
    app.add_account("nadia", None).await;
    let form = raw_client().get(format!("{}/admin/sign-in", app.base)).send().await.unwrap();
    assert!(set_cookie(&set_cookies(&form), "petition_admin_form").unwrap().contains("; Secure"));
    let response = SignIn::as_(&app, "nadia", PASSWORD).send(&app).await;
    assert_eq!(response.status(), 303);
    let session = set_cookie(&set_cookies(&response), "petition_admin").unwrap().clone();
    let attributes: Vec<&str> = session.split("; ").skip(1).collect();
    assert_eq!(attributes, ["HttpOnly", "SameSite=Strict", "Path=/admin", "Secure"], "{session}");
}

#[tokio::test]
async fn every_sign_in_makes_a_new_session_and_ends_the_one_before() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    let first = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    assert!(signed_in(&app, &first).await);

    // Signing in again in the same browser (which sends the old cookie).
    let second = SignIn { session: Some(&first), ..SignIn::as_(&app, "nadia", PASSWORD) }.session(&app).await;
    assert_ne!(second, first);
    assert!(signed_in(&app, &second).await);
    assert!(!signed_in(&app, &first).await, "the old session id opens nothing");

    // An id planted in the browser before sign-in is never the one used.
    let planted = "a".repeat(64);
    let third = SignIn { session: Some(&planted), ..SignIn::as_(&app, "nadia", PASSWORD) }.session(&app).await;
    assert_ne!(third, planted);
    assert!(!signed_in(&app, &planted).await);
    assert!(signed_in(&app, &third).await);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server_not_only_in_the_browser() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    let session = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    let csrf = csrf_of(&app, &session).await;
    let out = sign_out(&app, &session, Some(&app.base), Some(&csrf)).await;
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/admin/sign-in");
    let gone = set_cookies(&out);
    assert_eq!(set_cookie(&gone, "petition_admin").unwrap(), "petition_admin=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0");

    // A copy of the cookie kept from before (replayed) opens nothing.
    let replayed = get_with(&app, &session, "/admin/").await;
    assert_eq!(replayed.status(), 303);
    assert_eq!(replayed.headers()["location"], "/admin/sign-in");
    assert_eq!(sign_out(&app, &session, Some(&app.base), Some(&csrf)).await.status(), 403);
    let db = app.db().await;
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&db).await.unwrap();
    assert_eq!(sessions, 0);
}

#[tokio::test]
async fn a_session_unused_for_twelve_hours_has_ended_and_use_keeps_it_alive() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    app.add_account("nadia", None).await;
    let session = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    let just_under = Duration::from_secs(12 * 60 * 60 - 60);

    app.clock.advance(just_under);
    assert!(signed_in(&app, &session).await, "11h59 unused: still signed in");
    app.clock.advance(just_under);
    assert!(signed_in(&app, &session).await, "used 11h59 ago: still signed in, 23h58 after signing in");
    app.clock.advance(Duration::from_secs(12 * 60 * 60));
    assert!(!signed_in(&app, &session).await, "12h unused: signed out");
    // And it stays ended, however soon it is tried again.
    assert!(!signed_in(&app, &session).await);

    // Exactly twelve hours after sign-in, unused in between: ended.
    let other = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    app.clock.advance(Duration::from_secs(12 * 60 * 60));
    assert!(!signed_in(&app, &other).await);
}

#[tokio::test]
async fn a_session_in_use_ends_a_day_after_sign_in() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    app.add_account("nadia", None).await;
    let session = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    for _ in 0..23 {
        app.clock.advance(Duration::from_secs(60 * 60));
        assert!(signed_in(&app, &session).await, "used every hour");
    }
    app.clock.advance(Duration::from_secs(60 * 60 - 1));
    assert!(signed_in(&app, &session).await, "23:59:59 after sign-in");
    app.clock.advance(Duration::from_secs(1));
    assert!(!signed_in(&app, &session).await, "a day after sign-in, however busy");
}

#[tokio::test]
async fn the_hourly_sweep_forgets_ended_sessions_and_old_failed_sign_ins() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    app.add_account("nadia", None).await;
    let _left_open = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    assert_eq!(app.browser().try_sign_in("nadia", "wrong password").await.status(), 401);
    let rows = |table: &'static str| {
        let app = &app;
        async move {
            let db = app.db().await;
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db).await.unwrap();
            db.close().await;
            n
        }
    };
    assert_eq!((rows("sessions").await, rows("sign_in_failures").await), (1, 3), "a session; a failure per source, per name there and per name");
    let db = petition_server::store::Db::connect(app.database_url()).await.unwrap();
    app.clock.advance(Duration::from_secs(12 * 60 * 60));
    // Moving the clock wakes the server's own hourly sweep too; on
    // PostgreSQL one sweeps at a time, so sweep until this one has its turn.
    while petition_server::retention::sweep(&db, &app.clock, 30).await.unwrap().another_instance_sweeping {
        tokio::task::yield_now().await;
    }
    db.close().await;
    assert_eq!((rows("sessions").await, rows("sign_in_failures").await), (0, 0));
}

#[tokio::test]
async fn the_database_holds_only_a_digest_of_each_session_id() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    let session = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    let db = app.db().await;
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT id_hash, csrf FROM sessions").fetch_all(&db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, hex::encode(Sha256::digest(session.as_bytes())));
    assert_ne!(stored[0].1, session);
    let anywhere = app.stored_bytes().await;
    assert!(
        !anywhere.windows(session.len()).any(|w| w == session.as_bytes()),
        "the session id itself is nowhere in the database's files"
    );
}

#[tokio::test]
async fn a_write_without_this_sessions_own_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    app.add_account("omar", None).await;
    let nadia = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    let omar = SignIn::as_(&app, "omar", PASSWORD).session(&app).await;
    let omars_token = csrf_of(&app, &omar).await;
    let wrong = "0".repeat(64);

    for (what, token) in [("no token", None), ("a wrong token", Some(wrong.as_str())), ("another session's token", Some(&omars_token))] {
        let refused = sign_out(&app, &nadia, Some(&app.base), token).await;
        assert_eq!(refused.status(), 403, "{what}");
        assert!(refused.text().await.unwrap().contains("This form has expired"), "{what}: the page says why");
        assert!(signed_in(&app, &nadia).await, "{what}: nothing changed");
    }
    // Scripts send the token in a header: the same rules.
    let scripted = raw_client()
        .post(format!("{}/admin/sign-out", app.base))
        .header("cookie", format!("petition_admin={nadia}"))
        .header("origin", &app.base)
        .header("x-csrf-token", &omars_token)
        .send()
        .await
        .unwrap();
    assert_eq!(scripted.status(), 403);
    assert!(signed_in(&app, &nadia).await);
    assert!(signed_in(&app, &omar).await);

    let nadias_token = csrf_of(&app, &nadia).await;
    assert_eq!(sign_out(&app, &nadia, Some(&app.base), Some(&nadias_token)).await.status(), 303);
    assert!(!signed_in(&app, &nadia).await);
}

#[tokio::test]
async fn a_write_from_another_origin_or_none_is_refused_even_with_the_token() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    let nadia = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    let token = csrf_of(&app, &nadia).await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let lookalike = format!("http://127.0.0.1.evil.example:{port}");
    for origin in [None, Some("null"), Some("https://evil.example"), Some(lookalike.as_str())] {
        let refused = sign_out(&app, &nadia, origin, Some(&token)).await;
        assert_eq!(refused.status(), 403, "Origin {origin:?}");
        assert!(refused.text().await.unwrap().contains("did not come from the dashboard"));
        assert!(signed_in(&app, &nadia).await, "Origin {origin:?}: nothing changed");
    }
    // A sandboxed frame sends `Origin: null` too; the browser says where it is.
    let framed = raw_client()
        .post(format!("{}/admin/sign-out", app.base))
        .header("cookie", format!("petition_admin={nadia}"))
        .header("origin", "null")
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(framed.status(), 403);
    assert!(signed_in(&app, &nadia).await, "a sandboxed frame on another site changed nothing");
}

#[tokio::test]
async fn a_form_on_our_own_page_is_taken_though_its_referrer_policy_hides_its_origin() {
    // Under `Referrer-Policy: no-referrer` Chromium posts a page's form with
    // `Origin: null` and `Sec-Fetch-Site: same-origin`.
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    let nadia = SignIn::as_(&app, "nadia", PASSWORD).session(&app).await;
    let token = csrf_of(&app, &nadia).await;
    let ours = raw_client()
        .post(format!("{}/admin/sign-out", app.base))
        .header("cookie", format!("petition_admin={nadia}"))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ours.status(), 303);
    assert!(!signed_in(&app, &nadia).await, "signed out");
}

#[tokio::test]
async fn the_sign_in_form_takes_only_its_own_token_from_our_own_origin() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    let attempts = [
        ("no Origin", SignIn { origin: None, ..SignIn::as_(&app, "nadia", PASSWORD) }),
        ("Origin null", SignIn { origin: Some("null".into()), ..SignIn::as_(&app, "nadia", PASSWORD) }),
        ("another site", SignIn { origin: Some("https://evil.example".into()), ..SignIn::as_(&app, "nadia", PASSWORD) }),
        ("no form token", SignIn { token: false, ..SignIn::as_(&app, "nadia", PASSWORD) }),
    ];
    for (what, attempt) in attempts {
        let refused = attempt.send(&app).await;
        assert_eq!(refused.status(), 403, "{what}");
        assert!(set_cookie(&set_cookies(&refused), "petition_admin").is_none(), "{what}: no session");
    }
    // A token from a form, without the cookie that came with it (another
    // browser's: login CSRF), is refused too.
    let form = raw_client().get(format!("{}/admin/sign-in", app.base)).send().await.unwrap();
    let token = hidden_csrf(&form.text().await.unwrap()).unwrap();
    let stolen = raw_client()
        .post(format!("{}/admin/sign-in", app.base))
        .header("origin", &app.base)
        .form(&[("csrf", token.as_str()), ("name", "nadia"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(stolen.status(), 403);
    let db = app.db().await;
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&db).await.unwrap();
    assert_eq!(sessions, 0);
    // The form as the page sends it works.
    assert_eq!(SignIn::as_(&app, "nadia", PASSWORD).send(&app).await.status(), 303);
}

#[tokio::test]
async fn five_failures_for_one_name_stop_its_sign_in_from_there_and_fifty_from_anywhere() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    app.add_account("nadia", None).await;
    app.add_account("omar", None).await;
    let there = "198.51.100.1";
    for n in 0..5 {
        let failed = SignIn { from: Some(there), ..SignIn::as_(&app, "nadia", "not the password at all") }.send(&app).await;
        assert_eq!(failed.status(), 401, "attempt {n}");
    }
    let refused = SignIn { from: Some(there), ..SignIn::as_(&app, "nadia", PASSWORD) }.send(&app).await;
    assert_eq!(refused.status(), 429, "the right password, from where the name was guessed");
    assert_eq!(refused.headers()["retry-after"], "900");
    let page = refused.text().await.unwrap();
    assert!(page.contains("Too many failed sign-ins. Wait 15 minutes, then try again"), "{page}");
    // Other names still sign in from there, and Nadia from anywhere else:
    // guessing her name cannot lock her out.
    assert_eq!(SignIn { from: Some(there), ..SignIn::as_(&app, "omar", PASSWORD) }.send(&app).await.status(), 303);
    assert_eq!(SignIn { from: Some("198.51.100.2"), ..SignIn::as_(&app, "nadia", PASSWORD) }.send(&app).await.status(), 303);
    // Once the window has passed, from there too.
    app.clock.advance(Duration::from_secs(15 * 60));
    assert_eq!(SignIn { from: Some(there), ..SignIn::as_(&app, "nadia", PASSWORD) }.send(&app).await.status(), 303);

    // Guessing spread over many places is stopped for the name as a whole.
    for n in 0..50 {
        let from = format!("192.0.2.{n}");
        let failed = SignIn { from: Some(&from), ..SignIn::as_(&app, "omar", "not the password at all") }.send(&app).await;
        assert_eq!(failed.status(), 401, "attempt {n}");
    }
    let refused = SignIn { from: Some("198.51.100.3"), ..SignIn::as_(&app, "omar", PASSWORD) }.send(&app).await;
    assert_eq!(refused.status(), 429, "fifty failures from anywhere");
}

#[tokio::test]
async fn many_sign_ins_at_once_get_no_more_guesses_than_one_after_another() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    app.add_account("nadia", None).await;
    let guess = SignIn { from: Some("198.51.100.4"), ..SignIn::as_(&app, "nadia", "wrong") };
    let attempts = (0..20).map(|_| guess.send(&app));
    let statuses: Vec<u16> = futures_util::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 401).count(), 5, "five guesses, however sent: {statuses:?}");
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 15, "{statuses:?}");
}

#[tokio::test]
async fn ten_failures_from_one_place_stop_its_sign_ins_for_fifteen_minutes() {
    let app = spawn_configured(|config| config.clock = manual_clock()).await;
    app.add_account("nadia", None).await;
    let here = "203.0.113.7";
    for n in 0..10 {
        let name = format!("guess{n}");
        let failed = SignIn { from: Some(here), ..SignIn::as_(&app, &name, "not the password at all") }.send(&app).await;
        assert_eq!(failed.status(), 401, "attempt {n}");
    }
    let refused = SignIn { from: Some(here), ..SignIn::as_(&app, "nadia", PASSWORD) }.send(&app).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.text().await.unwrap().contains("Too many failed sign-ins"));
    // Elsewhere, the same account signs in.
    assert_eq!(SignIn { from: Some("203.0.113.8"), ..SignIn::as_(&app, "nadia", PASSWORD) }.send(&app).await.status(), 303);
    app.clock.advance(Duration::from_secs(15 * 60 - 1));
    assert_eq!(SignIn { from: Some(here), ..SignIn::as_(&app, "nadia", PASSWORD) }.send(&app).await.status(), 429);
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(SignIn { from: Some(here), ..SignIn::as_(&app, "nadia", PASSWORD) }.send(&app).await.status(), 303);
}

#[tokio::test]
async fn a_failed_sign_in_says_the_same_for_an_unknown_name_and_a_wrong_password() {
    let app = spawn_app().await;
    app.add_account("nadia", None).await;
    // The page without what differs by design: its fresh token, the name typed.
    let answer = |name: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let response = SignIn::as_(app, name, password).send(app).await;
            let status = response.status();
            let page = response.text().await.unwrap();
            let token = hidden_csrf(&page).unwrap();
            (status, page.replace(&token, "TOKEN").replace(&format!("value=\"{name}\""), "value=\"NAME\""))
        }
    };
    let unknown = answer("nobody", "not the password at all").await;
    let wrong = answer("nadia", "not the password at all").await;
    assert_eq!(unknown.0, 401);
    assert!(unknown.1.contains("The name or the password is not right"), "{}", unknown.1);
    assert_eq!(unknown, wrong);
}

#[tokio::test]
async fn every_dashboard_answer_carries_the_strict_headers() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let mo = app.partner("mo", "medact").await;
    let stranger = raw_client();
    let answers = [
        ("the sign-in page", stranger.get(format!("{}/admin/sign-in", app.base)).send().await.unwrap()),
        ("the way to sign in", stranger.get(format!("{}/admin/", app.base)).send().await.unwrap()),
        ("a refused sign-in", stranger.post(format!("{}/admin/sign-in", app.base)).form(&[("name", "x")]).send().await.unwrap()),
        ("the petitions", nadia.get("/admin/").await),
        ("a refusal to a partner", mo.get("/admin/petitions/stop-sharing/export.csv").await),
        ("a write without a token", nadia.client.post(format!("{}/admin/sign-out", app.base)).send().await.unwrap()),
        ("the stylesheet", stranger.get(format!("{}/admin/static/admin.css", app.base)).send().await.unwrap()),
    ];
    for (what, response) in answers {
        let headers = response.headers();
        assert_eq!(headers["content-security-policy"], CSP, "{what}");
        assert!(!CSP.contains("unsafe-inline"));
        assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(headers["cache-control"], "no-store", "{what}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        if what.starts_with("a refus") || what.starts_with("a write") {
            assert_eq!(response.status(), 403, "{what}");
            assert!(response.text().await.unwrap().contains("<h1>Not allowed</h1>"), "{what}: a page saying why");
        }
    }
}

#[tokio::test]
async fn the_dashboards_files_are_served_as_what_they_are() {
    let app = spawn_app().await;
    for (file, content_type) in [("admin.css", "text/css; charset=utf-8"), ("live.js", "text/javascript; charset=utf-8")] {
        let response = app.get(&format!("/admin/static/{file}")).await;
        assert_eq!(response.status(), 200, "{file}");
        assert_eq!(response.headers()["content-type"], content_type, "{file}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert!(!response.text().await.unwrap().is_empty());
    }
    assert_eq!(app.get("/admin/static/nothing.js").await.status(), 404);
    assert_eq!(app.get("/admin/static/..%2Fadmin.css").await.status(), 404);
}

#[tokio::test]
async fn a_partner_sees_only_the_petitions_that_list_it() {
    let app = spawn_app().await;
    let mo = app.partner("mo", "medact").await;
    let page = mo.page("/admin/").await;
    assert!(page.contains("/admin/petitions/stop-sharing"), "{page}");
    assert!(!page.contains("scrap-upfront-charging"), "{page}");
    assert!(!page.contains("/admin/accounts"), "no organisers' menu: {page}");
    let overview: serde_json::Value = mo.get("/admin/overview.json").await.json().await.unwrap();
    let slugs: Vec<&str> = overview.as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["stop-sharing"]);

    let nobody = app.partner("kim", "listed-nowhere").await;
    let page = nobody.page("/admin/").await;
    assert!(!page.contains("/admin/petitions/stop-sharing") && !page.contains("scrap-upfront-charging"), "{page}");
}

#[tokio::test]
async fn the_audit_log_reads_whole_or_for_one_petition_on_either_backend() {
    // No petition files: the log starts empty.
    let empty = tempfile::tempdir().unwrap();
    let app = spawn_configured(|config| config.petitions_dir = empty.path().to_owned()).await;
    let db = petition_server::store::Db::connect(app.database_url()).await.unwrap();
    use petition_server::store::{audit, audit_log};
    audit(&db, &app.clock, "nadia", "sign-in", None, "").await.unwrap();
    audit(&db, &app.clock, "nadia", "paper-count", Some("stop-sharing"), "120").await.unwrap();
    audit(&db, &app.clock, "omar", "paper-count", Some("scrap-upfront-charging"), "7").await.unwrap();
    let all = audit_log(&db, None, 10).await.unwrap();
    let actions: Vec<(&str, Option<&str>)> = all.iter().map(|e| (e.actor.as_str(), e.petition.as_deref())).collect();
    assert_eq!(actions, [("omar", Some("scrap-upfront-charging")), ("nadia", Some("stop-sharing")), ("nadia", None)]);
    let one = audit_log(&db, Some("stop-sharing"), 10).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!((one[0].action.as_str(), one[0].detail.as_str()), ("paper-count", "120"));
    assert_eq!(audit_log(&db, None, 2).await.unwrap().len(), 2, "the newest, as many as asked");
    db.close().await;
}
