//! Reading the API's JSON (already parsed by the browser) into core's types,
//! by hand.
//!
//! Not serde-wasm-bindgen's `from_value`: its deserialiser and the float
//! formatting its error messages pull in measured about 45 KB of the wasm,
//! more than every feature of the widget together, paid by every visitor. The
//! readers follow core's serde names exactly (no renames), and a browser test
//! (`tests/web.rs`) reads the real server's answers both ways and compares
//! them, so the two cannot drift apart. A signature is written by hand too
//! ([`write`]): serde-wasm-bindgen's serialiser cost 1.5 KB of every
//! visitor's download.

use js_sys::Array;
use petition_core::{
    ApiError, Challenge, CountUpdate, Field, FieldError, LinksTo, Milestone, NextAction, Params, Partner, Petition, Problem, Share,
    SignatureReceipt, SignatureRequest,
};
use wasm_bindgen::{JsCast, JsValue};

use crate::dom::put;

/// A value that can be read from parsed JSON; `None` if it has the wrong shape.
pub trait FromJs: Sized {
    /// Reads `value`.
    fn from_js(value: &JsValue) -> Option<Self>;
}

/// Reads `value` as a `T`.
pub fn read<T: FromJs>(value: &JsValue) -> Option<T> {
    T::from_js(value)
}

fn get(object: &JsValue, name: &str) -> JsValue {
    crate::dom::get(object, name)
}

/// `object`'s field `name` as a `T`: one function per type, not the same
/// code inlined for every field of every struct.
#[inline(never)]
fn field<T: FromJs>(object: &JsValue, name: &str) -> Option<T> {
    T::from_js(&get(object, name))
}

impl FromJs for String {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

impl FromJs for bool {
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_bool()
    }
}

impl FromJs for u64 {
    /// A whole, non-negative number that a JS number holds exactly.
    fn from_js(value: &JsValue) -> Option<Self> {
        let n = value.as_f64()?;
        (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0).then_some(n as u64)
    }
}

impl FromJs for u32 {
    fn from_js(value: &JsValue) -> Option<Self> {
        u64::from_js(value)?.try_into().ok()
    }
}

impl FromJs for u8 {
    fn from_js(value: &JsValue) -> Option<Self> {
        u64::from_js(value)?.try_into().ok()
    }
}

impl<T: FromJs> FromJs for Vec<T> {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !Array::is_array(value) {
            return None;
        }
        // A plain loop: `collect` into an `Option<Vec<_>>` measured larger.
        // Checked to be an array just above: a cast, not `Array.from`.
        let array = value.unchecked_ref::<Array>();
        let mut items = Vec::new();
        for i in 0..array.length() {
            items.push(T::from_js(&array.get(i))?);
        }
        Some(items)
    }
}

impl<T: FromJs> FromJs for Option<T> {
    /// `null` or a missing field is `None`, as with serde.
    fn from_js(value: &JsValue) -> Option<Self> {
        if value.is_null() || value.is_undefined() {
            Some(None)
        } else {
            T::from_js(value).map(Some)
        }
    }
}

impl FromJs for Field {
    #[allow(clippy::manual_find)]
    fn from_js(value: &JsValue) -> Option<Self> {
        let name = value.as_string()?;
        // (A loop: `find` was std's fold for this type alone.)
        for &field in &Field::ALL {
            if field.name() == name {
                return Some(field);
            }
        }
        None
    }
}

impl FromJs for Problem {
    fn from_js(value: &JsValue) -> Option<Self> {
        use Problem::*;
        Some(match value.as_string()?.as_str() {
            "missing" => Missing,
            "too_long" => TooLong,
            "control" => Control,
            "start" => Start,
            "web_address" => WebAddress,
            "format" => Format,
            "uk" => Uk,
            "characters" => Characters,
            _ => Choose,
        })
    }
}

impl FromJs for LinksTo {
    /// A kind this widget doesn't know reads as the default.
    fn from_js(value: &JsValue) -> Option<Self> {
        Some(match value.as_string()?.as_str() {
            "signing-page" => LinksTo::SigningPage,
            "petition-page" => LinksTo::PetitionPage,
            _ => LinksTo::Url,
        })
    }
}

/// `object`'s field `name` as a `T`, or `T`'s default with `ok` cleared.
#[inline(never)]
fn whole<T: FromJs + Default>(object: &JsValue, name: &str, ok: &mut bool) -> T {
    field(object, name).unwrap_or_else(|| {
        *ok = false;
        T::default()
    })
}

/// `FromJs` for a struct of core's, field by field under the same names,
/// `None` if any is missing or of the wrong shape. Every field is read and
/// the struct dropped once if one was wrong: a `?` per field measured larger,
/// each one dropping the fields read before it.
macro_rules! from_js {
    ($($type:ident { $($field:ident),* $(,)? })*) => {$(
        impl FromJs for $type {
            fn from_js(value: &JsValue) -> Option<Self> {
                if !value.is_object() {
                    return None;
                }
                let mut ok = true;
                let read = $type { $($field: whole(value, stringify!($field), &mut ok)),* };
                ok.then_some(read)
            }
        }
    )*};
}

/// Reads `object`'s field `name` into `into`, if it has one.
#[inline(never)]
fn present<T: FromJs>(object: &JsValue, name: &str, into: &mut T) -> Option<()> {
    let value = get(object, name);
    if !value.is_undefined() {
        *into = T::from_js(&value)?;
    }
    Some(())
}

/// Like `from_js!`, for a struct whose fields all default when missing
/// (`#[serde(default)]` in core), as serde reads it. The pattern names every
/// field with no `..`: a field added in core and not named here is a compile
/// error, not a value silently left at its default. (A pattern rather than a
/// struct literal of defaulted fields: that one measured 190 bytes more.)
macro_rules! from_js_defaulted {
    ($type:ident { $($field:ident),* $(,)? }) => {
        impl FromJs for $type {
            fn from_js(value: &JsValue) -> Option<Self> {
                if !value.is_object() {
                    return None;
                }
                let mut read = $type::default();
                let $type { $($field: _),* } = &read;
                $(present(value, stringify!($field), &mut read.$field)?;)*
                Some(read)
            }
        }
    };
}

from_js! {
    Petition {
        slug, organiser, target, title, summary, body, supported_by, ask_profession, goal, signature_count,
        milestones, show_count_from, healthcare_professionals, reasons, partners, share, next_action,
        confirm_by_email, closed, language, languages,
    }
    Challenge { token, difficulty, min_seconds }
    Milestone { count, reached_at }
    Partner { slug, name, signature_count }
    Share { links_to, url, text, hashtag }
    NextAction { title, text, url }
    SignatureReceipt { signature_count, goal, milestones }
    CountUpdate { slug, signature_count, goal, milestones }
    Params { max }
}

// By hand: its field and code have no default for `from_js!`.
impl FromJs for FieldError {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !value.is_object() {
            return None;
        }
        Some(FieldError {
            field: field(value, "field")?,
            code: field(value, "code")?,
            params: field(value, "params")?,
            message: field(value, "message")?,
        })
    }
}

// A signature kept in the browser by an older widget lacks the newer fields.
from_js_defaulted! {
    SignatureRequest {
        first_name, last_name, email, postcode, outside_uk, profession, reason, consent, partner,
        partner_consent, source, challenge, proof, lang, website,
    }
}

/// `request` as JSON, under core's serde names (read back by
/// [`FromJs`]; a browser test compares both with serde's).
pub fn write(request: &SignatureRequest) -> String {
    // Every field named, with no `..`: one added in core is a compile error here.
    let SignatureRequest {
        first_name, last_name, email, postcode, outside_uk, profession, reason, consent, partner,
        partner_consent, source, challenge, proof, lang, website,
    } = request;
    let object = js_sys::Object::new();
    let strings = [
        ("first_name", first_name), ("last_name", last_name), ("email", email), ("postcode", postcode),
        ("profession", profession), ("reason", reason), ("partner", partner), ("source", source),
        ("challenge", challenge), ("lang", lang), ("website", website),
    ];
    for &(name, value) in &strings {
        put(&object, name, &JsValue::from_str(value));
    }
    for &(name, value) in &[("outside_uk", outside_uk), ("consent", consent), ("partner_consent", partner_consent)] {
        put(&object, name, &JsValue::from_bool(*value));
    }
    put(&object, "proof", &JsValue::from_f64(*proof as f64));
    crate::dom::stringify(&object)
}

impl FromJs for ApiError {
    /// `fields` may be missing (`#[serde(default)]` in core).
    fn from_js(value: &JsValue) -> Option<Self> {
        if !value.is_object() {
            return None;
        }
        let mut fields = Vec::new();
        present(value, "fields", &mut fields)?;
        Some(ApiError { error: field(value, "error")?, code: field(value, "code").unwrap_or_default(), fields })
    }
}

#[cfg(test)]
mod tests {
    //! The hand readers against serde-wasm-bindgen, on the real server's
    //! answers (`cargo xtask test` names the server at compile time).
    use petition_core::SignatureRequest;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    // A build without a server compiles, and its tests say what to run.
    #[allow(clippy::option_env_unwrap)]
    fn server() -> &'static str {
        option_env!("PETITION_TEST_SERVER").expect("run the widget tests with `cargo xtask test`")
    }

    async fn answer(path: &str, body: Option<&SignatureRequest>) -> JsValue {
        let init = web_sys::RequestInit::new();
        if let Some(body) = body {
            init.set_method("POST");
            let json = js_sys::JSON::stringify(&serde_wasm_bindgen::to_value(body).unwrap()).unwrap();
            init.set_body(&json);
            let headers = web_sys::Headers::new().unwrap();
            headers.set("Content-Type", "application/json").unwrap();
            init.set_headers(&headers);
        }
        let window = crate::dom::window();
        let response: web_sys::Response =
            JsFuture::from(window.fetch_with_str_and_init(&format!("{}{path}", server()), &init)).await.unwrap().into();
        JsFuture::from(response.json().unwrap()).await.unwrap()
    }

    fn both_ways<T: FromJs + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(json: &JsValue) -> T {
        let by_hand: T = read(json).expect("the hand reader reads it");
        let by_serde: T = serde_wasm_bindgen::from_value(json.clone()).expect("serde reads it");
        assert_eq!(by_hand, by_serde);
        by_hand
    }

    #[wasm_bindgen_test]
    async fn petitions_read_by_hand_equal_what_serde_reads() {
        for slug in ["stop-sharing", "scrap-upfront-charging"] {
            let petition: Petition = both_ways(&answer(&format!("/api/petitions/{slug}"), None).await);
            assert_eq!(petition.slug, slug);
        }
    }

    #[wasm_bindgen_test]
    async fn receipts_and_field_errors_read_by_hand_equal_what_serde_reads() {
        let email = format!("json-test-{}@example.org", js_sys::Math::random().to_bits());
        let challenge: Challenge = both_ways(&answer("/api/petitions/stop-sharing/challenge", None).await);
        let solver = std::rc::Rc::new(crate::proof::Solver::start(challenge, js_sys::Date::now()));
        let (challenge, proof) = crate::proof::Solver::answer(std::rc::Rc::downgrade(&solver)).await.unwrap();
        let request = SignatureRequest {
            first_name: "Amara".into(),
            email,
            postcode: "E1 6AN".into(),
            challenge,
            proof,
            ..SignatureRequest::default()
        };
        let receipt: SignatureReceipt = both_ways(&answer("/api/petitions/stop-sharing/signatures", Some(&request)).await);
        assert!(receipt.signature_count >= 1);
        let invalid = SignatureRequest { email: "nope".into(), ..request };
        let error: ApiError = both_ways(&answer("/api/petitions/stop-sharing/signatures", Some(&invalid)).await);
        assert_eq!(error.fields.iter().map(|f| f.field).collect::<Vec<_>>(), [Field::Email]);
        let missing: ApiError = both_ways(&answer("/api/petitions/nothing-here", None).await);
        assert!(missing.fields.is_empty());
    }

    /// Every field set, none to its default, so a field the reader dropped
    /// or misnamed shows as a difference.
    fn full_request() -> SignatureRequest {
        SignatureRequest {
            first_name: "Zoë".into(),
            last_name: "O'Brien-Łukasiewicz".into(),
            email: "zoe@example.org".into(),
            postcode: "SW1A 1AA".into(),
            outside_uk: true,
            profession: "nurse".into(),
            reason: "I have seen patients stay away.".into(),
            consent: true,
            partner: "medact".into(),
            partner_consent: true,
            source: "share-whatsapp".into(),
            challenge: "stop-sharing.1.16.2.mac".into(),
            // The largest a JSON number holds exactly.
            proof: 9_007_199_254_740_991,
            lang: "cy".into(),
            website: "https://bot.example".into(),
        }
    }

    #[wasm_bindgen_test]
    fn a_signature_request_as_sent_reads_back_by_hand_as_serde_reads_it() {
        let request = full_request();
        let sent = serde_wasm_bindgen::to_value(&request).unwrap();
        assert_eq!(both_ways::<SignatureRequest>(&sent), request);
        // Written by hand as serde writes it.
        let written = js_sys::JSON::parse(&write(&request)).unwrap();
        assert_eq!(both_ways::<SignatureRequest>(&written), request);
        // As an older widget kept it: fields it didn't have default, as serde does.
        let older = js_sys::JSON::parse(r#"{"first_name": "Zoë", "email": "zoe@example.org", "proof": 7}"#).unwrap();
        let kept: SignatureRequest = both_ways(&older);
        let expected =
            SignatureRequest { first_name: "Zoë".into(), email: "zoe@example.org".into(), proof: 7, ..SignatureRequest::default() };
        assert_eq!(kept, expected);
        let wrong = js_sys::JSON::parse(r#"{"first_name": "Zoë", "consent": "yes"}"#).unwrap();
        assert_eq!(read::<SignatureRequest>(&wrong), None, "a field of the wrong type is refused, not defaulted");
    }

    #[wasm_bindgen_test]
    fn a_signature_kept_in_the_browser_comes_back_whole() {
        let (origin, slug) = ("https://petitions.example", "json-test");
        let request = full_request();
        let mark = crate::memory::queue(origin, slug, &request).expect("kept");
        assert_eq!(crate::memory::queued(origin, slug), Some((request, mark)));
        crate::memory::dequeue(origin, slug);
        assert_eq!(crate::memory::queued(origin, slug), None);
    }

    #[wasm_bindgen_test]
    fn values_of_the_wrong_shape_are_refused_not_guessed() {
        assert_eq!(read::<u64>(&JsValue::from_f64(1.5)), None);
        assert_eq!(read::<u64>(&JsValue::from_f64(-1.0)), None);
        assert_eq!(read::<u64>(&JsValue::from_str("12")), None);
        assert_eq!(read::<Option<String>>(&JsValue::NULL), Some(None));
        assert_eq!(read::<Vec<u64>>(&js_sys::JSON::parse("[1, \"2\"]").unwrap()), None);
        assert!(read::<Petition>(&js_sys::JSON::parse("{\"slug\": \"x\"}").unwrap()).is_none());
        assert!(read::<Petition>(&JsValue::from_str("<html>")).is_none());
    }
}
