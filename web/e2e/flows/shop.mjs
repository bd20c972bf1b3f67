// The shop screens' browser steps, for shop.test.mjs and the whole-journey test: each takes a
// signed-in page and leaves it on the screen it names.
import assert from "node:assert/strict";
import { base } from "../harness.mjs";

/** learning's demo program, and the product that sells it (the seeded catalogues). */
export const DEMO_PRODUCT = "01JDEMP0000000000000000001";
export const DEMO_PROGRAM = "01JDEMR0000000000000000001";

/** Opens the programs; waits until the seeded catalogue is there (the seeds run after start). */
export async function openPrograms(page) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.goto(`${base}/#/shop`);
    await page.locator('[data-testid="products"]').waitFor();
    if ((await page.getByTestId("product").count()) > 0) return;
    assert.ok(Date.now() < deadline, "the shop catalogue was not seeded within 30 s");
    await page.waitForTimeout(500);
  }
}

/** From the programs: opens a product's buy screen and chooses the sandbox token (not paid yet). */
export async function chooseToBuy(page, productId, token = "tok_ok") {
  await page.locator(`[data-product-id="${productId}"] [data-testid="buy"]`).click();
  await page.getByTestId("buy-form").waitFor();
  await page.getByTestId(`token-${token}`).check();
}

/** Pays on the buy screen; answers the order's id once the order's page shows. */
export async function pay(page) {
  await page.getByTestId("pay").click();
  await page.waitForURL(/#\/shop\/orders\/[0-9A-Z]{26}$/);
  await page.getByTestId("order-status").waitFor();
  return page.url().split("/").pop();
}

/**
 * Buys a product from the programs screen with a sandbox token (`tok_ok` captures,
 * `tok_declined` declines); answers the order's id once the order's page shows.
 */
export async function buy(page, productId, token = "tok_ok") {
  await chooseToBuy(page, productId, token);
  return pay(page);
}

/** Waits on the order's page until the order settles (step done); answers status and reason. */
export async function orderSettles(page) {
  const status = page.locator('[data-testid="order-status"][data-step="done"]');
  await status.waitFor({ timeout: 30_000 });
  return { status: await status.getAttribute("data-status"), reason: await status.getAttribute("data-reason") };
}

/** Cancels the confirmed order on its page (with the confirmation); waits until it is cancelled. */
export async function cancelOrder(page) {
  await page.getByTestId("cancel-order").click();
  await page.getByTestId("confirm-cancel").waitFor();
  await page.getByTestId("confirm-cancel-yes").click();
  await page.locator('[data-testid="order-status"][data-status="cancelled"]').waitFor({ timeout: 30_000 });
}

/** Opens the premium lessons; answers whether the program is open. */
export async function openLessons(page, programId = DEMO_PROGRAM) {
  await page.goto(`${base}/#/shop/lessons`);
  const program = page.locator(`[data-testid="program"][data-program-id="${programId}"]`);
  await program.waitFor();
  return (await program.getAttribute("data-open")) === "true";
}

/** Opens a premium lesson of the program from the lessons screen; waits until it opens. */
export async function openLesson(page, programId = DEMO_PROGRAM) {
  await page.locator(`[data-program-id="${programId}"] [data-testid="open-lesson"]`).first().click();
  await page.getByTestId("lesson-open").waitFor();
}

/** Enrollment follows the order's events: opens the lessons until the program is `open` (or locked). */
export async function lessonsBecome(page, open, programId = DEMO_PROGRAM) {
  const deadline = Date.now() + 30_000;
  while ((await openLessons(page, programId)) !== open) {
    assert.ok(Date.now() < deadline, `the program did not become ${open ? "open" : "locked"} within 30 s`);
    await page.waitForTimeout(500);
  }
}

/**
 * The whole journey's shop part: buys the demo program with the approving sandbox token,
 * waits until the order is confirmed and the program open, and opens a premium lesson.
 * Answers the order's id.
 */
export async function buyProgramAndOpenLesson(page) {
  await openPrograms(page);
  const orderId = await buy(page, DEMO_PRODUCT, "tok_ok");
  const settled = await orderSettles(page);
  assert.equal(settled.status, "confirmed");
  await lessonsBecome(page, true);
  await openLesson(page);
  return orderId;
}
