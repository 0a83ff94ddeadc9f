//! The dashboard's petition editor: creating and editing a petition in a
//! form checked by the petition-file rules, its history, the start-up rule
//! for petition files, the download, and the widget's preview.

use std::time::Duration;

use petition_core::LinksTo;
use petition_server::petition_file::PetitionFile;
use serde_json::{json, Value};

use crate::{helpers::*, live::Events};

/// A petition's fields as the editor's form posts them.
pub(crate) fn form_of(petition: &PetitionFile) -> Vec<(String, String)> {
    let numbers = |list: &[u64]| {
        list.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let share = petition.share.clone();
    let next = petition.next_action.clone();
    let mut fields = vec![
        ("slug", petition.slug.clone()),
        ("title", petition.title.clone()),
        ("summary", petition.summary.clone()),
        // As a browser sends a textarea: CRLF line ends.
        ("body", petition.body.replace('\n', "\r\n")),
        ("target", petition.target.clone()),
        ("organiser", petition.organiser.clone()),
        ("supported_by", petition.supported_by.join("\r\n")),
        ("language", petition.language.clone()),
        ("goal_steps", numbers(&petition.goal_steps)),
        ("milestones", numbers(&petition.milestones)),
        ("show_count_from", petition.show_count_from.to_string()),
        ("closes_at", petition.closes_at.clone().unwrap_or_default()),
        (
            "partners",
            petition
                .partners
                .iter()
                .map(|p| format!("{}: {}", p.slug, p.name))
                .collect::<Vec<_>>()
                .join("\r\n"),
        ),
        ("accent_colour", petition.accent_colour.clone()),
        ("hero_alt", petition.hero_alt.clone().unwrap_or_default()),
        (
            "share_links_to",
            match share.as_ref().map(|s| s.links_to) {
                Some(LinksTo::SigningPage) => "signing-page",
                Some(LinksTo::Url) => "url",
                Some(LinksTo::PetitionPage) | None => "petition-page",
            }
            .to_owned(),
        ),
        (
            "share_url",
            share.as_ref().map(|s| s.url.clone()).unwrap_or_default(),
        ),
        (
            "share_text",
            share.as_ref().map(|s| s.text.clone()).unwrap_or_default(),
        ),
        (
            "share_hashtag",
            share.map(|s| s.hashtag).unwrap_or_default(),
        ),
        (
            "next_action_title",
            next.as_ref().map(|n| n.title.clone()).unwrap_or_default(),
        ),
        (
            "next_action_text",
            next.as_ref().map(|n| n.text.clone()).unwrap_or_default(),
        ),
        ("next_action_url", next.map(|n| n.url).unwrap_or_default()),
        ("retention_days", petition.retention_days.to_string()),
    ];
    for (name, on) in [
        ("ask_profession", petition.ask_profession),
        ("show_profession_tally", petition.show_profession_tally),
        ("confirm_by_email", petition.confirm_by_email),
        ("erasure_keeps_count", petition.erasure_keeps_count),
    ] {
        if on {
            fields.push((name, "on".into()));
        }
    }
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

pub(crate) fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_owned(), value.to_owned()));
}

pub(crate) fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The demo petition, under another slug.
/// The demo petition as the form can make it: the form carries no
/// translations (they are edited in the file, and kept on save).
fn demo(slug: &str) -> PetitionFile {
    let text = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml")).unwrap();
    PetitionFile { slug: slug.into(), translations: Default::default(), ..PetitionFile::parse(&text).unwrap() }
}

/// `text` as askama writes it into a page.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

/// The petition's definition as stored.
pub(crate) async fn stored(app: &TestApp, slug: &str) -> PetitionFile {
    let definition: String = sqlx::query_scalar("SELECT definition FROM petitions WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    serde_json::from_str(&definition).unwrap()
}

/// The revision number a form page carries.
pub(crate) fn revision_in(page: &str) -> String {
    let at = page
        .find("name=\"revision\" value=\"")
        .expect("the form carries its revision")
        + 23;
    page[at..].split('"').next().unwrap().to_owned()
}

/// Every revision of a petition: (revision, origin, actor), oldest first.
async fn history(app: &TestApp, slug: &str) -> Vec<(i64, String, String)> {
    sqlx::query_as(
        "SELECT r.revision, r.origin, r.actor FROM petition_revisions r JOIN petitions p ON p.id = r.petition_id
         WHERE p.slug = $1 ORDER BY r.revision",
    )
    .bind(slug)
    .fetch_all(&app.db().await)
    .await
    .unwrap()
}

async fn audit(app: &TestApp, slug: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT actor, action, detail FROM audit_log WHERE petition = $1 ORDER BY id")
        .bind(slug)
        .fetch_all(&app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_organiser_creates_a_petition_in_the_form_and_it_is_live_at_once() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let form = nadia.page("/admin/petitions/new").await;
    for field in [
        "slug", "title", "summary", "body", "target", "organiser", "supported_by", "goal_steps", "milestones",
        "show_count_from", "ask_profession", "show_profession_tally", "confirm_by_email", "closes_at", "partners",
        "share_url", "share_text", "share_hashtag", "next_action_title", "next_action_text", "next_action_url",
        "retention_days", "erasure_keeps_count",
    ] {
        assert!(form.contains(&format!("id=\"{field}\" name=\"{field}\"")), "the form asks for {field}: {form}");
        assert!(form.contains(&format!("<label for=\"{field}\">")), "{field} is labelled");
    }
    assert!(form.contains("<iframe id=\"preview\""), "the preview is beside the form");

    let mut petition = demo("nhs-data");
    petition.closes_at = Some("2027-03-31T23:59:59Z".into());
    petition.confirm_by_email = true;
    let created = nadia.post_form("/admin/petitions/new", &pairs(&form_of(&petition))).await;
    assert_eq!(created.status(), 303, "{:?}", created.text().await);
    assert_eq!(created.headers()["location"], "/admin/petitions/nhs-data/edit?created=1");
    let page = nadia.page("/admin/petitions/nhs-data/edit?created=1").await;
    assert!(page.contains("Petition created"), "{page}");

    assert!(nadia.page("/admin/").await.contains("/admin/petitions/nhs-data"), "listed on the dashboard");
    let public = app.petition("nhs-data").await;
    assert_eq!(public["title"], petition.title.as_str());
    assert_eq!(public["body"].as_array().unwrap().len(), 4, "the paragraphs, though the browser sent CRLF");
    assert_eq!(public["partners"][1]["name"], "Asylum Matters");
    assert_eq!(public["share"]["hashtag"], "StopSharing");
    assert_eq!(public["confirm_by_email"], true);
    assert_eq!(public["milestones"].as_array().unwrap().len(), 12);
    assert_eq!(stored(&app, "nhs-data").await, petition, "every field as typed");
    assert_eq!(history(&app, "nhs-data").await, [(1, "dashboard".into(), "nadia".into())]);
    assert_eq!(audit(&app, "nhs-data").await, [("nadia".into(), "petition-created".into(), "revision 1".into())]);

    // A second petition with the same slug is refused at the slug.
    let again = nadia.post_form("/admin/petitions/new", &pairs(&form_of(&petition))).await;
    assert_eq!(again.status(), 422);
    let page = again.text().await.unwrap();
    assert!(page.contains(&escaped("slug \"nhs-data\" is already used by another petition")), "{page}");
}

#[tokio::test]
async fn a_form_with_mistakes_names_each_field_keeps_every_typed_value_and_changes_nothing() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let count = |db: sqlx::AnyPool| async move {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM petitions").fetch_one(&db).await.unwrap();
        n
    };
    let before = count(app.db().await).await;

    let mut fields = form_of(&demo("x"));
    set(&mut fields, "slug", "Bad Slug");
    set(&mut fields, "title", "   ");
    set(&mut fields, "summary", "Typed <b>with care</b> & kept");
    set(&mut fields, "milestones", "100, 50, 200");
    set(&mut fields, "partners", "medact: Medact\r\nNot A Slug: Someone");
    set(&mut fields, "show_count_from", "ten");
    let response = nadia.post_form("/admin/petitions/new", &pairs(&fields)).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("<title>Error: New petition"), "{page}");
    assert!(page.contains("There is a problem"), "{page}");
    for (id, message) in [
        ("slug", "slug \"Bad Slug\" must be lower-case letters, digits and hyphens (at most 64)"),
        ("title", "title must not be empty"),
        ("milestones", "milestones must be positive and in ascending order, like [10000, 25000, 50000]"),
        ("show_count_from", "show_count_from must be a whole number, like 10"),
        ("partners", "partner \"Not A Slug\" needs a slug of lower-case letters, digits and hyphens, and a name"),
    ] {
        let message = escaped(message);
        assert!(page.contains(&format!("<a href=\"#{id}\">{message}</a>")), "the summary links to {id}: {page}");
        assert!(page.contains(&format!("id=\"{id}-error\"")), "the message is beside {id}");
        assert_eq!(page.matches(message.as_str()).count(), 2, "in the summary and beside the field: {message}");
    }
    for kept in [
        "value=\"Bad Slug\"",
        "value=\"   \"",
        "value=\"100, 50, 200\"",
        "value=\"ten\"",
        ">medact: Medact\r\nNot A Slug: Someone</textarea>",
        &format!("{}</textarea>", escaped("Typed <b>with care</b> & kept")),
        &format!("value=\"{}\"", escaped("https://www.doctorsoftheworld.org.uk/stop-sharing")),
    ] {
        assert!(page.contains(kept), "{kept} is kept: {page}");
    }
    assert!(page.contains("id=\"ask_profession\" name=\"ask_profession\" checked"), "ticks are kept");
    assert!(!page.contains("id=\"confirm_by_email\" name=\"confirm_by_email\" checked"), "and so are blanks");
    assert!(!page.contains("<b>with care"), "nothing typed becomes markup");
    assert_eq!(count(app.db().await).await, before, "nothing saved");

    // A title full of markup is a fine title, shown as text.
    let hostile = "<script>alert(\"pwned\")</script>";
    set(&mut fields, "title", hostile);
    let page = nadia.post_form("/admin/petitions/new", &pairs(&fields)).await.text().await.unwrap();
    assert!(!page.contains("href=\"#title\""), "the title is not a mistake");
    assert!(page.contains(&format!("value=\"{}\"", escaped(hostile))), "{page}");
    assert!(!page.contains(hostile));
    assert_eq!(count(app.db().await).await, before);
    assert!(audit(&app, "x").await.is_empty());
}

#[tokio::test]
async fn an_organiser_edits_a_petition_and_every_widget_sees_it_at_once() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let page = nadia.page("/admin/petitions/stop-sharing/edit").await;
    let revision = revision_in(&page);
    assert_eq!(revision, "1");
    assert!(page.contains("value=\"Stop using NHS patients’ personal information for immigration enforcement.\""), "{page}");
    assert!(page.contains("medact: Medact\nasylum-matters: Asylum Matters"), "the partners, one per line: {page}");
    assert!(page.contains("(it can't change"), "the slug is fixed: {page}");
    assert!(!page.contains("id=\"slug\" name=\"slug\""), "and offers no box to change it");

    let mut events = Events::open(&app, "stop-sharing").await;
    assert_eq!(events.next(Duration::from_secs(2)).await["goal"], 10000);
    let mut petition = stored(&app, "stop-sharing").await;
    petition.title = "Keep NHS patients’ data out of immigration enforcement.".into();
    petition.goal_steps = vec![500, 1000];
    petition.milestones = vec![10, 20];
    let mut fields = form_of(&petition);
    set(&mut fields, "revision", &revision);
    set(&mut fields, "slug", "renamed");
    let saved = nadia.post_form("/admin/petitions/stop-sharing/edit", &pairs(&fields)).await;
    assert_eq!(saved.status(), 303, "{:?}", saved.text().await);
    assert_eq!(saved.headers()["location"], "/admin/petitions/stop-sharing/edit?saved=2");

    let update = events.next(Duration::from_secs(2)).await;
    assert_eq!(update["goal"], 500, "the new goal reaches open widgets: {update}");
    assert_eq!(update["milestones"].as_array().unwrap().len(), 2);
    let public = app.petition("stop-sharing").await;
    assert_eq!(public["title"], petition.title.as_str());
    assert_eq!(stored(&app, "stop-sharing").await, petition, "the slug stayed");
    assert_eq!(app.get("/api/petitions/renamed").await.status(), 404);
    let page = nadia.page("/admin/petitions/stop-sharing/edit?saved=2").await;
    assert!(page.contains("Saved as revision 2"), "{page}");
    assert_eq!(revision_in(&page), "2");

    // The same again changes nothing and makes no revision.
    set(&mut fields, "revision", "2");
    let again = nadia.post_form("/admin/petitions/stop-sharing/edit", &pairs(&fields)).await;
    assert_eq!(again.headers()["location"], "/admin/petitions/stop-sharing/edit?unchanged=2");
    assert_eq!(history(&app, "stop-sharing").await.len(), 2);
    assert_eq!(
        audit(&app, "stop-sharing").await.last().unwrap(),
        &("nadia".into(), "petition-edited".into(), "revision 1 to 2".into())
    );
}

#[tokio::test]
async fn a_save_over_someone_elses_newer_revision_is_refused_with_what_was_typed_kept() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let amir = app.organiser("amir").await;
    let opened = revision_in(&nadia.page("/admin/petitions/stop-sharing/edit").await);
    let original = stored(&app, "stop-sharing").await;

    let mut theirs = original.clone();
    theirs.title = "Amir's title".into();
    let mut fields = form_of(&theirs);
    set(&mut fields, "revision", &revision_in(&amir.page("/admin/petitions/stop-sharing/edit").await));
    assert_eq!(amir.post_form("/admin/petitions/stop-sharing/edit", &pairs(&fields)).await.status(), 303);

    let mut mine = original.clone();
    mine.summary = "Nadia's summary, typed with care.".into();
    let mut fields = form_of(&mine);
    set(&mut fields, "revision", &opened);
    let refused = nadia.post_form("/admin/petitions/stop-sharing/edit", &pairs(&fields)).await;
    assert_eq!(refused.status(), 409);
    let page = refused.text().await.unwrap();
    assert!(page.contains("Someone else changed this petition"), "{page}");
    assert!(page.contains("saved here by amir"), "says who: {page}");
    assert!(page.contains("They changed: title."), "and what: {page}");
    assert!(page.contains("/admin/petitions/stop-sharing/revisions"), "links to the newer version");
    assert!(page.contains(&escaped("Nadia's summary, typed with care.")), "what she typed is kept");
    assert_eq!(revision_in(&page), "2", "saving again, knowingly, goes over revision 2");
    let now = stored(&app, "stop-sharing").await;
    assert_eq!((now.title.as_str(), now.summary.as_str()), ("Amir's title", original.summary.as_str()), "nothing saved");

    set(&mut fields, "revision", "2");
    let saved = nadia.post_form("/admin/petitions/stop-sharing/edit", &pairs(&fields)).await;
    assert_eq!(saved.headers()["location"], "/admin/petitions/stop-sharing/edit?saved=3");
    let revisions = history(&app, "stop-sharing").await;
    assert_eq!(revisions[1..], [(2, "dashboard".into(), "amir".into()), (3, "dashboard".into(), "nadia".into())]);
}

#[tokio::test]
async fn an_unchanged_file_leaves_a_dashboard_edit_alone_and_a_changed_file_wins_keeping_the_edit() {
    let petitions = tempfile::tempdir().unwrap();
    let file = petitions.path().join("nhs-data.toml");
    let text = std::fs::read_to_string(repo_root().join("petitions/stop-sharing.toml"))
        .unwrap()
        .replace("slug = \"stop-sharing\"", "slug = \"nhs-data\"");
    std::fs::write(&file, &text).unwrap();
    let dir = petitions.path().to_owned();
    let app = spawn_configured(move |config| config.petitions_dir = dir).await;
    let nadia = app.organiser("nadia").await;
    let mut edited = stored(&app, "nhs-data").await;
    edited.title = "Edited in the dashboard".into();
    let mut fields = form_of(&edited);
    set(&mut fields, "revision", "1");
    assert_eq!(nadia.post_form("/admin/petitions/nhs-data/edit", &pairs(&fields)).await.status(), 303);

    // Restarted with the file as it was: the edit stays, and the page says
    // the file is behind.
    let app = app.restart_with(|_| {}).await;
    assert_eq!(stored(&app, "nhs-data").await.title, "Edited in the dashboard");
    let nadia = app.browser().sign_in("nadia", PASSWORD).await;
    let page = nadia.page("/admin/petitions/nhs-data/edit").await;
    assert!(page.contains("after its file in the petitions folder was loaded"), "{page}");
    assert!(page.contains("href=\"/admin/petitions/nhs-data/petition.toml\""), "{page}");

    // The file downloaded and put in place: in step, nothing to say.
    let downloaded = nadia.get("/admin/petitions/nhs-data/petition.toml").await.text().await.unwrap();
    std::fs::write(&file, &downloaded).unwrap();
    let app = app.restart_with(|_| {}).await;
    let nadia = app.browser().sign_in("nadia", PASSWORD).await;
    let page = nadia.page("/admin/petitions/nhs-data/edit").await;
    assert!(!page.contains("class=\"notice\""), "{page}");
    assert_eq!(history(&app, "nhs-data").await.len(), 2, "the same petition is no new revision");

    // Edited here again, then the file changed on disk: the file wins, the
    // edit it replaced is kept and offered back.
    let mut fields = form_of(&PetitionFile { title: "Edited here again".into(), ..edited.clone() });
    set(&mut fields, "revision", "2");
    assert_eq!(nadia.post_form("/admin/petitions/nhs-data/edit", &pairs(&fields)).await.status(), 303);
    std::fs::write(&file, text.replace("title = \"Stop using", "title = \"From the file: stop using")).unwrap();
    let app = app.restart_with(|_| {}).await;
    assert!(stored(&app, "nhs-data").await.title.starts_with("From the file"));
    assert_eq!(
        history(&app, "nhs-data").await,
        [
            (1, "file".into(), "petition file".into()),
            (2, "dashboard".into(), "nadia".into()),
            (3, "dashboard".into(), "nadia".into()),
            (4, "file".into(), "petition file".into()),
        ]
    );
    let nadia = app.browser().sign_in("nadia", PASSWORD).await;
    let page = nadia.page("/admin/petitions/nhs-data/edit").await;
    assert!(page.contains("replaced the version edited here by nadia"), "{page}");
    assert!(page.contains("(revision 3)"), "{page}");
    let history_page = nadia.page("/admin/petitions/nhs-data/revisions").await;
    assert!(history_page.contains("href=\"/admin/petitions/nhs-data/edit?from=3\""), "{history_page}");
    let restoring = nadia.page("/admin/petitions/nhs-data/edit?from=3").await;
    assert!(restoring.contains("value=\"Edited here again\""), "{restoring}");
    assert_eq!(revision_in(&restoring), "4", "saved, it becomes revision 5");
    assert!(restoring.contains("The form holds revision 3"), "{restoring}");
}

#[tokio::test]
async fn the_download_is_a_petition_file_that_reads_back_as_the_same_petition() {
    let app = spawn_app().await;
    let nadia = app.organiser("nadia").await;
    let mut petition = stored(&app, "stop-sharing").await;
    petition.title = r#"Quotes " and ''' and """ and a backslash \"#.into();
    petition.body = "A first paragraph.\n\nA \"\"\" second ''' one.\n".into();
    petition.closes_at = Some("2027-03-31T23:59:59Z".into());
    petition.next_action = None;
    let mut fields = form_of(&petition);
    set(&mut fields, "revision", "1");
    assert_eq!(nadia.post_form("/admin/petitions/stop-sharing/edit", &pairs(&fields)).await.status(), 303);

    let response = nadia.get("/admin/petitions/stop-sharing/petition.toml").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"stop-sharing.toml\"");
    let text = response.text().await.unwrap();
    assert_eq!(PetitionFile::parse(&text).unwrap(), petition, "{text}");
    assert_eq!(stored(&app, "stop-sharing").await, petition);

    let path = app.dir.path().join("stop-sharing.toml");
    std::fs::write(&path, &text).unwrap();
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_petition-server"))
        .args(["admin", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    // Any revision, by number.
    let first = nadia.get("/admin/petitions/stop-sharing/petition.toml?revision=1").await.text().await.unwrap();
    assert!(PetitionFile::parse(&first).unwrap().title.starts_with("Stop using NHS"));
    assert_eq!(nadia.get("/admin/petitions/stop-sharing/petition.toml?revision=9").await.status(), 404);
}

#[tokio::test]
async fn the_preview_shows_the_draft_in_the_widget_and_takes_no_signature() {
    let widget = tempfile::tempdir().unwrap();
    std::fs::write(widget.path().join("petition_widget_bg.wasm"), b"\0asm").unwrap();
    let dir = widget.path().to_owned();
    let app = spawn_configured(move |config| config.widget_dir = dir).await;
    let nadia = app.organiser("nadia").await;

    let saved = nadia.get("/admin/petitions/preview?slug=stop-sharing").await;
    assert_eq!(saved.status(), 200);
    let policy = saved.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'self'"), "{policy}");
    assert!(policy.contains("require-trusted-types-for 'script'; trusted-types petition-widget"), "{policy}");
    assert_eq!(saved.headers()["x-frame-options"], "SAMEORIGIN");
    let page = saved.text().await.unwrap();
    assert!(
        page.contains("<script src=\"/embed.js\" data-petition=\"stop-sharing\" data-server=\"/admin/preview/saved\" async>"),
        "{page}"
    );
    let edit = nadia.get("/admin/petitions/stop-sharing/edit").await;
    assert!(edit.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    let edit = edit.text().await.unwrap();
    assert!(edit.contains("src=\"/admin/petitions/preview?slug=stop-sharing\""), "without script, the saved petition");

    // The draft, as editor.js sends it.
    let token = "ab".repeat(32);
    let mut draft: serde_json::Map<String, Value> =
        form_of(&stored(&app, "stop-sharing").await).into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    draft.insert("token".into(), json!(token));
    draft.insert("title".into(), json!("A draft title"));
    draft.insert("goal_steps".into(), json!("50, 100"));
    let answer = nadia.post_json("/admin/petitions/preview", &Value::Object(draft.clone())).await;
    assert_eq!(answer.status(), 200);
    let preview = answer.json::<Value>().await.unwrap()["preview"].as_str().unwrap().to_owned();
    assert_eq!(preview, format!("/admin/petitions/preview?draft={token}"));
    let page = nadia.page(&preview).await;
    assert!(page.contains(&format!("data-petition=\"stop-sharing\" data-server=\"/admin/preview/{token}\"")), "{page}");

    // What the widget asks for, with no cookie.
    let api = format!("/admin/preview/{token}/api/petitions/stop-sharing");
    let shown: Value = app.get(&api).await.json().await.unwrap();
    assert_eq!((shown["title"].as_str(), shown["goal"].as_u64()), (Some("A draft title"), Some(50)));
    assert_eq!(app.petition("stop-sharing").await["goal"], 10000, "the saved petition is as it was");
    let challenge: Value = app.get(&format!("{api}/challenge")).await.json().await.unwrap();
    assert_eq!(challenge["difficulty"], 0);
    let signing = app.client.post(format!("{}{api}/signatures", app.base)).json(&signature("a@example.org")).send().await.unwrap();
    assert_eq!(signing.status(), 409);
    assert!(signing.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("signing is off"));
    assert_eq!(app.count("stop-sharing").await, 0);
    let saved_api: Value = app.get("/admin/preview/saved/api/petitions/stop-sharing").await.json().await.unwrap();
    assert_eq!(saved_api["goal"], 10000);
    assert_eq!(app.get(&format!("/admin/preview/{}/api/petitions/stop-sharing", "cd".repeat(32))).await.status(), 404);
    // No live stream in the preview, said so that the browser does not ask again (not a 404, an error).
    let stream = app.get(&format!("/admin/preview/{token}/api/events?petitions=stop-sharing")).await;
    assert_eq!(stream.status(), 204);

    // A draft with a mistake is not previewed: the script says why.
    draft.insert("title".into(), json!(""));
    let refused = nadia.post_json("/admin/petitions/preview", &Value::Object(draft)).await;
    assert_eq!(refused.status(), 422);
    let problems = refused.json::<Value>().await.unwrap();
    assert_eq!(problems["problems"], json!([{ "field": "title", "message": "title must not be empty" }]));
    assert_eq!(app.get(&api).await.json::<Value>().await.unwrap()["title"], "A draft title", "the last good draft stays");
}

#[tokio::test]
async fn without_the_built_widget_the_preview_says_so_in_words() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_owned();
    let app = spawn_configured(move |config| config.widget_dir = dir).await;
    let nadia = app.organiser("nadia").await;
    let response = nadia.get("/admin/petitions/preview?slug=stop-sharing").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("'wasm-unsafe-eval'"));
    let page = response.text().await.unwrap();
    assert!(page.contains("The widget is not built on this server"), "{page}");
    assert!(!page.contains("<script"), "{page}");
}

#[tokio::test]
async fn a_partner_account_is_refused_every_editor_route() {
    let app = spawn_app().await;
    let mo = app.partner("mo", "medact").await;
    for path in [
        "/admin/petitions/new",
        "/admin/petitions/stop-sharing/edit",
        "/admin/petitions/stop-sharing/revisions",
        "/admin/petitions/stop-sharing/petition.toml",
        "/admin/petitions/preview?slug=stop-sharing",
    ] {
        assert_eq!(mo.get(path).await.status(), 403, "GET {path}");
    }
    let fields = form_of(&demo("mine"));
    for path in ["/admin/petitions/new", "/admin/petitions/stop-sharing/edit"] {
        assert_eq!(mo.post_form(path, &pairs(&fields)).await.status(), 403, "POST {path}");
    }
    let draft = json!({ "token": "ab".repeat(32), "slug": "mine" });
    assert_eq!(mo.post_json("/admin/petitions/preview", &draft).await.status(), 403);
    assert_eq!(app.get("/api/petitions/mine").await.status(), 404);
    assert_eq!(history(&app, "stop-sharing").await.len(), 1);
}
