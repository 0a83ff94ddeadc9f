// No personal data in the server's log (issue 5): a person signs, with words
// nobody else uses, then the whole log of this run's server (debug level, as
// `cargo xtask test` starts it) is searched for them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PARTNER, launch, open, widget, ready, freshEmail, fillForm } from "./browser.mjs";

const LOG = process.env.SERVER_LOG;
const MAIL_DIR = process.env.MAIL_DIR;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("signing and confirming leave no name, address, postcode, reason or link in the server's log", async () => {
  assert.ok(LOG && MAIL_DIR, "SERVER_LOG and MAIL_DIR are set by `cargo xtask test`");
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
  let mail;
  for (let tries = 0; tries < 100 && !mail; tries++) {
    mail = readdirSync(MAIL_DIR).map((f) => readFileSync(join(MAIL_DIR, f), "utf8")).find((m) => m.includes(person.email));
    if (!mail) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const link = mail.split("\r\n").map((l) => l.trim()).find((l) => l.includes("/confirm/"));
  const inbox = await context.newPage();
  await inbox.goto(link);
  await inbox.getByRole("button", { name: "Confirm my signature" }).click();
  await inbox.getByRole("heading", { name: "Thank you: your signature is confirmed" }).waitFor();
  await context.close();
  await new Promise((resolve) => setTimeout(resolve, 300));

  const log = readFileSync(LOG, "utf8");
  // The right log, and a busy one: the signing and the confirmation are in it.
  assert.match(log, /POST.*\/api\/petitions\/scrap-upfront-charging\/signatures/);
  assert.match(log, /POST.*\/confirm\/…/);
  const token = link.split("/confirm/")[1];
  for (const secret of [person.first, person.last, person.email, person.postcode, person.reason, token]) {
    assert.ok(!log.includes(secret), `the log holds ${secret}`);
  }
  assert.deepEqual(log.match(/[\w.+-]+@example\.org/g) ?? [], [], "no address from any test in the log");
});
