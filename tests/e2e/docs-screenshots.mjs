// Screenshots of the widget in each state, at desktop and phone width, for
// docs/ and the README: `cargo xtask screenshots`.
import { launch, open, ready, widget, fillForm, freshEmail, PARTNER } from "./browser.mjs";
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
await browser.close();
