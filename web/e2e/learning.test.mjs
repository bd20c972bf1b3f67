// The learning screens in Debian's headless Chromium (make web-e2e), at 390 px (Korean) and
// 1280 px (English): the assessments → start the diagnostic → answer some → reload (the
// answers and the timer come back) → answer the rest → submit → the result's chart → the
// plan → a training session (unanswered exercises shown at each, then answered) → progress
// (mastery and the streak); a save lost to the network is offered again at its question, and
// an attempt submitted elsewhere refuses an answer there; the time running out (the page's
// clock) closes the questions. Screenshots go to docs/screenshots/learning-*.png.
import assert from "node:assert/strict";
import { test } from "node:test";
import { base, fitsWidth, newPage, shot, useCloud, WIDTHS } from "./harness.mjs";
import { apiAs, signInAs, signUpStudent } from "./flows/community.mjs";
import {
  answerExercises,
  answerQuestions,
  openAssessments,
  planReady,
  openProgressFromSession,
  planItems,
  readProgress,
  resultBars,
  secondsLeft,
  shownAnswers,
  SOME_WRONG,
  startDiagnostic,
  startTraining,
  submitDiagnostic,
  submitTraining,
} from "./flows/learning.mjs";

useCloud();

/** A new student through the API in the page's language, signed in on `page` (the assessments). */
async function newStudent(page, w, name, email) {
  const student = await signUpStudent(name, email, w.lang);
  await signInAs(page, student, "assessments");
  return student;
}

/** Waits (by the test's clock, not the page's) until `check` answers true. */
async function until(check, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SKILL = { ko: { fractions: "분수", geometry: "도형" }, en: { fractions: "Fractions", geometry: "Geometry" } };

for (const w of WIDTHS) {
  test(`${w.width} px (${w.lang}): diagnostic, reload, result, plan, training, progress`, async () => {
    const { context, page, errors } = await newPage(w);
    try {
      const started = Date.now();
      await newStudent(page, w, w.lang === "ko" ? "이학습" : "Lee Learner", `learner${w.width}@example.com`);
      await openAssessments(page);
      assert.equal(await page.getAttribute("html", "lang"), w.lang);
      assert.equal(await page.getByTestId("no-attempts").count(), 1);

      // Start, answer half: each answer is saved as it is chosen.
      const attemptId = await startDiagnostic(page);
      const full = await secondsLeft(page);
      assert.ok(full > 14 * 60 && full <= 15 * 60, `a fresh attempt shows ${full} s left`);
      await answerQuestions(page, { 0: SOME_WRONG[0], 1: SOME_WRONG[1], 2: SOME_WRONG[2] });
      const before = await secondsLeft(page);

      // A reload restores the saved answers and the time left (from expiresAt, not from the start).
      await page.reload();
      await page.getByTestId("question").first().waitFor();
      assert.deepEqual(await shownAnswers(page), [...SOME_WRONG.slice(0, 3), null, null, null]);
      const after = await secondsLeft(page);
      assert.ok(after <= before && after >= before - 20, `time left ${before} s before the reload, ${after} s after`);
      assert.match(await page.getByTestId("answered").textContent(), /3/);
      assert.equal(await page.getByTestId("timer-announcement").textContent(), "", "nothing announced on open");
      await shot(page, "learning-diagnostic", w);
      await fitsWidth(page, w);

      await answerQuestions(page, { 3: SOME_WRONG[3], 4: SOME_WRONG[4], 5: SOME_WRONG[5] });
      await submitDiagnostic(page);
      assert.match(page.url(), new RegExp(`#/attempts/${attemptId}/result$`));
      // The numbers beside the bars (Korean says 점 after the points).
      const bars = await resultBars(page);
      assert.deepEqual(Object.keys(bars), ["equations", "fractions", "geometry"]);
      assert.match(bars.equations, /^1 \/ 2\D* · 50%$/);
      assert.match(bars.fractions, /^2 \/ 2\D* · 100%$/);
      assert.match(bars.geometry, /^0 \/ 2\D* · 0%$/);
      assert.match(await page.getByTestId("total-score").textContent(), /3 \/ 6.*50%/);
      await shot(page, "learning-result", w);
      await fitsWidth(page, w);

      // The plan is built by an event after the submit: until it is there (held back here for
      // a moment: the API answers 404 meanwhile) the screen says it is being prepared, and asks again.
      const notYet = (route) =>
        route.fulfill({
          status: 404,
          contentType: "application/problem+json",
          body: JSON.stringify({ type: "about:blank", status: 404, code: "not_found", title: "Not found", detail: "No plan yet", requestId: "test" }),
        });
      await page.route("**/v1/learning/plan", notYet);
      await page.getByTestId("see-plan").click();
      const waiting = page.locator('[data-testid="plan-waiting"] .learning-notice');
      await waiting.waitFor();
      assert.match(await waiting.textContent(), w.lang === "ko" ? /준비하고 있습니다/ : /Preparing your plan/);
      await shot(page, "learning-plan-preparing", w);
      await page.unroute("**/v1/learning/plan", notYet);
      await planReady(page);
      assert.deepEqual(await planItems(page), [
        { skill: "geometry", status: "todo" },
        { skill: "equations", status: "todo" },
      ]);
      await shot(page, "learning-plan", w);
      await fitsWidth(page, w);

      // A session: submitting with nothing chosen marks every exercise, and only on this screen.
      await startTraining(page, 0);
      assert.match(await page.locator("#screen-title").textContent(), new RegExp(SKILL[w.lang].geometry));
      await page.getByTestId("submit-session").click();
      const marked = page.locator('[data-testid="exercise"] [data-field-error]');
      await marked.first().waitFor();
      assert.equal(await marked.count(), await page.getByTestId("exercise").count());
      assert.equal(await page.locator('[data-testid="exercise"] fieldset[aria-invalid="true"]').count(), await marked.count());
      assert.equal(
        await page.evaluate(() => document.activeElement?.closest('[data-testid="exercise"]')?.id),
        "exercise-0",
        "the first unanswered exercise has the focus",
      );
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "learning-session-error", w);
      await fitsWidth(page, w);
      await answerExercises(page, { right: true });
      assert.equal(await marked.count(), 0, "an answer clears its exercise's error");
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "learning-session", w);
      const result = await submitTraining(page);
      assert.ok(result.mastered, result.text);

      const progress = await openProgressFromSession(page);
      assert.equal(progress.streakDays, 1);
      assert.deepEqual(Object.keys(progress.skills), ["geometry"]);
      assert.match(progress.skills.geometry, /1/);
      await shot(page, "learning-progress", w);
      await fitsWidth(page, w);

      // The mastered session marked the plan's geometry step done.
      await page.goto(`${base}/#/plan`);
      await page.getByTestId("plan").waitFor();
      assert.deepEqual(await planItems(page), [
        { skill: "geometry", status: "done" },
        { skill: "equations", status: "todo" },
      ]);

      // The list now holds the graded attempt, with its score and a link to its result.
      await openAssessments(page);
      const row = page.locator(`[data-testid="attempt"][data-id="${attemptId}"]`);
      assert.equal(await row.getAttribute("data-status"), "submitted");
      assert.match(await row.textContent(), /3 \/ 6/);
      assert.equal(await row.locator(`a[href="#/attempts/${attemptId}/result"]`).count(), 1);
      await shot(page, "learning-assessments", w);
      await fitsWidth(page, w);
      // The skills of the progress chart are named in the page's language.
      await page.goto(`${base}/#/progress`);
      const shown = await readProgress(page);
      assert.equal(shown.streakDays, 1);
      assert.match(await page.getByTestId("mastery-chart").textContent(), new RegExp(SKILL[w.lang].geometry));
      assert.deepEqual(errors, []);
      console.log(`${w.width} px: the learning journey in ${Date.now() - started} ms`);
    } finally {
      await context.close();
    }
  });

  test(`${w.width} px (${w.lang}): an attempt submitted elsewhere refuses an answer, shown at its question`, async () => {
    const { context, page, errors } = await newPage(w);
    try {
      const student = await newStudent(page, w, w.lang === "ko" ? "두탭" : "Two Tabs", `twotabs${w.width}@example.com`);
      await openAssessments(page);
      const attemptId = await startDiagnostic(page);
      await answerQuestions(page, { 0: 0 });
      // The network drops one save: that question says so and offers to save again.
      await page.route("**/v1/attempts/*/answers/*", (route) => route.abort("internetdisconnected"), { times: 1 });
      await page.getByTestId("question").nth(0).locator('input[type="radio"]').nth(1).check();
      const lost = page.locator('[data-testid="question"]:nth-child(1) [role="alert"][data-problem-code="network"]');
      await lost.waitFor();
      await lost.getByRole("button").click();
      await page.locator('[data-testid="question"]:nth-child(1) [data-testid="save-status"][data-state="saved"]').waitFor();
      assert.equal((await apiAs(student, "GET", `/v1/attempts/${attemptId}`)).body.answers["01JDEMAQ000000000000000001"], 1);
      // Another tab submits it.
      assert.equal((await apiAs(student, "POST", `/v1/attempts/${attemptId}/submit`)).status, 200);
      await page.getByTestId("question").nth(1).locator('input[type="radio"]').first().check();
      const refused = page.locator('[data-testid="question"]:nth-child(2) [role="alert"][data-problem-code="attempt_submitted"]');
      await refused.waitFor();
      assert.equal(await page.locator('[role="alert"][data-problem-code]').count(), 1, "only at that question");
      await page.getByTestId("attempt-closed").waitFor();
      assert.deepEqual(await shownAnswers(page), [1, null, null, null, null, null], "the refused choice is undone");
      assert.equal(await page.locator("fieldset:disabled").count(), 6, "no answer can change any more");
      assert.equal(await page.getByTestId("submit-attempt").count(), 0);
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "learning-attempt-closed", w);
      await fitsWidth(page, w);
      // Its link leads to the grade the other tab got (the first question's second choice: wrong).
      await page.getByTestId("attempt-closed").getByRole("link").click();
      await page.getByTestId("result-chart").waitFor();
      assert.match(await page.getByTestId("total-score").textContent(), /0 \/ 6/);
      // Opening the attempt again shows its result in its place.
      await page.goto(`${base}/#/attempts/${attemptId}`);
      await page.waitForURL(/\/result$/);
      await page.getByTestId("result-chart").waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

for (const w of WIDTHS) {
  test(`${w.width} px (${w.lang}): the time runs out: announced at 5 minutes and at the end, the questions close, what was saved is graded`, async () => {
    const { context, page, errors } = await newPage(w);
    try {
      // The page's clock is the test's: 15 minutes pass in an instant (the API's do not, so
      // the submit still grades; the app goes by expiresAt and its own clock).
      await newStudent(page, w, w.lang === "ko" ? "시간초과" : "Out Of Time", `timeout${w.width}@example.com`);
      await page.clock.install();
      await page.reload();
      await openAssessments(page);
      await startDiagnostic(page);
      await answerQuestions(page, { 0: 0, 2: 1 });
      const announcement = page.getByTestId("timer-announcement");
      assert.equal(await announcement.textContent(), "");
      await page.clock.fastForward((await secondsLeft(page)) * 1000 - 299_000);
      await until(async () => (await secondsLeft(page)) <= 300, "the timer at 5 minutes");
      const fiveMinutes = w.lang === "ko" ? "5분 남았습니다." : "5 minutes left.";
      await until(async () => (await announcement.textContent()) === fiveMinutes, "5 minutes announced");
      await page.clock.fastForward(300_000);
      await page.getByTestId("attempt-expired").waitFor();
      assert.equal(await page.getByTestId("time-left").textContent(), "00:00");
      const timeUp = w.lang === "ko" ? /시간이 끝났습니다/ : /Time is up/;
      await until(async () => timeUp.test(await announcement.textContent()), "the end announced");
      assert.equal(await page.locator("fieldset:disabled").count(), 6, "no answer can change");
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot(page, "learning-expired", w);
      await fitsWidth(page, w);
      await submitDiagnostic(page);
      assert.match(await page.getByTestId("total-score").textContent(), /2 \/ 6/);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
