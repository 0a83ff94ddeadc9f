/*! Petition counter, for <div data-petition="SLUG" data-view="counter"></div>
 * and embed.js once on the page, which imports this and calls mount. Shows
 * the count, the bar and a link to sign on the petition's page (with the
 * host's data-source and data-partner), live. None of the widget's code: the
 * server has done the counting; a count and a bar need no other rule. */

// The widget's look (src/widget.css), the few rules a counter needs; :host
// keeps the host page's CSS out.
const CSS =
  ":host{all:initial!important;display:block!important;box-sizing:border-box!important;max-width:42rem!important;" +
  "font:400 1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif!important;color:#1b1f24!important;text-align:start!important;container-type:inline-size!important}" +
  ":host([hidden]){display:none!important}*{box-sizing:border-box}p{margin:0}[hidden]{display:none!important}" +
  // Always this tall (border box), whatever the count: embed.js's placeholder
  // reserves the same, so nothing moves when the counter arrives.
  ".pw{background:#fff;border:1px solid #d5dae0;border-radius:12px;padding:1rem 1.25rem;min-height:11rem}" +
  ".pw-row{display:grid;justify-items:start;gap:.5rem}" +
  "@container (min-width:30rem){.pw{min-height:8rem}.pw-row{display:flex;align-items:center;justify-content:space-between}}" +
  ".pw-count{font-size:1.125rem;min-height:2.625rem;display:flex;align-items:baseline;flex-wrap:wrap;gap:.375rem}" +
  ".pw-count strong{font-size:1.75rem;font-weight:800;color:#083f77;font-variant-numeric:tabular-nums}" +
  ".pw-first{font-weight:600;align-items:center}" +
  ".pw-bar{height:.875rem;background:#e3e7ec;border-radius:999px;overflow:hidden;margin:.5rem 0 .375rem;border:1px solid #8a95a1}" +
  ".pw-fill{height:100%;background:#0b57a4;border-radius:999px;min-width:.875rem}" +
  ".pw-goal{color:#4a5562;font-size:.9375rem}" +
  "a{font-weight:700;color:#fff;background:#0b57a4;border-radius:6px;padding:.5rem 1rem;text-decoration:none;box-shadow:0 2px 0 #083f77}" +
  "a:hover{background:#083f77}:focus-visible{outline:3px solid #ffdd00;box-shadow:0 0 0 6px #0b0c0c}" +
  "@media (prefers-reduced-motion:no-preference){.pw-fill{transition:width .6s ease-out}}";

/** Draws a counter into `host`'s shadow root and keeps it live. Never rejects. */
export function mount(host, api) {
  return show(host, api).catch(() => {});
}

async function show(host, api) {
  const slug = host.getAttribute("data-petition");
  const url = api + "/api/petitions/" + encodeURIComponent(slug);
  const petition = await get(url);
  // The loader's placeholder stays until there is something to show.
  const view = draw(host.shadowRoot || host.attachShadow({ mode: "open" }), link(host, api, slug));
  if (!petition) {
    view.count.textContent = "The count could not be loaded just now.";
    view.goal.textContent = "You can still sign on the petition's own page.";
    return;
  }
  update(view, petition);
  follow(api, slug, (count) => {
    // A stream and a poll may race: the count only ever rises.
    if (count.signature_count < petition.signature_count) return;
    petition.signature_count = count.signature_count;
    petition.goal = count.goal;
    update(view, petition);
  });
}

/** A petition (or count) from the server, or null. */
async function get(url) {
  try {
    const response = await fetch(url, { credentials: "omit" });
    const json = response.ok && (await response.json());
    return json && typeof json.signature_count === "number" ? json : null;
  } catch (e) {
    return null;
  }
}

/** The petition's own page; a data-source or data-partner of the shape the server accepts goes with it. */
function link(host, api, slug) {
  const url = new URL(api + "/p/" + encodeURIComponent(slug));
  for (const name of ["source", "partner"]) {
    const value = host.getAttribute("data-" + name);
    if (value && /^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) url.searchParams.set(name, value);
  }
  return url.href;
}

function el(parent, tag, className, text = "") {
  const node = parent.appendChild(document.createElement(tag));
  node.className = className;
  node.textContent = text;
  return node;
}

/** Replaces the loader's placeholder with the counter. */
function draw(root, href) {
  const box = document.createElement("div");
  box.className = "pw";
  const row = el(box, "div", "pw-row");
  const count = el(row, "p", "pw-count pw-first");
  const sign = el(row, "a", "", "Sign the petition");
  sign.setAttribute("href", href);
  const bar = el(box, "div", "pw-bar");
  bar.hidden = true;
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-label", "Progress towards the goal");
  bar.setAttribute("aria-valuemin", "0");
  const fill = el(bar, "div", "pw-fill");
  const goal = el(box, "p", "pw-goal");
  root.replaceChildren(...style(root), box);
  return { count, sign, bar, fill, goal };
}

/**
 * Styles `root` by a constructable stylesheet, which a strict CSP permits
 * (a `<style>` needs 'unsafe-inline'); where there are none, returns a
 * `<style>` to put in.
 */
function style(root) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    return [];
  } catch (e) {
    if (root.adoptedStyleSheets) root.adoptedStyleSheets = []; // the placeholder's, if it had one
    return [el(document.createDocumentFragment(), "style", "", CSS)];
  }
}

/** `12345` → `"12,345"`, as the widget and the server's pages write counts (core's `grouped`). */
const number = (n) => String(n).replace(/\B(?=(\d{3})+$)/g, ",");
const signatures = (n) => number(n) + (n === 1 ? " signature" : " signatures");

/** Shows the petition's count, bar and goal in the widget's words (src/view.rs). */
function update(view, { signature_count: count, goal, show_count_from, closed }) {
  // A closed petition shows what it reached, however few.
  const counted = count >= show_count_from || closed;
  view.count.className = counted ? "pw-count" : "pw-count pw-first";
  view.count.textContent = counted ? (count === 1 ? " signature" : " signatures") : "Be one of the first to sign this petition.";
  if (counted) view.count.prepend(el(view.count, "strong", "", number(count)));
  const bar = view.bar;
  bar.hidden = false;
  bar.setAttribute("aria-valuenow", counted ? Math.min(count, goal) : 0);
  bar.setAttribute("aria-valuemax", goal);
  bar.setAttribute(
    "aria-valuetext",
    counted ? number(count) + " of " + signatures(goal) : "Just started, towards " + signatures(goal),
  );
  // Tenths of a per cent, rounded down, as core's progress_permille.
  view.fill.style.width = (counted ? (goal ? Math.floor((Math.min(count, goal) * 1000) / goal) : 1000) : 0) / 10 + "%";
  view.goal.textContent = (closed ? "This petition has closed. Its goal was " : "Help us reach ") + signatures(goal);
  if (closed) view.sign.textContent = "See the petition";
}

// Every counter on the page follows its petition through one event stream
// (as src/live.rs), or by polling every 10 s where there can be none.
const live = { origin: "", slugs: new Map() };

function follow(origin, slug, listener) {
  if (live.origin !== origin) {
    // One server per page; if not, the newest wins the stream and the others keep their count.
    stop();
    live.origin = origin;
    live.slugs = new Map();
  }
  const known = live.slugs.get(slug);
  live.slugs.set(slug, (known || []).concat(listener));
  // Counters mounting together open one stream, once they all have.
  if (!known && !live.connecting) live.connecting = setTimeout(connect);
}

function stop() {
  if (live.source) live.source.close();
  clearInterval(live.poll);
  clearTimeout(live.connecting);
  live.source = live.poll = live.connecting = 0;
}

function connect() {
  stop();
  let source;
  try {
    source = new EventSource(live.origin + "/api/events?petitions=" + encodeURIComponent([...live.slugs.keys()].join(",")));
  } catch (e) {
    return poll(); // no EventSource here
  }
  source.addEventListener("count", (event) => {
    try {
      deliver(JSON.parse(event.data));
    } catch (e) {
      // Not a count: ignored.
    }
  });
  // The browser reconnects a dropped stream by itself; one closed for good
  // (refused, wrong type) turns into polling.
  source.addEventListener("error", () => {
    if (source.readyState === 2 && live.source === source) {
      live.source = 0;
      poll();
    }
  });
  live.source = source;
}

function poll() {
  live.poll = setInterval(() => {
    for (const slug of live.slugs.keys()) get(live.origin + "/api/petitions/" + encodeURIComponent(slug)).then(deliver);
  }, 10000);
}

function deliver(count) {
  (live.slugs.get(count && count.slug) || []).forEach((listener) => listener(count));
}
