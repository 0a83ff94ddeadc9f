// The widget's weight in the page: how many nodes its shadow root holds once
// it is ready and at rest, counted as `cargo xtask bench` counts them
// (browser.mjs's shadowRootNodes). Every node is the browser's to style,
// lay out and keep in memory, on every partner page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PARTNER, launch, open, widget, shadowRootNodes, shownCount, serverCount, signThroughApi, freshEmail, assertNoConsoleErrors,
} from "./browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The Medact demo page as it is, showing a copy of the demo petition that
// only this test signs (`cargo xtask e2e` adds it), with 30 signatures: a
// petition under way, its count shown and two milestones reached, in a
// state that doesn't depend on what the other tests have signed.
const AT_REST = "stop-sharing-at-rest";
const SIGNED = 30;

test("the widget's shadow root holds at most 200 nodes at rest", async () => {
  const bodies = Array.from({ length: SIGNED - (await serverCount(AT_REST)) }, () => (
    { first_name: "Seed", email: freshEmail("weight"), postcode: "E1 6AN" }));
  assert.ok((await signThroughApi(bodies, AT_REST)).every((status) => status === 200));
  const { context, page, record } = await open(browser);
  // The page's tag names the copy: changed as the parser adds it, before
  // the async tag runs. (A page served by the test itself would be a public
  // page to Chromium, which then refuses it the loopback server.)
  await page.addInitScript((slug) => {
    new MutationObserver((records) => {
      for (const node of records.flatMap((record) => [...record.addedNodes])) {
        if (node.nodeName === "SCRIPT" && node.dataset.petition === "stop-sharing") node.dataset.petition = slug;
      }
    }).observe(document, { childList: true, subtree: true });
  }, AT_REST);
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
