// A person on a partner's page signs the petition: the whole journey in a real
// browser, with the partner's site on a different origin from the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PARTNER, PART, SERVER, launch, open, widget, ready, shownCount, untilShownCount, serverCount, freshEmail, fillForm,
  axeViolations, assertNoConsoleErrors, assertNoThirdPartyRequests, screenshot, shifts, signedAtLeast,
} from "./browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the partner page and the petition server are different origins", () => {
  assert.notEqual(new URL(PARTNER).origin, new URL(SERVER).origin);
});

test("a person signs on a partner's page, sees the thank-you and the new count, and it persists", async () => {
  await signedAtLeast(10); // the demo petition shows its count from 10
  const { context, page, record } = await open(browser);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  await assert.doesNotReject(form.getByText("To: The Government").waitFor());
  const before = await shownCount(page);
  assert.equal(before, await serverCount(), "the widget shows the server's count");

  const email = freshEmail("amara");
  await fillForm(page, { email, profession: "Nurse", reason: "Patients must be able to trust their GP." });
  await screenshot(page, "desktop-form-filled");
  await form.getByRole("button", { name: "Sign the petition" }).click();

  const thanks = form.getByRole("heading", { name: "Thank you for signing" });
  await thanks.waitFor();
  assert.equal(await shownCount(page), before + 1, "the widget shows the new count");
  assert.match(await form.locator("#pw-thanks-text").textContent(), /^Amara, your signature is on the petition/);
  assert.equal(await form.getByRole("button", { name: "Sign the petition" }).count(), 0, "the thank-you replaces the form");
  assert.deepEqual(await axeViolations(page), [], "the thank-you state is accessible");
  await screenshot(page, "desktop-thank-you");

  await page.reload();
  await ready(page);
  await untilShownCount(page, before + 1);
  assert.equal(await serverCount(), before + 1, "the signature persisted");
  await form.getByRole("heading", { name: "You signed this petition" }).waitFor();
  assert.equal(await form.getByRole("button", { name: "Sign the petition" }).isVisible(), false,
    "a browser that has signed sees the share step, not an empty form");

  // The same person signs again, with their address typed differently.
  await form.getByRole("button", { name: "Someone else wants to sign on this device" }).click();
  await fillForm(page, { email: `  ${email.toUpperCase()} ` });
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await shownCount(page), before + 1, "a second signing does not count twice");
  assert.equal(await serverCount(), before + 1);

  assertNoConsoleErrors(record);
  assertNoThirdPartyRequests(record);
  assert.deepEqual(await context.cookies(), [], "no cookies, from anyone");
  await context.close();
});

test("the form is accessible, and its errors are shown and announced without losing what was typed", async () => {
  const { context, page, record } = await open(browser, { width: 390, height: 844, isMobile: true, hasTouch: true });
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  assert.deepEqual(await axeViolations(page), [], "the empty form is accessible");
  await form.getByLabel("Last name (if you have one)").fill("Okafor");
  await form.getByLabel("Email address").fill("amara@example");
  await form.getByRole("button", { name: "Sign the petition" }).click();

  const summary = form.getByRole("heading", { name: "There is a problem" });
  await summary.waitFor();
  assert.equal(await form.locator("#pw-error-summary").evaluate((el) => el.getRootNode().activeElement === el), true,
    "the error summary takes focus");
  const links = await form.locator("#pw-error-list a").allTextContents();
  assert.deepEqual(links, [
    "Enter your first name",
    "Enter an email address in the correct format, like name@example.com",
    "Enter your postcode",
  ]);
  assert.equal(await form.getByLabel("Email address").inputValue(), "amara@example", "nothing typed is cleared");
  assert.equal(await form.getByLabel("Last name (if you have one)").inputValue(), "Okafor");
  assert.equal(await form.getByLabel("Email address").getAttribute("aria-invalid"), "true");
  assert.deepEqual(await axeViolations(page), [], "the form with errors is accessible");
  await screenshot(page, "phone-errors");
  assertNoConsoleErrors(record);
  await context.close();
});

test("a part of the widget taken away by a page's script is named on the console, and the rest still works", async () => {
  const { context, page, record } = await open(browser);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  // The shadow root is open: a page's script can reach in and take the
  // error summary (and the list in it) away.
  await form.evaluate((host) => host.shadowRoot.getElementById("pw-error-summary").remove());
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.locator("#pw-first_name-error", { hasText: "Enter your first name" }).waitFor();
  assert.equal(await form.getByLabel("First name").getAttribute("aria-invalid"), "true", "the field is still marked");
  assert.deepEqual(record.errors, [
    "petition widget: #pw-error-list is missing",
    "petition widget: #pw-error-summary is missing",
  ]);
  await context.close();
});

/**
 * The statuses of the signatures the server answered, from any page of
 * `context`. The server counts an address once however often it is sent, so
 * "sent once" is seen here, not in the count.
 */
function signaturesAnswered(context) {
  const statuses = [];
  context.on("response", (response) => {
    if (response.request().method() === "POST" && new URL(response.url()).pathname.endsWith("/signatures")) {
      statuses.push(response.status());
    }
  });
  return statuses;
}

test("offline, the signature is kept in the browser and sent by itself, once, when the connection is back", async () => {
  const { context, page, record } = await open(browser);
  const answered = signaturesAnswered(context);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  const email = freshEmail("offline");
  await fillForm(page, { email, first: "Nnamdi", last: "Eze" });
  const before = await serverCount();

  await context.setOffline(true);
  await form.getByRole("button", { name: "Sign the petition" }).click();
  const problem = form.locator("#pw-form-problem");
  await problem.waitFor({ state: "visible" });
  assert.match(await problem.textContent(),
    /^We couldn’t reach the petition server\. .*Your signature is saved in this browser and will be sent automatically when the connection is back/);
  assert.equal(await form.getByLabel("First name", { exact: true }).inputValue(), "Nnamdi", "the filled form stays");
  assert.equal(await form.getByLabel("Email address").inputValue(), email);
  assert.equal(await serverCount(), before, "nothing was counted");
  assert.deepEqual(await axeViolations(page), [], "the offline state is accessible");
  await screenshot(page, "desktop-offline-queued");

  // No click: the browser's `online` event sends it.
  await context.setOffline(false);
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await serverCount(), before + 1);
  await page.reload();
  await ready(page);
  await form.getByRole("heading", { name: "You signed this petition" }).waitFor();
  assert.equal(await serverCount(), before + 1);
  assert.deepEqual(answered, [200], "sent exactly once");
  // Going offline makes Chromium log the refused requests itself; those and
  // nothing else are expected.
  assert.deepEqual(record.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await context.close();
});

test("two people sign in two tabs while offline: the first one's signature stays kept, the second is told theirs is not, and both go once back online", async () => {
  // Two tabs of one browser share its one place for a kept signature to a
  // petition: the second must not take the first one's place (it would be
  // lost, after the first person was told it was saved), nor claim its own
  // is saved.
  const { context, page, record } = await open(browser);
  const answered = signaturesAnswered(context);
  const other = await context.newPage();
  await page.goto(`${PARTNER}/medact.html`);
  await other.goto(`${PARTNER}/plain.html`);
  await ready(page);
  await ready(other);
  const [first, second] = [widget(page), widget(other)];
  const [amara, bola] = [freshEmail("tab-amara"), freshEmail("tab-bola")];
  await fillForm(page, { email: amara, first: "Amara" });
  await fillForm(other, { email: bola, first: "Bola" });
  const before = await serverCount();

  await context.setOffline(true);
  await first.getByRole("button", { name: "Sign the petition" }).click();
  await first.locator("#pw-form-problem").filter({ hasText: "Your signature is saved in this browser" }).waitFor();
  await second.getByRole("button", { name: "Sign the petition" }).click();
  const problem = second.locator("#pw-form-problem");
  await problem.filter({ hasText: "Your signature has not been sent yet; what you typed is still here" }).waitFor();
  assert.doesNotMatch(await problem.textContent(), /saved in this browser/, "no promise the browser can't keep");
  assert.equal(await second.getByLabel("Email address").inputValue(), bola, "what Bola typed is still there");
  const kept = await other.evaluate((key) => JSON.parse(localStorage.getItem(key)).email, `petition-widget:queued:${SERVER}/stop-sharing`);
  assert.equal(kept, amara, "Amara's signature is the one kept");
  await screenshot(other, "desktop-offline-second-tab-not-kept");

  // Back online, Amara's goes from her tab by itself; Bola's tab still
  // holds what Bola typed, and Bola signs.
  await context.setOffline(false);
  await first.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await second.getByLabel("Email address").inputValue(), bola, "Bola's tab did not take Amara's signature");
  await second.getByRole("button", { name: "Sign the petition" }).click();
  await second.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.match(await second.locator("#pw-thanks-text").textContent(), /^Bola, /);
  assert.equal(await serverCount(), before + 2, "both signatures counted");
  assert.deepEqual(answered, [200, 200], "each sent once");
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), `petition-widget:queued:${SERVER}/stop-sharing`), null,
    "nothing is left kept");
  assert.deepEqual(record.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await context.close();
});

// The petition's signatures, and a route that refuses what is sent to them
// (the server can't be reached from that tab; the browser stays online).
const SIGNATURES = /\/api\/petitions\/stop-sharing\/signatures$/;
const refuseSending = (route) => (route.request().method() === "POST" ? route.abort() : route.continue());

test("a signature kept in one tab survives another person signing in another tab that took it up to send, and goes by itself from the first once the browser is back online", async () => {
  const key = `petition-widget:queued:${SERVER}/stop-sharing`;
  const { context, page, record } = await open(browser);
  const answered = signaturesAnswered(context);
  await page.route(SIGNATURES, refuseSending);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const first = widget(page);
  const [amara, bola] = [freshEmail("taken-amara"), freshEmail("taken-bola")];
  await fillForm(page, { email: amara, first: "Amara" });
  const before = await serverCount();
  await first.getByRole("button", { name: "Sign the petition" }).click();
  await first.locator("#pw-form-problem").filter({ hasText: "Your signature is saved in this browser" }).waitFor();

  // Another tab opens (from a newsletter's link), takes Amara's signature
  // up to send (in its form), and can't either: it is still saved, as it
  // was (where it was made from stays hers).
  const other = await context.newPage();
  await other.route(SIGNATURES, refuseSending);
  await other.goto(`${PARTNER}/plain.html?source=newsletter`);
  const second = widget(other);
  const problem = second.locator("#pw-form-problem");
  await problem.filter({ hasText: "Your signature is saved in this browser" }).waitFor();
  assert.equal(await second.getByLabel("Email address").inputValue(), amara, "the other tab shows the signature it took up");

  // Bola types over it there: hers is not kept in place of Amara's.
  await fillForm(other, { email: bola, first: "Bola" });
  await second.getByRole("button", { name: "Sign the petition" }).click();
  await problem.filter({ hasText: "Your signature has not been sent yet; what you typed is still here" }).waitFor();
  const kept = () => page.evaluate((key) => JSON.parse(localStorage.getItem(key))?.email ?? null, key);
  assert.equal(await kept(), amara, "Amara's signature is still the one kept");

  // Bola's goes once the server can be reached: Amara's is still kept.
  await other.unroute(SIGNATURES, refuseSending);
  await second.getByRole("button", { name: "Sign the petition" }).click();
  await second.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.match(await second.locator("#pw-thanks-text").textContent(), /^Bola, /);
  assert.equal(await kept(), amara, "Bola's signature going does not forget Amara's");

  // Amara's goes by itself from her tab once the browser is back online:
  // her tab still knows it as the one it kept. Bola's tab, whose form is
  // hers, does not send it.
  await page.unroute(SIGNATURES, refuseSending);
  await context.setOffline(true);
  await page.waitForFunction(() => !navigator.onLine);
  await context.setOffline(false);
  await first.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await kept(), null, "nothing is left kept");
  assert.match(await second.locator("#pw-thanks-text").textContent(), /^Bola, /, "Bola's tab still thanks Bola");
  assert.equal(await serverCount(), before + 2, "both signatures counted");
  assert.deepEqual(answered, [200, 200], "each counted from one request");
  assert.deepEqual(record.errors.filter((e) => !/ERR_FAILED|ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await context.close();
});

// No `online` event comes when the browser never went offline (the server
// down, a network dropping what is sent): a kept signature is tried again
// on a timer, 30 s on, then 60 s… The page's clock is moved on rather than
// waited for.

/**
 * Nnamdi signs on Medact's page, whose clock the test moves, with what
 * `refused` matches refused (and `email`, fresh unless given).
 */
async function signRefused(refused, email = freshEmail("tried-again")) {
  const { context, page, record } = await open(browser);
  const answered = signaturesAnswered(context);
  await page.clock.install();
  // Playwright's clock numbers its timers from 10¹²; the HTML standard's
  // ids are 32-bit integers, and the widget keeps them so: numbered small
  // again here, or clearing one would clear nothing.
  await page.addInitScript(() => {
    const ids = new Map();
    let next = 1;
    for (const [set, clear] of [["setTimeout", "clearTimeout"], ["setInterval", "clearInterval"]]) {
      const [setTimer, clearTimer] = [window[set], window[clear]];
      window[set] = (...args) => (ids.set(next, setTimer(...args)), next++);
      window[clear] = (id) => clearTimer(ids.get(id));
    }
  });
  await page.route(refused, (route) => route.abort());
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  await fillForm(page, { email, first: "Nnamdi", last: "Eze" });
  const before = await serverCount();
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.locator("#pw-form-problem").filter({ hasText: "Your signature is saved in this browser" }).waitFor();
  return { context, page, record, answered, form, email, before };
}

/**
 * Moves the page's clock `ms` on, or presses "Sign" (`ms` of 0): the
 * signature is tried again, refused again, and still kept (the words say
 * so once its next try is set).
 */
async function triedAndRefused({ page, form, email }, refused, ms) {
  const failed = page.waitForEvent("requestfailed", (request) => refused.test(request.url()));
  await (ms ? page.clock.fastForward(ms) : form.getByRole("button", { name: "Sign the petition" }).click());
  await failed;
  await form.getByRole("button", { name: "Sign the petition" }).waitFor();
  await form.locator("#pw-form-problem").filter({ hasText: "Your signature is saved in this browser" }).waitFor();
  assert.equal(await form.getByLabel("Email address").inputValue(), email, "the form is as typed");
}

/** What was refused comes again; the clock `ms` on, the signature goes, and counts once (pictured as `picture`, if given). */
async function sentByItself({ context, page, record, answered, form, before }, refused, ms, picture) {
  await page.unroute(refused);
  await page.clock.fastForward(ms);
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  if (picture) await screenshot(page, picture);
  assert.match(await form.locator("#pw-thanks-text").textContent(), /^Nnamdi, /);
  assert.equal(await serverCount(), before + 1);
  assert.deepEqual(answered, [200], "counted from one request");
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), `petition-widget:queued:${SERVER}/stop-sharing`), null,
    "nothing is left kept");
  assert.deepEqual(record.errors.filter((e) => !/ERR_FAILED/.test(e)), []);
  await context.close();
}

test("a signature kept because the server can't be reached, while the browser stays online, is tried again by itself and goes once the server answers", async () => {
  const signing = await signRefused(SIGNATURES);
  await triedAndRefused(signing, SIGNATURES, 30_000);
  await sentByItself(signing, SIGNATURES, 60_000, "desktop-tried-again-thanked");
});

test("a signature kept because the second part can't come, while the browser stays online, goes by itself once it can", async () => {
  // The server went down after the petition was shown: the part that
  // sends can't come either.
  const signing = await signRefused(PART);
  await triedAndRefused(signing, PART, 30_000);
  assert.deepEqual(signing.answered, [], "nothing was sent");
  await sentByItself(signing, PART, 60_000);
});

/**
 * Nnamdi makes `change` to the form after his signature was kept; the server
 * can be reached again, and the try that was due finds the form changed:
 * only his own "Sign" sends it, as it now is (after `then`). What was sent.
 */
async function signedAsChanged({ context, page, form, answered, before }, change, then = async () => {}) {
  const sent = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && SIGNATURES.test(request.url())) sent.push(request.postDataJSON());
  });
  await change(form);
  await page.unroute(SIGNATURES);
  await page.clock.fastForward(60_000);
  await then(form);
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.ok((await form.locator("#pw-thanks-text").textContent()).startsWith(`${sent[0].first_name}, `), "thanked by the name sent");
  assert.equal(await serverCount(), before + 1);
  assert.deepEqual(answered, [200], "counted from one request");
  await context.close();
  return sent[0];
}

test("a kept signature is not tried again over a form the person is changing: what they changed goes when they sign", async () => {
  // Nnamdi is putting the name he goes by (still in the field). The words
  // that his signature is saved and goes by itself are gone: what the form
  // holds now goes when he signs.
  const signing = await signRefused(SIGNATURES);
  const sent = await signedAsChanged(signing, async (form) => {
    await form.getByLabel("First name", { exact: true }).fill("Nkem");
    await form.locator("#pw-form-problem").waitFor({ state: "hidden" });
    await screenshot(signing.page, "desktop-kept-then-changed");
  });
  assert.equal(sent.first_name, "Nkem", "sent, and thanked, as Nkem");
});

test("a kept signature is not tried again once a consent box is unticked", async () => {
  const signing = await signRefused(SIGNATURES);
  const partnerConsent = signing.form.getByLabel("Keep me updated about this campaign by email from Medact");
  await partnerConsent.check();
  await triedAndRefused(signing, SIGNATURES, 0);
  // Nnamdi thinks again about Medact's emails.
  const sent = await signedAsChanged(signing, (form) => partnerConsent.uncheck());
  assert.equal(sent.partner_consent, false, "sent unticked, as the box now is");
});

test("a kept signature is not tried again once a suggested email address is taken", async () => {
  const local = `nnamdi.eze${process.pid}${Date.now()}`;
  const signing = await signRefused(SIGNATURES, `${local}@gmial.com`);
  const sent = await signedAsChanged(signing, async (form) => {
    await form.getByRole("button", { name: `${local}@gmail.com` }).click();
    await form.locator("#pw-form-problem").waitFor({ state: "hidden" });
  });
  assert.equal(sent.email, `${local}@gmail.com`, "sent with the address he took");
});

test("a form changed while its signature is on its way is not promised to go by itself when that send fails", async () => {
  const { context, page } = await open(browser);
  let arrived;
  const held = new Promise((resolve) => { arrived = resolve; });
  await page.route(SIGNATURES, (route) => arrived(route));
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  await fillForm(page, { email: freshEmail("changed-on-its-way"), first: "Nnamdi", last: "Eze" });
  await form.getByRole("button", { name: "Sign the petition" }).click();
  const sending = await held;
  // Nnamdi puts the name he goes by while it is on its way, and it fails.
  await form.getByLabel("First name", { exact: true }).fill("Nkem");
  await sending.abort();
  const problem = form.locator("#pw-form-problem");
  await problem.waitFor();
  assert.match(await problem.textContent(), /Your signature has not been sent yet; what you typed is still here/);
  assert.doesNotMatch(await problem.textContent(), /sent automatically/, "no promise over what he changed");
  assert.equal(await form.getByLabel("First name", { exact: true }).inputValue(), "Nkem");
  await context.close();
});

test("a press of \"Sign\" over a mistake holds the kept signature back too: what the person puts right goes, not the copy before it", async () => {
  const signing = await signRefused(SIGNATURES);
  const sent = await signedAsChanged(signing, async (form) => {
    // Nkem, halfway through a new address, presses "Sign": the form says
    // what is wrong, and the try that was due sends nothing over it.
    await form.getByLabel("First name", { exact: true }).fill("Nkem");
    await form.getByLabel("Email address").fill("nkem.eze@");
    await form.getByRole("button", { name: "Sign the petition" }).click();
    await form.getByRole("heading", { name: "There is a problem" }).waitFor();
  }, async (form) => {
    assert.equal(await form.getByLabel("Email address").getAttribute("aria-invalid"), "true", "the mistake is still shown");
    await form.getByLabel("Email address").fill(signing.email);
  });
  assert.deepEqual([sent.first_name, sent.email], ["Nkem", signing.email]);
});

test("a signature kept on one partner's page and shown again on another's of the same site does not tick the second partner's consent", async () => {
  // Asylum Matters' page and Medact's share the demo site's origin, so its
  // browser storage: a signature kept on one is shown again on the other.
  const key = `petition-widget:queued:${SERVER}/stop-sharing`;
  async function shownOnMedact(partner) {
    const kept = { first_name: "Amara", email: freshEmail("partner-kept"), postcode: "E1 6AN", partner, partner_consent: true, lang: "en" };
    const { context, page } = await open(browser);
    await page.addInitScript(([key, kept]) => localStorage.setItem(key, kept), [key, JSON.stringify(kept)]);
    await page.route(SIGNATURES, refuseSending);
    await page.goto(`${PARTNER}/medact.html`);
    const form = widget(page);
    await form.locator("#pw-form-problem").filter({ hasText: "Your signature is saved in this browser" }).waitFor();
    assert.equal(await form.getByLabel("Email address").inputValue(), kept.email, "the kept signature is shown");
    const ticked = await form.getByLabel("Keep me updated about this campaign by email from Medact").isChecked();
    const still = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)), key);
    assert.deepEqual([still.partner, still.partner_consent], [partner, true], "kept as it was made, consent and all");
    await context.close();
    return ticked;
  }
  assert.equal(await shownOnMedact("asylum-matters"), false, "consent given to Asylum Matters is not Medact's");
  assert.equal(await shownOnMedact("medact"), true, "consent given to Medact is shown on Medact's page");
});

test("the second part (signing, the full thank-you, the email suggestion) comes when the widget is first focused; without it, a signature is kept in the browser and goes once it comes", async () => {
  const { context, page, record } = await open(browser);
  const parts = [];
  page.on("request", (request) => {
    if (PART.test(request.url())) parts.push(request.url());
  });
  // The part can't come (the connection gone between loading and typing).
  const refuse = (route) => route.abort();
  await page.route(PART, refuse);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  assert.deepEqual(parts, [], "at rest, the widget loads no second part");
  const asked = page.waitForRequest(PART);
  await form.getByLabel("First name", { exact: true }).focus();
  await asked;
  assert.equal(new URL(parts[0]).origin, SERVER, "from the petition server");

  // The part suggests a likely address for a mistyped one: without it,
  // none.
  const email = form.getByLabel("Email address");
  await email.fill("sian@gmial.com");
  const refused = page.waitForEvent("requestfailed", (request) => PART.test(request.url()));
  await email.press("Tab");
  await refused; // asked for again, to suggest

  // The part sends the signature: without it, it is kept, as when offline.
  const before = await serverCount();
  const address = freshEmail("partless");
  await fillForm(page, { email: address, first: "Siân" });
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.locator("#pw-form-problem").filter({ hasText: "Your signature is saved in this browser and will be sent automatically" }).waitFor();
  assert.equal(await serverCount(), before, "not sent without the part");
  assert.equal(await email.inputValue(), address, "nothing typed is lost");
  assert.equal(await form.locator("#pw-email-suggestion").textContent(), "", "no suggestion without the part");
  assert.deepEqual(await axeViolations(page), [], "the form with its problem is accessible");
  await screenshot(page, "desktop-signature-kept-without-part");

  // Once the part can come, the kept signature goes by itself, once.
  await page.unroute(PART);
  await page.reload();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  await form.getByRole("button", { name: "Someone else wants to sign on this device" }).waitFor();
  assert.equal(await form.locator("#pw-share").isVisible(), true, "sharing, from the part");
  assert.equal(await serverCount(), before + 1, "the kept signature counts");

  // A browser that has signed is thanked at once, in short, not shown the
  // form, while the part is on its way (here, never).
  await page.route(PART, refuse);
  await page.reload();
  await form.getByRole("heading", { name: "You signed this petition" }).waitFor();
  assert.equal(await form.getByRole("button", { name: "Sign the petition" }).isVisible(), false, "the thank-you replaces the form");
  assert.equal(await form.locator("#pw-share").isVisible(), false, "no sharing without the part");
  assert.equal(await form.getByRole("button", { name: "Someone else wants to sign on this device" }).isVisible(), false);
  assert.deepEqual(await axeViolations(page), [], "the short thank-you is accessible");
  await screenshot(page, "desktop-thank-you-without-part");
  assert.equal(await serverCount(), before + 1, "and only once");

  // Where a signature waits for its confirmation, the short thank-you
  // says what is left to do.
  const blog = await context.newPage();
  await blog.goto(`${PARTNER}/blog.html`);
  await ready(blog, 1);
  await fillForm(blog, { first: "Kofi", email: freshEmail("partless-confirm") }, 1);
  await widget(blog, 1).getByRole("button", { name: "Sign the petition" }).click();
  await widget(blog, 1).getByRole("heading", { name: "Check your inbox" }).waitFor();
  await blog.route(PART, refuse);
  await blog.reload();
  await widget(blog, 1).getByRole("heading", { name: "You signed this petition" }).waitFor();
  assert.equal(await widget(blog, 1).locator("#pw-thanks-text").textContent(),
    "Thank you. If you have not yet, open the link we emailed you to confirm your signature.");
  await blog.close();
  // The refused requests for the part, which Chromium logs itself, and
  // nothing else.
  assert.deepEqual(record.errors.filter((e) => !/ERR_FAILED|ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await context.close();
});

test("signing while the second part is still on its way says so at once, keeps the signature meanwhile, and sends it once the part has come", async () => {
  const { context, page, record } = await open(browser);
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  await page.route(PART, async (route) => { await released; await route.continue(); });
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  const before = await serverCount();
  const asked = page.waitForRequest(PART);
  await fillForm(page, { email: freshEmail("part-on-its-way") });
  await asked; // on the first focus, and held there
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("button", { name: "Signing…" }).waitFor();
  assert.equal(await form.locator("#pw-submit").getAttribute("aria-disabled"), "true");
  assert.equal(await form.locator("#pw-live").textContent(), "Sending your signature…");
  // Kept in the browser while the part comes: a page closed now loses nothing.
  const keptWith = (marker) => page.evaluate((marker) => Object.keys(localStorage).filter((key) => localStorage.getItem(key).includes(marker)), marker);
  assert.equal((await keptWith("part-on-its-way")).length, 1, "the signature is kept in the browser meanwhile");
  release();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await serverCount(), before + 1);
  assert.deepEqual(await keptWith("part-on-its-way"), [], "and no longer once the server has it");
  assertNoConsoleErrors(record);
  await context.close();
});

test("a signature kept while offline is sent when the page is opened again, and only once", async () => {
  const { context, page, record } = await open(browser);
  const answered = signaturesAnswered(context);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const email = freshEmail("reload");
  await fillForm(page, { email });
  const before = await serverCount();
  await context.setOffline(true);
  await widget(page).getByRole("button", { name: "Sign the petition" }).click();
  await widget(page).locator("#pw-form-problem").waitFor({ state: "visible" });
  await page.close(); // the person gives up for now
  await context.setOffline(false);

  const later = await context.newPage();
  later.on("pageerror", (error) => record.errors.push(`uncaught: ${error.message}`));
  await later.goto(`${PARTNER}/medact.html`);
  await widget(later).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await serverCount(), before + 1);
  await later.reload();
  await ready(later);
  await widget(later).getByRole("heading", { name: "You signed this petition" }).waitFor();
  assert.equal(await serverCount(), before + 1);
  assert.deepEqual(answered, [200], "not sent twice");
  assert.deepEqual(record.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), []);
  await context.close();
});

test("a page with a hostile stylesheet and a placeholder div still shows a working widget", async () => {
  const { context, page, record } = await open(browser);
  await page.goto(`${PARTNER}/asylum-matters.html`);
  await ready(page);
  // The page's own script dispatches clicks and changes at the widget's
  // shadow root and at text nodes in it, which are no element: the widget
  // ignores them, and nothing is thrown into the page (checked below).
  await widget(page).evaluate((host) => {
    const root = host.shadowRoot;
    const texts = [root.getElementById("pw-title").firstChild, root.querySelector("label[for=pw-email]").firstChild];
    for (const target of [root, ...texts]) {
      target.dispatchEvent(new MouseEvent("click", { bubbles: true, composed: true }));
      target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  const form = widget(page);
  const email = form.getByLabel("Email address");
  assert.equal(await email.isVisible(), true, "inputs survive `input { display: none !important }`");
  const button = form.getByRole("button", { name: "Sign the petition" });
  assert.equal(await button.evaluate((b) => getComputedStyle(b).color), "rgb(255, 255, 255)");
  const before = await serverCount();
  await fillForm(page, { email: freshEmail("asylum") });
  await button.click();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await serverCount(), before + 1);
  await screenshot(page, "desktop-hostile-page");
  assertNoConsoleErrors(record);
  await context.close();
});

test("one loader shows two petitions on a blog post and adds one global name", async () => {
  const { context, page, record } = await open(browser, { width: 390, height: 844, isMobile: true });
  await page.addInitScript(() => { window.__globalsBefore = Object.keys(window); });
  await page.goto(`${PARTNER}/blog.html`);
  await ready(page, 0);
  await ready(page, 1);
  const titles = [
    await widget(page, 0).locator("#pw-title").textContent(),
    await widget(page, 1).locator("#pw-title").textContent(),
  ];
  assert.deepEqual(titles, [
    "Stop using NHS patients’ personal information for immigration enforcement.",
    "Scrap upfront charging for NHS hospital care.",
  ]);
  const added = await page.evaluate(() =>
    Object.keys(window).filter((k) => !window.__globalsBefore.includes(k) && !k.startsWith("__")));
  assert.deepEqual(added, ["PetitionWidget"]);
  const wasmLoads = record.requests.filter((url) => url.endsWith(".wasm"));
  assert.equal(wasmLoads.length, 1, "the widget's code is downloaded once for both");
  await screenshot(page, "phone-blog-two-petitions");
  assertNoConsoleErrors(record);
  await context.close();
});

test("the loading state reserves the widget's space, so nothing moves when the petition arrives", async () => {
  // Tall windows, so the article below the widget is on screen: shifts of
  // what nobody can see are not counted by the browser.
  for (const [width, height] of [[1280, 2400], [390, 2400]]) {
    const { context, page, record } = await open(browser, { width, height });
    await page.goto(`${PARTNER}/medact.html`);
    await ready(page);
    // The petition is fully shown once its dates are in words, just after it
    // is first drawn (see `fill_dates_soon`).
    await page.waitForFunction(() => [...document.querySelector("[data-petition]:not(script)").shadowRoot
      .querySelectorAll("time[data-format]")].every((time) => time.textContent !== ""));
    const { shifts: seen, placeholderPainted } = await shifts(page);
    assert.notEqual(placeholderPainted, null, "the loading placeholder was painted");
    const all = seen.reduce((sum, s) => sum + s.value, 0);
    const afterPlaceholder = seen.filter((s) => s.at > placeholderPainted).reduce((sum, s) => sum + s.value, 0);
    // `all` includes the async tag inserting its placeholder after the page's
    // first paint, which no embed can avoid; what the widget controls is the
    // change from the loading state to the petition.
    console.log(`layout shift at ${width} px: ${afterPlaceholder.toFixed(4)} after the placeholder, ${all.toFixed(4)} in all`);
    assert.ok(afterPlaceholder < 0.01, `the petition moved the page by ${afterPlaceholder} at ${width} px`);
    assertNoConsoleErrors(record);
    await context.close();
  }
});
