// The server's own pages in a language written right to left, in a real
// browser: the petition's page and the removal page in Arabic lay out
// without overflowing a phone's screen and pass axe (lang, dir, names).
// The widget's loader is refused here: these are the server-rendered pages
// (the widget's languages are tested with the widget). The fixture is
// tests/petitions/multilingual.toml; no other test signs it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { SERVER, launch, open, pageAxeViolations, assertNoThirdPartyRequests, screenshot } from "./browser.mjs";

const SLUG = "free-interpreters";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The document's language and direction, and how far it overflows the screen. */
async function layout(page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }));
}

test("the petition's page in Arabic runs right to left, fits a phone and is accessible", async () => {
  for (const [name, width, height] of [["phone", 390, 844], ["desktop", 1280, 900]]) {
    const { context, page, record } = await open(browser, { width, height, locale: "ar" });
    await page.route(`${SERVER}/embed.js`, (route) => route.abort());
    // No ?lang=: the browser's language (Accept-Language: ar) chooses.
    await page.goto(`${SERVER}/p/${SLUG}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    assert.deepEqual(await layout(page), { lang: "ar", dir: "rtl", overflow: 0 }, name);
    const title = page.getByRole("heading", { level: 1 });
    assert.match(await title.textContent(), /^أبقوا المترجمين/);
    // The title starts at the right: its box ends at the column's right edge.
    const [titleBox, columnBox] = [await title.boundingBox(), await page.locator("article.ssr").boundingBox()];
    assert.ok(Math.abs(titleBox.x + titleBox.width - (columnBox.x + columnBox.width)) < 2, `${JSON.stringify([titleBox, columnBox])}`);
    assert.deepEqual(await pageAxeViolations(page), [], `accessible at ${width} px`);
    assertNoThirdPartyRequests(record);
    await screenshot(page, `languages-petition-page-ar-${name}`);

    // The list of the petition's languages leads to the page in each.
    await page.getByRole("link", { name: "Cymraeg" }).click();
    await page.waitForURL(/\?lang=cy$/);
    assert.deepEqual(await layout(page), { lang: "cy", dir: "ltr", overflow: 0 });
    await context.close();
  }
});

test("the removal page in Arabic asks for an address and words its mistake in Arabic", async () => {
  const { context, page } = await open(browser, { width: 390, height: 844 });
  await page.goto(`${SERVER}/remove?lang=ar`);
  assert.deepEqual(await layout(page), { lang: "ar", dir: "rtl", overflow: 0 });
  await page.getByRole("textbox").fill("layla@");
  await page.getByRole("button").click();
  await page.locator("#email-error").waitFor();
  assert.match(await page.locator("#email-error").textContent(), /[\u0600-\u06ff]/, "the mistake in Arabic");
  assert.equal(await page.getByRole("textbox").inputValue(), "layla@", "what was typed is kept");
  assert.deepEqual(await layout(page), { lang: "ar", dir: "rtl", overflow: 0 });
  assert.deepEqual(await pageAxeViolations(page), []);
  await screenshot(page, "languages-remove-ar-phone");
  await context.close();
});
