// The performance budget: the JavaScript the first screen loads (the entry script of
// dist/index.html and every module it preloads), gzipped. Fails the build over budget.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 150;
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const html = readFileSync(join(dist, "index.html"), "utf8");
const scripts = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map(
  (m) => m[1],
);
let raw = 0;
let gz = 0;
for (const src of new Set(scripts)) {
  const bytes = readFileSync(join(dist, src.replace(/^\//, "")));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(
  `first screen JavaScript: ${kb(gz)} KB gzipped (${kb(raw)} KB raw, ${scripts.length} file(s)); budget ${BUDGET_KB} KB`,
);
if (scripts.length === 0 || gz > BUDGET_KB * 1024) {
  console.error(scripts.length === 0 ? "no script found in dist/index.html" : "over the budget");
  process.exit(1);
}
