//! The live count: one `EventSource` for every widget on the page, whatever
//! petitions they show, falling back to polling when a stream can't be had.
//!
//! Widgets register their petition with [`watch`]; the connection is (re)opened
//! once the current round of mounting is over, so a page whose widgets mount
//! together opens one stream for all of them.

use std::cell::RefCell;

use gloo_events::EventListener;
use gloo_timers::callback::{Interval, Timeout};
use petition_core::CountUpdate;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{EventSource, MessageEvent};

use crate::api::Api;

/// How often to ask for the count when there is no stream: often enough to
/// feel alive, rare enough not to load the server.
const POLL_MS: u32 = 10_000;

#[derive(Default)]
struct Live {
    origin: String,
    slugs: Vec<String>,
    source: Option<EventSource>,
    listeners: Vec<EventListener>,
    reconnect: Option<Timeout>,
    poll: Option<Interval>,
}

thread_local! {
    static LIVE: RefCell<Live> = RefCell::new(Live::default());
}

/// Follows `slug`'s count on the server at `origin` from now on.
pub fn watch(origin: &str, slug: &str) {
    LIVE.with(|live| {
        let mut live = live.borrow_mut();
        if live.origin != origin {
            // Widgets come from one server per page; if not, the newest wins
            // the stream and the others keep the count they loaded.
            *live = Live { origin: origin.to_owned(), ..Live::default() };
        }
        if live.slugs.iter().any(|s| s == slug) {
            return;
        }
        live.slugs.push(slug.to_owned());
        if live.reconnect.is_none() {
            live.reconnect = Some(Timeout::new(0, connect));
        }
    });
}

fn connect() {
    LIVE.with(|live| {
        let mut live = live.borrow_mut();
        live.reconnect = None;
        live.listeners.clear();
        if let Some(old) = live.source.take() {
            old.close();
        }
        let has_event_source = web_sys::window()
            .is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("EventSource")).unwrap_or(false));
        let url = format!(
            "{}/api/events?petitions={}",
            live.origin,
            String::from(js_sys::encode_uri_component(&live.slugs.join(",")))
        );
        let source = if has_event_source { EventSource::new(&url).ok() } else { None };
        let Some(source) = source else {
            start_polling(&mut live);
            return;
        };
        let on_count = EventListener::new(&source, "count", |event| {
            let Some(data) = event.dyn_ref::<MessageEvent>().and_then(|m| m.data().as_string()) else { return };
            let update = js_sys::JSON::parse(&data).ok().and_then(|v| crate::json::read(&v));
            if let Some(update) = update {
                deliver(&update);
            }
        });
        // The browser reconnects a dropped stream by itself; a stream that is
        // closed for good (refused, wrong type) turns into polling.
        let on_error = EventListener::new(&source, "error", |event| {
            let closed = event.target().and_then(|t| t.dyn_into::<EventSource>().ok()).is_some_and(|s| s.ready_state() == 2);
            if closed {
                LIVE.with(|live| start_polling(&mut live.borrow_mut()));
            }
        });
        live.listeners = vec![on_count, on_error];
        live.source = Some(source);
        live.poll = None;
    });
}

fn start_polling(live: &mut Live) {
    if live.poll.is_some() {
        return;
    }
    live.poll = Some(Interval::new(POLL_MS, || {
        let (origin, slugs) = LIVE.with(|live| {
            let live = live.borrow();
            (live.origin.clone(), live.slugs.clone())
        });
        for slug in slugs {
            let api = Api::new(&origin, &slug);
            wasm_bindgen_futures::spawn_local(async move {
                // A failed poll changes nothing; the next one may succeed.
                if let Ok(petition) = api.petition(None).await {
                    deliver(&CountUpdate {
                        slug: petition.slug,
                        signature_count: petition.signature_count,
                        goal: petition.goal,
                        milestones: petition.milestones,
                    });
                }
            });
        }
    }));
}

fn deliver(update: &CountUpdate) {
    for widget in crate::widgets_showing(&update.slug) {
        widget.live(update);
    }
}
