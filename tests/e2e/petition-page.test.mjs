// The petition's own page (/p/{slug}) in a real browser: complete without
// JavaScript, signable with it, accessible either way, and its A4 poster.
// The fixture tests/petitions/riverside-walk-in.toml has an organiser's
// pictures beside it; no other test signs it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  SERVER, launch, open, widget, ready, serverCount, freshEmail, fillForm, pageAxeViolations,
  assertNoConsoleErrors, assertNoThirdPartyRequests, screenshot, signThroughApi,
} from "./browser.mjs";

const SLUG = "riverside-walk-in";
const TITLE = "Keep the Riverside walk-in centre open in the evenings.";

let browser;
before(async () => {
  browser = await launch();
  // Past the petition's `show_count_from` (10), so the page shows a count
  // and a reached milestone.
  const people = Array.from({ length: 11 }, (_, n) => ({
    first_name: "Sam", last_name: `Person ${n}`, email: freshEmail("riverside"), postcode: "E1 6AN", consent: false,
  }));
  const statuses = await signThroughApi(people, SLUG);
  assert.deepEqual(statuses, people.map(() => 200));
});
after(async () => {
  await browser?.close();
});

/** What the server-rendered page says, read from its HTML (outside any widget). */
async function rendered(page) {
  const article = page.locator("article.ssr");
  return {
    title: await article.getByRole("heading", { level: 1 }).textContent(),
    count: await article.locator(".count").textContent(),
    goal: await article.locator(".goal").textContent(),
    milestones: await article.locator(".timeline li").allTextContents(),
  };
}

test("without JavaScript the page shows the title, the count and the milestones, and says signing needs it", async () => {
  for (const [width, height, name] of [[1280, 900, "desktop"], [390, 844, "phone"]]) {
    const { context, page, record } = await open(browser, { width, height, javaScriptEnabled: false });
    await page.goto(`${SERVER}/p/${SLUG}`);
    const count = await serverCount(SLUG);
    const shown = await rendered(page);
    assert.equal(shown.title, TITLE);
    assert.equal(shown.count.trim(), `${count} signatures`);
    assert.equal(shown.goal, "Help us reach 500 signatures");
    assert.equal(shown.milestones[0], "Next milestone: 50 signatures");
    assert.match(shown.milestones[1], /^10 signatures reached · \d{1,2} \w+ \d{4}$/);
    // Playwright's `javaScriptEnabled: false` stops scripts but Chromium
    // still parses <noscript> as if they ran, so the note is read from the
    // HTML a browser without scripts would show.
    const html = await (await fetch(`${SERVER}/p/${SLUG}`)).text();
    assert.match(html, /<noscript>[^]*class="needs-script"[^>]*>\s*To sign this petition, please turn on JavaScript/);
    // The pictures are sized before they load: nothing moves when they do.
    const hero = page.getByRole("img", { name: "The Riverside Health Centre, a four-storey building with a red roof" });
    const box = await hero.boundingBox();
    assert.ok(Math.abs(box.width / box.height - 1200 / 560) < 0.02, `the hero keeps its shape: ${JSON.stringify(box)}`);
    assert.ok(box.width <= width, "the hero fits the screen");
    await page.getByRole("img", { name: "Friends of Riverside Health Centre" }).waitFor();
    assertNoConsoleErrors(record);
    assertNoThirdPartyRequests(record);
    await screenshot(page, `petition-page-no-js-${name}`);
    await context.close();

    // Measured in a browser that runs scripts (Playwright's own evaluation
    // waits forever where they are off) but is refused the widget's loader:
    // the same server-rendered page.
    const measured = await open(browser, { width, height });
    await measured.page.route(`${SERVER}/embed.js`, (route) => route.abort());
    await measured.page.goto(`${SERVER}/p/${SLUG}`);
    await measured.page.getByRole("img", { name: "Friends of Riverside Health Centre" }).waitFor();
    const overflow = await measured.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `nothing wider than a ${width} px screen`);
    assert.deepEqual(await pageAxeViolations(measured.page), [], `the page is accessible at ${width} px`);
    await measured.context.close();
  }
});

test("with JavaScript the widget takes over the page, and signing there counts", async () => {
  const { context, page, record } = await open(browser);
  await page.goto(`${SERVER}/p/${SLUG}`);
  await ready(page);
  const before = await serverCount(SLUG);
  const form = widget(page);
  await form.getByRole("heading", { name: TITLE }).waitFor();
  assert.equal(await page.locator(".needs-script").count(), 0, "with script, no word about it");
  await fillForm(page, { email: freshEmail("page") });
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await serverCount(SLUG), before + 1, "the server counted the signature");
  // Through the DevTools protocol (the page's policy refuses an added
  // script), into the widget's open shadow root too.
  assert.deepEqual(await pageAxeViolations(page), [], "the page and the widget on it are accessible");
  assertNoConsoleErrors(record);
  assertNoThirdPartyRequests(record);
  await screenshot(page, "petition-page-signed-desktop");
  await context.close();

  const phone = await open(browser, { width: 390, height: 844 });
  await phone.page.goto(`${SERVER}/p/${SLUG}`);
  await ready(phone.page);
  await screenshot(phone.page, "petition-page-phone");
  assertNoConsoleErrors(phone.record);
  await phone.context.close();
});

test("?partner= on the page attributes signing to that partner", async () => {
  const { context, page } = await open(browser);
  await page.goto(`${SERVER}/p/stop-sharing?partner=medact`);
  await ready(page);
  assert.equal(await page.locator("[data-petition]").getAttribute("data-partner"), "medact");
  await widget(page).getByLabel(/Medact/).waitFor();
  await page.goto(`${SERVER}/p/stop-sharing?partner=someone-else`);
  await ready(page);
  assert.equal(await page.locator("[data-petition]").getAttribute("data-partner"), null, "not one of its partners");
  await context.close();
});

test("the poster prints on one A4 page with the title, the QR code and the short address", async () => {
  const { context, page } = await open(browser, { width: 794, height: 1123 });
  await page.goto(`${SERVER}/p/${SLUG}/poster`);
  await page.emulateMedia({ media: "print" });
  await page.getByRole("heading", { level: 1, name: TITLE }).waitFor();
  const short = `${new URL(SERVER).host}/p/${SLUG}`;
  assert.equal(await page.locator(".short").textContent(), short);
  assert.equal(await page.locator("img.qr").getAttribute("src"), `/p/${SLUG}/qr.svg`);
  assert.equal(await page.getByText("use your browser’s Print command").isVisible(), false, "the screen's hint is not printed");
  const pdf = await page.pdf({ preferCSSPageSize: true });
  const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g).length;
  assert.equal(pages, 1, "one A4 page");
  assert.deepEqual(await pageAxeViolations(page), []);
  await screenshot(page, "petition-poster-print");
  await context.close();
});
