/*! Petition widget loader. Paste one tag where the petition should appear:
 *   <script src="https://PETITION-SERVER/embed.js" data-petition="stop-sharing" async></script>
 * or put <div data-petition="SLUG"></div> anywhere and this tag once on the page.
 * Optional: data-partner="medact" on either attributes signatures to a partner;
 * data-server="URL" on the tag reads petitions from there, not this script's server.
 *
 * What it does, in order: reserves each widget's space with a loading state
 * inside an open shadow root (so the page doesn't jump and its CSS can't reach
 * in), starts fetching each petition and its proof-of-work challenge, loads
 * the widget's wasm once for the whole page, and mounts a widget per
 * placeholder. One global name, window.PetitionWidget; nothing it does can
 * throw into the page.
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

  var api = script.getAttribute("data-server") || origin;

  var loader = window.PetitionWidget;
  if (!loader || !loader.scan) {
    loader = window.PetitionWidget = { version: 1, scan: null, widgets: [] };
  }

  // The tag itself: a placeholder right after it.
  var slug = script.getAttribute("data-petition");
  if (slug) {
    var host = document.createElement("div");
    host.setAttribute("data-petition", slug);
    var partner = script.getAttribute("data-partner");
    if (partner) host.setAttribute("data-partner", partner);
    script.parentNode.insertBefore(host, script.nextSibling);
  }

  var moduleUrl = origin + "/pkg/petition_widget.js";
  var wasmUrl = origin + "/pkg/petition_widget_bg.wasm";
  var ready = null; // one download of the widget for the whole page

  function loadWidget() {
    if (!ready) {
      // The wasm downloads alongside the JS that will instantiate it, not after.
      var wasm = fetch(wasmUrl, { credentials: "omit" });
      wasm.catch(function () {});
      ready = import(moduleUrl).then(function (widget) {
        return widget.default({ module_or_path: wasm }).then(function () {
          return widget;
        });
      });
    }
    return ready;
  }

  // Looks like the widget's own loading state and reserves the same space
  // (src/widget.css, .pw-loading), so nothing moves when the widget takes over.
  var PLACEHOLDER =
    "<style>:host{all:initial!important;display:block!important;box-sizing:border-box!important;" +
    "max-width:42rem!important;container-type:inline-size!important;" +
    "font:400 1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif!important;color:#4a5562!important}" +
    ".pw{background:#fff;border:1px solid #d5dae0;border-radius:12px;padding:1.25rem;min-height:103.6rem}" +
    "@container (min-width:30rem){.pw{padding:1.75rem;min-height:85.4rem}}" +
    "</style><div class='pw' role='status'>Loading the petition…</div>";

  function say(host, words) {
    var root = host.shadowRoot;
    var box = root && root.querySelector(".pw");
    if (box) {
      box.setAttribute("role", "alert");
      box.textContent = words;
    }
  }

  function mountAll() {
    var hosts = document.querySelectorAll("[data-petition]:not(script)");
    for (var i = 0; i < hosts.length; i++) {
      var host = hosts[i];
      if (host.shadowRoot || loader.widgets.indexOf(host) >= 0) continue; // already ours, or taken
      try {
        host.attachShadow({ mode: "open" }).innerHTML = PLACEHOLDER;
      } catch (e) {
        continue; // an element that can't hold a shadow root
      }
      loader.widgets.push(host);
      mountOne(host);
    }
  }

  // Starts fetching url now, alongside the widget's code; a failure here is
  // the widget's to handle, so it is not an unhandled rejection.
  function prefetch(url) {
    var response = fetch(url, { mode: "cors", credentials: "omit" });
    response.catch(function () {});
    return response;
  }

  // The counter view (data-view="counter") needs none of the widget's code:
  // one small module draws it, loaded once for the page.
  var counter = null;
  function mountCounter(host) {
    if (!counter) counter = import(origin + "/counter.js");
    counter
      .then(function (module) {
        return module.mount(host, api);
      })
      .catch(function () {
        say(host, "The petition's count could not be loaded. Check your internet connection and reload the page.");
      });
  }

  function mountOne(host) {
    if (host.getAttribute("data-view") === "counter") return mountCounter(host);
    var url = api + "/api/petitions/" + encodeURIComponent(host.getAttribute("data-petition"));
    // The petition (the same for everyone, maybe from a cache) and this
    // visitor's proof-of-work challenge, both at once.
    var petition = prefetch(url);
    var challenge = prefetch(url + "/challenge");
    loadWidget()
      .then(function (widget) {
        return widget.mount(host, api, petition, challenge);
      })
      .catch(function () {
        say(host, "The petition could not be loaded. Check your internet connection and reload the page.");
      });
  }

  loader.scan = mountAll;
  mountAll();
  // An async tag may run before the rest of the page is parsed: look again
  // for placeholders once it is.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  }
})();
