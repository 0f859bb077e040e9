// The rendered book, checked as a reader sees it: in headless Chromium, offline.
//
//   node tests/browser/check-book.mjs --book target/book --src book --shots target/browser
//
// It serves the built HTML on a free loopback port and, on every chapter page, checks: no
// console errors, no failed requests and no request to any other host, no unresolved
// `{{#include`, no empty code block (a missing anchor renders one), no Run buttons, Rust code
// highlighted, the sequence diagram drawn as a picture, exercise hints and solutions folded and
// opening on click, a sidebar that matches SUMMARY.md (and lists every chapter file). Then it
// walks the whole book with the "next" button and searches for `accept` and `TIME_WAIT`.
// A screenshot of each chapter goes to --shots. Exit code 1 if any check fails.

import { createServer } from "node:http";
import { readFileSync, readdirSync, mkdirSync, existsSync, statSync } from "node:fs";
import { join, extname, resolve } from "node:path";
import { chromium } from "playwright-core";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const bookDir = resolve(args.book ?? "target/book");
const srcDir = resolve(args.src ?? "book");
const shotsDir = resolve(args.shots ?? "target/browser");
const browserPath = args.chromium ?? "/usr/bin/chromium";

let passed = 0;
let failed = 0;
function check(ok, what, detail = "") {
  if (ok) {
    passed++;
    console.log(`ok    ${what}`);
  } else {
    failed++;
    console.log(`FAIL  ${what}${detail ? `\n      ${detail}` : ""}`);
  }
  return ok;
}

// --- what the book should contain: SUMMARY.md's chapters, in order
const summary = readFileSync(join(srcDir, "SUMMARY.md"), "utf8");
const chapters = [...summary.matchAll(/\]\(([^)]+\.md)\)/g)].map((m) => m[1]);
const pages = chapters.map((c) => c.replace(/\.md$/, ".html"));
const files = readdirSync(srcDir).filter((f) => f.endsWith(".md") && f !== "SUMMARY.md");
for (const file of files) {
  check(chapters.includes(file), `book/${file} is in the sidebar (SUMMARY.md)`,
    `book/${file} exists but SUMMARY.md does not list it: readers will never see it`);
}
const lessonPage = (page) => /^\d\d-/.test(page);

// --- serve the built book on a free loopback port
const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
  ".svg": "image/svg+xml", ".png": "image/png", ".woff": "font/woff", ".woff2": "font/woff2",
  ".ttf": "font/ttf", ".json": "application/json", ".txt": "text/plain",
};
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let file = join(bookDir, path);
  if (!file.startsWith(bookDir)) { res.writeHead(403).end(); return; }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
  if (!existsSync(file)) { res.writeHead(404).end("not found"); return; }
  res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;
console.log(`serving ${bookDir} on ${origin}`);

const browser = await chromium.launch({
  executablePath: browserPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  timeout: 30_000,
});
mkdirSync(shotsDir, { recursive: true });

/** A page that records every problem a reader's browser would have. */
async function openPage() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on("console", (msg) => { if (msg.type() === "error") problems.push(`console error: ${msg.text()}`); });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on("response", (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`); });
  page.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) {
      problems.push(`request to another host: ${url}`);
    }
  });
  return { page, problems };
}

// --- every chapter page (or only those named by --pages, for the self-test)
const only = args.pages ? args.pages.split(",") : null;
for (const name of pages.filter((p) => !only || only.includes(p))) {
  const { page, problems } = await openPage();
  await page.goto(`${origin}/${name}`, { waitUntil: "load" });
  const hasDiagram = (await page.locator("pre.mermaid").count()) > 0;
  if (hasDiagram) {
    await page.locator("pre.mermaid svg").first().waitFor({ timeout: 15_000 }).catch(() => {});
  }
  await page.waitForLoadState("networkidle").catch(() => {});

  const text = await page.locator("main").innerText();
  check(!text.includes("{{#"), `${name}: every {{#include}} was resolved`,
    `unresolved: ${text.slice(text.indexOf("{{#"), text.indexOf("{{#") + 80)}`);
  const empty = await page.locator("main pre > code").evaluateAll(
    (codes) => codes.filter((c) => c.textContent.trim() === "").length);
  check(empty === 0, `${name}: no empty code block`, `${empty} empty block(s): an include names a missing anchor?`);
  check((await page.locator(".play-button").count()) === 0, `${name}: no Run buttons`);
  // Links between chapters: mdbook does not check them, so a renamed chapter breaks them silently.
  const links = await page.locator("main a[href]").evaluateAll((as) => as.map((a) => a.href));
  const local = [...new Set(links.filter((h) => h.startsWith(origin)).map((h) => h.split("#")[0]))];
  const broken = [];
  for (const href of local) {
    const res = await page.request.get(href);
    if (res.status() !== 200) broken.push(`${href} (${res.status()})`);
  }
  check(broken.length === 0, `${name}: ${local.length} links to other pages work`, broken.join(", "));
  const rust = page.locator("main code.language-rust");
  const rustCount = await rust.count();
  const unhighlighted = await rust.evaluateAll((codes) => codes.filter((c) => !c.classList.contains("hljs")).length);
  check(unhighlighted === 0, `${name}: Rust code (${rustCount} blocks) is highlighted`);

  await page.screenshot({ path: join(shotsDir, name.replace(/\.html$/, ".png")), fullPage: false });
  if (hasDiagram) {
    const errors = await page.locator("pre.mermaid").evaluateAll(
      (ds) => ds.filter((d) => /Syntax error|Parse error/i.test(d.textContent)).length);
    check(errors === 0, `${name}: every diagram parses`, `${errors} diagram(s) show mermaid's error`);
    const diagram = page.locator("pre.mermaid").first();
    await diagram.scrollIntoViewIfNeeded();
    await diagram.screenshot({ path: join(shotsDir, name.replace(/\.html$/, "-diagram.png")) }).catch(() => {});
  }
  if (lessonPage(name)) {
    check(rustCount > 0, `${name}: shows the lesson's code`);
    const svgs = await page.locator("pre.mermaid svg").count();
    check(svgs > 0, `${name}: the exchange's diagram is drawn as a picture`, "no <svg> in any pre.mermaid");
    const details = page.locator("main details");
    const count = await details.count();
    const open = await details.evaluateAll((ds) => ds.filter((d) => d.open).length);
    check(count >= 2 && open === 0, `${name}: hint and solution are folded (${count} <details>)`);
    if (count > 0) {
      await details.last().locator("summary").click();
      check(await details.last().evaluate((d) => d.open), `${name}: the solution opens on click`);
    }
  }

  // The sidebar's chapter links (mdbook also lists the current page's sections, as #links).
  const sidebar = await page.locator("#mdbook-sidebar .chapter a[href]").evaluateAll(
    (links) => links.filter((a) => !a.hash).map((a) => new URL(a.href).pathname.replace(/^\//, "")));
  check(JSON.stringify(sidebar) === JSON.stringify(pages), `${name}: the sidebar matches SUMMARY.md`,
    `sidebar: ${sidebar.join(", ")}`);

  check(problems.length === 0, `${name}: no console errors, failed or off-host requests`, problems.join("\n      "));
  await page.close();
}

// --- previous/next navigation through the whole book
if (!only) {
  const { page, problems } = await openPage();
  await page.goto(`${origin}/${pages[0]}`, { waitUntil: "load" });
  const visited = [pages[0]];
  for (let i = 1; i < pages.length; i++) {
    const next = page.locator("a[rel~=next]:visible").first();
    if ((await next.count()) === 0) break;
    const from = page.url();
    await next.click();
    await page.waitForURL((u) => u.href !== from, { waitUntil: "domcontentloaded" });
    visited.push(new URL(page.url()).pathname.replace(/^\//, ""));
  }
  check(JSON.stringify(visited) === JSON.stringify(pages), "next: walks every chapter in order",
    `visited: ${visited.join(" → ")}`);
  const previous = page.locator("a[rel~=prev]:visible").first();
  const from = page.url();
  await previous.click();
  await page.waitForURL((u) => u.href !== from, { waitUntil: "domcontentloaded" });
  check(page.url().endsWith(`/${pages.at(-2)}`), "previous: goes back one chapter", page.url());
  check(problems.length === 0, "navigation: no errors", problems.join("\n      "));
  await page.close();
}

// --- search, offline
for (const [query, expected] of only ? [] : [["accept", "04-accept.html"], ["TIME_WAIT", "08-close.html"]]) {
  const { page, problems } = await openPage();
  await page.goto(`${origin}/${pages[0]}`, { waitUntil: "load" });
  await page.locator("#mdbook-search-toggle").click();
  // mdbook searches on key presses, so type like a reader does.
  await page.locator("#mdbook-searchbar").pressSequentially(query, { delay: 20 });
  const hit = page.locator(`#mdbook-searchresults a[href*="${expected}"]`).first();
  const found = await hit.waitFor({ timeout: 10_000 }).then(() => true, () => false);
  const results = await page.locator("#mdbook-searchresults a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  check(found, `search "${query}" finds ${expected}`, `results: ${results.slice(0, 8).join(", ") || "(none)"}`);
  if (query === "accept") await page.screenshot({ path: join(shotsDir, "search.png") });
  check(problems.length === 0, `search "${query}": no errors`, problems.join("\n      "));
  await page.close();
}

await browser.close();
server.close();
console.log(`\nscreenshots: ${shotsDir}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
