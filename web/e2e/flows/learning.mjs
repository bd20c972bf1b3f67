// The learning screens' browser steps, for learning.test.mjs and the whole-journey test: each
// takes a signed-in page and leaves it on the screen it names. Language-neutral (test ids,
// links by address), so they serve at both widths.
import assert from "node:assert/strict";
import { base } from "../harness.mjs";

/** The seeded diagnostic (assessments' catalogue) and its six questions' right choices. */
export const DIAGNOSTIC = "01JDEMA0000000000000000001";
export const DIAGNOSTIC_KEY = [0, 0, 1, 2, 1, 1];
/** Fractions right, equations half, geometry wrong: a plan of geometry, then equations. */
export const SOME_WRONG = [0, 0, 1, 0, 0, 0];

/** Opens the assessments; waits until the seeded catalogue is listed (the seeds run after start). */
export async function openAssessments(page) {
  const deadline = Date.now() + 30_000;
  for (let round = 0; ; round++) {
    // Not yet seeded: a reload asks again (only once the screen showed, so that no reload
    // cuts the app's first refresh short: its rotated token would be lost).
    if (round > 0) await page.reload();
    else if (page.url() !== `${base}/#/assessments`) await page.goto(`${base}/#/assessments`);
    await page.locator('[data-testid="assessments"], [data-testid="assessment"]').first().waitFor();
    await page.locator('[data-testid="attempts"], [data-testid="no-attempts"]').first().waitFor();
    if ((await page.locator(`[data-testid="assessment"][data-id="${DIAGNOSTIC}"]`).count()) > 0) return;
    assert.ok(Date.now() < deadline, "the diagnostic was not seeded within 30 s");
    await page.waitForTimeout(500);
  }
}

/** Starts the diagnostic from the assessments screen; answers the attempt's id once its questions show. */
export async function startDiagnostic(page) {
  await page.locator(`[data-testid="assessment"][data-id="${DIAGNOSTIC}"] [data-testid="start"]`).click();
  await page.waitForURL(/#\/attempts\/[0-9A-Z]{26}$/);
  await page.getByTestId("question").first().waitFor();
  return page.url().split("/").pop();
}

/** The open attempt's questions (or a session's exercises): the radio of choice `k` of item `i`. */
const radio = (page, testid, i, k) => page.getByTestId(testid).nth(i).locator('input[type="radio"]').nth(k);

/**
 * Chooses answers on the open attempt, `{questionIndex: choiceIndex}`, and waits until each
 * is saved (its status says so).
 */
export async function answerQuestions(page, choices) {
  for (const [i, k] of Object.entries(choices)) {
    await radio(page, "question", Number(i), k).check();
    await page.locator(`[data-testid="question"]:nth-child(${Number(i) + 1}) [data-testid="save-status"][data-state="saved"]`).waitFor();
  }
}

/** The open attempt's chosen answers as shown: one per question, null where none is chosen. */
export async function shownAnswers(page) {
  return page.getByTestId("question").evaluateAll((qs) =>
    qs.map((q) => {
      const radios = [...q.querySelectorAll('input[type="radio"]')];
      const k = radios.findIndex((r) => r.checked);
      return k === -1 ? null : k;
    }),
  );
}

/** The seconds left that the open attempt's timer shows. */
export async function secondsLeft(page) {
  return Number(await page.getByTestId("time-left").getAttribute("data-seconds"));
}

/** Submits the open attempt; waits for its result's chart. */
export async function submitDiagnostic(page) {
  await page.getByTestId("submit-attempt").click();
  await page.waitForURL(/#\/attempts\/[0-9A-Z]{26}\/result$/);
  await page.getByTestId("result-chart").waitFor();
}

/** The whole diagnostic from the assessments screen to its result: `answers`, one per question. */
export async function takeDiagnostic(page, answers = SOME_WRONG) {
  await openAssessments(page);
  const attemptId = await startDiagnostic(page);
  await answerQuestions(page, { ...answers });
  await submitDiagnostic(page);
  return attemptId;
}

/** A chart's numbers as shown beside its bars: `{skill: text}`. */
function chartValues(page, testid) {
  return page.locator(`[data-testid="${testid}"] tbody tr`).evaluateAll((rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.skill, r.querySelector('[data-testid="bar-value"]').textContent])),
  );
}

/** The result's chart as shown: `{skill: "1 / 2 · 50%"}` (the numbers beside each bar). */
export const resultBars = (page) => chartValues(page, "result-chart");

/** From the result, the plan: waits until it is built (the screen says "being prepared" meanwhile). */
export async function openPlanFromResult(page) {
  await page.getByTestId("see-plan").click();
  await page.waitForURL(/#\/plan$/);
  await planReady(page);
}

/** Waits until the plan screen shows a plan that is not being replaced. */
export async function planReady(page) {
  await page.getByTestId("plan").waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="plan-waiting"]:empty').waitFor({ state: "attached", timeout: 30_000 });
}

/** The plan's items as shown: `[{skill, status}]`, weakest first. */
export async function planItems(page) {
  return page.getByTestId("plan-item").evaluateAll((items) => items.map((i) => ({ skill: i.dataset.skill, status: i.dataset.status })));
}

/** Starts a training session from the plan's `index`th item; waits for its exercises. */
export async function startTraining(page, index = 0) {
  await page.getByTestId("plan-item").nth(index).getByTestId("train").click();
  await page.waitForURL(/#\/sessions\/[0-9A-Z]{26}$/);
  await page.getByTestId("exercise").first().waitFor();
}

/**
 * The right choice of a demo module's exercise (learning's seeded catalogue): 1/d + 1/d,
 * a·x = b, and a square's perimeter.
 */
export function rightChoice(prompt, choices) {
  let answer;
  let m;
  if ((m = prompt.match(/What is 1\/(\d+) \+ 1\/\1\?/))) answer = `2/${m[1]}`;
  else if ((m = prompt.match(/Solve for x: (\d+)x = (\d+)/))) answer = String(Number(m[2]) / Number(m[1]));
  else if ((m = prompt.match(/sides of (\d+) cm/))) answer = `${4 * Number(m[1])} cm`;
  const k = choices.indexOf(answer);
  assert.ok(k >= 0, `no right choice known for "${prompt}" among ${choices.join(", ")}`);
  return k;
}

/** Answers every exercise of the open session (rightly, or each with its first wrong choice). */
export async function answerExercises(page, { right = true } = {}) {
  const exercises = await page.getByTestId("exercise").evaluateAll((els) =>
    els.map((e) => ({
      prompt: e.querySelector(".learning-prompt").textContent,
      choices: [...e.querySelectorAll(".learning-choice span")].map((s) => s.textContent),
    })),
  );
  for (const [i, ex] of exercises.entries()) {
    const good = rightChoice(ex.prompt, ex.choices);
    await radio(page, "exercise", i, right ? good : good === 0 ? 1 : 0).check();
  }
}

/** Submits the open session; answers its result `{text, mastered}`. */
export async function submitTraining(page) {
  await page.getByTestId("submit-session").click();
  const result = page.getByTestId("session-result");
  await result.waitFor();
  return { text: await result.textContent(), mastered: (await result.getAttribute("data-mastered")) === "true" };
}

/** From a session's result, progress: answers `{streakDays, skills: {skill: "Level n of 5"}}`. */
export async function openProgressFromSession(page) {
  await page.getByTestId("see-progress").click();
  await page.waitForURL(/#\/progress$/);
  return readProgress(page);
}

/** Progress as shown: the streak's days and each skill's mastery text. */
export async function readProgress(page) {
  const streak = page.getByTestId("streak");
  await streak.waitFor();
  await page.locator('[data-testid="mastery-chart"], [data-testid="no-progress"]').first().waitFor();
  const skills = await chartValues(page, "mastery-chart");
  return { streakDays: Number(await streak.getAttribute("data-days")), skills };
}
