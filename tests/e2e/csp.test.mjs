// Partner pages with a Content-Security-Policy (issue 13), the WordPress
// sandbox, and the loader's placeholders, iframe heights and data-server, in Chromium
// against the real server. The clinic demo page (www/demo/clinic.html) runs
// under a policy given by a <meta> tag, one of a fixed set chosen by ?policy=.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PARTNER, SERVER, open, widget, ready, serverCount, freshEmail, fillForm,
  pageAxeViolations, assertNoConsoleErrors, screenshot,
  launch,
} from "./browser.mjs";

let browser;
// Partner pages served by the test itself: see `launch`.
before(async () => { browser = await launch({ publicPages: true }); });
after(async () => { await browser?.close(); });

const ACCENT = "rgb(11, 87, 164)"; // --pw-accent, #0b57a4
const SECURITY = "This page’s security settings don’t let the petition’s form run here.";
const PETITION_PAGE = `${SERVER}/p/stop-sharing`;

async function petition() {
  return (await fetch(`${SERVER}/api/petitions/stop-sharing`)).json();
}

/** The submit button's background and the first name's border, as drawn. */
async function look(page) {
  return widget(page).evaluate((host) => {
    const style = (id, property) => getComputedStyle(host.shadowRoot.getElementById(id))[property];
    return { button: style("pw-submit", "backgroundColor"), radius: style("pw-submit", "borderTopLeftRadius") };
  });
}

/** Signs on `page` (or a frame) as a person would, and waits for the thank-you. */
async function sign(page, who) {
  await fillForm(page, { email: freshEmail(who) });
  await widget(page).getByRole("button", { name: "Sign the petition" }).click();
  await widget(page).getByRole("heading", { name: "Thank you for signing" }).waitFor();
}

/** The CSP violations the page reported, as "directive blockedURI". */
async function violations(page) {
  return page.evaluate(() => window.__violations);
}

async function clinic(policy, options) {
  const opened = await open(browser, options);
  await opened.page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  await opened.page.goto(`${PARTNER}/clinic.html?policy=${policy}`);
  return opened;
}

for (const policy of ["strict", "server-styles", "trusted-types"]) {
  test(`under a strict policy (${policy}), the widget is styled, its anti-bot field unseen, and signing works`, async () => {
    const { context, page, record } = await clinic(policy);
    await ready(page);
    // The page shows its own policy, and the sources a partner must add.
    assert.match(await page.locator("#policy").textContent(), new RegExp(`script-src 'self' ${SERVER} 'wasm-unsafe-eval'; connect-src 'self' ${SERVER};`));
    assert.equal(await page.locator("#needed").textContent(), `script-src ${SERVER} 'wasm-unsafe-eval'; connect-src ${SERVER}`);
    assert.deepEqual(await look(page), { button: ACCENT, radius: "6px" }, "the widget's own styles apply");
    assert.equal(await widget(page).locator("#pw-website").isVisible(), false, "the anti-bot field is not shown");
    assert.equal(await widget(page).getByText("Leave this empty").isVisible(), false);
    const before = await serverCount();
    await sign(page, `csp-${policy}`);
    assert.equal(await serverCount(), before + 1, "counted");
    await screenshot(page, `csp-${policy}-thank-you`);
    assert.deepEqual(await pageAxeViolations(page), []);
    // Nothing the widget or the loader does is refused (a refusal is logged as an error).
    assert.deepEqual(await violations(page), []);
    assertNoConsoleErrors(record);
    if (policy === "trusted-types") {
      // The page really does refuse HTML set as a string: the widget's
      // skeleton went in through its policy.
      const refused = await page.evaluate(() => {
        try {
          document.createElement("div").innerHTML = "<b>set as a string</b>";
          return false;
        } catch (e) {
          return e instanceof TypeError;
        }
      });
      assert.equal(refused, true, "the page enforces Trusted Types");
      assert.equal(await page.locator("#needed-trusted").textContent(), "petition-widget");
    }
    await context.close();
  });
}

test("a browser without constructable stylesheets under a strict policy: unstyled, the anti-bot field still unseen, signing works", async () => {
  const { context, page } = await open(browser);
  await page.addInitScript(() => {
    delete ShadowRoot.prototype.adoptedStyleSheets;
    delete Document.prototype.adoptedStyleSheets;
  });
  await page.goto(`${PARTNER}/clinic.html?policy=strict`);
  await ready(page);
  assert.notEqual((await look(page)).button, ACCENT, "its <style> is refused");
  assert.equal(await widget(page).locator("#pw-website").isVisible(), false, "hidden by the browser's own stylesheet");
  assert.equal(await widget(page).getByText("Leave this empty").isVisible(), false);
  await screenshot(page, "csp-unstyled");
  const before = await serverCount();
  await sign(page, "csp-unstyled");
  assert.equal(await serverCount(), before + 1);
  await context.close();
});

/** Records in window.__texts every text a widget's box shows, as it changes. */
async function recordTexts(page) {
  await page.addInitScript(() => {
    window.__texts = [];
    const attach = Element.prototype.attachShadow;
    Element.prototype.attachShadow = function (init) {
      const root = attach.call(this, init);
      new MutationObserver(() => {
        const box = root.querySelector(".pw");
        if (box && window.__texts[window.__texts.length - 1] !== box.textContent) window.__texts.push(box.textContent);
      }).observe(root, { childList: true, subtree: true, characterData: true });
      return root;
    };
  });
}

for (const policy of ["no-wasm", "no-connect", "no-trusted-types-policy"]) {
  test(`where the policy refuses the widget (${policy}), it says why and links to the petition's own page`, async () => {
    const { context, page } = await open(browser);
    await recordTexts(page);
    await page.goto(`${PARTNER}/clinic.html?policy=${policy}`);
    const alert = widget(page).getByRole("alert");
    await alert.filter({ hasText: SECURITY }).waitFor();
    const link = alert.getByRole("link", { name: "Sign the petition on its own page" });
    assert.equal(await link.getAttribute("href"), PETITION_PAGE);
    const texts = await page.evaluate(() => window.__texts);
    assert.ok(!texts.some((t) => /internet connection/i.test(t)), `never blames the connection: ${JSON.stringify(texts)}`);
    await screenshot(page, `csp-${policy}`);
    // The link leads to the petition's page, where it can be signed.
    const [response] = await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(page.url(), PETITION_PAGE);
    assert.equal(response.status(), 200);
    await context.close();
  });
}

test("an unknown policy name is refused in words", async () => {
  const response = await fetch(`${PARTNER}/clinic.html?policy=%27unsafe-inline%27`);
  assert.equal(response.status, 400);
  assert.match(await response.text(), /policy must be one of strict/);
});

/** A page at `url` (on the partner's site, or the server's) with `html` as its body. */
async function serve(page, url, html) {
  await page.route(url, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: html }));
}

test("a data-server written with a trailing slash still fetches the petition and its challenge once each", async () => {
  // As a partner might paste it. The loader fetches both while the widget's
  // code downloads; the widget asks for the same addresses, so it takes the
  // loader's answers rather than asking again. (Before the loader dropped the
  // slash, it asked for `//api/…`, and the widget never showed the petition.)
  const { context, page, record } = await open(browser);
  await serve(page, `${PARTNER}/slash.html`, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slash</title>
    <link rel="icon" href="data:,"></head><body>
    <script src="${SERVER}/embed.js" data-server="${SERVER}/" data-petition="stop-sharing" async></script></body></html>`);
  await page.goto(`${PARTNER}/slash.html`);
  // The petition is on screen: had the widget not taken the loader's answer,
  // its own fetch of the petition would be among the requests by now.
  await ready(page);
  const fetched = (path) => record.requests.filter((url) => new URL(url).pathname === path).length;
  assert.equal(fetched("/api/petitions/stop-sharing"), 1, "the petition, once");
  assert.equal(fetched("/api/petitions/stop-sharing/challenge"), 1, "its challenge, once");
  assert.ok(record.requests.every((url) => !new URL(url).pathname.startsWith("//")), "no address with a doubled slash");
  assertNoConsoleErrors(record);
  await context.close();
});

test("inside WordPress's sandbox (allow-scripts only), signing works and what can't work is said in words", async () => {
  const { context, page, record } = await open(browser);
  const srcdoc = `<!doctype html><html lang="en"><body><script src="${SERVER}/embed.js" data-petition="stop-sharing" async></script></body></html>`;
  await serve(page, `${PARTNER}/sandbox.html`, `<!doctype html><html lang="en"><title>Sandbox</title><body>
    <iframe title="Petition" sandbox="allow-scripts" style="width:100%;height:2200px;border:0" srcdoc="${srcdoc.replace(/"/g, "&quot;")}"></iframe></body></html>`);
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().includes("/signatures")) posts.push(r.url()); });
  await page.goto(`${PARTNER}/sandbox.html`);
  const frame = page.frameLocator("iframe");
  assert.equal(await page.frames()[1].evaluate(() => self.origin), "null", "an opaque origin");
  await ready(frame);
  const before = await serverCount();
  await sign(frame, "sandbox");
  assert.equal(await serverCount(), before + 1);
  assert.equal(posts.length, 1, "signed once");

  // Share links would open nothing: the address, in words.
  const { share, next_action: next } = await petition();
  const thanks = widget(frame).locator("#pw-thanks");
  assert.equal(await thanks.locator("#pw-share-links a").count(), 0);
  assert.equal(await thanks.getByRole("button", { name: "Copy link" }).isVisible(), false);
  assert.equal(await thanks.getByRole("button", { name: "Share…" }).isVisible(), false);
  const address = share.links_to === "url" || !share.links_to ? share.url : PETITION_PAGE;
  assert.match(await thanks.locator("#pw-share-hint").textContent(), new RegExp(`Copy this address to share the petition: ${address.replace(/[.?]/g, "\\$&")}\\?source=share-link`));
  assert.equal(await thanks.getByRole("link").count(), 0, "no link that silently does nothing");
  assert.equal(await thanks.locator("#pw-next-action-link").textContent(), `${next.title}: ${next.url}`);
  await screenshot(page, "csp-sandbox-thank-you");

  // Enter in a field signs too, once; and with the server unreachable, it
  // says the signature wasn't sent (it can't be kept here) without an error.
  await widget(frame).getByRole("button", { name: "Someone else wants to sign on this device" }).click();
  await fillForm(frame, { email: freshEmail("sandbox-enter") });
  await widget(frame).getByLabel("Postcode").press("Enter");
  await widget(frame).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(posts.length, 2, "Enter signed once");
  assertNoConsoleErrors(record);
  await widget(frame).getByRole("button", { name: "Someone else wants to sign on this device" }).click();
  await page.route(`${SERVER}/api/petitions/stop-sharing/signatures`, (route) => route.abort("internetdisconnected"));
  await fillForm(frame, { email: freshEmail("sandbox-offline") });
  await widget(frame).getByRole("button", { name: "Sign the petition" }).click();
  await widget(frame).locator("#pw-form-problem").filter({ hasText: "Your signature has not been sent yet; what you typed is still here, so please try again." }).waitFor();
  const privacy = widget(frame).locator(".pw-privacy");
  assert.match(await privacy.textContent(), new RegExp(`To remove a signature, go to ${SERVER.replace(/[.]/g, "\\.")}/remove`));
  assert.equal(await privacy.getByRole("link").count(), 0);
  await screenshot(page, "csp-sandbox-unsent");
  await context.close();
});

test("requestSubmit() signs once, where the form may submit", async () => {
  const { context, page } = await open(browser);
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST" && r.url().includes("/signatures")) posts.push(r.url()); });
  await page.goto(`${PARTNER}/blog.html`);
  await ready(page);
  await fillForm(page, { email: freshEmail("request-submit") });
  await widget(page).evaluate((host) => host.shadowRoot.getElementById("pw-form").requestSubmit());
  await widget(page).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(posts.length, 1);
  await context.close();
});

test("the loader keeps a host's own content on show until the widget mounts, and gives a counter a small placeholder", async () => {
  const { context, page, record } = await open(browser);
  await serve(page, `${PARTNER}/placeholders.html`, `<!doctype html><html lang="en"><title>Placeholders</title><body>
    <div data-petition="stop-sharing"><h2 id="ssr">Stop sharing patients' details</h2><p>1,234 signatures</p></div>
    <div data-petition="stop-sharing" data-view="counter"></div>
    <script src="${SERVER}/embed.js"></script></body></html>`);
  // The widget's code and the counter's are held back until the placeholders are checked.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(`${SERVER}/pkg/petition_widget_bg.wasm`, async (route) => { await held; await route.continue(); });
  // (The counter itself is not what is tested here: a module that draws nothing.)
  await page.route(`${SERVER}/counter.js`, async (route) => {
    await held;
    await route.fulfill({ contentType: "text/javascript", body: "export function mount() {}" });
  });
  await page.goto(`${PARTNER}/placeholders.html`);
  await page.waitForFunction(() => [...document.querySelectorAll("[data-petition]")].every((host) => host.shadowRoot));
  assert.equal(await page.locator("#ssr").isVisible(), true, "the page's own petition is on show");
  const height = (index) => widget(page, index).evaluate((host) => host.getBoundingClientRect().height);
  assert.ok((await height(0)) < 200, `no tall loading box below the page's own petition: ${await height(0)} px`);
  const counter = await height(1);
  const rem = 16;
  assert.ok(counter >= 7 * rem && counter < 9 * rem, `the counter's placeholder is about 7rem: ${counter} px`);
  await screenshot(page, "csp-placeholders");
  release();
  await ready(page);
  assert.equal(await page.locator("#ssr").isVisible(), false, "the widget takes the page's own petition's place");
  assertNoConsoleErrors(record);
  await context.close();
});

// The same server by another name: a second loader of its own, which
// imports the same code.
const SAME_SERVER = SERVER.replace("127.0.0.1", "localhost");
for (const [how, meta, server] of [
  ["", "", SERVER],
  // The policy's name allowed once (no 'allow-duplicates'): the second tag
  // has the first loader mount its widget, with the first's policy.
  [", under Trusted Types", `<meta http-equiv="Content-Security-Policy" content="require-trusted-types-for 'script'; trusted-types petition-widget">`, SERVER],
  [", the second reading petitions from the server by another name", "", SAME_SERVER],
]) test(`two loader tags on one page start the widget's code once, and a person signs in either widget${how}`, async () => {
  assert.notEqual(SAME_SERVER, SERVER);
  const { context, page, record } = await open(browser);
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  // As two blocks of a page builder might each carry the tag: each loader
  // puts its own widget after itself and starts the same code.
  await serve(page, `${PARTNER}/two-tags.html`, `<!doctype html><html lang="en">${meta}<title>Two tags</title><body>
    <script src="${SERVER}/embed.js" data-petition="stop-sharing"></script>
    <p>Between the two.</p>
    <script src="${SERVER}/embed.js" data-petition="stop-sharing" data-partner="medact" data-server="${server}"></script></body></html>`);
  await page.goto(`${PARTNER}/two-tags.html`);
  await ready(page, 0);
  await ready(page, 1);
  // A second start would have made a second instance of the wasm, and the
  // first widget's listeners would then call into code not theirs.
  for (const index of [0, 1]) {
    await fillForm(page, { email: freshEmail(`two-tags-${index}`) }, index);
    await widget(page, index).getByRole("button", { name: "Sign the petition" }).click();
    await widget(page, index).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  }
  assert.deepEqual(await violations(page), [], "nothing refused");
  assertNoConsoleErrors(record);
  if (meta) {
    // (After the checks above: this refusal is reported.)
    const refused = await page.evaluate(() => { try { document.createElement("div").innerHTML = "<b>a string</b>"; return false; } catch (e) { return e instanceof TypeError; } });
    assert.equal(refused, true, "the page enforces Trusted Types");
  }
  await context.close();
});

for (const [how, answer] of [
  ["a 404", (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "Not found" })],
  ["a lost connection", (route) => route.abort("internetdisconnected")],
]) {
  test(`when the widget's code can't be fetched (${how}), the loader says so in words`, async () => {
    const { context, page } = await open(browser);
    await page.route(`${SERVER}/pkg/petition_widget_bg.wasm`, answer);
    await page.goto(`${PARTNER}/medact.html`);
    const alert = widget(page).getByRole("alert");
    await alert.getByText("The petition could not be loaded. Check your internet connection and reload the page.").waitFor();
    assert.equal(await widget(page).getByText("Loading the petition…").count(), 0, "the loading line is gone");
    await context.close();
  });
}

test("the loader sizes the iframe embed by its height messages, and ignores anything else", async () => {
  const { context, page } = await open(browser);
  const poster = (height) => `<!doctype html><script>parent.postMessage(${JSON.stringify({ type: "petition-widget:height", height })}, "*");</script>`;
  // Frames on the server's origin (as /embed/… is) and one on another.
  await serve(page, `${SERVER}/test-frame/right`, poster(321));
  await serve(page, `${SERVER}/test-frame/words`, poster("900px"));
  await serve(page, `${SERVER}/test-frame/negative`, poster(-5));
  await serve(page, `${SERVER}/test-frame/malformed`, `<!doctype html><script>parent.postMessage("petition-widget:height", "*"); parent.postMessage(null, "*");</script>`);
  await serve(page, `${PARTNER}/test-frame/other`, poster(777));
  // No data-petition on the page at all: only iframes and the loader.
  await serve(page, `${PARTNER}/frames.html`, `<!doctype html><html lang="en"><title>Frames</title><body>
    <iframe id="other" title="other" src="${PARTNER}/test-frame/other"></iframe>
    <iframe id="words" title="words" src="${SERVER}/test-frame/words"></iframe>
    <iframe id="negative" title="negative" src="${SERVER}/test-frame/negative"></iframe>
    <iframe id="malformed" title="malformed" src="${SERVER}/test-frame/malformed"></iframe>
    <script src="${SERVER}/embed.js"></script></body></html>`);
  await page.addInitScript(() => {
    window.__messages = 0;
    window.addEventListener("message", () => { window.__messages += 1; });
  });
  await page.goto(`${PARTNER}/frames.html`);
  // Every message has been delivered (the loader heard them too) before the right one is sent.
  await page.waitForFunction(() => window.__messages === 5);
  await page.evaluate((src) => {
    const frame = document.createElement("iframe");
    frame.id = "right";
    frame.title = "right";
    frame.src = src;
    document.body.append(frame);
  }, `${SERVER}/test-frame/right`);
  await page.waitForFunction(() => document.getElementById("right").style.height === "321px");
  const heights = await page.evaluate(() => ["other", "words", "negative", "malformed"].map((id) => document.getElementById(id).style.height));
  assert.deepEqual(heights, ["", "", "", ""], "only the server's frames, with a height in pixels");
  await context.close();
});
