/*! Petition counter: the count, the progress bar and a link to sign, for
 *   <div data-petition="stop-sharing" data-view="counter"></div>
 * with embed.js once on the page (it imports this module and calls mount).
 * Optional: data-source="newsletter" and data-partner="medact" are passed on
 * to the petition's page by the link.
 *
 * None of the widget's code: the server has already counted, and a count and
 * a bar need no rule the server has not applied. Live like the widget: one
 * event stream for every counter on the page, polling where none can be had.
 */

// The widget's look (src/widget.css), in the few rules a counter needs. The
// host page's CSS cannot reach in: :host resets everything it could inherit.
const CSS =
  ":host{all:initial!important;display:block!important;box-sizing:border-box!important;max-width:42rem!important;" +
  "font:400 1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif!important;color:#1b1f24!important;text-align:start!important}" +
  ":host([hidden]){display:none!important}*{box-sizing:border-box}p{margin:0}[hidden]{display:none!important}" +
  ".pw{background:#fff;border:1px solid #d5dae0;border-radius:12px;padding:1rem 1.25rem}" +
  ".pw-row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem}" +
  ".pw-count{font-size:1.125rem;min-height:2.625rem;display:flex;align-items:baseline;flex-wrap:wrap;gap:.375rem}" +
  ".pw-count strong{font-size:1.75rem;line-height:1.5;font-weight:800;color:#083f77;font-variant-numeric:tabular-nums}" +
  ".pw-first{font-weight:600;align-items:center}" +
  ".pw-bar{height:.875rem;background:#e3e7ec;border-radius:999px;overflow:hidden;margin:.5rem 0 .375rem;border:1px solid #8a95a1}" +
  ".pw-fill{height:100%;width:0;background:#0b57a4;border-radius:999px;min-width:.875rem}" +
  ".pw-goal{color:#4a5562;font-size:.9375rem}" +
  "a{display:inline-block;font-weight:700;color:#fff;background:#0b57a4;border-radius:6px;padding:.5rem 1rem;text-decoration:none;box-shadow:0 2px 0 #083f77}" +
  "a:hover{background:#083f77}" +
  ":focus-visible{outline:3px solid #ffdd00;box-shadow:0 0 0 6px #0b0c0c}" +
  "@media (prefers-reduced-motion:no-preference){.pw-fill{transition:width .6s ease-out}}";

// How often to ask for the count when there is no stream (as src/live.rs).
const POLL_MS = 10000;

/** Draws a counter into `host`'s shadow root and keeps it live. Never rejects. */
export function mount(host, api) {
  return show(host, api).catch(function () {
    // Only a DOM too broken to write into gets here: nothing more to do.
  });
}

async function show(host, api) {
  const slug = host.getAttribute("data-petition");
  let petition = null;
  try {
    const response = await fetch(api + "/api/petitions/" + encodeURIComponent(slug), { credentials: "omit" });
    if (response.ok) petition = await response.json();
  } catch (e) {
    // Said in words below.
  }
  // The loader's placeholder stays until there is something to show.
  const view = draw(host.shadowRoot || host.attachShadow({ mode: "open" }), link(host, api, slug));
  if (!petition || typeof petition.signature_count !== "number") {
    return say(view, "The count could not be loaded just now.");
  }
  update(view, petition);
  follow(api, slug, function (count) {
    // Updates can arrive out of order (a stream and a poll racing): the
    // count only ever rises.
    if (count.signature_count < petition.signature_count) return;
    petition.signature_count = count.signature_count;
    petition.goal = count.goal;
    update(view, petition);
  });
}

/** The petition's own page, with where the reader came from if the page says. */
function link(host, api, slug) {
  const url = new URL(api + "/p/" + encodeURIComponent(slug));
  for (const name of ["source", "partner"]) {
    const value = host.getAttribute("data-" + name);
    // The shape the server accepts (core's share_source and is_slug); any
    // other is dropped, as the page itself would drop it.
    if (value && /^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) url.searchParams.set(name, value);
  }
  return url.href;
}

function el(parent, tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  parent.appendChild(node);
  return node;
}

/** Replaces the loader's placeholder with the counter's own elements. */
function draw(root, href) {
  const box = document.createElement("div");
  box.className = "pw";
  const row = el(box, "div", "pw-row");
  const count = el(row, "p", "pw-count");
  const sign = el(row, "a", "", "Sign the petition");
  sign.setAttribute("href", href);
  const bar = el(box, "div", "pw-bar");
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-label", "Progress towards the goal");
  bar.setAttribute("aria-valuemin", "0");
  bar.hidden = true;
  const fill = el(bar, "div", "pw-fill");
  const goal = el(box, "p", "pw-goal");
  root.replaceChildren(...style(root), box);
  return { count, sign, bar, fill, goal };
}

/**
 * Styles `root` with a constructable stylesheet, which a strict
 * Content-Security-Policy permits (an inline `<style>` needs
 * 'unsafe-inline'); returns the `<style>` to put in where there are none.
 */
function style(root) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    return [];
  } catch (e) {
    return [el(document.createDocumentFragment(), "style", "", CSS)];
  }
}

/** `12345` → `"12,345"`: the widget's and the server pages' way of writing counts. */
const number = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const signatures = (n) => number(n) + (n === 1 ? " signature" : " signatures");

/** Shows `petition`'s count, bar and goal in the widget's words. */
function update(view, p) {
  const count = p.signature_count;
  const goal = p.goal;
  // A closed petition shows what it reached, however few.
  const counted = count >= p.show_count_from || p.closed;
  view.count.className = counted ? "pw-count" : "pw-count pw-first";
  if (counted) {
    view.count.textContent = "";
    el(view.count, "strong", "", number(count));
    view.count.append(count === 1 ? " signature" : " signatures");
  } else {
    view.count.textContent = "Be one of the first to sign this petition.";
  }
  const bar = view.bar;
  bar.hidden = false;
  bar.setAttribute("aria-valuenow", String(counted ? Math.min(count, goal) : 0));
  bar.setAttribute("aria-valuemax", String(goal));
  bar.setAttribute(
    "aria-valuetext",
    counted ? number(count) + " of " + signatures(goal) : "Just started, towards " + signatures(goal),
  );
  const permille = !counted ? 0 : goal === 0 ? 1000 : Math.floor((Math.min(count, goal) * 1000) / goal);
  view.fill.style.width = permille / 10 + "%";
  view.goal.textContent = (p.closed ? "This petition has closed. Its goal was " : "Help us reach ") + signatures(goal);
  if (p.closed) view.sign.textContent = "See the petition";
}

/** A failure, in words; the link to the petition's page stays. */
function say(view, words) {
  view.count.className = "pw-count pw-first";
  view.count.textContent = words;
  view.goal.textContent = "You can still sign on the petition's own page.";
}

// Every counter on the page follows its petition through one stream.
const live = { origin: "", slugs: {}, source: null, poll: 0, connecting: 0 };

function follow(origin, slug, listener) {
  if (live.origin !== origin) {
    // Counters come from one server per page; if not, the newest wins the
    // stream and the others keep the count they loaded.
    stop();
    live.origin = origin;
    live.slugs = {};
  }
  const known = live.slugs[slug];
  (live.slugs[slug] = known || []).push(listener);
  // Counters mounting together open one stream, once they all have.
  if (!known && !live.connecting) live.connecting = setTimeout(connect, 0);
}

function stop() {
  if (live.source) live.source.close();
  clearInterval(live.poll);
  clearTimeout(live.connecting);
  live.source = null;
  live.poll = live.connecting = 0;
}

function connect() {
  stop();
  let source = null;
  try {
    if (window.EventSource) {
      source = new EventSource(
        live.origin + "/api/events?petitions=" + encodeURIComponent(Object.keys(live.slugs).join(",")),
      );
    }
  } catch (e) {
    source = null;
  }
  if (!source) return polling();
  source.addEventListener("count", function (event) {
    let count;
    try {
      count = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    deliver(count);
  });
  // The browser reconnects a dropped stream by itself; one closed for good
  // (refused, wrong type) turns into polling.
  source.addEventListener("error", function () {
    if (source.readyState === 2 && live.source === source) {
      live.source = null;
      polling();
    }
  });
  live.source = source;
}

function polling() {
  if (live.poll) return;
  live.poll = setInterval(function () {
    for (const slug of Object.keys(live.slugs)) {
      fetch(live.origin + "/api/petitions/" + encodeURIComponent(slug), { credentials: "omit" })
        .then((response) => (response.ok ? response.json() : null))
        .then(deliver)
        // A failed poll changes nothing; the next one may succeed.
        .catch(function () {});
    }
  }, POLL_MS);
}

function deliver(count) {
  const listeners = count && typeof count.signature_count === "number" && live.slugs[count.slug];
  if (listeners) listeners.forEach((listener) => listener(count));
}
