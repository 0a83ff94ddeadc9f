// No personal data in the server's log (issue 5): a person signs, with words
// nobody else uses, then the whole log of this run's server (debug level, as
// `cargo xtask test` starts it) is searched for them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { PARTNER, launch, open, widget, ready, freshEmail, fillForm, linkMailedTo } from "./browser.mjs";

const LOG = process.env.SERVER_LOG;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("signing and confirming leave no name, address, postcode, reason or link in the server's log", async () => {
  assert.ok(LOG && process.env.MAIL_DIR, "SERVER_LOG and MAIL_DIR are set by `cargo xtask test`");
  const { context, page } = await open(browser);
  await page.goto(`${PARTNER}/blog.html`);
  await ready(page, 1);
  const person = {
    first: "Ngozi-Logcheck", last: "Featherstonehaugh", email: freshEmail("logcheck"), postcode: "N1 9GU",
    reason: "A reason only the log check writes",
  };
  await fillForm(page, person, 1);
  await widget(page, 1).getByRole("button", { name: "Sign the petition" }).click();
  await widget(page, 1).getByRole("heading", { name: "Check your inbox" }).waitFor();
  const link = await linkMailedTo(person.email, "/confirm/");
  const inbox = await context.newPage();
  await inbox.goto(link);
  const confirming = statSync(LOG).size;
  await inbox.getByRole("button", { name: "Confirm my signature" }).click();
  await inbox.getByRole("heading", { name: "Thank you: your signature is confirmed" }).waitFor();
  await context.close();
  // The server logs the end of a request after the browser has its answer:
  // wait for that last line about the confirmation, so all of it is searched.
  const log = await logOnceItHas(/POST[^\n]*\/confirm\/…[^\n]*end of stream/, confirming);

  // The right log, and a busy one: the signing and the confirmation are in it.
  assert.match(log, /POST.*\/api\/petitions\/scrap-upfront-charging\/signatures/);
  const token = link.split("/confirm/")[1];
  for (const secret of [person.first, person.last, person.email, person.postcode, person.reason, token]) {
    assert.ok(!log.includes(secret), `the log holds ${secret}`);
  }
  assert.deepEqual(log.match(/[\w.+-]+@example\.org/g) ?? [], [], "no address from any test in the log");
});

/** The server's log, once what it wrote after byte `from` matches `pattern`. */
async function logOnceItHas(pattern, from, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const log = readFileSync(LOG);
    if (pattern.test(log.subarray(from).toString("utf8"))) return log.toString("utf8");
    if (Date.now() > deadline) assert.fail(`the server's log did not show ${pattern} within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
