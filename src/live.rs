//! The live count: one `EventSource` for every widget on the page, whatever
//! petitions they show, falling back to polling when a stream can't be had.
//!
//! Each widget holds a [`Watch`] from [`watch`] while it shows a petition; the
//! connection is (re)opened once the current round of mounting is over, so a
//! page whose widgets mount together opens one stream for all of them. When
//! the last widget showing a petition lets go, the petition is dropped; when
//! the last widget of all lets go, the stream is closed and every timer with it.

use std::cell::RefCell;

use petition_core::{concat, CountUpdate};
use wasm_bindgen::JsCast;
use web_sys::EventSource;

use crate::api::Api;
use crate::dom::{Listener, Timer};

/// How often to ask for the count when there is no stream: often enough to
/// feel alive, rare enough not to load the server.
const POLL_MS: u32 = 10_000;

struct Live {
    origin: String,
    /// Counts which [`Watch`]es belong to this state: a widget still holding
    /// one from before a change of server must not let go of the new one's.
    generation: u32,
    /// The petition of each [`Watch`], so as many times as widgets show it
    /// (each followed once: see [`Live::followed`]).
    watchers: Vec<String>,
    source: Option<EventSource>,
    listeners: Vec<Listener>,
    reconnect: Option<Timer>,
    poll: Option<Timer>,
}

impl Live {
    /// Nothing followed: a constant, so that `LIVE` is a `const`
    /// thread-local, with no lazy initialisation in the wasm (as the task
    /// queue's).
    const NONE: Live = Live {
        origin: String::new(),
        generation: 0,
        watchers: Vec::new(),
        source: None,
        listeners: Vec::new(),
        reconnect: None,
        poll: None,
    };

    /// Stops everything (the stream, its listeners, the timers) and starts
    /// over for `origin`.
    fn reset(&mut self, origin: String) {
        // Dropping an `EventSource` doesn't close it: the browser keeps the
        // connection (and reconnects it) until `close()`.
        if let Some(source) = self.source.take() {
            source.close();
        }
        *self = Live { origin, generation: self.generation.wrapping_add(1), ..Live::NONE };
    }

    /// Whether the watcher at `at` is the first of its petition: each
    /// petition is followed once, however many widgets show it. (A second
    /// list of petitions would need std's `retain` to keep it, 0.2 KB of wasm.)
    fn followed(&self, at: usize) -> bool {
        !self.watchers[..at].contains(&self.watchers[at])
    }

    /// The event stream's address: every petition followed, once.
    fn stream_url(&self) -> String {
        // Joined by hand: std's `join` over `String`s would be a second copy
        // of its joining code beside the one for `&str`s (−0.3 KB raw).
        let mut joined = String::new();
        for (at, slug) in self.watchers.iter().enumerate() {
            if !self.followed(at) {
                continue;
            }
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(slug);
        }
        let slugs = crate::dom::encode(&joined);
        concat(&[self.origin.as_str(), "/api/events?petitions=", &slugs])
    }
}

thread_local! {
    static LIVE: RefCell<Live> = const { RefCell::new(Live::NONE) };
}

/// One widget following one petition's count; dropping it stops following.
pub struct Watch {
    generation: u32,
    slug: String,
}

/// Follows `slug`'s count on the server at `origin` until the `Watch` is dropped.
pub fn watch(origin: &str, slug: &str) -> Watch {
    LIVE.with(|live| {
        let mut live = live.borrow_mut();
        if live.origin != origin {
            // Widgets come from one server per page; if not, the newest wins
            // the stream and the others keep the count they loaded.
            live.reset(origin.to_owned());
        }
        live.watchers.push(slug.to_owned());
        // Reopened even for a petition already followed: the stream sends
        // each petition's state on connecting, and a widget mounted later
        // may hold a petition from the browser's cache, seconds old. Widgets
        // mounted together still share one connection.
        if live.reconnect.is_none() {
            live.reconnect = Some(Timer::after(0, connect));
        }
        Watch { generation: live.generation, slug: slug.to_owned() }
    })
}

impl Drop for Watch {
    fn drop(&mut self) {
        LIVE.with(|live| {
            let mut live = live.borrow_mut();
            if live.generation != self.generation {
                return;
            }
            if let Some(at) = live.watchers.iter().position(|s| *s == self.slug) {
                live.watchers.swap_remove(at);
            }
            // With widgets left, the stream keeps its address (with this
            // petition in it, if no widget shows it any more) until the next
            // round of mounting reopens it: a count for nobody is ignored, and
            // a connection not reopened is worth more than a few bytes.
            if live.watchers.is_empty() {
                live.reset(String::new());
            }
        });
    }
}

fn connect() {
    LIVE.with(|live| {
        let mut live = live.borrow_mut();
        live.reconnect = None;
        live.listeners.clear();
        if let Some(old) = live.source.take() {
            old.close();
        }
        let has_event_source = crate::dom::has(&crate::dom::window(), "EventSource");
        let url = live.stream_url();
        let source = if has_event_source { EventSource::new(&url).ok() } else { None };
        let Some(source) = source else {
            start_polling(&mut live);
            return;
        };
        let on_count = Listener::new(&source, "count", |event| {
            // An event of an EventSource is a MessageEvent, with its `data`.
            let Some(data) = crate::dom::get(&event, "data").as_string() else { return };
            let update = js_sys::JSON::parse(&data).ok().and_then(|v| crate::json::read(&v));
            if let Some(update) = update {
                deliver(&update);
            }
        });
        // The browser reconnects a dropped stream by itself; a stream that is
        // closed for good (refused, wrong type) turns into polling.
        let on_error = Listener::new(&source, "error", |event| {
            let closed = event.target().is_some_and(|t| t.unchecked_into::<EventSource>().ready_state() == 2);
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
    live.poll = Some(Timer::every(POLL_MS, || {
        // (Spawned while `LIVE` is borrowed: a task is first polled in a
        // microtask, after this.)
        LIVE.with(|live| {
            let live = live.borrow();
            for (at, slug) in live.watchers.iter().enumerate() {
                if !live.followed(at) {
                    continue;
                }
                let api = Api::new(&live.origin, slug);
                crate::task::spawn(async move {
                    // A failed poll changes nothing; the next one may succeed.
                    if let Ok(petition) = api.petition(None, &api.petition_url(&[])).await {
                        deliver(&CountUpdate {
                            slug: petition.slug,
                            signature_count: petition.signature_count,
                            goal: petition.goal,
                            milestones: petition.milestones,
                        });
                    }
                });
            }
        });
    }));
}

fn deliver(update: &CountUpdate) {
    for widget in crate::widgets_showing(&update.slug) {
        widget.live(update);
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// What the server is asked for when widgets come and go: each petition
    /// shown once, whatever number of widgets show it, and none that no
    /// widget shows any more.
    #[wasm_bindgen_test]
    fn the_stream_follows_each_petition_shown_once() {
        let mut live = Live { origin: "https://petition.example".into(), ..Live::NONE };
        for slug in ["stop-sharing", "scrap-upfront-charging", "stop-sharing", "stop-sharing"] {
            live.watchers.push(slug.into());
        }
        assert_eq!(
            live.stream_url(),
            "https://petition.example/api/events?petitions=stop-sharing%2Cscrap-upfront-charging"
        );
        // As a `Watch` lets go of its own.
        live.watchers.swap_remove(1);
        assert_eq!(live.stream_url(), "https://petition.example/api/events?petitions=stop-sharing");
        live.watchers.swap_remove(0);
        live.watchers.push("scrap-upfront-charging".into());
        assert_eq!(
            live.stream_url(),
            "https://petition.example/api/events?petitions=stop-sharing%2Cscrap-upfront-charging"
        );
    }
}
