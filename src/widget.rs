//! One widget on a page: its shadow root, its state and its listeners. The
//! listeners are owned here and removed when the widget is dropped; their
//! closures hold only a `Weak` reference back, so nothing leaks. [`Widget::stop`]
//! ends everything the widget started, even while a request under way still
//! holds it.

use std::{
    cell::{Cell, RefCell},
    rc::{Rc, Weak},
};

use js_sys::Promise;
use petition_core::{concat, email_suggestion, pieces, lang::text, share_source, validate, CountUpdate, FieldError, Petition, SignatureRequest};
use wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use web_sys::{Document, Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::{
    api::{self, Api},
    dom::{by_id, closest, focus, link, remove_attribute, sandboxed, set_attribute, show, show_id, text_id, Listener, Timer},
    error::{Error, Result},
    form,
    i18n::{self, Lang, Wanted},
    live, memory,
    proof::Solver,
    view::{share_url, shareable, View},
};

/// `src/widget.css`, without its comments and needless spaces (see build.rs).
pub(crate) const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.css"));
/// `src/widget.html`, without its indentation.
pub(crate) const TEMPLATE: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.html"));

#[wasm_bindgen]
extern "C" {
    /// The widget's second part, the code of signing, the full thank-you,
    /// sharing and the email suggestion (split out by the build,
    /// `xtask/src/split.rs`): a promise of it, loaded once (asked for when
    /// the widget is first focused, `Widget::focused`; a failure is
    /// forgotten, so the next call asks again).
    /// The build's glue defines it; wasm-bindgen's own, which the tests use
    /// with the whole code in one wasm, doesn't, and then calling it throws.
    #[wasm_bindgen(catch, js_name = part)]
    fn load_part() -> std::result::Result<Promise, JsValue>;
}

/// A petition widget mounted in a host element.
pub struct Widget {
    host: Element,
    root: ShadowRoot,
    document: Document,
    origin: String,
    /// The server the widget's own files (and language files) come from.
    pkg: String,
    slug: String,
    /// `data-partner` on the host, if any.
    partner: Option<String>,
    api: Api,
    petition: RefCell<Option<Petition>>,
    /// The languages wanted, and the one spoken.
    wanted: RefCell<Wanted>,
    lang: RefCell<Rc<Lang>>,
    /// The field errors on show, to word again in another language.
    errors: RefCell<Vec<FieldError>>,
    /// The thank-you on show: the first name it greets, and whether it is
    /// a later visit's.
    thanked: RefCell<Option<(String, bool)>>,
    submitting: Cell<bool>,
    /// The `memory::queued` marks of the signature this widget kept in the
    /// browser from its own form, and of one it took from there to send
    /// (another tab's or an earlier visit's), last; see `keep`.
    kept: Cell<u32>,
    taken: Cell<u32>,
    /// How many tries of a kept signature were set since one was last
    /// sent: the latest try's number, which a try checks is still the
    /// latest before it goes (see `try_later`).
    retries: Cell<u32>,
    /// The person has changed the form since "Sign" last sent what it
    /// held (a press that finds a mistake, or comes while a signature is
    /// on its way, sends nothing): no kept copy goes by itself over it.
    edited: Cell<bool>,
    listeners: RefCell<Vec<Listener>>,
    /// The pending fill of dates after a render (see `format::fill_dates`).
    dates: RefCell<Option<Timer>>,
    /// The proof of work for the next signature, under way.
    solver: RefCell<Option<Rc<Solver>>>,
    /// The loader's fetch of the first challenge, until the widget is first
    /// focused (see `focused`).
    challenge: RefCell<Option<Promise>>,
    focused: Cell<bool>,
    /// Its place in the page's live count, once the petition is shown.
    watch: RefCell<Option<live::Watch>>,
    /// Unmounted: a request still under way may finish, but nothing new starts.
    stopped: Cell<bool>,
}

impl Widget {
    /// Takes over `host`'s open shadow root (the loader's placeholder), or
    /// attaches one, and puts the widget's skeleton in it through `policy`
    /// (see `dom::Policy`). `origin` is the petition server's, `pkg` the one
    /// the widget's files came from.
    pub fn create(host: Element, origin: &str, pkg: &str, policy: &crate::dom::Policy) -> Result<Rc<Widget>> {
        // (An element always has a document.)
        let document = host.owner_document().unwrap();
        let root = match host.shadow_root() {
            Some(root) => root,
            None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
        };
        crate::dom::skeleton(&root, STYLE, TEMPLATE, policy);
        let slug = host.get_attribute("data-petition").unwrap_or_default();
        let partner = host.get_attribute("data-partner").filter(|p| !p.is_empty());
        let widget = Rc::new(Widget {
            api: Api::new(origin, &slug),
            origin: origin.to_owned(),
            pkg: crate::api::without_slashes(pkg).to_owned(),
            wanted: RefCell::new(Wanted::of(&host, origin)),
            lang: RefCell::new(Rc::new(Lang::english())),
            errors: RefCell::new(Vec::new()),
            thanked: RefCell::new(None),
            slug,
            partner,
            host,
            root,
            document,
            petition: RefCell::new(None),
            submitting: Cell::new(false),
            kept: Cell::new(0),
            taken: Cell::new(0),
            retries: Cell::new(0),
            edited: Cell::new(false),
            listeners: RefCell::new(Vec::new()),
            dates: RefCell::new(None),
            solver: RefCell::new(None),
            challenge: RefCell::new(None),
            focused: Cell::new(false),
            watch: RefCell::new(None),
            stopped: Cell::new(false),
        });
        widget.listen();
        Ok(widget)
    }

    /// The element the widget lives in.
    pub fn host(&self) -> &Element {
        &self.host
    }

    /// The petition it shows.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// Stops everything the widget started: its listeners, timers, proof of
    /// work and live count. A future still holding the widget (a request
    /// under way, which ends within its timeout) finds it stopped and starts
    /// nothing more.
    pub fn stop(&self) {
        self.stopped.set(true);
        self.listeners.take();
        self.dates.take();
        self.solver.take();
        self.watch.take();
    }

    fn view<'a>(&'a self, lang: &'a Lang) -> View<'a> {
        View {
            root: &self.root,
            document: &self.document,
            origin: &self.origin,
            lang,
        }
    }

    /// The language the widget speaks.
    fn lang(&self) -> Rc<Lang> {
        self.lang.borrow().clone()
    }

    /// Language `code`: English at once; another from its file (`prefetched`
    /// if the loader started that fetch; the browser keeps it, so a second
    /// widget or a switch back costs no download); English, quietly, if the
    /// file can't be had.
    async fn language(&self, code: &str, prefetched: Option<Promise>) -> Rc<Lang> {
        let lang = if code == petition_core::lang::ENGLISH {
            None
        } else {
            let file = api::file(prefetched, &i18n::file_url(&self.pkg, code)).await;
            file.as_ref().and_then(|file| Lang::from_file(code, file))
        };
        Rc::new(lang.unwrap_or_else(Lang::english))
    }

    /// Speaks `lang` from now on: the skeleton's words at once.
    fn speak(&self, lang: Rc<Lang>) {
        *self.lang.borrow_mut() = lang;
        let lang = self.lang();
        self.view(&lang).words();
        text_id(&self.root, "pw-lang-name", &lang.name);
    }

    /// Draws `petition` (all but the thank-you) in the widget's language.
    fn render(&self, petition: &Petition) {
        let lang = self.lang();
        form::show_profession(&self.root, petition.ask_profession);
        let remove = concat(&[&self.origin, "/remove"]);
        let remove_link = by_id(&self.root, "pw-remove");
        if sandboxed() {
            remove_attribute(&remove_link, "href");
            remove_link.set_text_content(Some(&lang.fill(&text::REMOVE_AT, &[("url", &lang.isolate(&remove))])));
        } else {
            link(&remove_link, &lang.t(&text::REMOVE_LINK), &remove);
        }
        // Where www/languages.js finds every language there is.
        let index = concat(&[&self.pkg, "/pkg/lang/", text::FILES_DIGEST, "/index.json"]);
        set_attribute(&by_id(&self.root, "pw-lang-list"), "data-index", &index);
        self.view(&lang).petition(petition, self.partner.as_deref())
    }

    /// Fetches the petition and shows it (with the form, the thank-you of a
    /// browser that has signed, or a signature waiting to be sent), or says in
    /// words why it can't; and once it is on screen, keeps the challenge for
    /// the first signature until someone moves into the form (`focused`).
    /// `prefetched`, `challenge` and `words` (the language
    /// file) are the loader's fetches, under way together. The language is
    /// chosen first, so the petition is drawn once, in it.
    async fn load(self: &Rc<Self>, prefetched: Option<Promise>, challenge: Option<Promise>, words: Option<Promise>) {
        let result = async {
            // A petition on show stays while it is fetched again (in another
            // language), and what was typed and ticked goes back in after.
            let shown = self.petition.borrow().is_some();
            if !shown {
                self.show_only("pw-loading");
            }
            let typed = shown.then(|| form::read(&self.root));
            let (url, code) = {
                let wanted = self.wanted.borrow();
                let list = wanted.list();
                (self.api.petition_url(&list), Wanted::pick(&list))
            };
            // Both under way at once: the petition, and the language file.
            let prefetched = Some(prefetched.unwrap_or_else(|| api::start(&url)));
            if let Some(code) = code {
                self.speak(self.language(code, words).await);
            }
            let mut petition = self.api.petition(prefetched, &url).await?;
            if code.is_none() {
                // None of the wishes is a language the widget has: the petition's own.
                let own = Wanted::pick(petition.languages.first().map(String::as_str).as_slice());
                self.speak(self.language(own.unwrap_or(petition_core::lang::ENGLISH), None).await);
            }
            if self.stopped.get() {
                return Ok(());
            }
            // The count only ever rises (this answer may be from a cache):
            // a higher one on show stays, with its goal and milestones (taken,
            // not copied: the new petition replaces the old just below).
            if let Some(old) = self.petition.borrow_mut().as_mut().filter(|old| old.signature_count > petition.signature_count) {
                petition.signature_count = old.signature_count;
                petition.goal = old.goal;
                petition.milestones = std::mem::take(&mut old.milestones);
            }
            self.render(&petition);
            *self.petition.borrow_mut() = Some(petition);
            self.show_only("pw-ready");
            // The form works from here (`cargo xtask bench` waits for this).
            set_attribute(&by_id(&self.root, "pw"), "data-ready", "");
            // The proof of work starts when someone moves into the widget
            // (`focused`), not here: the search's slices of hashing took
            // 25–90 ms of the main thread from drawing the petition
            // (profiled in Chromium), and a reader who never signs needs none.
            if challenge.is_some() {
                *self.challenge.borrow_mut() = challenge;
            }
            self.fill_dates_soon();
            self.offer();
            *self.watch.borrow_mut() = Some(live::watch(&self.origin, &self.slug));
            if let Some(typed) = typed {
                form::fill(&self.root, &typed, Some(typed.partner_consent));
                form::show_errors(&self.root, &self.document, &self.lang(), &self.errors.borrow(), false);
                if !typed.email.is_empty() {
                    self.suggest_soon();
                }
                let thanked = self.thanked.borrow().clone();
                if let Some((name, remembered)) = thanked {
                    self.thank_soon(name, remembered);
                }
            } else if let Some((waiting, mark)) = memory::queued(&self.origin, &self.slug) {
                self.taken.set(mark);
                // Consent to a partner's updates is that partner's: this
                // page's box stays unticked for another partner's signature
                // (which still goes with its own).
                let ours = Some(&waiting.partner) == self.partner.as_ref();
                form::fill(&self.root, &waiting, Some(waiting.partner_consent && ours));
                // Sent by a task of its own: the loader wires the language
                // control once this load is done, which must not wait for
                // the proof of work and the server's answer.
                self.submit_soon(waiting);
            } else if memory::has_signed(&self.origin, &self.slug) {
                self.thank_soon(String::new(), true);
            }
            Ok(())
        }
        .await;
        if let Err(error) = result {
            self.problem(&error);
        }
    }

    /// Someone has moved into the widget (a field, a button) for the first
    /// time: the second part is asked for, to be there when they sign, and
    /// once it has come, the proof of work for their signature starts.
    fn focused(self: &Rc<Self>, _: &web_sys::Event) {
        if !self.focused.replace(true) {
            self.with_part_or(
                |widget| widget.first_challenge(widget.challenge.take()),
                // Asked for again at the next focus.
                |widget| widget.focused.set(false),
            );
        }
    }

    /// Starts the proof of work for the first signature, answered while the
    /// person types: the loader fetched the challenge beside the petition
    /// (the petition is the same for everyone and may come from a cache; the
    /// challenge is this visitor's). If it can't be had now, signing fetches
    /// one (see `sign_once`). A widget that already has one keeps it. The
    /// second part's, as the full thank-you is (see `show_thanks`).
    #[inline(never)]
    fn first_challenge(self: &Rc<Self>, prefetched: Option<Promise>) {
        if self.solver.borrow().is_some() {
            return;
        }
        let widget = self.clone();
        crate::task::spawn(async move {
            // When the loader's fetch of it was answered (`www/embed.js`
            // marks its responses with the time), else now: the server holds
            // back a signature sent sooner than `min_seconds` after that, and
            // the person has been reading since, which a solver counting from
            // the first focus would make them wait out again.
            let mut arrived = js_sys::Date::now();
            if let Some(promise) = &prefetched {
                if let Ok(response) = crate::task::Settled::new(promise).await {
                    arrived = crate::dom::get(&response, "at").as_f64().unwrap_or(arrived);
                }
            }
            let Ok(challenge) = widget.api.challenge(prefetched).await else { return };
            // Unmounted meanwhile, or a signature already fetched its own
            // (`renew_challenge`) and may be waiting on it: nothing to do.
            if !widget.stopped.get() && widget.solver.borrow().is_none() {
                *widget.solver.borrow_mut() = Some(Rc::new(Solver::start(challenge, arrived)));
            }
        });
    }

    /// A new count from the live stream.
    pub fn live(&self, update: &CountUpdate) {
        let mut petition = self.petition.borrow_mut();
        let Some(petition) = petition.as_mut() else { return };
        // Updates can arrive out of order (a stream and a receipt racing);
        // the count only ever rises.
        if update.signature_count < petition.signature_count {
            return;
        }
        petition.signature_count = update.signature_count;
        petition.goal = update.goal;
        // Pushed one by one: `clone_from` brought std's slice cloning.
        petition.milestones.clear();
        for milestone in &update.milestones {
            petition.milestones.push(milestone.clone());
        }
        self.view(&self.lang()).count(petition);
        self.fill_dates_soon();
    }

    /// Dates are put in words just after the widget is on screen, not while
    /// it is first drawn: the browser's first `Intl` formatter is slow.
    fn fill_dates_soon(&self) {
        if self.stopped.get() {
            return;
        }
        let root = self.root.clone();
        let lang = self.lang();
        *self.dates.borrow_mut() = Some(Timer::after(0, move || crate::format::fill_dates(&root, lang.locale())));
    }

    fn listen(self: &Rc<Self>) {
        let on = |target: &web_sys::EventTarget, event: &'static str, handler: fn(&Rc<Widget>, &web_sys::Event)| {
            let weak: Weak<Widget> = Rc::downgrade(self);
            Listener::new(target, event, move |e| {
                if let Some(widget) = weak.upgrade() {
                    handler(&widget, &e);
                }
            })
        };
        let element = |id: &str| web_sys::EventTarget::from(by_id(&self.root, id));
        let window = crate::dom::window();
        let listeners = vec![
            // `requestSubmit()`, and submission the button's click didn't cancel.
            on(&element("pw-form"), "submit", Widget::sign),
            // The button's own click signs, not the form's submission, which
            // a sandbox without `allow-forms` (WordPress's) never starts.
            // Enter in a field clicks the form's default button, so it signs
            // too; cancelling the click means no submit event follows.
            // Every button and link of the widget's own, by one listener.
            on(&self.root, "click", Widget::click),
            on(&self.root, "focusin", Widget::focused),
            // What the person changes (a field, a box, as they type) is
            // theirs to send by "Sign": no kept copy goes over it by itself
            // (see `changed`).
            on(&element("pw-form"), "input", |widget, _| widget.changed()),
            on(&element("pw-fields"), "change", |widget, event| {
                let is_email = crate::dom::target(event).is_some_and(|t| t.get_attribute("id").as_deref() == Some("pw-email"));
                if is_email {
                    widget.suggest_soon();
                }
            }),
            // A signature this widget kept, or took up to send (and has
            // not since had another typed over it), goes as soon as the
            // browser is back online, unless the person has changed the
            // form since (see `resend`). (Another tab's or widget's goes
            // from there, or when the petition is next shown.)
            on(&window, "online", |widget, _| widget.resend()),
        ];
        *self.listeners.borrow_mut() = listeners;
    }

    /// A click in the widget: on a button or link of its own, that control's work.
    fn click(self: &Rc<Self>, event: &web_sys::Event) {
        let Some(control) = crate::dom::target(event).and_then(|target| closest(&target, "button,a")) else { return };
        match control.get_attribute("id").unwrap_or_default().as_str() {
            // The button's own click signs, not the form's submission, which
            // a sandbox without `allow-forms` (WordPress's) never starts.
            // Enter in a field clicks the form's default button, so it signs
            // too; cancelling the click means no submit event follows.
            "pw-submit" => self.sign(event),
            "pw-retry" => self.reload(false),
            "pw-copy" => self.copy_link(),
            "pw-native-share" => self.native_share(),
            "pw-again" => self.again(),
            _ => {
                if let Some(suggestion) = control.get_attribute("data-suggestion") {
                    self.accept_suggestion(&suggestion);
                } else if form::follow_summary_link(&self.root, &control) {
                    event.prevent_default();
                }
            }
        }
    }

    /// "Someone else wants to sign on this device": an empty form again.
    #[inline(never)]
    fn again(self: &Rc<Self>) {
        memory::set_signed(&self.origin, &self.slug, false);
        // The last signature spent the challenge: the next person
        // needs a new one, answered while they type.
        let renewing = self.clone();
        crate::task::spawn(async move {
            renewing.renew_challenge().await.ok();
        });
        self.thanked.take();
        self.errors.borrow_mut().clear();
        // The form as it was first drawn: its fields empty, no error or
        // suggestion on show (the consents below them stay as they are).
        form::fill(&self.root, &SignatureRequest::default(), None);
        form::show_suggestion(&self.root, &self.document, &self.lang(), None);
        form::show_errors(&self.root, &self.document, &self.lang(), &[], false);
        show_id(&self.root, "pw-thanks", false);
        show_id(&self.root, "pw-form", true);
        focus(&by_id(&self.root, "pw-first_name"));
    }

    /// Signs, instead of what `event` would have done.
    fn sign(self: &Rc<Self>, event: &web_sys::Event) {
        event.prevent_default();
        self.submit();
    }

    /// Suggests a likely address for one that looks mistyped ("did you
    /// mean …@gmail.com?"), once the second part, which does that, has come.
    fn suggest_soon(self: &Rc<Self>) {
        self.with_part(Widget::suggest_email);
    }

    // The second part's, as the full thank-you is (see `show_thanks`): a
    // page at rest loads none of the edit distance behind it.
    #[inline(never)]
    fn suggest_email(self: &Rc<Self>) {
        let email = form::read(&self.root).email;
        form::show_suggestion(&self.root, &self.document, &self.lang(), email_suggestion(&email).as_deref());
    }

    // Only the suggestion, which the second part draws, has this button.
    #[inline(never)]
    fn accept_suggestion(&self, suggestion: &str) {
        self.changed();
        form::accept_suggestion(&self.root, suggestion);
    }

    /// The person changed the form: what it holds goes only by their
    /// "Sign" (see `edited`), so the words of the last send (that the
    /// signature is saved and goes by itself, or why it was not taken) are
    /// no longer about what the form holds; their next "Sign" says its own.
    fn changed(&self) {
        self.edited.set(true);
        show_id(&self.root, "pw-form-problem", false);
    }

    /// Shows `errors` (none: hides them), moving focus to their summary.
    fn show_errors(&self, errors: Vec<FieldError>) {
        form::show_errors(&self.root, &self.document, &self.lang(), &errors, true);
        *self.errors.borrow_mut() = errors;
    }

    fn submit(self: &Rc<Self>) {
        let mut request = form::read(&self.root);
        // Where it was made, and the language the person read the form in:
        // a signature kept in the browser goes by itself with its own,
        // unchanged, from whichever page sends it (and another tab that
        // kept it still knows its text); sent by hand, it is what the form
        // holds, from this page.
        request.partner = self.partner.clone().unwrap_or_default();
        request.partner_consent = request.partner_consent && self.partner.is_some();
        request.source = page_source();
        request.lang.clone_from(&self.lang().code);
        match validate(&request) {
            // `edited` stays as it is: what was changed is not sent yet.
            Err(errors) => self.show_errors(errors),
            Ok(_) => {
                // What the form holds goes (and is kept in place of this
                // widget's copy before it, see `keep`). A press while a
                // signature is on its way is not taken, see `submit_request`:
                // what was changed is still not sent.
                if !self.submitting.get() {
                    self.edited.set(false);
                }
                self.suggest_soon();
                self.submit_soon(request);
            }
        }
    }

    /// Sends the signature kept in the browser by itself if it is this
    /// widget's to send: the one it kept, or took up (and has not since had
    /// another typed over), from a widget still on the page whose form the
    /// person has not changed since (see `edited`).
    fn resend(self: &Rc<Self>) {
        if self.edited.get() || self.stopped.get() {
            return;
        }
        match memory::queued(&self.origin, &self.slug) {
            Some((waiting, mark)) if mark == self.kept.get() || mark == self.taken.get() => self.submit_soon(waiting),
            _ => {}
        }
    }

    /// Sends `request` by a task of its own.
    fn submit_soon(self: &Rc<Self>, request: SignatureRequest) {
        let widget = self.clone();
        crate::task::spawn(async move { widget.submit_request(request).await });
    }

    /// Sends a signature, keeping it in the browser if the server can't be
    /// reached so it goes when the connection is back (unless the person
    /// changes the form meanwhile, see `edited`).
    async fn submit_request(self: &Rc<Self>, request: SignatureRequest) {
        if self.submitting.replace(true) {
            return;
        }
        self.sending(true);
        // Sending is the second part's code (with the proof's answer and the
        // request), there by now as a rule: the widget asked for it when it
        // was first focused. Kept in the browser until the server has it
        // (if another person's is not kept there; see `keep`), so a page
        // closed while the part comes loses nothing; where the
        // part can't come (the glue gives up after a timeout), the
        // connection is gone: kept, as when the server can't be reached.
        self.keep(&request);
        if part_here().await {
            self.send_soon(request);
        } else {
            self.sending(false);
            self.not_sent(&request, &Error::Unreachable);
            self.submitting.set(false);
        }
    }

    /// The form while a signature is on its way (`on`): no error on show,
    /// the button saying so, the words announced; or the button as before.
    fn sending(&self, on: bool) {
        let button = by_id(&self.root, "pw-submit");
        let lang = self.lang();
        if on {
            self.show_errors(Vec::new());
            show_id(&self.root, "pw-form-problem", false);
            set_attribute(&button, "aria-disabled", "true");
            self.announce(&lang.t(&text::SENDING));
        } else {
            remove_attribute(&button, "aria-disabled");
        }
        button.set_text_content(Some(&lang.t(if on { &text::SIGNING } else { &text::SIGN })));
    }

    // The second part's, as the full thank-you is (see `show_thanks`).
    #[inline(never)]
    fn send_soon(self: &Rc<Self>, request: SignatureRequest) {
        let widget = self.clone();
        crate::task::spawn(async move {
            widget.send(&request).await;
            widget.submitting.set(false);
        });
    }

    /// Keeps `request` in the browser, to go by itself once the connection
    /// is back (see `try_later`), and says why it has not gone (`error`)
    /// beside the button. If the person changed the form while it was on
    /// its way, nothing goes by itself over that (see `edited`), and the
    /// words do not say it will.
    /// (`submit_request` kept it already if it could, but the browser
    /// keeps one signature per petition, and another tab or widget of it
    /// may have sent or kept one there meanwhile: kept again, if it can
    /// be, before the words say whether it is.)
    fn not_sent(self: &Rc<Self>, request: &SignatureRequest, error: &Error) {
        let lang = self.lang();
        let queued = self.keep(request) && !self.edited.get();
        if queued {
            self.try_later();
        }
        let next = lang.t(if queued { &text::QUEUED } else { &text::NOT_SENT });
        let problem = by_id(&self.root, "pw-form-problem");
        problem.set_text_content(Some(&concat(&[&error.message(&lang), " ", &next])));
        show(&problem, true);
        self.announce("");
    }

    /// Tries a kept signature again later: a browser that stays online
    /// (the server down or failing, a network that drops what it sends)
    /// fires no `online` event. 30 s on, then 60, 120, 240, and every
    /// 480 s (8 minutes) while the page stays open: a server that is down
    /// is not flooded, nor the person's screen reader told the same every
    /// few seconds. Only the latest failure's try goes (one chain, however
    /// many failures), and none once the person changes the form (see
    /// `edited`): what they change (an address corrected, a box
    /// unticked, another person's typed over it) goes by their own
    /// "Sign", never an old copy in its place.
    fn try_later(self: &Rc<Self>) {
        let tries = self.retries.get() + 1;
        self.retries.set(tries);
        let widget = self.clone();
        crate::task::spawn(async move {
            crate::dom::sleep(15_000 << tries.min(5)).await;
            if widget.retries.get() == tries {
                widget.resend();
            }
        });
    }

    /// Keeps `request` in the browser until it is sent; whether it is kept.
    /// The browser keeps one signature per petition, in one place its tabs
    /// and widgets share, so it is kept only in place of nothing, of the
    /// one this widget kept from its own form (taken for the person
    /// changing what they typed, though someone else may have typed over
    /// it), or of one with the same email address (the same person's,
    /// taken from there to send); never in place of one another tab or
    /// widget kept, whose person was told it is saved.
    fn keep(&self, request: &SignatureRequest) -> bool {
        let (own, same) = match memory::queued(&self.origin, &self.slug) {
            Some((there, mark)) => (mark == self.kept.get(), there.email == request.email),
            None => (true, false),
        };
        match (own || same).then(|| memory::queue(&self.origin, &self.slug, request)).flatten() {
            Some(mark) => {
                if own {
                    self.kept.set(mark);
                } else {
                    self.taken.set(mark);
                }
                true
            }
            None => {
                // The form holds another's signature now: the one taken, if
                // any, is no longer this widget's to send.
                self.taken.set(0);
                false
            }
        }
    }

    /// Forgets the kept signature if it has `request`'s email address: the
    /// server has that person's signature now, or can never take it.
    /// Another person's, kept by another tab, stays.
    fn unkeep(&self, request: &SignatureRequest) {
        if memory::queued(&self.origin, &self.slug).is_some_and(|(there, _)| there.email == request.email) {
            memory::dequeue(&self.origin, &self.slug);
        }
    }

    async fn send(self: &Rc<Self>, request: &SignatureRequest) {
        let answer = match self.sign_once(request).await {
            // The challenge expired or was used (a second person signing on
            // this device, a resend): a new one, and one more try.
            Err(Error::Expired) => match self.renew_challenge().await {
                Ok(()) => self.sign_once(request).await,
                Err(error) => Err(error),
            },
            answer => answer,
        };
        self.sending(false);
        let lang = self.lang();
        let problem = by_id(&self.root, "pw-form-problem");
        match answer {
            Ok(receipt) => {
                self.unkeep(request);
                // A later signature here ("someone else") has its own tries.
                self.retries.set(0);
                memory::set_signed(&self.origin, &self.slug, true);
                // Unmounted while it was sent: remembered, but a widget that
                // is gone shows nothing, and must not take the page's focus.
                if self.stopped.get() {
                    return;
                }
                self.live(&CountUpdate {
                    slug: self.slug.clone(),
                    signature_count: receipt.signature_count,
                    goal: receipt.goal,
                    milestones: receipt.milestones,
                });
                self.thank_soon(request.first_name.clone(), false);
                let confirm = self.petition.borrow().as_ref().is_some_and(|p| p.confirm_by_email);
                self.announce(&if confirm {
                    lang.t(text::ANNOUNCE_INBOX).into_owned()
                } else {
                    lang.say(text::ANNOUNCE_THANKS, receipt.signature_count, &[])
                });
            }
            // Unmounted before it could go: kept, to go when the petition is
            // next shown, as when offline.
            Err(Error::Stopped) => {
                self.keep(request);
            }
            Err(Error::Invalid(errors)) => {
                self.unkeep(request);
                if self.stopped.get() {
                    return;
                }
                self.announce("");
                self.show_errors(errors);
            }
            Err(error @ (Error::Unreachable | Error::Timeout | Error::Server | Error::Malformed)) => self.not_sent(request, &error),
            Err(error) => {
                self.unkeep(request);
                problem.set_text_content(Some(&error.message(&lang)));
                show(&problem, true);
                self.announce("");
            }
        }
    }

    /// Fetches a new challenge and starts answering it: each signature
    /// spends one.
    async fn renew_challenge(&self) -> Result<()> {
        if !self.stopped.get() {
            let challenge = self.api.challenge(None).await?;
            if !self.stopped.get() {
                *self.solver.borrow_mut() = Some(Rc::new(Solver::start(challenge, js_sys::Date::now())));
                return Ok(());
            }
        }
        Err(Error::Stopped)
    }

    /// Sends `request` with the current challenge's answer, waiting for it if
    /// the search is still running.
    async fn sign_once(&self, request: &SignatureRequest) -> Result<petition_core::SignatureReceipt> {
        let solver = self.solver.borrow().as_ref().map(Rc::downgrade).unwrap_or_default();
        // No answer: the widget was unmounted, or there is no challenge yet
        // (no one moved into the form before signing: a signature kept from
        // before, sent as the page opens; or its first fetch failed or is
        // still on its way), or a new one
        // replaced this one (then fetch another and try once more, as on a 403).
        let Some((challenge, proof)) = Solver::answer(solver).await else {
            return Err(if self.stopped.get() { Error::Stopped } else { Error::Expired });
        };
        let request = SignatureRequest { challenge, proof, ..request.clone() };
        self.api.sign(&request).await
    }

    /// Thanks the person at once, in short, in place of the form; and in
    /// full (the count, sharing, the next action, "someone else") once the
    /// second part that does that has come, at once if it is here already
    /// (the widget asks for it when first focused). If it
    /// can't come (the connection gone since), the short thank-you stays.
    fn thank_soon(self: &Rc<Self>, first_name: String, remembered: bool) {
        self.thanks_in_short(&first_name, remembered);
        self.with_part(move |widget| {
            let shown = widget.thanked.borrow().as_ref().is_some_and(|(name, r)| *name == first_name && *r == remembered);
            if shown {
                widget.show_thanks(&first_name, remembered);
            }
        });
    }

    /// Does `then` once the second part has come: at once if it is here
    /// already (the widget asks for it when first focused),
    /// never if it can't come (the connection gone since) or the widget has
    /// stopped meanwhile.
    fn with_part(self: &Rc<Self>, then: impl FnOnce(&Rc<Widget>) + 'static) {
        self.with_part_or(then, |_| {});
    }

    /// `with_part`, and `otherwise` where the part can't come.
    fn with_part_or(self: &Rc<Self>, then: impl FnOnce(&Rc<Widget>) + 'static, otherwise: impl FnOnce(&Rc<Widget>) + 'static) {
        let widget = self.clone();
        crate::task::spawn(async move {
            if !part_here().await {
                otherwise(&widget);
            } else if !widget.stopped.get() {
                then(&widget);
            }
        });
    }

    /// The thank-you without its second part: its title, and the step
    /// left where the signature is yet to be confirmed. The signature is in
    /// (or waits for its confirmation); the rest is the part's.
    fn thanks_in_short(&self, first_name: &str, remembered: bool) {
        // Kept as the whole thank-you keeps it: another language's load
        // thanks again.
        *self.thanked.borrow_mut() = Some((first_name.to_owned(), remembered));
        let confirm = self.petition.borrow().as_ref().is_some_and(|p| p.confirm_by_email);
        let (title, step) = match (remembered, confirm) {
            (true, false) => (&text::THANKS_BEFORE, None),
            (true, true) => (&text::THANKS_BEFORE, Some(&text::THANKS_AGAIN_CONFIRM)),
            (false, false) => (&text::THANKS, None),
            (false, true) => (&text::THANKS_INBOX, Some(&text::THANKS_CONFIRM)),
        };
        let lang = self.lang();
        text_id(&self.root, "pw-thanks-title", &lang.t(title));
        text_id(&self.root, "pw-thanks-text", &step.map(|step| lang.t(step)).unwrap_or_default());
        for (id, on) in [("pw-share", false), ("pw-next-action", false), ("pw-again-row", false), ("pw-form", false), ("pw-thanks", true)] {
            show_id(&self.root, id, on);
        }
        if !remembered {
            focus(&by_id(&self.root, "pw-thanks"));
        }
    }

    // `show_thanks`, `share_link`, `copy_link`, `native_share` and `again`
    // (and `suggest_email`, `accept_suggestion`, `send_soon`,
    // `first_challenge`) are the second part's code
    // (`xtask/src/split.rs`'s roots), each a function of its own so that it
    // can move there (`#[inline(never)]`), and reached only through
    // `with_part`, which awaits the part, or from buttons only the part
    // draws (the full thank-you's, the suggestion).
    #[inline(never)]
    fn show_thanks(&self, first_name: &str, remembered: bool) {
        let petition = self.petition.borrow();
        let Some(petition) = petition.as_ref() else { return };
        self.view(&self.lang()).thanks(petition, first_name, remembered);
        *self.thanked.borrow_mut() = Some((first_name.to_owned(), remembered));
        if !remembered {
            focus(&by_id(&self.root, "pw-thanks"));
        }
    }

    #[inline(never)]
    fn share_link(&self, source: &str) -> Option<(String, String, String)> {
        let petition = self.petition.borrow();
        let (share, address) = shareable(petition.as_ref()?, &self.origin)?;
        let title = petition.as_ref()?.title.clone();
        Some((
            share_url(&address, source),
            concat(&[&share.text, " #", &share.hashtag]),
            title,
        ))
    }

    #[inline(never)]
    fn copy_link(&self) {
        let Some((url, _, _)) = self.share_link("share-link") else { return };
        let clipboard =
            Some(crate::dom::get(&crate::dom::window().navigator(), "clipboard")).filter(|c| !c.is_undefined());
        let written = clipboard.and_then(|c| {
            let write = crate::dom::get(&c, "writeText").dyn_into::<js_sys::Function>().ok()?;
            // As a promise whatever it returns (no type check to import).
            write.call1(&c, &JsValue::from_str(&url)).ok().map(|p| Promise::resolve(&p))
        });
        let root = self.root.clone();
        let lang = self.lang();
        crate::task::spawn(async move {
            let copied = match written {
                Some(promise) => crate::task::Settled::new(&promise).await.is_ok(),
                None => false,
            };
            let words = if copied {
                lang.t(text::COPIED).into_owned()
            } else {
                lang.fill(text::COPY_THIS, &[("url", &lang.isolate(&url))])
            };
            by_id(&root, "pw-live").set_text_content(Some(&words));
            by_id(&root, "pw-share-hint").set_text_content(Some(&words));
        });
    }

    #[inline(never)]
    fn native_share(&self) {
        let Some((url, text, title)) = self.share_link("share-native") else { return };
        let navigator = crate::dom::window().navigator();
        let data = js_sys::Object::new();
        for &(key, value) in &[("title", &title), ("text", &text), ("url", &url)] {
            crate::dom::put(&data, key, &JsValue::from_str(value));
        }
        let share = crate::dom::get(&navigator, "share").dyn_into::<js_sys::Function>().ok();
        if let Some(promise) = share.and_then(|f| f.call1(&navigator, &data).ok()).map(|p| Promise::resolve(&p)) {
            // Cancelling the share sheet rejects; that is the person's choice, not an error.
            crate::task::spawn(async move {
                let _ = crate::task::Settled::new(&promise).await;
            });
        }
    }

    /// Marks the language to offer, when the page's won but the browser
    /// would rather read another the widget has: `www/languages.js` shows
    /// the offer, in that language.
    fn offer(&self) {
        let code = self.wanted.borrow().offer(&self.lang().code);
        let offer = by_id(&self.root, "pw-offer");
        match code {
            Some(code) => set_attribute(&offer, "data-offer", code),
            None => remove_attribute(&offer, "data-offer"),
        }
    }

    /// Speaks language `code` from now on, and remembers it for this site:
    /// everything drawn again in place (the petition's texts fetched in it,
    /// if it has them), keeping what the person typed and ticked, and the
    /// change announced. (`www/languages.js` has closed the list, with
    /// focus on its button.)
    pub fn switch(self: &Rc<Self>, code: &str) {
        memory::choose_language(&self.origin, code);
        self.wanted.borrow_mut().chosen = Some(code.to_owned());
        self.reload(true);
    }

    /// Fetches and draws the petition again: after a problem, or in
    /// another language (then saying which).
    fn reload(self: &Rc<Self>, switched: bool) {
        self.loading(None, None, None, switched, None);
    }

    /// [`Widget::load`] as a task, which calls `done` once it is done (the
    /// one place that awaits it, so its code is in the widget once); after a
    /// change of language, `switched`, the new one announced.
    pub fn loading(
        self: &Rc<Self>,
        prefetched: Option<Promise>,
        challenge: Option<Promise>,
        words: Option<Promise>,
        switched: bool,
        done: Option<js_sys::Function>,
    ) {
        let widget = self.clone();
        crate::task::spawn(async move {
            widget.load(prefetched, challenge, words).await;
            if switched {
                let lang = widget.lang();
                widget.announce(&concat(&[&*lang.t(&text::LANGUAGE), ": ", &lang.name]));
            }
            if let Some(done) = done {
                let _ = done.call0(&JsValue::UNDEFINED);
            }
        });
    }

    fn show_only(&self, id: &str) {
        for section in &["pw-loading", "pw-problem", "pw-ready"] {
            show_id(&self.root, section, *section == id);
        }
    }

    fn announce(&self, words: &str) {
        text_id(&self.root, "pw-live", words);
    }

    /// Shows an error in words (the host page never sees an exception
    /// from the widget): in the widget's place for it, or, if a page's
    /// script has taken that out, as all the widget shows.
    fn problem(&self, error: &Error) {
        if let Error::Dom(detail) = error {
            crate::dom::complain(detail);
        }
        let message = error.message(&self.lang());
        if self.root.get_element_by_id("pw-problem-text").is_none() {
            self.root.set_text_content(Some(&message));
            return;
        }
        text_id(&self.root, "pw-problem-text", &message);
        self.show_only("pw-problem");
    }
}

/// Whether the second part is here, once it has come or can't: asks for it
/// if no one has (see `xtask/src/split.rs`).
async fn part_here() -> bool {
    match load_part() {
        Ok(promise) => crate::task::Settled::new(&promise).await.is_ok(),
        // The whole wasm, where the glue has no `part` (the tests').
        Err(_) => true,
    }
}

/// `?source=share-whatsapp` on the page the widget is on, if it has that shape.
fn page_source() -> String {
    let search = crate::dom::address("search");
    let source = pieces(search.strip_prefix("?").unwrap_or(&search), b'&').find_map(|pair| pair.strip_prefix("source="));
    source.map(share_source).unwrap_or_default()
}
