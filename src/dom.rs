//! Small DOM helpers: find by id inside the shadow root, create elements, set
//! text. Text is only ever set as text (`textContent`), never as HTML, so
//! nothing from the server or a person can become markup.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, ShadowRoot};

use crate::error::{Error, Result};

/// The element with `id` inside `root`, as the type asked for.
pub fn by_id<T: JsCast>(root: &ShadowRoot, id: &str) -> Result<T> {
    root.get_element_by_id(id)
        .ok_or_else(|| Error::Dom(format!("#{id} is missing")))?
        .dyn_into::<T>()
        .map_err(|_| Error::Dom(format!("#{id} has the wrong type")))
}

/// A new `<tag>` with `class` (if not empty) and `text` (if not empty).
pub fn element(document: &Document, tag: &str, class: &str, text: &str) -> Result<Element> {
    let element = document.create_element(tag)?;
    if !class.is_empty() {
        element.set_class_name(class);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    Ok(element)
}

/// Sets several attributes at once.
pub fn attributes(element: &Element, pairs: &[(&str, &str)]) -> Result<()> {
    for (name, value) in pairs {
        element.set_attribute(name, value)?;
    }
    Ok(())
}

/// Shows or hides with the `hidden` attribute.
pub fn show(element: &Element, visible: bool) -> Result<()> {
    element.toggle_attribute_with_force("hidden", !visible)?;
    Ok(())
}

/// The `value` of an `<input>`, `<select>` or `<textarea>`.
pub fn value(element: &Element) -> String {
    js_sys::Reflect::get(element, &JsValue::from_str("value"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Focuses an element, if it can take focus.
pub fn focus(element: &Element) {
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        element.focus().ok();
    }
}

/// Resolves after `ms` milliseconds (a `setTimeout`), letting the browser
/// handle input and paint meanwhile.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
