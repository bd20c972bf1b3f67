// The account screens in Debian's headless Chromium (make web-e2e): at 390 px (a phone, Korean
// from the browser) and 1280 px (a desktop, English), sign up → home shows the name → sign out
// → a wrong password shows the problem → sign in → home, and a too-short password at sign-up
// shows the field error next to its field. Screenshots go to docs/screenshots/.
import assert from "node:assert/strict";
import { test } from "node:test";
import { changePassword, deleteAccount, readInbox, resetPassword, signUp, TEXT, verifyEmail } from "./flows/account.mjs";
import { signInAs, signUpStudent } from "./flows/community.mjs";
import { base, fitsWidth, newPage, PASSWORD, shot, useCloud, WIDTHS } from "./harness.mjs";

useCloud();


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

for (const w of WIDTHS) {
  test(`${w.width} px (${w.lang}): verify the email, settings, inbox, change and reset the password, delete the account`, async () => {
    const { context, page, errors } = await newPage(w);
    const email = `life${w.width}@example.com`;
    const onScreen = async (name) => {
      await shot(page, name, w);
      await fitsWidth(page, w);
    };
    try {
      await signUp(page, { name: w.lang === "ko" ? "이수진" : "Grace Life", email, password: PASSWORD });
      await verifyEmail(page, w.lang, email, { onScreen });
      await shot(page, "home-verified", w);

      // Settings: the language is the account's (saved at sign-up in the language shown);
      // changing it here changes the app at once.
      await page.goto(`${base}/#/settings/notifications`);
      await page.locator("#field-locale").waitFor();
      assert.equal(await page.locator("#field-locale").inputValue(), w.lang);
      await page.locator("#field-kakao").check();
      await page.locator("#field-kakao\\.phone").fill("12");
      await page.locator('form button[type="submit"]').click();
      await page.locator('[data-field-error="kakao.phone"]').waitFor();
      await page.locator("#field-kakao\\.phone").fill("01012345678");
      const other = w.lang === "ko" ? "en" : "ko";
      await page.locator("#field-locale").selectOption(other);
      await page.locator('form button[type="submit"]').click();
      await page.getByTestId("saved").waitFor();
      // The document's language follows in the frame after the notice (an effect).
      await page.waitForFunction((l) => document.documentElement.lang === l, other, { timeout: 2000 });
      await page.locator("#field-locale").selectOption(w.lang);
      await page.locator('form button[type="submit"]').click();
      await page.waitForFunction((l) => document.documentElement.lang === l, w.lang);
      await onScreen("account-settings");

      // The inbox: the welcome (and the verification code) arrived; the badge counts them.
      await readInbox(page, w.lang, { types: ["welcome"], onScreen });

      await changePassword(page, w.lang, { email, password: PASSWORD, newPassword: "a-new-password-1", onScreen });
      await page.getByRole("button", { name: TEXT[w.lang].signOut }).click();
      await page.waitForURL(/#\/sign-in$/);
      await resetPassword(page, w.lang, { email, newPassword: "a-reset-password-2", onScreen });
      await deleteAccount(page, w.lang, { email, password: "a-reset-password-2", onScreen });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

// The performance budget: the first screen interactive (the app's own mark, after its first
// render with its handlers) within 1 s of navigation, for a new visitor (an empty cache)
// against the local cloud, as make dev serves it. Five loads; the median is the figure.
test("the first screen is interactive within 1 s (median of 5 cold loads)", async () => {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const { context, page } = await newPage(WIDTHS[i % 2]);
    try {
      await page.goto(`${base}/#/sign-in`);
      await page.locator("#field-email").waitFor();
      const mark = await page.evaluate(() => performance.getEntriesByName("studyloop:interactive")[0]?.startTime);
      assert.ok(typeof mark === "number", "the app marks studyloop:interactive");
      times.push(Math.round(mark));
    } finally {
      await context.close();
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[2];
  console.log(`first screen interactive: median ${median} ms, ${sorted.join(", ")} ms over 5 cold loads (budget 1000 ms)`);
  assert.ok(median <= 1000, `median ${median} ms over the 1 s budget`);
});

test("a page's first load trades the refresh token once, however late its other refused requests answer", async () => {
  const { context, page, errors } = await newPage(WIDTHS[1]);
  try {
    const student = await signUpStudent("Once Only", "onceonly@example.com", "en");
    let refreshes = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/v1/auth/refresh") refreshes += 1;
    });
    // The screen's list of attempts answers late: its 401 (sent before there was an access
    // token) arrives after the refresh its sibling requests started has finished.
    await page.route("**/v1/users/me/attempts**", async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await signInAs(page, student, "assessments");
    await page.locator('[data-testid="attempts"], [data-testid="no-attempts"]').first().waitFor();
    // One rotation: a second one would be for nothing, and a reload during it would lose
    // the session (the tab keeps a token the server then takes for a reused one).
    assert.equal(refreshes, 1);
    await page.reload();
    await page.locator('[data-testid="attempts"], [data-testid="no-attempts"]').first().waitFor();
    assert.equal(refreshes, 2, "the reload's own refresh, with the token the tab kept");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
