// `cargo xtask bench`: how long after the tag the form is on screen, and what
// one widget transfers. Not a test (nothing is asserted): numbers to report,
// with the machine they ran on.
import os from "node:os";
import { launch, open, PARTNER, SERVER } from "./browser.mjs";

const RUNS = Number(process.env.BENCH_RUNS || 15);
const browser = await launch();

async function once() {
  const { context, page } = await open(browser, { width: 1280, height: 900 });
  const sizes = [];
  page.on("requestfinished", async (request) => {
    if (/embed\.js|petition_widget|\/api\/petitions/.test(request.url())) {
      const { responseBodySize, responseHeadersSize } = await request.sizes();
      sizes.push({ name: request.url().replace(/^.*\//, ""), body: responseBodySize, headers: responseHeadersSize });
    }
  });
  await page.addInitScript(() => {
    (function watch() {
      const host = document.querySelector("[data-petition]:not(script)");
      const form = host && host.shadowRoot && host.shadowRoot.querySelector("#pw-ready:not([hidden]) #pw-submit");
      if (form) window.__formShown = performance.now();
      else requestAnimationFrame(watch);
    })();
  });
  await page.goto(`${PARTNER}/medact.html`);
  await page.waitForFunction(() => window.__formShown);
  const timing = await page.evaluate(() => {
    const tag = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/embed.js"));
    const spans = performance.getEntriesByType("resource")
      .filter((e) => /embed\.js|petition_widget|\/api\/petitions/.test(e.name))
      .map((e) => ({ name: e.name.replace(/^.*\//, ""), start: e.startTime, end: e.responseEnd }));
    return { tagStart: tag.startTime, formShown: window.__formShown, spans };
  });
  await context.close();
  return { ...timing, sizes };
}

await once(); // warm the server's caches and the OS's, not the browser's (each run is a fresh context)
const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await once());
await browser.close();

const ms = runs.map((r) => r.formShown - r.tagStart).sort((a, b) => a - b);
const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
const last = runs[runs.length - 1];
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`);
console.log(`server ${SERVER}, partner page ${PARTNER}/medact.html, Chromium headless, loopback network, ${RUNS} cold loads`);
console.log(`form on screen after the tag starts loading: median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, min ${ms[0].toFixed(0)} ms`);
console.log("requests of the last run (body bytes as sent by the server, compressed; ms after the tag):");
let total = 0;
for (const span of last.spans) {
  const size = last.sizes.find((s) => s.name === span.name);
  total += size ? size.body : 0;
  console.log(`  ${span.name.padEnd(28)} ${String(size ? size.body : "?").padStart(7)} B  ${(span.start - last.tagStart).toFixed(0).padStart(5)}–${(span.end - last.tagStart).toFixed(0)} ms`);
}
console.log(`  ${"total".padEnd(28)} ${String(total).padStart(7)} B`);
