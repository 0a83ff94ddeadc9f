// Only real people are counted (issue 4), seen from the outside: a bot driving
// a browser, and a script that skips the widget, against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PARTNER, SERVER, launch, open, widget, ready, serverCount, freshEmail, fillForm, signThroughApi } from "./browser.mjs";

const ADMIN_TOKEN = process.env.ADMIN_TOKEN;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a bot that fills in every input, the hidden one too, is thanked but not counted", async () => {
  const { context, page } = await open(browser);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const before = await serverCount();
  const email = freshEmail("bot");
  await fillForm(page, { email });
  // What a form-filling bot does: every text input gets something.
  await page.evaluate(() => {
    const root = document.querySelector("[data-petition]:not(script)").shadowRoot;
    for (const input of root.querySelectorAll("input[type=text]")) if (!input.value) input.value = "https://bot.example";
  });
  await widget(page).getByRole("button", { name: "Sign the petition" }).click();
  await widget(page).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await serverCount(), before, "not counted");
  // Held for the organiser to review, because of the hidden input (not lost,
  // and not held for some other reason, such as signing too fast).
  assert.ok(ADMIN_TOKEN, "ADMIN_TOKEN is set by `cargo xtask test`");
  const held = await (await fetch(`${SERVER}/api/admin/petitions/stop-sharing/held`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  })).json();
  assert.deepEqual(held.filter((h) => h.email === email).map((h) => h.flag), ["honeypot"]);
  await context.close();
});

test("the hidden field is out of everyone's way: not in the tab order, not read out", async () => {
  const { context, page } = await open(browser);
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const trap = widget(page).locator("#pw-website");
  assert.equal(await trap.getAttribute("tabindex"), "-1");
  assert.equal(await widget(page).locator(".pw-trap").getAttribute("aria-hidden"), "true");
  const box = await trap.boundingBox();
  assert.ok(box === null || box.x + box.width < 0, "drawn off-screen");
  assert.equal(await widget(page).getByRole("textbox", { name: "Leave this empty" }).count(), 0);
  await context.close();
});

test("a script posting to the API without the widget gets nothing counted", async () => {
  const before = await serverCount();
  const post = (body) => fetch(`${SERVER}/api/petitions/stop-sharing/signatures`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const person = { first_name: "Script", email: freshEmail("script"), postcode: "E1 6AN" };
  assert.equal((await post(person)).status, 403, "no challenge");
  assert.equal((await post({ ...person, challenge: "stop-sharing.1.0.00.00", proof: 0 })).status, 403, "a forged one");
  // A script that does the work, as the widget would, is one signature.
  const challenge = await (await fetch(`${SERVER}/api/petitions/stop-sharing/challenge`)).json();
  assert.ok(challenge.difficulty >= 16, `difficulty ${challenge.difficulty}`);
  assert.deepEqual(await signThroughApi([person]), [200]);
  assert.equal(await serverCount(), before + 1, "only the signature that did the work counts");
});
