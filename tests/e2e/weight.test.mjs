// The widget's weight in the page: how many nodes its shadow root holds once
// it is ready and at rest, counted as `cargo xtask bench` counts them
// (browser.mjs's shadowRootNodes). Every node is the browser's to style,
// lay out and keep in memory, on every partner page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PARTNER, launch, open, widget, shadowRootNodes, shownCount, signedAtLeast, assertNoConsoleErrors,
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
