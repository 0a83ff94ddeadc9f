/*! The widget's language control and its offer of the reader's own
 * language. embed.js imports this the first time a widget's control is
 * reached (or a language is to be offered), and hands it the events in the
 * widget's shadow root; the widget (src/widget.rs) draws itself in the
 * language chosen. English readers who never open the list load none of it.
 */

// Every language the widget speaks, [{code, name, dir, offer}], by the
// address of the list (its name changes with any language file): fetched
// once per page, when first needed.
const lists = new Map();
function languages(url) {
  if (!lists.has(url)) {
    lists.set(url, fetch(url, { credentials: "omit" }).then((r) => r.json()).catch(() => []));
  }
  return lists.get(url);
}

/**
 * Handles `event` (a click, focus or key in the widget in `host`, or
 * "offer" once it is drawn) for the widget module `widget`, whose petition
 * server is `api`.
 */
export function act(host, widget, event, api) {
  const root = host.shadowRoot;
  const el = (id) => root.getElementById(id);
  const [button, list, offer] = [el("pw-lang-button"), el("pw-lang-list"), el("pw-offer")];
  const url = list.getAttribute("data-index");
  const closedKey = "petition-widget:offer:" + api;

  const close = () => {
    button.setAttribute("aria-expanded", "false");
    list.hidden = true;
  };
  const choose = (code) => {
    close();
    offer.hidden = true;
    button.focus();
    widget.switch_language(host, code);
  };

  if (event === "offer") {
    try {
      if (localStorage.getItem(closedKey)) return;
    } catch (e) {} // no storage here: offered on every visit
    const code = offer.getAttribute("data-offer");
    return languages(url).then((all) => {
      const offered = all.find((l) => l.code === code);
      if (!offered) return;
      offer.lang = offered.code;
      offer.dir = offered.dir;
      el("pw-offer-switch").textContent = offered.offer;
      offer.hidden = false;
    });
  }
  const target = event.target.closest("button");
  if (event.type === "focusin") return void languages(url);
  if (event.type === "keydown") return key(event, list, button, close);
  if (event.type !== "click" || !target) return;
  if (target === button) {
    if (button.getAttribute("aria-expanded") === "true") return close();
    return languages(url).then((all) => open(root, list, button, all));
  }
  if (target.hasAttribute("data-code")) return choose(target.getAttribute("data-code"));
  if (target.id === "pw-offer-switch") return choose(offer.getAttribute("data-offer"));
  if (target.id === "pw-offer-close") {
    offer.hidden = true;
    try {
      localStorage.setItem(closedKey, "closed");
    } catch (e) {} // remembered for this page only
  }
}

/** Fills the list with every language, each named in its own script, and moves focus to the one spoken. */
function open(root, list, button, all) {
  const spoken = root.getElementById("pw").lang;
  list.replaceChildren(
    ...all.map((language) => {
      const item = document.createElement("li");
      const choice = item.appendChild(document.createElement("button"));
      choice.type = "button";
      choice.className = "pw-link-button";
      choice.lang = language.code;
      choice.dir = language.dir;
      choice.setAttribute("data-code", language.code);
      choice.textContent = language.name;
      if (language.code === spoken) choice.setAttribute("aria-current", "true");
      return item;
    }),
  );
  button.setAttribute("aria-expanded", "true");
  list.hidden = false;
  (list.querySelector("[aria-current]") || list.querySelector("button"))?.focus();
}

/** Arrows, Home and End move through the list; Escape closes it, back to its button. */
function key(event, list, button, close) {
  const choices = [...list.querySelectorAll("button")];
  const at = choices.indexOf(event.target);
  if (at < 0) return;
  const n = choices.length;
  const to = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1 + n, ArrowLeft: at - 1 + n, Home: 0, End: n - 1 }[event.key];
  if (event.key === "Escape") {
    close();
    button.focus();
  } else if (to === undefined) {
    return;
  } else {
    choices[to % n].focus();
  }
  event.preventDefault();
}
