// The widget's weight in the page: how many nodes its shadow root holds once
// it is ready and at rest, counted as `cargo xtask bench` counts them
// (browser.mjs's shadowRootNodes). Every node is the browser's to style,
// lay out and keep in memory, on every partner page. And what it asks for
// first: the wasm, whose download is most of the time before the form
// works, and which a counter never downloads.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PARTNER, SERVER, launch, open, widget, shadowRootNodes, shownCount, signedAtLeast, assertNoConsoleErrors,
} from "./browser.mjs";

let browser;
// The page is served by the test itself: see `launch`.
before(async () => { browser = await launch({ publicPages: true }); });
after(async () => { await browser?.close(); });

// The Medact demo page as it is, showing a copy of the demo petition that
// only this test signs (`cargo xtask e2e` adds it), with 30 signatures: a
// petition under way, its count shown and two milestones reached, in a
// state that doesn't depend on what the other tests have signed.
const AT_REST = "stop-sharing-at-rest";
const SIGNED = 30;

test("the widget's shadow root holds at most 200 nodes at rest", async () => {
  await signedAtLeast(SIGNED, AT_REST);
  const { context, page, record } = await open(browser);
  const medact = await (await fetch(`${PARTNER}/medact.html`)).text();
  const html = medact.replace('data-petition="stop-sharing"', `data-petition="${AT_REST}"`);
  assert.notEqual(html, medact, "the Medact page embeds the demo petition");
  await page.route(`${PARTNER}/medact.html`, (route) => route.fulfill({ body: html, contentType: "text/html" }));
  await page.goto(`${PARTNER}/medact.html`);
  // The moment the widget's form works (src/widget.rs sets it).
  await widget(page).locator("#pw[data-ready]").waitFor({ state: "attached" });
  assert.equal(await widget(page).locator("#pw-title").textContent(), "Stop using NHS patients’ personal information for immigration enforcement.");
  assert.equal(await shownCount(page), SIGNED);
  const nodes = await shadowRootNodes(page);
  console.log(`shadow root nodes at rest: ${nodes}`);
  assert.ok(nodes <= 200, `the widget's shadow root holds ${nodes} nodes at rest, more than 200`);
  assertNoConsoleErrors(record);
  await context.close();
});

/** The paths of the petition server's requests among `urls` (as `open`'s record keeps them, in order). */
function serverPaths(urls) {
  return urls.filter((url) => url.startsWith(`${SERVER}/`)).map((url) => url.slice(SERVER.length).replace(/\?.*$/, ""));
}

test("the loader asks for the widget's wasm before anything else, and a counter never asks for it", async () => {
  const { context, page, record } = await open(browser);
  // The plain page: the one tag a partner pastes, with data-petition.
  await page.goto(`${PARTNER}/plain.html`);
  await widget(page).locator("#pw[data-ready]").waitFor({ state: "attached" });
  let paths = serverPaths(record.requests);
  assert.deepEqual(paths.slice(0, 2), ["/embed.js", "/pkg/petition_widget_bg.wasm"], `asked for, in order: ${paths.join(", ")}`);
  for (const later of ["/pkg/petition_widget.js", "/api/petitions/stop-sharing", "/api/petitions/stop-sharing/challenge"]) {
    assert.ok(paths.indexOf(later) > 1, `${later} asked for after the wasm: ${paths.join(", ")}`);
  }

  // A counter (a <div data-view="counter"> and the tag without a petition).
  record.requests.length = 0;
  await page.goto(`${PARTNER}/counter.html`);
  await widget(page).locator(".pw-count").waitFor();
  paths = serverPaths(record.requests);
  assert.ok(paths.includes("/counter.js"), `the counter's module: ${paths.join(", ")}`);
  assert.ok(!paths.some((path) => path.startsWith("/pkg/")), `a counter asks for none of the widget's code: ${paths.join(", ")}`);

  // A second counter the page writes later: it shows the count and bar too, and the
  // module is not asked for again (the browser keeps one per address).
  await page.evaluate(() => {
    const second = Object.assign(document.createElement("div"), { id: "second" });
    second.setAttribute("data-petition", "stop-sharing");
    second.setAttribute("data-view", "counter");
    document.body.append(second);
    window.PetitionWidget.scan();
  });
  await page.locator("#second .pw-bar").waitFor(); // shown with the count, not with the failure's words
  paths = serverPaths(record.requests);
  assert.equal(paths.filter((path) => path === "/counter.js").length, 1, `the counter's module asked for once: ${paths.join(", ")}`);
  assertNoConsoleErrors(record);
  await context.close();
});
