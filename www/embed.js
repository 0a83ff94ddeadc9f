/*! Petition widget loader. Paste one tag where the petition should appear:
 *   <script src="https://PETITION-SERVER/embed.js" data-petition="stop-sharing" async></script>
 * or put <div data-petition="SLUG"></div> anywhere and this tag once on the page.
 * Optional: data-partner="medact" on either attributes signatures to a partner;
 * data-lang="cy" on either chooses the language (else the page's <html lang>,
 * then the browser's); data-server="URL" on the tag reads petitions from
 * there, not this script's server.
 *
 * What it does: reserves each widget's space with a loading state inside an
 * open shadow root (so the page doesn't jump and its CSS can't reach in),
 * starts loading the widget's wasm once for the whole page (before anything
 * else, where its own tag makes a widget), fetches each petition and its
 * proof-of-work challenge, and mounts a widget per placeholder. One global
 * name, window.PetitionWidget; nothing it does can throw into the page.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin;
  try {
    origin = new URL(script.src).origin;
  } catch (e) {
    return; // Not loaded from a <script src>: nothing to do.
  }

  // (Without a trailing slash: the widget asks for the same addresses, so
  // it can use the petition and challenge fetched here.)
  var api = (script.getAttribute("data-server") || origin).replace(/\/+$/, "");

  var loader = window.PetitionWidget;
  if (!loader || !loader.scan) {
    loader = window.PetitionWidget = { version: 1, widgets: [] };
  }

  // The tag itself: a placeholder right after it.
  var slug = script.getAttribute("data-petition");
  if (slug) {
    var host = document.createElement("div");
    ["data-petition", "data-partner", "data-lang"].forEach(function (name) {
      var value = script.getAttribute(name);
      if (value) host.setAttribute(name, value);
    });
    script.after(host);
  }

  // A page with two tags from this server (two blocks of a page builder,
  // each with the tag) gets one loader: the second places its petition and
  // has the first mount it, with the first's Trusted Types policy, which a
  // page may allow to be made only once (see below).
  var key = origin + " " + api;
  var scans = loader.scans || (loader.scans = {});
  if (scans[key]) return scans[key]();

  var pkg = origin + "/pkg/petition_widget";
  var ready = null; // one download of the widget for the whole page

  function loadWidget() {
    if (!ready) {
      // The wasm downloads alongside the JS that will instantiate it, not after.
      var wasm = fetch(pkg + "_bg.wasm", { credentials: "omit" });
      wasm.catch(function () {});
      ready = import(pkg + ".js").then(function (widget) {
        return widget.default(wasm).then(function () {
          return widget;
        });
      });
    }
    return ready;
  }
  // The tag's own placeholder is a widget's (a counter is a <div> of the
  // page's): its code is asked for before anything else the loader does.
  if (slug) loadWidget();

  // The placeholder's styles go in a constructable stylesheet, which no
  // Content-Security-Policy refuses (a <style> needs 'unsafe-inline'). It
  // looks like the widget's loading state (src/widget.css, .pw-loading), or
  // a counter's (www/counter.js), and reserves the same space.
  var STYLE =
    ":host{all:initial!important;display:block!important;box-sizing:border-box!important;" +
    "max-width:42rem!important;container-type:inline-size!important;" +
    "font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif!important;color:#4a5562!important}" +
    ".pw{background:#fff;border:1px solid #d5dae0;border-radius:12px;padding:1.25rem;min-height:103.6rem}" +
    ":host([data-view=counter]) .pw{box-sizing:border-box;padding:1rem 1.25rem;min-height:11rem}" +
    "@container (min-width:30rem){.pw{padding:1.75rem;min-height:85.4rem}:host([data-view=counter]) .pw{min-height:8rem}}";
  var sheet = null;

  // A new `tag` element at the end of parent, saying text.
  function add(parent, tag, text) {
    var element = parent.appendChild(document.createElement(tag));
    if (text) element.textContent = text;
    return element;
  }

  // (Built node by node: HTML set as a string is refused where the page
  // requires Trusted Types.)
  function placeholder(host) {
    var root = host.attachShadow({ mode: "open" });
    // What the host holds already (the petition page's petition) stays on
    // show, in the page's styles, until the widget takes its place.
    var kept = host.children.length && host.getAttribute("data-view") !== "counter";
    if (kept) {
      add(root, "slot");
    } else {
      try {
        if (!sheet) {
          if (!("adoptedStyleSheets" in root)) throw root;
          sheet = new CSSStyleSheet();
          sheet.replaceSync(STYLE);
        }
        root.adoptedStyleSheets = [sheet];
      } catch (e) {
        add(root, "style", STYLE);
      }
    }
    var box = add(root, kept ? "p" : "div", kept ? "" : ENGLISH[LOADING]);
    box.className = "pw";
    box.setAttribute("role", "status");
    if (kept) box.hidden = true;
    else box.setAttribute("data-loading", "");
  }

  // The widget sets HTML once, its own skeleton, which nothing anyone
  // types reaches, through this. Where the page requires Trusted Types
  // (require-trusted-types-for 'script'), HTML set as a string is refused,
  // so this is a Trusted Types policy named petition-widget (a page that
  // lists the policies it allows in trusted-types must list it). It stays
  // in this loader, out of the page's reach. Elsewhere (no Trusted Types in
  // this browser, or the name refused) it passes the HTML as it is.
  var policy = {
    createHTML: function (html) {
      return html;
    },
  };
  try {
    policy = trustedTypes.createPolicy("petition-widget", policy);
  } catch (e) {}

  // The languages a visitor wants for host's widget, most wanted first, as
  // ?lang= sends them (src/i18n.rs makes the same list): one chosen in the
  // widget before, the page's (data-lang, else <html lang>), the browser's.
  function wanted(host) {
    var list = [], seen = {}, chosen = null;
    try {
      chosen = localStorage.getItem("petition-widget:lang:" + api);
    } catch (e) {} // no storage here (a sandbox)
    [chosen, host.getAttribute("data-lang") || document.documentElement.lang]
      .concat(navigator.languages)
      .forEach(function (tag) {
        var key = String(tag).toLowerCase();
        if (tag && /^[\w-]{1,35}$/.test(tag) && !seen[key] && list.length < 8) list.push(tag), (seen[key] = 1);
      });
    return list.join(",");
  }

  // The language file for a list of wishes, fetched once per list (English,
  // compiled into the widget, is never fetched): the response, which each
  // widget reads a copy of, and its words for the loader and the counter.
  var languages = {};
  function language(list) {
    if (!list || /^en\b/i.test(list)) return null;
    var entry = languages[list];
    if (!entry) {
      // The answer itself is never read, only copied: the loader's copy
      // here, in the first reaction to it, and each widget's in `mountOne`
      // (a body is read once, and a copy can't be made of a read one).
      var response = fetch(origin + "/lang?lang=" + list, { credentials: "omit" });
      entry = languages[list] = {
        response: response,
        texts: response
          .then(function (r) {
            return r.status === 200 ? r.clone().json() : null;
          })
          .catch(function () {}),
      };
    }
    return entry;
  }

  // The loader's own words: their places in the widget's texts (core's
  // WIDGET_KEYS; `cargo xtask build` checks them) and their English.
  var LOADING = 0, REFUSED = 1, FAILED = 2, OWN_PAGE = 3;
  var TEXTS = { loading: 54, loader_refused: 53, loader_failed: 52, sign_on_own_page: 97 };
  var ENGLISH = [
    "Loading the petition…",
    "This page’s security settings don’t let the petition’s form run here.",
    "The petition could not be loaded. Check your internet connection and reload the page.",
    "Sign the petition on its own page",
  ];
  var PLACES = [TEXTS.loading, TEXTS.loader_refused, TEXTS.loader_failed, TEXTS.sign_on_own_page];
  var spoken = new WeakMap(); // host → its language's words, once come
  function say(host, n) {
    var words = spoken.get(host), text = words && words.texts && words.texts[PLACES[n]];
    return typeof text === "string" && text ? text : ENGLISH[n];
  }

  // Host's box speaks its language once the words come: the loading line,
  // or the failure already on show.
  function speak(host, entry) {
    if (entry) entry.texts.then(function (words) {
      var box = host.shadowRoot.querySelector(".pw"); // (open, made by placeholder)
      if (!words || !box) return;
      spoken.set(host, words);
      box.lang = words.code;
      box.dir = words.dir === "rtl" ? "rtl" : "ltr";
      if (box.hasAttribute("data-loading")) box.textContent = say(host, LOADING);
      if (failures.has(host)) fail(host);
    });
  }

  var refused = false; // by the page's security policy
  var failures = new Set();

  // Says why host shows no widget; where the policy refused it, with a link
  // to sign on the petition's own page.
  function fail(host) {
    failures.add(host);
    var box = host.shadowRoot.querySelector(".pw");
    if (!box) return;
    box.hidden = false;
    box.removeAttribute("data-loading");
    box.style.minHeight = "0"; // no loading box's room for a line of words
    box.setAttribute("role", "alert");
    box.textContent = say(host, refused ? REFUSED : FAILED) + (refused ? " " : "");
    if (refused) {
      add(box, "a", say(host, OWN_PAGE)).href = api + "/p/" + encodeURIComponent(host.getAttribute("data-petition"));
    }
  }

  // Chromium reports "wasm-eval" where script-src lacks 'wasm-unsafe-eval',
  // the address where connect-src or script-src lacks the server, and
  // "trusted-types-sink" from our own script where the page requires Trusted
  // Types and refuses our policy (not "trusted-types-policy": a page may
  // list its policies without requiring them, and then the widget works);
  // after the failure, so the words change then.
  document.addEventListener("securitypolicyviolation", function (event) {
    var uri = String(event.blockedURI);
    if (uri === "trusted-types-sink") uri = String(event.sourceFile);
    if (event.disposition === "report" || (uri !== "wasm-eval" &&
      [origin, api].every(function (o) { return uri !== o && uri.indexOf(o + "/"); }))) return;
    refused = true;
    failures.forEach(fail);
  });

  // A failure handler for host. Refused wasm, or HTML refused as not
  // TrustedHTML, throws an error saying why; a refused fetch, a network
  // error whose report comes before the next task.
  function failed(host) {
    return function (error) {
      if (/Content.Security|CSP|unsafe-eval|TrustedHTML/i.test(error && error.message)) refused = true;
      setTimeout(function () {
        fail(host);
      });
    };
  }

  function mountAll() {
    document.querySelectorAll("[data-petition]:not(script)").forEach(function (host) {
      if (host.shadowRoot || loader.widgets.indexOf(host) >= 0) return; // already ours, or taken
      try {
        placeholder(host);
      } catch (e) {
        return; // an element that can't hold a shadow root
      }
      loader.widgets.push(host);
      mountOne(host);
    });
  }

  // Starts fetching url now, alongside the widget's code; a failure here is
  // the widget's to handle, so it is not an unhandled rejection.
  function prefetch(url) {
    var response = fetch(url, { credentials: "omit" }); // (mode "cors" is fetch's default)
    // When it was answered: the widget counts its challenge's minimum age
    // from then (src/widget.rs, first_challenge).
    response.then(function (r) {
      r.at = Date.now();
    }, function () {});
    return response;
  }

  // The counter view (data-view="counter") needs none of the widget's code:
  // one small module draws it, loaded once for the page (the browser's module
  // map keeps one copy per address, however often it is imported).
  function mountCounter(host, words) {
    import(origin + "/counter.js")
      .then(function (module) {
        return module.mount(host, api, words && words.texts);
      })
      .catch(failed(host));
  }

  function mountOne(host) {
    var url = api + "/api/petitions/" + encodeURIComponent(host.getAttribute("data-petition"));
    // The widget's code first: its download is the longest, and needs
    // nothing of what follows, whose first read of localStorage (the
    // language chosen before) and requests take the loader some 8 ms.
    var widgetCode = host.getAttribute("data-view") !== "counter" && loadWidget();
    var list = wanted(host);
    var words = language(list);
    speak(host, words);
    if (!widgetCode) return mountCounter(host, words);
    // The petition (the same for everyone, maybe from a cache; its texts in
    // the first language wished for that it has), this visitor's
    // proof-of-work challenge and the widget's words, all at once.
    var petition = prefetch(list ? url + "?lang=" + list : url);
    var challenge = prefetch(url + "/challenge");
    // Each widget reads a copy of the words' answer: two in one language
    // share one request, and a body is read once. (Copied as it comes,
    // before anything reads one; the answer itself is never read.)
    var texts = words && words.response.then(function (r) {
      return r.clone();
    });
    if (texts) texts.catch(function () {}); // the widget's to handle, if it comes
    widgetCode
      .then(function (widget) {
        // The last argument is called once the petition, or why it can't be
        // shown, is on screen.
        widget.mount(host, api, petition, challenge, texts, origin, policy, function () {
          control(host, widget);
        });
      })
      .catch(failed(host));
  }

  // The widget's language control and its offer of another language
  // (www/languages.js) are loaded when first needed: when the control is
  // reached, or the widget has a language to offer (once for the page: the
  // module map keeps it).
  function control(host, widget) {
    var root = host.shadowRoot, module = null;
    function act(event) {
      var target = event.target;
      if (event !== "offer" && !(target && target.closest && target.closest(".pw-lang-button,.pw-lang-list,.pw-offer"))) return;
      if (module) return module.act(host, widget, event, api);
      // A press before the module has come (the control reached and pressed
      // at once) must count too; by then the event's dispatch is over, and
      // the target of an event inside a shadow root is cleared, so what the
      // module reads is kept now. (Too late to cancel: it acts as a click.)
      var kept = event === "offer" ? event : { type: event.type, target: target, key: event.key, preventDefault: function () {} };
      import(origin + "/languages.js").then(function (m) {
        (module = m).act(host, widget, kept, api);
      }).catch(function () {});
    }
    ["click", "focusin", "keydown"].forEach(function (type) {
      root.addEventListener(type, act);
    });
    var offer = root.getElementById("pw-offer");
    if (offer && offer.getAttribute("data-offer")) act("offer");
  }

  // The iframe embed ({origin}/embed/…) says how tall it is: its frame
  // takes that height.
  addEventListener("message", function (event) {
    var data = event.data;
    var height = data && data.type === "petition-widget:height" && data.height;
    if ((event.origin !== origin && event.origin !== api) || typeof height !== "number" ||
      !(height > 0 && height < 100000)) return;
    document.querySelectorAll("iframe").forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = Math.round(height) + "px";
    });
  });

  loader.scan = scans[key] = mountAll;
  mountAll();
  // An async tag may run before the rest of the page is parsed: look again
  // for placeholders once it is. (After the event, the listener is never
  // called; for a deferred tag, which runs just before it, the scan more
  // mounts any placeholder a page's script wrote in between.)
  document.addEventListener("DOMContentLoaded", mountAll);
})();
