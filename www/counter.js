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
  ".pw-count strong{font-size:1.75rem;font-weight:800;color:#083f77;font-variant-numeric:tabular-nums;unicode-bidi:isolate}" +
  ".pw-first{font-weight:600;align-items:center}" +
  ".pw-bar{height:.875rem;background:#e3e7ec;border-radius:999px;overflow:hidden;margin:.5rem 0 .375rem;border:1px solid #8a95a1}" +
  ".pw-fill{height:100%;background:#0b57a4;border-radius:999px;min-width:.875rem}" +
  ".pw-goal{color:#4a5562;font-size:.9375rem}" +
  "a{font-weight:700;color:#fff;background:#0b57a4;border-radius:6px;padding:.5rem 1rem;text-decoration:none;box-shadow:0 2px 0 #083f77}" +
  "a:hover{background:#083f77}:focus-visible{outline:3px solid #ffdd00;box-shadow:0 0 0 6px #0b0c0c}" +
  "@media (prefers-reduced-motion:no-preference){.pw-fill{transition:width .6s ease-out}}";

/**
 * Draws a counter into `host`'s shadow root and keeps it live, in the
 * language of `words` (a promise of the built language file the loader
 * fetched, or of nothing: English). Never rejects.
 */
export function mount(host, api, words) {
  return show(host, api, words).catch(() => {});
}

async function show(host, api, words) {
  const slug = host.getAttribute("data-petition");
  const url = api + "/api/petitions/" + encodeURIComponent(slug);
  const [petition, file] = await Promise.all([get(url), Promise.resolve(words).catch(() => null)]);
  const lang = language(file);
  // The loader's placeholder stays until there is something to show.
  const view = draw(host.shadowRoot || host.attachShadow({ mode: "open" }), link(host, api, slug, lang), lang);
  if (!petition) {
    view.count.textContent = lang.t("counter_failed");
    view.goal.textContent = lang.t("counter_sign_elsewhere");
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

/**
 * The petition's own page (in the counter's language); a data-source or
 * data-partner of the shape the server accepts goes with it.
 */
function link(host, api, slug, lang) {
  const url = new URL(api + "/p/" + encodeURIComponent(slug));
  for (const name of ["source", "partner"]) {
    const value = host.getAttribute("data-" + name);
    if (value && /^[a-z0-9][a-z0-9-]{0,63}$/.test(value)) url.searchParams.set(name, value);
  }
  if (lang.code) url.searchParams.set("lang", lang.code);
  return url.href;
}

// The counter's words: their places in the widget's texts (core's
// WIDGET_KEYS; `cargo xtask build` checks them), and their English.
const TEXTS = {
  first: 38, signatures: 98, bar: 2, bar_value: 4, bar_started: 3, goal: 39, sign: 96,
  counter_failed: 14, counter_sign_elsewhere: 15, see_petition: 89, counter_closed: 13,
};
const ENGLISH = {
  first: "Be one of the first to sign this petition.",
  signatures: ["{count} signature", "{count} signatures"],
  bar: "Progress towards the goal",
  bar_value: ["{done} of {count} signature", "{done} of {count} signatures"],
  bar_started: ["Just started, towards {count} signature", "Just started, towards {count} signatures"],
  goal: ["Help us reach {count} signature", "Help us reach {count} signatures"],
  sign: "Sign the petition",
  counter_failed: "The count could not be loaded just now.",
  counter_sign_elsewhere: "You can still sign on the petition's own page.",
  see_petition: "See the petition",
  counter_closed: ["This petition has closed. Its goal was {count} signature", "This petition has closed. Its goal was {count} signatures"],
};

/**
 * A language's words and rules: `t(key, n, values)` is a text (for a count
 * of `n`, by the language's plural rules) with `{count}` and `values` put
 * in; `number(n)` a number in its digits. English (no file) by hand, as
 * the widget does, so English costs no Intl; a text the file lacks, in English.
 */
function language(file) {
  const texts = (file && Array.isArray(file.texts) && file.texts) || [];
  const intl = file && (file.intl || file.code);
  let plural, digits;
  try {
    plural = intl && new Intl.PluralRules(intl);
    digits = intl && new Intl.NumberFormat(intl);
  } catch (e) {
    plural = digits = null;
  }
  // `12345` → `"12,345"`, as the widget and the server's pages write counts (core's `grouped`).
  const number = (n) => (digits ? digits.format(n) : String(n).replace(/\B(?=(\d{3})+$)/g, ","));
  const t = (key, n = 0, values = {}) => {
    let text = texts[TEXTS[key]];
    if (text && typeof text === "object") text = text[plural ? plural.select(n) : "other"] || text.other;
    if (typeof text !== "string" || !text.trim()) text = [].concat(ENGLISH[key])[n === 1 ? 0 : 1] || ENGLISH[key];
    values = { count: number(n), ...values };
    return text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  };
  return { t, number, code: file && file.code, dir: file && file.dir === "rtl" ? "rtl" : "ltr" };
}

function el(parent, tag, className, text = "") {
  const node = parent.appendChild(document.createElement(tag));
  node.className = className;
  node.textContent = text;
  return node;
}

/** Replaces the loader's placeholder with the counter, in `lang`. */
function draw(root, href, lang) {
  const box = document.createElement("div");
  box.className = "pw";
  box.lang = lang.code || "en";
  box.dir = lang.dir;
  const row = el(box, "div", "pw-row");
  const count = el(row, "p", "pw-count pw-first");
  const sign = el(row, "a", "", lang.t("sign"));
  sign.setAttribute("href", href);
  const bar = el(box, "div", "pw-bar");
  bar.hidden = true;
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-label", lang.t("bar"));
  bar.setAttribute("aria-valuemin", "0");
  const fill = el(bar, "div", "pw-fill");
  const goal = el(box, "p", "pw-goal");
  root.replaceChildren(...style(root), box);
  return { count, sign, bar, fill, goal, lang };
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

/** Shows the petition's count, bar and goal in the widget's words (src/view.rs). */
function update(view, { signature_count: count, goal, show_count_from, closed }) {
  const { t, number } = view.lang;
  // A closed petition shows what it reached, however few.
  const counted = count >= show_count_from || closed;
  view.count.className = counted ? "pw-count" : "pw-count pw-first";
  view.count.textContent = "";
  if (counted) {
    // The number in bold, the words around it as the language puts them.
    const [before, after] = t("signatures", count, { count: "\u0000" }).split("\u0000");
    view.count.append(before, el(view.count, "strong", "", number(count)), after || "");
  } else {
    view.count.textContent = t("first");
  }
  const bar = view.bar;
  bar.hidden = false;
  bar.setAttribute("aria-valuenow", counted ? Math.min(count, goal) : 0);
  bar.setAttribute("aria-valuemax", goal);
  bar.setAttribute("aria-valuetext", counted ? t("bar_value", goal, { done: number(count) }) : t("bar_started", goal));
  // Tenths of a per cent, rounded down, as core's progress_permille.
  view.fill.style.width = (counted ? (goal ? Math.floor((Math.min(count, goal) * 1000) / goal) : 1000) : 0) / 10 + "%";
  view.goal.textContent = t(closed ? "counter_closed" : "goal", goal);
  if (closed) view.sign.textContent = t("see_petition");
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
