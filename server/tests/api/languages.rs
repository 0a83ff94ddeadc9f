//! Languages: a petition's texts per language in the API (`?lang=`), the
//! signer's language in their mails and the pages their links open, and
//! the petition's own page, poster, pictures and oEmbed in a language.
//! The petition is tests/petitions/multilingual.toml (English, with Welsh,
//! Arabic, Portuguese and Traditional Chinese).

use petition_core::lang::text;
use petition_server::lang;
use serde_json::{json, Value};

use crate::{
    dashboard_editor::{form_of, pairs, revision_in, set, stored},
    helpers::{link_in, repo_root, signature, spawn_configured, TestApp},
};

const SLUG: &str = "free-interpreters";
const ARABIC_TITLE: &str = "أبقوا المترجمين المجانيين في كل عيادة طبيب عام تابعة لـ NHS.";
const WELSH_TITLE: &str = "Cadwch gyfieithwyr am ddim ym mhob meddygfa.";
const ENGLISH_TITLE: &str = "Keep free interpreters at every GP surgery.";

/// A server with the tests' petitions (tests/petitions/).
async fn spawn() -> TestApp {
    spawn_configured(|config| config.petitions_dir = repo_root().join("tests/petitions")).await
}

fn arabic() -> &'static lang::Language {
    lang::find("ar").expect("lang/ar.json is in the catalogue")
}

/// Whether `text` has Arabic letters.
fn has_arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c))
}

async fn get(app: &TestApp, path: &str, accept_language: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(languages) = accept_language {
        request = request.header("accept-language", languages);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

async fn petition_in(app: &TestApp, lang: &str) -> (Value, String) {
    let (status, headers, body) = get(app, &format!("/api/petitions/{SLUG}?lang={lang}"), None).await;
    assert_eq!(status, 200, "{body}");
    (serde_json::from_str(&body).unwrap(), headers["etag"].to_str().unwrap().to_owned())
}

/// A mail's subject, its RFC 2047 encoded words decoded.
fn subject_of(mail: &str) -> String {
    use base64::Engine as _;
    let start = mail.find("\r\nSubject: ").expect("a subject") + "\r\nSubject: ".len();
    let mut header = String::new();
    for (i, line) in mail[start..].split("\r\n").enumerate() {
        if i > 0 && !line.starts_with([' ', '\t']) {
            break;
        }
        header.push_str(line.trim());
        header.push(' ');
    }
    // Whitespace between two encoded words is not part of the text
    // (RFC 2047 §6.2); beside a plain word it is.
    let mut subject = String::new();
    let mut after_encoded = false;
    for word in header.split_whitespace() {
        match word.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
            Some(encoded) => {
                if !after_encoded && !subject.is_empty() {
                    subject.push(' ');
                }
                subject.push_str(&String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).unwrap()).unwrap());
                after_encoded = true;
            }
            None => {
                if !subject.is_empty() {
                    subject.push(' ');
                }
                subject.push_str(word);
                after_encoded = false;
            }
        }
    }
    subject
}

#[tokio::test]
async fn the_api_answers_in_the_best_of_the_petition_s_languages() {
    let app = spawn().await;
    let (default, english_tag) = {
        let (status, headers, body) = get(&app, &format!("/api/petitions/{SLUG}"), Some("cy")).await;
        assert_eq!(status, 200);
        (serde_json::from_str::<Value>(&body).unwrap(), headers["etag"].to_str().unwrap().to_owned())
    };
    assert_eq!(default["language"], "en", "without ?lang the petition's own, whatever the browser says");
    assert_eq!(default["languages"], json!(["en", "ar", "cy", "pt", "zh-Hant"]));
    assert_eq!(default["title"], ENGLISH_TITLE);

    let (welsh, welsh_tag) = petition_in(&app, "cy").await;
    assert_eq!(welsh["language"], "cy");
    assert_eq!(welsh["languages"], default["languages"]);
    assert_eq!(welsh["title"], WELSH_TITLE);
    assert_eq!(welsh["target"], "Yr Adran Iechyd");
    assert_eq!(welsh["body"].as_array().unwrap().len(), 2);
    assert!(welsh["body"][1].as_str().unwrap().starts_with("Llofnodwch"));
    assert_eq!(welsh["share"]["text"], "Rydw i wedi llofnodi'r ddeiseb i gadw cyfieithwyr am ddim ym mhob meddygfa.");
    assert_eq!(welsh["share"]["hashtag"], "FreeInterpreters", "a hashtag is not translated");
    assert_eq!(welsh["next_action"]["title"], "Darllenwch ganllaw hawliau cleifion");
    assert_eq!(welsh["next_action"]["url"], "https://example.org/rights");
    assert_eq!(welsh["partners"][0]["name"], "Rhwydwaith y Clinigau");
    assert_eq!(welsh["supported_by"], json!(["Cleifion Gyda'n Gilydd", "Rhwydwaith y Clinigau"]));
    assert_eq!(welsh["signature_count"], default["signature_count"]);
    assert_ne!(welsh_tag, english_tag, "each language is its own cached answer");

    let (arabic, _) = petition_in(&app, "ar").await;
    assert_eq!(arabic["title"], ARABIC_TITLE);
    assert_eq!(arabic["partners"][0]["name"], "شبكة العيادات");
    assert_eq!(arabic["supported_by"], default["supported_by"], "names not translated stay as they are");

    for (asked, answered) in [
        ("pt-BR", "pt"),
        ("zh-TW", "zh-Hant"),
        ("zh-Hant-HK", "zh-Hant"),
        ("CY", "cy"),
        ("de", "en"),
        ("x-klingon", "en"),
        ("de,ar,cy", "ar"),
        ("de, cy-GB, ar", "cy"),
        ("", "en"),
    ] {
        let (petition, _) = petition_in(&app, asked).await;
        assert_eq!(petition["language"], answered, "?lang={asked}");
    }

    // Unchanged, the tag still revalidates.
    let again = app
        .client
        .get(format!("{}/api/petitions/{SLUG}?lang=cy", app.base))
        .header("if-none-match", &welsh_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn a_signature_in_arabic_is_confirmed_and_removed_in_arabic() {
    let app = spawn().await;
    let ar = arabic();
    let mut person = signature("layla@example.org");
    person["lang"] = "ar".into();
    person["consent"] = true.into();
    assert_eq!(app.sign(SLUG, &person).await.status(), 200);

    // The confirmation mail: every sentence from the Arabic catalogue, the
    // petition's Arabic title, the links opening Arabic pages.
    let link = app.links_mailed_to("layla@example.org", "/confirm/", 1).await.pop().unwrap();
    let mail = app.mails_to("layla@example.org").pop().unwrap();
    let subject = subject_of(&mail);
    assert_eq!(subject, ar.fill(text::MAIL_CONFIRM_SUBJECT, &[("title", ARABIC_TITLE)]));
    for sentence in [text::MAIL_CONFIRM_THANKS, text::MAIL_CONFIRM_IGNORE] {
        assert!(mail.contains(ar.words(sentence)), "{:?} in {mail}", sentence.key());
    }
    let how = ar.fill(text::MAIL_CONFIRM_HOW, &[("button", ar.words(text::CONFIRM_BUTTON))]);
    assert!(mail.contains(&how), "{mail}");
    assert!(mail.contains(&format!("  {ARABIC_TITLE}\r\n")), "{mail}");
    assert!(!mail.contains(ENGLISH_TITLE) && !mail.contains("Thank you"), "{mail}");
    assert!(link.ends_with("?lang=ar"), "{link}");

    // What the person agreed to is kept in the words they read.
    let db = app.db().await;
    let (lang, consent): (String, String) =
        sqlx::query_as("SELECT lang, consent_text FROM signatures").fetch_one(&db).await.unwrap();
    assert_eq!(lang, "ar");
    assert_eq!(consent, ar.fill(text::CONSENT, &[("organiser", "Patients Together")]));

    // The page the link opens, and the one after pressing its button: in
    // Arabic, right to left, even for a browser that prefers English.
    let bare = link.trim_end_matches("?lang=ar");
    let opened = app.client.get(bare).header("accept-language", "en").send().await.unwrap().text().await.unwrap();
    assert!(opened.contains(r#"<html lang="ar" dir="rtl">"#), "the signature's language: {opened}");
    assert!(opened.contains(ar.words(text::CONFIRM_BUTTON)), "{opened}");
    let done = app.client.post(&link).send().await.unwrap().text().await.unwrap();
    assert!(done.contains(r#"<html lang="ar" dir="rtl">"#), "{done}");
    assert!(done.contains(&format!("<strong dir=\"auto\">{ARABIC_TITLE}</strong>")), "{done}");
    assert_eq!(app.count(SLUG).await, 1);

    // The organiser's export says which language to write to them in.
    let nadia = app.organiser("nadia").await;
    let export = nadia.page(&format!("/admin/petitions/{SLUG}/export.csv")).await;
    assert!(export.lines().next().unwrap().ends_with(",\"language\""), "{export}");
    assert!(export.contains("layla@example.org") && export.trim_end().ends_with(",\"ar\""), "{export}");

    // A removal link asked for on the Arabic /remove page comes in Arabic.
    let page = app.client.get(format!("{}/remove", app.base)).header("accept-language", "ar").send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"<html lang="ar" dir="rtl">"#) && page.contains(r#"action="/remove?lang=ar""#), "{page}");
    let wrong = app.client.post(format!("{}/remove?lang=ar", app.base)).form(&[("email", "layla@")]).send().await.unwrap();
    let wrong = wrong.text().await.unwrap();
    let format = petition_core::FieldError::new(petition_core::Field::Email, petition_core::Problem::Format);
    assert!(wrong.contains(&ar.field_error(&format)) && wrong.contains(r#"aria-invalid="true""#), "{wrong}");
    let sent = app.client.post(format!("{}/remove?lang=ar", app.base)).form(&[("email", "layla@example.org")]).send().await.unwrap();
    assert!(has_arabic(&sent.text().await.unwrap()));
    let remove = app.links_mailed_to("layla@example.org", "/remove/", 2).await.pop().unwrap();
    let mail = app.mails_to("layla@example.org").pop().unwrap();
    assert_eq!(subject_of(&mail), ar.fill(text::MAIL_REMOVE_SUBJECT, &[("title", ARABIC_TITLE)]));
    assert!(mail.contains(ar.words(text::MAIL_REMOVE_ASKED)) && mail.contains(ar.words(text::MAIL_REMOVE_IGNORE)), "{mail}");
    let removed = app.client.post(&remove).send().await.unwrap().text().await.unwrap();
    assert!(removed.contains(ar.words(text::REMOVED_TITLE)), "{removed}");
    assert_eq!(app.count(SLUG).await, 0);
}

#[tokio::test]
async fn a_signature_in_a_language_the_petition_lacks_gets_its_mail_in_that_language_with_the_petition_s_own_title() {
    let app = spawn().await;
    let Some(pl) = lang::find("pl") else { return };
    let mut person = signature("jan@example.org");
    person["lang"] = "pl-PL".into();
    assert_eq!(app.sign(SLUG, &person).await.status(), 200);
    app.links_mailed_to("jan@example.org", "/confirm/", 1).await;
    let mail = app.mails_to("jan@example.org").pop().unwrap();
    assert_eq!(subject_of(&mail), pl.fill(text::MAIL_CONFIRM_SUBJECT, &[("title", ENGLISH_TITLE)]));
    assert!(mail.contains(pl.words(text::MAIL_CONFIRM_THANKS)), "{mail}");
}

#[tokio::test]
async fn refusals_carry_a_code_and_each_field_its_code_and_parameters() {
    let app = spawn().await;
    let mut person = signature("x");
    person["first_name"] = "a".repeat(200).into();
    person["lang"] = "ar".into();
    let answer = app.sign(SLUG, &person).await;
    assert_eq!(answer.status(), 422);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["code"], "invalid");
    let fields = body["fields"].as_array().unwrap();
    let first = fields.iter().find(|f| f["field"] == "first_name").unwrap();
    assert_eq!(first["code"], "too_long");
    assert!(first["params"]["max"].as_u64().is_some_and(|max| max > 0 && max < 200), "{first}");
    let email = fields.iter().find(|f| f["field"] == "email").unwrap();
    assert_eq!(email["code"], "format");
    assert!(email["message"].as_str().unwrap().starts_with("Enter"), "English words for other clients");

    for (path, status, code) in [
        ("/api/petitions/no-such-petition", 404, "not_found"),
        ("/oembed?url=https://elsewhere.example/p/x", 404, "not_found"),
        ("/oembed?format=xml", 501, "bad_request"),
        ("/oembed", 400, "bad_request"),
        ("/p/free-interpreters/qr.png?size=1", 400, "bad_request"),
    ] {
        let (got, _, body) = get(&app, path, None).await;
        assert_eq!(got, status, "{path}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["code"], code, "{path}");
    }
    let unreadable = app
        .client
        .post(format!("{}/api/petitions/{SLUG}/signatures", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(unreadable.status(), 400);
    assert_eq!(unreadable.json::<Value>().await.unwrap()["code"], "bad_request");
}

#[tokio::test]
async fn the_petition_page_comes_in_welsh_and_in_arabic_with_links_to_each_language() {
    let app = spawn().await;
    let ar = arabic();
    let page_url = format!("{}/p/{SLUG}", app.base);

    let (status, headers, welsh) = get(&app, &format!("/p/{SLUG}?lang=cy"), None).await;
    assert_eq!(status, 200);
    assert!(headers["vary"].to_str().unwrap().contains("accept-language"));
    assert!(welsh.contains(r#"<html lang="cy" dir="ltr">"#), "{welsh}");
    assert!(welsh.contains(&format!(r#"<h1 id="title">{WELSH_TITLE}</h1>"#)), "{welsh}");
    assert!(welsh.contains(r#"data-lang="cy""#));
    assert!(welsh.contains(&format!(r#"<link rel="canonical" href="{page_url}?lang=cy">"#)), "{welsh}");
    for (code, href) in [("en", page_url.clone()), ("ar", format!("{page_url}?lang=ar")), ("x-default", page_url.clone())] {
        assert!(welsh.contains(&format!(r#"<link rel="alternate" hreflang="{code}" href="{href}">"#)), "{code}: {welsh}");
    }
    // The list of the petition's languages, each named in its own script.
    assert!(welsh.contains(&format!(r#"<a href="{page_url}?lang=ar" hreflang="ar" lang="ar">العربية</a>"#)), "{welsh}");
    assert!(welsh.contains(r#"<span lang="cy" aria-current="page">Cymraeg</span>"#), "{welsh}");
    assert!(welsh.contains(&format!(r#"<meta property="og:image" content="{page_url}/preview.png?lang=cy">"#)), "{welsh}");

    // Arabic, from the browser's preferences: right to left, every word Arabic.
    let (_, _, arabic_page) = get(&app, &format!("/p/{SLUG}"), Some("fr-CA;q=0.4, ar-EG, en;q=0.1")).await;
    assert!(arabic_page.contains(r#"<html lang="ar" dir="rtl">"#), "{arabic_page}");
    assert!(arabic_page.contains(&format!(r#"<h1 id="title">{ARABIC_TITLE}</h1>"#)));
    assert!(arabic_page.contains(ar.words(text::WHY)) && arabic_page.contains(ar.words(text::MILESTONES)));
    assert!(arabic_page.contains(r#"data-lang="ar""#));
    assert!(!arabic_page.contains("Why is this important?") && !arabic_page.contains("Spread the word"));

    // A page language the petition has no texts in: its texts say theirs.
    if let Some(fr) = lang::find("fr") {
        let (_, _, french) = get(&app, &format!("/p/{SLUG}?lang=fr"), None).await;
        assert!(french.contains(r#"<html lang="fr" dir="ltr">"#));
        assert!(french.contains(&format!(r#"<h1 id="title" lang="en" dir="ltr">{ENGLISH_TITLE}</h1>"#)), "{french}");
        assert!(french.contains(fr.words(text::WHY)));
    }

    // The poster, in Arabic.
    let (status, _, poster) = get(&app, &format!("/p/{SLUG}/poster?lang=ar"), None).await;
    assert_eq!(status, 200);
    assert!(poster.contains(r#"<html lang="ar" dir="rtl">"#), "{poster}");
    assert!(poster.contains(ar.words(text::POSTER_SCAN)) && poster.contains(ARABIC_TITLE), "{poster}");
    assert!(poster.contains(&format!("/p/{SLUG}?lang=ar")), "the address on it opens the Arabic page");

    // No such petition: said in the browser's language.
    let (status, _, missing) = get(&app, "/p/no-such-petition", Some("ar")).await;
    assert_eq!(status, 404);
    assert!(missing.contains(ar.words(text::NO_PETITION_HEADING)), "{missing}");

    // The iframe embed tells the widget the language asked for.
    let (_, _, embed) = get(&app, &format!("/embed/{SLUG}?lang=ar"), None).await;
    assert!(embed.contains(r#"data-lang="ar""#) && embed.contains(r#"<html lang="ar" dir="rtl">"#), "{embed}");
    let (_, _, embed) = get(&app, &format!("/embed/{SLUG}"), None).await;
    assert!(!embed.contains("data-lang"), "without ?lang the widget follows the visitor's browser");
}

#[tokio::test]
async fn link_previews_and_badges_are_drawn_in_the_page_s_language() {
    let app = spawn().await;
    let png = |path: String| {
        let app = &app;
        async move {
            let response = app.get(&path).await;
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(response.headers()["content-type"], "image/png");
            response.bytes().await.unwrap()
        }
    };
    let english = png(format!("/p/{SLUG}/preview.png")).await;
    let in_arabic = png(format!("/p/{SLUG}/preview.png?lang=ar")).await;
    let welsh = png(format!("/p/{SLUG}/preview.png?lang=cy")).await;
    assert_ne!(english, in_arabic);
    assert_ne!(english, welsh);
    assert_eq!(in_arabic, png(format!("/p/{SLUG}/preview.png?lang=ar-EG")).await, "the same language, the same picture");
    if let Ok(dir) = std::env::var("PETITION_SAVE_PICTURES") {
        std::fs::write(format!("{dir}/preview-en.png"), &english).unwrap();
        std::fs::write(format!("{dir}/preview-ar.png"), &in_arabic).unwrap();
        std::fs::write(format!("{dir}/badge-ar.png"), png(format!("/p/{SLUG}/badge.png?lang=ar")).await).unwrap();
    }
    let badge = app.get(&format!("/p/{SLUG}/badge.svg?lang=ar")).await.text().await.unwrap();
    assert!(badge.contains(&format!("aria-label=\"{}: ", arabic().words(text::SIGN))), "{badge}");
    // A language whose letters no font here has is drawn in the petition's own.
    if lang::find("ja").is_some() {
        assert_eq!(png(format!("/p/{SLUG}/preview.png?lang=ja")).await, english);
    }
}

#[tokio::test]
async fn oembed_answers_in_the_language_of_the_page_s_address() {
    let app = spawn().await;
    let ask = |query: String| {
        let app = &app;
        async move {
            let response = app.get(&format!("/oembed?{query}")).await;
            assert_eq!(response.status(), 200, "{query}");
            response.json::<Value>().await.unwrap()
        }
    };
    let page = format!("{}/p/{SLUG}", app.base);
    let encoded = |url: &str| form_urlencoded::byte_serialize(url.as_bytes()).collect::<String>();
    let welsh = ask(format!("url={}&format=json", encoded(&format!("{page}?lang=cy")))).await;
    assert_eq!(welsh["title"], WELSH_TITLE);
    let html = welsh["html"].as_str().unwrap();
    assert!(html.contains(&format!("/embed/{SLUG}?lang=cy")), "{html}");
    assert_eq!(welsh["thumbnail_url"], format!("{page}/preview.png?lang=cy"));

    let in_arabic = ask(format!("url={}&lang=ar", encoded(&page))).await;
    assert_eq!(in_arabic["title"], ARABIC_TITLE);
    assert!(in_arabic["html"].as_str().unwrap().contains("?lang=ar"));

    let english = ask(format!("url={}", encoded(&page))).await;
    assert_eq!(english["title"], ENGLISH_TITLE);
    assert!(!english["html"].as_str().unwrap().contains("lang="));
}

#[tokio::test]
async fn the_confirmation_mail_of_a_signature_without_a_language_is_in_the_petition_s_own() {
    let app = spawn().await;
    assert_eq!(app.sign(SLUG, &signature("nolang@example.org")).await.status(), 200);
    let link = app.links_mailed_to("nolang@example.org", "/confirm/", 1).await.pop().unwrap();
    let mail = app.mails_to("nolang@example.org").pop().unwrap();
    assert!(mail.contains("Subject: Confirm your signature: Keep free interpreters"), "{mail}");
    assert!(link.ends_with("?lang=en"));
    assert!(link_in(&mail, "/remove/").is_some_and(|remove| remove.ends_with("?lang=en")));
}

#[tokio::test]
async fn saving_the_petition_in_the_dashboard_keeps_its_translations() {
    let app = spawn().await;
    let nadia = app.organiser("nadia").await;
    let page = nadia.page(&format!("/admin/petitions/{SLUG}/edit")).await;
    assert!(page.contains("<strong>ar, cy, pt, zh-Hant</strong>"), "the form names the translations it keeps: {page}");
    let mut edited = stored(&app, SLUG).await;
    edited.title = "Keep free interpreters in every GP surgery.".into();
    let mut fields = form_of(&edited);
    set(&mut fields, "revision", &revision_in(&page));
    // A form can't send translations: whatever it sends is not read.
    fields.push(("translations".into(), "".into()));
    assert_eq!(nadia.post_form(&format!("/admin/petitions/{SLUG}/edit"), &pairs(&fields)).await.status(), 303);

    let saved = stored(&app, SLUG).await;
    assert_eq!(saved.title, "Keep free interpreters in every GP surgery.");
    assert_eq!(saved.translations, edited.translations, "every translation kept");
    let (welsh, _) = petition_in(&app, "cy").await;
    assert_eq!(welsh["title"], WELSH_TITLE);
    let download = nadia.page(&format!("/admin/petitions/{SLUG}/petition.toml")).await;
    assert!(download.contains("[translations.cy]") && download.contains(ARABIC_TITLE), "{download}");
}
