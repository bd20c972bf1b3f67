// An order's page: GET /v1/orders/{id} every second until it settles (the status in an
// aria-live region), a declined payment said as such, and cancel (POST .../cancel) while
// the order is confirmed; and the student's orders (GET /v1/orders), newest first.
import { useEffect, useState } from "preact/hooks";
import type { components } from "../api/schema";
import { api } from "../api/client";
import { useMessages } from "../i18n";
import { Loaded, useAction, useLoad } from "../load";
import { href } from "../router";
import { Card, ProblemBanner } from "../screens/form";
import { Confirm, inWords, More, useDateTime, usePaged } from "../community/common";
import { all } from "./lessons";
import { shopMessages } from "./messages";
import { useMoney } from "./programs";

type Order = components["schemas"]["Order"];

/** Settled: nothing more will happen unless the customer cancels a confirmed order. */
export const settled = (o: Order) => o.step === "done";

const POLL_MS = 1000;

/** The order's status in a word; a declined payment is said as such, not as a plain "cancelled". */
function headline(o: Order, m: (typeof shopMessages)["ko"]): string {
  return settled(o) && o.reason === "payment_declined" ? m.declined : (m.statusText[o.status] ?? o.status);
}

function useProductName(productId: string): string | null {
  const product = useLoad(() => api.GET("/v1/products/{id}", { params: { path: { id: productId } } }), [productId]);
  return product.data?.name ?? null;
}

export function OrderScreen(props: { orderId: string }) {
  const m = useMessages(shopMessages);
  const id = props.orderId;
  const order = useLoad(() => api.GET("/v1/orders/{id}", { params: { path: { id } } }), [id]);
  const o = order.data;
  // Poll while the saga runs; a failed poll shows its problem and the polling goes on.
  useEffect(() => {
    if (!o || settled(o)) return;
    const timer = setTimeout(() => order.reload(), POLL_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [o, order.problem]);
  return (
    <Card title={m.orderTitle} wide>
      <Loaded load={{ ...order, problem: inWords(order.problem, m.problems) }}>
        {(o) => <OrderDetails order={o} onChange={order.setData} />}
      </Loaded>
    </Card>
  );
}

function OrderDetails(props: { order: Order; onChange: (o: Order) => void }) {
  const m = useMessages(shopMessages);
  const money = useMoney();
  const when = useDateTime();
  const o = props.order;
  const name = useProductName(o.productId);
  const [confirming, setConfirming] = useState(false);
  const { problem, busy, run, retry } = useAction();
  const cancellable = o.status === "confirmed" && o.step === "done";
  const done = settled(o);
  const failed = o.status === "cancelled" || o.status === "rejected";

  async function cancel() {
    const now = await run(() => api.POST("/v1/orders/{id}/cancel", { params: { path: { id: o.id } } }));
    setConfirming(false);
    if (now) props.onChange(now);
  }

  const sentence = !done
    ? (m.progress[o.step] ?? "")
    : o.reason
      ? (m.reasons[o.reason] ?? "")
      : o.status === "confirmed"
        ? m.confirmedText
        : "";
  return (
    <>
      <div
        class={`shop-status shop-status-${done ? o.status : "pending"}`}
        role="status"
        aria-live="polite"
        data-testid="order-status"
        data-status={o.status}
        data-step={o.step}
        data-reason={o.reason ?? ""}
      >
        <p class="shop-status-label">
          {!done && <span class="shop-spinner" aria-hidden="true" />}
          <strong>{headline(o, m)}</strong>
        </p>
        <p>{sentence}</p>
      </div>
      <dl class="shop-facts">
        <dt>{m.product}</dt>
        <dd data-testid="order-product">{name ?? o.productId}</dd>
        <dt>{m.quantity}</dt>
        <dd>{o.quantity}</dd>
        <dt>{m.total}</dt>
        <dd data-testid="order-total">{o.total ? money(o.total) : "–"}</dd>
        <dt>{m.orderedAt}</dt>
        <dd>
          <time dateTime={o.createdAt}>{when(o.createdAt)}</time>
        </dd>
      </dl>
      <ProblemBanner problem={problem} messages={m.problems} onRetry={retry} />
      <p class="shop-links">
        {o.status === "confirmed" && done && !o.reason && (
          <a class="shop-button" href={href("shop/lessons")} data-testid="open-lessons">
            {m.openLessons}
          </a>
        )}
        {failed && (
          <a class="shop-button" href={href(`shop/products/${o.productId}`)}>
            {m.tryAgain}
          </a>
        )}
        {cancellable && !confirming && (
          <button type="button" class="secondary" onClick={() => setConfirming(true)} data-testid="cancel-order">
            {m.cancelOrder}
          </button>
        )}
      </p>
      {confirming && (
        <Confirm
          name="confirm-cancel"
          question={m.confirmCancel}
          yes={m.confirmCancelYes}
          no={m.keep}
          busy={busy}
          onYes={() => void cancel()}
          onNo={() => setConfirming(false)}
        />
      )}
      <p class="switch">
        <a href={href("shop/orders")}>{m.ordersTitle}</a> · <a href={href("shop")}>{m.backToShop}</a>
      </p>
    </>
  );
}

export function Orders() {
  const m = useMessages(shopMessages);
  const money = useMoney();
  const when = useDateTime();
  const list = usePaged((cursor) => api.GET("/v1/orders", { params: { query: { cursor } } }));
  // The orders name their product by id only: the catalogue (a few products) names them.
  const products = useLoad(() => all((cursor) => api.GET("/v1/products", { params: { query: { cursor, limit: 100 } } })));
  const nameOf = (id: string) => products.data?.find((p) => p.id === id)?.name ?? id;
  return (
    <Card title={m.ordersTitle} wide>
      <Loaded load={list.first}>
        {() =>
          list.items.length === 0 ? (
            <p>{m.noOrders}</p>
          ) : (
            <>
              <ul class="shop-orders" data-testid="orders">
                {list.items.map((o) => (
                  <li key={o.id} class="shop-order" data-testid="order">
                    <a class="shop-order-name" href={href(`shop/orders/${o.id}`)}>
                      {nameOf(o.productId)}
                    </a>
                    <span class="shop-muted">
                      <time dateTime={o.createdAt}>{when(o.createdAt)}</time> · {o.total ? money(o.total) : "–"}
                    </span>
                    <span class={`shop-tag shop-status-${settled(o) ? o.status : "pending"}`}>{headline(o, m)}</span>
                  </li>
                ))}
              </ul>
              <More list={list} label={m.more} />
            </>
          )
        }
      </Loaded>
      <p class="switch">
        <a href={href("shop")}>{m.backToShop}</a>
      </p>
    </Card>
  );
}
