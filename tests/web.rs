//! The widget in a real browser (headless Chromium via wasm-bindgen-test),
//! talking to a real petition server that `cargo xtask test` starts and names
//! in `PETITION_TEST_SERVER` at compile time.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlFormElement, HtmlInputElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

// A build without a server compiles, and its tests say what to run.
#[allow(clippy::option_env_unwrap)]
fn server() -> &'static str {
    option_env!("PETITION_TEST_SERVER").expect("run the widget tests with `cargo xtask test`: it starts the server")
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts a widget as the loader does (without its early language file,
/// and with its policy for a page without Trusted Types), once it shows the
/// petition or says why not.
async fn mount(host: Element, origin: String, prefetched: Option<js_sys::Promise>, challenge: Option<js_sys::Promise>) {
    let mut done = None;
    let shown = js_sys::Promise::new(&mut |resolve, _| done = Some(resolve));
    petition_widget::mount(host, origin.into(), prefetched, challenge, None, JsValue::UNDEFINED, petition_widget::plain_policy(), done);
    wasm_bindgen_futures::JsFuture::from(shown).await.unwrap();
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
    mount(host.clone(), server().to_owned(), None, None).await;
    let root = host.shadow_root().expect("an open shadow root");
    (host, root)
}

/// Waits until the widget shows at least `signed` signatures. A petition's
/// view may come from the browser's cache (a few seconds old), so the count
/// just signed through the API arrives with the live stream's first event.
async fn until_counted(root: &ShadowRoot, signed: u64) {
    until(&format!("the widget counts {signed} signatures"), || count(root) >= signed).await;
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

/// The status and parsed JSON from `path` on the test server, with `body`
/// POSTed if given.
async fn fetch_json(path: &str, body: Option<String>) -> (u16, wasm_bindgen::JsValue) {
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
    let status = response.status();
    (status, wasm_bindgen_futures::JsFuture::from(response.json().unwrap()).await.unwrap())
}

fn field(value: &wasm_bindgen::JsValue, name: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(value, &name.into()).unwrap()
}

/// Signs `slug` through the API (not the widget) until it has `at_least`
/// counted signatures, and returns its count: each signature with its own
/// challenge, answered, and sent no sooner than a person could. Fails if the
/// count doesn't get there (a petition that asks for email confirmation
/// never will).
/// The petition's count as the server has it now, past the browser's cache.
async fn server_count(slug: &str) -> u64 {
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoStore);
    let url = format!("{}/api/petitions/{slug}", server());
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(web_sys::window().unwrap().fetch_with_str_and_init(&url, &init))
            .await
            .unwrap()
            .into();
    let petition = wasm_bindgen_futures::JsFuture::from(response.json().unwrap()).await.unwrap();
    field(&petition, "signature_count").as_f64().unwrap() as u64
}

async fn ensure_signatures(slug: &str, at_least: u64) -> u64 {
    let (status, petition) = fetch_json(&format!("/api/petitions/{slug}"), None).await;
    assert_eq!(status, 200, "{slug} is on the test server");
    let mut count = field(&petition, "signature_count").as_f64().unwrap() as u64;
    let mut bodies = vec![];
    let mut wait = 0.0f64;
    for n in count..at_least {
        let (status, challenge) = fetch_json(&format!("/api/petitions/{slug}/challenge"), None).await;
        assert_eq!(status, 200, "a challenge for {slug}");
        let token = field(&challenge, "token").as_string().unwrap();
        let difficulty = field(&challenge, "difficulty").as_f64().unwrap() as u8;
        wait = wait.max(field(&challenge, "min_seconds").as_f64().unwrap());
        let proof = petition_core::proof::search(&token, difficulty, 0, u64::MAX).unwrap();
        bodies.push(format!(
            r#"{{"first_name":"Test","email":"seed-{n}-{}@example.org","postcode":"E1 6AN","challenge":"{token}","proof":{proof}}}"#,
            js_sys::Math::random().to_bits()
        ));
    }
    // Not a wait for the page: the server counts a signature sent sooner
    // than `min_seconds` after its challenge as too fast for a person.
    if !bodies.is_empty() {
        gloo_timers::future::sleep(Duration::from_millis(wait as u64 * 1000 + 100)).await;
    }
    for body in bodies {
        let (status, receipt) = fetch_json(&format!("/api/petitions/{slug}/signatures"), Some(body)).await;
        assert_eq!(status, 200, "{slug} took the signature: {:?}", js_sys::JSON::stringify(&receipt));
        count = field(&receipt, "signature_count").as_f64().unwrap() as u64;
        if count >= at_least {
            break;
        }
    }
    assert!(count >= at_least, "{slug} has {count} counted signatures, not the {at_least} the test needs");
    count
}

#[wasm_bindgen_test]
async fn below_the_petitions_threshold_the_count_is_hidden_and_people_are_asked_to_be_first() {
    // A fixture (tests/petitions/) that shows its count only from a million:
    // signed here, so there is a count to hide whatever other tests signed.
    let signed = ensure_signatures("count-hidden-below-a-million", 1).await;
    let (_, root) = mounted("count-hidden-below-a-million").await;
    assert!(visible(&find(&root, "#pw-first")));
    assert_eq!(text(&root, "#pw-first"), "Be one of the first to sign this petition.");
    assert!(!visible(&find(&root, "#pw-counted")), "no number");
    let bar: Element = find(&root, "#pw-bar");
    assert_eq!(bar.get_attribute("aria-valuenow").as_deref(), Some("0"), "an empty bar");
    let words = bar.get_attribute("aria-valuetext").unwrap_or_default();
    assert!(words.starts_with("Just started, towards "), "{words}");
    let shown = find::<HtmlElement>(&root, "#pw-ready").inner_text();
    let count_in_words = |n: u64| {
        let digits = n.to_string();
        let grouped: Vec<&str> = digits.as_bytes().rchunks(3).rev().map(|d| std::str::from_utf8(d).unwrap()).collect();
        grouped.join(",")
    };
    for n in [0, signed] {
        let says = shown.lines().any(|line| line.trim().starts_with(&format!("{} signature", count_in_words(n))));
        assert!(!says, "what is rendered never counts {n} signatures: {shown}");
    }
}

#[wasm_bindgen_test]
async fn the_petition_is_shown_inside_an_open_shadow_root() {
    let signed = ensure_signatures("stop-sharing", 10).await;
    let (host, root) = mounted("stop-sharing").await;
    until_counted(&root, signed).await;
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
    assert!(!visible(&find(&root, "#pw-loading")), "the loading state is gone");
    assert!(visible(&find(&root, "#pw-form")), "the form to sign is shown");
    assert!(host.get_bounding_client_rect().height() > 600.0, "the petition takes its room in the page");
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
    let options = root.query_selector_all("#pw-profession option").unwrap();
    let options: Vec<String> = (0..options.length()).map(|n| options.item(n).unwrap().text_content().unwrap()).collect();
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
async fn the_styles_are_a_constructable_stylesheet_which_a_strict_policy_allows() {
    let (_, root) = mounted("stop-sharing").await;
    // A <style> needs 'unsafe-inline' in a page's style-src; an adopted
    // stylesheet needs nothing.
    assert_eq!(root.query_selector_all("style").unwrap().length(), 0);
    assert_eq!(root.adopted_style_sheets().length(), 1);
    let button: Element = find(&root, "#pw-submit");
    assert_eq!(style(&button, "background-color"), "rgb(11, 87, 164)");
    // The anti-bot field is hidden by the browser's own stylesheet, which no
    // page can refuse, styled or not.
    let trap: Element = find(&root, "#pw-website");
    assert!(!visible(&trap));
    assert!(trap.closest("[hidden]").unwrap().is_some());
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
    let signed = ensure_signatures("stop-sharing", 10).await;
    let (_, root) = mounted("stop-sharing").await;
    until_counted(&root, signed).await;
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
    // The count rises to the server's own. (What the widget showed before
    // may be a copy the browser cached for a few seconds, so "one more
    // than before" would compare with a number other tests have passed.)
    let shown = count(&root);
    assert!(shown > before, "the count rose from {before}, to {shown}");
    assert_eq!(shown, server_count("stop-sharing").await, "the count is the server's");
    assert!(text(&root, "#pw-thanks-text").starts_with("Zoë, your signature is on the petition"));
    assert_eq!(root.active_element().map(|e| e.id()), Some("pw-thanks".into()));
    assert!(text(&root, "#pw-live").contains("Thank you for signing"), "announced to screen readers");
}

#[wasm_bindgen_test]
async fn without_a_challenge_at_first_the_form_still_shows_and_signing_fetches_one() {
    let signed = ensure_signatures("stop-sharing", 10).await;
    forget_everything();
    let host = host("stop-sharing");
    // The loader's fetch of the challenge failed (a dropped connection); the
    // petition's went through.
    let failed = js("const failed = Promise.reject(new TypeError('Failed to fetch')); failed.catch(() => {}); return failed");
    mount(host.clone(), server().to_owned(), None, Some(failed.into())).await;
    let root = host.shadow_root().unwrap();
    assert!(visible(&find(&root, "#pw-form")), "the form shows without a challenge");
    until_counted(&root, signed).await;
    let before = count(&root);
    fill(&root, "pw-first_name", "Amara");
    fill(&root, "pw-email", &format!("no-challenge-{}@example.org", js_sys::Math::random().to_bits()));
    fill(&root, "pw-postcode", "E1 6AN");
    submit(&root);
    let thanks: Element = find(&root, "#pw-thanks");
    until("the thank-you shows", || visible(&thanks)).await;
    assert_eq!(count(&root), before + 1, "the signature counted, with a challenge fetched when it was sent");
    petition_widget::unmount(host.clone());
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_reported_in_plain_words() {
    let host = host("stop-sharing");
    // Port 9 (discard) has nothing listening here: a real refused connection.
    mount(host.clone(), "http://127.0.0.1:9".into(), None, None).await;
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
    mount(host.clone(), server().to_owned(), None, None).await;
    let root = host.shadow_root().unwrap();
    assert_eq!(root.query_selector_all("form").unwrap().length(), 1);
    petition_widget::unmount(host.clone());
}

/// Runs `body` as a JavaScript function of no arguments and returns what it returns.
fn js(body: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(body).call0(&wasm_bindgen::JsValue::NULL).unwrap()
}

fn js_number(body: &str) -> f64 {
    js(body).as_f64().unwrap()
}

/// Counts, from outside the widget, what it leaves running: `EventSource`s
/// (open until closed, by `close()` or for good by the browser), event
/// listeners added and not removed, and calls to `Date.now()` (the proof of
/// work's search looks at the clock every few hundred tries). Every call
/// passes through unchanged, so the page works as before; `restore()` puts
/// the originals back.
const INSTRUMENTS: &str = r#"
    const real = {
        EventSource: window.EventSource,
        add: EventTarget.prototype.addEventListener,
        remove: EventTarget.prototype.removeEventListener,
        now: Date.now,
    };
    const counts = { sources: [], listeners: 0, clock: 0 };
    window.EventSource = class extends real.EventSource {
        constructor(...args) { super(...args); counts.sources.push(this); }
    };
    EventTarget.prototype.addEventListener = function (...args) {
        counts.listeners++;
        return real.add.apply(this, args);
    };
    EventTarget.prototype.removeEventListener = function (...args) {
        counts.listeners--;
        return real.remove.apply(this, args);
    };
    Date.now = function () { counts.clock++; return real.now.call(Date); };
    window.petitionTestInstruments = {
        opened: () => counts.sources.length,
        open: () => counts.sources.filter((source) => source.readyState !== 2).length,
        listeners: () => counts.listeners,
        clock: () => counts.clock,
        restore() {
            window.EventSource = real.EventSource;
            EventTarget.prototype.addEventListener = real.add;
            EventTarget.prototype.removeEventListener = real.remove;
            Date.now = real.now;
            delete window.petitionTestInstruments;
        },
    };
"#;

fn instrument(name: &str) -> f64 {
    js_number(&format!("return window.petitionTestInstruments.{name}()"))
}

/// Resolves after the browser has drawn two frames: long enough for a timer
/// set for 0 ms to fire and for the proof of work, which hashes in slices of
/// 8 ms between pauses of 0 ms, to take several slices if it were running.
/// Not a wait for something to happen but a window to see that nothing does.
async fn two_frames() {
    let frames = js("return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(frames)).await.unwrap();
}

/// Other tests leave their widgets mounted: lets them go, so that what a test
/// counts afterwards is its own.
fn unmount_every_widget() {
    let hosts = document().query_selector_all("[data-petition]").unwrap();
    for n in 0..hosts.length() {
        petition_widget::unmount(hosts.item(n).unwrap().dyn_into().unwrap());
    }
}

#[wasm_bindgen_test]
async fn mounting_and_unmounting_fifty_times_leaves_nothing_running() {
    unmount_every_widget();
    forget_everything();
    // The petition and a challenge as the loader would hand them over, the
    // challenge too hard to answer during the test: every widget's search is
    // still hashing when it is unmounted.
    let (_, petition) = fetch_json("/api/petitions/stop-sharing", None).await;
    let petition = String::from(js_sys::JSON::stringify(&petition).unwrap());
    let (_, challenge) = fetch_json("/api/petitions/stop-sharing/challenge", None).await;
    js_sys::Reflect::set(&challenge, &"difficulty".into(), &64.into()).unwrap();
    let challenge = String::from(js_sys::JSON::stringify(&challenge).unwrap());
    let handed_over = |json: &str| {
        let response = web_sys::Response::new_with_opt_str(Some(json)).unwrap();
        js_sys::Promise::resolve(&wasm_bindgen::JsValue::from(response))
    };

    js(INSTRUMENTS);
    let listeners_before = instrument("listeners");
    let (mut shown, mut listening, mut idle, mut hashing, mut left_open) = (0, 0, false, false, vec![]);
    for round in 0..50 {
        let host = host("stop-sharing");
        mount(host.clone(), server().to_owned(), Some(handed_over(&petition)), Some(handed_over(&challenge))).await;
        let root = host.shadow_root().unwrap();
        shown += usize::from(visible(&find(&root, "#pw-form")));
        listening += usize::from(instrument("listeners") > listeners_before);
        // Half the rounds unmount once the live count's stream is open, half
        // before it has opened (it opens when the round of mounting is over).
        if round % 2 == 0 {
            until("the live count's stream is open", || instrument("open") == 1.0).await;
        }
        // The last round that waited anyway: no search while no one has
        // moved into the widget; once someone has, is it really running?
        // (It starts once the challenge has come: a few windows to see it,
        // not one.)
        if round == 48 {
            let clock = instrument("clock");
            two_frames().await;
            idle = instrument("clock") == clock;
            find::<HtmlElement>(&root, "#pw-first_name").focus().unwrap();
            for _ in 0..50 {
                let clock = instrument("clock");
                two_frames().await;
                hashing = instrument("clock") > clock;
                if hashing {
                    break;
                }
            }
        }
        petition_widget::unmount(host.clone());
        host.remove();
        if instrument("open") != 0.0 {
            left_open.push(round);
        }
    }
    let clock = instrument("clock");
    two_frames().await;
    let hashed = instrument("clock") - clock;
    let (opened, open, listeners_left) = (instrument("opened"), instrument("open"), instrument("listeners") - listeners_before);
    // Put back before asserting: a failed assertion ends the test here.
    js("window.petitionTestInstruments.restore()");

    assert_eq!(shown, 50, "each widget showed its form");
    assert_eq!(listening, 50, "each widget listened while it was mounted");
    assert!(idle, "no proof of work before anyone moved into the widget");
    assert!(hashing, "the widget's proof of work was under way when it was unmounted");
    assert!(left_open.is_empty(), "unmounting closes the stream at once; left open after rounds {left_open:?}");
    assert_eq!(opened, 25.0, "one stream for each round that waited for it, none for those unmounted before");
    assert_eq!(open, 0.0, "no stream left open");
    assert_eq!(listeners_left, 0.0, "every listener the widgets added was removed");
    assert_eq!(hashed, 0.0, "no proof of work still hashing after the widgets went");
}

#[wasm_bindgen_test]
async fn two_widgets_share_one_live_stream_which_closes_with_the_last() {
    unmount_every_widget();
    js(INSTRUMENTS);
    let (showing_count, _) = mounted("stop-sharing").await;
    let (other, _) = mounted("count-hidden-below-a-million").await;
    until("the live count's stream is open", || instrument("open") == 1.0).await;
    // The other petition's widget goes; this one's count still follows
    // signatures made elsewhere, over the same stream.
    petition_widget::unmount(other.clone());
    let open_with_one_left = instrument("open");
    let root = showing_count.shadow_root().unwrap();
    let signed = ensure_signatures("stop-sharing", count(&root) + 1).await;
    until("the new count shows", || count(&root) >= signed).await;
    let open_while_following = instrument("open");
    petition_widget::unmount(showing_count.clone());
    let open_after_the_last = instrument("open");
    js("window.petitionTestInstruments.restore()");

    assert_eq!(open_with_one_left, 1.0, "the stream stays while a widget follows it");
    assert_eq!(open_while_following, 1.0, "one stream, never a second");
    assert_eq!(open_after_the_last, 0.0, "the last widget takes the stream with it");
}
