// The organiser's dashboard (issue 12), in Chromium: an organiser signs in by
// the form, creates a petition in the editor while its preview shows the real
// widget, and watches it signed on a partner's page on another origin from
// pages that stay open; adds paper signatures, approves a held reason,
// exports the CSV and signs out. A partner's account sees only its own.
// The same organiser's work by the keyboard alone; every page at 320 px;
// axe-core on every page; no console errors (a Content-Security-Policy
// violation is one).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  PARTNER, SERVER, launch, open, watch, widget, ready, fillForm, freshEmail, untilShownCount, serverCount,
  signThroughApi, pageAxeViolations, assertNoConsoleErrors, screenshot,
} from "./browser.mjs";

const PASSWORD = process.env.DASHBOARD_PASSWORD;
const ADMIN_TOKEN = process.env.ADMIN_TOKEN;

/** The petition the organiser creates in the editor. */
const SLUG = "dashboard-flow";
const TITLE = "Keep GP surgeries open to everyone who needs one";
const ORGANISER = "Health for All";
/** A reason with a link: the server holds it back until approved. */
const REASON = "My neighbour was turned away from her surgery: https://example.org/her-story";
/** The petition the keyboard-only test makes for itself. */
const KEYBOARD_SLUG = "dashboard-keyboard";

let browser;
before(async () => {
  assert.ok(PASSWORD, "DASHBOARD_PASSWORD is set by `cargo xtask test` (or `cargo xtask e2e`)");
  assert.ok(ADMIN_TOKEN, "ADMIN_TOKEN is set by `cargo xtask test` (or `cargo xtask e2e`)");
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** Escapes `text` for a regular expression. */
function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Exactly `text`, as a locator's `hasText` (whitespace around it aside). */
function exactly(text) {
  return new RegExp(`^\\s*${literal(String(text))}\\s*$`);
}

/** Waits until `locator` holds exactly `text`. */
async function untilText(locator, text) {
  await locator.filter({ hasText: exactly(text) }).waitFor();
}

/**
 * A dashboard context: every live stream (EventSource) the pages open is
 * counted in `window.__streamsOpen` when it opens, so a test knows a page is
 * listening before it makes something happen.
 */
async function dashboard({ width = 1280, height = 900 } = {}) {
  const opened = await open(browser, { width, height });
  // What failed, to say which resource a "Failed to load resource" error was.
  opened.record.failed = [];
  opened.context.on("response", (response) => {
    if (response.status() >= 400) opened.record.failed.push(`${response.status()} ${response.url()}`);
  });
  await opened.context.addInitScript(() => {
    const Native = window.EventSource;
    window.__streamsOpen = 0;
    if (!Native) return;
    window.EventSource = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("open", () => { window.__streamsOpen += 1; });
      }
    };
  });
  return opened;
}

/** No console errors on the dashboard's pages (a CSP violation is one), naming any resource that failed. */
function clean(record) {
  assert.deepEqual(record.errors, [], `the pages logged errors (failed: ${record.failed.join(", ") || "none"})`);
}

/** Signs in by the form, as `name`. */
async function signIn(page, name = "organiser") {
  await page.goto(`${SERVER}/admin/sign-in`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Petitions", level: 1 }).waitFor();
  assert.equal(page.url(), `${SERVER}/admin/`);
}

/** Asserts axe-core finds nothing on the page (or frame) `name`. */
async function accessible(target, name) {
  assert.deepEqual(await pageAxeViolations(target), [], `axe-core on ${name}`);
}

/** A figure on a petition's page (`<dt>` `term`), its number. */
function figure(page, term) {
  return page.locator("#figures .figures > div").filter({ has: page.locator("dt", { hasText: exactly(term) }) }).locator("dd");
}

/** A row of the milestone table on a petition's page: its "Reached" cell. */
function milestoneReached(page, count) {
  return page.locator("table.milestones tbody tr").filter({ has: page.locator("th", { hasText: exactly(count) }) }).locator("td");
}

/** A partner page of our own making on the partner's origin, at `path`, embedding `slug` for `partner`. */
async function partnerPage(page, slug, partner, path = "/") {
  await page.goto(`${PARTNER}${path}`);
  await page.setContent(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Medact: GP surgeries</title>
    <link rel="icon" href="data:,"></head><body><main><h1>Keep GP surgeries open</h1>
    <script src="${SERVER}/embed.js" data-petition="${slug}" data-partner="${partner}" async></script></main></body></html>`);
  await ready(page);
}

/** The public view of a petition. */
async function publicView(slug) {
  const response = await fetch(`${SERVER}/api/petitions/${slug}`, { cache: "no-store" });
  assert.equal(response.status, 200);
  return response.json();
}

/** A CSV's rows as arrays of cells (quoted cells, doubled quotes and line breaks in quotes allowed). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell); rows.push(row); row = []; cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

/** Follows a link by clicking it, and waits for the page it leads to. */
async function follow(page, name) {
  await Promise.all([page.waitForEvent("load"), page.getByRole("link", { name, exact: true }).click()]);
}

test("an organiser creates a petition, watches it signed on a partner's site live, adds paper, approves a reason, exports and signs out", async () => {
  const { context, page, record } = await dashboard();

  // Signed out, the dashboard sends to the sign-in form; a wrong password
  // says so, accessibly; the right one signs in. The pages forbid inline
  // script and style, and send no referrer: the form still works (Chromium
  // posts it with `Origin: null` and `Sec-Fetch-Site: same-origin`).
  const first = await page.goto(`${SERVER}/admin/`);
  assert.equal(page.url(), `${SERVER}/admin/sign-in`);
  assert.equal(first.headers()["referrer-policy"], "no-referrer");
  assert.match(first.headers()["content-security-policy"], /script-src 'self';/);
  await accessible(page, "the sign-in form");
  await page.getByLabel("Name", { exact: true }).fill("organiser");
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "There is a problem" }).waitFor();
  assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "organiser", "the name is kept");
  await accessible(page, "the sign-in form with its error");
  // The browser logs the refusal's 401 as an error: that one, and no other.
  assert.deepEqual(record.errors.splice(0), ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
  record.failed.splice(0);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  const [posted] = await Promise.all([
    page.waitForRequest((request) => request.method() === "POST" && request.url() === `${SERVER}/admin/sign-in`),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  await page.getByRole("heading", { name: "Petitions", level: 1 }).waitFor();
  assert.equal(page.url(), `${SERVER}/admin/`);
  const sent = await posted.allHeaders();
  assert.deepEqual([sent.origin, sent["sec-fetch-site"]], ["null", "same-origin"], "how Chromium posts a no-referrer page's form");
  await accessible(page, "the list of petitions");

  // A new petition, typed into the editor by its labels; the preview shows
  // the real widget, and follows the title as it changes.
  await follow(page, "New petition");
  await page.getByRole("heading", { name: "New petition", level: 1 }).waitFor();
  await page.getByLabel("Slug", { exact: true }).fill(SLUG);
  await page.getByLabel("Title", { exact: true }).fill("A first draft of the title");
  await page.getByLabel("Summary", { exact: true }).fill("Everyone who needs a GP should be able to register with one.");
  await page.getByLabel("Why is this important?", { exact: true }).fill(
    "Surgeries turn people away for want of papers they don't need.\n\nNobody should be.",
  );
  await page.getByLabel("Addressed to", { exact: true }).fill("The Secretary of State for Health");
  await page.getByLabel("Organiser", { exact: true }).fill(ORGANISER);
  await page.getByLabel("Goal steps", { exact: true }).fill("1000, 5000");
  await page.getByLabel("Milestones", { exact: true }).fill("1, 100, 1000");
  await page.getByLabel("Show the count from", { exact: true }).fill("1");
  await page.getByLabel("Ask “Are you a healthcare professional?”").check();
  await page.getByLabel("Partners", { exact: true }).fill("medact: Medact\nasylum-matters: Asylum Matters");
  const preview = page.frameLocator("#preview");
  await preview.locator("#pw-title", { hasText: exactly("A first draft of the title") }).waitFor();
  await page.getByLabel("Title", { exact: true }).fill(TITLE);
  await preview.locator("#pw-title", { hasText: exactly(TITLE) }).waitFor();
  await page.getByText("The preview shows your changes (not saved yet).").waitFor();
  assert.equal(await preview.locator("#pw-target").textContent(), "The Secretary of State for Health");
  await preview.getByLabel("Are you a healthcare professional? (optional)").waitFor();
  await accessible(page, "the editor");
  const frame = page.frames().find((f) => f.url().includes("/admin/petitions/preview?draft="));
  assert.ok(frame, "the preview frame shows the draft");
  assert.deepEqual(await pageAxeViolations(frame), [], "axe-core on the preview's page (the widget included)");
  await screenshot(page, "dashboard-editor");
  await page.getByRole("button", { name: "Create the petition" }).click();
  await page.getByText(`Petition created: it is live at /api/petitions/${SLUG}.`).waitFor();
  assert.equal(page.url(), `${SERVER}/admin/petitions/${SLUG}/edit?created=1`);
  assert.equal((await publicView(SLUG)).title, TITLE);
  await accessible(page, "the editor of a saved petition");
  await follow(page, "History (1 revision)");
  await page.getByRole("heading", { name: `History of the petition ${SLUG}` }).waitFor();
  await accessible(page, "the petition's history");

  // Two dashboard pages that will stay open, never reloaded: the list, and
  // the petition's page with its hourly table open.
  await page.goto(`${SERVER}/admin/`);
  const row = page.locator(`tr[data-slug="${SLUG}"]`);
  await untilText(row.locator('[data-field="signature_count"]'), "0");
  const petition = watch(await context.newPage(), record);
  await petition.goto(`${SERVER}/admin/petitions/${SLUG}`);
  await petition.getByRole("heading", { name: TITLE, level: 1 }).waitFor();
  await untilText(figure(petition, "Signatures, all told"), "0");
  await petition.getByText("Show the hours as a table").click();
  for (const open of [page, petition]) {
    await open.waitForFunction(() => window.__streamsOpen > 0);
    await open.evaluate(() => { window.__notReloaded = true; });
  }

  // Signed on a partner's page, on another origin: Medact's tag, and a
  // share link's `?source=`; the signer is a doctor, agrees to hear from
  // both, and gives a reason with a link in it (held back for review).
  const signer = await open(browser);
  await partnerPage(signer.page, SLUG, "medact", "/?source=e2e-newsletter");
  const form = widget(signer.page);
  assert.equal(await form.locator("#pw-title").textContent(), TITLE);
  const email = freshEmail("dashboard");
  await fillForm(signer.page, { first: "Nadia", last: "Haddad", email, profession: "Doctor", reason: REASON });
  await form.getByLabel(`Keep me updated about this campaign by email from ${ORGANISER}`).check();
  await form.getByLabel("Keep me updated about this campaign by email from Medact").check();
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  await untilShownCount(signer.page, 1);

  // Both open pages follow without reloading: the list's count; the
  // petition's figures, its hourly table, and the partner's, the share
  // link's and the profession's figures.
  await untilText(row.locator('[data-field="signature_count"]'), "1");
  await untilText(row.locator('[data-field="today"]'), "1");
  await untilText(figure(petition, "Signatures, all told"), "1");
  await untilText(figure(petition, "Signed today (since midnight UTC)"), "1");
  await untilText(figure(petition, "Doctors, nurses and midwives"), "1");
  await untilText(petition.locator('table.partners tr[data-partner="medact"] td').first(), "1");
  await untilText(petition.locator('table.partners tr[data-partner="medact"] td').nth(1), "1");
  await untilText(petition.locator('table.partners tr[data-partner="asylum-matters"] td').first(), "0");
  await untilText(
    petition.locator("table.sources tbody tr").filter({ has: petition.locator("code", { hasText: exactly("e2e-newsletter") }) }).locator("td"),
    "1",
  );
  const hours = petition.locator("#chart-hours-table");
  assert.equal(await hours.getAttribute("open"), "", "the table opened before stays open");
  assert.equal(await hours.locator("tbody td.num", { hasText: exactly("1") }).count(), 1, "one hour with one signature");
  await petition.locator("#chart-days-table").getByText("Show the days as a table").click();
  assert.equal(await petition.locator("#chart-days-table tbody td.num", { hasText: exactly("1") }).count(), 1);
  assert.match(await milestoneReached(petition, "1").textContent(), /\d{4}/, "the first milestone has its date");
  assert.equal(await milestoneReached(petition, "100").textContent(), "Not yet");
  for (const open of [page, petition]) {
    assert.equal(await open.evaluate(() => window.__notReloaded), true, `${open.url()} was not reloaded`);
  }
  await accessible(petition, "the petition's page");
  await screenshot(petition, "dashboard-petition");
  await screenshot(page, "dashboard-list");

  // Paper signatures: the public count (the API, and the widget on the
  // partner's page, live) and the milestone of 100 are reached, with a date,
  // on the petition's page still open.
  await page.getByRole("link", { name: TITLE }).click();
  await follow(page, "Paper signatures");
  await page.getByRole("heading", { name: /Paper and offline signatures/ }).waitFor();
  await accessible(page, "the paper signatures page");
  await page.getByLabel("Number of signatures", { exact: true }).fill("312");
  await page.getByLabel("Note", { exact: true }).fill("Paper sheets from the Birmingham clinic");
  await page.getByRole("button", { name: "Add to the count" }).click();
  await page.getByRole("status").filter({ hasText: /^Added 312 signatures on paper \(entry \d+\); the count is now 313$/ }).waitFor();
  await page.getByRole("cell", { name: "Paper sheets from the Birmingham clinic" }).waitFor();
  await accessible(page, "the paper signatures page with an entry");
  await screenshot(page, "dashboard-paper");
  assert.equal(await serverCount(SLUG), 313);
  await untilShownCount(signer.page, 313);
  const hundred = (await publicView(SLUG)).milestones.find((m) => m.count === 100);
  assert.ok(hundred.reached_at, "the API dates the milestone of 100");
  await form.locator("#pw-latest time").filter({ hasText: /./ }).waitFor();
  assert.equal(await form.locator("#pw-latest time").getAttribute("datetime"), hundred.reached_at);
  await untilText(figure(petition, "Signatures, all told"), "313");
  await untilText(figure(petition, "On paper and offline"), "312");
  await milestoneReached(petition, "100").locator(`time[datetime="${hundred.reached_at}"]`).waitFor();
  assert.equal(await milestoneReached(petition, "1,000").textContent(), "Not yet");
  assert.equal(await petition.evaluate(() => window.__notReloaded), true, "the petition's page was never reloaded");

  // The held reason, approved; a fresh visit to the partner's page shows it.
  const withheld = await publicView(SLUG);
  assert.ok(!withheld.reasons.includes(REASON), "a reason with a link is held back");
  await page.goto(`${SERVER}/admin/petitions/${SLUG}`);
  await follow(page, "Held signatures and reasons");
  await page.getByRole("cell", { name: REASON }).waitFor();
  await page.getByText("No signatures are held for review.").waitFor();
  await accessible(page, "the held signatures and reasons");
  assert.equal(await page.getByRole("button", { name: "Nothing" }).count(), 0, "the form's disabled default button stays hidden");
  await screenshot(page, "dashboard-held");
  await page.getByRole("button", { name: "Approve this reason" }).click();
  await page.getByRole("status").filter({ hasText: "Approved 1 reason: the widget can show them now" }).waitFor();
  await page.getByText("No reasons are held back.").waitFor();
  await accessible(page, "the held page after a review");
  const reader = await open(browser);
  await partnerPage(reader.page, SLUG, "medact");
  await widget(reader.page).getByText("Reasons for signing").click();
  await widget(reader.page).locator("#pw-reasons-list li", { hasText: exactly(REASON) }).waitFor();
  assertNoConsoleErrors(reader.record);
  await reader.context.close();

  // The CSV, downloaded by its link and read back.
  await page.goto(`${SERVER}/admin/petitions/${SLUG}`);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download every signature (CSV)" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const rows = parseCsv(readFileSync(await download.path(), "utf8"));
  const [header, ...signers] = rows;
  assert.deepEqual(header, [
    "signed_at", "first_name", "last_name", "email", "postcode", "outside_uk", "profession", "reason",
    "organiser_consent", "organiser_consent_text", "partner", "partner_consent", "partner_consent_text",
    "consent_at", "source", "confirmed_at", "language",
  ]);
  assert.equal(signers.length, 1, "one signer online (paper signatures have no rows)");
  const cells = Object.fromEntries(header.map((name, i) => [name, signers[0][i]]));
  assert.deepEqual(
    [cells.first_name, cells.last_name, cells.email, cells.profession, cells.reason, cells.partner, cells.source],
    ["Nadia", "Haddad", email, "doctor", REASON, "medact", "e2e-newsletter"],
  );
  assert.deepEqual([cells.organiser_consent, cells.partner_consent], ["yes", "yes"]);
  assert.equal(cells.partner_consent_text, "Keep me updated about this campaign by email from Medact");

  // The organiser's other pages: accessible, and the log has what was done.
  for (const [link, heading] of [["Signers' rights", /Signers.? rights/], ["Accounts", "Accounts"], ["Audit log", "Audit log"]]) {
    await follow(page, link);
    await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
    await accessible(page, link);
  }
  for (const action of ["sign-in", "sign-in-failed", "paper-count", "approve-reasons"]) {
    await page.locator("table code", { hasText: exactly(action) }).first().waitFor();
  }

  // Signing out ends the session: the dashboard sends to sign-in again,
  // in this tab and the one left open.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor();
  assert.equal(page.url(), `${SERVER}/admin/sign-in`);
  await petition.goto(`${SERVER}/admin/petitions/${SLUG}`);
  assert.equal(petition.url(), `${SERVER}/admin/sign-in`);
  await page.goto(`${SERVER}/admin/`);
  assert.equal(page.url(), `${SERVER}/admin/sign-in`);

  clean(record);
  assertNoConsoleErrors(signer.record);
  await signer.context.close();
  await context.close();
});

test("a partner's account sees only the petitions listing it, its own figures and signers, and gets 403 from every organiser's route", async () => {
  const { context, page, record } = await dashboard();
  await signIn(page, "medact");
  await accessible(page, "a partner's list of petitions");

  // Exactly the petitions that list Medact.
  const all = await fetch(`${SERVER}/api/admin/petitions`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(all.status, 200);
  const slugs = (await all.json()).map((p) => p.slug);
  const listing = [];
  for (const slug of slugs) {
    if ((await publicView(slug)).partners.some((p) => p.slug === "medact")) listing.push(slug);
  }
  assert.ok(listing.includes(SLUG) && listing.includes("stop-sharing"), listing.join(", "));
  assert.ok(slugs.includes("scrap-upfront-charging") && !listing.includes("scrap-upfront-charging"));
  const shown = await page.locator("tr[data-slug]").evaluateAll((rows) => rows.map((r) => r.dataset.slug));
  assert.deepEqual(shown.sort(), listing.sort());
  // Its menu has no organiser's pages.
  const menu = await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link").allTextContents();
  assert.deepEqual(menu, ["Petitions"]);

  // The petition's page: Medact's own figures only, and its own signers.
  await page.getByRole("link", { name: TITLE }).click();
  await page.getByRole("heading", { name: TITLE, level: 1 }).waitFor();
  await untilText(figure(page, "Signed on Medact’s pages"), "1");
  await untilText(figure(page, "Agreed to hear from Medact"), "1");
  assert.equal(await page.getByRole("heading", { name: "By partner" }).count(), 0);
  assert.equal(await page.getByText("Asylum Matters").count(), 0, "nothing of another partner");
  assert.equal(await page.getByRole("link", { name: "Held signatures and reasons" }).count(), 0);
  assert.equal(await page.getByLabel(/Your own pages/).count(), 0, "only its own embed code");
  assert.match(await page.getByRole("textbox", { name: /^Script tag for Medact’s pages/ }).inputValue(), /data-partner="medact"/);
  await accessible(page, "a partner's petition page");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download the signers who agreed to hear from Medact (CSV)" }).click(),
  ]);
  const [header, ...signers] = parseCsv(readFileSync(await download.path(), "utf8"));
  assert.deepEqual(header, ["signed_at", "first_name", "last_name", "email", "postcode", "partner_consent_text", "consent_at", "language"]);
  assert.equal(signers.length, 1);
  assert.equal(signers[0][1], "Nadia");

  // Every organiser's route, asked from the page with its session (and, for
  // writes, its CSRF token): 403, for being a partner.
  const count = await serverCount(SLUG);
  const logged = record.errors.length;
  const gets = [
    "/admin/petitions/new", `/admin/petitions/${SLUG}/edit`, `/admin/petitions/${SLUG}/revisions`,
    `/admin/petitions/${SLUG}/petition.toml`, "/admin/petitions/preview", `/admin/petitions/${SLUG}/held`,
    `/admin/petitions/${SLUG}/paper`, "/admin/rights", "/admin/accounts", "/admin/audit",
  ];
  const posts = [
    "/admin/petitions/new", `/admin/petitions/${SLUG}/edit`, "/admin/petitions/preview",
    `/admin/petitions/${SLUG}/held/approve`, `/admin/petitions/${SLUG}/held/reject`,
    `/admin/petitions/${SLUG}/held-reasons/approve`, `/admin/petitions/${SLUG}/held-reasons/reject`,
    `/admin/petitions/${SLUG}/paper`, `/admin/petitions/${SLUG}/paper/1`, "/admin/rights/erase",
    "/admin/rights/retention", "/admin/accounts", "/admin/accounts/remove",
  ];
  const answers = await page.evaluate(async ({ gets, posts }) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const body = new URLSearchParams({ csrf, amount: "5", note: "n", email: "a@example.org", name: "organiser", id: "1", only: "1" });
    const ask = async (method, path) => {
      const response = await fetch(path, method === "GET" ? {} : { method, body, redirect: "manual" });
      return { what: `${method} ${path}`, status: response.status, words: await response.text() };
    };
    return [
      ...(await Promise.all(gets.map((path) => ask("GET", path)))),
      ...(await Promise.all(posts.map((path) => ask("POST", path)))),
    ];
  }, { gets, posts });
  for (const { what, status, words } of answers) {
    assert.equal(status, 403, what);
    assert.match(words, /Only the campaign(’|'|&#x27;|&#39;)s organisers can do this/, `${what}: refused for being a partner`);
  }
  // Another partner's signers, the whole petition's, a petition not listing Medact.
  const refused = await page.evaluate(async (slug) => Promise.all([
    `/admin/petitions/${slug}/export.csv`, `/admin/petitions/${slug}/export.csv?partner=asylum-matters`,
    "/admin/petitions/scrap-upfront-charging", "/admin/petitions/scrap-upfront-charging/figures",
  ].map(async (path) => [path, (await fetch(path)).status])), SLUG);
  for (const [path, status] of refused) assert.equal(status, 403, path);
  assert.equal(await serverCount(SLUG), count, "nothing refused changed the count");
  // The browser logs each refusal asked for above, and nothing else.
  const refusals = record.errors.splice(logged);
  assert.equal(refusals.length, answers.length + refused.length);
  for (const error of refusals) assert.match(error, /status of 403/);

  clean(record);
  await context.close();
});

/** Presses Tab until `matches` (run in the page on the focused element) is true; fails after `most` presses. */
async function tabTo(page, matches, arg, most = 60) {
  // The focus ring is the stylesheet's: a page reached by a key press is
  // awaited only to its heading, which can be parsed before admin.css arrives.
  await page.waitForLoadState("load");
  for (let n = 0; n < most; n++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(matches, arg)) {
      const [style, width] = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement);
        return [style.outlineStyle, style.outlineWidth];
      });
      assert.deepEqual([style, width], ["solid", "3px"], "the focus is visible");
      return;
    }
  }
  assert.fail(`Tab never reached ${matches} ${arg ?? ""}`);
}

const focusedId = (id) => document.activeElement?.id === id;
const focusedLink = (href) => document.activeElement?.getAttribute?.("href") === href;

test("an organiser signs in, adds paper signatures and approves a held reason by the keyboard alone", async () => {
  // A petition of the test's own, with a signature whose reason is held.
  const demo = readFileSync(new URL("../../petitions/stop-sharing.toml", import.meta.url), "utf8");
  const file = demo.replace('slug = "stop-sharing"', `slug = "${KEYBOARD_SLUG}"`)
    .replace(/^title = .*$/m, 'title = "Reviewed by the keyboard alone"');
  const put = await fetch(`${SERVER}/api/admin/petitions/${KEYBOARD_SLUG}`, {
    method: "PUT", headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: file,
  });
  assert.ok(put.ok, await put.text());
  const reason = "Read why at https://example.org/keyboard";
  const signed = await signThroughApi([{
    first_name: "Kim", last_name: "Lee", email: freshEmail("keyboard"), postcode: "SW1A 1AA", reason,
  }], KEYBOARD_SLUG);
  assert.deepEqual(signed, [200]);

  const { context, page, record } = await dashboard();
  await page.goto(`${SERVER}/admin/sign-in`);
  await tabTo(page, focusedId, "name");
  await page.keyboard.type("organiser");
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Petitions", level: 1 }).waitFor();

  await tabTo(page, focusedLink, `/admin/petitions/${KEYBOARD_SLUG}`);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${SERVER}/admin/petitions/${KEYBOARD_SLUG}`);
  await tabTo(page, focusedLink, `/admin/petitions/${KEYBOARD_SLUG}/paper`);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: /Paper and offline signatures/ }).waitFor();
  await tabTo(page, focusedId, "amount");
  await page.keyboard.type("312");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Sheets from the keyboard clinic");
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: /^Added 312 signatures on paper \(entry \d+\); the count is now 313$/ }).waitFor();
  assert.equal(await serverCount(KEYBOARD_SLUG), 313);

  await tabTo(page, focusedLink, `/admin/petitions/${KEYBOARD_SLUG}`);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${SERVER}/admin/petitions/${KEYBOARD_SLUG}`);
  await tabTo(page, focusedLink, `/admin/petitions/${KEYBOARD_SLUG}/held`);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Reasons held back" }).waitFor();
  // The row's box, selected with Space; review.js's `a` approves the selection.
  await tabTo(page, () => /^reason-\d+$/.test(document.activeElement?.id ?? ""));
  await page.keyboard.press("Space");
  assert.equal(await page.evaluate(() => document.activeElement.checked), true);
  await page.keyboard.press("a");
  await page.getByRole("status").filter({ hasText: "Approved 1 reason: the widget can show them now" }).waitFor();
  assert.ok((await publicView(KEYBOARD_SLUG)).reasons.includes(reason), "the widget's reasons have it");

  // And out, by the header's button.
  await tabTo(page, () => document.activeElement?.textContent === "Sign out");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor();
  clean(record);
  await context.close();
});

test("every dashboard page works at 320 px wide: nothing scrolls sideways, the content is on screen", async () => {
  const { context, page, record } = await dashboard({ width: 320, height: 640 });
  const fits = async (name) => {
    // The layout is the stylesheet's: wait for it. A page reached by a click
    // (the list, after signing in) is awaited only to its heading, which a
    // busy machine can parse before admin.css arrives; unstyled, the list's
    // table is 506 px wide.
    await page.waitForLoadState("load");
    const { scrollWidth, heading } = await page.evaluate(() => {
      const h1 = document.querySelector("h1").getBoundingClientRect();
      return { scrollWidth: document.documentElement.scrollWidth, heading: [h1.left, h1.right, h1.height] };
    });
    assert.ok(scrollWidth <= 320, `${name}: the page is ${scrollWidth} px wide`);
    assert.ok(heading[0] >= 0 && heading[1] <= 320 && heading[2] > 0, `${name}: the heading is on screen (${heading})`);
    assert.equal(await page.locator("main").isVisible(), true, `${name}: the content is visible`);
  };
  await page.goto(`${SERVER}/admin/sign-in`);
  await fits("the sign-in form");
  await signIn(page);
  await fits("the list of petitions");
  await screenshot(page, "dashboard-list-320");
  const pages = [
    [`/admin/petitions/${SLUG}`, "the petition's page"],
    [`/admin/petitions/${SLUG}/held`, "the held page"],
    [`/admin/petitions/${SLUG}/paper`, "the paper page"],
    ["/admin/petitions/new", "the editor"],
    [`/admin/petitions/${SLUG}/edit`, "the editor of a saved petition"],
    [`/admin/petitions/${SLUG}/revisions`, "the history"],
    ["/admin/rights", "signers' rights"],
    ["/admin/accounts", "accounts"],
    ["/admin/audit", "the audit log"],
  ];
  for (const [path, name] of pages) {
    await page.goto(`${SERVER}${path}`);
    await fits(name);
  }
  await page.goto(`${SERVER}/admin/petitions/${SLUG}`);
  await screenshot(page, "dashboard-petition-320");
  await page.goto(`${SERVER}/admin/petitions/${SLUG}/edit`);
  await page.frameLocator("#preview").locator("#pw-title").waitFor();
  await screenshot(page, "dashboard-editor-320");
  clean(record);
  await context.close();
});
