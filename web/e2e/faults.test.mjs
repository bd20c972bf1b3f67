// The error paths a student can meet, in Debian's headless Chromium (make web-e2e), at 390
// and 1280 px, against a local cloud where the community domain is down (every community
// function's binary exits at once, as a broken deploy would):
// - the rest of the app keeps working (the talk's fault isolation, seen from the client),
//   and the community screen says the server has a problem, with a retry;
// - too many wrong passwords: 429 says when to try again;
// - the network lost: the problem with a retry, and what was typed stays; the retry works.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { signUp } from "./flows/account.mjs";
import { base, fitsWidth, localcloud, newPage, PASSWORD, shot, useCloud, WIDTHS } from "./harness.mjs";

// The functions' binaries as built, but community's replaced by one that fails at start.
const built = dirname(localcloud);
const binDir = mkdtempSync(join(tmpdir(), "studyloop-broken-community-"));
for (const name of readdirSync(built)) {
  if (name.startsWith("community-")) {
    writeFileSync(join(binDir, name), "#!/bin/sh\necho 'community is down (web/e2e/faults.test.mjs)' >&2\nexit 1\n");
    chmodSync(join(binDir, name), 0o755);
  } else {
    symlinkSync(join(built, name), join(binDir, name));
  }
}
after(() => rmSync(binDir, { recursive: true, force: true }));
useCloud({ binDir });

for (const w of WIDTHS) {
  test(`${w.width} px (${w.lang}): community down, the rest of the app works; 429 and network loss shown with a retry`, async () => {
    const { context, page, errors } = await newPage(w);
    const email = `faults${w.width}@example.com`;
    try {
      await signUp(page, { name: w.lang === "ko" ? "장애" : "Fault Tolerant", email, password: PASSWORD });

      // The community screen: a server problem with a retry, inside the app (header, navigation).
      await page.goto(`${base}/#/community`);
      // The local cloud answers for a function that fails to respond as API Gateway does: 502.
      await page.locator('[role="alert"]:has(button.retry)').first().waitFor();
      const text = await page.locator('[role="alert"]').first().textContent();
      assert.match(text, w.lang === "ko" ? /서버에 일시적인 문제/ : /The server has a passing problem/);
      await shot(page, "faults-community-down", w);
      await fitsWidth(page, w);

      // Everything else works: home, the inbox (the welcome arrived), the shop's programs.
      await page.goto(`${base}/#/`);
      await page.getByTestId("user-name").waitFor();
      await page.goto(`${base}/#/inbox`);
      await page.getByTestId("inbox-item").first().waitFor();

      // The network lost while home loads: the problem with a retry; back, the retry shows the account.
      await page.route("**/v1/users/me", (route) => route.abort("internetdisconnected"));
      await page.goto(`${base}/#/inbox`);
      await page.goto(`${base}/#/`);
      await page.locator('[role="alert"][data-problem-code="network"]').waitFor();
      await shot(page, "faults-network", w);
      await page.unroute("**/v1/users/me");
      await page.locator('[role="alert"] button.retry').click();
      await page.getByTestId("user-name").waitFor();

      // Too many wrong passwords: 429 with when to try again; what was typed stays.
      await page.getByRole("button", { name: w.lang === "ko" ? "로그아웃" : "Sign out" }).click();
      await page.waitForURL(/#\/sign-in$/);
      await page.locator("#field-email").fill(email);
      let limited = false;
      for (let i = 0; i < 8 && !limited; i++) {
        await page.locator("#field-password").fill(`wrong-password-${i}`);
        await page.locator('form button[type="submit"]').click();
        await page.locator('[role="alert"]').waitFor();
        await page.waitForFunction(() => !document.querySelector('form button[type="submit"]')?.disabled);
        limited = (await page.locator('[role="alert"][data-problem-code="rate_limited"]').count()) > 0;
      }
      assert.ok(limited, "sign-in is rate limited after repeated wrong passwords");
      const seconds = Number(await page.locator("[data-retry-after]").getAttribute("data-retry-after"));
      assert.ok(seconds > 0, `Retry-After ${seconds}`);
      assert.equal(await page.locator("#field-email").inputValue(), email);
      await shot(page, "faults-rate-limited", w);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
