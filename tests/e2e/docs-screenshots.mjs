// Screenshots of the widget in each state, at desktop and phone width, and
// of the organiser's dashboard, for docs/ and the README: `cargo xtask
// screenshots`.
import { launch, open, ready, widget, fillForm, freshEmail, signThroughApi, PARTNER, SERVER } from "./browser.mjs";
const browser = await launch();
const out = process.argv[2];
for (const [w, h, tag] of [[1280, 900, "desktop"], [390, 844, "phone"]]) {
  const { page } = await open(browser, { width: w, height: h, deviceScaleFactor: tag === "phone" ? 2 : 1 });
  await page.goto(`${PARTNER}/medact.html`);
  await ready(page);
  const form = widget(page);
  await form.screenshot({ path: `${out}/${tag}-form.png` });
  await form.getByLabel("Email address").fill("amara@example");
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "There is a problem" }).waitFor();
  await form.screenshot({ path: `${out}/${tag}-errors.png` });
  await fillForm(page, { email: freshEmail("docs"), profession: "Midwife" });
  await form.getByRole("button", { name: "Sign the petition" }).click();
  await form.getByRole("heading", { name: "Thank you for signing" }).waitFor();
  // Photograph the thank-you once its movement (the progress bar filling to
  // the new count) has come to rest.
  await form.locator(".pw").first().evaluate((el) => Promise.all(el.getRootNode().getAnimations()
    .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
    .map((animation) => animation.finished)));
  await form.screenshot({ path: `${out}/${tag}-thank-you.png` });
}

// The dashboard: the list, a petition's page with its figures and chart, and
// the editor with the widget previewed beside it. A few more signatures
// through partners and share links, and some on paper, give the figures
// and the chart's milestones something to show.
const people = [
  ["medact", "share-whatsapp", "doctor"], ["medact", "", "nurse"], ["asylum-matters", "share-email", ""],
  ["asylum-matters", "", "midwife"], ["", "share-x", ""], ["", "", ""], ["migrants-rights-network", "share-whatsapp", ""],
];
await signThroughApi(people.map(([partner, source, profession], i) => ({
  first_name: `Signer${i}`, email: freshEmail("docs"), postcode: "E1 6AN", partner, source, profession,
})));
const { page } = await open(browser, { width: 1280, height: 900 });
await page.goto(`${SERVER}/admin/sign-in`);
await page.getByLabel("Name", { exact: true }).fill("organiser");
await page.getByLabel("Password", { exact: true }).fill(process.env.DASHBOARD_PASSWORD);
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("heading", { name: "Petitions", level: 1 }).waitFor();
await page.goto(`${SERVER}/admin/petitions/stop-sharing/paper`);
await page.getByLabel("Number of signatures", { exact: true }).fill("1240");
await page.getByLabel("Note", { exact: true }).fill("Paper sheets from the Birmingham clinic");
await page.getByRole("button", { name: "Add to the count" }).click();
await page.getByText(/^Added 1,240 signatures on paper/).waitFor();
// The list is short: the page's own height, not the window's.
await page.setViewportSize({ width: 1280, height: 400 });
await page.goto(`${SERVER}/admin/`);
await page.screenshot({ path: `${out}/dashboard-list.png`, fullPage: true });
await page.setViewportSize({ width: 1280, height: 900 });
await page.goto(`${SERVER}/admin/petitions/stop-sharing`);
await page.screenshot({ path: `${out}/dashboard-petition.png` });
await page.goto(`${SERVER}/admin/petitions/stop-sharing/edit`);
await page.frameLocator("#preview").locator("#pw-title").waitFor();
await page.screenshot({ path: `${out}/dashboard-editor.png` });

await browser.close();
