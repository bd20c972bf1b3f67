// What every browser test file shares (make web-e2e, docs/web.md): a local cloud of the file's
// own serving web/dist, Debian's headless Chromium, the two widths, and the screenshot that
// axe-core checks. A test file calls useCloud() once, then newPage(w) per test.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const shots = join(root, "docs", "screenshots");
export const localcloud =
  process.env.LOCALCLOUD ?? join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug", "localcloud");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const PASSWORD = "correct-horse-battery";
// axe-core (pinned) checks every screen that gets a screenshot: no serious or critical violation.
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let cloud;
let stateDir;
let browser;
/** The local cloud's origin, e.g. http://127.0.0.1:40123 (set once useCloud's before hook ran). */
export let base;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(url, cloudLog) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (cloud.exitCode !== null) throw new Error(`the local cloud exited:\n${cloudLog()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local cloud did not serve ${url} within 60 s:\n${cloudLog()}`);
}

/**
 * Starts a local cloud (seeded: the admin, the assessment, learning and shop catalogues) and
 * the browser before the file's tests, and stops both after them. `binDir` runs the
 * functions from another directory (e.g. one where a domain's binaries fail).
 */
export function useCloud(options = {}) {
before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  stateDir = mkdtempSync(join(tmpdir(), "studyloop-web-e2e-"));
  let log = "";
  cloud = spawn(
    localcloud,
    [
      "up",
      "--port",
      String(port),
      "--state-dir",
      stateDir,
      "--static-dir",
      join(root, "web", "dist"),
      "--bin-dir",
      options.binDir ?? dirname(localcloud),
      "--invoke-on-start",
      "UsersSeedAdminFunction",
      "AssessmentsSeedCatalogueFunction",
      "LearningSeedCatalogueFunction",
      "InventorySeedCatalogueFunction",
    ],
    { cwd: root, env: process.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const keep = (chunk) => {
    log = (log + chunk).slice(-20_000);
  };
  cloud.stdout.on("data", keep);
  cloud.stderr.on("data", keep);
  await waitUntilServing(`${base}/openapi.json`, () => log);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  if (cloud && cloud.exitCode === null) {
    const exited = new Promise((r) => cloud.once("exit", r));
    cloud.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (cloud.exitCode === null) cloud.kill("SIGKILL");
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});
}

export const WIDTHS = [
  { width: 390, height: 844, locale: "ko-KR", lang: "ko" },
  { width: 1280, height: 800, locale: "en-US", lang: "en" },
];

export async function newPage(w) {
  const context = await browser.newContext({
    viewport: { width: w.width, height: w.height },
    locale: w.locale,
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, errors };
}

/** A screenshot of the screen, and axe-core's check of it. */
export async function shot(page, name, w) {
  await page.screenshot({ path: join(shots, `${name}-${w.width}.png`) });
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
  const blocking = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(blocking, [], `axe-core on ${name} at ${w.width} px`);
  console.log(
    `${name} at ${w.width} px: axe-core ${violations.length} violation(s), none serious or critical` +
      violations.map((v) => ` [${v.impact} ${v.id}]`).join(""),
  );
}

/** Nothing is wider than the viewport (no sideways scrolling on a phone). */
export async function fitsWidth(page, w) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= w.width, `page is ${scrollWidth} px wide at ${w.width} px`);
}

