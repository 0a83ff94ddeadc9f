//! Turning petition data into what the widget shows: the petition, its count
//! and milestones, and the thank-you with its share links. Text goes in as
//! text (`textContent`), never as markup, and an address from the petition
//! becomes a link only if it is a web address (`is_web_address`).

use petition_core::{concat, find, is_web_address, pieces, split_first, trim, lang, lang::text, milestones, LinksTo, Milestone, Petition, Share};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, ShadowRoot};

use crate::{
    dom::{all, append, attributes, by_id, element, link, sandboxed, set_attribute, show, show_id, style, text_id, toggle_attribute},
    i18n::{rtl, Lang},
};

/// A rendering context: the shadow root, its document, the petition
/// server's origin and the language the widget speaks.
pub struct View<'a> {
    pub root: &'a ShadowRoot,
    pub document: &'a Document,
    pub origin: &'a str,
    pub lang: &'a Lang,
}

/// The texts of the skeleton (`src/widget.html`), one per element marked
/// `data-t`, in the order they appear there.
const SKELETON: [petition_core::lang::Text; 31] = [
    text::LOADING,
    text::RETRY,
    text::LANGUAGE,
    text::FIRST,
    text::MILESTONES,
    text::WHY,
    text::ERROR_SUMMARY,
    // The form's fields (`form.rs`), each label before its hint.
    text::LABEL_FIRST_NAME,
    text::LABEL_LAST_NAME,
    text::LABEL_EMAIL,
    text::HINT_EMAIL,
    text::LABEL_POSTCODE,
    text::HINT_POSTCODE,
    text::OUTSIDE_UK,
    text::LABEL_PROFESSION,
    text::CHOOSE,
    text::PROFESSION_DOCTOR,
    text::PROFESSION_NURSE,
    text::PROFESSION_MIDWIFE,
    text::PROFESSION_OTHER,
    text::PROFESSION_NONE,
    text::LABEL_REASON,
    text::LEAVE_EMPTY,
    text::SIGN,
    text::CLOSED,
    text::SHARE,
    text::SHARE_NATIVE,
    text::COPY_LINK,
    text::WHAT_NEXT,
    text::SOMEONE_ELSE,
    text::REASONS,
];

impl View<'_> {
    fn text(&self, id: &str, value: &str) {
        text_id(self.root, id, value);
    }

    /// The skeleton's own words, and its language and direction.
    pub fn words(&self) {
        let marked = all(self.root, "[data-t]");
        for (n, text) in (0..marked.length()).zip(&SKELETON) {
            marked.get_unchecked(n).unchecked_into::<Element>().set_text_content(Some(&self.lang.t(text)));
        }
        // The one hint with a number in it.
        let max = self.lang.number(petition_core::Field::Reason.max_chars() as u64);
        self.text("pw-reason-hint", &self.lang.fill(&text::HINT_REASON, &[("max", &max)]));
        let pw = by_id(self.root, "pw");
        attributes(&pw, &[("lang", &self.lang.code), ("dir", if self.lang.rtl { "rtl" } else { "ltr" })]);
        set_attribute(&by_id(self.root, "pw-progress"), "aria-label", &self.lang.t(&text::PROGRESS));
        // Inside the offer, which is in another language: this one's.
        let close = by_id(self.root, "pw-offer-close");
        attributes(&close, &[("aria-label", &self.lang.t(&text::CLOSE)), ("lang", &self.lang.code)]);
    }

    /// Puts into `parent` the words of `text` (for `n`) around `{name}`,
    /// which becomes `value` (an element).
    fn around(&self, parent: &Element, text: &petition_core::lang::Text, n: u64, name: &str, value: &Element) {
        // (A language file without the placeholder fails core's check.)
        let template = self.lang.t_count(text, n);
        let (before, after) = petition_core::lang::around(&template, name).unwrap_or((&template, ""));
        let before = petition_core::lang::fill(before, &[("count", &self.lang.number(n))]);
        let after = petition_core::lang::fill(after, &[("count", &self.lang.number(n))]);
        parent.set_text_content(Some(&before));
        append(parent, value);
        append(parent, &self.document.create_text_node(&after));
    }

    /// Everything about the petition that isn't the form's fields.
    pub fn petition(&self, petition: &Petition, partner: Option<&str>) {
        let lang = self.lang;
        let target = element(self.document, "span", "", &petition.target);
        set_attribute(&target, "id", "pw-target");
        self.around(&by_id(self.root, "pw-to"), &text::TO, 0, "target", &target);
        self.text("pw-title", &petition.title);
        self.text("pw-summary", &petition.summary);
        let body = by_id(self.root, "pw-body");
        body.set_text_content(None);
        for paragraph in &petition.body {
            let paragraph = element(self.document, "p", "", paragraph);
            append(&body, &paragraph);
        }
        // The petition's own words, marked with their language (which may
        // not be the widget's) and its direction.
        let language = [("lang", petition.language.as_str()), ("dir", if rtl(&petition.language) { "rtl" } else { "ltr" })];
        for id in &["pw-target", "pw-title", "pw-summary", "pw-body", "pw-next-action-link", "pw-next-action-text"] {
            attributes(&by_id(self.root, id), &language);
        }
        show_id(self.root, "pw-why", !petition.body.is_empty());
        let supported = if petition.supported_by.is_empty() {
            String::new()
        } else {
            let mut names = Vec::new();
            for name in &petition.supported_by {
                names.push(name.as_str());
            }
            lang.fill(&text::SUPPORTED_BY, &[("names", &lang.list(&names))])
        };
        self.text("pw-supported", &supported);
        let consent = |organiser: &str| lang.fill(&text::CONSENT, &[("organiser", &lang.isolate(organiser))]);
        self.text("pw-consent-label", &consent(&petition.organiser));
        let partner = partner.and_then(|slug| petition.partners.iter().find(|p| p.slug == slug));
        if let Some(partner) = partner {
            self.text("pw-partner-consent-label", &consent(&partner.name));
        }
        show_id(self.root, "pw-partner-consent-row", partner.is_some());
        let organiser = petition.organiser.as_str();
        let who = match partner {
            Some(partner) => lang.list(&[organiser, &partner.name]),
            None => lang.list(&[organiser]),
        };
        self.text("pw-privacy", &lang.fill(&text::PRIVACY, &[("who", &lang.isolate(&who))]));
        let reasons = by_id(self.root, "pw-reasons-list");
        reasons.set_text_content(None);
        for reason in &petition.reasons {
            let item = element(self.document, "li", "", reason);
            append(&reasons, &item);
        }
        if petition.reasons.is_empty() {
            let none = element(self.document, "li", "pw-none", &lang.t(&text::REASONS_NONE));
            append(&reasons, &none);
        }
        show_id(self.root, "pw-form", !petition.closed);
        show_id(self.root, "pw-closed", petition.closed);
        self.count(petition);
    }

    /// The count, the progress bar with its milestone ticks, the tallies and
    /// the milestones. Below the petition's threshold the number is hidden
    /// ("be one of the first") and nothing else changes shape.
    pub fn count(&self, petition: &Petition) {
        let lang = self.lang;
        let (count, goal) = (petition.signature_count, petition.goal);
        let counted = petition.count_shown();
        show_id(self.root, "pw-first", !counted);
        let line = by_id(self.root, "pw-counted");
        show(&line, counted);
        let number = element(self.document, "strong", "pw-count-number", &lang.number(count));
        set_attribute(&number, "id", "pw-count-number");
        self.around(&line, &text::SIGNATURES, count, "count", &number);
        let bar = by_id(self.root, "pw-bar");
        let (now, words) = if counted {
            (count.min(goal), lang.say(&text::BAR_VALUE, goal, &[("done", &lang.number(count))]))
        } else {
            (0, lang.say(&text::BAR_STARTED, goal, &[]))
        };
        attributes(
            &bar,
            &[
                ("aria-valuenow", &milestones::decimal(now)),
                ("aria-valuemax", &milestones::decimal(goal)),
                ("aria-valuetext", &words),
                ("aria-label", &lang.t(&text::BAR)),
            ],
        );
        let width = percent(if counted { milestones::progress_permille(count, goal) } else { 0 });
        style(&by_id(self.root, "pw-fill"), "width", &width);
        self.ticks(goal, &petition.milestones);
        let goal_text = if petition.closed { &text::GOAL_CLOSED } else { &text::GOAL };
        self.text("pw-goal", &lang.say(goal_text, goal, &[]));

        let tally = petition.healthcare_professionals.filter(|n| *n > 0 && counted).map(|n| lang.say(&text::PROFESSIONALS, n, &[]));
        let line = by_id(self.root, "pw-tally");
        line.set_text_content(tally.as_deref());
        // Petitions with a tally keep room for it, shown or not yet.
        toggle_attribute(&line, "data-room", petition.healthcare_professionals.is_some());
        self.milestones(count, &petition.milestones, counted, petition.closed);
    }

    /// A tick on the bar for each milestone far enough from the start to see.
    fn ticks(&self, goal: u64, milestones: &[Milestone]) {
        let ticks = by_id(self.root, "pw-ticks");
        ticks.set_text_content(None);
        for milestone in milestones
            .iter()
            .filter(|m| m.count < goal && m.count * 20 >= goal)
        {
            let tick = element(self.document, "span", "", "");
            // By the CSSOM: a `style` attribute needs `'unsafe-inline'` under
            // a CSP. From the start of the line: the right in Arabic.
            style(&tick, "inset-inline-start", &percent(milestones::progress_permille(milestone.count, goal)));
            append(&ticks, &tick);
        }
    }

    /// The next milestone and the latest reached one up front; every
    /// reached one, with its date, in the timeline below.
    fn milestones(&self, count: u64, milestones: &[Milestone], counted: bool, closed: bool) {
        let lang = self.lang;
        let latest = by_id(self.root, "pw-latest");
        let timeline = by_id(self.root, "pw-timeline");
        latest.set_text_content(None);
        timeline.set_text_content(None);
        if let Some(next) = milestones::next_above(count, milestones).filter(|_| !closed) {
            let item = element(self.document, "li", "pw-next", &lang.say(&text::NEXT_MILESTONE, next, &[]));
            append(&latest, &item);
        }
        let mut reached = false;
        for milestone in milestones.iter().rev().filter(|m| counted && m.count <= count) {
            let item = self.reached(milestone);
            if !reached {
                // Short enough for one line on a phone; the timeline has the time.
                let line = match milestone.reached_at.as_deref() {
                    Some(at) => {
                        let line = element(self.document, "li", "", "");
                        self.around(&line, &text::REACHED_ON, milestone.count, "date", &self.time(at, "date"));
                        line
                    }
                    None => element(self.document, "li", "", &lang.say(&text::REACHED, milestone.count, &[])),
                };
                append(&latest, &line);
            }
            append(&timeline, &item);
            reached = true;
        }
        if !reached {
            let first = milestones.first().map_or(petition_core::milestones::goal_for(0, &[]), |m| m.count);
            let item = element(self.document, "li", "pw-next", &lang.say(&text::NO_MILESTONES, first, &[]));
            append(&timeline, &item);
        }
    }

    fn reached(&self, milestone: &Milestone) -> Element {
        let reached = self.lang.say(&text::REACHED, milestone.count, &[]);
        let Some(at) = milestone.reached_at.as_deref() else {
            return element(self.document, "li", "", &reached);
        };
        // The words and the separator in one text node: one node fewer per
        // milestone in the shadow root, which counts them (tests/e2e/weight).
        let item = element(self.document, "li", "", &concat(&[&*reached, " · "]));
        let time = self.time(at, "date-time");
        append(&item, &time);
        item
    }

    /// A `<time>` whose words [`crate::format::fill_dates`] puts in once the
    /// widget is on screen.
    fn time(&self, at: &str, style: &str) -> Element {
        let time = element(self.document, "time", "", "");
        attributes(&time, &[("datetime", at), ("data-format", style)]);
        time
    }

    /// The thank-you: new count and next milestone, share links, next action.
    /// `remembered` is a later visit by a browser that signed before.
    pub fn thanks(&self, petition: &Petition, first_name: &str, remembered: bool) {
        let lang = self.lang;
        let count = petition.signature_count;
        let next = milestones::next_above(count, &petition.milestones).unwrap_or(petition.goal);
        let title = match (remembered, petition.confirm_by_email) {
            (true, _) => &text::THANKS_BEFORE,
            (false, true) => &text::THANKS_INBOX,
            (false, false) => &text::THANKS,
        };
        self.text("pw-thanks-title", &lang.t(title));
        let first_name = trim(first_name);
        let name = lang.isolate(first_name);
        let named = [("name", name.as_str())];
        let text = match (remembered, petition.confirm_by_email, first_name.is_empty()) {
            (true, false, _) => lang.say(text::THANKS_AGAIN, count, &[]),
            // Not counted yet, so no count: it may still be 0.
            (true, true, _) => lang.t(&text::THANKS_AGAIN_CONFIRM).into_owned(),
            (false, true, true) => lang.t(&text::THANKS_CONFIRM).into_owned(),
            (false, true, false) => lang.fill(text::THANKS_CONFIRM_NAMED, &named),
            (false, false, true) => lang.say(text::THANKS_COUNTED, count, &[]),
            (false, false, false) => lang.say(text::THANKS_COUNTED_NAMED, count, &named),
        };
        let milestone = lang.fill(&text::NEXT_ASK, &[("count", &lang.number(next))]);
        self.text("pw-thanks-text", &concat(&[&text, " ", &milestone]));
        // On a shared device the next person may be standing right there.
        show_id(self.root, "pw-again-row", !petition.closed);
        match shareable(petition, self.origin) {
            Some((share, address)) => self.share(share, &address, &petition.title),
            None => show_id(self.root, "pw-share", false),
        }
        // A `javascript:` address would run in the host page when followed.
        match petition.next_action.as_ref().filter(|action| is_web_address(&action.url)) {
            Some(action) => {
                link(
                    &by_id(self.root, "pw-next-action-link"),
                    &action.title,
                    &action.url,
                );
                self.text("pw-next-action-text", &action.text);
                show_id(self.root, "pw-next-action", true);
            }
            None => show_id(self.root, "pw-next-action", false),
        }
        show_id(self.root, "pw-form", false);
        show_id(self.root, "pw-thanks", true);
    }

    /// The share links, each carrying `address` with its own `?source=`.
    /// In a sandbox, where they would open nothing, the address in words.
    fn share(&self, share: &Share, address: &str, title: &str) {
        let lang = self.lang;
        let message = concat(&[&share.text, " #", &share.hashtag]);
        let sandboxed = sandboxed();
        let mut hint = lang.fill(text::SHARE_HINT, &[("hashtag", &share.hashtag)]);
        if sandboxed {
            let url = lang.isolate(&share_url(address, "share-link"));
            hint = concat(&[&hint, " ", &lang.fill(text::SHARE_ADDRESS, &[("url", &url)])]);
        }
        self.text("pw-share-hint", &hint);
        let enc = crate::dom::encode;
        let links = by_id(self.root, "pw-share-links");
        links.set_text_content(None);
        let email = lang.t(text::SHARE_BY_EMAIL);
        let new_tab = concat(&[" ", &*lang.t(text::NEW_TAB)]);
        // A sandbox opens no new tab, and no mail program either.
        for (name, source, template) in petition_core::links::share_targets().filter(|_| !sandboxed) {
            let name = if source == "share-email" { &email } else { name };
            let (text, url, title) = (enc(&message), enc(&share_url(address, source)), enc(title));
            let href = lang::fill(template, &[("text", &text), ("url", &url), ("title", &title)]);
            let item = element(self.document, "li", "", "");
            let link = element(self.document, "a", "", name);
            attributes(&link, &[("href", &href), ("data-source", source)]);
            if source != "share-email" {
                attributes(&link, &[("target", "_blank"), ("rel", "noopener noreferrer")]);
                let note = element(self.document, "span", "pw-visually-hidden", &new_tab);
                append(&link, &note);
            }
            append(&item, &link);
            append(&links, &item);
        }
        let can_share =
            crate::dom::get(&crate::dom::window().navigator(), "share").is_function();
        show_id(self.root, "pw-native-share", can_share && !sandboxed);
        // Nor may it write to the clipboard: the address is in the hint.
        show_id(self.root, "pw-copy", !sandboxed);
        show_id(self.root, "pw-share", true);
    }
}

/// What the petition asks people to share, and the address its links
/// carry here (see [`share_address`]), if that is one a link may hold.
pub fn shareable<'p>(petition: &'p Petition, origin: &str) -> Option<(&'p Share, String)> {
    let share = petition.share.as_ref()?;
    let page = crate::dom::address("href");
    let address = share_address(share, origin, &petition.slug, &page, sandboxed())?;
    Some((share, address))
}

/// The address share links carry, before each adds its `?source=`: the
/// petition file's `url`, the petition's own page on the server at `origin`,
/// or `page`, the page where the person signed, without its fragment and
/// `source`. A page that can't be shared gives the petition's own page:
/// a sandbox's (opaque, `about:srcdoc`), any page of the server's own (the
/// iframe embed, the petition page itself), one that is no web address.
pub fn share_address(
    share: &Share,
    origin: &str,
    slug: &str,
    page: &str,
    sandboxed: bool,
) -> Option<String> {
    let ours = page
        .strip_prefix(origin)
        .is_some_and(|path| path.starts_with("/"));
    let address = match share.links_to {
        LinksTo::Url => share.url.clone(),
        LinksTo::SigningPage if !sandboxed && !ours && is_web_address(page) => without_source(page),
        _ => concat(&[origin, "/p/", slug]),
    };
    Some(address).filter(|a| is_web_address(a))
}

/// `page` without its fragment and its `source` parameters.
fn without_source(page: &str) -> String {
    let page = split_first(page, b'#').map_or(page, |(page, _fragment)| page);
    let (path, query) = split_first(page, b'?').unwrap_or((page, ""));
    let mut kept = String::new();
    for pair in pieces(query, b'&').filter(|pair| !pair.is_empty() && pieces(pair, b'=').next() != Some("source")) {
        kept.push_str(if kept.is_empty() { "?" } else { "&" });
        kept.push_str(pair);
    }
    concat(&[path, &kept])
}

/// `url` with `source=…` added, so the organiser can tell which share
/// brought each signature.
pub fn share_url(url: &str, source: &str) -> String {
    concat(&[url, if find(url, b'?').is_some() { "&source=" } else { "?source=" }, source])
}

fn percent(permille: u32) -> String {
    let whole = milestones::decimal(u64::from(permille / 10));
    let tenths = char::from(b'0' + (permille % 10) as u8);
    concat(&[whole.as_str(), ".", tenths.encode_utf8(&mut [0; 4]), "%"])
}

#[cfg(test)]
mod tests {
    //! The thank-you drawn from petitions made by hand, in the widget's own
    //! skeleton: what a petition file says must not become a link that runs
    //! script in the partner's page.
    use petition_core::{LinksTo, NextAction};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;
    use web_sys::HtmlElement;

    use crate::dom::by_id_as;

    /// A shadow root holding the widget's skeleton and styles, as `Widget::create` makes it.
    fn skeleton() -> (Document, ShadowRoot) {
        let document = crate::dom::window().document().unwrap();
        let host = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&host).unwrap();
        let root = host
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .unwrap();
        crate::dom::skeleton(&root, crate::widget::STYLE, crate::widget::TEMPLATE, &crate::dom::plain_policy());
        (document, root)
    }

    fn petition(share_url: &str, next_action_url: &str) -> Petition {
        Petition {
            slug: "handmade".into(),
            organiser: "Doctors of the World UK".into(),
            target: "The Government".into(),
            title: "Stop using NHS patients’ personal information for immigration enforcement.".into(),
            summary: "Everyone should be able to see a doctor without fear.".into(),
            body: vec![],
            supported_by: vec![],
            ask_profession: false,
            goal: 1000,
            signature_count: 120,
            milestones: vec![],
            show_count_from: 10,
            healthcare_professionals: None,
            reasons: vec![],
            partners: vec![],
            share: Some(Share { links_to: LinksTo::Url, url: share_url.into(), text: "I've signed.".into(), hashtag: "StopSharing".into() }),
            next_action: Some(NextAction {
                title: "Download the Safe Surgeries toolkit".into(),
                text: "Make your GP practice a safe surgery.".into(),
                url: next_action_url.into(),
            }),
            confirm_by_email: false,
            closed: false,
            language: "en".into(),
            languages: vec!["en".into()],
        }
    }

    /// The value, or a panic saying what went wrong (the error type has no
    /// `Debug`: the widget never prints one, and every visitor would pay for it).
    fn ok<T>(result: crate::error::Result<T>) -> T {
        match result {
            Ok(value) => value,
            Err(crate::error::Error::Dom(detail)) => panic!("{detail:?}"),
            Err(error) => panic!("{}", error.message(&crate::i18n::Lang::english())),
        }
    }

    /// The thank-you after signing `petition`, as the person sees it.
    fn thanked(petition: &Petition) -> ShadowRoot {
        let (document, root) = skeleton();
        let english = crate::i18n::Lang::english();
        let view = View {
            root: &root,
            document: &document,
            origin: "https://petition.example",
            lang: &english,
        };
        view.words();
        view.petition(petition, None);
        show(&by_id(&root, "pw-loading"), false);
        show(&by_id(&root, "pw-ready"), true);
        view.thanks(petition, "Amara", false);
        root
    }

    /// The bar is filled as far as the count has come, to a tenth of a
    /// percent, with a tick where each milestone on the way sits, and the
    /// same numbers for a screen reader.
    #[wasm_bindgen_test]
    fn the_bar_fills_to_the_count_with_ticks_at_the_milestones() {
        let (document, root) = skeleton();
        let english = crate::i18n::Lang::english();
        let view = View { root: &root, document: &document, origin: "https://petition.example", lang: &english };
        let reached = |count| Milestone { count, reached_at: Some("2026-11-02T10:00:00Z".into()) };
        let ahead = |count| Milestone { count, reached_at: None };
        let petition = Petition {
            goal: 8_000,
            signature_count: 2_999,
            milestones: vec![reached(100), reached(1_000), ahead(4_000), ahead(8_000)],
            ..petition("https://example.org", "https://example.org")
        };
        view.words();
        view.petition(&petition, None);
        let style = |id: &str, property: &str| ok(by_id_as::<HtmlElement>(&root, id)).style().get_property_value(property).unwrap();
        assert_eq!(style("pw-fill", "width"), "37.4%");
        let ticks = root.query_selector_all("#pw-ticks > span").unwrap();
        let at: Vec<String> = (0..ticks.length())
            .map(|n| ticks.item(n).unwrap().dyn_into::<HtmlElement>().unwrap().style().get_property_value("inset-inline-start").unwrap())
            .collect();
        // 100 is too near the start to see; the goal is the bar's end.
        assert_eq!(at, ["12.5%", "50%"]);
        let bar = by_id(&root, "pw-bar");
        assert_eq!((bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuemax")), (Some("2999".into()), Some("8000".into())));
    }

    fn hrefs(root: &ShadowRoot) -> Vec<String> {
        let links = root.query_selector_all("[href]").unwrap();
        (0..links.length())
            .filter_map(|n| links.item(n)?.dyn_into::<Element>().ok()?.get_attribute("href"))
            .collect()
    }

    fn visible(root: &ShadowRoot, id: &str) -> bool {
        by_id_as::<HtmlElement>(root, id).is_ok_and(|e| e.offset_height() > 0)
    }

    #[wasm_bindgen_test]
    fn a_javascript_next_action_or_share_address_becomes_no_link_at_all() {
        let unsafe_urls =
            ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>"];
        for unsafe_url in unsafe_urls {
            let root = thanked(&petition(unsafe_url, unsafe_url));
            assert!(visible(&root, "pw-thanks"), "the thank-you is still shown");
            let hrefs = hrefs(&root);
            let scripted = hrefs.iter().any(|h| h.to_ascii_lowercase().contains("javascript") || h.starts_with("data:"));
            assert!(!scripted, "{unsafe_url}: {hrefs:?}");
            assert!(!visible(&root, "pw-next-action"), "{unsafe_url}: no next action to follow");
            assert!(!visible(&root, "pw-share"), "{unsafe_url}: nothing to share");
        }
    }

    #[wasm_bindgen_test]
    fn web_addresses_become_the_next_action_and_the_share_links() {
        let site = "https://www.doctorsoftheworld.org.uk";
        let root = thanked(&petition(&format!("{site}/stop-sharing"), &format!("{site}/safe-surgeries")));
        assert!(visible(&root, "pw-next-action") && visible(&root, "pw-share"));
        let next = by_id(&root, "pw-next-action-link");
        assert_eq!(next.get_attribute("href"), Some(format!("{site}/safe-surgeries")));
        assert_eq!(next.text_content().as_deref(), Some("Download the Safe Surgeries toolkit"));
        let shared = hrefs(&root).iter().filter(|h| h.contains("org.uk%2Fstop-sharing%3Fsource%3Dshare-")).count();
        assert_eq!(shared, 5, "X, Facebook, WhatsApp, Bluesky and email each carry the petition's address");
    }

    fn share(links_to: LinksTo, url: &str) -> Share {
        Share {
            links_to,
            url: url.into(),
            text: "I've signed.".into(),
            hashtag: "StopSharing".into(),
        }
    }

    const ORIGIN: &str = "https://petition.example";
    const PETITION_PAGE: &str = "https://petition.example/p/stop-sharing";

    /// Where `links_to` points from `page` (sandboxed or not).
    fn address(links_to: LinksTo, url: &str, page: &str, sandboxed: bool) -> Option<String> {
        share_address(
            &share(links_to, url),
            ORIGIN,
            "stop-sharing",
            page,
            sandboxed,
        )
    }

    #[wasm_bindgen_test]
    fn share_links_point_where_the_petition_file_says() {
        let partner =
            "https://medact.example/news/stop-sharing?utm_campaign=may&source=share-x#sign";
        let campaign = "https://www.doctorsoftheworld.org.uk/stop-sharing";
        assert_eq!(
            address(LinksTo::Url, campaign, partner, false).as_deref(),
            Some(campaign),
            "url: the campaign's own page, wherever the person signed"
        );
        assert_eq!(
            address(LinksTo::PetitionPage, "", partner, false).as_deref(),
            Some(PETITION_PAGE)
        );
        assert_eq!(
            address(LinksTo::SigningPage, "", partner, false).as_deref(),
            Some("https://medact.example/news/stop-sharing?utm_campaign=may"),
            "the partner's page keeps its own codes; its source and fragment go"
        );
        assert_eq!(
            address(
                LinksTo::SigningPage,
                "",
                "https://blog.example/post?source=qr",
                false
            )
            .as_deref(),
            Some("https://blog.example/post")
        );
        // A petition file whose links go to its `url` but gives none: nothing to share.
        assert_eq!(address(LinksTo::Url, "", partner, false), None);
    }

    /// Every word of the skeleton is one of `SKELETON`'s, in its order.
    #[wasm_bindgen_test]
    fn the_skeleton_has_a_text_for_each_of_its_words() {
        let (document, root) = skeleton();
        let marked = root.query_selector_all("[data-t]").unwrap();
        assert_eq!(marked.length() as usize, SKELETON.len());
        let english = crate::i18n::Lang::english();
        let view = View { root: &root, document: &document, origin: "https://petition.example", lang: &english };
        view.words();
        assert_eq!(marked.item(0).unwrap().text_content().as_deref(), Some("Loading the petition…"));
        assert_eq!(by_id(&root, "pw-submit").text_content().as_deref(), Some("Sign the petition"));
        assert_eq!(by_id(&root, "pw-retry").text_content().as_deref(), Some("Try again"));
        let pw = by_id(&root, "pw");
        assert_eq!((pw.get_attribute("lang"), pw.get_attribute("dir")), (Some("en".into()), Some("ltr".into())));
    }

    /// Every element the widget's code finds by a written id is in the
    /// skeleton. (`by_id` works on without a missing one, so nothing else
    /// would notice a misspelt id but the person missing its words.)
    #[wasm_bindgen_test]
    fn every_id_the_code_asks_for_is_in_the_skeleton() {
        let (_, root) = skeleton();
        let sources = [
            include_str!("widget.rs"), include_str!("view.rs"), include_str!("form.rs"), include_str!("format.rs"),
            include_str!("dom.rs"), include_str!("lib.rs"), include_str!("live.rs"), include_str!("i18n.rs"),
        ];
        // Lines that find elements by id: the lookups, the view's `text`,
        // `show_only`, `listen`'s `element`, and the loops over ids.
        let finds = ["_id(", "self.text(", "show_only(", "element(\"pw", "for id in [", "for section in ["];
        let sources = sources.map(|file| file.split("#[cfg(test)]").next().unwrap());
        let literals = |line: &'static str| line.split('"').skip(1).step_by(2).filter(|s| s.starts_with("pw"));
        // The ids the code gives elements it makes (`"id", "pw-target"`).
        let made: Vec<&str> = sources.iter().flat_map(|s| s.lines()).filter(|l| l.contains("\"id\", \"pw")).flat_map(literals).collect();
        let mut asked = Vec::new();
        for line in sources.iter().flat_map(|s| s.lines()).filter(|line| finds.iter().any(|find| line.contains(find))) {
            // Every literal on the line that is an id of the skeleton's.
            for id in literals(line).filter(|id| !made.contains(id)) {
                assert!(root.get_element_by_id(id).is_some(), "#{id} is not in the skeleton");
                asked.push(id);
            }
        }
        assert!(made.contains(&"pw-target"), "{made:?}");
        for name in ["pw-title", "pw-ready", "pw-form", "pw-reasons-list", "pw-next-action-text", "pw-share-hint"] {
            assert!(asked.contains(&name), "{name} not found in the sources: {asked:?}");
        }
        // The ids form.rs builds from each field's name.
        for field in petition_core::Field::ALL {
            for id in [format!("pw-{}", field.name()), format!("pw-{}-error", field.name())] {
                assert!(root.get_element_by_id(&id).is_some(), "#{id} is not in the skeleton");
            }
        }
    }

    /// The skeleton's fields are core's: each named as the API names it and
    /// labelled in the words the rules use, the profession's answers by their
    /// codes and words, in core's order.
    #[wasm_bindgen_test]
    fn the_skeletons_fields_are_cores() {
        let (document, root) = skeleton();
        let english = Lang::english();
        View { root: &root, document: &document, origin: "https://petition.example", lang: &english }.words();
        for field in petition_core::Field::ALL {
            let control = by_id(&root, &format!("pw-{}", field.name()));
            assert_eq!(control.get_attribute("name").as_deref(), Some(field.name()));
            let label = root.query_selector(&format!("label[for=pw-{}]", field.name())).unwrap().expect("a label");
            assert_eq!(label.text_content().unwrap(), english.t(&field.label()), "{}'s label", field.name());
        }
        let options = root.query_selector_all("#pw-profession option").unwrap();
        let shown: Vec<(String, String)> = (0..options.length())
            .map(|n| options.item(n).unwrap().dyn_into::<Element>().unwrap())
            .map(|option| (option.get_attribute("value").unwrap(), option.text_content().unwrap()))
            .collect();
        let cores: Vec<(String, String)> = std::iter::once((String::new(), english.t(&text::CHOOSE).into_owned()))
            .chain(petition_core::Profession::ALL.map(|p| (p.code().to_owned(), english.t(&p.label()).into_owned())))
            .collect();
        assert_eq!(shown, cores);
    }

    #[wasm_bindgen_test]
    fn a_signing_page_that_cannot_be_shared_gives_the_petition_page() {
        let unshareable = [
            // The iframe embed, and the petition's own page, on the server.
            (
                "https://petition.example/embed/stop-sharing?partner=medact&source=share-x",
                false,
            ),
            ("https://petition.example/p/stop-sharing?source=qr", false),
            // WordPress's sandbox: an opaque origin, a page nobody can open.
            ("about:srcdoc", true),
            ("https://medact.example/news/stop-sharing", true),
            ("file:///home/amara/petition.html", false),
        ];
        for (page, sandboxed) in unshareable {
            assert_eq!(
                address(LinksTo::SigningPage, "", page, sandboxed).as_deref(),
                Some(PETITION_PAGE),
                "{page}"
            );
        }
        // Another server whose address merely begins like ours is not ours.
        assert_eq!(
            address(
                LinksTo::SigningPage,
                "",
                "https://petition.example.org/a",
                false
            )
            .as_deref(),
            Some("https://petition.example.org/a")
        );
    }

    #[wasm_bindgen_test]
    fn every_share_link_from_the_signing_page_carries_its_source() {
        let mut handmade = petition("", "https://www.doctorsoftheworld.org.uk/safe-surgeries");
        handmade.share = Some(share(LinksTo::SigningPage, ""));
        let root = thanked(&handmade);
        // This test's own page is where the person signed.
        let here = crate::dom::window().location().href().unwrap();
        let here = without_source(&here);
        let encoded = String::from(js_sys::encode_uri_component(&here));
        let hrefs = hrefs(&root);
        for source in ["x", "facebook", "whatsapp", "bluesky", "email"] {
            let carried = format!(
                "{encoded}{}source%3Dshare-{source}",
                if here.contains('?') { "%26" } else { "%3F" }
            );
            assert!(
                hrefs.iter().any(|h| h.contains(&carried)),
                "{source}: {carried} in {hrefs:?}"
            );
        }
    }
}
