// The web app in Debian's headless Chromium against a local cloud of its own (make web-e2e):
// at 390 px (a phone, Korean from the browser) and 1280 px (a desktop, English), sign up →
// home shows the name → sign out → a wrong password shows the problem → sign in → home,
// and a too-short password at sign-up shows the field error next to its field.
// Screenshots of every screen at both widths go to docs/screenshots/.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const shots = join(root, "docs", "screenshots");
const localcloud =
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
const PASSWORD = "correct-horse-battery";
// axe-core (pinned) checks every screen that gets a screenshot: no serious or critical violation.
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let cloud;
let stateDir;
let base;
let browser;

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
      dirname(localcloud),
      "--invoke-on-start",
      "UsersSeedAdminFunction",
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

const WIDTHS = [
  { width: 390, height: 844, locale: "ko-KR", lang: "ko" },
  { width: 1280, height: 800, locale: "en-US", lang: "en" },
];

const TEXT = {
  ko: { signUp: "회원가입", signIn: "로그인", signOut: "로그아웃", hello: "안녕하세요", verify: "인증 전" },
  en: { signUp: "Sign up", signIn: "Sign in", signOut: "Sign out", hello: "Hello", verify: "Not yet" },
};

async function newPage(w) {
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
async function shot(page, name, w) {
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
async function fitsWidth(page, w) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= w.width, `page is ${scrollWidth} px wide at ${w.width} px`);
}

for (const w of WIDTHS) {
  const t = TEXT[w.lang];

  test(`${w.width} px (${w.lang}): sign up, home, sign out, a wrong password, sign in, home`, async () => {
    const { context, page, errors } = await newPage(w);
    // The cloud is new for every run, so the screenshots can show the same addresses each time.
    const email = `student${w.width}@example.com`;
    const name = w.lang === "ko" ? "김학생" : "Ada Student";
    try {
      const started = Date.now();
      await page.goto(`${base}/`);
      // Signed out, / shows sign-in in the browser's language.
      await page.waitForURL(/#\/sign-in$/);
      assert.equal(await page.getAttribute("html", "lang"), w.lang);
      await page.locator("#screen-title").waitFor();
      console.log(`${w.width} px: first screen ready in ${Date.now() - started} ms`);
      await page.getByRole("link", { name: t.signUp }).click();
      await page.waitForURL(/#\/sign-up$/);
      await page.locator("#field-name").waitFor();
      await shot(page, "sign-up", w);
      await fitsWidth(page, w);

      // Keyboard only: the labels name the inputs, Tab moves between them, Enter submits.
      await page.getByLabel(w.lang === "ko" ? "이름" : "Name").fill(name);
      await page.keyboard.press("Tab");
      await page.keyboard.type(email);
      await page.keyboard.press("Tab");
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press("Enter");

      await page.waitForURL(/#\/$/);
      await page.getByTestId("user-name").waitFor();
      assert.equal(await page.getByTestId("user-name").textContent(), name);
      assert.equal(await page.getByTestId("user-email").textContent(), email);
      assert.match(await page.getByTestId("user-verified").textContent(), new RegExp(t.verify));
      assert.match(await page.locator("h1").textContent(), new RegExp(t.hello));
      await shot(page, "home", w);
      await fitsWidth(page, w);

      // The switch changes the language at once.
      const other = w.lang === "ko" ? "en" : "ko";
      await page.getByLabel(w.lang === "ko" ? "언어" : "Language").selectOption(other);
      assert.match(await page.locator("h1").textContent(), new RegExp(TEXT[other].hello));
      await page.getByLabel(other === "ko" ? "언어" : "Language").selectOption(w.lang);

      await page.getByRole("button", { name: t.signOut }).click();
      await page.waitForURL(/#\/sign-in$/);
      await page.locator("#field-email").waitFor();

      // A wrong password: the problem above the form, what was typed kept.
      await page.locator("#field-email").fill(email);
      await page.locator("#field-password").fill("not-the-password");
      await page.locator('form button[type="submit"]').click();
      const problem = page.locator('[role="alert"][data-problem-code="invalid_credentials"]');
      await problem.waitFor();
      assert.equal(await page.locator("#field-email").inputValue(), email);
      await shot(page, "sign-in-problem", w);
      await fitsWidth(page, w);

      await page.locator("#field-password").fill(PASSWORD);
      await shot(page, "sign-in", w);
      await page.locator('form button[type="submit"]').click();
      await page.waitForURL(/#\/$/);
      await page.getByTestId("user-name").waitFor();
      assert.equal(await page.getByTestId("user-name").textContent(), name);

      // A reload keeps the session (refresh token in sessionStorage, a new access token).
      await page.reload();
      await page.getByTestId("user-name").waitFor();
      assert.equal(await page.getByTestId("user-email").textContent(), email);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test(`${w.width} px (${w.lang}): a refresh token that no longer works leads to sign-in`, async () => {
    const { context, page, errors } = await newPage(w);
    try {
      await page.goto(`${base}/#/sign-up`);
      await page.locator("#field-name").fill(w.lang === "ko" ? "만료" : "Expired");
      await page.locator("#field-email").fill(`expired${w.width}@example.com`);
      await page.locator("#field-password").fill(PASSWORD);
      await page.locator('form button[type="submit"]').click();
      await page.getByTestId("user-name").waitFor();
      // The session ends elsewhere (its refresh token revoked); the access token goes with
      // the reload, so GET /v1/users/me is 401, the one refresh fails, and sign-in shows.
      const refreshToken = await page.evaluate(() => sessionStorage.getItem("studyloop.refreshToken"));
      assert.ok(refreshToken);
      const out = await fetch(`${base}/v1/auth/sign-out`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken }),
      });
      assert.equal(out.status, 204);
      const refreshes = [];
      page.on("response", (r) => r.url().endsWith("/v1/auth/refresh") && refreshes.push(r.status()));
      await page.reload();
      await page.waitForURL(/#\/sign-in$/);
      await page.locator("#field-email").waitFor();
      assert.deepEqual(refreshes, [401], "one refresh, refused");
      assert.equal(await page.evaluate(() => sessionStorage.getItem("studyloop.refreshToken")), null);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test(`${w.width} px (${w.lang}): a too-short password shows the field error next to the field`, async () => {
    const { context, page, errors } = await newPage(w);
    try {
      await page.goto(`${base}/#/sign-up`);
      await page.locator("#field-name").fill(w.lang === "ko" ? "짧은비번" : "Short Password");
      await page.locator("#field-email").fill(`short${w.width}@example.com`);
      await page.locator("#field-password").fill("short");
      await page.locator('form button[type="submit"]').click();
      const error = page.locator('.field:has(#field-password) [data-field-error="password"]');
      await error.waitFor();
      assert.ok((await error.textContent()).length > 0);
      assert.equal(await page.locator("#field-password").getAttribute("aria-invalid"), "true");
      assert.match(await page.locator("#field-password").getAttribute("aria-describedby"), /field-password-error/);
      assert.equal(await page.locator("[data-field-error]").count(), 1, "only the password is wrong");
      await page.locator('[role="alert"]').waitFor();
      assert.match(page.url(), /#\/sign-up$/);
      await shot(page, "sign-up-field-error", w);
      await fitsWidth(page, w);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
