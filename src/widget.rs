//! One widget on a page: its shadow root, its state and its listeners. The
//! listeners are owned here and removed when the widget is dropped; their
//! closures hold only a `Weak` reference back, so nothing leaks.

use std::{
    cell::{Cell, RefCell},
    rc::{Rc, Weak},
};

use gloo_events::{EventListener, EventListenerOptions};
use js_sys::Promise;
use petition_core::{consent_text, milestones, validate, Milestone, Petition, SignatureRequest};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::{
    api::Api,
    dom::{attributes, by_id, element, focus, show},
    error::{Error, Result},
    form, format,
};

const STYLE: &str = include_str!("widget.css");
const TEMPLATE: &str = include_str!("widget.html");

/// A petition widget mounted in a host element.
pub struct Widget {
    host: Element,
    root: ShadowRoot,
    document: Document,
    api: Api,
    submitting: Cell<bool>,
    listeners: RefCell<Vec<EventListener>>,
}

impl Widget {
    /// Takes over `host`'s open shadow root (the loader's placeholder), or
    /// attaches one, and puts the widget's skeleton in it.
    pub fn create(host: Element, origin: &str, slug: &str) -> Result<Rc<Widget>> {
        let document = host.owner_document().ok_or_else(|| Error::Dom("host has no document".into()))?;
        let root = match host.shadow_root() {
            Some(root) => root,
            None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
        };
        root.set_inner_html(&format!("<style>{STYLE}</style>{TEMPLATE}"));
        let widget = Rc::new(Widget {
            host,
            root,
            document,
            api: Api::new(origin, slug),
            submitting: Cell::new(false),
            listeners: RefCell::new(Vec::new()),
        });
        widget.listen()?;
        Ok(widget)
    }

    /// The element the widget lives in.
    pub fn host(&self) -> &Element {
        &self.host
    }

    /// Fetches the petition and shows it, or says in words why it can't.
    pub async fn load(self: &Rc<Self>, prefetched: Option<Promise>) {
        let result = async {
            self.show_only("pw-loading")?;
            let petition = self.api.petition(prefetched).await?;
            self.render(&petition)
        }
        .await;
        if let Err(error) = result {
            self.problem(&error);
        }
    }

    fn listen(self: &Rc<Self>) -> Result<()> {
        let form: Element = by_id(&self.root, "pw-form")?;
        let retry: Element = by_id(&self.root, "pw-retry")?;
        let summary: Element = by_id(&self.root, "pw-error-list")?;
        let active = EventListenerOptions::enable_prevent_default();
        let weak = Rc::downgrade(self);
        let on_submit = EventListener::new_with_options(&form, "submit", active, move |event| {
            event.prevent_default();
            if let Some(widget) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(async move { widget.submit().await });
            }
        });
        let weak = Rc::downgrade(self);
        let on_retry = EventListener::new(&retry, "click", move |_| {
            if let Some(widget) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(async move { widget.load(None).await });
            }
        });
        let weak: Weak<Widget> = Rc::downgrade(self);
        let on_summary = EventListener::new_with_options(&summary, "click", active, move |event| {
            let (Some(widget), Some(target)) =
                (weak.upgrade(), event.target().and_then(|t| t.dyn_into::<Element>().ok()))
            else {
                return;
            };
            if form::follow_summary_link(&widget.root, &target) {
                event.prevent_default();
            }
        });
        self.listeners.borrow_mut().extend([on_submit, on_retry, on_summary]);
        Ok(())
    }

    fn render(&self, petition: &Petition) -> Result<()> {
        let text = |id: &str, value: &str| -> Result<()> {
            by_id::<Element>(&self.root, id)?.set_text_content(Some(value));
            Ok(())
        };
        text("pw-target", &petition.target)?;
        text("pw-title", &petition.title)?;
        text("pw-summary", &petition.summary)?;
        let body: Element = by_id(&self.root, "pw-body")?;
        body.set_text_content(None);
        for paragraph in &petition.body {
            let paragraph = element(&self.document, "p", "", paragraph)?;
            body.append_child(&paragraph)?;
        }
        show(&by_id(&self.root, "pw-why")?, !petition.body.is_empty())?;
        let supported = if petition.supported_by.is_empty() {
            String::new()
        } else {
            format!("Supported by {}.", list_in_words(&petition.supported_by))
        };
        text("pw-supported", &supported)?;
        text("pw-consent-label", &consent_text(&petition.organiser))?;
        text(
            "pw-privacy",
            &format!(
                "{} will use your details only for this petition, and to send you updates if you tick the box. \
                 Your name and email address are never shown publicly.",
                petition.organiser
            ),
        )?;
        form::build(&self.root, &self.document, petition.ask_profession)?;
        self.render_count(petition.signature_count, petition.goal, &petition.milestones)?;
        self.show_only("pw-ready")
    }

    fn render_count(&self, count: u64, goal: u64, milestones: &[Milestone]) -> Result<()> {
        by_id::<Element>(&self.root, "pw-count-number")?.set_text_content(Some(&format::number(count)));
        let words = if count == 1 { "signature" } else { "signatures" };
        by_id::<Element>(&self.root, "pw-count-words")?.set_text_content(Some(words));
        let bar: Element = by_id(&self.root, "pw-bar")?;
        attributes(
            &bar,
            &[
                ("aria-valuenow", &count.min(goal).to_string()),
                ("aria-valuemax", &goal.to_string()),
                ("aria-valuetext", &format!("{} of {}", format::number(count), format::signatures(goal))),
                ("aria-label", "Progress towards the goal"),
            ],
        )?;
        let permille = milestones::progress_permille(count, goal);
        let fill: HtmlElement = by_id(&self.root, "pw-fill")?;
        fill.style().set_property("width", &format!("{}.{}%", permille / 10, permille % 10))?;
        by_id::<Element>(&self.root, "pw-goal")?
            .set_text_content(Some(&format!("Help us reach {}", format::signatures(goal))));

        let timeline: Element = by_id(&self.root, "pw-timeline")?;
        timeline.set_text_content(None);
        if let Some(next) = milestones.iter().find(|m| m.count > count) {
            let item = element(&self.document, "li", "pw-next", &format!("Next milestone: {}", format::signatures(next.count)))?;
            timeline.append_child(&item)?;
        }
        for milestone in milestones.iter().rev().filter(|m| m.count <= count) {
            let item = element(&self.document, "li", "", &format!("{} reached", format::signatures(milestone.count)))?;
            if let Some(when) = milestone.reached_at.as_deref().and_then(|at| format::date_time(at).map(|t| (at, t))) {
                item.append_child(&self.document.create_text_node(" · "))?;
                let time = element(&self.document, "time", "", &when.1)?;
                time.set_attribute("datetime", when.0)?;
                item.append_child(&time)?;
            }
            timeline.append_child(&item)?;
        }
        Ok(())
    }

    async fn submit(self: Rc<Self>) {
        if self.submitting.get() {
            return;
        }
        let request = form::read(&self.root);
        let result = match validate(&request) {
            Err(errors) => form::show_errors(&self.root, &self.document, &errors),
            Ok(_) => {
                self.submitting.set(true);
                let result = self.send(&request).await;
                self.submitting.set(false);
                result
            }
        };
        if let Err(error) = result {
            self.problem(&error);
        }
    }

    async fn send(&self, request: &SignatureRequest) -> Result<()> {
        form::show_errors(&self.root, &self.document, &[])?;
        let problem: Element = by_id(&self.root, "pw-form-problem")?;
        show(&problem, false)?;
        let button: Element = by_id(&self.root, "pw-submit")?;
        button.set_attribute("aria-disabled", "true")?;
        button.set_text_content(Some("Signing…"));
        self.announce("Sending your signature…")?;
        let answer = self.api.sign(request).await;
        button.remove_attribute("aria-disabled")?;
        button.set_text_content(Some("Sign the petition"));
        match answer {
            Ok(receipt) => {
                self.render_count(receipt.signature_count, receipt.goal, &receipt.milestones)?;
                show(&by_id(&self.root, "pw-form")?, false)?;
                let thanks: Element = by_id(&self.root, "pw-thanks")?;
                let name = request.first_name.trim();
                let message = format!(
                    "{} signature is on the petition, with {} in all. Help us reach {}: share it with people you know.",
                    if name.is_empty() { "Your".to_owned() } else { format!("{name}, your") },
                    format::signatures(receipt.signature_count),
                    format::number(receipt.goal),
                );
                by_id::<Element>(&self.root, "pw-thanks-text")?.set_text_content(Some(&message));
                show(&thanks, true)?;
                focus(&thanks);
                self.announce(&format!(
                    "Thank you for signing. The petition now has {}.",
                    format::signatures(receipt.signature_count)
                ))
            }
            Err(Error::Invalid(errors)) => {
                self.announce("")?;
                form::show_errors(&self.root, &self.document, &errors)
            }
            Err(error) => {
                problem.set_text_content(Some(&format!(
                    "{} Your signature has not been sent yet; what you typed is still here.",
                    error.message()
                )));
                show(&problem, true)?;
                self.announce("")
            }
        }
    }

    fn show_only(&self, id: &str) -> Result<()> {
        for section in ["pw-loading", "pw-problem", "pw-ready"] {
            show(&by_id(&self.root, section)?, section == id)?;
        }
        Ok(())
    }

    fn announce(&self, words: &str) -> Result<()> {
        by_id::<Element>(&self.root, "pw-live")?.set_text_content(Some(words));
        Ok(())
    }

    /// Shows an error in words. A failure to show even that is swallowed: the
    /// host page must never see an exception from the widget.
    fn problem(&self, error: &Error) {
        if let Error::Dom(detail) = error {
            web_sys::console::error_1(&format!("petition widget: {detail}").into());
        }
        let shown = (|| -> Result<()> {
            by_id::<Element>(&self.root, "pw-problem-text")?.set_text_content(Some(&error.message()));
            self.show_only("pw-problem")
        })();
        if shown.is_err() {
            self.root.set_text_content(Some(&error.message()));
        }
    }
}

/// `["A"]` → "A", `["A", "B", "C"]` → "A, B and C".
fn list_in_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
