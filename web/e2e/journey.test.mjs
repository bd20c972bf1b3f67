// The whole journey of one student, as a person would take it, in Debian's headless Chromium
// (make web-e2e) at 390 px (Korean) and 1280 px (English), composed from every area's steps
// (flows/): sign up → verify the email → the diagnostic → its result → the plan → a training
// session → progress → a post, a comment from a second student, a like → buy the demo
// program → confirmed → its premium lesson opens → the inbox shows the notifications →
// change the password → sign out and in → delete the account.
import assert from "node:assert/strict";
import { test } from "node:test";
import { changePassword, deleteAccount, signIn, signUp, TEXT, verifyEmail } from "./flows/account.mjs";
import { apiAs, likeCount, openPost, signUpStudent, writePost } from "./flows/community.mjs";
import {
  answerExercises,
  openPlanFromResult,
  openProgressFromSession,
  planItems,
  resultBars,
  startTraining,
  submitTraining,
  takeDiagnostic,
} from "./flows/learning.mjs";
import { buy, DEMO_PRODUCT, openLesson, openLessons, openPrograms, orderSettles } from "./flows/shop.mjs";
import { base, fitsWidth, newPage, PASSWORD, shot, useCloud, WIDTHS } from "./harness.mjs";

useCloud();

/** Opens the inbox until it holds every type in `types` (notifications arrive through queues); answers the types shown. */
async function inboxWith(page, types) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.goto(`${base}/#/`);
    await page.goto(`${base}/#/inbox`);
    await page.locator('[data-testid="inbox"], [data-testid="unread-count"]').first().waitFor();
    const seen = await page.getByTestId("inbox-item").evaluateAll((els) => els.map((e) => e.dataset.type));
    if (types.every((t) => seen.includes(t))) return seen;
    assert.ok(Date.now() < deadline, `the inbox shows ${seen}, not yet all of ${types}`);
    await page.waitForTimeout(500);
  }
}

for (const w of WIDTHS) {
  test(`${w.width} px (${w.lang}): the whole journey, sign-up to deletion`, async () => {
    const { context, page, errors } = await newPage(w);
    const email = `journey${w.width}@example.com`;
    const t = TEXT[w.lang];
    const started = Date.now();
    const lap = (what) => console.log(`${w.width} px: ${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    try {
      await signUp(page, { name: w.lang === "ko" ? "한여정" : "Journey Student", email, password: PASSWORD });
      await verifyEmail(page, w.lang, email);
      lap("signed up and verified");

      // The diagnostic with some answers wrong: the result names weak skills, the plan trains them.
      await takeDiagnostic(page);
      const bars = await resultBars(page);
      assert.ok(Object.keys(bars).length >= 2, `a bar per skill: ${JSON.stringify(bars)}`);
      await openPlanFromResult(page);
      const plan = await planItems(page);
      assert.ok(plan.length >= 1, "the plan has a step for a weak skill");
      await startTraining(page, 0);
      await answerExercises(page, { right: true });
      const session = await submitTraining(page);
      assert.ok(session.mastered, session.text);
      const progress = await openProgressFromSession(page);
      assert.ok(progress.streakDays >= 1, `a streak: ${JSON.stringify(progress)}`);
      lap("diagnostic, plan, session, progress");

      // A post; a second student comments and likes it; the author sees both.
      const postId = await writePost(page, {
        title: w.lang === "ko" ? "진단을 마쳤어요" : "Finished my diagnostic",
        body: w.lang === "ko" ? "분수 연습부터 시작합니다." : "Starting with fractions.",
      });
      const friend = await signUpStudent(w.lang === "ko" ? "친구" : "Friend", `friend${w.width}@example.com`, w.lang);
      const commented = await apiAs(friend, "POST", `/v1/community/posts/${postId}/comments`, {
        body: w.lang === "ko" ? "화이팅!" : "Good luck!",
      });
      assert.equal(commented.status, 201, JSON.stringify(commented.body));
      const liked = await apiAs(friend, "PUT", `/v1/community/posts/${postId}/like`);
      assert.ok([200, 204].includes(liked.status), JSON.stringify(liked.body));
      await openPost(page, postId);
      assert.equal(await page.getByTestId("comment").count(), 1);
      assert.equal(await likeCount(page), 1);
      lap("post, comment, like");

      // The demo program, bought with the sandbox token: confirmed, and its premium lesson opens.
      await openPrograms(page);
      await buy(page, DEMO_PRODUCT, "tok_ok");
      const order = await orderSettles(page);
      assert.equal(order.status, "confirmed", JSON.stringify(order));
      const deadline = Date.now() + 30_000;
      while (!(await openLessons(page))) {
        assert.ok(Date.now() < deadline, "the program did not open within 30 s of the order's confirmation");
        await page.waitForTimeout(500);
      }
      await openLesson(page);
      lap("bought, lesson open");

      // The inbox: what happened along the way, with the unread badge.
      const seen = await inboxWith(page, ["welcome", "comment_added", "order_confirmed"]);
      assert.ok(await page.getByTestId("unread-badge").count(), "the unread badge");
      await shot(page, "journey-inbox", w);
      await fitsWidth(page, w);
      console.log(`${w.width} px: the inbox shows ${seen.join(", ")}`);

      await changePassword(page, w.lang, { email, password: PASSWORD, newPassword: "journey-password-2" });
      await page.getByRole("button", { name: t.signOut }).click();
      await page.waitForURL(/#\/sign-in$/);
      await signIn(page, { email, password: "journey-password-2" });
      await deleteAccount(page, w.lang, { email, password: "journey-password-2" });
      lap("password changed, signed out and in, deleted");
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
