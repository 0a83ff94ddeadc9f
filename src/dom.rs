//! Small DOM helpers: find by id inside the shadow root, create elements, set
//! text. Text is only ever set as text (`textContent`), never as HTML, so
//! nothing from the server or a person can become markup.

use petition_core::concat;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event, EventTarget, Node, ShadowRoot};

#[cfg(test)]
use crate::error::Result;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The page's `window`, read once.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: web_sys::Window;

    /// A node of the widget's own, its style, or the window, for the DOM's
    /// methods below. web-sys binds each of them as one that may throw: a
    /// wrapper in the glue that catches, and a check and an error to pass
    /// on at every call. As the widget calls them (with its own attribute
    /// names, tags, selectors and properties, on nodes of its own tree, a
    /// child it has just made, a function to call back) none can throw, so
    /// they are bound without.
    type Own;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &Own, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = removeAttribute)]
    fn remove_attribute(this: &Own, name: &str);
    #[wasm_bindgen(method, js_name = toggleAttribute)]
    fn toggle_attribute(this: &Own, name: &str, force: bool);
    #[wasm_bindgen(method, js_name = appendChild)]
    fn append_child(this: &Own, child: &Node);
    #[wasm_bindgen(method, js_name = createElement)]
    fn create_element(this: &Own, tag: &str) -> Element;
    #[wasm_bindgen(method)]
    fn closest(this: &Own, selectors: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    /// A `NodeList`, read as an `Array`: both have a `length` and are
    /// indexed by number, and the widget reads arrays already, so a
    /// `NodeList`'s own two methods need no glue of their own.
    fn query_selector_all(this: &Own, selectors: &str) -> js_sys::Array;
    #[wasm_bindgen(method, js_name = setProperty)]
    fn set_property(this: &Own, name: &str, value: &str);
    #[wasm_bindgen(method)]
    fn focus(this: &Own);
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &Own, event: &str, listener: &JsValue);
    #[wasm_bindgen(method, js_name = removeEventListener)]
    fn remove_event_listener(this: &Own, event: &str, listener: &JsValue);
    #[wasm_bindgen(method, js_name = setTimeout)]
    fn set_timeout(this: &Own, callback: &JsValue, ms: u32) -> i32;
    #[wasm_bindgen(method, js_name = setInterval)]
    fn set_interval(this: &Own, callback: &JsValue, ms: u32) -> i32;
    #[wasm_bindgen(method, js_name = replaceSync)]
    fn replace_sync(this: &Own, css: &str);
    /// (`innerHTML` set to `TrustedHTML`, see [`Policy`].)
    #[wasm_bindgen(method, setter = innerHTML)]
    fn set_html(this: &Own, html: &JsValue);
    /// (A promise that fails, never a throw, for a body that can't be read.)
    #[wasm_bindgen(method)]
    fn json(this: &Own) -> js_sys::Promise;
    /// (A `Storage` in hand reads and removes without throwing: reaching
    /// `localStorage` may throw, and storing when it is full, so those keep
    /// web-sys's bindings.)
    #[wasm_bindgen(method, js_name = getItem)]
    fn get_item(this: &Own, key: &str) -> Option<String>;
    #[wasm_bindgen(method, js_name = removeItem)]
    fn remove_item(this: &Own, key: &str);

    /// Sets `object`'s property `name`: `Reflect.set`, on an object of the
    /// widget's own (fetch's options, the signature, an element of its
    /// skeleton), which cannot throw.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    pub fn put(object: &JsValue, name: &str, value: &JsValue);

    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    fn reflect_get(object: &JsValue, name: &str) -> JsValue;

    /// Whether `object` (the window, the shadow root) has property `name`.
    #[wasm_bindgen(js_namespace = Reflect)]
    pub fn has(object: &JsValue, name: &str) -> bool;

    /// `object` (one of the widget's own, of strings, booleans and
    /// numbers) as JSON.
    #[wasm_bindgen(js_namespace = JSON)]
    pub fn stringify(object: &JsValue) -> String;

    /// What the loader gives the widget to make its skeleton, HTML of its
    /// own, fit to set (see `www/embed.js`): its Trusted Types policy
    /// (`petition-widget`), which passes it as the `TrustedHTML` that a page
    /// requiring Trusted Types (`require-trusted-types-for 'script'`)
    /// insists on; or, where there is none, an object whose `createHTML`
    /// passes it as it is.
    pub type Policy;
    #[wasm_bindgen(method, js_name = createHTML)]
    fn create_html(this: &Policy, html: &str) -> JsValue;
}

/// `object`'s property `name`, `undefined` if it has none or is not an
/// object. (`Reflect.get` throws for what is not an object, and where a
/// getter throws: the widget reads parsed JSON, its own fields' values,
/// the navigator's features and an error's name, whose getters don't,
/// unless a page's script has replaced them.)
pub fn get(object: &JsValue, name: &str) -> JsValue {
    if object.is_object() {
        reflect_get(object, name)
    } else {
        JsValue::UNDEFINED
    }
}

fn own(value: &JsValue) -> &Own {
    value.unchecked_ref()
}

/// Sets `element`'s attribute `name` (one of the widget's) to `value`.
pub fn set_attribute(element: &Element, name: &str, value: &str) {
    own(element).set_attribute(name, value);
}

/// Takes `element`'s attribute `name` (one of the widget's) away.
pub fn remove_attribute(element: &Element, name: &str) {
    own(element).remove_attribute(name);
}

/// Gives `element` the empty attribute `name`, or takes it away.
pub fn toggle_attribute(element: &Element, name: &str, on: bool) {
    own(element).toggle_attribute(name, on);
}

/// Puts `child` (one the widget has just made) last in `parent`.
pub fn append(parent: &Node, child: &Node) {
    own(parent).append_child(child);
}

/// The nearest of `element` and its ancestors that matches `selectors`.
pub fn closest(element: &Element, selectors: &str) -> Option<Element> {
    own(element).closest(selectors)
}

/// Every element under `parent` (the widget's root or one of its
/// elements) that matches `selectors`, in document order (a `NodeList`,
/// read as an `Array` of elements).
pub fn all(parent: &Node, selectors: &str) -> js_sys::Array {
    own(parent).query_selector_all(selectors)
}

/// The element `event` happened on; none if a page's script dispatched it
/// at something of the widget's that is not one (its shadow root, a text
/// node), where an element's methods would throw.
pub fn target(event: &Event) -> Option<Element> {
    event.target().filter(|target| get(target, "nodeType").as_f64() == Some(1.0)).map(JsCast::unchecked_into)
}

/// The body of a `fetch` answer, read as JSON.
pub fn json_body(response: &web_sys::Response) -> js_sys::Promise {
    own(response).json()
}

/// Sets one of `element`'s style properties.
pub fn style(element: &Element, property: &str, value: &str) {
    own(&element.unchecked_ref::<web_sys::HtmlElement>().style()).set_property(property, value);
}

/// Says what went wrong on the console, for the page's developers:
/// `petition widget:` and `detail`, a text or what the browser threw (an
/// exception logged as itself, with its stack).
pub fn complain(detail: &JsValue) {
    web_sys::console::error_2(&JsValue::from_str("petition widget:"), detail);
}

/// `storage`'s item `key`, if it has one.
pub fn stored(storage: &web_sys::Storage, key: &str) -> Option<String> {
    own(storage).get_item(key)
}

/// Removes `storage`'s item `key`.
pub fn unstore(storage: &web_sys::Storage, key: &str) {
    own(storage).remove_item(key);
}

/// The page's window. Not `web_sys::window()`, which finds the global
/// object four ways and then checks its type: five imports of the glue for
/// what is, where the widget runs (a page or a frame), always `window`.
pub fn window() -> web_sys::Window {
    WINDOW.with(web_sys::Window::clone)
}

/// The element with `id` inside `root`. (Not generic: one copy for every
/// caller, and no type check where an `Element` is all that is needed.)
///
/// Every id the widget asks for is in its skeleton (tested). Should one be
/// missing all the same (a page's script took it out of the open shadow
/// root), the widget says so on the console and works on without it, on a
/// detached element no one sees, rather than failing as a whole; and no
/// caller has an error to pass on (an error path at each of some sixty calls
/// was 0.5 KB of every visitor's download).
#[inline(never)]
pub fn by_id(root: &ShadowRoot, id: &str) -> Element {
    root.get_element_by_id(id).unwrap_or_else(|| {
        complain(&concat(&["#", id, " is missing"]).into());
        // (A shadow root always has a document.)
        element(&root.owner_document().unwrap(), "div", "", "")
    })
}

/// The element with `id` inside `root`, as the type asked for. (For tests:
/// the widget casts what its own skeleton holds rather than check it, as a
/// check is an import of the glue for each type.)
#[cfg(test)]
pub fn by_id_as<T: JsCast>(root: &ShadowRoot, id: &str) -> Result<T> {
    by_id(root, id).dyn_into::<T>().map_err(|_| crate::error::Error::Dom(concat(&["#", id, " has the wrong type"]).into()))
}

/// Shows or hides the element with `id` inside `root`.
#[inline(never)]
pub fn show_id(root: &ShadowRoot, id: &str, visible: bool) {
    show(&by_id(root, id), visible);
}

/// Sets the text of the element with `id` inside `root`.
#[inline(never)]
pub fn text_id(root: &ShadowRoot, id: &str, text: &str) {
    by_id(root, id).set_text_content(Some(text));
}

/// A new `<tag>` with `class` (if not empty) and `text` (if not empty).
pub fn element(document: &Document, tag: &str, class: &str, text: &str) -> Element {
    let element = own(document).create_element(tag);
    if !class.is_empty() {
        set_attribute(&element, "class", class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    element
}

/// What the loader passes where the page has no Trusted Types policy for
/// the widget: the HTML as it is. For the tests, which mount as the loader
/// does (the widget itself never makes one: the loader's is in `embed.js`).
#[doc(hidden)]
pub fn plain_policy() -> Policy {
    let policy = js_sys::Object::new();
    put(&policy, "createHTML", &js_sys::Function::new_with_args("html", "return html"));
    policy.unchecked_into()
}

/// Puts the widget's styles and skeleton into `root`. The styles go in a
/// constructable stylesheet, which a page's Content-Security-Policy allows
/// whatever its `style-src` (measured in Chromium: a `<style>` needs
/// `'unsafe-inline'`, a `<link>` the server in `style-src`); a browser
/// without them (Safari before 16.4) gets a `<style>` element. The HTML goes
/// in through `policy` (see [`Policy`]).
pub fn skeleton(root: &ShadowRoot, css: &str, html: &str, policy: &Policy) {
    // (The constructor is checked: a browser without it throws.)
    let adopted = has(root, "adoptedStyleSheets")
        && web_sys::CssStyleSheet::new()
            .map(|sheet| {
                own(&sheet).replace_sync(css);
                root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
            })
            .is_ok();
    let styled;
    let html = if adopted {
        html
    } else {
        styled = concat(&["<style>", css, "</style>", html]);
        &styled
    };
    own(root).set_html(&policy.create_html(html));
}

/// Whether the widget runs in a sandbox with an opaque origin, as WordPress
/// puts an embed (`<iframe sandbox="allow-scripts">`): no storage, no
/// clipboard, and a link opening a new tab does nothing.
pub fn sandboxed() -> bool {
    window().origin() == "null"
}

/// `part` of the address of the page the widget is on (`"href"`, the
/// whole of it; `"search"`, its query), read as properties: each getter
/// bound by web-sys is a function in the glue. A string whatever a page's
/// script has done.
pub fn address(part: &str) -> String {
    get(&get(&window(), "location"), part).as_string().unwrap_or_default()
}

/// `text` as one component of an address (`encodeURIComponent`). Its
/// answer is always a string; read as `address` reads one, not by
/// js-sys's `String::from`, whose unwrap carries a panic message.
pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).as_string().unwrap_or_default()
}

/// Makes `link` say `words` and lead to `url`; in a sandbox, where it
/// would do nothing, it is no link and says the address in words.
pub fn link(link: &Element, words: &str, url: &str) {
    if sandboxed() {
        remove_attribute(link, "href");
        link.set_text_content(Some(&concat(&[words, ": ", url])));
    } else {
        set_attribute(link, "href", url);
        link.set_text_content(Some(words));
    }
}

/// Sets several attributes at once.
pub fn attributes(element: &Element, pairs: &[(&str, &str)]) {
    for (name, value) in pairs {
        set_attribute(element, name, value);
    }
}

/// Shows or hides with the `hidden` attribute.
pub fn show(element: &Element, visible: bool) {
    toggle_attribute(element, "hidden", !visible);
}

/// The `value` of an `<input>`, `<select>` or `<textarea>`.
pub fn value(element: &Element) -> String {
    get(element, "value").as_string().unwrap_or_default()
}

/// Sets the `value` of an `<input>`, `<select>` or `<textarea>`.
pub fn set_value(element: &Element, value: &str) {
    put(element, "value", &JsValue::from_str(value));
}

/// Whether a checkbox is ticked.
pub fn ticked(element: &Element) -> bool {
    get(element, "checked").as_bool().unwrap_or(false)
}

/// Ticks a checkbox, or clears it.
pub fn tick(element: &Element, ticked: bool) {
    put(element, "checked", &JsValue::from_bool(ticked));
}

/// Focuses an element (every element the widget draws is an HTML element).
pub fn focus(element: &Element) {
    own(element).focus();
}

/// Resolves after `ms` milliseconds (a `setTimeout`), letting the browser
/// handle input and paint meanwhile.
pub async fn sleep(ms: u32) {
    let _ = crate::task::Settled::when(&|resolved, _| {
        own(&window()).set_timeout(resolved, ms);
    })
    .await;
}

/// The one type of closure the widget hands the browser: listeners, timers,
/// the executor's microtask and promises' callbacks (`task.rs`) are all of
/// it, so the glue carries one shim for calling closures. Those the browser
/// calls with no argument, or with something other than an event, never
/// read it as an `Event`.
pub type Callback = Closure<dyn FnMut(Event)>;

/// Listens for `event` on `target` until dropped. (gloo-events did this; the
/// widget's few listeners need none of its options, and one closure type
/// for all of them and the timers below is smaller.)
pub struct Listener {
    target: EventTarget,
    event: &'static str,
    callback: Callback,
}

impl Listener {
    pub fn new(target: &EventTarget, event: &'static str, handler: impl FnMut(Event) + 'static) -> Listener {
        let callback = Callback::new(handler);
        own(target).add_event_listener(event, callback.as_ref());
        Listener { target: target.clone(), event, callback }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        own(&self.target).remove_event_listener(self.event, self.callback.as_ref());
    }
}

/// A `setTimeout` or `setInterval`, cleared when dropped. Dropping it from
/// inside its own callback is safe: wasm-bindgen frees a closure only once
/// its call has returned.
pub struct Timer {
    id: i32,
    _callback: Callback,
}

impl Timer {
    /// Runs `callback` once, `ms` milliseconds from now.
    pub fn after(ms: u32, callback: impl FnMut() + 'static) -> Timer {
        Timer::start(ms, false, callback)
    }

    /// Runs `callback` every `ms` milliseconds.
    pub fn every(ms: u32, callback: impl FnMut() + 'static) -> Timer {
        Timer::start(ms, true, callback)
    }

    fn start(ms: u32, repeat: bool, mut callback: impl FnMut() + 'static) -> Timer {
        // The listeners' closure type, so that no second set of glue ships;
        // the browser calls it with no argument, and the `undefined` it gets
        // as an `Event` is never read.
        let callback = Callback::new(move |_| callback());
        let window = window();
        let id = if repeat {
            own(&window).set_interval(callback.as_ref(), ms)
        } else {
            own(&window).set_timeout(callback.as_ref(), ms)
        };
        Timer { id, _callback: callback }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // One list holds both kinds of timer, so this clears an interval too.
        window().clear_timeout_with_handle(self.id);
    }
}
