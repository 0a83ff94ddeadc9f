// Shared set-up for the end-to-end tests: Debian's Chromium driven by
// playwright-core, a page that records every console error, every request and
// every layout shift, and an axe-core check that reaches into the widget's
// open shadow root.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);

export const SERVER = must("PETITION_SERVER");
export const PARTNER = must("PARTNER_SITE");
export const SCREENSHOTS = new URL("./screenshots/", import.meta.url).pathname;
/** The widget's second part, named by a digest of its bytes (xtask/src/split.rs). */
export const PART = /\/pkg\/petition_widget_part\.[0-9a-f]{12}\.wasm$/;
mkdirSync(SCREENSHOTS, { recursive: true });

function must(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests with \`cargo xtask test\``);
  return value;
}

/**
 * Debian's Chromium, headless. `publicPages`: the test serves partner pages
 * itself (`page.route`) or opens sandboxes, which Chromium takes for pages on
 * the public internet, and the petition server listens on 127.0.0.1, so its
 * Local Network Access checks would refuse them the server; in the world
 * both are public, so the check is off in such a browser.
 */
export async function launch({ publicPages = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...(publicPages ? ["--disable-features=LocalNetworkAccessChecks"] : []),
    ],
  });
}

/** A fresh browser context and page that records what a tester must see. */
export async function open(browser, { width = 1280, height = 900, ...options } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, ...options });
  const page = await context.newPage();
  const record = { errors: [], requests: [] };
  watch(page, record);
  // Every layout shift not caused by the person, and the moment the first
  // widget's loading placeholder has been painted.
  await page.addInitScript(() => {
    window.__shifts = [];
    window.__placeholderPainted = null;
    const note = (entries) => {
      for (const entry of entries) {
        if (!entry.hadRecentInput) window.__shifts.push({ value: entry.value, at: entry.startTime });
      }
    };
    const observer = new PerformanceObserver((list) => note(list.getEntries()));
    observer.observe({ type: "layout-shift", buffered: true });
    // The shifts measured but not yet delivered to the observer (see `shifts`).
    window.__takeShifts = () => note(observer.takeRecords());
    (function watch() {
      const host = document.querySelector("[data-petition]:not(script)");
      if (host && host.shadowRoot) {
        requestAnimationFrame(() => requestAnimationFrame(() => { window.__placeholderPainted = performance.now(); }));
      } else {
        requestAnimationFrame(watch);
      }
    })();
  });
  return { context, page, record };
}

/** The first widget's open shadow root contents, for assertions by locator. */
export function widget(page, index = 0) {
  return page.locator("[data-petition]:not(script)").nth(index);
}

/** Waits until the widget shows its petition (not the loading state). */
export async function ready(page, index = 0) {
  await widget(page, index).locator("#pw-title").waitFor({ state: "visible" });
}

/**
 * How many nodes the open shadow root of the first element matching `host`
 * holds once two more frames have been drawn (what the view does next to
 * its first paint is done): every node below the root (elements, text,
 * comments), as a TreeWalker showing all sees them. The bench and the
 * weight test count with this, so their figures are counted one way.
 */
export async function shadowRootNodes(page, host = "[data-petition]:not(script)") {
  return page.evaluate(async (selector) => {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const root = document.querySelector(selector).shadowRoot;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
    let nodes = 0;
    while (walker.nextNode()) nodes++;
    return nodes;
  }, host);
}

/**
 * The page's layout shifts so far, once what is on screen has been painted:
 * the browser measures shifts as it paints a frame, so wait for the next
 * two frames, then collect what the observer has not yet been given.
 */
export async function shifts(page) {
  return page.evaluate(async () => {
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    window.__takeShifts();
    return { shifts: window.__shifts, placeholderPainted: window.__placeholderPainted };
  });
}

/** The signature count a widget shows, as a number. */
export async function shownCount(page, index = 0) {
  const text = await widget(page, index).locator("#pw-count-number").textContent();
  return Number(text.replace(/,/g, ""));
}

/**
 * Waits until the widget shows `count` signatures. A reloaded page may get
 * the petition from the browser's cache (it may be kept a few seconds), and
 * the live count brings the number up to date as soon as its stream opens.
 */
export async function untilShownCount(page, count, index = 0) {
  const words = new RegExp(`^${count.toLocaleString("en-GB")}$`);
  await widget(page, index).locator("#pw-count-number", { hasText: words }).waitFor();
}

/** The count the server reports. */
export async function serverCount(slug = "stop-sharing") {
  const response = await fetch(`${SERVER}/api/petitions/${slug}`);
  return (await response.json()).signature_count;
}

/** Answers a proof-of-work challenge as the widget does (see core/src/proof.rs). */
function solve({ token, difficulty }) {
  const nonce = Buffer.alloc(8);
  for (let proof = 0; ; proof++) {
    nonce.writeBigUInt64LE(BigInt(proof));
    const hash = createHash("sha256").update(token).update(nonce).digest();
    let bits = 0;
    for (const byte of hash) {
      bits += byte === 0 ? 8 : Math.clz32(byte) - 24;
      if (byte !== 0) break;
    }
    if (bits >= difficulty) return proof;
  }
}

/**
 * Signs through the API the way the widget does (a challenge each, solved,
 * sent no sooner than a person could), for tests that need other people's
 * signatures. Resolves to the answers' statuses.
 */
export async function signThroughApi(bodies, slug = "stop-sharing") {
  const answered = await Promise.all(bodies.map(async (body) => {
    const challenge = await (await fetch(`${SERVER}/api/petitions/${slug}/challenge`)).json();
    return { body: { ...body, challenge: challenge.token, proof: solve(challenge) }, wait: challenge.min_seconds };
  }));
  await new Promise((resolve) => setTimeout(resolve, Math.max(...answered.map((a) => a.wait)) * 1000 + 100));
  return Promise.all(answered.map(async ({ body }) => {
    const response = await fetch(`${SERVER}/api/petitions/${slug}/signatures`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    return response.status;
  }));
}

/**
 * Signs `slug` through the API until it has at least `count` signatures (the
 * demo petition shows its count from 10): a known state for a test, whichever
 * tests ran before it.
 */
export async function signedAtLeast(count, slug = "stop-sharing") {
  const missing = Math.max(0, count - (await serverCount(slug)));
  const bodies = Array.from({ length: missing }, () => ({ first_name: "Seed", email: freshEmail("seed"), postcode: "E1 6AN" }));
  const statuses = await signThroughApi(bodies, slug);
  if (!statuses.every((status) => status === 200)) throw new Error(`seeding ${slug}: answers ${statuses}`);
}

/**
 * The link containing `part` in the one mail to `email` that has such a link,
 * read from the .eml files the server writes to `MAIL_DIR`. Waits for the mail
 * to arrive: the server's outbox sends it after answering, in its own time.
 */
export async function linkMailedTo(email, part = "/confirm/", { timeout = 30_000 } = {}) {
  const dir = process.env.MAIL_DIR;
  assert.ok(dir, "MAIL_DIR is not set: run the end-to-end tests with `cargo xtask test`");
  const deadline = Date.now() + timeout;
  for (;;) {
    const links = mailsIn(dir)
      .filter((mail) => mail.includes(`\r\nTo: ${email}\r\n`))
      // Only whole lines: the file may be caught half written.
      .map((mail) => mail.split("\r\n").slice(0, -1).map((line) => line.trim())
        .find((line) => line.startsWith("http") && line.includes(part)))
      .filter(Boolean);
    if (links.length > 0) {
      assert.equal(links.length, 1, `one mail to ${email} with a ${part} link: ${links.join(", ")}`);
      return links[0];
    }
    if (Date.now() > deadline) assert.fail(`no mail to ${email} with a ${part} link in ${dir} after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The one mail to `email` that carries a `part` link, once it is whole:
 * its subject (RFC 2047 words decoded) and its body (the server writes
 * UTF-8 as it is, `8bit`).
 */
export async function mailTo(email, part = "/confirm/") {
  await linkMailedTo(email, part);
  const mail = mailsIn(process.env.MAIL_DIR).find((m) => m.includes(`\r\nTo: ${email}\r\n`) && m.includes(part));
  const [head, ...body] = mail.split("\r\n\r\n");
  const folded = head.replace(/\r\n[ \t]+/g, " ");
  const subject = (folded.match(/^Subject: (.*)$/m) || [])[1] || "";
  // Space between two encoded words is not part of the text (RFC 2047).
  const decoded = subject.replace(/\?=\s+=\?/g, "?==?").replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, kind, text) =>
    kind.toLowerCase() === "b"
      ? Buffer.from(text, "base64").toString("utf8")
      : decodeURIComponent(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, "%$1")));
  return { subject: decoded.trim(), body: body.join("\r\n\r\n") };
}

/** Every mail in `dir` (none while the server has not yet made the folder). */
function mailsIn(dir) {
  let names;
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".eml"));
  } catch (error) {
    if (error.code === "ENOENT") return [];
    throw error;
  }
  return names.map((name) => readFileSync(join(dir, name), "utf8"));
}

let unique = 0;
/** An address nobody has used yet in this run. */
export function freshEmail(who = "person") {
  unique += 1;
  return `${who}.${process.pid}.${Date.now()}.${unique}@example.org`;
}

/** Fills the form the way a person does: by the visible labels. */
export async function fillForm(page, { first = "Amara", last = "Okafor", email, postcode = "E1 6AN", profession, reason, consent } = {}, index = 0) {
  const form = widget(page, index);
  await form.getByLabel("First name", { exact: true }).fill(first);
  await form.getByLabel("Last name (if you have one)").fill(last);
  await form.getByLabel("Email address").fill(email);
  await form.getByLabel("Postcode").fill(postcode);
  if (profession) await form.getByLabel("Are you a healthcare professional? (optional)").selectOption({ label: profession });
  if (reason) await form.getByLabel("Why are you signing? (optional)").fill(reason);
  if (consent) await form.getByLabel(/Keep me updated/).check();
}

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's violations inside the widget's shadow root (WCAG 2.x A/AA). */
export async function axeViolations(page, index = 0) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async (index) => {
    const host = document.querySelectorAll("[data-petition]:not(script)")[index];
    const result = await window.axe.run(
      { include: [[host]] },
      { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } },
    );
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  }, index);
}

/**
 * axe-core's violations on a whole page or frame (WCAG 2.x A/AA), for pages
 * of our own such as the dashboard's. axe is put in by the DevTools
 * protocol, which a page's Content-Security-Policy does not stop (a
 * `<script>` added to the page would be refused, and logged as an error).
 * Frames are left out: check each with its own call.
 */
export async function pageAxeViolations(target) {
  // Contrast and target sizes are the stylesheets': a page reached by a click
  // may be parsed, and checked, before they arrive.
  await target.waitForLoadState("load");
  if (!(await target.evaluate(() => Boolean(window.axe)))) await target.evaluate(AXE);
  return target.evaluate(async () => {
    const result = await window.axe.run(document, {
      iframes: false,
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  });
}

/** Records `page`'s console errors and requests in `record`, as `open` does for its page. */
export function watch(page, record) {
  page.on("console", (message) => {
    if (message.type() === "error") record.errors.push(message.text());
  });
  page.on("pageerror", (error) => record.errors.push(`uncaught: ${error.message}`));
  page.on("request", (request) => record.requests.push(request.url()));
  return page;
}

export function assertNoConsoleErrors(record) {
  assert.deepEqual(record.errors, [], "the page logged errors");
}

/** Every request the page made went to the partner's site or the petition server. */
export function assertNoThirdPartyRequests(record) {
  const allowed = new Set([new URL(SERVER).origin, new URL(PARTNER).origin]);
  const others = record.requests.filter((url) => !url.startsWith("data:") && !allowed.has(new URL(url).origin));
  assert.deepEqual(others, [], "requests to third parties");
}

/**
 * A picture of the whole of `page`, to look at. With `frames`, for a page
 * whose widget is in an iframe of another process (WordPress's sandbox):
 * Playwright's full-page capture sometimes leaves such a frame blank
 * (microsoft/playwright#40583), so the viewport is made as tall as the
 * page for the picture instead, and put back after.
 */
export async function screenshot(page, name, { frames = false } = {}) {
  const path = `${SCREENSHOTS}${name}.png`;
  if (!frames) return page.screenshot({ path, fullPage: true });
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height });
  await page.evaluate(() => new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn))));
  await page.screenshot({ path });
  await page.setViewportSize(viewport);
}
