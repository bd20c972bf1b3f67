// The API docs page (/docs): Swagger UI from the pinned npm package, pointed at the same
// origin's /openapi.json. No CDN: every file is served by whoever serves the app.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const ui = join(web, "node_modules", "swagger-ui-dist");
const out = join(web, "dist", "docs");
mkdirSync(out, { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  copyFileSync(join(ui, file), join(out, file));
}
copyFileSync(join(web, "docs-page", "index.html"), join(out, "index.html"));
copyFileSync(join(web, "docs-page", "docs.js"), join(out, "docs.js"));
const version = JSON.parse(readFileSync(join(ui, "package.json"), "utf8")).version;
writeFileSync(join(out, "VERSION.txt"), `swagger-ui-dist ${version}\n`);
console.log(`dist/docs: Swagger UI ${version}`);
