// A signer's rights in the widget (issue 5): a link to remove a signature,
// which works end to end, and a closed petition that shows as closed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  PARTNER, SERVER, launch, open, widget, ready, shownCount, serverCount, freshEmail, fillForm,
  axeViolations, assertNoConsoleErrors, screenshot, linkMailedTo,
} from "./browser.mjs";

const ADMIN_TOKEN = process.env.ADMIN_TOKEN;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a signer follows the widget's link to remove their signature, and it comes off the count", async () => {
  const { context, page, record } = await open(browser);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  const email = freshEmail("remove");
  await fillForm(page, { email });
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  const signed = await serverCount();

  await page.reload();
  await ready(page);
  await form.getByRole("button", { name: "Someone else wants to sign on this device" }).click();
  const remove = form.getByRole("link", { name: "Remove a signature" });
  assert.equal(await remove.getAttribute("href"), `${SERVER}/remove`);
  const [removal] = await Promise.all([context.waitForEvent("page"), remove.click()]);
  await removal.getByRole("heading", { name: "Remove your signature" }).waitFor();
  await removal.getByLabel("Email address").fill(email);
  await removal.getByRole("button", { name: "Email me a link" }).click();
  await removal.getByRole("heading", { name: "Check your inbox" }).waitFor();
  await screenshot(removal, "remove-check-your-inbox");

  const link = await linkMailedTo(email, "/remove/");
  assert.ok(link.startsWith(`${SERVER}/remove/`), link);
  await removal.goto(link);
  await removal.getByRole("button", { name: "Remove my signature" }).click();
  await removal.getByRole("heading", { name: "Your signature has been removed" }).waitFor();
  assert.equal(await serverCount(), signed - 1);
  assertNoConsoleErrors(record);
  await context.close();
});

test("a closed petition says so, with its count, and offers no form", async () => {
  assert.ok(ADMIN_TOKEN, "ADMIN_TOKEN is set by `cargo xtask test`");
  const demo = readFileSync(new URL("../../petitions/stop-sharing.toml", import.meta.url), "utf8");
  const file = demo.replace('slug = "stop-sharing"', 'slug = "closed-demo"\ncloses_at = "2018-01-31T23:59:59Z"');
  const put = await fetch(`${SERVER}/api/admin/petitions/closed-demo`, {
    method: "PUT", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: file,
  });
  assert.ok(put.ok, await put.text());

  const { context, page, record } = await open(browser);
  // A partner page of our own making, written into a page of the partner's
  // site (so it has the partner's origin and address space).
  await page.goto(`${PARTNER}/`);
  await page.setContent(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Closed</title>
    <link rel="icon" href="data:,"></head><body><main><h1>A petition from 2018</h1>
    <script src="${SERVER}/embed.js" data-petition="closed-demo" async></script></main></body></html>`);
  await ready(page);
  const form = widget(page);
  await form.getByText("This petition has closed and is no longer taking signatures.").waitFor();
  // What it reached, however few.
  assert.equal(await form.locator("#pw-count-number").isVisible(), true, "the count is shown");
  assert.equal(await shownCount(page), await serverCount("closed-demo"));
  assert.equal(await form.getByRole("button", { name: "Sign the petition" }).isVisible(), false);
  assert.equal(await form.getByLabel("Email address").count() === 0 || !(await form.getByLabel("Email address").isVisible()), true);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, "closed-petition");
  assertNoConsoleErrors(record);
  await context.close();
});
