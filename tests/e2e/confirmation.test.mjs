// A petition that counts a signature only once the person confirms it by
// email (issue 4): the widget says so, the mail arrives (written to the test
// server's mail folder, as in the demo), and its link counts the signature.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PARTNER, SERVER, launch, open, widget, ready, serverCount, freshEmail, fillForm,
  axeViolations, assertNoConsoleErrors, assertNoThirdPartyRequests, screenshot, linkMailedTo,
} from "./browser.mjs";

const SLUG = "scrap-upfront-charging";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the widget asks the person to check their inbox, and the mailed link counts the signature once", async () => {
  const { context, page, record } = await open(browser);
  await page.goto(`${PARTNER}/blog.html`);
  await ready(page, 1);
  const form = widget(page, 1);
  const before = await serverCount(SLUG);
  const email = freshEmail("confirm");
  await fillForm(page, { first: "Kofi", email }, 1);
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "Check your inbox" }).waitFor();
  assert.match(await form.locator("#pw-thanks-text").textContent(),
    /^Kofi, one more step: open the link we have just emailed you\. Your signature counts once you confirm it, within 7 days\./);
  assert.doesNotMatch(await form.locator("#pw-thanks-text").textContent(), /\d signatures? in all/, "no count: it may be 0");
  assert.match(await form.locator("#pw-live").textContent(), /^Check your inbox: open the link we have just emailed you/);
  assert.equal(await serverCount(SLUG), before, "not counted until confirmed");
  assert.deepEqual(await axeViolations(page, 1), []);
  await screenshot(page, "confirm-check-your-inbox");

  const link = await linkMailedTo(email);
  assert.ok(link.startsWith(`${SERVER}/confirm/`), link);
  const inbox = await context.newPage();
  await inbox.goto(link);
  await inbox.getByRole("heading", { name: "Confirm your signature" }).waitFor();
  assert.equal(await serverCount(SLUG), before, "opening the link alone counts nothing");
  await inbox.getByRole("button", { name: "Confirm my signature" }).press("Enter");
  await inbox.getByRole("heading", { name: "Thank you: your signature is confirmed" }).waitFor();
  await screenshot(inbox, "confirm-confirmed");
  assert.equal(await serverCount(SLUG), before + 1);

  // Back, the same link again: still one signature.
  await inbox.goto(link);
  await inbox.getByRole("button", { name: "Confirm my signature" }).click();
  await inbox.getByRole("heading", { name: "This link has already been used or has expired" }).waitFor();
  assert.equal(await serverCount(SLUG), before + 1);

  // The partner's page remembers, and still reminds.
  await page.reload();
  await ready(page, 1);
  await form.getByRole("heading", { name: "You signed this petition" }).waitFor();
  assert.match(await form.locator("#pw-thanks-text").textContent(), /If you have not yet, open the link we emailed you/);
  assertNoConsoleErrors(record);
  assertNoThirdPartyRequests(record);
  await context.close();
});
