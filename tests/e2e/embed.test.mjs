// The iframe embed (/embed/{slug}) and the oEmbed answer that carries it:
// inside a WordPress post exactly as WordPress puts an untrusted provider's
// iframe there (sandbox="allow-scripts", a secret, wp-embed's resizing), and
// on a partner page with and without the loader.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import {
  PARTNER, SERVER, open, widget, ready, shownCount, untilShownCount, serverCount, freshEmail, fillForm,
  pageAxeViolations, assertNoConsoleErrors, assertNoThirdPartyRequests, screenshot, signThroughApi, signedAtLeast,
  launch,
} from "./browser.mjs";

let browser;
// Partner pages served by the test itself: see `launch`.
before(async () => { browser = await launch({ publicPages: true }); });
after(async () => { await browser?.close(); });

const PAGE_URL = `${SERVER}/p/stop-sharing`;

async function petition(slug = "stop-sharing") {
  return (await fetch(`${SERVER}/api/petitions/${slug}`)).json();
}

/** Waits until `check` (async) returns true, polling; fails after `timeout` ms saying `what`. */
async function until(check, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > deadline) assert.fail(`${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// --- WordPress, as an untrusted oEmbed provider meets it --------------------

/** `wp_generate_password(10, false)`: ten letters and digits. */
function wpSecret() {
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return Array.from({ length: 10 }, () => chars[randomInt(chars.length)]).join("");
}

/** The attributes WordPress keeps on an untrusted provider's iframe (wp_filter_oembed_result's kses list). */
const WP_IFRAME_ATTRIBUTES = ["src", "width", "height", "frameborder", "marginwidth", "marginheight", "scrolling", "title"];

/**
 * What WordPress's wp_filter_oembed_result makes of a provider's `html` that
 * is not on its list of trusted providers: only an iframe (and a blockquote
 * before it) is kept, with only the listed attributes; the src gets
 * `#?secret=…` and the iframe `data-secret`; and the iframe is sandboxed with
 * scripts only ("allow-scripts": no same origin, no forms, no pop-ups, no
 * top navigation).
 */
function wpFilterOembedResult(html) {
  const iframe = /<iframe(\s[^>]*)?><\/iframe>/is.exec(html);
  if (!iframe) return false;
  const kept = [...(iframe[1] || "").matchAll(/\s([a-z-]+)="([^"]*)"/gi)]
    .filter(([, name]) => WP_IFRAME_ATTRIBUTES.includes(name.toLowerCase()))
    .map(([, name, value]) => ({ name: name.toLowerCase(), value }));
  const secret = wpSecret();
  const attributes = kept.map(({ name, value }) => name === "src"
    ? `src="${value}#?secret=${secret}" data-secret="${secret}"`
    : `${name}="${value}"`);
  return {
    secret,
    html: `<iframe class="wp-embedded-content" sandbox="allow-scripts" security="restricted" ${attributes.join(" ")}></iframe>`,
  };
}

/**
 * The receiving half of WordPress's wp-embed.js, behaving as it does (written
 * afresh here): a message with a secret resizes the iframe that carries that
 * secret and sent it, to the height asked, kept between 200 and 1000 px, by
 * its `height` attribute.
 */
const WP_EMBED_RECEIVER = `
window.wpHeights = [];
window.wpMessages = []; // the heights as the frame told them, before the clamp
window.addEventListener("message", function (e) {
  var data = e.data;
  if (!data || !(data.secret || data.message || data.value)) return;
  if (/[^a-zA-Z0-9]/.test(data.secret)) return;
  var frames = document.querySelectorAll('iframe[data-secret="' + data.secret + '"]');
  for (var i = 0; i < frames.length; i++) {
    var frame = frames[i];
    if (e.source !== frame.contentWindow) continue;
    frame.removeAttribute("style");
    if (data.message === "height") {
      var height = parseInt(data.value, 10);
      window.wpMessages.push(height);
      if (height > 1000) height = 1000;
      else if (~~height < 200) height = 200;
      frame.height = height;
      window.wpHeights.push(height);
    }
  }
}, false);`;

/** A WordPress post on the partner's origin with `embed` (the filtered oEmbed html) in it. */
function wordpressPost(embed) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Why we back #StopSharing – A Health Blog</title>
<style>
body{font:1.125rem/1.6 Georgia,serif;color:#222;background:#f7f5f2;margin:0}
header{background:#fff;border-bottom:1px solid #ddd;padding:1rem 2rem;font:700 1.25rem system-ui,sans-serif}
main{max-width:640px;margin:2rem auto;padding:0 1rem}
.wp-block-embed{margin:2rem 0}
.wp-block-embed iframe{max-width:100%;display:block}
</style>
</head>
<body>
<header>A Health Blog</header>
<main>
<article>
<h1>Why we back #StopSharing</h1>
<p>Nobody should be afraid to see a doctor. Please add your name below.</p>
<figure class="wp-block-embed is-type-rich is-provider-petition wp-block-embed-petition"><div class="wp-block-embed__wrapper">
${embed}
</div></figure>
<p>Thank you for reading.</p>
</article>
</main>
<script>${WP_EMBED_RECEIVER}</script>
</body>
</html>`;
}

/** What WordPress asks a provider for in a theme 640 px wide (wp_embed_defaults: 1.5 × width, at most 1000). */
const WP_WIDTH = 640;
const WP_HEIGHT = Math.min(Math.ceil(WP_WIDTH * 1.5), 1000);

/** The height of the document in the frame, as frame.js measures it. */
function contentHeight(frame) {
  return frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
}

/** The embed's frame on `page`, once it has loaded. */
async function embedFrame(page, selector = "iframe") {
  const handle = await page.locator(selector).elementHandle();
  const frame = await handle.contentFrame();
  assert.ok(frame, "the iframe has a document");
  return frame;
}

test("pasted into a WordPress post, the petition is signed end to end inside WordPress's sandbox", async () => {
  // WordPress, on saving the post: discovers the provider and asks it.
  const response = await fetch(`${SERVER}/oembed?url=${encodeURIComponent(PAGE_URL)}&format=json&maxwidth=${WP_WIDTH}&maxheight=${WP_HEIGHT}`);
  assert.equal(response.status, 200);
  const oembed = await response.json();
  assert.equal(oembed.type, "rich");
  const filtered = wpFilterOembedResult(oembed.html);
  assert.ok(filtered, "WordPress finds an iframe in the answer's html");
  assert.match(filtered.html, new RegExp(`src="${SERVER}/embed/stop-sharing#\\?secret=${filtered.secret}"`));
  assert.match(filtered.html, new RegExp(` width="${oembed.width}" height="${oembed.height}" `), "WordPress keeps the size");

  await signedAtLeast(10);
  const { context, page, record } = await open(browser, { width: 1024, height: 900 });
  const postUrl = `${PARTNER}/2026/why-we-back-stopsharing/`;
  await page.route(postUrl, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: wordpressPost(filtered.html) }));
  await page.goto(postUrl);

  const iframe = page.locator("iframe.wp-embedded-content");
  assert.equal(await iframe.getAttribute("sandbox"), "allow-scripts");
  const inside = page.frameLocator("iframe.wp-embedded-content");
  await ready(inside);
  const frame = await embedFrame(page, "iframe.wp-embedded-content");
  assert.equal(await frame.evaluate(() => window.origin), "null", "the embed runs with an opaque origin, as in WordPress");

  // The frame's height follows its content, by WordPress's own message.
  const clamp = (height) => Math.min(1000, Math.max(200, height));
  const followed = async () => {
    const wanted = clamp(await contentHeight(frame));
    const shown = Number(await iframe.getAttribute("height"));
    return shown === wanted || { wanted, shown };
  };
  await until(followed, "the iframe's height follows the form's");
  const formHeight = Number(await iframe.getAttribute("height"));
  assert.ok(await page.evaluate(() => window.wpHeights.length > 0), "resized by WordPress's message");
  await screenshot(page, "embed-wordpress-form", { frames: true });

  const before = await serverCount();
  await fillForm(inside, { email: freshEmail("wordpress") });
  await widget(inside).getByRole("button", { name: "Sign the petition" }).click();
  await widget(inside).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await serverCount(), before + 1, "the server counted the signature");
  await untilShownCount(inside, before + 1);

  await until(followed, "the iframe's height follows the thank-you's");
  // The form and the thank-you are both taller than WordPress's 1000 px
  // limit at this width, so the frame may stay the same size: what matters
  // is that WordPress was told the thank-you's own height.
  await until(async () => {
    const told = await page.evaluate(() => window.wpMessages[window.wpMessages.length - 1]);
    const wanted = await contentHeight(frame);
    return told === wanted || { told, wanted, formHeight };
  }, "WordPress is told the thank-you's height");
  // What can't work in the sandbox is said in words, never as an error.
  assert.equal(await widget(inside).locator("#pw-problem").isVisible(), false, "no error shown");
  assert.deepEqual(await pageAxeViolations(frame), [], "the embed is accessible inside WordPress");
  await screenshot(page, "embed-wordpress-thank-you", { frames: true });

  // Nothing is remembered in the sandbox: a new visit shows the form again.
  await page.reload();
  await ready(inside);
  await widget(inside).getByRole("button", { name: "Sign the petition" }).waitFor();

  assertNoConsoleErrors(record);
  assertNoThirdPartyRequests(record);
  assert.deepEqual(await context.cookies(), [], "no cookies, from anyone");
  await context.close();
});

// --- The iframe snippet on a partner's own page ------------------------------

/** A partner's page with the iframe embed (`src`) and, if `loader`, the loader tag but no data-petition. */
function partnerPage({ src, loader }) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Medact – Sign with us</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;margin:2rem auto;max-width:640px;padding:0 1rem}</style>
${loader ? `<script src="${SERVER}/embed.js" async></script>` : ""}
</head>
<body>
<main>
<h1>Sign with Medact</h1>
<iframe src="${src}" width="600" height="900" title="Petition: Stop sharing" frameborder="0" style="border:0;max-width:100%"></iframe>
<p>After the petition.</p>
</main>
</body>
</html>`;
}

/** Opens `html` at `path` on the partner's origin. */
async function partner(html, path, options) {
  const opened = await open(browser, options);
  const url = `${PARTNER}${path}`;
  await opened.page.route(url, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: html }));
  await opened.page.goto(url);
  return opened;
}

/** The iframe's height on screen, in whole CSS px. */
function shownHeight(page) {
  return page.locator("iframe").evaluate((el) => Math.round(el.getBoundingClientRect().height));
}

test("with the loader on the page, the iframe embed grows and shrinks with its content", async () => {
  await signedAtLeast(10);
  const { context, page, record } = await partner(
    partnerPage({ src: `${SERVER}/embed/stop-sharing?partner=medact&source=iframe-test`, loader: true }),
    "/sign-with-us/",
  );
  const inside = page.frameLocator("iframe");
  await ready(inside);
  const frame = await embedFrame(page);
  const followed = async () => {
    const wanted = await contentHeight(frame);
    const shown = await shownHeight(page);
    return shown === wanted || { wanted, shown };
  };
  await until(followed, "the iframe's height follows the form's (the loader listens for the height)");
  const formHeight = await shownHeight(page);
  assert.notEqual(formHeight, 900, "the loader resized the iframe");

  await fillForm(inside, { email: freshEmail("iframe") });
  await widget(inside).getByRole("button", { name: "Sign the petition" }).click();
  await widget(inside).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  await until(followed, "the iframe's height follows the thank-you's");
  assert.ok((await shownHeight(page)) < formHeight, "the iframe shrank to the thank-you");
  await screenshot(page, "embed-iframe-with-loader");
  assertNoConsoleErrors(record);
  assertNoThirdPartyRequests(record);
  await context.close();
});

test("without the loader, the iframe embed keeps its default height, scrolls inside, attributes to the partner and counts live", async () => {
  await signedAtLeast(10);
  const { context, page, record } = await partner(
    partnerPage({ src: `${SERVER}/embed/stop-sharing?partner=medact&source=iframe-test`, loader: false }),
    "/sign-with-us-plain/",
  );
  const inside = page.frameLocator("iframe");
  await ready(inside);
  const frame = await embedFrame(page);
  assert.equal(await shownHeight(page), 900, "the iframe keeps the height the snippet gives");
  const height = await contentHeight(frame);
  assert.ok(height > 900, `the form (${height} px) scrolls inside the iframe`);
  console.log(`# the widget's form at 600 px wide: ${height} px tall (the iframe's default height: 900 px)`);
  assert.equal(await frame.evaluate(() => document.title), `Petition: ${(await petition()).title}`);
  assert.deepEqual(await pageAxeViolations(frame), [], "the embed page is accessible");

  // The live count: someone signs elsewhere, and the frame shows it.
  const count = await serverCount();
  await untilShownCount(inside, count);
  assert.deepEqual(await signThroughApi([{ first_name: "Elsewhere", email: freshEmail("elsewhere"), postcode: "E1 6AN" }]), [200]);
  await untilShownCount(inside, count + 1);

  // Attribution: the signature counts for Medact.
  const medact = async () => (await petition()).partners.find((p) => p.slug === "medact").signature_count;
  const medactBefore = await medact();
  await fillForm(inside, { email: freshEmail("medact") });
  const button = widget(inside).getByRole("button", { name: "Sign the petition" });
  await button.scrollIntoViewIfNeeded();
  assert.ok(await frame.evaluate(() => document.scrollingElement.scrollTop > 0), "the frame scrolled to the button");
  await screenshot(page, "embed-iframe-without-loader");
  await button.click();
  await widget(inside).getByRole("heading", { name: "Thank you for signing" }).waitFor();
  assert.equal(await medact(), medactBefore + 1, "the signature counts for Medact");
  assert.equal(await shownHeight(page), 900, "nothing resized the iframe");
  assert.equal(await shownCount(inside), count + 2);

  assertNoConsoleErrors(record);
  assertNoThirdPartyRequests(record);
  await context.close();
});

test("an embed of a petition that is not here says so in the frame", async () => {
  const { context, page } = await partner(
    partnerPage({ src: `${SERVER}/embed/no-such-petition`, loader: false }),
    "/missing/",
  );
  const inside = page.frameLocator("iframe");
  await inside.getByText("There is no petition at this address").waitFor();
  await context.close();
});
