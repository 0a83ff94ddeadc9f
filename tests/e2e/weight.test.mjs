// The widget's weight in the page: how many nodes its shadow root holds once
// it is ready and at rest, counted as `cargo xtask bench` counts them
// (browser.mjs's shadowRootNodes). Every node is the browser's to style,
// lay out and keep in memory, on every partner page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PARTNER, launch, open, widget, shadowRootNodes, assertNoConsoleErrors } from "./browser.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the widget's shadow root holds at most 200 nodes at rest", async () => {
  const { context, page, record } = await open(browser);
  await page.goto(`${PARTNER}/medact.html`);
  // The moment the widget's form works (src/widget.rs sets it).
  await widget(page).locator("#pw[data-ready]").waitFor({ state: "attached" });
  const nodes = await shadowRootNodes(page);
  console.log(`shadow root nodes at rest: ${nodes}`);
  assert.ok(nodes <= 200, `the widget's shadow root holds ${nodes} nodes at rest, more than 200`);
  assertNoConsoleErrors(record);
  await context.close();
});
