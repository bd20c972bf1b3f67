// The account screens' steps, for account.test.mjs and the whole journey: sign up, the code
// from the mail catcher (GET /_localcloud/mail, newest first), verification, passwords,
// settings, the inbox, deletion.
import assert from "node:assert/strict";
import { base } from "../harness.mjs";

export const TEXT = {
  ko: {
    signUp: "회원가입",
    signIn: "로그인",
    signOut: "로그아웃",
    hello: "안녕하세요",
    verify: "인증 전",
    verified: "인증됨",
    verifyLink: "이메일 인증하기",
    changePassword: "비밀번호 변경",
    forgot: "비밀번호를 잊으셨나요?",
    settings: "알림 설정",
    deleteAccount: "계정 삭제",
    inbox: "알림",
    readAll: "모두 읽음으로 표시",
  },
  en: {
    signUp: "Sign up",
    signIn: "Sign in",
    signOut: "Sign out",
    hello: "Hello",
    verify: "Not yet",
    verified: "Verified",
    verifyLink: "Verify your email",
    changePassword: "Change password",
    forgot: "Forgot your password?",
    settings: "Notification settings",
    deleteAccount: "Delete account",
    inbox: "Inbox",
    readAll: "Mark all read",
  },
};

/** Every message the mail catcher holds for `to`, newest first. */
export async function mailTo(to) {
  const res = await fetch(`${base}/_localcloud/mail`);
  assert.equal(res.status, 200);
  return (await res.json()).filter((m) => JSON.stringify(m.to) === JSON.stringify([to]));
}

/** Waits for a message to `to` with a 6-digit code that `after` (a count) did not include, and answers the code. */
export async function nextCode(to, after) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mail = await mailTo(to);
    if (mail.length > after) {
      const code = /(?<![0-9])[0-9]{6}(?![0-9])/.exec(mail[0].text ?? "")?.[0];
      assert.ok(code, `a code in ${JSON.stringify(mail[0])}`);
      return code;
    }
    assert.ok(Date.now() < deadline, `no new mail to ${to} after ${after}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Signs up through the screens; ends on home. */
export async function signUp(page, { name, email, password }) {
  await page.goto(`${base}/#/sign-up`);
  await page.locator("#field-name").fill(name);
  await page.locator("#field-email").fill(email);
  await page.locator("#field-password").fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/#\/$/);
  await page.getByTestId("user-name").waitFor();
}

/** Signs in through the screens; ends on home. */
export async function signIn(page, { email, password }) {
  if (!/#\/sign-in/.test(page.url())) await page.goto(`${base}/#/sign-in`);
  await page.locator("#field-email").fill(email);
  await page.locator("#field-password").fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/#\/$/);
  await page.getByTestId("user-name").waitFor();
}

/** From home: the verification screen, a wrong code shown, then the emailed code; back home shows verified. */
export async function verifyEmail(page, lang, email, { onScreen } = {}) {
  const t = TEXT[lang];
  const code = await nextCode(email, 0);
  await page.getByRole("link", { name: t.verifyLink }).click();
  await page.waitForURL(/#\/account\/verify$/);
  const wrong = code === "000000" ? "111111" : "000000";
  await page.locator("#field-code").fill(wrong);
  await page.locator('form button[type="submit"]').click();
  await page.locator('[role="alert"][data-problem-code="invalid_code"]').waitFor();
  await onScreen?.("account-verify");
  await page.locator("#field-code").fill(code);
  await page.locator('form button[type="submit"]').click();
  await page.getByTestId("verified").waitFor();
  await page.goto(`${base}/#/`);
  await page.getByTestId("user-verified").waitFor();
  assert.equal(await page.getByTestId("user-verified").textContent(), t.verified);
}

/** The inbox from the navigation: the unread badge, the items, "mark all read" clears the badge. */
export async function readInbox(page, lang, { types = [], onScreen } = {}) {
  const t = TEXT[lang];
  const badge = page.getByTestId("unread-badge");
  await badge.waitFor();
  await page.locator("nav.sections").getByRole("link", { name: new RegExp(t.inbox) }).click();
  await page.waitForURL(/#\/inbox$/);
  await page.getByTestId("inbox-item").first().waitFor();
  const seen = await page.getByTestId("inbox-item").evaluateAll((els) => els.map((e) => e.dataset.type));
  for (const type of types) assert.ok(seen.includes(type), `${type} in the inbox: ${seen}`);
  await onScreen?.("account-inbox");
  await page.getByRole("button", { name: t.readAll }).click();
  await page.getByTestId("unread-badge").waitFor({ state: "detached" });
  assert.equal(await page.locator(".inbox-item.unread").count(), 0);
  return seen;
}

/** From home: change the password (a wrong current one first), which signs out everywhere; sign in with the new one. */
export async function changePassword(page, lang, { email, password, newPassword, onScreen }) {
  const t = TEXT[lang];
  await page.goto(`${base}/#/`);
  await page.getByRole("link", { name: t.changePassword }).click();
  await page.waitForURL(/#\/account\/password$/);
  await page.locator("#field-currentPassword").fill("not-the-password");
  await page.locator("#field-newPassword").fill(newPassword);
  await page.locator('form button[type="submit"]').click();
  await page.locator('[role="alert"][data-problem-code="invalid_credentials"]').waitFor();
  assert.equal(await page.locator("#field-newPassword").inputValue(), newPassword, "what was typed stays");
  await onScreen?.("account-password");
  await page.locator("#field-currentPassword").fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/#\/sign-in\?notice=password-changed$/);
  await page.getByTestId("notice").waitFor();
  await signIn(page, { email, password: newPassword });
}

/** Signed out: the forgotten-password screens with the emailed code; ends signed in with `newPassword`. */
export async function resetPassword(page, lang, { email, newPassword, onScreen }) {
  const t = TEXT[lang];
  await page.goto(`${base}/#/sign-in`);
  await page.getByRole("link", { name: t.forgot }).click();
  await page.waitForURL(/#\/password-reset$/);
  const before = (await mailTo(email)).length;
  await page.locator("#field-email").fill(email);
  await page.locator('form button[type="submit"]').click();
  await page.getByTestId("reset-sent").waitFor();
  const code = await nextCode(email, before);
  await page.locator("#field-code").fill(code);
  await page.locator("#field-newPassword").fill(newPassword);
  await onScreen?.("account-reset");
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/#\/sign-in\?notice=password-reset$/);
  await signIn(page, { email, password: newPassword });
}

/** From home: delete the account (the box unticked, then a wrong password, then for real); sign-in then fails. */
export async function deleteAccount(page, lang, { email, password, onScreen }) {
  const t = TEXT[lang];
  await page.goto(`${base}/#/`);
  await page.getByRole("link", { name: t.deleteAccount }).click();
  await page.waitForURL(/#\/account\/delete$/);
  await page.locator("#field-password").fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.locator('[data-field-error="understood"]').waitFor();
  await page.locator("#field-understood").check();
  await page.locator("#field-password").fill("not-the-password");
  await page.locator('form button[type="submit"]').click();
  await page.locator('[role="alert"][data-problem-code="invalid_credentials"]').waitFor();
  await onScreen?.("account-delete");
  await page.locator("#field-password").fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL(/#\/sign-in\?notice=deleted$/);
  await page.getByTestId("notice").waitFor();
  await page.locator("#field-email").fill(email);
  await page.locator("#field-password").fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.locator('[role="alert"][data-problem-code="invalid_credentials"]').waitFor();
}
