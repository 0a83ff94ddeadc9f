//! The signing form: its fields (the skeleton's, `src/widget.html`, named
//! as core's [`Field`]s and worded by `View::words` from the same texts the
//! rules use), reading what was typed, and showing errors
//! the GOV.UK way: a summary that takes focus and links to each field, and a
//! message beside each field tied to it with `aria-describedby`. Nothing typed
//! is ever cleared here.

use petition_core::{concat, lang::text, trim, Field, FieldError, SignatureRequest};
use web_sys::{Document, Element, ShadowRoot};

use crate::dom::{append, attributes, by_id, closest, element, focus, remove_attribute, set_attribute, set_value, show, tick, ticked, toggle_attribute, value};
use crate::i18n::Lang;

fn id(field: Field) -> String {
    concat(&["pw-", field.name()])
}

/// Shows the profession question only when the petition asks it. (The
/// fields are the skeleton's, `src/widget.html`, their words `View::words`'s.)
pub fn show_profession(root: &ShadowRoot, asked: bool) {
    if let Some(group) = closest(&by_id(root, "pw-profession"), ".pw-field") {
        show(&group, asked);
    }
}

/// What the person has typed, as the API wants it.
pub fn read(root: &ShadowRoot) -> SignatureRequest {
    let text = |field: Field| root.get_element_by_id(&id(field)).map(|e| value(&e)).unwrap_or_default();
    let checked = |id: &str| root.get_element_by_id(id).is_some_and(|c| ticked(&c));
    SignatureRequest {
        first_name: text(Field::FirstName),
        last_name: text(Field::LastName),
        email: text(Field::Email),
        postcode: text(Field::Postcode),
        outside_uk: checked("pw-outside_uk"),
        profession: text(Field::Profession),
        reason: text(Field::Reason),
        consent: checked("pw-consent"),
        partner_consent: checked("pw-partner-consent"),
        website: root.get_element_by_id("pw-website").map(|e| value(&e)).unwrap_or_default(),
        ..SignatureRequest::default()
    }
}

/// Puts a kept signature back in the form, so the person sees what is
/// waiting to be sent, its consents ticked as `partner_consent` says for
/// the partner's box (this page's partner's, which may not be the one the
/// signature was made for); without it, its fields alone (the consents,
/// outside `#pw-fields`, stay as they are).
pub fn fill(root: &ShadowRoot, request: &SignatureRequest, partner_consent: Option<bool>) {
    let fields = [
        (Field::FirstName, &request.first_name),
        (Field::LastName, &request.last_name),
        (Field::Email, &request.email),
        (Field::Postcode, &request.postcode),
        (Field::Profession, &request.profession),
        (Field::Reason, &request.reason),
    ];
    for (field, text) in fields {
        if let Some(control) = root.get_element_by_id(&id(field)) {
            set_value(&control, text);
        }
    }
    for &(id, ticked) in
        [("pw-outside_uk", request.outside_uk), ("pw-consent", request.consent), ("pw-partner-consent", partner_consent == Some(true))]
            .iter()
            .take(if partner_consent.is_some() { 3 } else { 1 })
    {
        if let Some(check) = root.get_element_by_id(id) {
            tick(&check, ticked);
        }
    }
}

/// Shows "Did you mean …?" under the email field, or clears it.
pub fn show_suggestion(root: &ShadowRoot, document: &Document, lang: &Lang, suggestion: Option<&str>) {
    let Some(line) = root.get_element_by_id("pw-email-suggestion") else { return };
    line.set_text_content(None);
    if let Some(suggestion) = suggestion {
        let template = lang.t(text::DID_YOU_MEAN);
        let (before, after) = petition_core::lang::around(&template, "email").unwrap_or(("", "?"));
        append(&line, &document.create_text_node(before));
        // An address, left to right, kept apart from the words around it.
        let button = element(document, "button", "pw-link-button", suggestion);
        attributes(&button, &[("type", "button"), ("data-suggestion", suggestion), ("dir", "ltr")]);
        append(&line, &button);
        append(&line, &document.create_text_node(after));
    }
}

/// The person took the suggestion: it replaces the address they typed.
pub fn accept_suggestion(root: &ShadowRoot, suggestion: &str) {
    if let Some(email) = root.get_element_by_id(&id(Field::Email)) {
        set_value(&email, suggestion);
        focus(&email);
    }
    if let Some(line) = root.get_element_by_id("pw-email-suggestion") {
        line.set_text_content(None);
    }
}

/// `error` in words of `lang`, from its code and parameters.
pub fn message(lang: &Lang, error: &FieldError) -> String {
    match error.text() {
        Some(text) => lang.fill(text, &[("max", &lang.number(error.params.max.unwrap_or(0)))]),
        None => error.message.clone(),
    }
}

/// Shows `errors` in `lang` (clearing earlier ones): marks each field, lists
/// them in the summary, and (when `focus_summary`) moves focus to the
/// summary so screen readers read it. With no errors, hides it all.
pub fn show_errors(root: &ShadowRoot, document: &Document, lang: &Lang, errors: &[FieldError], focus_summary: bool) {
    let list = by_id(root, "pw-error-list");
    list.set_text_content(None);
    let prefix = concat(&[&*lang.t(&text::ERROR_PREFIX), " "]);
    for &field in &Field::ALL {
        let id = id(field);
        let Some(input) = root.get_element_by_id(&id) else { continue };
        let error_id = concat(&[&id, "-error"]);
        let message_el = by_id(root, &error_id);
        let hint_id = concat(&[&id, "-hint"]);
        let mut described = if root.get_element_by_id(&hint_id).is_some() { hint_id } else { String::new() };
        let error = errors.iter().find(|e| e.field == field);
        message_el.set_text_content(None);
        show(&message_el, error.is_some());
        if let Some(group) = closest(&input, ".pw-field") {
            toggle_attribute(&group, "data-invalid", error.is_some());
        }
        match error {
            Some(error) => {
                let words = message(lang, error);
                let hidden = element(document, "span", "pw-visually-hidden", &prefix);
                append(&message_el, &hidden);
                append(&message_el, &document.create_text_node(&words));
                set_attribute(&input, "aria-invalid", "true");
                described = concat(&[&described, " ", &error_id]);
                let item = element(document, "li", "", "");
                let link = element(document, "a", "", &words);
                attributes(&link, &[("href", &concat(&["#", &id])), ("data-field", &id)]);
                append(&item, &link);
                append(&list, &item);
            }
            None => remove_attribute(&input, "aria-invalid"),
        }
        match trim(&described) {
            "" => remove_attribute(&input, "aria-describedby"),
            described => set_attribute(&input, "aria-describedby", described),
        }
    }
    let summary = by_id(root, "pw-error-summary");
    show(&summary, !errors.is_empty());
    if !errors.is_empty() && focus_summary {
        focus(&summary);
    }
}

/// A link in the error summary was followed: focus its field. (A fragment
/// link cannot reach into a shadow root by itself.)
pub fn follow_summary_link(root: &ShadowRoot, target: &Element) -> bool {
    let Some(link) = closest(target, "a[data-field]") else { return false };
    let Some(field_id) = link.get_attribute("data-field") else { return false };
    if let Some(input) = root.get_element_by_id(&field_id) {
        focus(&input);
        input.scroll_into_view_with_bool(false);
    }
    true
}
