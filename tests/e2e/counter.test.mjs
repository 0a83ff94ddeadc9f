// The counter view: `<div data-petition=… data-view="counter">` with the
// loader shows the count, the bar and a link to sign on the petition's own
// page, live, without the widget's form or its wasm.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PARTNER, SERVER, launch, open, serverCount, signThroughApi, freshEmail, axeViolations,
  assertNoConsoleErrors, assertNoThirdPartyRequests, screenshot,
} from "./browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// A partner's page of its own with nothing but a counter on it. Its
// stylesheet tries hard to restyle everything.
function counterPage(attributes = 'data-source="newsletter" data-partner="medact"', head = "") {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">${head}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Our campaigns (counter test)</title><link rel="icon" href="data:,">
<style>
  body { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; font: 20px/2 Georgia, serif; background: #fffdf8; }
  div, p, a, strong { color: #c00 !important; font-family: "Comic Sans MS", cursive !important; }
</style></head>
<body><main><h1>Our campaigns</h1><p>Stop Sharing:</p>
<div data-petition="stop-sharing" data-view="counter" ${attributes}></div>
<p>More news below the counter.</p>
<script src="${SERVER}/embed.js" async></script>
</main></body></html>`;
}

/**
 * Opens `html` as a page of the partner's site, once `prepare(page)` has run.
 *
 * The page is written into a document the partner's site really served (its
 * index, which shows the snippet and loads nothing): one Playwright made up
 * itself would count as a public page, which Chromium forbids to reach the
 * petition server on loopback.
 */
async function openCounter(options = {}, { html = counterPage(), prepare = async () => {} } = {}) {
  const opened = await open(browser, options);
  await prepare(opened.page);
  // Every response from the petition server that finished, with its size as
  // sent (compressed), for the transfer size.
  opened.sizes = [];
  opened.page.on("requestfinished", async (request) => {
    if (new URL(request.url()).origin !== new URL(SERVER).origin) return;
    const { responseBodySize, responseHeadersSize } = await request.sizes();
    opened.sizes.push({ url: request.url(), body: responseBodySize, headers: responseHeadersSize });
  });
  await opened.page.goto(`${PARTNER}/`);
  assert.deepEqual(opened.record.requests, [`${PARTNER}/`], "the partner's index page loads nothing else");
  await opened.page.setContent(html);
  return opened;
}

function counter(page) {
  return page.locator('[data-petition][data-view="counter"]');
}

/** The number the counter shows, once it shows one. */
async function counted(page) {
  const text = await counter(page).locator(".pw-count strong").textContent();
  return Number(text.replace(/,/g, ""));
}

async function petition(slug = "stop-sharing") {
  return (await fetch(`${SERVER}/api/petitions/${slug}`)).json();
}

/** Signs through the API until the petition shows its count rather than "be one of the first". */
async function enoughToShow() {
  const { signature_count, show_count_from } = await petition();
  const bodies = Array.from({ length: Math.max(0, show_count_from - signature_count) },
    () => ({ first_name: "Seed", email: freshEmail("counter-seed"), postcode: "E1 6AN" }));
  assert.ok((await signThroughApi(bodies)).every((status) => status === 200));
}

const grouped = (n) => n.toLocaleString("en-GB");

test("below the count it shows, the counter asks people to be among the first, as the widget does", async (t) => {
  const { signature_count, show_count_from, goal } = await petition();
  if (signature_count >= show_count_from) {
    t.skip(`this server's petition already has ${signature_count} signatures`);
    return;
  }
  const { context, page, record } = await openCounter();
  await counter(page).getByText("Be one of the first to sign this petition.").waitFor();
  const bar = counter(page).getByRole("progressbar", { name: "Progress towards the goal" });
  assert.equal(await bar.getAttribute("aria-valuenow"), "0");
  assert.equal(await bar.getAttribute("aria-valuetext"), `Just started, towards ${grouped(goal)} signatures`);
  assertNoConsoleErrors(record);
  await context.close();
});

test("a counter shows the server's count, the bar and a link to sign on the petition's page, and no form or wasm", async () => {
  await enoughToShow();
  for (const [width, name] of [[1280, "desktop"], [320, "phone-320"]]) {
    const { context, page, record } = await openCounter({ width, height: 700 });
    const shown = counter(page).locator(".pw-count strong");
    await shown.waitFor();
    const server = await petition();
    assert.equal(await counted(page), server.signature_count, "the count shown is the server's");
    assert.equal(await counter(page).locator(".pw-count").textContent(), `${grouped(server.signature_count)} signatures`);
    const bar = counter(page).getByRole("progressbar", { name: "Progress towards the goal" });
    assert.equal(await bar.getAttribute("aria-valuenow"), String(Math.min(server.signature_count, server.goal)));
    assert.equal(await bar.getAttribute("aria-valuemax"), String(server.goal));
    assert.equal(await bar.getAttribute("aria-valuetext"),
      `${grouped(server.signature_count)} of ${grouped(server.goal)} signatures`);
    assert.equal(await counter(page).locator(".pw-goal").textContent(), `Help us reach ${grouped(server.goal)} signatures`);

    const sign = counter(page).getByRole("link", { name: "Sign the petition" });
    assert.equal(await sign.getAttribute("href"), `${SERVER}/p/stop-sharing?source=newsletter&partner=medact`);

    assert.equal(await page.locator("form, input, button, textarea, select").count(), 0, "no form on the page");
    assert.equal(await counter(page).locator("form, input, button").count(), 0, "no form in the counter");
    const widgetCode = record.requests.filter((url) => url.endsWith(".wasm") || url.includes("petition_widget"));
    assert.deepEqual(widgetCode, [], "none of the widget's code is loaded");
    assert.deepEqual(record.requests.filter((url) => url.includes("/challenge")), [], "no proof-of-work challenge");

    // The host page's !important colours and fonts stop at the shadow root.
    const look = await counter(page).locator(".pw-count strong").evaluate((el) => {
      const style = getComputedStyle(el);
      return { colour: style.color, font: style.fontFamily };
    });
    assert.equal(look.colour, "rgb(8, 63, 119)", "the widget family's dark blue, not the page's red");
    assert.doesNotMatch(look.font, /Comic Sans|Georgia/);

    assert.deepEqual(await axeViolations(page), [], "no accessibility violations");
    // The height the loader's placeholder reserves (8rem in one row, 11rem
    // stacked), so the page doesn't move when the counter arrives.
    const height = await counter(page).evaluate((el) => el.getBoundingClientRect().height);
    assert.equal(height, width >= 500 ? 8 * 16 : 11 * 16, `the counter's height at ${width} px`);
    await screenshot(page, `${name}-counter`);
    assertNoConsoleErrors(record);
    assertNoThirdPartyRequests(record);
    await context.close();
  }
});

test("the counter's count rises live when someone signs elsewhere, without a reload", async () => {
  await enoughToShow();
  const { context, page, record } = await openCounter();
  await counter(page).locator(".pw-count strong").waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  const before = await counted(page);
  assert.deepEqual(await signThroughApi([{ first_name: "Live", email: freshEmail("counter-live"), postcode: "E1 6AN" }]), [200]);
  const signedAt = Date.now();
  await counter(page).locator(".pw-count strong", { hasText: new RegExp(`^${grouped(before + 1)}$`) })
    .waitFor({ timeout: 10_000 });
  console.log(`the counter showed the new count ${Date.now() - signedAt} ms after the signature was accepted`);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
  const bar = counter(page).getByRole("progressbar");
  assert.equal(await bar.getAttribute("aria-valuenow"), String(Math.min(before + 1, (await petition()).goal)));
  const streams = record.requests.filter((url) => url.includes("/api/events"));
  assert.equal(streams.length, 1, `one event stream: ${streams.join(", ")}`);
  assert.equal(new URL(streams[0]).searchParams.get("petitions"), "stop-sharing");
  assertNoConsoleErrors(record);
  await context.close();
});

test("a browser without server-sent events still follows the count, by polling", async () => {
  await enoughToShow();
  const { context, page, record } = await openCounter({}, {
    prepare: (p) => p.addInitScript(() => { delete window.EventSource; }),
  });
  await counter(page).locator(".pw-count strong").waitFor();
  const before = await counted(page);
  assert.deepEqual(await signThroughApi([{ first_name: "Poll", email: freshEmail("counter-poll"), postcode: "E1 6AN" }]), [200]);
  // Polls come every 10 s: wait well beyond that, as a busy machine's timers run late.
  await page.waitForFunction(
    (expected) => Number(document.querySelector("[data-view=counter]").shadowRoot
      .querySelector(".pw-count strong").textContent.replace(/,/g, "")) >= expected,
    before + 1, { timeout: 30_000 },
  );
  assert.deepEqual(record.requests.filter((url) => url.includes("/api/events")), [], "no stream was tried");
  assertNoConsoleErrors(record);
  await context.close();
});

test("what a counter loads from the petition server is a small fraction of what a widget loads", async () => {
  await enoughToShow();
  const measure = async (html) => {
    const opened = await openCounter({}, { html });
    const host = opened.page.locator("[data-petition]:not(script)");
    await host.locator(".pw-count strong, #pw-count-number").first().waitFor();
    // The count is on screen; wait until nothing more is being fetched (the
    // event stream aside, which stays open and is not counted).
    await opened.page.waitForLoadState("networkidle").catch(() => {});
    const sizes = [...opened.sizes];
    await opened.context.close();
    return sizes;
  };
  const counterSizes = await measure(counterPage());
  const widgetSizes = await measure(counterPage().replace(' data-view="counter"', ""));
  const total = (sizes) => sizes.reduce((sum, s) => sum + s.body, 0);
  const report = (what, sizes) => {
    console.log(`${what}: ${total(sizes)} B of bodies as sent (+ ${sizes.reduce((s, r) => s + r.headers, 0)} B of headers)`);
    for (const s of sizes) console.log(`  ${new URL(s.url).pathname.padEnd(40)} ${String(s.body).padStart(7)} B`);
  };
  report("counter page, from the petition server", counterSizes);
  report("widget page, from the petition server", widgetSizes);
  console.log(`the counter loads ${(100 * total(counterSizes) / total(widgetSizes)).toFixed(1)}% of what the widget loads`);
  const code = counterSizes.filter((s) => /\/(embed|counter)\.js$/.test(s.url));
  assert.equal(code.length, 2, "the loader and the counter module");
  assert.ok(total(code) <= 10 * 1024, `the counter's code is ${total(code)} B as sent, over 10 KB`);
  assert.ok(total(counterSizes) * 5 < total(widgetSizes), "a counter loads under a fifth of a widget");
});

test("when the count can't be loaded the counter says so in words, and the link to sign is still there", async () => {
  const { context, page, record } = await openCounter({}, {
    prepare: (p) => p.route(`${SERVER}/api/petitions/stop-sharing`, (route) => route.abort("connectionrefused")),
  });
  await counter(page).getByText("The count could not be loaded just now.").waitFor();
  const sign = counter(page).getByRole("link", { name: "Sign the petition" });
  assert.equal(await sign.getAttribute("href"), `${SERVER}/p/stop-sharing?source=newsletter&partner=medact`);
  assert.equal(await counter(page).getByRole("progressbar").count(), 0, "no bar without a count");
  // The browser logs the refused request itself; nothing else.
  assert.deepEqual(record.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await context.close();
});

test("what a page puts in data-source and data-partner never becomes anything but our own page's query", async () => {
  const html = counterPage('data-source="javascript:alert(1)" data-partner="&quot;&gt;&lt;b&gt;x"');
  const { context, page, record } = await openCounter({}, { html });
  const sign = counter(page).getByRole("link", { name: "Sign the petition" });
  await sign.waitFor();
  assert.equal(await sign.getAttribute("href"), `${SERVER}/p/stop-sharing`);
  assert.equal(await counter(page).locator("b").count(), 0);
  assertNoConsoleErrors(record);
  await context.close();
});

test("under a strict Content-Security-Policy the counter is styled by its constructable stylesheet", async () => {
  const policy = `default-src 'none'; script-src ${SERVER}; connect-src ${SERVER}; img-src data:; style-src 'self'`;
  const html = counterPage(undefined, `<meta http-equiv="Content-Security-Policy" content="${policy}">`);
  const { context, page, record } = await openCounter({}, { html });
  await counter(page).locator(".pw-count strong").waitFor();
  const radius = await counter(page).locator(".pw").evaluate((el) => getComputedStyle(el).borderTopLeftRadius);
  assert.equal(radius, "12px", "the counter's own styles apply");
  // The page's own inline <style> is refused by its policy, as it should be;
  // the loader's placeholder is the loader's to make fit the policy.
  // (Were the counter's own styles inline, they would be refused too, and the
  // radius above would not be 12px.)
  const ours = record.errors.filter((e) => !/^Applying inline style violates .*'style-src 'self''/.test(e));
  assert.deepEqual(ours, []);
  await screenshot(page, "desktop-counter-strict-csp");
  await context.close();
});

test("where constructable stylesheets are missing, the counter styles itself with a <style> element", async () => {
  const { context, page, record } = await openCounter({}, {
    prepare: (p) => p.addInitScript(() => {
      CSSStyleSheet.prototype.replaceSync = () => { throw new TypeError("not supported here"); };
    }),
  });
  await counter(page).locator(".pw-count strong, .pw-first").first().waitFor();
  const radius = await counter(page).locator(".pw").evaluate((el) => getComputedStyle(el).borderTopLeftRadius);
  assert.equal(radius, "12px");
  assertNoConsoleErrors(record);
  await context.close();
});

test("the demo blog post ends with a live counter beside its widgets", async () => {
  await enoughToShow();
  const { context, page, record } = await open(browser, { width: 390, height: 844, isMobile: true });
  await page.goto(`${PARTNER}/blog.html`);
  const tally = page.locator("aside.tally");
  await counter(page).locator(".pw-count strong").waitFor();
  assert.equal(await counted(page), await serverCount());
  assert.equal(await tally.getByRole("heading").textContent(), "Stop Sharing: how many have signed");
  assert.equal(await counter(page).getByRole("link", { name: "Sign the petition" }).getAttribute("href"),
    `${SERVER}/p/stop-sharing?source=blog-tally`);
  await tally.scrollIntoViewIfNeeded();
  await page.screenshot({ path: new URL("./screenshots/phone-blog-counter.png", import.meta.url).pathname });
  assertNoConsoleErrors(record);
  await context.close();
});
