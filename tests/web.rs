//! The widget in a real browser (headless Chromium via wasm-bindgen-test),
//! talking to a real petition server that `cargo xtask test` starts and names
//! in `PETITION_TEST_SERVER` at compile time.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use petition_widget::mount;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlFormElement, HtmlInputElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

fn server() -> &'static str {
    option_env!("PETITION_TEST_SERVER").expect("run the widget tests with `cargo xtask test`: it starts the server")
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A placeholder for petition `slug`, at the end of the page.
fn host(slug: &str) -> Element {
    let host = document().create_element("div").unwrap();
    host.set_attribute("data-petition", slug).unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    host
}

/// A fresh visitor: nothing remembered from other tests' signatures.
fn forget_everything() {
    web_sys::window().unwrap().local_storage().unwrap().unwrap().clear().unwrap();
}

async fn mounted(slug: &str) -> (Element, ShadowRoot) {
    forget_everything();
    let host = host(slug);
    mount(host.clone(), server().to_owned(), None).await;
    let root = host.shadow_root().expect("an open shadow root");
    (host, root)
}

fn find<T: JsCast>(root: &ShadowRoot, selector: &str) -> T {
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("{selector} is missing")).dyn_into().unwrap()
}

fn text(root: &ShadowRoot, selector: &str) -> String {
    find::<Element>(root, selector).text_content().unwrap_or_default()
}

fn visible(element: &Element) -> bool {
    element.dyn_ref::<HtmlElement>().is_some_and(|e| e.offset_height() > 0)
}

fn style(element: &Element, property: &str) -> String {
    web_sys::window().unwrap().get_computed_style(element).unwrap().unwrap().get_property_value(property).unwrap()
}

fn count(root: &ShadowRoot) -> u64 {
    text(root, "#pw-count-number").replace(',', "").parse().expect("the count is a number")
}

fn fill(root: &ShadowRoot, id: &str, value: &str) {
    find::<HtmlInputElement>(root, &format!("#{id}")).set_value(value);
}

fn submit(root: &ShadowRoot) {
    find::<HtmlFormElement>(root, "#pw-form").request_submit().unwrap();
}

/// Waits up to 10 s for `condition`.
async fn until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        gloo_timers::future::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Parsed JSON from `path` on the test server, with `body` POSTed if given.
async fn fetch_json(path: &str, body: Option<String>) -> wasm_bindgen::JsValue {
    let init = web_sys::RequestInit::new();
    if let Some(body) = body {
        init.set_method("POST");
        init.set_body(&body.into());
        let headers = web_sys::Headers::new().unwrap();
        headers.set("Content-Type", "application/json").unwrap();
        init.set_headers(&headers);
    }
    let url = format!("{}{path}", server());
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(web_sys::window().unwrap().fetch_with_str_and_init(&url, &init))
            .await
            .unwrap()
            .into();
    wasm_bindgen_futures::JsFuture::from(response.json().unwrap()).await.unwrap()
}

fn field(value: &wasm_bindgen::JsValue, name: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(value, &name.into()).unwrap()
}

/// Signs `slug` through the API (not the widget) until it has `at_least`:
/// each signature with its own challenge, answered, and sent no sooner than
/// a person could.
async fn ensure_signatures(slug: &str, at_least: u64) {
    let mut bodies = vec![];
    let mut wait = 0.0f64;
    for n in 0..at_least {
        let challenge = fetch_json(&format!("/api/petitions/{slug}/challenge"), None).await;
        let token = field(&challenge, "token").as_string().unwrap();
        let difficulty = field(&challenge, "difficulty").as_f64().unwrap() as u8;
        wait = wait.max(field(&challenge, "min_seconds").as_f64().unwrap());
        let proof = petition_core::proof::search(&token, difficulty, 0, u64::MAX).unwrap();
        bodies.push(format!(
            r#"{{"first_name":"Test","email":"seed-{n}-{}@example.org","postcode":"E1 6AN","challenge":"{token}","proof":{proof}}}"#,
            js_sys::Math::random().to_bits()
        ));
    }
    gloo_timers::future::sleep(Duration::from_millis(wait as u64 * 1000 + 100)).await;
    for body in bodies {
        let receipt = fetch_json(&format!("/api/petitions/{slug}/signatures"), Some(body)).await;
        if field(&receipt, "signature_count").as_f64().unwrap() as u64 >= at_least {
            return;
        }
    }
}

#[wasm_bindgen_test]
async fn below_ten_signatures_the_count_is_hidden_and_people_are_asked_to_be_first() {
    // Nothing in the widget tests signs this petition.
    let (_, root) = mounted("scrap-upfront-charging").await;
    assert!(visible(&find(&root, "#pw-first")));
    assert_eq!(text(&root, "#pw-first"), "Be one of the first to sign this petition.");
    assert!(!visible(&find(&root, "#pw-counted")), "no number");
    let bar: Element = find(&root, "#pw-bar");
    assert_eq!(bar.get_attribute("aria-valuetext").as_deref(), Some("Just started, towards 1,000 signatures"));
    let shown = find::<HtmlElement>(&root, "#pw-ready").inner_text();
    let says_zero = shown.lines().any(|line| line.trim().starts_with("0 signature"));
    assert!(!says_zero, "what is rendered never counts 0 signatures: {shown}");
}

#[wasm_bindgen_test]
async fn the_petition_is_shown_inside_an_open_shadow_root() {
    ensure_signatures("stop-sharing", 10).await;
    let (host, root) = mounted("stop-sharing").await;
    assert_eq!(text(&root, "#pw-title"), "Stop using NHS patients’ personal information for immigration enforcement.");
    assert_eq!(text(&root, ".pw-target"), "To: The Government");
    assert!(text(&root, "#pw-summary").contains("immigration enforcement"));
    assert!(visible(&find(&root, "#pw-bar")), "the progress bar is shown");
    let bar: Element = find(&root, "#pw-bar");
    assert_eq!(bar.get_attribute("aria-valuenow"), Some(count(&root).to_string()));
    let ticks = root.query_selector_all("#pw-ticks span").unwrap().length();
    assert_eq!(ticks, 3, "ticks for the 500, 1,000 and 5,000 milestones on the way to 10,000");
    assert!(text(&root, "#pw-timeline").contains("10 signatures reached"), "{}", text(&root, "#pw-timeline"));
    // Dates arrive in words (through Intl) just after the widget is shown.
    let today = js_sys::Date::new_0();
    let year = today.get_full_year().to_string();
    until("the milestone dates are in words", || text(&root, "#pw-latest time").ends_with(&year)).await;
    assert!(text(&root, "#pw-timeline time").contains(" at "), "{}", text(&root, "#pw-timeline"));
    assert!(!visible(&find(&root, "#pw-first")));
    assert!(text(&root, "#pw-goal").contains("10,000"), "{}", text(&root, "#pw-goal"));
    assert!(text(&root, "#pw-latest").starts_with("Next milestone: "), "{}", text(&root, "#pw-latest"));
    assert!(text(&root, "#pw-supported").contains("Doctors of the World UK, National AIDS Trust and Liberty"));
    assert!(host.get_attribute("data-petition").is_some());
    assert!(!visible(&find(&root, "#pw-loading")), "the loading state is gone");
}

#[wasm_bindgen_test]
async fn every_field_has_a_visible_label_and_the_standard_autocomplete_token() {
    let (_, root) = mounted("stop-sharing").await;
    for (id, autocomplete) in [
        ("pw-first_name", Some("given-name")),
        ("pw-last_name", Some("family-name")),
        ("pw-email", Some("email")),
        ("pw-postcode", Some("postal-code")),
        ("pw-profession", None),
        ("pw-reason", None),
        ("pw-outside_uk", None),
        ("pw-consent", None),
    ] {
        let control: Element = find(&root, &format!("#{id}"));
        let label: Element = find(&root, &format!("label[for='{id}']"));
        assert!(visible(&label) && !label.text_content().unwrap().trim().is_empty(), "{id} has a visible label");
        assert_eq!(control.get_attribute("autocomplete").as_deref(), autocomplete, "{id}");
    }
    let options: Vec<String> = (0..6)
        .filter_map(|n| root.query_selector(&format!("#pw-profession option:nth-child({})", n + 1)).unwrap())
        .map(|o| o.text_content().unwrap())
        .collect();
    assert_eq!(options, ["Choose an answer", "Doctor", "Nurse", "Midwife", "Other healthcare professional", "Not a healthcare professional"]);
    assert!(!find::<HtmlInputElement>(&root, "#pw-consent").checked(), "consent starts unticked");
    assert_eq!(
        text(&root, "label[for='pw-consent']"),
        "Keep me updated about this campaign by email from Doctors of the World UK"
    );
    let button: Element = find(&root, "button[type='submit']");
    assert_eq!(button.text_content().unwrap(), "Sign the petition");
    assert!(find::<Element>(&root, "form").has_attribute("novalidate"));
}

#[wasm_bindgen_test]
async fn a_hostile_host_stylesheet_cannot_hide_or_restyle_the_widget() {
    let hostile = document().create_element("style").unwrap();
    hostile.set_text_content(Some(
        "* { all: unset } input, select, textarea, form { display: none !important } \
         button { color: rgb(255, 105, 180) !important } div { max-height: 10px !important; overflow: hidden !important }",
    ));
    document().body().unwrap().append_child(&hostile).unwrap();
    let (host, root) = mounted("stop-sharing").await;
    let email: Element = find(&root, "#pw-email");
    let button: Element = find(&root, "#pw-submit");
    let checks = (
        style(&email, "display"),
        style(&button, "color"),
        host.get_bounding_client_rect().height(),
        style(&host, "display"),
    );
    hostile.remove();
    assert_eq!(checks.0, "block", "inputs stay visible");
    assert_eq!(checks.1, "rgb(255, 255, 255)", "the button keeps its own colour");
    assert!(checks.2 > 600.0, "the widget keeps its height ({})", checks.2);
    assert_eq!(checks.3, "block");
}

#[wasm_bindgen_test]
async fn the_widget_styles_do_not_reach_the_host_page() {
    let outside = document().create_element("label").unwrap();
    outside.set_text_content(Some("a host page label"));
    document().body().unwrap().append_child(&outside).unwrap();
    let before = (style(&outside, "font-weight"), style(&outside, "font-family"), style(&outside, "cursor"));
    let (_, _root) = mounted("stop-sharing").await;
    let after = (style(&outside, "font-weight"), style(&outside, "font-family"), style(&outside, "cursor"));
    assert_eq!(before, after);
}

#[wasm_bindgen_test]
async fn an_empty_form_shows_the_error_summary_and_a_message_beside_each_field() {
    let (_, root) = mounted("stop-sharing").await;
    fill(&root, "pw-last_name", "Okafor");
    submit(&root);
    let summary: Element = find(&root, "#pw-error-summary");
    until("the error summary shows", || visible(&summary)).await;
    assert_eq!(root.active_element().map(|e| e.id()), Some("pw-error-summary".into()), "the summary takes focus");
    let links: Vec<String> = (1..=3).map(|n| text(&root, &format!("#pw-error-list li:nth-child({n}) a"))).collect();
    assert_eq!(links, ["Enter your first name", "Enter your email address", "Enter your postcode"]);
    let first: Element = find(&root, "#pw-first_name");
    assert_eq!(first.get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = first.get_attribute("aria-describedby").unwrap();
    let message: Element = find(&root, &format!("#{described}"));
    assert_eq!(message.text_content().unwrap(), "Error: Enter your first name");
    assert!(visible(&message));
    assert_eq!(find::<HtmlInputElement>(&root, "#pw-last_name").value(), "Okafor", "nothing typed is cleared");
    assert!(find::<Element>(&root, "#pw-last_name").get_attribute("aria-invalid").is_none());

    // The summary's link takes the person to the field.
    find::<HtmlElement>(&root, "#pw-error-list a[data-field='pw-email']").click();
    assert_eq!(root.active_element().map(|e| e.id()), Some("pw-email".into()));
}

#[wasm_bindgen_test]
async fn a_malformed_email_is_caught_before_sending_and_the_fix_clears_it() {
    let (_, root) = mounted("stop-sharing").await;
    fill(&root, "pw-first_name", "Amara");
    fill(&root, "pw-email", "amara@example");
    fill(&root, "pw-postcode", "E1 6AN");
    submit(&root);
    until("the email error shows", || visible(&find(&root, "#pw-email-error"))).await;
    assert_eq!(
        text(&root, "#pw-email-error"),
        "Error: Enter an email address in the correct format, like name@example.com"
    );
    assert_eq!(find::<HtmlInputElement>(&root, "#pw-email").value(), "amara@example");
    assert!(!visible(&find(&root, "#pw-first_name-error")));
}

#[wasm_bindgen_test]
async fn signing_thanks_the_person_and_shows_the_new_count() {
    ensure_signatures("stop-sharing", 10).await;
    let (_, root) = mounted("stop-sharing").await;
    let before = count(&root);
    let email = format!("widget-test-{}@example.org", js_sys::Math::random().to_bits());
    fill(&root, "pw-first_name", "Zoë");
    fill(&root, "pw-last_name", "O'Brien-Łukasiewicz");
    fill(&root, "pw-email", &email);
    fill(&root, "pw-postcode", "sw1a 1aa");
    submit(&root);
    let thanks: Element = find(&root, "#pw-thanks");
    until("the thank-you shows", || visible(&thanks)).await;
    assert!(!visible(&find(&root, "#pw-form")), "the thank-you replaces the form");
    assert_eq!(count(&root), before + 1);
    assert!(text(&root, "#pw-thanks-text").starts_with("Zoë, your signature is on the petition"));
    assert_eq!(root.active_element().map(|e| e.id()), Some("pw-thanks".into()));
    assert!(text(&root, "#pw-live").contains("Thank you for signing"), "announced to screen readers");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_reported_in_plain_words() {
    let host = host("stop-sharing");
    // Port 9 (discard) has nothing listening here: a real refused connection.
    mount(host.clone(), "http://127.0.0.1:9".into(), None).await;
    let root = host.shadow_root().unwrap();
    assert!(visible(&find(&root, "#pw-problem")));
    assert!(text(&root, "#pw-problem-text").starts_with("We couldn’t reach the petition server"));
    assert!(visible(&find(&root, "#pw-retry")), "a way to try again");
}

#[wasm_bindgen_test]
async fn an_unknown_petition_is_reported_in_plain_words() {
    let (_, root) = mounted("no-such-petition").await;
    assert_eq!(text(&root, "#pw-problem-text"), "This petition could not be found. It may have closed or moved.");
}

#[wasm_bindgen_test]
async fn mounting_again_replaces_the_widget_rather_than_adding_a_second() {
    let (host, _) = mounted("stop-sharing").await;
    mount(host.clone(), server().to_owned(), None).await;
    let root = host.shadow_root().unwrap();
    assert_eq!(root.query_selector_all("form").unwrap().length(), 1);
    petition_widget::unmount(&host);
}
