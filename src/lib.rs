//! The embeddable petition widget, compiled to wasm32.
//!
//! `www/embed.js` (the one-tag loader) finds the places to show petitions,
//! gives each an open shadow root with a loading placeholder, and calls
//! [`mount`] for each. Everything the widget shows lives in that shadow root;
//! its rules (field validation, milestones) come from `petition-core`, the
//! same code the server runs.
#![deny(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod alloc;
mod api;
mod dom;
mod error;
mod form;
mod format;
mod i18n;
mod json;
mod live;
mod memory;
mod proof;
mod task;
mod view;
mod widget;

use std::{cell::RefCell, rc::Rc};

use wasm_bindgen::prelude::*;
use web_sys::Element;

pub use dom::{plain_policy, Policy};
use widget::Widget;

// The library's own unit tests run in Chromium too, like tests/web.rs.
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc::Blocks = alloc::Blocks::new();

thread_local! {
    /// Every mounted widget. Holding them here keeps their listeners alive;
    /// [`unmount`] stops one and lets it go.
    static WIDGETS: RefCell<Vec<Rc<Widget>>> = const { RefCell::new(Vec::new()) };
}

/// Shows the petition named by `host`'s `data-petition` attribute, from the
/// server at `origin`, inside `host`'s open shadow root.
///
/// `prefetched` and `challenge` are optional `fetch()` promises of the
/// petition's API URL (with `?lang=`) and of its `/challenge` that the
/// loader started early; `words`, of the language file it chose (see
/// `i18n.rs`); `pkg`, the server the widget's files come from, if not
/// `origin`; `policy`, what makes the widget's HTML fit to set (see
/// `dom::Policy`); `done`, called once the petition (or a message saying
/// why it can't be shown) is on screen, without waiting for the challenge
/// or for a signature kept offline to be sent. (A callback rather than a
/// promise: making a promise takes a closure of a type the widget has no
/// other use for, and its glue.)
// One call, from the loader: an object of options would be read by name,
// in glue and wasm every visitor downloads. The strings come as JS values,
// read by `as_string` as the widget reads every other: a `String` argument
// brings wasm-bindgen's other way of passing one in, in glue and wasm.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen]
pub fn mount(
    host: Element,
    origin: JsValue,
    prefetched: Option<js_sys::Promise>,
    challenge: Option<js_sys::Promise>,
    words: Option<js_sys::Promise>,
    pkg: JsValue,
    policy: dom::Policy,
    done: Option<js_sys::Function>,
) {
    remove(&host);
    let origin = origin.as_string().unwrap_or_default();
    let pkg = pkg.as_string();
    let widget = match Widget::create(host, &origin, pkg.as_deref().unwrap_or(&origin), &policy) {
        Ok(widget) => widget,
        Err(error) => {
            // Not even a shadow root to write in: the console is all there is.
            if let error::Error::Dom(detail) = &error {
                dom::complain(detail);
            }
            if let Some(done) = done {
                let _ = done.call0(&JsValue::UNDEFINED);
            }
            return;
        }
    };
    WIDGETS.with(|widgets| widgets.borrow_mut().push(widget.clone()));
    widget.loading(prefetched, challenge, words, false, done);
}

/// Removes the widget from `host`, if there is one, with everything it
/// started: its listeners, timers, proof of work and place in the live count
/// (the page's stream closes with the last widget).
///
/// (`host` and `switch_language`'s are taken, not borrowed: a borrowed
/// argument brings the glue its own stack of borrowed objects.)
#[wasm_bindgen]
pub fn unmount(host: Element) {
    remove(&host);
}

fn remove(host: &Element) {
    // Taken out first, so that stopping it runs with the list free again.
    let widget = WIDGETS.with(|widgets| {
        let mut widgets = widgets.borrow_mut();
        let at = widgets.iter().position(|w| w.host() == host)?;
        Some(widgets.remove(at))
    });
    if let Some(widget) = widget {
        widget.stop();
    }
}

/// Switches the widget in `host` to language `code` (see
/// `www/languages.js`, the language control), in place.
#[wasm_bindgen]
pub fn switch_language(host: Element, code: JsValue) {
    let widget = WIDGETS.with(|widgets| widgets.borrow().iter().find(|w| *w.host() == host).cloned());
    if let Some(widget) = widget {
        widget.switch(&code.as_string().unwrap_or_default());
    }
}

/// The mounted widgets showing petition `slug`.
pub(crate) fn widgets_showing(slug: &str) -> Vec<Rc<Widget>> {
    let mut showing = Vec::new();
    WIDGETS.with(|widgets| {
        for widget in widgets.borrow().iter().filter(|w| w.slug() == slug) {
            showing.push(widget.clone());
        }
    });
    showing
}

/// Installs the panic hook when built with the `console-panics` feature
/// (without it, no start: the glue then calls nothing at start, −13 B gzip).
#[cfg(feature = "console-panics")]
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
