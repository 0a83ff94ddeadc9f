// The widget in every language (issue 14), in Chromium against the real
// server: each language's words and direction, signing in Welsh and Persian,
// an Arabic error worded from the server's code, the language control by
// keyboard, the offer of the browser's language, and English visitors
// fetching nothing more.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import {
  PARTNER, SERVER, open, widget, ready, shownCount, freshEmail, axeViolations, assertNoConsoleErrors, screenshot,
  linkMailedTo, mailTo,
  launch,
} from "./browser.mjs";

const LANG = new URL("../../lang/", import.meta.url).pathname;
const ENGLISH = JSON.parse(readFileSync(`${LANG}en.json`, "utf8"));
const CODES = readdirSync(LANG).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
const KEYS = Object.keys(ENGLISH.widget);

let browser;
// Partner pages served by the test itself: see `launch`.
before(async () => { browser = await launch({ publicPages: true }); });
after(async () => { await browser?.close(); });

/** A built language file, as the widget gets it (`/lang` names it). */
const files = new Map();
async function file(code) {
  if (!files.has(code)) {
    const response = await fetch(`${SERVER}/lang?lang=${code}`);
    files.set(code, response.status === 200 ? { ...(await response.json()), url: response.url } : null);
  }
  return files.get(code);
}

/** The keys in the order of a built file's `texts` (core's WIDGET_KEYS). */
async function builtKeys() {
  const { url } = await file("cy");
  return (await fetch(new URL("keys.json", url))).json();
}

/** A partner page of the test's own, `<html lang=…>`, with the loader and `hosts` widgets (one unless told). */
async function partnerPage({ htmlLang = "en", dir = "ltr", hostLang = "", slug = "stop-sharing", locale = "en-GB", width, init, hosts = 1 } = {}, arg) {
  const opened = await open(browser, { locale, ...(width ? { width, height: 900 } : {}) });
  const host = `<div data-petition="${slug}"${hostLang ? ` data-lang="${hostLang}"` : ""}></div>`.repeat(hosts);
  await opened.page.route(`${PARTNER}/languages-test.html`, (route) => route.fulfill({
    contentType: "text/html; charset=utf-8",
    body: `<!doctype html><html lang="${htmlLang}" dir="${dir}"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1"><title>Languages</title></head>` +
      `<body style="margin:1rem">${host}<script src="${SERVER}/embed.js" async></script></body></html>`,
  }));
  if (init) await opened.page.addInitScript(init, arg);
  await opened.page.goto(`${PARTNER}/languages-test.html`);
  return opened;
}

/** The English words of a key as a pattern its filled-in text matches. */
function englishPatterns(key) {
  const entry = ENGLISH.widget[key];
  const forms = entry.text !== undefined ? [entry.text] : [entry.one, entry.other];
  return forms.map((form) => {
    const parts = form.split(/\{[a-z_]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").trim());
    return new RegExp(`^${parts.join(".+?")}$`, "s");
  });
}

/**
 * Every text the widget shows (text nodes, labels and names read to screen
 * readers), outside the petition's own texts (marked with a `lang` that
 * isn't the widget's), with the widget's lang and dir.
 */
async function shownTexts(page) {
  return widget(page).evaluate((host) => {
    const root = host.shadowRoot;
    const pw = root.getElementById("pw");
    const ui = pw.getAttribute("lang");
    const texts = [];
    const foreign = (node) => {
      for (let el = node.nodeType === 1 ? node : node.parentElement; el && el !== pw; el = el.parentElement) {
        if (el.hasAttribute("lang") && el.getAttribute("lang") !== ui) return true;
      }
      return false;
    };
    const walker = document.createTreeWalker(pw, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {
      if (foreign(node)) continue;
      if (node.nodeType === 3) {
        const text = node.textContent.replace(/[\u2068\u2069]/g, "").trim();
        if (text) texts.push(text);
      } else {
        for (const name of ["aria-label", "aria-valuetext", "placeholder", "title"]) {
          if (node.getAttribute(name)) texts.push(node.getAttribute(name).trim());
        }
      }
    }
    return { lang: ui, dir: pw.getAttribute("dir"), texts };
  });
}

/** Mounts a new widget for `slug` in `code` on the page, unmounting the one before. */
async function remount(page, code, slug = "stop-sharing") {
  await page.evaluate(async ({ server, code, slug }) => {
    const module = await import(`${server}/pkg/petition_widget.js`);
    for (const old of document.querySelectorAll("[data-petition]")) {
      module.unmount(old);
      old.remove();
    }
    const host = document.body.appendChild(document.createElement("div"));
    host.setAttribute("data-petition", slug);
    host.setAttribute("data-lang", code);
    window.PetitionWidget.scan();
  }, { server: SERVER, code, slug });
  await ready(page);
  await datesFilled(page);
}

/** Dates are filled in just after the first render: waits for them. */
async function datesFilled(page) {
  await page.waitForFunction(() => {
    const root = document.querySelector("[data-petition]").shadowRoot;
    return root.getElementById("pw-ready") && !root.querySelector("time:empty");
  });
}

test("in every language the widget renders completely in its words and direction, with no English, key or placeholder left", async () => {
  const { context, page, record } = await partnerPage({ htmlLang: "en" });
  await ready(page);
  const keyNames = new RegExp(`\\b(${KEYS.filter((k) => k.includes("_")).join("|")})\\b`);
  const order = await builtKeys();
  for (const code of CODES) {
    await remount(page, code);
    const built = code === "en" ? null : await file(code);
    const rtl = code === "en" ? false : JSON.parse(readFileSync(`${LANG}${code}.json`, "utf8")).language.dir === "rtl";
    const shown = await shownTexts(page);
    assert.equal(shown.lang, code, `${code}: the widget says it speaks ${code}`);
    assert.equal(shown.dir, rtl ? "rtl" : "ltr", `${code}: direction`);
    assert.ok(await widget(page).locator("#pw-first_name").isVisible(), `${code}: the form is there`);
    for (const text of shown.texts) {
      assert.doesNotMatch(text, /\{[a-z_]+\}/, `${code}: a placeholder left in ${JSON.stringify(text)}`);
      assert.doesNotMatch(text, keyNames, `${code}: a key's name in ${JSON.stringify(text)}`);
    }
    if (!built) continue;
    // Every text whose translation differs from the English must not show in English.
    for (const key of KEYS) {
      const translated = built.texts[order.indexOf(key)];
      const entry = ENGLISH.widget[key];
      const same = typeof translated === "string" ? translated === entry.text
        : translated && Object.values(translated).some((form) => form === entry.other || form === entry.one);
      if (same || !translated) continue;
      for (const pattern of englishPatterns(key)) {
        const english = shown.texts.find((text) => pattern.test(text));
        assert.equal(english, undefined, `${code}: ${key} shows in English: ${JSON.stringify(english)}`);
      }
    }
  }
  assertNoConsoleErrors(record);
  await context.close();
});

/** A text of a built language file, by key (its first form, for a counting text). */
async function words(code, key) {
  const built = await file(code);
  const text = built.texts[(await builtKeys()).indexOf(key)];
  return typeof text === "string" ? text : text.other;
}

test("language files are kept for a year by address, and English needs none", async () => {
  const built = await file("cy");
  const response = await fetch(built.url);
  assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.match(built.url, /\/pkg\/lang\/[0-9a-f]{12}\/cy\.json$/);
  assert.equal((await fetch(`${SERVER}/lang?lang=en-GB,cy`)).status, 204, "English first: nothing to fetch");
  assert.equal((await fetch(`${SERVER}/lang?lang=cy-GB,en`, { redirect: "manual" })).headers.get("location"), new URL(built.url).pathname);
});

for (const [code, dir] of [["ar", "rtl"], ["cy", "ltr"]]) {
  test(`on a page in ${code} the widget speaks it and axe finds no violation`, async () => {
    const { context, page, record } = await partnerPage({ htmlLang: code, dir });
    await ready(page);
    await datesFilled(page);
    assert.equal(await widget(page).locator("#pw").getAttribute("lang"), code);
    assert.equal(await widget(page).locator("#pw").getAttribute("dir"), dir);
    assert.equal(await widget(page).locator("#pw-submit").textContent(), await words(code, "sign"));
    assert.deepEqual(await axeViolations(page), []);
    assertNoConsoleErrors(record);
    await context.close();
  });
}

test("two widgets on a page in Welsh both speak it, from one request for the words", async () => {
  const { context, page, record } = await partnerPage({ htmlLang: "cy", hosts: 2 });
  for (const index of [0, 1]) {
    await ready(page, index);
    assert.equal(await widget(page, index).locator("#pw").getAttribute("lang"), "cy");
    assert.equal(await widget(page, index).locator("#pw-submit").textContent(), await words("cy", "sign"));
  }
  assert.equal(record.requests.filter((url) => url.startsWith(`${SERVER}/lang?`)).length, 1, "one request for the words");
  assertNoConsoleErrors(record);
  await context.close();
});

for (const code of ["cy", "fa"]) {
  test(`signing in ${code}: the thank-you in ${code}, and the signature says it was made in ${code}`, async () => {
    const { context, page, record } = await partnerPage({ hostLang: code });
    await ready(page);
    const sent = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/signatures"));
    const form = widget(page);
    await form.locator("#pw-first_name").fill("Amara");
    await form.locator("#pw-email").fill(freshEmail(`lang-${code}`));
    await form.locator("#pw-postcode").fill("E1 6AN");
    assert.equal(await form.locator("label[for=pw-first_name]").textContent(), await words(code, "label_first_name"));
    await form.locator("#pw-submit").click();
    const request = await sent;
    assert.equal(JSON.parse(request.postData()).lang, code);
    assert.equal((await request.response()).status(), 200);
    await form.locator("#pw-thanks-title", { hasText: await words(code, "thanks") }).waitFor();
    assert.ok((await form.locator("#pw-thanks-text").textContent()).includes("Amara"), "greeted by name");
    await screenshot(page, `languages-${code}-thank-you`);
    assertNoConsoleErrors(record);
    await context.close();
  });
}

test("signed in Arabic, a signature to confirm gets its mail in Arabic, and the mail's link confirms it on a page in Arabic", async () => {
  // A petition in English only: the form and the mail are in the reader's
  // language, the petition's title in its own.
  const { context, page, record } = await partnerPage({ htmlLang: "ar", dir: "rtl", slug: "scrap-upfront-charging" });
  await ready(page);
  const form = widget(page);
  const email = freshEmail("lang-ar-mail");
  await form.locator("#pw-first_name").fill("أمل");
  await form.locator("#pw-email").fill(email);
  await form.locator("#pw-postcode").fill("E1 6AN");
  await form.locator("#pw-submit").click();
  await form.locator("#pw-thanks-title", { hasText: await words("ar", "thanks_inbox") }).waitFor();

  const arabic = JSON.parse(readFileSync(`${LANG}ar.json`, "utf8")).server;
  const title = await form.locator("#pw-title").textContent();
  const mail = await mailTo(email);
  assert.equal(mail.subject, arabic.mail_confirm_subject.replace("{title}", title));
  for (const line of [arabic.mail_confirm_thanks, arabic.mail_confirm_how.replace("{button}", arabic.confirm_button), arabic.mail_confirm_ignore]) {
    assert.ok(mail.body.includes(line), `the mail says ${line}:\n${mail.body}`);
  }
  assert.ok(mail.body.includes(`  ${title}`), "the petition's own title, on its line");

  const inbox = await context.newPage();
  await inbox.goto(await linkMailedTo(email));
  assert.equal(await inbox.locator("html").getAttribute("lang"), "ar");
  assert.equal(await inbox.locator("html").getAttribute("dir"), "rtl");
  await inbox.getByRole("button", { name: arabic.confirm_button }).click();
  await inbox.getByRole("heading", { name: arabic.confirmed_title }).waitFor();
  await screenshot(inbox, "languages-ar-confirmed");
  assertNoConsoleErrors(record);
  await context.close();
});

test("a signature kept offline goes when the widget is next shown, in Arabic; the server's 422 is worded in Arabic from its code", async () => {
  const key = `petition-widget:queued:${SERVER}/stop-sharing`;
  const kept = { first_name: "Amara", email: "amara-at-example.org", postcode: "E1 6AN", lang: "ar" };
  const { context, page } = await partnerPage({
    hostLang: "ar",
    init: ([key, kept]) => localStorage.setItem(key, kept),
  }, [key, JSON.stringify(kept)]);
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/signatures") && r.status() === 422);
  // The init script set the queue before the loader ran.
  const response = await answered;
  const body = await response.json();
  assert.equal(body.fields[0].code, "format", "the server's code");
  assert.equal(JSON.parse(response.request().postData()).lang, "ar", "sent with the language it was made in");
  const error = widget(page).locator("#pw-email-error");
  await error.waitFor();
  const arabic = await words("ar", "error_email_format");
  assert.equal((await error.textContent()).trim().endsWith(arabic), true, `${await error.textContent()} ends with ${arabic}`);
  assert.equal(await widget(page).locator("#pw-error-list a").first().textContent(), arabic);
  assert.equal(await widget(page).locator("#pw-email").inputValue(), kept.email, "what was typed is still there");
  await screenshot(page, "languages-ar-server-error");
  await context.close();
});

test("the language control works while a signature kept offline is being sent", async () => {
  // The loader wires the control once the widget has loaded; the kept
  // signature goes after its proof of work, and the answer may be slow.
  const key = `petition-widget:queued:${SERVER}/stop-sharing`;
  const kept = { first_name: "Amara", email: "amara-at-example.org", postcode: "E1 6AN", lang: "en" };
  const { context, page } = await open(browser);
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  const held = new Promise((resolve) => {
    page.route(`${SERVER}/api/petitions/stop-sharing/signatures`, async (route) => {
      resolve();
      await released;
      await route.continue();
    });
  });
  await page.addInitScript(([key, kept]) => localStorage.setItem(key, kept), [key, JSON.stringify(kept)]);
  await page.goto(`${PARTNER}/plain.html`);
  await held;
  const form = widget(page);
  await form.getByRole("button", { name: "Language: English" }).click();
  await form.locator("#pw-lang-list button[data-code=cy]").waitFor();
  assert.equal(await form.getByRole("button", { name: "Language: English" }).getAttribute("aria-expanded"), "true");
  release();
  // The answer still comes to the form: the server's error, under the field.
  await form.locator("#pw-email-error").waitFor();
  assert.equal(await form.locator("#pw-email").inputValue(), kept.email, "what was kept is still there");
  await context.close();
});

test("the language control works by keyboard alone, keeps what was typed and ticked, and keeps focus", async () => {
  const { context, page, record } = await partnerPage({ htmlLang: "en-GB" });
  await ready(page);
  const form = widget(page);
  await form.locator("#pw-first_name").fill("Siân");
  await form.locator("#pw-email").fill("sian@example.org");
  await form.locator("#pw-consent").check();
  const active = () => form.evaluate((host) => {
    const el = host.shadowRoot.activeElement;
    return el ? el.id || el.getAttribute("data-code") : null;
  });
  // Back up from the first field to the control, by Shift+Tab.
  await form.locator("#pw-first_name").focus();
  for (let n = 0; n < 10 && (await active()) !== "pw-lang-button"; n++) await page.keyboard.press("Shift+Tab");
  assert.equal(await active(), "pw-lang-button");
  assert.equal(await form.locator("#pw-lang-button").textContent(), "Language: English");
  await page.keyboard.press("Enter");
  await form.locator("#pw-lang-list button[data-code=cy]").waitFor();
  assert.equal(await form.locator("#pw-lang-button").getAttribute("aria-expanded"), "true");
  assert.equal(await active(), "en", "focus on the language spoken");
  assert.equal(await form.locator("#pw-lang-list button[data-code=cy]").getAttribute("lang"), "cy");
  assert.equal(await form.locator("#pw-lang-list button[data-code=cy]").textContent(), "Cymraeg");
  assert.deepEqual(await axeViolations(page), [], "the list open");
  await screenshot(page, "languages-control-open");
  for (let n = 0; n < CODES.length && (await active()) !== "cy"; n++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await form.locator("#pw[lang=cy]").waitFor();
  await form.locator("label[for=pw-first_name]", { hasText: await words("cy", "label_first_name") }).waitFor();
  assert.equal(await form.locator("#pw-first_name").inputValue(), "Siân");
  assert.equal(await form.locator("#pw-email").inputValue(), "sian@example.org");
  assert.equal(await form.locator("#pw-consent").isChecked(), true);
  assert.equal(await active(), "pw-lang-button", "focus stays on the control");
  assert.equal(await form.locator("#pw-lang-list").isVisible(), false);
  assert.equal(await form.locator("#pw-live").textContent(), `${await words("cy", "language")}: Cymraeg`);
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), `petition-widget:lang:${SERVER}`), "cy", "remembered");
  // Escape closes the list again, back on its button.
  await page.keyboard.press("Enter");
  await form.locator("#pw-lang-list button").first().waitFor();
  await page.keyboard.press("Escape");
  assert.equal(await active(), "pw-lang-button");
  assert.equal(await form.locator("#pw-lang-list").isVisible(), false);
  assertNoConsoleErrors(record);
  await context.close();
});

test("the language control's first press counts while its code is still on its way", async () => {
  const { context, page, record } = await partnerPage({ htmlLang: "en-GB" });
  await ready(page);
  // languages.js is held back until the control has been pressed: the
  // press reaches the loader before the code that opens the list.
  let release;
  const pressed = new Promise((resolve) => (release = resolve));
  await page.route(`${SERVER}/languages.js`, async (route) => {
    await pressed;
    await route.continue();
  });
  const asked = page.waitForRequest(`${SERVER}/languages.js`);
  const form = widget(page);
  await form.locator("#pw-lang-button").click();
  await asked; // on reaching the control, and held
  release();
  await form.locator("#pw-lang-list button[data-code=cy]").waitFor();
  assert.equal(await form.locator("#pw-lang-button").getAttribute("aria-expanded"), "true");
  assertNoConsoleErrors(record);
  await context.close();
});

test("an English page in a Welsh browser offers Welsh, in Welsh, without switching by itself; taking it switches", async () => {
  const { context, page, record } = await partnerPage({ htmlLang: "en", locale: "cy" });
  await ready(page);
  const offer = widget(page).locator("#pw-offer");
  await offer.waitFor();
  assert.equal(await offer.getAttribute("lang"), "cy");
  assert.equal(await widget(page).locator("#pw-offer-switch").textContent(), await words("cy", "offer"));
  assert.equal(await widget(page).locator("#pw").getAttribute("lang"), "en", "still English");
  assert.equal(await widget(page).locator("#pw-offer-close").getAttribute("aria-label"), "Close");
  await screenshot(page, "languages-offer-cy");
  await widget(page).locator("#pw-offer-switch").click();
  await widget(page).locator("#pw[lang=cy]").waitFor();
  assert.equal(await offer.isVisible(), false);
  assertNoConsoleErrors(record);
  await context.close();
});

test("switching language never shows a lower count than the one on screen, nor another goal or milestones with it", async () => {
  const { context, page, record } = await partnerPage({ htmlLang: "en", locale: "cy" });
  await ready(page);
  const form = widget(page);
  const before = await shownCount(page);
  assert.ok(before > 0, "the demo petition has signatures to lose");
  const goal = await form.locator("#pw-goal").textContent();
  const goalNumber = goal.match(/[\d,]+/)[0];
  const milestones = await form.locator("#pw-timeline li").count();
  // The petition fetched again in Welsh is an older copy (as a cache may
  // give): one signature fewer, another goal, no milestones.
  await page.route(/\/api\/petitions\/stop-sharing\?lang=/, async (route) => {
    const response = await route.fetch();
    const petition = await response.json();
    await route.fulfill({ response, json: { ...petition, signature_count: before - 1, goal: 7, milestones: [] } });
  });
  await form.locator("#pw-offer-switch").click();
  await form.locator("#pw[lang=cy]").waitFor();
  // Drawn again in Welsh: the goal's words change, its number stays.
  await form.evaluate((host, english) => new Promise((resolve) => {
    const goal = host.shadowRoot.getElementById("pw-goal");
    const done = () => goal.textContent !== english && resolve();
    new MutationObserver(done).observe(goal, { childList: true, characterData: true, subtree: true });
    done();
  }), goal);
  assert.match(await form.locator("#pw-goal").textContent(), new RegExp(goalNumber));
  assert.ok(await shownCount(page) >= before, `the count stays at ${before} or above`);
  assert.equal(await form.locator("#pw-timeline li").count(), milestones, "the milestones stay");
  assertNoConsoleErrors(record);
  await context.close();
});

test("an English visitor on an English page fetches no language file or list", async () => {
  const { context, page, record } = await partnerPage({ htmlLang: "en-GB", locale: "en-GB" });
  await ready(page);
  await datesFilled(page);
  const fetched = record.requests.filter((url) => url.includes("/pkg/lang/") || url.includes("/lang?"));
  assert.deepEqual(fetched, []);
  assert.equal(await widget(page).locator("#pw-offer").isVisible(), false);
  await context.close();
});

for (const code of ["ar", "fa", "he", "cy"].filter((code) => CODES.includes(code))) {
  test(`screenshots in ${code}, phone and desktop`, async () => {
    for (const width of [390, 1280]) {
      const { context, page } = await partnerPage({ hostLang: code, width });
      await ready(page);
      await datesFilled(page);
      await widget(page).locator("#pw-milestones summary").click();
      await screenshot(page, `languages-${code}-${width}`);
      await context.close();
    }
  });
}

test("the demo's Arabic partner page shows the petition in Arabic, right to left, linked from the demo index", async () => {
  const { context, page, record } = await open(browser, { width: 390, height: 900 });
  await page.goto(`${PARTNER}/`);
  await page.getByRole("link", { name: /in Arabic/ }).click();
  await ready(page);
  await datesFilled(page);
  assert.equal(await widget(page).locator("#pw").getAttribute("dir"), "rtl");
  assert.equal(await widget(page).locator("#pw-submit").textContent(), await words("ar", "sign"));
  // Nothing wider than the phone's screen.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await screenshot(page, "languages-demo-arabic");
  assertNoConsoleErrors(record);
  await context.close();
});

test("a counter speaks the page's language: its words, its plural forms, and a link to the page in it", async () => {
  const { context, page, record } = await open(browser);
  await page.route(`${PARTNER}/counter-cy.html`, (route) => route.fulfill({
    contentType: "text/html; charset=utf-8",
    body: `<!doctype html><html lang="cy"><meta charset="utf-8"><title>Cownter</title>` +
      `<div data-petition="stop-sharing" data-view="counter"></div><script src="${SERVER}/embed.js" async></script></html>`,
  }));
  await page.goto(`${PARTNER}/counter-cy.html`);
  const link = widget(page).getByRole("link");
  await link.filter({ hasText: await words("cy", "sign") }).waitFor();
  assert.match(await link.getAttribute("href"), /[?&]lang=cy(&|$)/);
  assert.equal(await widget(page).locator(".pw").getAttribute("lang"), "cy");
  const goal = await widget(page).locator(".pw-goal").textContent();
  assert.ok(!/signatures|Help us/.test(goal), `the goal in Welsh: ${goal}`);
  assertNoConsoleErrors(record);
  await context.close();
});

test("where a page's policy refuses the widget, the loader says so in the page's language", async () => {
  const { context, page } = await open(browser);
  await page.route(`${PARTNER}/refused-cy.html`, (route) => route.fulfill({
    contentType: "text/html; charset=utf-8",
    body: `<!doctype html><html lang="cy"><meta charset="utf-8">` +
      `<meta http-equiv="Content-Security-Policy" content="script-src 'self' ${SERVER}; connect-src 'self' ${SERVER}">` +
      `<title>Polisi</title><div data-petition="stop-sharing"></div><script src="${SERVER}/embed.js" async></script></html>`,
  }));
  await page.goto(`${PARTNER}/refused-cy.html`);
  const alert = widget(page).getByRole("alert");
  await alert.filter({ hasText: await words("cy", "loader_refused") }).waitFor();
  assert.equal(await alert.getByRole("link").textContent(), await words("cy", "sign_on_own_page"));
  assert.equal(await alert.getAttribute("lang"), "cy");
  await context.close();
});
