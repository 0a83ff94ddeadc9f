// `cargo xtask bench`: the floor page, the widget and the counter view side by
// side, at full speed and on a slow connection, from one run. Not a test
// (nothing is asserted): numbers to report, with the machine they ran on.
//
// Each view is loaded BENCH_RUNS times (default 7), each time in a fresh
// browser context (nothing cached), after one warm-up load that isn't
// counted; the views take turns, so a machine that slows down slows them all.
// Every figure is a median and its range (min–max). Times are from the
// navigation's start (performance.now() in the page):
// - first input on screen: the first `input` in the view's open shadow root
//   has a box (watched every frame); the counter has none, so its count
//   line on screen stands in for it;
// - fully working: the first frame in which the view is on screen and works:
//   for the widget, its `#pw` has `data-ready` (set when its handlers for
//   typing, checking and signing are on and the petition is shown; the
//   moment it is set is printed with the widget's requests); the floor
//   page's form works as it shows, and the counter is done once its count
//   is on screen;
// - transfer: the bodies (as sent, compressed) of the view's requests to the
//   petition server, not the partner page itself nor the live-count stream,
//   which never ends, nor the proof-of-work challenge's (about 0.2 kB): the
//   widget reads that body only once someone moves into the form, and until
//   then Chromium counts the request as unfinished and has no size for it;
// - nodes: every node below the view's shadow root, at rest;
// - JS heap: the page's, after a garbage collection, at rest;
// - signing ready: for the widget, once at rest, its first field is
//   focused, as a person moving into the form does, and the time is taken
//   until the second part (sending and the proof of work, which the widget
//   asks for then) has its last byte; typing goes on meanwhile.
import os from "node:os";
import { readFileSync } from "node:fs";
import { launch, open, shadowRootNodes, PART, PARTNER, SERVER } from "./browser.mjs";

const RUNS = Number(process.env.BENCH_RUNS || 7);

// Chromium's network emulation, per page, before it navigates: 1.6 Mbps
// down, 750 kbps up, 150 ms round trip.
const SPEEDS = [
  { name: "full speed", conditions: null },
  {
    name: "slow (1.6 Mbps, 150 ms RTT)",
    conditions: { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 93_750 },
  },
];

// Each view's partner page (all served by the demo partner site; the floor,
// the widget and the counter on pages equally plain; the floor's script
// again as one async tag from the petition server, as the widget's loader
// comes, which tells what the tag costs from what the widget's code costs;
// the widget again on a styled partner page, whose own painting delays an
// async tag), the element whose shadow root holds it, what counts as its
// first input on screen, and what says it is fully working (none: as soon
// as on screen).
const VIEWS = [
  { name: "floor", page: "floor.html", host: "[data-floor]", first: "input", ready: null },
  { name: "floor as a tag", page: "floor-tag.html", host: "[data-floor]", first: "input", ready: null },
  { name: "widget", page: "plain.html", host: "[data-petition]:not(script)", first: "input", ready: "#pw[data-ready]", signing: true },
  { name: "counter", page: "counter.html", host: "[data-petition]:not(script)", first: ".pw-count", ready: null },
  { name: "widget on medact.html", page: "medact.html", host: "[data-petition]:not(script)", first: "input", ready: "#pw[data-ready]" },
];

const browser = await launch();
const errors = [];

/**
 * The time since navigation of `view`'s first input on screen and of it
 * fully working, each the frame it is seen in; and the moment the widget
 * said it works.
 */
function watch({ host, first, ready }) {
  const bench = (window.__bench = { first: 0, working: 0, readyAt: 0 });
  const onScreen = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && (el.localName === "input" || el.textContent.trim() !== "");
  };
  let observed = false;
  (function frame() {
    const root = document.querySelector(host)?.shadowRoot;
    if (root && ready && !observed) {
      // The moment the attribute is set, not the next frame.
      const mark = () => {
        if (!bench.readyAt && root.querySelector(ready)) bench.readyAt = performance.now();
      };
      new MutationObserver(mark).observe(root, { subtree: true, childList: true, attributes: true });
      observed = true;
      mark();
    }
    const now = performance.now();
    if (!bench.first && root && [...root.querySelectorAll(first)].some(onScreen)) bench.first = now;
    if (bench.first && (!ready || root.querySelector(ready))) bench.working = now;
    else requestAnimationFrame(frame);
  })();
}

async function once(view, speed) {
  const { context, page, record } = await open(browser, { width: 1280, height: 900 });
  const cdp = await context.newCDPSession(page);
  if (speed.conditions) {
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", speed.conditions);
  }
  // The view's requests to the petition server, and each one's size once done.
  const counted = (request) => request.url().startsWith(`${SERVER}/`) && !request.url().includes("/api/events");
  const pending = new Set();
  const sizes = [];
  let atRest = false; // and the requests after it (the focus's) not counted
  let settled = () => {};
  const done = (request) => {
    pending.delete(request);
    if (pending.size === 0) settled();
  };
  page.on("request", (request) => counted(request) && pending.add(request));
  page.on("requestfailed", (request) => counted(request) && done(request));
  // The challenge, answered: its body waits, unread, for a first focus.
  const waiting = (request) => request.url().endsWith("/challenge");
  page.on("response", (response) => counted(response.request()) && waiting(response.request()) && done(response.request()));
  page.on("requestfinished", (request) => {
    if (atRest || !counted(request) || waiting(request)) return;
    const encoding = request.response().then((r) => r && r.headerValue("content-encoding"));
    sizes.push(Promise.all([request.sizes(), encoding])
      .then(([s, coding]) => ({ url: request.url(), body: s.responseBodySize, coding: coding || "none" }))
      .finally(() => done(request)));
  });
  await page.addInitScript(watch, { host: view.host, first: view.first, ready: view.ready });
  const response = await page.goto(`${PARTNER}/${view.page}`, { waitUntil: "commit" });
  await page.waitForFunction(() => window.__bench.working, null, { timeout: 60_000 });
  // At rest: every request of the view's answered (and two frames drawn
  // since, which shadowRootNodes waits for).
  if (pending.size > 0) await new Promise((resolve) => { settled = resolve; });
  const got = await Promise.all(sizes);
  atRest = true;
  const nodes = await shadowRootNodes(page, view.host);
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  const { first, working, readyAt } = await page.evaluate(() => window.__bench);
  // What the counter shows: the number, or below show_count_from the line that stands for it.
  const shown = await page.evaluate((host) => document.querySelector(host).shadowRoot.querySelector(".pw-count")?.textContent, view.host);
  const spans = await page.evaluate((server) => performance.getEntriesByType("resource")
    .filter((e) => e.name.startsWith(server) && !e.name.includes("/api/events"))
    .map((e) => ({ url: e.name, start: e.startTime, end: e.responseEnd })), SERVER);
  const pageBytes = (await response.request().sizes()).responseBodySize;
  const signing = view.signing ? await partAfterFocus(page, view.host) : null;
  errors.push(...record.errors.map((e) => `${view.name}, ${speed.name}: ${e}`));
  await context.close();
  return {
    first,
    working,
    readyAt,
    shown,
    transfer: got.reduce((sum, s) => sum + s.body, 0),
    nodes,
    heap: usedSize / 1e6,
    pageBytes,
    signing,
    requests: spans.map((span) => ({ ...span, ...got.find((s) => s.url === span.url) })),
  };
}

/**
 * Focuses the widget's first field and gives the time from then until the
 * second part's last byte (the page's own clock, from its resource timing);
 * null if it has not come within a minute.
 */
async function partAfterFocus(page, host) {
  const focused = await page.evaluate((host) => {
    document.querySelector(host).shadowRoot.querySelector("input").focus();
    return performance.now();
  }, host);
  const end = await page
    .waitForFunction(
      (source) => performance.getEntriesByType("resource").find((e) => new RegExp(source).test(e.name) && e.responseEnd > 0)?.responseEnd,
      PART.source,
      { timeout: 60_000 },
    )
    .catch(() => null);
  return end && (await end.jsonValue()) - focused;
}

// Every view at every speed: a warm-up (the server's caches and the OS's,
// not the browser's), then the views in turn.
const results = new Map();
const started = Date.now();
for (const speed of SPEEDS) {
  for (const view of VIEWS) await once(view, speed);
  for (let i = 0; i < RUNS; i++) {
    for (const view of VIEWS) {
      const key = `${view.name}/${speed.name}`;
      results.set(key, [...(results.get(key) || []), await once(view, speed)]);
    }
  }
}
const chromium = browser.version();
await browser.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// `median (min–max) unit`, or one figure where they are all the same.
const spread = (xs, show, unit = "") => {
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return (show(lo) === show(hi) ? show(median(xs)) : `${show(median(xs))} (${show(lo)}–${show(hi)})`) + unit;
};
const ms = (x) => x.toFixed(0);
// How many times `base`'s median of `key` the median of `runs` is.
const times = (runs, base, key) => `${(median(runs.map((r) => r[key])) / median(base.map((r) => r[key]))).toFixed(1)}×`;
const kB = (x) => (x / 1000).toFixed(1);
const mb = (x) => x.toFixed(2);

const release = (() => {
  try {
    return readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?(.*?)"?$/m)[1];
  } catch {
    return os.platform();
  }
})();
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${release} (${os.platform()} ${os.release()}), Chromium ${chromium} headless`);
console.log(`server ${SERVER}, partner site ${PARTNER}; ${RUNS} fresh browser contexts per row after one warm-up; median (min–max); ms from navigation start`);
console.log("");
console.log("| view | connection | first input on screen | × floor | fully working | × floor | transfer (as sent) | shadow root nodes | JS heap |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const speed of SPEEDS) {
  const floor = results.get(`floor/${speed.name}`);
  for (const view of VIEWS) {
    const runs = results.get(`${view.name}/${speed.name}`);
    const col = (key) => runs.map((r) => r[key]);
    const ratio = (key) => times(runs, floor, key);
    const transfer = view.name === "floor" ? `inline (page ${kB(runs[0].pageBytes)} kB)` : spread(col("transfer"), kB, " kB");
    const name = view.name === "counter" ? "counter¹" : view.name;
    console.log(`| ${name} | ${speed.name} | ${spread(col("first"), ms)} | ${ratio("first")} | ${spread(col("working"), ms)} | ${ratio("working")} | ${transfer} | ${spread(col("nodes"), String)} | ${spread(col("heap"), mb, " MB")} |`);
  }
}
console.log("");
const shown = results.get(`counter/${SPEEDS[0].name}`)[0].shown;
console.log(`¹ The counter has no input: its count on screen stands for both first input and fully working (it showed "${shown}").`);
const pages = VIEWS.map((v) => `${v.page} ${kB(results.get(`${v.name}/${SPEEDS[0].name}`)[0].pageBytes)} kB`).join(", ");
console.log(`Partner pages (not in transfer): ${pages}. Transfer leaves out the live-count stream (/api/events), which never ends. JS heap after a garbage collection.`);
// The widget against the floor that comes as it does, by a tag.
for (const speed of SPEEDS) {
  const tag = results.get(`floor as a tag/${speed.name}`);
  const widget = results.get(`widget/${speed.name}`);
  console.log(`The widget against the floor as a tag, ${speed.name}: first input ${times(widget, tag, "first")}, fully working ${times(widget, tag, "working")}.`);
}

for (const speed of SPEEDS) {
  const runs = results.get(`widget/${speed.name}`);
  const last = runs[runs.length - 1];
  console.log("");
  console.log(`The widget's requests, last run, ${speed.name} (body bytes as sent, and how they were compressed; ms from navigation start):`);
  for (const r of last.requests) {
    const name = r.url.slice(SERVER.length).replace(/\?.*$/, "");
    console.log(`  ${name.padEnd(38)} ${String(r.body ?? "?").padStart(7)} B ${(r.coding ?? "").padEnd(5)} ${ms(r.start).padStart(5)}–${ms(r.end)} ms`);
  }
  console.log(`  ${"total".padEnd(38)} ${String(last.transfer).padStart(7)} B`);
  console.log(`  data-ready set at ${ms(last.readyAt)} ms; first input on screen ${ms(last.first)} ms, fully working on screen ${ms(last.working)} ms`);
  const signing = runs.map((r) => r.signing).filter((t) => t !== null);
  const missing = runs.length - signing.length;
  console.log(`  signing ready (the second part's last byte after the first field is focused), every run: ${signing.length ? spread(signing, ms, " ms") : "–"}${missing ? ` (${missing} runs without it)` : ""}`);
}
console.log("");
console.log(`${SPEEDS.length * VIEWS.length * (RUNS + 1)} loads in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
if (errors.length) console.log(`Console errors on the pages:\n  ${errors.join("\n  ")}`);
