// Shrinks the search index mdbook 0.5.4 writes (target/book/searchindex-*.js) by a third or more,
// without changing what a search finds.
//
//   node .ci/search-index.mjs target/book
//
// The index has three fields per section: title, body and breadcrumbs (the chapter and headings
// above the section). elasticlunr-rs 3.0.2, which mdbook uses to write it, counts tokens across
// fields without starting again for each field, so the breadcrumbs field holds every word of the
// title and body a second time (and the body the title's). This rebuilds the breadcrumbs field
// from the breadcrumbs text each section stores, with the same tokenizer as mdbook and the
// index's own pipeline (trimmer, stop words, stemmer) from the elasticlunr.js the book ships.
// Run by .ci/book; a book built by plain `mdbook build` keeps the larger index, and works the same.

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";

const dir = process.argv[2] ?? "target/book";
const indexFile = readdirSync(dir).find((f) => /^searchindex.*\.js$/.test(f));
const lunrFile = readdirSync(dir).find((f) => /^elasticlunr.*\.js$/.test(f));
if (!indexFile || !lunrFile) {
  console.log("search-index: no search index in the book (search disabled?), nothing to do");
  process.exit(0);
}

// The index as the book loads it: `window.search = Object.assign(window.search, JSON.parse('...'))`.
const prefix = "window.search = Object.assign(window.search, JSON.parse('";
const suffix = "'));";
const js = readFileSync(join(dir, indexFile), "utf8");
if (!js.startsWith(prefix) || !js.endsWith(suffix)) {
  throw new Error(`${indexFile}: not in the form mdbook 0.5.4 writes; has mdbook changed?`);
}
const loaded = { window: { search: {} } };
vm.runInNewContext(js, loaded);
const search = loaded.window.search;
const index = search.index;

// The pipeline the index names, from the elasticlunr.js the book ships.
const context = { console };
context.window = context;
vm.createContext(context);
vm.runInContext(readFileSync(join(dir, lunrFile), "utf8"), context);
const pipeline = context.elasticlunr.Pipeline.load(index.pipeline);

// mdbook's tokenizer (mdbook-html 0.5.4, search.rs): split on whitespace and '-', lower case,
// words of at most 80 bytes.
const tokenize = (text) => text.split(/[\s-]+/).filter((w) => w !== "").map((w) => w.trim().toLowerCase())
  .filter((w) => Buffer.byteLength(w) <= 80);

const before = js.length;
const root = { docs: {}, df: 0 };
for (const [ref, doc] of Object.entries(index.documentStore.docs)) {
  const counts = new Map();
  for (const token of pipeline.run(tokenize(doc.breadcrumbs ?? ""))) {
    counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  for (const [token, count] of counts) {
    let node = root;
    for (const ch of token) node = node[ch] ??= { docs: {}, df: 0 };
    if (!(ref in node.docs)) node.df++;
    node.docs[ref] = { tf: Math.sqrt(count) };
  }
}
index.index.breadcrumbs = { root };

const json = JSON.stringify(search).replace(/\\/g, "\\\\").replace(/'/g, "\\'");
writeFileSync(join(dir, indexFile), `${prefix}${json}${suffix}`);
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;
console.log(`search-index: ${indexFile} ${mb(before)} -> ${mb(prefix.length + json.length + suffix.length)}`);
