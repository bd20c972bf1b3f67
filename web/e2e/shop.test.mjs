// The shop screens in Debian's headless Chromium, at 390 px (Korean) and 1280 px (English):
// the programs in KRW → buy with the sandbox's approving token → the order's page follows
// the saga until it is confirmed → the premium lessons open (a lesson starts); a declined
// token ends the order cancelled with payment_declined and the lessons stay locked (a
// lesson opened by URL says "buy the program"); a confirmed order is cancelled and its
// lessons close again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { base, fitsWidth, newPage, shot, useCloud, WIDTHS } from "./harness.mjs";
import { apiAs, signInAs, signUpStudent } from "./flows/community.mjs";
import {
  buy,
  buyProgramAndOpenLesson,
  cancelOrder,
  chooseToBuy,
  DEMO_PRODUCT,
  DEMO_PROGRAM,
  lessonsBecome,
  openLesson,
  openLessons,
  openPrograms,
  orderSettles,
  pay,
} from "./flows/shop.mjs";

useCloud();

const NAMES = { ko: ["박구매", "최거절", "정취소"], en: ["Cleo Buyer", "Dan Declined", "Eve Cancels"] };

for (const w of WIDTHS) {
  const [buyer, decliner, canceller] = NAMES[w.lang];

  test(`${w.width} px (${w.lang}): programs in KRW, buy, confirmed, the premium lesson opens`, async () => {
    const student = await signUpStudent(buyer, `buyer${w.width}@example.com`, w.lang);
    const { context, page, errors } = await newPage(w);
    try {
      const started = Date.now();
      await signInAs(page, student, "shop");
      await openPrograms(page);
      const demo = page.locator(`[data-product-id="${DEMO_PRODUCT}"]`);
      assert.equal(await demo.getByTestId("price").textContent(), w.lang === "ko" ? "가격: ₩19,000" : "Price: ₩19,000");
      await shot(page, "shop-programs", w);
      await fitsWidth(page, w);

      // Before buying: locked, and a lesson opened anyway is 403 enrollment_required → "buy the program".
      assert.equal(await openLessons(page), false);
      const moduleId = await page.locator(`[data-program-id="${DEMO_PROGRAM}"] [data-testid="lesson"]`).first().getAttribute("data-module-id");
      await page.goto(`${base}/#/shop/lessons/${moduleId}`);
      await page.getByTestId("lesson-locked").waitFor();
      await page.locator(`[data-testid="buy-program"][href$="shop/products/${DEMO_PRODUCT}"]`).waitFor();
      await shot(page, "shop-lesson-locked", w);
      await fitsWidth(page, w);

      await openPrograms(page);
      await chooseToBuy(page, DEMO_PRODUCT, "tok_ok");
      assert.equal(await page.getByTestId("total").textContent(), "₩19,000");
      await shot(page, "shop-buy", w);
      await fitsWidth(page, w);
      const orderId = await pay(page);
      const settledAs = await orderSettles(page);
      assert.deepEqual(settledAs, { status: "confirmed", reason: "" });
      assert.equal(await page.getByTestId("order-total").innerText(), "₩19,000");
      assert.equal((await apiAs(student, "GET", `/v1/orders/${orderId}`)).body.status, "confirmed");
      await page.getByTestId("open-lessons").waitFor();
      await shot(page, "shop-order", w);
      await fitsWidth(page, w);

      await lessonsBecome(page, true);
      await shot(page, "shop-lessons", w);
      await fitsWidth(page, w);
      await openLesson(page);
      assert.ok((await page.locator(".shop-exercise").count()) > 0);
      await shot(page, "shop-lesson", w);
      await fitsWidth(page, w);
      console.log(`${w.width} px: programs → buy → confirmed → lesson open in ${Date.now() - started} ms`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test(`${w.width} px (${w.lang}): a declined payment ends the order cancelled and the lessons stay locked; a passing payment error still confirms`, async () => {
    const student = await signUpStudent(decliner, `declined${w.width}@example.com`, w.lang);
    const { context, page, errors } = await newPage(w);
    try {
      await signInAs(page, student, "shop");
      await openPrograms(page);
      const orderId = await buy(page, DEMO_PRODUCT, "tok_declined");
      assert.deepEqual(await orderSettles(page), { status: "cancelled", reason: "payment_declined" });
      assert.match(await page.getByTestId("order-status").innerText(), w.lang === "ko" ? /거절/ : /declined/);
      await shot(page, "shop-order-declined", w);
      assert.equal(await page.getByTestId("cancel-order").count(), 0, "nothing to cancel");
      // The API agrees: a cancelled order is not cancellable.
      assert.equal((await apiAs(student, "POST", `/v1/orders/${orderId}/cancel`)).status, 409);
      await fitsWidth(page, w);
      assert.equal(await openLessons(page), false);
      assert.ok((await page.getByTestId("buy-program").count()) > 0);
      assert.equal(await page.getByTestId("open-lesson").count(), 0);
      await shot(page, "shop-lessons-locked", w);
      await fitsWidth(page, w);
      // tok_error: the provider fails once, the payment is tried again, and it captures.
      await openPrograms(page);
      await buy(page, DEMO_PRODUCT, "tok_error");
      assert.equal((await orderSettles(page)).status, "confirmed");
      await lessonsBecome(page, true);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test(`${w.width} px (${w.lang}): a confirmed order is cancelled (refunded) and its lessons close`, async () => {
    const student = await signUpStudent(canceller, `cancel${w.width}@example.com`, w.lang);
    const { context, page, errors } = await newPage(w);
    try {
      await signInAs(page, student, "shop");
      await openPrograms(page);
      const orderId = await buyProgramAndOpenLesson(page);
      await page.goto(`${base}/#/shop/orders/${orderId}`);
      await cancelOrder(page);
      assert.deepEqual(await orderSettles(page), { status: "cancelled", reason: "cancelled_by_customer" });
      assert.equal(await page.getByTestId("cancel-order").count(), 0);
      await fitsWidth(page, w);
      await lessonsBecome(page, false);
      // The orders list shows it.
      await page.goto(`${base}/#/shop/orders`);
      await page.getByTestId("orders").waitFor();
      assert.equal(await page.locator(`.shop-order a[href$="${orderId}"]`).count(), 1);
      await shot(page, "shop-orders", w);
      await fitsWidth(page, w);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}
