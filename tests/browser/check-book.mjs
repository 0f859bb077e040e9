// The rendered book, checked as a reader sees it: in headless Chromium, offline.
//
//   node tests/browser/check-book.mjs --book target/book --src book --shots target/browser
//
// It serves the built HTML on a free loopback port and, on every chapter page, checks: no
// console errors, no failed requests and no request to any other host, no unresolved
// `{{#include`, no empty code block (a missing anchor renders one), no Run buttons, Rust code
// highlighted, the sequence diagram drawn as a picture with text at least 11 px high on screen,
// exercise hints and solutions folded and opening on click, a sidebar that matches SUMMARY.md
// (and lists every chapter file). Then it walks the whole book with the "next" button and
// searches for `accept` and `TIME_WAIT`.
// The book ships no file twice, and its search index stays under --search-index-kb (6144).
// Budget (--budget-page, 04-accept.html; "none" skips it): the page and all it loads weigh at
// most --budget-kb (1536) as a reader's browser receives them (gzip, as GitHub Pages sends
// text), mermaid's script is loaded once, first render within --first-render-ms (1000).
// Every theme (light, rust, coal, navy, ayu) on --theme-page (04-accept.html; "none" skips
// them): the diagram drawn in mermaid's matching theme (also after switching theme), every text
// in it with WCAG contrast >= 4.5 against what is drawn behind it, lesson output set apart from
// code, and a screenshot (theme-NAME.png). A screenshot of each chapter goes to --shots.
// Exit code 1 if any check fails.

import { createServer } from "node:http";
import { readFileSync, readdirSync, mkdirSync, existsSync, statSync } from "node:fs";
import { join, extname, resolve, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
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
// Text is sent gzip-compressed when the browser asks for it, as GitHub Pages serves the book:
// the page-weight budget below counts the bytes a reader's browser receives.
const compressible = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);
const gzipped = new Map();
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let file = join(bookDir, path);
  if (!file.startsWith(bookDir)) { res.writeHead(403).end(); return; }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
  if (!existsSync(file)) { res.writeHead(404).end("not found"); return; }
  const headers = { "content-type": types[extname(file)] ?? "application/octet-stream" };
  let body = readFileSync(file);
  if (compressible.has(extname(file)) && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
    if (!gzipped.has(file)) gzipped.set(file, gzipSync(body));
    body = gzipped.get(file);
    headers["content-encoding"] = "gzip";
  }
  res.writeHead(200, headers);
  res.end(body);
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
    // A wide diagram shrunk to the page's width has text too small to read (5 px was seen).
    const smallest = await page.locator("pre.mermaid svg").evaluateAll((svgs) => Math.min(...svgs.map((svg) => {
      const scale = svg.getBoundingClientRect().width / (svg.viewBox.baseVal?.width || svg.getBoundingClientRect().width);
      return Math.min(...[...svg.querySelectorAll("text, tspan, foreignObject div")]
        .filter((t) => t.textContent.trim() !== "")
        .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale));
    })));
    check(smallest >= 11, `${name}: diagram text is at least 11 px on screen (smallest ${smallest.toFixed(1)} px)`);
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
    // The solution is folded; so is the hint in chapters whose hints are not yet given by `cargo hint`.
    check(count >= 1 && open === 0, `${name}: the solution (and any hint) is folded (${count} <details>)`);
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

// --- the whole book: no file shipped twice (mermaid.min.js once was, 2.6 MB each time)
if (!only) {
  const seen = new Map();
  const twice = [];
  let total = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) { walk(path); continue; }
      const data = readFileSync(path);
      total += data.length;
      // index.html is mdbook's copy of the first chapter, so that the book's address opens it.
      if (data.length < 10_000 || relative(bookDir, path) === "index.html") continue;
      const hash = createHash("sha256").update(data).digest("hex");
      if (seen.has(hash)) twice.push(`${relative(bookDir, path)} = ${seen.get(hash)} (${kb(data.length)})`);
      else seen.set(hash, relative(bookDir, path));
    }
  };
  walk(bookDir);
  check(twice.length === 0, `the whole book: ${kb(total)} on disk, no file shipped twice`, twice.join("\n      "));
  // The search index loads when a reader first opens search. Of its text, about half is the
  // lessons' code (worth finding), an eighth their output and a sixteenth the diagrams' source.
  // mdbook 0.5.4 indexes every section's body a second time as its "breadcrumbs", which .ci/book
  // undoes (.ci/search-index.mjs: 4.1 MB -> 2.5 MB); a plain `mdbook build` keeps it. A limit
  // with room for both and for the book to grow, that still catches, say, a generated file
  // included by mistake.
  const index = readdirSync(bookDir).find((f) => /^searchindex.*\.js$/.test(f));
  const indexSize = index ? statSync(join(bookDir, index)).size : 0;
  const indexSent = index ? gzipSync(readFileSync(join(bookDir, index))).length : 0;
  const indexLimit = Number(args["search-index-kb"] ?? 6144) * 1024;
  check(index && indexSize <= indexLimit,
    `search index: ${kb(indexSize)} (${kb(indexSent)} sent), within ${kb(indexLimit)}`);
}

// --- budget: a chapter with a diagram, as a first-time reader loads it (nothing cached)
const budgetPage = args["budget-page"] ?? "04-accept.html";
const budgetBytes = Number(args["budget-kb"] ?? 1536) * 1024;
const firstRenderMs = Number(args["first-render-ms"] ?? 1000);
if (budgetPage !== "none" && (!only || only.includes(budgetPage))) {
  // Three first visits (a fresh browser profile each, nothing cached): the weight of the first,
  // the quickest first render of the three (one slow start on a busy machine is not the page).
  const loaded = [];
  const paints = [];
  for (let visit = 0; visit < 3; visit++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const requests = [];
    page.on("requestfinished", (req) => requests.push(req));
    await page.goto(`${origin}/${budgetPage}`, { waitUntil: "load" });
    await page.locator("pre.mermaid svg").first().waitFor({ timeout: 15_000 }).catch(() => {});
    await page.waitForLoadState("networkidle").catch(() => {});
    paints.push(await page.evaluate(() =>
      performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Infinity));
    if (visit === 0) {
      for (const req of requests) {
        const sizes = await req.sizes().catch(() => null);
        const res = await req.response().catch(() => null);
        const raw = res ? (await res.body().catch(() => Buffer.alloc(0))).length : 0;
        loaded.push({ url: req.url().replace(origin, ""), sent: sizes?.responseBodySize ?? 0, raw });
      }
    }
    await context.close();
  }
  const timing = { paint: Math.min(...paints) };
  const sent = loaded.reduce((sum, r) => sum + r.sent, 0);
  const raw = loaded.reduce((sum, r) => sum + r.raw, 0);
  const heaviest = [...loaded].sort((a, b) => b.sent - a.sent).slice(0, 4)
    .map((r) => `${r.url} ${kb(r.sent)}`).join(", ");
  check(sent <= budgetBytes,
    `${budgetPage}: the page and what it loads weigh ${kb(sent)} sent (${kb(raw)} unpacked, ${loaded.length} requests), within ${kb(budgetBytes)}`,
    `over budget; heaviest: ${heaviest}`);
  const mermaids = loaded.filter((r) => /mermaid[^/]*\.min\.js$/.test(r.url)).length;
  check(mermaids === 1, `${budgetPage}: mermaid's script is loaded once`, `loaded ${mermaids} times`);
  check(timing.paint <= firstRenderMs,
    `${budgetPage}: first render after ${Math.round(timing.paint)} ms, within ${firstRenderMs} ms (three first visits: ${paints.map(Math.round).join(", ")} ms)`);
}

// --- every theme: a screenshot, the diagram's contrast, output set apart from code
const themePage = args["theme-page"] ?? "04-accept.html";
const themes = ["light", "rust", "coal", "navy", "ayu"];
const darkThemes = ["coal", "navy", "ayu"];
if (themePage !== "none" && (!only || only.includes(themePage))) {
  for (const theme of themes) {
    const { page, problems } = await openPage();
    await page.addInitScript((t) => localStorage.setItem("mdbook-theme", t), theme);
    await page.goto(`${origin}/${themePage}`, { waitUntil: "load" });
    const drawn = await page.locator("html[data-mermaid-theme] pre.mermaid svg").first()
      .waitFor({ timeout: 15_000 }).then(() => true, () => false);
    check(drawn, `${themePage} in ${theme}: the diagram is drawn`);
    const mermaidTheme = await page.evaluate(() => document.documentElement.dataset.mermaidTheme);
    const wanted = darkThemes.includes(theme) ? "dark" : "default";
    check(mermaidTheme === wanted, `${themePage} in ${theme}: mermaid's ${wanted} theme`, `got ${mermaidTheme}`);
    await reportContrast(page, `${themePage} in ${theme}`);
    await checkOutputBlocks(page, `${themePage} in ${theme}`);
    const diagram = page.locator("pre.mermaid").first();
    await diagram.evaluate((d) => d.scrollIntoView({ block: "start" }));
    await page.evaluate(() => window.scrollBy(0, -80)); // out from under the sticky menu bar
    await page.screenshot({ path: join(shotsDir, `theme-${theme}.png`) });
    if (theme === "light") {
      // The reader switches to a dark theme: the diagram is drawn again, in mermaid's dark theme.
      await page.locator("#mdbook-theme-toggle").click();
      await page.locator("#mdbook-theme-coal").click();
      const redrawn = await page.locator("html[data-mermaid-theme=dark] pre.mermaid svg").first()
        .waitFor({ timeout: 15_000 }).then(() => true, () => false);
      check(redrawn, `${themePage}: switching light → coal draws the diagram again, dark`);
      await reportContrast(page, `${themePage} switched to coal`);
    }
    check(problems.length === 0, `${themePage} in ${theme}: no errors`, problems.join("\n      "));
    await page.close();
  }
}

function kb(bytes) {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** WCAG contrast of every text in the page's first diagram against what is drawn behind it. */
async function reportContrast(page, what) {
  const result = await page.locator("pre.mermaid svg").first().evaluate((svg) => {
    const parse = (c) => {
      const m = /rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:[,/]\s*([\d.]+))?\)/.exec(c ?? "");
      return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
    };
    const over = (top, below) => top[3] >= 1 ? top
      : [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
    const luminance = ([r, g, b]) => {
      const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const ratio = (a, b) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    // The page behind the diagram: the first opaque background up from the diagram.
    let page = [255, 255, 255, 1];
    for (let el = svg; el; el = el.parentElement) {
      const bg = parse(getComputedStyle(el).backgroundColor);
      if (bg && bg[3] > 0) { page = over(bg, [255, 255, 255, 1]); break; }
    }
    const shapes = [...svg.querySelectorAll("rect, polygon, path, circle, ellipse")];
    // The innermost element holding each text (mermaid colours the <tspan>s inside a <text>).
    const texts = [...svg.querySelectorAll("text, tspan, foreignObject span, foreignObject p")]
      .filter((t) => !t.querySelector("tspan, span, p"))
      .filter((t) => t.textContent.trim() !== "" && t.getBoundingClientRect().width > 0);
    let worst = { ratio: Infinity, text: "(no text)" };
    for (const t of texts) {
      const style = getComputedStyle(t);
      const color = parse(t instanceof SVGElement ? style.fill : style.color);
      if (!color || color[3] === 0) continue;
      const box = t.getBoundingClientRect();
      const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
      // What is painted behind the text: the last filled shape before it that covers its centre.
      let behind = page;
      for (const s of shapes) {
        if (!(s.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        const r = s.getBoundingClientRect();
        if (x < r.left || x > r.right || y < r.top || y > r.bottom) continue;
        const fill = parse(getComputedStyle(s).fill);
        const opacity = +getComputedStyle(s).fillOpacity;
        if (fill && fill[3] * opacity > 0) behind = over([fill[0], fill[1], fill[2], fill[3] * opacity], page);
      }
      const r = ratio(over(color, behind), behind);
      if (r < worst.ratio) worst = { ratio: r, text: t.textContent.trim().slice(0, 40), color: color.join(","), behind: behind.join(",") };
    }
    return { count: texts.length, ...worst };
  }).catch((e) => ({ count: 0, ratio: 0, text: `no diagram (${e.message.split("\n")[0]})` }));
  check(result.count > 0 && result.ratio >= 4.5,
    `${what}: the diagram's ${result.count} texts have contrast ≥ 4.5 (lowest ${result.ratio.toFixed(1)})`,
    `"${result.text}": text rgb(${result.color}) on rgb(${result.behind})`);
}

/** Lesson output (```text) is set apart from code (```rust), and readable, in this theme. */
async function checkOutputBlocks(page, what) {
  const look = await page.evaluate(() => {
    const block = (lang) => {
      const code = document.querySelector(`main pre > code.language-${lang}`);
      if (!code) return null;
      const pre = getComputedStyle(code.parentElement);
      const c = getComputedStyle(code);
      return { rule: parseFloat(pre.borderInlineStartWidth) || 0, color: c.color, background: c.backgroundColor };
    };
    return { output: block("text"), code: block("rust") };
  });
  if (!look.output || !look.code) return;
  check(look.output.rule >= 2 && look.code.rule === 0, `${what}: lesson output is set apart from code`,
    `output block rule ${look.output.rule}px, code block rule ${look.code.rule}px`);
  const rgb = (c) => (/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(c) ?? []).slice(1, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const [hi, lo] = [luminance(rgb(look.output.color)), luminance(rgb(look.output.background))].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  check(ratio >= 4.5, `${what}: lesson output's text has contrast ≥ 4.5 (${ratio.toFixed(1)})`,
    `${look.output.color} on ${look.output.background}`);
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
